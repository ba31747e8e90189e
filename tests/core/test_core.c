/* Core services: errors, the memory budget, sizes, atomic outputs, hashing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include "plateau/afile.h"
#include "plateau/error.h"
#include "plateau/handoff.h"
#include "plateau/hash.h"
#include "plateau/mem.h"
#include "plateau/progress.h"

static void test_error_line(void **state)
{
    (void)state;
    pl_error err;
    pl_error_clear(&err);
    assert_int_equal(pl_error_set(&err, PL_EFORMAT, "a.nwb", "bad\nthing %d", 3), PL_EFORMAT);
    char line[256];
    assert_string_equal(pl_error_line(&err, line, sizeof line), "a.nwb: bad thing 3");
    assert_int_equal(pl_error_set(NULL, PL_EIO, NULL, "x"), PL_EIO);
    pl_error_set(&err, PL_EBUDGET, NULL, "over");
    pl_error_locate(&err, "b.abf");
    assert_string_equal(pl_error_line(&err, line, sizeof line), "b.abf: over");
    pl_error_locate(&err, "c.abf"); /* does not overwrite */
    assert_string_equal(err.path, "b.abf");
}

static void test_budget(void **state)
{
    (void)state;
    pl_error err;
    pl_mem_set_limit(1 << 20);
    size_t base = pl_mem_charged();
    void *a = pl_alloc(512 << 10, "half", &err);
    assert_non_null(a);
    assert_int_equal(pl_mem_charged(), base + (512 << 10));
    void *b = pl_alloc(600 << 10, "too much", &err);
    assert_null(b);
    assert_int_equal(err.code, PL_EBUDGET);
    assert_non_null(strstr(err.msg, "too much"));
    a = pl_realloc(a, 100, "shrunk", &err);
    assert_non_null(a);
    assert_int_equal(pl_mem_charged(), base + 100);
    pl_free(a);
    assert_int_equal(pl_mem_charged(), base);
    assert_true(pl_mem_peak() >= base + (512 << 10));
    pl_mem_set_limit(0);
    pl_mem_fail_after(2);
    void *c = pl_alloc(10, "first", &err);
    void *d = pl_alloc(10, "second", &err);
    assert_non_null(c);
    assert_null(d);
    assert_int_equal(err.code, PL_ENOMEM);
    pl_free(c);
    void *z = pl_calloc(SIZE_MAX / 2, 4, "overflow", &err);
    assert_null(z);
}

static void test_sizes(void **state)
{
    (void)state;
    size_t v;
    assert_int_equal(pl_parse_size("256M", &v, NULL), PL_OK);
    assert_int_equal(v, (size_t)256 << 20);
    assert_int_equal(pl_parse_size("2G", &v, NULL), PL_OK);
    assert_int_equal(v, (size_t)2 << 30);
    assert_int_equal(pl_parse_size("1.5GiB", &v, NULL), PL_OK);
    assert_int_equal(v, (size_t)3 << 29);
    assert_int_equal(pl_parse_size("4096", &v, NULL), PL_OK);
    assert_int_equal(v, 4096);
    assert_int_equal(pl_parse_size("64kb", &v, NULL), PL_OK);
    assert_int_equal(v, 65536);
    assert_int_equal(pl_parse_size("lots", &v, NULL), PL_EARG);
    assert_int_equal(pl_parse_size("-5M", &v, NULL), PL_EARG);
    assert_int_equal(pl_parse_size("5X", &v, NULL), PL_EARG);
    assert_int_equal(pl_parse_size("", &v, NULL), PL_EARG);
    char buf[32];
    assert_string_equal(pl_format_size(268435456, buf, sizeof buf), "256.0 MiB");
    assert_string_equal(pl_format_size(12, buf, sizeof buf), "12 B");
    assert_true(pl_mem_default_limit() >= (size_t)256 << 20);
    assert_true(pl_rss_current() > 0);
    assert_true(pl_rss_peak() >= pl_rss_current() / 2);
}

static char tmpdir[256];

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static void test_afile(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/plateau-test-core-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    char final[512];
    snprintf(final, sizeof final, "%s/sub/out.txt", tmpdir);
    pl_afile af;
    pl_error err;
    assert_int_equal(pl_afile_open(&af, final, &err), PL_OK);
    assert_int_equal(pl_afile_write(&af, "hello", 5, &err), PL_OK);
    struct stat sb;
    assert_int_not_equal(stat(final, &sb), 0); /* not there until commit */
    assert_int_equal(pl_afile_commit(&af, &err), PL_OK);
    assert_int_equal(stat(final, &sb), 0);
    assert_int_equal(sb.st_size, 5);
    /* An aborted rewrite leaves the old file intact and no temporary. */
    assert_int_equal(pl_afile_open(&af, final, &err), PL_OK);
    pl_afile_write(&af, "garbage!", 8, &err);
    pl_afile_abort(&af);
    assert_int_equal(stat(final, &sb), 0);
    assert_int_equal(sb.st_size, 5);
    char sub[512];
    snprintf(sub, sizeof sub, "%s/sub", tmpdir);
    assert_int_equal(count_entries(sub), 1);

    /* Folders: commit, refuse to replace without force, replace with force. */
    char bundle[512], inner[600];
    snprintf(bundle, sizeof bundle, "%s/b/cell", tmpdir);
    for (int round = 0; round < 3; round++) {
        pl_adir d;
        assert_int_equal(pl_adir_begin(&d, bundle, &err), PL_OK);
        snprintf(inner, sizeof inner, "%s/f%d", d.tmp_path, round);
        FILE *f = fopen(inner, "w");
        fputs("x", f);
        fclose(f);
        pl_status st = pl_adir_commit(&d, round == 2, &err);
        assert_int_equal(st, round == 1 ? PL_EIO : PL_OK);
    }
    snprintf(inner, sizeof inner, "%s/f2", bundle);
    assert_int_equal(stat(inner, &sb), 0);
    snprintf(inner, sizeof inner, "%s/f0", bundle);
    assert_int_not_equal(stat(inner, &sb), 0);
    snprintf(sub, sizeof sub, "%s/b", tmpdir);
    assert_int_equal(count_entries(sub), 1);
}

/* A child killed by SIGTERM while writing leaves no temporary behind; SIGKILL leaves one that cleanup_stale removes. */
static void test_signal_cleanup(void **state)
{
    (void)state;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/sig", tmpdir);
    pl_mkdirs(dir, NULL);
    for (int sig = 0; sig < 2; sig++) {
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        pid_t pid = fork();
        if (pid == 0) {
            pl_cleanup_install();
            char final[600];
            snprintf(final, sizeof final, "%s/out%d.bin", dir, sig);
            pl_afile af;
            pl_adir d;
            snprintf(final, sizeof final, "%s/dir%d", dir, sig);
            pl_adir_begin(&d, final, NULL);
            snprintf(final, sizeof final, "%s/out%d.bin", dir, sig);
            pl_afile_open(&af, final, NULL);
            pl_afile_write(&af, "partial", 7, NULL);
            fflush(af.fp);
            (void)!write(fds[1], "r", 1);
            pause();
            _exit(0);
        }
        char c;
        assert_int_equal(read(fds[0], &c, 1), 1);
        kill(pid, sig == 0 ? SIGTERM : SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        close(fds[0]);
        close(fds[1]);
        if (sig == 0)
            assert_int_equal(count_entries(dir), 0);
        else
            assert_int_equal(count_entries(dir), 2);
    }
    assert_int_equal(pl_cleanup_stale(dir), 2);
    assert_int_equal(count_entries(dir), 0);
    pl_remove_tree(tmpdir, NULL);
}

static void test_hash_and_json(void **state)
{
    (void)state;
    char hex[PL_SHA256_HEX];
    pl_sha256_bytes("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_not_equal(pl_hash64("a", 1), pl_hash64("b", 1));
    char buf[64];
    assert_true(pl_json_quote("a\"b\\\n", buf, sizeof buf) > 0);
    assert_string_equal(buf, "\"a\\\"b\\\\\\u000a\"");
    assert_int_equal(pl_json_quote("toolong", buf, 4), -1);
}

/* pl_handoff: slots are worked in submission order on another thread; the consumer's first error reaches the
 * producer at its next acquire and at finish, and nothing submitted after it is worked. */
typedef struct {
    int value[3];
    int seen[1000];
    int n_seen;
    int fail_at; /* the value whose work fails, -1 never */
} handoff_ctx;

static pl_status handoff_work(void *arg, int slot, pl_error *err)
{
    handoff_ctx *x = arg;
    int v = x->value[slot];
    if (v == x->fail_at)
        return pl_error_set(err, PL_EIO, "out.parquet", "disk full at %d", v);
    x->seen[x->n_seen++] = v;
    return PL_OK;
}

static void test_handoff(void **state)
{
    (void)state;
    handoff_ctx x = {.fail_at = -1};
    pl_handoff *h = NULL;
    pl_error err;
    assert_int_equal(pl_handoff_start(&h, 3, handoff_work, &x, &err), PL_OK);
    for (int v = 0; v < 1000; v++) {
        int slot = -1;
        assert_int_equal(pl_handoff_acquire(h, &slot, &err), PL_OK);
        assert_true(slot >= 0 && slot < 3);
        x.value[slot] = v;
        pl_handoff_submit(h, slot);
    }
    assert_int_equal(pl_handoff_finish(h, &err), PL_OK);
    assert_int_equal(x.n_seen, 1000);
    for (int v = 0; v < 1000; v++)
        assert_int_equal(x.seen[v], v);

    handoff_ctx y = {.fail_at = 500};
    assert_int_equal(pl_handoff_start(&h, 2, handoff_work, &y, &err), PL_OK);
    pl_status st = PL_OK;
    int submitted = 0;
    for (int v = 0; v < 1000 && st == PL_OK; v++) {
        int slot;
        if ((st = pl_handoff_acquire(h, &slot, &err)) == PL_OK) {
            y.value[slot] = v;
            pl_handoff_submit(h, slot);
            submitted++;
        }
    }
    assert_int_equal(st, PL_EIO); /* the producer learnt of the failure and stopped early */
    assert_true(submitted < 1000);
    memset(&err, 0, sizeof err);
    assert_int_equal(pl_handoff_finish(h, &err), PL_EIO);
    assert_non_null(strstr(err.msg, "disk full at 500"));
    assert_int_equal(y.n_seen, 500); /* nothing after the failure was worked */
    assert_int_equal(pl_handoff_finish(NULL, &err), PL_OK);
    assert_int_equal(pl_handoff_start(&h, 0, handoff_work, &y, &err), PL_EARG);
    assert_int_equal(pl_mem_charged(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_line),    cmocka_unit_test(test_handoff), cmocka_unit_test(test_budget),
        cmocka_unit_test(test_sizes),         cmocka_unit_test(test_afile),   cmocka_unit_test(test_signal_cleanup),
        cmocka_unit_test(test_hash_and_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

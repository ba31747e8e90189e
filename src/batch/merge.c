/* plateau merge: shard outputs and ledgers into one folder. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch/ledger.h"
#include "plateau/afile.h"
#include "plateau/batch.h"
#include "plateau/mem.h"

static bool is_ledger_file(const char *name)
{
    return !strncmp(name, PL_LEDGER_NAME, strlen(PL_LEDGER_NAME));
}

static bool is_sqlite(const char *path)
{
    char head[16] = {0};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, head, sizeof head);
    close(fd);
    return n == 16 && !memcmp(head, "SQLite format 3", 16);
}

/* Byte-for-byte comparison in bounded chunks. */
static bool same_content(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    bool same = fa && fb;
    static char ba[1 << 16], bb[1 << 16];
    while (same) {
        size_t na = fread(ba, 1, sizeof ba, fa), nb = fread(bb, 1, sizeof bb, fb);
        if (na != nb || memcmp(ba, bb, na))
            same = false;
        if (na == 0)
            break;
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return same;
}

static pl_status copy_file(const char *src, const char *dst, pl_error *err)
{
    pl_afile af;
    pl_status st = pl_afile_reserve(&af, dst, err);
    if (st != PL_OK)
        return st;
    if (link(src, af.tmp_path) == 0)
        return pl_afile_commit(&af, err);
    pl_afile_abort(&af);
    if ((st = pl_afile_open(&af, dst, err)) != PL_OK)
        return st;
    FILE *in = fopen(src, "rb");
    if (!in) {
        pl_afile_abort(&af);
        return pl_error_errno(err, PL_EIO, src, "cannot read");
    }
    static char buf[1 << 16];
    size_t n;
    while (st == PL_OK && (n = fread(buf, 1, sizeof buf, in)) > 0)
        st = pl_afile_write(&af, buf, n, err);
    fclose(in);
    if (st != PL_OK) {
        pl_afile_abort(&af);
        return st;
    }
    return pl_afile_commit(&af, err);
}

static bool listed(const char *name, const char *const *names)
{
    for (; names && *names; names++)
        if (!strcmp(name, *names))
            return true;
    return false;
}

static pl_status merge_tree(const char *src, const char *dst, int depth, pl_merge_db_fn merge_db,
                            const char *const *regenerated, pl_error *err)
{
    DIR *d = opendir(src);
    if (!d)
        return pl_error_errno(err, PL_EIO, src, "cannot read folder");
    pl_status st = PL_OK;
    struct dirent *e;
    while (st == PL_OK && (e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        if (!strcmp(name, ".") || !strcmp(name, "..") || !strncmp(name, PL_TMP_PREFIX, strlen(PL_TMP_PREFIX)))
            continue;
        if (depth == 0 && is_ledger_file(name))
            continue;
        char s[PL_PATH_MAX], t[PL_PATH_MAX];
        snprintf(s, sizeof s, "%s/%s", src, name);
        snprintf(t, sizeof t, "%s/%s", dst, name);
        struct stat sb, tb;
        if (stat(s, &sb) != 0)
            continue;
        if (S_ISDIR(sb.st_mode)) {
            if ((st = pl_mkdirs(t, err)) == PL_OK)
                st = merge_tree(s, t, depth + 1, merge_db, regenerated, err);
        } else if (listed(name, regenerated)) {
            unlink(t); /* drawn again by the caller from the merged results */
        } else if (stat(t, &tb) != 0) {
            st = copy_file(s, t, err);
        } else if (!same_content(s, t)) {
            if (is_sqlite(s) && merge_db)
                st = merge_db(t, s, err);
            else
                st = pl_error_set(err, PL_EFORMAT, s, "differs from %s already in the merged output", t);
        }
    }
    closedir(d);
    return st;
}

pl_status pl_batch_merge(const char *dest, char *const *srcs, size_t n_srcs, pl_merge_db_fn merge_db,
                         const char *const *regenerated, pl_error *err)
{
    pl_ledger *l = NULL;
    pl_status st = pl_ledger_open(dest, &l, err);
    for (size_t i = 0; st == PL_OK && i < n_srcs; i++) {
        char ledger[PL_PATH_MAX];
        snprintf(ledger, sizeof ledger, "%s/%s", srcs[i], PL_LEDGER_NAME);
        struct stat sb;
        if (stat(srcs[i], &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            st = pl_error_set(err, PL_ENOTFOUND, srcs[i], "not an output folder");
            break;
        }
        if ((st = merge_tree(srcs[i], dest, 0, merge_db, regenerated, err)) != PL_OK)
            break;
        if (stat(ledger, &sb) == 0)
            st = pl_ledger_merge_from(l, srcs[i], err);
    }
    pl_ledger_close(l);
    return st;
}

/* A batch program for testing and benchmarking the engine with controllable files.
 *
 * usage: batch_fixture OUT [-j N] [--memory-limit SIZE] [--timeout S] [--shard I/N] [--log FILE] [--force]
 *                      [--in-process] [--work-ms MS] INPUT...
 * Each input file is a text file whose first word chooses the behaviour: "ok" (default), "crash", "hang", "alloc"
 * (pl_alloc without bound), "malloc" (raw malloc without bound), "fail". A good file is read in 64 KiB chunks and
 * OUT/<rel>.out is written atomically with its size, a checksum and its content reversed line by line. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "plateau/afile.h"
#include "plateau/batch.h"
#include "plateau/hash.h"
#include "plateau/mem.h"

typedef struct {
    const char *out;
    int work_ms;
} fixture;

static void burn(int ms)
{
    double end = pl_now() + ms / 1000.0;
    volatile double x = 0;
    while (pl_now() < end)
        for (int i = 0; i < 1000; i++)
            x += i;
}

static pl_status run_ok(fixture *f, const pl_batch_input *in, pl_job_outcome *o, pl_error *err)
{
    FILE *fp = fopen(in->path, "rb");
    if (!fp)
        return pl_error_errno(err, PL_EIO, in->path, "cannot open");
    char out[PL_PATH_MAX];
    snprintf(out, sizeof out, "%s/%s.out", f->out, in->rel);
    pl_afile af;
    pl_status st = pl_afile_open(&af, out, err);
    if (st != PL_OK) {
        fclose(fp);
        return st;
    }
    unsigned char *buf = pl_alloc(1 << 16, "read buffer", err);
    uint64_t sum = 0, size = 0;
    size_t n;
    while (buf && (n = fread(buf, 1, 1 << 16, fp)) > 0) {
        sum = sum * 31 + pl_hash64(buf, n);
        size += n;
    }
    fclose(fp);
    if (!buf) {
        pl_afile_abort(&af);
        return err->code;
    }
    pl_free(buf);
    burn(f->work_ms);
    fprintf(af.fp, "%s %llu %016llx %s\n", in->rel, (unsigned long long)size, (unsigned long long)sum,
            in->content_hash);
    st = pl_afile_commit(&af, err);
    snprintf(o->summary, sizeof o->summary, "%llu bytes", (unsigned long long)size);
    snprintf(o->extra_json, sizeof o->extra_json, "\"bytes\":%llu", (unsigned long long)size);
    o->work_units = size;
    return st;
}

static pl_status job(void *ctx, const pl_batch_input *in, pl_job_outcome *o, pl_error *err)
{
    fixture *f = ctx;
    char word[16] = "";
    FILE *fp = fopen(in->path, "r");
    if (fp) {
        if (fscanf(fp, "%15s", word) != 1)
            word[0] = '\0';
        fclose(fp);
    }
#if defined(__SANITIZE_ADDRESS__)
    /* ASan has no address-space limit to stop a raw runaway: test the budgeted path instead. */
    if (!strcmp(word, "malloc"))
        strcpy(word, "alloc");
#endif
    if (!strcmp(word, "crash"))
        raise(SIGSEGV);
    if (!strcmp(word, "hang"))
        for (;;)
            pause();
    if (!strcmp(word, "fail"))
        return pl_error_set(err, PL_EFORMAT, in->path, "this file says it is bad");
    if (!strcmp(word, "alloc")) {
        for (;;) {
            void *p = pl_alloc(16 << 20, "runaway buffer", err);
            if (!p)
                return err->code;
            memset(p, 1, 16 << 20);
        }
    }
    if (!strcmp(word, "malloc")) {
        for (;;) {
            char *p = malloc(16 << 20);
            if (!p)
                return pl_error_set(err, PL_ENOMEM, in->path, "raw allocation refused");
            memset(p, 1, 16 << 20);
        }
    }
    return run_ok(f, in, o, err);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: batch_fixture OUT [options] INPUT...\n");
        return 2;
    }
    fixture f = {.out = argv[1]};
    pl_batch_options opt = {.label = "fixture", .jobs = 2, .progress = PL_PROGRESS_NEVER, .ledger_dir = argv[1]};
    char *inputs[4096];
    size_t n_inputs = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-j") && i + 1 < argc)
            opt.jobs = atoi(argv[++i]);
        else if (!strcmp(a, "--memory-limit") && i + 1 < argc)
            pl_parse_size(argv[++i], &opt.memory_limit, NULL);
        else if (!strcmp(a, "--timeout") && i + 1 < argc)
            opt.timeout_s = atof(argv[++i]);
        else if (!strcmp(a, "--shard") && i + 1 < argc)
            sscanf(argv[++i], "%d/%d", &opt.shard_index, &opt.shard_count);
        else if (!strcmp(a, "--log") && i + 1 < argc)
            opt.log_path = argv[++i];
        else if (!strcmp(a, "--work-ms") && i + 1 < argc)
            f.work_ms = atoi(argv[++i]);
        else if (!strcmp(a, "--force"))
            opt.force = true;
        else if (!strcmp(a, "--in-process"))
            opt.in_process = true;
        else if (!strcmp(a, "-q"))
            opt.quiet = true;
        else if (n_inputs < 4096)
            inputs[n_inputs++] = argv[i];
    }
    pl_cleanup_install();
    const char *formats[] = {"txt", NULL};
    (void)formats;
    pl_batch_input *list = NULL;
    size_t n = 0;
    pl_error err;
    /* Text inputs have no magic bytes: walk accepts files named explicitly, so list them one by one. */
    const char *any[] = {"nwb", "abf", "xls", "xlsx", NULL};
    if (pl_batch_walk(inputs, n_inputs, any, &list, &n, &err) != PL_OK) {
        char line[2048];
        fprintf(stderr, "batch_fixture: %s\n", pl_error_line(&err, line, sizeof line));
        return 1;
    }
    pl_batch_summary s;
    pl_status st = pl_batch_run(&opt, list, n, job, NULL, &f, &s, &err);
    printf("{\"total\":%zu,\"done\":%zu,\"skipped\":%zu,\"failed\":%zu,\"seconds\":%.6f,\"job_seconds\":%.6f,"
           "\"peak_rss\":%zu,\"peak_tree_rss\":%zu}\n",
           s.total, s.done, s.skipped, s.failed, s.seconds, s.job_seconds, s.peak_rss, s.peak_tree_rss);
    pl_free(list);
    return st == PL_OK ? 0 : 1;
}

/* Shards: which inputs a shard holds, what a run would do (its plan), the marker of a finished shard, and the
 * shard of a Slurm job array task (--shard auto). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "batch/shard.h"
#include "plateau/afile.h"
#include "plateau/hash.h"
#include "plateau/mem.h"

int pl_shard_of(const char *rel, int count)
{
    if (count <= 1)
        return 0;
    return (int)(pl_hash64(rel, strlen(rel)) % (uint64_t)count);
}

bool pl_shard_holds(int index, int count, const char *rel)
{
    return count <= 1 || pl_shard_of(rel, count) == index - 1;
}

size_t pl_batch_file_estimate(pl_job_estimate_fn estimate, void *ctx, const pl_batch_input *in)
{
    return estimate ? estimate(ctx, in) : PL_BATCH_DEFAULT_ESTIMATE;
}

pl_status pl_batch_plan_fill(const pl_batch_options *opt, const pl_batch_input *inputs, size_t n,
                             pl_job_estimate_fn estimate, void *ctx, pl_error *err)
{
    pl_batch_plan *p = opt->plan;
    int shards = p->shards > 0 ? p->shards : 1;
    size_t *files = pl_calloc((size_t)shards, sizeof *files, "shard plan", err);
    uint64_t *bytes = pl_calloc((size_t)shards, sizeof *bytes, "shard plan", err);
    if (!files || !bytes) {
        pl_free(files);
        pl_free(bytes);
        return err ? err->code : PL_ENOMEM;
    }
    p->files = n;
    p->bytes = 0;
    p->max_estimate = 0;
    for (size_t i = 0; i < n; i++) {
        const pl_batch_input *in = &inputs[i];
        int s = pl_shard_of(in->rel, shards);
        files[s]++;
        bytes[s] += in->size;
        p->bytes += in->size;
        size_t need = pl_batch_file_estimate(estimate, ctx, in);
        if (need > p->max_estimate)
            p->max_estimate = need;
    }
    p->largest_shard = p->largest_bytes = p->empty_shards = 0;
    for (int s = 0; s < shards; s++) {
        if (files[s] > p->largest_shard)
            p->largest_shard = files[s];
        if (bytes[s] > p->largest_bytes)
            p->largest_bytes = bytes[s];
        p->empty_shards += files[s] == 0;
    }
    pl_free(files);
    pl_free(bytes);
    return PL_OK;
}

pl_status pl_shard_done_prepare(const char *path, pl_error *err)
{
    if (unlink(path) != 0 && errno != ENOENT)
        return pl_error_errno(err, PL_EIO, path, "cannot remove the done marker of an earlier run");
    pl_afile af; /* reserving the name creates the marker's folder now, and fails now if it cannot */
    pl_status st = pl_afile_reserve(&af, path, err);
    if (st == PL_OK)
        pl_afile_abort(&af);
    return st;
}

/* User and system CPU seconds of this process and of the workers it has waited for. */
static double cpu_seconds(void)
{
    double total = 0;
    int who[] = {RUSAGE_SELF, RUSAGE_CHILDREN};
    for (int i = 0; i < 2; i++) {
        struct rusage ru;
        if (getrusage(who[i], &ru) == 0)
            total += (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
                     ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
    }
    return total;
}

pl_status pl_shard_done_write(const pl_batch_options *opt, const pl_batch_summary *s, pl_error *err)
{
    pl_afile af;
    pl_status st = pl_afile_open(&af, opt->done_path, err);
    if (st != PL_OK)
        return st;
    char line[512];
    int len = snprintf(line, sizeof line,
                       "{\"shard\":%d,\"shards\":%d,\"files\":%zu,\"done\":%zu,\"skipped\":%zu,\"failed\":%zu,"
                       "\"seconds\":%.3f,\"cpu_seconds\":%.3f,\"peak_rss\":%zu,\"peak_tree_rss\":%zu}\n",
                       opt->shard_count ? opt->shard_index : 1, opt->shard_count ? opt->shard_count : 1, s->total,
                       s->done, s->skipped, s->failed, s->seconds, cpu_seconds(), s->peak_rss, s->peak_tree_rss);
    st = pl_afile_write(&af, line, (size_t)len, err);
    if (st != PL_OK) {
        pl_afile_abort(&af);
        return st;
    }
    return pl_afile_commit(&af, err);
}

/* A whole number from the environment; false when unset, empty or not a number. */
static bool env_int(const char *name, long *out)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return false;
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || *end || x < 0 || x > 100000000)
        return false;
    *out = x;
    return true;
}

pl_status pl_batch_shard_from_env(int *index, int *count, pl_error *err)
{
    static const char *const need[] = {"SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN"};
    long v[3];
    for (int i = 0; i < 3; i++)
        if (!env_int(need[i], &v[i]))
            return pl_error_set(err, PL_EARG, NULL,
                                "--shard auto: %s is %s (auto is for the tasks of a Slurm job array; elsewhere give "
                                "--shard I/N)",
                                need[i], getenv(need[i]) ? "not a whole number" : "not set");
    long id = v[0], n = v[1], min = v[2], max;
    /* An array with gaps (--array=1,3 or 0-15:4) cannot number its tasks 1..N. */
    if (env_int("SLURM_ARRAY_TASK_MAX", &max) && max - min + 1 != n)
        return pl_error_set(err, PL_EARG, NULL,
                            "--shard auto: the job array %ld-%ld has %ld tasks, not one per number (a step or a list); "
                            "give --shard \"$SLURM_ARRAY_TASK_ID/N\" instead",
                            min, max, n);
    if (n < 1 || id < min || id - min >= n)
        return pl_error_set(err, PL_EARG, NULL,
                            "--shard auto: SLURM_ARRAY_TASK_ID %ld is outside the array's %ld tasks from %ld", id, n,
                            min);
    *index = (int)(id - min + 1);
    *count = (int)n;
    return PL_OK;
}

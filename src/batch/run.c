/* Running a batch. This first version runs jobs in-process, one after another; the worker-process engine
 * (fork, memory governance, ledger, resume) replaces its insides without changing pl_batch_run. */
#include <stdio.h>
#include <string.h>

#include "plateau/batch.h"
#include "plateau/hash.h"
#include "plateau/mem.h"

static bool in_shard(const pl_batch_options *opt, const pl_batch_input *in)
{
    if (opt->shard_count <= 1)
        return true;
    uint64_t h = pl_hash64(in->rel, strlen(in->rel));
    return (int)(h % (uint64_t)opt->shard_count) == opt->shard_index - 1;
}

static void outcome_line(pl_progress *bar, const pl_batch_options *opt, const pl_batch_input *in, pl_status st,
                         const pl_job_outcome *o, const pl_error *err, double seconds)
{
    if (opt->quiet && st == PL_OK)
        return;
    char line[PL_PATH_MAX + 1024];
    if (st != PL_OK) {
        char e[PL_ERROR_PATH_MAX + PL_ERROR_MSG_MAX + 8];
        pl_error copy = *err;
        copy.path[0] = '\0'; /* the line names the input itself */
        snprintf(line, sizeof line, "FAILED  %s: %s", in->path, pl_error_line(&copy, e, sizeof e));
    } else if (o->skipped) {
        snprintf(line, sizeof line, "skipped %s (%s)", in->path, o->summary[0] ? o->summary : "already done");
    } else {
        snprintf(line, sizeof line, "done    %s (%s%s%.2f s)", in->path, o->summary, o->summary[0] ? ", " : "",
                 seconds);
    }
    pl_progress_println(bar, stderr, line);
}

pl_status pl_batch_run(const pl_batch_options *opt, const pl_batch_input *inputs, size_t n, pl_job_fn job,
                       pl_job_estimate_fn estimate, void *ctx, pl_batch_summary *summary, pl_error *err)
{
    (void)estimate;
    pl_batch_summary s = {0};
    pl_log *log = NULL;
    if (opt->log_path && pl_log_open(opt->log_path, &log, err) != PL_OK)
        return err ? err->code : PL_EIO;
    uint64_t total_bytes = 0;
    size_t selected = 0;
    for (size_t i = 0; i < n; i++)
        if (in_shard(opt, &inputs[i])) {
            total_bytes += inputs[i].size;
            selected++;
        }
    pl_mem_set_limit(opt->memory_limit);
    pl_progress *bar = pl_progress_new(opt->progress, opt->label, selected, total_bytes);
    double t0 = pl_now();
    uint64_t bytes_done = 0;
    for (size_t i = 0; i < n; i++) {
        const pl_batch_input *in = &inputs[i];
        if (!in_shard(opt, in))
            continue;
        pl_job_outcome o;
        memset(&o, 0, sizeof o);
        pl_error e;
        pl_error_clear(&e);
        double start = pl_now();
        pl_status st = pl_interrupted() ? pl_error_set(&e, PL_EINTR, in->path, "interrupted") : job(ctx, in, &o, &e);
        double secs = pl_now() - start;
        if (st != PL_OK && e.code == PL_OK)
            pl_error_set(&e, st, in->path, "%s", pl_status_str(st));
        s.total++;
        if (st != PL_OK)
            s.failed++;
        else if (o.skipped)
            s.skipped++;
        else
            s.done++;
        outcome_line(bar, opt, in, st, &o, &e, secs);
        char emsg[PL_ERROR_MSG_MAX];
        snprintf(emsg, sizeof emsg, "%s", e.msg);
        pl_log_file_event(log, in->path, st != PL_OK ? "failed" : o.skipped ? "skipped" : "done", secs,
                          pl_rss_peak(), st != PL_OK ? emsg : NULL, o.extra_json[0] ? o.extra_json : NULL);
        bytes_done += in->size;
        pl_progress_update(bar, s.total, bytes_done, pl_mem_charged());
        if (st == PL_EINTR)
            break;
    }
    s.seconds = pl_now() - t0;
    s.peak_rss = pl_rss_peak();
    pl_progress_finish(bar);
    pl_log_close(log);
    if (!opt->quiet) {
        char rss[32];
        fprintf(stderr, "%s: %zu files: %zu done, %zu skipped, %zu failed in %.2f s (peak RSS %s)\n",
                opt->label ? opt->label : "batch", s.total, s.done, s.skipped, s.failed, s.seconds,
                pl_format_size((double)s.peak_rss, rss, sizeof rss));
    }
    if (summary)
        *summary = s;
    if (s.failed)
        return pl_error_set(err, PL_EFORMAT, NULL, "%zu of %zu files failed", s.failed, s.total);
    return PL_OK;
}

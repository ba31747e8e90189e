/* The batch engine: each file runs in a forked worker process under its share of the memory budget.
 *
 * The parent owns the ledger, the progress bar, the log and the summary. A worker computes the file's content hash,
 * runs the job and sends one fixed-size result record through a pipe. Whatever happens in a worker (a crash, a
 * runaway allocation, a hang past --timeout) fails that file only; temporaries of a dead worker are removed. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "batch/governor.h"
#include "batch/ledger.h"
#include "batch/shard.h"
#include "plateau/batch.h"
#include "plateau/hash.h"
#include "plateau/mem.h"

/* Sanitizers reserve terabytes of address space: no RLIMIT_AS safety net under them. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define PL_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define PL_UNDER_ASAN 1
#endif
#endif

typedef struct job_result {
    pl_status status;
    pl_error err;
    pl_job_outcome out;
    size_t peak_rss;
    size_t peak_charged; /* the budget's own peak: what pl_alloc handed out */
    char content_hash[PL_SHA256_HEX];
} job_result;

typedef struct slot {
    bool busy;
    pid_t pid;
    int fd;
    size_t index;
    size_t reservation;
    double start;
    double limit_s; /* this file's time limit, 0 = none */
    job_result res;
    size_t got;
} slot;

typedef struct engine {
    const pl_batch_options *opt;
    const pl_batch_input *inputs;
    pl_job_fn job;
    void *ctx;
    pl_ledger *ledger;
    pl_log *log;
    pl_progress *bar;
    pl_governor gov;
    pl_batch_summary sum;
    uint64_t bytes_done, bytes_total;
    size_t selected;
} engine;

static bool in_shard(const pl_batch_options *opt, const pl_batch_input *in)
{
    return pl_shard_holds(opt->shard_index, opt->shard_count, in->rel);
}

static int default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

static int64_t mtime_ns(const struct stat *sb)
{
    return (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
}

/* Runs in the worker (or in-process): hash, then the job. */
static void run_job(engine *e, const pl_batch_input *given, job_result *r)
{
    memset(r, 0, sizeof *r);
    pl_batch_input in = *given;
    pl_error_clear(&r->err);
    r->status = pl_sha256_file(in.path, in.content_hash, &r->err);
    if (r->status == PL_OK) {
        snprintf(r->content_hash, sizeof r->content_hash, "%s", in.content_hash);
        r->status = e->job(e->ctx, &in, &r->out, &r->err);
    }
    if (r->status != PL_OK && r->err.code == PL_OK)
        pl_error_set(&r->err, r->status, in.path, "%s", pl_status_str(r->status));
    r->peak_rss = pl_rss_peak();
    r->peak_charged = pl_mem_peak();
}

static void limit_address_space(size_t budget)
{
#ifndef PL_UNDER_ASAN
    /* A safety net under the budget: a raw malloc that runs away gets NULL instead of the OOM killer.
     * Headroom covers code, libraries and their own small allocations. */
    if (budget) {
        struct rlimit rl;
        rl.rlim_cur = rl.rlim_max = (rlim_t)budget * 2 + ((rlim_t)1 << 30);
        setrlimit(RLIMIT_AS, &rl);
    }
#else
    (void)budget;
#endif
}

static __attribute__((noreturn)) void worker_main(engine *e, size_t index, size_t budget, int fd)
{
    pl_mem_set_limit(budget);
    pl_mem_reset_peak();
    limit_address_space(budget);
    job_result r;
    run_job(e, &e->inputs[index], &r);
    const char *p = (const char *)&r;
    size_t left = sizeof r;
    while (left) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        p += n;
        left -= (size_t)n;
    }
    close(fd);
    _exit(0);
}

static const char *signal_name(int sig)
{
    const char *name = sigabbrev_np(sig);
    return name ? name : "?";
}

static void print_outcome(engine *e, const pl_batch_input *in, const job_result *r, double secs)
{
    if (e->opt->quiet && r->status == PL_OK)
        return;
    char line[PL_PATH_MAX + 1024];
    if (r->status != PL_OK) {
        pl_error copy = r->err;
        copy.path[0] = '\0'; /* the line names the input itself */
        char msg[PL_ERROR_MSG_MAX + 8];
        snprintf(line, sizeof line, "FAILED  %s: %s", in->path, pl_error_line(&copy, msg, sizeof msg));
    } else if (r->out.skipped) {
        snprintf(line, sizeof line, "skipped %s (%s)", in->path, r->out.summary[0] ? r->out.summary : "already done");
    } else {
        snprintf(line, sizeof line, "done    %s (%s%s%.2f s)", in->path, r->out.summary, r->out.summary[0] ? ", " : "",
                 secs);
    }
    pl_progress_println(e->bar, stderr, line);
}

/* Accounts one finished file: summary, ledger, log, progress. */
static void finish_file(engine *e, size_t index, const job_result *r, double secs, size_t peak_rss)
{
    const pl_batch_input *in = &e->inputs[index];
    pl_batch_summary *s = &e->sum;
    const char *status = r->status != PL_OK ? "failed" : r->out.skipped ? "skipped" : "done";
    if (r->status != PL_OK) {
        s->failed++;
        if (r->status <= PL_EINTERNAL)
            s->failed_by_code[r->status]++;
    } else if (r->out.skipped) {
        s->skipped++;
    } else {
        s->done++;
        s->work_units += r->out.work_units;
    }
    s->job_seconds += secs;
    if (peak_rss > s->peak_rss)
        s->peak_rss = peak_rss;
    if (r->peak_charged > s->peak_charged)
        s->peak_charged = r->peak_charged;
    print_outcome(e, in, r, secs);
    if (e->ledger) {
        struct stat sb;
        pl_ledger_entry le = {
            .label = e->opt->label ? e->opt->label : "batch",
            .rel = in->rel,
            .path = in->path,
            .size = in->size,
            .mtime_ns = stat(in->path, &sb) == 0 ? mtime_ns(&sb) : 0,
            .content_hash = r->content_hash,
            .status = status,
            .error_code = r->status != PL_OK ? pl_status_str(r->status) : NULL,
            .error = r->status != PL_OK ? r->err.msg : NULL,
            .seconds = secs,
            .peak_rss = peak_rss,
            .work_units = r->out.work_units,
            .summary = r->out.summary,
            .extra_json = r->out.extra_json,
            .tag = e->opt->ledger_tag,
        };
        pl_error lerr;
        if (pl_ledger_record(e->ledger, &le, &lerr) != PL_OK) {
            char msg[PL_ERROR_PATH_MAX + PL_ERROR_MSG_MAX + 8];
            pl_progress_println(e->bar, stderr, pl_error_line(&lerr, msg, sizeof msg));
        }
    }
    char extra[sizeof r->out.extra_json + 64];
    snprintf(extra, sizeof extra, "\"peak_charged\":%zu%s%s", r->peak_charged, r->out.extra_json[0] ? "," : "",
             r->out.extra_json);
    pl_log_file_event(e->log, in->path, status, secs, peak_rss, r->status != PL_OK ? r->err.msg : NULL, extra);
    s->total++;
    e->bytes_done += in->size;
    pl_progress_update(e->bar, s->total, e->bytes_done, e->gov.reserved);
}

static void skip_unchanged(engine *e, size_t index)
{
    job_result r;
    memset(&r, 0, sizeof r);
    r.out.skipped = true;
    snprintf(r.out.summary, sizeof r.out.summary, "unchanged since the last run");
    const pl_batch_input *in = &e->inputs[index];
    e->sum.skipped++;
    e->sum.total++;
    e->bytes_done += in->size;
    print_outcome(e, in, &r, 0);
    pl_log_file_event(e->log, in->path, "skipped", 0, 0, NULL, NULL);
    pl_progress_update(e->bar, e->sum.total, e->bytes_done, e->gov.reserved);
}

static bool ledger_says_done(engine *e, const pl_batch_input *in)
{
    if (!e->ledger || e->opt->force)
        return false;
    struct stat sb;
    if (stat(in->path, &sb) != 0)
        return false;
    return pl_ledger_is_done(e->ledger, e->opt->label ? e->opt->label : "batch", in->rel, (uint64_t)sb.st_size,
                             mtime_ns(&sb), e->opt->ledger_tag);
}

static pl_status start_worker(engine *e, slot *sl, size_t index, size_t budget, pl_error *err)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return pl_error_errno(err, PL_EIO, NULL, "cannot create a pipe for a worker");
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return pl_error_errno(err, PL_EIO, NULL, "cannot start a worker process");
    }
    if (pid == 0) {
        close(fds[0]);
        worker_main(e, index, budget, fds[1]);
    }
    close(fds[1]);
    memset(sl, 0, sizeof *sl);
    sl->busy = true;
    sl->pid = pid;
    sl->fd = fds[0];
    sl->index = index;
    sl->reservation = budget;
    sl->start = pl_now();
    sl->limit_s = e->opt->timeout_s > 0    ? e->opt->timeout_s
                  : e->opt->timeout_s == 0 ? pl_batch_default_timeout(e->inputs[sl->index].size)
                                           : 0;
    return PL_OK;
}

/* The worker's pipe closed or its time ran out: reap it and turn its end into a result. */
static void reap(engine *e, slot *sl, bool timed_out)
{
    if (timed_out)
        kill(sl->pid, SIGKILL);
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    while (wait4(sl->pid, &status, 0, &ru) < 0 && errno == EINTR) {
    }
    close(sl->fd);
    double secs = pl_now() - sl->start;
    job_result *r = &sl->res;
    const pl_batch_input *in = &e->inputs[sl->index];
    bool complete = sl->got == sizeof *r;
    if (timed_out) {
        memset(r, 0, sizeof *r);
        r->status = pl_error_set(&r->err, PL_ETIMEOUT, in->path, "no result after %.0f s (%s); stopped", sl->limit_s,
                                 e->opt->timeout_s > 0 ? "--timeout" : "the default time limit; see --timeout");
    } else if (!complete) {
        memset(r, 0, sizeof *r);
        if (WIFSIGNALED(status))
            r->status = pl_error_set(&r->err, PL_ECRASH, in->path, "worker crashed with signal %d (SIG%s)",
                                     WTERMSIG(status), signal_name(WTERMSIG(status)));
        else
            r->status = pl_error_set(&r->err, PL_ECRASH, in->path, "worker ended without a result (exit status %d)",
                                     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
    /* A worker that did not finish normally may have left temporaries: remove those of dead processes. */
    if ((!complete || timed_out) && e->opt->ledger_dir)
        pl_cleanup_stale(e->opt->ledger_dir);
    size_t peak = (size_t)ru.ru_maxrss * 1024;
    if (complete && r->peak_rss > peak)
        peak = r->peak_rss;
    pl_governor_end(&e->gov, sl->reservation);
    sl->busy = false;
    finish_file(e, sl->index, r, secs, peak);
}

static size_t tree_rss(const slot *slots, int n)
{
    size_t total = pl_rss_current();
    for (int i = 0; i < n; i++) {
        if (!slots[i].busy)
            continue;
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/statm", (int)slots[i].pid);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        unsigned long size, resident;
        if (fscanf(f, "%lu %lu", &size, &resident) == 2)
            total += (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
        fclose(f);
    }
    return total;
}

/* Waits up to 100 ms for results; reads them; reaps finished and timed-out workers. */
static void collect(engine *e, slot *slots, int n)
{
    struct pollfd pfd[n];
    int map[n], k = 0;
    for (int i = 0; i < n; i++)
        if (slots[i].busy) {
            pfd[k].fd = slots[i].fd;
            pfd[k].events = POLLIN;
            map[k++] = i;
        }
    if (k && poll(pfd, (nfds_t)k, 100) > 0) {
        for (int j = 0; j < k; j++) {
            if (!(pfd[j].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            slot *sl = &slots[map[j]];
            char *dst = (char *)&sl->res + sl->got;
            ssize_t got = sl->got < sizeof sl->res ? read(sl->fd, dst, sizeof sl->res - sl->got) : 0;
            if (got > 0)
                sl->got += (size_t)got;
            else if (got == 0 || (errno != EINTR && errno != EAGAIN))
                reap(e, sl, false);
        }
    }
    double now = pl_now();
    for (int i = 0; i < n; i++)
        if (slots[i].busy && slots[i].limit_s > 0 && now - slots[i].start > slots[i].limit_s)
            reap(e, &slots[i], true);
    size_t rss = tree_rss(slots, n);
    if (rss > e->sum.peak_tree_rss)
        e->sum.peak_tree_rss = rss;
}

double pl_batch_default_timeout(uint64_t input_bytes)
{
    return 600.0 + 2.0 * (double)input_bytes / 1e6;
}

static pl_status run_workers(engine *e, size_t n, pl_job_estimate_fn estimate, pl_error *err)
{
    int jobs = e->gov.jobs;
    slot *slots = pl_calloc((size_t)jobs, sizeof *slots, "worker table", err);
    if (!slots)
        return err ? err->code : PL_ENOMEM;
    size_t next = 0;
    pl_status st = PL_OK;
    double last_sample = 0;
    for (;;) {
        if (pl_now() - last_sample > 0.5) {
            pl_governor_sample(&e->gov);
            last_sample = pl_now();
        }
        while (next < n && !pl_interrupted()) {
            const pl_batch_input *in = &e->inputs[next];
            if (!in_shard(e->opt, in)) {
                next++;
                continue;
            }
            if (ledger_says_done(e, in)) {
                skip_unchanged(e, next++);
                continue;
            }
            size_t need = pl_batch_file_estimate(estimate, e->ctx, in);
            size_t share = pl_governor_share(&e->gov, need);
            int free_slot = -1;
            for (int i = 0; i < jobs; i++)
                if (!slots[i].busy) {
                    free_slot = i;
                    break;
                }
            if (free_slot < 0 || !pl_governor_may_start(&e->gov, share))
                break;
            if ((st = start_worker(e, &slots[free_slot], next, share, err)) != PL_OK)
                break;
            pl_governor_start(&e->gov, share);
            next++;
        }
        if (e->gov.running == 0 && (next >= n || st != PL_OK || pl_interrupted()))
            break;
        collect(e, slots, jobs);
    }
    pl_free(slots);
    return st;
}

static pl_status run_in_process(engine *e, size_t n)
{
    for (size_t i = 0; i < n && !pl_interrupted(); i++) {
        const pl_batch_input *in = &e->inputs[i];
        if (!in_shard(e->opt, in))
            continue;
        if (ledger_says_done(e, in)) {
            skip_unchanged(e, i);
            continue;
        }
        job_result r;
        double t0 = pl_now();
        pl_mem_reset_peak();
        run_job(e, in, &r);
        finish_file(e, i, &r, pl_now() - t0, r.peak_rss);
    }
    return PL_OK;
}

static void print_summary(const engine *e)
{
    const pl_batch_summary *s = &e->sum;
    char rss[32], tree[32];
    fprintf(stderr, "%s: %zu file%s in %.2f s (files' own time %.2f s, %d job%s)\n",
            e->opt->label ? e->opt->label : "batch", s->total, s->total == 1 ? "" : "s", s->seconds, s->job_seconds,
            e->gov.jobs, e->gov.jobs == 1 ? "" : "s");
    fprintf(stderr, "  done     %zu\n  skipped  %zu\n  failed   %zu\n", s->done, s->skipped, s->failed);
    for (int c = 0; c <= PL_EINTERNAL; c++)
        if (s->failed_by_code[c])
            fprintf(stderr, "    %-22s %zu\n", pl_status_str((pl_status)c), s->failed_by_code[c]);
    char charged[32];
    fprintf(stderr, "  peak RSS %s per file (%s of it charged to the budget), %s for the whole process tree\n",
            pl_format_size((double)s->peak_rss, rss, sizeof rss),
            pl_format_size((double)s->peak_charged, charged, sizeof charged),
            pl_format_size((double)s->peak_tree_rss, tree, sizeof tree));
}

pl_status pl_batch_run(const pl_batch_options *opt, const pl_batch_input *inputs, size_t n, pl_job_fn job,
                       pl_job_estimate_fn estimate, void *ctx, pl_batch_summary *summary, pl_error *err)
{
    if (opt->plan)
        return pl_batch_plan_fill(opt, inputs, n, estimate, ctx, err);
    pl_status st = PL_OK;
    if (opt->done_path && (st = pl_shard_done_prepare(opt->done_path, err)) != PL_OK)
        return st;
    engine e;
    memset(&e, 0, sizeof e);
    e.opt = opt;
    e.inputs = inputs;
    e.job = job;
    e.ctx = ctx;
    pl_governor_init(&e.gov, opt->memory_limit, opt->jobs > 0 ? opt->jobs : default_jobs());
    if (opt->ledger_dir) {
        pl_cleanup_stale(opt->ledger_dir); /* leftovers of a batch killed with -9 */
        if ((st = pl_ledger_open(opt->ledger_dir, &e.ledger, err)) != PL_OK)
            return st;
    }
    if (opt->log_path && (st = pl_log_open(opt->log_path, &e.log, err)) != PL_OK) {
        pl_ledger_close(e.ledger);
        return st;
    }
    for (size_t i = 0; i < n; i++)
        if (in_shard(opt, &inputs[i])) {
            e.bytes_total += inputs[i].size;
            e.selected++;
        }
    e.bar = pl_progress_new(opt->progress, opt->label, e.selected, e.bytes_total);
    double t0 = pl_now();
    st = opt->in_process ? run_in_process(&e, n) : run_workers(&e, n, estimate, err);
    e.sum.seconds = pl_now() - t0;
    /* Again at the end: a worker of a batch killed with -9 may still have been dying when this run started. */
    if (opt->ledger_dir)
        pl_cleanup_stale(opt->ledger_dir);
    if (e.sum.peak_tree_rss < pl_rss_current())
        e.sum.peak_tree_rss = pl_rss_current();
    pl_progress_finish(e.bar);
    pl_log_close(e.log);
    pl_ledger_close(e.ledger);
    if (!opt->quiet)
        print_summary(&e);
    if (summary)
        *summary = e.sum;
    if (st != PL_OK)
        return st;
    if (pl_interrupted())
        return pl_error_set(err, PL_EINTR, NULL, "interrupted after %zu of %zu files", e.sum.total, e.selected);
    if (opt->done_path && e.sum.total == e.selected && (st = pl_shard_done_write(opt, &e.sum, err)) != PL_OK)
        return st;
    if (e.sum.failed)
        return pl_error_set(err, PL_EFORMAT, NULL, "%zu of %zu files failed", e.sum.failed, e.sum.total);
    return PL_OK;
}

/* `plateau trim analyze`: every input runs through the batch engine as one job; a job hashes nothing itself (the
 * engine hands it the content hash), skips content already stored, reads and analyses the workbook, draws its
 * plots and stores everything in one transaction. Afterwards the parent closes the batch, prints its tracks,
 * draws the summary plot and writes the report. Every input ends up analysed, skipped or failed with a reason. */
#include <sqlite3.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>

#include "plateau/afile.h"
#include "plateau/batch.h"
#include "plateau/mem.h"
#include "plateau/trim.h"
#include "trim/trim_impl.h"

typedef struct job_ctx {
    const pl_trim_run_options *opt;
    char db_path[PL_PATH_MAX];
    char plots_dir[PL_PATH_MAX];
    int64_t batch_id;
} job_ctx;

void trim_plot_name(const char *file_name, const char *track, char *out, size_t size)
{
    char base[512];
    snprintf(base, sizeof base, "%s", file_name);
    char *dot = strrchr(base, '.');
    if (dot)
        *dot = '\0';
    for (char *p = base; *p; p++)
        if (*p == '/' || *p == '\\')
            *p = '_';
    snprintf(out, size, "%s_%s.png", base, track);
}

static void outcome_json(pl_job_outcome *out, const pl_trim_file *f)
{
    snprintf(out->extra_json, sizeof out->extra_json, "\"status\":\"%s\",\"tracks\":%zu",
             pl_trim_status_name(f->status), f->n_tracks);
}

static pl_status draw_plots(job_ctx *c, const pl_trim_file *f, pl_error *err)
{
    for (size_t k = 0; k < f->n_tracks; k++) {
        char name[600], path[PL_PATH_MAX];
        trim_plot_name(f->name, f->track[k].id, name, sizeof name);
        snprintf(path, sizeof path, "%s/%s", c->plots_dir, name);
        pl_status st = trim_plot_track(f, k, path, err);
        if (st != PL_OK)
            return st;
    }
    return PL_OK;
}

static pl_status analyse(job_ctx *c, pl_trim_db *db, const pl_batch_input *in, pl_job_outcome *out, pl_error *err)
{
    bool found = false;
    int version = 0;
    pl_status st = pl_trim_db_lookup(db, in->content_hash, &found, &version, err);
    if (st != PL_OK)
        return st;
    if (found && !c->opt->force) {
        out->skipped = true;
        snprintf(out->summary, sizeof out->summary, "same content already analysed (analysis version %d%s)", version,
                 version == PL_TRIM_ANALYSIS_VERSION ? "" : "; --force re-analyses it");
        return pl_trim_db_note(db, c->batch_id, in->content_hash, in->path, "skipped", out->summary, err);
    }
    double t0 = pl_now();
    pl_trim_file f;
    st = pl_trim_read_file(in->path, c->opt->offset_mode, &f, err);
    if (st != PL_OK)
        return st;
    if (c->opt->plots && trim_plots_available())
        st = draw_plots(c, &f, err);
    if (st == PL_OK)
        st = pl_trim_db_store(db, c->batch_id, in->content_hash, &f, pl_now() - t0, err);
    if (st == PL_OK) {
        char note[200] = "";
        if (f.note[0])
            snprintf(note, sizeof note, "; warning: %s", f.note);
        if (f.template_only)
            snprintf(out->summary, sizeof out->summary, "template, no data sheets");
        else
            snprintf(out->summary, sizeof out->summary, "%s, %zu track%s%s", pl_trim_status_name(f.status), f.n_tracks,
                     f.n_tracks == 1 ? "" : "s", note);
        outcome_json(out, &f);
        for (size_t k = 0; k < f.n_tracks; k++)
            out->work_units += f.track[k].data.n;
        st = pl_trim_db_note(db, c->batch_id, in->content_hash, in->path, "analysed",
                             f.template_only ? "template: no data sheets"
                             : f.note[0]     ? f.note
                                             : NULL,
                             err);
    }
    pl_trim_file_free(&f);
    return st;
}

/* The job: one file, its own database connection (it may run in a worker process). */
static pl_status job(void *vctx, const pl_batch_input *in, pl_job_outcome *out, pl_error *err)
{
    job_ctx *c = vctx;
    pl_trim_db *db;
    pl_status st = pl_trim_db_open(c->db_path, false, &db, err);
    if (st != PL_OK)
        return st;
    const char *base = strrchr(in->path, '/');
    if (pl_trim_skip_name(base ? base + 1 : in->path)) {
        out->skipped = true;
        snprintf(out->summary, sizeof out->summary, "backup or temporary file");
        st = pl_trim_db_note(db, c->batch_id, in->content_hash, in->path, "skipped", out->summary, err);
        pl_trim_db_close(db);
        return st;
    }
    st = analyse(c, db, in, out, err);
    if (st != PL_OK) {
        char line[PL_ERROR_PATH_MAX + PL_ERROR_MSG_MAX + 8];
        pl_error copy = *err;
        copy.path[0] = '\0';
        pl_trim_db_note(db, c->batch_id, in->content_hash, in->path, "failed", pl_error_line(&copy, line, sizeof line),
                        NULL);
    }
    pl_trim_db_close(db);
    return st;
}

/* A worker that crashed or timed out wrote nothing: record those inputs as failed, so that the database accounts
 * for every input of the batch. (With shards, inputs of other shards are not this batch's.) */
static pl_status account_silent_failures(job_ctx *c, pl_trim_db *db, const pl_batch_options *batch,
                                         const pl_batch_input *inputs, size_t n, pl_error *err)
{
    if (batch->shard_count > 1)
        return PL_OK;
    sqlite3 *h = pl_trim_db_handle(db);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(h, "SELECT 1 FROM batch_files WHERE batch_id = ? AND path = ?", -1, &q, NULL) != SQLITE_OK)
        return pl_error_set(err, PL_EIO, c->db_path, "results database: %s", sqlite3_errmsg(h));
    pl_status st = PL_OK;
    for (size_t i = 0; i < n && st == PL_OK; i++) {
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, c->batch_id);
        sqlite3_bind_text(q, 2, inputs[i].path, -1, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_ROW)
            st = pl_trim_db_note(db, c->batch_id, NULL, inputs[i].path, "failed",
                                 "no result: the worker ended without reporting (crash, time limit or interrupt)", err);
    }
    sqlite3_finalize(q);
    return st;
}

static pl_status finish(job_ctx *c, const pl_batch_options *batch, const pl_batch_input *inputs, size_t n,
                        const pl_batch_summary *s, pl_error *err)
{
    const pl_trim_run_options *opt = c->opt;
    pl_trim_db *db;
    pl_status st = pl_trim_db_open(c->db_path, false, &db, err);
    if (st != PL_OK)
        return st;
    st = account_silent_failures(c, db, batch, inputs, n, err);
    if (st == PL_OK)
        st = pl_trim_db_end_batch(db, c->batch_id, s->total, s->done, s->skipped, s->failed, s->seconds, err);
    pl_trim_filter flt = {.batch_id = c->batch_id};
    if (st == PL_OK && opt->out)
        st = pl_trim_print(db, &flt, opt->format, opt->out, NULL, err);
    if (st == PL_OK && opt->plots && trim_plots_available()) {
        char path[PL_PATH_MAX];
        snprintf(path, sizeof path, "%s/summary.png", c->plots_dir);
        st = trim_plot_summary(db, c->batch_id, path, err);
    }
    if (st == PL_OK) {
        char path[PL_PATH_MAX];
        snprintf(path, sizeof path, "%s/report.html", opt->out_dir);
        st = trim_report_html(db, &flt, path, opt->plots && trim_plots_available() ? "plots" : NULL, err);
    }
    pl_trim_db_close(db);
    return st;
}

static const char *const trim_formats[] = {"xls", "xlsx", NULL};

/* A plan (pl_batch_options.plan): the walk and the engine's estimates, without creating the output or the database. */
static pl_status plan_only(const pl_batch_options *batch, char *const *paths, size_t n_paths, pl_error *err)
{
    pl_batch_input *inputs = NULL;
    size_t n = 0;
    pl_status st = pl_batch_walk(paths, n_paths, trim_formats, &inputs, &n, err);
    if (st == PL_OK)
        st = pl_batch_run(batch, inputs, n, job, NULL, NULL, NULL, err);
    pl_free(inputs);
    return st;
}

pl_status pl_trim_run(const pl_trim_run_options *opt, const pl_batch_options *batch, char *const *paths, size_t n_paths,
                      pl_batch_summary *summary, pl_error *err)
{
    job_ctx c = {.opt = opt};
    if (batch->plan)
        return plan_only(batch, paths, n_paths, err);
    pl_status st = pl_mkdirs(opt->out_dir, err);
    if (st != PL_OK)
        return st;
    if (opt->db_path)
        snprintf(c.db_path, sizeof c.db_path, "%s", opt->db_path);
    else
        snprintf(c.db_path, sizeof c.db_path, "%s/trim.db", opt->out_dir);
    snprintf(c.plots_dir, sizeof c.plots_dir, "%s/plots", opt->out_dir);
    if (opt->plots && trim_plots_available() && (st = pl_mkdirs(c.plots_dir, err)) != PL_OK)
        return st;
    pl_batch_input *inputs = NULL;
    size_t n = 0;
    if ((st = pl_batch_walk(paths, n_paths, trim_formats, &inputs, &n, err)) != PL_OK)
        return st;
    /* the parent's connection is closed before the workers start: a connection must not cross a fork */
    pl_trim_db *db;
    if ((st = pl_trim_db_open(c.db_path, true, &db, err)) == PL_OK) {
        st = pl_trim_db_begin_batch(db, "trim analyze", &c.batch_id, err);
        pl_trim_db_close(db);
    }
    if (st != PL_OK) {
        pl_free(inputs);
        return st;
    }
    pl_batch_summary s = {0};
    pl_error run_err;
    pl_error_clear(&run_err);
    pl_status run_st = pl_batch_run(batch, inputs, n, job, NULL, &c, &s, &run_err);
    if (summary)
        *summary = s;
    st = finish(&c, batch, inputs, n, &s, err);
    pl_free(inputs);
    if (st != PL_OK)
        return st;
    if (run_st != PL_OK && err)
        *err = run_err;
    return run_st;
}

pl_status pl_trim_write_summaries(const char *out_dir, pl_error *err)
{
    char path[PL_PATH_MAX], plots[PL_PATH_MAX];
    snprintf(path, sizeof path, "%s/trim.db", out_dir);
    if (access(path, F_OK) != 0)
        return PL_OK;
    pl_trim_db *db;
    pl_status st = pl_trim_db_open(path, false, &db, err);
    if (st != PL_OK)
        return st;
    snprintf(plots, sizeof plots, "%s/plots", out_dir);
    bool have_plots = trim_plots_available() && access(plots, F_OK) == 0;
    if (have_plots) {
        snprintf(path, sizeof path, "%s/summary.png", plots);
        st = trim_plot_summary(db, 0, path, err);
    }
    pl_trim_filter all = {0};
    if (st == PL_OK) {
        snprintf(path, sizeof path, "%s/report.html", out_dir);
        st = trim_report_html(db, &all, path, have_plots ? "plots" : NULL, err);
    }
    pl_trim_db_close(db);
    return st;
}

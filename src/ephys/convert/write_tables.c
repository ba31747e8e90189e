/* The one pass of a bundle: every series read once in chunks, each chunk to its tables and to their grid plots.
 *
 * Two threads share the work: this one reads the recording (HDF5 is not thread-safe, so only this thread calls the
 * reader) and feeds the plot traces; a writer thread encodes and compresses the tables. They hand chunks over
 * through two buffers (pl_handoff), so memory is two chunks whatever the file. At the end the figures are drawn
 * and saved on both threads. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ephys/convert/plan.h"
#include "plateau/handoff.h"
#include "plateau/mem.h"
#include "plateau/plot.h"
#include "plateau/table.h"

#define GRID_COLS 5

typedef struct chunk {
    size_t cap;
    double *values, *times, *rates;
    float *fvalues;
    int32_t *sweeps, *channels;
    const char **units, **names;
} chunk;

typedef struct sink {
    bundle_table *info;
    pl_table *table;
    pl_figure *fig;
    int panel; /* panel of the current sweep, -1 before the first */
    int32_t sweep;
    int traces_in_panel;
    pl_trace *trace; /* the trace of the series being streamed */
} sink;

static const pl_column columns[] = {
    {"sweep", PL_COL_INT32, false, PL_ENC_DICT},    {"t_s", PL_COL_DOUBLE, false, PL_ENC_AUTO},
    {"value", PL_COL_FLOAT, false, PL_ENC_AUTO},    {"unit", PL_COL_STRING, false, PL_ENC_DICT},
    {"rate_Hz", PL_COL_DOUBLE, false, PL_ENC_DICT}, {"channel", PL_COL_INT32, false, PL_ENC_DICT},
    {"series", PL_COL_STRING, false, PL_ENC_DICT},
};
/* Tables with one series per sweep have the first five columns; with several (channels, devices), all seven:
 * `channel` as the file numbers it, `series` the series' own name, which is unique even when channels are not. */

static pl_status chunk_alloc(chunk *c, size_t cap, pl_error *err)
{
    memset(c, 0, sizeof *c);
    c->cap = cap;
    c->values = pl_alloc(cap * sizeof(double), "sample chunk", err);
    c->times = pl_alloc(cap * sizeof(double), "time chunk", err);
    c->rates = pl_alloc(cap * sizeof(double), "rate column chunk", err);
    c->fvalues = pl_alloc(cap * sizeof(float), "value column chunk", err);
    c->sweeps = pl_alloc(cap * sizeof(int32_t), "sweep column chunk", err);
    c->channels = pl_alloc(cap * sizeof(int32_t), "channel column chunk", err);
    c->units = pl_alloc(cap * sizeof(char *), "unit column chunk", err);
    c->names = pl_alloc(cap * sizeof(char *), "series column chunk", err);
    if (!c->values || !c->times || !c->rates || !c->fvalues || !c->sweeps || !c->channels || !c->units || !c->names)
        return err ? err->code : PL_ENOMEM;
    return PL_OK;
}

static void chunk_free(chunk *c)
{
    pl_free(c->values);
    pl_free(c->times);
    pl_free(c->rates);
    pl_free(c->fvalues);
    pl_free(c->sweeps);
    pl_free(c->channels);
    pl_free(c->units);
    pl_free(c->names);
}

static const char *quantity(const char *unit)
{
    if (!strcmp(unit, "mV"))
        return "Voltage (mV)";
    if (!strcmp(unit, "pA"))
        return "Current (pA)";
    return NULL;
}

static pl_status open_sink(const pl_bundle_options *o, const pl_bundle_plan *plan, int t, sink *k, const char *dir,
                           pl_error *err)
{
    memset(k, 0, sizeof *k);
    k->info = (bundle_table *)&plan->tables[t];
    k->panel = -1;
    k->sweep = INT32_MIN;
    char path[PL_PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, k->info->file);
    pl_table_options topt;
    pl_table_options_default(&topt);
    topt.row_group_bytes = o->row_group_bytes;
    /* Samples are noise in their low bytes: zstd's fast level -1 costs 1.4% in size (bench/nwb: 294 vs 290 MiB for
     * 9.7e7 samples) and a fifth of the CPU of level 3. */
    topt.level = -1;
    topt.page_bytes = (size_t)256 << 10;     /* four tables of seven columns each hold a page: keep pages small */
    topt.dict_max_bytes = (size_t)128 << 10; /* units, sweeps, rates need a few entries; samples fall back early */
    const char *kv[] = {"plateau.table", pl_bundle_table_kind[t], "plateau.cell", plan->cell};
    topt.kv = kv;
    topt.n_kv = 2; /* pairs */
    size_t ncols = k->info->multi_channel ? 7 : 5;
    pl_status st = pl_table_open(path, columns, ncols, &topt, &k->table, err);
    if (st != PL_OK || !o->plots)
        return st;
    int n = k->info->n_panels;
    int cols = n < GRID_COLS ? n : GRID_COLS;
    int rows = (n + GRID_COLS - 1) / GRID_COLS;
    char title[400];
    snprintf(title, sizeof title, "%s: %s table, %d sweep%s", plan->cell, pl_bundle_table_kind[t], n,
             n == 1 ? "" : "s");
    pl_figure_spec spec = {.width_in = 2.8 * cols,
                           .height_in = 2.1 * rows + 0.7,
                           .dpi = 100,
                           .rows = rows,
                           .cols = cols,
                           .title = title,
                           .draft = true};
    return pl_figure_new(&spec, &k->fig, err);
}

static void sweep_title(const pl_series_info *s, int32_t sweep, char *buf, size_t size)
{
    const char *mode = s->clamp == PL_CLAMP_CURRENT   ? "CC"
                       : s->clamp == PL_CLAMP_VOLTAGE ? "VC"
                       : s->clamp == PL_CLAMP_IZERO   ? "I=0"
                                                      : "";
    snprintf(buf, size, "sweep %d%s%s", (int)sweep, *mode ? " " : "", mode);
}

/* Moves the sink to the series' sweep panel and starts its trace over [0, duration] s. */
static pl_status start_series(sink *k, const pl_series_info *s, int32_t sweep, double duration, pl_error *err)
{
    if (sweep != k->sweep) {
        k->sweep = sweep;
        k->panel++;
        k->traces_in_panel = 0;
    }
    k->trace = NULL;
    if (!k->fig)
        return PL_OK;
    pl_axes *ax = pl_figure_panel(k->fig, k->panel / GRID_COLS, k->panel % GRID_COLS);
    if (!ax)
        return PL_OK;
    if (k->traces_in_panel == 0) {
        char title[64];
        sweep_title(s, sweep, title, sizeof title);
        pl_axes_title(ax, title);
        const char *q = quantity(s->unit);
        char ylabel[64];
        snprintf(ylabel, sizeof ylabel, "%s", q ? q : s->unit);
        pl_axes_labels(ax, "Time in sweep (s)", ylabel);
    }
    pl_style style = {.color = pl_palette(k->traces_in_panel)};
    k->traces_in_panel++;
    return pl_trace_new(ax, 0, duration > 0 ? duration : 1, &style, &k->trace, err);
}

/* Below this many samples a series is written to its two tables separately: a mirrored series has row groups of
 * its own, and tiny row groups cost readers more than the second encoding costs us. */
#define MIRROR_MIN_SAMPLES 65536

/* In a mixed file every series goes to two tables (its role's and its unit's) with the same rows: the role table
 * encodes them and the unit table receives the encoded row groups (pl_table_mirror), halving the encoding work.
 * Returns the encoding table and sets *twin, or -1 when the series is written to each table separately. */
static int mirror_pair(const bundle_series *b, const sink *sinks, int64_t n, int *twin)
{
    int used[N_TABLES], k = 0;
    for (int t = 0; t < N_TABLES; t++)
        if (b->tables[t])
            used[k++] = t;
    if (k != 2 || n < MIRROR_MIN_SAMPLES || sinks[used[0]].info->multi_channel != sinks[used[1]].info->multi_channel)
        return -1;
    *twin = used[0];
    return used[1];
}

/* One chunk for the writer thread: rows [off, off + m) of a series, and what to do with its mirror pair. */
typedef struct job {
    const bundle_series *b;
    size_t m;
    int primary, twin; /* mirror_pair's choice for the series; primary -1 when none */
    bool first, last;  /* the series' first and last chunk */
} job;

#define N_BUFS 2

typedef struct stream_ctx {
    sink *sinks;
    chunk bufs[N_BUFS];
    job jobs[N_BUFS];
    const bundle_series *filled_for[N_BUFS]; /* whose constant columns a buffer holds, and how many rows of them */
    size_t filled_n[N_BUFS];
} stream_ctx;

/* The writer thread's work on one buffer. */
static pl_status write_job(void *arg, int slot, pl_error *err)
{
    stream_ctx *x = arg;
    const job *j = &x->jobs[slot];
    chunk *c = &x->bufs[slot];
    sink *sinks = x->sinks;
    pl_status st = PL_OK;
    if (j->first && j->primary >= 0)
        st = pl_table_mirror(sinks[j->primary].table, sinks[j->twin].table, err);
    for (size_t i = 0; i < j->m; i++)
        c->fvalues[i] = (float)c->values[i];
    pl_colbuf cols[7] = {{c->sweeps, NULL, NULL}, {c->times, NULL, NULL}, {c->fvalues, NULL, NULL},
                         {c->units, NULL, NULL},  {c->rates, NULL, NULL}, {c->channels, NULL, NULL},
                         {c->names, NULL, NULL}};
    for (int t = 0; t < N_TABLES && st == PL_OK; t++)
        if (j->b->tables[t] && t != j->twin)
            st = pl_table_write(sinks[t].table, j->m, cols, err);
    if (st == PL_OK && j->last && j->primary >= 0)
        st = pl_table_mirror(sinks[j->primary].table, NULL, err);
    return st;
}

/* The columns that are the same for every row of a series, written once per buffer and series. */
static void fill_constants(stream_ctx *x, int slot, const bundle_series *b, const pl_series_info *s, size_t m)
{
    if (x->filled_for[slot] == b && x->filled_n[slot] >= m)
        return;
    chunk *c = &x->bufs[slot];
    for (size_t i = 0; i < m; i++) {
        c->sweeps[i] = b->sweep;
        c->rates[i] = s->rate_hz;
        c->units[i] = s->unit;
        c->channels[i] = s->channel;
        c->names[i] = s->name;
    }
    x->filled_for[slot] = b;
    x->filled_n[slot] = m;
}

static pl_status stream_series(pl_recording *rec, const bundle_series *b, stream_ctx *x, pl_handoff *h, pl_error *err)
{
    const pl_series_info *s = pl_recording_series(rec, b->index);
    sink *sinks = x->sinks;
    int64_t n = s->n_samples;
    double last_t = 0;
    pl_status st = pl_recording_read_times(rec, b->index, n - 1, 1, &last_t, err);
    if (st != PL_OK)
        return st;
    double first_t = 0;
    if ((st = pl_recording_read_times(rec, b->index, 0, 1, &first_t, err)) != PL_OK)
        return st;
    double duration = s->rate_hz > 0 ? (double)n / s->rate_hz : last_t - first_t;
    for (int t = 0; t < N_TABLES; t++)
        if (b->tables[t] && (st = start_series(&sinks[t], s, b->sweep, duration, err)) != PL_OK)
            return st;
    int twin = -1, primary = mirror_pair(b, sinks, n, &twin);
    size_t cap = x->bufs[0].cap;
    for (int64_t off = 0; off < n; off += (int64_t)cap) {
        if (pl_interrupted())
            return pl_error_set(err, PL_EINTR, NULL, "interrupted");
        int slot;
        if ((st = pl_handoff_acquire(h, &slot, err)) != PL_OK)
            return st;
        chunk *c = &x->bufs[slot];
        size_t m = (size_t)(n - off) < cap ? (size_t)(n - off) : cap;
        fill_constants(x, slot, b, s, m);
        if ((st = pl_recording_read(rec, b->index, off, m, c->values, err)) != PL_OK ||
            (st = pl_recording_read_times(rec, b->index, off, m, c->times, err)) != PL_OK)
            return st;
        double step =
            m > 1 ? (c->times[m - 1] - c->times[0]) / (double)(m - 1) : 1.0 / (s->rate_hz > 0 ? s->rate_hz : 1);
        for (int t = 0; t < N_TABLES && st == PL_OK; t++) {
            if (!b->tables[t])
                continue;
            sinks[t].info->rows += m;
            if (sinks[t].trace)
                st = pl_trace_feed(sinks[t].trace, c->times[0] - first_t, s->rate_hz > 0 ? 1.0 / s->rate_hz : step,
                                   c->values, m, err);
        }
        if (st != PL_OK)
            return st;
        x->jobs[slot] = (job){b, m, primary, twin, off == 0, off + (int64_t)m >= n};
        pl_handoff_submit(h, slot);
    }
    return PL_OK;
}

typedef struct figure_job {
    const pl_bundle_options *o;
    const pl_bundle_plan *plan;
    sink *sinks;
    const char *dir;
    int table_of_slot[N_TABLES]; /* the figure a hand-off slot stands for */
} figure_job;

static pl_status save_figure(figure_job *f, int t, pl_error *err)
{
    char path[PL_PATH_MAX];
    snprintf(path, sizeof path, "%s/%s_%s_sweeps.%s", f->dir, pl_bundle_table_kind[t], f->plan->cell,
             f->o->plot_format ? f->o->plot_format : "png");
    return pl_figure_save(f->sinks[t].fig, path, err);
}

static pl_status save_figure_of_slot(void *arg, int slot, pl_error *err)
{
    figure_job *f = arg;
    return save_figure(f, f->table_of_slot[slot], err);
}

/* Draws and saves the figures, every other one on a second thread (each is a cairo surface of its own). */
static pl_status save_figures(const pl_bundle_options *o, const pl_bundle_plan *plan, sink *sinks, const char *dir,
                              pl_error *err)
{
    figure_job f = {o, plan, sinks, dir, {0}};
    pl_handoff *h = NULL;
    pl_status st = pl_handoff_start(&h, N_TABLES, save_figure_of_slot, &f, err);
    bool other = false;
    for (int t = 0; t < N_TABLES && st == PL_OK; t++) {
        if (!sinks[t].fig)
            continue;
        if ((other = !other)) {
            int slot;
            if ((st = pl_handoff_acquire(h, &slot, err)) == PL_OK) {
                f.table_of_slot[slot] = t;
                pl_handoff_submit(h, slot);
            }
        } else {
            st = save_figure(&f, t, err);
        }
    }
    pl_error e2;
    pl_status st2 = pl_handoff_finish(h, &e2);
    if (st == PL_OK && st2 != PL_OK) {
        st = st2;
        if (err)
            *err = e2;
    }
    return st;
}

static pl_status finish_sinks(const pl_bundle_options *o, const pl_bundle_plan *plan, sink *sinks, const char *dir,
                              pl_status st, pl_error *err)
{
    for (int t = 0; t < N_TABLES; t++) {
        sink *k = &sinks[t];
        if (!k->table)
            continue;
        if (st == PL_OK)
            st = pl_table_close(k->table, err);
        else
            pl_table_abort(k->table);
    }
    if (st == PL_OK && o->plots)
        st = save_figures(o, plan, sinks, dir, err);
    for (int t = 0; t < N_TABLES; t++)
        pl_figure_free(sinks[t].fig);
    return st;
}

pl_status pl_bundle_stream(const pl_bundle_options *o, pl_recording *rec, pl_bundle_plan *plan, const char *dir,
                           pl_error *err)
{
    sink sinks[N_TABLES];
    memset(sinks, 0, sizeof sinks);
    stream_ctx x;
    memset(&x, 0, sizeof x);
    x.sinks = sinks;
    size_t cap = o->chunk_samples ? o->chunk_samples : 65536;
    pl_status st = PL_OK;
    for (int i = 0; i < N_BUFS && st == PL_OK; i++)
        st = chunk_alloc(&x.bufs[i], cap, err);
    for (int t = 0; t < N_TABLES && st == PL_OK; t++)
        if (plan->tables[t].used)
            st = open_sink(o, plan, t, &sinks[t], dir, err);
    pl_handoff *h = NULL;
    if (st == PL_OK)
        st = pl_handoff_start(&h, N_BUFS, write_job, &x, err);
    for (size_t i = 0; i < plan->n && st == PL_OK; i++)
        st = stream_series(rec, &plan->series[i], &x, h, err);
    pl_error e2;
    pl_status st2 = pl_handoff_finish(h, &e2); /* the writer's error comes first: it stopped the reading */
    if (st2 != PL_OK) {
        st = st2;
        if (err)
            *err = e2;
    }
    st = finish_sinks(o, plan, sinks, dir, st, err);
    for (int i = 0; i < N_BUFS; i++)
        chunk_free(&x.bufs[i]);
    return st;
}

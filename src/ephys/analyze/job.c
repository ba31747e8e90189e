/* plateau ephys analyze: one bundle, sweep by sweep. Reads manifest.json, streams the pA and mV tables in step,
 * analyses each current-clamp sweep, streams spikes into AP_analysis, and at the end writes the per-sweep table,
 * sweep_config.json, plots and the manifest's "analysis" section. Every output is atomic; memory is one sweep of
 * each table plus the small per-sweep results. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ephys/analyze/analyze_internal.h"
#include "plateau/afile.h"
#include "plateau/batch.h"
#include "plateau/mem.h"
#include "plateau/version.h"

void pl_ephys_analyze_options_default(pl_ephys_analyze_options *o)
{
    memset(o, 0, sizeof *o);
    pl_ephys_params_default(&o->params);
    o->plots = true;
}

size_t pl_ephys_analyze_estimate(void *ctx, const pl_batch_input *in)
{
    (void)ctx, (void)in;
    return (size_t)64 << 20; /* two sweeps of a few million samples, scratch and plots */
}

typedef struct {
    char dir[PL_PATH_MAX];
    json_t *manifest;
    const char *file_id, *cell, *pa_file, *mv_file;
    bool abf;
    bool plots, ap_wide; /* the outputs asked for */
    pl_ephys_params params;
    char params_json[4096];
    pl_ephys_sweep *sweeps;
    size_t n, cap;
    size_t spikes;
    size_t spiking_sweeps, savgol_pages; /* per-sweep pages of the plots */
    int pdf_pages;
} bundle_run;

static pl_status load_manifest(bundle_run *b, const char *manifest_path, pl_error *err)
{
    json_error_t je;
    b->manifest = json_load_file(manifest_path, 0, &je);
    if (!b->manifest)
        return pl_error_set(err, PL_EFORMAT, manifest_path, "manifest is not JSON: %s (line %d)", je.text, je.line);
    if (!json_is_true(json_object_get(b->manifest, "complete")))
        return pl_error_set(err, PL_EFORMAT, manifest_path, "bundle is not complete (convert it again)");
    b->file_id = json_string_value(json_object_get(b->manifest, "file_id"));
    b->cell = json_string_value(json_object_get(b->manifest, "cell"));
    const char *fmt = json_string_value(json_object_get(json_object_get(b->manifest, "source"), "format"));
    b->abf = fmt && !strcmp(fmt, "ABF");
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(b->manifest, "tables"), i, t)
    {
        const char *name = json_string_value(json_object_get(t, "name"));
        const char *file = json_string_value(json_object_get(t, "file"));
        if (name && file && !strcmp(name, "pA"))
            b->pa_file = file;
        if (name && file && !strcmp(name, "mV"))
            b->mv_file = file;
    }
    if (!b->pa_file || !b->mv_file)
        return pl_error_set(err, PL_EFORMAT, manifest_path, "bundle has no %s table", b->pa_file ? "mV" : "pA");
    return PL_OK;
}

/* "current_clamp", "voltage_clamp", ... of a sweep from the manifest's protocols; NULL when not listed. */
static const char *clamp_mode(const bundle_run *b, int sweep)
{
    char key[32];
    snprintf(key, sizeof key, "%d", sweep);
    return json_string_value(
        json_object_get(json_object_get(json_object_get(b->manifest, "protocols"), key), "clamp_mode"));
}

static pl_status push_result(bundle_run *b, const pl_ephys_sweep *s, pl_error *err)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 64;
        pl_ephys_sweep *p = pl_realloc(b->sweeps, cap * sizeof *p, "per-sweep results", err);
        if (!p)
            return err ? err->code : PL_ENOMEM;
        b->sweeps = p;
        b->cap = cap;
    }
    b->sweeps[b->n++] = *s;
    return PL_OK;
}

static json_t *num_or_null(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static pl_status write_json(const char *path, json_t *doc, pl_error *err)
{
    pl_afile af;
    pl_status st = pl_afile_open(&af, path, err);
    if (st != PL_OK)
        return st;
    if (json_dumpf(doc, af.fp, JSON_INDENT(2) | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(12)) != 0 ||
        fputc('\n', af.fp) == EOF) {
        pl_afile_abort(&af);
        return pl_error_set(err, PL_EIO, path, "cannot write");
    }
    return pl_afile_commit(&af, err);
}

static pl_status write_sweep_config(const bundle_run *b, pl_error *err)
{
    json_t *doc = json_object(), *sweeps = json_object(), *kept = json_array(), *dropped = json_array();
    for (size_t k = 0; k < b->n; k++) {
        const pl_ephys_sweep *s = &b->sweeps[k];
        char key[32];
        snprintf(key, sizeof key, "%d", s->sweep);
        json_t *win = json_pack("{s:o,s:o,s:o,s:o}", "baseline_start_s", num_or_null(s->baseline_start_s),
                                "baseline_end_s", num_or_null(s->baseline_end_s), "stimulus_start_s",
                                num_or_null(s->stimulus_start_s), "stimulus_end_s", num_or_null(s->stimulus_end_s));
        json_object_set_new(sweeps, key,
                            json_pack("{s:b,s:o,s:o,s:o,s:o,s:f,s:I}", "valid", s->valid, "reason",
                                      s->valid ? json_null() : json_string(s->reason), "note",
                                      *s->note ? json_string(s->note) : json_null(), "stimulus_level_pA",
                                      num_or_null(s->stimulus_level_pA), "windows", win, "rate_Hz", s->rate_Hz,
                                      "samples", (json_int_t)s->samples));
        json_array_append_new(s->valid ? kept : dropped, json_integer(s->sweep));
    }
    json_object_set_new(doc, "sweeps", sweeps);
    json_object_set_new(doc, "kept_sweeps", kept);
    json_object_set_new(doc, "dropped_sweeps", dropped);
    json_object_set_new(doc, "counts",
                        json_pack("{s:I,s:I,s:I}", "total", (json_int_t)b->n, "kept", (json_int_t)json_array_size(kept),
                                  "dropped", (json_int_t)json_array_size(dropped)));
    json_object_set_new(doc, "params", json_loads(b->params_json, 0, NULL));
    char path[PL_PATH_MAX];
    snprintf(path, sizeof path, "%s/sweep_config.json", b->dir);
    pl_status st = write_json(path, doc, err);
    json_decref(doc);
    return st;
}

/* Reads both tables in step and analyses every sweep; spikes go straight to the AP table. */
static pl_status analyse_sweeps(bundle_run *b, pl_ephys_cell *cell, ephys_plotter *plots, pl_error *err)
{
    char pa_path[PL_PATH_MAX], mv_path[PL_PATH_MAX];
    snprintf(pa_path, sizeof pa_path, "%s/%s", b->dir, b->pa_file);
    snprintf(mv_path, sizeof mv_path, "%s/%s", b->dir, b->mv_file);
    ephys_table_stream *pa = NULL, *mv = NULL;
    ephys_ap_writer *ap = NULL;
    double *ibuf = NULL, *vbuf = NULL;
    size_t icap = 0, vcap = 0;
    pl_ephys_work w;
    pl_ephys_work_init(&w);
    pl_status st = ephys_stream_open(pa_path, &pa, err);
    if (st == PL_OK)
        st = ephys_stream_open(mv_path, &mv, err);
    if (st == PL_OK)
        st = ephys_ap_open(b->dir, b->ap_wide, &ap, err);
    while (st == PL_OK) {
        int si = 0, sv = 0;
        double ti = 0, tv = 0, ri = 0, rv = 0;
        size_t ni = 0, nv = 0;
        pl_status a = ephys_stream_sweep(pa, &si, &ti, &ri, &ibuf, &icap, &ni, err);
        if (a != PL_OK && a != PL_DONE) {
            st = a;
            break;
        }
        pl_status c = ephys_stream_sweep(mv, &sv, &tv, &rv, &vbuf, &vcap, &nv, err);
        if (c != PL_OK && c != PL_DONE) {
            st = c;
            break;
        }
        if (a == PL_DONE && c == PL_DONE)
            break;
        if (a != c || si != sv) {
            st = pl_error_set(err, PL_EFORMAT, mv_path, "the pA and mV tables hold different sweeps (%d and %d)",
                              a == PL_OK ? si : -1, c == PL_OK ? sv : -1);
            break;
        }
        pl_ephys_sweep res;
        const char *mode = clamp_mode(b, si);
        if (pl_interrupted()) {
            st = pl_error_set(err, PL_EINTR, b->dir, "interrupted");
            break;
        }
        if (mode && !strcmp(mode, "voltage_clamp")) {
            pl_ephys_sweep_dropped(&res, si, ni, ri, "Voltage-clamp sweep");
        } else if (ni != nv) {
            pl_ephys_sweep_dropped(&res, si, ni, ri, "Stimulus and response differ in length");
        } else {
            st = pl_ephys_analyze_sweep(&b->params, si, ibuf, vbuf, ni, tv, rv, &w, &res, err);
            if (st == PL_OK)
                st = ephys_ap_write(ap, &res, w.spikes, err);
        }
        if (st == PL_OK && plots) /* the analysed voltage of a kept sweep, the raw one otherwise */
            st = ephys_plotter_sweep(plots, &res, res.valid ? w.v : vbuf, nv, w.spikes, err);
        if (st == PL_OK)
            st = push_result(b, &res, err);
        b->spikes += res.n_spikes;
        pl_ephys_cell_add(cell, &b->params, &res);
    }
    pl_free(ibuf);
    pl_free(vbuf);
    pl_ephys_work_free(&w);
    ephys_stream_close(pa);
    ephys_stream_close(mv);
    if (st == PL_OK)
        return ephys_ap_close(ap, err);
    ephys_ap_abort(ap);
    pl_error_locate(err, b->dir);
    return st;
}

static pl_status update_manifest(bundle_run *b, const char *manifest_path, const pl_ephys_cell *cell, double secs,
                                 pl_error *err)
{
    json_t *outputs = json_pack("[s,s,s,s,s]", "sweep_config.json", "analysis.parquet", "analysis.csv",
                                "AP_analysis.parquet", "AP_analysis.csv");
    if (b->ap_wide) {
        json_array_append_new(outputs, json_string("AP_analysis_wide.parquet"));
        json_array_append_new(outputs, json_string("AP_analysis_wide.csv"));
    }
    if (b->plots) {
        json_array_append_new(outputs, json_string("plots"));
        json_array_append_new(outputs, json_string("summary.pdf"));
    }
    json_t *an =
        json_pack("{s:b,s:s,s:o,s:o,s:I,s:I,s:I,s:o,s:o,s:o,s:o,s:f}", "complete", 1, "plateau_version",
                  PLATEAU_VERSION, "params", json_loads(b->params_json, 0, NULL), "outputs", outputs, "sweeps",
                  (json_int_t)b->n, "kept_sweeps", (json_int_t)cell->kept, "spikes", (json_int_t)b->spikes,
                  "grand_average_rmp_mV", num_or_null(cell->grand_rmp_mV), "input_resistance_MOhm",
                  num_or_null(cell->input_resistance_MOhm), "input_resistance_r", num_or_null(cell->input_resistance_r),
                  "rheobase_pA", num_or_null(cell->rheobase_pA), "seconds", secs);
    json_object_set_new(an, "options", json_pack("{s:b,s:b}", "plots", b->plots, "ap_wide", b->ap_wide));
    if (b->plots) /* what summary.pdf and plots/ hold: 5 summary pages, one per spiking sweep, the baselines */
        json_object_set_new(an, "plots",
                            json_pack("{s:i,s:I,s:I,s:i}", "summary_pages", 5, "ap_sweep_pages",
                                      (json_int_t)b->spiking_sweeps, "savgol_pages", (json_int_t)b->savgol_pages,
                                      "pdf_pages", b->pdf_pages));
    json_object_set_new(b->manifest, "analysis", an);
    return write_json(manifest_path, b->manifest, err);
}

/* Outputs of an earlier analysis that this one does not write (plots, the wide table) would describe other
 * parameters: they go, so that the bundle holds only what its manifest lists. */
static void remove_stale(const bundle_run *b)
{
    char path[PL_PATH_MAX];
    static const char *const wide[] = {"AP_analysis_wide.parquet", "AP_analysis_wide.csv"};
    for (int k = 0; !b->ap_wide && k < 2; k++) {
        snprintf(path, sizeof path, "%s/%s", b->dir, wide[k]);
        remove(path);
    }
    if (!b->plots) {
        snprintf(path, sizeof path, "%s/summary.pdf", b->dir);
        remove(path);
        snprintf(path, sizeof path, "%s/plots", b->dir);
        pl_remove_tree(path, NULL);
    }
}

/* Skipped when the manifest records a complete analysis with the same parameters that wrote every output asked for
 * now (plots, the wide AP table). */
static bool already_done(const bundle_run *b)
{
    json_t *an = json_object_get(b->manifest, "analysis");
    if (!json_is_true(json_object_get(an, "complete")))
        return false;
    json_t *had = json_object_get(an, "options");
    if ((b->ap_wide && !json_is_true(json_object_get(had, "ap_wide"))) ||
        (b->plots && !json_is_true(json_object_get(had, "plots")))) /* also analyses before plots/ existed */
        return false;
    json_t *mine = json_loads(b->params_json, 0, NULL);
    bool same = json_equal(mine, json_object_get(an, "params"));
    json_decref(mine);
    return same;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

pl_status pl_ephys_analyze_job(void *ctx, const pl_batch_input *in, pl_job_outcome *out, pl_error *err)
{
    const pl_ephys_analyze_options *o = ctx;
    double t0 = now_s();
    bundle_run b = {0};
    snprintf(b.dir, sizeof b.dir, "%s", in->path);
    char *slash = strrchr(b.dir, '/');
    if (slash)
        *slash = 0;
    else
        snprintf(b.dir, sizeof b.dir, ".");
    pl_status st = load_manifest(&b, in->path, err);
    if (st != PL_OK) {
        json_decref(b.manifest);
        return st;
    }
    b.params = o->params;
    b.plots = o->plots;
    b.ap_wide = o->ap_wide;
    if (b.abf && !o->baseline_threshold_given)
        b.params.baseline_threshold_pA = 5.0;
    pl_ephys_params_json(&b.params, b.params_json, sizeof b.params_json);
    if (!o->force && already_done(&b)) {
        out->skipped = true;
        snprintf(out->summary, sizeof out->summary, "already analysed with the same parameters");
        json_decref(b.manifest);
        return PL_OK;
    }
    pl_ephys_cell cell;
    pl_ephys_cell_init(&cell);
    ephys_plotter *plots = NULL;
    if (o->plots)
        st = ephys_plotter_new(&b.params, &plots, err);
    if (st == PL_OK)
        st = analyse_sweeps(&b, &cell, plots, err);
    pl_ephys_cell_finish(&cell);
    ephys_cell_info info = {b.file_id, b.cell, &cell};
    if (st == PL_OK)
        st = ephys_write_analysis(b.dir, b.sweeps, b.n, &info, err);
    if (st == PL_OK)
        st = write_sweep_config(&b, err);
    if (st == PL_OK && plots)
        st = ephys_plotter_finish(plots, b.dir, b.sweeps, b.n, &info, &b.pdf_pages, err);
    if (st == PL_OK && plots) {
        size_t base = 0;
        for (size_t k = 0; k < b.n; k++) {
            b.spiking_sweeps += b.sweeps[k].valid && b.sweeps[k].n_spikes > 0;
            base += b.sweeps[k].valid && b.sweeps[k].savgol_window > 0;
        }
        b.savgol_pages = (base + EPHYS_BASE_PER_PAGE - 1) / EPHYS_BASE_PER_PAGE;
    }
    ephys_plotter_free(plots);
    if (st == PL_OK)
        remove_stale(&b);
    if (st == PL_OK)
        st = update_manifest(&b, in->path, &cell, now_s() - t0, err);
    if (st == PL_OK) {
        snprintf(out->summary, sizeof out->summary, "%zu sweeps, %d kept, %zu spikes, RMP %.1f mV, Rin %.0f MOhm", b.n,
                 cell.kept, b.spikes, cell.grand_rmp_mV, cell.input_resistance_MOhm);
        snprintf(out->extra_json, sizeof out->extra_json, "\"sweeps\":%zu,\"kept\":%d,\"spikes\":%zu", b.n, cell.kept,
                 b.spikes);
        uint64_t samples = 0;
        for (size_t k = 0; k < b.n; k++)
            samples += b.sweeps[k].samples;
        out->work_units = samples;
    }
    pl_error_locate(err, b.dir);
    pl_free(b.sweeps);
    json_decref(b.manifest);
    return st;
}

pl_status pl_ephys_analyze_options_set(pl_ephys_analyze_options *o, const char *assignment, pl_error *err)
{
    char name[128];
    const char *eq = strchr(assignment, '=');
    if (!eq || eq == assignment || (size_t)(eq - assignment) >= sizeof name)
        return pl_error_set(err, PL_EARG, NULL, "--set takes NAME=VALUE, not '%s'", assignment);
    memcpy(name, assignment, (size_t)(eq - assignment));
    name[eq - assignment] = 0;
    if (!strcmp(name, "ap_wide")) { /* an output option, not an analysis constant */
        if (strcmp(eq + 1, "1") && strcmp(eq + 1, "0"))
            return pl_error_set(err, PL_EARG, NULL, "ap_wide takes 1 or 0, not '%s'", eq + 1);
        o->ap_wide = eq[1] == '1';
        return PL_OK;
    }
    pl_status st = pl_ephys_params_set(&o->params, name, eq + 1, err);
    if (st == PL_OK && !strcmp(name, "baseline_threshold_pA"))
        o->baseline_threshold_given = true;
    return st;
}

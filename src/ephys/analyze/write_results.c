/* The analysis output tables, each written as Parquet and CSV: AP_analysis (long format, one row per spike, streamed
 * sweep by sweep) and analysis (one row per kept sweep, sorted by injected current, cell values repeated). Missing
 * values (NaN) are nulls. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ephys/analyze/analyze_internal.h"
#include "plateau/afile.h"
#include "plateau/mem.h"
#include "plateau/table.h"

typedef struct {
    const char *name;
    size_t offset;
} dfield;

#define SP(f)                                                                                                          \
    {                                                                                                                  \
#f, offsetof(pl_ephys_spike, f)                                                                                \
    }
static const dfield spike_fields[] = {
    SP(t_peak_s),
    SP(peak_ms_from_stim),
    SP(peak_mV),
    SP(threshold_mV),
    SP(t_threshold_s),
    SP(threshold_to_peak_mV),
    SP(threshold_to_peak_ms),
    SP(fast_trough_mV),
    SP(t_fast_trough_s),
    SP(upstroke_mV_ms),
    SP(downstroke_mV_ms),
    SP(upstroke_to_peak_ms),
    SP(upstroke_to_peak_mV),
    SP(peak_to_downstroke_ms),
    SP(peak_to_trough_ms),
    SP(height_mV),
    SP(half_height_mV),
    SP(width_ms),
    SP(threshold_to_trough_ms),
    SP(upstroke_downstroke_ratio),
    SP(isi_ms),
    SP(kink_interval_ms),
    SP(kink_ratio),
    SP(kink_height_mV_ms),
    SP(kink_slope_mV_ms2),
};
#undef SP
#define N_SPIKE_FIELDS (sizeof spike_fields / sizeof spike_fields[0])

#define SW(f)                                                                                                          \
    {                                                                                                                  \
#f, offsetof(pl_ephys_sweep, f)                                                                                \
    }
static const dfield sweep_fields[] = {
    SW(stimulus_level_pA),
    SW(rate_Hz),
    SW(baseline_start_s),
    SW(baseline_end_s),
    SW(stimulus_start_s),
    SW(stimulus_end_s),
    SW(rmp_mV),
    SW(avg_peak_mV),
    SW(avg_threshold_mV),
    SW(avg_threshold_to_peak_mV),
    SW(avg_threshold_to_peak_ms),
    SW(avg_fast_trough_mV),
    SW(avg_upstroke_to_peak_ms),
    SW(avg_upstroke_to_peak_mV),
    SW(avg_peak_to_downstroke_ms),
    SW(avg_peak_to_trough_ms),
    SW(avg_height_mV),
    SW(avg_half_height_mV),
    SW(avg_width_ms),
    SW(avg_threshold_to_trough_ms),
    SW(avg_upstroke_downstroke_ratio),
    SW(avg_upstroke_mV_ms),
    SW(avg_downstroke_mV_ms),
    SW(spike_frequency_Hz),
    SW(mean_isi_ms),
    SW(cv_isi),
    SW(middle_first_width),
    SW(middle_first_threshold_to_peak),
    SW(middle_first_fast_trough),
    SW(last_first_width),
    SW(last_first_threshold_to_peak),
    SW(last_first_fast_trough),
    SW(pct_spikes_with_kink),
    SW(avg_kink_interval_ms),
    SW(avg_kink_ratio),
    SW(avg_kink_height_mV_ms),
    SW(avg_kink_slope_mV_ms2),
    SW(filtered_rmp_mV),
    SW(frequency_pre_filter_Hz),
    SW(frequency_post_filter_Hz),
    SW(drift_range_mV),
    SW(d_std_mV),
    SW(normalized_signal_variability),
    SW(filtered_rmp_derivative_mV_s),
    SW(mean_stim_current_pA),
    SW(mean_stim_voltage_mV),
    SW(sag_mV),
    SW(sag_ratio),
    SW(sag_percent),
    SW(peak_hyperpolarization_mV),
};
#undef SW
#define N_SWEEP_FIELDS (sizeof sweep_fields / sizeof sweep_fields[0])

static double field_of(const void *base, size_t offset)
{
    return *(const double *)((const char *)base + offset);
}

/* Column storage for one batch: doubles with validity, and int32s. */
typedef struct {
    size_t ncols, nrows;
    pl_column *cols;
    pl_colbuf *bufs;
    double *d;      /* ncols * nrows */
    int32_t *i;     /* ncols * nrows */
    uint8_t *ok;    /* ncols * nrows */
    const char **s; /* ncols * nrows */
    char (*names)[48];
} batch;

static void batch_free(batch *b)
{
    pl_free(b->cols);
    pl_free(b->bufs);
    pl_free(b->d);
    pl_free(b->i);
    pl_free(b->ok);
    pl_free(b->s);
    pl_free(b->names);
    memset(b, 0, sizeof *b);
}

static pl_status batch_init(batch *b, size_t ncols, size_t nrows, pl_error *err)
{
    memset(b, 0, sizeof *b);
    size_t cells = ncols * (nrows ? nrows : 1);
    b->ncols = ncols;
    b->nrows = nrows;
    b->cols = pl_calloc(ncols, sizeof *b->cols, "table columns", err);
    b->bufs = pl_calloc(ncols, sizeof *b->bufs, "table columns", err);
    b->d = pl_calloc(cells, sizeof *b->d, "table batch", err);
    b->i = pl_calloc(cells, sizeof *b->i, "table batch", err);
    b->ok = pl_calloc(cells, 1, "table batch", err);
    b->s = pl_calloc(cells, sizeof *b->s, "table batch", err);
    b->names = pl_calloc(ncols, sizeof *b->names, "table column names", err);
    if (!b->cols || !b->bufs || !b->d || !b->i || !b->ok || !b->s || !b->names) {
        batch_free(b);
        return err ? err->code : PL_ENOMEM;
    }
    return PL_OK;
}

static void col_int(batch *b, size_t c, const char *name)
{
    snprintf(b->names[c], sizeof b->names[c], "%s", name);
    b->cols[c] = (pl_column){b->names[c], PL_COL_INT32, false, PL_ENC_AUTO};
    b->bufs[c] = (pl_colbuf){b->i + c * b->nrows, NULL, NULL};
}

static void col_double(batch *b, size_t c, const char *name)
{
    snprintf(b->names[c], sizeof b->names[c], "%s", name);
    b->cols[c] = (pl_column){b->names[c], PL_COL_DOUBLE, true, PL_ENC_AUTO};
    b->bufs[c] = (pl_colbuf){b->d + c * b->nrows, NULL, b->ok + c * b->nrows};
}

static void col_string(batch *b, size_t c, const char *name)
{
    snprintf(b->names[c], sizeof b->names[c], "%s", name);
    b->cols[c] = (pl_column){b->names[c], PL_COL_STRING, false, PL_ENC_DICT};
    b->bufs[c] = (pl_colbuf){b->s + c * b->nrows, NULL, NULL};
}

static void put_double(batch *b, size_t c, size_t r, double v)
{
    b->d[c * b->nrows + r] = isfinite(v) ? v : 0.0;
    b->ok[c * b->nrows + r] = isfinite(v);
}

static void put_int(batch *b, size_t c, size_t r, int32_t v)
{
    b->i[c * b->nrows + r] = v;
}
static void put_string(batch *b, size_t c, size_t r, const char *v)
{
    b->s[c * b->nrows + r] = v ? v : "";
}

/* Opens the Parquet and CSV twins of a table. */
static pl_status open_pair(const char *dir, const char *stem, const batch *b, pl_table *t[2], pl_error *err)
{
    char path[PL_PATH_MAX];
    t[0] = t[1] = NULL;
    pl_table_options opt; /* small tables: small pages and row groups keep the writers' buffers small */
    pl_table_options_default(&opt);
    opt.page_bytes = 64 << 10;
    opt.row_group_bytes = 1 << 20;
    snprintf(path, sizeof path, "%s/%s.parquet", dir, stem);
    pl_status st = pl_table_open(path, b->cols, b->ncols, &opt, &t[0], err);
    if (st == PL_OK) {
        snprintf(path, sizeof path, "%s/%s.csv", dir, stem);
        st = pl_table_open(path, b->cols, b->ncols, &opt, &t[1], err);
    }
    if (st != PL_OK) {
        pl_table_abort(t[0]);
        t[0] = NULL;
    }
    return st;
}

static pl_status write_pair(pl_table *t[2], const batch *b, pl_error *err)
{
    if (b->nrows == 0)
        return PL_OK;
    pl_status st = pl_table_write(t[0], b->nrows, b->bufs, err);
    return st == PL_OK ? pl_table_write(t[1], b->nrows, b->bufs, err) : st;
}

static pl_status close_pair(pl_table *t[2], pl_error *err)
{
    pl_status st = pl_table_close(t[0], err);
    if (st != PL_OK) {
        pl_table_abort(t[1]);
        return st;
    }
    return pl_table_close(t[1], err);
}

/* Closes both tables after a good run (st == PL_OK), else removes both. */
static pl_status finish_pair(pl_table *t[2], pl_status st, pl_error *err)
{
    if (st == PL_OK)
        return close_pair(t, err);
    pl_table_abort(t[0]);
    pl_table_abort(t[1]);
    return st;
}

/* ---- AP_analysis: columns sweep, spike, injected_current_pA, the per-spike values, kink_count ---- */

struct ephys_ap_writer {
    pl_table *t[2];
    char dir[PL_PATH_MAX];
    FILE *spill;       /* --ap-wide: every spiking sweep's spikes, read back at close (memory stays one sweep) */
    size_t max_spikes; /* the widest sweep: the wide table's spike columns */
    size_t wide_rows;
};

/* What the spill holds before each sweep's spikes. */
typedef struct {
    int32_t sweep;
    uint32_t n_spikes;
    double injected_current_pA;
} spill_head;

static void ap_columns(batch *b)
{
    col_int(b, 0, "sweep");
    col_int(b, 1, "spike");
    col_double(b, 2, "injected_current_pA");
    for (size_t f = 0; f < N_SPIKE_FIELDS; f++)
        col_double(b, 3 + f, spike_fields[f].name);
    col_int(b, 3 + N_SPIKE_FIELDS, "kink_count");
}

pl_status ephys_ap_open(const char *dir, bool wide, ephys_ap_writer **out, pl_error *err)
{
    *out = NULL;
    batch b;
    pl_status st = batch_init(&b, 4 + N_SPIKE_FIELDS, 0, err);
    if (st != PL_OK)
        return st;
    ap_columns(&b);
    ephys_ap_writer *w = pl_calloc(1, sizeof *w, "AP table writer", err);
    st = w ? open_pair(dir, "AP_analysis", &b, w->t, err) : (err ? err->code : PL_ENOMEM);
    batch_free(&b);
    if (st == PL_OK) {
        snprintf(w->dir, sizeof w->dir, "%s", dir);
        if (wide && !(w->spill = tmpfile()))
            st = pl_error_set(err, PL_EIO, dir, "cannot create a scratch file for the wide AP table");
    }
    if (st != PL_OK && w && w->t[0]) {
        pl_table_abort(w->t[0]);
        pl_table_abort(w->t[1]);
    }
    if (st != PL_OK) {
        pl_free(w);
        return st;
    }
    *out = w;
    return PL_OK;
}

pl_status ephys_ap_write(ephys_ap_writer *w, const pl_ephys_sweep *s, const pl_ephys_spike *spikes, pl_error *err)
{
    if (s->n_spikes == 0)
        return PL_OK;
    batch b;
    pl_status st = batch_init(&b, 4 + N_SPIKE_FIELDS, s->n_spikes, err);
    if (st != PL_OK)
        return st;
    ap_columns(&b);
    for (size_t r = 0; r < s->n_spikes; r++) {
        put_int(&b, 0, r, s->sweep);
        put_int(&b, 1, r, spikes[r].index);
        put_double(&b, 2, r, s->injected_current_pA);
        for (size_t f = 0; f < N_SPIKE_FIELDS; f++)
            put_double(&b, 3 + f, r, field_of(&spikes[r], spike_fields[f].offset));
        put_int(&b, 3 + N_SPIKE_FIELDS, r, spikes[r].kink_count);
    }
    st = write_pair(w->t, &b, err);
    batch_free(&b);
    if (st == PL_OK && w->spill) {
        spill_head h = {s->sweep, (uint32_t)s->n_spikes, s->injected_current_pA};
        if (fwrite(&h, sizeof h, 1, w->spill) != 1 ||
            fwrite(spikes, sizeof *spikes, s->n_spikes, w->spill) != s->n_spikes)
            return pl_error_set(err, PL_EIO, w->dir, "cannot write the wide AP table's scratch file (disk full?)");
        w->max_spikes = s->n_spikes > w->max_spikes ? s->n_spikes : w->max_spikes;
        w->wide_rows++;
    }
    return st;
}

/* AP_analysis_wide: sweep, injected_current_pA, n_spikes, then for spike i = 0..max-1 every per-spike value as
 * <name>_<i> (kink_count_<i> last); empty where a sweep has fewer spikes. Rows go out in small batches. */
static void wide_columns(batch *b, size_t max_spikes)
{
    col_int(b, 0, "sweep");
    col_double(b, 1, "injected_current_pA");
    col_int(b, 2, "n_spikes");
    char name[48];
    for (size_t i = 0, c = 3; i < max_spikes; i++) {
        for (size_t f = 0; f < N_SPIKE_FIELDS; f++, c++) {
            snprintf(name, sizeof name, "%s_%zu", spike_fields[f].name, i);
            col_double(b, c, name);
        }
        snprintf(name, sizeof name, "kink_count_%zu", i);
        col_double(b, c++, name);
    }
    for (size_t c = 3; c < b->ncols; c++) /* no dictionary trial: its state per column adds up over thousands */
        b->cols[c].encoding = PL_ENC_PLAIN;
}

static pl_status write_wide(ephys_ap_writer *w, pl_error *err)
{
    size_t per = N_SPIKE_FIELDS + 1, ncols = 3 + per * w->max_spikes;
    size_t rows = ncols < 65536 ? 65536 / ncols : 1; /* rows per batch: about 64 Ki cells */
    pl_ephys_spike *sp = pl_alloc((w->max_spikes ? w->max_spikes : 1) * sizeof *sp, "wide AP table", err);
    batch b;
    pl_status st = sp ? batch_init(&b, ncols, rows, err) : (err ? err->code : PL_ENOMEM);
    if (st != PL_OK) {
        pl_free(sp);
        return st;
    }
    wide_columns(&b, w->max_spikes);
    pl_table_options opt;
    pl_table_options_default(&opt);
    opt.page_bytes = 1024; /* per-column page buffers: there can be thousands of columns (rows are few) */
    opt.row_group_bytes = 1 << 20;
    pl_table *t[2] = {NULL, NULL};
    char path[PL_PATH_MAX];
    snprintf(path, sizeof path, "%s/AP_analysis_wide.parquet", w->dir);
    st = pl_table_open(path, b.cols, ncols, &opt, &t[0], err);
    snprintf(path, sizeof path, "%s/AP_analysis_wide.csv", w->dir);
    if (st == PL_OK)
        st = pl_table_open(path, b.cols, ncols, &opt, &t[1], err);
    rewind(w->spill);
    for (size_t done = 0; st == PL_OK && done < w->wide_rows;) {
        size_t r = 0;
        for (; r < rows && done < w->wide_rows; r++, done++) {
            spill_head h;
            if (fread(&h, sizeof h, 1, w->spill) != 1 || h.n_spikes > w->max_spikes ||
                fread(sp, sizeof *sp, h.n_spikes, w->spill) != h.n_spikes) {
                st = pl_error_set(err, PL_EIO, w->dir, "cannot read back the wide AP table's scratch file");
                break;
            }
            put_int(&b, 0, r, h.sweep);
            put_double(&b, 1, r, h.injected_current_pA);
            put_int(&b, 2, r, (int32_t)h.n_spikes);
            for (size_t i = 0, c = 3; i < w->max_spikes; i++) {
                for (size_t f = 0; f < N_SPIKE_FIELDS; f++, c++)
                    put_double(&b, c, r, i < h.n_spikes ? field_of(&sp[i], spike_fields[f].offset) : NAN);
                put_double(&b, c++, r, i < h.n_spikes ? (double)sp[i].kink_count : NAN);
            }
        }
        batch part = b;
        part.nrows = r; /* columns are laid out with the full batch's stride: write only r rows of each */
        if (st == PL_OK && r)
            st = write_pair(t, &part, err);
    }
    st = finish_pair(t, st, err);
    batch_free(&b);
    pl_free(sp);
    return st;
}

pl_status ephys_ap_close(ephys_ap_writer *w, pl_error *err)
{
    pl_status st = close_pair(w->t, err);
    if (st == PL_OK && w->spill)
        st = write_wide(w, err);
    if (w->spill)
        fclose(w->spill);
    pl_free(w);
    return st;
}

void ephys_ap_abort(ephys_ap_writer *w)
{
    if (!w)
        return;
    pl_table_abort(w->t[0]);
    pl_table_abort(w->t[1]);
    if (w->spill)
        fclose(w->spill);
    pl_free(w);
}

/* ---- analysis ---- */

static int by_current(const void *pa, const void *pb)
{
    const pl_ephys_sweep *a = *(const pl_ephys_sweep *const *)pa, *b = *(const pl_ephys_sweep *const *)pb;
    if (a->injected_current_pA != b->injected_current_pA)
        return a->injected_current_pA < b->injected_current_pA ? -1 : 1;
    return (a->sweep > b->sweep) - (a->sweep < b->sweep);
}

pl_status ephys_write_analysis(const char *dir, const pl_ephys_sweep *sweeps, size_t n, const ephys_cell_info *info,
                               pl_error *err)
{
    size_t kept = 0;
    int bins = 0;
    for (size_t k = 0; k < n; k++)
        if (sweeps[k].valid) {
            kept++;
            bins = sweeps[k].n_bins > bins ? sweeps[k].n_bins : bins;
        }
    const pl_ephys_sweep **rows = pl_calloc(kept ? kept : 1, sizeof *rows, "analysis rows", err);
    if (!rows)
        return err ? err->code : PL_ENOMEM;
    for (size_t k = 0, r = 0; k < n; k++)
        if (sweeps[k].valid)
            rows[r++] = &sweeps[k];
    qsort(rows, kept, sizeof *rows, by_current);
    size_t base = 4 + N_SWEEP_FIELDS, ncols = base + 2 * (size_t)bins + 6;
    batch b;
    pl_status st = batch_init(&b, ncols, kept, err);
    if (st != PL_OK) {
        pl_free(rows);
        return st;
    }
    col_int(&b, 0, "sweep");
    col_double(&b, 1, "injected_current_pA");
    col_int(&b, 2, "n_spikes");
    col_int(&b, 3, "savgol_window");
    for (size_t f = 0; f < N_SWEEP_FIELDS; f++)
        col_double(&b, 4 + f, sweep_fields[f].name);
    char name[48];
    for (int k = 0; k < bins; k++) {
        snprintf(name, sizeof name, "bin_%d_spike_count", k);
        col_int(&b, base + (size_t)k, name);
        snprintf(name, sizeof name, "bin_%d_cv_isi", k);
        col_double(&b, base + (size_t)bins + (size_t)k, name);
    }
    size_t cc = base + 2 * (size_t)bins;
    col_double(&b, cc, "grand_average_rmp_mV");
    col_double(&b, cc + 1, "filtered_grand_average_rmp_mV");
    col_double(&b, cc + 2, "input_resistance_MOhm");
    col_double(&b, cc + 3, "rheobase_pA");
    col_string(&b, cc + 4, "file_id");
    col_string(&b, cc + 5, "cell");
    const pl_ephys_cell *cell = info->cell_values;
    for (size_t r = 0; r < kept; r++) {
        const pl_ephys_sweep *s = rows[r];
        put_int(&b, 0, r, s->sweep);
        put_double(&b, 1, r, s->injected_current_pA);
        put_int(&b, 2, r, (int32_t)s->n_spikes);
        put_int(&b, 3, r, s->savgol_window);
        for (size_t f = 0; f < N_SWEEP_FIELDS; f++)
            put_double(&b, 4 + f, r, field_of(s, sweep_fields[f].offset));
        for (int k = 0; k < bins; k++) {
            put_int(&b, base + (size_t)k, r, k < s->n_bins ? s->bin_count[k] : 0);
            put_double(&b, base + (size_t)bins + (size_t)k, r, k < s->n_bins ? s->bin_cv_isi[k] : NAN);
        }
        put_double(&b, cc, r, cell->grand_rmp_mV);
        put_double(&b, cc + 1, r, cell->filtered_grand_rmp_mV);
        put_double(&b, cc + 2, r, cell->input_resistance_MOhm);
        put_double(&b, cc + 3, r, cell->rheobase_pA);
        put_string(&b, cc + 4, r, info->file_id);
        put_string(&b, cc + 5, r, info->cell);
    }
    pl_table *t[2];
    st = open_pair(dir, "analysis", &b, t, err);
    if (st == PL_OK)
        st = finish_pair(t, write_pair(t, &b, err), err);
    batch_free(&b);
    pl_free(rows);
    return st;
}

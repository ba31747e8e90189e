/* Plots of the laser-trim pipeline over the plotting layer: one figure per track (error vs position with the
 * offset applied, the untrimmed error, the limit band, fail points, error variation over 8 position segments,
 * a metrics box and a status badge) and one batch summary (status counts, sigma histogram with thresholds, risk
 * split, pass rate per model). PNG at 150 dpi. */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "plateau/mem.h"
#include "plateau/plot.h"
#include "plateau/trim.h"
#include "trim/trim_impl.h"

#define SEGMENTS 8

bool trim_plots_available(void)
{
    return true;
}

static pl_verdict verdict(pl_trim_status s)
{
    return s == PL_TRIM_PASS      ? PL_VERDICT_PASS
           : s == PL_TRIM_WARNING ? PL_VERDICT_WARNING
           : s == PL_TRIM_FAIL    ? PL_VERDICT_FAIL
                                  : PL_VERDICT_INFO;
}

/* Range (max - min) of the shifted error in 8 equal position segments. */
static void segment_variation(const pl_trim_series *s, double offset, double travel_lo, double travel, double *out)
{
    double lo[SEGMENTS], hi[SEGMENTS];
    for (int k = 0; k < SEGMENTS; k++)
        lo[k] = INFINITY, hi[k] = -INFINITY;
    for (size_t i = 0; i < s->n; i++) {
        int k = travel > 0 ? (int)((s->x[i] - travel_lo) / travel * SEGMENTS) : 0;
        k = k < 0 ? 0 : k >= SEGMENTS ? SEGMENTS - 1 : k;
        double v = s->e[i] + offset;
        lo[k] = fmin(lo[k], v), hi[k] = fmax(hi[k], v);
    }
    for (int k = 0; k < SEGMENTS; k++)
        out[k] = hi[k] >= lo[k] ? hi[k] - lo[k] : 0.0;
}

/* The legend goes in the corner of the plot (outer third of x, outer third of y) crossed by the fewest points. */
static pl_loc emptiest_corner(const pl_trim_series *s, const double *shifted, double ylo, double yhi)
{
    double xlo = INFINITY, xhi = -INFINITY;
    for (size_t i = 0; i < s->n; i++)
        xlo = fmin(xlo, s->x[i]), xhi = fmax(xhi, s->x[i]);
    size_t count[4] = {0}; /* PL_LOC_UPPER_RIGHT, UPPER_LEFT, LOWER_LEFT, LOWER_RIGHT */
    for (size_t i = 0; i < s->n; i++) {
        double fx = (s->x[i] - xlo) / (xhi - xlo);
        double v[3] = {shifted[i], s->u[i], s->l[i]};
        for (int j = 0; j < 3; j++) {
            if (!isfinite(v[j]))
                continue;
            double fy = (v[j] - ylo) / (yhi - ylo);
            bool right = fx > 0.6, left = fx<0.4, top = fy> 0.6, bottom = fy < 0.4;
            count[0] += right && top, count[1] += left && top, count[2] += left && bottom, count[3] += right && bottom;
        }
    }
    int best = 3;
    for (int k = 0; k < 4; k++)
        if (count[k] < count[best])
            best = k;
    return (pl_loc)best;
}

static void metrics_text(const pl_trim_file *f, const pl_trim_track *t, char *buf, size_t size)
{
    const pl_trim_result *r = &t->result;
    if (!r->valid) {
        snprintf(buf, size, "invalid: %s", r->invalid_reason);
        return;
    }
    int len =
        snprintf(buf, size,
                 "sigma %.4g\n  limit %.4g: %s\nlinearity %.4g\n  spec %.4g\n  %zu fail points\n"
                 "offset %.4g\n  (%s)\nrisk %s",
                 r->sigma, r->threshold, r->sigma_pass ? "pass" : "FAIL", r->lin_err_shifted, r->lin_spec,
                 r->fail_points, r->offset, pl_trim_offset_source_name(r->offset_source), pl_trim_risk_name(r->risk));
    if (isfinite(r->r_change_pct) && len > 0 && (size_t)len < size)
        snprintf(buf + len, size - (size_t)len, "\nR %.0f -> %.0f ohm\n  (%+.1f%%)", r->r_untrim, r->r_trim,
                 r->r_change_pct);
    (void)f;
}

pl_status trim_plot_track(const pl_trim_file *f, size_t k, const char *png_path, pl_error *err)
{
    const pl_trim_track *t = &f->track[k];
    const pl_trim_series *s = &t->data;
    const pl_trim_result *r = &t->result;
    char title[200];
    int len = snprintf(title, sizeof title, "Model %.24s  serial %.24s  track %s",
                       f->parsed.model[0] ? f->parsed.model : "?", f->parsed.serial[0] ? f->parsed.serial : "?", t->id);
    if (f->parsed.has_date && len > 0 && (size_t)len < sizeof title)
        snprintf(title + len, sizeof title - (size_t)len, "  tested %04d-%02d-%02d %02d:%02d", f->parsed.year,
                 f->parsed.month, f->parsed.day, f->parsed.hour, f->parsed.minute);
    /* left column: the error plot over the segment bars; right column: the metrics box */
    double rows_w[] = {3.0, 1.2}, cols_w[] = {3.0, 1.0};
    pl_figure_spec spec = {.width_in = 8,
                           .height_in = 5.2,
                           .dpi = 150,
                           .rows = 2,
                           .cols = 2,
                           .title = title,
                           .row_weights = rows_w,
                           .col_weights = cols_w};
    pl_figure *fig;
    pl_status st = pl_figure_new(&spec, &fig, err);
    if (st != PL_OK)
        return st;
    size_t n = s->n;
    double *shifted = pl_alloc((2 * n + 1) * sizeof *shifted, "trim plot", err);
    if (!shifted) {
        pl_figure_free(fig);
        return err ? err->code : PL_ENOMEM;
    }
    double *fx = shifted + n, *fy = fx; /* fail points reuse the second half (x then y interleaved below) */
    double offset = isfinite(r->offset) ? r->offset : 0.0;
    for (size_t i = 0; i < n; i++)
        shifted[i] = s->e[i] + offset;
    pl_axes *ax = pl_figure_panel(fig, 0, 0);
    pl_axes_title(ax, "Linearity error (offset applied)");
    pl_axes_labels(ax, "Position", "Error (V)");
    if (st == PL_OK)
        st = pl_axes_band(ax, s->x, s->l, s->u, n, PL_ALPHA(PL_SKYBLUE, 0.25), "spec band", err);
    pl_style lim = {.color = PL_BLACK, .dash = PL_DASHED, .width = 0.8};
    if (st == PL_OK)
        st = pl_axes_line(ax, s->x, s->u, n, &lim, err);
    if (st == PL_OK)
        st = pl_axes_line(ax, s->x, s->l, n, &lim, err);
    if (st == PL_OK && t->untrimmed.n)
        st = pl_axes_line(ax, t->untrimmed.x, t->untrimmed.e, t->untrimmed.n,
                          &(pl_style){.color = PL_GREY, .dash = PL_DASHED, .label = "untrimmed"}, err);
    if (st == PL_OK)
        st = pl_axes_line(ax, s->x, shifted, n, &(pl_style){.color = PL_BLUE, .width = 1.3, .label = "trimmed"}, err);
    /* fail points: x values into the second half, then their shifted errors after them */
    size_t nf = 0;
    for (size_t i = 0; i < n && st == PL_OK; i++) {
        bool out = isfinite(s->u[i]) && isfinite(s->l[i]) && (shifted[i] > s->u[i] || shifted[i] < s->l[i]);
        if (out)
            fx[nf++] = s->x[i];
    }
    if (st == PL_OK && nf) {
        double *ys = pl_alloc(nf * sizeof *ys, "trim plot", err);
        if (!ys) {
            st = err ? err->code : PL_ENOMEM;
        } else {
            size_t j = 0;
            for (size_t i = 0; i < n; i++)
                if (isfinite(s->u[i]) && isfinite(s->l[i]) && (shifted[i] > s->u[i] || shifted[i] < s->l[i]))
                    ys[j++] = shifted[i];
            st = pl_axes_line(ax, fy, ys, nf,
                              &(pl_style){.color = PL_RED,
                                          .dash = PL_NOLINE,
                                          .marker = PL_MARK_CROSS,
                                          .marker_size = 7,
                                          .label = "fail points"},
                              err);
            pl_free(ys);
        }
    }
    /* the y range follows the limits and the trimmed error: the untrimmed curve, often volts off, is clipped */
    double ylo = INFINITY, yhi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double v[3] = {shifted[i], s->u[i], s->l[i]};
        for (int j = 0; j < 3; j++)
            if (isfinite(v[j]))
                ylo = fmin(ylo, v[j]), yhi = fmax(yhi, v[j]);
    }
    if (yhi > ylo) {
        double pad = 0.15 * (yhi - ylo);
        pl_axes_ylim(ax, ylo - pad, yhi + pad);
        pl_axes_legend(ax, emptiest_corner(s, shifted, ylo - pad, yhi + pad));
    }
    char text[400];
    metrics_text(f, t, text, sizeof text);
    pl_axes *tx = pl_figure_panel(fig, 0, 1);
    pl_axes_off(tx);
    pl_axes_off(pl_figure_panel(fig, 1, 1));
    if (st == PL_OK)
        st = pl_axes_text(tx, PL_LOC_UPPER_LEFT, text, err);
    if (st == PL_OK)
        st = pl_axes_badge(ax, verdict(r->status), pl_trim_status_name(r->status), err);
    pl_axes *bx = pl_figure_panel(fig, 1, 0);
    pl_axes_title(bx, "Error variation by position segment");
    pl_axes_labels(bx, "Segment", "Range (V)");
    double var[SEGMENTS];
    double lo = INFINITY;
    for (size_t i = 0; i < n; i++)
        lo = fmin(lo, s->x[i]);
    segment_variation(s, offset, lo, isfinite(r->travel) ? r->travel : 0.0, var);
    static const char *const seg_labels[SEGMENTS] = {"1", "2", "3", "4", "5", "6", "7", "8"};
    if (st == PL_OK && n)
        st = pl_axes_bars(bx, var, seg_labels, NULL, SEGMENTS, &(pl_style){.color = PL_BLUE}, err);
    pl_free(shifted);
    if (st == PL_OK)
        st = pl_figure_save(fig, png_path, err);
    pl_figure_free(fig);
    return st;
}

/* ---- batch summary ---- */

static const char *const batch_where =
    " FROM tracks t JOIN files f ON f.id = t.file_id WHERE f.sha256 IN (SELECT sha256 FROM batch_files"
    " WHERE (?1 = 0 OR batch_id = ?1) AND outcome <> 'failed')";

static pl_status query(sqlite3 *h, const char *sql, int64_t batch, sqlite3_stmt **st, pl_error *err)
{
    if (sqlite3_prepare_v2(h, sql, -1, st, NULL) != SQLITE_OK)
        return pl_error_set(err, PL_EIO, NULL, "results database: %s", sqlite3_errmsg(h));
    sqlite3_bind_int64(*st, 1, batch);
    return PL_OK;
}

static pl_status status_panel(sqlite3 *h, int64_t batch, pl_axes *ax, pl_error *err)
{
    static const char *const names[] = {"PASS", "WARNING", "FAIL", "ERROR"};
    const uint32_t colors[] = {PL_GREEN, PL_ORANGE, PL_RED, PL_GREY};
    double counts[4] = {0};
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT t.status, count(*)%s GROUP BY t.status", batch_where);
    sqlite3_stmt *st;
    pl_status s = query(h, sql, batch, &st, err);
    if (s != PL_OK)
        return s;
    while (sqlite3_step(st) == SQLITE_ROW)
        for (int i = 0; i < 4; i++)
            if (strcmp((const char *)sqlite3_column_text(st, 0), names[i]) == 0)
                counts[i] = sqlite3_column_double(st, 1);
    sqlite3_finalize(st);
    pl_axes_title(ax, "Track status");
    pl_axes_labels(ax, NULL, "Tracks");
    return pl_axes_bars(ax, counts, names, colors, 4, NULL, err);
}

static pl_status risk_panel(sqlite3 *h, int64_t batch, pl_axes *ax, pl_error *err)
{
    static const char *const names[] = {"LOW", "MEDIUM", "HIGH"};
    const uint32_t colors[] = {PL_GREEN, PL_ORANGE, PL_RED};
    double counts[3] = {0};
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT t.risk, count(*)%s AND t.risk IS NOT NULL GROUP BY t.risk", batch_where);
    sqlite3_stmt *st;
    pl_status s = query(h, sql, batch, &st, err);
    if (s != PL_OK)
        return s;
    while (sqlite3_step(st) == SQLITE_ROW)
        for (int i = 0; i < 3; i++)
            if (strcmp((const char *)sqlite3_column_text(st, 0), names[i]) == 0)
                counts[i] = sqlite3_column_double(st, 1);
    sqlite3_finalize(st);
    pl_axes_title(ax, "Risk");
    pl_axes_labels(ax, NULL, "Tracks");
    return pl_axes_bars(ax, counts, names, colors, 3, NULL, err);
}

/* Sigma histogram over log10(sigma) (sigmas span decades across models), counted in SQL-streamed rows: memory
 * does not grow with the batch. The distinct thresholds (at most 6 drawn) appear as dashed lines. */
static pl_status sigma_panel(sqlite3 *h, int64_t batch, pl_axes *ax, pl_error *err)
{
    enum { BINS = 30 };
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT min(t.sigma), max(t.sigma)%s AND t.sigma > 0", batch_where);
    sqlite3_stmt *st;
    pl_status s = query(h, sql, batch, &st, err);
    if (s != PL_OK)
        return s;
    double lo = NAN, hi = NAN;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        lo = log10(sqlite3_column_double(st, 0)), hi = log10(sqlite3_column_double(st, 1));
    sqlite3_finalize(st);
    pl_axes_title(ax, "Sigma gradient (log10) and thresholds");
    pl_axes_labels(ax, "log10(sigma)", "Tracks");
    if (!isfinite(lo))
        return PL_OK;
    if (hi - lo < 1e-9)
        lo -= 0.5, hi += 0.5;
    double counts[BINS] = {0}, centers[BINS];
    snprintf(sql, sizeof sql, "SELECT t.sigma%s AND t.sigma > 0", batch_where);
    if ((s = query(h, sql, batch, &st, err)) != PL_OK)
        return s;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int b = (int)((log10(sqlite3_column_double(st, 0)) - lo) / (hi - lo) * BINS);
        counts[b < 0 ? 0 : b >= BINS ? BINS - 1 : b] += 1;
    }
    sqlite3_finalize(st);
    double step = (hi - lo) / BINS;
    /* a step line over the bin edges draws the histogram on a numeric x axis, so thresholds can share it */
    double xs[2 * BINS + 2], ys[2 * BINS + 2];
    for (int b = 0; b < BINS; b++) {
        centers[b] = lo + (b + 0.5) * step;
        xs[2 * b] = lo + b * step, xs[2 * b + 1] = lo + (b + 1) * step;
        ys[2 * b] = ys[2 * b + 1] = counts[b];
    }
    (void)centers;
    double zeros[2 * BINS];
    memset(zeros, 0, sizeof zeros);
    s = pl_axes_band(ax, xs, zeros, ys, 2 * BINS, PL_ALPHA(PL_BLUE, 0.45), "tracks", err);
    if (s == PL_OK)
        s = pl_axes_line(ax, xs, ys, 2 * BINS, &(pl_style){.color = PL_BLUE}, err);
    snprintf(sql, sizeof sql, "SELECT DISTINCT round(t.threshold, 12)%s AND t.threshold > 0 LIMIT 7", batch_where);
    if (s == PL_OK && (s = query(h, sql, batch, &st, err)) == PL_OK) {
        int k = 0;
        while (s == PL_OK && sqlite3_step(st) == SQLITE_ROW && k++ < 6)
            s = pl_axes_vline(ax, log10(sqlite3_column_double(st, 0)),
                              &(pl_style){.color = PL_RED, .dash = PL_DASHED, .label = k == 1 ? "thresholds" : NULL},
                              err);
        sqlite3_finalize(st);
    }
    return s;
}

static pl_status model_panel(sqlite3 *h, int64_t batch, pl_axes *ax, pl_error *err)
{
    enum { TOP = 8 };
    char sql[600];
    snprintf(sql, sizeof sql,
             "SELECT f.model, 100.0 * sum(t.status = 'PASS') / count(*), count(*)%s GROUP BY f.model"
             " ORDER BY count(*) DESC, f.model LIMIT %d",
             batch_where, TOP);
    sqlite3_stmt *st;
    pl_status s = query(h, sql, batch, &st, err);
    if (s != PL_OK)
        return s;
    char names[TOP][24];
    const char *labels[TOP];
    double rate[TOP];
    uint32_t colors[TOP];
    size_t n = 0;
    while (n < TOP && sqlite3_step(st) == SQLITE_ROW) {
        const char *m = (const char *)sqlite3_column_text(st, 0);
        snprintf(names[n], sizeof names[n], "%.12s (%d)", m ? m : "?", sqlite3_column_int(st, 2));
        labels[n] = names[n];
        rate[n] = sqlite3_column_double(st, 1);
        colors[n] = rate[n] >= 90 ? PL_GREEN : rate[n] >= 50 ? PL_ORANGE : PL_RED;
        n++;
    }
    sqlite3_finalize(st);
    pl_axes_title(ax, "Pass rate per model (tracks), most tracks first");
    pl_axes_labels(ax, NULL, "Pass rate (%)");
    pl_axes_ylim(ax, 0, 100);
    return n ? pl_axes_bars(ax, rate, labels, colors, n, NULL, err) : PL_OK;
}

pl_status trim_plot_summary(pl_trim_db *db, int64_t batch_id, const char *png_path, pl_error *err)
{
    pl_figure_spec spec = {
        .width_in = 12, .height_in = 8, .dpi = 150, .rows = 2, .cols = 2, .title = "Laser-trim batch summary"};
    pl_figure *fig;
    pl_status st = pl_figure_new(&spec, &fig, err);
    if (st != PL_OK)
        return st;
    sqlite3 *h = pl_trim_db_handle(db);
    st = status_panel(h, batch_id, pl_figure_panel(fig, 0, 0), err);
    if (st == PL_OK)
        st = sigma_panel(h, batch_id, pl_figure_panel(fig, 0, 1), err);
    if (st == PL_OK)
        st = risk_panel(h, batch_id, pl_figure_panel(fig, 1, 0), err);
    if (st == PL_OK)
        st = model_panel(h, batch_id, pl_figure_panel(fig, 1, 1), err);
    if (st == PL_OK)
        st = pl_figure_save(fig, png_path, err);
    pl_figure_free(fig);
    return st;
}

/* Draws the per-sweep pages recorded by analyze_pages.c, one record (one figure) in memory at a time:
 *   - one AP figure per spiking sweep: the step with thresholds, peaks and fast troughs marked; the sweep's spikes
 *     aligned at the peak; the phase plot of its first spike with threshold, maximum upstroke and kink (the kink
 *     diagnostic). Saved as plots/ap_sweep_<sweep>.png and as a page of summary.pdf, in sweep order.
 *   - the Savitzky-Golay baselines, EPHYS_BASE_PER_PAGE sweeps per page: raw baseline, filtered trace and the 25 ms
 *     window means whose spread gives the drift metrics. Saved as plots/savgol_baselines_<k>.png and pages. */
#include <math.h>
#include <stdio.h>

#include "ephys/analyze/analyze_internal.h"
#include "plateau/afile.h"
#include "plateau/mem.h"
#include "plateau/plot.h"

#define MAX_ARRAYS (10 + EPHYS_PAGE_WAVES)

/* A recorded array as a plain line. The records are already reduced to about one min/max pair per pixel; a
 * decimated trace would split them again into quarter-pixel columns and draw twice the points. */
static pl_status line(pl_axes *ax, const ephys_page_array *a, const pl_style *style, pl_error *err)
{
    double *x = pl_alloc((a->n ? a->n : 1) * sizeof *x, "waveform", err);
    if (!x)
        return err ? err->code : PL_ENOMEM;
    for (size_t i = 0; i < a->n; i++)
        x[i] = a->x0 + (double)i * a->step;
    pl_status st = pl_axes_line(ax, x, a->v, (size_t)a->n, style, err);
    pl_free(x);
    return st;
}

static pl_status markers(pl_axes *ax, const ephys_page_array *x, const ephys_page_array *y, uint32_t color,
                         pl_marker mark, const char *label, pl_error *err)
{
    return pl_axes_line(
        ax, x->v, y->v, (size_t)x->n,
        &(pl_style){.color = color, .dash = PL_NOLINE, .marker = mark, .marker_size = 4, .label = label}, err);
}

static pl_status ap_figure(pl_figure *f, const pl_ephys_sweep *s, const ephys_page_array *a, size_t na, pl_error *err)
{
    pl_axes *step = pl_figure_panel(f, 0, 0), *wave = pl_figure_panel(f, 0, 1), *phase = pl_figure_panel(f, 0, 2);
    pl_axes_title(step, "step \u00b1 50 ms");
    pl_axes_labels(step, "Time from sweep start (s)", "Membrane potential (mV)");
    pl_status st = line(step, &a[0], &(pl_style){.color = PL_BLUE}, err);
    if (st == PL_OK)
        st = markers(step, &a[1], &a[2], PL_ORANGE, PL_MARK_CIRCLE, "threshold", err);
    if (st == PL_OK)
        st = markers(step, &a[3], &a[4], PL_RED, PL_MARK_TRIANGLE, "peak", err);
    if (st == PL_OK)
        st = markers(step, &a[5], &a[6], PL_GREEN, PL_MARK_SQUARE, "fast trough", err);

    char title[160];
    size_t waves = na > 10 ? na - 10 : 0;
    snprintf(title, sizeof title, "%zu of %zu spikes aligned at the peak", waves, s->n_spikes);
    pl_axes_title(wave, title);
    pl_axes_labels(wave, "Time from peak (ms)", "Membrane potential (mV)");
    for (size_t k = waves; st == PL_OK && k-- > 0;) /* the first spike last, on top */
        st = line(wave, &a[10 + k],
                  k ? &(pl_style){.color = PL_ALPHA(PL_BLUE, 0.4), .label = k == 1 ? "later spikes" : NULL}
                    : &(pl_style){.color = PL_BLACK, .width = 1.2, .label = "first spike"},
                  err);

    snprintf(title, sizeof title, "first spike; kinks in %.0f of %zu",
             s->pct_spikes_with_kink * (double)s->n_spikes / 100.0, s->n_spikes);
    pl_axes_title(phase, title);
    pl_axes_labels(phase, "Membrane potential (mV)", "dV/dt (mV/ms)");
    if (st == PL_OK)
        st = pl_axes_line(phase, a[7].v, a[8].v, (size_t)a[7].n, &(pl_style){.color = PL_BLUE}, err);
    const double *m = a[9].v;
    static const struct {
        uint32_t color;
        pl_marker mark;
        const char *label;
    } kinds[3] = {{PL_ORANGE, PL_MARK_CIRCLE, "threshold"},
                  {PL_RED, PL_MARK_TRIANGLE, "max upstroke"},
                  {PL_GREEN, PL_MARK_SQUARE, "kink"}};
    for (int k = 0; st == PL_OK && k < 3 && a[9].n == 6; k++)
        if (isfinite(m[2 * k]) && isfinite(m[2 * k + 1]))
            st = pl_axes_line(phase, &m[2 * k], &m[2 * k + 1], 1,
                              &(pl_style){.color = kinds[k].color,
                                          .dash = PL_NOLINE,
                                          .marker = kinds[k].mark,
                                          .marker_size = 6,
                                          .label = kinds[k].label},
                              err);
    return st;
}

static pl_status save_page(pl_figure *f, const char *dir, const char *name, pl_pdf *doc, pl_error *err)
{
    char path[PL_PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    pl_status st = pl_figure_save(f, path, err);
    return st == PL_OK ? pl_pdf_add(doc, f, err) : st;
}

static pl_status draw_ap_pages(ephys_sweep_pages *g, const char *dir, const char *cell, pl_pdf *doc,
                               ephys_page_array *arr, pl_error *err)
{
    pl_status st = ephys_pages_rewind(g, true, err);
    static const double weights[3] = {2.3, 1, 1};
    for (size_t r = 0; st == PL_OK && r < ephys_pages_count(g, true); r++) {
        pl_ephys_sweep s;
        size_t na = 0;
        if ((st = ephys_pages_next(g, true, &s, arr, MAX_ARRAYS, &na, err)) != PL_OK)
            break;
        if (na < 10) {
            st = pl_error_set(err, PL_EIO, NULL, "the per-sweep plots' scratch file is damaged");
            break;
        }
        char title[200], name[64];
        snprintf(title, sizeof title, "Sweep %d: %+.0f pA, %zu spikes, %.1f Hz, mean threshold %.1f mV%s%s", s.sweep,
                 s.injected_current_pA, s.n_spikes, s.spike_frequency_Hz, s.avg_threshold_mV, cell ? "  \u2014  " : "",
                 cell ? cell : "");
        pl_figure_spec spec = {
            .width_in = 14, .height_in = 4.4, .dpi = 100, .cols = 3, .col_weights = weights, .title = title};
        pl_figure *f = NULL;
        st = pl_figure_new(&spec, &f, err);
        if (st == PL_OK)
            st = ap_figure(f, &s, arr, na, err);
        snprintf(name, sizeof name, "ap_sweep_%04d.png", s.sweep);
        if (st == PL_OK)
            st = save_page(f, dir, name, doc, err);
        pl_figure_free(f);
    }
    return st;
}

static pl_status base_panel(pl_axes *ax, const pl_ephys_sweep *s, ephys_page_array *a, pl_error *err)
{
    char title[128];
    if (isfinite(s->drift_range_mV))
        snprintf(title, sizeof title, "sweep %d, %+.0f pA: drift %.2f mV", s->sweep, s->injected_current_pA,
                 s->drift_range_mV);
    else /* the drift needs two window means */
        snprintf(title, sizeof title, "sweep %d, %+.0f pA: < 2 windows, no drift", s->sweep, s->injected_current_pA);
    pl_axes_title(ax, title);
    pl_axes_labels(ax, "Time from sweep start (ms)", "mV");
    pl_status st = line(ax, &a[0], &(pl_style){.color = PL_ALPHA(PL_GREY, 0.7)}, err);
    if (st == PL_OK)
        st = line(ax, &a[1], &(pl_style){.color = PL_BLUE, .width = 1.2}, err);
    size_t nw = (size_t)a[2].n;
    double half = a[2].step / 2.0;
    double *x = pl_alloc((3 * nw + 1) * sizeof *x, "baseline plot", err),
           *y = pl_alloc((3 * nw + 1) * sizeof *y, "baseline plot", err);
    if (!x || !y) {
        pl_free(x);
        pl_free(y);
        return err ? err->code : PL_ENOMEM;
    }
    for (size_t k = 0; k < nw; k++) { /* one horizontal segment per window, gaps between */
        x[3 * k] = a[2].v[k] - half;
        x[3 * k + 1] = a[2].v[k] + half;
        x[3 * k + 2] = NAN;
        y[3 * k] = y[3 * k + 1] = a[3].v[k];
        y[3 * k + 2] = NAN;
    }
    if (st == PL_OK && nw)
        st = pl_axes_line(ax, x, y, 3 * nw, &(pl_style){.color = PL_ORANGE, .width = 2.5}, err);
    pl_free(x);
    pl_free(y);
    return st;
}

static pl_status draw_base_pages(ephys_sweep_pages *g, const char *dir, pl_pdf *doc, ephys_page_array *arr,
                                 pl_error *err)
{
    size_t total = ephys_pages_count(g, false), pages = (total + EPHYS_BASE_PER_PAGE - 1) / EPHYS_BASE_PER_PAGE;
    pl_status st = ephys_pages_rewind(g, false, err);
    for (size_t pg = 0, r = 0; st == PL_OK && pg < pages; pg++) {
        char title[200], name[64];
        snprintf(title, sizeof title,
                 "Savitzky-Golay baselines (%zu of %zu): raw (grey), filtered (blue), 25 ms window means (orange)",
                 pg + 1, pages);
        pl_figure_spec spec = {.width_in = 14,
                               .height_in = 10,
                               .dpi = 100,
                               .rows = EPHYS_BASE_ROWS,
                               .cols = EPHYS_BASE_COLS,
                               .title = title};
        pl_figure *f = NULL;
        st = pl_figure_new(&spec, &f, err);
        for (int k = 0; st == PL_OK && k < EPHYS_BASE_PER_PAGE; k++) {
            pl_axes *ax = pl_figure_panel(f, k / EPHYS_BASE_COLS, k % EPHYS_BASE_COLS);
            if (r >= total) {
                pl_axes_off(ax);
                continue;
            }
            pl_ephys_sweep s;
            size_t na = 0;
            st = ephys_pages_next(g, false, &s, arr, MAX_ARRAYS, &na, err);
            if (st == PL_OK && na != 4)
                st = pl_error_set(err, PL_EIO, NULL, "the per-sweep plots' scratch file is damaged");
            if (st == PL_OK)
                st = base_panel(ax, &s, arr, err);
            r++;
        }
        snprintf(name, sizeof name, "savgol_baselines_%02zu.png", pg + 1);
        if (st == PL_OK)
            st = save_page(f, dir, name, doc, err);
        pl_figure_free(f);
    }
    return st;
}

pl_status ephys_pages_draw(ephys_sweep_pages *g, const char *plots_dir, const char *cell, pl_pdf *doc, pl_error *err)
{
    ephys_page_array *arr = pl_calloc(MAX_ARRAYS, sizeof *arr, "per-sweep plots", err);
    if (!arr)
        return err ? err->code : PL_ENOMEM;
    pl_status st = draw_ap_pages(g, plots_dir, cell, doc, arr, err);
    if (st == PL_OK)
        st = draw_base_pages(g, plots_dir, doc, arr, err);
    for (size_t k = 0; k < MAX_ARRAYS; k++)
        pl_free(arr[k].v);
    pl_free(arr);
    return st;
}

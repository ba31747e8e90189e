/* Plots of a bundle's analysis, each a PNG in the bundle's plots/ folder and a page of summary.pdf (pages in this
 * fixed order):
 *   1 ephys_sweeps.png    kept and dropped sweeps overlaid (min/max pairs per pixel, taken while each sweep is
 *                         in memory)
 *   2 ephys_spikes.png    first spike of every spiking sweep aligned at the peak with the average of all spikes;
 *                         phase plot (dV/dt against V) of the first spike with its threshold and kink marked
 *   3 ephys_passive.png   resting potential per sweep, its histogram, the input-resistance fit, sag per sweep
 *   4 ephys_firing.png    spike frequency, threshold, width and upstroke against the injected current
 *   5 ephys_baseline.png  Savitzky-Golay filtered against raw resting potential, baseline drift
 *   then one page per spiking sweep (ap_sweep_<sweep>.png) and the Savitzky-Golay baseline pages
 *   (savgol_baselines_<k>.png), see analyze_pages*.c.
 * Memory: traces keep a few values per pixel column; the averaged waveform is one fixed-length array; the
 * per-sweep pages wait in scratch files. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ephys/analyze/analyze_internal.h"
#include "plateau/afile.h"
#include "plateau/mem.h"
#include "plateau/plot.h"

#define WAVE_PRE_MS EPHYS_WAVE_PRE_MS
#define WAVE_POST_MS EPHYS_WAVE_POST_MS
#define MAX_OVERLAY 200 /* traces per overlay panel; later sweeps are left out (noted in the title) */
#define OVERLAY_PAIRS                                                                                                  \
    600 /* min/max pairs per overlaid sweep, about one per pixel: drawing decimated traces (4                          \
           columns per pixel) of 85 sweeps took 3 s per output and 72 KB per sweep */

struct ephys_plotter {
    pl_figure *sweeps_fig, *spikes_fig;
    ephys_sweep_pages *pages;
    int kept_traces, dropped_traces, wave_traces;
    double wave_rate; /* the averaged waveform's sample rate (the first spiking sweep's) */
    size_t wave_len;
    double *wave_sum; /* sum of all spikes' waveforms at wave_rate */
    size_t wave_count;
    bool phase_done;
    int kept_seen, dropped_seen;
    double overlay_x[2 * OVERLAY_PAIRS + 2], overlay_y[2 * OVERLAY_PAIRS + 2];
};

pl_status ephys_plotter_new(const pl_ephys_params *params, ephys_plotter **out, pl_error *err)
{
    *out = NULL;
    ephys_plotter *p = pl_calloc(1, sizeof *p, "plots", err);
    if (!p)
        return err ? err->code : PL_ENOMEM;
    pl_figure_spec a = {
        .width_in = 12, .height_in = 4.5, .dpi = 100, .rows = 1, .cols = 2, .title = "Sweeps: kept and dropped"};
    pl_figure_spec b = {
        .width_in = 12, .height_in = 4.5, .dpi = 100, .rows = 1, .cols = 2, .title = "Action potentials"};
    pl_status st = pl_figure_new(&a, &p->sweeps_fig, err);
    if (st == PL_OK)
        st = pl_figure_new(&b, &p->spikes_fig, err);
    if (st == PL_OK)
        st = ephys_pages_new(params, &p->pages, err);
    if (st != PL_OK) {
        ephys_plotter_free(p);
        return st;
    }
    pl_axes_title(pl_figure_panel(p->sweeps_fig, 0, 0), "kept sweeps");
    pl_axes_title(pl_figure_panel(p->sweeps_fig, 0, 1), "dropped sweeps");
    for (int c = 0; c < 2; c++)
        pl_axes_labels(pl_figure_panel(p->sweeps_fig, 0, c), "Time from sweep start (s)", "Membrane potential (mV)");
    pl_axes_title(pl_figure_panel(p->spikes_fig, 0, 0), "first spike per sweep (grey), mean of all (black)");
    pl_axes_labels(pl_figure_panel(p->spikes_fig, 0, 0), "Time from peak (ms)", "Membrane potential (mV)");
    pl_axes_title(pl_figure_panel(p->spikes_fig, 0, 1), "phase plot of the first spike");
    pl_axes_labels(pl_figure_panel(p->spikes_fig, 0, 1), "Membrane potential (mV)", "dV/dt (mV/ms)");
    *out = p;
    return PL_OK;
}

void ephys_plotter_free(ephys_plotter *p)
{
    if (!p)
        return;
    pl_figure_free(p->sweeps_fig);
    pl_figure_free(p->spikes_fig);
    ephys_pages_free(p->pages);
    pl_free(p->wave_sum);
    pl_free(p);
}

static pl_status add_waveforms(ephys_plotter *p, const pl_ephys_sweep *s, const double *v, size_t n,
                               const pl_ephys_spike *spikes, pl_error *err)
{
    double rate = s->rate_Hz;
    size_t pre = (size_t)lround(WAVE_PRE_MS * rate / 1000.0), post = (size_t)lround(WAVE_POST_MS * rate / 1000.0);
    if (!p->wave_sum) {
        p->wave_rate = rate;
        p->wave_len = pre + post + 1;
        p->wave_sum = pl_calloc(p->wave_len, sizeof *p->wave_sum, "averaged spike waveform", err);
        if (!p->wave_sum)
            return err ? err->code : PL_ENOMEM;
    }
    pl_axes *ax = pl_figure_panel(p->spikes_fig, 0, 0);
    for (size_t k = 0; k < s->n_spikes; k++) {
        size_t at = spikes[k].i_peak;
        if (at < pre || at + post >= n)
            continue;
        if (rate == p->wave_rate) {
            for (size_t j = 0; j < p->wave_len; j++)
                p->wave_sum[j] += v[at - pre + j];
            p->wave_count++;
        }
        if (k == 0 && p->wave_traces < MAX_OVERLAY) {
            pl_trace *tr;
            pl_status st =
                pl_trace_new(ax, -WAVE_PRE_MS, WAVE_POST_MS, &(pl_style){.color = PL_ALPHA(PL_GREY, 0.5)}, &tr, err);
            if (st == PL_OK)
                st = pl_trace_feed(tr, -(double)pre * 1000.0 / rate, 1000.0 / rate, v + at - pre, pre + post + 1, err);
            if (st != PL_OK)
                return st;
            p->wave_traces++;
        }
    }
    if (!p->phase_done && s->n_spikes > 0) { /* phase plot of the first spike, threshold and kink marked */
        const pl_ephys_spike *sp = &spikes[0];
        size_t from = sp->i_threshold > pre ? sp->i_threshold - pre / 3 : 0,
               to = sp->i_trough < n ? sp->i_trough : n - 1;
        size_t len = to > from ? to - from + 1 : 0;
        double *dv = pl_alloc((len ? len : 1) * sizeof *dv, "phase plot", err);
        if (!dv)
            return err ? err->code : PL_ENOMEM;
        double ms = 1000.0 / rate;
        for (size_t j = 0; j < len; j++) {
            size_t i = from + j;
            dv[j] = (i == 0 || i + 1 >= n) ? 0.0 : (v[i + 1] - v[i - 1]) / (2.0 * ms);
        }
        pl_axes *ph = pl_figure_panel(p->spikes_fig, 0, 1);
        pl_status st = pl_axes_line(ph, v + from, dv, len, NULL, err);
        double tx = sp->threshold_mV, ty = v[sp->i_threshold + 1] - v[sp->i_threshold - 1];
        ty /= 2.0 * ms;
        if (st == PL_OK)
            st = pl_axes_line(
                ph, &tx, &ty, 1,
                &(pl_style){.color = PL_RED, .dash = PL_NOLINE, .marker = PL_MARK_CIRCLE, .label = "threshold"}, err);
        if (st == PL_OK && sp->kink_count > 0) {
            size_t ki = sp->i_upstroke - (size_t)lround(sp->kink_interval_ms * rate / 1000.0);
            double kx = v[ki], ky = sp->kink_height_mV_ms;
            st = pl_axes_line(
                ph, &kx, &ky, 1,
                &(pl_style){.color = PL_ORANGE, .dash = PL_NOLINE, .marker = PL_MARK_TRIANGLE, .label = "kink"}, err);
        }
        pl_free(dv);
        if (st != PL_OK)
            return st;
        char title[96];
        snprintf(title, sizeof title, "phase plot, sweep %d spike 0 (%s)", s->sweep,
                 sp->kink_count ? "kink" : "no kink");
        pl_axes_title(ph, title);
        p->phase_done = true;
    }
    return PL_OK;
}

pl_status ephys_plotter_sweep(ephys_plotter *p, const pl_ephys_sweep *s, const double *v, size_t n,
                              const pl_ephys_spike *spikes, pl_error *err)
{
    if (!p || n < 2 || !(s->rate_Hz > 0))
        return PL_OK;
    int *count = s->valid ? &p->kept_traces : &p->dropped_traces;
    (*(s->valid ? &p->kept_seen : &p->dropped_seen))++;
    if (*count < MAX_OVERLAY) { /* the sweep as min/max pairs, a small line series */
        pl_axes *ax = pl_figure_panel(p->sweeps_fig, 0, s->valid ? 0 : 1);
        size_t k = n > 2 * OVERLAY_PAIRS ? (n + OVERLAY_PAIRS - 1) / OVERLAY_PAIRS : 1, m = n;
        double dt = 1.0 / s->rate_Hz, *y = p->overlay_y;
        if (k > 1)
            m = ephys_reduce(v, n, k, y);
        else
            y = (double *)v;
        for (size_t i = 0; i < m; i++)
            p->overlay_x[i] = (double)i * dt * (double)k / (k > 1 ? 2.0 : 1.0);
        pl_status st = pl_axes_line(ax, p->overlay_x, y, m, &(pl_style){.width = 0.8}, err);
        if (st != PL_OK)
            return st;
        (*count)++;
    }
    if (!s->valid)
        return PL_OK;
    pl_status st = ephys_pages_add(p->pages, s, v, n, spikes, err);
    return st == PL_OK && s->n_spikes ? add_waveforms(p, s, v, n, spikes, err) : st;
}

/* Points (x, y) of kept sweeps with both values finite; arrays of n. Returns how many. */
static size_t points(const pl_ephys_sweep *sw, size_t n, size_t xoff, size_t yoff, double *x, double *y)
{
    size_t m = 0;
    for (size_t k = 0; k < n; k++) {
        if (!sw[k].valid)
            continue;
        double a = xoff == (size_t)-1 ? (double)sw[k].sweep : *(const double *)((const char *)&sw[k] + xoff);
        double b = *(const double *)((const char *)&sw[k] + yoff);
        if (isfinite(a) && isfinite(b)) {
            x[m] = a;
            y[m] = b;
            m++;
        }
    }
    return m;
}
#define OFF(f) offsetof(pl_ephys_sweep, f)
#define BY_SWEEP ((size_t)-1)

static pl_status scatter(pl_axes *ax, const pl_ephys_sweep *sw, size_t n, size_t xoff, size_t yoff, double *x,
                         double *y, const char *label, pl_error *err)
{
    size_t m = points(sw, n, xoff, yoff, x, y);
    return pl_axes_line(ax, x, y, m, &(pl_style){.marker = PL_MARK_CIRCLE, .dash = PL_NOLINE, .label = label}, err);
}

static pl_status passive_figure(pl_figure *f, const pl_ephys_sweep *sw, size_t n, const pl_ephys_cell *c, double *x,
                                double *y, pl_error *err)
{
    pl_axes *a = pl_figure_panel(f, 0, 0), *b = pl_figure_panel(f, 0, 1), *r = pl_figure_panel(f, 1, 0),
            *s = pl_figure_panel(f, 1, 1);
    pl_axes_title(a, "resting potential per sweep");
    pl_axes_labels(a, "Sweep", "RMP (mV)");
    pl_status st = scatter(a, sw, n, BY_SWEEP, OFF(rmp_mV), x, y, NULL, err);
    if (st == PL_OK && isfinite(c->grand_rmp_mV))
        st = pl_axes_hline(a, c->grand_rmp_mV, &(pl_style){.color = PL_BLACK, .dash = PL_DASHED, .label = "mean"}, err);
    pl_axes_title(b, "resting potential histogram");
    pl_axes_labels(b, "RMP (mV)", "Sweeps");
    size_t m = points(sw, n, BY_SWEEP, OFF(rmp_mV), x, y);
    if (st == PL_OK)
        st = pl_axes_hist(b, y, m, 20, 0, 0, NULL, err);
    char title[128];
    snprintf(title, sizeof title, "input resistance %.1f M\u03a9 (r = %.3f, %d sweeps)", c->input_resistance_MOhm,
             c->input_resistance_r, c->rin_n);
    pl_axes_title(r, title);
    pl_axes_labels(r, "Mean current in the step (pA)", "Mean potential in the step (mV)");
    if (st == PL_OK && c->rin_n > 0)
        st = pl_axes_line(r, c->rin_current_pA, c->rin_voltage_mV, (size_t)c->rin_n,
                          &(pl_style){.marker = PL_MARK_CIRCLE, .dash = PL_NOLINE, .label = "sweeps"}, err);
    if (st == PL_OK && c->rin_n > 1 && isfinite(c->input_resistance_MOhm)) {
        double lo = c->rin_current_pA[0], hi = lo, my = 0, mx = 0;
        for (int k = 0; k < c->rin_n; k++) {
            lo = fmin(lo, c->rin_current_pA[k]);
            hi = fmax(hi, c->rin_current_pA[k]);
            mx += c->rin_current_pA[k] / c->rin_n;
            my += c->rin_voltage_mV[k] / c->rin_n;
        }
        double slope = c->input_resistance_MOhm / 1000.0, lx[2] = {lo, hi};
        double ly[2] = {my + slope * (lo - mx), my + slope * (hi - mx)};
        st = pl_axes_line(r, lx, ly, 2, &(pl_style){.color = PL_BLACK, .label = "least squares"}, err);
    }
    pl_axes_title(s, "sag per hyperpolarising sweep");
    pl_axes_labels(s, "Injected current (pA)", "Sag (mV)");
    if (st == PL_OK)
        st = scatter(s, sw, n, OFF(injected_current_pA), OFF(sag_mV), x, y, NULL, err);
    return st;
}

static pl_status firing_figure(pl_figure *f, const pl_ephys_sweep *sw, size_t n, const pl_ephys_cell *c, double *x,
                               double *y, pl_error *err)
{
    static const struct {
        const char *title, *ylabel;
        size_t off;
    } panels[4] = {
        {"spike frequency (F-I)", "Frequency (Hz)", OFF(spike_frequency_Hz)},
        {"mean threshold", "Threshold (mV)", OFF(avg_threshold_mV)},
        {"mean width at half height", "Width (ms)", OFF(avg_width_ms)},
        {"mean upstroke", "Upstroke (mV/ms)", OFF(avg_upstroke_mV_ms)},
    };
    pl_status st = PL_OK;
    for (int k = 0; k < 4 && st == PL_OK; k++) {
        pl_axes *ax = pl_figure_panel(f, k / 2, k % 2);
        pl_axes_title(ax, panels[k].title);
        pl_axes_labels(ax, "Injected current (pA)", panels[k].ylabel);
        st = scatter(ax, sw, n, OFF(injected_current_pA), panels[k].off, x, y, NULL, err);
        if (st == PL_OK && k == 0 && isfinite(c->rheobase_pA))
            st = pl_axes_vline(ax, c->rheobase_pA, &(pl_style){.color = PL_RED, .dash = PL_DASHED, .label = "rheobase"},
                               err);
    }
    return st;
}

static pl_status baseline_figure(pl_figure *f, const pl_ephys_sweep *sw, size_t n, double *x, double *y, pl_error *err)
{
    pl_axes *a = pl_figure_panel(f, 0, 0), *b = pl_figure_panel(f, 0, 1);
    pl_axes_title(a, "resting potential: raw and Savitzky-Golay filtered");
    pl_axes_labels(a, "Sweep", "RMP (mV)");
    pl_status st = scatter(a, sw, n, BY_SWEEP, OFF(rmp_mV), x, y, "raw", err);
    size_t m = points(sw, n, BY_SWEEP, OFF(filtered_rmp_mV), x, y); /* crosses: raw and filtered often coincide */
    if (st == PL_OK)
        st =
            pl_axes_line(a, x, y, m, &(pl_style){.marker = PL_MARK_CROSS, .dash = PL_NOLINE, .label = "filtered"}, err);
    pl_axes_title(b, "baseline drift (range of the 25 ms window means)");
    pl_axes_labels(b, "Sweep", "Drift range (mV)");
    m = points(sw, n, BY_SWEEP, OFF(drift_range_mV), x, y);
    if (st == PL_OK && m)
        st = pl_axes_line(b, x, y, m, &(pl_style){.marker = PL_MARK_CIRCLE, .dash = PL_NOLINE}, err);
    else if (st == PL_OK) { /* a panel that says why it is empty */
        pl_axes_off(b);
        st = pl_axes_text(b, PL_LOC_UPPER_LEFT,
                          "No drift: every baseline is shorter than\ntwo 25 ms windows (see the baseline pages).", err);
    }
    return st;
}

static pl_status save(pl_figure *f, const char *dir, const char *name, pl_pdf *doc, pl_error *err)
{
    char path[PL_PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    pl_status st = pl_figure_save(f, path, err);
    return st == PL_OK ? pl_pdf_add(doc, f, err) : st;
}

pl_status ephys_plotter_finish(ephys_plotter *p, const char *dir, const pl_ephys_sweep *sw, size_t n,
                               const ephys_cell_info *info, int *pages, pl_error *err)
{
    double *x = pl_alloc((n ? n : 1) * sizeof *x, "plot points", err),
           *y = pl_alloc((n ? n : 1) * sizeof *y, "plot points", err);
    pl_figure *passive = NULL, *firing = NULL, *baseline = NULL;
    pl_pdf *doc = NULL;
    pl_adir plots = {0};
    char path[PL_PATH_MAX];
    *pages = 0;
    pl_status st = x && y ? PL_OK : (err ? err->code : PL_ENOMEM);
    if (st == PL_OK && p->wave_count > 0) { /* the averaged spike on top of the overlays */
        for (size_t j = 0; j < p->wave_len; j++)
            p->wave_sum[j] /= (double)p->wave_count;
        pl_trace *tr;
        size_t pre = (size_t)lround(WAVE_PRE_MS * p->wave_rate / 1000.0);
        st = pl_trace_new(pl_figure_panel(p->spikes_fig, 0, 0), -WAVE_PRE_MS, WAVE_POST_MS,
                          &(pl_style){.color = PL_BLACK, .width = 2}, &tr, err);
        if (st == PL_OK)
            st = pl_trace_feed(tr, -(double)pre * 1000.0 / p->wave_rate, 1000.0 / p->wave_rate, p->wave_sum,
                               p->wave_len, err);
    }
    char title[160];
    snprintf(title, sizeof title, "Passive properties: %s", info->cell ? info->cell : "");
    pl_figure_spec two_by_two = {.width_in = 12, .height_in = 8, .dpi = 100, .rows = 2, .cols = 2, .title = title};
    if (st == PL_OK)
        st = pl_figure_new(&two_by_two, &passive, err);
    if (st == PL_OK)
        st = passive_figure(passive, sw, n, info->cell_values, x, y, err);
    two_by_two.title = "Firing against injected current";
    if (st == PL_OK)
        st = pl_figure_new(&two_by_two, &firing, err);
    if (st == PL_OK)
        st = firing_figure(firing, sw, n, info->cell_values, x, y, err);
    pl_figure_spec one_by_two = {
        .width_in = 12, .height_in = 4.5, .dpi = 100, .rows = 1, .cols = 2, .title = "Savitzky-Golay baseline"};
    if (st == PL_OK)
        st = pl_figure_new(&one_by_two, &baseline, err);
    if (st == PL_OK)
        st = baseline_figure(baseline, sw, n, x, y, err);
    snprintf(path, sizeof path, "%s/plots", dir);
    if (st == PL_OK) /* the whole folder is replaced: no per-sweep file of an earlier analysis stays behind */
        st = pl_adir_begin(&plots, path, err);
    snprintf(path, sizeof path, "%s/summary.pdf", dir);
    if (st == PL_OK)
        st = pl_pdf_open(path, &doc, err);
    const char *pd = plots.tmp_path;
    for (int c = 0; c < 2; c++) { /* how many sweeps each overlay holds */
        int drawn = c ? p->dropped_traces : p->kept_traces, seen = c ? p->dropped_seen : p->kept_seen;
        char t[96];
        if (drawn < seen)
            snprintf(t, sizeof t, "%s sweeps: the first %d of %d", c ? "dropped" : "kept", drawn, seen);
        else
            snprintf(t, sizeof t, "%s sweeps (%d)", c ? "dropped" : "kept", seen);
        pl_axes *ax = pl_figure_panel(p->sweeps_fig, 0, c);
        pl_axes_title(ax, t);
        if (seen == 0 && st == PL_OK) { /* say so rather than show empty axes */
            pl_axes_off(ax);
            st = pl_axes_text(ax, PL_LOC_UPPER_LEFT, c ? "No sweep was dropped." : "No sweep was kept.", err);
        }
    }
    if (st == PL_OK)
        st = save(p->sweeps_fig, pd, "ephys_sweeps.png", doc, err);
    if (st == PL_OK)
        st = save(p->spikes_fig, pd, "ephys_spikes.png", doc, err);
    if (st == PL_OK)
        st = save(passive, pd, "ephys_passive.png", doc, err);
    if (st == PL_OK)
        st = save(firing, pd, "ephys_firing.png", doc, err);
    if (st == PL_OK)
        st = save(baseline, pd, "ephys_baseline.png", doc, err);
    if (st == PL_OK)
        st = ephys_pages_draw(p->pages, pd, info->cell, doc, err);
    if (st == PL_OK)
        *pages = pl_pdf_pages(doc);
    if (st == PL_OK)
        st = pl_pdf_close(doc, err);
    else
        pl_pdf_abort(doc);
    if (st == PL_OK)
        st = pl_adir_commit(&plots, true, err);
    else if (plots.open)
        pl_adir_abort(&plots);
    static const char *const old_layout[] = {"ephys_sweeps.png",  "ephys_spikes.png", "ephys_ap_sweeps.png",
                                             "ephys_passive.png", "ephys_firing.png", "ephys_baseline.png"};
    for (size_t k = 0; st == PL_OK && k < sizeof old_layout / sizeof *old_layout; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, old_layout[k]); /* plots of earlier versions sat in the bundle */
        remove(path);
    }
    pl_figure_free(passive);
    pl_figure_free(firing);
    pl_figure_free(baseline);
    pl_free(x);
    pl_free(y);
    return st;
}

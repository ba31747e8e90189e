/* The per-sweep pages of the plots (one AP figure per spiking sweep, Savitzky-Golay baselines), recorded while each
 * sweep is in memory and drawn at the end (analyze_pages_draw.c) so that summary.pdf keeps a fixed page order.
 * Memory stays bounded however many sweeps there are: what a page shows is reduced to a few thousand points
 * (minimum and maximum per bin of samples, in the order they occur, so no peak is averaged away) and written to
 * scratch files; at the end one record at a time is read back. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ephys/analyze/analyze_internal.h"
#include "ephys/sweep/sweep_internal.h"
#include "plateau/dsp.h"
#include "plateau/mem.h"

/* Points kept of each trace: pairs of (min, max), a little more than one pair per pixel of its panel (the step
 * panel is about 800 pixels wide, a baseline panel 400, the waveform panel 330). Finer traces made drawing the
 * pages (PNG and PDF paths) the largest cost of the analysis without a visible difference. */
#define TRACE_PAIRS 1200
#define BASE_PAIRS 400
#define WAVE_PAIRS 150
#define PHASE_MAX 4000 /* samples of the phase plot (threshold - 1 ms to the fast trough) */

struct ephys_sweep_pages {
    pl_ephys_params params;
    FILE *ap, *base; /* records of spiking sweeps and of sweeps with a Savitzky-Golay baseline */
    size_t ap_count, base_count;
    double *buf; /* reduction and filter scratch */
    size_t cap;
};

pl_status ephys_pages_new(const pl_ephys_params *params, ephys_sweep_pages **out, pl_error *err)
{
    *out = NULL;
    ephys_sweep_pages *g = pl_calloc(1, sizeof *g, "per-sweep plots", err);
    if (!g)
        return err ? err->code : PL_ENOMEM;
    g->params = *params;
    g->ap = tmpfile();
    g->base = tmpfile();
    if (!g->ap || !g->base) {
        ephys_pages_free(g);
        return pl_error_set(err, PL_EIO, NULL, "cannot create a scratch file for the per-sweep plots");
    }
    *out = g;
    return PL_OK;
}

void ephys_pages_free(ephys_sweep_pages *g)
{
    if (!g)
        return;
    if (g->ap)
        fclose(g->ap);
    if (g->base)
        fclose(g->base);
    pl_free(g->buf);
    pl_free(g);
}

size_t ephys_pages_count(const ephys_sweep_pages *g, bool ap)
{
    return g ? (ap ? g->ap_count : g->base_count) : 0;
}

static pl_status grow(ephys_sweep_pages *g, size_t n, pl_error *err)
{
    if (n <= g->cap)
        return PL_OK;
    double *b = pl_realloc(g->buf, n * sizeof *b, "per-sweep plots", err);
    if (!b)
        return err ? err->code : PL_ENOMEM;
    g->buf = b;
    g->cap = n;
    return PL_OK;
}

/* One array of a record: its first x, its x step and n values. */
static bool put(FILE *f, double x0, double step, const double *v, size_t n)
{
    ephys_page_array h = {x0, step, (uint64_t)n, NULL, 0};
    return fwrite(&h, offsetof(ephys_page_array, v), 1, f) == 1 && fwrite(v, sizeof *v, n, f) == n;
}

size_t ephys_reduce(const double *v, size_t n, size_t k, double *out)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i += k) {
        size_t e = i + k < n ? i + k : n, lo = i, hi = i;
        for (size_t j = i + 1; j < e; j++) {
            lo = v[j] < v[lo] ? j : lo;
            hi = v[j] > v[hi] ? j : hi;
        }
        out[m++] = v[lo < hi ? lo : hi];
        out[m++] = v[lo < hi ? hi : lo];
    }
    return m;
}

/* v[0..n) sampled every dt from x0, reduced to at most 2 * pairs points (written into out when reduced). */
static bool put_reduced(FILE *f, double x0, double dt, const double *v, size_t n, size_t pairs, double *out)
{
    if (n <= 2 * pairs)
        return put(f, x0, dt, v, n);
    size_t k = (n + pairs - 1) / pairs, m = ephys_reduce(v, n, k, out);
    return put(f, x0, dt * (double)k / 2.0, out, m);
}

static bool put_head(FILE *f, const pl_ephys_sweep *s, uint32_t arrays)
{
    return fwrite(s, sizeof *s, 1, f) == 1 && fwrite(&arrays, sizeof arrays, 1, f) == 1;
}

/* dV/dt in mV/ms by central differences (numpy.gradient inside the sweep) at sample i. */
static double dvdt_at(const double *v, size_t n, size_t i, double rate)
{
    if (i == 0 || i + 1 >= n)
        return NAN;
    return (v[i + 1] - v[i - 1]) * rate / 2000.0;
}

/* AP record: 0 the step +- 50 ms; 1-6 thresholds, peaks, fast troughs (times in s, mV); 7-8 the first spike's
 * phase plot (mV, mV/ms); 9 its markers (threshold, upstroke, kink: mV and mV/ms each); 10.. spike waveforms
 * aligned at the peak (x in ms), at most EPHYS_PAGE_WAVES of them, evenly spread over the sweep. */
static pl_status add_ap(ephys_sweep_pages *g, const pl_ephys_sweep *s, const double *v, size_t n,
                        const pl_ephys_spike *sp, pl_error *err)
{
    double rate = s->rate_Hz, dt = 1.0 / rate;
    size_t ns = s->n_spikes, margin = (size_t)lround(0.05 * rate), ss = s->i_stimulus_start, se = s->i_stimulus_end;
    size_t from = ss > margin ? ss - margin : 0, to = se + margin < n ? se + margin : n - 1;
    size_t pre = (size_t)lround(EPHYS_WAVE_PRE_MS * rate / 1000.0),
           post = (size_t)lround(EPHYS_WAVE_POST_MS * rate / 1000.0);
    size_t need = 2 * TRACE_PAIRS + 6 * ns + PHASE_MAX + 2 * WAVE_PAIRS + 16;
    pl_status st = grow(g, need, err);
    if (st != PL_OK)
        return st;
    size_t waves = 0, pick[EPHYS_PAGE_WAVES];
    for (size_t k = 0; k < EPHYS_PAGE_WAVES && k < ns; k++) {
        size_t i = ns <= EPHYS_PAGE_WAVES ? k : k * ns / EPHYS_PAGE_WAVES;
        if (sp[i].i_peak >= pre && sp[i].i_peak + post < n)
            pick[waves++] = i;
    }
    double *m = g->buf + 2 * TRACE_PAIRS; /* markers: 6 arrays of ns */
    for (size_t k = 0; k < ns; k++) {
        m[k] = (double)sp[k].i_threshold * dt;
        m[ns + k] = v[sp[k].i_threshold];
        m[2 * ns + k] = (double)sp[k].i_peak * dt;
        m[3 * ns + k] = v[sp[k].i_peak];
        m[4 * ns + k] = (double)sp[k].i_trough * dt;
        m[5 * ns + k] = v[sp[k].i_trough];
    }
    const pl_ephys_spike *f = &sp[0];
    size_t back = (size_t)lround(rate / 1000.0), p0 = f->i_threshold > back ? f->i_threshold - back : 1;
    size_t p1 = f->i_trough < n - 1 ? f->i_trough : n - 2;
    if (p1 < p0)
        p1 = p0;
    if (p1 - p0 + 1 > PHASE_MAX)
        p1 = p0 + PHASE_MAX - 1;
    size_t plen = p1 - p0 + 1;
    double *ph = m + 6 * ns, marks[6] = {v[f->i_threshold],
                                         dvdt_at(v, n, f->i_threshold, rate),
                                         v[f->i_upstroke],
                                         dvdt_at(v, n, f->i_upstroke, rate),
                                         NAN,
                                         NAN};
    for (size_t j = 0; j < plen; j++)
        ph[j] = dvdt_at(v, n, p0 + j, rate);
    size_t back_k = (size_t)lround(f->kink_interval_ms * rate / 1000.0);
    if (f->kink_count > 0 && back_k <= f->i_upstroke) {
        marks[4] = v[f->i_upstroke - back_k];
        marks[5] = dvdt_at(v, n, f->i_upstroke - back_k, rate);
    }
    FILE *o = g->ap;
    bool ok = put_head(o, s, 10 + (uint32_t)waves) &&
              put_reduced(o, (double)from * dt, dt, v + from, to - from + 1, TRACE_PAIRS, g->buf);
    for (int a = 0; ok && a < 6; a++)
        ok = put(o, 0, 0, m + (size_t)a * ns, ns);
    ok = ok && put(o, 0, 0, v + p0, plen) && put(o, 0, 0, ph, plen) && put(o, 0, 0, marks, 6);
    double *wbuf = ph + plen;
    for (size_t k = 0; ok && k < waves; k++)
        ok = put_reduced(o, -(double)pre * 1000.0 * dt, 1000.0 * dt, v + sp[pick[k]].i_peak - pre, pre + post + 1,
                         WAVE_PAIRS, wbuf);
    if (!ok)
        return pl_error_set(err, PL_EIO, NULL, "cannot write the per-sweep plots' scratch file (disk full?)");
    g->ap_count++;
    return PL_OK;
}

/* Baseline record: 0 the raw baseline, 1 its Savitzky-Golay filtered trace (x in ms from the sweep start),
 * 2-3 the window means (centre ms, mV; the x step of 2 holds the window length in ms). */
static pl_status add_base(ephys_sweep_pages *g, const pl_ephys_sweep *s, const double *v, pl_error *err)
{
    const pl_ephys_params *p = &g->params;
    size_t bs = s->i_baseline_start, len = s->i_baseline_end - bs + 1;
    double rate = s->rate_Hz, ms = 1000.0 / rate;
    size_t wlen = ephys_samples(p->mean_window_ms, rate), nw = wlen ? len / wlen : 0;
    pl_status st = grow(g, len + 2 * BASE_PAIRS + 2 * nw + 2, err);
    if (st != PL_OK)
        return st;
    double *filt = g->buf, *red = filt + len, *mt = red + 2 * BASE_PAIRS, *mv = mt + nw;
    if ((st = pl_savgol(v + bs, len, s->savgol_window, p->savgol_polyorder, filt, err)) != PL_OK)
        return st;
    for (size_t k = 0; k < nw; k++) {
        mt[k] = ((double)(bs + k * wlen) + 0.5 * (double)wlen) * ms;
        mv[k] = ephys_mean(filt, k * wlen, (k + 1) * wlen - 1);
    }
    FILE *o = g->base;
    double x0 = (double)bs * ms;
    bool ok = put_head(o, s, 4) && put_reduced(o, x0, ms, v + bs, len, BASE_PAIRS, red) &&
              put_reduced(o, x0, ms, filt, len, BASE_PAIRS, red) && put(o, 0, (double)wlen * ms, mt, nw) &&
              put(o, 0, 0, mv, nw);
    if (!ok)
        return pl_error_set(err, PL_EIO, NULL, "cannot write the per-sweep plots' scratch file (disk full?)");
    g->base_count++;
    return PL_OK;
}

pl_status ephys_pages_add(ephys_sweep_pages *g, const pl_ephys_sweep *s, const double *v, size_t n,
                          const pl_ephys_spike *spikes, pl_error *err)
{
    if (!g || !s->valid || n < 3 || !(s->rate_Hz > 0))
        return PL_OK;
    pl_status st = s->n_spikes ? add_ap(g, s, v, n, spikes, err) : PL_OK;
    if (st == PL_OK && s->savgol_window > 0 && s->i_baseline_end < n)
        st = add_base(g, s, v, err);
    return st;
}

pl_status ephys_pages_rewind(ephys_sweep_pages *g, bool ap, pl_error *err)
{
    FILE *f = ap ? g->ap : g->base;
    if (fflush(f) != 0 || fseek(f, 0, SEEK_SET) != 0)
        return pl_error_set(err, PL_EIO, NULL, "cannot read back the per-sweep plots' scratch file");
    return PL_OK;
}

/* The next record: the sweep and its arrays (each array's values in a buffer of its own, reused). */
pl_status ephys_pages_next(ephys_sweep_pages *g, bool ap, pl_ephys_sweep *s, ephys_page_array *arr, size_t max,
                           size_t *n_arr, pl_error *err)
{
    FILE *f = ap ? g->ap : g->base;
    uint32_t count = 0;
    if (fread(s, sizeof *s, 1, f) != 1 || fread(&count, sizeof count, 1, f) != 1 || count > max)
        return pl_error_set(err, PL_EIO, NULL, "cannot read back the per-sweep plots' scratch file");
    for (uint32_t a = 0; a < count; a++) {
        ephys_page_array *x = &arr[a];
        if (fread(x, offsetof(ephys_page_array, v), 1, f) != 1 || x->n > ((size_t)1 << 28))
            return pl_error_set(err, PL_EIO, NULL, "cannot read back the per-sweep plots' scratch file");
        if (x->n > x->cap) {
            double *nv = pl_realloc(x->v, (size_t)x->n * sizeof *nv, "per-sweep plots", err);
            if (!nv)
                return err ? err->code : PL_ENOMEM;
            x->v = nv;
            x->cap = (size_t)x->n;
        }
        if (fread(x->v, sizeof *x->v, (size_t)x->n, f) != x->n)
            return pl_error_set(err, PL_EIO, NULL, "cannot read back the per-sweep plots' scratch file");
    }
    *n_arr = count;
    return PL_OK;
}

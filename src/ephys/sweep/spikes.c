/* Steps 5 and 6: action potentials inside the stimulus window, their per-spike features in true units (mV, ms,
 * mV/ms) and the per-sweep summary (rates, ISI statistics, 50 ms bins, adaptation, kink). */
#include <math.h>
#include <string.h>

#include "ephys/sweep/sweep_internal.h"
#include "plateau/dsp.h"
#include "plateau/mem.h"

/* Kink: a two-component onset shows as a dip of the acceleration of dV/dt while dV/dt is still rising. Between the
 * first sample at kink_start_fraction of the maximum (s0) and the upstroke, the deepest interior local minimum of
 * the acceleration (forward difference of dV/dt, mV/ms^2) is a kink when dV/dt there is at least kink_min_ratio of
 * the maximum, the acceleration dropped by kink_min_depth of its largest value since s0, and the upstroke follows at
 * least kink_min_interval_ms later. count = 1 when a kink passes (as the original reports); height = dV/dt at the
 * kink; slope = least-squares slope of dV/dt over s0..kink (the first component's rise, mV/ms^2). */
static void find_kink(const pl_ephys_params *p, const double *dvdt, size_t thr, size_t up, double rate,
                      pl_ephys_spike *sp)
{
    sp->kink_count = 0;
    sp->kink_interval_ms = sp->kink_ratio = sp->kink_height_mV_ms = sp->kink_slope_mV_ms2 = NAN;
    double top = dvdt[up], ms = 1000.0 / rate;
    size_t s0 = thr;
    while (s0 < up && dvdt[s0] < p->kink_start_fraction * top)
        s0++;
    if (up < s0 + 3)
        return;
#define ACC(i) ((dvdt[(i) + 1] - dvdt[(i)]) / ms)
    double best = INFINITY, acc_max = ACC(s0);
    size_t best_i = 0;
    for (size_t i = s0 + 1; i + 1 < up; i++) {
        double a = ACC(i), prev = ACC(i - 1), next = ACC(i + 1);
        if (prev > acc_max)
            acc_max = prev;
        if (!(a < prev && a <= next) || acc_max <= 0.0)
            continue;
        double ratio = dvdt[i] / top, depth = (acc_max - a) / acc_max, interval = (double)(up - i) * ms;
        if (ratio < p->kink_min_ratio || depth < p->kink_min_depth || interval < p->kink_min_interval_ms)
            continue;
        sp->kink_count = 1;
        if (a < best) {
            best = a;
            best_i = i;
        }
    }
#undef ACC
    if (!sp->kink_count)
        return;
    sp->kink_interval_ms = (double)(up - best_i) * ms;
    sp->kink_ratio = dvdt[best_i] / top;
    sp->kink_height_mV_ms = dvdt[best_i];
    double sx = 0, sy = 0, sxx = 0, sxy = 0, m = (double)(best_i - s0 + 1);
    for (size_t i = s0; i <= best_i; i++) {
        double x = (double)(i - s0) * ms;
        sx += x;
        sy += dvdt[i];
        sxx += x * x;
        sxy += x * dvdt[i];
    }
    double den = sxx - sx * sx / m;
    sp->kink_slope_mV_ms2 = den > 0.0 ? (sxy - sx * sy / m) / den : NAN;
}

/* Threshold and upstroke of the peak at pk, looking back pre_ms but not past the previous peak. Returns false
 * when the spike is too small (threshold to peak under min_threshold_to_peak_mV). */
static bool onset(const pl_ephys_params *p, const double *v, const double *dvdt, size_t pk, size_t floor_i, double rate,
                  size_t *thr_out, size_t *up_out)
{
    size_t npre = ephys_samples(p->pre_ms, rate);
    size_t a = pk > npre ? pk - npre : 0;
    if (a < floor_i)
        a = floor_i;
    size_t up = a;
    for (size_t i = a; i <= pk; i++)
        if (dvdt[i] > dvdt[up])
            up = i;
    size_t thr = a;
    while (thr < up && dvdt[thr] < p->threshold_fraction * dvdt[up])
        thr++;
    *thr_out = thr;
    *up_out = up;
    return v[pk] - v[thr] >= p->min_threshold_to_peak_mV;
}

/* Everything after the peak: downstroke before `stop` (the next peak or pk + post_ms), fast trough, height, width. */
static void repolarisation(const pl_ephys_params *p, const double *v, const double *dvdt, size_t pk, size_t stop,
                           size_t thr, double rate, pl_ephys_spike *sp)
{
    double ms = 1000.0 / rate;
    size_t down = pk + 1 <= stop ? pk + 1 : pk;
    for (size_t i = down; i <= stop; i++)
        if (dvdt[i] < dvdt[down])
            down = i;
    size_t trough = down;
    while (trough < stop && dvdt[trough] < p->fast_trough_fraction * dvdt[down])
        trough++;
    if (dvdt[trough] < p->fast_trough_fraction * dvdt[down]) { /* never recovered: take the lowest voltage */
        for (size_t i = down; i <= stop; i++)
            if (v[i] < v[trough])
                trough = i;
    }
    sp->downstroke_mV_ms = dvdt[down];
    sp->peak_to_downstroke_ms = (double)(down - pk) * ms;
    sp->fast_trough_mV = v[trough];
    sp->peak_to_trough_ms = (double)(trough - pk) * ms;
    sp->threshold_to_trough_ms = (double)(trough - thr) * ms;
    sp->height_mV = v[pk] - v[trough];
    sp->half_height_mV = v[trough] + sp->height_mV / 2.0;
    size_t rise = thr, fall = pk;
    while (rise < pk && v[rise] < sp->half_height_mV)
        rise++;
    while (fall < trough && v[fall] > sp->half_height_mV)
        fall++;
    sp->width_ms = (double)(fall - rise) * ms;
    sp->upstroke_downstroke_ratio = sp->downstroke_mV_ms != 0.0 ? fabs(sp->upstroke_mV_ms / sp->downstroke_mV_ms) : NAN;
    sp->i_downstroke = down;
    sp->i_trough = trough;
}

static pl_status push_spike(pl_ephys_work *w, size_t count, pl_error *err)
{
    if (count < w->spikes_cap)
        return PL_OK;
    size_t cap = w->spikes_cap ? 2 * w->spikes_cap : 64;
    pl_ephys_spike *s = pl_realloc(w->spikes, cap * sizeof *s, "spike list", err);
    if (!s)
        return err ? err->code : PL_ENOMEM;
    w->spikes = s;
    w->spikes_cap = cap;
    return PL_OK;
}

/* Mean of a field over the spikes, skipping NaN; NAN when none. */
static double spike_mean(const pl_ephys_spike *s, size_t n, size_t offset)
{
    double sum = 0.0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        double v = *(const double *)((const char *)&s[i] + offset);
        if (!isnan(v)) {
            sum += v;
            k++;
        }
    }
    return k ? sum / (double)k : NAN;
}
#define SPIKE_MEAN(s, n, field) spike_mean((s), (n), offsetof(pl_ephys_spike, field))

/* Coefficient of variation (population standard deviation over mean, two passes) of the ISIs of spikes
 * [from, to); ISIs from sample indices, so they are exact multiples of the sample interval. */
static double isi_cv(const pl_ephys_spike *s, size_t from, size_t to, double ms, double *mean_out)
{
    double sum = 0.0, sq = 0.0;
    size_t k = to > from + 1 ? to - from - 1 : 0;
    for (size_t i = from + 1; i < to; i++)
        sum += (double)(s[i].i_peak - s[i - 1].i_peak) * ms;
    double m = k ? sum / (double)k : NAN;
    if (mean_out)
        *mean_out = m;
    if (k < 1)
        return NAN;
    for (size_t i = from + 1; i < to; i++) {
        double d = (double)(s[i].i_peak - s[i - 1].i_peak) * ms - m;
        sq += d * d;
    }
    return sqrt(sq / (double)k) / m;
}

static double ratio_of(double a, double b)
{
    return b != 0.0 ? a / b : NAN;
}

static void summarise(const pl_ephys_params *p, const pl_ephys_spike *s, size_t n, double stim_dur_s, double ms,
                      pl_ephys_sweep *out)
{
    out->n_spikes = n;
    out->avg_peak_mV = SPIKE_MEAN(s, n, peak_mV);
    out->avg_threshold_mV = SPIKE_MEAN(s, n, threshold_mV);
    out->avg_threshold_to_peak_mV = SPIKE_MEAN(s, n, threshold_to_peak_mV);
    out->avg_threshold_to_peak_ms = SPIKE_MEAN(s, n, threshold_to_peak_ms);
    out->avg_fast_trough_mV = SPIKE_MEAN(s, n, fast_trough_mV);
    out->avg_upstroke_to_peak_ms = SPIKE_MEAN(s, n, upstroke_to_peak_ms);
    out->avg_upstroke_to_peak_mV = SPIKE_MEAN(s, n, upstroke_to_peak_mV);
    out->avg_peak_to_downstroke_ms = SPIKE_MEAN(s, n, peak_to_downstroke_ms);
    out->avg_peak_to_trough_ms = SPIKE_MEAN(s, n, peak_to_trough_ms);
    out->avg_height_mV = SPIKE_MEAN(s, n, height_mV);
    out->avg_half_height_mV = SPIKE_MEAN(s, n, half_height_mV);
    out->avg_width_ms = SPIKE_MEAN(s, n, width_ms);
    out->avg_threshold_to_trough_ms = SPIKE_MEAN(s, n, threshold_to_trough_ms);
    out->avg_upstroke_downstroke_ratio = SPIKE_MEAN(s, n, upstroke_downstroke_ratio);
    out->avg_upstroke_mV_ms = SPIKE_MEAN(s, n, upstroke_mV_ms);
    out->avg_downstroke_mV_ms = SPIKE_MEAN(s, n, downstroke_mV_ms);
    out->spike_frequency_Hz = stim_dur_s > 0.0 ? (double)n / stim_dur_s : NAN;
    out->cv_isi = isi_cv(s, 0, n, ms, &out->mean_isi_ms);
    double bin_s = p->bin_ms / 1000.0;
    int nb = bin_s > 0.0 ? (int)ceil(stim_dur_s / bin_s - 1e-9) : 0;
    out->n_bins = nb < 0 ? 0 : nb > PL_EPHYS_MAX_BINS ? PL_EPHYS_MAX_BINS : nb;
    for (int b = 0; b < PL_EPHYS_MAX_BINS; b++) {
        out->bin_count[b] = 0;
        out->bin_cv_isi[b] = NAN;
    }
    for (int b = 0, first = 0; b < out->n_bins; b++) { /* spikes are in time order: each bin is a slice */
        int last = first;
        while ((size_t)last < n && s[last].peak_ms_from_stim < (b + 1) * p->bin_ms)
            last++;
        out->bin_count[b] = last - first;
        if (last - first >= 2) /* one ISI gives 0, as in the original */
            out->bin_cv_isi[b] = isi_cv(s, (size_t)first, (size_t)last, ms, NULL);
        first = last;
    }
    out->middle_first_width = out->middle_first_threshold_to_peak = out->middle_first_fast_trough = NAN;
    out->last_first_width = out->last_first_threshold_to_peak = out->last_first_fast_trough = NAN;
    if (n >= 3) {
        const pl_ephys_spike *f = &s[0], *m = &s[n / 2], *l = &s[n - 1];
        out->middle_first_width = ratio_of(m->width_ms, f->width_ms);
        out->middle_first_threshold_to_peak = ratio_of(m->threshold_to_peak_mV, f->threshold_to_peak_mV);
        out->middle_first_fast_trough = ratio_of(m->fast_trough_mV, f->fast_trough_mV);
        out->last_first_width = ratio_of(l->width_ms, f->width_ms);
        out->last_first_threshold_to_peak = ratio_of(l->threshold_to_peak_mV, f->threshold_to_peak_mV);
        out->last_first_fast_trough = ratio_of(l->fast_trough_mV, f->fast_trough_mV);
    }
    size_t kinked = 0;
    for (size_t i = 0; i < n; i++)
        kinked += s[i].kink_count > 0;
    out->pct_spikes_with_kink = n ? 100.0 * (double)kinked / (double)n : NAN;
    out->avg_kink_interval_ms = SPIKE_MEAN(s, n, kink_interval_ms);
    out->avg_kink_ratio = SPIKE_MEAN(s, n, kink_ratio);
    out->avg_kink_height_mV_ms = SPIKE_MEAN(s, n, kink_height_mV_ms);
    out->avg_kink_slope_mV_ms2 = SPIKE_MEAN(s, n, kink_slope_mV_ms2);
}

pl_status ephys_spikes(const pl_ephys_params *p, const double *v, const double *dvdt, size_t n, double t0, double rate,
                       const ephys_windows *win, pl_ephys_work *w, pl_ephys_sweep *out, pl_error *err)
{
    size_t npre = ephys_samples(p->pre_ms, rate), npost = ephys_samples(p->post_ms, rate);
    size_t lo = win->ss > npre ? win->ss - npre : 0;
    size_t hi = win->se + npost < n ? win->se + npost : n - 1;
    size_t *pk = NULL, npk = 0;
    pl_status st = pl_find_peaks(v + lo, hi - lo + 1, p->peak_height_mV, p->prominence_mV,
                                 p->min_peak_distance_ms * rate / 1000.0, &pk, &npk, NULL, err);
    if (st != PL_OK)
        return st;
    /* Candidates inside the stimulus window with a big enough rise; thresholds first, as the downstroke of each
     * spike is searched up to the next kept one. */
    size_t count = 0, floor_i = lo;
    for (size_t k = 0; k < npk; k++) {
        size_t at = lo + pk[k], thr, up;
        if (at < win->ss || at > win->se)
            continue;
        bool big = onset(p, v, dvdt, at, floor_i, rate, &thr, &up);
        floor_i = at + 1;
        if (!big)
            continue;
        if ((st = push_spike(w, count, err)) != PL_OK) {
            pl_free(pk);
            return st;
        }
        pl_ephys_spike *sp = &w->spikes[count];
        memset(sp, 0, sizeof *sp);
        sp->index = (int)count;
        sp->i_peak = at;
        sp->i_threshold = thr;
        sp->i_upstroke = up;
        sp->t_peak_s = t0 + (double)at / rate;
        count++;
    }
    pl_free(pk);
    double ms = 1000.0 / rate;
    for (size_t k = 0; k < count; k++) {
        pl_ephys_spike *sp = &w->spikes[k];
        size_t at = sp->i_peak, thr = sp->i_threshold, up = sp->i_upstroke;
        size_t stop = k + 1 < count ? w->spikes[k + 1].i_peak : (at + npost < n ? at + npost : n - 1);
        sp->peak_mV = v[at];
        sp->threshold_mV = v[thr];
        sp->threshold_to_peak_mV = v[at] - v[thr];
        sp->threshold_to_peak_ms = (double)(at - thr) * ms;
        sp->upstroke_mV_ms = dvdt[up];
        sp->upstroke_to_peak_ms = (double)(at - up) * ms;
        sp->upstroke_to_peak_mV = v[at] - v[up];
        sp->peak_ms_from_stim = (double)(at - win->ss) * ms;
        repolarisation(p, v, dvdt, at, stop, thr, rate, sp);
        sp->t_threshold_s = t0 + (double)thr / rate;
        sp->t_fast_trough_s = t0 + (double)sp->i_trough / rate;
        sp->isi_ms = k ? (double)(at - w->spikes[k - 1].i_peak) * ms : NAN;
        find_kink(p, dvdt, thr, up, rate, sp);
    }
    summarise(p, w->spikes, count, (double)(win->se - win->ss) / rate, ms, out);
    return PL_OK;
}

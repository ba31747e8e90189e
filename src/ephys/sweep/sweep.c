/* The per-sweep analysis: classification, low-pass, cleaning, resting potential, spikes, baseline metrics, the
 * inputs of the input resistance, and sag. Works on a copy of the voltage (never the caller's raw arrays). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ephys/sweep/sweep_internal.h"
#include "plateau/dsp.h"
#include "plateau/mem.h"

double ephys_mean(const double *x, size_t from, size_t to)
{
    double s = 0.0;
    for (size_t i = from; i <= to; i++)
        s += x[i];
    return s / (double)(to - from + 1);
}

size_t ephys_samples(double ms, double rate)
{
    double k = rint(ms * rate / 1000.0);
    return k > 0.0 ? (size_t)k : 0;
}

void ephys_note(pl_ephys_sweep *out, const char *text)
{
    size_t used = strlen(out->note);
    snprintf(out->note + used, sizeof out->note - used, "%s%s", used ? "; " : "", text);
}

void pl_ephys_work_init(pl_ephys_work *w)
{
    memset(w, 0, sizeof *w);
}

void pl_ephys_work_free(pl_ephys_work *w)
{
    pl_free(w->v);
    pl_free(w->dvdt);
    pl_free(w->tmp);
    pl_free(w->spikes);
    memset(w, 0, sizeof *w);
}

static pl_status reserve(pl_ephys_work *w, size_t n, pl_error *err)
{
    if (n <= w->cap)
        return PL_OK;
    double **bufs[] = {&w->v, &w->dvdt, &w->tmp};
    for (int k = 0; k < 3; k++) {
        double *b = pl_realloc(*bufs[k], n * sizeof(double), "sweep analysis buffer", err);
        if (!b)
            return err ? err->code : PL_ENOMEM;
        *bufs[k] = b;
    }
    w->cap = n;
    return PL_OK;
}

/* Everything that is not computed stays NAN, so a dropped sweep or a sweep without spikes reads as "no value". */
static void reset(pl_ephys_sweep *out, int sweep, size_t n, double rate)
{
    memset(out, 0, sizeof *out);
    out->rate_Hz = out->stimulus_level_pA = out->baseline_start_s = out->baseline_end_s = out->stimulus_start_s =
        out->stimulus_end_s = out->rmp_mV = out->avg_peak_mV = out->avg_threshold_mV = out->avg_threshold_to_peak_mV =
            out->avg_threshold_to_peak_ms = out->avg_fast_trough_mV = out->avg_upstroke_to_peak_ms =
                out->avg_upstroke_to_peak_mV = out->avg_peak_to_downstroke_ms = out->avg_peak_to_trough_ms =
                    out->avg_height_mV = out->avg_half_height_mV = out->avg_width_ms = out->avg_threshold_to_trough_ms =
                        out->avg_upstroke_downstroke_ratio = out->avg_upstroke_mV_ms = out->avg_downstroke_mV_ms =
                            out->spike_frequency_Hz = out->mean_isi_ms = out->cv_isi = out->middle_first_width =
                                out->middle_first_threshold_to_peak = out->middle_first_fast_trough =
                                    out->last_first_width = out->last_first_threshold_to_peak =
                                        out->last_first_fast_trough = out->pct_spikes_with_kink =
                                            out->avg_kink_interval_ms = out->avg_kink_ratio =
                                                out->avg_kink_height_mV_ms = out->avg_kink_slope_mV_ms2 =
                                                    out->injected_current_pA = out->filtered_rmp_mV =
                                                        out->frequency_pre_filter_Hz = out->frequency_post_filter_Hz =
                                                            out->drift_range_mV = out->d_std_mV =
                                                                out->normalized_signal_variability =
                                                                    out->filtered_rmp_derivative_mV_s =
                                                                        out->mean_stim_current_pA =
                                                                            out->mean_stim_voltage_mV = out->sag_mV =
                                                                                out->sag_ratio = out->sag_percent =
                                                                                    out->peak_hyperpolarization_mV =
                                                                                        NAN;
    for (int b = 0; b < PL_EPHYS_MAX_BINS; b++)
        out->bin_cv_isi[b] = NAN;
    out->sweep = sweep;
    out->samples = n;
    out->rate_Hz = rate;
}

void pl_ephys_sweep_dropped(pl_ephys_sweep *out, int sweep, size_t n, double rate_Hz, const char *reason)
{
    reset(out, sweep, n, rate_Hz);
    snprintf(out->reason, sizeof out->reason, "%s", reason);
}

static pl_status lowpass(const pl_ephys_params *p, size_t n, double rate, pl_ephys_work *w, pl_ephys_sweep *out,
                         pl_error *err)
{
    if (rate < p->lowpass_min_rate_Hz)
        return PL_OK;
    double wn = p->lowpass_cutoff_Hz / (rate / 2.0), b[PL_BUTTER_MAX_ORDER + 1], a[PL_BUTTER_MAX_ORDER + 1];
    if (!(wn < 1.0)) {
        ephys_note(out, "low-pass cutoff at or above Nyquist: not filtered");
        return PL_OK;
    }
    pl_status st = pl_butter_lowpass(p->lowpass_order, wn, b, a, err);
    if (st != PL_OK)
        return st;
    if (n <= 3 * (size_t)(p->lowpass_order + 1)) {
        ephys_note(out, "sweep too short to low-pass: not filtered");
        return PL_OK;
    }
    st = pl_filtfilt(b, a, p->lowpass_order + 1, w->v, n, w->v, err);
    out->lowpass_applied = st == PL_OK;
    return st;
}

static pl_status median_clean(const pl_ephys_params *p, double rate, const ephys_windows *win, pl_ephys_work *w,
                              pl_ephys_sweep *out, pl_error *err)
{
    long k = (long)rint(p->median_kernel_ms * rate / 1000.0);
    if (k % 2 == 0)
        k++;
    if (k < 3)
        k = 3;
    size_t len = win->se - win->ss + 1;
    pl_status st = pl_medfilt(w->v + win->ss, len, (int)k, w->tmp, err);
    if (st != PL_OK)
        return st;
    memcpy(w->v + win->ss, w->tmp, len * sizeof(double));
    out->median_applied = true;
    return PL_OK;
}

static void sag(const pl_ephys_params *p, const double *v, double rate, const ephys_windows *win, pl_ephys_sweep *out)
{
    size_t nwin = ephys_samples(p->sag_window_ms, rate), gap = ephys_samples(p->sag_end_gap_ms, rate);
    size_t len = win->se - win->ss + 1;
    if (nwin < 1 || len < nwin + gap + 1)
        return;
    double vpeak = v[win->ss];
    for (size_t i = win->ss; i < win->ss + nwin; i++)
        vpeak = v[i] < vpeak ? v[i] : vpeak;
    size_t end = win->se - gap;
    double vsteady = ephys_mean(v, end - nwin, end - 1);
    out->sag_mV = vpeak - vsteady;
    out->sag_ratio = out->sag_mV / (vpeak - out->rmp_mV);
    out->sag_percent = 100.0 * out->sag_ratio;
    out->peak_hyperpolarization_mV = out->rmp_mV - vpeak;
}

static bool has_nan(const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (isnan(x[i]))
            return true;
    return false;
}

pl_status pl_ephys_analyze_sweep(const pl_ephys_params *p, int sweep, const double *i_pA, const double *v_mV, size_t n,
                                 double t0_s, double rate_Hz, pl_ephys_work *w, pl_ephys_sweep *out, pl_error *err)
{
    reset(out, sweep, n, rate_Hz);
    if (!(rate_Hz > 0.0) || !isfinite(rate_Hz))
        return pl_error_set(err, PL_EARG, NULL, "sweep %d: sampling rate %g Hz is not positive", sweep, rate_Hz);
    if (n < 8) {
        snprintf(out->reason, sizeof out->reason, "Sweep too short (%zu samples)", n);
        return PL_OK;
    }
    if (has_nan(i_pA, n) || has_nan(v_mV, n)) {
        snprintf(out->reason, sizeof out->reason, "Sweep holds NaN samples");
        return PL_OK;
    }
    pl_status st = reserve(w, n, err);
    if (st != PL_OK)
        return st;
    ephys_windows win;
    ephys_classify(p, i_pA, v_mV, n, rate_Hz, w->tmp, &win, out);
    out->baseline_start_s = t0_s + (double)win.bs / rate_Hz;
    out->baseline_end_s = t0_s + (double)win.be / rate_Hz;
    out->stimulus_start_s = t0_s + (double)win.ss / rate_Hz;
    out->stimulus_end_s = t0_s + (double)win.se / rate_Hz;
    out->i_baseline_start = win.bs;
    out->i_baseline_end = win.be;
    out->i_stimulus_start = win.ss;
    out->i_stimulus_end = win.se;
    out->injected_current_pA = rint(out->stimulus_level_pA / p->current_round_pA) * p->current_round_pA;
    if (!out->valid)
        return PL_OK;
    memcpy(w->v, v_mV, n * sizeof *w->v);
    if ((st = lowpass(p, n, rate_Hz, w, out, err)) != PL_OK)
        return st;
    if (out->stimulus_level_pA < 0.0 && (st = median_clean(p, rate_Hz, &win, w, out, err)) != PL_OK)
        return st;
    out->rmp_mV = ephys_mean(w->v, win.bs, win.be);
    pl_gradient(w->v, n, 1000.0 / rate_Hz, w->dvdt); /* mV per ms */
    if ((st = ephys_spikes(p, w->v, w->dvdt, n, t0_s, rate_Hz, &win, w, out, err)) != PL_OK)
        return st;
    if ((st = ephys_savgol_baseline(p, w->v, rate_Hz, &win, w->tmp, out, err)) != PL_OK)
        return st;
    out->mean_stim_current_pA = ephys_mean(i_pA, win.ss, win.se);
    out->mean_stim_voltage_mV = ephys_mean(w->v, win.ss, win.se);
    if (out->stimulus_level_pA < 0.0)
        sag(p, w->v, rate_Hz, &win, out);
    return PL_OK;
}

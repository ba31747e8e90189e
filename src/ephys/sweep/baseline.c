/* Step 7: Savitzky-Golay smoothing of the baseline and the drift metrics of its 25 ms window means. */
#include <math.h>
#include <stdio.h>

#include "ephys/sweep/sweep_internal.h"
#include "plateau/dsp.h"
#include "plateau/mem.h"

/* Peaks per second in x[0..len) by the spike rules (height, prominence, distance). */
static pl_status peak_rate(const pl_ephys_params *p, const double *x, size_t len, double rate, double *hz,
                           pl_error *err)
{
    size_t *pk = NULL, npk = 0;
    pl_status st = pl_find_peaks(x, len, p->peak_height_mV, p->prominence_mV, p->min_peak_distance_ms * rate / 1000.0,
                                 &pk, &npk, NULL, err);
    pl_free(pk);
    *hz = len > 1 ? (double)npk / ((double)(len - 1) / rate) : NAN;
    return st;
}

pl_status ephys_savgol_baseline(const pl_ephys_params *p, const double *v, double rate, const ephys_windows *win,
                                double *tmp, pl_ephys_sweep *out, pl_error *err)
{
    out->savgol_window = 0;
    out->filtered_rmp_mV = out->frequency_pre_filter_Hz = out->frequency_post_filter_Hz = NAN;
    out->drift_range_mV = out->d_std_mV = out->normalized_signal_variability = NAN;
    out->filtered_rmp_derivative_mV_s = NAN;
    const double *x = v + win->bs;
    size_t len = win->be - win->bs + 1;
    long window = (long)(p->savgol_window_fraction * (double)len);
    if (window % 2 == 0)
        window++;
    if ((size_t)window > len)
        window = (long)len - (len % 2 == 0);
    if (window < 5 || window <= p->savgol_polyorder) {
        char note[128];
        snprintf(note, sizeof note,
                 "baseline of %zu samples gives a Savitzky-Golay window of %ld (< 5): no baseline "
                 "metrics",
                 len, window);
        ephys_note(out, note);
        return PL_OK;
    }
    pl_status st = pl_savgol(x, len, (int)window, p->savgol_polyorder, tmp, err);
    if (st != PL_OK)
        return st;
    out->savgol_window = (int)window;
    out->filtered_rmp_mV = ephys_mean(tmp, 0, len - 1);
    if ((st = peak_rate(p, x, len, rate, &out->frequency_pre_filter_Hz, err)) != PL_OK ||
        (st = peak_rate(p, tmp, len, rate, &out->frequency_post_filter_Hz, err)) != PL_OK)
        return st;
    size_t wlen = ephys_samples(p->mean_window_ms, rate), nw = wlen ? len / wlen : 0;
    if (nw < 2)
        return PL_OK; /* drift needs two window means */
    double lo = INFINITY, hi = -INFINITY, sum = 0.0, sq = 0.0, st_sum = 0.0, st_tt = 0.0, st_ty = 0.0;
    for (size_t k = 0; k < nw; k++) {
        double m = ephys_mean(tmp, k * wlen, (k + 1) * wlen - 1), t = ((double)k + 0.5) * (double)wlen / rate;
        lo = m < lo ? m : lo;
        hi = m > hi ? m : hi;
        sum += m;
        sq += m * m;
        st_sum += t;
        st_tt += t * t;
        st_ty += t * m;
    }
    double mean = sum / (double)nw, var = sq / (double)nw - mean * mean, tm = st_sum / (double)nw;
    out->drift_range_mV = hi - lo;
    out->d_std_mV = sqrt(var > 0.0 ? var : 0.0);
    out->normalized_signal_variability = mean != 0.0 ? out->d_std_mV / fabs(mean) : NAN;
    out->filtered_rmp_derivative_mV_s = (st_ty / (double)nw - tm * mean) / (st_tt / (double)nw - tm * tm);
    return PL_OK;
}

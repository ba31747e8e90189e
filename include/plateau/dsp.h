/* plateau: signal-processing building blocks for the ephys analysis.
 *
 * Each function reproduces the documented semantics of its scipy/numpy namesake (tests compare against them):
 *   pl_butter_lowpass   scipy.signal.butter(order, wn)            (b, a) coefficients, wn relative to Nyquist
 *   pl_filtfilt         scipy.signal.filtfilt(b, a, x)            padtype='odd', padlen=3*max(len(a),len(b))
 *   pl_medfilt          scipy.signal.medfilt(x, k)                odd kernel, zero-padded edges
 *   pl_savgol           scipy.signal.savgol_filter(x, w, p)       mode='interp'
 *   pl_find_peaks       scipy.signal.find_peaks(x, height, prominence, distance)   wlen=None
 *   pl_gradient         numpy.gradient(y, dx) / numpy.gradient(y, x)   second order inside, first order at the edges
 *   pl_linregress       slope, intercept and Pearson r of a least-squares line
 *
 * NaN: filters propagate NaN as scipy does (filtfilt, savgol); pl_medfilt refuses NaN (PL_EARG: a sorted window with
 * NaN has no meaning); pl_find_peaks never reports a NaN sample as a peak (every comparison with NaN is false, as in
 * scipy). Buffers that depend on the input length go through pl_alloc. */
#ifndef PLATEAU_DSP_H
#define PLATEAU_DSP_H
#include <stddef.h>

#include "plateau/error.h"
#ifdef __cplusplus
extern "C" {
#endif

#define PL_BUTTER_MAX_ORDER 16

/* Digital Butterworth low-pass of `order` (1..16) at wn in (0, 1) (1 = Nyquist): b and a hold order+1 values each,
 * a[0] = 1. Analog prototype, prewarping, bilinear transform, zeros/poles to polynomial. */
pl_status pl_butter_lowpass(int order, double wn, double *b, double *a, pl_error *err);

/* Zero-phase forward-backward filter of x (n samples) into y (may equal x). nb = len(b) = len(a).
 * Needs n > 3*nb (scipy's padlen rule); otherwise PL_EARG. Scratch of n + 6*nb doubles via pl_alloc. */
pl_status pl_filtfilt(const double *b, const double *a, int nb, const double *x, size_t n, double *y, pl_error *err);

/* Running median with an odd kernel k >= 1, edges padded with zeros. y must not alias x. */
pl_status pl_medfilt(const double *x, size_t n, int k, double *y, pl_error *err);

/* Savitzky-Golay smoothing with an odd window (polyorder < window <= n), edges by a polynomial fit over the first
 * and last window (mode 'interp'). y must not alias x. */
pl_status pl_savgol(const double *x, size_t n, int window, int polyorder, double *y, pl_error *err);

/* Peak finding. Set height / prominence to NAN to skip that rule and distance < 1 to skip the distance rule.
 * Indices of the accepted peaks (ascending) go to *peaks (pl_alloc'd, caller pl_free's), their count to *npeaks.
 * prominences (optional, may be NULL) receives a pl_alloc'd array parallel to *peaks. */
pl_status pl_find_peaks(const double *x, size_t n, double height, double prominence, double distance, size_t **peaks,
                        size_t *npeaks, double **prominences, pl_error *err);

/* numpy.gradient on uniform spacing dx (n >= 2; n == 1 gives 0). out must not alias y. */
void pl_gradient(const double *y, size_t n, double dx, double *out);
/* numpy.gradient on sample positions x (strictly increasing). */
void pl_gradient_x(const double *y, const double *x, size_t n, double *out);

/* Least-squares line y = slope*x + intercept and Pearson r. Fewer than 2 points or constant x gives NAN values. */
void pl_linregress(const double *x, const double *y, size_t n, double *slope, double *intercept, double *r);

#ifdef __cplusplus
}
#endif
#endif

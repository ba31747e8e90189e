/* Butterworth low-pass design and zero-phase forward-backward filtering (the 20 kHz low-pass of the analysis). */
#include <complex.h>
#include <math.h>
#include <string.h>

#include "dsp/dsp_internal.h"
#include "plateau/dsp.h"
#include "plateau/mem.h"

/* Analog prototype poles on the unit circle's left half, prewarped to the digital cutoff, mapped through the
 * bilinear transform (fs = 2 as in scipy, so the cutoff is relative to Nyquist), then multiplied out. */
pl_status pl_butter_lowpass(int order, double wn, double *b, double *a, pl_error *err)
{
    if (order < 1 || order > PL_BUTTER_MAX_ORDER)
        return pl_error_set(err, PL_EARG, NULL, "Butterworth order %d is outside 1..%d", order, PL_BUTTER_MAX_ORDER);
    if (!(wn > 0.0 && wn < 1.0))
        return pl_error_set(err, PL_EARG, NULL, "Butterworth cutoff %g must lie strictly between 0 and Nyquist (1)",
                            wn);
    const double fs2 = 4.0; /* 2 * fs with fs = 2 */
    double warped = 4.0 * tan(M_PI * wn / 2.0);
    double complex poly[PL_BUTTER_MAX_ORDER + 1] = {1.0};
    double complex gain_den = 1.0;
    for (int k = 0; k < order; k++) {
        int m = -order + 1 + 2 * k;
        double complex p = -cexp(I * M_PI * m / (2.0 * order)) * warped;
        gain_den *= fs2 - p;
        double complex pz = (fs2 + p) / (fs2 - p);
        for (int j = k + 1; j >= 1; j--) /* poly *= (z - pz) */
            poly[j] -= pz * poly[j - 1];
    }
    double gain = pow(warped, order) * creal(1.0 / gain_den);
    double binom = 1.0;
    for (int j = 0; j <= order; j++) {
        a[j] = creal(poly[j]);
        b[j] = gain * binom; /* zeros at z = -1: binomial coefficients */
        binom = binom * (order - j) / (j + 1);
    }
    return PL_OK;
}

/* Steady-state initial conditions of lfilter for a unit step: solve (I - A^T) zi = b[1:] - a[1:] b[0], A the
 * companion matrix of a (a[0] == 1). */
static bool lfilter_zi(const double *b, const double *a, int nb, double *zi)
{
    int m = nb - 1;
    double mat[PL_BUTTER_MAX_ORDER * PL_BUTTER_MAX_ORDER];
    for (int r = 0; r < m; r++) {
        for (int c = 0; c < m; c++) {
            double comp = c == 0 ? -a[r + 1] : (r == c - 1 ? 1.0 : 0.0); /* companion[c][r] */
            mat[r * m + c] = (r == c ? 1.0 : 0.0) - comp;
        }
        zi[r] = b[r + 1] - a[r + 1] * b[0];
    }
    return pl_dsp_solve(mat, zi, m);
}

/* Direct form II transposed over buf[0..len) in the direction `step` (+1 forward, -1 backward), state z. */
static void lfilter_run(const double *b, const double *a, int nb, double *buf, size_t len, int step, double *z)
{
    size_t i = step > 0 ? 0 : len - 1;
    for (size_t cnt = 0; cnt < len; cnt++, i += (size_t)step) {
        double x = buf[i];
        double y = z[0] + b[0] * x;
        for (int k = 0; k + 2 < nb; k++)
            z[k] = z[k + 1] + x * b[k + 1] - y * a[k + 1];
        z[nb - 2] = x * b[nb - 1] - y * a[nb - 1];
        buf[i] = y;
    }
}

pl_status pl_filtfilt(const double *b, const double *a, int nb, const double *x, size_t n, double *y, pl_error *err)
{
    if (nb < 2 || nb > PL_BUTTER_MAX_ORDER + 1 || a[0] != 1.0)
        return pl_error_set(err, PL_EARG, NULL, "filtfilt needs 2..%d coefficients with a[0] = 1",
                            PL_BUTTER_MAX_ORDER + 1);
    size_t pad = 3 * (size_t)nb;
    if (n <= pad)
        return pl_error_set(err, PL_EARG, NULL, "a sweep of %zu samples is too short to filter (needs more than %zu)",
                            n, pad);
    double zi[PL_BUTTER_MAX_ORDER], z[PL_BUTTER_MAX_ORDER];
    if (!lfilter_zi(b, a, nb, zi))
        return pl_error_set(err, PL_EARG, NULL, "filter coefficients have no steady state");
    size_t len = n + 2 * pad;
    double *ext = pl_alloc(len * sizeof *ext, "low-pass filter buffer", err);
    if (!ext)
        return err ? err->code : PL_ENOMEM;
    for (size_t i = 0; i < pad; i++) { /* odd extension: mirror about the end points */
        ext[i] = 2.0 * x[0] - x[pad - i];
        ext[pad + n + i] = 2.0 * x[n - 1] - x[n - 2 - i];
    }
    memmove(ext + pad, x, n * sizeof *x);
    for (int k = 0; k < nb - 1; k++)
        z[k] = zi[k] * ext[0];
    lfilter_run(b, a, nb, ext, len, 1, z);
    for (int k = 0; k < nb - 1; k++)
        z[k] = zi[k] * ext[len - 1];
    lfilter_run(b, a, nb, ext, len, -1, z);
    memmove(y, ext + pad, n * sizeof *y);
    pl_free(ext);
    return PL_OK;
}

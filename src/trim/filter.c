/* The sigma-gradient filter: Butterworth design, direct form II transposed filtering, steady-state initial
 * conditions and the zero-phase forward-backward pass, each reproducing what scipy.signal computes so that the
 * numbers match the original analyzer to rounding. */
#include <complex.h>
#include <math.h>
#include <string.h>

#include "plateau/mem.h"
#include "plateau/trim.h"

/* butter(5, 0.8) as lasertrim.md publishes it (12 significant digits); tests check the design reproduces them. */
const double pl_trim_butter_b[6] = {0.354164181093, 1.770820905467, 3.541641810934,
                                    3.541641810934, 1.770820905467, 0.354164181093};
const double pl_trim_butter_a[6] = {1.0,           2.975422109746, 3.806018119320, 2.545252868330, 0.881130075438,
                                    0.125430622155};

/* Coefficients of prod (z - r_i), highest power first (numpy.poly). */
static void poly_from_roots(const double complex *roots, int n, double complex *c)
{
    c[0] = 1.0;
    for (int i = 1; i <= n; i++)
        c[i] = 0.0;
    for (int k = 0; k < n; k++)
        for (int i = k + 1; i >= 1; i--)
            c[i] -= roots[k] * c[i - 1];
}

/* Analog prototype poles on the unit circle, pre-warped to the digital cutoff (fs = 2), mapped by the bilinear
 * transform; the n zeros of a low-pass land at z = -1. */
pl_status pl_trim_butter(int order, double wn, double *b, double *a, pl_error *err)
{
    if (order < 1 || order > 8 || !(wn > 0.0 && wn < 1.0))
        return pl_error_set(err, PL_EARG, NULL, "butter: order must be 1..8 and cutoff in (0, 1)");
    const double fs = 2.0, fs2 = 2.0 * fs;
    double warped = 2.0 * fs * tan(M_PI * wn / fs);
    double complex p[8], zd[8], pd[8], cb[9], ca[9];
    double complex num = 1.0, den = 1.0;
    for (int i = 0; i < order; i++) {
        int m = -order + 1 + 2 * i;
        p[i] = -cexp(I * M_PI * m / (2.0 * order)) * warped;
        pd[i] = (fs2 + p[i]) / (fs2 - p[i]);
        zd[i] = -1.0;
        den *= fs2 - p[i];
    }
    double k = pow(warped, order) * creal(num / den);
    poly_from_roots(zd, order, cb);
    poly_from_roots(pd, order, ca);
    for (int i = 0; i <= order; i++) {
        b[i] = k * creal(cb[i]);
        a[i] = creal(ca[i]);
    }
    return PL_OK;
}

void pl_trim_lfilter(const double *b, const double *a, size_t m, const double *x, double *y, size_t n, const double *zi,
                     double *zf)
{
    double z[16] = {0};
    if (zi)
        memcpy(z, zi, (m - 1) * sizeof *z);
    for (size_t i = 0; i < n; i++) {
        double xn = x[i];
        double yn = z[0] + b[0] * xn;
        for (size_t k = 0; k + 2 < m; k++)
            z[k] = z[k + 1] + xn * b[k + 1] - yn * a[k + 1];
        if (m >= 2)
            z[m - 2] = xn * b[m - 1] - yn * a[m - 1];
        y[i] = yn;
    }
    if (zf)
        memcpy(zf, z, (m - 1) * sizeof *z);
}

/* Solves (I - A^T) zi = b[1:] - a[1:] b[0], A the companion matrix of a: the state the filter holds after a long
 * run of ones. Gaussian elimination with partial pivoting (the system is at most 8x8). */
pl_status pl_trim_lfilter_zi(const double *b, const double *a, size_t m, double *zi, pl_error *err)
{
    if (m < 2 || m > 9 || a[0] == 0.0)
        return pl_error_set(err, PL_EARG, NULL, "lfilter_zi: need 2..9 coefficients and a[0] != 0");
    size_t n = m - 1;
    double M[8][9];
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++)
            M[i][j] = (i == j) ? 1.0 : 0.0;
        M[i][0] += a[i + 1] / a[0];
        if (i + 1 < n)
            M[i][i + 1] -= 1.0;
        M[i][n] = b[i + 1] / a[0] - a[i + 1] / a[0] * (b[0] / a[0]);
    }
    for (size_t c = 0; c < n; c++) {
        size_t piv = c;
        for (size_t r = c + 1; r < n; r++)
            if (fabs(M[r][c]) > fabs(M[piv][c]))
                piv = r;
        if (M[piv][c] == 0.0)
            return pl_error_set(err, PL_EARG, NULL, "lfilter_zi: singular system");
        if (piv != c)
            for (size_t j = 0; j <= n; j++) {
                double t = M[c][j];
                M[c][j] = M[piv][j];
                M[piv][j] = t;
            }
        for (size_t r = c + 1; r < n; r++) {
            double f = M[r][c] / M[c][c];
            for (size_t j = c; j <= n; j++)
                M[r][j] -= f * M[c][j];
        }
    }
    for (size_t i = n; i-- > 0;) {
        double s = M[i][n];
        for (size_t j = i + 1; j < n; j++)
            s -= M[i][j] * zi[j];
        zi[i] = s / M[i][i];
    }
    return PL_OK;
}

/* scipy filtfilt(b, a, x, padtype='odd', padlen=padlen): extend both ends by point reflection, filter forward
 * from the steady state scaled by the first sample, backward from the state scaled by the last output, trim. */
pl_status pl_trim_filtfilt(const double *b, const double *a, size_t m, const double *x, double *y, size_t n,
                           size_t padlen, pl_error *err)
{
    if (n <= padlen || n < 1)
        return pl_error_set(err, PL_EARG, NULL, "filtfilt: %zu samples do not exceed the padding of %zu", n, padlen);
    double zi[8], z[8];
    pl_status st = pl_trim_lfilter_zi(b, a, m, zi, err);
    if (st != PL_OK)
        return st;
    size_t len = n + 2 * padlen;
    double *ext = pl_alloc(len * sizeof *ext, "trim filter buffer", err);
    if (!ext)
        return err ? err->code : PL_ENOMEM;
    for (size_t i = 0; i < padlen; i++) {
        ext[i] = 2.0 * x[0] - x[padlen - i];
        ext[padlen + n + i] = 2.0 * x[n - 1] - x[n - 2 - i];
    }
    memcpy(ext + padlen, x, n * sizeof *x);
    for (size_t i = 0; i < m - 1; i++)
        z[i] = zi[i] * ext[0];
    pl_trim_lfilter(b, a, m, ext, ext, len, z, NULL);
    /* reverse in place, filter again, reverse back */
    for (size_t i = 0, j = len - 1; i < j; i++, j--) {
        double t = ext[i];
        ext[i] = ext[j];
        ext[j] = t;
    }
    for (size_t i = 0; i < m - 1; i++)
        z[i] = zi[i] * ext[0];
    pl_trim_lfilter(b, a, m, ext, ext, len, z, NULL);
    for (size_t i = 0; i < n; i++)
        y[i] = ext[len - 1 - padlen - i];
    pl_free(ext);
    return PL_OK;
}

/* Savitzky-Golay smoothing (scipy.signal.savgol_filter, mode 'interp') for the baseline metrics. */
#include <math.h>

#include "dsp/dsp_internal.h"
#include "plateau/dsp.h"
#include "plateau/mem.h"

#define SAVGOL_MAX_ORDER 6

/* Normal matrix sum_j u_j^(r+c) of a polynomial fit at positions u_j = (j - centre) / half, j = 0..w-1.
 * Scaling the positions into [-1, 1] keeps the 4x4 (cubic) system well conditioned for any window. */
static void normal_matrix(int w, int np, double half, double *m)
{
    for (int r = 0; r < np * np; r++)
        m[r] = 0.0;
    for (int j = 0; j < w; j++) {
        double u = (j - half) / half, pw[2 * SAVGOL_MAX_ORDER + 1];
        pw[0] = 1.0;
        for (int e = 1; e < 2 * np - 1; e++)
            pw[e] = pw[e - 1] * u;
        for (int r = 0; r < np; r++)
            for (int c = 0; c < np; c++)
                m[r * np + c] += pw[r + c];
    }
}

static double poly_eval(const double *c, int np, double u)
{
    double v = 0.0;
    for (int e = np - 1; e >= 0; e--)
        v = v * u + c[e];
    return v;
}

/* Least-squares polynomial over x[from .. from+w), evaluated at the `count` positions starting at `at`. */
static bool fit_edge(const double *x, size_t from, int w, int np, size_t at, size_t count, double *y)
{
    double half = (w - 1) / 2.0, m[(SAVGOL_MAX_ORDER + 1) * (SAVGOL_MAX_ORDER + 1)], c[SAVGOL_MAX_ORDER + 1] = {0};
    normal_matrix(w, np, half, m);
    for (int j = 0; j < w; j++) {
        double u = (j - half) / half, p = 1.0;
        for (int e = 0; e < np; e++, p *= u)
            c[e] += p * x[from + (size_t)j];
    }
    if (!pl_dsp_solve(m, c, np))
        return false;
    for (size_t i = 0; i < count; i++)
        y[at + i] = poly_eval(c, np, ((double)(at + i - from) - half) / half);
    return true;
}

pl_status pl_savgol(const double *x, size_t n, int window, int polyorder, double *y, pl_error *err)
{
    if (window < 1 || window % 2 == 0 || polyorder < 0 || polyorder > SAVGOL_MAX_ORDER || polyorder >= window)
        return pl_error_set(err, PL_EARG, NULL,
                            "Savitzky-Golay window %d must be odd and larger than the polynomial order %d (<= %d)",
                            window, polyorder, SAVGOL_MAX_ORDER);
    if ((size_t)window > n)
        return pl_error_set(err, PL_EARG, NULL, "Savitzky-Golay window %d is longer than the %zu samples", window, n);
    int np = polyorder + 1, hw = window / 2;
    double half = hw, m[(SAVGOL_MAX_ORDER + 1) * (SAVGOL_MAX_ORDER + 1)], g[SAVGOL_MAX_ORDER + 1] = {1.0};
    if (hw == 0) {
        for (size_t i = 0; i < n; i++)
            y[i] = x[i];
        return PL_OK;
    }
    normal_matrix(window, np, half, m);
    if (!pl_dsp_solve(m, g, np)) /* g = (A^T A)^-1 e0: the fitted value at the centre is sum_j h_j x_j */
        return pl_error_set(err, PL_EARG, NULL, "Savitzky-Golay system is singular (window %d)", window);
    double *h = pl_alloc((size_t)window * sizeof *h, "Savitzky-Golay coefficients", err);
    if (!h)
        return err ? err->code : PL_ENOMEM;
    for (int j = 0; j < window; j++)
        h[j] = poly_eval(g, np, (j - half) / half);
    for (size_t i = (size_t)hw; i + (size_t)hw < n; i++) {
        double s = 0.0;
        const double *xs = x + i - (size_t)hw;
        for (int j = 0; j < window; j++)
            s += h[j] * xs[j];
        y[i] = s;
    }
    pl_free(h);
    if (!fit_edge(x, 0, window, np, 0, (size_t)hw, y) ||
        !fit_edge(x, n - (size_t)window, window, np, n - (size_t)hw, (size_t)hw, y))
        return pl_error_set(err, PL_EARG, NULL, "Savitzky-Golay edge fit is singular (window %d)", window);
    return PL_OK;
}

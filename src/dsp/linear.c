/* Gradients, least-squares line and a small dense solver: the numerical odds and ends of the analysis. */
#include <math.h>

#include "dsp/dsp_internal.h"
#include "plateau/dsp.h"

bool pl_dsp_solve(double *m, double *rhs, int n)
{
    for (int col = 0; col < n; col++) {
        int piv = col;
        for (int r = col + 1; r < n; r++)
            if (fabs(m[r * n + col]) > fabs(m[piv * n + col]))
                piv = r;
        if (m[piv * n + col] == 0.0 || !isfinite(m[piv * n + col]))
            return false;
        if (piv != col) {
            for (int c = 0; c < n; c++) {
                double t = m[col * n + c];
                m[col * n + c] = m[piv * n + c];
                m[piv * n + c] = t;
            }
            double t = rhs[col];
            rhs[col] = rhs[piv];
            rhs[piv] = t;
        }
        for (int r = col + 1; r < n; r++) {
            double f = m[r * n + col] / m[col * n + col];
            for (int c = col; c < n; c++)
                m[r * n + c] -= f * m[col * n + c];
            rhs[r] -= f * rhs[col];
        }
    }
    for (int r = n - 1; r >= 0; r--) {
        double s = rhs[r];
        for (int c = r + 1; c < n; c++)
            s -= m[r * n + c] * rhs[c];
        rhs[r] = s / m[r * n + r];
    }
    return true;
}

/* numpy.gradient(y, dx), edge_order=1: (y[i+1]-y[i-1])/(2dx) inside, one-sided differences at both ends. */
void pl_gradient(const double *y, size_t n, double dx, double *out)
{
    if (n == 0)
        return;
    if (n == 1) {
        out[0] = 0.0;
        return;
    }
    out[0] = (y[1] - y[0]) / dx;
    for (size_t i = 1; i + 1 < n; i++)
        out[i] = (y[i + 1] - y[i - 1]) / (2.0 * dx);
    out[n - 1] = (y[n - 1] - y[n - 2]) / dx;
}

/* numpy.gradient(y, x): the second-order formula for unequal neighbours spacings inside. */
void pl_gradient_x(const double *y, const double *x, size_t n, double *out)
{
    if (n == 0)
        return;
    if (n == 1) {
        out[0] = 0.0;
        return;
    }
    out[0] = (y[1] - y[0]) / (x[1] - x[0]);
    for (size_t i = 1; i + 1 < n; i++) {
        double h1 = x[i] - x[i - 1], h2 = x[i + 1] - x[i];
        double a = -h2 / (h1 * (h1 + h2));
        double b = (h2 - h1) / (h1 * h2);
        double c = h1 / (h2 * (h1 + h2));
        out[i] = a * y[i - 1] + b * y[i] + c * y[i + 1];
    }
    out[n - 1] = (y[n - 1] - y[n - 2]) / (x[n - 1] - x[n - 2]);
}

/* Centred sums (two passes) keep the slope accurate when x and y carry large offsets. */
void pl_linregress(const double *x, const double *y, size_t n, double *slope, double *intercept, double *r)
{
    *slope = *intercept = *r = NAN;
    if (n < 2)
        return;
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) {
        mx += x[i];
        my += y[i];
    }
    mx /= (double)n;
    my /= (double)n;
    double sxx = 0, syy = 0, sxy = 0;
    for (size_t i = 0; i < n; i++) {
        double dx = x[i] - mx, dy = y[i] - my;
        sxx += dx * dx;
        syy += dy * dy;
        sxy += dx * dy;
    }
    if (sxx == 0.0)
        return;
    *slope = sxy / sxx;
    *intercept = my - *slope * mx;
    *r = syy == 0.0 ? 0.0 : sxy / sqrt(sxx * syy);
}

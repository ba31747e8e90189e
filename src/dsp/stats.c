/* Small statistics with numpy's definitions (median of an even count is the mean of the two middle values;
 * sample standard deviation divides by n - 1; polyfit(x, y, 1) is the least-squares line). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plateau/trim.h"
#include "trim/trim_impl.h"

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

void trim_sort(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
}

double pl_trim_median(const double *v, size_t n, double *work)
{
    if (n == 0)
        return NAN;
    memcpy(work, v, n * sizeof *v);
    qsort(work, n, sizeof *work, cmp_double);
    if (n % 2)
        return work[n / 2];
    return (work[n / 2 - 1] + work[n / 2]) / 2.0;
}

double pl_trim_mean(const double *v, size_t n)
{
    if (n == 0)
        return NAN;
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    return s / (double)n;
}

double pl_trim_std_sample(const double *v, size_t n)
{
    if (n < 2)
        return NAN;
    double m = pl_trim_mean(v, n), s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (v[i] - m) * (v[i] - m);
    return sqrt(s / (double)(n - 1));
}

/* Centred sums: the same line as numpy's scaled least squares, without its cancellation on large x. */
void pl_trim_linefit(const double *x, const double *y, size_t n, double *slope, double *intercept)
{
    double mx = pl_trim_mean(x, n), my = pl_trim_mean(y, n), sxx = 0.0, sxy = 0.0;
    for (size_t i = 0; i < n; i++) {
        sxx += (x[i] - mx) * (x[i] - mx);
        sxy += (x[i] - mx) * (y[i] - my);
    }
    *slope = sxx > 0.0 ? sxy / sxx : 0.0;
    *intercept = my - *slope * mx;
}

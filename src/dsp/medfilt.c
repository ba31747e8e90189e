/* Running median (scipy.signal.medfilt): used to clean the voltage during hyperpolarising steps. */
#include <math.h>
#include <string.h>

#include "plateau/dsp.h"
#include "plateau/mem.h"

/* First position in sorted w[0..len) whose value is >= v. */
static size_t lower_bound(const double *w, size_t len, double v)
{
    size_t lo = 0, hi = len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void insert_sorted(double *w, size_t len, double v)
{
    size_t at = lower_bound(w, len, v);
    memmove(w + at + 1, w + at, (len - at) * sizeof *w);
    w[at] = v;
}

static void remove_sorted(double *w, size_t len, double v)
{
    size_t at = lower_bound(w, len, v); /* v is present: it entered the window earlier */
    memmove(w + at, w + at + 1, (len - at - 1) * sizeof *w);
}

/* A sorted copy of the window slides along x: one removal and one insertion per sample, O(n k) moves in memmove. */
pl_status pl_medfilt(const double *x, size_t n, int k, double *y, pl_error *err)
{
    if (k < 1 || k % 2 == 0)
        return pl_error_set(err, PL_EARG, NULL, "median filter kernel %d must be odd and positive", k);
    for (size_t i = 0; i < n; i++)
        if (isnan(x[i]))
            return pl_error_set(err, PL_EARG, NULL, "median filter input holds NaN at sample %zu", i);
    if (n == 0)
        return PL_OK;
    size_t kk = (size_t)k, h = kk / 2;
    double *w = pl_alloc(kk * sizeof *w, "median filter window", err);
    if (!w)
        return err ? err->code : PL_ENOMEM;
    size_t len = 0;
    for (size_t j = 0; j < kk; j++) { /* window of output 0: x[-h..h], zeros outside */
        double v = (j >= h && j - h < n) ? x[j - h] : 0.0;
        insert_sorted(w, len++, v);
    }
    for (size_t i = 0;; i++) {
        y[i] = w[h];
        if (i + 1 >= n)
            break;
        double out = i >= h ? x[i - h] : 0.0;
        double in = i + h + 1 < n ? x[i + h + 1] : 0.0;
        remove_sorted(w, kk, out);
        insert_sorted(w, kk - 1, in);
    }
    pl_free(w);
    return PL_OK;
}

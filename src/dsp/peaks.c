/* Peak finding with scipy.signal.find_peaks' rules: local maxima (flat tops give their middle sample), then height,
 * then distance (higher peaks claim their neighbourhood first), then prominence without a window. */
#include <math.h>
#include <stdlib.h>

#include "plateau/dsp.h"
#include "plateau/mem.h"

/* Local maxima; a plateau of equal samples counts once, at its middle (rounded down). */
static size_t local_maxima(const double *x, size_t n, size_t *out)
{
    size_t count = 0;
    if (n < 3)
        return 0;
    size_t i = 1, last = n - 1;
    while (i < last) {
        if (x[i - 1] < x[i]) {
            size_t ahead = i + 1;
            while (ahead < last && x[ahead] == x[i])
                ahead++;
            if (x[ahead] < x[i]) {
                out[count++] = (i + ahead - 1) / 2;
                i = ahead;
            }
        }
        i++;
    }
    return count;
}

typedef struct {
    double value;
    size_t pos;
} ranked;

/* Ascending by value, ties by position: a stable order so equal heights resolve the same way every run. */
static int cmp_ranked(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;
    if (a->value != b->value)
        return a->value < b->value ? -1 : 1;
    return a->pos < b->pos ? -1 : (a->pos > b->pos);
}

static pl_status select_by_distance(const double *x, size_t *pk, size_t *count, double distance, pl_error *err)
{
    size_t np = *count, dist = (size_t)ceil(distance);
    ranked *order = pl_alloc((np ? np : 1) * sizeof *order, "peak ranking", err);
    unsigned char *keep = pl_alloc(np ? np : 1, "peak flags", err);
    if (!order || !keep) {
        pl_free(order);
        pl_free(keep);
        return err ? err->code : PL_ENOMEM;
    }
    for (size_t i = 0; i < np; i++) {
        order[i] = (ranked){x[pk[i]], i};
        keep[i] = 1;
    }
    qsort(order, np, sizeof *order, cmp_ranked);
    for (size_t r = np; r-- > 0;) {
        size_t j = order[r].pos;
        if (!keep[j])
            continue;
        for (size_t k = j; k-- > 0 && pk[j] - pk[k] < dist;)
            keep[k] = 0;
        for (size_t k = j + 1; k < np && pk[k] - pk[j] < dist; k++)
            keep[k] = 0;
    }
    size_t w = 0;
    for (size_t i = 0; i < np; i++)
        if (keep[i])
            pk[w++] = pk[i];
    *count = w;
    pl_free(order);
    pl_free(keep);
    return PL_OK;
}

/* Height above the higher of the two lowest points reached before meeting a higher sample (or an end) each side. */
static double prominence_of(const double *x, size_t n, size_t p)
{
    double left_min = x[p], right_min = x[p];
    for (size_t i = p + 1; i-- > 0 && x[i] <= x[p];)
        if (x[i] < left_min)
            left_min = x[i];
    for (size_t i = p; i < n && x[i] <= x[p]; i++)
        if (x[i] < right_min)
            right_min = x[i];
    return x[p] - (left_min > right_min ? left_min : right_min);
}

pl_status pl_find_peaks(const double *x, size_t n, double height, double prominence, double distance, size_t **peaks,
                        size_t *npeaks, double **prominences, pl_error *err)
{
    *peaks = NULL;
    *npeaks = 0;
    if (prominences)
        *prominences = NULL;
    size_t cap = n / 2 + 1;
    size_t *pk = pl_alloc(cap * sizeof *pk, "peak list", err);
    if (!pk)
        return err ? err->code : PL_ENOMEM;
    size_t count = local_maxima(x, n, pk);
    if (!isnan(height)) {
        size_t w = 0;
        for (size_t i = 0; i < count; i++)
            if (x[pk[i]] >= height)
                pk[w++] = pk[i];
        count = w;
    }
    if (distance >= 1.0 && count > 1) {
        pl_status st = select_by_distance(x, pk, &count, distance, err);
        if (st != PL_OK) {
            pl_free(pk);
            return st;
        }
    }
    double *prom = NULL;
    if (prominences || !isnan(prominence)) {
        prom = pl_alloc((count ? count : 1) * sizeof *prom, "peak prominences", err);
        if (!prom) {
            pl_free(pk);
            return err ? err->code : PL_ENOMEM;
        }
        size_t w = 0;
        for (size_t i = 0; i < count; i++) {
            double pr = prominence_of(x, n, pk[i]);
            if (isnan(prominence) || pr >= prominence) {
                prom[w] = pr;
                pk[w++] = pk[i];
            }
        }
        count = w;
    }
    *peaks = pk;
    *npeaks = count;
    if (prominences)
        *prominences = prom;
    else
        pl_free(prom);
    return PL_OK;
}

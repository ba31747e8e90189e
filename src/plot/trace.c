/* plateau plot: decimated traces.
 *
 * A trace divides its declared x range into columns (twice the panel's pixel width) and keeps, per column, the
 * first, last, minimum and maximum sample (the "M4" reduction): a line through those four points per pixel column
 * rasterizes like the line through every sample. Samples are fed in chunks; each chunk is walked column by column:
 * one division finds where the next column starts, and the samples up to there go through a tight min/max loop. */
#include <math.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "plateau/mem.h"
#include "plot/plot_impl.h"

pl_status pl_trace_new(pl_axes *ax, double x0, double x1, const pl_style *style, pl_trace **out, pl_error *err)
{
    if (out)
        *out = NULL;
    if (!ax || !out)
        return pl_error_set(err, PL_EARG, NULL, "pl_trace_new needs a panel and an output pointer");
    if (!isfinite(x0) || !isfinite(x1) || !(x1 > x0) || !isfinite(x1 - x0))
        return pl_error_set(err, PL_EARG, NULL, "trace x range [%g, %g] must be finite and increasing", x0, x1);
    pl_rect cell = pl__cell(ax->fig, ax->row, ax->col);
    size_t ncol = 4 * (size_t)ceil(cell.w * ax->fig->dpi / 72.0) + 4;
    pl_item *it = pl_calloc(1, sizeof *it, "plot trace", err);
    pl_trace *tr = pl_calloc(1, sizeof *tr, "plot trace", err);
    double *cols = pl_alloc(ncol * (4 * sizeof(double) + 1), "plot trace columns", err);
    if (!it || !tr || !cols) {
        pl_free(it);
        pl_free(tr);
        pl_free(cols);
        return err ? err->code : PL_ENOMEM;
    }
    tr->x0 = x0;
    tr->x1 = x1;
    tr->ncol = ncol;
    tr->cols_per_x = (double)ncol / (x1 - x0);
    tr->first = cols;
    tr->last = cols + ncol;
    tr->mn = cols + 2 * ncol;
    tr->mx = cols + 3 * ncol;
    tr->flags = (uint8_t *)(cols + 4 * ncol);
    memset(tr->flags, 0, ncol);
    it->kind = IT_TRACE;
    it->trace = tr;
    if (style)
        it->style = *style;
    pl__copy_text(it->label, sizeof it->label, style ? style->label : NULL);
    it->style.label = it->label[0] ? it->label : NULL;
    it->style.color = pl__resolve_color(ax, it->style.color);
    if (!(it->style.width > 0))
        it->style.width = 0.8;
    pl__add_item(ax, it);
    *out = tr;
    return PL_OK;
}

void pl__trace_free(pl_trace *tr)
{
    if (!tr)
        return;
    pl_free(tr->first);
    pl_free(tr);
}

bool pl_trace_yrange(const pl_trace *tr, double *lo, double *hi)
{
    if (!tr || !tr->any)
        return false;
    if (lo)
        *lo = tr->ylo;
    if (hi)
        *hi = tr->yhi;
    return true;
}

/* Min and max of a run, and whether it holds a non-finite value (v - v is NaN exactly for NaN and +-inf).
 * Independent lanes keep the loop free of dependency stalls; on x86-64 the lanes are SSE2 pairs. */
static bool run_minmax(const double *v, size_t n, double *lo_out, double *hi_out)
{
    double lo = v[0], hi = v[0], z = 0;
    size_t i = 0;
#ifdef __SSE2__
    if (n >= 8) {
        __m128d lo0 = _mm_set1_pd(v[0]), lo1 = lo0, hi0 = lo0, hi1 = lo0;
        __m128d z0 = _mm_setzero_pd(), z1 = z0;
        for (; i + 4 <= n; i += 4) {
            __m128d a = _mm_loadu_pd(v + i), b = _mm_loadu_pd(v + i + 2);
            lo0 = _mm_min_pd(a, lo0);
            lo1 = _mm_min_pd(b, lo1);
            hi0 = _mm_max_pd(a, hi0);
            hi1 = _mm_max_pd(b, hi1);
            z0 = _mm_add_pd(z0, _mm_sub_pd(a, a));
            z1 = _mm_add_pd(z1, _mm_sub_pd(b, b));
        }
        double l[2], h[2], zz[2];
        _mm_storeu_pd(l, _mm_min_pd(lo0, lo1));
        _mm_storeu_pd(h, _mm_max_pd(hi0, hi1));
        _mm_storeu_pd(zz, _mm_add_pd(z0, z1));
        lo = l[0] < l[1] ? l[0] : l[1];
        hi = h[0] > h[1] ? h[0] : h[1];
        z = zz[0] + zz[1];
    }
#endif
    double lo1 = lo, hi1 = hi, z1 = 0;
    for (; i + 2 <= n; i += 2) {
        double a = v[i], b = v[i + 1];
        lo = a < lo ? a : lo;
        lo1 = b < lo1 ? b : lo1;
        hi = a > hi ? a : hi;
        hi1 = b > hi1 ? b : hi1;
        z += a - a;
        z1 += b - b;
    }
    for (; i < n; i++) {
        double a = v[i];
        lo = a < lo ? a : lo;
        hi = a > hi ? a : hi;
        z += a - a;
    }
    *lo_out = lo1 < lo ? lo1 : lo;
    *hi_out = hi1 > hi ? hi1 : hi;
    return (z + z1) == 0;
}

/* Adds a run of finite samples, [lo, hi] their range, to column c. */
static void column_add(pl_trace *tr, size_t c, double first, double last, double lo, double hi)
{
    if (!(tr->flags[c] & COL_HAS)) {
        tr->flags[c] = (uint8_t)(COL_HAS | (tr->pending_gap ? COL_BREAK : 0));
        tr->first[c] = first;
        tr->mn[c] = lo;
        tr->mx[c] = hi;
    } else {
        if (lo < tr->mn[c])
            tr->mn[c] = lo;
        if (hi > tr->mx[c])
            tr->mx[c] = hi;
    }
    tr->last[c] = last;
    tr->pending_gap = false;
    if (!tr->any) {
        tr->ylo = lo;
        tr->yhi = hi;
        tr->any = true;
    } else {
        if (lo < tr->ylo)
            tr->ylo = lo;
        if (hi > tr->yhi)
            tr->yhi = hi;
    }
}

/* A run that holds non-finite samples: sample by sample, non-finite ones mark a gap. */
static void run_slow(pl_trace *tr, size_t c, const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (isfinite(v[i]))
            column_add(tr, c, v[i], v[i], v[i], v[i]);
        else
            tr->pending_gap = true;
    }
}

/* The column of x (clamped into the trace). */
static size_t column_of(const pl_trace *tr, double x)
{
    double c = floor((x - tr->x0) * tr->cols_per_x);
    if (!(c > 0))
        return 0;
    if (c >= (double)tr->ncol)
        return tr->ncol - 1;
    return (size_t)c;
}

/* The index range [*begin, *end) of samples start + i*step that fall inside [x0, x1]. */
static void samples_inside(const pl_trace *tr, double start, double step, size_t n, size_t *begin, size_t *end)
{
    double b = start < tr->x0 ? ceil((tr->x0 - start) / step) : 0;
    double e = floor((tr->x1 - start) / step) + 1;
    if (start + b * step < tr->x0)
        b += 1; /* rounding in the division */
    *begin = b >= (double)n ? n : (size_t)b;
    *end = e <= 0 ? 0 : (e >= (double)n ? n : (size_t)e);
    if (*end < *begin)
        *end = *begin;
}

pl_status pl_trace_feed(pl_trace *tr, double start, double step, const double *values, size_t n, pl_error *err)
{
    if (!tr || (!values && n))
        return pl_error_set(err, PL_EARG, NULL, "pl_trace_feed needs a trace and samples");
    if (!isfinite(start) || !isfinite(step) || !(step > 0))
        return pl_error_set(err, PL_EARG, NULL, "trace samples need a finite start and a step > 0 (got %g, %g)", start,
                            step);
    size_t i, end;
    samples_inside(tr, start, step, n, &i, &end);
    double col_w = 1.0 / tr->cols_per_x;
    while (i < end) {
        size_t c = column_of(tr, start + (double)i * step);
        /* the first sample index at or past the next column's left edge: one division per column */
        size_t next = end;
        if (c + 1 < tr->ncol) {
            double edge = tr->x0 + (double)(c + 1) * col_w;
            double k = ceil((edge - start) / step);
            if (k < (double)end)
                next = k > (double)i ? (size_t)k : i + 1;
        }
        const double *v = values + i;
        size_t m = next - i;
        double lo, hi;
        if (run_minmax(v, m, &lo, &hi))
            column_add(tr, c, v[0], v[m - 1], lo, hi);
        else
            run_slow(tr, c, v, m);
        i = next;
    }
    return PL_OK;
}

pl_status pl_trace_feed_float(pl_trace *tr, double start, double step, const float *values, size_t n, pl_error *err)
{
    if (!tr || (!values && n))
        return pl_error_set(err, PL_EARG, NULL, "pl_trace_feed needs a trace and samples");
    double buf[1024];
    for (size_t done = 0; done < n;) {
        size_t m = n - done < 1024 ? n - done : 1024;
        for (size_t i = 0; i < m; i++)
            buf[i] = values[done + i];
        pl_status st = pl_trace_feed(tr, start + (double)done * step, step, buf, m, err);
        if (st)
            return st;
        done += m;
    }
    return PL_OK;
}

/* Clamps a device coordinate so cairo's fixed-point arithmetic never overflows on a wild value. */
static double clampc(double v)
{
    return v < -1e6 ? -1e6 : (v > 1e6 ? 1e6 : v);
}

/* The path of a trace. Each column (a quarter of a pixel at the figure's resolution) enters at its left edge at its
 * first sample, visits its extremes at its centre when they lie beyond first and last, and leaves at its right edge
 * at its last sample: at that resolution this covers the same pixels as the line through every sample. Flat columns
 * that continue the level of the line so far only extend it (one segment for a whole step of a stimulus, where
 * cairo would otherwise stroke four collinear points per pixel). */
void pl__trace_path(const pl_trace *tr, cairo_t *cr, double ax, double bx, double ay, double by)
{
    bool move = true, pending = false;
    double col_w = 1.0 / tr->cols_per_x, level = 0, pend_x = 0;
    for (size_t c = 0; c < tr->ncol; c++) {
        if (!(tr->flags[c] & COL_HAS))
            continue;
        double xl = clampc(ax + bx * (tr->x0 + (double)c * col_w));
        double xr = clampc(ax + bx * (tr->x0 + (double)(c + 1) * col_w));
        double xm = (xl + xr) / 2;
        double f = tr->first[c], l = tr->last[c], lo = tr->mn[c], hi = tr->mx[c];
        bool brk = (tr->flags[c] & COL_BREAK) != 0;
        if (!move && !brk && lo == hi && f == level) {
            pend_x = xr;
            pending = true;
            continue;
        }
        if (pending)
            cairo_line_to(cr, pend_x, clampc(ay + by * level));
        pending = false;
        if (brk)
            move = true;
        if (move)
            cairo_move_to(cr, xl, clampc(ay + by * f));
        else
            cairo_line_to(cr, xl, clampc(ay + by * f));
        move = false;
        bool lo_out = lo<fmin(f, l), hi_out = hi> fmax(f, l);
        if (lo_out && hi_out) { /* both extremes: the one nearer the first sample first */
            bool lo_first = fabs(f - lo) < fabs(f - hi);
            cairo_line_to(cr, xm, clampc(ay + by * (lo_first ? lo : hi)));
            cairo_line_to(cr, xm, clampc(ay + by * (lo_first ? hi : lo)));
        } else if (lo_out) {
            cairo_line_to(cr, xm, clampc(ay + by * lo));
        } else if (hi_out) {
            cairo_line_to(cr, xm, clampc(ay + by * hi));
        }
        cairo_line_to(cr, xr, clampc(ay + by * l));
        level = l;
    }
    if (pending)
        cairo_line_to(cr, pend_x, clampc(ay + by * level));
}

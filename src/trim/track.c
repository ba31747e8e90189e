/* One track's analysis (lasertrim.md, "Per-track analysis"): validity, sigma gradient and its threshold,
 * linearity with the optimised offset, maximum deviation, resistance change, zones, risk and status.
 * Pure: the only side effect is scratch memory charged to the budget. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plateau/mem.h"
#include "plateau/trim.h"
#include "trim/trim_impl.h"

const char *pl_trim_status_name(pl_trim_status s)
{
    static const char *const names[] = {"PASS", "WARNING", "FAIL", "ERROR"};
    return (unsigned)s < 4 ? names[s] : "?";
}

const char *pl_trim_risk_name(pl_trim_risk r)
{
    static const char *const names[] = {"LOW", "MEDIUM", "HIGH"};
    return (unsigned)r < 3 ? names[r] : "?";
}

const char *pl_trim_offset_source_name(pl_trim_offset_source s)
{
    static const char *const names[] = {"median", "brent", "mean"};
    return (unsigned)s < 3 ? names[s] : "?";
}

pl_trim_status pl_trim_file_status(const pl_trim_status *tracks, size_t n)
{
    bool any_fail = false, any_warn = false, any_ok = false;
    for (size_t i = 0; i < n; i++) {
        any_fail |= tracks[i] == PL_TRIM_FAIL;
        any_warn |= tracks[i] == PL_TRIM_WARNING;
        any_ok |= tracks[i] != PL_TRIM_ERROR;
    }
    if (!any_ok)
        return PL_TRIM_ERROR;
    return any_fail ? PL_TRIM_FAIL : any_warn ? PL_TRIM_WARNING : PL_TRIM_PASS;
}

/* Half-width of the limit band: (mean of finite U - mean of finite L) / 2 over [from, to); 0.01 when undefined. */
static double spec_halfwidth(const pl_trim_series *s, size_t from, size_t to)
{
    double su = 0.0, sl = 0.0;
    size_t nu = 0, nl = 0;
    for (size_t i = from; i < to; i++) {
        if (isfinite(s->u[i]))
            su += s->u[i], nu++;
        if (isfinite(s->l[i]))
            sl += s->l[i], nl++;
    }
    if (!nu || !nl)
        return 0.01;
    double S = (su / (double)nu - sl / (double)nl) / 2.0;
    return (isfinite(S) && S > 0.0) ? S : 0.01;
}

double pl_trim_threshold(const char *model, double S, double unit_length, double travel)
{
    double T;
    if (model && strncmp(model, "8555", 4) == 0) {
        T = 0.0015 * S / 0.01;
    } else if (model && strncmp(model, "8340-1", 6) == 0) {
        T = S * 24.0 * 0.5;
    } else {
        double L = (unit_length > 0.0) ? unit_length : travel;
        if (!(L > 0.0))
            T = 0.24;
        else if (S < 0.001 && L > 1.0)
            T = S * 24.0 * 0.1;
        else
            T = (S / L) * 12.0;
    }
    T = fmin(fmax(T, 0.0001), 0.05);
    return isfinite(T) ? T : 0.1;
}

size_t pl_trim_violations(const pl_trim_series *s, double offset)
{
    size_t v = 0;
    for (size_t i = 0; i < s->n; i++) {
        double u = s->u[i], l = s->l[i], e = s->e[i];
        if (!isfinite(u) || !isfinite(l) || !isfinite(e))
            continue;
        double shifted = e + offset;
        v += (shifted > u) || (shifted < l);
    }
    return v;
}

static double violations_fn(void *ctx, double o)
{
    return (double)pl_trim_violations(ctx, o);
}

/* Why a track cannot be analysed, or NULL. work: n doubles of scratch. */
static const char *invalid_reason(const pl_trim_series *s, double *work, char *buf, size_t size)
{
    if (s->n < 10) {
        snprintf(buf, size, "too few points (%zu, need at least 10)", s->n);
        return buf;
    }
    double maxe = 0.0;
    for (size_t i = 0; i < s->n; i++) {
        if (!isfinite(s->x[i]) || !isfinite(s->e[i])) {
            snprintf(buf, size, "non-numeric position or error at point %zu", i + 1);
            return buf;
        }
        maxe = fmax(maxe, fabs(s->e[i]));
    }
    memcpy(work, s->x, s->n * sizeof *work);
    trim_sort(work, s->n);
    size_t unique = 1;
    for (size_t i = 1; i < s->n; i++)
        unique += work[i] != work[i - 1];
    if ((double)unique < 0.9 * (double)s->n) {
        snprintf(buf, size, "duplicate positions (%zu unique of %zu, need 90%%)", unique, s->n);
        return buf;
    }
    if (!(work[s->n - 1] - work[0] > 0.0)) {
        snprintf(buf, size, "positions span no range");
        return buf;
    }
    if (maxe > 100.0) {
        snprintf(buf, size, "error magnitude %.6g exceeds 100", maxe);
        return buf;
    }
    return NULL;
}

/* Steps 1-4 of the sigma gradient: filter, drop 5 points per end, gradients over 3-point spans, sample std.
 * f: n doubles of scratch for the filtered error. Also returns the end-trimmed range [*from, *to). */
static pl_status sigma_gradient(const pl_trim_series *s, double *f, pl_trim_result *r, size_t *from, size_t *to,
                                pl_error *err)
{
    size_t n = s->n;
    if (n < 15) {
        memcpy(f, s->e, n * sizeof *f);
        r->filter_kind = 0;
    } else if (n < 50) {
        pl_trim_lfilter(pl_trim_butter_b, pl_trim_butter_a, 6, s->e, f, n, NULL, NULL);
        r->filter_kind = 1;
    } else {
        size_t padlen = n / 4 < 50 ? n / 4 : 50;
        pl_status st = pl_trim_filtfilt(pl_trim_butter_b, pl_trim_butter_a, 6, s->e, f, n, padlen, err);
        if (st != PL_OK)
            return st;
        r->filter_kind = 2;
    }
    r->filtered = r->filter_kind != 0;
    *from = 0, *to = n;
    if (n > 10)
        *from = 5, *to = n - 5;
    /* gradients overwrite the front of f as they go: g_k is computed from f[i] and f[i+3] with i >= k */
    size_t ng = 0;
    for (size_t i = *from; i + 3 < *to; i++) {
        double dx = s->x[i + 3] - s->x[i];
        if (!(fabs(dx) > 1e-6))
            continue;
        double g = (f[i + 3] - f[i]) / dx;
        if (isfinite(g))
            f[ng++] = g;
    }
    r->n_gradients = ng;
    r->sigma = ng == 0 ? 1e-6 : ng == 1 ? fabs(f[0]) : pl_trim_std_sample(f, ng);
    return PL_OK;
}

/* The smallest violation count over [lo, hi]: it can change only at a breakpoint L_i - e_i or U_i - e_i, so
 * evaluating every breakpoint inside the interval and every midpoint between neighbours covers all of its values.
 * Ties go to the candidate nearest `prefer` (the median), the smallest shift. work: 2n + 2 doubles. */
static void exact_optimum(const pl_trim_series *s, double lo, double hi, double prefer, double *work, double *best_x,
                          size_t *best_v)
{
    size_t m = 0;
    work[m++] = lo;
    work[m++] = hi;
    for (size_t i = 0; i < s->n; i++) {
        if (!isfinite(s->u[i]) || !isfinite(s->l[i]) || !isfinite(s->e[i]))
            continue;
        double p = s->u[i] - s->e[i], q = s->l[i] - s->e[i];
        if (p > lo && p < hi)
            work[m++] = p;
        if (q > lo && q < hi)
            work[m++] = q;
    }
    trim_sort(work, m);
    *best_x = prefer;
    *best_v = pl_trim_violations(s, prefer);
    for (size_t k = 0; k < 2 * m - 1; k++) {
        double c = (k % 2 == 0) ? work[k / 2] : 0.5 * (work[k / 2] + work[k / 2 + 1]);
        size_t v = pl_trim_violations(s, c);
        if (v < *best_v || (v == *best_v && fabs(c - prefer) < fabs(*best_x - prefer)))
            *best_x = c, *best_v = v;
    }
}

/* Steps 1-5 of the linearity: offset (median, Brent, exact), shifted error, fail points, pass. */
static void linearity(const pl_trim_series *s, pl_trim_offset_mode mode, double *work, pl_trim_result *r)
{
    size_t n = s->n, nv = 0;
    r->lin_spec = spec_halfwidth(s, 0, n);
    double R = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(s->u[i]) || !isfinite(s->l[i]) || !isfinite(s->e[i]))
            continue;
        double d = (s->u[i] + s->l[i]) / 2.0 - s->e[i];
        work[nv++] = d;
        R = fmax(R, fabs(d));
    }
    if (nv == 0) {
        r->offset = -pl_trim_mean(s->e, n);
        r->offset_source = PL_TRIM_OFFSET_MEAN;
        r->median_offset = r->brent_offset = r->exact_offset = NAN;
    } else {
        double med = pl_trim_median(work, nv, work + nv);
        r->median_offset = med;
        r->median_violations = pl_trim_violations(s, med);
        pl_trim_fmin_result b = pl_trim_fminbound(violations_fn, (void *)s, med - R, med + R, 1e-5, 500);
        r->brent_offset = b.x;
        r->brent_violations = (size_t)b.fx;
        r->brent_evaluations = b.evaluations;
        exact_optimum(s, med - R, med + R, med, work, &r->exact_offset, &r->exact_violations);
        r->offset = med;
        r->offset_source = PL_TRIM_OFFSET_MEDIAN;
        if (mode == PL_TRIM_OFFSET_MODE_BRENT && r->brent_violations < r->median_violations) {
            r->offset = r->brent_offset;
            r->offset_source = PL_TRIM_OFFSET_BRENT;
        } else if (mode == PL_TRIM_OFFSET_MODE_EXACT && r->exact_violations < r->median_violations) {
            r->offset = r->exact_offset;
            r->offset_source = PL_TRIM_OFFSET_BRENT; /* a searched offset; which search is the mode */
        }
    }
    r->lin_err_shifted = r->lin_err_raw = 0.0;
    for (size_t i = 0; i < n; i++) {
        r->lin_err_shifted = fmax(r->lin_err_shifted, fabs(s->e[i] + r->offset));
        r->lin_err_raw = fmax(r->lin_err_raw, fabs(s->e[i]));
    }
    r->fail_points = pl_trim_violations(s, r->offset);
    r->lin_pass = nv ? r->fail_points == 0 : r->lin_err_shifted <= r->lin_spec;
}

/* Step 6 and the zones: deviation from the least-squares line; RMS error in 3 equal-count zones. */
static void deviation_and_zones(const pl_trim_series *s, pl_trim_result *r)
{
    double slope, icpt;
    pl_trim_linefit(s->x, s->e, s->n, &slope, &icpt);
    r->max_dev = -1.0;
    for (size_t i = 0; i < s->n; i++) {
        double d = fabs(s->e[i] - (slope * s->x[i] + icpt));
        if (d > r->max_dev)
            r->max_dev = d, r->max_dev_pos = s->x[i];
    }
    /* numpy.array_split: the first n % 3 zones get one extra point */
    size_t start = 0;
    r->worst_zone = 1;
    for (int z = 0; z < PL_TRIM_ZONES; z++) {
        size_t len = s->n / PL_TRIM_ZONES + ((size_t)z < s->n % PL_TRIM_ZONES);
        double ss = 0.0;
        for (size_t i = start; i < start + len; i++)
            ss += s->e[i] * s->e[i];
        r->zone_rms[z] = len ? sqrt(ss / (double)len) : NAN;
        if (z > 0 && r->zone_rms[z] > r->zone_rms[r->worst_zone - 1])
            r->worst_zone = z + 1;
        start += len;
    }
}

static void resistance(const pl_trim_track_meta *m, pl_trim_result *r)
{
    r->r_untrim = m ? m->r_untrim : NAN;
    r->r_trim = m ? m->r_trim : NAN;
    r->r_change = r->r_trim - r->r_untrim;
    r->r_change_pct = (isfinite(r->r_change) && r->r_untrim != 0.0) ? r->r_change / r->r_untrim * 100.0 : NAN;
    if (!isfinite(r->r_change))
        r->r_change = NAN;
}

/* Risk in tenths so that 0.1 + 0.3 + 0.3 compares as exactly 0.7. */
static void risk_and_status(pl_trim_result *r)
{
    int tenths =
        1 + 3 * !r->sigma_pass + 3 * !r->lin_pass + 2 * (isfinite(r->r_change_pct) && fabs(r->r_change_pct) > 50.0);
    r->risk_p = tenths / 10.0;
    r->risk = tenths >= 7 ? PL_TRIM_RISK_HIGH : tenths >= 4 ? PL_TRIM_RISK_MEDIUM : PL_TRIM_RISK_LOW;
    if (!r->lin_pass)
        r->status = PL_TRIM_FAIL;
    else if (!r->sigma_pass || r->sigma_margin < 0.2 * r->threshold)
        r->status = PL_TRIM_WARNING;
    else
        r->status = PL_TRIM_PASS;
}

pl_status pl_trim_analyze_track(const pl_trim_series *s, const pl_trim_track_meta *meta, pl_trim_offset_mode mode,
                                pl_trim_result *r, pl_error *err)
{
    memset(r, 0, sizeof *r);
    r->n = s->n;
    resistance(meta, r);
    r->travel = NAN;
    if (s->n) {
        double lo = INFINITY, hi = -INFINITY;
        for (size_t i = 0; i < s->n; i++)
            if (isfinite(s->x[i]))
                lo = fmin(lo, s->x[i]), hi = fmax(hi, s->x[i]);
        r->travel = hi >= lo ? hi - lo : NAN;
    }
    double *work = pl_alloc((3 * s->n + 4) * sizeof *work, "trim track scratch", err);
    if (!work)
        return err ? err->code : PL_ENOMEM;
    const char *why = invalid_reason(s, work, r->invalid_reason, sizeof r->invalid_reason);
    if (why) {
        r->valid = false;
        r->status = PL_TRIM_ERROR;
        r->risk = PL_TRIM_RISK_HIGH;
        pl_free(work);
        return PL_OK;
    }
    r->valid = true;
    size_t from, to;
    pl_status st = sigma_gradient(s, work, r, &from, &to, err);
    if (st != PL_OK) {
        pl_free(work);
        return st;
    }
    double S = spec_halfwidth(s, from, to);
    r->threshold = pl_trim_threshold(meta ? meta->model : NULL, S, meta ? meta->unit_length : NAN, r->travel);
    r->sigma_pass = r->sigma <= r->threshold;
    r->sigma_margin = r->threshold - r->sigma;
    r->sigma_ratio = r->sigma / r->threshold;
    linearity(s, mode, work, r);
    deviation_and_zones(s, r);
    risk_and_status(r);
    pl_free(work);
    return PL_OK;
}

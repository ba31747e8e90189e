/* plateau plot: "nice" axis ticks at 1-2-5 steps, and their labels.
 *
 * Labels stay short: values far from 1 are shown scaled (the axis notes "x10^-12" once), and a narrow range far from
 * zero is shown relative to a round offset (the axis notes "+1000"), as matplotlib does. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plot/plot_impl.h"

/* Replaces unusable ranges with usable ones: non-finite -> [0,1], inverted -> swapped, zero or vanishing width ->
 * widened. */
static void sane_range(double *lo, double *hi)
{
    if (!isfinite(*lo) || !isfinite(*hi)) {
        *lo = 0;
        *hi = 1;
    }
    if (*lo > *hi) {
        double t = *lo;
        *lo = *hi;
        *hi = t;
    }
    const double big = 1e300; /* keeps hi - lo finite */
    if (*lo < -big)
        *lo = -big;
    if (*hi > big)
        *hi = big;
    double mag = fmax(fabs(*lo), fabs(*hi));
    double min_w = mag * 1e-9;
    if (min_w < 1e-300)
        min_w = 1e-300;
    if (*hi - *lo < min_w) {
        double mid = *lo / 2 + *hi / 2;
        double half = mag > 0 ? fmax(mag * 0.05, 1e-300) : 1.0;
        if (*hi == *lo && mag == 0)
            half = 1.0;
        *lo = mid - half;
        *hi = mid + half;
    }
}

/* How many multiples of step lie in [lo, hi]. */
static double count_in(double lo, double hi, double step)
{
    return floor(hi / step * (1 + 1e-12)) - ceil(lo / step * (1 - 1e-12)) + 1;
}

/* Picks 1, 2 or 5 x 10^k giving a tick count closest to target (never more than PL_TICKS_MAX). */
static double nice_step(double lo, double hi, int target, int *k_out)
{
    double raw = (hi - lo) / target;
    int k = (int)floor(log10(raw));
    static const double mult[] = {1, 2, 5, 10, 20};
    double best = 0, best_d = 1e300;
    int best_k = k;
    for (int i = 0; i < 5; i++) {
        double step = mult[i] * pow(10.0, k);
        double n = count_in(lo, hi, step);
        if (n > PL_TICKS_MAX || n < 2)
            continue;
        double d = fabs(n - target);
        if (d < best_d) {
            best_d = d;
            best = step;
            best_k = i >= 3 ? k + 1 : k;
        }
    }
    if (best == 0) { /* fall back to the smallest step that fits */
        best = pow(10.0, k + 1);
        best_k = k + 1;
        while (count_in(lo, hi, best) > PL_TICKS_MAX) {
            best *= 10;
            best_k++;
        }
    }
    *k_out = best_k;
    return best;
}

/* Chooses the offset and scale that keep labels short. */
static void label_form(pl_ticks *t, double lo, double hi, int k)
{
    double mag = fmax(fabs(lo), fabs(hi));
    t->offset = 0;
    if (hi - lo < 1e-3 * mag) {
        double p = pow(10.0, ceil(log10(hi - lo)) + 1);
        t->offset = floor(lo / p) * p;
        mag = fmax(fabs(t->v[0] - t->offset), fabs(t->v[t->n - 1] - t->offset));
    }
    t->scale_exp = 0;
    if (mag >= 1e5 || (mag > 0 && mag < 1e-3)) {
        int e = (int)floor(log10(mag));
        t->scale_exp = (int)floor(e / 3.0) * 3;
    }
    int d = t->scale_exp - k;
    t->decimals = d > 0 ? d : 0;
    if (t->decimals > 15)
        t->decimals = 15;
}

void pl_ticks_nice(double lo, double hi, int target, pl_ticks *t)
{
    memset(t, 0, sizeof *t);
    if (target < 2)
        target = 2;
    if (target > PL_TICKS_MAX - 2)
        target = PL_TICKS_MAX - 2;
    sane_range(&lo, &hi);
    int k;
    double step = nice_step(lo, hi, target, &k);
    double first = floor(lo / step) - 1; /* the loop skips what lies below lo, tolerating rounding */
    for (int i = 0; i < PL_TICKS_MAX + 4 && t->n < PL_TICKS_MAX; i++) {
        double v = (first + i) * step;
        if (fabs(v) < step * 1e-9)
            v = 0;
        if (v < lo) {
            if (lo - v > step * 1e-6)
                continue;
            v = lo;
        }
        if (v > hi) {
            if (v - hi > step * 1e-6)
                break;
            v = hi;
        }
        t->v[t->n++] = v;
    }
    if (t->n == 0) { /* cannot happen with a sane range; keep the contract anyway */
        t->v[t->n++] = lo;
        t->v[t->n++] = hi;
    }
    t->step = step;
    label_form(t, lo, hi, k);
}

const char *pl_tick_label(const pl_ticks *t, double v, char *buf, size_t size)
{
    double r = (v - t->offset) / pow(10.0, t->scale_exp);
    if (fabs(r) < t->step / pow(10.0, t->scale_exp) * 1e-6)
        r = 0;
    snprintf(buf, size, "%.*f", t->decimals, r);
    if (strspn(buf, "-0.") == strlen(buf) && buf[0] == '-')
        memmove(buf, buf + 1, strlen(buf)); /* "-0.0" */
    return buf;
}

/* Superscript digits for the scale note (UTF-8). */
static void superscript(int e, char *out, size_t size)
{
    static const char *digits[] = {"\u2070", "\u00b9", "\u00b2", "\u00b3", "\u2074",
                                   "\u2075", "\u2076", "\u2077", "\u2078", "\u2079"};
    char num[16];
    snprintf(num, sizeof num, "%d", e);
    out[0] = '\0';
    for (const char *p = num; *p; p++) {
        const char *s = *p == '-' ? "\u207b" : digits[*p - '0'];
        if (strlen(out) + strlen(s) + 1 > size)
            break;
        strcat(out, s);
    }
}

const char *pl_ticks_note(const pl_ticks *t, char *buf, size_t size)
{
    char sup[64] = "", off[48] = "";
    if (t->scale_exp)
        superscript(t->scale_exp, sup, sizeof sup);
    if (t->offset != 0)
        snprintf(off, sizeof off, "%s%.10g", t->offset > 0 ? "+" : "\u2212", fabs(t->offset));
    snprintf(buf, size, "%s%s%s%s", t->scale_exp ? "\u00d710" : "", sup, (t->scale_exp && off[0]) ? " " : "", off);
    return buf;
}

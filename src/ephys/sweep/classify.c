/* Step 1, sweep classification: from the current trace alone (plus an artifact check on the voltage), find the
 * baseline and stimulus windows, the stimulus level and whether the sweep is a usable square step. Every sweep gets
 * its own windows (the original reused the first sweep's windows for single-protocol files). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ephys/sweep/sweep_internal.h"

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* Mode of round(x, 1) over x[from..to] (numpy rounds half to even, as rint does), ties to the smallest value;
 * *share receives the mode's share of the samples. tmp holds the rounded copy (in tenths) for sorting. */
static double rounded_mode(const double *x, size_t from, size_t to, double *tmp, double *share)
{
    size_t len = to - from + 1;
    for (size_t i = 0; i < len; i++)
        tmp[i] = rint(x[from + i] * 10.0);
    qsort(tmp, len, sizeof *tmp, cmp_double);
    double best = tmp[0];
    size_t best_n = 0;
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && tmp[j] == tmp[i])
            j++;
        if (j - i > best_n) { /* strictly more: the first (smallest) value wins ties */
            best_n = j - i;
            best = tmp[i];
        }
        i = j;
    }
    *share = (double)best_n / (double)len;
    return best / 10.0;
}

/* First run of samples with |I| < level (the baseline). Returns false when there is none. */
static bool first_quiet_run(const double *x, size_t n, double level, size_t *s, size_t *e)
{
    size_t i = 0;
    while (i < n && !(fabs(x[i]) < level))
        i++;
    if (i == n)
        return false;
    *s = i;
    while (i < n && fabs(x[i]) < level)
        i++;
    *e = i - 1;
    return true;
}

/* Mean of x over [from, to), clipped to [lo, hi]. */
static double mean_clipped(const double *x, long from, long to, long lo, long hi)
{
    from = from < lo ? lo : from;
    to = to > hi + 1 ? hi + 1 : to;
    double sum = 0.0;
    for (long i = from; i < to; i++)
        sum += x[i];
    return to > from ? sum / (double)(to - from) : 0.0;
}

/* A level change inside a run: consecutive samples jump by more than `level` and the means of the `m` samples
 * after and before differ by as much (so noise does not split a step). m == 0 disables splitting. */
static bool level_change(const double *x, size_t i, size_t run_start, size_t n, double level, size_t m)
{
    if (m == 0 || i <= run_start || !(fabs(x[i] - x[i - 1]) > level))
        return false;
    long li = (long)i, mm = (long)m;
    double after = mean_clipped(x, li, li + mm, (long)run_start, (long)n - 1);
    double before = mean_clipped(x, li - mm, li, (long)run_start, (long)n - 1);
    return fabs(after - before) > level;
}

/* Longest segment (first of equal length) with |I| > level and one current level: a run that holds a test pulse
 * and the step back to back is split where the level changes. Returns false when no sample exceeds the level. */
static bool longest_step(const double *x, size_t n, double level, size_t m, size_t *s, size_t *e, bool *split)
{
    size_t best_len = 0;
    *split = false;
    for (size_t i = 0; i < n;) {
        if (!(fabs(x[i]) > level)) {
            i++;
            continue;
        }
        size_t run_start = i, j = i + 1;
        while (j < n && fabs(x[j]) > level && !level_change(x, j, run_start, n, level, m))
            j++;
        if (j < n && fabs(x[j]) > level)
            *split = true;
        if (j - i > best_len) {
            best_len = j - i;
            *s = i;
            *e = j - 1;
        }
        i = j;
    }
    return best_len > 0;
}

/* Largest |d2V/dt2| (mV/s^2) inside the stimulus window where V <= 0 mV: steps with a capacitive or switching
 * artifact show spikes of curvature far above any membrane response. The second derivative is the central
 * difference applied twice (numpy.gradient of numpy.gradient): (v[i+2] - 2 v[i] + v[i-2]) / (4 dt^2). */
static double max_curvature(const double *v, size_t n, size_t ss, size_t se, double rate)
{
    double worst = 0.0;
    for (size_t i = ss; i <= se; i++) {
        if (i < 2 || i + 2 >= n || v[i] > 0.0)
            continue;
        double d2 = (v[i + 2] - 2.0 * v[i] + v[i - 2]) * rate * rate / 4.0;
        if (fabs(d2) > worst)
            worst = fabs(d2);
    }
    return worst;
}

void ephys_classify(const pl_ephys_params *p, const double *i_pA, const double *v_mV, size_t n, double rate,
                    double *tmp, ephys_windows *win, pl_ephys_sweep *out)
{
    out->valid = false;
    size_t s = 0, e = 0;
    if (first_quiet_run(i_pA, n, p->baseline_threshold_pA, &s, &e)) {
        win->bs = s;
        win->be = e;
    } else {
        size_t len = ephys_samples(p->fallback_baseline_ms, rate);
        win->bs = 0;
        win->be = (len < 1 ? 1 : len < n ? len : n) - 1;
        char note[96];
        snprintf(note, sizeof note, "no baseline below %g pA: the first %g ms are the baseline",
                 p->baseline_threshold_pA, p->fallback_baseline_ms);
        ephys_note(out, note);
    }
    double share = 0.0;
    bool split = false;
    size_t m = ephys_samples(p->level_change_window_ms, rate);
    if (p->level_change_window_ms > 0.0 && m < 1)
        m = 1;
    if (!longest_step(i_pA, n, p->stimulus_threshold_pA, m, &s, &e, &split)) {
        win->ss = 0;
        win->se = n - 1;
        out->stimulus_level_pA = rounded_mode(i_pA, 0, n - 1, tmp, &share);
        if (share >= p->no_step_mode_share) {
            out->valid = true;
            ephys_note(out, "no stimulus step: the whole sweep is the stimulus window");
        } else {
            snprintf(out->reason, sizeof out->reason, "No stimulus step and the current is not flat (%.0f%% at %g pA)",
                     100.0 * share, out->stimulus_level_pA);
        }
        return;
    }
    win->ss = s;
    win->se = e;
    if (split)
        ephys_note(out, "current runs holding several levels were split where the level changes");
    out->stimulus_level_pA = rounded_mode(i_pA, s, e, tmp, &share);
    double dur = (double)(e - s + 1) / rate;
    if (dur < p->min_stimulus_s) {
        snprintf(out->reason, sizeof out->reason, "Stimulus segments too short (minimum %gs required)",
                 p->min_stimulus_s);
        return;
    }
    double peak = 0.0;
    for (size_t i = s; i <= e; i++)
        if (fabs(i_pA[i]) > peak)
            peak = fabs(i_pA[i]);
    size_t flat = 0;
    for (size_t i = s; i <= e; i++)
        flat += fabs(i_pA[i]) > p->square_level * peak;
    if ((double)flat / (double)(e - s + 1) < p->min_flat_ratio) {
        snprintf(out->reason, sizeof out->reason, "Stimulus not square-shaped");
        return;
    }
    double curv = max_curvature(v_mV, n, s, e, rate);
    if (curv >= p->artifact_d2_mV_s2) {
        snprintf(out->reason, sizeof out->reason, "Stimulus artifact: |d2V/dt2| reaches %.3g mV/s^2 (limit %.3g)", curv,
                 p->artifact_d2_mV_s2);
        return;
    }
    out->valid = true;
}

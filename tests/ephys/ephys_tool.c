/* Test helper: analyses the sweeps of a simple binary file one at a time and prints the results as JSON, so that
 * the Python tests can compare them with independent computations. Input file: repeated records of
 *   int32 sweep, int32 0, uint64 n, float64 t0_s, float64 rate_Hz, n float64 current (pA), n float64 voltage (mV)
 * Usage: ephys_tool FILE [name=value ...]   (analysis parameters by field name)
 * Output: {"params":{...},"sweeps":[{...,"spikes":[...]}],"cell":{...},"peak_budget_bytes":N} */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plateau/ephys.h"
#include "plateau/mem.h"

static void num(const char *key, double v, int comma)
{
    if (isfinite(v))
        printf("%s\"%s\":%.17g", comma ? "," : "", key, v);
    else
        printf("%s\"%s\":null", comma ? "," : "", key);
}

static void json_str(const char *key, const char *s)
{
    printf(",\"%s\":\"", key);
    for (; *s; s++)
        putchar(*s == '"' || *s == '\\' ? '\'' : *s);
    putchar('"');
}

static void print_spike(const pl_ephys_spike *s, int comma)
{
    printf(
        "%s{\"index\":%d,\"i_peak\":%zu,\"i_threshold\":%zu,\"i_upstroke\":%zu,\"i_downstroke\":%zu,\"i_trough\":%zu",
        comma ? "," : "", s->index, s->i_peak, s->i_threshold, s->i_upstroke, s->i_downstroke, s->i_trough);
#define F(f) num(#f, s->f, 1)
    F(t_peak_s), F(t_threshold_s), F(t_fast_trough_s), F(peak_ms_from_stim), F(peak_mV), F(threshold_mV);
    F(threshold_to_peak_mV), F(threshold_to_peak_ms), F(fast_trough_mV), F(upstroke_mV_ms), F(downstroke_mV_ms);
    F(upstroke_to_peak_ms), F(upstroke_to_peak_mV), F(peak_to_downstroke_ms), F(peak_to_trough_ms), F(height_mV);
    F(half_height_mV), F(width_ms), F(threshold_to_trough_ms), F(upstroke_downstroke_ratio), F(isi_ms);
    F(kink_interval_ms), F(kink_ratio), F(kink_height_mV_ms), F(kink_slope_mV_ms2);
#undef F
    printf(",\"kink_count\":%d}", s->kink_count);
}

static void print_sweep(const pl_ephys_sweep *s, const pl_ephys_spike *spikes)
{
    printf("{\"sweep\":%d,\"valid\":%s,\"samples\":%zu,\"n_spikes\":%zu,\"lowpass_applied\":%s,\"median_applied\":%s,"
           "\"savgol_window\":%d,\"n_bins\":%d",
           s->sweep, s->valid ? "true" : "false", s->samples, s->n_spikes, s->lowpass_applied ? "true" : "false",
           s->median_applied ? "true" : "false", s->savgol_window, s->n_bins);
    json_str("reason", s->reason);
    json_str("note", s->note);
#define F(f) num(#f, s->f, 1)
    F(rate_Hz), F(stimulus_level_pA), F(baseline_start_s), F(baseline_end_s), F(stimulus_start_s), F(stimulus_end_s);
    F(rmp_mV), F(avg_peak_mV), F(avg_threshold_mV), F(avg_threshold_to_peak_mV), F(avg_threshold_to_peak_ms);
    F(avg_fast_trough_mV), F(avg_upstroke_to_peak_ms), F(avg_upstroke_to_peak_mV), F(avg_peak_to_downstroke_ms);
    F(avg_peak_to_trough_ms), F(avg_height_mV), F(avg_half_height_mV), F(avg_width_ms), F(avg_threshold_to_trough_ms);
    F(avg_upstroke_downstroke_ratio), F(avg_upstroke_mV_ms), F(avg_downstroke_mV_ms), F(spike_frequency_Hz);
    F(mean_isi_ms), F(cv_isi), F(middle_first_width), F(middle_first_threshold_to_peak), F(middle_first_fast_trough);
    F(last_first_width), F(last_first_threshold_to_peak), F(last_first_fast_trough), F(pct_spikes_with_kink);
    F(avg_kink_interval_ms), F(avg_kink_ratio), F(avg_kink_height_mV_ms), F(avg_kink_slope_mV_ms2);
    F(injected_current_pA), F(filtered_rmp_mV), F(frequency_pre_filter_Hz), F(frequency_post_filter_Hz);
    F(drift_range_mV), F(d_std_mV), F(normalized_signal_variability), F(filtered_rmp_derivative_mV_s);
    F(mean_stim_current_pA), F(mean_stim_voltage_mV), F(sag_mV), F(sag_ratio), F(sag_percent);
    F(peak_hyperpolarization_mV);
#undef F
    printf(",\"bin_count\":[");
    for (int b = 0; b < s->n_bins; b++)
        printf("%s%d", b ? "," : "", s->bin_count[b]);
    printf("],\"bin_cv_isi\":[");
    for (int b = 0; b < s->n_bins; b++)
        isfinite(s->bin_cv_isi[b]) ? printf("%s%.17g", b ? "," : "", s->bin_cv_isi[b]) : printf("%snull", b ? "," : "");
    printf("],\"spikes\":[");
    for (size_t k = 0; k < s->n_spikes; k++)
        print_spike(&spikes[k], k > 0);
    printf("]}");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: ephys_tool FILE [name=value ...]\n");
        return 2;
    }
    pl_error err;
    pl_error_clear(&err);
    char line[1024];
    pl_ephys_params p;
    pl_ephys_params_default(&p);
    for (int a = 2; a < argc; a++) {
        char name[128];
        const char *eq = strchr(argv[a], '=');
        if (!eq || (size_t)(eq - argv[a]) >= sizeof name)
            return 2;
        memcpy(name, argv[a], (size_t)(eq - argv[a]));
        name[eq - argv[a]] = 0;
        if (pl_ephys_params_set(&p, name, eq + 1, &err)) {
            fprintf(stderr, "%s\n", pl_error_line(&err, line, sizeof line));
            return 2;
        }
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    char pj[4096];
    pl_ephys_params_json(&p, pj, sizeof pj);
    printf("{\"params\":%s,\"sweeps\":[", pj);
    pl_ephys_work w;
    pl_ephys_work_init(&w);
    pl_ephys_cell cell;
    pl_ephys_cell_init(&cell);
    int rc = 0, count = 0;
    for (;;) {
        int32_t hdr[2];
        uint64_t n;
        double t0, rate;
        if (fread(hdr, sizeof hdr, 1, f) != 1)
            break;
        if (fread(&n, sizeof n, 1, f) != 1 || fread(&t0, sizeof t0, 1, f) != 1 || fread(&rate, sizeof rate, 1, f) != 1)
            return 2;
        double *i_pA = malloc((n ? n : 1) * sizeof *i_pA), *v_mV = malloc((n ? n : 1) * sizeof *v_mV);
        if (!i_pA || !v_mV || fread(i_pA, sizeof *i_pA, n, f) != n || fread(v_mV, sizeof *v_mV, n, f) != n)
            return 2;
        pl_ephys_sweep s;
        if (pl_ephys_analyze_sweep(&p, hdr[0], i_pA, v_mV, (size_t)n, t0, rate, &w, &s, &err)) {
            fprintf(stderr, "%s\n", pl_error_line(&err, line, sizeof line));
            rc = 3;
        } else {
            if (count++)
                putchar(',');
            print_sweep(&s, w.spikes);
            pl_ephys_cell_add(&cell, &p, &s);
        }
        free(i_pA);
        free(v_mV);
    }
    fclose(f);
    pl_ephys_cell_finish(&cell);
    printf("],\"cell\":{\"kept\":%d,\"dropped\":%d,\"rin_sweeps\":%d", cell.kept, cell.dropped, cell.rin_n);
    num("grand_rmp_mV", cell.grand_rmp_mV, 1);
    num("filtered_grand_rmp_mV", cell.filtered_grand_rmp_mV, 1);
    num("input_resistance_MOhm", cell.input_resistance_MOhm, 1);
    num("input_resistance_r", cell.input_resistance_r, 1);
    num("rheobase_pA", cell.rheobase_pA, 1);
    printf("},\"peak_budget_bytes\":%zu}\n", pl_mem_peak());
    pl_ephys_work_free(&w);
    return rc;
}

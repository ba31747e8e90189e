/* plateau: the analysis of current-clamp sweeps (docs/ephys-analysis.md).
 *
 * One sweep in memory at a time: pl_ephys_analyze_sweep takes a sweep's stimulus (pA) and response (mV) arrays and
 * returns a small per-sweep result plus its spikes; pl_ephys_cell collects the small results (never samples) for the
 * cell-level values (grand resting potential, input resistance, rheobase). Every constant is a field of
 * pl_ephys_params with the original pipeline's default; the raw arrays are never modified. All units are true units:
 * mV, pA, ms, mV/ms, MΩ, Hz; absolute times (`*_s`) are t0 + i / rate in the caller's time base. */
#ifndef PLATEAU_EPHYS_H
#define PLATEAU_EPHYS_H
#include <stdbool.h>
#include <stddef.h>

#include "plateau/error.h"
#ifdef __cplusplus
extern "C" {
#endif

typedef struct pl_ephys_params {
    /* 1 sweep classification */
    double stimulus_threshold_pA;  /* 5: a stimulus run is |I| above this */
    double baseline_threshold_pA;  /* 0.01 (ABF: 5): the baseline run is |I| below this */
    double min_stimulus_s;         /* 0.3 */
    double level_change_window_ms; /* 1: runs are split where the level changes for this long (0: never, as the
                                      original, which merged a test pulse and the step that follows it) */
    double min_flat_ratio;         /* 0.70: share of the run within square_level of the maximum */
    double square_level;           /* 0.9 */
    double no_step_mode_share;     /* 0.9: a sweep without a step is valid when one value covers this share */
    double fallback_baseline_ms;   /* 10: baseline when no run below the baseline threshold exists */
    double artifact_d2_mV_s2;      /* 20e9: |d2V/dt2| limit where V <= 0 mV inside the stimulus window */
    /* 2 low-pass, 3 cleaning */
    double lowpass_min_rate_Hz; /* 40e3 */
    double lowpass_cutoff_Hz;   /* 20e3 */
    int lowpass_order;          /* 4 */
    double median_kernel_ms;    /* 4: odd, >= 3 samples */
    /* 5 spikes */
    double pre_ms;                   /* 4.5 */
    double post_ms;                  /* 20 */
    double threshold_fraction;       /* 0.05 of max dV/dt */
    double fast_trough_fraction;     /* 0.01 of min dV/dt */
    double peak_height_mV;           /* -10 */
    double prominence_mV;            /* 20 */
    double min_peak_distance_ms;     /* 2 */
    double min_threshold_to_peak_mV; /* 15 */
    double bin_ms;                   /* 50 */
    double current_round_pA;         /* 5 */
    /* 6 kink */
    double kink_start_fraction;  /* 0.25 of max dV/dt */
    double kink_min_ratio;       /* 0.25 */
    double kink_min_depth;       /* 0.40 */
    double kink_min_interval_ms; /* 0.04 */
    /* 7 Savitzky-Golay baseline */
    double savgol_window_fraction; /* 0.100025 of the baseline duration */
    int savgol_polyorder;          /* 3 */
    double mean_window_ms;         /* 25 */
    /* 8 input resistance, 9 sag */
    int rin_sweeps;        /* 8 */
    double sag_window_ms;  /* 80 */
    double sag_end_gap_ms; /* 1 */
} pl_ephys_params;

void pl_ephys_params_default(pl_ephys_params *p);
/* Sets one parameter by its field name ("prominence_mV", "10"); PL_EARG for an unknown name or a bad number. */
pl_status pl_ephys_params_set(pl_ephys_params *p, const char *name, const char *value, pl_error *err);
/* The parameters as one JSON object (for sweep_config.json and the manifest). Returns the bytes written
 * (snprintf semantics: the size needed when buf is too small). */
size_t pl_ephys_params_json(const pl_ephys_params *p, char *buf, size_t size);

typedef struct pl_ephys_spike {
    int index;                                                      /* 0-based within the sweep */
    size_t i_peak, i_threshold, i_upstroke, i_downstroke, i_trough; /* sample indices within the sweep */
    double t_peak_s, t_threshold_s, t_fast_trough_s;
    double peak_ms_from_stim; /* peak time after the stimulus start, ms */
    double peak_mV, threshold_mV, threshold_to_peak_mV, threshold_to_peak_ms;
    double fast_trough_mV, upstroke_mV_ms, downstroke_mV_ms;
    double upstroke_to_peak_ms, upstroke_to_peak_mV, peak_to_downstroke_ms, peak_to_trough_ms;
    double height_mV;      /* peak - fast trough */
    double half_height_mV; /* the voltage half way from the trough to the peak */
    double width_ms;       /* width at half height */
    double threshold_to_trough_ms, upstroke_downstroke_ratio;
    double isi_ms; /* from the previous spike's peak; NAN for the first */
    int kink_count;
    double kink_interval_ms, kink_ratio, kink_height_mV_ms, kink_slope_mV_ms2;
} pl_ephys_spike;

#define PL_EPHYS_MAX_BINS 256 /* 50 ms bins: steps up to 12.8 s (the realistic MIES protocol has 5 s steps) */
#define PL_EPHYS_REASON_MAX 160

typedef struct pl_ephys_sweep {
    int sweep;
    bool valid;
    char reason[PL_EPHYS_REASON_MAX]; /* why it was dropped ("" when valid) */
    char note[PL_EPHYS_REASON_MAX];   /* what was assumed (fallback baseline, no step, ...) */
    double rate_Hz;
    size_t samples;
    double stimulus_level_pA; /* mode of round(I, 1) over the stimulus window, ties smallest */
    double baseline_start_s, baseline_end_s, stimulus_start_s, stimulus_end_s; /* first and last sample times */
    size_t i_baseline_start, i_baseline_end, i_stimulus_start, i_stimulus_end; /* the same as sample indices */
    bool lowpass_applied, median_applied;
    /* 4 resting potential */
    double rmp_mV;
    /* 5 spikes: counts, means of the per-spike values, rates */
    size_t n_spikes;
    double avg_peak_mV, avg_threshold_mV, avg_threshold_to_peak_mV, avg_threshold_to_peak_ms, avg_fast_trough_mV;
    double avg_upstroke_to_peak_ms, avg_upstroke_to_peak_mV, avg_peak_to_downstroke_ms, avg_peak_to_trough_ms;
    double avg_height_mV, avg_half_height_mV, avg_width_ms, avg_threshold_to_trough_ms, avg_upstroke_downstroke_ratio;
    double avg_upstroke_mV_ms, avg_downstroke_mV_ms;
    double spike_frequency_Hz, mean_isi_ms, cv_isi;
    int n_bins;
    int bin_count[PL_EPHYS_MAX_BINS];
    double bin_cv_isi[PL_EPHYS_MAX_BINS];
    double middle_first_width, middle_first_threshold_to_peak, middle_first_fast_trough;
    double last_first_width, last_first_threshold_to_peak, last_first_fast_trough;
    double pct_spikes_with_kink, avg_kink_interval_ms, avg_kink_ratio, avg_kink_height_mV_ms, avg_kink_slope_mV_ms2;
    double injected_current_pA; /* stimulus level rounded to current_round_pA */
    /* 7 Savitzky-Golay baseline */
    int savgol_window; /* samples; 0 when not computed */
    double filtered_rmp_mV, frequency_pre_filter_Hz, frequency_post_filter_Hz;
    double drift_range_mV, d_std_mV, normalized_signal_variability, filtered_rmp_derivative_mV_s;
    /* 8 input resistance inputs, 9 sag */
    double mean_stim_current_pA, mean_stim_voltage_mV;
    double sag_mV, sag_ratio, sag_percent, peak_hyperpolarization_mV;
} pl_ephys_sweep;

/* Scratch reused from sweep to sweep (filtered voltage, dV/dt, sort buffer, spikes): the only sample-sized memory. */
typedef struct pl_ephys_work {
    double *v, *dvdt, *tmp;
    size_t cap;
    pl_ephys_spike *spikes; /* the last analysed sweep's spikes, sweep.n_spikes of them */
    size_t spikes_cap;
} pl_ephys_work;

void pl_ephys_work_init(pl_ephys_work *w);
void pl_ephys_work_free(pl_ephys_work *w);

/* Analyses one sweep. i_pA and v_mV hold n samples taken at rate_Hz from t0_s; they are read, never written.
 * A sweep that cannot be analysed (no step, NaN, too short, artifact) is a result with valid = false and a reason,
 * not an error; errors are only PL_EARG (a bad parameter), PL_EBUDGET and PL_ENOMEM. */
pl_status pl_ephys_analyze_sweep(const pl_ephys_params *p, int sweep, const double *i_pA, const double *v_mV, size_t n,
                                 double t0_s, double rate_Hz, pl_ephys_work *w, pl_ephys_sweep *out, pl_error *err);

/* Cell-level values from the per-sweep results, in the order the sweeps were analysed. */
typedef struct pl_ephys_cell {
    int kept, dropped;
    double rmp_sum, filtered_rmp_sum;
    int rmp_n, filtered_rmp_n;
    int rin_n;
    double rin_current_pA[32], rin_voltage_mV[32];
    double rheobase_pA; /* NAN until a spiking sweep is seen */
    /* results of pl_ephys_cell_finish */
    double grand_rmp_mV, filtered_grand_rmp_mV, input_resistance_MOhm, input_resistance_r;
} pl_ephys_cell;

void pl_ephys_cell_init(pl_ephys_cell *c);
void pl_ephys_cell_add(pl_ephys_cell *c, const pl_ephys_params *p, const pl_ephys_sweep *s);
void pl_ephys_cell_finish(pl_ephys_cell *c);

/* A result for a sweep that was not analysed (a voltage-clamp sweep, tables that disagree): valid = false. */
void pl_ephys_sweep_dropped(pl_ephys_sweep *out, int sweep, size_t n, double rate_Hz, const char *reason);

/* ---- Bundles (plateau ephys analyze) ----
 * A bundle is a folder written by `plateau ephys convert`: manifest.json and long-format tables mV_<cell>.parquet
 * and pA_<cell>.parquet sorted by sweep. The analysis reads both tables sweep by sweep (current-clamp sweeps
 * only), and writes into the bundle, each file atomically: sweep_config.json, analysis.parquet/.csv,
 * AP_analysis.parquet/.csv (one row per spike), AP_analysis_wide.parquet/.csv when ap_wide, plots/ and
 * summary.pdf unless plots is off, and manifest.json with an "analysis" section. A bundle analysed with the same
 * parameters and outputs is skipped unless force. */
typedef struct pl_ephys_analyze_options {
    pl_ephys_params params;
    bool baseline_threshold_given; /* else ABF bundles use 5 pA (design: ABF baseline threshold) */
    bool plots;
    bool ap_wide; /* also AP_analysis_wide.parquet/.csv: one row per spiking sweep, columns <metric>_<spike> */
    bool force;
} pl_ephys_analyze_options;

struct pl_batch_input;
struct pl_job_outcome;
void pl_ephys_analyze_options_default(pl_ephys_analyze_options *o);
/* "NAME=VALUE" (the --set option): changes one analysis constant, noting an explicit baseline threshold;
 * "ap_wide=1" (or 0) switches the wide AP table on (off). */
pl_status pl_ephys_analyze_options_set(pl_ephys_analyze_options *o, const char *assignment, pl_error *err);
/* Bundles under the given paths (a bundle folder, its manifest.json, or a folder searched recursively): inputs
 * whose path is the bundle's manifest.json. *out is pl_alloc'd. */
pl_status pl_ephys_find_bundles(char *const *paths, size_t n_paths, struct pl_batch_input **out, size_t *n_out,
                                pl_error *err);
/* The batch job analysing one bundle (in->path = its manifest.json); ctx is a const pl_ephys_analyze_options*. */
pl_status pl_ephys_analyze_job(void *ctx, const struct pl_batch_input *in, struct pl_job_outcome *out, pl_error *err);
size_t pl_ephys_analyze_estimate(void *ctx, const struct pl_batch_input *in);

#ifdef __cplusplus
}
#endif
#endif

/* The analysis constants, with the original pipeline's defaults (design/ephys.md, "Analysis of a bundle"), and a
 * name table so that they can be set by name (CLI options) and recorded in outputs. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plateau/ephys.h"

typedef struct {
    const char *name;
    size_t offset;
    bool is_int;
} param_field;

#define D(f)                                                                                                           \
    {                                                                                                                  \
#f, offsetof(pl_ephys_params, f), false                                                                        \
    }
#define I(f)                                                                                                           \
    {                                                                                                                  \
#f, offsetof(pl_ephys_params, f), true                                                                         \
    }
static const param_field fields[] = {
    D(stimulus_threshold_pA),
    D(baseline_threshold_pA),
    D(min_stimulus_s),
    D(level_change_window_ms),
    D(min_flat_ratio),
    D(square_level),
    D(no_step_mode_share),
    D(fallback_baseline_ms),
    D(artifact_d2_mV_s2),
    D(lowpass_min_rate_Hz),
    D(lowpass_cutoff_Hz),
    I(lowpass_order),
    D(median_kernel_ms),
    D(pre_ms),
    D(post_ms),
    D(threshold_fraction),
    D(fast_trough_fraction),
    D(peak_height_mV),
    D(prominence_mV),
    D(min_peak_distance_ms),
    D(min_threshold_to_peak_mV),
    D(bin_ms),
    D(current_round_pA),
    D(kink_start_fraction),
    D(kink_min_ratio),
    D(kink_min_depth),
    D(kink_min_interval_ms),
    D(savgol_window_fraction),
    I(savgol_polyorder),
    D(mean_window_ms),
    I(rin_sweeps),
    D(sag_window_ms),
    D(sag_end_gap_ms),
};
#undef D
#undef I

void pl_ephys_params_default(pl_ephys_params *p)
{
    *p = (pl_ephys_params){
        .stimulus_threshold_pA = 5.0,
        .baseline_threshold_pA = 0.01,
        .min_stimulus_s = 0.3,
        .level_change_window_ms = 1.0,
        .min_flat_ratio = 0.70,
        .square_level = 0.9,
        .no_step_mode_share = 0.9,
        .fallback_baseline_ms = 10.0,
        .artifact_d2_mV_s2 = 20e9,
        .lowpass_min_rate_Hz = 40e3,
        .lowpass_cutoff_Hz = 20e3,
        .lowpass_order = 4,
        .median_kernel_ms = 4.0,
        .pre_ms = 4.5,
        .post_ms = 20.0,
        .threshold_fraction = 0.05,
        .fast_trough_fraction = 0.01,
        .peak_height_mV = -10.0,
        .prominence_mV = 20.0,
        .min_peak_distance_ms = 2.0,
        .min_threshold_to_peak_mV = 15.0,
        .bin_ms = 50.0,
        .current_round_pA = 5.0,
        .kink_start_fraction = 0.25,
        .kink_min_ratio = 0.25,
        .kink_min_depth = 0.40,
        .kink_min_interval_ms = 0.04,
        .savgol_window_fraction = 0.100025,
        .savgol_polyorder = 3,
        .mean_window_ms = 25.0,
        .rin_sweeps = 8,
        .sag_window_ms = 80.0,
        .sag_end_gap_ms = 1.0,
    };
}

pl_status pl_ephys_params_set(pl_ephys_params *p, const char *name, const char *value, pl_error *err)
{
    for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
        if (strcmp(fields[k].name, name) != 0)
            continue;
        char *end = NULL;
        errno = 0;
        double v = strtod(value, &end);
        if (errno || end == value || *end)
            return pl_error_set(err, PL_EARG, NULL, "analysis parameter %s: '%s' is not a number", name, value);
        char *at = (char *)p + fields[k].offset;
        if (fields[k].is_int)
            *(int *)at = (int)v;
        else
            *(double *)at = v;
        return PL_OK;
    }
    return pl_error_set(err, PL_EARG, NULL, "unknown analysis parameter '%s'", name);
}

size_t pl_ephys_params_json(const pl_ephys_params *p, char *buf, size_t size)
{
    size_t used = 0;
#define PUT(...)                                                                                                       \
    do {                                                                                                               \
        int w_ = snprintf(buf + (used < size ? used : size), used < size ? size - used : 0, __VA_ARGS__);              \
        used += w_ > 0 ? (size_t)w_ : 0;                                                                               \
    } while (0)
    PUT("{");
    for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
        const char *at = (const char *)p + fields[k].offset;
        if (fields[k].is_int)
            PUT("%s\"%s\":%d", k ? "," : "", fields[k].name, *(const int *)at);
        else
            PUT("%s\"%s\":%.17g", k ? "," : "", fields[k].name, *(const double *)at);
    }
    PUT("}");
#undef PUT
    return used;
}

/* Internal steps of the per-sweep analysis (src/ephys/ephys_*.c). Sample indices are inclusive ranges. */
#ifndef PLATEAU_EPHYS_INTERNAL_H
#define PLATEAU_EPHYS_INTERNAL_H
#include "plateau/ephys.h"

/* The classification's result in samples, alongside the public times in pl_ephys_sweep. */
typedef struct ephys_windows {
    size_t bs, be; /* baseline */
    size_t ss, se; /* stimulus */
} ephys_windows;

/* Step 1: windows, stimulus level, validity (raw arrays; tmp holds n doubles of scratch). */
void ephys_classify(const pl_ephys_params *p, const double *i_pA, const double *v_mV, size_t n, double rate,
                    double *tmp, ephys_windows *win, pl_ephys_sweep *out);

/* Step 5 and 6: spikes of the analysed voltage v (dvdt in mV/ms); fills w->spikes and the sweep's spike summary. */
pl_status ephys_spikes(const pl_ephys_params *p, const double *v, const double *dvdt, size_t n, double t0, double rate,
                       const ephys_windows *win, pl_ephys_work *w, pl_ephys_sweep *out, pl_error *err);

/* Step 7: Savitzky-Golay baseline metrics (tmp: scratch of at least the baseline length). */
pl_status ephys_savgol_baseline(const pl_ephys_params *p, const double *v, double rate, const ephys_windows *win,
                                double *tmp, pl_ephys_sweep *out, pl_error *err);

/* Mean of x[from..to] (inclusive). */
double ephys_mean(const double *x, size_t from, size_t to);
/* Samples in `ms` milliseconds at `rate`, rounded. */
size_t ephys_samples(double ms, double rate);
/* Appends a note, separated by "; ". */
void ephys_note(pl_ephys_sweep *out, const char *text);

#endif

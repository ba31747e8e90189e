/* Synthetic patch-clamp sweeps for gen_mies: square current steps with a leaky membrane, a sag current and action
 * potentials (current clamp), 10 mV test pulses with capacitive transients (voltage clamp). Generated block by block
 * so that a sweep of any length never sits in memory. */
#ifndef PLATEAU_GEN_SIGNAL_H
#define PLATEAU_GEN_SIGNAL_H

#include <stddef.h>
#include <stdint.h>

typedef struct gen_sweep {
    int current_clamp;
    double rate;    /* Hz */
    int64_t n;      /* samples */
    double step_pA; /* current clamp step amplitude */
    double step_on_s, step_off_s;
    /* membrane state (current clamp) */
    double v, w, thr, rest;
    double spike_t;    /* seconds since the spike started, < 0 outside a spike */
    double spike_from; /* threshold the spike started from */
    uint64_t rng;
    int64_t at; /* next sample to generate */
} gen_sweep;

void gen_sweep_init(gen_sweep *s, int current_clamp, double rate, int64_t n, double step_pA, uint64_t seed);
/* Next n samples: stimulus (pA for current clamp, mV for voltage clamp) and response (mV / pA). */
void gen_sweep_next(gen_sweep *s, size_t n, double *stim, double *resp);

#endif

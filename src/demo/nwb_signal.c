/* Synthetic sweeps (see gen_signal.h). Units: mV, pA, GOhm (mV = GOhm * pA), seconds. */
#include <math.h>

#include "demo/nwb_h5.h"
#include "demo/nwb_signal.h"

#define PI 3.141592653589793
#define TEST_PULSE_ON 0.01166 /* MIES puts a -50 pA test pulse near the start of current-clamp sweeps */
#define TEST_PULSE_OFF 0.02166
#define R_INPUT 0.2 /* GOhm */
#define TAU_M 0.020 /* s */
#define TAU_SAG 0.080
#define SAG_GAIN 0.3
#define THRESHOLD (-48.0)
#define PEAK 32.0
#define TROUGH (-58.0)
#define RISE_S 0.00045
#define FALL_S 0.0009
#define ADAPT_MV 1.5   /* threshold rises after each spike ... */
#define TAU_ADAPT 0.25 /* ... and relaxes back */
#define NOISE_MV 0.08
#define NOISE_PA 3.0

void gen_sweep_init(gen_sweep *s, int current_clamp, double rate, int64_t n, double step_pA, uint64_t seed)
{
    s->current_clamp = current_clamp;
    s->rate = rate;
    s->n = n;
    s->step_pA = step_pA;
    double d = (double)n / rate;
    s->step_on_s = 0.25 * d;
    s->step_off_s = 0.75 * d;
    s->rng = seed | 1;
    s->rest = -70.0 + 0.5 * gen_normal(&s->rng);
    s->v = s->rest;
    s->w = 0;
    s->thr = THRESHOLD;
    s->spike_t = -1;
    s->at = 0;
}

static double cc_stimulus(const gen_sweep *s, double t)
{
    if (t >= TEST_PULSE_ON && t < TEST_PULSE_OFF)
        return -50.0;
    return t >= s->step_on_s && t < s->step_off_s ? s->step_pA : 0.0;
}

/* One Euler step of the membrane, or the next point of a running action potential. */
static double cc_step(gen_sweep *s, double i_pA, double dt)
{
    s->thr += (THRESHOLD - s->thr) * dt / TAU_ADAPT;
    if (s->spike_t >= 0) {
        double t = s->spike_t;
        s->spike_t += dt;
        if (t < RISE_S)
            return s->spike_from + (PEAK - s->spike_from) * (1 - cos(PI * t / RISE_S)) / 2;
        if (t < RISE_S + FALL_S)
            return TROUGH + (PEAK - TROUGH) * (1 + cos(PI * (t - RISE_S) / FALL_S)) / 2;
        s->spike_t = -1;
        s->v = TROUGH;
        s->thr += ADAPT_MV;
        return s->v;
    }
    double below = s->v < s->rest ? s->v - s->rest : 0; /* the sag current opens on hyperpolarisation */
    s->w += (SAG_GAIN * below - s->w) * dt / TAU_SAG;
    s->v += (-(s->v - s->rest) - s->w + R_INPUT * i_pA) * dt / TAU_M;
    if (s->v >= s->thr) {
        s->spike_t = dt;
        s->spike_from = s->v;
    }
    return s->v;
}

/* 10 mV pulses of 10 ms every 20 ms over the first 40% of the sweep (MIES test pulses). */
static double vc_stimulus(const gen_sweep *s, double t)
{
    if (t < TEST_PULSE_ON || t > 0.4 * (double)s->n / s->rate)
        return 0.0;
    return fmod(t - TEST_PULSE_ON, 0.020) < 0.010 ? 10.0 : 0.0;
}

/* Capacitive transient after each edge (access 10 MOhm, tau 0.15 ms) and the input resistance's steady current. */
static double vc_response(const gen_sweep *s, double t, double cmd)
{
    double since = t >= TEST_PULSE_ON ? fmod(t - TEST_PULSE_ON, 0.010) : 1.0;
    double edge = cmd > 0 ? 1.0 : -1.0;
    double transient =
        t >= TEST_PULSE_ON && t < 0.4 * (double)s->n / s->rate + 0.01 ? edge * 1000.0 * exp(-since / 0.00015) : 0.0;
    return transient + cmd / R_INPUT;
}

void gen_sweep_next(gen_sweep *s, size_t n, double *stim, double *resp)
{
    double dt = 1.0 / s->rate;
    for (size_t k = 0; k < n; k++, s->at++) {
        double t = (double)s->at * dt;
        if (s->current_clamp) {
            stim[k] = cc_stimulus(s, t);
            resp[k] = cc_step(s, stim[k], dt) + NOISE_MV * gen_normal(&s->rng);
        } else {
            stim[k] = vc_stimulus(s, t);
            resp[k] = vc_response(s, t, stim[k]) + NOISE_PA * gen_normal(&s->rng);
        }
    }
}

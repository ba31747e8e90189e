/* Benchmark of the per-sweep analysis: synthetic 1.5 s current-clamp sweeps (a -110..+250 pA family with noise and
 * spike trains) at a chosen rate, analysed one at a time. Reports the median time per sweep, samples per second,
 * the budget's peak and the process's peak RSS. Usage: bench_sweep [RATE_HZ] [SWEEPS] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "plateau/ephys.h"
#include "plateau/mem.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Passive response plus Gaussian-shaped spikes every 1e3/rate_hz ms once the current exceeds 100 pA. */
static void make(double *i_pa, double *v, size_t n, double rate, double level, unsigned *seed)
{
    size_t s0 = (size_t)(0.1 * rate), s1 = (size_t)(1.1 * rate);
    double fire_hz = level > 100 ? (level - 100) * 0.2 + 5 : 0;
    for (size_t k = 0; k < n; k++) {
        double t = (double)k / rate, on = (k >= s0 && k < s1);
        i_pa[k] = on ? level : 0.0;
        double noise = ((double)rand_r(seed) / RAND_MAX - 0.5) * 0.4;
        double tau = 0.02, dv = level * 0.2;
        double passive = k < s0 ? 0 : k < s1 ? dv * (1 - exp(-(t - 0.1) / tau)) : dv * exp(-(t - 1.1) / tau);
        v[k] = -68.0 + passive + noise;
        if (on && fire_hz > 0) {
            double period = 1.0 / fire_hz, ph = fmod(t - 0.1, period) - period / 2;
            v[k] += 110.0 * exp(-(ph / 3e-4) * (ph / 3e-4));
        }
    }
}

int main(int argc, char **argv)
{
    double rate = argc > 1 ? atof(argv[1]) : 50000.0;
    int sweeps = argc > 2 ? atoi(argv[2]) : 40;
    size_t n = (size_t)(1.5 * rate);
    double *i_pa = malloc(n * sizeof *i_pa), *v = malloc(n * sizeof *v),
           *times = malloc((size_t)sweeps * sizeof(double));
    pl_ephys_params p;
    pl_ephys_params_default(&p);
    pl_ephys_work w;
    pl_ephys_work_init(&w);
    pl_ephys_cell cell;
    pl_ephys_cell_init(&cell);
    unsigned seed = 1;
    size_t spikes = 0;
    double total = 0;
    for (int s = 0; s < sweeps; s++) {
        make(i_pa, v, n, rate, -110.0 + 20.0 * (s % 19), &seed);
        pl_ephys_sweep out;
        pl_error err;
        double t = now();
        if (pl_ephys_analyze_sweep(&p, s, i_pa, v, n, 0.0, rate, &w, &out, &err) != PL_OK) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        times[s] = now() - t;
        total += times[s];
        spikes += out.n_spikes;
        pl_ephys_cell_add(&cell, &p, &out);
    }
    pl_ephys_cell_finish(&cell);
    qsort(times, (size_t)sweeps, sizeof *times, cmp);
    char b1[32], b2[32];
    printf("rate %.0f Hz, %d sweeps of %zu samples, %zu spikes, Rin %.1f MOhm\n", rate, sweeps, n, spikes,
           cell.input_resistance_MOhm);
    printf("median %.2f ms/sweep, %.1f Msamples/s overall; budget peak %s; peak RSS %s\n", 1e3 * times[sweeps / 2],
           (double)n * sweeps / total / 1e6, pl_format_size((double)pl_mem_peak(), b1, sizeof b1),
           pl_format_size((double)pl_rss_peak(), b2, sizeof b2));
    pl_ephys_work_free(&w);
    free(i_pa);
    free(v);
    free(times);
    return 0;
}

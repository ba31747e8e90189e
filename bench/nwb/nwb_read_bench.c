/* nwb_read_bench FILE [BLOCK]: reads every series of a recording through the Recording interface in blocks of
 * BLOCK samples (default 65536) and prints JSON: samples, seconds, samples/s, a checksum, the charged-memory peak and
 * the peak RSS. bench/nwb/read_bench.py compares it with h5py on the same datasets. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "plateau/mem.h"
#include "plateau/recording.h"

/* CPU seconds (user + system) of this process: stable when other jobs compete for the cores. */
static double cpu_now(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec * 1e-6;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: nwb_read_bench FILE [BLOCK]\n");
        return 2;
    }
    size_t block = argc > 2 ? (size_t)atol(argv[2]) : 65536;
    pl_error err;
    pl_error_clear(&err);
    double t0 = now(), c0 = cpu_now();
    pl_recording *r;
    if (pl_recording_open(argv[1], &r, &err) != PL_OK) {
        char line[1024];
        fprintf(stderr, "%s\n", pl_error_line(&err, line, sizeof line));
        return 1;
    }
    double *buf = pl_alloc(block * sizeof *buf, "bench buffer", &err);
    int64_t total = 0;
    double sum = 0;
    for (size_t i = 0; i < pl_recording_series_count(r); i++) {
        const pl_series_info *s = pl_recording_series(r, i);
        for (int64_t at = 0; at < s->n_samples; at += (int64_t)block) {
            size_t n = (size_t)(s->n_samples - at < (int64_t)block ? s->n_samples - at : (int64_t)block);
            if (pl_recording_read(r, i, at, n, buf, &err) != PL_OK) {
                char line[1024];
                fprintf(stderr, "%s\n", pl_error_line(&err, line, sizeof line));
                return 1;
            }
            for (size_t k = 0; k < n; k++)
                sum += buf[k];
            total += (int64_t)n;
        }
    }
    double secs = now() - t0, cpu = cpu_now() - c0;
    printf("{\"samples\": %lld, \"seconds\": %.4f, \"cpu_seconds\": %.4f, \"samples_per_s\": %.0f, "
           "\"samples_per_cpu_s\": %.0f, \"checksum\": %.10g, "
           "\"charged_peak_bytes\": %zu, \"memory_need_bytes\": %zu, \"peak_rss_bytes\": %zu}\n",
           (long long)total, secs, cpu, (double)total / secs, (double)total / cpu, sum, pl_mem_peak(), pl_recording_memory_need(r),
           pl_rss_peak());
    pl_free(buf);
    pl_recording_close(r);
    return 0;
}

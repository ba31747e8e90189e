/* Read benchmark: every sample of every series of an ABF file through the Recording interface (chunks of 64k
 * doubles), against the raw read speed of the same file (read() in 1 MiB blocks). Page cache warm for both (the
 * file is read once before timing). Prints JSON with throughput, ratio and peak RSS. usage: bench_abf_read FILE */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "plateau/mem.h"
#include "plateau/progress.h"
#include "plateau/recording.h"

/* CPU seconds of this process: the machine may be shared, so wall time alone says little. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double raw_read(const char *path, double *bytes, double *cpu)
{
    static char buf[1 << 20];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    double t0 = pl_now(), c0 = cpu_now();
    ssize_t n;
    *bytes = 0;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        *bytes += (double)n;
    close(fd);
    *cpu = cpu_now() - c0;
    return pl_now() - t0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: bench_abf_read FILE.abf\n");
        return 2;
    }
    double bytes, sink = 0, c_raw;
    raw_read(argv[1], &bytes, &c_raw); /* warm the page cache */
    double t_raw = raw_read(argv[1], &bytes, &c_raw);
    pl_recording *r;
    pl_error err;
    double t0 = pl_now(), c0 = cpu_now();
    if (pl_recording_open(argv[1], &r, &err) != PL_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    enum { CHUNK = 65536 };
    double *v = malloc(CHUNK * sizeof *v);
    long long samples = 0;
    for (size_t i = 0; i < pl_recording_series_count(r); i++) {
        const pl_series_info *s = pl_recording_series(r, i);
        for (int64_t at = 0; at < s->n_samples; at += CHUNK) {
            size_t n = (size_t)(s->n_samples - at < CHUNK ? s->n_samples - at : CHUNK);
            if (pl_recording_read(r, i, at, n, v, &err) != PL_OK) {
                fprintf(stderr, "%s\n", err.msg);
                return 1;
            }
            sink += v[0] + v[n - 1];
            samples += (long long)n;
        }
    }
    double t_ours = pl_now() - t0, c_ours = cpu_now() - c0;
    size_t need = pl_recording_memory_need(r);
    pl_recording_close(r);
    free(v);
    printf("{\"file_bytes\":%.0f,\"samples\":%lld,\"raw_read_s\":%.3f,\"raw_MBps\":%.1f,\"reader_s\":%.3f,"
           "\"reader_MBps\":%.1f,\"reader_Msamples_per_s\":%.1f,\"raw_over_reader\":%.2f,\"reader_memory_need\":%zu,"
           "\"raw_cpu_s\":%.3f,\"reader_cpu_s\":%.3f,\"reader_cpu_MBps\":%.1f,\"peak_rss_MiB\":%.1f,\"checksum\":%g}\n",
           bytes, samples, t_raw, bytes / t_raw / 1e6, t_ours, bytes / t_ours / 1e6, samples / t_ours / 1e6,
           t_ours / t_raw, need, c_raw, c_ours, bytes / c_ours / 1e6, pl_rss_peak() / 1048576.0, sink);
    return 0;
}

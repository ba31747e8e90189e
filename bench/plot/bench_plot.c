/* Plot benchmarks (built, never run by the tests):
 *   1. decimation throughput: one trace fed 2e8 samples from a 1 MiB-sample buffer in chunks, median of 5 runs;
 *   2. the memory of a 100-panel grid (20 rows x 5 columns, 1e6 samples per panel, 1e8 in total) fed in chunks,
 *      saved as PNG and PDF: peak RSS (VmHWM), peak charged memory, times.
 * Usage: bench_plot [OUTDIR]   (default /tmp) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plateau/mem.h"
#include "plateau/plot.h"

static pl_error err;

#define CHECK(x)                                                                                                       \
    do {                                                                                                               \
        if ((x) != PL_OK) {                                                                                            \
            char line_[1024];                                                                                          \
            fprintf(stderr, "bench_plot: %s\n", pl_error_line(&err, line_, sizeof line_));                             \
            exit(1);                                                                                                   \
        }                                                                                                              \
    } while (0)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* CPU time of this thread: what "per core" means on a shared machine. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Noisy sine with occasional spikes: what a current-clamp sweep looks like to the decimator. */
static void fill(double *buf, size_t n, size_t offset)
{
    unsigned s = (unsigned)offset * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        size_t k = offset + i;
        buf[i] = -65 + 5 * sin((double)k * 1e-4) + 0.5 * ((s >> 8) / 16777216.0 - 0.5) + ((k % 20000) < 30 ? 90 : 0);
    }
}

static void bench_throughput(void)
{
    enum { BUF = 1 << 20, CHUNK = 65536 };
    const size_t total = 200u * 1000u * 1000u;
    double *buf = malloc(BUF * sizeof *buf);
    fill(buf, BUF, 0);
    double times[5], cpu[5];
    for (int run = 0; run < 5; run++) {
        pl_figure *fig;
        CHECK(pl_figure_new(&(pl_figure_spec){.width_in = 4, .height_in = 3, .dpi = 100}, &fig, &err));
        pl_trace *tr;
        double step = 1.0 / 20000;
        CHECK(pl_trace_new(pl_figure_panel(fig, 0, 0), 0, (double)total * step, NULL, &tr, &err));
        double t0 = now(), c0 = cpu_now();
        for (size_t done = 0; done < total; done += CHUNK) {
            size_t off = done % BUF;
            CHECK(pl_trace_feed(tr, (double)done * step, step, buf + off, CHUNK, &err));
        }
        times[run] = now() - t0;
        cpu[run] = cpu_now() - c0;
        pl_figure_free(fig);
    }
    qsort(times, 5, sizeof times[0], cmp_double);
    qsort(cpu, 5, sizeof cpu[0], cmp_double);
    printf("decimation: %.0f million samples/s per CPU second (%.0f per wall second; median of 5 runs of %zu "
           "samples, chunks of %d, one thread)\n",
           (double)total / cpu[2] / 1e6, (double)total / times[2] / 1e6, total, (int)CHUNK);
    free(buf);
}

static void bench_grid(const char *outdir)
{
    enum { ROWS = 20, COLS = 5, CHUNK = 16384 };
    const size_t per_panel = 1000000;
    double buf[CHUNK];
    pl_figure *fig;
    pl_figure_spec spec = {.width_in = 15,
                           .height_in = 2.0 * ROWS,
                           .dpi = 100,
                           .rows = ROWS,
                           .cols = COLS,
                           .title = "100 sweeps x 1e6 samples"};
    double t0 = now();
    CHECK(pl_figure_new(&spec, &fig, &err));
    double feed = 0, gen = 0, feed_cpu = 0;
    for (int p = 0; p < ROWS * COLS; p++) {
        pl_axes *ax = pl_figure_panel(fig, p / COLS, p % COLS);
        char title[32];
        snprintf(title, sizeof title, "Sweep %d", p + 1);
        pl_axes_title(ax, title);
        pl_axes_labels(ax, "Time (s)", "Vm (mV)");
        pl_trace *tr;
        double step = 1.0 / 20000;
        CHECK(pl_trace_new(ax, 0, (double)per_panel * step, NULL, &tr, &err));
        for (size_t done = 0; done < per_panel; done += CHUNK) {
            size_t m = per_panel - done < CHUNK ? per_panel - done : CHUNK;
            double g0 = now();
            fill(buf, m, done + (size_t)p * 7919);
            double g1 = now(), c1 = cpu_now();
            CHECK(pl_trace_feed(tr, (double)done * step, step, buf, m, &err));
            feed += now() - g1;
            feed_cpu += cpu_now() - c1;
            gen += g1 - g0;
        }
    }
    double t1 = now();
    char path[4096];
    snprintf(path, sizeof path, "%s/bench_grid.png", outdir);
    CHECK(pl_figure_save(fig, path, &err));
    double t2 = now();
    snprintf(path, sizeof path, "%s/bench_grid.pdf", outdir);
    CHECK(pl_figure_save(fig, path, &err));
    double t3 = now();
    size_t charged = pl_mem_peak();
    int w = pl_figure_width_px(fig), h = pl_figure_height_px(fig);
    pl_figure_free(fig);
    char rss[32], peak[32];
    printf("grid: %d panels, %.0e samples: feed %.2f s wall, %.2f s CPU (%.0f M samples per CPU second; generating "
           "them took %.2f s), PNG %dx%d %.2f s, PDF %.2f s, total %.2f s (wall)\n",
           ROWS * COLS, (double)per_panel * ROWS * COLS, feed, feed_cpu,
           (double)per_panel * ROWS * COLS / feed_cpu / 1e6, gen, w, h, t2 - t1, t3 - t2, t3 - t0);
    printf("grid: peak RSS %s (VmHWM), peak charged %s\n", pl_format_size((double)pl_rss_peak(), rss, sizeof rss),
           pl_format_size((double)charged, peak, sizeof peak));
}

int main(int argc, char **argv)
{
    const char *outdir = argc > 1 ? argv[1] : "/tmp";
    if (argc > 2 && !strcmp(argv[2], "grid")) {
        bench_grid(outdir);
        return 0;
    }
    bench_grid(outdir); /* first, so VmHWM is the grid's */
    bench_throughput();
    return 0;
}

/* Renders one of each kind of plot the pipelines draw, from synthetic data, into a folder (to look at):
 *   sweeps.png     a 5-column grid of current-clamp sweeps (mV vs s), decimated traces
 *   track.png      a laser-trim per-track plot: error vs position, shaded limit band, dashed limits, dashed untrimmed
 *                  error, red fail points, metrics text box, status badge; error variation per segment below
 *   bars.png       a bar chart of status counts
 *   hist.png       a histogram of sigma with threshold lines
 *   models.png     pass rate per model: long category names at 45 degrees, a long title cut to fit
 *   summary.pdf    the above as a 3-page PDF (sweeps, track, histogram)
 *   sweeps.svg, track.jpg   the other formats
 * Usage: plot_examples OUTDIR */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plateau/plot.h"

#define CHECK(x)                                                                                                       \
    do {                                                                                                               \
        if ((x) != PL_OK) {                                                                                            \
            char line_[1024];                                                                                          \
            fprintf(stderr, "plot_examples: %s\n", pl_error_line(&err, line_, sizeof line_));                          \
            exit(1);                                                                                                   \
        }                                                                                                              \
    } while (0)

static pl_error err;

/* A cheap deterministic noise source. */
static double noise(unsigned *s)
{
    *s = *s * 1664525u + 1013904223u;
    return ((*s >> 8) / 16777216.0 - 0.5);
}

/* One synthetic current-clamp sweep sample: rest, a step response and spikes above rheobase. */
static double membrane(double t, double pa, unsigned *seed)
{
    double v = -70.0 + 0.3 * noise(seed);
    if (t >= 0.1 && t < 0.7) {
        double tau = 0.02, dv = pa * 0.12;
        v += dv * (1 - exp(-(t - 0.1) / tau));
        if (pa > 40) {
            double period = 0.6 / (pa / 12.0);
            double ph = fmod(t - 0.12, period);
            if (t > 0.12 && ph < 0.002)
                v = -45 + 85 * sin(ph / 0.002 * M_PI);
        }
    } else if (t >= 0.7) {
        v += pa * 0.12 * exp(-(t - 0.7) / 0.02);
    }
    return v;
}

static pl_figure *sweeps_figure(void)
{
    int n = 12, cols = 5, rows = (n + cols - 1) / cols;
    pl_figure *fig;
    pl_figure_spec spec = {.width_in = 15,
                           .height_in = 2.4 * rows + 0.5,
                           .dpi = 100,
                           .rows = rows,
                           .cols = cols,
                           .title = "Cell 2024-03-07_c3 \u2014 current clamp, 12 sweeps"};
    CHECK(pl_figure_new(&spec, &fig, &err));
    double rate = 20000, dur = 1.0;
    size_t total = (size_t)(rate * dur);
    double chunk[4096];
    for (int s = 0; s < n; s++) {
        pl_axes *ax = pl_figure_panel(fig, s / cols, s % cols);
        double pa = -50 + 20 * s;
        char title[64];
        snprintf(title, sizeof title, "Sweep %d, %+.0f pA", s + 1, pa);
        pl_axes_title(ax, title);
        pl_axes_labels(ax, s / cols == rows - 1 || s + cols >= n ? "Time (s)" : NULL, s % cols == 0 ? "Vm (mV)" : NULL);
        pl_trace *tr;
        CHECK(pl_trace_new(ax, 0, dur, &(pl_style){.color = PL_BLUE}, &tr, &err));
        unsigned seed = 7 + (unsigned)s;
        for (size_t i = 0; i < total; i += 4096) {
            size_t m = total - i < 4096 ? total - i : 4096;
            for (size_t k = 0; k < m; k++)
                chunk[k] = membrane((double)(i + k) / rate, pa, &seed);
            CHECK(pl_trace_feed(tr, (double)i / rate, 1 / rate, chunk, m, &err));
        }
    }
    return fig;
}

static pl_figure *track_figure(void)
{
    enum { N = 400, SEG = 8 };
    static double pos[N], trimmed[N], untrimmed[N], lo[N], hi[N], fx[N], fy[N];
    unsigned seed = 3;
    int nf = 0;
    for (int i = 0; i < N; i++) {
        double p = 10 + 300.0 * i / (N - 1);
        pos[i] = p;
        hi[i] = 0.05 + 0.02 * (p - 10) / 300;
        lo[i] = -hi[i];
        trimmed[i] = 0.025 * sin(p / 23) + 0.006 * noise(&seed) + (p > 250 && p < 262 ? 0.1 : 0);
        untrimmed[i] = 0.09 * sin(p / 40 + 0.5) + 0.01 * noise(&seed);
        if (trimmed[i] > hi[i] || trimmed[i] < lo[i]) {
            fx[nf] = p;
            fy[nf++] = trimmed[i];
        }
    }
    pl_figure *fig;
    double weights[2] = {3, 1.3};
    pl_figure_spec spec = {.width_in = 10,
                           .height_in = 7.5,
                           .dpi = 150,
                           .rows = 2,
                           .cols = 1,
                           .row_weights = weights,
                           .title = "8340-1 \u00b7 SN 21145 \u00b7 track 1"};
    CHECK(pl_figure_new(&spec, &fig, &err));
    pl_axes *ax = pl_figure_panel(fig, 0, 0);
    pl_axes_title(ax, "Linearity error vs position");
    pl_axes_labels(ax, "Position (mm)", "Error (V)");
    CHECK(pl_axes_band(ax, pos, lo, hi, N, PL_ALPHA(PL_GREEN, 0.12), "spec band", &err));
    CHECK(pl_axes_line(ax, pos, hi, N, &(pl_style){.color = PL_GREEN, .dash = PL_DASHED, .label = "limits"}, &err));
    CHECK(pl_axes_line(ax, pos, lo, N, &(pl_style){.color = PL_GREEN, .dash = PL_DASHED}, &err));
    CHECK(pl_axes_line(ax, pos, untrimmed, N, &(pl_style){.color = PL_GREY, .dash = PL_DASHED, .label = "untrimmed"},
                       &err));
    CHECK(pl_axes_line(ax, pos, trimmed, N,
                       &(pl_style){.color = PL_BLUE, .width = 1.4, .label = "trimmed (offset applied)"}, &err));
    CHECK(pl_axes_line(
        ax, fx, fy, (size_t)nf,
        &(pl_style){
            .color = PL_RED, .dash = PL_NOLINE, .marker = PL_MARK_CROSS, .marker_size = 6, .label = "fail points"},
        &err));
    CHECK(pl_axes_hline(ax, 0, &(pl_style){.color = 0xFF909090u, .width = 0.6}, &err));
    char metrics[256];
    snprintf(metrics, sizeof metrics,
             "sigma gradient  0.00231\nsigma threshold 0.00300\nlinearity       %d fail pts\noffset          -0.0042 V",
             nf);
    CHECK(pl_axes_text(ax, PL_LOC_LOWER_LEFT, metrics, &err));
    CHECK(pl_axes_badge(ax, nf ? PL_VERDICT_FAIL : PL_VERDICT_PASS, NULL, &err));

    double var[SEG];
    const char *names[SEG] = {"1", "2", "3", "4", "5", "6", "7", "8"};
    uint32_t colors[SEG];
    for (int s = 0; s < SEG; s++) {
        double mn = 1e9, mx = -1e9;
        for (int i = s * N / SEG; i < (s + 1) * N / SEG; i++) {
            mn = fmin(mn, trimmed[i]);
            mx = fmax(mx, trimmed[i]);
        }
        var[s] = mx - mn;
        colors[s] = var[s] > 0.05 ? PL_VERMILION : PL_BLUE;
    }
    pl_axes *bx = pl_figure_panel(fig, 1, 0);
    pl_axes_title(bx, "Error variation per position segment");
    pl_axes_labels(bx, "Segment", "Variation (V)");
    CHECK(pl_axes_bars(bx, var, names, colors, SEG, NULL, &err));
    CHECK(pl_axes_hline(bx, 0.05, &(pl_style){.color = PL_BLACK, .dash = PL_DASHED, .label = "limit 0.05 V"}, &err));
    return fig;
}

static pl_figure *bars_figure(void)
{
    pl_figure *fig;
    CHECK(pl_figure_new(&(pl_figure_spec){.width_in = 6, .height_in = 4, .dpi = 120}, &fig, &err));
    pl_axes *ax = pl_figure_panel(fig, 0, 0);
    double counts[] = {612, 41, 28, 9};
    const char *names[] = {"PASS", "FAIL", "WARNING", "ERROR"};
    uint32_t colors[] = {0xFF1A9850u, 0xFFC8102Eu, PL_ORANGE, PL_GREY};
    pl_axes_title(ax, "Batch 2024-W11: track status");
    pl_axes_labels(ax, NULL, "Tracks");
    CHECK(pl_axes_bars(ax, counts, names, colors, 4, NULL, &err));
    return fig;
}

/* Pass rate per model: many long category names (drawn at 45 degrees) and a target line. */
static pl_figure *models_figure(void)
{
    enum { N = 12 };
    static const char *names[N] = {"8340-1 Rev C", "8340-2",       "8412-0 Rev A", "8412-1",
                                   "8501-3 Rev B", "8501-4",       "8620-0",       "8620-1 Rev D",
                                   "8733-2",       "8733-5 Rev A", "8810-0",       "8999-9 prototype"};
    names[0] = "8340-1 Rev C (LS)";
    double rate[N];
    uint32_t colors[N];
    for (int i = 0; i < N; i++) {
        rate[i] = 78 + 20 * fabs(sin(i * 1.7));
        colors[i] = rate[i] < 85 ? PL_VERMILION : PL_BLUE;
    }
    pl_figure *fig;
    CHECK(pl_figure_new(&(pl_figure_spec){.width_in = 6, .height_in = 4, .dpi = 120}, &fig, &err));
    pl_axes *ax = pl_figure_panel(fig, 0, 0);
    pl_axes_title(ax, "Pass rate per model, batch 2024-W11 (all tracks of every unit tested this week)");
    pl_axes_labels(ax, "Model", "Pass rate (%)");
    pl_axes_ylim(ax, 0, 115); /* headroom for the legend */
    CHECK(pl_axes_bars(ax, rate, names, colors, N, NULL, &err));
    CHECK(pl_axes_hline(ax, 85, &(pl_style){.color = PL_BLACK, .dash = PL_DASHED, .label = "target 85 %"}, &err));
    return fig;
}

static pl_figure *hist_figure(void)
{
    enum { N = 5000 };
    static double sigma[N];
    unsigned seed = 11;
    for (int i = 0; i < N; i++) {
        double g = 0;
        for (int k = 0; k < 6; k++)
            g += noise(&seed);
        sigma[i] = 0.0018 + 0.0006 * g / 0.7;
    }
    pl_figure *fig;
    CHECK(pl_figure_new(&(pl_figure_spec){.width_in = 6, .height_in = 4, .dpi = 120}, &fig, &err));
    pl_axes *ax = pl_figure_panel(fig, 0, 0);
    pl_axes_title(ax, "Sigma gradient, 5000 tracks");
    pl_axes_labels(ax, "Sigma gradient (V/mm)", "Tracks");
    CHECK(pl_axes_hist(ax, sigma, N, 40, 0, 0, &(pl_style){.color = PL_SKYBLUE}, &err));
    CHECK(pl_axes_vline(ax, 0.0030,
                        &(pl_style){.color = PL_RED, .dash = PL_DASHED, .width = 1.5, .label = "fail 0.0030"}, &err));
    CHECK(pl_axes_vline(
        ax, 0.0026, &(pl_style){.color = PL_ORANGE, .dash = PL_DASHED, .width = 1.5, .label = "warn 0.0026"}, &err));
    return fig;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: plot_examples OUTDIR\n");
        return 2;
    }
    char path[4096];
#define OUT(name) (snprintf(path, sizeof path, "%s/%s", argv[1], name), path)
    pl_figure *sweeps = sweeps_figure(), *track = track_figure(), *bars = bars_figure(), *hist = hist_figure();
    CHECK(pl_figure_save(sweeps, OUT("sweeps.png"), &err));
    CHECK(pl_figure_save(sweeps, OUT("sweeps.svg"), &err));
    CHECK(pl_figure_save(track, OUT("track.png"), &err));
    CHECK(pl_figure_save(track, OUT("track.jpg"), &err));
    CHECK(pl_figure_save(bars, OUT("bars.png"), &err));
    CHECK(pl_figure_save(hist, OUT("hist.png"), &err));
    pl_figure *models = models_figure();
    CHECK(pl_figure_save(models, OUT("models.png"), &err));
    pl_figure_free(models);
    pl_pdf *doc;
    CHECK(pl_pdf_open(OUT("summary.pdf"), &doc, &err));
    CHECK(pl_pdf_add(doc, sweeps, &err));
    CHECK(pl_pdf_add(doc, track, &err));
    CHECK(pl_pdf_add(doc, hist, &err));
    CHECK(pl_pdf_close(doc, &err));
    pl_figure_free(sweeps);
    pl_figure_free(track);
    pl_figure_free(bars);
    pl_figure_free(hist);
    printf("plot_examples: wrote sweeps.png sweeps.svg track.png track.jpg bars.png hist.png models.png summary.pdf to "
           "%s\n",
           argv[1]);
    return 0;
}

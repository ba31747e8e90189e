/* plateau: plots of long signals and small charts, streamed, over cairo.
 *
 * A figure is a grid of panels. A panel holds:
 *   - decimated traces: a sweep of any length fed in chunks; each trace keeps only first/last/min/max per pixel
 *     column (memory grows with the panel's width, never with the sample count), and draws the same picture as
 *     drawing every point;
 *   - small series given as arrays (copied, so the caller's arrays can go right after the call): lines, markers,
 *     shaded bands, bars, histograms, reference lines, text boxes, a PASS/FAIL/WARNING badge.
 * Axes scale themselves at draw time (unless fixed), with 1-2-5 ticks. Save as PNG, JPEG, SVG or PDF; a pl_pdf
 * collects figures as pages of one document. Every output file is written atomically. Raster outputs are drawn in
 * horizontal strips, so a huge figure never needs its whole image in memory.
 *
 * Objects are explicit (zstd-like): the figure owns its panels, traces and series; the caller owns its arrays.
 * Strings are copied (titles and labels are truncated to PL_PLOT_TEXT_MAX bytes). Not thread-safe per figure;
 * separate figures may be used from separate threads.
 *
 * Example: a 5-column grid of sweeps, then a chart.
 *
 *     pl_figure *fig;
 *     pl_figure_spec spec = {.width_in = 15, .height_in = 2.2 * rows, .dpi = 100, .rows = rows, .cols = 5,
 *                            .title = "cell 7: current clamp"};
 *     if (pl_figure_new(&spec, &fig, err)) return err->code;
 *     for (int s = 0; s < n_sweeps; s++) {
 *         pl_axes *ax = pl_figure_panel(fig, s / 5, s % 5);
 *         pl_axes_title(ax, "sweep 3, +50 pA");
 *         pl_axes_labels(ax, "Time (s)", "Membrane potential (mV)");
 *         pl_trace *tr;
 *         pl_trace_new(ax, t0, t0 + n / rate, NULL, &tr, err);          // x range known before the samples
 *         while (more chunks)                                          // chunks of any size, in order
 *             pl_trace_feed(tr, t_first, 1.0 / rate, chunk, count, err);
 *     }
 *     pl_status st = pl_figure_save(fig, "sweeps.png", err);          // .png .jpg .svg .pdf
 *     pl_figure_free(fig);
 *
 *     // error vs position with limits
 *     pl_axes *ax = pl_figure_panel(fig2, 0, 0);
 *     pl_axes_band(ax, pos, lower, upper, n, 0, "limits", err);       // colour 0: light grey
 *     pl_axes_line(ax, pos, err_trim, n, &(pl_style){.label = "trimmed"}, err);
 *     pl_axes_line(ax, pos, lower, n, &(pl_style){.color = PL_BLACK, .dash = PL_DASHED}, err);
 *     pl_axes_line(ax, fail_x, fail_y, k, &(pl_style){.color = PL_RED, .dash = PL_NOLINE,
 *                                                      .marker = PL_MARK_CROSS, .label = "fail"}, err);
 *     pl_axes_text(ax, PL_LOC_UPPER_LEFT, "sigma 0.0123\nlinearity 0.4 %", err);
 *     pl_axes_badge(ax, PL_VERDICT_FAIL, NULL, err);
 *
 *     // several figures in one PDF
 *     pl_pdf *doc;
 *     pl_pdf_open("summary.pdf", &doc, err);
 *     pl_pdf_add(doc, fig_a, err); pl_pdf_add(doc, fig_b, err);    // each page takes its figure's size
 *     pl_pdf_close(doc, err);                                       // or pl_pdf_abort(doc): nothing is left behind
 *
 * Errors: calls that can fail return pl_status and fill err (may be NULL); NULL objects give PL_EARG. Setters
 * (titles, labels, limits) cannot fail and return nothing; they ignore a NULL panel.
 * Memory: every buffer through pl_alloc (charged to the budget): per trace 33 bytes x 4 x the panel's pixel width
 * (40 KiB for a 300-pixel panel, whatever the sample count), per series a copy of its arrays, per raster save one
 * strip of the image (width x 128 rows x 4 bytes) plus the encoder's state (about 300 KiB). */
#ifndef PLATEAU_PLOT_H
#define PLATEAU_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plateau/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PL_PLOT_TEXT_MAX 256 /* bytes of a title, label or legend entry; longer ones are truncated */
#define PL_PLOT_MAX_PANELS 4096
#define PL_TICKS_MAX 16

/* ---- colours: 0xAARRGGBB. Alpha 0 means "automatic" (the panel's next palette colour), so a zeroed style works. */
#define PL_BLUE 0xFF0072B2u /* Okabe-Ito, the order the palette cycles through */
#define PL_VERMILION 0xFFD55E00u
#define PL_GREEN 0xFF009E73u
#define PL_ORANGE 0xFFE69F00u
#define PL_PURPLE 0xFFCC79A7u
#define PL_SKYBLUE 0xFF56B4E9u
#define PL_YELLOW 0xFFF0E442u
#define PL_BLACK 0xFF000000u
#define PL_GREY 0xFF7F7F7Fu
#define PL_RED 0xFFC8102Eu /* a plain red for fail markers (vermilion stays in the palette) */
/* The same colour with another opacity (0..1): PL_ALPHA(PL_BLUE, 0.2) for a shaded band. */
#define PL_ALPHA(c, a) (((uint32_t)((a)*255.0 + 0.5) << 24) | ((uint32_t)(c)&0xFFFFFFu))

/* The i-th colour of the colour-blind-safe palette (Okabe-Ito, cycling). */
uint32_t pl_palette(int i);

/* ---- styles (a zeroed pl_style, or NULL, is a solid 1 pt line in the next palette colour, no marker, no label) */
typedef enum { PL_SOLID = 0, PL_DASHED, PL_DOTTED, PL_NOLINE } pl_dash;
typedef enum {
    PL_MARK_NONE = 0,
    PL_MARK_CIRCLE,
    PL_MARK_SQUARE,
    PL_MARK_TRIANGLE,
    PL_MARK_CROSS,
    PL_MARK_PLUS
} pl_marker;

typedef struct pl_style {
    uint32_t color; /* 0xAARRGGBB; 0 = next palette colour */
    double width;   /* line width in points; 0 = 1 pt (0.8 pt for traces) */
    pl_dash dash;
    pl_marker marker;
    double marker_size; /* points; 0 = 5 pt */
    const char *label;  /* legend entry; NULL = not in the legend */
} pl_style;

/* Where a legend or text box sits inside the plot area. BEST: the corner where it covers the least data (and no
 * text box), as matplotlib's "best". */
typedef enum {
    PL_LOC_UPPER_RIGHT = 0,
    PL_LOC_UPPER_LEFT,
    PL_LOC_LOWER_LEFT,
    PL_LOC_LOWER_RIGHT,
    PL_LOC_NONE,
    PL_LOC_BEST
} pl_loc;

typedef enum { PL_VERDICT_PASS = 0, PL_VERDICT_FAIL, PL_VERDICT_WARNING, PL_VERDICT_INFO } pl_verdict;

/* ---- figures */
typedef struct pl_figure pl_figure;
typedef struct pl_axes pl_axes;
typedef struct pl_trace pl_trace;

typedef struct pl_figure_spec {
    double width_in, height_in; /* size in inches; or give width_px/height_px instead */
    double width_px, height_px; /* used when width_in/height_in are 0 (converted at dpi) */
    double dpi;                 /* pixels per inch of raster outputs and of trace decimation; 0 = 100 */
    int rows, cols;             /* panel grid; 0 = 1 */
    const char *title;          /* figure title above the grid; may be NULL */
    double font_pt;             /* tick label size; labels are +1 pt, titles +2 pt; 0 = 9 pt */
    const double *row_weights;  /* relative panel heights (rows entries), or NULL for equal rows */
    const double *col_weights;  /* relative panel widths (cols entries), or NULL for equal columns */
    bool draft; /* overviews of many panels: traces drawn with bevel joins and cairo's fast rasterizer, about twice
                   as fast; anti-aliasing is coarser (coverage in 1/16 steps), the shape the same */
} pl_figure_spec;

pl_status pl_figure_new(const pl_figure_spec *spec, pl_figure **out, pl_error *err);
void pl_figure_free(pl_figure *fig);
/* The panel at (row, col), counted from the top left; NULL when outside the grid. */
pl_axes *pl_figure_panel(pl_figure *fig, int row, int col);
/* Raster size of the figure in pixels. */
int pl_figure_width_px(const pl_figure *fig);
int pl_figure_height_px(const pl_figure *fig);

/* ---- panel decorations (strings copied; NULL or "" removes) */
void pl_axes_title(pl_axes *ax, const char *title);
/* Axis labels with units, "Time (s)", "Voltage (mV)". */
void pl_axes_labels(pl_axes *ax, const char *xlabel, const char *ylabel);
/* Fixed limits; lo > hi inverts the axis; lo == hi (or NaN) returns to automatic. */
void pl_axes_xlim(pl_axes *ax, double lo, double hi);
void pl_axes_ylim(pl_axes *ax, double lo, double hi);
void pl_axes_legend(pl_axes *ax, pl_loc where); /* shown when an item has a label; default PL_LOC_BEST */
void pl_axes_grid(pl_axes *ax, bool on);        /* light grid lines at the ticks; default on */
/* Hides the frame, ticks and grid (a panel that only holds a text box); a panel with nothing in it is left blank. */
void pl_axes_off(pl_axes *ax);

/* ---- decimated traces (owned by the figure). x range [x0, x1] declared up front; samples outside it are dropped.
 * Chunks should arrive in increasing x. NaN and +-inf are gaps (the line breaks). The y range is tracked as samples
 * arrive and scales the panel at draw time unless pl_axes_ylim fixed it. */
pl_status pl_trace_new(pl_axes *ax, double x0, double x1, const pl_style *style, pl_trace **out, pl_error *err);
/* n samples at x = start + i * step (step > 0). */
pl_status pl_trace_feed(pl_trace *tr, double start, double step, const double *values, size_t n, pl_error *err);
pl_status pl_trace_feed_float(pl_trace *tr, double start, double step, const float *values, size_t n, pl_error *err);
/* Finite y range seen so far; false when no finite sample arrived yet. */
bool pl_trace_yrange(const pl_trace *tr, double *lo, double *hi);

/* ---- small series (arrays copied). x may be NULL in pl_axes_line: then x = 0, 1, 2, ... Non-finite points are gaps.
 */
pl_status pl_axes_line(pl_axes *ax, const double *x, const double *y, size_t n, const pl_style *style, pl_error *err);
/* Shaded band between lo[i] and hi[i]; color 0 = light grey. */
pl_status pl_axes_band(pl_axes *ax, const double *x, const double *lo, const double *hi, size_t n, uint32_t color,
                       const char *label, pl_error *err);
/* Bars at x = 0..n-1 with category labels under them (labels may be NULL: numbered); colors (n entries) may be NULL:
 * all bars in style->color. */
pl_status pl_axes_bars(pl_axes *ax, const double *heights, const char *const *labels, const uint32_t *colors, size_t n,
                       const pl_style *style, pl_error *err);
/* Histogram of values (non-finite ones ignored) in `bins` equal bins over [lo, hi]; lo >= hi: the data's range. */
pl_status pl_axes_hist(pl_axes *ax, const double *values, size_t n, int bins, double lo, double hi,
                       const pl_style *style, pl_error *err);
/* Reference lines across the whole panel (they count for autoscaling, so a threshold is always in view). */
pl_status pl_axes_hline(pl_axes *ax, double y, const pl_style *style, pl_error *err);
pl_status pl_axes_vline(pl_axes *ax, double x, const pl_style *style, pl_error *err);
/* A boxed text (lines split at '\n', monospaced so columns line up) in a corner of the plot area (BEST allowed). */
pl_status pl_axes_text(pl_axes *ax, pl_loc where, const char *text, pl_error *err);
/* A coloured status badge at the right of the panel's title line: PASS green, FAIL red, WARNING orange, INFO grey.
 * text NULL = the verdict's name. */
pl_status pl_axes_badge(pl_axes *ax, pl_verdict verdict, const char *text, pl_error *err);

/* ---- outputs (atomic: a temporary file renamed into place on success, removed on failure) */
typedef enum { PL_FMT_AUTO = 0, PL_FMT_PNG, PL_FMT_JPEG, PL_FMT_SVG, PL_FMT_PDF } pl_format;
/* Format from the extension (.png .jpg/.jpeg .svg .pdf) with PL_FMT_AUTO. JPEG quality 90. */
pl_status pl_figure_save(pl_figure *fig, const char *path, pl_error *err);
pl_status pl_figure_save_as(pl_figure *fig, const char *path, pl_format format, pl_error *err);

/* A multi-page PDF: each added figure is drawn at once as one page of its own size. */
typedef struct pl_pdf pl_pdf;
pl_status pl_pdf_open(const char *path, pl_pdf **out, pl_error *err);
pl_status pl_pdf_add(pl_pdf *doc, pl_figure *fig, pl_error *err);
int pl_pdf_pages(const pl_pdf *doc);
/* Finishes the document and renames it into place; frees doc whatever happens. */
pl_status pl_pdf_close(pl_pdf *doc, pl_error *err);
/* Discards the document (no file appears) and frees doc. */
void pl_pdf_abort(pl_pdf *doc);

/* ---- ticks (what the axes use; public for tests and for callers that label things themselves) */
typedef struct pl_ticks {
    int n;                  /* number of ticks, 0..PL_TICKS_MAX */
    double v[PL_TICKS_MAX]; /* tick values, increasing, all within [min(lo,hi), max(lo,hi)] */
    double step;            /* 1, 2 or 5 x 10^k */
    int scale_exp;          /* labels show v / 10^scale_exp (0 unless values are huge or tiny) */
    double offset;          /* labels show (v - offset) first (0 unless the range is narrow far from zero) */
    int decimals;           /* digits after the point in labels */
} pl_ticks;

/* About `target` ticks (2..PL_TICKS_MAX) over [lo, hi] at 1-2-5 steps. Any input is accepted: inverted ranges are
 * swapped, zero-width ranges widened, non-finite bounds give the ticks of [0, 1]. */
void pl_ticks_nice(double lo, double hi, int target, pl_ticks *out);
/* The label of tick value v ("-0.5", "120"); the axis shows the scale/offset once ("x1e-12", "+1e+06"). */
const char *pl_tick_label(const pl_ticks *t, double v, char *buf, size_t size);
/* The note an axis shows for scale_exp/offset ("", "\u00d710^-12", "+1000"); returns buf. */
const char *pl_ticks_note(const pl_ticks *t, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif

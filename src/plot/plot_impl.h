/* plateau plot: what the figure holds, shared by the files of src/plot (not a public interface). */
#ifndef PLATEAU_PLOT_IMPL_H
#define PLATEAU_PLOT_IMPL_H

#include <cairo.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plateau/plot.h"

#define PL_FONT_SANS "DejaVu Sans"
#define PL_FONT_MONO "DejaVu Sans Mono"

/* Per-column flags of a decimated trace. */
enum { COL_HAS = 1, COL_BREAK = 2 /* a non-finite sample came between the previous column's data and this one's */ };

struct pl_trace {
    double x0, x1;                  /* declared x range */
    double cols_per_x;              /* ncol / (x1 - x0) */
    size_t ncol;                    /* 4 x the panel's pixel width: a column is a quarter of a pixel */
    double *first, *last, *mn, *mx; /* ncol each, one allocation */
    uint8_t *flags;                 /* ncol */
    double ylo, yhi;                /* finite range seen */
    bool any;                       /* a finite sample arrived */
    bool pending_gap;               /* the last sample fed was non-finite */
};

typedef enum { IT_TRACE, IT_LINE, IT_BAND, IT_BARS, IT_HIST, IT_HLINE, IT_VLINE, IT_TEXT } pl_item_kind;

/* One thing drawn in a panel. Arrays are copies owned by the item (one allocation, freed with it). */
typedef struct pl_item {
    pl_item_kind kind;
    struct pl_item *next;
    pl_style style; /* color resolved; label points into `label` */
    char label[PL_PLOT_TEXT_MAX];
    size_t n;
    double *x, *y, *y2; /* line: x,y; band: x,lo(y),hi(y2); bars: heights in y; hist: counts in y, edges lo/hi */
    uint32_t *colors;   /* bars: per-bar colours or NULL */
    char **names;       /* bars: category labels or NULL */
    double lo, hi;      /* hist: bin range; hline/vline: the value in lo */
    pl_loc where;       /* text */
    char *text;         /* text: the box's content */
    pl_trace *trace;    /* trace */
} pl_item;

/* A rectangle in points. */
typedef struct pl_rect {
    double x, y, w, h;
} pl_rect;

/* A panel as laid out for one drawing: cell and plot area in points, limits, ticks and the data-to-points map
 * x' = ax + bx * x, y' = ay + by * y. */
typedef struct panel_geom {
    pl_rect cell, plot;
    pl_rect plot_aligned; /* the plot area after aligning margins across the grid */
    double xlo, xhi, ylo, yhi;
    pl_ticks xt, yt;
    bool categories;  /* x axis labelled with bar categories */
    bool integer_y;   /* the y axis counts things: ticks at whole numbers */
    bool cat_rotated; /* ... at 45 degrees, because they would not fit side by side */
    double cat_extra; /* extra depth (points) the rotated category labels take below the axis */
    double ax, bx, ay, by;
} panel_geom;

struct pl_axes {
    pl_figure *fig;
    int row, col;
    char title[PL_PLOT_TEXT_MAX];
    char xlabel[PL_PLOT_TEXT_MAX];
    char ylabel[PL_PLOT_TEXT_MAX];
    double xlim[2], ylim[2]; /* fixed when xfixed / yfixed */
    bool xfixed, yfixed;
    bool grid, off;
    pl_loc legend;
    pl_verdict badge;
    bool has_badge;
    char badge_text[32];
    int palette_next;
    size_t bars_n; /* >0: x axis shows the categories of the last bar item */
    pl_item *items, *tail;
    bool drawn;      /* laid out for the current save (not blank) */
    panel_geom geom; /* the layout of the current save */
};

struct pl_figure {
    double w_pt, h_pt; /* size in points (1/72 in) */
    double dpi;
    int w_px, h_px;
    int rows, cols;
    double font_pt;
    bool draft; /* pl_figure_spec.draft */
    char title[PL_PLOT_TEXT_MAX];
    double *row_edges, *col_edges; /* rows+1 / cols+1 fractions 0..1 of the grid area */
    pl_axes *panels;               /* rows*cols */
};

/* The cell of a panel in points (grid area below the figure title). */
pl_rect pl__cell(const pl_figure *fig, int row, int col);
double pl__title_band(const pl_figure *fig);

/* Appends an item to the panel (takes ownership). */
void pl__add_item(pl_axes *ax, pl_item *it);
void pl__free_item(pl_item *it);
uint32_t pl__resolve_color(pl_axes *ax, uint32_t color);
void pl__copy_text(char *dst, size_t size, const char *src);

/* Lays out every panel for a save: plot areas (aligned across each grid row and column, snapped to raster pixels
 * at px_per_pt), limits and ticks. */
void pl__layout(pl_figure *fig, double px_per_pt);
/* Draws the laid-out figure on cr, whose user space is points; only panels whose cells meet [y_lo, y_hi] (points)
 * are drawn (raster strips). */
void pl__render(pl_figure *fig, cairo_t *cr, double y_lo, double y_hi);

/* For tests: the plot area of a panel in raster pixels, as a save lays it out now (calls pl__layout). */
bool pl__plot_rect_px(pl_figure *fig, int row, int col, pl_rect *out);

/* Trace drawing for the renderer: appends the path of tr mapped by x' = ax + bx * x, y' = ay + by * y. */
void pl__trace_path(const pl_trace *tr, cairo_t *cr, double ax, double bx, double ay, double by);
void pl__trace_free(pl_trace *tr);

/* Streaming PNG (RGB, 8 bits) encoder writing to a callback. */
typedef pl_status (*pl_write_fn)(void *ctx, const void *buf, size_t n, pl_error *err);
typedef struct pl_png pl_png;
pl_status pl__png_begin(pl_png **out, int width, int height, pl_write_fn write, void *ctx, pl_error *err);
/* rows of cairo RGB24 pixels (stride bytes apart). */
pl_status pl__png_rows(pl_png *p, const uint8_t *data, int stride, int nrows, pl_error *err);
pl_status pl__png_end(pl_png *p, pl_error *err);
void pl__png_free(pl_png *p);

#endif

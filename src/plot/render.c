/* plateau plot: drawing a figure with cairo. User space is points; the panel layout is worked out at draw time from
 * what the panel holds (its tick labels are measured, so nothing overlaps and margins fit the text). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plot/draw.h"

/* The data range of everything in the panel, per axis; *_any false when the axis has nothing. */
typedef struct extent {
    double xlo, xhi, ylo, yhi;
    bool xany, yany;
    bool tight_x;   /* traces or bars: no padding in x */
    bool zero_base; /* bars or histogram: y starts at 0 */
    bool counts;    /* bars or histograms whose heights are all whole numbers */
    bool other_y;   /* something else sets y (lines, traces, bands) */
} extent;

static void grow(double *lo, double *hi, bool *any, double v)
{
    if (!isfinite(v))
        return;
    if (!*any || v < *lo)
        *lo = v;
    if (!*any || v > *hi)
        *hi = v;
    *any = true;
}

static void item_extent(const pl_item *it, extent *e)
{
    switch (it->kind) {
    case IT_TRACE:
        e->other_y = true;
        grow(&e->xlo, &e->xhi, &e->xany, it->trace->x0);
        grow(&e->xlo, &e->xhi, &e->xany, it->trace->x1);
        if (it->trace->any) {
            grow(&e->ylo, &e->yhi, &e->yany, it->trace->ylo);
            grow(&e->ylo, &e->yhi, &e->yany, it->trace->yhi);
        }
        e->tight_x = true;
        break;
    case IT_LINE:
    case IT_BAND:
        e->other_y = true;
        for (size_t i = 0; i < it->n; i++) {
            if (!isfinite(it->x[i]))
                continue;
            bool ok = isfinite(it->y[i]) || (it->y2 && isfinite(it->y2[i]));
            if (ok)
                grow(&e->xlo, &e->xhi, &e->xany, it->x[i]);
            grow(&e->ylo, &e->yhi, &e->yany, it->y[i]);
            if (it->y2)
                grow(&e->ylo, &e->yhi, &e->yany, it->y2[i]);
        }
        break;
    case IT_BARS:
        grow(&e->xlo, &e->xhi, &e->xany, -0.6);
        grow(&e->xlo, &e->xhi, &e->xany, (double)it->n - 0.4);
        grow(&e->ylo, &e->yhi, &e->yany, 0);
        for (size_t i = 0; i < it->n; i++) {
            grow(&e->ylo, &e->yhi, &e->yany, it->y[i]);
            if (isfinite(it->y[i]) && it->y[i] != floor(it->y[i]))
                e->other_y = true;
        }
        e->tight_x = e->zero_base = e->counts = true;
        break;
    case IT_HIST:
        grow(&e->xlo, &e->xhi, &e->xany, it->lo);
        grow(&e->xlo, &e->xhi, &e->xany, it->hi);
        grow(&e->ylo, &e->yhi, &e->yany, 0);
        for (size_t i = 0; i < it->n; i++)
            grow(&e->ylo, &e->yhi, &e->yany, it->y[i]);
        e->zero_base = e->counts = true;
        break;
    case IT_HLINE:
        grow(&e->ylo, &e->yhi, &e->yany, it->lo);
        if (it->lo != floor(it->lo))
            e->other_y = true;
        break;
    case IT_VLINE: grow(&e->xlo, &e->xhi, &e->xany, it->lo); break;
    case IT_TEXT: break;
    }
}

/* Pads a data range for display; a zero-width range is widened. */
static void pad_range(double *lo, double *hi, bool any, double frac, bool keep_zero)
{
    if (!any) {
        *lo = 0;
        *hi = 1;
        return;
    }
    double w = *hi - *lo;
    if (!(w > 0) || !isfinite(w)) {
        double d = *lo != 0 ? fabs(*lo) * 0.05 : 0.5;
        if (!isfinite(w))
            d = 0;
        *lo -= d;
        *hi += d;
        w = *hi - *lo;
    }
    bool lo_zero = keep_zero && *lo == 0;
    if (!lo_zero)
        *lo -= w * frac;
    *hi += w * frac;
    if (!isfinite(*hi - *lo)) { /* padding overflowed: show the raw range */
        *lo += w * frac;
        *hi -= w * frac;
    }
}

/* The axis limits the panel shows (fixed, or the padded data range). */
static void panel_limits(const pl_axes *ax, panel_geom *g)
{
    extent e = {0};
    for (const pl_item *it = ax->items; it; it = it->next)
        item_extent(it, &e);
    g->xlo = e.xlo;
    g->xhi = e.xhi;
    g->ylo = e.ylo;
    g->yhi = e.yhi;
    pad_range(&g->xlo, &g->xhi, e.xany, e.tight_x ? 0.0 : 0.02, false);
    pad_range(&g->ylo, &g->yhi, e.yany, 0.05, e.zero_base);
    g->integer_y = e.counts && !e.other_y;
    if (ax->xfixed) {
        g->xlo = ax->xlim[0];
        g->xhi = ax->xlim[1];
    }
    if (ax->yfixed) {
        g->ylo = ax->ylim[0];
        g->yhi = ax->ylim[1];
    }
}

/* Ticks at every whole number (a count axis whose 1-2-5 step came out below 1, so the range is under ~8). */
static void whole_ticks(double lo, double hi, pl_ticks *t)
{
    t->n = 0;
    for (double v = ceil(fmin(lo, hi)); v <= fmax(lo, hi) && t->n < PL_TICKS_MAX; v += 1)
        t->v[t->n++] = v;
    t->step = 1;
    t->decimals = 0;
    t->scale_exp = 0;
    t->offset = 0;
}

/* The widest tick label of a set of ticks. */
static double ticks_width(cairo_t *cr, const pl_ticks *t)
{
    double w = 0;
    char buf[64];
    for (int i = 0; i < t->n; i++)
        w = fmax(w, pl__text_width(cr, pl_tick_label(t, t->v[i], buf, sizeof buf)));
    return w;
}

/* X ticks whose labels fit side by side in the plot width. */
static void x_ticks(cairo_t *cr, const pl_axes *ax, panel_geom *g, double f)
{
    g->categories = ax->bars_n > 0 && !ax->xfixed;
    if (g->categories)
        return;
    int target = (int)(g->plot.w / (f * 5.5));
    if (target > 10)
        target = 10;
    for (;; target--) {
        pl_ticks_nice(g->xlo, g->xhi, target < 2 ? 2 : target, &g->xt);
        double need = 0;
        char buf[64];
        for (int i = 0; i < g->xt.n; i++)
            need += pl__text_width(cr, pl_tick_label(&g->xt, g->xt.v[i], buf, sizeof buf)) + f * 1.2;
        if (need <= g->plot.w || target <= 2)
            break;
    }
}

/* Works out the plot area inside the panel's cell on its own: room for the title, tick labels and axis labels. */
static void panel_layout(cairo_t *cr, const pl_axes *ax, panel_geom *g)
{
    const pl_figure *fig = ax->fig;
    double f = fig->font_pt, pad = f * 0.6, tick = 3.5;
    g->cell = pl__cell(fig, ax->row, ax->col);
    panel_limits(ax, g);
    if (ax->off) {
        g->plot = (pl_rect){g->cell.x + pad, g->cell.y + pad, g->cell.w - 2 * pad, g->cell.h - 2 * pad};
        if (ax->title[0] || ax->has_badge) {
            g->plot.y += (f + 2) * 1.6;
            g->plot.h -= (f + 2) * 1.6;
        }
        return;
    }
    pl__font(cr, false, f, false);
    double top = pad * 0.5 + ((ax->title[0] || ax->has_badge) ? (f + 2) * 1.7 : f * 1.2);
    double bottom = pad * 0.5 + tick + 2 + f * 1.3 + (ax->xlabel[0] ? (f + 1) * 1.5 : 0);
    g->plot.y = g->cell.y + top;
    g->plot.h = g->cell.h - top - bottom;
    int target = (int)(g->plot.h / (f * 3.0));
    pl_ticks_nice(g->ylo, g->yhi, target < 2 ? 2 : (target > 8 ? 8 : target), &g->yt);
    if (g->integer_y && g->yt.step < 1)
        whole_ticks(g->ylo, g->yhi, &g->yt); /* counts: no 0.2 tracks */
    double left = pad * 0.5 + (ax->ylabel[0] ? (f + 1) * 1.5 : 0) + ticks_width(cr, &g->yt) + 3 + tick;
    double right = f * 1.5;
    g->plot.x = g->cell.x + left;
    g->plot.w = g->cell.w - left - right;
    size_t ncat;
    double widest = pl__categories_widest(cr, ax, &ncat);
    if (ncat && !ax->xfixed && widest + f > g->plot.w / (double)ncat) { /* categories at 45 degrees */
        g->cat_rotated = true;
        g->cat_extra = fmax(0, widest * M_SQRT1_2 + f * 0.6 - f * 1.3);
        g->plot.h -= g->cat_extra;
        /* the first label reaches left of its bar by its width x cos 45: keep it inside the cell */
        double reach = widest * M_SQRT1_2 + pad * 0.5 - 0.6 * g->plot.w / (double)ncat;
        if (reach > left) {
            g->plot.x += reach - left;
            g->plot.w -= reach - left;
        }
    }
    x_ticks(cr, ax, g, f);
    char note[96];
    if (!ax->xlabel[0] && pl_ticks_note(&g->xt, note, sizeof note)[0] && !g->categories)
        g->plot.h -= (f + 1) * 1.5;
}

/* A panel with nothing in it and no decorations is left blank. */
static bool panel_empty(const pl_axes *ax)
{
    return !ax->items && !ax->title[0] && !ax->xlabel[0] && !ax->ylabel[0] && !ax->has_badge;
}

/* Margins between a panel's cell and its plot area. */
typedef struct margins {
    double l, r, t, b;
} margins;

static margins margins_of(const panel_geom *g)
{
    return (margins){g->plot.x - g->cell.x, g->cell.x + g->cell.w - g->plot.x - g->plot.w, g->plot.y - g->cell.y,
                     g->cell.y + g->cell.h - g->plot.y - g->plot.h};
}

/* Gives every panel of a grid column the widest left and right margins of that column, and every panel of a row the
 * tallest top and bottom margins of that row, so plot areas line up as in a published figure. */
static void align_panels(pl_figure *fig)
{
    for (int i = 0; i < fig->rows * fig->cols; i++) {
        pl_axes *ax = &fig->panels[i];
        if (!ax->drawn || ax->off)
            continue;
        margins m = margins_of(&ax->geom);
        for (int j = 0; j < fig->rows * fig->cols; j++) {
            pl_axes *o = &fig->panels[j];
            if (!o->drawn || o->off || (o->row != ax->row && o->col != ax->col))
                continue;
            margins n = margins_of(&o->geom);
            if (o->col == ax->col) {
                m.l = fmax(m.l, n.l);
                m.r = fmax(m.r, n.r);
            }
            if (o->row == ax->row) {
                m.t = fmax(m.t, n.t);
                m.b = fmax(m.b, n.b);
            }
        }
        ax->geom.plot_aligned = (pl_rect){ax->geom.cell.x + m.l, ax->geom.cell.y + m.t, ax->geom.cell.w - m.l - m.r,
                                          ax->geom.cell.h - m.t - m.b};
    }
}

/* Snaps the plot area to raster pixels (frames and trace columns sit on whole pixels), fits the x ticks to the final
 * width and sets the data-to-points map. */
static void finish_panel(cairo_t *cr, pl_axes *ax, double px_per_pt)
{
    panel_geom *g = &ax->geom;
    if (!ax->off)
        g->plot = g->plot_aligned;
    double s = px_per_pt;
    double x0 = round(g->plot.x * s) / s, y0 = round(g->plot.y * s) / s;
    double x1 = round((g->plot.x + g->plot.w) * s) / s, y1 = round((g->plot.y + g->plot.h) * s) / s;
    g->plot = (pl_rect){x0, y0, fmax(x1 - x0, 1.0 / s), fmax(y1 - y0, 1.0 / s)};
    if (!ax->off) {
        pl__font(cr, false, ax->fig->font_pt, false);
        x_ticks(cr, ax, g, ax->fig->font_pt);
    }
    g->bx = (g->xhi - g->xlo) != 0 ? g->plot.w / (g->xhi - g->xlo) : 0;
    g->ax = g->plot.x - g->bx * g->xlo;
    g->by = (g->yhi - g->ylo) != 0 ? -g->plot.h / (g->yhi - g->ylo) : 0;
    g->ay = g->plot.y + g->plot.h - g->by * g->ylo;
}

/* Unhinted text: the same glyph layout in every format and on every machine. */
static void font_options(cairo_t *cr)
{
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
    cairo_set_font_options(cr, fo);
    cairo_font_options_destroy(fo);
}

void pl__layout(pl_figure *fig, double px_per_pt)
{
    cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 1); /* for measuring text */
    cairo_t *cr = cairo_create(surf);
    font_options(cr);
    for (int i = 0; i < fig->rows * fig->cols; i++) {
        pl_axes *ax = &fig->panels[i];
        ax->drawn = !panel_empty(ax);
        memset(&ax->geom, 0, sizeof ax->geom);
        if (ax->drawn)
            panel_layout(cr, ax, &ax->geom);
    }
    align_panels(fig);
    for (int i = 0; i < fig->rows * fig->cols; i++)
        if (fig->panels[i].drawn)
            finish_panel(cr, &fig->panels[i], px_per_pt);
    cairo_destroy(cr);
    cairo_surface_destroy(surf);
}

static void draw_panel(cairo_t *cr, pl_axes *ax)
{
    const panel_geom *g = &ax->geom;
    if (g->plot.w <= 0 || g->plot.h <= 0)
        return;
    if (!ax->off)
        pl__draw_background(cr, ax, g);
    cairo_save(cr);
    cairo_rectangle(cr, g->plot.x, g->plot.y, g->plot.w, g->plot.h);
    cairo_clip(cr);
    for (pl_item *it = ax->items; it; it = it->next)
        if (it->kind != IT_TEXT)
            pl__draw_item(cr, ax, g, it);
    cairo_restore(cr);
    if (!ax->off)
        pl__draw_axes(cr, ax, g);
    pl__draw_title(cr, ax, g);
    pl__draw_boxes(cr, ax, g);
}

bool pl__plot_rect_px(pl_figure *fig, int row, int col, pl_rect *out)
{
    pl_axes *ax = pl_figure_panel(fig, row, col);
    if (!ax)
        return false;
    double s = fig->dpi / 72.0;
    pl__layout(fig, s);
    const pl_rect *p = &ax->geom.plot;
    *out = (pl_rect){p->x * s, p->y * s, p->w * s, p->h * s};
    return ax->drawn;
}

void pl__render(pl_figure *fig, cairo_t *cr, double y_lo, double y_hi)
{
    font_options(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    double band = pl__title_band(fig);
    if (band > 0 && y_lo < band) {
        pl__font(cr, false, fig->font_pt + 4, true);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        char t[PL_PLOT_TEXT_MAX];
        pl__text(cr, fig->w_pt / 2, band * 0.5 + (fig->font_pt + 4) * 0.36,
                 pl__fit_text(cr, fig->title, fig->w_pt - 8, t, sizeof t), 0.5);
    }
    for (int i = 0; i < fig->rows * fig->cols; i++) {
        pl_axes *ax = &fig->panels[i];
        if (!ax->drawn || ax->geom.cell.y > y_hi || ax->geom.cell.y + ax->geom.cell.h < y_lo)
            continue;
        cairo_save(cr);
        draw_panel(cr, ax);
        cairo_restore(cr);
    }
}

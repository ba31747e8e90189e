/* plateau plot: drawing the things a panel holds (lines, markers, bands, bars, histograms, reference lines, traces),
 * plus the small text and style helpers the rest of the renderer shares. */
#include <math.h>
#include <string.h>

#include "plot/draw.h"

void pl__font(cairo_t *cr, bool mono, double size, bool bold)
{
    cairo_select_font_face(cr, mono ? PL_FONT_MONO : PL_FONT_SANS, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

double pl__text_width(cairo_t *cr, const char *s)
{
    cairo_text_extents_t ext;
    cairo_text_extents(cr, s, &ext);
    return ext.x_advance;
}

void pl__text(cairo_t *cr, double x, double baseline, const char *s, double halign)
{
    if (!s[0])
        return;
    cairo_move_to(cr, x - halign * pl__text_width(cr, s), baseline);
    cairo_show_text(cr, s);
}

/* s cut (on a UTF-8 boundary, with an ellipsis) to fit max_w points in the current font; returns out. */
const char *pl__fit_text(cairo_t *cr, const char *s, double max_w, char *out, size_t size)
{
    pl__copy_text(out, size, s);
    if (pl__text_width(cr, out) <= max_w)
        return out;
    size_t n = strlen(out);
    while (n > 0) {
        do
            n--;
        while (n > 0 && ((unsigned char)out[n] & 0xC0) == 0x80);
        if (n + 4 > size)
            continue;
        memcpy(out + n, "\u2026", 4); /* 3 bytes and the terminator */
        if (pl__text_width(cr, out) <= max_w)
            return out;
        out[n] = '\0';
    }
    out[0] = '\0';
    return out;
}

void pl__set_color(cairo_t *cr, uint32_t c)
{
    cairo_set_source_rgba(cr, ((c >> 16) & 255) / 255.0, ((c >> 8) & 255) / 255.0, (c & 255) / 255.0,
                          ((c >> 24) & 255) / 255.0);
}

/* Width, dash pattern (scaled by the width, as matplotlib does), round joins so reversals stay clean. */
void pl__line_style(cairo_t *cr, const pl_style *st)
{
    double w = st->width > 0 ? st->width : 1.0;
    cairo_set_line_width(cr, w);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    if (st->dash == PL_DASHED) {
        double d[2] = {3.7 * w + 1.5, 1.6 * w + 1.5};
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
        cairo_set_dash(cr, d, 2, 0);
    } else if (st->dash == PL_DOTTED) {
        double d[2] = {0.01, 1.65 * w + 0.8};
        cairo_set_dash(cr, d, 2, 0);
    } else {
        cairo_set_dash(cr, NULL, 0, 0);
    }
}

/* One marker centred on (x, y), filled or stroked in the current source. */
void pl__marker(cairo_t *cr, double x, double y, pl_marker m, double size)
{
    double r = size / 2;
    cairo_new_path(cr);
    switch (m) {
    case PL_MARK_CIRCLE:
        cairo_arc(cr, x, y, r, 0, 2 * M_PI);
        cairo_fill(cr);
        break;
    case PL_MARK_SQUARE:
        cairo_rectangle(cr, x - r * 0.85, y - r * 0.85, r * 1.7, r * 1.7);
        cairo_fill(cr);
        break;
    case PL_MARK_TRIANGLE:
        cairo_move_to(cr, x, y - r);
        cairo_line_to(cr, x + r * 0.95, y + r * 0.7);
        cairo_line_to(cr, x - r * 0.95, y + r * 0.7);
        cairo_close_path(cr);
        cairo_fill(cr);
        break;
    case PL_MARK_CROSS:
    case PL_MARK_PLUS: {
        double d = m == PL_MARK_CROSS ? r * 0.8 : r;
        cairo_set_dash(cr, NULL, 0, 0);
        cairo_set_line_width(cr, fmax(1.2, size / 4));
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
        if (m == PL_MARK_CROSS) {
            cairo_move_to(cr, x - d, y - d);
            cairo_line_to(cr, x + d, y + d);
            cairo_move_to(cr, x - d, y + d);
            cairo_line_to(cr, x + d, y - d);
        } else {
            cairo_move_to(cr, x - d, y);
            cairo_line_to(cr, x + d, y);
            cairo_move_to(cr, x, y - d);
            cairo_line_to(cr, x, y + d);
        }
        cairo_stroke(cr);
        break;
    }
    case PL_MARK_NONE: break;
    }
}

/* Keeps device coordinates within what cairo's fixed-point arithmetic holds. */
static double clampc(double v)
{
    if (v != v)
        return 0;
    return v < -1e6 ? -1e6 : (v > 1e6 ? 1e6 : v);
}

#define MX(g, x) clampc((g)->ax + (g)->bx * (x))
#define MY(g, y) clampc((g)->ay + (g)->by * (y))

/* A polyline broken at non-finite points, then its markers. */
static void draw_line(cairo_t *cr, const panel_geom *g, const pl_item *it)
{
    pl__set_color(cr, it->style.color);
    if (it->style.dash != PL_NOLINE) {
        pl__line_style(cr, &it->style);
        bool pen = false;
        for (size_t i = 0; i < it->n; i++) {
            if (!isfinite(it->x[i]) || !isfinite(it->y[i])) {
                pen = false;
                continue;
            }
            if (pen)
                cairo_line_to(cr, MX(g, it->x[i]), MY(g, it->y[i]));
            else
                cairo_move_to(cr, MX(g, it->x[i]), MY(g, it->y[i]));
            pen = true;
        }
        cairo_stroke(cr);
    }
    if (it->style.marker == PL_MARK_NONE)
        return;
    for (size_t i = 0; i < it->n; i++) {
        if (!isfinite(it->x[i]) || !isfinite(it->y[i]))
            continue;
        pl__marker(cr, MX(g, it->x[i]), MY(g, it->y[i]), it->style.marker, it->style.marker_size);
    }
}

/* The filled area between lo and hi, one polygon per run of finite points. */
static void draw_band(cairo_t *cr, const panel_geom *g, const pl_item *it)
{
    pl__set_color(cr, it->style.color);
    size_t i = 0;
    while (i < it->n) {
        while (i < it->n && !(isfinite(it->x[i]) && isfinite(it->y[i]) && isfinite(it->y2[i])))
            i++;
        size_t a = i;
        while (i < it->n && isfinite(it->x[i]) && isfinite(it->y[i]) && isfinite(it->y2[i]))
            i++;
        if (i - a < 2)
            continue;
        cairo_move_to(cr, MX(g, it->x[a]), MY(g, it->y[a]));
        for (size_t k = a + 1; k < i; k++)
            cairo_line_to(cr, MX(g, it->x[k]), MY(g, it->y[k]));
        for (size_t k = i; k-- > a;)
            cairo_line_to(cr, MX(g, it->x[k]), MY(g, it->y2[k]));
        cairo_close_path(cr);
        cairo_fill(cr);
    }
}

static void draw_bars(cairo_t *cr, const panel_geom *g, const pl_item *it)
{
    for (size_t i = 0; i < it->n; i++) {
        if (!isfinite(it->y[i]))
            continue;
        double x0 = MX(g, (double)i - 0.4), x1 = MX(g, (double)i + 0.4);
        double y0 = MY(g, 0), y1 = MY(g, it->y[i]);
        pl__set_color(cr, it->colors[i]);
        cairo_rectangle(cr, x0, fmin(y0, y1), x1 - x0, fabs(y1 - y0));
        cairo_fill(cr);
    }
}

/* Histogram bins as adjacent bars with a thin white edge between them. */
static void draw_hist(cairo_t *cr, const panel_geom *g, const pl_item *it)
{
    double w = (it->hi - it->lo) / (double)it->n;
    for (size_t i = 0; i < it->n; i++) {
        if (it->y[i] <= 0)
            continue;
        double x0 = MX(g, it->lo + w * (double)i), x1 = MX(g, it->lo + w * (double)(i + 1));
        double y0 = MY(g, 0), y1 = MY(g, it->y[i]);
        cairo_rectangle(cr, x0, y1, x1 - x0, y0 - y1);
        pl__set_color(cr, it->style.color);
        cairo_fill_preserve(cr);
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_set_line_width(cr, 0.5);
        cairo_set_dash(cr, NULL, 0, 0);
        cairo_stroke(cr);
    }
}

static void draw_refline(cairo_t *cr, const panel_geom *g, const pl_item *it)
{
    pl__set_color(cr, it->style.color);
    pl__line_style(cr, &it->style);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
    if (it->kind == IT_HLINE) {
        cairo_move_to(cr, g->plot.x, MY(g, it->lo));
        cairo_line_to(cr, g->plot.x + g->plot.w, MY(g, it->lo));
    } else {
        cairo_move_to(cr, MX(g, it->lo), g->plot.y);
        cairo_line_to(cr, MX(g, it->lo), g->plot.y + g->plot.h);
    }
    cairo_stroke(cr);
}

void pl__draw_item(cairo_t *cr, pl_axes *ax, const panel_geom *g, const pl_item *it)
{
    cairo_new_path(cr);
    switch (it->kind) {
    case IT_TRACE:
        pl__set_color(cr, it->style.color);
        pl__line_style(cr, &it->style);
        if (ax->fig->draft) { /* a trace is thousands of tiny segments: these settings halve its cost */
            cairo_set_line_join(cr, CAIRO_LINE_JOIN_BEVEL);
            cairo_set_antialias(cr, CAIRO_ANTIALIAS_FAST);
        }
        pl__trace_path(it->trace, cr, g->ax, g->bx, g->ay, g->by);
        cairo_stroke(cr);
        cairo_set_antialias(cr, CAIRO_ANTIALIAS_DEFAULT);
        break;
    case IT_LINE: draw_line(cr, g, it); break;
    case IT_BAND: draw_band(cr, g, it); break;
    case IT_BARS: draw_bars(cr, g, it); break;
    case IT_HIST: draw_hist(cr, g, it); break;
    case IT_HLINE:
    case IT_VLINE: draw_refline(cr, g, it); break;
    case IT_TEXT: break;
    }
}

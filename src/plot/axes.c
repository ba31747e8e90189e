/* plateau plot: the furniture of a panel: grid, frame, ticks and their labels, axis labels, title, status badge,
 * legend and text boxes. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plot/draw.h"

#define INK 0xFF262626u /* frame, ticks, text */
#define GRID 0xFFE3E3E3u
#define TICK_LEN 3.5

/* Tick label with a typographic minus sign. */
static const char *tick_text(const pl_ticks *t, double v, char *buf, size_t size)
{
    char raw[64];
    pl_tick_label(t, v, raw, sizeof raw);
    if (raw[0] == '-')
        snprintf(buf, size, "\u2212%s", raw + 1);
    else
        snprintf(buf, size, "%s", raw);
    return buf;
}

static bool x_inside(const panel_geom *g, double x)
{
    return x >= g->plot.x - 0.01 && x <= g->plot.x + g->plot.w + 0.01;
}
static bool y_inside(const panel_geom *g, double y)
{
    return y >= g->plot.y - 0.01 && y <= g->plot.y + g->plot.h + 0.01;
}

void pl__draw_background(cairo_t *cr, const pl_axes *ax, const panel_geom *g)
{
    if (!ax->grid)
        return;
    cairo_save(cr);
    pl__set_color(cr, GRID);
    cairo_set_line_width(cr, 0.6);
    for (int i = 0; i < g->yt.n; i++) {
        double y = g->ay + g->by * g->yt.v[i];
        if (!y_inside(g, y))
            continue;
        cairo_move_to(cr, g->plot.x, y);
        cairo_line_to(cr, g->plot.x + g->plot.w, y);
    }
    for (int i = 0; !g->categories && i < g->xt.n; i++) {
        double x = g->ax + g->bx * g->xt.v[i];
        if (!x_inside(g, x))
            continue;
        cairo_move_to(cr, x, g->plot.y);
        cairo_line_to(cr, x, g->plot.y + g->plot.h);
    }
    cairo_stroke(cr);
    cairo_restore(cr);
}

static const pl_item *last_bars(const pl_axes *ax)
{
    const pl_item *bars = NULL;
    for (const pl_item *it = ax->items; it; it = it->next)
        if (it->kind == IT_BARS)
            bars = it;
    return bars;
}

static const char *category_name(const pl_item *bars, size_t i, char *buf, size_t size)
{
    if (bars->names)
        return bars->names[i];
    snprintf(buf, size, "%zu", i + 1);
    return buf;
}

double pl__categories_widest(cairo_t *cr, const pl_axes *ax, size_t *n)
{
    const pl_item *bars = last_bars(ax);
    *n = bars ? bars->n : 0;
    double widest = 0;
    char buf[32];
    pl__font(cr, false, ax->fig->font_pt, false);
    for (size_t i = 0; bars && i < bars->n; i++)
        widest = fmax(widest, pl__text_width(cr, category_name(bars, i, buf, sizeof buf)));
    return widest;
}

/* Category names under the bars: level, or at 45 degrees when they would collide (the layout made room); when
 * even that is too dense, only every k-th is shown. */
static void category_labels(cairo_t *cr, const pl_axes *ax, const panel_geom *g, double base)
{
    const pl_item *bars = last_bars(ax);
    if (!bars || !bars->n)
        return;
    size_t n;
    double f = ax->fig->font_pt, widest = pl__categories_widest(cr, ax, &n);
    double slot = g->plot.w / (double)n;
    double need = g->cat_rotated ? f * 1.2 : widest + f;
    size_t every = (size_t)ceil(need / slot);
    if (every < 1)
        every = 1;
    char buf[32];
    double bottom = g->plot.y + g->plot.h;
    for (size_t i = 0; i < n; i += every) {
        const char *s = category_name(bars, i, buf, sizeof buf);
        double x = g->ax + g->bx * (double)i;
        cairo_move_to(cr, x, bottom);
        cairo_line_to(cr, x, bottom + TICK_LEN);
        cairo_stroke(cr);
        if (!g->cat_rotated) {
            pl__text(cr, x, base, s, 0.5);
            continue;
        }
        cairo_save(cr);
        cairo_translate(cr, x + f * 0.25, bottom + TICK_LEN + 3);
        cairo_rotate(cr, -M_PI / 4);
        pl__text(cr, 0, f * 0.36, s, 1.0);
        cairo_restore(cr);
    }
}

/* Frame, outward ticks, tick labels, the scale notes and the axis labels. */
void pl__draw_axes(cairo_t *cr, const pl_axes *ax, const panel_geom *g)
{
    double f = ax->fig->font_pt;
    const pl_rect *p = &g->plot;
    char buf[96];
    pl__set_color(cr, INK);
    cairo_set_dash(cr, NULL, 0, 0);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_SQUARE);
    cairo_set_line_width(cr, 0.8);
    cairo_rectangle(cr, p->x, p->y, p->w, p->h);
    cairo_stroke(cr);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
    pl__font(cr, false, f, false);
    double bottom = p->y + p->h;
    double xbase = bottom + TICK_LEN + 2 + f * 0.95;
    if (g->categories) {
        category_labels(cr, ax, g, xbase);
    } else {
        for (int i = 0; i < g->xt.n; i++) {
            double x = g->ax + g->bx * g->xt.v[i];
            if (!x_inside(g, x))
                continue;
            cairo_move_to(cr, x, bottom);
            cairo_line_to(cr, x, bottom + TICK_LEN);
            cairo_stroke(cr);
            pl__text(cr, x, xbase, tick_text(&g->xt, g->xt.v[i], buf, sizeof buf), 0.5);
        }
    }
    for (int i = 0; i < g->yt.n; i++) {
        double y = g->ay + g->by * g->yt.v[i];
        if (!y_inside(g, y))
            continue;
        cairo_move_to(cr, p->x, y);
        cairo_line_to(cr, p->x - TICK_LEN, y);
        cairo_stroke(cr);
        pl__text(cr, p->x - TICK_LEN - 3, y + f * 0.36, tick_text(&g->yt, g->yt.v[i], buf, sizeof buf), 1.0);
    }
    double label_base = xbase + (f + 1) * 1.35 + g->cat_extra;
    if (!g->categories && pl_ticks_note(&g->xt, buf, sizeof buf)[0])
        pl__text(cr, p->x + p->w, label_base, buf, 1.0);
    if (pl_ticks_note(&g->yt, buf, sizeof buf)[0])
        pl__text(cr, p->x, p->y - f * 0.45, buf, 0.0);
    pl__font(cr, false, f + 1, false);
    char fit[PL_PLOT_TEXT_MAX];
    if (ax->xlabel[0])
        pl__text(cr, p->x + p->w / 2, label_base, pl__fit_text(cr, ax->xlabel, g->cell.w - 4, fit, sizeof fit), 0.5);
    if (ax->ylabel[0]) {
        cairo_save(cr);
        double ticks_w = 0; /* next to the tick labels, wherever the aligned margin put the axis */
        pl__font(cr, false, f, false);
        for (int i = 0; i < g->yt.n; i++)
            ticks_w = fmax(ticks_w, pl__text_width(cr, tick_text(&g->yt, g->yt.v[i], buf, sizeof buf)));
        pl__font(cr, false, f + 1, false);
        cairo_translate(cr, fmax(g->cell.x + (f + 1) * 1.0, p->x - TICK_LEN - 3 - ticks_w - (f + 1) * 0.45),
                        p->y + p->h / 2);
        cairo_rotate(cr, -M_PI / 2);
        pl__text(cr, 0, 0, pl__fit_text(cr, ax->ylabel, g->cell.h - 4, fit, sizeof fit), 0.5);
        cairo_restore(cr);
    }
}

static void rounded_rect(cairo_t *cr, double x, double y, double w, double h, double r)
{
    cairo_new_sub_path(cr);
    cairo_arc(cr, x + w - r, y + r, r, -M_PI / 2, 0);
    cairo_arc(cr, x + w - r, y + h - r, r, 0, M_PI / 2);
    cairo_arc(cr, x + r, y + h - r, r, M_PI / 2, M_PI);
    cairo_arc(cr, x + r, y + r, r, M_PI, 3 * M_PI / 2);
    cairo_close_path(cr);
}

/* The badge at the right end of the title line; returns its left edge (or the plot's right edge without one). */
static double draw_badge(cairo_t *cr, const pl_axes *ax, const panel_geom *g, double mid)
{
    static const uint32_t fill[] = {0xFF1A9850u, 0xFFC8102Eu, 0xFFE69F00u, 0xFF6E6E6Eu};
    double right = g->plot.x + g->plot.w;
    if (!ax->has_badge)
        return right;
    double f = ax->fig->font_pt + 1;
    pl__font(cr, false, f, true);
    double w = pl__text_width(cr, ax->badge_text) + f * 1.2, h = f * 1.5;
    double x = right - w;
    rounded_rect(cr, x, mid - h / 2, w, h, h * 0.25);
    pl__set_color(cr, fill[ax->badge]);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, ax->badge == PL_VERDICT_WARNING ? 0.1 : 1, ax->badge == PL_VERDICT_WARNING ? 0.1 : 1,
                         ax->badge == PL_VERDICT_WARNING ? 0.1 : 1);
    pl__text(cr, x + w / 2, mid + f * 0.36, ax->badge_text, 0.5);
    return x;
}

/* Panel title centred over the plot area (left of the badge when there is one). */
void pl__draw_title(cairo_t *cr, const pl_axes *ax, const panel_geom *g)
{
    double f = ax->fig->font_pt + 2;
    double mid = g->plot.y - f * 0.95;
    double right = draw_badge(cr, ax, g, mid);
    if (!ax->title[0])
        return;
    pl__font(cr, false, f, false);
    pl__set_color(cr, INK);
    char t[PL_PLOT_TEXT_MAX];
    double lo = g->cell.x + 2, hi = ax->has_badge ? right - 4 : g->cell.x + g->cell.w - 2;
    double w = pl__text_width(cr, pl__fit_text(cr, ax->title, hi - lo, t, sizeof t));
    double centre = ax->has_badge ? (g->plot.x + right - 4) / 2 : g->plot.x + g->plot.w / 2;
    double x = fmin(fmax(centre - w / 2, lo), hi - w); /* centred, but inside the cell and left of the badge */
    pl__text(cr, x, mid + f * 0.36, t, 0.0);
}

/* The rectangle of a w x h box in a corner, below (or above) the boxes already there. */
static pl_rect corner_rect(const panel_geom *g, pl_loc where, double w, double h, const double used[4])
{
    double m = 6;
    bool right = where == PL_LOC_UPPER_RIGHT || where == PL_LOC_LOWER_RIGHT;
    bool upper = where == PL_LOC_UPPER_RIGHT || where == PL_LOC_UPPER_LEFT;
    double x = right ? g->plot.x + g->plot.w - m - w : g->plot.x + m;
    double y = upper ? g->plot.y + m + used[where] : g->plot.y + g->plot.h - m - h - used[where];
    return (pl_rect){x, y, w, h};
}

/* Places a box: an explicit corner, or (BEST) the corner without a box that hides the least data. */
static pl_rect place_box(const pl_axes *ax, const panel_geom *g, pl_loc want, double w, double h, double used[4])
{
    static const pl_loc order[4] = {PL_LOC_UPPER_RIGHT, PL_LOC_UPPER_LEFT, PL_LOC_LOWER_LEFT, PL_LOC_LOWER_RIGHT};
    pl_loc where = want;
    if (want == PL_LOC_BEST) {
        double best = INFINITY;
        for (int k = 0; k < 4; k++) {
            double score = pl__cover(ax, g, corner_rect(g, order[k], w, h, used)) + (used[order[k]] > 0 ? 1e9 : 0);
            if (score < best) {
                best = score;
                where = order[k];
            }
        }
    }
    pl_rect r = corner_rect(g, where, w, h, used);
    used[where] += h + 4;
    return r;
}

static void box(cairo_t *cr, pl_rect r)
{
    rounded_rect(cr, r.x, r.y, r.w, r.h, 2.5);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.88);
    cairo_fill_preserve(cr);
    pl__set_color(cr, 0xFFBBBBBBu);
    cairo_set_line_width(cr, 0.6);
    cairo_set_dash(cr, NULL, 0, 0);
    cairo_stroke(cr);
}

/* The legend sample of an item: a line (with its dash and marker) or a patch. */
static void legend_sample(cairo_t *cr, const pl_item *it, double x, double y, double len)
{
    pl__set_color(cr, it->style.color);
    if (it->kind == IT_BAND || it->kind == IT_BARS || it->kind == IT_HIST) {
        cairo_rectangle(cr, x, y - 3.5, len, 7);
        cairo_fill(cr);
        return;
    }
    if (it->style.dash != PL_NOLINE) {
        pl__line_style(cr, &it->style);
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
        cairo_move_to(cr, x, y);
        cairo_line_to(cr, x + len, y);
        cairo_stroke(cr);
    }
    if (it->style.marker != PL_MARK_NONE)
        pl__marker(cr, x + len / 2, y, it->style.marker, it->style.marker_size);
}

/* The legend's size; false when no item has a label. */
static bool legend_size(cairo_t *cr, const pl_axes *ax, double *w, double *h)
{
    double f = ax->fig->font_pt, widest = 0;
    int n = 0;
    pl__font(cr, false, f, false);
    for (const pl_item *it = ax->items; it; it = it->next) {
        if (!it->style.label)
            continue;
        widest = fmax(widest, pl__text_width(cr, it->style.label));
        n++;
    }
    *w = widest + 2.2 * f + f * 1.6;
    *h = n * f * 1.45 + f * 0.5;
    return n > 0 && ax->legend != PL_LOC_NONE;
}

static void draw_legend(cairo_t *cr, const pl_axes *ax, pl_rect r)
{
    double f = ax->fig->font_pt, len = 2.2 * f, row = f * 1.45;
    box(cr, r);
    double cy = r.y + f * 0.25 + row / 2;
    for (const pl_item *it = ax->items; it; it = it->next) {
        if (!it->style.label)
            continue;
        cairo_save(cr);
        legend_sample(cr, it, r.x + f * 0.5, cy, len);
        cairo_restore(cr);
        pl__font(cr, false, f, false);
        pl__set_color(cr, INK);
        pl__text(cr, r.x + f * 1.1 + len, cy + f * 0.36, it->style.label, 0.0);
        cy += row;
    }
}

/* Calls fn for each line of a text box (lines split at '\n', each cut to 511 bytes). */
static void each_line(const char *text, void (*fn)(void *ctx, const char *line), void *ctx)
{
    char line[512];
    for (const char *p = text; p;) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        pl__copy_text(line, sizeof line < len + 1 ? sizeof line : len + 1, p);
        fn(ctx, line);
        p = e ? e + 1 : NULL;
    }
}

typedef struct text_walk {
    cairo_t *cr;
    double w, x, base, row;
    int n;
} text_walk;

static void measure_line(void *ctx, const char *line)
{
    text_walk *t = ctx;
    t->w = fmax(t->w, pl__text_width(t->cr, line));
    t->n++;
}

static void show_line(void *ctx, const char *line)
{
    text_walk *t = ctx;
    pl__text(t->cr, t->x, t->base, line, 0.0);
    t->base += t->row;
}

/* A text box: monospaced lines (so "name  value" columns line up) in a corner of the plot area. */
static void draw_textbox(cairo_t *cr, const pl_axes *ax, const panel_geom *g, const pl_item *it, double used[4])
{
    double f = ax->fig->font_pt;
    text_walk t = {.cr = cr, .row = f * 1.3};
    pl__font(cr, true, f, false);
    each_line(it->text, measure_line, &t);
    pl_rect r = place_box(ax, g, it->where, t.w + f * 1.2, t.n * t.row + f * 0.6, used);
    box(cr, r);
    pl__font(cr, true, f, false);
    pl__set_color(cr, INK);
    t.x = r.x + f * 0.6;
    t.base = r.y + f * 0.3 + t.row * 0.5 + f * 0.36;
    each_line(it->text, show_line, &t);
}

/* Text boxes and the legend: explicit corners first, then the BEST ones into what is left. */
void pl__draw_boxes(cairo_t *cr, const pl_axes *ax, const panel_geom *g)
{
    double used[4] = {0, 0, 0, 0}, lw, lh;
    bool legend = legend_size(cr, ax, &lw, &lh);
    for (int pass = 0; pass < 2; pass++) {
        bool best = pass == 1;
        for (const pl_item *it = ax->items; it; it = it->next)
            if (it->kind == IT_TEXT && (it->where == PL_LOC_BEST) == best)
                draw_textbox(cr, ax, g, it, used);
        if (legend && (ax->legend == PL_LOC_BEST) == best)
            draw_legend(cr, ax, place_box(ax, g, ax->legend, lw, lh, used));
    }
}

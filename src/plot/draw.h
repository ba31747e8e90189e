/* plateau plot: the renderer's pieces (src/plot only). */
#ifndef PLATEAU_PLOT_DRAW_H
#define PLATEAU_PLOT_DRAW_H

#include "plot/plot_impl.h"

/* Text: DejaVu through fontconfig (cairo's font selection). halign 0 left, 0.5 centre, 1 right of x. */
void pl__font(cairo_t *cr, bool mono, double size, bool bold);
double pl__text_width(cairo_t *cr, const char *s);
void pl__text(cairo_t *cr, double x, double baseline, const char *s, double halign);
void pl__set_color(cairo_t *cr, uint32_t argb);
const char *pl__fit_text(cairo_t *cr, const char *s, double max_w, char *out, size_t size);
void pl__line_style(cairo_t *cr, const pl_style *st);
void pl__marker(cairo_t *cr, double x, double y, pl_marker m, double size);

void pl__draw_item(cairo_t *cr, pl_axes *ax, const panel_geom *g, const pl_item *it);
void pl__draw_background(cairo_t *cr, const pl_axes *ax, const panel_geom *g);
void pl__draw_axes(cairo_t *cr, const pl_axes *ax, const panel_geom *g);
void pl__draw_title(cairo_t *cr, const pl_axes *ax, const panel_geom *g);
void pl__draw_boxes(cairo_t *cr, const pl_axes *ax, const panel_geom *g);
/* The widest category label of the panel's bar chart (0 without bars) and how many categories there are. */
double pl__categories_widest(cairo_t *cr, const pl_axes *ax, size_t *n);
/* How much data a box r (points) would hide: lower is a better place for a legend or text box. */
double pl__cover(const pl_axes *ax, const panel_geom *g, pl_rect r);

#endif

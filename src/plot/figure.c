/* plateau plot: figures, their grid of panels, and the panel setters. */
#include <math.h>
#include <string.h>

#include "plateau/mem.h"
#include "plot/plot_impl.h"

static const uint32_t okabe_ito[] = {PL_BLUE,   PL_VERMILION, PL_GREEN, PL_ORANGE,
                                     PL_PURPLE, PL_SKYBLUE,   PL_BLACK, PL_YELLOW};

/* The colour-blind-safe palette, cycling; black and yellow last (yellow is weak on white). */
uint32_t pl_palette(int i)
{
    int n = (int)(sizeof okabe_ito / sizeof okabe_ito[0]);
    return okabe_ito[((i % n) + n) % n];
}

/* Copies a string into a fixed buffer, truncating on a UTF-8 character boundary. */
void pl__copy_text(char *dst, size_t size, const char *src)
{
    if (!src)
        src = "";
    size_t n = strlen(src);
    if (n >= size) {
        n = size - 1;
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* Turns relative weights into cumulative edges 0..1; missing or bad weights count as 1. */
static void edges_from_weights(double *edges, int n, const double *w)
{
    double total = 0;
    for (int i = 0; i < n; i++)
        total += (w && isfinite(w[i]) && w[i] > 0) ? w[i] : 1.0;
    edges[0] = 0;
    double acc = 0;
    for (int i = 0; i < n; i++) {
        acc += (w && isfinite(w[i]) && w[i] > 0) ? w[i] : 1.0;
        edges[i + 1] = acc / total;
    }
    edges[n] = 1.0;
}

/* Checks the spec and works out the size in points and pixels. */
static pl_status figure_size(const pl_figure_spec *spec, double *dpi, double *w_pt, double *h_pt, pl_error *err)
{
    *dpi = spec->dpi > 0 ? spec->dpi : 100;
    if (!isfinite(*dpi) || *dpi < 10 || *dpi > 2400)
        return pl_error_set(err, PL_EARG, NULL, "figure resolution %g dpi is outside 10..2400", spec->dpi);
    double w_in = spec->width_in > 0 ? spec->width_in : spec->width_px / *dpi;
    double h_in = spec->height_in > 0 ? spec->height_in : spec->height_px / *dpi;
    if (!(w_in > 0) || !(h_in > 0) || !isfinite(w_in) || !isfinite(h_in))
        return pl_error_set(err, PL_EARG, NULL, "figure size must be given in inches or pixels");
    if (w_in * *dpi < 16 || h_in * *dpi < 16 || w_in * *dpi > 32767 || h_in * *dpi > 32767)
        return pl_error_set(err, PL_EARG, NULL, "figure of %.0f x %.0f pixels is outside 16..32767", w_in * *dpi,
                            h_in * *dpi);
    *w_pt = w_in * 72.0;
    *h_pt = h_in * 72.0;
    return PL_OK;
}

pl_status pl_figure_new(const pl_figure_spec *spec, pl_figure **out, pl_error *err)
{
    if (!spec || !out)
        return pl_error_set(err, PL_EARG, NULL, "pl_figure_new needs a spec and an output pointer");
    *out = NULL;
    int rows = spec->rows > 0 ? spec->rows : 1, cols = spec->cols > 0 ? spec->cols : 1;
    if ((long)rows * cols > PL_PLOT_MAX_PANELS)
        return pl_error_set(err, PL_EARG, NULL, "a figure of %d x %d panels is more than %d", rows, cols,
                            PL_PLOT_MAX_PANELS);
    double dpi = 0, w_pt = 0, h_pt = 0;
    pl_status st = figure_size(spec, &dpi, &w_pt, &h_pt, err);
    if (st)
        return st;
    size_t npanel = (size_t)rows * (size_t)cols;
    pl_figure *fig = pl_calloc(1, sizeof *fig, "plot figure", err);
    if (!fig)
        return err ? err->code : PL_ENOMEM;
    fig->panels = pl_calloc(npanel, sizeof *fig->panels, "plot panels", err);
    fig->row_edges = pl_alloc(sizeof(double) * (size_t)(rows + cols + 2), "plot grid", err);
    if (!fig->panels || !fig->row_edges) {
        pl_figure_free(fig);
        return err ? err->code : PL_ENOMEM;
    }
    fig->col_edges = fig->row_edges + rows + 1;
    edges_from_weights(fig->row_edges, rows, spec->row_weights);
    edges_from_weights(fig->col_edges, cols, spec->col_weights);
    fig->dpi = dpi;
    fig->w_pt = w_pt;
    fig->h_pt = h_pt;
    fig->w_px = (int)lround(w_pt * dpi / 72.0);
    fig->h_px = (int)lround(h_pt * dpi / 72.0);
    fig->rows = rows;
    fig->cols = cols;
    fig->font_pt = (spec->font_pt > 3 && spec->font_pt < 72) ? spec->font_pt : 9.0;
    fig->draft = spec->draft;
    pl__copy_text(fig->title, sizeof fig->title, spec->title);
    for (size_t i = 0; i < npanel; i++) {
        pl_axes *ax = &fig->panels[i];
        ax->fig = fig;
        ax->row = (int)(i / (size_t)cols);
        ax->col = (int)(i % (size_t)cols);
        ax->grid = true;
        ax->legend = PL_LOC_BEST;
    }
    *out = fig;
    return PL_OK;
}

void pl_figure_free(pl_figure *fig)
{
    if (!fig)
        return;
    if (fig->panels) {
        for (int i = 0; i < fig->rows * fig->cols; i++) {
            pl_item *it = fig->panels[i].items;
            while (it) {
                pl_item *next = it->next;
                pl__free_item(it);
                it = next;
            }
        }
    }
    pl_free(fig->panels);
    pl_free(fig->row_edges);
    pl_free(fig);
}

pl_axes *pl_figure_panel(pl_figure *fig, int row, int col)
{
    if (!fig || row < 0 || col < 0 || row >= fig->rows || col >= fig->cols)
        return NULL;
    return &fig->panels[row * fig->cols + col];
}

int pl_figure_width_px(const pl_figure *fig)
{
    return fig ? fig->w_px : 0;
}
int pl_figure_height_px(const pl_figure *fig)
{
    return fig ? fig->h_px : 0;
}

/* Height of the band that holds the figure title (0 without one). */
double pl__title_band(const pl_figure *fig)
{
    return fig->title[0] ? (fig->font_pt + 4.0) * 2.0 : 0.0;
}

pl_rect pl__cell(const pl_figure *fig, int row, int col)
{
    double top = pl__title_band(fig);
    double gh = fig->h_pt - top;
    pl_rect r;
    r.x = fig->col_edges[col] * fig->w_pt;
    r.w = fig->col_edges[col + 1] * fig->w_pt - r.x;
    r.y = top + fig->row_edges[row] * gh;
    r.h = top + fig->row_edges[row + 1] * gh - r.y;
    return r;
}

void pl_axes_title(pl_axes *ax, const char *title)
{
    if (ax)
        pl__copy_text(ax->title, sizeof ax->title, title);
}

void pl_axes_labels(pl_axes *ax, const char *xlabel, const char *ylabel)
{
    if (!ax)
        return;
    pl__copy_text(ax->xlabel, sizeof ax->xlabel, xlabel);
    pl__copy_text(ax->ylabel, sizeof ax->ylabel, ylabel);
}

/* Stores fixed limits; anything unusable returns the axis to autoscaling. */
static void set_lim(double *lim, bool *fixed, double lo, double hi)
{
    *fixed = isfinite(lo) && isfinite(hi) && lo != hi && isfinite(hi - lo);
    lim[0] = lo;
    lim[1] = hi;
}

void pl_axes_xlim(pl_axes *ax, double lo, double hi)
{
    if (ax)
        set_lim(ax->xlim, &ax->xfixed, lo, hi);
}

void pl_axes_ylim(pl_axes *ax, double lo, double hi)
{
    if (ax)
        set_lim(ax->ylim, &ax->yfixed, lo, hi);
}

void pl_axes_legend(pl_axes *ax, pl_loc where)
{
    if (ax && where >= PL_LOC_UPPER_RIGHT && where <= PL_LOC_BEST)
        ax->legend = where;
}

void pl_axes_grid(pl_axes *ax, bool on)
{
    if (ax)
        ax->grid = on;
}

void pl_axes_off(pl_axes *ax)
{
    if (ax)
        ax->off = true;
}

pl_status pl_axes_badge(pl_axes *ax, pl_verdict verdict, const char *text, pl_error *err)
{
    static const char *names[] = {"PASS", "FAIL", "WARNING", "INFO"};
    if (!ax || verdict < PL_VERDICT_PASS || verdict > PL_VERDICT_INFO)
        return pl_error_set(err, PL_EARG, NULL, "pl_axes_badge needs a panel and a verdict");
    ax->has_badge = true;
    ax->badge = verdict;
    pl__copy_text(ax->badge_text, sizeof ax->badge_text, text && text[0] ? text : names[verdict]);
    return PL_OK;
}

uint32_t pl__resolve_color(pl_axes *ax, uint32_t color)
{
    if (color >> 24)
        return color;
    return pl_palette(ax->palette_next++);
}

void pl__add_item(pl_axes *ax, pl_item *it)
{
    it->next = NULL;
    if (ax->tail)
        ax->tail->next = it;
    else
        ax->items = it;
    ax->tail = it;
}

void pl__free_item(pl_item *it)
{
    if (!it)
        return;
    if (it->trace)
        pl__trace_free(it->trace);
    pl_free(it);
}

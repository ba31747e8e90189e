/* plateau plot: small series given as arrays (copied into one allocation per item, freed with the figure). */
#include <math.h>
#include <string.h>

#include "plateau/mem.h"
#include "plot/plot_impl.h"

/* An item with room for `ndouble` doubles and `nbytes` more bytes after it (one allocation). */
static pl_item *item_new(pl_axes *ax, pl_item_kind kind, size_t ndouble, size_t nbytes, const pl_style *style,
                         pl_error *err)
{
    if (ndouble > (SIZE_MAX / 2 - nbytes) / sizeof(double)) {
        pl_error_set(err, PL_ELIMIT, NULL, "plot series of %zu values is too large", ndouble);
        return NULL;
    }
    pl_item *it = pl_alloc(sizeof *it + ndouble * sizeof(double) + nbytes, "plot series", err);
    if (!it)
        return NULL;
    memset(it, 0, sizeof *it);
    it->kind = kind;
    if (style)
        it->style = *style;
    pl__copy_text(it->label, sizeof it->label, style ? style->label : NULL);
    it->style.label = it->label[0] ? it->label : NULL;
    if (!(it->style.width > 0) || !isfinite(it->style.width))
        it->style.width = 1.0;
    if (!(it->style.marker_size > 0) || !isfinite(it->style.marker_size))
        it->style.marker_size = 5.0;
    (void)ax;
    return it;
}

static double *item_doubles(pl_item *it)
{
    return (double *)(it + 1);
}

pl_status pl_axes_line(pl_axes *ax, const double *x, const double *y, size_t n, const pl_style *style, pl_error *err)
{
    if (!ax || (!y && n))
        return pl_error_set(err, PL_EARG, NULL, "pl_axes_line needs a panel and y values");
    pl_item *it = item_new(ax, IT_LINE, 2 * n, 0, style, err);
    if (!it)
        return err ? err->code : PL_ENOMEM;
    it->n = n;
    it->x = item_doubles(it);
    it->y = it->x + n;
    for (size_t i = 0; i < n; i++)
        it->x[i] = x ? x[i] : (double)i;
    if (n)
        memcpy(it->y, y, n * sizeof(double));
    it->style.color = pl__resolve_color(ax, it->style.color);
    pl__add_item(ax, it);
    return PL_OK;
}

pl_status pl_axes_band(pl_axes *ax, const double *x, const double *lo, const double *hi, size_t n, uint32_t color,
                       const char *label, pl_error *err)
{
    if (!ax || (n && (!x || !lo || !hi)))
        return pl_error_set(err, PL_EARG, NULL, "pl_axes_band needs a panel, x and both bounds");
    pl_style st = {.color = color ? color : 0x26000000u, .label = label}; /* light grey */
    pl_item *it = item_new(ax, IT_BAND, 3 * n, 0, &st, err);
    if (!it)
        return err ? err->code : PL_ENOMEM;
    it->n = n;
    it->x = item_doubles(it);
    it->y = it->x + n;
    it->y2 = it->y + n;
    if (n) {
        memcpy(it->x, x, n * sizeof(double));
        memcpy(it->y, lo, n * sizeof(double));
        memcpy(it->y2, hi, n * sizeof(double));
    }
    pl__add_item(ax, it);
    return PL_OK;
}

pl_status pl_axes_bars(pl_axes *ax, const double *heights, const char *const *labels, const uint32_t *colors, size_t n,
                       const pl_style *style, pl_error *err)
{
    if (!ax || (n && !heights))
        return pl_error_set(err, PL_EARG, NULL, "pl_axes_bars needs a panel and heights");
    if (n > 10000)
        return pl_error_set(err, PL_ELIMIT, NULL, "a bar chart of %zu bars is more than 10000", n);
    size_t text = 0;
    for (size_t i = 0; labels && i < n; i++)
        text += strlen(labels[i] ? labels[i] : "") + 1;
    size_t extra = n * sizeof(uint32_t) + n * sizeof(char *) + text;
    pl_item *it = item_new(ax, IT_BARS, n, extra, style, err);
    if (!it)
        return err ? err->code : PL_ENOMEM;
    it->n = n;
    it->y = item_doubles(it);
    if (n)
        memcpy(it->y, heights, n * sizeof(double));
    it->style.color = pl__resolve_color(ax, it->style.color);
    /* layout after the heights: label pointers, then colours, then label text (keeps each part aligned) */
    char **names = (char **)(it->y + n);
    it->colors = (uint32_t *)(names + n);
    for (size_t i = 0; i < n; i++)
        it->colors[i] = (colors && (colors[i] >> 24)) ? colors[i] : it->style.color;
    if (labels) {
        it->names = names;
        char *p = (char *)(it->colors + n);
        for (size_t i = 0; i < n; i++) {
            const char *s = labels[i] ? labels[i] : "";
            size_t len = strlen(s) + 1;
            memcpy(p, s, len);
            it->names[i] = p;
            p += len;
        }
    }
    ax->bars_n = n;
    pl__add_item(ax, it);
    return PL_OK;
}

/* The finite range of values; false when there is none. */
static bool finite_range(const double *v, size_t n, double *lo, double *hi)
{
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i]))
            continue;
        if (!any || v[i] < *lo)
            *lo = v[i];
        if (!any || v[i] > *hi)
            *hi = v[i];
        any = true;
    }
    return any;
}

pl_status pl_axes_hist(pl_axes *ax, const double *values, size_t n, int bins, double lo, double hi,
                       const pl_style *style, pl_error *err)
{
    if (!ax || (n && !values))
        return pl_error_set(err, PL_EARG, NULL, "pl_axes_hist needs a panel and values");
    if (bins < 1 || bins > 10000)
        return pl_error_set(err, PL_EARG, NULL, "histogram bins %d outside 1..10000", bins);
    if (!(isfinite(lo) && isfinite(hi) && lo < hi && isfinite(hi - lo))) {
        if (!finite_range(values, n, &lo, &hi)) {
            lo = 0;
            hi = 1;
        }
        if (hi == lo) {
            double d = lo != 0 ? fabs(lo) * 0.05 : 0.5;
            lo -= d;
            hi += d;
        }
    }
    pl_item *it = item_new(ax, IT_HIST, (size_t)bins, 0, style, err);
    if (!it)
        return err ? err->code : PL_ENOMEM;
    it->n = (size_t)bins;
    it->y = item_doubles(it);
    memset(it->y, 0, (size_t)bins * sizeof(double));
    it->lo = lo;
    it->hi = hi;
    double scale = bins / (hi - lo);
    for (size_t i = 0; i < n; i++) {
        double v = values[i];
        if (!isfinite(v) || v < lo || v > hi)
            continue;
        long b = (long)((v - lo) * scale);
        if (b >= bins)
            b = bins - 1; /* the last bin includes hi, as numpy's does */
        if (b < 0)
            b = 0;
        it->y[b] += 1;
    }
    it->style.color = pl__resolve_color(ax, it->style.color);
    pl__add_item(ax, it);
    return PL_OK;
}

/* A reference line; default style is a thin dark grey dashed line. */
static pl_status refline(pl_axes *ax, pl_item_kind kind, double v, const pl_style *style, pl_error *err)
{
    if (!ax || !isfinite(v))
        return pl_error_set(err, PL_EARG, NULL, "a reference line needs a panel and a finite value");
    pl_item *it = item_new(ax, kind, 0, 0, style, err);
    if (!it)
        return err ? err->code : PL_ENOMEM;
    if (!(it->style.color >> 24))
        it->style.color = 0xFF404040u;
    it->lo = v;
    pl__add_item(ax, it);
    return PL_OK;
}

pl_status pl_axes_hline(pl_axes *ax, double y, const pl_style *style, pl_error *err)
{
    return refline(ax, IT_HLINE, y, style, err);
}

pl_status pl_axes_vline(pl_axes *ax, double x, const pl_style *style, pl_error *err)
{
    return refline(ax, IT_VLINE, x, style, err);
}

pl_status pl_axes_text(pl_axes *ax, pl_loc where, const char *text, pl_error *err)
{
    if (!ax || !text)
        return pl_error_set(err, PL_EARG, NULL, "pl_axes_text needs a panel and a text");
    size_t len = strlen(text);
    if (len > 8192)
        return pl_error_set(err, PL_ELIMIT, NULL, "a text box of %zu bytes is more than 8192", len);
    pl_item *it = item_new(ax, IT_TEXT, 0, len + 1, NULL, err);
    if (!it)
        return err ? err->code : PL_ENOMEM;
    it->text = (char *)(it + 1);
    memcpy(it->text, text, len + 1);
    it->where = (where >= PL_LOC_UPPER_RIGHT && where <= PL_LOC_BEST && where != PL_LOC_NONE) ? where : PL_LOC_BEST;
    pl__add_item(ax, it);
    return PL_OK;
}

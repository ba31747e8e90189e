/* plateau plot: how much data a box would hide, so legends and text boxes can go where they hide the least
 * (PL_LOC_BEST). Everything is measured in points, with the panel's data-to-points map. */
#include <math.h>

#include "plot/draw.h"

/* Whether the segment (x0,y0)-(x1,y1) meets the rectangle (Liang-Barsky clipping). */
static bool segment_meets(double x0, double y0, double x1, double y1, pl_rect r)
{
    double t0 = 0, t1 = 1, dx = x1 - x0, dy = y1 - y0;
    double p[4] = {-dx, dx, -dy, dy};
    double q[4] = {x0 - r.x, r.x + r.w - x0, y0 - r.y, r.y + r.h - y0};
    for (int i = 0; i < 4; i++) {
        if (p[i] == 0) {
            if (q[i] < 0)
                return false;
            continue;
        }
        double t = q[i] / p[i];
        if (p[i] < 0) {
            if (t > t1)
                return false;
            if (t > t0)
                t0 = t;
        } else {
            if (t < t0)
                return false;
            if (t < t1)
                t1 = t;
        }
    }
    return true;
}

static bool spans_meet(double a0, double a1, double b0, double b1)
{
    return fmax(fmin(a0, a1), b0) <= fmin(fmax(a0, a1), b1);
}

#define MX(g, x) ((g)->ax + (g)->bx * (x))
#define MY(g, y) ((g)->ay + (g)->by * (y))

static double polyline_cover(const panel_geom *g, const double *x, const double *y, size_t n, bool markers, pl_rect r)
{
    double hits = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i]))
            continue;
        double px = MX(g, x[i]), py = MY(g, y[i]);
        if (markers && px >= r.x && px <= r.x + r.w && py >= r.y && py <= r.y + r.h)
            hits += 1;
        if (i + 1 < n && isfinite(x[i + 1]) && isfinite(y[i + 1]))
            hits += segment_meets(px, py, MX(g, x[i + 1]), MY(g, y[i + 1]), r);
    }
    return hits;
}

static double trace_cover(const panel_geom *g, const pl_trace *tr, pl_rect r)
{
    double hits = 0, w = 1.0 / tr->cols_per_x;
    for (size_t c = 0; c < tr->ncol; c++) {
        if (!(tr->flags[c] & COL_HAS))
            continue;
        double x0 = MX(g, tr->x0 + (double)c * w), x1 = MX(g, tr->x0 + (double)(c + 1) * w);
        if (!spans_meet(x0, x1, r.x, r.x + r.w))
            continue;
        hits += spans_meet(MY(g, tr->mn[c]), MY(g, tr->mx[c]), r.y, r.y + r.h) ? 0.25 : 0; /* a quarter pixel */
    }
    return hits;
}

/* A score for the data under r: crossings of lines and traces, markers, bars and bins (bands count lightly). */
double pl__cover(const pl_axes *ax, const panel_geom *g, pl_rect r)
{
    double hits = 0;
    for (const pl_item *it = ax->items; it; it = it->next) {
        switch (it->kind) {
        case IT_TRACE: hits += trace_cover(g, it->trace, r); break;
        case IT_LINE:
            hits += polyline_cover(g, it->x, it->y, it->n, it->style.marker != PL_MARK_NONE, r) *
                    (it->style.dash == PL_NOLINE ? 3 : 1);
            break;
        case IT_BAND:
            hits += 0.2 * (polyline_cover(g, it->x, it->y, it->n, false, r) +
                           polyline_cover(g, it->x, it->y2, it->n, false, r));
            break;
        case IT_BARS:
            for (size_t i = 0; i < it->n; i++)
                if (isfinite(it->y[i]) && spans_meet(MX(g, i - 0.4), MX(g, i + 0.4), r.x, r.x + r.w) &&
                    spans_meet(MY(g, 0), MY(g, it->y[i]), r.y, r.y + r.h))
                    hits += 20;
            break;
        case IT_HIST: {
            double w = (it->hi - it->lo) / (double)it->n;
            for (size_t i = 0; i < it->n; i++)
                if (it->y[i] > 0 && spans_meet(MX(g, it->lo + w * i), MX(g, it->lo + w * (i + 1)), r.x, r.x + r.w) &&
                    spans_meet(MY(g, 0), MY(g, it->y[i]), r.y, r.y + r.h))
                    hits += 5;
            break;
        }
        case IT_HLINE: hits += spans_meet(MY(g, it->lo), MY(g, it->lo), r.y, r.y + r.h) ? 5 : 0; break;
        case IT_VLINE: hits += spans_meet(MX(g, it->lo), MX(g, it->lo), r.x, r.x + r.w) ? 5 : 0; break;
        case IT_TEXT: break;
        }
    }
    return hits;
}

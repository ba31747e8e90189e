/* Rows of a data sheet into a track's arrays (lasertrim.md, "Rows"): a row counts when its position is a number;
 * a missing error is 0.0, a text error is NaN (the track then reports it as invalid), missing limits stay NaN. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plateau/mem.h"
#include "plateau/trim.h"

/* System A: row 1 holds headers; G error, H position, I upper, J lower. System B: no header; D, E, F, G. */
const pl_trim_layout pl_trim_layout_a = {.col_e = 6, .col_x = 7, .col_u = 8, .col_l = 9, .first_row = 1};
const pl_trim_layout pl_trim_layout_b = {.col_e = 3, .col_x = 4, .col_u = 5, .col_l = 6, .first_row = 0};

/* A sheet never holds more points than this: a bound on memory for a hostile file. */
#define MAX_POINTS (1u << 20)

pl_status pl_trim_series_push(pl_trim_series *s, double x, double e, double u, double l, pl_error *err)
{
    if (s->n == s->cap) {
        if (s->cap >= MAX_POINTS)
            return pl_error_set(err, PL_ELIMIT, NULL, "more than %u data rows in one sheet", MAX_POINTS);
        size_t cap = s->cap ? 2 * s->cap : 256;
        double **arrays[4] = {&s->x, &s->e, &s->u, &s->l};
        for (int k = 0; k < 4; k++) {
            double *p = pl_realloc(*arrays[k], cap * sizeof *p, "trim track data", err);
            if (!p)
                return err ? err->code : PL_ENOMEM;
            *arrays[k] = p;
        }
        s->cap = cap;
    }
    s->x[s->n] = x, s->e[s->n] = e, s->u[s->n] = u, s->l[s->n] = l;
    s->n++;
    return PL_OK;
}

void pl_trim_series_free(pl_trim_series *s)
{
    pl_free(s->x), pl_free(s->e), pl_free(s->u), pl_free(s->l);
    memset(s, 0, sizeof *s);
}

/* A text cell that is entirely a number ("0.05", " 1e-3 ") counts as that number; anything else is not one. */
static bool text_number(const pl_cell *c, double *v)
{
    if (!c->text || !c->len)
        return false;
    char buf[64];
    if (c->len >= sizeof buf)
        return false;
    memcpy(buf, c->text, c->len);
    buf[c->len] = '\0';
    char *end;
    double d = strtod(buf, &end);
    if (end == buf)
        return false;
    while (*end == ' ' || *end == '\t')
        end++;
    if (*end || !isfinite(d))
        return false;
    *v = d;
    return true;
}

double pl_trim_cell_number(const pl_cell *c)
{
    if (!c)
        return NAN;
    if (c->type == PL_CELL_NUMBER || c->type == PL_CELL_DATE)
        return c->number;
    double v;
    if (c->type == PL_CELL_TEXT && text_number(c, &v))
        return v;
    return NAN;
}

static const pl_cell *find_cell(const pl_row *row, uint32_t col)
{
    for (uint32_t i = 0; i < row->n; i++)
        if (row->cells[i].col == col)
            return &row->cells[i];
    return NULL;
}

pl_status pl_trim_take_row(const pl_trim_layout *lay, const pl_row *row, pl_trim_series *s, pl_error *err)
{
    if (row->index < lay->first_row)
        return PL_OK;
    const pl_cell *cx = find_cell(row, lay->col_x);
    if (!cx || cx->type != PL_CELL_NUMBER || !isfinite(cx->number))
        return PL_OK;
    const pl_cell *ce = find_cell(row, lay->col_e);
    double e = (!ce || ce->type == PL_CELL_EMPTY) ? 0.0 : ce->type == PL_CELL_NUMBER ? ce->number : NAN;
    const pl_cell *cu = find_cell(row, lay->col_u), *cl = find_cell(row, lay->col_l);
    double u = (cu && cu->type == PL_CELL_NUMBER) ? cu->number : NAN;
    double l = (cl && cl->type == PL_CELL_NUMBER) ? cl->number : NAN;
    return pl_trim_series_push(s, cx->number, e, u, l, err);
}

/* Streams one worksheet part through the pull tokenizer (xtok.c), one row per call, so memory is one row (its cells
 * and their text) plus the tokenizer's buffer whatever the sheet's size or its <dimension> claims. Rows and cells
 * without an r attribute are placed by order; cells out of column order are sorted. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>

#include "io/xlsx/xlsx_internal.h"
#include "plateau/mem.h"

#define MAX_COL 16384u
#define MAX_ROW_CELLS 65536u
#define MAX_TEXT (32u << 20)
#define DAYS_1904 1462.0 /* 1904-01-01 is serial 1462 in the 1900 system */

/* The t attribute of a cell; anything unknown reads as a number, as before. */
enum cell_kind { K_NUMBER, K_SHARED, K_STR, K_INLINE, K_BOOL, K_ERROR, K_DATE };

typedef struct xsheet {
    xtok tok;
    pl_workbook *wb;
    xlsx_book *xb;
    pl_error *err;
    const char *name;
    /* position */
    int64_t last_row; /* -1 before the first row */
    uint32_t row;
    uint32_t next_col;
    bool in_row;
    /* the cell being read */
    bool in_cell;
    uint32_t col;
    enum cell_kind kind;
    uint32_t style;
    bool in_v, have_v, have_is;
    int in_is, in_t, in_rph;
    xbuf val;
    /* the row being built; text cells keep their arena offset in `number` until the row is complete */
    pl_cell *cells;
    size_t n, cap;
    bool unordered;
    xbuf arena;
    bool row_ready;
} xsheet;

static pl_status sheet_fail(xsheet *x, pl_status code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static pl_status sheet_fail(xsheet *x, pl_status code, const char *fmt, ...)
{
    char msg[PL_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return pl_error_set(x->err, code, x->wb->path, "%s", msg);
}

/* An allocation failed (the allocator filled err): say what it was for. */
static pl_status fail_oom(xsheet *x, const char *what)
{
    return sheet_fail(x, x->err && x->err->code ? x->err->code : PL_ENOMEM, "%s: %s", what,
                      x->err ? x->err->msg : "out of memory");
}

static uint32_t parse_u32(const char *s, bool *ok)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    *ok = end != s && *end == '\0' && v <= UINT32_MAX;
    return (uint32_t)v;
}

/* An attribute value (not NUL-terminated) read as strtoul would read the whole value. */
static uint32_t attr_u32(const char *v, uint32_t n, bool *ok)
{
    uint64_t d = 0;
    uint32_t i = 0;
    for (; i < n && i < 10 && v[i] >= '0' && v[i] <= '9'; i++) /* the usual case: plain digits */
        d = d * 10 + (uint64_t)(v[i] - '0');
    if (i == n && n && d <= UINT32_MAX) {
        *ok = true;
        return (uint32_t)d;
    }
    char tmp[32];
    *ok = false;
    if (n >= sizeof tmp)
        return 0;
    memcpy(tmp, v, n);
    tmp[n] = '\0';
    return parse_u32(tmp, ok);
}

static void start_row(xsheet *x)
{
    uint32_t rn = 0;
    const char *r = xt_attr_get(&x->tok, "r", &rn);
    bool ok = false;
    uint32_t v = r ? attr_u32(r, rn, &ok) : 0;
    x->row = ok && v >= 1 ? v - 1 : (uint32_t)(x->last_row + 1);
    x->in_row = true;
    x->next_col = 0;
    x->n = 0;
    x->unordered = false;
    x->arena.len = 0;
}

static enum cell_kind kind_of(const char *t, uint32_t n)
{
    if (n == 1)
        return t[0] == 's' ? K_SHARED : t[0] == 'b' ? K_BOOL : t[0] == 'e' ? K_ERROR : t[0] == 'd' ? K_DATE : K_NUMBER;
    if (n == 3 && !memcmp(t, "str", 3))
        return K_STR;
    if (n == 9 && !memcmp(t, "inlineStr", 9))
        return K_INLINE;
    return K_NUMBER;
}

/* The column of a reference like "AB12" or "$AB$12". */
static pl_status cell_column(xsheet *x, const char *r, uint32_t n)
{
    if (n >= 2 && r[0] >= 'A' && r[0] <= 'Z' && r[1] >= '0' && r[1] <= '9') { /* "A12": the usual case */
        x->col = (uint32_t)(r[0] - 'A');
        return PL_OK;
    }
    if (n >= 3 && r[0] >= 'A' && r[0] <= 'Z' && r[1] >= 'A' && r[1] <= 'Z' && r[2] >= '0' && r[2] <= '9') {
        x->col = (uint32_t)((r[0] - 'A' + 1) * 26 + (r[1] - 'A'));
        return PL_OK;
    }
    uint32_t k = 0;
    while (k < n && (r[k] == '$' || (r[k] >= 'A' && r[k] <= 'Z') || (r[k] >= 'a' && r[k] <= 'z')))
        k++;
    bool lead = n && r[0] == '$';
    long c = k > lead ? pl_column_from_letters(r + lead, k - lead - (r[k - 1] == '$')) : -1;
    if (c < 0)
        return sheet_fail(x, PL_EFORMAT, "sheet '%s' has a cell with a bad reference '%.*s'", x->name,
                          (int)(n > 40 ? 40 : n), r);
    x->col = (uint32_t)c;
    return PL_OK;
}

static pl_status start_cell(xsheet *x)
{
    const char *r = NULL, *t = NULL, *s = NULL;
    uint32_t rn = 0, tn = 0, sn = 0;
    for (uint32_t i = 0; i < x->tok.n_attrs; i++) { /* one pass; only unprefixed one-letter names matter */
        const xt_attr *a = &x->tok.attrs[i];
        if (a->nlen != 1)
            continue;
        if (a->name[0] == 'r')
            r = a->val, rn = a->vlen;
        else if (a->name[0] == 't')
            t = a->val, tn = a->vlen;
        else if (a->name[0] == 's')
            s = a->val, sn = a->vlen;
    }
    x->col = x->next_col;
    if (r) {
        pl_status st = cell_column(x, r, rn);
        if (st)
            return st;
    }
    if (x->col >= MAX_COL)
        return sheet_fail(x, PL_EFORMAT, "sheet '%s' has a cell beyond column XFD", x->name);
    x->kind = t ? kind_of(t, tn) : K_NUMBER;
    x->style = 0;
    if (s) { /* digits only in practice; anything else reads as "no date style" */
        uint64_t v = 0;
        uint32_t i = 0;
        for (; i < sn && s[i] >= '0' && s[i] <= '9' && v <= UINT32_MAX; i++)
            v = v * 10 + (uint64_t)(s[i] - '0');
        x->style = i == sn && v <= UINT32_MAX ? (uint32_t)v : UINT32_MAX;
    }
    x->in_cell = true;
    x->have_v = x->have_is = false;
    x->val.len = 0;
    return PL_OK;
}

static pl_status on_start(xsheet *x, const char *l, uint32_t n)
{
    if (x->in_cell) {
        if (n == 1 && l[0] == 'v') {
            x->in_v = true;
            x->have_v = true;
        } else if (n == 2 && l[0] == 'i' && l[1] == 's') {
            x->in_is++;
            x->have_is = true;
        } else if (n == 1 && l[0] == 't')
            x->in_t++;
        else if (n == 3 && !memcmp(l, "rPh", 3))
            x->in_rph++;
    } else if (n == 1 && l[0] == 'c' && x->in_row)
        return start_cell(x);
    else if (n == 3 && !memcmp(l, "row", 3))
        start_row(x);
    return PL_OK;
}

/* Room for one more cell in the row. */
static pl_status push_cell(xsheet *x, pl_cell cell)
{
    if (x->n >= MAX_ROW_CELLS)
        return sheet_fail(x, PL_ELIMIT, "sheet '%s' row %u has more than %u cells", x->name, x->row + 1,
                          MAX_ROW_CELLS);
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 64;
        pl_cell *g = pl_realloc(x->cells, cap * sizeof *g, "row cells", x->err);
        if (!g)
            return fail_oom(x, "row cells");
        x->cells = g;
        x->cap = cap;
    }
    if (x->n && x->cells[x->n - 1].col >= cell.col)
        x->unordered = true;
    x->cells[x->n++] = cell;
    return PL_OK;
}

/* Appends text to the row arena and pushes a text-like cell pointing at it (by offset, fixed at row end). */
static pl_status push_text(xsheet *x, pl_cell_type type, const char *s, size_t n, bool unescape)
{
    size_t at = x->arena.len;
    if (xbuf_append(&x->arena, s, n, x->err))
        return fail_oom(x, "cell text");
    if (unescape)
        xbuf_unescape_from(&x->arena, at);
    size_t len = x->arena.len - at;
    if (xbuf_append(&x->arena, "", 1, x->err)) /* keep a NUL after each text */
        return fail_oom(x, "cell text");
    return push_cell(x, (pl_cell){.type = type, .col = x->col, .number = (double)at, .len = (uint32_t)len});
}

static pl_status push_shared(xsheet *x)
{
    bool ok;
    uint32_t idx = parse_u32(x->val.data, &ok);
    if (!ok)
        return sheet_fail(x, PL_EFORMAT, "sheet '%s' cell in row %u has a bad shared-string index '%.20s'", x->name,
                          x->row + 1, x->val.data);
    size_t at = x->arena.len;
    pl_status st = xsst_get(x->xb->sst, idx, &x->arena, x->err);
    if (st)
        return sheet_fail(x, st, "%s", x->err ? x->err->msg : "bad shared string");
    size_t len = x->arena.len - at;
    if (xbuf_append(&x->arena, "", 1, x->err))
        return fail_oom(x, "cell text");
    return push_cell(x, (pl_cell){.type = PL_CELL_TEXT, .col = x->col, .number = (double)at, .len = (uint32_t)len});
}

static pl_status push_number(xsheet *x)
{
    double d;
    if (!xlsx_parse_number(x->val.data, x->val.len, &d)) /* not a number: keep what the file says */
        return push_text(x, PL_CELL_TEXT, x->val.data, x->val.len, false);
    const xstyles *st = &x->xb->styles;
    if (x->style < st->n_xf && st->xf_is_date[x->style] && isfinite(d))
        return push_cell(x,
                         (pl_cell){.type = PL_CELL_DATE, .col = x->col, .number = x->wb->date1904 ? d + DAYS_1904 : d});
    return push_cell(x, (pl_cell){.type = PL_CELL_NUMBER, .col = x->col, .number = d});
}

/* Turns the collected cell into a typed cell. An absent or empty <v> is an empty cell (as Excel and openpyxl). */
static pl_status end_cell(xsheet *x)
{
    x->in_cell = false;
    x->next_col = x->col + 1;
    const char *v = x->val.data ? x->val.data : "";
    if (x->kind == K_INLINE)
        return x->have_is ? push_text(x, PL_CELL_TEXT, v, x->val.len, true) : PL_OK;
    if (!x->have_v || x->val.len == 0)
        return PL_OK;
    switch (x->kind) {
    case K_SHARED:
        return push_shared(x);
    case K_STR:
        return push_text(x, PL_CELL_TEXT, v, x->val.len, false);
    case K_BOOL:
        return push_cell(x, (pl_cell){.type = PL_CELL_BOOL,
                                      .col = x->col,
                                      .number = (!strcmp(v, "1") || !strcmp(v, "true")) ? 1.0 : 0.0});
    case K_ERROR:
        return push_text(x, PL_CELL_ERROR, v, x->val.len, false);
    case K_DATE: {
        double days;
        if (xlsx_iso_to_days(v, &days))
            return push_cell(x, (pl_cell){.type = PL_CELL_DATE, .col = x->col, .number = days});
        return push_text(x, PL_CELL_TEXT, v, x->val.len, false);
    }
    default:
        return push_number(x);
    }
}

/* Stable insertion sort by column; of cells sharing a column the last one wins (as a later write would). */
static void order_cells(xsheet *x)
{
    for (size_t i = 1; i < x->n; i++) {
        pl_cell c = x->cells[i];
        size_t j = i;
        while (j > 0 && x->cells[j - 1].col > c.col) {
            x->cells[j] = x->cells[j - 1];
            j--;
        }
        x->cells[j] = c;
    }
    size_t o = 0;
    for (size_t i = 0; i < x->n; i++) {
        if (i + 1 < x->n && x->cells[i + 1].col == x->cells[i].col)
            continue;
        x->cells[o++] = x->cells[i];
    }
    x->n = o;
}

static void end_row(xsheet *x)
{
    x->in_row = false;
    x->last_row = x->row;
    if (!x->n)
        return;
    if (x->unordered)
        order_cells(x);
    for (size_t i = 0; i < x->n; i++) {
        pl_cell *c = &x->cells[i];
        if (c->type == PL_CELL_TEXT || c->type == PL_CELL_ERROR) {
            c->text = x->arena.data + (size_t)c->number;
            c->number = 0;
        }
    }
    x->row_ready = true;
}

static pl_status on_end(xsheet *x, const char *l, uint32_t n)
{
    if (x->in_cell) {
        if (n == 1 && l[0] == 'v')
            x->in_v = false;
        else if (n == 2 && l[0] == 'i' && l[1] == 's' && x->in_is)
            x->in_is--;
        else if (n == 1 && l[0] == 't' && x->in_t)
            x->in_t--;
        else if (n == 3 && !memcmp(l, "rPh", 3) && x->in_rph)
            x->in_rph--;
        else if (n == 1 && l[0] == 'c')
            return end_cell(x);
    } else if (n == 3 && !memcmp(l, "row", 3) && x->in_row)
        end_row(x);
    return PL_OK;
}

static pl_status on_text(xsheet *x, const char *text, size_t len)
{
    if (!x->in_cell)
        return PL_OK;
    bool inline_text = x->in_is && x->in_t && !x->in_rph;
    bool value = x->in_v && !x->in_is && x->kind != K_INLINE;
    if (!(inline_text || value))
        return PL_OK;
    if (x->val.len + len < x->val.cap) { /* the usual case: room already */
        memcpy(x->val.data + x->val.len, text, len);
        x->val.len += len;
        x->val.data[x->val.len] = '\0';
        return PL_OK;
    }
    if (xbuf_append(&x->val, text, len, x->err))
        return sheet_fail(x, x->err ? x->err->code : PL_ELIMIT, "sheet '%s' row %u: %s", x->name, x->row + 1,
                          x->err ? x->err->msg : "cell text too long");
    return PL_OK;
}

/* Inside a cell, children like <v>12.5</v> are taken in one step (xt_simple_child), with the same effect as their
 * three events. */
static pl_status simple_children(xsheet *x)
{
    const char *l, *text;
    uint32_t n;
    size_t len;
    while (x->in_cell && xt_simple_child(&x->tok, &l, &n, &text, &len)) {
        if (n == 1 && l[0] == 'v' && !x->in_is) { /* <v>: what on_start, on_text and on_end would do, inline */
            x->have_v = true;
            x->in_v = false;
            if (x->kind == K_INLINE || !len)
                continue;
            if (x->val.len + len < x->val.cap) {
                memcpy(x->val.data + x->val.len, text, len);
                x->val.len += len;
                x->val.data[x->val.len] = '\0';
                continue;
            }
        }
        pl_status st = on_start(x, l, n);
        if (!st)
            st = on_text(x, text, len);
        if (!st)
            st = on_end(x, l, n);
        if (st)
            return st;
    }
    if (x->in_cell && xt_simple_end(&x->tok)) /* and "</c>" */
        return x->tok.llen == 1 && x->tok.local[0] == 'c' ? end_cell(x) : on_end(x, x->tok.local, x->tok.llen);
    return PL_OK;
}

static pl_status on_event(xsheet *x, xt_kind kind)
{
    const xtok *t = &x->tok;
    if (kind == XT_TEXT)
        return on_text(x, t->text, t->tlen);
    if (kind == XT_END)
        return on_end(x, t->local, t->llen);
    pl_status st = on_start(x, t->local, t->llen);
    return st ? st : simple_children(x);
}

pl_status xlsx_sheet_open(pl_workbook *wb, pl_sheet *s, size_t sheet, pl_error *err)
{
    xlsx_book *xb = wb->impl;
    const char *name = wb->sheet_names[sheet];
    const char *part = xb->sheet_parts[sheet];
    if (!part)
        return pl_error_set(err, PL_EFORMAT, wb->path, "sheet '%s' has no part: its relationship points nowhere", name);
    if (!xz_exists(xb->zip, part))
        return pl_error_set(err, PL_EFORMAT, wb->path, "sheet '%s' points to part '%s', which is missing", name, part);
    if (!xb->sst_loaded && xb->sst_part && xz_exists(xb->zip, xb->sst_part)) {
        pl_status st = xsst_read(xb->zip, wb->path, &wb->limits, xb->sst_part, &xb->sst, err);
        if (st)
            return st;
    }
    xb->sst_loaded = true;
    xsheet *x = pl_calloc(1, sizeof *x, "sheet reader", err);
    if (!x)
        return err ? err->code : PL_ENOMEM;
    x->wb = wb;
    x->xb = xb;
    x->err = err;
    x->name = name;
    x->last_row = -1;
    x->val.max = MAX_TEXT;
    x->arena.max = 4 * (size_t)MAX_TEXT;
    s->impl = x;
    char label[600];
    snprintf(label, sizeof label, "sheet '%s' (part '%s')", name, part);
    return xt_open(&x->tok, xb->zip, wb->path, &wb->limits, part, label, err);
}

pl_status xlsx_sheet_next(pl_sheet *s, uint32_t *row_index, const pl_cell **cells, uint32_t *n, pl_error *err)
{
    xsheet *x = s->impl;
    x->err = err;
    x->tok.err = err;
    x->row_ready = false;
    while (!x->row_ready) {
        xt_kind kind;
        pl_status st = xt_next(&x->tok, &kind);
        if (!st)
            st = on_event(x, kind);
        if (st)
            return st;
    }
    *row_index = x->row;
    *cells = x->cells;
    *n = (uint32_t)x->n;
    return PL_OK;
}

void xlsx_sheet_close(pl_sheet *s)
{
    xsheet *x = s->impl;
    if (!x)
        return;
    xt_close(&x->tok);
    xbuf_free(&x->val);
    xbuf_free(&x->arena);
    pl_free(x->cells);
    pl_free(x);
    s->impl = NULL;
}

/* Days from 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's civil-date arithmetic). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

bool xlsx_iso_to_days(const char *s, double *days)
{
    int y = 1899, mo = 12, d = 30, h = 0, mi = 0, used = 0;
    double sec = 0;
    double base = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &used) == 3) {
        s += used;
        if (mo < 1 || mo > 12 || d < 1 || d > 31)
            return false;
        base = (double)(days_from_civil(y, (unsigned)mo, (unsigned)d) - days_from_civil(1899, 12, 30));
        if (base > 1 && base < 61)
            base -= 1; /* Excel's serials count a 1900-02-29 that never was */
        if (*s == 'T' || *s == ' ')
            s++;
        else if (*s == '\0') {
            *days = base;
            return true;
        }
    }
    if (sscanf(s, "%2d:%2d%n", &h, &mi, &used) != 2)
        return false;
    s += used;
    if (*s == ':') {
        char *end;
        sec = strtod(s + 1, &end);
        s = end;
    }
    *days = base + (h * 3600.0 + mi * 60.0 + sec) / 86400.0;
    return true;
}

/* Streams one worksheet part: expat parses in 64 KiB chunks and the parser pauses after every row that has cells,
 * so memory is one row (its cells and their text) whatever the sheet's size or its <dimension> claims.
 * Rows and cells without an r attribute are placed by order; cells out of column order are sorted. */
#include <math.h>
#include <stdlib.h>

#include "io/xlsx/xlsx_internal.h"
#include "plateau/mem.h"

#define MAX_COL 16384u
#define MAX_ROW_CELLS 65536u
#define MAX_TEXT (32u << 20)
#define DAYS_1904 1462.0 /* 1904-01-01 is serial 1462 in the 1900 system */

typedef struct xsheet {
    xml_run *run;
    xml_run storage;
    pl_workbook *wb;
    xlsx_book *xb;
    pl_error *err;
    const char *name;
    /* position */
    int64_t last_row;  /* -1 before the first row */
    uint32_t row;
    uint32_t next_col;
    bool in_row;
    /* the cell being read */
    bool in_cell;
    uint32_t col;
    char type[12];
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

static void fail_oom(xsheet *x, const char *what)
{
    xml_fail(x->run, x->err && x->err->code ? x->err->code : PL_ENOMEM, "%s: %s", what,
             x->err ? x->err->msg : "out of memory");
}

static uint32_t parse_u32(const char *s, bool *ok)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    *ok = end != s && *end == '\0' && v <= UINT32_MAX;
    return (uint32_t)v;
}

static void start_row(xsheet *x, const char **atts)
{
    const char *r = xml_attr(atts, "r", false);
    bool ok = false;
    uint32_t v = r ? parse_u32(r, &ok) : 0;
    x->row = ok && v >= 1 ? v - 1 : (uint32_t)(x->last_row + 1);
    x->in_row = true;
    x->next_col = 0;
    x->n = 0;
    x->unordered = false;
    x->arena.len = 0;
}

static void start_cell(xsheet *x, const char **atts)
{
    const char *r = xml_attr(atts, "r", false), *t = xml_attr(atts, "t", false), *s = xml_attr(atts, "s", false);
    x->col = x->next_col;
    if (r) {
        size_t k = 0;
        while (r[k] == '$' || (r[k] >= 'A' && r[k] <= 'Z') || (r[k] >= 'a' && r[k] <= 'z'))
            k++;
        long c = pl_column_from_letters(r + (r[0] == '$'), k - (r[0] == '$') - (k && r[k - 1] == '$'));
        if (c < 0) {
            xml_fail(x->run, PL_EFORMAT, "sheet '%s' has a cell with a bad reference '%s'", x->name, r);
            return;
        }
        x->col = (uint32_t)c;
    }
    if (x->col >= MAX_COL) {
        xml_fail(x->run, PL_EFORMAT, "sheet '%s' has a cell beyond column XFD", x->name);
        return;
    }
    size_t tn = t ? strlen(t) : 0;
    if (tn >= sizeof x->type)
        tn = sizeof x->type - 1;
    memcpy(x->type, t ? t : "", tn);
    x->type[tn] = '\0';
    bool ok;
    x->style = s ? parse_u32(s, &ok) : 0;
    x->in_cell = true;
    x->have_v = x->have_is = false;
    x->val.len = 0;
}

static void on_start(void *user, const XML_Char *name, const XML_Char **atts)
{
    xsheet *x = user;
    xml_tick(x->run);
    const char *l = xml_local(name);
    if (x->in_cell) {
        if (!strcmp(l, "v")) {
            x->in_v = true;
            x->have_v = true;
        } else if (!strcmp(l, "is")) {
            x->in_is++;
            x->have_is = true;
        } else if (!strcmp(l, "t"))
            x->in_t++;
        else if (!strcmp(l, "rPh"))
            x->in_rph++;
    } else if (!strcmp(l, "c") && x->in_row)
        start_cell(x, atts);
    else if (!strcmp(l, "row"))
        start_row(x, atts);
}

/* Room for one more cell in the row. */
static bool push_cell(xsheet *x, pl_cell cell)
{
    if (x->n >= MAX_ROW_CELLS) {
        xml_fail(x->run, PL_ELIMIT, "sheet '%s' row %u has more than %u cells", x->name, x->row + 1, MAX_ROW_CELLS);
        return false;
    }
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 64;
        pl_cell *g = pl_realloc(x->cells, cap * sizeof *g, "row cells", x->err);
        if (!g) {
            fail_oom(x, "row cells");
            return false;
        }
        x->cells = g;
        x->cap = cap;
    }
    if (x->n && x->cells[x->n - 1].col >= cell.col)
        x->unordered = true;
    x->cells[x->n++] = cell;
    return true;
}

/* Appends text to the row arena and pushes a text-like cell pointing at it (by offset, fixed at row end). */
static void push_text(xsheet *x, pl_cell_type type, const char *s, size_t n, bool unescape)
{
    size_t at = x->arena.len;
    if (xbuf_append(&x->arena, s, n, x->err)) {
        fail_oom(x, "cell text");
        return;
    }
    if (unescape)
        xbuf_unescape_from(&x->arena, at);
    size_t len = x->arena.len - at;
    if (xbuf_append(&x->arena, "", 1, x->err)) { /* keep a NUL after each text */
        fail_oom(x, "cell text");
        return;
    }
    push_cell(x, (pl_cell){.type = type, .col = x->col, .number = (double)at, .len = (uint32_t)len});
}

static void push_shared(xsheet *x)
{
    bool ok;
    uint32_t idx = parse_u32(x->val.data, &ok);
    if (!ok) {
        xml_fail(x->run, PL_EFORMAT, "sheet '%s' cell in row %u has a bad shared-string index '%.20s'", x->name,
                 x->row + 1, x->val.data);
        return;
    }
    size_t at = x->arena.len;
    pl_status st = xsst_get(x->xb->sst, idx, &x->arena, x->err);
    if (st) {
        xml_fail(x->run, st, "%s", x->err ? x->err->msg : "bad shared string");
        return;
    }
    size_t len = x->arena.len - at;
    if (xbuf_append(&x->arena, "", 1, x->err)) {
        fail_oom(x, "cell text");
        return;
    }
    push_cell(x, (pl_cell){.type = PL_CELL_TEXT, .col = x->col, .number = (double)at, .len = (uint32_t)len});
}

static void push_number(xsheet *x, const char *v)
{
    char *end;
    double d = strtod(v, &end);
    while (*end == ' ')
        end++;
    if (end == v || *end) {
        push_text(x, PL_CELL_TEXT, v, strlen(v), false); /* not a number: keep what the file says */
        return;
    }
    const xstyles *st = &x->xb->styles;
    if (x->style < st->n_xf && st->xf_is_date[x->style] && isfinite(d)) {
        push_cell(x, (pl_cell){.type = PL_CELL_DATE, .col = x->col, .number = x->wb->date1904 ? d + DAYS_1904 : d});
        return;
    }
    push_cell(x, (pl_cell){.type = PL_CELL_NUMBER, .col = x->col, .number = d});
}

/* Turns the collected cell into a typed cell. An absent or empty <v> is an empty cell (as Excel and openpyxl). */
static void end_cell(xsheet *x)
{
    x->in_cell = false;
    x->next_col = x->col + 1;
    const char *t = x->type;
    const char *v = x->val.data ? x->val.data : "";
    if (!strcmp(t, "inlineStr")) {
        if (x->have_is)
            push_text(x, PL_CELL_TEXT, v, x->val.len, true);
        return;
    }
    if (!x->have_v || x->val.len == 0)
        return;
    if (!strcmp(t, "s"))
        push_shared(x);
    else if (!strcmp(t, "str"))
        push_text(x, PL_CELL_TEXT, v, x->val.len, false);
    else if (!strcmp(t, "b"))
        push_cell(x, (pl_cell){.type = PL_CELL_BOOL, .col = x->col,
                               .number = (!strcmp(v, "1") || !strcmp(v, "true")) ? 1.0 : 0.0});
    else if (!strcmp(t, "e"))
        push_text(x, PL_CELL_ERROR, v, x->val.len, false);
    else if (!strcmp(t, "d")) {
        double days;
        if (xlsx_iso_to_days(v, &days))
            push_cell(x, (pl_cell){.type = PL_CELL_DATE, .col = x->col, .number = days});
        else
            push_text(x, PL_CELL_TEXT, v, x->val.len, false);
    } else
        push_number(x, v);
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
    XML_StopParser(x->run->parser, XML_TRUE);
}

static void on_end(void *user, const XML_Char *name)
{
    xsheet *x = user;
    xml_tick(x->run);
    const char *l = xml_local(name);
    if (x->in_cell) {
        if (!strcmp(l, "v"))
            x->in_v = false;
        else if (!strcmp(l, "is") && x->in_is)
            x->in_is--;
        else if (!strcmp(l, "t") && x->in_t)
            x->in_t--;
        else if (!strcmp(l, "rPh") && x->in_rph)
            x->in_rph--;
        else if (!strcmp(l, "c"))
            end_cell(x);
    } else if (!strcmp(l, "row") && x->in_row)
        end_row(x);
}

static void on_text(void *user, const XML_Char *s, int len)
{
    xsheet *x = user;
    xml_tick(x->run);
    if (!x->in_cell)
        return;
    bool inline_text = x->in_is && x->in_t && !x->in_rph;
    bool value = x->in_v && !x->in_is && strcmp(x->type, "inlineStr");
    if ((inline_text || value) && xbuf_append(&x->val, s, (size_t)len, x->err))
        xml_fail(x->run, x->err ? x->err->code : PL_ELIMIT, "sheet '%s' row %u: %s", x->name, x->row + 1,
                 x->err ? x->err->msg : "cell text too long");
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
    x->run = &x->storage;
    x->wb = wb;
    x->xb = xb;
    x->err = err;
    x->name = name;
    x->last_row = -1;
    x->val.max = MAX_TEXT;
    x->arena.max = 4 * (size_t)MAX_TEXT;
    s->impl = x;
    return xml_begin(x->run, xb->zip, wb->path, &wb->limits, part, x, on_start, on_end, on_text, err);
}

pl_status xlsx_sheet_next(pl_sheet *s, uint32_t *row_index, const pl_cell **cells, uint32_t *n, pl_error *err)
{
    xsheet *x = s->impl;
    x->err = err;
    x->run->err = err;
    x->row_ready = false;
    while (!x->row_ready) {
        pl_status st = xml_pump(x->run);
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
    xml_end(x->run);
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

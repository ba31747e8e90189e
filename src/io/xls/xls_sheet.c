/* Streams one worksheet substream: cell records (NUMBER, RK, MULRK, LABELSST, LABEL, RSTRING, BOOLERR, FORMULA with
 * its cached result and STRING) become rows of typed cells. Excel writes a sheet's cells row by row, so a row is
 * complete when a cell of a later row arrives: that record is pushed back and the row is handed out.
 * Some other writers store cells in any order (column by column). Opening a sheet therefore checks the order first
 * (one quick pass over the records); a sheet out of order is read in windows of rows instead: a pass counts the cells
 * of each row, then each window of up to XLS_WINDOW_CELLS cells is collected by one more pass and sorted. */
#include <stdlib.h>
#include <string.h>

#include "io/xls/xls.h"
#include "plateau/mem.h"

#define XLS_MAX_ROW_CELLS (1u << 20)
#define XLS_MAX_ROW_TEXT (64u << 20)
#define XLS_WINDOW_CELLS (1u << 15)
#define XLS_ROWS 65536u

typedef struct xcell {
    uint32_t row, seq; /* seq: arrival order, so that a later record for the same cell wins after sorting */
    uint32_t col;
    pl_cell_type type;
    double number;
    const char *stable; /* text that outlives the row (shared strings, literals); else text at off in row_text */
    uint32_t off, len;
} xcell;

typedef struct xls_sheet {
    pl_xls *x;
    const char *name;
    bool ended;
    bool have_row;
    uint32_t row;
    xcell *cells;
    size_t n, cap;
    pl_bytes text;
    pl_cell *out;
    size_t out_cap;
    bool pending_string; /* a FORMULA with a string result waits for its STRING record */
    uint32_t ps_row, ps_col;
    uint64_t body; /* stream offset of the first record after the sheet's BOF */
    /* Out-of-order sheets: cells per row, the current window [win_lo, win_hi) and the next cell to hand out. */
    uint32_t *row_cells;
    uint32_t win_hi;
    size_t pos;
} xls_sheet;

static pl_status located(xls_sheet *sh, pl_error *err)
{
    pl_error_locate(err, sh->x->path);
    return err ? err->code : PL_ENOMEM;
}

static pl_status short_record(xls_sheet *sh, pl_error *err)
{
    return pl_error_set(err, PL_EFORMAT, sh->x->path,
                        "corrupt workbook: record 0x%04X at offset %llu in sheet '%s' is too short (%u bytes)",
                        sh->x->biff.type, (unsigned long long)sh->x->biff.offset, sh->name, sh->x->biff.len);
}

static xcell *new_cell(xls_sheet *sh, uint32_t col, pl_error *err)
{
    if (sh->n == sh->cap) {
        if (sh->cap >= XLS_MAX_ROW_CELLS) {
            pl_error_set(err, PL_ELIMIT, sh->x->path, "row %u of sheet '%s' has more than %u cells", sh->row + 1,
                         sh->name, XLS_MAX_ROW_CELLS);
            return NULL;
        }
        size_t cap = sh->cap ? sh->cap * 2 : 64;
        xcell *c = pl_realloc(sh->cells, cap * sizeof *c, "row cells", err);
        if (!c) {
            located(sh, err);
            return NULL;
        }
        sh->cells = c;
        sh->cap = cap;
    }
    xcell *c = &sh->cells[sh->n];
    memset(c, 0, sizeof *c);
    c->row = sh->row;
    c->seq = (uint32_t)sh->n++;
    c->col = col;
    return c;
}

static void put_number(xls_sheet *sh, xcell *c, uint16_t ixfe, double v)
{
    bool date = ixfe < sh->x->n_xf && sh->x->xf_is_date[ixfe];
    c->type = date ? PL_CELL_DATE : PL_CELL_NUMBER;
    c->number = date && sh->x->date1904 ? v + 1462.0 : v;
}

static void put_literal(xcell *c, pl_cell_type type, const char *s)
{
    c->type = type;
    c->stable = s;
    c->len = (uint32_t)strlen(s);
}

/* Decodes a string continuing from the current record at pos (BIFF8: its flags byte; BIFF5: its bytes, which stay
 * inside the record) into the row's text. */
static pl_status put_string(xls_sheet *sh, xcell *c, size_t pos, uint32_t cch, pl_error *err)
{
    pl_biff_cont cr = {.b = &sh->x->biff, .pos = pos};
    c->type = PL_CELL_TEXT;
    c->off = (uint32_t)sh->text.len;
    pl_status st;
    if (sh->x->version == 5)
        st = sh->x->biff.len - pos < cch ? PL_DONE
                                         : pl_xls_decode_bytes(sh->x, sh->x->biff.data + pos, cch, &sh->text, err);
    else
        st = pl_biff_cont_string(&cr, cch, &sh->text, err);
    if (st == PL_DONE)
        return pl_error_set(err, PL_EFORMAT, sh->x->path, "corrupt workbook: a string in sheet '%s' is cut short",
                            sh->name);
    if (st == PL_OK)
        st = pl_bytes_reserve(&sh->text, 1, err);
    if (st != PL_OK)
        return located(sh, err);
    c->len = (uint32_t)sh->text.len - c->off;
    sh->text.p[sh->text.len++] = 0;
    return PL_OK;
}

static pl_status on_formula(xls_sheet *sh, uint32_t col, uint16_t ixfe, pl_error *err)
{
    const unsigned char *d = sh->x->biff.data;
    if (pl_le16(d + 12) != 0xFFFF) {
        xcell *c = new_cell(sh, col, err);
        if (!c)
            return err ? err->code : PL_ENOMEM;
        put_number(sh, c, ixfe, pl_le_double(d + 6));
        return PL_OK;
    }
    if (d[6] == 0) { /* string: in the STRING record that follows */
        sh->pending_string = true;
        sh->ps_row = sh->row;
        sh->ps_col = col;
        return PL_OK;
    }
    if (d[6] > 3)
        return PL_OK;
    xcell *c = new_cell(sh, col, err);
    if (!c)
        return err ? err->code : PL_ENOMEM;
    if (d[6] == 1) {
        c->type = PL_CELL_BOOL;
        c->number = d[8] ? 1.0 : 0.0;
    } else if (d[6] == 2) {
        put_literal(c, PL_CELL_ERROR, pl_biff_error_text(d[8]));
    } else {
        put_literal(c, PL_CELL_TEXT, "");
    }
    return PL_OK;
}

static pl_status on_mulrk(xls_sheet *sh, uint32_t col, pl_error *err)
{
    const unsigned char *d = sh->x->biff.data;
    uint32_t n = (sh->x->biff.len - 6) / 6;
    for (uint32_t i = 0; i < n; i++) {
        xcell *c = new_cell(sh, col + i, err);
        if (!c)
            return err ? err->code : PL_ENOMEM;
        put_number(sh, c, pl_le16(d + 4 + 6 * i), pl_biff_rk(pl_le32(d + 6 + 6 * i)));
    }
    return PL_OK;
}

/* One cell record of the current row. */
static pl_status on_cell(xls_sheet *sh, uint16_t type, uint32_t col, uint16_t ixfe, pl_error *err)
{
    const unsigned char *d = sh->x->biff.data;
    uint32_t len = sh->x->biff.len;
    if (type == BIFF_MULRK)
        return len < 12 ? short_record(sh, err) : on_mulrk(sh, col, err);
    if (type == BIFF_FORMULA)
        return len < 14 ? short_record(sh, err) : on_formula(sh, col, ixfe, err);
    uint32_t min = type == BIFF_NUMBER ? 14 : type == BIFF_BOOLERR ? 8 : type == BIFF_STRING ? 3 : 10;
    if (type == BIFF_LABEL || type == BIFF_RSTRING)
        min = 8;
    if (len < min)
        return short_record(sh, err);
    if (type == BIFF_STRING)
        col = sh->ps_col;
    xcell *c = new_cell(sh, col, err);
    if (!c)
        return err ? err->code : PL_ENOMEM;
    switch (type) {
    case BIFF_NUMBER: put_number(sh, c, ixfe, pl_le_double(d + 6)); break;
    case BIFF_RK: put_number(sh, c, ixfe, pl_biff_rk(pl_le32(d + 6))); break;
    case BIFF_BOOLERR:
        if (d[7]) {
            put_literal(c, PL_CELL_ERROR, pl_biff_error_text(d[6]));
        } else {
            c->type = PL_CELL_BOOL;
            c->number = d[6] ? 1.0 : 0.0;
        }
        break;
    case BIFF_LABELSST: {
        uint32_t i = pl_le32(d + 6), n = 0;
        c->stable = pl_xls_sst_get(sh->x, i, &n);
        if (!c->stable)
            return pl_error_set(err, PL_EFORMAT, sh->x->path,
                                "corrupt workbook: a cell in sheet '%s' refers to shared string %u of %u", sh->name, i,
                                sh->x->sst_n);
        c->type = PL_CELL_TEXT;
        c->len = n;
        break;
    }
    case BIFF_STRING: return put_string(sh, c, 2, pl_le16(d), err);
    default: return put_string(sh, c, 8, pl_le16(d + 6), err); /* LABEL, RSTRING */
    }
    return PL_OK;
}

static bool is_cell_record(uint16_t t)
{
    return t == BIFF_NUMBER || t == BIFF_RK || t == BIFF_MULRK || t == BIFF_LABELSST || t == BIFF_LABEL ||
           t == BIFF_RSTRING || t == BIFF_BOOLERR || t == BIFF_FORMULA;
}

/* An embedded chart (or other) substream inside the sheet: skip it whole. */
static pl_status skip_substream(xls_sheet *sh, pl_error *err)
{
    for (;;) {
        pl_status st = pl_biff_next(&sh->x->biff, err);
        if (st != PL_OK)
            return st;
        if (sh->x->biff.type == BIFF_EOF)
            return PL_OK;
    }
}

/* Reads up to the next cell record of the sheet (a STRING counts when a FORMULA waits for it) and tells its row.
 * PL_DONE at the sheet's EOF or the stream's end (a sheet without EOF ends there). */
static pl_status next_cell_record(xls_sheet *sh, uint32_t *row, pl_error *err)
{
    pl_biff *b = &sh->x->biff;
    for (;;) {
        pl_status st = pl_biff_next(b, err);
        if (st != PL_OK)
            return st;
        if (b->type == BIFF_EOF)
            return PL_DONE;
        if (b->type == BIFF_BOF) {
            if ((st = skip_substream(sh, err)) != PL_OK)
                return st;
            continue;
        }
        if (b->type == BIFF_STRING && sh->pending_string) {
            sh->pending_string = false;
            *row = sh->ps_row;
            return PL_OK;
        }
        if (!is_cell_record(b->type))
            continue;
        if (b->len < 6)
            return short_record(sh, err);
        sh->pending_string = false;
        *row = pl_le16(b->data);
        return PL_OK;
    }
}

/* Adds the cells of the current cell record (row already known) to sh->cells. */
static pl_status take_cell(xls_sheet *sh, uint32_t row, pl_error *err)
{
    pl_biff *b = &sh->x->biff;
    sh->row = row;
    if (b->type == BIFF_STRING)
        return on_cell(sh, b->type, sh->ps_col, 0, err);
    return on_cell(sh, b->type, pl_le16(b->data + 2), pl_le16(b->data + 4), err);
}

/* Hands out cells[0..k) of one row: sorted by column (they almost always arrive sorted), the last of duplicates kept.
 */
static pl_status emit(xls_sheet *sh, xcell *v, size_t k, uint32_t *row_index, const pl_cell **cells, uint32_t *n,
                      pl_error *err)
{
    for (size_t i = 1; i < k; i++) {
        xcell t = v[i];
        size_t j = i;
        while (j > 0 && v[j - 1].col > t.col) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = t;
    }
    if (sh->out_cap < k) {
        pl_cell *o = pl_realloc(sh->out, k * sizeof *o, "row cells", err);
        if (!o)
            return located(sh, err);
        sh->out = o;
        sh->out_cap = k;
    }
    uint32_t m = 0;
    for (size_t i = 0; i < k; i++) {
        const xcell *c = &v[i];
        if (m > 0 && sh->out[m - 1].col == c->col)
            m--; /* a later record for the same cell wins */
        pl_cell *o = &sh->out[m++];
        o->type = c->type;
        o->col = c->col;
        o->number = c->number;
        o->text =
            c->type == PL_CELL_TEXT || c->type == PL_CELL_ERROR ? (c->stable ? c->stable : sh->text.p + c->off) : NULL;
        o->len = c->len;
    }
    *row_index = v[0].row;
    *cells = sh->out;
    *n = m;
    sh->have_row = false;
    return PL_OK;
}

static int by_row_col_seq(const void *a, const void *b)
{
    const xcell *x = a, *y = b;
    if (x->row != y->row)
        return x->row < y->row ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Out-of-order sheets: collects the next window of rows (one pass over the sheet) and sorts it. PL_DONE when no row
 * is left. */
static pl_status collect_window(xls_sheet *sh, pl_error *err)
{
    uint32_t lo = sh->win_hi;
    while (lo < XLS_ROWS && sh->row_cells[lo] == 0)
        lo++;
    if (lo >= XLS_ROWS)
        return PL_DONE;
    uint32_t hi = lo;
    uint64_t total = 0;
    while (hi < XLS_ROWS && (hi == lo || total + sh->row_cells[hi] <= XLS_WINDOW_CELLS))
        total += sh->row_cells[hi++];
    sh->win_hi = hi;
    sh->n = sh->pos = 0;
    sh->text.len = 0;
    sh->pending_string = false;
    pl_status st = pl_biff_seek(&sh->x->biff, sh->body, err);
    uint32_t row = 0;
    while (st == PL_OK && (st = next_cell_record(sh, &row, err)) == PL_OK)
        if (row >= lo && row < hi)
            st = take_cell(sh, row, err);
    if (st != PL_DONE)
        return st;
    qsort(sh->cells, sh->n, sizeof *sh->cells, by_row_col_seq);
    return PL_OK;
}

static pl_status sorted_next(xls_sheet *sh, uint32_t *row_index, const pl_cell **cells, uint32_t *n, pl_error *err)
{
    while (sh->pos >= sh->n) {
        pl_status st = collect_window(sh, err);
        if (st != PL_OK)
            return st;
    }
    size_t end = sh->pos + 1;
    while (end < sh->n && sh->cells[end].row == sh->cells[sh->pos].row)
        end++;
    size_t first = sh->pos;
    sh->pos = end;
    return emit(sh, sh->cells + first, end - first, row_index, cells, n, err);
}

pl_status pl_xls_sheet_next(pl_sheet *s, uint32_t *row_index, const pl_cell **cells, uint32_t *n, pl_error *err)
{
    xls_sheet *sh = s->impl;
    if (sh->row_cells)
        return sorted_next(sh, row_index, cells, n, err);
    sh->n = 0;
    sh->text.len = 0;
    while (!sh->ended) {
        uint32_t row = 0;
        pl_status st = next_cell_record(sh, &row, err);
        if (st == PL_DONE) {
            sh->ended = true;
            break;
        }
        if (st != PL_OK)
            return st;
        if (sh->have_row && row != sh->row) {
            if (row < sh->row) /* the order check at open makes this a changed file */
                return pl_error_set(err, PL_EFORMAT, sh->x->path, "sheet '%s' changed while reading", sh->name);
            if (sh->n > 0) {
                pl_biff_push_back(&sh->x->biff);
                return emit(sh, sh->cells, sh->n, row_index, cells, n, err);
            }
        }
        sh->have_row = true;
        if ((st = take_cell(sh, row, err)) != PL_OK)
            return st;
    }
    if (sh->have_row && sh->n > 0)
        return emit(sh, sh->cells, sh->n, row_index, cells, n, err);
    return PL_DONE;
}

/* One pass over the sheet's records: are the cells in row order? If not, a second pass counts the cells of each
 * row for the windows. Leaves the reader at the sheet's first record. */
static pl_status check_order(xls_sheet *sh, pl_error *err)
{
    uint32_t row = 0, last = 0;
    bool ordered = true;
    pl_status st;
    while ((st = next_cell_record(sh, &row, err)) == PL_OK) {
        if (row < last) {
            ordered = false;
            break;
        }
        last = row;
    }
    if (st != PL_OK && st != PL_DONE)
        return st;
    if (!ordered) {
        sh->row_cells = pl_calloc(XLS_ROWS, sizeof *sh->row_cells, "sheet row index", err);
        if (!sh->row_cells)
            return located(sh, err);
        st = pl_biff_seek(&sh->x->biff, sh->body, err);
        while (st == PL_OK && (st = next_cell_record(sh, &row, err)) == PL_OK) {
            const pl_biff *b = &sh->x->biff;
            uint32_t k = b->type == BIFF_MULRK && b->len >= 12 ? (b->len - 6) / 6 : 1;
            sh->row_cells[row] = sh->row_cells[row] + k < sh->row_cells[row] ? UINT32_MAX : sh->row_cells[row] + k;
        }
        if (st != PL_DONE)
            return st;
    }
    sh->pending_string = false;
    return pl_biff_seek(&sh->x->biff, sh->body, err);
}

pl_status pl_xls_sheet_open(pl_workbook *wb, pl_sheet *s, size_t sheet, pl_error *err)
{
    pl_xls *x = wb->impl;
    if (sheet >= x->n_sheets)
        return pl_error_set(err, PL_ENOTFOUND, x->path, "no sheet %zu (the workbook has %zu)", sheet, x->n_sheets);
    xls_sheet *sh = pl_calloc(1, sizeof *sh, "sheet reader", err);
    if (!sh) {
        pl_error_locate(err, x->path);
        return err ? err->code : PL_ENOMEM;
    }
    sh->x = x;
    sh->name = wb->sheet_names[sheet];
    sh->text.what = "row text";
    sh->text.limit = XLS_MAX_ROW_TEXT;
    s->impl = sh;
    pl_status st = pl_biff_seek(&x->biff, x->sheet_offset[sheet], err);
    if (st == PL_OK)
        st = pl_biff_next(&x->biff, err);
    if (st == PL_DONE || (st == PL_OK && (x->biff.type != BIFF_BOF || x->biff.len < 4)))
        st = pl_error_set(err, PL_EFORMAT, x->path, "corrupt workbook: sheet '%s' does not start with BOF (offset %u)",
                          sh->name, x->sheet_offset[sheet]);
    sh->body = pl_cfb_stream_tell(x->st);
    if (st == PL_OK)
        st = check_order(sh, err);
    if (st != PL_OK) {
        pl_xls_sheet_close(s);
        return st;
    }
    return PL_OK;
}

void pl_xls_sheet_close(pl_sheet *s)
{
    xls_sheet *sh = s->impl;
    if (!sh)
        return;
    pl_free(sh->cells);
    pl_free(sh->out);
    pl_free(sh->row_cells);
    pl_bytes_free(&sh->text);
    pl_free(sh);
    s->impl = NULL;
}

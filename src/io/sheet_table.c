/* pl_sheet_to_table: a sheet to Parquet/CSV without holding it. Pass 1 streams the sheet to learn, per column, which
 * kinds of values occur (a byte per column) and where the data starts and ends; pass 2 streams it again and writes
 * batches of rows through the table writer. Memory: one row from the reader plus one batch of at most ~4 MiB. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "plateau/mem.h"
#include "plateau/table.h"
#include "plateau/workbook.h"

#define MAX_COLS 16384u
#define BATCH_BYTES (4u << 20)

enum { SEEN_NUMBER = 1, SEEN_TEXT = 2, SEEN_BOOL = 4, SEEN_DATE = 8 };

typedef struct plan {
    uint8_t seen[MAX_COLS];
    char *header[MAX_COLS]; /* pl_alloc'd header texts, NULL when empty */
    int64_t header_index;   /* sheet row of the header, -1 if none */
    int64_t first, last;    /* sheet rows of the first and last data rows, -1 if none */
    uint32_t col_lo, col_hi; /* columns present, inclusive */
    bool any_col;
    uint8_t sel[MAX_COLS];  /* columns written: present and selected */
} plan;

typedef struct outcol {
    uint32_t sheet_col;
    pl_col_type type;
    double *f64;
    int64_t *i64;   /* timestamps; string offsets into the arena */
    uint8_t *b;
    uint8_t *valid;
    uint32_t *len;
    const char **ptr;
} outcol;

typedef struct batch {
    outcol *cols;
    size_t ncols, rows, cap;
    char *arena;
    size_t arena_len, arena_cap;
} batch;

/* Shortest %g that reads back to the same double. */
static int format_number(char *buf, size_t size, double v)
{
    for (int prec = 15; prec <= 17; prec++) {
        int n = snprintf(buf, size, "%.*g", prec, v);
        if (strtod(buf, NULL) == v || prec == 17)
            return n;
    }
    return 0;
}

/* ISO 8601 of an Excel date, with microseconds only when there are any. */
static int format_date(char *buf, size_t size, double days)
{
    int64_t us = pl_excel_days_to_unix_us(days);
    if (us == INT64_MIN)
        return format_number(buf, size, days);
    int64_t secs = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
    int64_t frac = us - secs * 1000000;
    time_t t = (time_t)secs;
    struct tm tm;
    gmtime_r(&t, &tm);
    int n = (int)strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
    if (frac)
        n += snprintf(buf + n, size - (size_t)n, ".%06" PRId64, frac);
    return n;
}

/* Any cell as text: what a mixed column or a header shows. */
static int cell_text(const pl_cell *c, char *buf, size_t size, const char **out)
{
    switch (c->type) {
    case PL_CELL_TEXT:
    case PL_CELL_ERROR: *out = c->text; return (int)c->len;
    case PL_CELL_BOOL: *out = c->number != 0 ? "TRUE" : "FALSE"; return (int)strlen(*out);
    case PL_CELL_DATE: *out = buf; return format_date(buf, size, c->number);
    default: *out = buf; return format_number(buf, size, c->number);
    }
}

static uint8_t kind_of(pl_cell_type t)
{
    switch (t) {
    case PL_CELL_NUMBER: return SEEN_NUMBER;
    case PL_CELL_BOOL: return SEEN_BOOL;
    case PL_CELL_DATE: return SEEN_DATE;
    default: return SEEN_TEXT;
    }
}

static pl_status open_sheet(const char *path, const pl_sheet_table_options *o, uint32_t skip, pl_workbook **wb,
                            pl_sheet **s, pl_error *err)
{
    pl_status st = pl_workbook_open(path, o->limits, wb, err);
    if (st)
        return st;
    long idx = o->sheet ? pl_workbook_find_sheet(*wb, o->sheet) : 0;
    if (idx < 0 || pl_workbook_sheet_count(*wb) == 0) {
        st = pl_error_set(err, PL_ENOTFOUND, path, "no sheet '%s' (the workbook has %zu sheets; give a name or a 0-based index)",
                          o->sheet ? o->sheet : "0", pl_workbook_sheet_count(*wb));
        pl_workbook_close(*wb);
        return st;
    }
    pl_sheet_options so = {.columns = o->columns, .skip_rows = skip};
    st = pl_sheet_open(*wb, (size_t)idx, &so, s, err);
    if (st)
        pl_workbook_close(*wb);
    return st;
}

/* The row the reader should start at: the header may sit above the skipped rows. */
static uint32_t reader_skip(const pl_sheet_table_options *o)
{
    if (o->header_row > 0 && (uint64_t)(o->header_row - 1) < o->skip_rows)
        return (uint32_t)(o->header_row - 1);
    return o->skip_rows;
}

static bool is_header(const pl_sheet_table_options *o, plan *p, const pl_row *row)
{
    if (o->header_row < 0 || p->header_index >= 0)
        return false;
    if (o->header_row == 0)
        return row->index >= o->skip_rows;
    return row->index == (uint32_t)(o->header_row - 1);
}

static pl_status keep_header(plan *p, const pl_row *row, pl_error *err)
{
    char buf[64];
    p->header_index = row->index;
    for (uint32_t k = 0; k < row->n; k++) {
        const char *t;
        int n = cell_text(&row->cells[k], buf, sizeof buf, &t);
        if (n <= 0)
            continue;
        char *copy = pl_alloc((size_t)n + 1, "header name", err);
        if (!copy)
            return err ? err->code : PL_ENOMEM;
        memcpy(copy, t, (size_t)n);
        copy[n] = '\0';
        p->header[row->cells[k].col] = copy;
    }
    return PL_OK;
}

static void note_cols(plan *p, const pl_row *row)
{
    uint32_t lo = row->cells[0].col, hi = row->cells[row->n - 1].col;
    if (!p->any_col || lo < p->col_lo)
        p->col_lo = lo;
    if (!p->any_col || hi > p->col_hi)
        p->col_hi = hi;
    p->any_col = true;
}

/* Is this row a data row, and still within --max-rows? */
static bool data_row(const pl_sheet_table_options *o, const plan *p, uint32_t index)
{
    if (index < o->skip_rows || (p->header_index >= 0 && index <= p->header_index))
        return false;
    if (o->header_row > 0 && p->header_index < 0 && index < (uint32_t)(o->header_row - 1))
        return false;
    if (o->max_rows && p->first >= 0 && (uint64_t)(index - p->first) >= o->max_rows)
        return false;
    return true;
}

static pl_status infer(const char *path, const pl_sheet_table_options *o, plan *p, pl_error *err)
{
    pl_workbook *wb;
    pl_sheet *s;
    pl_status st = open_sheet(path, o, reader_skip(o), &wb, &s, err);
    if (st)
        return st;
    const pl_row *row;
    while ((st = pl_sheet_next(s, &row, err)) == PL_OK) {
        if (is_header(o, p, row)) {
            note_cols(p, row);
            if ((st = keep_header(p, row, err)))
                break;
            continue;
        }
        if (!data_row(o, p, row->index)) {
            if (o->max_rows && p->first >= 0 && row->index > p->first)
                break; /* past the cap: nothing more to learn */
            continue;
        }
        if (p->first < 0)
            p->first = row->index;
        p->last = row->index;
        note_cols(p, row);
        for (uint32_t k = 0; k < row->n; k++)
            p->seen[row->cells[k].col] |= kind_of(row->cells[k].type);
    }
    pl_sheet_close(s);
    pl_workbook_close(wb);
    return st == PL_DONE ? PL_OK : st;
}

static pl_col_type type_of(uint8_t seen)
{
    switch (seen) {
    case SEEN_NUMBER: return PL_COL_DOUBLE;
    case SEEN_BOOL: return PL_COL_BOOL;
    case SEEN_DATE: return PL_COL_TIMESTAMP_US;
    default: return PL_COL_STRING;
    }
}

/* Header names: the header text, or the column letters; a repeated name gets "_2", "_3"... (case-insensitively,
 * since DuckDB and others fold case). */
static pl_status make_names(const plan *p, const uint8_t *selected, pl_column *defs, char **names, size_t n,
                            pl_error *err)
{
    size_t k = 0;
    for (uint32_t c = p->col_lo; c <= p->col_hi && k < n; c++) {
        if (!selected[c])
            continue;
        char base[256], cand[300], letters[4];
        snprintf(base, sizeof base, "%s", p->header[c] && *p->header[c] ? p->header[c] : pl_column_letters(c, letters));
        snprintf(cand, sizeof cand, "%s", base);
        for (int dup = 2;; dup++) {
            bool clash = false;
            for (size_t j = 0; j < k && !clash; j++)
                clash = !strcasecmp(names[j], cand);
            if (!clash)
                break;
            snprintf(cand, sizeof cand, "%s_%d", base, dup);
        }
        if (!(names[k] = pl_strdup(cand, err)))
            return err ? err->code : PL_ENOMEM;
        defs[k] = (pl_column){.name = names[k], .type = type_of(p->seen[c]), .nullable = true};
        k++;
    }
    return PL_OK;
}

static pl_status batch_init(batch *b, const pl_column *defs, const uint32_t *sheet_cols, size_t n, pl_error *err)
{
    b->ncols = n;
    b->cap = BATCH_BYTES / (n * 32 + 1);
    if (b->cap > 8192)
        b->cap = 8192;
    if (b->cap < 16)
        b->cap = 16;
    b->cols = pl_calloc(n ? n : 1, sizeof *b->cols, "batch columns", err);
    if (!b->cols)
        return err ? err->code : PL_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        outcol *c = &b->cols[i];
        c->sheet_col = sheet_cols[i];
        c->type = defs[i].type;
        c->valid = pl_calloc(b->cap, 1, "batch validity", err);
        if (!c->valid)
            return err ? err->code : PL_ENOMEM;
        if (c->type == PL_COL_DOUBLE)
            c->f64 = pl_calloc(b->cap, sizeof(double), "batch values", err);
        else if (c->type == PL_COL_BOOL)
            c->b = pl_calloc(b->cap, 1, "batch values", err);
        else {
            c->i64 = pl_calloc(b->cap, sizeof(int64_t), "batch values", err);
            if (c->type == PL_COL_STRING) {
                c->len = pl_calloc(b->cap, sizeof(uint32_t), "batch lengths", err);
                c->ptr = pl_calloc(b->cap, sizeof(char *), "batch strings", err);
                if (!c->len || !c->ptr)
                    return err ? err->code : PL_ENOMEM;
            }
        }
        if (!c->f64 && !c->b && !c->i64)
            return err ? err->code : PL_ENOMEM;
    }
    return PL_OK;
}

static void batch_free(batch *b)
{
    for (size_t i = 0; b->cols && i < b->ncols; i++) {
        outcol *c = &b->cols[i];
        pl_free(c->f64), pl_free(c->i64), pl_free(c->b), pl_free(c->valid), pl_free(c->len), pl_free(c->ptr);
    }
    pl_free(b->cols);
    pl_free(b->arena);
}

static pl_status arena_put(batch *b, const char *s, size_t n, int64_t *off, pl_error *err)
{
    if (b->arena_len + n > b->arena_cap) {
        size_t cap = b->arena_cap ? b->arena_cap : 65536;
        while (cap < b->arena_len + n)
            cap *= 2;
        char *g = pl_realloc(b->arena, cap, "batch text", err);
        if (!g)
            return err ? err->code : PL_ENOMEM;
        b->arena = g;
        b->arena_cap = cap;
    }
    if (n)
        memcpy(b->arena + b->arena_len, s, n);
    *off = (int64_t)b->arena_len;
    b->arena_len += n;
    return PL_OK;
}

static pl_status flush(batch *b, pl_table *t, pl_colbuf *bufs, pl_error *err)
{
    if (!b->rows)
        return PL_OK;
    for (size_t i = 0; i < b->ncols; i++) {
        outcol *c = &b->cols[i];
        bufs[i] = (pl_colbuf){.valid = c->valid};
        if (c->type == PL_COL_DOUBLE)
            bufs[i].values = c->f64;
        else if (c->type == PL_COL_BOOL)
            bufs[i].values = c->b;
        else if (c->type == PL_COL_TIMESTAMP_US)
            bufs[i].values = c->i64;
        else {
            for (size_t r = 0; r < b->rows; r++)
                c->ptr[r] = c->valid[r] ? b->arena + c->i64[r] : "";
            bufs[i].values = c->ptr;
            bufs[i].lengths = c->len;
        }
    }
    pl_status st = pl_table_write(t, b->rows, bufs, err);
    b->rows = 0;
    b->arena_len = 0;
    for (size_t i = 0; i < b->ncols; i++)
        memset(b->cols[i].valid, 0, b->cap);
    return st;
}

/* Places one cell into its column of the current batch row. */
static pl_status put_cell(batch *b, outcol *c, const pl_cell *cell, pl_error *err)
{
    size_t r = b->rows;
    c->valid[r] = 1;
    switch (c->type) {
    case PL_COL_DOUBLE: c->f64[r] = cell->number; return PL_OK;
    case PL_COL_BOOL: c->b[r] = cell->number != 0; return PL_OK;
    case PL_COL_TIMESTAMP_US:
        c->i64[r] = pl_excel_days_to_unix_us(cell->number);
        if (c->i64[r] == INT64_MIN)
            c->valid[r] = 0;
        return PL_OK;
    default: {
        char buf[64];
        const char *s;
        int n = cell_text(cell, buf, sizeof buf, &s);
        c->len[r] = (uint32_t)(n > 0 ? n : 0);
        return arena_put(b, s, c->len[r], &c->i64[r], err);
    }
    }
}

/* Writes the data rows from first to last: a sheet row with cells fills its columns, a missing one is all nulls. */
static pl_status write_rows(const char *path, const pl_sheet_table_options *o, const plan *p, batch *b, pl_table *t,
                            pl_colbuf *bufs, const int32_t *slot, pl_error *err)
{
    pl_workbook *wb;
    pl_sheet *s;
    pl_status st = open_sheet(path, o, (uint32_t)p->first, &wb, &s, err);
    if (st)
        return st;
    int64_t next = p->first;
    const pl_row *row;
    while (!st && next <= p->last && (st = pl_sheet_next(s, &row, err)) == PL_OK) {
        if (row->index < next || row->index > p->last)
            continue; /* rows out of order, or past the end */
        for (; next <= (int64_t)row->index && !st; next++) {
            if (b->rows == b->cap || b->arena_len > BATCH_BYTES)
                st = flush(b, t, bufs, err);
            if (st)
                break;
            if (next == (int64_t)row->index)
                for (uint32_t k = 0; k < row->n && !st; k++)
                    if (slot[row->cells[k].col] >= 0)
                        st = put_cell(b, &b->cols[slot[row->cells[k].col]], &row->cells[k], err);
            b->rows++;
        }
    }
    if (st == PL_DONE)
        st = PL_OK;
    if (!st)
        st = flush(b, t, bufs, err);
    pl_sheet_close(s);
    pl_workbook_close(wb);
    return st;
}

static pl_status write_table(const char *path, const pl_sheet_table_options *o, plan *p, const char *out_path,
                             uint64_t *rows_written, pl_error *err)
{
    uint8_t bits[MAX_COLS / 8];
    uint8_t *sel = p->sel;
    if (o->columns && *o->columns) {
        pl_status st = pl_columns_parse(o->columns, bits, err);
        if (st)
            return st;
    }
    size_t n = 0;
    for (uint32_t c = 0; c < MAX_COLS; c++) {
        sel[c] = p->any_col && c >= p->col_lo && c <= p->col_hi &&
                 (!(o->columns && *o->columns) || (bits[c >> 3] >> (c & 7) & 1));
        n += sel[c];
    }
    pl_column *defs = pl_calloc(n ? n : 1, sizeof *defs, "table columns", err);
    char **names = pl_calloc(n ? n : 1, sizeof *names, "column names", err);
    uint32_t *sheet_cols = pl_calloc(n ? n : 1, sizeof *sheet_cols, "column map", err);
    int32_t *slot = pl_alloc(MAX_COLS * sizeof *slot, "column map", err);
    pl_colbuf *bufs = pl_calloc(n ? n : 1, sizeof *bufs, "column buffers", err);
    batch b = {0};
    pl_table *t = NULL;
    pl_status st = defs && names && sheet_cols && slot && bufs ? PL_OK : (err ? err->code : PL_ENOMEM);
    if (!st) {
        for (uint32_t c = 0, k = 0; c < MAX_COLS; c++) {
            slot[c] = sel[c] ? (int32_t)k : -1;
            if (sel[c])
                sheet_cols[k++] = c;
        }
        st = make_names(p, sel, defs, names, n, err);
    }
    if (!st && n == 0)
        st = pl_error_set(err, PL_EFORMAT, path, "the sheet has no columns to write (empty, or nothing selected)");
    if (!st)
        st = batch_init(&b, defs, sheet_cols, n, err);
    if (!st)
        st = pl_table_open(out_path, defs, n, NULL, &t, err);
    if (!st && p->first >= 0)
        st = write_rows(path, o, p, &b, t, bufs, slot, err);
    if (t) {
        *rows_written = pl_table_rows(t);
        if (st)
            pl_table_abort(t);
        else
            st = pl_table_close(t, err);
    }
    batch_free(&b);
    for (size_t i = 0; names && i < n; i++)
        pl_free(names[i]);
    pl_free(names), pl_free(defs), pl_free(sheet_cols), pl_free(slot), pl_free(bufs);
    return st;
}

pl_status pl_sheet_to_table(const char *path, const pl_sheet_table_options *opt, const char *out_path,
                            uint64_t *rows_written, pl_error *err)
{
    *rows_written = 0;
    plan *p = pl_calloc(1, sizeof *p, "sheet plan", err);
    if (!p)
        return err ? err->code : PL_ENOMEM;
    p->header_index = p->first = p->last = -1;
    pl_status st = infer(path, opt, p, err);
    if (!st)
        st = write_table(path, opt, p, out_path, rows_written, err);
    for (uint32_t c = 0; c < MAX_COLS; c++)
        pl_free(p->header[c]);
    pl_free(p);
    return st;
}

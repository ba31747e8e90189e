/* The Workbook common layer: format choice by magic bytes, sheet lookup, and everything a sheet pass does on top of
 * a format's raw rows (column selection, skipped rows, row cap, named-cell capture, extent tracking). Formats
 * (src/io/xlsx, src/io/xls) only yield rows of typed cells; this file turns them into what callers asked for. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <strings.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "io/workbook_impl.h"
#include "plateau/mem.h"


#define MAX_COLS 16384u

typedef struct named_cell {
    uint32_t row, col;
    bool have;
    pl_cell cell;
    char *text; /* pl_alloc'd copy of the cell's text, kept until pl_sheet_close */
} named_cell;

struct pl_sheet_common {
    uint8_t bits[MAX_COLS / 8];
    bool all_columns;
    uint32_t skip_rows;
    uint64_t max_rows;
    bool cells_only;
    named_cell *named;
    size_t n_named;
    uint32_t last_named_row; /* highest row holding a named cell */
    pl_cell *out;            /* the selected cells of the current row */
    size_t out_cap;
    pl_row row;
    uint64_t returned;
    uint32_t ext_rows, ext_cols;
    bool done;
};

void pl_workbook_limits_default(pl_workbook_limits *lim)
{
    lim->max_inflated_bytes = 4ull << 30;
    lim->max_ratio = 1000.0;
    lim->strings_memory = 16u << 20;
}

/* Reads the first bytes of the file for the formats' bids. */
static pl_status read_head(const char *path, unsigned char *head, size_t *n, pl_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pl_error_errno(err, errno == ENOENT ? PL_ENOTFOUND : PL_EIO, path, "cannot open workbook");
    ssize_t got = read(fd, head, *n);
    int saved = errno;
    close(fd);
    if (got < 0) {
        errno = saved;
        return pl_error_errno(err, PL_EIO, path, "cannot read workbook");
    }
    *n = (size_t)got;
    return PL_OK;
}

static const pl_workbook_fmt *choose_format(const unsigned char *head, size_t n)
{
    const pl_workbook_fmt *formats[] = {&pl_format_xlsx, &pl_format_xls};
    const pl_workbook_fmt *best = NULL;
    int best_bid = 0;
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        if (!formats[i]) /* the weak xls descriptor when its reader is not linked */
            continue;
        int bid = formats[i]->bid(head, n);
        if (bid > best_bid) {
            best_bid = bid;
            best = formats[i];
        }
    }
    return best;
}

pl_status pl_workbook_open(const char *path, const pl_workbook_limits *lim, pl_workbook **out, pl_error *err)
{
    *out = NULL;
    unsigned char head[512];
    size_t n = sizeof head;
    pl_status st = read_head(path, head, &n, err);
    if (st)
        return st;
    const pl_workbook_fmt *fmt = choose_format(head, n);
    if (!fmt) {
        if (n >= 8 && !memcmp(head, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8))
            return pl_error_set(err, PL_EUNSUPPORTED, path, "an OLE2 (CFB) file: a legacy .xls workbook or an encrypted .xlsx, which this build cannot read");
        return pl_error_set(err, PL_EFORMAT, path, "not a workbook: neither a zip (.xlsx) nor a CFB (.xls) file");
    }
    pl_workbook *wb = pl_calloc(1, sizeof *wb, "workbook", err);
    if (!wb) {
        pl_error_locate(err, path);
        return err ? err->code : PL_ENOMEM;
    }
    snprintf(wb->path, sizeof wb->path, "%s", path);
    if (lim)
        wb->limits = *lim;
    else
        pl_workbook_limits_default(&wb->limits);
    wb->format = fmt->name;
    st = fmt->open(wb, err);
    if (st) {
        pl_error_locate(err, path);
        pl_workbook_close(wb);
        return st;
    }
    *out = wb;
    return PL_OK;
}

void pl_workbook_close(pl_workbook *wb)
{
    if (!wb)
        return;
    if (wb->ops && wb->ops->close)
        wb->ops->close(wb);
    for (size_t i = 0; wb->sheet_names && i < wb->n_sheets; i++)
        pl_free(wb->sheet_names[i]);
    pl_free(wb->sheet_names);
    pl_free(wb);
}

const char *pl_workbook_format(const pl_workbook *wb) { return wb->format; }
size_t pl_workbook_sheet_count(const pl_workbook *wb) { return wb->n_sheets; }
bool pl_workbook_date1904(const pl_workbook *wb) { return wb->date1904; }

const char *pl_workbook_sheet_name(const pl_workbook *wb, size_t i)
{
    return i < wb->n_sheets ? wb->sheet_names[i] : NULL;
}

/* Exact name first (a sheet may be called "2"), then a case-insensitive name, then a 0-based index. */
long pl_workbook_find_sheet(const pl_workbook *wb, const char *name_or_index)
{
    if (!name_or_index)
        return -1;
    for (size_t i = 0; i < wb->n_sheets; i++)
        if (!strcmp(wb->sheet_names[i], name_or_index))
            return (long)i;
    for (size_t i = 0; i < wb->n_sheets; i++)
        if (!strcasecmp(wb->sheet_names[i], name_or_index))
            return (long)i;
    char *end;
    errno = 0;
    long v = strtol(name_or_index, &end, 10);
    if (!errno && end != name_or_index && !*end && v >= 0 && (size_t)v < wb->n_sheets)
        return v;
    return -1;
}

/* Sets up the named cells to capture; refs that do not parse are an argument error. */
static pl_status setup_named(struct pl_sheet_common *c, const pl_sheet_options *opt, pl_error *err)
{
    if (!opt->n_cells)
        return PL_OK;
    c->named = pl_calloc(opt->n_cells, sizeof *c->named, "named cells", err);
    if (!c->named)
        return err ? err->code : PL_ENOMEM;
    c->n_named = opt->n_cells;
    for (size_t i = 0; i < opt->n_cells; i++) {
        named_cell *nc = &c->named[i];
        if (!opt->cells[i] || pl_cell_ref_parse(opt->cells[i], &nc->row, &nc->col) != PL_OK)
            return pl_error_set(err, PL_EARG, NULL, "'%s' is not a cell reference such as B26",
                                opt->cells[i] ? opt->cells[i] : "(null)");
        if (nc->row > c->last_named_row)
            c->last_named_row = nc->row;
    }
    return PL_OK;
}

static pl_status setup_common(struct pl_sheet_common *c, const pl_sheet_options *opt, pl_error *err)
{
    c->all_columns = true;
    if (!opt)
        return PL_OK;
    if (opt->columns && *opt->columns) {
        pl_status st = pl_columns_parse(opt->columns, c->bits, err);
        if (st)
            return st;
        c->all_columns = false;
    }
    c->skip_rows = opt->skip_rows;
    c->max_rows = opt->max_rows;
    c->cells_only = opt->cells_only;
    return setup_named(c, opt, err);
}

pl_status pl_sheet_open(pl_workbook *wb, size_t sheet, const pl_sheet_options *opt, pl_sheet **out, pl_error *err)
{
    *out = NULL;
    if (sheet >= wb->n_sheets)
        return pl_error_set(err, PL_ENOTFOUND, wb->path, "no sheet %zu: the workbook has %zu", sheet, wb->n_sheets);
    if (wb->sheet_busy)
        return pl_error_set(err, PL_EARG, wb->path, "another sheet of this workbook is still open");
    pl_sheet *s = pl_calloc(1, sizeof *s, "sheet", err);
    struct pl_sheet_common *c = s ? pl_calloc(1, sizeof *c, "sheet state", err) : NULL;
    if (!c) {
        pl_free(s);
        return err ? err->code : PL_ENOMEM;
    }
    s->wb = wb;
    s->index = sheet;
    s->common = c;
    pl_status st = setup_common(c, opt, err);
    if (!st)
        st = wb->ops->sheet_open(wb, s, sheet, err);
    if (st) {
        pl_error_locate(err, wb->path);
        wb->sheet_busy = true; /* so that close releases it the same way */
        pl_sheet_close(s);
        return st;
    }
    wb->sheet_busy = true;
    *out = s;
    return PL_OK;
}

/* Copies a named cell's value the first time its row and column go by. */
static pl_status capture(struct pl_sheet_common *c, uint32_t row, const pl_cell *cell, pl_error *err)
{
    for (size_t i = 0; i < c->n_named; i++) {
        named_cell *nc = &c->named[i];
        if (nc->row != row || nc->col != cell->col)
            continue;
        pl_free(nc->text);
        nc->text = NULL;
        nc->cell = *cell;
        if (cell->type == PL_CELL_TEXT || cell->type == PL_CELL_ERROR) {
            nc->text = pl_alloc((size_t)cell->len + 1, "named cell text", err);
            if (!nc->text)
                return err ? err->code : PL_ENOMEM;
            memcpy(nc->text, cell->text, cell->len);
            nc->text[cell->len] = '\0';
            nc->cell.text = nc->text;
        }
        nc->have = true;
    }
    return PL_OK;
}

static bool selected(const struct pl_sheet_common *c, uint32_t col)
{
    return c->all_columns || (col < MAX_COLS && (c->bits[col >> 3] >> (col & 7) & 1));
}

/* Keeps the selected, non-empty cells of a raw row in c->out; records extent and named cells on the way. */
static pl_status filter_row(struct pl_sheet_common *c, uint32_t row, const pl_cell *cells, uint32_t n,
                            bool want_cells, pl_error *err)
{
    if (want_cells && n > c->out_cap) {
        pl_cell *grown = pl_realloc(c->out, n * sizeof *grown, "row cells", err);
        if (!grown)
            return err ? err->code : PL_ENOMEM;
        c->out = grown;
        c->out_cap = n;
    }
    uint32_t kept = 0;
    for (uint32_t i = 0; i < n; i++) {
        const pl_cell *cell = &cells[i];
        if (cell->type == PL_CELL_EMPTY)
            continue;
        if (row + 1 > c->ext_rows)
            c->ext_rows = row + 1;
        if (cell->col + 1 > c->ext_cols)
            c->ext_cols = cell->col + 1;
        if (c->n_named && row <= c->last_named_row) {
            pl_status st = capture(c, row, cell, err);
            if (st)
                return st;
        }
        if (want_cells && selected(c, cell->col))
            c->out[kept++] = *cell;
    }
    c->row.index = row;
    c->row.n = kept;
    c->row.cells = c->out;
    return PL_OK;
}

/* No more rows can be returned; is there still a named cell to wait for? */
static bool finished(const struct pl_sheet_common *c, uint32_t row)
{
    bool rows_over = c->cells_only || (c->max_rows && c->returned >= c->max_rows);
    if (!rows_over)
        return false;
    return !c->n_named || row > c->last_named_row;
}

pl_status pl_sheet_next(pl_sheet *s, const pl_row **row, pl_error *err)
{
    struct pl_sheet_common *c = s->common;
    *row = NULL;
    if (c->done || (!c->n_named && finished(c, 0)))
        return PL_DONE;
    for (;;) {
        uint32_t index = 0, n = 0;
        const pl_cell *cells = NULL;
        pl_status st = s->wb->ops->sheet_next(s, &index, &cells, &n, err);
        if (st == PL_DONE) {
            c->done = true;
            return PL_DONE;
        }
        if (st) {
            pl_error_locate(err, s->wb->path);
            return st;
        }
        if (finished(c, index)) {
            c->done = true;
            return PL_DONE;
        }
        bool rows_over = c->cells_only || (c->max_rows && c->returned >= c->max_rows);
        bool want = !rows_over && index >= c->skip_rows;
        st = filter_row(c, index, cells, n, want, err);
        if (st)
            return st;
        if (want && c->row.n) {
            c->returned++;
            *row = &c->row;
            return PL_OK;
        }
    }
}

const pl_cell *pl_sheet_cell(const pl_sheet *s, const char *ref)
{
    uint32_t row, col;
    if (!s || pl_cell_ref_parse(ref, &row, &col) != PL_OK)
        return NULL;
    const struct pl_sheet_common *c = s->common;
    for (size_t i = 0; i < c->n_named; i++)
        if (c->named[i].have && c->named[i].row == row && c->named[i].col == col)
            return &c->named[i].cell;
    return NULL;
}

void pl_sheet_close(pl_sheet *s)
{
    if (!s)
        return;
    if (s->wb) {
        if (s->impl && s->wb->ops && s->wb->ops->sheet_close)
            s->wb->ops->sheet_close(s);
        s->wb->sheet_busy = false;
    }
    struct pl_sheet_common *c = s->common;
    if (c) {
        for (size_t i = 0; i < c->n_named; i++)
            pl_free(c->named[i].text);
        pl_free(c->named);
        pl_free(c->out);
        pl_free(c);
    }
    pl_free(s);
}

void pl_sheet_extent(const pl_sheet *s, uint32_t *rows, uint32_t *cols)
{
    *rows = s->common->ext_rows;
    *cols = s->common->ext_cols;
}

long pl_column_from_letters(const char *letters, size_t n)
{
    if (n == 0 || n > 3)
        return -1;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        int ch = toupper((unsigned char)letters[i]);
        if (ch < 'A' || ch > 'Z')
            return -1;
        v = v * 26 + (ch - 'A' + 1);
    }
    return v - 1 < (long)MAX_COLS ? v - 1 : -1;
}

const char *pl_column_letters(uint32_t col, char buf[4])
{
    char tmp[4];
    int n = 0;
    if (col >= MAX_COLS)
        col = MAX_COLS - 1;
    uint32_t v = col + 1;
    while (v && n < 3) {
        tmp[n++] = (char)('A' + (v - 1) % 26);
        v = (v - 1) / 26;
    }
    for (int i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
    return buf;
}

/* Accepts "B26", "$B$26" and lower case; rows 1..1048576. */
pl_status pl_cell_ref_parse(const char *ref, uint32_t *row, uint32_t *col)
{
    if (!ref)
        return PL_EARG;
    const char *p = ref;
    if (*p == '$')
        p++;
    const char *letters = p;
    while (isalpha((unsigned char)*p))
        p++;
    long c = pl_column_from_letters(letters, (size_t)(p - letters));
    if (c < 0)
        return PL_EARG;
    if (*p == '$')
        p++;
    if (!isdigit((unsigned char)*p))
        return PL_EARG;
    unsigned long r = 0;
    while (isdigit((unsigned char)*p)) {
        r = r * 10 + (unsigned long)(*p++ - '0');
        if (r > 1048576)
            return PL_EARG;
    }
    if (*p || r == 0)
        return PL_EARG;
    *row = (uint32_t)(r - 1);
    *col = (uint32_t)c;
    return PL_OK;
}

/* One end of a column range: letters ("C") or a 1-based number ("3"). */
static long parse_column_word(const char *s, size_t n)
{
    while (n && isspace((unsigned char)*s))
        s++, n--;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    if (n && isdigit((unsigned char)*s)) {
        long v = 0;
        for (size_t i = 0; i < n; i++) {
            if (!isdigit((unsigned char)s[i]) || v > (long)MAX_COLS)
                return -1;
            v = v * 10 + (s[i] - '0');
        }
        return v >= 1 && v <= (long)MAX_COLS ? v - 1 : -1;
    }
    return pl_column_from_letters(s, n);
}

pl_status pl_columns_parse(const char *spec, uint8_t bits[2048], pl_error *err)
{
    memset(bits, 0, 2048);
    const char *p = spec;
    bool any = false;
    while (p && *p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *colon = memchr(p, ':', n);
        long a = parse_column_word(p, colon ? (size_t)(colon - p) : n);
        long b = colon ? parse_column_word(colon + 1, n - (size_t)(colon + 1 - p)) : a;
        if (a < 0 || b < 0 || b < a)
            return pl_error_set(err, PL_EARG, NULL,
                                "bad column selection '%.*s' in '%s': use letters or 1-based numbers, e.g. A,C:E,7",
                                (int)n, p, spec);
        for (long c = a; c <= b; c++)
            bits[c >> 3] |= (uint8_t)(1u << (c & 7));
        any = true;
        p = end ? end + 1 : NULL;
    }
    if (!any)
        return pl_error_set(err, PL_EARG, NULL, "empty column selection");
    return PL_OK;
}

/* Serial 25569 is 1970-01-01. Serials from 1 to 59 sit before Excel's fictitious 1900-02-29, so they are one day later
 * than plain arithmetic from 1899-12-30 says (serial 1 is 1900-01-01); this matches Excel and openpyxl. */
int64_t pl_excel_days_to_unix_us(double days)
{
    if (!isfinite(days))
        return INT64_MIN;
    if (days >= 1 && days < 60)
        days += 1;
    double us = (days - 25569.0) * 86400e6;
    if (us >= 9.2e18 || us <= -9.2e18)
        return INT64_MIN;
    return llround(us);
}

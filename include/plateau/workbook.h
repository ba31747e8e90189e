/* plateau: the Workbook interface (.xlsx/.xlsm through libzip + expat, .xls BIFF8 in a CFB container).
 *
 * Open by path (format by magic bytes), list sheets, stream one sheet's rows as typed cells with a column selection,
 * rows to skip and a row cap, and capture a few named cells (B1, B26, R1) during that same pass.
 * Memory stays bounded whatever the file claims: a lying <dimension>, a 100:1 compression ratio, a million shared
 * strings. */
#ifndef PLATEAU_WORKBOOK_H
#define PLATEAU_WORKBOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plateau/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    PL_CELL_EMPTY = 0,
    PL_CELL_NUMBER,
    PL_CELL_TEXT,
    PL_CELL_BOOL,
    PL_CELL_ERROR, /* text holds the error literal: "#DIV/0!", "#N/A", ... */
    PL_CELL_DATE   /* number holds days since 1899-12-30 00:00 (the 1900 system), whatever system the file used */
} pl_cell_type;

typedef struct pl_cell {
    pl_cell_type type;
    uint32_t col;     /* 0-based column (A = 0) */
    double number;    /* NUMBER, DATE; BOOL as 0 or 1 */
    const char *text; /* TEXT, ERROR: UTF-8, NUL-terminated, valid until the next pl_sheet_next/close */
    uint32_t len;     /* bytes of text */
} pl_cell;

typedef struct pl_row {
    uint32_t index; /* 0-based row in the sheet (Excel row number - 1) */
    uint32_t n;     /* cells in this row that are selected and not empty, ordered by column */
    const pl_cell *cells;
} pl_row;

typedef struct pl_sheet_options {
    const char *columns;      /* "A,C:E,7" (letters or 1-based numbers, ranges); NULL or "" keeps all */
    uint32_t skip_rows;       /* rows with index < skip_rows are not returned */
    uint64_t max_rows;        /* stop after this many returned rows; 0 = no cap */
    const char *const *cells; /* named cells to capture during the pass, e.g. {"B1","B26"}; may be NULL */
    size_t n_cells;
    bool cells_only; /* return no rows: read only until every named cell's row has passed */
} pl_sheet_options;

typedef struct pl_workbook_limits {
    uint64_t max_inflated_bytes; /* refuse a part that inflates past this (default 4 GiB) */
    double max_ratio;            /* refuse a part whose inflated/compressed ratio exceeds this (default 1000) */
    size_t strings_memory;       /* shared strings kept in memory up to this, spilled past it (default 16 MiB) */
} pl_workbook_limits;

void pl_workbook_limits_default(pl_workbook_limits *lim);

typedef struct pl_workbook pl_workbook;
typedef struct pl_sheet pl_sheet;

/* lim may be NULL (defaults). */
pl_status pl_workbook_open(const char *path, const pl_workbook_limits *lim, pl_workbook **out, pl_error *err);
void pl_workbook_close(pl_workbook *wb);

const char *pl_workbook_format(const pl_workbook *wb); /* "xlsx" or "xls" */
size_t pl_workbook_sheet_count(const pl_workbook *wb);
const char *pl_workbook_sheet_name(const pl_workbook *wb, size_t i);
/* Index of a sheet by exact name, or by a decimal 0-based index; -1 if none. */
long pl_workbook_find_sheet(const pl_workbook *wb, const char *name_or_index);
bool pl_workbook_date1904(const pl_workbook *wb);

/* One sheet at a time per workbook. opt may be NULL (everything). */
pl_status pl_sheet_open(pl_workbook *wb, size_t sheet, const pl_sheet_options *opt, pl_sheet **out, pl_error *err);
/* PL_OK with *row set, PL_DONE at the end, or an error. */
pl_status pl_sheet_next(pl_sheet *s, const pl_row **row, pl_error *err);
/* A named cell captured so far (NULL when not captured or empty). Text stays valid until pl_sheet_close. */
const pl_cell *pl_sheet_cell(const pl_sheet *s, const char *ref);
void pl_sheet_close(pl_sheet *s);

/* Real extent seen while reading (rows, max column + 1), for inspect. */
void pl_sheet_extent(const pl_sheet *s, uint32_t *rows, uint32_t *cols);

/* "B26" -> row 25, col 1. "AA1" -> col 26. */
pl_status pl_cell_ref_parse(const char *ref, uint32_t *row, uint32_t *col);
/* "A" -> 0, "XFD" -> 16383; -1 if invalid. */
long pl_column_from_letters(const char *letters, size_t n);
/* 0 -> "A". buf needs 4 bytes. */
const char *pl_column_letters(uint32_t col, char buf[4]);
/* Parses "A,C:E,7" into a bitmap of up to 16384 columns (bits[2048]). */
pl_status pl_columns_parse(const char *spec, uint8_t bits[2048], pl_error *err);
/* Days since 1899-12-30 -> microseconds since 1970-01-01 UTC (serials below 60 are shifted by Excel's fictitious
 * 1900-02-29, as Excel shows them). INT64_MIN for values that are not finite or out of range. */
int64_t pl_excel_days_to_unix_us(double days);

/* What a workbook holds, for `plateau inspect`: format, date system, and per sheet its real extent (rows and columns
 * counted by streaming every row, not the declared <dimension>), cell counts per type, and the memory reading it needed
 * (peak bytes charged to the budget while streaming, plus the fixed zip/XML state). A sheet that cannot be read has an
 * "error" member instead of failing the whole description. *out is a new reference (jansson json_t object). */
struct json_t;
pl_status pl_workbook_describe(const char *path, struct json_t **out, pl_error *err);

/* One sheet to a typed table (Parquet or CSV by out_path's extension), streaming in two passes: the first infers
 * each column's type (numbers -> double, booleans -> bool, dates -> timestamp, anything mixed -> text with numbers
 * written to round-trip, all-empty -> text), the second writes rows in bounded batches. Header names come from the
 * header row, deduplicated, empty ones replaced by the column letters. Blank rows between data rows are kept as
 * rows of nulls; leading and trailing blank rows are not. */
typedef struct pl_sheet_table_options {
    const char *sheet;                /* exact name, or a 0-based index; NULL = the first sheet */
    const char *columns;              /* "A,C:E,7"; NULL = all */
    uint32_t skip_rows;               /* rows with index < skip_rows are ignored */
    uint64_t max_rows;                /* at most this many data rows; 0 = all */
    long header_row;                  /* 1-based row holding the names; 0 = the first non-skipped row; -1 = no header */
    const pl_workbook_limits *limits; /* NULL = defaults */
} pl_sheet_table_options;

pl_status pl_sheet_to_table(const char *path, const pl_sheet_table_options *opt, const char *out_path,
                            uint64_t *rows_written, pl_error *err);

#ifdef __cplusplus
}
#endif
#endif

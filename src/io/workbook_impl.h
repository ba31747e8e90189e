/* Internal: what a workbook format (xlsx, xls) provides, and the shared workbook and sheet objects. */
#ifndef PLATEAU_WORKBOOK_IMPL_H
#define PLATEAU_WORKBOOK_IMPL_H

#include "plateau/workbook.h"

typedef struct pl_workbook_ops {
    /* Prepares s->impl for streaming sheet `sheet`. Common fields of s are already set. */
    pl_status (*sheet_open)(pl_workbook *wb, pl_sheet *s, size_t sheet, pl_error *err);
    /* Yields the next row that has at least one cell (all columns, unfiltered; the common layer filters and
     * captures named cells). Cells must be in increasing column order. PL_DONE at the end. */
    pl_status (*sheet_next)(pl_sheet *s, uint32_t *row_index, const pl_cell **cells, uint32_t *n, pl_error *err);
    void (*sheet_close)(pl_sheet *s);
    void (*close)(pl_workbook *wb); /* frees wb->impl only */
} pl_workbook_ops;

struct pl_workbook {
    const pl_workbook_ops *ops;
    const char *format;
    char path[4096];
    pl_workbook_limits limits;
    size_t n_sheets;
    char **sheet_names; /* pl_alloc'd array of pl_alloc'd strings, freed by pl_workbook_close */
    bool date1904;
    bool sheet_busy;
    void *impl;
};

/* The format layer sees only wb and impl; the common layer (workbook.c) keeps selection and captured cells. */
struct pl_sheet_common;
struct pl_sheet {
    pl_workbook *wb;
    size_t index;
    void *impl;
    struct pl_sheet_common *common;
};

/* Named pl_workbook_fmt (not pl_workbook_format, which is the public accessor for a workbook's format name). */
typedef struct pl_workbook_fmt {
    const char *name;
    int (*bid)(const unsigned char *head, size_t n);
    /* Fills wb (ops, sheet names, date1904, impl); wb->path and limits are already set. */
    pl_status (*open)(pl_workbook *wb, pl_error *err);
} pl_workbook_fmt;

extern const pl_workbook_fmt pl_format_xlsx;
extern const pl_workbook_fmt pl_format_xls;

#endif

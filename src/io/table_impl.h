/* plateau io: what every table writer backend provides behind include/plateau/table.h.
 *
 * A backend allocates a struct whose first member is pl_table and fills in ops, ncols and cols. table.c validates
 * arguments once for every backend (column definitions, batches, required columns without nulls), counts rows and
 * remembers the first error, so that a table whose write failed can only be closed (which removes its temporary file).
 */
#ifndef PL_IO_TABLE_IMPL_H
#define PL_IO_TABLE_IMPL_H

#include "plateau/table.h"

typedef struct pl_table_ops {
    pl_status (*write)(pl_table *t, size_t nrows, const pl_colbuf *cols, pl_error *err);
    pl_status (*close)(pl_table *t, pl_error *err); /* commits and frees */
    void (*abort)(pl_table *t);                     /* removes the temporary and frees */
    /* Optional (NULL: not supported): ends the open row group of t and of twin, then copies every row group t
     * closes into twin too, until twin is NULL. table.c has checked that twin has t's backend and columns. */
    pl_status (*mirror)(pl_table *t, pl_table *twin, pl_error *err);
} pl_table_ops;

struct pl_table {
    const pl_table_ops *ops;
    uint64_t rows;
    size_t ncols;
    const pl_column *cols; /* the backend's copy of the column definitions (names owned by it) */
    pl_status failed;      /* first failed write, PL_OK while healthy */
    pl_error first_error;
};

/* Backends: called by pl_table_open with validated arguments and a complete options struct. */
pl_status pl_parquet_open(const char *path, const pl_column *cols, size_t ncols, const pl_table_options *opt,
                          pl_table **out, pl_error *err);
pl_status pl_csv_open(const char *path, const pl_column *cols, size_t ncols, const pl_table_options *opt,
                      pl_table **out, pl_error *err);

#endif

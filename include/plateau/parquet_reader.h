/* plateau: a streaming reader for Parquet files (ours, and the flat files common writers produce).
 *
 * pl_pq_open reads the footer: schema, row count, row groups, key/value metadata. A scan over chosen columns yields
 * batches of up to batch_rows rows decoded into arrays shaped like pl_colbuf (values, lengths for strings, valid for
 * nullable columns), valid until the next call. Memory: one page per column (compressed and decompressed), the
 * column's dictionary, and the batch. Supported: flat schemas; PLAIN, PLAIN_DICTIONARY/RLE_DICTIONARY,
 * BYTE_STREAM_SPLIT, DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY; definition levels; data pages
 * v1 and v2; uncompressed, snappy, zstd and gzip pages.
 * Anything else is PL_EUNSUPPORTED with a message naming it; corrupt bytes are PL_EFORMAT, never a crash. */
#ifndef PLATEAU_PARQUET_READER_H
#define PLATEAU_PARQUET_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plateau/error.h"
#include "plateau/table.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pl_pq_reader pl_pq_reader;
typedef struct pl_pq_scan pl_pq_scan;

typedef struct pl_pq_column_info {
    const char *name;
    pl_col_type type; /* how values are delivered; INT64 timestamps in ms/ns arrive as microseconds */
    bool nullable;
    bool supported;    /* false: the column can be listed but not scanned (nested, INT96, fixed-length, ...) */
    int physical_type; /* the Parquet physical type number */
} pl_pq_column_info;

pl_status pl_pq_open(const char *path, pl_pq_reader **out, pl_error *err);
void pl_pq_close(pl_pq_reader *r);

size_t pl_pq_ncols(const pl_pq_reader *r);
const pl_pq_column_info *pl_pq_column(const pl_pq_reader *r, size_t i);
/* Index of the column named name, or -1. */
long pl_pq_find(const pl_pq_reader *r, const char *name);
uint64_t pl_pq_rows(const pl_pq_reader *r);
size_t pl_pq_row_groups(const pl_pq_reader *r);
uint64_t pl_pq_row_group_rows(const pl_pq_reader *r, size_t rg);
/* The min/max statistics of an INT32/INT64 column in a row group (false when absent): lets a caller find the
 * row groups holding one sweep without reading them. */
bool pl_pq_int_range(const pl_pq_reader *r, size_t rg, size_t col, int64_t *min, int64_t *max);
/* Value of a key/value metadata entry, or NULL. */
const char *pl_pq_kv(const pl_pq_reader *r, const char *key);
const char *pl_pq_created_by(const pl_pq_reader *r);

/* A scan over cols[0..ncols) (column indexes), rows [first_row, first_row + max_rows) (max_rows 0: to the end).
 * Row groups and pages wholly before first_row are skipped without being decompressed. */
pl_status pl_pq_scan_open(pl_pq_reader *r, const size_t *cols, size_t ncols, size_t batch_rows, uint64_t first_row,
                          uint64_t max_rows, pl_pq_scan **out, pl_error *err);
/* Fills out[0..ncols) and *nrows; PL_DONE (with *nrows == 0) after the last batch. For string columns values is a
 * const char *const * of NUL-terminated copies and lengths their byte lengths; valid is set for nullable columns
 * (values of null rows are zero / empty). */
pl_status pl_pq_scan_next(pl_pq_scan *s, pl_colbuf *out, size_t *nrows, pl_error *err);
void pl_pq_scan_close(pl_pq_scan *s);

#ifdef __cplusplus
}
#endif
#endif

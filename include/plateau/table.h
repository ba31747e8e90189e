/* plateau: table writers (Parquet and CSV) behind one batch interface.
 *
 * A table has a fixed schema. Rows arrive in batches: one call gives n rows for every column. The Parquet writer
 * encodes and compresses ~1 MiB pages as they fill, closes a row group at a byte budget and writes the footer at
 * close; the file is written under a temporary name and renamed into place, so it is complete or absent.
 * Memory in use is bounded by the row-group budget plus one page per column, whatever the row count. */
#ifndef PLATEAU_TABLE_H
#define PLATEAU_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plateau/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    PL_COL_BOOL,        /* values: const uint8_t* (0/1) */
    PL_COL_INT32,       /* const int32_t* */
    PL_COL_INT64,       /* const int64_t* */
    PL_COL_FLOAT,       /* const float* */
    PL_COL_DOUBLE,      /* const double* */
    PL_COL_STRING,      /* const char *const* (UTF-8) with optional lengths */
    PL_COL_TIMESTAMP_US /* const int64_t*: microseconds since 1970-01-01 UTC */
} pl_col_type;

typedef enum { PL_ENC_AUTO = 0, PL_ENC_PLAIN, PL_ENC_DICT, PL_ENC_BYTE_STREAM_SPLIT } pl_col_encoding;
typedef enum { PL_CODEC_ZSTD = 0, PL_CODEC_SNAPPY, PL_CODEC_NONE } pl_codec;

typedef struct pl_column {
    const char *name;
    pl_col_type type;
    bool nullable;
    pl_col_encoding encoding; /* AUTO: dictionary for strings and low-cardinality columns, else PLAIN */
} pl_column;

typedef struct pl_colbuf {
    const void *values;      /* n entries (entries where valid[i] == 0 are ignored) */
    const uint32_t *lengths; /* strings: byte lengths; NULL means NUL-terminated */
    const uint8_t *valid;    /* nullable columns: 1 present, 0 null; NULL means all present */
} pl_colbuf;

typedef struct pl_table_options {
    pl_codec codec;         /* default zstd */
    int level;              /* codec level; 0 = codec default */
    size_t page_bytes;      /* default 1 MiB */
    size_t row_group_bytes; /* default 32 MiB (compressed bytes buffered per row group) */
    size_t dict_max_bytes;  /* dictionary past this falls back to PLAIN; default 1 MiB */
    const char *const *kv;  /* key/value metadata pairs: kv[0]=key0, kv[1]=value0, ...; may be NULL */
    size_t n_kv;
} pl_table_options;

void pl_table_options_default(pl_table_options *o);

typedef struct pl_table pl_table;

/* The format is chosen by the extension of path: ".parquet" or ".csv". opt may be NULL. */
pl_status pl_table_open(const char *path, const pl_column *cols, size_t ncols, const pl_table_options *opt,
                        pl_table **out, pl_error *err);
pl_status pl_table_write(pl_table *t, size_t nrows, const pl_colbuf *cols, pl_error *err);
/* Writing the same rows to two tables, encoded once: from this call on, every row group t closes is also appended,
 * byte for byte, to twin (a Parquet table with the same columns and options), so twin receives the rows written to
 * t; pl_table_mirror(t, NULL, err) stops. Both calls end the open row groups involved, so row groups never mix
 * mirrored rows with others. twin stays open for its own writes between mirrors. Parquet only (PL_EUNSUPPORTED
 * for CSV). */
pl_status pl_table_mirror(pl_table *t, pl_table *twin, pl_error *err);
/* Finishes the file and renames it into place; frees t (also on failure, after removing the temporary). */
pl_status pl_table_close(pl_table *t, pl_error *err);
/* Removes the temporary; frees t. NULL is a no-op. */
void pl_table_abort(pl_table *t);
uint64_t pl_table_rows(const pl_table *t);

#ifdef __cplusplus
}
#endif
#endif

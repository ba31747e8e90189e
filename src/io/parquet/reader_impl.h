/* plateau parquet reader: what the footer parser (reader_meta.c) hands to the page decoder (reader.c). */
#ifndef PL_PQ_READER_IMPL_H
#define PL_PQ_READER_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "plateau/parquet_reader.h"
#include "pq_buf.h"

typedef struct pq_chunk_meta {
    int64_t start, size; /* the chunk's bytes: first page (dictionary or data) and total compressed size */
    int64_t num_values;
    int codec;
    bool has_range; /* integer columns: min/max from the chunk statistics */
    int64_t min, max;
    int64_t null_count; /* -1 when unknown */
} pq_chunk_meta;

typedef struct pq_rcol {
    pl_pq_column_info info;
    int type_length;
    int max_def;     /* 0 required, 1 optional */
    int ts_unit;     /* timestamps: 1 millis, 2 micros, 3 nanos; 0 otherwise */
    const char *why; /* unsupported: the reason, for the error message */
} pq_rcol;

struct pl_pq_reader {
    char path[1024];
    int fd;
    uint64_t file_size;
    pq_rcol *cols;
    size_t ncols;
    uint64_t nrows;
    size_t nrg;
    int64_t *rg_rows;
    pq_chunk_meta *chunks; /* nrg * ncols */
    char **kv;             /* key, value, key, value... (value may be NULL) */
    size_t nkv;
    char *created_by;
};

/* Reads and parses the footer into r (path and fd already set). */
pl_status pq_read_footer(pl_pq_reader *r, pl_error *err);
void pq_reader_free_meta(pl_pq_reader *r);
/* pread of exactly n bytes at off, or a format error naming the file. */
pl_status pq_pread(const pl_pq_reader *r, void *buf, size_t n, uint64_t off, pl_error *err);

#endif

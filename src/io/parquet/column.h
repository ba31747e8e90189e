/* plateau parquet: one column of the writer: the open page, the chunk's dictionary, its statistics and its
 * finished (compressed) pages, buffered until the row group closes.
 *
 * Values arrive in slices of a batch. Each column is in one of three modes for the open chunk: DICT (values go to a
 * hash-table dictionary, the page keeps uint32 indices), PLAIN or BSS (the page keeps PLAIN bytes; BSS splits them
 * into byte streams when the page is flushed). A dictionary that outgrows dict_max_bytes makes the chunk switch to
 * PLAIN from the next page on; an AUTO column whose first page shows the dictionary does not pay switches at once
 * (its page is re-expanded) and stays without a dictionary for the rest of the file: PLAIN, or BYTE_STREAM_SPLIT for
 * FLOAT/DOUBLE when a codec compresses the pages (see docs/parquet.md for the measurements behind that choice). */
#ifndef PL_PQ_COLUMN_H
#define PL_PQ_COLUMN_H

#include <stdbool.h>
#include <stdint.h>

#include "codec.h"
#include "plateau/table.h"
#include "pq_buf.h"

enum { PQ_MODE_PLAIN, PQ_MODE_DICT, PQ_MODE_BSS };

typedef union pq_scalar {
    int32_t i32;
    int64_t i64;
    float f;
    double d;
    uint8_t b;
} pq_scalar;

typedef struct pq_col {
    pl_column def; /* name points into name[] */
    char *name;
    int ptype; /* parquet physical type */
    int width; /* bytes per PLAIN value (1 for booleans, which are bit-packed at flush); 0 for strings */
    int mode;
    bool dict_given_up; /* AUTO: the dictionary did not pay; stay PLAIN (or BSS) */
    int plain_mode;     /* AUTO's mode without a dictionary: BSS for floating point when compressing */
    bool auto_decided;  /* AUTO: the trial compression has chosen (dictionary kept or given up) */

    /* the open page */
    size_t page_n, page_nonnull, page_cap;
    uint8_t *levels; /* definition levels (nullable columns), page_cap entries */
    uint32_t *idx;   /* dictionary indices, page_cap entries */
    pq_buf vals;     /* PLAIN bytes of the page's non-null values */
    pq_buf raw;      /* the assembled uncompressed page */
    pq_buf hdr;      /* a page header */

    /* the chunk's dictionary: PLAIN-encoded values, a hash table of entry+1, entry offsets for strings */
    pq_buf dict;
    uint32_t dict_n;
    uint32_t *slots;
    size_t nslots;     /* power of two, 0 before first use */
    uint32_t *doff;    /* strings: offset of each entry's length prefix in dict.data */
    uint32_t *dhash;   /* strings: each entry's hash */
    size_t dcap;       /* entries doff/dhash can hold */
    uint64_t last_key; /* fixed-width: the previous value and its index (runs are common) */
    uint32_t last_idx;
    bool has_last;
    bool dict_pages; /* a page of this chunk used the dictionary */
    bool dict_full;  /* the dictionary hit dict_max_bytes: flush and switch to PLAIN */

    /* the chunk */
    pq_buf pages;           /* finished data pages: header + compressed body */
    int64_t chunk_values;   /* values including nulls */
    int64_t chunk_uncomp;   /* uncompressed bytes of the data pages including headers */
    uint32_t enc_mask;      /* 1 << encoding, for the data pages */
    uint32_t enc_pages[10]; /* data pages per encoding (PageEncodingStats) */

    /* statistics of the chunk */
    int64_t nulls;
    bool has_minmax;
    pq_scalar mn, mx;
    pq_buf smin, smax;  /* strings */
    bool str_stats_off; /* a string too long to keep as a bound */
} pq_col;

typedef struct pq_col_cfg {
    size_t page_bytes, dict_max_bytes;
    pq_codec_ctx *codec;
} pq_col_cfg;

pl_status pq_col_init(pq_col *c, const pl_column *def, const pq_col_cfg *cfg, pl_error *err);
void pq_col_free(pq_col *c);
/* Appends rows [off, off+n) of the batch column. Flushes pages as they fill. */
pl_status pq_col_append(pq_col *c, const pq_col_cfg *cfg, const pl_colbuf *b, size_t off, size_t n, pl_error *err);
/* Closes the open page (if any) into c->pages. */
pl_status pq_col_flush_page(pq_col *c, const pq_col_cfg *cfg, pl_error *err);
/* Bytes the column holds for the open row group (pages, dictionary, open page). */
size_t pq_col_buffered(const pq_col *c);
/* Builds the dictionary page (header + compressed body) into out; empty when the chunk used no dictionary. */
pl_status pq_col_dict_page(pq_col *c, const pq_col_cfg *cfg, pq_buf *out, int64_t *uncomp, pl_error *err);
/* Forgets the chunk (pages, dictionary, statistics) after it was written. */
void pq_col_reset_chunk(pq_col *c);
/* Statistics bounds as PLAIN bytes (the spec's -0/+0 rule applied); false when there are none. */
bool pq_col_stats_bounds(const pq_col *c, uint8_t *mn, size_t *mn_len, uint8_t *mx, size_t *mx_len, const uint8_t **smn,
                         const uint8_t **smx);

#endif

/* plateau parquet: page compression (zstd, snappy, none) with one reusable context and output buffer. */
#ifndef PL_PQ_CODEC_H
#define PL_PQ_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "plateau/table.h"
#include "pq_buf.h"

typedef struct pq_codec_ctx {
    pl_codec codec;
    int level;
    void *zc;          /* ZSTD_CCtx */
    size_t zc_charged; /* bytes charged to the budget for the context */
    pq_buf out;        /* compressed bytes of the last page */
} pq_codec_ctx;

pl_status pq_codec_init(pq_codec_ctx *c, pl_codec codec, int level, pl_error *err);
void pq_codec_free(pq_codec_ctx *c);
/* The parquet.thrift CompressionCodec number. */
int pq_codec_id(pl_codec codec);
/* Compresses src into c->out (replacing its contents). With PL_CODEC_NONE, out holds a copy. */
pl_status pq_compress(pq_codec_ctx *c, const uint8_t *src, size_t n, pl_error *err);

#endif

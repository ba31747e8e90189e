#include "codec.h"

#include <snappy-c.h>
#include <zstd.h>

#include "plateau/mem.h"
#include "pq_format.h"

#define PQ_ZSTD_DEFAULT_LEVEL 3

pl_status pq_codec_init(pq_codec_ctx *c, pl_codec codec, int level, pl_error *err)
{
    memset(c, 0, sizeof *c);
    c->codec = codec;
    pq_buf_init(&c->out, "parquet compressed page");
    if (codec != PL_CODEC_ZSTD)
        return PL_OK;
    c->level = level ? level : PQ_ZSTD_DEFAULT_LEVEL;
    if (c->level < ZSTD_minCLevel() || c->level > ZSTD_maxCLevel())
        return pl_error_set(err, PL_EARG, NULL, "zstd level %d is outside %d..%d", level, ZSTD_minCLevel(),
                            ZSTD_maxCLevel());
    c->zc = ZSTD_createCCtx();
    if (!c->zc) {
        pq_codec_free(c);
        return pl_error_set(err, PL_ENOMEM, NULL, "cannot create a zstd context");
    }
    ZSTD_CCtx_setParameter(c->zc, ZSTD_c_compressionLevel, c->level);
    return PL_OK;
}

void pq_codec_free(pq_codec_ctx *c)
{
    if (c->zc)
        ZSTD_freeCCtx(c->zc);
    c->zc = NULL;
    if (c->zc_charged)
        pl_mem_release(c->zc_charged);
    c->zc_charged = 0;
    pq_buf_free(&c->out);
}

int pq_codec_id(pl_codec codec)
{
    switch (codec) {
    case PL_CODEC_ZSTD: return PQC_ZSTD;
    case PL_CODEC_SNAPPY: return PQC_SNAPPY;
    default: return PQC_UNCOMPRESSED;
    }
}

pl_status pq_compress(pq_codec_ctx *c, const uint8_t *src, size_t n, pl_error *err)
{
    c->out.len = 0;
    size_t bound = c->codec == PL_CODEC_ZSTD     ? ZSTD_compressBound(n)
                   : c->codec == PL_CODEC_SNAPPY ? snappy_max_compressed_length(n)
                                                 : n;
    if (!pq_buf_reserve(&c->out, bound))
        return pq_buf_status(&c->out, err);
    if (c->codec == PL_CODEC_ZSTD) {
        size_t r = ZSTD_compress2(c->zc, c->out.data, c->out.cap, src, n);
        if (ZSTD_isError(r))
            return pl_error_set(err, PL_EINTERNAL, NULL, "zstd compression failed: %s", ZSTD_getErrorName(r));
        c->out.len = r;
        /* the context's tables depend on the level and the page size: charge what it holds once it has grown */
        size_t held = ZSTD_sizeof_CCtx(c->zc);
        if (held > c->zc_charged) {
            if (pl_mem_charge(held - c->zc_charged, "zstd compression context", err) != PL_OK)
                return err ? err->code : PL_EBUDGET;
            c->zc_charged = held;
        }
    } else if (c->codec == PL_CODEC_SNAPPY) {
        size_t len = c->out.cap;
        if (snappy_compress((const char *)src, n, (char *)c->out.data, &len) != SNAPPY_OK)
            return pl_error_set(err, PL_EINTERNAL, NULL, "snappy compression failed");
        c->out.len = len;
    } else {
        pq_buf_put(&c->out, src, n);
    }
    return PL_OK;
}

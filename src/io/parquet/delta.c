#include "delta.h"

#include <string.h>

#include "plateau/mem.h"

static int uvar(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (*p >= end)
            return 0;
        uint8_t c = *(*p)++;
        *v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            return 1;
    }
    return 0;
}

/* Reads bit-packed value k (width w <= 64) from a run that has been bounds-checked. */
static uint64_t unpack(const uint8_t *base, size_t k, int w)
{
    if (w == 0)
        return 0;
    uint64_t bit = (uint64_t)k * (uint64_t)w;
    const uint8_t *q = base + (bit >> 3);
    unsigned shift = (unsigned)(bit & 7);
    int need = (int)((shift + (unsigned)w + 7) / 8);
    uint64_t lo = 0;
    for (int i = 0; i < need && i < 8; i++)
        lo |= (uint64_t)q[i] << (8 * i);
    uint64_t v = lo >> shift;
    if (need == 9)
        v |= (uint64_t)q[8] << (64 - shift);
    return w == 64 ? v : v & ((UINT64_C(1) << w) - 1);
}

int pq_delta_binary_decode(const uint8_t *p, size_t n, size_t count, bool is32, pq_buf *out, size_t *used)
{
    const uint8_t *start = p, *end = p + n;
    uint64_t block, nmini, total, zz;
    if (!uvar(&p, end, &block) || !uvar(&p, end, &nmini) || !uvar(&p, end, &total) || !uvar(&p, end, &zz))
        return 0;
    if (block == 0 || block % 128 || block > (1u << 20) || nmini == 0 || block % nmini || (block / nmini) % 32 ||
        total < count)
        return 0;
    uint64_t per_mini = block / nmini;
    uint64_t cur = (zz >> 1) ^ -(zz & 1);
    size_t w = is32 ? 4 : 8;
    if (!pq_buf_reserve(out, count * w))
        return 0;
    uint8_t *o = out->data + out->len;
    size_t got = 0;
#define EMIT(v)                                                                                                        \
    do {                                                                                                               \
        if (is32) {                                                                                                    \
            int32_t x = (int32_t)(uint32_t)(v);                                                                        \
            memcpy(o + got * 4, &x, 4);                                                                                \
        } else {                                                                                                       \
            memcpy(o + got * 8, &(v), 8);                                                                              \
        }                                                                                                              \
        got++;                                                                                                         \
    } while (0)
    if (count > 0)
        EMIT(cur);
    /* blocks follow until every value of the page (total) is accounted for; we stop at count */
    uint64_t remaining = total > 0 ? total - 1 : 0;
    while (remaining > 0) {
        uint64_t mz;
        if (!uvar(&p, end, &mz))
            return 0;
        uint64_t min_delta = (mz >> 1) ^ -(mz & 1);
        if ((uint64_t)(end - p) < nmini)
            return 0;
        const uint8_t *widths = p;
        p += nmini;
        for (uint64_t m = 0; m < nmini && remaining > 0; m++) {
            int bw = widths[m];
            if (bw > 64)
                return 0;
            uint64_t bytes = per_mini * (uint64_t)bw / 8;
            uint64_t take = remaining < per_mini ? remaining : per_mini;
            /* the last miniblock may be cut short of its padding; only the values present must be there */
            uint64_t need = (take * (uint64_t)bw + 7) / 8;
            if ((uint64_t)(end - p) < need)
                return 0;
            for (uint64_t k = 0; k < take; k++) {
                uint64_t d = unpack(p, (size_t)k, bw);
                cur = cur + min_delta + d;
                if (got < count)
                    EMIT(cur);
            }
            p += (uint64_t)(end - p) < bytes ? (uint64_t)(end - p) : bytes;
            remaining -= take;
        }
    }
#undef EMIT
    if (got < count)
        return 0;
    out->len += count * w;
    *used = (size_t)(p - start);
    return 1;
}

int pq_delta_length_decode(const uint8_t *p, size_t n, size_t count, pq_buf *out)
{
    pq_buf lens;
    pq_buf_init(&lens, "parquet delta lengths");
    size_t used;
    int ok = pq_delta_binary_decode(p, n, count, true, &lens, &used);
    if (ok) {
        const uint8_t *s = p + used;
        size_t left = n - used;
        for (size_t i = 0; i < count && ok; i++) {
            int32_t len;
            memcpy(&len, lens.data + i * 4, 4);
            if (len < 0 || (size_t)len > left) {
                ok = 0;
                break;
            }
            pq_buf_u32le(out, (uint32_t)len);
            pq_buf_put(out, s, (size_t)len);
            s += len;
            left -= (size_t)len;
        }
    }
    pq_buf_free(&lens);
    return ok && out->status == PL_OK;
}

int pq_delta_byte_array_decode(const uint8_t *p, size_t n, size_t count, pq_buf *out)
{
    pq_buf pre, suf;
    pq_buf_init(&pre, "parquet delta prefixes");
    pq_buf_init(&suf, "parquet delta suffixes");
    size_t used;
    int ok = pq_delta_binary_decode(p, n, count, true, &pre, &used) &&
             pq_delta_length_decode(p + used, n - used, count, &suf);
    size_t prev = 0, prev_len = 0, sp = 0;
    for (size_t i = 0; i < count && ok; i++) {
        int32_t plen;
        uint32_t slen;
        memcpy(&plen, pre.data + i * 4, 4);
        memcpy(&slen, suf.data + sp, 4);
        if (plen < 0 || (size_t)plen > prev_len) {
            ok = 0;
            break;
        }
        size_t at = out->len;
        pq_buf_u32le(out, (uint32_t)plen + slen);
        if (!pq_buf_reserve(out, (size_t)plen + slen)) {
            ok = 0;
            break;
        }
        memcpy(out->data + out->len, out->data + prev + 4, (size_t)plen); /* the previous value's prefix */
        out->len += (size_t)plen;
        pq_buf_put(out, suf.data + sp + 4, slen);
        sp += 4 + slen;
        prev = at;
        prev_len = (size_t)plen + slen;
    }
    pq_buf_free(&pre);
    pq_buf_free(&suf);
    return ok && out->status == PL_OK;
}

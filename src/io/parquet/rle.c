#include "rle.h"

#include "runs.h"

int pq_bit_width(uint32_t max)
{
    int bw = 1;
    while (bw < 32 && (max >> bw))
        bw++;
    return bw;
}

static void put_rle(pq_buf *out, size_t count, uint32_t value, int bw)
{
    pq_buf_uvarint(out, (uint64_t)count << 1);
    for (int k = 0; k < (bw + 7) / 8; k++)
        pq_buf_byte(out, (uint8_t)(value >> (8 * k)));
}

/* The bit-packed run shared by both element types: values are widened to uint32 one group at a time. */
#define DEFINE_RLE_ENCODER(NAME, T)                                                                                    \
    static void NAME##_literal(pq_buf *out, const T *v, size_t cnt, int bw)                                            \
    {                                                                                                                  \
        size_t groups = (cnt + 7) / 8;                                                                                 \
        pq_buf_uvarint(out, (uint64_t)groups << 1 | 1);                                                                \
        if (!pq_buf_reserve(out, groups * (size_t)bw))                                                                 \
            return;                                                                                                    \
        uint8_t *o = out->data + out->len;                                                                             \
        uint64_t acc = 0;                                                                                              \
        int nbits = 0;                                                                                                 \
        for (size_t i = 0; i < groups * 8; i++) {                                                                      \
            acc |= (uint64_t)(i < cnt ? (uint32_t)v[i] : 0u) << nbits;                                                 \
            nbits += bw;                                                                                               \
            while (nbits >= 8) {                                                                                       \
                *o++ = (uint8_t)acc;                                                                                   \
                acc >>= 8;                                                                                             \
                nbits -= 8;                                                                                            \
            }                                                                                                          \
        }                                                                                                              \
        out->len += groups * (size_t)bw;                                                                               \
    }                                                                                                                  \
    void NAME(pq_buf *out, const T *v, size_t n, int bw)                                                               \
    {                                                                                                                  \
        size_t i = 0, lit = 0;                                                                                         \
        while (i < n) {                                                                                                \
            size_t j = i + 1;                                                                                          \
            if (sizeof(T) == 4)                                                                                        \
                j += pq_run_from((const uint8_t *)v, i + 1, n, 4);                                                     \
            else                                                                                                       \
                while (j < n && v[j] == v[i])                                                                          \
                    j++;                                                                                               \
            size_t run = j - i;                                                                                        \
            if (run >= 8) {                                                                                            \
                size_t pend = (i - lit) % 8;                                                                           \
                if (pend) {                                                                                            \
                    size_t take = 8 - pend;                                                                            \
                    if (run - take < 8) {                                                                              \
                        i = j;                                                                                         \
                        continue;                                                                                      \
                    }                                                                                                  \
                    i += take;                                                                                         \
                    run -= take;                                                                                       \
                }                                                                                                      \
                if (i > lit)                                                                                           \
                    NAME##_literal(out, v + lit, i - lit, bw);                                                         \
                put_rle(out, run, (uint32_t)v[i], bw);                                                                 \
                lit = j;                                                                                               \
            }                                                                                                          \
            i = j;                                                                                                     \
        }                                                                                                              \
        if (n > lit)                                                                                                   \
            NAME##_literal(out, v + lit, n - lit, bw);                                                                 \
    }

DEFINE_RLE_ENCODER(pq_rle_encode_u32, uint32_t)
DEFINE_RLE_ENCODER(pq_rle_encode_u8, uint8_t)

void pq_rle_dec_init(pq_rle_dec *d, const uint8_t *p, size_t n, int bw)
{
    d->p = p;
    d->end = p + n;
    d->bw = bw;
    d->run_left = 0;
    d->is_rle = 0;
    d->value = 0;
    d->bits = NULL;
    d->bitpos = 0;
}

static int read_uvarint(pq_rle_dec *d, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (d->p >= d->end)
            return 0;
        uint8_t c = *d->p++;
        *v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            return 1;
    }
    return 0;
}

/* Starts the next run; 0 at the end of the data or on a malformed header. */
static int next_run(pq_rle_dec *d)
{
    uint64_t h;
    if (!read_uvarint(d, &h))
        return 0;
    if (h & 1) {
        uint64_t groups = h >> 1;
        uint64_t bytes = groups * (uint64_t)d->bw;
        if (groups == 0 || groups > (1u << 28) || bytes > (uint64_t)(d->end - d->p))
            return 0; /* a truncated last run: only the values actually present may be read */
        d->is_rle = 0;
        d->bits = d->p;
        d->bitpos = 0;
        d->run_left = (uint32_t)(groups * 8);
        d->p += bytes;
    } else {
        uint64_t count = h >> 1;
        int nb = (d->bw + 7) / 8;
        if (count == 0 || count > UINT32_MAX || (d->end - d->p) < nb)
            return 0;
        uint32_t v = 0;
        for (int k = 0; k < nb; k++)
            v |= (uint32_t)d->p[k] << (8 * k);
        d->p += nb;
        if (d->bw < 32 && (v >> d->bw))
            return 0;
        d->is_rle = 1;
        d->value = v;
        d->run_left = (uint32_t)count;
    }
    return 1;
}

int pq_rle_dec_u32(pq_rle_dec *d, uint32_t *out, size_t n)
{
    uint32_t mask = d->bw >= 32 ? 0xffffffffu : ((1u << d->bw) - 1);
    while (n) {
        if (d->run_left == 0 && !next_run(d))
            return 0;
        size_t take = n < d->run_left ? n : d->run_left;
        if (d->is_rle) {
            for (size_t i = 0; i < take; i++)
                out[i] = d->value;
        } else {
            for (size_t i = 0; i < take; i++) {
                uint64_t bit = d->bitpos;
                const uint8_t *q = d->bits + (bit >> 3);
                /* the run's bytes were bounds-checked; read at most ceil((bw + 7) / 8) + 1 bytes inside it */
                uint64_t acc = 0;
                int need = (int)((bit & 7) + (uint64_t)d->bw + 7) / 8;
                for (int k = 0; k < need; k++)
                    acc |= (uint64_t)q[k] << (8 * k);
                out[i] = (uint32_t)(acc >> (bit & 7)) & mask;
                d->bitpos += (uint64_t)d->bw;
            }
        }
        d->run_left -= (uint32_t)take;
        out += take;
        n -= take;
    }
    return 1;
}

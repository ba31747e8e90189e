/* plateau parquet: a growable byte buffer charged to the memory budget.
 *
 * Appends never fail loudly: the first failed growth records the error in the buffer (sticky), later appends are
 * ignored, and the owner checks pq_buf_status() once at a convenient point. This keeps encoders free of error
 * plumbing on every byte. */
#ifndef PL_PQ_BUF_H
#define PL_PQ_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "plateau/error.h"

typedef struct pq_buf {
    uint8_t *data;
    size_t len, cap;
    const char *what; /* names the buffer in a budget error */
    pl_status status; /* first growth failure, sticky */
    pl_error *err;    /* its message, allocated only when something failed: a writer has 9 buffers per column, and
                         an embedded pl_error each made a 5,000-column table cost 60 MB before a row was written */
} pq_buf;

void pq_buf_init(pq_buf *b, const char *what);
void pq_buf_free(pq_buf *b);
/* Grows capacity to at least len + extra; returns 0 on failure (recorded in b). */
int pq_buf_reserve(pq_buf *b, size_t extra);
/* Records the first failure (later ones are ignored). */
void pq_buf_fail(pq_buf *b, const pl_error *e);
/* Copies the sticky error into err and returns its code (PL_OK when none). */
pl_status pq_buf_status(const pq_buf *b, pl_error *err);

static inline void pq_buf_put(pq_buf *b, const void *p, size_t n)
{
    if (b->cap - b->len < n && !pq_buf_reserve(b, n))
        return;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
}

static inline void pq_buf_byte(pq_buf *b, uint8_t v)
{
    if (b->cap == b->len && !pq_buf_reserve(b, 1))
        return;
    b->data[b->len++] = v;
}

static inline void pq_buf_u32le(pq_buf *b, uint32_t v)
{
    uint8_t t[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    pq_buf_put(b, t, 4);
}

static inline void pq_buf_uvarint(pq_buf *b, uint64_t v)
{
    uint8_t t[10];
    size_t n = 0;
    while (v >= 0x80) {
        t[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    t[n++] = (uint8_t)v;
    pq_buf_put(b, t, n);
}

#endif

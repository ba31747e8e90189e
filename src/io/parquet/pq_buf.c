#include "pq_buf.h"

#include "plateau/mem.h"

void pq_buf_init(pq_buf *b, const char *what)
{
    memset(b, 0, sizeof *b);
    b->what = what;
}

void pq_buf_free(pq_buf *b)
{
    pl_free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

int pq_buf_reserve(pq_buf *b, size_t extra)
{
    if (b->status != PL_OK)
        return 0;
    if (b->cap - b->len >= extra)
        return 1;
    if (extra > SIZE_MAX / 2 - b->len) {
        b->status = pl_error_set(&b->err, PL_ENOMEM, NULL, "%s would exceed the address space", b->what);
        return 0;
    }
    size_t want = b->len + extra;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < want)
        cap += cap / 2 + 64;
    uint8_t *p = pl_realloc(b->data, cap, b->what, &b->err);
    if (!p) {
        b->status = b->err.code;
        return 0;
    }
    b->data = p;
    b->cap = cap;
    return 1;
}

pl_status pq_buf_status(const pq_buf *b, pl_error *err)
{
    if (b->status == PL_OK)
        return PL_OK;
    if (err)
        *err = b->err;
    return b->status;
}

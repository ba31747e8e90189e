#include "pq_buf.h"

#include <stdlib.h>

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
    free(b->err);
    b->err = NULL;
}

/* The message is kept with plain malloc: it is a small record of a failure (often of the budget itself), not data;
 * if even that fails, pq_buf_status still reports the code with a generic message. */
void pq_buf_fail(pq_buf *b, const pl_error *e)
{
    if (b->status != PL_OK)
        return;
    b->status = e->code != PL_OK ? e->code : PL_EINTERNAL;
    b->err = malloc(sizeof *b->err);
    if (b->err)
        *b->err = *e;
}

int pq_buf_reserve(pq_buf *b, size_t extra)
{
    if (b->status != PL_OK)
        return 0;
    if (b->cap - b->len >= extra)
        return 1;
    pl_error e;
    if (extra > SIZE_MAX / 2 - b->len) {
        pl_error_set(&e, PL_ENOMEM, NULL, "%s would exceed the address space", b->what);
        pq_buf_fail(b, &e);
        return 0;
    }
    size_t want = b->len + extra;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < want)
        cap += cap / 2 + 64;
    uint8_t *p = pl_realloc(b->data, cap, b->what, &e);
    if (!p) {
        pq_buf_fail(b, &e);
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
    if (err) {
        if (b->err)
            *err = *b->err;
        else
            pl_error_set(err, b->status, NULL, "out of memory in %s", b->what ? b->what : "a Parquet buffer");
    }
    return b->status;
}

/* BIFF8 records read one at a time from the Workbook stream, and the number encodings cells use. */
#include "io/xls/biff.h"

#include <string.h>

#include "plateau/mem.h"

pl_status pl_biff_init(pl_biff *b, pl_cfb_stream *st, const char *path, pl_error *err)
{
    memset(b, 0, sizeof *b);
    b->path = path;
    b->st = st;
    b->buf = pl_alloc(BIFF_MAX_RECORD + 1, "BIFF record buffer", err);
    b->data = b->buf;
    if (!b->buf) {
        pl_error_locate(err, path);
        return err ? err->code : PL_ENOMEM;
    }
    return PL_OK;
}

void pl_biff_free(pl_biff *b)
{
    pl_free(b->buf);
    b->buf = NULL;
    b->data = NULL;
}

pl_status pl_biff_next(pl_biff *b, pl_error *err)
{
    if (b->pushed_back) {
        b->pushed_back = false;
        return PL_OK;
    }
    unsigned char hbuf[4];
    size_t got = 4;
    b->offset = pl_cfb_stream_tell(b->st);
    const unsigned char *h = pl_cfb_stream_take(b->st, 4);
    if (!h) {
        pl_status st = pl_cfb_stream_read(b->st, hbuf, 4, &got, err);
        if (st != PL_OK)
            return st;
        h = hbuf;
    }
    if (got < 4) /* the end, or a few bytes of padding */
        return PL_DONE;
    b->type = pl_le16(h);
    b->len = pl_le16(h + 2);
    b->data = pl_cfb_stream_take(b->st, b->len);
    if (b->data)
        return PL_OK;
    b->data = b->buf;
    pl_status st = pl_cfb_stream_read(b->st, b->buf, b->len, &got, err);
    if (st != PL_OK)
        return st;
    if (got < b->len)
        return pl_error_set(
            err, PL_EFORMAT, b->path,
            "corrupt workbook: record 0x%04X at offset %llu claims %u bytes but the stream ends after %zu", b->type,
            (unsigned long long)b->offset, b->len, got);
    return PL_OK;
}

void pl_biff_push_back(pl_biff *b)
{
    b->pushed_back = true;
}

pl_status pl_biff_seek(pl_biff *b, uint64_t offset, pl_error *err)
{
    b->pushed_back = false;
    return pl_cfb_stream_seek(b->st, offset, err);
}

double pl_le_double(const unsigned char *p)
{
    uint64_t u = (uint64_t)pl_le32(p) | (uint64_t)pl_le32(p + 4) << 32;
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

double pl_biff_rk(uint32_t rk)
{
    double v;
    if (rk & 2) {
        v = (double)((int32_t)rk >> 2);
    } else {
        uint64_t u = (uint64_t)(rk & 0xFFFFFFFCu) << 32;
        memcpy(&v, &u, sizeof v);
    }
    return (rk & 1) ? v / 100.0 : v;
}

const char *pl_biff_error_text(uint8_t code)
{
    switch (code) {
    case 0x00: return "#NULL!";
    case 0x07: return "#DIV/0!";
    case 0x0F: return "#VALUE!";
    case 0x17: return "#REF!";
    case 0x1D: return "#NAME?";
    case 0x24: return "#NUM!";
    case 0x2A: return "#N/A";
    case 0x2B: return "#GETTING_DATA";
    default: return "#ERR";
    }
}

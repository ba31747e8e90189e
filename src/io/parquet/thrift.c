#include "thrift.h"

#include <string.h>

uint64_t pq_zigzag64(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}
int64_t pq_unzigzag64(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

void tw_init(tw *w, pq_buf *b)
{
    memset(w, 0, sizeof *w);
    w->b = b;
}

void tw_field(tw *w, int16_t id, uint8_t type)
{
    int16_t delta = (int16_t)(id - w->last[w->depth]);
    if (delta > 0 && delta <= 15) {
        pq_buf_byte(w->b, (uint8_t)(delta << 4 | type));
    } else {
        pq_buf_byte(w->b, type);
        pq_buf_uvarint(w->b, pq_zigzag64(id));
    }
    w->last[w->depth] = id;
}

void tw_i32(tw *w, int16_t id, int32_t v)
{
    tw_field(w, id, TT_I32);
    pq_buf_uvarint(w->b, pq_zigzag64(v));
}

void tw_i64(tw *w, int16_t id, int64_t v)
{
    tw_field(w, id, TT_I64);
    pq_buf_uvarint(w->b, pq_zigzag64(v));
}

void tw_bool(tw *w, int16_t id, bool v)
{
    tw_field(w, id, v ? TT_TRUE : TT_FALSE);
}

void tw_binary(tw *w, int16_t id, const void *p, size_t n)
{
    tw_field(w, id, TT_BINARY);
    tw_elem_binary(w, p, n);
}

void tw_string(tw *w, int16_t id, const char *s)
{
    tw_binary(w, id, s, strlen(s));
}

void tw_elem_struct_begin(tw *w)
{
    if (w->depth + 1 >= TW_MAX_DEPTH) {
        pl_error e;
        pl_error_set(&e, PL_EINTERNAL, NULL, "thrift structs nested too deeply");
        pq_buf_fail(w->b, &e);
        return;
    }
    w->last[++w->depth] = 0;
}

void tw_struct_begin(tw *w, int16_t id)
{
    tw_field(w, id, TT_STRUCT);
    tw_elem_struct_begin(w);
}

void tw_struct_end(tw *w)
{
    pq_buf_byte(w->b, TT_STOP);
    if (w->depth > 0)
        w->depth--;
}

void tw_list_begin(tw *w, int16_t id, uint8_t elem_type, uint32_t n)
{
    tw_field(w, id, TT_LIST);
    if (n < 15) {
        pq_buf_byte(w->b, (uint8_t)(n << 4 | elem_type));
    } else {
        pq_buf_byte(w->b, (uint8_t)(0xF0 | elem_type));
        pq_buf_uvarint(w->b, n);
    }
}

void tw_elem_i32(tw *w, int32_t v)
{
    pq_buf_uvarint(w->b, pq_zigzag64(v));
}

void tw_elem_binary(tw *w, const void *p, size_t n)
{
    pq_buf_uvarint(w->b, n);
    pq_buf_put(w->b, p, n);
}

/* ---- reader ---- */

void tr_init(tr *r, const void *data, size_t n)
{
    memset(r, 0, sizeof *r);
    r->p = data;
    r->end = r->p + n;
}

uint64_t tr_uvarint(tr *r)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end) {
            r->bad = true;
            return 0;
        }
        uint8_t c = *r->p++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            return v;
    }
    r->bad = true;
    return 0;
}

uint8_t tr_field(tr *r, int16_t *id)
{
    if (r->bad || r->p >= r->end) {
        r->bad = true;
        return TT_STOP;
    }
    uint8_t c = *r->p++;
    uint8_t type = c & 0x0f;
    if (type == TT_STOP)
        return TT_STOP;
    int delta = c >> 4;
    int16_t fid = delta ? (int16_t)(r->last[r->depth] + delta) : (int16_t)pq_unzigzag64(tr_uvarint(r));
    r->last[r->depth] = fid;
    *id = fid;
    return type;
}

int64_t tr_int(tr *r)
{
    return pq_unzigzag64(tr_uvarint(r));
}

const uint8_t *tr_binary(tr *r, uint32_t *n)
{
    uint64_t len = tr_uvarint(r);
    if (r->bad || len > (uint64_t)(r->end - r->p)) {
        r->bad = true;
        *n = 0;
        return NULL;
    }
    const uint8_t *s = r->p;
    r->p += len;
    *n = (uint32_t)len;
    return s;
}

void tr_struct_begin(tr *r)
{
    if (r->depth + 1 >= TW_MAX_DEPTH) {
        r->bad = true;
        return;
    }
    r->last[++r->depth] = 0;
}

void tr_struct_end(tr *r)
{
    if (r->depth > 0)
        r->depth--;
}

uint32_t tr_list(tr *r, uint8_t *elem_type)
{
    if (r->bad || r->p >= r->end) {
        r->bad = true;
        *elem_type = 0;
        return 0;
    }
    uint8_t c = *r->p++;
    *elem_type = c & 0x0f;
    uint64_t n = c >> 4;
    if (n == 15)
        n = tr_uvarint(r);
    /* every element takes at least one byte, except bools packed in lists (also one byte each) */
    if (n > (uint64_t)(r->end - r->p)) {
        r->bad = true;
        return 0;
    }
    return (uint32_t)n;
}

void tr_skip(tr *r, uint8_t type)
{
    if (r->bad)
        return;
    switch (type) {
    case TT_TRUE:
    case TT_FALSE: break;
    case TT_BYTE:
        if (r->p >= r->end)
            r->bad = true;
        else
            r->p++;
        break;
    case TT_I16:
    case TT_I32:
    case TT_I64: tr_uvarint(r); break;
    case TT_DOUBLE:
        if (r->end - r->p < 8)
            r->bad = true;
        else
            r->p += 8;
        break;
    case TT_BINARY: {
        uint32_t n;
        tr_binary(r, &n);
        break;
    }
    case TT_LIST:
    case TT_SET: {
        uint8_t et;
        uint32_t n = tr_list(r, &et);
        for (uint32_t i = 0; i < n && !r->bad; i++) {
            if (et == TT_TRUE || et == TT_FALSE)
                tr_skip(r, TT_BYTE); /* bools in lists take one byte */
            else
                tr_skip(r, et);
        }
        break;
    }
    case TT_MAP: {
        uint64_t n = tr_uvarint(r);
        if (n == 0)
            break;
        if (r->p >= r->end || n > (uint64_t)(r->end - r->p)) {
            r->bad = true;
            break;
        }
        uint8_t kv = *r->p++;
        for (uint64_t i = 0; i < n && !r->bad; i++) {
            tr_skip(r, kv >> 4);
            tr_skip(r, kv & 0x0f);
        }
        break;
    }
    case TT_STRUCT: {
        tr_struct_begin(r);
        int16_t id;
        uint8_t t;
        while (!r->bad && (t = tr_field(r, &id)) != TT_STOP)
            tr_skip(r, t);
        tr_struct_end(r);
        break;
    }
    default: r->bad = true;
    }
}

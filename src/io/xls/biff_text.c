/* BIFF8 strings to UTF-8 (compressed Latin-1 or UTF-16LE, split across CONTINUE records) and date format codes. */
#include <string.h>

#include "io/xls/biff.h"
#include "plateau/mem.h"
#include "plateau/utf8.h"

pl_status pl_bytes_reserve(pl_bytes *b, size_t extra, pl_error *err)
{
    if (b->len + extra <= b->cap)
        return PL_OK;
    if (b->limit && b->len + extra > b->limit)
        return pl_error_set(err, PL_ELIMIT, NULL, "%s exceed %zu MiB", b->what, b->limit >> 20);
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra)
        cap *= 2;
    if (b->limit && cap > b->limit)
        cap = b->limit;
    char *p = pl_realloc(b->p, cap, b->what, err);
    if (!p)
        return err ? err->code : PL_ENOMEM;
    b->p = p;
    b->cap = cap;
    return PL_OK;
}

void pl_bytes_free(pl_bytes *b)
{
    pl_free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

void pl_biff_flush_surrogate(pl_bytes *out, uint16_t *pending_hi)
{
    /* callers reserve room for it: every append leaves 4 spare bytes */
    if (*pending_hi)
        out->len += pl_utf8_put(out->p + out->len, 0xFFFD);
    *pending_hi = 0;
}

/* Compressed characters are UTF-16 code units with the high byte dropped (MS-XLS 2.5.293): U+0000..U+00FF. */
pl_status pl_biff_append_chars(pl_bytes *out, const unsigned char *p, size_t n, bool utf16, uint16_t *pending_hi,
                               pl_error *err)
{
    pl_status st = pl_bytes_reserve(out, n * (utf16 ? 3 : 2) + 8, err);
    if (st != PL_OK)
        return st;
    char *o = out->p + out->len;
    if (!utf16) {
        if (*pending_hi) {
            o += pl_utf8_put(o, 0xFFFD);
            *pending_hi = 0;
        }
        for (size_t i = 0; i < n; i++) {
            unsigned char c = p[i];
            if (c < 0x80) {
                *o++ = (char)c;
            } else {
                *o++ = (char)(0xC0 | c >> 6);
                *o++ = (char)(0x80 | (c & 0x3F));
            }
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            uint16_t u = pl_le16(p + 2 * i);
            if (*pending_hi) {
                if (u >= 0xDC00 && u <= 0xDFFF) {
                    o += pl_utf8_put(o, 0x10000 + (((uint32_t)*pending_hi - 0xD800) << 10) + (u - 0xDC00));
                    *pending_hi = 0;
                    continue;
                }
                o += pl_utf8_put(o, 0xFFFD);
                *pending_hi = 0;
            }
            if (u >= 0xD800 && u <= 0xDBFF)
                *pending_hi = u;
            else
                o += pl_utf8_put(o, u >= 0xDC00 && u <= 0xDFFF ? 0xFFFD : u);
        }
    }
    out->len = (size_t)(o - out->p);
    return PL_OK;
}

/* Moves to the next record, which must be a CONTINUE; anything else ends the data (it is pushed back). */
static pl_status cont_advance(pl_biff_cont *c, pl_error *err)
{
    pl_status st = pl_biff_next(c->b, err);
    if (st != PL_OK)
        return st;
    if (c->b->type != BIFF_CONTINUE) {
        pl_biff_push_back(c->b);
        return PL_DONE;
    }
    c->pos = 0;
    return PL_OK;
}

pl_status pl_biff_cont_bytes(pl_biff_cont *c, void *dst, size_t n, pl_error *err)
{
    while (n > 0) {
        if (c->pos >= c->b->len) {
            pl_status st = cont_advance(c, err);
            if (st != PL_OK)
                return st;
            continue;
        }
        size_t k = c->b->len - c->pos;
        if (k > n)
            k = n;
        if (dst) {
            memcpy(dst, c->b->data + c->pos, k);
            dst = (char *)dst + k;
        }
        c->pos += k;
        n -= k;
    }
    return PL_OK;
}

pl_status pl_biff_cont_string(pl_biff_cont *c, uint32_t cch, pl_bytes *out, pl_error *err)
{
    unsigned char flags = 0, w[4];
    uint32_t runs = 0, ext = 0;
    pl_status st = pl_biff_cont_bytes(c, &flags, 1, err);
    if (st == PL_OK && (flags & 0x08) && (st = pl_biff_cont_bytes(c, w, 2, err)) == PL_OK)
        runs = pl_le16(w);
    if (st == PL_OK && (flags & 0x04) && (st = pl_biff_cont_bytes(c, w, 4, err)) == PL_OK)
        ext = pl_le32(w);
    bool utf16 = flags & 1;
    uint16_t pending = 0;
    while (st == PL_OK && cch > 0) {
        if (c->pos >= c->b->len) {
            /* character data continues: the CONTINUE record starts with a fresh compressed/uncompressed flag */
            st = cont_advance(c, err);
            if (st == PL_OK && c->b->len > 0)
                utf16 = c->b->data[c->pos++] & 1;
            continue;
        }
        size_t width = utf16 ? 2 : 1, k = (c->b->len - c->pos) / width;
        if (k == 0) { /* half a UTF-16 unit at the end of a record: not valid BIFF8; drop it */
            c->pos = c->b->len;
            continue;
        }
        if (k > cch)
            k = cch;
        st = pl_biff_append_chars(out, c->b->data + c->pos, k, utf16, &pending, err);
        c->pos += k * width;
        cch -= (uint32_t)k;
    }
    if (st != PL_OK)
        return st;
    pl_biff_flush_surrogate(out, &pending);
    return pl_biff_cont_bytes(c, NULL, (size_t)runs * 4 + ext, err);
}

bool pl_xls_builtin_is_date(uint16_t id)
{
    return (id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) || (id >= 50 && id <= 58) ||
           (id >= 71 && id <= 81);
}

/* Same verdict as xlrd's is_date_format_string, so that our DATE cells are xlrd's XL_CELL_DATE cells. */
bool pl_xls_format_is_date(const char *f)
{
    char s[512];
    size_t n = 0;
    int state = 0; /* 0 plain, 1 inside "quoted text", 2 the character after \ _ or * */
    for (; *f && n < sizeof s - 1; f++) {
        char c = *f;
        if (state == 1) {
            if (c == '"')
                state = 0;
        } else if (state == 2) {
            state = 0;
        } else if (c == '"') {
            state = 1;
        } else if (c == '\\' || c == '_' || c == '*') {
            state = 2;
        } else if (!strchr("$-+/(): ", c)) {
            s[n++] = c;
        }
    }
    s[n] = 0;
    /* drop [bracketed] parts: colours, conditions, elapsed-time markers */
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const char *close = s[i] == '[' ? memchr(s + i + 1, ']', n - i - 1) : NULL;
        if (close)
            i = (size_t)(close - s);
        else
            s[m++] = s[i];
    }
    s[m] = 0;
    static const char *const plain[] = {"0.00E+00", "##0.0E+0", "General", "GENERAL", "general", "@"};
    for (size_t i = 0; i < sizeof plain / sizeof *plain; i++)
        if (strcmp(s, plain[i]) == 0)
            return false;
    int date = 0, num = 0;
    for (size_t i = 0; i < m; i++) {
        if (strchr("ymdhsYMDHS", s[i]) && s[i])
            date += 5;
        else if (s[i] == '0' || s[i] == '#' || s[i] == '?')
            num += 5;
    }
    return date > num;
}

/* BIFF5 (Excel 5.0/95) stores strings as bytes in the workbook's code page (the CODEPAGE record). Windows-1252 is
 * decoded inline, its 0x80-0x9F range included; other code pages go through the C library's iconv. */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <string.h>

#include "io/xls/xls.h"

static const uint16_t cp1252_high[32] = {0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                         0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
                                         0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                         0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

static char *put_bmp(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        *o++ = (char)cp;
    } else if (cp < 0x800) {
        *o++ = (char)(0xC0 | cp >> 6);
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (char)(0xE0 | cp >> 12);
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    }
    return o;
}

static pl_status decode_iconv(pl_xls *x, const unsigned char *p, size_t n, pl_bytes *out, pl_error *err)
{
    if (!x->iconv) {
        char name[32];
        snprintf(name, sizeof name, x->codepage == 10000 || x->codepage == 32768 ? "MACINTOSH" : "CP%u", x->codepage);
        iconv_t cd = iconv_open("UTF-8", name);
        if (cd == (iconv_t)-1)
            return pl_error_set(err, PL_EUNSUPPORTED, x->path, "workbook code page %u is not supported", x->codepage);
        x->iconv = cd;
    }
    pl_status st = pl_bytes_reserve(out, n * 4 + 8, err);
    if (st != PL_OK)
        return st;
    char *in = (char *)p, *o = out->p + out->len;
    size_t inleft = n, outleft = out->cap - out->len;
    iconv((iconv_t)x->iconv, NULL, NULL, NULL, NULL);
    while (inleft > 0) {
        if (iconv((iconv_t)x->iconv, &in, &inleft, &o, &outleft) != (size_t)-1)
            break;
        if (errno == E2BIG || outleft < 3)
            break;
        o = put_bmp(o, 0xFFFD); /* a byte the code page does not define */
        outleft -= 3;
        in++;
        inleft--;
    }
    out->len = (size_t)(o - out->p);
    return PL_OK;
}

pl_status pl_xls_decode_bytes(pl_xls *x, const unsigned char *p, size_t n, pl_bytes *out, pl_error *err)
{
    uint16_t cp = x->codepage;
    bool latin = cp == 0 || cp == 1252 || cp == 367 || cp == 32769 || cp == 1200 || cp == 28591;
    if (!latin)
        return decode_iconv(x, p, n, out, err);
    pl_status st = pl_bytes_reserve(out, n * 3 + 8, err);
    if (st != PL_OK)
        return st;
    char *o = out->p + out->len;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = p[i];
        o = put_bmp(o, c >= 0x80 && c < 0xA0 && cp != 28591 ? cp1252_high[c - 0x80] : c);
    }
    out->len = (size_t)(o - out->p);
    return PL_OK;
}

void pl_xls_codepage_close(pl_xls *x)
{
    if (x->iconv)
        iconv_close((iconv_t)x->iconv);
    x->iconv = NULL;
}

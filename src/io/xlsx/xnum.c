/* Cell numbers to doubles, bit-exact with strtod (which openpyxl's float() matches) but without it in the common
 * case. Clinger's fast path: at most 15 significant digits and a power of ten up to 22 are exact doubles, so one
 * IEEE multiply or divide rounds correctly. On x86-64, up to 19 digits and powers up to 27 go through the 64-bit
 * x87 format instead: the mantissa and the power are exact there, one operation rounds correctly to 64 bits, and
 * rounding that to a double again can only differ from rounding once when the 64-bit result lies exactly halfway
 * between two doubles (its low 11 bits are 0x400); those, and everything else, go to strtod. */
#include <float.h>
#include <stdlib.h>

#include "io/xlsx/xlsx_internal.h"

static bool fast_path(const char *s, size_t n, double *out)
{
    static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    const char *p = s, *e = s + n;
    bool neg = p < e && *p == '-';
    p += neg;
    uint64_t m = 0;
    const char *digits = p;
    for (; p < e && (unsigned)(*p - '0') < 10; p++)
        m = m * 10 + (uint64_t)(*p - '0');
    size_t count = (size_t)(p - digits);
    int scale = 0;
    if (p < e && *p == '.') {
        const char *frac = ++p;
        for (; p < e && (unsigned)(*p - '0') < 10; p++)
            m = m * 10 + (uint64_t)(*p - '0');
        scale = -(int)(p - frac);
        count += (size_t)(p - frac);
    }
    if (count == 0 || count > 19) /* 19 digits (leading zeros included) always fit in 64 bits */
        return false;
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        bool eneg = p < e && *p == '-';
        p += p < e && (*p == '-' || *p == '+');
        const char *d0 = p;
        int ex = 0;
        for (; p < e && *p >= '0' && *p <= '9'; p++)
            ex = ex < 10000 ? ex * 10 + (*p - '0') : ex;
        if (p == d0)
            return false;
        scale += eneg ? -ex : ex;
    }
    if (p != e)
        return false;
    if (m == 0) {
        *out = neg ? -0.0 : 0.0;
        return true;
    }
    if (m <= (1ull << 53) && scale >= -22 && scale <= 22) { /* m is an exact double */
        double d = scale < 0 ? (double)m / p10[-scale] : (double)m * p10[scale];
        *out = neg ? -d : d;
        return true;
    }
#if defined(__x86_64__) && LDBL_MANT_DIG == 64
    static const long double p10l[] = {1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,  1e7L,  1e8L,  1e9L,
                                       1e10L, 1e11L, 1e12L, 1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L,
                                       1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L};
    if (scale >= -27 && scale <= 27) {
        long double q = scale < 0 ? (long double)m / p10l[-scale] : (long double)m * p10l[scale];
        uint64_t bits;
        memcpy(&bits, &q, sizeof bits); /* the explicit 64-bit mantissa */
        if ((bits & 0x7FF) != 0x400) {
            double d = (double)q;
            *out = neg ? -d : d;
            return true;
        }
    }
#endif
    return false;
}

bool xlsx_parse_number(const char *s, size_t n, double *out)
{
    if (fast_path(s, n, out))
        return true;
    char *end;
    double d = strtod(s, &end);
    while (*end == ' ')
        end++;
    if (end == s || *end)
        return false;
    *out = d;
    return true;
}

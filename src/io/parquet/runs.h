/* plateau parquet: finding runs of equal values fast (dictionary runs in the writer, RLE runs in the encoder). */
#ifndef PL_PQ_RUNS_H
#define PL_PQ_RUNS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Length of the run of w-byte values (w = 4 or 8) equal to the one before src[i], from i on, at most n - i. Runs
 * are long in bundle tables (a sweep number for a whole series): compared 16 bytes at a time. */
static inline __attribute__((always_inline)) size_t pq_run_from(const uint8_t *src, size_t i, size_t n, size_t w)
{
    size_t j = i;
#ifdef __SSE2__
    __m128i prev;
    if (w == 4) {
        uint32_t p;
        memcpy(&p, src + (i - 1) * 4, 4);
        prev = _mm_set1_epi32((int)p);
    } else {
        uint64_t p;
        memcpy(&p, src + (i - 1) * 8, 8);
        prev = _mm_set1_epi64x((long long)p);
    }
    size_t per = 16 / w;
    for (; j + per <= n; j += per)
        if (_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(src + j * w)), prev)) != 0xFFFF)
            break;
#endif
    for (; j < n && !memcmp(src + j * w, src + (i - 1) * w, w); j++) {
    }
    return j - i;
}

#endif

/* Benchmark fixture: writes a gap-free ABF2 file of a chosen size (int16, 2 interleaved channels: a current in pA and
 * a potential in mV, with non-trivial scale factors), streaming the data through a 1 MiB buffer.
 * usage: gen_abf2 OUT.abf SIZE (e.g. 2G) */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plateau/mem.h"

static void w16(uint8_t *p, int v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8);
}
static void w32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static void w64(uint8_t *p, uint64_t v)
{
    w32(p, (uint32_t)v), w32(p + 4, (uint32_t)(v >> 32));
}
static void wf(uint8_t *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    w32(p, u);
}
static void section(uint8_t *h, int i, uint32_t block, uint32_t bytes, uint64_t count)
{
    w32(h + 76 + 16 * i, block), w32(h + 80 + 16 * i, bytes), w64(h + 84 + 16 * i, count);
}

/* Header, protocol, ADC and strings sections: blocks 0..3; data from block 4. */
static void header_blocks(uint8_t *b, uint64_t points)
{
    static const char strings[] = "Clampex\0C:\\bench\\gapfree 2ch.pro\0IN 0\0IN 1\0pA\0mV\0";
    memcpy(b, "ABF2", 4);
    b[4] = 0, b[5] = 0, b[6] = 6, b[7] = 2;
    w32(b + 8, 512), w32(b + 16, 20260101u), w32(b + 20, 43200000u), w16(b + 28, 1), w16(b + 30, 0);
    for (int i = 0; i < 16; i++)
        b[40 + i] = (uint8_t)(17 * i + 3);
    w32(b + 60, 1), w32(b + 72, 2);
    section(b, 0, 1, 512, 1);
    section(b, 1, 2, 128, 2);
    section(b, 9, 3, 44 + sizeof strings, 1);
    section(b, 10, 4, 2, points);
    uint8_t *p = b + 512;
    w16(p + 0, 3), wf(p + 2, 50.0f), wf(p + 110, 10.0f), w32(p + 118, 32768);
    const float scale[2] = {0.0005f, 0.01f}; /* V per pA, V per mV */
    for (int c = 0; c < 2; c++) {
        uint8_t *a = b + 1024 + 128 * c;
        w16(a, c), wf(a + 28, 1.0f), wf(a + 40, scale[c]), wf(a + 48, 1.0f), wf(a + 44, c ? -0.5f : 0.0f);
        w32(a + 74, 3 + c), w32(a + 78, 5 + c);
    }
    memcpy(b + 1536, "SSCH", 4);
    w32(b + 1540, 1), w32(b + 1544, 6);
    memcpy(b + 1536 + 44, strings, sizeof strings);
}

int main(int argc, char **argv)
{
    size_t size;
    if (argc != 3 || pl_parse_size(argv[2], &size, NULL) != PL_OK || size < 4096) {
        fprintf(stderr, "usage: gen_abf2 OUT.abf SIZE (at least 4k, e.g. 2G)\n");
        return 2;
    }
    uint64_t frames = (size - 2048) / 4, points = frames * 2;
    FILE *f = fopen(argv[1], "wb");
    if (!f)
        return 1;
    uint8_t head[2048] = {0};
    header_blocks(head, points);
    fwrite(head, 1, sizeof head, f);
    enum { FRAMES = 1 << 18 };
    int16_t *buf = malloc(FRAMES * 2 * sizeof *buf);
    uint64_t rng = 12345;
    for (uint64_t at = 0; at < frames; at += FRAMES) {
        size_t n = frames - at < FRAMES ? (size_t)(frames - at) : FRAMES;
        for (size_t k = 0; k < n; k++) {
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            double t = (double)(at + k) * 50e-6;
            buf[2 * k] = (int16_t)(3000 * sin(2 * M_PI * 5 * t) + (int)(rng >> 58) - 32);
            buf[2 * k + 1] = (int16_t)(-2000 + 800 * sin(2 * M_PI * 0.5 * t));
        }
        fwrite(buf, sizeof *buf, 2 * n, f); /* little-endian host assumed, as ABF is */
    }
    free(buf);
    return fclose(f) == 0 ? 0 : 1;
}

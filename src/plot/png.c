/* plateau plot: a streaming PNG encoder (8-bit RGB, zlib from Debian), so raster figures are encoded strip by strip
 * and never need their whole image in memory (cairo's own PNG writer needs the whole surface). */
#include <string.h>
#include <zlib.h>

#include "plateau/mem.h"
#include "plot/plot_impl.h"

#define PNG_OUT 65536 /* bytes of compressed data per IDAT chunk */
/* Level 1: plots are written by the thousand in a batch; level 6 made PNG deflate most of a laser-trim file's time
 * for files only ~25% smaller. */
#define PNG_LEVEL 1
#define ZLIB_STATE (268 * 1024) /* deflate's memory, windowBits 15, memLevel 8 (about the same at any level) */

struct pl_png {
    z_stream z;
    bool z_open, charged;
    int width, height, rows_done;
    pl_write_fn write;
    void *ctx;
    uint8_t *row; /* filter byte + width * 3 */
    uint8_t *out; /* PNG_OUT */
};

static void be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* One chunk: length, type, data, CRC of type and data. */
static pl_status chunk(pl_png *p, const char *type, const uint8_t *data, size_t n, pl_error *err)
{
    uint8_t head[8], tail[4];
    be32(head, (uint32_t)n);
    memcpy(head + 4, type, 4);
    uLong crc = crc32(0, head + 4, 4);
    if (n)
        crc = crc32(crc, data, (uInt)n);
    be32(tail, (uint32_t)crc);
    pl_status st = p->write(p->ctx, head, 8, err);
    if (!st && n)
        st = p->write(p->ctx, data, n, err);
    if (!st)
        st = p->write(p->ctx, tail, 4, err);
    return st;
}

pl_status pl__png_begin(pl_png **out, int width, int height, pl_write_fn write, void *ctx, pl_error *err)
{
    *out = NULL;
    pl_png *p = pl_calloc(1, sizeof *p, "PNG encoder", err);
    if (!p)
        return err ? err->code : PL_ENOMEM;
    p->row = pl_alloc(1 + (size_t)width * 3, "PNG row", err);
    p->out = pl_alloc(PNG_OUT, "PNG output buffer", err);
    if (!p->row || !p->out) {
        pl__png_free(p);
        return err ? err->code : PL_ENOMEM;
    }
    p->width = width;
    p->height = height;
    p->write = write;
    p->ctx = ctx;
    pl_status cst = pl_mem_charge(ZLIB_STATE, "PNG compressor", err); /* zlib's own state at level 6 */
    if (cst) {
        pl__png_free(p);
        return cst;
    }
    p->charged = true;
    if (deflateInit(&p->z, PNG_LEVEL) != Z_OK) {
        pl__png_free(p);
        return pl_error_set(err, PL_ENOMEM, NULL, "cannot start the PNG compressor");
    }
    p->z_open = true;
    p->z.next_out = p->out;
    p->z.avail_out = PNG_OUT;
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    uint8_t ihdr[13];
    be32(ihdr, (uint32_t)width);
    be32(ihdr + 4, (uint32_t)height);
    ihdr[8] = 8; /* bits per channel */
    ihdr[9] = 2; /* RGB */
    ihdr[10] = ihdr[11] = ihdr[12] = 0;
    pl_status st = write(ctx, sig, 8, err);
    if (!st)
        st = chunk(p, "IHDR", ihdr, 13, err);
    if (st) {
        pl__png_free(p);
        return st;
    }
    *out = p;
    return PL_OK;
}

/* Feeds bytes to deflate; an IDAT chunk goes out each time the output buffer fills, and the rest at Z_FINISH. */
static pl_status deflate_some(pl_png *p, const uint8_t *data, size_t n, int flush, pl_error *err)
{
    p->z.next_in = (Bytef *)data;
    p->z.avail_in = (uInt)n;
    for (;;) {
        int rc = deflate(&p->z, flush);
        if (rc == Z_STREAM_ERROR)
            return pl_error_set(err, PL_EINTERNAL, NULL, "PNG compressor failed");
        bool end = flush == Z_FINISH && rc == Z_STREAM_END;
        if (p->z.avail_out == 0 || (end && p->z.avail_out < PNG_OUT)) {
            pl_status st = chunk(p, "IDAT", p->out, PNG_OUT - p->z.avail_out, err);
            if (st)
                return st;
            p->z.next_out = p->out;
            p->z.avail_out = PNG_OUT;
            if (!end)
                continue;
        }
        if (end || (flush != Z_FINISH && p->z.avail_in == 0))
            return PL_OK;
    }
}

/* Rows of cairo RGB24 pixels (native-endian 0x00RRGGBB words), each written with PNG filter "Sub". */
pl_status pl__png_rows(pl_png *p, const uint8_t *data, int stride, int nrows, pl_error *err)
{
    for (int r = 0; r < nrows && p->rows_done < p->height; r++, p->rows_done++) {
        const uint32_t *px = (const uint32_t *)(data + (size_t)r * (size_t)stride);
        uint8_t *o = p->row;
        *o++ = 1; /* Sub: each byte minus the byte one pixel to the left */
        uint8_t pr = 0, pg = 0, pb = 0;
        for (int x = 0; x < p->width; x++) {
            uint8_t rr = (uint8_t)(px[x] >> 16), gg = (uint8_t)(px[x] >> 8), bb = (uint8_t)px[x];
            *o++ = (uint8_t)(rr - pr);
            *o++ = (uint8_t)(gg - pg);
            *o++ = (uint8_t)(bb - pb);
            pr = rr;
            pg = gg;
            pb = bb;
        }
        pl_status st = deflate_some(p, p->row, 1 + (size_t)p->width * 3, Z_NO_FLUSH, err);
        if (st)
            return st;
    }
    return PL_OK;
}

pl_status pl__png_end(pl_png *p, pl_error *err)
{
    if (p->rows_done != p->height)
        return pl_error_set(err, PL_EINTERNAL, NULL, "PNG has %d of %d rows", p->rows_done, p->height);
    pl_status st = deflate_some(p, NULL, 0, Z_FINISH, err);
    if (!st)
        st = chunk(p, "IEND", NULL, 0, err);
    return st;
}

void pl__png_free(pl_png *p)
{
    if (!p)
        return;
    if (p->z_open)
        deflateEnd(&p->z);
    if (p->charged)
        pl_mem_release(ZLIB_STATE);
    pl_free(p->row);
    pl_free(p->out);
    pl_free(p);
}

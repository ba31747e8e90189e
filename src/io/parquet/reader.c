/* The Parquet scan: per selected column a cursor walks the column chunks of successive row groups page by page.
 * A page is read (header, then body), decompressed into one buffer, its definition levels expanded, and its values
 * decoded straight into the batch arrays. Every length read from the file is checked against the bytes that hold it. */
#include <fcntl.h>
#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "delta.h"
#include "plateau/mem.h"
#include "pq_format.h"
#include "reader_impl.h"
#include "rle.h"
#include "thrift.h"

#define PAGE_MAX ((int64_t)1 << 30) /* one page's compressed or uncompressed bytes */

typedef struct page_header {
    int type;
    int64_t uncomp, comp;
    int64_t num_values, num_nulls;
    int encoding;
    int def_enc;
    int64_t def_len, rep_len; /* v2 */
    bool v2, v2_compressed;
} page_header;

typedef struct cursor {
    const pq_rcol *rc;
    size_t col;
    /* chunk */
    size_t rg;
    int64_t pos, end;    /* unread bytes of the chunk */
    int64_t values_left; /* values of the row group not yet decoded */
    int codec;
    /* dictionary */
    uint32_t dict_n;
    pq_buf dict;        /* fixed-width values, or string bytes */
    uint32_t *dict_off; /* strings: start of entry i in dict.data; entry i ends at dict_off[i+1] */
    size_t dict_off_cap;
    /* page */
    pq_buf hdr, comp, page;
    uint8_t *levels;
    size_t levels_cap;
    int64_t page_values, page_pos, page_nonnull, nonnull_pos;
    int encoding;
    const uint8_t *vdata;
    size_t vlen, vcur;
    pq_rle_dec rle;
    pq_buf decoded; /* DELTA pages decoded to PLAIN layout */
    /* batch output */
    void *out;
    uint8_t *valid;
    uint32_t *lens;
    size_t *soff; /* strings: offsets into arena until the batch is complete */
    pq_buf arena;
} cursor;

struct pl_pq_scan {
    pl_pq_reader *r;
    cursor *cur;
    size_t ncols, batch;
    uint64_t skip; /* rows still to skip at the start */
    uint64_t left; /* rows still to deliver */
    size_t first_rg;
};

static const size_t WIDTH[] = {1, 4, 8, 4, 8, sizeof(char *), 8};

/* ---- open / metadata ---- */

pl_status pl_pq_open(const char *path, pl_pq_reader **out, pl_error *err)
{
    if (!out || !path)
        return pl_error_set(err, PL_EARG, path, "pl_pq_open needs a path and somewhere to put the reader");
    *out = NULL;
    pl_pq_reader *r = pl_calloc(1, sizeof *r, "parquet reader", err);
    if (!r)
        return pl_error_locate(err, path), err ? err->code : PL_ENOMEM;
    snprintf(r->path, sizeof r->path, "%s", path);
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0) {
        pl_status st = pl_error_errno(err, PL_EIO, path, "cannot open");
        pl_free(r);
        return st;
    }
    struct stat sb;
    pl_status st = fstat(r->fd, &sb) == 0 ? PL_OK : pl_error_errno(err, PL_EIO, path, "cannot stat");
    if (st == PL_OK && !S_ISREG(sb.st_mode))
        st = pl_error_set(err, PL_EARG, path, "not a regular file");
    r->file_size = (uint64_t)sb.st_size;
    if (st == PL_OK)
        st = pq_read_footer(r, err);
    if (st != PL_OK) {
        pl_error_locate(err, path);
        pl_pq_close(r);
        return st;
    }
    *out = r;
    return PL_OK;
}

void pl_pq_close(pl_pq_reader *r)
{
    if (!r)
        return;
    pq_reader_free_meta(r);
    if (r->fd >= 0)
        close(r->fd);
    pl_free(r);
}

size_t pl_pq_ncols(const pl_pq_reader *r)
{
    return r ? r->ncols : 0;
}
const pl_pq_column_info *pl_pq_column(const pl_pq_reader *r, size_t i)
{
    return r && i < r->ncols ? &r->cols[i].info : NULL;
}
uint64_t pl_pq_rows(const pl_pq_reader *r)
{
    return r ? r->nrows : 0;
}
size_t pl_pq_row_groups(const pl_pq_reader *r)
{
    return r ? r->nrg : 0;
}
uint64_t pl_pq_row_group_rows(const pl_pq_reader *r, size_t rg)
{
    return r && rg < r->nrg ? (uint64_t)r->rg_rows[rg] : 0;
}
bool pl_pq_int_range(const pl_pq_reader *r, size_t rg, size_t col, int64_t *min, int64_t *max)
{
    if (!r || rg >= r->nrg || col >= r->ncols || r->cols[col].ts_unit)
        return false;
    const pq_chunk_meta *m = &r->chunks[rg * r->ncols + col];
    if (!m->has_range)
        return false;
    *min = m->min, *max = m->max;
    return true;
}

const char *pl_pq_created_by(const pl_pq_reader *r)
{
    return r ? r->created_by : NULL;
}

long pl_pq_find(const pl_pq_reader *r, const char *name)
{
    for (size_t i = 0; r && name && i < r->ncols; i++)
        if (strcmp(r->cols[i].info.name, name) == 0)
            return (long)i;
    return -1;
}

const char *pl_pq_kv(const pl_pq_reader *r, const char *key)
{
    for (size_t i = 0; r && key && i < r->nkv; i++)
        if (r->kv[2 * i] && strcmp(r->kv[2 * i], key) == 0)
            return r->kv[2 * i + 1];
    return NULL;
}

/* ---- pages ---- */

static pl_status corrupt(const pl_pq_reader *r, const cursor *c, const char *what, pl_error *err)
{
    return pl_error_set(err, PL_EFORMAT, r->path, "column '%s', row group %zu: %s", c->rc->info.name, c->rg, what);
}

static void parse_data_header(tr *t, page_header *h, bool v2)
{
    tr_struct_begin(t);
    int16_t id;
    uint8_t ty;
    while (!t->bad && (ty = tr_field(t, &id)) != TT_STOP) {
        if (ty == TT_TRUE || ty == TT_FALSE) {
            if (v2 && id == 7)
                h->v2_compressed = ty == TT_TRUE;
            continue;
        }
        if (ty != TT_I32 || !(id >= 1 && id <= 6)) {
            tr_skip(t, ty);
            continue;
        }
        int64_t v = tr_int(t);
        if (id == 1)
            h->num_values = v;
        else if (!v2 && id == 2)
            h->encoding = (int)v;
        else if (!v2 && id == 3)
            h->def_enc = (int)v;
        else if (v2 && id == 2)
            h->num_nulls = v;
        else if (v2 && id == 4)
            h->encoding = (int)v;
        else if (v2 && id == 5)
            h->def_len = v;
        else if (v2 && id == 6)
            h->rep_len = v;
    }
    tr_struct_end(t);
}

static bool parse_page_header(tr *t, page_header *h)
{
    memset(h, 0, sizeof *h);
    h->type = -1;
    h->uncomp = h->comp = -1;
    h->def_enc = PQE_RLE;
    h->v2_compressed = true;
    tr_struct_begin(t);
    int16_t id;
    uint8_t ty;
    while (!t->bad && (ty = tr_field(t, &id)) != TT_STOP) {
        if (id == 1 && ty == TT_I32)
            h->type = (int)tr_int(t);
        else if (id == 2 && ty == TT_I32)
            h->uncomp = tr_int(t);
        else if (id == 3 && ty == TT_I32)
            h->comp = tr_int(t);
        else if ((id == 5 || id == 7) && ty == TT_STRUCT)
            parse_data_header(t, h, false);
        else if (id == 8 && ty == TT_STRUCT)
            h->v2 = true, parse_data_header(t, h, true);
        else
            tr_skip(t, ty);
    }
    tr_struct_end(t);
    return !t->bad && h->type >= 0 && h->uncomp >= 0 && h->comp >= 0 && h->uncomp <= PAGE_MAX && h->comp <= PAGE_MAX &&
           h->num_values >= 0;
}

/* Reads the next page header of the chunk (retrying with more bytes when statistics make it long). */
static pl_status read_page_header(pl_pq_reader *r, cursor *c, page_header *h, pl_error *err)
{
    size_t want = 256;
    for (;;) {
        int64_t avail = c->end - c->pos;
        size_t n = (int64_t)want < avail ? want : (size_t)avail;
        if (!pq_buf_reserve(&c->hdr, n))
            return pq_buf_status(&c->hdr, err);
        pl_status st = pq_pread(r, c->hdr.data, n, (uint64_t)c->pos, err);
        if (st != PL_OK)
            return st;
        tr t;
        tr_init(&t, c->hdr.data, n);
        if (parse_page_header(&t, h)) {
            c->pos += t.p - c->hdr.data;
            return PL_OK;
        }
        if ((int64_t)n >= avail || want >= ((size_t)16 << 20))
            return corrupt(r, c, "a page header is corrupt", err);
        want *= 4;
    }
}

static pl_status decompress(pl_pq_reader *r, cursor *c, const uint8_t *src, size_t n, uint8_t *dst, size_t cap,
                            pl_error *err)
{
    switch (c->codec) {
    case PQC_UNCOMPRESSED:
        if (n != cap)
            return corrupt(r, c, "an uncompressed page has the wrong size", err);
        memcpy(dst, src, n);
        return PL_OK;
    case PQC_ZSTD: {
        size_t got = ZSTD_decompress(dst, cap, src, n);
        if (ZSTD_isError(got) || got != cap)
            return corrupt(r, c, "a zstd page does not decompress to its stated size", err);
        return PL_OK;
    }
    case PQC_SNAPPY: {
        size_t got = 0;
        if (snappy_uncompressed_length((const char *)src, n, &got) != SNAPPY_OK || got != cap ||
            snappy_uncompress((const char *)src, n, (char *)dst, &got) != SNAPPY_OK || got != cap)
            return corrupt(r, c, "a snappy page does not decompress to its stated size", err);
        return PL_OK;
    }
    case PQC_GZIP: {
        z_stream z;
        memset(&z, 0, sizeof z);
        if (inflateInit2(&z, 15 + 32) != Z_OK)
            return pl_error_set(err, PL_ENOMEM, r->path, "cannot start gzip decompression");
        z.next_in = (Bytef *)src;
        z.avail_in = (uInt)n;
        z.next_out = dst;
        z.avail_out = (uInt)cap;
        int zr = inflate(&z, Z_FINISH);
        size_t got = z.total_out;
        inflateEnd(&z);
        if (zr != Z_STREAM_END || got != cap)
            return corrupt(r, c, "a gzip page does not decompress to its stated size", err);
        return PL_OK;
    }
    default:
        return pl_error_set(err, PL_EUNSUPPORTED, r->path, "column '%s': compression codec %d is not supported",
                            c->rc->info.name, c->codec);
    }
}

/* Reads the page body and leaves the uncompressed page in c->page. v2 levels are stored uncompressed up front. */
static pl_status load_body(pl_pq_reader *r, cursor *c, const page_header *h, pl_error *err)
{
    if (h->comp > c->end - c->pos)
        return corrupt(r, c, "a page runs past the end of its column chunk", err);
    c->comp.len = 0;
    if (!pq_buf_reserve(&c->comp, (size_t)h->comp + 1)) /* + 1: an empty page still has a buffer */
        return pq_buf_status(&c->comp, err);
    pl_status st = pq_pread(r, c->comp.data, (size_t)h->comp, (uint64_t)c->pos, err);
    if (st != PL_OK)
        return st;
    c->pos += h->comp;
    c->page.len = 0;
    if (!pq_buf_reserve(&c->page, (size_t)h->uncomp + 8)) /* slack: bit readers may touch a byte past the end */
        return pq_buf_status(&c->page, err);
    size_t lv = 0;
    if (h->v2) {
        if (h->def_len < 0 || h->rep_len < 0 || h->def_len + h->rep_len > h->comp ||
            h->def_len + h->rep_len > h->uncomp)
            return corrupt(r, c, "a v2 page's level lengths are corrupt", err);
        lv = (size_t)(h->def_len + h->rep_len);
        memcpy(c->page.data, c->comp.data, lv);
    }
    int codec = c->codec;
    if (h->v2 && !h->v2_compressed)
        c->codec = PQC_UNCOMPRESSED;
    st = decompress(r, c, c->comp.data + lv, (size_t)h->comp - lv, c->page.data + lv, (size_t)h->uncomp - lv, err);
    c->codec = codec;
    c->page.len = (size_t)h->uncomp;
    memset(c->page.data + c->page.len, 0, 8);
    return st;
}

static pl_status load_dictionary(pl_pq_reader *r, cursor *c, const page_header *h, pl_error *err)
{
    pl_status st = load_body(r, c, h, err);
    if (st != PL_OK)
        return st;
    if (h->encoding != PQE_PLAIN && h->encoding != PQE_PLAIN_DICTIONARY)
        return pl_error_set(err, PL_EUNSUPPORTED, r->path, "column '%s': dictionary encoding %d is not supported",
                            c->rc->info.name, h->encoding);
    const pq_rcol *rc = c->rc;
    if (rc->info.type == PL_COL_BOOL)
        return pl_error_set(err, PL_EUNSUPPORTED, r->path, "column '%s': a boolean dictionary is not supported",
                            rc->info.name);
    if (h->num_values > (int64_t)c->page.len + 1)
        return corrupt(r, c, "the dictionary holds more entries than bytes", err);
    c->dict_n = (uint32_t)h->num_values;
    c->dict.len = 0;
    if (rc->info.type != PL_COL_STRING) {
        size_t w = rc->info.physical_type == PQT_INT32 || rc->info.physical_type == PQT_FLOAT ? 4 : 8;
        if ((size_t)c->dict_n * w > c->page.len)
            return corrupt(r, c, "the dictionary is shorter than its entries", err);
        pq_buf_put(&c->dict, c->page.data, (size_t)c->dict_n * w);
        return pq_buf_status(&c->dict, err);
    }
    if ((size_t)c->dict_n + 1 > c->dict_off_cap) {
        uint32_t *o = pl_realloc(c->dict_off, ((size_t)c->dict_n + 1) * sizeof *o, "parquet dictionary", err);
        if (!o)
            return err ? err->code : PL_ENOMEM;
        c->dict_off = o;
        c->dict_off_cap = (size_t)c->dict_n + 1;
    }
    size_t p = 0;
    for (uint32_t i = 0; i < c->dict_n; i++) {
        uint32_t len;
        if (c->page.len - p < 4)
            return corrupt(r, c, "a dictionary string runs past its page", err);
        memcpy(&len, c->page.data + p, 4);
        p += 4;
        if (len > c->page.len - p)
            return corrupt(r, c, "a dictionary string runs past its page", err);
        c->dict_off[i] = (uint32_t)c->dict.len;
        pq_buf_put(&c->dict, c->page.data + p, len);
        p += len;
    }
    c->dict_off[c->dict_n] = (uint32_t)c->dict.len;
    return pq_buf_status(&c->dict, err);
}

/* Expands the page's definition levels into c->levels and counts the non-null values. */
static pl_status read_levels(pl_pq_reader *r, cursor *c, const page_header *h, const uint8_t **vals, size_t *vlen,
                             pl_error *err)
{
    const uint8_t *p = c->page.data;
    size_t n = c->page.len;
    c->page_nonnull = c->page_values;
    if (h->v2) {
        if (h->rep_len)
            return pl_error_set(err, PL_EUNSUPPORTED, r->path, "column '%s': repetition levels are not supported",
                                c->rc->info.name);
        p += h->def_len;
        n -= (size_t)h->def_len;
    }
    if (c->rc->max_def == 0) {
        *vals = p, *vlen = n;
        return PL_OK;
    }
    if ((size_t)c->page_values > c->levels_cap) {
        uint8_t *l = pl_realloc(c->levels, (size_t)c->page_values, "parquet definition levels", err);
        if (!l)
            return err ? err->code : PL_ENOMEM;
        c->levels = l;
        c->levels_cap = (size_t)c->page_values;
    }
    const uint8_t *lp;
    size_t ln;
    if (h->v2) {
        lp = c->page.data, ln = (size_t)h->def_len;
    } else {
        if (h->def_enc != PQE_RLE)
            return pl_error_set(err, PL_EUNSUPPORTED, r->path,
                                "column '%s': definition level encoding %d is not supported", c->rc->info.name,
                                h->def_enc);
        uint32_t len;
        if (n < 4)
            return corrupt(r, c, "the definition levels are truncated", err);
        memcpy(&len, p, 4);
        if (len > n - 4)
            return corrupt(r, c, "the definition levels run past their page", err);
        lp = p + 4, ln = len;
        p += 4 + len, n -= 4 + len;
    }
    pq_rle_dec d;
    pq_rle_dec_init(&d, lp, ln, 1);
    int64_t nonnull = 0;
    uint32_t tmp[256];
    for (int64_t i = 0; i < c->page_values;) {
        size_t k = c->page_values - i < 256 ? (size_t)(c->page_values - i) : 256;
        if (!pq_rle_dec_u32(&d, tmp, k))
            return corrupt(r, c, "the definition levels are corrupt", err);
        for (size_t j = 0; j < k; j++) {
            c->levels[i + (int64_t)j] = (uint8_t)tmp[j];
            nonnull += tmp[j];
        }
        i += (int64_t)k;
    }
    c->page_nonnull = nonnull;
    *vals = p, *vlen = n;
    return PL_OK;
}

/* Checks the value section against the encoding and prepares its decoder. */
static pl_status start_values(pl_pq_reader *r, cursor *c, pl_error *err)
{
    const pq_rcol *rc = c->rc;
    size_t w = rc->info.type == PL_COL_BOOL ? 0
               : rc->info.type == PL_COL_STRING
                   ? 0
                   : (rc->info.physical_type == PQT_INT32 || rc->info.physical_type == PQT_FLOAT ? 4 : 8);
    uint64_t nn = (uint64_t)c->page_nonnull;
    switch (c->encoding) {
    case PQE_PLAIN:
        if (rc->info.type == PL_COL_BOOL ? (nn + 7) / 8 > c->vlen : w * nn > c->vlen)
            return corrupt(r, c, "a page holds fewer values than it says", err);
        return PL_OK;
    case PQE_BYTE_STREAM_SPLIT:
        if (w == 0)
            break;
        if (w * nn > c->vlen)
            return corrupt(r, c, "a byte-stream-split page holds fewer values than it says", err);
        return PL_OK;
    case PQE_PLAIN_DICTIONARY:
    case PQE_RLE_DICTIONARY:
        if (nn == 0)
            return PL_OK;
        if (c->vlen < 1 || c->vdata[0] > 32)
            return corrupt(r, c, "a dictionary-encoded page has a bad bit width", err);
        if (c->dict_n == 0)
            return corrupt(r, c, "a dictionary-encoded page has no dictionary", err);
        pq_rle_dec_init(&c->rle, c->vdata + 1, c->vlen - 1, c->vdata[0]);
        c->encoding = PQE_RLE_DICTIONARY;
        return PL_OK;
    case PQE_RLE:
        if (rc->info.type != PL_COL_BOOL)
            break;
        if (c->vlen < 4)
            return corrupt(r, c, "a boolean RLE page is truncated", err);
        uint32_t len;
        memcpy(&len, c->vdata, 4);
        if (len > c->vlen - 4)
            return corrupt(r, c, "a boolean RLE page is truncated", err);
        pq_rle_dec_init(&c->rle, c->vdata + 4, len, 1);
        return PL_OK;
    case PQE_DELTA_BINARY_PACKED:
    case PQE_DELTA_LENGTH_BYTE_ARRAY:
    case PQE_DELTA_BYTE_ARRAY: {
        bool ints = rc->info.physical_type == PQT_INT32 || rc->info.physical_type == PQT_INT64;
        if ((c->encoding == PQE_DELTA_BINARY_PACKED) != ints || (!ints && rc->info.type != PL_COL_STRING))
            break;
        c->decoded.len = 0;
        size_t used;
        int ok = c->encoding == PQE_DELTA_BINARY_PACKED
                     ? pq_delta_binary_decode(c->vdata, c->vlen, nn, w == 4, &c->decoded, &used)
                 : c->encoding == PQE_DELTA_LENGTH_BYTE_ARRAY
                     ? pq_delta_length_decode(c->vdata, c->vlen, nn, &c->decoded)
                     : pq_delta_byte_array_decode(c->vdata, c->vlen, nn, &c->decoded);
        pl_status st = pq_buf_status(&c->decoded, err);
        if (st != PL_OK)
            return st;
        if (!ok)
            return corrupt(r, c, "a DELTA-encoded page is corrupt", err);
        c->vdata = c->decoded.data;
        c->vlen = c->decoded.len;
        c->encoding = PQE_PLAIN;
        return PL_OK;
    }
    default: break;
    }
    static const char *names[] = {"PLAIN",
                                  "?",
                                  "PLAIN_DICTIONARY",
                                  "RLE",
                                  "BIT_PACKED",
                                  "DELTA_BINARY_PACKED",
                                  "DELTA_LENGTH_BYTE_ARRAY",
                                  "DELTA_BYTE_ARRAY",
                                  "RLE_DICTIONARY",
                                  "BYTE_STREAM_SPLIT"};
    return pl_error_set(err, PL_EUNSUPPORTED, r->path, "column '%s': the %s encoding is not supported", rc->info.name,
                        c->encoding >= 0 && c->encoding <= 9 ? names[c->encoding] : "unknown");
}

/* Moves to the next chunk with values left (next row group). */
static void enter_chunk(pl_pq_reader *r, cursor *c, size_t rg)
{
    const pq_chunk_meta *m = &r->chunks[rg * r->ncols + c->col];
    c->rg = rg;
    c->pos = m->start;
    c->end = m->start + m->size;
    c->codec = m->codec;
    c->values_left = r->rg_rows[rg];
    c->dict_n = 0;
    c->page_values = c->page_pos = 0;
}

/* Loads the next data page of the chunk (dictionary pages are taken on the way). skip_rows > 0 lets whole pages
 * be skipped unread; *skipped says how many rows that consumed. */
static pl_status next_page(pl_pq_reader *r, cursor *c, uint64_t skip_rows, uint64_t *skipped, pl_error *err)
{
    *skipped = 0;
    while (c->values_left == 0) {
        if (c->rg + 1 >= r->nrg)
            return pl_error_set(err, PL_EINTERNAL, r->path, "read past the last row group");
        enter_chunk(r, c, c->rg + 1);
    }
    for (;;) {
        if (c->pos >= c->end)
            return corrupt(r, c, "the column chunk ends before its rows do", err);
        page_header h;
        pl_status st = read_page_header(r, c, &h, err);
        if (st != PL_OK)
            return st;
        if (h.type == PQP_DICTIONARY_PAGE) {
            if ((st = load_dictionary(r, c, &h, err)) != PL_OK)
                return st;
            continue;
        }
        if (h.type != PQP_DATA_PAGE && h.type != PQP_DATA_PAGE_V2) {
            if (h.comp > c->end - c->pos)
                return corrupt(r, c, "a page runs past the end of its column chunk", err);
            c->pos += h.comp; /* index pages and unknown kinds */
            continue;
        }
        if (h.num_values > c->values_left)
            return corrupt(r, c, "a page holds more values than its row group", err);
        if (skip_rows >= (uint64_t)h.num_values && h.num_values > 0) {
            if (h.comp > c->end - c->pos)
                return corrupt(r, c, "a page runs past the end of its column chunk", err);
            c->pos += h.comp;
            c->values_left -= h.num_values;
            *skipped = (uint64_t)h.num_values;
            return PL_OK;
        }
        if ((st = load_body(r, c, &h, err)) != PL_OK)
            return st;
        c->page_values = h.num_values;
        c->page_pos = c->nonnull_pos = 0;
        c->encoding = h.encoding;
        c->vcur = 0;
        if ((st = read_levels(r, c, &h, &c->vdata, &c->vlen, err)) != PL_OK)
            return st;
        if (h.v2 && h.num_nulls != c->page_values - c->page_nonnull && c->rc->max_def)
            return corrupt(r, c, "a v2 page's null count disagrees with its levels", err);
        return start_values(r, c, err);
    }
}

/* ---- decoding values into the batch ---- */

static void scale_timestamps(const cursor *c, int64_t *v, size_t n)
{
    if (c->rc->ts_unit == 1)
        for (size_t i = 0; i < n; i++)
            v[i] = v[i] * 1000;
    else if (c->rc->ts_unit == 3)
        for (size_t i = 0; i < n; i++)
            v[i] = v[i] / 1000 - (v[i] % 1000 < 0);
}

/* Decodes the next k non-null values into dst (fixed width w, or strings into the arena). */
static pl_status decode_values(pl_pq_reader *r, cursor *c, uint8_t *dst, size_t *soff, uint32_t *lens, size_t k,
                               pl_error *err)
{
    const pq_rcol *rc = c->rc;
    size_t w = WIDTH[rc->info.type];
    size_t pw = rc->info.physical_type == PQT_INT32 || rc->info.physical_type == PQT_FLOAT ? 4 : 8;
    size_t at = (size_t)c->nonnull_pos;
    if (c->encoding == PQE_RLE_DICTIONARY) {
        for (size_t done = 0; done < k;) {
            uint32_t idx[512];
            size_t m = k - done < 512 ? k - done : 512;
            if (!pq_rle_dec_u32(&c->rle, idx, m))
                return corrupt(r, c, "the dictionary indices are corrupt", err);
            for (size_t j = 0; j < m; j++) {
                if (idx[j] >= c->dict_n)
                    return corrupt(r, c, "a dictionary index is out of range", err);
                if (rc->info.type == PL_COL_STRING) {
                    uint32_t a = c->dict_off[idx[j]], b = c->dict_off[idx[j] + 1];
                    soff[done + j] = c->arena.len;
                    lens[done + j] = b - a;
                    pq_buf_put(&c->arena, c->dict.data + a, b - a);
                    pq_buf_byte(&c->arena, 0);
                } else {
                    memcpy(dst + (done + j) * w, c->dict.data + (size_t)idx[j] * pw, pw);
                }
            }
            done += m;
        }
    } else if (rc->info.type == PL_COL_STRING) {
        if (c->encoding != PQE_PLAIN)
            return corrupt(r, c, "strings in an unexpected encoding", err);
        for (size_t j = 0; j < k; j++) {
            uint32_t len;
            if (c->vlen - c->vcur < 4)
                return corrupt(r, c, "a string runs past its page", err);
            memcpy(&len, c->vdata + c->vcur, 4);
            c->vcur += 4;
            if (len > c->vlen - c->vcur)
                return corrupt(r, c, "a string runs past its page", err);
            soff[j] = c->arena.len;
            lens[j] = len;
            pq_buf_put(&c->arena, c->vdata + c->vcur, len);
            pq_buf_byte(&c->arena, 0);
            c->vcur += len;
        }
    } else if (rc->info.type == PL_COL_BOOL) {
        if (c->encoding == PQE_RLE) {
            uint32_t v[512];
            for (size_t done = 0; done < k;) {
                size_t m = k - done < 512 ? k - done : 512;
                if (!pq_rle_dec_u32(&c->rle, v, m))
                    return corrupt(r, c, "boolean values are corrupt", err);
                for (size_t j = 0; j < m; j++)
                    dst[done + j] = (uint8_t)v[j];
                done += m;
            }
        } else {
            for (size_t j = 0; j < k; j++)
                dst[j] = (c->vdata[(at + j) >> 3] >> ((at + j) & 7)) & 1;
        }
    } else if (c->encoding == PQE_BYTE_STREAM_SPLIT) {
        size_t n = (size_t)c->page_nonnull;
        for (size_t j = 0; j < k; j++)
            for (size_t b = 0; b < pw; b++)
                dst[j * w + b] = c->vdata[b * n + at + j];
    } else {
        memcpy(dst, c->vdata + at * pw, k * pw);
    }
    if (rc->ts_unit)
        scale_timestamps(c, (int64_t *)dst, k);
    c->nonnull_pos += (int64_t)k;
    return pq_buf_status(&c->arena, err);
}

/* Fills rows [o, o+n) of the batch from the current page (n <= values left in it). */
static pl_status fill_from_page(pl_pq_reader *r, cursor *c, size_t o, size_t n, pl_error *err)
{
    const pq_rcol *rc = c->rc;
    size_t w = WIDTH[rc->info.type];
    uint8_t *dst = (uint8_t *)c->out + o * w;
    size_t *soff = c->soff ? c->soff + o : NULL;
    uint32_t *lens = c->lens ? c->lens + o : NULL;
    pl_status st;
    if (rc->max_def == 0) {
        st = decode_values(r, c, dst, soff, lens, n, err);
    } else {
        /* runs of present values decode in one call; nulls are zeroed */
        const uint8_t *lv = c->levels + c->page_pos;
        st = PL_OK;
        for (size_t i = 0; i < n && st == PL_OK;) {
            size_t j = i;
            while (j < n && lv[j] == lv[i])
                j++;
            memcpy(c->valid + o + i, lv + i, j - i);
            if (lv[i]) {
                st = decode_values(r, c, dst + i * w, soff ? soff + i : NULL, lens ? lens + i : NULL, j - i, err);
            } else {
                memset(dst + i * w, 0, (j - i) * w);
                for (size_t q = i; q < j && soff; q++) {
                    soff[q] = c->arena.len;
                    lens[q] = 0;
                    pq_buf_byte(&c->arena, 0);
                }
            }
            i = j;
        }
    }
    c->page_pos += (int64_t)n;
    c->values_left -= (int64_t)n;
    return st;
}

/* Fills n rows starting at batch row o, crossing pages and row groups. */
static pl_status fill(pl_pq_reader *r, cursor *c, size_t o, size_t n, pl_error *err)
{
    while (n) {
        if (c->page_pos >= c->page_values) {
            uint64_t skipped;
            pl_status st = next_page(r, c, 0, &skipped, err);
            if (st != PL_OK)
                return st;
            continue;
        }
        size_t k = (size_t)(c->page_values - c->page_pos);
        if (k > n)
            k = n;
        pl_status st = fill_from_page(r, c, o, k, err);
        if (st != PL_OK)
            return st;
        o += k;
        n -= k;
    }
    return PL_OK;
}

/* Skips rows: whole pages unread, the rest decoded into the batch arrays and dropped. */
static pl_status skip_rows(pl_pq_reader *r, pl_pq_scan *s, cursor *c, uint64_t rows, pl_error *err)
{
    while (rows) {
        if (c->page_pos >= c->page_values) {
            uint64_t skipped;
            pl_status st = next_page(r, c, rows, &skipped, err);
            if (st != PL_OK)
                return st;
            rows -= skipped;
            continue;
        }
        size_t k = (size_t)(c->page_values - c->page_pos);
        if (k > rows)
            k = (size_t)rows;
        if (k > s->batch)
            k = s->batch;
        c->arena.len = 0;
        pl_status st = fill_from_page(r, c, 0, k, err);
        if (st != PL_OK)
            return st;
        rows -= k;
    }
    return PL_OK;
}

/* ---- the scan ---- */

static void cursor_free(cursor *c)
{
    pq_buf_free(&c->dict);
    pl_free(c->dict_off);
    pq_buf_free(&c->hdr);
    pq_buf_free(&c->comp);
    pq_buf_free(&c->page);
    pq_buf_free(&c->arena);
    pq_buf_free(&c->decoded);
    pl_free(c->levels);
    pl_free(c->out);
    pl_free(c->valid);
    pl_free(c->lens);
    pl_free(c->soff);
}

void pl_pq_scan_close(pl_pq_scan *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->ncols; i++)
        cursor_free(&s->cur[i]);
    pl_free(s->cur);
    pl_free(s);
}

static pl_status cursor_init(pl_pq_reader *r, cursor *c, size_t col, size_t batch, pl_error *err)
{
    const pq_rcol *rc = &r->cols[col];
    c->rc = rc;
    c->col = col;
    pq_buf_init(&c->dict, "parquet dictionary");
    pq_buf_init(&c->hdr, "parquet page header");
    pq_buf_init(&c->comp, "parquet compressed page");
    pq_buf_init(&c->page, "parquet page");
    pq_buf_init(&c->arena, "parquet batch strings");
    pq_buf_init(&c->decoded, "parquet decoded page");
    if (!rc->info.supported)
        return pl_error_set(err, PL_EUNSUPPORTED, r->path, "column '%s': %s", rc->info.name, rc->why);
    if (!(c->out = pl_calloc(batch, WIDTH[rc->info.type], "parquet batch", err)))
        return err ? err->code : PL_ENOMEM;
    if (rc->max_def && !(c->valid = pl_calloc(batch, 1, "parquet batch", err)))
        return err ? err->code : PL_ENOMEM;
    if (rc->info.type == PL_COL_STRING && (!(c->lens = pl_calloc(batch, sizeof *c->lens, "parquet batch", err)) ||
                                           !(c->soff = pl_calloc(batch, sizeof *c->soff, "parquet batch", err))))
        return err ? err->code : PL_ENOMEM;
    return PL_OK;
}

pl_status pl_pq_scan_open(pl_pq_reader *r, const size_t *cols, size_t ncols, size_t batch_rows, uint64_t first_row,
                          uint64_t max_rows, pl_pq_scan **out, pl_error *err)
{
    if (!out)
        return pl_error_set(err, PL_EARG, NULL, "pl_pq_scan_open needs somewhere to put the scan");
    *out = NULL;
    if (!r || !cols || ncols == 0 || batch_rows == 0)
        return pl_error_set(err, PL_EARG, r ? r->path : NULL, "a scan needs a reader, columns and a batch size");
    for (size_t i = 0; i < ncols; i++)
        if (cols[i] >= r->ncols)
            return pl_error_set(err, PL_EARG, r->path, "column %zu does not exist (the file has %zu)", cols[i],
                                r->ncols);
    pl_pq_scan *s = pl_calloc(1, sizeof *s, "parquet scan", err);
    if (!s)
        return err ? err->code : PL_ENOMEM;
    s->r = r;
    s->batch = batch_rows;
    s->cur = pl_calloc(ncols, sizeof *s->cur, "parquet scan", err);
    pl_status st = s->cur ? PL_OK : (err ? err->code : PL_ENOMEM);
    for (size_t i = 0; st == PL_OK && i < ncols; i++) {
        s->ncols = i + 1;
        st = cursor_init(r, &s->cur[i], cols[i], batch_rows, err);
    }
    if (st != PL_OK) {
        pl_pq_scan_close(s);
        return st;
    }
    /* start in the row group holding first_row */
    uint64_t before = 0;
    size_t rg = 0;
    while (rg < r->nrg && before + (uint64_t)r->rg_rows[rg] <= first_row)
        before += (uint64_t)r->rg_rows[rg++];
    uint64_t avail = first_row < r->nrows ? r->nrows - first_row : 0;
    s->left = max_rows && max_rows < avail ? max_rows : avail;
    s->skip = s->left ? first_row - before : 0;
    for (size_t i = 0; i < ncols; i++) {
        if (rg < r->nrg)
            enter_chunk(r, &s->cur[i], rg);
        else
            s->cur[i].rg = r->nrg;
    }
    *out = s;
    return PL_OK;
}

pl_status pl_pq_scan_next(pl_pq_scan *s, pl_colbuf *out, size_t *nrows, pl_error *err)
{
    if (!s || !out || !nrows)
        return pl_error_set(err, PL_EARG, NULL, "pl_pq_scan_next needs a scan, columns and a row count");
    *nrows = 0;
    if (s->left == 0)
        return PL_DONE;
    pl_status st;
    if (s->skip) {
        for (size_t i = 0; i < s->ncols; i++)
            if ((st = skip_rows(s->r, s, &s->cur[i], s->skip, err)) != PL_OK)
                return st;
        s->skip = 0;
    }
    size_t n = s->left < s->batch ? (size_t)s->left : s->batch;
    for (size_t i = 0; i < s->ncols; i++) {
        cursor *c = &s->cur[i];
        c->arena.len = 0;
        if ((st = fill(s->r, c, 0, n, err)) != PL_OK)
            return st;
        if (c->soff) /* the arena may have moved while it grew: pointers only now */
            for (size_t k = 0; k < n; k++)
                ((const char **)c->out)[k] = (const char *)c->arena.data + c->soff[k];
        out[i] = (pl_colbuf){c->out, c->lens, c->valid};
    }
    s->left -= n;
    *nrows = n;
    return PL_OK;
}

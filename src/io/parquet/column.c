#include "column.h"

#include <math.h>
#include <stdlib.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "plateau/mem.h"
#include "pq_format.h"
#include "rle.h"
#include "runs.h"
#include "thrift.h"

/* An AUTO column decides after this many values whether its dictionary pays. */
#define PQ_DICT_TRIAL 4096
/* String statistics bounds longer than this are not kept (the chunk then has no string min/max). */
#define PQ_STR_STAT_MAX 1024
/* One string value may not exceed this (page sizes are int32 in the format). */
#define PQ_STR_MAX ((size_t)1 << 30)

static void stats_reset(pq_col *c)
{
    c->nulls = 0;
    c->str_stats_off = false;
    c->has_minmax = false;
    c->smin.len = c->smax.len = 0;
    switch (c->def.type) {
    case PL_COL_BOOL: c->mn.b = 1, c->mx.b = 0; break;
    case PL_COL_INT32: c->mn.i32 = INT32_MAX, c->mx.i32 = INT32_MIN; break;
    case PL_COL_INT64:
    case PL_COL_TIMESTAMP_US: c->mn.i64 = INT64_MAX, c->mx.i64 = INT64_MIN; break;
    case PL_COL_FLOAT: c->mn.f = INFINITY, c->mx.f = -INFINITY; break;
    case PL_COL_DOUBLE: c->mn.d = INFINITY, c->mx.d = -INFINITY; break;
    case PL_COL_STRING: break;
    }
}

static int initial_mode(const pq_col *c)
{
    if (c->def.type == PL_COL_BOOL || c->def.encoding == PL_ENC_PLAIN)
        return PQ_MODE_PLAIN;
    if (c->def.encoding == PL_ENC_BYTE_STREAM_SPLIT)
        return PQ_MODE_BSS;
    if (c->dict_given_up)
        return c->plain_mode;
    return PQ_MODE_DICT;
}

pl_status pq_col_init(pq_col *c, const pl_column *def, const pq_col_cfg *cfg, pl_error *err)
{
    memset(c, 0, sizeof *c);
    c->def = *def;
    c->def.name = NULL;
    pq_buf_init(&c->vals, "parquet page values");
    pq_buf_init(&c->raw, "parquet page");
    pq_buf_init(&c->hdr, "parquet page header");
    pq_buf_init(&c->dict, "parquet dictionary");
    pq_buf_init(&c->pages, "parquet column chunk");
    pq_buf_init(&c->smin, "parquet statistics");
    pq_buf_init(&c->smax, "parquet statistics");
    static const int ptype[] = {PQT_BOOLEAN, PQT_INT32, PQT_INT64, PQT_FLOAT, PQT_DOUBLE, PQT_BYTE_ARRAY, PQT_INT64};
    static const int width[] = {1, 4, 8, 4, 8, 0, 8};
    c->ptype = ptype[def->type];
    c->width = width[def->type];
    c->name = pl_strdup(def->name, err);
    if (!c->name)
        return err ? err->code : PL_ENOMEM;
    c->def.name = c->name;
    c->page_cap = cfg->page_bytes / 4 ? cfg->page_bytes / 4 : 1;
    bool fp = def->type == PL_COL_FLOAT || def->type == PL_COL_DOUBLE;
    c->plain_mode =
        fp && def->encoding == PL_ENC_AUTO && cfg->codec->codec != PL_CODEC_NONE ? PQ_MODE_BSS : PQ_MODE_PLAIN;
    if (def->nullable && !(c->levels = pl_alloc(c->page_cap, "parquet definition levels", err)))
        return err ? err->code : PL_ENOMEM;
    c->mode = initial_mode(c);
    if (c->mode == PQ_MODE_DICT &&
        !(c->idx = pl_alloc(c->page_cap * sizeof *c->idx, "parquet dictionary indices", err)))
        return err ? err->code : PL_ENOMEM;
    stats_reset(c);
    return PL_OK;
}

void pq_col_free(pq_col *c)
{
    pl_free(c->name);
    pl_free(c->levels);
    pl_free(c->idx);
    pl_free(c->slots);
    pl_free(c->doff);
    pl_free(c->dhash);
    pq_buf_free(&c->vals);
    pq_buf_free(&c->raw);
    pq_buf_free(&c->hdr);
    pq_buf_free(&c->dict);
    pq_buf_free(&c->pages);
    pq_buf_free(&c->smin);
    pq_buf_free(&c->smax);
    memset(c, 0, sizeof *c);
}

/* ---- statistics ---- */

/* min/max over n fixed-width values; NaN never wins a comparison, so it is excluded for free. */
#define MINMAX_LOOP(T, FIELD)                                                                                          \
    do {                                                                                                               \
        const T *v = src;                                                                                              \
        T mn = c->mn.FIELD, mx = c->mx.FIELD;                                                                          \
        if (!valid) {                                                                                                  \
            for (size_t i = 0; i < n; i++) {                                                                           \
                mn = v[i] < mn ? v[i] : mn;                                                                            \
                mx = v[i] > mx ? v[i] : mx;                                                                            \
            }                                                                                                          \
        } else {                                                                                                       \
            for (size_t i = 0; i < n; i++) {                                                                           \
                if (!valid[i])                                                                                         \
                    continue;                                                                                          \
                mn = v[i] < mn ? v[i] : mn;                                                                            \
                mx = v[i] > mx ? v[i] : mx;                                                                            \
            }                                                                                                          \
        }                                                                                                              \
        c->mn.FIELD = mn;                                                                                              \
        c->mx.FIELD = mx;                                                                                              \
    } while (0)

static void stats_fixed(pq_col *c, const void *src, const uint8_t *valid, size_t n)
{
    switch (c->def.type) {
    case PL_COL_BOOL: {
        const uint8_t *v = src;
        for (size_t i = 0; i < n; i++) {
            if (valid && !valid[i])
                continue;
            uint8_t b = v[i] != 0;
            c->mn.b = b < c->mn.b ? b : c->mn.b;
            c->mx.b = b > c->mx.b ? b : c->mx.b;
        }
        break;
    }
    case PL_COL_INT32: MINMAX_LOOP(int32_t, i32); break;
    case PL_COL_INT64:
    case PL_COL_TIMESTAMP_US: MINMAX_LOOP(int64_t, i64); break;
    case PL_COL_FLOAT: MINMAX_LOOP(float, f); break;
    case PL_COL_DOUBLE: MINMAX_LOOP(double, d); break;
    case PL_COL_STRING: break;
    }
}

static int bytes_cmp(const uint8_t *a, size_t la, const uint8_t *b, size_t lb)
{
    size_t n = la < lb ? la : lb;
    int r = n ? memcmp(a, b, n) : 0; /* an empty bound may have no buffer yet */
    return r ? r : (la > lb) - (la < lb);
}

/* String bounds compare unsigned bytewise (memcmp), which is UTF-8 code point order. */
static void stats_string(pq_col *c, const uint8_t *s, size_t len)
{
    if (c->str_stats_off)
        return;
    bool first = !c->has_minmax;
    if (first || bytes_cmp(s, len, c->smin.data, c->smin.len) < 0) {
        if (len > PQ_STR_STAT_MAX) {
            c->str_stats_off = true;
            return;
        }
        c->smin.len = 0;
        pq_buf_put(&c->smin, s, len);
    }
    if (first || bytes_cmp(s, len, c->smax.data, c->smax.len) > 0) {
        if (len > PQ_STR_STAT_MAX) {
            c->str_stats_off = true;
            return;
        }
        c->smax.len = 0;
        pq_buf_put(&c->smax, s, len);
    }
    c->has_minmax = true;
}

bool pq_col_stats_bounds(const pq_col *c, uint8_t *mn, size_t *mn_len, uint8_t *mx, size_t *mx_len, const uint8_t **smn,
                         const uint8_t **smx)
{
    int64_t nonnull = c->chunk_values - c->nulls;
    *smn = *smx = NULL;
    switch (c->def.type) {
    case PL_COL_STRING:
        if (!c->has_minmax || c->str_stats_off)
            return false;
        *smn = c->smin.data, *mn_len = c->smin.len;
        *smx = c->smax.data, *mx_len = c->smax.len;
        return true;
    case PL_COL_BOOL:
        if (nonnull <= 0)
            return false;
        mn[0] = c->mn.b, mx[0] = c->mx.b, *mn_len = *mx_len = 1;
        return true;
    case PL_COL_FLOAT: {
        if (!(c->mn.f <= c->mx.f))
            return false; /* only NaNs (or nothing) */
        float a = c->mn.f == 0 ? -0.0f : c->mn.f, b = c->mx.f == 0 ? 0.0f : c->mx.f;
        memcpy(mn, &a, 4), memcpy(mx, &b, 4), *mn_len = *mx_len = 4;
        return true;
    }
    case PL_COL_DOUBLE: {
        if (!(c->mn.d <= c->mx.d))
            return false;
        double a = c->mn.d == 0 ? -0.0 : c->mn.d, b = c->mx.d == 0 ? 0.0 : c->mx.d;
        memcpy(mn, &a, 8), memcpy(mx, &b, 8), *mn_len = *mx_len = 8;
        return true;
    }
    default:
        if (nonnull <= 0)
            return false;
        memcpy(mn, &c->mn, (size_t)c->width), memcpy(mx, &c->mx, (size_t)c->width);
        *mn_len = *mx_len = (size_t)c->width;
        return true;
    }
}

/* ---- dictionary ---- */

static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = mix64(h ^ w);
        p += 8, n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, p, n);
    return mix64(h ^ w ^ 0x5bd1e995);
}

/* Doubles the slot table (entries + 1 per slot) and re-inserts every entry. */
static int dict_grow(pq_col *c, pl_error *err)
{
    size_t n = c->nslots ? c->nslots * 2 : 1024;
    uint32_t *s = pl_calloc(n, sizeof *s, "parquet dictionary hash table", err);
    if (!s)
        return 0;
    for (uint32_t e = 0; e < c->dict_n; e++) {
        uint64_t h;
        if (c->width) {
            uint64_t key = 0;
            memcpy(&key, c->dict.data + (size_t)e * (size_t)c->width, (size_t)c->width);
            h = mix64(key);
        } else {
            h = c->dhash[e];
        }
        size_t i = (size_t)h & (n - 1);
        while (s[i])
            i = (i + 1) & (n - 1);
        s[i] = e + 1;
    }
    pl_free(c->slots);
    c->slots = s;
    c->nslots = n;
    return 1;
}

/* Room for one more entry: the table stays at most half full; strings keep offsets and hashes per entry. */
static int dict_room(pq_col *c, pl_error *err)
{
    if ((size_t)(c->dict_n + 1) * 2 > c->nslots && !dict_grow(c, err))
        return 0;
    if (!c->width && c->dict_n + 1 > c->dcap) {
        size_t n = c->dcap ? c->dcap * 2 : 256;
        uint32_t *o = pl_realloc(c->doff, n * sizeof *o, "parquet dictionary offsets", err);
        if (!o)
            return 0;
        c->doff = o;
        uint32_t *h = pl_realloc(c->dhash, n * sizeof *h, "parquet dictionary hashes", err);
        if (!h)
            return 0;
        c->dhash = h;
        c->dcap = n;
    }
    return 1;
}

/* Index of a fixed-width value (key holds its bits), inserting it. -1: the dictionary is full; -2: no memory.
 * Always inlined with a constant width, so the key loads are single moves rather than memcpy calls. */
static inline __attribute__((always_inline)) int64_t dict_fixed(pq_col *c, const pq_col_cfg *cfg, uint64_t key,
                                                                const void *value, size_t w, pl_error *err)
{
    if (c->has_last && key == c->last_key)
        return c->last_idx;
    if (c->nslots) {
        size_t i = (size_t)mix64(key) & (c->nslots - 1);
        for (uint32_t e; (e = c->slots[i]) != 0; i = (i + 1) & (c->nslots - 1)) {
            uint64_t k = 0;
            memcpy(&k, c->dict.data + (size_t)(e - 1) * w, w);
            if (k == key) {
                c->last_key = key, c->last_idx = e - 1, c->has_last = true;
                return e - 1;
            }
        }
    }
    if (c->dict.len + w > cfg->dict_max_bytes)
        return -1;
    if (!dict_room(c, err))
        return -2;
    size_t i = (size_t)mix64(key) & (c->nslots - 1);
    while (c->slots[i])
        i = (i + 1) & (c->nslots - 1);
    pq_buf_put(&c->dict, value, w);
    if (c->dict.status != PL_OK)
        return -2;
    c->slots[i] = ++c->dict_n;
    stats_fixed(c, value, NULL, 1);
    c->last_key = key, c->last_idx = c->dict_n - 1, c->has_last = true;
    return c->dict_n - 1;
}

static int64_t dict_string(pq_col *c, const pq_col_cfg *cfg, const uint8_t *s, size_t len, pl_error *err)
{
    if (c->has_last) {
        const uint8_t *e = c->dict.data + c->doff[c->last_idx];
        uint32_t elen;
        memcpy(&elen, e, 4);
        if (elen == len && memcmp(e + 4, s, len) == 0)
            return c->last_idx;
    }
    uint64_t h = hash_bytes(s, len);
    uint32_t h32 = (uint32_t)h;
    if (c->nslots) {
        size_t i = (size_t)h32 & (c->nslots - 1);
        for (uint32_t e; (e = c->slots[i]) != 0; i = (i + 1) & (c->nslots - 1)) {
            if (c->dhash[e - 1] != h32)
                continue;
            const uint8_t *p = c->dict.data + c->doff[e - 1];
            uint32_t elen;
            memcpy(&elen, p, 4);
            if (elen == len && memcmp(p + 4, s, len) == 0) {
                c->last_idx = e - 1, c->has_last = true;
                return e - 1;
            }
        }
    }
    if (c->dict.len + 4 + len > cfg->dict_max_bytes)
        return -1;
    if (!dict_room(c, err))
        return -2;
    c->dhash[c->dict_n] = h32;
    size_t i = (size_t)h32 & (c->nslots - 1);
    while (c->slots[i])
        i = (i + 1) & (c->nslots - 1);
    c->doff[c->dict_n] = (uint32_t)c->dict.len;
    pq_buf_u32le(&c->dict, (uint32_t)len);
    pq_buf_put(&c->dict, s, len);
    if (c->dict.status != PL_OK)
        return -2;
    c->slots[i] = ++c->dict_n;
    stats_string(c, s, len);
    c->last_idx = c->dict_n - 1, c->has_last = true;
    return c->dict_n - 1;
}

static void dict_clear(pq_col *c)
{
    c->dict.len = 0;
    c->dict_n = 0;
    if (c->slots)
        memset(c->slots, 0, c->nslots * sizeof *c->slots);
    c->has_last = false;
    c->dict_pages = false;
    c->dict_full = false;
}

/* The dictionary did not pay on the chunk's first page: re-expand the page to PLAIN and stop using it. */
static void dict_give_up(pq_col *c)
{
    c->vals.len = 0;
    for (size_t k = 0; k < c->page_nonnull; k++) {
        if (c->width) {
            pq_buf_put(&c->vals, c->dict.data + (size_t)c->idx[k] * (size_t)c->width, (size_t)c->width);
        } else {
            const uint8_t *p = c->dict.data + c->doff[c->idx[k]];
            uint32_t len;
            memcpy(&len, p, 4);
            pq_buf_put(&c->vals, p, 4 + (size_t)len);
        }
    }
    dict_clear(c);
    c->dict_given_up = true;
    c->mode = c->plain_mode;
}

static void byte_stream_split(pq_buf *out, const uint8_t *src, size_t nvals, size_t w);

/* Compressed size of a buffer with the column's codec (raw size without one); SIZE_MAX on failure. */
static size_t packed_size(const pq_col_cfg *cfg, const pq_buf *b)
{
    if (b->status != PL_OK)
        return SIZE_MAX;
    if (cfg->codec->codec == PL_CODEC_NONE)
        return b->len;
    return pq_compress(cfg->codec, b->data, b->len, NULL) == PL_OK ? cfg->codec->out.len : SIZE_MAX;
}

/* The trial: the page so far compressed as dictionary (dictionary page + indices) and without one (PLAIN or BSS).
 * Measured rather than guessed: on recorded signals a dictionary of quantized floats often loses to BSS under zstd
 * even when values repeat (its indices scramble what neighbouring samples share); see docs/parquet.md. */
static bool dict_wins_trial(pq_col *c, const pq_col_cfg *cfg)
{
    pq_buf idx, alt, tmp;
    pq_buf_init(&idx, "parquet encoding trial");
    pq_buf_init(&alt, "parquet encoding trial");
    pq_buf_init(&tmp, "parquet encoding trial");
    int bw = pq_bit_width(c->dict_n ? c->dict_n - 1 : 0);
    pq_buf_byte(&idx, (uint8_t)bw);
    pq_rle_encode_u32(&idx, c->idx, c->page_nonnull, bw);
    for (size_t k = 0; k < c->page_nonnull; k++) {
        if (c->width) {
            pq_buf_put(&tmp, c->dict.data + (size_t)c->idx[k] * (size_t)c->width, (size_t)c->width);
        } else {
            const uint8_t *p = c->dict.data + c->doff[c->idx[k]];
            uint32_t len;
            memcpy(&len, p, 4);
            pq_buf_put(&tmp, p, 4 + (size_t)len);
        }
    }
    if (c->plain_mode == PQ_MODE_BSS)
        byte_stream_split(&alt, tmp.data, c->page_nonnull, (size_t)c->width);
    const pq_buf *other = c->plain_mode == PQ_MODE_BSS ? &alt : &tmp;
    size_t d = packed_size(cfg, &c->dict), i = packed_size(cfg, &idx), o = packed_size(cfg, other);
    bool wins = d != SIZE_MAX && i != SIZE_MAX && (o == SIZE_MAX || d + i < o);
    pq_buf_free(&idx);
    pq_buf_free(&alt);
    pq_buf_free(&tmp);
    return wins;
}

/* AUTO only, once per column: keep the dictionary when values repeat (at least twice on average; checked from
 * PQ_DICT_TRIAL values on, so unique values are not hashed for long) and, when the first page is flushed with at least
 * PQ_DICT_TRIAL values, the trial compression of that whole page says it is smaller. */
static void maybe_give_up(pq_col *c, const pq_col_cfg *cfg, bool at_flush)
{
    if (c->def.encoding != PL_ENC_AUTO || c->mode != PQ_MODE_DICT || c->dict_pages || c->auto_decided)
        return;
    if ((size_t)c->dict_n * 2 > c->page_nonnull) {
        dict_give_up(c);
        return;
    }
    if (!at_flush || c->page_nonnull < PQ_DICT_TRIAL)
        return; /* a short first page (a small table): the repetition test alone */
    c->auto_decided = true;
    if (!dict_wins_trial(c, cfg))
        dict_give_up(c);
}

/* ---- appending a slice ---- */

static inline void put_level(pq_col *c, const uint8_t *valid, size_t i, bool *present)
{
    *present = !valid || valid[i];
    if (c->levels)
        c->levels[c->page_n] = *present;
    c->page_n++;
    if (*present)
        c->page_nonnull++;
    else
        c->nulls++;
}

static size_t append_fixed_plain(pq_col *c, const pq_col_cfg *cfg, const pl_colbuf *b, size_t off, size_t n)
{
    size_t w = (size_t)c->width;
    const uint8_t *src = (const uint8_t *)b->values + off * w;
    const uint8_t *valid = b->valid ? b->valid + off : NULL;
    size_t room = (cfg->page_bytes > c->vals.len ? cfg->page_bytes - c->vals.len : 0) / w;
    if (n > room)
        n = room ? room : 1;
    stats_fixed(c, src, valid, n);
    if (c->def.type == PL_COL_BOOL) {
        if (!pq_buf_reserve(&c->vals, n))
            return 0;
        for (size_t i = 0; i < n; i++) {
            bool present;
            put_level(c, valid, i, &present);
            if (present)
                c->vals.data[c->vals.len++] = src[i] != 0;
        }
        return n;
    }
    if (!valid) {
        if (c->levels)
            memset(c->levels + c->page_n, 1, n);
        pq_buf_put(&c->vals, src, n * w);
        c->page_n += n;
        c->page_nonnull += n;
        return n;
    }
    if (!pq_buf_reserve(&c->vals, n * w))
        return 0;
    for (size_t i = 0; i < n; i++) {
        bool present;
        put_level(c, valid, i, &present);
        if (present) {
            memcpy(c->vals.data + c->vals.len, src + i * w, w);
            c->vals.len += w;
        }
    }
    return n;
}

/* Appends r more copies of the last dictionary entry: a bundle's sweep, rate and unit columns are such runs. */
static inline void repeat_last(pq_col *c, size_t r)
{
    uint32_t e = c->idx[c->page_nonnull - 1];
    uint32_t *dst = c->idx + c->page_nonnull;
    size_t k = 0;
#ifdef __SSE2__
    __m128i v = _mm_set1_epi32((int)e);
    for (; k + 4 <= r; k += 4)
        _mm_storeu_si128((__m128i *)(dst + k), v);
#endif
    for (; k < r; k++)
        dst[k] = e;
    if (c->levels)
        memset(c->levels + c->page_n, 1, r);
    c->page_n += r;
    c->page_nonnull += r;
}

/* A dictionary lookup that added no entry: -1 means the dictionary is full (the page flushes and the chunk goes on
 * without it), anything else is a failed allocation. */
static void dict_stop(pq_col *c, int64_t e, pl_status *st, const pl_error *err)
{
    if (e == -1)
        c->dict_full = true;
    else
        *st = err ? err->code : PL_ENOMEM;
}

static inline __attribute__((always_inline)) size_t append_fixed_dict_w(pq_col *c, const pq_col_cfg *cfg,
                                                                        const pl_colbuf *b, size_t off, size_t n,
                                                                        size_t w, pl_status *st, pl_error *err)
{
    const uint8_t *src = (const uint8_t *)b->values + off * w;
    const uint8_t *valid = b->valid ? b->valid + off : NULL;
    for (size_t i = 0; i < n; i++) {
        if (valid && !valid[i]) {
            bool present;
            put_level(c, valid, i, &present);
            continue;
        }
        /* Runs of one value (a sweep number, a rate) reuse the previous entry without a lookup. */
        if (i > 0 && c->page_nonnull > 0) {
            size_t r = !valid ? pq_run_from(src, i, n, w) : valid[i - 1] && !memcmp(src + i * w, src + (i - 1) * w, w);
            if (r) {
                repeat_last(c, r);
                i += r - 1;
                continue;
            }
        }
        uint64_t key = 0;
        memcpy(&key, src + i * w, w);
        int64_t e = dict_fixed(c, cfg, key, src + i * w, w, err);
        if (e < 0) {
            dict_stop(c, e, st, err);
            return i;
        }
        if (c->levels)
            c->levels[c->page_n] = 1;
        c->page_n++;
        c->idx[c->page_nonnull++] = (uint32_t)e;
    }
    return n;
}

static size_t append_fixed_dict(pq_col *c, const pq_col_cfg *cfg, const pl_colbuf *b, size_t off, size_t n,
                                pl_status *st, pl_error *err)
{
    if (c->width == 4)
        return append_fixed_dict_w(c, cfg, b, off, n, 4, st, err);
    return append_fixed_dict_w(c, cfg, b, off, n, 8, st, err);
}

static size_t append_strings(pq_col *c, const pq_col_cfg *cfg, const pl_colbuf *b, size_t off, size_t n, pl_status *st,
                             pl_error *err)
{
    const char *const *src = (const char *const *)b->values + off;
    const uint32_t *lens = b->lengths ? b->lengths + off : NULL;
    const uint8_t *valid = b->valid ? b->valid + off : NULL;
    for (size_t i = 0; i < n; i++) {
        if (valid && !valid[i]) {
            bool present;
            put_level(c, valid, i, &present);
            continue;
        }
        const uint8_t *s = (const uint8_t *)src[i];
        /* A run of the same pointer (a bundle's unit for a whole sweep) is the same dictionary entry: skip the
         * length and the lookup. */
        if (c->mode == PQ_MODE_DICT && i > 0 && src[i] == src[i - 1] && (!lens || lens[i] == lens[i - 1]) &&
            c->page_nonnull > 0 && (!valid || valid[i - 1])) {
            size_t r = 1 + (!valid && !lens ? pq_run_from((const uint8_t *)src, i + 1, n, sizeof *src) : 0);
            repeat_last(c, r);
            i += r - 1;
            continue;
        }
        size_t len = lens ? lens[i] : strlen(src[i]);
        if (len > PQ_STR_MAX) {
            *st = pl_error_set(err, PL_ELIMIT, NULL, "column '%s': a string of %zu bytes is too long for Parquet",
                               c->name, len);
            return i;
        }
        if (c->mode == PQ_MODE_DICT) {
            int64_t e = dict_string(c, cfg, s, len, err);
            if (e < 0) {
                dict_stop(c, e, st, err);
                return i;
            }
            c->idx[c->page_nonnull] = (uint32_t)e;
        } else {
            if (c->vals.len >= cfg->page_bytes)
                return i;
            pq_buf_u32le(&c->vals, (uint32_t)len);
            pq_buf_put(&c->vals, s, len);
            stats_string(c, s, len);
        }
        if (c->levels)
            c->levels[c->page_n] = 1;
        c->page_n++;
        c->page_nonnull++;
    }
    return n;
}

static bool page_full(const pq_col *c, const pq_col_cfg *cfg)
{
    return c->page_n >= c->page_cap || c->dict_full || (c->mode != PQ_MODE_DICT && c->vals.len >= cfg->page_bytes);
}

static pl_status buffers_status(pq_col *c, pl_error *err)
{
    pl_status st = pq_buf_status(&c->vals, err);
    if (st == PL_OK)
        st = pq_buf_status(&c->dict, err);
    if (st == PL_OK)
        st = pq_buf_status(&c->smin, err);
    if (st == PL_OK)
        st = pq_buf_status(&c->smax, err);
    return st;
}

pl_status pq_col_append(pq_col *c, const pq_col_cfg *cfg, const pl_colbuf *b, size_t off, size_t n, pl_error *err)
{
    while (n) {
        size_t room = c->page_cap - c->page_n;
        size_t m = n < room ? n : room;
        pl_status st = PL_OK;
        size_t done;
        if (c->width == 0)
            done = append_strings(c, cfg, b, off, m, &st, err);
        else if (c->mode == PQ_MODE_DICT)
            done = append_fixed_dict(c, cfg, b, off, m, &st, err);
        else
            done = append_fixed_plain(c, cfg, b, off, m);
        if (st == PL_OK)
            st = buffers_status(c, err);
        if (st != PL_OK)
            return st;
        off += done;
        n -= done;
        if (c->mode == PQ_MODE_DICT && c->page_nonnull >= PQ_DICT_TRIAL)
            maybe_give_up(c, cfg, false);
        if (page_full(c, cfg) && (st = pq_col_flush_page(c, cfg, err)) != PL_OK)
            return st;
    }
    return PL_OK;
}

/* ---- pages ---- */

static void put_page_header(pq_buf *out, int type, size_t uncomp, size_t comp, int32_t nvalues, int encoding,
                            bool dict_page)
{
    tw w;
    tw_init(&w, out);
    tw_elem_struct_begin(&w);
    tw_i32(&w, 1, type);
    tw_i32(&w, 2, (int32_t)uncomp);
    tw_i32(&w, 3, (int32_t)comp);
    tw_struct_begin(&w, dict_page ? 7 : 5);
    tw_i32(&w, 1, nvalues);
    tw_i32(&w, 2, encoding);
    if (!dict_page) {
        tw_i32(&w, 3, PQE_RLE);
        tw_i32(&w, 4, PQE_RLE);
    }
    tw_struct_end(&w);
    tw_struct_end(&w);
}

#ifdef __SSE2__
/* Sixteen values of w bytes (w = 4 or 8) at a time: they are a 16 x w byte matrix in w registers, and
 * BYTE_STREAM_SPLIT wants its transpose, one register per stream. Interleaving the first half of the registers'
 * bytes with the second (unpacklo/unpackhi, a perfect shuffle) rotates each byte's index bits left by one; four
 * shuffles rotate by four, which turns index (value, byte) into (byte, value): the transpose. */
static inline __attribute__((always_inline)) void split16(uint8_t *o, const uint8_t *src, size_t nvals, size_t w)
{
    size_t i = 0;
    for (; i + 16 <= nvals; i += 16) {
        __m128i r[8], t[8];
        for (size_t k = 0; k < w; k++)
            r[k] = _mm_loadu_si128((const __m128i *)(src + i * w + 16 * k));
        for (int round = 0; round < 4; round++) {
            for (size_t k = 0; k < w / 2; k++) {
                t[2 * k] = _mm_unpacklo_epi8(r[k], r[k + w / 2]);
                t[2 * k + 1] = _mm_unpackhi_epi8(r[k], r[k + w / 2]);
            }
            for (size_t k = 0; k < w; k++)
                r[k] = t[k];
        }
        for (size_t k = 0; k < w; k++)
            _mm_storeu_si128((__m128i *)(o + k * nvals + i), r[k]);
    }
    for (; i < nvals; i++)
        for (size_t k = 0; k < w; k++)
            o[k * nvals + i] = src[i * w + k];
}
#endif

/* BYTE_STREAM_SPLIT: byte k of every value goes to stream k; streams follow each other. */
static void byte_stream_split(pq_buf *out, const uint8_t *src, size_t nvals, size_t w)
{
    if (!pq_buf_reserve(out, nvals * w))
        return;
    uint8_t *o = out->data + out->len;
#ifdef __SSE2__
    if (w == 4)
        split16(o, src, nvals, 4);
    else if (w == 8)
        split16(o, src, nvals, 8);
    else
#endif
    {
        for (size_t k = 0; k < w; k++)
            for (size_t i = 0; i < nvals; i++)
                o[k * nvals + i] = src[i * w + k];
    }
    out->len += nvals * w;
}

static void pack_bools(pq_buf *out, const uint8_t *v, size_t n)
{
    if (!pq_buf_reserve(out, (n + 7) / 8))
        return;
    uint8_t *o = out->data + out->len;
    memset(o, 0, (n + 7) / 8);
    for (size_t i = 0; i < n; i++)
        o[i >> 3] |= (uint8_t)(v[i] << (i & 7));
    out->len += (n + 7) / 8;
}

/* Assembles the page body (levels, values) and returns it with its encoding. */
static const pq_buf *page_body(pq_col *c, int *encoding)
{
    pq_buf *raw = &c->raw;
    raw->len = 0;
    if (c->levels) {
        pq_buf_u32le(raw, 0);
        size_t start = raw->len;
        pq_rle_encode_u8(raw, c->levels, c->page_n, 1);
        if (raw->status == PL_OK) {
            uint32_t n = (uint32_t)(raw->len - start);
            memcpy(raw->data + start - 4, &n, 4);
        }
    }
    if (c->mode == PQ_MODE_DICT && c->page_nonnull == 0) {
        *encoding = PQE_PLAIN; /* all nulls: no values, and no reason to need a dictionary */
        return raw;
    }
    if (c->mode == PQ_MODE_DICT) {
        int bw = pq_bit_width(c->dict_n ? c->dict_n - 1 : 0);
        pq_buf_byte(raw, (uint8_t)bw);
        pq_rle_encode_u32(raw, c->idx, c->page_nonnull, bw);
        *encoding = PQE_RLE_DICTIONARY;
        return raw;
    }
    if (c->mode == PQ_MODE_BSS) {
        byte_stream_split(raw, c->vals.data, c->page_nonnull, (size_t)c->width);
        *encoding = PQE_BYTE_STREAM_SPLIT;
        return raw;
    }
    *encoding = PQE_PLAIN;
    if (c->def.type == PL_COL_BOOL) {
        pack_bools(raw, c->vals.data, c->vals.len);
        return raw;
    }
    if (!c->levels)
        return &c->vals; /* no copy: the values are the page */
    pq_buf_put(raw, c->vals.data, c->vals.len);
    return raw;
}

pl_status pq_col_flush_page(pq_col *c, const pq_col_cfg *cfg, pl_error *err)
{
    pl_status st;
    if (c->page_n > 0) {
        maybe_give_up(c, cfg, true);
        if ((st = buffers_status(c, err)) != PL_OK)
            return st;
        int encoding;
        const pq_buf *body = page_body(c, &encoding);
        if ((st = pq_buf_status(&c->raw, err)) != PL_OK)
            return st;
        if ((st = pq_compress(cfg->codec, body->data, body->len, err)) != PL_OK)
            return st;
        const pq_buf *z = &cfg->codec->out;
        c->hdr.len = 0;
        put_page_header(&c->hdr, PQP_DATA_PAGE, body->len, z->len, (int32_t)c->page_n, encoding, false);
        pq_buf_put(&c->pages, c->hdr.data, c->hdr.len);
        pq_buf_put(&c->pages, z->data, z->len);
        if ((st = pq_buf_status(&c->hdr, err)) != PL_OK || (st = pq_buf_status(&c->pages, err)) != PL_OK)
            return st;
        if (encoding == PQE_RLE_DICTIONARY)
            c->dict_pages = true;
        c->chunk_values += (int64_t)c->page_n;
        c->chunk_uncomp += (int64_t)(c->hdr.len + body->len);
        c->enc_mask |= 1u << encoding;
        c->enc_pages[encoding]++;
        c->page_n = c->page_nonnull = 0;
        c->vals.len = 0;
    }
    if (c->dict_full) {
        /* the dictionary stays for the pages that used it; the rest of the chunk is PLAIN */
        c->dict_full = false;
        c->mode = c->plain_mode;
        if (c->def.encoding == PL_ENC_AUTO)
            c->dict_given_up = true;
    }
    return PL_OK;
}

size_t pq_col_buffered(const pq_col *c)
{
    return c->pages.len + c->dict.len + c->vals.len + c->page_nonnull * (c->mode == PQ_MODE_DICT ? 1 : 0);
}

pl_status pq_col_dict_page(pq_col *c, const pq_col_cfg *cfg, pq_buf *out, int64_t *uncomp, pl_error *err)
{
    out->len = 0;
    *uncomp = 0;
    if (!c->dict_pages)
        return PL_OK;
    pl_status st = pq_compress(cfg->codec, c->dict.data, c->dict.len, err);
    if (st != PL_OK)
        return st;
    const pq_buf *z = &cfg->codec->out;
    put_page_header(out, PQP_DICTIONARY_PAGE, c->dict.len, z->len, (int32_t)c->dict_n, PQE_PLAIN, true);
    *uncomp = (int64_t)(out->len + c->dict.len);
    pq_buf_put(out, z->data, z->len);
    return pq_buf_status(out, err);
}

void pq_col_reset_chunk(pq_col *c)
{
    c->pages.len = 0;
    c->chunk_values = 0;
    c->chunk_uncomp = 0;
    c->enc_mask = 0;
    memset(c->enc_pages, 0, sizeof c->enc_pages);
    dict_clear(c);
    c->mode = initial_mode(c);
    stats_reset(c);
}

/* Writes the Parquet (and CSV) fixtures of the round-trip integration test into a folder: for every case
 * <case>.parquet (or .csv) and <case>.json holding the case's definition and every value given to the writer,
 * encoded as parquet_dump.mjs encodes what the readers return (NaN/inf/-inf/-0 as strings, int64 and timestamps as
 * decimal strings). Usage: gen_fixtures OUTDIR [CASE] */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plateau/mem.h"
#include "plateau/progress.h"
#include "plateau/table.h"

enum { NULLS_NONE, NULLS_FIRST, NULLS_LAST, NULLS_ALL, NULLS_THIRD, NULLS_RUNS };
enum { PAT_GENERAL, PAT_LOWCARD, PAT_UNIQUE, PAT_NAN, PAT_ZEROS, PAT_EXTREMES, PAT_SIGNAL };

typedef struct colspec {
    const char *name;
    pl_col_type type;
    bool nullable;
    pl_col_encoding enc;
    int nulls, pattern;
} colspec;

typedef struct casespec {
    const char *name;
    const char *ext;
    size_t nrows, batch;
    pl_codec codec;
    size_t page, rg, dictmax;
    bool kv;
    int ncols;
    colspec cols[16];
} casespec;

#define ALLTYPES(enc)                                                                                                  \
    {"b", PL_COL_BOOL, false, PL_ENC_AUTO, NULLS_NONE, PAT_GENERAL},                                                   \
        {"i32", PL_COL_INT32, false, enc, NULLS_NONE, PAT_GENERAL},                                                    \
        {"i64", PL_COL_INT64, false, enc, NULLS_NONE, PAT_GENERAL},                                                    \
        {"f32", PL_COL_FLOAT, false, enc, NULLS_NONE, PAT_GENERAL},                                                    \
        {"f64", PL_COL_DOUBLE, false, enc, NULLS_NONE, PAT_GENERAL},                                                   \
        {"s", PL_COL_STRING, false, enc, NULLS_NONE, PAT_GENERAL},                                                     \
        {"ts", PL_COL_TIMESTAMP_US, false, enc, NULLS_NONE, PAT_GENERAL},                                              \
        {"nb", PL_COL_BOOL, true, PL_ENC_AUTO, NULLS_FIRST, PAT_GENERAL},                                              \
        {"ni32", PL_COL_INT32, true, enc, NULLS_LAST, PAT_LOWCARD},                                                    \
        {"ni64", PL_COL_INT64, true, enc, NULLS_THIRD, PAT_GENERAL},                                                   \
        {"nf32", PL_COL_FLOAT, true, enc, NULLS_RUNS, PAT_GENERAL},                                                    \
        {"nf64", PL_COL_DOUBLE, true, enc, NULLS_THIRD, PAT_LOWCARD},                                                  \
        {"ns", PL_COL_STRING, true, enc, NULLS_RUNS, PAT_LOWCARD},                                                     \
        {"nts", PL_COL_TIMESTAMP_US, true, enc, NULLS_FIRST, PAT_GENERAL},                                             \
        {"nall", PL_COL_STRING, true, enc, NULLS_ALL, PAT_GENERAL},                                                    \
    {                                                                                                                  \
        "nnone", PL_COL_DOUBLE, true, enc, NULLS_NONE, PAT_UNIQUE                                                      \
    }

static const casespec CASES[] = {
    {"auto_zstd", "parquet", 1000, 333, PL_CODEC_ZSTD, 0, 0, 0, true, 16, {ALLTYPES(PL_ENC_AUTO)}},
    {"plain_zstd", "parquet", 1000, 1000, PL_CODEC_ZSTD, 0, 0, 0, false, 16, {ALLTYPES(PL_ENC_PLAIN)}},
    {"dict_snappy", "parquet", 1000, 64, PL_CODEC_SNAPPY, 0, 0, 0, false, 16, {ALLTYPES(PL_ENC_DICT)}},
    {"plain_none", "parquet", 500, 500, PL_CODEC_NONE, 0, 0, 0, false, 16, {ALLTYPES(PL_ENC_PLAIN)}},
    {"dict_none", "parquet", 500, 7, PL_CODEC_NONE, 0, 0, 0, false, 16, {ALLTYPES(PL_ENC_DICT)}},
    {"empty", "parquet", 0, 1, PL_CODEC_ZSTD, 0, 0, 0, false, 16, {ALLTYPES(PL_ENC_AUTO)}},
    {"one_row", "parquet", 1, 1, PL_CODEC_ZSTD, 0, 0, 0, false, 16, {ALLTYPES(PL_ENC_AUTO)}},
    {"multi_rg_pages", "parquet", 20000, 4096, PL_CODEC_SNAPPY, 2048, 24 << 10, 0, false, 16, {ALLTYPES(PL_ENC_AUTO)}},
    {"multi_rg_zstd", "parquet", 6000, 6000, PL_CODEC_ZSTD, 8192, 64 << 10, 0, false, 16, {ALLTYPES(PL_ENC_DICT)}},
    {"dict_fallback",
     "parquet",
     3000,
     1000,
     PL_CODEC_SNAPPY,
     1024,
     0,
     2000,
     false,
     3,
     {{"u", PL_COL_STRING, false, PL_ENC_DICT, NULLS_NONE, PAT_UNIQUE},
      {"nu", PL_COL_INT64, true, PL_ENC_DICT, NULLS_THIRD, PAT_UNIQUE},
      {"auto", PL_COL_STRING, false, PL_ENC_AUTO, NULLS_NONE, PAT_UNIQUE}}},
    {"bss",
     "parquet",
     5000,
     1234,
     PL_CODEC_ZSTD,
     4096,
     0,
     0,
     false,
     4,
     {{"f32", PL_COL_FLOAT, false, PL_ENC_BYTE_STREAM_SPLIT, NULLS_NONE, PAT_GENERAL},
      {"f64", PL_COL_DOUBLE, false, PL_ENC_BYTE_STREAM_SPLIT, NULLS_NONE, PAT_SIGNAL},
      {"nf32", PL_COL_FLOAT, true, PL_ENC_BYTE_STREAM_SPLIT, NULLS_RUNS, PAT_SIGNAL},
      {"nf64", PL_COL_DOUBLE, true, PL_ENC_BYTE_STREAM_SPLIT, NULLS_THIRD, PAT_GENERAL}}},
    {"specials",
     "parquet",
     64,
     64,
     PL_CODEC_ZSTD,
     0,
     0,
     0,
     false,
     8,
     {{"nan_only", PL_COL_FLOAT, false, PL_ENC_PLAIN, NULLS_NONE, PAT_NAN},
      {"dnan_only", PL_COL_DOUBLE, true, PL_ENC_AUTO, NULLS_THIRD, PAT_NAN},
      {"zeros", PL_COL_DOUBLE, false, PL_ENC_PLAIN, NULLS_NONE, PAT_ZEROS},
      {"fzeros", PL_COL_FLOAT, false, PL_ENC_DICT, NULLS_NONE, PAT_ZEROS},
      {"i64x", PL_COL_INT64, false, PL_ENC_PLAIN, NULLS_NONE, PAT_EXTREMES},
      {"i32x", PL_COL_INT32, false, PL_ENC_DICT, NULLS_NONE, PAT_EXTREMES},
      {"tsx", PL_COL_TIMESTAMP_US, true, PL_ENC_AUTO, NULLS_LAST, PAT_EXTREMES},
      {"all_null_i32", PL_COL_INT32, true, PL_ENC_AUTO, NULLS_ALL, PAT_GENERAL}}},
    {"table", "csv", 300, 77, PL_CODEC_ZSTD, 0, 0, 0, false, 16, {ALLTYPES(PL_ENC_AUTO)}},
    {"csv_empty",
     "csv",
     0,
     1,
     PL_CODEC_ZSTD,
     0,
     0,
     0,
     false,
     2,
     {{"a,b", PL_COL_INT32, false, PL_ENC_AUTO, NULLS_NONE, PAT_GENERAL},
      {"q\"x", PL_COL_STRING, true, PL_ENC_AUTO, NULLS_NONE, PAT_GENERAL}}},
};

static bool is_null(const colspec *c, size_t i, size_t n)
{
    if (!c->nullable)
        return false;
    switch (c->nulls) {
    case NULLS_FIRST: return i == 0;
    case NULLS_LAST: return i == n - 1;
    case NULLS_ALL: return true;
    case NULLS_THIRD: return i % 3 == 1;
    case NULLS_RUNS: return i == 0 || i == n - 1 || (i / 50) % 4 == 1;
    default: return false;
    }
}

static const char *STRINGS[] = {"",    "µV",       "日本語テキスト", "🧪 emoji",
                                "a,b", "quote\"q", "line\nbreak",    "tab\there"};

typedef union value {
    uint8_t b;
    int32_t i32;
    int64_t i64;
    float f;
    double d;
    const char *s;
} value;

static char g_strbuf[64][64];

static value make_value(const colspec *c, size_t i, size_t slot)
{
    value v;
    memset(&v, 0, sizeof v);
    double x = sin((double)i * 0.37) * 1000.0;
    switch (c->type) {
    case PL_COL_BOOL: v.b = (i * 7) % 3 == 0; break;
    case PL_COL_INT32:
        if (c->pattern == PAT_LOWCARD)
            v.i32 = (int32_t)(i % 5) - 2;
        else if (c->pattern == PAT_UNIQUE)
            v.i32 = (int32_t)i;
        else if (c->pattern == PAT_EXTREMES || i % 10 < 4)
            v.i32 = (int32_t[]){INT32_MIN, INT32_MAX, 0, -1}[i % 4];
        else
            v.i32 = (int32_t)(uint32_t)(i * 2654435761u);
        break;
    case PL_COL_INT64:
    case PL_COL_TIMESTAMP_US:
        if (c->pattern == PAT_LOWCARD)
            v.i64 = (int64_t)(i % 5) * 1000000007LL;
        else if (c->pattern == PAT_UNIQUE)
            v.i64 = (int64_t)i * 3 - 1000;
        else if (c->pattern == PAT_EXTREMES && c->type == PL_COL_TIMESTAMP_US) /* year 1 .. 9999 */
            v.i64 = (int64_t[]){-62135596800000000LL, 253402300799999999LL, 0, -1, -86400000000LL}[i % 5];
        else if (c->pattern == PAT_EXTREMES)
            v.i64 = (int64_t[]){INT64_MIN, INT64_MAX, 0, -1, -86400000000LL}[i % 5];
        else if (c->type == PL_COL_TIMESTAMP_US)
            v.i64 = i % 5 == 0 ? -86400000001LL - (int64_t)i : 1704164645123456LL + (int64_t)i * 1000003;
        else if (i % 10 < 3)
            v.i64 = (int64_t[]){INT64_MIN, INT64_MAX, -1}[i % 3];
        else
            v.i64 = (int64_t)(i * 0x9E3779B97F4A7C15ull);
        break;
    case PL_COL_FLOAT:
    case PL_COL_DOUBLE: {
        double d;
        bool f = c->type == PL_COL_FLOAT;
        if (c->pattern == PAT_NAN)
            d = NAN;
        else if (c->pattern == PAT_ZEROS)
            d = i % 2 ? 0.0 : -0.0;
        else if (c->pattern == PAT_LOWCARD)
            d = (double)(i % 4) * 0.25 - 0.5;
        else if (c->pattern == PAT_UNIQUE)
            d = (double)i * 0.5 + 0.1;
        else if (c->pattern == PAT_SIGNAL)
            d = -65.0 + 80.0 * exp(-fabs(fmod((double)i, 200.0) - 20.0) / 3.0) + sin((double)i * 1.7) * 0.3;
        else {
            static const double sd[] = {NAN, INFINITY, -INFINITY, -0.0, 0.0, 5e-324, DBL_MAX, -DBL_MAX};
            static const double sf[] = {NAN, INFINITY, -INFINITY, -0.0, 0.0, 1e-45, FLT_MAX, -FLT_MAX};
            d = i % 12 < 8 ? (f ? sf : sd)[i % 12] : x;
        }
        if (f)
            v.f = (float)d;
        else
            v.d = d;
        break;
    }
    case PL_COL_STRING:
        if (c->pattern == PAT_LOWCARD)
            v.s = (const char *[]){"mV", "pA", "µV", ""}[i % 4];
        else if (c->pattern == PAT_UNIQUE) {
            snprintf(g_strbuf[slot % 64], 64, "unique-value-%06zu", i * 7919 % 100003);
            v.s = g_strbuf[slot % 64];
        } else if (i % 16 < 8)
            v.s = STRINGS[i % 8];
        else {
            snprintf(g_strbuf[slot % 64], 64, "s%zu", i);
            v.s = g_strbuf[slot % 64];
        }
        break;
    }
    return v;
}

static void json_double(FILE *f, double d)
{
    if (isnan(d))
        fputs("\"NaN\"", f);
    else if (isinf(d))
        fputs(d > 0 ? "\"inf\"" : "\"-inf\"", f);
    else if (d == 0 && signbit(d))
        fputs("\"-0\"", f);
    else
        fprintf(f, "%.17g", d);
}

static void json_value(FILE *f, const colspec *c, value v)
{
    switch (c->type) {
    case PL_COL_BOOL: fputs(v.b ? "true" : "false", f); break;
    case PL_COL_INT32: fprintf(f, "%" PRId32, v.i32); break;
    case PL_COL_INT64:
    case PL_COL_TIMESTAMP_US: fprintf(f, "\"%" PRId64 "\"", v.i64); break;
    case PL_COL_FLOAT: json_double(f, (double)v.f); break;
    case PL_COL_DOUBLE: json_double(f, v.d); break;
    case PL_COL_STRING: {
        char buf[512];
        pl_json_quote(v.s, buf, sizeof buf);
        fputs(buf, f);
        break;
    }
    }
}

static const char *TYPE_NAMES[] = {"bool", "int32", "int64", "float", "double", "string", "timestamp_us"};
static const char *ENC_NAMES[] = {"auto", "plain", "dict", "byte_stream_split"};
static const char *CODEC_NAMES[] = {"zstd", "snappy", "none"};

static int write_case(const char *dir, const casespec *cs)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.%s", dir, cs->name, cs->ext);
    pl_column cols[16];
    for (int c = 0; c < cs->ncols; c++)
        cols[c] = (pl_column){cs->cols[c].name, cs->cols[c].type, cs->cols[c].nullable, cs->cols[c].enc};
    pl_table_options o;
    pl_table_options_default(&o);
    o.codec = cs->codec;
    if (cs->page)
        o.page_bytes = cs->page;
    if (cs->rg)
        o.row_group_bytes = cs->rg;
    if (cs->dictmax)
        o.dict_max_bytes = cs->dictmax;
    static const char *kv[] = {"plateau.case", "kv", "unicode.key.µ", "välue, with \"quotes\"", "empty", ""};
    if (cs->kv)
        o.kv = kv, o.n_kv = 3;
    pl_error err;
    pl_table *t;
    if (pl_table_open(path, cols, (size_t)cs->ncols, &o, &t, &err) != PL_OK) {
        fprintf(stderr, "%s: %s\n", path, err.msg);
        return 1;
    }
    size_t B = cs->batch;
    value *vals[16];
    uint8_t *valid[16];
    for (int c = 0; c < cs->ncols; c++) {
        vals[c] = calloc(B, sizeof(value));
        valid[c] = calloc(B, 1);
    }
    void *arrays[16];
    for (int c = 0; c < cs->ncols; c++)
        arrays[c] = calloc(B, 8);
    for (size_t r0 = 0; r0 < cs->nrows; r0 += B) {
        size_t n = cs->nrows - r0 < B ? cs->nrows - r0 : B;
        pl_colbuf bufs[16];
        for (int c = 0; c < cs->ncols; c++) {
            const colspec *cp = &cs->cols[c];
            for (size_t k = 0; k < n; k++) {
                value v = make_value(cp, r0 + k, k);
                if (cp->type == PL_COL_STRING)
                    v.s = strdup(v.s); /* the batch must outlive the 64 scratch slots */
                vals[c][k] = v;
                valid[c][k] = !is_null(cp, r0 + k, cs->nrows);
                switch (cp->type) {
                case PL_COL_BOOL: ((uint8_t *)arrays[c])[k] = v.b; break;
                case PL_COL_INT32: ((int32_t *)arrays[c])[k] = v.i32; break;
                case PL_COL_INT64:
                case PL_COL_TIMESTAMP_US: ((int64_t *)arrays[c])[k] = v.i64; break;
                case PL_COL_FLOAT: ((float *)arrays[c])[k] = v.f; break;
                case PL_COL_DOUBLE: ((double *)arrays[c])[k] = v.d; break;
                case PL_COL_STRING: ((const char **)arrays[c])[k] = valid[c][k] ? v.s : NULL; break;
                }
            }
            bufs[c] = (pl_colbuf){arrays[c], NULL, cp->nullable ? valid[c] : NULL};
        }
        pl_status st = pl_table_write(t, n, bufs, &err);
        for (int c = 0; c < cs->ncols; c++)
            if (cs->cols[c].type == PL_COL_STRING)
                for (size_t k = 0; k < n; k++)
                    free((void *)vals[c][k].s);
        if (st != PL_OK) {
            fprintf(stderr, "%s: %s\n", path, err.msg);
            pl_table_abort(t);
            return 1;
        }
    }
    if (pl_table_close(t, &err) != PL_OK) {
        fprintf(stderr, "%s: %s\n", path, err.msg);
        return 1;
    }
    for (int c = 0; c < cs->ncols; c++)
        free(vals[c]), free(valid[c]), free(arrays[c]);

    snprintf(path, sizeof path, "%s/%s.json", dir, cs->name);
    FILE *f = fopen(path, "w");
    if (!f)
        return 1;
    fprintf(f, "{\"name\":\"%s\",\"file\":\"%s.%s\",\"rows\":%zu,\"codec\":\"%s\",\"kv\":%s,\"columns\":[", cs->name,
            cs->name, cs->ext, cs->nrows, CODEC_NAMES[cs->codec],
            cs->kv ? "[[\"plateau.case\",\"kv\"],[\"unicode.key.µ\",\"välue, with \\\"quotes\\\"\"],[\"empty\",\"\"]]"
                   : "[]");
    for (int c = 0; c < cs->ncols; c++) {
        char name[128];
        pl_json_quote(cs->cols[c].name, name, sizeof name);
        fprintf(f, "%s{\"name\":%s,\"type\":\"%s\",\"nullable\":%s,\"encoding\":\"%s\"}", c ? "," : "", name,
                TYPE_NAMES[cs->cols[c].type], cs->cols[c].nullable ? "true" : "false", ENC_NAMES[cs->cols[c].enc]);
    }
    fputs("],\"values\":{", f);
    for (int c = 0; c < cs->ncols; c++) {
        char name[128];
        pl_json_quote(cs->cols[c].name, name, sizeof name);
        fprintf(f, "%s%s:[", c ? "," : "", name);
        for (size_t i = 0; i < cs->nrows; i++) {
            if (i)
                putc(',', f);
            if (is_null(&cs->cols[c], i, cs->nrows))
                fputs("null", f);
            else
                json_value(f, &cs->cols[c], make_value(&cs->cols[c], i, 0));
        }
        putc(']', f);
    }
    fputs("}}\n", f);
    return fclose(f) != 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: gen_fixtures OUTDIR [CASE]\n");
        return 2;
    }
    int bad = 0;
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++)
        if (argc < 3 || strcmp(argv[2], CASES[i].name) == 0)
            bad |= write_case(argv[1], &CASES[i]);
    if (pl_mem_charged() != 0) {
        fprintf(stderr, "memory still charged after closing every table: %zu bytes\n", pl_mem_charged());
        bad = 1;
    }
    return bad;
}

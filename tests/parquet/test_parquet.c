/* Unit tests of the table writers: the Thrift compact encoder and decoder, the RLE/bit-packed hybrid (bytes
 * computed by hand from the Parquet spec), argument checks, the memory budget and injected allocation failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/parquet/pq_buf.h"
#include "io/parquet/rle.h"
#include "io/parquet/thrift.h"
#include "plateau/mem.h"
#include "plateau/parquet_reader.h"
#include "plateau/table.h"

static void expect_bytes(const pq_buf *b, const uint8_t *want, size_t n)
{
    assert_int_equal(b->status, PL_OK);
    assert_int_equal(b->len, n);
    assert_memory_equal(b->data, want, n);
}

static void test_zigzag_varint(void **state)
{
    (void)state;
    assert_int_equal(pq_zigzag64(0), 0);
    assert_int_equal(pq_zigzag64(-1), 1);
    assert_int_equal(pq_zigzag64(1), 2);
    assert_int_equal(pq_zigzag64(-2), 3);
    assert_true(pq_zigzag64(INT64_MIN) == UINT64_MAX);
    assert_true(pq_zigzag64(INT64_MAX) == UINT64_MAX - 1);
    int64_t samples[] = {0, 1, -1, 63, -64, 64, 300, -300, INT32_MIN, INT32_MAX, INT64_MIN, INT64_MAX};
    for (size_t i = 0; i < sizeof samples / sizeof *samples; i++)
        assert_true(pq_unzigzag64(pq_zigzag64(samples[i])) == samples[i]);
    pq_buf b;
    pq_buf_init(&b, "test");
    pq_buf_uvarint(&b, 300);
    pq_buf_uvarint(&b, 0);
    pq_buf_uvarint(&b, 127);
    pq_buf_uvarint(&b, 128);
    expect_bytes(&b, (const uint8_t[]){0xAC, 0x02, 0x00, 0x7F, 0x80, 0x01}, 6);
    b.len = 0;
    pq_buf_uvarint(&b, UINT64_MAX);
    assert_int_equal(b.len, 10);
    assert_int_equal(b.data[9], 0x01);
    pq_buf_free(&b);
}

static void test_thrift_struct(void **state)
{
    (void)state;
    pq_buf b;
    pq_buf_init(&b, "test");
    tw w;
    tw_init(&w, &b);
    tw_elem_struct_begin(&w);
    tw_i32(&w, 1, 5);                 /* delta 1, i32: 0x15, zigzag(5) = 10 */
    tw_i64(&w, 3, -1);                /* delta 2, i64: 0x26, zigzag(-1) = 1 */
    tw_i32(&w, 20, 1);                /* delta 17 > 15: long form 0x05, zigzag(20) = 40, value 2 */
    tw_bool(&w, 21, true);            /* delta 1, true: 0x11 */
    tw_bool(&w, 22, false);           /* 0x12 */
    tw_string(&w, 23, "ab");          /* 0x18, len 2, 'a' 'b' */
    tw_struct_begin(&w, 24);          /* 0x1C */
    tw_i32(&w, 1, -3);                /* inner scope restarts at 0: 0x15, zigzag(-3) = 5 */
    tw_struct_end(&w);                /* 0x00 */
    tw_i32(&w, 25, 0);                /* outer delta from 24: 0x15 0x00 */
    tw_list_begin(&w, 26, TT_I32, 3); /* 0x19, size 3 << 4 | 5 = 0x35 */
    tw_elem_i32(&w, 1);
    tw_elem_i32(&w, -1);
    tw_elem_i32(&w, 2);
    tw_struct_end(&w);
    const uint8_t want[] = {0x15, 0x0A, 0x26, 0x01, 0x05, 0x28, 0x02, 0x11, 0x12, 0x18, 0x02, 'a', 'b',
                            0x1C, 0x15, 0x05, 0x00, 0x15, 0x00, 0x19, 0x35, 0x02, 0x01, 0x04, 0x00};
    expect_bytes(&b, want, sizeof want);

    /* a list of 20 uses the long header: 0xF0 | type, then the size as a varint */
    b.len = 0;
    tw_init(&w, &b);
    tw_list_begin(&w, 1, TT_BINARY, 20);
    assert_int_equal(b.data[1], 0xF8);
    assert_int_equal(b.data[2], 20);
    /* negative field-id deltas fall back to the long form */
    b.len = 0;
    tw_init(&w, &b);
    tw_i32(&w, 5, 0);
    tw_i32(&w, 2, 0);
    expect_bytes(&b, (const uint8_t[]){0x55, 0x00, 0x05, 0x04, 0x00}, 5);

    /* the reader walks the first encoding back */
    tr r;
    tr_init(&r, want, sizeof want);
    int16_t id;
    tr_struct_begin(&r);
    assert_int_equal(tr_field(&r, &id), TT_I32);
    assert_int_equal(id, 1);
    assert_int_equal(tr_int(&r), 5);
    assert_int_equal(tr_field(&r, &id), TT_I64);
    assert_int_equal(id, 3);
    assert_int_equal(tr_int(&r), -1);
    assert_int_equal(tr_field(&r, &id), TT_I32);
    assert_int_equal(id, 20);
    tr_skip(&r, TT_I32);
    assert_int_equal(tr_field(&r, &id), TT_TRUE);
    assert_int_equal(tr_field(&r, &id), TT_FALSE);
    assert_int_equal(id, 22);
    assert_int_equal(tr_field(&r, &id), TT_BINARY);
    uint32_t n;
    const uint8_t *s = tr_binary(&r, &n);
    assert_int_equal(n, 2);
    assert_memory_equal(s, "ab", 2);
    assert_int_equal(tr_field(&r, &id), TT_STRUCT);
    tr_skip(&r, TT_STRUCT);
    assert_int_equal(tr_field(&r, &id), TT_I32);
    assert_int_equal(id, 25);
    tr_skip(&r, TT_I32);
    uint8_t et;
    assert_int_equal(tr_field(&r, &id), TT_LIST);
    assert_int_equal(tr_list(&r, &et), 3);
    assert_int_equal(et, TT_I32);
    assert_int_equal(tr_int(&r), 1);
    assert_int_equal(tr_int(&r), -1);
    assert_int_equal(tr_int(&r), 2);
    assert_int_equal(tr_field(&r, &id), TT_STOP);
    assert_false(r.bad);

    /* every truncation of it is caught as bad, never read past the end */
    for (size_t cut = 0; cut < sizeof want - 1; cut++) {
        tr_init(&r, want, cut);
        tr_skip(&r, TT_STRUCT);
        assert_true(r.bad);
    }
    pq_buf_free(&b);
}

static void test_rle_spec_bytes(void **state)
{
    (void)state;
    pq_buf b;
    pq_buf_init(&b, "test");
    /* the spec's bit-packing example: 0..7 with bit width 3 */
    uint32_t v[] = {0, 1, 2, 3, 4, 5, 6, 7};
    pq_rle_encode_u32(&b, v, 8, 3);
    expect_bytes(&b, (const uint8_t[]){0x03, 0x88, 0xC6, 0xFA}, 4);

    /* 100 times the value 5: one RLE run, header 100 << 1 = 200 as a varint, value in one byte */
    uint32_t run[100];
    for (int i = 0; i < 100; i++)
        run[i] = 5;
    b.len = 0;
    pq_rle_encode_u32(&b, run, 100, 3);
    expect_bytes(&b, (const uint8_t[]){0xC8, 0x01, 0x05}, 3);

    /* ten 1s then 2, 3 with bit width 2: RLE(10, 1), then one padded group 2,3,0,0,0,0,0,0 */
    uint8_t lv[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 3};
    b.len = 0;
    pq_rle_encode_u8(&b, lv, 12, 2);
    expect_bytes(&b, (const uint8_t[]){0x14, 0x01, 0x03, 0x0E, 0x00}, 5);

    /* three literals then twenty 7s (bw 3): the literal group borrows five 7s, the other 15 form a run */
    uint32_t mix[23] = {0, 1, 2};
    for (int i = 3; i < 23; i++)
        mix[i] = 7;
    b.len = 0;
    pq_rle_encode_u32(&b, mix, 23, 3);
    /* group 0,1,2,7,7,7,7,7, value k in bits 3k..3k+2: byte 0 = 0x88 (bits 3 and 7), byte 1 = 0xFE (bit 8 is
     * the top bit of 2), byte 2 = 0xFF; then RLE(15, 7) */
    expect_bytes(&b, (const uint8_t[]){0x03, 0x88, 0xFE, 0xFF, 0x1E, 0x07}, 6);

    /* a value of width 9 needs two bytes in an RLE run */
    uint32_t wide[8] = {300, 300, 300, 300, 300, 300, 300, 300};
    b.len = 0;
    pq_rle_encode_u32(&b, wide, 8, 9);
    expect_bytes(&b, (const uint8_t[]){0x10, 0x2C, 0x01}, 3);

    assert_int_equal(pq_bit_width(0), 1);
    assert_int_equal(pq_bit_width(1), 1);
    assert_int_equal(pq_bit_width(2), 2);
    assert_int_equal(pq_bit_width(255), 8);
    assert_int_equal(pq_bit_width(256), 9);
    assert_int_equal(pq_bit_width(UINT32_MAX), 32);
    pq_buf_free(&b);
}

static void test_rle_roundtrip(void **state)
{
    (void)state;
    enum { N = 5000 };
    uint32_t *v = malloc(N * sizeof *v), *out = malloc(N * sizeof *out);
    pq_buf b;
    pq_buf_init(&b, "test");
    uint64_t seed = 42;
    for (int bw = 1; bw <= 32; bw++) {
        uint32_t mask = bw == 32 ? UINT32_MAX : (1u << bw) - 1;
        for (int i = 0; i < N; i++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            /* runs and noise mixed: every fourth stretch of 37 values repeats */
            v[i] = (i / 37) % 4 == 0 && i > 0 ? v[i - 1] : (uint32_t)(seed >> 33) & mask;
        }
        b.len = 0;
        pq_rle_encode_u32(&b, v, N, bw);
        pq_rle_dec d;
        pq_rle_dec_init(&d, b.data, b.len, bw);
        assert_true(pq_rle_dec_u32(&d, out, 1234));
        assert_true(pq_rle_dec_u32(&d, out + 1234, N - 1234));
        assert_memory_equal(v, out, N * sizeof *v);
        /* truncated input fails cleanly */
        pq_rle_dec_init(&d, b.data, b.len / 2, bw);
        assert_false(pq_rle_dec_u32(&d, out, N));
    }
    pq_buf_free(&b);
    free(v);
    free(out);
}

/* ---- the public writer API ---- */

static char g_dir[256];

static int count_files(void)
{
    DIR *d = opendir(g_dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.' || strncmp(e->d_name, ".plateau-tmp-", 13) == 0;
    closedir(d);
    return n;
}

static void clear_dir(void)
{
    DIR *d = opendir(g_dir);
    struct dirent *e;
    char p[512];
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(p, sizeof p, "%s/%s", g_dir, e->d_name);
        unlink(p);
    }
    closedir(d);
}

static const pl_column COLS[] = {{"id", PL_COL_INT64, false, PL_ENC_AUTO},
                                 {"name", PL_COL_STRING, true, PL_ENC_AUTO},
                                 {"x", PL_COL_DOUBLE, true, PL_ENC_AUTO},
                                 {"ok", PL_COL_BOOL, false, PL_ENC_AUTO}};

/* Writes a small table in two batches; returns the first failure. */
static pl_status write_small(const char *path, const pl_table_options *o, pl_error *err)
{
    pl_table *t;
    pl_status st = pl_table_open(path, COLS, 4, o, &t, err);
    if (st != PL_OK)
        return st;
    int64_t id[300];
    const char *name[300];
    double x[300];
    uint8_t ok[300], valid[300];
    for (int i = 0; i < 300; i++) {
        id[i] = i;
        name[i] = i % 3 ? "unit" : "another";
        x[i] = i * 0.5;
        ok[i] = i & 1;
        valid[i] = i % 7 != 0;
    }
    pl_colbuf b[] = {{id, NULL, NULL}, {name, NULL, valid}, {x, NULL, valid}, {ok, NULL, NULL}};
    for (int k = 0; k < 2 && st == PL_OK; k++)
        st = pl_table_write(t, 300, b, err);
    if (st != PL_OK) {
        pl_table_abort(t);
        return st;
    }
    if (pl_table_rows(t) != 600) {
        pl_table_abort(t);
        return PL_EINTERNAL;
    }
    return pl_table_close(t, err);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    pl_error err;
    pl_table *t = (pl_table *)1;
    char path[512];
    snprintf(path, sizeof path, "%s/a.txt", g_dir);
    assert_int_equal(pl_table_open(path, COLS, 4, NULL, &t, &err), PL_EARG);
    assert_null(t);
    assert_non_null(strstr(err.msg, ".parquet or .csv"));
    snprintf(path, sizeof path, "%s/a.parquet", g_dir);
    assert_int_equal(pl_table_open(path, NULL, 0, NULL, &t, &err), PL_EARG);
    assert_int_equal(pl_table_open(path, COLS, 4, NULL, NULL, &err), PL_EARG);
    pl_column dup[] = {{"a", PL_COL_INT32, false, 0}, {"a", PL_COL_INT32, false, 0}};
    assert_int_equal(pl_table_open(path, dup, 2, NULL, &t, &err), PL_EARG);
    assert_non_null(strstr(err.msg, "'a'"));
    pl_column bss[] = {{"a", PL_COL_INT32, false, PL_ENC_BYTE_STREAM_SPLIT}};
    assert_int_equal(pl_table_open(path, bss, 1, NULL, &t, &err), PL_EARG);
    pl_column noname[] = {{NULL, PL_COL_INT32, false, 0}};
    assert_int_equal(pl_table_open(path, noname, 1, NULL, &t, &err), PL_EARG);
    pl_table_options o;
    pl_table_options_default(&o);
    o.codec = PL_CODEC_ZSTD;
    o.level = 99;
    assert_int_equal(pl_table_open(path, COLS, 4, &o, &t, &err), PL_EARG);
    assert_int_equal(count_files(), 0);

    /* a null in a required column or a NULL string is refused, and the table stays usable */
    assert_int_equal(pl_table_open(path, COLS, 4, NULL, &t, &err), PL_OK);
    int64_t id[2] = {1, 2};
    const char *name[2] = {"a", NULL};
    double x[2] = {1, 2};
    uint8_t ok[2] = {1, 0}, zero[2] = {1, 0};
    pl_colbuf b[] = {{id, NULL, zero}, {name, NULL, NULL}, {x, NULL, NULL}, {ok, NULL, NULL}};
    assert_int_equal(pl_table_write(t, 2, b, &err), PL_EARG);
    assert_non_null(strstr(err.msg, "'id'"));
    b[0].valid = NULL;
    assert_int_equal(pl_table_write(t, 2, b, &err), PL_EARG);
    assert_non_null(strstr(err.msg, "NULL string"));
    b[1].valid = zero; /* row 2 is null: its NULL pointer is fine */
    assert_int_equal(pl_table_write(t, 2, b, &err), PL_OK);
    b[2].values = NULL;
    assert_int_equal(pl_table_write(t, 2, b, &err), PL_EARG);
    assert_int_equal(pl_table_rows(t), 2);
    assert_int_equal(pl_table_close(t, &err), PL_OK);
    assert_int_equal(count_files(), 1);
    assert_int_equal(pl_table_write(NULL, 1, b, &err), PL_EARG);
    assert_int_equal(pl_table_close(NULL, &err), PL_EARG);
    pl_table_abort(NULL);
    clear_dir();
}

static void test_abort_removes_temporary(void **state)
{
    (void)state;
    const char *ext[] = {"parquet", "csv"};
    for (int k = 0; k < 2; k++) {
        char path[512];
        snprintf(path, sizeof path, "%s/t.%s", g_dir, ext[k]);
        pl_error err;
        pl_table *t;
        assert_int_equal(pl_table_open(path, COLS, 4, NULL, &t, &err), PL_OK);
        assert_int_equal(count_files(), 1); /* the temporary */
        pl_table_abort(t);
        assert_int_equal(count_files(), 0);
        assert_int_equal(access(path, F_OK), -1);
    }
}

static void test_budget(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/b.parquet", g_dir);
    size_t base = pl_mem_charged();
    pl_mem_set_limit(base + 64 * 1024);
    pl_error err;
    pl_status st = write_small(path, NULL, &err);
    pl_mem_set_limit(0);
    assert_int_equal(st, PL_EBUDGET);
    assert_non_null(strstr(err.msg, "memory limit"));
    assert_int_equal(count_files(), 0);
    assert_int_equal(pl_mem_charged(), base);
    /* with small pages the same table fits */
    pl_table_options o;
    pl_table_options_default(&o);
    o.page_bytes = 4096;
    o.dict_max_bytes = 4096;
    o.row_group_bytes = 16384;
    pl_mem_set_limit(base + 2 * 1024 * 1024);
    st = write_small(path, &o, &err);
    pl_mem_set_limit(0);
    assert_int_equal(st, PL_OK);
    assert_int_equal(pl_mem_charged(), base);
    clear_dir();
}

/* Every allocation of open/write/close fails in turn: a clean error, nothing charged, no file left. */
static void test_injected_failures(void **state)
{
    (void)state;
    const char *ext[] = {"parquet", "csv"};
    for (int k = 0; k < 2; k++) {
        char path[512];
        snprintf(path, sizeof path, "%s/f.%s", g_dir, ext[k]);
        pl_table_options o;
        pl_table_options_default(&o);
        o.page_bytes = 512; /* many pages and row groups: many allocation sites */
        o.row_group_bytes = 2048;
        o.dict_max_bytes = 64;
        size_t base = pl_mem_charged();
        int n;
        for (n = 1; n < 5000; n++) {
            pl_error err;
            pl_mem_fail_after(n);
            pl_status st = write_small(path, &o, &err);
            pl_mem_fail_after(0);
            assert_int_equal(pl_mem_charged(), base);
            if (st == PL_OK)
                break;
            assert_int_equal(st, PL_ENOMEM);
            assert_non_null(strstr(err.msg, "out of memory"));
            assert_int_equal(count_files(), 0);
        }
        assert_true(n > 3 && n < 5000);
        assert_int_equal(count_files(), 1);
        clear_dir();
    }
}

/* Reads back write_small's table; returns the first failure. Checks the values it reads. */
static pl_status read_small(const char *path, pl_error *err)
{
    pl_pq_reader *r;
    pl_status st = pl_pq_open(path, &r, err);
    if (st != PL_OK)
        return st;
    size_t cols[] = {3, 1, 0, 2};
    pl_pq_scan *s;
    st = pl_pq_scan_open(r, cols, 4, 128, 5, 0, &s, err);
    uint64_t row = 5;
    while (st == PL_OK) {
        pl_colbuf b[4];
        size_t n;
        st = pl_pq_scan_next(s, b, &n, err);
        for (size_t k = 0; st == PL_OK && k < n; k++, row++) {
            int i = (int)(row % 300);
            assert_int_equal(((const uint8_t *)b[0].values)[k], i & 1);
            assert_int_equal(((const int64_t *)b[2].values)[k], i);
            assert_int_equal(b[1].valid[k], i % 7 != 0);
            if (i % 7)
                assert_string_equal(((const char *const *)b[1].values)[k], i % 3 ? "unit" : "another");
            if (i % 7)
                assert_true(((const double *)b[3].values)[k] == i * 0.5);
        }
    }
    pl_pq_scan_close(s);
    pl_pq_close(r);
    if (st == PL_DONE) {
        assert_int_equal(row, 600);
        return PL_OK;
    }
    return st;
}

static void test_reader_injected_failures(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/r.parquet", g_dir);
    pl_table_options o;
    pl_table_options_default(&o);
    o.page_bytes = 512;
    o.row_group_bytes = 2048;
    pl_error err;
    assert_int_equal(write_small(path, &o, &err), PL_OK);
    size_t base = pl_mem_charged();
    int n;
    for (n = 1; n < 5000; n++) {
        pl_mem_fail_after(n);
        pl_status st = read_small(path, &err);
        pl_mem_fail_after(0);
        assert_int_equal(pl_mem_charged(), base);
        if (st == PL_OK)
            break;
        assert_int_equal(st, PL_ENOMEM);
    }
    assert_true(n > 3 && n < 5000);
    /* bad arguments */
    pl_pq_reader *r;
    assert_int_equal(pl_pq_open(g_dir, &r, &err), PL_EARG);
    assert_int_equal(pl_pq_open("/nonexistent/x.parquet", &r, &err), PL_EIO);
    assert_int_equal(pl_pq_open(path, &r, &err), PL_OK);
    pl_pq_scan *s;
    size_t bad = 9;
    assert_int_equal(pl_pq_scan_open(r, &bad, 1, 10, 0, 0, &s, &err), PL_EARG);
    assert_int_equal(pl_pq_scan_open(r, NULL, 0, 10, 0, 0, &s, &err), PL_EARG);
    assert_int_equal(pl_pq_find(r, "name"), 1);
    assert_int_equal(pl_pq_find(r, "nope"), -1);
    assert_int_equal(pl_pq_rows(r), 600);
    assert_true(pl_pq_row_groups(r) > 1);
    assert_string_equal(pl_pq_created_by(r), "plateau version 0.1.0");
    int64_t lo, hi, first = 0;
    for (size_t g = 0; g < pl_pq_row_groups(r); g++) {
        assert_true(pl_pq_int_range(r, g, 0, &lo, &hi)); /* id: the row number within each batch of 300 */
        int64_t want_lo = INT64_MAX, want_hi = INT64_MIN;
        for (int64_t row = first; row < first + (int64_t)pl_pq_row_group_rows(r, g); row++) {
            want_lo = row % 300 < want_lo ? row % 300 : want_lo;
            want_hi = row % 300 > want_hi ? row % 300 : want_hi;
        }
        assert_int_equal(lo, want_lo);
        assert_int_equal(hi, want_hi);
        first += (int64_t)pl_pq_row_group_rows(r, g);
    }
    assert_false(pl_pq_int_range(r, 0, 1, &lo, &hi)); /* strings have no integer range */
    size_t c0 = 0;
    assert_int_equal(pl_pq_scan_open(r, &c0, 1, 10, 600, 0, &s, &err), PL_OK); /* past the end: empty */
    pl_colbuf b;
    size_t got;
    assert_int_equal(pl_pq_scan_next(s, &b, &got, &err), PL_DONE);
    assert_int_equal(got, 0);
    pl_pq_scan_close(s);
    pl_pq_close(r);
    clear_dir();
}

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/plateau-test-parquet-XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    clear_dir();
    return rmdir(g_dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zigzag_varint),
        cmocka_unit_test(test_thrift_struct),
        cmocka_unit_test(test_rle_spec_bytes),
        cmocka_unit_test(test_rle_roundtrip),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_abort_removes_temporary),
        cmocka_unit_test(test_budget),
        cmocka_unit_test(test_injected_failures),
        cmocka_unit_test(test_reader_injected_failures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

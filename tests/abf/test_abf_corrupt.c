/* Bad input for the ABF reader: corrupt variants of real files (truncations at many offsets, flipped counts, bogus
 * section offsets, zero channels, absurd sample intervals, random header damage) must give a clear error
 * (PL_EFORMAT, or PL_ELIMIT/PL_EBUDGET for absurd-but-consistent sizes) and never a crash, hang or wrong read.
 * Also checks a few facts of intact files and the path (pread) entry point. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "io/abf/abf_internal.h"
#include "plateau/mem.h"

typedef struct blob {
    uint8_t *data;
    size_t size;
} blob;

static bool load(const char *name, blob *b)
{
    const char *root = getenv("PLATEAU_TESTDATA");
    if (!root)
        return false;
    char path[4096];
    snprintf(path, sizeof path, "%s/abf/%s", root, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    fseek(f, 0, SEEK_END);
    b->size = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    b->data = malloc(b->size);
    bool ok = fread(b->data, 1, b->size, f) == b->size;
    fclose(f);
    return ok;
}

/* Opens a buffer; on success reads every sample of every series (must work); returns the status. */
static pl_status try_open(const uint8_t *data, size_t size, pl_error *err)
{
    pl_recording *r;
    err->msg[0] = '\0';
    pl_status st = pl_abf_open_memory(data, size, "variant.abf", &r, err);
    if (st != PL_OK) {
        assert_true(err->msg[0] != '\0');
        assert_true(strchr(err->msg, '\n') == NULL);
        return st;
    }
    double v[4096];
    for (size_t i = 0; i < pl_recording_series_count(r); i++) {
        const pl_series_info *s = pl_recording_series(r, i);
        for (int64_t at = 0; at < s->n_samples; at += 4096) {
            size_t n = (size_t)(s->n_samples - at < 4096 ? s->n_samples - at : 4096);
            assert_int_equal(pl_recording_read(r, i, at, n, v, err), PL_OK);
        }
    }
    pl_recording_close(r);
    return PL_OK;
}

static uint64_t data_end(const blob *b)
{
    pl_recording *r;
    pl_error err;
    assert_int_equal(pl_abf_open_memory(b->data, b->size, "intact.abf", &r, &err), PL_OK);
    const abf_file *f = r->impl;
    uint64_t end = f->h.data_offset + (uint64_t)f->h.data_points * (f->h.float_data ? 4 : 2);
    pl_recording_close(r);
    return end;
}

static void truncations_of(const char *name)
{
    blob b;
    if (!load(name, &b))
        skip();
    uint64_t end = data_end(&b);
    pl_error err;
    size_t tried = 0;
    for (size_t cut = 0; cut < b.size; cut += cut < 8192 ? 1 : cut < end - 4096 ? 997 : 13) {
        pl_status st = try_open(b.data, cut, &err);
        if (cut < end)
            assert_int_equal(st, PL_EFORMAT);
        tried++;
    }
    assert_true(tried > 8000);
    free(b.data);
}

static void test_truncations_abf2(void **state)
{
    (void)state;
    truncations_of("17o05027_ic_ramp.abf");
}

static void test_truncations_abf1(void **state)
{
    (void)state;
    truncations_of("130618-1-12.abf");
    truncations_of("pclamp11_4ch_abf1.abf");
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void putf(uint8_t *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    put32(p, u);
}

typedef enum { W16, W32, W64, WF } width;
typedef struct patch {
    size_t offset; /* absolute, or relative to a section when section >= 0 */
    int section;
    width w;
    double value;
    const char *what;
} patch;

static void apply(uint8_t *d, const patch *p, const uint8_t *orig)
{
    size_t off = p->offset;
    if (p->section >= 0) {
        const uint8_t *m = orig + 76 + 16 * p->section;
        off += (size_t)(m[0] | m[1] << 8 | m[2] << 16 | (uint32_t)m[3] << 24) * 512;
    }
    switch (p->w) {
    case W16: put16(d + off, (uint16_t)(int16_t)p->value); break;
    case W32: put32(d + off, (uint32_t)(int64_t)p->value); break;
    case W64:
        put32(d + off, (uint32_t)(int64_t)p->value);
        put32(d + off + 4, (uint32_t)((int64_t)p->value >> 32));
        break;
    case WF: putf(d + off, (float)p->value); break;
    }
}

static void expect_errors(const char *name, const patch *patches, size_t n)
{
    blob b;
    if (!load(name, &b))
        skip();
    uint8_t *d = malloc(b.size);
    for (size_t i = 0; i < n; i++) {
        memcpy(d, b.data, b.size);
        apply(d, &patches[i], b.data);
        pl_error err;
        pl_status st = try_open(d, b.size, &err);
        if (st == PL_OK || (st != PL_EFORMAT && st != PL_ELIMIT && st != PL_EBUDGET))
            fail_msg("%s with %s: status %d (%s)", name, patches[i].what, st, err.msg);
    }
    free(d);
    free(b.data);
}

/* ABF2 section map: entry i at 76 + 16 i: block index (u32), entry size (u32), count (i64). */
#define SEC(i) (76 + 16 * (i))
static void test_abf2_bad_counts(void **state)
{
    (void)state;
    static const patch p[] = {
        {SEC(1) + 8, -1, W64, 0, "zero ADC channels"},
        {SEC(1) + 8, -1, W64, -1, "negative ADC count"},
        {SEC(1) + 8, -1, W64, 17, "17 ADC channels"},
        {SEC(1) + 8, -1, W64, 1e15, "huge ADC count"},
        {SEC(10) + 8, -1, W64, 1e12, "huge data count"},
        {SEC(10) + 8, -1, W64, -5, "negative data count"},
        {SEC(10) + 8, -1, W64, 0, "no samples"},
        {SEC(10) + 4, -1, W32, 4, "data entry size disagreeing with int16"},
        {SEC(10), -1, W32, 0xfffffff0u, "data block past the end"},
        {SEC(15) + 8, -1, W64, 1e9, "huge synch array"},
        {SEC(11) + 8, -1, W64, 1e9, "huge tag count"},
        {SEC(9), -1, W32, 0x7fffffffu, "strings block past the end"},
        {SEC(0), -1, W32, 0xffffffffu, "protocol block past the end"},
        {SEC(0) + 8, -1, W64, 0, "no protocol section"},
        {SEC(5) + 8, -1, W64, 1e8, "huge epoch table"},
        {SEC(1) + 4, -1, W32, 0, "zero-size ADC entries"},
        {30, -1, W16, 7, "data format 7"},
        {2, 0, WF, 0, "zero sample interval"},
        {2, 0, WF, -20, "negative sample interval"},
        {2, 0, WF, NAN, "NaN sample interval"},
        {2, 0, WF, 1e30, "absurd sample interval"},
        {110, 0, WF, 0, "zero ADC range"},
        {118, 0, W32, 0, "zero ADC resolution"},
        {40, 1, WF, 0, "zero instrument scale factor"},
        {12, -1, W32, 0x7fffffff, "2^31 sweeps"},
    };
    expect_errors("17o05027_ic_ramp.abf", p, sizeof p / sizeof p[0]);
}

static void test_abf1_bad_counts(void **state)
{
    (void)state;
    static const patch p[] = {
        {120, -1, W16, 0, "zero channels"},
        {120, -1, W16, -3, "negative channels"},
        {120, -1, W16, 40, "40 channels"},
        {10, -1, W32, -1, "negative sample count"},
        {10, -1, W32, 0x7fffffff, "huge sample count"},
        {40, -1, W32, 0x7fffffff, "data block past the end"},
        {40, -1, W32, -2, "negative data block"},
        {122, -1, WF, 0, "zero sample interval"},
        {122, -1, WF, INFINITY, "infinite sample interval"},
        {96, -1, W32, 0x7fffffff, "huge synch array"},
        {96, -1, W32, -7, "negative synch array"},
        {48, -1, W32, 100000000, "huge tag count"},
        {16, -1, W32, 0x7fffffff, "huge sweep count"},
        {410, -1, W16, -1, "sampling sequence naming ADC -1"},
        {410, -1, W16, 99, "sampling sequence naming ADC 99"},
        {244, -1, WF, 0, "zero ADC range"},
        {252, -1, W32, 0, "zero ADC resolution"},
        {100, -1, W16, 3, "data format 3"},
        {4, -1, WF, 7.5, "version 7.5"},
    };
    expect_errors("pclamp11_4ch_abf1.abf", p, sizeof p / sizeof p[0]);
}

/* Random damage to the headers and sections: whatever the outcome, no crash and consistent reads. */
static void test_random_damage(void **state)
{
    (void)state;
    const char *names[] = {"17o05027_ic_ramp.abf", "pclamp11_4ch_abf1.abf", "2020_06_16_0001.abf"};
    uint64_t x = 88172645463325252ull;
    for (size_t f = 0; f < 3; f++) {
        blob b;
        if (!load(names[f], &b))
            skip();
        uint8_t *d = malloc(b.size);
        int ok = 0, bad = 0;
        for (int k = 0; k < 600; k++) {
            memcpy(d, b.data, b.size);
            int flips = 1 + (int)(x % 8);
            for (int i = 0; i < flips; i++) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                size_t pos = (size_t)(x % (b.size < 6144 ? b.size : 6144));
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                d[pos] = (uint8_t)x;
            }
            pl_error err;
            if (try_open(d, b.size, &err) == PL_OK)
                ok++;
            else
                bad++;
        }
        assert_int_equal(ok + bad, 600);
        free(d);
        free(b.data);
    }
}

static void test_magic_and_path(void **state)
{
    (void)state;
    pl_error err;
    pl_recording *r;
    static const uint8_t bogus[16] = "ABF3xxxxxxxxxxx";
    assert_int_equal(pl_abf_open_memory(bogus, sizeof bogus, "x.abf", &r, &err), PL_EFORMAT);
    assert_non_null(strstr(err.msg, "not an ABF file"));
    assert_int_equal(pl_abf_open_memory(bogus, 2, "x.abf", &r, &err), PL_EFORMAT);
    assert_non_null(strstr(err.msg, "truncated"));
    blob b;
    if (!load("17o05028_ic_steps.abf", &b))
        skip();
    char tmpl[] = "/tmp/plateau-abf-XXXXXX";
    int fd = mkstemp(tmpl);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, b.data, b.size / 2), (ssize_t)(b.size / 2));
    close(fd);
    assert_int_equal(pl_recording_open(tmpl, &r, &err), PL_EFORMAT); /* truncated through the pread path */
    assert_non_null(strstr(err.path, "plateau-abf-"));
    fd = open(tmpl, O_WRONLY | O_TRUNC);
    assert_int_equal(write(fd, b.data, b.size), (ssize_t)b.size);
    close(fd);
    assert_int_equal(pl_recording_open(tmpl, &r, &err), PL_OK);
    assert_int_equal(pl_recording_series_count(r), 32); /* 16 sweeps x (IN 0 + synthesised OUT 0) */
    const pl_series_info *s = pl_recording_series(r, 1);
    assert_string_equal(s->name, "sweep 0 OUT 0");
    assert_string_equal(s->unit, "pA");
    assert_int_equal(s->clamp, PL_CLAMP_CURRENT);
    assert_int_equal(pl_recording_series(r, 2)->role, PL_ROLE_RESPONSE);
    assert_true(fabs(pl_recording_series(r, 2)->start_time_s - 3.0) < 1e-9);
    pl_recording_close(r);
    unlink(tmpl);
    free(b.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truncations_abf2), cmocka_unit_test(test_truncations_abf1),
        cmocka_unit_test(test_abf2_bad_counts),  cmocka_unit_test(test_abf1_bad_counts),
        cmocka_unit_test(test_random_damage),    cmocka_unit_test(test_magic_and_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* NWB reader unit tests: sweep numbers in names, unit scaling, the bid, windowed reads, range checks, the memory
 * budget and allocation-failure injection during open (never a leak or a crash), and pl_recording_describe. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/nwb/nwb_internal.h"
#include "io/nwb/nwb_series.h"
#include "plateau/describe.h"
#include "plateau/mem.h"

static char cc_file[4096];

static void test_number_in_name(void **state)
{
    (void)state;
    assert_int_equal(nwb_number_in_name("data_00004_AD0"), 4);
    assert_int_equal(nwb_number_in_name("CurrentClampSeries_012"), 12);
    assert_int_equal(nwb_number_in_name("ic__Step__1"), 1);
    assert_int_equal(nwb_number_in_name("voltage_clamp-response-03-ch-2"), 3);
    assert_int_equal(nwb_number_in_name("sweep7"), 7);
    assert_int_equal(nwb_number_in_name("no number"), -1);
    assert_int_equal(nwb_number_in_name(""), -1);
    assert_int_equal(nwb_number_in_name("x_99999999999999"), -1); /* too long to be a sweep number */
}

static void test_unit_scale(void **state)
{
    (void)state;
    char u[16];
    assert_true(nwb_unit_scale("volts", u, sizeof u) == 1e3);
    assert_string_equal(u, "mV");
    assert_true(nwb_unit_scale("V", u, sizeof u) == 1e3);
    assert_true(nwb_unit_scale("Amperes", u, sizeof u) == 1e12);
    assert_string_equal(u, "pA");
    assert_true(nwb_unit_scale("A", u, sizeof u) == 1e12);
    assert_true(nwb_unit_scale("a", u, sizeof u) == 1.0); /* single letters are case-sensitive */
    assert_true(nwb_unit_scale("furlongs", u, sizeof u) == 1.0);
    assert_string_equal(u, "furlongs");
}

static void test_bid(void **state)
{
    (void)state;
    unsigned char head[1024] = {0};
    assert_int_equal(pl_format_nwb.bid(head, sizeof head), 0);
    memcpy(head + 512, "\x89HDF\r\n\x1a\n", 8); /* after a 512-byte user block */
    assert_int_equal(pl_format_nwb.bid(head, sizeof head), 90);
    assert_int_equal(pl_format_nwb.bid(head, 100), 0);
    memcpy(head, "\x89HDF\r\n\x1a\n", 8);
    assert_int_equal(pl_format_nwb.bid(head, 8), 90);
}

static void test_windows(void **state)
{
    (void)state;
    if (!cc_file[0])
        skip();
    pl_error err;
    pl_recording *r;
    assert_int_equal(pl_recording_open(cc_file, &r, &err), PL_OK);
    assert_int_equal(pl_recording_series_count(r), 32);
    const pl_series_info *s = pl_recording_series(r, 0);
    assert_string_equal(s->name, "ic__Step__1");
    assert_string_equal(s->unit, "mV");
    double whole[1000], part[500], t[3];
    assert_int_equal(pl_recording_read(r, 0, 0, 1000, whole, &err), PL_OK);
    assert_int_equal(pl_recording_read(r, 1, 0, 10, part, &err), PL_OK); /* another series in between */
    assert_int_equal(pl_recording_read(r, 0, 100, 500, part, &err), PL_OK);
    assert_memory_equal(whole + 100, part, sizeof part);
    assert_int_equal(pl_recording_read_times(r, 0, 10, 3, t, &err), PL_OK);
    assert_true(t[1] - t[0] > 0.99e-4 && t[1] - t[0] < 1.01e-4);
    assert_int_equal(pl_recording_read(r, 0, s->n_samples - 1, 2, part, &err), PL_EARG);
    assert_non_null(strstr(err.msg, "outside series"));
    assert_int_equal(pl_recording_read(r, 99, 0, 1, part, &err), PL_EARG);
    assert_int_equal(pl_recording_read(r, 0, s->n_samples, 0, part, &err), PL_OK);
    pl_recording_close(r);
}

static void test_budget(void **state)
{
    (void)state;
    if (!cc_file[0])
        skip();
    pl_error err;
    pl_recording *r = NULL;
    size_t before = pl_mem_charged();
    pl_mem_set_limit(before + (1 << 20));
    assert_int_equal(pl_recording_open(cc_file, &r, &err), PL_EBUDGET);
    assert_non_null(strstr(err.msg, "HDF5 chunk cache"));
    assert_null(r);
    pl_mem_set_limit(0);
    assert_int_equal(pl_mem_charged(), before);
}

/* Every charged allocation of open fails in turn: open either succeeds or reports it, and nothing stays charged. */
static void test_fault_injection(void **state)
{
    (void)state;
    if (!cc_file[0])
        skip();
    size_t before = pl_mem_charged();
    int failures = 0;
    bool opened = false;
    for (long n = 1; n < 2000 && !opened; n++) { /* until open needs fewer allocations than n */
        pl_error err;
        pl_recording *r = NULL;
        pl_mem_fail_after(n);
        pl_status st = pl_recording_open(cc_file, &r, &err);
        pl_mem_fail_after(0);
        if (st == PL_OK) {
            pl_recording_close(r);
            opened = true;
        } else {
            assert_int_equal(st, PL_ENOMEM);
            assert_null(r);
            failures++;
        }
        assert_int_equal(pl_mem_charged(), before);
    }
    assert_true(failures > 0 && opened);
}

static void test_describe(void **state)
{
    (void)state;
    if (!cc_file[0])
        skip();
    pl_error err;
    json_t *d = NULL;
    assert_int_equal(pl_recording_describe(cc_file, &d, &err), PL_OK);
    json_t *totals = json_object_get(d, "totals");
    assert_int_equal(json_integer_value(json_object_get(totals, "series")), 32);
    assert_int_equal(json_integer_value(json_object_get(totals, "sweeps")), 16);
    assert_string_equal(json_string_value(json_object_get(totals, "protocol")), "single");
    assert_string_equal(json_string_value(json_object_get(d, "format_version")), "2.4.0");
    json_t *s0 = json_array_get(json_object_get(d, "series"), 0);
    assert_string_equal(json_string_value(json_object_get(s0, "clamp")), "current_clamp");
    assert_true(json_integer_value(json_object_get(json_object_get(d, "memory"), "reader_bytes")) > 0);
    json_decref(d);
    assert_int_equal(pl_recording_describe("/nonexistent.nwb", &d, &err), PL_EIO);
    assert_null(d);
}

int main(void)
{
    const char *root = getenv("PLATEAU_TESTDATA");
    if (root)
        snprintf(cc_file, sizeof cc_file, "%s/nwb/bluepyefe_99111002_cc.nwb", root);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_number_in_name), cmocka_unit_test(test_unit_scale), cmocka_unit_test(test_bid),
        cmocka_unit_test(test_windows),        cmocka_unit_test(test_budget),     cmocka_unit_test(test_fault_injection),
        cmocka_unit_test(test_describe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

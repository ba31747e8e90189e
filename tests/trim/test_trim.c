/* Unit tests of src/trim that need no oracle: file names, system detection and sheet mapping, threshold rules,
 * validity reasons, statuses and risk, the exact-optimum sweep on a hand-made track. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plateau/mem.h"
#include "plateau/trim.h"

static void test_names(void **state)
{
    (void)state;
    pl_trim_name n;
    pl_trim_parse_name("2475-10_19_TEST DATA_11-16-2023_6-10 PM.xls", &n);
    assert_true(n.parsed);
    assert_string_equal(n.model, "2475-10");
    assert_string_equal(n.serial, "19");
    assert_string_equal(n.track, "");
    assert_int_equal(n.year, 2023);
    assert_int_equal(n.month, 11);
    assert_int_equal(n.day, 16);
    assert_int_equal(n.hour, 18);
    assert_int_equal(n.minute, 10);
    pl_trim_parse_name("/a/b/1844202_10_TA_Test Data_11-22-2024_9-08 AMTrimmed Correct.xls", &n);
    assert_true(n.parsed);
    assert_string_equal(n.model, "1844202");
    assert_string_equal(n.track, "TA");
    assert_int_equal(n.hour, 9);
    pl_trim_parse_name("7844_107A_TEST DATA_1-2-2020_12-05 AM.xls", &n);
    assert_string_equal(n.serial, "107A");
    assert_int_equal(n.hour, 0);
    pl_trim_parse_name("random.xls", &n);
    assert_false(n.parsed);
    assert_true(pl_trim_skip_name("~$x.xls"));
    assert_true(pl_trim_skip_name(".hidden.xls"));
    assert_true(pl_trim_skip_name("_backup_x.xls"));
    assert_false(pl_trim_skip_name("a_backup_x.xls"));
}

static void test_mapping(void **state)
{
    (void)state;
    pl_trim_sheet_map m;
    pl_error err;
    const char *a[] = {"Trim Parameters", "SEC1 TRK1 0", "SEC1 TRK1 1 TRM1", "SEC1 TRK1 2 TRM1", "SEC1 TRK2 0"};
    assert_int_equal(pl_trim_map_sheets(a, 5, "f.xls", &m, &err), PL_OK);
    assert_int_equal(m.system, PL_TRIM_SYSTEM_A);
    assert_int_equal(m.n_tracks, 2);
    assert_string_equal(m.track[0].id, "TRK1");
    assert_int_equal(m.track[0].untrimmed, 1);
    assert_int_equal(m.track[0].trimmed, 3); /* the last TRM sheet */
    assert_int_equal(m.track[1].untrimmed, 4);
    assert_int_equal(m.track[1].trimmed, -1);
    const char *b[] = {"Model Parameters", "Trim Parameters", "Lin Error", "test", "Trim 1"};
    assert_int_equal(pl_trim_map_sheets(b, 5, "f.xls", &m, &err), PL_OK);
    assert_int_equal(m.system, PL_TRIM_SYSTEM_B);
    assert_int_equal(m.track[0].untrimmed, 3);
    assert_int_equal(m.track[0].trimmed, 2);
    const char *t[] = {"Model Parameters", "Track Parameters", "Trim Parameters", "Notes"};
    assert_int_equal(pl_trim_map_sheets(t, 4, "f.xls", &m, &err), PL_OK);
    assert_true(m.template_only);
    const char *o[] = {"Sheet1", "test"};
    assert_int_equal(pl_trim_map_sheets(o, 2, "other.xls", &m, &err), PL_EFORMAT);
    assert_non_null(strstr(err.msg, "'Sheet1'"));
    assert_string_equal(err.path, "other.xls");
}

static void test_threshold(void **state)
{
    (void)state;
    assert_float_equal(pl_trim_threshold("8555-1", 0.01, NAN, 10), 0.0015, 1e-15);
    assert_float_equal(pl_trim_threshold("8340-1A", 0.001, NAN, 10), 0.012, 1e-15);
    assert_float_equal(pl_trim_threshold("8340-1A", 0.05, NAN, 10), 0.05, 0); /* clamped */
    assert_float_equal(pl_trim_threshold("2475", 0.0005, 340, 300), 0.0005 * 2.4, 1e-15);
    assert_float_equal(pl_trim_threshold("2475", 0.05, 340, 300), 0.05 / 340 * 12, 1e-15);
    assert_float_equal(pl_trim_threshold("2475", 0.05, NAN, 300), 0.05 / 300 * 12, 1e-15); /* travel */
    assert_float_equal(pl_trim_threshold("2475", 0.05, NAN, 0), 0.05, 0);                  /* 0.24 clamped */
    assert_float_equal(pl_trim_threshold("2475", 1e-9, 340, 300), 0.0001, 0);
}

static void fill(pl_trim_series *s, size_t n, double half)
{
    for (size_t i = 0; i < n; i++)
        assert_int_equal(pl_trim_series_push(s, (double)i, 0.001 * sin((double)i), half, -half, NULL), PL_OK);
}

static void test_track(void **state)
{
    (void)state;
    pl_trim_series s = {0};
    pl_trim_result r;
    pl_trim_track_meta meta = {.model = "2475", .unit_length = NAN, .r_untrim = 1000, .r_trim = 1600};
    fill(&s, 7, 0.05);
    assert_int_equal(pl_trim_analyze_track(&s, &meta, PL_TRIM_OFFSET_MODE_BRENT, &r, NULL), PL_OK);
    assert_false(r.valid);
    assert_int_equal(r.status, PL_TRIM_ERROR);
    assert_non_null(strstr(r.invalid_reason, "too few points"));
    pl_trim_series_free(&s);
    fill(&s, 100, 0.05);
    assert_int_equal(pl_trim_analyze_track(&s, &meta, PL_TRIM_OFFSET_MODE_BRENT, &r, NULL), PL_OK);
    assert_true(r.valid);
    assert_int_equal(r.filter_kind, 2);
    assert_true(r.lin_pass);
    assert_int_equal(r.fail_points, 0);
    assert_float_equal(r.r_change_pct, 60.0, 1e-12);
    assert_true(r.worst_zone >= 1 && r.worst_zone <= 3);
    /* |dR%| > 50 adds 0.2; sigma and linearity pass: p = 0.3, LOW */
    assert_float_equal(r.risk_p, 0.3, 1e-15);
    assert_int_equal(r.risk, PL_TRIM_RISK_LOW);
    /* a big error at one point makes linearity fail */
    s.e[50] = 0.5;
    assert_int_equal(pl_trim_analyze_track(&s, &meta, PL_TRIM_OFFSET_MODE_EXACT, &r, NULL), PL_OK);
    assert_false(r.lin_pass);
    assert_int_equal(r.status, PL_TRIM_FAIL);
    assert_int_equal(r.exact_violations, 1);
    assert_float_equal(r.max_dev_pos, 50.0, 0);
    s.e[50] = 150;
    assert_int_equal(pl_trim_analyze_track(&s, &meta, PL_TRIM_OFFSET_MODE_BRENT, &r, NULL), PL_OK);
    assert_false(r.valid);
    assert_non_null(strstr(r.invalid_reason, "exceeds 100"));
    s.e[50] = NAN;
    assert_int_equal(pl_trim_analyze_track(&s, &meta, PL_TRIM_OFFSET_MODE_BRENT, &r, NULL), PL_OK);
    assert_non_null(strstr(r.invalid_reason, "non-numeric"));
    for (size_t i = 0; i < s.n; i++)
        s.x[i] = (double)(i / 2), s.e[i] = 0;
    assert_int_equal(pl_trim_analyze_track(&s, &meta, PL_TRIM_OFFSET_MODE_BRENT, &r, NULL), PL_OK);
    assert_non_null(strstr(r.invalid_reason, "duplicate positions"));
    pl_trim_series_free(&s);
}

static void test_file_status(void **state)
{
    (void)state;
    pl_trim_status a[] = {PL_TRIM_PASS, PL_TRIM_WARNING};
    assert_int_equal(pl_trim_file_status(a, 2), PL_TRIM_WARNING);
    pl_trim_status b[] = {PL_TRIM_ERROR, PL_TRIM_FAIL};
    assert_int_equal(pl_trim_file_status(b, 2), PL_TRIM_FAIL);
    pl_trim_status c[] = {PL_TRIM_ERROR};
    assert_int_equal(pl_trim_file_status(c, 1), PL_TRIM_ERROR);
    assert_int_equal(pl_trim_file_status(NULL, 0), PL_TRIM_ERROR);
    pl_trim_status d[] = {PL_TRIM_PASS, PL_TRIM_PASS};
    assert_int_equal(pl_trim_file_status(d, 2), PL_TRIM_PASS);
}

/* Two shard databases merge into one: files keyed by content, tracks follow, batches renumbered. */
static void test_db_merge(void **state)
{
    (void)state;
    char dir[] = "/tmp/plateau-trim-merge-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char a[128], b[128], d[128];
    snprintf(a, sizeof a, "%s/a.db", dir);
    snprintf(b, sizeof b, "%s/b.db", dir);
    snprintf(d, sizeof d, "%s/d.db", dir);
    const char *paths[2][2] = {{"/x/100_1_TEST DATA_1-2-2025_9-00 AM.xls", "/x/100_2_TEST DATA_1-2-2025_9-00 AM.xls"},
                               {"/x/100_2_TEST DATA_1-2-2025_9-00 AM.xls", "/x/200_3_TEST DATA_1-2-2025_9-00 AM.xls"}};
    const char *shas[2][2] = {{"aa", "bb"}, {"bb", "cc"}};
    const char *dbs[2] = {a, b};
    pl_error err;
    for (int k = 0; k < 2; k++) {
        pl_trim_db *db;
        int64_t batch;
        assert_int_equal(pl_trim_db_open(dbs[k], true, &db, &err), PL_OK);
        assert_int_equal(pl_trim_db_begin_batch(db, "test", &batch, &err), PL_OK);
        for (int i = 0; i < 2; i++) {
            pl_trim_file f;
            const char *names[] = {"SEC1 TRK1 0"};
            pl_trim_sheet_map map;
            assert_int_equal(pl_trim_map_sheets(names, 1, paths[k][i], &map, &err), PL_OK);
            pl_trim_file_init(&f, paths[k][i], &map, names);
            fill(&f.track[0].untrimmed, 30, 0.05);
            assert_int_equal(pl_trim_analyze_file(&f, PL_TRIM_OFFSET_MODE_BRENT, &err), PL_OK);
            assert_int_equal(pl_trim_db_store(db, batch, shas[k][i], &f, 0.01, &err), PL_OK);
            assert_int_equal(pl_trim_db_note(db, batch, shas[k][i], paths[k][i], "analysed", NULL, &err), PL_OK);
            pl_trim_file_free(&f);
        }
        pl_trim_db_close(db);
    }
    assert_int_equal(pl_trim_db_merge(d, a, &err), PL_OK);
    assert_int_equal(pl_trim_db_merge(d, b, &err), PL_OK);
    pl_trim_db *db;
    assert_int_equal(pl_trim_db_open(d, false, &db, &err), PL_OK);
    pl_trim_filter flt = {0};
    size_t n = 0;
    FILE *devnull = fopen("/dev/null", "w");
    assert_int_equal(pl_trim_print(db, &flt, PL_TRIM_FORMAT_CSV, devnull, &n, &err), PL_OK);
    assert_int_equal(n, 3); /* aa, bb (once), cc */
    flt.model = "200";
    assert_int_equal(pl_trim_print(db, &flt, PL_TRIM_FORMAT_CSV, devnull, &n, &err), PL_OK);
    assert_int_equal(n, 1);
    memset(&flt, 0, sizeof flt);
    flt.batch_id = 2; /* b's batch, renumbered */
    assert_int_equal(pl_trim_print(db, &flt, PL_TRIM_FORMAT_CSV, devnull, &n, &err), PL_OK);
    assert_int_equal(n, 2);
    fclose(devnull);
    pl_trim_db_close(db);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names), cmocka_unit_test(test_mapping),     cmocka_unit_test(test_threshold),
        cmocka_unit_test(test_track), cmocka_unit_test(test_file_status), cmocka_unit_test(test_db_merge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

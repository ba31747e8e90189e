/* The Workbook common layer and the .xlsx reader on workbooks written by libxlsxwriter: utilities (cell refs,
 * column letters and selections, Excel days), selection, skipped rows, row caps, named cells captured past the
 * returned rows, cells_only, typed cells, and every allocation failing in turn (no crash, no leak). */
// clang-format off: cmocka needs these before it
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "io/xlsx/xlsx_internal.h"
#include "plateau/mem.h"
#include "plateau/workbook.h"

static char g_path[2][256];

/* Cell numbers: the fast paths (<= 15 digits; <= 19 digits through the x87 format) must give strtod's bits exactly,
 * on random numbers of every length, with and without exponents, including the halfway cases near doubles. */
static void test_numbers(void **state)
{
    (void)state;
    uint64_t x = 0x9E3779B97F4A7C15ull;
    char s[64];
    for (int i = 0; i < 400000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int digits = 1 + (int)(x % 20), point = (int)((x >> 8) % (uint64_t)(digits + 1)), n = 0;
        if (x >> 63)
            s[n++] = '-';
        uint64_t y = x;
        for (int k = 0; k < digits; k++) {
            if (k == point && k)
                s[n++] = '.';
            y = y * 6364136223846793005ull + 1442695040888963407ull;
            s[n++] = (char)('0' + (y >> 60) % 10);
        }
        if ((x >> 20) % 4 == 0)
            n += snprintf(s + n, sizeof s - (size_t)n, "E%d", (int)((x >> 24) % 61) - 30);
        s[n] = '\0';
        double want = strtod(s, NULL), got = 0;
        assert_true(xlsx_parse_number(s, (size_t)n, &got));
        if (memcmp(&want, &got, sizeof got)) {
            fprintf(stderr, "%s: strtod %.17g, ours %.17g\n", s, want, got);
            fail();
        }
    }
    /* Values from real files and the halfway cases: 2^53 + 1 and neighbours, 17-digit dates. */
    static const char *const fixed[] = {"9007199254740993", "9007199254740995", "45000.00069444445", "0.1", "-0",
                                        "1.7976931348623157E308", "4.9406564584124654E-324", "123456789012345678.9",
                                        "  2.5 ", "1e", "abc", "0x10", "inf"};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) {
        double got = 0;
        char *end;
        double want = strtod(fixed[i], &end);
        while (*end == ' ')
            end++;
        bool number = end != fixed[i] && !*end;
        assert_int_equal(xlsx_parse_number(fixed[i], strlen(fixed[i]), &got), number);
        if (number)
            assert_memory_equal(&want, &got, sizeof got);
    }
}

static void test_refs(void **state)
{
    (void)state;
    uint32_t r, c;
    assert_int_equal(pl_cell_ref_parse("B26", &r, &c), PL_OK);
    assert_int_equal(r, 25);
    assert_int_equal(c, 1);
    assert_int_equal(pl_cell_ref_parse("$aa$1", &r, &c), PL_OK);
    assert_int_equal(c, 26);
    assert_int_equal(pl_cell_ref_parse("XFD1048576", &r, &c), PL_OK);
    assert_int_equal(r, 1048575);
    const char *bad[] = {"A0", "XFE1", "1A", "", "B", "B1x", "A1048577"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_not_equal(pl_cell_ref_parse(bad[i], &r, &c), PL_OK);
    char buf[4];
    assert_string_equal(pl_column_letters(0, buf), "A");
    assert_string_equal(pl_column_letters(25, buf), "Z");
    assert_string_equal(pl_column_letters(26, buf), "AA");
    assert_string_equal(pl_column_letters(16383, buf), "XFD");
    assert_int_equal(pl_column_from_letters("xfd", 3), 16383);
    assert_int_equal(pl_column_from_letters("XFE", 3), -1);
    uint8_t bits[2048];
    pl_error err;
    assert_int_equal(pl_columns_parse("A, C:E ,7", bits, &err), PL_OK);
    assert_int_equal(bits[0], 0x5D); /* A, C, D, E, G */
    assert_int_equal(pl_columns_parse("E:C", bits, &err), PL_EARG);
    assert_non_null(strstr(err.msg, "E:C"));
    assert_int_equal(pl_columns_parse("", bits, &err), PL_EARG);
    assert_int_equal(pl_columns_parse("A,,B", bits, &err), PL_EARG);
}

static void test_days(void **state)
{
    (void)state;
    assert_true(pl_excel_days_to_unix_us(25569) == 0);
    assert_true(pl_excel_days_to_unix_us(1) == -2208988800LL * 1000000);   /* 1900-01-01 */
    assert_true(pl_excel_days_to_unix_us(61) == -2203891200LL * 1000000);  /* 1900-03-01 */
    assert_true(pl_excel_days_to_unix_us(0.5) == -2209118400LL * 1000000); /* a time: 1899-12-30 12:00 */
    assert_true(pl_excel_days_to_unix_us(45000.25) == (1678838400LL + 6 * 3600) * 1000000);
    assert_true(pl_excel_days_to_unix_us(NAN) == INT64_MIN);
}

/* A System-A-like sheet: metadata in B1, B26, K1, R1; a header row; data D..L on rows 2..100. */
static void write_fixture(const char *path, bool constant_memory)
{
    lxw_workbook_options o = {.constant_memory = constant_memory, .tmpdir = NULL};
    lxw_workbook *wb = workbook_new_opt(path, &o);
    lxw_worksheet *ws = workbook_add_worksheet(wb, "SEC1 TRK1 0");
    lxw_worksheet *other = workbook_add_worksheet(wb, "Other");
    lxw_format *date = workbook_add_format(wb);
    format_set_num_format(date, "yyyy-mm-dd");
    worksheet_write_string(ws, 0, 1, "8340-1", NULL);
    worksheet_write_number(ws, 0, 10, 3.25, NULL);
    worksheet_write_number(ws, 0, 17, 10450.5, NULL);
    for (int c = 3; c <= 11; c++)
        worksheet_write_string(ws, 0, c == 10 ? 12 : c, "h", NULL);
    for (int r = 1; r < 100; r++) {
        for (int c = 3; c <= 9; c++)
            worksheet_write_number(ws, r, c, r * 100 + c, NULL);
        worksheet_write_boolean(ws, r, 10, r % 2, NULL);
        worksheet_write_formula_num(ws, r, 11, "=D2*2", NULL, r * 2.5);
        if (r == 25)
            worksheet_write_number(ws, r, 1, 12.5, NULL); /* B26 */
        if (r == 5) {
            lxw_datetime dt = {2023, 3, 15, 6, 0, 0};
            worksheet_write_datetime(ws, r, 0, &dt, date);
        }
    }
    worksheet_write_string(other, 0, 0, "x", NULL);
    workbook_close(wb);
}

static int setup(void **state)
{
    (void)state;
    for (int i = 0; i < 2; i++) {
        snprintf(g_path[i], sizeof g_path[i], "/tmp/plateau-test-wb-%d-%d.xlsx", (int)getpid(), i);
        write_fixture(g_path[i], i == 1);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < 2; i++)
        unlink(g_path[i]);
    return 0;
}

static void test_sheets(void **state)
{
    (void)state;
    pl_workbook *wb;
    pl_error err;
    assert_int_equal(pl_workbook_open(g_path[0], NULL, &wb, &err), PL_OK);
    assert_string_equal(pl_workbook_format(wb), "xlsx");
    assert_int_equal(pl_workbook_sheet_count(wb), 2);
    assert_string_equal(pl_workbook_sheet_name(wb, 1), "Other");
    assert_int_equal(pl_workbook_find_sheet(wb, "Other"), 1);
    assert_int_equal(pl_workbook_find_sheet(wb, "other"), 1);
    assert_int_equal(pl_workbook_find_sheet(wb, "0"), 0);
    assert_int_equal(pl_workbook_find_sheet(wb, "2"), -1);
    assert_false(pl_workbook_date1904(wb));
    pl_sheet *s, *s2;
    assert_int_equal(pl_sheet_open(wb, 5, NULL, &s, &err), PL_ENOTFOUND);
    assert_int_equal(pl_sheet_open(wb, 0, NULL, &s, &err), PL_OK);
    assert_int_equal(pl_sheet_open(wb, 1, NULL, &s2, &err), PL_EARG); /* one sheet at a time */
    pl_sheet_close(s);
    pl_workbook_close(wb);
}

/* Columns D:H from row 3, ten rows, while B1, B26, K1 and R1 are captured (B26 lies past the last returned row). */
static void check_selection(const char *path)
{
    pl_workbook *wb;
    pl_error err;
    assert_int_equal(pl_workbook_open(path, NULL, &wb, &err), PL_OK);
    const char *names[] = {"B1", "B26", "K1", "R1", "Z9"};
    pl_sheet_options o = {.columns = "D:H", .skip_rows = 2, .max_rows = 10, .cells = names, .n_cells = 5};
    pl_sheet *s;
    assert_int_equal(pl_sheet_open(wb, 0, &o, &s, &err), PL_OK);
    const pl_row *row;
    int n = 0;
    pl_status st;
    while ((st = pl_sheet_next(s, &row, &err)) == PL_OK) {
        assert_int_equal(row->index, 2 + n);
        assert_int_equal(row->n, 5);
        assert_int_equal(row->cells[0].col, 3);
        assert_int_equal(row->cells[0].type, PL_CELL_NUMBER);
        assert_true(row->cells[0].number == row->index * 100 + 3);
        assert_int_equal(row->cells[4].col, 7);
        n++;
    }
    assert_int_equal(st, PL_DONE);
    assert_int_equal(n, 10);
    const pl_cell *b1 = pl_sheet_cell(s, "B1"), *b26 = pl_sheet_cell(s, "$B$26"), *r1 = pl_sheet_cell(s, "R1");
    assert_non_null(b1);
    assert_int_equal(b1->type, PL_CELL_TEXT);
    assert_string_equal(b1->text, "8340-1");
    assert_non_null(b26);
    assert_true(b26->number == 12.5);
    assert_true(r1 && r1->number == 10450.5);
    assert_true(pl_sheet_cell(s, "K1")->number == 3.25);
    assert_null(pl_sheet_cell(s, "Z9"));
    uint32_t rows, cols;
    pl_sheet_extent(s, &rows, &cols);
    assert_true(rows >= 26);
    pl_sheet_close(s);

    /* cells_only: no rows, the cells still captured */
    pl_sheet_options co = {.cells = names, .n_cells = 2, .cells_only = true};
    assert_int_equal(pl_sheet_open(wb, 0, &co, &s, &err), PL_OK);
    assert_int_equal(pl_sheet_next(s, &row, &err), PL_DONE);
    assert_string_equal(pl_sheet_cell(s, "B1")->text, "8340-1");
    assert_true(pl_sheet_cell(s, "B26")->number == 12.5);
    pl_sheet_extent(s, &rows, &cols);
    assert_true(rows < 40); /* stopped early */
    pl_sheet_close(s);

    /* typed cells: a date, a boolean, a formula's cached value */
    assert_int_equal(
        pl_sheet_open(wb, 0, &(pl_sheet_options){.columns = "A,K:L", .skip_rows = 5, .max_rows = 1}, &s, &err), PL_OK);
    assert_int_equal(pl_sheet_next(s, &row, &err), PL_OK);
    assert_int_equal(row->n, 3);
    assert_int_equal(row->cells[0].type, PL_CELL_DATE);
    assert_true(pl_excel_days_to_unix_us(row->cells[0].number) == (1678838400LL + 6 * 3600) * 1000000);
    assert_int_equal(row->cells[1].type, PL_CELL_BOOL);
    assert_true(row->cells[1].number == 1);
    assert_true(row->cells[2].number == 12.5);
    pl_sheet_close(s);
    pl_workbook_close(wb);
}

static void test_selection(void **state)
{
    (void)state;
    check_selection(g_path[0]); /* shared strings */
    check_selection(g_path[1]); /* inline strings (constant_memory) */
}

static void test_bad_options(void **state)
{
    (void)state;
    pl_workbook *wb;
    pl_error err;
    assert_int_equal(pl_workbook_open(g_path[0], NULL, &wb, &err), PL_OK);
    pl_sheet *s;
    const char *bad[] = {"B0"};
    assert_int_equal(pl_sheet_open(wb, 0, &(pl_sheet_options){.cells = bad, .n_cells = 1}, &s, &err), PL_EARG);
    assert_int_equal(pl_sheet_open(wb, 0, &(pl_sheet_options){.columns = "A:"}, &s, &err), PL_EARG);
    assert_int_equal(pl_sheet_open(wb, 0, NULL, &s, &err), PL_OK); /* the failed opens released the sheet */
    pl_sheet_close(s);
    pl_workbook_close(wb);
    assert_int_equal(pl_workbook_open("/nonexistent/x.xlsx", NULL, &wb, &err), PL_ENOTFOUND);
}

/* Every charged allocation fails in turn: each run ends in PL_OK/PL_DONE or a clean ENOMEM, never a crash or leak. */
static void test_alloc_failures(void **state)
{
    (void)state;
    int failures = 0;
    for (long n = 1; n < 400; n++) {
        pl_mem_fail_after(n);
        pl_error err;
        pl_workbook *wb;
        pl_status st = pl_workbook_open(g_path[0], NULL, &wb, &err);
        if (st) {
            if (st != PL_ENOMEM && st != PL_EBUDGET)
                fail_msg("allocation %ld: status %d: %s", n, st, err.msg);
            if (pl_mem_charged())
                fail_msg("allocation %ld: %zu bytes still charged after a failed open (%s)", n, pl_mem_charged(),
                         err.msg);
            failures++;
            continue;
        }
        const char *names[] = {"B1"};
        pl_sheet *s = NULL;
        st = pl_sheet_open(wb, 0, &(pl_sheet_options){.cells = names, .n_cells = 1}, &s, &err);
        const pl_row *row;
        while (!st && (st = pl_sheet_next(s, &row, &err)) == PL_OK) {
        }
        if (st != PL_DONE) {
            assert_true(st == PL_ENOMEM || st == PL_EBUDGET);
            failures++;
        }
        pl_sheet_close(s);
        pl_workbook_close(wb);
        if (pl_mem_charged())
            fail_msg("allocation %ld: %zu bytes still charged after close (%s)", n, pl_mem_charged(), err.msg);
    }
    pl_mem_fail_after(0);
    assert_true(failures > 10);
    assert_int_equal(pl_mem_charged(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_refs),      cmocka_unit_test(test_days),        cmocka_unit_test(test_sheets),
        cmocka_unit_test(test_selection), cmocka_unit_test(test_bad_options), cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

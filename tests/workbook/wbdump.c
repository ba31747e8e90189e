/* Test helper for both workbook formats (.xlsx and .xls): prints every cell of every sheet as JSON lines through the
 * public Workbook API, for comparison with openpyxl and xlrd, and for the hostile-input and benchmark scripts.
 *   wbdump [--strings-memory BYTES] [--max-ratio R] [--max-inflated BYTES] [--count] [--cells B1,B26] FILE...
 *   wbdump --describe FILE                     (the JSON of pl_workbook_describe)
 * Lines, per file:
 *   {"file":PATH,"sheets":[NAMES],"date1904":BOOL}
 *   {"s":I,"r":ROW,"c":COL,"t":"n|s|b|e|d","v":VALUE[,"us":UNIX_US]}     per cell (0-based row and column)
 *   {"s":I,"cells":N,"extent":[ROWS,COLS]}                            at the end of each sheet
 *   {"s":I,"ref":"B26","v":VALUE}                                     with --cells (only the named cells)
 *   {"s":I,"error":"FILE: message"}                                   a sheet fails
 *   {"error":"FILE: message"}                                         the workbook cannot be opened
 * and last {"files":F,"cells":N,"seconds":S,"cpu_seconds":C,"peak_rss":B,"peak_charged":B}.
 * --count leaves out the cell lines. Exit 0 when everything was read, 1 after any error, 2 on a usage error. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plateau/mem.h"
#include "plateau/workbook.h"

static bool g_quiet;           /* --count: no cell lines, only counts */
static const char *g_refs[64]; /* --cells B1,B26: only these cells, captured with cells_only */
static size_t g_n_refs;

static void put_json_string(const char *s, size_t n)
{
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

/* {"s":I,"error":...} for a sheet, {"error":...} for the workbook (sheet < 0); the line names the file. */
static void put_error(long sheet, const pl_error *err)
{
    char line[2048];
    pl_error_line(err, line, sizeof line);
    if (sheet >= 0)
        printf("{\"s\":%ld,\"error\":", sheet);
    else
        fputs("{\"error\":", stdout);
    put_json_string(line, strlen(line));
    puts("}");
}

static void put_value(const pl_cell *c)
{
    if (c->type == PL_CELL_TEXT || c->type == PL_CELL_ERROR)
        put_json_string(c->text, c->len);
    else if (c->type == PL_CELL_BOOL)
        fputs(c->number != 0 ? "true" : "false", stdout);
    else
        printf("%.17g", c->number);
}

static void put_cell(size_t sheet, uint32_t row, const pl_cell *c)
{
    static const char *const tag[] = {"", "n", "s", "b", "e", "d"};
    printf("{\"s\":%zu,\"r\":%u,\"c\":%u,\"t\":\"%s\",\"v\":", sheet, row, c->col, tag[c->type]);
    put_value(c);
    if (c->type == PL_CELL_DATE)
        printf(",\"us\":%lld", (long long)pl_excel_days_to_unix_us(c->number));
    puts("}");
}

/* The named cells of sheet i, read with cells_only. */
static bool dump_named(pl_workbook *wb, size_t i)
{
    pl_error err = {0};
    pl_sheet *s = NULL;
    pl_sheet_options o = {.cells = g_refs, .n_cells = g_n_refs, .cells_only = true};
    pl_status st = pl_sheet_open(wb, i, &o, &s, &err);
    const pl_row *row;
    while (!st && (st = pl_sheet_next(s, &row, &err)) == PL_OK) {
    }
    for (size_t k = 0; st == PL_DONE && k < g_n_refs; k++) {
        const pl_cell *c = pl_sheet_cell(s, g_refs[k]);
        printf("{\"s\":%zu,\"ref\":\"%s\",\"v\":", i, g_refs[k]);
        if (c)
            put_value(c);
        else
            fputs("null", stdout);
        puts("}");
    }
    if (st != PL_DONE)
        put_error((long)i, &err);
    if (s)
        pl_sheet_close(s);
    return st == PL_DONE;
}

/* Every cell of sheet i; adds them to *cells. */
static bool dump_sheet(pl_workbook *wb, size_t i, uint64_t *cells)
{
    if (g_n_refs)
        return dump_named(wb, i);
    uint64_t n = 0;
    pl_error err = {0};
    pl_sheet *s = NULL;
    pl_status st = pl_sheet_open(wb, i, NULL, &s, &err);
    const pl_row *row;
    while (!st && (st = pl_sheet_next(s, &row, &err)) == PL_OK)
        for (uint32_t k = 0; k < row->n; k++, n++)
            if (!g_quiet)
                put_cell(i, row->index, &row->cells[k]);
    if (st != PL_DONE)
        put_error((long)i, &err);
    else {
        uint32_t rows, cols;
        pl_sheet_extent(s, &rows, &cols);
        printf("{\"s\":%zu,\"cells\":%llu,\"extent\":[%u,%u]}\n", i, (unsigned long long)n, rows, cols);
    }
    if (s)
        pl_sheet_close(s);
    *cells += n;
    return st == PL_DONE;
}

static bool dump_file(const char *path, const pl_workbook_limits *lim, uint64_t *cells)
{
    pl_error err = {0};
    pl_workbook *wb;
    if (pl_workbook_open(path, lim, &wb, &err)) {
        put_error(-1, &err);
        return false;
    }
    fputs("{\"file\":", stdout);
    put_json_string(path, strlen(path));
    fputs(",\"sheets\":[", stdout);
    for (size_t i = 0; i < pl_workbook_sheet_count(wb); i++) {
        const char *name = pl_workbook_sheet_name(wb, i);
        fputs(i ? "," : "", stdout);
        put_json_string(name, strlen(name));
    }
    printf("],\"date1904\":%s}\n", pl_workbook_date1904(wb) ? "true" : "false");
    bool ok = true;
    for (size_t i = 0; i < pl_workbook_sheet_count(wb); i++)
        ok &= dump_sheet(wb, i, cells);
    pl_workbook_close(wb);
    return ok;
}

static int describe(const char *path)
{
    pl_error err = {0};
    json_t *o;
    if (pl_workbook_describe(path, &o, &err)) {
        put_error(-1, &err);
        return 1;
    }
    char *text = json_dumps(o, JSON_INDENT(1));
    puts(text);
    free(text);
    json_decref(o);
    return 0;
}

static double seconds(clockid_t clock)
{
    struct timespec t;
    clock_gettime(clock, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    pl_workbook_limits lim;
    pl_workbook_limits_default(&lim);
    bool want_describe = false, usage = false;
    const char **files = calloc((size_t)argc, sizeof *files);
    int n_files = 0;
    for (int i = 1; files && i < argc; i++) { /* options may come before or after the files */
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strncmp(a, "--", 2))
            files[n_files++] = a;
        else if (!strcmp(a, "--count"))
            g_quiet = true;
        else if (!strcmp(a, "--describe"))
            want_describe = true;
        else if (v && !strcmp(a, "--strings-memory") && ++i)
            lim.strings_memory = strtoull(v, NULL, 10);
        else if (v && !strcmp(a, "--max-ratio") && ++i)
            lim.max_ratio = strtod(v, NULL);
        else if (v && !strcmp(a, "--max-inflated") && ++i)
            lim.max_inflated_bytes = strtoull(v, NULL, 10);
        else if (v && !strcmp(a, "--cells") && ++i) {
            for (char *tok = strtok(argv[i], ","); tok && g_n_refs < 64; tok = strtok(NULL, ","))
                g_refs[g_n_refs++] = tok;
        } else
            usage = true;
    }
    if (!files || usage || !n_files || (want_describe && n_files != 1)) {
        fprintf(stderr, "usage: wbdump [--strings-memory BYTES] [--max-ratio R] [--max-inflated BYTES] [--count] "
                        "[--cells B1,B26] FILE...\n       wbdump --describe FILE\n");
        free(files);
        return 2;
    }
    int status = 0;
    if (want_describe)
        status = describe(files[0]);
    else {
        double t0 = seconds(CLOCK_MONOTONIC), c0 = seconds(CLOCK_PROCESS_CPUTIME_ID);
        uint64_t cells = 0;
        for (int i = 0; i < n_files; i++)
            status |= !dump_file(files[i], &lim, &cells);
        printf("{\"files\":%d,\"cells\":%llu,\"seconds\":%.6f,\"cpu_seconds\":%.6f,\"peak_rss\":%zu,"
               "\"peak_charged\":%zu}\n",
               n_files, (unsigned long long)cells, seconds(CLOCK_MONOTONIC) - t0,
               seconds(CLOCK_PROCESS_CPUTIME_ID) - c0, pl_rss_peak(), pl_mem_peak());
    }
    free(files);
    return status;
}

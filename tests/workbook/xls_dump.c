/* Test helper: prints every cell of every sheet of a workbook as JSON lines, through the public Workbook API,
 * for comparison with xlrd (test_xls_xlrd.py). With --stats, prints only counts, time and peak RSS (benchmarks);
 * --strings-memory=BYTES sets the shared strings limit.
 *   {"sheets": [...], "date1904": false}
 *   {"s": 0, "r": 1, "c": 3, "t": "n", "v": 1.5}          t: n number, d date, s text, b bool, e error
 *   {"error": "..."} when the workbook cannot be read (exit status 2). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plateau/mem.h"
#include "plateau/workbook.h"

static void put_json(const char *s, size_t n)
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

static int fail(const pl_error *e)
{
    char line[2048];
    printf("{\"error\": ");
    pl_error_line(e, line, sizeof line);
    put_json(line, strlen(line));
    printf("}\n");
    return 2;
}

static void put_cell(size_t sheet, uint32_t row, const pl_cell *c)
{
    static const char *const tag[] = {"", "n", "s", "b", "e", "d"};
    printf("{\"s\": %zu, \"r\": %u, \"c\": %u, \"t\": \"%s\", \"v\": ", sheet, row, c->col, tag[c->type]);
    if (c->type == PL_CELL_TEXT || c->type == PL_CELL_ERROR)
        put_json(c->text, c->len);
    else
        printf("%.17g", c->number);
    printf("}\n");
}

/* Reads every cell of one file; returns cells read or -1 after printing the error. */
static long dump(const char *path, bool quiet, const pl_workbook_limits *lim, int *status)
{
    pl_error e = {0};
    pl_workbook *wb = NULL;
    if (pl_workbook_open(path, lim, &wb, &e) != PL_OK) {
        *status = fail(&e);
        return -1;
    }
    size_t ns = pl_workbook_sheet_count(wb);
    if (!quiet) {
        printf("{\"sheets\": [");
        for (size_t i = 0; i < ns; i++) {
            const char *nm = pl_workbook_sheet_name(wb, i);
            printf(i ? ", " : "");
            put_json(nm, strlen(nm));
        }
        printf("], \"date1904\": %s}\n", pl_workbook_date1904(wb) ? "true" : "false");
    }
    long cells = 0;
    for (size_t i = 0; i < ns && *status == 0; i++) {
        pl_sheet *s = NULL;
        if (pl_sheet_open(wb, i, NULL, &s, &e) != PL_OK) {
            *status = fail(&e);
            break;
        }
        const pl_row *row;
        pl_status st;
        while ((st = pl_sheet_next(s, &row, &e)) == PL_OK) {
            cells += row->n;
            for (uint32_t k = 0; k < row->n && !quiet; k++)
                put_cell(i, row->index, &row->cells[k]);
        }
        if (st != PL_DONE)
            *status = fail(&e);
        pl_sheet_close(s);
    }
    pl_workbook_close(wb);
    return cells;
}

int main(int argc, char **argv)
{
    pl_workbook_limits lim;
    pl_workbook_limits_default(&lim);
    bool stats = false;
    int first = 1, status = 0;
    for (; first < argc && strncmp(argv[first], "--", 2) == 0; first++) {
        if (strcmp(argv[first], "--stats") == 0)
            stats = true;
        else if (strncmp(argv[first], "--strings-memory=", 17) == 0)
            lim.strings_memory = (size_t)strtoull(argv[first] + 17, NULL, 10);
    }
    if (argc <= first) {
        fprintf(stderr, "usage: xls_dump [--stats] [--strings-memory=BYTES] FILE...\n");
        return 1;
    }
    struct timespec t0, t1, c0, c1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    long cells = 0, files = 0;
    for (int i = first; i < argc; i++) {
        int st = 0;
        long n = dump(argv[i], stats, &lim, &st);
        if (n >= 0 && st == 0) {
            cells += n;
            files++;
        } else {
            status = st ? st : 2;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    if (stats)
        printf("{\"files\": %ld, \"cells\": %ld, \"seconds\": %.6f, \"cpu_seconds\": %.6f, \"peak_rss\": %zu, "
               "\"peak_charged\": %zu}\n",
               files, cells, (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec),
               (double)(c1.tv_sec - c0.tv_sec) + 1e-9 * (double)(c1.tv_nsec - c0.tv_nsec), pl_rss_peak(),
               pl_mem_peak());
    return status;
}

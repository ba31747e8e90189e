/* Test helper: prints every cell of every sheet of a workbook as JSON lines, for comparison with openpyxl.
 *   wbdump FILE [--strings-memory BYTES] [--max-ratio R] [--max-inflated BYTES] [--count] [--cells B1,B26] [--describe]
 * Lines: {"sheet":I,"name":"..."} then {"s":I,"r":ROW,"c":COL,"t":"n|s|b|e|d","v":VALUE[,"us":UNIX_US]} per cell,
 * {"s":I,"extent":[ROWS,COLS]} at the end of a sheet, {"s":I,"error":"..."} when a sheet fails.
 * Exit 0, or 1 when the workbook cannot be opened (the message on stderr). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plateau/mem.h"
#include "plateau/workbook.h"

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

static void put_cell(size_t sheet, uint32_t row, const pl_cell *c)
{
    static const char *const tag[] = {"", "n", "s", "b", "e", "d"};
    printf("{\"s\":%zu,\"r\":%u,\"c\":%u,\"t\":\"%s\",\"v\":", sheet, row, c->col, tag[c->type]);
    if (c->type == PL_CELL_TEXT || c->type == PL_CELL_ERROR)
        put_json_string(c->text, c->len);
    else if (c->type == PL_CELL_BOOL)
        fputs(c->number != 0 ? "true" : "false", stdout);
    else
        printf("%.17g", c->number);
    if (c->type == PL_CELL_DATE)
        printf(",\"us\":%lld", (long long)pl_excel_days_to_unix_us(c->number));
    puts("}");
}

static bool g_quiet;           /* --count: no cell lines, only counts */
static const char *g_refs[64]; /* --cells B1,B26: only these cells, captured with cells_only */
static size_t g_n_refs;

/* Prints the named cells of sheet i as {"s":I,"ref":"B26","t":...,"v":...}, read with cells_only. */
static void dump_named(pl_workbook *wb, size_t i)
{
    pl_error err = {0};
    pl_sheet *s;
    pl_sheet_options o = {.cells = g_refs, .n_cells = g_n_refs, .cells_only = true};
    pl_status st = pl_sheet_open(wb, i, &o, &s, &err);
    const pl_row *row;
    while (!st && (st = pl_sheet_next(s, &row, &err)) == PL_OK) {
    }
    for (size_t k = 0; st == PL_DONE && k < g_n_refs; k++) {
        const pl_cell *c = pl_sheet_cell(s, g_refs[k]);
        printf("{\"s\":%zu,\"ref\":\"%s\",\"v\":", i, g_refs[k]);
        if (!c)
            fputs("null", stdout);
        else if (c->type == PL_CELL_TEXT || c->type == PL_CELL_ERROR)
            put_json_string(c->text, c->len);
        else
            printf("%.17g", c->number);
        puts("}");
    }
    if (st != PL_DONE) {
        char line[2048];
        pl_error_line(&err, line, sizeof line); /* the file and the message */
        printf("{\"s\":%zu,\"error\":", i);
        put_json_string(line, strlen(line));
        puts("}");
    }
    pl_sheet_close(s);
}

static void dump_sheet(pl_workbook *wb, size_t i)
{
    if (g_n_refs) {
        dump_named(wb, i);
        return;
    }
    uint64_t n_cells = 0;
    printf("{\"sheet\":%zu,\"name\":", i);
    const char *name = pl_workbook_sheet_name(wb, i);
    put_json_string(name, strlen(name));
    puts("}");
    pl_error err = {0};
    pl_sheet *s;
    pl_status st = pl_sheet_open(wb, i, NULL, &s, &err);
    const pl_row *row;
    while (!st && (st = pl_sheet_next(s, &row, &err)) == PL_OK)
        for (uint32_t k = 0; k < row->n; k++, n_cells++)
            if (!g_quiet)
                put_cell(i, row->index, &row->cells[k]);
    if (st != PL_DONE) {
        char line[2048];
        pl_error_line(&err, line, sizeof line); /* the file and the message */
        printf("{\"s\":%zu,\"error\":", i);
        put_json_string(line, strlen(line));
        puts("}");
    } else {
        uint32_t rows, cols;
        pl_sheet_extent(s, &rows, &cols);
        printf("{\"s\":%zu,\"cells\":%llu,\"extent\":[%u,%u]}\n", i, (unsigned long long)n_cells, rows, cols);
    }
    pl_sheet_close(s);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: wbdump FILE [--strings-memory BYTES] [--max-ratio R] [--max-inflated BYTES] [--count] "
                        "[--cells B1,B26] [--describe]\n");
        return 2;
    }
    pl_workbook_limits lim;
    pl_workbook_limits_default(&lim);
    bool describe = false;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--strings-memory") && i + 1 < argc)
            lim.strings_memory = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--max-ratio") && i + 1 < argc)
            lim.max_ratio = strtod(argv[++i], NULL);
        else if (!strcmp(argv[i], "--max-inflated") && i + 1 < argc)
            lim.max_inflated_bytes = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--cells") && i + 1 < argc) {
            for (char *tok = strtok(argv[++i], ","); tok && g_n_refs < 64; tok = strtok(NULL, ","))
                g_refs[g_n_refs++] = tok;
        } else if (!strcmp(argv[i], "--count"))
            g_quiet = true;
        else if (!strcmp(argv[i], "--describe"))
            describe = true;
    }
    pl_error err = {0};
    char line[2048];
    if (describe) {
        json_t *o;
        if (pl_workbook_describe(argv[1], &o, &err)) {
            fprintf(stderr, "%s\n", pl_error_line(&err, line, sizeof line));
            return 1;
        }
        char *text = json_dumps(o, JSON_INDENT(1));
        puts(text);
        free(text);
        json_decref(o);
        return 0;
    }
    pl_workbook *wb;
    if (pl_workbook_open(argv[1], &lim, &wb, &err)) {
        fprintf(stderr, "%s\n", pl_error_line(&err, line, sizeof line));
        return 1;
    }
    for (size_t i = 0; i < pl_workbook_sheet_count(wb); i++)
        dump_sheet(wb, i);
    pl_workbook_close(wb);
    printf("{\"peak_charged\":%zu,\"peak_rss\":%zu}\n", pl_mem_peak(), pl_rss_peak());
    return 0;
}

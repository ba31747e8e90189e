/* Test helper: reads a Parquet file with plateau's reader and prints it as JSON in the encoding of gen_fixtures
 * and parquet_dump.mjs ({"rows", "columns", "values"}). Exit status 1 with the error on stderr when the reader
 * refuses the file. Usage: pq_cat FILE [BATCH [FIRST_ROW [MAX_ROWS [COLUMN...]]]] */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plateau/mem.h"
#include "plateau/parquet_reader.h"
#include "plateau/progress.h"

static void json_double(double d)
{
    if (isnan(d))
        fputs("\"NaN\"", stdout);
    else if (isinf(d))
        fputs(d > 0 ? "\"inf\"" : "\"-inf\"", stdout);
    else if (d == 0 && signbit(d))
        fputs("\"-0\"", stdout);
    else
        printf("%.17g", d);
}

static void json_string(const char *s, uint32_t n)
{
    putchar('"');
    for (uint32_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\')
            printf("\\%c", ch);
        else if (ch < 0x20)
            printf("\\u%04x", ch);
        else
            putchar(ch);
    }
    putchar('"');
}

static const char *TYPE_NAMES[] = {"bool", "int32", "int64", "float", "double", "string", "timestamp_us"};

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: pq_cat FILE [BATCH [FIRST_ROW [MAX_ROWS [COLUMN...]]]]\n");
        return 2;
    }
    size_t batch = argc > 2 ? strtoull(argv[2], NULL, 10) : 1000;
    uint64_t first = argc > 3 ? strtoull(argv[3], NULL, 10) : 0;
    uint64_t max = argc > 4 ? strtoull(argv[4], NULL, 10) : 0;
    pl_error err;
    pl_pq_reader *r;
    if (pl_pq_open(argv[1], &r, &err) != PL_OK) {
        fprintf(stderr, "%s: %s (%s)\n", argv[1], err.msg, pl_status_str(err.code));
        return 1;
    }
    size_t ncols = argc > 5 ? (size_t)(argc - 5) : pl_pq_ncols(r);
    size_t *cols = calloc(ncols ? ncols : 1, sizeof *cols);
    for (size_t i = 0; i < ncols; i++) {
        long k = argc > 5 ? pl_pq_find(r, argv[5 + i]) : (long)i;
        if (k < 0) {
            fprintf(stderr, "no column %s\n", argv[5 + i]);
            return 1;
        }
        cols[i] = (size_t)k;
    }
    pl_pq_scan *s;
    int rc = 0;
    if (ncols == 0 || pl_pq_scan_open(r, cols, ncols, batch, first, max, &s, &err) != PL_OK) {
        fprintf(stderr, "%s: %s (%s)\n", argv[1], ncols ? err.msg : "no columns", pl_status_str(err.code));
        pl_pq_close(r);
        return 1;
    }
    /* values are buffered per column in temporary files so the JSON can be column-major */
    FILE **tmp = calloc(ncols, sizeof *tmp);
    for (size_t i = 0; i < ncols; i++)
        tmp[i] = tmpfile();
    uint64_t total = 0;
    for (;;) {
        pl_colbuf b[64];
        size_t n;
        pl_status st = pl_pq_scan_next(s, b, &n, &err);
        if (st == PL_DONE)
            break;
        if (st != PL_OK) {
            fprintf(stderr, "%s: %s (%s)\n", argv[1], err.msg, pl_status_str(err.code));
            rc = 1;
            break;
        }
        for (size_t i = 0; i < ncols; i++) {
            const pl_pq_column_info *ci = pl_pq_column(r, cols[i]);
            FILE *f = tmp[i];
            FILE *saved = stdout;
            stdout = f;
            for (size_t k = 0; k < n; k++) {
                if (total + k)
                    putchar(',');
                if (b[i].valid && !b[i].valid[k]) {
                    fputs("null", stdout);
                    continue;
                }
                switch (ci->type) {
                case PL_COL_BOOL: fputs(((const uint8_t *)b[i].values)[k] ? "true" : "false", stdout); break;
                case PL_COL_INT32: printf("%" PRId32, ((const int32_t *)b[i].values)[k]); break;
                case PL_COL_INT64:
                case PL_COL_TIMESTAMP_US: printf("\"%" PRId64 "\"", ((const int64_t *)b[i].values)[k]); break;
                case PL_COL_FLOAT: json_double((double)((const float *)b[i].values)[k]); break;
                case PL_COL_DOUBLE: json_double(((const double *)b[i].values)[k]); break;
                case PL_COL_STRING: json_string(((const char *const *)b[i].values)[k], b[i].lengths[k]); break;
                }
            }
            stdout = saved;
        }
        total += n;
    }
    pl_pq_scan_close(s);
    if (rc == 0) {
        printf("{\"rows\":%" PRIu64 ",\"file_rows\":%" PRIu64 ",\"row_groups\":%zu,\"created_by\":", total,
               pl_pq_rows(r), pl_pq_row_groups(r));
        const char *cb = pl_pq_created_by(r);
        if (cb)
            json_string(cb, (uint32_t)strlen(cb));
        else
            fputs("null", stdout);
        fputs(",\"columns\":[", stdout);
        for (size_t i = 0; i < ncols; i++) {
            const pl_pq_column_info *ci = pl_pq_column(r, cols[i]);
            printf("%s{\"name\":", i ? "," : "");
            json_string(ci->name, (uint32_t)strlen(ci->name));
            printf(",\"type\":\"%s\",\"nullable\":%s}", TYPE_NAMES[ci->type], ci->nullable ? "true" : "false");
        }
        fputs("],\"values\":{", stdout);
        for (size_t i = 0; i < ncols; i++) {
            const pl_pq_column_info *ci = pl_pq_column(r, cols[i]);
            printf("%s", i ? "," : "");
            json_string(ci->name, (uint32_t)strlen(ci->name));
            fputs(":[", stdout);
            rewind(tmp[i]);
            char buf[65536];
            size_t k;
            while ((k = fread(buf, 1, sizeof buf, tmp[i])) > 0)
                fwrite(buf, 1, k, stdout);
            putchar(']');
        }
        fputs("}}\n", stdout);
    }
    for (size_t i = 0; i < ncols; i++)
        fclose(tmp[i]);
    free(tmp);
    free(cols);
    pl_pq_close(r);
    if (pl_mem_charged() != 0) {
        fprintf(stderr, "memory still charged after closing the reader: %zu bytes\n", pl_mem_charged());
        return 3;
    }
    return rc;
}

/* Streams every cell of every sheet of a workbook with the plateau reader and prints one JSON line:
 * {"file":..., "cells":N, "seconds":S, "cpu_seconds":C, "cells_per_s":N/C, "peak_rss":BYTES, "peak_charged":BYTES}
 *   bench_read FILE [--strings-memory BYTES] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "plateau/mem.h"
#include "plateau/progress.h"
#include "plateau/workbook.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_read FILE [--strings-memory BYTES]\n");
        return 2;
    }
    pl_workbook_limits lim;
    pl_workbook_limits_default(&lim);
    if (argc > 3 && !strcmp(argv[2], "--strings-memory"))
        lim.strings_memory = strtoull(argv[3], NULL, 10);
    double t0 = pl_now();
    pl_error err;
    pl_workbook *wb;
    char line[2048];
    if (pl_workbook_open(argv[1], &lim, &wb, &err)) {
        fprintf(stderr, "%s\n", pl_error_line(&err, line, sizeof line));
        return 1;
    }
    uint64_t cells = 0;
    double checksum = 0;
    for (size_t i = 0; i < pl_workbook_sheet_count(wb); i++) {
        pl_sheet *s;
        if (pl_sheet_open(wb, i, NULL, &s, &err)) {
            fprintf(stderr, "%s\n", pl_error_line(&err, line, sizeof line));
            return 1;
        }
        const pl_row *row;
        pl_status st;
        while ((st = pl_sheet_next(s, &row, &err)) == PL_OK) {
            cells += row->n;
            for (uint32_t k = 0; k < row->n; k++)
                checksum += row->cells[k].number + row->cells[k].len;
        }
        pl_sheet_close(s);
        if (st != PL_DONE) {
            fprintf(stderr, "%s\n", pl_error_line(&err, line, sizeof line));
            return 1;
        }
    }
    pl_workbook_close(wb);
    double secs = pl_now() - t0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    printf("{\"file\":\"%s\",\"cells\":%llu,\"seconds\":%.3f,\"cpu_seconds\":%.3f,\"cells_per_s\":%.0f,\"peak_rss\":%zu,\"peak_charged\":%zu,"
           "\"checksum\":%.6g}\n",
           argv[1], (unsigned long long)cells, secs, cpu, cells / cpu, pl_rss_peak(), pl_mem_peak(), checksum);
    return 0;
}

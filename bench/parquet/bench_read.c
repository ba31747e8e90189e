/* Reads every column of a Parquet file with plateau's reader in batches and reports rows/s and peak RSS.
 * Usage: bench_read FILE [BATCH] */
#include <stdio.h>
#include <stdlib.h>

#include "plateau/mem.h"
#include "plateau/parquet_reader.h"
#include "plateau/progress.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_read FILE [BATCH]\n");
        return 2;
    }
    size_t batch = argc > 2 ? strtoull(argv[2], NULL, 10) : 65536;
    pl_error err;
    pl_pq_reader *r;
    double t0 = pl_now();
    if (pl_pq_open(argv[1], &r, &err) != PL_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    size_t n = pl_pq_ncols(r);
    size_t cols[64];
    for (size_t i = 0; i < n && i < 64; i++)
        cols[i] = i;
    pl_pq_scan *s;
    if (pl_pq_scan_open(r, cols, n < 64 ? n : 64, batch, 0, 0, &s, &err) != PL_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    uint64_t rows = 0;
    double check = 0;
    pl_colbuf b[64];
    size_t got;
    pl_status st;
    while ((st = pl_pq_scan_next(s, b, &got, &err)) == PL_OK) {
        rows += got;
        for (size_t i = 0; i < n && i < 64; i++) /* touch the data so nothing is optimized away */
            check += (double)((const uint8_t *)b[i].values)[got - 1];
    }
    if (st != PL_DONE) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    double secs = pl_now() - t0;
    pl_pq_scan_close(s);
    pl_pq_close(r);
    printf("{\"rows\":%llu,\"seconds\":%.3f,\"rows_per_s\":%.0f,\"peak_charged\":%zu,\"peak_rss\":%zu,\"check\":%g}\n",
           (unsigned long long)rows, secs, (double)rows / secs, pl_mem_peak(), pl_rss_peak(), check);
    return 0;
}

/* Fuzz target: any bytes as a Parquet file through the reader (footer, every supported column, a row range).
 * Built with -Dfuzz=true under clang; tests/fuzz_replay.c replays tests/parquet/regress/ through the same function. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "plateau/mem.h"
#include "plateau/parquet_reader.h"

static void scan(pl_pq_reader *r, uint64_t first, uint64_t max)
{
    size_t cols[64], n = 0;
    for (size_t i = 0; i < pl_pq_ncols(r) && n < 64; i++)
        if (pl_pq_column(r, i)->supported)
            cols[n++] = i;
    pl_error err;
    pl_pq_scan *s;
    if (n == 0 || pl_pq_scan_open(r, cols, n, 97, first, max, &s, &err) != PL_OK)
        return;
    pl_colbuf b[64];
    size_t got;
    while (pl_pq_scan_next(s, b, &got, &err) == PL_OK)
        for (size_t i = 0; i < n; i++) /* touch every string: the arena must hold them */
            if (b[i].lengths && got)
                (void)((const char *const *)b[i].values)[got - 1][b[i].lengths[got - 1]];
    pl_pq_scan_close(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pl_mem_set_limit((size_t)256 << 20); /* hostile sizes become budget errors, not OOM kills */
    int fd = memfd_create("fuzz.parquet", 0);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    pl_error err;
    pl_pq_reader *r;
    if (pl_pq_open(path, &r, &err) == PL_OK) {
        int64_t lo, hi;
        for (size_t g = 0; g < pl_pq_row_groups(r); g++)
            for (size_t c = 0; c < pl_pq_ncols(r); c++)
                (void)pl_pq_int_range(r, g, c, &lo, &hi);
        (void)pl_pq_kv(r, "x");
        scan(r, 0, 0);
        scan(r, pl_pq_rows(r) / 3, 50);
        pl_pq_close(r);
    }
    close(fd);
    return 0;
}

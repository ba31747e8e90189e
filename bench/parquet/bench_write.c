/* Writes a long ephys-like table through pl_table and reports throughput and memory.
 *
 * N rows of (sweep INT32, t_s DOUBLE, value FLOAT, unit STRING): 100 sweeps, t_s = i / 20 kHz within a sweep,
 * value an action-potential train (one spike per 1000 samples) with noise, quantized to 1/32 mV like ADC counts
 * scaled to millivolts. bench/parquet/duckdb_write.mjs generates the same rows in SQL.
 * Usage: bench_write N OUT.parquet [zstd|snappy|none] [level] [auto|bss|plain] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plateau/mem.h"
#include "plateau/progress.h"
#include "plateau/table.h"

#define RATE 20000.0
#define BATCH 65536

static double noise(uint64_t i)
{
    return (double)((i * 2654435761ull) % 4294967296ull) / 4294967296.0 - 0.5;
}

static float signal_mv(uint64_t i)
{
    double k = (double)(i % 1000);
    double v = -70.0 + 105.0 * exp(-(k - 20.0) * (k - 20.0) / 16.0) + noise(i) * 0.8;
    return (float)(round(v * 32.0) / 32.0);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_write N OUT.parquet [zstd|snappy|none] [level] [auto|bss|plain]\n");
        return 2;
    }
    uint64_t n = strtoull(argv[1], NULL, 10);
    pl_table_options o;
    pl_table_options_default(&o);
    if (argc > 3)
        o.codec = !strcmp(argv[3], "snappy") ? PL_CODEC_SNAPPY
                  : !strcmp(argv[3], "none") ? PL_CODEC_NONE
                                             : PL_CODEC_ZSTD;
    if (argc > 4)
        o.level = atoi(argv[4]);
    pl_col_encoding fenc = PL_ENC_AUTO;
    if (argc > 5)
        fenc = !strcmp(argv[5], "bss")     ? PL_ENC_BYTE_STREAM_SPLIT
               : !strcmp(argv[5], "plain") ? PL_ENC_PLAIN
                                           : PL_ENC_AUTO;
    pl_column cols[] = {{"sweep", PL_COL_INT32, false, PL_ENC_AUTO},
                        {"t_s", PL_COL_DOUBLE, false, fenc},
                        {"value", PL_COL_FLOAT, false, fenc},
                        {"unit", PL_COL_STRING, false, PL_ENC_AUTO}};
    pl_error err;
    pl_table *t;
    if (pl_table_open(argv[2], cols, 4, &o, &t, &err) != PL_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    int32_t *sweep = malloc(BATCH * sizeof *sweep);
    double *ts = malloc(BATCH * sizeof *ts);
    float *val = malloc(BATCH * sizeof *val);
    const char **unit = malloc(BATCH * sizeof *unit);
    uint32_t *ulen = malloc(BATCH * sizeof *ulen);
    uint64_t per_sweep = n / 100 ? n / 100 : 1;
    double gen = 0, start = pl_now();
    for (uint64_t r0 = 0; r0 < n; r0 += BATCH) {
        double g0 = pl_now();
        size_t m = n - r0 < BATCH ? (size_t)(n - r0) : BATCH;
        for (size_t k = 0; k < m; k++) {
            uint64_t r = r0 + k;
            sweep[k] = (int32_t)(r / per_sweep);
            ts[k] = (double)(r % per_sweep) / RATE;
            val[k] = signal_mv(r);
            unit[k] = "mV";
            ulen[k] = 2;
        }
        gen += pl_now() - g0;
        pl_colbuf b[] = {{sweep, NULL, NULL}, {ts, NULL, NULL}, {val, NULL, NULL}, {unit, ulen, NULL}};
        if (pl_table_write(t, m, b, &err) != PL_OK) {
            fprintf(stderr, "%s\n", err.msg);
            pl_table_abort(t);
            return 1;
        }
    }
    if (pl_table_close(t, &err) != PL_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    double total = pl_now() - start;
    FILE *f = fopen(argv[2], "rb");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    double wr = total - gen;
    printf("{\"rows\":%llu,\"seconds\":%.3f,\"generate_seconds\":%.3f,\"write_seconds\":%.3f,\"rows_per_s\":%.0f,"
           "\"raw_MB_per_s\":%.1f,\"bytes\":%ld,\"peak_charged\":%zu,\"peak_rss\":%zu}\n",
           (unsigned long long)n, total, gen, wr, (double)n / wr, (double)n * 18 / wr / 1e6, size, pl_mem_peak(),
           pl_rss_peak());
    free(sweep), free(ts), free(val), free(unit), free(ulen);
    return 0;
}

/* Measures the encodings on real tables: reads a Parquet file (e.g. an ephys bundle table) and rewrites it with
 * every FLOAT/DOUBLE column PLAIN, dictionary, BYTE_STREAM_SPLIT and AUTO (other columns AUTO), printing the size of
 * each file. Usage: reencode IN.parquet TMPDIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "plateau/parquet_reader.h"
#include "plateau/table.h"

static long rewrite(const char *in, const char *out, pl_col_encoding fenc)
{
    pl_error err;
    pl_pq_reader *r;
    if (pl_pq_open(in, &r, &err) != PL_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    size_t n = pl_pq_ncols(r), cols[64];
    pl_column defs[64];
    for (size_t i = 0; i < n && i < 64; i++) {
        const pl_pq_column_info *c = pl_pq_column(r, i);
        bool fp = c->type == PL_COL_FLOAT || c->type == PL_COL_DOUBLE;
        defs[i] = (pl_column){c->name, c->type, c->nullable, fp ? fenc : PL_ENC_AUTO};
        cols[i] = i;
    }
    pl_table *t;
    pl_pq_scan *s;
    if (pl_table_open(out, defs, n, NULL, &t, &err) != PL_OK ||
        pl_pq_scan_open(r, cols, n, 65536, 0, 0, &s, &err) != PL_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    pl_colbuf b[64];
    size_t got;
    pl_status st;
    while ((st = pl_pq_scan_next(s, b, &got, &err)) == PL_OK)
        if (pl_table_write(t, got, b, &err) != PL_OK)
            break;
    pl_pq_scan_close(s);
    pl_pq_close(r);
    if (pl_table_close(t, &err) != PL_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    struct stat sb;
    return stat(out, &sb) == 0 ? (long)sb.st_size : -1;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: reencode IN.parquet TMPDIR\n");
        return 2;
    }
    const char *names[] = {"auto", "plain", "dict", "bss"};
    pl_col_encoding encs[] = {PL_ENC_AUTO, PL_ENC_PLAIN, PL_ENC_DICT, PL_ENC_BYTE_STREAM_SPLIT};
    struct stat sb;
    stat(argv[1], &sb);
    printf("{\"file\":\"%s\",\"original\":%ld", argv[1], (long)sb.st_size);
    for (int k = 0; k < 4; k++) {
        char out[4096];
        snprintf(out, sizeof out, "%s/reencode-%s.parquet", argv[2], names[k]);
        printf(",\"%s\":%ld", names[k], rewrite(argv[1], out, encs[k]));
        if (!getenv("REENCODE_KEEP"))
            remove(out);
    }
    printf("}\n");
    return 0;
}

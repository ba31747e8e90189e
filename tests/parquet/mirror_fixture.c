/* Writes two Parquet files through pl_table_mirror for tests/parquet/test_mirror.py:
 *   twin.parquet:    rows 0..99 written to it, then rows 100..N+99 mirrored from primary, then N+100..N+199 again
 *   primary.parquet: rows 100..N+99 (mirrored), then N+200..N+249
 * Each row: id (int32), x = id / 8 (double), unit ("mV" or "pA" by id parity), tag (nullable string, null when
 * id % 7 == 0). Several row groups and dictionary pages are mirrored. usage: mirror_fixture DIR N */
#include <stdio.h>
#include <stdlib.h>

#include "plateau/table.h"

static const pl_column COLS[] = {{"id", PL_COL_INT32, false, PL_ENC_AUTO},
                                 {"x", PL_COL_DOUBLE, false, PL_ENC_AUTO},
                                 {"unit", PL_COL_STRING, false, PL_ENC_DICT},
                                 {"tag", PL_COL_STRING, true, PL_ENC_AUTO}};

static int write_rows(pl_table *t, int first, int count, pl_error *err)
{
    enum { BATCH = 1000 };
    static const char *tags[] = {"alpha", "beta", "gamma"};
    int32_t id[BATCH];
    double x[BATCH];
    const char *unit[BATCH], *tag[BATCH];
    uint8_t valid[BATCH];
    for (int done = 0; done < count;) {
        int m = count - done < BATCH ? count - done : BATCH;
        for (int i = 0; i < m; i++) {
            int v = first + done + i;
            id[i] = v;
            x[i] = v / 8.0;
            unit[i] = v % 2 ? "pA" : "mV";
            tag[i] = tags[v % 3];
            valid[i] = v % 7 != 0;
        }
        pl_colbuf cols[] = {{id, NULL, NULL}, {x, NULL, NULL}, {unit, NULL, NULL}, {tag, NULL, valid}};
        if (pl_table_write(t, (size_t)m, cols, err) != PL_OK)
            return 1;
        done += m;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: mirror_fixture DIR N\n");
        return 2;
    }
    int n = atoi(argv[2]);
    char a[4096], b[4096];
    snprintf(a, sizeof a, "%s/primary.parquet", argv[1]);
    snprintf(b, sizeof b, "%s/twin.parquet", argv[1]);
    pl_table_options o;
    pl_table_options_default(&o);
    o.row_group_bytes = 64 << 10; /* several mirrored row groups */
    o.page_bytes = 16 << 10;
    pl_error err = {0};
    pl_table *p = NULL, *t = NULL, *csv = NULL;
    char c[4096];
    snprintf(c, sizeof c, "%s/other.csv", argv[1]);
    int bad = pl_table_open(a, COLS, 4, &o, &p, &err) || pl_table_open(b, COLS, 4, &o, &t, &err) ||
              pl_table_open(c, COLS, 4, &o, &csv, &err) || write_rows(t, 0, 100, &err);
    /* CSV tables cannot mirror, and a table cannot mirror into one with other columns. */
    if (!bad && (pl_table_mirror(p, csv, &err) != PL_EARG || pl_table_mirror(csv, p, &err) != PL_EUNSUPPORTED)) {
        fprintf(stderr, "mirror_fixture: a bad mirror was accepted\n");
        return 1;
    }
    bad = bad || pl_table_mirror(p, t, &err) || write_rows(p, 100, n, &err) || pl_table_mirror(p, NULL, &err) ||
          write_rows(t, n + 100, 100, &err) || write_rows(p, n + 200, 50, &err);
    if (bad) {
        fprintf(stderr, "mirror_fixture: %s\n", err.msg);
        return 1;
    }
    printf("{\"primary_rows\": %llu, \"twin_rows\": %llu}\n", (unsigned long long)pl_table_rows(p),
           (unsigned long long)pl_table_rows(t));
    pl_table_abort(csv);
    if (pl_table_close(p, &err) || pl_table_close(t, &err)) {
        fprintf(stderr, "mirror_fixture: %s\n", err.msg);
        return 1;
    }
    return 0;
}

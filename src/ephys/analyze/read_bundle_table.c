/* A bundle table read sweep by sweep with the streaming Parquet reader: only one batch of rows and the current
 * sweep's values are in memory. */
#include <math.h>
#include <string.h>

#include "ephys/analyze/analyze_internal.h"
#include "plateau/afile.h"
#include "plateau/mem.h"
#include "plateau/parquet_reader.h"

enum { COL_SWEEP, COL_T, COL_VALUE, COL_RATE, COL_CHANNEL, NCOLS };
static const char *const col_names[NCOLS] = {"sweep", "t_s", "value", "rate_Hz", "channel"};

struct ephys_table_stream {
    pl_pq_reader *r;
    pl_pq_scan *scan;
    size_t ncols;
    pl_col_type type[NCOLS];
    pl_colbuf cols[NCOLS];
    size_t nrows, pos;
    bool eof, have_prev, channel_known;
    long long channel, prev_sweep;
    char path[PL_PATH_MAX];
};

static double get_num(const ephys_table_stream *s, int c, size_t i)
{
    const void *v = s->cols[c].values;
    switch (s->type[c]) {
    case PL_COL_INT32: return ((const int32_t *)v)[i];
    case PL_COL_INT64: return (double)((const int64_t *)v)[i];
    case PL_COL_FLOAT: return ((const float *)v)[i];
    case PL_COL_DOUBLE: return ((const double *)v)[i];
    default: return NAN;
    }
}

static bool numeric(pl_col_type t)
{
    return t == PL_COL_INT32 || t == PL_COL_INT64 || t == PL_COL_FLOAT || t == PL_COL_DOUBLE;
}

pl_status ephys_stream_open(const char *path, ephys_table_stream **out, pl_error *err)
{
    *out = NULL;
    ephys_table_stream *s = pl_calloc(1, sizeof *s, "bundle table stream", err);
    if (!s)
        return err ? err->code : PL_ENOMEM;
    snprintf(s->path, sizeof s->path, "%s", path);
    pl_status st = pl_pq_open(path, &s->r, err);
    size_t idx[NCOLS];
    for (int c = 0; st == PL_OK && c < NCOLS; c++) {
        long k = pl_pq_find(s->r, col_names[c]);
        if (k < 0) {
            if (c == COL_CHANNEL)
                break;
            st = pl_error_set(err, PL_EFORMAT, path, "bundle table has no '%s' column", col_names[c]);
            break;
        }
        const pl_pq_column_info *ci = pl_pq_column(s->r, (size_t)k);
        if (!ci->supported || !numeric(ci->type) || ci->nullable)
            st = pl_error_set(err, PL_EFORMAT, path, "bundle table column '%s' is not a non-null number", col_names[c]);
        idx[c] = (size_t)k;
        s->type[c] = ci->type;
        s->ncols = (size_t)c + 1;
    }
    if (st == PL_OK)
        st = pl_pq_scan_open(s->r, idx, s->ncols, 65536, 0, 0, &s->scan, err);
    if (st != PL_OK) {
        pl_error_locate(err, path);
        ephys_stream_close(s);
        return st;
    }
    *out = s;
    return PL_OK;
}

static pl_status append(double **buf, size_t *cap, size_t n, double v, pl_error *err)
{
    if (n == *cap) {
        size_t nc = *cap ? 2 * *cap : 65536;
        double *b = pl_realloc(*buf, nc * sizeof *b, "sweep samples", err);
        if (!b)
            return err ? err->code : PL_ENOMEM;
        *buf = b;
        *cap = nc;
    }
    (*buf)[n] = v;
    return PL_OK;
}

pl_status ephys_stream_sweep(ephys_table_stream *s, int *sweep, double *t0, double *rate, double **buf, size_t *cap,
                             size_t *n, pl_error *err)
{
    *n = 0;
    bool started = false;
    for (;;) {
        if (s->pos == s->nrows) {
            if (s->eof)
                break;
            pl_status st = pl_pq_scan_next(s->scan, s->cols, &s->nrows, err);
            s->pos = 0;
            if (st == PL_DONE) {
                s->eof = true;
                break;
            }
            if (st != PL_OK) {
                pl_error_locate(err, s->path);
                return st;
            }
            continue;
        }
        long long sw = (long long)get_num(s, COL_SWEEP, s->pos);
        if (!started) {
            if (s->have_prev && sw < s->prev_sweep)
                return pl_error_set(err, PL_EFORMAT, s->path, "bundle table is not sorted by sweep (%lld after %lld)",
                                    sw, s->prev_sweep);
            started = true;
            *sweep = (int)sw;
            *t0 = get_num(s, COL_T, s->pos);
            *rate = get_num(s, COL_RATE, s->pos);
            s->prev_sweep = sw;
            s->have_prev = true;
        } else if (sw != *sweep) {
            break;
        }
        if (s->ncols > COL_CHANNEL) {
            long long ch = (long long)get_num(s, COL_CHANNEL, s->pos);
            if (!s->channel_known) {
                s->channel = ch;
                s->channel_known = true;
            }
            if (ch != s->channel) {
                s->pos++;
                continue;
            }
        }
        pl_status st = append(buf, cap, *n, get_num(s, COL_VALUE, s->pos), err);
        if (st != PL_OK)
            return st;
        (*n)++;
        s->pos++;
    }
    return started ? PL_OK : PL_DONE;
}

void ephys_stream_close(ephys_table_stream *s)
{
    if (!s)
        return;
    pl_pq_scan_close(s->scan);
    pl_pq_close(s->r);
    pl_free(s);
}

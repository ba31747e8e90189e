/* The CSV table writer: a header row, then one line per row, written through a stdio buffer into an atomic file.
 *
 * Numbers are printed with the fewest digits that read back to the same value (floats as float), NaN as "NaN",
 * infinities as "inf"/"-inf", nulls as empty fields, booleans as true/false, timestamps as ISO 8601 UTC with
 * microseconds. A field is quoted (RFC 4180, quotes doubled) when it holds a comma, a quote, CR or LF; an empty
 * string is written as "" so it stays distinguishable from a null. Lines end in LF. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/table_impl.h"
#include "plateau/afile.h"
#include "plateau/mem.h"

typedef struct csv_writer {
    pl_table base;
    pl_afile file;
    pl_column *defs;
    char **names;
    size_t ncols;
} csv_writer;

static const pl_table_ops csv_ops;

static void csv_free(csv_writer *w)
{
    if (!w)
        return;
    if (w->names)
        for (size_t i = 0; i < w->ncols; i++)
            pl_free(w->names[i]);
    pl_free(w->names);
    pl_free(w->defs);
    pl_free(w);
}

static void put_quoted(FILE *f, const char *s, size_t n)
{
    if (n == 0) {
        fputs("\"\"", f);
        return;
    }
    bool quote = false;
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) {
        fwrite(s, 1, n, f);
        return;
    }
    putc('"', f);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            putc('"', f);
        putc(s[i], f);
    }
    putc('"', f);
}

/* Shortest of %.{lo..hi}g that parses back to the same value. */
static int format_double(char *buf, size_t size, double v)
{
    if (isnan(v))
        return snprintf(buf, size, "NaN");
    if (isinf(v))
        return snprintf(buf, size, v > 0 ? "inf" : "-inf");
    for (int p = 15; p < 17; p++) {
        int n = snprintf(buf, size, "%.*g", p, v);
        if (strtod(buf, NULL) == v)
            return n;
    }
    return snprintf(buf, size, "%.17g", v);
}

static int format_float(char *buf, size_t size, float v)
{
    if (isnan(v))
        return snprintf(buf, size, "NaN");
    if (isinf(v))
        return snprintf(buf, size, v > 0 ? "inf" : "-inf");
    for (int p = 6; p < 9; p++) {
        int n = snprintf(buf, size, "%.*g", p, (double)v);
        if (strtof(buf, NULL) == v)
            return n;
    }
    return snprintf(buf, size, "%.9g", (double)v);
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian), valid for the whole int64 microsecond range. */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int format_timestamp(char *buf, size_t size, int64_t us)
{
    int64_t secs = us / 1000000, frac = us % 1000000;
    if (frac < 0)
        frac += 1000000, secs -= 1;
    int64_t days = secs / 86400, sod = secs % 86400;
    if (sod < 0)
        sod += 86400, days -= 1;
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    return snprintf(buf, size, "%04" PRId64 "-%02d-%02dT%02d:%02d:%02d.%06dZ", y, m, d, (int)(sod / 3600),
                    (int)(sod / 60 % 60), (int)(sod % 60), (int)frac);
}

static void put_cell(FILE *f, const pl_column *c, const pl_colbuf *b, size_t r)
{
    if (b->valid && !b->valid[r])
        return;
    char buf[64];
    int n = 0;
    switch (c->type) {
    case PL_COL_BOOL: fputs(((const uint8_t *)b->values)[r] ? "true" : "false", f); return;
    case PL_COL_INT32: n = snprintf(buf, sizeof buf, "%" PRId32, ((const int32_t *)b->values)[r]); break;
    case PL_COL_INT64: n = snprintf(buf, sizeof buf, "%" PRId64, ((const int64_t *)b->values)[r]); break;
    case PL_COL_FLOAT: n = format_float(buf, sizeof buf, ((const float *)b->values)[r]); break;
    case PL_COL_DOUBLE: n = format_double(buf, sizeof buf, ((const double *)b->values)[r]); break;
    case PL_COL_TIMESTAMP_US: n = format_timestamp(buf, sizeof buf, ((const int64_t *)b->values)[r]); break;
    case PL_COL_STRING: {
        const char *s = ((const char *const *)b->values)[r];
        put_quoted(f, s, b->lengths ? b->lengths[r] : strlen(s));
        return;
    }
    }
    fwrite(buf, 1, (size_t)n, f);
}

static pl_status csv_write(pl_table *t, size_t nrows, const pl_colbuf *cols, pl_error *err)
{
    csv_writer *w = (csv_writer *)t;
    FILE *f = w->file.fp;
    for (size_t r = 0; r < nrows; r++) {
        for (size_t i = 0; i < w->ncols; i++) {
            if (i)
                putc(',', f);
            put_cell(f, &w->defs[i], &cols[i], r);
        }
        putc('\n', f);
        if ((r & 4095) == 0 && pl_interrupted())
            return pl_error_set(err, PL_EINTR, w->file.final_path, "interrupted");
    }
    if (ferror(f))
        return pl_error_errno(err, PL_EIO, w->file.final_path, "write failed");
    return PL_OK;
}

pl_status pl_csv_open(const char *path, const pl_column *cols, size_t ncols, const pl_table_options *opt,
                      pl_table **out, pl_error *err)
{
    (void)opt; /* compression, pages and metadata do not apply to CSV */
    csv_writer *w = pl_calloc(1, sizeof *w, "csv writer", err);
    pl_status st = w ? PL_OK : (err ? err->code : PL_ENOMEM);
    if (st == PL_OK) {
        w->base.ops = &csv_ops;
        w->defs = pl_calloc(ncols, sizeof *w->defs, "csv columns", err);
        w->names = pl_calloc(ncols, sizeof *w->names, "csv columns", err);
        if (!w->defs || !w->names)
            st = err ? err->code : PL_ENOMEM;
    }
    for (size_t i = 0; st == PL_OK && i < ncols; i++) {
        w->defs[i] = cols[i];
        if (!(w->names[i] = pl_strdup(cols[i].name, err)))
            st = err ? err->code : PL_ENOMEM;
        w->defs[i].name = w->names[i];
        w->ncols = i + 1;
    }
    if (st == PL_OK)
        st = pl_afile_open(&w->file, path, err);
    if (st != PL_OK) {
        pl_error_locate(err, path);
        csv_free(w);
        return st;
    }
    for (size_t i = 0; i < ncols; i++) {
        if (i)
            putc(',', w->file.fp);
        put_quoted(w->file.fp, cols[i].name, strlen(cols[i].name));
    }
    putc('\n', w->file.fp);
    w->base.ncols = ncols;
    w->base.cols = w->defs;
    *out = &w->base;
    return PL_OK;
}

static pl_status csv_close(pl_table *t, pl_error *err)
{
    csv_writer *w = (csv_writer *)t;
    pl_status st = pl_afile_commit(&w->file, err);
    csv_free(w);
    return st;
}

static void csv_abort(pl_table *t)
{
    csv_writer *w = (csv_writer *)t;
    pl_afile_abort(&w->file);
    csv_free(w);
}

static const pl_table_ops csv_ops = {csv_write, csv_close, csv_abort, NULL};

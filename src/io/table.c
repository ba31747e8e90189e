/* pl_table_*: the format dispatch and the argument checks shared by the Parquet and CSV writers. */
#include <string.h>
#include <strings.h>

#include "io/table_impl.h"
#include "plateau/mem.h"

void pl_table_options_default(pl_table_options *o)
{
    memset(o, 0, sizeof *o);
    o->codec = PL_CODEC_ZSTD;
    o->level = 0;
    o->page_bytes = (size_t)1 << 20;
    o->row_group_bytes = (size_t)32 << 20;
    o->dict_max_bytes = (size_t)1 << 20;
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

static pl_status check_columns(const char *path, const pl_column *cols, size_t ncols, pl_error *err)
{
    if (!cols || ncols == 0)
        return pl_error_set(err, PL_EARG, path, "a table needs at least one column");
    for (size_t i = 0; i < ncols; i++) {
        const pl_column *c = &cols[i];
        if (!c->name || !*c->name)
            return pl_error_set(err, PL_EARG, path, "column %zu has no name", i + 1);
        if ((unsigned)c->type > PL_COL_TIMESTAMP_US)
            return pl_error_set(err, PL_EARG, path, "column '%s' has an unknown type (%d)", c->name, (int)c->type);
        if ((unsigned)c->encoding > PL_ENC_BYTE_STREAM_SPLIT)
            return pl_error_set(err, PL_EARG, path, "column '%s' has an unknown encoding (%d)", c->name,
                                (int)c->encoding);
        if (c->encoding == PL_ENC_BYTE_STREAM_SPLIT && c->type != PL_COL_FLOAT && c->type != PL_COL_DOUBLE)
            return pl_error_set(err, PL_EARG, path, "column '%s': byte-stream-split needs a float or double column",
                                c->name);
        if (c->encoding == PL_ENC_DICT && c->type == PL_COL_BOOL)
            return pl_error_set(err, PL_EARG, path, "column '%s': dictionary encoding of booleans is not supported",
                                c->name);
        for (size_t j = 0; j < i; j++)
            if (strcmp(cols[j].name, c->name) == 0)
                return pl_error_set(err, PL_EARG, path, "two columns are named '%s'", c->name);
    }
    return PL_OK;
}

static pl_status check_options(const char *path, pl_table_options *o, pl_error *err)
{
    if ((unsigned)o->codec > PL_CODEC_NONE)
        return pl_error_set(err, PL_EARG, path, "unknown compression codec (%d)", (int)o->codec);
    if (o->page_bytes == 0)
        o->page_bytes = (size_t)1 << 20;
    if (o->row_group_bytes == 0)
        o->row_group_bytes = (size_t)32 << 20;
    if (o->dict_max_bytes == 0)
        o->dict_max_bytes = (size_t)1 << 20;
    if (o->page_bytes > ((size_t)1 << 30) || o->dict_max_bytes > ((size_t)1 << 30))
        return pl_error_set(err, PL_EARG, path, "page and dictionary sizes are limited to 1 GiB");
    if (o->n_kv && !o->kv)
        return pl_error_set(err, PL_EARG, path, "%zu key/value pairs given without the array", o->n_kv);
    for (size_t i = 0; i < 2 * o->n_kv; i++)
        if (!o->kv[i])
            return pl_error_set(err, PL_EARG, path, "key/value metadata entry %zu is NULL", i);
    return PL_OK;
}

pl_status pl_table_open(const char *path, const pl_column *cols, size_t ncols, const pl_table_options *opt,
                        pl_table **out, pl_error *err)
{
    if (!out)
        return pl_error_set(err, PL_EARG, path, "pl_table_open needs somewhere to put the table");
    *out = NULL;
    if (!path || !*path)
        return pl_error_set(err, PL_EARG, NULL, "no output path for the table");
    pl_table_options o;
    if (opt)
        o = *opt;
    else
        pl_table_options_default(&o);
    pl_status st = check_columns(path, cols, ncols, err);
    if (st == PL_OK)
        st = check_options(path, &o, err);
    if (st != PL_OK)
        return st;
    if (has_suffix(path, ".parquet"))
        st = pl_parquet_open(path, cols, ncols, &o, out, err);
    else if (has_suffix(path, ".csv"))
        st = pl_csv_open(path, cols, ncols, &o, out, err);
    else
        return pl_error_set(err, PL_EARG, path, "cannot tell the table format: the name must end in .parquet or .csv");
    if (st == PL_OK) {
        (*out)->rows = 0;
        (*out)->failed = PL_OK;
    }
    return st;
}

/* Caller bugs (a NULL values array, a null in a required column, a NULL string) are refused for the whole batch
 * before anything is written, so the table stays usable and backends can trust their input. */
static bool any_present(const uint8_t *valid, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (valid[i])
            return true;
    return false;
}

static pl_status check_batch(const pl_table *t, size_t nrows, const pl_colbuf *cols, pl_error *err)
{
    for (size_t i = 0; i < t->ncols; i++) {
        const pl_column *c = &t->cols[i];
        const pl_colbuf *b = &cols[i];
        if (b->valid && !c->nullable && memchr(b->valid, 0, nrows))
            return pl_error_set(err, PL_EARG, NULL, "column '%s' is not nullable but row %zu of the batch is null",
                                c->name, (size_t)((const uint8_t *)memchr(b->valid, 0, nrows) - b->valid) + 1);
        if (!b->values) {
            if (b->valid && !any_present(b->valid, nrows))
                continue;
            return pl_error_set(err, PL_EARG, NULL, "column '%s': no values in a batch of %zu rows", c->name, nrows);
        }
        if (c->type != PL_COL_STRING)
            continue;
        const char *const *s = b->values;
        for (size_t r = 0; r < nrows; r++)
            if (!s[r] && (!b->valid || b->valid[r]))
                return pl_error_set(err, PL_EARG, NULL, "column '%s': row %zu of the batch is a NULL string", c->name,
                                    r + 1);
    }
    return PL_OK;
}

pl_status pl_table_write(pl_table *t, size_t nrows, const pl_colbuf *cols, pl_error *err)
{
    if (!t)
        return pl_error_set(err, PL_EARG, NULL, "write to a table that is not open");
    if (t->failed != PL_OK) {
        if (err)
            *err = t->first_error;
        return t->failed;
    }
    if (nrows == 0)
        return PL_OK;
    if (!cols)
        return pl_error_set(err, PL_EARG, NULL, "a batch of %zu rows without columns", nrows);
    pl_status st = check_batch(t, nrows, cols, err);
    if (st != PL_OK)
        return st;
    pl_error local;
    pl_error *e = err ? err : &local;
    st = t->ops->write(t, nrows, cols, e);
    if (st == PL_OK) {
        t->rows += nrows;
    } else {
        /* a half-written batch cannot be taken back: only close (which discards) is left */
        t->failed = st;
        t->first_error = *e;
    }
    return st;
}

static bool same_columns(const pl_table *a, const pl_table *b)
{
    if (a->ncols != b->ncols)
        return false;
    for (size_t i = 0; i < a->ncols; i++)
        if (strcmp(a->cols[i].name, b->cols[i].name) || a->cols[i].type != b->cols[i].type ||
            a->cols[i].nullable != b->cols[i].nullable)
            return false;
    return true;
}

static pl_status fail_table(pl_table *t, pl_status st, const pl_error *e)
{
    if (t && t->failed == PL_OK) {
        t->failed = st;
        t->first_error = *e;
    }
    return st;
}

pl_status pl_table_mirror(pl_table *t, pl_table *twin, pl_error *err)
{
    if (!t)
        return pl_error_set(err, PL_EARG, NULL, "mirror of a table that is not open");
    for (pl_table *x = t; x; x = x == t ? twin : NULL)
        if (x->failed != PL_OK) {
            if (err)
                *err = x->first_error;
            return x->failed;
        }
    if (!t->ops->mirror)
        return pl_error_set(err, PL_EUNSUPPORTED, NULL, "only Parquet tables can mirror their row groups");
    if (twin && (twin == t || twin->ops != t->ops || !same_columns(t, twin)))
        return pl_error_set(err, PL_EARG, NULL, "a table mirrors only into another table with the same columns");
    pl_error local;
    pl_error *e = err ? err : &local;
    pl_status st = t->ops->mirror(t, twin, e);
    if (st != PL_OK) {
        fail_table(t, st, e);
        fail_table(twin, st, e);
    }
    return st;
}

pl_status pl_table_close(pl_table *t, pl_error *err)
{
    if (!t)
        return pl_error_set(err, PL_EARG, NULL, "close of a table that is not open");
    if (t->failed != PL_OK) {
        pl_status st = t->failed;
        if (err)
            *err = t->first_error;
        t->ops->abort(t);
        return st;
    }
    return t->ops->close(t, err);
}

void pl_table_abort(pl_table *t)
{
    if (t)
        t->ops->abort(t);
}

uint64_t pl_table_rows(const pl_table *t)
{
    return t ? t->rows : 0;
}

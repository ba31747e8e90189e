/* The Parquet footer: FileMetaData decoded from the Thrift compact protocol with a bounds-checked cursor.
 * Every count and offset is checked against the file before it is used; fields of an unexpected type are skipped. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plateau/mem.h"
#include "pq_format.h"
#include "reader_impl.h"
#include "thrift.h"

#define FOOTER_MAX ((uint64_t)256 << 20)

pl_status pq_pread(const pl_pq_reader *r, void *buf, size_t n, uint64_t off, pl_error *err)
{
    size_t done = 0;
    while (done < n) {
        ssize_t k = pread(r->fd, (uint8_t *)buf + done, n - done, (off_t)(off + done));
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return pl_error_errno(err, PL_EIO, r->path, "read failed");
        }
        if (k == 0)
            return pl_error_set(err, PL_EFORMAT, r->path, "the file ends early (truncated Parquet file?)");
        done += (size_t)k;
    }
    return PL_OK;
}

static char *dup_bytes(const uint8_t *p, uint32_t n, pl_error *err)
{
    char *s = pl_alloc((size_t)n + 1, "parquet metadata string", err);
    if (s) {
        if (n)
            memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

typedef struct schema_el {
    int type, type_length, repetition, num_children, converted;
    int logical; /* LogicalType union field id, 0 if absent */
    int ts_unit; /* for TIMESTAMP logical types */
    const uint8_t *name;
    uint32_t name_len;
} schema_el;

static void parse_logical(tr *t, schema_el *e)
{
    tr_struct_begin(t);
    int16_t id;
    uint8_t ty;
    while ((ty = tr_field(t, &id)) != TT_STOP) {
        if (ty == TT_STRUCT && id == 8) { /* TIMESTAMP { isAdjustedToUTC, unit { MILLIS | MICROS | NANOS } } */
            e->logical = 8;
            tr_struct_begin(t);
            int16_t f;
            uint8_t ft;
            while ((ft = tr_field(t, &f)) != TT_STOP) {
                if (f == 2 && ft == TT_STRUCT) {
                    tr_struct_begin(t);
                    int16_t u;
                    uint8_t ut;
                    while ((ut = tr_field(t, &u)) != TT_STOP) {
                        e->ts_unit = u;
                        tr_skip(t, ut);
                    }
                    tr_struct_end(t);
                } else {
                    tr_skip(t, ft);
                }
            }
            tr_struct_end(t);
        } else {
            if (ty == TT_STRUCT)
                e->logical = id;
            tr_skip(t, ty);
        }
        if (t->bad)
            break;
    }
    tr_struct_end(t);
}

static void parse_schema_el(tr *t, schema_el *e)
{
    memset(e, 0, sizeof *e);
    e->type = -1;
    e->repetition = -1;
    tr_struct_begin(t);
    int16_t id;
    uint8_t ty;
    while (!t->bad && (ty = tr_field(t, &id)) != TT_STOP) {
        if (id == 1 && ty == TT_I32)
            e->type = (int)tr_int(t);
        else if (id == 2 && ty == TT_I32)
            e->type_length = (int)tr_int(t);
        else if (id == 3 && ty == TT_I32)
            e->repetition = (int)tr_int(t);
        else if (id == 4 && ty == TT_BINARY)
            e->name = tr_binary(t, &e->name_len);
        else if (id == 5 && ty == TT_I32)
            e->num_children = (int)tr_int(t);
        else if (id == 6 && ty == TT_I32)
            e->converted = (int)tr_int(t) + 1; /* 0 = absent */
        else if (id == 10 && ty == TT_STRUCT)
            parse_logical(t, e);
        else
            tr_skip(t, ty);
    }
    tr_struct_end(t);
}

/* Maps a leaf schema element to a column: type, nullability, and whether we can decode it. */
static pl_status make_column(pl_pq_reader *r, pq_rcol *c, const schema_el *e, bool nested, pl_error *err)
{
    c->info.name = dup_bytes(e->name ? e->name : (const uint8_t *)"", e->name_len, err);
    if (!c->info.name)
        return err ? err->code : PL_ENOMEM;
    c->info.physical_type = e->type;
    c->info.nullable = e->repetition != PQR_REQUIRED;
    c->max_def = c->info.nullable ? 1 : 0;
    c->type_length = e->type_length;
    c->info.supported = true;
    switch (e->type) {
    case PQT_BOOLEAN: c->info.type = PL_COL_BOOL; break;
    case PQT_INT32: c->info.type = PL_COL_INT32; break;
    case PQT_INT64:
        c->info.type = PL_COL_INT64;
        if (e->logical == 8 && e->ts_unit >= 1 && e->ts_unit <= 3)
            c->ts_unit = e->ts_unit;
        else if (e->converted == PQCT_TIMESTAMP_MICROS + 1)
            c->ts_unit = 2;
        else if (e->converted == PQCT_TIMESTAMP_MILLIS + 1)
            c->ts_unit = 1;
        if (c->ts_unit)
            c->info.type = PL_COL_TIMESTAMP_US;
        break;
    case PQT_FLOAT: c->info.type = PL_COL_FLOAT; break;
    case PQT_DOUBLE: c->info.type = PL_COL_DOUBLE; break;
    case PQT_BYTE_ARRAY: c->info.type = PL_COL_STRING; break;
    case PQT_INT96: c->info.supported = false, c->why = "INT96 timestamps are not supported"; break;
    case PQT_FIXED_LEN_BYTE_ARRAY:
        c->info.supported = false, c->why = "fixed-length byte arrays are not supported";
        break;
    default: c->info.supported = false, c->why = "unknown physical type"; break;
    }
    if (nested || e->repetition == PQR_REPEATED)
        c->info.supported = false, c->why = "nested and repeated columns are not supported";
    (void)r;
    return PL_OK;
}

/* FileMetaData.schema: a depth-first list; leaves become columns. */
static pl_status parse_schema(pl_pq_reader *r, tr *t, pl_error *err)
{
    uint8_t et;
    uint32_t n = tr_list(t, &et);
    if (t->bad || et != TT_STRUCT || n < 1)
        return pl_error_set(err, PL_EFORMAT, r->path, "the Parquet schema is missing or corrupt");
    schema_el *els = pl_alloc((size_t)n * sizeof *els, "parquet schema", err);
    if (!els)
        return err ? err->code : PL_ENOMEM;
    for (uint32_t i = 0; i < n && !t->bad; i++)
        parse_schema_el(t, &els[i]);
    pl_status st = PL_OK;
    size_t leaves = 0;
    for (uint32_t i = 1; i < n; i++)
        leaves += els[i].num_children <= 0;
    if (t->bad || leaves == 0) {
        st = pl_error_set(err, PL_EFORMAT, r->path, "the Parquet schema is corrupt or has no columns");
        goto out;
    }
    r->cols = pl_calloc(leaves, sizeof *r->cols, "parquet columns", err);
    if (!r->cols) {
        st = err ? err->code : PL_ENOMEM;
        goto out;
    }
    /* a stack of children still expected at each depth tells nested leaves from top-level ones */
    int remaining[64];
    int depth = 0;
    remaining[0] = els[0].num_children;
    for (uint32_t i = 1; i < n && st == PL_OK; i++) {
        while (depth > 0 && remaining[depth] <= 0)
            depth--;
        remaining[depth]--;
        if (els[i].num_children > 0) {
            if (depth + 1 >= 64) {
                st = pl_error_set(err, PL_EFORMAT, r->path, "the Parquet schema nests too deeply");
                break;
            }
            remaining[++depth] = els[i].num_children;
            continue;
        }
        st = make_column(r, &r->cols[r->ncols], &els[i], depth > 0, err);
        if (st == PL_OK)
            r->ncols++;
    }
out:
    pl_free(els);
    return st;
}

/* Statistics: min_value/max_value (5, 6), or the legacy min/max (2, 1) that are also signed for integers. */
static void parse_statistics(tr *t, pq_chunk_meta *m, int ptype)
{
    const uint8_t *bound[7] = {0};
    uint32_t len[7] = {0};
    tr_struct_begin(t);
    int16_t id;
    uint8_t ty;
    while (!t->bad && (ty = tr_field(t, &id)) != TT_STOP) {
        if (ty == TT_BINARY && id >= 1 && id <= 6)
            bound[id] = tr_binary(t, &len[id]);
        else if (id == 3 && ty == TT_I64)
            m->null_count = tr_int(t);
        else
            tr_skip(t, ty);
    }
    tr_struct_end(t);
    const uint8_t *mn = bound[6] ? bound[6] : bound[2], *mx = bound[5] ? bound[5] : bound[1];
    uint32_t ln = bound[6] ? len[6] : len[2], lx = bound[5] ? len[5] : len[1];
    size_t w = ptype == PQT_INT32 ? 4 : ptype == PQT_INT64 ? 8 : 0;
    if (t->bad || !w || !mn || !mx || ln != w || lx != w)
        return;
    if (w == 4) {
        int32_t a, b;
        memcpy(&a, mn, 4), memcpy(&b, mx, 4);
        m->min = a, m->max = b;
    } else {
        memcpy(&m->min, mn, 8), memcpy(&m->max, mx, 8);
    }
    m->has_range = m->min <= m->max;
}

static void parse_column_meta(tr *t, pq_chunk_meta *m, int64_t *dict_off, int64_t *data_off)
{
    int ptype = -1;
    tr_struct_begin(t);
    int16_t id;
    uint8_t ty;
    while (!t->bad && (ty = tr_field(t, &id)) != TT_STOP) {
        if (id == 1 && ty == TT_I32)
            ptype = (int)tr_int(t);
        else if (id == 4 && ty == TT_I32)
            m->codec = (int)tr_int(t);
        else if (id == 12 && ty == TT_STRUCT)
            parse_statistics(t, m, ptype);
        else if (id == 5 && ty == TT_I64)
            m->num_values = tr_int(t);
        else if (id == 7 && ty == TT_I64)
            m->size = tr_int(t);
        else if (id == 9 && ty == TT_I64)
            *data_off = tr_int(t);
        else if (id == 11 && ty == TT_I64)
            *dict_off = tr_int(t);
        else
            tr_skip(t, ty);
    }
    tr_struct_end(t);
}

static pl_status parse_chunk(pl_pq_reader *r, tr *t, pq_chunk_meta *m, pl_error *err)
{
    int64_t dict_off = 0, data_off = -1;
    bool external = false;
    memset(m, 0, sizeof *m);
    m->size = -1;
    m->null_count = -1;
    tr_struct_begin(t);
    int16_t id;
    uint8_t ty;
    while (!t->bad && (ty = tr_field(t, &id)) != TT_STOP) {
        if (id == 1 && ty == TT_BINARY) {
            external = true;
            tr_skip(t, ty);
        } else if (id == 3 && ty == TT_STRUCT) {
            parse_column_meta(t, m, &dict_off, &data_off);
        } else {
            tr_skip(t, ty);
        }
    }
    tr_struct_end(t);
    if (t->bad)
        return PL_OK; /* reported by the caller */
    if (external)
        return pl_error_set(err, PL_EUNSUPPORTED, r->path, "column chunks in other files are not supported");
    m->start = dict_off > 0 && dict_off < data_off ? dict_off : data_off;
    if (data_off < 4 || m->size < 0 || m->num_values < 0 || (uint64_t)m->start > r->file_size ||
        (uint64_t)m->size > r->file_size - (uint64_t)m->start)
        return pl_error_set(err, PL_EFORMAT, r->path, "a column chunk lies outside the file (corrupt metadata)");
    return PL_OK;
}

static pl_status parse_row_groups(pl_pq_reader *r, tr *t, pl_error *err)
{
    uint8_t et;
    uint32_t n = tr_list(t, &et);
    if (t->bad || (n && et != TT_STRUCT))
        return pl_error_set(err, PL_EFORMAT, r->path, "the Parquet row groups are corrupt");
    if (n == 0)
        return PL_OK;
    r->rg_rows = pl_calloc(n, sizeof *r->rg_rows, "parquet row groups", err);
    r->chunks = r->ncols ? pl_calloc((size_t)n * r->ncols, sizeof *r->chunks, "parquet row groups", err) : NULL;
    if (!r->rg_rows || !r->chunks)
        return err ? err->code : PL_ENOMEM;
    for (uint32_t g = 0; g < n; g++) {
        tr_struct_begin(t);
        int16_t id;
        uint8_t ty;
        bool have_cols = false;
        while (!t->bad && (ty = tr_field(t, &id)) != TT_STOP) {
            if (id == 1 && ty == TT_LIST) {
                uint32_t nc = tr_list(t, &et);
                if (t->bad || nc != r->ncols || et != TT_STRUCT)
                    return pl_error_set(err, PL_EFORMAT, r->path, "row group %u has %u column chunks for %zu columns",
                                        g, nc, r->ncols);
                for (uint32_t c = 0; c < nc; c++) {
                    pl_status st = parse_chunk(r, t, &r->chunks[(size_t)g * r->ncols + c], err);
                    if (st != PL_OK)
                        return st;
                }
                have_cols = true;
            } else if (id == 3 && ty == TT_I64) {
                r->rg_rows[g] = tr_int(t);
            } else {
                tr_skip(t, ty);
            }
        }
        tr_struct_end(t);
        if (t->bad || !have_cols || r->rg_rows[g] < 0)
            return pl_error_set(err, PL_EFORMAT, r->path, "row group %u is corrupt", g);
        r->nrg = g + 1;
    }
    return PL_OK;
}

static pl_status parse_kv(pl_pq_reader *r, tr *t, pl_error *err)
{
    uint8_t et;
    uint32_t n = tr_list(t, &et);
    if (t->bad || (n && et != TT_STRUCT))
        return pl_error_set(err, PL_EFORMAT, r->path, "the key/value metadata is corrupt");
    if (n == 0)
        return PL_OK;
    r->kv = pl_calloc(2 * (size_t)n, sizeof *r->kv, "parquet key/value metadata", err);
    if (!r->kv)
        return err ? err->code : PL_ENOMEM;
    r->nkv = n; /* entries start NULL, so a failure half-way frees what was copied */
    for (uint32_t i = 0; i < n && !t->bad; i++) {
        tr_struct_begin(t);
        int16_t id;
        uint8_t ty;
        while (!t->bad && (ty = tr_field(t, &id)) != TT_STOP) {
            if ((id == 1 || id == 2) && ty == TT_BINARY && !r->kv[2 * i + (size_t)id - 1]) {
                uint32_t len;
                const uint8_t *p = tr_binary(t, &len);
                if (p && !(r->kv[2 * i + (size_t)id - 1] = dup_bytes(p, len, err)))
                    return err ? err->code : PL_ENOMEM;
            } else {
                tr_skip(t, ty);
            }
        }
        tr_struct_end(t);
        if (!r->kv[2 * i] && !(r->kv[2 * i] = dup_bytes((const uint8_t *)"", 0, err)))
            return err ? err->code : PL_ENOMEM;
    }
    return PL_OK;
}

static pl_status parse_file_meta(pl_pq_reader *r, tr *t, pl_error *err)
{
    bool have_schema = false, have_rows = false;
    int64_t rows = 0;
    pl_status st = PL_OK;
    tr_struct_begin(t);
    int16_t id;
    uint8_t ty;
    while (st == PL_OK && !t->bad && (ty = tr_field(t, &id)) != TT_STOP) {
        if (id == 2 && ty == TT_LIST && !have_schema) {
            st = parse_schema(r, t, err);
            have_schema = true;
        } else if (id == 3 && ty == TT_I64) {
            rows = tr_int(t);
            have_rows = true;
        } else if (id == 4 && ty == TT_LIST && have_schema && !r->rg_rows) {
            st = parse_row_groups(r, t, err);
        } else if (id == 5 && ty == TT_LIST && !r->kv) {
            st = parse_kv(r, t, err);
        } else if (id == 6 && ty == TT_BINARY && !r->created_by) {
            uint32_t len;
            const uint8_t *p = tr_binary(t, &len);
            if (p && !(r->created_by = dup_bytes(p, len, err)))
                st = err ? err->code : PL_ENOMEM;
        } else {
            tr_skip(t, ty);
        }
    }
    if (st != PL_OK)
        return st;
    if (t->bad || !have_schema || !have_rows || rows < 0)
        return pl_error_set(err, PL_EFORMAT, r->path, "the Parquet footer is corrupt");
    uint64_t sum = 0;
    for (size_t g = 0; g < r->nrg; g++)
        sum += (uint64_t)r->rg_rows[g];
    if (sum != (uint64_t)rows)
        return pl_error_set(err, PL_EFORMAT, r->path, "the row groups hold %llu rows but the footer says %lld",
                            (unsigned long long)sum, (long long)rows);
    r->nrows = (uint64_t)rows;
    return PL_OK;
}

pl_status pq_read_footer(pl_pq_reader *r, pl_error *err)
{
    uint8_t tail[8], head[4];
    if (r->file_size < 12)
        return pl_error_set(err, PL_EFORMAT, r->path, "too short to be a Parquet file");
    pl_status st = pq_pread(r, tail, 8, r->file_size - 8, err);
    if (st == PL_OK)
        st = pq_pread(r, head, 4, 0, err);
    if (st != PL_OK)
        return st;
    if (memcmp(tail + 4, PQ_MAGIC, 4) != 0 || memcmp(head, PQ_MAGIC, 4) != 0) {
        if (memcmp(tail + 4, "PARE", 4) == 0)
            return pl_error_set(err, PL_EUNSUPPORTED, r->path, "encrypted Parquet files are not supported");
        return pl_error_set(err, PL_EFORMAT, r->path, "not a Parquet file (no PAR1 magic)");
    }
    uint64_t len = (uint64_t)tail[0] | (uint64_t)tail[1] << 8 | (uint64_t)tail[2] << 16 | (uint64_t)tail[3] << 24;
    if (len > r->file_size - 12)
        return pl_error_set(err, PL_EFORMAT, r->path, "the footer length %llu does not fit in the file",
                            (unsigned long long)len);
    if (len > FOOTER_MAX)
        return pl_error_set(err, PL_ELIMIT, r->path, "the Parquet footer is larger than 256 MiB");
    uint8_t *foot = pl_alloc(len ? len : 1, "parquet footer", err);
    if (!foot)
        return err ? err->code : PL_ENOMEM;
    st = pq_pread(r, foot, len, r->file_size - 8 - len, err);
    if (st == PL_OK) {
        tr t;
        tr_init(&t, foot, len);
        st = parse_file_meta(r, &t, err);
    }
    pl_free(foot);
    return st;
}

void pq_reader_free_meta(pl_pq_reader *r)
{
    for (size_t i = 0; i < r->ncols; i++)
        pl_free((void *)r->cols[i].info.name);
    pl_free(r->cols);
    pl_free(r->rg_rows);
    pl_free(r->chunks);
    for (size_t i = 0; i < 2 * r->nkv; i++)
        pl_free(r->kv[i]);
    pl_free(r->kv);
    pl_free(r->created_by);
}

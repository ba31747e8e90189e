/* The Parquet table writer: columns in, row groups out, footer at close.
 *
 * Each batch is cut into slices; every column appends a slice (pages are encoded and compressed as they fill), then
 * the writer checks the bytes buffered for the row group. Past row_group_bytes every column flushes its open page
 * and its chunk is written contiguously (dictionary page first). The RowGroup metadata is serialized at once into
 * the footer buffer, so nothing per row group is kept beyond its few hundred bytes of Thrift. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "column.h"
#include "io/table_impl.h"
#include "plateau/afile.h"
#include "plateau/mem.h"
#include "pq_format.h"
#include "thrift.h"

typedef struct pq_writer {
    pl_table base;
    pl_afile file;
    pl_column *defs; /* base.cols */
    pq_col *cols;
    size_t ncols;
    pq_col_cfg cfg;
    pq_codec_ctx codec;
    pl_table_options opt;
    char **kv;         /* copies of the key/value strings */
    size_t slice_rows; /* rows per slice: the row-group check runs between slices */
    uint64_t offset;   /* bytes written so far */
    int64_t rg_rows;   /* rows in the open row group */
    uint32_t n_rg;
    pq_buf rg_meta;         /* serialized RowGroup structs, concatenated */
    pq_buf scratch;         /* a dictionary page */
    struct pq_writer *twin; /* pl_table_mirror: row groups closed here are copied there too */
} pq_writer;

static const pl_table_ops parquet_ops;

/* Rows per row group at most (Arrow's default too): keeps row-group statistics useful for finding a sweep and lets
 * readers parallelize, even when the data compresses so well that the byte budget would allow far more. */
#define PQ_ROW_GROUP_MAX_ROWS ((int64_t)1 << 20)

static void writer_free(pq_writer *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->ncols; i++)
        pq_col_free(&w->cols[i]);
    pl_free(w->cols);
    pl_free(w->defs);
    if (w->kv)
        for (size_t i = 0; i < 2 * w->opt.n_kv; i++)
            pl_free(w->kv[i]);
    pl_free(w->kv);
    pq_codec_free(&w->codec);
    pq_buf_free(&w->rg_meta);
    pq_buf_free(&w->scratch);
    pl_free(w);
}

static pl_status write_bytes(pq_writer *w, const void *p, size_t n, pl_error *err)
{
    pl_status st = pl_afile_write(&w->file, p, n, err);
    if (st == PL_OK)
        w->offset += n;
    return st;
}

/* Rows per slice: small enough that a tiny row-group budget still yields several row groups. */
static size_t slice_rows(const pq_writer *w)
{
    size_t row_bytes = 0;
    for (size_t i = 0; i < w->ncols; i++)
        row_bytes += w->cols[i].width ? (size_t)w->cols[i].width : 16;
    size_t rows = w->opt.row_group_bytes / row_bytes / 2;
    return rows < 1 ? 1 : rows > 65536 ? 65536 : rows;
}

static pl_status copy_kv(pq_writer *w, pl_error *err)
{
    if (!w->opt.n_kv)
        return PL_OK;
    w->kv = pl_calloc(2 * w->opt.n_kv, sizeof *w->kv, "parquet key/value metadata", err);
    if (!w->kv)
        return err ? err->code : PL_ENOMEM;
    for (size_t i = 0; i < 2 * w->opt.n_kv; i++)
        if (!(w->kv[i] = pl_strdup(w->opt.kv[i], err)))
            return err ? err->code : PL_ENOMEM;
    w->opt.kv = (const char *const *)w->kv;
    return PL_OK;
}

pl_status pl_parquet_open(const char *path, const pl_column *cols, size_t ncols, const pl_table_options *opt,
                          pl_table **out, pl_error *err)
{
    pq_writer *w = pl_calloc(1, sizeof *w, "parquet writer", err);
    if (!w)
        return pl_error_locate(err, path), err ? err->code : PL_ENOMEM;
    w->base.ops = &parquet_ops;
    w->opt = *opt;
    pq_buf_init(&w->rg_meta, "parquet footer");
    pq_buf_init(&w->scratch, "parquet dictionary page");
    pl_status st = pq_codec_init(&w->codec, opt->codec, opt->level, err);
    if (st == PL_OK)
        st = copy_kv(w, err);
    if (st == PL_OK) {
        w->cfg = (pq_col_cfg){.page_bytes = opt->page_bytes, .dict_max_bytes = opt->dict_max_bytes, .codec = &w->codec};
        w->cols = pl_calloc(ncols, sizeof *w->cols, "parquet columns", err);
        w->defs = pl_calloc(ncols, sizeof *w->defs, "parquet columns", err);
        if (!w->cols || !w->defs)
            st = err ? err->code : PL_ENOMEM;
    }
    for (size_t i = 0; st == PL_OK && i < ncols; i++) {
        st = pq_col_init(&w->cols[i], &cols[i], &w->cfg, err);
        w->ncols = i + 1;
        w->defs[i] = w->cols[i].def;
    }
    if (st == PL_OK)
        st = pl_afile_open(&w->file, path, err);
    if (st == PL_OK) {
        w->base.ncols = ncols;
        w->base.cols = w->defs;
        w->slice_rows = slice_rows(w);
        st = write_bytes(w, PQ_MAGIC, 4, err);
        if (st != PL_OK)
            pl_afile_abort(&w->file);
    }
    if (st != PL_OK) {
        pl_error_locate(err, path);
        writer_free(w);
        return st;
    }
    *out = &w->base;
    return PL_OK;
}

/* ---- row groups ---- */

static void put_statistics(tw *t, const pq_col *c)
{
    uint8_t mn[8], mx[8];
    size_t ln = 0, lx = 0;
    const uint8_t *smn, *smx;
    bool has = pq_col_stats_bounds(c, mn, &ln, mx, &lx, &smn, &smx);
    tw_struct_begin(t, 12);
    tw_i64(t, 3, c->nulls);
    if (has) {
        tw_binary(t, 5, smx ? smx : mx, lx);
        tw_binary(t, 6, smn ? smn : mn, ln);
    }
    tw_struct_end(t);
}

/* PageEncodingStats: how many pages of each kind, so readers can tell a fully dictionary-encoded chunk. */
static void put_encoding_stats(tw *t, const pq_col *c, bool dict_page)
{
    uint32_t n = dict_page;
    for (int e = 0; e < 10; e++)
        n += c->enc_pages[e] != 0;
    tw_list_begin(t, 13, TT_STRUCT, n);
    if (dict_page) {
        tw_elem_struct_begin(t);
        tw_i32(t, 1, PQP_DICTIONARY_PAGE);
        tw_i32(t, 2, PQE_PLAIN);
        tw_i32(t, 3, 1);
        tw_struct_end(t);
    }
    for (int e = 0; e < 10; e++) {
        if (!c->enc_pages[e])
            continue;
        tw_elem_struct_begin(t);
        tw_i32(t, 1, PQP_DATA_PAGE);
        tw_i32(t, 2, e);
        tw_i32(t, 3, (int32_t)c->enc_pages[e]);
        tw_struct_end(t);
    }
}

typedef struct chunk_pos {
    int64_t dict_off, data_off, comp, uncomp;
} chunk_pos;

static void put_column_chunk(tw *t, const pq_writer *w, const pq_col *c, const chunk_pos *pos)
{
    tw_elem_struct_begin(t);
    tw_i64(t, 2, pos->dict_off >= 0 ? pos->dict_off : pos->data_off);
    tw_struct_begin(t, 3);
    tw_i32(t, 1, c->ptype);
    uint32_t enc = c->enc_mask | (1u << PQE_PLAIN); /* the dictionary page is PLAIN too */
    if (c->levels)
        enc |= 1u << PQE_RLE;
    uint32_t nenc = (uint32_t)__builtin_popcount(enc);
    tw_list_begin(t, 2, TT_I32, nenc);
    for (int e = 0; e < 32; e++)
        if (enc & (1u << e))
            tw_elem_i32(t, e);
    tw_list_begin(t, 3, TT_BINARY, 1);
    tw_elem_binary(t, c->name, strlen(c->name));
    tw_i32(t, 4, pq_codec_id(w->opt.codec));
    tw_i64(t, 5, c->chunk_values);
    tw_i64(t, 6, pos->uncomp);
    tw_i64(t, 7, pos->comp);
    tw_i64(t, 9, pos->data_off);
    if (pos->dict_off >= 0)
        tw_i64(t, 11, pos->dict_off);
    put_statistics(t, c);
    put_encoding_stats(t, c, pos->dict_off >= 0);
    tw_struct_end(t); /* ColumnMetaData */
    tw_struct_end(t); /* ColumnChunk */
}

/* Appends the RowGroup metadata of the chunks at pos (columns and statistics from src) to dst's footer. */
static pl_status put_row_group(pq_writer *dst, const pq_writer *src, const chunk_pos *pos, int64_t rg_start,
                               int64_t rg_end, pl_error *err)
{
    int64_t total_uncomp = 0;
    for (size_t i = 0; i < src->ncols; i++)
        total_uncomp += pos[i].uncomp;
    tw t;
    tw_init(&t, &dst->rg_meta);
    tw_elem_struct_begin(&t);
    tw_list_begin(&t, 1, TT_STRUCT, (uint32_t)src->ncols);
    for (size_t i = 0; i < src->ncols; i++)
        put_column_chunk(&t, src, &src->cols[i], &pos[i]);
    tw_i64(&t, 2, total_uncomp);
    tw_i64(&t, 3, src->rg_rows);
    tw_i64(&t, 5, rg_start);
    tw_i64(&t, 6, rg_end - rg_start);
    tw_field(&t, 7, TT_I16);
    pq_buf_uvarint(&dst->rg_meta, pq_zigzag64((int16_t)dst->n_rg));
    tw_struct_end(&t);
    pl_status st = pq_buf_status(&dst->rg_meta, err);
    if (st == PL_OK)
        dst->n_rg++;
    return st;
}

/* Writes a column chunk (dictionary page, then data pages) at w's end and records where it went. */
static pl_status put_chunk(pq_writer *w, const pq_buf *dict, const pq_buf *pages, chunk_pos *pos, pl_error *err)
{
    pos->dict_off = dict->len ? (int64_t)w->offset : -1;
    pl_status st = write_bytes(w, dict->data, dict->len, err);
    pos->data_off = (int64_t)w->offset;
    if (st == PL_OK)
        st = write_bytes(w, pages->data, pages->len, err);
    pos->comp = (int64_t)(dict->len + pages->len);
    return st;
}

/* A failed copy leaves the twin only closable, as a failed write would. */
static pl_status twin_failed(pq_writer *twin, pl_status st, const pl_error *err)
{
    if (twin->base.failed == PL_OK) {
        twin->base.failed = st;
        if (err)
            twin->base.first_error = *err;
    }
    return st;
}

/* Flushes every column's open page, writes the chunks one after another (to the twin too, when mirroring) and
 * appends the RowGroup metadata. */
static pl_status close_row_group(pq_writer *w, pl_error *err)
{
    if (w->rg_rows == 0)
        return PL_OK;
    pl_status st = PL_OK;
    chunk_pos stack_pos[2][16];
    chunk_pos *pos = w->ncols <= 16 ? stack_pos[0] : pl_alloc(2 * w->ncols * sizeof *pos, "parquet row group", err);
    if (!pos)
        return err ? err->code : PL_ENOMEM;
    chunk_pos *tpos = w->ncols <= 16 ? stack_pos[1] : pos + w->ncols;
    pq_writer *twin = w->twin;
    int64_t rg_start = (int64_t)w->offset, twin_start = twin ? (int64_t)twin->offset : 0;
    for (size_t i = 0; i < w->ncols && st == PL_OK; i++) {
        pq_col *c = &w->cols[i];
        int64_t dict_uncomp;
        if ((st = pq_col_flush_page(c, &w->cfg, err)) != PL_OK ||
            (st = pq_col_dict_page(c, &w->cfg, &w->scratch, &dict_uncomp, err)) != PL_OK ||
            (st = put_chunk(w, &w->scratch, &c->pages, &pos[i], err)) != PL_OK)
            break;
        pos[i].uncomp = dict_uncomp + c->chunk_uncomp;
        if (twin) {
            if ((st = put_chunk(twin, &w->scratch, &c->pages, &tpos[i], err)) != PL_OK)
                twin_failed(twin, st, err);
            tpos[i].uncomp = pos[i].uncomp;
        }
    }
    if (st == PL_OK)
        st = put_row_group(w, w, pos, rg_start, (int64_t)w->offset, err);
    if (st == PL_OK && twin) {
        if ((st = put_row_group(twin, w, tpos, twin_start, (int64_t)twin->offset, err)) != PL_OK)
            twin_failed(twin, st, err);
        twin->base.rows += (uint64_t)w->rg_rows;
    }
    if (st == PL_OK) {
        for (size_t i = 0; i < w->ncols; i++)
            pq_col_reset_chunk(&w->cols[i]);
        w->rg_rows = 0;
    }
    if (pos != stack_pos[0])
        pl_free(pos);
    return st;
}

static size_t buffered_bytes(const pq_writer *w)
{
    size_t n = 0;
    for (size_t i = 0; i < w->ncols; i++)
        n += pq_col_buffered(&w->cols[i]);
    return n;
}

static pl_status parquet_write(pl_table *t, size_t nrows, const pl_colbuf *cols, pl_error *err)
{
    pq_writer *w = (pq_writer *)t;
    pl_status st = PL_OK;
    for (size_t off = 0; off < nrows;) {
        size_t n = nrows - off < w->slice_rows ? nrows - off : w->slice_rows;
        if (w->rg_rows + (int64_t)n > PQ_ROW_GROUP_MAX_ROWS)
            n = (size_t)(PQ_ROW_GROUP_MAX_ROWS - w->rg_rows);
        for (size_t i = 0; i < w->ncols; i++)
            if ((st = pq_col_append(&w->cols[i], &w->cfg, &cols[i], off, n, err)) != PL_OK)
                goto fail;
        w->rg_rows += (int64_t)n;
        off += n;
        if (buffered_bytes(w) >= w->opt.row_group_bytes || w->rg_rows >= PQ_ROW_GROUP_MAX_ROWS)
            if ((st = close_row_group(w, err)) != PL_OK)
                goto fail;
        if (pl_interrupted()) {
            st = pl_error_set(err, PL_EINTR, NULL, "interrupted");
            goto fail;
        }
    }
    return PL_OK;
fail:
    pl_error_locate(err, w->file.final_path);
    return st;
}

/* ---- footer ---- */

static void put_schema(tw *t, const pq_writer *w)
{
    tw_list_begin(t, 2, TT_STRUCT, (uint32_t)w->ncols + 1);
    tw_elem_struct_begin(t);
    tw_string(t, 4, "schema");
    tw_i32(t, 5, (int32_t)w->ncols);
    tw_struct_end(t);
    for (size_t i = 0; i < w->ncols; i++) {
        const pq_col *c = &w->cols[i];
        tw_elem_struct_begin(t);
        tw_i32(t, 1, c->ptype);
        tw_i32(t, 3, c->def.nullable ? PQR_OPTIONAL : PQR_REQUIRED);
        tw_string(t, 4, c->name);
        if (c->def.type == PL_COL_STRING) {
            tw_i32(t, 6, PQCT_UTF8);
            tw_struct_begin(t, 10); /* LogicalType */
            tw_struct_begin(t, 1);  /* STRING */
            tw_struct_end(t);
            tw_struct_end(t);
        } else if (c->def.type == PL_COL_TIMESTAMP_US) {
            tw_i32(t, 6, PQCT_TIMESTAMP_MICROS);
            tw_struct_begin(t, 10); /* LogicalType */
            tw_struct_begin(t, 8);  /* TIMESTAMP */
            tw_bool(t, 1, true);    /* isAdjustedToUTC */
            tw_struct_begin(t, 2);  /* unit */
            tw_struct_begin(t, 2);  /* MICROS */
            tw_struct_end(t);
            tw_struct_end(t);
            tw_struct_end(t);
            tw_struct_end(t);
        }
        tw_struct_end(t);
    }
}

static pl_status write_footer(pq_writer *w, pl_error *err)
{
    pq_buf foot;
    pq_buf_init(&foot, "parquet footer");
    tw t;
    tw_init(&t, &foot);
    tw_elem_struct_begin(&t);
    tw_i32(&t, 1, 1);
    put_schema(&t, w);
    tw_i64(&t, 3, (int64_t)w->base.rows);
    tw_list_begin(&t, 4, TT_STRUCT, w->n_rg);
    pq_buf_put(&foot, w->rg_meta.data, w->rg_meta.len);
    if (w->opt.n_kv) {
        tw_list_begin(&t, 5, TT_STRUCT, (uint32_t)w->opt.n_kv);
        for (size_t i = 0; i < w->opt.n_kv; i++) {
            tw_elem_struct_begin(&t);
            tw_string(&t, 1, w->opt.kv[2 * i]);
            tw_string(&t, 2, w->opt.kv[2 * i + 1]);
            tw_struct_end(&t);
        }
    }
    tw_string(&t, 6, PQ_CREATED_BY);
    tw_list_begin(&t, 7, TT_STRUCT, (uint32_t)w->ncols); /* column_orders: TypeDefinedOrder for every column */
    for (size_t i = 0; i < w->ncols; i++) {
        tw_elem_struct_begin(&t);
        tw_struct_begin(&t, 1);
        tw_struct_end(&t);
        tw_struct_end(&t);
    }
    tw_struct_end(&t);
    pl_status st = pq_buf_status(&foot, err);
    if (st == PL_OK && foot.len > UINT32_MAX)
        st = pl_error_set(err, PL_ELIMIT, NULL, "the Parquet footer would exceed 4 GiB");
    if (st == PL_OK)
        st = write_bytes(w, foot.data, foot.len, err);
    uint8_t tail[8] = {(uint8_t)foot.len,
                       (uint8_t)(foot.len >> 8),
                       (uint8_t)(foot.len >> 16),
                       (uint8_t)(foot.len >> 24),
                       'P',
                       'A',
                       'R',
                       '1'};
    if (st == PL_OK)
        st = write_bytes(w, tail, 8, err);
    pq_buf_free(&foot);
    return st;
}

static pl_status parquet_close(pl_table *t, pl_error *err)
{
    pq_writer *w = (pq_writer *)t;
    pl_status st = close_row_group(w, err);
    if (st == PL_OK)
        st = write_footer(w, err);
    if (st == PL_OK)
        st = pl_afile_commit(&w->file, err);
    else
        pl_afile_abort(&w->file);
    if (st != PL_OK)
        pl_error_locate(err, w->file.final_path);
    writer_free(w);
    return st;
}

/* The twin's rows are counted by table.c only for its own writes; mirrored ones are added in close_row_group. */
static pl_status parquet_mirror(pl_table *t, pl_table *twin_table, pl_error *err)
{
    pq_writer *w = (pq_writer *)t, *twin = (pq_writer *)twin_table;
    pl_status st = close_row_group(w, err);
    w->twin = NULL;
    if (st != PL_OK || !twin)
        return st;
    if (twin->opt.codec != w->opt.codec)
        return pl_error_set(err, PL_EARG, twin->file.final_path, "a mirrored table needs the same compression codec");
    if ((st = close_row_group(twin, err)) != PL_OK)
        return st;
    w->twin = twin;
    return PL_OK;
}

static void parquet_abort(pl_table *t)
{
    pq_writer *w = (pq_writer *)t;
    pl_afile_abort(&w->file);
    writer_free(w);
}

static const pl_table_ops parquet_ops = {parquet_write, parquet_close, parquet_abort, parquet_mirror};

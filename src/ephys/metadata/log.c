/* The metadata log: read once (one sheet, streamed row by row) into a lookup table of rows keyed by recording name.
 * The header row is given or found; every data row that names a recording keeps its typed fields as compact JSON. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ephys/metadata/metadata_impl.h"
#include "plateau/batch.h"
#include "plateau/mem.h"

/* Stored names and fields together may not exceed this (a real log holds well under a megabyte). */
#define META_MAX_STORED ((size_t)32 << 20)

static void header_free(meta_header *h)
{
    for (uint32_t i = 0; h->names && i < h->ncols; i++)
        pl_free(h->names[i]);
    pl_free(h->names);
    memset(h, 0, sizeof *h);
}

/* True when the row holds a file column, or recDate and fileNum: what makes it the header. */
static bool row_has_key(const pl_row *row)
{
    bool date = false, num = false;
    for (uint32_t i = 0; i < row->n; i++) {
        const pl_cell *c = &row->cells[i];
        char k = c->type == PL_CELL_TEXT ? meta_key_kind(c->text, c->len) : 0;
        if (k == 'f')
            return true;
        date |= k == 'd', num |= k == 'n';
    }
    return date && num;
}

/* A header name for every column; repeated names get _2, _3 (as `plateau sheet` does). */
static pl_status unique_name(meta_header *h, uint32_t col, const char *text, size_t len, pl_error *err)
{
    char base[200], name[220];
    snprintf(base, sizeof base, "%.*s", (int)(len < 199 ? len : 199), text);
    snprintf(name, sizeof name, "%s", base);
    for (int k = 2;; k++) {
        bool taken = false;
        for (uint32_t i = 0; i < col && !taken; i++)
            taken = h->names[i] && !strcmp(h->names[i], name);
        if (!taken)
            break;
        snprintf(name, sizeof name, "%s_%d", base, k);
    }
    h->names[col] = pl_strdup(name, err);
    return h->names[col] ? PL_OK : (err ? err->code : PL_ENOMEM);
}

static pl_status take_header(meta_header *h, const pl_row *row, pl_error *err)
{
    h->file_col = h->date_col = h->num_col = -1;
    h->ncols = row->n ? row->cells[row->n - 1].col + 1 : 0;
    h->names = pl_calloc(h->ncols ? h->ncols : 1, sizeof *h->names, "metadata log header", err);
    if (!h->names)
        return err ? err->code : PL_ENOMEM;
    char buf[64];
    for (uint32_t i = 0; i < row->n; i++) {
        const pl_cell *c = &row->cells[i];
        const char *text = c->text;
        size_t len = c->len;
        if (c->type != PL_CELL_TEXT && c->type != PL_CELL_ERROR)
            len = (size_t)snprintf(buf, sizeof buf, "%.15g", c->number), text = buf;
        if (!len)
            continue;
        char k = c->type == PL_CELL_TEXT ? meta_key_kind(text, len) : 0;
        long *slot = k == 'f' ? &h->file_col : k == 'd' ? &h->date_col : k == 'n' ? &h->num_col : NULL;
        if (slot && *slot < 0)
            *slot = c->col;
        pl_status st = unique_name(h, c->col, text, len, err);
        if (st != PL_OK)
            return st;
    }
    return PL_OK;
}

static void describe_key(pl_metadata_log *log, const meta_header *h)
{
    bool dates = h->date_col >= 0 && h->num_col >= 0;
    if (h->file_col >= 0)
        snprintf(log->key, sizeof log->key, "'%s'%s", h->names[h->file_col], dates ? " or recDate + fileNum" : "");
    else
        snprintf(log->key, sizeof log->key, "recDate + fileNum");
}

/* The row's cells as a compact JSON object {header: typed value} (jansson's allocation: free()). */
static char *row_fields(const meta_header *h, const pl_row *row)
{
    char letters[4];
    json_t *fields = json_object();
    for (uint32_t i = 0; fields && i < row->n; i++) {
        const pl_cell *c = &row->cells[i];
        json_t *v = meta_cell_value(c);
        const char *key = c->col < h->ncols && h->names[c->col] ? h->names[c->col] : pl_column_letters(c->col, letters);
        if (v)
            json_object_set_new(fields, key, v);
    }
    char *dump = fields ? json_dumps(fields, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(fields);
    return dump;
}

static pl_status grow(pl_metadata_log *log, pl_error *err)
{
    if (log->n < log->cap)
        return PL_OK;
    size_t cap = log->cap ? 2 * log->cap : 64;
    meta_entry *rows = pl_realloc(log->rows, cap * sizeof *rows, "metadata log rows", err);
    if (!rows)
        return err ? err->code : PL_ENOMEM;
    log->rows = rows, log->cap = cap;
    return PL_OK;
}

/* Keeps one naming row: its name and fields in one allocation, and the hash a bundle records for it (the row number
 * and the fields: this row, at this place in the log). */
static pl_status store_entry(pl_metadata_log *log, const char *name, const char *fields, uint32_t row, pl_error *err)
{
    size_t nlen = strlen(name), flen = strlen(fields);
    if (log->n >= PL_METADATA_LOG_MAX_ROWS)
        return pl_error_set(err, PL_ELIMIT, log->path, "metadata log has more than %d rows naming recordings",
                            PL_METADATA_LOG_MAX_ROWS);
    log->stored_bytes += nlen + flen + 2;
    if (log->stored_bytes > META_MAX_STORED)
        return pl_error_set(err, PL_ELIMIT, log->path, "metadata log holds more than %zu MiB of cells",
                            META_MAX_STORED >> 20);
    pl_status st = grow(log, err);
    if (st != PL_OK)
        return st;
    char *mem = pl_alloc(nlen + flen + 2, "metadata log row", err);
    char *what = mem ? pl_alloc(flen + 16, "metadata log row", err) : NULL;
    if (!what) {
        pl_free(mem);
        return err ? err->code : PL_ENOMEM;
    }
    meta_entry *e = &log->rows[log->n++];
    e->name = memcpy(mem, name, nlen + 1);
    e->fields_json = memcpy(mem + nlen + 1, fields, flen + 1);
    e->row = row;
    int n = snprintf(what, flen + 16, "%u\n%s", row, fields);
    pl_sha256_bytes(what, (size_t)n, e->hash);
    pl_free(what);
    return PL_OK;
}

static pl_status add_entry(pl_metadata_log *log, const meta_header *h, const pl_row *row, pl_error *err)
{
    char name[META_NAME_MAX];
    if (!meta_row_name(h, row, name)) {
        log->keyless++;
        return PL_OK;
    }
    char *fields = row_fields(h, row);
    if (!fields)
        return pl_error_set(err, PL_ENOMEM, log->path, "cannot hold row %u of the metadata log", row->index + 1);
    pl_status st = store_entry(log, name, fields, row->index + 1, err);
    free(fields);
    return st;
}

static int entry_cmp(const void *a, const void *b)
{
    const meta_entry *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->row > y->row) - (x->row < y->row);
}

#define KEY_WANTED "recDate and fileNum, or a file column such as 'file' or '.abf file'"

/* Why no header was found: the row asked for is empty or missing, or none of the first rows names a key column. */
static pl_status no_header(const pl_metadata_log *log, long header_row, pl_error *err)
{
    if (header_row)
        return pl_error_set(err, PL_EFORMAT, log->path,
                            "metadata log sheet '%s' has no header in row %ld (the row is empty or beyond the end "
                            "of the sheet)",
                            log->sheet, header_row);
    return pl_error_set(err, PL_EFORMAT, log->path,
                        "metadata log sheet '%s' has no header naming a key column in rows 1-%d (want " KEY_WANTED
                        "; --metadata-sheet and --metadata-header-row say where it is)",
                        log->sheet, PL_METADATA_LOG_DETECT_ROWS);
}

/* Streams the sheet: rows before the header are ignored, the header is taken, then every row after it. */
static pl_status read_rows(pl_metadata_log *log, pl_workbook *wb, size_t sheet, long header_row, meta_header *h,
                           pl_error *err)
{
    pl_sheet *s = NULL;
    pl_status st = pl_sheet_open(wb, sheet, NULL, &s, err);
    bool found = false;
    const pl_row *row;
    while (st == PL_OK && (st = pl_sheet_next(s, &row, err)) == PL_OK) {
        long number = (long)row->index + 1;
        if (found)
            st = add_entry(log, h, row, err);
        else if (header_row ? number == header_row : number <= PL_METADATA_LOG_DETECT_ROWS && row_has_key(row)) {
            if ((st = take_header(h, row, err)) == PL_OK && h->file_col < 0 && (h->date_col < 0 || h->num_col < 0))
                st = pl_error_set(err, PL_EFORMAT, log->path,
                                  "metadata log sheet '%s' row %ld names no key column (" KEY_WANTED ")", log->sheet,
                                  number);
            found = true;
            log->header_row = (uint32_t)number;
        } else if ((header_row && number > header_row) || (!header_row && number > PL_METADATA_LOG_DETECT_ROWS))
            break;
    }
    if (st == PL_DONE)
        st = PL_OK;
    if (st == PL_OK && !found)
        st = no_header(log, header_row, err);
    pl_sheet_close(s);
    return st;
}

/* The checks that need no parsing: the file exists, is small, and is a workbook. */
static pl_status check_file(const char *path, pl_error *err)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return pl_error_errno(err, PL_EIO, path, "cannot open the metadata log");
    if (!S_ISREG(sb.st_mode))
        return pl_error_set(err, PL_EARG, path, "the metadata log is not a file");
    if ((uint64_t)sb.st_size > PL_METADATA_LOG_MAX_BYTES)
        return pl_error_set(err, PL_ELIMIT, path, "the metadata log is larger than %d MiB: not a hand-kept log?",
                            (int)(PL_METADATA_LOG_MAX_BYTES >> 20));
    const char *fmt = pl_detect_format(path);
    if (!fmt || (strcmp(fmt, "xlsx") && strcmp(fmt, "xls")))
        return pl_error_set(err, PL_EFORMAT, path, "the metadata log is not an .xlsx or .xls workbook");
    return PL_OK;
}

/* The sheet the log is on: by name or index, else the first. */
static pl_status find_sheet(pl_metadata_log *log, pl_workbook *wb, const char *want, size_t *index, pl_error *err)
{
    long i = want ? pl_workbook_find_sheet(wb, want) : 0;
    if (i < 0 || (size_t)i >= pl_workbook_sheet_count(wb))
        return pl_error_set(err, PL_ENOTFOUND, log->path,
                            "metadata log has no sheet '%s' (it has %zu; give a name or a 0-based index)",
                            want ? want : "0", pl_workbook_sheet_count(wb));
    *index = (size_t)i;
    snprintf(log->sheet, sizeof log->sheet, "%s", pl_workbook_sheet_name(wb, *index));
    return PL_OK;
}

static pl_status load(pl_metadata_log *log, long header_row, const char *sheet, pl_error *err)
{
    pl_status st = check_file(log->path, err);
    if (st == PL_OK)
        st = pl_sha256_file(log->path, log->hash, err);
    pl_workbook_limits lim;
    pl_workbook_limits_default(&lim);
    lim.max_inflated_bytes = (uint64_t)256 << 20;
    pl_workbook *wb = NULL;
    if (st == PL_OK)
        st = pl_workbook_open(log->path, &lim, &wb, err);
    meta_header h = {0};
    size_t index = 0;
    if (st == PL_OK)
        st = find_sheet(log, wb, sheet, &index, err);
    if (st == PL_OK)
        st = read_rows(log, wb, index, header_row, &h, err);
    if (st == PL_OK)
        describe_key(log, &h);
    header_free(&h);
    pl_workbook_close(wb);
    if (st != PL_OK)
        return st;
    /* The ledger tag: the log's bytes and where its rows are. */
    char what[PL_SHA256_HEX + 300];
    int n = snprintf(what, sizeof what, "%s row %u sheet %s", log->hash, log->header_row, log->sheet);
    pl_sha256_bytes(what, (size_t)n, log->hash);
    if (log->n)
        qsort(log->rows, log->n, sizeof *log->rows, entry_cmp);
    return PL_OK;
}

pl_status pl_metadata_log_load(const char *path, const pl_metadata_log_options *opt, pl_metadata_log **out,
                               pl_error *err)
{
    *out = NULL;
    long header_row = opt ? opt->header_row : 0;
    if (header_row < 0 || header_row > 1048576)
        return pl_error_set(err, PL_EARG, path, "metadata log header row %ld is not a row number", header_row);
    pl_metadata_log *log = pl_calloc(1, sizeof *log, "metadata log", err);
    if (!log)
        return err ? err->code : PL_ENOMEM;
    snprintf(log->path, sizeof log->path, "%s", path);
    pl_status st = load(log, header_row, opt ? opt->sheet : NULL, err);
    if (st != PL_OK) {
        pl_error_locate(err, path);
        pl_metadata_log_free(log);
        return st;
    }
    *out = log;
    return PL_OK;
}

void pl_metadata_log_free(pl_metadata_log *log)
{
    if (!log)
        return;
    for (size_t i = 0; i < log->n; i++)
        pl_free(log->rows[i].name);
    pl_free(log->rows);
    pl_free(log);
}

const char *pl_metadata_log_path(const pl_metadata_log *log)
{
    return log->path;
}

const char *pl_metadata_log_sheet(const pl_metadata_log *log)
{
    return log->sheet;
}

uint32_t pl_metadata_log_header_row(const pl_metadata_log *log)
{
    return log->header_row;
}

size_t pl_metadata_log_rows(const pl_metadata_log *log)
{
    return log->n;
}

size_t pl_metadata_log_keyless_rows(const pl_metadata_log *log)
{
    return log->keyless;
}

const char *pl_metadata_log_key(const pl_metadata_log *log)
{
    return log->key;
}

const char *pl_metadata_log_hash(const pl_metadata_log *log)
{
    return log->hash;
}

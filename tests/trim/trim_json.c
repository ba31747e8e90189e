/* Test driver: runs plateau's per-track analysis on workbooks dumped as JSON lines by dump_xlrd.py (stdin) and
 * prints one CSV row per track (the reference's columns plus ours), so the numbers can be compared with
 * v2_tracks.csv independently of the .xls reader. With --exact the offsets come from the breakpoint sweep. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plateau/hash.h"
#include "plateau/trim.h"

#include "trim/trim_impl.h"

static pl_trim_db *store_db;
static const char *plots_dir;
static int64_t store_batch;

typedef struct json_feed {
    json_t *rows, *cells;
    size_t next_row;
    pl_cell buf[16];
    pl_row row;
    pl_cell named;
} json_feed;

static void to_cell(json_t *t, json_t *v, pl_cell *c)
{
    memset(c, 0, sizeof *c);
    const char *ty = json_string_value(t);
    if (!ty)
        return;
    if (ty[0] == 'n' || ty[0] == 'd' || ty[0] == 'b') {
        c->type = ty[0] == 'n' ? PL_CELL_NUMBER : ty[0] == 'd' ? PL_CELL_DATE : PL_CELL_BOOL;
        c->number = json_is_boolean(v) ? json_is_true(v) : json_number_value(v);
    } else {
        c->type = ty[0] == 's' ? PL_CELL_TEXT : PL_CELL_ERROR;
        c->text = json_string_value(v);
        c->len = c->text ? (uint32_t)strlen(c->text) : 0;
    }
}

static pl_status feed_next(void *ctx, const pl_row **out, pl_error *err)
{
    (void)err;
    json_feed *f = ctx;
    if (f->next_row >= json_array_size(f->rows))
        return PL_DONE;
    json_t *r = json_array_get(f->rows, f->next_row++);
    json_t *cells = json_array_get(r, 1);
    f->row.index = (uint32_t)json_integer_value(json_array_get(r, 0));
    f->row.n = 0;
    for (size_t i = 0; i < json_array_size(cells) && i < 16; i++) {
        json_t *c = json_array_get(cells, i);
        to_cell(json_array_get(c, 1), json_array_get(c, 2), &f->buf[f->row.n]);
        f->buf[f->row.n].col = (uint32_t)json_integer_value(json_array_get(c, 0));
        f->row.n++;
    }
    f->row.cells = f->buf;
    *out = &f->row;
    return PL_OK;
}

static const pl_cell *feed_cell(void *ctx, const char *ref)
{
    json_feed *f = ctx;
    json_t *c = json_object_get(f->cells, ref);
    if (!c)
        return NULL;
    to_cell(json_array_get(c, 0), json_array_get(c, 1), &f->named);
    return &f->named;
}

static void num(double v)
{
    if (isnan(v))
        printf(",");
    else
        printf(",%.17g", v);
}

static void print_track(const pl_trim_file *f, const pl_trim_track *t)
{
    const pl_trim_result *r = &t->result;
    printf("\"%s\",%s,%s,%s,%zu", f->name, f->system == PL_TRIM_SYSTEM_B ? "B" : "A", f->parsed.model, t->id, r->n);
    num(r->travel), num(t->meta.unit_length), num(r->r_untrim), num(r->r_trim);
    num(r->sigma), num(r->threshold);
    printf(",%s", r->sigma_pass ? "True" : "False");
    num(r->lin_spec), num(r->offset), num(r->lin_err_shifted);
    printf(",%zu,%s,%s,%d,\"%s\",%s", r->fail_points, r->lin_pass ? "True" : "False", pl_trim_status_name(r->status),
           r->valid, r->invalid_reason, pl_trim_offset_source_name(r->offset_source));
    num(r->median_offset), num(r->brent_offset), num(r->exact_offset);
    printf(",%zu,%zu,%zu,%s\n", r->median_violations, r->brent_violations, r->exact_violations,
           pl_trim_status_name(f->status));
}

static int one_file(json_t *doc, pl_trim_offset_mode mode)
{
    const char *path = json_string_value(json_object_get(doc, "path"));
    json_t *sheets = json_object_get(doc, "sheets"), *data = json_object_get(doc, "data");
    size_t n = json_array_size(sheets);
    const char **names = calloc(n + 1, sizeof *names);
    for (size_t i = 0; i < n; i++)
        names[i] = json_string_value(json_array_get(sheets, i));
    pl_error err;
    pl_error_clear(&err);
    pl_trim_sheet_map map;
    pl_trim_file f;
    int rc = 0;
    if (pl_trim_map_sheets(names, n, path, &map, &err) != PL_OK) {
        printf("\"%s\",ERROR,%s\n", path, err.msg);
        free(names);
        return 0;
    }
    pl_trim_file_init(&f, path, &map, names);
    for (size_t k = 0; k < f.n_tracks && rc == 0; k++)
        for (int trimmed = 0; trimmed < 2; trimmed++) {
            long idx = trimmed ? map.track[k].trimmed : map.track[k].untrimmed;
            if (idx < 0)
                continue;
            json_t *sh = json_object_get(data, names[idx]);
            json_feed jf = {.rows = json_object_get(sh, "rows"), .cells = json_object_get(sh, "cells")};
            pl_trim_sheet_feed feed = {feed_next, feed_cell, &jf};
            if (pl_trim_load_sheet(&f, k, trimmed, &feed, &err) != PL_OK)
                rc = 1;
        }
    if (rc == 0 && pl_trim_analyze_file(&f, mode, &err) != PL_OK)
        rc = 1;
    for (size_t k = 0; rc == 0 && plots_dir && k < f.n_tracks; k++) {
        char name[700], png[1400];
        trim_plot_name(f.name, f.track[k].id, name, sizeof name);
        snprintf(png, sizeof png, "%s/%s", plots_dir, name);
        if (trim_plot_track(&f, k, png, &err) != PL_OK) {
            fprintf(stderr, "trim_json: plot: %s\n", err.msg);
            rc = 1;
        }
    }
    if (rc)
        printf("\"%s\",FAILED,%s\n", f.name, err.msg);
    else if (store_db) {
        char sha[PL_SHA256_HEX];
        pl_sha256_bytes(path, strlen(path), sha);
        if (pl_trim_db_store(store_db, store_batch, sha, &f, 0.0, &err) != PL_OK ||
            pl_trim_db_note(store_db, store_batch, sha, path, "analysed", NULL, &err) != PL_OK) {
            fprintf(stderr, "trim_json: %s\n", err.msg);
            rc = 1;
        }
    } else if (f.template_only)
        printf("\"%s\",TEMPLATE,no data sheets\n", f.name);
    else
        for (size_t k = 0; k < f.n_tracks; k++)
            print_track(&f, &f.track[k]);
    pl_trim_file_free(&f);
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    pl_trim_offset_mode mode = PL_TRIM_OFFSET_MODE_BRENT;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--exact") == 0)
            mode = PL_TRIM_OFFSET_MODE_EXACT;
        else if (strcmp(argv[i], "--plots") == 0 && i + 1 < argc)
            plots_dir = argv[++i];
        else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
            /* store into a results database instead of printing (tests of query and report) */
            pl_error err;
            if (pl_trim_db_open(argv[++i], true, &store_db, &err) != PL_OK ||
                pl_trim_db_begin_batch(store_db, "trim_json", &store_batch, &err) != PL_OK) {
                fprintf(stderr, "trim_json: %s\n", err.msg);
                return 1;
            }
        }
    }
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;
    while (getline(&line, &cap, stdin) > 0) {
        json_error_t je;
        json_t *doc = json_loads(line, 0, &je);
        if (!doc) {
            fprintf(stderr, "trim_json: bad JSON line: %s\n", je.text);
            rc = 1;
            continue;
        }
        rc |= one_file(doc, mode);
        json_decref(doc);
    }
    free(line);
    if (store_db && plots_dir) {
        char png[1200];
        pl_error err;
        snprintf(png, sizeof png, "%s/summary.png", plots_dir);
        if (trim_plot_summary(store_db, store_batch, png, &err) != PL_OK) {
            fprintf(stderr, "trim_json: summary plot: %s\n", err.msg);
            rc = 1;
        }
    }
    pl_trim_db_close(store_db);
    return rc;
}

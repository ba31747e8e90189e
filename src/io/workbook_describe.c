/* pl_workbook_describe: every sheet streamed once to count what it really holds and what reading it costs. */
#include <jansson.h>

#include "io/workbook_impl.h"
#include "plateau/mem.h"

/* zlib's inflate window and state and libzip's file handle are not charged to the budget; this is their size. */
#define UNCHARGED_STATE (320u << 10)

static const char *const type_names[] = {"empty", "number", "text", "bool", "error", "date"};

/* Streams one sheet, filling its description; a read error becomes the sheet's "error" member. */
static void describe_sheet(pl_workbook *wb, size_t i, json_t *sheet, size_t baseline)
{
    uint64_t counts[6] = {0};
    size_t peak = pl_mem_charged();
    pl_error err = {0};
    pl_sheet *s = NULL;
    pl_status st = pl_sheet_open(wb, i, NULL, &s, &err);
    const pl_row *row;
    while (!st && (st = pl_sheet_next(s, &row, &err)) == PL_OK) {
        for (uint32_t k = 0; k < row->n; k++)
            counts[row->cells[k].type]++;
        size_t now = pl_mem_charged();
        if (now > peak)
            peak = now;
    }
    uint32_t rows = 0, cols = 0;
    if (s)
        pl_sheet_extent(s, &rows, &cols);
    pl_sheet_close(s);
    json_object_set_new(sheet, "rows", json_integer(rows));
    json_object_set_new(sheet, "columns", json_integer(cols));
    json_t *c = json_object();
    for (int t = 1; t < 6; t++)
        json_object_set_new(c, type_names[t], json_integer((json_int_t)counts[t]));
    json_object_set_new(sheet, "cells", c);
    json_object_set_new(sheet, "memory_bytes", json_integer((json_int_t)(peak - baseline + UNCHARGED_STATE)));
    if (st != PL_DONE)
        json_object_set_new(sheet, "error", json_string(err.msg));
}

pl_status pl_workbook_describe(const char *path, json_t **out, pl_error *err)
{
    *out = NULL;
    size_t baseline = pl_mem_charged();
    pl_workbook *wb;
    pl_status st = pl_workbook_open(path, NULL, &wb, err);
    if (st)
        return st;
    json_t *o = json_object();
    json_t *sheets = json_array();
    json_object_set_new(o, "format", json_string(pl_workbook_format(wb)));
    json_object_set_new(o, "date_system", json_integer(pl_workbook_date1904(wb) ? 1904 : 1900));
    size_t worst = 0;
    for (size_t i = 0; i < pl_workbook_sheet_count(wb); i++) {
        json_t *sheet = json_object();
        json_object_set_new(sheet, "name", json_string(pl_workbook_sheet_name(wb, i)));
        json_object_set_new(sheet, "index", json_integer((json_int_t)i));
        describe_sheet(wb, i, sheet, baseline);
        size_t m = (size_t)json_integer_value(json_object_get(sheet, "memory_bytes"));
        if (m > worst)
            worst = m;
        json_array_append_new(sheets, sheet);
    }
    json_object_set_new(o, "sheets", sheets);
    json_object_set_new(o, "memory_bytes", json_integer((json_int_t)worst));
    pl_workbook_close(wb);
    *out = o;
    return PL_OK;
}

/* A laser-trim workbook through the generic Workbook API: map the sheets by name, then one streaming pass per
 * mapped sheet that keeps the data columns and captures the named cells in the same pass. */
#include <math.h>
#include <string.h>

#include "plateau/mem.h"
#include "plateau/trim.h"

typedef struct sheet_feed {
    pl_sheet *sheet;
} sheet_feed;

static pl_status feed_next(void *ctx, const pl_row **row, pl_error *err)
{
    return pl_sheet_next(((sheet_feed *)ctx)->sheet, row, err);
}

static const pl_cell *feed_cell(void *ctx, const char *ref)
{
    return pl_sheet_cell(((sheet_feed *)ctx)->sheet, ref);
}

static pl_status load_one(pl_workbook *wb, pl_trim_file *f, size_t k, bool trimmed, long index, pl_error *err)
{
    const char *const *cells = pl_trim_named_cells(f->system);
    size_t n_cells = 0;
    while (cells[n_cells])
        n_cells++;
    pl_sheet_options opt = {
        .columns = f->system == PL_TRIM_SYSTEM_B ? "D:G" : "G:J",
        .cells = cells,
        .n_cells = n_cells,
    };
    sheet_feed sf = {0};
    pl_status st = pl_sheet_open(wb, (size_t)index, &opt, &sf.sheet, err);
    if (st != PL_OK)
        return st;
    pl_trim_sheet_feed feed = {feed_next, feed_cell, &sf};
    st = pl_trim_load_sheet(f, k, trimmed, &feed, err);
    pl_sheet_close(sf.sheet);
    if (st != PL_OK && err && err->code != PL_OK && !strstr(err->msg, "sheet '")) {
        /* say which sheet: the workbook layer knows the file, not the role of the sheet */
        char msg[PL_ERROR_MSG_MAX];
        snprintf(msg, sizeof msg, "%s", err->msg);
        pl_error_set(err, st, err->path[0] ? err->path : f->path, "sheet '%s': %s",
                     pl_workbook_sheet_name(wb, (size_t)index), msg);
    }
    return st;
}

pl_status pl_trim_read_file(const char *path, pl_trim_offset_mode mode, pl_trim_file *f, pl_error *err)
{
    memset(f, 0, sizeof *f);
    pl_workbook *wb = NULL;
    pl_status st = pl_workbook_open(path, NULL, &wb, err);
    if (st != PL_OK) {
        pl_error_locate(err, path);
        return st;
    }
    size_t n = pl_workbook_sheet_count(wb);
    const char **names = pl_calloc(n + 1, sizeof *names, "sheet names", err);
    if (!names) {
        pl_workbook_close(wb);
        return err ? err->code : PL_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        names[i] = pl_workbook_sheet_name(wb, i);
    pl_trim_sheet_map map;
    st = pl_trim_map_sheets(names, n, path, &map, err);
    if (st == PL_OK) {
        pl_trim_file_init(f, path, &map, names);
        for (size_t k = 0; k < f->n_tracks && st == PL_OK; k++) {
            if (map.track[k].untrimmed >= 0)
                st = load_one(wb, f, k, false, map.track[k].untrimmed, err);
            if (st == PL_OK && map.track[k].trimmed >= 0)
                st = load_one(wb, f, k, true, map.track[k].trimmed, err);
        }
    }
    pl_free(names);
    pl_workbook_close(wb);
    if (st == PL_OK)
        st = pl_trim_analyze_file(f, mode, err);
    if (st != PL_OK) {
        pl_error_locate(err, path);
        pl_trim_file_free(f);
    }
    return st;
}

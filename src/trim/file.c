/* One workbook's tracks: loading mapped sheets (rows and named cells) and analysing every track. The reading of
 * the workbook itself is in read.c; this part is shared with the test drivers, which feed sheets from JSON. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plateau/mem.h"
#include "plateau/trim.h"

const char *const *pl_trim_named_cells(pl_trim_system system)
{
    /* A: B1 model, B2 serial, B6 date, B10 resistance, B26 unit length (untrimmed sheet). B: R1 resistance, K1 length.
     */
    static const char *const a[] = {"B1", "B2", "B6", "B10", "B26", NULL};
    static const char *const b[] = {"R1", "K1", NULL};
    return system == PL_TRIM_SYSTEM_B ? b : a;
}

void pl_trim_file_init(pl_trim_file *f, const char *path, const pl_trim_sheet_map *map, const char *const *sheet_names)
{
    memset(f, 0, sizeof *f);
    snprintf(f->path, sizeof f->path, "%s", path);
    const char *base = strrchr(path, '/');
    snprintf(f->name, sizeof f->name, "%s", base ? base + 1 : path);
    pl_trim_parse_name(f->name, &f->parsed);
    if (!f->parsed.parsed)
        snprintf(f->note, sizeof f->note, "file name does not follow MODEL_SERIAL_..._M-D-YYYY_H-MM AM");
    f->system = map->system;
    f->template_only = map->template_only;
    f->file_date = NAN;
    f->n_tracks = map->template_only ? 0 : map->n_tracks;
    for (size_t k = 0; k < f->n_tracks; k++) {
        pl_trim_track *t = &f->track[k];
        snprintf(t->id, sizeof t->id, "%s", map->track[k].id);
        if (map->track[k].trimmed >= 0)
            snprintf(t->sheet_trimmed, sizeof t->sheet_trimmed, "%s", sheet_names[map->track[k].trimmed]);
        if (map->track[k].untrimmed >= 0)
            snprintf(t->sheet_untrimmed, sizeof t->sheet_untrimmed, "%s", sheet_names[map->track[k].untrimmed]);
        t->meta.model = f->parsed.model[0] ? f->parsed.model : NULL;
        t->meta.unit_length = t->meta.r_untrim = t->meta.r_trim = NAN;
    }
}

pl_status pl_trim_load_sheet(pl_trim_file *f, size_t k, bool trimmed, const pl_trim_sheet_feed *feed, pl_error *err)
{
    pl_trim_track *t = &f->track[k];
    const pl_trim_layout *lay = f->system == PL_TRIM_SYSTEM_B ? &pl_trim_layout_b : &pl_trim_layout_a;
    pl_trim_series *dst = trimmed ? &t->data : &t->untrimmed;
    pl_trim_series_free(dst);
    const pl_row *row;
    pl_status st;
    while ((st = feed->next(feed->ctx, &row, err)) == PL_OK)
        if ((st = pl_trim_take_row(lay, row, dst, err)) != PL_OK)
            return st;
    if (st != PL_DONE)
        return st;
    bool b = f->system == PL_TRIM_SYSTEM_B;
    double r = pl_trim_cell_number(feed->cell(feed->ctx, b ? "R1" : "B10"));
    if (!(r > 0.0))
        r = NAN; /* a resistance of 0 ohm is an unfilled cell, not a measurement */
    if (trimmed)
        t->meta.r_trim = r;
    else
        t->meta.r_untrim = r;
    if (!trimmed)
        t->meta.unit_length = pl_trim_cell_number(feed->cell(feed->ctx, b ? "K1" : "B26"));
    if (!b && isnan(f->file_date)) {
        const pl_cell *d = feed->cell(feed->ctx, "B6");
        if (d && (d->type == PL_CELL_NUMBER || d->type == PL_CELL_DATE) && d->number > 0)
            f->file_date = d->number;
    }
    return PL_OK;
}

/* Days since 1899-12-30 for a civil date and time (the Excel 1900 system, as workbook dates are given). */
static double excel_days(int y, int m, int d, int hh, int mm)
{
    /* days from civil (Howard Hinnant's algorithm), then shift from 1970-01-01 to 1899-12-30 (25569 days) */
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    long days = era * 146097 + doe - 719468;
    return (double)days + 25569.0 + (hh * 60 + mm) / 1440.0;
}

pl_status pl_trim_analyze_file(pl_trim_file *f, pl_trim_offset_mode mode, pl_error *err)
{
    if (f->parsed.has_date)
        f->file_date = excel_days(f->parsed.year, f->parsed.month, f->parsed.day, f->parsed.hour, f->parsed.minute);
    pl_trim_status st[PL_TRIM_MAX_TRACKS];
    for (size_t k = 0; k < f->n_tracks; k++) {
        pl_trim_track *t = &f->track[k];
        if (t->sheet_trimmed[0] == '\0') {
            /* no trimmed sheet: the untrimmed data are the analysed data (and there is no untrimmed curve) */
            pl_trim_series_free(&t->data);
            t->data = t->untrimmed;
            memset(&t->untrimmed, 0, sizeof t->untrimmed);
        }
        t->meta.model = f->parsed.model[0] ? f->parsed.model : NULL;
        pl_status s = pl_trim_analyze_track(&t->data, &t->meta, mode, &t->result, err);
        if (s != PL_OK) {
            pl_error_locate(err, f->path);
            return s;
        }
        st[k] = t->result.status;
    }
    f->status = pl_trim_file_status(st, f->n_tracks);
    return PL_OK;
}

void pl_trim_file_free(pl_trim_file *f)
{
    for (size_t k = 0; k < PL_TRIM_MAX_TRACKS; k++) {
        pl_trim_series_free(&f->track[k].data);
        pl_trim_series_free(&f->track[k].untrimmed);
    }
}

/* Example laser-trim workbooks in the layout of the two test systems (see ../shared/design/lasertrim.md). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <xlsxwriter.h>

#include "plateau/afile.h"
#include "demo/demo.h"

/* A deterministic generator so that the demo gives the same numbers everywhere. */
static double noise(unsigned *state)
{
    *state = *state * 1103515245u + 12345u;
    return ((double)((*state >> 8) & 0xFFFF) / 65535.0 - 0.5) * 2.0;
}

typedef struct track_shape {
    double limit;     /* +- linearity limit (V) */
    double amplitude; /* error amplitude after trim */
    double ripple;    /* fine ripple: drives the sigma gradient */
    double bow;       /* a bow that pushes the ends past the limits when large */
} track_shape;

static double error_at(const track_shape *t, double u, unsigned *rng)
{
    return t->amplitude * sin(2 * M_PI * u) + t->bow * (u - 0.5) * (u - 0.5) * 4 + t->ripple * noise(rng);
}

static void system_a_sheet(lxw_workbook *wb, const char *name, const char *model, int serial, double length,
                           double resistance, bool untrimmed, const track_shape *t, unsigned seed)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, name);
    static const char *heads[] = {"model#",        "shop#",         "",           "Meas Volts",
                                  "Index",         "Theory Volts",  "Lin Error",  "Position",
                                  "Upper Lin Lim", "Lower Lin Lim", "pass/fail?", "trim target"};
    for (int c = 0; c < 12; c++)
        worksheet_write_string(ws, 0, (lxw_col_t)c, heads[c], NULL);
    worksheet_write_string(ws, 0, 1, model, NULL);
    worksheet_write_number(ws, 1, 1, serial, NULL);
    static const char *labels[] = {"model#", "shop#",       "sectionID",    "trackID",    "trimID",
                                   "date",   "phase value", "length value", "meas value", "resistance"};
    for (int r = 2; r < 10; r++)
        worksheet_write_string(ws, (lxw_row_t)r, 0, labels[r], NULL);
    worksheet_write_string(ws, 2, 1, "SEC1", NULL);
    worksheet_write_string(ws, 3, 1, strstr(name, "TRK2") ? "TRK2" : "TRK1", NULL);
    worksheet_write_number(ws, 5, 1, 45736.0, NULL);
    worksheet_write_number(ws, 7, 1, length, NULL);
    worksheet_write_number(ws, 8, 1, length + 0.4, NULL);
    worksheet_write_number(ws, 9, 1, resistance, NULL);
    worksheet_write_string(ws, 25, 0, "Calc. Angle", NULL);
    if (untrimmed)
        worksheet_write_number(ws, 25, 1, length + 0.4, NULL);
    unsigned rng = seed;
    int n = (int)length + 1;
    track_shape raw = *t;
    if (untrimmed) {
        raw.amplitude *= 4;
        raw.ripple *= 2;
    }
    for (int i = 0; i < n; i++) {
        double u = (double)i / (n - 1), pos = -length / 2 + i, theory = u * 10.0, e = error_at(&raw, u, &rng);
        lxw_row_t r = (lxw_row_t)(i + 1);
        worksheet_write_number(ws, r, 3, theory + e, NULL);
        worksheet_write_number(ws, r, 4, i, NULL);
        worksheet_write_number(ws, r, 5, theory, NULL);
        worksheet_write_number(ws, r, 6, e, NULL);
        worksheet_write_number(ws, r, 7, pos, NULL);
        worksheet_write_number(ws, r, 8, t->limit, NULL);
        worksheet_write_number(ws, r, 9, -t->limit, NULL);
        worksheet_write_number(ws, r, 10, fabs(e) <= t->limit ? 42 : 0, NULL);
    }
}

static void system_b_sheet(lxw_workbook *wb, const char *name, double resistance, bool untrimmed, const track_shape *t,
                           unsigned seed)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, name);
    unsigned rng = seed;
    const int n = 81;
    const double travel = 3.94585;
    track_shape raw = *t;
    if (untrimmed) {
        raw.amplitude *= 3;
        raw.ripple *= 2;
    }
    for (int i = 0; i < n; i++) {
        double u = (double)i / (n - 1), theory = u * 10.0, e = error_at(&raw, u, &rng);
        lxw_row_t r = (lxw_row_t)i;
        worksheet_write_number(ws, r, 0, theory + e, NULL);
        worksheet_write_number(ws, r, 1, i, NULL);
        worksheet_write_number(ws, r, 2, theory, NULL);
        worksheet_write_number(ws, r, 3, e, NULL);
        worksheet_write_number(ws, r, 4, -travel / 2 + u * travel, NULL);
        if (i > 0 && i < n - 1) { /* System B leaves the limits blank at the end points */
            worksheet_write_number(ws, r, 5, t->limit, NULL);
            worksheet_write_number(ws, r, 6, -t->limit, NULL);
        }
        worksheet_write_number(ws, r, 7, 1.0, NULL);
        worksheet_write_number(ws, r, 8, u * travel, NULL);
    }
    worksheet_write_number(ws, 0, 17, resistance, NULL);
    if (untrimmed)
        worksheet_write_number(ws, 0, 10, travel - 0.01, NULL);
}

static pl_status save(lxw_workbook *wb, pl_afile *af, pl_error *err)
{
    lxw_error e = workbook_close(wb);
    if (e != LXW_NO_ERROR) {
        pl_afile_abort(af);
        return pl_error_set(err, PL_EIO, af->final_path, "cannot write the workbook: %s", lxw_strerror(e));
    }
    return pl_afile_commit(af, err);
}

/* A workbook under a temporary name (renamed into place by save), with the sheet both systems start with. */
static pl_status open_book(const char *path, pl_afile *af, lxw_workbook **wb, pl_error *err)
{
    pl_status st = pl_afile_reserve(af, path, err);
    if (st != PL_OK)
        return st;
    *wb = workbook_new(af->tmp_path);
    if (!*wb) {
        pl_afile_abort(af);
        return pl_error_set(err, PL_EIO, path, "cannot create the workbook");
    }
    workbook_add_worksheet(*wb, "Model Parameters");
    return PL_OK;
}

static pl_status write_system_a(const char *dir, const char *model, int serial, const char *when, int tracks,
                                const track_shape *t, unsigned seed, pl_error *err)
{
    char path[PL_PATH_MAX];
    snprintf(path, sizeof path, "%s/%s_%d_TEST DATA_%s.xlsx", dir, model, serial, when);
    pl_afile af;
    lxw_workbook *wb;
    pl_status st = open_book(path, &af, &wb, err);
    if (st != PL_OK)
        return st;
    for (int k = 1; k <= tracks; k++) {
        char untrim[32], trim[32];
        snprintf(untrim, sizeof untrim, "SEC1 TRK%d 0", k);
        snprintf(trim, sizeof trim, "SEC1 TRK%d 1 TRM1", k);
        system_a_sheet(wb, untrim, model, serial, 340, 4715 + 20 * k, true, t, seed + (unsigned)k);
        system_a_sheet(wb, trim, model, serial, 340, 5182 + 20 * k, false, t, seed + 100u + (unsigned)k);
    }
    return save(wb, &af, err);
}

static pl_status write_system_b(const char *dir, const char *model, int serial, const char *when, const track_shape *t,
                                unsigned seed, pl_error *err)
{
    char path[PL_PATH_MAX];
    snprintf(path, sizeof path, "%s/%s_%d_TA_Test Data_%sTrimmed Correct.xlsx", dir, model, serial, when);
    pl_afile af;
    lxw_workbook *wb;
    pl_status st = open_book(path, &af, &wb, err);
    if (st != PL_OK)
        return st;
    system_b_sheet(wb, "Lin Error", 3864, false, t, seed);
    system_b_sheet(wb, "test", 3507, true, t, seed + 7);
    workbook_add_worksheet(wb, "Trim Parameters");
    return save(wb, &af, err);
}

pl_status pl_demo_trim_workbooks(const char *dir, int *count, pl_error *err)
{
    pl_status st = pl_mkdirs(dir, err);
    const track_shape good = {.limit = 0.05, .amplitude = 0.004, .ripple = 0.0004, .bow = 0};
    const track_shape rough = {.limit = 0.05, .amplitude = 0.01, .ripple = 0.03, .bow = 0};
    const track_shape failing = {.limit = 0.05, .amplitude = 0.03, .ripple = 0.002, .bow = 0.16};
    const track_shape b_good = {.limit = 0.02, .amplitude = 0.003, .ripple = 0.0003, .bow = 0};
    const track_shape b_fail = {.limit = 0.02, .amplitude = 0.012, .ripple = 0.001, .bow = 0.07};
    *count = 0;
    if (st == PL_OK && (st = write_system_a(dir, "7029", 36, "3-20-2025_6-39 PM", 2, &good, 11, err)) == PL_OK)
        ++*count;
    if (st == PL_OK && (st = write_system_a(dir, "8555", 12, "4-2-2025_9-15 AM", 1, &rough, 23, err)) == PL_OK)
        ++*count;
    if (st == PL_OK && (st = write_system_a(dir, "7281", 161, "4-10-2025_6-35 AM", 1, &failing, 37, err)) == PL_OK)
        ++*count;
    if (st == PL_OK && (st = write_system_b(dir, "8350", 4, "11-18-2024_5-20 AM", &b_good, 41, err)) == PL_OK)
        ++*count;
    if (st == PL_OK && (st = write_system_b(dir, "8340-1", 247, "5-28-2025_6-45 AM", &b_fail, 53, err)) == PL_OK)
        ++*count;
    return st;
}

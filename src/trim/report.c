/* Reports of stored results: Excel (libxlsxwriter, constant-memory mode, written under a temporary name and
 * renamed), CSV, and a static HTML page with the plots and a table sortable by clicking its headers. */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <xlsxwriter.h>

#include "plateau/afile.h"
#include "plateau/trim.h"
#include "trim/trim_impl.h"

/* Columns of the reports: index into pl_trim_track_columns, header, and number format ("" for text). */
typedef struct report_col {
    int src;
    const char *head;
    const char *num;
} report_col;

static const report_col cols[] = {
    {0, "File", ""},
    {1, "Model", ""},
    {2, "Serial", ""},
    {3, "System", ""},
    {4, "Track", ""},
    {5, "Status", ""},
    {8, "Points", "0"},
    {11, "Sigma", "0.000000"},
    {12, "Threshold", "0.000000"},
    {13, "Sigma pass", "0"},
    {15, "Lin spec", "0.0000"},
    {16, "Offset", "0.000000"},
    {17, "Offset from", ""},
    {20, "Lin error", "0.000000"},
    {22, "Fail points", "0"},
    {23, "Lin pass", "0"},
    {24, "Max deviation", "0.000000"},
    {26, "R untrimmed", "0.0"},
    {27, "R trimmed", "0.0"},
    {28, "R change %", "0.00"},
    {30, "Risk", ""},
    {31, "File date", ""},
    {7, "Invalid because", ""},
};
#define NCOLS (sizeof cols / sizeof cols[0])

typedef struct counts {
    size_t tracks, pass, warning, fail, error, high, medium, low;
} counts;

static pl_status count_row(void *ctx, sqlite3_stmt *row, pl_error *err)
{
    (void)err;
    counts *c = ctx;
    const char *st = (const char *)sqlite3_column_text(row, 5);
    const char *risk = (const char *)sqlite3_column_text(row, 30);
    c->tracks++;
    c->pass += strcmp(st, "PASS") == 0;
    c->warning += strcmp(st, "WARNING") == 0;
    c->fail += strcmp(st, "FAIL") == 0;
    c->error += strcmp(st, "ERROR") == 0;
    if (risk) {
        c->high += strcmp(risk, "HIGH") == 0;
        c->medium += strcmp(risk, "MEDIUM") == 0;
        c->low += strcmp(risk, "LOW") == 0;
    }
    return PL_OK;
}

/* ---- Excel ---- */

typedef struct xlsx_ctx {
    lxw_worksheet *ws;
    lxw_format *fmt[NCOLS];
    lxw_row_t row;
} xlsx_ctx;

static pl_status xlsx_row(void *vctx, sqlite3_stmt *row, pl_error *err)
{
    (void)err;
    xlsx_ctx *c = vctx;
    for (size_t i = 0; i < NCOLS; i++) {
        int t = sqlite3_column_type(row, cols[i].src);
        if (t == SQLITE_NULL)
            continue;
        if (cols[i].num[0] && (t == SQLITE_FLOAT || t == SQLITE_INTEGER))
            worksheet_write_number(c->ws, c->row, (lxw_col_t)i, sqlite3_column_double(row, cols[i].src), c->fmt[i]);
        else
            worksheet_write_string(c->ws, c->row, (lxw_col_t)i, (const char *)sqlite3_column_text(row, cols[i].src),
                                   NULL);
    }
    c->row++;
    return PL_OK;
}

static pl_status write_xlsx(pl_trim_db *db, const pl_trim_filter *flt, const char *tmp, const counts *n, pl_error *err)
{
    lxw_workbook_options o = {.constant_memory = LXW_TRUE};
    lxw_workbook *wb = workbook_new_opt(tmp, &o);
    if (!wb)
        return pl_error_set(err, PL_EIO, tmp, "cannot create the Excel report");
    lxw_format *bold = workbook_add_format(wb);
    format_set_bold(bold);
    lxw_format *pct = workbook_add_format(wb);
    format_set_num_format(pct, "0.0%");
    lxw_worksheet *sum = workbook_add_worksheet(wb, "Summary");
    worksheet_set_column(sum, 0, 0, 24, NULL);
    worksheet_write_string(sum, 0, 0, "Laser-trim results", bold);
    const char *labels[] = {"Tracks",          "Pass",      "Warning",     "Fail",
                            "Error (invalid)", "Risk HIGH", "Risk MEDIUM", "Risk LOW"};
    size_t vals[] = {n->tracks, n->pass, n->warning, n->fail, n->error, n->high, n->medium, n->low};
    for (int i = 0; i < 8; i++) {
        worksheet_write_string(sum, (lxw_row_t)(2 + i), 0, labels[i], NULL);
        worksheet_write_number(sum, (lxw_row_t)(2 + i), 1, (double)vals[i], NULL);
    }
    worksheet_write_string(sum, 11, 0, "Pass rate", bold);
    worksheet_write_number(sum, 11, 1, n->tracks ? (double)n->pass / (double)n->tracks : 0.0, pct);
    worksheet_write_string(sum, 12, 0, "Analysis version", NULL);
    worksheet_write_number(sum, 12, 1, PL_TRIM_ANALYSIS_VERSION, NULL);

    xlsx_ctx c = {.ws = workbook_add_worksheet(wb, "Tracks"), .row = 1};
    for (size_t i = 0; i < NCOLS; i++) {
        c.fmt[i] = NULL;
        if (cols[i].num[0]) {
            c.fmt[i] = workbook_add_format(wb);
            format_set_num_format(c.fmt[i], cols[i].num);
        }
        worksheet_set_column(c.ws, (lxw_col_t)i, (lxw_col_t)i, i == 0 ? 48 : 13, NULL);
        worksheet_write_string(c.ws, 0, (lxw_col_t)i, cols[i].head, bold);
    }
    worksheet_freeze_panes(c.ws, 1, 0);
    pl_status st = pl_trim_select(db, flt, xlsx_row, &c, err);
    worksheet_autofilter(c.ws, 0, 0, c.row > 1 ? c.row - 1 : 1, (lxw_col_t)(NCOLS - 1));
    lxw_error e = workbook_close(wb);
    if (st == PL_OK && e != LXW_NO_ERROR)
        st = pl_error_set(err, PL_EIO, tmp, "writing the Excel report failed: %s", lxw_strerror(e));
    return st;
}

/* ---- HTML ---- */

static void html_text(FILE *fp, const char *t)
{
    for (; t && *t; t++) {
        switch (*t) {
        case '<': fputs("&lt;", fp); break;
        case '>': fputs("&gt;", fp); break;
        case '&': fputs("&amp;", fp); break;
        case '"': fputs("&quot;", fp); break;
        default: fputc(*t, fp);
        }
    }
}

typedef struct html_ctx {
    FILE *fp;
    const char *plots_dir;
} html_ctx;

static pl_status html_row(void *vctx, sqlite3_stmt *row, pl_error *err)
{
    (void)err;
    html_ctx *c = vctx;
    const char *status = (const char *)sqlite3_column_text(row, 5);
    fprintf(c->fp, "<tr class=\"%s\">", status);
    for (size_t i = 0; i < NCOLS; i++) {
        int t = sqlite3_column_type(row, cols[i].src);
        fputs("<td>", c->fp);
        if (t == SQLITE_FLOAT) {
            double v = sqlite3_column_double(row, cols[i].src);
            fprintf(c->fp, "%.6g", v);
        } else if (t != SQLITE_NULL) {
            const char *text = (const char *)sqlite3_column_text(row, cols[i].src);
            if (i == 0 && c->plots_dir) {
                char name[700];
                trim_plot_name(text, (const char *)sqlite3_column_text(row, 4), name, sizeof name);
                fputs("<a href=\"", c->fp);
                html_text(c->fp, c->plots_dir);
                fputc('/', c->fp);
                html_text(c->fp, name);
                fputs("\">", c->fp);
                html_text(c->fp, text);
                fputs("</a>", c->fp);
            } else {
                html_text(c->fp, text);
            }
        }
        fputs("</td>", c->fp);
    }
    fputs("</tr>\n", c->fp);
    return PL_OK;
}

static const char *const html_head =
    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Laser-trim results</title>\n<style>\n"
    "body{font-family:sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse;font-size:12px}"
    "th,td{border:1px solid #ccc;padding:2px 6px;text-align:right}td:first-child,td:nth-child(2){text-align:left}"
    "th{background:#eee;cursor:pointer;position:sticky;top:0}tr.FAIL td:nth-child(6){background:#f4b6b6}"
    "tr.WARNING td:nth-child(6){background:#f7e1a1}tr.PASS td:nth-child(6){background:#bfe6bf}"
    "tr.ERROR td:nth-child(6){background:#ccc}.cards span{display:inline-block;margin:0 1em 1em 0;padding:.5em 1em;"
    "border-radius:6px;background:#f3f3f3;font-size:15px}img{max-width:100%}\n</style></head><body>\n";

/* Click a header to sort by that column (numbers numerically), again to reverse. */
static const char *const html_script =
    "<script>\ndocument.querySelectorAll('th').forEach(function(th,i){th.onclick=function(){"
    "var tb=th.closest('table').tBodies[0],rows=Array.from(tb.rows),d=th.dataset.d=th.dataset.d==='1'?'-1':'1';"
    "rows.sort(function(a,b){var x=a.cells[i].textContent,y=b.cells[i].textContent,p=parseFloat(x),q=parseFloat(y);"
    "var r=(!isNaN(p)&&!isNaN(q))?p-q:x.localeCompare(y);return "
    "r*d;});rows.forEach(function(r){tb.appendChild(r);});};});"
    "\n</script>\n";

static pl_status write_html(pl_trim_db *db, const pl_trim_filter *flt, FILE *fp, const counts *n, const char *plots_dir,
                            pl_error *err)
{
    fputs(html_head, fp);
    fprintf(fp,
            "<h1>Laser-trim results</h1>\n<div class=\"cards\"><span>%zu tracks</span><span>PASS %zu</span>"
            "<span>WARNING %zu</span><span>FAIL %zu</span><span>ERROR %zu</span><span>pass rate %.1f%%</span>"
            "<span>risk HIGH %zu / MEDIUM %zu / LOW %zu</span></div>\n",
            n->tracks, n->pass, n->warning, n->fail, n->error,
            n->tracks ? 100.0 * (double)n->pass / (double)n->tracks : 0.0, n->high, n->medium, n->low);
    if (plots_dir) {
        fputs("<p><img src=\"", fp);
        html_text(fp, plots_dir);
        fputs("/summary.png\" alt=\"batch summary\"></p>\n<p>Click a file name for its track plot.</p>\n", fp);
    }
    fputs("<table><thead><tr>", fp);
    for (size_t i = 0; i < NCOLS; i++)
        fprintf(fp, "<th>%s</th>", cols[i].head);
    fputs("</tr></thead><tbody>\n", fp);
    html_ctx c = {fp, plots_dir};
    pl_status st = pl_trim_select(db, flt, html_row, &c, err);
    fputs("</tbody></table>\n", fp);
    fputs(html_script, fp);
    fprintf(fp, "<p style=\"color:#888\">plateau laser-trim analysis version %d</p></body></html>\n",
            PL_TRIM_ANALYSIS_VERSION);
    return st;
}

pl_status trim_report_html(pl_trim_db *db, const pl_trim_filter *flt, const char *path, const char *plots_dir,
                           pl_error *err)
{
    return pl_trim_report(db, flt, "html", path, plots_dir, err);
}

pl_status pl_trim_report(pl_trim_db *db, const pl_trim_filter *flt, const char *format, const char *path,
                         const char *plots_dir, pl_error *err)
{
    counts n = {0};
    pl_trim_filter all = *flt;
    pl_status st = pl_trim_select(db, &all, count_row, &n, err);
    if (st != PL_OK)
        return st;
    pl_afile af;
    if (strcmp(format, "xlsx") == 0) {
        if ((st = pl_afile_reserve(&af, path, err)) != PL_OK)
            return st;
        st = write_xlsx(db, flt, af.tmp_path, &n, err);
    } else if (strcmp(format, "csv") == 0 || strcmp(format, "html") == 0) {
        if ((st = pl_afile_open(&af, path, err)) != PL_OK)
            return st;
        if (format[0] == 'c')
            st = pl_trim_print(db, flt, PL_TRIM_FORMAT_CSV, af.fp, NULL, err);
        else
            st = write_html(db, flt, af.fp, &n, plots_dir, err);
    } else {
        return pl_error_set(err, PL_EARG, path, "unknown report format '%s' (xlsx, csv or html)", format);
    }
    if (st != PL_OK) {
        pl_afile_abort(&af);
        return st;
    }
    return pl_afile_commit(&af, err);
}

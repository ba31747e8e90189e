/* Reading stored results back: a filtered selection of tracks (for analyze's output, query and reports), printed
 * as a table, JSON or CSV, and per-model statistics. */
#include <ctype.h>
#include <math.h>
#include <sqlite3.h>
#include <string.h>
#include <strings.h>

#include "plateau/mem.h"
#include "plateau/progress.h"
#include "plateau/trim.h"

const char *const pl_trim_track_columns[] = {"file",
                                             "model",
                                             "serial",
                                             "system",
                                             "track",
                                             "status",
                                             "valid",
                                             "invalid_reason",
                                             "n",
                                             "travel",
                                             "unit_length",
                                             "sigma",
                                             "threshold",
                                             "sigma_pass",
                                             "sigma_margin",
                                             "lin_spec",
                                             "offset",
                                             "offset_source",
                                             "exact_offset",
                                             "exact_violations",
                                             "lin_err_shifted",
                                             "lin_err_raw",
                                             "fail_points",
                                             "lin_pass",
                                             "max_dev",
                                             "max_dev_pos",
                                             "r_untrim",
                                             "r_trim",
                                             "r_change_pct",
                                             "worst_zone",
                                             "risk",
                                             "file_date",
                                             "file_status",
                                             "path",
                                             "track_id",
                                             "file_id",
                                             NULL};

static const char *const select_sql =
    "SELECT f.name, f.model, f.serial, f.system, t.track, t.status, t.valid, t.invalid_reason, t.n, t.travel,"
    " t.unit_length, t.sigma, t.threshold, t.sigma_pass, t.sigma_margin, t.lin_spec, t.offset, t.offset_source,"
    " t.exact_offset, t.exact_violations, t.lin_err_shifted, t.lin_err_raw, t.fail_points, t.lin_pass, t.max_dev,"
    " t.max_dev_pos, t.r_untrim, t.r_trim, t.r_change_pct, t.worst_zone, t.risk, f.file_date, f.status, f.path,"
    " t.id, f.id FROM tracks t JOIN files f ON f.id = t.file_id WHERE 1";

pl_status pl_trim_format_parse(const char *text, pl_trim_format *out, pl_error *err)
{
    static const char *const names[] = {"table", "json", "csv"};
    for (int i = 0; i < 3; i++)
        if (strcmp(text, names[i]) == 0) {
            *out = (pl_trim_format)i;
            return PL_OK;
        }
    return pl_error_set(err, PL_EARG, NULL, "unknown format '%s' (table, json or csv)", text);
}

static pl_status prepare(pl_trim_db *db, const pl_trim_filter *flt, const char *order, sqlite3_stmt **st, pl_error *err)
{
    char sql[2048];
    size_t len = (size_t)snprintf(sql, sizeof sql, "%s", select_sql);
#define ADD(cond) len += (size_t)snprintf(sql + len, sizeof sql - len, "%s", cond)
    if (flt->model)
        ADD(" AND f.model = ?1 COLLATE NOCASE");
    if (flt->serial)
        ADD(" AND f.serial = ?2 COLLATE NOCASE");
    if (flt->status)
        ADD(" AND t.status = upper(?3)");
    if (flt->risk)
        ADD(" AND t.risk = upper(?4)");
    if (flt->since)
        ADD(" AND f.file_date >= ?5");
    if (flt->until)
        ADD(" AND substr(f.file_date, 1, length(?6)) <= ?6");
    if (flt->batch_id)
        ADD(" AND f.sha256 IN (SELECT sha256 FROM batch_files WHERE batch_id = ?7 AND outcome <> 'failed')");
    ADD(order);
    if (flt->limit > 0)
        ADD(" LIMIT ?8");
#undef ADD
    sqlite3 *h = pl_trim_db_handle(db);
    if (sqlite3_prepare_v2(h, sql, -1, st, NULL) != SQLITE_OK)
        return pl_error_set(err, PL_EIO, NULL, "results database: %s", sqlite3_errmsg(h));
    const char *texts[] = {flt->model, flt->serial, flt->status, flt->risk, flt->since, flt->until};
    for (int i = 0; i < 6; i++)
        if (texts[i])
            sqlite3_bind_text(*st, i + 1, texts[i], -1, SQLITE_TRANSIENT);
    if (flt->batch_id)
        sqlite3_bind_int64(*st, 7, flt->batch_id);
    if (flt->limit > 0)
        sqlite3_bind_int64(*st, 8, flt->limit);
    return PL_OK;
}

pl_status pl_trim_select(pl_trim_db *db, const pl_trim_filter *flt, pl_trim_row_fn fn, void *ctx, pl_error *err)
{
    sqlite3_stmt *st;
    pl_status s = prepare(db, flt, " ORDER BY f.name, t.track", &st, err);
    if (s != PL_OK)
        return s;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if ((s = fn(ctx, st, err)) != PL_OK)
            break;
    if (s == PL_OK && rc != SQLITE_DONE)
        s = pl_error_set(err, PL_EIO, NULL, "results database: %s", sqlite3_errmsg(pl_trim_db_handle(db)));
    sqlite3_finalize(st);
    return s;
}

typedef struct printer {
    pl_trim_format fmt;
    FILE *out;
    size_t count;
} printer;

static void csv_field(FILE *out, const char *t)
{
    if (strpbrk(t, ",\"\n\r")) {
        fputc('"', out);
        for (; *t; t++) {
            if (*t == '"')
                fputc('"', out);
            fputc(*t, out);
        }
        fputc('"', out);
    } else {
        fputs(t, out);
    }
}

static void json_value(FILE *out, sqlite3_stmt *row, int i)
{
    switch (sqlite3_column_type(row, i)) {
    case SQLITE_NULL: fputs("null", out); break;
    case SQLITE_INTEGER: fprintf(out, "%lld", (long long)sqlite3_column_int64(row, i)); break;
    case SQLITE_FLOAT: fprintf(out, "%.17g", sqlite3_column_double(row, i)); break;
    default: {
        const char *t = (const char *)sqlite3_column_text(row, i);
        size_t need = 6 * strlen(t) + 3;
        char small[1024], *buf = need <= sizeof small ? small : pl_alloc(need, "json text", NULL);
        if (buf && pl_json_quote(t, buf, need) >= 0)
            fputs(buf, out);
        else
            fputs("null", out);
        if (buf != small)
            pl_free(buf);
    }
    }
}

static void text_value(FILE *out, sqlite3_stmt *row, int i)
{
    int type = sqlite3_column_type(row, i);
    if (type == SQLITE_FLOAT)
        fprintf(out, "%.17g", sqlite3_column_double(row, i));
    else if (type != SQLITE_NULL)
        fputs((const char *)sqlite3_column_text(row, i), out);
}

static void table_header(FILE *out)
{
    fprintf(out, "%-46s %-7s %-7s %5s %11s %11s %11s %11s %4s %-6s\n", "file", "track", "status", "n", "sigma",
            "threshold", "offset", "lin_error", "fail", "risk");
}

static void table_num(FILE *out, sqlite3_stmt *row, int i, const char *fmtspec)
{
    if (sqlite3_column_type(row, i) == SQLITE_NULL)
        fprintf(out, " %11s", "-");
    else
        fprintf(out, fmtspec, sqlite3_column_double(row, i));
}

static pl_status print_row(void *ctx, sqlite3_stmt *row, pl_error *err)
{
    (void)err;
    printer *p = ctx;
    int ncol = 0;
    while (pl_trim_track_columns[ncol])
        ncol++;
    if (p->fmt == PL_TRIM_FORMAT_CSV) {
        for (int i = 0; i < ncol; i++) {
            if (i)
                fputc(',', p->out);
            if (sqlite3_column_type(row, i) == SQLITE_TEXT)
                csv_field(p->out, (const char *)sqlite3_column_text(row, i));
            else
                text_value(p->out, row, i);
        }
        fputc('\n', p->out);
    } else if (p->fmt == PL_TRIM_FORMAT_JSON) {
        fputs(p->count ? ",\n {" : "\n {", p->out);
        for (int i = 0; i < ncol; i++) {
            fprintf(p->out, "%s\"%s\":", i ? "," : "", pl_trim_track_columns[i]);
            json_value(p->out, row, i);
        }
        fputc('}', p->out);
    } else {
        const char *name = (const char *)sqlite3_column_text(row, 0);
        fprintf(p->out, "%-46.46s %-7s %-7s %5d", name, (const char *)sqlite3_column_text(row, 4),
                (const char *)sqlite3_column_text(row, 5), sqlite3_column_int(row, 8));
        table_num(p->out, row, 11, " %11.6g");
        table_num(p->out, row, 12, " %11.6g");
        table_num(p->out, row, 16, " %11.6g");
        table_num(p->out, row, 20, " %11.6g");
        if (sqlite3_column_type(row, 22) == SQLITE_NULL)
            fprintf(p->out, " %4s", "-");
        else
            fprintf(p->out, " %4d", sqlite3_column_int(row, 22));
        const char *risk = (const char *)sqlite3_column_text(row, 30);
        const char *why = (const char *)sqlite3_column_text(row, 7);
        fprintf(p->out, " %-6s%s%s\n", risk ? risk : "-", why ? "  " : "", why ? why : "");
    }
    p->count++;
    return PL_OK;
}

pl_status pl_trim_print(pl_trim_db *db, const pl_trim_filter *flt, pl_trim_format fmt, FILE *out, size_t *count,
                        pl_error *err)
{
    printer p = {.fmt = fmt, .out = out};
    if (fmt == PL_TRIM_FORMAT_CSV) {
        for (int i = 0; pl_trim_track_columns[i]; i++)
            fprintf(out, "%s%s", i ? "," : "", pl_trim_track_columns[i]);
        fputc('\n', out);
    } else if (fmt == PL_TRIM_FORMAT_JSON) {
        fputc('[', out);
    } else {
        table_header(out);
    }
    pl_status s = pl_trim_select(db, flt, print_row, &p, err);
    if (fmt == PL_TRIM_FORMAT_JSON)
        fputs(p.count ? "\n]\n" : "]\n", out);
    if (count)
        *count = p.count;
    return s;
}

/* ---- per-model statistics ---- */

typedef struct model_stats {
    char model[64];
    size_t tracks, valid, pass, warning, fail, error;
    double s_mean, s_m2;    /* Welford over sigma */
    double l_mean, l_m2;    /* over the shifted linearity error */
    double threshold, spec; /* common limit, NAN when they differ */
    bool have_limits;
} model_stats;

static void welford(double *mean, double *m2, size_t n, double v)
{
    double d = v - *mean;
    *mean += d / (double)n;
    *m2 += d * (v - *mean);
}

static void common_limit(double *slot, bool first, double v)
{
    if (first)
        *slot = v;
    else if (!(fabs(*slot - v) <= 1e-12 * fmax(fabs(v), 1e-300)))
        *slot = NAN;
}

static void stats_emit(FILE *out, pl_trim_format fmt, const model_stats *m, bool first)
{
    double s_sd = m->valid > 1 ? sqrt(m->s_m2 / (double)(m->valid - 1)) : NAN;
    double l_sd = m->valid > 1 ? sqrt(m->l_m2 / (double)(m->valid - 1)) : NAN;
    /* Cpk against an upper limit only (sigma <= T, |error| <= spec), where every track of the model shares it */
    double cpk_sigma = (isfinite(m->threshold) && s_sd > 0) ? (m->threshold - m->s_mean) / (3 * s_sd) : NAN;
    double cpk_lin = (isfinite(m->spec) && l_sd > 0) ? (m->spec - m->l_mean) / (3 * l_sd) : NAN;
    double rate = m->tracks ? 100.0 * (double)m->pass / (double)m->tracks : NAN;
    double mean = m->valid ? m->s_mean : NAN;
    if (fmt == PL_TRIM_FORMAT_TABLE) {
        fprintf(out, "%-24.24s %6zu %6zu %6zu %6zu %6zu %7.1f%%", m->model, m->tracks, m->pass, m->warning, m->fail,
                m->error, rate);
        double v[] = {mean, s_sd, cpk_sigma, cpk_lin};
        int w[] = {11, 11, 9, 9};
        for (int i = 0; i < 4; i++)
            isfinite(v[i]) ? fprintf(out, " %*.4g", w[i], v[i]) : fprintf(out, " %*s", w[i], "-");
        fputc('\n', out);
        return;
    }
    double v[] = {rate, mean, s_sd, cpk_sigma, cpk_lin};
    if (fmt == PL_TRIM_FORMAT_CSV) {
        csv_field(out, m->model);
        fprintf(out, ",%zu,%zu,%zu,%zu,%zu", m->tracks, m->pass, m->warning, m->fail, m->error);
        for (int i = 0; i < 5; i++)
            isfinite(v[i]) ? fprintf(out, ",%.17g", v[i]) : fputs(",", out);
        fputc('\n', out);
        return;
    }
    char q[256];
    pl_json_quote(m->model, q, sizeof q);
    fprintf(out, "%s\n {\"model\":%s,\"tracks\":%zu,\"pass\":%zu,\"warning\":%zu,\"fail\":%zu,\"error\":%zu",
            first ? "" : ",", q, m->tracks, m->pass, m->warning, m->fail, m->error);
    static const char *const names[] = {"pass_rate_pct", "sigma_mean", "sigma_stdev", "cpk_sigma", "cpk_linearity"};
    for (int i = 0; i < 5; i++)
        isfinite(v[i]) ? fprintf(out, ",\"%s\":%.17g", names[i], v[i]) : fprintf(out, ",\"%s\":null", names[i]);
    fputc('}', out);
}

typedef struct stats_ctx {
    pl_trim_format fmt;
    FILE *out;
    model_stats cur;
    size_t emitted;
} stats_ctx;

static pl_status stats_row(void *vctx, sqlite3_stmt *row, pl_error *err)
{
    (void)err;
    stats_ctx *c = vctx;
    const char *model = (const char *)sqlite3_column_text(row, 1);
    if (!model)
        model = "(unknown)";
    if (c->cur.tracks && strcmp(c->cur.model, model) != 0) {
        stats_emit(c->out, c->fmt, &c->cur, c->emitted++ == 0);
        memset(&c->cur, 0, sizeof c->cur);
    }
    model_stats *m = &c->cur;
    snprintf(m->model, sizeof m->model, "%s", model);
    m->tracks++;
    const char *st = (const char *)sqlite3_column_text(row, 5);
    m->pass += strcmp(st, "PASS") == 0;
    m->warning += strcmp(st, "WARNING") == 0;
    m->fail += strcmp(st, "FAIL") == 0;
    m->error += strcmp(st, "ERROR") == 0;
    if (sqlite3_column_int(row, 6)) {
        m->valid++;
        welford(&m->s_mean, &m->s_m2, m->valid, sqlite3_column_double(row, 11));
        welford(&m->l_mean, &m->l_m2, m->valid, sqlite3_column_double(row, 20));
        common_limit(&m->threshold, m->valid == 1, sqlite3_column_double(row, 12));
        common_limit(&m->spec, m->valid == 1, sqlite3_column_double(row, 15));
    }
    return PL_OK;
}

pl_status pl_trim_print_stats(pl_trim_db *db, const pl_trim_filter *flt, pl_trim_format fmt, FILE *out, pl_error *err)
{
    sqlite3_stmt *st;
    pl_trim_filter f = *flt;
    f.limit = 0;
    pl_status s = prepare(db, &f, " ORDER BY f.model, f.name, t.track", &st, err);
    if (s != PL_OK)
        return s;
    stats_ctx c = {.fmt = fmt, .out = out};
    c.cur.threshold = c.cur.spec = NAN;
    if (fmt == PL_TRIM_FORMAT_TABLE)
        fprintf(out, "%-24s %6s %6s %6s %6s %6s %8s %11s %11s %9s %9s\n", "model", "tracks", "pass", "warn", "fail",
                "error", "pass%", "sigma_mean", "sigma_sd", "cpk_sigma", "cpk_lin");
    else if (fmt == PL_TRIM_FORMAT_CSV)
        fprintf(out,
                "model,tracks,pass,warning,fail,error,pass_rate_pct,sigma_mean,sigma_stdev,cpk_sigma,cpk_linearity\n");
    else
        fputc('[', out);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        stats_row(&c, st, err);
    if (rc != SQLITE_DONE)
        s = pl_error_set(err, PL_EIO, NULL, "results database: %s", sqlite3_errmsg(pl_trim_db_handle(db)));
    sqlite3_finalize(st);
    if (c.cur.tracks)
        stats_emit(out, fmt, &c.cur, c.emitted++ == 0);
    if (fmt == PL_TRIM_FORMAT_JSON)
        fputs(c.emitted ? "\n]\n" : "]\n", out);
    return s;
}

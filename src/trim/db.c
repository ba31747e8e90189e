/* The laser-trim results database. Files are unique by content (SHA-256); each file's row and its tracks are
 * written in one short IMMEDIATE transaction, so several worker processes can write (WAL, busy timeout) and an
 * interrupted batch loses nothing already committed. Arrays are float64 little-endian BLOBs (x, e, u, l of the
 * analysed data; x, e of the untrimmed data) for replotting. */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "plateau/mem.h"
#include "plateau/trim.h"

struct pl_trim_db {
    sqlite3 *db;
    char path[4096];
};

static const char *const schema =
    "CREATE TABLE IF NOT EXISTS batches(id INTEGER PRIMARY KEY, command TEXT, started TEXT, finished TEXT,"
    " inputs INTEGER, analysed INTEGER, skipped INTEGER, failed INTEGER, seconds REAL, analysis_version INTEGER);"
    "CREATE TABLE IF NOT EXISTS files(id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, path TEXT, name TEXT,"
    " model TEXT, serial TEXT, name_track TEXT, name_parsed INTEGER, system TEXT, track_count INTEGER,"
    " file_date TEXT, status TEXT, note TEXT, processing_s REAL, analysis_version INTEGER, batch_id INTEGER,"
    " analysed_at TEXT);"
    "CREATE TABLE IF NOT EXISTS tracks(id INTEGER PRIMARY KEY, file_id INTEGER NOT NULL REFERENCES files(id)"
    " ON DELETE CASCADE, track TEXT, sheet_trimmed TEXT, sheet_untrimmed TEXT, valid INTEGER, invalid_reason TEXT,"
    " n INTEGER, travel REAL, unit_length REAL, sigma REAL, threshold REAL, sigma_pass INTEGER, sigma_margin REAL,"
    " sigma_ratio REAL, n_gradients INTEGER, filter TEXT, lin_spec REAL, offset REAL, offset_source TEXT,"
    " median_offset REAL, brent_offset REAL, exact_offset REAL, median_violations INTEGER,"
    " brent_violations INTEGER, exact_violations INTEGER, lin_err_shifted REAL, lin_err_raw REAL,"
    " fail_points INTEGER, lin_pass INTEGER, max_dev REAL, max_dev_pos REAL, r_untrim REAL, r_trim REAL,"
    " r_change REAL, r_change_pct REAL, zone1_rms REAL, zone2_rms REAL, zone3_rms REAL, worst_zone INTEGER,"
    " risk_p REAL, risk TEXT, status TEXT, x BLOB, e BLOB, u BLOB, l BLOB, untrimmed_x BLOB, untrimmed_e BLOB);"
    "CREATE TABLE IF NOT EXISTS batch_files(batch_id INTEGER, sha256 TEXT, path TEXT, outcome TEXT, reason TEXT,"
    " at TEXT);"
    "CREATE INDEX IF NOT EXISTS tracks_file ON tracks(file_id);"
    "CREATE INDEX IF NOT EXISTS files_model ON files(model);"
    "CREATE INDEX IF NOT EXISTS batch_files_batch ON batch_files(batch_id);";

static pl_status db_error(pl_trim_db *db, pl_error *err, const char *what)
{
    return pl_error_set(err, PL_EIO, db->path, "results database: %s: %s", what, sqlite3_errmsg(db->db));
}

static pl_status exec(pl_trim_db *db, const char *sql, pl_error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        pl_status st = pl_error_set(err, PL_EIO, db->path, "results database: %s", msg ? msg : "error");
        sqlite3_free(msg);
        return st;
    }
    return PL_OK;
}

pl_status pl_trim_db_open(const char *path, bool create, pl_trim_db **out, pl_error *err)
{
    *out = NULL;
    pl_trim_db *db = pl_calloc(1, sizeof *db, "results database", err);
    if (!db)
        return err ? err->code : PL_ENOMEM;
    snprintf(db->path, sizeof db->path, "%s", path);
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(path, &db->db, flags, NULL) != SQLITE_OK) {
        pl_status st = pl_error_set(err, create ? PL_EIO : PL_ENOTFOUND, path, "cannot open the results database: %s",
                                    db->db ? sqlite3_errmsg(db->db) : "out of memory");
        sqlite3_close(db->db);
        pl_free(db);
        return st;
    }
    sqlite3_busy_timeout(db->db, 60000);
    pl_status st = exec(db, "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;", err);
    if (st == PL_OK && create)
        st = exec(db, "PRAGMA journal_mode=WAL;", err);
    if (st == PL_OK && create)
        st = exec(db, schema, err);
    if (st == PL_OK && !create) {
        sqlite3_stmt *s = NULL;
        if (sqlite3_prepare_v2(db->db, "SELECT 1 FROM files LIMIT 0", -1, &s, NULL) != SQLITE_OK)
            st = pl_error_set(err, PL_EFORMAT, path, "not a plateau laser-trim results database (no files table)");
        sqlite3_finalize(s);
    }
    if (st != PL_OK) {
        sqlite3_close(db->db);
        pl_free(db);
        return st;
    }
    *out = db;
    return PL_OK;
}

void pl_trim_db_close(pl_trim_db *db)
{
    if (!db)
        return;
    sqlite3_close(db->db);
    pl_free(db);
}

struct sqlite3 *pl_trim_db_handle(pl_trim_db *db)
{
    return db->db;
}

static void now_iso(char buf[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

pl_status pl_trim_db_begin_batch(pl_trim_db *db, const char *command, int64_t *batch_id, pl_error *err)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db->db, "INSERT INTO batches(command, started, analysis_version) VALUES(?,?,?)", -1, &s,
                           NULL) != SQLITE_OK)
        return db_error(db, err, "new batch");
    char ts[32];
    now_iso(ts);
    sqlite3_bind_text(s, 1, command, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, ts, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 3, PL_TRIM_ANALYSIS_VERSION);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return db_error(db, err, "new batch");
    *batch_id = sqlite3_last_insert_rowid(db->db);
    return PL_OK;
}

pl_status pl_trim_db_end_batch(pl_trim_db *db, int64_t batch_id, size_t total, size_t done, size_t skipped,
                               size_t failed, double seconds, pl_error *err)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db->db,
                           "UPDATE batches SET finished=?, inputs=?, analysed=?, skipped=?, failed=?, seconds=? "
                           "WHERE id=?",
                           -1, &s, NULL) != SQLITE_OK)
        return db_error(db, err, "close batch");
    char ts[32];
    now_iso(ts);
    sqlite3_bind_text(s, 1, ts, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)total);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)done);
    sqlite3_bind_int64(s, 4, (sqlite3_int64)skipped);
    sqlite3_bind_int64(s, 5, (sqlite3_int64)failed);
    sqlite3_bind_double(s, 6, seconds);
    sqlite3_bind_int64(s, 7, batch_id);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? PL_OK : db_error(db, err, "close batch");
}

pl_status pl_trim_db_lookup(pl_trim_db *db, const char *sha256, bool *found, int *version, pl_error *err)
{
    sqlite3_stmt *s;
    *found = false;
    if (sqlite3_prepare_v2(db->db, "SELECT analysis_version FROM files WHERE sha256=?", -1, &s, NULL) != SQLITE_OK)
        return db_error(db, err, "look up");
    sqlite3_bind_text(s, 1, sha256, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *found = true;
        *version = sqlite3_column_int(s, 0);
    }
    sqlite3_finalize(s);
    return (rc == SQLITE_ROW || rc == SQLITE_DONE) ? PL_OK : db_error(db, err, "look up");
}

pl_status pl_trim_db_note(pl_trim_db *db, int64_t batch_id, const char *sha256, const char *path, const char *outcome,
                          const char *reason, pl_error *err)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db->db,
                           "INSERT INTO batch_files(batch_id, sha256, path, outcome, reason, at) "
                           "VALUES(?,?,?,?,?,?)",
                           -1, &s, NULL) != SQLITE_OK)
        return db_error(db, err, "record outcome");
    char ts[32];
    now_iso(ts);
    sqlite3_bind_int64(s, 1, batch_id);
    sqlite3_bind_text(s, 2, sha256, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, path, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 4, outcome, -1, SQLITE_TRANSIENT);
    if (reason)
        sqlite3_bind_text(s, 5, reason, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 6, ts, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? PL_OK : db_error(db, err, "record outcome");
}

static void bind_real(sqlite3_stmt *s, int i, double v)
{
    if (isfinite(v))
        sqlite3_bind_double(s, i, v);
    else
        sqlite3_bind_null(s, i);
}

static void bind_text_or_null(sqlite3_stmt *s, int i, const char *t)
{
    if (t && *t)
        sqlite3_bind_text(s, i, t, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, i);
}

static void bind_array(sqlite3_stmt *s, int i, const double *v, size_t n)
{
    if (n && v)
        sqlite3_bind_blob(s, i, v, (int)(n * sizeof *v), SQLITE_TRANSIENT); /* x86-64/aarch64: little-endian */
    else
        sqlite3_bind_null(s, i);
}

static const char *system_name(pl_trim_system s)
{
    return s == PL_TRIM_SYSTEM_A ? "A" : s == PL_TRIM_SYSTEM_B ? "B" : NULL;
}

static bool insert_file(pl_trim_db *db, int64_t batch_id, const char *sha256, const pl_trim_file *f, double seconds)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db->db,
                           "INSERT INTO files(sha256, path, name, model, serial, name_track, name_parsed, system,"
                           " track_count, file_date, status, note, processing_s, analysis_version, batch_id,"
                           " analysed_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                           -1, &s, NULL) != SQLITE_OK)
        return false;
    char date[32] = "", ts[32];
    if (isfinite(f->file_date)) {
        time_t t = (time_t)llround((f->file_date - 25569.0) * 86400.0);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    }
    now_iso(ts);
    sqlite3_bind_text(s, 1, sha256, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, f->path, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, f->name, -1, SQLITE_TRANSIENT);
    bind_text_or_null(s, 4, f->parsed.model);
    bind_text_or_null(s, 5, f->parsed.serial);
    bind_text_or_null(s, 6, f->parsed.track);
    sqlite3_bind_int(s, 7, f->parsed.parsed);
    bind_text_or_null(s, 8, system_name(f->system));
    sqlite3_bind_int(s, 9, (int)f->n_tracks);
    bind_text_or_null(s, 10, date);
    sqlite3_bind_text(s, 11, pl_trim_status_name(f->status), -1, SQLITE_STATIC);
    bind_text_or_null(s, 12, f->template_only ? "template: no data sheets" : f->note);
    sqlite3_bind_double(s, 13, seconds);
    sqlite3_bind_int(s, 14, PL_TRIM_ANALYSIS_VERSION);
    sqlite3_bind_int64(s, 15, batch_id);
    sqlite3_bind_text(s, 16, ts, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE;
}

static bool insert_track(pl_trim_db *db, int64_t file_id, const pl_trim_track *t)
{
    static const char *const filters[] = {"none", "lfilter", "filtfilt"};
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db->db,
                           "INSERT INTO tracks(file_id, track, sheet_trimmed, sheet_untrimmed, valid, invalid_reason,"
                           " n, travel, unit_length, sigma, threshold, sigma_pass, sigma_margin, sigma_ratio,"
                           " n_gradients, filter, lin_spec, offset, offset_source, median_offset, brent_offset,"
                           " exact_offset, median_violations, brent_violations, exact_violations, lin_err_shifted,"
                           " lin_err_raw, fail_points, lin_pass, max_dev, max_dev_pos, r_untrim, r_trim, r_change,"
                           " r_change_pct, zone1_rms, zone2_rms, zone3_rms, worst_zone, risk_p, risk, status, x, e,"
                           " u, l, untrimmed_x, untrimmed_e) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
                           "?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                           -1, &s, NULL) != SQLITE_OK)
        return false;
    const pl_trim_result *r = &t->result;
    int i = 1;
    sqlite3_bind_int64(s, i++, file_id);
    sqlite3_bind_text(s, i++, t->id, -1, SQLITE_TRANSIENT);
    bind_text_or_null(s, i++, t->sheet_trimmed);
    bind_text_or_null(s, i++, t->sheet_untrimmed);
    sqlite3_bind_int(s, i++, r->valid);
    bind_text_or_null(s, i++, r->valid ? NULL : r->invalid_reason);
    sqlite3_bind_int64(s, i++, (sqlite3_int64)r->n);
    bind_real(s, i++, r->travel);
    bind_real(s, i++, t->meta.unit_length);
    if (r->valid) {
        bind_real(s, i++, r->sigma);
        bind_real(s, i++, r->threshold);
        sqlite3_bind_int(s, i++, r->sigma_pass);
        bind_real(s, i++, r->sigma_margin);
        bind_real(s, i++, r->sigma_ratio);
        sqlite3_bind_int64(s, i++, (sqlite3_int64)r->n_gradients);
        sqlite3_bind_text(s, i++, filters[r->filter_kind], -1, SQLITE_STATIC);
        bind_real(s, i++, r->lin_spec);
        bind_real(s, i++, r->offset);
        sqlite3_bind_text(s, i++, pl_trim_offset_source_name(r->offset_source), -1, SQLITE_STATIC);
        bind_real(s, i++, r->median_offset);
        bind_real(s, i++, r->brent_offset);
        bind_real(s, i++, r->exact_offset);
        sqlite3_bind_int64(s, i++, (sqlite3_int64)r->median_violations);
        sqlite3_bind_int64(s, i++, (sqlite3_int64)r->brent_violations);
        sqlite3_bind_int64(s, i++, (sqlite3_int64)r->exact_violations);
        bind_real(s, i++, r->lin_err_shifted);
        bind_real(s, i++, r->lin_err_raw);
        sqlite3_bind_int64(s, i++, (sqlite3_int64)r->fail_points);
        sqlite3_bind_int(s, i++, r->lin_pass);
        bind_real(s, i++, r->max_dev);
        bind_real(s, i++, r->max_dev_pos);
    } else {
        i += 22; /* numbers of an invalid track stay NULL: no sentinels */
    }
    bind_real(s, i++, r->r_untrim);
    bind_real(s, i++, r->r_trim);
    bind_real(s, i++, r->r_change);
    bind_real(s, i++, r->r_change_pct);
    for (int z = 0; z < PL_TRIM_ZONES; z++)
        if (r->valid)
            bind_real(s, i++, r->zone_rms[z]);
        else
            i++;
    if (r->valid) {
        sqlite3_bind_int(s, i++, r->worst_zone);
        bind_real(s, i++, r->risk_p);
        sqlite3_bind_text(s, i++, pl_trim_risk_name(r->risk), -1, SQLITE_STATIC);
    } else {
        i += 3;
    }
    sqlite3_bind_text(s, i++, pl_trim_status_name(r->status), -1, SQLITE_STATIC);
    bind_array(s, i++, t->data.x, t->data.n);
    bind_array(s, i++, t->data.e, t->data.n);
    bind_array(s, i++, t->data.u, t->data.n);
    bind_array(s, i++, t->data.l, t->data.n);
    bind_array(s, i++, t->untrimmed.x, t->untrimmed.n);
    bind_array(s, i++, t->untrimmed.e, t->untrimmed.n);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE;
}

pl_status pl_trim_db_store(pl_trim_db *db, int64_t batch_id, const char *sha256, const pl_trim_file *f, double seconds,
                           pl_error *err)
{
    pl_status st = exec(db, "BEGIN IMMEDIATE", err);
    if (st != PL_OK)
        return st;
    sqlite3_stmt *del;
    bool ok = sqlite3_prepare_v2(db->db, "DELETE FROM files WHERE sha256=?", -1, &del, NULL) == SQLITE_OK;
    if (ok) {
        sqlite3_bind_text(del, 1, sha256, -1, SQLITE_TRANSIENT);
        ok = sqlite3_step(del) == SQLITE_DONE;
    }
    sqlite3_finalize(del);
    ok = ok && insert_file(db, batch_id, sha256, f, seconds);
    int64_t file_id = sqlite3_last_insert_rowid(db->db);
    for (size_t k = 0; ok && k < f->n_tracks; k++)
        ok = insert_track(db, file_id, &f->track[k]);
    if (!ok) {
        st = db_error(db, err, "store results");
        exec(db, "ROLLBACK", NULL);
        return st;
    }
    return exec(db, "COMMIT", err);
}

/* Shard databases into one: files are keyed by content, so a file analysed in two shards is kept once. Batches get
 * new ids in dest; file rows keep a NULL batch when their batch did not come along. One transaction. */
pl_status pl_trim_db_merge(const char *dest_db, const char *src_db, pl_error *err)
{
    pl_trim_db *db;
    pl_status st = pl_trim_db_open(dest_db, true, &db, err);
    if (st != PL_OK)
        return st;
    sqlite3_stmt *at;
    bool ok = sqlite3_prepare_v2(db->db, "ATTACH DATABASE ? AS src", -1, &at, NULL) == SQLITE_OK;
    if (ok) {
        sqlite3_bind_text(at, 1, src_db, -1, SQLITE_TRANSIENT);
        ok = sqlite3_step(at) == SQLITE_DONE;
    }
    sqlite3_finalize(at);
    if (!ok) {
        st = db_error(db, err, "attach the shard database");
        pl_trim_db_close(db);
        return st;
    }
    static const char *const sql =
        "BEGIN IMMEDIATE;"
        "CREATE TEMP TABLE batch_map AS SELECT id AS old,"
        " id + (SELECT coalesce(max(id), 0) FROM main.batches) AS new FROM src.batches;"
        "INSERT INTO batches(id, command, started, finished, inputs, analysed, skipped, failed, seconds,"
        " analysis_version) SELECT m.new, command, started, finished, inputs, analysed, skipped, failed, seconds,"
        " analysis_version FROM src.batches b JOIN batch_map m ON m.old = b.id;"
        "CREATE TEMP TABLE file_map AS SELECT id AS old, sha256 FROM src.files"
        " WHERE sha256 NOT IN (SELECT sha256 FROM main.files);"
        "INSERT INTO files(sha256, path, name, model, serial, name_track, name_parsed, system, track_count, file_date,"
        " status, note, processing_s, analysis_version, batch_id, analysed_at)"
        " SELECT f.sha256, f.path, f.name, f.model, f.serial, f.name_track, f.name_parsed, f.system, f.track_count,"
        " f.file_date, f.status, f.note, f.processing_s, f.analysis_version,"
        " (SELECT new FROM batch_map WHERE old = f.batch_id), f.analysed_at"
        " FROM src.files f JOIN file_map m ON m.old = f.id;"
        "INSERT INTO tracks(file_id, track, sheet_trimmed, sheet_untrimmed, valid, invalid_reason, n, travel,"
        " unit_length, sigma, threshold, sigma_pass, sigma_margin, sigma_ratio, n_gradients, filter, lin_spec, offset,"
        " offset_source, median_offset, brent_offset, exact_offset, median_violations, brent_violations,"
        " exact_violations, lin_err_shifted, lin_err_raw, fail_points, lin_pass, max_dev, max_dev_pos, r_untrim,"
        " r_trim, r_change, r_change_pct, zone1_rms, zone2_rms, zone3_rms, worst_zone, risk_p, risk, status, x, e, u,"
        " l, untrimmed_x, untrimmed_e)"
        " SELECT (SELECT id FROM main.files WHERE sha256 = m.sha256), t.track, t.sheet_trimmed, t.sheet_untrimmed,"
        " t.valid, t.invalid_reason, t.n, t.travel, t.unit_length, t.sigma, t.threshold, t.sigma_pass,"
        " t.sigma_margin, t.sigma_ratio, t.n_gradients, t.filter, t.lin_spec, t.offset, t.offset_source,"
        " t.median_offset, t.brent_offset, t.exact_offset, t.median_violations, t.brent_violations,"
        " t.exact_violations, t.lin_err_shifted, t.lin_err_raw, t.fail_points, t.lin_pass, t.max_dev,"
        " t.max_dev_pos, t.r_untrim, t.r_trim, t.r_change, t.r_change_pct, t.zone1_rms, t.zone2_rms, t.zone3_rms,"
        " t.worst_zone, t.risk_p, t.risk, t.status, t.x, t.e, t.u, t.l, t.untrimmed_x, t.untrimmed_e"
        " FROM src.tracks t JOIN file_map m ON m.old = t.file_id ORDER BY t.id;"
        "INSERT INTO batch_files(batch_id, sha256, path, outcome, reason, at)"
        " SELECT (SELECT new FROM batch_map WHERE old = b.batch_id), b.sha256, b.path, b.outcome, b.reason, b.at"
        " FROM src.batch_files b;"
        "DROP TABLE temp.batch_map; DROP TABLE temp.file_map;"
        "COMMIT;";
    st = exec(db, sql, err);
    if (st != PL_OK)
        exec(db, "ROLLBACK", NULL);
    exec(db, "DETACH DATABASE src", NULL);
    pl_trim_db_close(db);
    return st;
}

/* The ledger: one row per (command, input) with its content hash, status, timings, peak RSS and outputs.
 * A re-run skips rows that are done for an unchanged file; a row left "running" by a killed batch is simply redone. */
#include "batch/ledger.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "plateau/mem.h"

struct pl_ledger {
    sqlite3 *db;
    sqlite3_stmt *is_done;
    sqlite3_stmt *record;
    char path[PL_PATH_MAX];
};

static const char *schema =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "CREATE TABLE IF NOT EXISTS files("
    " label TEXT NOT NULL, rel TEXT NOT NULL, path TEXT, size INTEGER, mtime_ns INTEGER, content_hash TEXT,"
    " status TEXT NOT NULL, error_code TEXT, error TEXT, seconds REAL, peak_rss INTEGER, work_units INTEGER,"
    " summary TEXT, extra_json TEXT, updated TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), tag TEXT,"
    " PRIMARY KEY (label, rel));";

/* Ledgers written before the tag column existed get it (last, as in the schema, so rows copy between ledgers). */
static bool add_tag_column(sqlite3 *db)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_table_info('files') WHERE name='tag'", -1, &s, NULL) != SQLITE_OK)
        return false;
    bool has = sqlite3_step(s) == SQLITE_ROW;
    sqlite3_finalize(s);
    return has || sqlite3_exec(db, "ALTER TABLE files ADD COLUMN tag TEXT", NULL, NULL, NULL) == SQLITE_OK;
}

static pl_status db_error(pl_ledger *l, pl_error *err, const char *what)
{
    return pl_error_set(err, PL_EIO, l->path, "ledger %s: %s", what, sqlite3_errmsg(l->db));
}

pl_status pl_ledger_open(const char *dir, pl_ledger **out, pl_error *err)
{
    *out = NULL;
    pl_status st = pl_mkdirs(dir, err);
    if (st != PL_OK)
        return st;
    pl_ledger *l = pl_calloc(1, sizeof *l, "ledger", err);
    if (!l)
        return err ? err->code : PL_ENOMEM;
    snprintf(l->path, sizeof l->path, "%s/%s", dir, PL_LEDGER_NAME);
    if (sqlite3_open_v2(l->path, &l->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
            SQLITE_OK ||
        sqlite3_busy_timeout(l->db, 30000) != SQLITE_OK || sqlite3_exec(l->db, schema, NULL, NULL, NULL) != SQLITE_OK ||
        !add_tag_column(l->db) ||
        sqlite3_prepare_v2(l->db,
                           "SELECT 1 FROM files WHERE label=?1 AND rel=?2 AND size=?3 AND mtime_ns=?4 AND "
                           "coalesce(tag,'')=?5 AND status IN ('done','skipped')",
                           -1, &l->is_done, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(l->db,
                           "INSERT OR REPLACE INTO files(label,rel,path,size,mtime_ns,content_hash,status,error_code,"
                           "error,seconds,peak_rss,work_units,summary,extra_json,tag) "
                           "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)",
                           -1, &l->record, NULL) != SQLITE_OK) {
        st = db_error(l, err, "cannot be opened");
        pl_ledger_close(l);
        return st;
    }
    *out = l;
    return PL_OK;
}

void pl_ledger_close(pl_ledger *l)
{
    if (!l)
        return;
    sqlite3_finalize(l->is_done);
    sqlite3_finalize(l->record);
    sqlite3_close(l->db);
    pl_free(l);
}

bool pl_ledger_is_done(pl_ledger *l, const char *label, const char *rel, uint64_t size, int64_t mtime_ns,
                       const char *tag)
{
    sqlite3_stmt *s = l->is_done;
    sqlite3_reset(s);
    sqlite3_bind_text(s, 1, label, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, rel, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)size);
    sqlite3_bind_int64(s, 4, mtime_ns);
    sqlite3_bind_text(s, 5, tag ? tag : "", -1, SQLITE_STATIC);
    bool done = sqlite3_step(s) == SQLITE_ROW;
    sqlite3_reset(s);
    return done;
}

static void bind_text_or_null(sqlite3_stmt *s, int i, const char *v)
{
    if (v && *v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, i);
}

pl_status pl_ledger_record(pl_ledger *l, const pl_ledger_entry *e, pl_error *err)
{
    sqlite3_stmt *s = l->record;
    sqlite3_reset(s);
    sqlite3_bind_text(s, 1, e->label, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, e->rel, -1, SQLITE_STATIC);
    bind_text_or_null(s, 3, e->path);
    sqlite3_bind_int64(s, 4, (sqlite3_int64)e->size);
    sqlite3_bind_int64(s, 5, e->mtime_ns);
    bind_text_or_null(s, 6, e->content_hash);
    sqlite3_bind_text(s, 7, e->status, -1, SQLITE_STATIC);
    bind_text_or_null(s, 8, e->error_code);
    bind_text_or_null(s, 9, e->error);
    sqlite3_bind_double(s, 10, e->seconds);
    sqlite3_bind_int64(s, 11, (sqlite3_int64)e->peak_rss);
    sqlite3_bind_int64(s, 12, (sqlite3_int64)e->work_units);
    bind_text_or_null(s, 13, e->summary);
    bind_text_or_null(s, 14, e->extra_json);
    bind_text_or_null(s, 15, e->tag);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? PL_OK : db_error(l, err, "cannot record a file");
}

/* Whether the attached ledger `src` has the tag column (ledgers written before it existed do not). */
static bool src_has_tag(sqlite3 *db)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_table_info('files','src') WHERE name='tag'", -1, &s, NULL) !=
        SQLITE_OK)
        return false;
    bool has = sqlite3_step(s) == SQLITE_ROW;
    sqlite3_finalize(s);
    return has;
}

pl_status pl_ledger_merge_from(pl_ledger *l, const char *src_dir, pl_error *err)
{
    static const char cols[] = "label,rel,path,size,mtime_ns,content_hash,status,error_code,error,seconds,peak_rss,"
                               "work_units,summary,extra_json,updated";
    char src[PL_PATH_MAX], *sql = NULL;
    snprintf(src, sizeof src, "%s/%s", src_dir, PL_LEDGER_NAME);
    char *attach = sqlite3_mprintf("ATTACH DATABASE %Q AS src", src);
    int rc = sqlite3_exec(l->db, attach, NULL, NULL, NULL);
    sqlite3_free(attach);
    if (rc == SQLITE_OK) {
        const char *tag = src_has_tag(l->db) ? ",tag" : "";
        sql = sqlite3_mprintf("INSERT OR REPLACE INTO main.files(%s%s) SELECT %s%s FROM src.files s WHERE NOT EXISTS ("
                              " SELECT 1 FROM main.files m WHERE m.label=s.label AND m.rel=s.rel AND "
                              "m.updated > s.updated);"
                              "DETACH DATABASE src;",
                              cols, tag, cols, tag);
        rc = sqlite3_exec(l->db, sql, NULL, NULL, NULL);
    }
    sqlite3_free(sql);
    if (rc != SQLITE_OK) {
        pl_status st = db_error(l, err, "merge failed");
        sqlite3_exec(l->db, "DETACH DATABASE src", NULL, NULL, NULL);
        return pl_error_set(err, st, src, "%s", err ? err->msg : "ledger merge failed");
    }
    return PL_OK;
}

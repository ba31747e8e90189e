/* Internal: the batch ledger (SQLite in the output folder). Only the parent process writes it. */
#ifndef PLATEAU_BATCH_LEDGER_H
#define PLATEAU_BATCH_LEDGER_H

#include <stdbool.h>
#include <stdint.h>

#include "plateau/batch.h"

typedef struct pl_ledger pl_ledger;

typedef struct pl_ledger_entry {
    const char *label; /* the command: "convert", "analyze", "trim" */
    const char *rel;   /* key together with label */
    const char *path;
    uint64_t size;
    int64_t mtime_ns;
    const char *content_hash;
    const char *status;     /* "done", "skipped", "failed", "running" */
    const char *error_code; /* pl_status_str, or NULL */
    const char *error;      /* message, or NULL */
    double seconds;
    uint64_t peak_rss;
    uint64_t work_units;
    const char *summary;
    const char *extra_json;
    const char *tag; /* pl_batch_options.ledger_tag of the run; may be NULL */
} pl_ledger_entry;

pl_status pl_ledger_open(const char *dir, pl_ledger **out, pl_error *err);
void pl_ledger_close(pl_ledger *l);

/* True when (label, rel) is recorded as done with the same size and mtime (so its content hash is trusted) under the
 * same tag (NULL and "" are the same: no tag). */
bool pl_ledger_is_done(pl_ledger *l, const char *label, const char *rel, uint64_t size, int64_t mtime_ns,
                       const char *tag);
pl_status pl_ledger_record(pl_ledger *l, const pl_ledger_entry *e, pl_error *err);

/* Copies every row of the ledger in src_dir into the one in l (newest wins per key); used by plateau merge. */
pl_status pl_ledger_merge_from(pl_ledger *l, const char *src_dir, pl_error *err);

#endif

/* plateau: progress bar on stderr and the JSON-lines event log.
 *
 * These are the only parts of the library that write to a stream, and only to the stream the caller chose. */
#ifndef PLATEAU_PROGRESS_H
#define PLATEAU_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "plateau/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { PL_PROGRESS_AUTO, PL_PROGRESS_ALWAYS, PL_PROGRESS_NEVER } pl_progress_mode;

pl_status pl_progress_mode_parse(const char *text, pl_progress_mode *mode, pl_error *err);

typedef struct pl_progress pl_progress;

/* total_items/total_bytes may be 0 when unknown. AUTO draws only when stderr is a terminal. */
pl_progress *pl_progress_new(pl_progress_mode mode, const char *label, uint64_t total_items, uint64_t total_bytes);
void pl_progress_set_total(pl_progress *p, uint64_t total_items, uint64_t total_bytes);
/* Redraws at most ~10 times a second; cheap to call often. mem_in_use may be 0 (not shown). */
void pl_progress_update(pl_progress *p, uint64_t items_done, uint64_t bytes_done, size_t mem_in_use);
/* Prints a line above the bar without tearing it (per-file outcome lines). */
void pl_progress_println(pl_progress *p, FILE *stream, const char *line);
/* Erases the bar; frees p. NULL is a no-op. */
void pl_progress_finish(pl_progress *p);
bool pl_progress_active(const pl_progress *p);

/* --log FILE: one JSON object per line and per event. Appends; each event is one write(2) so that
 * several processes may share a log file. */
typedef struct pl_log pl_log;

pl_status pl_log_open(const char *path, pl_log **out, pl_error *err);
/* One file's outcome. error may be NULL; extra_json, when not NULL, is a JSON object's members
 * ("\"outputs\":3,\"skipped\":false") spliced into the event. */
void pl_log_file_event(pl_log *log, const char *path, const char *status, double seconds, size_t peak_rss,
                       const char *error, const char *extra_json);
void pl_log_close(pl_log *log);

/* Writes s as a JSON string literal (with quotes) into buf. Returns the length, or -1 if it did not fit. */
int pl_json_quote(const char *s, char *buf, size_t size);

/* Monotonic seconds. */
double pl_now(void);

#ifdef __cplusplus
}
#endif
#endif

/* plateau: a lab's metadata log (one row per cell or recording in an .xlsx/.xls workbook) matched to recordings.
 *
 * The log is read once, in full, into a small lookup table keyed by recording name (it is a few hundred rows; it is
 * bounded anyway: file size, rows and stored bytes). A row names its recording either with a file column (a header
 * such as "file", "filename", ".abf file", "abf", "nwb file") or with recDate + fileNum (-> YYYY_MM_DD_NNNN). A
 * recording matches a row when its file stem equals the row's name, starts with "<name>_" or ends with "_<name>"
 * (letters compared without case); equal names win over partial ones, and two rows matching one recording at the
 * same level make it ambiguous: neither is used. */
#ifndef PLATEAU_METADATA_LOG_H
#define PLATEAU_METADATA_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "plateau/error.h"
#include "plateau/hash.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Safety limits: a metadata log is a small hand-kept workbook. */
#define PL_METADATA_LOG_MAX_BYTES ((uint64_t)32 << 20) /* file size */
#define PL_METADATA_LOG_MAX_ROWS 100000                /* data rows */
#define PL_METADATA_LOG_DETECT_ROWS 10                 /* header detection looks at rows 1..10 */

typedef struct pl_metadata_log pl_metadata_log;

typedef struct pl_metadata_log_options {
    long header_row;   /* 1-based; 0 = the first of rows 1..10 holding a key column */
    const char *sheet; /* a sheet's name or 0-based index; NULL = the first sheet */
} pl_metadata_log_options;

/* Reads one sheet of the workbook at path (opt may be NULL: defaults). Errors (one line, naming the file): missing
 * or unreadable file, not a workbook, too large, no such sheet, no key column, header row beyond the sheet. */
pl_status pl_metadata_log_load(const char *path, const pl_metadata_log_options *opt, pl_metadata_log **out,
                               pl_error *err);
void pl_metadata_log_free(pl_metadata_log *log);

const char *pl_metadata_log_path(const pl_metadata_log *log);
const char *pl_metadata_log_sheet(const pl_metadata_log *log);   /* the sheet's name */
uint32_t pl_metadata_log_header_row(const pl_metadata_log *log); /* 1-based, as found or given */
size_t pl_metadata_log_rows(const pl_metadata_log *log);         /* rows holding a recording name */
size_t pl_metadata_log_keyless_rows(const pl_metadata_log *log); /* data rows without a usable name */
/* "recDate + fileNum", "'.abf file'", or both joined with " or ". */
const char *pl_metadata_log_key(const pl_metadata_log *log);
/* SHA-256 of the log's bytes and the header row: the batch ledger's tag, so a changed log re-checks every bundle. */
const char *pl_metadata_log_hash(const pl_metadata_log *log);

typedef enum { PL_META_NONE = 0, PL_META_MATCHED, PL_META_AMBIGUOUS } pl_metadata_match_kind;

typedef struct pl_metadata_match {
    pl_metadata_match_kind kind;
    uint32_t row;            /* 1-based sheet row of the match (MATCHED), or the first of the rows (AMBIGUOUS) */
    uint32_t other_row;      /* AMBIGUOUS: a second row matching as well */
    const char *name;        /* the row's recording name as the log spells it (normalised to lower case) */
    const char *fields_json; /* MATCHED: compact JSON object {header: typed value}, empty cells left out */
    const char *hash;        /* MATCHED: SHA-256 of the row number and fields (what a bundle records) */
} pl_metadata_match;

/* The row for a recording, by the file stem of rel (a path; folders and extension are ignored). */
void pl_metadata_log_match(const pl_metadata_log *log, const char *rel, pl_metadata_match *m);

#ifdef __cplusplus
}
#endif
#endif

/* plateau: laser-trim analysis (docs/trim.md, design/lasertrim.md).
 *
 * Numbers: pure functions with no I/O (filter, bounded Brent search, statistics, per-track analysis).
 * Reading: a workbook (System A or B) into tracks. Storage: results in SQLite. One calculation path for every
 * batch size: the same file gives the same numbers alone or in a batch. */
#ifndef PLATEAU_TRIM_H
#define PLATEAU_TRIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "plateau/error.h"
#include "plateau/workbook.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PL_TRIM_ANALYSIS_VERSION 1

/* ---- numerics (src/trim/filter.c, brent.c, stats.c) ---- */

/* Butterworth low-pass of order `order` (1..8) at normalized cutoff wn (0 < wn < 1, Nyquist = 1), designed like
 * scipy.signal.butter: analog prototype, frequency pre-warping, bilinear transform. b and a get order+1 values. */
pl_status pl_trim_butter(int order, double wn, double *b, double *a, pl_error *err);
/* The coefficients of butter(5, 0.8) as published in lasertrim.md. */
extern const double pl_trim_butter_b[6], pl_trim_butter_a[6];

/* Direct form II transposed filter (scipy.signal.lfilter); a[0] must be 1. zi (m-1 values) may be NULL (zero state);
 * when zf is not NULL it receives the final state. x and y may be the same array. */
void pl_trim_lfilter(const double *b, const double *a, size_t m, const double *x, double *y, size_t n, const double *zi,
                     double *zf);
/* Steady-state initial state for a step input (scipy.signal.lfilter_zi); m <= 9. */
pl_status pl_trim_lfilter_zi(const double *b, const double *a, size_t m, double *zi, pl_error *err);
/* Zero-phase forward-backward filter with odd extension of padlen samples (scipy filtfilt, padtype='odd').
 * Needs n > padlen. y may equal x. */
pl_status pl_trim_filtfilt(const double *b, const double *a, size_t m, const double *x, double *y, size_t n,
                           size_t padlen, pl_error *err);

typedef double (*pl_trim_scalar_fn)(void *ctx, double x);
typedef struct pl_trim_fmin_result {
    double x, fx;
    int evaluations;
    bool converged; /* false when maxiter evaluations were used */
} pl_trim_fmin_result;
/* Bounded Brent minimisation (the published fminbound algorithm as in scipy minimize_scalar(method='bounded')),
 * reproducing its sequence of evaluations. */
pl_trim_fmin_result pl_trim_fminbound(pl_trim_scalar_fn f, void *ctx, double lo, double hi, double xatol, int maxiter);

/* Statistics. median and the sort use `work` (n doubles) as scratch. */
double pl_trim_median(const double *v, size_t n, double *work);
double pl_trim_mean(const double *v, size_t n);
double pl_trim_std_sample(const double *v, size_t n); /* ddof = 1; NAN when n < 2 */
/* Least-squares line y = slope * x + intercept (numpy.polyfit(x, y, 1)). */
void pl_trim_linefit(const double *x, const double *y, size_t n, double *slope, double *intercept);

/* ---- one track ---- */

/* Arrays of one sheet's kept rows. NaN marks a missing limit (and a non-numeric error). */
typedef struct pl_trim_series {
    double *x, *e, *u, *l;
    size_t n, cap;
} pl_trim_series;

pl_status pl_trim_series_push(pl_trim_series *s, double x, double e, double u, double l, pl_error *err);
void pl_trim_series_free(pl_trim_series *s);

typedef enum { PL_TRIM_PASS = 0, PL_TRIM_WARNING, PL_TRIM_FAIL, PL_TRIM_ERROR } pl_trim_status;
typedef enum { PL_TRIM_RISK_LOW = 0, PL_TRIM_RISK_MEDIUM, PL_TRIM_RISK_HIGH } pl_trim_risk;
typedef enum { PL_TRIM_OFFSET_MEDIAN = 0, PL_TRIM_OFFSET_BRENT, PL_TRIM_OFFSET_MEAN } pl_trim_offset_source;
/* Which offset the pass/fail decision uses: the original's Brent search (default, matches the reference)
 * or the exact optimum from the breakpoint sweep. */
typedef enum { PL_TRIM_OFFSET_MODE_BRENT = 0, PL_TRIM_OFFSET_MODE_EXACT } pl_trim_offset_mode;

const char *pl_trim_status_name(pl_trim_status s);               /* "PASS", "WARNING", "FAIL", "ERROR" */
const char *pl_trim_risk_name(pl_trim_risk r);                   /* "LOW", "MEDIUM", "HIGH" */
const char *pl_trim_offset_source_name(pl_trim_offset_source s); /* "median", "brent", "mean" */

/* What the analysis needs besides the arrays. NaN when missing. */
typedef struct pl_trim_track_meta {
    const char *model; /* from the file name (threshold rules); may be NULL */
    double unit_length;
    double r_untrim, r_trim;
} pl_trim_track_meta;

#define PL_TRIM_ZONES 3
typedef struct pl_trim_result {
    bool valid;
    char invalid_reason[128];
    size_t n;
    double travel; /* max x - min x of all positions */
    /* sigma */
    double sigma, threshold, sigma_margin, sigma_ratio;
    bool sigma_pass;
    size_t n_gradients;
    bool filtered;   /* which filter ran: none (N < 15), lfilter, filtfilt */
    int filter_kind; /* 0 none, 1 lfilter, 2 filtfilt */
    /* linearity */
    double lin_spec;      /* S_lin */
    double median_offset; /* med(d) */
    double offset;        /* used for pass/fail */
    pl_trim_offset_source offset_source;
    double brent_offset; /* where the bounded search ended */
    size_t brent_violations;
    int brent_evaluations;
    double exact_offset; /* a point of the true minimum count (middle of the first best interval) */
    size_t exact_violations;
    size_t median_violations;
    double lin_err_shifted, lin_err_raw;
    size_t fail_points;
    bool lin_pass;
    double max_dev, max_dev_pos;
    /* resistance */
    double r_untrim, r_trim, r_change, r_change_pct;
    /* zones */
    double zone_rms[PL_TRIM_ZONES];
    int worst_zone; /* 1-based */
    double risk_p;
    pl_trim_risk risk;
    pl_trim_status status;
} pl_trim_result;

/* Analyses one track's trimmed (or only) series. Pure: no I/O. Fails only on memory (scratch arrays). */
pl_status pl_trim_analyze_track(const pl_trim_series *s, const pl_trim_track_meta *meta, pl_trim_offset_mode mode,
                                pl_trim_result *r, pl_error *err);

/* Number of points whose error plus offset leaves [L, U] (points with a missing limit or error are not counted). */
size_t pl_trim_violations(const pl_trim_series *s, double offset);

/* Threshold T for a model and limit half-width S (rules of lasertrim.md). */
double pl_trim_threshold(const char *model, double spec, double unit_length, double travel);

/* File status from track statuses (ERROR when n == 0 or every track is ERROR). */
pl_trim_status pl_trim_file_status(const pl_trim_status *tracks, size_t n);

/* ---- names and sheets (src/trim/names.c) ---- */

typedef struct pl_trim_name {
    bool parsed;                          /* false: a warning, not a failure */
    char model[64], serial[64], track[8]; /* track: "TA"/"TB" (System B names) or "" */
    int year, month, day, hour, minute;   /* 0 when absent */
    bool has_date;
} pl_trim_name;

/* Parses "MODEL_SERIAL_TEST DATA_M-D-YYYY_H-MM AM.xls" and "MODEL_SERIAL_TA_Test Data_M-D-YYYY_H-MM AM...". */
void pl_trim_parse_name(const char *file_name, pl_trim_name *out);
/* Files the walk must skip: "~$*", ".*", "_backup_*". */
bool pl_trim_skip_name(const char *file_name);

typedef enum { PL_TRIM_SYSTEM_NONE = 0, PL_TRIM_SYSTEM_A, PL_TRIM_SYSTEM_B } pl_trim_system;

#define PL_TRIM_MAX_TRACKS 2
typedef struct pl_trim_sheet_map {
    pl_trim_system system;
    bool template_only; /* no track sheets at all */
    size_t n_tracks;
    struct {
        char id[16];             /* "TRK1", "TRK2", "default" */
        long untrimmed, trimmed; /* sheet indexes, -1 when absent */
    } track[PL_TRIM_MAX_TRACKS];
} pl_trim_sheet_map;

/* System detection and sheet mapping from the sheet names alone. PL_EFORMAT names the file and its sheets when
 * neither system matches (path only for the message). */
pl_status pl_trim_map_sheets(const char *const *names, size_t n, const char *path, pl_trim_sheet_map *map,
                             pl_error *err);

/* ---- reading rows into a track (src/trim/rows.c), shared by the workbook path and the test drivers ---- */

/* Column layout of one system: 0-based columns of error, position, upper, lower; first data row. */
typedef struct pl_trim_layout {
    uint32_t col_e, col_x, col_u, col_l;
    uint32_t first_row;
} pl_trim_layout;
extern const pl_trim_layout pl_trim_layout_a, pl_trim_layout_b;

/* Adds one row to the series when its position is numeric (a missing error becomes 0.0; text error NaN). */
pl_status pl_trim_take_row(const pl_trim_layout *lay, const pl_row *row, pl_trim_series *s, pl_error *err);
/* A named cell's number (NUMBER, DATE, or text holding a number), else NaN. */
double pl_trim_cell_number(const pl_cell *c);

/* ---- a whole file (src/trim/file.c) ---- */

typedef struct pl_trim_track {
    char id[16];
    char sheet_trimmed[64], sheet_untrimmed[64];
    pl_trim_series data;      /* analysed series (trimmed, else untrimmed) */
    pl_trim_series untrimmed; /* for plots; n = 0 when absent */
    pl_trim_track_meta meta;
    pl_trim_result result;
} pl_trim_track;

typedef struct pl_trim_file {
    char path[4096];
    char name[512];
    pl_trim_name parsed;
    pl_trim_system system;
    bool template_only;
    size_t n_tracks;
    pl_trim_track track[PL_TRIM_MAX_TRACKS];
    double file_date; /* Excel days from the name or metadata, NaN when unknown */
    pl_trim_status status;
    char note[256]; /* warnings (a name that did not parse) */
} pl_trim_file;

/* What loading needs from one sheet: its rows in order, then its named cells. The workbook path wraps pl_sheet;
 * the test drivers wrap JSON dumps. */
typedef struct pl_trim_sheet_feed {
    pl_status (*next)(void *ctx, const pl_row **row, pl_error *err); /* PL_OK, PL_DONE or an error */
    const pl_cell *(*cell)(void *ctx, const char *ref);              /* a captured named cell or NULL */
    void *ctx;
} pl_trim_sheet_feed;

/* Named cells a sheet of this system must capture (NULL-terminated). */
const char *const *pl_trim_named_cells(pl_trim_system system);
/* Reads one mapped sheet of track k (trimmed or untrimmed) into f. */
pl_status pl_trim_load_sheet(pl_trim_file *f, size_t k, bool trimmed, const pl_trim_sheet_feed *feed, pl_error *err);
/* Sets up f for a file of this name and sheet map (before loading sheets). */
void pl_trim_file_init(pl_trim_file *f, const char *path, const pl_trim_sheet_map *map, const char *const *sheet_names);

/* Opens the workbook, maps sheets, reads every track (one pass per sheet), analyses. A template gives PL_OK with
 * template_only and status ERROR. Errors name the file. */
pl_status pl_trim_read_file(const char *path, pl_trim_offset_mode mode, pl_trim_file *f, pl_error *err);
/* Analyses the tracks already loaded in f (used by pl_trim_read_file and the JSON test driver). */
pl_status pl_trim_analyze_file(pl_trim_file *f, pl_trim_offset_mode mode, pl_error *err);
void pl_trim_file_free(pl_trim_file *f);

/* ---- results database (src/trim/db.c): SQLite, WAL, one short transaction per file ---- */

typedef struct pl_trim_db pl_trim_db;
struct sqlite3;

/* Opens (creating the schema when `create`) with WAL and a busy timeout, so that worker processes can write. */
pl_status pl_trim_db_open(const char *path, bool create, pl_trim_db **out, pl_error *err);
void pl_trim_db_close(pl_trim_db *db);
struct sqlite3 *pl_trim_db_handle(pl_trim_db *db);

pl_status pl_trim_db_begin_batch(pl_trim_db *db, const char *command, int64_t *batch_id, pl_error *err);
pl_status pl_trim_db_end_batch(pl_trim_db *db, int64_t batch_id, size_t total, size_t done, size_t skipped,
                               size_t failed, double seconds, pl_error *err);
/* Whether a file with this content hash is stored, and with which analysis version. */
pl_status pl_trim_db_lookup(pl_trim_db *db, const char *sha256, bool *found, int *version, pl_error *err);
/* Stores one analysed file and its tracks in one transaction (replacing a stored file of the same content). */
pl_status pl_trim_db_store(pl_trim_db *db, int64_t batch_id, const char *sha256, const pl_trim_file *f, double seconds,
                           pl_error *err);
/* Records what happened to an input in a batch: "analysed", "skipped" or "failed", with the reason. */
pl_status pl_trim_db_note(pl_trim_db *db, int64_t batch_id, const char *sha256, const char *path, const char *outcome,
                          const char *reason, pl_error *err);

/* Copies into dest_db (created when missing) every file of src_db whose content is not in dest_db yet, with its
 * tracks, and src's batches and batch records (a pl_merge_db_fn for plateau merge of shard outputs). */
pl_status pl_trim_db_merge(const char *dest_db, const char *src_db, pl_error *err);
/* Draws the summary plot (plots/summary.png) and report.html of out_dir again from out_dir/trim.db over every batch
 * (after plateau merge). Does nothing when there is no trim.db. */
pl_status pl_trim_write_summaries(const char *out_dir, pl_error *err);

/* ---- selecting and printing stored results (src/trim/output.c) ---- */

typedef enum { PL_TRIM_FORMAT_TABLE = 0, PL_TRIM_FORMAT_JSON, PL_TRIM_FORMAT_CSV } pl_trim_format;
pl_status pl_trim_format_parse(const char *text, pl_trim_format *out, pl_error *err);

typedef struct pl_trim_filter {
    const char *model, *serial, *status, *risk; /* exact (case-insensitive); NULL = any */
    const char *since, *until;                  /* file dates "YYYY-MM-DD[...]"; until is inclusive of that day */
    int64_t batch_id;                           /* 0 = any; else files analysed or skipped in that batch */
    long limit;                                 /* 0 = no limit */
} pl_trim_filter;

/* Calls fn for every stored track that passes the filter (ordered by file name, track), with the statement
 * positioned on a row whose columns are named as in pl_trim_track_columns. */
struct sqlite3_stmt;
typedef pl_status (*pl_trim_row_fn)(void *ctx, struct sqlite3_stmt *row, pl_error *err);
pl_status pl_trim_select(pl_trim_db *db, const pl_trim_filter *flt, pl_trim_row_fn fn, void *ctx, pl_error *err);
/* Column names of the rows pl_trim_select yields, NULL-terminated. */
extern const char *const pl_trim_track_columns[];
/* Prints selected tracks as an aligned table, JSON array or CSV. *count receives the number of rows. */
pl_status pl_trim_print(pl_trim_db *db, const pl_trim_filter *flt, pl_trim_format fmt, FILE *out, size_t *count,
                        pl_error *err);
/* Per model: tracks, pass rate, sigma mean/stdev, Cpk of the shifted linearity error against the spec. */
pl_status pl_trim_print_stats(pl_trim_db *db, const pl_trim_filter *flt, pl_trim_format fmt, FILE *out, pl_error *err);

/* Writes a report of the selected tracks: "xlsx" (summary sheet and one row per track), "csv" or "html" (summary,
 * plots when plots_dir is given, sortable table). Atomic. plots_dir is written into links as given. */
pl_status pl_trim_report(pl_trim_db *db, const pl_trim_filter *flt, const char *format, const char *path,
                         const char *plots_dir, pl_error *err);

/* ---- the analyze pipeline (src/trim/analyze.c) ---- */

typedef struct pl_trim_run_options {
    const char *out_dir; /* results, plots, report */
    const char *db_path; /* default OUT/trim.db */
    bool plots;          /* per-track PNGs and the summary plot */
    bool force;          /* re-analyse files whose content is already stored */
    pl_trim_offset_mode offset_mode;
    pl_trim_format format; /* per-track results on `out` */
    FILE *out;             /* NULL: print nothing */
} pl_trim_run_options;

/* Walks paths (xls, xlsx), runs every file through the batch engine (one file per job, stored in one transaction),
 * then prints the batch's tracks and writes the summary plot and report. PL_OK when no file failed. */
struct pl_batch_options;
struct pl_batch_summary;
pl_status pl_trim_run(const pl_trim_run_options *opt, const struct pl_batch_options *batch, char *const *paths,
                      size_t n_paths, struct pl_batch_summary *summary, pl_error *err);

#ifdef __cplusplus
}
#endif
#endif

/* plateau: the batch engine.
 *
 * A command walks its inputs into a list of pl_batch_input, then hands the list and a job function to pl_batch_run.
 * The job function processes one file and reports its outcome; it must not print (the engine prints one outcome line
 * per file, the progress bar, the JSON log and the final summary). The engine runs each file in a worker process
 * under the memory budget, so a crash or runaway allocation fails only that file; it keeps a ledger in the output
 * folder so that a re-run skips what is done. */
#ifndef PLATEAU_BATCH_H
#define PLATEAU_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plateau/afile.h"
#include "plateau/error.h"
#include "plateau/progress.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pl_batch_input {
    char path[PL_PATH_MAX]; /* as given or found */
    char rel[PL_PATH_MAX];  /* relative to the root it was found under ("sub-01/cell.nwb"; the name for a file given
                               directly) */
    uint64_t size;
    const char *format;    /* "nwb", "abf", "xlsx", "xls", or NULL when unknown */
    char content_hash[65]; /* SHA-256 of the content, filled in by the engine before the job runs ("" if unknown) */
} pl_batch_input;

/* What a job reports for one file. */
typedef struct pl_job_outcome {
    bool skipped;          /* already complete (same content): counted as skipped, not failed */
    char summary[256];     /* one line for people: "97 sweeps, 19.4 M samples" or why it was skipped */
    char extra_json[2048]; /* JSON object members for the log: "\"sweeps\":97"; may be empty */
    uint64_t work_units;   /* samples, rows, ... (for throughput); may be 0 */
} pl_job_outcome;

/* Processes one input. Returns PL_OK (done or skipped) or an error for this file only. */
typedef pl_status (*pl_job_fn)(void *ctx, const pl_batch_input *in, pl_job_outcome *out, pl_error *err);
/* Estimated peak bytes a job needs for this input (for scheduling); may be NULL. */
typedef size_t (*pl_job_estimate_fn)(void *ctx, const pl_batch_input *in);

/* What a run would do, without doing it: `plateau slurm submit` sizes a job array from the command's own walk, shard
 * selection and per-file estimates before anything is submitted. */
typedef struct pl_batch_plan {
    int shards;             /* in: how many shards the run will be split into (>= 1) */
    size_t files;           /* out: inputs found */
    uint64_t bytes;         /* out: their total size */
    size_t max_estimate;    /* out: the largest per-file estimate (what the engine reserves for one file) */
    size_t largest_shard;   /* out: files in the fullest shard */
    uint64_t largest_bytes; /* out: bytes in the shard holding the most bytes */
    size_t empty_shards;    /* out: shards that select no file */
} pl_batch_plan;

typedef struct pl_batch_options {
    const char *label;   /* "convert", "trim" (progress bar, summary) */
    int jobs;            /* worker processes; 0 = number of cores */
    size_t memory_limit; /* shared by all workers; 0 = unlimited */
    double timeout_s;    /* per file: > 0 seconds; 0 = automatic (pl_batch_default_timeout); < 0 = none */
    pl_progress_mode progress;
    const char *log_path;         /* JSON lines; may be NULL */
    const char *ledger_dir;       /* folder for the ledger (ledger.sqlite); NULL = no ledger */
    int shard_index, shard_count; /* 1-based; shard_count 0 = all */
    bool force;                   /* ignore the ledger's "done" */
    const char *ledger_tag;       /* what else decides the outputs besides the input (e.g. a metadata log's hash); a
                                     file recorded done under another tag is handed to its job again, which decides
                                     whether its outputs are current. NULL = none */
    bool quiet;                   /* no per-file lines */
    int verbose;
    bool in_process;       /* run jobs in this process, one at a time (debugging; no crash isolation) */
    pl_batch_plan *plan;   /* non-NULL: fill it in and run nothing (no ledger, log or output is touched) */
    const char *done_path; /* removed at start; written (JSON counts) once every selected file was tried, so a
                              scheduler can tell a finished shard (even with failed files) from an interrupted one */
} pl_batch_options;

typedef struct pl_batch_summary {
    size_t total, done, skipped, failed;
    size_t failed_by_code[PL_EINTERNAL + 1]; /* failures counted by pl_status */
    double seconds;                          /* wall time of the whole batch */
    double job_seconds;                      /* sum of the files' own times */
    size_t peak_rss;                         /* largest worker peak RSS */
    size_t peak_charged;                     /* largest peak of memory charged to a worker's budget */
    size_t peak_tree_rss;                    /* largest sum of RSS over the parent and its running workers */
    uint64_t work_units;
} pl_batch_summary;

/* Name of the ledger file the engine keeps in ledger_dir. */
#define PL_LEDGER_NAME "plateau-ledger.sqlite"

/* Walks files and folders (recursively), and "@list.txt" files listing paths, keeping files whose format (by magic
 * bytes; extension as a tie-breaker) is in `formats` (NULL-terminated, e.g. {"nwb","abf",NULL}). Skips hidden files,
 * Office lock files (~$*) and our own temporaries. The result is ordered largest first. *out is pl_alloc'd. */
pl_status pl_batch_walk(char *const *paths, size_t n_paths, const char *const *formats, pl_batch_input **out,
                        size_t *n_out, pl_error *err);

/* The per-file time limit when none is given: 10 minutes plus 2 seconds per MB of input (0.5 MB/s, ten times below
 * the slowest conversion measured), so a worker stuck in a library on damaged bytes cannot hold a batch forever. */
double pl_batch_default_timeout(uint64_t input_bytes);

/* The shard of this process when it is a task of a Slurm job array (--shard auto): index = SLURM_ARRAY_TASK_ID -
 * SLURM_ARRAY_TASK_MIN + 1 of SLURM_ARRAY_TASK_COUNT. An error names the variable that is missing or wrong, and an
 * array with gaps (a list or a step) is refused, since its tasks cannot be numbered 1..N. */
pl_status pl_batch_shard_from_env(int *index, int *count, pl_error *err);

/* Format of a file by its first bytes: "nwb" (HDF5), "abf", "xlsx" (zip with xl/), "xls" (CFB), or NULL. */
const char *pl_detect_format(const char *path);

/* Runs job over every input; prints outcome lines and the summary to stderr unless quiet. Returns PL_OK when no
 * file failed. */
pl_status pl_batch_run(const pl_batch_options *opt, const pl_batch_input *inputs, size_t n, pl_job_fn job,
                       pl_job_estimate_fn estimate, void *ctx, pl_batch_summary *summary, pl_error *err);

/* Combines the outputs and ledgers of shard runs (src folders) into dest: every output file is copied (hard-linked
 * when possible) under the same relative path, ledgers are merged row by row. A file present in two sources with
 * different content is an error, except SQLite result databases, which are handed to merge_db when given
 * (e.g. the laser-trim database) and otherwise reported. */
typedef pl_status (*pl_merge_db_fn)(const char *dest_db, const char *src_db, pl_error *err);
/* `regenerated` (NULL-terminated, may be NULL) names batch-level summaries (a report, a summary plot) that differ
 * between shards by nature: they are left out, for the caller to draw again from the merged results. */
pl_status pl_batch_merge(const char *dest, char *const *srcs, size_t n_srcs, pl_merge_db_fn merge_db,
                         const char *const *regenerated, pl_error *err);

#ifdef __cplusplus
}
#endif
#endif

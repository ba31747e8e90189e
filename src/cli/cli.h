/* The CLI: argument parsing, help, and mapping of statuses to exit codes. No domain logic lives here. */
#ifndef PLATEAU_CLI_H
#define PLATEAU_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "plateau/error.h"
#include "plateau/progress.h"

enum { CLI_EXIT_OK = 0, CLI_EXIT_FAILED = 1, CLI_EXIT_USAGE = 2 };

/* Options shared by commands; a command says which it takes with a mask. */
enum {
    CLI_JOBS = 1 << 0,     /* -j/--jobs N */
    CLI_MEMORY = 1 << 1,   /* --memory-limit SIZE */
    CLI_PROGRESS = 1 << 2, /* --progress=auto|always|never */
    CLI_LOG = 1 << 3,      /* --log FILE */
    CLI_SHARD = 1 << 4,    /* --shard I/N (or auto) and --done-file FILE */
    CLI_TIMEOUT = 1 << 5,  /* --timeout SECONDS */
    CLI_BATCH = CLI_JOBS | CLI_MEMORY | CLI_PROGRESS | CLI_LOG | CLI_SHARD | CLI_TIMEOUT
};

typedef struct cli_common {
    int jobs;            /* 0 = number of cores */
    size_t memory_limit; /* bytes */
    pl_progress_mode progress;
    const char *log_path;
    int verbose;                  /* -v count */
    bool quiet;                   /* -q */
    int shard_index, shard_count; /* shard_count 0 = no sharding */
    double timeout_s;             /* 0 = none */
    const char *done_path;        /* --done-file FILE, or NULL */
    struct pl_batch_plan *plan;   /* set by plateau slurm submit: parse, walk and estimate, run nothing */
} cli_common;

typedef struct cli_option {
    const char *name;    /* long name without dashes */
    char short_name;     /* 0 if none */
    const char *metavar; /* NULL for a flag */
    const char *help;
    int id; /* passed to the command's handler; >= 100 */
} cli_option;

typedef struct cli_command cli_command;

/* Returns 0 to continue, or an exit code (CLI_EXIT_USAGE after printing a one-line error). */
typedef int (*cli_option_handler)(void *state, int id, const char *arg);

struct cli_command {
    const char *name;          /* "sheet", "ephys convert" */
    const char *summary;       /* one line for plateau --help */
    const char *usage;         /* "FILE [options] -o OUT.parquet|OUT.csv" */
    const char *description;   /* paragraph(s) for COMMAND --help; may be NULL */
    unsigned common;           /* CLI_* mask */
    const cli_option *options; /* terminated by {0} */
    int min_args, max_args;    /* positional arguments; max -1 = unlimited */
    int (*run)(const cli_command *cmd, cli_common *common, int argc, char **argv);
};

/* Parses argv (argv[0] is the first word after the command name). Positional arguments are moved to the front of
 * argv and counted in *npos. Handles -h/--help (prints help, returns -1 meaning "exit 0 now"), -v, -q and the
 * common options of cmd->common. Unknown options and bad values: one line on stderr, returns CLI_EXIT_USAGE. */
int cli_parse(const cli_command *cmd, cli_common *common, int argc, char **argv, cli_option_handler handler,
              void *state, int *npos);

/* What one word of a command's arguments is, by the command's option table (plateau slurm submit rewrites a
 * command's paths and output folder for its tasks). A positional argument has opt NULL and is_value false. */
typedef struct cli_word {
    const cli_option *opt; /* the option this word names, or gives the value of */
    bool is_value;         /* the value of the option in the word before */
    const char *value;     /* an option word's value given in the same word (--name=VALUE, -xVALUE), else NULL */
    bool separator;        /* "--": the words after it are positional */
} cli_word;
/* Classifies argv[0..argc) (not reordered) into words[0..argc); argv must be arguments cli_parse accepted. */
void cli_words(const cli_command *cmd, int argc, char **argv, cli_word *words);
/* True for an option whose value names a file or folder (metavar FILE, LOG, OUT, DEST, DIR or PATH). */
bool cli_option_is_path(const cli_option *o);

/* "plateau sheet: <message>" on stderr and CLI_EXIT_USAGE. */
int cli_usage_error(const cli_command *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints an error's one-line form ("plateau: path: message") on stderr. */
void cli_print_error(const pl_error *err);
/* Prints the -v memory report (peak charged bytes, peak RSS) on stderr. */
void cli_report_memory(const cli_common *common);
void cli_print_help(const cli_command *cmd);
/* --plot-format: png, svg, pdf or jpeg (jpg). Sets *ext to the file extension to use. */
int cli_plot_format_arg(const cli_command *cmd, const char *arg, const char **ext);
/* Parses an integer option value in [lo, hi]. */
int cli_int_arg(const cli_command *cmd, const char *opt, const char *arg, long lo, long hi, long *out);

struct pl_batch_options;
/* The batch options every batch command shares, from the common options; ledger_dir is the output folder. */
void cli_batch_options(const cli_common *common, const char *label, const char *ledger_dir, bool force,
                       struct pl_batch_options *opt);

/* --metadata LOG and --metadata-header-row N of the recording commands: a lab's metadata log matched to recordings. */
typedef struct cli_metadata {
    const char *path; /* NULL = none */
    long header_row;  /* 1-based; 0 = detect */
    const char *sheet; /* NULL = the first */
} cli_metadata;

/* clang-format off */
/* id is the first of three consecutive option ids. */
#define CLI_METADATA_OPTIONS(id) \
    {"metadata", 0, "LOG", "a lab's metadata log (.xlsx/.xls); each recording's row goes into its manifest", (id)}, \
    {"metadata-header-row", 0, "N", "the log's header row (default: found in rows 1-10)", (id) + 1}, \
    {"metadata-sheet", 0, "NAME", "the log's sheet, by name or 0-based index (default: the first)", (id) + 2}
/* clang-format on */

/* Handles the value of option `which` of CLI_METADATA_OPTIONS: 0 --metadata, 1 --metadata-header-row, 2
 * --metadata-sheet. */
int cli_metadata_arg(const cli_command *cmd, cli_metadata *m, int which, const char *arg);

struct pl_batch_input;
struct pl_job_outcome;
struct pl_metadata_log;
/* Walks the positional paths for recordings (nwb, abf), runs job over them on the batch engine with the common
 * options, and reports memory: the whole of a recording batch command after its own options are parsed. With a
 * metadata log (meta->path), the log is loaded first (a bad log stops here), *log_slot points at it while the batch
 * runs (the job reads it, in the worker processes too), ambiguous matches are warned about and the matches counted. */
int cli_run_recordings(const cli_command *cmd, const cli_common *common, char **paths, int n_paths, const char *label,
                       const char *out_dir, bool force, const cli_metadata *meta,
                       const struct pl_metadata_log **log_slot,
                       pl_status (*job)(void *, const struct pl_batch_input *, struct pl_job_outcome *, pl_error *),
                       size_t (*estimate)(void *, const struct pl_batch_input *), void *ctx);

extern const cli_command *const cli_commands[];
extern const size_t cli_n_commands;

/* One entry per command, each defined in its own cmd_*.c. */
extern const cli_command cmd_demo, cmd_inspect, cmd_sheet, cmd_ephys_convert, cmd_ephys_analyze, cmd_ephys_run,
    cmd_trim_analyze, cmd_trim_query, cmd_trim_report, cmd_merge, cmd_slurm_submit;

#endif

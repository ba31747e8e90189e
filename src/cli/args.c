#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "plateau/batch.h"
#include "plateau/mem.h"
#include "plateau/metadata_log.h"

enum { ID_JOBS = 1, ID_MEMORY, ID_PROGRESS, ID_LOG, ID_SHARD, ID_DONE_FILE, ID_TIMEOUT, ID_VERBOSE, ID_QUIET, ID_HELP };

static const cli_option common_options[] = {
    {"jobs", 'j', "N", "files processed at once (default: number of cores)", ID_JOBS},
    {"memory-limit", 0, "SIZE", "memory budget for the whole run, e.g. 512M, 2G (default: half of available)",
     ID_MEMORY},
    {"progress", 0, "WHEN", "progress bar on stderr: auto (if a terminal), always, never", ID_PROGRESS},
    {"log", 0, "FILE", "append one JSON line per file (path, status, seconds, peak RSS, error)", ID_LOG},
    {"shard", 0, "I/N", "process only shard I of N (deterministic by path), 1 <= I <= N; auto: a Slurm array task's",
     ID_SHARD},
    {"done-file", 0, "FILE", "once every file was tried (some may have failed), write the counts there as JSON",
     ID_DONE_FILE},
    {"timeout", 0, "SECONDS",
     "give up on a file after this many seconds (default 600 + 2 per MB of the file; 0 = never)", ID_TIMEOUT},
};
static const unsigned common_masks[] = {CLI_JOBS, CLI_MEMORY, CLI_PROGRESS, CLI_LOG, CLI_SHARD, CLI_SHARD, CLI_TIMEOUT};
static const cli_option always_options[] = {
    {"verbose", 'v', NULL, "say more (twice for debug); reports peak memory at the end", ID_VERBOSE},
    {"quiet", 'q', NULL, "print only errors", ID_QUIET},
    {"help", 'h', NULL, "show this help", ID_HELP},
};
#define N_COMMON (sizeof common_options / sizeof common_options[0])
#define N_ALWAYS (sizeof always_options / sizeof always_options[0])

int cli_usage_error(const cli_command *cmd, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "plateau %s: %s (see 'plateau %s --help')\n", cmd->name, msg, cmd->name);
    return CLI_EXIT_USAGE;
}

void cli_print_error(const pl_error *err)
{
    char line[PL_ERROR_PATH_MAX + PL_ERROR_MSG_MAX + 8];
    fprintf(stderr, "plateau: error: %s\n", pl_error_line(err, line, sizeof line));
}

void cli_report_memory(const cli_common *common)
{
    if (common->verbose < 1)
        return;
    char charged[32], rss[32], children[32];
    pl_format_size((double)pl_mem_peak(), charged, sizeof charged);
    pl_format_size((double)pl_rss_peak(), rss, sizeof rss);
    pl_format_size((double)pl_rss_peak_children(), children, sizeof children);
    fprintf(stderr, "plateau: peak charged memory %s, peak RSS %s (largest worker %s)\n", charged, rss, children);
}

static void print_option(const cli_option *o)
{
    char left[64];
    if (o->short_name)
        snprintf(left, sizeof left, "-%c, --%s%s%s", o->short_name, o->name, o->metavar ? " " : "",
                 o->metavar ? o->metavar : "");
    else
        snprintf(left, sizeof left, "    --%s%s%s", o->name, o->metavar ? " " : "", o->metavar ? o->metavar : "");
    printf("  %-28s %s\n", left, o->help);
}

void cli_print_help(const cli_command *cmd)
{
    printf("Usage: plateau %s %s\n\n%s\n", cmd->name, cmd->usage, cmd->summary);
    if (cmd->description)
        printf("\n%s\n", cmd->description);
    printf("\nOptions:\n");
    for (const cli_option *o = cmd->options; o && o->name; o++)
        print_option(o);
    for (size_t i = 0; i < N_COMMON; i++)
        if (cmd->common & common_masks[i])
            print_option(&common_options[i]);
    for (size_t i = 0; i < N_ALWAYS; i++)
        print_option(&always_options[i]);
}

int cli_int_arg(const cli_command *cmd, const char *opt, const char *arg, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (errno || end == arg || *end || v < lo || v > hi)
        return cli_usage_error(cmd, "%s takes a whole number from %ld to %ld, not '%s'", opt, lo, hi, arg);
    *out = v;
    return 0;
}

static int set_common(const cli_command *cmd, cli_common *c, int id, const char *arg)
{
    pl_error err;
    long v;
    switch (id) {
    case ID_JOBS:
        if (cli_int_arg(cmd, "--jobs", arg, 1, 1024, &v))
            return CLI_EXIT_USAGE;
        c->jobs = (int)v;
        return 0;
    case ID_MEMORY:
        if (pl_parse_size(arg, &c->memory_limit, &err) != PL_OK || c->memory_limit < (1u << 20))
            return cli_usage_error(cmd, "--memory-limit takes a size of at least 1M such as 256M or 2G, not '%s'", arg);
        return 0;
    case ID_PROGRESS:
        if (pl_progress_mode_parse(arg, &c->progress, &err) != PL_OK)
            return cli_usage_error(cmd, "%s", err.msg);
        return 0;
    case ID_LOG: c->log_path = arg; return 0;
    case ID_DONE_FILE: c->done_path = arg; return 0;
    case ID_SHARD: {
        int i, n;
        char tail;
        if (!strcmp(arg, "auto")) {
            if (pl_batch_shard_from_env(&i, &n, &err) != PL_OK)
                return cli_usage_error(cmd, "%s", err.msg);
        } else if (sscanf(arg, "%d/%d%c", &i, &n, &tail) != 2 || n < 1 || i < 1 || i > n)
            return cli_usage_error(cmd, "--shard takes I/N with 1 <= I <= N, or auto, not '%s'", arg);
        c->shard_index = i;
        c->shard_count = n;
        return 0;
    }
    case ID_TIMEOUT: {
        char *end;
        double t = strtod(arg, &end);
        if (end == arg || *end || !(t >= 0) || !isfinite(t))
            return cli_usage_error(cmd, "--timeout takes a number of seconds (0 = never), not '%s'", arg);
        c->timeout_s = t > 0 ? t : -1; /* the library's 0 means the size-scaled default */
        return 0;
    }
    case ID_VERBOSE: c->verbose++; return 0;
    case ID_QUIET: c->quiet = true; return 0;
    }
    return 0;
}

/* Looks an option up by long name (name_len bytes of name) or by short letter. */
static const cli_option *find_option(const cli_command *cmd, const char *name, size_t name_len, char letter,
                                     bool *is_common)
{
    for (const cli_option *o = cmd->options; o && o->name; o++)
        if ((name && strlen(o->name) == name_len && !strncmp(o->name, name, name_len)) ||
            (!name && letter && o->short_name == letter)) {
            *is_common = false;
            return o;
        }
    for (size_t i = 0; i < N_COMMON + N_ALWAYS; i++) {
        const cli_option *o = i < N_COMMON ? &common_options[i] : &always_options[i - N_COMMON];
        if (i < N_COMMON && !(cmd->common & common_masks[i]))
            continue;
        if ((name && strlen(o->name) == name_len && !strncmp(o->name, name, name_len)) ||
            (!name && letter && o->short_name == letter)) {
            *is_common = true;
            return o;
        }
    }
    return NULL;
}

/* Reads the option at argv[*i] (a word starting with '-', not "--"): which option, whether it is a common one, and its
 * value, advancing *i past a value given as the next word. Returns 0, or CLI_EXIT_USAGE after printing. */
static int read_option(const cli_command *cmd, cli_common *common, int argc, char **argv, int *i,
                       const cli_option **opt, bool *is_common, const char **value)
{
    const char *a = argv[*i];
    const cli_option *o;
    char shown[80];
    *value = NULL;
    if (a[1] == '-') {
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        o = find_option(cmd, name, len, 0, is_common);
        snprintf(shown, sizeof shown, "--%.*s", (int)len, name);
        if (!o)
            return cli_usage_error(cmd, "unknown option '%s'", shown);
        if (eq) {
            if (!o->metavar)
                return cli_usage_error(cmd, "option '%s' takes no value", shown);
            *value = eq + 1;
        }
    } else {
        o = find_option(cmd, NULL, 0, a[1], is_common);
        snprintf(shown, sizeof shown, "-%c", a[1]);
        if (!o)
            return cli_usage_error(cmd, "unknown option '%s'", shown);
        if (a[2]) {
            if (o->metavar)
                *value = a + 2;
            else if (o->id == ID_VERBOSE && strspn(a + 1, "v") == strlen(a + 1))
                common->verbose += (int)strlen(a + 2); /* -vv */
            else
                return cli_usage_error(cmd, "option '%s' takes no value", shown);
        }
    }
    if (o->metavar && !*value) {
        if (*i + 1 >= argc)
            return cli_usage_error(cmd, "option '%s' needs a value (%s)", shown, o->metavar);
        *value = argv[++*i];
    }
    *opt = o;
    return 0;
}

int cli_parse(const cli_command *cmd, cli_common *common, int argc, char **argv, cli_option_handler handler,
              void *state, int *npos)
{
    int pos = 0;
    bool only_positional = false;
    for (int i = 0; i < argc; i++) {
        char *a = argv[i];
        if (only_positional || a[0] != '-' || a[1] == '\0') {
            argv[pos++] = a;
            continue;
        }
        if (!strcmp(a, "--")) {
            only_positional = true;
            continue;
        }
        const cli_option *o;
        bool is_common = false;
        const char *value;
        int rc = read_option(cmd, common, argc, argv, &i, &o, &is_common, &value);
        if (rc)
            return rc;
        if (is_common && o->id == ID_HELP) {
            cli_print_help(cmd);
            return -1;
        }
        rc = is_common ? set_common(cmd, common, o->id, value) : (handler ? handler(state, o->id, value) : 0);
        if (rc)
            return rc;
    }
    if (pos < cmd->min_args)
        return cli_usage_error(cmd, pos == 0 ? "missing argument: %s" : "too few arguments: %s", cmd->usage);
    if (cmd->max_args >= 0 && pos > cmd->max_args)
        return cli_usage_error(cmd, "unexpected argument '%s'", argv[cmd->max_args]);
    *npos = pos;
    return 0;
}

void cli_words(const cli_command *cmd, int argc, char **argv, cli_word *words)
{
    cli_common scratch = {0};
    bool only_positional = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        memset(&words[i], 0, sizeof words[i]);
        if (only_positional || a[0] != '-' || a[1] == '\0')
            continue;
        if (!strcmp(a, "--")) {
            only_positional = true;
            words[i].separator = true;
            continue;
        }
        int at = i;
        bool is_common;
        if (read_option(cmd, &scratch, argc, argv, &i, &words[at].opt, &is_common, &words[at].value))
            return; /* not reached for arguments cli_parse accepted */
        if (i > at) {
            memset(&words[i], 0, sizeof words[i]);
            words[i].opt = words[at].opt;
            words[i].is_value = true;
            words[at].value = NULL;
        }
    }
}

bool cli_option_is_path(const cli_option *o)
{
    static const char *const metavars[] = {"FILE", "LOG", "OUT", "DEST", "DIR", "PATH"};
    for (size_t i = 0; o->metavar && i < sizeof metavars / sizeof *metavars; i++)
        if (!strcmp(o->metavar, metavars[i]))
            return true;
    return false;
}

void cli_batch_options(const cli_common *common, const char *label, const char *ledger_dir, bool force,
                       pl_batch_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->label = label;
    opt->jobs = common->jobs;
    opt->memory_limit = common->memory_limit;
    opt->timeout_s = common->timeout_s;
    opt->progress = common->progress;
    opt->log_path = common->log_path;
    opt->ledger_dir = ledger_dir;
    opt->shard_index = common->shard_index;
    opt->shard_count = common->shard_count;
    opt->force = force;
    opt->quiet = common->quiet;
    opt->verbose = common->verbose;
    opt->plan = common->plan;
    opt->done_path = common->done_path;
}

int cli_plot_format_arg(const cli_command *cmd, const char *arg, const char **ext)
{
    static const char *const known[] = {"png", "svg", "pdf", "jpg"};
    const char *want = !strcmp(arg, "jpeg") ? "jpg" : arg;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (!strcmp(want, known[i])) {
            *ext = known[i];
            return 0;
        }
    return cli_usage_error(cmd, "--plot-format takes png, svg, pdf or jpeg, not '%s'", arg);
}

int cli_metadata_arg(const cli_command *cmd, cli_metadata *m, int which, const char *arg)
{
    if (which == 1)
        return cli_int_arg(cmd, "--metadata-header-row", arg, 1, 1048576, &m->header_row);
    *(which == 0 ? &m->path : &m->sheet) = arg;
    return 0;
}

/* Matches every input against the log before the batch: a warning per ambiguous recording, and the counts. */
static void match_report(const cli_command *cmd, const cli_common *common, const pl_metadata_log *log,
                         const pl_batch_input *inputs, size_t n, size_t *matched, size_t *ambiguous)
{
    *matched = *ambiguous = 0;
    for (size_t i = 0; i < n; i++) {
        pl_metadata_match m;
        pl_metadata_log_match(log, inputs[i].rel, &m);
        *matched += m.kind == PL_META_MATCHED;
        if (m.kind != PL_META_AMBIGUOUS)
            continue;
        ++*ambiguous;
        if (!common->quiet)
            fprintf(stderr,
                    "plateau %s: warning: %s: rows %u and %u of the metadata log %s both match it (as '%s'); "
                    "using neither\n",
                    cmd->name, inputs[i].path, m.row, m.other_row, pl_metadata_log_path(log), m.name);
    }
}

static void match_summary(const cli_common *common, const pl_metadata_log *log, size_t n, size_t matched,
                          size_t ambiguous)
{
    if (common->quiet)
        return;
    fprintf(stderr, "metadata log %s (sheet '%s', header row %u, key %s): %zu of %zu recording%s matched a row",
            pl_metadata_log_path(log), pl_metadata_log_sheet(log), pl_metadata_log_header_row(log),
            pl_metadata_log_key(log), matched, n, n == 1 ? "" : "s");
    if (ambiguous)
        fprintf(stderr, ", %zu ambiguous (no row used)", ambiguous);
    fprintf(stderr, "\n");
}

int cli_run_recordings(const cli_command *cmd, const cli_common *common, char **paths, int n_paths, const char *label,
                       const char *out_dir, bool force, const cli_metadata *meta,
                       const struct pl_metadata_log **log_slot,
                       pl_status (*job)(void *, const pl_batch_input *, pl_job_outcome *, pl_error *),
                       size_t (*estimate)(void *, const pl_batch_input *), void *ctx)
{
    pl_error err;
    pl_error_clear(&err);
    pl_metadata_log *log = NULL;
    if (meta && (meta->header_row || meta->sheet) && !meta->path)
        return cli_usage_error(cmd, "--metadata-%s needs --metadata LOG", meta->sheet ? "sheet" : "header-row");
    pl_metadata_log_options lo = {meta ? meta->header_row : 0, meta ? meta->sheet : NULL};
    if (meta && meta->path && pl_metadata_log_load(meta->path, &lo, &log, &err) != PL_OK) {
        cli_print_error(&err);
        return CLI_EXIT_FAILED;
    }
    static const char *const formats[] = {"nwb", "abf", NULL};
    pl_batch_input *inputs = NULL;
    size_t n = 0;
    if (pl_batch_walk(paths, (size_t)n_paths, formats, &inputs, &n, &err) != PL_OK) {
        cli_print_error(&err);
        pl_metadata_log_free(log);
        return CLI_EXIT_FAILED;
    }
    if (n == 0) {
        fprintf(stderr, "plateau %s: no .nwb or .abf recordings found in the given paths\n", cmd->name);
        pl_free(inputs);
        pl_metadata_log_free(log);
        return CLI_EXIT_FAILED;
    }
    pl_batch_options opt;
    cli_batch_options(common, label, out_dir, force, &opt);
    size_t matched = 0, ambiguous = 0;
    if (log) {
        match_report(cmd, common, log, inputs, n, &matched, &ambiguous);
        opt.ledger_tag = pl_metadata_log_hash(log);
        *log_slot = log;
    }
    pl_status st = pl_batch_run(&opt, inputs, n, job, estimate, ctx, NULL, &err);
    if (log)
        match_summary(common, log, n, matched, ambiguous);
    *log_slot = NULL;
    pl_metadata_log_free(log);
    pl_free(inputs);
    cli_report_memory(common);
    return st == PL_OK ? CLI_EXIT_OK : CLI_EXIT_FAILED;
}

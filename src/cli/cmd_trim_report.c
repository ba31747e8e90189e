/* plateau trim report [--db FILE] [--batch ID | --since DATE] -f xlsx|csv|html -o FILE */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "plateau/trim.h"

enum { OPT_DB = 100, OPT_BATCH, OPT_SINCE, OPT_FORMAT, OPT_OUT };

typedef struct {
    const char *db, *batch, *since, *format, *out;
} report_args;

static int on_option(void *state, int id, const char *arg)
{
    report_args *a = state;
    switch (id) {
    case OPT_DB: a->db = arg; break;
    case OPT_BATCH: a->batch = arg; break;
    case OPT_SINCE: a->since = arg; break;
    case OPT_FORMAT: a->format = arg; break;
    case OPT_OUT: a->out = arg; break;
    }
    return 0;
}

/* The plots folder beside the database, as an absolute path (the report may be written anywhere). */
static const char *plots_beside(const char *db, char *buf, size_t size)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", db);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    char tmp[PATH_MAX + 8], real[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s/plots", dir);
    struct stat sb;
    if (stat(tmp, &sb) != 0 || !S_ISDIR(sb.st_mode) || !realpath(tmp, real))
        return NULL;
    snprintf(buf, size, "%s", real);
    return buf;
}

static int run(const cli_command *cmd, cli_common *common, int argc, char **argv)
{
    report_args a = {.db = "trim-out/trim.db"};
    int npos = 0;
    int rc = cli_parse(cmd, common, argc, argv, on_option, &a, &npos);
    if (rc)
        return rc < 0 ? CLI_EXIT_OK : rc;
    if (!a.out || !a.format)
        return cli_usage_error(cmd, "need -f xlsx|csv|html and -o FILE");
    if (strcmp(a.format, "xlsx") && strcmp(a.format, "csv") && strcmp(a.format, "html"))
        return cli_usage_error(cmd, "unknown format '%s' (xlsx, csv or html)", a.format);
    if (a.batch && a.since)
        return cli_usage_error(cmd, "--batch and --since exclude each other");
    pl_trim_filter flt = {.since = a.since};
    if (a.batch) {
        long v;
        if (cli_int_arg(cmd, "--batch", a.batch, 1, 1L << 40, &v))
            return CLI_EXIT_USAGE;
        flt.batch_id = v;
    }
    pl_error err;
    pl_error_clear(&err);
    pl_trim_db *db;
    if (pl_trim_db_open(a.db, false, &db, &err) != PL_OK) {
        cli_print_error(&err);
        return CLI_EXIT_FAILED;
    }
    char plots[PATH_MAX];
    pl_status st = pl_trim_report(db, &flt, a.format, a.out, plots_beside(a.db, plots, sizeof plots), &err);
    pl_trim_db_close(db);
    if (st != PL_OK) {
        cli_print_error(&err);
        return CLI_EXIT_FAILED;
    }
    if (!common->quiet)
        fprintf(stderr, "trim report: wrote %s\n", a.out);
    return CLI_EXIT_OK;
}

static const cli_option options[] = {{"db", 0, "FILE", "results database (default trim-out/trim.db)", OPT_DB},
                                     {"batch", 0, "ID", "only the files of this batch", OPT_BATCH},
                                     {"since", 0, "DATE", "only files tested on or after DATE (YYYY-MM-DD)", OPT_SINCE},
                                     {"format", 'f', "FMT", "xlsx, csv or html", OPT_FORMAT},
                                     {"output", 'o', "FILE", "the report file (written atomically)", OPT_OUT},
                                     {0}};

const cli_command cmd_trim_report = {
    .name = "trim report",
    .summary = "an Excel, CSV or HTML report of stored laser-trim results",
    .usage = "[--db FILE] [--batch ID|--since DATE] -f xlsx|csv|html -o FILE",
    .common = 0,
    .options = options,
    .min_args = 0,
    .max_args = 0,
    .run = run,
};

/* plateau trim query [--db FILE] [filters] [--stats] [--format table|json|csv] */
#include <stdio.h>

#include "cli/cli.h"
#include "plateau/trim.h"

enum {
    OPT_DB = 100,
    OPT_MODEL,
    OPT_SERIAL,
    OPT_STATUS,
    OPT_RISK,
    OPT_SINCE,
    OPT_UNTIL,
    OPT_LIMIT,
    OPT_STATS,
    OPT_FORMAT
};

typedef struct {
    const char *db, *format, *limit;
    pl_trim_filter flt;
    bool stats;
} query_args;

static int on_option(void *state, int id, const char *arg)
{
    query_args *a = state;
    switch (id) {
    case OPT_DB: a->db = arg; break;
    case OPT_MODEL: a->flt.model = arg; break;
    case OPT_SERIAL: a->flt.serial = arg; break;
    case OPT_STATUS: a->flt.status = arg; break;
    case OPT_RISK: a->flt.risk = arg; break;
    case OPT_SINCE: a->flt.since = arg; break;
    case OPT_UNTIL: a->flt.until = arg; break;
    case OPT_LIMIT: a->limit = arg; break;
    case OPT_STATS: a->stats = true; break;
    case OPT_FORMAT: a->format = arg; break;
    }
    return 0;
}

static int run(const cli_command *cmd, cli_common *common, int argc, char **argv)
{
    query_args a = {.db = "trim-out/trim.db", .format = "table"};
    int npos = 0;
    int rc = cli_parse(cmd, common, argc, argv, on_option, &a, &npos);
    if (rc)
        return rc < 0 ? CLI_EXIT_OK : rc;
    pl_error err;
    pl_error_clear(&err);
    pl_trim_format fmt;
    if (pl_trim_format_parse(a.format, &fmt, &err) != PL_OK)
        return cli_usage_error(cmd, "%s", err.msg);
    if (a.limit) {
        long v;
        if (cli_int_arg(cmd, "--limit", a.limit, 1, 1L << 40, &v))
            return CLI_EXIT_USAGE;
        a.flt.limit = v;
    }
    pl_trim_db *db;
    if (pl_trim_db_open(a.db, false, &db, &err) != PL_OK) {
        cli_print_error(&err);
        return CLI_EXIT_FAILED;
    }
    size_t n = 0;
    pl_status st =
        a.stats ? pl_trim_print_stats(db, &a.flt, fmt, stdout, &err) : pl_trim_print(db, &a.flt, fmt, stdout, &n, &err);
    pl_trim_db_close(db);
    if (st != PL_OK) {
        cli_print_error(&err);
        return CLI_EXIT_FAILED;
    }
    if (!a.stats && !common->quiet)
        fprintf(stderr, "%zu track%s\n", n, n == 1 ? "" : "s");
    return CLI_EXIT_OK;
}

static const cli_option options[] = {
    {"db", 0, "FILE", "results database (default trim-out/trim.db)", OPT_DB},
    {"model", 0, "M", "only this model", OPT_MODEL},
    {"serial", 0, "S", "only this serial", OPT_SERIAL},
    {"status", 0, "S", "only tracks with this status (pass, warning, fail, error)", OPT_STATUS},
    {"risk", 0, "R", "only tracks with this risk (low, medium, high)", OPT_RISK},
    {"since", 0, "DATE", "files tested on or after DATE (YYYY-MM-DD)", OPT_SINCE},
    {"until", 0, "DATE", "files tested on or before DATE (YYYY-MM-DD)", OPT_UNTIL},
    {"limit", 0, "N", "at most N tracks", OPT_LIMIT},
    {"stats", 0, NULL, "per model: pass rate, sigma mean and stdev, Cpk where limits allow", OPT_STATS},
    {"format", 0, "FMT", "table, json or csv (default table)", OPT_FORMAT},
    {0}};

const cli_command cmd_trim_query = {
    .name = "trim query",
    .summary = "select stored laser-trim results; per-model statistics",
    .usage = "[--db FILE] [--model M] [--serial S] [--status S] [--risk R] [--since DATE] [--until DATE] [--stats]",
    .common = 0,
    .options = options,
    .min_args = 0,
    .max_args = 0,
    .run = run,
};

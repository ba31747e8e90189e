/* plateau trim analyze PATH... [-o OUT] [--db FILE] [--no-plots] [--force] [--exact] [--format table|json|csv] */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "plateau/batch.h"
#include "plateau/trim.h"

enum { OPT_OUT = 100, OPT_DB, OPT_NO_PLOTS, OPT_FORCE, OPT_FORMAT, OPT_EXACT };

typedef struct {
    const char *out, *db, *format;
    bool no_plots, force, exact;
} analyze_args;

static int on_option(void *state, int id, const char *arg)
{
    analyze_args *a = state;
    switch (id) {
    case OPT_OUT: a->out = arg; break;
    case OPT_DB: a->db = arg; break;
    case OPT_NO_PLOTS: a->no_plots = true; break;
    case OPT_FORCE: a->force = true; break;
    case OPT_FORMAT: a->format = arg; break;
    case OPT_EXACT: a->exact = true; break;
    }
    return 0;
}

static int run(const cli_command *cmd, cli_common *common, int argc, char **argv)
{
    analyze_args a = {.out = "trim-out", .format = "table"};
    int npos = 0;
    int rc = cli_parse(cmd, common, argc, argv, on_option, &a, &npos);
    if (rc)
        return rc < 0 ? CLI_EXIT_OK : rc;
    pl_error err;
    pl_error_clear(&err);
    pl_trim_run_options opt = {.out_dir = a.out,
                               .db_path = a.db,
                               .plots = !a.no_plots,
                               .force = a.force,
                               .offset_mode = a.exact ? PL_TRIM_OFFSET_MODE_EXACT : PL_TRIM_OFFSET_MODE_BRENT,
                               .out = stdout};
    if (pl_trim_format_parse(a.format, &opt.format, &err) != PL_OK)
        return cli_usage_error(cmd, "%s", err.msg);
    pl_batch_options bo;
    cli_batch_options(common, "trim", NULL, a.force, &bo);
    pl_batch_summary s;
    pl_status st = pl_trim_run(&opt, &bo, argv, (size_t)npos, &s, &err);
    if (common->verbose)
        cli_report_memory(common);
    if (st != PL_OK) {
        if (err.path[0] || !strstr(err.msg, "files failed"))
            cli_print_error(&err);
        return CLI_EXIT_FAILED;
    }
    return CLI_EXIT_OK;
}

static const cli_option options[] = {
    {"output", 'o', "OUT", "output folder: trim.db, plots/, report.html (default trim-out)", OPT_OUT},
    {"db", 0, "FILE", "results database (default OUT/trim.db)", OPT_DB},
    {"no-plots", 0, NULL, "do not draw per-track and summary plots", OPT_NO_PLOTS},
    {"force", 0, NULL, "re-analyse files whose content is already in the database", OPT_FORCE},
    {"exact", 0, NULL, "decide linearity with the exact optimum offset instead of the original's Brent search",
     OPT_EXACT},
    {"format", 0, "FMT", "per-track results on stdout: table, json or csv (default table)", OPT_FORMAT},
    {0}};

const cli_command cmd_trim_analyze = {
    .name = "trim analyze",
    .summary = "laser-trim workbooks to results in SQLite, plots and a report",
    .usage = "PATH... [-o OUT] [options]",
    .description =
        "Analyses System A and System B laser-trim workbooks (.xls, .xlsx) as the Laser Trim Analyzer v2 did:\n"
        "sigma gradient, linearity with the optimised offset, resistance change, risk and status per track.\n"
        "Files whose content is already stored are skipped unless --force. Every file is reported as\n"
        "analysed, skipped or failed with its reason; a failing file never stops the batch.",
    .common = CLI_BATCH,
    .options = options,
    .min_args = 1,
    .max_args = -1,
    .run = run,
};

/* plateau ephys analyze BUNDLE_OR_DIR...: the per-sweep analysis of bundles written by `plateau ephys convert`,
 * each bundle in a worker process; outputs go into the bundle. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "plateau/batch.h"
#include "plateau/ephys.h"
#include "plateau/mem.h"

enum { OPT_NO_PLOTS = 100, OPT_FORCE, OPT_SET, OPT_AP_WIDE };

typedef struct {
    const cli_command *cmd;
    pl_ephys_analyze_options opt;
} analyze_args;

static int on_option(void *state, int id, const char *arg)
{
    analyze_args *a = state;
    switch (id) {
    case OPT_NO_PLOTS: a->opt.plots = false; break;
    case OPT_FORCE: a->opt.force = true; break;
    case OPT_AP_WIDE: a->opt.ap_wide = true; break;
    case OPT_SET: {
        pl_error err;
        if (pl_ephys_analyze_options_set(&a->opt, arg, &err) != PL_OK)
            return cli_usage_error(a->cmd, "%s", err.msg);
        break;
    }
    }
    return 0;
}

static int run(const cli_command *cmd, cli_common *common, int argc, char **argv)
{
    analyze_args a = {.cmd = cmd};
    pl_ephys_analyze_options_default(&a.opt);
    int npos = 0;
    int rc = cli_parse(cmd, common, argc, argv, on_option, &a, &npos);
    if (rc)
        return rc < 0 ? CLI_EXIT_OK : rc;
    pl_error err;
    pl_error_clear(&err);
    pl_batch_input *inputs = NULL;
    size_t n = 0;
    if (pl_ephys_find_bundles(argv, (size_t)npos, &inputs, &n, &err) != PL_OK) {
        cli_print_error(&err);
        return CLI_EXIT_FAILED;
    }
    if (n == 0) {
        fprintf(stderr, "plateau ephys analyze: no bundles (folders with manifest.json) found in the given paths\n");
        pl_free(inputs);
        return CLI_EXIT_FAILED;
    }
    pl_batch_options opt;
    cli_batch_options(common, "analyze", NULL, a.opt.force, &opt); /* the bundles' manifests record what is done */
    pl_status st = pl_batch_run(&opt, inputs, n, pl_ephys_analyze_job, pl_ephys_analyze_estimate, &a.opt, NULL, &err);
    pl_free(inputs);
    cli_report_memory(common);
    return st == PL_OK ? CLI_EXIT_OK : CLI_EXIT_FAILED;
}

static const cli_option options[] = {
    {"no-plots", 0, NULL, "do not draw the plots and summary.pdf", OPT_NO_PLOTS},
    {"ap-wide", 0, NULL, "also AP_analysis_wide.parquet/.csv: a row per spiking sweep, <metric>_<spike>", OPT_AP_WIDE},
    {"force", 0, NULL, "analyse bundles again even when analysed with the same parameters", OPT_FORCE},
    {"set", 0, "NAME=VALUE", "change an analysis parameter (e.g. prominence_mV=15); see docs/ephys-analysis.md",
     OPT_SET},
    {0},
};

const cli_command cmd_ephys_analyze = {
    .name = "ephys analyze",
    .summary = "sweep classification, spikes, passive properties, plots, summary PDF",
    .usage = "BUNDLE_OR_DIR... [options]",
    .description =
        "BUNDLE_OR_DIR is a bundle folder written by `plateau ephys convert` (it holds manifest.json) or a folder\n"
        "searched recursively for bundles. The pA and mV tables are read sweep by sweep; current-clamp sweeps are\n"
        "classified and analysed (true units: mV, ms, mV/ms, MOhm). Written into each bundle, atomically:\n"
        "sweep_config.json, analysis.parquet/.csv (one row per kept sweep), AP_analysis.parquet/.csv (one row per\n"
        "spike; with --ap-wide also AP_analysis_wide.parquet/.csv, one row per spiking sweep), plots/ (summary\n"
        "plots, one AP figure per spiking sweep, Savitzky-Golay baselines) and summary.pdf holding all of them in\n"
        "that order, and an \"analysis\" section in manifest.json. A bundle already analysed with the same\n"
        "parameters and outputs is skipped unless --force.",
    .common = CLI_BATCH,
    .options = options,
    .min_args = 1,
    .max_args = -1,
    .run = run,
};

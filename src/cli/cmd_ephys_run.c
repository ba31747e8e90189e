/* plateau ephys run PATH... -o OUT: convert each recording to a bundle, then analyse it, in the same worker. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "plateau/batch.h"
#include "plateau/bundle.h"
#include "plateau/ephys.h"
#include "plateau/mem.h"

enum {
    OPT_OUT = 100,
    OPT_NO_PLOTS,
    OPT_PLOT_FORMAT,
    OPT_FORCE,
    OPT_METADATA,
    OPT_METADATA_ROW,
    OPT_METADATA_SHEET,
    OPT_SET
};

typedef struct {
    const cli_command *cmd;
    pl_bundle_options bundle;
    cli_metadata metadata;
    pl_ephys_analyze_options analysis;
} run_args;

static int on_option(void *state, int id, const char *arg)
{
    run_args *a = state;
    switch (id) {
    case OPT_OUT: a->bundle.out_root = arg; break;
    case OPT_NO_PLOTS:
        a->bundle.plots = false;
        a->analysis.plots = false;
        break;
    case OPT_FORCE:
        a->bundle.force = true;
        a->analysis.force = true;
        break;
    case OPT_PLOT_FORMAT: return cli_plot_format_arg(a->cmd, arg, &a->bundle.plot_format);
    case OPT_METADATA:
    case OPT_METADATA_ROW:
    case OPT_METADATA_SHEET: return cli_metadata_arg(a->cmd, &a->metadata, id - OPT_METADATA, arg);
    case OPT_SET: {
        pl_error err;
        if (pl_ephys_analyze_options_set(&a->analysis, arg, &err) != PL_OK)
            return cli_usage_error(a->cmd, "%s", err.msg);
        break;
    }
    }
    return 0;
}

/* Convert, then analyse the bundle just written (or found complete). */
static pl_status run_job(void *ctx, const pl_batch_input *in, pl_job_outcome *out, pl_error *err)
{
    run_args *a = ctx;
    pl_job_outcome conv;
    memset(&conv, 0, sizeof conv);
    pl_status st = pl_bundle_convert_job(&a->bundle, in, &conv, err);
    if (st != PL_OK)
        return st;
    pl_batch_input bundle = *in;
    char dir[PL_PATH_MAX];
    pl_bundle_dir(&a->bundle, in, dir, sizeof dir);
    snprintf(bundle.path, sizeof bundle.path, "%s/manifest.json", dir);
    st = pl_ephys_analyze_job(&a->analysis, &bundle, out, err);
    if (st != PL_OK)
        return st;
    out->skipped = conv.skipped && out->skipped;
    char both[sizeof out->summary];
    snprintf(both, sizeof both, "%s; %s", conv.summary, out->summary);
    memcpy(out->summary, both, sizeof both);
    out->work_units = conv.work_units;
    return PL_OK;
}

static size_t estimate(void *ctx, const pl_batch_input *in)
{
    run_args *a = ctx;
    size_t c = pl_bundle_estimate(&a->bundle, in), n = pl_ephys_analyze_estimate(&a->analysis, in);
    return c > n ? c : n;
}

static int run(const cli_command *cmd, cli_common *common, int argc, char **argv)
{
    run_args a = {.cmd = cmd};
    pl_bundle_options_default(&a.bundle);
    pl_ephys_analyze_options_default(&a.analysis);
    int npos = 0;
    int rc = cli_parse(cmd, common, argc, argv, on_option, &a, &npos);
    if (rc)
        return rc < 0 ? CLI_EXIT_OK : rc;
    if (!a.bundle.out_root)
        return cli_usage_error(cmd, "missing -o OUT (the folder for the bundles)");
    return cli_run_recordings(cmd, common, argv, npos, "run", a.bundle.out_root, a.bundle.force, &a.metadata,
                              &a.bundle.metadata, run_job, estimate, &a);
}

static const cli_option options[] = {
    {"output", 'o', "OUT", "folder for the bundles: OUT/<input's relative folder>/<file stem>/", OPT_OUT},
    {"no-plots", 0, NULL, "no plots (neither sweep grids nor analysis plots and summary PDF)", OPT_NO_PLOTS},
    {"plot-format", 0, "FMT", "grid plots as png (default), svg, pdf or jpeg", OPT_PLOT_FORMAT},
    {"force", 0, NULL, "redo bundles and analyses that are already complete", OPT_FORCE},
    {"set", 0, "NAME=VALUE", "change an analysis constant (see 'plateau ephys analyze --help')", OPT_SET},
    CLI_METADATA_OPTIONS(OPT_METADATA),
    {0},
};

const cli_command cmd_ephys_run = {
    .name = "ephys run",
    .summary = "convert recordings to bundles, then analyse them",
    .usage = "PATH... -o OUT [options]",
    .description = "The same as 'plateau ephys convert' followed by 'plateau ephys analyze' on its bundles, with each\n"
                   "file converted and analysed in one worker process.",
    .common = CLI_BATCH,
    .options = options,
    .min_args = 1,
    .max_args = -1,
    .run = run,
};

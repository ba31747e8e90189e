/* plateau ephys convert PATH... -o OUT: recordings (NWB, ABF) to per-cell bundles, each file in a worker process. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "plateau/batch.h"
#include "plateau/bundle.h"
#include "plateau/mem.h"

enum { OPT_OUT = 100, OPT_NO_PLOTS, OPT_PLOT_FORMAT, OPT_FORCE, OPT_METADATA, OPT_METADATA_ROW, OPT_METADATA_SHEET };

typedef struct {
    const cli_command *cmd;
    pl_bundle_options bundle;
    cli_metadata metadata;
} convert_args;

static int on_option(void *state, int id, const char *arg)
{
    convert_args *a = state;
    switch (id) {
    case OPT_OUT: a->bundle.out_root = arg; break;
    case OPT_NO_PLOTS: a->bundle.plots = false; break;
    case OPT_FORCE: a->bundle.force = true; break;
    case OPT_PLOT_FORMAT: return cli_plot_format_arg(a->cmd, arg, &a->bundle.plot_format);
    case OPT_METADATA:
    case OPT_METADATA_ROW:
    case OPT_METADATA_SHEET: return cli_metadata_arg(a->cmd, &a->metadata, id - OPT_METADATA, arg);
    }
    return 0;
}

static int run(const cli_command *cmd, cli_common *common, int argc, char **argv)
{
    convert_args a = {.cmd = cmd};
    pl_bundle_options_default(&a.bundle);
    int npos = 0;
    int rc = cli_parse(cmd, common, argc, argv, on_option, &a, &npos);
    if (rc)
        return rc < 0 ? CLI_EXIT_OK : rc;
    if (!a.bundle.out_root)
        return cli_usage_error(cmd, "missing -o OUT (the folder for the bundles)");
    return cli_run_recordings(cmd, common, argv, npos, "convert", a.bundle.out_root, a.bundle.force, &a.metadata,
                              &a.bundle.metadata, pl_bundle_convert_job, pl_bundle_estimate, &a.bundle);
}

static const cli_option options[] = {
    {"output", 'o', "OUT", "folder for the bundles: OUT/<input's relative folder>/<file stem>/", OPT_OUT},
    {"no-plots", 0, NULL, "do not draw the sweep grid plots", OPT_NO_PLOTS},
    {"plot-format", 0, "FMT", "png (default), svg, pdf or jpeg", OPT_PLOT_FORMAT},
    {"force", 0, NULL, "rebuild bundles that are already complete for the same source content", OPT_FORCE},
    CLI_METADATA_OPTIONS(OPT_METADATA),
    {0},
};

const cli_command cmd_ephys_convert = {
    .name = "ephys convert",
    .summary = "NWB/ABF recordings to per-cell bundles (tables, manifest, plots)",
    .usage = "PATH... -o OUT [options]",
    .description =
        "PATH is a recording or a folder searched recursively for .nwb and .abf files (by their bytes, not only their\n"
        "names), or @LIST, a file listing paths. Each recording becomes a bundle folder with long-format Parquet\n"
        "tables (sweep, t_s, value, unit, rate_Hz), manifest.json and sweep grid plots. A bundle already complete for\n"
        "the same source content is skipped unless --force. Memory stays bounded whatever the file size.\n"
        "With --metadata LOG, the lab's log row for each recording (by a file column such as '.abf file', or by\n"
        "recDate + fileNum as YYYY_MM_DD_NNNN, matched to the file stem) is copied into its manifest.json; the log is\n"
        "only read, never written. See docs/bundles.md for the matching rules.",
    .common = CLI_BATCH,
    .options = options,
    .min_args = 1,
    .max_args = -1,
    .run = run,
};

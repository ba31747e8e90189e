#include <stdio.h>

#include "cli/cli.h"

/* Not yet implemented: parses its options (so --help works) and says so. */
static int run(const cli_command *cmd, cli_common *common, int argc, char **argv)
{
    int npos = 0;
    int rc = cli_parse(cmd, common, argc, argv, NULL, NULL, &npos);
    if (rc)
        return rc < 0 ? CLI_EXIT_OK : rc;
    fprintf(stderr, "plateau %s: not available in this build yet\n", cmd->name);
    return CLI_EXIT_FAILED;
}

static const cli_option options[] = {{0}};

const cli_command cmd_ephys_convert = {
    .name = "ephys convert",
    .summary = "NWB/ABF recordings to per-cell bundles (tables, manifest, plots)",
    .usage = "PATH... -o OUT [options]",
    .common = CLI_BATCH,
    .options = options,
    .min_args = 1,
    .max_args = -1,
    .run = run,
};

/* plateau merge -o DEST SHARD_OUT...: combine the outputs and ledgers of shard runs. */
#include <stdio.h>

#include "cli/cli.h"
#include "plateau/batch.h"
#include "plateau/trim.h"

enum { OPT_OUT = 100 };

typedef struct {
    const char *out;
} merge_args;

static int on_option(void *state, int id, const char *arg)
{
    merge_args *a = state;
    if (id == OPT_OUT)
        a->out = arg;
    return 0;
}

static int run(const cli_command *cmd, cli_common *common, int argc, char **argv)
{
    merge_args a = {0};
    int npos = 0;
    int rc = cli_parse(cmd, common, argc, argv, on_option, &a, &npos);
    if (rc)
        return rc < 0 ? CLI_EXIT_OK : rc;
    if (!a.out)
        return cli_usage_error(cmd, "missing -o DEST (the merged output folder)");
    pl_error err;
    pl_error_clear(&err);
    /* Result databases that differ between shards are merged row by row (the laser-trim database is the one
     * plateau writes); identical files are copied once. */
    static const char *const regenerated[] = {"report.html", "summary.png", NULL};
    if (pl_batch_merge(a.out, argv, (size_t)npos, pl_trim_db_merge, regenerated, &err) != PL_OK ||
        pl_trim_write_summaries(a.out, &err) != PL_OK) {
        cli_print_error(&err);
        return CLI_EXIT_FAILED;
    }
    if (!common->quiet)
        fprintf(stderr, "merge: %d output folder%s merged into %s\n", npos, npos == 1 ? "" : "s", a.out);
    return CLI_EXIT_OK;
}

static const cli_option options[] = {
    {"output", 'o', "DEST", "the merged output folder (created if needed)", OPT_OUT},
    {0},
};

const cli_command cmd_merge = {
    .name = "merge",
    .summary = "combine shard ledgers and outputs into one folder",
    .usage = "-o DEST SHARD_OUT...",
    .description = "Each SHARD_OUT is the output folder of one 'plateau ... --shard I/N' run. Outputs are copied\n"
                   "(hard-linked when possible) under the same relative paths and the ledgers are merged, so the\n"
                   "result is what one unsharded run would have written.",
    .common = 0,
    .options = options,
    .min_args = 1,
    .max_args = -1,
    .run = run,
};

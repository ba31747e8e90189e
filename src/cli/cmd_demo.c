/* plateau demo [DIR]: generate small example inputs and run the pipelines on them, as a user would. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "plateau/afile.h"
#include "demo/demo.h"
#include "plateau/mem.h"

/* Runs another command as if typed: the demo exercises exactly what users run. */
static int run_command(const cli_command *cmd, const cli_common *common, char **argv, int argc)
{
    cli_common c = *common;
    fprintf(stderr, "\n$ plateau %s", cmd->name);
    for (int i = 0; i < argc; i++)
        fprintf(stderr, strchr(argv[i], ' ') ? " '%s'" : " %s", argv[i]);
    fprintf(stderr, "\n");
    int rc = cmd->run(cmd, &c, argc, argv);
    fflush(stdout);
    return rc;
}

static int step_failed(const char *what, int rc)
{
    if (rc != CLI_EXIT_OK)
        fprintf(stderr, "plateau demo: %s failed (exit status %d)\n", what, rc);
    return rc != CLI_EXIT_OK;
}

static int run(const cli_command *cmd, cli_common *common, int argc, char **argv)
{
    int npos = 0;
    int rc = cli_parse(cmd, common, argc, argv, NULL, NULL, &npos);
    if (rc)
        return rc < 0 ? CLI_EXIT_OK : rc;
    const char *dir = npos ? argv[0] : "plateau-demo";
    char inputs[PL_PATH_MAX], trim_in[PL_PATH_MAX], ephys_in[PL_PATH_MAX], nwb[PL_PATH_MAX];
    char trim_out[PL_PATH_MAX], ephys_out[PL_PATH_MAX], table[PL_PATH_MAX], workbook[PL_PATH_MAX];
    snprintf(inputs, sizeof inputs, "%s/inputs", dir);
    snprintf(trim_in, sizeof trim_in, "%s/lasertrim", inputs);
    snprintf(ephys_in, sizeof ephys_in, "%s/ephys", inputs);
    snprintf(nwb, sizeof nwb, "%s/sub-demo01/sub-demo01_ses-1_icephys.nwb", ephys_in);
    snprintf(trim_out, sizeof trim_out, "%s/trim", dir);
    snprintf(ephys_out, sizeof ephys_out, "%s/ephys", dir);
    snprintf(table, sizeof table, "%s/tables/7029_36_TRK1_trimmed.parquet", dir);
    snprintf(workbook, sizeof workbook, "%s/7029_36_TEST DATA_3-20-2025_6-39 PM.xlsx", trim_in);

    pl_error err;
    pl_error_clear(&err);
    int n_books = 0;
    fprintf(stderr, "plateau demo: generating example inputs in %s\n", inputs);
    if (pl_demo_trim_workbooks(trim_in, &n_books, &err) != PL_OK || pl_demo_nwb(nwb, &err) != PL_OK) {
        cli_print_error(&err);
        return CLI_EXIT_FAILED;
    }
    fprintf(stderr, "  %d laser-trim workbooks (System A and B) in %s\n  a MIES-style NWB recording: %s\n", n_books,
            trim_in, nwb);

    int failed = 0;
    char *sheet_args[] = {workbook, "--sheet", "SEC1 TRK1 1 TRM1", "--columns", "D:J", "-o", table};
    failed += step_failed("sheet", run_command(&cmd_sheet, common, sheet_args, 7));
    char *trim_args[] = {trim_in, "-o", trim_out, "-q"};
    failed += step_failed("trim analyze", run_command(&cmd_trim_analyze, common, trim_args, 4));
    char *ephys_args[] = {ephys_in, "-o", ephys_out};
    failed += step_failed("ephys run", run_command(&cmd_ephys_run, common, ephys_args, 3));

    fprintf(stderr,
            "\nplateau demo: %s. Look at:\n"
            "  %s               one sheet as a typed Parquet table\n"
            "  %s/               laser-trim results: trim.db, report, per-track plots\n"
            "  %s/sub-demo01/    the cell's bundle: tables, manifest.json, analysis, plots, summary.pdf\n",
            failed ? "some steps failed" : "done", table, trim_out, ephys_out);
    cli_report_memory(common);
    return failed ? CLI_EXIT_FAILED : CLI_EXIT_OK;
}

static const cli_option options[] = {{0}};

const cli_command cmd_demo = {
    .name = "demo",
    .summary = "generate small example inputs and run the pipelines on them",
    .usage = "[DIR]",
    .description = "Writes example laser-trim workbooks and a MIES-style NWB recording into DIR/inputs (default\n"
                   "DIR: plateau-demo), then runs 'plateau sheet', 'plateau trim analyze' and 'plateau ephys run' on\n"
                   "them, printing each command as it goes.",
    .common = CLI_MEMORY | CLI_PROGRESS,
    .options = options,
    .min_args = 0,
    .max_args = 1,
    .run = run,
};

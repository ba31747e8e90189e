/* plateau sheet: one sheet of a workbook (.xlsx, .xlsm, .xls) to Parquet or CSV, streaming (pl_sheet_to_table). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "plateau/mem.h"
#include "plateau/workbook.h"

enum { ID_SHEET = 100, ID_COLUMNS, ID_SKIP, ID_MAX_ROWS, ID_HEADER, ID_OUTPUT };

typedef struct sheet_args {
    const cli_command *cmd;
    pl_sheet_table_options opt;
    const char *out;
} sheet_args;

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    return n > m && !strcasecmp(s + n - m, tail);
}

static int on_option(void *state, int id, const char *arg)
{
    sheet_args *a = state;
    long v;
    switch (id) {
    case ID_SHEET: a->opt.sheet = arg; return 0;
    case ID_COLUMNS: {
        uint8_t bits[2048];
        pl_error err;
        if (pl_columns_parse(arg, bits, &err))
            return cli_usage_error(a->cmd, "--columns: %s", err.msg);
        a->opt.columns = arg;
        return 0;
    }
    case ID_SKIP:
        if (cli_int_arg(a->cmd, "--skip", arg, 0, 1048576, &v))
            return CLI_EXIT_USAGE;
        a->opt.skip_rows = (uint32_t)v;
        return 0;
    case ID_MAX_ROWS:
        if (cli_int_arg(a->cmd, "--max-rows", arg, 1, 1048576, &v))
            return CLI_EXIT_USAGE;
        a->opt.max_rows = (uint64_t)v;
        return 0;
    case ID_HEADER:
        if (!strcmp(arg, "none")) {
            a->opt.header_row = -1;
            return 0;
        }
        if (cli_int_arg(a->cmd, "--header", arg, 1, 1048576, &v))
            return CLI_EXIT_USAGE;
        a->opt.header_row = v;
        return 0;
    case ID_OUTPUT: a->out = arg; return 0;
    }
    return 0;
}

static int run(const cli_command *cmd, cli_common *common, int argc, char **argv)
{
    sheet_args a = {.cmd = cmd};
    int npos = 0;
    int rc = cli_parse(cmd, common, argc, argv, on_option, &a, &npos);
    if (rc)
        return rc < 0 ? CLI_EXIT_OK : rc;
    if (!a.out)
        return cli_usage_error(cmd, "say where to write with -o OUT.parquet or -o OUT.csv");
    if (!ends_with(a.out, ".parquet") && !ends_with(a.out, ".csv"))
        return cli_usage_error(cmd, "the output must end in .parquet or .csv, not '%s'", a.out);
    if (common->memory_limit)
        pl_mem_set_limit(common->memory_limit);
    pl_error err = {0};
    uint64_t rows = 0;
    pl_status st = pl_sheet_to_table(argv[0], &a.opt, a.out, &rows, &err);
    if (st) {
        cli_print_error(&err);
        return CLI_EXIT_FAILED;
    }
    if (!common->quiet && common->verbose)
        fprintf(stderr, "plateau sheet: %llu rows written to %s\n", (unsigned long long)rows, a.out);
    cli_report_memory(common);
    return CLI_EXIT_OK;
}

static const cli_option options[] = {
    {"sheet", 0, "NAME|INDEX", "the sheet to convert: its name or 0-based index (default: the first)", ID_SHEET},
    {"columns", 0, "A,C:E,7", "columns to keep: letters or 1-based numbers, ranges with ':'", ID_COLUMNS},
    {"skip", 0, "N", "ignore the first N rows of the sheet", ID_SKIP},
    {"max-rows", 0, "N", "write at most N data rows", ID_MAX_ROWS},
    {"header", 0, "ROW|none", "1-based row holding the column names (default: the first row read), or none", ID_HEADER},
    {"output", 'o', "OUT", "output file, OUT.parquet or OUT.csv (written atomically)", ID_OUTPUT},
    {0},
};

const cli_command cmd_sheet = {
    .name = "sheet",
    .summary = "one sheet of a workbook to Parquet or CSV, streaming",
    .usage = "FILE -o OUT.parquet|OUT.csv [options]",
    .description =
        "Reads one sheet of an .xlsx/.xlsm or .xls workbook in two streaming passes (types, then rows) and writes a\n"
        "typed table. Columns holding only numbers become doubles, only dates timestamps, only TRUE/FALSE booleans;\n"
        "anything mixed becomes text (numbers written so they read back exactly). Empty header names become the\n"
        "column letters; repeated names get _2, _3. Blank rows between data rows are kept as rows of nulls.",
    .common = CLI_MEMORY,
    .options = options,
    .min_args = 1,
    .max_args = 1,
    .run = run,
};

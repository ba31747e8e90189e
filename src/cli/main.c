/* plateau: the command-line entry point. Finds the command, sets up the shared services, runs it. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "plateau/afile.h"
#include "plateau/mem.h"
#include "plateau/version.h"

const cli_command *const cli_commands[] = {
    &cmd_demo,      &cmd_inspect,      &cmd_sheet,      &cmd_ephys_convert, &cmd_ephys_analyze,
    &cmd_ephys_run, &cmd_trim_analyze, &cmd_trim_query, &cmd_trim_report,   &cmd_merge,
    &cmd_slurm_submit,
};
const size_t cli_n_commands = sizeof cli_commands / sizeof cli_commands[0];

static void print_main_help(void)
{
    printf("Usage: plateau COMMAND [options] [arguments]\n\n"
           "Turns folders of large instrument recordings (NWB, ABF) and test workbooks (.xls, .xlsx) into\n"
           "analysis-ready tables, plots and results, in memory that stays flat however large the input.\n\n"
           "Commands:\n");
    for (size_t i = 0; i < cli_n_commands; i++)
        printf("  %-16s %s\n", cli_commands[i]->name, cli_commands[i]->summary);
    printf("\nRun 'plateau COMMAND --help' for a command's options.\n"
           "  -h, --help       show this help\n"
           "      --version    show the version\n");
}

/* Matches "ephys convert" against argv[0..1]; returns how many words matched (0 if none). */
static int match_command(const cli_command *c, int argc, char **argv)
{
    const char *space = strchr(c->name, ' ');
    if (!space)
        return strcmp(c->name, argv[0]) == 0 ? 1 : 0;
    size_t first = (size_t)(space - c->name);
    if (strlen(argv[0]) != first || strncmp(c->name, argv[0], first) != 0)
        return 0;
    return argc > 1 && strcmp(space + 1, argv[1]) == 0 ? 2 : 0;
}

static int is_group(const char *word)
{
    size_t n = strlen(word);
    for (size_t i = 0; i < cli_n_commands; i++)
        if (!strncmp(cli_commands[i]->name, word, n) && cli_commands[i]->name[n] == ' ')
            return 1;
    return 0;
}

static void print_group_help(const char *group)
{
    printf("Usage: plateau %s SUBCOMMAND [options]\n\nSubcommands:\n", group);
    size_t n = strlen(group);
    for (size_t i = 0; i < cli_n_commands; i++)
        if (!strncmp(cli_commands[i]->name, group, n) && cli_commands[i]->name[n] == ' ')
            printf("  %-16s %s\n", cli_commands[i]->name, cli_commands[i]->summary);
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        print_main_help();
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
        printf("plateau %s\n", PLATEAU_VERSION);
        return CLI_EXIT_OK;
    }
    if (argv[1][0] == '-') {
        fprintf(stderr, "plateau: unknown option '%s' (see 'plateau --help')\n", argv[1]);
        return CLI_EXIT_USAGE;
    }
    for (size_t i = 0; i < cli_n_commands; i++) {
        int words = match_command(cli_commands[i], argc - 1, argv + 1);
        if (!words)
            continue;
        const cli_command *cmd = cli_commands[i];
        cli_common common = {0};
        common.memory_limit = pl_mem_default_limit();
        common.progress = PL_PROGRESS_AUTO;
        pl_cleanup_install();
        return cmd->run(cmd, &common, argc - 1 - words, argv + 1 + words);
    }
    if (is_group(argv[1])) {
        if (argc < 3 || !strcmp(argv[2], "-h") || !strcmp(argv[2], "--help")) {
            print_group_help(argv[1]);
            return argc < 3 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
        }
        fprintf(stderr, "plateau: unknown command '%s %s' (see 'plateau %s --help')\n", argv[1], argv[2], argv[1]);
        return CLI_EXIT_USAGE;
    }
    fprintf(stderr, "plateau: unknown command '%s' (see 'plateau --help')\n", argv[1]);
    return CLI_EXIT_USAGE;
}

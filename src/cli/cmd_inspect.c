/* plateau inspect FILE... [--json]: what a file holds and the memory its processing needs. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "plateau/batch.h"
#include "plateau/describe.h"
#include "plateau/mem.h"
#include "plateau/workbook.h"

enum { OPT_JSON = 100 };

typedef struct {
    bool json;
} inspect_args;

static int on_option(void *state, int id, const char *arg)
{
    (void)arg;
    inspect_args *a = state;
    if (id == OPT_JSON)
        a->json = true;
    return 0;
}

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s && *s ? s : "-";
}

static double num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : 0;
}

/* The memory estimate is stored under a few names by the describers; take the first present. */
static double memory_of(json_t *d)
{
    static const char *keys[] = {"memory_bytes", "memory_need_bytes", "conversion_memory_bytes", "memory"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        json_t *v = json_object_get(d, keys[i]);
        if (json_is_number(v))
            return json_number_value(v);
        if (json_is_object(v) && json_is_number(json_object_get(v, "total_bytes")))
            return json_number_value(json_object_get(v, "total_bytes"));
    }
    return 0;
}

static void print_recording(const char *path, json_t *d)
{
    json_t *series = json_object_get(d, "series");
    char mem[32];
    printf("%s: %s %s, %zu series, memory to convert %s\n", path, str(d, "format"), str(d, "format_version"),
           json_array_size(series), pl_format_size(memory_of(d), mem, sizeof mem));
    printf("  %-28s %-9s %-14s %-5s %12s %10s %6s %4s\n", "series", "role", "clamp", "unit", "rate_Hz", "samples",
           "sweep", "ch");
    size_t i;
    json_t *s;
    json_array_foreach(series, i, s)
    {
        printf("  %-28.28s %-9s %-14s %-5s %12.1f %10.0f %6.0f %4.0f\n", str(s, "name"), str(s, "role"),
               str(s, "clamp"), str(s, "unit"), num(s, "rate_hz") ? num(s, "rate_hz") : num(s, "rate_Hz"),
               num(s, "samples") ? num(s, "samples") : num(s, "n_samples"), num(s, "sweep"), num(s, "channel"));
    }
}

static void print_workbook(const char *path, json_t *d)
{
    json_t *sheets = json_object_get(d, "sheets");
    char mem[32];
    printf("%s: %s workbook, %zu sheets, memory to read %s\n", path, str(d, "format"), json_array_size(sheets),
           pl_format_size(memory_of(d), mem, sizeof mem));
    size_t i;
    json_t *s;
    json_array_foreach(sheets, i, s)
    {
        printf("  %-32.32s %8.0f rows %5.0f columns\n", str(s, "name"), num(s, "rows"),
               num(s, "columns") ? num(s, "columns") : num(s, "cols"));
    }
}

static int run(const cli_command *cmd, cli_common *common, int argc, char **argv)
{
    inspect_args a = {0};
    int npos = 0;
    int rc = cli_parse(cmd, common, argc, argv, on_option, &a, &npos);
    if (rc)
        return rc < 0 ? CLI_EXIT_OK : rc;
    pl_mem_set_limit(common->memory_limit);
    int failed = 0;
    json_t *all = json_array();
    for (int i = 0; i < npos; i++) {
        const char *path = argv[i];
        const char *fmt = pl_detect_format(path);
        json_t *d = NULL;
        pl_error err;
        pl_error_clear(&err);
        pl_status st;
        if (fmt && (!strcmp(fmt, "xls") || !strcmp(fmt, "xlsx")))
            st = pl_workbook_describe(path, &d, &err);
        else if (fmt)
            st = pl_recording_describe(path, &d, &err);
        else
            st = pl_error_set(&err, PL_EFORMAT, path, "not a recording (NWB, ABF) or a workbook (.xls, .xlsx)");
        if (st != PL_OK) {
            pl_error_locate(&err, path);
            cli_print_error(&err);
            failed++;
            continue;
        }
        json_object_set_new(d, "path", json_string(path));
        if (a.json)
            json_array_append(all, d);
        else if (fmt && (!strcmp(fmt, "xls") || !strcmp(fmt, "xlsx")))
            print_workbook(path, d);
        else
            print_recording(path, d);
        json_decref(d);
    }
    if (a.json) {
        json_dumpf(all, stdout, JSON_INDENT(2));
        putchar('\n');
    }
    json_decref(all);
    cli_report_memory(common);
    return failed ? CLI_EXIT_FAILED : CLI_EXIT_OK;
}

static const cli_option options[] = {
    {"json", 0, NULL, "print a JSON array (one object per file) instead of tables", OPT_JSON},
    {0},
};

const cli_command cmd_inspect = {
    .name = "inspect",
    .summary = "what a file holds, and the memory its processing needs",
    .usage = "FILE... [--json]",
    .description = "Recordings (NWB, ABF): series or channels, sweeps, rates, units, sample counts and the memory a\n"
                   "conversion needs. Workbooks (.xls, .xlsx): sheets with their real extents (read, not the declared\n"
                   "<dimension>) and the memory reading them needs. The format is recognised by the file's bytes.",
    .common = CLI_MEMORY,
    .options = options,
    .min_args = 1,
    .max_args = -1,
    .run = run,
};

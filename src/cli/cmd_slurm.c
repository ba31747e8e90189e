/* plateau slurm submit COMMAND ARGS... --tasks N [--partition P] [--mem M] [--time T] [--dry-run]: a batch command
 * as a Slurm job array and a final merge job. The command's own parser, walk and estimates run first (in plan
 * mode), so a wrong argument or an empty input is reported here, not by N tasks in a queue. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "plateau/batch.h"
#include "plateau/mem.h"
#include "plateau/slurm.h"

#define MIB ((size_t)1 << 20)

enum { OPT_TASKS = 100, OPT_MAX_RUNNING, OPT_PARTITION, OPT_MEM, OPT_TIME, OPT_DRY_RUN, OPT_SBATCH_ARG };

static const cli_option options[] = {
    {"tasks", 0, "N", "tasks in the job array: the command's inputs are split into N shards (required)", OPT_TASKS},
    {"max-running", 0, "K", "at most K tasks at once (a throttle on a shared cluster; default: as Slurm allows)",
     OPT_MAX_RUNNING},
    {"partition", 0, "P", "the Slurm partition (default: the cluster's)", OPT_PARTITION},
    {"mem", 0, "SIZE", "memory per task, e.g. 2G (default: from the command's own per-file estimates)", OPT_MEM},
    {"time", 0, "T", "time limit per task, in sbatch's forms (e.g. 2:00:00, 1-0)", OPT_TIME},
    {"dry-run", 0, NULL, "print the scripts and the sbatch command lines; write and submit nothing", OPT_DRY_RUN},
    {"sbatch-arg", 0, "ARG", "one more sbatch argument for both jobs, e.g. --sbatch-arg=--account=lab (repeatable)",
     OPT_SBATCH_ARG},
    {0},
};

typedef struct {
    const cli_command *self;
    long tasks, max_running;
    const char *partition, *time;
    size_t mem;
    bool dry_run;
    char *extra[PL_SLURM_MAX_EXTRA + 1];
    size_t n_extra;
} slurm_args;

static int on_option(void *state, int id, const char *arg)
{
    slurm_args *a = state;
    pl_error err;
    switch (id) {
    case OPT_TASKS: return cli_int_arg(a->self, "--tasks", arg, 1, 1000000, &a->tasks);
    case OPT_MAX_RUNNING: return cli_int_arg(a->self, "--max-running", arg, 1, 1000000, &a->max_running);
    case OPT_PARTITION: a->partition = arg; return 0;
    case OPT_TIME: a->time = arg; return 0;
    case OPT_DRY_RUN: a->dry_run = true; return 0;
    case OPT_MEM:
        if (pl_parse_size(arg, &a->mem, &err) != PL_OK || a->mem < MIB)
            return cli_usage_error(a->self, "--mem takes a size of at least 1M such as 512M or 4G, not '%s'", arg);
        return 0;
    case OPT_SBATCH_ARG:
        if (a->n_extra == PL_SLURM_MAX_EXTRA)
            return cli_usage_error(a->self, "at most %d --sbatch-arg", PL_SLURM_MAX_EXTRA);
        a->extra[a->n_extra++] = (char *)arg;
        return 0;
    }
    return 0;
}

/* The option of slurm submit's own table that argv[i] names ("--tasks", "--tasks=4"), or NULL. */
static const cli_option *own_option(const char *word)
{
    if (strncmp(word, "--", 2) != 0)
        return NULL;
    size_t len = strcspn(word + 2, "=");
    for (const cli_option *o = options; o->name; o++)
        if (strlen(o->name) == len && !strncmp(o->name, word + 2, len))
            return o;
    return NULL;
}

static bool has_option(const cli_command *cmd, const char *name)
{
    for (const cli_option *o = cmd->options; o && o->name; o++)
        if (!strcmp(o->name, name))
            return true;
    return false;
}

/* The batch command named by the first one or two of the words, or NULL. */
static const cli_command *find_command(int n, char **words, int *used)
{
    for (size_t i = 0; i < cli_n_commands; i++) {
        const cli_command *c = cli_commands[i];
        const char *space = strchr(c->name, ' ');
        size_t first = space ? (size_t)(space - c->name) : strlen(c->name);
        if (n < 1 || strlen(words[0]) != first || strncmp(words[0], c->name, first))
            continue;
        if (space && (n < 2 || strcmp(words[1], space + 1)))
            continue;
        *used = space ? 2 : 1;
        return c;
    }
    return NULL;
}

/* dir/path for a relative path (the user's spelling kept, symlinks not resolved), into a pl_alloc'd string. */
static char *absolute(const char *cwd, const char *path, bool list)
{
    const char *p = list ? path + 1 : path;
    size_t need = strlen(cwd) + strlen(p) + 3;
    char *s = pl_alloc(need, "slurm arguments", NULL);
    if (s)
        snprintf(s, need, "%s%s%s%s", list ? "@" : "", p[0] == '/' ? "" : cwd, p[0] == '/' ? "" : "/", p);
    return s;
}

typedef struct {
    char **args;
    size_t n;
    const char *out; /* the -o value, absolute */
} task_args;

/* Options the campaign sets itself, per task; a user's value would be wrong for every task. */
static int refuse_word(const cli_command *self, const cli_option *o)
{
    if (!strcmp(o->name, "shard") || !strcmp(o->name, "done-file"))
        return cli_usage_error(self, "leave --%s out: each task gets its own", o->name);
    if (!strcmp(o->name, "log"))
        return cli_usage_error(self, "leave --log out: each task writes its JSON lines to OUT/%s/logs/<i>.jsonl",
                               PL_SLURM_DIR);
    if (!strcmp(o->name, "db"))
        return cli_usage_error(self, "leave --db out: each task writes its shard's database and the final job "
                                     "merges them into OUT");
    return 0;
}

/* The command's arguments for the tasks: paths made absolute; -o, -j and --memory-limit taken out (the campaign
 * writes them per task). */
static int rewrite_args(const cli_command *self, const cli_command *cmd, int argc, char **argv, const char *cwd,
                        task_args *t)
{
    cli_word *w = pl_calloc((size_t)argc + 1, sizeof *w, "slurm arguments", NULL);
    t->args = pl_calloc((size_t)argc + 1, sizeof *t->args, "slurm arguments", NULL);
    if (!w || !t->args) {
        pl_free(w);
        fprintf(stderr, "plateau: out of memory\n");
        return CLI_EXIT_FAILED;
    }
    cli_words(cmd, argc, argv, w);
    int rc = 0;
    for (int i = 0; i < argc && !rc; i++) {
        const cli_option *o = w[i].opt;
        if (o && !w[i].is_value && (rc = refuse_word(self, o)) != 0)
            break;
        bool taken = o && (!strcmp(o->name, "output") || !strcmp(o->name, "jobs") || !strcmp(o->name, "memory-limit"));
        const char *value = w[i].is_value ? argv[i] : w[i].value;
        if (taken && !strcmp(o->name, "output") && value) {
            pl_free((char *)t->out); /* the last -o counts, as in the command's own parser */
            t->out = absolute(cwd, value, false);
        }
        if (taken)
            continue;
        char *word;
        if (!o && !w[i].separator)
            word = absolute(cwd, argv[i], argv[i][0] == '@'); /* a batch command's positional arguments are paths */
        else if (o && value && cli_option_is_path(o) && w[i].is_value)
            word = absolute(cwd, value, false);
        else if (o && value && cli_option_is_path(o)) {
            char *abs = absolute(cwd, value, false);
            size_t need = strlen(o->name) + (abs ? strlen(abs) : 0) + 4;
            word = abs ? pl_alloc(need, "slurm arguments", NULL) : NULL;
            if (word)
                snprintf(word, need, "--%s=%s", o->name, abs);
            pl_free(abs);
        } else
            word = pl_strdup(argv[i], NULL);
        if (!word)
            rc = CLI_EXIT_FAILED;
        else
            t->args[t->n++] = word;
    }
    pl_free(w);
    if (!rc && !t->out)
        rc = cli_usage_error(self, "give the command its -o OUT: the folder the shards are merged into");
    return rc;
}

static void free_args(task_args *t)
{
    for (size_t i = 0; i < t->n; i++)
        pl_free(t->args[i]);
    pl_free(t->args);
    pl_free((char *)t->out);
}

/* Runs the command in plan mode: its parser, walk and estimates. Returns an exit code; *planned is false when it
 * only printed its help. */
static int plan_command(const cli_command *cmd, int argc, char **argv, cli_common *common, pl_batch_plan *plan,
                        bool *planned)
{
    char **copy = pl_calloc((size_t)argc + 1, sizeof *copy, "slurm arguments", NULL);
    if (!copy)
        return CLI_EXIT_FAILED;
    memcpy(copy, argv, (size_t)argc * sizeof *copy); /* cli_parse reorders its argv */
    plan->files = (size_t)-1;
    common->progress = PL_PROGRESS_NEVER;
    common->plan = plan;
    int rc = cmd->run(cmd, common, argc, copy);
    pl_free(copy);
    *planned = plan->files != (size_t)-1;
    return rc;
}

static void print_plan(const char *command, const pl_batch_plan *p, const pl_slurm_campaign *c, FILE *out)
{
    char bytes[32], shard[32], budget[32], mem[32];
    fprintf(out,
            "%s: %zu files (%s) in %d tasks, at most %zu files and %s in one; each task %d job%s under %s, "
            "asking for %s\n",
            command, p->files, pl_format_size((double)p->bytes, bytes, sizeof bytes), c->tasks, p->largest_shard,
            pl_format_size((double)p->largest_bytes, shard, sizeof shard), c->jobs, c->jobs == 1 ? "" : "s",
            pl_format_size((double)c->budget, budget, sizeof budget),
            pl_format_size((double)c->memory, mem, sizeof mem));
    if (p->empty_shards)
        fprintf(out, "%s: note: %zu of the %d tasks get no file (more tasks than needed)\n", command, p->empty_shards,
                c->tasks);
}

static void print_argv(char **argv, FILE *out)
{
    for (char **p = argv; *p; p++) {
        if (p != argv)
            fputc(' ', out);
        pl_shell_quote(out, *p);
    }
    fputc('\n', out);
}

static int dry_run(const pl_slurm_campaign *c)
{
    pl_error err;
    char **argv[2] = {NULL, NULL};
    char path[PL_PATH_MAX];
    int rc = CLI_EXIT_OK;
    for (int which = PL_SLURM_TASK; which <= PL_SLURM_MERGE && rc == CLI_EXIT_OK; which++) {
        pl_slurm_path(c, which == PL_SLURM_TASK ? "task.sh" : "merge.sh", path, sizeof path);
        printf("# ---- %s\n", path);
        if (pl_slurm_write_script(c, which, stdout, &err) != PL_OK ||
            pl_slurm_sbatch_argv(c, which, "ARRAY_JOB_ID", &argv[which], &err) != PL_OK) {
            cli_print_error(&err);
            rc = CLI_EXIT_FAILED;
        }
    }
    if (rc == CLI_EXIT_OK) {
        printf("# ---- submission (ARRAY_JOB_ID: the id the first sbatch prints)\n");
        print_argv(argv[0], stdout);
        print_argv(argv[1], stdout);
    }
    pl_slurm_argv_free(argv[0]);
    pl_slurm_argv_free(argv[1]);
    return rc;
}

static int submit_campaign(const pl_slurm_campaign *c)
{
    pl_error err;
    pl_error_clear(&err);
    char array_job[32], final_job[32];
    if (pl_slurm_submit(c, array_job, final_job, &err) != PL_OK) {
        cli_print_error(&err);
        return CLI_EXIT_FAILED;
    }
    printf("submitted job array %s (%d tasks) and final job %s (merges into %s once the array has ended); logs in "
           "%s/logs\n",
           array_job, c->tasks, final_job, c->out_dir, c->dir);
    return CLI_EXIT_OK;
}

/* The task's memory budget and Slurm request: from --mem and --memory-limit when given, else from the largest
 * per-file estimate the engine itself reserves, times the files a task runs at once. */
static int size_tasks(const cli_command *self, const slurm_args *a, const cli_common *common, size_t max_estimate,
                      pl_slurm_campaign *c)
{
    size_t overhead = pl_slurm_overhead(c->jobs);
    c->budget = common->memory_limit ? common->memory_limit : (size_t)c->jobs * max_estimate;
    if (!common->memory_limit && a->mem)
        c->budget = a->mem > overhead + MIB ? a->mem - overhead : 0;
    c->memory = a->mem ? a->mem : c->budget + overhead;
    char have[32], need[32];
    if (c->budget < MIB || c->memory < c->budget)
        return cli_usage_error(self, "--mem %s leaves no room for a memory budget (a task holds about %s besides it)",
                               pl_format_size((double)a->mem, have, sizeof have),
                               pl_format_size((double)overhead, need, sizeof need));
    if (c->budget < (size_t)c->jobs * max_estimate && !common->quiet)
        fprintf(stderr,
                "plateau slurm submit: note: a budget of %s is below the engine's estimate of %s for %d file%s at "
                "once; files run one at a time, and one that needs more fails as over budget\n",
                pl_format_size((double)c->budget, have, sizeof have),
                pl_format_size((double)c->jobs * (double)max_estimate, need, sizeof need), c->jobs,
                c->jobs == 1 ? "" : "s");
    return 0;
}

/* Plans the command, builds the campaign from its arguments, then prints it (--dry-run) or submits it. */
static int submit(const cli_command *self, const cli_command *cmd, const slurm_args *a, int argc, char **argv)
{
    cli_common common = {0};
    pl_batch_plan plan = {.shards = (int)a->tasks};
    bool planned;
    int rc = plan_command(cmd, argc, argv, &common, &plan, &planned);
    if (rc || !planned)
        return rc;
    char cwd[PL_PATH_MAX], exe[PL_PATH_MAX], dir[PL_PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (!getcwd(cwd, sizeof cwd) || len <= 0) {
        perror("plateau slurm submit: cannot find the working folder or the plateau binary");
        return CLI_EXIT_FAILED;
    }
    exe[len] = '\0';
    task_args t = {0};
    if ((rc = rewrite_args(self, cmd, argc, argv, cwd, &t)) != 0) {
        free_args(&t);
        return rc;
    }
    snprintf(dir, sizeof dir, "%s/%s", t.out, PL_SLURM_DIR);
    pl_slurm_campaign c = {.plateau = exe,
                           .command = cmd->name,
                           .args = t.args,
                           .n_args = t.n,
                           .out_dir = t.out,
                           .dir = dir,
                           .workdir = cwd,
                           .tasks = (int)a->tasks,
                           .max_running = (int)a->max_running,
                           .jobs = common.jobs ? common.jobs : 1,
                           .time = a->time,
                           .partition = a->partition,
                           .extra = a->extra,
                           .n_extra = a->n_extra};
    if ((rc = size_tasks(self, a, &common, plan.max_estimate, &c)) == 0) {
        if (!common.quiet)
            print_plan(cmd->name, &plan, &c, stderr);
        if (a->dry_run)
            rc = dry_run(&c);
        else
            rc = submit_campaign(&c);
    }
    free_args(&t);
    return rc;
}

static int run(const cli_command *self, cli_common *ignored, int argc, char **argv)
{
    (void)ignored; /* -q, -v and the batch options belong to the command, which gets its own */
    slurm_args a = {.self = self};
    /* slurm submit's own options may stand anywhere; every other word belongs to the command */
    char **rest = pl_calloc((size_t)argc + 1, sizeof *rest, "slurm arguments", NULL);
    if (!rest)
        return CLI_EXIT_FAILED;
    int n_rest = 0, rc = 0;
    for (int i = 0; i < argc && !rc; i++) {
        const cli_option *o = own_option(argv[i]);
        if (!o && (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))) {
            cli_print_help(self);
            rc = -1;
        } else if (!o) {
            rest[n_rest++] = argv[i];
        } else {
            const char *eq = strchr(argv[i], '=');
            if (o->metavar && !eq && i + 1 >= argc)
                rc = cli_usage_error(self, "option '--%s' needs a value (%s)", o->name, o->metavar);
            else
                rc = on_option(&a, o->id, o->metavar ? (eq ? eq + 1 : argv[++i]) : NULL);
        }
    }
    int used = 0;
    const cli_command *cmd = rc ? NULL : find_command(n_rest, rest, &used);
    if (!rc && !n_rest)
        rc = cli_usage_error(self, "missing the command to run (e.g. trim analyze PATH... -o OUT)");
    else if (!rc && (!cmd || !(cmd->common & CLI_SHARD)))
        rc = cli_usage_error(self, "'%s' is not a batch command (trim analyze, ephys convert, ephys run)",
                             cmd ? cmd->name : rest[0]);
    if (!rc && !has_option(cmd, "output"))
        rc = cli_usage_error(self, "'%s' writes into its inputs in place: there is nothing to merge; run a campaign "
                                   "of 'ephys run', or shard it by hand with --shard I/N",
                             cmd->name);
    if (!rc && a.tasks == 0)
        rc = cli_usage_error(self, "missing --tasks N: how many tasks the job array has");
    if (rc) {
        pl_free(rest);
        return rc < 0 ? CLI_EXIT_OK : rc;
    }
    rc = submit(self, cmd, &a, n_rest - used, rest + used);
    pl_free(rest);
    return rc;
}

const cli_command cmd_slurm_submit = {
    .name = "slurm submit",
    .summary = "run a batch command as a Slurm job array, then merge its shards",
    .usage = "COMMAND ARGS... -o OUT --tasks N [--partition P] [--mem SIZE] [--time T] [--dry-run]",
    .description =
        "COMMAND is a batch command (trim analyze, ephys convert, ephys run) with its arguments. Task i of an sbatch\n"
        "job array runs it with --shard i/N into OUT/.slurm/shards/i; a final job, started once every task has\n"
        "ended, merges the shards into OUT with 'plateau merge' when every task tried all of its files, and\n"
        "otherwise names the tasks that did not finish. Submitting the same command again resumes: each task skips\n"
        "what its shard already holds. Paths are made absolute; the scripts (OUT/.slurm/task.sh, merge.sh) and the\n"
        "per-task logs (OUT/.slurm/logs) stay for reading. Each task asks for the memory its files need by the\n"
        "command's own estimates (the budget the batch engine reserves per file, times -j) unless --mem is given.\n"
        "Submission runs sbatch (SLURM_CONF and PATH as in the calling shell); see docs/scale.md.",
    .common = 0,
    .options = options,
    .min_args = 0,
    .max_args = -1,
    .run = run,
};

/* The scripts and sbatch command lines of a Slurm campaign (see plateau/slurm.h). Every piece of user data (paths,
 * arguments) is written into a script through pl_shell_quote, and reaches sbatch as its own argv element. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "plateau/mem.h"
#include "plateau/slurm.h"
#include "plateau/version.h"

#define MIB ((size_t)1 << 20)

size_t pl_slurm_overhead(int jobs)
{
    /* Measured on trim and ephys batches (peak RSS less the charged peak): the parent holds about 20 MiB and each
     * worker about 13 MiB its budget does not see (code, libraries, fonts, stdio buffers). Twice that, rounded up,
     * since Slurm's limit also counts the page cache of the files a task writes. */
    return 64 * MIB + (size_t)(jobs > 0 ? jobs : 1) * 32 * MIB;
}

void pl_slurm_path(const pl_slurm_campaign *c, const char *name, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", c->dir, name);
}

pl_status pl_slurm_check(const pl_slurm_campaign *c, pl_error *err)
{
    if (c->tasks < 1 || c->jobs < 1 || c->max_running < 0)
        return pl_error_set(err, PL_EARG, NULL, "a campaign needs at least one task and one job per task");
    const char *paths[] = {c->plateau, c->out_dir, c->dir, c->workdir};
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++)
        if (!paths[i] || paths[i][0] != '/')
            return pl_error_set(err, PL_EARG, paths[i], "a campaign's paths must be absolute");
    /* sbatch drops every backslash of an --output pattern and then expands nothing (Slurm's filename patterns) */
    if (strchr(c->dir, '\\'))
        return pl_error_set(err, PL_EARG, c->dir,
                            "a backslash in the campaign folder's path cannot be written as sbatch's --output; "
                            "choose an output folder without one");
    if (c->n_extra > PL_SLURM_MAX_EXTRA)
        return pl_error_set(err, PL_EARG, NULL, "at most %d extra sbatch arguments", PL_SLURM_MAX_EXTRA);
    if (c->memory < c->budget)
        return pl_error_set(err, PL_EARG, NULL, "a task's memory request is below its memory budget");
    return PL_OK;
}

void pl_shell_quote(FILE *out, const char *s)
{
    static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-";
    if (*s && strspn(s, safe) == strlen(s)) {
        fputs(s, out);
        return;
    }
    fputc('\'', out);
    for (; *s; s++)
        if (*s == '\'')
            fputs("'\\''", out); /* close the quotes, an escaped quote, open again */
        else
            fputc(*s, out);
    fputc('\'', out);
}

static void write_task(const pl_slurm_campaign *c, FILE *out)
{
    fprintf(out,
            "#!/bin/bash\n"
            "# A task of a plateau campaign on Slurm, written by 'plateau slurm submit' (plateau %s).\n"
            "# Task i of the job array runs shard i of %d into the campaign folder's shards/i and, once it has\n"
            "# tried every file of its shard, writes done/i.json. Run again, a task skips what its shard's ledger\n"
            "# or results database already holds.\n"
            "set -eu\n"
            "i=${SLURM_ARRAY_TASK_ID:?this script runs as a task of a Slurm job array (sbatch --array=1-%d)}\n"
            "dir=",
            PLATEAU_VERSION, c->tasks, c->tasks);
    pl_shell_quote(out, c->dir);
    fputs("\nmkdir -p -- \"$dir/shards\" \"$dir/done\" \"$dir/logs\"\nexec ", out);
    pl_shell_quote(out, c->plateau);
    char words[64];
    snprintf(words, sizeof words, "%s", c->command);
    for (char *w = strtok(words, " "); w; w = strtok(NULL, " ")) {
        fputc(' ', out);
        pl_shell_quote(out, w);
    }
    for (size_t i = 0; i < c->n_args; i++) {
        fputc(' ', out);
        pl_shell_quote(out, c->args[i]);
    }
    fprintf(out,
            " \\\n    -o \"$dir/shards/$i\" --shard \"$i/%d\" -j %d --memory-limit %zuM \\\n"
            "    --log \"$dir/logs/$i.jsonl\" --done-file \"$dir/done/$i.json\"\n",
            c->tasks, c->jobs, c->budget / MIB);
}

static void write_merge(const pl_slurm_campaign *c, FILE *out)
{
    fprintf(out,
            "#!/bin/bash\n"
            "# The final job of a plateau campaign on Slurm, written by 'plateau slurm submit' (plateau %s).\n"
            "# It starts once every task of the array has ended. When each task tried all of its files (done/i.json),\n"
            "# the shards are merged into the output folder; otherwise nothing is merged and the unfinished tasks\n"
            "# are named, to be run again.\n"
            "set -u\n"
            "dir=",
            PLATEAU_VERSION);
    pl_shell_quote(out, c->dir);
    fprintf(out,
            "\ntasks=%d\n"
            "shards=()\n"
            "missing=\n"
            "for ((i = 1; i <= tasks; i++)); do\n"
            "    if [ -f \"$dir/done/$i.json\" ]; then\n"
            "        shards+=(\"$dir/shards/$i\")\n"
            "    else\n"
            "        missing=\"$missing $i\"\n"
            "    fi\n"
            "done\n"
            "if [ -n \"$missing\" ]; then\n"
            "    echo \"plateau slurm: task(s)$missing of $tasks did not finish (cancelled, out of time or memory: see"
            " $dir/logs); nothing was merged. Submit the same command again: finished shards skip their files, the"
            " others resume, then the merge runs.\" >&2\n"
            "    exit 1\n"
            "fi\n"
            "cat -- \"$dir\"/done/*.json\n"
            "exec ",
            c->tasks);
    pl_shell_quote(out, c->plateau);
    fputs(" merge -o ", out);
    pl_shell_quote(out, c->out_dir);
    fputs(" \"${shards[@]}\"\n", out);
}

pl_status pl_slurm_write_script(const pl_slurm_campaign *c, pl_slurm_script which, FILE *out, pl_error *err)
{
    pl_status st = pl_slurm_check(c, err);
    if (st != PL_OK)
        return st;
    if (which == PL_SLURM_TASK)
        write_task(c, out);
    else
        write_merge(c, out);
    if (ferror(out))
        return pl_error_errno(err, PL_EIO, NULL, "cannot write the %s script",
                              which == PL_SLURM_TASK ? "task" : "merge");
    return PL_OK;
}

typedef struct argv_list {
    char **v;
    size_t n, cap;
    pl_status st;
    pl_error *err;
} argv_list;

/* Appends one formatted argument; the first failure is kept and later calls do nothing. */
static void add(argv_list *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(argv_list *a, const char *fmt, ...)
{
    if (a->st != PL_OK)
        return;
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = pl_alloc((size_t)len + 1, "sbatch arguments", a->err);
    if (!s) {
        a->st = a->err ? a->err->code : PL_ENOMEM;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(s, (size_t)len + 1, fmt, ap);
    va_end(ap);
    a->v[a->n++] = s;
}

/* "dir/logs/NAME" with Slurm's filename pattern character escaped ("%" -> "%%"), for --output. */
static void add_log_pattern(argv_list *a, const char *dir, const char *name)
{
    char escaped[2 * 4096];
    size_t o = 0;
    for (const char *p = dir; *p && o + 3 < sizeof escaped; p++) {
        if (*p == '%')
            escaped[o++] = '%';
        escaped[o++] = *p;
    }
    escaped[o] = '\0';
    add(a, "--output=%s/logs/%s", escaped, name);
}

pl_status pl_slurm_sbatch_argv(const pl_slurm_campaign *c, pl_slurm_script which, const char *array_job, char ***argv,
                               pl_error *err)
{
    *argv = NULL;
    pl_status st = pl_slurm_check(c, err);
    if (st != PL_OK)
        return st;
    argv_list a = {.cap = 16 + c->n_extra, .err = err};
    if (!(a.v = pl_calloc(a.cap, sizeof *a.v, "sbatch arguments", err)))
        return err ? err->code : PL_ENOMEM;
    char name[80];
    snprintf(name, sizeof name, "plateau-%s%s", c->command, which == PL_SLURM_MERGE ? "-merge" : "");
    for (char *p = name; *p; p++)
        *p = *p == ' ' ? '-' : *p;
    add(&a, "sbatch");
    add(&a, "--parsable");
    add(&a, "--job-name=%s", name);
    if (which == PL_SLURM_TASK) {
        if (c->max_running > 0)
            add(&a, "--array=1-%d%%%d", c->tasks, c->max_running);
        else
            add(&a, "--array=1-%d", c->tasks);
        add(&a, "--cpus-per-task=%d", c->jobs);
    } else {
        add(&a, "--dependency=afterany:%s", array_job);
    }
    add(&a, "--mem=%zuM", (c->memory + MIB - 1) / MIB);
    if (c->time)
        add(&a, "--time=%s", c->time);
    if (c->partition)
        add(&a, "--partition=%s", c->partition);
    add(&a, "--chdir=%s", c->workdir);
    add_log_pattern(&a, c->dir, which == PL_SLURM_TASK ? "%A_%a.log" : "%j-merge.log");
    for (size_t i = 0; i < c->n_extra; i++)
        add(&a, "%s", c->extra[i]);
    add(&a, "%s/%s", c->dir, which == PL_SLURM_TASK ? "task.sh" : "merge.sh");
    if (a.st != PL_OK) {
        pl_slurm_argv_free(a.v);
        return a.st;
    }
    *argv = a.v;
    return PL_OK;
}

void pl_slurm_argv_free(char **argv)
{
    for (char **p = argv; p && *p; p++)
        pl_free(*p);
    pl_free(argv);
}

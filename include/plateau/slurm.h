/* plateau: one batch command as a Slurm job array (`plateau slurm submit`).
 *
 * A campaign splits a batch command into N shards. Task i of an sbatch job array runs the command with --shard i/N
 * into its own folder; a final job, started once every task has ended (afterany), checks that each task tried all of
 * its files and merges the shard folders into the command's output folder with `plateau merge`. A task that did not
 * finish (cancelled, out of time, killed) leaves no marker: the final job then merges nothing and names the tasks
 * to run again, and a resubmission resumes each shard from its own ledger or results database.
 *
 * Layout under the campaign folder (OUT/.slurm by default; hidden, so walks over OUT never see it):
 *   task.sh, merge.sh     the two scripts, kept for reading and for resubmitting by hand
 *   shards/<i>/           task i's output folder
 *   done/<i>.json         written by task i once every file of its shard was tried (--done-file)
 *   logs/<job>_<i>.log    each task's stdout and stderr; logs/<job>-merge.log for the final job
 *   logs/<i>.jsonl        each task's JSON lines (--log)
 *   jobs.tsv              one line per submission: time, array job id, final job id
 *
 * Nothing here prints: scripts go to files or to a FILE the caller gives. */
#ifndef PLATEAU_SLURM_H
#define PLATEAU_SLURM_H

#include <stddef.h>
#include <stdio.h>

#include "plateau/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The name of the campaign folder inside the output folder. */
#define PL_SLURM_DIR ".slurm"
/* Extra sbatch arguments a campaign takes (--account=..., --qos=...). */
#define PL_SLURM_MAX_EXTRA 32

typedef struct pl_slurm_campaign {
    const char *plateau; /* absolute path of the plateau binary the jobs run */
    const char *command; /* the command's words: "trim analyze" */
    char *const *args;   /* its arguments, paths absolute, without the options the campaign sets itself (-o, -j,
                            --memory-limit, --shard, --log, --done-file) */
    size_t n_args;
    const char *out_dir;   /* absolute: where the shards are merged */
    const char *dir;       /* absolute: the campaign folder (scripts, shards, markers, logs) */
    const char *workdir;   /* absolute: the jobs' working folder (the submitting shell's, for relative @lists) */
    int tasks;             /* N, the shards */
    int max_running;       /* at most this many tasks at once (sbatch --array=1-N%K); 0 = as Slurm allows */
    int jobs;              /* files at once in a task (-j), and the CPUs it asks for */
    size_t budget;         /* the task's --memory-limit, bytes */
    size_t memory;         /* what a task asks Slurm for (sbatch --mem), bytes */
    const char *time;      /* sbatch --time, or NULL for the partition's default */
    const char *partition; /* sbatch --partition, or NULL for the cluster's default */
    char *const *extra;    /* more sbatch arguments for both jobs, e.g. "--account=lab" */
    size_t n_extra;
} pl_slurm_campaign;

typedef enum { PL_SLURM_TASK, PL_SLURM_MERGE } pl_slurm_script;

/* What a task holds outside its memory budget (code, libraries, the parent process, each worker's own state). */
size_t pl_slurm_overhead(int jobs);

/* Checks a campaign before anything is written or submitted: counts, absolute paths, sbatch's limits. */
pl_status pl_slurm_check(const pl_slurm_campaign *c, pl_error *err);

/* Writes the script of the array's tasks or of the final job. */
pl_status pl_slurm_write_script(const pl_slurm_campaign *c, pl_slurm_script which, FILE *out, pl_error *err);

/* The sbatch command line (without the script's path) of the array, or of the final job after array_job (an id,
 * or a placeholder for a dry run). *argv is a NULL-terminated, pl_alloc'd list; free it with pl_slurm_argv_free. */
pl_status pl_slurm_sbatch_argv(const pl_slurm_campaign *c, pl_slurm_script which, const char *array_job, char ***argv,
                               pl_error *err);
void pl_slurm_argv_free(char **argv);

/* The path of a campaign file: "task.sh", "merge.sh", "jobs.tsv", or a folder ("shards", "logs", "done"). */
void pl_slurm_path(const pl_slurm_campaign *c, const char *name, char *buf, size_t size);

/* Writes the scripts into the campaign folder and submits the array, then the final job depending on it, with
 * `sbatch --parsable` (run directly, no shell). Refuses while jobs of an earlier submission of the same campaign are
 * still queued or running (two tasks on one shard would share its folder). Fills the two job ids. */
pl_status pl_slurm_submit(const pl_slurm_campaign *c, char array_job[32], char final_job[32], pl_error *err);

/* Writes s for a POSIX shell: as it is when it holds only safe characters, otherwise in single quotes. */
void pl_shell_quote(FILE *out, const char *s);

#ifdef __cplusplus
}
#endif
#endif

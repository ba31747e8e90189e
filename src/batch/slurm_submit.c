/* Submitting a Slurm campaign: the scripts written atomically into the campaign folder, then sbatch and squeue run
 * directly (fork and exec, no shell), their output read through pipes under a time limit. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "plateau/afile.h"
#include "plateau/mem.h"
#include "plateau/progress.h"
#include "plateau/slurm.h"

/* sbatch waits for an unreachable controller for a while (MessageTimeout, retries); this bounds the wait. */
#define CLIENT_TIMEOUT_S 120.0
/* Submissions of a campaign whose jobs are looked for in the queue before a new one: the latest few. */
#define RECENT_SUBMISSIONS 8

typedef struct captured {
    char out[4096];
    char err[1024];
    int status; /* exit status; 127 when the program could not be started; -1 when killed or timed out */
} captured;

/* Appends what fd has to buf (keeping the first size-1 bytes, dropping the rest); false at end of file. */
static bool drain(int fd, char *buf, size_t size)
{
    char chunk[4096];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return true;
    if (n <= 0)
        return false;
    size_t have = strlen(buf), room = size - 1 - have;
    size_t take = (size_t)n < room ? (size_t)n : room;
    memcpy(buf + have, chunk, take);
    buf[have + take] = '\0';
    return true;
}

/* Runs argv[0] (looked up on PATH) with argv, stdin from /dev/null, capturing stdout and stderr. */
static pl_status run_client(char *const *argv, captured *r, pl_error *err)
{
    memset(r, 0, sizeof *r);
    int out[2], errp[2];
    if (pipe2(out, O_CLOEXEC) != 0)
        return pl_error_errno(err, PL_EIO, NULL, "cannot create a pipe for %s", argv[0]);
    if (pipe2(errp, O_CLOEXEC) != 0) {
        close(out[0]);
        close(out[1]);
        return pl_error_errno(err, PL_EIO, NULL, "cannot create a pipe for %s", argv[0]);
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDONLY);
        if (null < 0 || dup2(null, 0) < 0 || dup2(out[1], 1) < 0 || dup2(errp[1], 2) < 0)
            _exit(126);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(out[1]);
    close(errp[1]);
    if (pid < 0) {
        close(out[0]);
        close(errp[0]);
        return pl_error_errno(err, PL_EIO, NULL, "cannot start %s", argv[0]);
    }
    struct pollfd pfd[2] = {{.fd = out[0], .events = POLLIN}, {.fd = errp[0], .events = POLLIN}};
    double deadline = pl_now() + CLIENT_TIMEOUT_S;
    bool timed_out = false;
    while (pfd[0].fd >= 0 || pfd[1].fd >= 0) {
        double left = deadline - pl_now();
        if (left <= 0) {
            timed_out = true;
            kill(pid, SIGKILL);
            break;
        }
        if (poll(pfd, 2, (int)(left * 1000) + 1) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; i++)
            if (pfd[i].fd >= 0 && pfd[i].revents &&
                !drain(pfd[i].fd, i ? r->err : r->out, i ? sizeof r->err : sizeof r->out)) {
                close(pfd[i].fd);
                pfd[i].fd = -1;
            }
    }
    for (int i = 0; i < 2; i++)
        if (pfd[i].fd >= 0)
            close(pfd[i].fd);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    r->status = WIFEXITED(status) && !timed_out ? WEXITSTATUS(status) : -1;
    r->err[strcspn(r->err, "\n")] = '\0'; /* the first line is the message */
    if (timed_out)
        return pl_error_set(err, PL_ETIMEOUT, NULL, "%s gave no answer in %.0f s (is slurmctld reachable?)", argv[0],
                            CLIENT_TIMEOUT_S);
    if (r->status == 127)
        return pl_error_set(err, PL_ENOTFOUND, NULL, "cannot run %s: is Slurm's client installed and on PATH?",
                            argv[0]);
    return PL_OK;
}

static bool is_job_id(const char *s)
{
    return *s && strspn(s, "0123456789") == strlen(s);
}

/* The job ids of the latest submissions recorded in jobs.tsv, as "12,13,20,21" (empty when none). */
static void recent_jobs(const pl_slurm_campaign *c, char *ids, size_t size)
{
    char path[PL_PATH_MAX], line[256];
    char recent[RECENT_SUBMISSIONS][64] = {{0}};
    size_t n = 0;
    ids[0] = '\0';
    pl_slurm_path(c, "jobs.tsv", path, sizeof path);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        char when[64], array[24], final[24];
        if (sscanf(line, "%63s %23s %23s", when, array, final) != 3 || !is_job_id(array))
            continue;
        if (is_job_id(final))
            snprintf(recent[n++ % RECENT_SUBMISSIONS], sizeof recent[0], "%s,%s", array, final);
        else
            snprintf(recent[n++ % RECENT_SUBMISSIONS], sizeof recent[0], "%s", array);
    }
    fclose(f);
    for (size_t i = 0; i < RECENT_SUBMISSIONS; i++)
        if (recent[i][0])
            snprintf(ids + strlen(ids), size - strlen(ids), "%s%s", ids[0] ? "," : "", recent[i]);
}

/* Refuses while a job of an earlier submission is still queued or running: two tasks of one shard would share its
 * folder. Jobs the controller has forgotten (finished long ago) are not in the queue. */
static pl_status check_not_running(const pl_slurm_campaign *c, pl_error *err)
{
    char ids[RECENT_SUBMISSIONS * 64];
    recent_jobs(c, ids, sizeof ids);
    if (!ids[0])
        return PL_OK;
    /* the states of a job not yet ended, named so that no squeue version's default decides */
    char *argv[] = {"squeue", "--noheader", "--format=%i %T", "--states=PD,R,S,CG,CF,RQ,RS,ST,SO,SI", "--jobs",
                    ids,      NULL};
    captured r;
    pl_status st = run_client(argv, &r, err);
    if (st != PL_OK)
        return st;
    if (r.status != 0 && strstr(r.err, "Invalid job id"))
        return PL_OK; /* none of them is known any more */
    if (r.status != 0)
        return pl_error_set(err, PL_EIO, NULL, "squeue failed: %s", r.err[0] ? r.err : "no message");
    if (!r.out[0])
        return PL_OK;
    size_t first = strcspn(r.out, "\n");
    bool more = r.out[first] && r.out[first + 1];
    r.out[first] = '\0';
    return pl_error_set(err, PL_EARG, c->dir,
                        "jobs of an earlier submission of this campaign are still queued or running (%s%s); wait for "
                        "them or scancel them, then submit again",
                        r.out, more ? ", ..." : "");
}

static pl_status write_script_file(const pl_slurm_campaign *c, pl_slurm_script which, pl_error *err)
{
    char path[PL_PATH_MAX];
    pl_slurm_path(c, which == PL_SLURM_TASK ? "task.sh" : "merge.sh", path, sizeof path);
    pl_afile af;
    pl_status st = pl_afile_open(&af, path, err);
    if (st != PL_OK)
        return st;
    if ((st = pl_slurm_write_script(c, which, af.fp, err)) != PL_OK) {
        pl_afile_abort(&af);
        return st;
    }
    return pl_afile_commit(&af, err);
}

/* Runs one sbatch command line; its --parsable answer is "jobid" or "jobid;cluster". */
static pl_status sbatch(const pl_slurm_campaign *c, pl_slurm_script which, const char *after, char id[32],
                        pl_error *err)
{
    char **argv;
    pl_status st = pl_slurm_sbatch_argv(c, which, after, &argv, err);
    if (st != PL_OK)
        return st;
    captured r;
    st = run_client(argv, &r, err);
    pl_slurm_argv_free(argv);
    if (st != PL_OK)
        return st;
    size_t len = strspn(r.out, "0123456789");
    if (r.status != 0 || len == 0 || len >= 32)
        return pl_error_set(err, PL_EIO, NULL, "sbatch refused the %s: %s",
                            which == PL_SLURM_TASK ? "job array" : "final job",
                            r.err[0]   ? r.err
                            : r.out[0] ? r.out
                                       : "no message");
    memcpy(id, r.out, len);
    id[len] = '\0';
    return PL_OK;
}

static void record(const pl_slurm_campaign *c, const char *array_job, const char *final_job)
{
    char path[PL_PATH_MAX], when[32], line[128];
    time_t now = time(NULL);
    struct tm tm;
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    int len = snprintf(line, sizeof line, "%s\t%s\t%s\n", when, array_job, final_job);
    pl_slurm_path(c, "jobs.tsv", path, sizeof path);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return; /* only a record for the next submission's check; the jobs are submitted */
    ssize_t w = write(fd, line, (size_t)len);
    (void)w;
    close(fd);
}

pl_status pl_slurm_submit(const pl_slurm_campaign *c, char array_job[32], char final_job[32], pl_error *err)
{
    array_job[0] = final_job[0] = '\0';
    pl_status st = pl_slurm_check(c, err);
    if (st != PL_OK || (st = check_not_running(c, err)) != PL_OK)
        return st;
    static const char *const folders[] = {"shards", "done", "logs"};
    for (size_t i = 0; i < sizeof folders / sizeof *folders; i++) {
        char path[PL_PATH_MAX];
        pl_slurm_path(c, folders[i], path, sizeof path);
        if ((st = pl_mkdirs(path, err)) != PL_OK)
            return st;
    }
    if ((st = write_script_file(c, PL_SLURM_TASK, err)) != PL_OK ||
        (st = write_script_file(c, PL_SLURM_MERGE, err)) != PL_OK ||
        (st = sbatch(c, PL_SLURM_TASK, NULL, array_job, err)) != PL_OK)
        return st;
    if ((st = sbatch(c, PL_SLURM_MERGE, array_job, final_job, err)) != PL_OK) {
        char why[PL_ERROR_MSG_MAX];
        snprintf(why, sizeof why, "%s", err ? err->msg : "");
        record(c, array_job, "-");
        return pl_error_set(err, st, NULL,
                            "the job array %s is submitted but its final job is not (%s): run merge.sh in %s with "
                            "sbatch once the array has ended, or scancel %s",
                            array_job, why, c->dir, array_job);
    }
    record(c, array_job, final_job);
    return PL_OK;
}

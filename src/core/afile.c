#include "plateau/afile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The signal handler may only use async-signal-safe calls, so the registry is a fixed array of paths
 * that the handler walks with unlink/rmdir and raw getdents64. */
#define SLOTS 256
static char g_slot_path[SLOTS][PL_PATH_MAX];
static volatile sig_atomic_t g_slot_kind[SLOTS]; /* 0 free, 1 file, 2 dir */
static volatile sig_atomic_t g_interrupted;
static atomic_int g_slot_lock;

static void lock(void)
{
    int expected = 0;
    while (!atomic_compare_exchange_weak(&g_slot_lock, &expected, 1))
        expected = 0;
}
static void unlock(void)
{
    atomic_store(&g_slot_lock, 0);
}

static int register_path(const char *path, int kind)
{
    lock();
    for (int i = 0; i < SLOTS; i++) {
        if (g_slot_kind[i] == 0) {
            snprintf(g_slot_path[i], PL_PATH_MAX, "%s", path);
            g_slot_kind[i] = kind;
            unlock();
            return i;
        }
    }
    unlock();
    return -1; /* still correct, only not cleaned on a signal */
}

static void unregister(int slot)
{
    if (slot >= 0 && slot < SLOTS)
        g_slot_kind[slot] = 0;
}

bool pl_interrupted(void)
{
    return g_interrupted != 0;
}

/* Splits final_path into folder and name and builds "<folder>/.plateau-tmp-<pid>-<n>-<name>". */
static pl_status temp_name(const char *final_path, char *out, size_t size, pl_error *err)
{
    static atomic_uint counter;
    const char *slash = strrchr(final_path, '/');
    const char *name = slash ? slash + 1 : final_path;
    int dirlen = slash ? (int)(slash - final_path) : 0;
    if (!*name)
        return pl_error_set(err, PL_EARG, final_path, "output path has no file name");
    int n = snprintf(out, size, "%.*s%s" PL_TMP_PREFIX "%ld-%u-%s", dirlen, final_path, slash ? "/" : "",
                     (long)getpid(), atomic_fetch_add(&counter, 1), name);
    if (n < 0 || (size_t)n >= size)
        return pl_error_set(err, PL_EARG, final_path, "output path is too long");
    return PL_OK;
}

static pl_status parent_dirs(const char *path, pl_error *err)
{
    char dir[PL_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return PL_OK;
    *slash = '\0';
    return pl_mkdirs(dir, err);
}

pl_status pl_afile_reserve(pl_afile *af, const char *final_path, pl_error *err)
{
    memset(af, 0, sizeof *af);
    af->slot = -1;
    if (strlen(final_path) >= sizeof af->final_path)
        return pl_error_set(err, PL_EARG, final_path, "output path is too long");
    snprintf(af->final_path, sizeof af->final_path, "%s", final_path);
    pl_status st = parent_dirs(final_path, err);
    if (st != PL_OK)
        return st;
    st = temp_name(final_path, af->tmp_path, sizeof af->tmp_path, err);
    if (st != PL_OK)
        return st;
    af->slot = register_path(af->tmp_path, 1);
    af->open = true;
    return PL_OK;
}

pl_status pl_afile_open(pl_afile *af, const char *final_path, pl_error *err)
{
    pl_status st = pl_afile_reserve(af, final_path, err);
    if (st != PL_OK)
        return st;
    int fd = open(af->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 || !(af->fp = fdopen(fd, "wb"))) {
        st = pl_error_errno(err, PL_EIO, final_path, "cannot create output");
        if (fd >= 0)
            close(fd);
        unregister(af->slot);
        af->open = false;
        return st;
    }
    setvbuf(af->fp, NULL, _IOFBF, 1 << 16);
    return PL_OK;
}

pl_status pl_afile_write(pl_afile *af, const void *buf, size_t n, pl_error *err)
{
    if (n && fwrite(buf, 1, n, af->fp) != n)
        return pl_error_errno(err, PL_EIO, af->final_path, "write failed");
    return PL_OK;
}

pl_status pl_afile_commit(pl_afile *af, pl_error *err)
{
    if (!af->open)
        return pl_error_set(err, PL_EINTERNAL, af->final_path, "commit of an output that is not open");
    if (af->fp) {
        int bad = ferror(af->fp);
        if (fclose(af->fp) != 0 || bad) {
            af->fp = NULL;
            pl_status st = pl_error_errno(err, PL_EIO, af->final_path, "write failed");
            pl_afile_abort(af);
            return st;
        }
        af->fp = NULL;
    }
    if (g_interrupted) {
        pl_afile_abort(af);
        return pl_error_set(err, PL_EINTR, af->final_path, "interrupted");
    }
    if (rename(af->tmp_path, af->final_path) != 0) {
        pl_status st = pl_error_errno(err, PL_EIO, af->final_path, "cannot rename output into place");
        pl_afile_abort(af);
        return st;
    }
    unregister(af->slot);
    af->open = false;
    return PL_OK;
}

void pl_afile_abort(pl_afile *af)
{
    if (!af->open)
        return;
    if (af->fp)
        fclose(af->fp);
    af->fp = NULL;
    unlink(af->tmp_path);
    unregister(af->slot);
    af->open = false;
}

pl_status pl_mkdirs(const char *path, pl_error *err)
{
    char buf[PL_PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return pl_error_set(err, PL_EARG, path, "path is too long");
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return pl_error_errno(err, PL_EIO, path, "cannot create folder %s", buf);
        *p = '/';
    }
    if (mkdir(buf, 0755) != 0 && errno != EEXIST)
        return pl_error_errno(err, PL_EIO, path, "cannot create folder");
    struct stat sb;
    if (stat(buf, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return pl_error_set(err, PL_EIO, path, "exists and is not a folder");
    return PL_OK;
}

pl_status pl_remove_tree(const char *path, pl_error *err)
{
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return errno == ENOENT ? PL_OK : pl_error_errno(err, PL_EIO, path, "cannot remove");
    if (!S_ISDIR(sb.st_mode))
        return unlink(path) == 0 ? PL_OK : pl_error_errno(err, PL_EIO, path, "cannot remove");
    DIR *d = opendir(path);
    if (!d)
        return pl_error_errno(err, PL_EIO, path, "cannot open folder");
    struct dirent *e;
    pl_status st = PL_OK;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char child[PL_PATH_MAX];
        snprintf(child, sizeof child, "%s/%s", path, e->d_name);
        if ((st = pl_remove_tree(child, err)) != PL_OK)
            break;
    }
    closedir(d);
    if (st == PL_OK && rmdir(path) != 0)
        st = pl_error_errno(err, PL_EIO, path, "cannot remove folder");
    return st;
}

pl_status pl_adir_begin(pl_adir *d, const char *final_path, pl_error *err)
{
    memset(d, 0, sizeof *d);
    d->slot = -1;
    snprintf(d->final_path, sizeof d->final_path, "%s", final_path);
    pl_status st = parent_dirs(final_path, err);
    if (st == PL_OK)
        st = temp_name(final_path, d->tmp_path, sizeof d->tmp_path, err);
    if (st != PL_OK)
        return st;
    if (mkdir(d->tmp_path, 0755) != 0)
        return pl_error_errno(err, PL_EIO, final_path, "cannot create output folder");
    d->slot = register_path(d->tmp_path, 2);
    d->open = true;
    return PL_OK;
}

pl_status pl_adir_commit(pl_adir *d, bool replace, pl_error *err)
{
    if (!d->open)
        return pl_error_set(err, PL_EINTERNAL, d->final_path, "commit of an output folder that is not open");
    if (g_interrupted) {
        pl_adir_abort(d);
        return pl_error_set(err, PL_EINTR, d->final_path, "interrupted");
    }
    struct stat sb;
    if (lstat(d->final_path, &sb) == 0) {
        if (!replace) {
            pl_adir_abort(d);
            return pl_error_set(err, PL_EIO, d->final_path, "output folder exists (use --force to replace it)");
        }
        /* Swap atomically (renameat2 RENAME_EXCHANGE), then remove the old one: the final name never disappears. */
        if (syscall(SYS_renameat2, AT_FDCWD, d->tmp_path, AT_FDCWD, d->final_path, 2 /* RENAME_EXCHANGE */) == 0) {
            pl_remove_tree(d->tmp_path, NULL);
            unregister(d->slot);
            d->open = false;
            return PL_OK;
        }
        /* Filesystems without exchange: move the old one aside first. */
        char old[PL_PATH_MAX];
        temp_name(d->final_path, old, sizeof old, NULL);
        if (rename(d->final_path, old) != 0) {
            pl_status st = pl_error_errno(err, PL_EIO, d->final_path, "cannot replace output folder");
            pl_adir_abort(d);
            return st;
        }
        pl_remove_tree(old, NULL);
    }
    if (rename(d->tmp_path, d->final_path) != 0) {
        pl_status st = pl_error_errno(err, PL_EIO, d->final_path, "cannot rename output folder into place");
        pl_adir_abort(d);
        return st;
    }
    unregister(d->slot);
    d->open = false;
    return PL_OK;
}

void pl_adir_abort(pl_adir *d)
{
    if (!d->open)
        return;
    pl_remove_tree(d->tmp_path, NULL);
    unregister(d->slot);
    d->open = false;
}

/* Async-signal-safe recursive removal: open, getdents64, unlinkat, rmdir only. */
struct linux_dirent64 {
    unsigned long long d_ino;
    long long d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static void remove_tree_signal_safe(int parent_fd, const char *name, int depth)
{
    if (depth > 16)
        return;
    if (unlinkat(parent_fd, name, 0) == 0)
        return;
    int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (fd < 0)
        return;
    char buf[4096];
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
        if (n <= 0)
            break;
        for (long off = 0; off < n;) {
            struct linux_dirent64 *e = (struct linux_dirent64 *)(buf + off);
            off += e->d_reclen;
            if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
                continue;
            remove_tree_signal_safe(fd, e->d_name, depth + 1);
        }
    }
    close(fd);
    unlinkat(parent_fd, name, AT_REMOVEDIR);
}

static void on_signal(int sig)
{
    g_interrupted = 1;
    for (int i = 0; i < SLOTS; i++) {
        if (g_slot_kind[i] == 1)
            unlink(g_slot_path[i]);
        else if (g_slot_kind[i] == 2)
            remove_tree_signal_safe(AT_FDCWD, g_slot_path[i], 0);
        g_slot_kind[i] = 0;
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

void pl_cleanup_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* Seconds since the epoch at which process pid started, or -1 (from /proc/<pid>/stat and btime). Also reports
 * whether it is a zombie, which still answers kill(pid, 0) where nobody reaps orphans. */
static double process_start(long pid, bool *zombie)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')'); /* the command name may contain spaces and parentheses */
    if (!p)
        return -1;
    char state = 0;
    unsigned long long start = 0;
    /* fields after ")": 3 state ... 22 starttime */
    int field = 2;
    for (char *tok = strtok(p + 1, " "); tok; tok = strtok(NULL, " ")) {
        field++;
        if (field == 3)
            state = tok[0];
        if (field == 22) {
            start = strtoull(tok, NULL, 10);
            break;
        }
    }
    *zombie = state == 'Z' || state == 'X';
    FILE *st = fopen("/proc/stat", "r");
    double btime = 0;
    char line[256];
    while (st && fgets(line, sizeof line, st))
        if (!strncmp(line, "btime ", 6))
            btime = strtod(line + 6, NULL);
    if (st)
        fclose(st);
    return btime + (double)start / (double)sysconf(_SC_CLK_TCK);
}

/* Temporaries are named .plateau-tmp-<pid>-...: one is stale when that process is gone, is a zombie, or is a newer
 * process that reused the pid (it started after the temporary was last written). */
static bool stale(const char *dir, const char *name)
{
    const char *p = name + strlen(PL_TMP_PREFIX);
    char *end;
    long pid = strtol(p, &end, 10);
    if (end == p || *end != '-' || pid <= 0)
        return false;
    if (pid == (long)getpid())
        return false;
    if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
        return true;
    bool zombie = false;
    double started = process_start(pid, &zombie);
    if (zombie)
        return true;
    char path[PL_PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct stat sb;
    return started > 0 && lstat(path, &sb) == 0 && started > (double)sb.st_mtime + 1;
}

int pl_cleanup_stale(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int removed = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char child[PL_PATH_MAX];
        snprintf(child, sizeof child, "%s/%s", dir, e->d_name);
        if (strncmp(e->d_name, PL_TMP_PREFIX, strlen(PL_TMP_PREFIX)) == 0) {
            if (stale(dir, e->d_name) && pl_remove_tree(child, NULL) == PL_OK)
                removed++;
            continue;
        }
        struct stat sb;
        if (lstat(child, &sb) == 0 && S_ISDIR(sb.st_mode))
            removed += pl_cleanup_stale(child);
    }
    closedir(d);
    return removed;
}

/* plateau: atomic outputs.
 *
 * Every output is written under a temporary name in its destination folder and renamed into place when complete,
 * so a file under its final name is always whole. Temporary names are registered so that SIGINT/SIGTERM (after
 * pl_cleanup_install) removes them; a kill -9 can leave one, and pl_cleanup_stale() removes leftovers of dead
 * processes. Temporary names start with ".plateau-tmp-" so they are never mistaken for outputs. */
#ifndef PLATEAU_AFILE_H
#define PLATEAU_AFILE_H

#include <stdbool.h>
#include <stdio.h>

#include "plateau/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PL_PATH_MAX 4096
#define PL_TMP_PREFIX ".plateau-tmp-"

typedef struct pl_afile {
    char final_path[PL_PATH_MAX];
    char tmp_path[PL_PATH_MAX];
    FILE *fp; /* open for writing on the temporary file; NULL after pl_afile_reserve */
    int slot; /* registry slot for signal cleanup, -1 if none */
    bool open;
} pl_afile;

/* Opens a temporary file beside final_path for writing (fp is set). */
pl_status pl_afile_open(pl_afile *af, const char *final_path, pl_error *err);
/* Only reserves a temporary name (for libraries that open files by name: cairo, libxlsxwriter, sqlite). */
pl_status pl_afile_reserve(pl_afile *af, const char *final_path, pl_error *err);
pl_status pl_afile_write(pl_afile *af, const void *buf, size_t n, pl_error *err);
/* Flushes, closes and renames onto final_path (replacing an older file there). */
pl_status pl_afile_commit(pl_afile *af, pl_error *err);
/* Closes and removes the temporary file; safe to call after commit or twice. */
void pl_afile_abort(pl_afile *af);

/* A whole output folder built under a temporary name and renamed into place (a bundle). */
typedef struct pl_adir {
    char final_path[PL_PATH_MAX];
    char tmp_path[PL_PATH_MAX];
    int slot;
    bool open;
} pl_adir;

/* Creates the parent folders of final_path and a temporary folder beside it. */
pl_status pl_adir_begin(pl_adir *d, const char *final_path, pl_error *err);
/* Renames the temporary folder onto final_path; an existing folder there is replaced only when `replace`. */
pl_status pl_adir_commit(pl_adir *d, bool replace, pl_error *err);
void pl_adir_abort(pl_adir *d);

/* mkdir -p. */
pl_status pl_mkdirs(const char *path, pl_error *err);
/* rm -r (used for temporary folders only). */
pl_status pl_remove_tree(const char *path, pl_error *err);

/* Installs SIGINT/SIGTERM handlers that remove every registered temporary and re-raise the signal. */
void pl_cleanup_install(void);
/* Removes temporaries in `dir` (recursively) whose creating process no longer exists. Returns how many. */
int pl_cleanup_stale(const char *dir);
/* Set by the signal handler; long loops poll it to stop early with PL_EINTR. */
bool pl_interrupted(void);

#ifdef __cplusplus
}
#endif
#endif

/* plateau: one error value for the whole library.
 *
 * Every library function returns a pl_status. When it is not PL_OK and the caller passed a pl_error, the error holds
 * the code, a one-line message and the file it concerns. The library never prints, never exits, never aborts:
 * the CLI decides what to show. */
#ifndef PLATEAU_ERROR_H
#define PLATEAU_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum pl_status {
    PL_OK = 0,
    PL_DONE,         /* an iterator has no more items: not an error */
    PL_EIO,          /* the operating system refused a read, write, open or rename */
    PL_EFORMAT,      /* the bytes are not what their format says (truncated, corrupt, inconsistent) */
    PL_EUNSUPPORTED, /* valid input we deliberately do not handle (NWB 1.x, an encrypted workbook, ...) */
    PL_ENOMEM,       /* the allocator itself failed */
    PL_EBUDGET,      /* the memory budget (--memory-limit) would be exceeded */
    PL_ELIMIT,       /* a configured safety limit was hit (inflated size, ratio, record length, ...) */
    PL_EARG,         /* the caller passed something invalid */
    PL_ENOTFOUND,    /* a named thing (sheet, series, cell, file) does not exist */
    PL_EINTR,        /* interrupted by SIGINT or SIGTERM */
    PL_ETIMEOUT,     /* a per-file time limit expired */
    PL_ECRASH,       /* a worker process died (signal) */
    PL_EINTERNAL     /* a bug: an invariant of our own code did not hold */
} pl_status;

#define PL_ERROR_PATH_MAX 1024
#define PL_ERROR_MSG_MAX 512

typedef struct pl_error {
    pl_status code;
    char path[PL_ERROR_PATH_MAX]; /* the file the error concerns; may be empty */
    char msg[PL_ERROR_MSG_MAX];   /* one line, no trailing newline */
} pl_error;

/* Records an error and returns its code, so that `return pl_error_set(err, ...)` reads naturally.
 * err may be NULL (the caller does not want details). path may be NULL. */
pl_status pl_error_set(pl_error *err, pl_status code, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Like pl_error_set, appending ": <strerror(errno)>" with errno captured at entry. */
pl_status pl_error_errno(pl_error *err, pl_status code, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Fills in the path when a lower layer (an allocator, a codec) did not know it. */
void pl_error_locate(pl_error *err, const char *path);

void pl_error_clear(pl_error *err);

/* "PL_EFORMAT" -> "format error": a short human name for a code. */
const char *pl_status_str(pl_status code);

/* One line for a person: "path: message" (or just the message). Returns buf. */
const char *pl_error_line(const pl_error *err, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif

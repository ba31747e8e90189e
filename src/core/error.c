#include "plateau/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Messages are one line by contract: a newline inside would break the per-file outcome lines and the JSON log. */
static void flatten(char *s)
{
    for (; *s; s++)
        if (*s == '\n' || *s == '\r' || *s == '\t')
            *s = ' ';
}

static void set_path(pl_error *err, const char *path)
{
    if (path)
        snprintf(err->path, sizeof err->path, "%s", path);
    else
        err->path[0] = '\0';
}

pl_status pl_error_set(pl_error *err, pl_status code, const char *path, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    set_path(err, path);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    flatten(err->msg);
    return code;
}

pl_status pl_error_errno(pl_error *err, pl_status code, const char *path, const char *fmt, ...)
{
    int saved = errno;
    if (!err)
        return code;
    err->code = code;
    set_path(err, path);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof err->msg)
        snprintf(err->msg + n, sizeof err->msg - (size_t)n, ": %s", strerror(saved));
    flatten(err->msg);
    return code;
}

void pl_error_locate(pl_error *err, const char *path)
{
    if (err && path && err->path[0] == '\0')
        set_path(err, path);
}

void pl_error_clear(pl_error *err)
{
    if (!err)
        return;
    err->code = PL_OK;
    err->path[0] = '\0';
    err->msg[0] = '\0';
}

const char *pl_status_str(pl_status code)
{
    switch (code) {
    case PL_OK: return "ok";
    case PL_DONE: return "done";
    case PL_EIO: return "I/O error";
    case PL_EFORMAT: return "format error";
    case PL_EUNSUPPORTED: return "unsupported";
    case PL_ENOMEM: return "out of memory";
    case PL_EBUDGET: return "memory limit exceeded";
    case PL_ELIMIT: return "safety limit exceeded";
    case PL_EARG: return "invalid argument";
    case PL_ENOTFOUND: return "not found";
    case PL_EINTR: return "interrupted";
    case PL_ETIMEOUT: return "timed out";
    case PL_ECRASH: return "crashed";
    case PL_EINTERNAL: return "internal error";
    }
    return "unknown error";
}

const char *pl_error_line(const pl_error *err, char *buf, size_t size)
{
    if (!err || size == 0)
        return buf;
    const char *msg = err->msg[0] ? err->msg : pl_status_str(err->code);
    if (err->path[0])
        snprintf(buf, size, "%s: %s", err->path, msg);
    else
        snprintf(buf, size, "%s", msg);
    return buf;
}

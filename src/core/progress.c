#include "plateau/progress.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "plateau/mem.h"

struct pl_progress {
    bool active;
    char label[32];
    uint64_t total_items, total_bytes;
    uint64_t items, bytes;
    size_t mem;
    double start, last_draw;
    int drawn_width;
};

double pl_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

pl_status pl_progress_mode_parse(const char *text, pl_progress_mode *mode, pl_error *err)
{
    if (!strcmp(text, "auto"))
        *mode = PL_PROGRESS_AUTO;
    else if (!strcmp(text, "always"))
        *mode = PL_PROGRESS_ALWAYS;
    else if (!strcmp(text, "never"))
        *mode = PL_PROGRESS_NEVER;
    else
        return pl_error_set(err, PL_EARG, NULL, "--progress takes auto, always or never, not '%s'", text);
    return PL_OK;
}

pl_progress *pl_progress_new(pl_progress_mode mode, const char *label, uint64_t total_items, uint64_t total_bytes)
{
    pl_progress *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->active = mode == PL_PROGRESS_ALWAYS || (mode == PL_PROGRESS_AUTO && isatty(STDERR_FILENO));
    snprintf(p->label, sizeof p->label, "%s", label ? label : "");
    p->total_items = total_items;
    p->total_bytes = total_bytes;
    p->start = pl_now();
    return p;
}

void pl_progress_set_total(pl_progress *p, uint64_t total_items, uint64_t total_bytes)
{
    if (!p)
        return;
    p->total_items = total_items;
    p->total_bytes = total_bytes;
}

bool pl_progress_active(const pl_progress *p)
{
    return p && p->active;
}

static void format_eta(double seconds, char *buf, size_t size)
{
    if (!(seconds >= 0) || seconds > 360000) {
        snprintf(buf, size, "--:--");
        return;
    }
    int s = (int)(seconds + 0.5);
    if (s >= 3600)
        snprintf(buf, size, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    else
        snprintf(buf, size, "%02d:%02d", s / 60, s % 60);
}

static void draw(pl_progress *p)
{
    double elapsed = pl_now() - p->start;
    double frac = 0;
    if (p->total_bytes)
        frac = (double)p->bytes / (double)p->total_bytes;
    else if (p->total_items)
        frac = (double)p->items / (double)p->total_items;
    if (frac > 1)
        frac = 1;
    char bar[21];
    int filled = (int)(frac * 20);
    for (int i = 0; i < 20; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[20] = '\0';
    char done[32], rate[32], mem[32], eta[32];
    pl_format_size((double)p->bytes, done, sizeof done);
    pl_format_size(elapsed > 0 ? (double)p->bytes / elapsed : 0, rate, sizeof rate);
    format_eta(frac > 0 ? elapsed * (1 - frac) / frac : -1, eta, sizeof eta);
    char line[256];
    int n = snprintf(line, sizeof line, "\r%s [%s] %3.0f%% %llu/%llu files  %s  %s/s  ETA %s", p->label, bar,
                     frac * 100, (unsigned long long)p->items, (unsigned long long)p->total_items, done, rate, eta);
    if (p->mem && n > 0 && (size_t)n < sizeof line)
        n += snprintf(line + n, sizeof line - (size_t)n, "  mem %s", pl_format_size((double)p->mem, mem, sizeof mem));
    if (n < 0)
        return;
    int width = n - 1;
    fputs(line, stderr);
    for (int i = width; i < p->drawn_width; i++)
        fputc(' ', stderr);
    p->drawn_width = width;
    fflush(stderr);
}

static void erase(pl_progress *p)
{
    if (!p->drawn_width)
        return;
    fputc('\r', stderr);
    for (int i = 0; i < p->drawn_width; i++)
        fputc(' ', stderr);
    fputc('\r', stderr);
    p->drawn_width = 0;
}

void pl_progress_update(pl_progress *p, uint64_t items_done, uint64_t bytes_done, size_t mem_in_use)
{
    if (!p)
        return;
    p->items = items_done;
    p->bytes = bytes_done;
    p->mem = mem_in_use;
    if (!p->active)
        return;
    double now = pl_now();
    if (now - p->last_draw < 0.1 && items_done != p->total_items)
        return;
    p->last_draw = now;
    draw(p);
}

void pl_progress_println(pl_progress *p, FILE *stream, const char *line)
{
    if (p && p->active)
        erase(p);
    fprintf(stream, "%s\n", line);
    fflush(stream);
    if (p && p->active)
        draw(p);
}

void pl_progress_finish(pl_progress *p)
{
    if (!p)
        return;
    if (p->active) {
        erase(p);
        fflush(stderr);
    }
    free(p);
}

struct pl_log {
    int fd;
};

pl_status pl_log_open(const char *path, pl_log **out, pl_error *err)
{
    FILE *probe = fopen(path, "a");
    if (!probe)
        return pl_error_errno(err, PL_EIO, path, "cannot open log");
    pl_log *log = calloc(1, sizeof *log);
    if (!log) {
        fclose(probe);
        return pl_error_set(err, PL_ENOMEM, path, "out of memory");
    }
    log->fd = dup(fileno(probe));
    fclose(probe);
    *out = log;
    return PL_OK;
}

int pl_json_quote(const char *s, char *buf, size_t size)
{
    size_t o = 0;
#define PUT(c)                                                                                                         \
    do {                                                                                                               \
        if (o + 1 >= size)                                                                                             \
            return -1;                                                                                                 \
        buf[o++] = (c);                                                                                                \
    } while (0)
    PUT('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            PUT('\\');
            PUT((char)c);
        } else if (c < 0x20) {
            if (o + 7 >= size)
                return -1;
            o += (size_t)snprintf(buf + o, size - o, "\\u%04x", c);
        } else {
            PUT((char)c);
        }
    }
    PUT('"');
#undef PUT
    buf[o] = '\0';
    return (int)o;
}

void pl_log_file_event(pl_log *log, const char *path, const char *status, double seconds, size_t peak_rss,
                       const char *error, const char *extra_json)
{
    if (!log)
        return;
    char qpath[PL_ERROR_PATH_MAX * 2 + 8], qstatus[64], qerr[PL_ERROR_MSG_MAX * 2 + PL_ERROR_PATH_MAX * 2 + 8];
    if (pl_json_quote(path ? path : "", qpath, sizeof qpath) < 0)
        snprintf(qpath, sizeof qpath, "\"(path too long)\"");
    if (pl_json_quote(status ? status : "", qstatus, sizeof qstatus) < 0)
        snprintf(qstatus, sizeof qstatus, "\"?\"");
    if (!error || pl_json_quote(error, qerr, sizeof qerr) < 0)
        snprintf(qerr, sizeof qerr, "null");
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char line[8192];
    int n =
        snprintf(line, sizeof line,
                 "{\"time\":\"%s\",\"event\":\"file\",\"path\":%s,\"status\":%s,\"seconds\":%.6f,"
                 "\"peak_rss\":%zu,\"error\":%s%s%s}\n",
                 when, qpath, qstatus, seconds, peak_rss, qerr, extra_json ? "," : "", extra_json ? extra_json : "");
    if (n > 0 && (size_t)n < sizeof line) {
        ssize_t w = write(log->fd, line, (size_t)n);
        (void)w;
    }
}

void pl_log_close(pl_log *log)
{
    if (!log)
        return;
    close(log->fd);
    free(log);
}

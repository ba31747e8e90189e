#include "plateau/mem.h"

#include <ctype.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Each charged block carries its size in a header, so pl_free can release exactly what was charged.
 * 16 bytes keeps the payload aligned for any scalar type. */
typedef struct {
    size_t size;
    size_t magic;
} block_header;

#define BLOCK_MAGIC ((size_t)0x706c6174u) /* "plat" */
_Static_assert(sizeof(block_header) == 16, "header must keep 16-byte alignment");

static atomic_size_t g_limit;
static atomic_size_t g_charged;
static atomic_size_t g_peak;
static atomic_long g_fail_after;

void pl_mem_set_limit(size_t bytes)
{
    atomic_store(&g_limit, bytes);
}
size_t pl_mem_limit(void)
{
    return atomic_load(&g_limit);
}
size_t pl_mem_charged(void)
{
    return atomic_load(&g_charged);
}
size_t pl_mem_peak(void)
{
    return atomic_load(&g_peak);
}
void pl_mem_reset_peak(void)
{
    atomic_store(&g_peak, atomic_load(&g_charged));
}
void pl_mem_fail_after(long n)
{
    atomic_store(&g_fail_after, n);
}

static int injected_failure(void)
{
    long n = atomic_load(&g_fail_after);
    while (n > 0) {
        if (atomic_compare_exchange_weak(&g_fail_after, &n, n - 1))
            return n == 1;
    }
    return 0;
}

static void note_peak(size_t now)
{
    size_t peak = atomic_load(&g_peak);
    while (now > peak && !atomic_compare_exchange_weak(&g_peak, &peak, now)) {
    }
}

pl_status pl_mem_charge(size_t bytes, const char *what, pl_error *err)
{
    size_t limit = atomic_load(&g_limit);
    size_t before = atomic_fetch_add(&g_charged, bytes);
    if (limit && before + bytes > limit) {
        atomic_fetch_sub(&g_charged, bytes);
        char want[32], lim[32], used[32];
        return pl_error_set(err, PL_EBUDGET, NULL,
                            "memory limit %s exceeded: %s needs %s with %s already in use (raise --memory-limit)",
                            pl_format_size((double)limit, lim, sizeof lim), what ? what : "a buffer",
                            pl_format_size((double)bytes, want, sizeof want),
                            pl_format_size((double)before, used, sizeof used));
    }
    note_peak(before + bytes);
    return PL_OK;
}

void pl_mem_release(size_t bytes)
{
    atomic_fetch_sub(&g_charged, bytes);
}

void *pl_alloc(size_t size, const char *what, pl_error *err)
{
    if (size > SIZE_MAX - sizeof(block_header)) {
        pl_error_set(err, PL_ENOMEM, NULL, "impossible allocation of %zu bytes for %s", size, what ? what : "a buffer");
        return NULL;
    }
    if (injected_failure()) {
        pl_error_set(err, PL_ENOMEM, NULL, "out of memory allocating %zu bytes for %s (injected)", size,
                     what ? what : "a buffer");
        return NULL;
    }
    if (pl_mem_charge(size, what, err) != PL_OK)
        return NULL;
    block_header *h = malloc(sizeof *h + size);
    if (!h) {
        pl_mem_release(size);
        pl_error_set(err, PL_ENOMEM, NULL, "out of memory allocating %zu bytes for %s", size, what ? what : "a buffer");
        return NULL;
    }
    h->size = size;
    h->magic = BLOCK_MAGIC;
    return h + 1;
}

void *pl_calloc(size_t count, size_t size, const char *what, pl_error *err)
{
    if (size && count > SIZE_MAX / size) {
        pl_error_set(err, PL_ENOMEM, NULL, "impossible allocation of %zu x %zu bytes for %s", count, size,
                     what ? what : "a buffer");
        return NULL;
    }
    void *p = pl_alloc(count * size, what, err);
    if (p)
        memset(p, 0, count * size);
    return p;
}

static block_header *header_of(const void *ptr)
{
    return (block_header *)ptr - 1;
}

void *pl_realloc(void *ptr, size_t size, const char *what, pl_error *err)
{
    if (!ptr)
        return pl_alloc(size, what, err);
    block_header *h = header_of(ptr);
    size_t old = h->size;
    if (size > SIZE_MAX - sizeof(block_header)) {
        pl_error_set(err, PL_ENOMEM, NULL, "impossible allocation of %zu bytes for %s", size, what ? what : "a buffer");
        return NULL;
    }
    if (size > old) {
        if (injected_failure()) {
            pl_error_set(err, PL_ENOMEM, NULL, "out of memory growing %s to %zu bytes (injected)",
                         what ? what : "a buffer", size);
            return NULL;
        }
        if (pl_mem_charge(size - old, what, err) != PL_OK)
            return NULL;
    }
    block_header *n = realloc(h, sizeof *h + size);
    if (!n) {
        if (size > old)
            pl_mem_release(size - old);
        pl_error_set(err, PL_ENOMEM, NULL, "out of memory growing %s to %zu bytes", what ? what : "a buffer", size);
        return NULL;
    }
    if (size < old)
        pl_mem_release(old - size);
    n->size = size;
    return n + 1;
}

char *pl_strdup(const char *s, pl_error *err)
{
    size_t n = strlen(s) + 1;
    char *d = pl_alloc(n, "string", err);
    if (d)
        memcpy(d, s, n);
    return d;
}

void pl_free(void *ptr)
{
    if (!ptr)
        return;
    block_header *h = header_of(ptr);
    pl_mem_release(h->size);
    h->magic = 0;
    free(h);
}

size_t pl_alloc_size(const void *ptr)
{
    return ptr ? header_of(ptr)->size : 0;
}

/* Reads "Key:   123 kB" from a /proc file. Returns bytes, or 0 when absent. */
static size_t proc_kb(const char *file, const char *key)
{
    FILE *f = fopen(file, "r");
    if (!f)
        return 0;
    char line[256];
    size_t klen = strlen(key), value = 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
            value = (size_t)strtoull(line + klen + 1, NULL, 10) * 1024;
            break;
        }
    }
    fclose(f);
    return value;
}

static size_t read_number_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char buf[64] = {0};
    size_t v = 0;
    if (fgets(buf, sizeof buf, f) && isdigit((unsigned char)buf[0]))
        v = (size_t)strtoull(buf, NULL, 10);
    fclose(f);
    return v; /* "max" (no limit) reads as 0 */
}

size_t pl_mem_available(void)
{
    size_t avail = proc_kb("/proc/meminfo", "MemAvailable");
    size_t cg_max = read_number_file("/sys/fs/cgroup/memory.max");
    if (cg_max) {
        size_t cg_cur = read_number_file("/sys/fs/cgroup/memory.current");
        size_t cg_room = cg_max > cg_cur ? cg_max - cg_cur : 0;
        if (!avail || cg_room < avail)
            avail = cg_room;
    }
    return avail;
}

size_t pl_mem_default_limit(void)
{
    size_t avail = pl_mem_available();
    size_t half = avail / 2;
    size_t floor = (size_t)256 << 20;
    return half > floor ? half : floor;
}

size_t pl_rss_current(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    unsigned long size = 0, resident = 0;
    int n = fscanf(f, "%lu %lu", &size, &resident);
    fclose(f);
    return n == 2 ? (size_t)resident * (size_t)sysconf(_SC_PAGESIZE) : 0;
}

size_t pl_rss_peak(void)
{
    size_t hwm = proc_kb("/proc/self/status", "VmHWM");
    if (hwm)
        return hwm;
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? (size_t)ru.ru_maxrss * 1024 : 0;
}

size_t pl_rss_peak_children(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_CHILDREN, &ru) == 0 ? (size_t)ru.ru_maxrss * 1024 : 0;
}

pl_status pl_parse_size(const char *text, size_t *bytes, pl_error *err)
{
    if (!text || !*text)
        return pl_error_set(err, PL_EARG, NULL, "empty size");
    char *end;
    double v = strtod(text, &end);
    if (end == text || !(v >= 0) || !isfinite(v))
        return pl_error_set(err, PL_EARG, NULL, "'%s' is not a size (try 256M or 2G)", text);
    while (*end == ' ')
        end++;
    double mult = 1;
    switch (toupper((unsigned char)*end)) {
    case '\0': break;
    case 'B': break;
    case 'K': mult = 1024.0; break;
    case 'M': mult = 1024.0 * 1024; break;
    case 'G': mult = 1024.0 * 1024 * 1024; break;
    case 'T': mult = 1024.0 * 1024 * 1024 * 1024; break;
    default: return pl_error_set(err, PL_EARG, NULL, "'%s' is not a size (try 256M or 2G)", text);
    }
    if (*end) {
        end++;
        if (*end == 'i' || *end == 'I')
            end++;
        if (*end == 'b' || *end == 'B')
            end++;
        if (*end)
            return pl_error_set(err, PL_EARG, NULL, "'%s' is not a size (try 256M or 2G)", text);
    }
    double total = v * mult;
    if (total >= 18446744073709551615.0)
        return pl_error_set(err, PL_EARG, NULL, "size '%s' is too large", text);
    *bytes = (size_t)total;
    return PL_OK;
}

const char *pl_format_size(double bytes, char *buf, size_t size)
{
    static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (bytes >= 1024 && u < 4) {
        bytes /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, size, "%.0f B", bytes);
    else
        snprintf(buf, size, "%.1f %s", bytes, units[u]);
    return buf;
}

/* plateau: the memory budget.
 *
 * One budget per process (each batch worker is its own process). Every buffer whose size depends on the input is
 * allocated through pl_alloc/pl_realloc and charged against the limit; memory owned by a library we call (HDF5's
 * chunk cache, a zstd context) is charged with pl_mem_charge. Going over the limit is an ordinary error, PL_EBUDGET,
 * for the file being processed: never an OOM kill. Thread-safe (atomic counters). */
#ifndef PLATEAU_MEM_H
#define PLATEAU_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "plateau/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 0 means unlimited. */
void pl_mem_set_limit(size_t bytes);
size_t pl_mem_limit(void);
size_t pl_mem_charged(void);
size_t pl_mem_peak(void);
void pl_mem_reset_peak(void);

/* Allocations charged to the budget. `what` names the buffer in the error message ("parquet page buffer").
 * On failure they return NULL with PL_EBUDGET or PL_ENOMEM in err. pl_free(NULL) is a no-op. */
void *pl_alloc(size_t size, const char *what, pl_error *err);
void *pl_calloc(size_t count, size_t size, const char *what, pl_error *err);
void *pl_realloc(void *ptr, size_t size, const char *what, pl_error *err);
char *pl_strdup(const char *s, pl_error *err);
void pl_free(void *ptr);
size_t pl_alloc_size(const void *ptr);

/* Charges memory held elsewhere (a library's cache, a mapped buffer). */
pl_status pl_mem_charge(size_t bytes, const char *what, pl_error *err);
void pl_mem_release(size_t bytes);

/* A sensible default limit: half of what the machine (or the cgroup) has available, at least 256 MiB. */
size_t pl_mem_default_limit(void);

/* Bytes the kernel reports: available memory (MemAvailable, capped by the cgroup's memory.max - memory.current). */
size_t pl_mem_available(void);

/* Resident set size of this process: current (from /proc/self/statm) and peak (VmHWM). */
size_t pl_rss_current(void);
size_t pl_rss_peak(void);
/* Peak RSS of the largest waited-for child (getrusage RUSAGE_CHILDREN). */
size_t pl_rss_peak_children(void);

/* Test hook (SQLite-style fault injection): the n-th charged allocation from now fails with PL_ENOMEM; 0 disables. */
void pl_mem_fail_after(long n);

/* "256M", "2G", "1.5GiB", "4096", "64k" -> bytes. Returns PL_EARG on anything else. */
pl_status pl_parse_size(const char *text, size_t *bytes, pl_error *err);
/* 268435456 -> "256.0 MiB". Returns buf. */
const char *pl_format_size(double bytes, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif

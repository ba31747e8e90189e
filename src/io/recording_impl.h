/* Internal: what a recording format provides (libarchive-style descriptor) and the shared recording object. */
#ifndef PLATEAU_RECORDING_IMPL_H
#define PLATEAU_RECORDING_IMPL_H

#include "plateau/recording.h"

typedef struct pl_recording_ops {
    pl_status (*read)(pl_recording *r, size_t i, int64_t first, size_t count, double *out, pl_error *err);
    /* May be NULL: then times are start_time_s + k / rate_hz. */
    pl_status (*read_times)(pl_recording *r, size_t i, int64_t first, size_t count, double *t_s, pl_error *err);
    void (*close)(pl_recording *r); /* frees impl only */
    size_t (*memory_need)(const pl_recording *r);
} pl_recording_ops;

struct pl_recording {
    const pl_recording_ops *ops;
    char path[4096];
    pl_recording_meta meta;
    size_t n_series;
    pl_series_info *series; /* pl_alloc'd array, freed by pl_recording_close */
    void *impl;
};

typedef struct pl_recording_format {
    const char *name;
    /* How sure (0-100) this format is that it reads a file starting with head[0..n). */
    int (*bid)(const unsigned char *head, size_t n);
    /* Fills r (ops, meta, series, impl); r->path is already set. On failure frees what it allocated. */
    pl_status (*open)(pl_recording *r, pl_error *err);
} pl_recording_format;

extern const pl_recording_format pl_format_nwb;
extern const pl_recording_format pl_format_abf;

#endif

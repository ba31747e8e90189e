/* Internal to the NWB reader: the HDF5 helpers, the type rules and the per-series facts the read path needs. */
#ifndef PLATEAU_NWB_INTERNAL_H
#define PLATEAU_NWB_INTERNAL_H

#include <hdf5.h>
#include <stdbool.h>

#include "io/recording_impl.h"

/* HDF5 chunk cache per open dataset, raised to one chunk where chunks are larger (charged to the budget once: only
 * one data dataset is open at a time). Reading is sequential, so a chunk is used and dropped: a small cache does. */
#define NWB_CHUNK_CACHE_BYTES ((size_t)1 << 20)
/* HDF5's metadata cache per open file (B-tree nodes, object headers): capped, since it otherwise fills with the
 * chunk indexes of every series read so far and grows with the file (bench/nwb measured 9 MiB more at 4x). */
#define NWB_METADATA_BYTES ((size_t)1 << 20)
/* HDF5's free lists (regular, array and block lists capped at 1 MiB each by nwb_h5_silence). */
#define NWB_FREE_LIST_BYTES ((size_t)3 << 20)

/* How samples are stored: read in their own type and widened in place (HDF5's own conversion to double is slower). */
typedef enum {
    NWB_RAW_OTHER = 0, /* anything else: HDF5 converts to double */
    NWB_RAW_F32,
    NWB_RAW_F64,
    NWB_RAW_I8,
    NWB_RAW_U8,
    NWB_RAW_I16,
    NWB_RAW_U16,
    NWB_RAW_I32,
    NWB_RAW_U32,
    NWB_RAW_I64,
    NWB_RAW_U64,
} nwb_raw;

/* What the read path needs per series, parallel to r->series. */
typedef struct nwb_series {
    haddr_t addr; /* object address of the series group: how the icephys tables' references are matched */
    nwb_raw raw;
    double scale; /* value = raw * scale + shift: conversion and unit prefix folded together */
    double shift;
    int ncols;         /* 1 for 1-D data; 2-D (n, 1) data is read as its only column */
    bool timestamps;   /* time from <location>/timestamps */
    hsize_t max_chunk; /* bytes of the largest chunk (0 when contiguous): HDF5 decompresses whole chunks */
} nwb_series;

typedef struct nwb_file {
    hid_t file;
    hid_t dapl;      /* dataset access: the bounded chunk cache */
    hid_t open_data; /* the data dataset of series open_index, kept open between reads, or -1 */
    size_t open_index;
    nwb_series *info; /* pl_alloc'd, r->n_series entries */
    size_t charged;   /* bytes charged with pl_mem_charge */
    hsize_t max_chunk;
} nwb_file;

/* --- nwb_h5.c: small HDF5 helpers; all of them are silent and never print. */
/* Allocations of helpers that report "absent" on failure: the first failure is remembered, so that open reports
 * out-of-memory (or the budget) instead of a misleading "no nwb_version" or a missing series. */
void *nwb_alloc(size_t size, const char *what);
void *nwb_calloc(size_t count, size_t size, const char *what);
void *nwb_realloc(void *ptr, size_t size, const char *what);
void nwb_alloc_reset(void);
/* True (and err filled) when an allocation failed since the last reset. */
bool nwb_alloc_failed(pl_error *err);
void nwb_h5_silence(void);
/* The innermost HDF5 error description on the current stack ("truncated file: eof = ..."), or "". */
const char *nwb_h5_last_error(char *buf, size_t size);
bool nwb_h5_exists(hid_t loc, const char *path); /* every component checked, no HDF5 error raised */
bool nwb_h5_is_group(hid_t loc, const char *path);
bool nwb_h5_is_dataset(hid_t loc, const char *path);
/* Reads a string attribute of the object at path ("." for loc itself). Arrays are joined with sep.
 * Variable- or fixed-length, scalar or array, ASCII or UTF-8. Returns false (buf = "") when absent or not text. */
bool nwb_h5_attr_string(hid_t loc, const char *path, const char *attr, const char *sep, char *buf, size_t size);
/* Reads a string dataset the same way. */
bool nwb_h5_dataset_string(hid_t loc, const char *path, const char *sep, char *buf, size_t size);
/* A numeric attribute (scalar or first element) as double. */
bool nwb_h5_attr_double(hid_t loc, const char *path, const char *attr, double *out);
/* A numeric dataset's first element as double. */
bool nwb_h5_dataset_double(hid_t loc, const char *path, double *out);
/* Where a soft link at path points ("/general/intracellular_ephys/electrode_0"), or false. */
bool nwb_h5_link_target(hid_t loc, const char *path, char *buf, size_t size);

/* --- nwb_types.c: which neurodata types hold patch-clamp series, and what they mean. */
typedef struct nwb_type_rule {
    bool icephys;
    bool stimulus_type; /* a *StimulusSeries */
    pl_clamp clamp;     /* PL_CLAMP_UNKNOWN for plain PatchClampSeries */
} nwb_type_rule;
/* Rules for a core type name; for other names, the cached specifications of the file are consulted once. */
typedef struct nwb_types nwb_types;
pl_status nwb_types_new(hid_t file, nwb_types **out, pl_error *err);
void nwb_types_free(nwb_types *t);
nwb_type_rule nwb_types_classify(nwb_types *t, const char *neurodata_type);

/* --- nwb_tables.c: sweep numbers and stimulus/response pairs from the icephys tables. */
typedef struct nwb_table_entry {
    haddr_t addr;    /* object address of a referenced series (H5Rget_name would search the whole file) */
    int32_t sweep;   /* -1 when the table gives none */
    int32_t partner; /* index of the paired entry (stimulus <-> response), -1 when none */
} nwb_table_entry;
typedef struct nwb_tables {
    nwb_table_entry *e; /* pl_alloc'd */
    size_t n;
} nwb_tables;
/* Reads the sweep table and the intracellular recordings table (with simultaneous_recordings) when present.
 * Missing or malformed tables leave t empty: the series' own sweep numbers are the fallback. */
pl_status nwb_tables_load(hid_t file, nwb_tables *t, pl_error *err);
void nwb_tables_free(nwb_tables *t);
/* The sweep the tables give the series at addr (-1 if none) and the address of its paired series (HADDR_UNDEF). */
void nwb_tables_lookup(const nwb_tables *t, haddr_t addr, int32_t *sweep, haddr_t *partner);

/* --- nwb_meta.c */
void nwb_read_meta(hid_t file, bool v1, pl_recording_meta *m);

/* --- nwb_read.c */
extern const pl_recording_ops nwb_ops;
/* Name -> unit scale: "volts" -> 1e3 and "mV", "amperes" -> 1e12 and "pA"; others 1 and themselves. */
double nwb_unit_scale(const char *unit, char *out_unit, size_t size);

#endif

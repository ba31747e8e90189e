/* plateau: the Recording interface (electrophysiology readers: NWB, ABF).
 *
 * Open by path (the format is chosen by the highest bid on the first bytes, never by extension alone); read metadata
 * and a list of series; read any range of a series as doubles already in physical units (mV or pA), so no caller
 * ever sees raw ADC counts or a conversion factor. Reads are bounded: the caller owns the buffer and its size. */
#ifndef PLATEAU_RECORDING_H
#define PLATEAU_RECORDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plateau/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { PL_CLAMP_UNKNOWN = 0, PL_CLAMP_CURRENT, PL_CLAMP_VOLTAGE, PL_CLAMP_IZERO } pl_clamp;
typedef enum { PL_ROLE_RESPONSE = 0, PL_ROLE_STIMULUS } pl_role;

const char *pl_clamp_name(pl_clamp c); /* "current_clamp", "voltage_clamp", "izero", "unknown" */
const char *pl_role_name(pl_role r);   /* "response", "stimulus" */

typedef struct pl_series_info {
    char name[256];     /* as in the file: "data_00004_AD0", or "sweep 3 ADC0" for ABF */
    char location[512]; /* where in the file: HDF5 path, or ABF channel description */
    char type[64];      /* neurodata_type, or "ADC"/"DAC" */
    pl_role role;
    pl_clamp clamp;
    char unit[16];       /* unit of the values read: "mV" or "pA" (or the file's own unit if neither) */
    double rate_hz;      /* sampling rate; 0 when only timestamps define time */
    double start_time_s; /* relative to the session start (NWB starting_time; ABF sweep start) */
    int64_t n_samples;
    int32_t sweep;       /* sweep number, -1 when none could be found */
    int32_t channel;     /* ADC/DAC channel or electrode index, -1 when unknown */
    char stimulus[256];  /* stimulus / protocol description of this sweep, may be empty */
    bool has_timestamps; /* time comes from pl_recording_read_times, not start + i/rate */
    char note[256];      /* e.g. "stimulus synthesised from the epoch table" */
} pl_series_info;

typedef struct pl_recording_meta {
    char format[16];             /* "NWB" or "ABF" */
    char format_version[32];     /* "2.4.0", "2.9", "1.83" */
    char identifier[256];        /* NWB identifier / ABF file name stem or GUID */
    char session_start_time[64]; /* ISO 8601 as found; empty if unknown or invalid */
    char session_description[512];
    char lab[256];
    char institution[256];
    char experiment_description[1024];
    char keywords[512]; /* comma separated */
    char subject_id[128];
    char species[128];
    char age[64];
    char sex[32];
    char genotype[256];
    char protocol[256];    /* ABF protocol path/name */
    char extra_json[8192]; /* format-specific facts as a JSON object ("{}" when none): ABF channels, tags, ... */
} pl_recording_meta;

typedef struct pl_recording pl_recording;

pl_status pl_recording_open(const char *path, pl_recording **out, pl_error *err);
void pl_recording_close(pl_recording *r);

const char *pl_recording_path(const pl_recording *r);
const pl_recording_meta *pl_recording_get_meta(const pl_recording *r);
size_t pl_recording_series_count(const pl_recording *r);
const pl_series_info *pl_recording_series(const pl_recording *r, size_t i);

/* Reads samples [first, first+count) of series i, in physical units (mV / pA), into out. */
pl_status pl_recording_read(pl_recording *r, size_t i, int64_t first, size_t count, double *out, pl_error *err);
/* Times in seconds (session-relative) of samples [first, first+count); works for rate-based series too. */
pl_status pl_recording_read_times(pl_recording *r, size_t i, int64_t first, size_t count, double *t_s, pl_error *err);

/* Bytes of working memory a reader needs beyond the caller's buffers (caches, decompression), for scheduling. */
size_t pl_recording_memory_need(const pl_recording *r);

/* Which reader would open this file: "nwb", "abf", or NULL. Looks at the first bytes only. */
const char *pl_recording_sniff(const char *path);

#ifdef __cplusplus
}
#endif
#endif

/* plateau: what a recording holds, as JSON (for `plateau inspect` and for scheduling).
 *
 * Works on any file the Recording interface opens (NWB, ABF): format and version, metadata, every series (name,
 * role, clamp mode, unit, rate, samples, sweep, channel, start), totals, and the memory a conversion needs. */
#ifndef PLATEAU_DESCRIBE_H
#define PLATEAU_DESCRIBE_H

#include <jansson.h>

#include "plateau/error.h"
#include "plateau/recording.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes of the read buffer a conversion streams through (one block of doubles); counted in the memory estimate. */
#define PL_DESCRIBE_READ_BLOCK_SAMPLES ((size_t)1 << 16)

/* Opens path, describes it and closes it. *out is a new JSON object the caller json_decref()s. */
pl_status pl_recording_describe(const char *path, json_t **out, pl_error *err);

/* The same for a recording already open. */
pl_status pl_recording_describe_open(pl_recording *r, json_t **out, pl_error *err);

#ifdef __cplusplus
}
#endif
#endif

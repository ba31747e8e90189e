/* plateau: example inputs for `plateau demo`, generated (small, deterministic, realistic). */
#ifndef PLATEAU_DEMO_H
#define PLATEAU_DEMO_H

#include <stddef.h>
#include <stdint.h>

#include "plateau/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Writes System A and System B style laser-trim workbooks (.xlsx, via libxlsxwriter) into dir: passing, warning
 * and failing tracks, named as the test systems name them. *count gets the number of files. */
pl_status pl_demo_trim_workbooks(const char *dir, int *count, pl_error *err);

/* The MIES-style NWB generator (bench/nwb/gen_mies and the demo). scale 1: 10 s current-clamp and 2.5 s
 * voltage-clamp sweeps, about 10^8 samples for 97 sweeps. */
typedef struct pl_nwb_gen_options {
    double scale;
    int sweeps;
    uint64_t seed;
    int compress; /* gzip-4 + shuffle in 8192-sample chunks, as MIES writes */
    int int16;    /* int16 counts with conversion/offset instead of float32 */
    int tables;   /* icephys metadata tables */
} pl_nwb_gen_options;

void pl_nwb_gen_options_default(pl_nwb_gen_options *o);
/* Writes the file atomically; *samples (may be NULL) gets the number of samples written. */
pl_status pl_nwb_generate(const pl_nwb_gen_options *o, const char *path, int64_t *samples, pl_error *err);

/* Writes a small MIES-style NWB 2 recording (mixed protocol: voltage-clamp sweeps at 200 kHz around current-clamp
 * steps with action potentials at 50 kHz) to path, atomically. */
pl_status pl_demo_nwb(const char *path, pl_error *err);

#ifdef __cplusplus
}
#endif
#endif

/* Internal: what goes where in a bundle, decided from the series list before any sample is read. */
#ifndef PLATEAU_EPHYS_BUNDLE_PLAN_H
#define PLATEAU_EPHYS_BUNDLE_PLAN_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "plateau/bundle.h"
#include "plateau/recording.h"

enum { TABLE_MV, TABLE_PA, TABLE_STIMULUS, TABLE_RESPONSE, TABLE_OTHER, N_TABLES };

typedef struct bundle_series {
    size_t index;  /* in the recording */
    int32_t sweep; /* the reader's, or an ordinal when the file has none */
    bool tables[N_TABLES];
} bundle_series;

typedef struct bundle_table {
    bool used;
    char file[300];     /* "mV_<cell>.parquet" */
    bool multi_channel; /* a sweep has several series here: add a channel column */
    int n_panels;       /* distinct sweeps */
    uint64_t rows;
} bundle_table;

typedef struct pl_bundle_plan {
    char cell[256];
    char subject[128];
    int cell_k; /* k of <subject>_<k> (0 when the cell is named after the file) */
    bool mixed;
    bool sweeps_invented;
    int n_sweeps;
    int64_t total_samples;
    size_t n; /* series in reading order: by sweep, then channel, then role */
    bundle_series *series;
    bundle_table tables[N_TABLES];
} pl_bundle_plan;

extern const char *const pl_bundle_table_kind[N_TABLES];

pl_status pl_bundle_plan_make(pl_recording *rec, const pl_batch_input *in, pl_bundle_plan *plan, pl_error *err);
void pl_bundle_plan_free(pl_bundle_plan *plan);
/* Reads every series once and writes the tables (and plots) into dir. */
pl_status pl_bundle_stream(const pl_bundle_options *o, pl_recording *rec, pl_bundle_plan *plan, const char *dir,
                           pl_error *err);
json_t *pl_bundle_manifest(const pl_bundle_options *o, pl_recording *rec, const pl_bundle_plan *plan,
                           const pl_batch_input *in);

#endif

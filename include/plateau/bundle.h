/* plateau: per-cell bundles from recordings (NWB, ABF): long-format Parquet tables, manifest.json, grid plots.
 *
 * One pass over the recording: each series is read once, in bounded chunks, in sweep order, and every chunk goes to
 * the tables it belongs to and to the decimated traces of their grid plots. The bundle folder is built under a
 * temporary name and renamed into place when complete. */
#ifndef PLATEAU_BUNDLE_H
#define PLATEAU_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>

#include "plateau/batch.h"
#include "plateau/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pl_bundle_options {
    const char *out_root;    /* OUT: bundles go to OUT/<input's relative folder>/<file stem>/ */
    bool plots;              /* grid plots of every table */
    const char *plot_format; /* "png" (default), "svg", "pdf", "jpeg" */
    bool force;              /* rebuild a bundle already complete for the same source content */
    size_t chunk_samples;    /* samples read per chunk; 0 = 65536 */
    size_t row_group_bytes;  /* Parquet row-group budget per table; 0 = 2 MiB */
    /* A lab's metadata log (plateau/metadata_log.h), loaded before the batch; the row matching a recording goes into
     * its manifest as "metadata_log". NULL = none. */
    const struct pl_metadata_log *metadata;
} pl_bundle_options;

void pl_bundle_options_default(pl_bundle_options *o);

/* The batch job (pl_job_fn) converting one recording; ctx is a const pl_bundle_options*. */
pl_status pl_bundle_convert_job(void *ctx, const pl_batch_input *in, pl_job_outcome *out, pl_error *err);
/* Memory the conversion of one input needs (for the batch scheduler); ctx as above. */
size_t pl_bundle_estimate(void *ctx, const pl_batch_input *in);

/* The bundle folder an input goes to: OUT/<rel's folder>/<stem>. */
void pl_bundle_dir(const pl_bundle_options *o, const pl_batch_input *in, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif

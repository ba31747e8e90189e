/* Internal: which inputs a shard holds, the plan of a run (what it would do) and the marker of a finished shard. */
#ifndef PLATEAU_BATCH_SHARD_H
#define PLATEAU_BATCH_SHARD_H

#include <stdbool.h>

#include "plateau/batch.h"

/* What the engine reserves for a file whose job gives no estimate. */
#define PL_BATCH_DEFAULT_ESTIMATE ((size_t)64 << 20)

/* The 0-based shard of count that holds the input with this relative path (FNV-1a 64 of the path, modulo). */
int pl_shard_of(const char *rel, int count);
/* True when the input with this relative path belongs to shard index (1-based) of count; count <= 1 holds all. */
bool pl_shard_holds(int index, int count, const char *rel);

/* The engine's reservation for one input: the job's estimate, or the default. */
size_t pl_batch_file_estimate(pl_job_estimate_fn estimate, void *ctx, const pl_batch_input *in);

/* Fills opt->plan from the inputs (every shard of plan->shards), running nothing. */
pl_status pl_batch_plan_fill(const pl_batch_options *opt, const pl_batch_input *inputs, size_t n,
                             pl_job_estimate_fn estimate, void *ctx, pl_error *err);

/* Before a run: removes an earlier run's marker (it says nothing about this run until it ends) and creates the folder
 * the marker goes to, so that a run cannot do all its work and then fail to say so. */
pl_status pl_shard_done_prepare(const char *path, pl_error *err);

/* Writes opt->done_path (atomically): the shard and its counts as one JSON object. */
pl_status pl_shard_done_write(const pl_batch_options *opt, const pl_batch_summary *s, pl_error *err);

#endif

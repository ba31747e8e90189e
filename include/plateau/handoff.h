/* plateau core: handing work from one thread to another through a few caller-owned slots.
 *
 * The producer (the calling thread) fills a slot, submits it, and goes on filling the next while a consumer thread
 * runs `work` on the submitted slots in order. The slots (buffers, job descriptions) belong to the caller and are
 * indexed 0..n_slots-1; the hand-off only says whose turn each is, so memory stays what the caller allocated. The
 * consumer's first error stops the hand-off: acquire returns it and finish reports it.
 *
 *     pl_handoff *h;
 *     pl_handoff_start(&h, 2, write_slot, ctx, err);
 *     while (more) { pl_handoff_acquire(h, &slot, err); fill(slot); pl_handoff_submit(h, slot); }
 *     st = pl_handoff_finish(h, err);   // waits for every submitted slot, joins the thread
 */
#ifndef PLATEAU_HANDOFF_H
#define PLATEAU_HANDOFF_H

#include "plateau/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PL_HANDOFF_MAX_SLOTS 8

typedef struct pl_handoff pl_handoff;
/* Runs on the consumer thread, once per submitted slot, in submission order. */
typedef pl_status (*pl_handoff_fn)(void *ctx, int slot, pl_error *err);

pl_status pl_handoff_start(pl_handoff **out, int n_slots, pl_handoff_fn work, void *ctx, pl_error *err);
/* A free slot for the producer to fill (waits while all are queued or in work); the consumer's error if it failed. */
pl_status pl_handoff_acquire(pl_handoff *h, int *slot, pl_error *err);
void pl_handoff_submit(pl_handoff *h, int slot);
/* Waits until the consumer has worked every submitted slot (or failed), joins it and frees h; returns the
 * consumer's first error. NULL is a no-op. */
pl_status pl_handoff_finish(pl_handoff *h, pl_error *err);

#ifdef __cplusplus
}
#endif
#endif

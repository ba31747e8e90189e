/* One producer, one consumer thread, a FIFO of slot numbers under a mutex: see include/plateau/handoff.h. */
#include "plateau/handoff.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>

#include "plateau/mem.h"

struct pl_handoff {
    pthread_mutex_t mu;
    pthread_cond_t changed; /* a slot was queued, worked or freed; or the producer finished */
    pthread_t thread;
    pl_handoff_fn work;
    void *ctx;
    int n_slots;
    bool busy[PL_HANDOFF_MAX_SLOTS]; /* acquired by the producer, queued, or in work */
    int queue[PL_HANDOFF_MAX_SLOTS];
    int head, queued;
    bool closing; /* the producer submits nothing more */
    pl_status st; /* the consumer's first error */
    pl_error err;
};

static void *consume(void *arg)
{
    pl_handoff *h = arg;
    pthread_mutex_lock(&h->mu);
    for (;;) {
        while (h->queued == 0 && !h->closing)
            pthread_cond_wait(&h->changed, &h->mu);
        if (h->queued == 0)
            break;
        int slot = h->queue[h->head];
        pthread_mutex_unlock(&h->mu);
        pl_error e = {0};
        /* after a failure the remaining slots are only released: their work would be lost anyway */
        pl_status st = h->st == PL_OK ? h->work(h->ctx, slot, &e) : PL_OK;
        pthread_mutex_lock(&h->mu);
        if (st != PL_OK && h->st == PL_OK) {
            h->st = st;
            h->err = e;
        }
        h->head = (h->head + 1) % h->n_slots;
        h->queued--;
        h->busy[slot] = false;
        pthread_cond_broadcast(&h->changed);
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

pl_status pl_handoff_start(pl_handoff **out, int n_slots, pl_handoff_fn work, void *ctx, pl_error *err)
{
    *out = NULL;
    if (n_slots < 1 || n_slots > PL_HANDOFF_MAX_SLOTS || !work)
        return pl_error_set(err, PL_EARG, NULL, "a hand-off needs 1 to %d slots and a work function",
                            PL_HANDOFF_MAX_SLOTS);
    pl_handoff *h = pl_calloc(1, sizeof *h, "thread hand-off", err);
    if (!h)
        return err ? err->code : PL_ENOMEM;
    h->work = work;
    h->ctx = ctx;
    h->n_slots = n_slots;
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->changed, NULL);
    int rc = pthread_create(&h->thread, NULL, consume, h);
    if (rc != 0) {
        pthread_cond_destroy(&h->changed);
        pthread_mutex_destroy(&h->mu);
        pl_free(h);
        errno = rc;
        return pl_error_errno(err, PL_EIO, NULL, "cannot start a worker thread");
    }
    *out = h;
    return PL_OK;
}

pl_status pl_handoff_acquire(pl_handoff *h, int *slot, pl_error *err)
{
    pthread_mutex_lock(&h->mu);
    for (;;) {
        if (h->st != PL_OK) {
            pl_status st = h->st;
            if (err)
                *err = h->err;
            pthread_mutex_unlock(&h->mu);
            return st;
        }
        for (int i = 0; i < h->n_slots; i++)
            if (!h->busy[i]) {
                h->busy[i] = true;
                *slot = i;
                pthread_mutex_unlock(&h->mu);
                return PL_OK;
            }
        pthread_cond_wait(&h->changed, &h->mu);
    }
}

void pl_handoff_submit(pl_handoff *h, int slot)
{
    pthread_mutex_lock(&h->mu);
    h->queue[(h->head + h->queued) % h->n_slots] = slot;
    h->queued++;
    pthread_cond_broadcast(&h->changed);
    pthread_mutex_unlock(&h->mu);
}

pl_status pl_handoff_finish(pl_handoff *h, pl_error *err)
{
    if (!h)
        return PL_OK;
    pthread_mutex_lock(&h->mu);
    h->closing = true;
    pthread_cond_broadcast(&h->changed);
    pthread_mutex_unlock(&h->mu);
    pthread_join(h->thread, NULL);
    pl_status st = h->st;
    if (st != PL_OK && err)
        *err = h->err;
    pthread_cond_destroy(&h->changed);
    pthread_mutex_destroy(&h->mu);
    pl_free(h);
    return st;
}

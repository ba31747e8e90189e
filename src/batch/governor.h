/* Internal: memory governance of the batch engine. */
#ifndef PLATEAU_BATCH_GOVERNOR_H
#define PLATEAU_BATCH_GOVERNOR_H

#include <stdbool.h>
#include <stddef.h>

typedef struct pl_governor {
    size_t limit;    /* shared budget; 0 = unlimited */
    size_t reserved; /* sum of running workers' shares */
    int jobs;        /* --jobs */
    int allowed;     /* current concurrency (lowered under pressure) */
    int running;
    bool throttled;
} pl_governor;

void pl_governor_init(pl_governor *g, size_t limit, int jobs);
/* The budget a worker gets for a file needing `estimate` bytes: its fair share, more if the file needs it. */
size_t pl_governor_share(const pl_governor *g, size_t estimate);
void pl_governor_sample(pl_governor *g);
bool pl_governor_may_start(const pl_governor *g, size_t reservation);
void pl_governor_start(pl_governor *g, size_t reservation);
void pl_governor_end(pl_governor *g, size_t reservation);
double pl_memory_pressure(void);

#endif

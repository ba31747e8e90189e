/* Memory governance for the batch: how many workers may run, given the shared budget and the machine's state. */
#include "batch/governor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plateau/mem.h"

/* "some avg10=1.23 ..." from /proc/pressure/memory: the share of the last 10 s some task stalled on memory. */
double pl_memory_pressure(void)
{
    FILE *f = fopen("/proc/pressure/memory", "r");
    if (!f)
        return 0;
    char line[256];
    double avg10 = 0;
    if (fgets(line, sizeof line, f)) {
        const char *p = strstr(line, "avg10=");
        if (p)
            avg10 = strtod(p + 6, NULL);
    }
    fclose(f);
    return avg10;
}

void pl_governor_init(pl_governor *g, size_t limit, int jobs)
{
    memset(g, 0, sizeof *g);
    g->limit = limit;
    g->jobs = jobs;
    g->allowed = jobs;
}

size_t pl_governor_share(const pl_governor *g, size_t estimate)
{
    if (!g->limit)
        return 0;
    size_t share = g->limit / (size_t)g->jobs;
    if (estimate > share)
        share = estimate;
    return share > g->limit ? g->limit : share;
}

/* Under pressure (PSI above 10% or less than 256 MiB available) no new worker starts while others run; when it
 * eases (PSI under 2%), concurrency returns to --jobs. A lone file always runs: progress never stalls. */
void pl_governor_sample(pl_governor *g)
{
    double psi = pl_memory_pressure();
    size_t avail = pl_mem_available();
    bool pressure = psi > 10.0 || (avail && avail < ((size_t)256 << 20));
    if (pressure) {
        g->allowed = g->running > 1 ? g->running : 1;
        g->throttled = true;
    } else if (psi < 2.0) {
        g->allowed = g->jobs;
        g->throttled = false;
    }
}

bool pl_governor_may_start(const pl_governor *g, size_t reservation)
{
    if (g->running == 0)
        return true;
    if (g->running >= g->allowed)
        return false;
    return !g->limit || g->reserved + reservation <= g->limit;
}

void pl_governor_start(pl_governor *g, size_t reservation)
{
    g->running++;
    g->reserved += reservation;
}

void pl_governor_end(pl_governor *g, size_t reservation)
{
    g->running--;
    g->reserved -= reservation;
}

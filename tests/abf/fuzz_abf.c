/* libFuzzer target for the ABF header and section parser: open the input from memory, then read a few samples (and
 * times) from the start and the end of every series. Any outcome is fine except a crash, a hang, a leak, or an
 * error without a message. The memory budget is set so that absurd-but-valid sweep counts fail as PL_EBUDGET
 * instead of exhausting the fuzzer's memory. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "io/abf/abf_internal.h"
#include "plateau/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_some(pl_recording *r)
{
    double v[256];
    size_t n = pl_recording_series_count(r);
    for (size_t i = 0; i < n && i < 64; i++) {
        const pl_series_info *s = pl_recording_series(r, i);
        int64_t count = s->n_samples < 256 ? s->n_samples : 256;
        pl_error err;
        if (pl_recording_read(r, i, 0, (size_t)count, v, &err) != PL_OK && err.msg[0] == '\0')
            abort();
        if (pl_recording_read(r, i, s->n_samples - count, (size_t)count, v, &err) != PL_OK && err.msg[0] == '\0')
            abort();
        if (pl_recording_read_times(r, i, 0, (size_t)count, v, &err) != PL_OK && err.msg[0] == '\0')
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pl_mem_set_limit(256u << 20);
    pl_recording *r = NULL;
    pl_error err;
    err.msg[0] = '\0';
    if (pl_abf_open_memory(data, size, "fuzz.abf", &r, &err) != PL_OK) {
        if (err.msg[0] == '\0')
            abort(); /* every failure must say what is wrong */
        return 0;
    }
    read_some(r);
    pl_recording_close(r);
    return 0;
}

/* Placeholder until the ABF reader lands: bids nothing, so ABF files get a clear message. */
#include "io/recording_impl.h"

static int abf_bid(const unsigned char *head, size_t n)
{
    (void)head;
    (void)n;
    return 0;
}

static pl_status abf_open(pl_recording *r, pl_error *err)
{
    return pl_error_set(err, PL_EUNSUPPORTED, r->path, "ABF reader not built");
}

const pl_recording_format pl_format_abf = {"abf", abf_bid, abf_open};

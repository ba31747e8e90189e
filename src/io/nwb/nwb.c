/* Placeholder until the NWB reader lands: bids nothing, so NWB files get a clear message. */
#include "io/recording_impl.h"

static int nwb_bid(const unsigned char *head, size_t n)
{
    (void)head;
    (void)n;
    return 0;
}

static pl_status nwb_open(pl_recording *r, pl_error *err)
{
    return pl_error_set(err, PL_EUNSUPPORTED, r->path, "NWB reader not built");
}

const pl_recording_format pl_format_nwb = {"nwb", nwb_bid, nwb_open};

/* Reading samples: positioned reads of whole frames (one sample of every channel) into one fixed buffer, then the
 * wanted channel is picked out and scaled. Memory never depends on the file or the request size. */
#include <string.h>

#include "io/abf/abf_internal.h"

pl_status abf_read_adc(abf_file *f, const abf_sweep *sw, int chan, int64_t first, size_t count, double *out,
                       pl_error *err)
{
    const abf_header *h = &f->h;
    const abf_adc *a = &h->adc[chan];
    size_t sample = h->float_data ? 4 : 2;
    size_t frame = sample * (size_t)h->n_adc;
    size_t per_chunk = f->chunk_size / frame;
    double gain = a->gain * a->unit_scale, offset = a->offset * a->unit_scale;
    int64_t frame0 = sw->first_frame + first;
    size_t done = 0;
    while (done < count) {
        size_t n = count - done < per_chunk ? count - done : per_chunk;
        uint64_t off = h->data_offset + (uint64_t)(frame0 + (int64_t)done) * frame;
        /* the last frame needs only up to our channel's sample */
        size_t bytes = (n - 1) * frame + (size_t)(chan + 1) * sample;
        pl_status st = abf_src_read(&f->src, off, f->chunk, bytes, "samples", err);
        if (st != PL_OK)
            return st;
        const unsigned char *p = f->chunk + (size_t)chan * sample;
        if (h->float_data) {
            for (size_t k = 0; k < n; k++, p += frame)
                out[done + k] = (double)abf_f32(p) * a->unit_scale;
        } else {
            for (size_t k = 0; k < n; k++, p += frame)
                out[done + k] = (double)abf_i16(p) * gain + offset;
        }
        done += n;
    }
    return PL_OK;
}

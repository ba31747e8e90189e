/* Validation of the normalised header against the file, and the sweep layout: gap-free files are one sweep,
 * episodic files are equal sweeps back to back in the data section, variable-length (event-driven) files take each
 * sweep's length and start from the synch array. */
#include <math.h>
#include <string.h>

#include "io/abf/abf_internal.h"
#include "plateau/mem.h"

static pl_status check_region(const abf_src *s, uint64_t off, int64_t count, uint64_t entry, const char *what,
                              pl_error *err)
{
    if (count < 0)
        return pl_error_set(err, PL_EFORMAT, s->path, "ABF %s has a negative count (%lld)", what, (long long)count);
    if (count == 0)
        return PL_OK;
    if (off > s->size || (uint64_t)count > (s->size - off) / entry)
        return pl_error_set(
            err, PL_EFORMAT, s->path,
            "ABF %s (%lld entries of %llu bytes at byte %llu) lies past the end of the file (%llu bytes)", what,
            (long long)count, (unsigned long long)entry, (unsigned long long)off, (unsigned long long)s->size);
    return PL_OK;
}

static pl_status check_scales(const abf_src *s, abf_header *h, pl_error *err)
{
    for (int i = 0; i < h->n_adc; i++) {
        abf_adc *a = &h->adc[i];
        if (h->float_data) {
            a->gain = 1.0; /* float samples are stored in the channel's own unit */
            a->offset = 0.0;
        } else if (!isfinite(a->gain) || a->gain == 0.0 || !isfinite(a->offset)) {
            return pl_error_set(err, PL_EFORMAT, s->path,
                                "ABF channel %d (%s) has an impossible scale (gain %g, offset %g): a zero or corrupt "
                                "gain, range or resolution in the header",
                                a->adc_num, a->name, a->gain, a->offset);
        }
    }
    return PL_OK;
}

pl_status abf_validate(const abf_src *s, abf_header *h, pl_error *err)
{
    if (!(h->interval_us >= 0.1 && h->interval_us <= 1e7))
        return pl_error_set(err, PL_EFORMAT, s->path,
                            "ABF sample interval of %g microseconds is absurd (expected 0.1 us to 10 s)",
                            h->interval_us);
    if (h->data_points < 0 || h->episodes < 0 || h->samples_per_episode < 0)
        return pl_error_set(err, PL_EFORMAT, s->path, "ABF header has negative counts (points %lld, sweeps %lld)",
                            (long long)h->data_points, (long long)h->episodes);
    if (h->data_points < h->n_adc)
        return pl_error_set(err, PL_EFORMAT, s->path, "ABF file holds no samples (%lld points for %d channels)",
                            (long long)h->data_points, h->n_adc);
    pl_status st = check_region(s, h->data_offset, h->data_points, h->float_data ? 4 : 2, "data section", err);
    if (st == PL_OK)
        st = check_region(s, h->synch_offset, h->synch_count, 8, "synch array", err);
    if (st == PL_OK)
        st = check_region(s, h->tag_offset, h->tag_count, 64, "tag section", err);
    if (st == PL_OK)
        st = check_scales(s, h, err);
    if (st == PL_OK && !isfinite(h->synch_unit_us))
        h->synch_unit_us = 0;
    if (st == PL_OK && (!isfinite(h->start_to_start_s) || h->start_to_start_s < 0))
        h->start_to_start_s = 0;
    return st;
}

/* Visits the synch array's (start, length) entry of every sweep, read in blocks of 256 (bounded reads). */
typedef pl_status (*synch_fn)(abf_file *f, int64_t sweep, int64_t start, int64_t len, void *ctx, pl_error *err);

static pl_status each_synch(abf_file *f, synch_fn visit, void *ctx, pl_error *err)
{
    unsigned char buf[8 * 256];
    for (int64_t i = 0; i < f->n_sweeps; i += 256) {
        int64_t n = f->n_sweeps - i < 256 ? f->n_sweeps - i : 256;
        pl_status st =
            abf_src_read(&f->src, f->h.synch_offset + (uint64_t)i * 8, buf, (size_t)n * 8, "synch array", err);
        for (int64_t k = 0; k < n && st == PL_OK; k++)
            st = visit(f, i + k, abf_i32(buf + 8 * k), abf_i32(buf + 8 * k + 4), ctx, err);
        if (st != PL_OK)
            return st;
    }
    return PL_OK;
}

/* Variable-length sweeps: lengths count interleaved samples, sweeps follow each other. */
typedef struct frames_so_far {
    int64_t used, total; /* frames taken by the sweeps so far; frames in the data section */
} frames_so_far;

static pl_status variable_sweep(abf_file *f, int64_t i, int64_t start, int64_t len, void *ctx, pl_error *err)
{
    const abf_header *h = &f->h;
    frames_so_far *fr = ctx;
    if (len < 0 || len / h->n_adc > fr->total - fr->used)
        return pl_error_set(err, PL_EFORMAT, f->src.path,
                            "ABF synch array sweep %lld has %lld samples, more than the data section holds",
                            (long long)i, (long long)len);
    abf_sweep *sw = &f->sweeps[i];
    sw->first_frame = fr->used;
    sw->frames = len / h->n_adc;
    fr->used += sw->frames;
    sw->start_s = h->synch_unit_us > 0 ? (double)start * h->synch_unit_us * 1e-6
                                       : (double)start / h->n_adc * h->interval_us * 1e-6;
    return PL_OK;
}

static pl_status variable_sweeps(abf_file *f, int64_t frames_total, pl_error *err)
{
    frames_so_far fr = {0, frames_total};
    return each_synch(f, variable_sweep, &fr, err);
}

static pl_status synch_start(abf_file *f, int64_t i, int64_t start, int64_t len, void *ctx, pl_error *err)
{
    (void)len, (void)ctx, (void)err;
    f->sweeps[i].start_s = (double)start * f->h.synch_unit_us * 1e-6;
    return PL_OK;
}

/* Episodic sweep starts: the synch array when it has one entry per sweep, else the start-to-start interval. */
static pl_status episodic_starts(abf_file *f, pl_error *err)
{
    const abf_header *h = &f->h;
    double len_s = (double)f->sweeps[0].frames * h->interval_us * 1e-6;
    double step = h->start_to_start_s > len_s ? h->start_to_start_s : len_s;
    for (int64_t i = 0; i < f->n_sweeps; i++)
        f->sweeps[i].start_s = (double)i * step;
    if (h->synch_count != f->n_sweeps || !(h->synch_unit_us > 0))
        return PL_OK;
    return each_synch(f, synch_start, NULL, err);
}

static pl_status alloc_sweeps(abf_file *f, pl_error *err)
{
    size_t per = (size_t)f->h.n_adc + (size_t)f->h.n_dac;
    if (f->n_sweeps < 1 || (uint64_t)f->n_sweeps > ABF_MAX_SERIES / per)
        return pl_error_set(err, PL_ELIMIT, f->src.path, "ABF file has %lld sweeps: too many to list",
                            (long long)f->n_sweeps);
    f->sweeps = pl_calloc((size_t)f->n_sweeps, sizeof *f->sweeps, "ABF sweep table", err);
    return f->sweeps ? PL_OK : (err ? err->code : PL_ENOMEM);
}

pl_status abf_build_sweeps(abf_file *f, pl_error *err)
{
    const abf_header *h = &f->h;
    int64_t frames_total = h->data_points / h->n_adc;
    if (h->mode == ABF_MODE_VARIABLE && h->synch_count > 0) {
        f->n_sweeps = h->synch_count;
        pl_status st = alloc_sweeps(f, err);
        return st == PL_OK ? variable_sweeps(f, frames_total, err) : st;
    }
    bool single = h->mode == ABF_MODE_GAPFREE || h->mode == ABF_MODE_VARIABLE || h->episodes <= 1;
    f->n_sweeps = single ? 1 : h->episodes;
    if (f->n_sweeps > frames_total)
        return pl_error_set(err, PL_EFORMAT, f->src.path, "ABF header says %lld sweeps but the data holds %lld samples",
                            (long long)f->n_sweeps, (long long)frames_total);
    pl_status st = alloc_sweeps(f, err);
    if (st != PL_OK)
        return st;
    int64_t per = frames_total / f->n_sweeps;
    /* Trust the header's sweep length when the data holds that many sweeps (an aborted last sweep is then dropped
     * rather than smeared over all sweeps). */
    if (!single && h->samples_per_episode >= h->n_adc && h->samples_per_episode / h->n_adc <= per)
        per = h->samples_per_episode / h->n_adc;
    for (int64_t i = 0; i < f->n_sweeps; i++) {
        f->sweeps[i].first_frame = i * per;
        f->sweeps[i].frames = per;
    }
    return single ? PL_OK : episodic_starts(f, err);
}

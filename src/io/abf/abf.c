/* The Axon ABF reader behind the Recording interface: bids on the "ABF " / "ABF2" magic, parses the header into a
 * normalised model (abf_v1.c, abf_v2.c), validates it against the file size, lays out sweeps, and serves bounded
 * positioned reads. Also an internal open-from-memory entry point for the fuzzer and tests. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/abf/abf_internal.h"
#include "plateau/mem.h"

#define ABF_CHUNK (256u * 1024u) /* large enough that syscalls do not dominate */

static int abf_bid(const unsigned char *head, size_t n)
{
    if (n >= 4 && (memcmp(head, "ABF2", 4) == 0 || memcmp(head, "ABF ", 4) == 0))
        return 100;
    return 0;
}

static void abf_free(abf_file *f)
{
    if (!f)
        return;
    if (f->src.fd >= 0)
        close(f->src.fd);
    pl_free(f->sweeps);
    pl_free(f->refs);
    pl_free(f->chunk);
    pl_free(f);
}

static void abf_close(pl_recording *r)
{
    abf_free(r->impl);
    r->impl = NULL;
}

static pl_status abf_read(pl_recording *r, size_t i, int64_t first, size_t count, double *out, pl_error *err)
{
    abf_file *f = r->impl;
    const abf_series_ref *ref = &f->refs[i];
    const abf_sweep *sw = &f->sweeps[ref->sweep];
    if (ref->is_dac) {
        abf_stimulus_values(&f->h, &f->h.dac[ref->chan], ref->sweep, sw->frames, first, count, out);
        return PL_OK;
    }
    return abf_read_adc(f, sw, ref->chan, first, count, out, err);
}

static size_t abf_memory_need(const pl_recording *r)
{
    const abf_file *f = r->impl;
    return sizeof *f + f->chunk_size + (size_t)f->n_sweeps * sizeof *f->sweeps + f->n_refs * sizeof *f->refs +
           r->n_series * sizeof *r->series;
}

static const pl_recording_ops abf_ops = {abf_read, NULL, abf_close, abf_memory_need};

static pl_status parse(abf_file *f, pl_error *err)
{
    unsigned char magic[4];
    pl_status st = abf_src_read(&f->src, 0, magic, 4, "the file signature", err);
    if (st != PL_OK)
        return st;
    if (memcmp(magic, "ABF2", 4) == 0)
        st = abf_parse_v2(&f->src, &f->h, err);
    else if (memcmp(magic, "ABF ", 4) == 0)
        st = abf_parse_v1(&f->src, &f->h, err);
    else
        return pl_error_set(err, PL_EFORMAT, f->src.path, "not an ABF file (signature is not \"ABF \" or \"ABF2\")");
    if (st == PL_OK)
        st = abf_validate(&f->src, &f->h, err);
    if (st != PL_OK)
        return st;
    abf_assign_units(&f->h);
    return abf_build_sweeps(f, err);
}

pl_status abf_open_src(pl_recording *r, const abf_src *src, pl_error *err)
{
    abf_file *f = pl_calloc(1, sizeof *f, "ABF reader", err);
    if (!f) {
        if (src->fd >= 0)
            close(src->fd);
        return err ? err->code : PL_ENOMEM;
    }
    f->src = *src;
    f->chunk_size = ABF_CHUNK;
    f->chunk = pl_alloc(f->chunk_size, "ABF read buffer", err);
    pl_status st = f->chunk ? parse(f, err) : (err ? err->code : PL_ENOMEM);
    if (st == PL_OK)
        st = abf_describe(r, f, err);
    if (st != PL_OK) {
        abf_free(f);
        return st;
    }
    r->ops = &abf_ops;
    r->impl = f;
    return PL_OK;
}

static pl_status abf_open(pl_recording *r, pl_error *err)
{
    int fd = open(r->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pl_error_errno(err, PL_EIO, r->path, "cannot open");
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        close(fd);
        return pl_error_errno(err, PL_EIO, r->path, "cannot stat");
    }
    abf_src src = {fd, NULL, (uint64_t)sb.st_size, r->path};
    return abf_open_src(r, &src, err);
}

pl_status pl_abf_open_memory(const void *data, size_t size, const char *name, pl_recording **out, pl_error *err)
{
    *out = NULL;
    pl_recording *r = pl_calloc(1, sizeof *r, "recording", err);
    if (!r)
        return err ? err->code : PL_ENOMEM;
    snprintf(r->path, sizeof r->path, "%s", name ? name : "(memory)");
    snprintf(r->meta.extra_json, sizeof r->meta.extra_json, "{}");
    abf_src src = {-1, data, size, r->path};
    pl_status st = abf_open_src(r, &src, err);
    if (st != PL_OK) {
        pl_free(r->series);
        pl_free(r);
        return st;
    }
    *out = r;
    return PL_OK;
}

const pl_recording_format pl_format_abf = {"abf", abf_bid, abf_open};

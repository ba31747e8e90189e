#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "io/recording_impl.h"
#include "plateau/mem.h"

static const pl_recording_format *const formats[] = {&pl_format_nwb, &pl_format_abf};
#define N_FORMATS (sizeof formats / sizeof formats[0])

const char *pl_clamp_name(pl_clamp c)
{
    switch (c) {
    case PL_CLAMP_CURRENT: return "current_clamp";
    case PL_CLAMP_VOLTAGE: return "voltage_clamp";
    case PL_CLAMP_IZERO: return "izero";
    default: return "unknown";
    }
}

const char *pl_role_name(pl_role r)
{
    return r == PL_ROLE_STIMULUS ? "stimulus" : "response";
}

static ssize_t read_head(const char *path, unsigned char *head, size_t n)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t got = pread(fd, head, n, 0);
    close(fd);
    return got;
}

static const pl_recording_format *best_format(const unsigned char *head, size_t n)
{
    const pl_recording_format *best = NULL;
    int best_bid = 0;
    for (size_t i = 0; i < N_FORMATS; i++) {
        int b = formats[i]->bid(head, n);
        if (b > best_bid) {
            best_bid = b;
            best = formats[i];
        }
    }
    return best;
}

/* Enough for an HDF5 signature after a user block of up to 4 KiB (offsets 0, 512, 1024, 2048, 4096). */
#define SNIFF_BYTES (4096 + 8)

const char *pl_recording_sniff(const char *path)
{
    unsigned char head[SNIFF_BYTES];
    ssize_t n = read_head(path, head, sizeof head);
    if (n <= 0)
        return NULL;
    const pl_recording_format *f = best_format(head, (size_t)n);
    return f ? f->name : NULL;
}

pl_status pl_recording_open(const char *path, pl_recording **out, pl_error *err)
{
    *out = NULL;
    unsigned char head[SNIFF_BYTES];
    ssize_t n = read_head(path, head, sizeof head);
    if (n < 0)
        return pl_error_errno(err, PL_EIO, path, "cannot read");
    if (n == 0)
        return pl_error_set(err, PL_EFORMAT, path, "empty file (0 bytes)");
    const pl_recording_format *f = best_format(head, (size_t)n);
    if (!f)
        return pl_error_set(err, PL_EFORMAT, path, "not a recording: neither NWB (HDF5) nor ABF");
    pl_recording *r = pl_calloc(1, sizeof *r, "recording", err);
    if (!r) {
        pl_error_locate(err, path);
        return err ? err->code : PL_ENOMEM;
    }
    snprintf(r->path, sizeof r->path, "%s", path);
    snprintf(r->meta.extra_json, sizeof r->meta.extra_json, "{}");
    pl_status st = f->open(r, err);
    if (st != PL_OK) {
        pl_error_locate(err, path);
        pl_free(r->series);
        pl_free(r);
        return st;
    }
    *out = r;
    return PL_OK;
}

void pl_recording_close(pl_recording *r)
{
    if (!r)
        return;
    if (r->ops && r->ops->close)
        r->ops->close(r);
    pl_free(r->series);
    pl_free(r);
}

const char *pl_recording_path(const pl_recording *r)
{
    return r->path;
}
const pl_recording_meta *pl_recording_get_meta(const pl_recording *r)
{
    return &r->meta;
}
size_t pl_recording_series_count(const pl_recording *r)
{
    return r->n_series;
}
const pl_series_info *pl_recording_series(const pl_recording *r, size_t i)
{
    return i < r->n_series ? &r->series[i] : NULL;
}

static pl_status check_range(pl_recording *r, size_t i, int64_t first, size_t count, pl_error *err)
{
    if (i >= r->n_series)
        return pl_error_set(err, PL_EARG, r->path, "series %zu does not exist", i);
    const pl_series_info *s = &r->series[i];
    if (first < 0 || (int64_t)count > s->n_samples || first > s->n_samples - (int64_t)count)
        return pl_error_set(err, PL_EARG, r->path, "read of samples %lld..+%zu outside series %s (%lld samples)",
                            (long long)first, count, s->name, (long long)s->n_samples);
    return PL_OK;
}

pl_status pl_recording_read(pl_recording *r, size_t i, int64_t first, size_t count, double *out, pl_error *err)
{
    pl_status st = check_range(r, i, first, count, err);
    if (st == PL_OK && count)
        st = r->ops->read(r, i, first, count, out, err);
    if (st != PL_OK)
        pl_error_locate(err, r->path);
    return st;
}

pl_status pl_recording_read_times(pl_recording *r, size_t i, int64_t first, size_t count, double *t_s, pl_error *err)
{
    pl_status st = check_range(r, i, first, count, err);
    if (st != PL_OK || !count)
        return st;
    const pl_series_info *s = &r->series[i];
    if (s->has_timestamps && r->ops->read_times) {
        st = r->ops->read_times(r, i, first, count, t_s, err);
        if (st != PL_OK)
            pl_error_locate(err, r->path);
        return st;
    }
    if (!(s->rate_hz > 0))
        return pl_error_set(err, PL_EFORMAT, r->path, "series %s has neither a rate nor timestamps", s->name);
    for (size_t k = 0; k < count; k++)
        t_s[k] = s->start_time_s + (double)(first + (int64_t)k) / s->rate_hz;
    return PL_OK;
}

size_t pl_recording_memory_need(const pl_recording *r)
{
    return r->ops && r->ops->memory_need ? r->ops->memory_need(r) : 0;
}

/* Reading samples and times of one series: a hyperslab of the data dataset converted by HDF5 straight into the
 * caller's double buffer, then scaled in place. HDF5's own buffers are bounded (type conversion buffer 1 MiB, one
 * chunk cache per open dataset), so a sweep of any length never becomes one allocation of ours or HDF5's. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "io/nwb/nwb_internal.h"
#include "plateau/mem.h"

double nwb_unit_scale(const char *unit, char *out_unit, size_t size)
{
    static const struct {
        const char *name, *to;
        double scale;
    } units[] = {
        {"volts", "mV", 1e3},   {"volt", "mV", 1e3},  {"V", "mV", 1e3},  {"mV", "mV", 1.0}, {"amperes", "pA", 1e12},
        {"ampere", "pA", 1e12}, {"amps", "pA", 1e12}, {"A", "pA", 1e12}, {"pA", "pA", 1.0},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        bool one_letter = strlen(units[i].name) == 1;
        if (one_letter ? !strcmp(unit, units[i].name) : !strcasecmp(unit, units[i].name)) {
            snprintf(out_unit, size, "%s", units[i].to);
            return units[i].scale;
        }
    }
    snprintf(out_unit, size, "%s", unit);
    return 1.0;
}

static pl_status h5_fail(pl_recording *r, const char *what, const char *series, pl_error *err)
{
    char why[256];
    nwb_h5_last_error(why, sizeof why);
    return pl_error_set(err, PL_EFORMAT, r->path, "cannot read %s of series %s%s%s", what, series, why[0] ? ": " : "",
                        why);
}

/* Keeps the data dataset of the series being read open (with its chunk cache) until another series is read. */
static hid_t data_of(pl_recording *r, size_t i)
{
    nwb_file *f = r->impl;
    if (f->open_data >= 0 && f->open_index == i)
        return f->open_data;
    if (f->open_data >= 0)
        H5Dclose(f->open_data);
    char path[600];
    snprintf(path, sizeof path, "%s/data", r->series[i].location);
    /* The cache must hold one whole chunk, or a read that ends inside a chunk decompresses it again next time. */
    hsize_t chunk = f->info[i].max_chunk;
    H5Pset_chunk_cache(f->dapl, 521, chunk > NWB_CHUNK_CACHE_BYTES ? (size_t)chunk : NWB_CHUNK_CACHE_BYTES, 1.0);
    f->open_data = H5Dopen2(f->file, path, f->dapl);
    f->open_index = i;
    return f->open_data;
}

/* Selects rows [first, first+count) of a 1-D or (n, 1) dataset into dst as count elements of mtype. */
static herr_t read_rows_as(hid_t d, int64_t first, size_t count, hid_t mtype, void *dst)
{
    hid_t fs = H5Dget_space(d);
    if (fs < 0)
        return -1;
    int rank = H5Sget_simple_extent_ndims(fs);
    hsize_t start[2] = {(hsize_t)first, 0}, cnt[2] = {(hsize_t)count, 1};
    herr_t st = -1;
    if (rank == 1 || rank == 2) {
        hsize_t mcount = count;
        hid_t ms = H5Screate_simple(1, &mcount, NULL);
        if (ms >= 0 && H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, cnt, NULL) >= 0)
            st = H5Dread(d, mtype, ms, fs, H5P_DEFAULT, dst);
        if (ms >= 0)
            H5Sclose(ms);
    }
    H5Sclose(fs);
    return st;
}

static herr_t read_rows(hid_t d, int64_t first, size_t count, double *out)
{
    return read_rows_as(d, first, count, H5T_NATIVE_DOUBLE, out);
}

/* The raw samples sit at the tail of out (count elements of `size` bytes); widening them forwards never overwrites
 * one not yet read: element k is read from byte tail + k*size >= 8k before out[k] (bytes 8k..8k+7) is stored, and
 * element k+1 starts at tail + (k+1)*size >= 8(k+1). memcpy keeps the loads free of aliasing assumptions. */
#define WIDEN(ctype)                                                                                                   \
    do {                                                                                                               \
        const unsigned char *src = tail;                                                                               \
        for (size_t k = 0; k < count; k++) {                                                                           \
            ctype v;                                                                                                   \
            memcpy(&v, src + k * sizeof v, sizeof v);                                                                  \
            out[k] = (double)v * scale + shift;                                                                        \
        }                                                                                                              \
    } while (0)

static void widen(nwb_raw raw, const void *tail, size_t count, double *out, double scale, double shift)
{
    switch (raw) {
    case NWB_RAW_F32: WIDEN(float); break;
    case NWB_RAW_F64: WIDEN(double); break;
    case NWB_RAW_I8: WIDEN(int8_t); break;
    case NWB_RAW_U8: WIDEN(uint8_t); break;
    case NWB_RAW_I16: WIDEN(int16_t); break;
    case NWB_RAW_U16: WIDEN(uint16_t); break;
    case NWB_RAW_I32: WIDEN(int32_t); break;
    case NWB_RAW_U32: WIDEN(uint32_t); break;
    case NWB_RAW_I64: WIDEN(int64_t); break;
    case NWB_RAW_U64: WIDEN(uint64_t); break;
    default:
        for (size_t k = 0; k < count; k++)
            out[k] = out[k] * scale + shift;
    }
}

static hid_t memory_type(nwb_raw raw, size_t *size)
{
    static const struct {
        nwb_raw raw;
        size_t size;
    } sizes[] = {{NWB_RAW_F32, 4}, {NWB_RAW_F64, 8}, {NWB_RAW_I8, 1},  {NWB_RAW_U8, 1},  {NWB_RAW_I16, 2},
                 {NWB_RAW_U16, 2}, {NWB_RAW_I32, 4}, {NWB_RAW_U32, 4}, {NWB_RAW_I64, 8}, {NWB_RAW_U64, 8}};
    hid_t types[] = {H5T_NATIVE_FLOAT,  H5T_NATIVE_DOUBLE, H5T_NATIVE_INT8,   H5T_NATIVE_UINT8, H5T_NATIVE_INT16,
                     H5T_NATIVE_UINT16, H5T_NATIVE_INT32,  H5T_NATIVE_UINT32, H5T_NATIVE_INT64, H5T_NATIVE_UINT64};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
        if (sizes[k].raw == raw) {
            *size = sizes[k].size;
            return types[k];
        }
    *size = sizeof(double);
    return H5T_NATIVE_DOUBLE;
}

static pl_status nwb_read(pl_recording *r, size_t i, int64_t first, size_t count, double *out, pl_error *err)
{
    nwb_file *f = r->impl;
    const nwb_series *x = &f->info[i];
    hid_t d = data_of(r, i);
    size_t size;
    hid_t mtype = memory_type(x->raw, &size);
    unsigned char *tail = (unsigned char *)out + count * (sizeof(double) - size);
    if (d < 0 || read_rows_as(d, first, count, mtype, tail) < 0)
        return h5_fail(r, "the data", r->series[i].name, err);
    if (x->raw != NWB_RAW_OTHER || x->scale != 1.0 || x->shift != 0.0)
        widen(x->raw, tail, count, out, x->scale, x->shift);
    return PL_OK;
}

static pl_status nwb_read_times(pl_recording *r, size_t i, int64_t first, size_t count, double *t_s, pl_error *err)
{
    nwb_file *f = r->impl;
    char path[600];
    snprintf(path, sizeof path, "%s/timestamps", r->series[i].location);
    hid_t d = H5Dopen2(f->file, path, H5P_DEFAULT);
    herr_t st = d >= 0 ? read_rows(d, first, count, t_s) : -1;
    if (d >= 0)
        H5Dclose(d);
    return st < 0 ? h5_fail(r, "the timestamps", r->series[i].name, err) : PL_OK;
}

static void nwb_close(pl_recording *r)
{
    nwb_file *f = r->impl;
    if (!f)
        return;
    if (f->open_data >= 0)
        H5Dclose(f->open_data);
    if (f->dapl >= 0)
        H5Pclose(f->dapl);
    if (f->file >= 0)
        H5Fclose(f->file);
    pl_mem_release(f->charged);
    pl_free(f->info);
    pl_free(f);
    r->impl = NULL;
}

/* The chunk cache (at least one largest chunk), HDF5's metadata cache and free lists, and a compressed plus a
 * decompressed copy of the largest chunk (filters work on whole chunks, so huge chunks need them whatever we do). */
static size_t nwb_memory_need(const pl_recording *r)
{
    const nwb_file *f = r->impl;
    return NWB_CHUNK_CACHE_BYTES + NWB_METADATA_BYTES + NWB_FREE_LIST_BYTES + (size_t)f->max_chunk * 3 +
           ((size_t)1 << 20);
}

const pl_recording_ops nwb_ops = {nwb_read, nwb_read_times, nwb_close, nwb_memory_need};

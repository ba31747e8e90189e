/* One patch-clamp series of an NWB file: its data layout, scaling, time base, sweep, channel and stimulus name.
 * Everything is checked here, at open, so that reads later only fail on damaged bytes. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io/nwb/nwb_series.h"
#include "plateau/mem.h"

/* "data_00004_AD0" -> 4, "CurrentClampSeries_012" -> 12, "ic__Step__1" -> 1: the last all-digit token (tokens split
 * at '_', '-', ' ' and '.'), skipping one that numbers a channel ("...-ch-0"); else trailing digits; else -1. */
int32_t nwb_number_in_name(const char *name)
{
    long best = -1;
    char prev[32] = "";
    const char *p = name;
    while (*p) {
        while (*p && strchr("_- .", *p))
            p++;
        const char *s = p;
        while (*p && !strchr("_- .", *p))
            p++;
        size_t len = (size_t)(p - s);
        bool digits = len > 0 && len < 10;
        for (size_t k = 0; digits && k < len; k++)
            digits = isdigit((unsigned char)s[k]);
        if (digits && strcasecmp(prev, "ch") && strcasecmp(prev, "channel") && strcasecmp(prev, "electrode"))
            best = strtol(s, NULL, 10);
        snprintf(prev, sizeof prev, "%.*s", (int)(len < sizeof prev ? len : sizeof prev - 1), s);
    }
    if (best >= 0)
        return (int32_t)best;
    size_t n = strlen(name), k = n;
    while (k > 0 && isdigit((unsigned char)name[k - 1]))
        k--;
    return k < n && n - k < 10 ? (int32_t)strtol(name + k, NULL, 10) : -1;
}

/* Trailing number of the last path component ("/general/intracellular_ephys/electrode_0" -> 0). */
static int32_t trailing_number(const char *s)
{
    size_t n = strlen(s), k = n;
    while (k > 0 && n - k < 9 && isdigit((unsigned char)s[k - 1]))
        k--;
    return k < n ? (int32_t)strtol(s + k, NULL, 10) : -1;
}

static pl_status bad(pl_error *err, pl_status code, const pl_series_info *s, const char *fmt, const char *detail)
{
    char what[400];
    snprintf(what, sizeof what, fmt, detail);
    return pl_error_set(err, code, NULL, "series %s: %s", s->location, what);
}

/* The storage type of the data, when it is one we widen ourselves. */
static nwb_raw raw_kind(hid_t t)
{
    H5T_class_t cls = H5Tget_class(t);
    size_t size = H5Tget_size(t);
    if (cls == H5T_FLOAT) {
        hid_t native = H5Tget_native_type(t, H5T_DIR_ASCEND);
        nwb_raw k = H5Tequal(native, H5T_NATIVE_FLOAT) > 0    ? NWB_RAW_F32
                    : H5Tequal(native, H5T_NATIVE_DOUBLE) > 0 ? NWB_RAW_F64
                                                              : NWB_RAW_OTHER;
        H5Tclose(native);
        return k;
    }
    if (cls != H5T_INTEGER)
        return NWB_RAW_OTHER;
    bool sign = H5Tget_sign(t) == H5T_SGN_2;
    switch (size) {
    case 1: return sign ? NWB_RAW_I8 : NWB_RAW_U8;
    case 2: return sign ? NWB_RAW_I16 : NWB_RAW_U16;
    case 4: return sign ? NWB_RAW_I32 : NWB_RAW_U32;
    case 8: return sign ? NWB_RAW_I64 : NWB_RAW_U64;
    default: return NWB_RAW_OTHER;
    }
}

/* Shape, element type and chunking of <location>/data. */
static pl_status data_layout(hid_t file, pl_series_info *s, nwb_series *x, pl_error *err)
{
    char path[600];
    snprintf(path, sizeof path, "%s/data", s->location);
    if (!nwb_h5_is_dataset(file, path))
        return bad(err, PL_EFORMAT, s, "%s", "has no data dataset");
    hid_t d = H5Dopen2(file, path, H5P_DEFAULT);
    if (d < 0)
        return bad(err, PL_EFORMAT, s, "%s", "its data cannot be opened");
    hid_t sp = H5Dget_space(d), t = H5Dget_type(d), pl = H5Dget_create_plist(d);
    hsize_t dims[H5S_MAX_RANK] = {0};
    int rank = sp >= 0 ? H5Sget_simple_extent_dims(sp, dims, NULL) : -1;
    H5T_class_t cls = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
    size_t esize = t >= 0 ? H5Tget_size(t) : 0;
    pl_status st = PL_OK;
    if (cls != H5T_INTEGER && cls != H5T_FLOAT)
        st = bad(err, PL_EUNSUPPORTED, s, "%s", "its data is not numeric");
    else if (rank == 2 && dims[1] != 1) {
        char shape[64];
        snprintf(shape, sizeof shape, "%llu x %llu", (unsigned long long)dims[0], (unsigned long long)dims[1]);
        st = bad(err, PL_EUNSUPPORTED, s, "2-D data (%s) is not supported", shape);
    } else if (rank != 1 && rank != 2)
        st = bad(err, PL_EUNSUPPORTED, s, "%s", rank == 0 ? "its data is a scalar, not a series" : "data of 3 or more dimensions is not supported");
    if (st == PL_OK) {
        s->n_samples = (int64_t)dims[0];
        x->raw = raw_kind(t);
        x->ncols = 1;
        x->max_chunk = 0;
        if (pl >= 0 && H5Pget_layout(pl) == H5D_CHUNKED) {
            hsize_t cd[H5S_MAX_RANK];
            int cr = H5Pget_chunk(pl, H5S_MAX_RANK, cd);
            hsize_t bytes = esize;
            for (int k = 0; k < cr; k++)
                bytes *= cd[k];
            x->max_chunk = bytes;
        }
        if (s->n_samples == 0)
            snprintf(s->note, sizeof s->note, "data is empty (0 samples)");
    }
    if (pl >= 0)
        H5Pclose(pl);
    if (t >= 0)
        H5Tclose(t);
    if (sp >= 0)
        H5Sclose(sp);
    H5Dclose(d);
    return st;
}

/* data * conversion + offset, then volts -> mV and amperes -> pA, folded into one multiply-add. */
static pl_status scaling(hid_t file, pl_series_info *s, nwb_series *x, pl_error *err)
{
    char path[600], unit[64];
    snprintf(path, sizeof path, "%s/data", s->location);
    double conversion = 1.0, offset = 0.0;
    nwb_h5_attr_double(file, path, "conversion", &conversion);
    nwb_h5_attr_double(file, path, "offset", &offset);
    if (!isfinite(conversion) || !isfinite(offset))
        return bad(err, PL_EFORMAT, s, "%s", "its data has a conversion or offset that is not a finite number");
    nwb_h5_attr_string(file, path, "unit", NULL, unit, sizeof unit);
    double unit_scale = nwb_unit_scale(unit, s->unit, sizeof s->unit);
    x->scale = conversion * unit_scale;
    x->shift = offset * unit_scale;
    return PL_OK;
}

/* starting_time (+ rate) or timestamps. */
static pl_status time_base(hid_t file, pl_series_info *s, nwb_series *x, pl_error *err)
{
    char st_path[600], ts_path[600];
    snprintf(st_path, sizeof st_path, "%s/starting_time", s->location);
    snprintf(ts_path, sizeof ts_path, "%s/timestamps", s->location);
    if (nwb_h5_is_dataset(file, ts_path)) {
        hid_t d = H5Dopen2(file, ts_path, H5P_DEFAULT);
        hsize_t dims[H5S_MAX_RANK] = {0};
        int rank = -1;
        if (d >= 0) {
            hid_t sp = H5Dget_space(d);
            rank = sp >= 0 ? H5Sget_simple_extent_dims(sp, dims, NULL) : -1;
            if (sp >= 0)
                H5Sclose(sp);
            H5Dclose(d);
        }
        if (rank != 1 || (int64_t)dims[0] < s->n_samples)
            return bad(err, PL_EFORMAT, s, "%s", "its timestamps are not a 1-D list as long as its data");
        x->timestamps = true;
        s->has_timestamps = true;
        s->rate_hz = 0;
        s->start_time_s = 0;
        if (s->n_samples > 0 && !nwb_h5_dataset_double(file, ts_path, &s->start_time_s))
            return bad(err, PL_EFORMAT, s, "%s", "its timestamps cannot be read");
        double rate;
        if (nwb_h5_attr_double(file, ts_path, "rate", &rate) && rate > 0)
            s->rate_hz = rate;
        return PL_OK;
    }
    if (!nwb_h5_is_dataset(file, st_path))
        return bad(err, PL_EFORMAT, s, "%s", "has neither starting_time nor timestamps, so its times are unknown");
    if (!nwb_h5_dataset_double(file, st_path, &s->start_time_s) || !isfinite(s->start_time_s))
        return bad(err, PL_EFORMAT, s, "%s", "its starting_time cannot be read");
    double rate = 0;
    if (!nwb_h5_attr_double(file, st_path, "rate", &rate) || !(rate > 0) || !isfinite(rate))
        return bad(err, PL_EFORMAT, s, "%s", "its starting_time has no valid rate attribute and there are no timestamps");
    s->rate_hz = rate;
    return PL_OK;
}

/* The sweep number the file states for this series: a sweep_number attribute or dataset, or in NWB 1.x MIES files
 * "Sweep=N" in the source attribute. -1 when none. */
static int32_t stated_sweep(hid_t file, const pl_series_info *s, bool v1)
{
    double v;
    char path[600];
    if (nwb_h5_attr_double(file, s->location, "sweep_number", &v) && v >= 0 && v < 2e9)
        return (int32_t)v;
    snprintf(path, sizeof path, "%s/sweep_number", s->location);
    if (nwb_h5_dataset_double(file, path, &v) && v >= 0 && v < 2e9)
        return (int32_t)v;
    char src[512];
    if (v1 && nwb_h5_attr_string(file, s->location, "source", NULL, src, sizeof src)) {
        const char *p = strstr(src, "Sweep=");
        if (p && isdigit((unsigned char)p[6]))
            return (int32_t)strtol(p + 6, NULL, 10);
    }
    return -1;
}

static int32_t channel_of(hid_t file, const pl_series_info *s)
{
    char path[600], target[512];
    snprintf(path, sizeof path, "%s/electrode", s->location);
    if (nwb_h5_link_target(file, path, target, sizeof target))
        return trailing_number(target);
    snprintf(path, sizeof path, "%s/electrode_name", s->location); /* NWB 1.x */
    if (nwb_h5_dataset_string(file, path, NULL, target, sizeof target))
        return trailing_number(target);
    return -1;
}

pl_status nwb_series_describe(hid_t file, bool v1, const char *group, const char *name, const char *type,
                              nwb_type_rule rule, pl_series_info *s, nwb_series *x, pl_error *err)
{
    memset(s, 0, sizeof *s);
    memset(x, 0, sizeof *x);
    snprintf(s->name, sizeof s->name, "%s", name);
    snprintf(s->location, sizeof s->location, "%s/%s", group, name);
    snprintf(s->type, sizeof s->type, "%s", type);
    s->role = rule.stimulus_type || !strncmp(group, "/stimulus", 9) ? PL_ROLE_STIMULUS : PL_ROLE_RESPONSE;
    s->clamp = rule.clamp;
    H5O_info_t info;
    x->addr = H5Oget_info_by_name2(file, s->location, &info, H5O_INFO_BASIC, H5P_DEFAULT) >= 0 ? info.addr
                                                                                              : HADDR_UNDEF;
    pl_status st = data_layout(file, s, x, err);
    if (st == PL_OK)
        st = scaling(file, s, x, err);
    if (st == PL_OK)
        st = time_base(file, s, x, err);
    if (st != PL_OK)
        return st;
    s->sweep = stated_sweep(file, s, v1);
    s->channel = channel_of(file, s);
    if (!nwb_h5_attr_string(file, s->location, "stimulus_description", NULL, s->stimulus, sizeof s->stimulus)) {
        char path[600];
        snprintf(path, sizeof path, "%s/stimulus_description", s->location);
        nwb_h5_dataset_string(file, path, NULL, s->stimulus, sizeof s->stimulus);
    }
    return PL_OK;
}

/* The NWB format descriptor: bid on the HDF5 signature, open = find every patch-clamp series (NWB 2.x and the
 * 1.x layout), number their sweeps, pair stimuli with responses, sort them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/nwb/nwb_internal.h"
#include "io/nwb/nwb_series.h"
#include "plateau/mem.h"

static const unsigned char hdf5_signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

/* HDF5 puts its signature at 0, or after a user block at 512, 1024, 2048, ... */
static int nwb_bid(const unsigned char *head, size_t n)
{
    for (size_t at = 0; at + 8 <= n; at = at ? at * 2 : 512)
        if (!memcmp(head + at, hdf5_signature, 8))
            return 90;
    return 0;
}

typedef struct {
    pl_recording *r;
    nwb_file *f;
    nwb_types *types;
    bool v1;
    const char *group;
    size_t cap;
    pl_status st;
    pl_error *err;
} scan_ctx;

/* The neurodata type of a series group: NWB 2 names it; NWB 1.x lists its ancestry, most specific last. */
static void type_of(hid_t g, const char *name, bool v1, char *type, size_t size)
{
    char anc[512];
    type[0] = 0;
    if (v1 && nwb_h5_attr_string(g, name, "ancestry", ",", anc, sizeof anc) && anc[0]) {
        const char *last = strrchr(anc, ',');
        snprintf(type, size, "%s", last ? last + 1 : anc);
        return;
    }
    nwb_h5_attr_string(g, name, "neurodata_type", NULL, type, size);
}

static pl_status grow(scan_ctx *c)
{
    pl_recording *r = c->r;
    if (r->n_series < c->cap)
        return PL_OK;
    size_t cap = c->cap ? c->cap * 2 : 64;
    pl_series_info *s = pl_realloc(r->series, cap * sizeof *s, "NWB series list", c->err);
    if (!s)
        return c->err ? c->err->code : PL_ENOMEM;
    r->series = s;
    nwb_series *x = pl_realloc(c->f->info, cap * sizeof *x, "NWB series list", c->err);
    if (!x)
        return c->err ? c->err->code : PL_ENOMEM;
    c->f->info = x;
    c->cap = cap;
    return PL_OK;
}

static herr_t visit_series(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    (void)info;
    scan_ctx *c = data;
    if (!nwb_h5_is_group(g, name))
        return 0;
    char type[128];
    type_of(g, name, c->v1, type, sizeof type);
    nwb_type_rule rule = nwb_types_classify(c->types, type);
    if (!rule.icephys)
        return 0;
    if ((c->st = grow(c)) != PL_OK)
        return -1;
    pl_recording *r = c->r;
    c->st = nwb_series_describe(c->f->file, c->v1, c->group, name, type, rule, &r->series[r->n_series],
                                &c->f->info[r->n_series], c->err);
    if (c->st != PL_OK)
        return -1;
    if (c->f->info[r->n_series].max_chunk > c->f->max_chunk)
        c->f->max_chunk = c->f->info[r->n_series].max_chunk;
    r->n_series++;
    return 0;
}

static pl_status scan_group(scan_ctx *c, const char *group)
{
    if (!nwb_h5_is_group(c->f->file, group))
        return PL_OK;
    c->group = group;
    hsize_t idx = 0;
    herr_t rc = H5Literate_by_name(c->f->file, group, H5_INDEX_NAME, H5_ITER_INC, &idx, visit_series, c, H5P_DEFAULT);
    if (c->st != PL_OK)
        return c->st;
    if (rc < 0) {
        char why[256];
        return pl_error_set(c->err, PL_EFORMAT, NULL, "cannot list %s: %s", group, nwb_h5_last_error(why, sizeof why));
    }
    return PL_OK;
}

static ptrdiff_t find_series(const pl_recording *r, haddr_t addr)
{
    const nwb_file *f = r->impl;
    for (size_t i = 0; i < r->n_series; i++)
        if (f->info[i].addr == addr)
            return (ptrdiff_t)i;
    return -1;
}

/* Sweep numbers and clamp modes from the icephys tables, then from the paired series, then from names. */
static void number_sweeps(pl_recording *r, const nwb_tables *t)
{
    size_t n = r->n_series;
    ptrdiff_t *partner = nwb_alloc((n ? n : 1) * sizeof *partner, "NWB pairs");
    for (size_t i = 0; i < n; i++) {
        pl_series_info *s = &r->series[i];
        int32_t sweep;
        haddr_t other;
        nwb_tables_lookup(t, ((nwb_file *)r->impl)->info[i].addr, &sweep, &other);
        if (s->sweep < 0)
            s->sweep = sweep; /* the series' own sweep_number wins over a table row id */
        if (partner)
            partner[i] = other != HADDR_UNDEF ? find_series(r, other) : -1;
    }
    for (size_t i = 0; partner && i < n; i++) {
        pl_series_info *s = &r->series[i];
        if (partner[i] < 0)
            continue;
        const pl_series_info *o = &r->series[partner[i]];
        if (s->sweep < 0)
            s->sweep = o->sweep;
        if (s->clamp == PL_CLAMP_UNKNOWN)
            s->clamp = o->clamp;
    }
    pl_free(partner);
    for (size_t i = 0; i < n; i++)
        if (r->series[i].sweep < 0)
            r->series[i].sweep = nwb_number_in_name(r->series[i].name);
    /* A series of unknown clamp (plain PatchClampSeries) takes the mode of the other role on its sweep and channel. */
    for (size_t i = 0; i < n; i++) {
        pl_series_info *s = &r->series[i];
        for (size_t j = 0; s->clamp == PL_CLAMP_UNKNOWN && s->sweep >= 0 && j < n; j++) {
            const pl_series_info *o = &r->series[j];
            if (o->sweep == s->sweep && o->channel == s->channel && o->role != s->role)
                s->clamp = o->clamp;
        }
    }
}

typedef struct {
    pl_series_info s;
    nwb_series x;
} series_pair;

/* Sweep (unknown last), then response before stimulus, then name. */
static int series_order(const void *a, const void *b)
{
    const pl_series_info *x = &((const series_pair *)a)->s, *y = &((const series_pair *)b)->s;
    uint32_t sx = (uint32_t)x->sweep, sy = (uint32_t)y->sweep; /* -1 becomes the largest */
    if (sx != sy)
        return sx < sy ? -1 : 1;
    if (x->role != y->role)
        return x->role < y->role ? -1 : 1;
    return strcmp(x->name, y->name);
}

static pl_status sort_series(pl_recording *r, nwb_file *f, pl_error *err)
{
    size_t n = r->n_series;
    series_pair *p = pl_alloc(n * sizeof *p, "NWB series sort", err);
    if (!p)
        return err ? err->code : PL_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        p[i].s = r->series[i];
        p[i].x = f->info[i];
    }
    qsort(p, n, sizeof *p, series_order);
    for (size_t i = 0; i < n; i++) {
        r->series[i] = p[i].s;
        f->info[i] = p[i].x;
    }
    pl_free(p);
    return PL_OK;
}

/* nwb_version: a root attribute in NWB 2 ("2.6.0"), a root dataset in 1.x ("NWB-1.0.5"). */
static pl_status read_version(hid_t file, pl_recording *r, bool *v1, pl_error *err)
{
    char v[64];
    if (!nwb_h5_attr_string(file, "/", "nwb_version", NULL, v, sizeof v) &&
        !nwb_h5_dataset_string(file, "/nwb_version", NULL, v, sizeof v))
        return pl_error_set(err, PL_EFORMAT, r->path,
                            "an HDF5 file without NWB structure (no nwb_version attribute): not an NWB file");
    const char *num = !strncmp(v, "NWB-", 4) ? v + 4 : v;
    snprintf(r->meta.format_version, sizeof r->meta.format_version, "%s", num);
    int major = atoi(num);
    *v1 = major == 1;
    if (major != 1 && major != 2)
        return pl_error_set(err, PL_EUNSUPPORTED, r->path, "NWB version %s is not supported (NWB 1.x and 2.x are)", v);
    return PL_OK;
}

static pl_status open_file(pl_recording *r, nwb_file *f, pl_error *err)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
    /* HDF5's metadata cache grows adaptively up to 32 MiB by default; a file with thousands of series would take
     * it there. Cap it so the reader's memory stays what memory_need says. */
    H5AC_cache_config_t mdc = {.version = H5AC__CURR_CACHE_CONFIG_VERSION};
    if (H5Pget_mdc_config(fapl, &mdc) >= 0) {
        mdc.max_size = NWB_METADATA_BYTES;
        mdc.min_size = NWB_METADATA_BYTES / 4;
        mdc.initial_size = NWB_METADATA_BYTES / 4;
        mdc.set_initial_size = 1;
        H5Pset_mdc_config(fapl, &mdc);
    }
    f->file = H5Fopen(r->path, H5F_ACC_RDONLY, fapl);
    char why[256];
    nwb_h5_last_error(why, sizeof why); /* before H5Pclose, which clears the error stack */
    H5Pclose(fapl);
    if (f->file < 0) {
        return pl_error_set(err, PL_EFORMAT, r->path, "not a readable HDF5 file (truncated or damaged?)%s%s",
                            why[0] ? ": " : "", why);
    }
    f->dapl = H5Pcreate(H5P_DATASET_ACCESS);
    /* w0 = 1: chunks read completely are evicted first, which suits sequential reading. */
    H5Pset_chunk_cache(f->dapl, 521, NWB_CHUNK_CACHE_BYTES, 1.0);
    return PL_OK;
}

static pl_status find_series_all(pl_recording *r, nwb_file *f, bool v1, pl_error *err)
{
    scan_ctx c = {.r = r, .f = f, .v1 = v1, .st = PL_OK, .err = err};
    pl_status st = nwb_types_new(f->file, &c.types, err);
    if (st == PL_OK)
        st = scan_group(&c, v1 ? "/acquisition/timeseries" : "/acquisition");
    if (st == PL_OK)
        st = scan_group(&c, "/stimulus/presentation");
    nwb_types_free(c.types);
    if (st != PL_OK)
        return st;
    if (r->n_series == 0)
        return pl_error_set(err, PL_EUNSUPPORTED, r->path, "no intracellular (patch clamp) series in this NWB file");
    nwb_tables t = {0};
    if (!v1)
        nwb_tables_load(f->file, &t, err);
    number_sweeps(r, &t);
    nwb_tables_free(&t);
    return sort_series(r, f, err);
}

static pl_status nwb_open(pl_recording *r, pl_error *err)
{
    nwb_h5_silence();
    nwb_alloc_reset();
    nwb_file *f = pl_calloc(1, sizeof *f, "NWB reader", err);
    if (!f)
        return err ? err->code : PL_ENOMEM;
    f->file = f->dapl = f->open_data = -1;
    r->impl = f;
    r->ops = &nwb_ops;
    pl_status st = pl_mem_charge(NWB_CHUNK_CACHE_BYTES, "HDF5 chunk cache", err);
    if (st == PL_OK)
        f->charged = NWB_CHUNK_CACHE_BYTES;
    bool v1 = false;
    if (st == PL_OK)
        st = open_file(r, f, err);
    if (st == PL_OK)
        st = read_version(f->file, r, &v1, err);
    if (st == PL_OK) {
        nwb_read_meta(f->file, v1, &r->meta);
        st = find_series_all(r, f, v1, err);
    }
    if (nwb_alloc_failed(err)) /* whatever else went wrong, memory ran out first */
        st = err ? err->code : PL_ENOMEM;
    if (st != PL_OK) {
        pl_error_locate(err, r->path);
        nwb_ops.close(r);
        r->ops = NULL;
        /* recording.c frees r->series */
    }
    return st;
}

const pl_recording_format pl_format_nwb = {"nwb", nwb_bid, nwb_open};

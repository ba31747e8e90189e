/* The icephys tables: which stimulus drove which response, and which sweep each belongs to.
 * - SweepTable (NWB 2.0-2.4, /general/intracellular_ephys/sweep_table): sweep_number per row, series per row through
 *   series_index (a ragged column of object references).
 * - IntracellularRecordingsTable (NWB 2.4+): row i pairs stimuli/stimulus[i] with responses/response[i]
 *   (TimeSeriesReference compounds); simultaneous_recordings groups rows, and its id is the sweep number. */
#include <stdio.h>
#include <string.h>

#include "io/nwb/nwb_internal.h"
#include "plateau/mem.h"

#define ICE "/general/intracellular_ephys"
#define MAX_ROWS ((hsize_t)1 << 22) /* a table longer than this is not a patch-clamp experiment */

static pl_status add_entry(nwb_tables *t, haddr_t addr, int32_t sweep, int32_t partner, pl_error *err)
{
    nwb_table_entry *e = pl_realloc(t->e, (t->n + 1) * sizeof *e, "NWB icephys table", err);
    if (!e)
        return err ? err->code : PL_ENOMEM;
    t->e = e;
    e[t->n].addr = addr;
    e[t->n].sweep = sweep;
    e[t->n].partner = partner;
    t->n++;
    return PL_OK;
}

/* Rows of a 1-D dataset, or 0 when it is absent, not 1-D or implausibly long. */
static hsize_t rows_of(hid_t d)
{
    hid_t s = H5Dget_space(d);
    hsize_t n = 0;
    if (s >= 0 && H5Sget_simple_extent_ndims(s) == 1)
        H5Sget_simple_extent_dims(s, &n, NULL);
    if (s >= 0)
        H5Sclose(s);
    return n <= MAX_ROWS ? n : 0;
}

/* Reads a whole 1-D integer column as int64 (pl_alloc'd into *out); false when absent or malformed. */
static bool read_ints(hid_t file, const char *path, int64_t **out, hsize_t *n)
{
    *out = NULL;
    *n = 0;
    if (!nwb_h5_is_dataset(file, path))
        return false;
    hid_t d = H5Dopen2(file, path, H5P_DEFAULT);
    if (d < 0)
        return false;
    hsize_t rows = rows_of(d);
    bool ok = false;
    if (rows) {
        *out = nwb_alloc(rows * sizeof **out, "NWB icephys table");
        ok = *out && H5Dread(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, *out) >= 0;
    }
    H5Dclose(d);
    if (!ok) {
        pl_free(*out);
        *out = NULL;
        return false;
    }
    *n = rows;
    return true;
}

static haddr_t ref_addr(hid_t file, hobj_ref_t *ref)
{
    hid_t o = H5Rdereference2(file, H5P_DEFAULT, H5R_OBJECT, ref);
    if (o < 0)
        return HADDR_UNDEF;
    H5O_info_t info;
    haddr_t addr = H5Oget_info2(o, &info, H5O_INFO_BASIC) >= 0 ? info.addr : HADDR_UNDEF;
    H5Oclose(o);
    return addr;
}

static void load_sweep_table(hid_t file, nwb_tables *t, pl_error *err)
{
    int64_t *sweeps = NULL, *index = NULL;
    hsize_t ns = 0, ni = 0;
    hobj_ref_t *refs = NULL;
    hid_t d = -1;
    if (!read_ints(file, ICE "/sweep_table/sweep_number", &sweeps, &ns))
        goto done;
    bool has_index = read_ints(file, ICE "/sweep_table/series_index", &index, &ni) && ni == ns;
    if (!nwb_h5_is_dataset(file, ICE "/sweep_table/series") ||
        (d = H5Dopen2(file, ICE "/sweep_table/series", H5P_DEFAULT)) < 0)
        goto done;
    hsize_t nr = rows_of(d);
    if (!nr || (!has_index && nr != ns))
        goto done;
    refs = pl_alloc(nr * sizeof *refs, "NWB sweep table", err);
    if (!refs || H5Dread(d, H5T_STD_REF_OBJ, H5S_ALL, H5S_ALL, H5P_DEFAULT, refs) < 0)
        goto done;
    hsize_t start = 0;
    for (hsize_t row = 0; row < ns; row++) {
        hsize_t end = has_index ? (hsize_t)index[row] : row + 1;
        if (end > nr || end < start)
            break; /* a broken index: keep what was consistent */
        for (hsize_t k = start; k < end; k++) {
            haddr_t addr = ref_addr(file, &refs[k]);
            if (addr != HADDR_UNDEF && add_entry(t, addr, (int32_t)sweeps[row], -1, err) != PL_OK)
                goto done;
        }
        start = end;
    }
done:
    if (d >= 0)
        H5Dclose(d);
    pl_free(refs);
    pl_free(sweeps);
    pl_free(index);
}

typedef struct {
    int32_t idx_start;
    int32_t count;
    hobj_ref_t ts;
} ts_reference;

/* Reads a TimeSeriesReferenceVectorData column: the referenced series' addresses (HADDR_UNDEF where a row has none). */
static bool read_ts_column(hid_t file, const char *path, haddr_t **addrs, hsize_t *n)
{
    *addrs = NULL;
    *n = 0;
    if (!nwb_h5_is_dataset(file, path))
        return false;
    hid_t d = H5Dopen2(file, path, H5P_DEFAULT);
    if (d < 0)
        return false;
    hid_t ft = H5Dget_type(d);
    hsize_t rows = rows_of(d);
    bool ok = false;
    ts_reference *v = NULL;
    if (ft >= 0 && H5Tget_class(ft) == H5T_COMPOUND && rows && H5Tget_member_index(ft, "timeseries") >= 0) {
        hid_t mt = H5Tcreate(H5T_COMPOUND, sizeof(ts_reference));
        H5Tinsert(mt, "idx_start", HOFFSET(ts_reference, idx_start), H5T_NATIVE_INT32);
        H5Tinsert(mt, "count", HOFFSET(ts_reference, count), H5T_NATIVE_INT32);
        H5Tinsert(mt, "timeseries", HOFFSET(ts_reference, ts), H5T_STD_REF_OBJ);
        v = nwb_alloc(rows * sizeof *v, "NWB recordings table");
        *addrs = nwb_calloc(rows, sizeof **addrs, "NWB recordings table");
        if (v && *addrs && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0) {
            for (hsize_t i = 0; i < rows; i++) /* idx_start -1: no series in this row (a response without stimulus) */
                (*addrs)[i] = v[i].idx_start >= 0 ? ref_addr(file, &v[i].ts) : HADDR_UNDEF;
            ok = true;
        }
        H5Tclose(mt);
    }
    if (ft >= 0)
        H5Tclose(ft);
    H5Dclose(d);
    pl_free(v);
    if (!ok) {
        pl_free(*addrs);
        *addrs = NULL;
        return false;
    }
    *n = rows;
    return true;
}

/* Sweep of each intracellular_recordings row: the id of the simultaneous_recordings row that holds it. */
static void row_sweeps(hid_t file, int32_t *sweep, hsize_t n)
{
    for (hsize_t i = 0; i < n; i++)
        sweep[i] = -1;
    int64_t *ids = NULL, *rec = NULL, *index = NULL;
    hsize_t nid, nrec, nidx;
    if (read_ints(file, ICE "/simultaneous_recordings/id", &ids, &nid) &&
        read_ints(file, ICE "/simultaneous_recordings/recordings", &rec, &nrec) &&
        read_ints(file, ICE "/simultaneous_recordings/recordings_index", &index, &nidx) && nidx == nid) {
        hsize_t start = 0;
        for (hsize_t row = 0; row < nid; row++) {
            hsize_t end = (hsize_t)index[row];
            if (end > nrec || end < start)
                break;
            for (hsize_t k = start; k < end; k++)
                if (rec[k] >= 0 && (hsize_t)rec[k] < n)
                    sweep[rec[k]] = (int32_t)ids[row];
            start = end;
        }
    }
    pl_free(ids);
    pl_free(rec);
    pl_free(index);
}

static void load_recordings_table(hid_t file, nwb_tables *t, pl_error *err)
{
    haddr_t *stim = NULL, *resp = NULL;
    hsize_t ns = 0, nr = 0;
    int32_t *sweep = NULL;
    read_ts_column(file, ICE "/intracellular_recordings/stimuli/stimulus", &stim, &ns);
    read_ts_column(file, ICE "/intracellular_recordings/responses/response", &resp, &nr);
    hsize_t n = ns > nr ? ns : nr;
    if (!n || !(sweep = pl_alloc(n * sizeof *sweep, "NWB recordings table", err)))
        goto done;
    row_sweeps(file, sweep, n);
    for (hsize_t i = 0; i < n; i++) {
        haddr_t s = i < ns ? stim[i] : HADDR_UNDEF, r = i < nr ? resp[i] : HADDR_UNDEF;
        bool pair = s != HADDR_UNDEF && r != HADDR_UNDEF;
        int32_t at = (int32_t)t->n;
        if (s != HADDR_UNDEF && add_entry(t, s, sweep[i], pair ? at + 1 : -1, err) != PL_OK)
            goto done;
        if (r != HADDR_UNDEF && add_entry(t, r, sweep[i], pair ? at : -1, err) != PL_OK)
            goto done;
    }
done:
    pl_free(stim);
    pl_free(resp);
    pl_free(sweep);
}

pl_status nwb_tables_load(hid_t file, nwb_tables *t, pl_error *err)
{
    t->e = NULL;
    t->n = 0;
    if (!nwb_h5_is_group(file, ICE))
        return PL_OK;
    load_sweep_table(file, t, err);
    load_recordings_table(file, t, err);
    return PL_OK;
}

void nwb_tables_free(nwb_tables *t)
{
    pl_free(t->e);
    t->e = NULL;
    t->n = 0;
}

void nwb_tables_lookup(const nwb_tables *t, haddr_t addr, int32_t *sweep, haddr_t *partner)
{
    *sweep = -1;
    *partner = HADDR_UNDEF;
    for (size_t i = 0; i < t->n; i++) {
        const nwb_table_entry *e = &t->e[i];
        if (e->addr != addr)
            continue;
        if (*sweep < 0 && e->sweep >= 0)
            *sweep = e->sweep;
        if (*partner == HADDR_UNDEF && e->partner >= 0 && (size_t)e->partner < t->n)
            *partner = t->e[e->partner].addr;
    }
}

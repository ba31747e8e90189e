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

static pl_status add_entry(nwb_tables *t, const char *path, int32_t sweep, int32_t partner, pl_error *err)
{
    nwb_table_entry *e = pl_realloc(t->e, (t->n + 1) * sizeof *e, "NWB icephys table", err);
    if (!e)
        return err ? err->code : PL_ENOMEM;
    t->e = e;
    snprintf(e[t->n].path, sizeof e[t->n].path, "%s", path);
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
        *out = pl_alloc(rows * sizeof **out, "NWB icephys table", NULL);
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

static void ref_path(hid_t file, hobj_ref_t *ref, char *buf, size_t size)
{
    buf[0] = 0;
    if (H5Rget_name(file, H5R_OBJECT, ref, buf, size) <= 0)
        buf[0] = 0;
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
            char path[512];
            ref_path(file, &refs[k], path, sizeof path);
            if (path[0] && add_entry(t, path, (int32_t)sweeps[row], -1, err) != PL_OK)
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

/* Reads a TimeSeriesReferenceVectorData column: the referenced series' paths ("" where a row has none). */
static bool read_ts_column(hid_t file, const char *path, char (**paths)[512], hsize_t *n)
{
    *paths = NULL;
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
        v = pl_alloc(rows * sizeof *v, "NWB recordings table", NULL);
        *paths = pl_calloc(rows, sizeof **paths, "NWB recordings table", NULL);
        if (v && *paths && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0) {
            for (hsize_t i = 0; i < rows; i++)
                if (v[i].idx_start >= 0) /* idx_start -1: no series in this row (a response without stimulus) */
                    ref_path(file, &v[i].ts, (*paths)[i], sizeof (*paths)[i]);
            ok = true;
        }
        H5Tclose(mt);
    }
    if (ft >= 0)
        H5Tclose(ft);
    H5Dclose(d);
    pl_free(v);
    if (!ok) {
        pl_free(*paths);
        *paths = NULL;
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
    char(*stim)[512] = NULL, (*resp)[512] = NULL;
    hsize_t ns = 0, nr = 0;
    int32_t *sweep = NULL;
    read_ts_column(file, ICE "/intracellular_recordings/stimuli/stimulus", &stim, &ns);
    read_ts_column(file, ICE "/intracellular_recordings/responses/response", &resp, &nr);
    hsize_t n = ns > nr ? ns : nr;
    if (!n || !(sweep = pl_alloc(n * sizeof *sweep, "NWB recordings table", err)))
        goto done;
    row_sweeps(file, sweep, n);
    for (hsize_t i = 0; i < n; i++) {
        const char *s = i < ns ? stim[i] : "", *r = i < nr ? resp[i] : "";
        bool pair = s[0] && r[0];
        int32_t at = (int32_t)t->n;
        if (s[0] && add_entry(t, s, sweep[i], pair ? at + 1 : -1, err) != PL_OK)
            goto done;
        if (r[0] && add_entry(t, r, sweep[i], pair ? at : -1, err) != PL_OK)
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

void nwb_tables_lookup(const nwb_tables *t, const char *series_path, int32_t *sweep, char *partner, size_t size)
{
    *sweep = -1;
    partner[0] = 0;
    for (size_t i = 0; i < t->n; i++) {
        const nwb_table_entry *e = &t->e[i];
        if (strcmp(e->path, series_path))
            continue;
        if (*sweep < 0 && e->sweep >= 0)
            *sweep = e->sweep;
        if (!partner[0] && e->partner >= 0 && (size_t)e->partner < t->n)
            snprintf(partner, size, "%s", t->e[e->partner].path);
    }
}

/* Icephys tables for gen_mies (see gen_tables.h). Column datasets carry the hdmf-common types pynwb reads back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo/nwb_h5.h"
#include "demo/nwb_tables.h"

#define ICE "/general/intracellular_ephys"

int gen_is_current_clamp(int sweep, int sweeps)
{
    return sweeps >= 8 ? (sweep >= 4 && sweep < sweeps - 3) : (sweep % 2 == 1);
}

const char *gen_stimset(int sweep, int sweeps)
{
    if (gen_is_current_clamp(sweep, sweeps))
        return sweep < 10 ? "C1SSFINEST150112_DA_0" : "C1LSCOARSE150216_DA_0";
    return sweep < 4 ? "EXTPSMOKET180424_DA_0" : "EXTPBLWOUT180424_DA_0";
}

static void series_path(char *buf, size_t size, int sweep, int stimulus)
{
    if (stimulus)
        snprintf(buf, size, "/stimulus/presentation/data_%05d_DA0", sweep);
    else
        snprintf(buf, size, "/acquisition/data_%05d_AD0", sweep);
}

static hid_t column(hid_t g, const char *name, hid_t ftype, hid_t mtype, hsize_t n, const void *v, const char *ns,
                    const char *type, const char *doc, uint64_t *rng)
{
    hid_t s = H5Screate_simple(1, &n, NULL);
    hid_t d = H5Dcreate2(g, name, ftype, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    H5Sclose(s);
    gen_attr_type(d, ns, type, rng);
    if (doc)
        gen_attr_text(d, "description", doc);
    return d;
}

static void ids(hid_t g, hsize_t n, uint64_t *rng)
{
    int64_t *v = malloc((n ? n : 1) * sizeof *v);
    for (hsize_t i = 0; i < n; i++)
        v[i] = (int64_t)i;
    H5Dclose(column(g, "id", H5T_STD_I64LE, H5T_NATIVE_INT64, n, v, "hdmf-common", "ElementIdentifiers", NULL, rng));
    free(v);
}

static hid_t table(hid_t file, const char *path, const char *type, const char *doc, const char *const *cols, int ncols,
                   uint64_t *rng)
{
    hid_t g = gen_group(file, path);
    gen_attr_type(g, "core", type, rng);
    gen_attr_text(g, "description", doc);
    gen_attr_texts(g, "colnames", cols, ncols);
    return g;
}

/* A ragged column's index: row i ends at ends[i]; target names the column it indexes. */
static void index_column(hid_t g, const char *name, const char *target, hsize_t n, const int64_t *ends, hid_t file,
                         const char *target_path, uint64_t *rng)
{
    char doc[128];
    snprintf(doc, sizeof doc, "Index for VectorData '%s'", target);
    hid_t d = column(g, name, H5T_STD_I64LE, H5T_NATIVE_INT64, n, ends, "hdmf-common", "VectorIndex", doc, rng);
    gen_attr_ref(d, "target", file, target_path);
    H5Dclose(d);
}

void gen_sweep_table(hid_t file, int sweeps, uint64_t *rng)
{
    static const char *const cols[] = {"series", "sweep_number"};
    hsize_t n = (hsize_t)sweeps * 2;
    hid_t g = table(file, ICE "/sweep_table", "SweepTable", "A sweep table groups different PatchClampSeries together.",
                    cols, 2, rng);
    hobj_ref_t *refs = malloc(n * sizeof *refs);
    uint32_t *num = malloc(n * sizeof *num);
    int64_t *ends = malloc(n * sizeof *ends);
    for (hsize_t i = 0; i < n; i++) {
        char path[128];
        series_path(path, sizeof path, (int)(i / 2), (int)(i % 2));
        H5Rcreate(&refs[i], file, path, H5R_OBJECT, -1);
        num[i] = (uint32_t)(i / 2);
        ends[i] = (int64_t)i + 1;
    }
    ids(g, n, rng);
    H5Dclose(column(g, "series", H5T_STD_REF_OBJ, H5T_STD_REF_OBJ, n, refs, "hdmf-common", "VectorData",
                    "The PatchClampSeries with the sweep number in that row.", rng));
    index_column(g, "series_index", "series", n, ends, file, ICE "/sweep_table/series", rng);
    H5Dclose(column(g, "sweep_number", H5T_STD_U32LE, H5T_NATIVE_UINT32, n, num, "hdmf-common", "VectorData",
                    "Sweep number of the PatchClampSeries in that row.", rng));
    free(refs);
    free(num);
    free(ends);
    H5Gclose(g);
}

typedef struct {
    int32_t idx_start, count;
    hobj_ref_t ts;
} ts_ref;

static void reference_column(hid_t file, hid_t g, const char *name, int sweeps, int stimulus, uint64_t *rng)
{
    hid_t ft = H5Tcreate(H5T_COMPOUND, 4 + 4 + sizeof(hobj_ref_t));
    H5Tinsert(ft, "idx_start", 0, H5T_STD_I32LE);
    H5Tinsert(ft, "count", 4, H5T_STD_I32LE);
    H5Tinsert(ft, "timeseries", 8, H5T_STD_REF_OBJ);
    hid_t mt = H5Tcreate(H5T_COMPOUND, sizeof(ts_ref));
    H5Tinsert(mt, "idx_start", HOFFSET(ts_ref, idx_start), H5T_NATIVE_INT32);
    H5Tinsert(mt, "count", HOFFSET(ts_ref, count), H5T_NATIVE_INT32);
    H5Tinsert(mt, "timeseries", HOFFSET(ts_ref, ts), H5T_STD_REF_OBJ);
    ts_ref *v = malloc((size_t)sweeps * sizeof *v);
    for (int i = 0; i < sweeps; i++) {
        char path[128];
        series_path(path, sizeof path, i, stimulus);
        H5Rcreate(&v[i].ts, file, path, H5R_OBJECT, -1);
        hid_t d = H5Dopen2(file, strcat(path, "/data"), H5P_DEFAULT);
        hid_t s = H5Dget_space(d);
        v[i].idx_start = 0;
        v[i].count = (int32_t)H5Sget_simple_extent_npoints(s);
        H5Sclose(s);
        H5Dclose(d);
    }
    char doc[128];
    snprintf(doc, sizeof doc, "Column storing the reference to the recorded %s for the recording (rows)", name);
    hid_t d = column(g, name, ft, mt, (hsize_t)sweeps, v, "core", "TimeSeriesReferenceVectorData", doc, rng);
    H5Dclose(d);
    free(v);
    H5Tclose(ft);
    H5Tclose(mt);
}

static void recordings_table(hid_t file, int sweeps, uint64_t *rng)
{
    static const char *const cats[] = {"electrodes", "stimuli", "responses"};
    hsize_t n = (hsize_t)sweeps;
    hid_t g = table(file, ICE "/intracellular_recordings", "IntracellularRecordingsTable",
                    "A table to group together a stimulus and response from a single electrode and a single "
                    "simultaneous recording and for storing metadata about the intracellular recording.",
                    NULL, 0, rng);
    gen_attr_texts(g, "categories", cats, 3);
    ids(g, n, rng);
    static const char *const ecol[] = {"electrode"}, *const scol[] = {"stimulus"}, *const rcol[] = {"response"};
    hid_t e = table(file, ICE "/intracellular_recordings/electrodes", "IntracellularElectrodesTable",
                    "Table for storing intracellular electrode related metadata.", ecol, 1, rng);
    ids(e, n, rng);
    hobj_ref_t *refs = malloc(n * sizeof *refs);
    for (hsize_t i = 0; i < n; i++)
        H5Rcreate(&refs[i], file, ICE "/electrode_0", H5R_OBJECT, -1);
    H5Dclose(column(e, "electrode", H5T_STD_REF_OBJ, H5T_STD_REF_OBJ, n, refs, "hdmf-common", "VectorData",
                    "Column for storing the reference to the intracellular electrode", rng));
    free(refs);
    H5Gclose(e);
    hid_t s = table(file, ICE "/intracellular_recordings/stimuli", "IntracellularStimuliTable",
                    "Table for storing intracellular stimulus related metadata.", scol, 1, rng);
    ids(s, n, rng);
    reference_column(file, s, "stimulus", sweeps, 1, rng);
    H5Gclose(s);
    hid_t r = table(file, ICE "/intracellular_recordings/responses", "IntracellularResponsesTable",
                    "Table for storing intracellular response related metadata.", rcol, 1, rng);
    ids(r, n, rng);
    reference_column(file, r, "response", sweeps, 0, rng);
    H5Gclose(r);
    H5Gclose(g);
}

/* A DynamicTableRegion column (rows of another table) with its ragged index. */
static void region(hid_t file, hid_t g, const char *name, const char *table_path, const char *table_type,
                   const char *own_path, hsize_t n, const int64_t *rows, hsize_t nrows, const int64_t *ends,
                   uint64_t *rng)
{
    char doc[160], idx[64], col[256];
    snprintf(doc, sizeof doc, "Column with references to one or more rows in the %s table", table_type);
    hid_t d = column(g, name, H5T_STD_I64LE, H5T_NATIVE_INT64, n, rows, "hdmf-common", "DynamicTableRegion", doc, rng);
    gen_attr_ref(d, "table", file, table_path);
    H5Dclose(d);
    snprintf(idx, sizeof idx, "%s_index", name);
    snprintf(col, sizeof col, "%s/%s", own_path, name);
    index_column(g, idx, name, nrows, ends, file, col, rng);
}

void gen_icephys_tables(hid_t file, int sweeps, uint64_t *rng)
{
    recordings_table(file, sweeps, rng);
    hsize_t n = (hsize_t)sweeps;
    int64_t *rows = malloc(n * sizeof *rows), *ends = malloc(n * sizeof *ends);
    for (hsize_t i = 0; i < n; i++) {
        rows[i] = (int64_t)i;
        ends[i] = (int64_t)i + 1;
    }
    static const char *const scols[] = {"recordings"};
    hid_t g = table(file, ICE "/simultaneous_recordings", "SimultaneousRecordingsTable",
                    "A table for grouping different intracellular recordings from the IntracellularRecordingsTable "
                    "table together that were recorded simultaneously from different electrodes.",
                    scols, 1, rng);
    ids(g, n, rng);
    region(file, g, "recordings", ICE "/intracellular_recordings", "IntracellularRecordingsTable",
           ICE "/simultaneous_recordings", n, rows, n, ends, rng);
    H5Gclose(g);
    /* One sequential recording per run of sweeps with the same stimulus set. */
    hsize_t nseq = 0;
    const char **types = malloc(n * sizeof *types);
    for (int i = 0; i < sweeps; i++) {
        if (i == 0 || strcmp(gen_stimset(i, sweeps), gen_stimset(i - 1, sweeps)))
            types[nseq++] = gen_stimset(i, sweeps);
        ends[nseq - 1] = i + 1;
    }
    static const char *const qcols[] = {"simultaneous_recordings", "stimulus_type"};
    g = table(file, ICE "/sequential_recordings", "SequentialRecordingsTable",
              "A table for grouping different intracellular recording simultaneous_recordings from the "
              "SimultaneousRecordingsTable table together.",
              qcols, 2, rng);
    ids(g, nseq, rng);
    region(file, g, "simultaneous_recordings", ICE "/simultaneous_recordings", "SimultaneousRecordingsTable",
           ICE "/sequential_recordings", n, rows, nseq, ends, rng);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    H5Dclose(column(g, "stimulus_type", t, t, nseq, types, "hdmf-common", "VectorData",
                    "Column storing the type of stimulus used for the sequential recording", rng));
    H5Tclose(t);
    H5Gclose(g);
    free(rows);
    free(ends);
    free(types);
}

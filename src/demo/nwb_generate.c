/* The MIES-style NWB generator (what the Allen Institute's acquisition software writes): a mixed protocol of
 * voltage-clamp sweeps (200 kHz) at the start and the end and current-clamp sweeps (50 kHz) with square steps from
 * -100 pA upward and action potentials in between. Each sweep is a VoltageClampSeries/CurrentClampSeries in
 * /acquisition with its *StimulusSeries in /stimulus/presentation, a sweep table, and the file-level metadata a pynwb
 * reader expects. Data are written in blocks: memory stays flat whatever the scale. Used by bench/nwb/gen_mies and
 * by `plateau demo`. */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo/nwb_h5.h"
#include "demo/nwb_signal.h"
#include "demo/nwb_tables.h"
#include "plateau/afile.h"
#include "demo/demo.h"
#include "plateau/mem.h"

#define BLOCK 65536
#define CHUNK 8192 /* MIES's chunk size */

/* Storage of one series: int16 counts with conversion/offset chosen for the unit, or float32 in mV/pA. */
typedef struct {
    double conversion, offset; /* SI value = stored * conversion + offset */
    double per_unit;           /* stored units per mV or pA */
    double shift;              /* mV or pA subtracted before storing */
} storage;

static storage storage_for(int int16, int volts, int response)
{
    storage s;
    if (!int16) /* float32 in mV or pA, conversion to volts / amperes, as MIES writes */
        return (storage){volts ? 1e-3 : 1e-12, 0.0, 1.0, 0.0};
    if (volts) { /* 0.01 mV per count; responses around -70 mV carried by the offset */
        s.per_unit = 100.0;
        s.shift = response ? -70.0 : 0.0;
        s.conversion = 1e-5;
        s.offset = s.shift * 1e-3;
    } else { /* 0.1 pA per count */
        s.per_unit = 10.0;
        s.shift = 0.0;
        s.conversion = 1e-13;
        s.offset = 0.0;
    }
    return s;
}

static hid_t create_data(hid_t g, int64_t n, const pl_nwb_gen_options *o, const storage *st, int volts)
{
    hsize_t dim = (hsize_t)n, chunk = (hsize_t)(n < CHUNK ? (n ? n : 1) : CHUNK);
    hid_t sp = H5Screate_simple(1, &dim, NULL), pl = H5Pcreate(H5P_DATASET_CREATE);
    if (o->compress) {
        H5Pset_chunk(pl, 1, &chunk);
        H5Pset_shuffle(pl);
        H5Pset_deflate(pl, 4);
    }
    hid_t d = H5Dcreate2(g, "data", o->int16 ? H5T_STD_I16LE : H5T_IEEE_F32LE, sp, H5P_DEFAULT, pl, H5P_DEFAULT);
    gen_attr_double(d, "conversion", st->conversion);
    gen_attr_double(d, "offset", st->offset);
    gen_attr_double(d, "resolution", NAN);
    gen_attr_text(d, "unit", volts ? "volts" : "amperes");
    H5Pclose(pl);
    H5Sclose(sp);
    return d;
}

static void write_block(hid_t d, int64_t at, size_t n, const double *v, const storage *st, int int16, void *buf)
{
    hsize_t start = (hsize_t)at, count = n;
    hid_t fs = H5Dget_space(d), ms = H5Screate_simple(1, &count, NULL);
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &count, NULL);
    if (int16) {
        int16_t *b = buf;
        for (size_t k = 0; k < n; k++) {
            double c = round((v[k] - st->shift) * st->per_unit);
            b[k] = (int16_t)(c > 32767 ? 32767 : c < -32768 ? -32768 : c);
        }
        H5Dwrite(d, H5T_NATIVE_INT16, ms, fs, H5P_DEFAULT, b);
    } else {
        float *b = buf;
        for (size_t k = 0; k < n; k++)
            b[k] = (float)v[k];
        H5Dwrite(d, H5T_NATIVE_FLOAT, ms, fs, H5P_DEFAULT, b);
    }
    H5Sclose(ms);
    H5Sclose(fs);
}

/* The datasets every PatchClampSeries has besides data, and the ones of each clamp type (values as MIES). */
static void series_fields(hid_t g, const char *type, double start, double rate, uint64_t *rng)
{
    H5Dclose(gen_scalar(g, "gain", H5T_IEEE_F32LE, 1.0));
    hid_t st = gen_scalar(g, "starting_time", H5T_IEEE_F64LE, start);
    gen_attr_double(st, "rate", rate);
    gen_attr_text(st, "unit", "seconds");
    H5Dclose(st);
    H5Lcreate_soft("/general/intracellular_ephys/electrode_0", g, "electrode", H5P_DEFAULT, H5P_DEFAULT);
    (void)rng;
    if (!strcmp(type, "VoltageClampSeries")) {
        static const struct {
            const char *name, *unit;
            double v;
        } f[] = {{"capacitance_fast", "farads", 0},
                 {"capacitance_slow", "farads", 0},
                 {"resistance_comp_bandwidth", "hertz", 0},
                 {"resistance_comp_correction", "percent", 0},
                 {"resistance_comp_prediction", "percent", 0},
                 {"whole_cell_capacitance_comp", "farads", 0},
                 {"whole_cell_series_resistance_comp", "ohms", 0}};
        for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
            hid_t d = gen_scalar(g, f[i].name, H5T_IEEE_F32LE, f[i].v);
            gen_attr_text(d, "unit", f[i].unit);
            H5Dclose(d);
        }
    } else if (!strcmp(type, "CurrentClampSeries")) {
        H5Dclose(gen_scalar(g, "bias_current", H5T_IEEE_F32LE, 0));
        H5Dclose(gen_scalar(g, "bridge_balance", H5T_IEEE_F32LE, 0));
        H5Dclose(gen_scalar(g, "capacitance_compensation", H5T_IEEE_F32LE, 0));
    }
}

static hid_t series_group(hid_t file, const char *path, const char *type, int sweep, const char *stimset, int cc,
                          uint64_t *rng)
{
    hid_t g = gen_group(file, path);
    gen_attr_type(g, "core", type, rng);
    gen_attr_text(g, "description", "PLACEHOLDER");
    char comments[256];
    snprintf(comments, sizeof comments, "HS#0:Clamp Mode: %s\nSampling interval multiplier: 1.00\n",
             cc ? "I-Clamp" : "V-Clamp");
    gen_attr_text(g, "comments", comments);
    gen_attr_text(g, "stimulus_description", stimset);
    gen_attr_u32(g, "sweep_number", (uint32_t)sweep);
    return g;
}

/* One sweep: its response and stimulus series, written together block by block. */
static void write_sweep(hid_t file, const pl_nwb_gen_options *o, int sweep, int cc, double start, double step_pA,
                        double *stim, double *resp, void *buf)
{
    double rate = cc ? 50000.0 : 200000.0;
    int64_t n = (int64_t)llround((cc ? 10.0 : 2.5) * o->scale * rate);
    if (n < 1)
        n = 1;
    const char *stimset = gen_stimset(sweep, o->sweeps);
    uint64_t rng = o->seed * 1000003u + (uint64_t)sweep * 7919u + 17u;
    char path[128];
    snprintf(path, sizeof path, "/acquisition/data_%05d_AD0", sweep);
    hid_t ga = series_group(file, path, cc ? "CurrentClampSeries" : "VoltageClampSeries", sweep, stimset, cc, &rng);
    series_fields(ga, cc ? "CurrentClampSeries" : "VoltageClampSeries", start, rate, &rng);
    snprintf(path, sizeof path, "/stimulus/presentation/data_%05d_DA0", sweep);
    const char *stype = cc ? "CurrentClampStimulusSeries" : "VoltageClampStimulusSeries";
    hid_t gs = series_group(file, path, stype, sweep, stimset, cc, &rng);
    series_fields(gs, stype, start, rate, &rng);
    storage sr = storage_for(o->int16, cc, 1), ss = storage_for(o->int16, !cc, 0);
    hid_t dr = create_data(ga, n, o, &sr, cc), ds = create_data(gs, n, o, &ss, !cc);
    gen_sweep s;
    gen_sweep_init(&s, cc, rate, n, step_pA, rng);
    for (int64_t at = 0; at < n; at += BLOCK) {
        size_t k = (size_t)(n - at < BLOCK ? n - at : BLOCK);
        gen_sweep_next(&s, k, stim, resp);
        write_block(dr, at, k, resp, &sr, o->int16, buf);
        write_block(ds, at, k, stim, &ss, o->int16, buf);
    }
    H5Dclose(dr);
    H5Dclose(ds);
    H5Gclose(ga);
    H5Gclose(gs);
}

/* Root attributes and datasets, /general (device, electrode, subject), and the empty standard groups. */
static void write_file_level(hid_t file, const pl_nwb_gen_options *o, uint64_t *rng)
{
    gen_attr_text(file, "nwb_version", "2.6.0");
    gen_attr_type(file, "core", "NWBFile", rng);
    char id[40];
    snprintf(id, sizeof id, "%016llx%016llx", (unsigned long long)gen_rand(rng), (unsigned long long)gen_rand(rng));
    gen_text(file, "identifier", id);
    gen_text(file, "session_description", "PLACEHOLDER");
    gen_text(file, "session_start_time", "2019-07-03T14:05:12-07:00");
    gen_text(file, "timestamps_reference_time", "2019-07-03T14:05:12-07:00");
    const char *created[] = {"2019-07-03T17:05:12-07:00"};
    gen_texts(file, "file_create_date", created, 1);
    static const char *const groups[] = {"/acquisition",           "/analysis",           "/processing",
                                         "/stimulus/presentation", "/stimulus/templates", "/specifications",
                                         "/general/devices"};
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
        H5Gclose(gen_group(file, groups[i]));
    hid_t gen = H5Gopen2(file, "/general", H5P_DEFAULT);
    const char *who[] = {"Generated, Synthetic"};
    gen_texts(gen, "experimenter", who, 1);
    gen_text(gen, "institution", "Allen Institute for Brain Science");
    gen_text(gen, "lab", "");
    gen_text(gen, "session_id", "1002181694");
    H5Gclose(gen);
    hid_t dev = gen_group(file, "/general/devices/device_ITC18USB_Dev_0");
    gen_attr_type(dev, "core", "Device", rng);
    gen_attr_text(dev, "description", "ITC18USB Dev_0 (synthetic)");
    gen_attr_text(dev, "manufacturer", "HEKA");
    H5Gclose(dev);
    hid_t el = gen_group(file, "/general/intracellular_ephys/electrode_0");
    gen_attr_type(el, "core", "IntracellularElectrode", rng);
    gen_text(el, "description", "Headstage 0");
    H5Lcreate_soft("/general/devices/device_ITC18USB_Dev_0", el, "device", H5P_DEFAULT, H5P_DEFAULT);
    H5Gclose(el);
    hid_t sub = gen_group(file, "/general/subject");
    gen_attr_type(sub, "core", "Subject", rng);
    gen_text(sub, "age", "P21170.0D");
    hid_t age = H5Dopen2(sub, "age", H5P_DEFAULT);
    gen_attr_text(age, "reference", "birth");
    H5Dclose(age);
    gen_text(sub, "description", "synthetic donor");
    gen_text(sub, "genotype", "");
    gen_text(sub, "sex", "F");
    gen_text(sub, "species", "Homo sapiens");
    char sid[32];
    snprintf(sid, sizeof sid, "%llu", 1000610030ULL + o->seed - 1);
    gen_text(sub, "subject_id", sid);
    H5Gclose(sub);
}

void pl_nwb_gen_options_default(pl_nwb_gen_options *o)
{
    *o = (pl_nwb_gen_options){.scale = 1.0, .sweeps = 97, .seed = 1};
}

pl_status pl_nwb_generate(const pl_nwb_gen_options *o, const char *path, int64_t *samples, pl_error *err)
{
    if (!(o->scale > 0) || o->sweeps < 1 || o->sweeps > 99999)
        return pl_error_set(err, PL_EARG, path, "generator options out of range (scale > 0, 1 <= sweeps <= 99999)");
    pl_afile af;
    pl_status st = pl_afile_reserve(&af, path, err);
    if (st != PL_OK)
        return st;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    uint64_t rng = o->seed * 0x9E3779B97F4A7C15ULL + 1;
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE), fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_libver_bounds(fapl, H5F_LIBVER_EARLIEST, H5F_LIBVER_V18); /* readable by every HDF5 >= 1.8 */
    hid_t file = H5Fcreate(af.tmp_path, H5F_ACC_TRUNC, fcpl, fapl);
    double *stim = pl_alloc(BLOCK * sizeof *stim, "generator block", err);
    double *resp = pl_alloc(BLOCK * sizeof *resp, "generator block", err);
    void *buf = pl_alloc(BLOCK * sizeof(float), "generator block", err);
    int64_t total = 0;
    if (file < 0 || !stim || !resp || !buf) {
        st = file < 0 ? pl_error_set(err, PL_EIO, path, "cannot create the NWB file") : (err ? err->code : PL_ENOMEM);
    } else {
        write_file_level(file, o, &rng);
        double start = 3.5;
        for (int k = 0, cc_index = 0; k < o->sweeps; k++) {
            int cc = gen_is_current_clamp(k, o->sweeps);
            double step = cc ? -100.0 + 20.0 * (cc_index++ % 20) : 0.0;
            write_sweep(file, o, k, cc, start, step, stim, resp, buf);
            double rate = cc ? 50000.0 : 200000.0;
            int64_t n = (int64_t)llround((cc ? 10.0 : 2.5) * o->scale * rate);
            total += 2 * (n < 1 ? 1 : n);
            start += (double)(n < 1 ? 1 : n) / rate + 2.0;
        }
        gen_sweep_table(file, o->sweeps, &rng);
        if (o->tables)
            gen_icephys_tables(file, o->sweeps, &rng);
    }
    pl_free(stim);
    pl_free(resp);
    pl_free(buf);
    if (file >= 0 && H5Fclose(file) < 0 && st == PL_OK)
        st = pl_error_set(err, PL_EIO, path, "cannot finish the NWB file");
    H5Pclose(fcpl);
    H5Pclose(fapl);
    if (st != PL_OK) {
        pl_afile_abort(&af);
        return st;
    }
    if (samples)
        *samples = total;
    return pl_afile_commit(&af, err);
}

pl_status pl_demo_nwb(const char *path, pl_error *err)
{
    /* 24 sweeps (VC at both ends, CC steps with spikes between), 1/10 of the real length (1 s current-clamp
     * sweeps, long enough for the 0.3 s minimum stimulus): about 2.4 M samples. */
    pl_nwb_gen_options o;
    pl_nwb_gen_options_default(&o);
    o.scale = 0.1;
    o.sweeps = 24;
    o.compress = 1;
    o.seed = 7;
    return pl_nwb_generate(&o, path, NULL, err);
}

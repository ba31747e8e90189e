"""Inputs the NWB reader must handle with a clear one-line message (never a crash, a hang or HDF5 noise on stderr),
and small NWB files built here with h5py that exercise what the real files do not: int16/int32 storage with
conversion and offset, fixed-length strings, timestamps, 2-D data, empty data, a missing rate, an extension type
declared in the cached specifications, a plain PatchClampSeries stimulus paired through the icephys tables."""
import json
import os
import shutil
import sys

import h5py
import numpy as np

from harness import Checks, testdata
import nwb_check

TOOL = sys.argv[1]
c = Checks("nwb-bad")
T = c.tmp


def fail_with(path, label, code, words):
    rc, got, stderr = nwb_check.dump(TOOL, path)
    c.eq(stderr, "", f"{label}: nothing on stderr")
    ok = rc == 1 and got is not None and got.get("error") == code and all(w in got.get("message", "") for w in words)
    c.true(ok and "\n" not in got.get("message", ""), f"{label}: {code} with {words} ({got})")
    c.true(got is not None and got.get("path", "").endswith(os.path.basename(path)), f"{label}: names the file")


def vstr(g, name, value):
    g.create_dataset(name, data=value, dtype=h5py.string_dtype())


def base_file(path, version="2.5.0", fixed=False):
    f = h5py.File(path, "w")
    f.attrs["nwb_version"] = version
    f.attrs["neurodata_type"] = "NWBFile"
    f.attrs["namespace"] = "core"
    if fixed:  # fixed-length ASCII strings in 1-element arrays, as MIES writes them
        f.create_dataset("identifier", data=np.array([b"fixed-id"], dtype="S8"))
        f.create_dataset("session_start_time", data=np.array([b"2024-01-02T03:04:05Z"], dtype="S20"))
        f.create_dataset("session_description", data=np.array([b"fixed strings"], dtype="S13"))
    else:
        vstr(f, "identifier", "fixture-id")
        vstr(f, "session_start_time", "2024-01-02T03:04:05+00:00")
        vstr(f, "session_description", "plateau fixture")
    f.create_group("acquisition")
    f.create_group("stimulus/presentation")
    g = f.create_group("general")
    vstr(g, "lab", "Lab of Tests")
    vstr(g, "institution", "Université de Test")  # UTF-8
    g.create_dataset("keywords", data=["patch", "clamp", "fixture"], dtype=h5py.string_dtype())
    s = g.create_group("subject")
    for k, v in dict(subject_id="S1", species="Mus musculus", age="P30D", sex="F", genotype="wt").items():
        vstr(s, k, v)
    e = g.create_group("intracellular_ephys/electrode_3")
    e.attrs["neurodata_type"] = "IntracellularElectrode"
    return f


def add_series(f, group, name, ntype, data, unit="volts", conversion=1.0, offset=None, rate=10000.0, start=0.5,
               timestamps=None, sweep=None, namespace="core"):
    g = f[group].create_group(name)
    g.attrs["neurodata_type"] = ntype
    g.attrs["namespace"] = namespace
    if sweep is not None:
        g.attrs["sweep_number"] = np.uint32(sweep)
    d = g.create_dataset("data", data=data, chunks=True if np.size(data) else None,
                         compression="gzip" if np.size(data) else None, shuffle=bool(np.size(data)))
    d.attrs["unit"] = unit
    d.attrs["conversion"] = conversion
    d.attrs["resolution"] = -1.0
    if offset is not None:
        d.attrs["offset"] = offset
    if timestamps is not None:
        t = g.create_dataset("timestamps", data=timestamps)
        t.attrs["interval"] = 1
        t.attrs["unit"] = "seconds"
    elif start is not None:
        st = g.create_dataset("starting_time", data=start)
        if rate is not None:
            st.attrs["rate"] = rate
        st.attrs["unit"] = "seconds"
    g["electrode"] = h5py.SoftLink("/general/intracellular_ephys/electrode_3")
    return g


# --- files that are not (readable) NWB
src = testdata("nwb", "bluepyefe_99111002_cc.nwb")
half = os.path.join(T, "truncated.nwb")
with open(src, "rb") as fi, open(half, "wb") as fo:
    b = fi.read()
    fo.write(b[: len(b) // 2])
fail_with(half, "truncated NWB (cut in half)", "format error", ["not a readable HDF5 file"])

empty = os.path.join(T, "empty.nwb")
open(empty, "wb").close()
fail_with(empty, "zero-byte file", "format error", ["empty file"])

text = os.path.join(T, "text.nwb")
with open(text, "w") as fo:
    fo.write("this is not HDF5\n" * 100)
fail_with(text, "non-HDF5 file named .nwb", "format error", ["not a recording"])

plain = os.path.join(T, "plain.nwb")
with h5py.File(plain, "w") as f:
    f.create_dataset("x", data=np.arange(10))
fail_with(plain, "HDF5 without NWB structure", "format error", ["no nwb_version", "not an NWB file"])

v3 = os.path.join(T, "v3.nwb")
base_file(v3, version="3.0.0").close()
fail_with(v3, "NWB 3", "unsupported", ["NWB version 3.0.0 is not supported"])

nothing = os.path.join(T, "nothing.nwb")
f = base_file(nothing)
ts = f["acquisition"].create_group("running_speed")
ts.attrs["neurodata_type"] = "TimeSeries"
ts.create_dataset("data", data=np.zeros(10))
f.close()
fail_with(nothing, "NWB without patch-clamp series", "unsupported", ["no intracellular (patch clamp) series"])

# --- bad series
p = os.path.join(T, "twod.nwb")
f = base_file(p)
add_series(f, "acquisition", "cc_001", "CurrentClampSeries", np.zeros((100, 3), dtype=np.float32))
f.close()
fail_with(p, "2-D data", "unsupported", ["2-D data (100 x 3) is not supported", "cc_001"])

p = os.path.join(T, "norate.nwb")
f = base_file(p)
add_series(f, "acquisition", "cc_001", "CurrentClampSeries", np.zeros(100, dtype=np.float32), rate=None)
f.close()
fail_with(p, "missing rate, no timestamps", "format error", ["no valid rate", "no timestamps", "cc_001"])

p = os.path.join(T, "notime.nwb")
f = base_file(p)
add_series(f, "acquisition", "cc_001", "CurrentClampSeries", np.zeros(100, dtype=np.float32), start=None)
f.close()
fail_with(p, "neither starting_time nor timestamps", "format error", ["neither starting_time nor timestamps"])

p = os.path.join(T, "shortts.nwb")
f = base_file(p)
add_series(f, "acquisition", "cc_001", "CurrentClampSeries", np.zeros(100, dtype=np.float32),
           timestamps=np.arange(50) / 1e3)
f.close()
fail_with(p, "timestamps shorter than data", "format error", ["timestamps are not a 1-D list as long as its data"])

# --- good fixtures compared value by value with h5py
rng = np.random.default_rng(7)
p = os.path.join(T, "mixed.nwb")
f = base_file(p)
add_series(f, "acquisition", "CurrentClampSeries_012", "CurrentClampSeries",
           rng.integers(-32768, 32767, 5000).astype(np.int16), conversion=3.0517578e-06, offset=-0.07)
add_series(f, "stimulus/presentation", "CurrentClampStimulusSeries_012", "CurrentClampStimulusSeries",
           rng.integers(-2**31, 2**31 - 1, 5000).astype(np.int32), unit="amperes", conversion=1e-20)
add_series(f, "acquisition", "vc_a", "VoltageClampSeries", rng.normal(0, 1e-10, 3000), unit="A", sweep=7,
           timestamps=np.cumsum(rng.uniform(1e-5, 2e-5, 3000)) + 10.0)
add_series(f, "acquisition", "iz_b", "IZeroClampSeries", rng.normal(-0.07, 1e-3, 1000).astype(np.float32),
           sweep=2)
add_series(f, "acquisition", "cc_empty", "CurrentClampSeries", np.zeros(0, dtype=np.float32), sweep=3)
add_series(f, "acquisition", "cc_col", "CurrentClampSeries", rng.normal(-70, 5, (700, 1)).astype(np.float32),
           unit="mV", sweep=4)
add_series(f, "acquisition", "odd_unit", "CurrentClampSeries", rng.normal(0, 1, 400), unit="furlongs", sweep=5)
add_series(f, "acquisition", "nosweep", "PatchClampSeries", rng.normal(0, 1, 10), unit="volts")
add_series(f, "acquisition", "be_i16", "CurrentClampSeries", rng.integers(-30000, 30000, 300).astype(">i2"),
           conversion=1e-5, offset=-0.07, sweep=8)
add_series(f, "acquisition", "be_f4", "CurrentClampSeries", rng.normal(-70, 5, 300).astype(">f4"), unit="mV", sweep=9)
add_series(f, "acquisition", "u8", "CurrentClampSeries", rng.integers(0, 255, 300).astype(np.uint8), sweep=10)
add_series(f, "acquisition", "i64", "CurrentClampSeries", rng.integers(-2**40, 2**40, 300), conversion=1e-15,
           sweep=11)
f.close()
got = nwb_check.compare_file(c, TOOL, p, "mixed fixture")
if got:
    by = {s["name"]: s for s in got["series"]}
    c.eq(by["CurrentClampSeries_012"]["sweep"], 12, "sweep from the name CurrentClampSeries_012")
    c.eq(by["vc_a"]["has_timestamps"], True, "timestamps series flagged")
    c.eq(by["vc_a"]["unit"], "pA", "'A' is amperes -> pA")
    c.eq(by["cc_empty"]["samples"], 0, "empty series kept with 0 samples")
    c.true("empty" in by["cc_empty"]["note"], "empty series noted")
    c.eq(by["cc_col"]["samples"], 700, "(n, 1) data read as its only column")
    c.eq(by["odd_unit"]["unit"], "furlongs", "unknown unit kept as is")
    c.eq(by["iz_b"]["clamp"], "izero", "IZeroClampSeries is izero")
    c.eq(by["nosweep"]["sweep"], -1, "no sweep anywhere -> -1")
    c.eq(got["series"][-1]["name"], "nosweep", "unknown sweeps sort last")
    m = got["metadata"]
    c.eq(m["keywords"], "patch, clamp, fixture", "keywords joined")
    c.eq(m["institution"], "Université de Test", "UTF-8 text")
    c.eq((m["subject"]["age"], m["subject"]["sex"], m["subject"]["genotype"]), ("P30D", "F", "wt"), "subject")
    c.eq(got["series"][0]["channel"], 3, "channel from the electrode link")

# fixed-length strings, an extension type found through the cached specifications, the recordings tables
p = os.path.join(T, "ext.nwb")
f = base_file(p, version="2.9.0", fixed=True)
spec = {"groups": [{"neurodata_type_def": "MyCCSeries", "neurodata_type_inc": "CurrentClampSeries", "doc": "x"},
                   {"neurodata_type_def": "MyDeeperSeries", "neurodata_type_inc": "MyCCSeries", "doc": "y"},
                   {"neurodata_type_def": "NotEphys", "neurodata_type_inc": "TimeSeries", "doc": "z"}]}
sp = f.create_group("specifications/ndx-my/0.1.0")
vstr(sp, "namespace", json.dumps({"namespaces": [{"name": "ndx-my"}]}))
vstr(sp, "ndx-my.extensions", json.dumps(spec))
add_series(f, "acquisition", "deep", "MyDeeperSeries", rng.normal(-0.07, 0.01, 800), namespace="ndx-my")
add_series(f, "acquisition", "other", "NotEphys", rng.normal(0, 1, 80), namespace="ndx-my")
add_series(f, "stimulus/presentation", "stim", "PatchClampSeries", rng.normal(0, 1e-10, 800), unit="amperes")
ice = f["general/intracellular_ephys"]
ir = ice.create_group("intracellular_recordings")
ref_t = np.dtype([("idx_start", "<i4"), ("count", "<i4"), ("timeseries", h5py.ref_dtype)])
ir.create_dataset("responses/response", data=np.array([(0, 800, f["acquisition/deep"].ref)], dtype=ref_t))
ir.create_dataset("stimuli/stimulus", data=np.array([(0, 800, f["stimulus/presentation/stim"].ref)], dtype=ref_t))
ir.create_dataset("id", data=[0])
sr = ice.create_group("simultaneous_recordings")
sr.create_dataset("id", data=[41])
sr.create_dataset("recordings", data=[0])
sr.create_dataset("recordings_index", data=[1])
f.close()
got = nwb_check.compare_file(c, TOOL, p, "extension fixture")
if got:
    c.eq([s["name"] for s in got["series"]], ["deep", "stim"], "extension type kept, non-ephys extension skipped")
    c.eq([s["clamp"] for s in got["series"]], ["current_clamp"] * 2, "PatchClampSeries stimulus takes its pair's clamp")
    c.eq([s["sweep"] for s in got["series"]], [41, 41], "sweep from simultaneous_recordings id")
    c.eq(got["metadata"]["identifier"], "fixed-id", "fixed-length 1-element identifier")
    c.eq(got["format_version"], "2.9.0", "NWB 2.9")

c.done()

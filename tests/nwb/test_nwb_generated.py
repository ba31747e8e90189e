"""gen_mies (bench/nwb) writes MIES-style NWB files: they open in h5py, carry the attributes a pynwb reader expects
(checked by hand against the NWB schema: neurodata_type, namespace, object_id on every typed object, the required
root datasets, PatchClampSeries fields, table index targets), hold the promised protocol, and round-trip through
plateau's reader value for value (float32 compressed, int16 with conversion and offset, with and without the icephys
recordings tables)."""
import os
import re
import subprocess
import sys

import h5py
import numpy as np

from harness import Checks
import nwb_check

DUMP, GEN = sys.argv[1], sys.argv[2]
c = Checks("nwb-generated")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def check_structure(path, label, sweeps, tables):
    f = h5py.File(path, "r")
    c.eq(text(f.attrs["nwb_version"]), "2.6.0", f"{label}: nwb_version")
    for name in ["identifier", "session_description", "session_start_time", "timestamps_reference_time",
                 "file_create_date", "acquisition", "analysis", "processing", "stimulus/presentation",
                 "stimulus/templates", "general/subject", "general/devices"]:
        c.true(name in f, f"{label}: /{name} present")
    typed, bad = [], []

    def visit(name, obj):
        if "neurodata_type" in obj.attrs:
            typed.append(name)
            if "namespace" not in obj.attrs or not UUID.match(text(obj.attrs.get("object_id", ""))):
                bad.append(name)
    f.visititems(visit)
    c.true(len(typed) > 2 * sweeps and not bad, f"{label}: {len(typed)} typed objects with namespace and UUID object_id"
           + (f" (bad: {bad[:3]})" if bad else ""))
    ids = [text(f[n].attrs["object_id"]) for n in typed]
    c.eq(len(set(ids)), len(ids), f"{label}: object_ids unique")
    missing = []
    for k in range(sweeps):
        for p in (f"acquisition/data_{k:05d}_AD0", f"stimulus/presentation/data_{k:05d}_DA0"):
            g = f[p]
            for a in ("description", "comments", "stimulus_description", "sweep_number"):
                if a not in g.attrs:
                    missing.append(f"{p}@{a}")
            for a in ("unit", "conversion", "resolution", "offset"):
                if a not in g["data"].attrs:
                    missing.append(f"{p}/data@{a}")
            if "rate" not in g["starting_time"].attrs or "unit" not in g["starting_time"].attrs:
                missing.append(f"{p}/starting_time")
            if text(g["electrode"].attrs["neurodata_type"]) != "IntracellularElectrode":
                missing.append(f"{p}/electrode")
    c.true(not missing, f"{label}: every PatchClampSeries has its required fields" + (f" ({missing[:4]})" if missing else ""))
    dev = f["general/intracellular_ephys/electrode_0/device"]
    c.eq(text(dev.attrs["neurodata_type"]), "Device", f"{label}: electrode links its device")
    st = f["general/intracellular_ephys/sweep_table"]
    c.eq(f[st["series_index"].attrs["target"]].name, "/general/intracellular_ephys/sweep_table/series",
         f"{label}: sweep table index target")
    c.eq([f[r].name for r in st["series"][:2]], ["/acquisition/data_00000_AD0", "/stimulus/presentation/data_00000_DA0"],
         f"{label}: sweep table references")
    if tables:
        ice = f["general/intracellular_ephys"]
        c.eq(f[ice["simultaneous_recordings/recordings"].attrs["table"]].name,
             "/general/intracellular_ephys/intracellular_recordings", f"{label}: recordings region table")
        resp = ice["intracellular_recordings/responses/response"][:]
        c.eq([f[r[2]].name for r in resp[:1]], ["/acquisition/data_00000_AD0"], f"{label}: response references")
        c.true(all(r[1] == f[r[2]]["data"].shape[0] for r in resp), f"{label}: response counts")
    # the protocol
    rates = [float(f[f"acquisition/data_{k:05d}_AD0/starting_time"].attrs["rate"]) for k in range(sweeps)]
    types = [text(f[f"acquisition/data_{k:05d}_AD0"].attrs["neurodata_type"]) for k in range(sweeps)]
    want = ["VoltageClampSeries" if k < 4 or k >= sweeps - 3 else "CurrentClampSeries" for k in range(sweeps)]
    c.eq(types, want, f"{label}: VC 0-3 and last 3, CC between")
    c.true(all(r == (2e5 if t.startswith("Voltage") else 5e4) for r, t in zip(rates, types)), f"{label}: rates")
    steps = []
    for k in range(4, sweeps - 3):
        d = f[f"stimulus/presentation/data_{k:05d}_DA0/data"]
        v = d[:].astype(float) * d.attrs["conversion"] + d.attrs["offset"]
        mid = v[len(v) // 2]
        steps.append(round(mid * 1e12))
        r = f[f"acquisition/data_{k:05d}_AD0/data"]
        rv = (r[:].astype(float) * r.attrs["conversion"] + r.attrs["offset"]) * 1e3
        if k == 4:
            c.true(abs(rv[:200].mean() + 70) < 3, f"{label}: resting potential near -70 mV ({rv[:200].mean():.1f})")
        if steps[-1] >= 200:
            ups = int(np.sum((rv[1:] > 0) & (rv[:-1] <= 0)))
            c.true(ups >= 3, f"{label}: sweep {k} at {steps[-1]} pA fires ({ups} action potentials)")
    c.eq(steps[:3], [-100, -80, -60], f"{label}: current steps from -100 pA upward")


variants = [("float32, gzip+shuffle", ["--compress"], False, 14),
            ("int16, conversion+offset, icephys tables", ["--int16", "--icephys-tables"], True, 13)]
for label, extra, tables, sweeps in variants:
    out = os.path.join(c.tmp, f"gen_{len(extra)}.nwb")
    r = subprocess.run([GEN, "-o", out, "--scale", "0.02", "--sweeps", str(sweeps), "--seed", "3", *extra],
                       capture_output=True, text=True, timeout=300)
    c.true(r.returncode == 0 and os.path.exists(out), f"{label}: gen_mies wrote the file ({r.stderr.strip()})")
    check_structure(out, label, sweeps, tables)
    got = nwb_check.compare_file(c, DUMP, out, f"{label}: round trip", nvalues=32)
    if got:
        c.eq(got["totals"]["protocol"], "mixed", f"{label}: mixed protocol")
        c.eq(got["totals"]["sweeps"], sweeps, f"{label}: {sweeps} sweeps")
        c.true(got["peak_rss_bytes"] <= 64 << 20, f"{label}: reader peak RSS {got['peak_rss_bytes'] >> 20} MiB <= 64 MiB")
c.done()

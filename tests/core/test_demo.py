"""plateau demo: generates its inputs and runs sheet, trim analyze and ephys run; outputs checked independently."""
import csv
import json
import os
import sqlite3

import h5py

from harness import Checks, duck, plateau

c = Checks("demo")
d = os.path.join(c.tmp, "demo")
r = plateau("demo", d, "--progress", "never", timeout=900)
c.eq(r.returncode, 0, "plateau demo exits 0" + ("" if r.returncode == 0 else ": " + r.stderr[-2000:]))

# The generated recording is a valid NWB file that h5py reads: mixed protocol.
nwb = os.path.join(d, "inputs", "ephys", "sub-demo01", "sub-demo01_ses-1_icephys.nwb")
with h5py.File(nwb, "r") as f:
    types = sorted({f["acquisition"][k].attrs["neurodata_type"] for k in f["acquisition"]})
    types = [t.decode() if isinstance(t, bytes) else t for t in types]
c.eq(types, ["CurrentClampSeries", "VoltageClampSeries"], "the demo NWB mixes current and voltage clamp")

# The sheet table, read by DuckDB.
table = os.path.join(d, "tables", "7029_36_TRK1_trimmed.parquet")
rows = duck(f"SELECT count(*) AS n, min(\"Position\") AS lo, max(\"Position\") AS hi FROM '{table}'")[0]
c.eq((rows.get("n"), rows.get("lo"), rows.get("hi")), (341, -170, 170), "sheet: 341 positions from -170 to 170")

# Laser-trim results: one of each status in the database.
db = sqlite3.connect(os.path.join(d, "trim", "trim.db"))
status = dict(db.execute("SELECT name, status FROM files").fetchall())
c.eq(len(status), 5, "trim: five workbooks analysed")
c.eq(sorted(set(status.values())), ["FAIL", "PASS", "WARNING"], "trim: passing, warning and failing examples")

# The cell's bundle and analysis.
b = os.path.join(d, "ephys", "sub-demo01", "sub-demo01_ses-1_icephys")
man = json.load(open(os.path.join(b, "manifest.json")))
c.eq(man["protocol_type"], "mixed", "bundle: mixed protocol")
c.eq(len(man["protocols"]), 24, "bundle: 24 sweeps")
rows = list(csv.DictReader(open(os.path.join(b, "analysis.csv"))))
c.true(len(rows) >= 10, f"analysis: {len(rows)} current-clamp sweeps kept")
rmp = float(rows[0]["rmp_mV"])
c.true(-75 < rmp < -65, f"analysis: resting potential {rmp:.1f} mV near the generator's -70 mV")
c.true(any(int(r["n_spikes"]) > 0 for r in rows), "analysis: spikes found")
for f in ("summary.pdf", "sweep_config.json", "AP_analysis.parquet", "mV_1000610036_1_sweeps.png"):
    c.true(os.path.getsize(os.path.join(b, f)) > 0, f"bundle has {f}")
c.done()

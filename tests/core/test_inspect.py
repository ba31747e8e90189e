"""plateau inspect: recordings and workbooks described, checked against h5py, neo-free ABF facts and xlrd."""
import json
import os

import h5py
import xlrd

from harness import Checks, plateau, testdata

c = Checks("inspect")
nwb = testdata("nwb", "bluepyefe_99111002_cc.nwb")
xls = testdata("lasertrim", "SystemB", "8340-3_389_TA_Test Data_5-29-2025_2-19 PMTrimmed Correct.xls")
abf = testdata("abf", "171116sh_0018.abf")

r = plateau("inspect", "--json", nwb, xls, abf)
c.eq(r.returncode, 0, "inspect of an NWB, an XLS and an ABF exits 0")
docs = {os.path.basename(d["path"]): d for d in json.loads(r.stdout)}

d = docs["bluepyefe_99111002_cc.nwb"]
with h5py.File(nwb, "r") as f:
    n_h5 = len(f["acquisition"]) + len(f["stimulus/presentation"])
    acq_samples = sorted(f["acquisition"][k]["data"].shape[0] for k in f["acquisition"])
c.eq(len(d["series"]), n_h5, "NWB: every acquisition and stimulus series is listed")
resp = sorted(s.get("samples", s.get("n_samples")) for s in d["series"] if s["role"] == "response")
c.eq(resp, acq_samples, "NWB: sample counts equal h5py's shapes")

d = docs[os.path.basename(xls)]
book = xlrd.open_workbook(xls, on_demand=True)
c.eq([s["name"] for s in d["sheets"]], book.sheet_names(), "XLS: sheet names equal xlrd's")
sheet = book.sheet_by_name("Lin Error")
ours = [s for s in d["sheets"] if s["name"] == "Lin Error"][0]
c.eq(ours["rows"], sheet.nrows, "XLS: real row count of 'Lin Error' equals xlrd's")

d = docs["171116sh_0018.abf"]
c.eq(d["format"], "ABF", "ABF recognised by its bytes")
c.true(len(d["series"]) > 0 and all(s["unit"] in ("mV", "pA") for s in d["series"]), "ABF: series in mV and pA")

r = plateau("inspect", "table")
c.eq(r.returncode, 1, "a file that is neither gives exit 1")
bad = os.path.join(c.tmp, "notes.nwb")
open(bad, "w").write("not hdf5 at all\n")
r = plateau("inspect", bad)
c.eq(r.returncode, 1, "a text file named .nwb gives exit 1")
c.eq(len(r.stderr.strip().splitlines()), 1, "with one line: " + r.stderr.strip())
c.true(bad in r.stderr, "naming the file")

r = plateau("inspect", nwb)
c.true("series" in r.stdout and "current_clamp" in r.stdout, "the table form lists series and clamp modes")
c.done()

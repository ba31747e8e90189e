"""Bad inputs to plateau ephys convert: each gets a clear one-line message naming the file, the good files of the
batch convert, and no partial bundle or temporary is left anywhere."""
import json
import os
import shutil

import h5py
import numpy as np

from harness import Checks, plateau, testdata

c = Checks("convert_bad")
src = testdata("nwb", "bluepyefe_99111002_cc.nwb")
abf = testdata("abf", "171116sh_0018.abf")
inp = os.path.join(c.tmp, "in")
os.makedirs(inp)
shutil.copy(src, os.path.join(inp, "good.nwb"))
shutil.copy(abf, os.path.join(inp, "good_abf.abf"))
data = open(src, "rb").read()
open(os.path.join(inp, "truncated.nwb"), "wb").write(data[: len(data) // 2])
open(os.path.join(inp, "empty.nwb"), "wb").close()
open(os.path.join(inp, "text.nwb"), "w").write("these are my notes, not a recording\n")
raw = open(abf, "rb").read()
open(os.path.join(inp, "truncated.abf"), "wb").write(raw[:3000])
with h5py.File(os.path.join(inp, "plain.nwb"), "w") as f:
    f["x"] = np.arange(10)


def series_file(name, data, with_rate=True):
    with h5py.File(os.path.join(inp, name), "w") as f:
        f.attrs["nwb_version"] = "2.4.0"
        f.attrs["neurodata_type"] = "NWBFile"
        f.attrs["namespace"] = "core"
        f["identifier"] = "bad"
        f["session_start_time"] = "2020-01-01T00:00:00"
        g = f.create_group("acquisition/CurrentClampSeries_001")
        g.attrs["neurodata_type"] = "CurrentClampSeries"
        g.attrs["namespace"] = "core"
        d = g.create_dataset("data", data=data)
        d.attrs["conversion"] = 1.0
        d.attrs["offset"] = 0.0
        d.attrs["unit"] = "volts"
        st = g.create_dataset("starting_time", data=0.0)
        if with_rate:
            st.attrs["rate"] = 10000.0


series_file("empty_data.nwb", np.zeros(0, dtype=np.float32))
series_file("two_d.nwb", np.zeros((10, 3), dtype=np.float32))
series_file("no_rate.nwb", np.zeros(100, dtype=np.float32), with_rate=False)

out = os.path.join(c.tmp, "out")
r = plateau("ephys", "convert", inp, "-o", out, "-j", "2", "--no-plots", "--log", os.path.join(c.tmp, "log.jsonl"))
c.eq(r.returncode, 1, "the batch exits 1")
failed = {l.split()[1].rstrip(":"): l for l in r.stderr.splitlines() if l.startswith("FAILED")}
names = sorted(os.path.basename(p) for p in failed)
c.eq(names, ["empty.nwb", "empty_data.nwb", "no_rate.nwb", "plain.nwb", "text.nwb", "truncated.abf",
             "truncated.nwb", "two_d.nwb"], "every bad file fails, and only those")
for path, line in sorted(failed.items()):
    msg = line.split(": ", 1)[1] if ": " in line else ""
    c.true(len(msg) > 10 and "\n" not in msg, f"{os.path.basename(path)}: {msg}")
c.true(os.path.isfile(os.path.join(out, "good", "manifest.json")), "the good NWB converted")
c.true(os.path.isfile(os.path.join(out, "good_abf", "manifest.json")), "the good ABF converted")
left = sorted(os.listdir(out))
c.eq([n for n in left if n not in ("good", "good_abf") and not n.startswith("plateau-ledger.sqlite")], [],
     "no partial bundle and no temporary is left")
log = [json.loads(l) for l in open(os.path.join(c.tmp, "log.jsonl"))]
c.eq(sum(e["status"] == "failed" for e in log), 8, "the log records the 8 failures with their errors")
c.done()

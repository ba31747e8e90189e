"""Every NWB file in $PLATEAU_TESTDATA/nwb (and nwb/generated) read through plateau's Recording interface and
compared with h5py: series list and order, sample counts, rates, start times, sweep numbers, clamp modes, roles, units,
statistics over every value and sampled values and times. Files with no patch-clamp data give the clear message."""
import glob
import os
import sys

from harness import Checks, testdata
import nwb_check

TOOL = sys.argv[1]
c = Checks("nwb-files")
root = testdata("nwb")
files = sorted(glob.glob(os.path.join(root, "**", "*.nwb"), recursive=True))
c.true(len(files) >= 8, f"found {len(files)} NWB files")

expect = {
    "bluepyefe_99111002_cc.nwb": dict(version="2.4.0", identifier="99111002", series=32, protocol="single",
                                      sweep_list=sorted(list(range(1, 17)) * 2),
                                      species="Rattus norvegicus", sweeps={"current_clamp": 16}),
    "xiubert_2025053001_vc.nwb": dict(version="2.8.0", series=128, protocol="single", subject_id=None),
    "xiubert_2025053101_vc.nwb": dict(version="2.8.0", identifier="2025053101", series=32, protocol="single",
                                      sweep_list=sorted(list(range(4)) * 8),
                                      subject_id="subject_ID124", genotype="Ntsr1-Cre", sweeps={"voltage_clamp": 4}),
    "mies_2.2.4_vc.nwb": dict(version="2.2.4", series=8, protocol="single", sweep_list=[0, 0, 0, 0, 1, 1, 1, 1]),
    "mies_1.0.5_vc.nwb": dict(version="1.0.5", series=8, protocol="single", sweep_list=[0, 0, 0, 0, 1, 1, 1, 1]),
    "mies_style_97sweeps_small.nwb": dict(version="2.6.0", series=194, protocol="mixed", species="Homo sapiens",
                                          sweeps={"voltage_clamp": 7, "current_clamp": 90}, samples=19400000,
                                          sweep_list=sorted(list(range(97)) * 2)),
}

for path in files:
    name = os.path.basename(path)
    label = os.path.relpath(path, root)
    if "/edge/" in path or os.path.dirname(path).endswith("edge"):
        rc, got, stderr = nwb_check.dump(TOOL, path)
        c.eq(stderr, "", f"{label}: nothing on stderr")
        c.true(rc == 1 and got and got.get("error") == "unsupported"
               and "no intracellular (patch clamp) series" in got.get("message", ""),
               f"{label}: clear 'no intracellular series' message ({got})")
        continue
    got = nwb_check.compare_file(c, TOOL, path, label)
    e = expect.get(name)
    if got is None or e is None:
        continue
    m = got["metadata"]
    c.eq(got["format"], "NWB", f"{label}: format")
    c.eq(got["format_version"], e["version"], f"{label}: version")
    c.eq(got["totals"]["series"], e["series"], f"{label}: series count")
    c.eq(got["totals"]["protocol"], e["protocol"], f"{label}: protocol type")
    if "identifier" in e:
        c.eq(m["identifier"], e["identifier"], f"{label}: identifier")
    if "species" in e:
        c.eq(m["subject"]["species"], e["species"], f"{label}: species")
    if e.get("subject_id"):
        c.eq(m["subject"]["subject_id"], e["subject_id"], f"{label}: subject_id")
        c.eq(m["subject"]["genotype"], e["genotype"], f"{label}: genotype")
    if "sweeps" in e:
        c.eq(got["totals"]["sweeps_by_clamp"], e["sweeps"], f"{label}: sweeps by clamp mode")
    if "sweep_list" in e:
        c.eq([x["sweep"] for x in got["series"]], e["sweep_list"], f"{label}: sweep numbers (stated, not derived)")
        roles = [x["role"] for x in got["series"]]
        c.true(all(roles[i] <= roles[i + 1] for i in range(len(roles) - 1)
                   if got["series"][i]["sweep"] == got["series"][i + 1]["sweep"]),
               f"{label}: responses before stimuli within a sweep")
    if "samples" in e:
        c.eq(got["totals"]["samples"], e["samples"], f"{label}: total samples")
    c.true(got["memory"]["reader_bytes"] > 0 and got["charged_peak_bytes"] < 64 << 20,
           f"{label}: memory need stated, charged peak {got['charged_peak_bytes']} under 64 MiB")
    c.true(m["session_start_time"] != "", f"{label}: session start {m['session_start_time']}")
c.done()

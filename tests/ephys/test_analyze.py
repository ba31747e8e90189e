"""plateau ephys analyze on bundles made by plateau ephys convert: outputs read back with DuckDB and hyparquet,
values equal to the per-sweep analysis of the same recording read with h5py (ephys_tool), re-runs skipped,
parameters recorded, nothing partial left behind. Without the Parquet reader in the build, the command must say so."""
import csv
import glob
import json
import math
import os
import sys

from harness import Checks, node_json, plateau, testdata
from ephys_common import analyse, nwb_sweeps, write_sweeps

TOOL = sys.argv[1]
c = Checks("ephys-analyze")
out = os.path.join(c.tmp, "bundles")
nwb = testdata("nwb", "generated", "mies_style_97sweeps_small.nwb")
r = plateau("ephys", "convert", "--no-plots", "-o", out, nwb, testdata("nwb", "bluepyefe_99111002_cc.nwb"),
            timeout=600)
c.eq(r.returncode, 0, "two bundles converted")
bundle = os.path.join(out, "mies_style_97sweeps_small")

r = plateau("ephys", "analyze", out, timeout=600)
if r.returncode != 0 and "Parquet reader" in r.stderr:
    c.true(True, "this build has no Parquet reader: analyze says so clearly")
    c.true(not glob.glob(os.path.join(bundle, "analysis*")), "and writes nothing")
    c.done()
    sys.exit(1 if c.failed else 0)
if not c.eq(r.returncode, 0, "plateau ephys analyze exits 0"):
    print(r.stderr)
for name in ("sweep_config.json", "analysis.parquet", "analysis.csv", "AP_analysis.parquet", "AP_analysis.csv",
             "ephys_sweeps.png", "ephys_spikes.png", "ephys_ap_sweeps.png", "ephys_passive.png", "ephys_firing.png",
             "ephys_baseline.png",
             "summary.pdf"):
    c.true(os.path.getsize(os.path.join(bundle, name)) > 0, f"{name} written")
c.eq(glob.glob(os.path.join(out, "**", ".plateau-tmp*"), recursive=True), [], "no temporary left")
pdf = open(os.path.join(bundle, "summary.pdf"), "rb").read()
pages = pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + pdf.count(b"/Type /Page>")
c.eq(pages, 6, "summary.pdf has 6 pages")

# the independent computation: the same float32 samples read with h5py, analysed by the library directly
sweeps = nwb_sweeps(nwb, float32=True)
binfile = os.path.join(c.tmp, "sweeps.bin")
write_sweeps(binfile, [s[:5] for s in sweeps if s[5] == "cc"])
ref = analyse(TOOL, binfile)
want = {s["sweep"]: s for s in ref["sweeps"]}

cfg = json.load(open(os.path.join(bundle, "sweep_config.json")))
vc = [s[0] for s in sweeps if s[5] == "vc"]
c.eq(sorted(int(k) for k, v in cfg["sweeps"].items() if v["reason"] == "Voltage-clamp sweep"), vc,
     "voltage-clamp sweeps are dropped as such")
c.eq(cfg["kept_sweeps"], sorted(k for k, s in want.items() if s["valid"]), "kept sweeps equal the direct analysis")
c.eq(cfg["params"], ref["params"], "parameters recorded in sweep_config.json")

dump = node_json("parquet_dump.mjs", os.path.join(bundle, "analysis.parquet"))
for reader in ("duckdb", "hyparquet"):
    vals = dump[reader]["values"]
    rows = len(vals["sweep"])
    c.eq(rows, len(cfg["kept_sweeps"]), f"analysis.parquet ({reader}): one row per kept sweep")
    cur = [float(x) for x in vals["injected_current_pA"]]
    c.eq(cur, sorted(cur), f"analysis.parquet ({reader}): sorted by injected current")
    bad = []
    for i in range(rows):
        s = want[int(vals["sweep"][i])]
        for col in ("rmp_mV", "avg_threshold_mV", "avg_peak_mV", "spike_frequency_Hz", "avg_upstroke_mV_ms",
                    "avg_width_ms", "sag_mV", "filtered_rmp_mV", "mean_isi_ms"):
            got, exp = vals[col][i], s[col]
            if not ((got is None and exp is None) or (got is not None and exp is not None and
                                                      abs(float(got) - exp) <= 1e-9 * max(1, abs(exp)))):
                bad.append((s["sweep"], col, got, exp))
    c.eq(bad[:3], [], f"analysis.parquet ({reader}): per-sweep values equal the direct analysis")
    c.true(all(abs(float(x) - ref["cell"]["input_resistance_MOhm"]) < 1e-9 for x in vals["input_resistance_MOhm"]),
           f"analysis.parquet ({reader}): input resistance repeated on every row")
with open(os.path.join(bundle, "analysis.csv")) as f:
    csv_rows = list(csv.DictReader(f))
c.eq([int(r["sweep"]) for r in csv_rows], [int(x) for x in dump["duckdb"]["values"]["sweep"]],
     "analysis.csv holds the same rows in the same order")

ap = node_json("parquet_dump.mjs", os.path.join(bundle, "AP_analysis.parquet"))["duckdb"]["values"]
n_spikes = sum(s["n_spikes"] for s in want.values())
c.eq(len(ap["sweep"]), n_spikes, f"AP_analysis.parquet: one row per spike ({n_spikes})")
bad = []
for i in range(len(ap["sweep"])):
    s = want[int(ap["sweep"][i])]["spikes"][int(ap["spike"][i])]
    for col in ("t_peak_s", "peak_mV", "threshold_mV", "upstroke_mV_ms", "width_ms", "kink_ratio"):
        got, exp = ap[col][i], s[col]
        if not ((got is None and exp is None) or (got is not None and exp is not None and
                                                  abs(float(got) - exp) <= 1e-9 * max(1, abs(exp)))):
            bad.append((ap["sweep"][i], ap["spike"][i], col, got, exp))
c.eq(bad[:3], [], "AP_analysis.parquet: per-spike values equal the direct analysis")

man = json.load(open(os.path.join(bundle, "manifest.json")))
an = man.get("analysis", {})
c.true(an.get("complete") is True and "summary.pdf" in an.get("outputs", []), "manifest.json has the analysis section")
c.true(abs(an.get("input_resistance_MOhm", 0) - ref["cell"]["input_resistance_MOhm"]) < 1e-6, "manifest: Rin")
c.eq(an.get("rheobase_pA"), ref["cell"]["rheobase_pA"], "manifest: rheobase")
c.true(man.get("tables") and man.get("protocols"), "the converter's manifest content is kept")

mtime = os.path.getmtime(os.path.join(bundle, "analysis.parquet"))
r = plateau("ephys", "analyze", bundle)
c.true(r.returncode == 0 and "skipped  1" in r.stderr.replace("skipped 1", "skipped  1"), "a second run skips the bundle")
c.eq(os.path.getmtime(os.path.join(bundle, "analysis.parquet")), mtime, "and leaves its outputs alone")
small = os.path.join(out, "bluepyefe_99111002_cc")
r = plateau("ephys", "analyze", "--no-plots", "--set", "prominence_mV=25", os.path.join(small, "manifest.json"))
c.eq(r.returncode, 0, "new parameters re-analyse the bundle")
cfg2 = json.load(open(os.path.join(small, "sweep_config.json")))
c.eq(cfg2["params"]["prominence_mV"], 25, "the new parameter is recorded")
r = plateau("ephys", "analyze", "--set", "bogus=1", bundle)
c.eq(r.returncode, 2, "an unknown parameter is a usage error")
r = plateau("ephys", "analyze", os.path.join(c.tmp, "nothing-here"))
c.eq(r.returncode, 1, "a missing path fails")

# a damaged bundle fails alone, with its name in the message
import shutil  # noqa: E402
pair = os.path.join(c.tmp, "pair")
shutil.copytree(small, os.path.join(pair, "good"))
shutil.copytree(small, os.path.join(pair, "damaged"))
os.remove(glob.glob(os.path.join(pair, "damaged", "mV_*.parquet"))[0])
r = plateau("ephys", "analyze", "--force", "--no-plots", pair)
c.eq(r.returncode, 1, "a bundle with a missing table fails the run")
c.true("damaged" in r.stderr and "done     1" in r.stderr, "only that bundle fails, named")
c.done()
sys.exit(1 if c.failed else 0)

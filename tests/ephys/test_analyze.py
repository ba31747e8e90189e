"""plateau ephys analyze on bundles made by plateau ephys convert: outputs read back with DuckDB and hyparquet,
values equal to the per-sweep analysis of the same recording read with h5py (ephys_tool), re-runs skipped,
parameters recorded, nothing partial left behind. Without the Parquet reader in the build, the command must say so."""
import csv
import glob
import json
import math
import re
import os
import subprocess
import sys

from harness import Checks, duck, node_json, plateau, testdata
from ephys_common import analyse, nwb_sweeps, write_sweeps

TOOL = sys.argv[1]
c = Checks("ephys-analyze")
out = os.path.join(c.tmp, "bundles")
nwb = testdata("nwb", "generated", "mies_style_97sweeps_small.nwb")
r = plateau("ephys", "convert", "--no-plots", "-o", out, nwb, testdata("nwb", "bluepyefe_99111002_cc.nwb"),
            timeout=600)
c.eq(r.returncode, 0, "two bundles converted")
bundle = os.path.join(out, "mies_style_97sweeps_small")

r = plateau("ephys", "analyze", "--ap-wide", out, timeout=600)
if r.returncode != 0 and "Parquet reader" in r.stderr:
    c.true(True, "this build has no Parquet reader: analyze says so clearly")
    c.true(not glob.glob(os.path.join(bundle, "analysis*")), "and writes nothing")
    c.done()
    sys.exit(1 if c.failed else 0)
if not c.eq(r.returncode, 0, "plateau ephys analyze exits 0"):
    print(r.stderr)
for name in ("sweep_config.json", "analysis.parquet", "analysis.csv", "AP_analysis.parquet", "AP_analysis.csv",
             "AP_analysis_wide.parquet", "AP_analysis_wide.csv", "plots/ephys_sweeps.png", "plots/ephys_spikes.png",
             "plots/ephys_passive.png", "plots/ephys_firing.png", "plots/ephys_baseline.png", "summary.pdf"):
    c.true(os.path.getsize(os.path.join(bundle, name)) > 0, f"{name} written")
c.eq(glob.glob(os.path.join(out, "**", ".plateau-tmp*"), recursive=True), [], "no temporary left")

# the independent computation: the same float32 samples read with h5py, analysed by the library directly
sweeps = nwb_sweeps(nwb, float32=True)
binfile = os.path.join(c.tmp, "sweeps.bin")
write_sweeps(binfile, [s[:5] for s in sweeps if s[5] == "cc"])
ref = analyse(TOOL, binfile)
want = {s["sweep"]: s for s in ref["sweeps"]}

# plots: one AP figure (PNG and PDF page) per spiking sweep, baselines 12 per page, after the 5 summary pages
spiking = sorted(k for k, s in want.items() if s["valid"] and s["n_spikes"] > 0)
with_base = [k for k, s in want.items() if s["valid"] and s["savgol_window"] > 0]
c.true(len(spiking) > 30, f"the reference file has {len(spiking)} spiking sweeps")
c.eq(sorted(os.listdir(os.path.join(bundle, "plots"))),
     sorted([f"ap_sweep_{k:04d}.png" for k in spiking] + [f"savgol_baselines_{k + 1:02d}.png"
                                                           for k in range((len(with_base) + 11) // 12)] +
            ["ephys_sweeps.png", "ephys_spikes.png", "ephys_passive.png", "ephys_firing.png", "ephys_baseline.png"]),
     "plots/: one ap_sweep_<n>.png per spiking sweep, the baseline pages and the 5 summary plots")
info = subprocess.run(["pdfinfo", os.path.join(bundle, "summary.pdf")], capture_output=True, text=True).stdout
pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
c.eq(pages, 5 + len(spiking) + (len(with_base) + 11) // 12,
     "summary.pdf (pdfinfo): 5 summary pages + one per spiking sweep + the baseline pages")
text = subprocess.run(["pdftotext", "-f", "6", "-l", str(5 + len(spiking)), os.path.join(bundle, "summary.pdf"), "-"],
                      capture_output=True, text=True).stdout
c.eq([int(x) for x in re.findall(r"Sweep (\d+): [+-]?\d+ pA", text)], spiking,
     "the AP pages come in sweep order, one per spiking sweep (pdftotext)")

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

# the wide table (DuckDB): one row per spiking sweep, <metric>_<spike> equal to the long table's rows
q = duck
wide_path, long_path = os.path.join(bundle, "AP_analysis_wide.parquet"), os.path.join(bundle, "AP_analysis.parquet")
wide = {r["sweep"]: r for r in q(f"SELECT * FROM '{wide_path}' ORDER BY sweep")}
longrows = q(f"SELECT * FROM '{long_path}'")
c.eq(sorted(wide), spiking, "AP_analysis_wide.parquet: one row per spiking sweep")
metrics = [k for k in longrows[0] if k not in ("sweep", "spike", "injected_current_pA")]
maxn = max(r["n_spikes"] for r in wide.values())
c.eq(len(next(iter(wide.values()))), 3 + len(metrics) * maxn, f"wide: {len(metrics)} columns per spike x {maxn} spikes")
bad = [(r["sweep"], r["spike"], m) for r in longrows for m in metrics
       if wide[r["sweep"]][f"{m}_{r['spike']}"] != r[m]]
c.eq(bad[:3], [], f"wide: every value of the {len(longrows)} long rows is in its <metric>_<spike> column")
c.true(all(w["n_spikes"] == want[k]["n_spikes"] and
           all(w[f"{m}_{i}"] is None for i in range(w["n_spikes"], maxn) for m in metrics) for k, w in wide.items()),
       "wide: n_spikes per row, empty past a sweep's last spike")
with open(os.path.join(bundle, "AP_analysis_wide.csv")) as f:
    wcsv = list(csv.reader(f))
c.eq((wcsv[0][:4], len(wcsv) - 1, len(wcsv[0])), (["sweep", "injected_current_pA", "n_spikes", "t_peak_s_0"],
                                                   len(spiking), 3 + len(metrics) * maxn),
     "AP_analysis_wide.csv: same columns and rows")

man = json.load(open(os.path.join(bundle, "manifest.json")))
an = man.get("analysis", {})
c.eq(an.get("options"), {"plots": True, "ap_wide": True}, "manifest: the output options are recorded")
c.true({"AP_analysis_wide.parquet", "AP_analysis_wide.csv", "plots"} <= set(an.get("outputs", [])),
       "manifest: the wide table and plots/ are listed")
c.eq(an.get("plots", {}).get("pdf_pages"), pages, "manifest: the page count")
c.true(an.get("complete") is True and "summary.pdf" in an.get("outputs", []), "manifest.json has the analysis section")
c.true(abs(an.get("input_resistance_MOhm", 0) - ref["cell"]["input_resistance_MOhm"]) < 1e-6, "manifest: Rin")
c.eq(an.get("rheobase_pA"), ref["cell"]["rheobase_pA"], "manifest: rheobase")
c.true(man.get("tables") and man.get("protocols"), "the converter's manifest content is kept")

mtime = os.path.getmtime(os.path.join(bundle, "analysis.parquet"))
r = plateau("ephys", "analyze", bundle)
c.true(r.returncode == 0 and "skipped  1" in r.stderr.replace("skipped 1", "skipped  1"), "a second run skips the bundle")
c.eq(os.path.getmtime(os.path.join(bundle, "analysis.parquet")), mtime, "and leaves its outputs alone")
small = os.path.join(out, "bluepyefe_99111002_cc")
c.eq(len(glob.glob(os.path.join(small, "plots", "ap_sweep_*.png"))),
     json.load(open(os.path.join(small, "manifest.json")))["analysis"]["plots"]["ap_sweep_pages"],
     "bluepyefe bundle: one AP plot per spiking sweep")
before = set(os.listdir(os.path.join(small, "plots")))
r = plateau("ephys", "analyze", "--set", "prominence_mV=80", small)
an = json.load(open(os.path.join(small, "manifest.json")))["analysis"]
after = set(os.listdir(os.path.join(small, "plots")))
info = subprocess.run(["pdfinfo", os.path.join(small, "summary.pdf")], capture_output=True, text=True).stdout
c.true(r.returncode == 0 and len([f for f in after if f.startswith("ap_sweep_")]) == an["plots"]["ap_sweep_pages"] <
       len([f for f in before if f.startswith("ap_sweep_")]) and after < before and
       int(re.search(r"Pages:\s+(\d+)", info).group(1)) == an["plots"]["pdf_pages"],
       "fewer spiking sweeps after a re-analysis: plots/ and summary.pdf hold only the new ones")
r = plateau("ephys", "analyze", "--no-plots", "--set", "prominence_mV=25", "--set", "ap_wide=1",
            os.path.join(small, "manifest.json"))
c.eq(r.returncode, 0, "new parameters re-analyse the bundle")
c.true(os.path.exists(os.path.join(small, "AP_analysis_wide.csv")), "--set ap_wide=1 writes the wide table")
c.true(not os.path.exists(os.path.join(small, "plots")) and not os.path.exists(os.path.join(small, "summary.pdf")),
       "plots of the earlier parameters are removed by a --no-plots analysis")
r = plateau("ephys", "analyze", "--set", "ap_wide=2", small)
c.eq(r.returncode, 2, "ap_wide takes 0 or 1")
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

# an ABF bundle (stimulus synthesised from the protocol by our ABF reader) against neo's samples and protocol
from ephys_common import abf_sweeps  # noqa: E402
abf = testdata("abf", "171116sh_0018.abf")
abf_out = os.path.join(c.tmp, "abf")
r = plateau("ephys", "convert", "--no-plots", "-o", abf_out, abf)
r2 = plateau("ephys", "analyze", "--no-plots", abf_out)
c.true(r.returncode == 0 and r2.returncode == 0, "ABF bundle converted and analysed")
binfile = os.path.join(c.tmp, "abf.bin")
write_sweeps(binfile, abf_sweeps(abf))
want = {s["sweep"]: s for s in analyse(TOOL, binfile, "baseline_threshold_pA=5")["sweeps"]}
with open(os.path.join(abf_out, "171116sh_0018", "analysis.csv")) as f:
    got = {int(r["sweep"]): r for r in csv.DictReader(f)}
c.eq(sorted(got), sorted(k for k, s in want.items() if s["valid"]), "ABF: kept sweeps equal the analysis of neo's data")
c.eq({k: int(r["n_spikes"]) for k, r in got.items()}, {k: want[k]["n_spikes"] for k in got},
     "ABF: spike counts equal")
c.true(all(abs(float(r["rmp_mV"]) - want[k]["rmp_mV"]) < 1e-3 and
           float(r["stimulus_level_pA"]) == want[k]["stimulus_level_pA"] for k, r in got.items()),
       "ABF: levels equal, resting potentials within 1 uV")
c.done()
sys.exit(1 if c.failed else 0)

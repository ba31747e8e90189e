#!/usr/bin/python3
"""plateau ephys analyze end to end on generated MIES-style files: the realistic one (gen_mies --scale 1: 97 sweeps,
10^8 samples) analysed with plots, without plots and with --ap-wide, then a file with many sweeps (--sweeps 400) to
show that memory does not grow with the number of spiking sweeps (one AP page each). Prints seconds (wall and CPU),
the cost per sweep and per plotted page, the worker's peak RSS from the JSON log and /usr/bin/time's.

usage: bench/ephys/analyze_bench.py [BUILD_DIR] [--scale 1] [--many 400] [--keep]"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

args = sys.argv[1:]
build = args[0] if args and not args[0].startswith("--") else "build"
scale = float(args[args.index("--scale") + 1]) if "--scale" in args else 1.0
many = int(args[args.index("--many") + 1]) if "--many" in args else 400
plateau = os.path.join(build, "plateau")
gen = os.path.join(build, "bench", "nwb", "gen_mies")
tmp = tempfile.mkdtemp(prefix="plateau-bench-analyze-")
MiB = 2**20


def timed(cmd):
    """Runs cmd under /usr/bin/time -v: wall seconds, CPU seconds (user + system), max RSS of the tree's largest."""
    r = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"{' '.join(cmd)} failed: {r.stderr[-2000:]}")
    get = lambda key: re.search(key + r": ([\d.:]+)", r.stderr).group(1)  # noqa: E731
    wall = sum(float(x) * 60**i for i, x in enumerate(reversed(get(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\)").split(":"))))
    cpu = float(get(r"User time \(seconds\)")) + float(get(r"System time \(seconds\)"))
    return wall, cpu, int(get(r"Maximum resident set size \(kbytes\)")) * 1024


def bundle_of(nwb, name):
    out = os.path.join(tmp, name)
    subprocess.run([gen, "-o", nwb, "--scale", str(scale if name == "real" else 0.2), "--compress",
                    *(["--sweeps", str(many)] if name == "many" else [])], check=True, capture_output=True)
    subprocess.run([plateau, "ephys", "convert", "--no-plots", "-q", "-j", "1", "-o", out, nwb], check=True,
                   capture_output=True)
    os.remove(nwb)
    return next(os.path.join(out, d) for d in os.listdir(out) if os.path.isdir(os.path.join(out, d)))


def analyse(bundle, label, *opts):
    log = os.path.join(tmp, label + ".jsonl")
    wall, cpu, rss = timed([plateau, "ephys", "analyze", "--force", "-j", "1", "--log", log, *opts, bundle])
    rec = [json.loads(line) for line in open(log) if '"event":"file"' in line][-1]
    an = json.load(open(os.path.join(bundle, "manifest.json")))["analysis"]
    return {"wall": wall, "cpu": cpu, "rss": rss, "worker_rss": rec["peak_rss"], "charged": rec["peak_charged"],
            "sweeps": an["sweeps"], "spikes": an["spikes"], "plots": an.get("plots")}


def report(label, r):
    pages = f", {r['plots']['pdf_pages']} PDF pages ({r['plots']['ap_sweep_pages']} spiking sweeps)" if r["plots"] else ""
    print(f"  {label:<22} {r['wall']:6.1f} s wall, {r['cpu']:6.1f} s CPU = {r['cpu'] / r['sweeps'] * 1000:5.0f} ms CPU "
          f"per sweep; worker peak RSS {r['worker_rss'] / MiB:5.1f} MiB ({r['charged'] / MiB:.1f} charged), "
          f"/usr/bin/time {r['rss'] / MiB:.1f} MiB{pages}")


for name in ("real", "many"):
    bundle = bundle_of(os.path.join(tmp, name + ".nwb"), name)
    rows = sum(os.path.getsize(os.path.join(bundle, f)) for f in os.listdir(bundle) if f.startswith("mV_"))
    print(f"{name}: {bundle} (mV table {rows / MiB:.0f} MiB)")
    plain = analyse(bundle, name + "-noplots", "--no-plots")
    report("no plots", plain)
    full = analyse(bundle, name + "-plots")
    report("plots", full)
    wide = analyse(bundle, name + "-wide", "--no-plots", "--ap-wide")
    report("no plots, --ap-wide", wide)
    p = full["plots"]
    extra = full["cpu"] - plain["cpu"]
    print(f"  plots cost {extra:.1f} s CPU for {p['pdf_pages']} pages = {extra / p['pdf_pages'] * 1000:.0f} ms per "
          f"page (PNG + PDF page); {full['sweeps']} sweeps, {full['spikes']} spikes")
    if name == "real":
        real_rss = full["worker_rss"]
    else:
        print(f"worker peak RSS with plots: {real_rss / MiB:.1f} MiB (97 sweeps) vs {full['worker_rss'] / MiB:.1f} MiB "
              f"({full['sweeps']} sweeps): target <= 64 MiB, not growing with the sweep count")
if "--keep" in args:
    print("kept", tmp)
else:
    shutil.rmtree(tmp)

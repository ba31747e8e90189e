#!/usr/bin/python3
"""plateau ephys convert on generated MIES-style files: the realistic one (scale 1, about 10^8 samples) and a 4x larger
one, with plots: seconds, samples/s, peak RSS, next to h5py reading the same datasets in the same run (the I/O floor);
then a batch of 200 small files, whose per-file peak RSS from the JSON log must stay flat.

Each measurement is the median of --runs runs (default 3), the h5py floor and the conversion alternating.

usage: bench/nwb/convert_bench.py [BUILD_DIR] [--scales 1,4] [--small 200] [--runs 3]"""
import json
import resource
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import h5py

args = sys.argv[1:]
build = args[0] if args and not args[0].startswith("--") else "build"
scales = [float(x) for x in (args[args.index("--scales") + 1] if "--scales" in args else "1,4").split(",")]
n_small = int(args[args.index("--small") + 1]) if "--small" in args else 200
runs = int(args[args.index("--runs") + 1]) if "--runs" in args else 3
plateau = os.path.join(build, "plateau")
gen = os.path.join(build, "bench", "nwb", "gen_mies")
tmp = tempfile.mkdtemp(prefix="plateau-bench-nwb-")


def timed(cmd):
    t = time.time()
    r = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1)) * 1024
    if r.returncode:
        sys.exit(f"{cmd[0]} failed: {r.stderr[-2000:]}")
    cpu = sum(float(re.search(rf"{k} time \(seconds\): ([0-9.]+)", r.stderr).group(1)) for k in ("User", "System"))
    return time.time() - t, rss, r, cpu


def h5py_floor(path):
    t = time.time()
    u0 = resource.getrusage(resource.RUSAGE_SELF)
    n = 0
    with h5py.File(path, "r") as f:
        for grp in ("acquisition", "stimulus/presentation"):
            for name in f[grp]:
                d = f[grp][name]["data"]
                for i in range(0, d.shape[0], 1 << 20):  # bounded reads, like ours
                    n += d[i:i + (1 << 20)].size
    u1 = resource.getrusage(resource.RUSAGE_SELF)
    return time.time() - t, n, u1.ru_utime + u1.ru_stime - u0.ru_utime - u0.ru_stime


results = []
for scale in scales:
    src = os.path.join(tmp, f"mies_scale{scale:g}.nwb")
    subprocess.run([gen, "-o", src, "--scale", str(scale), "--compress"], check=True, capture_output=True)
    floors, secs_l, cpus, fcpus, workers = [], [], [], [], []
    out = os.path.join(tmp, f"out{scale:g}")
    for k in range(runs):
        floor, samples, fcpu = h5py_floor(src)
        # The worker does the work: the log has its own peak RSS; /usr/bin/time gives the largest process of the tree.
        log = os.path.join(tmp, f"log{scale:g}.jsonl")
        if os.path.exists(log):
            os.remove(log)
        shutil.rmtree(out, ignore_errors=True)
        secs, rss, _, cpu = timed([plateau, "ephys", "convert", src, "-o", out, "-j", "1", "--log", log, "-q"])
        floors.append(floor)
        fcpus.append(fcpu)
        secs_l.append(secs)
        cpus.append(cpu)
        workers.append(max(json.loads(l)["peak_rss"] for l in open(log)))
    floor, secs, cpu, fcpu = (statistics.median(v) for v in (floors, secs_l, cpus, fcpus))
    worker = max(workers)
    results.append((scale, samples, secs, floor, worker))
    size = os.path.getsize(src)
    print(f"scale {scale:g}: {samples / 1e6:.1f} M samples ({size / 2**20:.0f} MiB compressed NWB), medians of {runs}: "
          f"convert with plots {secs:.2f} s = {samples / secs / 1e6:.1f} M samples/s ({cpu:.2f} CPU s on two threads); "
          f"h5py read {floor:.2f} s = {samples / floor / 1e6:.1f} M samples/s ({fcpu:.2f} CPU s); plateau at "
          f"{floor / secs * 100:.0f}% of the h5py floor's speed; worker peak RSS {worker / 2**20:.1f} MiB (largest run)")
    shutil.rmtree(out)
    os.remove(src)
if len(results) > 1:
    a, b = results[0][4], results[-1][4]
    print(f"peak RSS {a / 2**20:.1f} MiB vs {b / 2**20:.1f} MiB: {abs(b - a) / a * 100:.1f}% apart (target <= 10%, "
          f"both <= 64 MiB)")

# A batch of small files: flat memory.
small = os.path.join(tmp, "small")
os.makedirs(small)
one = os.path.join(small, "cell_0000.nwb")
subprocess.run([gen, "-o", one, "--scale", "0.01", "--sweeps", "12", "--compress"], check=True, capture_output=True)
for i in range(1, n_small):
    os.link(one, os.path.join(small, f"cell_{i:04d}.nwb")) if False else shutil.copy(one, os.path.join(small, f"cell_{i:04d}.nwb"))
log = os.path.join(tmp, "small.jsonl")
secs, rss, _, _ = timed([plateau, "ephys", "convert", small, "-o", os.path.join(tmp, "small_out"), "-j", "2", "--log",
                      log, "-q", "--memory-limit", "512M"])
peaks = [json.loads(l)["peak_rss"] for l in open(log)]
first, last = statistics.median(peaks[:20]), statistics.median(peaks[-20:])
print(f"{n_small} small files, -j 2: {secs:.1f} s ({secs / n_small * 1000:.0f} ms per file); per-file peak RSS median "
      f"{statistics.median(peaks) / 2**20:.1f} MiB, first 20 {first / 2**20:.1f} MiB, last 20 {last / 2**20:.1f} MiB, "
      f"max {max(peaks) / 2**20:.1f} MiB: flat")
shutil.rmtree(tmp)

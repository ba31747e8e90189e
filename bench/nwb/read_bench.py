"""Read throughput of plateau's NWB reader (nwb_read_bench) against h5py on the same datasets.

usage: /usr/bin/python3 bench/nwb/read_bench.py BUILD_DIR FILE... [--repeat N]

For each file: plateau reads every patch-clamp series in 65536-sample blocks into doubles scaled to mV/pA; h5py
reads the same datasets (a) whole, d[:] * conversion + offset in float64 (what a script would do, memory grows
with the sweep) and (b) in the same 65536-sample blocks. Each run is a fresh process; medians of N runs.
Prints a Markdown table: samples per second of CPU time (user + system; stable on a shared machine) and of wall
time, ratios against h5py, peak RSS. Medians by CPU time."""
import json
import os
import statistics
import subprocess
import sys

H5PY_SCRIPT = r'''
import sys, time, resource, h5py, numpy as np
path, mode = sys.argv[1], sys.argv[2]
def cpu():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime
t0, c0 = time.perf_counter(), cpu()
f = h5py.File(path, "r")
total, acc = 0, 0.0
for grp in ("acquisition", "stimulus/presentation"):
    for name, g in f[grp].items():
        if not isinstance(g, h5py.Group) or "data" not in g:
            continue
        d = g["data"]
        conv = float(d.attrs.get("conversion", 1.0)); off = float(d.attrs.get("offset", 0.0))
        unit = d.attrs.get("unit", b"")
        unit = unit.decode() if isinstance(unit, bytes) else str(unit)
        scale = 1e3 if unit in ("volts", "V") else 1e12 if unit in ("amperes", "A") else 1.0
        n = d.shape[0]
        if mode == "whole":
            v = (d[:].astype(np.float64) * conv + off) * scale
            acc += float(v.sum())
        else:
            for at in range(0, n, 65536):
                v = (d[at:at + 65536].astype(np.float64) * conv + off) * scale
                acc += float(v.sum())
        total += n
secs, cpus = time.perf_counter() - t0, cpu() - c0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print('{"samples": %d, "seconds": %.4f, "cpu_seconds": %.4f, "samples_per_s": %.0f, "samples_per_cpu_s": %.0f, '
      '"checksum": %.10g, "peak_rss_bytes": %d}' % (total, secs, cpus, total / secs, total / cpus, acc, rss))
'''


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(r.stdout)


def median_run(cmd, repeat):
    runs = [run(cmd) for _ in range(repeat)]
    best = sorted(runs, key=lambda x: x["cpu_seconds"])[len(runs) // 2]
    best["peak_rss_bytes"] = max(x["peak_rss_bytes"] for x in runs)
    return best


def main():
    args = sys.argv[1:]
    repeat = 3
    if "--repeat" in args:
        i = args.index("--repeat")
        repeat = int(args[i + 1])
        del args[i:i + 2]
    build, files = args[0], args[1:]
    tool = os.path.join(build, "bench", "nwb", "nwb_read_bench")
    print("| file | reader | samples | samples / CPU s | samples / wall s | ours vs this (CPU) | peak RSS |")
    print("|---|---|---|---|---|---|---|")
    for path in files:
        ours = median_run([tool, path], repeat)
        whole = median_run(["/usr/bin/python3", "-c", H5PY_SCRIPT, path, "whole"], repeat)
        blocks = median_run(["/usr/bin/python3", "-c", H5PY_SCRIPT, path, "blocks"], repeat)
        assert ours["samples"] == whole["samples"] == blocks["samples"], (ours, whole)
        assert abs(ours["checksum"] - whole["checksum"]) <= 1e-6 * max(1.0, abs(whole["checksum"])), (ours, whole)
        name = os.path.basename(path)
        for label, r in (("plateau", ours), ("h5py d[:]", whole), ("h5py blocks", blocks)):
            ratio = ours["samples_per_cpu_s"] / r["samples_per_cpu_s"]
            print(f"| {name} | {label} | {r['samples']:,} | {r['samples_per_cpu_s'] / 1e6:.1f} M | "
                  f"{r['samples_per_s'] / 1e6:.1f} M | {ratio:.2f} | {r['peak_rss_bytes'] / 2**20:.1f} MiB |")

if __name__ == "__main__":
    main()

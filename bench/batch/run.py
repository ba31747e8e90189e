#!/usr/bin/python3
"""Batch engine benchmark: 1,000 small and 50 large generated files, -j 2, --memory-limit 512M.

Reports: peak RSS of the whole process tree (sampled by the engine) against the limit; the per-file overhead of the
worker model (worker run minus in-process run, per file, -j 1); and how well the files pack onto two workers
(wall time against the sum of the files' own times divided by the jobs).
usage: bench/batch/run.py [BUILD_DIR]  (default build)"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

build = sys.argv[1] if len(sys.argv) > 1 else "build"
fixture = os.path.join(build, "tests", "batch", "batch_fixture")
tmp = tempfile.mkdtemp(prefix="plateau-bench-batch-")


def make(folder, n, size):
    os.makedirs(folder)
    line = b"ok " + b"x" * 60 + b"\n"
    for i in range(n):
        with open(os.path.join(folder, f"f{i:05d}.txt"), "wb") as f:
            f.write(line * max(1, size // len(line)))


def run(out, inputs, *opts):
    shutil.rmtree(out, ignore_errors=True)
    r = subprocess.run([fixture, out, "-q", *map(str, opts), *inputs], capture_output=True, text=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


small = os.path.join(tmp, "small")
large = os.path.join(tmp, "large")
make(small, 1000, 2_000)
make(large, 50, 20_000_000)
def files(folder):
    return sorted(os.path.join(folder, n) for n in os.listdir(folder))


both = files(small) + files(large)

# Per-file overhead of a worker process: the same 1,000 tiny files, -j 1, workers vs in-process (median of 3).
wk, ip = [], []
for _ in range(3):
    wk.append(run(os.path.join(tmp, "o1"), files(small), "-j", 1)["seconds"])
    ip.append(run(os.path.join(tmp, "o2"), files(small), "-j", 1, "--in-process")["seconds"])
overhead_ms = (statistics.median(wk) - statistics.median(ip)) / 1000 * 1000
print(f"1000 small files, -j 1: workers {statistics.median(wk):.3f} s, in-process {statistics.median(ip):.3f} s: "
      f"worker overhead {overhead_ms:.2f} ms per file (target < 5 ms)")

# The mixed batch: 1,000 small + 50 large (20 MB, with 100 ms of work each), -j 2, 512 MiB.
runs = [run(os.path.join(tmp, "o3"), both, "-j", 2, "--memory-limit", "512M", "--work-ms", 100) for _ in range(3)]
s = sorted(runs, key=lambda r: r["seconds"])[1]
ideal = s["job_seconds"] / 2
print(f"1050 files, -j 2, 512M: wall {s['seconds']:.2f} s, sum of file times {s['job_seconds']:.2f} s, "
      f"ideal {ideal:.2f} s: wall/ideal {s['seconds'] / ideal:.3f} (target <= 1.10)")
print(f"peak RSS: largest worker {s['peak_rss'] / 2**20:.1f} MiB, whole tree {s['peak_tree_rss'] / 2**20:.1f} MiB "
      f"(limit 512 MiB)")
shutil.rmtree(tmp)

#!/usr/bin/python3
"""Parquet writer benchmark: plateau (bench_write) against DuckDB's COPY ... TO (FORMAT parquet, COMPRESSION zstd)
writing the same ephys-like rows (sweep INT32, t_s DOUBLE, value FLOAT, unit VARCHAR).

Reports for each N the median of the runs: seconds, rows/s, file size and peak RSS (/usr/bin/time -v), and the
ratios plateau/DuckDB. Usage: bench/parquet/run.py [--build build] [--runs 3] [--runs-large 1] [N ...]
(default N: 10000000 100000000)."""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))


def timed(cmd, env=None):
    r = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {r.stderr[-2000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1)) * 1024
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", r.stderr).group(1)
    secs = 0.0
    for part in wall.split(":"):
        secs = secs * 60 + float(part)
    out = json.loads(r.stdout.strip().splitlines()[-1])
    out["wall"] = secs
    out["rss"] = rss
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(SRC, "build"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--runs-large", type=int, default=1)
    ap.add_argument("--extra", default="", help="extra arguments for bench_write: codec level encoding")
    ap.add_argument("n", nargs="*", type=int, default=[10_000_000, 100_000_000])
    a = ap.parse_args()
    exe = os.path.join(a.build, "bench", "parquet", "bench_write")
    env = dict(os.environ, NODE_PATH=os.path.join(SRC, "tools", "node", "node_modules"))
    tmp = tempfile.mkdtemp(prefix="plateau-bench-parquet-")
    print(f"| rows | writer | seconds (median) | rows/s | MB/s (raw 18 B/row) | file MiB | peak RSS MiB |")
    print(f"|---:|---|---:|---:|---:|---:|---:|")
    for n in a.n:
        runs = a.runs if n <= 20_000_000 else a.runs_large
        res = {"plateau": [], "duckdb": []}
        for _ in range(runs):
            p = os.path.join(tmp, "plateau.parquet")
            res["plateau"].append(timed([exe, str(n), p, *a.extra.split()]))
            d = os.path.join(tmp, "duckdb.parquet")
            res["duckdb"].append(timed(["node", os.path.join(HERE, "duckdb_write.mjs"), str(n), d], env=env))
            os.unlink(p)
            os.unlink(d)
        med = {}
        for w, rs in res.items():
            secs = statistics.median(r["seconds"] for r in rs)
            med[w] = dict(secs=secs, size=statistics.median(r["bytes"] for r in rs),
                          rss=max(r["rss"] for r in rs))
            print(f"| {n:,} | {w} | {secs:.2f} | {n / secs:,.0f} | {n * 18 / secs / 1e6:.0f} | "
                  f"{med[w]['size'] / 2**20:.1f} | {med[w]['rss'] / 2**20:.0f} |")
        print(f"| {n:,} | plateau/DuckDB | time x{med['plateau']['secs'] / med['duckdb']['secs']:.2f} | "
              f"| | size x{med['plateau']['size'] / med['duckdb']['size']:.2f} | "
              f"RSS x{med['plateau']['rss'] / med['duckdb']['rss']:.2f} |")
        sys.stdout.flush()
    os.rmdir(tmp)


if __name__ == "__main__":
    main()

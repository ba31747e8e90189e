"""Benchmark of the .xlsx reader against openpyxl's read-only mode, on the same files in the same run.

    /usr/bin/python3 bench/sheet/run_bench.py BUILD_DIR [--rows N] [--repeat N] [--skip-openpyxl-big]

Files: $PLATEAU_TESTDATA/xlsx/infer-dtypes-fallback.xlsx (140k rows) and a generated ROWS x 20 workbook (bench/sheet/
gen_big, libxlsxwriter; default 1,000,000 rows, cached in $TMPDIR). For each: our reader (bench_read: streams every
cell), `plateau sheet -o x.csv` (two passes plus the CSV writer) and openpyxl (read_only=True, iter_rows). Reported:
cells, wall and CPU seconds, cells per CPU second, peak RSS: the median of --repeat runs (default 3; the three
readers take turns, so they see the same load). Speed ratios use CPU time, which stays meaningful on a loaded
machine."""
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

build = sys.argv[1] if len(sys.argv) > 1 else "build"
rows = int(sys.argv[sys.argv.index("--rows") + 1]) if "--rows" in sys.argv else 1000000
repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 3
tmp = os.environ.get("TMPDIR", "/tmp")
data = os.environ.get("PLATEAU_TESTDATA", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data"))

OPENPYXL = r'''
import resource, sys, time, warnings, json
warnings.simplefilter("ignore")
import openpyxl
t0 = time.monotonic()
wb = openpyxl.load_workbook(sys.argv[1], read_only=True, data_only=True)
cells = 0
for ws in wb.worksheets:
    for row in ws.iter_rows(values_only=True):
        cells += sum(v is not None for v in row)
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"cells": cells, "seconds": time.monotonic() - t0, "cpu_seconds": ru.ru_utime + ru.ru_stime,
                  "peak_rss": ru.ru_maxrss * 1024}))
'''


def run(cmd):
    """Runs cmd, returns (stdout, wall seconds, cpu seconds, peak RSS bytes) of that child alone."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, ru = os.wait4(p.pid, 0)
    out = p.stdout.read()
    err = p.stderr.read()
    if status:
        raise SystemExit(f"{cmd[0]} failed: {err}")
    return out, time.monotonic() - t0, ru.ru_utime + ru.ru_stime, ru.ru_maxrss * 1024


def report(name, what, cells, wall, cpu, rss):
    print(f"{name:32s} {what:22s} {cells:>10d} cells {wall:8.2f} s wall {cpu:8.2f} s cpu "
          f"{cells / cpu / 1e6:7.2f} M cells/cpu-s  peak RSS {rss / 2**20:6.1f} MiB", flush=True)
    return cells / cpu


big = os.path.join(tmp, f"plateau-bench-{rows}x20.xlsx")
if not os.path.exists(big):
    run([os.path.join(build, "bench", "sheet", "gen_big"), big, str(rows)])
files = [os.path.join(data, "xlsx", "infer-dtypes-fallback.xlsx"), big]


def median_run(runs):
    """(cells, wall, cpu, rss) medians of runs of (cells, wall, cpu, rss)."""
    return runs[0][0], *(statistics.median(r[k] for r in runs) for k in (1, 2, 3))


for f in files:
    name = os.path.basename(f)
    reader, sheet, openpyxl = [], [], []
    skip_openpyxl = "--skip-openpyxl-big" in sys.argv and f == big
    for _ in range(repeat):
        out, wall, cpu, rss = run([os.path.join(build, "bench", "sheet", "bench_read"), f])
        ours = json.loads(out)
        # wait4's ru_maxrss also counts the forked python before exec; the reader reports its own (VmHWM)
        reader.append((ours["cells"], wall, cpu, ours["peak_rss"]))
        csv_out = os.path.join(tempfile.mkdtemp(), "x.csv")
        _, wall, cpu, rss = run([os.path.join(build, "plateau"), "sheet", f, "-o", csv_out])
        sheet.append((ours["cells"], wall, cpu, rss))
        os.unlink(csv_out)
        if not skip_openpyxl:
            out, wall, cpu, rss = run(["/usr/bin/python3", "-c", OPENPYXL, f])
            openpyxl.append((json.loads(out)["cells"], wall, cpu, rss))
    ours_rate = report(name, "plateau reader", *median_run(reader))
    report(name, "plateau sheet -o csv", *median_run(sheet))
    if skip_openpyxl:
        continue
    rate = report(name, "openpyxl read_only", *median_run(openpyxl))
    print(f"{name:32s} speed ratio (cpu, medians of {repeat}) {ours_rate / rate:6.1f}x; same cell count: "
          f"{openpyxl[0][0] == reader[0][0]}", flush=True)

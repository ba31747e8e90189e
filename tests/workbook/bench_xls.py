"""Benchmark (not a test; times are CPU seconds, as the machine is shared): reading every cell of every laser-trim .xls workbook with plateau's xls reader (one
process for all files, median of 5 runs) vs xlrd 2.x (Debian's python3-xlrd) on the same files; peak RSS of each.
Run: PLATEAU_TESTDATA=../shared/data /usr/bin/python3 tests/workbook/bench_xls.py build/tests/workbook/wbdump"""
import glob
import json
import os
import resource
import statistics
import subprocess
import sys
import time


def xlrd_pass(files):
    import xlrd
    cells = 0
    t0 = time.process_time()
    for f in files:
        book = xlrd.open_workbook(f, on_demand=True)
        for i in range(book.nsheets):
            sh = book.sheet_by_index(i)
            for r in range(sh.nrows):
                types, values = sh.row_types(r), sh.row_values(r)
                cells += sum(1 for t in types if t not in (0, 6))
            book.unload_sheet(i)
        book.release_resources()
    return time.process_time() - t0, cells


def main():
    dump = sys.argv[1]
    root = os.environ.get("PLATEAU_TESTDATA", "../shared/data")
    files = sorted(glob.glob(os.path.join(root, "lasertrim", "SystemA", "*.xls")) +
                   glob.glob(os.path.join(root, "lasertrim", "SystemB", "*.xls")))
    mb = sum(os.path.getsize(f) for f in files) / 1e6
    runs = [json.loads(subprocess.run([dump, "--count", *files], capture_output=True, text=True).stdout.splitlines()[-1])
            for _ in range(5)]
    t = statistics.median(r["cpu_seconds"] for r in runs)  # CPU time: the machine is shared
    ours = runs[0]
    c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    for f in files:
        subprocess.run([dump, "--count", f], capture_output=True)
    c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    per_process = (c1.ru_utime + c1.ru_stime) - (c0.ru_utime + c0.ru_stime)
    if "--no-xlrd" not in sys.argv:
        tx, cx = xlrd_pass(files)
        rss_x = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"files {len(files)}, {mb:.1f} MB, {ours['cells']} cells")
    print(f"plateau xls: {t:.3f} s  {len(files) / t:.0f} files/s  {mb / t:.0f} MB/s  {ours['cells'] / t / 1e6:.1f} M cells/s"
          f"  peak RSS {ours['peak_rss'] / 2**20:.1f} MiB  peak charged {ours['peak_charged'] / 2**20:.2f} MiB")
    print(f"plateau xls, one process per file: {per_process:.3f} s  {len(files) / per_process:.0f} files/s")
    if "--no-xlrd" not in sys.argv:
        print(f"xlrd: {tx:.3f} s  {len(files) / tx:.1f} files/s  {mb / tx:.1f} MB/s  {cx} cells  peak RSS {rss_x / 2**20:.0f} MiB")
        print(f"ratio: plateau is {tx / t:.0f}x faster than xlrd")


if __name__ == "__main__":
    main()

"""Benchmark of `plateau trim analyze` on all sample workbooks (run by hand, never by the tests):

    /usr/bin/python3 bench/trim/run.py [build/plateau] [DATA]   (DATA default $PLATEAU_TESTDATA/lasertrim)

Under load the wall time says little: files per CPU second (user + sys of the whole process tree) is the
per-core throughput. Runs with plots and database at -j 1 (files/s per core) and -j 2, then a second run on the same folder (every file
skipped by content hash), and without plots. Reports the median of 3 runs, files/s and peak RSS (largest worker and
the whole process tree, from /usr/bin/time -v and the engine's summary)."""
import glob
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

PLATEAU = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "build", "plateau")
DATA = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.environ.get("PLATEAU_TESTDATA", "../shared/data"), "lasertrim")


def run(args):
    """Wall seconds, CPU seconds (user + sys of the whole process tree), parent peak RSS, worker peak RSS."""
    t0 = time.monotonic()
    c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = subprocess.run(["/usr/bin/time", "-v", PLATEAU, "trim", "analyze", *args], capture_output=True, text=True)
    secs = time.monotonic() - t0
    c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (c1.ru_utime - c0.ru_utime) + (c1.ru_stime - c0.ru_stime)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1)) * 1024
    worker = re.search(r"peak RSS ([\d.]+ \w+) per file", r.stderr)
    return secs, cpu, rss, worker.group(1) if worker else "?", r.returncode, r.stderr


def main():
    files = glob.glob(os.path.join(DATA, "System*", "*.xls"))
    n = len(files)
    print(f"{n} workbooks, {sum(os.path.getsize(f) for f in files) / 1e6:.1f} MB")
    for label, extra in (("plots+db -j 1", ["-j", "1"]), ("plots+db -j 2", ["-j", "2"]), ("no plots -j 1", ["-j", "1", "--no-plots"])):
        times, cpus = [], []
        for _ in range(3):
            out = tempfile.mkdtemp(prefix="plateau-bench-trim-")
            secs, cpu, rss, worker, rc, err = run([DATA, "-o", out, "--format", "csv", *extra])
            if rc != 0:
                print(err[-2000:])
            times.append(secs)
            cpus.append(cpu)
            last_out = out
        med, cmed = statistics.median(times), statistics.median(cpus)
        print(f"{label:16s} {med:6.2f} s wall ({n / med:6.1f} files/s), {cmed:6.2f} CPU s ({n / cmed:6.1f} files per "
              f"CPU second), parent RSS {rss / 2**20:.1f} MiB, worker peak {worker}")
        if extra[-1] != "--no-plots":
            again = [run([DATA, "-o", last_out, "--format", "csv", *extra])[:2] for _ in range(3)]
            print(f"{'  second run':16s} {statistics.median(a[0] for a in again):6.2f} s wall, "
                  f"{statistics.median(a[1] for a in again):6.2f} CPU s (all skipped)")
        shutil.rmtree(last_out, ignore_errors=True)


if __name__ == "__main__":
    main()

"""An ephys campaign on a real single-node Slurm: `ephys run` over a handful of small recordings (NWB and ABF, some
that fail) through a 4-task array + merge gives the bundles and ledger of one run on one machine. Parquet tables are
compared by value with DuckDB and by bytes; every other file by bytes, except what holds a time: the manifests'
"seconds" and the summary PDFs' /CreationDate."""
import json
import os
import re
import sqlite3
import time

from harness import Checks, duck, plateau, testdata
from slurm_campaign import SlurmCluster, require, done_marker, submit

c = Checks("slurm_ephys")
require(c)
RECORDINGS = ["abf/171116sh_0011.abf", "abf/17o05027_ic_ramp.abf", "abf/18807005.abf", "abf/2020_06_16_0001.abf",
              "abf/2018_12_09_pCLAMP11_0001.abf", "nwb/bluepyefe_99111002_cc.nwb", "nwb/mies_1.0.5_vc.nwb"]
inputs = [testdata(p) for p in RECORDINGS]


def tree(root):
    """Relative paths of every file under root, the campaign folder left out."""
    found = []
    for d, dirs, files in os.walk(root):
        dirs[:] = [x for x in dirs if x != ".slurm"]
        found += [os.path.relpath(os.path.join(d, f), root) for f in files]
    return sorted(found)


def without_seconds(v):
    if isinstance(v, dict):
        return {k: without_seconds(x) for k, x in v.items() if k != "seconds"}
    if isinstance(v, list):
        return [without_seconds(x) for x in v]
    return v


def pdf_bytes(path):
    return re.sub(rb"/CreationDate \(D:[0-9Z+'-]*\)", b"", open(path, "rb").read())


def ledger(out):
    db = sqlite3.connect(os.path.join(out, "plateau-ledger.sqlite"))
    rows = db.execute("SELECT label, rel, path, size, mtime_ns, content_hash, status, error_code, error, work_units, "
                      "summary, extra_json, tag FROM files ORDER BY label, rel").fetchall()
    db.close()
    return rows


one = os.path.join(c.tmp, "one")
t = time.monotonic()
r = plateau("ephys", "run", *inputs, "-o", one, "-j", "2")
one_s = time.monotonic() - t
one_failed = sum(1 for row in ledger(one) if row[6] == "failed")
c.true(r.returncode in (0, 1) and one_failed > 0,
       f"the one-machine run completes, {one_failed} recordings failing (no current clamp) ({one_s:.1f} s)")

out = os.path.join(c.tmp, "array")
with SlurmCluster() as cluster:
    t = time.monotonic()
    array, final, sub = submit(cluster, "ephys", "run", *inputs, "-o", out, "--tasks", 4)
    cluster.wait_jobs([array, final], 300)
    array_s = time.monotonic() - t
    states = cluster.job_states(array, final)
    c.eq(states.get(final), "COMPLETED", f"the final job merged: {states}")
    markers = [done_marker(out, i) for i in range(1, 5)]
    c.true(all(markers) and sum(m["files"] for m in markers) == len(inputs),
           f"the four tasks tried all {len(inputs)} recordings between them: {[m and m['files'] for m in markers]}")
    failed = sum(m["failed"] for m in markers if m)
    c.eq(failed, one_failed, "the same number of recordings failed in the tasks")
    for i, m in enumerate(markers, 1):
        if m and m["failed"]:
            c.eq(states.get(f"{array}_{i}"), "FAILED", f"task {i}, with a failed file, ends FAILED (exit 1)")

    # the same command again: every task finds its files in its shard's ledger, and merging again changes nothing
    merged = {f: open(os.path.join(out, f), "rb").read() for f in tree(out) if f != "plateau-ledger.sqlite"}
    array2, final2, _ = submit(cluster, "ephys", "run", *inputs, "-o", out, "--tasks", 4)
    cluster.wait_jobs([array2, final2], 300)
    c.eq(cluster.job_states(final2).get(final2), "COMPLETED", "a resubmission of the finished campaign merges again")
    again = [done_marker(out, i) for i in range(1, 5)]
    c.true(all(m and m["done"] == 0 and m["skipped"] + m["failed"] == m["files"] for m in again),
           f"... its tasks skip every recording their ledger holds as done (failed ones are tried again): {again}")
    c.true({f: open(os.path.join(out, f), "rb").read() for f in tree(out) if f != "plateau-ledger.sqlite"} == merged,
           "... and the merged output is unchanged")

files = tree(one)
c.true(len(files) > 30 and tree(out) == files, f"the merged output holds the same {len(files)} files")
parquets = [f for f in files if f.endswith(".parquet")]
pairs = " UNION ALL ".join(
    f"SELECT '{f}' AS f, (SELECT count(*) FROM (SELECT * FROM '{one}/{f}' EXCEPT ALL SELECT * FROM '{out}/{f}')) "
    f"+ (SELECT count(*) FROM (SELECT * FROM '{out}/{f}' EXCEPT ALL SELECT * FROM '{one}/{f}')) AS differ, "
    f"(SELECT count(*) FROM '{one}/{f}') AS n" for f in parquets)
rows = duck(pairs)
c.true(len(rows) == len(parquets) and all(r["differ"] == 0 for r in rows),
       f"DuckDB reads the same rows from all {len(parquets)} Parquet tables ({sum(r['n'] for r in rows)} rows)")
differ = {"bytes": [], "json": [], "pdf": []}
for f in files:
    a, b = os.path.join(one, f), os.path.join(out, f)
    if f.endswith("manifest.json"):
        if without_seconds(json.load(open(a))) != without_seconds(json.load(open(b))):
            differ["json"].append(f)
    elif f.endswith(".pdf"):
        if pdf_bytes(a) != pdf_bytes(b):
            differ["pdf"].append(f)
    elif f != "plateau-ledger.sqlite" and open(a, "rb").read() != open(b, "rb").read():
        differ["bytes"].append(f)
c.eq(differ["bytes"], [], "every table (Parquet, CSV), plot and sweep_config.json is byte for byte the one run's")
c.eq(differ["json"], [], "the manifests are equal but for the seconds they took")
c.eq(differ["pdf"], [], "the summary PDFs are equal but for their creation date")
c.true(len(ledger(one)) == len(inputs) and ledger(out) == ledger(one),
       "the merged ledger has the one run's rows (timings and peak RSS aside)")
print(f"figures: one machine -j 2 {one_s:.1f} s; 4-task array + merge {array_s:.1f} s (submission to merged)")
c.done()

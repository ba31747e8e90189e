"""trim query and trim report on a results database filled from the sample workbooks (xlrd dump -> trim_json --db):
filters, per-model statistics against numpy on the reference values, and the xlsx/csv/html reports read back
with openpyxl and csv."""
import csv
import glob
import json
import math
import os
import re
import subprocess
import sys

import numpy as np
import openpyxl

from harness import Checks, plateau, testdata

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER = os.path.join(os.environ["PLATEAU_BUILD"], "tests", "trim", "trim_json")


def query(c, db, *args):
    r = plateau("trim", "query", "--db", db, "--format", "json", *args)
    c.eq(r.returncode, 0, f"trim query {' '.join(args)} exits 0")
    return json.loads(r.stdout)


def main():
    c = Checks("trim-query-report")
    root = testdata("lasertrim")
    files = sorted(glob.glob(os.path.join(root, "System*", "*.xls")))
    dump = os.path.join(c.tmp, "dump.jsonl")
    with open(dump, "w") as fh:
        subprocess.run(["/usr/bin/python3", os.path.join(HERE, "dump_xlrd.py"), *files], stdout=fh, check=True)
    db = os.path.join(c.tmp, "trim.db")
    with open(dump) as fin:
        r = subprocess.run([DRIVER, "--db", db], stdin=fin, capture_output=True, text=True)
    c.eq(r.returncode, 0, "results stored")
    ref = [row for row in csv.DictReader(open(os.path.join(root, "reference", "v2_tracks.csv")))
           if not row["status"].startswith("ERROR")]

    rows = query(c, db)
    c.eq(len(rows), len(ref), f"{len(ref)} tracks stored")
    by_status = {}
    for row in rows:
        by_status[row["status"]] = by_status.get(row["status"], 0) + 1
    want = {"PASS": 0, "WARNING": 0, "FAIL": 0, "ERROR": 0}
    for row in ref:
        want["ERROR" if row["sigma"] == "999.999" else row["status"].upper()] += 1
    c.eq(by_status, {k: v for k, v in want.items() if v}, "status counts equal the reference (invalid -> ERROR)")
    invalid = [row for row in rows if row["status"] == "ERROR"]
    c.true(all(row["sigma"] is None and row["invalid_reason"] for row in invalid),
           "invalid tracks carry a reason and no sentinel numbers")

    one = query(c, db, "--model", "2475-10")
    refone = [row for row in ref if row["model"] == "2475-10"]
    c.eq(len(one), 1, "--model selects one track")
    c.near(one[0]["sigma"], float(refone[0]["sigma"]), "--model row has the reference sigma")
    sel = query(c, db, "--status", "fail", "--risk", "high")
    c.true(len(sel) > 0 and all(r["status"] == "FAIL" and r["risk"] == "HIGH" for r in sel),
           f"--status fail --risk high: {len(sel)} tracks, all FAIL/HIGH")
    c.eq(len(query(c, db, "--limit", "5")), 5, "--limit 5")
    c.eq(len(query(c, db, "--serial", "19", "--model", "2475-10")), 1, "--serial with --model")

    def name_date(name):
        m = re.search(r"_(\d{1,2})-(\d{1,2})-(\d{4})_", name)
        return f"{int(m.group(3)):04d}-{int(m.group(1)):02d}-{int(m.group(2)):02d}" if m else None
    in_2025 = [row for row in ref if (name_date(row["file"]) or "") >= "2025-01-01" and
               (name_date(row["file"]) or "") <= "2025-03-31"]
    got = query(c, db, "--since", "2025-01-01", "--until", "2025-03-31")
    c.eq(sorted((r["file"], r["track"]) for r in got), sorted((r["file"], r["track"]) for r in in_2025),
         f"--since/--until select the {len(in_2025)} tracks tested in 2025 Q1")

    stats = query(c, db, "--stats")
    models = {}
    for row in ref:
        models.setdefault(row["model"], []).append(row)
    c.eq(sorted(s["model"] for s in stats), sorted(models), "--stats has one row per model")
    bad = []
    for s in stats:
        rr = models[s["model"]]
        valid = [float(r["sigma"]) for r in rr if r["sigma"] != "999.999"]
        passes = sum(1 for r in rr if r["status"] == "Pass" and r["sigma"] != "999.999")
        if s["tracks"] != len(rr) or s["pass"] != passes:
            bad.append((s["model"], "counts"))
        if valid and not math.isclose(s["sigma_mean"], float(np.mean(valid)), rel_tol=1e-9):
            bad.append((s["model"], "mean"))
        if len(valid) > 1 and not math.isclose(s["sigma_stdev"], float(np.std(valid, ddof=1)), rel_tol=1e-6):
            bad.append((s["model"], "stdev"))
    c.eq(bad, [], "per-model counts, pass rate, sigma mean and stdev equal numpy on the reference")

    xlsx, csvp, html = (os.path.join(c.tmp, f"report.{e}") for e in ("xlsx", "csv", "html"))
    for fmt, path in (("xlsx", xlsx), ("csv", csvp), ("html", html)):
        r = plateau("trim", "report", "--db", db, "-f", fmt, "-o", path)
        c.eq(r.returncode, 0, f"trim report -f {fmt}")
    wb = openpyxl.load_workbook(xlsx)
    c.eq(wb.sheetnames, ["Summary", "Tracks"], "xlsx has a summary sheet and a tracks sheet")
    ws = wb["Tracks"]
    c.eq(ws.max_row - 1, len(ref), "xlsx has one row per track")
    c.eq(ws.freeze_panes, "A2", "xlsx header row is frozen")
    c.true(ws.auto_filter.ref is not None and ws.auto_filter.ref.startswith("A1:"), "xlsx has an autofilter")
    head = [cell.value for cell in ws[1]]
    sig = {(r[0], r[head.index("Track")]): r[head.index("Sigma")] for r in ws.iter_rows(min_row=2, values_only=True)}
    mism = [k for k in ((r["file"], r["track"]) for r in ref if r["sigma"] != "999.999")
            if not math.isclose(sig[k], float(next(x for x in ref if (x["file"], x["track"]) == k)["sigma"]),
                                rel_tol=1e-9)]
    c.eq(mism, [], "xlsx sigma column equals the reference")
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(values_only=True) if r[0]}
    c.eq(summary.get("Tracks"), len(ref), "xlsx summary counts the tracks")
    crows = list(csv.DictReader(open(csvp)))
    c.eq(len(crows), len(ref), "csv report has one row per track")
    text = open(html).read()
    c.eq(text.count("<tr class="), len(ref), "html report has one table row per track")
    c.true("<script>" in text and "localeCompare" in text, "html report has the sorting script")
    r = plateau("trim", "report", "--db", os.path.join(c.tmp, "none.db"), "-f", "csv", "-o", csvp)
    c.true(r.returncode == 1 and "none.db" in r.stderr, "a missing database is a clear error naming it")
    return c.done()


if __name__ == "__main__":
    sys.exit(main())

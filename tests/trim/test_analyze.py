"""plateau trim analyze on the sample workbooks through the real readers: per-track numbers equal v2_tracks.csv
(read back from the SQLite database with Python's sqlite3), every file accounted for, re-runs skip by content
hash, --force re-analyses, the same numbers alone / in the whole batch / with -j 1 and -j 2, and bad inputs
(another kind of workbook, text where numbers belong, empty sheets, a corrupted file) fail clearly without
stopping the batch or corrupting the database."""
import csv
import glob
import os
import shutil
import sqlite3
import sys

import openpyxl

from harness import Checks, close, plateau, testdata

KEYS = ("n", "sigma", "threshold", "sigma_pass", "offset", "lin_err_shifted", "fail_points", "lin_pass", "status")


def tracks(db):
    con = sqlite3.connect(db)
    rows = con.execute("SELECT f.name, t.track, t.n, t.sigma, t.threshold, t.sigma_pass, t.offset, t.lin_err_shifted,"
                       " t.fail_points, t.lin_pass, t.status, t.valid FROM tracks t JOIN files f ON f.id = t.file_id"
                       ).fetchall()
    con.close()
    return {(r[0], r[1]): dict(zip(KEYS + ("valid",), r[2:])) for r in rows}


def compare_reference(c, got, ref_path):
    diffs = []
    for ref in csv.DictReader(open(ref_path)):
        if ref["status"].startswith("ERROR"):
            continue
        g = got.get((ref["file"], ref["track"]))
        if g is None:
            diffs.append(f"{ref['file']} {ref['track']}: missing")
            continue
        if ref["sigma"] == "999.999":
            if g["valid"] != 0 or g["status"] != "ERROR":
                diffs.append(f"{ref['file']}: should be invalid")
            continue
        if g["n"] != int(ref["n"]) or g["fail_points"] != int(ref["fail_points"]):
            diffs.append(f"{ref['file']} {ref['track']}: n/fail_points {g['n']}/{g['fail_points']}")
        if bool(g["sigma_pass"]) != (ref["sigma_pass"] == "True") or bool(g["lin_pass"]) != (ref["lin_pass"] == "True"):
            diffs.append(f"{ref['file']} {ref['track']}: pass flags")
        if g["status"] != ref["status"].upper():
            diffs.append(f"{ref['file']} {ref['track']}: status {g['status']} vs {ref['status']}")
        for k in ("sigma", "threshold", "offset", "lin_err_shifted"):
            if not close(g[k], float(ref[k]), 1e-9, 1e-15):
                diffs.append(f"{ref['file']} {ref['track']}: {k} {g[k]!r} vs {ref[k]}")
    for d in diffs[:20]:
        print("  " + d)
    c.eq(len(diffs), 0, "every track equals v2_tracks.csv (n, fail points, flags, status exact; numbers 1e-9)")


def reader_available(c):
    some = sorted(glob.glob(os.path.join(testdata("lasertrim"), "SystemA", "*.xls")))[0]
    r = plateau("trim", "analyze", some, "-o", os.path.join(c.tmp, "probe"), "--no-plots", "-q")
    return "not supported in this build" not in r.stderr


def main():
    c = Checks("trim-analyze")
    root = testdata("lasertrim")
    ref_path = os.path.join(root, "reference", "v2_tracks.csv")
    if not reader_available(c):
        print("skipped: this build has no .xls reader yet")
        return 77
    data = os.path.join(c.tmp, "data")
    shutil.copytree(os.path.join(root, "SystemA"), os.path.join(data, "SystemA"))
    shutil.copytree(os.path.join(root, "SystemB"), os.path.join(data, "SystemB"))
    n_files = len(glob.glob(os.path.join(data, "*", "*.xls")))

    out = os.path.join(c.tmp, "out")
    r = plateau("trim", "analyze", data, "-o", out, "-j", "2", "--format", "csv", timeout=900)
    c.eq(r.returncode, 0, "analyze of all samples exits 0")
    db = os.path.join(out, "trim.db")
    got = tracks(db)
    compare_reference(c, got, ref_path)
    rows = list(csv.DictReader(r.stdout.splitlines()))
    c.eq(len(rows), len(got), "--format csv prints every track of the batch")
    con = sqlite3.connect(db)
    c.eq(con.execute("PRAGMA journal_mode").fetchone()[0], "wal", "database is in WAL mode")
    c.eq(con.execute("SELECT count(*) FROM files").fetchone()[0], n_files, "one files row per workbook")
    outcomes = dict(con.execute("SELECT outcome, count(*) FROM batch_files WHERE batch_id = 1 GROUP BY outcome"))
    c.eq(outcomes, {"analysed": n_files}, "batch 1 accounts for every file as analysed")
    tmpl = con.execute("SELECT status, note FROM files WHERE name LIKE '8601_%'").fetchone()
    c.eq(tmpl, ("ERROR", "template: no data sheets"), "the template workbook is reported as having no data sheets")
    con.close()
    pngs = glob.glob(os.path.join(out, "plots", "*.png"))
    c.eq(len(pngs), len(got) + 1, "one PNG per track and the summary plot")
    c.true(os.path.getsize(os.path.join(out, "report.html")) > 10000, "report.html written")

    r = plateau("trim", "analyze", data, "-o", out, "-j", "2", "--no-plots", "--format", "json")
    c.eq(r.returncode, 0, "second run exits 0")
    c.true("150 skipped" in r.stderr.replace("skipped  ", "skipped ") or " skipped" in r.stderr, "second run reports skips")
    con = sqlite3.connect(db)
    c.eq(dict(con.execute("SELECT outcome, count(*) FROM batch_files WHERE batch_id = 2 GROUP BY outcome")),
         {"skipped": n_files}, "second run skips every file (same content hash)")
    con.close()
    r = plateau("trim", "analyze", data, "-o", out, "--force", "--no-plots", "-j", "1", "-q")
    c.eq(r.returncode, 0, "--force run exits 0")
    compare_reference(c, tracks(db), ref_path)

    # interrupted run: what was committed stays, a re-run does the rest
    out3 = os.path.join(c.tmp, "interrupted")
    import signal
    import subprocess
    import time
    p = subprocess.Popen([os.environ.get("PLATEAU", "plateau"), "trim", "analyze", data, "-o", out3, "--no-plots",
                          "-j", "1", "-q"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db3 = os.path.join(out3, "trim.db")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.2)
        try:
            con = sqlite3.connect(db3, timeout=10)
            done = con.execute("SELECT count(*) FROM files").fetchone()[0]
            con.close()
        except sqlite3.Error:
            done = 0
        if done >= 5:
            break
    p.send_signal(signal.SIGINT)
    p.wait(timeout=60)
    con = sqlite3.connect(db3)
    first = con.execute("SELECT count(*) FROM files").fetchone()[0]
    c.eq(con.execute("PRAGMA integrity_check").fetchone()[0], "ok", f"interrupted after {first} files: database intact")
    con.close()
    c.true(0 < first < n_files, "the interrupt came mid-batch")
    r = plateau("trim", "analyze", data, "-o", out3, "--no-plots", "-j", "2", "-q")
    c.eq(r.returncode, 0, "the re-run after the interrupt exits 0")
    con = sqlite3.connect(db3)
    last = con.execute("SELECT max(id) FROM batches").fetchone()[0]
    got3 = dict(con.execute("SELECT outcome, count(*) FROM batch_files WHERE batch_id = ? GROUP BY outcome", (last,)))
    con.close()
    # (a worker busy at the interrupt may still commit its file after the count above)
    c.true(first <= got3.get("skipped", 0) <= first + 2, f"the re-run skips what the interrupted run committed: {got3}")
    c.eq(got3.get("skipped", 0) + got3.get("analysed", 0), n_files, "and analyses the rest")
    compare_reference(c, tracks(db3), ref_path)

    # alone vs in the batch
    one = sorted(glob.glob(os.path.join(data, "SystemA", "2475-10*")))[0]
    out1 = os.path.join(c.tmp, "alone")
    plateau("trim", "analyze", one, "-o", out1, "--no-plots", "-q", check=True)
    alone = tracks(os.path.join(out1, "trim.db"))
    c.eq(alone, {k: v for k, v in got.items() if k[0] == os.path.basename(one)}, "same numbers alone and in a batch")

    # the same workbooks as .xlsx (xlrd -> openpyxl): the same numbers through the other reader
    import xlrd
    conv = os.path.join(c.tmp, "xlsx")
    os.makedirs(conv)
    picks = [one, sorted(glob.glob(os.path.join(data, "SystemB", "1844202_10*")))[0]]
    for src in picks:
        book = xlrd.open_workbook(src)
        wbx = openpyxl.Workbook()
        wbx.remove(wbx.active)
        for sh in book.sheets():
            ws = wbx.create_sheet(sh.name)
            for r in range(sh.nrows):
                for col in range(sh.ncols):
                    cell = sh.cell(r, col)
                    if cell.ctype in (xlrd.XL_CELL_NUMBER, xlrd.XL_CELL_TEXT, xlrd.XL_CELL_DATE):
                        ws.cell(row=r + 1, column=col + 1, value=cell.value)
        wbx.save(os.path.join(conv, os.path.basename(src)[:-4] + ".xlsx"))
    outx = os.path.join(c.tmp, "xlsxout")
    r = plateau("trim", "analyze", conv, "-o", outx, "--no-plots", "-q")
    c.eq(r.returncode, 0, "analyze of .xlsx copies exits 0")
    gx = {(k[0][:-5] + ".xls", k[1]): v for k, v in tracks(os.path.join(outx, "trim.db")).items()}
    same = len(gx) == 2 and all(
        all(close(a, got[k][f], 1e-12) if isinstance(a, float) else a == got[k][f] for f, a in v.items())
        for k, v in gx.items())
    c.true(same, f".xlsx copies give the same numbers as the .xls originals (1e-12; text round trip): {gx}")

    # bad inputs in one batch with good ones
    bad = os.path.join(c.tmp, "bad")
    os.makedirs(bad)
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.active["A1"] = "inventory"
    wb.save(os.path.join(bad, "other_kind.xlsx"))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "test"
    wb.create_sheet("Lin Error")
    wb.save(os.path.join(bad, "1234_5_TA_Test Data_1-2-2025_9-00 AM empty.xlsx"))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "SEC1 TRK1 0"
    ws2 = wb.create_sheet("SEC1 TRK1 1 TRM1")
    for sh in (ws, ws2):
        sh.append(["model#", "x", None, "Meas", "Index", "Theory", "Lin Error", "Position", "Upper", "Lower"])
        for i in range(40):
            sh.append([None, None, None, 1.0, i, 1.0, "oops" if i == 7 else 0.001 * i, float(i), 0.05, -0.05])
    wb.save(os.path.join(bad, "4321_9_TEST DATA_1-2-2025_9-00 AM.xlsx"))
    with open(one, "rb") as fh:
        blob = fh.read()
    with open(os.path.join(bad, "truncated_1_TEST DATA_1-2-2025_9-00 AM.xls"), "wb") as fh:
        fh.write(blob[: len(blob) // 3])
    shutil.copy(one, os.path.join(bad, "good.xls"))
    out2 = os.path.join(c.tmp, "badout")
    r = plateau("trim", "analyze", bad, "-o", out2, "--no-plots", "-j", "2")
    c.eq(r.returncode, 1, "a batch with failing files exits 1")
    print(r.stderr)
    c.true("other_kind.xlsx" in r.stderr and "Sheet1" in r.stderr, "another kind of workbook: named, with its sheets")
    c.true("truncated_1" in r.stderr, "corrupted file reported")
    con = sqlite3.connect(os.path.join(out2, "trim.db"))
    c.eq(con.execute("PRAGMA integrity_check").fetchone()[0], "ok", "database stays consistent")
    outcomes = dict(con.execute("SELECT outcome, count(*) FROM batch_files GROUP BY outcome"))
    c.eq(sum(outcomes.values()), 5, f"every file accounted for: {outcomes}")
    reasons = dict(con.execute("SELECT f.name, t.invalid_reason FROM tracks t JOIN files f ON f.id = t.file_id"))
    c.true("non-numeric" in (reasons.get("4321_9_TEST DATA_1-2-2025_9-00 AM.xlsx") or ""),
           "text where a number belongs: the track is invalid with a reason")
    c.true("too few points" in (reasons.get("1234_5_TA_Test Data_1-2-2025_9-00 AM empty.xlsx") or ""),
           "empty sheets: the track is invalid with a reason")
    c.eq(con.execute("SELECT count(*) FROM files WHERE name = 'good.xls'").fetchone()[0], 1, "the good file is stored")
    con.close()
    return c.done()


if __name__ == "__main__":
    sys.exit(main())

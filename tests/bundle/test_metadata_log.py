"""plateau ephys convert/run --metadata LOG: a lab's metadata log matched to recordings.

Logs are generated here with openpyxl (the lab's layout: title rows, header on row 3, recDate as a real date, fileNum
as numbers) and as .xls with the BIFF8 fixture writer of the workbook tests (checked with xlrd); the real
xiubert_ephys_nwb_params.xlsx (header on row 1, a description row, an '.abf file' column) is matched to the xiubert
ABF files, and its rows are compared with openpyxl's reading of the same sheet."""
import datetime
import json
import os
import shutil
import sqlite3
import sys

import openpyxl
import xlrd

from harness import Checks, SRC, plateau, testdata

sys.path.insert(0, os.path.join(SRC, "tests", "workbook"))
import xls_fixtures as fx  # noqa: E402

c = Checks("metadata_log")
ABF = testdata("abf")
XIUBERT_LOG = testdata("xlsx", "xiubert_ephys_nwb_params.xlsx")
NWB = testdata("nwb")


def folder(name, files, src=ABF):
    d = os.path.join(c.tmp, name)
    os.makedirs(d, exist_ok=True)
    for f in files:
        shutil.copy(os.path.join(src, f), os.path.join(d, f))
    return d


def manifest(out, stem):
    with open(os.path.join(out, stem, "manifest.json")) as fh:
        return json.load(fh)


def lines(r, start):
    return [l for l in r.stderr.splitlines() if l.startswith(start)]


# ------------------------------------------------------------------------------------------ the lab's layout
HEADER = ["recDate", "facility", "genotype", "sex", "age_at_recDate", "cellNum", "fileNum", "notes", "patched_at",
          "good", "check"]
ROWS = [  # rows 4.. of the sheet
    [datetime.datetime(2019, 7, 24), "UCLA", "WT", "F", 45, 1, 55, "fast spiking",
     datetime.datetime(2019, 7, 24, 14, 30, 15, 250000), True, "#N/A"],
    ["2018-08-23", "UCLA", "Pvalb-Cre", "M", 61.5, 2, 9, None],  # recDate typed as text
    [datetime.datetime(2020, 6, 16), "UCSD", None, "F", 30, 3, 0, "ok"],
    [datetime.datetime(2021, 1, 1), "UCSD", "WT", "M", 30, 1, 3, "no such recording"],
    [datetime.datetime(2020, 6, 16), "UCSD", "WT", "M", 30, 4, 1, "first entry"],
    [datetime.datetime(2020, 6, 16), "UCSD", "WT", "M", 30, 4, 1, "entered twice"],
]
WANT = {  # what each manifest's metadata_log holds
    "2019_07_24_0055_fsi": (4, {"recDate": "2019-07-24", "facility": "UCLA", "genotype": "WT", "sex": "F",
                                "age_at_recDate": 45, "cellNum": 1, "fileNum": 55, "notes": "fast spiking",
                                "patched_at": "2019-07-24T14:30:15.250", "good": True, "check": "#N/A"}),
    "2018_08_23_0009": (5, {"recDate": "2018-08-23", "facility": "UCLA", "genotype": "Pvalb-Cre", "sex": "M",
                            "age_at_recDate": 61.5, "cellNum": 2, "fileNum": 9}),
    "2020_06_16_0000": (6, {"recDate": "2020-06-16", "facility": "UCSD", "sex": "F", "age_at_recDate": 30,
                            "cellNum": 3, "fileNum": 0, "notes": "ok"}),
}


def lab_log(path, rows=ROWS):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "log"
    ws["A1"] = "Human ephys log"
    ws["A2"] = "one row per cell; do not edit the header"
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    for row in ws.iter_rows(min_row=4):
        for cell in row:
            if isinstance(cell.value, datetime.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm:ss.000" if cell.value.hour else "yyyy-mm-dd"
    c.eq(ws["K4"].data_type, "e", "openpyxl writes '#N/A' as an error cell")
    wb.save(path)
    return path


lab_files = ["2019_07_24_0055_fsi.abf", "2018_08_23_0009.abf", "2020_06_16_0000.abf", "2020_06_16_0001.abf",
             "2015_09_10_0001.abf"]
inp = folder("lab", lab_files)
log = lab_log(os.path.join(c.tmp, "human_ephys_log.xlsx"))
out = os.path.join(c.tmp, "out")
jlog = os.path.join(c.tmp, "run.jsonl")
r = plateau("ephys", "convert", inp, "-o", out, "--no-plots", "-j", "2", "--metadata", log, "--log", jlog)
c.eq(r.returncode, 0, "convert with the lab's log")
with open(jlog) as fh:
    events = [json.loads(l) for l in fh if l.strip()]
c.eq(sorted((os.path.basename(e["path"]), e.get("metadata_log_row")) for e in events if "path" in e),
     [("2015_09_10_0001.abf", None), ("2018_08_23_0009.abf", 5), ("2019_07_24_0055_fsi.abf", 4),
      ("2020_06_16_0000.abf", 6), ("2020_06_16_0001.abf", None)], "the JSON log names each file's row")


def check_matches(out, what, source):
    for stem, (row, fields) in WANT.items():
        m = manifest(out, stem).get("metadata_log")
        if not c.true(m is not None, f"{what}: {stem} has its row"):
            continue
        c.eq(m["source"], source, f"{what}: {stem} source")
        c.eq(m["sheet"], "log", f"{what}: {stem} sheet")
        c.eq(m["row"], row, f"{what}: {stem} row number")
        c.eq(m["fields"], fields, f"{what}: {stem} fields and their types")
        c.true(all(type(m["fields"][k]) is type(v) for k, v in fields.items()), f"{what}: {stem} JSON types")
        c.eq(len(m["sha256"]), 64, f"{what}: {stem} row hash")
    for stem in ("2020_06_16_0001", "2015_09_10_0001"):
        c.true("metadata_log" not in manifest(out, stem), f"{what}: {stem} (ambiguous or unmatched) has no row")


check_matches(out, "xlsx log", log)
warn = lines(r, "plateau ephys convert: warning:")
c.eq(len(warn), 1, "one warning: the file entered twice")
c.true(warn and "2020_06_16_0001.abf" in warn[0] and "rows 8 and 9" in warn[0] and "using neither" in warn[0],
       f"the warning names the file, both rows and that neither is used ({warn})")
c.eq(lines(r, "metadata log "), [f"metadata log {log} (sheet 'log', header row 3, key recDate + fileNum): 3 of 5 recordings "
                                  "matched a row, 1 ambiguous (no row used)"], "end-of-batch match summary")

# A re-run with the same log is skipped; a changed row redoes exactly that bundle.
r = plateau("ephys", "convert", inp, "-o", out, "--no-plots", "--metadata", log)
c.eq(len(lines(r, "skipped ")), 5, "same log: every file skipped")
changed = [list(x) for x in ROWS]
changed[0][3] = "M"
lab_log(log, changed)
r = plateau("ephys", "convert", inp, "-o", out, "--no-plots", "--metadata", log)
done = [l.split()[1] for l in lines(r, "done ")]
c.eq([os.path.basename(p) for p in done], ["2019_07_24_0055_fsi.abf"], "changed log: only the changed row's bundle redone")
c.eq(manifest(out, "2019_07_24_0055_fsi")["metadata_log"]["fields"]["sex"], "M", "the manifest has the changed row")
c.eq(len(lines(r, "skipped ")), 4, "changed log: the other bundles are checked and kept")
lab_log(log)

# The header row given explicitly finds the same rows.
out2 = os.path.join(c.tmp, "out2")
r = plateau("ephys", "convert", inp, "-o", out2, "--no-plots", "--metadata", log, "--metadata-header-row", "3")
c.eq(r.returncode, 0, "--metadata-header-row 3")
check_matches(out2, "header row 3", log)

# ------------------------------------------------------------------------------------------ .xls log (BIFF8)
DATE_XF = 1  # XF 1 uses the built-in date format 14
serial = lambda d: (d - datetime.datetime(1899, 12, 30)).total_seconds() / 86400  # noqa: E731
cells = [fx.label(0, 0, "Human ephys log")]
cells += [fx.label(2, col, h) for col, h in enumerate(HEADER)]
for i, row in enumerate(ROWS[:3]):
    for col, v in enumerate(row):
        if isinstance(v, datetime.datetime):
            cells.append(fx.number(3 + i, col, serial(v), DATE_XF))
        elif isinstance(v, bool):
            cells.append(fx.boolerr(3 + i, col, int(v), False))
        elif v == "#N/A":
            cells.append(fx.boolerr(3 + i, col, 0x2A, True))
        elif isinstance(v, (int, float)):
            cells.append(fx.number(3 + i, col, float(v)))
        elif v is not None:
            cells.append(fx.label(3 + i, col, v))
xls = os.path.join(c.tmp, "human_ephys_log.xls")
with open(xls, "wb") as fh:
    fh.write(fx.cfb([("Workbook", fx.workbook([("log", fx.sheet(*cells), 0)], xf_formats=[0, 14]))]))
bk = xlrd.open_workbook(xls)
c.eq(xlrd.xldate_as_datetime(bk.sheet_by_index(0).cell_value(3, 0), bk.datemode), datetime.datetime(2019, 7, 24),
     "xlrd reads the generated .xls log's date")
out3 = os.path.join(c.tmp, "out3")
r = plateau("ephys", "convert", inp, "-o", out3, "--no-plots", "--metadata", xls)
c.eq(r.returncode, 0, "convert with an .xls log")
check_matches(out3, "xls log", xls)

# ------------------------------------------------------------------------------------------ a file column
xi = folder("xiubert", ["xiubert_25530001.abf", "xiubert_25530002.abf", "xiubert_25531001.abf"])
out4 = os.path.join(c.tmp, "out4")
r = plateau("ephys", "convert", xi, "-o", out4, "--no-plots", "--metadata", XIUBERT_LOG)
c.eq(r.returncode, 0, "convert the xiubert files with their real log")
c.eq(lines(r, "metadata log "), [f"metadata log {XIUBERT_LOG} (sheet 'EXPERIMENT SESSIONS', header row 1, key '.abf file'): 3 of 3 recordings "
                                  "matched a row"], "xiubert: header found on row 1, all matched")
c.eq(manifest(out4, "xiubert_25530001")["metadata_log"]["fields"], {
    "EXPERIMENT ID": 2025053001, ".abf file": "25530001.abf", "stimulus_type": "1Hz_LED_train-ChR stim_ic_1Hz.pro",
    "icephys_experiment_type": "voltage_clamp", "session_description": "Intracellular electrophysiology experiment",
    "subject_id": "subject_ID123", "species": "Mus musculus", "genotype": "Ntsr1-Cre", "sex": "M",
    "date_of_birth": "2025-04-15T00:00:00", "cell_id": "20250530001", "slice_id": "20250530001",
    "targeted_layer": "L2-3(medial)"}, "xiubert_25530001: the row's fields")


def openpyxl_rows(path):
    """{file name: (row, fields)} as openpyxl reads the sheet: the independent reading of the same log."""
    ws = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    got = {}
    for i, row in enumerate(rows[2:], start=3):
        fields = {}
        for h, v in zip(header, row):
            if v is None or v == "":
                continue
            if isinstance(v, datetime.datetime):
                v = v.date().isoformat() if v.time() == datetime.time(0) else v.isoformat()
            elif isinstance(v, float) and v.is_integer():
                v = int(v)
            fields[h] = v
        got[fields[".abf file"]] = (i, fields)
    return got


for name, (row, fields) in openpyxl_rows(XIUBERT_LOG).items():
    m = manifest(out4, "xiubert_" + name[:-4])["metadata_log"]
    c.eq((m["row"], m["fields"]), (row, fields), f"xiubert_{name}: row as openpyxl reads it")

# NWB recordings match by stem too, and `ephys run` takes the option.
nwb_log = os.path.join(c.tmp, "nwb_log.xlsx")
wb = openpyxl.Workbook()
wb.active.append(["NWB file", "slice", "good"])
wb.active.append(["xiubert_2025053101_vc.nwb", 2, True])
wb.save(nwb_log)
nwb_in = folder("nwb", ["xiubert_2025053101_vc.nwb"], NWB)
out5 = os.path.join(c.tmp, "out5")
r = plateau("ephys", "run", nwb_in, "-o", out5, "--no-plots", "--metadata", nwb_log)
c.eq(r.returncode, 0, f"ephys run with a log ({r.stderr[-300:]})")
m = manifest(out5, "xiubert_2025053101_vc")
c.eq(m.get("metadata_log", {}).get("fields"), {"NWB file": "xiubert_2025053101_vc.nwb", "slice": 2, "good": True},
     "NWB recording matched by stem, through ephys run")
c.true("analysis" in m, "ephys run analysed the bundle too")

# ------------------------------------------------------------------------------------------ the matching rules
RULES = {  # recording stem: (the file cell of the row it should match, or None)
    "cellA_2": "cellA_2.abf",  # an equal name wins over a partial one ("cellA")
    "x_cellB_y": None,  # "x_cellB" and "cellB_y" both match partially: ambiguous
    "Mixed_Case": "C:\\data\\mixed_case.ABF",  # folders dropped, letters compared without case
    "a_a": "a",  # the same row found from both ends counts once
    "30010": 30010,  # a name typed as a number
    "prefix_only": None,  # "prefix_onl" is not cut at an underscore: no match
}
rules_log = os.path.join(c.tmp, "rules.xlsx")
wb = openpyxl.Workbook()
wb.active.append(["Filename", "value"])
for name in ["cellA", "cellA_2.abf", "x_cellB", "cellB_y", "C:\\data\\mixed_case.ABF", "a", 30010, "prefix_onl"]:
    wb.active.append([name, f"row for {name}"])
wb.save(rules_log)
rules_in = os.path.join(c.tmp, "rules")
os.makedirs(rules_in)
for stem in RULES:
    shutil.copy(os.path.join(ABF, "2020_06_16_0001.abf"), os.path.join(rules_in, stem + ".abf"))
out6 = os.path.join(c.tmp, "out6")
r = plateau("ephys", "convert", rules_in, "-o", out6, "--no-plots", "--metadata", rules_log)
c.eq(r.returncode, 0, "convert the matching-rules folder")
for stem, want in RULES.items():
    m = manifest(out6, stem).get("metadata_log")
    c.eq(m and m["fields"]["Filename"], want, f"rule: {stem} matches {want!r}")
warn = lines(r, "plateau ephys convert: warning:")
c.true(len(warn) == 1 and "x_cellB_y.abf: rows 4 and 5" in warn[0], f"rule: two partial matches warned about ({warn})")

# ------------------------------------------------------------------------------------------ older ledgers
OLD_SCHEMA = ("CREATE TABLE files(label TEXT NOT NULL, rel TEXT NOT NULL, path TEXT, size INTEGER, mtime_ns INTEGER,"
              " content_hash TEXT, status TEXT NOT NULL, error_code TEXT, error TEXT, seconds REAL, peak_rss INTEGER,"
              " work_units INTEGER, summary TEXT, extra_json TEXT, updated TEXT, PRIMARY KEY (label, rel))")
old = os.path.join(c.tmp, "old")
os.makedirs(old)
db = sqlite3.connect(os.path.join(old, "plateau-ledger.sqlite"))
db.execute(OLD_SCHEMA)
db.execute("INSERT INTO files VALUES('convert','gone.abf','gone.abf',1,1,'','done',NULL,NULL,0,0,0,'','','2020')")
db.commit()
db.close()
merged = os.path.join(c.tmp, "merged")
r = plateau("merge", "-o", merged, old)
c.eq(r.returncode, 0, f"a ledger without the tag column merges ({r.stderr.strip()})")
db = sqlite3.connect(os.path.join(merged, "plateau-ledger.sqlite"))
c.eq(db.execute("SELECT rel, status, tag FROM files").fetchall(), [("gone.abf", "done", None)], "its row is copied")
db.close()
r = plateau("ephys", "convert", xi, "-o", old, "--no-plots", "--metadata", XIUBERT_LOG)
c.eq(r.returncode, 0, "convert into a folder with an older ledger")
db = sqlite3.connect(os.path.join(old, "plateau-ledger.sqlite"))
tags = db.execute("SELECT DISTINCT length(tag) FROM files WHERE rel LIKE 'xiubert%'").fetchall()
db.close()
c.eq(tags, [(64,)], "the older ledger gained the tag column, holding the log's hash")

# ------------------------------------------------------------------------------------------ a log on another sheet
two = os.path.join(c.tmp, "two_sheets.xlsx")
wb = openpyxl.Workbook()
wb.active.title = "README"
wb.active.append(["This workbook keeps the cells of the lab, one row per recording."])
ws = wb.create_sheet("cells")
ws.append(["file", "slice"])
ws.append(["25531001.abf", 7])
wb.save(two)
for sheet in ("cells", "1"):
    out7 = os.path.join(c.tmp, "out7_" + sheet)
    r = plateau("ephys", "convert", xi, "-o", out7, "--no-plots", "--metadata", two, "--metadata-sheet", sheet)
    m = manifest(out7, "xiubert_25531001").get("metadata_log", {})
    c.eq((m.get("sheet"), m.get("row"), m.get("fields")), ("cells", 2, {"file": "25531001.abf", "slice": 7}),
         f"--metadata-sheet {sheet}: the row of the second sheet")
    c.true("metadata_log" not in manifest(out7, "xiubert_25530001"), f"--metadata-sheet {sheet}: others unmatched")

# ------------------------------------------------------------------------------------------ bad logs
text = os.path.join(c.tmp, "notes.txt")
with open(text, "w") as fh:
    fh.write("recDate,fileNum\n")
nokey = os.path.join(c.tmp, "nokey.xlsx")
wb = openpyxl.Workbook()
wb.active.append(["date", "cell"])
wb.active.append([1, 2])
wb.save(nokey)
for what, args, code, msg in [
    ("missing log", ["--metadata", os.path.join(c.tmp, "none.xlsx")], 1, "cannot open the metadata log"),
    ("not a workbook", ["--metadata", text], 1, "not an .xlsx or .xls workbook"),
    ("no key column", ["--metadata", nokey], 1, "sheet 'Sheet' has no header naming a key column in rows 1-10"),
    ("header row without a key", ["--metadata", log, "--metadata-header-row", "1"], 1, "sheet 'log' row 1 names no key column"),
    ("header row beyond the sheet", ["--metadata", log, "--metadata-header-row", "500"], 1, "sheet 'log' has no header in row 500"),
    ("header row 0", ["--metadata", log, "--metadata-header-row", "0"], 2, "--metadata-header-row takes"),
    ("header row without a log", ["--metadata-header-row", "3"], 2, "needs --metadata LOG"),
    ("sheet without a log", ["--metadata-sheet", "log"], 2, "--metadata-sheet needs --metadata LOG"),
    ("first sheet without a key", ["--metadata", two], 1, "sheet 'README' has no header naming a key column"),
    ("no such sheet", ["--metadata", two, "--metadata-sheet", "nope"], 1, "metadata log has no sheet 'nope' (it has 2;"),
]:
    bad_out = os.path.join(c.tmp, "bad")
    r = plateau("ephys", "convert", inp, "-o", bad_out, *args)
    err = r.stderr.strip().splitlines()
    c.eq(r.returncode, code, f"{what}: exit status")
    c.true(len(err) == 1 and msg in err[0], f"{what}: one line saying so ({err})")
    c.true(not os.path.exists(bad_out), f"{what}: nothing converted")

c.done()

"""Every sheet of every .xlsx under $PLATEAU_TESTDATA/xlsx (and calamine/) read by our streaming reader (wbdump) must
match openpyxl (load_workbook(data_only=True), read_only=False so it ignores <dimension>) cell by cell: the same
values and types, numbers exactly, dates the same instant (openpyxl rounds to the millisecond).

Deliberate difference: we decode OOXML's _xHHHH_ escapes in strings (Excel shows "_x000D_" as a carriage return);
openpyxl leaves them, so its strings are decoded the same way before comparing."""
import datetime
import glob
import json
import os
import re
import subprocess
import sys
import warnings

from harness import Checks, testdata

import openpyxl

warnings.simplefilter("ignore")
c = Checks("workbook-openpyxl")
WBDUMP = os.path.join(os.environ.get("PLATEAU_BUILD", "build"), "tests", "workbook", "wbdump")
ESC = re.compile(r"_x([0-9A-Fa-f]{4})_")
UNIX = datetime.datetime(1970, 1, 1)


def unescape(s):
    def one(m):
        cp = int(m.group(1), 16)
        return "\ufffd" if cp == 0 or 0xD800 <= cp <= 0xDFFF else chr(cp)
    return ESC.sub(one, s)


def ours(path):
    r = subprocess.run([WBDUMP, path], capture_output=True, text=True, timeout=300)
    sheets, cells, errors = {}, {}, {}
    for line in r.stdout.splitlines():
        o = json.loads(line)
        if "sheets" in o:
            sheets = dict(enumerate(o["sheets"]))
            cells = {i: {} for i in sheets}
        elif "s" not in o:
            if "error" in o:  # the workbook cannot be opened
                return None, o["error"]
            continue
        elif "error" in o:
            errors[o["s"]] = o["error"]
        elif "r" in o:
            cells[o["s"]][(o["r"] + 1, o["c"] + 1)] = o  # a later duplicate wins, as in openpyxl
    return {sheets[i]: (cells[i], errors.get(i)) for i in sheets}, None


def same(theirs, mine):
    """(ok, why) for one openpyxl value against one of our cells."""
    t, v = mine["t"], mine["v"]
    if isinstance(theirs, bool):
        return t == "b" and v == theirs, "bool"
    if isinstance(theirs, (int, float)):
        return t == "n" and float(theirs) == v, "number"
    if isinstance(theirs, datetime.datetime):
        us = (theirs.replace(tzinfo=None) - UNIX) // datetime.timedelta(microseconds=1)
        return t == "d" and abs(us - mine["us"]) <= 1000, "datetime"
    if isinstance(theirs, datetime.date):
        us = (datetime.datetime.combine(theirs, datetime.time()) - UNIX) // datetime.timedelta(microseconds=1)
        return t == "d" and abs(us - mine["us"]) <= 1000, "date"
    if isinstance(theirs, datetime.time):
        secs = theirs.hour * 3600 + theirs.minute * 60 + theirs.second + theirs.microsecond / 1e6
        return t == "d" and abs((v % 1) * 86400 - secs) <= 1e-3 and v < 1, "time"
    if isinstance(theirs, datetime.timedelta):
        return t == "d" and abs(v * 86400 - theirs.total_seconds()) <= 1e-3, "timedelta"
    if isinstance(theirs, str):
        return t in ("s", "e") and v == unescape(theirs), "text"
    return False, f"unknown type {type(theirs).__name__}"


def compare(path, name):
    try:
        wb = openpyxl.load_workbook(path, data_only=True, read_only=False)
    except Exception as e:  # noqa: BLE001 - any failure is a reason to list
        mine, err = ours(path)
        print(f"note {name}: openpyxl cannot open it ({type(e).__name__}: {str(e)[:100]})")
        c.true(mine is not None or (err and "\n" not in err), f"{name}: we give data or one clear line ({err})")
        return
    mine, err = ours(path)
    if not c.true(mine is not None, f"{name}: opens ({err})"):
        return
    if not wb.worksheets and any(cells for cells, _ in mine.values()):
        print(f"note {name}: openpyxl lists no worksheets (it drops strict OOXML sheets); we read {len(mine)}")
    for ws in wb.worksheets:
        if not c.true(ws.title in mine, f"{name}/{ws.title}: sheet listed"):
            continue
        cells, sheet_err = mine[ws.title]
        if not c.true(sheet_err is None, f"{name}/{ws.title}: reads ({sheet_err})"):
            continue
        theirs = {k: cell.value for k, cell in ws._cells.items() if cell.value is not None}
        bad = []
        for k, val in theirs.items():
            m = cells.get(k)
            if m is None:
                bad.append(f"{k}: missing, openpyxl has {val!r}")
                continue
            ok, why = same(val, m)
            if not ok:
                bad.append(f"{k}: {why}: ours {m['t']}:{m['v']!r} openpyxl {val!r}")
        extra = [k for k in cells if k not in theirs]
        for k in extra[:5]:
            bad.append(f"{k}: extra cell {cells[k]['t']}:{cells[k]['v']!r}")
        c.true(not bad, f"{name}/{ws.title}: {len(theirs)} cells match" +
               ("" if not bad else f" -- {len(bad)} differ, e.g. " + "; ".join(bad[:3])))


files = sorted(glob.glob(testdata("xlsx", "*.xlsx")) + glob.glob(testdata("xlsx", "calamine", "*.xlsx")))
c.true(len(files) > 50, f"{len(files)} workbooks found")
for f in files:
    compare(f, os.path.relpath(f, testdata("xlsx")))
c.done()

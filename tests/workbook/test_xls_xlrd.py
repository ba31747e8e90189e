"""Every sheet of every laser-trim .xls workbook, read by plateau's xls reader (wbdump), matches xlrd cell by cell:
same sheet names, same cells, same types (number, date, text, boolean, error) and exactly the same numbers."""
import glob
import json
import os
import subprocess
import sys

import xlrd
from xlrd.biffh import error_text_from_code

from harness import Checks, testdata

DUMP = os.path.join(os.environ.get("PLATEAU_BUILD", "build"), "tests", "workbook", "wbdump")
ERRORS = dict(error_text_from_code)
ERRORS[0x2B] = "#GETTING_DATA"
TAG = {xlrd.XL_CELL_TEXT: "s", xlrd.XL_CELL_NUMBER: "n", xlrd.XL_CELL_DATE: "d", xlrd.XL_CELL_BOOLEAN: "b",
       xlrd.XL_CELL_ERROR: "e"}


def xlrd_cells(path):
    book = xlrd.open_workbook(path, on_demand=True)
    names = book.sheet_names()
    cells = {}
    for si in range(book.nsheets):
        sh = book.sheet_by_index(si)
        for r in range(sh.nrows):
            for c, (t, v) in enumerate(zip(sh.row_types(r), sh.row_values(r))):
                if t in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    continue
                if t == xlrd.XL_CELL_ERROR:
                    v = ERRORS.get(v, "#ERR")
                elif t == xlrd.XL_CELL_BOOLEAN:
                    v = float(v)
                elif t == xlrd.XL_CELL_DATE and book.datemode == 1:
                    v = v + 1462.0
                cells[(si, r, c)] = (TAG[t], v)
        book.unload_sheet(si)
    return names, bool(book.datemode), cells


def ours(path):
    out = subprocess.run([DUMP, path], capture_output=True, text=True, timeout=120)
    lines = [json.loads(l) for l in out.stdout.splitlines()]
    errors = [d["error"] for d in lines if "error" in d]
    if out.returncode != 0 or not lines or errors:
        return None, None, errors[0] if errors else out.stderr
    head, cells = lines[0], {}
    lines = [d for d in lines if "r" in d]
    keys = [(d["s"], d["r"], d["c"]) for d in lines]
    if any(a >= b for a, b in zip(keys, keys[1:])):
        return None, None, "rows not in increasing order, or cells of a row not in increasing column order"
    for d in lines:
        v = d["v"]
        if d["t"] in ("n", "d", "b"):
            v = float(v)
        cells[(d["s"], d["r"], d["c"])] = (d["t"], v)
    return head, cells, None


def main():
    ck = Checks("xls_xlrd")
    files = sorted(glob.glob(testdata("lasertrim", "SystemA", "*.xls")) + glob.glob(testdata("lasertrim", "SystemB", "*.xls")))
    ck.true(len(files) >= 100, f"{len(files)} laser-trim workbooks found")
    total = 0
    unreadable = []
    for path in files:
        name = os.path.basename(path)
        try:
            want_names, want_1904, want = xlrd_cells(path)
        except Exception as e:  # xlrd cannot read it: list it with the reason
            unreadable.append((name, repr(e)))
            continue
        head, got, error = ours(path)
        if not ck.true(error is None, f"{name}: read ({error})"):
            continue
        ck.eq(head["sheets"], want_names, f"{name}: sheet names")
        ck.eq(head["date1904"], want_1904, f"{name}: date system")
        missing = [k for k in want if k not in got]
        extra = [k for k in got if k not in want]
        wrong = [(k, got[k], want[k]) for k in want if k in got and got[k] != want[k]]
        total += len(want)
        ck.true(not missing and not extra and not wrong,
                f"{name}: {len(want)} cells match xlrd" if not (missing or extra or wrong) else
                f"{name}: {len(missing)} missing {missing[:3]}, {len(extra)} extra {extra[:3]}, {len(wrong)} differ {wrong[:3]}")
    for name, why in unreadable:
        print(f"note xlrd cannot read {name}: {why}")
    print(f"{total} cells compared over {len(files) - len(unreadable)} workbooks")
    ck.done()


if __name__ == "__main__":
    main()

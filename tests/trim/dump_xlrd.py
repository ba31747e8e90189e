"""Test helper: dumps the sheets of laser-trim workbooks that a track may come from, with xlrd, as one JSON object
per line (sheet names, typed cells of columns A-L per row, named cells), so the C analysis can be checked against
the reference independently of plateau's own .xls reader.

usage: /usr/bin/python3 dump_xlrd.py FILE...  > dump.jsonl"""
import json
import os
import sys

import xlrd

NAMED = ["B1", "B2", "B6", "B10", "B26", "R1", "K1"]
TYPES = {xlrd.XL_CELL_NUMBER: "n", xlrd.XL_CELL_TEXT: "s", xlrd.XL_CELL_BOOLEAN: "b", xlrd.XL_CELL_ERROR: "e",
         xlrd.XL_CELL_DATE: "d"}


def cell_json(c):
    t = TYPES.get(c.ctype)
    if t is None:
        return None
    v = c.value
    if t == "e":
        v = xlrd.error_text_from_code.get(v, "#ERR")
    return [t, v]


def ref_rc(ref):
    col = ord(ref[0]) - 65
    return int(ref[1:]) - 1, col


def wanted(name):
    return any(k in name for k in ("TRK", "SEC")) or name in ("test", "Lin Error")


def dump(path):
    out = {"path": path, "sheets": [], "data": {}}
    try:
        wb = xlrd.open_workbook(path, on_demand=True)
    except Exception as ex:  # noqa: BLE001 - reported to the driver as a failed file
        out["error"] = str(ex)
        return out
    out["sheets"] = wb.sheet_names()
    for name in out["sheets"]:
        if not wanted(name):
            continue
        s = wb.sheet_by_name(name)
        rows = []
        for r in range(s.nrows):
            cells = []
            for c in range(min(12, s.ncols)):
                j = cell_json(s.cell(r, c))
                if j is not None:
                    cells.append([c] + j)
            if cells:
                rows.append([r, cells])
        cells = {}
        for ref in NAMED:
            r, c = ref_rc(ref)
            if r < s.nrows and c < s.ncols:
                j = cell_json(s.cell(r, c))
                if j is not None:
                    cells[ref] = j
        out["data"][name] = {"rows": rows, "cells": cells}
    return out


if __name__ == "__main__":
    for p in sys.argv[1:]:
        print(json.dumps(dump(p)))

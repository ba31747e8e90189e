"""plateau sheet: a sheet to Parquet/CSV. Values are checked cell by cell against openpyxl, the Parquet file is read
back with DuckDB (node), types are inferred per column, options select rows and columns, errors are one line."""
import csv
import datetime
import os
import warnings

from harness import Checks, node_json, plateau, testdata
import xlsxgen

import openpyxl

warnings.simplefilter("ignore")
c = Checks("workbook-sheet")
UNIX = datetime.datetime(1970, 1, 1)
MIB = 1 << 20


def parquet(path):
    """DuckDB's reading of the file (tests/oracles/parquet_dump.mjs): column names and types, and rows."""
    d = node_json("parquet_dump.mjs", path)["duckdb"]
    names = [col["name"] for col in d["columns"]]
    rows = [list(r) for r in zip(*[d["values"][n] for n in names])]
    return {"columns": [[col["name"], col["type"]] for col in d["columns"]], "rows": rows}


def as_us(v):
    if isinstance(v, datetime.datetime):
        return (v - UNIX) // datetime.timedelta(microseconds=1)
    if isinstance(v, datetime.time):  # a time-only cell is that time on 1899-12-30
        return as_us(datetime.datetime.combine(datetime.date(1899, 12, 30), v))
    return None


r = plateau("sheet", "--help")
c.eq(r.returncode, 0, "--help exits 0")

# A real sheet, every value against openpyxl.
src = testdata("xlsx", "AirQualityUCI.xlsx")
out = os.path.join(c.tmp, "aq.parquet")
r = plateau("sheet", src, "-o", out, "-v")
if c.eq(r.returncode, 0, f"AirQualityUCI to Parquet ({r.stderr.strip()[-200:]})"):
    got = parquet(out)
    ws = openpyxl.load_workbook(src, data_only=True).worksheets[0]
    want = list(ws.iter_rows(values_only=True))
    header, body = want[0], [row for row in want[1:] if any(v is not None for v in row)]
    c.eq([n for n, _ in got["columns"]], list(header), "column names from the header row")
    c.eq([t for _, t in got["columns"]][:3], ["TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITH TIME ZONE", "DOUBLE"],
         "dates and times as timestamps, numbers as doubles")
    c.eq(len(got["rows"]), len(body), "row count")
    bad = 0
    for g, w in zip(got["rows"], body):
        for k, (gv, wv) in enumerate(zip(g, w)):
            if k < 2:
                ok = int(gv) == as_us(wv)
            else:
                ok = float(gv) == float(wv)
            bad += not ok
    c.eq(bad, 0, f"all {len(body) * len(header)} values equal openpyxl's")
    peak = [line for line in r.stderr.splitlines() if "peak RSS" in line]
    c.true(peak, f"-v reports memory: {peak}")

# Typed columns from a generated sheet: mixed -> text, bools, dates, an empty column, duplicate and empty names,
# a blank row inside the data.
body = ('<row r="1"><c r="A1" t="inlineStr"><is><t>n</t></is></c><c r="B1" t="inlineStr"><is><t>mix</t></is></c>'
        '<c r="C1" t="inlineStr"><is><t>n</t></is></c><c r="E1" t="inlineStr"><is><t>when</t></is></c>'
        '<c r="F1" t="inlineStr"><is><t>flag</t></is></c></row>'
        '<row r="2"><c r="A2"><v>1.5</v></c><c r="B2"><v>0.1</v></c><c r="C2" t="b"><v>1</v></c>'
        '<c r="E2" s="1"><v>45000</v></c><c r="F2" t="b"><v>0</v></c></row>'
        '<row r="4"><c r="A4"><v>-2</v></c><c r="B4" t="inlineStr"><is><t>x,"y"</t></is></c><c r="C4" t="b"><v>0</v></c>'
        '<c r="E4" s="2"><v>45000.25</v></c><c r="F4" t="b"><v>1</v></c></row>'
        '<row r="5"><c r="B5" t="b"><v>1</v></c><c r="E5" s="1"><v>45001</v></c></row>')
gen = os.path.join(c.tmp, "typed.xlsx")
xlsxgen.write(gen, [xlsxgen.sheet_xml(body), xlsxgen.sheet_xml('<row><c><v>7</v></c></row>')])
out = os.path.join(c.tmp, "typed.parquet")
r = plateau("sheet", gen, "-o", out)
if c.eq(r.returncode, 0, f"typed sheet to Parquet ({r.stderr.strip()})"):
    got = parquet(out)
    c.eq(got["columns"], [["n", "DOUBLE"], ["mix", "VARCHAR"], ["n_2", "BOOLEAN"], ["D", "VARCHAR"],
                          ["when", "TIMESTAMP WITH TIME ZONE"], ["flag", "BOOLEAN"]],
         "types inferred; duplicate name deduplicated; empty name is the column letter")
    d45000 = (datetime.datetime(2023, 3, 15) - UNIX) // datetime.timedelta(microseconds=1)
    c.eq(got["rows"], [[1.5, "0.1", True, None, str(d45000), False],
                       [None, None, None, None, None, None],
                       [-2, 'x,"y"', False, None, str(d45000 + 6 * 3600 * 10**6), True],
                       [None, "TRUE", None, None, str(d45000 + 86400 * 10**6), None]],
         "values, the blank row kept as nulls, numbers in a text column written to round-trip")
out = os.path.join(c.tmp, "typed.csv")
r = plateau("sheet", gen, "-o", out, "--columns", "A,E:F", "--header", "none", "--skip", "1", "--max-rows", "3")
if c.eq(r.returncode, 0, f"options to CSV ({r.stderr.strip()})"):
    rows = list(csv.reader(open(out, newline="")))
    c.eq(rows[0], ["A", "E", "F"], "--header none: names are the column letters")
    c.eq(len(rows), 4, "--max-rows 3 (the blank row counts as a row)")
    c.eq(rows[2], ["", "", ""], "the blank row is all nulls")
    c.eq(rows[3][0], "-2", "the third row")
    c.eq(rows[1][0], "1.5", "--skip 1 starts at the second row")
out = os.path.join(c.tmp, "h.csv")
r = plateau("sheet", gen, "-o", out, "--header", "2", "--sheet", "0")
if c.eq(r.returncode, 0, "--header 2"):
    rows = list(csv.reader(open(out, newline="")))
    c.eq(rows[0][:2], ["1.5", "0.1"], "--header 2: names from row 2")
out = os.path.join(c.tmp, "s2.csv")
r = plateau("sheet", gen, "-o", out, "--sheet", "Data")
if c.eq(r.returncode, 0, "--sheet by name"):
    c.eq(list(csv.reader(open(out, newline=""))), [["7"]], "second sheet: a header and no rows")

# Errors: one line, exit 1 for the file, 2 for usage.
r = plateau("sheet", gen, "-o", os.path.join(c.tmp, "x.csv"), "--sheet", "Nope")
c.eq((r.returncode, len(r.stderr.strip().splitlines())), (1, 1), "unknown sheet: exit 1, one line")
c.true("Nope" in r.stderr, "unknown sheet is named")
r = plateau("sheet", gen, "-o", os.path.join(c.tmp, "x.txt"))
c.eq(r.returncode, 2, "an output that is neither .parquet nor .csv is a usage error")
r = plateau("sheet", gen, "-o", os.path.join(c.tmp, "x.csv"), "--columns", "A:!")
c.eq(r.returncode, 2, "a bad --columns is a usage error")
r = plateau("sheet", os.path.join(c.tmp, "missing.xlsx"), "-o", os.path.join(c.tmp, "x.csv"))
c.eq((r.returncode, len(r.stderr.strip().splitlines())), (1, 1), "missing input: exit 1, one line")
c.true(not os.path.exists(os.path.join(c.tmp, "x.csv")), "nothing written on failure")

# The 140k-row workbook in little memory.
src = testdata("xlsx", "infer-dtypes-fallback.xlsx")
out = os.path.join(c.tmp, "big.csv")
r = plateau("sheet", src, "-o", out, "-v")
if c.eq(r.returncode, 0, f"infer-dtypes-fallback to CSV ({r.stderr.strip()[-200:]})"):
    rows = sum(1 for _ in open(out))
    c.true(rows > 140000, f"{rows} lines written")
    rss = [line for line in r.stderr.splitlines() if "peak RSS" in line]
    mib = float(rss[0].split("peak RSS ")[1].split(" MiB")[0]) if rss and "MiB" in rss[0] else 0
    c.true(0 < mib < 64, f"peak RSS {mib} MiB < 64 MiB")
c.done()

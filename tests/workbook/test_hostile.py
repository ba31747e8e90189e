"""Hostile and broken workbooks: bounded memory on a lying <dimension>, a 100:1 compression ratio and a million shared
strings; zip bombs refused with a clear message; broken packages give one clear line, never a crash or a hang."""
import json
import os
import subprocess
import zipfile

from harness import Checks
import xlsxgen

c = Checks("workbook-hostile")
WBDUMP = os.path.join(os.environ.get("PLATEAU_BUILD", "build"), "tests", "workbook", "wbdump")
MIB = 1 << 20


def dump(path, *args):
    r = subprocess.run([WBDUMP, path, *args], capture_output=True, text=True, timeout=120)
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    return r, lines


def tmp(name):
    return os.path.join(c.tmp, name)


# A <dimension> claiming the whole grid, with three cells: we read three cells in little memory.
p = tmp("dimension.xlsx")
xlsxgen.write(p, [xlsxgen.sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576">'
                                    '<v>2.5</v></c><c r="B1048576" t="inlineStr"><is><t>z</t></is></c></row>',
                                    dimension="A1:XFD1048576")])
r, lines = dump(p)
cells = [(o["r"], o["c"], o["v"]) for o in lines if "r" in o]
c.eq(cells, [(0, 0, 1), (1048575, 1, "z"), (1048575, 16383, 2.5)], "bogus dimension: the real cells, ordered")
ext = [o for o in lines if "extent" in o][0]["extent"]
c.eq(ext, [1048576, 16384], "bogus dimension: real extent")
rss = lines[-1]["peak_rss"]
c.true(rss < 64 * MIB, f"bogus dimension: peak RSS {rss / MIB:.1f} MiB < 64 MiB")
r = subprocess.run([WBDUMP, p, "--describe"], capture_output=True, text=True, timeout=60)
d = json.loads(r.stdout)
s0 = d["sheets"][0]
c.eq((d["format"], s0["name"], s0["rows"], s0["columns"]), ("xlsx", "Sheet1", 1048576, 16384), "describe: real extent")
c.eq(s0["cells"], {"number": 2, "text": 1, "bool": 0, "error": 0, "date": 0}, "describe: cell counts")
c.true(0 < s0["memory_bytes"] < 4 * MIB, f"describe: memory {s0['memory_bytes']} bytes")


# A sheet whose XML inflates about 100:1 (rows differ only in their number), 200 MB of XML.
def ratio_rows(n):
    row = "".join(f'<c t="n"><v>{k}</v></c>' for k in range(40))
    for i in range(0, n, 1000):
        yield "".join(f'<row r="{j + 1}">{row}<c><v>{j}</v></c></row>' for j in range(i, min(n, i + 1000)))


def chunks(head, body, tail):
    yield head
    yield from body
    yield tail


head = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{xlsxgen.NS}"><sheetData>'
p = tmp("ratio.xlsx")
N = 100000
xlsxgen.write(p, [chunks(head, ratio_rows(N), "</sheetData></worksheet>")])
with zipfile.ZipFile(p) as z:
    info = z.getinfo("xl/worksheets/sheet1.xml")
    ratio = info.file_size / info.compress_size
c.true(80 <= ratio < 1000, f"ratio sheet inflates {ratio:.0f}:1 ({info.file_size / MIB:.0f} MiB)")
r, lines = dump(p, "--count")
summary = [o for o in lines if "cells" in o and "s" in o]
c.eq(summary and summary[0]["cells"], N * 41, "ratio sheet: every cell read")
rss = lines[-1]["peak_rss"] if lines and "peak_rss" in lines[-1] else 1 << 40
c.true(rss < 64 * MIB, f"ratio sheet: peak RSS {rss / MIB:.1f} MiB < 64 MiB")

# A zip bomb: identical rows compress several hundred to one; refused while inflating by the ratio limit and by the
# inflated-size limit (both configurable through pl_workbook_limits).
p = tmp("bomb.xlsx")
same = '<row><c><v>0</v></c></row>' * 1000
xlsxgen.write(p, [chunks(head, (same for _ in range(4000)), "</sheetData></worksheet>")])
for args, what in ((["--max-ratio", "50"], "inflates more than 50:1"), (["--max-inflated", str(8 * MIB)], "past the limit")):
    r, lines = dump(p, "--count", *args)
    errs = [o["error"] for o in lines if "error" in o]
    c.true(errs and "zip bomb" in errs[0] and what in errs[0], f"zip bomb refused ({args[0]}): {errs[:1]}")
    c.true(lines[-1].get("peak_rss", 1 << 40) < 64 * MIB, f"zip bomb ({args[0]}): memory stays small")

# A million shared strings, each used once: the table spills to disk and memory stays bounded.
M = 1000000
sst_head = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{xlsxgen.NS}">'
sst = chunks(sst_head, ("".join(f"<si><t>string number {j} of many</t></si>" for j in range(i, i + 10000))
                        for i in range(0, M, 10000)), "</sst>")
rows = ("".join(f'<row><c t="s"><v>{M - 1 - j}</v></c></row>' for j in range(i, i + 10000)) for i in range(0, M, 10000))
p = tmp("strings.xlsx")
xlsxgen.write(p, [chunks(head, rows, "</sheetData></worksheet>")], sst=sst)
r, lines = dump(p, "--count")
c.eq([o.get("cells") for o in lines if "cells" in o and "s" in o], [M], "a million shared strings: every cell read")
rss = lines[-1].get("peak_rss", 1 << 40) if lines else 1 << 40
c.true(rss < 64 * MIB, f"a million shared strings: peak RSS {rss / MIB:.1f} MiB < 64 MiB")
r, lines = dump(p, "--cells", f"A1,A123457,A{M}")
vals = [o["v"] for o in lines if "ref" in o]
c.eq(vals, [f"string number {M - 1} of many", f"string number {M - 1 - 123456} of many", "string number 0 of many"],
     "spilled strings come back right (named cells captured with cells_only)")

# The same real workbook read with strings in memory and spilled after 1 byte: identical cells.
for real in [os.path.join(os.environ.get("PLATEAU_TESTDATA", ""), "xlsx", f)
             for f in ("xiubert_ephys_nwb_params.xlsx", "calamine/issue_530.xlsx", "calamine/rph.xlsx")]:
    a = subprocess.run([WBDUMP, real], capture_output=True, text=True).stdout.splitlines()[:-1]
    b = subprocess.run([WBDUMP, real, "--strings-memory", "1"], capture_output=True, text=True).stdout.splitlines()[:-1]
    c.true(a == b and len(a) >= 3, f"{os.path.basename(real)}: spilled and in-memory strings agree ({len(a)} lines)")

# Broken packages: one clear line, exit 1 or a per-sheet error, never a crash or a hang.
good_sheet = xlsxgen.sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>')


def broken(name, expect, **kw):
    p = tmp(name + ".xlsx")
    if "raw" in kw:
        with open(p, "wb") as f:
            f.write(kw["raw"])
    else:
        xlsxgen.write(p, kw.pop("sheets", [good_sheet]), **kw)
    r, lines = dump(p)
    msgs = [o["error"] for o in lines if "error" in o]
    ok = r.returncode in (0, 1) and msgs and len(msgs[0].splitlines()) == 1 and expect in msgs[0]
    c.true(ok, f"{name}: clear error ({r.returncode}: {msgs[:1]})")


xlsxgen.write(tmp("whole.xlsx"), [good_sheet])
whole = open(tmp("whole.xlsx"), "rb").read()
broken("truncated", "zip", raw=whole[: len(whole) // 2])
broken("empty-file", "not a workbook", raw=b"")
broken("random-bytes", "not a workbook", raw=os.urandom(4096))
broken("not-well-formed", "not well-formed", sheets=[good_sheet.replace("</row>", "</rw>")])
broken("no-workbook-part", "no workbook part", skip=("xl/workbook.xml",))
broken("missing-sheet-part", "missing", skip=("xl/worksheets/sheet1.xml",))
broken("rel-points-nowhere", "points nowhere", parts={"xl/workbook.xml": xlsxgen.workbook_xml(1).replace("rId1", "rId9")})
broken("bad-shared-string", "shared string", sheets=[xlsxgen.sheet_xml('<row><c t="s"><v>7</v></c></row>')],
       sst=f'<sst xmlns="{xlsxgen.NS}"><si><t>a</t></si></sst>')
broken("doctype", "document type", sheets=['<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaa">]><worksheet/>'])
broken("empty-sheet-part", "not well-formed", sheets=[""])
c.done()

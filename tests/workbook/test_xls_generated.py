"""The xls reader on generated workbooks: every cell kind and string encoding BIFF8 has, checked against xlrd and
against the values written; the container's variants (mini stream, 4096-byte sectors, DIFAT chain); and the
workbooks we refuse on purpose (encrypted, BIFF5, no Workbook stream, shared strings over the limit)."""
import json
import os
import struct
import subprocess

import xlrd

from harness import Checks
import xls_fixtures as fx
from test_xls_xlrd import DUMP, xlrd_cells, ours

STRINGS = ["plain", "café", "日本語", "emoji 😀 here", ("rich", 2, b""), ("phonetic", 0, bytes(range(1, 11))), "",
           "x" * 300 + "é" * 50, "ab" * 40 + "€"]


def rk_float(v, x100=False):
    hi = struct.unpack("<II", struct.pack("<d", v))[1]
    return (hi & ~3) | (1 if x100 else 0)


def data_sheet(pad=0):
    chart = fx.bof(0x20) + fx.rec(0x1002, b"\0" * 16) + fx.number(0, 0, 99.0) + fx.rec(0x000A)
    recs = [
        fx.labelsst(0, 0, 0), fx.labelsst(0, 1, 1), fx.labelsst(0, 2, 2), fx.labelsst(0, 3, 3), fx.labelsst(0, 4, 4),
        fx.labelsst(0, 5, 5), fx.labelsst(0, 6, 6), fx.labelsst(0, 7, 7), fx.labelsst(0, 8, 8),
        fx.number(1, 0, 1.5), fx.rk(1, 1, 123 << 2 | 2), fx.rk(1, 2, 12345 << 2 | 3), fx.rk(1, 3, rk_float(3.25)),
        fx.rk(1, 4, rk_float(1234.5, True)), fx.rk(1, 5, ((-7) & 0x3FFFFFFF) << 2 | 2),
        fx.blank(2, 0), fx.mulrk(2, 1, [5 << 2 | 2, 6 << 2 | 2, rk_float(-0.5)]),
        fx.boolerr(3, 0, 1, False), fx.boolerr(3, 1, 0, False), fx.boolerr(3, 2, 7, True), fx.boolerr(3, 3, 0x2A, True),
        fx.formula(4, 0, 2.5), fx.formula(4, 1, (0, 0)), fx.string_rec("formula text ü"), fx.formula(4, 2, (1, 1)),
        fx.formula(4, 3, (2, 0x0F)), fx.formula(4, 4, (3, 0)),
        fx.number(5, 0, 45000.25, 1), fx.number(5, 1, 45000.5, 2), fx.number(5, 2, 3.14, 3), fx.number(5, 3, 2.0, 4),
        fx.number(5, 4, 7.0, 5), fx.number(5, 5, 0.75, 6), fx.rk(5, 6, 45000 << 2 | 2, 1),
        chart,
        fx.label(7, 0, "latin é", utf16=False), fx.label(7, 1, "utf16 Ω"),
        fx.formula(8, 0, (0, 0)), fx.rec(0x04BC, b"\0" * 10), fx.string_rec("after SHRFMLA"), fx.blank(8, 1),
        fx.number(9, 3, 3.0), fx.number(9, 1, 1.0), fx.number(9, 1, 11.0),
    ]
    recs += [fx.number(10 + i, 0, float(i)) for i in range(pad)]
    return fx.sheet(*recs)


FORMATS = [(164, "yyyy-mm-dd"), (165, "0.00"), (166, "[Red]0.00"), (167, '"Day" 0'), (168, "h:mm")]
XFS = [0, 14, 164, 165, 166, 167, 168]


def book(pad=0, **kw):
    sheets = [("Data", data_sheet(pad), 0), ("A chart", fx.sheet(dt=0x20), 2), ("Empty", fx.sheet(), 0)]
    return fx.workbook(sheets, STRINGS, FORMATS, XFS, **kw)


def biff5_book():
    v = 0x0500
    body = fx.sheet(fx.label(0, 0, "café €‰Ÿ", biff5=True), fx.rk(0, 1, 42 << 2 | 2), fx.number(0, 2, 45000.0, 1),
                    fx.formula(0, 3, (0, 0)), fx.string_rec("fx ü", biff5=True), fx.boolerr(1, 0, 1, False),
                    fx.mulrk(1, 1, [1 << 2 | 2, 2 << 2 | 2]), fx.number(1, 5, 0.5, 2), version=v)
    return fx.workbook([("Données", body, 0), ("Vide", fx.sheet(version=v), 0)], formats=[(164, "d/m/yyyy"), (165, "0%")],
                       xf_formats=[0, 164, 165], version=v)


def write(ck, name, data):
    path = os.path.join(ck.tmp, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def compare_with_xlrd(ck, path, what):
    want_names, want_1904, want = xlrd_cells(path)
    head, got, error = ours(path)
    if not ck.true(error is None, f"{what}: read ({error})"):
        return None
    ck.eq(head["sheets"], want_names, f"{what}: sheet names (chart sheet skipped)")
    ck.eq(head["date1904"], want_1904, f"{what}: date system")
    ck.eq(got, want, f"{what}: {len(want)} cells equal xlrd's")
    return got


def expect_error(ck, path, words, what, extra=()):
    r = subprocess.run([DUMP, *extra, path], capture_output=True, text=True, timeout=60)
    errors = [json.loads(x)["error"] for x in r.stdout.splitlines() if '"error"' in x]
    msg = errors[0] if errors else r.stderr
    ck.true(r.returncode == 1 and all(w in msg for w in words), f"{what}: refused with {words} ({msg!r})")


def main():
    ck = Checks("xls_generated")
    path = write(ck, "cells.xls", fx.cfb([("Workbook", book(sst_limit=64, switch_flag=True))]))
    got = compare_with_xlrd(ck, path, "mini-stream workbook, SST split every 64 bytes")
    if got:
        ck.eq([got[(0, 0, c)][1] for c in range(9)],
              [s if isinstance(s, str) else s[0] for s in STRINGS], "shared strings across CONTINUE, rich and phonetic")
        ck.eq([got[(0, 1, c)] for c in range(6)], [("n", 1.5), ("n", 123.0), ("n", 123.45), ("n", 3.25),
                                                   ("n", 12.345), ("n", -7.0)], "NUMBER and the four RK encodings")
        ck.eq([got[(0, 2, c)] for c in (1, 2, 3)], [("n", 5.0), ("n", 6.0), ("n", -0.5)], "MULRK; BLANK ignored")
        ck.true((0, 2, 0) not in got, "BLANK cell is not reported")
        ck.eq([got[(0, 3, c)] for c in range(4)], [("b", 1.0), ("b", 0.0), ("e", "#DIV/0!"), ("e", "#N/A")], "BOOLERR")
        ck.eq([got[(0, 4, c)] for c in range(5)], [("n", 2.5), ("s", "formula text ü"), ("b", 1.0), ("e", "#VALUE!"),
                                                   ("s", "")], "FORMULA cached results")
        ck.eq([got[(0, 5, c)][0] for c in range(7)], ["d", "d", "n", "n", "n", "d", "d"], "dates by XF format")
        ck.true((0, 0, 0) in got and got.get((0, 6, 0)) is None, "embedded chart substream skipped")
        ck.eq([got[(0, 9, 1)], got[(0, 9, 3)]], [("n", 11.0), ("n", 3.0)], "row cells sorted; later duplicate wins")
        ck.eq(got.get((0, 8, 0)), ("s", "after SHRFMLA"), "formula string result after a SHRFMLA record")

    path = write(ck, "d1904.xls", fx.cfb([("Workbook", book(date1904=True))]))
    got = compare_with_xlrd(ck, path, "1904 date system")
    if got:
        ck.eq(got[(0, 5, 0)], ("d", 45000.25 + 1462), "1904 date moved to the 1900 system")

    # xlrd places sectors at 512 + n * size, which is wrong for version 4 files (MS-CFB: the header takes a whole
    # 4096-byte sector): the reference is xlrd on the same workbook in a 512-byte container.
    _, _, want = xlrd_cells(write(ck, "big512.xls", fx.cfb([("Workbook", book(pad=3000))])))
    head, got, error = ours(write(ck, "big4096.xls", fx.cfb([("Workbook", book(pad=3000))], ss=4096)))
    ck.eq(got, want, f"4096-byte sectors: {len(want)} cells equal xlrd's on the 512-byte twin ({error})")

    pad = bytes(7_300_000)
    path = write(ck, "difat.xls", fx.cfb([("Pad", pad), ("Workbook", book(pad=2000))]))
    ck.true(struct.unpack_from("<I", open(path, "rb").read(), 0x48)[0] >= 1, "fixture has a DIFAT sector chain")
    compare_with_xlrd(ck, path, "FAT listed through a DIFAT chain")

    enc = fx.workbook([("S", fx.sheet(), 0)], extra_globals=fx.rec(0x002F, b"\1\0" + b"\0" * 52))
    expect_error(ck, write(ck, "enc.xls", fx.cfb([("Workbook", enc)])), ["encrypted"], "FILEPASS")
    b5 = biff5_book()
    got = compare_with_xlrd(ck, write(ck, "book.xls", fx.cfb([("Book", b5)])), "BIFF5 (Excel 5.0/95) Book stream")
    if got:
        ck.eq([got[(0, 0, c)] for c in range(4)], [("s", "café €‰Ÿ"), ("n", 42.0), ("d", 45000.0), ("s", "fx ü")],
              "BIFF5 code page 1252 strings, RK, date, formula string")
    compare_with_xlrd(ck, write(ck, "b5wb.xls", fx.cfb([("Workbook", b5)])), "BIFF5 in a Workbook stream")
    old = fx.workbook([("S", fx.sheet(), 0)], version=0x0400)
    expect_error(ck, write(ck, "b4.xls", fx.cfb([("Workbook", old)])), ["BIFF version 0x0400"], "BIFF4 BOF")
    expect_error(ck, write(ck, "doc.xls", fx.cfb([("WordDocument", b"x" * 5000)])), ["no Workbook stream"],
                 "compound file without a Workbook stream")
    many = ["s%06d" % i + "y" * 40 for i in range(30000)]
    big = fx.workbook([("S", fx.sheet(fx.labelsst(0, 0, 29999)), 0)], many)
    path = write(ck, "strings.xls", fx.cfb([("Workbook", big)]))
    expect_error(ck, path, ["shared strings exceed 1 MiB"], "shared strings over the limit", ["--strings-memory", "1048576"])
    head, got, error = ours(path)
    ck.eq(got and got.get((0, 0, 0)), ("s", many[-1]), "the same strings under the default limit")
    # a writer that stores cells column by column: read in sorted windows of rows (45,000 cells: two windows)
    recs = []
    for c in range(150):
        for r in range(300):
            if c == 7:
                recs += [fx.formula(r, c, (0, 0)), fx.string_rec(f"f{r}")]
            elif c % 3 == 0:
                recs.append(fx.label(r, c, f"r{r}c{c} é"))
            else:
                recs.append(fx.rk(r, c, (r * 1000 + c) << 2 | 2))
    recs.append(fx.number(5, 1, -1.0))  # a second record for B6: the later one wins
    shuffled = fx.workbook([("Columns", fx.sheet(*recs), 0), ("Two", fx.sheet(fx.number(5, 0, 1.0), fx.number(3, 0, 2.0)), 0)])
    got = compare_with_xlrd(ck, write(ck, "order.xls", fx.cfb([("Workbook", shuffled)])), "cells stored column by column")
    if got:
        ck.eq([got[(0, 5, 1)], got[(0, 299, 7)], got[(1, 3, 0)]], [("n", -1.0), ("s", "f299"), ("n", 2.0)],
              "out-of-order cells sorted into rows")
    ck.done()


if __name__ == "__main__":
    main()

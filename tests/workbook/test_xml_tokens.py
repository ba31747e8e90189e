"""The worksheet and shared-strings tokenizer (src/io/xlsx/xtok.c) on XML that is legal but unusual, checked cell by
cell against openpyxl (an independent XML parser): namespace prefixes, either quote, attributes in any order, white
space and line ends inside tags, entity and character references, CDATA, comments, processing instructions,
self-closing cells, a byte-order mark, and a sheet of several MiB whose references and multi-byte characters fall
across every read boundary. Then XML that is not well-formed: one line naming the file and the sheet, never a crash."""
import json
import os
import subprocess
import warnings

from harness import Checks
import xlsxgen

import openpyxl

warnings.simplefilter("ignore")
c = Checks("workbook-xml-tokens")
WBDUMP = os.path.join(os.environ.get("PLATEAU_BUILD", "build"), "tests", "workbook", "wbdump")
NS = xlsxgen.NS


def tmp(name):
    return os.path.join(c.tmp, name)


def ours(path):
    r = subprocess.run([WBDUMP, path], capture_output=True, text=True, timeout=120)
    cells, errors = {}, []
    for line in r.stdout.splitlines():
        o = json.loads(line)
        if "error" in o:
            errors.append(o["error"])
        elif "r" in o:
            cells[(o["r"] + 1, o["c"] + 1)] = (o["t"], o["v"])
    return r, cells, errors


def theirs(path):
    ws = openpyxl.load_workbook(path, data_only=True).worksheets[0]
    out = {}
    for row in ws.iter_rows():
        for cell in row:
            v = cell.value
            if v is None:
                continue
            t = "b" if isinstance(v, bool) else "n" if isinstance(v, (int, float)) else "s"
            out[(cell.row, cell.column)] = (t, float(v) if t == "n" else v)
    return out


# openpyxl finds parts by content type, which xlsxgen's minimal packages leave out.
CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
      '<Default Extension="xml" ContentType="application/xml"/>'
      '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
      'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
      'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>{sst}<Override '
      'PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
      'styles+xml"/></Types>')


def agree(name, sheet, sst=None, expect_cells=None):
    p = tmp(name + ".xlsx")
    sst_ct = ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
              'officedocument.spreadsheetml.sharedStrings+xml"/>') if sst else ""
    xlsxgen.write(p, [sheet], sst=sst, parts={"[Content_Types].xml": CT.replace("{sst}", sst_ct)})
    r, mine, errors = ours(p)
    want = theirs(p)
    c.true(not errors and r.returncode == 0, f"{name}: read without error ({errors[:1]} {r.stderr.strip()})")
    c.true(mine == want and len(mine) > 0, f"{name}: {len(mine)} cells equal openpyxl's "
           f"(differ: {sorted(set(mine.items()) ^ set(want.items()))[:4]})")
    if expect_cells is not None:
        c.eq(len(mine), expect_cells, f"{name}: cell count")


HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
agree("prefixed-single-quotes",
      HEAD + f"<x:worksheet xmlns:x='{NS}'><x:sheetData><x:row r='1'><x:c t='str' r='A1'><x:v>a</x:v></x:c>"
      "<x:c s='0' r='B1'><x:v>2.5</x:v></x:c><x:c r='C1' t='inlineStr'><x:is><x:r><x:t xml:space='preserve'> a "
      "</x:t></x:r><x:r><x:t>b</x:t></x:r></x:is></x:c></x:row></x:sheetData></x:worksheet>")
agree("whitespace-and-line-ends",
      HEAD + f'<worksheet\r\n xmlns="{NS}">\r\n <sheetData>\r\n  <row\n\tr = "1" >\n   <c  t = "str"\r\n r="A1" >'
      '<v>x\r\ny\rz</v></c>\n   <c r="B1"  ><v >  7 </v ></c>\n  </row >\n </sheetData>\n</worksheet >\n')
agree("references",
      HEAD + f'<worksheet xmlns="{NS}"><sheetData><row r="1"><c r="A1" t="str"><v>&amp;&lt;&gt;&quot;&apos;'
      '&#65;&#x42;&#x1F600;&#233;</v></c><c r="&#66;1" t="&#115;&#116;&#114;"><v>a&#10;b</v></c>'
      '<c r="C1"><v>&#49;&#46;5</v></c></row></sheetData></worksheet>')
agree("cdata-comments-pi",
      "\ufeff" + HEAD + f'<!-- before --><?app hint?><worksheet xmlns="{NS}"><!-- c --><sheetData><row r="1">'
      '<c r="A1" t="inlineStr"><is><t><![CDATA[<b> & ]]]]><![CDATA[> x]]></t></is></c><?pi ?><!---->'
      '<c r="B1" t="str"><v>y<!-- z -->w</v></c><c r="C1" s="0"/><c r="D1"><f>1+1</f><v>2</v></c></row>'
      '</sheetData></worksheet><!-- after -->')
agree("shared-strings",
      HEAD + f'<worksheet xmlns="{NS}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v>'
      '</c><c r="C1" t="s"><v>2</v></c></row></sheetData></worksheet>',
      sst=HEAD + f"<sst xmlns='{NS}'><si><t>a&amp;b</t></si><si><r><rPr><b/></rPr><t>rich </t></r><r><t>text</t>"
      "</r><rPh sb='0' eb='1'><t>ruby</t></rPh></si><si><t><![CDATA[c<d]]></t></si></sst>")

# Several MiB, so references, line ends and multi-byte characters land on every offset of the 64 KiB reads.
rows = []
for i in range(1, 30001):
    pad = "é" * (i % 7) + "€" * (i % 5) + "x" * (i % 11)
    rows.append(f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>{pad}&amp;{i}&#x1F600;\r\n</t></is></c>'
                f'<c r="B{i}"><v>{i * 0.37 - 13.5!r}</v></c><c r="C{i}" t="str"><v>&lt;{i}&gt;</v></c></row>')
agree("big-straddling", HEAD + f'<worksheet xmlns="{NS}"><sheetData>' + "".join(rows) + "</sheetData></worksheet>",
      expect_cells=90000)


# Not well-formed: one line naming the file and the sheet.
def broken(name, body, expect="not well-formed"):
    p = tmp(name + ".xlsx")
    xlsxgen.write(p, [body])
    r, _, errors = ours(p)
    msg = errors[0] if errors else r.stderr.strip()
    ok = r.returncode in (0, 1) and len(msg.splitlines()) == 1 and expect in msg and "Sheet1" in msg and \
        name in msg
    c.true(ok, f"{name}: one clear line ({r.returncode}: {msg!r})")


ROW = '<row r="1"><c r="A1"><v>1</v></c></row>'
for name, body in [
        ("mismatched", xlsxgen.sheet_xml(ROW.replace("</row>", "</rw>"))),
        ("unclosed", HEAD + f'<worksheet xmlns="{NS}"><sheetData>{ROW}'),
        ("truncated-tag", HEAD + f'<worksheet xmlns="{NS}"><sheetData><row r="1'),
        ("unknown-entity", xlsxgen.sheet_xml('<row><c t="str"><v>&nbsp;</v></c></row>')),
        ("bad-char-ref", xlsxgen.sheet_xml('<row><c t="str"><v>&#0;</v></c></row>')),
        ("bad-utf8", [xlsxgen.sheet_xml('<row><c t="str"><v>\udcc3(</v></c></row>').encode("utf-8", "surrogateescape")]),
        ("control-char", xlsxgen.sheet_xml('<row><c t="str"><v>\x01</v></c></row>')),
        ("duplicate-attribute", xlsxgen.sheet_xml('<row><c r="A1" r="B1"><v>1</v></c></row>')),
        ("unquoted-attribute", xlsxgen.sheet_xml('<row><c r=A1><v>1</v></c></row>')),
        ("junk-after-root", xlsxgen.sheet_xml(ROW) + "<more/>"),
        ("cdata-end-in-text", xlsxgen.sheet_xml('<row><c t="str"><v>]]></v></c></row>')),
        ("long-token", xlsxgen.sheet_xml('<row><c r="A1" t="' + "s" * (33 << 20) + '"/></row>'))]:
    broken(name, body, "larger than" if name == "long-token" else "not well-formed")
broken("encoding", '<?xml version="1.0" encoding="ISO-8859-1"?><worksheet/>', "only UTF-8")
c.done()

"""Writes minimal .xlsx packages by hand (python zipfile), so tests can build hostile workbooks byte by byte."""
import zipfile

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RNS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"

CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                 'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                 'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>')
ROOT_RELS = (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}"><Relationship Id="rId1" '
             f'Type="{RNS}/officeDocument" Target="xl/workbook.xml"/></Relationships>')


def workbook_xml(n_sheets=1):
    sheets = "".join(f'<sheet name="{"Data" if i == 1 else f"Sheet{i + 1}"}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i in range(n_sheets))
    return f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{NS}" xmlns:r="{RNS}"><sheets>{sheets}</sheets></workbook>'


STYLES = (f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{NS}"><numFmts count="1"><numFmt numFmtId="164" '
          'formatCode="yyyy\\-mm\\-dd\\ hh:mm"/></numFmts><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14"/>'
          '<xf numFmtId="164"/></cellXfs></styleSheet>')


def workbook_rels(n_sheets=1, sst=False, targets=None):
    rels = "".join(f'<Relationship Id="rId{i + 1}" Type="{RNS}/worksheet" '
                   f'Target="{(targets or {}).get(i, f"worksheets/sheet{i + 1}.xml")}"/>' for i in range(n_sheets))
    if sst:
        rels += f'<Relationship Id="rIdS" Type="{RNS}/sharedStrings" Target="sharedStrings.xml"/>'
    rels += f'<Relationship Id="rIdY" Type="{RNS}/styles" Target="styles.xml"/>'
    return f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}">{rels}</Relationships>'


def sheet_xml(body, dimension=None):
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}">{dim}<sheetData>{body}</sheetData></worksheet>'


def write(path, sheets, sst=None, parts=None, skip=(), targets=None):
    """sheets: list of sheet XML (str, or an iterable of str chunks to stream); sst: shared strings XML or chunks;
    parts: extra {name: text} overriding the defaults; skip: part names to leave out."""
    default = {"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": ROOT_RELS,
               "xl/workbook.xml": workbook_xml(len(sheets)),
               "xl/_rels/workbook.xml.rels": workbook_rels(len(sheets), sst is not None, targets),
               "xl/styles.xml": STYLES}
    default.update(parts or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in default.items():
            if name not in skip:
                z.writestr(name, text)
        for i, s in enumerate(sheets):
            put(z, f"xl/worksheets/sheet{i + 1}.xml", s, skip)
        if sst is not None:
            put(z, "xl/sharedStrings.xml", sst, skip)


def put(z, name, content, skip=()):
    if name in skip:
        return
    if isinstance(content, str):
        z.writestr(name, content)
        return
    with z.open(name, "w", force_zip64=True) as f:
        for chunk in content:
            f.write(chunk if isinstance(chunk, bytes) else chunk.encode())

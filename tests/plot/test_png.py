"""Plot outputs checked from their bytes alone: the PNG decoder below is written from the PNG specification
(signature, chunk CRCs, zlib stream, the five row filters), independent of the encoder in src/plot/png.c and of
cairo. Runs the example program (sweep grid, laser-trim track plot, bar chart, histogram, 3-page PDF) and checks
sizes, chunk integrity and where the coloured ink is. The PDF's page count comes from poppler's pdfinfo."""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib


def decode_png(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path}: not a PNG signature"
    pos, idat, width, height, seen_end = 8, b"", None, None, False
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        ctype = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert zlib.crc32(ctype + body) & 0xFFFFFFFF == crc, f"{path}: bad CRC in {ctype}"
        if ctype == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert (depth, colour, interlace) == (8, 2, 0), f"{path}: expected 8-bit RGB, not interlaced"
        elif ctype == b"IDAT":
            idat += body
        elif ctype == b"IEND":
            seen_end = True
        pos += 12 + length
    assert seen_end and pos == len(data), f"{path}: no IEND, or bytes after it"
    raw = zlib.decompress(idat)
    stride = width * 3
    assert len(raw) == height * (stride + 1), f"{path}: wrong amount of pixel data"
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - 3] if i >= 3 else 0
            b = prev[i]
            c = prev[i - 3] if i >= 3 else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
            else:
                assert f == 0, f"{path}: unknown filter {f}"
        rows.append(line)
        prev = line
    return width, height, rows


def count(rows, x0, y0, x1, y1, pred):
    n = 0
    for y in range(y0, y1):
        r = rows[y]
        for x in range(x0, x1):
            if pred(r[3 * x], r[3 * x + 1], r[3 * x + 2]):
                n += 1
    return n


def blue(r, g, b):  # Okabe-Ito blue 0072B2 and its anti-aliased edges
    return b > 120 and r < 90 and b - r > 80


def red(r, g, b):  # fail markers, badge, threshold line (C8102E)
    return r > 150 and g < 80 and b < 100


def main():
    exe = sys.argv[1]
    out = tempfile.mkdtemp(prefix="plateau-plot-png-")
    try:
        subprocess.run([exe, out], check=True, capture_output=True)
        checks = 0

        # the sweep grid: 15 x 7.7 in at 100 dpi, 3 rows x 5 columns, 12 sweeps: ink in 12 cells, 3 empty cells
        w, h, rows = decode_png(os.path.join(out, "sweeps.png"))
        assert (w, h) == (1500, 770), (w, h)
        title_band = 26  # (9 pt + 4) x 2 at 100/72 px per pt
        cell_w, cell_h = w // 5, (h - title_band) // 3
        for k in range(15):
            r, c = divmod(k, 5)
            x0, y0 = c * cell_w, title_band + r * cell_h
            n = count(rows, x0, y0, x0 + cell_w, y0 + cell_h, blue)
            if k < 12:
                assert n > 500, f"sweep panel {k} has only {n} blue pixels"
            else:
                n_any = count(rows, x0, y0, x0 + cell_w, y0 + cell_h, lambda r_, g_, b_: min(r_, g_, b_) < 250)
                assert n_any == 0, f"empty cell {k} has {n_any} inked pixels"
            checks += 1
        # nothing but white at the figure's outer border
        assert count(rows, 0, h - 2, w, h, lambda r_, g_, b_: min(r_, g_, b_) < 250) == 0
        assert count(rows, w - 2, 0, w, h, lambda r_, g_, b_: min(r_, g_, b_) < 250) == 0
        checks += 2

        # the laser-trim track plot at 150 dpi: a red FAIL badge top right, red fail markers in the chart
        w, h, rows = decode_png(os.path.join(out, "track.png"))
        assert (w, h) == (1500, 1125), (w, h)
        badge = count(rows, w - 150, 50, w, 110, red)
        assert badge > 800, f"FAIL badge: {badge} red pixels"
        markers = count(rows, 1100, 150, 1300, 250, red)
        assert markers > 100, f"fail markers: {markers} red pixels"
        left_red = count(rows, 450, 110, 1100, 700, red)  # right of the legend, left of the fail points
        assert left_red == 0, f"red ink where no fail point is: {left_red}"
        checks += 3

        # the histogram: vertical dashed red threshold line -> one column range with many red pixels
        w, h, rows = decode_png(os.path.join(out, "hist.png"))
        assert (w, h) == (720, 480), (w, h)
        per_col = [count(rows, x, 60, x + 1, 400, red) for x in range(w)]
        peak = max(per_col)
        assert peak > 150, f"threshold line: at most {peak} red pixels in a column"
        checks += 1

        w, h, rows = decode_png(os.path.join(out, "bars.png"))
        assert (w, h) == (720, 480), (w, h)
        green = count(rows, 0, 0, w, h, lambda r_, g_, b_: g_ > 130 and r_ < 60 and b_ < 110)
        assert green > 20000, f"PASS bar: {green} green pixels"
        checks += 1

        # JPEG: size from the SOF0 segment
        jpg = open(os.path.join(out, "track.jpg"), "rb").read()
        assert jpg[:2] == b"\xff\xd8" and jpg[-2:] == b"\xff\xd9"
        sof = jpg.index(b"\xff\xc0")
        jh, jw = struct.unpack(">HH", jpg[sof + 5:sof + 9])
        assert (jw, jh) == (1500, 1125), (jw, jh)
        checks += 1

        # the 3-page PDF, read by poppler
        pdfinfo = shutil.which("pdfinfo")
        if pdfinfo:
            info = subprocess.run([pdfinfo, os.path.join(out, "summary.pdf")], check=True, capture_output=True,
                                  text=True).stdout
            pages = [line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")]
            assert pages == ["3"], info
            checks += 1
        svg = open(os.path.join(out, "sweeps.svg"), encoding="utf-8").read()
        assert svg.startswith("<?xml") and svg.rstrip().endswith("</svg>") and 'width="1080pt"' in svg
        checks += 1
        # no temporary files left behind
        assert not [f for f in os.listdir(out) if f.startswith(".plateau-tmp-")]
        checks += 1
        print(f"{checks} passed, 0 failed")
    finally:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()

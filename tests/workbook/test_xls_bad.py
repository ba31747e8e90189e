"""Damaged .xls files, made from a real laser-trim workbook with byte patches: truncations at many offsets, a FAT
chain that loops, directory entries pointing past the end, a BIFF record longer than its stream, SST counts that
lie, a CONTINUE without its record, random byte flips. Each must give a clear one-line error (or, where the damage
does not matter, the same cells) -- never a crash or a hang."""
import glob
import json
import os
import random
import struct
import subprocess

from harness import Checks, testdata
import xls_fixtures as fx
from test_xls_xlrd import DUMP


def run(path, timeout=30):
    """(exit status, the first error line, the output without its last line: timings and peak memory)"""
    r = subprocess.run([DUMP, path], capture_output=True, text=True, timeout=timeout)
    lines = r.stdout.splitlines()
    errors = [json.loads(x)["error"] for x in lines if '"error"' in x]
    return r.returncode, errors[0] if errors else "", "\n".join(lines[:-1])


def patched(ck, data, name, patches):
    b = bytearray(data)
    for off, raw in patches:
        b[off:off + len(raw)] = raw
    path = os.path.join(ck.tmp, name)
    with open(path, "wb") as f:
        f.write(b)
    return path


def refused(ck, path, words, what):
    rc, msg, _ = run(path)
    ck.true(rc == 1 and path in msg and all(w in msg for w in words), f"{what}: {msg!r}")


def main():
    ck = Checks("xls_bad")
    src = sorted(glob.glob(testdata("lasertrim", "SystemB", "*.xls")), key=os.path.getsize)[0]
    data = open(src, "rb").read()
    c = fx.Cfb(data)
    idx, start, size = c.stream("Workbook")
    stream = c.read_stream(start, size)
    recs = fx.records(stream)
    rc, msg, good = run(src)
    ck.eq(rc, 0, f"{os.path.basename(src)} reads ({msg})")

    # truncated at many offsets: an error naming the file, or (when only unused bytes went) the same cells
    offsets = sorted(set([0, 7, 8, 100, 511, 512, 513, 1000] + [len(data) * k // 41 for k in range(1, 41)] +
                         [len(data) - 1, len(data) - 512]))
    bad = 0
    for off in offsets:
        path = patched(ck, data[:off], f"trunc{off}.xls", [])
        rc, msg, out = run(path)
        ok = (rc == 1 and path in msg) or (rc == 0 and out == good.replace(src, path))
        bad += not ok
        if not ok:
            print(f"     truncated at {off}: rc={rc} {msg!r}")
    ck.eq(bad, 0, f"truncated at {len(offsets)} offsets: clear errors, never a crash or hang")

    chain = c.chain(start)
    fat_entry = lambda sector: c.off(c.fat_sectors[sector // (c.ss // 4)]) + 4 * (sector % (c.ss // 4))
    refused(ck, patched(ck, data, "loop.xls", [(fat_entry(chain[5]), struct.pack("<I", chain[2]))]),
            ["loops"], "Workbook FAT chain loops back")
    refused(ck, patched(ck, data, "fatout.xls", [(fat_entry(chain[3]), struct.pack("<I", 0x00FFFFF0))]),
            ["outside the file"], "FAT chain points past the end")
    entry = c.dir_entry_offset(idx)
    refused(ck, patched(ck, data, "dirstart.xls", [(entry + 0x74, struct.pack("<I", 0x00FFFFF0))]),
            ["outside the file"], "directory entry starts past the end")
    refused(ck, patched(ck, data, "dirsize.xls", [(entry + 0x78, struct.pack("<I", size + 3 * c.ss))]),
            ["ends after"], "directory entry claims more bytes than its chain")
    refused(ck, patched(ck, data, "dirhuge.xls", [(entry + 0x78, struct.pack("<I", 0xFFFFFFF0))]),
            ["needs", "sectors but only"], "directory entry claims 4 GiB")
    refused(ck, patched(ck, data, "dirloop.xls", [(fat_entry(c.dir_start), struct.pack("<I", c.dir_start))]),
            ["directory chain loops"], "directory chain loops")

    last_off, last_type, _ = recs[-1]
    refused(ck, patched(ck, data, "longrec.xls", [(c.file_offset(start, last_off + 2), struct.pack("<H", 0xFFFF))]),
            ["claims 65535 bytes", "stream ends"], "BIFF record longer than its stream")

    sst = [r for r in recs if r[1] == 0x00FC][0]
    rc, msg, out = run(patched(ck, data, "sstmore.xls", [(c.file_offset(start, sst[0] + 8), struct.pack("<I", 0xFFFFFFF))]))
    ck.true(rc == 0 and out.count("\n") == good.count("\n"), f"SST count claiming 268M strings: same cells ({msg})")
    refused(ck, patched(ck, data, "sstless.xls", [(c.file_offset(start, sst[0] + 8), struct.pack("<I", 1))]),
            ["refers to shared string"], "SST count claiming 1 string")
    refused(ck, patched(ck, data, "orphan.xls", [(c.file_offset(start, sst[0]), struct.pack("<H", 0x003C))]),
            ["refers to shared string", "of 0"], "CONTINUE without its SST record")
    bound = [r for r in recs if r[1] == 0x0085][0]
    refused(ck, patched(ck, data, "bof.xls", [(c.file_offset(start, bound[0] + 4), struct.pack("<I", 3))]),
            ["does not start with BOF"], "BOUNDSHEET offset into the middle of a record")
    refused(ck, patched(ck, data, "shift.xls", [(0x1E, struct.pack("<H", 16))]), ["sector size"], "sector size 2^16")
    refused(ck, patched(ck, data, "magic.xls", [(0, b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), (0x1C, b"\0\0")]),
            ["byte-order"], "bad byte-order mark")
    cell = [r for r in recs if r[1] in (0x0203, 0x027E, 0x00FD)][10]
    rc, msg, _ = run(patched(ck, data, "desync.xls", [(c.file_offset(start, cell[0] + 2), struct.pack("<H", 3))]))
    ck.true(rc in (0, 1), f"cell record with a wrong length desynchronises the stream: rc {rc} ({msg!r})")

    rnd, crashes = random.Random(1234), 0
    for i in range(150):
        b = bytearray(data)
        for _ in range(rnd.randint(1, 20)):
            b[rnd.randrange(len(b))] = rnd.randrange(256)
        path = patched(ck, bytes(b), "flip.xls", [])
        rc, msg, _ = run(path)
        crashes += rc not in (0, 1) or (rc == 1 and path not in msg)
    ck.eq(crashes, 0, "150 files with random byte flips: no crash, every failure explained")
    ck.done()


if __name__ == "__main__":
    main()

"""Builds small .xls files (BIFF8 in a compound file) for the xls reader's tests: a writer of just enough of
MS-CFB and MS-XLS to exercise what real workbooks contain (SST with CONTINUE, RK, MULRK, formulas with cached results,
dates, 1904, embedded charts, mini streams, 4096-byte sectors, DIFAT chains), plus helpers that locate and patch
bytes inside a real file's Workbook stream."""
import struct

FREE, END, FATSECT, DIFSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFC


# ----------------------------------------------------------------------------------------------- compound file
def _dir_entry(name, typ, start, size, child=0xFFFFFFFF, right=0xFFFFFFFF):
    n = name.encode("utf-16-le") + b"\0\0"
    return (n.ljust(64, b"\0") + struct.pack("<HBB", len(n), typ, 1) +
            struct.pack("<III", 0xFFFFFFFF, right, child) + b"\0" * 16 + b"\0" * 4 + b"\0" * 16 +
            struct.pack("<IQ", start, size))


def cfb(streams, ss=512, extra_fat_sectors=0):
    """streams: [(name, bytes)] as children of the root. Streams under 4096 bytes go to the mini stream."""
    per = ss // 4
    sectors, fat = [], {}

    def alloc(data):
        if not data:
            return END
        n = (len(data) + ss - 1) // ss
        first = len(sectors)
        for i in range(n):
            sectors.append(data[i * ss:(i + 1) * ss].ljust(ss, b"\0"))
            fat[first + i] = first + i + 1 if i + 1 < n else END
        return first

    mini, minifat, entries = b"", [], []
    for name, data in streams:
        if len(data) < 4096:
            first = len(mini) // 64
            n = (len(data) + 63) // 64
            for i in range(n):
                minifat.append(first + i + 1 if i + 1 < n else END)
            mini += data.ljust(n * 64, b"\0")
            entries.append((name, first if n else END, len(data)))
        else:
            entries.append((name, alloc(data), len(data)))
    mini_start = alloc(mini)
    minifat_bytes = b"".join(struct.pack("<I", x) for x in minifat)
    minifat_start = alloc(minifat_bytes)
    d = _dir_entry("Root Entry", 5, mini_start, len(mini), child=1 if entries else 0xFFFFFFFF)
    for i, (name, start, size) in enumerate(entries):
        d += _dir_entry(name, 2, start, size, right=i + 2 if i + 1 < len(entries) else 0xFFFFFFFF)
    dir_start = alloc(d)
    # FAT sectors (and DIFAT sectors past 109 of them) map everything, themselves included
    nfat = 1 + extra_fat_sectors
    while True:
        ndif = max(0, (nfat - 109 + per - 2) // (per - 1))
        if nfat * per >= len(sectors) + nfat + ndif:
            break
        nfat += 1
    fat_ids = list(range(len(sectors), len(sectors) + nfat))
    dif_ids = list(range(len(sectors) + nfat, len(sectors) + nfat + ndif))
    for i in fat_ids:
        fat[i] = FATSECT
    for i in dif_ids:
        fat[i] = DIFSECT
    table = [fat.get(i, FREE) for i in range(nfat * per)]
    fat_bytes = b"".join(struct.pack("<I", x) for x in table)
    for k in range(nfat):
        sectors.append(fat_bytes[k * ss:(k + 1) * ss])
    rest = fat_ids[109:]
    for k, _ in enumerate(dif_ids):
        chunk = rest[k * (per - 1):(k + 1) * (per - 1)]
        chunk += [FREE] * (per - 1 - len(chunk))
        nxt = dif_ids[k + 1] if k + 1 < len(dif_ids) else END
        sectors.append(b"".join(struct.pack("<I", x) for x in chunk + [nxt]))
    head_difat = fat_ids[:109] + [FREE] * (109 - min(109, nfat))
    h = (bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 16 +
         struct.pack("<HHHHH", 0x3E, 3 if ss == 512 else 4, 0xFFFE, 9 if ss == 512 else 12, 6) + b"\0" * 6 +
         struct.pack("<IIIIIIIII", 0 if ss == 512 else len(d) // ss + 1, nfat, dir_start, 0, 4096,
                     minifat_start, (len(minifat_bytes) + ss - 1) // ss if minifat else 0,
                     dif_ids[0] if dif_ids else END, len(dif_ids)) +
         b"".join(struct.pack("<I", x) for x in head_difat))
    return h.ljust(ss, b"\0") + b"".join(sectors)


# ----------------------------------------------------------------------------------------------- BIFF8
def rec(t, data=b""):
    return struct.pack("<HH", t, len(data)) + data


def ustr(s, lenlen=2, utf16=None):
    """XLUnicodeString (lenlen 2) or ShortXLUnicodeString (lenlen 1)."""
    if utf16 is None:
        utf16 = any(ord(c) > 255 for c in s)
    body = s.encode("utf-16-le") if utf16 else s.encode("latin-1")
    cch = len(body) // 2 if utf16 else len(body)
    return struct.pack("<B" if lenlen == 1 else "<H", cch) + bytes([1 if utf16 else 0]) + body


def bof(dt, version=0x0600):
    if version == 0x0500:
        return rec(0x0809, struct.pack("<HHHH", version, dt, 0x0DBB, 0x07CC))
    return rec(0x0809, struct.pack("<HHHHII", version, dt, 0x0DBB, 0x07CC, 0, 6))


def bstr(s, lenlen=2, encoding="cp1252"):
    """BIFF5 byte string in the workbook's code page."""
    b = s.encode(encoding)
    return struct.pack("<B" if lenlen == 1 else "<H", len(b)) + b


def sst(strings, limit=8224, switch_flag=False):
    """SST + CONTINUE records. strings: str or (str, runs, ext_bytes). Character data split at a record end
    continues after a fresh flag byte (switched between compressed and UTF-16 when switch_flag and possible)."""
    recs, cur = [], bytearray(struct.pack("<II", len(strings), len(strings)))

    def room():
        return limit - len(cur)

    def new_record():
        nonlocal cur
        recs.append(bytes(cur))
        cur = bytearray()

    for item in strings:
        s, runs, ext = (item, 0, b"") if isinstance(item, str) else item
        utf16 = any(ord(c) > 255 for c in s)
        units = s.encode("utf-16-le")
        n_units = len(units) // 2
        flags = (1 if utf16 else 0) | (8 if runs else 0) | (4 if ext else 0)
        head = struct.pack("<HB", n_units, flags) + (struct.pack("<H", runs) if runs else b"") + \
            (struct.pack("<I", len(ext)) if ext else b"")
        if room() < len(head) + 2:
            new_record()
        cur += head
        i, wide = 0, utf16
        while i < n_units:
            width = 2 if wide else 1
            k = min(n_units - i, room() // width)
            if k == 0:
                new_record()
                if switch_flag and not utf16:
                    wide = not wide
                cur.append(1 if wide else 0)
                continue
            chunk = units[2 * i:2 * (i + k)]
            cur += chunk if wide else chunk[0::2]
            i += k
        tail = b"\0\0\0\0" * runs + ext
        while tail:
            if room() == 0:
                new_record()
            k = min(len(tail), room())
            cur += tail[:k]
            tail = tail[k:]
    recs.append(bytes(cur))
    return rec(0x00FC, recs[0]) + b"".join(rec(0x003C, r) for r in recs[1:])


def number(r, c, v, xf=0):
    return rec(0x0203, struct.pack("<HHHd", r, c, xf, v))


def rk(r, c, raw, xf=0):
    return rec(0x027E, struct.pack("<HHHI", r, c, xf, raw))


def mulrk(r, c, raws, xf=0):
    return rec(0x00BD, struct.pack("<HH", r, c) + b"".join(struct.pack("<HI", xf, x) for x in raws) +
               struct.pack("<H", c + len(raws) - 1))


def labelsst(r, c, i, xf=0):
    return rec(0x00FD, struct.pack("<HHHI", r, c, xf, i))


def label(r, c, s, xf=0, utf16=None, biff5=False):
    return rec(0x0204, struct.pack("<HHH", r, c, xf) + (bstr(s, 2) if biff5 else ustr(s, 2, utf16)))


def boolerr(r, c, v, is_error, xf=0):
    return rec(0x0205, struct.pack("<HHHBB", r, c, xf, v, 1 if is_error else 0))


def formula(r, c, result, xf=0):
    """result: float, or (kind, byte) with kind 0 string, 1 bool, 2 error, 3 empty string."""
    if isinstance(result, float):
        val = struct.pack("<d", result)
    else:
        val = struct.pack("<BBBBHH", result[0], 0, result[1], 0, 0, 0xFFFF)
    return rec(0x0006, struct.pack("<HHH", r, c, xf) + val + struct.pack("<HI", 0, 0) + struct.pack("<H", 3) +
               b"\x1e\x01\x00")


def string_rec(s, biff5=False):
    return rec(0x0207, bstr(s, 2) if biff5 else ustr(s, 2))


def blank(r, c, xf=0):
    return rec(0x0201, struct.pack("<HHH", r, c, xf))


def workbook(sheets, strings=(), formats=(), xf_formats=(0,), date1904=False, sst_limit=8224, switch_flag=False,
             extra_globals=b"", version=0x0600):
    """sheets: [(name, body bytes, sheet type)] -> the Workbook stream (BIFF5 when version is 0x0500)."""
    b5 = version == 0x0500
    name_str = (lambda n: bstr(n, 1)) if b5 else (lambda n: ustr(n, 1))
    glob = bof(5, version) + rec(0x0042, struct.pack("<H", 1252 if b5 else 1200)) + \
        rec(0x0022, struct.pack("<H", int(date1904)))
    glob += extra_globals
    for fid, code in formats:
        glob += rec(0x041E, struct.pack("<H", fid) + (bstr(code, 1) if b5 else ustr(code, 2)))
    for fmt in xf_formats:
        glob += rec(0x00E0, struct.pack("<HH", 0, fmt) + b"\0" * 16)
    bounds_len = sum(4 + 6 + len(name_str(n)) for n, _, _ in sheets)
    tail = (sst(list(strings), sst_limit, switch_flag) if strings else b"") + rec(0x000A)
    off = len(glob) + bounds_len + len(tail)
    bounds = b""
    for name, body, typ in sheets:
        bounds += rec(0x0085, struct.pack("<IBB", off, 0, typ) + name_str(name))
        off += len(body)
    return glob + bounds + tail + b"".join(body for _, body, _ in sheets)


def sheet(*records, dt=0x10, version=0x0600):
    return bof(dt, version) + b"".join(records) + rec(0x000A)


# ----------------------------------------------------------------------------------------------- reading real files
class Cfb:
    """Enough of a compound file reader to find where a stream's bytes sit in the file, for byte patches."""

    def __init__(self, data):
        self.data = data
        self.ss = 1 << struct.unpack_from("<H", data, 0x1E)[0]
        nfat, self.dir_start = struct.unpack_from("<II", data, 0x2C)
        ids = list(struct.unpack_from("<109I", data, 0x4C))[:nfat]
        assert nfat <= 109, "fixture helper handles header DIFAT only"
        self.fat_sectors = ids
        self.fat = []
        for i in ids:
            self.fat += struct.unpack_from("<%dI" % (self.ss // 4), data, self.off(i))

    def off(self, sector):
        return (sector + 1) * self.ss

    def chain(self, start):
        out = []
        while start < 0xFFFFFFFA and len(out) <= len(self.fat):
            out.append(start)
            start = self.fat[start]
        return out

    def entries(self):
        d = b"".join(self.data[self.off(s):self.off(s) + self.ss] for s in self.chain(self.dir_start))
        for i in range(len(d) // 128):
            e = d[i * 128:(i + 1) * 128]
            n = struct.unpack_from("<H", e, 0x40)[0]
            yield i, e[:max(0, n - 2)].decode("utf-16-le", "replace"), e[0x42], \
                struct.unpack_from("<I", e, 0x74)[0], struct.unpack_from("<I", e, 0x78)[0]

    def dir_entry_offset(self, index):
        per = self.ss // 128
        return self.off(self.chain(self.dir_start)[index // per]) + (index % per) * 128

    def stream(self, name):
        for i, n, typ, start, size in self.entries():
            if n == name and typ == 2:
                return i, start, size
        raise KeyError(name)

    def file_offset(self, start, pos):
        """File offset of byte pos of the big stream starting at sector start."""
        return self.off(self.chain(start)[pos // self.ss]) + pos % self.ss

    def read_stream(self, start, size):
        return b"".join(self.data[self.off(s):self.off(s) + self.ss] for s in self.chain(start))[:size]


def records(stream):
    """(offset, type, length) of every BIFF record of a Workbook stream."""
    pos, out = 0, []
    while pos + 4 <= len(stream):
        t, n = struct.unpack_from("<HH", stream, pos)
        out.append((pos, t, n))
        pos += 4 + n
    return out

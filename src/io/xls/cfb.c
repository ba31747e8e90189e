/* The Compound File Binary container (MS-CFB): header, DIFAT, FAT, MiniFAT, directory, and sequential stream reads.
 * Sector n of the file starts at byte (n + 1) * sector_size; the header fills sector "-1". */
#include "io/xls/cfb.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plateau/mem.h"

#define CFB_FREE 0xFFFFFFFFu
#define CFB_END 0xFFFFFFFEu
#define CFB_MAXREG 0xFFFFFFFAu
#define CFB_HEADER_DIFAT 109
#define CFB_DIR_ENTRY 128
#define CFB_CHUNK (64u * 1024u)
#define CFB_MARK_EVERY 256u
/* A real workbook's directory has tens of entries; 8 MiB is 65536 of them. */
#define CFB_DIR_MAX (8u << 20)
/* The FAT costs 4 bytes per 512-byte sector: 64 MiB of FAT maps a 8 GiB file, far past any real workbook. */
#define CFB_FAT_MAX (64u << 20)

static const unsigned char cfb_magic[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};

struct pl_cfb {
    const char *path;
    int fd;
    const unsigned char *mem;
    uint64_t file_size;
    uint32_t shift, ss, mini_cutoff;
    uint32_t n_sectors; /* sectors that start inside the file */
    uint32_t *fat;
    uint32_t fat_len;
    uint32_t *minifat;
    uint32_t minifat_len;
    uint32_t dir_start;
    uint32_t root_start; /* the mini stream lives in the root entry's chain */
    uint64_t root_size;
    bool v3;
};

struct pl_cfb_stream {
    pl_cfb *c;
    bool mini;
    uint64_t size;
    uint32_t start;
    uint64_t pos;         /* stream offset of the next byte handed out */
    uint64_t chunk_start; /* stream offset of buf[0] */
    uint32_t next_sector; /* big streams: sector holding block next_block, the first not yet loaded */
    uint64_t next_block;
    uint32_t skip;   /* bytes of the next loaded chunk that lie before pos (after a seek) */
    uint32_t *marks; /* big streams: the sector of every CFB_MARK_EVERY-th block, so a seek walks little */
    unsigned char *buf;
    size_t buf_len, buf_off;
};

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint16_t le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* Positioned read of n bytes at off; bytes past the end of the file are a truncation error. */
static pl_status raw_read(pl_cfb *c, uint64_t off, void *buf, size_t n, pl_error *err)
{
    if (off > c->file_size || n > c->file_size - off)
        return pl_error_set(err, PL_EFORMAT, c->path,
                            "truncated compound file: needs bytes up to %llu but the file has %llu",
                            (unsigned long long)(off + n), (unsigned long long)c->file_size);
    if (c->mem) {
        memcpy(buf, c->mem + off, n);
        return PL_OK;
    }
    size_t done = 0;
    while (done < n) {
        ssize_t r = pread(c->fd, (char *)buf + done, n - done, (off_t)(off + done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return pl_error_errno(err, PL_EIO, c->path, "cannot read");
        if (r == 0)
            return pl_error_set(err, PL_EFORMAT, c->path, "truncated compound file: the file shrank while reading");
        done += (size_t)r;
    }
    return PL_OK;
}

static uint64_t sector_offset(const pl_cfb *c, uint32_t id)
{
    return ((uint64_t)id + 1) << c->shift;
}

/* Reads one whole sector, which must lie inside the file. */
static pl_status read_sector(pl_cfb *c, uint32_t id, unsigned char *buf, const char *what, pl_error *err)
{
    if (id >= c->n_sectors)
        return pl_error_set(err, PL_EFORMAT, c->path, "corrupt compound file: %s sector %u is past the end of the file",
                            what, id);
    return raw_read(c, sector_offset(c, id), buf, c->ss, err);
}

/* Walks nsteps links of a chain from start, refusing loops (a visited bitmap) and ids outside the table. */
static pl_status check_chain(pl_cfb *c, const uint32_t *fat, uint32_t len, uint32_t start, uint64_t nsteps,
                             const char *what, pl_error *err)
{
    if (nsteps == 0)
        return PL_OK;
    if (nsteps > len)
        return pl_error_set(err, PL_EFORMAT, c->path, "corrupt compound file: %s needs %llu sectors but only %u exist",
                            what, (unsigned long long)nsteps, len);
    uint8_t *seen = pl_calloc((len + 7) / 8, 1, "compound file chain check", err);
    if (!seen) {
        pl_error_locate(err, c->path);
        return err ? err->code : PL_ENOMEM;
    }
    pl_status st = PL_OK;
    uint32_t id = start;
    for (uint64_t i = 0; i < nsteps; i++) {
        if (id == CFB_END || id == CFB_FREE) {
            st = pl_error_set(err, PL_EFORMAT, c->path, "corrupt compound file: %s ends after %llu of %llu sectors",
                              what, (unsigned long long)i, (unsigned long long)nsteps);
            break;
        }
        if (id >= len) {
            st = pl_error_set(err, PL_EFORMAT, c->path,
                              "corrupt compound file: %s points to sector %u outside the file", what, id);
            break;
        }
        if (seen[id / 8] & (1u << (id % 8))) {
            st = pl_error_set(err, PL_EFORMAT, c->path, "corrupt compound file: %s loops back to sector %u", what, id);
            break;
        }
        seen[id / 8] |= (uint8_t)(1u << (id % 8));
        id = fat[id];
    }
    pl_free(seen);
    return st;
}

/* Length of a chain that ends with ENDOFCHAIN, refusing loops (step limit = table length) and bad ids. */
static pl_status chain_length(pl_cfb *c, const uint32_t *fat, uint32_t len, uint32_t start, const char *what,
                              uint32_t *out, pl_error *err)
{
    uint32_t n = 0;
    for (uint32_t id = start; id != CFB_END && id != CFB_FREE; id = fat[id]) {
        if (id >= len)
            return pl_error_set(err, PL_EFORMAT, c->path,
                                "corrupt compound file: %s points to sector %u outside the file", what, id);
        if (++n > len)
            return pl_error_set(err, PL_EFORMAT, c->path, "corrupt compound file: %s loops", what);
    }
    *out = n;
    return PL_OK;
}

/* FAT sector ids come from the header's 109 DIFAT slots, then from a chain of DIFAT sectors (last slot = next). */
static pl_status load_fat(pl_cfb *c, const unsigned char *hdr, uint32_t n_fat, uint32_t difat_start, uint32_t n_difat,
                          pl_error *err)
{
    uint32_t per = c->ss / 4;
    uint64_t need = ((uint64_t)c->n_sectors + per - 1) / per;
    if (need > n_fat)
        need = n_fat;
    if (need * c->ss > CFB_FAT_MAX)
        return pl_error_set(err, PL_ELIMIT, c->path, "compound file allocation table of %llu bytes exceeds %u MiB",
                            (unsigned long long)(need * c->ss), CFB_FAT_MAX >> 20);
    c->fat = pl_alloc(need ? need * c->ss : 4, "compound file FAT", err);
    unsigned char *sec = pl_alloc(2 * (size_t)c->ss, "compound file sector", err);
    if (!c->fat || !sec) {
        pl_free(sec);
        pl_error_locate(err, c->path);
        return err ? err->code : PL_ENOMEM;
    }
    unsigned char *difat = sec + c->ss; /* the DIFAT sector in use; sec holds each FAT sector as it is read */
    pl_status st = PL_OK;
    uint32_t difat_id = difat_start, difat_read = 0, slot = per; /* slot == per - 1 means: load the next DIFAT sector */
    uint64_t k = 0;
    for (; k < need && st == PL_OK; k++) {
        uint32_t id;
        if (k < CFB_HEADER_DIFAT) {
            id = le32(hdr + 0x4C + 4 * k);
        } else {
            if (slot >= per - 1) {
                if (difat_id >= CFB_MAXREG || difat_read >= n_difat || difat_read >= c->n_sectors)
                    break; /* the DIFAT lists fewer FAT sectors than the file has: the rest are free */
                st = read_sector(c, difat_id, difat, "DIFAT", err);
                if (st != PL_OK)
                    break;
                difat_read++;
                difat_id = le32(difat + c->ss - 4);
                slot = 0;
            }
            id = le32(difat + 4 * slot++);
        }
        if (id >= CFB_MAXREG)
            break;
        st = read_sector(c, id, sec, "FAT", err);
        for (uint32_t i = 0; st == PL_OK && i < per; i++)
            c->fat[k * per + i] = le32(sec + 4 * i);
    }
    pl_free(sec);
    uint64_t have = k * per;
    c->fat_len = (uint32_t)(have < c->n_sectors ? have : c->n_sectors);
    return st;
}

/* The MiniFAT maps 64-byte sectors of the mini stream; it is read whole (it is small: 4 bytes per 64 bytes of
 * small streams, and the mini stream holds only streams under 4096 bytes). */
static pl_status load_minifat(pl_cfb *c, uint32_t start, pl_error *err)
{
    uint32_t n = 0;
    if (start >= CFB_MAXREG)
        return PL_OK;
    pl_status st = chain_length(c, c->fat, c->fat_len, start, "MiniFAT chain", &n, err);
    if (st != PL_OK)
        return st;
    uint32_t per = c->ss / 4;
    if ((uint64_t)n * c->ss > CFB_FAT_MAX)
        return pl_error_set(err, PL_ELIMIT, c->path, "compound file MiniFAT exceeds %u MiB", CFB_FAT_MAX >> 20);
    c->minifat = pl_alloc((size_t)n * c->ss + 4, "compound file MiniFAT", err);
    if (!c->minifat) {
        pl_error_locate(err, c->path);
        return err ? err->code : PL_ENOMEM;
    }
    unsigned char *sec = (unsigned char *)c->minifat; /* decoded in place: 4 bytes in, 4 bytes out */
    uint32_t id = start;
    for (uint32_t k = 0; k < n; k++, id = c->fat[id]) {
        st = read_sector(c, id, sec + (size_t)k * c->ss, "MiniFAT", err);
        if (st != PL_OK)
            return st;
    }
    for (uint64_t i = 0; i < (uint64_t)n * per; i++)
        c->minifat[i] = le32(sec + 4 * i);
    c->minifat_len = n * per;
    return PL_OK;
}

static pl_status parse_header(pl_cfb *c, const unsigned char *h, pl_error *err)
{
    if (memcmp(h, cfb_magic, 8) != 0)
        return pl_error_set(err, PL_EFORMAT, c->path, "not a compound file (no OLE2 signature)");
    if (le16(h + 0x1C) != 0xFFFE)
        return pl_error_set(err, PL_EFORMAT, c->path, "corrupt compound file: bad byte-order mark");
    uint16_t major = le16(h + 0x1A), shift = le16(h + 0x1E), mini_shift = le16(h + 0x20);
    if (shift != 9 && shift != 12)
        return pl_error_set(err, PL_EFORMAT, c->path, "corrupt compound file: sector size 2^%u (expected 512 or 4096)",
                            shift);
    if (mini_shift != 6)
        return pl_error_set(err, PL_EFORMAT, c->path, "corrupt compound file: mini sector size 2^%u (expected 64)",
                            mini_shift);
    c->v3 = major != 4;
    c->shift = shift;
    c->ss = 1u << shift;
    c->mini_cutoff = le32(h + 0x38);
    if (c->mini_cutoff > 0x10000)
        return pl_error_set(err, PL_EFORMAT, c->path, "corrupt compound file: mini stream cutoff %u", c->mini_cutoff);
    if (c->file_size < (uint64_t)c->ss)
        return pl_error_set(err, PL_EFORMAT, c->path, "truncated compound file: %llu bytes, shorter than its header",
                            (unsigned long long)c->file_size);
    uint64_t n = (c->file_size - c->ss + c->ss - 1) >> shift;
    c->n_sectors = n > CFB_MAXREG ? CFB_MAXREG : (uint32_t)n;
    c->dir_start = le32(h + 0x30);
    return PL_OK;
}

static pl_status cfb_init(pl_cfb *c, pl_error *err)
{
    unsigned char h[512];
    if (c->file_size < sizeof h)
        return pl_error_set(err, PL_EFORMAT, c->path, "not a compound file: %llu bytes, shorter than its header",
                            (unsigned long long)c->file_size);
    pl_status st = raw_read(c, 0, h, sizeof h, err);
    if (st == PL_OK)
        st = parse_header(c, h, err);
    if (st == PL_OK)
        st = load_fat(c, h, le32(h + 0x2C), le32(h + 0x44), le32(h + 0x48), err);
    if (st == PL_OK)
        st = load_minifat(c, le32(h + 0x3C), err);
    return st;
}

static pl_status cfb_open(pl_cfb *proto, pl_cfb **out, pl_error *err)
{
    *out = NULL;
    pl_cfb *c = pl_calloc(1, sizeof *c, "compound file reader", err);
    if (!c) {
        pl_error_locate(err, proto->path);
        return err ? err->code : PL_ENOMEM;
    }
    *c = *proto;
    pl_status st = cfb_init(c, err);
    if (st != PL_OK) {
        pl_cfb_close(c);
        return st;
    }
    *out = c;
    return PL_OK;
}

pl_status pl_cfb_open_fd(int fd, const char *path, pl_cfb **out, pl_error *err)
{
    off_t end = lseek(fd, 0, SEEK_END);
    if (end < 0)
        return pl_error_errno(err, PL_EIO, path, "cannot find the size of the file");
    pl_cfb proto = {.path = path, .fd = fd, .file_size = (uint64_t)end};
    return cfb_open(&proto, out, err);
}

pl_status pl_cfb_open_mem(const void *mem, size_t size, const char *path, pl_cfb **out, pl_error *err)
{
    pl_cfb proto = {.path = path, .fd = -1, .mem = mem, .file_size = size};
    return cfb_open(&proto, out, err);
}

void pl_cfb_close(pl_cfb *c)
{
    if (!c)
        return;
    pl_free(c->fat);
    pl_free(c->minifat);
    pl_free(c);
}

/* Directory entries: UTF-16 name (64 bytes), name length, type, colour, left, right, child, ..., start, size. */
typedef struct dir_view {
    unsigned char *bytes;
    uint32_t n;
} dir_view;

static pl_status load_directory(pl_cfb *c, dir_view *d, pl_error *err)
{
    uint32_t n = 0;
    pl_status st = chain_length(c, c->fat, c->fat_len, c->dir_start, "directory chain", &n, err);
    if (st != PL_OK)
        return st;
    if (n == 0)
        return pl_error_set(err, PL_EFORMAT, c->path, "corrupt compound file: empty directory");
    if ((uint64_t)n * c->ss > CFB_DIR_MAX)
        return pl_error_set(err, PL_ELIMIT, c->path, "compound file directory of %u sectors exceeds %u MiB", n,
                            CFB_DIR_MAX >> 20);
    d->bytes = pl_alloc((size_t)n * c->ss, "compound file directory", err);
    if (!d->bytes) {
        pl_error_locate(err, c->path);
        return err ? err->code : PL_ENOMEM;
    }
    uint32_t id = c->dir_start;
    for (uint32_t k = 0; k < n; k++, id = c->fat[id]) {
        st = read_sector(c, id, d->bytes + (size_t)k * c->ss, "directory", err);
        if (st != PL_OK)
            return st;
    }
    d->n = n * (c->ss / CFB_DIR_ENTRY);
    return PL_OK;
}

static void entry_name(const unsigned char *e, char out[32])
{
    unsigned len = le16(e + 0x40);
    unsigned chars = len >= 2 ? len / 2 - 1 : 0;
    if (chars > 31)
        chars = 31;
    for (unsigned i = 0; i < chars; i++) {
        uint16_t u = le16(e + 2 * i);
        out[i] = u >= 0x20 && u < 0x7F ? (char)u : '?';
    }
    out[chars] = 0;
}

static uint64_t entry_size(const pl_cfb *c, const unsigned char *e)
{
    uint64_t lo = le32(e + 0x78), hi = le32(e + 0x7C);
    return c->v3 ? lo : lo | hi << 32; /* version 3 files may leave garbage in the high half */
}

/* Depth-first walk of the root's children (a red-black tree over left/right links), with a visited bitmap. */
static long find_child(pl_cfb *c, const dir_view *d, const char *name, pl_error *err, pl_status *st)
{
    uint32_t *stack = pl_alloc((size_t)d->n * sizeof *stack, "compound file directory walk", err);
    uint8_t *seen = pl_calloc((d->n + 7) / 8, 1, "compound file directory walk", err);
    long found = -1;
    *st = PL_OK;
    if (!stack || !seen) {
        pl_error_locate(err, c->path);
        *st = err ? err->code : PL_ENOMEM;
        goto out;
    }
    size_t top = 0;
    stack[top++] = le32(d->bytes + 0x4C);
    while (top > 0 && found < 0) {
        uint32_t id = stack[--top];
        if (id >= d->n || (seen[id / 8] & (1u << (id % 8))))
            continue;
        seen[id / 8] |= (uint8_t)(1u << (id % 8));
        const unsigned char *e = d->bytes + (size_t)id * CFB_DIR_ENTRY;
        char nm[32];
        entry_name(e, nm);
        if (e[0x42] == 2 && strcasecmp(nm, name) == 0)
            found = id;
        uint32_t left = le32(e + 0x44), right = le32(e + 0x48);
        if (left < d->n && top < d->n)
            stack[top++] = left;
        if (right < d->n && top < d->n)
            stack[top++] = right;
    }
out:
    pl_free(stack);
    pl_free(seen);
    return found;
}

pl_status pl_cfb_find(pl_cfb *c, const char *name, pl_cfb_entry *out, pl_error *err)
{
    dir_view d = {0};
    pl_status st = load_directory(c, &d, err);
    if (st != PL_OK) {
        pl_free(d.bytes);
        return st;
    }
    const unsigned char *root = d.bytes;
    if (root[0x42] != 5) {
        pl_free(d.bytes);
        return pl_error_set(err, PL_EFORMAT, c->path,
                            "corrupt compound file: the first directory entry is not the root");
    }
    c->root_start = le32(root + 0x74);
    c->root_size = entry_size(c, root);
    long id = find_child(c, &d, name, err, &st);
    if (id >= 0) {
        const unsigned char *e = d.bytes + (size_t)id * CFB_DIR_ENTRY;
        entry_name(e, out->name);
        out->start = le32(e + 0x74);
        out->size = entry_size(c, e);
    }
    pl_free(d.bytes);
    if (st != PL_OK)
        return st;
    return id >= 0 ? PL_OK : PL_ENOTFOUND;
}

/* A small stream lives in the mini stream: it is read whole (under 4096 bytes) through the MiniFAT. */
static pl_status read_mini(pl_cfb_stream *s, uint32_t start, pl_error *err)
{
    pl_cfb *c = s->c;
    uint64_t nmini = (s->size + 63) / 64;
    pl_status st = check_chain(c, c->minifat, c->minifat_len, start, nmini, "small stream chain", err);
    if (st != PL_OK)
        return st;
    uint64_t root_sectors = (c->root_size + c->ss - 1) >> c->shift;
    st = check_chain(c, c->fat, c->fat_len, c->root_start, root_sectors, "mini stream chain", err);
    if (st != PL_OK)
        return st;
    uint32_t id = start;
    for (uint64_t k = 0; k < nmini; k++, id = c->minifat[id]) {
        uint64_t off = (uint64_t)id * 64, block = off >> c->shift;
        if (off + 64 > c->root_size)
            return pl_error_set(err, PL_EFORMAT, c->path,
                                "corrupt compound file: mini sector %u is past the mini stream", id);
        uint32_t sec = c->root_start;
        for (uint64_t b = 0; b < block; b++)
            sec = c->fat[sec];
        size_t n = (size_t)(s->size - k * 64 < 64 ? s->size - k * 64 : 64);
        st = raw_read(c, sector_offset(c, sec) + (off & (c->ss - 1)), s->buf + k * 64, n, err);
        if (st != PL_OK)
            return st;
    }
    s->buf_len = (size_t)s->size;
    return PL_OK;
}

/* Notes the sector of every CFB_MARK_EVERY-th block of a checked chain: a seek (one per sheet) then walks at most
 * CFB_MARK_EVERY links instead of the whole chain, which a file with thousands of sheets could make quadratic. */
static pl_status mark_chain(pl_cfb_stream *s, pl_error *err)
{
    pl_cfb *c = s->c;
    uint64_t blocks = (s->size + c->ss - 1) >> c->shift;
    s->marks = pl_calloc((size_t)(blocks / CFB_MARK_EVERY + 1), sizeof *s->marks, "compound file stream index", err);
    if (!s->marks) {
        pl_error_locate(err, c->path);
        return err ? err->code : PL_ENOMEM;
    }
    uint32_t id = s->start;
    for (uint64_t b = 0; b < blocks; b++, id = c->fat[id])
        if (b % CFB_MARK_EVERY == 0)
            s->marks[b / CFB_MARK_EVERY] = id;
    if (blocks == 0)
        s->marks[0] = s->start;
    return PL_OK;
}

pl_status pl_cfb_stream_open(pl_cfb *c, const pl_cfb_entry *e, pl_cfb_stream **out, pl_error *err)
{
    *out = NULL;
    pl_cfb_stream *s = pl_calloc(1, sizeof *s, "compound file stream", err);
    if (!s) {
        pl_error_locate(err, c->path);
        return err ? err->code : PL_ENOMEM;
    }
    s->c = c;
    s->size = e->size;
    s->mini = e->size < c->mini_cutoff;
    s->next_sector = e->start;
    s->start = e->start;
    size_t cap = s->mini ? (size_t)e->size + 64 : CFB_CHUNK;
    s->buf = pl_alloc(cap, "compound file stream buffer", err);
    pl_status st = s->buf ? PL_OK : (err ? err->code : PL_ENOMEM);
    if (!s->buf)
        pl_error_locate(err, c->path);
    else if (s->mini)
        st = read_mini(s, e->start, err);
    else
        st = check_chain(c, c->fat, c->fat_len, e->start, (e->size + c->ss - 1) >> c->shift, "stream chain", err);
    if (st == PL_OK && !s->mini)
        st = mark_chain(s, err);
    if (st != PL_OK) {
        pl_cfb_stream_close(s);
        return st;
    }
    *out = s;
    return PL_OK;
}

void pl_cfb_stream_close(pl_cfb_stream *s)
{
    if (!s)
        return;
    pl_free(s->buf);
    pl_free(s->marks);
    pl_free(s);
}

/* Loads the next chunk of a big stream: runs of consecutive sectors are read with one pread each. */
static pl_status load_chunk(pl_cfb_stream *s, pl_error *err)
{
    pl_cfb *c = s->c;
    uint64_t blocks = (s->size + c->ss - 1) >> c->shift;
    s->buf_len = 0;
    s->chunk_start = s->next_block << c->shift;
    while (s->buf_len + c->ss <= CFB_CHUNK && s->next_block < blocks) {
        uint32_t first = s->next_sector, run = 0;
        uint64_t bytes = 0;
        do {
            uint64_t left = s->size - (s->next_block << c->shift);
            bytes += left < c->ss ? left : c->ss;
            run++;
            s->next_block++;
            if (s->next_sector >= c->fat_len)
                return pl_error_set(err, PL_EINTERNAL, c->path, "stream chain changed while reading");
            s->next_sector = c->fat[s->next_sector];
        } while (s->next_block < blocks && s->next_sector == first + run && s->buf_len + bytes + c->ss <= CFB_CHUNK);
        pl_status st = raw_read(c, sector_offset(c, first), s->buf + s->buf_len, (size_t)bytes, err);
        if (st != PL_OK)
            return st;
        s->buf_len += (size_t)bytes;
    }
    s->buf_off = s->skip;
    s->skip = 0;
    return PL_OK;
}

pl_status pl_cfb_stream_read(pl_cfb_stream *s, void *dst, size_t n, size_t *got, pl_error *err)
{
    size_t done = 0;
    while (done < n && s->pos < s->size) {
        if (s->buf_off >= s->buf_len) {
            if (s->mini)
                break;
            pl_status st = load_chunk(s, err);
            if (st != PL_OK)
                return st;
            if (s->buf_len == 0)
                break;
            continue;
        }
        size_t k = s->buf_len - s->buf_off;
        if (k > n - done)
            k = n - done;
        memcpy((char *)dst + done, s->buf + s->buf_off, k);
        s->buf_off += k;
        s->pos += k;
        done += k;
    }
    *got = done;
    return PL_OK;
}

const unsigned char *pl_cfb_stream_take(pl_cfb_stream *s, size_t n)
{
    if (s->buf_len - s->buf_off < n)
        return NULL;
    const unsigned char *p = s->buf + s->buf_off;
    s->buf_off += n;
    s->pos += n;
    return p;
}

pl_status pl_cfb_stream_seek(pl_cfb_stream *s, uint64_t offset, pl_error *err)
{
    pl_cfb *c = s->c;
    if (offset > s->size)
        return pl_error_set(err, PL_EFORMAT, c->path, "offset %llu is past the end of a %llu-byte stream",
                            (unsigned long long)offset, (unsigned long long)s->size);
    s->pos = offset;
    if (s->mini) {
        s->buf_off = (size_t)offset;
        return PL_OK;
    }
    /* Inside the loaded chunk: stay there. Else walk the (already checked) chain from its start. */
    if (s->buf_len && offset >= s->chunk_start && offset < s->chunk_start + s->buf_len) {
        s->buf_off = (size_t)(offset - s->chunk_start);
        return PL_OK;
    }
    uint64_t block = offset >> c->shift;
    uint32_t id = s->marks[block / CFB_MARK_EVERY];
    for (uint64_t b = block - block % CFB_MARK_EVERY; b < block; b++) {
        if (id >= c->fat_len)
            return pl_error_set(err, PL_EFORMAT, c->path, "corrupt compound file: stream chain is cut short");
        id = c->fat[id];
    }
    s->next_block = block;
    s->next_sector = id;
    s->skip = (uint32_t)(offset - (block << c->shift));
    s->buf_len = s->buf_off = 0;
    return PL_OK;
}

uint64_t pl_cfb_stream_tell(const pl_cfb_stream *s)
{
    return s->pos;
}
uint64_t pl_cfb_stream_size(const pl_cfb_stream *s)
{
    return s->size;
}

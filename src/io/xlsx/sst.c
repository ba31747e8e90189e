/* The shared-strings table. Strings are kept in memory (one byte arena and an offset per string) while that stays
 * within limits.strings_memory. Past it, both move to an unlinked temporary file: the bytes in one region written
 * sequentially, and a fixed-width offset index (8 bytes per string) in a second file, so string i is two preads
 * away (served by the page cache) and the process holds only the write buffers, whatever the string count. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "io/xlsx/xlsx_internal.h"
#include "plateau/mem.h"

#define MAX_STRING (32u << 20)
#define SPILL_BUF (256u << 10)

struct xsst {
    size_t count;
    const char *path;
    size_t budget;
    /* in memory */
    char *data;
    size_t data_len, data_cap;
    uint64_t *offs; /* start of each string */
    size_t offs_cap;
    /* spilled */
    bool spilled;
    int data_fd, idx_fd;
    uint64_t data_size;
    char *dbuf, *ibuf; /* write buffers while loading */
    size_t dlen, ilen;
};

typedef struct sst_parse {
    xsst *s;
    pl_error *err;
    const char *path;
    xbuf text;
    int in_t, in_rph, in_si;
} sst_parse;

static int temp_fd(pl_error *err, const char *path)
{
    const char *dir = getenv("TMPDIR");
    char name[4096];
    snprintf(name, sizeof name, "%s/plateau-strings-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(name);
    if (fd < 0) {
        pl_error_errno(err, PL_EIO, path, "cannot create a temporary file for shared strings in %s",
                       dir && *dir ? dir : "/tmp");
        return -1;
    }
    unlink(name);
    return fd;
}

static pl_status write_all(int fd, const void *buf, size_t n, const char *path, pl_error *err)
{
    const char *p = buf;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return pl_error_errno(err, PL_EIO, path, "cannot write the shared-strings spill file");
        p += w;
        n -= (size_t)w;
    }
    return PL_OK;
}

/* Moves everything kept in memory to the spill files; from here on strings are appended there. */
static pl_status spill(xsst *s, pl_error *err)
{
    s->data_fd = temp_fd(err, s->path);
    s->idx_fd = s->data_fd >= 0 ? temp_fd(err, s->path) : -1;
    if (s->idx_fd < 0)
        return PL_EIO;
    s->spilled = true;
    pl_status st = write_all(s->data_fd, s->data, s->data_len, s->path, err);
    if (!st)
        st = write_all(s->idx_fd, s->offs, s->count * sizeof(uint64_t), s->path, err);
    s->data_size = s->data_len;
    pl_free(s->data);
    pl_free(s->offs);
    s->data = NULL;
    s->offs = NULL;
    if (st)
        return st;
    s->dbuf = pl_alloc(SPILL_BUF, "shared-strings write buffer", err);
    s->ibuf = s->dbuf ? pl_alloc(SPILL_BUF, "shared-strings index buffer", err) : NULL;
    return s->ibuf ? PL_OK : (err ? err->code : PL_ENOMEM);
}

static pl_status buffered(int fd, char *buf, size_t *len, const void *p, size_t n, const char *path, pl_error *err)
{
    if (*len + n > SPILL_BUF) {
        pl_status st = write_all(fd, buf, *len, path, err);
        if (st)
            return st;
        *len = 0;
        if (n > SPILL_BUF)
            return write_all(fd, p, n, path, err);
    }
    if (n)
        memcpy(buf + *len, p, n);
    *len += n;
    return PL_OK;
}

static pl_status add_spilled(xsst *s, const char *str, size_t n, pl_error *err)
{
    uint64_t off = s->data_size;
    pl_status st = buffered(s->idx_fd, s->ibuf, &s->ilen, &off, sizeof off, s->path, err);
    if (!st)
        st = buffered(s->data_fd, s->dbuf, &s->dlen, str, n, s->path, err);
    s->data_size += n;
    s->count++;
    return st;
}

static pl_status grow(void **p, size_t *cap, size_t need, size_t elem, const char *what, pl_error *err)
{
    if (need <= *cap)
        return PL_OK;
    size_t c = *cap ? *cap : 1024;
    while (c < need)
        c *= 2;
    void *g = pl_realloc(*p, c * elem, what, err);
    if (!g)
        return err ? err->code : PL_ENOMEM;
    *p = g;
    *cap = c;
    return PL_OK;
}

static pl_status add_string(xsst *s, const char *str, size_t n, pl_error *err)
{
    if (s->spilled)
        return add_spilled(s, str, n, err);
    size_t data_need = s->data_len + n, offs_need = s->count + 1;
    size_t projected = (data_need > s->data_cap ? data_need * 2 : s->data_cap) +
                       (offs_need > s->offs_cap ? offs_need * 2 : s->offs_cap) * sizeof(uint64_t);
    if (projected > s->budget) {
        pl_status st = spill(s, err);
        return st ? st : add_spilled(s, str, n, err);
    }
    pl_status st = grow((void **)&s->data, &s->data_cap, data_need, 1, "shared strings", err);
    if (!st)
        st = grow((void **)&s->offs, &s->offs_cap, offs_need, sizeof(uint64_t), "shared-string offsets", err);
    if (st)
        return st;
    if (n)
        memcpy(s->data + s->data_len, str, n);
    s->offs[s->count++] = s->data_len;
    s->data_len += n;
    return PL_OK;
}

static void on_start(sst_parse *sp, const char *l, uint32_t n)
{
    if (n == 2 && l[0] == 's' && l[1] == 'i') {
        sp->in_si = 1;
        sp->text.len = 0;
    } else if (n == 3 && !memcmp(l, "rPh", 3))
        sp->in_rph++;
    else if (n == 1 && l[0] == 't')
        sp->in_t++;
}

/* Re-words an error the allocator or the store already described, keeping its code. */
static pl_status fail_with(sst_parse *sp, pl_status st, const char *what)
{
    char msg[PL_ERROR_MSG_MAX];
    snprintf(msg, sizeof msg, "%s", sp->err ? sp->err->msg : "");
    return pl_error_set(sp->err, st, sp->path, "%s%s", what, msg);
}

static pl_status on_end(sst_parse *sp, const char *l, uint32_t n)
{
    if (n == 1 && l[0] == 't' && sp->in_t)
        sp->in_t--;
    else if (n == 3 && !memcmp(l, "rPh", 3) && sp->in_rph)
        sp->in_rph--;
    else if (n == 2 && l[0] == 's' && l[1] == 'i' && sp->in_si) {
        sp->in_si = 0;
        xbuf_unescape_from(&sp->text, 0);
        pl_status st = add_string(sp->s, sp->text.data ? sp->text.data : "", sp->text.len, sp->err);
        if (st)
            return fail_with(sp, st, "");
    }
    return PL_OK;
}

static pl_status on_text(sst_parse *sp, const char *s, size_t len)
{
    if (!sp->in_si || !sp->in_t || sp->in_rph)
        return PL_OK;
    pl_status st = xbuf_append(&sp->text, s, len, sp->err);
    if (st) {
        char what[64];
        snprintf(what, sizeof what, "shared string %zu: ", sp->s->count);
        return fail_with(sp, st, what);
    }
    return PL_OK;
}

/* After a start tag, "<t>text</t>" children are taken in one step (the same effect as their three events). */
static pl_status simple_children(sst_parse *sp, xtok *t)
{
    const char *l, *text;
    uint32_t n;
    size_t len;
    while (xt_simple_child(t, &l, &n, &text, &len)) {
        on_start(sp, l, n);
        pl_status st = on_text(sp, text, len);
        if (!st)
            st = on_end(sp, l, n);
        if (st)
            return st;
    }
    return PL_OK;
}

/* The part through the streaming tokenizer: with a million strings, expat was most of the load time. */
static pl_status parse_strings(zip_t *zip, const pl_workbook_limits *lim, const char *part, sst_parse *sp)
{
    char label[600];
    snprintf(label, sizeof label, "part '%s'", part);
    xtok t;
    pl_status st = xt_open(&t, zip, sp->path, lim, part, label, sp->err);
    xt_kind kind;
    while (!st && (st = xt_next(&t, &kind)) == PL_OK) {
        if (kind == XT_TEXT)
            st = on_text(sp, t.text, t.tlen);
        else if (kind == XT_END)
            st = on_end(sp, t.local, t.llen);
        else {
            on_start(sp, t.local, t.llen);
            st = simple_children(sp, &t);
        }
    }
    xt_close(&t);
    return st == PL_DONE ? PL_OK : st;
}

/* Writes the buffered tails and the closing offset, so string i spans idx[i]..idx[i+1]. */
static pl_status finish_spill(xsst *s, pl_error *err)
{
    uint64_t end = s->data_size;
    pl_status st = buffered(s->idx_fd, s->ibuf, &s->ilen, &end, sizeof end, s->path, err);
    if (!st)
        st = write_all(s->idx_fd, s->ibuf, s->ilen, s->path, err);
    if (!st)
        st = write_all(s->data_fd, s->dbuf, s->dlen, s->path, err);
    pl_free(s->dbuf);
    pl_free(s->ibuf);
    s->dbuf = s->ibuf = NULL;
    return st;
}

pl_status xsst_read(zip_t *zip, const char *path, const pl_workbook_limits *lim, const char *part, xsst **out,
                    pl_error *err)
{
    *out = NULL;
    xsst *s = pl_calloc(1, sizeof *s, "shared strings", err);
    if (!s)
        return err ? err->code : PL_ENOMEM;
    s->path = path;
    s->data_fd = s->idx_fd = -1;
    s->budget = lim->strings_memory ? lim->strings_memory : (16u << 20);
    sst_parse sp = {.s = s, .err = err, .path = path, .text = {.max = MAX_STRING}};
    pl_status st = parse_strings(zip, lim, part, &sp);
    xbuf_free(&sp.text);
    if (!st && s->spilled)
        st = finish_spill(s, err);
    if (st) {
        xsst_free(s);
        return st;
    }
    *out = s;
    return PL_OK;
}

size_t xsst_count(const xsst *s)
{
    return s ? s->count : 0;
}
bool xsst_spilled(const xsst *s)
{
    return s && s->spilled;
}

static pl_status pread_all(int fd, void *buf, size_t n, uint64_t off, const char *path, pl_error *err)
{
    char *p = buf;
    while (n) {
        ssize_t r = pread(fd, p, n, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return pl_error_errno(err, PL_EIO, path, "cannot read the shared-strings spill file");
        p += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return PL_OK;
}

pl_status xsst_get(xsst *s, size_t i, xbuf *b, pl_error *err)
{
    if (!s || i >= s->count)
        return pl_error_set(err, PL_EFORMAT, s ? s->path : NULL,
                            "a cell refers to shared string %zu but the workbook has %zu", i, s ? s->count : 0);
    if (!s->spilled) {
        uint64_t a = s->offs[i], z = i + 1 < s->count ? s->offs[i + 1] : s->data_len;
        return xbuf_append(b, s->data + a, (size_t)(z - a), err);
    }
    uint64_t span[2];
    pl_status st = pread_all(s->idx_fd, span, sizeof span, (uint64_t)i * sizeof(uint64_t), s->path, err);
    if (st)
        return st;
    if (span[1] < span[0] || span[1] - span[0] > MAX_STRING)
        return pl_error_set(err, PL_EINTERNAL, s->path, "shared-strings spill index is inconsistent");
    size_t n = (size_t)(span[1] - span[0]);
    size_t at = b->len;
    st = xbuf_reserve(b, n, err);
    if (!st && n)
        st = pread_all(s->data_fd, b->data + at, n, span[0], s->path, err);
    if (!st) {
        b->len = at + n;
        b->data[b->len] = '\0';
    }
    return st;
}

void xsst_free(xsst *s)
{
    if (!s)
        return;
    pl_free(s->data);
    pl_free(s->offs);
    pl_free(s->dbuf);
    pl_free(s->ibuf);
    if (s->data_fd >= 0)
        close(s->data_fd);
    if (s->idx_fd >= 0)
        close(s->idx_fd);
    pl_free(s);
}

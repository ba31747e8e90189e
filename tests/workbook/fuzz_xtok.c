/* libFuzzer target for the worksheet XML tokenizer (src/io/xlsx/xtok.c). The first byte picks a buffer size, the
 * rest is the XML, stored as the one entry of a zip. The bytes are tokenized twice, with that tiny buffer (every token
 * then straddles reads) and with the normal one, and both runs must give the same events (consecutive text pieces
 * joined) or the same error message: how the input is cut must never change what is read. Also linked
 * into tests/fuzz_replay.c, which feeds it every file in tests/fixtures/gen/xtok-regress/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "io/xlsx/xlsx_internal.h"

typedef struct digest {
    uint64_t h;
    bool in_text;
    size_t events;
} digest;

static void mix(digest *d, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        d->h = (d->h ^ b[i]) * 0x100000001b3ull;
}

static void mark(digest *d, char kind)
{
    d->in_text = kind == 'T';
    mix(d, &kind, 1);
    d->events++;
}

static void on_text(digest *d, const char *s, size_t n)
{
    if (!d->in_text)
        mark(d, 'T');
    mix(d, s, n);
}

/* Tokenizes the entry; the digest covers events, outcome and message. */
static digest run(zip_t *zip, size_t buffer)
{
    digest d = {.h = 0xcbf29ce484222325ull};
    pl_workbook_limits lim;
    pl_workbook_limits_default(&lim);
    pl_error err = {0};
    xtok t;
    pl_status st = xt_open_sized(&t, zip, "fuzz.xlsx", &lim, "s.xml", "part 's.xml'", buffer, &err);
    xt_kind kind;
    while (!st && (st = xt_next(&t, &kind)) == PL_OK) {
        if (kind == XT_TEXT) {
            on_text(&d, t.text, t.tlen);
            continue;
        }
        mark(&d, kind == XT_START ? 'S' : 'E');
        mix(&d, t.name, t.nlen);
        mix(&d, t.local, t.llen);
        if (kind != XT_START)
            continue;
        for (uint32_t i = 0; i < t.n_attrs; i++) {
            mix(&d, t.attrs[i].name, t.attrs[i].nlen);
            mix(&d, "=", 1);
            mix(&d, t.attrs[i].val, t.attrs[i].vlen);
        }
        const char *l, *text;
        uint32_t n;
        size_t len;
        while (xt_simple_child(&t, &l, &n, &text, &len)) { /* what the sheet reader does after a start */
            mark(&d, 'S');
            mix(&d, l, n);
            mix(&d, l, n);
            if (len)
                on_text(&d, text, len);
            mark(&d, 'E');
            mix(&d, l, n);
            mix(&d, l, n);
        }
        if (xt_simple_end(&t)) { /* and the end tag that follows */
            mark(&d, 'E');
            mix(&d, t.name, t.nlen);
            mix(&d, t.local, t.llen);
        }
    }
    xt_close(&t);
    if (st != PL_DONE) { /* a failed read may have given a text piece more or less before the error: compare the error */
        d = (digest){.h = 0xcbf29ce484222325ull};
        mix(&d, err.msg, strlen(err.msg));
    }
    mark(&d, 'X');
    mix(&d, &st, sizeof st);
    return d;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    if (!path[0])
        snprintf(path, sizeof path, "%s/plateau-fuzz-xtok-%d.zip", access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm",
                 (int)getpid());
    if (size < 1)
        return 0;
    size_t small = 1 + data[0] % 61;
    int zerr;
    zip_t *w = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    if (!w)
        return 0;
    zip_source_t *src = zip_source_buffer(w, data + 1, size - 1, 0);
    zip_int64_t i = src ? zip_file_add(w, "s.xml", src, ZIP_FL_OVERWRITE) : -1;
    if (i < 0 && src)
        zip_source_free(src);
    if (i < 0 || zip_set_file_compression(w, (zip_uint64_t)i, ZIP_CM_STORE, 0) || zip_close(w)) {
        zip_discard(w);
        unlink(path);
        return 0;
    }
    zip_t *zip = zip_open(path, ZIP_RDONLY, &zerr);
    if (zip) {
        digest a = run(zip, small), b = run(zip, 64u << 10);
        if (a.h != b.h || a.events != b.events) {
            fprintf(stderr, "fuzz_xtok: buffer size %zu and 64 KiB read the input differently\n", small);
            abort();
        }
        zip_close(zip);
    }
    unlink(path);
    return 0;
}

/* Drives expat over a zip entry in fixed chunks. Expat's own memory goes through the budget, document type
 * declarations are refused (OOXML has none; refusing them rules out entity expansion), and a single token may not
 * grow past a limit. Only the small parts (rels, workbook, styles) still come this way. */
#include <stdarg.h>

#include "io/xlsx/xlsx_internal.h"
#include "plateau/mem.h"
#include "plateau/utf8.h"

#define CHUNK (64u << 10)
#define MAX_TOKEN (32u << 20)

/* Expat sometimes reports a failed allocation as a syntax error ("unbound prefix"), so failures are remembered here
 * and turned into the memory error they really are. */
static _Thread_local bool g_xml_oom;

static void *mm_malloc(size_t n)
{
    void *p = pl_alloc(n, "XML parser", NULL);
    g_xml_oom |= !p;
    return p;
}

static void *mm_realloc(void *p, size_t n)
{
    void *q = pl_realloc(p, n, "XML parser", NULL);
    g_xml_oom |= !q;
    return q;
}
static void mm_free(void *p)
{
    pl_free(p);
}
static const XML_Memory_Handling_Suite mm = {mm_malloc, mm_realloc, mm_free};

void xml_fail(xml_run *r, pl_status code, const char *fmt, ...)
{
    if (r->failed)
        return;
    char msg[PL_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->failed = pl_error_set(r->err, code, r->zs.path, "%s", msg);
    XML_StopParser(r->parser, XML_FALSE);
}

/* Every user data struct starts with its xml_run pointer, so this handler can find the run. */
static void on_doctype(void *user, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid, int internal)
{
    (void)name, (void)sysid, (void)pubid, (void)internal;
    xml_run *r = *(xml_run **)user;
    xml_fail(r, PL_EFORMAT, "part '%s' has a document type declaration, which OOXML does not allow", r->zs.name);
}

const char *xml_attr(const char **atts, const char *local, bool with_ns)
{
    for (size_t i = 0; atts[i]; i += 2) {
        const char *sep = strchr(atts[i], ':');
        if (with_ns ? (sep && !strcmp(sep + 1, local)) : (!sep && !strcmp(atts[i], local)))
            return atts[i + 1];
    }
    return NULL;
}

static pl_status xml_begin(xml_run *r, zip_t *zip, const char *path, const pl_workbook_limits *lim, const char *name,
                           void *user, XML_StartElementHandler start, XML_EndElementHandler end,
                           XML_CharacterDataHandler text, pl_error *err)
{
    memset(r, 0, sizeof *r);
    r->err = err;
    pl_status st = xz_open(zip, path, lim, name, &r->zs, err);
    if (st)
        return st;
    r->opened = true;
    g_xml_oom = false;
    /* No namespace processing: it costs a third of the parse, and OOXML's transitional and strict vocabularies share
     * their local names, so matching on the part after any prefix is enough. */
    r->parser = XML_ParserCreate_MM(NULL, &mm, NULL);
    if (!r->parser) {
        xz_close(&r->zs);
        r->opened = false;
        return pl_error_set(err, PL_ENOMEM, path, "cannot create an XML parser for '%s'", name);
    }
    XML_SetUserData(r->parser, user);
    XML_SetElementHandler(r->parser, start, end);
    if (text)
        XML_SetCharacterDataHandler(r->parser, text);
    XML_SetStartDoctypeDeclHandler(r->parser, on_doctype);
    return PL_OK;
}

static pl_status parse_error(xml_run *r)
{
    if (r->failed)
        return r->failed;
    if (XML_GetErrorCode(r->parser) == XML_ERROR_NO_MEMORY || g_xml_oom)
        return pl_error_set(r->err, PL_EBUDGET, r->zs.path, "not enough memory to parse part '%s'", r->zs.name);
    return pl_error_set(r->err, PL_EFORMAT, r->zs.path, "part '%s' is not well-formed XML (line %lu: %s)", r->zs.name,
                        (unsigned long)XML_GetCurrentLineNumber(r->parser),
                        XML_ErrorString(XML_GetErrorCode(r->parser)));
}

/* One expat call's outcome: more to parse, finished, or failed. */
static pl_status after_parse(xml_run *r, enum XML_Status xs, bool *again)
{
    *again = false;
    if (xs == XML_STATUS_ERROR)
        return parse_error(r);
    if (r->failed)
        return r->failed;
    if (r->fed - r->last_event > MAX_TOKEN)
        return pl_error_set(r->err, PL_ELIMIT, r->zs.path, "part '%s' has an XML token larger than %u MiB", r->zs.name,
                            MAX_TOKEN >> 20);
    if (r->eof)
        return PL_DONE;
    *again = true;
    return PL_OK;
}

static pl_status xml_pump(xml_run *r)
{
    bool again = true;
    while (again) {
        pl_status st;
        if (r->eof) {
            return PL_DONE;
        } else {
            void *buf = XML_GetBuffer(r->parser, (int)CHUNK);
            if (!buf)
                return pl_error_set(r->err, PL_EBUDGET, r->zs.path, "no memory for the XML parser of '%s'", r->zs.name);
            size_t got = 0;
            st = xz_read(&r->zs, buf, CHUNK, &got, r->err);
            if (st)
                return st;
            r->eof = got == 0;
            r->fed += got;
            st = after_parse(r, XML_ParseBuffer(r->parser, (int)got, r->eof), &again);
        }
        if (st || !again)
            return st;
    }
    return PL_OK;
}

static void xml_end(xml_run *r)
{
    if (r->parser)
        XML_ParserFree(r->parser);
    r->parser = NULL;
    if (r->opened)
        xz_close(&r->zs);
    r->opened = false;
}

pl_status xml_parse_part(zip_t *zip, const char *path, const pl_workbook_limits *lim, const char *name, void *user,
                         XML_StartElementHandler start, XML_EndElementHandler end, XML_CharacterDataHandler text,
                         pl_error *err)
{
    xml_run *r = *(xml_run **)user;
    pl_status st = xml_begin(r, zip, path, lim, name, user, start, end, text, err);
    while (!st)
        st = xml_pump(r);
    xml_end(r);
    return st == PL_DONE ? PL_OK : st;
}

pl_status xbuf_reserve(xbuf *b, size_t n, pl_error *err)
{
    if (b->len + n + 1 > b->cap) {
        if (b->max && b->len + n + 1 > b->max)
            return pl_error_set(err, PL_ELIMIT, NULL, "a text value is longer than %zu bytes", b->max);
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = pl_realloc(b->data, cap, "text buffer", err);
        if (!d)
            return err ? err->code : PL_ENOMEM;
        b->data = d;
        b->cap = cap;
    }
    return PL_OK;
}

pl_status xbuf_append(xbuf *b, const char *s, size_t n, pl_error *err)
{
    pl_status st = xbuf_reserve(b, n, err);
    if (st)
        return st;
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return PL_OK;
}

void xbuf_free(xbuf *b)
{
    pl_free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* "_x000D_" -> CR. "_x005F_" escapes a literal underscore ("_x005F_x000D_" is the text "_x000D_"). UTF-8 output of
 * at most 3 bytes never outgrows the 7-byte escape, so this works in place. */
void xbuf_unescape_from(xbuf *b, size_t from)
{
    if (!b->data || !memchr(b->data + from, '_', b->len - from))
        return;
    char *d = b->data;
    size_t o = from, i = from;
    while (i < b->len) {
        if (d[i] == '_' && i + 6 < b->len && d[i + 1] == 'x' && d[i + 6] == '_') {
            int h0 = hexval(d[i + 2]), h1 = hexval(d[i + 3]), h2 = hexval(d[i + 4]), h3 = hexval(d[i + 5]);
            if (h0 >= 0 && h1 >= 0 && h2 >= 0 && h3 >= 0) {
                unsigned cp = (unsigned)(h0 << 12 | h1 << 8 | h2 << 4 | h3);
                if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
                    cp = 0xFFFD;
                o += pl_utf8_put(d + o, cp);
                i += 7;
                continue;
            }
        }
        d[o++] = d[i++];
    }
    b->len = o;
    d[o] = '\0';
}

/* A streaming pull tokenizer for the big parts of a workbook (worksheets, shared strings), written because expat
 * alone capped the reader near 17x openpyxl. It reads the inflated bytes of one zip entry into a buffer; a token that
 * straddles a read (a tag, a reference, a UTF-8 sequence) stays in the buffer, which is compacted before the next read
 * and doubled when a token fills half of it, up to XT_MAX_TOKEN, so a long token is rescanned O(log n) times.
 * Text is delivered in pieces and never has to fit. Decoding (references, line ends, attribute whitespace) happens in
 * place: decoded text is never longer than its source.
 *
 * Accepted: UTF-8 (a BOM is skipped), the XML declaration, processing instructions, comments, CDATA, DOCTYPE-free
 * documents, any namespace prefix (matching is left to callers, on local names), attributes in either quote in any
 * order, the five predefined entities and character references. Refused with one line: everything else that is not
 * well-formed (mismatched or unclosed tags, junk after the root, bad or unknown references, bad UTF-8, control
 * characters, "]]>" in text, "--" in comments, duplicate attributes, truncated input), a DOCTYPE, other encodings, a
 * token past XT_MAX_TOKEN, nesting past XT_MAX_DEPTH, names past 1024 bytes, more than XT_MAX_ATTRS attributes. */
#include <pthread.h>

#include "io/xlsx/xlsx_internal.h"
#include "plateau/mem.h"
#include "plateau/utf8.h"

#define READ_SIZE (128u << 10)
#define MAX_REF 32 /* '&' to ';' */
#define MAX_NAME 1024u

enum step_result { R_EVENT, R_SKIP, R_MORE, R_ERR };

/* Byte classes. In text, class 0 bytes are copied as they are; in attribute values, class 0 and C_RB are. */
enum { C_PLAIN = 0, C_LT, C_AMP, C_RB, C_NL, C_CR, C_TAB, C_CTRL, C_HIGH, C_QUOTE };
static unsigned char g_text_cls[256], g_attr_cls[256], g_name_start[256], g_name_char[256];
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void init_tables(void)
{
    for (int c = 0; c < 256; c++) {
        unsigned char k = c >= 0x80 ? C_HIGH : c < 0x20 ? C_CTRL : C_PLAIN;
        g_text_cls[c] = g_attr_cls[c] = k;
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || c >= 0x80;
        g_name_start[c] = alpha;
        g_name_char[c] = alpha || (c >= '0' && c <= '9') || c == '-' || c == '.';
    }
    g_text_cls['<'] = g_attr_cls['<'] = C_LT;
    g_text_cls['&'] = g_attr_cls['&'] = C_AMP;
    g_text_cls['\n'] = g_attr_cls['\n'] = C_NL;
    g_text_cls['\r'] = g_attr_cls['\r'] = C_CR;
    g_text_cls['\t'] = C_PLAIN;
    g_attr_cls['\t'] = C_TAB;
    g_text_cls[']'] = C_RB;
    g_attr_cls['"'] = g_attr_cls['\''] = C_QUOTE;
}

/* Names are a few bytes: a loop beats a call to memcmp/memcpy. */
static inline bool same_bytes(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

static enum step_result fail(xtok *t, const char *what)
{
    t->status = pl_error_set(t->err, PL_EFORMAT, t->zs.path, "%s is not well-formed XML (line %llu: %s)", t->label,
                             (unsigned long long)t->line, what);
    return R_ERR;
}

/* Length of a valid UTF-8 sequence that is also an XML character at p; 0 if invalid; -1 if it may continue past
 * avail bytes. */
static int utf8_seq(const unsigned char *p, size_t avail)
{
    unsigned c = p[0], lo = 0x80, hi = 0xBF;
    int n;
    if (c < 0xC2)
        return 0;
    if (c < 0xE0)
        n = 2;
    else if (c < 0xF0) {
        n = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF; /* no surrogates */
    } else if (c < 0xF5) {
        n = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else
        return 0;
    if (avail < 2)
        return -1;
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (int i = 2; i < n; i++) {
        if ((size_t)i >= avail)
            return -1;
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    }
    if (n == 3 && c == 0xEF && p[1] == 0xBF && p[2] >= 0xBE) /* U+FFFE, U+FFFF are not XML characters */
        return 0;
    return n;
}

static bool xml_char(unsigned cp)
{
    return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
           (cp >= 0x10000 && cp <= 0x10FFFF);
}

/* A reference at p ('&'): bytes consumed and its UTF-8 in out (*olen); 0 if malformed or unknown; -1 if the ';' may
 * lie past avail bytes. */
static int decode_ref(const char *p, size_t avail, char out[4], int *olen)
{
    size_t lim = avail < MAX_REF ? avail : MAX_REF;
    const char *semi = lim > 1 ? memchr(p + 1, ';', lim - 1) : NULL;
    if (!semi)
        return avail < MAX_REF ? -1 : 0;
    const char *b = p + 1;
    size_t n = (size_t)(semi - b);
    unsigned cp = 0;
    if (n >= 2 && b[0] == '#') {
        bool hex = b[1] == 'x';
        size_t i = hex ? 2 : 1;
        if (i >= n)
            return 0;
        for (; i < n; i++) {
            char c = b[i];
            int d = c >= '0' && c <= '9'          ? c - '0'
                    : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                  : -1;
            if (d < 0)
                return 0;
            cp = cp * (hex ? 16u : 10u) + (unsigned)d;
            if (cp > 0x10FFFF)
                return 0;
        }
        if (!xml_char(cp))
            return 0;
    } else if (n == 3 && !memcmp(b, "amp", 3))
        cp = '&';
    else if (n == 2 && !memcmp(b, "lt", 2))
        cp = '<';
    else if (n == 2 && !memcmp(b, "gt", 2))
        cp = '>';
    else if (n == 4 && !memcmp(b, "quot", 4))
        cp = '"';
    else if (n == 4 && !memcmp(b, "apos", 4))
        cp = '\'';
    else
        return 0;
    *olen = pl_utf8_put(out, cp);
    return (int)n + 2;
}

/* Keeps buf[pos..end), then reads until the buffer is full. The buffer doubles when the kept token takes more than
 * half of it. PL_DONE when nothing more could be read. */
static pl_status refill(xtok *t)
{
    if (t->eof)
        return PL_DONE;
    size_t keep = t->end - t->pos;
    if (t->pos) {
        memmove(t->buf, t->buf + t->pos, keep);
        t->pos = 0;
        t->end = keep;
    }
    if (keep > t->cap / 2) {
        if (keep >= XT_MAX_TOKEN)
            return pl_error_set(t->err, PL_ELIMIT, t->zs.path, "%s has an XML token larger than %u MiB", t->label,
                                XT_MAX_TOKEN >> 20);
        size_t cap = t->cap * 2 > XT_MAX_TOKEN + READ_SIZE ? XT_MAX_TOKEN + READ_SIZE : t->cap * 2;
        char *g = pl_realloc(t->buf, cap, "XML buffer", t->err);
        if (!g)
            return t->err ? t->err->code : PL_ENOMEM;
        t->buf = g;
        t->cap = cap;
    }
    while (t->end < t->cap) {
        size_t got = 0;
        pl_status st = xz_read(&t->zs, t->buf + t->end, t->cap - t->end, &got, t->err);
        if (st)
            return st;
        if (!got) {
            t->eof = true;
            break;
        }
        t->end += got;
    }
    return t->end > keep ? PL_OK : PL_DONE;
}

/* Text inside an element, decoded in place, up to the next '<' or the end of the buffer. A construct cut by the end
 * of the buffer (a reference, a line end, a UTF-8 sequence, "]]") is left for the next read. */
static enum step_result text(xtok *t)
{
    char *b = t->buf;
    size_t r = t->pos, w = r, end = t->end;
    bool stop = false;
    while (!stop) {
        size_t s = r;
        while (r < end && !g_text_cls[(unsigned char)b[r]])
            r++;
        if (w != s)
            memmove(b + w, b + s, r - s);
        w += r - s;
        if (r == end)
            break;
        switch (g_text_cls[(unsigned char)b[r]]) {
        case C_LT: stop = true; break;
        case C_NL:
            t->line++;
            b[w++] = b[r++];
            break;
        case C_CR: /* "\r\n" and a lone "\r" both read as "\n" */
            if (r + 1 == end && !t->eof) {
                stop = true;
                break;
            }
            t->line++;
            r += r + 1 < end && b[r + 1] == '\n' ? 2 : 1;
            b[w++] = '\n';
            break;
        case C_AMP: {
            char out[4];
            int olen = 0, n = decode_ref(b + r, end - r, out, &olen);
            if (n < 0 && !t->eof) {
                stop = true;
                break;
            }
            if (n <= 0)
                return fail(t, "a bad or unknown entity or character reference");
            memcpy(b + w, out, (size_t)olen);
            w += (size_t)olen;
            r += (size_t)n;
            break;
        }
        case C_RB:
            if (r + 2 >= end && !t->eof) {
                stop = true;
                break;
            }
            if (r + 2 < end && b[r + 1] == ']' && b[r + 2] == '>')
                return fail(t, "']]>' in text");
            b[w++] = b[r++];
            break;
        case C_CTRL: return fail(t, "a control character in text");
        case C_HIGH: {
            int n = utf8_seq((unsigned char *)b + r, end - r);
            if (n < 0 && !t->eof) {
                stop = true;
                break;
            }
            if (n <= 0)
                return fail(t, "text that is not valid UTF-8");
            memmove(b + w, b + r, (size_t)n);
            w += (size_t)n;
            r += (size_t)n;
            break;
        }
        }
    }
    size_t start = t->pos;
    t->pos = r;
    if (w == start)
        return r < end && b[r] == '<' ? R_SKIP : R_MORE;
    t->text = b + start;
    t->tlen = w - start;
    t->kind = XT_TEXT;
    return R_EVENT;
}

/* Outside the root element only white space may appear. */
static enum step_result outside_text(xtok *t)
{
    const char *b = t->buf;
    size_t r = t->pos;
    for (; r < t->end && b[r] != '<'; r++) {
        if (!is_ws(b[r]))
            return fail(t, t->seen_root ? "junk after the root element" : "text before the root element");
        t->line += b[r] == '\n';
    }
    t->pos = r;
    return R_SKIP;
}

/* Skips white space from *p, counting lines; false if it reached the end of the buffer. */
static inline bool skip_ws(xtok *t, size_t *p, bool *any)
{
    const char *b = t->buf;
    size_t q = *p;
    if (q < t->end && !is_ws(b[q])) { /* the common case: nothing to skip */
        if (any)
            *any = false;
        return true;
    }
    while (q < t->end && is_ws(b[q]))
        t->line += b[q++] == '\n';
    if (any)
        *any = q > *p;
    *p = q;
    return q < t->end;
}

/* Checks an attribute value (between its quotes); *decode when it holds references or white space to normalise. */
static inline enum step_result check_value(xtok *t, const char *v, size_t n, bool *decode)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char k = g_attr_cls[(unsigned char)v[i]];
        if (k == C_PLAIN || k == C_QUOTE)
            continue;
        if (k == C_LT)
            return fail(t, "'<' in an attribute value");
        if (k == C_CTRL)
            return fail(t, "a control character in an attribute value");
        if (k == C_HIGH) {
            int len = utf8_seq((const unsigned char *)v + i, n - i);
            if (len <= 0)
                return fail(t, "an attribute value that is not valid UTF-8");
            i += (size_t)len - 1;
            continue;
        }
        if (k == C_AMP) {
            char out[4];
            int olen, len = decode_ref(v + i, n - i, out, &olen);
            if (len <= 0)
                return fail(t, "a bad or unknown entity or character reference");
            i += (size_t)len - 1;
        }
        t->line += k == C_NL;
        *decode = true;
    }
    return R_EVENT;
}

/* Decodes a checked attribute value in place: references, and tab/CR/LF (CRLF once) as spaces. */
static uint32_t decode_value(char *v, uint32_t n)
{
    uint32_t w = 0;
    for (uint32_t r = 0; r < n;) {
        char c = v[r];
        if (c == '&') {
            char out[4];
            int olen = 0, len = decode_ref(v + r, n - r, out, &olen);
            memcpy(v + w, out, (size_t)olen);
            w += (uint32_t)olen;
            r += (uint32_t)len;
        } else if (c == '\t' || c == '\n' || c == '\r') {
            v[w++] = ' ';
            r += c == '\r' && r + 1 < n && v[r + 1] == '\n' ? 2 : 1;
        } else
            v[w++] = v[r++];
    }
    return w;
}

static enum step_result oom(xtok *t)
{
    t->status = t->err && t->err->code ? t->err->code : PL_ENOMEM;
    return R_ERR;
}

static enum step_result add_attr(xtok *t, const char *name, uint32_t nlen, const char *val, uint32_t vlen, bool decode)
{
    for (uint32_t i = 0; i < t->n_attrs; i++)
        if (t->attrs[i].nlen == nlen && same_bytes(t->attrs[i].name, name, nlen))
            return fail(t, "a duplicate attribute");
    if (t->n_attrs == XT_MAX_ATTRS)
        return fail(t, "an element with too many attributes");
    if (t->n_attrs == t->attrs_cap) {
        uint32_t cap = t->attrs_cap ? t->attrs_cap * 2 : 16;
        xt_attr *g = pl_realloc(t->attrs, cap * sizeof *g, "XML attributes", t->err);
        if (!g)
            return oom(t);
        t->attrs = g;
        t->attrs_cap = cap;
    }
    t->attrs[t->n_attrs++] = (xt_attr){.name = name, .val = val, .nlen = nlen, .vlen = vlen, .decode = decode};
    t->any_decode |= decode;
    return R_EVENT;
}

/* Scans a name at *p; 0 if none starts there, else its length (the end of the buffer may cut it: check *p).
 * *local: where the part after the last ':' starts. */
static inline size_t scan_name(const xtok *t, size_t *p, size_t *local)
{
    const unsigned char *b = (const unsigned char *)t->buf;
    size_t q = *p, l = q;
    if (q >= t->end || !g_name_start[b[q]])
        return 0;
    for (; q < t->end && g_name_char[b[q]]; q++)
        if (b[q] == ':')
            l = q + 1;
    size_t n = q - *p;
    *p = q;
    *local = l;
    return n;
}

static void set_name(xtok *t, const char *name, uint32_t n, size_t local)
{
    t->name = name;
    t->nlen = n;
    t->local = t->buf + local;
    t->llen = (uint32_t)(name + n - t->local);
}

/* Attributes from *p up to '>' or "/>". */
static enum step_result attributes(xtok *t, size_t *p, bool *empty)
{
    char *b = t->buf;
    size_t q = *p;
    t->n_attrs = 0;
    t->any_decode = false;
    for (;;) {
        bool ws;
        if (!skip_ws(t, &q, &ws))
            return R_MORE;
        if (b[q] == '>' || b[q] == '/') {
            if (b[q] == '/' && q + 1 == t->end)
                return R_MORE;
            if (b[q] == '/' && b[q + 1] != '>')
                return fail(t, "'/' not followed by '>' in a tag");
            *empty = b[q] == '/';
            *p = q + 1 + *empty;
            return R_EVENT;
        }
        if (!ws || !g_name_start[(unsigned char)b[q]])
            return fail(t, "a malformed tag");
        size_t a = q++;
        while (q < t->end && g_name_char[(unsigned char)b[q]]) /* no need to find the local part here */
            q++;
        size_t an = q - a;
        if (q == t->end || !skip_ws(t, &q, NULL))
            return R_MORE;
        if (b[q] != '=')
            return fail(t, "an attribute without '='");
        q++;
        if (!skip_ws(t, &q, NULL))
            return R_MORE;
        if (b[q] != '"' && b[q] != '\'')
            return fail(t, "an attribute value without quotes");
        if (an > MAX_NAME)
            return fail(t, "an attribute name longer than 1024 bytes");
        char quote = b[q];
        size_t v = q + 1, z = v;
        while (z < t->end && !g_attr_cls[(unsigned char)b[z]]) /* plain bytes: the common value */
            z++;
        if (z == t->end)
            return R_MORE;
        bool decode = false;
        enum step_result r = R_EVENT;
        if (b[z] != quote) { /* something to check or decode before the closing quote */
            const char *close = memchr(b + z, quote, t->end - z);
            if (!close)
                return R_MORE;
            z = (size_t)(close - b);
            r = check_value(t, b + v, z - v, &decode);
        }
        size_t vn = z - v;
        if (r == R_EVENT)
            r = add_attr(t, b + a, (uint32_t)an, b + v, (uint32_t)vn, decode);
        if (r != R_EVENT)
            return r;
        q = v + vn + 1;
    }
}

static enum step_result start_tag(xtok *t)
{
    size_t p = t->pos + 1, local, n = scan_name(t, &p, &local);
    if (!n)
        return p >= t->end ? R_MORE : fail(t, "'<' not followed by a name");
    if (p == t->end)
        return R_MORE;
    if (n > MAX_NAME)
        return fail(t, "an element name longer than 1024 bytes");
    bool empty = false;
    enum step_result r = attributes(t, &p, &empty);
    if (r != R_EVENT)
        return r;
    if (t->depth == 0 && t->seen_root)
        return fail(t, "junk after the root element");
    for (uint32_t i = 0; t->any_decode && i < t->n_attrs; i++)
        if (t->attrs[i].decode)
            t->attrs[i].vlen = decode_value((char *)t->attrs[i].val, t->attrs[i].vlen);
    const char *name = t->buf + t->pos + 1;
    if (!empty) {
        if (t->depth == XT_MAX_DEPTH)
            return fail(t, "elements nested too deep");
        if (t->names_len + n > t->names_cap) {
            size_t cap = t->names_cap ? t->names_cap * 2 : 1024;
            while (cap < t->names_len + n)
                cap *= 2;
            char *g = pl_realloc(t->names, cap, "XML element names", t->err);
            if (!g)
                return oom(t);
            t->names = g;
            t->names_cap = cap;
        }
        for (size_t i = 0; i < n; i++)
            t->names[t->names_len + i] = name[i];
        t->offs[t->depth++] = (uint32_t)t->names_len;
        t->names_len += n;
        t->offs[t->depth] = (uint32_t)t->names_len;
    }
    t->seen_root = true;
    t->pending_end = empty;
    set_name(t, name, (uint32_t)n, local);
    t->pos = p;
    t->kind = XT_START;
    return R_EVENT;
}

static enum step_result end_tag(xtok *t)
{
    size_t p = t->pos + 2, local, n = scan_name(t, &p, &local);
    if (!n)
        return p >= t->end ? R_MORE : fail(t, "'</' not followed by a name");
    if (p == t->end || !skip_ws(t, &p, NULL))
        return R_MORE;
    if (t->buf[p] != '>')
        return fail(t, "a malformed end tag");
    const char *name = t->buf + t->pos + 2;
    if (t->depth == 0)
        return fail(t, "an end tag without a start tag");
    uint32_t top = t->offs[t->depth - 1];
    if (n != t->offs[t->depth] - top || !same_bytes(t->names + top, name, n))
        return fail(t, "mismatched tag");
    t->depth--;
    t->names_len = top;
    t->offs[t->depth] = top;
    set_name(t, name, (uint32_t)n, local);
    t->pos = p + 1;
    t->kind = XT_END;
    return R_EVENT;
}

static void count_lines(xtok *t, const char *p, size_t n)
{
    for (const char *e = p + n; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++)
        t->line++;
}

/* The declaration's encoding, if it names one, must be UTF-8 (or its subset US-ASCII). */
static enum step_result declaration(xtok *t, const char *d, size_t n)
{
    const char *e = memmem(d, n, "encoding", 8);
    if (!e)
        return R_SKIP;
    const char *q = e + 8, *z = d + n;
    while (q < z && (is_ws(*q) || *q == '='))
        q++;
    if (q == z || (*q != '"' && *q != '\''))
        return fail(t, "a malformed XML declaration");
    const char *close = memchr(q + 1, *q, (size_t)(z - q - 1));
    size_t len = close ? (size_t)(close - q - 1) : 0;
    if ((len == 5 && !strncasecmp(q + 1, "utf-8", 5)) || (len == 8 && !strncasecmp(q + 1, "us-ascii", 8)))
        return R_SKIP;
    t->status = pl_error_set(t->err, PL_EUNSUPPORTED, t->zs.path, "%s is encoded as '%.*s'; only UTF-8 is supported",
                             t->label, (int)(len > 40 ? 40 : len), q + 1);
    return R_ERR;
}

static enum step_result processing_instruction(xtok *t)
{
    size_t p = t->pos + 2, local, n = scan_name(t, &p, &local);
    if (!n)
        return p >= t->end ? R_MORE : fail(t, "'<?' not followed by a name");
    const char *close = memmem(t->buf + p, t->end - p, "?>", 2);
    if (!close)
        return R_MORE;
    const char *target = t->buf + t->pos + 2;
    size_t len = (size_t)(close + 2 - (t->buf + t->pos));
    count_lines(t, t->buf + t->pos, len);
    t->pos += len;
    if (n == 3 && !strncasecmp(target, "xml", 3)) {
        if (t->started)
            return fail(t, "an XML declaration not at the start");
        return declaration(t, target + 3, (size_t)(close - target - 3));
    }
    return R_SKIP;
}

/* A CDATA section is text as it stands, but line ends still read as "\n" and characters are checked. */
static enum step_result cdata(xtok *t)
{
    char *b = t->buf, *s = b + t->pos + 9;
    char *close = memmem(s, (size_t)(b + t->end - s), "]]>", 3);
    if (!close)
        return R_MORE;
    if (t->depth == 0)
        return fail(t, "CDATA outside the root element");
    size_t n = (size_t)(close - s), w = 0;
    for (size_t r = 0; r < n;) {
        unsigned char k = g_text_cls[(unsigned char)s[r]];
        if (k == C_CTRL)
            return fail(t, "a control character in CDATA");
        if (k == C_HIGH) {
            int len = utf8_seq((unsigned char *)s + r, n - r);
            if (len <= 0)
                return fail(t, "CDATA that is not valid UTF-8");
            memmove(s + w, s + r, (size_t)len);
            w += (size_t)len;
            r += (size_t)len;
        } else if (k == C_CR) {
            t->line++;
            r += r + 1 < n && s[r + 1] == '\n' ? 2 : 1;
            s[w++] = '\n';
        } else {
            t->line += k == C_NL;
            s[w++] = s[r++];
        }
    }
    t->pos = (size_t)(close + 3 - b);
    t->text = s;
    t->tlen = w;
    t->kind = XT_TEXT;
    return w ? R_EVENT : R_SKIP;
}

static enum step_result markup_declaration(xtok *t)
{
    const char *b = t->buf + t->pos;
    size_t avail = t->end - t->pos;
    if (avail < 4)
        return R_MORE;
    if (!memcmp(b, "<!--", 4)) {
        const char *dd = memmem(b + 4, avail - 4, "--", 2);
        if (!dd || dd + 2 == b + avail)
            return R_MORE;
        if (dd[2] != '>')
            return fail(t, "'--' inside a comment");
        size_t len = (size_t)(dd + 3 - b);
        count_lines(t, b, len);
        t->pos += len;
        return R_SKIP;
    }
    if (avail < 9)
        return R_MORE;
    if (!memcmp(b, "<![CDATA[", 9))
        return cdata(t);
    if (!memcmp(b, "<!DOCTYPE", 9)) {
        t->status = pl_error_set(t->err, PL_EFORMAT, t->zs.path,
                                 "%s has a document type declaration, which OOXML does not allow", t->label);
        return R_ERR;
    }
    return fail(t, "an unknown '<!' construct");
}

static enum step_result step(xtok *t)
{
    const char *b = t->buf + t->pos;
    if (*b != '<')
        return t->depth ? text(t) : outside_text(t);
    if (t->pos + 1 == t->end)
        return R_MORE;
    if (b[1] == '/')
        return end_tag(t);
    if (b[1] == '?')
        return processing_instruction(t);
    if (b[1] == '!')
        return markup_declaration(t);
    return start_tag(t);
}

/* Before the first token: a UTF-8 byte-order mark is skipped; a UTF-16 one is refused. */
static pl_status prologue(xtok *t)
{
    while (t->end - t->pos < 4 && !t->eof) {
        pl_status st = refill(t);
        if (st && st != PL_DONE)
            return st;
    }
    const unsigned char *b = (const unsigned char *)t->buf + t->pos;
    size_t n = t->end - t->pos;
    if (n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF)
        t->pos += 3;
    else if (n >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF)))
        return pl_error_set(t->err, PL_EUNSUPPORTED, t->zs.path, "%s is encoded as UTF-16; only UTF-8 is supported",
                            t->label);
    return PL_OK;
}

/* The input ended: the document must have had a root element, now closed. */
static pl_status finish(xtok *t)
{
    if (t->pos < t->end) {
        fail(t, "the part ends inside a tag, reference or character");
        return PL_EFORMAT;
    }
    if (!t->seen_root || t->depth) {
        char what[96];
        uint32_t top = t->depth ? t->offs[t->depth - 1] : 0, n = t->offs[t->depth] - top;
        if (t->depth)
            snprintf(what, sizeof what, "the part ends before element '%.*s' is closed", (int)(n > 40 ? 40 : n),
                     t->names + top);
        fail(t, t->depth ? what : "no element found");
        return PL_EFORMAT;
    }
    return PL_DONE;
}

pl_status xt_next(xtok *t, xt_kind *kind)
{
    if (t->pending_end) {
        t->pending_end = false;
        *kind = XT_END;
        return PL_OK;
    }
    if (!t->started) {
        pl_status st = prologue(t);
        if (st)
            return st;
    }
    for (;;) {
        if (t->pos == t->end) {
            pl_status st = refill(t);
            if (st == PL_DONE)
                return finish(t);
            if (st)
                return st;
        }
        uint64_t line = t->line;
        bool eof = t->eof;
        enum step_result r = step(t);
        if (r == R_EVENT) {
            t->started = true;
            *kind = t->kind;
            return PL_OK;
        }
        if (r == R_ERR)
            return t->status ? t->status : PL_EFORMAT;
        if (r == R_SKIP) {
            t->started = true;
            continue;
        }
        t->line = line; /* R_MORE: the token is scanned again after the read */
        pl_status st = refill(t);
        if (st == PL_DONE && !eof)
            continue; /* the input just ended: scan once more knowing that */
        if (st == PL_DONE)
            return finish(t);
        if (st)
            return st;
    }
}

pl_status xt_open(xtok *t, zip_t *zip, const char *path, const pl_workbook_limits *lim, const char *part,
                  const char *label, pl_error *err)
{
    return xt_open_sized(t, zip, path, lim, part, label, READ_SIZE, err);
}

pl_status xt_open_sized(xtok *t, zip_t *zip, const char *path, const pl_workbook_limits *lim, const char *part,
                        const char *label, size_t buffer, pl_error *err)
{
    pthread_once(&g_once, init_tables);
    memset(t, 0, sizeof *t);
    t->err = err;
    t->line = 1;
    snprintf(t->label, sizeof t->label, "%s", label);
    pl_status st = xz_open(zip, path, lim, part, &t->zs, err);
    if (st)
        return st;
    t->opened = true;
    t->cap = buffer < 4 ? 4 : buffer;
    t->buf = pl_alloc(t->cap, "XML buffer", err);
    if (!t->buf)
        return err ? err->code : PL_ENOMEM;
    return PL_OK;
}

void xt_close(xtok *t)
{
    if (t->opened)
        xz_close(&t->zs);
    t->opened = false;
    pl_free(t->buf);
    pl_free(t->names);
    pl_free(t->attrs);
    t->buf = t->names = NULL;
    t->attrs = NULL;
}

const char *xt_attr_get(const xtok *t, const char *name, uint32_t *n)
{
    size_t len = strlen(name);
    for (uint32_t i = 0; i < t->n_attrs; i++)
        if (t->attrs[i].nlen == len && !memcmp(t->attrs[i].name, name, len)) {
            *n = t->attrs[i].vlen;
            return t->attrs[i].val;
        }
    return NULL;
}

bool xt_simple_child(xtok *t, const char **local, uint32_t *llen, const char **text, size_t *tlen)
{
    if (t->pending_end || t->depth == 0 || t->depth == XT_MAX_DEPTH)
        return false;
    const unsigned char *q = (const unsigned char *)t->buf + t->pos, *e = (const unsigned char *)t->buf + t->end;
    if (q >= e || *q != '<')
        return false;
    const unsigned char *name = ++q;
    while (q < e && (*q | 0x20) >= 'a' && (*q | 0x20) <= 'z')
        q++;
    size_t n = (size_t)(q - name);
    if (!n || n > 8 || q >= e || *q != '>')
        return false;
    const unsigned char *body = ++q;
    while (q < e && !g_text_cls[*q])
        q++;
    if ((size_t)(e - q) < n + 3 || q[0] != '<' || q[1] != '/' ||
        !same_bytes((const char *)q + 2, (const char *)name, n) || q[n + 2] != '>')
        return false;
    *local = (const char *)name;
    *llen = (uint32_t)n;
    *text = (const char *)body;
    *tlen = (size_t)(q - body);
    t->n_attrs = 0;
    t->pos = (size_t)(q + n + 3 - (const unsigned char *)t->buf);
    return true;
}

bool xt_simple_end(xtok *t)
{
    if (t->pending_end || t->depth == 0)
        return false;
    uint32_t top = t->offs[t->depth - 1], n = t->offs[t->depth] - top;
    const char *q = t->buf + t->pos;
    if (t->end - t->pos < n + 3 || q[0] != '<' || q[1] != '/' || q[n + 2] != '>' ||
        !same_bytes(q + 2, t->names + top, n))
        return false;
    size_t local = t->pos + 2;
    for (uint32_t i = 0; i < n; i++)
        if (q[2 + i] == ':')
            local = t->pos + 3 + i;
    set_name(t, q + 2, n, local);
    t->depth--;
    t->names_len = top;
    t->offs[t->depth] = top;
    t->pos += n + 3;
    t->kind = XT_END;
    return true;
}

/* Internal pieces of the .xlsx reader: zip entry streams with zip-bomb limits, an expat driver for the small parts, a
 * streaming tokenizer for worksheets and shared strings, relationship and style parsing, and the shared-strings store. */
#ifndef PLATEAU_XLSX_INTERNAL_H
#define PLATEAU_XLSX_INTERNAL_H

#include <expat.h>
#include <stdio.h>
#include <string.h>
#include <zip.h>

#include "io/workbook_impl.h"

/* ---- zip entries, streamed with limits (zipstream.c) ---- */
typedef struct xz_stream {
    zip_file_t *zf;
    char name[512];
    uint64_t compressed; /* from the central directory */
    uint64_t inflated;   /* bytes produced so far */
    const pl_workbook_limits *lim;
    const char *path; /* the workbook, for messages */
} xz_stream;

/* Finds a part by name (case-insensitively, as OPC part names are); PL_ENOTFOUND when absent. */
pl_status xz_open(zip_t *zip, const char *path, const pl_workbook_limits *lim, const char *name, xz_stream *s,
                  pl_error *err);
/* Reads up to cap bytes; *got == 0 at the end. Refuses parts that inflate past the limits. */
pl_status xz_read(xz_stream *s, void *buf, size_t cap, size_t *got, pl_error *err);
void xz_close(xz_stream *s);
bool xz_exists(zip_t *zip, const char *name);

/* ---- expat over a zip entry (xml.c) ---- */
typedef struct xml_run {
    XML_Parser parser;
    xz_stream zs;
    bool opened;
    bool eof;            /* the final chunk was given to expat */
    pl_status failed;    /* set by a handler through xml_fail */
    pl_error *err;       /* where handlers report */
    uint64_t fed;        /* bytes given to expat */
    uint64_t last_event; /* fed when the last handler ran: a token may not grow without bound */
} xml_run;

/* Parses a whole part with the given handlers (the small parts: rels, workbook, styles; worksheets and shared strings
 * go through the tokenizer, xtok.c). Names arrive as written ("x:row"); handlers match local names. */
pl_status xml_parse_part(zip_t *zip, const char *path, const pl_workbook_limits *lim, const char *name, void *user,
                         XML_StartElementHandler start, XML_EndElementHandler end, XML_CharacterDataHandler text,
                         pl_error *err);
/* From a handler: records an error and stops the parser. */
void xml_fail(xml_run *r, pl_status code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The local part of a prefixed name ("x:row" -> "row"). */
static inline const char *xml_local(const char *name)
{
    const char *local = name;
    for (const char *p = name; *p; p++)
        if (*p == ':')
            local = p + 1;
    return local;
}
/* An attribute by local name; with_ns: only a prefixed one (r:id), else only an unprefixed one. */
const char *xml_attr(const char **atts, const char *local, bool with_ns);
/* Note that a handler ran (token-size guard). */
static inline void xml_tick(xml_run *r)
{
    r->last_event = r->fed;
}

/* ---- a streaming pull tokenizer for the big parts: worksheets and shared strings (xtok.c) ----
 * Fed the inflated bytes of one zip entry through a buffer that holds the unconsumed tail of the last read (a tag,
 * comment, PI or CDATA section must fit in XT_MAX_TOKEN; text is streamed in pieces, so its size is not bounded
 * here). Checks well-formedness (nesting, names, attributes, references, UTF-8, characters) and reports the first
 * problem as one line naming the file and the label given to xt_open. Event data point into the buffer and stay
 * valid until the next xt_next. */
#define XT_MAX_TOKEN (32u << 20)
#define XT_MAX_DEPTH 256u
#define XT_MAX_ATTRS 1024u
typedef enum xt_kind { XT_START = 1, XT_END, XT_TEXT } xt_kind;
typedef struct xt_attr {
    const char *name, *val; /* name as written (maybe prefixed), value decoded; neither NUL-terminated */
    uint32_t nlen, vlen;
    bool decode; /* internal: the raw value holds references or white space to normalise */
} xt_attr;
typedef struct xtok {
    xz_stream zs;
    bool opened, eof;
    char *buf;
    size_t cap, pos, end;
    uint64_t line; /* 1-based line of pos, for messages */
    /* element stack: names as written, for matching end tags */
    char *names;
    size_t names_len, names_cap;
    uint32_t offs[XT_MAX_DEPTH + 1];
    uint32_t depth;
    bool seen_root, pending_end, started;
    bool any_decode; /* an attribute of the current START needs decoding */
    /* the event */
    xt_kind kind;
    pl_status status; /* of the first error */
    const char *name, *local; /* START/END: qualified name as written, and its part after any prefix */
    uint32_t nlen, llen;
    xt_attr *attrs; /* START */
    uint32_t n_attrs, attrs_cap;
    const char *text; /* TEXT: decoded bytes */
    size_t tlen;
    pl_error *err;
    char label[640]; /* "sheet 'Data' (part 'xl/worksheets/sheet1.xml')" */
} xtok;
pl_status xt_open(xtok *t, zip_t *zip, const char *path, const pl_workbook_limits *lim, const char *part,
                  const char *label, pl_error *err);
/* The same with a chosen initial buffer size (tests: tiny buffers put every token across reads). */
pl_status xt_open_sized(xtok *t, zip_t *zip, const char *path, const pl_workbook_limits *lim, const char *part,
                        const char *label, size_t buffer, pl_error *err);
/* The next event (PL_OK and *kind), PL_DONE after the root element closed and the input ended, or an error. */
pl_status xt_next(xtok *t, xt_kind *kind);
void xt_close(xtok *t);
/* After a START: if the next bytes are "<name>text</name>" with an unprefixed name of letters, no attributes or
 * white space in the tags, and text without markup, references or line ends, consumes them and gives the name and
 * the text, which are what the START, TEXT and END events would have said. The hot path of cell values. */
bool xt_simple_child(xtok *t, const char **local, uint32_t *llen, const char **text, size_t *tlen);
/* If the next bytes are exactly the end tag of the innermost open element ("</c>"), consumes it as an END event
 * (name and local set) and returns true. */
bool xt_simple_end(xtok *t);
/* An unprefixed attribute of the current START element, or NULL (sets *n). */
const char *xt_attr_get(const xtok *t, const char *name, uint32_t *n);

/* ---- growing byte buffer charged to the budget ---- */
typedef struct xbuf {
    char *data;
    size_t len, cap;
    size_t max; /* refuse growth past this */
} xbuf;
/* Makes room for n more bytes (and a NUL). */
pl_status xbuf_reserve(xbuf *b, size_t n, pl_error *err);
pl_status xbuf_append(xbuf *b, const char *s, size_t n, pl_error *err);
void xbuf_free(xbuf *b);
/* Decodes OOXML's _xHHHH_ escapes in place (b->data[from..len)); returns the new length. */
void xbuf_unescape_from(xbuf *b, size_t from);

/* ---- relationships (rels.c) ---- */
typedef struct xrel {
    char *id;
    char *type;   /* local part of the type URI: "worksheet", "sharedStrings", "styles", "officeDocument" */
    char *target; /* resolved part name, no leading slash */
} xrel;
typedef struct xrels {
    xrel *items;
    size_t n, cap;
} xrels;
/* Reads the .rels part for `part` (e.g. "xl/workbook.xml" -> "xl/_rels/workbook.xml.rels"). Missing is not an error. */
pl_status xrels_read(zip_t *zip, const char *path, const pl_workbook_limits *lim, const char *part, xrels *out,
                     pl_error *err);
const xrel *xrels_by_id(const xrels *r, const char *id);
const xrel *xrels_by_type(const xrels *r, const char *type);
void xrels_free(xrels *r);

/* ---- styles (styles.c): which cell formats are dates ---- */
typedef struct xstyles {
    uint8_t *xf_is_date; /* per cellXfs index */
    size_t n_xf;
} xstyles;
pl_status xstyles_read(zip_t *zip, const char *path, const pl_workbook_limits *lim, const char *part, xstyles *out,
                       pl_error *err);
void xstyles_free(xstyles *s);
bool xlsx_format_is_date(const char *code);

/* ---- shared strings (sst.c): in memory up to a budget, then an offset index into a spill file ---- */
typedef struct xsst xsst;
pl_status xsst_read(zip_t *zip, const char *path, const pl_workbook_limits *lim, const char *part, xsst **out,
                    pl_error *err);
size_t xsst_count(const xsst *s);
bool xsst_spilled(const xsst *s);
/* Appends string i to b; PL_EFORMAT if i is out of range. */
pl_status xsst_get(xsst *s, size_t i, xbuf *b, pl_error *err);
void xsst_free(xsst *s);

/* ---- the workbook and its sheets (xlsx.c, sheet.c) ---- */
typedef struct xlsx_book {
    zip_t *zip;
    char **sheet_parts; /* resolved worksheet part per sheet; NULL for sheets without one */
    char *sst_part;
    xsst *sst; /* loaded on the first sheet that needs it */
    bool sst_loaded;
    xstyles styles;
} xlsx_book;

pl_status xlsx_sheet_open(pl_workbook *wb, pl_sheet *s, size_t sheet, pl_error *err);
pl_status xlsx_sheet_next(pl_sheet *s, uint32_t *row_index, const pl_cell **cells, uint32_t *n, pl_error *err);
void xlsx_sheet_close(pl_sheet *s);

/* A cell's number text (NUL-terminated at s[n]) as strtod reads it, allowing trailing spaces; false if it is not
 * a number (xnum.c). */
bool xlsx_parse_number(const char *s, size_t n, double *out);

/* Parses an ISO 8601 date/time ("2021-01-02T03:04:05.5Z") into days since 1899-12-30; false if it is not one. */
bool xlsx_iso_to_days(const char *s, double *days);

#endif

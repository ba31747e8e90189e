/* Which cell formats are dates. A number cell is a date when its style's number format is one of the built-in date
 * formats (ids 14-22 and 45-47) or a custom format code with a d, m, y, h or s outside quotes, brackets and escapes. */
#include <ctype.h>
#include <stdlib.h>

#include "io/xlsx/xlsx_internal.h"
#include "plateau/mem.h"

#define MAX_XF (1u << 20)
#define MAX_NUMFMT (1u << 16)

typedef struct numfmt {
    uint32_t id;
    bool is_date;
} numfmt;

typedef struct styles_parse {
    xml_run *run;
    xml_run storage;
    pl_error *err;
    numfmt *fmts;
    size_t n_fmts, cap_fmts;
    uint32_t *xf_fmt; /* numFmtId of each cellXfs entry */
    size_t n_xf, cap_xf;
    int in_cell_xfs;
} styles_parse;

/* "[h]", "[mm]", "[ss]": elapsed-time tokens, which are date/time formats. */
static bool elapsed_token(const char *p, const char *close)
{
    size_t n = (size_t)(close - p - 1);
    if (n == 0 || n > 2)
        return false;
    char c = (char)tolower((unsigned char)p[1]);
    return (c == 'h' || c == 'm' || c == 's') && (n == 1 || tolower((unsigned char)p[2]) == c);
}

bool xlsx_format_is_date(const char *code)
{
    for (const char *p = code; *p && *p != ';'; p++) {
        switch (*p) {
        case '"': {
            const char *q = strchr(p + 1, '"');
            if (!q)
                return false;
            p = q;
            break;
        }
        case '[': {
            const char *q = strchr(p + 1, ']');
            if (!q)
                return false;
            if (elapsed_token(p, q))
                return true;
            p = q;
            break;
        }
        case '\\':
        case '_':
        case '*':
            if (!p[1])
                return false;
            p++;
            break;
        default:
            if (strchr("dmyhsDMYHS", *p))
                return true;
        }
    }
    return false;
}

static bool builtin_is_date(uint32_t id)
{
    return (id >= 14 && id <= 22) || (id >= 45 && id <= 47);
}

static pl_status add_fmt(styles_parse *sp, uint32_t id, bool is_date)
{
    if (sp->n_fmts >= MAX_NUMFMT)
        return PL_OK; /* absurd counts: later formats read as numbers */
    if (sp->n_fmts == sp->cap_fmts) {
        size_t cap = sp->cap_fmts ? sp->cap_fmts * 2 : 32;
        numfmt *g = pl_realloc(sp->fmts, cap * sizeof *g, "number formats", sp->err);
        if (!g)
            return sp->err ? sp->err->code : PL_ENOMEM;
        sp->fmts = g;
        sp->cap_fmts = cap;
    }
    sp->fmts[sp->n_fmts++] = (numfmt){id, is_date};
    return PL_OK;
}

static pl_status add_xf(styles_parse *sp, uint32_t fmt_id)
{
    if (sp->n_xf >= MAX_XF)
        return PL_OK;
    if (sp->n_xf == sp->cap_xf) {
        size_t cap = sp->cap_xf ? sp->cap_xf * 2 : 64;
        uint32_t *g = pl_realloc(sp->xf_fmt, cap * sizeof *g, "cell formats", sp->err);
        if (!g)
            return sp->err ? sp->err->code : PL_ENOMEM;
        sp->xf_fmt = g;
        sp->cap_xf = cap;
    }
    sp->xf_fmt[sp->n_xf++] = fmt_id;
    return PL_OK;
}

static uint32_t attr_u32(const char **atts, const char *name)
{
    const char *v = xml_attr(atts, name, false);
    return v ? (uint32_t)strtoul(v, NULL, 10) : 0;
}

static void on_start(void *user, const XML_Char *name, const XML_Char **atts)
{
    styles_parse *sp = user;
    xml_tick(sp->run);
    const char *local = xml_local(name);
    pl_status st = PL_OK;
    if (!strcmp(local, "cellXfs"))
        sp->in_cell_xfs++;
    else if (!strcmp(local, "numFmt") && xml_attr(atts, "numFmtId", false)) {
        const char *code = xml_attr(atts, "formatCode", false);
        st = add_fmt(sp, attr_u32(atts, "numFmtId"), code && xlsx_format_is_date(code));
    } else if (!strcmp(local, "xf") && sp->in_cell_xfs)
        st = add_xf(sp, attr_u32(atts, "numFmtId"));
    if (st)
        xml_fail(sp->run, st, "%s", sp->err ? sp->err->msg : "out of memory reading styles");
}

static void on_end(void *user, const XML_Char *name)
{
    styles_parse *sp = user;
    xml_tick(sp->run);
    if (!strcmp(xml_local(name), "cellXfs") && sp->in_cell_xfs)
        sp->in_cell_xfs--;
}

static bool fmt_is_date(const styles_parse *sp, uint32_t id)
{
    for (size_t i = sp->n_fmts; i-- > 0;) /* the last definition of an id wins */
        if (sp->fmts[i].id == id)
            return sp->fmts[i].is_date;
    return builtin_is_date(id);
}

pl_status xstyles_read(zip_t *zip, const char *path, const pl_workbook_limits *lim, const char *part, xstyles *out,
                       pl_error *err)
{
    memset(out, 0, sizeof *out);
    if (!part || !xz_exists(zip, part))
        return PL_OK; /* no styles: no dates */
    styles_parse sp = {.err = err};
    sp.run = &sp.storage;
    pl_status st = xml_parse_part(zip, path, lim, part, &sp, on_start, on_end, NULL, err);
    if (!st && sp.n_xf) {
        out->xf_is_date = pl_alloc(sp.n_xf, "date styles", err);
        if (!out->xf_is_date)
            st = err ? err->code : PL_ENOMEM;
        else {
            for (size_t i = 0; i < sp.n_xf; i++)
                out->xf_is_date[i] = fmt_is_date(&sp, sp.xf_fmt[i]);
            out->n_xf = sp.n_xf;
        }
    }
    pl_free(sp.fmts);
    pl_free(sp.xf_fmt);
    return st;
}

void xstyles_free(xstyles *s)
{
    pl_free(s->xf_is_date);
    memset(s, 0, sizeof *s);
}

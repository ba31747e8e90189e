/* OPC relationship parts: which part is the workbook, where each sheet, the shared strings and the styles live.
 * Targets may be relative to the source part's folder (with ".." segments) or absolute ("/xl/worksheets/..."). */
#include "io/xlsx/xlsx_internal.h"
#include "plateau/mem.h"

#define MAX_RELS 100000

typedef struct rels_parse {
    xml_run *run;
    xml_run storage;
    const char *base_dir; /* folder of the source part, "" or ending in '/' */
    xrels *out;
    pl_error *err;
} rels_parse;

/* Joins base folder and target and folds "." and ".." segments into a part name. */
static void resolve(const char *base_dir, const char *target, char *out, size_t size)
{
    char joined[1024];
    if (target[0] == '/')
        snprintf(joined, sizeof joined, "%s", target + 1);
    else
        snprintf(joined, sizeof joined, "%s%s", base_dir, target);
    size_t o = 0;
    const char *p = joined;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 0 || (n == 1 && p[0] == '.')) {
            /* skip empty and "." segments */
        } else if (n == 2 && p[0] == '.' && p[1] == '.') {
            while (o > 0 && out[o - 1] == '/')
                o--;
            while (o > 0 && out[o - 1] != '/')
                o--;
        } else if (o + n + 2 < size) {
            memcpy(out + o, p, n);
            o += n;
            if (slash)
                out[o++] = '/';
        }
        p = slash ? slash + 1 : p + n;
    }
    out[o] = '\0';
}

static pl_status add_rel(rels_parse *rp, const char *id, const char *type, const char *target)
{
    xrels *r = rp->out;
    if (r->n >= MAX_RELS)
        return pl_error_set(rp->err, PL_ELIMIT, NULL, "more than %d relationships in one part", MAX_RELS);
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        xrel *grown = pl_realloc(r->items, cap * sizeof *grown, "relationships", rp->err);
        if (!grown)
            return rp->err ? rp->err->code : PL_ENOMEM;
        r->items = grown;
        r->cap = cap;
    }
    const char *slash = strrchr(type, '/');
    char resolved[1024];
    resolve(rp->base_dir, target, resolved, sizeof resolved);
    xrel *x = &r->items[r->n];
    x->id = pl_strdup(id, rp->err);
    x->type = pl_strdup(slash ? slash + 1 : type, rp->err);
    x->target = pl_strdup(resolved, rp->err);
    r->n++; /* counted even when a copy failed, so xrels_free releases the others */
    if (!x->id || !x->type || !x->target)
        return rp->err ? rp->err->code : PL_ENOMEM;
    return PL_OK;
}

static void on_start(void *user, const XML_Char *name, const XML_Char **atts)
{
    rels_parse *rp = user;
    xml_tick(rp->run);
    if (strcmp(xml_local(name), "Relationship"))
        return;
    const char *id = xml_attr(atts, "Id", false), *type = xml_attr(atts, "Type", false);
    const char *target = xml_attr(atts, "Target", false), *mode = xml_attr(atts, "TargetMode", false);
    if (!id || !type || !target || (mode && !strcmp(mode, "External")))
        return;
    pl_status st = add_rel(rp, id, type, target);
    if (st)
        xml_fail(rp->run, st, "%s", rp->err ? rp->err->msg : "cannot keep a relationship");
}

static void on_end(void *user, const XML_Char *name)
{
    (void)name;
    xml_tick(((rels_parse *)user)->run);
}

pl_status xrels_read(zip_t *zip, const char *path, const pl_workbook_limits *lim, const char *part, xrels *out,
                     pl_error *err)
{
    memset(out, 0, sizeof *out);
    char dir[512], rels_name[600];
    const char *slash = strrchr(part, '/');
    size_t dn = slash ? (size_t)(slash - part + 1) : 0;
    snprintf(dir, sizeof dir, "%.*s", (int)dn, part);
    snprintf(rels_name, sizeof rels_name, "%s_rels/%s.rels", dir, part + dn);
    if (!xz_exists(zip, rels_name))
        return PL_OK;
    rels_parse rp = {.run = NULL, .base_dir = dir, .out = out, .err = err};
    rp.run = &rp.storage;
    pl_status st = xml_parse_part(zip, path, lim, rels_name, &rp, on_start, on_end, NULL, err);
    if (st)
        xrels_free(out);
    return st;
}

const xrel *xrels_by_id(const xrels *r, const char *id)
{
    for (size_t i = 0; id && i < r->n; i++)
        if (!strcmp(r->items[i].id, id))
            return &r->items[i];
    return NULL;
}

const xrel *xrels_by_type(const xrels *r, const char *type)
{
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->items[i].type, type))
            return &r->items[i];
    return NULL;
}

void xrels_free(xrels *r)
{
    for (size_t i = 0; i < r->n; i++) {
        pl_free(r->items[i].id);
        pl_free(r->items[i].type);
        pl_free(r->items[i].target);
    }
    pl_free(r->items);
    memset(r, 0, sizeof *r);
}

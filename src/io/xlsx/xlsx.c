/* The .xlsx/.xlsm format descriptor: recognises a zip, follows the package relationships to the workbook part,
 * lists its sheets and resolves each one's part, reads the styles (for dates) and, on first need, the shared strings.
 */
#include <strings.h>

#include "io/xlsx/xlsx_internal.h"
#include "plateau/mem.h"

#define MAX_SHEETS 65536

typedef struct book_parse {
    xml_run *run;
    xml_run storage;
    pl_workbook *wb;
    pl_error *err;
    char **ids; /* r:id of each sheet */
    size_t cap;
} book_parse;

/* "PK\3\4": a zip. A bid below the xls reader's for a CFB file, and only for zips. */
static int bid(const unsigned char *head, size_t n)
{
    if (n >= 4 && head[0] == 'P' && head[1] == 'K' &&
        ((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6)))
        return 50;
    return 0;
}

static bool truthy(const char *v)
{
    return v && (!strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "on"));
}

static pl_status add_sheet(book_parse *bp, const char *name, const char *rid)
{
    pl_workbook *wb = bp->wb;
    if (wb->n_sheets >= MAX_SHEETS)
        return pl_error_set(bp->err, PL_ELIMIT, wb->path, "more than %d sheets", MAX_SHEETS);
    if (wb->n_sheets == bp->cap) {
        size_t cap = bp->cap ? bp->cap * 2 : 8;
        char **names = pl_realloc(wb->sheet_names, cap * sizeof *names, "sheet names", bp->err);
        if (names)
            wb->sheet_names = names;
        char **ids = names ? pl_realloc(bp->ids, cap * sizeof *ids, "sheet ids", bp->err) : NULL;
        if (!ids)
            return bp->err ? bp->err->code : PL_ENOMEM;
        bp->ids = ids;
        bp->cap = cap;
    }
    char *n = pl_strdup(name, bp->err);
    char *i = n ? pl_strdup(rid ? rid : "", bp->err) : NULL;
    if (!i) {
        pl_free(n);
        return bp->err ? bp->err->code : PL_ENOMEM;
    }
    wb->sheet_names[wb->n_sheets] = n;
    bp->ids[wb->n_sheets] = i;
    wb->n_sheets++;
    return PL_OK;
}

static void on_book_start(void *user, const XML_Char *name, const XML_Char **atts)
{
    book_parse *bp = user;
    xml_tick(bp->run);
    const char *local = xml_local(name);
    if (!strcmp(local, "workbookPr")) {
        bp->wb->date1904 = truthy(xml_attr(atts, "date1904", false));
    } else if (!strcmp(local, "sheet")) {
        const char *sheet_name = xml_attr(atts, "name", false);
        pl_status st = add_sheet(bp, sheet_name ? sheet_name : "", xml_attr(atts, "id", true));
        if (st)
            xml_fail(bp->run, st, "%s", bp->err ? bp->err->msg : "cannot keep the sheet list");
    }
}

static void on_book_end(void *user, const XML_Char *name)
{
    (void)name;
    xml_tick(((book_parse *)user)->run);
}

static pl_status open_zip(pl_workbook *wb, zip_t **out, pl_error *err)
{
    int code = 0;
    *out = zip_open(wb->path, ZIP_RDONLY, &code);
    if (*out)
        return PL_OK;
    zip_error_t ze;
    zip_error_init_with_code(&ze, code);
    pl_status st = pl_error_set(err, code == ZIP_ER_OPEN || code == ZIP_ER_READ ? PL_EIO : PL_EFORMAT, wb->path,
                                "not a readable .xlsx (zip) file: %s", zip_error_strerror(&ze));
    zip_error_fini(&ze);
    return st;
}

/* The workbook part from the package relationships; "xl/workbook.xml" when they are missing. */
static pl_status find_workbook_part(pl_workbook *wb, zip_t *zip, char *out, size_t size, pl_error *err)
{
    xrels root;
    pl_status st = xrels_read(zip, wb->path, &wb->limits, "", &root, err);
    if (st)
        return st;
    const xrel *r = xrels_by_type(&root, "officeDocument");
    snprintf(out, size, "%s", r ? r->target : "xl/workbook.xml");
    xrels_free(&root);
    size_t n = strlen(out);
    if (n > 4 && !strcasecmp(out + n - 4, ".bin"))
        return pl_error_set(err, PL_EUNSUPPORTED, wb->path, "binary .xlsb workbooks are not supported");
    if (!xz_exists(zip, out))
        return pl_error_set(err, PL_EFORMAT, wb->path, "not an .xlsx workbook: the package has no workbook part ('%s')",
                            out);
    return PL_OK;
}

/* Resolves each sheet's r:id to its part; a sheet whose relationship points nowhere keeps NULL and fails on open. */
static pl_status resolve_parts(pl_workbook *wb, xlsx_book *xb, char **ids, const xrels *rels, pl_error *err)
{
    xb->sheet_parts = pl_calloc(wb->n_sheets ? wb->n_sheets : 1, sizeof *xb->sheet_parts, "sheet parts", err);
    if (!xb->sheet_parts)
        return err ? err->code : PL_ENOMEM;
    for (size_t i = 0; i < wb->n_sheets; i++) {
        const xrel *r = xrels_by_id(rels, ids[i]);
        if (r && !(xb->sheet_parts[i] = pl_strdup(r->target, err)))
            return err ? err->code : PL_ENOMEM;
    }
    const xrel *sst = xrels_by_type(rels, "sharedStrings");
    if (sst && !(xb->sst_part = pl_strdup(sst->target, err)))
        return err ? err->code : PL_ENOMEM;
    const xrel *styles = xrels_by_type(rels, "styles");
    return xstyles_read(xb->zip, wb->path, &wb->limits, styles ? styles->target : NULL, &xb->styles, err);
}

static void close_book(pl_workbook *wb)
{
    xlsx_book *xb = wb->impl;
    if (!xb)
        return;
    for (size_t i = 0; xb->sheet_parts && i < wb->n_sheets; i++)
        pl_free(xb->sheet_parts[i]);
    pl_free(xb->sheet_parts);
    pl_free(xb->sst_part);
    xsst_free(xb->sst);
    xstyles_free(&xb->styles);
    if (xb->zip)
        zip_discard(xb->zip);
    pl_free(xb);
    wb->impl = NULL;
}

static const pl_workbook_ops ops = {
    .sheet_open = xlsx_sheet_open,
    .sheet_next = xlsx_sheet_next,
    .sheet_close = xlsx_sheet_close,
    .close = close_book,
};

static pl_status open_book(pl_workbook *wb, pl_error *err)
{
    xlsx_book *xb = pl_calloc(1, sizeof *xb, "xlsx reader", err);
    if (!xb)
        return err ? err->code : PL_ENOMEM;
    wb->impl = xb;
    wb->ops = &ops;
    pl_status st = open_zip(wb, &xb->zip, err);
    char part[1024];
    if (!st)
        st = find_workbook_part(wb, xb->zip, part, sizeof part, err);
    if (st)
        return st;
    book_parse bp = {.wb = wb, .err = err};
    bp.run = &bp.storage;
    xrels rels = {0};
    st = xml_parse_part(xb->zip, wb->path, &wb->limits, part, &bp, on_book_start, on_book_end, NULL, err);
    if (!st)
        st = xrels_read(xb->zip, wb->path, &wb->limits, part, &rels, err);
    if (!st)
        st = resolve_parts(wb, xb, bp.ids, &rels, err);
    for (size_t i = 0; i < wb->n_sheets; i++)
        pl_free(bp.ids[i]);
    pl_free(bp.ids);
    xrels_free(&rels);
    return st;
}

const pl_workbook_fmt pl_format_xlsx = {.name = "xlsx", .bid = bid, .open = open_book};

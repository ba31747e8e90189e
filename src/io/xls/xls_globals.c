/* The workbook globals substream of a BIFF8 Workbook stream: sheets, date system, number formats, cell formats (XF)
 * and the shared string table. Read once at open; everything kept is bounded and charged to the budget. */
#include <string.h>

#include "io/xls/xls.h"
#include "plateau/mem.h"

#define XLS_MAX_SHEETS 65536u
#define XLS_MAX_XF 65536u

static pl_status too_short(pl_xls *x, const char *what, pl_error *err)
{
    return pl_error_set(err, PL_EFORMAT, x->path, "corrupt workbook: %s record at offset %llu is too short (%u bytes)",
                        what, (unsigned long long)x->biff.offset, x->biff.len);
}

static pl_status located(pl_xls *x, pl_error *err)
{
    pl_error_locate(err, x->path);
    return err ? err->code : PL_ENOMEM;
}

/* A BIFF5 byte string of cch bytes at p, in the workbook's code page. */
static pl_status byte_string(pl_xls *x, const unsigned char *p, size_t avail, uint32_t cch, pl_bytes *out,
                             pl_error *err)
{
    if (avail < cch)
        return pl_error_set(err, PL_EFORMAT, x->path, "corrupt workbook: string at offset %llu is cut short",
                            (unsigned long long)x->biff.offset);
    pl_status st = pl_xls_decode_bytes(x, p, cch, out, err);
    if (st == PL_OK)
        st = pl_bytes_reserve(out, 1, err);
    if (st != PL_OK)
        return located(x, err);
    out->p[out->len] = 0;
    return PL_OK;
}

/* A string that lies inside one record: n characters at p (BIFF8: flags byte first). */
static pl_status record_string(pl_xls *x, const unsigned char *p, size_t avail, uint32_t cch, pl_bytes *out,
                               pl_error *err)
{
    if (x->version == 5)
        return byte_string(x, p, avail, cch, out, err);
    if (avail < 1)
        return pl_error_set(err, PL_EFORMAT, x->path, "corrupt workbook: string at offset %llu is cut short",
                            (unsigned long long)x->biff.offset);
    bool utf16 = p[0] & 1;
    size_t skip = 1 + ((p[0] & 8) ? 2 : 0) + ((p[0] & 4) ? 4 : 0);
    size_t width = utf16 ? 2 : 1;
    if (skip > avail || (avail - skip) / width < cch)
        return pl_error_set(err, PL_EFORMAT, x->path, "corrupt workbook: string at offset %llu is cut short",
                            (unsigned long long)x->biff.offset);
    uint16_t pending = 0;
    pl_status st = pl_biff_append_chars(out, p + skip, cch, utf16, &pending, err);
    if (st == PL_OK)
        pl_biff_flush_surrogate(out, &pending);
    if (st == PL_OK)
        st = pl_bytes_reserve(out, 1, err);
    if (st != PL_OK)
        return located(x, err);
    out->p[out->len] = 0;
    return PL_OK;
}

/* BOUNDSHEET8: stream offset of the sheet's BOF, visibility, type, name. Only worksheets (type 0) are reported,
 * hidden ones included, as xlrd does; chart, macro and VB module sheets are skipped. */
static pl_status on_boundsheet(pl_workbook *wb, pl_xls *x, pl_error *err)
{
    const unsigned char *d = x->biff.data;
    if (x->biff.len < 8)
        return too_short(x, "BOUNDSHEET", err);
    if (d[5] != 0)
        return PL_OK;
    if (x->n_sheets >= XLS_MAX_SHEETS)
        return pl_error_set(err, PL_ELIMIT, x->path, "workbook has more than %u sheets", XLS_MAX_SHEETS);
    pl_bytes name = {.what = "sheet name", .limit = 4096};
    pl_status st = record_string(x, d + 7, x->biff.len - 7, d[6], &name, err);
    if (st != PL_OK) {
        pl_bytes_free(&name);
        return st;
    }
    size_t n = x->n_sheets + 1;
    if (n > x->sheet_cap) { /* grow geometrically: a hostile file may list 65536 sheets */
        size_t cap = x->sheet_cap ? 2 * x->sheet_cap : 16;
        char **names = pl_realloc(wb->sheet_names, cap * sizeof *names, "sheet names", err);
        if (names)
            wb->sheet_names = names;
        uint32_t *offs = names ? pl_realloc(x->sheet_offset, cap * sizeof *offs, "sheet offsets", err) : NULL;
        if (offs) {
            x->sheet_offset = offs;
            x->sheet_cap = cap;
        }
    }
    char *copy = n <= x->sheet_cap ? pl_strdup(name.p, err) : NULL;
    pl_bytes_free(&name);
    if (!copy)
        return located(x, err);
    wb->sheet_names[x->n_sheets] = copy;
    x->sheet_offset[x->n_sheets] = pl_le32(d);
    x->n_sheets = wb->n_sheets = n;
    return PL_OK;
}

/* FORMAT: a number format id and its code; we keep only "is it a date". */
static pl_status on_format(pl_xls *x, pl_error *err)
{
    const unsigned char *d = x->biff.data;
    if (x->biff.len < (x->version == 5 ? 3u : 5u))
        return too_short(x, "FORMAT", err);
    uint16_t id = pl_le16(d);
    pl_bytes code = {.what = "number format", .limit = 1u << 20};
    pl_status st = x->version == 5 ? record_string(x, d + 3, x->biff.len - 3, d[2], &code, err)
                                   : record_string(x, d + 4, x->biff.len - 4, pl_le16(d + 2), &code, err);
    if (st == PL_OK) {
        x->fmt_defined[id / 8] |= (uint8_t)(1u << (id % 8));
        if (pl_xls_format_is_date(code.p))
            x->fmt_date[id / 8] |= (uint8_t)(1u << (id % 8));
        else
            x->fmt_date[id / 8] &= (uint8_t) ~(1u << (id % 8));
    }
    pl_bytes_free(&code);
    return st;
}

static pl_status on_xf(pl_xls *x, pl_error *err)
{
    if (x->biff.len < 4)
        return too_short(x, "XF", err);
    if (x->n_xf >= XLS_MAX_XF)
        return PL_OK; /* cells can only name the first 65536 */
    if (pl_bytes_reserve(&x->xf_fmt, 2, err) != PL_OK)
        return located(x, err);
    memcpy(x->xf_fmt.p + x->xf_fmt.len, x->biff.data + 2, 2);
    x->xf_fmt.len += 2;
    x->n_xf++;
    return PL_OK;
}

/* SST: total and unique counts, then the strings, continued in CONTINUE records. A count that claims more strings
 * than the records hold ends at the data; references past the real strings fail when a cell uses them. */
static pl_status on_sst(pl_xls *x, pl_error *err)
{
    if (x->biff.len < 8)
        return too_short(x, "SST", err);
    uint32_t unique = pl_le32(x->biff.data + 4);
    pl_biff_cont c = {.b = &x->biff, .pos = 8};
    pl_status st = PL_OK;
    for (uint32_t i = 0; i < unique; i++) {
        unsigned char w[2];
        st = pl_biff_cont_bytes(&c, w, 2, err);
        if (st != PL_OK)
            break;
        uint32_t off = (uint32_t)x->sst_text.len;
        st = pl_bytes_reserve(&x->sst_index, 4, err);
        if (st == PL_OK)
            st = pl_biff_cont_string(&c, pl_le16(w), &x->sst_text, err);
        if (st == PL_OK)
            st = pl_bytes_reserve(&x->sst_text, 1, err);
        if (st != PL_OK) {
            x->sst_text.len = off; /* drop a string cut short, so that the last one still ends at the arena's end */
            break;
        }
        x->sst_text.p[x->sst_text.len++] = 0;
        memcpy(x->sst_index.p + x->sst_index.len, &off, 4);
        x->sst_index.len += 4;
        x->sst_n++;
    }
    if (st == PL_DONE)
        return PL_OK;
    if (st == PL_ELIMIT)
        return pl_error_set(err, PL_ELIMIT, x->path, "shared strings exceed %zu MiB (the strings memory limit)",
                            x->sst_text.limit >> 20);
    if (st != PL_OK)
        pl_error_locate(err, x->path);
    return st;
}

const char *pl_xls_sst_get(const pl_xls *x, uint32_t i, uint32_t *len)
{
    if (i >= x->sst_n)
        return NULL;
    uint32_t off, end;
    memcpy(&off, x->sst_index.p + 4 * (size_t)i, 4);
    if (i + 1 < x->sst_n)
        memcpy(&end, x->sst_index.p + 4 * ((size_t)i + 1), 4);
    else
        end = (uint32_t)x->sst_text.len;
    *len = end - off - 1;
    return x->sst_text.p + off;
}

/* xlrd's cell type for an XF: the FORMAT record's code when there is one, else the built-in id's kind. */
static pl_status finish_xf(pl_xls *x, pl_error *err)
{
    x->xf_is_date = pl_alloc(x->n_xf + 1, "cell formats", err);
    if (!x->xf_is_date)
        return located(x, err);
    for (uint32_t i = 0; i < x->n_xf; i++) {
        uint16_t id;
        memcpy(&id, x->xf_fmt.p + 2 * (size_t)i, 2);
        id = pl_le16((const unsigned char *)&id);
        bool defined = x->fmt_defined[id / 8] & (1u << (id % 8));
        x->xf_is_date[i] = defined ? (x->fmt_date[id / 8] >> (id % 8)) & 1 : pl_xls_builtin_is_date(id);
    }
    pl_bytes_free(&x->xf_fmt);
    return PL_OK;
}

static pl_status check_bof(pl_xls *x, pl_error *err)
{
    pl_status st = pl_biff_next(&x->biff, err);
    if (st == PL_DONE || (st == PL_OK && (x->biff.type != BIFF_BOF || x->biff.len < 4)))
        return pl_error_set(err, PL_EFORMAT, x->path,
                            "not an Excel workbook: the Workbook stream does not start with BOF");
    if (st != PL_OK)
        return st;
    uint16_t vers = pl_le16(x->biff.data), dt = pl_le16(x->biff.data + 2);
    if (vers != 0x0600 && vers != 0x0500)
        return pl_error_set(err, PL_EUNSUPPORTED, x->path,
                            "unsupported BIFF version 0x%04X (only BIFF8, Excel 97-2003, and BIFF5, Excel 5.0/95)",
                            vers);
    x->version = vers == 0x0500 ? 5 : 8;
    if (dt != 0x0005)
        return pl_error_set(err, PL_EFORMAT, x->path,
                            "corrupt workbook: first substream is type 0x%04X, not the workbook globals", dt);
    return PL_OK;
}

pl_status pl_xls_read_globals(pl_workbook *wb, pl_xls *x, pl_error *err)
{
    pl_status st = check_bof(x, err);
    while (st == PL_OK) {
        st = pl_biff_next(&x->biff, err);
        if (st != PL_OK)
            break;
        const unsigned char *d = x->biff.data;
        switch (x->biff.type) {
        case BIFF_FILEPASS:
            return pl_error_set(err, PL_EUNSUPPORTED, x->path,
                                "encrypted workbook (password to open) is not supported");
        case BIFF_CODEPAGE:
            if (x->biff.len >= 2)
                x->codepage = pl_le16(d);
            break;
        case BIFF_DATEMODE:
            if (x->biff.len >= 2)
                x->date1904 = wb->date1904 = pl_le16(d) == 1;
            break;
        case BIFF_BOUNDSHEET: st = on_boundsheet(wb, x, err); break;
        case BIFF_FORMAT: st = on_format(x, err); break;
        case BIFF_XF: st = on_xf(x, err); break;
        case BIFF_SST: st = x->version == 8 ? on_sst(x, err) : PL_OK; break;
        case BIFF_EOF: st = PL_DONE; break;
        default: break;
        }
    }
    if (st == PL_DONE) /* EOF, or a stream that ends without one: keep what was read */
        st = finish_xf(x, err);
    return st;
}

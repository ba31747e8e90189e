/* The .xls (BIFF8, and BIFF5, in a compound file) format of the Workbook interface: bid on the OLE2 signature, open the
 * Workbook stream and read its globals; sheets stream from their BOUNDSHEET offsets (xls_sheet.c). */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "io/xls/xls.h"
#include "plateau/mem.h"

static int xls_bid(const unsigned char *head, size_t n)
{
    static const unsigned char magic[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    return n >= 8 && memcmp(head, magic, 8) == 0 ? 80 : 0;
}

static void xls_free(pl_xls *x)
{
    if (!x)
        return;
    pl_biff_free(&x->biff);
    pl_cfb_stream_close(x->st);
    pl_cfb_close(x->cfb);
    pl_bytes_free(&x->sst_text);
    pl_bytes_free(&x->sst_index);
    pl_bytes_free(&x->xf_fmt);
    pl_free(x->xf_is_date);
    pl_free(x->sheet_offset);
    pl_xls_codepage_close(x);
    if (x->fd >= 0)
        close(x->fd);
    pl_free(x);
}

static void xls_close(pl_workbook *wb)
{
    xls_free(wb->impl);
    wb->impl = NULL;
}

static const pl_workbook_ops xls_ops = {
    .sheet_open = pl_xls_sheet_open,
    .sheet_next = pl_xls_sheet_next,
    .sheet_close = pl_xls_sheet_close,
    .close = xls_close,
};

/* The Workbook stream (BIFF8), else Book (BIFF5); the BOF record then says which version it really is. */
static pl_status open_stream(pl_xls *x, pl_error *err)
{
    pl_cfb_entry e;
    pl_status st = pl_cfb_find(x->cfb, "Workbook", &e, err);
    if (st == PL_ENOTFOUND)
        st = pl_cfb_find(x->cfb, "Book", &e, err);
    if (st == PL_ENOTFOUND)
        return pl_error_set(err, PL_EFORMAT, x->path,
                            "not an Excel workbook: the compound file has no Workbook stream");
    if (st == PL_OK)
        st = pl_cfb_stream_open(x->cfb, &e, &x->st, err);
    if (st == PL_OK)
        st = pl_biff_init(&x->biff, x->st, x->path, err);
    return st;
}

/* Shared by the path and memory entry points once x->cfb is open. */
static pl_status open_common(pl_workbook *wb, pl_xls *x, pl_error *err)
{
    size_t strings = wb->limits.strings_memory ? wb->limits.strings_memory : (16u << 20);
    x->sst_text = (pl_bytes){.what = "shared strings", .limit = strings};
    x->sst_index = (pl_bytes){.what = "shared strings", .limit = strings};
    x->xf_fmt = (pl_bytes){.what = "cell formats", .limit = 4u << 20};
    pl_status st = open_stream(x, err);
    if (st == PL_OK)
        st = pl_xls_read_globals(wb, x, err);
    if (st != PL_OK)
        return st;
    wb->ops = &xls_ops;
    wb->format = "xls";
    wb->impl = x;
    return PL_OK;
}

static pl_xls *new_xls(pl_workbook *wb, pl_error *err)
{
    pl_xls *x = pl_calloc(1, sizeof *x, "xls reader", err);
    if (!x) {
        pl_error_locate(err, wb->path);
        return NULL;
    }
    x->path = wb->path;
    x->fd = -1;
    return x;
}

/* On failure, wb->sheet_names may hold names already read: the caller's pl_workbook_close frees them. */
static pl_status finish(pl_workbook *wb, pl_xls *x, pl_status st)
{
    if (st != PL_OK) {
        xls_free(x);
        wb->impl = NULL;
    }
    return st;
}

static pl_status xls_open(pl_workbook *wb, pl_error *err)
{
    pl_xls *x = new_xls(wb, err);
    if (!x)
        return err ? err->code : PL_ENOMEM;
    x->fd = open(wb->path, O_RDONLY | O_CLOEXEC);
    if (x->fd < 0) {
        pl_status st = pl_error_errno(err, PL_EIO, wb->path, "cannot open");
        return finish(wb, x, st);
    }
    pl_status st = pl_cfb_open_fd(x->fd, wb->path, &x->cfb, err);
    if (st == PL_OK)
        st = open_common(wb, x, err);
    return finish(wb, x, st);
}

pl_status pl_xls_open_mem(pl_workbook *wb, const void *data, size_t size, pl_error *err)
{
    pl_xls *x = new_xls(wb, err);
    if (!x)
        return err ? err->code : PL_ENOMEM;
    pl_status st = pl_cfb_open_mem(data, size, wb->path, &x->cfb, err);
    if (st == PL_OK)
        st = open_common(wb, x, err);
    return finish(wb, x, st);
}

const pl_workbook_fmt pl_format_xls = {"xls", xls_bid, xls_open};

/* plateau plot: writing figures as PNG, JPEG, SVG and PDF, always atomically (pl_afile: a temporary file renamed into
 * place on success). Raster formats are drawn in strips of at most STRIP_BYTES and encoded as they come, so the
 * memory of a save is one strip whatever the figure's size. */
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <math.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>

#include <jpeglib.h> /* needs size_t and FILE first */
#include <string.h>
#include <strings.h>

#include "plateau/afile.h"
#include "plateau/mem.h"
#include "plot/plot_impl.h"

#define STRIP_ROWS 128                /* at least */
#define STRIP_BYTES ((size_t)2 << 20) /* at most, unless STRIP_ROWS rows need more */

/* An output file and the first error met while writing it (cairo's callbacks cannot carry one). */
typedef struct sink {
    pl_afile af;
    pl_error *err;
    pl_status st;
} sink;

static pl_status sink_write(void *ctx, const void *buf, size_t n, pl_error *err)
{
    sink *s = ctx;
    if (!s->st)
        s->st = pl_afile_write(&s->af, buf, n, err);
    return s->st;
}

static cairo_status_t cairo_sink(void *closure, const unsigned char *data, unsigned int len)
{
    sink *s = closure;
    return sink_write(s, data, len, s->err) ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

typedef pl_status (*rows_fn)(void *ctx, const uint8_t *data, int stride, int nrows, pl_error *err);

/* Draws the figure strip by strip into one reusable image and hands each strip's rows to `rows`. */
static pl_status render_strips(pl_figure *fig, rows_fn rows, void *ctx, pl_error *err)
{
    int w = fig->w_px, h = fig->h_px;
    int stride = cairo_format_stride_for_width(CAIRO_FORMAT_RGB24, w);
    /* Taller strips draw an item crossing strip edges fewer times; the strip stays within STRIP_BYTES. */
    int strip = (int)(STRIP_BYTES / (size_t)stride);
    strip = strip < STRIP_ROWS ? STRIP_ROWS : strip > h ? h : strip;
    uint8_t *buf = pl_alloc((size_t)stride * (size_t)strip, "plot image strip", err);
    if (!buf)
        return err ? err->code : PL_ENOMEM;
    cairo_surface_t *surf = cairo_image_surface_create_for_data(buf, CAIRO_FORMAT_RGB24, w, strip, stride);
    pl_status st = PL_OK;
    double s = fig->dpi / 72.0;
    pl__layout(fig, s);
    for (int y0 = 0; y0 < h && !st; y0 += strip) {
        cairo_t *cr = cairo_create(surf);
        cairo_translate(cr, 0, -y0);
        cairo_scale(cr, s, s);
        pl__render(fig, cr, y0 / s - 2, (y0 + strip) / s + 2);
        if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
            st = pl_error_set(err, PL_EINTERNAL, NULL, "drawing failed: %s", cairo_status_to_string(cairo_status(cr)));
        cairo_destroy(cr);
        cairo_surface_flush(surf);
        if (!st)
            st = rows(ctx, buf, stride, h - y0 < strip ? h - y0 : strip, err);
    }
    cairo_surface_destroy(surf);
    pl_free(buf);
    return st;
}

static pl_status png_rows(void *ctx, const uint8_t *data, int stride, int nrows, pl_error *err)
{
    return pl__png_rows(ctx, data, stride, nrows, err);
}

static pl_status save_png(pl_figure *fig, sink *s, pl_error *err)
{
    pl_png *png;
    pl_status st = pl__png_begin(&png, fig->w_px, fig->h_px, sink_write, s, err);
    if (st)
        return st;
    st = render_strips(fig, png_rows, png, err);
    if (!st)
        st = pl__png_end(png, err);
    pl__png_free(png);
    return st;
}

/* libjpeg reports errors by calling error_exit, which must not return: we jump back with its message. */
typedef struct jpeg_ctx {
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr jerr;
    jmp_buf jump;
    char msg[JMSG_LENGTH_MAX];
    uint8_t *row;
    const char *path;
} jpeg_ctx;

static void jpeg_fail(j_common_ptr c)
{
    jpeg_ctx *j = (jpeg_ctx *)c->client_data;
    (*c->err->format_message)(c, j->msg);
    longjmp(j->jump, 1);
}

static void jpeg_quiet(j_common_ptr c)
{
    (void)c;
} /* warnings: libjpeg would print them */

static pl_status jpeg_rows(void *ctx, const uint8_t *data, int stride, int nrows, pl_error *err)
{
    jpeg_ctx *j = ctx;
    if (setjmp(j->jump))
        return pl_error_set(err, PL_EIO, j->path, "JPEG encoder: %s", j->msg);
    for (int r = 0; r < nrows; r++) {
        const uint32_t *px = (const uint32_t *)(data + (size_t)r * (size_t)stride);
        for (JDIMENSION x = 0; x < j->c.image_width; x++) {
            j->row[3 * x] = (uint8_t)(px[x] >> 16);
            j->row[3 * x + 1] = (uint8_t)(px[x] >> 8);
            j->row[3 * x + 2] = (uint8_t)px[x];
        }
        JSAMPROW rowp = j->row;
        jpeg_write_scanlines(&j->c, &rowp, 1);
    }
    return PL_OK;
}

static pl_status save_jpeg(pl_figure *fig, sink *s, pl_error *err)
{
    jpeg_ctx *j = pl_calloc(1, sizeof *j, "JPEG encoder", err);
    if (!j)
        return err ? err->code : PL_ENOMEM;
    j->row = pl_alloc((size_t)fig->w_px * 3, "JPEG row", err);
    if (!j->row) {
        pl_free(j);
        return err ? err->code : PL_ENOMEM;
    }
    j->path = s->af.final_path;
    j->c.err = jpeg_std_error(&j->jerr);
    j->jerr.error_exit = jpeg_fail;
    j->jerr.output_message = jpeg_quiet;
    j->c.client_data = j;
    volatile pl_status st = PL_OK; /* survives the longjmp */
    if (setjmp(j->jump)) {
        st = pl_error_set(err, PL_EIO, j->path, "JPEG encoder: %s", j->msg);
    } else {
        jpeg_create_compress(&j->c);
        jpeg_stdio_dest(&j->c, s->af.fp);
        j->c.image_width = (JDIMENSION)fig->w_px;
        j->c.image_height = (JDIMENSION)fig->h_px;
        j->c.input_components = 3;
        j->c.in_color_space = JCS_RGB;
        jpeg_set_defaults(&j->c);
        jpeg_set_quality(&j->c, 90, TRUE);
        j->c.density_unit = 1; /* dots per inch */
        j->c.X_density = j->c.Y_density = (UINT16)lround(fig->dpi);
        jpeg_start_compress(&j->c, TRUE);
        st = render_strips(fig, jpeg_rows, j, err);
        if (!st && !setjmp(j->jump))
            jpeg_finish_compress(&j->c);
        else if (!st)
            st = pl_error_set(err, PL_EIO, j->path, "JPEG encoder: %s", j->msg);
    }
    jpeg_destroy_compress(&j->c);
    pl_free(j->row);
    pl_free(j);
    return st;
}

/* Draws the figure on a vector surface (SVG, or a PDF page) and reports cairo's verdict. */
static pl_status render_vector(pl_figure *fig, cairo_surface_t *surf, pl_error *err)
{
    cairo_t *cr = cairo_create(surf);
    pl__layout(fig, fig->dpi / 72.0);
    pl__render(fig, cr, -INFINITY, INFINITY);
    cairo_status_t cs = cairo_status(cr);
    cairo_destroy(cr);
    if (cs != CAIRO_STATUS_SUCCESS)
        return pl_error_set(err, cs == CAIRO_STATUS_WRITE_ERROR ? PL_EIO : PL_EINTERNAL, NULL, "drawing failed: %s",
                            cairo_status_to_string(cs));
    return PL_OK;
}

static pl_status save_svg(pl_figure *fig, sink *s, pl_error *err)
{
    cairo_surface_t *surf = cairo_svg_surface_create_for_stream(cairo_sink, s, fig->w_pt, fig->h_pt);
    cairo_svg_surface_set_document_unit(surf, CAIRO_SVG_UNIT_PT);
    pl_status st = render_vector(fig, surf, err);
    cairo_surface_finish(surf);
    cairo_status_t cs = cairo_surface_status(surf);
    cairo_surface_destroy(surf);
    if (!st && s->st)
        st = s->st;
    if (!st && cs != CAIRO_STATUS_SUCCESS)
        st = pl_error_set(err, PL_EIO, s->af.final_path, "SVG output failed: %s", cairo_status_to_string(cs));
    return st;
}

static pl_format format_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot || strchr(dot, '/'))
        return PL_FMT_AUTO;
    if (!strcasecmp(dot, ".png"))
        return PL_FMT_PNG;
    if (!strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg"))
        return PL_FMT_JPEG;
    if (!strcasecmp(dot, ".svg"))
        return PL_FMT_SVG;
    if (!strcasecmp(dot, ".pdf"))
        return PL_FMT_PDF;
    return PL_FMT_AUTO;
}

pl_status pl_figure_save(pl_figure *fig, const char *path, pl_error *err)
{
    return pl_figure_save_as(fig, path, PL_FMT_AUTO, err);
}

pl_status pl_figure_save_as(pl_figure *fig, const char *path, pl_format format, pl_error *err)
{
    if (!fig || !path)
        return pl_error_set(err, PL_EARG, path, "pl_figure_save needs a figure and a path");
    if (format == PL_FMT_AUTO)
        format = format_of(path);
    if (format == PL_FMT_AUTO)
        return pl_error_set(err, PL_EARG, path, "cannot tell the image format from the name (use .png .jpg .svg .pdf)");
    if (format == PL_FMT_PDF) {
        pl_pdf *doc;
        pl_status st = pl_pdf_open(path, &doc, err);
        if (st)
            return st;
        st = pl_pdf_add(doc, fig, err);
        if (st) {
            pl_pdf_abort(doc);
            return st;
        }
        return pl_pdf_close(doc, err);
    }
    sink *s = pl_calloc(1, sizeof *s, "plot output", err);
    if (!s)
        return err ? err->code : PL_ENOMEM;
    s->err = err;
    pl_status st = pl_afile_open(&s->af, path, err);
    if (!st) {
        if (format == PL_FMT_PNG)
            st = save_png(fig, s, err);
        else if (format == PL_FMT_JPEG)
            st = save_jpeg(fig, s, err);
        else
            st = save_svg(fig, s, err);
        if (!st)
            st = pl_afile_commit(&s->af, err);
        if (st) {
            pl_afile_abort(&s->af);
            pl_error_locate(err, path);
        }
    }
    pl_free(s);
    return st;
}

/* ---- multi-page PDF */
struct pl_pdf {
    sink s;
    cairo_surface_t *surf;
    int pages;
};

pl_status pl_pdf_open(const char *path, pl_pdf **out, pl_error *err)
{
    if (out)
        *out = NULL;
    if (!path || !out)
        return pl_error_set(err, PL_EARG, path, "pl_pdf_open needs a path and an output pointer");
    pl_pdf *doc = pl_calloc(1, sizeof *doc, "PDF document", err);
    if (!doc)
        return err ? err->code : PL_ENOMEM;
    doc->s.err = err;
    pl_status st = pl_afile_open(&doc->s.af, path, err);
    if (st) {
        pl_free(doc);
        return st;
    }
    doc->surf = cairo_pdf_surface_create_for_stream(cairo_sink, &doc->s, 612, 792);
    if (cairo_surface_status(doc->surf) != CAIRO_STATUS_SUCCESS) {
        pl_pdf_abort(doc);
        return pl_error_set(err, PL_ENOMEM, path, "cannot start a PDF document");
    }
    cairo_pdf_surface_set_metadata(doc->surf, CAIRO_PDF_METADATA_CREATOR, "plateau");
    *out = doc;
    return PL_OK;
}

pl_status pl_pdf_add(pl_pdf *doc, pl_figure *fig, pl_error *err)
{
    if (!doc || !fig)
        return pl_error_set(err, PL_EARG, NULL, "pl_pdf_add needs a document and a figure");
    doc->s.err = err;
    if (doc->s.st)
        return doc->s.st;
    cairo_pdf_surface_set_size(doc->surf, fig->w_pt, fig->h_pt);
    pl_status st = render_vector(fig, doc->surf, err);
    if (st)
        return st;
    cairo_surface_show_page(doc->surf);
    if (doc->s.st)
        return doc->s.st;
    doc->pages++;
    return PL_OK;
}

int pl_pdf_pages(const pl_pdf *doc)
{
    return doc ? doc->pages : 0;
}

pl_status pl_pdf_close(pl_pdf *doc, pl_error *err)
{
    if (!doc)
        return pl_error_set(err, PL_EARG, NULL, "pl_pdf_close needs a document");
    doc->s.err = err;
    if (doc->pages == 0) {
        char path[PL_PATH_MAX];
        pl__copy_text(path, sizeof path, doc->s.af.final_path);
        pl_pdf_abort(doc);
        return pl_error_set(err, PL_EARG, path, "a PDF document needs at least one page");
    }
    cairo_surface_finish(doc->surf);
    cairo_status_t cs = cairo_surface_status(doc->surf);
    pl_status st = doc->s.st;
    if (!st && cs != CAIRO_STATUS_SUCCESS)
        st = pl_error_set(err, PL_EIO, doc->s.af.final_path, "PDF output failed: %s", cairo_status_to_string(cs));
    if (!st)
        st = pl_afile_commit(&doc->s.af, err);
    if (st) {
        pl_error_locate(err, doc->s.af.final_path);
        pl_afile_abort(&doc->s.af);
    }
    cairo_surface_destroy(doc->surf);
    pl_free(doc);
    return st;
}

void pl_pdf_abort(pl_pdf *doc)
{
    if (!doc)
        return;
    doc->s.st = PL_EIO; /* nothing more reaches the file */
    if (doc->surf) {
        cairo_surface_finish(doc->surf);
        cairo_surface_destroy(doc->surf);
    }
    pl_afile_abort(&doc->s.af);
    pl_free(doc);
}

/* Internal: the .xls workbook object (one per open workbook) shared by the globals parser and the sheet reader. */
#ifndef PLATEAU_XLS_XLS_H
#define PLATEAU_XLS_XLS_H

#include "io/workbook_impl.h"
#include "io/xls/biff.h"
#include "io/xls/cfb.h"

typedef struct pl_xls {
    const char *path;
    int fd; /* -1 when read from memory */
    pl_cfb *cfb;
    pl_cfb_stream *st;
    pl_biff biff;
    bool date1904;
    int version;       /* 8 (Excel 97-2003) or 5 (Excel 5.0/95) */
    uint16_t codepage; /* of BIFF5 byte strings */
    void *iconv;       /* iconv_t for a code page other than 1252/Latin-1, opened on first use */
    /* Shared strings: NUL-terminated UTF-8 in one arena, and the offset of each. */
    pl_bytes sst_text;
    pl_bytes sst_index; /* uint32_t offsets */
    uint32_t sst_n;
    /* Number formats: for each format id, whether a FORMAT record defined it and whether it shows a date. */
    uint8_t fmt_defined[65536 / 8];
    uint8_t fmt_date[65536 / 8];
    pl_bytes xf_fmt;     /* uint16_t format id per XF record */
    uint8_t *xf_is_date; /* per XF index, computed once the globals are read */
    uint32_t n_xf;
    /* Worksheets: BOF offset of each, in workbook order. */
    uint32_t *sheet_offset;
    size_t n_sheets, sheet_cap;
} pl_xls;

/* Reads the workbook globals substream: BOF, BOUNDSHEET, CODEPAGE, DATEMODE, FORMAT, XF, SST, up to EOF.
 * Fills x and the common workbook fields (sheet names, date1904). */
pl_status pl_xls_read_globals(pl_workbook *wb, pl_xls *x, pl_error *err);

/* BIFF5 byte strings: n bytes in the workbook's code page appended to out as UTF-8 (1252 inline, others by iconv). */
pl_status pl_xls_decode_bytes(pl_xls *x, const unsigned char *p, size_t n, pl_bytes *out, pl_error *err);
void pl_xls_codepage_close(pl_xls *x);

/* A shared string by index; NULL when out of range. */
const char *pl_xls_sst_get(const pl_xls *x, uint32_t i, uint32_t *len);

/* The sheet operations (xls_sheet.c). */
pl_status pl_xls_sheet_open(pl_workbook *wb, pl_sheet *s, size_t sheet, pl_error *err);
pl_status pl_xls_sheet_next(pl_sheet *s, uint32_t *row_index, const pl_cell **cells, uint32_t *n, pl_error *err);
void pl_xls_sheet_close(pl_sheet *s);

/* Opens an .xls held in memory (fuzzing, tests): fills wb like pl_format_xls.open does for wb->path. */
pl_status pl_xls_open_mem(pl_workbook *wb, const void *data, size_t size, pl_error *err);

#endif

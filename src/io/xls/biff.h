/* Internal: BIFF8 records (MS-XLS) read one at a time from the Workbook stream, and the pieces the workbook globals and
 * the sheet reader share (string decoding, the shared string table, date formats). */
#ifndef PLATEAU_XLS_BIFF_H
#define PLATEAU_XLS_BIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/xls/cfb.h"
#include "plateau/error.h"

/* Record types we read (MS-XLS 2.3). */
enum {
    BIFF_FORMULA = 0x0006,
    BIFF_EOF = 0x000A,
    BIFF_FILEPASS = 0x002F,
    BIFF_DATEMODE = 0x0022,
    BIFF_CONTINUE = 0x003C,
    BIFF_CODEPAGE = 0x0042,
    BIFF_BOUNDSHEET = 0x0085,
    BIFF_MULRK = 0x00BD,
    BIFF_RSTRING = 0x00D6,
    BIFF_XF = 0x00E0,
    BIFF_SST = 0x00FC,
    BIFF_LABELSST = 0x00FD,
    BIFF_NUMBER = 0x0203,
    BIFF_LABEL = 0x0204,
    BIFF_BOOLERR = 0x0205,
    BIFF_STRING = 0x0207,
    BIFF_RK = 0x027E,
    BIFF_FORMAT = 0x041E,
    BIFF_BOF = 0x0809,
};

/* The largest record body a u16 length allows (BIFF8 writers stay under 8224). */
#define BIFF_MAX_RECORD 65535u

typedef struct pl_biff {
    const char *path;
    pl_cfb_stream *st;
    uint16_t type;
    uint32_t len;
    uint64_t offset;           /* stream offset of the current record's header */
    const unsigned char *data; /* the record body: in the stream's chunk, or in buf when it straddles chunks */
    unsigned char *buf;        /* BIFF_MAX_RECORD bytes */
    bool pushed_back;
} pl_biff;

pl_status pl_biff_init(pl_biff *b, pl_cfb_stream *st, const char *path, pl_error *err);
void pl_biff_free(pl_biff *b);
/* Reads the next record into b->type/len/data. PL_DONE at the end of the stream (or in its zero padding). */
pl_status pl_biff_next(pl_biff *b, pl_error *err);
/* The next pl_biff_next returns the current record again. */
void pl_biff_push_back(pl_biff *b);
pl_status pl_biff_seek(pl_biff *b, uint64_t offset, pl_error *err);

static inline uint16_t pl_le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t pl_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
double pl_le_double(const unsigned char *p);
/* An RK number: a 30-bit integer or the top 30 bits of a double, optionally divided by 100. */
double pl_biff_rk(uint32_t rk);
/* "#DIV/0!" etc. for a BIFF error code; "#ERR" for unknown codes. */
const char *pl_biff_error_text(uint8_t code);

/* A growable byte buffer charged to the budget, with a cap past which appends fail with PL_ELIMIT. */
typedef struct pl_bytes {
    char *p;
    size_t len, cap, limit;
    const char *what;
} pl_bytes;
pl_status pl_bytes_reserve(pl_bytes *b, size_t extra, pl_error *err);
void pl_bytes_free(pl_bytes *b);

/* Appends n characters of a BIFF8 string body to out as UTF-8: compressed (Latin-1 bytes) or UTF-16LE.
 * *pending_hi carries a high surrogate across pieces of a string split by CONTINUE (0 when none). */
pl_status pl_biff_append_chars(pl_bytes *out, const unsigned char *p, size_t n, bool utf16, uint16_t *pending_hi,
                               pl_error *err);
void pl_biff_flush_surrogate(pl_bytes *out, uint16_t *pending_hi);

/* A reader of data that may continue in CONTINUE records (SST, STRING): bytes cross record ends transparently,
 * and character data re-reads the compressed/uncompressed flag at each continuation. */
typedef struct pl_biff_cont {
    pl_biff *b;
    size_t pos; /* in b->data */
} pl_biff_cont;
/* Copies (dst != NULL) or skips n bytes. PL_DONE when the data ends (the next record is not a CONTINUE). */
pl_status pl_biff_cont_bytes(pl_biff_cont *c, void *dst, size_t n, pl_error *err);
/* Reads an XLUnicodeRichExtendedString body after its cch: flags, runs, ext size, chars; skips runs and ext data. */
pl_status pl_biff_cont_string(pl_biff_cont *c, uint32_t cch, pl_bytes *out, pl_error *err);

/* Does a number format code display a date (xlrd's rule: more date letters ymdhs than digit placeholders 0#?,
 * outside quotes, brackets and escapes)? */
bool pl_xls_format_is_date(const char *utf8);
/* Built-in format ids that are dates: 14-22, 45-47 and the CJK/Thai date ids 27-36, 50-58, 71-81. */
bool pl_xls_builtin_is_date(uint16_t id);

#endif

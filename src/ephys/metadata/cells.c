/* Metadata log cells: which header names a key column, what name a row gives its recording, and typed JSON values. */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ephys/metadata/metadata_impl.h"

/* Header text compared in lower case with everything but letters and digits dropped: ".abf file" -> "abffile". */
static void squeeze(const char *text, size_t len, char *out, size_t size)
{
    size_t k = 0;
    for (size_t i = 0; i < len && k + 1 < size; i++)
        if (isalnum((unsigned char)text[i]))
            out[k++] = (char)tolower((unsigned char)text[i]);
    out[k] = 0;
}

char meta_key_kind(const char *text, size_t len)
{
    static const char *const file_names[] = {"file",    "filename",    "abffile", "abf",       "abffilename",
                                             "nwbfile", "nwbfilename", "nwb",     "recording", "recordingfile"};
    char s[64];
    if (len >= sizeof s)
        return 0;
    squeeze(text, len, s, sizeof s);
    for (size_t i = 0; i < sizeof file_names / sizeof file_names[0]; i++)
        if (!strcmp(s, file_names[i]))
            return 'f';
    return !strcmp(s, "recdate") ? 'd' : !strcmp(s, "filenum") ? 'n' : 0;
}

static bool ends_with_ci(const char *s, size_t len, const char *tail)
{
    size_t n = strlen(tail);
    return len >= n && !strncasecmp(s + len - n, tail, n);
}

void meta_normalise_name(const char *s, size_t len, char name[META_NAME_MAX])
{
    for (size_t i = len; i > 0; i--)
        if (s[i - 1] == '/' || s[i - 1] == '\\') {
            len -= i;
            s += i;
            break;
        }
    while (len && isspace((unsigned char)*s))
        s++, len--;
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    if (ends_with_ci(s, len, ".abf") || ends_with_ci(s, len, ".nwb"))
        len -= 4;
    size_t k = 0;
    for (; k < len && k + 1 < META_NAME_MAX; k++)
        name[k] = (char)tolower((unsigned char)s[k]);
    name[k] = 0;
}

static const pl_cell *cell_at(const pl_row *row, long col)
{
    for (uint32_t i = 0; col >= 0 && i < row->n; i++)
        if (row->cells[i].col == (uint32_t)col)
            return &row->cells[i];
    return NULL;
}

/* recDate as year, month, day: an Excel date, a number 20190724, or text 2019-07-24, 2019/07/24, 2019_07_24,
 * 20190724. */
static bool cell_date(const pl_cell *c, int *y, int *m, int *d)
{
    if (c->type == PL_CELL_DATE) {
        int64_t us = pl_excel_days_to_unix_us(floor(c->number));
        if (us == INT64_MIN)
            return false;
        time_t t = (time_t)(us / 1000000);
        struct tm tm;
        gmtime_r(&t, &tm);
        *y = tm.tm_year + 1900, *m = tm.tm_mon + 1, *d = tm.tm_mday;
    } else if (c->type == PL_CELL_NUMBER) {
        if (c->number != floor(c->number) || c->number < 10000101 || c->number > 99991231)
            return false;
        long v = (long)c->number;
        *y = (int)(v / 10000), *m = (int)(v / 100 % 100), *d = (int)(v % 100);
    } else if (c->type == PL_CELL_TEXT) {
        char tail;
        if (sscanf(c->text, " %4d%*1[-/_.]%2d%*1[-/_.]%2d %c", y, m, d, &tail) != 3 &&
            (c->len < 8 || sscanf(c->text, " %4d%2d%2d %c", y, m, d, &tail) != 3))
            return false;
    } else
        return false;
    return *y >= 1000 && *y <= 9999 && *m >= 1 && *m <= 12 && *d >= 1 && *d <= 31;
}

/* fileNum: a whole number 0..9999, as a number or as digits. */
static bool cell_file_number(const pl_cell *c, int *num)
{
    if (c->type == PL_CELL_NUMBER) {
        if (c->number != floor(c->number) || c->number < 0 || c->number > 9999)
            return false;
        *num = (int)c->number;
        return true;
    }
    char tail;
    return c->type == PL_CELL_TEXT && c->len <= 12 && sscanf(c->text, " %4d %c", num, &tail) == 1 && *num >= 0;
}

bool meta_row_name(const meta_header *h, const pl_row *row, char name[META_NAME_MAX])
{
    const pl_cell *f = cell_at(row, h->file_col);
    if (f && f->type == PL_CELL_TEXT && f->len) {
        meta_normalise_name(f->text, f->len, name);
        if (name[0])
            return true;
    } else if (f && f->type == PL_CELL_NUMBER && f->number == floor(f->number) && fabs(f->number) < 1e15) {
        snprintf(name, META_NAME_MAX, "%.0f", f->number); /* 25530001 typed without its extension */
        return true;
    }
    const pl_cell *date = cell_at(row, h->date_col), *num = cell_at(row, h->num_col);
    int y, m, d, n;
    if (!date || !num || !cell_date(date, &y, &m, &d) || !cell_file_number(num, &n))
        return false;
    snprintf(name, META_NAME_MAX, "%04d_%02d_%02d_%04d", y, m, d, n);
    return true;
}

/* ISO 8601: the date alone at midnight, else date and time, with milliseconds only when there are any. */
static json_t *date_value(double days)
{
    int64_t us = pl_excel_days_to_unix_us(days);
    if (us == INT64_MIN)
        return json_real(days);
    int64_t ms = (us >= 0 ? us + 500 : us - 500) / 1000;
    int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    int frac = (int)(ms - secs * 1000);
    time_t t = (time_t)secs;
    struct tm tm;
    gmtime_r(&t, &tm);
    char buf[48];
    size_t n = strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    if (tm.tm_hour || tm.tm_min || tm.tm_sec || frac)
        n += strftime(buf + n, sizeof buf - n, "T%H:%M:%S", &tm);
    if (frac)
        snprintf(buf + n, sizeof buf - n, ".%03d", frac);
    return json_string(buf);
}

json_t *meta_cell_value(const pl_cell *c)
{
    switch (c->type) {
    case PL_CELL_NUMBER:
        /* Whole numbers are integers in JSON (a fileNum of 55, not 55.0); the rest stay doubles. */
        if (c->number == floor(c->number) && fabs(c->number) < 9007199254740992.0)
            return json_integer((json_int_t)c->number);
        return json_real(c->number);
    case PL_CELL_DATE: return date_value(c->number);
    case PL_CELL_BOOL: return json_boolean(c->number != 0);
    case PL_CELL_TEXT:
    case PL_CELL_ERROR: return c->len ? json_stringn(c->text, c->len) : NULL;
    default: return NULL;
    }
}

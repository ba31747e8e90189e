/* Streams one zip entry through libzip in caller-sized chunks, counting inflated bytes as they come so that a zip
 * bomb is refused while inflating, whatever the central directory claims. */
#include "io/xlsx/xlsx_internal.h"

#define RATIO_GRACE (1u << 20) /* small parts may compress very well; judge the ratio past 1 MiB */

/* Part names in OPC are case-insensitive; some writers also use a leading slash or backslashes. */
static zip_int64_t locate(zip_t *zip, const char *name)
{
    while (*name == '/')
        name++;
    zip_int64_t i = zip_name_locate(zip, name, ZIP_FL_NOCASE);
    if (i >= 0)
        return i;
    char alt[512];
    snprintf(alt, sizeof alt, "%s", name);
    for (char *p = alt; *p; p++)
        if (*p == '/')
            *p = '\\';
    return zip_name_locate(zip, alt, ZIP_FL_NOCASE);
}

bool xz_exists(zip_t *zip, const char *name)
{
    return locate(zip, name) >= 0;
}

pl_status xz_open(zip_t *zip, const char *path, const pl_workbook_limits *lim, const char *name, xz_stream *s,
                  pl_error *err)
{
    memset(s, 0, sizeof *s);
    s->lim = lim;
    s->path = path;
    snprintf(s->name, sizeof s->name, "%s", name);
    zip_int64_t i = locate(zip, name);
    if (i < 0)
        return pl_error_set(err, PL_ENOTFOUND, path, "the workbook has no part '%s'", name);
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(zip, (zip_uint64_t)i, 0, &st) != 0)
        return pl_error_set(err, PL_EFORMAT, path, "cannot read the zip entry of '%s': %s", name, zip_strerror(zip));
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
        return pl_error_set(err, PL_EUNSUPPORTED, path, "part '%s' is encrypted", name);
    s->compressed = (st.valid & ZIP_STAT_COMP_SIZE) ? st.comp_size : 0;
    s->zf = zip_fopen_index(zip, (zip_uint64_t)i, 0);
    if (!s->zf)
        return pl_error_set(err, PL_EFORMAT, path, "cannot open part '%s': %s", name, zip_strerror(zip));
    return PL_OK;
}

pl_status xz_read(xz_stream *s, void *buf, size_t cap, size_t *got, pl_error *err)
{
    *got = 0;
    zip_int64_t n = zip_fread(s->zf, buf, cap);
    if (n < 0)
        return pl_error_set(err, PL_EFORMAT, s->path, "part '%s' is damaged: %s", s->name, zip_file_strerror(s->zf));
    s->inflated += (uint64_t)n;
    if (s->inflated > s->lim->max_inflated_bytes)
        return pl_error_set(err, PL_ELIMIT, s->path,
                            "part '%s' inflates past the limit of %llu bytes: refusing a possible zip bomb", s->name,
                            (unsigned long long)s->lim->max_inflated_bytes);
    if (s->inflated > RATIO_GRACE && s->lim->max_ratio > 0 &&
        (double)s->inflated > s->lim->max_ratio * (double)(s->compressed ? s->compressed : 1))
        return pl_error_set(err, PL_ELIMIT, s->path,
                            "part '%s' inflates more than %.0f:1 (%llu compressed bytes): refusing a possible zip bomb",
                            s->name, s->lim->max_ratio, (unsigned long long)s->compressed);
    *got = (size_t)n;
    return PL_OK;
}

void xz_close(xz_stream *s)
{
    if (s->zf)
        zip_fclose(s->zf);
    s->zf = NULL;
}

/* What a workbook's names say: model, serial, track and date from the file name; which system wrote it and which
 * sheets hold each track, from the sheet names (lasertrim.md, "Inputs"). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "plateau/trim.h"

bool pl_trim_skip_name(const char *name)
{
    return strncmp(name, "~$", 2) == 0 || name[0] == '.' || strncmp(name, "_backup_", 8) == 0;
}

/* Copies the idx-th '_'-separated field of name into out; false when absent or empty. */
static bool field(const char *name, int idx, char *out, size_t size)
{
    const char *p = name;
    for (int i = 0; i < idx; i++) {
        p = strchr(p, '_');
        if (!p)
            return false;
        p++;
    }
    size_t len = strcspn(p, "_");
    if (len == 0 || len >= size)
        return false;
    memcpy(out, p, len);
    out[len] = '\0';
    return true;
}

/* "M-D-YYYY_H-MM AM" (or PM) anywhere in the name. */
static bool find_date(const char *name, pl_trim_name *o)
{
    for (const char *p = name; *p; p++) {
        if (!isdigit((unsigned char)*p) || (p > name && isdigit((unsigned char)p[-1])))
            continue;
        int mo, d, y, h, mi, used = 0;
        char ampm[3] = {0};
        if (sscanf(p, "%2d-%2d-%4d_%2d-%2d %2[APMapm]%n", &mo, &d, &y, &h, &mi, ampm, &used) == 6 && used > 0) {
            if (mo < 1 || mo > 12 || d < 1 || d > 31 || y < 1900 || h < 1 || h > 12 || mi < 0 || mi > 59)
                continue;
            bool pm = toupper((unsigned char)ampm[0]) == 'P';
            o->year = y, o->month = mo, o->day = d;
            o->hour = (h % 12) + (pm ? 12 : 0);
            o->minute = mi;
            o->has_date = true;
            return true;
        }
    }
    return false;
}

void pl_trim_parse_name(const char *file_name, pl_trim_name *o)
{
    memset(o, 0, sizeof *o);
    const char *base = strrchr(file_name, '/');
    base = base ? base + 1 : file_name;
    bool model = field(base, 0, o->model, sizeof o->model);
    bool serial = field(base, 1, o->serial, sizeof o->serial);
    char third[32];
    if (field(base, 2, third, sizeof third) && (strcmp(third, "TA") == 0 || strcmp(third, "TB") == 0))
        snprintf(o->track, sizeof o->track, "%s", third);
    find_date(base, o);
    o->parsed = model && serial && o->has_date;
}

static bool is_system_a(const char *const *names, size_t n)
{
    static const char *const keys[] = {"SEC1 TRK", "TRK1", "TRK2", "SEC1", "SEC2"};
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < 5; k++)
            if (strstr(names[i], keys[k]))
                return true;
    return false;
}

static size_t count_system_b(const char *const *names, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += strstr(names[i], "test") || strstr(names[i], "Lin Error") || strstr(names[i], "Trim");
    return c;
}

static long find_exact(const char *const *names, size_t n, const char *want)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], want) == 0)
            return (long)i;
    return -1;
}

/* System A: per track id, the untrimmed sheet (id and " 0" or "_0", not a TRM sheet; the first) and the trimmed one
 * (id and "TRM"; the last, i.e. the final trim pass). */
static void map_system_a(const char *const *names, size_t n, pl_trim_sheet_map *map)
{
    static const char *const ids[] = {"TRK1", "TRK2"};
    for (int t = 0; t < 2; t++) {
        long untrimmed = -1, trimmed = -1;
        for (size_t i = 0; i < n; i++) {
            if (!strstr(names[i], ids[t]))
                continue;
            if (strstr(names[i], "TRM"))
                trimmed = (long)i;
            else if (untrimmed < 0 && (strstr(names[i], " 0") || strstr(names[i], "_0")))
                untrimmed = (long)i;
        }
        if (untrimmed < 0 && trimmed < 0)
            continue;
        size_t k = map->n_tracks++;
        snprintf(map->track[k].id, sizeof map->track[k].id, "%s", ids[t]);
        map->track[k].untrimmed = untrimmed;
        map->track[k].trimmed = trimmed;
    }
}

/* A laser-trim template: the tester's parameter sheets ("Model Parameters", "Trim Parameters", ...) and no data. */
static bool is_template(const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strstr(names[i], "Parameters"))
            return true;
    return false;
}

pl_status pl_trim_map_sheets(const char *const *names, size_t n, const char *path, pl_trim_sheet_map *map,
                             pl_error *err)
{
    memset(map, 0, sizeof *map);
    if (is_system_a(names, n)) {
        map->system = PL_TRIM_SYSTEM_A;
        map_system_a(names, n, map);
        map->template_only = map->n_tracks == 0;
        return PL_OK;
    }
    if (count_system_b(names, n) >= 2) {
        long untrimmed = find_exact(names, n, "test"), trimmed = find_exact(names, n, "Lin Error");
        map->system = PL_TRIM_SYSTEM_B;
        if (untrimmed < 0 && trimmed < 0) {
            map->template_only = true;
            return PL_OK;
        }
        map->n_tracks = 1;
        snprintf(map->track[0].id, sizeof map->track[0].id, "default");
        map->track[0].untrimmed = untrimmed;
        map->track[0].trimmed = trimmed;
        return PL_OK;
    }
    if (is_template(names, n)) {
        map->template_only = true;
        return PL_OK;
    }
    char list[400] = "";
    size_t len = 0;
    for (size_t i = 0; i < n && len + 4 < sizeof list; i++)
        len += (size_t)snprintf(list + len, sizeof list - len, "%s'%s'", i ? ", " : "", names[i]);
    return pl_error_set(err, PL_EFORMAT, path, "not a laser-trim workbook of System A or B (sheets: %s)", list);
}

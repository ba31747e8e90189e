/* Matching a recording to its metadata log row: by its file stem, equal first, then a name the stem starts with
 * ("<name>_...", e.g. 2019_07_24_0055_fsi) or ends with ("..._<name>", e.g. xiubert_25530001). Two rows at the same
 * level make the match ambiguous, and neither is used. */
#include <string.h>

#include "ephys/metadata/metadata_impl.h"

/* The first entry whose name is >= name (entries are sorted by name). */
static size_t lower_bound(const pl_metadata_log *log, const char *name)
{
    size_t lo = 0, hi = log->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(log->rows[mid].name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Adds every row named `name` to the (at most two kept) rows found so far; returns how many distinct rows were found
 * in all (a row seen again, as in a_a cut both ways, counts once). */
static size_t collect(const pl_metadata_log *log, const char *name, const meta_entry **found, size_t n_found)
{
    for (size_t i = lower_bound(log, name); i < log->n && !strcmp(log->rows[i].name, name); i++) {
        const meta_entry *e = &log->rows[i];
        if ((n_found > 0 && found[0] == e) || (n_found > 1 && found[1] == e))
            continue;
        if (n_found < 2)
            found[n_found] = e;
        n_found++;
    }
    return n_found;
}

static void decide(const meta_entry **found, size_t n, pl_metadata_match *m)
{
    if (n == 0)
        return;
    m->kind = n == 1 ? PL_META_MATCHED : PL_META_AMBIGUOUS;
    const meta_entry *first = found[0];
    if (n > 1 && found[1]->row < first->row)
        first = found[1], found[1] = found[0];
    m->row = first->row;
    m->name = first->name;
    if (n > 1)
        m->other_row = found[1]->row;
    else
        m->fields_json = first->fields_json, m->hash = first->hash;
}

void pl_metadata_log_match(const pl_metadata_log *log, const char *rel, pl_metadata_match *m)
{
    memset(m, 0, sizeof *m);
    if (!log || !log->n)
        return;
    char stem[META_NAME_MAX], part[META_NAME_MAX];
    const char *dot = strrchr(rel, '.'), *slash = strrchr(rel, '/');
    size_t len = dot && (!slash || dot > slash) ? (size_t)(dot - rel) : strlen(rel);
    meta_normalise_name(rel, len, stem);
    const meta_entry *found[2];
    size_t n = collect(log, stem, found, 0);
    if (n) {
        decide(found, n, m);
        return;
    }
    /* Partial names: every run of the stem cut at an underscore, from its start or to its end. */
    size_t slen = strlen(stem);
    for (size_t i = 1; i + 1 < slen; i++) {
        if (stem[i] != '_')
            continue;
        memcpy(part, stem, i);
        part[i] = 0;
        n = collect(log, part, found, n);
        n = collect(log, stem + i + 1, found, n);
    }
    decide(found, n, m);
}

/* Planning a bundle: tables, sweep order, cell name. */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ephys/convert/plan.h"
#include "plateau/mem.h"

const char *const pl_bundle_table_kind[N_TABLES] = {"mV", "pA", "stimulus", "response", "other"};

static const pl_recording *g_sort_rec; /* qsort has no context argument; plans are made one at a time */

static int reading_order(const void *a, const void *b)
{
    const bundle_series *x = a, *y = b;
    if (x->sweep != y->sweep)
        return x->sweep < y->sweep ? -1 : 1;
    const pl_series_info *sx = pl_recording_series(g_sort_rec, x->index);
    const pl_series_info *sy = pl_recording_series(g_sort_rec, y->index);
    if (sx->channel != sy->channel)
        return sx->channel < sy->channel ? -1 : 1;
    if (sx->role != sy->role)
        return sx->role < sy->role ? -1 : 1;
    return strcmp(sx->name, sy->name);
}

/* File names get only letters, digits, '-', '_' and '.'. */
static void sanitize(char *s)
{
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
            *s = '_';
}

static bool is_recording_name(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && (!strcasecmp(dot, ".nwb") || !strcasecmp(dot, ".abf"));
}

/* k of <subject>_<k>: this file's position (from 1) among the recordings of its folder, by name. Deterministic
 * whatever the batch, shard or worker order (DANDI keeps one subject per sub-* folder). */
static int position_in_folder(const char *path)
{
    char dir[PL_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    const char *base = slash ? slash + 1 : path;
    if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, alphasort);
    int k = 1, found = 0;
    for (int i = 0; i < n; i++) {
        if (!found && is_recording_name(names[i]->d_name) && names[i]->d_name[0] != '.') {
            if (!strcmp(names[i]->d_name, base))
                found = k;
            k++;
        }
        free(names[i]);
    }
    free(names);
    return found ? found : 1;
}

static void name_cell(pl_bundle_plan *plan, const pl_recording_meta *meta, const pl_batch_input *in)
{
    snprintf(plan->subject, sizeof plan->subject, "%s", meta->subject_id);
    if (meta->subject_id[0]) {
        plan->cell_k = position_in_folder(in->path);
        snprintf(plan->cell, sizeof plan->cell, "%s_%d", meta->subject_id, plan->cell_k);
    } else {
        const char *base = strrchr(in->rel, '/');
        snprintf(plan->cell, sizeof plan->cell, "%s", base ? base + 1 : in->rel);
        char *dot = strrchr(plan->cell, '.');
        if (dot && dot != plan->cell)
            *dot = '\0';
        plan->cell_k = 0;
    }
    sanitize(plan->cell);
}

static int table_for_unit(const char *unit)
{
    if (!strcmp(unit, "mV"))
        return TABLE_MV;
    if (!strcmp(unit, "pA"))
        return TABLE_PA;
    return TABLE_OTHER;
}

/* Counts panels (distinct sweeps) and whether a sweep has several series, per table. */
static void count_panels(pl_bundle_plan *plan)
{
    for (int t = 0; t < N_TABLES; t++) {
        int32_t last = INT32_MIN;
        int in_sweep = 0;
        for (size_t i = 0; i < plan->n; i++) {
            if (!plan->series[i].tables[t])
                continue;
            plan->tables[t].used = true;
            if (plan->series[i].sweep != last) {
                plan->tables[t].n_panels++;
                last = plan->series[i].sweep;
                in_sweep = 0;
            }
            if (++in_sweep > 1)
                plan->tables[t].multi_channel = true;
        }
    }
}

pl_status pl_bundle_plan_make(pl_recording *rec, const pl_batch_input *in, pl_bundle_plan *plan, pl_error *err)
{
    memset(plan, 0, sizeof *plan);
    size_t n = pl_recording_series_count(rec);
    if (n == 0)
        return pl_error_set(err, PL_EFORMAT, in->path, "no intracellular series to convert");
    plan->series = pl_calloc(n, sizeof *plan->series, "bundle plan", err);
    if (!plan->series)
        return err ? err->code : PL_ENOMEM;
    bool cc = false, vc = false;
    int ordinal[2] = {0, 0};
    for (size_t i = 0; i < n; i++) {
        const pl_series_info *s = pl_recording_series(rec, i);
        if (s->n_samples <= 0)
            continue;
        bundle_series *b = &plan->series[plan->n++];
        b->index = i;
        b->sweep = s->sweep;
        if (s->sweep < 0) {
            b->sweep = ordinal[s->role == PL_ROLE_STIMULUS]++;
            plan->sweeps_invented = true;
        }
        if (s->role == PL_ROLE_RESPONSE) {
            cc |= s->clamp == PL_CLAMP_CURRENT || s->clamp == PL_CLAMP_IZERO;
            vc |= s->clamp == PL_CLAMP_VOLTAGE;
        }
        plan->total_samples += s->n_samples;
    }
    if (plan->n == 0) {
        pl_bundle_plan_free(plan);
        return pl_error_set(err, PL_EFORMAT, in->path, "every series is empty: nothing to convert");
    }
    plan->mixed = cc && vc;
    for (size_t i = 0; i < plan->n; i++) {
        bundle_series *b = &plan->series[i];
        const pl_series_info *s = pl_recording_series(rec, b->index);
        b->tables[table_for_unit(s->unit)] = true;
        if (plan->mixed)
            b->tables[s->role == PL_ROLE_STIMULUS ? TABLE_STIMULUS : TABLE_RESPONSE] = true;
    }
    g_sort_rec = rec;
    qsort(plan->series, plan->n, sizeof *plan->series, reading_order);
    int32_t last = INT32_MIN;
    for (size_t i = 0; i < plan->n; i++)
        if (plan->series[i].sweep != last) {
            plan->n_sweeps++;
            last = plan->series[i].sweep;
        }
    name_cell(plan, pl_recording_get_meta(rec), in);
    count_panels(plan);
    for (int t = 0; t < N_TABLES; t++)
        snprintf(plan->tables[t].file, sizeof plan->tables[t].file, "%s_%s.parquet", pl_bundle_table_kind[t],
                 plan->cell);
    return PL_OK;
}

void pl_bundle_plan_free(pl_bundle_plan *plan)
{
    pl_free(plan->series);
    plan->series = NULL;
}

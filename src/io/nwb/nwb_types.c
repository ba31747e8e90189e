/* Which neurodata types are patch-clamp series, and what role and clamp mode each implies. Core types are known by
 * name; an extension type (ndx-...) is followed through the file's cached specifications (/specifications/<ns>/<ver>/<doc>,
 * JSON documents with neurodata_type_def / neurodata_type_inc) until it reaches a core type. Never by series name. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "io/nwb/nwb_internal.h"
#include "plateau/mem.h"

#define MAX_SPEC_BYTES ((size_t)1 << 20) /* one cached spec document; the whole NWB core is ~150 KB */
#define MAX_CHAIN 16

typedef struct {
    char def[96];
    char inc[96];
} type_edge;

struct nwb_types {
    hid_t file;
    bool loaded;      /* the cached specifications were read (done at most once, on the first unknown type) */
    type_edge *edges; /* pl_alloc'd */
    size_t n, cap;
};

static const struct {
    const char *name;
    nwb_type_rule rule;
} core_types[] = {
    {"CurrentClampSeries", {true, false, PL_CLAMP_CURRENT}},
    {"IZeroClampSeries", {true, false, PL_CLAMP_IZERO}},
    {"VoltageClampSeries", {true, false, PL_CLAMP_VOLTAGE}},
    {"PatchClampSeries", {true, false, PL_CLAMP_UNKNOWN}},
    {"CurrentClampStimulusSeries", {true, true, PL_CLAMP_CURRENT}},
    {"VoltageClampStimulusSeries", {true, true, PL_CLAMP_VOLTAGE}},
};

static bool core_rule(const char *type, nwb_type_rule *out)
{
    for (size_t i = 0; i < sizeof core_types / sizeof core_types[0]; i++)
        if (!strcmp(type, core_types[i].name)) {
            *out = core_types[i].rule;
            return true;
        }
    return false;
}

pl_status nwb_types_new(hid_t file, nwb_types **out, pl_error *err)
{
    *out = pl_calloc(1, sizeof **out, "NWB type table", err);
    if (!*out)
        return err ? err->code : PL_ENOMEM;
    (*out)->file = file;
    return PL_OK;
}

void nwb_types_free(nwb_types *t)
{
    if (t) {
        pl_free(t->edges);
        pl_free(t);
    }
}

static void add_edge(nwb_types *t, const char *def, const char *inc)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        type_edge *e = nwb_realloc(t->edges, cap * sizeof *e, "NWB type table");
        if (!e)
            return; /* without the edge the type stays unknown: a series skipped, not a crash */
        t->edges = e;
        t->cap = cap;
    }
    snprintf(t->edges[t->n].def, sizeof t->edges[t->n].def, "%s", def);
    snprintf(t->edges[t->n].inc, sizeof t->edges[t->n].inc, "%s", inc);
    t->n++;
}

/* Walks a spec document: every object with neurodata_type_def and neurodata_type_inc is an edge. */
static void collect_edges(nwb_types *t, json_t *j, int depth)
{
    if (depth > 32)
        return;
    if (json_is_object(j)) {
        const char *def = json_string_value(json_object_get(j, "neurodata_type_def"));
        const char *inc = json_string_value(json_object_get(j, "neurodata_type_inc"));
        if (def && inc)
            add_edge(t, def, inc);
        const char *key;
        json_t *v;
        json_object_foreach(j, key, v) collect_edges(t, v, depth + 1);
    } else if (json_is_array(j)) {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v) collect_edges(t, v, depth + 1);
    }
}

static void load_document(nwb_types *t, hid_t file, const char *path)
{
    char *text = nwb_alloc(MAX_SPEC_BYTES, "NWB cached specification");
    if (!text)
        return;
    if (nwb_h5_dataset_string(file, path, NULL, text, MAX_SPEC_BYTES) && text[0] == '{') {
        json_t *j = json_loads(text, 0, NULL);
        if (j) {
            collect_edges(t, j, 0);
            json_decref(j);
        }
    }
    pl_free(text);
}

typedef struct {
    nwb_types *t;
    char base[768];
    int depth;
} walk_ctx;

/* /specifications/<namespace>/<version>/<document>: namespaces and versions are groups, documents datasets. */
static herr_t visit_spec(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    (void)info;
    walk_ctx *c = data;
    if (!strcmp(name, "core") && c->depth == 0)
        return 0; /* core types are known by name */
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", c->base, name);
    if (c->depth < 2 && nwb_h5_is_group(g, name)) {
        walk_ctx sub = *c;
        snprintf(sub.base, sizeof sub.base, "%s", path);
        sub.depth++;
        H5Literate_by_name(c->t->file, path, H5_INDEX_NAME, H5_ITER_INC, NULL, visit_spec, &sub, H5P_DEFAULT);
    } else if (c->depth == 2 && strcmp(name, "namespace")) {
        load_document(c->t, c->t->file, path);
    }
    return 0;
}

static void load_specifications(nwb_types *t)
{
    t->loaded = true;
    if (!nwb_h5_is_group(t->file, "/specifications"))
        return;
    walk_ctx c = {.t = t, .base = "/specifications", .depth = 0};
    H5Literate_by_name(t->file, "/specifications", H5_INDEX_NAME, H5_ITER_INC, NULL, visit_spec, &c, H5P_DEFAULT);
}

static const char *parent_of(const nwb_types *t, const char *type)
{
    for (size_t i = 0; i < t->n; i++)
        if (!strcmp(t->edges[i].def, type))
            return t->edges[i].inc;
    return NULL;
}

nwb_type_rule nwb_types_classify(nwb_types *t, const char *neurodata_type)
{
    nwb_type_rule rule = {false, false, PL_CLAMP_UNKNOWN};
    if (core_rule(neurodata_type, &rule))
        return rule;
    /* A few core types are never icephys: no need to read the specifications for them. */
    if (!strcmp(neurodata_type, "TimeSeries") || !neurodata_type[0])
        return rule;
    if (!t->loaded)
        load_specifications(t);
    const char *type = neurodata_type;
    for (int i = 0; i < MAX_CHAIN && (type = parent_of(t, type)); i++)
        if (core_rule(type, &rule))
            return rule;
    return rule;
}

/* Finding bundles: a folder holding manifest.json (written by plateau ephys convert), given directly or found by a
 * recursive walk. Hidden folders and our temporaries are skipped. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "plateau/batch.h"
#include "plateau/ephys.h"
#include "plateau/mem.h"

typedef struct {
    pl_batch_input *items;
    size_t n, cap;
} found_list;

static pl_status add(found_list *l, const char *manifest, const char *rel, pl_error *err)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        pl_batch_input *p = pl_realloc(l->items, cap * sizeof *p, "bundle list", err);
        if (!p)
            return err ? err->code : PL_ENOMEM;
        l->items = p;
        l->cap = cap;
    }
    pl_batch_input *in = &l->items[l->n++];
    memset(in, 0, sizeof *in);
    snprintf(in->path, sizeof in->path, "%s", manifest);
    snprintf(in->rel, sizeof in->rel, "%s", rel);
    struct stat st;
    in->size = stat(manifest, &st) == 0 ? (uint64_t)st.st_size : 0;
    in->format = "bundle";
    return PL_OK;
}

static pl_status walk(found_list *l, const char *dir, const char *rel, int depth, pl_error *err)
{
    char manifest[PL_PATH_MAX];
    snprintf(manifest, sizeof manifest, "%s/manifest.json", dir);
    struct stat st;
    if (stat(manifest, &st) == 0 && S_ISREG(st.st_mode)) {
        const char *base = strrchr(dir, '/');
        return add(l, manifest, *rel ? rel : base ? base + 1 : dir, err);
    }
    if (depth > 32)
        return PL_OK;
    DIR *d = opendir(dir);
    if (!d)
        return pl_error_errno(err, PL_EIO, dir, "cannot list the folder");
    pl_status rc = PL_OK;
    struct dirent *e;
    while (rc == PL_OK && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char sub[PL_PATH_MAX], subrel[PL_PATH_MAX];
        snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
        snprintf(subrel, sizeof subrel, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
        if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode))
            rc = walk(l, sub, subrel, depth + 1, err);
    }
    closedir(d);
    return rc;
}

static int by_path(const void *a, const void *b)
{
    return strcmp(((const pl_batch_input *)a)->path, ((const pl_batch_input *)b)->path);
}

pl_status pl_ephys_find_bundles(char *const *paths, size_t n_paths, pl_batch_input **out, size_t *n_out, pl_error *err)
{
    found_list l = {0};
    *out = NULL;
    *n_out = 0;
    for (size_t k = 0; k < n_paths; k++) {
        struct stat st;
        pl_status rc = PL_OK;
        const char *p = paths[k];
        size_t len = strlen(p);
        if (stat(p, &st) != 0) {
            rc = pl_error_errno(err, PL_ENOTFOUND, p, "cannot open");
        } else if (S_ISREG(st.st_mode) && len >= 13 && !strcmp(p + len - 13, "manifest.json")) {
            rc = add(&l, p, p, err);
        } else if (S_ISDIR(st.st_mode)) {
            char dir[PL_PATH_MAX];
            snprintf(dir, sizeof dir, "%s", p);
            while (strlen(dir) > 1 && dir[strlen(dir) - 1] == '/')
                dir[strlen(dir) - 1] = 0;
            rc = walk(&l, dir, "", 0, err);
        } else {
            rc = pl_error_set(err, PL_EARG, p, "not a bundle folder or manifest.json");
        }
        if (rc != PL_OK) {
            pl_free(l.items);
            return rc;
        }
    }
    qsort(l.items, l.n, sizeof *l.items, by_path);
    *out = l.items;
    *n_out = l.n;
    return PL_OK;
}

/* Walking inputs: files, folders (recursively) and @list files, kept by format detected from magic bytes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plateau/batch.h"
#include "plateau/mem.h"
#include "plateau/recording.h"

const char *pl_detect_format(const char *path)
{
    const char *rec = pl_recording_sniff(path); /* the readers' own bids: an HDF5 user block is seen through */
    if (rec)
        return rec;
    unsigned char h[8];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    ssize_t n = pread(fd, h, sizeof h, 0);
    close(fd);
    if (n >= 8 && !memcmp(h, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8))
        return "xls";
    if (n >= 4 && !memcmp(h, "PK\x03\x04", 4))
        return "xlsx";
    return NULL;
}

/* By extension, for files whose bytes say nothing (empty, truncated): they are still reported, as failures. */
static const char *format_by_extension(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot)
        return NULL;
    if (!strcasecmp(dot, ".nwb") || !strcasecmp(dot, ".h5"))
        return "nwb";
    if (!strcasecmp(dot, ".abf"))
        return "abf";
    if (!strcasecmp(dot, ".xls"))
        return "xls";
    if (!strcasecmp(dot, ".xlsx") || !strcasecmp(dot, ".xlsm"))
        return "xlsx";
    return NULL;
}

static bool wanted(const char *format, const char *const *formats)
{
    if (!format)
        return false;
    for (; *formats; formats++)
        if (!strcmp(*formats, format))
            return true;
    return false;
}

static bool ignored_name(const char *name)
{
    return name[0] == '.' || !strncmp(name, "~$", 2) || !strncmp(name, "_backup_", 8);
}

typedef struct {
    pl_batch_input *items;
    size_t n, cap;
    const char *const *formats;
} walk_state;

static pl_status add(walk_state *w, const char *path, const char *rel, uint64_t size, const char *format, pl_error *err)
{
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;
        pl_batch_input *items = pl_realloc(w->items, cap * sizeof *items, "input list", err);
        if (!items)
            return err ? err->code : PL_ENOMEM;
        w->items = items;
        w->cap = cap;
    }
    pl_batch_input *it = &w->items[w->n++];
    snprintf(it->path, sizeof it->path, "%s", path);
    snprintf(it->rel, sizeof it->rel, "%s", rel);
    it->size = size;
    it->format = format;
    return PL_OK;
}

/* A file given explicitly is kept when its format is wanted, or when its extension says it should be (so that a
 * corrupt .nwb is reported as a failure rather than silently dropped). Found in a folder: the same rule. */
static pl_status consider_file(walk_state *w, const char *path, const char *rel, uint64_t size, pl_error *err)
{
    const char *fmt = pl_detect_format(path);
    const char *by_ext = format_by_extension(path);
    if (wanted(fmt, w->formats))
        return add(w, path, rel, size, fmt, err);
    if (!fmt && wanted(by_ext, w->formats))
        return add(w, path, rel, size, by_ext, err);
    return PL_OK;
}

static pl_status walk_dir(walk_state *w, const char *dir, const char *rel_prefix, int depth, pl_error *err)
{
    if (depth > 64)
        return PL_OK;
    /* Sorted traversal so that the order (and so a shard's contents) does not depend on the filesystem. */
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, alphasort);
    if (n < 0)
        return pl_error_errno(err, PL_EIO, dir, "cannot read folder");
    pl_status st = PL_OK;
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        if (st == PL_OK && !ignored_name(name)) {
            char path[PL_PATH_MAX], rel[PL_PATH_MAX];
            snprintf(path, sizeof path, "%s/%s", dir, name);
            snprintf(rel, sizeof rel, "%s%s%s", rel_prefix, *rel_prefix ? "/" : "", name);
            struct stat sb;
            if (stat(path, &sb) == 0) {
                if (S_ISDIR(sb.st_mode))
                    st = walk_dir(w, path, rel, depth + 1, err);
                else if (S_ISREG(sb.st_mode))
                    st = consider_file(w, path, rel, (uint64_t)sb.st_size, err);
            }
        }
        free(names[i]);
    }
    free(names);
    return st;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static pl_status walk_path(walk_state *w, const char *path, int depth, pl_error *err);

static pl_status walk_list(walk_state *w, const char *list, int depth, pl_error *err)
{
    FILE *f = fopen(list, "r");
    if (!f)
        return pl_error_errno(err, PL_EIO, list, "cannot read list of inputs");
    char line[PL_PATH_MAX];
    pl_status st = PL_OK;
    while (st == PL_OK && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0] || line[0] == '#')
            continue;
        st = walk_path(w, line, depth + 1, err);
    }
    fclose(f);
    return st;
}

static pl_status walk_path(walk_state *w, const char *path, int depth, pl_error *err)
{
    if (path[0] == '@' && depth < 8)
        return walk_list(w, path + 1, depth, err);
    struct stat sb;
    if (stat(path, &sb) != 0)
        return pl_error_errno(err, PL_ENOTFOUND, path, "cannot open input");
    if (S_ISDIR(sb.st_mode)) {
        char root[PL_PATH_MAX];
        snprintf(root, sizeof root, "%s", path);
        size_t len = strlen(root);
        while (len > 1 && root[len - 1] == '/')
            root[--len] = '\0';
        return walk_dir(w, root, "", 0, err);
    }
    /* A file named explicitly is always listed, so that a wrong one gets its own clear error. */
    const char *fmt = pl_detect_format(path);
    if (!wanted(fmt, w->formats)) {
        const char *by_ext = format_by_extension(path);
        fmt = wanted(by_ext, w->formats) ? by_ext : fmt;
    }
    return add(w, path, base_name(path), (uint64_t)sb.st_size, fmt, err);
}

static int larger_first(const void *a, const void *b)
{
    const pl_batch_input *x = a, *y = b;
    if (x->size != y->size)
        return x->size < y->size ? 1 : -1;
    return strcmp(x->path, y->path);
}

pl_status pl_batch_walk(char *const *paths, size_t n_paths, const char *const *formats, pl_batch_input **out,
                        size_t *n_out, pl_error *err)
{
    walk_state w = {.formats = formats};
    for (size_t i = 0; i < n_paths; i++) {
        pl_status st = walk_path(&w, paths[i], 0, err);
        if (st != PL_OK) {
            pl_free(w.items);
            return st;
        }
    }
    if (w.n > 1)
        qsort(w.items, w.n, sizeof *w.items, larger_first);
    *out = w.items;
    *n_out = w.n;
    return PL_OK;
}

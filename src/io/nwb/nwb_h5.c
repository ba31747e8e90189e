/* Small HDF5 helpers for the NWB reader: silent existence checks and tolerant string/number reads, since NWB
 * writers disagree on variable- vs fixed-length strings and on scalars vs 1-element arrays. */
#include <stdio.h>
#include <string.h>

#include "io/nwb/nwb_internal.h"
#include "plateau/mem.h"

#define MAX_STRINGS 4096 /* elements of a string array we join; more is not metadata */

static _Thread_local bool alloc_failed;
static _Thread_local pl_error alloc_error;

static void *note_failure(void *p, const pl_error *e)
{
    if (!p && !alloc_failed) {
        alloc_failed = true;
        alloc_error = *e;
    }
    return p;
}

void *nwb_alloc(size_t size, const char *what)
{
    pl_error e;
    return note_failure(pl_alloc(size, what, &e), &e);
}

void *nwb_calloc(size_t count, size_t size, const char *what)
{
    pl_error e;
    return note_failure(pl_calloc(count, size, what, &e), &e);
}

void *nwb_realloc(void *ptr, size_t size, const char *what)
{
    pl_error e;
    return note_failure(pl_realloc(ptr, size, what, &e), &e);
}

void nwb_alloc_reset(void)
{
    alloc_failed = false;
}

bool nwb_alloc_failed(pl_error *err)
{
    if (alloc_failed && err)
        *err = alloc_error;
    return alloc_failed;
}

/* HDF5 prints its error stack to stderr by default; the library never prints. Also caps HDF5's free lists. */
void nwb_h5_silence(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    /* HDF5 keeps freed blocks on its own free lists, by default without limit; cap them (bytes, global / per list)
     * so that memory stays flat however many chunks a file has. */
    H5set_free_list_limits(1 << 20, 256 << 10, 1 << 20, 256 << 10, 1 << 20, 256 << 10);
}

typedef struct {
    char *buf;
    size_t size;
} last_error;

static herr_t keep_innermost(unsigned n, const H5E_error2_t *e, void *data)
{
    last_error *le = data;
    if (n == 0 && e->desc)
        snprintf(le->buf, le->size, "%s", e->desc);
    return 0;
}

const char *nwb_h5_last_error(char *buf, size_t size)
{
    last_error le = {buf, size};
    buf[0] = 0;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, keep_innermost, &le);
    return buf;
}

bool nwb_h5_exists(hid_t loc, const char *path)
{
    if (!strcmp(path, ".") || !strcmp(path, "/"))
        return true;
    char prefix[1024];
    size_t n = strlen(path);
    if (n >= sizeof prefix)
        return false;
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != 0)
            continue;
        memcpy(prefix, path, i);
        prefix[i] = 0;
        if (H5Lexists(loc, prefix, H5P_DEFAULT) <= 0 || H5Oexists_by_name(loc, prefix, H5P_DEFAULT) <= 0)
            return false;
    }
    return true;
}

static H5O_type_t object_type(hid_t loc, const char *path)
{
    if (!nwb_h5_exists(loc, path))
        return H5O_TYPE_UNKNOWN;
    H5O_info_t info;
    if (H5Oget_info_by_name2(loc, path, &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0)
        return H5O_TYPE_UNKNOWN;
    return info.type;
}

bool nwb_h5_is_group(hid_t loc, const char *path)
{
    return object_type(loc, path) == H5O_TYPE_GROUP;
}
bool nwb_h5_is_dataset(hid_t loc, const char *path)
{
    return object_type(loc, path) == H5O_TYPE_DATASET;
}

/* Appends s to buf (with sep before it unless buf is empty), trimming trailing spaces and stopping at max bytes. */
static void append_text(char *buf, size_t size, const char *sep, const char *s, size_t max)
{
    size_t len = strnlen(s, max);
    while (len && (s[len - 1] == ' ' || s[len - 1] == 0))
        len--;
    size_t at = strlen(buf);
    if (at && sep) {
        snprintf(buf + at, size - at, "%s", sep);
        at = strlen(buf);
    }
    if (at + 1 >= size)
        return;
    if (len > size - at - 1)
        len = size - at - 1;
    memcpy(buf + at, s, len);
    buf[at + len] = 0;
}

/* Reads n strings of file type ftype from an attribute (attr >= 0) or a dataset selection (dset, fspace). */
static bool read_strings(hid_t attr, hid_t dset, hid_t fspace, hid_t ftype, hsize_t n, const char *sep, char *buf,
                         size_t size)
{
    bool ok = false;
    hid_t mtype = H5Tcopy(H5T_C_S1);
    H5Tset_cset(mtype, H5Tget_cset(ftype));
    if (H5Tis_variable_str(ftype) > 0) {
        H5Tset_size(mtype, H5T_VARIABLE);
        char **v = nwb_calloc(n, sizeof *v, "HDF5 strings");
        hid_t mspace = H5Screate_simple(1, &n, NULL);
        if (v && mspace >= 0) {
            herr_t st = attr >= 0 ? H5Aread(attr, mtype, v) : H5Dread(dset, mtype, mspace, fspace, H5P_DEFAULT, v);
            if (st >= 0) {
                for (hsize_t i = 0; i < n; i++)
                    if (v[i])
                        append_text(buf, size, sep, v[i], (size_t)-1);
                H5Dvlen_reclaim(mtype, mspace, H5P_DEFAULT, v);
                ok = true;
            }
        }
        if (mspace >= 0)
            H5Sclose(mspace);
        pl_free(v);
    } else {
        size_t w = H5Tget_size(ftype);
        H5Tset_size(mtype, w);
        H5Tset_strpad(mtype, H5T_STR_NULLPAD);
        char *v = w ? nwb_alloc(n * w, "HDF5 strings") : NULL;
        hid_t mspace = H5Screate_simple(1, &n, NULL);
        if (v && mspace >= 0) {
            herr_t st = attr >= 0 ? H5Aread(attr, mtype, v) : H5Dread(dset, mtype, mspace, fspace, H5P_DEFAULT, v);
            if (st >= 0) {
                for (hsize_t i = 0; i < n; i++)
                    append_text(buf, size, sep, v + i * w, w);
                ok = true;
            }
        }
        if (mspace >= 0)
            H5Sclose(mspace);
        pl_free(v);
    }
    H5Tclose(mtype);
    return ok;
}

/* An open attribute or dataset with its file type and dataspace: what every typed accessor below starts from. */
typedef struct h5_value {
    hid_t obj, type, space;
    bool is_attr;
    hssize_t n; /* elements, -1 when unknown */
    int rank;
} h5_value;

static bool describe(h5_value *v)
{
    v->type = v->is_attr ? H5Aget_type(v->obj) : H5Dget_type(v->obj);
    v->space = v->is_attr ? H5Aget_space(v->obj) : H5Dget_space(v->obj);
    v->n = v->space >= 0 ? H5Sget_simple_extent_npoints(v->space) : -1;
    v->rank = v->space >= 0 ? H5Sget_simple_extent_ndims(v->space) : -1;
    return v->type >= 0 && v->space >= 0;
}

static void close_value(h5_value *v)
{
    if (v->type >= 0)
        H5Tclose(v->type);
    if (v->space >= 0)
        H5Sclose(v->space);
    if (v->is_attr)
        H5Aclose(v->obj);
    else
        H5Dclose(v->obj);
}

/* Opens attribute `attr` of the object at path (silently false when either is missing); close with close_value. */
static bool open_attr(hid_t loc, const char *path, const char *attr, h5_value *v)
{
    if (!nwb_h5_exists(loc, path) || H5Aexists_by_name(loc, path, attr, H5P_DEFAULT) <= 0)
        return false;
    *v = (h5_value){.obj = H5Aopen_by_name(loc, path, attr, H5P_DEFAULT, H5P_DEFAULT), .is_attr = true};
    if (v->obj < 0)
        return false;
    if (!describe(v)) {
        close_value(v);
        return false;
    }
    return true;
}

static bool open_dataset(hid_t loc, const char *path, h5_value *v)
{
    if (!nwb_h5_is_dataset(loc, path))
        return false;
    *v = (h5_value){.obj = H5Dopen2(loc, path, H5P_DEFAULT), .is_attr = false};
    if (v->obj < 0)
        return false;
    if (!describe(v)) {
        close_value(v);
        return false;
    }
    return true;
}

static bool is_number(hid_t t)
{
    H5T_class_t c = H5Tget_class(t);
    return c == H5T_INTEGER || c == H5T_FLOAT;
}

bool nwb_h5_attr_string(hid_t loc, const char *path, const char *attr, const char *sep, char *buf, size_t size)
{
    buf[0] = 0;
    h5_value v;
    if (!open_attr(loc, path, attr, &v))
        return false;
    bool ok = H5Tget_class(v.type) == H5T_STRING && v.n > 0 && v.n <= MAX_STRINGS &&
              read_strings(v.obj, -1, -1, v.type, (hsize_t)v.n, sep, buf, size);
    close_value(&v);
    return ok;
}

bool nwb_h5_dataset_string(hid_t loc, const char *path, const char *sep, char *buf, size_t size)
{
    buf[0] = 0;
    h5_value v;
    if (!open_dataset(loc, path, &v))
        return false;
    bool ok = false;
    if (H5Tget_class(v.type) == H5T_STRING && v.n > 0 && v.rank <= 1) {
        hsize_t take = (hsize_t)v.n < MAX_STRINGS ? (hsize_t)v.n : MAX_STRINGS;
        if (v.rank == 1) {
            hsize_t start = 0;
            H5Sselect_hyperslab(v.space, H5S_SELECT_SET, &start, NULL, &take, NULL);
        }
        ok = read_strings(-1, v.obj, v.space, v.type, take, sep, buf, size);
    }
    close_value(&v);
    return ok;
}

bool nwb_h5_attr_double(hid_t loc, const char *path, const char *attr, double *out)
{
    h5_value v;
    if (!open_attr(loc, path, attr, &v))
        return false;
    bool ok = false;
    if (is_number(v.type) && v.n >= 1 && v.n <= MAX_STRINGS) {
        double *x = nwb_alloc((size_t)v.n * sizeof *x, "HDF5 attribute");
        if (x && H5Aread(v.obj, H5T_NATIVE_DOUBLE, x) >= 0) {
            *out = x[0];
            ok = true;
        }
        pl_free(x);
    }
    close_value(&v);
    return ok;
}

bool nwb_h5_dataset_double(hid_t loc, const char *path, double *out)
{
    h5_value v;
    if (!open_dataset(loc, path, &v))
        return false;
    bool ok = false;
    if (is_number(v.type) && v.n >= 1 && v.rank >= 0) {
        hsize_t one[H5S_MAX_RANK], zero[H5S_MAX_RANK] = {0};
        for (int i = 0; i < v.rank; i++)
            one[i] = 1;
        if (v.rank > 0)
            H5Sselect_hyperslab(v.space, H5S_SELECT_SET, zero, NULL, one, NULL);
        hid_t m = H5Screate(H5S_SCALAR);
        ok = H5Dread(v.obj, H5T_NATIVE_DOUBLE, m, v.space, H5P_DEFAULT, out) >= 0;
        H5Sclose(m);
    }
    close_value(&v);
    return ok;
}

bool nwb_h5_link_target(hid_t loc, const char *path, char *buf, size_t size)
{
    buf[0] = 0;
    if (H5Lexists(loc, path, H5P_DEFAULT) <= 0)
        return false;
    H5L_info_t li;
    if (H5Lget_info(loc, path, &li, H5P_DEFAULT) < 0 || li.type != H5L_TYPE_SOFT || li.u.val_size == 0 ||
        li.u.val_size > size)
        return false;
    return H5Lget_val(loc, path, buf, size, H5P_DEFAULT) >= 0 && buf[0];
}

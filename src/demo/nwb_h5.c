/* HDF5 writing helpers for gen_mies (see gen_h5.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "demo/nwb_h5.h"

static hid_t utf8_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

void gen_attr_text(hid_t obj, const char *name, const char *value)
{
    hid_t t = utf8_type(), s = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, t, &value);
    H5Aclose(a);
    H5Sclose(s);
    H5Tclose(t);
}

void gen_attr_texts(hid_t obj, const char *name, const char *const *values, int n)
{
    hsize_t dim = (hsize_t)n;
    hid_t t = utf8_type(), s = H5Screate_simple(1, &dim, NULL);
    hid_t a = H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
    if (n > 0) /* an empty list (colnames of a table without extra columns) has nothing to write */
        H5Awrite(a, t, values);
    H5Aclose(a);
    H5Sclose(s);
    H5Tclose(t);
}

void gen_attr_double(hid_t obj, const char *name, double value)
{
    hid_t s = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, H5T_IEEE_F64LE, s, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_DOUBLE, &value);
    H5Aclose(a);
    H5Sclose(s);
}

void gen_attr_u32(hid_t obj, const char *name, uint32_t value)
{
    hid_t s = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, H5T_STD_U32LE, s, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_UINT32, &value);
    H5Aclose(a);
    H5Sclose(s);
}

void gen_attr_ref(hid_t obj, const char *name, hid_t file, const char *target)
{
    hobj_ref_t ref;
    H5Rcreate(&ref, file, target, H5R_OBJECT, -1);
    hid_t s = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, H5T_STD_REF_OBJ, s, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, H5T_STD_REF_OBJ, &ref);
    H5Aclose(a);
    H5Sclose(s);
}

void gen_attr_type(hid_t obj, const char *ns, const char *type, uint64_t *rng)
{
    gen_attr_text(obj, "namespace", ns);
    gen_attr_text(obj, "neurodata_type", type);
    uint64_t a = gen_rand(rng), b = gen_rand(rng);
    char uuid[40];
    snprintf(uuid, sizeof uuid, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
             (unsigned)a & 0xfff, (unsigned)(0x8000 | ((b >> 48) & 0x3fff)),
             (unsigned long long)(b & 0xffffffffffffULL));
    gen_attr_text(obj, "object_id", uuid);
}

void gen_text(hid_t loc, const char *name, const char *value)
{
    hid_t t = utf8_type(), s = H5Screate(H5S_SCALAR);
    hid_t d = H5Dcreate2(loc, name, t, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, &value);
    H5Dclose(d);
    H5Sclose(s);
    H5Tclose(t);
}

void gen_texts(hid_t loc, const char *name, const char *const *v, int n)
{
    hsize_t dim = (hsize_t)n;
    hid_t t = utf8_type(), s = H5Screate_simple(1, &dim, NULL);
    hid_t d = H5Dcreate2(loc, name, t, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    H5Dclose(d);
    H5Sclose(s);
    H5Tclose(t);
}

hid_t gen_scalar(hid_t loc, const char *name, hid_t type, double value)
{
    hid_t s = H5Screate(H5S_SCALAR);
    hid_t d = H5Dcreate2(loc, name, type, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &value);
    H5Sclose(s);
    return d;
}

hid_t gen_group(hid_t loc, const char *path)
{
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t g = H5Gcreate2(loc, path, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    H5Pclose(lcpl);
    return g;
}

/* xorshift64*: small, seeded, the same stream on every machine. */
uint64_t gen_rand(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

double gen_uniform(uint64_t *s)
{
    return ((double)(gen_rand(s) >> 11) + 0.5) / 9007199254740992.0;
}

double gen_normal(uint64_t *s)
{
    double u = gen_uniform(s), v = gen_uniform(s);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

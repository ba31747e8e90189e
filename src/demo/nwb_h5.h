/* HDF5 writing helpers for the MIES-style NWB generator: the attribute and dataset shapes NWB readers expect. */
#ifndef PLATEAU_GEN_H5_H
#define PLATEAU_GEN_H5_H

#include <hdf5.h>
#include <stdint.h>

void gen_attr_text(hid_t obj, const char *name, const char *value);
void gen_attr_texts(hid_t obj, const char *name, const char *const *values, int n);
void gen_attr_double(hid_t obj, const char *name, double value);
void gen_attr_u32(hid_t obj, const char *name, uint32_t value);
void gen_attr_ref(hid_t obj, const char *name, hid_t file, const char *target);
/* neurodata_type, namespace and a random object_id (UUID 4 from the generator's RNG). */
void gen_attr_type(hid_t obj, const char *ns, const char *type, uint64_t *rng);
void gen_text(hid_t loc, const char *name, const char *value);            /* scalar UTF-8 string dataset */
void gen_texts(hid_t loc, const char *name, const char *const *v, int n); /* 1-D UTF-8 string dataset */
hid_t gen_scalar(hid_t loc, const char *name, hid_t type, double value);  /* returns the open dataset */
hid_t gen_group(hid_t loc, const char *path);                             /* creates intermediate groups */

uint64_t gen_rand(uint64_t *s);
double gen_uniform(uint64_t *s);
double gen_normal(uint64_t *s);

#endif

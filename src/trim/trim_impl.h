/* Internal helpers shared by the files of src/trim. */
#ifndef PLATEAU_TRIM_IMPL_H
#define PLATEAU_TRIM_IMPL_H

#include <stddef.h>

/* Sorts ascending (NaN-free input). */
void trim_sort(double *v, size_t n);

#endif

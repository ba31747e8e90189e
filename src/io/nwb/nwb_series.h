/* Internal: describing one NWB patch-clamp series (nwb_series.c). */
#ifndef PLATEAU_NWB_SERIES_H
#define PLATEAU_NWB_SERIES_H

#include "io/nwb/nwb_internal.h"

/* Fills s and x for the series group <group>/<name>; sweep is the number the series itself states (-1 if none). */
pl_status nwb_series_describe(hid_t file, bool v1, const char *group, const char *name, const char *type,
                              nwb_type_rule rule, pl_series_info *s, nwb_series *x, pl_error *err);
/* Sweep number in a series name, -1 when none. */
int32_t nwb_number_in_name(const char *name);

#endif

/* The icephys tables of gen_mies: the SweepTable (NWB 2.0-2.4 style, as MIES writes it) and, optionally, the
 * intracellular recordings / simultaneous / sequential tables of NWB 2.4+. */
#ifndef PLATEAU_GEN_TABLES_H
#define PLATEAU_GEN_TABLES_H

#include <hdf5.h>
#include <stdint.h>

/* The protocol: which sweeps are current clamp, and the stimulus set name of each sweep. */
int gen_is_current_clamp(int sweep, int sweeps);
const char *gen_stimset(int sweep, int sweeps);

void gen_sweep_table(hid_t file, int sweeps, uint64_t *rng);
void gen_icephys_tables(hid_t file, int sweeps, uint64_t *rng);

#endif

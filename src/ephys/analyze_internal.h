/* Internal parts of the bundle analysis (analyze_*.c). */
#ifndef PLATEAU_ANALYZE_INTERNAL_H
#define PLATEAU_ANALYZE_INTERNAL_H
#include <stdbool.h>
#include <stddef.h>

#include "plateau/ephys.h"

/* One long-format bundle table (sweep, t_s, value, ..., sorted by sweep) read sweep by sweep. */
typedef struct ephys_table_stream ephys_table_stream;

pl_status ephys_stream_open(const char *path, ephys_table_stream **out, pl_error *err);
/* The next sweep's values (as double) into *buf (grown with pl_realloc, capacity *cap); its number, first time
 * and rate. Tables with a `channel` column give the first channel's rows only. PL_DONE after the last sweep. */
pl_status ephys_stream_sweep(ephys_table_stream *s, int *sweep, double *t0, double *rate, double **buf, size_t *cap,
                             size_t *n, pl_error *err);
void ephys_stream_close(ephys_table_stream *s);

/* Output tables: analysis (one row per kept sweep, cell values repeated) and AP_analysis (one row per spike). */
typedef struct ephys_cell_info {
    const char *file_id, *cell;
    const pl_ephys_cell *cell_values;
} ephys_cell_info;

typedef struct ephys_ap_writer ephys_ap_writer;
/* wide: also AP_analysis_wide.parquet/.csv at close (one row per spiking sweep, columns <metric>_<spike>); the
 * spikes wait in a scratch file meanwhile, so memory stays one sweep. */
pl_status ephys_ap_open(const char *dir, bool wide, ephys_ap_writer **out, pl_error *err);
pl_status ephys_ap_write(ephys_ap_writer *w, const pl_ephys_sweep *s, const pl_ephys_spike *spikes, pl_error *err);
pl_status ephys_ap_close(ephys_ap_writer *w, pl_error *err); /* commits both files; frees w */
void ephys_ap_abort(ephys_ap_writer *w);

/* Writes analysis.parquet and analysis.csv from the kept sweeps (sorted by injected current, then sweep). */
pl_status ephys_write_analysis(const char *dir, const pl_ephys_sweep *sweeps, size_t n, const ephys_cell_info *info,
                               pl_error *err);

/* Plots (analyze_plots.c): fed while each sweep is in memory, drawn and saved at the end. */
typedef struct ephys_plotter ephys_plotter;
pl_status ephys_plotter_new(ephys_plotter **out, pl_error *err);
/* v: the analysed voltage of a kept sweep (the raw one for a dropped sweep), n samples. */
pl_status ephys_plotter_sweep(ephys_plotter *p, const pl_ephys_sweep *s, const double *v, size_t n,
                              const pl_ephys_spike *spikes, pl_error *err);
/* Writes the PNGs and summary.pdf into dir. Does not free p. */
pl_status ephys_plotter_finish(ephys_plotter *p, const char *dir, const pl_ephys_sweep *sweeps, size_t n,
                               const ephys_cell_info *info, pl_error *err);
void ephys_plotter_free(ephys_plotter *p);

#endif

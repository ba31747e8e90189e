/* Internal parts of the bundle analysis (analyze_*.c). */
#ifndef PLATEAU_ANALYZE_INTERNAL_H
#define PLATEAU_ANALYZE_INTERNAL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* Per-sweep pages (analyze_pages.c records them while each sweep is in memory, analyze_pages_draw.c draws them):
 * one AP figure per spiking sweep and the Savitzky-Golay baselines, EPHYS_BASE_PER_PAGE per page. */
#define EPHYS_WAVE_PRE_MS 3.0 /* spike waveforms: from 3 ms before to 6 ms after the peak */
#define EPHYS_WAVE_POST_MS 6.0
#define EPHYS_PAGE_WAVES 20 /* waveforms drawn per sweep at most (evenly spread) */
#define EPHYS_BASE_ROWS 4
#define EPHYS_BASE_COLS 3
#define EPHYS_BASE_PER_PAGE (EPHYS_BASE_ROWS * EPHYS_BASE_COLS)
typedef struct ephys_sweep_pages ephys_sweep_pages;
/* Bins of k samples of v[0..n) as their minimum and maximum in the order they occur (so no peak is averaged away);
 * returns the points written to out (2 per bin). A trace fed these points every k/2 samples draws like v. */
size_t ephys_reduce(const double *v, size_t n, size_t k, double *out);
typedef struct ephys_page_array {
    double x0, step; /* x of value i: x0 + i * step (unused for marker arrays) */
    uint64_t n;
    double *v; /* reader's buffer, reused */
    size_t cap;
} ephys_page_array;
pl_status ephys_pages_new(const pl_ephys_params *params, ephys_sweep_pages **out, pl_error *err);
void ephys_pages_free(ephys_sweep_pages *g);
/* v: the analysed voltage of a kept sweep; sweeps that were dropped are ignored. */
pl_status ephys_pages_add(ephys_sweep_pages *g, const pl_ephys_sweep *s, const double *v, size_t n,
                          const pl_ephys_spike *spikes, pl_error *err);
size_t ephys_pages_count(const ephys_sweep_pages *g, bool ap); /* AP records, or baseline records */
pl_status ephys_pages_rewind(ephys_sweep_pages *g, bool ap, pl_error *err);
pl_status ephys_pages_next(ephys_sweep_pages *g, bool ap, pl_ephys_sweep *s, ephys_page_array *arr, size_t max,
                           size_t *n_arr, pl_error *err);
struct pl_pdf;
/* Draws every AP figure (plots_dir/ap_sweep_<sweep>.png and a page each, in sweep order), then the baseline pages
 * (plots_dir/savgol_baselines_<k>.png and a page each). */
pl_status ephys_pages_draw(ephys_sweep_pages *g, const char *plots_dir, const char *cell, struct pl_pdf *doc,
                           pl_error *err);

/* Plots (analyze_plots.c): fed while each sweep is in memory, drawn and saved at the end. */
typedef struct ephys_plotter ephys_plotter;
pl_status ephys_plotter_new(const pl_ephys_params *params, ephys_plotter **out, pl_error *err);
/* v: the analysed voltage of a kept sweep (the raw one for a dropped sweep), n samples. */
pl_status ephys_plotter_sweep(ephys_plotter *p, const pl_ephys_sweep *s, const double *v, size_t n,
                              const pl_ephys_spike *spikes, pl_error *err);
/* Writes plots/ (PNGs, built as a folder and renamed into place) and summary.pdf into dir. Does not free p.
 * *pages: the PDF's page count. */
pl_status ephys_plotter_finish(ephys_plotter *p, const char *dir, const pl_ephys_sweep *sweeps, size_t n,
                               const ephys_cell_info *info, int *pages, pl_error *err);
void ephys_plotter_free(ephys_plotter *p);

#endif

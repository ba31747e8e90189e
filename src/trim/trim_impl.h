/* Internal helpers shared by the files of src/trim. */
#ifndef PLATEAU_TRIM_IMPL_H
#define PLATEAU_TRIM_IMPL_H

#include <stddef.h>

/* Sorts ascending (NaN-free input). */
void trim_sort(double *v, size_t n);

#include "plateau/trim.h"

/* Plots (plots.c). */
pl_status trim_plot_track(const pl_trim_file *f, size_t k, const char *png_path, pl_error *err);
pl_status trim_plot_summary(pl_trim_db *db, int64_t batch_id, const char *png_path, pl_error *err);
bool trim_plots_available(void);
/* Reports (report.c). */
pl_status trim_report_html(pl_trim_db *db, const pl_trim_filter *flt, const char *path, const char *plots_dir,
                           pl_error *err);
/* Per-track plot file name under a plots folder: "<file name without .xls>_<track>.png". */
void trim_plot_name(const char *file_name, const char *track, char *out, size_t size);
#endif

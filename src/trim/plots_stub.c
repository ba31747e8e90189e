/* Built instead of plots.c while the plotting layer (include/plateau/plot.h) is not in the tree. */
#include "plateau/trim.h"
#include "trim/trim_impl.h"

bool trim_plots_available(void)
{
    return false;
}

pl_status trim_plot_track(const pl_trim_file *f, size_t k, const char *png_path, pl_error *err)
{
    (void)f, (void)k;
    return pl_error_set(err, PL_EUNSUPPORTED, png_path, "plots are not supported in this build yet");
}

pl_status trim_plot_summary(pl_trim_db *db, int64_t batch_id, const char *png_path, pl_error *err)
{
    (void)db, (void)batch_id;
    return pl_error_set(err, PL_EUNSUPPORTED, png_path, "plots are not supported in this build yet");
}

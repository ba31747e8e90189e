/* Built when the Parquet reader is not part of the library yet: the bundle analysis says so. */
#include "ephys/analyze_internal.h"

pl_status ephys_stream_open(const char *path, ephys_table_stream **out, pl_error *err)
{
    *out = NULL;
    return pl_error_set(err, PL_EUNSUPPORTED, path,
                        "reading bundle tables needs the Parquet reader, which is not in "
                        "this build yet");
}

pl_status ephys_stream_sweep(ephys_table_stream *s, int *sweep, double *t0, double *rate, double **buf, size_t *cap,
                             size_t *n, pl_error *err)
{
    (void)s, (void)sweep, (void)t0, (void)rate, (void)buf, (void)cap, (void)n;
    return pl_error_set(err, PL_EUNSUPPORTED, NULL, "no Parquet reader in this build");
}

void ephys_stream_close(ephys_table_stream *s)
{
    (void)s;
}

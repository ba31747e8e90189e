/* nwb_dump FILE [--values N]: the description of a recording (pl_recording_describe) plus, per series, statistics of
 * every value read through the Recording interface in bounded blocks (count, first, last, min, max, mean, sum of
 * squares), N evenly spaced samples with their times, and the charged-memory peak. For the integration tests, which
 * compare it with h5py. On failure prints {"error": ..., "message": ...} and exits 1. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plateau/describe.h"
#include "plateau/mem.h"

#define BLOCK 65536

static int fail(const pl_error *e)
{
    json_t *o = json_pack("{s:s,s:s,s:s}", "error", pl_status_str(e->code), "message", e->msg, "path", e->path);
    json_dumpf(o, stdout, JSON_COMPACT);
    printf("\n");
    json_decref(o);
    return 1;
}

static pl_status stats(pl_recording *r, size_t i, int nsample, double *buf, double *tbuf, json_t *out, pl_error *err)
{
    const pl_series_info *s = pl_recording_series(r, i);
    double mn = INFINITY, mx = -INFINITY, sum = 0, sumsq = 0, first = NAN, last = NAN;
    for (int64_t at = 0; at < s->n_samples; at += BLOCK) {
        size_t n = (size_t)(s->n_samples - at < BLOCK ? s->n_samples - at : BLOCK);
        pl_status st = pl_recording_read(r, i, at, n, buf, err);
        if (st != PL_OK)
            return st;
        if (at == 0)
            first = buf[0];
        last = buf[n - 1];
        for (size_t k = 0; k < n; k++) {
            mn = buf[k] < mn ? buf[k] : mn;
            mx = buf[k] > mx ? buf[k] : mx;
            sum += buf[k];
            sumsq += buf[k] * buf[k];
        }
    }
    json_t *o = json_object();
    json_object_set_new(o, "first", json_real(first));
    json_object_set_new(o, "last", json_real(last));
    json_object_set_new(o, "min", json_real(mn));
    json_object_set_new(o, "max", json_real(mx));
    json_object_set_new(o, "mean", s->n_samples ? json_real(sum / (double)s->n_samples) : json_null());
    json_object_set_new(o, "sumsq", json_real(sumsq));
    json_t *idx = json_array(), *val = json_array(), *tim = json_array();
    for (int k = 0; k < nsample && s->n_samples > 0; k++) {
        int64_t j = nsample == 1 ? 0 : (int64_t)((double)(s->n_samples - 1) * k / (nsample - 1));
        pl_status st = pl_recording_read(r, i, j, 1, buf, err);
        if (st == PL_OK)
            st = pl_recording_read_times(r, i, j, 1, tbuf, err);
        if (st != PL_OK)
            return st;
        json_array_append_new(idx, json_integer(j));
        json_array_append_new(val, json_real(buf[0]));
        json_array_append_new(tim, json_real(tbuf[0]));
    }
    json_object_set_new(o, "sample_index", idx);
    json_object_set_new(o, "sample_value", val);
    json_object_set_new(o, "sample_time", tim);
    json_object_set_new(out, "stats", o);
    return PL_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: nwb_dump FILE [--values N] [--no-stats]\n");
        return 2;
    }
    int nsample = 16;
    bool do_stats = true;
    for (int a = 2; a < argc; a++) {
        if (!strcmp(argv[a], "--values") && a + 1 < argc)
            nsample = atoi(argv[++a]);
        else if (!strcmp(argv[a], "--no-stats"))
            do_stats = false;
    }
    pl_error err;
    pl_error_clear(&err);
    pl_recording *r = NULL;
    if (pl_recording_open(argv[1], &r, &err) != PL_OK)
        return fail(&err);
    json_t *d = NULL;
    pl_recording_describe_open(r, &d, &err);
    double *buf = pl_alloc(BLOCK * sizeof *buf, "dump buffer", &err);
    double *tbuf = pl_alloc(sizeof *tbuf, "dump buffer", &err);
    json_t *series = json_object_get(d, "series");
    int rc = 0;
    for (size_t i = 0; do_stats && i < pl_recording_series_count(r); i++)
        if (stats(r, i, nsample, buf, tbuf, json_array_get(series, i), &err) != PL_OK) {
            rc = fail(&err);
            break;
        }
    if (!rc) {
        json_object_set_new(d, "charged_peak_bytes", json_integer((json_int_t)pl_mem_peak()));
        json_object_set_new(d, "peak_rss_bytes", json_integer((json_int_t)pl_rss_peak()));
        json_object_set_new(d, "sniff", json_string(pl_recording_sniff(argv[1]) ? pl_recording_sniff(argv[1]) : ""));
        json_dumpf(d, stdout, JSON_INDENT(1) | JSON_REAL_PRECISION(17));
        printf("\n");
    }
    json_decref(d);
    pl_free(buf);
    pl_free(tbuf);
    pl_recording_close(r);
    return rc;
}

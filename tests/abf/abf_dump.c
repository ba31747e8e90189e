/* Test helper: prints an ABF recording's metadata and per-series statistics as JSON, and optionally writes every
 * series' values (float64, little-endian, series after series) to a file, so that Python tests can compare our
 * reader against pyABF's oracle, neo and the NWB conversions. Reads in bounded chunks like any real caller. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plateau/mem.h"
#include "plateau/progress.h"
#include "plateau/recording.h"

#define CHUNK 65536

static void quoted(const char *s)
{
    char q[20000];
    if (pl_json_quote(s, q, sizeof q) < 0)
        snprintf(q, sizeof q, "\"\"");
    fputs(q, stdout);
}

static int series_stats(pl_recording *r, size_t i, double *buf, FILE *bin)
{
    const pl_series_info *s = pl_recording_series(r, i);
    double mean = 0, m2 = 0, first = NAN, last = NAN, mn = INFINITY, mx = -INFINITY;
    int64_t n = 0;
    for (int64_t at = 0; at < s->n_samples; at += CHUNK) {
        size_t count = (size_t)(s->n_samples - at < CHUNK ? s->n_samples - at : CHUNK);
        pl_error err;
        if (pl_recording_read(r, i, at, count, buf, &err) != PL_OK) {
            fprintf(stderr, "read failed: %s\n", err.msg);
            return 1;
        }
        if (bin && fwrite(buf, sizeof *buf, count, bin) != count)
            return 1;
        for (size_t k = 0; k < count; k++) {
            double v = buf[k];
            if (n == 0)
                first = v;
            last = v;
            n++;
            double d = v - mean;
            mean += d / (double)n;
            m2 += d * (v - mean);
            mn = v < mn ? v : mn;
            mx = v > mx ? v : mx;
        }
    }
    printf("{\"name\":");
    quoted(s->name);
    printf(",\"type\":\"%s\",\"role\":\"%s\",\"clamp\":\"%s\",\"unit\":", s->type, pl_role_name(s->role),
           pl_clamp_name(s->clamp));
    quoted(s->unit);
    printf(",\"rate_hz\":%.17g,\"start_time_s\":%.17g,\"n\":%lld,\"sweep\":%d,\"channel\":%d,\"stimulus\":", s->rate_hz,
           s->start_time_s, (long long)s->n_samples, s->sweep, s->channel);
    quoted(s->stimulus);
    printf(",\"note\":");
    quoted(s->note);
    if (n > 0)
        printf(",\"first\":%.17g,\"last\":%.17g,\"stdev\":%.17g,\"mean\":%.17g,\"min\":%.17g,\"max\":%.17g}", first,
               last, sqrt(m2 / (double)n), mean, mn, mx);
    else
        printf("}");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: abf_dump FILE.abf [VALUES.f64]\n");
        return 2;
    }
    pl_recording *r;
    pl_error err;
    if (pl_recording_open(argv[1], &r, &err) != PL_OK) {
        char line[2048];
        printf("{\"error\":");
        quoted(pl_error_line(&err, line, sizeof line));
        printf(",\"code\":\"%s\"}\n", pl_status_str(err.code));
        return 1;
    }
    FILE *bin = argc > 2 ? fopen(argv[2], "wb") : NULL;
    double *buf = malloc(CHUNK * sizeof *buf);
    const pl_recording_meta *m = pl_recording_get_meta(r);
    printf("{\"format\":\"%s\",\"format_version\":\"%s\",\"identifier\":", m->format, m->format_version);
    quoted(m->identifier);
    printf(",\"session_start_time\":");
    quoted(m->session_start_time);
    printf(",\"protocol\":");
    quoted(m->protocol);
    printf(",\"extra\":%s,\"memory_need\":%zu,\"series\":[", m->extra_json, pl_recording_memory_need(r));
    int rc = 0;
    for (size_t i = 0; i < pl_recording_series_count(r) && rc == 0; i++) {
        if (i)
            printf(",");
        rc = series_stats(r, i, buf, bin);
    }
    printf("]}\n");
    free(buf);
    if (bin)
        fclose(bin);
    pl_recording_close(r);
    return rc;
}

/* Test helper: runs one dsp function on raw little-endian float64 files and prints the result, so that
 * test_dsp.py can compare it with scipy/numpy. Usage:
 *   dsp_tool butter ORDER WN                       -> "b..." / "a..." lines
 *   dsp_tool filtfilt ORDER WN IN OUT
 *   dsp_tool medfilt K IN OUT
 *   dsp_tool savgol WINDOW POLYORDER IN OUT
 *   dsp_tool peaks HEIGHT PROMINENCE DISTANCE IN   -> one "index prominence" line per peak (nan disables a rule)
 *   dsp_tool gradient DX IN OUT | gradient_x IN X OUT
 *   dsp_tool linregress X Y                        -> "slope intercept r"
 * Exit status 3 with the error line on stderr when the library refuses the input. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plateau/dsp.h"
#include "plateau/mem.h"

static double *load(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    long bytes = ftell(f);
    fseek(f, 0, SEEK_SET);
    *n = (size_t)bytes / sizeof(double);
    double *x = malloc((*n ? *n : 1) * sizeof *x);
    if (!x || fread(x, sizeof *x, *n, f) != *n) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    fclose(f);
    return x;
}

static void save(const char *path, const double *x, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(x, sizeof *x, n, f) != n || fclose(f) != 0) {
        perror(path);
        exit(2);
    }
}

static double *g_bufs[2]; /* the loaded input and output, freed on the error path too */

static int fail(const pl_error *err)
{
    free(g_bufs[0]);
    free(g_bufs[1]);
    char line[1024];
    fprintf(stderr, "%s\n", pl_error_line(err, line, sizeof line));
    return 3;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    const char *cmd = argv[1];
    pl_error err;
    pl_error_clear(&err);
    size_t n = 0;
    if (!strcmp(cmd, "butter") && argc == 4) {
        double b[PL_BUTTER_MAX_ORDER + 1], a[PL_BUTTER_MAX_ORDER + 1];
        int order = atoi(argv[2]);
        if (pl_butter_lowpass(order, atof(argv[3]), b, a, &err))
            return fail(&err);
        for (int k = 0; k <= order; k++)
            printf("%.17g %.17g\n", b[k], a[k]);
        return 0;
    }
    if (!strcmp(cmd, "filtfilt") && argc == 6) {
        double b[PL_BUTTER_MAX_ORDER + 1], a[PL_BUTTER_MAX_ORDER + 1];
        int order = atoi(argv[2]);
        if (pl_butter_lowpass(order, atof(argv[3]), b, a, &err))
            return fail(&err);
        double *x = g_bufs[0] = load(argv[4], &n);
        if (pl_filtfilt(b, a, order + 1, x, n, x, &err)) /* in place: y may equal x */
            return fail(&err);
        save(argv[5], x, n);
        free(x);
        return 0;
    }
    if ((!strcmp(cmd, "medfilt") && argc == 5) || (!strcmp(cmd, "savgol") && argc == 6)) {
        int is_med = !strcmp(cmd, "medfilt");
        double *x = g_bufs[0] = load(argv[is_med ? 3 : 4], &n);
        double *y = g_bufs[1] = malloc((n ? n : 1) * sizeof *y);
        pl_status st =
            is_med ? pl_medfilt(x, n, atoi(argv[2]), y, &err) : pl_savgol(x, n, atoi(argv[2]), atoi(argv[3]), y, &err);
        if (st)
            return fail(&err);
        save(argv[is_med ? 4 : 5], y, n);
        free(x);
        free(y);
        return 0;
    }
    if (!strcmp(cmd, "peaks") && argc == 6) {
        double *x = g_bufs[0] = load(argv[5], &n);
        size_t *pk, np;
        double *prom;
        if (pl_find_peaks(x, n, atof(argv[2]), atof(argv[3]), atof(argv[4]), &pk, &np, &prom, &err))
            return fail(&err);
        for (size_t i = 0; i < np; i++)
            printf("%zu %.17g\n", pk[i], prom[i]);
        pl_free(pk);
        pl_free(prom);
        free(x);
        return 0;
    }
    if ((!strcmp(cmd, "gradient") || !strcmp(cmd, "gradient_x")) && argc == 5) {
        int uniform = !strcmp(cmd, "gradient");
        double *y = load(argv[uniform ? 3 : 2], &n);
        double *out = malloc((n ? n : 1) * sizeof *out);
        if (uniform) {
            pl_gradient(y, n, atof(argv[2]), out);
        } else {
            size_t nx;
            double *x = load(argv[3], &nx);
            if (nx != n)
                return 2;
            pl_gradient_x(y, x, n, out);
            free(x);
        }
        save(argv[4], out, n);
        free(y);
        free(out);
        return 0;
    }
    if (!strcmp(cmd, "linregress") && argc == 4) {
        size_t ny;
        double *x = load(argv[2], &n), *y = load(argv[3], &ny), s, i, r;
        pl_linregress(x, y, n < ny ? n : ny, &s, &i, &r);
        printf("%.17g %.17g %.17g\n", s, i, r);
        free(x);
        free(y);
        return 0;
    }
    fprintf(stderr, "dsp_tool: bad arguments\n");
    return 2;
}

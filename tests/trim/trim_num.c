/* Test helper: runs one numeric routine of src/trim on inputs read as JSON from stdin and prints the result as
 * JSON, so that tests can compare it with scipy/numpy computed on the same inputs.
 *   {"op":"butter","order":5,"wn":0.8}                    -> {"b":[..],"a":[..]}
 *   {"op":"lfilter","b":[..],"a":[..],"x":[..],"zi":[..]?} -> {"y":[..],"zf":[..]}
 *   {"op":"lfilter_zi","b":[..],"a":[..]}                  -> {"zi":[..]}
 *   {"op":"filtfilt","b":[..],"a":[..],"x":[..],"padlen":n} -> {"y":[..]}
 *   {"op":"fminbound","f":"quad"|"viol"|"steps",...,"lo":..,"hi":..} -> {"x":..,"fx":..,"nfev":..}
 *   {"op":"stats","x":[..],"y":[..]}                       -> {"median":..,"std":..,"slope":..,"intercept":..} */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plateau/trim.h"

static double *array(json_t *doc, const char *key, size_t *n)
{
    json_t *a = json_object_get(doc, key);
    *n = json_array_size(a);
    double *v = calloc(*n + 1, sizeof *v);
    for (size_t i = 0; i < *n; i++) {
        json_t *e = json_array_get(a, i);
        v[i] = json_is_null(e) ? NAN : json_number_value(e);
    }
    return v;
}

static json_t *to_json(const double *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_real(v[i]));
    return a;
}

typedef struct fn_ctx {
    const char *kind;
    double c;
    pl_trim_series s;
} fn_ctx;

/* quad: (x - c)^2; steps: floor(|x - c| * 100) (a step function like a violation count); viol: the violation count */
static double eval(void *ctx, double x)
{
    fn_ctx *f = ctx;
    if (strcmp(f->kind, "quad") == 0)
        return (x - f->c) * (x - f->c);
    if (strcmp(f->kind, "steps") == 0)
        return floor(fabs(x - f->c) * 100.0);
    return (double)pl_trim_violations(&f->s, x);
}

static json_t *run(json_t *doc)
{
    const char *op = json_string_value(json_object_get(doc, "op"));
    json_t *out = json_object();
    size_t nb, na, nx, nz, ny;
    double *b = array(doc, "b", &nb), *a = array(doc, "a", &na), *x = array(doc, "x", &nx);
    double *zi = array(doc, "zi", &nz), *yv = array(doc, "y", &ny);
    if (strcmp(op, "butter") == 0) {
        int order = (int)json_integer_value(json_object_get(doc, "order"));
        double bb[9], aa[9];
        pl_trim_butter(order, json_number_value(json_object_get(doc, "wn")), bb, aa, NULL);
        json_object_set_new(out, "b", to_json(bb, (size_t)order + 1));
        json_object_set_new(out, "a", to_json(aa, (size_t)order + 1));
    } else if (strcmp(op, "lfilter") == 0) {
        double *y = calloc(nx + 1, sizeof *y), zf[16];
        pl_trim_lfilter(b, a, nb, x, y, nx, nz ? zi : NULL, zf);
        json_object_set_new(out, "y", to_json(y, nx));
        json_object_set_new(out, "zf", to_json(zf, nb - 1));
        free(y);
    } else if (strcmp(op, "lfilter_zi") == 0) {
        double z[16];
        pl_trim_lfilter_zi(b, a, nb, z, NULL);
        json_object_set_new(out, "zi", to_json(z, nb - 1));
    } else if (strcmp(op, "filtfilt") == 0) {
        double *y = calloc(nx + 1, sizeof *y);
        size_t padlen = (size_t)json_integer_value(json_object_get(doc, "padlen"));
        pl_trim_filtfilt(b, a, nb, x, y, nx, padlen, NULL);
        json_object_set_new(out, "y", to_json(y, nx));
        free(y);
    } else if (strcmp(op, "fminbound") == 0) {
        fn_ctx f = {.kind = json_string_value(json_object_get(doc, "f")),
                    .c = json_number_value(json_object_get(doc, "c"))};
        size_t n;
        f.s.x = x, f.s.e = array(doc, "e", &n), f.s.u = array(doc, "u", &n), f.s.l = array(doc, "l", &n), f.s.n = n;
        pl_trim_fmin_result r = pl_trim_fminbound(eval, &f, json_number_value(json_object_get(doc, "lo")),
                                                  json_number_value(json_object_get(doc, "hi")), 1e-5, 500);
        json_object_set_new(out, "x", json_real(r.x));
        json_object_set_new(out, "fx", json_real(r.fx));
        json_object_set_new(out, "nfev", json_integer(r.evaluations));
        free(f.s.e), free(f.s.u), free(f.s.l);
    } else if (strcmp(op, "stats") == 0) {
        double *work = calloc(nx + 1, sizeof *work), slope, icpt;
        json_object_set_new(out, "median", json_real(pl_trim_median(x, nx, work)));
        json_object_set_new(out, "std", json_real(pl_trim_std_sample(x, nx)));
        pl_trim_linefit(x, yv, nx, &slope, &icpt);
        json_object_set_new(out, "slope", json_real(slope));
        json_object_set_new(out, "intercept", json_real(icpt));
        free(work);
    }
    free(b), free(a), free(x), free(zi), free(yv);
    return out;
}

int main(void)
{
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, stdin) > 0) {
        json_t *doc = json_loads(line, 0, NULL);
        if (!doc)
            return 1;
        json_t *out = run(doc);
        char *s = json_dumps(out, JSON_COMPACT | JSON_REAL_PRECISION(17));
        puts(s);
        free(s);
        json_decref(out);
        json_decref(doc);
    }
    free(line);
    return 0;
}

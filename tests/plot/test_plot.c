/* Plot layer: ticks over awkward ranges, figure sizes, panels drawn where they should be and nowhere else, decimated
 * traces against drawing every point, non-finite samples, outputs in every format, atomicity, memory faults, and a few
 * golden images. Images are read back with cairo's PNG reader (libpng), independent of our encoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cairo.h>
#include <jpeglib.h> /* after stdio.h: decodes our JPEG to compare it with the PNG */

#include "plateau/afile.h"
#include "plateau/mem.h"
#include "plateau/plot.h"
#include "plot/plot_impl.h"

static char tmpdir[256];
static const char *golden_dir;

#define assert_close(a, b, tol) assert_true(fabs((double)(a) - (double)(b)) <= (tol))

static const char *tmp(const char *name)
{
    static char path[2][512];
    static int k;
    k ^= 1;
    snprintf(path[k], sizeof path[k], "%s/%s", tmpdir, name);
    return path[k];
}

static int setup_dir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/plateau-plot-test-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    (void)state;
    if (getenv("PLATEAU_PLOT_KEEP"))
        return 0;
    pl_remove_tree(tmpdir, NULL);
    return 0;
}

/* ---- image helpers */
typedef struct image {
    cairo_surface_t *s;
    int w, h, stride;
    const uint8_t *d;
} image;

static image load_png(const char *path)
{
    image im;
    im.s = cairo_image_surface_create_from_png(path);
    assert_int_equal(cairo_surface_status(im.s), CAIRO_STATUS_SUCCESS);
    im.w = cairo_image_surface_get_width(im.s);
    im.h = cairo_image_surface_get_height(im.s);
    im.stride = cairo_image_surface_get_stride(im.s);
    im.d = cairo_image_surface_get_data(im.s);
    return im;
}

static void px(const image *im, int x, int y, int rgb[3])
{
    uint32_t v = *(const uint32_t *)(im->d + (size_t)y * (size_t)im->stride + 4 * (size_t)x);
    rgb[0] = (v >> 16) & 255;
    rgb[1] = (v >> 8) & 255;
    rgb[2] = v & 255;
}

static bool is_white(const image *im, int x, int y)
{
    int c[3];
    px(im, x, y, c);
    return c[0] > 250 && c[1] > 250 && c[2] > 250;
}

/* Pixels in [x0,x1) x [y0,y1) that are not white. */
static long ink(const image *im, int x0, int y0, int x1, int y1)
{
    long n = 0;
    for (int y = y0 < 0 ? 0 : y0; y < y1 && y < im->h; y++)
        for (int x = x0 < 0 ? 0 : x0; x < x1 && x < im->w; x++)
            n += !is_white(im, x, y);
    return n;
}

static void unload(image *im)
{
    cairo_surface_destroy(im->s);
}

/* ---- ticks */
static void check_ticks(double lo, double hi, int target)
{
    pl_ticks t;
    pl_ticks_nice(lo, hi, target, &t);
    assert_true(t.n >= 2 && t.n <= PL_TICKS_MAX);
    double mant = t.step / pow(10, floor(log10(t.step) + 1e-9));
    assert_true(fabs(mant - 1) < 1e-6 || fabs(mant - 2) < 1e-6 || fabs(mant - 5) < 1e-6);
    double a = fmin(lo, hi), b = fmax(lo, hi);
    bool usable = isfinite(a) && isfinite(b) && b - a > 1e-9 * fmax(fabs(a), fabs(b)) && b - a > 1e-300;
    char prev[64] = "";
    for (int i = 0; i < t.n; i++) {
        assert_true(isfinite(t.v[i]));
        if (i)
            assert_true(t.v[i] > t.v[i - 1]);
        if (usable)
            assert_true(t.v[i] >= a - 1e-9 * fabs(a) && t.v[i] <= b + 1e-9 * fabs(b));
        char buf[64];
        pl_tick_label(&t, t.v[i], buf, sizeof buf);
        assert_true(strlen(buf) <= 10);     /* short labels */
        assert_string_not_equal(buf, prev); /* distinct labels */
        strcpy(prev, buf);
    }
}

static void test_ticks_awkward(void **state)
{
    (void)state;
    double ranges[][2] = {{0, 1},           {0, 10},        {-1, 1},          {-7.3, -2.1},
                          {1e-12, 1e12},    {0, 1e-12},     {-3e-9, 5e-9},    {1e6, 1e6 + 1},
                          {1000, 1000.001}, {5, 5},         {0, 0},           {1, -1},
                          {NAN, 3},         {2, INFINITY},  {-1e300, 1e300},  {123456789, 987654321},
                          {0.1, 0.3},       {-70.2, -69.8}, {1e-300, 2e-300}, {-5e-7, 0}};
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
        for (int target = 2; target <= 10; target += 4)
            check_ticks(ranges[i][0], ranges[i][1], target);

    pl_ticks t;
    char buf[64], note[64];
    pl_ticks_nice(0, 1, 6, &t);
    assert_close(t.step, 0.2, 1e-12);
    assert_string_equal(pl_tick_label(&t, t.v[1], buf, sizeof buf), "0.2");
    pl_ticks_nice(-2.5, 7.5, 5, &t);
    assert_close(t.step, 2, 1e-12);
    assert_string_equal(pl_tick_label(&t, -2, buf, sizeof buf), "-2");
    pl_ticks_nice(0, 3e-12, 4, &t); /* tiny values: scaled, the axis notes x10^-12 */
    assert_int_equal(t.scale_exp, -12);
    assert_string_equal(pl_tick_label(&t, 2e-12, buf, sizeof buf), "2");
    assert_string_equal(pl_ticks_note(&t, note, sizeof note), "\u00d710\u207b\u00b9\u00b2");
    pl_ticks_nice(1000, 1000.001, 5, &t); /* narrow far from zero: an offset */
    assert_true(t.offset != 0);
    pl_ticks_nice(1, -1, 5, &t); /* inverted: same ticks as [-1, 1] */
    assert_close(t.v[0], -1, 1e-12);
    assert_close(t.v[t.n - 1], 1, 1e-12);
    pl_ticks_nice(NAN, NAN, 5, &t); /* nonsense: the ticks of [0, 1] */
    assert_close(t.v[0], 0, 1e-12);
    assert_close(t.v[t.n - 1], 1, 1e-12);
}

/* ---- figures and panels */
static void test_sizes_and_panels(void **state)
{
    (void)state;
    pl_error err;
    pl_figure *fig;
    pl_figure_spec spec = {.width_in = 6, .height_in = 4.5, .dpi = 80, .rows = 3, .cols = 4, .title = "grid"};
    assert_int_equal(pl_figure_new(&spec, &fig, &err), PL_OK);
    assert_int_equal(pl_figure_width_px(fig), 480);
    assert_int_equal(pl_figure_height_px(fig), 360);
    assert_null(pl_figure_panel(fig, 3, 0));
    assert_null(pl_figure_panel(fig, 0, -1));
    double v[1000];
    for (int r = 0; r < 3; r++) {
        for (int c = 0; c < 4; c++) {
            pl_axes *ax = pl_figure_panel(fig, r, c);
            pl_trace *tr;
            assert_int_equal(pl_trace_new(ax, 0, 1, NULL, &tr, &err), PL_OK);
            for (int i = 0; i < 1000; i++)
                v[i] = sin(i * 0.01 * (r * 4 + c + 1));
            assert_int_equal(pl_trace_feed(tr, 0, 0.001, v, 1000, &err), PL_OK);
        }
    }
    assert_int_equal(pl_figure_save(fig, tmp("grid.png"), &err), PL_OK);
    image im = load_png(tmp("grid.png"));
    assert_int_equal(im.w, 480);
    assert_int_equal(im.h, 360);
    for (int r = 0; r < 3; r++) {
        for (int c = 0; c < 4; c++) {
            pl_rect p;
            assert_true(pl__plot_rect_px(fig, r, c, &p));
            assert_true(p.w > 40 && p.h > 30);
            long n = ink(&im, (int)p.x + 2, (int)p.y + 2, (int)(p.x + p.w) - 2, (int)(p.y + p.h) - 2);
            assert_true(n > p.w); /* the trace crosses the panel */
        }
    }
    unload(&im);
    pl_figure_free(fig);

    /* pixel sizes */
    pl_figure_spec spx = {.width_px = 640, .height_px = 200, .dpi = 100};
    assert_int_equal(pl_figure_new(&spx, &fig, &err), PL_OK);
    assert_int_equal(pl_figure_width_px(fig), 640);
    assert_int_equal(pl_figure_height_px(fig), 200);
    pl_figure_free(fig);
    /* nonsense specs */
    pl_figure_spec bad = {.width_in = 0, .height_in = 3};
    assert_int_equal(pl_figure_new(&bad, &fig, &err), PL_EARG);
    pl_figure_spec huge = {.width_in = 1000, .height_in = 3, .dpi = 100};
    assert_int_equal(pl_figure_new(&huge, &fig, &err), PL_EARG);
}

/* Wild values with fixed limits: nothing of the trace's colour outside its plot area. */
static void test_nothing_outside(void **state)
{
    (void)state;
    pl_error err;
    pl_figure *fig;
    pl_figure_spec spec = {.width_px = 400, .height_px = 300, .dpi = 100, .rows = 2, .cols = 2};
    assert_int_equal(pl_figure_new(&spec, &fig, &err), PL_OK);
    double v[4000];
    for (int i = 0; i < 4000; i++)
        v[i] = (i % 7 == 0) ? 1e300 : ((i % 11 == 0) ? -INFINITY : ((i % 13 == 0) ? NAN : 50.0 * sin(i * 0.01)));
    for (int k = 0; k < 4; k++) {
        pl_axes *ax = pl_figure_panel(fig, k / 2, k % 2);
        pl_axes_ylim(ax, -1, 1);
        pl_axes_xlim(ax, 0.2, 0.8);
        pl_trace *tr;
        assert_int_equal(pl_trace_new(ax, 0, 1, &(pl_style){.color = 0xFF00FF00u, .width = 2}, &tr, &err), PL_OK);
        assert_int_equal(pl_trace_feed(tr, 0, 0.00025, v, 4000, &err), PL_OK);
        double x[3] = {-5, 0.5, 5}, y[3] = {-1e9, 0, 1e9};
        assert_int_equal(pl_axes_line(ax, x, y, 3, &(pl_style){.color = 0xFF00FF00u, .marker = PL_MARK_CIRCLE}, &err),
                         PL_OK);
    }
    assert_int_equal(pl_figure_save(fig, tmp("outside.png"), &err), PL_OK);
    image im = load_png(tmp("outside.png"));
    pl_rect p[4];
    for (int k = 0; k < 4; k++)
        pl__plot_rect_px(fig, k / 2, k % 2, &p[k]);
    long inside = 0;
    for (int y = 0; y < im.h; y++) {
        for (int x = 0; x < im.w; x++) {
            int c[3];
            px(&im, x, y, c);
            bool green = c[1] > 150 && c[0] < 100 && c[2] < 100;
            if (!green)
                continue;
            bool in = false;
            for (int k = 0; k < 4; k++)
                in |= x >= p[k].x - 1 && x <= p[k].x + p[k].w + 1 && y >= p[k].y - 1 && y <= p[k].y + p[k].h + 1;
            assert_true(in);
            inside++;
        }
    }
    assert_true(inside > 100);
    unload(&im);
    double lo, hi;
    pl_figure_free(fig);
    /* the tracked y range ignores non-finite samples */
    assert_int_equal(pl_figure_new(&spec, &fig, &err), PL_OK);
    pl_trace *tr;
    assert_int_equal(pl_trace_new(pl_figure_panel(fig, 0, 0), 0, 1, NULL, &tr, &err), PL_OK);
    assert_false(pl_trace_yrange(tr, &lo, &hi));
    double w[5] = {NAN, 3, INFINITY, -2, -INFINITY};
    assert_int_equal(pl_trace_feed(tr, 0, 0.1, w, 5, &err), PL_OK);
    assert_true(pl_trace_yrange(tr, &lo, &hi));
    assert_close(lo, -2, 0);
    assert_close(hi, 3, 0);
    assert_int_equal(pl_trace_feed(tr, 0, 0, w, 5, &err), PL_EARG);
    assert_int_equal(pl_trace_feed(tr, NAN, 0.1, w, 5, &err), PL_EARG);
    assert_int_equal(pl_trace_new(pl_figure_panel(fig, 0, 1), 1, 1, NULL, &tr, &err), PL_EARG);
    assert_int_equal(pl_figure_save(fig, tmp("nan.png"), &err), PL_OK);
    pl_figure_free(fig);
}

/* ---- decimated against every point */
typedef double (*signal_fn)(size_t i, size_t n);

static double sig_noisy_sine(size_t i, size_t n)
{
    unsigned s = (unsigned)i * 2654435761u;
    return sin(6.0 * M_PI * (double)i / (double)n) + 0.3 * ((s >> 8) / 16777216.0 - 0.5);
}
static double sig_chirp(size_t i, size_t n)
{
    double t = (double)i / (double)n;
    return sin(2 * M_PI * (5 + 400 * t) * t);
}
static double sig_spikes(size_t i, size_t n)
{
    (void)n;
    return (i % 25000 < 40) ? 60.0 * sin((double)(i % 25000) / 40 * M_PI) - 65 : -65 + 0.001 * (double)(i % 977);
}
static double sig_gaps(size_t i, size_t n)
{
    if ((i / 50000) % 5 == 3)
        return NAN;
    if (i % 99991 == 0)
        return INFINITY;
    return sig_noisy_sine(i, n);
}
static double sig_smooth(size_t i, size_t n)
{
    return cos(2 * M_PI * (double)i / (double)n);
}

/* Renders n samples of f as a decimated trace (in a draft figure when draft) and as a plain line of every point
 * (same limits) and compares. */
static void compare_full(const char *name, signal_fn f, size_t n, int w, int h, bool draft, int *worst_out,
                         double *frac_big)
{
    pl_error err;
    pl_figure *fd, *ff;
    pl_figure_spec spec = {.width_px = w, .height_px = h, .dpi = 100};
    pl_figure_spec dspec = spec;
    dspec.draft = draft;
    assert_int_equal(pl_figure_new(&dspec, &fd, &err), PL_OK);
    assert_int_equal(pl_figure_new(&spec, &ff, &err), PL_OK);
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    assert_non_null(x);
    assert_non_null(y);
    double lo = INFINITY, hi = -INFINITY, step = 1.0 / (double)n;
    for (size_t i = 0; i < n; i++) {
        x[i] = (double)i * step;
        y[i] = f(i, n);
        if (isfinite(y[i])) {
            lo = fmin(lo, y[i]);
            hi = fmax(hi, y[i]);
        }
    }
    pl_axes *ad = pl_figure_panel(fd, 0, 0), *af = pl_figure_panel(ff, 0, 0);
    double x1 = (double)(n - 1) * step;
    pl_axes_xlim(ad, 0, x1);
    pl_axes_xlim(af, 0, x1);
    pl_axes_ylim(ad, lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo));
    pl_axes_ylim(af, lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo));
    pl_style st = {.color = PL_BLUE, .width = 0.8};
    pl_trace *tr;
    assert_int_equal(pl_trace_new(ad, 0, x1, &st, &tr, &err), PL_OK);
    for (size_t i = 0; i < n; i += 10007) /* odd chunk sizes */
        assert_int_equal(pl_trace_feed(tr, x[i], step, y + i, n - i < 10007 ? n - i : 10007, &err), PL_OK);
    /* every point, as polylines of 2000 points sharing their end points (cairo strokes one huge self-crossing
     * polyline very slowly; the joins add a few doubly drawn pixels, well within the tolerance) */
    for (size_t i = 0; i + 1 < n; i += 1999)
        assert_int_equal(pl_axes_line(af, x + i, y + i, n - i < 2000 ? n - i : 2000, &st, &err), PL_OK);
    free(x);
    free(y);
    char dec[64], full[64];
    snprintf(dec, sizeof dec, "dec-%s%s.png", name, draft ? "-draft" : "");
    snprintf(full, sizeof full, "full-%s.png", name);
    assert_int_equal(pl_figure_save(fd, tmp(dec), &err), PL_OK);
    assert_int_equal(pl_figure_save(ff, tmp(full), &err), PL_OK);
    pl_rect p;
    pl__plot_rect_px(fd, 0, 0, &p);
    image a = load_png(tmp(dec)), b = load_png(tmp(full));
    /* over the pixels inked in either image: how many differ by more than an anti-aliasing step */
    long big = 0, count = 0;
    int worst = 0;
    for (int yy = (int)p.y + 1; yy < (int)(p.y + p.h) - 1; yy++) {
        for (int xx = (int)p.x + 1; xx < (int)(p.x + p.w) - 1; xx++) {
            if (is_white(&a, xx, yy) && is_white(&b, xx, yy))
                continue;
            int ca[3], cb[3];
            px(&a, xx, yy, ca);
            px(&b, xx, yy, cb);
            int d = 0;
            for (int k = 0; k < 3; k++)
                d = abs(ca[k] - cb[k]) > d ? abs(ca[k] - cb[k]) : d;
            big += d > 64;
            worst = d > worst ? d : worst;
            count++;
        }
    }
    unload(&a);
    unload(&b);
    pl_figure_free(fd);
    pl_figure_free(ff);
    *worst_out = worst;
    *frac_big = count ? (double)big / (double)count : 1.0;
    assert_true(count > 1000);
}

static void test_decimated_matches_full(void **state)
{
    (void)state;
    struct {
        const char *name;
        signal_fn f;
        size_t n;
    } cases[] = {{"noisy", sig_noisy_sine, 1000000}, {"chirp", sig_chirp, 1000000},  {"spikes", sig_spikes, 1000000},
                 {"gaps", sig_gaps, 400000},         {"smooth", sig_smooth, 200000}, {"sparse", sig_noisy_sine, 300}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        int worst;
        double big;
        compare_full(cases[k].name, cases[k].f, cases[k].n, 500, 300, false, &worst, &big);
        printf("# decimated vs full, %-7s: %.3f%% of inked pixels differ by > 64 of 255, worst %d\n", cases[k].name,
               100 * big, worst);
        assert_true(big < 0.002);
        assert_true(worst <= 128);
    }
}

/* Draft figures trade anti-aliasing precision for speed: the same pixels are inked, with coarser coverage. Measured
 * when draft mode was added: 2.9% (noisy) to 6.6% (spikes) of inked pixels off by more than 64 of 255 (edge pixels
 * of dense regions), none by more than 189: no pixel fully inked in one image is white in the other. */
static void test_draft_traces_close_to_full(void **state)
{
    (void)state;
    struct {
        const char *name;
        signal_fn f;
        size_t n;
    } cases[] = {{"noisy", sig_noisy_sine, 1000000}, {"spikes", sig_spikes, 1000000}, {"gaps", sig_gaps, 400000}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        int worst;
        double big;
        compare_full(cases[k].name, cases[k].f, cases[k].n, 500, 300, true, &worst, &big);
        printf("# draft decimated vs full, %-7s: %.3f%% of inked pixels differ by > 64 of 255, worst %d\n",
               cases[k].name, 100 * big, worst);
        assert_true(big < 0.10);
        assert_true(worst <= 200);
    }
}

/* The columns hold exactly first/last/min/max of their samples, whatever the chunking (chunks of 1 to 37 samples
 * exercise the vector loop and its tails); x is exact in binary so the expected column of each sample is known. */
static void test_trace_columns_exact(void **state)
{
    (void)state;
    pl_error err;
    pl_figure *fig;
    assert_int_equal(pl_figure_new(&(pl_figure_spec){.width_px = 200, .height_px = 100}, &fig, &err), PL_OK);
    pl_trace *probe, *tr;
    assert_int_equal(pl_trace_new(pl_figure_panel(fig, 0, 0), 0, 1, NULL, &probe, &err), PL_OK);
    size_t ncol = probe->ncol;
    assert_int_equal(pl_trace_new(pl_figure_panel(fig, 0, 0), 0, (double)ncol, NULL, &tr, &err), PL_OK);
    size_t n = ncol * 8; /* 8 samples per column at step 1/8 */
    double *v = malloc(n * sizeof *v);
    unsigned seed = 99;
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        v[i] = (double)((int)(seed >> 8) % 2001 - 1000);
        if (i % 997 == 5)
            v[i] = NAN;
        if (i % 1499 == 7)
            v[i] = -INFINITY;
    }
    for (size_t i = 0; i < n;) {
        seed = seed * 1103515245u + 12345u;
        size_t m = 1 + (seed >> 16) % 37;
        if (m > n - i)
            m = n - i;
        assert_int_equal(pl_trace_feed(tr, (double)i / 8, 0.125, v + i, m, &err), PL_OK);
        i += m;
    }
    for (size_t c = 0; c < ncol; c++) {
        double f = NAN, l = NAN, lo = INFINITY, hi = -INFINITY;
        for (size_t k = c * 8; k < c * 8 + 8; k++) {
            if (!isfinite(v[k]))
                continue;
            if (f != f)
                f = v[k];
            l = v[k];
            lo = fmin(lo, v[k]);
            hi = fmax(hi, v[k]);
        }
        if (f != f) {
            assert_false(tr->flags[c] & COL_HAS);
            continue;
        }
        assert_true(tr->flags[c] & COL_HAS);
        assert_close(tr->first[c], f, 0);
        assert_close(tr->last[c], l, 0);
        assert_close(tr->mn[c], lo, 0);
        assert_close(tr->mx[c], hi, 0);
        /* a non-finite sample just before the column's first finite one breaks the line there */
        if (!isfinite(v[c * 8]) || (c > 0 && !isfinite(v[c * 8 - 1])))
            assert_true(tr->flags[c] & COL_BREAK);
    }
    free(v);
    pl_figure_free(fig);
}

/* A count axis over a small range ticks at whole numbers; a fractional one does not. */
static void test_count_ticks(void **state)
{
    (void)state;
    pl_error err;
    pl_figure *fig;
    assert_int_equal(pl_figure_new(&(pl_figure_spec){.width_px = 400, .height_px = 300, .cols = 2}, &fig, &err), PL_OK);
    double counts[3] = {1, 0, 3}, frac[3] = {0.1, 0.4, 0.25};
    assert_int_equal(pl_axes_bars(pl_figure_panel(fig, 0, 0), counts, NULL, NULL, 3, NULL, &err), PL_OK);
    assert_int_equal(pl_axes_bars(pl_figure_panel(fig, 0, 1), frac, NULL, NULL, 3, NULL, &err), PL_OK);
    pl_rect p;
    pl__plot_rect_px(fig, 0, 0, &p);
    const pl_ticks *t = &pl_figure_panel(fig, 0, 0)->geom.yt;
    assert_true(t->n >= 2);
    for (int i = 0; i < t->n; i++)
        assert_close(t->v[i], floor(t->v[i]), 0);
    assert_close(t->v[0], 0, 0);
    assert_close(t->v[t->n - 1], 3, 0);
    assert_true(pl_figure_panel(fig, 0, 1)->geom.yt.step < 1);
    pl_figure_free(fig);
}

/* Samples outside the declared range are dropped; float chunks; a text-only panel; BEST legends avoid the data. */
static void test_trace_edges_and_boxes(void **state)
{
    (void)state;
    pl_error err;
    pl_figure *fig;
    pl_figure_spec spec = {.width_px = 600, .height_px = 300, .dpi = 100, .rows = 1, .cols = 2};
    assert_int_equal(pl_figure_new(&spec, &fig, &err), PL_OK);
    pl_trace *tr;
    assert_int_equal(pl_trace_new(pl_figure_panel(fig, 0, 0), 1, 2, NULL, &tr, &err), PL_OK);
    double v[300];
    for (int i = 0; i < 300; i++)
        v[i] = i < 100 ? -1000 : (i <= 200 ? i : 1000); /* x = 0.01 i: only [1,2) inside */
    assert_int_equal(pl_trace_feed(tr, 0, 0.01, v, 300, &err), PL_OK);
    double lo, hi;
    assert_true(pl_trace_yrange(tr, &lo, &hi));
    assert_close(lo, 100, 0);
    assert_close(hi, 200, 0); /* x = 2.00 is the range's end: kept */
    float fv[3] = {5.5f, NAN, -7.25f};
    assert_int_equal(pl_trace_feed_float(tr, 1.5, 0.1, fv, 3, &err), PL_OK);
    assert_true(pl_trace_yrange(tr, &lo, &hi));
    assert_close(lo, -7.25, 0);
    /* a text-only panel and a line that fills the upper half of its panel: the legend goes low */
    pl_axes *ax = pl_figure_panel(fig, 0, 1);
    double x[50], y[50];
    for (int i = 0; i < 50; i++) {
        x[i] = i;
        y[i] = 10 + (i % 2); /* a zigzag along the top */
    }
    assert_int_equal(pl_axes_line(ax, x, y, 50, &(pl_style){.label = "zigzag", .color = PL_BLACK}, &err), PL_OK);
    assert_int_equal(pl_axes_hline(ax, 5, &(pl_style){.color = PL_BLACK}, &err), PL_OK);
    pl_axes_ylim(ax, 0, 12);
    assert_int_equal(pl_figure_save(fig, tmp("boxes.png"), &err), PL_OK);
    image im = load_png(tmp("boxes.png"));
    pl_rect p;
    pl__plot_rect_px(fig, 0, 1, &p);
    /* the legend (its text and sample) is dark ink in the lower-left quarter, below the reference line */
    long dark = 0;
    for (int yy = (int)(p.y + p.h * 0.65); yy < (int)(p.y + p.h) - 3; yy++)
        for (int xx = (int)p.x + 2; xx < (int)(p.x + p.w / 2); xx++) {
            int c[3];
            px(&im, xx, yy, c);
            dark += c[0] < 100 && c[1] < 100 && c[2] < 100;
        }
    assert_true(dark > 50);
    unload(&im);
    pl_figure_free(fig);

    assert_int_equal(pl_figure_new(&(pl_figure_spec){.width_px = 300, .height_px = 200}, &fig, &err), PL_OK);
    ax = pl_figure_panel(fig, 0, 0);
    pl_axes_off(ax);
    assert_int_equal(pl_axes_text(ax, PL_LOC_UPPER_LEFT, "sigma   0.0023\nlinearity  PASS", &err), PL_OK);
    assert_int_equal(pl_axes_badge(ax, PL_VERDICT_WARNING, NULL, &err), PL_OK);
    assert_int_equal(pl_axes_text(ax, PL_LOC_UPPER_LEFT, NULL, &err), PL_EARG);
    assert_int_equal(pl_figure_save(fig, tmp("text.png"), &err), PL_OK);
    im = load_png(tmp("text.png"));
    assert_true(ink(&im, 0, 0, 300, 200) > 300);
    /* the WARNING badge is orange (E69F00) */
    long orange = 0;
    for (int yy = 0; yy < 200; yy++)
        for (int xx = 0; xx < 300; xx++) {
            int c[3];
            px(&im, xx, yy, c);
            orange += abs(c[0] - 0xE6) < 8 && abs(c[1] - 0x9F) < 8 && c[2] < 8;
        }
    assert_true(orange > 100);
    unload(&im);
    pl_figure_free(fig);
}

/* ---- golden images: compared inside the plot areas only (text stays out: fonts differ between machines) */
static pl_figure *golden_chart(void)
{
    pl_error err;
    pl_figure *fig;
    assert_int_equal(pl_figure_new(&(pl_figure_spec){.width_px = 320, .height_px = 240, .dpi = 72}, &fig, &err), PL_OK);
    pl_axes *ax = pl_figure_panel(fig, 0, 0);
    double x[60], lo[60], hi[60], y[60], y2[60], fx[3] = {10, 30, 50}, fy[3];
    for (int i = 0; i < 60; i++) {
        x[i] = i;
        hi[i] = 1 + 0.01 * i;
        lo[i] = -hi[i];
        y[i] = 0.8 * sin(i * 0.2);
        y2[i] = 1.3 * cos(i * 0.1);
    }
    for (int k = 0; k < 3; k++)
        fy[k] = y2[(int)fx[k]];
    assert_int_equal(pl_axes_band(ax, x, lo, hi, 60, 0, NULL, &err), PL_OK);
    assert_int_equal(pl_axes_line(ax, x, hi, 60, &(pl_style){.color = PL_GREEN, .dash = PL_DASHED}, &err), PL_OK);
    assert_int_equal(pl_axes_line(ax, x, y, 60, &(pl_style){.width = 1.5}, &err), PL_OK);
    assert_int_equal(pl_axes_line(ax, x, y2, 60, &(pl_style){.dash = PL_DASHED}, &err), PL_OK);
    assert_int_equal(
        pl_axes_line(ax, fx, fy, 3, &(pl_style){.color = PL_RED, .dash = PL_NOLINE, .marker = PL_MARK_CROSS}, &err),
        PL_OK);
    assert_int_equal(pl_axes_hline(ax, 0, NULL, &err), PL_OK);
    return fig;
}

static pl_figure *golden_bars_hist(void)
{
    pl_error err;
    pl_figure *fig;
    assert_int_equal(
        pl_figure_new(&(pl_figure_spec){.width_px = 400, .height_px = 200, .dpi = 72, .cols = 2}, &fig, &err), PL_OK);
    double h[5] = {3, 7, 1, 0, 4.5};
    uint32_t c[5] = {PL_GREEN, PL_RED, 0, PL_ORANGE, PL_GREY};
    assert_int_equal(pl_axes_bars(pl_figure_panel(fig, 0, 0), h, NULL, c, 5, NULL, &err), PL_OK);
    double v[500];
    for (int i = 0; i < 500; i++)
        v[i] = sin(i * 0.37) * sin(i * 0.11) * 3;
    pl_axes *ax = pl_figure_panel(fig, 0, 1);
    assert_int_equal(pl_axes_hist(ax, v, 500, 15, -3, 3, NULL, &err), PL_OK);
    assert_int_equal(pl_axes_vline(ax, 1.5, &(pl_style){.color = PL_RED, .dash = PL_DASHED}, &err), PL_OK);
    return fig;
}

static pl_figure *golden_trace(void)
{
    pl_error err;
    pl_figure *fig;
    assert_int_equal(pl_figure_new(&(pl_figure_spec){.width_px = 320, .height_px = 240, .dpi = 72}, &fig, &err), PL_OK);
    pl_trace *tr;
    assert_int_equal(pl_trace_new(pl_figure_panel(fig, 0, 0), 0, 2, NULL, &tr, &err), PL_OK);
    double v[1000];
    for (int chunk = 0; chunk < 200; chunk++) {
        for (int i = 0; i < 1000; i++) {
            int k = chunk * 1000 + i;
            v[i] = (k % 40000 < 60) ? 40.0 : -65 + 3 * sin(k * 1e-4);
            if (k > 120000 && k < 130000)
                v[i] = NAN;
        }
        assert_int_equal(pl_trace_feed(tr, chunk * 1000 * 1e-5, 1e-5, v, 1000, &err), PL_OK);
    }
    return fig;
}

static void check_golden(const char *name, pl_figure *fig)
{
    pl_error err;
    assert_int_equal(pl_figure_save(fig, tmp(name), &err), PL_OK);
    char gpath[1024];
    snprintf(gpath, sizeof gpath, "%s/%s", golden_dir, name);
    if (getenv("PLATEAU_PLOT_UPDATE_GOLDEN")) {
        assert_int_equal(pl_figure_save(fig, gpath, &err), PL_OK);
        return;
    }
    image a = load_png(tmp(name)), g = load_png(gpath);
    assert_int_equal(a.w, g.w);
    assert_int_equal(a.h, g.h);
    long differ = 0, count = 0;
    for (int r = 0; r < 4; r++) {
        for (int c = 0; c < 4; c++) {
            pl_rect p;
            if (!pl__plot_rect_px(fig, r, c, &p))
                continue;
            for (int y = (int)p.y + 2; y < (int)(p.y + p.h) - 2; y++) {
                for (int x = (int)p.x + 2; x < (int)(p.x + p.w) - 2; x++) {
                    int ca[3], cg[3];
                    px(&a, x, y, ca);
                    px(&g, x, y, cg);
                    int d = 0;
                    for (int k = 0; k < 3; k++)
                        d = abs(ca[k] - cg[k]) > d ? abs(ca[k] - cg[k]) : d;
                    differ += d > 48;
                    count++;
                }
            }
        }
    }
    printf("# golden %s: %ld of %ld plot-area pixels differ by > 48\n", name, differ, count);
    assert_true(count > 10000);
    assert_true(differ <= count / 200);
    unload(&a);
    unload(&g);
}

static void test_golden(void **state)
{
    (void)state;
    pl_figure *figs[3] = {golden_chart(), golden_bars_hist(), golden_trace()};
    const char *names[3] = {"chart.png", "bars_hist.png", "trace.png"};
    for (int i = 0; i < 3; i++) {
        check_golden(names[i], figs[i]);
        pl_figure_free(figs[i]);
    }
}

/* ---- outputs */
static size_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (size_t)st.st_size : 0;
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    *n = file_size(path);
    char *buf = malloc(*n + 1);
    assert_int_equal(fread(buf, 1, *n, f), *n);
    buf[*n] = 0;
    fclose(f);
    return buf;
}

static long count_str(const char *buf, size_t n, const char *needle)
{
    long k = 0;
    size_t m = strlen(needle);
    for (size_t i = 0; i + m <= n; i++)
        k += memcmp(buf + i, needle, m) == 0;
    return k;
}

/* Mean absolute difference between a baseline JPEG (decoded by libjpeg) and a PNG of the same figure. */
static double jpeg_vs_png(const char *jpg_path, const image *png)
{
    FILE *f = fopen(jpg_path, "rb");
    assert_non_null(f);
    struct jpeg_decompress_struct d;
    struct jpeg_error_mgr jerr;
    d.err = jpeg_std_error(&jerr);
    jpeg_create_decompress(&d);
    jpeg_stdio_src(&d, f);
    assert_int_equal(jpeg_read_header(&d, TRUE), JPEG_HEADER_OK);
    d.out_color_space = JCS_RGB;
    jpeg_start_decompress(&d);
    assert_int_equal((int)d.output_width, png->w);
    assert_int_equal((int)d.output_height, png->h);
    unsigned char *row = malloc((size_t)d.output_width * 3);
    double sum = 0;
    while (d.output_scanline < d.output_height) {
        int y = (int)d.output_scanline;
        JSAMPROW r = row;
        jpeg_read_scanlines(&d, &r, 1);
        for (int x = 0; x < png->w; x++) {
            int c[3];
            px(png, x, y, c);
            for (int k = 0; k < 3; k++)
                sum += abs(c[k] - row[3 * x + k]);
        }
    }
    jpeg_finish_decompress(&d);
    jpeg_destroy_decompress(&d);
    free(row);
    fclose(f);
    return sum / (3.0 * png->w * png->h);
}

static void test_formats(void **state)
{
    (void)state;
    pl_error err;
    pl_figure *a = golden_chart(), *b = golden_bars_hist(), *c = golden_trace();
    pl_axes_title(pl_figure_panel(a, 0, 0), "Error vs position");
    pl_axes_labels(pl_figure_panel(a, 0, 0), "Position (mm)", "Error (V)");
    assert_int_equal(pl_figure_save(a, tmp("a.svg"), &err), PL_OK);
    assert_int_equal(pl_figure_save(a, tmp("a.jpg"), &err), PL_OK);
    assert_int_equal(pl_figure_save(a, tmp("a.JPEG"), &err), PL_OK);
    assert_int_equal(pl_figure_save(a, tmp("a.pdf"), &err), PL_OK);
    assert_int_equal(pl_figure_save_as(a, tmp("a.out"), PL_FMT_PNG, &err), PL_OK);
    assert_int_equal(pl_figure_save(a, tmp("a.gif"), &err), PL_EARG);
    assert_int_equal(file_size(tmp("a.gif")), 0);
    size_t n;
    char *svg = slurp(tmp("a.svg"), &n);
    assert_true(strncmp(svg, "<?xml", 5) == 0);
    assert_non_null(strstr(svg, "width=\"320pt\""));
    assert_non_null(strstr(svg, "</svg>"));
    free(svg);
    char *jpg = slurp(tmp("a.jpg"), &n);
    assert_true((unsigned char)jpg[0] == 0xFF && (unsigned char)jpg[1] == 0xD8);
    assert_true((unsigned char)jpg[n - 2] == 0xFF && (unsigned char)jpg[n - 1] == 0xD9);
    for (size_t i = 0; i + 9 < n; i++) { /* SOF0 holds height and width */
        if ((unsigned char)jpg[i] == 0xFF && (unsigned char)jpg[i + 1] == 0xC0) {
            assert_int_equal(((unsigned char)jpg[i + 5] << 8) | (unsigned char)jpg[i + 6], 240);
            assert_int_equal(((unsigned char)jpg[i + 7] << 8) | (unsigned char)jpg[i + 8], 320);
            break;
        }
    }
    free(jpg);
    image im = load_png(tmp("a.out"));
    assert_int_equal(im.w, 320);
    double jd = jpeg_vs_png(tmp("a.jpg"), &im); /* the same pixels, give or take JPEG's losses */
    printf("# JPEG vs PNG: mean |diff| %.2f of 255\n", jd);
    assert_true(jd < 4.0);
    unload(&im);

    /* a 3-page PDF; pages take their figures' sizes */
    pl_pdf *doc;
    assert_int_equal(pl_pdf_open(tmp("three.pdf"), &doc, &err), PL_OK);
    assert_int_equal(pl_pdf_add(doc, a, &err), PL_OK);
    assert_int_equal(pl_pdf_add(doc, b, &err), PL_OK);
    assert_int_equal(pl_pdf_add(doc, c, &err), PL_OK);
    assert_int_equal(pl_pdf_pages(doc), 3);
    assert_int_equal(file_size(tmp("three.pdf")), 0); /* nothing under the final name before close */
    assert_int_equal(pl_pdf_close(doc, &err), PL_OK);
    char *pdf = slurp(tmp("three.pdf"), &n);
    assert_true(strncmp(pdf, "%PDF-", 5) == 0);
    assert_int_equal(count_str(pdf, n, "/Type /Page\n") + count_str(pdf, n, "/Type /Page "), 3);
    assert_true(count_str(pdf, n, "/MediaBox [ 0 0 400 200 ]") == 1);
    free(pdf);
    /* aborted and empty documents leave nothing */
    assert_int_equal(pl_pdf_open(tmp("gone.pdf"), &doc, &err), PL_OK);
    assert_int_equal(pl_pdf_add(doc, a, &err), PL_OK);
    pl_pdf_abort(doc);
    assert_int_equal(pl_pdf_open(tmp("empty.pdf"), &doc, &err), PL_OK);
    assert_int_equal(pl_pdf_close(doc, &err), PL_EARG);
    assert_int_equal(access(tmp("gone.pdf"), F_OK), -1);
    assert_int_equal(access(tmp("empty.pdf"), F_OK), -1);
    /* an output that cannot be written: a clear error naming the file, nothing left behind */
    FILE *f = fopen(tmp("plain"), "w");
    fclose(f);
    assert_int_not_equal(pl_figure_save(a, tmp("plain/x.png"), &err), PL_OK);
    assert_non_null(strstr(err.path, "plain")); /* the folder that cannot be made, or the file */
    pl_figure_free(a);
    pl_figure_free(b);
    pl_figure_free(c);
}

/* A full figure built and saved with the n-th allocation failing, for every n: errors, never crashes or leaks. */
static pl_status build_and_save(const char *path, pl_error *err)
{
    pl_figure *fig;
    pl_figure_spec spec = {.width_px = 300, .height_px = 200, .dpi = 72, .rows = 1, .cols = 2, .title = "t"};
    pl_status st = pl_figure_new(&spec, &fig, err);
    if (st)
        return st;
    double v[100];
    for (int i = 0; i < 100; i++)
        v[i] = sin(i);
    const char *names[3] = {"a", "b", "c"};
    pl_trace *tr;
    pl_axes *ax = pl_figure_panel(fig, 0, 0);
    if (!(st = pl_trace_new(ax, 0, 1, &(pl_style){.label = "trace"}, &tr, err)) &&
        !(st = pl_trace_feed(tr, 0, 0.01, v, 100, err)) && !(st = pl_axes_line(ax, v, v, 100, NULL, err)) &&
        !(st = pl_axes_band(ax, v, v, v, 100, 0, "band", err)) &&
        !(st = pl_axes_text(ax, PL_LOC_UPPER_LEFT, "x", err)) &&
        !(st = pl_axes_bars(pl_figure_panel(fig, 0, 1), v, names, NULL, 3, NULL, err)) &&
        !(st = pl_axes_hist(pl_figure_panel(fig, 0, 1), v, 100, 10, 0, 0, NULL, err)))
        st = pl_figure_save(fig, path, err);
    pl_figure_free(fig);
    return st;
}

static void test_alloc_faults(void **state)
{
    (void)state;
    pl_error err;
    const char *fmts[] = {"f.png", "f.jpg", "f.svg", "f.pdf"};
    for (int k = 0; k < 4; k++) {
        int failures = 0;
        for (long n = 1; n < 60; n++) {
            pl_mem_fail_after(n);
            pl_status st = build_and_save(tmp(fmts[k]), &err);
            pl_mem_fail_after(0);
            if (st == PL_OK)
                break;
            assert_int_equal(st, PL_ENOMEM);
            failures++;
        }
        assert_true(failures >= 5);
        assert_int_equal(build_and_save(tmp(fmts[k]), &err), PL_OK);
    }
    /* over budget is PL_EBUDGET, and the charged memory returns to where it was */
    size_t before = pl_mem_charged();
    pl_mem_set_limit(before + 4096);
    assert_int_equal(build_and_save(tmp("g.png"), &err), PL_EBUDGET);
    pl_mem_set_limit(0);
    assert_int_equal(pl_mem_charged(), before);
}

int main(int argc, char **argv)
{
    golden_dir = argc > 1 ? argv[1] : "tests/plot/golden";
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ticks_awkward),
        cmocka_unit_test(test_sizes_and_panels),
        cmocka_unit_test(test_nothing_outside),
        cmocka_unit_test(test_trace_columns_exact),
        cmocka_unit_test(test_count_ticks),
        cmocka_unit_test(test_trace_edges_and_boxes),
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_alloc_faults),
        cmocka_unit_test(test_decimated_matches_full),
        cmocka_unit_test(test_draft_traces_close_to_full),
    };
    return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}

/* Unit tests of the per-sweep analysis on generated sweeps: units of the spike features, bad input (NaN, short
 * sweeps, no step, rates too low for the baseline filter), allocation failures, and the cell accumulator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plateau/ephys.h"
#include "plateau/mem.h"

enum { RATE = 20000 };

/* A 1.5 s sweep at 20 kHz: 100 ms baseline at -70 mV, a 1 s step of `level` pA, and `spikes` triangular spikes
 * rising 100 mV/ms from -50 to +30 mV and falling 50 mV/ms, 100 ms apart from 150 ms into the step. */
static void make_sweep(double *i_pa, double *v, size_t n, double level, int spikes)
{
    for (size_t k = 0; k < n; k++) {
        i_pa[k] = (k >= 2000 && k < 22000) ? level : 0.0;
        v[k] = -70.0 + ((k >= 2000 && k < 22000) ? level * 0.1 : 0.0);
    }
    for (int s = 0; s < spikes; s++) {
        size_t at = 2000 + 3000 + (size_t)s * 2000; /* sample of the spike onset */
        for (size_t k = 0; k <= 16; k++)            /* 0.8 ms up: 5 mV per sample = 100 mV/ms */
            v[at + k] = -50.0 + 5.0 * (double)k;
        for (size_t k = 1; k <= 40; k++) /* 2 ms down: 2.5 mV per sample = 50 mV/ms, to -70 */
            v[at + 16 + k] = 30.0 - 2.5 * (double)k;
    }
}

static void test_params(void **state)
{
    (void)state;
    pl_ephys_params p;
    pl_ephys_params_default(&p);
    assert_true(p.prominence_mV == 20.0 && p.pre_ms == 4.5 && p.savgol_window_fraction == 0.100025);
    pl_error err;
    assert_int_equal(pl_ephys_params_set(&p, "prominence_mV", "12.5", &err), PL_OK);
    assert_true(p.prominence_mV == 12.5);
    assert_int_equal(pl_ephys_params_set(&p, "rin_sweeps", "5", &err), PL_OK);
    assert_int_equal(p.rin_sweeps, 5);
    assert_int_equal(pl_ephys_params_set(&p, "nonsense", "1", &err), PL_EARG);
    assert_non_null(strstr(err.msg, "nonsense"));
    assert_int_equal(pl_ephys_params_set(&p, "pre_ms", "abc", &err), PL_EARG);
    char buf[4096];
    size_t len = pl_ephys_params_json(&p, buf, sizeof buf);
    assert_true(len < sizeof buf && buf[0] == '{' && buf[len - 1] == '}');
    assert_non_null(strstr(buf, "\"prominence_mV\":12.5"));
    char small[16];
    assert_int_equal(pl_ephys_params_json(&p, small, sizeof small), len); /* snprintf semantics */
}

static void test_spike_units(void **state)
{
    (void)state;
    size_t n = 30000;
    double *i_pa = calloc(n, sizeof *i_pa), *v = calloc(n, sizeof *v);
    make_sweep(i_pa, v, n, 200.0, 5);
    pl_ephys_params p;
    pl_ephys_params_default(&p);
    pl_ephys_work w;
    pl_ephys_work_init(&w);
    pl_ephys_sweep s;
    pl_error err;
    assert_int_equal(pl_ephys_analyze_sweep(&p, 7, i_pa, v, n, 10.0, RATE, &w, &s, &err), PL_OK);
    assert_true(s.valid);
    assert_false(s.lowpass_applied); /* 20 kHz < 40 kHz */
    assert_true(s.stimulus_level_pA == 200.0 && s.injected_current_pA == 200.0);
    assert_true(fabs(s.stimulus_start_s - 10.1) < 1e-12 && fabs(s.stimulus_end_s - (10.1 + 19999.0 / RATE)) < 1e-12);
    assert_true(fabs(s.rmp_mV + 70.0) < 1e-12);
    assert_int_equal(s.n_spikes, 5);
    for (size_t k = 0; k < s.n_spikes; k++) {
        const pl_ephys_spike *sp = &w.spikes[k];
        assert_true(fabs(sp->peak_mV - 30.0) < 1e-12);
        assert_true(fabs(sp->upstroke_mV_ms - 100.0) < 1e-9); /* true mV/ms, not 1e6 x */
        assert_true(fabs(sp->downstroke_mV_ms + 50.0) < 1e-9);
        assert_true(fabs(sp->threshold_mV + 50.0) < 1e-12);       /* first sample at >= 5% of the max slope */
        assert_true(fabs(sp->threshold_to_peak_ms - 0.8) < 1e-9); /* ms, not s */
        assert_true(fabs(sp->t_peak_s - (10.0 + (5000.0 + 16.0 + 2000.0 * (double)k) / RATE)) < 1e-12);
        if (k)
            assert_true(fabs(sp->isi_ms - 100.0) < 1e-9);
        else
            assert_true(isnan(sp->isi_ms));
    }
    assert_true(fabs(s.spike_frequency_Hz - 5.0 / (19999.0 / RATE)) < 1e-9);
    assert_true(fabs(s.mean_isi_ms - 100.0) < 1e-9 && fabs(s.cv_isi) < 1e-9);
    assert_int_equal(s.n_bins, 20);
    int total = 0;
    for (int b = 0; b < s.n_bins; b++)
        total += s.bin_count[b];
    assert_int_equal(total, 5);
    assert_int_equal(s.bin_count[3], 1); /* first spike 150.8 ms into the step */
    assert_true(fabs(s.middle_first_width - 1.0) < 1e-9);
    pl_ephys_work_free(&w);
    free(i_pa);
    free(v);
}

static void test_bad_input(void **state)
{
    (void)state;
    size_t n = 30000;
    double *i_pa = calloc(n, sizeof *i_pa), *v = calloc(n, sizeof *v);
    pl_ephys_params p;
    pl_ephys_params_default(&p);
    pl_ephys_work w;
    pl_ephys_work_init(&w);
    pl_ephys_sweep s;
    pl_error err;

    make_sweep(i_pa, v, n, -50.0, 0);
    v[12345] = NAN;
    assert_int_equal(pl_ephys_analyze_sweep(&p, 1, i_pa, v, n, 0.0, RATE, &w, &s, &err), PL_OK);
    assert_false(s.valid);
    assert_non_null(strstr(s.reason, "NaN"));

    assert_int_equal(pl_ephys_analyze_sweep(&p, 2, i_pa, v, 5, 0.0, RATE, &w, &s, &err), PL_OK);
    assert_false(s.valid);
    assert_non_null(strstr(s.reason, "too short"));

    /* a step shorter than the minimum duration, and a sweep that ends inside the step */
    make_sweep(i_pa, v, n, -50.0, 0);
    assert_int_equal(pl_ephys_analyze_sweep(&p, 3, i_pa, v, 4000, 0.0, RATE, &w, &s, &err), PL_OK);
    assert_false(s.valid);
    assert_non_null(strstr(s.reason, "too short"));
    assert_int_equal(pl_ephys_analyze_sweep(&p, 4, i_pa, v, 12000, 0.0, RATE, &w, &s, &err), PL_OK);
    assert_true(s.valid);
    assert_true(isfinite(s.sag_mV)); /* 0.5 s of step: sag windows fit */

    /* no step at all: flat is valid (whole sweep), noisy is not */
    memset(i_pa, 0, n * sizeof *i_pa);
    assert_int_equal(pl_ephys_analyze_sweep(&p, 5, i_pa, v, n, 0.0, RATE, &w, &s, &err), PL_OK);
    assert_true(s.valid);
    assert_non_null(strstr(s.note, "no stimulus step"));
    for (size_t k = 0; k < n; k++)
        i_pa[k] = (double)(k % 7) - 3.0;
    assert_int_equal(pl_ephys_analyze_sweep(&p, 6, i_pa, v, n, 0.0, RATE, &w, &s, &err), PL_OK);
    assert_false(s.valid);
    assert_non_null(strstr(s.reason, "No stimulus step"));

    /* a ramp is not square */
    for (size_t k = 0; k < n; k++)
        i_pa[k] = k < 2000 ? 0.0 : (double)(k - 2000) * 0.01;
    assert_int_equal(pl_ephys_analyze_sweep(&p, 7, i_pa, v, n, 0.0, RATE, &w, &s, &err), PL_OK);
    assert_false(s.valid);
    assert_string_equal(s.reason, "Stimulus not square-shaped");

    /* 500 Hz: the baseline (50 samples) gives a Savitzky-Golay window of 5 -> computed; at 200 Hz (20) -> noted */
    size_t m = 800;
    for (size_t k = 0; k < m; k++) {
        i_pa[k] = (k >= 50 && k < 550) ? -20.0 : 0.0;
        v[k] = -65.0 + ((k >= 50 && k < 550) ? -4.0 : 0.0);
    }
    assert_int_equal(pl_ephys_analyze_sweep(&p, 8, i_pa, v, m, 0.0, 500.0, &w, &s, &err), PL_OK);
    assert_true(s.valid);
    assert_int_equal(s.savgol_window, 5);
    for (size_t k = 0; k < 320; k++) {
        i_pa[k] = (k >= 20 && k < 220) ? -20.0 : 0.0;
        v[k] = -65.0 + ((k >= 20 && k < 220) ? -4.0 : 0.0);
    }
    assert_int_equal(pl_ephys_analyze_sweep(&p, 9, i_pa, v, 320, 0.0, 200.0, &w, &s, &err), PL_OK);
    assert_true(s.valid);
    assert_int_equal(s.savgol_window, 0);
    assert_non_null(strstr(s.note, "Savitzky-Golay"));
    assert_true(isnan(s.filtered_rmp_mV) && fabs(s.rmp_mV + 65.0) < 1e-12);

    /* a bad sampling rate is the caller's error */
    assert_int_equal(pl_ephys_analyze_sweep(&p, 10, i_pa, v, 320, 0.0, 0.0, &w, &s, &err), PL_EARG);
    pl_ephys_work_free(&w);
    free(i_pa);
    free(v);
}

static void test_allocation_failure(void **state)
{
    (void)state;
    size_t n = 30000;
    double *i_pa = calloc(n, sizeof *i_pa), *v = calloc(n, sizeof *v);
    make_sweep(i_pa, v, n, 200.0, 3);
    pl_ephys_params p;
    pl_ephys_params_default(&p);
    for (long fail = 1; fail < 12; fail++) {
        pl_ephys_work w;
        pl_ephys_work_init(&w);
        pl_ephys_sweep s;
        pl_error err;
        pl_mem_fail_after(fail);
        pl_status st = pl_ephys_analyze_sweep(&p, 1, i_pa, v, n, 0.0, RATE, &w, &s, &err);
        pl_mem_fail_after(0);
        assert_true(st == PL_OK || st == PL_ENOMEM);
        pl_ephys_work_free(&w);
    }
    assert_int_equal(pl_mem_charged(), 0);
    free(i_pa);
    free(v);
}

static void test_cell(void **state)
{
    (void)state;
    pl_ephys_params p;
    pl_ephys_params_default(&p);
    pl_ephys_cell c;
    pl_ephys_cell_init(&c);
    pl_ephys_sweep s = {0};
    s.valid = false;
    pl_ephys_cell_add(&c, &p, &s);
    pl_ephys_cell_finish(&c);
    assert_int_equal(c.dropped, 1);
    assert_true(isnan(c.grand_rmp_mV) && isnan(c.input_resistance_MOhm) && isnan(c.rheobase_pA));

    pl_ephys_cell_init(&c);
    for (int k = 0; k < 12; k++) { /* V = -70 + 0.2 mV/pA * I: 200 MΩ; spikes from 60 pA */
        memset(&s, 0, sizeof s);
        s.valid = true;
        s.mean_stim_current_pA = -100.0 + 20.0 * k;
        s.mean_stim_voltage_mV = -70.0 + 0.2 * s.mean_stim_current_pA;
        s.rmp_mV = -70.0 + 0.01 * k;
        s.filtered_rmp_mV = NAN;
        s.injected_current_pA = s.mean_stim_current_pA;
        s.n_spikes = s.mean_stim_current_pA >= 60.0 ? 3 : 0;
        s.spike_frequency_Hz = (double)s.n_spikes;
        pl_ephys_cell_add(&c, &p, &s);
    }
    pl_ephys_cell_finish(&c);
    assert_int_equal(c.kept, 12);
    assert_int_equal(c.rin_n, 8);
    assert_true(fabs(c.input_resistance_MOhm - 200.0) < 1e-9);
    assert_true(fabs(c.rheobase_pA - 60.0) < 1e-12);
    assert_true(fabs(c.grand_rmp_mV - (-70.0 + 0.055)) < 1e-12);
    assert_true(isnan(c.filtered_grand_rmp_mV));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_params),    cmocka_unit_test(test_spike_units),
        cmocka_unit_test(test_bad_input), cmocka_unit_test(test_allocation_failure),
        cmocka_unit_test(test_cell),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

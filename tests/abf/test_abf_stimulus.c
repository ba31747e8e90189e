/* Stimulus synthesis against hand-computed waveforms: holding for the first 1/64, steps with level and duration
 * increments, ramps from the previous level, rectangular and biphasic trains, "use last epoch level" between sweeps,
 * epochs clipped at the sweep end, unit scaling. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "io/abf/abf_internal.h"

static abf_dac make_dac(void)
{
    abf_dac d;
    memset(&d, 0, sizeof d);
    d.holding = -70;
    d.unit_scale = 1;
    d.waveform_enabled = true;
    d.waveform_source = 1;
    d.n_epochs = 3;
    d.epochs[0] = (abf_epoch){.type = 1, .level = -50, .level_inc = 5, .duration = 100, .duration_inc = 10};
    d.epochs[1] = (abf_epoch){.type = 2, .level = -30, .duration = 50};
    d.epochs[2] = (abf_epoch){.type = 3, .level = 0, .duration = 60, .pulse_period = 20, .pulse_width = 5};
    return d;
}

static double expect_sweep0(int64_t k)
{
    if (k < 10)
        return -70; /* 640 / 64 */
    if (k < 110)
        return -50;
    if (k < 160)
        return -50 + 20.0 * (double)(k - 110) / 49.0;
    if (k < 220)
        return (k - 160) % 20 < 5 ? 0 : -30;
    return -70;
}

static void test_steps_ramps_trains(void **state)
{
    (void)state;
    abf_header h;
    memset(&h, 0, sizeof h);
    h.mode = ABF_MODE_EPISODIC;
    abf_dac d = make_dac();
    double v[640];
    abf_stimulus_values(&h, &d, 0, 640, 0, 640, v);
    for (int k = 0; k < 640; k++)
        assert_true(fabs(v[k] - expect_sweep0(k)) < 1e-12);
    /* a range in the middle gives the same values */
    double w[37];
    abf_stimulus_values(&h, &d, 0, 640, 100, 37, w);
    for (int k = 0; k < 37; k++)
        assert_true(fabs(w[k] - v[100 + k]) < 1e-12);
    /* sweep 2: the first epoch is 120 samples at -40 */
    abf_stimulus_values(&h, &d, 2, 640, 0, 640, v);
    assert_true(v[9] == -70 && v[10] == -40 && v[129] == -40);
    assert_true(fabs(v[130] - -40) < 1e-12 && fabs(v[179] - -30) < 1e-12);
    assert_true(v[180] == 0 && v[185] == -30 && v[239] == -30 && v[240] == -70);
    const char *why;
    assert_true(abf_dac_synthesisable(&h, &d, &why));
    d.waveform_source = 2;
    assert_false(abf_dac_synthesisable(&h, &d, &why));
    assert_non_null(strstr(why, "waveform file"));
}

static void test_last_level_and_clipping(void **state)
{
    (void)state;
    abf_header h;
    memset(&h, 0, sizeof h);
    h.mode = ABF_MODE_EPISODIC;
    abf_dac d = make_dac();
    d.inter_episode_last = true;
    d.epochs[2].type = 7; /* biphasic: first half of the width up by the step, second half down */
    d.epochs[2].pulse_width = 10;
    d.unit_scale = 1000; /* e.g. nA commands returned in pA */
    double v[640];
    abf_stimulus_values(&h, &d, 1, 640, 0, 640, v);
    /* sweep 1 starts at sweep 0's last epoch level (0) and ends at its own last level (0) */
    assert_true(v[0] == 0 && v[639] == 0);
    assert_true(v[10] == -45000);
    assert_true(v[170] == 0 && v[174] == 0 && v[175] == -60000 && v[180] == -30000); /* before -30, delta +30 */
    /* a sweep shorter than its epochs: clipped (the ramp keeps its slope), no holding tail */
    double s[120];
    abf_stimulus_values(&h, &d, 0, 120, 0, 120, s);
    assert_true(s[0] == -70000 && s[1] == -50000 && s[100] == -50000);
    assert_true(fabs(s[119] - (-50000 + 20000.0 * 18 / 49)) < 1e-6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_steps_ramps_trains),
                                       cmocka_unit_test(test_last_level_and_clipping)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

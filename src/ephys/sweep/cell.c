/* Cell-level values from the small per-sweep results: grand resting potential, input resistance (least squares of
 * the mean voltage on the mean current of the first spike-free kept sweeps, in MΩ), rheobase. */
#include <math.h>
#include <string.h>

#include "plateau/dsp.h"
#include "plateau/ephys.h"

void pl_ephys_cell_init(pl_ephys_cell *c)
{
    memset(c, 0, sizeof *c);
    c->rheobase_pA = NAN;
    c->grand_rmp_mV = c->filtered_grand_rmp_mV = c->input_resistance_MOhm = c->input_resistance_r = NAN;
}

void pl_ephys_cell_add(pl_ephys_cell *c, const pl_ephys_params *p, const pl_ephys_sweep *s)
{
    if (!s->valid) {
        c->dropped++;
        return;
    }
    c->kept++;
    if (!isnan(s->rmp_mV)) {
        c->rmp_sum += s->rmp_mV;
        c->rmp_n++;
    }
    if (!isnan(s->filtered_rmp_mV)) {
        c->filtered_rmp_sum += s->filtered_rmp_mV;
        c->filtered_rmp_n++;
    }
    int limit = p->rin_sweeps < 32 ? p->rin_sweeps : 32;
    if (s->n_spikes == 0 && c->rin_n < limit && !isnan(s->mean_stim_current_pA) && !isnan(s->mean_stim_voltage_mV)) {
        c->rin_current_pA[c->rin_n] = s->mean_stim_current_pA;
        c->rin_voltage_mV[c->rin_n] = s->mean_stim_voltage_mV;
        c->rin_n++;
    }
    if (s->spike_frequency_Hz > 0.0 && !(s->injected_current_pA >= c->rheobase_pA))
        c->rheobase_pA = s->injected_current_pA;
}

void pl_ephys_cell_finish(pl_ephys_cell *c)
{
    c->grand_rmp_mV = c->rmp_n ? c->rmp_sum / c->rmp_n : NAN;
    c->filtered_grand_rmp_mV = c->filtered_rmp_n ? c->filtered_rmp_sum / c->filtered_rmp_n : NAN;
    double slope, intercept, r;
    pl_linregress(c->rin_current_pA, c->rin_voltage_mV, (size_t)c->rin_n, &slope, &intercept, &r);
    c->input_resistance_MOhm = slope * 1000.0; /* mV/pA = GΩ */
    c->input_resistance_r = r;
}

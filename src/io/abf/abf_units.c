/* Units and clamp modes. Callers of the Recording interface see mV and pA only: prefixed voltage and current units
 * are always converted; bare "V" and "A" only on telegraphed amplifier channels (membrane signals), because
 * auxiliary inputs (temperature probes, stimulus monitors) are commonly labelled "V" and must keep their own unit. */
#include <stdio.h>
#include <string.h>

#include "io/abf/abf_internal.h"

typedef struct unit_rule {
    const char *unit;
    double scale;
    const char *to;
    bool bare; /* converted only when the caller allows bare units */
} unit_rule;

static const unit_rule rules[] = {
    {"mV", 1.0, "mV", false},  {"uV", 1e-3, "mV", false}, {"\u00b5V", 1e-3, "mV", false}, {"V", 1e3, "mV", true},
    {"pA", 1.0, "pA", false},  {"nA", 1e3, "pA", false},  {"uA", 1e6, "pA", false},       {"\u00b5A", 1e6, "pA", false},
    {"fA", 1e-3, "pA", false}, {"A", 1e12, "pA", true},
};

bool abf_unit_to_mv_pa(const char *unit, bool convert_bare, double *scale, char *out_unit, size_t out_size)
{
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        if (strcmp(unit, rules[i].unit) != 0 || (rules[i].bare && !convert_bare))
            continue;
        *scale = rules[i].scale;
        snprintf(out_unit, out_size, "%s", rules[i].to);
        return true;
    }
    *scale = 1.0;
    snprintf(out_unit, out_size, "%s", unit);
    return false;
}

static pl_clamp clamp_of_response(const char *unit)
{
    if (strcmp(unit, "mV") == 0)
        return PL_CLAMP_CURRENT; /* recording the membrane potential: current is clamped */
    if (strcmp(unit, "pA") == 0)
        return PL_CLAMP_VOLTAGE;
    return PL_CLAMP_UNKNOWN;
}

static pl_clamp clamp_of_command(const char *unit)
{
    if (strcmp(unit, "pA") == 0)
        return PL_CLAMP_CURRENT;
    if (strcmp(unit, "mV") == 0)
        return PL_CLAMP_VOLTAGE;
    return PL_CLAMP_UNKNOWN;
}

/* The clamp the played commands imply: every enabled DAC in pA (current clamp) or every one in mV (voltage clamp). */
static pl_clamp clamp_of_commands(const abf_header *h)
{
    pl_clamp c = PL_CLAMP_UNKNOWN;
    for (int i = 0; i < h->n_dac; i++) {
        const abf_dac *d = &h->dac[i];
        if (!d->waveform_enabled || d->waveform_source == 0)
            continue;
        if (d->clamp == PL_CLAMP_UNKNOWN)
            continue; /* a piezo or pressure command says nothing about the clamp */
        if (c != PL_CLAMP_UNKNOWN && c != d->clamp)
            return PL_CLAMP_UNKNOWN;
        c = d->clamp;
    }
    return c;
}

/* Without played commands: the amplifier's telegraphed outputs, when they agree (a telegraphed pA output means the
 * amplifier clamps voltage, a telegraphed mV output that it clamps current). */
static pl_clamp clamp_of_telegraphed(const abf_header *h)
{
    pl_clamp c = PL_CLAMP_UNKNOWN;
    for (int i = 0; i < h->n_adc; i++) {
        const abf_adc *a = &h->adc[i];
        if (!a->telegraph_enabled || a->clamp == PL_CLAMP_UNKNOWN)
            continue;
        if (c != PL_CLAMP_UNKNOWN && c != a->clamp)
            return PL_CLAMP_UNKNOWN;
        c = a->clamp;
    }
    return c;
}

void abf_assign_units(abf_header *h)
{
    for (int i = 0; i < h->n_dac; i++) {
        abf_dac *d = &h->dac[i];
        abf_unit_to_mv_pa(d->file_unit, true, &d->unit_scale, d->unit, sizeof d->unit);
        d->clamp = clamp_of_command(d->unit);
    }
    /* A mV response is a current-clamp recording and a pA response a voltage-clamp one, unless the played commands
     * (or, without any, the telegraphed amplifier outputs) say otherwise: then the channel monitors the command (a pA
     * channel under current commands is the injected current, a mV channel under voltage commands the command
     * potential) and takes the file's clamp. The telegraphed amplifier mode code is not used: its codes differ
     * between amplifiers and contradict the signals in real files. */
    for (int i = 0; i < h->n_adc; i++) {
        abf_adc *a = &h->adc[i];
        abf_unit_to_mv_pa(a->file_unit, a->telegraph_enabled, &a->unit_scale, a->unit, sizeof a->unit);
        a->clamp = clamp_of_response(a->unit);
    }
    pl_clamp file = clamp_of_commands(h);
    if (file == PL_CLAMP_UNKNOWN)
        file = clamp_of_telegraphed(h);
    for (int i = 0; i < h->n_adc; i++)
        if (h->adc[i].clamp != PL_CLAMP_UNKNOWN && file != PL_CLAMP_UNKNOWN)
            h->adc[i].clamp = file;
}

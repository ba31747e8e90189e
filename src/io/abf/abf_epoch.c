/* Stimulus synthesis from the epoch table, as Clampex plays it: the first 1/64 of every sweep holds (at the holding
 * level, or at the previous sweep's last level when "use last epoch level" is set), then each enabled epoch in turn
 * with its per-sweep level and duration increments, then the rest of the sweep at holding (or the last level).
 * Steps, ramps (linear from the previous level), rectangular, triangular, cosine and biphasic trains are drawn;
 * digital outputs are ignored. Values are computed per sample, so any range of a sweep costs no buffer. */
#include <math.h>
#include <string.h>

#include "io/abf/abf_internal.h"

typedef struct segment {
    int64_t p1, p2; /* [p1, p2) in samples of the sweep */
    int64_t len;    /* the epoch's own length (p2 - p1 unless the sweep ends first): ramps keep their slope */
    int type;
    double level, before; /* level of this segment and of the one before it */
    int64_t period, width;
} segment;

bool abf_dac_synthesisable(const abf_header *h, const abf_dac *d, const char **why)
{
    *why = NULL;
    if (!d->waveform_enabled || d->waveform_source == 0)
        return false;
    if (h->mode != ABF_MODE_EPISODIC) {
        *why = "no epoch waveform is played outside episodic stimulation mode";
        return false;
    }
    if (d->waveform_source == 2) {
        *why = "from waveform file (not synthesised)";
        return false;
    }
    if (d->waveform_source != 1) {
        *why = "unknown waveform source (not synthesised)";
        return false;
    }
    if (h->user_list_enabled) {
        *why = "from a user list (not synthesised)";
        return false;
    }
    /* Unfilled header fields read as huge floats: a command of a million mV or pA is corruption, not a protocol. */
    bool sane = isfinite(d->holding) && fabs(d->holding) <= 1e6;
    for (int e = 0; e < d->n_epochs; e++)
        if (d->epochs[e].type != 0)
            sane = sane && isfinite(d->epochs[e].level) && fabs(d->epochs[e].level) <= 1e6 &&
                   isfinite(d->epochs[e].level_inc) && fabs(d->epochs[e].level_inc) <= 1e6;
    if (!sane) {
        *why = "corrupt holding or epoch levels (not synthesised)";
        return false;
    }
    return true;
}

static double sweep_level(const abf_epoch *e, int64_t sweep)
{
    return e->level + e->level_inc * (double)sweep;
}

static int64_t sweep_duration(const abf_epoch *e, int64_t sweep)
{
    double d = (double)e->duration + (double)e->duration_inc * (double)sweep;
    return d < 0 ? 0 : d > 4e18 ? (int64_t)4e18 : (int64_t)d;
}

/* The last enabled epoch's level in a sweep, or the holding level when there is none. */
static double last_level(const abf_dac *d, int64_t sweep)
{
    double level = d->holding;
    for (int e = 0; e < d->n_epochs; e++)
        if (d->epochs[e].type != 0)
            level = sweep_level(&d->epochs[e], sweep);
    return level;
}

static int build_segments(const abf_dac *d, int64_t sweep, int64_t frames, segment *seg)
{
    double pre = d->inter_episode_last && sweep > 0 ? last_level(d, sweep - 1) : d->holding;
    int n = 0;
    int64_t pos = frames / 64;
    seg[n++] = (segment){0, pos, pos, 1, pre, pre, 0, 0};
    for (int e = 0; e < d->n_epochs; e++) {
        const abf_epoch *ep = &d->epochs[e];
        if (ep->type == 0)
            continue;
        int64_t dur = sweep_duration(ep, sweep);
        int64_t end = dur > frames - pos ? frames : pos + dur;
        seg[n] = (segment){
            pos, end, dur, ep->type, sweep_level(ep, sweep), seg[n - 1].level, ep->pulse_period, ep->pulse_width};
        n++;
        pos = end;
    }
    double post = d->inter_episode_last ? seg[n - 1].level : d->holding;
    if (n == 1)
        post = d->inter_episode_last ? pre : d->holding;
    seg[n++] = (segment){pos, frames, frames - pos, 1, post, post, 0, 0};
    return n;
}

static double ramp(double a, double b, int64_t k, int64_t n)
{
    return n > 1 ? a + (b - a) * (double)k / (double)(n - 1) : b;
}

/* Value at sample k of a segment (k counted from the segment start). */
static double segment_value(const segment *s, int64_t k)
{
    int64_t n = s->len;
    double delta = s->level - s->before;
    int64_t pulses = s->period > 0 ? n / s->period : 0;
    int64_t in = s->period > 0 ? k % s->period : 0;
    bool in_train = s->period > 0 && k / s->period < pulses;
    switch (s->type) {
    case 2: return ramp(s->before, s->level, k, n);
    case 3: return in_train && in < s->width ? s->level : s->before;
    case 4:
        if (!in_train)
            return s->before;
        if (in < s->width)
            return ramp(s->before, s->level, in, s->width);
        return ramp(s->level, s->before, in - s->width, s->period - s->width);
    case 5: {
        if (pulses == 0)
            return s->before;
        double phase = n > 1 ? 2.0 * M_PI * (double)pulses * (double)k / (double)(n - 1) : 0.0;
        return s->before + delta / 2.0 + cos(phase + M_PI) * delta / 2.0;
    }
    case 7:
        if (!in_train || in >= s->width)
            return s->before;
        return in < s->width / 2 ? s->before + delta : s->before - delta;
    default: return s->level; /* step, and epoch types we do not draw (resistance, slope) as steps */
    }
}

void abf_stimulus_values(const abf_header *h, const abf_dac *d, int64_t sweep, int64_t frames, int64_t first,
                         size_t count, double *out)
{
    (void)h;
    segment seg[ABF_MAX_EPOCHS + 2];
    int n = build_segments(d, sweep, frames, seg);
    int s = 0;
    for (size_t i = 0; i < count; i++) {
        int64_t k = first + (int64_t)i;
        while (s < n - 1 && k >= seg[s].p2)
            s++;
        out[i] = segment_value(&seg[s], k - seg[s].p1) * d->unit_scale;
    }
}

/* pl_recording_describe: a recording's facts as JSON through the generic Recording interface only, so it describes
 * every format a reader exists for. */
#include <stdio.h>
#include <string.h>

#include "plateau/describe.h"
#include "plateau/mem.h"

static void set_text(json_t *o, const char *key, const char *value)
{
    json_object_set_new(o, key, json_string(value ? value : ""));
}

static json_t *describe_meta(const pl_recording_meta *m)
{
    json_t *o = json_object();
    set_text(o, "identifier", m->identifier);
    set_text(o, "session_start_time", m->session_start_time);
    set_text(o, "session_description", m->session_description);
    set_text(o, "lab", m->lab);
    set_text(o, "institution", m->institution);
    set_text(o, "experiment_description", m->experiment_description);
    set_text(o, "keywords", m->keywords);
    set_text(o, "protocol", m->protocol);
    json_t *subject = json_object();
    set_text(subject, "subject_id", m->subject_id);
    set_text(subject, "species", m->species);
    set_text(subject, "age", m->age);
    set_text(subject, "sex", m->sex);
    set_text(subject, "genotype", m->genotype);
    json_object_set_new(o, "subject", subject);
    json_t *extra = json_loads(m->extra_json[0] ? m->extra_json : "{}", 0, NULL);
    json_object_set_new(o, "extra", extra ? extra : json_object());
    return o;
}

static json_t *describe_series(size_t index, const pl_series_info *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "index", json_integer((json_int_t)index));
    set_text(o, "name", s->name);
    set_text(o, "location", s->location);
    set_text(o, "type", s->type);
    set_text(o, "role", pl_role_name(s->role));
    set_text(o, "clamp", pl_clamp_name(s->clamp));
    set_text(o, "unit", s->unit);
    json_object_set_new(o, "rate_hz", json_real(s->rate_hz));
    json_object_set_new(o, "samples", json_integer(s->n_samples));
    json_object_set_new(o, "sweep", json_integer(s->sweep));
    json_object_set_new(o, "channel", json_integer(s->channel));
    json_object_set_new(o, "start_time_s", json_real(s->start_time_s));
    json_object_set_new(o, "duration_s", s->rate_hz > 0 ? json_real((double)s->n_samples / s->rate_hz) : json_null());
    json_object_set_new(o, "has_timestamps", json_boolean(s->has_timestamps));
    set_text(o, "stimulus", s->stimulus);
    set_text(o, "note", s->note);
    return o;
}

/* Distinct sweeps per clamp mode and the protocol type: "mixed" when both current and voltage clamp occur. */
static json_t *describe_totals(const pl_recording *r)
{
    size_t n = pl_recording_series_count(r);
    int64_t samples = 0, responses = 0, stimuli = 0, per_clamp[4] = {0};
    int64_t sweeps = 0;
    for (size_t i = 0; i < n; i++) {
        const pl_series_info *s = pl_recording_series(r, i);
        samples += s->n_samples;
        if (s->role == PL_ROLE_STIMULUS)
            stimuli++;
        else
            responses++;
        /* Series are sorted by sweep, so a new sweep starts where the number changes. */
        bool new_sweep = i == 0 || pl_recording_series(r, i - 1)->sweep != s->sweep || s->sweep < 0;
        if (new_sweep) {
            sweeps++;
            if ((unsigned)s->clamp < 4)
                per_clamp[s->clamp]++;
        }
    }
    json_t *o = json_object();
    json_object_set_new(o, "series", json_integer((json_int_t)n));
    json_object_set_new(o, "responses", json_integer(responses));
    json_object_set_new(o, "stimuli", json_integer(stimuli));
    json_object_set_new(o, "samples", json_integer(samples));
    json_object_set_new(o, "sweeps", json_integer(sweeps));
    json_t *clamps = json_object();
    for (int c = 0; c < 4; c++)
        if (per_clamp[c])
            json_object_set_new(clamps, pl_clamp_name((pl_clamp)c), json_integer(per_clamp[c]));
    json_object_set_new(o, "sweeps_by_clamp", clamps);
    bool mixed = per_clamp[PL_CLAMP_VOLTAGE] && (per_clamp[PL_CLAMP_CURRENT] || per_clamp[PL_CLAMP_IZERO]);
    set_text(o, "protocol", mixed ? "mixed" : "single");
    return o;
}

static json_t *describe_memory(const pl_recording *r)
{
    size_t reader = pl_recording_memory_need(r);
    size_t block = PL_DESCRIBE_READ_BLOCK_SAMPLES * 2 * sizeof(double); /* values and times */
    json_t *o = json_object();
    json_object_set_new(o, "reader_bytes", json_integer((json_int_t)reader));
    json_object_set_new(o, "read_block_bytes", json_integer((json_int_t)block));
    json_object_set_new(o, "total_bytes", json_integer((json_int_t)(reader + block)));
    char text[32];
    set_text(o, "total", pl_format_size((double)(reader + block), text, sizeof text));
    return o;
}

pl_status pl_recording_describe_open(pl_recording *r, json_t **out, pl_error *err)
{
    (void)err;
    const pl_recording_meta *m = pl_recording_get_meta(r);
    json_t *o = json_object();
    set_text(o, "path", pl_recording_path(r));
    set_text(o, "format", m->format);
    set_text(o, "format_version", m->format_version);
    json_object_set_new(o, "metadata", describe_meta(m));
    json_t *series = json_array();
    for (size_t i = 0; i < pl_recording_series_count(r); i++)
        json_array_append_new(series, describe_series(i, pl_recording_series(r, i)));
    json_object_set_new(o, "series", series);
    json_object_set_new(o, "totals", describe_totals(r));
    json_object_set_new(o, "memory", describe_memory(r));
    *out = o;
    return PL_OK;
}

pl_status pl_recording_describe(const char *path, json_t **out, pl_error *err)
{
    *out = NULL;
    pl_recording *r = NULL;
    pl_status st = pl_recording_open(path, &r, err);
    if (st != PL_OK)
        return st;
    st = pl_recording_describe_open(r, out, err);
    pl_recording_close(r);
    return st;
}

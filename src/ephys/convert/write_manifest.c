/* manifest.json of a bundle: what the tables hold, where they came from, and the protocol of every sweep.
 * Deliberately free of wall-clock times, so that a re-run writes the same bytes. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ephys/convert/plan.h"
#include "plateau/metadata_log.h"
#include "plateau/version.h"

static json_t *str_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static json_t *metadata(const pl_recording *rec, const pl_bundle_plan *plan)
{
    const pl_recording_meta *m = pl_recording_get_meta(rec);
    json_t *subject =
        json_pack("{s:o,s:o,s:o,s:o,s:o}", "subject_id", str_or_null(m->subject_id), "species", str_or_null(m->species),
                  "age", str_or_null(m->age), "sex", str_or_null(m->sex), "genotype", str_or_null(m->genotype));
    json_t *rates = json_array();
    for (size_t i = 0; i < plan->n; i++) {
        double r = pl_recording_series(rec, plan->series[i].index)->rate_hz;
        bool seen = false;
        for (size_t k = 0; k < json_array_size(rates); k++)
            seen |= json_real_value(json_array_get(rates, k)) == r;
        if (!seen)
            json_array_append_new(rates, json_real(r));
    }
    return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "identifier", str_or_null(m->identifier),
                     "session_start_time", str_or_null(m->session_start_time), "session_description",
                     str_or_null(m->session_description), "lab", str_or_null(m->lab), "institution",
                     str_or_null(m->institution), "experiment_description", str_or_null(m->experiment_description),
                     "keywords", str_or_null(m->keywords), "subject", subject, "sampleRate_Hz", rates);
}

static json_t *tables(const pl_bundle_options *o, const pl_bundle_plan *plan, json_t **plots)
{
    json_t *list = json_array();
    *plots = json_array();
    for (int t = 0; t < N_TABLES; t++) {
        const bundle_table *bt = &plan->tables[t];
        if (!bt->used)
            continue;
        json_t *cols = json_pack("[s,s,s,s,s]", "sweep", "t_s", "value", "unit", "rate_Hz");
        if (bt->multi_channel) {
            json_array_append_new(cols, json_string("channel"));
            json_array_append_new(cols, json_string("series"));
        }
        json_array_append_new(list,
                              json_pack("{s:s,s:s,s:I,s:i,s:o,s:s}", "name", pl_bundle_table_kind[t], "file", bt->file,
                                        "rows", (json_int_t)bt->rows, "sweeps", bt->n_panels, "columns", cols,
                                        "sorted_by", bt->multi_channel ? "sweep, channel, series, t_s" : "sweep, t_s"));
        if (o->plots) {
            char name[400];
            snprintf(name, sizeof name, "%s_%s_sweeps.%s", pl_bundle_table_kind[t], plan->cell,
                     o->plot_format ? o->plot_format : "png");
            json_array_append_new(*plots, json_string(name));
        }
    }
    return list;
}

static json_t *protocols(const pl_recording *rec, const pl_bundle_plan *plan)
{
    json_t *sweeps = json_object();
    for (size_t i = 0; i < plan->n; i++) {
        const bundle_series *b = &plan->series[i];
        const pl_series_info *s = pl_recording_series(rec, b->index);
        char key[32];
        snprintf(key, sizeof key, "%d", (int)b->sweep);
        json_t *sw = json_object_get(sweeps, key);
        if (!sw) {
            sw = json_pack("{s:s,s:f,s:I,s:f,s:o,s:[]}", "clamp_mode", pl_clamp_name(s->clamp), "rate_Hz", s->rate_hz,
                           "samples", (json_int_t)s->n_samples, "start_time_s", s->start_time_s, "stimulus_name",
                           str_or_null(s->stimulus), "series");
            json_object_set_new(sweeps, key, sw);
        }
        /* The sweep's clamp mode is its response's (a stimulus series states the mode it drives). */
        if (s->role == PL_ROLE_RESPONSE) {
            json_object_set_new(sw, "clamp_mode", json_string(pl_clamp_name(s->clamp)));
            json_object_set_new(sw, "rate_Hz", json_real(s->rate_hz));
            json_object_set_new(sw, "samples", json_integer(s->n_samples));
            json_object_set_new(sw, "start_time_s", json_real(s->start_time_s));
        }
        if (s->stimulus[0] && json_is_null(json_object_get(sw, "stimulus_name")))
            json_object_set_new(sw, "stimulus_name", json_string(s->stimulus));
        json_t *one = json_pack("{s:s,s:s,s:s,s:s,s:i,s:I,s:f,s:f}", "name", s->name, "type", s->type, "role",
                                pl_role_name(s->role), "unit", s->unit, "channel", (int)s->channel, "samples",
                                (json_int_t)s->n_samples, "rate_Hz", s->rate_hz, "start_time_s", s->start_time_s);
        if (s->note[0])
            json_object_set_new(one, "note", json_string(s->note));
        json_array_append_new(json_object_get(sw, "series"), one);
    }
    return sweeps;
}

/* The metadata log row matching this recording: {"source", "sheet", "row", "fields", "sha256"}, or NULL. */
static json_t *metadata_log_row(const pl_bundle_options *o, const pl_batch_input *in)
{
    pl_metadata_match m;
    pl_metadata_log_match(o->metadata, in->rel, &m);
    if (m.kind != PL_META_MATCHED)
        return NULL;
    json_t *fields = json_loads(m.fields_json, 0, NULL);
    if (!fields)
        return NULL;
    return json_pack("{s:s,s:s,s:I,s:o,s:s}", "source", pl_metadata_log_path(o->metadata), "sheet",
                     pl_metadata_log_sheet(o->metadata), "row", (json_int_t)m.row, "fields", fields, "sha256", m.hash);
}

json_t *pl_bundle_manifest(const pl_bundle_options *o, pl_recording *rec, const pl_bundle_plan *plan,
                           const pl_batch_input *in)
{
    const pl_recording_meta *m = pl_recording_get_meta(rec);
    json_t *plots;
    json_t *tabs = tables(o, plan, &plots);
    json_error_t jerr;
    json_t *extra = json_loads(m->extra_json[0] ? m->extra_json : "{}", 0, &jerr);
    if (!extra)
        extra = json_object();
    const char *rule = plan->cell_k
                           ? "<subject_id>_<k>: k = position of the file among the recordings of its folder, by name"
                           : "no subject_id in the file: the cell is named after the file";
    json_t *root = json_pack(
        "{s:s,s:b,s:s,s:s,s:{s:o,s:i,s:s},s:{s:s,s:s,s:s,s:o,s:I,s:s},s:s,s:b,s:o,s:o,s:o,s:o,s:o}", "plateau_version",
        PLATEAU_VERSION, "complete", 1, "file_id", m->identifier[0] ? m->identifier : plan->cell, "cell", plan->cell,
        "cell_naming", "subject_id", str_or_null(plan->subject), "k", plan->cell_k, "rule", rule, "source", "path",
        in->path, "relative_path", in->rel, "format", m->format, "format_version", str_or_null(m->format_version),
        "size", (json_int_t)in->size, "sha256", in->content_hash, "protocol_type", plan->mixed ? "mixed" : "single",
        "sweep_numbers_invented", plan->sweeps_invented, "tables", tabs, "plots", plots, "metadata",
        metadata(rec, plan), "format_specific", extra, "protocols", protocols(rec, plan));
    json_t *log_row = root ? metadata_log_row(o, in) : NULL;
    if (log_row)
        json_object_set_new(root, "metadata_log", log_row);
    return root;
}

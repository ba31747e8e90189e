/* File-level metadata of an NWB file into pl_recording_meta (NWB 2.x and the 1.x layout share the same paths). */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "io/nwb/nwb_internal.h"

#define TEXT(file, path, field) nwb_h5_dataset_string(file, path, ", ", field, sizeof field)

/* Format-specific facts the common fields have no place for: experimenters, session id, creation date,
 * extension namespaces. */
static void extra_facts(hid_t file, pl_recording_meta *m)
{
    json_t *o = json_object();
    char buf[1024];
    static const struct {
        const char *path, *key;
    } facts[] = {
        {"/general/experimenter", "experimenter"},
        {"/general/session_id", "session_id"},
        {"/file_create_date", "file_create_date"},
        {"/timestamps_reference_time", "timestamps_reference_time"},
        {"/general/subject/description", "subject_description"},
        {"/general/subject/date_of_birth", "date_of_birth"},
        {"/general/subject/strain", "strain"},
        {"/general/subject/weight", "weight"},
    };
    for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++)
        if (nwb_h5_dataset_string(file, facts[i].path, ", ", buf, sizeof buf) && buf[0])
            json_object_set_new(o, facts[i].key, json_string(buf));
    if (nwb_h5_attr_string(file, "/", "namespace", NULL, buf, sizeof buf) && buf[0])
        json_object_set_new(o, "namespace", json_string(buf));
    char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    if (text && strlen(text) < sizeof m->extra_json)
        snprintf(m->extra_json, sizeof m->extra_json, "%s", text);
    free(text); /* jansson's own allocation */
    json_decref(o);
}

/* "2019-07-03T14:05:12-07:00": the interface promises ISO 8601 or nothing; a date must at least start the text. */
static bool looks_iso8601(const char *t)
{
    for (int i = 0; i < 10; i++) {
        bool dash = i == 4 || i == 7;
        if (dash ? t[i] != '-' : !isdigit((unsigned char)t[i]))
            return false;
    }
    return t[10] == 0 || t[10] == 'T' || t[10] == ' ';
}

void nwb_read_meta(hid_t file, bool v1, pl_recording_meta *m)
{
    (void)v1;
    snprintf(m->format, sizeof m->format, "NWB");
    TEXT(file, "/identifier", m->identifier);
    TEXT(file, "/session_start_time", m->session_start_time);
    if (!looks_iso8601(m->session_start_time))
        m->session_start_time[0] = 0;
    TEXT(file, "/session_description", m->session_description);
    TEXT(file, "/general/lab", m->lab);
    TEXT(file, "/general/institution", m->institution);
    TEXT(file, "/general/experiment_description", m->experiment_description);
    TEXT(file, "/general/keywords", m->keywords);
    TEXT(file, "/general/subject/subject_id", m->subject_id);
    TEXT(file, "/general/subject/species", m->species);
    TEXT(file, "/general/subject/age", m->age);
    TEXT(file, "/general/subject/sex", m->sex);
    TEXT(file, "/general/subject/genotype", m->genotype);
    TEXT(file, "/general/protocol", m->protocol);
    extra_facts(file, m);
}

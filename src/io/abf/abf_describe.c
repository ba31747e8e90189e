/* What a caller sees of an ABF file: metadata (with ABF facts in extra_json) and the series list, one response per
 * (sweep, ADC) and one synthesised stimulus per (sweep, DAC whose epoch table is played). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "io/abf/abf_internal.h"
#include "plateau/mem.h"
#include "plateau/progress.h"

typedef struct jbuf {
    char *buf;
    size_t size, len;
    bool full;
} jbuf;

static void jput(jbuf *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void jput(jbuf *j, const char *fmt, ...)
{
    if (j->full)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(j->buf + j->len, j->size - j->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= j->size - j->len) {
        j->full = true;
        j->buf[j->len] = '\0';
        return;
    }
    j->len += (size_t)n;
}

static void jstr(jbuf *j, const char *key, const char *value)
{
    char q[1100];
    if (pl_json_quote(value, q, sizeof q) < 0)
        snprintf(q, sizeof q, "\"\"");
    jput(j, "%s\"%s\":%s", j->len > 1 ? "," : "", key, q);
}

static const char *mode_name(int mode)
{
    switch (mode) {
    case ABF_MODE_GAPFREE: return "gapfree";
    case ABF_MODE_VARIABLE: return "variable";
    case ABF_MODE_FIXED: return "fixed-length events";
    case ABF_MODE_HIGHSPEED: return "high-speed oscilloscope";
    default: return "episodic";
    }
}

/* Protocol name: the file name of the protocol path without its folder and ".pro". */
static void protocol_name(const char *path, char *out, size_t size)
{
    const char *base = path;
    for (const char *p = path; *p; p++)
        if (*p == '\\' || *p == '/')
            base = p + 1;
    snprintf(out, size, "%s", base);
    size_t n = strlen(out);
    if (n > 4 && strcmp(out + n - 4, ".pro") == 0)
        out[n - 4] = '\0';
}

static void json_channels(jbuf *j, const abf_header *h)
{
    jput(j, ",\"channels\":[");
    for (int i = 0; i < h->n_adc; i++) {
        const abf_adc *a = &h->adc[i];
        char name[100], unit[40], funit[40];
        pl_json_quote(a->name, name, sizeof name);
        pl_json_quote(a->unit, unit, sizeof unit);
        pl_json_quote(a->file_unit, funit, sizeof funit);
        jput(j,
             "%s{\"adc\":%d,\"name\":%s,\"unit\":%s,\"file_unit\":%s,\"scale_to_unit\":%g,\"clamp\":\"%s\","
             "\"telegraph\":%s,\"telegraph_mode\":%d}",
             i ? "," : "", a->adc_num, name, unit, funit, a->unit_scale, pl_clamp_name(a->clamp),
             a->telegraph_enabled ? "true" : "false", a->telegraph_mode);
    }
    jput(j, "],\"dacs\":[");
    int k = 0;
    for (int i = 0; i < h->n_dac; i++) {
        const abf_dac *d = &h->dac[i];
        if (!d->waveform_enabled || d->waveform_source == 0)
            continue;
        const char *why;
        bool synth = abf_dac_synthesisable(h, d, &why);
        char name[100], unit[40], file[600], how[200];
        pl_json_quote(d->name, name, sizeof name);
        pl_json_quote(d->unit, unit, sizeof unit);
        pl_json_quote(d->waveform_source == 2 ? d->file_path : "", file, sizeof file);
        pl_json_quote(synth ? "synthesised from epoch table" : why ? why : "none", how, sizeof how);
        jput(j,
             "%s{\"dac\":%d,\"name\":%s,\"unit\":%s,\"scale_to_unit\":%g,\"holding\":%g,\"stimulus\":%s,"
             "\"waveform_file\":%s}",
             k++ ? "," : "", d->dac_num, name, unit, d->unit_scale, d->holding * d->unit_scale, how, file);
    }
    jput(j, "]");
}

/* Tags (comments, time marks) with their times; listed while they fit, all counted. */
static pl_status json_tags(jbuf *j, const abf_file *f, pl_error *err)
{
    const abf_header *h = &f->h;
    double unit = h->tag_unit_s > 0 ? h->tag_unit_s : h->interval_us * 1e-6 / h->n_adc;
    jput(j, ",\"tag_count\":%lld,\"tags\":[", (long long)h->tag_count);
    for (int64_t i = 0; i < h->tag_count && i < ABF_MAX_TAGS; i++) {
        unsigned char t[64];
        pl_status st = abf_src_read(&f->src, h->tag_offset + (uint64_t)i * 64, t, sizeof t, "tag section", err);
        if (st != PL_OK)
            return st;
        char comment[200], q[420];
        abf_text(comment, sizeof comment, t + 4, 56);
        pl_json_quote(comment, q, sizeof q);
        if (j->size - j->len < 600)
            break; /* keep room for the closing fields */
        jput(j, "%s{\"time_s\":%.9g,\"comment\":%s,\"type\":%d}", i ? "," : "", abf_i32(t) * unit, q, abf_i16(t + 60));
    }
    jput(j, "]");
    return PL_OK;
}

static const char *stimulus_summary(const abf_header *h)
{
    const char *summary = "none";
    for (int i = 0; i < h->n_dac; i++) {
        const char *why;
        if (abf_dac_synthesisable(h, &h->dac[i], &why))
            return "synthesised from epoch table";
        if (why && h->mode == ABF_MODE_EPISODIC)
            summary = why;
    }
    return summary;
}

static pl_status describe_meta(pl_recording *r, abf_file *f, const char *stem, pl_error *err)
{
    const abf_header *h = &f->h;
    pl_recording_meta *m = &r->meta;
    snprintf(m->format, sizeof m->format, "ABF");
    snprintf(m->format_version, sizeof m->format_version, "%s", h->version);
    snprintf(m->identifier, sizeof m->identifier, "%s", stem);
    snprintf(m->session_start_time, sizeof m->session_start_time, "%s", h->session_start);
    snprintf(m->session_description, sizeof m->session_description, "%s", h->comment);
    snprintf(m->protocol, sizeof m->protocol, "%s", h->protocol_path);
    char proto[256];
    protocol_name(h->protocol_path, proto, sizeof proto);
    jbuf j = {m->extra_json, sizeof m->extra_json, 0, false};
    jput(&j, "{");
    jstr(&j, "abf_version", h->version);
    jstr(&j, "protocol", proto);
    jstr(&j, "protocol_path", h->protocol_path);
    jstr(&j, "guid", h->guid);
    jstr(&j, "creator", h->creator);
    jstr(&j, "comment", h->comment);
    jstr(&j, "mode", mode_name(h->mode));
    jstr(&j, "data_format", h->float_data ? "float32" : "int16");
    jput(&j, ",\"sweeps\":%lld,\"rate_hz\":%.9g", (long long)f->n_sweeps, 1e6 / h->interval_us);
    jstr(&j, "stimulus", stimulus_summary(h));
    if (h->user_list_enabled)
        jstr(&j, "user_list_parameter", h->user_list_param);
    json_channels(&j, h);
    pl_status st = json_tags(&j, f, err);
    jput(&j, "}");
    if (j.full) /* never leave half an object: fall back to the essentials */
        snprintf(m->extra_json, sizeof m->extra_json, "{\"abf_version\":\"%s\",\"mode\":\"%s\",\"truncated\":true}",
                 h->version, mode_name(h->mode));
    return st;
}

static void describe_response(pl_series_info *s, const abf_file *f, int64_t sw, int c, const char *proto,
                              const char *note)
{
    const abf_adc *a = &f->h.adc[c];
    snprintf(s->name, sizeof s->name, "sweep %lld IN %d", (long long)sw, a->adc_num);
    snprintf(s->location, sizeof s->location, "ADC %d (%s)", a->adc_num, a->name);
    snprintf(s->type, sizeof s->type, "ADC");
    s->role = PL_ROLE_RESPONSE;
    s->clamp = a->clamp;
    snprintf(s->unit, sizeof s->unit, "%s", a->unit);
    s->channel = a->adc_num;
    snprintf(s->stimulus, sizeof s->stimulus, "%s", proto);
    snprintf(s->note, sizeof s->note, "%s", note);
}

static void describe_stimulus(pl_series_info *s, const abf_file *f, int64_t sw, int c, const char *proto)
{
    const abf_dac *d = &f->h.dac[c];
    snprintf(s->name, sizeof s->name, "sweep %lld OUT %d", (long long)sw, d->dac_num);
    snprintf(s->location, sizeof s->location, "DAC %d (%s) epoch table", d->dac_num, d->name);
    snprintf(s->type, sizeof s->type, "DAC");
    s->role = PL_ROLE_STIMULUS;
    s->clamp = d->clamp;
    snprintf(s->unit, sizeof s->unit, "%s", d->unit);
    s->channel = d->dac_num;
    snprintf(s->stimulus, sizeof s->stimulus, "%s", proto);
    snprintf(s->note, sizeof s->note, "stimulus synthesised from the epoch table");
}

static void response_note(const abf_header *h, char *note, size_t size)
{
    note[0] = '\0';
    for (int i = 0; i < h->n_dac; i++) {
        const char *why;
        if (!abf_dac_synthesisable(h, &h->dac[i], &why) && why && h->mode == ABF_MODE_EPISODIC) {
            snprintf(note, size, "stimulus of DAC %d %s%s%s: only recorded channels are written", h->dac[i].dac_num,
                     why, h->dac[i].waveform_source == 2 ? ": " : "",
                     h->dac[i].waveform_source == 2 ? h->dac[i].file_path : "");
            return;
        }
    }
}

pl_status abf_describe(pl_recording *r, abf_file *f, pl_error *err)
{
    const abf_header *h = &f->h;
    int stim[ABF_MAX_DAC], n_stim = 0;
    for (int i = 0; i < h->n_dac; i++) {
        const char *why;
        if (abf_dac_synthesisable(h, &h->dac[i], &why))
            stim[n_stim++] = i;
    }
    f->stimulus_synthesised = n_stim > 0;
    size_t per = (size_t)h->n_adc + (size_t)n_stim;
    f->n_refs = (size_t)f->n_sweeps * per;
    r->series = pl_calloc(f->n_refs, sizeof *r->series, "ABF series list", err);
    f->refs = r->series ? pl_calloc(f->n_refs, sizeof *f->refs, "ABF series table", err) : NULL;
    if (!f->refs)
        return err ? err->code : PL_ENOMEM;
    r->n_series = f->n_refs;
    char proto[256], note[256];
    protocol_name(h->protocol_path, proto, sizeof proto);
    response_note(h, note, sizeof note);
    double rate = 1e6 / h->interval_us;
    size_t k = 0;
    for (int64_t sw = 0; sw < f->n_sweeps; sw++) {
        for (size_t c = 0; c < per; c++, k++) {
            pl_series_info *s = &r->series[k];
            bool dac = c >= (size_t)h->n_adc;
            int chan = dac ? stim[c - (size_t)h->n_adc] : (int)c;
            if (dac)
                describe_stimulus(s, f, sw, chan, proto);
            else
                describe_response(s, f, sw, chan, proto, note);
            s->rate_hz = rate;
            s->start_time_s = f->sweeps[sw].start_s;
            s->n_samples = f->sweeps[sw].frames;
            s->sweep = (int32_t)sw;
            f->refs[k] = (abf_series_ref){(uint32_t)sw, (uint8_t)chan, (uint8_t)dac};
        }
    }
    const char *stem = r->path;
    for (const char *p = r->path; *p; p++)
        if (*p == '/')
            stem = p + 1;
    char id[256];
    snprintf(id, sizeof id, "%s", stem);
    char *dot = strrchr(id, '.');
    if (dot && dot != id)
        *dot = '\0';
    return describe_meta(r, f, id, err);
}

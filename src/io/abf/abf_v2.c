/* ABF2 (pCLAMP 10+, "ABF2" magic): a 512-byte header with a map of sections (block index, entry size, entry count),
 * each section an array of fixed-size records; names and units live in an indexed strings section. Record layouts
 * follow Axon's ABF2 structures (protocol, ADC, DAC, epoch-per-DAC, user list, tag, strings). */
#include <stdio.h>
#include <string.h>

#include "io/abf/abf_internal.h"
#include "plateau/mem.h"

enum {
    S_PROTOCOL,
    S_ADC,
    S_DAC,
    S_EPOCH,
    S_ADCPERDAC,
    S_EPOCHPERDAC,
    S_USERLIST,
    S_STATSREGION,
    S_MATH,
    S_STRINGS,
    S_DATA,
    S_TAG,
    S_SCOPE,
    S_DELTA,
    S_VOICETAG,
    S_SYNCH,
    S_ANNOTATION,
    S_STATS,
    S_COUNT
};

typedef struct v2_section {
    uint64_t offset;
    uint32_t bytes; /* size of one entry */
    int64_t count;
} v2_section;

typedef struct v2_ctx {
    const abf_src *s;
    abf_header *h;
    v2_section sec[S_COUNT];
    char *strings; /* NUL-separated strings after the 44-byte strings header */
    size_t strings_len;
} v2_ctx;

static const char *const section_names[S_COUNT] = {
    "protocol", "ADC",  "DAC", "epoch", "ADC-per-DAC", "epoch-per-DAC", "user list",   "stats region", "math",
    "strings",  "data", "tag", "scope", "delta",       "voice tag",     "synch array", "annotation",   "stats"};

/* Every section must lie inside the file: entry size times count from its block. */
static pl_status v2_section_map(v2_ctx *c, const unsigned char *b, pl_error *err)
{
    for (int i = 0; i < S_COUNT; i++) {
        const unsigned char *p = b + 76 + 16 * i;
        v2_section *sec = &c->sec[i];
        sec->offset = (uint64_t)abf_u32(p) * ABF_BLOCK;
        sec->bytes = abf_u32(p + 4);
        sec->count = abf_i64(p + 8);
        if (sec->count < 0 || (sec->count > 0 && sec->bytes == 0))
            return pl_error_set(err, PL_EFORMAT, c->s->path,
                                "ABF2 %s section has an impossible size (%lld entries of %u bytes)", section_names[i],
                                (long long)sec->count, sec->bytes);
        if (i == S_DATA || sec->count == 0)
            continue; /* the data section is checked against the file once the sample size is known */
        if ((uint64_t)sec->count > c->s->size / sec->bytes || sec->offset > c->s->size ||
            (uint64_t)sec->count * sec->bytes > c->s->size - sec->offset)
            return pl_error_set(
                err, PL_EFORMAT, c->s->path,
                "ABF2 %s section (%lld entries of %u bytes at byte %llu) lies past the end of the file (%llu bytes)",
                section_names[i], (long long)sec->count, sec->bytes, (unsigned long long)sec->offset,
                (unsigned long long)c->s->size);
    }
    return PL_OK;
}

/* Reads entry i of a section into buf (zero-padded when the file's entries are shorter than `need`). */
static pl_status v2_entry(v2_ctx *c, int sec, int64_t i, unsigned char *buf, size_t need, pl_error *err)
{
    memset(buf, 0, need);
    const v2_section *s = &c->sec[sec];
    size_t n = s->bytes < need ? s->bytes : need;
    return abf_src_read(c->s, s->offset + (uint64_t)i * s->bytes, buf, n, section_names[sec], err);
}

/* String k (1-based) of the strings section, or "" when absent. */
static const char *v2_string(const v2_ctx *c, int64_t k)
{
    if (k < 1 || !c->strings)
        return "";
    size_t pos = 0;
    for (int64_t i = 1; i < k; i++) {
        size_t len = strnlen(c->strings + pos, c->strings_len - pos);
        pos += len + 1;
        if (pos >= c->strings_len)
            return "";
    }
    return c->strings + pos;
}

static void v2_copy_string(const v2_ctx *c, int64_t k, char *dst, size_t size)
{
    const char *s = v2_string(c, k);
    abf_text(dst, size, (const unsigned char *)s, strlen(s));
}

static pl_status v2_load_strings(v2_ctx *c, pl_error *err)
{
    const v2_section *s = &c->sec[S_STRINGS];
    if (s->count == 0 || s->bytes <= 44)
        return PL_OK;
    size_t n = s->bytes - 44; /* the first entry holds the indexed strings, after a 44-byte "SSCH" header */
    if (n > ((size_t)1 << 20))
        n = (size_t)1 << 20; /* names, units and paths: anything past the first MiB is not a string we use */
    c->strings = pl_alloc(n + 1, "ABF2 strings", err);
    if (!c->strings)
        return err ? err->code : PL_ENOMEM;
    pl_status st = abf_src_read(c->s, s->offset + 44, c->strings, n, "the strings section", err);
    c->strings[n] = '\0';
    c->strings_len = n + 1;
    return st;
}

static pl_status v2_protocol(v2_ctx *c, pl_error *err)
{
    abf_header *h = c->h;
    if (c->sec[S_PROTOCOL].count < 1)
        return pl_error_set(err, PL_EFORMAT, c->s->path, "ABF2 file has no protocol section");
    unsigned char p[160];
    pl_status st = v2_entry(c, S_PROTOCOL, 0, p, sizeof p, err);
    if (st != PL_OK)
        return st;
    h->mode = abf_i16(p + 0);
    h->interval_us = abf_f32(p + 2);
    h->synch_unit_us = abf_f32(p + 14);
    h->samples_per_episode = abf_i32(p + 22);
    h->start_to_start_s = abf_f32(p + 62);
    h->experiment_type = abf_i16(p + 126);
    v2_copy_string(c, abf_i32(p + 132), h->comment, sizeof h->comment);
    h->tag_unit_s = h->synch_unit_us * 1e-6;
    h->adc_range = abf_f32(p + 110);
    h->adc_resolution = abf_i32(p + 118);
    return PL_OK;
}

static pl_status v2_adcs(v2_ctx *c, pl_error *err)
{
    abf_header *h = c->h;
    int64_t n = c->sec[S_ADC].count;
    if (n < 1 || n > ABF_MAX_ADC)
        return pl_error_set(err, PL_EFORMAT, c->s->path, "ABF2 file has %lld ADC channels (expected 1..16)",
                            (long long)n);
    h->n_adc = (int)n;
    double base = h->adc_range / (double)h->adc_resolution;
    for (int i = 0; i < h->n_adc; i++) {
        unsigned char a[82];
        pl_status st = v2_entry(c, S_ADC, i, a, sizeof a, err);
        if (st != PL_OK)
            return st;
        abf_adc *adc = &h->adc[i];
        adc->adc_num = abf_i16(a + 0);
        double gain = base / abf_f32(a + 40) / abf_f32(a + 48) / abf_f32(a + 28);
        adc->telegraph_mode = -1;
        if (abf_i16(a + 2) == 1) {
            adc->telegraph_enabled = true;
            gain /= abf_f32(a + 6);
            adc->telegraph_mode = abf_i16(a + 18);
        }
        adc->gain = gain;
        adc->offset = (double)abf_f32(a + 44) - (double)abf_f32(a + 52);
        v2_copy_string(c, abf_i32(a + 74), adc->name, sizeof adc->name);
        v2_copy_string(c, abf_i32(a + 78), adc->file_unit, sizeof adc->file_unit);
    }
    return PL_OK;
}

static pl_status v2_dacs(v2_ctx *c, pl_error *err)
{
    abf_header *h = c->h;
    int64_t n = c->sec[S_DAC].count;
    h->n_dac = n > ABF_MAX_DAC ? ABF_MAX_DAC : (int)n;
    for (int i = 0; i < h->n_dac; i++) {
        unsigned char d[122];
        pl_status st = v2_entry(c, S_DAC, i, d, sizeof d, err);
        if (st != PL_OK)
            return st;
        abf_dac *dac = &h->dac[i];
        dac->dac_num = abf_i16(d + 0);
        dac->holding = abf_f32(d + 12);
        v2_copy_string(c, abf_i32(d + 24), dac->name, sizeof dac->name);
        v2_copy_string(c, abf_i32(d + 28), dac->file_unit, sizeof dac->file_unit);
        dac->waveform_enabled = abf_i16(d + 40) != 0;
        dac->waveform_source = abf_i16(d + 42);
        dac->inter_episode_last = abf_i16(d + 44) != 0;
        v2_copy_string(c, abf_i32(d + 118), dac->file_path, sizeof dac->file_path);
    }
    return PL_OK;
}

/* Epochs are stored per (DAC, epoch number), in any order. */
static pl_status v2_epochs(v2_ctx *c, pl_error *err)
{
    abf_header *h = c->h;
    for (int64_t i = 0; i < c->sec[S_EPOCHPERDAC].count; i++) {
        unsigned char e[30];
        pl_status st = v2_entry(c, S_EPOCHPERDAC, i, e, sizeof e, err);
        if (st != PL_OK)
            return st;
        int num = abf_i16(e + 0), dac = abf_i16(e + 2);
        if (num < 0 || num >= ABF_MAX_EPOCHS || dac < 0 || dac >= h->n_dac)
            continue; /* an epoch for a DAC or slot we do not have: ignore rather than guess */
        abf_dac *d = &h->dac[dac];
        abf_epoch *ep = &d->epochs[num];
        ep->type = abf_i16(e + 4);
        ep->level = abf_f32(e + 6);
        ep->level_inc = abf_f32(e + 10);
        ep->duration = abf_i32(e + 14);
        ep->duration_inc = abf_i32(e + 18);
        ep->pulse_period = abf_i32(e + 22);
        ep->pulse_width = abf_i32(e + 26);
        if (num + 1 > d->n_epochs)
            d->n_epochs = num + 1;
    }
    return PL_OK;
}

static pl_status v2_user_lists(v2_ctx *c, pl_error *err)
{
    for (int64_t i = 0; i < c->sec[S_USERLIST].count && i < 64; i++) {
        unsigned char u[8];
        pl_status st = v2_entry(c, S_USERLIST, i, u, sizeof u, err);
        if (st != PL_OK)
            return st;
        /* pyABF and Clampfit files show nULEnable left at 0 on lists in use: a parameter to vary marks one too */
        if (abf_i16(u + 2) != 0 || abf_i16(u + 4) > 0) {
            c->h->user_list_enabled = true;
            snprintf(c->h->user_list_param, sizeof c->h->user_list_param, "%d", abf_i16(u + 4));
        }
    }
    return PL_OK;
}

static void v2_date_guid(abf_header *h, const unsigned char *b)
{
    uint32_t date = abf_u32(b + 16), ms = abf_u32(b + 20);
    unsigned y = date / 10000, m = (date / 100) % 100, d = date % 100;
    if (y >= 1980 && y <= 2200 && m >= 1 && m <= 12 && d >= 1 && d <= 31 && ms < 86400000u)
        snprintf(h->session_start, sizeof h->session_start, "%04u-%02u-%02uT%02u:%02u:%02u.%03u", y, m, d,
                 ms / 3600000u, (ms / 60000u) % 60, (ms / 1000u) % 60, ms % 1000u);
    static const int order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
    bool any = false;
    for (int i = 0; i < 16; i++)
        any |= b[40 + i] != 0;
    if (!any)
        return;
    char *o = h->guid;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *o++ = '-';
        o += sprintf(o, "%02X", b[40 + order[i]]);
    }
}

static pl_status v2_sections(v2_ctx *c, const unsigned char *b, pl_error *err)
{
    abf_header *h = c->h;
    pl_status st = v2_section_map(c, b, err);
    if (st == PL_OK)
        st = v2_load_strings(c, err);
    if (st == PL_OK)
        st = v2_protocol(c, err);
    if (st == PL_OK)
        st = v2_adcs(c, err);
    if (st == PL_OK)
        st = v2_dacs(c, err);
    if (st == PL_OK)
        st = v2_epochs(c, err);
    if (st == PL_OK)
        st = v2_user_lists(c, err);
    if (st != PL_OK)
        return st;
    v2_copy_string(c, abf_u32(b + 60), h->creator, sizeof h->creator);
    v2_copy_string(c, abf_u32(b + 72), h->protocol_path, sizeof h->protocol_path);
    const v2_section *data = &c->sec[S_DATA];
    if (data->bytes != (h->float_data ? 4u : 2u))
        return pl_error_set(err, PL_EFORMAT, c->s->path, "ABF2 data section has %u-byte samples but the header says %s",
                            data->bytes, h->float_data ? "float32" : "int16");
    h->data_offset = data->offset;
    h->data_points = data->count;
    h->synch_offset = c->sec[S_SYNCH].offset;
    h->synch_count = c->sec[S_SYNCH].count;
    if (h->synch_count > 0 && c->sec[S_SYNCH].bytes != 8)
        return pl_error_set(err, PL_EFORMAT, c->s->path, "ABF2 synch array entries are %u bytes (expected 8)",
                            c->sec[S_SYNCH].bytes);
    h->tag_offset = c->sec[S_TAG].offset;
    h->tag_count = c->sec[S_TAG].count;
    if (h->tag_count > 0 && c->sec[S_TAG].bytes < 64)
        h->tag_count = 0; /* entries too small to be tags: ignore them rather than misread */
    return PL_OK;
}

pl_status abf_parse_v2(const abf_src *s, abf_header *h, pl_error *err)
{
    unsigned char b[76 + 16 * S_COUNT];
    pl_status st = abf_src_read(s, 0, b, sizeof b, "the ABF2 header", err);
    if (st != PL_OK)
        return st;
    h->major = 2;
    snprintf(h->version, sizeof h->version, "%u.%u.%u.%u", b[7], b[6], b[5], b[4]);
    h->episodes = abf_u32(b + 12);
    unsigned fmt = abf_u16(b + 30);
    if (fmt > 1)
        return pl_error_set(err, PL_EFORMAT, s->path, "ABF2 data format %u is neither int16 (0) nor float32 (1)", fmt);
    h->float_data = fmt == 1;
    v2_date_guid(h, b);
    v2_ctx c = {.s = s, .h = h};
    st = v2_sections(&c, b, err);
    pl_free(c.strings);
    return st;
}

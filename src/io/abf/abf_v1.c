/* ABF1 (pCLAMP up to 9, "ABF " magic): one fixed header at known byte positions (Axon's ABF 1.8 header layout).
 * Files before version 1.6 have a 2048-byte header with one epoch table for the active DAC; 1.6 and later add an
 * extended 6144-byte header with two epoch tables, telegraphs, the protocol path and the file GUID. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "io/abf/abf_internal.h"
#include "plateau/mem.h"

#define V1_SHORT_HEADER 2048
#define V1_LONG_HEADER 6144

/* pCLAMP stored dates as yymmdd before 2000 and yyyymmdd after; either way validate every field. */
static void v1_date(abf_header *h, int32_t date, int32_t seconds, int millis)
{
    int y = date / 10000, m = (date / 100) % 100, d = date % 100;
    if (y < 100)
        y += y < 80 ? 2000 : 1900;
    if (date <= 0 || y < 1980 || y > 2200 || m < 1 || m > 12 || d < 1 || d > 31 || seconds < 0 || seconds >= 86400 ||
        millis < 0 || millis > 999)
        return;
    snprintf(h->session_start, sizeof h->session_start, "%04d-%02d-%02dT%02d:%02d:%02d.%03d", y, m, d, seconds / 3600,
             (seconds / 60) % 60, seconds % 60, millis);
}

static void v1_guid(abf_header *h, const unsigned char *g)
{
    static const int order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
    bool any = false;
    for (int i = 0; i < 16; i++)
        any |= g[i] != 0;
    if (!any)
        return;
    char *o = h->guid;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *o++ = '-';
        o += sprintf(o, "%02X", g[order[i]]);
    }
}

/* ADC channels in interleave order; per-channel arrays in the header are indexed by physical ADC number. */
static pl_status v1_adcs(const abf_src *s, abf_header *h, const unsigned char *b, bool longh, pl_error *err)
{
    int n = abf_i16(b + 120);
    if (n < 1 || n > ABF_MAX_ADC)
        return pl_error_set(err, PL_EFORMAT, s->path, "ABF1 header says %d ADC channels (expected 1..16)", n);
    h->n_adc = n;
    h->adc_range = abf_f32(b + 244);
    h->adc_resolution = abf_i32(b + 252);
    for (int i = 0; i < n; i++) {
        int p = abf_i16(b + 410 + 2 * i);
        if (p < 0 || p >= ABF_MAX_ADC)
            return pl_error_set(err, PL_EFORMAT, s->path, "ABF1 sampling sequence names ADC %d (expected 0..15)", p);
        abf_adc *a = &h->adc[i];
        a->adc_num = p;
        abf_text(a->name, sizeof a->name, b + 442 + 10 * p, 10);
        abf_text(a->file_unit, sizeof a->file_unit, b + 602 + 8 * p, 8);
        double gain = h->adc_range / (double)h->adc_resolution;
        gain /= abf_f32(b + 922 + 4 * p);  /* instrument scale factor */
        gain /= abf_f32(b + 1050 + 4 * p); /* signal gain */
        gain /= abf_f32(b + 730 + 4 * p);  /* ADC programmable gain */
        a->telegraph_mode = -1;
        if (longh && abf_i16(b + 4512 + 2 * p) == 1) {
            a->telegraph_enabled = true;
            gain /= abf_f32(b + 4576 + 4 * p);
            a->telegraph_mode = abf_i16(b + 4768 + 2 * p);
        }
        a->gain = gain;
        a->offset = (double)abf_f32(b + 986 + 4 * p) - (double)abf_f32(b + 1114 + 4 * p);
    }
    return PL_OK;
}

static void v1_epoch_long(abf_dac *d, const unsigned char *b, int dac)
{
    d->n_epochs = 10;
    for (int e = 0; e < 10; e++) {
        int k = dac * 10 + e;
        abf_epoch *ep = &d->epochs[e];
        ep->type = abf_i16(b + 2308 + 2 * k);
        ep->level = abf_f32(b + 2348 + 4 * k);
        ep->level_inc = abf_f32(b + 2428 + 4 * k);
        ep->duration = abf_i32(b + 2508 + 4 * k);
        ep->duration_inc = abf_i32(b + 2588 + 4 * k);
        /* group 17 (trains): lEpochPulsePeriod[2][10] then lEpochPulseWidth[2][10] */
        ep->pulse_period = abf_i32(b + 2136 + 4 * k);
        ep->pulse_width = abf_i32(b + 2216 + 4 * k);
    }
}

static void v1_epoch_short(abf_dac *d, const unsigned char *b)
{
    d->n_epochs = 10;
    for (int e = 0; e < 10; e++) {
        abf_epoch *ep = &d->epochs[e];
        ep->type = abf_i16(b + 1444 + 2 * e);
        ep->level = abf_f32(b + 1464 + 4 * e);
        ep->level_inc = abf_f32(b + 1504 + 4 * e);
        ep->duration = abf_i16(b + 1544 + 2 * e);
        ep->duration_inc = abf_i16(b + 1564 + 2 * e);
    }
}

/* DAC outputs: four named outputs; epoch tables for DAC 0 and 1 (1.6+) or for the active DAC only (older). */
static void v1_dacs(abf_header *h, const unsigned char *b, bool longh)
{
    h->n_dac = 4;
    int active = abf_i16(b + 1440);
    for (int i = 0; i < 4; i++) {
        abf_dac *d = &h->dac[i];
        d->dac_num = i;
        abf_text(d->name, sizeof d->name, b + 1306 + 10 * i, 10);
        abf_text(d->file_unit, sizeof d->file_unit, b + 1346 + 8 * i, 8);
        d->holding = abf_f32(b + 1394 + 4 * i);
        if (longh && i < 2) {
            d->waveform_enabled = abf_i16(b + 2296 + 2 * i) != 0;
            d->waveform_source = abf_i16(b + 2300 + 2 * i);
            d->inter_episode_last = abf_i16(b + 2304 + 2 * i) != 0;
            v1_epoch_long(d, b, i);
            abf_text(d->file_path, sizeof d->file_path, b + 2736 + 256 * i, 256);
            if (abf_i16(b + 3360 + 2 * i) != 0)
                h->user_list_enabled = true;
        } else if (!longh && i == active) {
            d->waveform_source = abf_i16(b + 1438);
            d->waveform_enabled = d->waveform_source != 0;
            d->inter_episode_last = abf_i16(b + 1442) != 0;
            v1_epoch_short(d, b);
            if (abf_i16(b + 1966) != 0)
                h->user_list_enabled = true;
        }
    }
}

pl_status abf_parse_v1(const abf_src *s, abf_header *h, pl_error *err)
{
    unsigned char *b = pl_calloc(1, V1_LONG_HEADER, "ABF1 header", err);
    if (!b)
        return err ? err->code : PL_ENOMEM;
    pl_status st = abf_src_read(s, 0, b, V1_SHORT_HEADER, "the ABF1 header", err);
    float ver = abf_f32(b + 4);
    if (st == PL_OK && !(ver > 0.0f && ver < 2.0f))
        st = pl_error_set(err, PL_EFORMAT, s->path, "ABF1 header has an impossible version number %g", (double)ver);
    bool longh = ver >= 1.6f - 1e-4f;
    if (st == PL_OK && longh)
        st = abf_src_read(s, 0, b, V1_LONG_HEADER, "the ABF1 extended header", err);
    if (st != PL_OK) {
        pl_free(b);
        return st;
    }
    h->major = 1;
    snprintf(h->version, sizeof h->version, "%.2f", (double)ver);
    h->mode = abf_i16(b + 8);
    h->data_points = abf_i32(b + 10);
    h->episodes = abf_i32(b + 16);
    int32_t data_block = abf_i32(b + 40);
    int ignored = abf_i16(b + 14);
    h->float_data = abf_i16(b + 100) == 1;
    if (abf_i16(b + 100) != 0 && abf_i16(b + 100) != 1)
        st = pl_error_set(err, PL_EFORMAT, s->path, "ABF1 data format %d is neither int16 (0) nor float32 (1)",
                          abf_i16(b + 100));
    if (st == PL_OK && (data_block < 0 || ignored < 0))
        st = pl_error_set(err, PL_EFORMAT, s->path, "ABF1 header has a negative data position");
    if (st == PL_OK)
        st = v1_adcs(s, h, b, longh, err);
    if (st != PL_OK) {
        pl_free(b);
        return st;
    }
    h->data_offset = (uint64_t)data_block * ABF_BLOCK + (uint64_t)ignored * (h->float_data ? 4u : 2u);
    h->tag_offset = (uint64_t)(uint32_t)abf_i32(b + 44) * ABF_BLOCK;
    h->tag_count = abf_i32(b + 48);
    h->synch_offset = (uint64_t)(uint32_t)abf_i32(b + 92) * ABF_BLOCK;
    h->synch_count = abf_i32(b + 96);
    /* ABF1 stores the interval between two conversions (all channels interleaved). */
    h->interval_us = (double)abf_f32(b + 122) * h->n_adc;
    h->tag_unit_s = (double)abf_f32(b + 122) * 1e-6;
    h->synch_unit_us = abf_f32(b + 130);
    h->samples_per_episode = abf_i32(b + 138);
    h->start_to_start_s = abf_f32(b + 178);
    h->experiment_type = abf_i16(b + 260);
    abf_text(h->creator, sizeof h->creator, b + 294, 16);
    abf_text(h->comment, sizeof h->comment, b + 310, 56);
    v1_date(h, abf_i32(b + 20), abf_i32(b + 24), abf_i16(b + 366));
    v1_dacs(h, b, longh);
    if (longh) {
        abf_text(h->protocol_path, sizeof h->protocol_path, b + 4898, 256);
        char longc[256];
        abf_text(longc, sizeof longc, b + 5154, 128);
        if (longc[0])
            snprintf(h->comment, sizeof h->comment, "%s", longc);
        v1_guid(h, b + 5282);
    }
    pl_free(b);
    return PL_OK;
}

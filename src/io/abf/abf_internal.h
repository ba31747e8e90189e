/* Internal: the Axon ABF reader's shared model.
 *
 * ABF1 (one fixed header) and ABF2 (a header plus a section map) are both parsed into one normalised abf_header, so
 * that sweeps, scaling, stimulus synthesis and reading never look at version-specific layouts. Every count and offset
 * is checked against the file size while parsing; nothing after the parser trusts the file. */
#ifndef PLATEAU_ABF_INTERNAL_H
#define PLATEAU_ABF_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "io/recording_impl.h"

#define ABF_BLOCK 512
#define ABF_MAX_ADC 16
#define ABF_MAX_DAC 8
#define ABF_MAX_EPOCHS 50
#define ABF_MAX_TAGS 256       /* tags kept in meta (more are counted, not listed) */
#define ABF_MAX_SERIES 2000000 /* beyond this the series table itself would be absurd */

/* Where the bytes come from: a file descriptor (pread) or a caller's buffer (fuzzing, tests). */
typedef struct abf_src {
    int fd; /* -1 when reading from mem */
    const unsigned char *mem;
    uint64_t size;
    const char *path; /* for error messages */
} abf_src;

/* Reads exactly n bytes at off, or fails with PL_EFORMAT when they lie past the end of the file. */
pl_status abf_src_read(const abf_src *s, uint64_t off, void *buf, size_t n, const char *what, pl_error *err);

/* Little-endian field access into a buffer already read (inline: the sample loops use them per sample). */
static inline uint16_t abf_u16(const unsigned char *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}
static inline int16_t abf_i16(const unsigned char *p)
{
    return (int16_t)abf_u16(p);
}
static inline uint32_t abf_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline int32_t abf_i32(const unsigned char *p)
{
    return (int32_t)abf_u32(p);
}
static inline int64_t abf_i64(const unsigned char *p)
{
    return (int64_t)((uint64_t)abf_u32(p) | ((uint64_t)abf_u32(p + 4) << 32));
}
static inline float abf_f32(const unsigned char *p)
{
    uint32_t u = abf_u32(p);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}
/* Copies a fixed-width Latin-1 text field into dst as trimmed UTF-8 (µ and ° become their UTF-8 forms). */
void abf_text(char *dst, size_t dst_size, const unsigned char *src, size_t src_len);

typedef struct abf_epoch {
    int type;                       /* 0 off, 1 step, 2 ramp, 3 pulse, 4 triangle, 5 cosine, 7 biphasic */
    double level, level_inc;        /* DAC units */
    int64_t duration, duration_inc; /* samples (per channel) */
    int64_t pulse_period, pulse_width;
} abf_epoch;

typedef struct abf_adc {
    int adc_num; /* physical ADC number */
    char name[32];
    char file_unit[16];  /* unit as the file says */
    char unit[16];       /* unit of the values we return */
    double gain, offset; /* raw -> file unit: raw * gain + offset */
    double unit_scale;   /* file unit -> returned unit */
    bool telegraph_enabled;
    int telegraph_mode; /* -1 unknown */
    pl_clamp clamp;
} abf_adc;

typedef struct abf_dac {
    int dac_num;
    char name[32];
    char file_unit[16];
    char unit[16];
    double unit_scale;
    double holding; /* DAC units */
    bool waveform_enabled;
    int waveform_source;     /* 0 disabled, 1 epoch table, 2 waveform file */
    bool inter_episode_last; /* between sweeps keep the last epoch level instead of holding */
    int n_epochs;
    abf_epoch epochs[ABF_MAX_EPOCHS];
    char file_path[256]; /* waveform file, when the source is a file */
    pl_clamp clamp;
} abf_dac;

typedef enum {
    ABF_MODE_VARIABLE = 1,
    ABF_MODE_FIXED = 2,
    ABF_MODE_GAPFREE = 3,
    ABF_MODE_HIGHSPEED = 4,
    ABF_MODE_EPISODIC = 5
} abf_mode;

typedef struct abf_header {
    int major;        /* 1 or 2 */
    char version[16]; /* "1.83", "2.6.0.0" */
    int mode;
    bool float_data;      /* samples are float32 (else int16) */
    uint64_t data_offset; /* byte offset of the first sample */
    int64_t data_points;  /* all samples of all channels */
    int n_adc;
    abf_adc adc[ABF_MAX_ADC]; /* in interleave order */
    int n_dac;
    abf_dac dac[ABF_MAX_DAC];
    double interval_us;          /* per-channel sample interval */
    double adc_range;            /* volts at full scale */
    int32_t adc_resolution;      /* counts at full scale */
    double synch_unit_us;        /* 0: synch array counts samples */
    int64_t samples_per_episode; /* interleaved */
    int64_t episodes;
    double start_to_start_s;
    uint64_t synch_offset;
    int64_t synch_count;
    uint64_t tag_offset;
    int64_t tag_count;
    double tag_unit_s;   /* seconds per tag time tick */
    int experiment_type; /* 0 VC, 1 CC, 2 simple; -1 unknown */
    char protocol_path[256];
    char comment[256];
    char creator[64];
    char session_start[64]; /* ISO 8601, empty if the date is invalid */
    char guid[40];
    bool user_list_enabled; /* a user list varies a parameter: stimulus not synthesised */
    char user_list_param[64];
} abf_header;

pl_status abf_parse_v1(const abf_src *s, abf_header *h, pl_error *err);
pl_status abf_parse_v2(const abf_src *s, abf_header *h, pl_error *err);
/* Common checks after either parser: counts, data extent, sample interval. */
pl_status abf_validate(const abf_src *s, abf_header *h, pl_error *err);

/* Units and clamp modes: fills unit, unit_scale, clamp of every ADC and DAC. */
void abf_assign_units(abf_header *h);
/* The scale from a unit to mV or pA, with the resulting unit; false when the unit is neither (kept as is). */
bool abf_unit_to_mv_pa(const char *unit, bool convert_volts, double *scale, char *out_unit, size_t out_size);

typedef struct abf_sweep {
    int64_t first_frame; /* index of the sweep's first frame (one sample of every channel) in the data */
    int64_t frames;
    double start_s;
} abf_sweep;

/* One series: a (sweep, ADC) response or a (sweep, DAC) synthesised stimulus. */
typedef struct abf_series_ref {
    uint32_t sweep;
    uint8_t chan; /* index into adc[] or dac[] */
    uint8_t is_dac;
} abf_series_ref;

typedef struct abf_file {
    abf_src src;
    abf_header h;
    int64_t n_sweeps;
    abf_sweep *sweeps;    /* pl_alloc'd */
    abf_series_ref *refs; /* pl_alloc'd, one per series */
    size_t n_refs;
    bool stimulus_synthesised;
    unsigned char *chunk; /* pl_alloc'd reading buffer (fixed size) */
    size_t chunk_size;
} abf_file;

/* Sweep layout from the header and synch array. */
pl_status abf_build_sweeps(abf_file *f, pl_error *err);
/* Whether DAC d gets a synthesised stimulus, and if not why (for the note). */
bool abf_dac_synthesisable(const abf_header *h, const abf_dac *d, const char **why);
/* Values of a DAC's command waveform for sweep `sweep` (frames of that sweep), samples [first, first+count). */
void abf_stimulus_values(const abf_header *h, const abf_dac *d, int64_t sweep, int64_t sweep_frames, int64_t first,
                         size_t count, double *out);
/* Reads ADC samples of one series, scaled. */
pl_status abf_read_adc(abf_file *f, const abf_sweep *sw, int chan, int64_t first, size_t count, double *out,
                       pl_error *err);
/* Fills r->meta and r->series from f (f becomes r->impl on success). */
pl_status abf_describe(pl_recording *r, abf_file *f, pl_error *err);

/* Opens from an abf_src (shared by the path and memory entry points). */
pl_status abf_open_src(pl_recording *r, const abf_src *src, pl_error *err);

/* Internal entry point for fuzzing and tests: a recording over a caller-owned byte buffer (kept alive by the caller
 * until pl_recording_close). */
pl_status pl_abf_open_memory(const void *data, size_t size, const char *name, pl_recording **out, pl_error *err);

#endif

/* Bundles: one recording -> long-format tables, manifest.json and grid plots, in one streaming pass. */
#include "plateau/bundle.h"

#include <ctype.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ephys/convert/plan.h"
#include "plateau/afile.h"
#include "plateau/mem.h"
#include "plateau/metadata_log.h"
#include "plateau/plot.h"
#include "plateau/progress.h"
#include "plateau/recording.h"
#include "plateau/table.h"
#include "plateau/version.h"

void pl_bundle_options_default(pl_bundle_options *o)
{
    memset(o, 0, sizeof *o);
    o->plots = true;
    o->plot_format = "png";
    o->chunk_samples = 65536;
    o->row_group_bytes = (size_t)1 << 20;
}

static void stem_of(const char *rel, char *buf, size_t size)
{
    const char *base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    snprintf(buf, size, "%s", base);
    char *dot = strrchr(buf, '.');
    if (dot && dot != buf)
        *dot = '\0';
}

void pl_bundle_dir(const pl_bundle_options *o, const pl_batch_input *in, char *buf, size_t size)
{
    char stem[512];
    stem_of(in->rel, stem, sizeof stem);
    const char *slash = strrchr(in->rel, '/');
    if (slash)
        snprintf(buf, size, "%s/%.*s/%s", o->out_root, (int)(slash - in->rel), in->rel, stem);
    else
        snprintf(buf, size, "%s/%s", o->out_root, stem);
}

size_t pl_bundle_estimate(void *ctx, const pl_batch_input *in)
{
    const pl_bundle_options *o = ctx;
    (void)in;
    /* Four tables at most, each a row-group budget plus a page per column; chunk buffers; plots; reader caches. */
    return 4 * (o->row_group_bytes + ((size_t)6 << 20)) + ((size_t)24 << 20);
}

/* A bundle is complete for this source when its manifest says so with the same content hash and the same metadata
 * log row (or none, as now). */
static bool already_complete(const char *dir, const char *hash, const char *meta_hash)
{
    char path[PL_PATH_MAX];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    json_error_t jerr;
    json_t *m = json_load_file(path, 0, &jerr);
    if (!m)
        return false;
    const char *h = json_string_value(json_object_get(json_object_get(m, "source"), "sha256"));
    bool same = h && hash && *hash && !strcmp(h, hash) && json_is_true(json_object_get(m, "complete"));
    const char *mh = json_string_value(json_object_get(json_object_get(m, "metadata_log"), "sha256"));
    same = same && (mh && meta_hash ? !strcmp(mh, meta_hash) : !mh && !meta_hash);
    json_decref(m);
    return same;
}

static pl_status write_manifest(const char *dir, json_t *m, pl_error *err)
{
    char path[PL_PATH_MAX];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    pl_afile af;
    pl_status st = pl_afile_open(&af, path, err);
    if (st != PL_OK)
        return st;
    if (json_dumpf(m, af.fp, JSON_INDENT(2) | JSON_ENSURE_ASCII) != 0) {
        pl_afile_abort(&af);
        return pl_error_set(err, PL_EIO, path, "cannot write the manifest");
    }
    fputc('\n', af.fp);
    return pl_afile_commit(&af, err);
}

pl_status pl_bundle_convert_job(void *ctx, const pl_batch_input *in, pl_job_outcome *out, pl_error *err)
{
    const pl_bundle_options *o = ctx;
    char final_dir[PL_PATH_MAX];
    pl_bundle_dir(o, in, final_dir, sizeof final_dir);
    pl_metadata_match meta;
    pl_metadata_log_match(o->metadata, in->rel, &meta);
    if (!o->force && already_complete(final_dir, in->content_hash, meta.hash)) {
        out->skipped = true;
        snprintf(out->summary, sizeof out->summary, "bundle complete for this content");
        return PL_OK;
    }
    pl_recording *rec = NULL;
    pl_status st = pl_recording_open(in->path, &rec, err);
    if (st != PL_OK)
        return st;
    pl_bundle_plan plan;
    st = pl_bundle_plan_make(rec, in, &plan, err);
    if (st != PL_OK) {
        pl_recording_close(rec);
        return st;
    }
    pl_adir dir;
    st = pl_adir_begin(&dir, final_dir, err);
    json_t *manifest = NULL;
    if (st == PL_OK)
        st = pl_bundle_stream(o, rec, &plan, dir.tmp_path, err);
    if (st == PL_OK) {
        manifest = pl_bundle_manifest(o, rec, &plan, in);
        st = manifest ? write_manifest(dir.tmp_path, manifest, err)
                      : pl_error_set(err, PL_ENOMEM, in->path, "cannot build the manifest");
    }
    if (st == PL_OK)
        st = pl_adir_commit(&dir, true, err);
    else if (dir.open)
        pl_adir_abort(&dir);
    if (st == PL_OK) {
        snprintf(out->summary, sizeof out->summary, "%s, %d sweeps, %.1f M samples -> %s%s",
                 plan.mixed ? "mixed" : "single", plan.n_sweeps, (double)plan.total_samples / 1e6, plan.cell,
                 meta.kind == PL_META_MATCHED ? ", with its metadata log row" : "");
        char qdir[2 * PL_PATH_MAX], qcell[600];
        pl_json_quote(final_dir, qdir, sizeof qdir);
        pl_json_quote(plan.cell, qcell, sizeof qcell);
        snprintf(out->extra_json, sizeof out->extra_json,
                 "\"bundle\":%s,\"cell\":%s,\"sweeps\":%d,\"samples\":%lld,\"protocol\":\"%s\"", qdir, qcell,
                 plan.n_sweeps, (long long)plan.total_samples, plan.mixed ? "mixed" : "single");
        if (meta.kind == PL_META_MATCHED) {
            size_t used = strlen(out->extra_json);
            snprintf(out->extra_json + used, sizeof out->extra_json - used, ",\"metadata_log_row\":%u", meta.row);
        }
        out->work_units = (uint64_t)plan.total_samples;
    }
    json_decref(manifest);
    pl_bundle_plan_free(&plan);
    pl_recording_close(rec);
    return st;
}

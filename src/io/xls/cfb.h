/* Internal: a reader of the Compound File Binary container (MS-CFB), the "OLE2" file system inside legacy .xls files.
 *
 * It keeps the FAT (4 bytes per sector of the file, capped to the sectors the file really has, charged to the budget),
 * the MiniFAT and the directory's one wanted entry; streams are read sequentially in bounded chunks with positioned
 * reads. Every chain is checked for loops and out-of-range sectors before it is followed, so bad bytes give PL_EFORMAT
 * instead of a hang. The container is read from a file descriptor or from memory (fuzzing). */
#ifndef PLATEAU_XLS_CFB_H
#define PLATEAU_XLS_CFB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plateau/error.h"

typedef struct pl_cfb pl_cfb;
typedef struct pl_cfb_stream pl_cfb_stream;

typedef struct pl_cfb_entry {
    char name[32];  /* ASCII rendering of the entry name ('?' for other characters) */
    uint32_t start; /* first sector (or mini sector) */
    uint64_t size;  /* bytes */
} pl_cfb_entry;

/* Opens the container of the file at path (fd is read with pread; the caller keeps it open) or of size bytes at mem.
 * path names the file in messages. */
pl_status pl_cfb_open_fd(int fd, const char *path, pl_cfb **out, pl_error *err);
pl_status pl_cfb_open_mem(const void *mem, size_t size, const char *path, pl_cfb **out, pl_error *err);
void pl_cfb_close(pl_cfb *c);

/* Finds a stream that is a direct child of the root storage, by name (ASCII, case-insensitive).
 * PL_ENOTFOUND (without touching err) when there is none. */
pl_status pl_cfb_find(pl_cfb *c, const char *name, pl_cfb_entry *out, pl_error *err);

/* A sequential reader of one stream, with a chunk buffer of about 64 KiB. */
pl_status pl_cfb_stream_open(pl_cfb *c, const pl_cfb_entry *e, pl_cfb_stream **out, pl_error *err);
void pl_cfb_stream_close(pl_cfb_stream *s);
/* Copies up to n bytes at the current position; *got < n only at the end of the stream. */
pl_status pl_cfb_stream_read(pl_cfb_stream *s, void *dst, size_t n, size_t *got, pl_error *err);
/* Zero-copy fast path: a pointer to the next n bytes when they lie whole in the loaded chunk (the position advances),
 * valid until the next read; NULL otherwise (then use pl_cfb_stream_read). */
const unsigned char *pl_cfb_stream_take(pl_cfb_stream *s, size_t n);
/* Moves the position to offset (<= the stream's size). */
pl_status pl_cfb_stream_seek(pl_cfb_stream *s, uint64_t offset, pl_error *err);
uint64_t pl_cfb_stream_tell(const pl_cfb_stream *s);
uint64_t pl_cfb_stream_size(const pl_cfb_stream *s);

#endif

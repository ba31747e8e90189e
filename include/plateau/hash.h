/* plateau: content hashes (SHA-256 through libcrypto) and a stable 64-bit hash for sharding. */
#ifndef PLATEAU_HASH_H
#define PLATEAU_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "plateau/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PL_SHA256_HEX 65 /* 64 hex digits and a NUL */

/* Streams the file through SHA-256 with a fixed 256 KiB buffer. */
pl_status pl_sha256_file(const char *path, char hex[PL_SHA256_HEX], pl_error *err);
void pl_sha256_bytes(const void *data, size_t n, char hex[PL_SHA256_HEX]);

/* FNV-1a 64: stable across machines and runs (shard assignment by path). */
uint64_t pl_hash64(const void *data, size_t n);

#ifdef __cplusplus
}
#endif
#endif

/* plateau parquet: the DELTA encodings of the Parquet spec, decoded whole pages at a time into PLAIN layout
 * (DELTA_BINARY_PACKED integers; DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY strings), so that the page
 * decoder reads them like PLAIN pages. Every length is checked; malformed input returns 0. */
#ifndef PL_PQ_DELTA_H
#define PL_PQ_DELTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pq_buf.h"

/* Decodes count integers starting at p (n bytes) into out as int32 (is32) or int64 PLAIN values;
 * *used gets the bytes consumed. */
int pq_delta_binary_decode(const uint8_t *p, size_t n, size_t count, bool is32, pq_buf *out, size_t *used);
/* count strings as PLAIN byte arrays (4-byte length + bytes) appended to out. */
int pq_delta_length_decode(const uint8_t *p, size_t n, size_t count, pq_buf *out);
int pq_delta_byte_array_decode(const uint8_t *p, size_t n, size_t count, pq_buf *out);

#endif

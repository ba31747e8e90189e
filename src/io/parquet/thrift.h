/* plateau parquet: the Thrift compact protocol, the encoding of every Parquet header and footer.
 *
 * The writer side appends to a pq_buf; the caller names each field by id and the encoder computes the field-id
 * deltas (a stack of the last id per open struct). The reader side is a bounds-checked cursor over a byte range:
 * any overrun or malformed varint marks the cursor bad, and every later read returns zeros, so a decoder checks
 * tr->bad once per struct rather than after every field. */
#ifndef PL_PQ_THRIFT_H
#define PL_PQ_THRIFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pq_buf.h"

enum {
    TT_STOP = 0,
    TT_TRUE = 1,
    TT_FALSE = 2,
    TT_BYTE = 3,
    TT_I16 = 4,
    TT_I32 = 5,
    TT_I64 = 6,
    TT_DOUBLE = 7,
    TT_BINARY = 8,
    TT_LIST = 9,
    TT_SET = 10,
    TT_MAP = 11,
    TT_STRUCT = 12
};

#define TW_MAX_DEPTH 16

typedef struct tw {
    pq_buf *b;
    int16_t last[TW_MAX_DEPTH];
    int depth;
} tw;

void tw_init(tw *w, pq_buf *b);
/* A field header: short form (delta 1..15 in the high nibble) when it fits, else type byte + zigzag i16 id. */
void tw_field(tw *w, int16_t id, uint8_t type);
void tw_i32(tw *w, int16_t id, int32_t v);
void tw_i64(tw *w, int16_t id, int64_t v);
void tw_bool(tw *w, int16_t id, bool v);
void tw_binary(tw *w, int16_t id, const void *p, size_t n);
void tw_string(tw *w, int16_t id, const char *s);
/* Opens a struct-valued field; close it with tw_struct_end. */
void tw_struct_begin(tw *w, int16_t id);
void tw_struct_end(tw *w);
/* A list-valued field header; then n elements with the tw_elem_* calls. */
void tw_list_begin(tw *w, int16_t id, uint8_t elem_type, uint32_t n);
void tw_elem_i32(tw *w, int32_t v);
void tw_elem_binary(tw *w, const void *p, size_t n);
/* A struct element of a list (or the top-level struct): push a fresh field-id scope. */
void tw_elem_struct_begin(tw *w);

uint64_t pq_zigzag64(int64_t v);
int64_t pq_unzigzag64(uint64_t v);

/* ---- reader ---- */
typedef struct tr {
    const uint8_t *p, *end;
    bool bad;
    int depth;
    int16_t last[TW_MAX_DEPTH];
} tr;

void tr_init(tr *r, const void *data, size_t n);
uint64_t tr_uvarint(tr *r);
/* Next field of the current struct: returns its type (TT_STOP at the end) and sets *id. */
uint8_t tr_field(tr *r, int16_t *id);
int64_t tr_int(tr *r); /* i16/i32/i64 value (zigzag varint) */
/* A binary's bytes (pointing into the input) and length; NULL when bad. */
const uint8_t *tr_binary(tr *r, uint32_t *n);
void tr_struct_begin(tr *r);
void tr_struct_end(tr *r);
/* List header: element type and count. */
uint32_t tr_list(tr *r, uint8_t *elem_type);
/* Skips a value of the given type (nested structs/lists included, depth-limited). */
void tr_skip(tr *r, uint8_t type);
/* Bool fields carry their value in the type nibble. */
static inline bool tr_bool_of(uint8_t type)
{
    return type == TT_TRUE;
}

#endif

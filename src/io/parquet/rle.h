/* plateau parquet: the RLE / bit-packed hybrid encoding (definition levels and dictionary indices).
 *
 * A stream of runs: an RLE run is varint(count << 1) then the value in ceil(bw/8) little-endian bytes; a bit-packed
 * run is varint(groups << 1 | 1) then groups*8 values of bw bits each, least significant bit first. The encoder
 * takes runs of 8 or more equal values as RLE and packs the rest; only the final group may be padded. */
#ifndef PL_PQ_RLE_H
#define PL_PQ_RLE_H

#include <stddef.h>
#include <stdint.h>

#include "pq_buf.h"

/* Bits needed for values 0..max (at least 1). */
int pq_bit_width(uint32_t max);

void pq_rle_encode_u32(pq_buf *out, const uint32_t *v, size_t n, int bw);
void pq_rle_encode_u8(pq_buf *out, const uint8_t *v, size_t n, int bw);

/* Decoder over a byte range; values wider than bw bits cannot occur, so a caller checks dictionary bounds. */
typedef struct pq_rle_dec {
    const uint8_t *p, *end;
    int bw;
    uint32_t run_left; /* values left in the current run */
    int is_rle;
    uint32_t value;      /* RLE value */
    const uint8_t *bits; /* bit-packed run: start of its bytes */
    uint64_t bitpos;     /* next bit within bits */
} pq_rle_dec;

void pq_rle_dec_init(pq_rle_dec *d, const uint8_t *p, size_t n, int bw);
/* Decodes exactly n values; returns 0 when the stream ends early or is malformed. */
int pq_rle_dec_u32(pq_rle_dec *d, uint32_t *out, size_t n);

#endif

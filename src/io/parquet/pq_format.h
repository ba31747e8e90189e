/* plateau parquet: the numbers of the Parquet format (parquet.thrift) that plateau writes and reads. */
#ifndef PL_PQ_FORMAT_H
#define PL_PQ_FORMAT_H

enum pq_type {
    PQT_BOOLEAN = 0,
    PQT_INT32 = 1,
    PQT_INT64 = 2,
    PQT_INT96 = 3,
    PQT_FLOAT = 4,
    PQT_DOUBLE = 5,
    PQT_BYTE_ARRAY = 6,
    PQT_FIXED_LEN_BYTE_ARRAY = 7
};
enum pq_repetition { PQR_REQUIRED = 0, PQR_OPTIONAL = 1, PQR_REPEATED = 2 };
enum pq_encoding {
    PQE_PLAIN = 0,
    PQE_PLAIN_DICTIONARY = 2,
    PQE_RLE = 3,
    PQE_BIT_PACKED = 4,
    PQE_DELTA_BINARY_PACKED = 5,
    PQE_DELTA_LENGTH_BYTE_ARRAY = 6,
    PQE_DELTA_BYTE_ARRAY = 7,
    PQE_RLE_DICTIONARY = 8,
    PQE_BYTE_STREAM_SPLIT = 9
};
enum pq_codec {
    PQC_UNCOMPRESSED = 0,
    PQC_SNAPPY = 1,
    PQC_GZIP = 2,
    PQC_LZO = 3,
    PQC_BROTLI = 4,
    PQC_LZ4 = 5,
    PQC_ZSTD = 6,
    PQC_LZ4_RAW = 7
};
enum pq_page_type { PQP_DATA_PAGE = 0, PQP_INDEX_PAGE = 1, PQP_DICTIONARY_PAGE = 2, PQP_DATA_PAGE_V2 = 3 };
enum pq_converted { PQCT_UTF8 = 0, PQCT_TIMESTAMP_MILLIS = 9, PQCT_TIMESTAMP_MICROS = 10 };

#define PQ_MAGIC "PAR1"
#define PQ_CREATED_BY "plateau version 0.1.0"

#endif

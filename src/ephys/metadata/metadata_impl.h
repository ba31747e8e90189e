/* Internal: the metadata log's lookup table and the rules turning cells into names and JSON values. */
#ifndef PLATEAU_EPHYS_METADATA_LOG_IMPL_H
#define PLATEAU_EPHYS_METADATA_LOG_IMPL_H

#include <jansson.h>
#include <stdbool.h>

#include "plateau/afile.h"
#include "plateau/metadata_log.h"
#include "plateau/workbook.h"

#define META_NAME_MAX 256

typedef struct meta_entry {
    char *name;        /* lower case; the allocation also holds fields_json */
    char *fields_json; /* compact JSON object */
    uint32_t row;      /* 1-based */
    char hash[PL_SHA256_HEX];
} meta_entry;

struct pl_metadata_log {
    char path[PL_PATH_MAX];
    char hash[PL_SHA256_HEX];
    char key[160];
    char sheet[256];
    uint32_t header_row;
    size_t n, cap, keyless, stored_bytes;
    meta_entry *rows; /* sorted by name, then row, once loaded */
};

/* The header row: a name per column and where the key columns are. */
typedef struct meta_header {
    uint32_t ncols;
    char **names; /* ncols entries; NULL where the header cell is empty (the column letters are used) */
    long file_col, date_col, num_col; /* -1 when absent */
} meta_header;

/* Which key a header cell's text names: 'f' (a file column), 'd' (recDate), 'n' (fileNum) or 0. */
char meta_key_kind(const char *text, size_t len);
/* The recording name a data row gives (lower case), or false when it gives none. */
bool meta_row_name(const meta_header *h, const pl_row *row, char name[META_NAME_MAX]);
/* A cell as a typed JSON value (numbers, ISO 8601 dates, text, booleans); NULL for an empty cell. */
json_t *meta_cell_value(const pl_cell *c);
/* Lower-cases s and strips folders and a .abf/.nwb extension: the form names are compared in. */
void meta_normalise_name(const char *s, size_t len, char name[META_NAME_MAX]);

#endif

/* libFuzzer target for the .xls reader: the input bytes are opened as a workbook from memory (no temp file), every
 * sheet is streamed, and the row contract is checked (cells present, columns increasing, text NUL-terminated).
 * tests/fuzz_replay.c replays tests/fixtures/gen/xls-regress/ through the same function in the normal build. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/xls/xls.h"
#include "plateau/mem.h"

int xls_fuzz_one(const uint8_t *data, size_t size);

static void check_row(const pl_cell *cells, uint32_t n)
{
    if (n == 0)
        abort();
    for (uint32_t i = 0; i < n; i++) {
        if (i > 0 && cells[i].col <= cells[i - 1].col)
            abort();
        if ((cells[i].type == PL_CELL_TEXT || cells[i].type == PL_CELL_ERROR) &&
            (!cells[i].text || cells[i].text[cells[i].len] != 0))
            abort();
    }
}

int xls_fuzz_one(const uint8_t *data, size_t size)
{
    static pl_workbook wb;
    memset(&wb, 0, sizeof wb);
    pl_mem_set_limit(512u << 20);
    snprintf(wb.path, sizeof wb.path, "fuzz.xls");
    pl_workbook_limits_default(&wb.limits);
    wb.limits.strings_memory = 1u << 20;
    pl_error e = {0};
    if (pl_xls_open_mem(&wb, data, size, &e) == PL_OK) {
        for (size_t i = 0; i < wb.n_sheets; i++) {
            pl_sheet s = {.wb = &wb, .index = i};
            if (wb.ops->sheet_open(&wb, &s, i, &e) != PL_OK)
                continue;
            uint32_t row = 0, n = 0;
            const pl_cell *cells = NULL;
            while (wb.ops->sheet_next(&s, &row, &cells, &n, &e) == PL_OK)
                check_row(cells, n);
            wb.ops->sheet_close(&s);
        }
        wb.ops->close(&wb);
    } else if (e.msg[0] == 0) {
        abort(); /* every failure says why */
    }
    for (size_t i = 0; wb.sheet_names && i < wb.n_sheets; i++)
        pl_free(wb.sheet_names[i]);
    pl_free(wb.sheet_names);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return xls_fuzz_one(data, size);
}

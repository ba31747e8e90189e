/* libFuzzer target: the bytes are a workbook file. Opens it and streams every sheet with named cells, a column
 * selection and a tiny shared-strings budget (so the spill path runs too). Any outcome but a crash, a hang or a leak
 * is fine. Also linked into tests/fuzz_replay.c, which feeds it every file in tests/fixtures/gen/xlsx-regress/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "plateau/workbook.h"

static void read_all(pl_workbook *wb)
{
    static const char *const names[] = {"B1", "B26", "K1", "R1"};
    for (size_t i = 0; i < pl_workbook_sheet_count(wb) && i < 8; i++) {
        pl_sheet_options o = {.columns = (i & 1) ? "A:E,K" : NULL, .cells = names, .n_cells = 4, .skip_rows = i & 2};
        pl_sheet *s;
        pl_error err;
        if (pl_sheet_open(wb, i, &o, &s, &err) != PL_OK)
            continue;
        const pl_row *row;
        uint64_t sum = 0;
        while (pl_sheet_next(s, &row, &err) == PL_OK)
            for (uint32_t k = 0; k < row->n; k++)
                sum += row->cells[k].len + row->cells[k].col; /* touch every cell */
        (void)sum;
        (void)pl_sheet_cell(s, "B26");
        pl_sheet_close(s);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    if (!path[0])
        snprintf(path, sizeof path, "%s/plateau-fuzz-%d.xlsx", access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm",
                 (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    pl_workbook_limits lim;
    pl_workbook_limits_default(&lim);
    lim.max_inflated_bytes = 64u << 20;
    lim.strings_memory = 4096;
    pl_workbook *wb;
    pl_error err;
    if (pl_workbook_open(path, &lim, &wb, &err) == PL_OK) {
        read_all(wb);
        pl_workbook_close(wb);
    }
    unlink(path);
    return 0;
}

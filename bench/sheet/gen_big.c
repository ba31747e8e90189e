/* Writes the benchmark workbook: ROWS x 20 (default 1,000,000), through libxlsxwriter's constant-memory mode:
 * a header row, 14 number columns, 2 date columns, 2 text columns (inline strings), 1 boolean, 1 formula result.
 *   gen_big OUT.xlsx [ROWS] */
#include <stdio.h>
#include <stdlib.h>
#include <xlsxwriter.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: gen_big OUT.xlsx [ROWS]\n");
        return 2;
    }
    long rows = argc > 2 ? atol(argv[2]) : 1000000;
    lxw_workbook_options o = {.constant_memory = LXW_TRUE};
    lxw_workbook *wb = workbook_new_opt(argv[1], &o);
    lxw_worksheet *ws = workbook_add_worksheet(wb, "data");
    lxw_format *date = workbook_add_format(wb);
    format_set_num_format(date, "yyyy-mm-dd hh:mm");
    for (int c = 0; c < 20; c++) {
        char name[16];
        snprintf(name, sizeof name, "col%02d", c);
        worksheet_write_string(ws, 0, (lxw_col_t)c, name, NULL);
    }
    char text[32];
    for (long r = 1; r <= rows; r++) {
        for (int c = 0; c < 14; c++)
            worksheet_write_number(ws, (lxw_row_t)r, (lxw_col_t)c, r * 0.37 + c * 1.0e-3 - (r % 7) * 13.5, NULL);
        worksheet_write_number(ws, (lxw_row_t)r, 14, 45000 + r / 1440.0, date);
        worksheet_write_number(ws, (lxw_row_t)r, 15, 40000 + (r % 3650), date);
        snprintf(text, sizeof text, "unit-%ld", r % 5000);
        worksheet_write_string(ws, (lxw_row_t)r, 16, text, NULL);
        snprintf(text, sizeof text, "batch %ld/%ld", r / 1000, r % 97);
        worksheet_write_string(ws, (lxw_row_t)r, 17, text, NULL);
        worksheet_write_boolean(ws, (lxw_row_t)r, 18, (int)(r % 2), NULL);
        worksheet_write_formula_num(ws, (lxw_row_t)r, 19, "=A2*2", NULL, r * 0.74);
    }
    lxw_error e = workbook_close(wb);
    if (e) {
        fprintf(stderr, "gen_big: %s\n", lxw_strerror(e));
        return 1;
    }
    return 0;
}

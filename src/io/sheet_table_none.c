/* Built instead of sheet_table.c while the table writers (src/io/table.c) are not part of the tree. */
#include "plateau/workbook.h"

pl_status pl_sheet_to_table(const char *path, const pl_sheet_table_options *opt, const char *out_path,
                            uint64_t *rows_written, pl_error *err)
{
    (void)opt, (void)out_path;
    *rows_written = 0;
    return pl_error_set(err, PL_EUNSUPPORTED, path, "this build has no Parquet/CSV table writers");
}

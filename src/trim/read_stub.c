/* Built instead of read.c while this tree has no Workbook implementation (src/io/workbook.c). */
#include <string.h>

#include "plateau/trim.h"

pl_status pl_trim_read_file(const char *path, pl_trim_offset_mode mode, pl_trim_file *f, pl_error *err)
{
    (void)mode;
    memset(f, 0, sizeof *f);
    return pl_error_set(err, PL_EUNSUPPORTED, path, "reading workbooks is not supported in this build yet");
}

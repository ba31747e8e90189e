/* plateau core: writing Unicode code points as UTF-8 (the readers decode XML references, _xHHHH_ escapes and
 * BIFF UTF-16 text into UTF-8). */
#ifndef PLATEAU_UTF8_H
#define PLATEAU_UTF8_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Writes cp (at most 0x10FFFF; callers check) as 1 to 4 bytes at out and returns how many. */
size_t pl_utf8_put(char *out, uint32_t cp);

#ifdef __cplusplus
}
#endif
#endif

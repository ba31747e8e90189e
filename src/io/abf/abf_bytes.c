/* Bounded byte access for the ABF reader: every read is checked against the file size, and fields are decoded
 * little-endian whatever the host. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "io/abf/abf_internal.h"

pl_status abf_src_read(const abf_src *s, uint64_t off, void *buf, size_t n, const char *what, pl_error *err)
{
    if (off > s->size || n > s->size - off)
        return pl_error_set(err, PL_EFORMAT, s->path,
                            "truncated ABF file: %s needs bytes %llu..%llu but the file has %llu bytes", what,
                            (unsigned long long)off, (unsigned long long)(off + n), (unsigned long long)s->size);
    if (s->fd < 0) {
        memcpy(buf, s->mem + off, n);
        return PL_OK;
    }
    size_t done = 0;
    while (done < n) {
        ssize_t got = pread(s->fd, (unsigned char *)buf + done, n - done, (off_t)(off + done));
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return pl_error_errno(err, PL_EIO, s->path, "cannot read %s", what);
        if (got == 0)
            return pl_error_set(err, PL_EFORMAT, s->path, "file shrank while reading %s", what);
        done += (size_t)got;
    }
    return PL_OK;
}

/* Axon writes Windows Latin-1 text padded with spaces or NULs; we keep printable characters as UTF-8. */
void abf_text(char *dst, size_t dst_size, const unsigned char *src, size_t src_len)
{
    size_t o = 0;
    for (size_t i = 0; i < src_len && src[i]; i++) {
        unsigned char c = src[i];
        if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))
            c = ' ';
        size_t need = c < 0x80 ? 1 : 2;
        if (o + need >= dst_size)
            break;
        if (c < 0x80) {
            dst[o++] = (char)c;
        } else {
            dst[o++] = (char)(0xc0 | (c >> 6));
            dst[o++] = (char)(0x80 | (c & 0x3f));
        }
    }
    while (o > 0 && dst[o - 1] == ' ')
        o--;
    dst[o] = '\0';
    size_t lead = 0;
    while (dst[lead] == ' ')
        lead++;
    if (lead)
        memmove(dst, dst + lead, o - lead + 1);
}

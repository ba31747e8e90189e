/* Replays every file of tests/parquet/regress/ (inputs the fuzzer once found troublesome) through the fuzz target's
 * function, so each stays a regression test in the normal and the ASan build. Usage: regress_reader DIR */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "plateau/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    DIR *d = opendir(argv[1]);
    if (!d) {
        fprintf(stderr, "no folder %s\n", argv[1]);
        return 1;
    }
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", argv[1], e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        fseek(f, 0, SEEK_END);
        long size = ftell(f);
        rewind(f);
        uint8_t *buf = malloc(size > 0 ? (size_t)size : 1);
        size_t got = fread(buf, 1, (size_t)size, f);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, got);
        free(buf);
        n++;
    }
    closedir(d);
    printf("%d inputs replayed; memory charged afterwards: %zu\n", n, pl_mem_charged());
    return pl_mem_charged() != 0;
}

/* Replays every file of a folder (inputs that once troubled a fuzzer, and seeds) through a fuzz target's function, as
 * an ordinary test in the normal and the ASan build: each must end without a crash, a sanitizer report, or memory left
 * charged to the budget. Linked with one fuzz_*.c per area. Usage: fuzz_replay DIR */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "plateau/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 1;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(size > 0 ? (size_t)size : 1);
    size_t got = buf ? fread(buf, 1, (size_t)(size > 0 ? size : 0), f) : 0;
    fclose(f);
    if (!buf)
        return 1;
    LLVMFuzzerTestOneInput(buf, got);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fuzz_replay DIR\n");
        return 2;
    }
    DIR *d = opendir(argv[1]);
    if (!d) {
        perror(argv[1]);
        return 1;
    }
    int count = 0, unreadable = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", argv[1], e->d_name);
        int bad = replay(path);
        unreadable += bad;
        printf("%s %s\n", bad ? "unreadable" : "ok", e->d_name);
        count++;
    }
    closedir(d);
    size_t left = pl_mem_charged();
    printf("%d inputs replayed, %d unreadable, %zu bytes left charged\n", count, unreadable, left);
    return count == 0 || unreadable || left ? 1 : 0;
}

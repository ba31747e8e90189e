/* Replays every input kept in tests/fixtures/gen/xls-regress/ (inputs the fuzzer once crashed on, and seeds) through
 * the fuzz target's function, so they stay regression tests in the normal and ASan builds. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int xls_fuzz_one(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    DIR *d = opendir(argv[1]);
    if (!d)
        return 2;
    int count = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", argv[1], de->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
        size_t got = buf ? fread(buf, 1, (size_t)n, f) : 0;
        fclose(f);
        xls_fuzz_one(buf, got);
        free(buf);
        printf("ok %s\n", de->d_name);
        count++;
    }
    closedir(d);
    printf("%d inputs replayed\n", count);
    return count > 0 ? 0 : 1;
}

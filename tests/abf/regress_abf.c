/* Replays every input the ABF fuzzer ever found (tests/fixtures/gen/abf-regress/) through the fuzz target's function, and a few
 * hand-made ones, as a normal test: they must not crash, hang or leak. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    size_t got = fread(buf, 1, (size_t)n, f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, got);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "tests/abf/regress";
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "cannot open %s\n", dir);
        return 1;
    }
    int count = 0, failed = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        failed += replay(path);
        count++;
    }
    closedir(d);
    static const uint8_t tiny[][8] = {{'A', 'B', 'F', '2'}, {'A', 'B', 'F', ' '}, {'A', 'B', 'F'}, {0}};
    for (size_t i = 0; i < sizeof tiny / sizeof tiny[0]; i++)
        LLVMFuzzerTestOneInput(tiny[i], i == 2 ? 3 : 8);
    printf("%d regression inputs replayed, %d unreadable\n", count, failed);
    return failed ? 1 : 0;
}

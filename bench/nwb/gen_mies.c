/* gen_mies: writes a MIES-style NWB 2 file with a mixed protocol (see src/io/nwb/gen/nwb_generate.c).
 *
 *   gen_mies -o FILE [--scale X] [--sweeps N] [--seed S] [--compress] [--int16] [--icephys-tables]
 *
 * --scale 1 gives 10 s current-clamp and 2.5 s voltage-clamp sweeps: about 10^8 samples for 97 sweeps;
 * --scale 0.2 matches the shape of shared/data/nwb/generated/mies_style_97sweeps_small.nwb. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo/demo.h"

typedef struct {
    const char *out;
    pl_nwb_gen_options gen;
} options;

static int usage(void)
{
    fprintf(stderr, "usage: gen_mies -o FILE [--scale X] [--sweeps N] [--seed S] [--compress] [--int16] "
                    "[--icephys-tables]\n");
    return 2;
}

static int parse(int argc, char **argv, options *o)
{
    o->out = NULL;
    pl_nwb_gen_options_default(&o->gen);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-o") && v)
            o->out = argv[++i];
        else if (!strcmp(a, "--scale") && v)
            o->gen.scale = atof(argv[++i]);
        else if (!strcmp(a, "--sweeps") && v)
            o->gen.sweeps = atoi(argv[++i]);
        else if (!strcmp(a, "--seed") && v)
            o->gen.seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(a, "--compress"))
            o->gen.compress = 1;
        else if (!strcmp(a, "--int16"))
            o->gen.int16 = 1;
        else if (!strcmp(a, "--icephys-tables"))
            o->gen.tables = 1;
        else
            return usage();
    }
    if (!o->out || !(o->gen.scale > 0) || o->gen.sweeps < 1 || o->gen.sweeps > 99999)
        return usage();
    return 0;
}

int main(int argc, char **argv)
{
    options o;
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc;
    pl_error err;
    int64_t total = 0;
    if (pl_nwb_generate(&o.gen, o.out, &total, &err) != PL_OK) {
        char line[2048];
        fprintf(stderr, "gen_mies: %s\n", pl_error_line(&err, line, sizeof line));
        return 1;
    }
    fprintf(stderr, "gen_mies: wrote %s: %d sweeps, %lld samples\n", o.out, o.gen.sweeps, (long long)total);
    return 0;
}

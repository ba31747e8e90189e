/* Internal helpers shared by the dsp_*.c files. */
#ifndef PLATEAU_DSP_INTERNAL_H
#define PLATEAU_DSP_INTERNAL_H
#include <stdbool.h>

/* Solves the dense n x n system m * x = rhs in place (m row-major, destroyed; rhs becomes x) by Gaussian elimination
 * with partial pivoting. Returns false when the matrix is singular. Small n only (filter and polynomial orders). */
bool pl_dsp_solve(double *m, double *rhs, int n);

#endif

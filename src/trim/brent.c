/* Bounded scalar minimisation: Brent's method on a closed interval (Forsythe, Malcolm & Moler's fmin, as scipy's
 * minimize_scalar(method='bounded') runs it). The original analyzer applied it to a step function (a count of
 * limit violations), where the result depends on the exact sequence of evaluated points, so this follows the
 * published algorithm step for step: same first point, same tolerances (sqrt(2.2e-16) relative, xatol/3
 * absolute), same acceptance test for parabolic steps, same bookkeeping of the three best points. */
#include <math.h>

#include "plateau/trim.h"

/* 0.5 (3 - sqrt 5): the golden-section fraction. */
#define golden_fraction (0.5 * (3.0 - sqrt(5.0)))

static double sign_or_one(double v)
{
    return v > 0.0 ? 1.0 : v < 0.0 ? -1.0 : 1.0;
}

pl_trim_fmin_result pl_trim_fminbound(pl_trim_scalar_fn f, void *ctx, double lo, double hi, double xatol, int maxiter)
{
    const double sqrt_eps = sqrt(2.2e-16); /* the constant scipy uses, not DBL_EPSILON */
    double a = lo, b = hi;
    double v = a + golden_fraction * (b - a); /* v, w: previous best points; x: best so far */
    double w = v, x = v;
    double step = 0.0, prev_step = 0.0;
    double fx = f(ctx, x);
    double fv = fx, fw = fx;
    int evaluations = 1;
    bool converged = true;
    double mid = 0.5 * (a + b);
    double tol1 = sqrt_eps * fabs(x) + xatol / 3.0, tol2 = 2.0 * tol1;
    while (fabs(x - mid) > tol2 - 0.5 * (b - a)) {
        bool golden = true;
        if (fabs(prev_step) > tol1) {
            /* parabola through (v, fv), (w, fw), (x, fx) */
            golden = false;
            double r = (x - w) * (fx - fv);
            double q = (x - v) * (fx - fw);
            double p = (x - v) * q - (x - w) * r;
            q = 2.0 * (q - r);
            if (q > 0.0)
                p = -p;
            q = fabs(q);
            r = prev_step;
            prev_step = step;
            if (fabs(p) < fabs(0.5 * q * r) && p > q * (a - x) && p < q * (b - x)) {
                step = p / q;
                double u = x + step;
                if ((u - a) < tol2 || (b - u) < tol2)
                    step = tol1 * sign_or_one(mid - x);
            } else {
                golden = true;
            }
        }
        if (golden) {
            prev_step = (x >= mid) ? a - x : b - x;
            step = golden_fraction * prev_step;
        }
        double u = x + sign_or_one(step) * fmax(fabs(step), tol1);
        double fu = f(ctx, u);
        evaluations++;
        if (fu <= fx) {
            if (u >= x)
                a = x;
            else
                b = x;
            v = w, fv = fw;
            w = x, fw = fx;
            x = u, fx = fu;
        } else {
            if (u < x)
                a = u;
            else
                b = u;
            if (fu <= fw || w == x) {
                v = w, fv = fw;
                w = u, fw = fu;
            } else if (fu <= fv || v == x || v == w) {
                v = u, fv = fu;
            }
        }
        mid = 0.5 * (a + b);
        tol1 = sqrt_eps * fabs(x) + xatol / 3.0;
        tol2 = 2.0 * tol1;
        if (evaluations >= maxiter) {
            converged = false;
            break;
        }
    }
    return (pl_trim_fmin_result){.x = x, .fx = fx, .evaluations = evaluations, .converged = converged};
}

"""The numeric routines of src/trim against scipy/numpy on generated inputs (through the trim_num helper):
butter(5, 0.8) design and the published constants, lfilter, lfilter_zi, filtfilt with odd padding,
minimize_scalar(method='bounded') on smooth and step functions (same x to ~1e-9 and same evaluation count),
median, sample standard deviation and polyfit."""
import json
import os
import subprocess
import sys

import numpy as np
from scipy import optimize, signal

from harness import Checks

HELPER = os.path.join(os.environ["PLATEAU_BUILD"], "tests", "trim", "trim_num")
PUBLISHED_B = [0.354164181093, 1.770820905467, 3.541641810934, 3.541641810934, 1.770820905467, 0.354164181093]
PUBLISHED_A = [1, 2.975422109746, 3.806018119320, 2.545252868330, 0.881130075438, 0.125430622155]


def call(requests):
    lines = "".join(json.dumps(r) + "\n" for r in requests)
    r = subprocess.run([HELPER], input=lines, capture_output=True, text=True, check=True)
    return [json.loads(x) for x in r.stdout.splitlines()]


def max_rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    scale = np.maximum(np.abs(b), 1e-12)
    return float(np.max(np.abs(a - b) / scale)) if a.size else 0.0


def main():
    c = Checks("trim-numerics")
    rng = np.random.default_rng(20241122)
    b, a = signal.butter(5, 0.8)
    [got] = call([{"op": "butter", "order": 5, "wn": 0.8}])
    c.true(max_rel(got["b"], b) < 1e-12 and max_rel(got["a"], a) < 1e-12, f"butter(5, 0.8) equals scipy ({max_rel(got['b'], b):.1e})")
    c.true(max_rel(got["b"], PUBLISHED_B) < 1e-11 and max_rel(got["a"], PUBLISHED_A) < 1e-11,
           "butter(5, 0.8) equals the constants of lasertrim.md to their 12 digits")
    for order, wn in ((2, 0.3), (4, 0.1), (3, 0.65)):
        bb, aa = signal.butter(order, wn)
        [g] = call([{"op": "butter", "order": order, "wn": wn}])
        c.true(max_rel(g["b"], bb) < 1e-10 and max_rel(g["a"], aa) < 1e-10, f"butter({order}, {wn}) equals scipy")

    reqs, want = [], []
    for n in (15, 37, 49, 50, 63, 200, 341, 700):
        x = np.cumsum(rng.normal(0, 0.01, n)) + rng.normal(0, 0.002, n)
        zi = rng.normal(0, 1, 5)
        reqs.append({"op": "lfilter", "b": list(b), "a": list(a), "x": list(x)})
        want.append(("lfilter zero state", n, signal.lfilter(b, a, x)))
        y, zf = signal.lfilter(b, a, x, zi=zi)
        reqs.append({"op": "lfilter", "b": list(b), "a": list(a), "x": list(x), "zi": list(zi)})
        want.append(("lfilter with zi", n, y))
        if n >= 50:
            padlen = min(n // 4, 50)
            reqs.append({"op": "filtfilt", "b": list(b), "a": list(a), "x": list(x), "padlen": padlen})
            want.append(("filtfilt odd", n, signal.filtfilt(b, a, x, padtype="odd", padlen=padlen)))
    for (what, n, w), g in zip(want, call(reqs)):
        c.true(max_rel(g["y"], w) < 1e-9 or np.max(np.abs(np.asarray(g["y"]) - w)) < 1e-13,
               f"{what} n={n} equals scipy (max rel {max_rel(g['y'], w):.1e})")
    [g] = call([{"op": "lfilter_zi", "b": list(b), "a": list(a)}])
    c.true(max_rel(g["zi"], signal.lfilter_zi(b, a)) < 1e-12, "lfilter_zi equals scipy")

    # bounded Brent: smooth and step functions, including the violation count of generated tracks
    reqs, want = [], []
    for k in range(40):
        cc = rng.uniform(-1, 1)
        lo, hi = cc - rng.uniform(0.01, 2), cc + rng.uniform(0.01, 2)
        kind = ("quad", "steps")[k % 2]
        f = (lambda t, cc=cc: (t - cc) ** 2) if kind == "quad" else (lambda t, cc=cc: np.floor(abs(t - cc) * 100))
        r = optimize.minimize_scalar(f, bounds=(lo, hi), method="bounded")
        reqs.append({"op": "fminbound", "f": kind, "c": cc, "lo": lo, "hi": hi})
        want.append((f"{kind} #{k}", r.x, r.fun, r.nfev))
    for k in range(60):
        n = int(rng.integers(20, 400))
        x = np.linspace(-1, 1, n)
        e = rng.normal(0, 0.02, n) + rng.normal(0, 0.01)
        half = rng.uniform(0.01, 0.05)
        u, l = np.full(n, half), np.full(n, -half)
        if k % 3 == 0:  # bowtie limits
            u, l = half * (1 + np.abs(x)), -half * (1 + np.abs(x))
        d = (u + l) / 2 - e
        med, R = float(np.median(d)), float(np.max(np.abs(d)))
        viol = lambda o, e=e, u=u, l=l: int(np.sum((e + o > u) | (e + o < l)))
        r = optimize.minimize_scalar(viol, bounds=(med - R, med + R), method="bounded", options={"xatol": 1e-5, "maxiter": 500})
        reqs.append({"op": "fminbound", "f": "viol", "x": list(x), "e": list(e), "u": list(u), "l": list(l),
                     "lo": med - R, "hi": med + R})
        want.append((f"violations #{k} n={n}", r.x, r.fun, r.nfev))
    bad = 0
    for (what, x, fx, nfev), g in zip(want, call(reqs)):
        ok = abs(g["x"] - x) <= 1e-9 * max(abs(x), 1e-3) and g["fx"] == fx and g["nfev"] == nfev
        if not ok:
            bad += 1
            print(f"  {what}: ours x={g['x']!r} f={g['fx']} nfev={g['nfev']}, scipy x={x!r} f={fx} nfev={nfev}")
    c.eq(bad, 0, f"bounded Brent reproduces scipy's x, f and evaluation count on {len(want)} searches")

    reqs, want = [], []
    for n in (1, 2, 5, 10, 11, 100, 341):
        x = rng.normal(5, 3, n) * 100
        y = 0.3 * x + rng.normal(0, 1, n)
        reqs.append({"op": "stats", "x": list(x), "y": list(y)})
        want.append((n, np.median(x), np.std(x, ddof=1) if n > 1 else None, np.polyfit(x, y, 1) if n > 1 else None))
    for (n, med, sd, fit), g in zip(want, call(reqs)):
        c.near(g["median"], float(med), f"median n={n}", rel=1e-15)
        if sd is not None:
            c.near(g["std"], float(sd), f"sample std n={n}", rel=1e-12)
            c.true(max_rel([g["slope"], g["intercept"]], fit) < 1e-9, f"polyfit line n={n}")
    return c.done()


if __name__ == "__main__":
    sys.exit(main())

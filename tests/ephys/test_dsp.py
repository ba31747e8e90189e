"""The dsp building blocks against scipy/numpy on generated signals (including short, constant and NaN inputs)."""
import os
import subprocess
import sys

import numpy as np
from scipy import signal

from harness import Checks

TOOL = sys.argv[1]
c = Checks("dsp")
rng = np.random.default_rng(7)


def run(*args):
    return subprocess.run([TOOL, *map(str, args)], capture_output=True, text=True)


def write(name, x):
    p = os.path.join(c.tmp, name)
    np.asarray(x, dtype="<f8").tofile(p)
    return p


def read(name):
    return np.fromfile(os.path.join(c.tmp, name), dtype="<f8")


def rel_err(got, want):
    scale = max(np.max(np.abs(want)), 1e-300) if want.size else 1.0
    return float(np.max(np.abs(got - want)) / scale) if want.size else 0.0


def ap_like(n, rate, seed=0):
    """Noise, slow drift and a few spike-shaped bumps: the kind of trace the filters meet."""
    r = np.random.default_rng(seed)
    t = np.arange(n) / rate
    v = -65 + 2 * np.sin(2 * np.pi * 3 * t) + r.normal(0, 0.3, n)
    for t0 in r.uniform(0.05, 0.9, 6) * t[-1]:
        v += 100 * np.exp(-((t - t0) / 3e-4) ** 2)
    return v


# Butterworth coefficients
for order, wn in ((4, 0.8), (4, 0.2), (2, 0.5), (1, 0.1), (6, 0.05), (8, 0.9)):
    r = run("butter", order, wn)
    got = np.array([[float(v) for v in line.split()] for line in r.stdout.split("\n") if line])
    b, a = signal.butter(order, wn)
    c.true(rel_err(got[:, 0], b) < 1e-12 and rel_err(got[:, 1], a) < 1e-12, f"butter({order}, {wn}) coefficients")
c.eq(run("butter", 4, 1.0).returncode, 3, "butter refuses a cutoff at Nyquist")
c.eq(run("butter", 0, 0.5).returncode, 3, "butter refuses order 0")

# filtfilt: the 20 kHz low-pass at 50 kHz and 200 kHz, plus short and constant inputs
for order, wn, n in ((4, 0.8, 50000), (4, 0.2, 20000), (2, 0.3, 16), (4, 0.8, 16), (4, 0.5, 1000)):
    x = ap_like(n, 50000.0, seed=n)
    b, a = signal.butter(order, wn)
    r = run("filtfilt", order, wn, write("in", x), os.path.join(c.tmp, "out"))
    if c.eq(r.returncode, 0, f"filtfilt order {order} wn {wn} n {n} runs"):
        c.true(rel_err(read("out"), signal.filtfilt(b, a, x)) < 1e-9, f"filtfilt order {order} wn {wn} n {n} matches")
r = run("filtfilt", 4, 0.8, write("in", np.full(100, -70.0)), os.path.join(c.tmp, "out"))
c.true(r.returncode == 0 and np.allclose(read("out"), -70.0, rtol=0, atol=1e-9), "filtfilt keeps a constant")
r = run("filtfilt", 4, 0.8, write("in", np.ones(15)), os.path.join(c.tmp, "out"))
c.eq(r.returncode, 3, "filtfilt refuses 15 samples (scipy: padlen 15 needs more)")
c.true("too short" in r.stderr, "filtfilt explains the short input")
x = ap_like(500, 50000.0)
x[200] = np.nan
r = run("filtfilt", 4, 0.8, write("in", x), os.path.join(c.tmp, "out"))
c.true(r.returncode == 0 and np.isnan(read("out")).all() == np.isnan(signal.filtfilt(*signal.butter(4, 0.8), x)).all(),
       "filtfilt propagates NaN like scipy")

# median filter
for k, n in ((201, 50000), (3, 10), (5, 3), (1, 7), (9, 9), (31, 1000)):
    x = ap_like(n, 50000.0, seed=k)
    r = run("medfilt", k, write("in", x), os.path.join(c.tmp, "out"))
    if c.eq(r.returncode, 0, f"medfilt k={k} n={n} runs"):
        c.true(np.array_equal(read("out"), signal.medfilt(x, k)), f"medfilt k={k} n={n} equals scipy exactly")
x = np.round(rng.normal(0, 1, 300), 0)  # many ties
r = run("medfilt", 11, write("in", x), os.path.join(c.tmp, "out"))
c.true(np.array_equal(read("out"), signal.medfilt(x, 11)), "medfilt with many equal values")
c.eq(run("medfilt", 4, write("in", x), os.path.join(c.tmp, "out")).returncode, 3, "medfilt refuses an even kernel")
x[5] = np.nan
c.eq(run("medfilt", 5, write("in", x), os.path.join(c.tmp, "out")).returncode, 3, "medfilt refuses NaN")

# Savitzky-Golay, mode='interp'
for w, p, n in ((59, 3, 582), (5, 3, 5), (7, 2, 50), (501, 3, 5000), (1001, 3, 100000), (11, 0, 40), (9, 4, 30)):
    x = ap_like(n, 50000.0, seed=w) + 1e-3 * np.arange(n)
    r = run("savgol", w, p, write("in", x), os.path.join(c.tmp, "out"))
    if c.eq(r.returncode, 0, f"savgol w={w} p={p} n={n} runs"):
        c.true(rel_err(read("out"), signal.savgol_filter(x, w, p)) < 1e-9, f"savgol w={w} p={p} n={n} matches")
c.eq(run("savgol", 9, 3, write("in", np.ones(8)), os.path.join(c.tmp, "out")).returncode, 3,
     "savgol refuses a window longer than the data")
c.eq(run("savgol", 3, 3, write("in", np.ones(8)), os.path.join(c.tmp, "out")).returncode, 3,
     "savgol refuses polyorder >= window")
r = run("savgol", 5, 3, write("in", np.full(20, -60.0)), os.path.join(c.tmp, "out"))
c.true(np.allclose(read("out"), -60.0, atol=1e-12), "savgol keeps a constant")

# find_peaks: height, prominence and distance exactly as scipy
cases = [(ap_like(50000, 50000.0, s), -10.0, 20.0, 100.0) for s in range(5)]
cases += [(rng.normal(0, 1, 5000), 0.5, 0.3, 7.0), (rng.normal(0, 1, 5000), float("nan"), 1.0, 1.0),
          (rng.normal(0, 1, 5000), 1.0, float("nan"), 25.5), (np.round(rng.normal(0, 3, 3000)), 0.0, 1.0, 0.0),  # many equal heights: numpy's unstable argsort orders ties
          # arbitrarily under the distance rule, so ties are tested without it (we keep the lower index first)

          (np.array([0, 1, 1, 1, 0, 2, 2, 0, 3.0]), float("nan"), float("nan"), 0.0), (np.ones(50), 0.0, 0.0, 2.0),
          (np.array([1.0, 2.0]), float("nan"), float("nan"), 0.0)]
for i, (x, h, p, d) in enumerate(cases):
    kw = {}
    if not np.isnan(h):
        kw["height"] = h
    kw["prominence"] = p if not np.isnan(p) else (None, None)
    if d >= 1:
        kw["distance"] = d
    want, props = signal.find_peaks(x, **kw)
    r = run("peaks", h, p, d, write("in", x))
    rows = [line.split() for line in r.stdout.split("\n") if line]
    got = np.array([int(row[0]) for row in rows], dtype=int)
    prom = np.array([float(row[1]) for row in rows])
    c.true(np.array_equal(got, want), f"find_peaks case {i}: {len(want)} peaks at the same indices")
    c.true(len(prom) == len(want) and (len(want) == 0 or rel_err(prom, props["prominences"]) < 1e-12),
           f"find_peaks case {i}: prominences")
x = ap_like(2000, 50000.0)
x[100:110] = np.nan
want, _ = signal.find_peaks(x, height=-10, prominence=20, distance=100)
got = [int(line.split()[0]) for line in run("peaks", -10, 20, 100, write("in", x)).stdout.split("\n") if line]
c.eq(got, list(want), "find_peaks with NaN samples agrees with scipy")

# gradients and the least-squares line
for n in (1, 2, 3, 1000):
    y = rng.normal(0, 1, n)
    r = run("gradient", 2e-5, write("y", y), os.path.join(c.tmp, "g"))
    want = np.gradient(y, 2e-5) if n > 1 else np.zeros(1)
    c.true(r.returncode == 0 and rel_err(read("g"), want) < 1e-12, f"gradient n={n}")
for n in (2, 3, 500):
    y, x = rng.normal(0, 1, n), np.cumsum(rng.uniform(0.1, 2.0, n)) + 45.5
    r = run("gradient_x", write("y", y), write("x", x), os.path.join(c.tmp, "g"))
    c.true(r.returncode == 0 and rel_err(read("g"), np.gradient(y, x)) < 1e-9, f"gradient on non-uniform x n={n}")
from scipy import stats  # noqa: E402
x, y = rng.normal(0, 50, 8) - 60, rng.normal(0, 3, 8)
y = y + 0.2 * x
got = [float(v) for v in run("linregress", write("x", x), write("y", y)).stdout.split()]
lr = stats.linregress(x, y)
c.true(rel_err(np.array(got), np.array([lr.slope, lr.intercept, lr.rvalue])) < 1e-12, "linregress matches scipy")
got = run("linregress", write("x", np.ones(4)), write("y", np.arange(4.0))).stdout.split()
c.eq(got, ["nan", "nan", "nan"], "linregress on constant x is NaN")

c.done()
sys.exit(1 if c.failed else 0)

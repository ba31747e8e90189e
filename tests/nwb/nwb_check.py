"""Runs nwb_dump on a file and compares everything it reports with the h5py oracle (nwb_oracle.py)."""
import json
import subprocess

import numpy as np

import nwb_oracle


def dump(tool, path, *args):
    r = subprocess.run([tool, path, *args], capture_output=True, text=True, timeout=600)
    return r.returncode, (json.loads(r.stdout) if r.stdout.strip() else None), r.stderr


def compare_file(c, tool, path, label, nvalues=16):
    rc, got, stderr = dump(tool, path, "--values", str(nvalues))
    c.eq(stderr, "", f"{label}: nothing on stderr")
    if not c.true(rc == 0 and got and "error" not in got, f"{label}: opens ({got.get('message') if got else rc})"):
        return None
    want = nwb_oracle.series(path)
    gs = got["series"]
    c.eq([s["location"] for s in gs], [s["location"] for s in want], f"{label}: series list and order")
    if len(gs) != len(want):
        return got
    bad = []
    for g, w in zip(gs, want):
        v = w["values"]
        n = len(v)
        span = float(np.max(np.abs(v))) if n else 0.0
        tol = dict(rel=1e-6, abs_=1e-6 * span + 1e-12)
        checks = [
            ("samples", g["samples"] == n),
            ("role", g["role"] == w["role"]),
            ("clamp", g["clamp"] == w["clamp"]),
            ("unit", g["unit"] == w["unit"]),
            ("sweep", g["sweep"] == w["sweep"]),
            ("channel", g["channel"] == w["channel"]),
            ("rate", nwb_oracle_close(g["rate_hz"], w["rate"], 1e-12)),
            ("start", nwb_oracle_close(g["start_time_s"], w["start"], 1e-12, 1e-12)),
        ]
        if n:
            st = g["stats"]
            checks += [
                ("first", nwb_oracle_close(st["first"], v[0], **tol)),
                ("last", nwb_oracle_close(st["last"], v[-1], **tol)),
                ("min", nwb_oracle_close(st["min"], float(v.min()), **tol)),
                ("max", nwb_oracle_close(st["max"], float(v.max()), **tol)),
                ("mean", nwb_oracle_close(st["mean"], float(v.mean()), 1e-9, 1e-9 * span + 1e-12)),
                ("sumsq", nwb_oracle_close(st["sumsq"], float(np.dot(v, v)), 1e-9, 1e-12)),
                ("sampled values", all(nwb_oracle_close(a, v[i], **tol)
                                       for i, a in zip(st["sample_index"], st["sample_value"]))),
                ("sampled times", all(nwb_oracle_close(a, w["times"][i], 1e-12, 1e-12)
                                      for i, a in zip(st["sample_index"], st["sample_time"]))),
            ]
        for what, ok in checks:
            if not ok:
                bad.append(f"{g['name']} {what}")
    c.true(not bad, f"{label}: {len(gs)} series match h5py (counts, rates, starts, sweeps, clamp, role, unit, values)"
           + (f"; mismatches: {bad[:8]}" if bad else ""))
    return got


def nwb_oracle_close(a, b, rel=1e-9, abs_=0.0):
    if a is None or b is None:
        return False
    return abs(a - b) <= max(rel * max(abs(a), abs(b)), abs_)

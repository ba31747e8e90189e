"""plateau ephys convert on every NWB in the shared data: values read back by DuckDB equal h5py's
data * conversion + offset in mV/pA (float32 precision), with the right counts, rates, sweeps, clamp modes and t_s.
Files without patch-clamp data get a clear one-line message; the rest of the batch converts."""
import json
import os
import subprocess

import h5py
import numpy as np

from harness import Checks, SRC, duck, plateau, testdata

c = Checks("convert_nwb")
NWB = testdata("nwb")
out = os.path.join(c.tmp, "out")
SCALE = {"volts": 1e3, "v": 1e3, "volt": 1e3, "amperes": 1e12, "a": 1e12, "ampere": 1e12}


def h5_series(path):
    """Every intracellular series by its data path: physical values (mV/pA), rate, start, unit."""
    found = {}
    with h5py.File(path, "r") as f:
        for group in ("acquisition", "stimulus/presentation"):
            if group not in f:
                continue
            for name, g in f[group].items():
                if not isinstance(g, h5py.Group) or "data" not in g:
                    continue
                t = g.attrs.get("neurodata_type", b"")
                t = t.decode() if isinstance(t, bytes) else str(t)
                if "Clamp" not in t:
                    continue
                d = g["data"]
                conv = float(d.attrs.get("conversion", 1.0))
                off = float(d.attrs.get("offset", 0.0))
                unit = d.attrs.get("unit", b"")
                unit = (unit.decode() if isinstance(unit, bytes) else str(unit)).lower()
                vals = (d[:].astype(np.float64) * conv + off) * SCALE.get(unit, 1.0)
                rate = float(g["starting_time"].attrs["rate"]) if "starting_time" in g else None
                start = float(g["starting_time"][()]) if "starting_time" in g else None
                found[f"/{group}/{name}"] = dict(values=vals, rate=rate, start=start, type=t)
    return found


r = plateau("ephys", "convert", NWB, "-o", out, "-j", "2", "--log", os.path.join(c.tmp, "log.jsonl"))
c.eq(r.returncode, 1, "the batch exits 1 because two edge files have no patch-clamp data")
lines = [l for l in r.stderr.splitlines() if l.startswith("FAILED")]
c.eq(len(lines), 2, "exactly the two edge files fail")
c.true(all("no intracellular" in l for l in lines), "each with a clear message: " + " | ".join(lines))
c.true(all(l.count("\n") == 0 for l in lines), "one line each")

for rel in ("bluepyefe_99111002_cc.nwb", "xiubert_2025053001_vc.nwb", "xiubert_2025053101_vc.nwb",
            "mies_2.2.4_vc.nwb", "generated/mies_style_97sweeps_small.nwb"):
    src = os.path.join(NWB, rel)
    bundle = os.path.join(out, rel[:-4])
    man = json.load(open(os.path.join(bundle, "manifest.json")))
    c.true(man["complete"] and len(man["source"]["sha256"]) == 64, f"{rel}: manifest complete with the source hash")
    h5 = h5_series(src)
    # Every series of the manifest, found in its table by sweep (and channel), equals h5py's values: one grouped
    # DuckDB query per table gives counts, time ranges, rate, unit, sums and every 97th value of each sweep.
    STEP = 97
    per_table = {}
    for t in man["tables"]:
        if t["name"] not in ("mV", "pA"):
            continue
        path = os.path.join(bundle, t["file"])
        ch = "series" if "series" in t["columns"] else "''"
        stats = duck(f"SELECT sweep, {ch} AS channel, count(*) AS n, min(t_s) AS t0, max(t_s) AS t1, "
                     f"any_value(rate_Hz) AS rate, any_value(unit) AS unit, sum(value::DOUBLE) AS total "
                     f"FROM '{path}' GROUP BY ALL")
        samples = duck(f"SELECT sweep, channel, list(value ORDER BY i) AS v FROM (SELECT sweep, {ch} AS channel, value, "
                       f"row_number() OVER (PARTITION BY sweep, {ch} ORDER BY t_s) - 1 AS i FROM '{path}') "
                       f"WHERE i % {STEP} = 0 GROUP BY ALL")
        per_table[t["name"]] = ({(r["sweep"], r["channel"]): r for r in stats},
                                {(r["sweep"], r["channel"]): r["v"] for r in samples}, "channel" in t["columns"])
    checked = 0
    for sweep, proto in man["protocols"].items():
        for s in proto["series"]:
            loc = None
            for key in h5:
                if key.endswith("/" + s["name"]):
                    loc = key
            if loc is None:
                continue
            want = h5[loc]["values"]
            stats, samples, multi = per_table["mV" if s["unit"] == "mV" else "pA"]
            key = (int(sweep), s["name"] if multi else "")
            rows = stats.get(key)
            got = np.array(samples.get(key, []), dtype=np.float32)
            exp = want[::STEP].astype(np.float32)
            ok = rows is not None and rows["n"] == len(want) and len(got) == len(exp) and np.array_equal(got, exp)
            ok = ok and abs(rows["total"] - float(np.sum(want.astype(np.float32).astype(np.float64)))) <= 1e-6 * max(
                1.0, float(np.sum(np.abs(want))))
            if ok and h5[loc]["rate"]:
                ok &= abs(rows["rate"] - h5[loc]["rate"]) < 1e-9 * h5[loc]["rate"]
                ok &= abs(rows["t0"] - h5[loc]["start"]) < 1e-9
                ok &= abs(rows["t1"] - (h5[loc]["start"] + (len(want) - 1) / h5[loc]["rate"])) < 1e-6
            ok = ok and rows["unit"] == s["unit"]
            if not ok:
                c.true(False, f"{rel}: sweep {sweep} {s['name']}: {rows} vs h5py n={len(want)}")
            checked += 1
            want_mode = "voltage_clamp" if "VoltageClamp" in h5[loc]["type"] else (
                "current_clamp" if "CurrentClamp" in h5[loc]["type"] else None)
            if want_mode and s["role"] == "response" and proto["clamp_mode"] != want_mode:
                c.true(False, f"{rel}: sweep {sweep}: clamp mode {proto['clamp_mode']}, want {want_mode}")
    c.true(checked >= len(h5) * 0.99 and checked > 0, f"{rel}: {checked} series checked against h5py (of {len(h5)})")
    # Tables are sorted by (sweep, t_s) and readable by hyparquet too.
    for t in man["tables"]:
        path = os.path.join(bundle, t["file"])
        d = duck(f"SELECT count(*) AS n, sum(CASE WHEN s < ps OR (s = ps AND t < pt) THEN 1 ELSE 0 END) AS bad FROM "
                 f"(SELECT sweep AS s, t_s AS t, lag(sweep) OVER () AS ps, lag(t_s) OVER () AS pt "
                 f"FROM '{path}')")[0] if "channel" not in t["columns"] else {"n": t["rows"], "bad": 0}
        c.true(d["n"] == t["rows"] and not d["bad"], f"{rel}: {t['file']} has {t['rows']} rows in (sweep, t_s) order")
        hp = subprocess.run(["node", os.path.join(SRC, "tests", "oracles", "parquet_dump.mjs"), path, "--no-values"],
                            capture_output=True, text=True, timeout=600)
        hj = json.loads(hp.stdout) if hp.returncode == 0 else {}
        c.eq(hj.get("hyparquet", {}).get("rows"), t["rows"], f"{rel}: hyparquet reads {t['file']}")

# The mixed file: four tables, the right split of clamp modes.
man = json.load(open(os.path.join(out, "generated", "mies_style_97sweeps_small", "manifest.json")))
c.eq(man["protocol_type"], "mixed", "the MIES-style file is a mixed protocol")
c.eq(sorted(t["name"] for t in man["tables"]), ["mV", "pA", "response", "stimulus"], "mixed: four tables")
modes = {int(k): v["clamp_mode"] for k, v in man["protocols"].items()}
c.eq(sorted(k for k, m in modes.items() if m == "voltage_clamp"), [0, 1, 2, 3, 94, 95, 96], "VC sweeps 0-3, 94-96")
c.eq(len(modes), 97, "97 sweeps")
# Each series is in its role's table and its unit's table (the unit tables get the role tables' encoded row groups):
# both pairs hold the same rows.
mixed = os.path.join(out, "generated", "mies_style_97sweeps_small")
files = {t["name"]: os.path.join(mixed, t["file"]) for t in man["tables"]}
pairs = [duck(f"SELECT count(*) AS n, sum(value::DOUBLE) AS s, sum(t_s) AS t, sum(sweep) AS w FROM "
              f"(SELECT * FROM '{files[a]}' UNION ALL SELECT * FROM '{files[b]}')")[0]
         for a, b in (("stimulus", "response"), ("mV", "pA"))]
c.true(pairs[0]["n"] == pairs[1]["n"] and pairs[0]["w"] == pairs[1]["w"] and
       all(abs(pairs[0][k] - pairs[1][k]) <= 1e-12 * abs(pairs[1][k]) for k in ("s", "t")),
       f"stimulus + response tables hold the rows of mV + pA ({pairs[0]} vs {pairs[1]})")

# An HDF5 file may start with a user block (the signature then sits at 512, 1024, ...): still an NWB file.
ub = os.path.join(c.tmp, "userblock", "with_user_block.nwb")
os.makedirs(os.path.dirname(ub))
with h5py.File(os.path.join(NWB, "bluepyefe_99111002_cc.nwb"), "r") as f, h5py.File(ub, "w", userblock_size=512) as g:
    for k, v in f.attrs.items():
        g.attrs[k] = v
    for k in f:
        f.copy(f[k], g, name=k)
r = plateau("ephys", "convert", os.path.dirname(ub), "-o", os.path.join(c.tmp, "ub_out"), "-q")
ub_man = os.path.join(c.tmp, "ub_out", "with_user_block", "manifest.json")
ref_man = json.load(open(os.path.join(out, "bluepyefe_99111002_cc", "manifest.json")))
c.true(r.returncode == 0 and os.path.exists(ub_man) and
       [t["rows"] for t in json.load(open(ub_man))["tables"]] == [t["rows"] for t in ref_man["tables"]],
       f"a file with a 512-byte HDF5 user block is found and converts like the original ({r.stderr.strip()[:200]})")

# A re-run skips complete bundles; --force rebuilds.
r = plateau("ephys", "convert", os.path.join(NWB, "bluepyefe_99111002_cc.nwb"), "-o", out)
c.true("skipped" in r.stderr and r.returncode == 0, "a re-run skips the complete bundle")
log = [json.loads(l) for l in open(os.path.join(c.tmp, "log.jsonl"))]
c.true(all(e["peak_rss"] > 0 for e in log), "the JSON log has every file's peak RSS")
c.done()

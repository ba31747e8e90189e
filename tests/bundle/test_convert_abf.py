"""plateau ephys convert on every ABF in the shared data: each sweep and channel of the bundle tables, read back by
DuckDB, matches pyABF's oracle (points exactly; first, last, population stdev to 1e-5 relative, after converting the
file's unit to mV/pA); and the xiubert recordings give the same values from ABF and from their NWB conversions."""
import json
import os
from collections import defaultdict

from harness import Checks, close, duck, plateau, testdata

c = Checks("convert_abf")
ABF = testdata("abf")
out = os.path.join(c.tmp, "out")


oracle = defaultdict(list)
with open(os.path.join(ABF, "oracle_sweeps.tsv")) as fh:
    next(fh)
    for line in fh:
        f, sw, ch, pts, first, last, sd = line.split("\t")
        if not os.path.exists(os.path.join(ABF, f)):
            continue  # the oracle also covers files that are not in the shared sample
        oracle[f].append((int(sw), int(ch), int(pts), float(first), float(last), float(sd)))

r = plateau("ephys", "convert", ABF, "-o", out, "-j", "2", "--no-plots", timeout=1800)
failed = [l for l in r.stderr.splitlines() if l.startswith("FAILED")]
c.eq(failed, [], "every ABF file converts")


def table_stats(bundle, t):
    path = os.path.join(bundle, t["file"])
    key = "series" if "series" in t["columns"] else "''"
    rows = duck(f"SELECT sweep, {key} AS series, count(*) AS n, arg_min(value, t_s) AS first, "
                f"arg_max(value, t_s) AS last, stddev_pop(value::DOUBLE) AS sd FROM '{path}' GROUP BY ALL")
    return {(r["sweep"], r["series"]): r for r in rows}, "series" in t["columns"]


files_ok = 0
for name, rows in sorted(oracle.items()):
    bundle = os.path.join(out, name[:-4])
    mpath = os.path.join(bundle, "manifest.json")
    if not os.path.exists(mpath):
        c.true(False, f"{name}: no bundle")
        continue
    man = json.load(open(mpath))
    chans = man["format_specific"]["channels"]
    stats = {t["name"]: table_stats(bundle, t) for t in man["tables"]}
    bad = []
    for sw, ch, pts, first, last, sd in rows:
        info = chans[ch]
        scale = info["scale_to_unit"]
        proto = man["protocols"].get(str(sw))
        series = [s for s in (proto or {}).get("series", []) if s["role"] == "response" and s["channel"] == info["adc"]]
        if not series:
            bad.append(f"sweep {sw} ch {ch}: not in the manifest")
            continue
        s = series[0]
        tname = s["unit"] if s["unit"] in ("mV", "pA") else "other"
        st, multi = stats[tname]
        got = st.get((sw, s["name"] if multi else ""))
        tol = 1e-5
        if not got or got["n"] != pts or not (close(got["first"], first * scale, tol, 1e-6 * scale) and
                                              close(got["last"], last * scale, tol, 1e-6 * scale) and
                                              close(got["sd"], sd * scale, tol, 1e-6 * scale)):
            bad.append(f"sweep {sw} ch {ch}: {got} vs oracle {pts} {first * scale} {last * scale} {sd * scale}")
    files_ok += not bad
    c.true(not bad, f"{name}: {len(rows)} sweep-channels match pyABF" + (f": {bad[:2]}" if bad else ""))
c.true(files_ok >= 45, f"{files_ok} ABF files match the oracle in their bundles")

# The same recordings as ABF and as NWB give the same bundle values, sweep by sweep and channel by channel.
# The NWB conversions label their voltage channels "amperes" (conversion 1/32768): readers must follow the declared
# unit, so those channels come out 1e9 too large in pA; undoing that label gives the ABF's mV exactly (docs/bundles.md).
nwb_out = os.path.join(c.tmp, "nwb")
pairs = {"xiubert_2025053101_vc": ["xiubert_25531001"], "xiubert_2025053001_vc": ["xiubert_25530001", "xiubert_25530002"]}
plateau("ephys", "convert", *[testdata("nwb", n + ".nwb") for n in pairs], "-o", nwb_out, "--no-plots")


def channel_stats(bundle, pattern):
    """{channel: [(n, total, lo, hi, unit) per sweep in order]} over the bundle's mV and pA tables."""
    man = json.load(open(os.path.join(bundle, "manifest.json")))
    per = defaultdict(list)
    for t in man["tables"]:
        if t["name"] not in ("mV", "pA") or "series" not in t["columns"]:
            continue
        rows = duck(f"SELECT sweep, series, count(*) AS n, sum(value::DOUBLE) AS total, min(value) AS lo, "
                    f"max(value) AS hi, any_value(unit) AS unit FROM '{os.path.join(bundle, t['file'])}' "
                    f"GROUP BY ALL ORDER BY sweep")
        for r in rows:
            import re
            m = re.search(pattern, r["series"])
            if m:
                per[int(m.group(1))].append(r)
    return per


for nwb, abfs in pairs.items():
    nper = channel_stats(os.path.join(nwb_out, nwb), r"response-\d+-ch-(\d+)$")
    aper = defaultdict(list)
    for a in abfs:
        for k, v in channel_stats(os.path.join(out, a), r"^sweep \d+ IN (\d+)$").items():
            aper[k] += v
    same = total = relabelled = 0
    for k in sorted(nper):
        for x, y in zip(nper[k], aper.get(k, [])):
            total += 1
            f = 1.0
            if x["unit"] == "pA" and y["unit"] == "mV":
                f = 1e-9  # "amperes" that are volts: pA -> mV
                relabelled += 1
            if x["n"] == y["n"] and close(x["total"] * f, y["total"], 1e-5, 1e-3) and close(
                    x["lo"] * f, y["lo"], 1e-5, 1e-4) and close(x["hi"] * f, y["hi"], 1e-5, 1e-4):
                same += 1
    c.true(total > 0 and same == total and sum(len(v) for v in nper.values()) == total,
           f"{nwb}: {same} of {total} sweep-channels equal the ABF's ({relabelled} after undoing the file's "
           f"amperes-for-volts label)")
c.done()

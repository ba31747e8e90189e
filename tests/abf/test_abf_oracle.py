"""ABF reader against independent readers, on every real ABF file in $PLATEAU_TESTDATA/abf:

1. pyABF's oracle (oracle_sweeps.tsv): points exactly; first, last and population stdev to 1e-5 relative. pyABF reports
   values in the file's own units; we report mV/pA, so the oracle is scaled by our "scale_to_unit" before comparing.
2. neo's AxonIO (python3-neo): every sample, relative 1e-5, per channel over the whole file (all sweeps in order).
3. The NWB conversions of the xiubert_* files (h5py: data * conversion + offset, amperes -> pA, volts -> mV).
4. Synthesised stimuli against a recorded copy of the command where a file records one, and basic shape checks.
"""
import glob
import json
import math
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np

from harness import Checks, testdata

DUMP = os.environ.get("ABF_DUMP") or os.path.join(os.environ.get("PLATEAU_BUILD", "build"), "tests", "abf", "abf_dump")
REL = 1e-5


def dump(path, want_values=True):
    """Runs the dump helper; returns (json, values per series as numpy arrays)."""
    with tempfile.NamedTemporaryFile(suffix=".f64") as tmp:
        args = [DUMP, path] + ([tmp.name] if want_values else [])
        r = subprocess.run(args, capture_output=True, text=True, timeout=300)
        d = json.loads(r.stdout)
        if "error" in d:
            return d, None
        vals = []
        if want_values:
            raw = np.fromfile(tmp.name, dtype="<f8")
            pos = 0
            for s in d["series"]:
                vals.append(raw[pos:pos + s["n"]])
                pos += s["n"]
        return d, vals


def close(a, b, rel=REL, abs_=1e-9):
    return abs(a - b) <= max(rel * max(abs(a), abs(b)), abs_)


def load_oracle():
    rows = {}
    with open(testdata("abf", "oracle_sweeps.tsv")) as fh:
        next(fh)
        for line in fh:
            f, sw, ch, pts, first, last, sd = line.rstrip("\n").split("\t")
            rows.setdefault(f, []).append((int(sw), int(ch), int(pts), float(first), float(last), float(sd)))
    return rows


def responses_by_sweep_channel(d):
    """(sweep, channel index in interleave order) -> series index, for response series."""
    out = {}
    per_sweep = {}
    for i, s in enumerate(d["series"]):
        if s["role"] != "response":
            continue
        k = per_sweep.get(s["sweep"], 0)
        per_sweep[s["sweep"]] = k + 1
        out[(s["sweep"], k)] = i
    return out


def check_oracle(c, name, d, oracle_rows):
    m = responses_by_sweep_channel(d)
    chans = d["extra"]["channels"]
    converted = [f"{x['name']} {x['file_unit']}->{x['unit']}" for x in chans if x["scale_to_unit"] != 1]
    if converted:
        print(f"note {name}: pyABF reports {', '.join(converted)} in the file's unit; compared after conversion")
    bad = []
    for sw, ch, pts, first, last, sd in oracle_rows:
        i = m.get((sw, ch))
        if i is None:
            bad.append(f"sweep {sw} ch {ch} missing")
            continue
        s = d["series"][i]
        scale = chans[ch]["scale_to_unit"]
        # pyABF computes in float32: allow one float32 rounding of the channel's LSB-scale values.
        tol = 1e-6 * scale
        if s["n"] != pts:
            bad.append(f"sweep {sw} ch {ch}: {s['n']} points, oracle {pts}")
        elif not (close(s["first"], first * scale, abs_=tol) and close(s["last"], last * scale, abs_=tol)
                  and close(s["stdev"], sd * scale, abs_=tol)):
            bad.append(f"sweep {sw} ch {ch}: first/last/stdev {s['first']:.8g}/{s['last']:.8g}/{s['stdev']:.8g} "
                       f"oracle {first * scale:.8g}/{last * scale:.8g}/{sd * scale:.8g}")
    c.true(not bad, f"{name}: {len(oracle_rows)} sweep-channels match pyABF's oracle" + (f" ({bad[:3]})" if bad else ""))


def neo_channels(path):
    """Per-channel concatenation of neo's rescaled signals over all segments, and the channel units."""
    import neo
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = neo.rawio.AxonRawIO(path)
        r.parse_header()
        nseg = r.header["nb_segment"][0]
        chans = r.header["signal_channels"]
        parts = [[] for _ in chans]
        for seg in range(nseg):
            raw = r.get_analogsignal_chunk(0, seg, stream_index=0)
            f = r.rescale_signal_raw_to_float(raw, dtype="float64", stream_index=0)
            for k in range(len(chans)):
                parts[k].append(f[:, k])
    return [np.concatenate(p) for p in parts], [str(u) for u in chans["units"]]


def check_neo(c, name, path, d, vals, cannot):
    try:
        neo_vals, _units = neo_channels(path)
    except Exception as e:  # neo cannot read some valid files: list them
        cannot.append(f"{name}: {type(e).__name__}: {str(e)[:80]}")
        print("note " + str(f"{name}: neo cannot read it ({type(e).__name__}: {str(e)[:80]})"))
        return
    chans = d["extra"]["channels"]
    ours = [[] for _ in chans]
    for i, s in enumerate(d["series"]):
        if s["role"] == "response":
            k = [j for j, ch in enumerate(chans) if ch["adc"] == s["channel"]][0]
            ours[k].append(vals[i])
    bad = []
    for k, ch in enumerate(chans):
        a = np.concatenate(ours[k]) if ours[k] else np.array([])
        b = neo_vals[k] * ch["scale_to_unit"]
        if len(a) != len(b):
            # neo cuts sweeps from the synch array; we follow the header: compare the common prefix and note it
            n = min(len(a), len(b))
            print("note " + str(f"{name} ch {k}: {len(a)} samples here, {len(b)} in neo (comparing the first {n})"))
            a, b = a[:n], b[:n]
        tol = np.maximum(REL * np.maximum(np.abs(a), np.abs(b)), 1e-9 * max(1.0, ch["scale_to_unit"]))
        worst = np.nonzero(np.abs(a - b) > tol)[0]
        if len(worst):
            j = worst[0]
            bad.append(f"ch {k} sample {j}: {a[j]!r} vs neo {b[j]!r} ({len(worst)} differ)")
    c.true(not bad, f"{name}: every sample matches neo AxonIO" + (f" ({bad[:2]})" if bad else ""))


def check_nwb(c, abf_name, nwb_name, d, vals, sweep_offset=0):
    import h5py
    path = testdata("nwb", nwb_name)
    if not os.path.exists(path):
        print("note " + str(f"{nwb_name} not present"))
        return
    m = responses_by_sweep_channel(d)
    compared, bad, relabelled = 0, [], set()
    with h5py.File(path, "r") as f:
        for key in sorted(f["acquisition"].keys()):
            parts = key.split("-")
            try:
                sweep, ch = int(parts[-3]) - 1 - sweep_offset, int(parts[-1])
            except ValueError:
                continue
            ds = f["acquisition"][key]["data"]
            unit = ds.attrs.get("unit", b"")
            unit = unit.decode() if isinstance(unit, bytes) else str(unit)
            scale = 1e12 if unit.startswith("amp") else 1e3 if unit.startswith("volt") else 1.0
            x = (ds[()].astype("float64") * ds.attrs.get("conversion", 1.0) + ds.attrs.get("offset", 0.0)) * scale
            i = m.get((sweep, ch))
            if i is None:
                continue  # the NWB file holds the day's sweeps of several ABF files
            ours = vals[i]
            s = d["series"][i]
            if s["unit"] == "mV" and scale == 1e12:
                # the conversion labels every channel "amperes"; membrane-potential channels hold volts
                x = x / 1e12 * 1e3
                relabelled.add(f"ch {ch}")
            if len(ours) != len(x):
                bad.append(f"{key}: {len(ours)} vs {len(x)} samples")
                continue
            tol = np.maximum(REL * np.maximum(np.abs(ours), np.abs(x)), 1e-6)
            if np.any(np.abs(ours - x) > tol):
                j = int(np.argmax(np.abs(ours - x) > tol))
                bad.append(f"{key} ({s['unit']}): sample {j} {ours[j]!r} vs nwb {x[j]!r}")
            compared += 1
    if relabelled:
        print(f"note {nwb_name}: {sorted(relabelled)} are labelled amperes but hold volts (compared as volts)")
    c.true(compared == len(m) and not bad,
           f"{abf_name} == {nwb_name} (sweeps from {sweep_offset + 1}): {compared} sweep-channels identical"
           + (f" ({bad[:2]})" if bad else ""))


def check_nwb_reader(c, abf_name, nwb_name, d, vals, sweep_offset):
    """Our two readers on the same recordings: the NWB reader on the conversion vs the ABF reader on the original."""
    path = testdata("nwb", nwb_name)
    if not os.path.exists(path):
        return
    dn, vn = dump(path)
    if vn is None:
        c.true(False, f"our NWB reader opens {nwb_name} ({dn.get('error')})")
        return
    m = responses_by_sweep_channel(d)
    compared, bad, relabelled = 0, [], set()
    for i, s in enumerate(dn["series"]):
        if s["role"] != "response":
            continue
        j = m.get((s["sweep"] - sweep_offset, s["channel"]))
        if j is None:
            continue
        x, ours = vn[i], vals[j]
        if d["series"][j]["unit"] == "mV" and s["unit"] == "pA":
            x = x * 1e-9  # the conversion labels membrane potentials "amperes": pA of the label are mV x 1e9
            relabelled.add(s["channel"])
        if len(x) != len(ours) or np.any(np.abs(x - ours) > np.maximum(REL * np.abs(ours), 1e-6)):
            bad.append(s["name"])
        compared += 1
    if relabelled:
        print(f"note {nwb_name}: our NWB reader reports channels {sorted(relabelled)} in pA as the file labels them; "
              "they are membrane potentials (the conversion's fault)")
    c.true(compared == len(m) and not bad,
           f"our NWB reader on {nwb_name} == our ABF reader on {abf_name}: {compared} series" + (f" ({bad[:3]})" if bad else ""))


def check_stimulus(c, name, d, vals):
    """Synthesised stimuli: one per sweep per played DAC, holding level at the sweep start, finite values."""
    stim = [(i, s) for i, s in enumerate(d["series"]) if s["role"] == "stimulus"]
    if d["extra"]["stimulus"] != "synthesised from epoch table":
        c.true(not stim, f"{name}: no stimulus series ({d['extra']['stimulus']})")
        return
    dacs = {x["dac"]: x for x in d["extra"]["dacs"]}
    ok = bool(stim)
    for i, s in stim:
        v = vals[i]
        ok &= bool(np.all(np.isfinite(v))) and s["unit"] == dacs[s["channel"]]["unit"]
        if s["sweep"] == 0:
            ok &= close(v[0], dacs[s["channel"]]["holding"], abs_=1e-9)
    c.true(ok, f"{name}: {len(stim)} synthesised stimulus series start at holding and are finite")


def check_recorded_command(c):
    """Files recording the command through a model cell on a second ADC (an RC-filtered copy): every step of our
    synthesised waveform must make the recording move the same way right after it (timing and sign of each edge)."""
    for fname in ["18702001-step.abf", "18702001-ramp.abf", "18702001-pulseTrain.abf", "18702001-biphasicTrain.abf"]:
        path = testdata("abf", fname)
        if not os.path.exists(path):
            continue
        d, vals = dump(path)
        resp = {(s["sweep"], s["channel"]): i for i, s in enumerate(d["series"]) if s["role"] == "response"}
        stim = {(s["sweep"], s["channel"]): i for i, s in enumerate(d["series"]) if s["role"] == "stimulus"}
        edges = agree = 0
        for (sw, ch), i in stim.items():
            if ch != 1 or (sw, 1) not in resp:
                continue
            a, b = vals[i], vals[resp[(sw, 1)]]
            jumps = np.diff(a)
            for t in np.nonzero(np.abs(jumps) > 0.01 * (np.ptp(a) or 1))[0]:
                if t + 40 >= len(b):
                    continue
                edges += 1
                agree += np.sign(jumps[t]) == np.sign(b[t + 40] - b[t + 1])
        c.true(edges > 0 and agree >= 0.95 * edges,
               f"{fname}: {agree}/{edges} edges of the synthesised DAC 1 show in the recorded command (ADC 1)")


def check_clamp_modes(c):
    """Clamp per channel from units, refined by the played commands or the telegraphed outputs."""
    cases = {"2015_09_10_0001.abf": ["voltage_clamp", "voltage_clamp", "unknown"],
             "2020_03_02_0000.abf": ["current_clamp", "current_clamp"],
             "multichannelAbf1WithTags.abf": ["voltage_clamp", "voltage_clamp"],
             "17o05028_ic_steps.abf": ["current_clamp"],
             "xiubert_25531001.abf": ["current_clamp", "voltage_clamp", "current_clamp", "voltage_clamp"],
             "180415_aaron_temp.abf": ["unknown", "unknown"]}
    for fname, want in cases.items():
        if not os.path.exists(testdata("abf", fname)):
            continue
        d, _ = dump(testdata("abf", fname), want_values=False)
        got = [ch["clamp"] for ch in d["extra"]["channels"]]
        c.eq(got, want, f"{fname}: clamp per channel")


def check_abf1_abf2_twins(c):
    """The same recordings saved as ABF1 and ABF2: identical synthesised stimuli (ABF1 carries only DACs 0 and 1)."""
    for a, b in [("pclamp11_4ch.abf", "pclamp11_4ch_abf1.abf"), ("18425108.abf", "18425108_abf1.abf")]:
        if not os.path.exists(testdata("abf", a)) or not os.path.exists(testdata("abf", b)):
            continue
        d1, v1 = dump(testdata("abf", a))
        d2, v2 = dump(testdata("abf", b))
        s1 = {s["name"]: i for i, s in enumerate(d1["series"]) if s["role"] == "stimulus"}
        s2 = {s["name"]: i for i, s in enumerate(d2["series"]) if s["role"] == "stimulus"}
        common = sorted(set(s1) & set(s2))
        same = all(len(v1[s1[k]]) == len(v2[s2[k]]) and np.max(np.abs(v1[s1[k]] - v2[s2[k]])) < 1e-6 for k in common)
        c.true(common and same and set(s2) <= set(s1),
               f"{a} and {b}: {len(common)} synthesised stimuli identical in ABF2 and ABF1")


def check_neo_protocol(c, name, path, d, vals):
    """neo's read_raw_protocol rebuilds ABF2 step protocols (holding, then steps from 1/64 of the sweep, no ramps or
    trains, always back to holding): where a DAC's table has only steps, ours must be identical."""
    import neo
    if d["format_version"][0] != "2" or d["extra"]["stimulus"] != "synthesised from epoch table":
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = neo.rawio.AxonRawIO(path)
        try:
            r.parse_header()
        except Exception:
            return False
        info = r._axon_info
        try:
            sigs, _names, _units = r.read_raw_protocol()
        except Exception:
            return False
    stim = {(s["sweep"], s["channel"]): i for i, s in enumerate(d["series"]) if s["role"] == "stimulus"}
    compared, bad = 0, []
    for dac, table in info["dictEpochInfoPerDAC"].items():
        dacinfo = info["listDACInfo"][dac]
        if dacinfo["nInterEpisodeLevel"] or any(e["nEpochType"] not in (0, 1) or
                                                (e["nEpochType"] == 0 and e["lEpochInitDuration"]) for e in table.values()):
            continue
        scale = [x for x in d["extra"]["dacs"] if x["dac"] == dac]
        if not scale:
            continue
        for sw in range(len(sigs)):
            i = stim.get((sw, dac))
            if i is None:
                continue
            theirs = np.asarray(sigs[sw][dac], dtype="float64")
            ours = vals[i]
            # neo's levels are in the DAC's own unit; ours in mV/pA (same here unless nA/V)
            factor = scale[0]["scale_to_unit"]
            n = min(len(ours), len(theirs))
            if len(ours) != len(theirs) or np.max(np.abs(ours[:n] - theirs[:n] * factor)) > 1e-6 * max(1, np.max(np.abs(ours))):
                bad.append(f"DAC {dac} sweep {sw}")
            compared += 1
    if compared:
        c.true(not bad, f"{name}: {compared} step stimuli identical to neo's protocol reconstruction" + (f" ({bad[:3]})" if bad else ""))
    return compared > 0


def main():
    c = Checks("abf_oracle")
    oracle = load_oracle()
    files = sorted(glob.glob(testdata("abf", "*.abf")))
    c.true(len(files) >= 50, f"{len(files)} ABF files found")
    cannot = []
    neo_protocol_files = []
    for path in files:
        name = os.path.basename(path)
        d, vals = dump(path)
        if vals is None:
            c.true(False, f"{name}: opens ({d.get('error')})")
            continue
        if name in oracle:
            check_oracle(c, name, d, oracle[name])
        else:
            print("note " + str(f"{name}: not in oracle_sweeps.tsv"))
        check_neo(c, name, path, d, vals, cannot)
        check_stimulus(c, name, d, vals)
        if check_neo_protocol(c, name, path, d, vals):
            neo_protocol_files.append(name)
    # one NWB file per day holds that day's ABF files' sweeps one after the other
    for abf_name, nwb_name, offset in [("xiubert_25530001.abf", "xiubert_2025053001_vc.nwb", 0),
                                       ("xiubert_25530002.abf", "xiubert_2025053001_vc.nwb", 10),
                                       ("xiubert_25531001.abf", "xiubert_2025053101_vc.nwb", 0)]:
        d, vals = dump(testdata("abf", abf_name))
        check_nwb(c, abf_name, nwb_name, d, vals, offset)
        check_nwb_reader(c, abf_name, nwb_name, d, vals, offset)
    c.true(len(neo_protocol_files) >= 5, f"stimuli compared with neo's reconstruction in {len(neo_protocol_files)} files")
    check_recorded_command(c)
    check_abf1_abf2_twins(c)
    check_clamp_modes(c)
    print("note " + str("files neo cannot read: " + ("; ".join(cannot) if cannot else "none")))
    c.done()


if __name__ == "__main__":
    main()

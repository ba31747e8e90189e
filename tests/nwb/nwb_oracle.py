"""An independent reading of NWB patch-clamp series with h5py, for comparing with plateau's reader.

It follows the NWB schema, not plateau's code: series in /acquisition (1.x: /acquisition/timeseries) and
/stimulus/presentation with a patch-clamp neurodata_type (or 1.x ancestry, or an extension type whose cached
specification includes one), values data * conversion + offset scaled to mV / pA, sweep numbers from the sweep
table, the series' sweep_number, the simultaneous_recordings id, MIES 1.x "Sweep=N", then the number in the name."""
import json
import re

import h5py
import numpy as np

CORE = {
    "CurrentClampSeries": (False, "current_clamp"),
    "IZeroClampSeries": (False, "izero"),
    "VoltageClampSeries": (False, "voltage_clamp"),
    "PatchClampSeries": (False, "unknown"),
    "CurrentClampStimulusSeries": (True, "current_clamp"),
    "VoltageClampStimulusSeries": (True, "voltage_clamp"),
}
UNITS = {"volts": ("mV", 1e3), "volt": ("mV", 1e3), "V": ("mV", 1e3), "amperes": ("pA", 1e12), "ampere": ("pA", 1e12),
         "amps": ("pA", 1e12), "A": ("pA", 1e12), "mV": ("mV", 1.0), "pA": ("pA", 1.0)}


def text(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.ndarray):
        return ", ".join(text(x) for x in v.ravel())
    return str(v)


def spec_parents(f):
    parents = {}

    def walk(j):
        if isinstance(j, dict):
            if "neurodata_type_def" in j and "neurodata_type_inc" in j:
                parents.setdefault(j["neurodata_type_def"], j["neurodata_type_inc"])
            for v in j.values():
                walk(v)
        elif isinstance(j, list):
            for v in j:
                walk(v)

    if "specifications" in f:
        for ns, g in f["specifications"].items():
            if ns == "core":
                continue
            for ver in g.values():
                for name, d in ver.items():
                    if name == "namespace" or not isinstance(d, h5py.Dataset):
                        continue
                    try:
                        walk(json.loads(text(d[()])))
                    except ValueError:
                        pass
    return parents


def classify(t, parents):
    for _ in range(17):
        if t in CORE:
            return CORE[t]
        t = parents.get(t)
        if t is None:
            return None
    return None


def name_number(name):
    toks = [t for t in re.split(r"[_\- .]+", name) if t]
    best = None
    for i, t in enumerate(toks):
        if t.isdigit() and len(t) < 10 and (i == 0 or toks[i - 1].lower() not in ("ch", "channel", "electrode")):
            best = int(t)
    if best is not None:
        return best
    m = re.search(r"(?<!\d)(\d{1,9})$", name)
    return int(m.group(1)) if m else -1


def table_info(f):
    """path -> [sweep or None, partner path or None] from the sweep table and the intracellular recordings table."""
    info = {}
    ice = "general/intracellular_ephys"
    if f"{ice}/sweep_table/sweep_number" in f:
        st = f[f"{ice}/sweep_table"]
        sw = st["sweep_number"][:]
        refs = st["series"][:]
        idx = st["series_index"][:] if "series_index" in st else np.arange(1, len(sw) + 1)
        start = 0
        for row, end in enumerate(idx):
            for k in range(start, end):
                info.setdefault(f[refs[k]].name, [None, None])[0] = int(sw[row])
            start = end
    ir = f"{ice}/intracellular_recordings"
    if f"{ir}/responses/response" in f:
        rows = {}
        if f"{ice}/simultaneous_recordings/recordings" in f:
            sr = f[f"{ice}/simultaneous_recordings"]
            ids, rec, idx = sr["id"][:], sr["recordings"][:], sr["recordings_index"][:]
            start = 0
            for row, end in enumerate(idx):
                for k in range(start, end):
                    rows[int(rec[k])] = int(ids[row])
                start = end
        resp = f[f"{ir}/responses/response"][:]
        stim = f[f"{ir}/stimuli/stimulus"][:] if f"{ir}/stimuli/stimulus" in f else []
        for i in range(max(len(resp), len(stim))):
            r = f[resp[i][2]].name if i < len(resp) and resp[i][0] >= 0 else None
            s = f[stim[i][2]].name if i < len(stim) and stim[i][0] >= 0 else None
            for p, o in ((r, s), (s, r)):
                if p:
                    e = info.setdefault(p, [None, None])
                    if e[0] is None and rows.get(i) is not None:
                        e[0] = rows[i]
                    if e[1] is None:
                        e[1] = o
    return info


def version(f):
    v = f.attrs.get("nwb_version")
    if v is None and "nwb_version" in f:
        v = f["nwb_version"][()]
    if v is None:
        return None
    v = text(v)
    return v[4:] if v.startswith("NWB-") else v


def series(path):
    """The list of series (dicts) in plateau's order, or raises ValueError with the kind of error expected."""
    f = h5py.File(path, "r")
    v = version(f)
    if v is None:
        raise ValueError("no nwb_version")
    v1 = v.startswith("1")
    parents = spec_parents(f)
    out = []
    for group in (["acquisition/timeseries"] if v1 else ["acquisition"]) + ["stimulus/presentation"]:
        if group not in f:
            continue
        for name in sorted(f[group].keys(), key=lambda s: s.encode()):
            g = f[group][name]
            if not isinstance(g, h5py.Group):
                continue
            if v1 and "ancestry" in g.attrs:
                t = text(g.attrs["ancestry"][-1])
            else:
                t = text(g.attrs.get("neurodata_type", b""))
            rule = classify(t, parents)
            if rule is None:
                continue
            d = g["data"]
            data = d[:]
            if data.ndim == 2 and data.shape[1] == 1:
                data = data[:, 0]
            conv = float(d.attrs.get("conversion", 1.0))
            off = float(d.attrs.get("offset", 0.0))
            unit, scale = UNITS.get(text(d.attrs.get("unit", b"")), (text(d.attrs.get("unit", b"")), 1.0))
            vals = (data.astype(np.float64) * conv + off) * scale
            s = {"name": name, "location": "/" + group + "/" + name, "type": t, "unit": unit, "values": vals,
                 "role": "stimulus" if rule[0] or group.startswith("stimulus") else "response", "clamp": rule[1]}
            if "timestamps" in g:
                s["times"] = g["timestamps"][:len(vals)].astype(np.float64)
                s["start"] = float(s["times"][0]) if len(vals) else 0.0
                s["rate"] = float(g["timestamps"].attrs.get("rate", 0.0))
            else:
                st = g["starting_time"]
                s["start"] = float(np.ravel(st[()])[0])
                s["rate"] = float(st.attrs["rate"])
                s["times"] = s["start"] + np.arange(len(vals)) / s["rate"]
            sw = None
            if "sweep_number" in g.attrs:
                sw = int(np.ravel(g.attrs["sweep_number"])[0])
            elif "sweep_number" in g:
                sw = int(np.ravel(g["sweep_number"][()])[0])
            elif v1 and "source" in g.attrs:
                m = re.search(r"Sweep=(\d+)", text(g.attrs["source"]))
                sw = int(m.group(1)) if m else None
            s["sweep"] = sw
            el = g.get("electrode", getlink=True)
            if isinstance(el, h5py.SoftLink):
                m = re.search(r"(\d+)$", el.path)
                s["channel"] = int(m.group(1)) if m else -1
            elif "electrode_name" in g:
                m = re.search(r"(\d+)$", text(g["electrode_name"][()]))
                s["channel"] = int(m.group(1)) if m else -1
            else:
                s["channel"] = -1
            out.append(s)
    if not out:
        raise ValueError("no intracellular")
    tables = {} if v1 else table_info(f)
    by_loc = {s["location"]: s for s in out}
    for s in out:
        t = tables.get(s["location"], [None, None])
        if s["sweep"] is None:
            s["sweep"] = t[0]
        s["partner"] = t[1]
    for s in out:
        p = by_loc.get(s["partner"]) if s["partner"] else None
        if p is not None:
            if s["sweep"] is None:
                s["sweep"] = p["sweep"]
            if s["clamp"] == "unknown":
                s["clamp"] = p["clamp"]
    for s in out:
        if s["sweep"] is None:
            s["sweep"] = name_number(s["name"])
    for s in out:
        if s["clamp"] == "unknown" and s["sweep"] >= 0:
            for o in out:
                if o["sweep"] == s["sweep"] and o["channel"] == s["channel"] and o["role"] != s["role"] \
                        and o["clamp"] != "unknown":
                    s["clamp"] = o["clamp"]
                    break
    out.sort(key=lambda s: (s["sweep"] if s["sweep"] >= 0 else 2**32, s["role"] != "response", s["name"].encode()))
    return out

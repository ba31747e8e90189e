"""Shared by the ephys integration tests: feed sweeps to ephys_tool and read recordings with h5py / neo."""
import json
import os
import struct
import subprocess

import numpy as np


def write_sweeps(path, sweeps):
    """sweeps: iterable of (sweep, t0_s, rate_Hz, current_pA, voltage_mV)."""
    with open(path, "wb") as f:
        for sweep, t0, rate, i_pa, v_mv in sweeps:
            i_pa = np.asarray(i_pa, dtype="<f8")
            v_mv = np.asarray(v_mv, dtype="<f8")
            assert i_pa.size == v_mv.size
            f.write(struct.pack("<iiQdd", sweep, 0, i_pa.size, t0, rate))
            f.write(i_pa.tobytes())
            f.write(v_mv.tobytes())


def analyse(tool, path, *params):
    r = subprocess.run([tool, path, *params], capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise AssertionError(f"ephys_tool failed ({r.returncode}): {r.stderr}")
    return json.loads(r.stdout)


def nwb_sweeps(path, float32=False):
    """The sweeps of an NWB file as the analysis sees them: current-clamp sweeps pair the stimulus (pA) with the
    response (mV); voltage-clamp sweeps pair the response (pA) with the stimulus (mV). Values are data * conversion
    (+ offset) in pA / mV; t0 is the series' starting_time."""
    import h5py
    out = []
    with h5py.File(path, "r") as f:
        acq, stim = f["acquisition"], f["stimulus/presentation"]
        stim_by_sweep = {int(stim[k].attrs.get("sweep_number", -1)): k for k in stim}
        for key in acq:
            g = acq[key]
            sweep = int(g.attrs.get("sweep_number", len(out)))
            kind = g.attrs["neurodata_type"]
            kind = kind.decode() if isinstance(kind, bytes) else kind
            if sweep not in stim_by_sweep:
                continue
            s = stim[stim_by_sweep[sweep]]

            def values(series, scale):
                d = series["data"]
                conv = float(d.attrs.get("conversion", 1.0))
                off = float(d.attrs.get("offset", 0.0))
                x = d[()].astype(np.float64) * conv + off
                x = x * scale
                return x.astype(np.float32).astype(np.float64) if float32 else x
            rate = float(g["starting_time"].attrs["rate"])
            t0 = float(g["starting_time"][()])
            if kind in ("CurrentClampSeries", "IZeroClampSeries"):
                out.append((sweep, t0, rate, values(s, 1e12), values(g, 1e3), "cc"))
            else:
                out.append((sweep, t0, rate, values(g, 1e12), values(s, 1e3), "vc"))
    out.sort(key=lambda r: r[0])
    return out


def spike_oracle(v, rate, ss, se, params):
    """Independent count of the spikes (scipy find_peaks with the design's rules on the same voltage) and their
    thresholds/peaks by numpy: returns a list of (peak index, peak mV, threshold mV)."""
    from scipy import signal
    npre = int(round(params["pre_ms"] * rate / 1000))
    npost = int(round(params["post_ms"] * rate / 1000))
    lo, hi = max(ss - npre, 0), min(se + npost, len(v) - 1)
    pk, _ = signal.find_peaks(v[lo:hi + 1], height=params["peak_height_mV"], prominence=params["prominence_mV"],
                              distance=params["min_peak_distance_ms"] * rate / 1000)
    pk = pk + lo
    dvdt = np.gradient(v) * rate / 1000
    spikes, prev = [], lo
    for p in pk:
        if p < ss or p > se:
            continue
        a = max(p - npre, prev)
        prev = p + 1
        seg = dvdt[a:p + 1]
        up = a + int(np.argmax(seg))
        above = np.nonzero(dvdt[a:up + 1] >= params["threshold_fraction"] * dvdt[up])[0]
        thr = a + int(above[0])
        if v[p] - v[thr] >= params["min_threshold_to_peak_mV"]:
            spikes.append((int(p), float(v[p]), float(v[thr])))
    return spikes


def nwb_pairs_by_name(path):
    """NWB files without sweep numbers (bluepyefe's): acquisition 'ic__X' pairs with stimulus 'ics__X'."""
    import h5py
    out = []
    with h5py.File(path, "r") as f:
        acq, stim = f["acquisition"], f["stimulus/presentation"]
        for n, key in enumerate(sorted(acq, key=lambda k: int(k.rsplit("__", 1)[-1]) if k[-1].isdigit() else 0)):
            skey = key.replace("ic__", "ics__", 1)
            if skey not in stim:
                continue
            g, s = acq[key], stim[skey]
            v = g["data"][()].astype(np.float64) * float(g["data"].attrs.get("conversion", 1.0)) * 1e3
            i = s["data"][()].astype(np.float64) * float(s["data"].attrs.get("conversion", 1.0)) * 1e12
            out.append((n, float(g["starting_time"][()]), float(g["starting_time"].attrs["rate"]), i, v))
    return out


def abf_sweeps(path):
    """Current-clamp ABF episodes with neo: the first mV signal and the protocol's 'Cmd 0' waveform in pA."""
    import warnings
    import neo
    warnings.simplefilter("ignore")
    r = neo.io.AxonIO(path)
    block = r.read_block(lazy=False)
    proto, names, units = r.read_raw_protocol()
    out = []
    for n, seg in enumerate(block.segments):
        sig = seg.analogsignals[0]
        v = np.asarray(sig.rescale("mV").magnitude[:, 0], dtype=np.float64)
        i = np.asarray(proto[n][names.index("Cmd 0")], dtype=np.float64)
        assert units[names.index("Cmd 0")] == "pA"
        out.append((n, float(sig.t_start.rescale("s").magnitude), float(sig.sampling_rate.rescale("Hz").magnitude), i,
                    v))
    return out

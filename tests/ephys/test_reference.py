"""Our analysis of nwb/generated/mies_style_97sweeps_small.nwb against what the original pipeline produced for it
(reference/ephys_original_small) and the generator's true cell model (gen_summary.json).

The original's known unit faults are undone before comparing: *_mVms columns are 1e6 x mV/ms, AP_Location_ms and the
upstroke/downstroke-to-peak times are seconds, input_resistance is GΩ. Its values were float32, so agreement is
to float32 precision (relative 1e-6) unless a difference is explained below."""
import csv
import json
import math
import os
import sys

from harness import Checks, testdata
from ephys_common import analyse, nwb_sweeps, write_sweeps

TOOL = sys.argv[1]
c = Checks("ephys-reference")
REF = testdata("reference", "ephys_original_small")
sweeps = nwb_sweeps(testdata("nwb", "generated", "mies_style_97sweeps_small.nwb"), float32=True)
c.eq(len(sweeps), 97, "97 sweeps read with h5py")
binfile = os.path.join(c.tmp, "sweeps.bin")
# The original classified voltage-clamp sweeps on their command (its "stimulus" table); feed that, so that the
# windows and levels of those dropped sweeps are comparable too.
write_sweeps(binfile, [(s, t0, rate, (v if kind == "vc" else i), v) for s, t0, rate, i, v, kind in sweeps])
res = analyse(TOOL, binfile)
ours = {s["sweep"]: s for s in res["sweeps"]}
cfg = json.load(open(os.path.join(REF, "sweep_config.json")))
gen = json.load(open(os.path.join(REF, "gen_summary.json")))


def num(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def same(a, b, rel=1e-6, abs_=1e-9):
    a, b = num(a), num(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= max(rel * max(abs(a), abs(b)), abs_)


# Step 1: classification
c.eq(sorted(k for k, s in ours.items() if s["valid"]), cfg["kept_sweeps"], "kept sweeps equal the original's")
c.eq(sorted(k for k, s in ours.items() if not s["valid"]), cfg["dropped_sweeps"], "dropped sweeps equal the original's")
bad_reason = [k for k, s in cfg["sweeps"].items() if not s["valid"] and s["reason"] != ours[int(k)]["reason"]]
c.eq(bad_reason, [], "every drop reason equals the original's")
bad_level = [k for k, s in cfg["sweeps"].items() if not same(s["stimulus_level_pA"], ours[int(k)]["stimulus_level_pA"])]
c.eq(bad_level, [], "stimulus levels (mode of round(I, 1)) equal the original's for all 97 sweeps")
bad_win = [(k, w) for k, s in cfg["sweeps"].items() for w in s["windows"]
           if not same(s["windows"][w], ours[int(k)][w], rel=0, abs_=1e-6)]
c.eq(bad_win, [], "baseline and stimulus windows (absolute session time) equal the original's")

# Steps 4-9 per kept sweep, from analysis.csv
rows = {int(r["sweep"]): r for r in csv.DictReader(open(os.path.join(REF, "analysis.csv")))}
c.eq(sorted(rows), cfg["kept_sweeps"], "analysis.csv has one row per kept sweep")
columns = {  # original column -> (our field, factor that turns ours into the original's units)
    "resting_vm_mean_mV": ("rmp_mV", 1), "avg_peak_voltage_mV": ("avg_peak_mV", 1),
    "avg_threshold_voltage_mV": ("avg_threshold_mV", 1), "avg_threshold_to_peak_mV": ("avg_threshold_to_peak_mV", 1),
    "avg_threshold_to_peak_ms": ("avg_threshold_to_peak_ms", 1), "avg_fast_trough_at_hyperpolarization_mV":
    ("avg_fast_trough_mV", 1), "avg_upstroke_to_peak_ms": ("avg_upstroke_to_peak_ms", 1e-3),
    "avg_upstroke_to_peak_mV": ("avg_upstroke_to_peak_mV", 1), "avg_peak_to_downstroke_ms":
    ("avg_peak_to_downstroke_ms", 1e-3), "avg_peak_to_trough_ms": ("avg_peak_to_trough_ms", 1),
    "avg_peak_to_trough_mV": ("avg_height_mV", 1), "avg_height_mV": ("avg_height_mV", 1),
    "avg_half_height_mV": ("avg_half_height_mV", 1), "avg_ap_width_ms": ("avg_width_ms", 1),
    "avg_threshold_fast_trough_width_ms": ("avg_threshold_to_trough_ms", 1),
    "avg_upstroke_downstroke_ratio": ("avg_upstroke_downstroke_ratio", 1), "avg_upstroke_mVms":
    ("avg_upstroke_mV_ms", 1e6), "avg_downstroke_mVms": ("avg_downstroke_mV_ms", 1e6),
    "spike_frequency_Hz": ("spike_frequency_Hz", 1), "mean_isi_ms": ("mean_isi_ms", 1), "cv_isi": ("cv_isi", 1),
    "middle_first_AP_width_ratio": ("middle_first_width", 1), "middle_first_AP_peak_threshold_ratio":
    ("middle_first_threshold_to_peak", 1), "middle_first_AP_fast_trough_ratio": ("middle_first_fast_trough", 1),
    "last_first_AP_width_ratio": ("last_first_width", 1), "last_first_AP_peak_threshold_ratio":
    ("last_first_threshold_to_peak", 1), "last_first_AP_fast_trough_ratio": ("last_first_fast_trough", 1),
    "avg_injected_current_pA": ("injected_current_pA", 1), "frequency_pre_filter": ("frequency_pre_filter_Hz", 1),
    "frequency_post_filter": ("frequency_post_filter_Hz", 1), "drift_range": ("drift_range_mV", 1),
    "d_std": ("d_std_mV", 1), "normalized_signal_variability": ("normalized_signal_variability", 1),
    "filtered_RMP_derivative": ("filtered_rmp_derivative_mV_s", 1),
}
for col, (field, factor) in columns.items():
    bad = [(k, r[col], ours[k][field]) for k, r in rows.items()
           if not same(r[col], None if ours[k][field] is None else ours[k][field] * factor, rel=2e-6)]
    c.eq(bad[:3], [], f"{col} agrees for all {len(rows)} kept sweeps")
# Sag: the original filtered, median-filtered and averaged float32 samples (float32 sums over 4000 samples);
# agreement to 5e-4 mV.
for col, field in (("sag_voltage_mV", "sag_mV"), ("sag_ratio", "sag_ratio"),
                   ("peak_hyperpolarization_mV", "peak_hyperpolarization_mV")):
    bad = [(k, r[col], ours[k][field]) for k, r in rows.items() if not same(r[col], ours[k][field], rel=0, abs_=5e-4)]
    c.eq(bad[:3], [], f"{col} agrees within 5e-4 for every hyperpolarising sweep")
# Savitzky-Golay filtered RMP: the original's window choice is not reproducible from its outputs (no window in
# 5..1199 and no edge mode gives its numbers for every sweep); ours follows the design. Within 0.005 mV.
bad = [(k, r["filtered_resting_vm_mean_mV"], ours[k]["filtered_rmp_mV"]) for k, r in rows.items()
       if not same(r["filtered_resting_vm_mean_mV"], ours[k]["filtered_rmp_mV"], rel=0, abs_=5e-3)]
c.eq(bad[:3], [], "filtered RMP within 0.005 mV of the original's")
bad = [k for k, r in rows.items() if [int(r[f"bin_{b}_spike_count"]) for b in range(20)] != ours[k]["bin_count"]]
c.eq(bad, [], "spike counts in 50 ms bins equal the original's")
bad = [k for k, r in rows.items()
       if not all(same(r[f"bin_{b}_cv_isi"], ours[k]["bin_cv_isi"][b]) for b in range(20))]
c.eq(bad, [], "ISI CV in 50 ms bins equals the original's")

# Cell-level values
cell, first = res["cell"], rows[cfg["kept_sweeps"][0]]
c.near(cell["grand_rmp_mV"], num(first["grand_average_resting_vm"]), "grand average RMP", rel=1e-6)
c.near(cell["input_resistance_MOhm"], 1000 * num(first["input_resistance"]), "input resistance in MΩ = 1000 x the "
       "original's GΩ", rel=1e-5)
c.near(cell["rheobase_pA"], num(first["current_threshold_pA"]), "rheobase")
c.true(abs(cell["grand_rmp_mV"] - gen["cell"]["v_rest"]) < 0.1, "grand RMP within 0.1 mV of the true v_rest")
c.true(gen["rheobase_pA"] <= cell["rheobase_pA"] < gen["rheobase_pA"] + 20, "rheobase is the first 20 pA step above "
       "the true rheobase")
# The true input resistance (254.6 MΩ) is the steady-state one; the design's method averages V over the whole step,
# sag and charging included, so it reads lower (203 MΩ). Both the original and we follow the design.
c.true(150 < cell["input_resistance_MOhm"] < gen["cell"]["r_in"] * 1000, "input resistance below the steady-state "
       "value, as the method implies")

# Per spike, from the wide AP_analysis.csv
ap = list(csv.DictReader(open(os.path.join(REF, "AP_analysis.csv"))))
total, bad_t, bad_v, bad_count = 0, [], [], []
for k in cfg["kept_sweeps"]:
    theirs = [r for r in ap if r.get(f"Sweep_{k}_AP_Location_ms", "") not in ("", None)]
    mine = ours[k]["spikes"]
    if len(theirs) != len(mine):
        bad_count.append((k, len(theirs), len(mine)))
        continue
    total += len(mine)
    for r, s in zip(theirs, mine):
        if abs(num(r[f"Sweep_{k}_AP_Location_ms"]) - s["t_peak_s"]) > 1e-6:
            bad_t.append((k, r[f"Sweep_{k}_AP_Location_ms"], s["t_peak_s"]))
        for col, field, f in (("AP_Height_mV", "peak_mV", 1), ("AP_Threshold_mV", "threshold_mV", 1),
                              ("AP_Fast_Trough_mV", "fast_trough_mV", 1), ("AP_Width_ms", "width_ms", 1),
                              ("AP_Upstroke_mVms", "upstroke_mV_ms", 1e6), ("ISI_ms", "isi_ms", 1),
                              ("AP_Threshold_to_Peak_Time_ms", "threshold_to_peak_ms", 1),
                              ("AP_Upstroke_to_Peak_Time_ms", "upstroke_to_peak_ms", 1e-3)):
            if not same(r[f"Sweep_{k}_{col}"], None if s[field] is None else s[field] * f, rel=2e-6):
                bad_v.append((k, col, r[f"Sweep_{k}_{col}"], s[field]))
c.eq(bad_count, [], "spike count per sweep equals the original's")

# Kink: the design describes it loosely; ours (deepest local minimum of the forward difference of dV/dt) puts the
# kink on the original's sample for 98% of the spikes; for the rest it lies one sample later (see docs).
kink_seen, kink_same, kink_flag = 0, 0, []
for k in cfg["kept_sweeps"]:
    for j, s in enumerate(ours[k]["spikes"]):
        r = ap[j]
        theirs_count = num(r[f"Sweep_{k}_Kink_Count"])
        if (theirs_count > 0) != (s["kink_count"] > 0):
            kink_flag.append((k, j))
        if theirs_count > 0 and s["kink_count"] > 0:
            kink_seen += 1
            kink_same += same(r[f"Sweep_{k}_Kink_Interval_ms"], s["kink_interval_ms"], rel=1e-6) and \
                same(r[f"Sweep_{k}_Kink Height"], s["kink_height_mV_ms"] * 1e6, rel=1e-4) and \
                same(r[f"Sweep_{k}_Kink_Slope_dVdt"], s["kink_slope_mV_ms2"] * 1e6, rel=1e-4)
c.eq(kink_flag, [], "a kink is found on exactly the spikes where the original found one")
c.true(kink_same >= 0.97 * kink_seen, f"kink interval, height and slope equal the original's for {kink_same} of "
       f"{kink_seen} spikes")
c.eq([k for k, r in rows.items() if not same(r["pct_spikes_with_kink"], ours[k]["pct_spikes_with_kink"])], [],
     "share of spikes with a kink equals the original's")
c.eq(total, sum(ours[k]["n_spikes"] for k in cfg["kept_sweeps"]), "every spike compared")
c.true(total > 800, f"{total} spikes compared")
c.eq(bad_t[:3], [], "spike times equal the original's (its AP_Location_ms is seconds)")
c.eq(bad_v[:3], [], "per-spike peak, threshold, trough, width, upstroke, ISI and times equal the original's")
c.true(res["peak_budget_bytes"] < 4 * 8 * 100000 + 200000, f"peak charged memory {res['peak_budget_bytes']} bytes: "
       "about one sweep")
c.done()
sys.exit(1 if c.failed else 0)

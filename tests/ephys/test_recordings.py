"""Our analysis of real current-clamp recordings against independent computations in this script:
bluepyefe_99111002_cc.nwb (h5py) and three ABF step protocols (neo AxonIO, stimulus from the protocol).
Spikes: scipy find_peaks with the design's rules on the same voltage; thresholds and peaks: numpy; resting
potential and input resistance: numpy means and a least-squares line."""
import os
import sys

import numpy as np
from scipy import signal

from harness import Checks, testdata
from ephys_common import abf_sweeps, analyse, nwb_pairs_by_name, spike_oracle, write_sweeps

TOOL = sys.argv[1]
c = Checks("ephys-recordings")
files = [
    ("bluepyefe_99111002_cc.nwb", nwb_pairs_by_name(testdata("nwb", "bluepyefe_99111002_cc.nwb")), [], False),
    ("171116sh_0018.abf", abf_sweeps(testdata("abf", "171116sh_0018.abf")), ["baseline_threshold_pA=5"], True),
    ("17o05028_ic_steps.abf", abf_sweeps(testdata("abf", "17o05028_ic_steps.abf")), ["baseline_threshold_pA=5"], True),
    ("2019_07_24_0055_fsi.abf", abf_sweeps(testdata("abf", "2019_07_24_0055_fsi.abf")), ["baseline_threshold_pA=5"],
     True),
]
for name, sweeps, extra, plausible in files:
    path = os.path.join(c.tmp, name + ".bin")
    write_sweeps(path, sweeps)
    res = analyse(TOOL, path, *extra)
    p = res["params"]
    kept = [s for s in res["sweeps"] if s["valid"]]
    c.true(len(kept) >= 0.8 * len(sweeps), f"{name}: {len(kept)} of {len(sweeps)} sweeps kept")
    ties = []
    spike_total, bad_count, bad_v, bad_rmp, bad_level, bad_win, rin_pts = 0, [], [], [], [], [], []
    for s, (sweep, t0, rate, i_pa, v) in zip(res["sweeps"], sweeps):
        if not s["valid"]:
            continue
        idx = {k: int(round((s[k] - t0) * rate)) for k in ("baseline_start_s", "baseline_end_s", "stimulus_start_s",
                                                           "stimulus_end_s")}
        bs, be, ss, se = (idx["baseline_start_s"], idx["baseline_end_s"], idx["stimulus_start_s"],
                          idx["stimulus_end_s"])
        # classification, checked from the definitions
        vals, counts = np.unique(np.round(i_pa[ss:se + 1], 1), return_counts=True)
        if abs(vals[np.argmax(counts)] - s["stimulus_level_pA"]) > 1e-9:
            bad_level.append(sweep)
        if "no stimulus step" in s["note"]:
            pass  # the whole sweep is the window: nothing to check
        elif not (np.all(np.abs(i_pa[ss:se + 1]) > 5) and np.all(np.abs(i_pa[bs:be + 1]) < p["baseline_threshold_pA"])
                and (se + 1 - ss) / rate >= 0.3):
            bad_win.append(sweep)
        # the analysed voltage: low-pass only at >= 40 kHz (none here), median filter in negative steps
        va = v.copy()
        if rate >= 40e3:
            va = signal.filtfilt(*signal.butter(4, 20e3 / (rate / 2)), va)
        if s["stimulus_level_pA"] < 0:
            k = int(round(4e-3 * rate))
            k = max(k + (k % 2 == 0), 3)
            va[ss:se + 1] = signal.medfilt(va[ss:se + 1], k)
        rmp = va[bs:be + 1].mean()
        if abs(rmp - s["rmp_mV"]) > 1e-9 * abs(rmp):
            bad_rmp.append((sweep, rmp, s["rmp_mV"]))
        want = spike_oracle(va, rate, ss, se, p)
        if len(want) != s["n_spikes"]:
            bad_count.append((sweep, len(want), s["n_spikes"]))
            continue
        spike_total += len(want)
        for (pk, peak, thr), got in zip(want, s["spikes"]):
            if got["i_peak"] != pk and got["peak_mV"] == peak and abs(got["i_peak"] - pk) < 2e-3 * rate:
                ties.append((sweep, pk, got["i_peak"]))  # two equal maxima within 2 ms: numpy's unstable sort
                continue
            if got["i_peak"] != pk or abs(got["peak_mV"] - peak) > 0.1 or abs(got["threshold_mV"] - thr) > 0.1:
                bad_v.append((sweep, pk, got["i_peak"], peak, got["peak_mV"], thr, got["threshold_mV"]))
        if not want and len(rin_pts) < 8:
            rin_pts.append((i_pa[ss:se + 1].mean(), va[ss:se + 1].mean()))
    c.eq(bad_level, [], f"{name}: stimulus levels are the mode of round(I, 1) over the window")
    c.eq(bad_win, [], f"{name}: windows hold the step (|I| > 5 pA, >= 0.3 s) and a quiet baseline")
    c.eq(bad_rmp[:3], [], f"{name}: resting potential of every kept sweep equals the numpy mean")
    c.eq(bad_count[:3], [], f"{name}: spike counts equal scipy find_peaks with the same rules ({spike_total} spikes)")
    c.eq(bad_v[:3], [], f"{name}: peaks and thresholds within 0.1 mV of numpy")
    c.true(len(ties) <= max(1, 0.01 * spike_total), f"{name}: {len(ties)} spikes whose peak is one of two equal "
           "quantised maxima (scipy's pick depends on numpy's unstable sort)")
    cell = res["cell"]
    grand = np.mean([s["rmp_mV"] for s in kept])
    c.near(cell["grand_rmp_mV"], grand, f"{name}: grand RMP equals the mean of the sweeps'", rel=1e-9)
    if len(rin_pts) >= 2:
        slope = np.polyfit([x for x, _ in rin_pts], [y for _, y in rin_pts], 1)[0] * 1000
        c.near(cell["input_resistance_MOhm"], slope, f"{name}: input resistance {slope:.1f} MΩ (numpy polyfit)",
               rel=0.01)
    spiking = [s["injected_current_pA"] for s in kept if s["spike_frequency_Hz"] > 0]
    c.eq(cell["rheobase_pA"], min(spiking) if spiking else None, f"{name}: rheobase is the lowest spiking current")
    if plausible:
        c.true(-90 < cell["grand_rmp_mV"] < -30, f"{name}: RMP {cell['grand_rmp_mV']:.1f} mV is plausible")
        c.true(20 < cell["input_resistance_MOhm"] < 3000,
               f"{name}: input resistance {cell['input_resistance_MOhm']:.0f} MΩ is plausible")
        thr = [sp["threshold_mV"] for s in kept for sp in s["spikes"]]
        c.true(spike_total > 10 and all(-65 < t < -10 for t in thr), f"{name}: {spike_total} spikes, thresholds "
               f"{min(thr):.1f}..{max(thr):.1f} mV")
        widths = [sp["width_ms"] for s in kept for sp in s["spikes"]]
        ups = [sp["upstroke_mV_ms"] for s in kept for sp in s["spikes"]]
        c.true(0.1 < np.median(widths) < 5 and 20 < np.median(ups) < 1000,
               f"{name}: median width {np.median(widths):.2f} ms, upstroke {np.median(ups):.0f} mV/ms (true units)")
c.done()
sys.exit(1 if c.failed else 0)

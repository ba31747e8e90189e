"""Compares plateau's per-track results (CSV from trim_json or `plateau trim analyze --format csv`) with the
reference v2_tracks.csv: n, fail_points, sigma_pass, lin_pass and status exactly; sigma, threshold, offset and
lin_err_shifted within 1e-9 relative. Invalid tracks (sentinels in the reference) must be invalid here.

usage: compare_ref.py OURS.csv REFERENCE.csv  -> prints differences, exit 1 on any"""
import csv
import math
import sys

OUR_COLS = ["file", "system", "model", "track", "n", "travel", "unit_length", "R_untrim", "R_trim", "sigma",
            "threshold", "sigma_pass", "lin_spec", "offset", "lin_err_shifted", "fail_points", "lin_pass", "status",
            "valid", "reason", "offset_source", "median_offset", "brent_offset", "exact_offset", "median_viol",
            "brent_viol", "exact_viol", "file_status"]


def close(a, b, rel=1e-9, abs_=1e-15):
    a, b = float(a), float(b)
    return abs(a - b) <= max(rel * max(abs(a), abs(b)), abs_)


def load_ours(path):
    rows = {}
    with open(path, newline="") as fh:
        for r in csv.reader(fh):
            if len(r) < len(OUR_COLS):
                rows[(r[0], "")] = {"file": r[0], "kind": r[1] if len(r) > 1 else "", "msg": ",".join(r[2:])}
                continue
            d = dict(zip(OUR_COLS, r))
            rows[(d["file"], d["track"])] = d
    return rows


def main(ours_path, ref_path):
    ours = load_ours(ours_path)
    diffs, checked = [], 0
    with open(ref_path, newline="") as fh:
        for ref in csv.DictReader(fh):
            key = (ref["file"], ref["track"] or "")
            if ref["status"].startswith("ERROR"):
                o = ours.get((ref["file"], ""))
                if not o or o["kind"] not in ("TEMPLATE",):
                    diffs.append(f"{ref['file']}: reference ERROR, ours {o}")
                checked += 1
                continue
            o = ours.get(key)
            if o is None:
                diffs.append(f"{key}: missing in ours")
                continue
            checked += 1
            if ref["sigma"] == "999.999":
                if o["valid"] != "0":
                    diffs.append(f"{key}: reference invalid (sentinel), ours valid")
                if int(o["n"]) != int(ref["n"]):
                    diffs.append(f"{key}: n {o['n']} vs {ref['n']}")
                continue
            for k in ("n", "fail_points"):
                if int(o[k]) != int(ref[k]):
                    diffs.append(f"{key}: {k} {o[k]} vs {ref[k]}")
            for k in ("sigma_pass", "lin_pass"):
                if o[k] != ref[k]:
                    diffs.append(f"{key}: {k} {o[k]} vs {ref[k]}")
            if o["status"].upper() != ref["status"].upper():
                diffs.append(f"{key}: status {o['status']} vs {ref['status']}")
            for k in ("sigma", "threshold", "offset", "lin_err_shifted", "travel", "lin_spec"):
                if not close(o[k], ref[k]):
                    diffs.append(f"{key}: {k} {o[k]} vs {ref[k]} (rel {abs(float(o[k])-float(ref[k]))/max(abs(float(ref[k])),1e-300):.2e})")
            for k in ("unit_length", "R_untrim", "R_trim"):
                a, b = o[k], ref[k]
                an = a == "" or (a != "" and math.isnan(float(a)))
                bn = b == "" or math.isnan(float(b)) or (k == "R_trim" and float(b) == 0.0)
                if an != bn or (not an and not close(a, b)):
                    diffs.append(f"{key}: {k} {a!r} vs {b!r}")
    for d in diffs:
        print(d)
    print(f"{checked} reference rows checked, {len(diffs)} differences")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))

"""Round trip of the table writers through independent readers.

gen_fixtures writes every case (Parquet and CSV) with the values it gave the writer; DuckDB and hyparquet
(tests/oracles/parquet_dump.mjs) read each Parquet file back, and Python's csv module reads each CSV file. Every value,
the schema, codecs, encodings, statistics and key/value metadata are compared exactly."""
import csv
import datetime
import json
import math
import os
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from harness import Checks, node_json  # noqa: E402

BUILD = os.environ.get("PLATEAU_BUILD", "build")
GEN = os.path.join(BUILD, "tests", "parquet", "gen_fixtures")

DUCK_TYPES = {"bool": "BOOLEAN", "int32": "INTEGER", "int64": "BIGINT", "float": "FLOAT", "double": "DOUBLE",
              "string": "VARCHAR", "timestamp_us": "TIMESTAMP WITH TIME ZONE"}
CODECS = {"zstd": "ZSTD", "snappy": "SNAPPY", "none": "UNCOMPRESSED"}


def num(v):
    """Expected/dumped scalar -> comparable Python value (floats keep NaN/inf/-0 as tokens)."""
    if isinstance(v, str) and v in ("NaN", "inf", "-inf", "-0"):
        return v
    return v


def expected_stats(col, vals):
    """(min, max, null_count) as the Parquet spec wants them; min/max None when there are none."""
    present = [v for v in vals if v is not None]
    nulls = len(vals) - len(present)
    t = col["type"]
    if t in ("float", "double"):
        xs = [float(v) if not isinstance(v, str) else {"inf": math.inf, "-inf": -math.inf, "-0": -0.0}.get(v, math.nan)
              for v in present]
        xs = [x for x in xs if not math.isnan(x)]
        if not xs:
            return None, None, nulls
        lo, hi = min(xs), max(xs)
        lo = "-0" if lo == 0 else lo
        hi = 0 if hi == 0 else hi
        enc = lambda x: x if isinstance(x, str) else ("inf" if x == math.inf else "-inf" if x == -math.inf else x)
        return enc(lo), enc(hi), nulls
    if not present:
        return None, None, nulls
    if t in ("int64", "timestamp_us"):
        xs = [int(v) for v in present]
        return str(min(xs)), str(max(xs)), nulls
    if t == "string":
        bs = [v.encode() for v in present]
        return min(bs).decode(), max(bs).decode(), nulls
    return min(present), max(present), nulls


def check_values(ck, case, reader, got):
    for col in case["columns"]:
        name = col["name"]
        want = case["values"][name]
        have = got.get(name)
        if have is None:
            ck.true(False, f"{case['name']}: {reader} has column {name}")
            continue
        if col["type"] == "float" or col["type"] == "double":
            same = len(have) == len(want) and all(
                (a == b) if not (isinstance(a, float) or isinstance(b, float)) else (float(a) == float(b))
                for a, b in zip(have, want))
        else:
            same = have == want
        if not same:
            bad = next((i for i, (a, b) in enumerate(zip(have, want)) if a != b), min(len(have), len(want)))
            ck.true(False, f"{case['name']}.{name}: {reader} values differ at row {bad}: "
                           f"got {have[bad:bad + 3]!r}, want {want[bad:bad + 3]!r} (len {len(have)} vs {len(want)})")
        else:
            ck.true(True, f"{case['name']}.{name}: {reader} reads all {len(want)} values")


def check_parquet(ck, tmp, case):
    path = os.path.join(tmp, case["file"])
    d = node_json("parquet_dump.mjs", path)
    duck, hyp = d["duckdb"], d["hyparquet"]
    name = case["name"]
    if not ck.true("error" not in duck, f"{name}: DuckDB reads the file ({duck.get('error', '')})"):
        return
    if not ck.true("error" not in hyp, f"{name}: hyparquet reads the file ({hyp.get('error', '')[:500]})"):
        return
    ck.eq(duck["rows"], case["rows"], f"{name}: DuckDB row count")
    ck.eq(hyp["rows"], case["rows"], f"{name}: hyparquet row count")
    ck.eq([(c["name"], c["type"]) for c in duck["columns"]],
          [(c["name"], DUCK_TYPES[c["type"]]) for c in case["columns"]], f"{name}: DuckDB column names and types")
    reps = {s["name"]: s["repetition_type"] for s in duck["schema"]}
    ck.eq([reps.get(c["name"]) for c in case["columns"]],
          ["OPTIONAL" if c["nullable"] else "REQUIRED" for c in case["columns"]], f"{name}: nullability")
    conv = {s["name"]: s["converted_type"] for s in duck["schema"]}
    for c in case["columns"]:
        if c["type"] == "string":
            ck.eq(conv[c["name"]], "UTF8", f"{name}.{c['name']}: converted type UTF8")
        if c["type"] == "timestamp_us":
            ck.eq(conv[c["name"]], "TIMESTAMP_MICROS", f"{name}.{c['name']}: converted type TIMESTAMP_MICROS")
    ck.eq(duck["file"]["created_by"], "plateau version 0.1.0", f"{name}: created_by")
    ck.eq(hyp["kv"], case["kv"], f"{name}: key/value metadata (hyparquet)")
    ck.eq(duck["kv"], case["kv"], f"{name}: key/value metadata (DuckDB)")
    check_values(ck, case, "DuckDB", duck["values"])
    check_values(ck, case, "hyparquet", hyp["values"])
    check_chunks(ck, case, duck, hyp)


def check_chunks(ck, case, duck, hyp):
    """Codec, encodings and statistics of every column chunk, against the values of its row group."""
    name = case["name"]
    start = 0
    ok_codec = ok_stats = ok_enc = True
    problems = []
    duck_chunks = iter(duck["metadata"])
    for rg in hyp["row_groups"]:
        n = rg["num_rows"]
        for col, chunk in zip(case["columns"], rg["columns"]):
            dchunk = next(duck_chunks)
            vals = case["values"][col["name"]][start:start + n]
            if chunk["codec"] != CODECS[case["codec"]]:
                ok_codec = False
            lo, hi, nulls = expected_stats(col, vals)
            got = (num(chunk["min_value"]), num(chunk["max_value"]), chunk["null_count"])
            if col["type"] == "timestamp_us":  # hyparquet rounds these to milliseconds: ask DuckDB
                got = (dchunk["ts_min_us"], dchunk["ts_max_us"], got[2])
            want = (lo, hi, str(nulls) if isinstance(chunk["null_count"], str) else nulls)
            if col["type"] in ("float", "double") and got[0] is not None and not isinstance(got[0], str):
                got = (float(got[0]), got[1] if isinstance(got[1], str) else float(got[1]), got[2])
            if got != want:
                ok_stats = False
                problems.append(f"{col['name']} rows {start}..{start + n}: stats {got} want {want}")
            pages = {e[1]: e[2] for e in chunk["encoding_stats"] if e[0] == "DATA_PAGE"}
            has_values = any(v is not None for v in vals)
            enc = col["encoding"]
            if enc == "plain" and set(pages) - {"PLAIN"}:
                ok_enc = False
                problems.append(f"{col['name']}: plain column has pages {pages}")
            if enc == "dict" and has_values and "RLE_DICTIONARY" not in pages:
                ok_enc = False
                problems.append(f"{col['name']}: dictionary column has pages {pages}")
            if enc == "byte_stream_split" and has_values and set(pages) != {"BYTE_STREAM_SPLIT"}:
                ok_enc = False
                problems.append(f"{col['name']}: byte-stream-split column has pages {pages}")
        start += n
    ck.eq(start, case["rows"], f"{name}: row groups cover every row")
    ck.true(ok_codec, f"{name}: every chunk compressed with {case['codec']}")
    ck.true(ok_enc, f"{name}: page encodings as asked " + "; ".join(problems[:3]))
    ck.true(ok_stats, f"{name}: statistics (min, max, null count) of every chunk " + "; ".join(problems[:3]))
    # DuckDB reads the same statistics back
    duck_nulls = [int(m["stats_null_count"]) for m in duck["metadata"]]
    hyp_nulls = [int(c["null_count"]) for rg in hyp["row_groups"] for c in rg["columns"]]
    ck.eq(duck_nulls, hyp_nulls, f"{name}: DuckDB null counts agree")
    ck.true(all(m["compression"] == CODECS[case["codec"]] for m in duck["metadata"]), f"{name}: DuckDB sees the codec")


def csv_expected(col, v):
    t = col["type"]
    if v is None:
        return ""
    if t == "bool":
        return "true" if v else "false"
    if t == "timestamp_us":
        us = int(v)
        dt = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(microseconds=us)
        return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if t in ("int32", "int64"):
        return str(v)
    if t == "string":
        return v
    return v  # floats are compared numerically below


def csv_float_equal(col, text, want):
    if isinstance(want, str):
        return text == {"NaN": "NaN", "inf": "inf", "-inf": "-inf", "-0": "-0"}[want]
    x = float(text)
    if col["type"] == "float":
        x = struct.unpack("f", struct.pack("f", x))[0]
        digits = max(len(f"{float(struct.unpack('f', struct.pack('f', float(want)))[0]):.9g}"), 0)
        return x == float(want) and len(text.replace("-", "").replace(".", "")) <= digits + 6
    return x == float(want) and repr(x) == repr(float(want))


def check_csv(ck, tmp, case):
    path = os.path.join(tmp, case["file"])
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    name = case["name"]
    ck.eq(rows[0], [c["name"] for c in case["columns"]], f"{name}: CSV header")
    ck.eq(len(rows) - 1, case["rows"], f"{name}: CSV row count")
    for ci, col in enumerate(case["columns"]):
        want = case["values"][col["name"]]
        bad = None
        for r, v in enumerate(want):
            text = rows[r + 1][ci]
            if col["type"] in ("float", "double") and v is not None:
                ok = csv_float_equal(col, text, v)
            else:
                ok = text == csv_expected(col, v)
            if not ok:
                bad = (r, text, v)
                break
        ck.true(bad is None, f"{name}.{col['name']}: CSV values" + (f" differ at {bad}" if bad else ""))
    raw = open(path, encoding="utf-8").read()
    if case["rows"]:
        ck.true('""' in raw, f"{name}: empty strings are written as \"\" (distinct from nulls)")
        ck.true("NaN" in raw and ",inf," in raw or "inf" in raw, f"{name}: NaN and inf spelled out")


def main():
    ck = Checks("parquet-roundtrip")
    r = subprocess.run([GEN, ck.tmp], capture_output=True, text=True)
    if not ck.true(r.returncode == 0, f"gen_fixtures writes every case ({r.stderr.strip()})"):
        return ck.done()
    names = sorted(f for f in os.listdir(ck.tmp) if f.endswith(".json"))
    ck.true(not any(f.startswith(".plateau-tmp-") for f in os.listdir(ck.tmp)), "no temporary files left behind")
    for n in names:
        case = json.load(open(os.path.join(ck.tmp, n), encoding="utf-8"))
        if case["file"].endswith(".parquet"):
            check_parquet(ck, ck.tmp, case)
        else:
            check_csv(ck, ck.tmp, case)
    # special values by hand, independent of the generator's JSON
    spec = node_json("parquet_dump.mjs", os.path.join(ck.tmp, "specials.parquet"))["duckdb"]
    meta = {m["path_in_schema"]: m for m in spec["metadata"]}
    ck.eq(meta["nan_only"]["stats_min_value"], None, "a NaN-only column has no min/max")
    ck.eq(spec["values"]["i64x"][:2], ["-9223372036854775808", "9223372036854775807"], "INT64 extremes")
    ck.eq(spec["values"]["zeros"][:2], ["-0", 0], "-0.0 and +0.0 keep their sign")
    return ck.done()


if __name__ == "__main__":
    sys.exit(main())

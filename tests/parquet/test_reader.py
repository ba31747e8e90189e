"""plateau's Parquet reader against known values: every fixture gen_fixtures writes (values it gave the writer),
files DuckDB writes (values DuckDB reads back from them), row ranges, column subsets, and corrupt files (truncated
or with flipped bytes: a clean one-line error or a successful read, never a crash or a sanitizer report)."""
import json
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from harness import Checks, NODE_PATH, SRC, node_json  # noqa: E402

BUILD = os.environ.get("PLATEAU_BUILD", "build")
GEN = os.path.join(BUILD, "tests", "parquet", "gen_fixtures")
CAT = os.path.join(BUILD, "tests", "parquet", "pq_cat")
SAN_ENV = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:exitcode=86",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=87")


def cat(path, *args):
    r = subprocess.run([CAT, path, *map(str, args)], capture_output=True, text=True, errors="replace", env=SAN_ENV,
                       timeout=120)
    return r.returncode, (json.loads(r.stdout) if r.returncode == 0 else None), r.stderr


def first_diff(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i, x, y
    return min(len(a), len(b)), len(a), len(b)


def same_values(ck, what, got, want, names):
    bad = [n for n in names if got["values"].get(n) != want[n]]
    ck.true(not bad, f"{what}: values" + (f" differ in {bad[0]} at {first_diff(got['values'][bad[0]], want[bad[0]])}"
                                          if bad else ""))


def check_fixtures(ck, tmp):
    for f in sorted(os.listdir(tmp)):
        if not f.endswith(".json"):
            continue
        case = json.load(open(os.path.join(tmp, f), encoding="utf-8"))
        if not case["file"].endswith(".parquet"):
            continue
        path = os.path.join(tmp, case["file"])
        names = [c["name"] for c in case["columns"]]
        for batch in (1000, 7):
            rc, got, err = cat(path, batch)
            if not ck.true(rc == 0, f"{case['name']} (batch {batch}): read ({err.strip()})"):
                continue
            ck.eq(got["rows"], case["rows"], f"{case['name']} (batch {batch}): rows")
            ck.eq([(c["name"], c["type"], c["nullable"]) for c in got["columns"]],
                  [(c["name"], c["type"], c["nullable"]) for c in case["columns"]], f"{case['name']}: schema")
            same_values(ck, f"{case['name']} (batch {batch})", got, case["values"], names)
    # row ranges across pages and row groups, and a column subset in another order
    case = json.load(open(os.path.join(tmp, "multi_rg_pages.json"), encoding="utf-8"))
    path = os.path.join(tmp, case["file"])
    for first, count in ((0, 1), (1234, 555), (19990, 100), (20000, 5), (5000, 0), (7, 13000)):
        rc, got, err = cat(path, 333, first, count, "ns", "i64", "nf32")
        end = case["rows"] if count == 0 else min(case["rows"], first + count)
        want = {n: case["values"][n][first:end] for n in ("ns", "i64", "nf32")}
        if ck.true(rc == 0, f"range {first}+{count}: read ({err.strip()})"):
            same_values(ck, f"range {first}+{count}", got, want, list(want))


def check_duckdb(ck, tmp):
    env = dict(os.environ, NODE_PATH=NODE_PATH)
    r = subprocess.run(["node", os.path.join(SRC, "tests", "parquet", "duckdb_fixtures.mjs"), tmp],
                       capture_output=True, text=True, env=env, timeout=300)
    if not ck.true(r.returncode == 0, f"DuckDB writes its fixtures ({r.stderr.strip()[:300]})"):
        return
    files = json.loads(r.stdout)
    ck.true(len(files) >= 5, f"DuckDB wrote {len(files)} files")
    for f in files:
        path = os.path.join(tmp, f)
        duck = node_json("parquet_dump.mjs", path)["duckdb"]
        rc, got, err = cat(path, 4096)
        if not ck.true(rc == 0, f"{f}: read ({err.strip()})"):
            continue
        ck.eq(got["rows"], duck["rows"], f"{f}: rows")
        same_values(ck, f, got, duck["values"], list(duck["values"]))
        ck.true(any(c["nullable"] for c in got["columns"]), f"{f}: nullable columns seen")


def check_corrupt(ck, tmp):
    rng = random.Random(1234)
    crashes = []
    tried = 0
    for name in ("dict_snappy.parquet", "multi_rg_zstd.parquet", "duck_zstd.parquet", "plain_none.parquet"):
        path = os.path.join(tmp, name)
        if not os.path.exists(path):
            continue
        data = open(path, "rb").read()
        for k in range(70):
            buf = bytearray(data)
            if k % 3 == 0:
                buf = buf[:rng.randrange(len(buf))]
            else:
                for _ in range(rng.choice((1, 2, 8))):
                    # aim at the footer half of the time: it drives everything else
                    pos = rng.randrange(len(buf) - 600, len(buf)) if k % 2 and len(buf) > 600 else rng.randrange(len(buf))
                    buf[pos] = rng.randrange(256)
            bad = os.path.join(tmp, "corrupt.parquet")
            open(bad, "wb").write(buf)
            rc, _, err = cat(bad, 100)
            tried += 1
            lines = err.strip().splitlines()
            if rc not in (0, 1) or "Sanitizer" in err or "runtime error" in err or (rc == 1 and len(lines) != 1):
                crashes.append((name, k, rc, err[:400]))
    ck.true(not crashes, f"{tried} corrupt files: clean errors only" + (f"; first: {crashes[0]}" if crashes else ""))
    rc, _, err = cat(os.path.join(tmp, "dict_snappy.json"))
    ck.true(rc == 1 and "not a Parquet file" in err, f"a JSON file is refused clearly ({err.strip()})")


def main():
    ck = Checks("parquet-reader")
    r = subprocess.run([GEN, ck.tmp], capture_output=True, text=True)
    if not ck.true(r.returncode == 0, f"gen_fixtures ({r.stderr.strip()})"):
        return ck.done()
    check_fixtures(ck, ck.tmp)
    check_duckdb(ck, ck.tmp)
    check_corrupt(ck, ck.tmp)
    return ck.done()


if __name__ == "__main__":
    sys.exit(main())

"""pl_table_mirror: rows written once to a primary table land, encoded once, in its twin as well. DuckDB and hyparquet
read both files back: every value in file order, row counts, and the footer's statistics of the copied row groups."""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from harness import Checks, node_json  # noqa: E402

BUILD = os.environ.get("PLATEAU_BUILD", "build")
N = 70000
c = Checks("parquet mirror")
tmp = tempfile.mkdtemp(prefix="plateau-mirror-")
r = subprocess.run([os.path.join(BUILD, "tests", "parquet", "mirror_fixture"), tmp, str(N)], capture_output=True,
                   text=True)
c.eq(r.returncode, 0, f"mirror_fixture ran ({r.stderr.strip()})")
counts = json.loads(r.stdout or "{}")
c.eq(counts.get("primary_rows"), N + 50, "the primary counts its own rows")
c.eq(counts.get("twin_rows"), N + 200, "the twin counts its own and the mirrored rows")


def expected(ids):
    tags = ["alpha", "beta", "gamma"]
    return [[i, i / 8, "pA" if i % 2 else "mV", None if i % 7 == 0 else tags[i % 3]] for i in ids]


want = {"primary": list(range(100, N + 100)) + list(range(N + 200, N + 250)),
        "twin": list(range(0, N + 200))}
for name, ids in want.items():
    path = os.path.join(tmp, f"{name}.parquet")
    d = node_json("parquet_dump.mjs", path)
    for reader in ("duckdb", "hyparquet"):
        got = d[reader]
        c.eq(got["rows"], len(ids), f"{name}: {reader} reads {len(ids)} rows")
        rows = [list(row) for row in zip(*[got["values"][col] for col in ("id", "x", "unit", "tag")])]
        exp = expected(ids)
        bad = next((k for k in range(min(len(rows), len(exp))) if rows[k] != exp[k]), None)
        c.true(len(rows) == len(exp) and bad is None,
               f"{name}: {reader} reads every value in order" + (f" (row {bad}: {rows[bad]} != {exp[bad]})"
                                                               if bad is not None else ""))
    # Row-group statistics of the copies: min/max id of each group cover the ids in order, without overlap.
    stats = node_json("duckdb_query.mjs",
                      f"SELECT row_group_id, stats_min_value AS lo, stats_max_value AS hi, row_group_num_rows AS n "
                      f"FROM parquet_metadata('{path}') WHERE path_in_schema = 'id' ORDER BY row_group_id")
    c.true(len(stats) >= 3, f"{name}: several row groups ({len(stats)})")
    pos, ok = 0, True
    for g in stats:
        seg = ids[pos:pos + g["n"]]
        ok = ok and seg and int(g["lo"]) == min(seg) and int(g["hi"]) == max(seg)
        pos += g["n"]
    c.true(ok and pos == len(ids), f"{name}: each row group's statistics match its rows")
c.done()

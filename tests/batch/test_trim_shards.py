"""Shards of a laser-trim batch: three --shard runs merged with plateau merge give the same results as one run."""
import os
import sqlite3

from harness import Checks, plateau, testdata

c = Checks("trim_shards")
src = testdata("lasertrim", "SystemB")
COLS = ", ".join("t." + c for c in ("track", "valid", "n", "sigma", "threshold", "sigma_pass", "lin_spec", "offset",
                                      "lin_err_shifted", "fail_points", "lin_pass", "r_change", "risk", "status", "x",
                                      "e"))


def results(out):
    db = sqlite3.connect(os.path.join(out, "trim.db"))
    rows = db.execute(f"SELECT f.sha256, f.status, {COLS} FROM tracks t JOIN files f ON f.id = t.file_id "
                      "ORDER BY f.sha256, t.track").fetchall()
    db.close()
    return rows


one = os.path.join(c.tmp, "one")
r = plateau("trim", "analyze", src, "-o", one, "-j", "2", "--no-plots", "--format", "csv")
c.true(r.returncode in (0, 1), "unsharded run completes")
shards = []
for i in range(1, 4):
    d = os.path.join(c.tmp, f"shard{i}")
    r = plateau("trim", "analyze", src, "-o", d, "-j", "2", "--no-plots", "--shard", f"{i}/3", "--format", "csv")
    shards.append(d)
counts = [len(results(d)) for d in shards]
c.true(all(n > 0 for n in counts), f"each shard analysed some tracks: {counts}")
merged = os.path.join(c.tmp, "merged")
r = plateau("merge", "-o", merged, *shards)
c.eq(r.returncode, 0, "plateau merge succeeds" + ("" if r.returncode == 0 else ": " + r.stderr))
want = results(one)
got = results(merged)
c.eq(len(got), len(want), f"merged database has all {len(want)} tracks")
c.true(got == want, "every track's numbers, status and arrays equal the unsharded run's")
c.true(os.path.getsize(os.path.join(merged, "report.html")) > 1000, "the merged report is drawn again")
c.done()

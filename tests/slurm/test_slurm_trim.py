"""A laser-trim campaign on a real single-node Slurm: 4 array tasks + the final merge equal one run on one machine;
a task cancelled with scancel leaves the merge undone, and resubmitting the same command resumes it (the files it
had finished are skipped, the rest analysed) and merges."""
import filecmp
import os
import sqlite3
import time

from harness import Checks, plateau, testdata
from slurm_campaign import SlurmCluster, require, done_marker, final_log, submit, task_events

c = Checks("slurm_trim")
require(c)
src = testdata("lasertrim")
TASKS = 4


def columns(db, table, leave_out):
    return [r[1] for r in db.execute(f"PRAGMA table_info({table})") if r[1] not in leave_out]


def results(out):
    """Files and tracks by value: row ids, batch ids and timings left out, tracks keyed by their file's hash."""
    db = sqlite3.connect(os.path.join(out, "trim.db"))
    fcols = columns(db, "files", {"id", "batch_id", "processing_s", "analysed_at"})
    tcols = columns(db, "tracks", {"id", "file_id"})
    files = db.execute(f"SELECT {', '.join(fcols)} FROM files ORDER BY sha256").fetchall()
    tracks = db.execute(f"SELECT f.sha256, {', '.join('t.' + x for x in tcols)} FROM tracks t "
                        "JOIN files f ON f.id = t.file_id ORDER BY f.sha256, t.track").fetchall()
    failed = sorted(set(db.execute("SELECT path, reason FROM batch_files WHERE outcome = 'failed'").fetchall()))
    db.close()
    return files, tracks, failed


def plots(out):
    d = os.path.join(out, "plots")
    return sorted(f for f in os.listdir(d) if f != "summary.png")


work = c.tmp
one = os.path.join(work, "one")
t = time.monotonic()
r = plateau("trim", "analyze", src, "-o", one, "-j", "2", "--format", "csv")
one_s = time.monotonic() - t
c.true(r.returncode in (0, 1), f"the one-machine run completes ({one_s:.1f} s)")

with SlurmCluster() as cluster:
    c.true(True, f"Slurm started in {cluster.start_seconds:.1f} s")
    out = os.path.join(work, "campaign out")  # a space on the way, as users' folders have
    args = ("trim", "analyze", src, "-o", out, "--tasks", TASKS, "--format", "csv")

    # ---- first submission: task 1 is cancelled once it has finished a few files
    t = time.monotonic()
    array, final, _ = submit(cluster, *args)
    victim = f"{array}_1"
    cluster.wait_running(victim, 120)

    def some_done():
        return sum(1 for _, s in task_events(out, 1) if s == "done") >= 2

    deadline = time.monotonic() + 300
    while not some_done() and time.monotonic() < deadline and cluster.job_states(victim).get(victim) == "RUNNING":
        time.sleep(0.05)
    cluster.run("scancel", victim)
    cluster.wait_jobs([array, final], 300)
    first_s = time.monotonic() - t
    states = cluster.job_states(array, final)
    c.eq(states.get(victim), "CANCELLED", "task 1 was cancelled while it ran")
    c.true(all(states.get(f"{array}_{i}") in ("COMPLETED", "FAILED") for i in range(2, TASKS + 1)),
           f"the other tasks ran to their end: {states}")
    c.eq(states.get(final), "FAILED", "the final job ran after the array (afterany) and failed")
    c.true("task(s) 1 of 4 did not finish" in final_log(out, final), "its log names the unfinished task")
    c.true(not os.path.exists(os.path.join(out, "trim.db")), "nothing was merged")
    c.true(done_marker(out, 1) is None, "the cancelled task left no done marker")
    before = task_events(out, 1)
    finished = {p for p, s in before if s == "done"}
    c.true(len(finished) >= 2, f"task 1 had finished {len(finished)} files when it was cancelled")

    # ---- the same command again: task 1 resumes, the others skip everything, the merge runs
    t = time.monotonic()
    array2, final2, _ = submit(cluster, *args)
    cluster.wait_jobs([array2, final2], 300)
    second_s = time.monotonic() - t
    states = cluster.job_states(array2, final2)
    c.eq(states.get(final2), "COMPLETED", f"the resubmitted campaign's final job merged: {states}")
    again = task_events(out, 1)[len(before):]
    skipped = {p for p, s in again if s == "skipped"}
    redone = {p for p, s in again if s != "skipped"}
    c.eq(skipped, finished, f"task 1 skipped exactly the {len(finished)} files it had finished")
    marker = done_marker(out, 1)
    c.true(marker and marker["skipped"] == len(finished) and marker["files"] == len(finished) + len(redone) and
           len(redone) > 0, f"... and analysed the other {len(redone)}: {marker}")
    for i in range(2, TASKS + 1):
        m = done_marker(out, i)
        c.true(m and m["files"] > 0 and m["skipped"] == m["files"], f"task {i} skipped all its {m and m['files']} files")

want, got = results(one), results(out)
c.eq(len(got[0]), len(want[0]), f"the merged database holds all {len(want[0])} files")
c.true(got[0] == want[0], "every file's row equals the one-machine run's (row ids, batch ids, timings aside)")
c.eq(len(got[1]), len(want[1]), f"... and all {len(want[1])} tracks")
c.true(got[1] == want[1], "every track's numbers, status and arrays equal the one-machine run's")
c.eq(got[2], want[2], f"the same {len(want[2])} files failed, for the same reasons")
names = plots(one)
c.true(len(names) > 100 and plots(out) == names, f"the same {len(names)} per-track plots")
same, diff, errors = filecmp.cmpfiles(os.path.join(one, "plots"), os.path.join(out, "plots"), names, shallow=False)
c.true(not diff and not errors, f"... byte for byte ({len(diff)} differ: {diff[:3]})")
c.true(os.path.getsize(os.path.join(out, "report.html")) > 1000 and
       os.path.getsize(os.path.join(out, "plots", "summary.png")) > 1000,
       "the merge drew the report and the summary plot again from the merged results")
print(f"figures: one machine -j 2 {one_s:.1f} s; first submission (cancelled task) {first_s:.1f} s; "
      f"resubmission {second_s:.1f} s")
c.done()

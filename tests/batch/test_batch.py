"""The batch engine: bad files fail alone, kill -9 and resume gives identical outputs, shards merge to one run."""
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

from harness import Checks, plateau

FIXTURE = sys.argv[1]
c = Checks("batch")


def run(out, inputs, *opts, timeout=300):
    r = subprocess.run([FIXTURE, out, *map(str, opts), *inputs], capture_output=True, text=True, timeout=timeout)
    summary = json.loads(r.stdout.strip().splitlines()[-1]) if r.stdout.strip() else {}
    return r, summary


def tree(root):
    """Every file under root (relative path -> bytes), without the ledger."""
    files = {}
    for d, _, names in os.walk(root):
        for n in names:
            p = os.path.join(d, n)
            rel = os.path.relpath(p, root)
            if rel.startswith("plateau-ledger.sqlite"):
                continue
            with open(p, "rb") as f:
                files[rel] = f.read()
    return files


def temporaries(root):
    return [os.path.join(d, n) for d, dirs, names in os.walk(root) for n in names + dirs if n.startswith(".plateau-tmp-")]


def ledger(root, label="fixture"):
    db = sqlite3.connect(os.path.join(root, "plateau-ledger.sqlite"))
    rows = db.execute("SELECT rel, status, content_hash, error_code FROM files WHERE label=? ORDER BY rel",
                      (label,)).fetchall()
    db.close()
    return rows


def make_inputs(folder, n, special=()):
    os.makedirs(folder, exist_ok=True)
    paths = []
    for i in range(n):
        p = os.path.join(folder, f"good_{i:04d}.txt")
        with open(p, "w") as f:
            f.write("ok\n" + "".join(f"line {i} {k}\n" for k in range(50 + i * 7)))
        paths.append(p)
    for word in special:
        p = os.path.join(folder, f"bad_{word}.txt")
        with open(p, "w") as f:
            f.write(word + "\n")
        paths.append(p)
    return paths


# 1. A crashing, a hanging, a runaway and a failing file among good ones: the good ones complete.
inputs = make_inputs(os.path.join(c.tmp, "in1"), 6, ("crash", "hang", "alloc", "malloc", "fail"))
out = os.path.join(c.tmp, "out1")
log = os.path.join(c.tmp, "log1.jsonl")
t0 = time.time()
r, s = run(out, inputs, "-j", 2, "--timeout", 3, "--memory-limit", "256M", "--log", log)
c.eq(r.returncode, 1, "a batch with failures exits 1")
c.eq((s.get("done"), s.get("failed"), s.get("total")), (6, 5, 11), "6 done, 5 failed, 11 in all")
c.true(time.time() - t0 < 60, "the hanging file is stopped by --timeout")
files = tree(out)
c.eq(sorted(files), [f"good_{i:04d}.txt.out" for i in range(6)], "exactly the good files have outputs")
c.eq(temporaries(out), [], "no temporary is left after crashes and kills")
err = r.stderr
c.true("bad_crash.txt" in err and ("SIGSEGV" in err or "without a result" in err), "the crash is reported")
c.true("bad_hang.txt" in err and "--timeout" in err, "the hang is reported as a timeout")
c.true("bad_alloc.txt" in err and "memory limit" in err, "the runaway allocation is stopped by the budget")
c.true("bad_malloc.txt" in err, "the raw runaway allocation is reported")
c.true("this file says it is bad" in err, "the job's own error is reported")
rows = ledger(out)
c.eq(sum(1 for row in rows if row[1] == "done"), 6, "ledger: 6 done")
c.eq(sum(1 for row in rows if row[1] == "failed"), 5, "ledger: 5 failed")
events = [json.loads(line) for line in open(log)]
c.eq(len(events), 11, "log: one JSON line per file")
c.true(all(e["peak_rss"] > 0 for e in events if e["status"] == "done"), "log: per-file peak RSS recorded")
c.true(all(e["error"] for e in events if e["status"] == "failed"), "log: failures carry their error")
# Outputs hold the right content (size and content hash of the input).
import hashlib  # noqa: E402
good0 = inputs[0]
line = files["good_0000.txt.out"].decode().split()
c.eq(int(line[1]), os.path.getsize(good0), "output records the input size")
c.eq(line[3], hashlib.sha256(open(good0, "rb").read()).hexdigest(), "engine passes the content SHA-256 to the job")

# A re-run skips what is done and retries what failed.
r, s = run(out, inputs[:6], "-j", 2)
c.eq((s.get("skipped"), s.get("done")), (6, 0), "re-run: every done file is skipped")
os.utime(inputs[0], (time.time() + 5, time.time() + 5))
r, s = run(out, inputs[:6], "-j", 2)
c.eq((s.get("skipped"), s.get("done")), (5, 1), "re-run: a touched file is redone")
r, s = run(out, inputs[:6], "-j", 2, "--force")
c.eq(s.get("done"), 6, "--force redoes everything")

# 2. kill -9 of the whole batch, several times, then resume: outputs identical to a clean run.
inputs = make_inputs(os.path.join(c.tmp, "in2"), 60)
clean = os.path.join(c.tmp, "clean")
r, s = run(clean, inputs, "-j", 2, "--work-ms", 40)
c.eq(s.get("done"), 60, "clean run: 60 done")
killed = os.path.join(c.tmp, "killed")
random.seed(7)
kills = 0
for attempt in range(4):
    p = subprocess.Popen([FIXTURE, killed, "-j", "2", "--work-ms", "40", *inputs], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(random.uniform(0.1, 0.3))
    if p.poll() is None:
        os.killpg(p.pid, signal.SIGKILL)
        kills += 1
    p.wait()
c.true(kills >= 2, f"the batch was killed midway {kills} times")
c.true(len(temporaries(killed)) >= 0, f"{len(temporaries(killed))} temporaries were left by the kills")
r, s = run(killed, inputs, "-j", 2, "--work-ms", 40)
c.eq(r.returncode, 0, "the resumed run succeeds")
c.true(0 < s.get("skipped", 0) < 60, f"the resumed run skipped work already done ({s.get('skipped')}) and did the rest")
c.eq(tree(killed), tree(clean), "after kill -9 and resume, every output equals the clean run's byte for byte")
c.eq(temporaries(killed), [], "no partial file is left anywhere")
c.eq([row[:3] for row in ledger(killed)], [row[:3] for row in ledger(clean)], "the ledgers agree")

# 3. Three shards merged give the same outputs and ledger as one run.
shard_dirs = []
seen = 0
for i in range(1, 4):
    d = os.path.join(c.tmp, f"shard{i}")
    r, s = run(d, inputs, "-j", 2, "--shard", f"{i}/3")
    seen += s.get("total", 0)
    shard_dirs.append(d)
c.eq(seen, 60, "the three shards together cover every input once")
merged = os.path.join(c.tmp, "merged")
r = plateau("merge", "-o", merged, *shard_dirs)
c.eq(r.returncode, 0, "plateau merge succeeds" + (f": {r.stderr}" if r.returncode else ""))
c.eq(tree(merged), tree(clean), "merged shard outputs equal the unsharded run")
c.eq([row[:3] for row in ledger(merged)], [row[:3] for row in ledger(clean)], "merged ledger equals the unsharded one")

# 4. In-process mode gives the same outputs.
inproc = os.path.join(c.tmp, "inproc")
r, s = run(inproc, inputs[:10], "--in-process")
c.eq(tree(inproc), {k: v for k, v in tree(clean).items() if k in tree(inproc)}, "in-process outputs are the same")
c.eq(s.get("done"), 10, "in-process: 10 done")

c.done()

"""plateau slurm submit without a cluster: --shard auto, the refusals, the memory request, the generated scripts run
by bash on paths full of quotes and spaces (tasks, then the final job's completeness check and merge), and the exact
argv a (fake) sbatch receives."""
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import time

from harness import PLATEAU, Checks, plateau, testdata

c = Checks("slurm_cli")
src = testdata("lasertrim", "SystemB")
MIB = 1 << 20


def trim_shas(out):
    db = sqlite3.connect(os.path.join(out, "trim.db"))
    rows = sorted(r[0] for r in db.execute("SELECT sha256 FROM files"))
    db.close()
    return rows


def results(out):
    db = sqlite3.connect(os.path.join(out, "trim.db"))
    rows = db.execute("SELECT f.sha256, f.status, t.track, t.sigma, t.lin_pass, t.risk, t.status, t.x, t.e "
                      "FROM tracks t JOIN files f ON f.id = t.file_id ORDER BY f.sha256, t.track").fetchall()
    db.close()
    return rows


# ---- --shard auto reads the array task's variables
base = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}
r = plateau("trim", "analyze", src, "-o", os.path.join(c.tmp, "x"), "--shard", "auto", "--no-plots", env=None)
c.eq(r.returncode, 2, "--shard auto outside a job array is a usage error")
c.true("SLURM_ARRAY_TASK_ID" in r.stderr and "--shard I/N" in r.stderr, f"... naming the variable: {r.stderr.strip()}")


def run_env(env, *args):
    return subprocess.run([PLATEAU, *args], capture_output=True, text=True, timeout=600, env=dict(base, **env))


array = {"SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "2",
         "SLURM_ARRAY_TASK_MAX": "5"}
auto = os.path.join(c.tmp, "auto")
r = run_env(array, "trim", "analyze", src, "-o", auto, "--shard", "auto", "--no-plots", "--format", "csv")
c.true(r.returncode in (0, 1), f"--shard auto in task 5 of an array 2-5 runs: {r.stderr[-300:]}")
explicit = os.path.join(c.tmp, "explicit")
plateau("trim", "analyze", src, "-o", explicit, "--shard", "4/4", "--no-plots", "--format", "csv")
c.true(len(trim_shas(auto)) > 0 and trim_shas(auto) == trim_shas(explicit),
       "task 5 of an array 2-5 is shard 4/4 (the same files)")
r = run_env(dict(array, SLURM_ARRAY_TASK_MAX="8"), "trim", "analyze", src, "-o", auto, "--shard", "auto")
c.eq(r.returncode, 2, "--shard auto in an array with a step or gaps is refused")
c.true("not one per number" in r.stderr, f"... saying why: {r.stderr.strip()}")
r = run_env({"SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "x", "SLURM_ARRAY_TASK_MIN": "1"}, "trim",
            "analyze", src, "-o", auto, "--shard", "auto")
c.true(r.returncode == 2 and "SLURM_ARRAY_TASK_COUNT is not a whole number" in r.stderr,
       f"a malformed SLURM_ARRAY_TASK_COUNT is named: {r.stderr.strip()}")

# ---- --done-file: written once every file of the shard was tried, with the counts; its folder made at the start
done = os.path.join(c.tmp, "markers", "sub", "done.json")
r = plateau("trim", "analyze", src, "-o", os.path.join(c.tmp, "d"), "--shard", "2/3", "--no-plots", "--format", "csv",
            "--done-file", done)
d = json.load(open(done))
c.true(d["shard"] == 2 and d["shards"] == 3 and d["files"] == d["done"] + d["skipped"] + d["failed"] > 0,
       f"--done-file holds the shard and its counts: {d}")

# an interrupted run removes an earlier run's marker and writes none
with open(done, "w") as f:
    f.write("stale\n")
log = os.path.join(c.tmp, "interrupted.jsonl")
p = subprocess.Popen([PLATEAU, "trim", "analyze", testdata("lasertrim", "SystemA"), "-o", os.path.join(c.tmp, "i"),
                      "-j", "1", "--format", "csv", "--done-file", done, "--log", log],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
deadline = time.monotonic() + 300
while p.poll() is None and time.monotonic() < deadline and not (os.path.exists(log) and os.path.getsize(log) > 0):
    time.sleep(0.05)
p.send_signal(signal.SIGTERM)
p.wait(300)
lines = sum(1 for _ in open(log)) if os.path.exists(log) else 0
c.true(p.returncode != 0 and 0 < lines < 115, f"a run stopped by SIGTERM after {lines} files ends non-zero")
c.true(not os.path.exists(done), "... and leaves no done marker, not even the earlier run's")

# ---- refusals and sizing (dry runs write nothing)
out = os.path.join(c.tmp, "campaign")


def dry(*args):
    return plateau("slurm", "submit", *args, "--dry-run")


r = dry("trim", "analyze", src, "-o", out, "--tasks", "3")
c.eq(r.returncode, 0, "a dry run succeeds" + ("" if r.returncode == 0 else ": " + r.stderr))
c.true(not os.path.exists(out), "a dry run writes nothing")
m = re.search(r"--mem=(\d+)M", r.stdout)
overhead = 64 + 32  # pl_slurm_overhead(1), MiB
c.true(m and int(m.group(1)) == 64 + overhead,
       f"the memory request is the engine's per-file estimate (64 MiB for trim) plus the overhead: {m and m.group(0)}")
c.true("--memory-limit 64M" in r.stdout, "the task's budget is the per-file estimate times -j 1")
r = dry("trim", "analyze", src, "-o", out, "--tasks", "3", "-j", "3")
m = re.search(r"--mem=(\d+)M", r.stdout)
c.true(m and int(m.group(1)) == 3 * 64 + 64 + 3 * 32 and "--cpus-per-task=3" in r.stdout and " -j 3 " in r.stdout,
       f"-j 3: three files at once, three CPUs, three budgets: {m and m.group(0)}")
r = dry("trim", "analyze", src, "-o", out, "--tasks", "3", "--mem", "1G")
c.true("--mem=1024M" in r.stdout and f"--memory-limit {1024 - overhead}M" in r.stdout,
       "--mem 1G: the budget is what remains after the overhead")
r = dry("trim", "analyze", src, "-o", out, "--tasks", "3", "--mem", "90M")
c.true(r.returncode == 2 and "leaves no room" in r.stderr, f"--mem below the overhead is refused: {r.stderr.strip()}")
r = dry("trim", "analyze", src, "-o", out, "--tasks", "3", "--mem", "120M")
c.true(r.returncode == 0 and "--memory-limit 24M" in r.stdout and "below the engine's estimate" in r.stderr,
       "--mem below overhead + estimate is taken, with a note")
r = dry("trim", "analyze", src, "-o", out, "--tasks", "2", "--partition", "short", "--time", "1:00:00")
c.true("--partition=short" in r.stdout and "--time=1:00:00" in r.stdout, "--partition and --time reach sbatch")
r = dry("trim", "analyze", src, "-o", out, "--tasks", "8", "--max-running", "3")
c.true("--array=1-8%3" in r.stdout, "--max-running throttles the array")
for args, want in [
    (("trim", "analyze", src, "-o", out), "missing --tasks"),
    (("trim", "analyze", src, "--tasks", "2"), "give the command its -o OUT"),
    (("trim", "analyze", src, "-o", out, "--tasks", "2", "--db", "x.db"), "leave --db out"),
    (("trim", "analyze", src, "-o", out, "--tasks", "2", "--log", "x.jsonl"), "leave --log out"),
    (("trim", "analyze", src, "-o", out, "--tasks", "2", "--shard", "1/2"), "leave --shard out"),
    (("trim", "query", "--tasks", "2"), "'trim query' is not a batch command"),
    (("frobnicate", "--tasks", "2"), "'frobnicate' is not a batch command"),
    (("--tasks", "2"), "missing the command"),
    (("ephys", "analyze", c.tmp, "--tasks", "2"), "writes into its inputs in place"),
    (("trim", "analyze", src, "-o", out, "--tasks", "0"), "--tasks takes"),
    (("trim", "analyze", src, "-o", out, "--tasks", "2", "--bogus"), "unknown option '--bogus'"),
    (("ephys", "run", os.path.join(c.tmp, "nothing-here"), "-o", out, "--tasks", "2"), "cannot open input"),
]:
    r = dry(*args)
    c.true(r.returncode != 0 and want in r.stderr, f"{' '.join(args[:2])} ... -> '{want}': {r.stderr.strip()[:160]}")
r = plateau("slurm", "submit", "trim", "analyze", "--help")
c.true(r.returncode == 0 and "Usage: plateau slurm submit" in r.stdout, "--help after the command is slurm submit's")

# ---- the scripts, run by bash on hostile names: inputs and output under quotes, spaces, $ and a newline
weird = os.path.join(c.tmp, "in dir 'q' \"dq\" $HOME `x` ;\nline")
os.makedirs(weird)
for f in sorted(os.listdir(src))[:12]:
    shutil.copy(os.path.join(src, f), weird)
out = os.path.join(c.tmp, "out %A 'o' \"o\" $PATH")
rel_in = os.path.relpath(weird, c.tmp)  # relative paths become absolute
r = plateau("slurm", "submit", "trim", "analyze", rel_in, "-o", os.path.relpath(out, c.tmp), "--tasks", "3",
            "--no-plots", "--format", "csv", "--dry-run", cwd=c.tmp)
c.eq(r.returncode, 0, "a dry run over hostile names" + ("" if r.returncode == 0 else ": " + r.stderr))
parts = re.split(r"^# ---- .*$\n", r.stdout, flags=re.M)
task_sh, merge_sh, lines = parts[1], parts[2], parts[3].splitlines()
c.true(task_sh.startswith("#!/bin/bash") and merge_sh.startswith("#!/bin/bash") and len(lines) == 2,
       "the dry run prints the task script, the final job's script and two sbatch lines")
c.true(os.path.abspath(PLATEAU) in task_sh, "the scripts run plateau by its absolute path")
for name, text in (("task", task_sh), ("merge", merge_sh)):
    c.eq(subprocess.run(["bash", "-n"], input=text, text=True).returncode, 0, f"bash parses the {name} script")
# the sbatch lines, parsed by a shell, give back the exact arguments (%-escaped for Slurm's --output pattern)
argv = subprocess.run(["bash", "-c", 'printf "%s\\0" ' + lines[0].split(" ", 1)[1]], capture_output=True,
                      text=True).stdout.split("\0")[:-1]
campaign = os.path.join(out, ".slurm")
c.true(f"--output={campaign.replace('%', '%%')}/logs/%A_%a.log" in argv and f"--chdir={c.tmp}" in argv and
       argv[-1] == os.path.join(campaign, "task.sh"), "the array's sbatch line names the logs, folder and script")
c.true(" --dependency=afterany:ARRAY_JOB_ID " in lines[1], "the final job depends on the whole array (afterany)")


def bash(script, env=None):
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=600,
                          env=dict(base, **(env or {})), cwd="/")


os.makedirs(os.path.join(campaign, "logs"))
for i in (1, 2):
    r = bash(task_sh, {"SLURM_ARRAY_TASK_ID": str(i)})
    c.true(r.returncode in (0, 1), f"task {i} runs from the script" + ("" if r.returncode in (0, 1) else r.stderr))
r = bash(merge_sh)
c.true(r.returncode == 1 and "task(s) 3 of 3 did not finish" in r.stderr,
       f"the final job refuses to merge while task 3 is missing: {r.stderr.strip()[:200]}")
c.true(not os.path.exists(os.path.join(out, "trim.db")), "... and merges nothing")
r = bash(task_sh, {"SLURM_ARRAY_TASK_ID": "3"})
r = bash(merge_sh)
c.eq(r.returncode, 0, "with every task done the final job merges" + ("" if r.returncode == 0 else ": " + r.stderr))
one = os.path.join(c.tmp, "one")
plateau("trim", "analyze", weird, "-o", one, "--no-plots", "--format", "csv")
c.true(len(results(one)) > 0 and results(out) == results(one),
       f"the merged results equal one run's ({len(results(one))} tracks)")
c.eq(sorted(os.listdir(os.path.join(campaign, "done"))), ["1.json", "2.json", "3.json"], "one marker per task")
logs = os.listdir(os.path.join(campaign, "logs"))
c.eq(sorted(logs), ["1.jsonl", "2.jsonl", "3.jsonl"], "one JSON-lines log per task")

# ---- submission: a fake sbatch records the exact argv it gets; a fake squeue reports the jobs still running
fake = os.path.join(c.tmp, "fakebin")
os.makedirs(fake)
calls = os.path.join(c.tmp, "calls")
queue = os.path.join(c.tmp, "queue")
with open(os.path.join(fake, "sbatch"), "w") as f:
    f.write(f"""#!/bin/bash
n=$(ls {calls!r} 2>/dev/null | wc -l)
printf '%s\\0' "$@" > {calls!r}/$n
echo "$((100 + n));cluster"
""")
with open(os.path.join(fake, "squeue"), "w") as f:
    f.write(f"#!/bin/bash\n[ -f {queue!r} ] && cat {queue!r}\nexit 0\n")
os.chmod(os.path.join(fake, "sbatch"), 0o755)
os.chmod(os.path.join(fake, "squeue"), 0o755)
os.makedirs(calls)
path_env = {"PATH": fake + ":" + base.get("PATH", "/usr/bin:/bin")}
out2 = os.path.join(c.tmp, "sub 'x'")
args = ("slurm", "submit", "trim", "analyze", weird, "-o", out2, "--tasks", "2", "--no-plots",
        "--sbatch-arg=--account=it's")
r = run_env(path_env, *args)
c.eq(r.returncode, 0, "submission through sbatch succeeds" + ("" if r.returncode == 0 else ": " + r.stderr))
c.true("job array 100" in r.stdout and "final job 101" in r.stdout, f"the job ids are reported: {r.stdout.strip()}")
got = [open(os.path.join(calls, n)).read().split("\0")[:-1] for n in ("0", "1")]
camp2 = os.path.join(out2, ".slurm")
c.true(got[0][0] == "--parsable" and "--array=1-2" in got[0] and "--account=it's" in got[0] and
       got[0][-1] == os.path.join(camp2, "task.sh"), f"sbatch gets the array's arguments unchanged: {got[0]}")
c.true("--dependency=afterany:100" in got[1] and got[1][-1] == os.path.join(camp2, "merge.sh"),
       "the final job depends on the array's id")
c.true(os.path.isfile(os.path.join(camp2, "task.sh")) and os.path.isdir(os.path.join(camp2, "logs")),
       "the scripts and the logs folder are in place before sbatch runs")
c.true(open(os.path.join(camp2, "jobs.tsv")).read().split("\t")[1:] == ["100", "101\n"], "jobs.tsv records both ids")
with open(queue, "w") as f:
    f.write("100_2 RUNNING\n")
r = run_env(path_env, *args)
c.true(r.returncode == 1 and "still queued or running (100_2 RUNNING)" in r.stderr,
       f"a resubmission while a task still runs is refused: {r.stderr.strip()}")
os.unlink(queue)
r = run_env(path_env, *args)
c.eq(r.returncode, 0, "once the queue is empty the campaign can be submitted again")
r = run_env({"PATH": "/nonexistent"}, *args)
c.true(r.returncode == 1 and "cannot run" in r.stderr, f"a missing sbatch is a clear error: {r.stderr.strip()}")
c.done()

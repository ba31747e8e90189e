"""Shared steps of the Slurm campaign tests: submit with plateau slurm submit, wait, read a task's JSON-lines log."""
import json
import os
import re
import subprocess
import sys

from harness import PLATEAU

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from slurm_cluster import SlurmCluster, require  # noqa: E402,F401


def submit(cluster, *args, cwd=None):
    """Runs plateau slurm submit against the cluster; returns (array job id, final job id, the run)."""
    r = subprocess.run([PLATEAU, "slurm", "submit", *map(str, args)], env=cluster.env, capture_output=True, text=True,
                       timeout=600, cwd=cwd)
    m = re.search(r"job array (\d+) \(\d+ tasks\) and final job (\d+)", r.stdout)
    if r.returncode != 0 or not m:
        raise AssertionError(f"plateau slurm submit exited {r.returncode}: {r.stdout} {r.stderr}")
    return m.group(1), m.group(2), r


def task_events(out, task):
    """The JSON lines task `task` logged (every submission appends), as (path, status) pairs."""
    path = os.path.join(out, ".slurm", "logs", f"{task}.jsonl")
    if not os.path.exists(path):
        return []
    events = []
    with open(path) as f:
        for line in f:
            if line.endswith("\n"):  # a line being written is not read
                # the first "status" is the engine's; a job's own facts may repeat the name (trim: the file's verdict)
                e = json.loads(line, object_pairs_hook=lambda pairs: dict(reversed(pairs)))
                events.append((e["path"], e["status"]))
    return events


def done_marker(out, task):
    path = os.path.join(out, ".slurm", "done", f"{task}.json")
    return json.load(open(path)) if os.path.exists(path) else None


def final_log(out, job):
    return open(os.path.join(out, ".slurm", "logs", f"{job}-merge.log")).read()

"""The throwaway Slurm cluster fixture itself: two clusters at once do not clash (private ports, munge sockets, state
and spool folders), each runs its own jobs, and stopping one leaves the other working; both leave nothing behind."""
import os
import sys
import time

from harness import Checks

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from slurm_cluster import SlurmCluster, require  # noqa: E402

c = Checks("slurm_cluster")
require(c)


def conf(cluster, key):
    for line in open(cluster.env["SLURM_CONF"]):
        if line.startswith(key + "="):
            return line.strip().split("=", 1)[1]
    return None


t0 = time.monotonic()
with SlurmCluster(name="first") as a, SlurmCluster(name="second") as b:
    c.true(True, f"two clusters started in {a.start_seconds:.1f} s and {b.start_seconds:.1f} s "
                 f"({time.monotonic() - t0:.1f} s both)")
    for key in ("SlurmctldPort", "SlurmdPort", "AuthInfo", "StateSaveLocation", "SlurmdSpoolDir"):
        c.true(conf(a, key) != conf(b, key), f"{key} differs: {conf(a, key)} / {conf(b, key)}")
    ja = a.sbatch("--wrap", "echo first > out-a.txt", f"--chdir={a.dir}", "--output=/dev/null")
    jb = b.sbatch("--wrap", "echo second > out-b.txt", f"--chdir={b.dir}", "--output=/dev/null", "--hold")
    a.wait_jobs([ja], 120)
    c.eq(a.job_states(ja), {ja: "COMPLETED"}, "the first cluster ran its job")
    c.eq(open(os.path.join(a.dir, "out-a.txt")).read(), "first\n", "... in its own folder")
    c.eq(b.job_states(jb), {jb: "PENDING"}, "the second cluster's held job is its own, untouched")
    names_a = a.run("squeue", "-h", "-t", "all", "-o", "%j").stdout.split()
    c.eq(names_a, ["wrap"], "each cluster lists only its own jobs")
    dir_a = a.dir
    a.stop()
    c.true(not os.path.exists(dir_a), "a stopped cluster leaves no folder")
    b.run("scontrol", "release", jb)
    b.wait_jobs([jb], 120)
    c.eq(b.job_states(jb), {jb: "COMPLETED"}, "the second cluster still works after the first stopped")
    dir_b = b.dir
c.true(not os.path.exists(dir_b), "... and leaves nothing behind either")
c.done()

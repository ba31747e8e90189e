"""The CLI's contract: help, version, one-line usage errors with exit status 2."""
import os
import subprocess
import sys


from harness import Checks, plateau  # noqa: E402

c = Checks("cli")

r = plateau("--help")
c.eq(r.returncode, 0, "--help exits 0")
for word in ("demo", "inspect", "sheet", "ephys convert", "trim analyze"):
    c.true(word in r.stdout, f"--help lists {word}")

r = plateau("--version")
c.eq(r.returncode, 0, "--version exits 0")
c.true(r.stdout.startswith("plateau "), "--version prints the version")

r = plateau("frobnicate")
c.eq(r.returncode, 2, "unknown command exits 2")
c.eq(len(r.stderr.strip().splitlines()), 1, "unknown command: one line")
c.true("frobnicate" in r.stderr, "unknown command is named")

r = plateau("--bogus")
c.eq(r.returncode, 2, "unknown global option exits 2")

for cmd in (["sheet"], ["ephys", "convert"], ["trim", "analyze"], ["demo"], ["inspect"]):
    r = plateau(*cmd, "--help")
    c.eq(r.returncode, 0, f"{' '.join(cmd)} --help exits 0")
    c.true(r.stdout.startswith("Usage: plateau " + " ".join(cmd)), f"{' '.join(cmd)} --help shows usage")
    r = plateau(*cmd, "--no-such-option")
    c.eq(r.returncode, 2, f"{' '.join(cmd)} with an unknown option exits 2")
    c.eq(len(r.stderr.strip().splitlines()), 1, f"{' '.join(cmd)}: unknown option is one line")
    c.true("--no-such-option" in r.stderr, f"{' '.join(cmd)}: the option is named")

r = plateau("ephys", "convert", "--memory-limit", "lots", "x.nwb")
c.eq(r.returncode, 2, "bad --memory-limit exits 2")
c.true("--memory-limit" in r.stderr, "bad --memory-limit is explained")
r = plateau("ephys", "convert", "--timeout", "-5", "x.nwb")
c.true(r.returncode == 2 and "--timeout" in r.stderr, "a negative --timeout exits 2 and is explained")
r = plateau("ephys", "convert", "--help")
c.true("600 + 2 per MB" in r.stdout, "--help states the default time limit")
r = plateau("ephys", "convert", "--shard", "4/3", "x.nwb")
c.eq(r.returncode, 2, "bad --shard exits 2")
r = plateau("ephys", "nonsense")
c.eq(r.returncode, 2, "unknown subcommand exits 2")

c.done()

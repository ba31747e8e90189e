"""Small shared helpers for the integration tests (run with Debian's /usr/bin/python3).

Every check prints one line; the script ends with 'N passed, N failed' and exits non-zero on any failure."""
import json
import math
import os
import subprocess
import sys
import tempfile

PLATEAU = os.environ.get("PLATEAU", "plateau")
SRC = os.environ.get("PLATEAU_SRC", os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NODE_PATH = os.environ.get("NODE_PATH", os.path.join(SRC, "tools", "node", "node_modules"))


def testdata(*parts, required=True):
    """Path under $PLATEAU_TESTDATA (../shared/data). Exits with a clear message when it is required and missing."""
    root = os.environ.get("PLATEAU_TESTDATA")
    if not root or not os.path.isdir(root):
        if required:
            print("PLATEAU_TESTDATA is not set or not a folder: point it at ../shared/data", file=sys.stderr)
            sys.exit(1)
        return None
    return os.path.join(root, *parts)


def plateau(*args, check=False, timeout=600, env=None, cwd=None):
    e = dict(os.environ)
    if env:
        e.update(env)
    r = subprocess.run([PLATEAU, *map(str, args)], capture_output=True, text=True, timeout=timeout, env=e, cwd=cwd)
    if check and r.returncode != 0:
        raise AssertionError(f"plateau {' '.join(map(str, args))} exited {r.returncode}: {r.stderr}")
    return r


def node_json(script, *args, timeout=600):
    """Runs tests/oracles/<script> with node and returns its JSON output."""
    env = dict(os.environ, NODE_PATH=NODE_PATH)
    r = subprocess.run(["node", os.path.join(SRC, "tests", "oracles", script), *map(str, args)],
                       capture_output=True, text=True, timeout=timeout, env=env)
    if r.returncode != 0:
        raise AssertionError(f"node {script} failed: {r.stderr}")
    return json.loads(r.stdout)


def duck(sql):
    """Rows of a SQL query run by DuckDB (tests/oracles/duckdb_query.mjs), as a list of dicts."""
    return node_json("duckdb_query.mjs", sql)


def close(a, b, rel=1e-9, abs_=0.0):
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return abs(a - b) <= max(rel * max(abs(a), abs(b)), abs_)


class Checks:
    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0
        self.tmp = tempfile.mkdtemp(prefix=f"plateau-it-{name}-")

    def true(self, cond, what):
        if cond:
            self.passed += 1
            print(f"ok   {what}")
        else:
            self.failed += 1
            print(f"FAIL {what}")
        return cond

    def eq(self, got, want, what):
        ok = got == want
        return self.true(ok, what if ok else f"{what}: got {got!r}, want {want!r}")

    def near(self, got, want, what, rel=1e-9, abs_=0.0):
        ok = close(got, want, rel, abs_)
        return self.true(ok, what if ok else f"{what}: got {got!r}, want {want!r}")

    def done(self):
        print(f"{self.passed} passed, {self.failed} failed")
        sys.exit(1 if self.failed else 0)

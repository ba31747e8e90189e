"""Every sample workbook, read by xlrd (dump_xlrd.py) and analysed by plateau's C code (trim_json): n, fail points,
pass flags and statuses equal v2_tracks.csv exactly, sigma/threshold/offset/shifted error within 1e-9 relative.
Also checks that the exact-optimum offsets never do worse than the Brent ones."""
import csv
import glob
import os
import subprocess
import sys

from harness import Checks, testdata

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER = os.path.join(os.environ["PLATEAU_BUILD"], "tests", "trim", "trim_json")


def main():
    c = Checks("trim-reference-xlrd")
    root = testdata("lasertrim")
    files = sorted(glob.glob(os.path.join(root, "System*", "*.xls")))
    c.eq(len(files), 150, "150 sample workbooks")
    dump = os.path.join(c.tmp, "dump.jsonl")
    with open(dump, "w") as fh:
        subprocess.run(["/usr/bin/python3", os.path.join(HERE, "dump_xlrd.py"), *files], stdout=fh, check=True)
    for mode, name in (([], "brent"), (["--exact"], "exact")):
        out = os.path.join(c.tmp, f"ours-{name}.csv")
        with open(dump) as fin, open(out, "w") as fout:
            r = subprocess.run([DRIVER, *mode], stdin=fin, stdout=fout)
        c.eq(r.returncode, 0, f"driver ran ({name})")
        if name == "brent":
            r = subprocess.run(["/usr/bin/python3", os.path.join(HERE, "compare_ref.py"), out,
                                os.path.join(root, "reference", "v2_tracks.csv")], capture_output=True, text=True)
            print(r.stdout[-3000:])
            c.eq(r.returncode, 0, "all 157 reference rows agree (Brent offsets)")
        else:
            rows = [row for row in csv.reader(open(out)) if len(row) > 20 and row[18] == "1"]
            worse = [row[0] for row in rows if int(row[15]) > int(row[25])]
            better = [row[0] for row in rows if int(row[26]) < int(row[25])]
            c.eq(worse, [], "exact optimum never has more fail points than the Brent search")
            c.true(len(better) > 0, f"exact optimum has fewer fail points on {len(better)} tracks")
    return c.done()


if __name__ == "__main__":
    sys.exit(main())

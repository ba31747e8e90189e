#!/usr/bin/env bash
# The test command (README, .ci/run): set up, build normally and with ASan+UBSan, and run the whole suite in both.
# Tests that read real recordings and workbooks take them from $PLATEAU_TESTDATA (default ../shared/data).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
export PLATEAU_TESTDATA=${PLATEAU_TESTDATA:-$(cd "$here/.." && pwd)/shared/data}
if [ ! -d "$PLATEAU_TESTDATA" ]; then
  echo "test: PLATEAU_TESTDATA=$PLATEAU_TESTDATA is not a folder (the shared test data must sit at ../shared/data)" >&2
  exit 1
fi
export LSAN_OPTIONS="suppressions=$here/tests/lsan.supp:print_suppressions=0"

scripts/setup.sh
passed=0
failed=0
status=0
for variant in build asan; do
  if [ $variant = asan ] && [ "${PLATEAU_SKIP_ASAN:-0}" = 1 ]; then continue; fi
  scripts/build.sh $([ $variant = asan ] && echo asan)
  dir=$([ $variant = asan ] && echo build-asan || echo build)
  meson test -C "$dir" --num-processes 2 --print-errorlogs ${PLATEAU_TEST_ARGS:-} || status=1
  log="$dir/meson-logs/testlog.json"
  p=$(grep -c '"result": "OK"' "$log" || true)
  f=$(grep -c -E '"result": "(FAIL|TIMEOUT|ERROR|UNEXPECTEDPASS)"' "$log" || true)
  passed=$((passed + p))
  failed=$((failed + f))
done
echo "test suites: $passed passed, $failed failed"
exit $status

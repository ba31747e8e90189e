#!/usr/bin/env bash
# Configures and builds plateau into build/ (release-ish: -O2 -g). Pass "asan" to build build-asan/ with ASan+UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "asan" ]; then
  dir=build-asan
  [ -f $dir/build.ninja ] || meson setup $dir -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug >/dev/null
else
  dir=build
  [ -f $dir/build.ninja ] || meson setup $dir >/dev/null
fi
ninja -C $dir >/dev/null
echo "build: $dir/plateau"

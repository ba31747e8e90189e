#!/usr/bin/env bash
# Installs everything plateau's build, tests, benchmarks and demo need on Debian 12 (idempotent; run as root,
# or with sudo available). Debian packages via apt-get; the test oracles (DuckDB, hyparquet) via npm into tools/node.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

packages=(
  # build
  build-essential meson ninja-build pkg-config
  # libraries
  libhdf5-dev libcairo2-dev libzstd-dev libsnappy-dev zlib1g-dev libsqlite3-dev libexpat1-dev libzip-dev
  libxlsxwriter-dev libjansson-dev libjpeg-dev libssl-dev libcmocka-dev
  # fonts for plots
  fontconfig fonts-dejavu-core
  # independent readers used by the tests, and tools for benchmarks and looking at outputs
  python3 python3-numpy python3-scipy python3-h5py python3-xlrd python3-openpyxl python3-neo
  sqlite3 poppler-utils time hyperfine
  # a throwaway single-node Slurm for the campaign tests (tests/slurm starts munged, slurmctld and slurmd itself)
  slurm-wlm munge
  # sanitizer and fuzzing runtime
  clang libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# Node.js: the machine's own node and npm are used when present (Debian's npm conflicts with other installs).
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Test oracles, pinned by tools/node/package-lock.json, in a project-local folder.
if [ ! -d "$here/tools/node/node_modules/@duckdb/node-api" ] || [ ! -d "$here/tools/node/node_modules/hyparquet" ]; then
  echo "setup: installing the npm test oracles into tools/node"
  (cd "$here/tools/node" && npm install --silent --no-audit --no-fund --no-save)
fi
echo "setup: done"

#!/usr/bin/env bash
# The README's test command: installs what is missing, builds the tests (debug) and the release
# binary that the multi-rank tests start under mpirun, runs every test, then runs each fuzz target
# for FUZZ_SECONDS (default 20) seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
bash launch/install-deps.sh
if [ "$(id -u)" -eq 0 ]; then
  # mpirun refuses to run as root unless told; CI runs as root.
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
swift build --build-tests
swift build -c release --product mtl-dist
export MTL_DIST_BINARY="$PWD/.build/release/mtl-dist"
swift test --skip-build
# every libFuzzer target for a short budget, so a regression in a reader shows (see FUZZING.md)
bash launch/fuzz.sh all "${FUZZ_SECONDS:-20}"

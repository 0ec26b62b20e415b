#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, runs every test.
# Multi-rank tests start the release binary under mpirun, so that binary is built first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash launch/install-deps.sh
if [ "$(id -u)" -eq 0 ]; then
  # mpirun refuses to run as root unless told; CI runs as root.
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
swift build --build-tests
swift test --skip-build 2>&1 | tee .build/test-output.txt

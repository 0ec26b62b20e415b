#!/usr/bin/env bash
# The README's test command: installs what is missing, builds the tests (debug) and the release
# binary that the multi-rank tests start under mpirun, starts a one-node SLURM for the tests that
# submit launch/slurm.sbatch (launch/slurm-local.sh; when it cannot, it says why and those tests
# skip), runs every test, runs each fuzz target for FUZZ_SECONDS (default 20) seconds, and stops
# the SLURM daemons it started.
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
if ! bash launch/slurm-local.sh status >/dev/null 2>&1; then
  # exit status 77 (and its SKIP line) when the daemons cannot run here
  if bash launch/slurm-local.sh start; then
    trap 'bash launch/slurm-local.sh stop' EXIT
  else
    echo "test.sh: no local SLURM (launch/slurm-local.sh start exited $?); the SLURM tests skip" >&2
  fi
fi
swift test --skip-build
# every libFuzzer target for a short budget, so a regression in a reader shows (see FUZZING.md)
# (a fixed seed, so a run is repeatable up to how many inputs the time allows)
bash launch/fuzz.sh all "${FUZZ_SECONDS:-20}" -seed="${FUZZ_SEED:-1}"

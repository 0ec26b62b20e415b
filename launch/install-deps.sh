#!/usr/bin/env bash
# Installs the system libraries mtl-dist builds against (OpenBLAS, OpenMPI) when missing, and
# python3-numpy, which the test of python/mtl_dist_infer.py (the model run without Swift) needs.
# Idempotent; needs root or sudo only when something is missing.
set -euo pipefail
need=()
for pkg in libopenblas-dev libopenmpi-dev openmpi-bin pkg-config; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
# numpy as the python3 on PATH sees it (a pip-installed numpy counts; Debian's package otherwise)
if ! command -v python3 >/dev/null || ! python3 -c 'import numpy' 2>/dev/null; then
  need+=(python3-numpy)
fi
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: installing ${need[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${need[@]}" >/dev/null

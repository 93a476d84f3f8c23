#!/usr/bin/env bash
# The whole test suite on a fresh machine: set-up, build, ctest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/build.sh"
cores=$(nproc)  # before mpi-env.sh: nproc follows the OMP_NUM_THREADS it sets
. "$root/tools/mpi-env.sh"
cd "$root/build"
ctest --output-on-failure -j "$cores" "$@"

#!/usr/bin/env bash
# The whole test suite on a fresh machine: set-up, build, ctest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/build.sh"
. "$root/tools/mpi-env.sh"
cd "$root/build"
ctest --output-on-failure -j "$(nproc)" "$@"

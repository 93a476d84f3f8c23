#!/usr/bin/env bash
# Benchmark (not a test): nmfx MU / HALS / ANLS in double and single
# precision against scikit-learn (Debian's python3-sklearn, same threads) in
# one run, on Fashion-MNIST (60000 x 784) and a 4000 x 3000 synthetic
# matrix, k = 50: seconds per iteration, the ratio to the GEMM bound
# 4mnk / peak, the products' share of the measured GEMM peak, peak memory per
# rank against its share of X + W + H, and 1 rank x 2 threads against 2 ranks
# x 1 thread. Every ratio compares numbers measured in this run.
# Usage: tools/bench.sh [iterations [repeats]]   (default 30 3)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/setup.sh" python3-sklearn >/dev/null
"$root/tools/build.sh" >/dev/null
cmake --build "$root/build" --target bench >/dev/null
. "$root/tools/mpi-env.sh"
nmfx="$root/build/src/nmfx"
work="$root/data"
mkdir -p "$work"
[ -s "$work/synth-4000x3000.h5" ] ||
  mpirun -np 2 "$nmfx" synth --rows 4000 --cols 3000 --rank 50 --noise 0.1 --seed 1 \
    -o "$work/synth-4000x3000.h5" >/dev/null
"$root/tools/fashion-mnist.sh" >/dev/null  # $work/fashion-mnist.h5
/usr/bin/python3 "$root/tools/bench.py" --nmfx "$nmfx" --gemm-rate "$root/build/tools/nmfx_gemm_rate" \
  --data "$work/fashion-mnist.h5" "$work/synth-4000x3000.h5" --iterations "${1:-30}" --repeats "${2:-3}"

#!/usr/bin/env bash
# Benchmark (not a test): what hidden entries cost. HALS and MU on
# Fashion-MNIST (60000 x 784, k = 50, 2 ranks x 1 thread), each fit with and
# without --holdout F (default 0.1), in alternating pairs: seconds per
# iteration of both and their ratio (masked / plain), per pair, then the
# range over the pairs.
# Usage: tools/bench-masked.sh [iterations [pairs [fraction]]]   (default 20 3 0.1)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
iterations=${1:-20}
pairs=${2:-3}
fraction=${3:-0.1}
"$root/tools/build.sh" >/dev/null
. "$root/tools/mpi-env.sh"
nmfx="$root/build/src/nmfx"
data=$("$root/tools/fashion-mnist.sh")
out="$root/data/bench-masked.h5"
seconds_per_iteration() {
  mpirun -np 2 "$nmfx" fit "$data" -o "$out" --rank 50 --max-iter "$iterations" --progress 0 \
    --metrics-every 0 --no-reference "$@" | sed -n 's/.* \([0-9.]*\) s\/iteration.*/\1/p'
}
echo "Fashion-MNIST, k = 50, 2 ranks x 1 thread, $iterations iterations per fit, --holdout $fraction," \
  "load $(cut -d' ' -f1 /proc/loadavg)"
echo
echo "| algorithm | pair | plain s/iteration | masked s/iteration | masked / plain |"
echo "|---|---|---|---|---|"
for algo in hals mu; do
  ratios=()
  for pair in $(seq "$pairs"); do
    plain=$(seconds_per_iteration --algo "$algo")
    masked=$(seconds_per_iteration --algo "$algo" --holdout "$fraction")
    ratio=$(awk -v a="$masked" -v b="$plain" 'BEGIN { printf "%.2f", a / b }')
    ratios+=("$ratio")
    echo "| $algo | $pair | $plain | $masked | $ratio |"
  done
  echo "| $algo | range | | | $(printf '%s\n' "${ratios[@]}" | sort -n | sed -n '1p;$p' | paste -sd- -) |"
done
echo "(load at the end: $(cut -d' ' -f1 /proc/loadavg))"

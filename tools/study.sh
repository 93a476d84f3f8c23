#!/usr/bin/env bash
# The low-rank-bias study of the README: Fashion-MNIST, k = 50, HALS and MU,
# metrics every 10 iterations, run to N iterations (default 300) on 2 ranks;
# then a table of the effective rank over iterations, the plateaus, and the
# error at the first plateau against the error at the end.
# Usage: tools/study.sh [iterations]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
iterations=${1:-300}
"$root/tools/build.sh" >/dev/null
. "$root/tools/mpi-env.sh"
nmfx="$root/build/src/nmfx"
data=$("$root/tools/fashion-mnist.sh")
mkdir -p "$root/runs"
for algo in hals mu; do
  mpirun -np 2 "$nmfx" fit "$data" -o "$root/runs/study-$algo.h5" \
    --rank 50 --algo "$algo" --max-iter "$iterations" --metrics-every 10 --progress 50
done
/usr/bin/python3 "$root/tools/study_table.py" "$root/runs/study-hals.h5" "$root/runs/study-mu.h5"

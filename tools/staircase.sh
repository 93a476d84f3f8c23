#!/usr/bin/env bash
# The staircase of the README: exact non-negative data of singular values
# 1, 0.5, 0.25, 0.12, 0.06 (nmfx synth --basis signs, 64 x 48; its
# non-negative rank is at most 2r - 1 = 9), fitted by pgd (fixed step 1) from
# --init-scale 1e-4 to 1 at depth 1, 2 and 3 (k = 9, ranks 9,9 and 9,9,9,
# global loss), N iterations (default 20000), 1 rank each. Metrics every
# iteration at depth 1 (its plateaus last tens of iterations; the plateau
# window is 5 evaluations) and every 10 deeper (plateaus of hundreds to
# thousands), plus 150 log-spaced snapshot iterations for the log-x plot.
# Then adam (learning rate 0.003) from 1e-4 at the three depths. Prints
# when each sigma_i of W H is learned and the plateau onsets, and draws
# figures/runs_staircase.png (tools/readme-figures/staircase.png).
# Usage: tools/staircase.sh [iterations]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
iterations=${1:-20000}
"$root/tools/build.sh" >/dev/null
. "$root/tools/mpi-env.sh"
nmfx="$root/build/src/nmfx"
mkdir -p "$root/data" "$root/runs"
data="$root/data/staircase.h5"
mpirun -np 1 "$nmfx" synth --rows 64 --cols 48 --spectrum 1,0.5,0.25,0.12,0.06 --basis signs -o "$data"
runs=()
for ranks in 9 9,9 9,9,9; do
  every=10
  [ "$ranks" = 9 ] && every=1
  for scale in 1e-4 1e-2 0.1 0.3 1; do
    out="$root/runs/staircase-${ranks//,/-}-$scale.h5"
    mpirun -np 1 "$nmfx" fit "$data" -o "$out" --model deep --ranks "$ranks" --algo pgd --step 1 \
      --init-scale "$scale" --max-iter "$iterations" --metrics-every "$every" --snapshots log:150 \
      --progress 0 >/dev/null
    runs+=("$out")
  done
done
"$root/tools/nmfx-plot" "${runs[@]}" --staircase -o "$root/figures"
# adam (learning rate 0.003) from --init-scale 1e-4 at the three depths:
# the table, and its own figure in figures/staircase-adam/.
adam=()
for ranks in 9 9,9 9,9,9; do
  every=10
  [ "$ranks" = 9 ] && every=2
  out="$root/runs/staircase-adam-${ranks//,/-}-1e-4.h5"
  mpirun -np 1 "$nmfx" fit "$data" -o "$out" --model deep --ranks "$ranks" --algo adam --lr 0.003 \
    --init-scale 1e-4 --max-iter "$iterations" --metrics-every "$every" --progress 0 >/dev/null
  adam+=("$out")
done
"$root/tools/nmfx-plot" "${adam[@]}" --staircase -o "$root/figures/staircase-adam"

#!/usr/bin/env bash
# Benchmark (not a test): every algorithm on Fashion-MNIST (k = 50, 2 ranks,
# 100 iterations), Deep NMF's cost by depth and loss, and the cost of the
# low-rank-bias metrics. The speed comparison against the GEMM bound and
# scikit-learn is tools/bench.sh.
# Usage: tools/bench-algorithms.sh [iterations]   (default 30)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
iterations=${1:-30}
"$root/tools/build.sh" >/dev/null
. "$root/tools/mpi-env.sh"
nmfx="$root/build/src/nmfx"
work="$root/data"
"$root/tools/fashion-mnist.sh" >/dev/null  # $work/fashion-mnist.h5

# Every algorithm on Fashion-MNIST, k = 50, 2 ranks: seconds per iteration
# and rel_residual after 100 iterations (random init, seed 0; adam: lr 0.01).
echo
echo "| algo | s/iteration | x HALS | rel_residual after 100 |"
echo "|---|---|---|---|"
hals_spi=""
for algo in hals mu anls pgd als adam; do
  out=$(mpirun -np 2 "$nmfx" fit "$work/fashion-mnist.h5" -o "$work/bench-run.h5" --rank 50 \
    --algo "$algo" --lr 0.01 --max-iter 100 --progress 0 --metrics-every 0 --no-reference)
  spi=$(echo "$out" | sed -n 's/.* \([0-9.]*\) s\/iteration.*/\1/p')
  res=$(echo "$out" | sed -n 's/.*rel_residual \([0-9.]*\),.*/\1/p')
  [ -n "$hals_spi" ] || hals_spi=$spi
  echo "| $algo | $spi | $(awk -v a="$spi" -v b="$hals_spi" 'BEGIN{printf "%.2f", a/b}') | $res |"
done

# The cost of the low-rank-bias metrics: HALS on Fashion-MNIST, 2 ranks.
# One evaluation's cost is (s/iteration with metrics every iteration) - (s/
# iteration without), which is robust to this VM's +-6% run-to-run noise; the
# overhead of --metrics-every 10 is a tenth of it. Reference SVD skipped (its
# one-off cost is printed below).
# Deep NMF: the inner layers add only r x r and r x n products, so every
# depth should cost about one ordinary NMF iteration.
echo
echo "| Deep NMF (mu, Fashion-MNIST, 2 ranks) | global s/iteration | layer-sum s/iteration |"
echo "|---|---|---|"
for ranks in 50 50,20 50,20,10; do
  row="| $ranks |"
  for loss in global layer-sum; do
    out=$(mpirun -np 2 "$nmfx" fit "$work/fashion-mnist.h5" -o "$work/bench-run.h5" --model deep \
      --ranks "$ranks" --deep-loss "$loss" --algo mu --max-iter "$iterations" --progress 0 \
      --metrics-every 0 --no-reference)
    row="$row $(echo "$out" | sed -n 's/.* \([0-9.]*\) s\/iteration.*/\1/p') |"
  done
  echo "$row"
done

spi_for() {
  mpirun -np 2 "$nmfx" fit "$work/fashion-mnist.h5" -o "$work/bench-run.h5" --rank 50 \
    --algo hals --max-iter "$iterations" --progress 0 --metrics-every "$1" --no-reference |
    sed -n 's/.* \([0-9.]*\) s\/iteration.*/\1/p'
}
without=$(spi_for 0)
every1=$(spi_for 1)
echo
echo "metrics: $without s/iteration without, $every1 with an evaluation every iteration;"
awk -v a="$without" -v b="$every1" 'BEGIN{printf "one evaluation %.4f s; --metrics-every 10 adds %.1f%%\n", b-a, 100*(b-a)/10/a}'
out=$(mpirun -np 2 "$nmfx" fit "$work/fashion-mnist.h5" -o "$work/bench-run.h5" --rank 50 \
  --max-iter 0 --progress 0)
echo
echo "$out" | grep "singular values of X"
rm -f "$work/bench-run.h5"

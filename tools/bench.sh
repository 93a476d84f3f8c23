#!/usr/bin/env bash
# Benchmark (not a test): seconds per NMF iteration for MU and HALS, k = 50,
# on a 4000x3000 synthetic matrix and on Fashion-MNIST (60000x784), with
# 1 rank x 2 threads and 2 ranks x 1 thread, and the fraction of the
# iteration's 4mnk GEMM flops over this machine's measured DGEMM rate
# (2 threads, i.e. the whole 2-core budget both configurations use).
# Usage: tools/bench.sh [iterations]   (default 30)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
iterations=${1:-30}
"$root/tools/build.sh" >/dev/null
cmake --build "$root/build" --target bench >/dev/null
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
nmfx="$root/build/src/nmfx"
work="$root/data"
mkdir -p "$work"
[ -s "$work/synth-4000x3000.h5" ] ||
  mpirun -np 2 "$nmfx" synth --rows 4000 --cols 3000 --rank 50 --noise 0.1 --seed 1 \
    -o "$work/synth-4000x3000.h5" >/dev/null
"$root/tools/fashion-mnist.sh" >/dev/null  # $work/fashion-mnist.h5

rate=$(OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 "$root/build/tools/nmfx_dgemm_rate")
rate1=$(OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$root/build/tools/nmfx_dgemm_rate")
echo "DGEMM rate: $rate GFLOP/s with 2 threads, $rate1 GFLOP/s with 1 thread; $iterations iterations per fit"
echo
echo "| data | m x n | algo | ranks x threads | grid | s/iteration | GEMM flops / DGEMM rate | rel_residual |"
echo "|---|---|---|---|---|---|---|---|"
for data in synth-4000x3000 fashion-mnist; do
  for algo in mu hals; do
    for config in "1 2" "2 1"; do
      set -- $config
      # one rank with 2 threads must not be bound to a single core
      bind=""; [ "$2" -gt 1 ] && bind="--bind-to none"
      out=$(OMP_NUM_THREADS=$2 OPENBLAS_NUM_THREADS=$2 mpirun -np "$1" $bind "$nmfx" fit \
        "$work/$data.h5" -o "$work/bench-run.h5" --rank 50 --algo "$algo" \
        --max-iter "$iterations" --progress 0 --metrics-every 0 --no-reference)
      shape=$(echo "$out" | sed -n 's/.*(\([0-9]*\) x \([0-9]*\)).*/\1 \2/p')
      grid=$(echo "$out" | sed -n 's/.*grid \([0-9x]*\),.*/\1/p')
      spi=$(echo "$out" | sed -n 's/.* \([0-9.]*\) s\/iteration.*/\1/p')
      res=$(echo "$out" | sed -n 's/.*rel_residual \([0-9.]*\),.*/\1/p')
      frac=$(awk -v mn="$shape" -v t="$spi" -v r="$rate" \
        'BEGIN{split(mn,a," "); printf "%.2f", 4*a[1]*a[2]*50/t/1e9/r}')
      echo "| $data | ${shape/ / x } | $algo | $1 x $2 | $grid | $spi | $frac | $res |"
    done
  done
done

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

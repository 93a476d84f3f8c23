#!/usr/bin/env bash
# Benchmark (not a test): the cost of large dictionaries. HALS on
# Fashion-MNIST (60000 x 784) with k = 50, 256, 1024 and 2048 atoms on
# 2 ranks x 1 thread: seconds per iteration, the iteration's flops
# 4mnk + 4(m + n)k^2 (two GEMMs with X, the Gram-sized HALS sweeps) over
# this machine's DGEMM rate with 2 threads (the same two cores), as a
# multiple of that bound, and the peak resident memory of the busiest rank.
# Usage: tools/bench-overcomplete.sh [iterations] [ranks...]   (default 3; 50 256 1024 2048)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
iterations=${1:-3}
shift || true
ranks=("${@:-50 256 1024 2048}")
ranks=(${ranks[*]})
"$root/tools/build.sh" >/dev/null
cmake --build "$root/build" --target bench >/dev/null
. "$root/tools/mpi-env.sh"
nmfx="$root/build/src/nmfx"
data=$("$root/tools/fashion-mnist.sh")
out="$root/data/bench-overcomplete.h5"
rate=$(OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 "$root/build/tools/nmfx_dgemm_rate")
echo "DGEMM rate: $rate GFLOP/s with 2 threads; $iterations iterations per fit, HALS, 2 ranks x 1 thread"
echo
echo "| k | s/iteration | flops/iteration | flop bound (s) | x bound | peak memory per rank | rel_residual |"
echo "|---|---|---|---|---|---|---|"
for k in "${ranks[@]}"; do
  # Each rank reports its peak resident set (KiB) through GNU time.
  log=$(OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 mpirun -np 2 /usr/bin/time -f "peak_kib %M" "$nmfx" fit "$data" \
    -o "$out" --rank "$k" --algo hals --max-iter "$iterations" --progress 0 --metrics-every 0 --no-reference 2>&1)
  spi=$(echo "$log" | sed -n 's/.* \([0-9.]*\) s\/iteration.*/\1/p')
  res=$(echo "$log" | sed -n 's/.*rel_residual \([0-9.]*\),.*/\1/p')
  peak=$(echo "$log" | sed -n 's/^peak_kib \([0-9]*\)$/\1/p' | sort -n | tail -1)
  awk -v k="$k" -v t="$spi" -v r="$rate" -v p="$peak" -v res="$res" 'BEGIN {
    m = 60000; n = 784; f = 4 * m * n * k + 4 * (m + n) * k * k; b = f / (r * 1e9)
    printf "| %d | %.3f | %.3g | %.3f | %.2f | %.2f GiB | %s |\n", k, t, f, b, t / b, p / 1048576, res }'
done
rm -f "$out"

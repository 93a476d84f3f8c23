#!/usr/bin/env bash
# Benchmark (not a test): the cost of large dictionaries. HALS on
# Fashion-MNIST (60000 x 784) with k = 50, 256, 1024 and 2048 atoms on
# 2 ranks x 1 thread, in double and single precision: seconds per
# iteration, the iteration's flops 4mnk + 4(m + n)k^2 (two GEMMs with X, the
# Gram-sized HALS work) over this machine's GEMM rate with 2 threads (the
# same two cores; DGEMM for double, SGEMM for single), the multiple of that
# bound, and the peak memory of the busiest rank (the fit's summary).
# Usage: tools/bench-overcomplete.sh [iterations] [k ...]   (default 3; 50 256 1024 2048)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
iterations=${1:-3}
shift || true
atoms=("$@")
[ ${#atoms[@]} -gt 0 ] || atoms=(50 256 1024 2048)
"$root/tools/build.sh" >/dev/null
cmake --build "$root/build" --target bench >/dev/null
. "$root/tools/mpi-env.sh"
nmfx="$root/build/src/nmfx"
data=$("$root/tools/fashion-mnist.sh")
out="$root/data/bench-overcomplete.h5"
read -r drate srate < <(OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 "$root/build/tools/nmfx_gemm_rate")
echo "GEMM rate with 2 threads: DGEMM $drate, SGEMM $srate GFLOP/s; $iterations iterations per fit," \
  "HALS, 2 ranks x 1 thread, load $(cut -d' ' -f1 /proc/loadavg)"
echo
echo "| k | precision | s/iteration | flops/iteration | flop bound (s) | x bound | peak memory per rank | rel_residual |"
echo "|---|---|---|---|---|---|---|---|"
for k in "${atoms[@]}"; do
  for precision in double single; do
    rate=$drate
    [ "$precision" = single ] && rate=$srate
    log=$(mpirun -np 2 "$nmfx" fit "$data" -o "$out" --rank "$k" --algo hals --precision "$precision" \
      --max-iter "$iterations" --progress 0 --metrics-every 0 --no-reference)
    spi=$(echo "$log" | sed -n 's/.* \([0-9.]*\) s\/iteration.*/\1/p')
    res=$(echo "$log" | sed -n 's/.*rel_residual \([0-9.]*\),.*/\1/p')
    peak=$(echo "$log" | sed -n 's/.*peak memory \(.*\) per rank.*/\1/p')
    awk -v k="$k" -v p="$precision" -v t="$spi" -v r="$rate" -v mem="$peak" -v res="$res" 'BEGIN {
      m = 60000; n = 784; f = 4 * m * n * k + 4 * (m + n) * k * k; b = f / (r * 1e9)
      printf "| %d | %s | %.3f | %.3g | %.3f | %.2f | %s | %s |\n", k, p, t, f, b, t / b, mem, res }'
  done
done
rm -f "$out"

#!/usr/bin/env bash
# Benchmark (not a test): sweep throughput, in points per minute, on the
# 12-point Fashion-MNIST sweep inputs/sweep-bench.toml, with the same ranks
# used two ways under one mpirun: groups of 1 rank that each take points
# from the shared queue (RANKS points at a time), against one point at a
# time on all RANKS ranks (--group-size RANKS). Each layout starts from an
# empty output folder; the wall time includes mpirun's start. The layouts
# alternate over the repetitions, so slow drifts of a shared machine hit both.
# Usage: tools/bench-sweep.sh [repetitions (default 2)] [ranks (default 2)] [dataset]
# (dataset: another file for the same 12 points, default Fashion-MNIST)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
repetitions=${1:-2}
ranks=${2:-2}
"$root/tools/build.sh" >/dev/null
. "$root/tools/mpi-env.sh"
nmfx="$root/build/src/nmfx"
sweep="$root/inputs/sweep-bench.toml"
data=${3:-$("$root/tools/fashion-mnist.sh")}
points=$("$nmfx" sweep "$sweep" --data "$data" --count)

echo "$points points ($sweep on $data), $ranks ranks x 1 thread, $(nproc --all) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| layout | repetition | wall s | points/minute | mean s/iteration of a point |"
echo "|---|---|---|---|---|"
declare -A total
for rep in $(seq "$repetitions"); do
  for group in 1 "$ranks"; do
    out="$root/data/bench-sweep-g$group"
    rm -rf "$out"
    start=$(date +%s.%N)
    mpirun -np "$ranks" "$nmfx" sweep "$sweep" --data "$data" -o "$out" --group-size "$group" >"$out.log"
    end=$(date +%s.%N)
    "$nmfx" sweep "$sweep" --data "$data" -o "$out" --collect >/dev/null
    spi=$(/usr/bin/python3 -c "import csv; r = list(csv.DictReader(open('$out/summary.csv'))); \
assert all(x['status'] == 'done' for x in r); print('%.4f' % (sum(float(x['seconds_per_iteration']) for x in r) / len(r)))")
    wall=$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.1f", b - a}')
    rate=$(awk -v w="$wall" -v n="$points" 'BEGIN{printf "%.2f", 60 * n / w}')
    total[$group]=$(awk -v t="${total[$group]:-0}" -v w="$wall" 'BEGIN{print t + w}')
    layout="$((ranks / group)) group(s) of $group rank(s)"
    echo "| $layout | $rep | $wall | $rate | $spi |"
  done
done
echo
for group in 1 "$ranks"; do
  awk -v t="${total[$group]}" -v n="$points" -v r="$repetitions" -v g="$group" -v p="$ranks" \
    'BEGIN{printf "%d group(s) of %d rank(s): %.2f points/minute over %d repetition(s)\n", p / g, g, 60 * n * r / t, r}'
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

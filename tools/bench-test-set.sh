#!/usr/bin/env bash
# Benchmark (not a test): what `nmfx fit --test` adds. HALS k = 50 on
# Fashion-MNIST (60000 x 784) on 2 ranks, metrics every 10 iterations,
# without and with the 10000 t10k samples as --test, in alternating runs;
# prints each pair's solve seconds (/history/seconds, which includes every
# evaluation) and total seconds (/timing, which includes reading the test
# set), their ratios, the --test run's own share of its solve spent in the
# test encodings (from its summary line: robust to other load on the
# machine, which slows both parts alike), and the load average.
# Usage: tools/bench-test-set.sh [pairs [iterations]]   (default 3 50)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/tools/mpi-env.sh"
nmfx="$root/build/src/nmfx"
data=$("$root/tools/fashion-mnist.sh")
test=$("$root/tools/fashion-mnist.sh" test)
pairs=${1:-3} iterations=${2:-50}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
seconds() {  # solve and total seconds of a run file
  /usr/bin/python3 -c "import h5py; f = h5py.File('$1', 'r'); \
print('%.3f %.3f' % (f['history/seconds'][-1], f['timing'].attrs['total']))"
}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "pair  solve(no test)  solve(--test)  ratio   total(no test)  total(--test)  ratio"
for pair in $(seq "$pairs"); do
  for mode in plain test; do
    extra=()
    [ "$mode" = test ] && extra=(--test "$test")
    mpirun -np 2 "$nmfx" fit "$data" -o "$out/$mode.h5" -k 50 --algo hals --max-iter "$iterations" \
      --metrics-every 10 --no-reference --progress 0 "${extra[@]}" >"$out/$mode.log"
  done
  read -r plain_solve plain_total < <(seconds "$out/plain.h5")
  read -r test_solve test_total < <(seconds "$out/test.h5")
  awk -v p="$pair" -v a="$plain_solve" -v b="$test_solve" -v c="$plain_total" -v d="$test_total" \
    'BEGIN { printf "%4d  %14.2f  %13.2f  %5.3f   %14.2f  %13.2f  %5.3f\n", p, a, b, b / a, c, d, d / c }'
  grep "test set rel_error" "$out/test.log"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

#!/usr/bin/env bash
# Early stopping judged on unseen data (README "Is the plateau a good place
# to stop?"): Fashion-MNIST, k = 50, HALS and MU, N iterations (default
# 1000) on 2 ranks, the t10k images as the test set (encoded exactly at
# every metrics evaluation, every 10 iterations), each once with all
# entries and once with 20% of them hidden (--holdout 0.2). Then a table:
# the test (and held-out) error at the first effective-rank plateau, at the
# evaluation with the lowest test error, and at the end.
# Usage: tools/heldout-study.sh [iterations]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
iterations=${1:-1000}
"$root/tools/build.sh" >/dev/null
. "$root/tools/mpi-env.sh"
nmfx="$root/build/src/nmfx"
data=$("$root/tools/fashion-mnist.sh")
test=$("$root/tools/fashion-mnist.sh" test)
mkdir -p "$root/runs"
runs=()
for holdout in 0 0.2; do
  for algo in hals mu; do
    run="$root/runs/heldout-study-$algo-holdout$holdout.h5"
    mpirun -np 2 "$nmfx" fit "$data" --test "$test" -o "$run" --rank 50 --algo "$algo" \
      --holdout "$holdout" --max-iter "$iterations" --metrics-every 10 --progress 100 --no-reference
    runs+=("$run")
  done
done
/usr/bin/python3 - "${runs[@]}" <<'PY'
import sys
import h5py
import numpy as np

print("| algorithm | hidden | first plateau | test rel_error there | lowest test rel_error (iteration) "
      "| test rel_error at the end | held-out rel_error: plateau / lowest (iteration) / end |")
print("|---|---|---|---|---|---|---|")
for path in sys.argv[1:]:
    f = h5py.File(path, "r")
    it = f["metrics/iteration"][:]
    test = f["metrics/test_rel_error"][:]
    plateaus = f["metrics/plateaus"][:]
    last = int(f.attrs["iterations"])
    best = int(np.argmin(test))
    at = lambda series, its, i: series[int(np.searchsorted(its, i))]
    plateau = f"{int(plateaus[0])}" if len(plateaus) else "none"
    there = f"{at(test, it, plateaus[0]):.5f}" if len(plateaus) else "-"
    held = "-"
    if "history/heldout_rel_error" in f:
        h = f["history/heldout_rel_error"][:]
        hit = f["history/iteration"][:]
        hb = int(np.argmin(h))
        held = (f"{at(h, hit, plateaus[0]):.5f} / " if len(plateaus) else "- / ") + \
               f"{h[hb]:.5f} ({int(hit[hb])}) / {h[-1]:.5f}"
    print(f"| {f.attrs['algorithm']} | {f.attrs['holdout']:g} | {plateau} | {there} | "
          f"{test[best]:.5f} ({int(it[best])}) | {test[-1]:.5f} (at {last}) | {held} |")
PY

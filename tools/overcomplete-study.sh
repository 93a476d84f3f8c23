#!/usr/bin/env bash
# The overcomplete example of the README: a dictionary of 1024 atoms for
# Fashion-MNIST's 784 pixels. HALS fits the 10000 test images (t10k) with an
# L1 penalty on the codes of 0, 0.2 and 1, N iterations (default 20), 2
# ranks; then `nmfx encode` codes 10000 training images, which the fit never
# saw, with the same penalty (hals, the default at this size, 20 iterations).
# Prints the error, the codes' sparsity (active atoms per sample, Hoyer) and
# the dead atoms of each; the figures (tools/nmfx-plot) go to runs/.
# Usage: tools/overcomplete-study.sh [iterations] [atoms]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
iterations=${1:-20}
atoms=${2:-1024}
"$root/tools/build.sh" >/dev/null
. "$root/tools/mpi-env.sh"
nmfx="$root/build/src/nmfx"
fm=/usr/share/datasets/fashion-mnist
test="$root/data/fashion-mnist-t10k.h5"
train="$root/data/fashion-mnist-train10k.h5"
mkdir -p "$root/data" "$root/runs"
[ -s "$test" ] || mpirun -np 2 "$nmfx" import --format idx "$fm/t10k-images-idx3-ubyte.gz" \
  --labels "$fm/t10k-labels-idx1-ubyte.gz" -o "$test" >/dev/null
[ -s "$train" ] || mpirun -np 2 "$nmfx" import --format idx "$fm/train-images-idx3-ubyte.gz" \
  --limit 10000 -o "$train" >/dev/null
for l1 in 0 0.2 1; do
  run="$root/runs/overcomplete-k$atoms-l1-$l1.h5"
  mpirun -np 2 "$nmfx" fit "$test" -o "$run" -k "$atoms" --algo hals --l1-w "$l1" \
    --max-iter "$iterations" --progress 10 --metrics-every 10
  mpirun -np 2 "$nmfx" encode "$run" "$train" -o "${run%.h5}-codes.h5" --l1 "$l1" --max-iter 20
done
/usr/bin/python3 - "$root/runs"/overcomplete-k$atoms-l1-{0,0.2,1}.h5 <<'PY'
import sys
import h5py
import numpy as np

def sparsity(w):  # active atoms and Hoyer sparseness per sample, averaged
    k = w.shape[1]
    l1, l2 = np.abs(w).sum(1), np.sqrt((w ** 2).sum(1))
    hoyer = np.where(l2 > 0, (np.sqrt(k) - l1 / np.where(l2 > 0, l2, 1)) / (np.sqrt(k) - 1), 0)
    return (w > 0).sum(1).mean(), hoyer.mean()

print("| l1 | fit rel_error | active atoms / sample | Hoyer | dead atoms | held-out rel_error | "
      "held-out active atoms | held-out Hoyer | encode iterations |")
print("|---|---|---|---|---|---|---|---|---|")
for path in sys.argv[1:]:
    run = h5py.File(path, "r")
    codes = h5py.File(path[:-3] + "-codes.h5", "r")
    active, hoyer = sparsity(run["W"][:])
    print(f"| {run.attrs['l1_w']:g} | {run['history/rel_error'][-1]:.4f} | {active:.1f} | {hoyer:.3f} | "
          f"{int(run['metrics/dead_components'][-1])} | {codes.attrs['rel_error']:.4f} | "
          f"{codes.attrs['active_atoms']:.1f} | {codes.attrs['hoyer']:.3f} | {codes.attrs['iterations']} |")
PY
/usr/bin/python3 "$root/tools/nmfx-plot" "$root/runs"/overcomplete-k$atoms-l1-{0,1}.h5 --data "$test" \
  --atoms 64 -o "$root/runs/overcomplete-figures" >/dev/null

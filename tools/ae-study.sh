#!/usr/bin/env bash
# Seed 004's study (README, "The sparse autoencoder against sparse NMF"):
# Fashion-MNIST (60000 training, 10000 test images), k = 100, on 2 ranks:
# NMF (HALS), Hoyer-sparse NMF (pgd with --sparsity-h, warm-started from the
# HALS run), and the shallow autoencoder unconstrained, non-negative, and
# non-negative + KL-sparse for p in {0.01, 0.05} and several beta; then
# nmfx evaluate on the test set for every run, the table and the figures.
# Usage: tools/ae-study.sh [epochs] [nmf-iterations] [betas]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
epochs=${1:-20}
iterations=${2:-100}
betas=${3:-"0.001 0.005 0.02"}
"$root/tools/build.sh" >/dev/null
. "$root/tools/mpi-env.sh"
nmfx="$root/build/src/nmfx"
train=$("$root/tools/fashion-mnist.sh")
test=$("$root/tools/fashion-mnist.sh" test)
out="$root/runs/ae-study"
mkdir -p "$out"
run() { [ -s "$1" ] || mpirun -np 2 "$nmfx" "${@:2}" -o "$1"; }

run "$out/nmf-hals.h5" fit "$train" -k 100 --algo hals --max-iter "$iterations" --metrics-every 0 --progress 50
for s in 0.5 0.7; do
  run "$out/nmf-sparse-h$s.h5" fit "$train" -k 100 --algo pgd --sparsity-h "$s" --max-iter "$iterations" \
    --init "file:$out/nmf-hals.h5" --metrics-every 0 --progress 50
done
ae=(autoencoder "$train" -k 100 --epochs "$epochs" --test "$test")
run "$out/ae-unconstrained.h5" "${ae[@]}" --nonnegative none
run "$out/ae-nonnegative.h5" "${ae[@]}"
for p in 0.01 0.05; do
  for beta in $betas; do
    run "$out/ae-sparse-p$p-beta$beta.h5" "${ae[@]}" --penalty kl --target "$p" --beta "$beta"
  done
done
for f in "$out"/*.h5; do
  /usr/bin/python3 -c "import h5py, sys; sys.exit('evaluation' in h5py.File('$f', 'r'))" &&
    mpirun -np 2 "$nmfx" evaluate "$f" "$test"
done
/usr/bin/python3 "$root/tools/nmfx-plot" "$out"/*.h5 --data "$test" --evaluation -o "$out/figures"

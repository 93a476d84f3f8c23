#!/usr/bin/env bash
# Speed of `nmfx autoencoder` against the same model in PyTorch on the CPU
# (tools/ae_bench_torch.py), in one run on this machine: Fashion-MNIST
# (60000 x 784), k = 100, minibatches of 100, KL penalty, projection;
# seconds per epoch of nmfx on 1 rank x T threads, on 2 ranks x 1 thread,
# and of PyTorch with T threads, for T = 1 and 2. A benchmark, not a test.
# Usage: tools/ae-bench.sh [epochs]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
epochs=${1:-3}
"$root/tools/build.sh" >/dev/null
. "$root/tools/mpi-env.sh"
nmfx="$root/build/src/nmfx"
train=$("$root/tools/fashion-mnist.sh")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
model=(-k 100 --epochs "$epochs" --batch-size 100 --penalty kl --target 0.05 --beta 0.005)
per_epoch() {  # the epoch lines' seconds (cumulative) as seconds per epoch
  awk '/^epoch/ { s = $NF == "s" ? $(NF-1) : $NF; printf "%.3f ", s - last; last = s }'
}
for threads in 1 2; do
  echo "nmfx 1 rank x $threads threads: $(OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads \
    mpirun -np 1 "$nmfx" autoencoder "$train" "${model[@]}" -o "$out/a.h5" | per_epoch)s per epoch"
  echo "torch $threads threads: $(/usr/bin/python3 "$root/tools/ae_bench_torch.py" "$train" --threads "$threads" \
    --epochs "$epochs" | awk '{printf "%s ", $3}')s per epoch"
done
echo "nmfx 2 ranks x 1 thread: $(OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
  mpirun -np 2 "$nmfx" autoencoder "$train" "${model[@]}" -o "$out/b.h5" | per_epoch)s per epoch"

#!/usr/bin/env bash
# Imports Debian's Fashion-MNIST (dataset-fashion-mnist) once, on 2 ranks,
# into data/fashion-mnist.h5 and prints that path; the import's own output
# goes to stderr. Needs the built nmfx (tools/build.sh).
# Usage: data=$(tools/fashion-mnist.sh)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/tools/mpi-env.sh"
fm=/usr/share/datasets/fashion-mnist
data="$root/data/fashion-mnist.h5"
mkdir -p "$root/data"
[ -s "$data" ] ||
  mpirun -np 2 "$root/build/src/nmfx" import --format idx "$fm/train-images-idx3-ubyte.gz" \
    --labels "$fm/train-labels-idx1-ubyte.gz" -o "$data" >&2
echo "$data"

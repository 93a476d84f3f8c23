#!/usr/bin/env bash
# Imports Debian's Fashion-MNIST (dataset-fashion-mnist) once, on 2 ranks,
# into data/fashion-mnist.h5 (the 60000 training images) or, with "test",
# data/fashion-mnist-test.h5 (the 10000 t10k images), and prints that path;
# the import's own output goes to stderr. Needs the built nmfx (tools/build.sh).
# Usage: data=$(tools/fashion-mnist.sh); test=$(tools/fashion-mnist.sh test)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/tools/mpi-env.sh"
fm=/usr/share/datasets/fashion-mnist
part=train data="$root/data/fashion-mnist.h5"
if [ "${1:-train}" = test ]; then
  part=t10k data="$root/data/fashion-mnist-test.h5"
fi
mkdir -p "$root/data"
[ -s "$data" ] ||
  mpirun -np 2 "$root/build/src/nmfx" import --format idx "$fm/$part-images-idx3-ubyte.gz" \
    --labels "$fm/$part-labels-idx1-ubyte.gz" -o "$data" >&2
echo "$data"

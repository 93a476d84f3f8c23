#!/usr/bin/env bash
# The main job on a fresh machine: set-up, build, import Fashion-MNIST from
# Debian's dataset-fashion-mnist, and fit it with HALS, k = 50, on 2 ranks.
# Usage: tools/demo.sh [extra nmfx fit flags, e.g. --max-iter 300]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/build.sh"
. "$root/tools/mpi-env.sh"
nmfx="$root/build/src/nmfx"
data=$("$root/tools/fashion-mnist.sh")
mkdir -p "$root/runs"
# The demo's settings, unless the extra flags set them (nmfx takes each once).
args=("$@")
defaults=(--rank 50 --algo hals --max-iter 100)
for ((i = 0; i < ${#defaults[@]}; i += 2)); do
  case " $* " in
    *" ${defaults[i]} "* | *" ${defaults[i]}="*) ;;
    *) args+=("${defaults[i]}" "${defaults[i + 1]}") ;;
  esac
done
mpirun -np 2 "$nmfx" fit "$data" -o "$root/runs/fashion-mnist-hals-k50.h5" "${args[@]}"

#!/usr/bin/env bash
# The Deep NMF depth study of the README: Fashion-MNIST with ranks 50 / 50,20
# / 50,20,10 under the global loss (mu, NNDSVD layer by layer), then the
# losses compared at depth 3: global, layer-sum, layer-seq and layer-seq
# pretraining before the global loss; N iterations (default 300), metrics
# every 10, 2 ranks. Prints the effective-rank / error tables.
# Usage: tools/depth-study.sh [iterations]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
iterations=${1:-300}
"$root/tools/build.sh" >/dev/null
. "$root/tools/mpi-env.sh"
nmfx="$root/build/src/nmfx"
data=$("$root/tools/fashion-mnist.sh")
mkdir -p "$root/runs"
fit() {  # fit NAME ARGS...
  local name=$1
  shift
  mpirun -np 2 "$nmfx" fit "$data" -o "$root/runs/depth-$name.h5" \
    --model deep --algo mu --init ssvd --metrics-every 10 --progress 100 "$@"
}
fit 50 --ranks 50 --max-iter "$iterations"
fit 50-20 --ranks 50,20 --max-iter "$iterations"
fit 50-20-10 --ranks 50,20,10 --max-iter "$iterations"
fit 50-20-10-layer-sum --ranks 50,20,10 --deep-loss layer-sum --max-iter "$iterations"
fit 50-20-10-layer-seq --ranks 50,20,10 --deep-loss layer-seq --max-iter "$((iterations / 3))"
fit 50-20-10-pretrained --ranks 50,20,10 --pretrain "$((iterations / 6))" --max-iter "$((iterations / 2))"
echo "## depth"
/usr/bin/python3 "$root/tools/study_table.py" "$root"/runs/depth-{50,50-20,50-20-10}.h5
echo "## losses at depth 3"
/usr/bin/python3 "$root/tools/study_table.py" "$root"/runs/depth-50-20-10{,-layer-sum,-layer-seq,-pretrained}.h5

#!/usr/bin/env bash
# Installs everything nmfx needs on Debian bookworm. Non-interactive and
# idempotent: packages already present are skipped without touching apt.
# Extra packages (e.g. a benchmark's references) may be named as arguments.
set -euo pipefail

packages=(
  build-essential cmake pkg-config ca-certificates
  openmpi-bin libopenmpi-dev libscalapack-openmpi-dev libopenblas-dev libopenblas-openmp-dev
  libhdf5-openmpi-dev hdf5-tools zlib1g-dev catch2 libcli11-dev libtomlplusplus-dev
  python3-h5py python3-numpy python3-matplotlib python3-pil libstb-dev
  liblinear-dev python3-scipy python3-torch
  dataset-fashion-mnist
  slurmctld slurmd slurm-client munge
  "$@"
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"

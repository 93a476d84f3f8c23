#!/usr/bin/env bash
# Submits an nmfx sweep to SLURM: an array job with one task per point
# (jobs/sweep.sbatch) and, once it has ended whatever the outcome, the
# summary (jobs/collect.sbatch, --dependency=afterany). Prints the job ids.
#
#   jobs/submit-sweep.sh SWEEP.toml [--data FILE] [-o DIR]
#
# Environment: SWEEP_SBATCH extra sbatch options for the array (e.g.
# "--ntasks=2 --time=02:00:00 --partition=long"), COLLECT_SBATCH for the
# collect job, SWEEP_MAX_RUNNING at most that many tasks at once, NMFX the
# binary (default build/src/nmfx of this checkout). Relative paths are
# relative to the current folder, which is also the jobs' folder.
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "usage: jobs/submit-sweep.sh SWEEP.toml [nmfx sweep flags: --data FILE, -o DIR]" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
export NMFX_ROOT=$root
export NMFX=${NMFX:-$root/build/src/nmfx}
. "$root/tools/mpi-env.sh"
count=$("$NMFX" sweep "$@" --count)
array="0-$((count - 1))${SWEEP_MAX_RUNNING:+%$SWEEP_MAX_RUNNING}"
# shellcheck disable=SC2086  # the option strings are split on purpose
array_job=$(sbatch --parsable --export=ALL --array="$array" ${SWEEP_SBATCH:-} \
  "$root/jobs/sweep.sbatch" "$@" | cut -d';' -f1)
# shellcheck disable=SC2086
collect_job=$(sbatch --parsable --export=ALL --dependency="afterany:$array_job" ${COLLECT_SBATCH:-} \
  "$root/jobs/collect.sbatch" "$@" | cut -d';' -f1)
echo "nmfx-submit: $1 has $count points"
echo "nmfx-submit: array job $array_job (tasks $array): jobs/sweep.sbatch"
echo "nmfx-submit: collect job $collect_job (after job $array_job): jobs/collect.sbatch"

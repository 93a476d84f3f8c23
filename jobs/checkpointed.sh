# Sourced by the jobs/*.sbatch scripts (bash). run_checkpointed COMMAND...
# runs COMMAND (an mpirun of nmfx) in the background and passes SIGUSR1 on to
# it: SLURM sends USR1 to the batch shell before the time limit
# (--signal=B:USR1@SECONDS), mpirun forwards it to the ranks, nmfx writes its
# checkpoints and exits 75. On status 75 the job requeues itself (it needs
# --requeue); the next start resumes. Returns COMMAND's exit status.
run_checkpointed() {
  local pid status signalled
  "$@" &
  pid=$!
  trap 'signalled=1; kill -USR1 "$pid" 2>/dev/null' USR1
  while :; do
    signalled=0
    wait "$pid"
    status=$?
    # wait returns early (status > 128) when the trap ran: wait again.
    [ "$signalled" -eq 1 ] && [ "$status" -gt 128 ] || break
  done
  trap - USR1
  if [ "$status" -eq 75 ] && [ -n "${SLURM_JOB_ID:-}" ]; then
    echo "nmfx-job: checkpointed; requeueing job $SLURM_JOB_ID"
    scontrol requeue "$SLURM_JOB_ID"
  fi
  return "$status"
}

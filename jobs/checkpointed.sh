# Sourced by the jobs/*.sbatch scripts (bash). run_checkpointed COMMAND...
# runs COMMAND (an mpirun of nmfx) in the background and passes SIGUSR1 on to
# it: SLURM sends USR1 to the batch shell before the time limit
# (--signal=B:USR1@SECONDS), mpirun forwards it to the ranks, nmfx writes its
# checkpoints and exits 75. On status 75 the job requeues itself (it needs
# --requeue); the next start resumes. Returns COMMAND's exit status.
run_checkpointed() {
  local pid status signalled=0
  "$@" &
  pid=$!
  trap 'signalled=1; kill -USR1 "$pid" 2>/dev/null' USR1
  # wait returns early (status > 128) whenever the trap runs; a zombie still
  # answers kill -0, so the loop ends only once the command is reaped.
  while kill -0 "$pid" 2>/dev/null; do
    wait "$pid"
    status=$?
    if [ "$signalled" -eq 1 ] && kill -0 "$pid" 2>/dev/null; then
      # A signal that reached mpirun while its ranks were still starting is
      # lost: pass it on again until the command ends (nmfx takes it once).
      sleep 2
      kill -USR1 "$pid" 2>/dev/null
    fi
  done
  trap - USR1
  # Signalled before mpirun could catch it: nothing was written, so the
  # requeued job starts (or resumes) as if checkpointed.
  if [ "$signalled" -eq 1 ] && [ "$status" -eq $((128 + 10)) ]; then status=75; fi
  if [ "$status" -eq 75 ] && [ -n "${SLURM_JOB_ID:-}" ]; then
    echo "nmfx-job: checkpointed; requeueing job $SLURM_JOB_ID"
    scontrol requeue "$SLURM_JOB_ID"
  fi
  return "$status"
}

#!/usr/bin/env bash
# Stops the private Slurm that tools/slurm-up.sh DIR started: cancels its
# jobs, stops slurmctld and slurmd (scontrol shutdown, then their pid
# files), then munged (its pid file). Only those processes, by pid; safe to call twice.
set -uo pipefail
if [ $# -ne 1 ]; then
  echo "usage: tools/slurm-down.sh DIR" >&2
  exit 2
fi
dir=$(cd "$1" 2>/dev/null && pwd) || exit 0
export PATH="$PATH:/usr/sbin"
stop_pid_file() {  # TERM, then KILL after 10 s, the process a pid file names
  local file=$1 pid
  [ -s "$file" ] || return 0
  pid=$(cat "$file")
  kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null
}
if [ -f "$dir/slurm.conf" ]; then
  export SLURM_CONF="$dir/slurm.conf"
  # Jobs still there (a test that failed half-way) end first: their job
  # steps would outlive slurmd.
  jobs=$(squeue -h -o %A 2>/dev/null)
  if [ -n "$jobs" ]; then
    scancel $jobs 2>/dev/null
    for _ in $(seq 150); do
      [ -z "$(squeue -h -o %A 2>/dev/null)" ] && break
      sleep 0.1
    done
  fi
  scontrol shutdown >/dev/null 2>&1
  stop_pid_file "$dir/slurmd.pid"
  stop_pid_file "$dir/slurmctld.pid"
fi
stop_pid_file "$dir/munge/munged.pid"
exit 0

#!/usr/bin/env bash
# Brings up a private single-node Slurm (slurmctld + slurmd + munged, from
# Debian's slurmctld slurmd slurm-client munge) for testing jobs/ without a
# cluster. Everything lives in DIR: a munge key, slurm.conf, state, logs, pid
# files; the ports are free ones picked now, so it never touches a system
# Slurm. Needs root (slurmd launches the jobs) and /sys/fs/cgroup.
#
#   tools/slurm-up.sh DIR      # then: export SLURM_CONF=DIR/slurm.conf; sbatch ...
#   tools/slurm-down.sh DIR    # stops exactly the daemons started here
#
# TaskPlugin=task/affinity confines each job to its allocated cores; a
# requeued job restarts after cred_expire (5 s here, 120 s by default).
# Fails loudly (exit 1, with the daemons' logs) if the node is not idle in 60 s.
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: tools/slurm-up.sh DIR" >&2
  exit 2
fi
fail() { echo "slurm-up: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "needs root (slurmd runs the jobs as their submitter)"
for tool in munged mungekey slurmctld slurmd sinfo scontrol sbatch; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || fail "$tool is missing (tools/setup.sh installs Slurm)"
done
export PATH="$PATH:/usr/sbin"
[ -d /sys/fs/cgroup ] || fail "/sys/fs/cgroup is not mounted (slurmd loads a cgroup plugin)"

mkdir -p "$1"
dir=$(cd "$1" && pwd)
mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
# munged checks that its files are not writable by others, up the whole path.
chmod 755 "$dir"
chown munge:munge "$dir/munge"
chmod 755 "$dir/munge"  # the socket must be reachable by every user
[ -s "$dir/munge/munge.key" ] || runuser -u munge -- mungekey --create --keyfile="$dir/munge/munge.key"
runuser -u munge -- munged --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
  --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" \
  --seed-file="$dir/munge/munged.seed" ||
  fail "munged did not start: $(tail -5 "$dir/munge/munged.log" 2>/dev/null)"

free_port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("", 0)); print(s.getsockname()[1])'; }
host=$(hostname -s)
memory=$(awk '/MemTotal/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)
cpus=$(getconf _NPROCESSORS_ONLN)  # not nproc: it follows OMP_NUM_THREADS
cat >"$dir/slurm.conf" <<EOF
ClusterName=nmfx-test
SlurmctldHost=$host
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket,cred_expire=5
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=bf_interval=1,sched_interval=2
ReturnToService=2
MailProg=/bin/true
InactiveLimit=0
KillWait=5
MinJobAge=600
NodeName=$host CPUs=$cpus Sockets=1 CoresPerSocket=$cpus ThreadsPerCore=1 RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
EOF
cat >"$dir/cgroup.conf" <<EOF
CgroupPlugin=autodetect
IgnoreSystemd=yes
IgnoreSystemdOnFailure=yes
EOF
export SLURM_CONF="$dir/slurm.conf"
slurmctld -f "$SLURM_CONF" || fail "slurmctld did not start: $(tail -5 "$dir/log/slurmctld.log" 2>/dev/null)"
slurmd -f "$SLURM_CONF" || fail "slurmd did not start: $(tail -5 "$dir/log/slurmd.log" 2>/dev/null)"
for _ in $(seq 600); do
  state=$(sinfo -h -o %T 2>/dev/null || true)
  if [ "$state" = idle ]; then
    echo "slurm-up: node $host idle ($cpus CPUs); export SLURM_CONF=$SLURM_CONF"
    exit 0
  fi
  sleep 0.1
done
echo "slurm-up: the node is not idle after 60 s (state '${state:-none}')" >&2
tail -5 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 || true
exit 1

#!/usr/bin/env bash
# launch/slurm-local.sh: a real one-node SLURM on this machine, for tests: munge, slurmctld and
# slurmd started directly as root (no systemd), with a private state folder and configuration.
#
#   launch/slurm-local.sh start     install when missing, configure, start, wait until the node is idle
#   launch/slurm-local.sh stop      stop the daemons and remove the state folder
#   launch/slurm-local.sh status    exit 0 when the daemons run and the node answers, 3 when not
#   launch/slurm-local.sh env       print `export SLURM_CONF=...` for eval in a shell
#
# The state folder is $MTL_DIST_SLURM_DIR (default /tmp/mtl-dist-slurm): slurm.conf, the munge key
# and socket, spool and state folders, pid and log files of the three daemons. SLURM's commands
# (sbatch, squeue, sinfo, scancel, scontrol) find this cluster through SLURM_CONF=<state>/slurm.conf
# (`eval "$(launch/slurm-local.sh env)"`); nothing under /etc is changed, and a system munge or
# SLURM keeps running untouched.
#
# The cluster: one node named after this host (`hostname -s`, address 127.0.0.1) with the cores and
# memory `slurmd -C` reports, one partition `debug` holding it (the default, no time limit),
# select/cons_tres (CR_Core), proctrack/linuxproc and task/affinity (no cgroups), SlurmUser=root,
# short timeouts, and the MPI plugins of Debian's slurm-wlm (`srun --mpi=pmix`). Ports are
# $MTL_DIST_SLURM_PORT and the next one (default 16817, 16818), away from a system SLURM's.
#
# `start` installs slurmctld, slurmd, slurm-client and munge with apt-get when they are missing,
# is a no-op when the cluster already runs, and waits up to 60 s for `sinfo` to show the node idle.
# Concurrent start/stop calls wait for each other (a lock file beside the state folder).
#
# Exit status: 0 done; 77 cannot run here, with the reason on the last line ("SKIP: ..."): not
# root, apt-get missing or failing, a daemon that does not start (its log's tail is printed);
# 3 `status` when not running; 2 bad arguments.
set -euo pipefail

state=${MTL_DIST_SLURM_DIR:-/tmp/mtl-dist-slurm}
port=${MTL_DIST_SLURM_PORT:-16817}
conf=$state/slurm.conf
node=$(hostname -s)
partition=debug

say() { echo "slurm-local: $*" >&2; }
skip() { echo "SKIP: $*"; exit 77; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }

# The pid in FILE when that process is alive.
alive() { local pid; pid=$(cat "$1" 2>/dev/null) && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"; }

running() {
  [ -f "$conf" ] && alive "$state/munged.pid" >/dev/null && alive "$state/slurmctld.pid" >/dev/null \
    && alive "$state/slurmd.pid" >/dev/null \
    && SLURM_CONF=$conf timeout 10 sinfo -h -n "$node" -o %T >/dev/null 2>&1
}

# The node's state as sinfo prints it (idle, mixed, allocated, down*, drained, ...), or nothing.
node_state() { SLURM_CONF=$conf timeout 10 sinfo -h -n "$node" -o %T 2>/dev/null | head -n 1; }

install_missing() {
  local need=() pkg
  for pkg in slurmctld slurmd slurm-client munge; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
  done
  [ ${#need[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || skip "${need[*]} missing and no apt-get to install them"
  say "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq "${need[@]}"; } >"$state.install.log" 2>&1 \
    || { tail -n 20 "$state.install.log" >&2; skip "apt-get could not install ${need[*]} (log above)"; }
  rm -f "$state.install.log"
}

write_config() {
  # `slurmd -C` prints this machine as a NodeName line: CPUs, sockets, cores, threads, RealMemory
  local hardware
  hardware=$(slurmd -C 2>/dev/null | sed -n 's/^NodeName=[^ ]* //p' | head -n 1)
  [ -n "$hardware" ] || skip "slurmd -C did not describe this machine"
  cat >"$conf.tmp" <<EOF
# written by launch/slurm-local.sh: a one-node SLURM for tests
ClusterName=mtl-dist-local
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$state/munge/munge.socket
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/slurmd
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=10
SlurmdTimeout=10
MessageTimeout=10
InactiveLimit=0
KillWait=5
MinJobAge=300
SchedulerType=sched/backfill
NodeName=$node NodeAddr=127.0.0.1 $hardware State=UNKNOWN
PartitionName=$partition Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
  mv "$conf.tmp" "$conf"
}

start_munge() {
  mkdir -p "$state/munge"
  chmod 0700 "$state/munge"
  if [ ! -s "$state/munge/munge.key" ]; then
    dd if=/dev/urandom of="$state/munge/munge.key.tmp" bs=1024 count=1 status=none
    chmod 0400 "$state/munge/munge.key.tmp"
    mv "$state/munge/munge.key.tmp" "$state/munge/munge.key"
  fi
  detached munged --force --socket="$state/munge/munge.socket" --key-file="$state/munge/munge.key" \
    --pid-file="$state/munged.pid" --log-file="$state/munged.log" --seed-file="$state/munge/munged.seed" \
    >>"$state/munged.log" 2>&1 || { tail -n 20 "$state/munged.log" >&2; skip "munged did not start (log above)"; }
}

# Runs a daemon without the descriptors this script inherited or holds: the lock, or the socket a
# caller such as Foundation's Process watches to learn that this script has exited. A daemon holding
# one would keep the lock taken, or make the caller wait for the daemon instead of the script.
detached() {
  (
    for fd in /proc/$BASHPID/fd/*; do
      fd=${fd##*/}
      if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    exec "$@"
  )
}

# Waits until FILE names a live process, at most 20 s.
wait_pid() {
  local i
  for i in $(seq 1 100); do alive "$1" >/dev/null && return 0; sleep 0.2; done
  return 1
}

start() {
  if running; then say "already running ($conf)"; exit 0; fi
  install_missing
  for tool in munged slurmctld slurmd sinfo; do command -v "$tool" >/dev/null || skip "$tool not on PATH after installing"; done
  stop_daemons
  rm -rf "$state"
  mkdir -p "$state/ctld" "$state/slurmd"
  chmod 0755 "$state"
  write_config
  start_munge
  # -i: ignore state files of an earlier cluster; -c: clear jobs of an earlier cluster
  detached slurmctld -f "$conf" -i -c >>"$state/slurmctld.log" 2>&1 || { tail -n 20 "$state/slurmctld.log" >&2; skip "slurmctld did not start (log above)"; }
  wait_pid "$state/slurmctld.pid" || { tail -n 20 "$state/slurmctld.log" >&2; skip "slurmctld did not stay up (log above)"; }
  detached slurmd -f "$conf" -N "$node" >>"$state/slurmd.log" 2>&1 || { tail -n 20 "$state/slurmd.log" >&2; skip "slurmd did not start (log above)"; }
  wait_pid "$state/slurmd.pid" || { tail -n 20 "$state/slurmd.log" >&2; skip "slurmd did not stay up (log above)"; }
  local i now=""
  for i in $(seq 1 120); do
    now=$(node_state)
    case "$now" in
      idle) say "node $node idle in partition $partition; export SLURM_CONF=$conf"; return 0 ;;
      drain*|down*|fail*) [ "$i" -lt 20 ] || break ;;
    esac
    sleep 0.5
  done
  tail -n 20 "$state/slurmd.log" >&2
  SLURM_CONF=$conf scontrol show node "$node" 2>&1 | grep -i reason >&2 || true
  stop_daemons
  skip "node $node did not become idle within 60 s (state '${now:-no answer}'; slurmd log above)"
}

# Kills PID and every process below it (children first found, then killed top-down).
kill_tree() {
  local child
  kill -STOP "$1" 2>/dev/null || true
  for child in $(pgrep -P "$1" 2>/dev/null || true); do kill_tree "$child"; done
  kill -KILL "$1" 2>/dev/null || true
}

# Cancels the cluster's jobs and waits (at most 20 s) until they are gone, then ends the daemons
# named by the pid files (TERM, then KILL after 10 s); job steps that outlive them (slurmstepd with
# this cluster's SLURM_CONF, and what it started) are killed.
stop_daemons() {
  local name pid pids=() i jobs
  if alive "$state/slurmctld.pid" >/dev/null; then
    jobs=$(SLURM_CONF=$conf timeout 10 squeue -h -o %i 2>/dev/null || true)
    if [ -n "$jobs" ]; then
      # shellcheck disable=SC2086
      SLURM_CONF=$conf timeout 10 scancel $jobs 2>/dev/null || true
      for i in $(seq 1 40); do
        [ -z "$(SLURM_CONF=$conf timeout 10 squeue -h -o %i 2>/dev/null || true)" ] && break
        sleep 0.5
      done
    fi
  fi
  for name in slurmd slurmctld munged; do
    pid=$(alive "$state/$name.pid") && pids+=("$pid") && kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  done
  for pid in $(pgrep -f "^slurmstepd: \[" 2>/dev/null || true); do
    if tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "SLURM_CONF=$conf"; then kill_tree "$pid"; fi
  done
  return 0
}

stop() {
  stop_daemons
  rm -rf "$state"
  say "stopped"
}

command=${1:-}
case "$command" in
  start|stop)
    [ $# -eq 1 ] || { echo "slurm-local.sh: $command takes no arguments" >&2; exit 2; }
    [ "$(id -u)" -eq 0 ] || skip "the daemons run as root (SlurmUser=root); run $command as root" ;;
  status)
    if running; then echo "running: node $node $(node_state); SLURM_CONF=$conf"; exit 0; fi
    echo "not running"; exit 3 ;;
  env) echo "export SLURM_CONF=$conf"; exit 0 ;;
  -h|--help) usage; exit 0 ;;
  *) echo "usage: launch/slurm-local.sh start|stop|status|env (see --help)" >&2; exit 2 ;;
esac

mkdir -p "$(dirname "$state")"
exec 9>"$state.lock"
flock 9
"$command"

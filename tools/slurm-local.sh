#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for trying `bohpsh slurm`
# (and for CI): munged, slurmctld and slurmd on 127.0.0.1 (free ports),
# everything (configuration, keys, state, logs, pid files) in one state
# directory.
# Needs root and Debian's slurm-wlm and munge packages; no systemd.
#
#   tools/slurm-local.sh start STATEDIR   # prints the SLURM_CONF to export
#   export SLURM_CONF=STATEDIR/slurm.conf
#   sbatch ... / bohpsh slurm ...
#   tools/slurm-local.sh stop STATEDIR    # stops the daemons it started
#
# start begins from a clean state directory (slurmctld refuses a state
# directory saved by another cluster name) and waits until the node is idle.
# stop kills only the daemons whose pid files are in STATEDIR.
set -euo pipefail

usage() { echo "usage: $0 start|stop STATEDIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
cmd=$1
state=$(mkdir -p "$2" && cd "$2" && pwd)

stop() {
    local name pidfile pid
    for name in slurmd slurmctld munged; do
        pidfile="$state/$name.pid"
        [ -s "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        if kill "$pid" 2>/dev/null; then
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -9 "$pid" 2>/dev/null || true
        fi
        rm -f "$pidfile"
    done
}

# free_port prints a TCP port that nothing listens on now.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
    for tool in munged slurmctld slurmd sinfo; do
        command -v "$tool" >/dev/null || {
            echo "$tool not found: apt-get install slurm-wlm munge (as root)" >&2; exit 1; }
    done
    [ "$(id -u)" = 0 ] || { echo "$0: run as root (the daemons run as root here)" >&2; exit 1; }
    stop # a previous cluster of this state directory
    rm -rf "$state/ctld" "$state/spool" "$state"/*.log
    mkdir -p "$state/ctld" "$state/spool" "$state/munge"
    chmod 700 "$state/munge"
    # A fresh munge key and socket of this cluster's own.
    head -c 1024 /dev/urandom >"$state/munge/munge.key"
    chmod 400 "$state/munge/munge.key"
    munged --force --key-file="$state/munge/munge.key" --socket="$state/munge/socket" \
        --pid-file="$state/munged.pid" --log-file="$state/munged.log" --seed-file="$state/munge/seed"

    local node cpus mem ctld_port slurmd_port
    # Free ports rather than Slurm's 6817/6818, so that clusters of other
    # state directories (and a real Slurm) can run beside this one.
    ctld_port=$(free_port)
    slurmd_port=$(free_port)
    while [ "$slurmd_port" = "$ctld_port" ]; do slurmd_port=$(free_port); done
    node=$(hostname -s)
    cpus=$(nproc)
    mem=$(awk '/MemTotal/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)
    cat >"$state/slurm.conf" <<CONF
ClusterName=bohpshlocal
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$state/munge/socket
CredType=cred/munge
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
SchedulerType=sched/backfill
SchedulerParameters=bf_interval=1,sched_min_interval=100000
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MinJobAge=600
KillWait=5
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
    export SLURM_CONF="$state/slurm.conf"
    slurmctld -i -f "$SLURM_CONF"
    slurmd -f "$SLURM_CONF"
    for _ in $(seq 100); do
        if sinfo -h -o %T 2>/dev/null | grep -qx idle; then
            echo "export SLURM_CONF=$SLURM_CONF"
            return 0
        fi
        sleep 0.1
    done
    echo "$0: the node did not become idle; see $state/slurmctld.log and $state/slurmd.log" >&2
    sinfo >&2 || true
    exit 1
}

case "$cmd" in
start) start ;;
stop) stop ;;
*) usage ;;
esac

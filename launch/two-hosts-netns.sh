#!/usr/bin/env bash
# launch/two-hosts-netns.sh: a real two-host mtl-dist run on one Linux machine. Two network
# namespaces play the hosts, joined by a veth pair (10.77.0.1/24 and 10.77.0.2/24, addresses that
# exist only inside the namespaces); one rank runs in each and they talk over TCP (OpenMPI's tcp
# BTL), not shared memory. It trains a few steps of the default config with a tiny model and checks
# that the gradients really crossed the veth link.
#
#   launch/two-hosts-netns.sh [--binary PATH] [--steps N] [--timeout SECONDS] [--keep] [-- TRAIN-ARG...]
#
#   --binary PATH     the mtl-dist to run (default: $MTL_DIST_BINARY, else .build/release/mtl-dist,
#                     else .build/debug/mtl-dist, else a release build is made)
#   --steps N         training steps (default 5)
#   --timeout S       give up on mpirun after S seconds (default 90)
#   --keep            keep the work folder (logs, hostfile, the run's output) and print its path
#   -- TRAIN-ARG...   more `mtl-dist train` arguments, e.g. --set training.batch_size=16
#
# Exit status: 0 passed (last line "PASS: ..."); 77 skipped, the automake convention (last line
# "SKIP: why": ip/mpirun missing, or no privilege to create namespaces or veth links); 1 failed
# ("FAIL: why" and the log); 2 bad arguments.
#
# How the ranks get into the namespaces: mpirun itself runs in the first namespace (through
# launch/mpirun.sh) with a hostfile naming the two addresses. 10.77.0.1 is local to it, so rank 0
# starts there; for 10.77.0.2 mpirun starts its daemon through the rsh agent
# launch/netns-rsh-agent.sh, which runs it with `ip netns exec` in the second namespace, and that
# daemon starts rank 1. MPI and daemon traffic are confined to 10.77.0.0/24
# (btl_tcp_if_include, oob_tcp_if_include), shared memory is off (`--mca btl tcp,self`).
#
# What is checked: mpirun exits 0; the trainer ran on 2 ranks for N steps and wrote best/; with
# btl_base_verbose each rank reports the tcp BTL on its own address (10.77.0.1 on the first veth,
# 10.77.0.2 on the second); and the veth byte counters grew, in each direction, by at least
# N × (parameter count × 4 bytes): every step all-reduces the full float32 gradient, and with two
# ranks each one must receive the other's whole vector.
#
# Needs root (or CAP_SYS_ADMIN + CAP_NET_ADMIN). Installs iproute2 with apt-get when `ip` is missing
# and it runs as root, as launch/install-deps.sh does. Namespaces and links are removed on exit,
# also after a failure or Ctrl-C; leftovers of a killed run are removed first, so it can be rerun.
# Concurrent runs wait for each other (a lock file), since the names are fixed.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ns1=mtl-dist-h1 ns2=mtl-dist-h2
veth1=mtl-dist-v1 veth2=mtl-dist-v2
address1=10.77.0.1 address2=10.77.0.2 network=10.77.0.0/24

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
say() { echo "two-hosts-netns: $*"; }

binary=${MTL_DIST_BINARY:-} steps=5 timeout_seconds=90 keep=0 train_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --binary)  [ $# -ge 2 ] || { echo "--binary needs a path" >&2; exit 2; }; binary=$2; shift 2 ;;
    --steps)   [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || { echo "--steps needs a positive integer" >&2; exit 2; }; steps=$2; shift 2 ;;
    --timeout) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || { echo "--timeout needs a positive integer" >&2; exit 2; }; timeout_seconds=$2; shift 2 ;;
    --keep)    keep=1; shift ;;
    -h|--help) usage; exit 0 ;;
    --)        shift; train_args=("$@"); break ;;
    *)         echo "two-hosts-netns.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

# --- what it needs -------------------------------------------------------------------------------
if ! command -v ip >/dev/null; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    say "installing iproute2"
    { DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2; } >/dev/null \
      || skip "ip (iproute2) is missing and apt-get could not install it"
  else
    skip "ip (iproute2) is missing; install it (as root: apt-get install iproute2)"
  fi
  command -v ip >/dev/null || skip "ip is still not on PATH after installing iproute2"
fi
command -v mpirun >/dev/null || skip "mpirun is missing; run launch/install-deps.sh"
command -v timeout >/dev/null || skip "timeout (coreutils) is missing"
if [ -z "$binary" ]; then
  for candidate in "$repo/.build/release/mtl-dist" "$repo/.build/debug/mtl-dist"; do
    if [ -x "$candidate" ]; then binary=$candidate; break; fi
  done
fi
if [ -z "$binary" ]; then
  say "no built mtl-dist; building it: swift build -c release --product mtl-dist"
  (cd "$repo" && swift build -c release --product mtl-dist) || fail "the build failed"
  binary="$repo/.build/release/mtl-dist"
fi
case "$binary" in /*) ;; *) binary="$PWD/$binary" ;; esac
[ -x "$binary" ] || fail "no executable mtl-dist at $binary"

# --- namespaces, cleaned up whatever happens -----------------------------------------------------
lock="${TMPDIR:-/tmp}/mtl-dist-two-hosts-netns.$(id -u).lock"
if command -v flock >/dev/null && exec 9>>"$lock"; then
  flock -w "$((timeout_seconds + 30))" 9 || fail "another two-hosts-netns.sh run holds $lock"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/mtl-dist-two-hosts.XXXXXX")
remove_network() {
  ip netns del "$ns1" 2>/dev/null || true
  ip netns del "$ns2" 2>/dev/null || true
  ip link del "$veth1" 2>/dev/null || true   # only there when a run died before moving it
}
cleanup() {
  remove_network
  if [ "$keep" -eq 1 ]; then say "kept $work"; else rm -rf "$work"; fi
}
# On Ctrl-C or kill the run is stopped first (mpirun, under `timeout`, passes the signal on to its
# daemons and ranks), then the EXIT trap removes the namespaces.
run_pid=""
stop() {
  if [ -n "$run_pid" ]; then kill -TERM "$run_pid" 2>/dev/null || true; wait "$run_pid" 2>/dev/null || true; fi
  exit "$1"
}
trap cleanup EXIT
trap 'stop 130' INT
trap 'stop 143' TERM
remove_network

ip netns add "$ns1" 2>"$work/ip.err" \
  || skip "cannot create a network namespace (ip netns add: $(head -c 300 "$work/ip.err")); run as root or with CAP_SYS_ADMIN"
ip netns add "$ns2" 2>"$work/ip.err" || skip "cannot create a second network namespace: $(head -c 300 "$work/ip.err")"
ip netns exec "$ns1" true 2>"$work/ip.err" \
  || skip "ip netns exec does not work here (it mounts /sys): $(head -c 300 "$work/ip.err")"
ip link add "$veth1" type veth peer name "$veth2" 2>"$work/ip.err" \
  || skip "cannot create a veth pair: $(head -c 300 "$work/ip.err")"
ip link set "$veth1" netns "$ns1"
ip link set "$veth2" netns "$ns2"
ip -n "$ns1" address add "$address1/24" dev "$veth1"
ip -n "$ns2" address add "$address2/24" dev "$veth2"
for pair in "$ns1:$veth1" "$ns2:$veth2"; do
  ip -n "${pair%%:*}" link set lo up
  ip -n "${pair%%:*}" link set "${pair#*:}" up
done
say "$ns1 ($address1 on $veth1) <-> $ns2 ($address2 on $veth2)"

counter() { ip netns exec "$ns1" cat "/sys/class/net/$veth1/statistics/$1"; }

# --- the run ---------------------------------------------------------------------------------------
printf '%s slots=1\n%s slots=1\n' "$address1" "$address2" > "$work/hostfile"
mkdir -p "$work/tmp/$ns1" "$work/tmp/$ns2"
export MTL_NETNS_HOSTS="$address1=$ns1 $address2=$ns2"
export MTL_NETNS_TMPDIR="$work/tmp" MTL_NETNS_AGENT_LOG="$work/agent.log"
# The two "hosts" share this machine's cores, so each counts half of them. --bind-to none: each
# host's daemon would otherwise bind its rank to the machine's first core, both ranks on one core.
cores_per_host=$(( $(nproc) / 2 ))
[ "$cores_per_host" -ge 1 ] || cores_per_host=1
tx_before=$(counter tx_bytes) rx_before=$(counter rx_bytes)
start=$(date +%s)
# in the background, so that a signal to this script is handled at once (see stop)
timeout -k 5 "$timeout_seconds" ip netns exec "$ns1" env TMPDIR="$work/tmp/$ns1" \
  "$repo/launch/mpirun.sh" -np 2 --hostfile "$work/hostfile" --cores-per-node "$cores_per_host" --binary "$binary" \
    --bind-to none \
    --mca plm_rsh_agent "$repo/launch/netns-rsh-agent.sh" \
    --mca btl tcp,self --mca btl_tcp_if_include "$network" --mca oob_tcp_if_include "$network" \
    --mca btl_base_verbose 30 \
    -- train --output "$work/run" --set training.max_steps="$steps" --set training.log_every=1 \
       --set encoder.word_dim=16 --set encoder.shared_hidden=16 --set encoder.char_dim=8 \
       --set encoder.char_hidden=8 --set training.batch_size=8 "${train_args[@]}" \
  > "$work/mpirun.log" 2>&1 &
run_pid=$!
status=0
wait "$run_pid" || status=$?
run_pid=""
seconds=$(( $(date +%s) - start ))
tx=$(( $(counter tx_bytes) - tx_before )) rx=$(( $(counter rx_bytes) - rx_before ))

# the trainer's lines, without OpenMPI's verbose "[host:pid] ..." lines
grep -Ev '^\[[^]]*:[0-9]+\] ' "$work/mpirun.log" | sed 's/^/  | /' || true
show_log() { echo "--- $work/mpirun.log (last 40 lines)"; tail -n 40 "$work/mpirun.log"; }
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then show_log; fail "mpirun did not finish within ${timeout_seconds}s"; fi
[ "$status" -eq 0 ] || { show_log; fail "mpirun exited with status $status"; }

# --- the checks -----------------------------------------------------------------------------------
[ -s "$work/agent.log" ] && grep -q "^$address2 -> ip netns exec $ns2: .*orted" "$work/agent.log" \
  || fail "mpirun never started a daemon in $ns2 through the rsh agent"
for pair in "$address1:$veth1" "$address2:$veth2"; do
  grep -q "btl: tcp: Found match: ${pair%%:*} (${pair#*:})" "$work/mpirun.log" \
    || { show_log; fail "no rank reported the tcp BTL on ${pair%%:*} (${pair#*:})"; }
done
parameters=$(sed -n 's/.* on 2 ranks: \([0-9][0-9]*\) parameters.*/\1/p' "$work/mpirun.log" | head -n 1)
[ -n "$parameters" ] || { show_log; fail "the trainer did not report training on 2 ranks"; }
train_lines=$(grep -c '"type":"train"' "$work/run/metrics.jsonl" 2>/dev/null || true)
[ "$train_lines" = "$steps" ] || fail "metrics.jsonl has ${train_lines:-no} train lines, expected $steps"
[ -s "$work/run/best/parameters.bin" ] || fail "no best/parameters.bin was written"
required=$(( steps * parameters * 4 ))
say "$steps steps of $parameters parameters in ${seconds}s; $veth1 sent $tx bytes and received $rx bytes (at least $required required each way)"
[ "$tx" -ge "$required" ] || fail "only $tx bytes left $ns1 over $veth1; $steps all-reduces of $parameters floats need $required"
[ "$rx" -ge "$required" ] || fail "only $rx bytes reached $ns1 over $veth1; $steps all-reduces of $parameters floats need $required"
echo "PASS: 2 ranks in 2 network namespaces trained $steps steps over TCP ($address1 <-> $address2)"

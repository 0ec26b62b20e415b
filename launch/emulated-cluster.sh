#!/usr/bin/env bash
# launch/emulated-cluster.sh: runs any mtl-dist command (train, bench, evaluate, predict) under mpirun
# across H emulated hosts on this machine: H network namespaces (each with its own host name), joined
# through a bridge, each host's link held to a rate with `tc ... tbf`. Ranks of one host talk over
# shared memory (OpenMPI's vader BTL), ranks of different hosts over TCP across the shaped links.
#
#   launch/emulated-cluster.sh --hosts H [--ranks-per-host R] --rate RATE [--rate-host I=RATE ...]
#                              [--delay D] [options] -- COMMAND...
#
#   sudo launch/emulated-cluster.sh --hosts 2 --rate 1gbit -- bench step --config configs/conll03-ner-pos.yaml \
#        --data-dir ../shared/data --json
#   sudo launch/emulated-cluster.sh --hosts 4 --rate 10gbit --rate-host 4=1gbit -- bench collective --json
#   sudo launch/emulated-cluster.sh --hosts 2 --ranks-per-host 2 --rate 100mbit -- train --set training.max_steps=50
#
# Options:
#   --hosts H             emulated hosts, 2 to 16 (one host is plain launch/mpirun.sh)
#   --ranks-per-host R    ranks on each host, 1 to 16 (default 1); np = H x R
#   --rate RATE           every host's link rate, as tc writes it: 100mbit, 1gbit, 10gbit, 500kbit
#   --rate-host I=RATE    host I's link (1-based) at another rate, e.g. a slow host for stragglers (repeatable)
#   --delay D             one-way delay added on every link (e.g. 1ms) with tc netem. Only where the kernel
#                         has netem (sch_netem); without it the run is refused with exit 77 and the reason
#   --blas-threads K      OPENBLAS_NUM_THREADS per rank (default 1)
#   --binary PATH         the mtl-dist to run (default $MTL_DIST_BINARY, else .build/release/mtl-dist)
#   --timeout S           stop mpirun after S seconds (default: no limit)
#   --mca KEY VALUE       one more OpenMPI MCA parameter for mpirun (repeatable)
#   --record FILE         also write the run's record (below) to FILE, as one JSON object
#   --keep                keep the work folder (logs, hostfile) and print its path
#   -h, --help            this text
#   -- COMMAND...         the mtl-dist arguments, e.g. `bench collective --json`
#
# The network: namespaces mtl-ec-h1 ... mtl-ec-hH (host names the same, in their own UTS namespaces,
# so `bench` counts H hosts), addresses 10.78.0.1 ... 10.78.0.H/24 (they exist only inside the
# namespaces) on veth mtl-ec-eI, whose peer mtl-ec-pI is a port of bridge mtl-ec-br in namespace
# mtl-ec-sw (the switch). Both ends of host I's link get `tbf rate RATE_I burst B latency 5ms`
# (B = the larger of 128 KiB and 0.25 ms at the rate), so the rate holds in both directions; the
# queue holds 5 ms of data, as fq_codel keeps a host's queue (a deeper one delays a ring, below). A real
# link never sends faster than its rate; the bucket lets B bytes through at once after a pause, so it
# is kept small: with 2 ms at 10 Gbit/s (2.5 MB) a 4 MiB all-reduce between 2 hosts ran at 1.4x the
# line rate; below 128 KiB the 1 Gbit/s link lost up to a third of its rate (BENCHMARKS.md). mpirun runs
# in mtl-ec-h1 and starts the daemons of the other hosts through launch/netns-rsh-agent.sh, with
# `--mca btl vader,tcp,self`, `btl_tcp_if_include`/`oob_tcp_if_include 10.78.0.0/24`, a hostfile
# of `10.78.0.I slots=R` (by-slot mapping: ranks 0..R-1 on host 1, ...) and `--bind-to none`.
# With OpenMPI's default TCP flags the same large all-reduce takes its line-rate time or 1.5-2x it
# from one call to the next: the receiver's requests for a large message's fragments (the `put`
# flag) queue behind its own data on the one connection between two ranks. mtl-dist turns `put` off
# itself (OMPI_MCA_btl_tcp_flags, `OpenMPIDefaults`; BENCHMARKS.md, 2026-12-07); for another
# program pass `--mca btl_tcp_flags send,inplace,need-ack,need-csum`. mtl-dist also runs its large
# all-reduces across hosts and its non-blocking all-reduce as rings (`OpenMPIDefaults`, README).
#
# The check: after the command, each host's link counters (bytes sent and received on mtl-ec-eI) are
# compared with what the command says it exchanged. `bench step --config ... --json` prints
# allreduce_bytes (per step) and steps; `bench collective --json` its sizes and repetitions. Each
# host's result depends on every other host's data, so with H >= 2 every link must carry at least the
# exchanged bytes in each direction, per all-reduce (a ring sends 2(H-1)/H of them). The check
# requires 75% of that (touched-rows steps vary around their median) and fails below; for commands
# that print no byte count (train, evaluate, predict) it only requires traffic on every link and says
# so. A bench JSON's "hosts" must also equal H.
#
# Output: the command's stdout and stderr pass through. Then, on stderr, one line
#   emulated-cluster: {"hosts":H,"ranks_per_host":R,"np":N,"rate_bits_per_s":..., "rates_bits_per_s":[...],
#                      "queue":"5ms","delay":null,"netem":false,"cores":C,"oversubscription":F,"blas_threads":K,
#                      "links":[{"host":1,"tx_bytes":...,"rx_bytes":...},...],"expected_bytes_per_link":E,
#                      "traffic_check":"passed: ..."|"only traffic checked: ..."}
# (the same object goes to --record FILE). H x R ranks share this machine's C cores: the
# oversubscription factor max(1, H x R x K / C) says how much, and the cost model (report scaling)
# multiplies compute by it. Above 1, the ranks run with `--mca mpi_yield_when_idle 1` (unless --mca
# sets it): OpenMPI sees one host per namespace and would let waiting ranks spin.
#
# Exit status: the command's when it fails (124 on --timeout); 0 when it and the traffic check pass;
# 1 when the traffic check fails; 2 for bad arguments; 77 (the automake "skipped" convention, last line
# "SKIP: why") without root / CAP_NET_ADMIN, without ip, tc, unshare, flock or mpirun, when tbf cannot
# be installed, or when --delay is asked for and the kernel has no netem.
#
# Everything (namespaces, links, the bridge) is removed on exit, on failure and on Ctrl-C, and
# leftovers of a killed run are removed first. Concurrent runs wait for each other on a lock file
# (the names are fixed).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prefix=mtl-ec switch_ns=mtl-ec-sw bridge=mtl-ec-br network=10.78.0.0/24

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
die() { echo "launch/emulated-cluster.sh: $*" >&2; exit 2; }
skip() { echo "SKIP: $*"; exit 77; }
say() { echo "emulated-cluster: $*" >&2; }

# bits per second of a tc rate (bit, kbit, mbit, gbit; tc's units are powers of 1000)
rate_bits() {
  local r=${1,,}
  [[ $r =~ ^([0-9]+(\.[0-9]+)?)(bit|kbit|mbit|gbit)$ ]] || return 1
  awk -v n="${BASH_REMATCH[1]}" -v u="${BASH_REMATCH[3]}" 'BEGIN {
    m = (u == "bit") ? 1 : (u == "kbit") ? 1e3 : (u == "mbit") ? 1e6 : 1e9
    v = n * m; if (v < 8000 || v > 1e11) exit 1; printf "%.0f\n", v }'
}

hosts="" ranks_per_host=1 rate="" delay="" blas_threads=1 binary=${MTL_DIST_BINARY:-} timeout_seconds=0
record="" keep=0 mca=()
declare -A host_rate=()
while [ $# -gt 0 ]; do
  case "$1" in
    --hosts)          [[ ${2:-} =~ ^[0-9]+$ ]] && [ "$2" -ge 2 ] && [ "$2" -le 16 ] || die "--hosts expects 2 to 16, got '${2:-}'"
                      hosts=$2; shift 2 ;;
    --ranks-per-host) [[ ${2:-} =~ ^[0-9]+$ ]] && [ "$2" -ge 1 ] && [ "$2" -le 16 ] || die "--ranks-per-host expects 1 to 16, got '${2:-}'"
                      ranks_per_host=$2; shift 2 ;;
    --rate)           [ $# -ge 2 ] || die "--rate needs a value, e.g. 1gbit"
                      rate_bits "$2" >/dev/null || die "--rate '$2': expected a tc rate from 8kbit to 100gbit, e.g. 100mbit, 1gbit, 10gbit"
                      rate=$2; shift 2 ;;
    --rate-host)      [[ ${2:-} =~ ^([0-9]+)=(.+)$ ]] || die "--rate-host expects I=RATE, e.g. 2=100mbit, got '${2:-}'"
                      index=${BASH_REMATCH[1]} value=${BASH_REMATCH[2]}   # rate_bits's own match replaces BASH_REMATCH
                      rate_bits "$value" >/dev/null || die "--rate-host '$2': '$value' is not a tc rate from 8kbit to 100gbit"
                      host_rate[$index]=$value; shift 2 ;;
    --delay)          [[ ${2:-} =~ ^[0-9]+(\.[0-9]+)?(us|ms|s)$ ]] || die "--delay expects a tc time such as 500us or 2ms, got '${2:-}'"
                      delay=$2; shift 2 ;;
    --blas-threads)   [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "--blas-threads expects a positive integer"; blas_threads=$2; shift 2 ;;
    --binary)         [ $# -ge 2 ] || die "--binary needs a path"; binary=$2; shift 2 ;;
    --timeout)        [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "--timeout expects seconds (a positive integer)"; timeout_seconds=$2; shift 2 ;;
    --record)         [ $# -ge 2 ] || die "--record needs a file"; record=$2; shift 2 ;;
    --mca)            [ $# -ge 3 ] || die "--mca needs a KEY and a VALUE"; mca+=(--mca "$2" "$3"); shift 3 ;;
    --keep)           keep=1; shift ;;
    -h|--help)        usage; exit 0 ;;
    --)               shift; break ;;
    *)                die "unknown option '$1' (see --help; the mtl-dist command comes after --)" ;;
  esac
done
command_args=("$@")
[ -n "$hosts" ] || die "--hosts H is required (2 to 16)"
[ -n "$rate" ] || die "--rate RATE is required, e.g. --rate 1gbit"
[ ${#command_args[@]} -gt 0 ] || die "no mtl-dist command after --, e.g. -- bench collective --json"
for i in "${!host_rate[@]}"; do
  [ "$i" -ge 1 ] && [ "$i" -le "$hosts" ] || die "--rate-host $i=${host_rate[$i]}: host $i does not exist (hosts are 1 to $hosts)"
done
np=$((hosts * ranks_per_host))

# --- what it needs -------------------------------------------------------------------------------
[ "$(id -u)" -eq 0 ] || skip "needs root (or CAP_SYS_ADMIN and CAP_NET_ADMIN) to create namespaces, links and tc qdiscs; run with sudo"
for tool in ip tc unshare flock mpirun timeout awk; do
  command -v "$tool" >/dev/null || skip "$tool is missing (ip and tc: apt-get install iproute2; unshare and flock: util-linux; mpirun: launch/install-deps.sh)"
done
if [ -z "$binary" ]; then binary="$repo/.build/release/mtl-dist"; fi
case "$binary" in /*) ;; *) binary="$PWD/$binary" ;; esac
[ -x "$binary" ] || die "no executable mtl-dist at $binary (build it: swift build -c release --product mtl-dist, or pass --binary)"

# --- one run at a time: the names are fixed --------------------------------------------------------
lock="${TMPDIR:-/tmp}/mtl-dist-emulated-cluster.lock"
exec 9>>"$lock" || skip "cannot open the lock file $lock"
if ! flock -n 9; then
  say "another emulated-cluster.sh run holds $lock; waiting for it"
  flock 9
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/mtl-dist-emulated.XXXXXX")
remove_network() {
  local ns
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$prefix-" || true); do
    ip netns del "$ns" 2>/dev/null || true
  done
}
cleanup() {
  remove_network
  if [ "$keep" -eq 1 ]; then say "kept $work"; else rm -rf "$work"; fi
}
run_pid=""
stop() {
  if [ -n "$run_pid" ]; then kill -TERM "$run_pid" 2>/dev/null || true; wait "$run_pid" 2>/dev/null || true; fi
  exit "$1"
}
trap cleanup EXIT
trap 'stop 130' INT
trap 'stop 143' TERM
remove_network

# --- the network ------------------------------------------------------------------------------------
ip netns add "$switch_ns" 2>"$work/ip.err" || skip "cannot create a network namespace: $(head -c 300 "$work/ip.err")"
ip -n "$switch_ns" link add "$bridge" type bridge 2>"$work/ip.err" || skip "cannot create a bridge: $(head -c 300 "$work/ip.err")"
ip -n "$switch_ns" link set "$bridge" up
ip -n "$switch_ns" link set lo up

# The longest a packet may wait in a link's queue: 5 ms, the target of fq_codel, the qdisc Linux hosts
# send through by default (this kernel has neither fq_codel nor fq, only fifo queues under tbf). With
# 50 ms a ring over 4 hosts at 100 Mbit/s summed 4 MiB in 538-712 ms against 517-541 ms with 5 ms (line
# rate 503 ms): each rank's request for its predecessor's data waited behind its own data queued for
# its successor, a step at a time (BENCHMARKS.md, 2026-12-07).
queue=5ms
burst_of() { awk -v b="$1" 'BEGIN { v = b / 8 * 0.00025; if (v < 131072) v = 131072; printf "%d\n", v }'; }
shape() {   # shape NAMESPACE DEVICE RATE
  local ns=$1 dev=$2 r=$3 burst
  burst=$(burst_of "$(rate_bits "$r")")
  if [ -n "$delay" ]; then
    ip netns exec "$ns" tc qdisc add dev "$dev" root handle 1: netem delay "$delay" 2>"$work/tc.err" \
      || skip "--delay $delay needs tc netem, which this kernel lacks ($(head -c 200 "$work/tc.err")); run without --delay"
    ip netns exec "$ns" tc qdisc add dev "$dev" parent 1:1 handle 10: tbf rate "$r" burst "$burst" latency "$queue" 2>"$work/tc.err" \
      || skip "tc tbf under netem failed on $dev: $(head -c 300 "$work/tc.err")"
  else
    ip netns exec "$ns" tc qdisc add dev "$dev" root tbf rate "$r" burst "$burst" latency "$queue" 2>"$work/tc.err" \
      || skip "tc cannot shape $dev with tbf (sch_tbf missing?): $(head -c 300 "$work/tc.err")"
  fi
}
rates=() rates_bits=() addresses=() ns_hosts=""
for ((i = 1; i <= hosts; i++)); do
  ns=$prefix-h$i eth=$prefix-e$i port=$prefix-p$i address=10.78.0.$i
  r=${host_rate[$i]:-$rate}
  ip netns add "$ns" 2>"$work/ip.err" || skip "cannot create namespace $ns: $(head -c 300 "$work/ip.err")"
  ip link add "$eth" netns "$ns" type veth peer name "$port" netns "$switch_ns" 2>"$work/ip.err" \
    || skip "cannot create the veth pair $eth/$port: $(head -c 300 "$work/ip.err")"
  ip -n "$ns" address add "$address/24" dev "$eth"
  ip -n "$ns" link set lo up
  ip -n "$ns" link set "$eth" up
  ip -n "$switch_ns" link set "$port" master "$bridge"
  ip -n "$switch_ns" link set "$port" up
  shape "$ns" "$eth" "$r"           # host -> switch
  shape "$switch_ns" "$port" "$r"   # switch -> host
  rates+=("$r") rates_bits+=("$(rate_bits "$r")") addresses+=("$address")
  ns_hosts+="$address=$ns "
  printf '%s slots=%d\n' "$address" "$ranks_per_host" >> "$work/hostfile"
done
# the bridge forwards at once (no STP); wait until host 1 reaches the last host
for ((try = 0; try < 50; try++)); do
  ip netns exec "$prefix-h1" ping -c 1 -W 1 "10.78.0.$hosts" >/dev/null 2>&1 && break
  sleep 0.1
done
cores=$(nproc)
oversubscription=$(awk -v n="$np" -v k="$blas_threads" -v c="$cores" 'BEGIN { f = n * k / c; if (f < 1) f = 1; printf "%.2f\n", f }')
# ranks beyond the cores: OpenMPI cannot see it (every namespace is a host with its own slots), so a
# rank waiting in MPI would spin through its time slice while the rank it waits for is runnable
# behind it; yielding when idle lets that rank run (8 hosts at 10 Gbit/s: a 16 MiB all-reduce in 45
# ms instead of 308). A --mca mpi_yield_when_idle of the caller's wins.
yield=()
if awk -v f="$oversubscription" 'BEGIN { exit !(f > 1) }' && [[ " ${mca[*]} " != *" mpi_yield_when_idle "* ]]; then
  yield=(--mca mpi_yield_when_idle 1)
fi
say "$hosts hosts x $ranks_per_host rank(s) on $cores cores (oversubscription ${oversubscription}x${yield[*]:+, ranks yield when idle}); links: $(
  for ((i = 1; i <= hosts; i++)); do printf 'h%d %s ' "$i" "${rates[i-1]}"; done)${delay:+; delay $delay (netem)}"

counter() { ip netns exec "$prefix-h$1" cat "/sys/class/net/$prefix-e$1/statistics/$2"; }
declare -a tx_before rx_before
for ((i = 1; i <= hosts; i++)); do tx_before[i]=$(counter "$i" tx_bytes); rx_before[i]=$(counter "$i" rx_bytes); done

# --- the run -----------------------------------------------------------------------------------------
export MTL_NETNS_HOSTS="$ns_hosts" MTL_NETNS_TMPDIR="$work/tmp" MTL_NETNS_AGENT_LOG="$work/agent.log" MTL_NETNS_UTS=1
mkdir -p "$work/tmp/$prefix-h1"
limit=()
[ "$timeout_seconds" -eq 0 ] || limit=(timeout -k 5 "$timeout_seconds")
exec 3> >(tee "$work/stdout")
tee_out=$!
exec 4> >(tee "$work/stderr" >&2)
tee_err=$!
# shellcheck disable=SC2016
"${limit[@]}" ip netns exec "$prefix-h1" unshare --uts /bin/sh -c 'hostname "$1" && shift && exec "$@"' sh "$prefix-h1" \
  env TMPDIR="$work/tmp/$prefix-h1" \
  bash "$repo/launch/mpirun.sh" -np "$np" --hostfile "$work/hostfile" --cores-per-node "$(( cores / hosts > 0 ? cores / hosts : 1 ))" \
    --blas-threads "$blas_threads" --binary "$binary" \
    --bind-to none --mca plm_rsh_agent "$repo/launch/netns-rsh-agent.sh" \
    --mca btl vader,tcp,self --mca btl_vader_single_copy_mechanism none \
    --mca btl_tcp_if_include "$network" --mca oob_tcp_if_include "$network" "${yield[@]}" "${mca[@]}" \
    -- "${command_args[@]}" >&3 2>&4 &
run_pid=$!
status=0
wait "$run_pid" || status=$?
run_pid=""
exec 3>&- 4>&-
wait "$tee_out" "$tee_err" 2>/dev/null || true

# --- the check ---------------------------------------------------------------------------------------
links="" min_tx="" min_rx=""
for ((i = 1; i <= hosts; i++)); do
  tx=$(( $(counter "$i" tx_bytes) - tx_before[i] )) rx=$(( $(counter "$i" rx_bytes) - rx_before[i] ))
  # packets the shapers dropped (queue beyond 5 ms) on the way out of host i and on the way in
  drops_out=$(ip netns exec "$prefix-h$i" tc -s qdisc show dev "$prefix-e$i" | awk '/dropped/ { gsub(",", ""); s += $7 } END { print s + 0 }')
  drops_in=$(ip netns exec "$switch_ns" tc -s qdisc show dev "$prefix-p$i" | awk '/dropped/ { gsub(",", ""); s += $7 } END { print s + 0 }')
  links+="${links:+,}{\"host\":$i,\"address\":\"10.78.0.$i\",\"rate\":\"${rates[i-1]}\",\"tx_bytes\":$tx,\"rx_bytes\":$rx,"
  links+="\"dropped_out\":$drops_out,\"dropped_in\":$drops_in}"
  [ -n "$min_tx" ] && [ "$min_tx" -le "$tx" ] || min_tx=$tx
  [ -n "$min_rx" ] && [ "$min_rx" -le "$rx" ] || min_rx=$rx
done
json_line=$(grep '^{' "$work/stdout" | tail -n 1 || true)
# bytes every link must carry each way, from what the command printed: "<bytes> <hosts>"
# (awk over the one-line JSON; its keys are sorted, so a row reads "bytes", "median_s", "repetitions")
expected=$(printf '%s\n' "$json_line" | awk '
  function field(name,   m) { return match($0, "\"" name "\":[0-9]+") ? substr($0, RSTART + length(name) + 3, RLENGTH - length(name) - 3) : "" }
  {
    hosts = field("hosts"); if (hosts == "") hosts = "none"
    if (index($0, "\"allreduce\":[")) {
      rest = $0; total = 0
      while (match(rest, /"bytes":[0-9]+,"median_s":[^,]*,"repetitions":[0-9]+/)) {
        row = substr(rest, RSTART, RLENGTH); rest = substr(rest, RSTART + RLENGTH)
        split(row, parts, /[:,]/); total += parts[2] * parts[6]
      }
      printf "%.0f %s\n", total, hosts
    } else if (field("allreduce_bytes") != "" && field("steps") != "") {
      printf "%.0f %s\n", field("allreduce_bytes") * field("steps"), hosts
    } else print "none none"
  }')
[ -n "$expected" ] || expected="none none"
expected_bytes=${expected% *} reported_hosts=${expected#* }
check_status=0
if [ "$status" -ne 0 ]; then
  check="not checked: the command exited with status $status"
elif [ "$expected_bytes" = none ]; then
  if [ "$min_tx" -gt 0 ] && [ "$min_rx" -gt 0 ]; then
    check="only traffic checked: every link carried bytes each way (the command prints no byte count to compare with)"
  else
    check="failed: a link carried no bytes (fewest sent $min_tx, received $min_rx)"; check_status=1
  fi
else
  required=$(( expected_bytes * 3 / 4 ))
  if [ "$min_tx" -ge "$required" ] && [ "$min_rx" -ge "$required" ]; then
    check="passed: every link carried at least $required bytes each way (75% of the $expected_bytes the command exchanged; fewest sent $min_tx, received $min_rx)"
  else
    check="failed: a link carried fewer than $required bytes (75% of the $expected_bytes the command exchanged): fewest sent $min_tx, received $min_rx"
    check_status=1
  fi
  if [ "$reported_hosts" != none ] && [ "$reported_hosts" != "$hosts" ]; then
    check="failed: the command reports $reported_hosts host(s), expected $hosts; $check"; check_status=1
  fi
fi
rates_json=$(IFS=,; echo "${rates_bits[*]}")
object="{\"hosts\":$hosts,\"ranks_per_host\":$ranks_per_host,\"np\":$np,\"rate\":\"$rate\",\"rate_bits_per_s\":$(rate_bits "$rate"),"
object+="\"rates_bits_per_s\":[$rates_json],\"queue\":\"$queue\",\"delay\":${delay:+\"$delay\"}${delay:-null},\"netem\":$([ -n "$delay" ] && echo true || echo false),"
object+="\"cores\":$cores,\"blas_threads\":$blas_threads,\"oversubscription\":$oversubscription,\"links\":[$links],"
object+="\"expected_bytes_per_link\":$([ "$expected_bytes" = none ] && echo null || echo "$expected_bytes"),"
object+="\"command_status\":$status,\"traffic_check\":\"$check\"}"
echo "emulated-cluster: $object" >&2
if [ -n "$record" ]; then
  printf '%s\n' "$object" > "$record.tmp.$$" && mv "$record.tmp.$$" "$record"
fi
[ "$status" -eq 0 ] || exit "$status"
exit "$check_status"

#!/usr/bin/env bash
# launch/scaling.sh: a scaling sweep of `mtl-dist bench step` over several rank counts, with a
# report, plots, an all-reduce cost model and a projection to 16-1,024 ranks.
#
#   launch/scaling.sh --config C --output DIR [options]
#
#   launch/scaling.sh --config configs/conll03-ner-pos.yaml --data-dir ../shared/data --output runs/scaling
#   launch/scaling.sh --config configs/default.yaml --np 1,2 --steps 5 --rounds 1 --output /tmp/quick
#   launch/scaling.sh --config C --np 1,8,16 --hostfile hosts --output DIR          # several machines
#   launch/scaling.sh --config C --np 1,2,4 --launcher srun --output DIR            # inside a SLURM allocation
#   sudo launch/scaling.sh --config C --emulate 100mbit,1gbit,10gbit --hosts 2 --output DIR   # emulated networks
#
# Options:
#   --config FILE         the config whose training step is timed (required)
#   --output DIR          new or empty folder for everything the sweep writes (required)
#   --np LIST             comma-separated rank counts (default 1,2,4,8); include 1, the baseline
#   --mode M              strong (fixed global batch = the config's training.batch_size), weak (fixed
#                         per-rank batch: the global batch is batch_size x np), or both (default both)
#   --steps N             timed steps per run (default 20; 3 untimed warm-up steps come first)
#   --rounds R            times every (mode, np) runs, in alternating order (default 3)
#   --data-dir D          passed to bench: the folder relative corpus paths resolve against
#   --set KEY=VALUE       passed to bench (repeatable): any config override
#   --blas-threads K      OPENBLAS_NUM_THREADS per rank (default 1, so speed-up is data parallelism alone)
#   --hostfile F          OpenMPI hostfile (mpirun launcher), passed to launch/mpirun.sh
#   --launcher L          mpirun (default: launch/mpirun.sh, which sets binding and the flags
#                         containers need) or srun (`srun --mpi=pmix -n N`, inside a SLURM allocation
#                         or with SRUN_OPTIONS naming one, e.g. "-p debug -N 2")
#   --binary PATH         the mtl-dist to run (default $MTL_DIST_BINARY, else .build/release/mtl-dist,
#                         built with `swift build -c release --product mtl-dist` when missing)
#   --force               run rank counts beyond what the machine holds (more than 8 x its cores, or
#                         more than the hostfile's slots): refused without it, since such a run
#                         measures the scheduler, not the exchange, and may exhaust memory
#   -h, --help            this text
#
# Emulated networks (launch/emulated-cluster.sh; needs root and tc):
#   --emulate RATE[,...]  instead of --np: for each rate (tc units: 100mbit, 1gbit, 10gbit) and each
#                         exchange strategy, run np = H x R ranks on H emulated hosts whose links are
#                         held to the rate; also over shared memory on this host (link "shm"), and
#                         np = 1, the baseline. Weak scaling only (--mode weak, the default here): each
#                         rank keeps the config's batch, so the np = 1 run is every rank's compute
#                         reference for the cost model
#   --hosts H             emulated hosts (default 2)
#   --ranks-per-host R    ranks on each emulated host (default 1); above the cores, compute is shared
#   --strategies LIST     of dense (training.exchange=dense), touched (training.sparse_allreduce=true), overlap
#                         (training.allreduce_bucket_mb=MB, training.overlap_allreduce=true), sharded
#                         (training.sharded_update=true) and auto (training.exchange=auto: the ranks
#                         measure and choose; the report compares it with the best fixed one);
#                         default all five
#   --bucket-mb MB        the overlapped strategy's bucket size (default 4)
#   --collective-hosts L  hosts (one rank each) over which `bench collective` is timed on every rate,
#                         for the inter-host alpha/beta fit (default 2,4,8); it is also timed at np = 2
#                         over shared memory (the intra-host level)
#   --collective-pause P  milliseconds every rank waits before each timed collective of 256 KiB and more
#                         (`bench collective --pause-ms`), or `step` (the default): the median step of the
#                         sweep's np = 1 runs, as a training step's exchange follows its compute. Over TCP,
#                         calls back to back stall more often than calls spaced out (BENCHMARKS.md,
#                         2026-12-06), and the cost model is fitted on these timings. Applies to every sweep
#   --collective-rounds N  times `bench collective` runs on every link (and np), 1 to 9 (default 1): rounds
#                         spread over the sweep's collectives (each round visits every link, even rounds in
#                         reverse), and the report takes each size's median over the runs. Where ranks share
#                         cores (4 and 8 emulated hosts on 2 cores) one run can catch a state the next does
#                         not; 3 rounds triple the collectives' time. Applies to every sweep
#   --collective-max-mib M  the largest size `bench collective` times, 16 to 1024 MiB (default: the gradient's
#                         size rounded up, at least 16). Larger sizes show where a byte costs more once a
#                         sum outgrows the caches (the cost model's knee needs 4 sizes of 1 MiB and more:
#                         64 gives 1, 4, 16 and 64), for a model bigger than the one swept. Applies to every sweep
#
# What it writes into DIR:
#   runs.jsonl            one line per bench run: {"mode", "round", "launcher", "load", "bench": <bench --json>}
#   collective.jsonl      `mtl-dist bench collective --json` (MPI_Allreduce at 4 KiB-16 MiB, or to the gradient's
#                         size where it is larger (`--max-mib`), the reduce-scatter +
#                         all-gather pair, the non-blocking all-reduce and, on one host, the in-place sum
#                         over shared memory that the dense sum runs there, from 256 KiB) per np > 1
#                         (with --emulate each line also holds "link": the emulated link it ran on)
#   unshaped.jsonl        with --emulate: the same on 2 emulated hosts whose link holds no rate (100gbit): this
#                         machine's own TCP speed; the report marks a rate it cannot hold "CPU-bound"
#   With --emulate, each runs.jsonl line also holds "strategy" and "link" (hosts, ranks_per_host,
#   rate_bits_per_s, oversubscription, the bytes each link carried: emulated-cluster.sh's record),
#   and the report writes projection.json: the cost model's step against the measured one per run.
#   Every runs.jsonl line holds "load": the 1-minute load average at the run's start and end, and
#   "others_running", the median over the run (sampled every 0.2 s from /proc/stat) of the
#   runnable tasks beyond the run's own ranks; the report marks a run where that was 1 or more
#   (something else wanted a core) and a sweep that started with a 1-minute load above its ranks.
#   machine.txt, command.txt, logs/   the machine, the command that reproduces the sweep, each run's stderr
#   results.csv, report.md, scaling.svg, projection.svg   written by `mtl-dist report scaling DIR`
# Rounds alternate the order: ascending np in odd rounds, descending in even ones, so machine noise
# spreads over every np. A run that fails stops the sweep with its log's tail.
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
die() { echo "launch/scaling.sh: $*" >&2; exit 2; }
positive() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 expects a positive integer, got '$2'"; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
original_args=("$@")
force=0
config="" output="" np_list="1,2,4,8" mode="both" steps=20 rounds=3 data_dir="" hostfile="" launcher="mpirun"
blas_threads=1 binary="${MTL_DIST_BINARY:-}"
emulate="" hosts=2 ranks_per_host=1 strategies="dense,touched,overlap,sharded,auto" bucket_mb=4 collective_hosts="2,4,8"
collective_pause=step collective_mib="" collective_rounds=1
np_given=0 mode_given=0
sets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --config)       [ $# -ge 2 ] || die "$1 needs a value"; config=$2; shift 2 ;;
    --output)       [ $# -ge 2 ] || die "$1 needs a value"; output=$2; shift 2 ;;
    --np)           [ $# -ge 2 ] || die "$1 needs a value"; np_list=$2; np_given=1; shift 2 ;;
    --mode)         [ $# -ge 2 ] || die "$1 needs a value"; mode=$2; mode_given=1; shift 2 ;;
    --emulate)      [ $# -ge 2 ] || die "$1 needs a value"; emulate=$2; shift 2 ;;
    --hosts)        [ $# -ge 2 ] || die "$1 needs a value"; positive "$1" "$2"; hosts=$2; shift 2 ;;
    --ranks-per-host) [ $# -ge 2 ] || die "$1 needs a value"; positive "$1" "$2"; ranks_per_host=$2; shift 2 ;;
    --strategies)   [ $# -ge 2 ] || die "$1 needs a value"; strategies=$2; shift 2 ;;
    --bucket-mb)    [ $# -ge 2 ] || die "$1 needs a value"; positive "$1" "$2"; bucket_mb=$2; shift 2 ;;
    --collective-hosts) [ $# -ge 2 ] || die "$1 needs a value"; collective_hosts=$2; shift 2 ;;
    --collective-pause) [ $# -ge 2 ] || die "$1 needs a value"; collective_pause=$2; shift 2 ;;
    --collective-max-mib) [ $# -ge 2 ] || die "$1 needs a value"; collective_mib=$2; shift 2 ;;
    --collective-rounds) [ $# -ge 2 ] || die "$1 needs a value"; collective_rounds=$2; shift 2 ;;
    --steps)        [ $# -ge 2 ] || die "$1 needs a value"; positive "$1" "$2"; steps=$2; shift 2 ;;
    --rounds)       [ $# -ge 2 ] || die "$1 needs a value"; positive "$1" "$2"; rounds=$2; shift 2 ;;
    --data-dir)     [ $# -ge 2 ] || die "$1 needs a value"; data_dir=$2; shift 2 ;;
    --set)          [ $# -ge 2 ] || die "$1 needs a value"; sets+=(--set "$2"); shift 2 ;;
    --blas-threads) [ $# -ge 2 ] || die "$1 needs a value"; positive "$1" "$2"; blas_threads=$2; shift 2 ;;
    --force)        force=1; shift ;;
    --hostfile)     [ $# -ge 2 ] || die "$1 needs a value"; hostfile=$2; shift 2 ;;
    --launcher)     [ $# -ge 2 ] || die "$1 needs a value"; launcher=$2; shift 2 ;;
    --binary)       [ $# -ge 2 ] || die "$1 needs a value"; binary=$2; shift 2 ;;
    -h|--help)      usage; exit 0 ;;
    *)              die "unknown option '$1' (see --help)" ;;
  esac
done

[ -n "$config" ] || die "--config is required: the config whose training step the sweep times, e.g. --config configs/default.yaml"
[ -f "$config" ] || die "--config $config: no such file"
[ -n "$output" ] || die "--output is required: a new or empty folder for the results"
case "$mode" in strong) modes=(strong) ;; weak) modes=(weak) ;; both) modes=(strong weak) ;;
  *) die "--mode expects strong, weak or both, got '$mode'" ;; esac
case "$launcher" in mpirun|srun) ;; *) die "--launcher expects mpirun or srun, got '$launcher'" ;; esac
[ -z "$hostfile" ] || [ "$launcher" = mpirun ] || die "--hostfile goes with --launcher mpirun (srun takes its hosts from SLURM)"
[ -z "$hostfile" ] || [ -f "$hostfile" ] || die "--hostfile $hostfile: no such file"
[ -z "$data_dir" ] || [ -d "$data_dir" ] || die "--data-dir $data_dir: no such folder"
[ -z "$collective_mib" ] || { [[ $collective_mib =~ ^[0-9]{1,4}$ ]] && [ "$collective_mib" -ge 16 ] && [ "$collective_mib" -le 1024 ]; } \
  || die "--collective-max-mib expects 16 to 1024 (MiB), got '$collective_mib'"
[ -z "$collective_mib" ] || collective_mib=$((10#$collective_mib))
[[ $collective_rounds =~ ^0*[1-9]$ ]] || die "--collective-rounds expects 1 to 9 (runs of bench collective on every link), got '$collective_rounds'"
collective_rounds=$((10#$collective_rounds))
[ "$collective_pause" = step ] || { [[ $collective_pause =~ ^[0-9]{1,5}$ ]] && [ "$collective_pause" -le 10000 ]; } \
  || die "--collective-pause expects step or 0 to 10000 milliseconds, got '$collective_pause'"
if [ -n "$emulate" ]; then
  [ "$np_given" -eq 0 ] || die "--np goes without --emulate: an emulated sweep runs np = 1 and np = hosts x ranks-per-host"
  [ "$mode_given" -eq 0 ] || [ "$mode" = weak ] || die "--emulate sweeps weak scaling only (each rank keeps the config's batch, so the np = 1 run is the cost model's compute reference); drop --mode $mode"
  mode=weak modes=(weak)
  [ "$launcher" = mpirun ] && [ -z "$hostfile" ] || die "--emulate runs on this machine's namespaces: drop --launcher srun and --hostfile"
  [ "$hosts" -ge 2 ] || die "--hosts expects at least 2 with --emulate"
  IFS=, read -r -a rates <<< "$emulate"
  for r in "${rates[@]}"; do
    [[ ${r,,} =~ ^[0-9]+(\.[0-9]+)?(kbit|mbit|gbit)$ ]] || die "--emulate expects tc rates such as 100mbit,1gbit,10gbit, got '$r'"
  done
  IFS=, read -r -a strategy_list <<< "$strategies"
  for st in "${strategy_list[@]}"; do
    case "$st" in dense|touched|overlap|sharded|auto) ;; *) die "--strategies expects dense, touched, overlap, sharded and auto, got '$st'" ;; esac
  done
  IFS=, read -r -a collective_list <<< "$collective_hosts"
  for h in "${collective_list[@]}"; do
    [[ $h =~ ^[0-9]+$ ]] && [ "$h" -ge 2 ] && [ "$h" -le 16 ] || die "--collective-hosts expects 2 to 16 hosts each, got '$h'"
  done
  np_list="1,$((hosts * ranks_per_host))"
fi
IFS=, read -r -a nps <<< "$np_list"
[ ${#nps[@]} -gt 0 ] || die "--np expects a comma-separated list of rank counts, e.g. 1,2,4,8"
for n in "${nps[@]}"; do positive "--np" "$n"; done
[[ ",$np_list," == *",1,"* ]] || die "--np $np_list lacks 1: speed-up and the projection are measured against one rank"
# what the machine holds: the hostfile's slots (a line without slots= is one), else 8 x this machine's cores
if [ "$launcher" = mpirun ] && [ "$force" -eq 0 ]; then
  if [ -n "$hostfile" ]; then
    capacity=$(awk '!/^[[:space:]]*(#|$)/ { n = 1; for (i = 2; i <= NF; i++) if ($i ~ /^slots=[0-9]+$/) n = substr($i, 7); s += n } END { print s + 0 }' "$hostfile")
    what="the $capacity slots of $hostfile"
  else
    capacity=$((8 * $(nproc))); what="8 x this machine's $(nproc) cores ($capacity)"
  fi
  for n in "${nps[@]}"; do
    [ "$n" -le "$capacity" ] || die "--np $n is more ranks than $what: such a run times the scheduler, not the exchange; lower --np, add hosts, or pass --force"
  done
fi
if [ -e "$output" ] && [ -n "$(ls -A "$output" 2>/dev/null)" ]; then
  die "--output $output is not empty: give a new folder (an earlier sweep is never overwritten)"
fi

if [ -z "$binary" ]; then
  binary="$repo/.build/release/mtl-dist"
  if [ ! -x "$binary" ]; then
    echo "scaling: building $binary" >&2
    (cd "$repo" && swift build -c release --product mtl-dist) >&2
  fi
fi
[ -x "$binary" ] || die "--binary $binary: not an executable (build it with swift build -c release --product mtl-dist)"

mkdir -p "$output/logs"
output=$(cd "$output" && pwd)

# the command that reproduces this sweep, and the machine it ran on
quote() { if [[ $1 =~ ^[A-Za-z0-9_./=,:@+-]+$ ]]; then printf '%s' "$1"; else printf '%q' "$1"; fi; }
{
  printf 'launch/scaling.sh'
  for word in "${original_args[@]}"; do printf ' '; quote "$word"; done
  echo
} > "$output/command.txt"
{
  echo "date:      $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "host:      $(uname -n) ($(uname -srm))"
  echo "cpu:       $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //') x $(nproc) cores"
  echo "memory:    $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo 2>/dev/null)"
  echo "load:      $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null) (1, 5, 15 min, at the start)"
  echo "mpi:       $( (mpirun --version 2>/dev/null || true) | head -1)"
  echo "blas:      OpenBLAS, OPENBLAS_NUM_THREADS=$blas_threads per rank"
  echo "launcher:  $launcher${hostfile:+ --hostfile $hostfile}${SRUN_OPTIONS:+ ($SRUN_OPTIONS)}"
  [ -z "$emulate" ] || echo "emulated:  $hosts hosts x $ranks_per_host rank(s) at $emulate (launch/emulated-cluster.sh, tbf, 5 ms queue); strategies $strategies"
  echo "nice:      $(nice) (the scheduling priority the sweep ran at)"
  echo "commit:    $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
} > "$output/machine.txt"

# runs `mtl-dist ARGS...` on N ranks with the chosen launcher; stdout is rank 0's
launch() {
  local n=$1; shift
  if [ "$launcher" = srun ]; then
    # shellcheck disable=SC2086
    OPENBLAS_NUM_THREADS=$blas_threads srun --mpi=pmix -n "$n" --cpus-per-task="$blas_threads" ${SRUN_OPTIONS:-} \
      --export=ALL,OPENBLAS_NUM_THREADS="$blas_threads" "$binary" "$@"
  else
    local extra=()
    [ -z "$hostfile" ] || extra=(--hostfile "$hostfile")
    bash "$repo/launch/mpirun.sh" -np "$n" "${extra[@]}" --blas-threads "$blas_threads" --binary "$binary" -- "$@"
  fi
}

# runs one measurement and appends its JSON line (the last line of rank 0's stdout starting with {)
measure() {
  local log=$1 n=$2; shift 2
  local out
  if ! out=$(launch "$n" "$@" 2> "$output/logs/$log.log"); then
    tail -20 "$output/logs/$log.log" >&2
    die "run $log failed (np=$n); its log is $output/logs/$log.log"
  fi
  out=$(printf '%s\n' "$out" | grep '^{' | tail -1)
  [ -n "$out" ] || die "run $log (np=$n) printed no JSON; its log is $output/logs/$log.log"
  printf '%s\n' "$out"
}

bench_args=(bench step --config "$config" --json --steps "$steps" ${data_dir:+--data-dir "$data_dir"} "${sets[@]}")

# the pause before each timed collective (ms): --collective-pause, or the median step of the np = 1
# runs in runs.jsonl (0 without one); noted in machine.txt, which the report shows
collective_pause_ms() {
  local ms=$collective_pause
  if [ "$ms" = step ]; then
    ms=$(grep -E '"np":1[,}]|"world_size":1[,}]' "$output/runs.jsonl" 2>/dev/null \
      | grep -o '"median_step_ms":[0-9.eE+-]*' | cut -d: -f2 | sort -g \
      | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; m = int(m + 0.5); print (m > 10000 ? 10000 : m) } }')
  fi
  echo "collectives: every call of 256 KiB and more after a pause of $ms ms on each rank (--collective-pause $collective_pause)$(
    [ "$collective_rounds" -le 1 ] || echo "; every link timed in $collective_rounds runs (--collective-rounds), each size the median over them")" >> "$output/machine.txt"
  echo "$ms"
}

# the largest size `bench collective` times (MiB): --collective-max-mib, else the gradient's size, rounded
# up, where it is above 16 MiB (the runs in runs.jsonl give it), since a sum of the whole gradient can cost
# more per byte than one of 16 MiB (over TCP on this machine, 128 MiB took 3x a 16 MiB sum's time per byte); at most 1024
collective_max_mib() {
  if [ -n "$collective_mib" ]; then echo "$collective_mib"; return; fi
  grep -o '"gradient_bytes":[0-9]*' "$output/runs.jsonl" 2>/dev/null | cut -d: -f2 | sort -n | tail -1 \
    | awk '{ m = int(($1 + 1048575) / 1048576) } END { if (m < 16) m = 16; if (m > 1024) m = 1024; print m }'
}

# the configuration overrides of an exchange strategy
strategy_sets() {
  case "$1" in
    dense)   echo "--set training.exchange=dense" ;;
    touched) echo "--set training.sparse_allreduce=true" ;;
    overlap) echo "--set training.allreduce_bucket_mb=$bucket_mb --set training.overlap_allreduce=true" ;;
    sharded) echo "--set training.sharded_update=true" ;;
    auto)    echo "--set training.exchange=auto" ;;
  esac
}

# a collective run's log name: NAME, or NAME-runK where the sweep times every link several times
collective_log() { if [ "$collective_rounds" -gt 1 ]; then echo "$1-run$2"; else echo "$1"; fi; }
collective_round_note() { [ "$collective_rounds" -le 1 ] || echo " (run $1/$collective_rounds)"; }

# the machine's load around a run: `sample_load_start` before it, `sample_load_end RANKS` after it
# prints {"start_1min", "end_1min", "others_running"}; others_running is the median of
# /proc/stat's procs_running, sampled every 0.2 s during the run, less the run's ranks and the
# sampling shell itself (a busy-polling MPI rank is always runnable, so the ranks count fully)
load_sampler=""
sample_load_start() {
  load_start=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)
  : > "$output/logs/.running"
  ( trap 'exit 0' TERM
    while :; do
      while read -r key value; do [ "$key" = procs_running ] && echo "$value" && break; done < /proc/stat
      sleep 0.2
    done >> "$output/logs/.running" ) &
  load_sampler=$!
}
sample_load_end() {
  local ranks=$1
  kill "$load_sampler" 2>/dev/null || true
  wait "$load_sampler" 2>/dev/null || true
  load_sampler=""
  local end others
  end=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)
  others=$(sort -n "$output/logs/.running" | awk -v r="$ranks" '{ v[NR] = $1 } END { if (NR == 0) { print 0; exit }
    m = v[int((NR + 1) / 2)] - r - 1; if (m < 0) m = 0; print m }')
  printf '{"start_1min":%s,"end_1min":%s,"others_running":%s}' "$load_start" "$end" "$others"
}
stop_load_sampler() { [ -z "$load_sampler" ] || kill "$load_sampler" 2>/dev/null || true; }
trap stop_load_sampler EXIT

# runs `mtl-dist ARGS...` on the emulated cluster (rate $1, $2 hosts, $3 ranks each); prints its JSON
# line, and leaves the link record in $output/logs/$log.link.json
measure_emulated() {
  local log=$1 rate=$2 h=$3 r=$4; shift 4
  local out status=0
  out=$(bash "$repo/launch/emulated-cluster.sh" --hosts "$h" --ranks-per-host "$r" --rate "$rate" \
          --blas-threads "$blas_threads" --binary "$binary" --record "$output/logs/$log.link.json" \
          -- "$@" 2> "$output/logs/$log.log") || status=$?
  if [ "$status" -eq 77 ]; then
    tail -1 "$output/logs/$log.log" >&2
    echo "launch/scaling.sh: --emulate needs what launch/emulated-cluster.sh needs (above)" >&2
    exit 77
  fi
  if [ "$status" -ne 0 ]; then
    tail -20 "$output/logs/$log.log" >&2
    die "run $log failed (status $status, $h emulated hosts at $rate); its log is $output/logs/$log.log"
  fi
  out=$(printf '%s\n' "$out" | grep '^{' | tail -1)
  [ -n "$out" ] || die "run $log printed no JSON; its log is $output/logs/$log.log"
  printf '%s\n' "$out"
}

if [ -n "$emulate" ]; then
  n=$((hosts * ranks_per_host))
  shm_link() { printf '{"hosts":1,"ranks_per_host":%d,"np":%d,"rate":"shm","rate_bits_per_s":0,"oversubscription":%s}' \
    "$1" "$1" "$(awk -v n="$1" -v k="$blas_threads" -v c="$(nproc)" 'BEGIN { f = n * k / c; if (f < 1) f = 1; printf "%.2f", f }')"; }
  # every (link, strategy) of a round; np = 1 once (it has no exchange)
  configurations=("1 shm dense")
  for st in "${strategy_list[@]}"; do configurations+=("$n shm $st"); done
  for rate in "${rates[@]}"; do for st in "${strategy_list[@]}"; do configurations+=("$n $rate $st"); done; done
  for ((round = 1; round <= rounds; round++)); do
    order=("${configurations[@]}")
    if ((round % 2 == 0)); then mapfile -t order < <(printf '%s\n' "${configurations[@]}" | tac); fi
    for c in "${order[@]}"; do
      read -r cn rate st <<< "$c"
      # shellcheck disable=SC2046
      args=("${bench_args[@]}" --weak $(strategy_sets "$st"))
      log="weak-np$cn-$rate-$st-round$round"
      echo "scaling: round $round/$rounds, np=$cn, link $rate, $st" >&2
      sample_load_start
      if [ "$rate" = shm ]; then
        json=$(measure "$log" "$cn" "${args[@]}")
        link=$(shm_link "$cn")
        launched=mpirun
      else
        json=$(measure_emulated "$log" "$rate" "$hosts" "$ranks_per_host" "${args[@]}")
        link=$(cat "$output/logs/$log.link.json")
        launched=emulated
      fi
      sample_load_end "$cn" > "$output/logs/.load"; load=$(cat "$output/logs/.load")
      printf '{"mode":"weak","round":%d,"launcher":"%s","strategy":"%s","link":%s,"load":%s,"bench":%s}\n' \
        "$round" "$launched" "$st" "$link" "$load" "$json" >> "$output/runs.jsonl"
    done
  done
  # the two levels of the cost model: shared memory on one host, and each emulated link
  pause=$(collective_pause_ms)
  mib=$(collective_max_mib)
  # every link in each round, even rounds in reverse, so that a state of the machine takes one run of several links
  # rather than every run of one
  links=(shm)
  for rate in "${rates[@]}"; do for h in "${collective_list[@]}"; do links+=("$h@$rate"); done; done
  for ((cr = 1; cr <= collective_rounds; cr++)); do
    order=("${links[@]}")
    if ((cr % 2 == 0)); then mapfile -t order < <(printf '%s\n' "${links[@]}" | tac); fi
    for l in "${order[@]}"; do
      if [ "$l" = shm ]; then
        log=$(collective_log "allreduce-np2-shm" "$cr")
        echo "scaling: collectives at 4 KiB-$mib MiB, np=2, shared memory, $pause ms before each call of 256 KiB and more$(collective_round_note "$cr")" >&2
        json=$(measure "$log" 2 bench collective --json --pause-ms "$pause" --max-mib "$mib")
        printf '{"link":%s,%s\n' "$(shm_link 2)" "${json#\{}" >> "$output/collective.jsonl"
      else
        h=${l%@*} rate=${l#*@}
        log=$(collective_log "allreduce-h$h-$rate" "$cr")
        echo "scaling: collectives at 4 KiB-$mib MiB, $h emulated hosts at $rate$(collective_round_note "$cr")" >&2
        json=$(measure_emulated "$log" "$rate" "$h" 1 bench collective --json --pause-ms "$pause" --max-mib "$mib")
        printf '{"link":%s,%s\n' "$(cat "$output/logs/$log.link.json")" "${json#\{}" >> "$output/collective.jsonl"
      fi
    done
  done
  # the machine's own TCP speed: 2 hosts, the link holding no rate (100gbit is far above what 2 cores move);
  # the report marks the emulated rates it cannot hold
  echo "scaling: collectives at 4 KiB-$mib MiB, 2 emulated hosts, the link unshaped (this machine's own TCP speed)" >&2
  json=$(measure_emulated "allreduce-h2-unshaped" 100gbit 2 1 bench collective --json --pause-ms "$pause" --max-mib "$mib")
  printf '{"link":%s,%s\n' "$(cat "$output/logs/allreduce-h2-unshaped.link.json")" "${json#\{}" > "$output/unshaped.jsonl.tmp"
  mv -f "$output/unshaped.jsonl.tmp" "$output/unshaped.jsonl"
  "$binary" report scaling "$output"
  exit 0
fi

for ((round = 1; round <= rounds; round++)); do
  order=("${nps[@]}")
  if ((round % 2 == 0)); then order=($(printf '%s\n' "${nps[@]}" | tac)); fi
  for n in "${order[@]}"; do
    for m in "${modes[@]}"; do
      weak=()
      [ "$m" = weak ] && weak=(--weak)
      echo "scaling: round $round/$rounds, $m, np=$n" >&2
      sample_load_start
      json=$(measure "$m-np$n-round$round" "$n" "${bench_args[@]}" "${weak[@]}")
      sample_load_end "$n" > "$output/logs/.load"; load=$(cat "$output/logs/.load")
      printf '{"mode":"%s","round":%d,"launcher":"%s","load":%s,"bench":%s}\n' "$m" "$round" "$launcher" "$load" "$json" >> "$output/runs.jsonl"
    done
  done
done

pause=$(collective_pause_ms)
mib=$(collective_max_mib)
for ((cr = 1; cr <= collective_rounds; cr++)); do
  order=("${nps[@]}")
  if ((cr % 2 == 0)); then order=($(printf '%s\n' "${nps[@]}" | tac)); fi
  for n in "${order[@]}"; do
    [ "$n" -gt 1 ] || continue
    echo "scaling: collectives at 4 KiB-$mib MiB, np=$n, $pause ms before each call of 256 KiB and more$(collective_round_note "$cr")" >&2
    measure "$(collective_log "allreduce-np$n" "$cr")" "$n" bench collective --json --pause-ms "$pause" --max-mib "$mib" >> "$output/collective.jsonl"
  done
done

"$binary" report scaling "$output"

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
#   -h, --help            this text
#
# What it writes into DIR:
#   runs.jsonl            one line per bench run: {"mode", "round", "launcher", "bench": <bench --json>}
#   collective.jsonl      `mtl-dist bench collective --json` (MPI_Allreduce at 4 KiB-16 MiB) per np > 1
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
config="" output="" np_list="1,2,4,8" mode="both" steps=20 rounds=3 data_dir="" hostfile="" launcher="mpirun"
blas_threads=1 binary="${MTL_DIST_BINARY:-}"
sets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --config)       [ $# -ge 2 ] || die "$1 needs a value"; config=$2; shift 2 ;;
    --output)       [ $# -ge 2 ] || die "$1 needs a value"; output=$2; shift 2 ;;
    --np)           [ $# -ge 2 ] || die "$1 needs a value"; np_list=$2; shift 2 ;;
    --mode)         [ $# -ge 2 ] || die "$1 needs a value"; mode=$2; shift 2 ;;
    --steps)        [ $# -ge 2 ] || die "$1 needs a value"; positive "$1" "$2"; steps=$2; shift 2 ;;
    --rounds)       [ $# -ge 2 ] || die "$1 needs a value"; positive "$1" "$2"; rounds=$2; shift 2 ;;
    --data-dir)     [ $# -ge 2 ] || die "$1 needs a value"; data_dir=$2; shift 2 ;;
    --set)          [ $# -ge 2 ] || die "$1 needs a value"; sets+=(--set "$2"); shift 2 ;;
    --blas-threads) [ $# -ge 2 ] || die "$1 needs a value"; positive "$1" "$2"; blas_threads=$2; shift 2 ;;
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
IFS=, read -r -a nps <<< "$np_list"
[ ${#nps[@]} -gt 0 ] || die "--np expects a comma-separated list of rank counts, e.g. 1,2,4,8"
for n in "${nps[@]}"; do positive "--np" "$n"; done
[[ ",$np_list," == *",1,"* ]] || die "--np $np_list lacks 1: speed-up and the projection are measured against one rank"
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
for ((round = 1; round <= rounds; round++)); do
  order=("${nps[@]}")
  if ((round % 2 == 0)); then order=($(printf '%s\n' "${nps[@]}" | tac)); fi
  for n in "${order[@]}"; do
    for m in "${modes[@]}"; do
      weak=()
      [ "$m" = weak ] && weak=(--weak)
      echo "scaling: round $round/$rounds, $m, np=$n" >&2
      json=$(measure "$m-np$n-round$round" "$n" "${bench_args[@]}" "${weak[@]}")
      printf '{"mode":"%s","round":%d,"launcher":"%s","bench":%s}\n' "$m" "$round" "$launcher" "$json" >> "$output/runs.jsonl"
    done
  done
done

for n in "${nps[@]}"; do
  [ "$n" -gt 1 ] || continue
  echo "scaling: MPI_Allreduce at 4 KiB-16 MiB, np=$n" >&2
  measure "allreduce-np$n" "$n" bench collective --json >> "$output/collective.jsonl"
done

"$binary" report scaling "$output"

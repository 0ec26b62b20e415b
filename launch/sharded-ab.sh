#!/usr/bin/env bash
# launch/sharded-ab.sh: the replicated update against the sharded one (training.sharded_update), timed
# with `mtl-dist bench step` in one sitting, runs alternating, with np=1 as the baseline.
#
#   launch/sharded-ab.sh --output FILE.jsonl [options]
#
#   launch/sharded-ab.sh --config configs/conll03-ner-pos.yaml --data-dir /work/shared/data --output ab.jsonl
#   launch/sharded-ab.sh --config configs/default.yaml --steps 3 --rounds 1 --output /tmp/ab.jsonl   # a quick look
#
# Options:
#   --config FILE     the config whose step is timed (default configs/conll03-ner-pos.yaml)
#   --data-dir D      passed to bench: the folder relative corpus paths resolve against
#   --np N            ranks of the two compared runs (default 2)
#   --mode M          strong, weak or both (default both; see launch/scaling.sh)
#   --steps S         timed steps per run (default 40; 3 untimed warm-up steps come first)
#   --rounds R        rounds of [np=1, np=N replicated, np=N sharded], every other round reversed (default 3)
#   --set KEY=VALUE   passed to bench (repeatable)
#   --binary PATH     the mtl-dist to run (default $MTL_DIST_BINARY, else .build/release/mtl-dist)
#   -h, --help        this text
#
# Every run goes through launch/mpirun.sh with one BLAS thread per rank, each rank bound to a core
# (`mpirun -np N --bind-to core -x OPENBLAS_NUM_THREADS=1`). FILE.jsonl gets one line per run,
# {"mode", "variant", "round", "load", "bench": <bench --json>}, where load is the 1-minute load
# average before the run; at the end a Markdown table of the medians per mode and variant goes to
# stdout: sentences/s, ratio to np=1, step, forward, backward, communication (all-reduce, or
# reduce-scatter + norm sum + all-gather), of it the all-gather, update, peak RSS.
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
die() { echo "launch/sharded-ab.sh: $*" >&2; exit 2; }
positive() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 expects a positive integer, got '$2'"; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
config="$repo/configs/conll03-ner-pos.yaml" data_dir="" np=2 mode=both steps=40 rounds=3 output=""
binary="${MTL_DIST_BINARY:-$repo/.build/release/mtl-dist}"
sets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --config)   [ $# -ge 2 ] || die "$1 needs a value"; config=$2; shift 2 ;;
    --data-dir) [ $# -ge 2 ] || die "$1 needs a value"; data_dir=$2; shift 2 ;;
    --np)       [ $# -ge 2 ] || die "$1 needs a value"; positive "$1" "$2"; np=$2; shift 2 ;;
    --mode)     [ $# -ge 2 ] || die "$1 needs a value"; mode=$2; shift 2 ;;
    --steps)    [ $# -ge 2 ] || die "$1 needs a value"; positive "$1" "$2"; steps=$2; shift 2 ;;
    --rounds)   [ $# -ge 2 ] || die "$1 needs a value"; positive "$1" "$2"; rounds=$2; shift 2 ;;
    --set)      [ $# -ge 2 ] || die "$1 needs a value"; sets+=(--set "$2"); shift 2 ;;
    --binary)   [ $# -ge 2 ] || die "$1 needs a value"; binary=$2; shift 2 ;;
    --output)   [ $# -ge 2 ] || die "$1 needs a value"; output=$2; shift 2 ;;
    -h|--help)  usage; exit 0 ;;
    *)          die "unknown option '$1' (see --help)" ;;
  esac
done
[ -f "$config" ] || die "--config $config: no such file"
[ -n "$output" ] || die "--output is required: a new file for the JSON lines"
[ ! -e "$output" ] || die "--output $output exists: give a new file (earlier measurements are never overwritten)"
[ -z "$data_dir" ] || [ -d "$data_dir" ] || die "--data-dir $data_dir: no such folder"
[ "$np" -gt 1 ] || die "--np must be at least 2: np=1 is the baseline every round runs anyway"
case "$mode" in strong) modes=(strong) ;; weak) modes=(weak) ;; both) modes=(strong weak) ;;
  *) die "--mode expects strong, weak or both, got '$mode'" ;; esac
[ -x "$binary" ] || die "--binary $binary: not an executable (build it with swift build -c release --product mtl-dist)"
command -v jq > /dev/null || die "jq is needed for the table of medians (apt-get install jq)"

# one bench run: variant "np1", "replicated" or "sharded"; appends its JSON line
run() {
  local m=$1 variant=$2 round=$3 n=$np sharded=false weak=() out load
  [ "$variant" = np1 ] && n=1
  [ "$variant" = sharded ] && sharded=true
  [ "$m" = weak ] && weak=(--weak)
  load=$(cut -d' ' -f1 /proc/loadavg)
  echo "sharded-ab: round $round/$rounds, $m, $variant (np=$n), load $load" >&2
  out=$(bash "$repo/launch/mpirun.sh" -np "$n" --blas-threads 1 --binary "$binary" -- \
        bench step --config "$config" ${data_dir:+--data-dir "$data_dir"} --steps "$steps" --json "${weak[@]}" \
        "${sets[@]}" --set "training.sharded_update=$sharded" | grep '^{' | tail -1)
  [ -n "$out" ] || die "$m $variant (np=$n) printed no JSON"
  printf '{"mode":"%s","variant":"%s","round":%d,"load":%s,"bench":%s}\n' "$m" "$variant" "$round" "$load" "$out" >> "$output"
}

for ((round = 1; round <= rounds; round++)); do
  variants=(np1 replicated sharded)
  ((round % 2 == 1)) || variants=(sharded replicated np1)
  for m in "${modes[@]}"; do
    for v in "${variants[@]}"; do run "$m" "$v" "$round"; done
  done
done

# medians per (mode, variant); the ratio is against np=1's median sentences/s of the same mode
jq -rs '
  def median: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  def f(d): . * pow(10; d) | round / pow(10; d);
  (map(select(.variant == "np1")) | group_by(.mode) | map({key: .[0].mode, value: (map(.bench.sentences_per_s) | median)}) | from_entries) as $base
  | "| mode | variant | runs | sentences/s | vs np=1 | step ms | forward | backward | communication | of it all-gather | update | peak RSS MiB | load |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    (group_by([.mode, .variant])[] | . as $g | ($g | map(.bench)) as $b
     | "| \($g[0].mode) | \($g[0].variant) (np=\($b[0].world_size)) | \($g | length) | \($b | map(.sentences_per_s) | median | f(0)) | \((($b | map(.sentences_per_s) | median) / $base[$g[0].mode]) | f(2))x | \($b | map(.median_step_ms) | median | f(1)) | \($b | map(.median_forward_ms) | median | f(1)) | \($b | map(.median_backward_ms) | median | f(1)) | \($b | map(.median_allreduce_ms + .median_allreduce_in_backward_ms) | median | f(1)) | \($b | map(.median_allgather_ms // 0) | median | f(1)) | \($b | map(.median_update_ms) | median | f(1)) | \($b | map(.peak_rss_mib_per_rank | max) | median | f(0)) | \($g | map(.load) | min)-\($g | map(.load) | max) |")
' "$output"

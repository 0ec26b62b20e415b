#!/usr/bin/env bash
# launch/mpirun.sh: runs mtl-dist under OpenMPI's mpirun with BLAS threads and binding chosen for
# the machine.
#
#   launch/mpirun.sh -np N [wrapper options] [MPIRUN-OPTION... --] MTL-DIST-ARG...
#
#   launch/mpirun.sh -np 2 train --set training.max_steps=30
#   launch/mpirun.sh -np 8 --hostfile launch/hostfile.example train --config configs/default.yaml
#   launch/mpirun.sh -np 4 --mca btl tcp,self -- train        # extra mpirun options end with --
#   launch/mpirun.sh -np 4 --dry-run train                    # print the mpirun command, run nothing
#
# Wrapper options (before anything else; -np is required):
#   -np N, -n N             number of ranks
#   --hostfile FILE         OpenMPI hostfile (see launch/hostfile.example); passed on to mpirun and
#                           read to count the ranks per node
#   --cores-per-node K      cores on every node (default: `nproc` on this machine, so the nodes are
#                           assumed to be alike)
#   --ranks-per-node K      ranks on the busiest node, when the estimate below is wrong for a mapping
#   --blas-threads K        OPENBLAS_NUM_THREADS for every rank (default: see below)
#   --binary PATH           the mtl-dist to run (default: $MTL_DIST_BINARY, else
#                           <repo>/.build/release/mtl-dist, built with `swift build -c release` when missing)
#   --build                 run `swift build -c release --product mtl-dist` first even when the binary exists
#   --dry-run               print the mpirun command line on stdout and exit (never builds, never runs)
#   -h, --help              this text
# After the wrapper options come mpirun's own options, ended by `--`, when there are any; without a
# `--` every remaining argument goes to mtl-dist. (If mtl-dist's arguments contain `--` themselves,
# write an empty mpirun section: `-np 2 -- train ...`.) `MPIRUN` names another mpirun executable.
#
# What the wrapper decides:
#   ranks per node R    N on a single host (no hostfile). With a hostfile: OpenMPI's default
#                       by-slot mapping (fill each host's slots in file order; a host without
#                       slots= has --cores-per-node slots), or round-robin with `--map-by node`;
#                       ranks beyond all slots are spread round-robin. --ranks-per-node overrides.
#   OPENBLAS_NUM_THREADS  max(1, cores ÷ R), exported to every rank with `-x` (an exported value in
#                       the caller's environment is replaced; use --blas-threads to choose)
#   MTL_DIST_OPENMPI_DEFAULTS, MTL_DIST_PROGRESS_THREAD  when set in the caller's environment,
#                       exported to every rank with `-x` (ranks on other hosts do not inherit it)
#   --bind-to none      when a rank gets more than one BLAS thread (its threads may use the other
#                       cores), or when R > cores (binding more ranks than cores is an error);
#   --bind-to core      otherwise. A --bind-to among the mpirun options wins and the wrapper adds none.
#   --allow-run-as-root when run as uid 0 (containers)
#   --oversubscribe     without a hostfile when R > cores (on a single host: N > cores); with a
#                       hostfile whose slots are too few the wrapper only warns (add
#                       --oversubscribe yourself if that is meant)
# The decisions are printed on stderr ("launch: ..."), then the command; the wrapper execs mpirun.
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
die() { echo "launch/mpirun.sh: $*" >&2; exit 2; }
note() { echo "launch: $*" >&2; }
positive() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 expects a positive integer, got '$2'"; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
np="" hostfile="" cores="" ranks_per_node="" blas_threads="" binary="${MTL_DIST_BINARY:-}"
build=0 dry_run=0 pass_hostfile=0

while [ $# -gt 0 ]; do
  case "$1" in
    -np|-n|--np)           [ $# -ge 2 ] || die "$1 needs a value"; positive "$1" "$2"; np=$2; shift 2 ;;
    --hostfile|-hostfile|--machinefile|-machinefile)
                           [ $# -ge 2 ] || die "$1 needs a value"; hostfile=$2; pass_hostfile=1; shift 2 ;;
    --cores-per-node)      [ $# -ge 2 ] || die "$1 needs a value"; positive "$1" "$2"; cores=$2; shift 2 ;;
    --ranks-per-node)      [ $# -ge 2 ] || die "$1 needs a value"; positive "$1" "$2"; ranks_per_node=$2; shift 2 ;;
    --blas-threads)        [ $# -ge 2 ] || die "$1 needs a value"; positive "$1" "$2"; blas_threads=$2; shift 2 ;;
    --binary)              [ $# -ge 2 ] || die "$1 needs a value"; binary=$2; shift 2 ;;
    --build)               build=1; shift ;;
    --dry-run)             dry_run=1; shift ;;
    -h|--help)             usage; exit 0 ;;
    *)                     break ;;
  esac
done
[ -n "$np" ] || die "-np N is required (see --help)"

# mpirun options: everything up to the first `--`, when there is one
mpirun_options=()
for arg in "$@"; do
  if [ "$arg" = "--" ]; then
    while [ "$1" != "--" ]; do mpirun_options+=("$1"); shift; done
    shift
    break
  fi
done
[ $# -gt 0 ] || die "no mtl-dist arguments (e.g. 'train'); see --help"
case "$1" in
  -h|--help|--version) ;;
  -*) die "'$1' is not a wrapper option nor an mtl-dist command; end mpirun options with -- (see --help)" ;;
esac

user_binds=0 user_oversubscribes=0 map_by_node=0
for ((i = 0; i < ${#mpirun_options[@]}; i++)); do
  option=${mpirun_options[i]}
  next=${mpirun_options[i+1]:-}
  case "$option" in
    -np|-n|--np|-c) die "give -np before the mpirun options (it sets the BLAS threads)" ;;
    --hostfile|-hostfile|--machinefile|-machinefile)
      [ -z "$hostfile" ] || die "two hostfiles: '$hostfile' and '$next'"
      hostfile=$next ;;
    --bind-to|-bind-to) user_binds=1 ;;
    --oversubscribe|-oversubscribe) user_oversubscribes=1 ;;
    --map-by|-map-by) [[ $next == node* ]] && map_by_node=1 ;;
  esac
done

[ -n "$cores" ] || cores=$(nproc)

# Ranks on the busiest node: simulate OpenMPI's default mapping over the hostfile's slots.
hosts_in_file=0 total_slots=0
if [ -n "$hostfile" ]; then
  [ -r "$hostfile" ] || die "cannot read hostfile '$hostfile'"
  declare -A slots_of=()
  names=()
  while read -r name rest; do
    case "$name" in ''|'#'*) continue ;; esac
    slots="" max_slots=""
    for field in $rest; do
      case "$field" in
        '#'*) break ;;
        slots=*) slots=${field#slots=} ;;
        max_slots=*|max-slots=*) max_slots=${field#max*slots=} ;;
      esac
    done
    [ -n "$slots" ] || slots=${max_slots:-$cores}
    [[ $slots =~ ^[0-9]+$ ]] || die "$hostfile: host '$name': slots must be a number, found '$slots'"
    # a host listed twice adds its slots, as in OpenMPI
    if [ -z "${slots_of[$name]+set}" ]; then names+=("$name"); slots_of[$name]=0; fi
    slots_of[$name]=$((slots_of[$name] + slots))
  done < "$hostfile"
  hosts_in_file=${#names[@]}
  [ "$hosts_in_file" -gt 0 ] || die "$hostfile names no host"
  placed=()
  for name in "${names[@]}"; do placed+=(0); total_slots=$((total_slots + slots_of[$name])); done
  left=$np
  if [ "$map_by_node" -eq 1 ]; then
    while [ "$left" -gt 0 ] && [ "$left" -gt $((np - total_slots)) ]; do
      for ((h = 0; h < hosts_in_file && left > 0; h++)); do
        if [ "${placed[h]}" -lt "${slots_of[${names[h]}]}" ]; then placed[h]=$((placed[h] + 1)); left=$((left - 1)); fi
      done
    done
  else
    for ((h = 0; h < hosts_in_file; h++)); do
      take=${slots_of[${names[h]}]}
      [ "$take" -le "$left" ] || take=$left
      placed[h]=$take; left=$((left - take))
    done
  fi
  for ((h = 0; left > 0; h = (h + 1) % hosts_in_file)); do placed[h]=$((placed[h] + 1)); left=$((left - 1)); done
  estimate=0
  for count in "${placed[@]}"; do [ "$count" -le "$estimate" ] || estimate=$count; done
  if [ "$np" -gt "$total_slots" ] && [ "$user_oversubscribes" -eq 0 ]; then
    note "warning: $np ranks but $hostfile offers $total_slots slots; mpirun will refuse unless you add --oversubscribe to the mpirun options"
  fi
else
  estimate=$np
fi
[ -n "$ranks_per_node" ] || ranks_per_node=$estimate

if [ -z "$blas_threads" ]; then
  blas_threads=$((cores / ranks_per_node))
  [ "$blas_threads" -ge 1 ] || blas_threads=1
fi
if [ -n "${OPENBLAS_NUM_THREADS:-}" ] && [ "$OPENBLAS_NUM_THREADS" != "$blas_threads" ]; then
  note "OPENBLAS_NUM_THREADS=$OPENBLAS_NUM_THREADS in the environment is replaced by $blas_threads (use --blas-threads to choose)"
fi
export OPENBLAS_NUM_THREADS=$blas_threads

flags=()
binding="chosen by the mpirun options"
if [ "$user_binds" -eq 0 ]; then
  if [ "$blas_threads" -gt 1 ]; then binding=none; reason="$blas_threads BLAS threads per rank"
  elif [ "$ranks_per_node" -gt "$cores" ]; then binding=none; reason="more ranks than cores on a node"
  else binding=core; reason="one BLAS thread per rank"
  fi
  flags+=(--bind-to "$binding")
  binding="$binding ($reason)"
fi
[ "$(id -u)" -ne 0 ] || flags+=(--allow-run-as-root)
if [ -z "$hostfile" ] && [ "$ranks_per_node" -gt "$cores" ] && [ "$user_oversubscribes" -eq 0 ]; then
  flags+=(--oversubscribe)
fi
[ "$pass_hostfile" -eq 0 ] || flags+=(--hostfile "$hostfile")
flags+=(-x "OPENBLAS_NUM_THREADS=$blas_threads")
# the switches ranks read from their environment (README.md): a remote rank sees
# only what mpirun exports
for name in MTL_DIST_OPENMPI_DEFAULTS MTL_DIST_PROGRESS_THREAD; do
  [ -z "${!name+set}" ] || flags+=(-x "$name=${!name}")
done

# the binary: an absolute path, since remote nodes start it from the same path
default_binary="$repo/.build/release/mtl-dist"
[ -n "$binary" ] || binary=$default_binary
case "$binary" in /*) ;; *) binary="$PWD/$binary" ;; esac
if [ "$binary" != "$default_binary" ]; then
  [ "$build" -eq 0 ] || die "--build builds $default_binary; drop --binary (or MTL_DIST_BINARY) to use it"
  [ -x "$binary" ] || [ "$dry_run" -eq 1 ] || die "no executable mtl-dist at '$binary'"
elif [ "$build" -eq 1 ] || [ ! -x "$binary" ]; then
  if [ "$dry_run" -eq 1 ]; then
    note "a real run builds $binary first"
  else
    command -v swift >/dev/null || die "no mtl-dist at '$binary' and no swift to build it; build it elsewhere and pass --binary"
    note "building: swift build -c release --product mtl-dist (in $repo)"
    (cd "$repo" && swift build -c release --product mtl-dist >&2) || die "the build failed"
  fi
fi

command=("${MPIRUN:-mpirun}" -np "$np" "${flags[@]}" "${mpirun_options[@]}" "$binary" "$@")
note "np $np, ranks per node $ranks_per_node${hostfile:+ (from $hostfile)}, cores per node $cores: OPENBLAS_NUM_THREADS=$blas_threads, binding $binding"
if [ "$dry_run" -eq 1 ]; then
  printf '%q ' "${command[@]}" | sed 's/ $//'
  echo
  exit 0
fi
note "$(printf '%q ' "${command[@]}" | sed 's/ $//')"
exec "${command[@]}"

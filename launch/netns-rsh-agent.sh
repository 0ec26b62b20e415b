#!/bin/sh
# launch/netns-rsh-agent.sh: the "remote shell" launch/two-hosts-netns.sh gives mpirun
# (`--mca plm_rsh_agent`), so that a "host" is a Linux network namespace on this machine.
#
# mpirun calls its rsh agent like ssh: `AGENT HOST COMMAND...`, where COMMAND is shell text (orted
# and its options, quoted for a remote shell). This agent runs that text with /bin/sh inside the
# network namespace that owns HOST's address instead of logging in anywhere.
#
# Environment (set by launch/two-hosts-netns.sh):
#   MTL_NETNS_HOSTS       "ADDRESS=NAMESPACE ..." e.g. "10.77.0.1=mtl-dist-h1 10.77.0.2=mtl-dist-h2"
#   MTL_NETNS_TMPDIR      optional: each namespace gets TMPDIR=$MTL_NETNS_TMPDIR/NAMESPACE, as
#                         separate hosts have separate /tmp (OpenMPI's session directories live there)
#   MTL_NETNS_AGENT_LOG   optional: a file that gets one line per launch
#   MTL_NETNS_UTS         optional: 1 runs the command in a new UTS namespace whose host name is
#                         NAMESPACE (launch/emulated-cluster.sh), so each "host" has its own name
set -eu
[ $# -ge 2 ] || { echo "netns-rsh-agent: usage: $0 HOST COMMAND..." >&2; exit 2; }
host=$1
shift
namespace=""
for pair in ${MTL_NETNS_HOSTS:-}; do
  [ "${pair%%=*}" = "$host" ] && namespace=${pair#*=}
done
[ -n "$namespace" ] || { echo "netns-rsh-agent: host '$host' is not in MTL_NETNS_HOSTS='${MTL_NETNS_HOSTS:-}'" >&2; exit 255; }
if [ -n "${MTL_NETNS_AGENT_LOG:-}" ]; then
  echo "$host -> ip netns exec $namespace: $*" >> "$MTL_NETNS_AGENT_LOG"
fi
if [ -n "${MTL_NETNS_TMPDIR:-}" ]; then
  mkdir -p "$MTL_NETNS_TMPDIR/$namespace"
  export TMPDIR="$MTL_NETNS_TMPDIR/$namespace"
fi
if [ "${MTL_NETNS_UTS:-0}" = 1 ]; then
  # shellcheck disable=SC2016
  exec ip netns exec "$namespace" unshare --uts /bin/sh -c 'hostname "$1" && exec /bin/sh -c "$2"' sh "$namespace" "$*"
fi
exec ip netns exec "$namespace" /bin/sh -c "$*"

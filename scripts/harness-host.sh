#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# harness-host.sh [NODES] - `dsm_harness`, the test of the multi-node
# selftest harness itself (selftests/dsm/dsm_test.h, dsm_sync.h), run on
# the host: NODES (default 3) processes that play nodes 0 to NODES-1 and
# meet on 127.0.0.1 (VCLUSTER_NET=127.0.0), as the guests of a virtual
# cluster meet on the switch. The harness is plain TCP and timing: it
# needs neither dsm.ko nor a guest, and its two minutes are deliberate
# sync timeouts, so make check runs it here, beside the virtual-cluster
# stages, instead of in a cluster of its own (Documentation/testing.md).
#
# Needs `make tools` (the programs in $BUILD/guest/usr/lib/dsm/selftests).
# Prints each node's TAP output, every line tagged [host nodeI]; the exit
# status is non-zero if any node's run failed. The ports are the first
# free pair from 17990 up, so that two runs on one machine do not meet.
# Every process it starts is killed by PID at the end, also on failure.
set -uo pipefail

SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${BUILD:-$SRCDIR/build}
nodes=${1:-3}
dir=$BUILD/guest/usr/lib/dsm/selftests
case "$nodes" in
[2-8]) ;;
*) echo "harness-host.sh: NODES is 2 to 8, not '$nodes'" >&2; exit 2 ;;
esac
for f in dsm_harness dsm_harness_child; do
	[ -x "$dir/$f" ] || { echo "harness-host.sh: $dir/$f missing: run make tools" >&2; exit 2; }
done
# The first port P from 17990 with P and P + 1 (the child's) both free.
port_taken() {
	grep -q . < <(ss -Htln "sport = :$1")
}
port=17990
while port_taken "$port" || port_taken $((port + 1)); do
	port=$((port + 2))
	[ "$port" -lt 18990 ] || { echo "harness-host.sh: no free port pair in 17990-18989" >&2; exit 1; }
done

out=$BUILD/results/harness-host/$port
mkdir -p "$out"
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		# Each node runs in a session of its own: its child run too.
		kill -KILL -- "-$p" 2>/dev/null
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for ((i = 0; i < nodes; i++)); do
	DSM_NODE_ID=$i DSM_NODES=$nodes VCLUSTER_NET=127.0.0 \
		DSM_TEST_SYNC_PORT=$port \
		setsid "$dir/dsm_harness" > "$out/node$i.out" 2>&1 &
	pids+=($!)
	echo "$!" > "$out/node$i.pid"
done
status=0
for ((i = 0; i < nodes; i++)); do
	wait "${pids[$i]}"
	rc=$?
	sed "s/\$/ [host node$i]/" "$out/node$i.out"
	[ "$rc" -eq 0 ] && continue
	status=1
	grep -q '^not ok ' "$out/node$i.out" ||
		echo "not ok 0 dsm_harness # node $i: exited with a failure and no failing test"
done
exit $status

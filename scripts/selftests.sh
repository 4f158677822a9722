#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# selftests.sh KVER [GROUP...] - run the dsm selftests in the virtual cluster
# on guest kernel KVER (6.1 or 6.12, or debug: the debug kernel of
# scripts/debug-kernel.sh): group 1node on one node, groups 3node and
# 3node-reload and 3node-fail (each in a cluster of its own) on three.
# Group rdma (only when named) is one cluster of three over soft-RoCE
# (vcluster --transport rdma) that runs 3node's SELFTESTS_RDMA_PROGS
# (default dsm_sc dsm_lrc dsm_lrc_gc dsm_auth), then group 3node-rdma.
# Writes the combined TAP output to $BUILD/results/selftests-KVER.tap
# (selftests-NAME.tap with SELFTESTS_NAME=NAME) and prints "N passed,
# N failed, N skipped" for it. Exit status 0 only if nothing failed.
#
# DSM_TEST_SLOW, DSM_TEST_SYNC_TIMEOUT and DSM_TEST_TIME_FACTOR (a whole
# number from 1 that multiplies every bound inside the tests), when set,
# are passed to the tests in the guests (Documentation/testing.md).
# SELFTESTS_TIMEOUT bounds each group's run (vcluster --timeout; defaults
# below); SELFTESTS_TIMEOUT_FACTOR (a whole number, default 1) multiplies
# the defaults, for slower kernels (check-debug.sh sets both factors).
set -uo pipefail

SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${BUILD:-$SRCDIR/build}
kver=${1:?usage: selftests.sh 6.1|6.12|debug [1node] [3node] [3node-reload] [3node-fail] [rdma]}
shift
groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(1node 3node 3node-reload 3node-fail)
factor=${SELFTESTS_TIMEOUT_FACTOR:-1}
[[ "$factor" =~ ^[1-9][0-9]*$ ]] || {
	echo "selftests.sh: SELFTESTS_TIMEOUT_FACTOR is a whole number from 1, not '$factor'" >&2
	exit 2
}

# Refused here too, before any cluster boots (the tests refuse it as well).
tf=${DSM_TEST_TIME_FACTOR:-1}
[[ "$tf" =~ ^[1-9][0-9]{0,2}$|^1000$ ]] || {
	echo "selftests.sh: DSM_TEST_TIME_FACTOR is a whole number from 1 to 1000, not '$tf'" >&2
	exit 2
}

# The knobs of dsm_test.h, for the guests' command line.
envs=()
for v in DSM_TEST_SLOW DSM_TEST_SYNC_TIMEOUT DSM_TEST_TIME_FACTOR; do
	[ -z "${!v:-}" ] || envs+=("$v=${!v}")
done

mkdir -p "$BUILD/results"
tap=$BUILD/results/selftests-${SELFTESTS_NAME:-$kver}.tap
: > "$tap"
status=0
for g in "${groups[@]}"; do
	# The bound of a group's run: about twice what it takes on 2 cores
	# shared with other VMs, and room for a few tests that fail at the
	# sync timeout (240 s).
	transport=tcp
	cmd=(/usr/lib/dsm/selftests/run_tests.sh "$g")
	case "$g" in
	1node) n=1 tmo=900 ;;
	3node) n=3 tmo=1800 ;;
	# dsm_lock_bystander waits for node 2's reboot (vc-restart).
	3node-reload) n=3 tmo=900 ;;
	3node-fail) n=3 tmo=900 ;;
	# The multi-node tests that matter most, then the RDMA-specific
	# ones (last: they take a node's device away), over RDMA.
	rdma) n=3 tmo=900 transport=rdma
	      progs=${SELFTESTS_RDMA_PROGS:-dsm_sc dsm_lrc dsm_lrc_gc dsm_auth}
	      case "$progs" in
	      *[!a-z_\ ]*) echo "selftests.sh: bad SELFTESTS_RDMA_PROGS '$progs'" >&2
			 exit 2 ;;
	      esac
	      # shellcheck disable=SC2016 # $d, $r: expanded by the guest's shell
	      cmd=(sh -c 'd=/usr/lib/dsm/selftests; $d/run_tests.sh 3node '"$progs"'; r=$?; $d/run_tests.sh 3node-rdma || r=1; exit $r') ;;
	*) echo "selftests.sh: unknown group '$g'" >&2; exit 2 ;;
	esac
	tmo=$((tmo * factor))
	out=$BUILD/results/selftests-$kver-$g.log
	echo "== selftests $g on Linux $kver ($n node(s), $transport)"
	"$SRCDIR/tools/vcluster/vcluster" run -n "$n" -k "$kver" \
		--transport "$transport" --timeout "${SELFTESTS_TIMEOUT:-$tmo}" \
		-- env "${envs[@]}" "${cmd[@]}" 2>&1 |
		tee "$out"
	rc=${PIPESTATUS[0]}
	# Keep each node's TAP lines, named by kernel, group and node.
	sed -n -E "s/^\[n([0-9]+)\] ((not )?ok [0-9]+ .*)/\2 [linux-$kver $g node\1]/p" \
		"$out" >> "$tap"
	if [ "$rc" -ne 0 ]; then
		status=1
		# A run that failed without a failing test line (a node that
		# crashed or hung, a kernel error on a console) still counts.
		if ! grep -q "^not ok .*\[linux-$kver $g " "$tap" ||
		   grep -q 'kernel reported an error\|no exit status' "$out"; then
			echo "not ok 0 vcluster run failed (status $rc) [linux-$kver $g]" >> "$tap"
		fi
	fi
done

passed=$(grep -cE '^ok [0-9]+ ' "$tap" | tr -d ' ')
skipped=$(grep -cE '^ok [0-9]+ .*# SKIP' "$tap" | tr -d ' ')
failed=$(grep -c '^not ok ' "$tap" | tr -d ' ')
passed=$((passed - skipped))
echo "selftests on Linux $kver: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run_tests.sh GROUP [TEST...] - run the dsm selftests of GROUP (1node,
# 3node, 3node-reload, 3node-fail, 3node-mgrfail, 3node-rdma, 3node-join, 3node-part, 3node-rehome or 3node-shadow) on this node, inside the
# virtual cluster. Prints each test
# program's TAP output as it comes; a program that exits non-zero without
# reporting a failing test (a crash), or that its timeout (settings) ends,
# gets a "not ok" line of its own that says so.
# A program that fails is followed by the kernel's dsm lines logged while
# it ran ("# dmesg: ...", the last DMESG_LINES of them): the why of a
# SIGBUS or a refused message, where make check's summary shows it.
# Exit status: 0 if every program passed.
#
# Each program gets DSM_TEST_PROG_SEQ, its index in the group's full list
# (also on a node restarted by vc-restart, which runs only some of them:
# the multi-node syncs compare positions, see dsm_test.h), and
# DSM_TEST_PROG_TIMEOUT, the program timeout its tests check theirs
# against. DSM_TEST_TIME_FACTOR (a whole number from 1, default 1)
# multiplies the program timeout of settings, as the tests multiply
# theirs (dsm_sync.h); a bad value is refused before any test runs.

dir=$(dirname "$0")
group=${1:?usage: run_tests.sh 1node|3node|3node-reload|3node-fail|3node-mgrfail|3node-rdma|3node-join|3node-part|3node-rehome|3node-shadow [TEST...]}
shift
[ -f "$dir/tests-$group" ] || { echo "run_tests.sh: unknown group '$group'" >&2; exit 2; }
# shellcheck source=time_factor.sh
. "$dir/time_factor.sh"
factor=$(dsm_time_factor) || exit 2
timeout=$(($(sed -n 's/^timeout=//p' "$dir/settings") * factor))
node=${DSM_NODE_ID:-0}

# A slower kernel (factor above 1) waits longer for pages and managers
# too (time_factor.sh).
dsm_slow_kernel "$factor"

if [ $# -eq 0 ]; then
	# shellcheck disable=SC2046 # the list file is words: one program each
	set -- $(cat "$dir/tests-$group")
fi
# A node that vc-restart booted again resumes only the tests that restart
# nodes (tests-restart); they know from DSM_RESTARTED where to pick up.
if [ "${DSM_RESTARTED:-0}" = 1 ]; then
	keep=
	for t in "$@"; do
		grep -qx "$t" "$dir/tests-restart" && keep="$keep $t"
	done
	set -- $keep
fi

# The index of program $1 in the group's list (1, 2, ...; 0 if absent).
prog_seq() {
	seq=$(grep -nx "$1" "$dir/tests-$group" | head -n 1 | cut -d: -f1)
	echo "${seq:-0}"
}

# Kill every process of session $1: the program, and the test processes
# the harness puts in process groups of their own.
kill_session() {
	want=$1
	for stat in /proc/[0-9]*/stat; do
		read -r line 2>/dev/null < "$stat" || continue
		# pid (comm) state ppid pgrp session ...
		set -- ${line##*) }
		[ "$4" = "$want" ] || continue
		stat=${stat#/proc/}
		kill -KILL "${stat%/stat}" 2>/dev/null
	done
}

DMESG_LINES=20

# The kernel log's last line now.
dmesg_mark() {
	dmesg 2>/dev/null | tail -n 1
}

# The kernel's dsm lines logged after the line $1 (all of the log if that
# line is gone: it wrapped), the last DMESG_LINES of them, as TAP
# comments; dsmd's lines left out.
dmesg_since() {
	dmesg 2>/dev/null |
		awk -v m="$1" '{ l[NR] = $0 } $0 == m { s = NR }
			END { for (i = s + 1; i <= NR; i++) print l[i] }' |
		grep -E '\] (dsm|dsm_rdma): |WARNING:|BUG:|Oops' |
		tail -n "$DMESG_LINES" | sed "s/^/# dmesg: node $node: /"
}

# The test program $1 was running, from its output $2.
last_test() {
	sed -n 's/^#  RUN  *\([^ ]*\) .*/\1/p' "$2" | tail -n 1
}

status=0
for t in "$@"; do
	echo "# selftests: dsm: $t"
	start=$(date +%s)
	klog=$(dmesg_mark)
	out=/tmp/selftest-$t.out
	fifo=/tmp/selftest-$t.fifo
	mark=/tmp/selftest-$t.timeout
	rm -f "$fifo" "$mark"
	mkfifo "$fifo"
	# The output goes out as it comes (a run that vcluster ends shows
	# where each node was) and into $out; each test's start and end
	# line with the seconds since the program's start, for whoever
	# sizes the groups.
	while IFS= read -r l; do
		case "$l" in
		'#  RUN '* | '#  '*' OK '* | '#  '*' FAIL '* | '#  '*' SKIP '*)
			l="$l [$(($(date +%s) - start)) s]" ;;
		esac
		printf '%s\n' "$l"
	done < "$fifo" | tee "$out" &
	tee_pid=$!
	# Each program runs in a session of its own, so that at its timeout,
	# and after it ends, nothing it forked is left running (and holding
	# /dev/dsm mapped, which would keep dsm.ko from unloading).
	DSM_TEST_PROG_SEQ=$(prog_seq "$t") DSM_TEST_PROG_TIMEOUT=$timeout \
		setsid "$dir/$t" > "$fifo" 2>&1 &
	pid=$!
	( sleep "$timeout"; : > "$mark"
	  echo "# $t: node $node: program timeout after ${timeout}s, in test $(last_test "$t" "$out"); killed"
	  kill_session "$pid" ) 2>/dev/null &
	watchdog=$!
	wait "$pid"
	rc=$?
	kill "$watchdog" 2>/dev/null
	kill_session "$pid"
	wait "$tee_pid"
	rm -f "$fifo"
	# How long each program took, for whoever sizes the groups.
	echo "# $t: node $node: $(($(date +%s) - start)) s"
	if [ "$rc" -ne 0 ]; then
		status=1
		dmesg_since "$klog"
		if [ -f "$mark" ]; then
			echo "not ok 0 $t # node $node: killed at the program timeout (${timeout}s) in test $(last_test "$t" "$out")"
		elif ! grep -q '^not ok ' "$out"; then
			echo "not ok 0 $t # node $node: exited with status $rc"
		fi
	fi
done
exit $status

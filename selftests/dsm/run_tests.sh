#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run_tests.sh GROUP [TEST...] - run the dsm selftests of GROUP (1node or
# 3node) on this node, inside the virtual cluster. Prints each test
# program's TAP output; a program that exits non-zero without reporting a
# failing test (a crash, a timeout) gets a "not ok" line of its own.
# Exit status: 0 if every program passed.

dir=$(dirname "$0")
group=${1:?usage: run_tests.sh 1node|3node [TEST...]}
shift
[ -f "$dir/tests-$group" ] || { echo "run_tests.sh: unknown group '$group'" >&2; exit 2; }
timeout=$(sed -n 's/^timeout=//p' "$dir/settings")

if [ $# -eq 0 ]; then
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

status=0
for t in "$@"; do
	echo "# selftests: dsm: $t"
	out=/tmp/selftest-$t.out
	# Each program runs in a process group of its own, so that at its
	# timeout, and after it ends, nothing it forked is left running (and
	# holding /dev/dsm mapped, which would keep dsm.ko from unloading).
	setsid "$dir/$t" > "$out" 2>&1 &
	pid=$!
	( sleep "$timeout"; echo "# $t: timeout after ${timeout}s" >> "$out"
	  kill -KILL -- "-$pid" ) 2>/dev/null &
	watchdog=$!
	wait "$pid"
	rc=$?
	kill "$watchdog" 2>/dev/null
	kill -KILL -- "-$pid" 2>/dev/null
	cat "$out"
	if [ "$rc" -ne 0 ]; then
		status=1
		if ! grep -q '^not ok ' "$out"; then
			echo "not ok 0 $t # exited with status $rc"
		fi
	fi
done
exit $status

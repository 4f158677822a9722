#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mp-test.sh DIR APPS_LIST NAME... - `make unit`'s test of the
# message-passing baselines (tools/bench/Makefile mp-test): each program
# DIR/NAME at its CHECK_ARGS of APPS_LIST, as 1 and then 3 processes on
# 127.0.0.1 (--local; never another address). Both must exit 0 with
# verify=ok (every node matched the serial run, as the dsm program
# checks) and print the same result= (the 1-process run is the serial
# answer). TAP output; exit status 0 only if every line is ok.
set -u
dir=$1
list=$2
shift 2
export ASAN_OPTIONS=detect_leaks=0
# A hang ends the test: generous next to well under a second each.
limit=$((120 * ${DSM_TEST_TIME_FACTOR:-1}))

field() {	# field KEY FILE: the value of KEY= in the app= line
	sed -n 's/^app=.* '"$1"'=\([^ ]*\).*$/\1/p' "$2" | head -n 1
}

n=0
rc=0
for p in "$@"; do
	args=$(awk -v p="$p" '$1 == p { sub(/^[^ ]+ +[^ ]+ +[^ ]+ +/, "");
		sub(/ *--.*/, ""); print }' "$list")
	if [ -z "$args" ]; then
		n=$((n + 1))
		echo "not ok $n mp $p: not in $list"
		rc=1
		continue
	fi
	for nodes in 1 3; do
		n=$((n + 1))
		out=$dir/$p.$nodes.out
		# shellcheck disable=SC2086 # the arguments are split on purpose
		timeout -s KILL "$limit" "$dir/$p" --local $nodes $args > "$out" 2>&1
		st=$?
		why=
		if [ $st != 0 ]; then
			why="exit status $st"
			[ $st != 137 ] || why="killed after $limit s"
		elif [ "$(field verify "$out")" != ok ]; then
			why="verify=$(field verify "$out")"
		elif [ $nodes != 1 ] &&
		     [ "$(field result "$out")" != "$(field result "$dir/$p.1.out")" ]; then
			why="result=$(field result "$out"), 1 process: $(field result "$dir/$p.1.out")"
		fi
		if [ -z "$why" ]; then
			echo "ok $n mp $p --local $nodes $args: $(grep '^app=' "$out")"
		else
			echo "not ok $n mp $p --local $nodes $args: $why"
			sed 's/^/# /' "$out"
			rc=1
		fi
	done
done
echo "1..$n"
exit $rc

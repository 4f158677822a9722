#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-debug.sh - `make check-debug`: the selftests on a debug kernel.
#   deps          scripts/deps.sh --check (`make deps` installs)
#   debug-kernel  scripts/debug-kernel.sh: Debian's linux-source-6.1 with
#                 KASAN, lockdep, DEBUG_ATOMIC_SLEEP, KFENCE, UBSAN and
#                 more, built once (about 20 to 40 minutes on 2 cores) and
#                 cached under $BUILD/debug-kernel
#   module        dsm.ko against that tree ($BUILD/module/<release>/)
#   tools         make tools
#   selftests-debug
#                 scripts/selftests.sh debug: both groups, on the debug
#                 kernel (vcluster -k debug), with each group's bound and
#                 every bound inside the tests (DSM_TEST_TIME_FACTOR)
#                 multiplied by DEBUG_TIMEOUT_FACTOR (default 3: KASAN and
#                 lockdep under TCG are that much slower)
# Not part of make check (too slow for CI). Every selftest TAP line counts
# as one test, every other stage as one; a kernel report on any console
# (KASAN, lockdep, UBSAN, sleeping in atomic context, ...) fails the run.
# The end is a table of the stage times, then "N passed, N failed"; the
# exit status is non-zero if anything failed. Logs: $BUILD/results/
# check-debug*.
set -uo pipefail

SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${BUILD:-$SRCDIR/build}
export SRCDIR BUILD

case "${1:-}" in
"") ;;
*) sed -n '4,23p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
# How much longer than on Debian's kernels a selftest group may take
# (Documentation/testing.md has the figures).
FACTOR=${DEBUG_TIMEOUT_FACTOR:-3}

RES=$BUILD/results
mkdir -p "$RES"
TAP=$RES/check-debug.tap
: > "$TAP"
start=$(date +%s)

stage_names=()
stage_secs=()
stage_res=()

# stage NAME SHOW CMD...: run CMD as stage NAME, its output in
# $RES/check-debug-NAME.log (and on the terminal when SHOW is 1); record
# it as one test, print and record its wall time. On a failure, the last
# lines of the log.
stage() {
	local name=$1 show=$2 log=$RES/check-debug-$1.log t0 rc dt
	shift 2
	echo "== $name: $*"
	t0=$(date +%s)
	if [ "$show" = 1 ]; then
		"$@" 2>&1 | tee "$log"
		rc=${PIPESTATUS[0]}
	else
		"$@" > "$log" 2>&1
		rc=$?
	fi
	dt=$(($(date +%s) - t0))
	stage_names+=("$name")
	stage_secs+=("$dt")
	if [ "$rc" -eq 0 ]; then
		echo "   ok (${dt}s)"
		stage_res+=(ok)
		echo "ok 0 $name [check-debug]" >> "$TAP"
	else
		echo "   FAILED (status $rc, ${dt}s)"
		stage_res+=("FAILED (status $rc)")
		echo "not ok 0 $name # exit status $rc [check-debug]" >> "$TAP"
		[ "$show" = 1 ] || tail -n 40 "$log" | sed 's/^/   | /'
	fi
	return "$rc"
}

# The selftests count one test per TAP line (scripts/selftests.sh's file),
# and the run once more when it failed without a failing line.
selftests() {
	local name=selftests-debug log=$RES/check-debug-selftests-debug.log
	local t0 rc dt tap=$RES/selftests-debug.tap
	echo "== $name: scripts/selftests.sh debug (bounds x$FACTOR)"
	t0=$(date +%s)
	SELFTESTS_TIMEOUT_FACTOR=$FACTOR DSM_TEST_TIME_FACTOR=$FACTOR \
		"$SRCDIR/scripts/selftests.sh" debug > "$log" 2>&1
	rc=$?
	dt=$(($(date +%s) - t0))
	stage_names+=("$name")
	stage_secs+=("$dt")
	[ -f "$tap" ] && sed 's/$/ [selftests]/' "$tap" >> "$TAP"
	tail -n 1 "$log" | sed 's/^/   /'
	# What the debug kernel is for: its reports, and where the consoles
	# are (vcluster keeps the last 20 runs).
	echo "   kernel reports on the guests' consoles:" \
		"$(grep -c 'kernel reported an error' "$log")"
	sed -n 's/^vcluster: run directory \([^ ]*\) .*/   consoles: \1/p' "$log"
	if [ "$rc" -eq 0 ]; then
		echo "   ok (${dt}s)"
		stage_res+=(ok)
	else
		echo "   FAILED (status $rc, ${dt}s)"
		stage_res+=("FAILED (status $rc)")
		grep -E '^not ok|^vcluster:.*(status|error|timeout)|console\] ' "$log" |
			head -n 60 | sed 's/^/   | /'
		grep -q '^not ok' "$tap" 2>/dev/null ||
			echo "not ok 0 selftests on the debug kernel # status $rc" >> "$TAP"
	fi
}

ok=1
stage deps 0 "$SRCDIR/scripts/deps.sh" --check || ok=0
if [ "$ok" = 1 ]; then
	stage debug-kernel 1 "$SRCDIR/scripts/debug-kernel.sh" || ok=0
fi
if [ "$ok" = 1 ]; then
	kdir=$("$SRCDIR/scripts/debug-kernel.sh" kdir)
	stage module 0 "$SRCDIR/scripts/build-module.sh" "$kdir" || ok=0
	stage tools 0 make -C "$SRCDIR" tools || ok=0
fi
if [ "$ok" = 1 ]; then
	selftests
else
	echo "not ok 0 selftests on the debug kernel # not run: a build failed [check-debug]" >> "$TAP"
fi

total=$(($(date +%s) - start))
echo "== stage times"
for i in "${!stage_names[@]}"; do
	printf '  %-20s %6s  %s\n' "${stage_names[$i]}" "${stage_secs[$i]}s" \
		"${stage_res[$i]}"
done
printf '  %-20s %6s  (%d min %02d s)\n' total "${total}s" \
	$((total / 60)) $((total % 60))

"$SRCDIR/scripts/tap-summary.sh" "$TAP"

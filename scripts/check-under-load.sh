#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-under-load.sh [--check] [--no-build] [KVER...] - `make check-load`:
# the tests with one host core kept busy by an unrelated CPU hog, to show
# that they do not depend on an idle machine (timeouts, barriers, failure
# detection).
#   (default)   `make modules tools`, then the hog, then the selftests of
#               each KVER (default: every supported kernel, 6.1 and 6.12)
#               with scripts/selftests.sh.
#   --check     the hog, then the whole of `make check` (scripts/check.sh,
#               which builds what it needs).
#   --no-build  do not run `make modules tools` first.
# The hog is one busy shell loop (no I/O, no network) in the background;
# its PID is in $BUILD/results/check-load-hog.pid, and exactly that process
# is killed at the end, also on a failure or an interrupt. At the end: each
# stage's wall time, the hog's CPU time (about its wall time when it kept
# a core busy), and the last line "N passed, N failed"; the exit status is
# non-zero if anything failed, the hog's early death included.
# Logs and the combined TAP file: $BUILD/results/check-load*. The build,
# when done, is one test and one row of the table, under no load.
#
# For testing this script only: CHECK_LOAD_CMD="SHELL COMMAND" runs that
# command under load instead (its TAP lines count, else its exit status).
set -uo pipefail

SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${BUILD:-$SRCDIR/build}
export SRCDIR BUILD

usage() {
	sed -n '4,24p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

whole_check=0
build=1
kvers=()
for a in "$@"; do
	case "$a" in
	--check) whole_check=1 ;;
	--no-build) build=0 ;;
	-h|--help|-*) usage ;;
	*) kvers+=("$a") ;;
	esac
done
if [ "$whole_check" = 1 ] && [ ${#kvers[@]} -gt 0 ]; then
	echo "check-under-load.sh: --check runs every kernel; no KVER with it" >&2
	exit 2
fi
[ ${#kvers[@]} -gt 0 ] ||
	read -ra kvers <<< "$("$SRCDIR/scripts/kernels.sh" versions)"

RES=$BUILD/results
mkdir -p "$RES"
TAP=$RES/check-load.tap
PIDFILE=$RES/check-load-hog.pid
HOG_NAME=dsm-check-load-hog

# ---- the hog ---------------------------------------------------------------

hog_pid=

# is_hog PID: PID is alive and is a hog this script started (its argv[0]
# is $HOG_NAME), not a process that got the number since.
is_hog() {
	[ -n "$1" ] &&
		[ "$(tr '\0' '\n' 2>/dev/null < "/proc/$1/cmdline" |
		     head -n 1)" = "$HOG_NAME" ]
}

# hog_cpu PID: its user + system CPU time so far, in seconds (one decimal).
hog_cpu() {
	local stat ticks
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	# Fields after the command name, which is in parentheses.
	stat=${stat##*) }
	ticks=$(getconf CLK_TCK)
	# shellcheck disable=SC2086 # split into fields on purpose
	set -- $stat
	# utime and stime are fields 14 and 15 of the line, 12 and 13 here.
	awk -v u="${12}" -v s="${13}" -v t="$ticks" \
		'BEGIN { printf "%.1f\n", (u + s) / t }'
}

stop_hog() {
	local i
	if is_hog "$hog_pid"; then
		kill "$hog_pid" 2>/dev/null
		for i in 1 2 3 4 5 6 7 8 9 10; do
			is_hog "$hog_pid" || break
			sleep 0.2
		done
		if is_hog "$hog_pid"; then
			kill -KILL "$hog_pid" 2>/dev/null
		fi
		wait "$hog_pid" 2>/dev/null
		echo "check-load: load hog (pid $hog_pid) stopped"
	fi
	rm -f "$PIDFILE"
	hog_pid=
}

# A live hog in the pid file is another run's, with the same $BUILD: its
# results would mix with ours. (A run killed outright leaves a stale pid
# file, but its hog ends by itself.)
if [ -f "$PIDFILE" ] && is_hog "$(cat "$PIDFILE")"; then
	echo "check-load: $PIDFILE: pid $(cat "$PIDFILE") is the load hog of" \
		"a run still going (BUILD=$BUILD)" >&2
	exit 2
fi

on_exit() {
	local rc=$?
	stop_hog
	exit $rc
}
trap on_exit EXIT
trap 'echo "check-load: interrupted" >&2; exit 130' INT
trap 'echo "check-load: terminated" >&2; exit 143' TERM
trap 'exit 129' HUP
: > "$TAP"
start=$(date +%s)

# ---- the stages ------------------------------------------------------------

stage_names=()
stage_secs=()
stage_res=()

# stage NAME TAPFILE CMD...: run CMD (output on the terminal and in
# $RES/check-load-NAME.log) and time it; its TAP lines are TAPFILE's
# (empty: the log's), or the stage itself when there are none.
stage() {
	local name=$1 tapfile=$2 log=$RES/check-load-$1.log t0 rc dt before
	shift 2
	echo "== $name: $*"
	t0=$(date +%s)
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	dt=$(($(date +%s) - t0))
	[ -n "$tapfile" ] || tapfile=$log
	before=$(wc -l < "$TAP")
	[ -f "$tapfile" ] &&
		sed -n -E "s/^((not )?ok [0-9]+ .*)/\1 [$name]/p" "$tapfile" >> "$TAP"
	if [ "$(wc -l < "$TAP")" -eq "$before" ]; then
		if [ "$rc" -eq 0 ]; then
			echo "ok 0 $name" >> "$TAP"
		else
			echo "not ok 0 $name # exit status $rc" >> "$TAP"
		fi
	elif [ "$rc" -ne 0 ] && ! grep -q "^not ok .*\[$name\]$" "$TAP"; then
		echo "not ok 0 $name # exit status $rc without a failing test" >> "$TAP"
	fi
	stage_names+=("$name")
	stage_secs+=("$dt")
	if [ "$rc" -eq 0 ]; then
		stage_res+=(ok)
	else
		stage_res+=("FAILED (status $rc)")
	fi
	echo "   $name: ${stage_res[-1]} (${dt}s)"
	return "$rc"
}

if [ "$build" = 1 ] && [ "$whole_check" = 0 ] && [ -z "${CHECK_LOAD_CMD:-}" ]; then
	# Built before the hog starts: the build is not what is under test.
	echo "== build (no load yet): make modules tools"
	t0=$(date +%s)
	if ! make -C "$SRCDIR" modules tools > "$RES/check-load-build.log" 2>&1; then
		tail -n 40 "$RES/check-load-build.log" | sed 's/^/   | /'
		echo "not ok 0 build: make modules tools" >> "$TAP"
		echo "check-load: the build failed (log: $RES/check-load-build.log)"
		echo "0 passed, 1 failed"
		exit 1
	fi
	echo "ok 0 build: make modules tools" >> "$TAP"
	stage_names+=("build (no load)")
	stage_secs+=("$(($(date +%s) - t0))")
	stage_res+=(ok)
	echo "   ok (${stage_secs[-1]}s)"
fi

# The hog: a shell busy loop that also ends by itself soon once this
# script is gone, should this script be killed outright.
hog_t0=$(date +%s.%N)
( exec -a "$HOG_NAME" bash -c '
	while kill -0 "$1" 2>/dev/null; do
		for ((i = 0; i < 100000; i++)); do :; done
	done' "$HOG_NAME" $$ ) > /dev/null 2>&1 < /dev/null &
hog_pid=$!
hog=$hog_pid
echo "$hog_pid" > "$PIDFILE"
for i in $(seq 50); do
	is_hog "$hog_pid" && break
	sleep 0.1
done
if ! is_hog "$hog_pid"; then
	echo "check-load: the load hog did not start" >&2
	echo "not ok 0 load hog started" >> "$TAP"
	echo "0 passed, 1 failed"
	exit 1
fi
echo "== load: hog pid $hog_pid (pid file $PIDFILE) keeps one of $(nproc) host cores busy"

if [ -n "${CHECK_LOAD_CMD:-}" ]; then
	stage custom "" bash -c "$CHECK_LOAD_CMD" || true
elif [ "$whole_check" = 1 ]; then
	stage check "$RES/check.tap" "$SRCDIR/scripts/check.sh" || true
else
	for v in "${kvers[@]}"; do
		stage "selftests-$v" "$RES/selftests-$v.tap" \
			"$SRCDIR/scripts/selftests.sh" "$v" || true
	done
fi

# The hog's CPU time, read before it is stopped: about its wall time if it
# had a core to itself all along.
hog_wall=$(awk -v t0="$hog_t0" -v t1="$(date +%s.%N)" \
	'BEGIN { printf "%.1f\n", t1 - t0 }')
if is_hog "$hog_pid"; then
	hog_secs=$(hog_cpu "$hog_pid")
	echo "ok 0 load hog ran to the end [load]" >> "$TAP"
else
	hog_secs=
	echo "not ok 0 load hog ran to the end # it died early [load]" >> "$TAP"
fi
stop_hog

total=$(($(date +%s) - start))
echo "== stage times"
for i in "${!stage_names[@]}"; do
	printf '  %-26s %6s  %s\n' "${stage_names[$i]}" "${stage_secs[$i]}s" \
		"${stage_res[$i]}"
done
printf '  %-26s %6s\n' total "${total}s"
if [ -n "$hog_secs" ]; then
	echo "load: hog pid $hog used ${hog_secs}s of CPU in ${hog_wall}s" \
		"($(awk -v c="$hog_secs" -v w="$hog_wall" \
		'BEGIN { printf "%d", (w > 0 ? 100 * c / w : 0) }')% of one core)"
else
	echo "load: hog pid $hog died before the end"
fi

"$SRCDIR/scripts/tap-summary.sh" "$TAP"

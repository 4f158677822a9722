#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh - everything `make check` runs, in order:
#   deps, lint (checkpatch; W=1 C=2 builds for 6.1 and 6.12), tools,
#   unit tests (ASan/UBSan), short fuzz runs, then the selftests in the
#   virtual cluster on Linux 6.1 and 6.12, each followed by every
#   application of tools/bench/apps.list once on 3 nodes.
# Every TAP result line counts as one test, every other step as one. The
# last line is "N passed, N failed"; the exit status is non-zero if
# anything failed. Logs: $BUILD/results/.
set -uo pipefail

SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${BUILD:-$SRCDIR/build}
export SRCDIR BUILD
RES=$BUILD/results
mkdir -p "$RES"
TAP=$RES/check.tap
: > "$TAP"
start=$(date +%s)

# step NAME CMD...: run CMD, log it, and record its TAP lines (or, when it
# prints none, the step itself) in $TAP.
step() {
	local name=$1 log=$RES/$1.log rc t0
	shift
	t0=$(date +%s)
	echo "== $name: $*"
	"$@" > "$log" 2>&1
	rc=$?
	local before
	before=$(wc -l < "$TAP")
	sed -n -E "s/^((not )?ok [0-9]+ .*)/\1 [$name]/p" "$log" >> "$TAP"
	if [ "$(wc -l < "$TAP")" -eq "$before" ]; then
		if [ "$rc" -eq 0 ]; then
			echo "ok 0 $name" >> "$TAP"
		else
			echo "not ok 0 $name # exit status $rc" >> "$TAP"
		fi
	elif [ "$rc" -ne 0 ] && ! grep -q "^not ok .*\[$name\]$" "$TAP"; then
		echo "not ok 0 $name # exit status $rc without a failing test" >> "$TAP"
	fi
	if [ "$rc" -ne 0 ]; then
		echo "   FAILED (status $rc, $(($(date +%s) - t0))s); last lines of $log:"
		tail -n 40 "$log" | sed 's/^/   | /'
	else
		echo "   ok ($(($(date +%s) - t0))s)"
	fi
	return $rc
}

if [ "$(id -u)" -eq 0 ]; then
	step deps "$SRCDIR/scripts/deps.sh" || true
else
	step deps "$SRCDIR/scripts/deps.sh" --check || true
fi
step lint "$SRCDIR/scripts/lint.sh" || true
build_ok=1
step tools make -C "$SRCDIR" tools || build_ok=0
step unit make -C "$SRCDIR" unit || true
step fuzz-short make -C "$SRCDIR" fuzz-short || true

if [ "$build_ok" = 1 ]; then
	for v in $("$SRCDIR/scripts/kernels.sh" versions); do
		echo "== selftests on Linux $v"
		t0=$(date +%s)
		"$SRCDIR/scripts/selftests.sh" "$v" > "$RES/selftests-$v.out" 2>&1
		rc=$?
		sed 's/$/ [selftests]/' "$RES/selftests-$v.tap" >> "$TAP"
		tail -n 1 "$RES/selftests-$v.out" | sed 's/^/   /'
		if [ "$rc" -ne 0 ]; then
			grep -E '^not ok|^vcluster:.*(status|error|timeout)' \
				"$RES/selftests-$v.out" | head -n 20 | sed 's/^/   | /'
			if ! grep -q '^not ok' "$RES/selftests-$v.tap"; then
				echo "not ok 0 selftests on Linux $v # status $rc" >> "$TAP"
			fi
		fi
		echo "   ($(($(date +%s) - t0))s)"
		# Every application of tools/bench/apps.list once, small, on
		# 3 nodes: each verifies its own result (Documentation/
		# benchmarks.md).
		step "apps-$v" "$SRCDIR/tools/bench/run-apps.sh" --check -k "$v" || true
	done
else
	echo "not ok 0 selftests # not run: the build failed" >> "$TAP"
fi

passed=$(grep -c '^ok ' "$TAP" | tr -d ' ')
skipped=$(grep -c '^ok .*# SKIP' "$TAP" | tr -d ' ')
failed=$(grep -c '^not ok ' "$TAP" | tr -d ' ')
passed=$((passed - skipped))
echo "== check took $(($(date +%s) - start))s; results in $TAP"
if [ "$failed" -gt 0 ]; then
	echo "failed:"
	grep '^not ok ' "$TAP" | sed 's/^/  /'
fi
if [ "$skipped" -gt 0 ]; then
	echo "skipped (not counted as passed):"
	grep '^ok .*# SKIP' "$TAP" | sed 's/^/  /'
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]

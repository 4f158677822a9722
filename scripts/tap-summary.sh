#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tap-summary.sh TAPFILE - the end of a test run from its combined TAP
# lines: the failed tests, the skipped ones (a skip is never a pass), and
# the last line "N passed, N failed" (", N skipped" when there are any).
# Exit status 0 only if nothing failed. Used by check.sh and
# check-under-load.sh.
set -uo pipefail

tap=${1:?usage: tap-summary.sh TAPFILE}
passed=$(grep -c '^ok ' "$tap" | tr -d ' ')
skipped=$(grep -c '^ok .*# SKIP' "$tap" | tr -d ' ')
failed=$(grep -c '^not ok ' "$tap" | tr -d ' ')
passed=$((passed - skipped))
echo "results in $tap"
if [ "$failed" -gt 0 ]; then
	echo "failed:"
	grep '^not ok ' "$tap" | sed 's/^/  /'
fi
if [ "$skipped" -gt 0 ]; then
	echo "skipped (not counted as passed):"
	grep '^ok .*# SKIP' "$tap" | sed 's/^/  /'
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]

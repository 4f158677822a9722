#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# callgrind.sh CORE_BENCH - instructions per 4 KiB page of each diff/twin
# operation, counted by valgrind's callgrind inside core_bench's run_op()
# only, so start-up and set-up are excluded. Deterministic, unlike time.
set -euo pipefail

bench=${1:?usage: callgrind.sh PATH/TO/core_bench}
iters=${ITERS:-200}
command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind missing" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# instructions OP CASE: Ir per iteration
instructions() {
	valgrind --tool=callgrind --callgrind-out-file="$tmp/out" \
		--collect-atstart=no --toggle-collect=run_op \
		"$bench" --op "$1" "$2" "$iters" >/dev/null 2>&1
	awk -v n="$iters" '/^(summary|totals):/ { print int($2 / n); exit }' \
		"$tmp/out"
}

cmp=$(instructions memcmp clean)
cpy=$(instructions memcpy clean)
tw=$(instructions twin clean)
printf 'instructions per 4 KiB page (callgrind, %d iterations)\n' "$iters"
printf 'memcmp (equal pages)  %7d\n' "$cmp"
printf 'memcpy                %7d\n' "$cpy"
printf 'twin copy             %7d  %5.2fx memcpy\n' "$tw" \
	"$(echo "$tw / $cpy" | bc -l)"
printf '\n%-10s %10s %8s %10s %8s\n' case create /memcmp apply /memcpy
for c in clean words8 pct25 pct100 il3 il8 dbl; do
	cr=$(instructions create "$c")
	ap=$(instructions apply "$c")
	printf '%-10s %10d %7.2fx %10d %7.2fx\n' "$c" "$cr" \
		"$(echo "$cr / $cmp" | bc -l)" "$ap" "$(echo "$ap / $cpy" | bc -l)"
done

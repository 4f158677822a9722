#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-note.sh DIR - the closing note of `make bench` (issue 17, "Done
# when"), from what the other parts of the same run left in DIR:
#   - lrc false sharing (lrc.tsv, the lrc part): diff bytes per byte
#     written per receiving node for 1-, 8- and 64-byte interleaving,
#     without each diff's 4-byte header (runs/wr/r, goal at most 2) and
#     with it (diff/wr/r);
#   - diffs made on one node (apps.tsv, the apps part with 1 in
#     APPS_NODES): each lrc program's diffs on a 1-node cluster (goal 0).
# Writes DIR/note.txt and prints it. A figure whose part did not run says
# so. Figures only: the exit status is 0 unless DIR is missing.
# Documentation/benchmarks.md, "The closing note".
set -uo pipefail

dir=${1:?usage: bench-note.sh DIR}
[ -d "$dir" ] || { echo "bench-note: no directory $dir" >&2; exit 1; }
out=$dir/note.txt

{
	echo "Closing note (issue 17: denser diffs, no diffs where nobody needs them)"
	echo
	echo "Diff bytes per byte written, per receiving node (lrc part, lrc.txt):"
	if [ -s "$dir/lrc.tsv" ]; then
		awk -F '\t' '
		NR > 1 { v[$1 "\t" $2 "\t" $3] = $4 }
		function g(n, c, m) { return v[n "\t" c "\t" m] }
		function row(what, n, c,   r) {
			if (g(n, c, "barriers") == "") {
				printf "  %-34s %2d nodes: not run\n", what, n
				return
			}
			r = g(n, c, "ratio_runs_written_receiver")
			printf "  %-34s %2d nodes: runs/wr/r %5.2f  diff/wr/r %5.2f  %s\n", \
			       what, n, r, g(n, c, "ratio_diff_written_receiver"), \
			       r <= 2 ? "met (<= 2)" : "MISSED (> 2)"
		}
		END {
			row("1-byte interleaving, 64 B/page", 3, "fs-b64-u1")
			row("1-byte interleaving, 1 B/page", 3, "fs-b1-u1")
			row("1-byte interleaving, 1 B/page", 4, "fs-b1-u1")
			row("8-byte interleaving, 64 B/page", 3, "fs-b64-u8")
			row("8-byte interleaving, 64 B/page", 4, "fs-b64-u8")
			row("8-byte interleaving, 1/3 page", 3, "fs-b1360-u8")
			row("64-byte interleaving, 64 B/page", 3, "fs-b64-u64")
			row("64-byte interleaving, 1344 B/page", 3, "fs-b1344-u64")
			row("one run, 1/3 page", 3, "fs-b1360-u1360")
		}' "$dir/lrc.tsv"
	else
		echo "  not run (BENCH_PARTS without lrc)"
	fi
	echo
	echo "Diffs made on a 1-node cluster (apps part, apps.tsv; goal 0):"
	if [ -s "$dir/apps.tsv" ] &&
	   awk -F '\t' 'NR > 1 && $3 == 1 && $2 ~ /^lrc/ { f = 1 } END { exit !f }' \
		"$dir/apps.tsv"; then
		awk -F '\t' 'NR > 1 && $3 == 1 && $2 ~ /^lrc/ {
			printf "  %-10s %8s diffs, %6s messages, %8s faults, %7s ms, verify %s  %s\n", \
			       $1, $9, $6, $8, $5, $10, $9 == 0 ? "met" : "MISSED"
		}' "$dir/apps.tsv"
	else
		echo "  not run (no lrc row on 1 node: APPS_NODES without 1, or no apps part)"
	fi
} | tee "$out"

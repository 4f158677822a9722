#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# replicas-compare.sh TSV OUTDIR - what backed-up releases cost each lrc
# program (Documentation/lrc.md "Backed-up releases"), from rows that
# run-apps.sh --bench wrote with --replicas 0 (model lrc-r0) and 1 (model
# lrc) in one run (TSV: apps.tsv's columns):
#   OUTDIR/replicas.tsv  app nodes r0_time_ms r0_msgs r0_bytes r1_time_ms
#                        r1_msgs r1_bytes time_ratio msgs_ratio bytes_ratio
#                        (ratios replicas 1 / replicas 0; "NA" for a run
#                        that failed, "-" where a ratio has no meaning)
#   OUTDIR/replicas.txt  the same as a table
# Figures to read, not assertions. See Documentation/benchmarks.md.
set -eu

tsv=${1:?usage: replicas-compare.sh TSV OUTDIR}
out=${2:?usage: replicas-compare.sh TSV OUTDIR}
[ -s "$tsv" ] || { echo "replicas-compare.sh: $tsv is empty" >&2; exit 1; }
mkdir -p "$out"

# app model nodes size time_ms messages bytes faults diffs verify
awk -F'\t' -v OFS='\t' '
function ratio(a, b) {
	return (a != "NA" && b != "NA" && b > 0) ? sprintf("%.2f", a / b) : "-"
}
NR == 1 || ($2 != "lrc" && $2 != "lrc-r0") { next }
{ k = $1 SUBSEP $3; r = $2 == "lrc" ? 1 : 0
  if (!(k in seen)) { seen[k] = 1; key[++n] = k; app[k] = $1; nodes[k] = $3 }
  if ($10 == "ok") { t[k, r] = $5; m[k, r] = $6; b[k, r] = $7 }
  else { t[k, r] = m[k, r] = b[k, r] = "NA" } }
END {
	print "app", "nodes", "r0_time_ms", "r0_msgs", "r0_bytes", "r1_time_ms",
	      "r1_msgs", "r1_bytes", "time_ratio", "msgs_ratio", "bytes_ratio"
	for (i = 1; i <= n; i++) {
		k = key[i]
		for (r = 0; r <= 1; r++)
			if (!((k, r) in t))
				t[k, r] = m[k, r] = b[k, r] = "NA"
		print app[k], nodes[k], t[k, 0], m[k, 0], b[k, 0], t[k, 1],
		      m[k, 1], b[k, 1], ratio(t[k, 1], t[k, 0]),
		      ratio(m[k, 1], m[k, 0]), ratio(b[k, 1], b[k, 0])
	}
}' "$tsv" > "$out/replicas.tsv"

awk -F'\t' '{ printf "%-7s %5s %10s %9s %11s %10s %9s %11s %10s %10s %11s\n",
	$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 }' "$out/replicas.tsv" \
	> "$out/replicas.txt"

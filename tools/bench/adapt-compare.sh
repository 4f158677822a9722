#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# adapt-compare.sh TSV LIST OUTDIR - what adaptive homes change for each
# sc program (Documentation/sc.md "Adaptive homes"), from rows that
# run-apps.sh --bench --sc wrote with --adapt 0 (homes never move: model
# sc-a0, sc-default-a0) and without it (the module's default: sc,
# sc-default) in one run (TSV: apps.tsv's columns), and the programs'
# iterations from apps.list (LIST: BENCH_ARGS): jacobi's iterations and
# water's steps (their second argument), dict's updates (-u, per node,
# times the nodes):
#   OUTDIR/adapt.tsv  app nodes iters static_time_ms static_msgs
#                     static_msgs_per_iter adapt_time_ms adapt_msgs
#                     adapt_msgs_per_iter msgs_ratio time_ratio
#                     (ratios adaptive / static; "NA" for a run that
#                     failed, "-" where a ratio has no meaning)
#   OUTDIR/adapt.txt  the same as a table
# Figures to read, not assertions. See Documentation/benchmarks.md.
set -eu

tsv=${1:?usage: adapt-compare.sh TSV LIST OUTDIR}
list=${2:?usage: adapt-compare.sh TSV LIST OUTDIR}
out=${3:?usage: adapt-compare.sh TSV LIST OUTDIR}
[ -s "$tsv" ] || { echo "adapt-compare.sh: $tsv is empty" >&2; exit 1; }
mkdir -p "$out"

# LIST: NAME MODEL REGION_SIZE CHECK_ARGS -- BENCH_ARGS [-- LARGE_ARGS]
# TSV: app model nodes size time_ms messages bytes faults diffs verify
awk -F'\t' -v OFS='\t' -v list="$list" '
function ratio(a, b) {
	return (a != "NA" && b != "NA" && b > 0) ? sprintf("%.2f", a / b) : "-"
}
function per(m, i) {
	return (m != "NA" && i > 0) ? sprintf("%.1f", m / i) : "-"
}
BEGIN {
	while ((getline line < list) > 0) {
		if (line ~ /^#/ || line !~ / -- /) continue
		split(line, w, " ")
		args = substr(line, index(line, " -- ") + 4)
		if (index(args, " -- ")) args = substr(args, 1, index(args, " -- ") - 1)
		na = split(args, arg, " ")
		it = 0
		if (w[1] == "dict") {
			for (j = 1; j < na; j++) if (arg[j] == "-u") it = arg[j + 1]
			perNode[w[1]] = 1
		} else if (na >= 2) {
			it = arg[2]
		}
		iters[w[1]] = it
	}
}
NR == 1 { next }
{ base = $2; a = 1
  if (base ~ /-a0$/) { a = 0; sub(/-a0$/, "", base) }
  else if (base ~ /-a[0-9]+$/) next
  if (base != "sc" && base != "sc-default") next
  k = $1 SUBSEP $3
  if (!(k in seen)) { seen[k] = 1; key[++n] = k; app[k] = $1; nodes[k] = $3 }
  if ($10 == "ok") { t[k, a] = $5; m[k, a] = $6 }
  else { t[k, a] = m[k, a] = "NA" } }
END {
	print "app", "nodes", "iters", "static_time_ms", "static_msgs",
	      "static_msgs_per_iter", "adapt_time_ms", "adapt_msgs",
	      "adapt_msgs_per_iter", "msgs_ratio", "time_ratio"
	for (i = 1; i <= n; i++) {
		k = key[i]
		for (a = 0; a <= 1; a++)
			if (!((k, a) in t))
				t[k, a] = m[k, a] = "NA"
		it = iters[app[k]] * (perNode[app[k]] ? nodes[k] : 1)
		print app[k], nodes[k], it, t[k, 0], m[k, 0], per(m[k, 0], it),
		      t[k, 1], m[k, 1], per(m[k, 1], it),
		      ratio(m[k, 1], m[k, 0]), ratio(t[k, 1], t[k, 0])
	}
}' "$tsv" > "$out/adapt.tsv"

awk -F'\t' '{ printf "%-7s %5s %6s %14s %11s %20s %13s %10s %19s %10s %10s\n",
	$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 }' "$out/adapt.tsv" \
	> "$out/adapt.txt"

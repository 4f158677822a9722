#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mp-compare.sh TSV OUTDIR - each dsm program next to its message-passing
# baseline (NAME-mp, tools/bench/mp), from rows run-apps.sh --bench wrote
# in one run (TSV: apps.tsv's columns); one row per program, node count
# and dsm model (lrc, and lrc-r0 when the run had --replicas 0 rows: the
# baselines keep no backup either), each against its baseline: the next
# row of NAME-mp on as many nodes, which run-apps.sh ran right after it in
# the same boot (boots differ by up to 2x here), else the last one:
#   OUTDIR/mp.tsv   app nodes model dsm_time_ms dsm_msgs dsm_bytes
#                   mp_time_ms mp_msgs mp_bytes time_ratio msgs_ratio
#                   bytes_ratio (ratios dsm / mp; "-" where mp is 0 or
#                   either run failed)
#   OUTDIR/mp.txt   the same as a table
#   OUTDIR/mp.png   bars: time and byte ratio per program and node count
# Issue 17's goal (jacobi, water, tsp): time ratio at most 1.3, bytes at
# most 2. Figures to read, not assertions. See Documentation/benchmarks.md.
set -eu

tsv=${1:?usage: mp-compare.sh TSV OUTDIR}
out=${2:?usage: mp-compare.sh TSV OUTDIR}
[ -s "$tsv" ] || { echo "mp-compare.sh: $tsv is empty" >&2; exit 1; }
mkdir -p "$out"

# app model nodes size time_ms messages bytes faults diffs verify
awk -F'\t' -v OFS='\t' '
function ratio(a, b) { return (b > 0 && a != "NA") ? sprintf("%.2f", a / b) : "-" }
NR == 1 { next }
$2 == "mp" { b = substr($1, 1, length($1) - 3) SUBSEP $3
	     if ($10 == "ok") {
		     lt[b] = $5; lm[b] = $6; lb[b] = $7
		     for (j = 1; j <= nw[b]; j++) {
			     k = w[b, j]
			     mt[k] = $5; mm[k] = $6; mb[k] = $7
		     }
	     }
	     nw[b] = 0
	     next }
{ k = $1 SUBSEP $3 SUBSEP $2
  if (!(k in seen)) { seen[k] = 1; key[++n] = k; app[k] = $1
		      nodes[k] = $3; model[k] = $2; base[k] = $1 SUBSEP $3 }
  if ($10 == "ok") { dt[k] = $5; dm[k] = $6; db[k] = $7 }
  else { delete dt[k] }
  # its baseline: the NAME-mp row that follows (the same boot)
  delete mt[k]
  w[base[k], ++nw[base[k]]] = k }
END {
	print "app", "nodes", "model", "dsm_time_ms", "dsm_msgs", "dsm_bytes",
	      "mp_time_ms", "mp_msgs", "mp_bytes", "time_ratio", "msgs_ratio",
	      "bytes_ratio"
	for (i = 1; i <= n; i++) {
		k = key[i]
		b = base[k]
		if (!(k in mt)) {
			if (!(b in lt))
				continue
			mt[k] = lt[b]; mm[k] = lm[b]; mb[k] = lb[b]
		}
		if (!(k in dt)) { dt[k] = dm[k] = db[k] = "NA" }
		print app[k], nodes[k], model[k], dt[k], dm[k], db[k], mt[k],
		      mm[k], mb[k], ratio(dt[k], mt[k]), ratio(dm[k], mm[k]),
		      ratio(db[k], mb[k])
	}
}' "$tsv" | sort -s -t "$(printf '\t')" -k2,2n > "$out/mp.tsv.new"
{ grep '^app' "$out/mp.tsv.new"; grep -v '^app' "$out/mp.tsv.new"; } > "$out/mp.tsv"
rm -f "$out/mp.tsv.new"

awk -F'\t' '{ printf "%-7s %5s %6s %11s %9s %12s %10s %9s %12s %10s %10s %11s\n",
	$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 }' "$out/mp.tsv" \
	> "$out/mp.txt"

command -v gnuplot >/dev/null ||
	{ echo "mp-compare.sh: no gnuplot (make deps): no plot" >&2; exit 0; }
dat=$out/mp-plot.dat
awk -F'\t' 'NR > 1 { print $1 "/" $2 ($3 == "lrc" ? "" : "/" $3), $10, $12 }' \
	"$out/mp.tsv" > "$dat"
gnuplot <<PLOT
set terminal png size 900,500
set output "$out/mp.png"
set title "dsm / message passing, same run (program/nodes[/lrc-r0]; goal: time 1.3, bytes 2)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.7 border -1
set ylabel "dsm / mp (log scale)"
set logscale y
set datafile missing "-"
set xtics rotate by -30
set grid ytics
set key left top
set arrow from graph 0, first 1.3 to graph 1, first 1.3 nohead dt 2 lc rgb "blue"
set arrow from graph 0, first 2 to graph 1, first 2 nohead dt 2 lc rgb "red"
plot "$dat" using 2:xtic(1) title "time", "" using 3 title "bytes"
PLOT
rm -f "$dat"

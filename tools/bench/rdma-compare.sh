#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rdma-compare.sh TCP_TSV RDMA_TSV NODES OUTDIR - each program over RDMA
# next to itself over TCP, on NODES nodes, from rows run-apps.sh --bench
# wrote (apps.tsv's columns; make bench's rdma part, scripts/bench-rdma.sh):
#   OUTDIR/rdma-apps.txt  a table: app, model,
#       time_ms, messages and bytes over TCP and over RDMA, and the ratios
#       rdma / tcp ("-" where a run failed or a figure is 0)
#   OUTDIR/rdma-apps.png  bars: the time, messages and bytes ratios
# Only programs with a row in RDMA_TSV are shown. Figures to read, not
# assertions. See Documentation/benchmarks.md.
set -eu

tcp=${1:?usage: rdma-compare.sh TCP_TSV RDMA_TSV NODES OUTDIR}
rdma=${2:?usage: rdma-compare.sh TCP_TSV RDMA_TSV NODES OUTDIR}
nodes=${3:?usage: rdma-compare.sh TCP_TSV RDMA_TSV NODES OUTDIR}
out=${4:?usage: rdma-compare.sh TCP_TSV RDMA_TSV NODES OUTDIR}
[ -s "$rdma" ] || { echo "rdma-compare.sh: $rdma is empty" >&2; exit 1; }
mkdir -p "$out"

# app model nodes size time_ms messages bytes faults diffs verify
awk -F'\t' -v n="$nodes" '
function ratio(a, b) { return (a != "NA" && b != "NA" && b > 0) ? sprintf("%.2f", a / b) : "-" }
FNR == 1 { f++ }
FNR == 1 || $3 != n { next }
{ ok = $10 == "ok"; t = ok ? $5 : "NA"; m = ok ? $6 : "NA"; b = ok ? $7 : "NA" }
f == 1 { ct[$1] = t; cm[$1] = m; cb[$1] = b; next }
{ app[++k] = $1; model[$1] = $2; rt[$1] = t; rm[$1] = m; rb[$1] = b }
END {
	printf "%-9s %-10s %10s %10s %10s %10s %12s %12s %6s %6s %6s\n", "app",
	       "model", "tcp_ms", "rdma_ms", "tcp_msgs", "rdma_msgs",
	       "tcp_bytes", "rdma_bytes", "time", "msgs", "bytes"
	for (i = 1; i <= k; i++) {
		p = app[i]
		if (!(p in ct)) { ct[p] = cm[p] = cb[p] = "NA" }
		printf "%-9s %-10s %10s %10s %10s %10s %12s %12s %6s %6s %6s\n",
		       p, model[p], ct[p], rt[p], cm[p], rm[p], cb[p], rb[p],
		       ratio(rt[p], ct[p]), ratio(rm[p], cm[p]),
		       ratio(rb[p], cb[p])
	}
}' "$tcp" "$rdma" > "$out/rdma-apps.txt.new"
{
	echo "the applications on $nodes nodes over TCP and over RDMA (soft-RoCE); time, messages and bytes ratios rdma / tcp"
	cat "$out/rdma-apps.txt.new"
} > "$out/rdma-apps.txt"
rm -f "$out/rdma-apps.txt.new"

command -v gnuplot >/dev/null ||
	{ echo "rdma-compare.sh: no gnuplot (make deps): no plot" >&2; exit 0; }
dat=$out/rdma-plot.dat
awk 'NR > 2 { print $1, $9, $10, $11 }' "$out/rdma-apps.txt" > "$dat"
gnuplot <<PLOT
set terminal png size 900,500
set output "$out/rdma-apps.png"
set title "the applications over RDMA / over TCP, same make bench ($nodes nodes)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.7 border -1
set ylabel "rdma / tcp"
set yrange [0:*]
set datafile missing "-"
set xtics rotate by -30
set grid ytics
set key below
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb "black"
plot "$dat" using 2:xtic(1) title "time", "" using 3 title "messages", "" using 4 title "bytes"
PLOT
rm -f "$dat"

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# plot-apps.sh TSV OUTDIR - the applications' figures, readable:
#   OUTDIR/apps.txt             one table per program: time, messages,
#                               bytes, faults, diffs per node count
#   OUTDIR/apps-NAME.png        messages and bytes vs nodes, per program
#   OUTDIR/apps-messages.png    messages vs nodes, every program
#   OUTDIR/apps-time.png        time vs nodes, every program
# TSV is what run-apps.sh --bench writes (apps.tsv, with its header).
set -eu

tsv=${1:?usage: plot-apps.sh TSV OUTDIR}
out=${2:?usage: plot-apps.sh TSV OUTDIR}
[ -s "$tsv" ] || { echo "plot-apps.sh: $tsv is empty" >&2; exit 1; }
mkdir -p "$out"
progs=$(awk -F'\t' 'NR > 1 && !seen[$1]++ { print $1 }' "$tsv")
# Rows by node count (stable: the programs keep their order).
sorted=$out/apps-sorted.tsv
{ head -n 1 "$tsv"; tail -n +2 "$tsv" | sort -s -t "$(printf '\t')" -k3,3n; } > "$sorted"
tsv=$sorted

# The table: per program, rows by node count; per node: messages / nodes.
awk -F'\t' '
NR == 1 { next }
{
	if (!($1 in first)) { first[$1] = 1; order[++n] = $1 }
	row[$1] = row[$1] sprintf("  %5s %8s %10s %12s %14s %10s %8s  %s\n",
		$3, $4, $5, $6, $7, $8, $9, $10)
	model[$1] = $2
}
END {
	for (i = 1; i <= n; i++) {
		p = order[i]
		printf "%s (%s)\n", p, model[p]
		printf "  %5s %8s %10s %12s %14s %10s %8s  %s\n", "nodes",
		       "size", "time_ms", "messages", "bytes", "faults",
		       "diffs", "verify"
		printf "%s\n", row[p]
	}
}' "$tsv" > "$out/apps.txt"

command -v gnuplot >/dev/null ||
	{ echo "plot-apps.sh: no gnuplot (make deps): no plots" >&2
	  rm -f "$sorted"; exit 0; }

dat=$out/apps-plot.dat
for p in $progs; do
	awk -F'\t' -v p="$p" 'NR > 1 && $1 == p && $6 != "NA" {
		print $3, $6, $7, $5 }' "$tsv" | sort -n > "$dat.$p"
	gnuplot <<PLOT
set terminal png size 800,500
set output "$out/apps-$p.png"
set title "$p: what the run cost, summed over nodes"
set xlabel "nodes"
set ylabel "messages"
set y2label "bytes"
set xtics 1
set ytics nomirror
set y2tics
set key left top
set grid
plot "$dat.$p" using 1:2 with linespoints title "messages" axes x1y1, \
     "$dat.$p" using 1:3 with linespoints title "bytes" axes x1y2
PLOT
done

# On the logarithmic axis a value of 0 (no message on one node) has no
# place: such points are left out, and a program with none above 0 too;
# when no program has one, there is no plot (said once).
plot_all() {	# plot_all COLUMN YLABEL FILE
	cmd=
	for p in $progs; do
		awk -v c="$1" '$c > 0 { f = 1 } END { exit !f }' "$dat.$p" ||
			continue
		cmd="$cmd${cmd:+, }\"$dat.$p\" using 1:(\$$1 > 0 ? \$$1 : 1/0) with linespoints title \"$p\""
	done
	if [ -z "$cmd" ]; then
		echo "plot-apps.sh: no $2 above 0 in any run: no $3" >&2
		rm -f "$3"
		return 0
	fi
	gnuplot <<PLOT
set terminal png size 800,500
set output "$3"
set title "$2 vs nodes"
set xlabel "nodes"
set ylabel "$2"
set xtics 1
set logscale y
set key left top
set grid
plot $cmd
PLOT
}
plot_all 2 "messages" "$out/apps-messages.png"
plot_all 4 "time (ms)" "$out/apps-time.png"
for p in $progs; do rm -f "$dat.$p"; done
rm -f "$sorted"

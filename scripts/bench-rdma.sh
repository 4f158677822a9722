#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-rdma.sh - make bench's rdma part (Documentation/benchmarks.md,
# "RDMA against TCP"): what dsm costs over RDMA (soft-RoCE, rxe0 on each
# guest's eth0, vcluster --transport rdma) against the raw RDMA latency
# between the same two guests, and against dsm over kernel TCP, all from
# one run:
#   1. 2 nodes over RDMA (tools/bench/rdma-lat.sh): perftest's ib_send_lat
#      and ib_read_lat at 8 and 4096 bytes (node 1 serves, node 0 is the
#      client), then fault_latency, then fault_latency again with
#      rx_inplace=0 (every grant's page copied: dsm_rdma before it
#      installed the page it received into); 2 nodes over TCP:
#      fault_latency. Each
#      of RDMA_RUNS (default 1) runs boots both. rdma.txt: the raw
#      latencies (perftest's t_typical, its median), dsm's read and write
#      fault latency over RDMA and TCP (medians), the ratios dsm/raw and
#      rdma/tcp, and where a fault's time goes on each transport;
#      rdma-lat-N.log and rdma-tcp-N.log the runs' output (node 0).
#   2. the applications of RDMA_APPS (default: every dsm program of
#      apps.list, not the message-passing ones, whose traffic is no
#      dsm's) on RDMA_NODES (default 3) nodes over RDMA (run-apps.sh
#      --transport rdma: rdma-apps.tsv), next to the same programs over
#      TCP: the apps part's rows at that node count when it ran in this
#      make bench (bench.sh says which parts run in BENCH_PARTS_RUN), else
#      a TCP run of its own (rdma-apps-tcp.tsv). RDMA_APPS=none skips
#      this step (the latency figures alone).
#      rdma-apps.txt: time, messages and bytes on each and the ratio
#      rdma/tcp; rdma-apps.png the ratios.
# Figures only: nothing is a timed assertion. Exit status 1 if a run
# failed. RDMA_KERNEL (default 6.1) chooses the guests' kernel.
set -uo pipefail

SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${BUILD:-$SRCDIR/build}
export SRCDIR BUILD
OUT=$BUILD/bench
KVER=${RDMA_KERNEL:-6.1}
RUNS=${RDMA_RUNS:-1}
NODES=${RDMA_NODES:-3}
VCLUSTER=$SRCDIR/tools/vcluster/vcluster
LIST=$SRCDIR/tools/bench/apps.list
TXT=$OUT/rdma.txt
mkdir -p "$OUT"
status=0

[[ "$RUNS" =~ ^[1-9]$ ]] || { echo "bench-rdma: RDMA_RUNS is 1 to 9, not '$RUNS'" >&2; exit 2; }
make -s -C "$SRCDIR/tools/bench" O="$OUT" >/dev/null || exit 1

# node0 LOG: node 0's lines of a vcluster run's output, unprefixed.
node0() {
	sed -n 's/^\[n0\] //p' "$1"
}

# raw LOG TEST SIZE: perftest's t_typical (us) for TEST at SIZE, or NA.
raw() {
	node0 "$1" | awk -v t="$2" -v s="$3" '
		$1 == "@@RAW" { on = ($2 == t && $3 == s); next }
		on && $1 == s && $2 ~ /^[0-9]+$/ && NF >= 5 { v = $5; on = 0 }
		END { print v == "" ? "NA" : v }'
}

# fl LOG [copy]: node 0's fault_latency output, the first run's, or
# with "copy" the run with grants' pages copied (after "@@COPY").
fl() {
	if [ "${2:-}" = copy ]; then
		node0 "$1" | sed -n '/^@@COPY/,$p'
	else
		node0 "$1" | sed '/^@@COPY/,$d'
	fi
}

# med LOG KIND [copy]: fault_latency's median (us) of KIND (rtt, read,
# write).
med() {
	fl "$1" "${3:-}" | awk -v k="$2" '$1 == k && $2 == "median" { v = $3 }
		END { print v == "" ? "NA" : v }'
}

# ratio A B: A / B to 2 places, or NA.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a == "NA" || b == "NA" || b + 0 == 0) print "NA"
		else printf "%.2f\n", a / b }'
}

# table RUN RDMA_LOG TCP_LOG: rdma.txt's section for one run.
table() {
	local run=$1 rl=$2 tl=$3 t s k r c sr4 rr4
	echo "-- run $run (Linux $KVER, ${VCLUSTER_ACCEL:-tcg}, 2 nodes, readahead off)"
	echo "raw RDMA, node 0 -> node 1 over rxe0 (perftest t_typical: its median, us;"
	echo "ib_send_lat reports half a round trip, ib_read_lat a whole read):"
	for t in ib_send_lat ib_read_lat; do
		for s in 8 4096; do
			printf '  %-12s %5s bytes %10s\n' "$t" "$s" "$(raw "$rl" "$t" "$s")"
		done
	done
	sr4=$(raw "$rl" ib_send_lat 4096)
	rr4=$(raw "$rl" ib_read_lat 4096)
	sr4=$(awk -v v="$sr4" 'BEGIN { print v == "NA" ? "NA" : 2 * v }')
	echo "dsm remote faults, 4 KiB page (fault_latency medians, us), and the"
	echo "ratios to one 4 KiB RDMA read and to a 4 KiB send round trip (2 x ib_send_lat):"
	printf '  %-6s %10s %10s %9s %13s %13s\n' fault rdma tcp rdma/tcp \
		"rdma/read4K" "rdma/send-rt"
	for k in read write; do
		r=$(med "$rl" "$k")
		c=$(med "$tl" "$k")
		printf '  %-6s %10s %10s %9s %13s %13s\n' "$k" "$r" "$c" \
			"$(ratio "$r" "$c")" "$(ratio "$r" "$rr4")" \
			"$(ratio "$r" "$sr4")"
	done
	printf '  %-6s %10s %10s %9s   (userspace TCP round trip of 4 KiB, both runs)\n' \
		rtt "$(med "$rl" rtt)" "$(med "$tl" rtt)" \
		"$(ratio "$(med "$rl" rtt)" "$(med "$tl" rtt)")"
	echo "the same over RDMA with every grant's page copied (rx_inplace=0, as"
	echo "before dsm_rdma installed the page it received into), same boot:"
	printf '  %-6s %10s %10s %9s %13s\n' fault copied tcp copied/tcp \
		zerocopy/copied
	for k in read write; do
		r=$(med "$rl" "$k")
		y=$(med "$rl" "$k" copy)
		c=$(med "$tl" "$k")
		printf '  %-6s %10s %10s %9s %13s\n' "$k" "$y" "$c" \
			"$(ratio "$y" "$c")" "$(ratio "$r" "$y")"
	done
	echo "where a fault's time goes (fault_latency's breakdown, means):"
	fl "$rl" | grep -E '^(read|write) +mean ' | sed 's/^/  rdma: /'
	fl "$rl" | grep '^pages received' | sed 's/^/  rdma: /'
	fl "$rl" copy | grep -E '^(read|write) +mean ' | sed 's/^/  rdma copied: /'
	fl "$rl" copy | grep '^pages received' | sed 's/^/  rdma copied: /'
	node0 "$tl" | grep -E '^(read|write) +mean ' | sed 's/^/  tcp:  /'
	node0 "$tl" | grep '^pages received' | sed 's/^/  tcp:  /'
}

latency() {
	local run rl tl
	echo "== rdma: raw RDMA latency (perftest) and dsm's fault latency over RDMA and TCP ($RUNS run(s))"
	: > "$TXT"
	for run in $(seq "$RUNS"); do
		rl=$OUT/rdma-lat-$run.log
		tl=$OUT/rdma-tcp-$run.log
		"$VCLUSTER" run -n 2 -k "$KVER" --transport rdma --timeout 1200 \
			--copy "$OUT/fault_latency" \
			--copy "$SRCDIR/tools/bench/rdma-lat.sh" -- sh rdma-lat.sh \
			> "$rl" 2>&1 || { status=1; tail -n 20 "$rl" >&2; }
		"$VCLUSTER" run -n 2 -k "$KVER" --timeout 900 \
			--copy "$OUT/fault_latency" -- sh -c \
			'echo 0 > /sys/module/dsm/parameters/readahead_pages && ./fault_latency' \
			> "$tl" 2>&1 || { status=1; tail -n 20 "$tl" >&2; }
		table "$run" "$rl" "$tl" | tee -a "$TXT"
	done
	echo "(table: $TXT; runs: $OUT/rdma-lat-N.log, $OUT/rdma-tcp-N.log)"
}

# The programs of the apps part over RDMA, next to TCP.
apps() {
	local names=${RDMA_APPS:-} tcp=$OUT/rdma-apps-tcp.tsv rdma=$OUT/rdma-apps.tsv
	if [ "$names" = none ]; then
		echo "== rdma: no applications (RDMA_APPS=none)"
		return
	fi
	[ -n "$names" ] ||
		names=$(awk '$1 !~ /^#/ && NF && $2 != "mp" { print $1 }' "$LIST" | xargs)
	echo "== rdma: the applications on $NODES nodes over RDMA next to TCP ($names)"
	rm -f "$rdma"
	# shellcheck disable=SC2086 # the names, split on purpose
	"$SRCDIR/tools/bench/run-apps.sh" --bench -n "$NODES" -k "$KVER" \
		--transport rdma --tsv "$rdma" $names || status=1
	if [[ " ${BENCH_PARTS_RUN:-} " == *" apps "* ]] &&
	   awk -F'\t' -v n="$NODES" '$3 == n { f = 1 } END { exit !f }' "$OUT/apps.tsv" 2>/dev/null; then
		tcp=$OUT/apps.tsv
		echo "(TCP: the apps part's rows on $NODES nodes from this run)"
	else
		rm -f "$tcp"
		# shellcheck disable=SC2086
		"$SRCDIR/tools/bench/run-apps.sh" --bench -n "$NODES" -k "$KVER" \
			--tsv "$tcp" $names || status=1
	fi
	if [ -s "$rdma" ] && [ -s "$tcp" ] &&
	   "$SRCDIR/tools/bench/rdma-compare.sh" "$tcp" "$rdma" "$NODES" "$OUT"; then
		cat "$OUT/rdma-apps.txt"
		echo "(table: $OUT/rdma-apps.txt, rows: $rdma and $tcp, plot: $OUT/rdma-apps.png)"
	else
		status=1
	fi
}

t0=$(date +%s)
latency
apps
echo "(rdma part: $(($(date +%s) - t0)) s)"
exit $status

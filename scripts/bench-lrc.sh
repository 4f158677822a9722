#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-lrc.sh - the lrc benchmarks (Documentation/lrc.md, "lrc
# benchmarks"): tools/bench/lrc_sync in the virtual cluster on 2, 3 and 4
# nodes.
#   1. bytes on the wire per barrier against bytes written, false sharing
#      (3 nodes; 4 nodes for two of the cases);
#   2. lock acquire latency, local and remote, against the TCP round trip
#      between the same guests (2 nodes);
#   3. manager messages per barrier, without and with writes (2, 3, 4 nodes).
# Writes $BUILD/bench/lrc.tsv (nodes, case, metric, value: each counter
# summed over the nodes, then the derived figures) and the readable
# $BUILD/bench/lrc.txt; the raw output of each run is lrc-nN.log there.
# Figures only: nothing is a timed assertion. Exit status 1 if a run
# failed (a call failed, data was wrong, a node or the cluster failed).
#
# It boots the virtual cluster three times (about 2 minutes under TCG) and
# takes no lock itself: when running it by hand, run it under the shared
# lock:  flock /tmp/dsm-vcluster.lock scripts/bench-lrc.sh
#
# Environment: LRC_KERNEL (6.1), LRC_PAGES (8) and LRC_ROUNDS (10) for the
# false-sharing cases, LRC_BARRIERS (50), LRC_LOCKS (400: acquires per lock
# case), VCLUSTER (the vcluster command), VCLUSTER_* as for vcluster.
set -uo pipefail

SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${BUILD:-$SRCDIR/build}
export SRCDIR BUILD
OUT=$BUILD/bench
KVER=${LRC_KERNEL:-6.1}
P=${LRC_PAGES:-8}
R=${LRC_ROUNDS:-10}
K=${LRC_BARRIERS:-50}
M=${LRC_LOCKS:-400}
VCLUSTER=${VCLUSTER:-$SRCDIR/tools/vcluster/vcluster}
TSV=$OUT/lrc.tsv
TXT=$OUT/lrc.txt
mkdir -p "$OUT"
status=0

kdir=$("$SRCDIR/scripts/kernels.sh" kdir "$KVER") || exit 1
make -s -C "$SRCDIR" module KDIR="$kdir" >/dev/null || exit 1
make -s -C "$SRCDIR" tools >/dev/null || exit 1
make -s -C "$SRCDIR/tools/bench" O="$OUT" >/dev/null || exit 1

# One run: N nodes, the phases of lrc_sync. Keeps the raw log and appends
# the node-summed records to $TSV.raw.
run() {
	local n=$1 log=$OUT/lrc-n$1.log rc
	shift
	echo "== lrc: $n nodes: lrc_sync $*"
	"$VCLUSTER" run -n "$n" -k "$KVER" \
		--timeout 600 --copy "$OUT/lrc_sync" -- ./lrc_sync "$@" \
		> "$log" 2>&1
	rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "lrc: the $n-node run failed (status $rc); last lines of $log:"
		grep -v '@lrc ' "$log" | tail -n 20
		status=1
	fi
	# "[nI] @lrc CASE METRIC VALUE" -> summed over the nodes.
	awk -v n="$n" '$2 == "@lrc" && NF == 5 {
			k = $3 "\t" $4
			if (!(k in sum)) order[++nr] = k
			sum[k] += $5
		}
		END { for (i = 1; i <= nr; i++)
			printf "%d\t%s\t%.6g\n", n, order[i], sum[order[i]] }' \
		"$log" >> "$TSV.raw"
}

: > "$TSV.raw"
run 2 lock "$M" bar "$K" bar "$K" w
run 3 fs "$P" "$R" 1 1 fs "$P" "$R" 64 1 fs "$P" "$R" 64 8 \
	fs "$P" "$R" 64 64 fs "$P" "$R" 1344 64 fs "$P" "$R" 1360 8 \
	fs "$P" "$R" 1360 1360 \
	bar "$K" bar "$K" w
run 4 fs "$P" "$R" 1 1 fs "$P" "$R" 64 8 bar "$K" bar "$K" w

# Derived figures, appended to the TSV after the raw sums, and the table.
awk -F '\t' -v tsv="$TSV" -v txt="$TXT" -v kver="$KVER" '
function g(n, c, m) { return ((n SUBSEP c SUBSEP m) in v) ? v[n, c, m] : 0 }
function d(n, c, m, x) {
	printf "%d\t%s\t%s\t%.6g\n", n, c, m, x > tsv
	v[n, c, m] = x
}
BEGIN { printf "nodes\tcase\tmetric\tvalue\n" > tsv }
function net(n, c, what) {	# eth0 tx over the phase minus idle heartbeats
	return g(n, c, "nic_tx_" what) - g(n, c, "nic_idle_" what)
}
{
	v[$1, $2, $3] = $4
	if (!(($1 SUBSEP $2) in seen)) { seen[$1, $2] = 1; cs[++nc] = $1 SUBSEP $2 }
	print > tsv
}
END {
	for (i = 1; i <= nc; i++) {
		split(cs[i], a, SUBSEP); n = a[1]; c = a[2]
		b = g(n, c, "barriers")
		if (c ~ /^fs-/ && b > 0) {
			w = g(n, c, "bytes_written") / b
			tx = g(n, c, "kernel_tx_bytes") / b
			diff = g(n, c, "lrc_diff_bytes_applied") / b
			d(n, c, "written_per_barrier", w)
			d(n, c, "kernel_tx_per_barrier", tx)
			d(n, c, "diff_bytes_per_barrier", diff)
			d(n, c, "headers_per_barrier", tx - diff)
			d(n, c, "ratio_tx_written", w ? tx / w : 0)
			d(n, c, "ratio_diff_written_receiver", w ? diff / (w * (n - 1)) : 0)
			# the runs alone: without the 4-byte header of each diff
			# (DSM_DIFF_HDR_SIZE; 8 before wire version 4)
			runs = diff - 4 * g(n, c, "lrc_diffs_applied") / b
			d(n, c, "ratio_runs_written_receiver", w ? runs / (w * (n - 1)) : 0)
			d(n, c, "nic_net_per_barrier", net(n, c, "bytes") / b)
			d(n, c, "page_msgs", g(n, c, "msg_tx_page_grant") + g(n, c, "page_fetched"))
			d(n, c, "diff_reply_avg", g(n, c, "msg_tx_diff_reply") ? \
			  g(n, c, "bytes_tx_diff_reply") / g(n, c, "msg_tx_diff_reply") : 0)
		}
		if (c ~ /^bar-/ && b > 0) {
			d(n, c, "mgr_wire_per_barrier", g(n, c, "mgr_wire_frames") / b)
			d(n, c, "mgr_netlink_per_barrier", \
			  (g(n, c, "mgr_requests") + g(n, c, "mgr_replies")) / b)
			d(n, c, "kernel_msgs_per_barrier", g(n, c, "kernel_tx_msgs") / b)
			d(n, c, "nic_net_packets_per_barrier", net(n, c, "packets") / b)
		}
		if (c ~ /^lock-/ && g(n, c, "acquires") > 0) {
			q = g(n, c, "acquires")
			d(n, c, "kernel_msgs_per_acquire", g(n, c, "kernel_tx_msgs") / q)
			d(n, c, "mgr_requests_per_acquire", g(n, c, "mgr_requests") / q)
		}
	}

	printf "lrc benchmarks (Linux %s, TCG: times are noisy, counts exact)\n\n", kver > txt
	printf "1. False sharing: bytes per barrier. Every node writes BYTES bytes of\n" > txt
	printf "   each page in runs of UNIT bytes interleaved with the other nodes, then a\n" > txt
	printf "   barrier. tx = kernel data connections (sum of bytes_tx_* over nodes);\n" > txt
	printf "   diff = diff blobs delivered (lrc_diff_bytes_applied); hdr = tx - diff;\n" > txt
	printf "   eth0 = all bytes the nodes sent (dsmd frames, TCP/IP, ACKs) minus idle\n" > txt
	printf "   heartbeats. runs/wr/r = diff bytes without each diff'"'"'s 4-byte header\n" > txt
	printf "   per byte written per receiving node. goal: runs/wr/r <= 2, page msgs 0.\n" > txt
	printf "%-2s %-16s %5s %8s %8s %8s %8s %8s %7s %9s %5s %6s\n", "n", "case", "pages", \
	       "written", "tx", "diff", "hdr", "eth0", "tx/wr", "runs/wr/r", "page", "goal" > txt
	for (i = 1; i <= nc; i++) {
		split(cs[i], a, SUBSEP); n = a[1]; c = a[2]
		if (c !~ /^fs-/) continue
		r = g(n, c, "ratio_runs_written_receiver")
		printf "%-2d %-16s %5d %8.0f %8.0f %8.0f %8.0f %8.0f %7.2f %9.2f %5d %6s\n", n, c, \
		       g(n, c, "pages"), g(n, c, "written_per_barrier"), \
		       g(n, c, "kernel_tx_per_barrier"), g(n, c, "diff_bytes_per_barrier"), \
		       g(n, c, "headers_per_barrier"), g(n, c, "nic_net_per_barrier"), \
		       g(n, c, "ratio_tx_written"), r, g(n, c, "page_msgs"), \
		       (r <= 2 && g(n, c, "page_msgs") == 0) ? "met" : "MISSED" > txt
	}

	printf "\n2. Lock acquire latency (2 nodes), microseconds, against the TCP round\n" > txt
	printf "   trip between the same guests. msgs = kernel data messages per acquire,\n" > txt
	printf "   mgr = requests to the manager per acquire (local: goal 0 and 0).\n" > txt
	printf "%-26s %9s %9s %8s %6s %6s\n", "what", "median", "p90", "samples", "msgs", "mgr" > txt
	printf "%-26s %9.1f %9.1f %8d\n", "tcp rtt 4 KiB", g(2, "lock", "rtt_4k_median_us"), \
	       g(2, "lock", "rtt_4k_p90_us"), 200 > txt
	printf "%-26s %9.1f %9.1f %8d\n", "tcp rtt 64 B", g(2, "lock", "rtt_64_median_us"), \
	       g(2, "lock", "rtt_64_p90_us"), 200 > txt
	printf "%-26s %9.1f %9.1f %8d %6.2f %6.2f\n", "local re-acquire", \
	       g(2, "lock-local", "acquire_median_us"), g(2, "lock-local", "acquire_p90_us"), \
	       g(2, "lock-local", "acquire_samples"), g(2, "lock-local", "kernel_msgs_per_acquire"), \
	       g(2, "lock-local", "mgr_requests_per_acquire") > txt
	printf "%-26s %9.1f %9.1f %8d %6.2f %6.2f\n", "remote (ping-pong)", \
	       g(2, "lock-remote", "acquire_median_us"), g(2, "lock-remote", "acquire_p90_us"), \
	       g(2, "lock-remote", "acquire_samples"), g(2, "lock-remote", "kernel_msgs_per_acquire"), \
	       g(2, "lock-remote", "mgr_requests_per_acquire") > txt
	printf "%-26s %9.1f %9.1f %8d\n", "  by node 0 (manager n1)", \
	       g(2, "lock-remote", "n0_acquire_median_us"), g(2, "lock-remote", "n0_acquire_p90_us"), \
	       g(2, "lock-remote", "n0_acquire_samples") > txt
	printf "%-26s %9.1f %9.1f %8d\n", "  by node 1 (the manager)", \
	       g(2, "lock-remote", "n1_acquire_median_us"), g(2, "lock-remote", "n1_acquire_p90_us"), \
	       g(2, "lock-remote", "n1_acquire_samples") > txt
	printf "remote/rtt_4k median: %.2f; counters: local acquires %d (remote %d), remote acquires %d\n", \
	       g(2, "lock", "rtt_4k_median_us") ? g(2, "lock-remote", "acquire_median_us") / \
	       g(2, "lock", "rtt_4k_median_us") : 0, g(2, "lock-local", "lrc_lock_acquire_local"), \
	       g(2, "lock-local", "lrc_lock_acquire_remote"), \
	       g(2, "lock-remote", "lrc_lock_acquire_remote") > txt

	printf "\n3. Manager messages per barrier. wire = dsmd-to-dsmd frames (MGR requests\n" > txt
	printf "   and replies of the nodes other than the manager, kernel counters);\n" > txt
	printf "   netlink = kernel<->dsmd messages on all nodes; data = kernel data\n" > txt
	printf "   messages (diff requests and replies); eth0 = packets sent minus idle;\n" > txt
	printf "   ms = time per barrier on node 0, after the first (a figure, not a goal).\n" > txt
	printf "%-2s %-12s %8s %6s %8s %6s %8s %7s %6s\n", "n", "case", "barriers", "wire", \
	       "netlink", "data", "eth0", "ms", "goal" > txt
	for (i = 1; i <= nc; i++) {
		split(cs[i], a, SUBSEP); n = a[1]; c = a[2]
		if (c !~ /^bar-/) continue
		wf = g(n, c, "mgr_wire_per_barrier")
		printf "%-2d %-12s %8d %6.2f %8.2f %6.2f %8.1f %7.2f %6s\n", n, c, g(n, c, "barriers"), \
		       wf, g(n, c, "mgr_netlink_per_barrier"), g(n, c, "kernel_msgs_per_barrier"), \
		       g(n, c, "nic_net_packets_per_barrier"), g(n, c, "us_per_barrier") / 1000, \
		       (wf <= 2 * (n - 1)) ? "met" : "MISSED" > txt
	}
}' "$TSV.raw"
rm -f "$TSV.raw"
cat "$TXT"
exit $status

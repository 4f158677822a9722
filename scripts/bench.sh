#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh - `make bench`: the benchmarks, with figures printed and written
# to $BUILD/bench/. Never timed assertions: figures are for reading.
#   - vcluster: time for 3 nodes to boot and run `true` (3 runs)
#   - sc: remote read- and write-fault latency against a raw TCP round trip
#     of 4 KiB between the same two guests, with the cluster key and with
#     'auth none'; mac: the kernel's hmac(sha256) per 4 KiB page
#   - apps: every program of tools/bench/apps.list at its BENCH_ARGS on 1,
#     2, 3 and 4 nodes (run-apps.sh): apps.tsv, apps.txt and PNGs
#   - lrc: bytes per barrier under false sharing, lock acquire latency,
#     manager messages per barrier on 2, 3 and 4 nodes (bench-lrc.sh):
#     lrc.tsv, lrc.txt
#   - core: diff/twin microbenchmarks (kmod/core)
#   - replicas: what backed-up releases cost (Documentation/lrc.md
#     "Backed-up releases"): REPLICAS_APPS (default jacobi, tsp: lock-based,
#     water) on REPLICAS_NODES (default 3) nodes, once with the lrc regions'
#     replicas 0 and once with 1 (one boot each, in this run): messages,
#     bytes and time side by side, replicas.tsv and replicas.txt
#   - adapt: what adaptive homes change (Documentation/sc.md "Adaptive
#     homes"): tools/bench/home_move (3 nodes: messages per round of one
#     page's writer and reader with its home on a third node, then moved
#     to the writer; home_move.txt), and ADAPT_APPS (default jacobi water
#     dict) on ADAPT_NODES
#     (default 3) nodes under sc (run-apps.sh --sc), once with homes that
#     never move (--adapt 0) and once with the module's default (one boot
#     each, in this run): messages per iteration and time side by side,
#     adapt.tsv and adapt.txt
#   - shadow: sc's shadows and msync (tools/bench/shadow_cost, 3 nodes):
#     msync's time and bytes, the frames each node keeps, and the time
#     from a node's power-off to its pages' first fault served again:
#     shadow.txt
#   - mp: jacobi, water, isort and tsp against their message-passing
#     baselines (tools/bench/mp), from the apps part's rows when it ran in
#     this run, else from a run of just those on MP_NODES (default 3) nodes
#     (each boot runs both); and the dsm programs again with the lrc
#     regions' replicas 0 (model lrc-r0: the baselines back nothing up),
#     one more boot per node count: mp.tsv, mp.txt, mp.png; then, replicas
#     0 again, each program and its baseline at apps.list's LARGE_ARGS
#     (run-apps.sh --large: sizes like TreadMarks' against PVM), one
#     more boot: large/mp.tsv, large/mp.txt, large/mp.png
#   - rdma: raw RDMA latency between two guests (perftest's ib_send_lat
#     and ib_read_lat over soft-RoCE) against dsm's remote read and write
#     fault latency over RDMA and over TCP, and the applications over
#     RDMA next to TCP (scripts/bench-rdma.sh): rdma.txt, rdma-apps.txt,
#     rdma-apps.png
#   - sharing: water and isort at BENCH_ARGS on 3 nodes, and what every
#     node's `dsmctl region top` says of their pages (hot pages, false
#     sharing; Documentation/sharing.md): sharing.txt
#   - n16: a smoke run of many nodes (issue 15 item 5): N16_NODES (default
#     16) boot, run one application at its check size (N16_APP, default
#     matmul) and verify it: the time, the verification, the faults and
#     messages it cost, the boot time; fails unless it verified: n16.txt
#   - note: the closing note, issue 17's figures from the parts above
#     (diff bytes per byte written under false sharing, diffs made on one
#     node; scripts/bench-note.sh): note.txt
#   - index: build/bench/index.html, every table and plot made so far on
#     one page (scripts/bench-index.sh)
# APPS_NODES (default "1 2 3 4") chooses the node counts of the apps part.
# The guests boot as a production kernel does, without slub_debug and
# page_poison (VCLUSTER_MEM_DEBUG=0; make check and make demo keep them):
# under TCG they doubled lrc jacobi's time on 3 nodes (4.5 and 5.2 s
# against 10.8 and 11.x s, 2026-12-05), all of it in the allocator's
# checks of twins and diffs, and message passing allocates nothing.
# VCLUSTER_MEM_DEBUG=1 make bench measures with them.
# And dsmd runs as its service does, without -v (VCLUSTER_DSMD_VERBOSE=0):
# with it, a debug line per lock forward went through the guest's shell
# loop to the serial console, and a lock hand-over between 2 nodes took
# 2.5 to 3.4 ms against 1.5 to 2.0 ms without (2026-12-06,
# Documentation/benchmarks.md).
set -uo pipefail

SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${BUILD:-$SRCDIR/build}
export SRCDIR BUILD
export VCLUSTER_MEM_DEBUG=${VCLUSTER_MEM_DEBUG:-0}
export VCLUSTER_DSMD_VERBOSE=${VCLUSTER_DSMD_VERBOSE:-0}
OUT=$BUILD/bench
mkdir -p "$OUT"
status=0

make -s -C "$SRCDIR" modules tools >/dev/null || exit 1

# BENCH_PARTS (default all): which parts to run, e.g. "sc" for the fault
# latency and MAC figures only.
PARTS=${BENCH_PARTS:-vcluster sc apps mp rdma lrc replicas adapt shadow core sharing n16 note index}

bench_vcluster() {
	echo "== vcluster: 3 nodes boot, run 'true', tear down (Linux 6.1, ${VCLUSTER_ACCEL:-tcg})"
	: > "$OUT/vcluster-boot.txt"
	for run in 1 2 3; do
		t0=$(date +%s.%N)
		if "$SRCDIR/tools/vcluster/vcluster" run -q -n 3 -- true; then
			t=$(echo "$(date +%s.%N) - $t0" | bc)
			printf 'run %d: %.1f s\n' "$run" "$t" | tee -a "$OUT/vcluster-boot.txt"
		else
			echo "run $run: failed" | tee -a "$OUT/vcluster-boot.txt"
			status=1
		fi
	done
}

bench_sc() {
	# Readahead (a cold miss also fetches the next pages) would serve most of
	# the benchmark's sequential faults locally: it is turned off so that every
	# sample is one remote fault. Under TCG the figures vary from run to run,
	# hence three runs, each with the cluster key (every frame tagged) and
	# then with 'auth none' (no tags): the difference is what authentication
	# costs a fault, next to mac_cost's figure for the transform alone.
	echo "== sc: fault latency against a TCP round trip (2 nodes, readahead off, 3 runs, key and auth none)"
	if make -s -C "$SRCDIR/tools/bench" O="$OUT" >/dev/null; then
		: > "$OUT/fault-latency.txt"
		: > "$OUT/fault-latency-noauth.txt"
		for run in 1 2 3; do
			for auth in key none; do
				f=$OUT/fault-latency.txt
				[ "$auth" = key ] || f=$OUT/fault-latency-noauth.txt
				echo "-- run $run, auth $auth" | tee -a "$f"
				"$SRCDIR/tools/vcluster/vcluster" run -n 2 --auth "$auth" \
					--copy "$OUT/fault_latency" -- sh -c \
					'echo 0 > /sys/module/dsm/parameters/readahead_pages && ./fault_latency' \
					2>&1 | sed -n 's/^\[n0\] //p' | tee -a "$f"
				[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
			done
		done
		echo "== mac: the kernel's hmac(sha256) per 4 KiB page (1 node)"
		"$SRCDIR/tools/vcluster/vcluster" run -n 1 --copy "$OUT/mac_cost" -- \
			./mac_cost 2>&1 | sed -n 's/^\[n0\] //p' | tee "$OUT/mac-cost.txt"
		[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
	else
		status=1
	fi
}

bench_apps() {
	# The applications: messages and bytes are the figures to read (under TCG
	# on 2 cores time does not scale with nodes). One cluster boot per node
	# count runs every program.
	echo "== apps: tools/bench/apps.list at BENCH_ARGS on ${APPS_NODES:-1 2 3 4} nodes"
	rm -f "$OUT/apps.tsv"
	for n in ${APPS_NODES:-1 2 3 4}; do
		"$SRCDIR/tools/bench/run-apps.sh" --bench -n "$n" --tsv "$OUT/apps.tsv" ||
			status=1
	done
	if [ -s "$OUT/apps.tsv" ]; then
		"$SRCDIR/tools/bench/plot-apps.sh" "$OUT/apps.tsv" "$OUT" || status=1
		cat "$OUT/apps.txt"
		echo "(table: $OUT/apps.txt, rows: $OUT/apps.tsv, plots: $OUT/apps-*.png)"
	fi
}

bench_mp() {
	local progs="jacobi water isort tsp" names='' p tsv=$OUT/apps.tsv
	echo "== mp: dsm against message passing ($progs)"
	for p in $progs; do names="$names $p $p-mp"; done
	if ! [[ " $PARTS " == *" apps "* ]] || ! grep -q $'\tmp\t' "$tsv" 2>/dev/null; then
		tsv=$OUT/mp-apps.tsv
		rm -f "$tsv"
		for n in ${MP_NODES:-3}; do
			# shellcheck disable=SC2086 # the names, split on purpose
			"$SRCDIR/tools/bench/run-apps.sh" --bench -n "$n" --tsv "$tsv" $names ||
				status=1
		done
	fi
	# The same programs with replicas 0: the baselines back nothing up,
	# so this is the like-for-like row; replicas 1 (the default) adds
	# the backed-up releases' cost (lrc.md "Backed-up releases"). The
	# baselines run again in this boot, each right after its program:
	# mp-compare.sh pairs a row with the baseline that follows it, as
	# one boot's speed can be twice another's here.
	rm -f "$OUT/mp-r0.tsv"
	for n in ${MP_NODES:-3}; do
		# shellcheck disable=SC2086 # the names, split on purpose
		"$SRCDIR/tools/bench/run-apps.sh" --bench -n "$n" --replicas 0 \
			--tsv "$OUT/mp-r0.tsv" $names || status=1
	done
	if [ -s "$tsv" ] && { cat "$tsv"; tail -n +2 "$OUT/mp-r0.tsv" 2>/dev/null; } \
		> "$OUT/mp-rows.tsv" &&
	   "$SRCDIR/tools/bench/mp-compare.sh" "$OUT/mp-rows.tsv" "$OUT"; then
		cat "$OUT/mp.txt"
		echo "(ratios dsm / mp; lrc-r0: the lrc regions with replicas 0; table: $OUT/mp.txt, rows: $OUT/mp.tsv, plot: $OUT/mp.png)"
	else
		status=1
	fi
	# Larger problems: more work per message and per synchronisation,
	# as in TreadMarks' comparison (Documentation/benchmarks.md).
	echo "== mp at LARGE_ARGS (replicas 0)"
	rm -f "$OUT/mp-large.tsv"
	for n in ${MP_NODES:-3}; do
		# shellcheck disable=SC2086 # the names, split on purpose
		"$SRCDIR/tools/bench/run-apps.sh" --bench -n "$n" --replicas 0 \
			--large --tsv "$OUT/mp-large.tsv" $names || status=1
	done
	if [ -s "$OUT/mp-large.tsv" ] &&
	   "$SRCDIR/tools/bench/mp-compare.sh" "$OUT/mp-large.tsv" "$OUT/large"; then
		cat "$OUT/large/mp.txt"
		echo "(sizes: $(awk -F'\t' 'NR > 1 && $2 == "mp" { printf "%s%s %s", s, $1, $4; s = ", " }' "$OUT/mp-large.tsv"); table: $OUT/large/mp.txt, plot: $OUT/large/mp.png)"
	else
		status=1
	fi
}

bench_lrc() {
	echo "== lrc: false sharing, lock latency, messages per barrier"
	"$SRCDIR/scripts/bench-lrc.sh" || status=1
}

bench_replicas() {
	local apps=${REPLICAS_APPS:-jacobi tsp water} n=${REPLICAS_NODES:-3} r
	echo "== replicas: $apps on $n nodes with replicas 0 and 1"
	rm -f "$OUT/replicas-apps.tsv"
	for r in 0 1; do
		# shellcheck disable=SC2086 # the names, split on purpose
		"$SRCDIR/tools/bench/run-apps.sh" --bench -n "$n" --replicas "$r" \
			--tsv "$OUT/replicas-apps.tsv" $apps || status=1
	done
	if [ -s "$OUT/replicas-apps.tsv" ] &&
	   "$SRCDIR/tools/bench/replicas-compare.sh" "$OUT/replicas-apps.tsv" \
		"$OUT"; then
		cat "$OUT/replicas.txt"
		echo "(table: $OUT/replicas.txt, rows: $OUT/replicas.tsv)"
	else
		status=1
	fi
}

bench_adapt() {
	local apps=${ADAPT_APPS:-jacobi water dict} n=${ADAPT_NODES:-3} how
	echo "== adapt: one page's writer and reader, its home on a third node, then moved"
	if make -s -C "$SRCDIR/tools/bench" O="$OUT" >/dev/null; then
		"$SRCDIR/tools/vcluster/vcluster" run -n 3 \
			--copy "$OUT/home_move" -- ./home_move 2>&1 |
			sed -n 's/^\[n[012]\] //p' > "$OUT/home_move.log"
		[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
		# "home_move: static|moved node N msgs M rounds R": sum nodes
		awk '$1 == "home_move:" && ($2 == "static" || $2 == "moved") {
			m[$2] += $6; r = $8 }
		     $1 == "home_move:" && $2 == "P'"'"'s" { print }
		     END { if (r > 0 && ("static" in m) && ("moved" in m))
			printf "home_move: messages per round (write of node 1, read of node 2), all nodes: %.1f with the home on node 0, %.1f once moved to node 1 (%d rounds each)\n",
			       m["static"] / r, m["moved"] / r, r
		     else print "home_move: no figures (see home_move.log)" }' \
			"$OUT/home_move.log" | tee "$OUT/home_move.txt"
	else
		status=1
	fi
	echo "== adapt: $apps on $n nodes under sc, homes static and adaptive"
	rm -f "$OUT/adapt-apps.tsv"
	for how in "--adapt 0" ""; do
		# shellcheck disable=SC2086 # the options and names, split on purpose
		"$SRCDIR/tools/bench/run-apps.sh" --bench -n "$n" --sc $how \
			--tsv "$OUT/adapt-apps.tsv" $apps || status=1
	done
	if [ -s "$OUT/adapt-apps.tsv" ] &&
	   "$SRCDIR/tools/bench/adapt-compare.sh" "$OUT/adapt-apps.tsv" \
		"$SRCDIR/tools/bench/apps.list" "$OUT"; then
		cat "$OUT/adapt.txt"
		echo "(ratios adaptive / static; table: $OUT/adapt.txt, rows: $OUT/adapt.tsv)"
	else
		status=1
	fi
}

bench_shadow() {
	# sc's shadows and msync (issue 15 item 3): what msync costs, the frames
	# each node keeps, and the time from a node's power-off to the first
	# fault served again (Documentation/sc.md "Shadows and msync").
	echo "== shadow: msync cost, frames kept, recovery after a power-off (3 nodes, Linux 6.1)"
	if make -s -C "$SRCDIR/tools/bench" O="$OUT" >/dev/null; then
		"$SRCDIR/tools/vcluster/vcluster" run -n 3 \
			--copy "$OUT/shadow_cost" -- ./shadow_cost 2>&1 |
			sed -n 's/^\[n[012]\] //p' | grep -v '^#' | tee "$OUT/shadow.txt"
		[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
	else
		status=1
	fi
}

bench_core() {
	echo "== core: diff and twin microbenchmarks"
	make -s -C "$SRCDIR/kmod/core/tests" O="$BUILD/unit" microbench |
		tee "$OUT/core-micro.txt" || status=1
}

bench_sharing() {
	local p log
	echo "== sharing: water and isort on 3 nodes, and each node's 'dsmctl region top'"
	"$SRCDIR/tools/bench/run-apps.sh" --bench -n 3 \
		--tsv "$OUT/sharing-apps.tsv" water isort || status=1
	: > "$OUT/sharing.txt"
	for p in water isort; do
		log=$BUILD/apps/bench-6.1-n3-key.log.$p
		{
			echo "-- $p: hot pages as each node saw them"
			sed -n 's/^\[n\([0-9]*\)\] @@TOP /node \1: /p' "$log"
			printf '%s: pages with the verdict false, summed over nodes: %s\n' \
				"$p" "$(grep -c '@@TOP 0x.* false ' "$log")"
		} | tee -a "$OUT/sharing.txt"
	done
	echo "(table: $OUT/sharing.txt)"
}

bench_n16() {
	# Issue 15 item 5: a cluster of 16 nodes (N16_NODES) runs one
	# application at its check size (N16_APP, default matmul: node 0
	# fills A and B, every node computes its band of C between two
	# barriers and checks it exactly against a serial run), through
	# run-apps.sh --check: one boot. A smoke run: the figures are for
	# reading, but a result that does not verify, or a node that fails,
	# fails the part.
	local n=${N16_NODES:-16} app=${N16_APP:-matmul} t0 rc line why
	local f=$OUT/n16.txt log=$OUT/n16.log
	echo "== n16: $app at its check size on $n nodes (boot, result verified, faults and messages)"
	t0=$(date +%s)
	"$SRCDIR/tools/bench/run-apps.sh" --check -n "$n" "$app" > "$log" 2>&1
	rc=$?
	line=$(grep -E "^(not )?ok [0-9]+ - $app: " "$log" | head -n 1)
	{
		echo "$app on $n nodes, Linux 6.1, ${VCLUSTER_ACCEL:-tcg}: whole run $(($(date +%s) - t0)) s"
		# vcluster's own line: when every node had reached its command.
		sed -n 's/^vcluster: every node up (its command started) /boot: every node up /p' \
			"$BUILD/apps/check-6.1-n$n-key.log" 2>/dev/null | head -n 1
		# "ok 1 - matmul: app=... verify=ok msgs=M bytes=B faults=F
		# diffs=D": the counters summed over nodes; "not ok 1 -
		# matmul: WHY: ..." when it failed.
		case "$line" in
		"ok "*) echo "result: ${line#*"$app: "}" ;;
		?*) echo "result: NOT OK: ${line#*"$app: "}" ;;
		esac
	} | tee "$f"
	why=
	if [ "$rc" != 0 ]; then
		why="run-apps.sh exited $rc"
	elif [[ "$line" != "ok "* ]] || [[ "$line" != *" verify=ok "* ]]; then
		why="no verified result"
	fi
	if [ -n "$why" ]; then
		echo "n16: FAILED: $app on $n nodes: $why (log: $log)" | tee -a "$f" >&2
		grep -E '^(not )?ok |^# |^run-apps.sh: ' "$log" | head -n 40 | sed 's/^/  | /' >&2
		status=1
	fi
}

bench_rdma() {
	# The apps part's rows serve as the TCP side when it ran.
	BENCH_PARTS_RUN=$PARTS "$SRCDIR/scripts/bench-rdma.sh" || status=1
}

bench_note() {
	echo "== note: issue 17's figures from this run"
	"$SRCDIR/scripts/bench-note.sh" "$OUT" || status=1
}

bench_index() {
	echo "== index: $OUT/index.html"
	"$SRCDIR/scripts/bench-index.sh" "$OUT" || status=1
}

for part in $PARTS; do
	case "$part" in
	vcluster) bench_vcluster ;;
	sc) bench_sc ;;
	apps) bench_apps ;;
	lrc) bench_lrc ;;
	replicas) bench_replicas ;;
	adapt) bench_adapt ;;
	shadow) bench_shadow ;;
	core) bench_core ;;
	mp) bench_mp ;;
	rdma) bench_rdma ;;
	sharing) bench_sharing ;;
	n16) bench_n16 ;;
	note) bench_note ;;
	index) bench_index ;;
	*) echo "bench: unknown part '$part' in BENCH_PARTS" >&2; exit 2 ;;
	esac
done
exit $status

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh [--full] [--dry-run] - everything `make check` runs: deps,
#   the modules (lint's W=1 C=2 builds for 6.1 and 6.12), tools; then in
#   the background, beside the virtual clusters, the host lane: lint of
#   the sources (checkpatch, shape, shellcheck), unit tests (ASan/UBSan),
#   dkms (dkms add/build of dsm.ko for 6.1 and 6.12 in a scratch tree),
#   packages (make deb, lintian, the packages' files in a scratch root),
#   short fuzz runs, the protocol model's bounded configuration (spin,
#   scripts/model.sh --check), and the harness's own test on the host;
#   and in the foreground the selftests in the virtual cluster on Linux
#   6.1 (every group over TCP)
#   followed by the applications of tools/bench/apps.list once on 3
#   nodes, on 6.12 (1node and a subset of 3node over TCP), every
#   multi-node group over RDMA on 6.12 (but 3node-join, 3node-part and
#   dsm_vcnet), and a representative subset over RDMA on 6.1
#   (scripts/selftests.sh group rdma-short).
#   --full      (`make check-full`) then also what does not fit make
#               check's 40-minute budget: the long fuzzing (`make fuzz`,
#               FUZZ_SECONDS per target, 300 unless set), the
#               applications on 6.12 and on 2 and 4 nodes on each
#               kernel, the rest of 6.12's groups over TCP and RDMA, and
#               the rest of the multi-node groups over RDMA on 6.1.
#   --dry-run   print the stages and their commands; run nothing.
# Every TAP result line counts as one test, every other stage as one. Each
# stage prints its wall time; the end is a table of the stage times and
# the total, then the last line "N passed, N failed"; the exit status is
# non-zero if anything failed. Logs: $BUILD/results/.
#
# CHECK_DEADLINE=S (.ci/run sets it below its own time limit): the run
# must end within S seconds of its start. The virtual-cluster stages run
# in the order of what they alone cover (every program over TCP, then
# over RDMA, then the second kernel's subsets); the first always starts, a
# later one that would not end in time (with a fifth to spare) is not
# started, and is reported as
# a skip naming the deadline (which never counts as a pass). Its expected time is its time on an
# idle 2-core machine (vm_stage's second argument) times how much slower
# than there this machine ran the last cluster stage (before the first:
# half as much slower as the build stages). A stage still running at
# the deadline is stopped and fails.
#
# For testing this script only: CHECK_SKIP="PATTERN..." skips the stages
# whose names match (e.g. 'selftests-* apps-*'); each is reported as a
# skip, which never counts as a pass.
set -uo pipefail

SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${BUILD:-$SRCDIR/build}
export SRCDIR BUILD

full=0
dry_run=0
for a in "$@"; do
	case "$a" in
	--full) full=1 ;;
	--dry-run) dry_run=1 ;;
	*) sed -n '4,29p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
	esac
done
# make check's time budget (Documentation/testing.md); a longer run is
# reported, not failed: the time depends on the machine.
BUDGET=1800
FUZZ_SECONDS=${FUZZ_SECONDS:-300}
DEADLINE=${CHECK_DEADLINE:-0}
[[ "$DEADLINE" =~ ^[0-9]+$ ]] || { echo "check.sh: CHECK_DEADLINE takes seconds, not '$DEADLINE'" >&2; exit 2; }
# The build stages' time on an idle 2-core machine (modules, tools: about
# 60 and 40 s, Documentation/testing.md), against which this machine's
# speed is taken.
BUILD_REF=100
read -ra skip_patterns <<< "${CHECK_SKIP:-}"

RES=$BUILD/results
mkdir -p "$RES"
TAP=$RES/check.tap
[ "$dry_run" = 1 ] || : > "$TAP"
start=$(date +%s)

# The stage table: name, seconds, result; and which stages are --full's.
stage_names=()
stage_secs=()
stage_res=()
stage_extra=()

skipped_by_env() {
	local p
	for p in "${skip_patterns[@]}"; do
		# shellcheck disable=SC2053 # $p is a pattern
		[[ $1 == $p ]] && return 0
	done
	return 1
}

# harvest_tap NAME LOG RC: the TAP lines of LOG (or, when it has none, the
# stage itself) into $TAP; on failure, the last lines of LOG.
harvest_tap() {
	local name=$1 log=$2 rc=$3 before
	before=$(wc -l < "$TAP")
	sed -n -E "s/^((not )?ok [0-9]+ .*)/\1 [$name]/p" "$log" >> "$TAP"
	if [ "$(wc -l < "$TAP")" -eq "$before" ]; then
		if [ "$rc" -eq 0 ]; then
			echo "ok 0 $name" >> "$TAP"
		else
			echo "not ok 0 $name # exit status $rc" >> "$TAP"
		fi
	elif [ "$rc" -ne 0 ] && ! grep -q "^not ok .*\[$name\]$" "$TAP"; then
		echo "not ok 0 $name # exit status $rc without a failing test" >> "$TAP"
	fi
	if [ "$rc" -ne 0 ]; then
		echo "   last lines of $log:"
		tail -n 40 "$log" | sed 's/^/   | /'
	fi
}

# harvest_selftests NAME LOG RC: the TAP file scripts/selftests.sh wrote
# for the kernel (NAME is selftests-KVER) into $TAP.
harvest_selftests() {
	local name=$1 log=$2 rc=$3 v=${1#selftests-} tap
	tap=$RES/selftests-$v.tap
	[ -f "$tap" ] && sed 's/$/ [selftests]/' "$tap" >> "$TAP"
	tail -n 1 "$log" | sed 's/^/   /'
	if [ "$rc" -ne 0 ]; then
		# What failed and why, on which node: each failed check and
		# the line its test logged with it, and the failing tests.
		grep -E -A1 '^(\[n[0-9]+\] )?# [^ ]*:[0-9]+:[^ ]*:Expected ' \
			"$log" | grep -v '^--$' | head -n 40 | sed 's/^/   | /'
		grep -E '^(\[n[0-9]+\] )?not ok|^vcluster:.*(status|error|timeout)' \
			"$log" | head -n 30 | sed 's/^/   | /'
		# The failing nodes' kernel lines (run_tests.sh).
		grep -E '^(\[n[0-9]+\] )?# dmesg: ' "$log" | head -n 30 |
			sed 's/^/   | /'
		if ! grep -q '^not ok' "$tap" 2>/dev/null; then
			echo "not ok 0 selftests on Linux $v # status $rc" >> "$TAP"
		fi
	fi
}

# record NAME SECS RESULT: one row of the stage table.
record() {
	stage_names+=("$1")
	stage_secs+=("$2")
	stage_res+=("$3")
	stage_extra+=("$in_extra")
}

# not_run NAME: record NAME as not run when this is a dry run or NAME is
# in CHECK_SKIP; false (run it) otherwise.
not_run() {
	if [ "$dry_run" = 1 ]; then
		record "$1" - "not run (dry run)"
		return 0
	fi
	skipped_by_env "$1" || return 1
	echo "ok 0 $1 # SKIP in CHECK_SKIP" >> "$TAP"
	echo "   skipped (CHECK_SKIP)"
	record "$1" - skipped
}

# finish NAME HARVEST LOG RC SECS [NOTE]: print and record a stage's end,
# and harvest its results.
finish() {
	local name=$1 harvest=$2 log=$3 rc=$4 dt=$5 note=${6:-}
	if [ "$rc" -eq 0 ]; then
		echo "   ok (${dt}s$note)"
		record "$name" "$dt" ok
	else
		echo "   FAILED (status $rc, ${dt}s$note)"
		record "$name" "$dt" "FAILED (status $rc)"
	fi
	"$harvest" "$name" "$log" "$rc"
	return "$rc"
}

# stage NAME HARVEST CMD...: run CMD as stage NAME with its output in
# $RES/NAME.log, record its results with HARVEST, print and record its wall
# time. With --dry-run only print it; in CHECK_SKIP, report a skip.
stage() {
	local name=$1 harvest=$2 log=$RES/$1.log t0 rc
	shift 2
	echo "== $name: $*"
	not_run "$name" && return 0
	t0=$(date +%s)
	if [ "$DEADLINE" -gt 0 ]; then
		# Stopped at the deadline (TERM: vcluster kills its VMs), so
		# that the table and the summary are still printed.
		# timeout runs the stage in a process group of its own: ended
		# with check.sh too (stage_end), also when .ci/run's limit
		# stops check.sh.
		timeout --kill-after=30 "$(left)" "$@" > "$log" 2>&1 &
		stage_pid=$!
		wait "$stage_pid"
		rc=$?
		stage_pid=
		[ "$rc" -ne 124 ] ||
			echo "check.sh: stopped at the run's deadline (CHECK_DEADLINE=$DEADLINE s)" >> "$log"
	else
		"$@" > "$log" 2>&1
		rc=$?
	fi
	finish "$name" "$harvest" "$log" "$rc" $(($(date +%s) - t0))
}

# stage_end: end the stage running under timeout (its process group).
stage_pid=
stage_end() {
	[ -z "$stage_pid" ] || kill -TERM -- "-$stage_pid" 2>/dev/null
	[ -z "${lane_pid:-}" ] || kill -TERM -- "-$lane_pid" 2>/dev/null
}
trap stage_end EXIT
trap 'exit 143' TERM INT

# left: the seconds before the deadline (at least 1).
left() {
	local l=$((start + DEADLINE - $(date +%s)))
	[ "$l" -gt 0 ] || l=1
	echo "$l"
}

# vm_stage NAME REF HARVEST CMD...: stage(), for a virtual-cluster stage
# that takes REF seconds on an idle 2-core machine; not started, but
# reported as a skip, when CHECK_DEADLINE is set and it would not end
# before it at this machine's speed (speed_pct), which the stage's own
# time then updates.
vm_stage() {
	local name=$1 ref=$2 est need left n=${#stage_names[@]} rc=0
	shift 2
	# The first (every group over TCP) always starts: it is stopped at
	# the deadline if it must be.
	if [ "$DEADLINE" -gt 0 ] && [ "$dry_run" = 0 ] && [ "$vm_first" = 0 ] &&
	   ! skipped_by_env "$name"; then
		est=$((ref * speed_pct / 100))
		left=$(left)
		# A fifth more than expected still ends in time: a stage the
		# deadline stops fails, one not started is only a skip.
		need=$((est * 6 / 5))
		if [ "$need" -ge "$left" ]; then
			echo "== $name: ${*:2}"
			echo "   skipped: expected ${est}s (${need}s with a fifth to spare), ${left}s left before the deadline"
			echo "ok 0 $name # SKIP not started: expected ${est}s (${need}s with a fifth to spare), ${left}s left of CHECK_DEADLINE=${DEADLINE}s" >> "$TAP"
			record "$name" - "skipped (deadline)"
			return 0
		fi
	fi
	vm_first=0
	stage "$name" "$@" || rc=$?
	if [[ "${stage_secs[$n]}" =~ ^[0-9]+$ ]]; then	# not "-": it ran
		speed_pct=$((stage_secs[n] * 100 / ref))
		[ "$speed_pct" -ge 100 ] || speed_pct=100
	fi
	return $rc
}
vm_first=1

# bg_stage NAME CMD...: start CMD as stage NAME in the background, for a
# stage that mostly waits (it takes little from the stages beside it);
# bg_wait NAME HARVEST then waits for it and records it as stage() does.
declare -A bg_pid bg_t0
bg_stage() {
	local name=$1
	shift
	echo "== $name (in the background): $*"
	if [ "$dry_run" = 1 ] || skipped_by_env "$name"; then
		return 0
	fi
	bg_t0[$name]=$(date +%s)
	"$@" > "$RES/$name.log" 2>&1 &
	bg_pid[$name]=$!
}

bg_wait() {
	local name=$1 harvest=$2 rc
	echo "== $name: the background stage's end"
	if [ -z "${bg_pid[$name]:-}" ]; then
		not_run "$name" || record "$name" - "not started"
		return 0
	fi
	wait "${bg_pid[$name]}"
	rc=$?
	finish "$name" "$harvest" "$RES/$name.log" "$rc" \
		$(($(date +%s) - bg_t0[$name])) ", beside the stages above"
}

# The host lane: stages that need no virtual cluster (lint of the
# sources, unit tests, DKMS, packages, fuzzing, the model), queued with
# lane_add NAME CMD... and run one after the other by lane_start in the
# background as SCHED_IDLE (lane_add), so that they take the cores the
# clusters leave
# idle (a cluster waits for timeouts, failure detection and reboots much
# of its time) rather than add their minutes to the run's. Each writes
# $RES/NAME.log and $RES/NAME.rc ("STATUS SECONDS"); lane_wait waits for
# the lane and records each stage as stage() does, in the queued order.
# At a deadline a lane stage is stopped as stage() stops its own.
lane_names=()
lane_cmds=()
lane_needs=()
lane_pid=
# lane_add NAME [--needs S] CMD...: queue stage NAME of the host lane. It
# runs as SCHED_IDLE, on cycles no cluster wants: at nice 10 the lane
# (the unit tests, fuzzing, the model) slowed group 3node from 478 to
# 586 and 667 s in two clean-clone runs of fb16ab9 and 54ce679, and
# dsm_home's back-to-back moves then outlasted fault_timeout_ms once.
# Under a deadline it starts only with S seconds left (default 120),
# else it is a skip.
lane_add() {
	local name=$1 q needs=120
	shift
	if [ "$1" = --needs ]; then
		needs=$2
		shift 2
	fi
	printf -v q '%q ' "$@"
	lane_names+=("$name")
	lane_cmds+=("chrt --idle 0 $q")
	lane_needs+=("$needs")
}

lane_run() {
	local i name t0 rc child=
	# Ended (stage_end): the running stage too; under a deadline it is in
	# timeout's process group, not the lane's.
	trap '[ -z "$child" ] || kill -TERM -- "-$child" "$child" 2>/dev/null; exit 143' TERM
	for i in "${!lane_names[@]}"; do
		name=${lane_names[$i]}
		skipped_by_env "$name" && continue
		# Too close to the deadline to end (the least of the stages
		# takes about a minute, the model several under the clusters):
		# not started, a skip (lane_wait), as a cluster stage would be,
		# rather than a stage the deadline stops.
		if [ "$DEADLINE" -gt 0 ] && [ "$(left)" -lt "${lane_needs[$i]}" ]; then
			echo "skip $(left)" > "$RES/$name.rc"
			continue
		fi
		t0=$(date +%s)
		if [ "$DEADLINE" -gt 0 ]; then
			eval "timeout --kill-after=30 $(left) ${lane_cmds[$i]}" \
				> "$RES/$name.log" 2>&1 &
		else
			eval "${lane_cmds[$i]}" > "$RES/$name.log" 2>&1 &
		fi
		child=$!
		wait "$child"
		rc=$?
		child=
		[ "$DEADLINE" = 0 ] || [ "$rc" -ne 124 ] ||
			echo "check.sh: stopped at the run's deadline (CHECK_DEADLINE=$DEADLINE s)" >> "$RES/$name.log"
		echo "$rc $(($(date +%s) - t0))" > "$RES/$name.rc"
	done
}

lane_start() {
	local i
	for i in "${!lane_names[@]}"; do
		echo "== ${lane_names[$i]} (in the background, host lane): ${lane_cmds[$i]}"
		rm -f "$RES/${lane_names[$i]}.rc"
	done
	[ "$dry_run" = 0 ] || return 0
	# A process group of its own (set -m), ended with check.sh (stage_end).
	set -m
	lane_run &
	lane_pid=$!
	set +m
}

# lane_need NAME: wait until the host lane's stage NAME has ended, for a
# cluster stage that needs what it builds (bounded: the lane's stages
# are, under a deadline). False if it failed or did not run.
lane_need() {
	local rc dt
	[ "$dry_run" = 0 ] || return 0
	skipped_by_env "$1" && return 0
	while [ ! -s "$RES/$1.rc" ] && [ -n "$lane_pid" ] &&
	      kill -0 "$lane_pid" 2>/dev/null; do
		sleep 2
	done
	read -r rc dt < "$RES/$1.rc" 2>/dev/null || return 1
	[ "$rc" = 0 ]
}

lane_wait() {
	local name rc dt
	[ -z "$lane_pid" ] || wait "$lane_pid"
	lane_pid=
	for name in "${lane_names[@]}"; do
		echo "== $name: the host lane's stage"
		not_run "$name" && continue
		if ! read -r rc dt < "$RES/$name.rc" 2>/dev/null; then
			echo "no status (the lane ended early)" >> "$RES/$name.log"
			rc=1 dt=0
		fi
		if [ "$rc" = skip ]; then
			echo "   skipped: ${dt}s left before the deadline"
			echo "ok 0 $name # SKIP not started: ${dt}s left of CHECK_DEADLINE=${DEADLINE}s [host lane]" >> "$TAP"
			record "$name" - "skipped (deadline)"
			continue
		fi
		finish "$name" harvest_tap "$RES/$name.log" "$rc" "$dt" \
			", in the host lane beside the clusters" || true
	done
}

in_extra=0
if [ "$(id -u)" -eq 0 ]; then
	stage deps harvest_tap "$SRCDIR/scripts/deps.sh" || true
else
	stage deps harvest_tap "$SRCDIR/scripts/deps.sh" --check || true
fi
versions=$("$SRCDIR/scripts/kernels.sh" versions)
newest=${versions##* }
oldest=${versions%% *}
build_ok=1
# What the virtual clusters boot: the modules (lint's W=1 C=2 builds)
# and the programs. The oldest kernel's module first, which the first
# cluster stage needs; the others' first in the host lane, which the
# stages on those kernels wait for (lane_need).
stage "modules-$oldest" harvest_tap "$SRCDIR/scripts/lint.sh" --modules \
	"$oldest" || build_ok=0
stage tools harvest_tap make -j"$(nproc)" -C "$SRCDIR" tools || build_ok=0
# The host's own stages, one after the other in the background beside the
# virtual clusters (lane_start); their results come after the clusters'.
# The builds last: whatever of them is left when the clusters end then
# has the whole machine.
for v in $versions; do
	[ "$v" = "$oldest" ] ||
		lane_add "modules-$v" "$SRCDIR/scripts/lint.sh" --modules "$v"
done
lane_add lint "$SRCDIR/scripts/lint.sh" --sources
lane_add unit make -C "$SRCDIR" unit
lane_add fuzz-short make -C "$SRCDIR" fuzz-short
# The model: about 130 s of CPU alone, 236 to 585 s beside the clusters
# (stop 47's CI, cc42); started last it was stopped at the deadline, a
# failure. Before the short stages, and only with ten minutes left.
lane_add model --needs 600 "$SRCDIR/scripts/model.sh" --check
# DKMS's packaging is the same for every kernel, and the modules stages
# build the sources for each: make check builds it for the newest (200
# to 400 s beside the clusters for both: cc44 left no time for the
# packages), check-full for each.
# Each under a deadline only with 4 minutes left: a minute alone, three
# beside the clusters (packages: 188 s in stop 50's CI, which the
# deadline stopped, a failure, with 2 minutes left when it started).
lane_add dkms --needs 240 "$SRCDIR/scripts/dkms-check.sh" "$newest"
lane_add packages --needs 240 "$SRCDIR/scripts/pkg-check.sh"
lane_start

# The multi-node programs that run over TCP on the newest kernel too, in
# make check; its other multi-node tests run over RDMA only (--full: over
# TCP as well). dsm_auth covers what only the TCP transport does, with
# that kernel's socket and page code: sc's grants received in place,
# damaged and replayed frames on the stream. Documentation/testing.md.
TCP_SUBSET=dsm_auth
# The programs of group 3node that make check runs over TCP on the oldest
# kernel only: they test the control plane and lrc's bookkeeping above
# the transport (dsmctl and dsmd, barrier and lock limits, namespaces,
# adaptive homes' tables, lrc's garbage collection, the sharing
# verdicts of REGION_TOP), whose kernel paths dsm_netlink (1node),
# dsm_lrc and dsm_home run on the newest kernel too; and dsm_stall, a
# stalled peer (81 s over RDMA in cc44), whose RDMA side dsm_rdma's
# credits test covers in selftests-rdma-6.12-more. check-full runs them
# over RDMA there. dsm_lrc_gc (dsm_lrc again with a tiny collection
# threshold, 70 s), dsm_sharing and dsm_sharing_apps (27 s) joined them
# when make check outgrew .ci/run's deadline (stop 50: 2281 s); and
# dsm_lrc_prefetch (which pages a lock grant prefetches), dsm_lrc_r0
# (dsm_lrc on replicas 0 regions: diffs made only when needed) and
# dsm_lrc_runs (runs of own intervals on replicas 0 regions): lrc's
# bookkeeping; dsm_lrc's fetches cross RDMA on the newest kernel.
RDMA_LATER=dsm_control,dsm_lrc_limits,dsm_lrc_regions,dsm_adapt,dsm_stall,dsm_lrc_gc,dsm_lrc_r0,dsm_lrc_prefetch,dsm_lrc_runs,dsm_sharing,dsm_sharing_apps

# This machine's speed against the idle reference, in percent (at least
# 100), by which vm_stage scales a stage's expected time: first from the
# build stages, then from the last virtual-cluster stage that ran.
build_secs=0
for i in "${!stage_names[@]}"; do
	case "${stage_names[$i]}" in
	modules-* | tools)
		[ "${stage_secs[$i]}" = - ] ||
			build_secs=$((build_secs + stage_secs[i])) ;;
	esac
done
# The clusters slow down less than the builds (the CI run of 2b18e3c:
# 1.5 against 1.9 times), so half the builds' slowness, until a cluster
# stage has shown its own.
speed_pct=$((100 + (build_secs * 100 / BUILD_REF - 100) / 2))
[ "$speed_pct" -ge 100 ] || speed_pct=100

if [ "$build_ok" = 1 ]; then
	# The harness's own test (dsm_harness): two minutes of deliberate
	# sync timeouts among processes on 127.0.0.1, no guest needed
	# (scripts/harness-host.sh), so beside the virtual clusters.
	bg_stage harness "$SRCDIR/scripts/harness-host.sh"
	# The virtual-cluster stages, most needed first (for CHECK_DEADLINE),
	# each with its time on an idle 2-core machine:
	# 1. every group over TCP on the oldest kernel;
	vm_stage "selftests-$oldest" 950 harvest_selftests \
		"$SRCDIR/scripts/selftests.sh" "$oldest" || true
	# 2. the RDMA transport on the newest kernel (its soft-RoCE runs on a
	# workqueue): group 3node but RDMA_LATER, in one cluster;
	lane_need "modules-$newest" ||
		echo "== the $newest modules did not build (stage modules-$newest): its stages fail"
	vm_stage "selftests-rdma-$newest" 310 harvest_selftests \
		env SELFTESTS_NAME="rdma-$newest" \
		"$SRCDIR/scripts/selftests.sh" "$newest" \
		"rdma-3node:-$RDMA_LATER" || true
	# 3. the newest kernel over TCP: 1node (the only run of the one-node
	# programs on that kernel) and TCP_SUBSET;
	vm_stage "selftests-$newest" 110 harvest_selftests \
		"$SRCDIR/scripts/selftests.sh" "$newest" 1node \
		"3node:$TCP_SUBSET" || true
	# 4. over RDMA on the other kernels (6.1's soft-RoCE runs on
	# tasklets), a representative subset in one cluster, group
	# rdma-short: sc's faults with zero copy, credits and device removal
	# (3node-rdma; until stop 50's CI ran out of time, dsm_auth too);
	# check-full runs every group.
	for v in $versions; do
		[ "$v" != "$newest" ] || continue
		vm_stage "selftests-rdma-short-$v" 110 harvest_selftests \
			env SELFTESTS_NAME="rdma-short-$v" \
			"$SRCDIR/scripts/selftests.sh" "$v" rdma-short || true
	done
	# 5. 3node-rdma's RDMA-specific tests and 3node-reload over RDMA on
	# the newest kernel, in one cluster; check-full adds groups
	# 3node-fail (lrc's failure; until stop 50's CI ran out of time here
	# too: a node's death over RDMA is dsm_failover's in stage 2),
	# 3node-mgrfail (dsmd stopped: the data links stay up), 3node-join
	# and 3node-part over RDMA.
	vm_stage "selftests-rdma-$newest-more" 140 harvest_selftests \
		env SELFTESTS_NAME="rdma-$newest-more" \
		"$SRCDIR/scripts/selftests.sh" "$newest" rdma-3node-reload || true
	# 6. every application of tools/bench/apps.list once, small, on 3
	# nodes: each verifies its own result (Documentation/benchmarks.md).
	# On the oldest kernel only, for the 40 minutes (check-full runs
	# them on the newest too), and with 'auth none' (links without tags,
	# a trusted fabric), so that setting is tested as well as the key the
	# selftests use.
	vm_stage "apps-$oldest" 75 harvest_tap \
		"$SRCDIR/tools/bench/run-apps.sh" --check -k "$oldest" \
		--auth none || true
	bg_wait harness harvest_tap || true
else
	echo "not ok 0 selftests # not run: the build failed" >> "$TAP"
fi
lane_wait
check_end=$(date +%s)

if [ "$full" = 1 ]; then
	in_extra=1
	echo "== check-full: what does not fit make check's budget"
	stage fuzz harvest_tap make -C "$SRCDIR" fuzz \
		FUZZ_SECONDS="$FUZZ_SECONDS" || true
	stage dkms-all harvest_tap "$SRCDIR/scripts/dkms-check.sh" || true
	if [ "$build_ok" = 1 ]; then
		# The applications on the newest kernel, with the cluster key.
		stage "apps-$newest" harvest_tap \
			"$SRCDIR/tools/bench/run-apps.sh" --check -k "$newest" \
			--auth key || true
		for v in $versions; do
			for n in 2 4; do
				stage "apps-$v-n$n" harvest_tap \
					"$SRCDIR/tools/bench/run-apps.sh" \
					--check -n "$n" -k "$v" || true
			done
		done
		# The newest kernel's groups make check runs over RDMA only,
		# over TCP too.
		stage "selftests-$newest-rest" harvest_selftests \
			env SELFTESTS_NAME="$newest-rest" \
			"$SRCDIR/scripts/selftests.sh" "$newest" \
			"3node:-$TCP_SUBSET" 3node-reload 3node-fail \
			3node-mgrfail 3node-join 3node-part 3node-rehome 3node-shadow || true
		# What make check leaves out over RDMA on the newest kernel.
		stage "selftests-rdma-$newest-rest" harvest_selftests \
			env SELFTESTS_NAME="rdma-$newest-rest" \
			"$SRCDIR/scripts/selftests.sh" "$newest" \
			"rdma-3node:$RDMA_LATER" rdma-3node-fail \
			rdma-3node-mgrfail rdma-3node-join rdma-3node-part || true
		# Over RDMA on the other kernels too: every group (3node-rdma,
		# which rdma-short ran above, again with 3node-reload).
		for v in $versions; do
			[ "$v" != "$newest" ] || continue
			stage "selftests-rdma-$v-rest" harvest_selftests \
				env SELFTESTS_NAME="rdma-$v-rest" \
				"$SRCDIR/scripts/selftests.sh" "$v" \
				rdma-3node rdma-3node-reload \
				rdma-3node-fail rdma-3node-mgrfail \
				rdma-3node-join rdma-3node-part || true
		done
	else
		echo "not ok 0 apps on 2 and 4 nodes # not run: the build failed" >> "$TAP"
	fi
fi

end=$(date +%s)
total=$((end - start))
echo "== stage times"
for i in "${!stage_names[@]}"; do
	secs=${stage_secs[$i]}
	[ "$secs" = - ] || secs=${secs}s
	extra=
	[ "${stage_extra[$i]}" = 1 ] && extra=" (--full)"
	printf '  %-26s %6s  %s%s\n' "${stage_names[$i]}" "$secs" \
		"${stage_res[$i]}" "$extra"
done
if [ "$full" = 1 ]; then
	printf '  %-26s %6s\n' "make check part" "$((check_end - start))s"
	printf '  %-26s %6s\n' "--full part" "$((end - check_end))s"
fi
printf '  %-26s %6s  (%d min %02d s)\n' total "${total}s" \
	$((total / 60)) $((total % 60))
if [ "$dry_run" = 1 ]; then
	echo "dry run: ${#stage_names[@]} stages, nothing run"
	exit 0
fi
if [ $((check_end - start)) -gt "$BUDGET" ]; then
	echo "note: the make check part took over its budget of $((BUDGET / 60)) minutes" \
		"(Documentation/testing.md)"
fi

"$SRCDIR/scripts/tap-summary.sh" "$TAP"

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# stress.sh [-k 6.1|6.12|debug] [-s SECONDS] [--seed N] [--kinds K1,K2,...|all|none]
#
# The long hostile-peer run of issue 12 (`make stress`; not part of
# `make check`): a 3-node virtual cluster in which every node runs the
# applications of tools/bench/apps.list in a loop, each verifying its
# result, for STRESS_SECONDS (default 600), while node 1 runs
# dsm_adversary against nodes 0 and 2 (wrong messages of every kind, or
# of STRESS_KINDS; "none": no adversary, a baseline), seeded with
# STRESS_SEED (printed at the start; random unless given). The kernel is
# STRESS_KERNEL (default 6.1) or -k; debug is the KASAN and lockdep kernel
# of make check-debug (scripts/debug-kernel.sh builds it once, and the
# module is built against it here), on which every bound in time is
# multiplied by STRESS_TIME_FACTOR (default 3 there, 1 elsewhere), dsmd's
# dead timeout in the guests included (vcluster's VCLUSTER_TIME_FACTOR).
#
# Fails on any wrong application result (an exit status other than 0 on
# any node, or node 0's verify= other than ok), any kernel report on a
# console (vcluster checks them), or a node that hangs (vcluster's
# timeout). Prints the adversary's messages by kind and each
# application's passes. Logs: $BUILD/stress/.
#
# In the guests the same script runs as:
#   stress.sh --guest SECONDS SEED KINDS FACTOR
set -u

BENCH=/usr/lib/dsm/bench
ADV=/usr/lib/dsm/selftests/dsm_adversary

# ---- in a guest -----------------------------------------------------------

# The pages the adversary aims at: those the sc applications use in the
# default region (snapshot from 64 MiB, dict from 128 MiB), and each lrc
# application's region.
adv_pages() {
	pages=16384:1024,32768:1024
	while read -r name model size rest; do
		case "$name" in ''|'#'*) continue ;; esac
		[ "$model" = lrc ] || continue
		r=$(awk -v n="$name" '$1 == n { print $3 " " $5 }' \
			/sys/kernel/debug/dsm/regions)
		[ -n "$r" ] || continue
		# shellcheck disable=SC2086 # offset and size, split on purpose
		set -- $r
		pages="$pages,$(($1 / 4096)):$(($2 / 4096))"
	done < "$BENCH/apps.list"
	echo "$pages"
}

# Node 0 makes every lrc application's region up front (as run-apps.sh
# would at its first run), so that the adversary knows where they are.
guest_regions() {
	while read -r name model size rest; do
		case "$name" in ''|'#'*) continue ;; esac
		[ "$model" = lrc ] || continue
		if [ "$DSM_NODE_ID" = 0 ]; then
			dsmctl region create "$name" size "$size" model lrc ||
				return 1
		fi
		i=0
		until dsmctl region show "$name" >/dev/null 2>&1; do
			i=$((i + 1))
			[ $i -lt $((150 * factor)) ] || return 1
			sleep 0.2
		done
	done < "$BENCH/apps.list"
}

guest() {
	secs=$1 seed=$2 kinds=$3 factor=$4
	id=${DSM_NODE_ID:?}
	export PATH="$BENCH:$PATH"
	# run-apps.sh multiplies its bounds by the same factor.
	export DSM_TEST_TIME_FACTOR="$factor"
	# shellcheck source=../selftests/dsm/time_factor.sh
	. /usr/lib/dsm/selftests/time_factor.sh
	dsm_time_factor > /dev/null || exit 2
	dsm_slow_kernel "$factor"
	guest_regions || { echo "stress: node $id: the lrc regions are missing"; exit 1; }
	app-sync 1 $((300 * factor)) || exit 1
	adv=
	if [ "$id" = 1 ] && [ "$kinds" != none ]; then
		karg=
		[ "$kinds" = all ] || karg="--kinds $kinds"
		# shellcheck disable=SC2086
		$ADV run --seed "$seed" --duration "$secs" --dst 0,2 \
			--pages "$(adv_pages)" $karg > /tmp/adversary.out 2>&1 &
		adv=$!
	fi
	start=$(cut -d. -f1 /proc/uptime)
	iter=0
	status=0
	while :; do
		# Go on while time is left; the second barrier's step says
		# what this node decided, so that nodes that disagree (at the
		# very end) meet nowhere and all stop.
		app-sync 2 $((300 * factor)) || break
		now=$(cut -d. -f1 /proc/uptime)
		if [ $((now - start)) -lt "$secs" ]; then
			app-sync 3 $((60 * factor)) || break
		else
			app-sync 4 $((60 * factor))
			break
		fi
		iter=$((iter + 1))
		echo "@@ITER $iter"
		run-apps.sh --guest check || status=1
	done
	if [ -n "$adv" ]; then
		wait "$adv" || status=1
		sed 's/^/@@ADV /' /tmp/adversary.out
	fi
	echo "@@DONE $iter iterations"
	exit $status
}

if [ "${1:-}" = --guest ]; then
	shift
	guest "$@"
fi

# ---- on the host ----------------------------------------------------------

SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${BUILD:-$SRCDIR/build}
export SRCDIR BUILD

kver=${STRESS_KERNEL:-6.1}
secs=${STRESS_SECONDS:-600}
seed=${STRESS_SEED:-}
# Every kind, as dsm_hostile (see its KINDS).
kinds=${STRESS_KINDS:-wrong-sender,stale-reply,nack-errno,inflated-vt,huge-page,flood,more-flood,silent}
while [ $# -gt 0 ]; do
	case "$1" in
	-k) kver=${2:?-k 6.1|6.12|debug}; shift 2 ;;
	-s) secs=${2:?-s SECONDS}; shift 2 ;;
	--seed) seed=${2:?--seed N}; shift 2 ;;
	--kinds) kinds=${2:?--kinds LIST}; shift 2 ;;
	-h|--help) sed -n '4,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "stress.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
done
case "$kver" in
6.1|6.12) factor=${STRESS_TIME_FACTOR:-1} ;;
debug) factor=${STRESS_TIME_FACTOR:-3} ;;
*) echo "stress.sh: -k 6.1, 6.12 or debug" >&2; exit 2 ;;
esac
case "$factor" in
[1-9] | [1-9][0-9] | [1-9][0-9][0-9] | 1000) ;;
*) echo "stress.sh: STRESS_TIME_FACTOR is a whole number from 1 to 1000" >&2; exit 2 ;;
esac
case "$secs" in ''|*[!0-9]*) echo "stress.sh: SECONDS is a number" >&2; exit 2 ;; esac
[ -n "$seed" ] || seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
case "$seed" in *[!0-9]*) echo "stress.sh: the seed is a number" >&2; exit 2 ;; esac
if [ ! -x "$BUILD/guest$ADV" ] || [ ! -f "$BUILD/guest$BENCH/apps.list" ]; then
	echo "stress.sh: $BUILD/guest is missing the tools: run 'make modules tools' first" >&2
	exit 2
fi

# The debug kernel (built once, cached) and the module against it.
if [ "$kver" = debug ]; then
	blog=$BUILD/stress-debug-build.log
	if ! "$SRCDIR/scripts/debug-kernel.sh" > "$blog" 2>&1 ||
	   ! kdir=$("$SRCDIR/scripts/debug-kernel.sh" kdir) ||
	   ! "$SRCDIR/scripts/build-module.sh" "$kdir" >> "$blog" 2>&1; then
		echo "stress.sh: building the debug kernel or the module against it failed; see $blog" >&2
		exit 1
	fi
fi

mkdir -p "$BUILD/stress"
log=$BUILD/stress/stress-$kver-$seed.log
echo "stress: Linux $kver, 3 nodes, $secs s, adversary on node 1 against nodes 0 and 2: kinds $kinds, seed $seed, bounds x$factor"
echo "stress: reproduce with: make stress STRESS_KERNEL=$kver STRESS_SECONDS=$secs STRESS_SEED=$seed STRESS_KINDS=$kinds STRESS_TIME_FACTOR=$factor"
echo "stress: log $log"
t0=$(date +%s)
# The last loop may start just before the end: its programs' limits
# (run-apps.sh) bound it, and boot and teardown come on top.
VCLUSTER_TIME_FACTOR=$factor "$SRCDIR/tools/vcluster/vcluster" run -n 3 -k "$kver" \
	--timeout $((secs + 1500 * factor)) --copy "$SRCDIR/scripts/stress.sh" -- \
	sh ./stress.sh --guest "$secs" "$seed" "$kinds" "$factor" > "$log" 2>&1
vrc=$?

# Per iteration and program: passed when every node said rc=0 and node 0
# printed verify=ok.
awk '
	match($0, /^\[n[0-9]+\] /) {
		node = substr($0, 3, RLENGTH - 4); line = substr($0, RLENGTH + 1)
		if (line ~ /^@@ITER /) { it[node] = $3; next }
		if (line ~ /^@@BEGIN /) { cur[node] = $3; next }
		if (line ~ /^@@END /) { cur[node] = ""; next }
		if (line ~ /^@@STAT /) {
			key = it[node] " " $3
			if (!(key in seen)) keys[++nkeys] = key
			seen[key]++
			if ($4 != "rc=0") bad[key] = bad[key] " node " node ": " $4
			if (!($3 in apps)) order[++napps] = $3
			apps[$3] = 1
			next
		}
		if (node == 0 && cur[0] != "" && line ~ /^app=/) {
			key = it[0] " " cur[0]
			if (line !~ / verify=ok/) bad[key] = bad[key] " node 0: " line
			verified[key] = 1
		}
	}
	END {
		for (i = 1; i <= nkeys; i++) {
			key = keys[i]
			split(key, k, " ")
			if (seen[key] < 3) bad[key] = bad[key] " only " seen[key] " of 3 nodes finished"
			if (!verified[key]) bad[key] = bad[key] " node 0 printed no verify=ok"
			runs[k[2]]++
			if (bad[key] == "") pass[k[2]]++
			else printf "stress: FAILED: iteration %s, %s:%s\n", k[1], k[2], bad[key]
		}
		for (i = 1; i <= napps; i++)
			printf "stress: %-9s passed %d of %d runs\n", order[i],
			       pass[order[i]], runs[order[i]]
		for (i = 1; i <= nkeys; i++) if (bad[keys[i]] != "") exit 1
	}' "$log"
arc=$?
grep -h '^\[n1\] @@ADV ' "$log" | sed 's/^\[n1\] @@ADV /stress: adversary: /'
grep -h '@@DONE' "$log" | sed 's/^\[n\([0-9]\)\] @@DONE /stress: node \1: /'
grep -E '^vcluster: (node|timeout)|console\]' "$log" | head -n 40
status=0
if [ "$vrc" != 0 ]; then
	echo "stress: vcluster run failed (status $vrc): a node failed, hung or reported a kernel error; see $log"
	status=1
fi
if [ "$arc" != 0 ]; then
	echo "stress: an application failed (above)"
	status=1
fi
if ! grep -q '@@ITER 1$' "$log"; then
	echo "stress: no application ran"
	status=1
fi
echo "stress: $([ $status = 0 ] && echo passed || echo FAILED) in $(($(date +%s) - t0)) s (seed $seed)"
exit $status

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# selftests.sh KVER [GROUP[:PROGS]...] - run the dsm selftests in the
# virtual cluster on guest kernel KVER (6.1 or 6.12, or debug: the debug
# kernel of scripts/debug-kernel.sh), each group in a cluster of its own:
# group 1node on one node, groups 3node, 3node-reload, 3node-fail and
# 3node-mgrfail, 3node-part, 3node-rehome and 3node-shadow on three, 3node-join on three and a spare that joins
# (vcluster --spare 1), over TCP (the default: all seven).
# Over RDMA (soft-RoCE, vcluster --transport rdma), on three nodes:
#   rdma-3node         3node's programs, SELFTESTS_RDMA_PROGS if set;
#   rdma-3node-reload  group 3node-rdma (credits, device removal), then
#                      group 3node-reload;
#   rdma-3node-fail    group 3node-fail;
#   rdma-3node-mgrfail group 3node-mgrfail;
#   rdma-3node-join    group 3node-join (three and a spare);
#   rdma-3node-part    group 3node-part;
#   rdma               all six: every multi-node group over RDMA.
#   rdma-short         a representative subset in one cluster: group
#                      3node-rdma (sc's faults with zero copy, credits,
#                      device removal); make check runs it on the kernel
#                      whose every group runs over RDMA only in
#                      check-full.
# :PROGS selects programs of the group, comma-separated
# (3node:dsm_sc,dsm_lrc), or with a leading '-' every program of the
# group but those (3node:-dsm_sc,dsm_lrc); not with rdma or
# rdma-3node-reload or rdma-short.
# Writes the combined TAP output to $BUILD/results/selftests-KVER.tap
# (selftests-NAME.tap with SELFTESTS_NAME=NAME), each line tagged
# [linux-KVER GROUP nodeI], and prints "N passed, N failed, N skipped"
# for it. Exit status 0 only if nothing failed.
#
# DSM_TEST_SLOW, DSM_TEST_SYNC_TIMEOUT and DSM_TEST_TIME_FACTOR (a whole
# number from 1 that multiplies every bound inside the tests), when set,
# are passed to the tests in the guests (Documentation/testing.md).
# SELFTESTS_TIMEOUT bounds each group's run (vcluster --timeout; defaults
# below); SELFTESTS_TIMEOUT_FACTOR (a whole number, default 1) multiplies
# the defaults, for slower kernels (check-debug.sh sets both factors).
set -uo pipefail
# Static homes in the guests: the tests place their pages by home (page
# p on node p mod 3), and dsm_home pushes tables itself. dsm_adapt turns
# adaptive homes on where it tests them.
export VCLUSTER_HOME_ADAPT=${VCLUSTER_HOME_ADAPT:-0}

SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${BUILD:-$SRCDIR/build}
kver=${1:?usage: selftests.sh 6.1|6.12|debug [GROUP[:PROGS]]... (1node 3node 3node-reload 3node-fail 3node-mgrfail 3node-join 3node-part 3node-rehome 3node-shadow rdma rdma-short rdma-3node rdma-3node-reload rdma-3node-fail rdma-3node-mgrfail rdma-3node-join rdma-3node-part)}
shift
groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(1node 3node 3node-reload 3node-fail 3node-mgrfail 3node-join 3node-part 3node-rehome 3node-shadow)
factor=${SELFTESTS_TIMEOUT_FACTOR:-1}
[[ "$factor" =~ ^[1-9][0-9]*$ ]] || {
	echo "selftests.sh: SELFTESTS_TIMEOUT_FACTOR is a whole number from 1, not '$factor'" >&2
	exit 2
}
# The groups, rdma expanded; each program list checked before any
# cluster boots.
specs=()
for g in "${groups[@]}"; do
	if [ "$g" = rdma ]; then
		specs+=(rdma-3node rdma-3node-reload rdma-3node-fail rdma-3node-mgrfail
			rdma-3node-join rdma-3node-part)
		continue
	fi
	case "$g" in
	1node|3node|3node-reload|3node-fail|3node-mgrfail|3node-join|3node-part|3node-rehome|3node-shadow|rdma-short|rdma-3node|rdma-3node-reload|rdma-3node-fail|rdma-3node-mgrfail|rdma-3node-join|rdma-3node-part) ;;
	*:*) case "${g#*:}" in
	     ''|-|*[!a-z0-9_,-]*|?*-*|*,,*|*,|-,*)
		echo "selftests.sh: bad program list in '$g'" >&2; exit 2 ;;
	     esac ;;&
	1node:*|3node:*|3node-reload:*|3node-fail:*|3node-mgrfail:*|3node-join:*|3node-part:*|3node-rehome:*|3node-shadow:*|rdma-3node:*|rdma-3node-fail:*|rdma-3node-mgrfail:*|rdma-3node-join:*|rdma-3node-part:*) ;;
	*) echo "selftests.sh: unknown group '$g'" >&2; exit 2 ;;
	esac
	specs+=("$g")
done
rdma_progs=${SELFTESTS_RDMA_PROGS:-}
case "$rdma_progs" in
*[!a-z0-9_\ ]*) echo "selftests.sh: bad SELFTESTS_RDMA_PROGS '$rdma_progs'" >&2
	    exit 2 ;;
esac

# Refused here too, before any cluster boots (the tests refuse it as well).
tf=${DSM_TEST_TIME_FACTOR:-1}
[[ "$tf" =~ ^[1-9][0-9]{0,2}$|^1000$ ]] || {
	echo "selftests.sh: DSM_TEST_TIME_FACTOR is a whole number from 1 to 1000, not '$tf'" >&2
	exit 2
}

# The knobs of dsm_test.h, for the guests' command line.
envs=()
for v in DSM_TEST_SLOW DSM_TEST_SYNC_TIMEOUT DSM_TEST_TIME_FACTOR; do
	[ -z "${!v:-}" ] || envs+=("$v=${!v}")
done

mkdir -p "$BUILD/results"
tap=$BUILD/results/selftests-${SELFTESTS_NAME:-$kver}.tap
: > "$tap"
# progs_cmd GROUP PROGS: the guest's command that runs PROGS of GROUP
# (comma-separated, or '-'PROGS: all of GROUP but those), into cmd.
progs_cmd() {
	local grp=$1 sel p ex=
	IFS=, read -ra sel <<< "${2#-}"
	if [ "${2#-}" = "$2" ]; then
		cmd=("$d/run_tests.sh" "$grp" "${sel[@]}")
		return
	fi
	for p in "${sel[@]}"; do
		ex="$ex -e $p"
	done
	# shellcheck disable=SC2016 # $d: expanded by the guest's shell
	cmd=(sh -c 'd='"$d"'; exec $d/run_tests.sh '"$grp"' $(grep -vx'"$ex"' $d/tests-'"$grp"')')
}

d=/usr/lib/dsm/selftests
status=0
for spec in "${specs[@]}"; do
	# The bound of a group's run: about twice what it takes on 2 cores
	# shared with other VMs, and room for a few tests that fail at the
	# sync timeout (240 s).
	g=${spec%%:*}
	transport=tcp
	spare=0
	grp=$g
	case "$g" in
	1node) n=1 tmo=900 ;;
	3node) n=3 tmo=1800 ;;
	# dsm_lock_bystander waits for node 2's reboot (vc-restart).
	3node-reload) n=3 tmo=900 ;;
	3node-fail) n=3 tmo=900 ;;
	3node-mgrfail) n=3 tmo=600 ;;
	# Three members and a spare that joins (dsm_join).
	3node-join) n=3 spare=1 tmo=600 ;;
	# node 2 cut off, fenced, healed, rejoined (dsm_partition).
	3node-part) n=3 tmo=600 ;;
	# node 2 powered off for good; the survivors read its pages.
	3node-rehome) n=3 tmo=600 ;;
	# node 2 powered off after an msync; the survivors go on writing.
	3node-shadow) n=3 tmo=600 ;;
	rdma-3node) n=3 tmo=1800 transport=rdma grp=3node ;;
	# 3node-rdma takes node 1's device away and gives it back; it must
	# not be the last group of a cluster whose last program restarts a
	# node (a restarted node runs only tests-restart's programs).
	rdma-3node-reload) n=3 tmo=1200 transport=rdma grp= ;;
	rdma-short) n=3 tmo=1200 transport=rdma grp= ;;
	rdma-3node-fail) n=3 tmo=900 transport=rdma grp=3node-fail ;;
	rdma-3node-mgrfail) n=3 tmo=600 transport=rdma grp=3node-mgrfail ;;
	rdma-3node-join) n=3 spare=1 tmo=600 transport=rdma grp=3node-join ;;
	rdma-3node-part) n=3 tmo=600 transport=rdma grp=3node-part ;;
	esac
	cmd=("$d/run_tests.sh" "$grp")
	if [ "$g" = rdma-short ]; then
		cmd=("$d/run_tests.sh" 3node-rdma)
	elif [ -z "$grp" ]; then
		# shellcheck disable=SC2016 # $d, $r: expanded by the guest's shell
		cmd=(sh -c 'd='"$d"'; $d/run_tests.sh 3node-rdma; r=$?; $d/run_tests.sh 3node-reload || r=1; exit $r')
	elif [ "$spec" != "$g" ]; then
		progs_cmd "$grp" "${spec#*:}"
	elif [ "$g" = rdma-3node ] && [ -n "$rdma_progs" ]; then
		read -ra sel <<< "$rdma_progs"
		cmd+=("${sel[@]}")
	fi
	tmo=$((tmo * factor))
	out=$BUILD/results/selftests-${SELFTESTS_NAME:-$kver}-$g.log
	echo "== selftests $g on Linux $kver ($n node(s), $transport)"
	"$SRCDIR/tools/vcluster/vcluster" run -n "$n" --spare "$spare" -k "$kver" \
		--transport "$transport" --timeout "${SELFTESTS_TIMEOUT:-$tmo}" \
		-- env "${envs[@]}" "${cmd[@]}" 2>&1 |
		tee "$out"
	rc=${PIPESTATUS[0]}
	# Keep each node's TAP lines, named by kernel, group and node.
	sed -n -E "s/^\[n([0-9]+)\] ((not )?ok [0-9]+ .*)/\2 [linux-$kver $g node\1]/p" \
		"$out" >> "$tap"
	if [ "$rc" -ne 0 ]; then
		status=1
		# A run that failed without a failing test line (a node that
		# crashed or hung, a kernel error on a console) still counts.
		if ! grep -q "^not ok .*\[linux-$kver $g " "$tap" ||
		   grep -q 'kernel reported an error\|no exit status' "$out"; then
			echo "not ok 0 vcluster run failed (status $rc) [linux-$kver $g]" >> "$tap"
		fi
	fi
done

passed=$(grep -cE '^ok [0-9]+ ' "$tap" | tr -d ' ')
skipped=$(grep -cE '^ok [0-9]+ .*# SKIP' "$tap" | tr -d ' ')
failed=$(grep -c '^not ok ' "$tap" | tr -d ' ')
passed=$((passed - skipped))
echo "selftests on Linux $kver: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]

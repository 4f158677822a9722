#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# model.sh [--check] [NAME...] - check the protocol models with spin
# (`make model`; Documentation/model.md).
#   (default)   every configuration: sc's directory protocol with one
#               node failure, msync and the write-back (kmod/dsm_sc.pml)
#               on 3 nodes, for 1 page and 2 accesses per node and for 2
#               pages and 1 access; two failures (re-replication) for 1
#               page and 1 access; no livelock under weak fairness for 1
#               page and 1 access and for 2 pages and 1 access; and the
#               failure a partition (the node cut off runs on until it
#               fences) for 1 page and 1 access and for 2 pages and 1
#               access.
#   --check     the bounded configuration `make check` runs: 1 page, 1
#               access per node, safety (every assert and no deadlock),
#               searched exhaustively.
#   NAME...     only these configurations (e.g. sc-1page-1op-2failures).
# One TAP line per configuration, in order once all have ended, with the
# states searched and the time (and a bitstate search's hash factor); a
# violation prints spin's trail (the shortest it found) under the line.
# MODEL_JOBS verifiers run at once (default: one per CPU); a line goes to
# stderr as each ends. The generated verifiers and trails: $BUILD/model/.
set -uo pipefail

SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${BUILD:-$SRCDIR/build}
OUT=$BUILD/model

check_only=0
only=""
for a in "$@"; do
	case "$a" in
	--check) check_only=1 ;;
	sc-*) only="$only $a " ;;
	*) sed -n '4,23p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
	esac
done
if ! command -v spin >/dev/null; then
	echo "model: spin is missing: run make deps (Debian package spin)" >&2
	exit 1
fi

jobs=${MODEL_JOBS:-$(nproc)}
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || {
	echo "model: MODEL_JOBS is a whole number from 1, not '$jobs'" >&2
	exit 2
}
n=0
names=()

# verify N NAME MODEL SPIN_DEFS CC_DEFS PAN_ARGS: its TAP line(s).
verify() {
	local n=$1 name=$2 model=$3 defs=$4 ccdefs=$5 args=$6 dir t0 t1 errs
	local states hf
	dir=$OUT/$name
	t0=$(date +%s)
	# shellcheck disable=SC2086
	if ! (cd "$dir" && spin -a $defs "$(basename "$model")" > spin.log 2>&1 &&
	      gcc -O2 $ccdefs -o pan pan.c > cc.log 2>&1); then
		echo "not ok $n model.$name # spin or cc failed"
		tail -n 20 "$dir"/spin.log "$dir"/cc.log 2>/dev/null | sed 's/^/# /'
		return
	fi
	# shellcheck disable=SC2086
	(cd "$dir" && ./pan $args > pan.log 2>&1)
	t1=$(date +%s)
	errs=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$dir/pan.log")
	states=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' "$dir/pan.log")
	hf=$(sed -n 's/^hash factor: \([0-9.]*\).*/\1/p' "$dir/pan.log")
	if [ "$errs" = 0 ]; then
		echo "ok $n model.$name # $states states, $((t1 - t0)) s${hf:+, hash factor $hf}"
	else
		echo "not ok $n model.$name # errors: ${errs:-?} ($((t1 - t0)) s)"
		grep -E 'violated|error|cycle' "$dir/pan.log" | head -n 5 | sed 's/^/# /'
		if [ -f "$dir/$(basename "$model").trail" ]; then
			# shellcheck disable=SC2086
			(cd "$dir" && spin -t $defs -s -r "$(basename "$model")") 2>&1 |
				grep -E 'Send|Recv|assert' | tail -n 40 | sed 's/^/# /'
		fi
	fi
}

# run NAME MODEL SPIN_DEFS CC_DEFS PAN_ARGS: start its verifier once
# fewer than $jobs run (in this script's process group: what stops the
# script by its group stops them too).
run() {
	local name=$1 dir
	if [ -n "$only" ] && [[ "$only" != *" $name "* ]]; then
		return
	fi
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n
	done
	dir=$OUT/$name
	n=$((n + 1))
	rm -rf "$dir"
	mkdir -p "$dir"
	cp "$SRCDIR/$2" "$dir/"
	names+=("$name")
	{ verify "$n" "$@" > "$dir/tap"; head -n 1 "$dir/tap" >&2; } &
}

sc=kmod/dsm_sc.pml
# Exhaustive, states stored compressed: about 31 million states, 2.6 GB.
run sc-1page-1op "$sc" "-DNPAGES=1 -DOPS=1" "-DSAFETY -DCOLLAPSE" \
	"-m200000 -w26"
if [ "$check_only" = 0 ] || [ -n "$only" ]; then
	run sc-1page-1op-2failures "$sc" "-DNPAGES=1 -DOPS=1 -DFAILURES=2" \
		"-DSAFETY -DBITSTATE" "-m400000 -w30"
	run sc-1page-1op-progress "$sc" "-DNPAGES=1 -DOPS=1" \
		"-DNP -DNFAIR=3 -DCOLLAPSE" "-l -f -m200000 -w26"
	# The failure a partition: cut off, runs on, fences, declared down.
	run sc-1page-1op-partition "$sc" "-DNPAGES=1 -DOPS=1 -DPARTITION" \
		"-DSAFETY -DCOLLAPSE" "-m200000 -w26"
	# Too large to store every state: bitstate (supertrace) search, in
	# a table of 2^30 bits, so that it ends (within an hour on one core):
	# a partial search, its hash factor says how partial (model.md).
	run sc-1page-2ops "$sc" "-DNPAGES=1 -DOPS=2" "-DSAFETY -DBITSTATE" \
		"-m400000 -w30"
	run sc-2pages-1op "$sc" "-DNPAGES=2 -DOPS=1" "-DSAFETY -DBITSTATE" \
		"-m400000 -w30"
	run sc-2pages-1op-partition "$sc" "-DNPAGES=2 -DOPS=1 -DPARTITION" \
		"-DSAFETY -DBITSTATE" "-m400000 -w30"
	# No livelock with 2 pages: the nested search (-l) for a cycle
	# without progress under weak fairness, bitstate as above.
	run sc-2pages-1op-progress "$sc" "-DNPAGES=2 -DOPS=1" \
		"-DNP -DNFAIR=3 -DBITSTATE" "-l -f -m400000 -w30"
fi
wait
status=0
for name in "${names[@]}"; do
	if [ -s "$OUT/$name/tap" ]; then
		cat "$OUT/$name/tap"
	else
		echo "not ok model.$name # no result (the verifier was stopped?)"
	fi
	grep -q '^not ok' "$OUT/$name/tap" 2>/dev/null && status=1
	[ -s "$OUT/$name/tap" ] || status=1
done
echo "1..$n"
exit $status

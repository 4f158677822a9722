#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run-apps.sh - run the applications of apps.list on the virtual cluster,
# with the dsm counters they cost.
#
# On the host (drives tools/vcluster/vcluster; run `make tools` first):
#   run-apps.sh --check [-n NODES] [-k 6.1|6.12] [--auth key|none] [NAME...]
#       each program (or the NAMEs) once at CHECK_ARGS on NODES nodes
#       (default 3: make check; make check-full adds 2 and 4); prints
#       TAP: one line per program with its summary line, then one for the
#       run itself (every node's status, no kernel report on a console).
#       Exit status 0 only if every line is ok.
#   run-apps.sh --bench -n NODES [-k 6.1|6.12] [--auth key|none]
#               [--transport tcp|rdma] [--replicas 0|1] [--gc BYTES]
#               [--prefetch N] [--prefetch-grants 0|1] [--push 0|1]
#               [--sc] [--adapt N] [--large]
#               [--tsv FILE] [NAME...]
#       each program at BENCH_ARGS on NODES nodes; appends one row per
#       program to FILE (default $BUILD/bench/apps.tsv):
#       app model nodes size time_ms messages bytes faults diffs verify
#   --large: each program at LARGE_ARGS instead, where apps.list gives
#       them (BENCH_ARGS where not): problems the size of TreadMarks'
#       comparison with PVM; the log's name ends -large (the size column
#       tells the rows apart).
#   --auth: the cluster's links authenticated with a key (default) or not
#       ('auth none': vcluster --auth).
#   --transport: the data links over kernel TCP (default) or RDMA
#       (soft-RoCE, vcluster --transport rdma; the log's name ends -rdma).
#   --replicas: the lrc regions' replicas (default 1: released intervals
#       backed up, Documentation/lrc.md "Backed-up releases"); with 0 the
#       log's name ends -r0 and the model column reads lrc-r0.
#   --gc: every node's lrc_gc_threshold (module parameter, bytes; default
#       the module's, 64 MiB), so that the lrc programs' barriers collect
#       garbage as often as a longer run's would; the log's name ends
#       -gcBYTES and the model column reads lrc-gc (lrc-r0-gc).
#   --prefetch: every node's lrc_prefetch_pages (module parameter, 0 to
#       256: the pages in use fetched at a barrier's release, 0 none;
#       default the module's, Documentation/lrc.md "Prefetch after a
#       barrier"); the log's name ends -pfN and an lrc model column gets
#       -pfN.
#   --prefetch-grants: every node's lrc_prefetch_grants (module parameter:
#       1, the default, a lock grant prefetches too, 0 only a barrier's
#       release; Documentation/lrc.md "Prefetch after a lock grant"); the
#       log's name ends -pgN and an lrc model column gets -pgN.
#   --push: every node's lrc_push (module parameter: 1, the default, a
#       barrier arrival pushes its diffs to their readers, 0 not;
#       Documentation/lrc.md "Pushed diffs"); the log's name ends -puN and
#       an lrc model column gets -puN.
#   --sc: the programs of model lrc run on an sc region instead (their
#       locks and barriers synchronise, sc keeps the memory coherent);
#       the log's name ends -sc and the model column reads sc.
#   --adapt: every node's home_adapt_after (VCLUSTER_HOME_ADAPT, 0 to
#       255; default the module's; Documentation/sc.md "Adaptive homes");
#       the log's name ends -aN and the model column gets -aN.
# In the guests (what the host runs on every node; by hand in a shell):
#   run-apps.sh --guest check|bench [--replicas 0|1] [--gc BYTES]
#       [--prefetch N] [--prefetch-grants 0|1] [--push 0|1] [--sc]
#       [--large] [NAME...]
#       DSM_TEST_TIME_FACTOR (a whole number, default 1) multiplies its
#       bounds in time, for a slower kernel (scripts/stress.sh -k debug);
#       so does (DSM_NODES + 3) / 4, for the nodes that share the host.
#
# Per program, on every node: create its region (node 0; MODEL sc-default:
# none; an lrc or sc region gets group dsm, mode 0660), barrier,
# `dsmctl -j stats`, barrier, run it (as the unprivileged user dsmuser,
# group dsm, when the node has one, as the virtual cluster's nodes do:
# the programs use only their region's locks and barrier, which write
# permission allows; dsmd gives the default region group dsm, mode 0660),
# barrier, stats again;
# each node prints "@@STAT NAME rc=R msgs=M bytes=B faults=F diffs=D", the
# difference of its counters: messages and bytes sent (msg_tx_*,
# bytes_tx_*: each message counts once, at its sender), every entry into
# the fault path (fault_read + fault_write + fault_mkwrite + fault_retry),
# lrc_diffs_made (0 if absent). The host sums them over nodes. MODEL mp
# (the message-passing baselines, tools/bench/mp): no region, and the
# messages and bytes are those the program's summary line counts (what
# its processes wrote); faults and diffs are 0. With
# --bench, each node then prints its `dsmctl region top NAME` and
# `dsmctl lock top` (counts since the module was loaded) as lines
# "@@TOP ..." (in $log.NAME on the host; bench.sh's sharing part), and
# every counter that moved as "@@COUNT COUNTER DELTA" (where the time
# went: the *_us and *_ns counters).
# Logs: $BUILD/apps/. See Documentation/benchmarks.md.
set -u

GUEST_DIR=/usr/lib/dsm/bench

# ---- in a guest -----------------------------------------------------------

stats() {
	dsmctl -j stats 2>/dev/null | jq -r '
		def sum(p): [to_entries[] | select(.key | startswith(p)) |
			     .value] | add // 0;
		[sum("msg_tx_"), sum("bytes_tx_"),
		 (.fault_read // 0) + (.fault_write // 0) +
		 (.fault_mkwrite // 0) + (.fault_retry // 0),
		 (.lrc_diffs_made // 0)] | @tsv' 2>/dev/null
}

# counted BEFORE: "@@COUNT counter delta" for each counter that moved
# since the `dsmctl -j stats` in file BEFORE (time spent in the
# protocol's steps among them: *_us, *_ns), for $log.NAME on the host.
counted() {
	dsmctl -j stats 2>/dev/null | jq -r --slurpfile b "$1" '
		to_entries[] | select((.value | type) == "number") |
		select(.value != ($b[0][.key] // 0)) |
		"@@COUNT \(.key) \(.value - ($b[0][.key] // 0))"' 2>/dev/null
}

wanted() {	# wanted NAME: on the command line, or no names given
	[ -z "$NAMES" ] && return 0
	for w in $NAMES; do
		[ "$w" = "$1" ] && return 0
	done
	return 1
}

guest() {
	mode=$1
	shift
	replicas=1
	if [ "${1:-}" = --replicas ]; then
		replicas=${2:-1}
		shift 2
	fi
	if [ "${1:-}" = --gc ]; then
		echo "${2:?--gc BYTES}" > /sys/module/dsm/parameters/lrc_gc_threshold ||
			exit 2
		shift 2
	fi
	if [ "${1:-}" = --prefetch ]; then
		echo "${2:?--prefetch N}" > /sys/module/dsm/parameters/lrc_prefetch_pages ||
			exit 2
		shift 2
	fi
	if [ "${1:-}" = --prefetch-grants ]; then
		echo "${2:?--prefetch-grants 0|1}" > /sys/module/dsm/parameters/lrc_prefetch_grants ||
			exit 2
		shift 2
	fi
	if [ "${1:-}" = --push ]; then
		echo "${2:?--push 0|1}" > /sys/module/dsm/parameters/lrc_push ||
			exit 2
		shift 2
	fi
	as_sc=0
	if [ "${1:-}" = --sc ]; then
		as_sc=1
		shift
	fi
	large=0
	if [ "${1:-}" = --large ]; then
		large=1
		shift
	fi
	NAMES="$*"
	case "$mode" in
	check) limit=300 ;;
	bench) limit=1500 ;;
	*) echo "run-apps.sh: --guest check|bench" >&2; exit 2 ;;
	esac
	# A slower kernel (scripts/stress.sh -k debug) multiplies the
	# bounds in time by DSM_TEST_TIME_FACTOR, as the selftests do.
	f=${DSM_TEST_TIME_FACTOR:-1}
	case "$f" in
	[1-9] | [1-9][0-9] | [1-9][0-9][0-9] | 1000) ;;
	*) echo "run-apps.sh: DSM_TEST_TIME_FACTOR is a whole number from 1 to 1000, not '$f'" >&2
	   exit 2 ;;
	esac
	# Under TCG the nodes share the host's cores: from 5 nodes on
	# every step takes longer, the bounds with it (x2 on 8, x4 on 16).
	f=$((f * ((${DSM_NODES:-1} + 3) / 4)))
	limit=$((limit * f))
	sync_s=$((120 * f))
	dir=$(cd "$(dirname "$0")" && pwd)
	id=${DSM_NODE_ID:?DSM_NODE_ID not set}
	idx=0
	status=0
	while read -r name model size rest; do
		case "$name" in ''|'#'*) continue ;; esac
		wanted "$name" || continue
		case "$rest" in
		*' -- '*) ;;
		*) echo "run-apps.sh: apps.list: $name: no ' -- ' between CHECK_ARGS and BENCH_ARGS" >&2
		   status=1; continue ;;
		esac
		# CHECK_ARGS -- BENCH_ARGS [-- LARGE_ARGS]
		if [ "$mode" = check ]; then
			args=${rest%% -- *}
		else
			args=${rest#* -- }
			case "$args" in
			*' -- '*)
				if [ $large = 1 ]; then
					args=${args#* -- }
				else
					args=${args%% -- *}
				fi ;;
			esac
		fi
		[ "$args" = - ] && args=
		[ "$as_sc" = 0 ] || [ "$model" != lrc ] || model=sc
		step=$((1000 + idx * 4))
		idx=$((idx + 1))
		echo "@@BEGIN $name"
		ready=1
		case "$model" in
		sc-default|mp) ;;
		sc|lrc)
			if [ "$id" = 0 ]; then
				dsmctl region show "$name" >/dev/null 2>&1 ||
				if [ "$model" = lrc ]; then
					rep="replicas $replicas"
				else
					rep=
				fi
				# shellcheck disable=SC2086 # $rep: 0 or 2 words
				dsmctl region create "$name" size "$size" \
					model "$model" $rep group dsm mode 0660 ||
					ready=0
			else
				# The region reaches the others through dsmd.
				i=0
				until dsmctl region show "$name" >/dev/null 2>&1; do
					i=$((i + 1))
					[ $i -lt $((100 * f)) ] || { ready=0; break; }
					sleep 0.2
				done
			fi
			[ $ready = 1 ] || echo "run-apps.sh: node $id: no region $name ($model, $size)"
			;;
		*)
			echo "run-apps.sh: apps.list: $name: model '$model' is not sc, lrc, sc-default or mp"
			ready=0 ;;
		esac
		app-sync $step $sync_s || ready=0
		[ "$mode" != bench ] || dsmctl -j stats > /tmp/run-apps.before 2>/dev/null
		before=$(stats)
		app-sync $((step + 1)) $sync_s || ready=0
		if [ $ready = 1 ] && [ -x "$dir/$name" ]; then
			# shellcheck disable=SC2086
			if grep -q '^dsmuser:' /etc/passwd 2>/dev/null; then
				echo "run-apps.sh: node $id: $name runs as $(su -s /bin/sh dsmuser -c id)"
				timeout -s KILL $limit su -p -s /bin/sh dsmuser \
					-c "exec $dir/$name $args"
			else
				timeout -s KILL $limit "$dir/$name" $args
			fi
			rc=$?
		else
			[ -x "$dir/$name" ] || echo "run-apps.sh: no program $dir/$name"
			rc=125
		fi
		app-sync $((step + 2)) $((limit + sync_s)) || [ $rc != 0 ] || rc=124
		after=$(stats)
		[ "$mode" != bench ] || counted /tmp/run-apps.before
		# What this node's tables say of the region's pages
		# (Documentation/sharing.md): the host keeps it in $log.NAME.
		if [ "$mode" = bench ] && [ "$model" != sc-default ]; then
			dsmctl region top "$name" -n 8 2>&1 | sed 's/^/@@TOP /'
			dsmctl lock top -n 4 2>&1 | sed 's/^/@@TOP /'
		fi
		echo "$before	$after" | awk -v n="$name" -v rc=$rc '
			NF == 8 { printf "@@STAT %s rc=%s msgs=%d bytes=%d faults=%d diffs=%d\n",
				  n, rc, $5 - $1, $6 - $2, $7 - $3, $8 - $4; next }
			{ printf "@@STAT %s rc=%s msgs=-1 bytes=-1 faults=-1 diffs=-1\n", n, rc }'
		echo "@@END $name"
		[ $rc = 0 ] || status=1
	done < "$dir/apps.list"
	exit $status
}

if [ "${1:-}" = --guest ]; then
	shift
	PATH=$(cd "$(dirname "$0")" && pwd):$PATH
	guest "$@"
fi

# ---- on the host ----------------------------------------------------------

SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$SRCDIR/build}
export SRCDIR BUILD

usage() {
	sed -n '4,51p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
}

mode=
nodes=
kver=6.1
auth=key
transport=tcp
replicas=1
gc=
prefetch=
pgrants=
push=
as_sc=
adapt=
large=
tsv=$BUILD/bench/apps.tsv
while [ $# -gt 0 ]; do
	case "$1" in
	--check) mode=check; shift ;;
	--bench) mode=bench; shift ;;
	-n) [ $# -ge 2 ] || usage; nodes=$2; shift 2 ;;
	-k) [ $# -ge 2 ] || usage; kver=$2; shift 2 ;;
	--tsv) [ $# -ge 2 ] || usage; tsv=$2; shift 2 ;;
	--auth) [ $# -ge 2 ] || usage; auth=$2; shift 2 ;;
	--transport) [ $# -ge 2 ] || usage; transport=$2; shift 2 ;;
	--replicas) [ $# -ge 2 ] || usage; replicas=$2; shift 2 ;;
	--gc) [ $# -ge 2 ] || usage; gc=$2; shift 2 ;;
	--prefetch) [ $# -ge 2 ] || usage; prefetch=$2; shift 2 ;;
	--prefetch-grants) [ $# -ge 2 ] || usage; pgrants=$2; shift 2 ;;
	--push) [ $# -ge 2 ] || usage; push=$2; shift 2 ;;
	--sc) as_sc=--sc; shift ;;
	--adapt) [ $# -ge 2 ] || usage; adapt=$2; shift 2 ;;
	--large) large=--large; shift ;;
	-h|--help) usage ;;
	-*) echo "run-apps.sh: unknown option $1" >&2; usage ;;
	*) break ;;
	esac
done
[ -n "$mode" ] || usage
[ -z "$large" ] || [ "$mode" = bench ] ||
	{ echo "run-apps.sh: --large goes with --bench" >&2; exit 2; }
case "$kver" in 6.1|6.12) ;; *) echo "run-apps.sh: -k 6.1 or 6.12" >&2; exit 2 ;; esac
case "$auth" in key|none) ;; *) echo "run-apps.sh: --auth key or none" >&2; exit 2 ;; esac
case "$transport" in tcp|rdma) ;; *) echo "run-apps.sh: --transport tcp or rdma" >&2; exit 2 ;; esac
case "$replicas" in 0|1) ;; *) echo "run-apps.sh: --replicas 0 or 1" >&2; exit 2 ;; esac
case "$gc" in
'') ;;
*[!0-9]*) echo "run-apps.sh: --gc BYTES: a whole number" >&2; exit 2 ;;
*) gcarg="--gc $gc" ;;
esac
case "$prefetch" in
'') ;;
*[!0-9]* | ????*) echo "run-apps.sh: --prefetch N: 0 to 256" >&2; exit 2 ;;
*) [ "$prefetch" -le 256 ] || { echo "run-apps.sh: --prefetch N: 0 to 256" >&2; exit 2; }
   pfarg="--prefetch $prefetch" ;;
esac
case "$pgrants" in
'') ;;
0|1) pgarg="--prefetch-grants $pgrants" ;;
*) echo "run-apps.sh: --prefetch-grants 0 or 1" >&2; exit 2 ;;
esac
case "$push" in
'') ;;
0|1) puarg="--push $push" ;;
*) echo "run-apps.sh: --push 0 or 1" >&2; exit 2 ;;
esac
case "$adapt" in
'') ;;
*[!0-9]* | ????*) echo "run-apps.sh: --adapt N: 0 to 255" >&2; exit 2 ;;
*) [ "$adapt" -le 255 ] || { echo "run-apps.sh: --adapt N: 0 to 255" >&2; exit 2; }
   export VCLUSTER_HOME_ADAPT="$adapt" ;;
esac
[ "$mode" = check ] && [ -z "$nodes" ] && nodes=3
# vcluster bounds the node count (its MAX_VMS, 16), and the tree's dsm
# (DSM_NODES_MAX): it says so before any guest boots.
case "$nodes" in
'' | 0* | *[!0-9]*) echo "run-apps.sh: -n NODES: a whole number from 1 (needed with --bench)" >&2; exit 2 ;;
esac
list=$BUILD/guest$GUEST_DIR/apps.list
if [ ! -x "$BUILD/guest$GUEST_DIR/run-apps.sh" ] || [ ! -f "$list" ]; then
	echo "run-apps.sh: $BUILD/guest$GUEST_DIR is missing: run 'make tools' first" >&2
	exit 2
fi
progs=$(awk '$1 !~ /^#/ && NF { print $1 }' "$list")
if [ $# -gt 0 ]; then
	for w in "$@"; do
		echo "$progs" | grep -qx -- "$w" ||
			{ echo "run-apps.sh: $w is not in apps.list" >&2; exit 2; }
	done
	progs=$*
fi

mkdir -p "$BUILD/apps"
log=$BUILD/apps/$mode-$kver-n$nodes-$auth.log
[ "$transport" = tcp ] || log=${log%.log}-$transport.log
[ "$replicas" = 1 ] || log=${log%.log}-r0.log
[ -z "$gc" ] || log=${log%.log}-gc$gc.log
[ -z "$prefetch" ] || log=${log%.log}-pf$prefetch.log
[ -z "$pgrants" ] || log=${log%.log}-pg$pgrants.log
[ -z "$push" ] || log=${log%.log}-pu$push.log
[ -z "$as_sc" ] || log=${log%.log}-sc.log
[ -z "$adapt" ] || log=${log%.log}-a$adapt.log
[ -z "$large" ] || log=${log%.log}-large.log
# vcluster's own timeout: the programs' limits plus boot and teardown;
# in check mode longer from 4 nodes on (the nodes share the host's cores).
if [ "$mode" = check ]; then
	vtime=900
	[ "$nodes" -le 3 ] || vtime=$((300 * nodes))
else
	vtime=3000
fi
# shellcheck disable=SC2086
"$SRCDIR/tools/vcluster/vcluster" run -n "$nodes" -k "$kver" \
	--auth "$auth" --transport "$transport" --timeout $vtime -- $GUEST_DIR/run-apps.sh --guest "$mode" \
	--replicas "$replicas" ${gcarg:-} ${pfarg:-} ${pgarg:-} ${puarg:-} $as_sc $large $progs \
	> "$log" 2>&1
vrc=$?

# One line per program: name rc-max stat-lines msgs bytes faults diffs
# summary; and node 0's output of the program in $log.NAME.
summarize() {
	awk -v want="$1" -v N="$nodes" -v out="$log.$1" '
	match($0, /^\[n[0-9]+\] /) {
		node = substr($0, 3, RLENGTH - 4); line = substr($0, RLENGTH + 1)
		if (line == "@@BEGIN " want) { cur[node] = 1; next }
		if (line == "@@END " want) { cur[node] = 0; next }
		if (!cur[node]) next
		if (line ~ /^@@STAT /) {
			n++
			for (i = 3; i <= split(line, fld, " "); i++) {
				split(fld[i], kv, "=")
				if (kv[1] == "rc" && kv[2] != 0) bad = kv[2]
				else if (kv[2] < 0) neg = 1
				else s[kv[1]] += kv[2]
			}
			next
		}
		print "[n" node "] " line > out
		if (node == 0 && line ~ /^app=/ && summary == "") summary = line
	}
	END {
		if (neg)
			m = b = f = d = "NA"
		else {
			m = s["msgs"] + 0; b = s["bytes"] + 0
			f = s["faults"] + 0; d = s["diffs"] + 0
		}
		printf "%s %d %d %s %s %s %s %s\n", want, bad + 0, n + 0,
		       m, b, f, d, summary == "" ? "-" : summary
	}' "$log"
}

field() {	# field KEY SUMMARY: the value of KEY= in a summary line
	echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1
}

status=0
t=0
total=$(($(echo "$progs" | wc -w) + 1))
[ "$mode" = check ] && echo "1..$total"
if [ "$mode" = bench ] && [ ! -s "$tsv" ]; then
	mkdir -p "$(dirname "$tsv")"
	printf 'app\tmodel\tnodes\tsize\ttime_ms\tmessages\tbytes\tfaults\tdiffs\tverify\n' > "$tsv"
fi
for p in $progs; do
	t=$((t + 1))
	: > "$log.$p"
	# shellcheck disable=SC2046 # the fields are split on purpose
	set -- $(summarize "$p")
	rc=$2 nstat=$3 msgs=$4 bytes=$5 faults=$6 diffs=$7
	shift 7
	summary=$*
	model=$(awk -v p="$p" '$1 == p { print $2 }' "$list")
	[ "$model" != lrc ] || [ "$replicas" = 1 ] || model=lrc-r0
	case "$model" in lrc*) [ -z "$gc" ] || model=$model-gc ;; esac
	case "$model" in lrc*) [ -z "$prefetch" ] || model=$model-pf$prefetch ;; esac
	case "$model" in lrc*) [ -z "$pgrants" ] || model=$model-pg$pgrants ;; esac
	case "$model" in lrc*) [ -z "$push" ] || model=$model-pu$push ;; esac
	[ -z "$as_sc" ] || [ "$model" != lrc ] || model=sc
	[ -z "$adapt" ] || [ "$model" = mp ] || model=$model-a$adapt
	if [ "$model" = mp ]; then
		# no dsm: what the program itself counted it sent
		msgs=$(field msgs "$summary")
		bytes=$(field bytes "$summary")
		faults=0 diffs=0
	fi
	why=
	if [ "$nstat" -ne "$nodes" ]; then
		why="finished on $nstat of $nodes nodes"
	elif [ "$rc" != 0 ]; then
		why="exit status $rc on some node"
	elif [ "$summary" = - ]; then
		why="node 0 printed no app= line"
	elif [ "$(field verify "$summary")" != ok ]; then
		why="verify=$(field verify "$summary")"
	fi
	if [ "$mode" = check ]; then
		if [ -z "$why" ]; then
			echo "ok $t - $p: $summary msgs=$msgs bytes=$bytes faults=$faults diffs=$diffs"
		else
			echo "not ok $t - $p: $why: $summary"
			tail -n 30 "$log.$p" | sed 's/^/# /'
			status=1
		fi
	else
		verify=$(field verify "$summary")
		[ -z "$why" ] || { verify=FAIL; status=1; }
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$p" "$model" \
			"$nodes" "$(field size "$summary")" \
			"$(field time_ms "$summary")" "$msgs" "$bytes" \
			"$faults" "$diffs" "${verify:-FAIL}" >> "$tsv"
		printf '%-10s nodes=%s %s messages=%s bytes=%s faults=%s diffs=%s%s\n' \
			"$p" "$nodes" "${summary#app=* nodes=* }" "$msgs" "$bytes" \
			"$faults" "$diffs" "${why:+  FAILED: $why}"
		[ -z "$why" ] || tail -n 30 "$log.$p" | sed 's/^/  | /'
	fi
done
t=$((t + 1))
if [ "$vrc" = 0 ]; then
	[ "$mode" = check ] && echo "ok $t - vcluster run on $nodes nodes (auth $auth, $transport): every node exited 0, no kernel report"
else
	status=1
	if [ "$mode" = check ]; then
		echo "not ok $t - vcluster run on $nodes nodes: status $vrc (log: $log)"
	else
		echo "vcluster run on $nodes nodes: status $vrc (log: $log)"
	fi
	grep -E '^vcluster:|console\]' "$log" | head -n 20 | sed 's/^/# /'
fi
exit $status

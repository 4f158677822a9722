#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rdma-lat.sh - in 2 guests of `vcluster run --transport rdma` (make
# bench's rdma part, scripts/bench-rdma.sh): the raw RDMA latency between
# the two guests over rxe0, then dsm's fault latency over the same link.
#
#   vcluster run -n 2 --transport rdma --copy build/bench/fault_latency \
#       --copy tools/bench/rdma-lat.sh -- sh rdma-lat.sh
#
# perftest's ib_send_lat and ib_read_lat (their own QP exchange over TCP
# between the guests' eth0 addresses, on the VDE switch), node 1 the
# server, node 0 the client, at SIZES bytes, ITERS iterations each; the
# client's table is what the host reads. Then ./fault_latency with
# readahead off, as the sc part runs it, and once more with rx_inplace off
# (grants' pages copied, not installed as received; RDMA_LAT_COPY=0
# skips it). Lines "@@RAW TEST SIZE ..." mark each perftest table for the
# host, "@@COPY" the second fault_latency. DSM_TEST_TIME_FACTOR (default 1)
# multiplies the waits.
set -u

SIZES=${RDMA_LAT_SIZES:-8 4096}
ITERS=${RDMA_LAT_ITERS:-1000}
# The bound of one perftest run (times DSM_TEST_TIME_FACTOR): 1000
# iterations took 2 to 10 s under TCG.
RAW_S=${RDMA_LAT_BOUND:-120}
SYNC=/usr/lib/dsm/bench/app-sync
id=${DSM_NODE_ID:?DSM_NODE_ID not set}
f=${DSM_TEST_TIME_FACTOR:-1}
server=${VCLUSTER_NET:?VCLUSTER_NET not set}.2
status=0

# The GID index of rxe0's RoCE v2 address for this node's IPv4 address
# (::ffff:a.b.c.d), which both sides name with -x.
gid_index() {
	d=/sys/class/infiniband/rxe0/ports/1
	for g in "$d"/gids/*; do
		n=${g##*/}
		case "$(cat "$g" 2>/dev/null)" in
		0000:0000:0000:0000:0000:ffff:*)
			[ "$(cat "$d/gid_attrs/types/$n" 2>/dev/null)" = "RoCE v2" ] &&
				{ echo "$n"; return 0; } ;;
		esac
	done
	return 1
}

# Is TCP port $1 listening here (IPv4 or IPv6)?
listening() {
	awk -v p="$(printf ':%04X' "$1")" \
		'substr($2, length($2) - 4) == p && $4 == "0A" { f = 1 } END { exit !f }' \
		/proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# rxe0's non-zero hardware counters (retries, NAKs, drops), one line.
rxe_counters() {
	for c in /sys/class/infiniband/rxe0/ports/1/hw_counters/*; do
		v=$(cat "$c" 2>/dev/null) && [ "$v" != 0 ] &&
			printf '%s=%s ' "${c##*/}" "$v"
	done
	echo
}

# Node 1's side of one perftest run: the server, bounded like the client
# (and a minute for its start), and stopped once the client has ended
# (step STEP + 1): a client that gave up leaves no server behind.
raw_server() {	# raw_server TEST SIZE PORT STEP OPTIONS
	t=$1 size=$2 port=$3 step=$4 opts=$5
	# shellcheck disable=SC2086 # the options, split on purpose
	timeout -k 10 $((RAW_S * f + 60)) $t $opts > "/tmp/$t-$size.out" 2>&1 &
	pid=$!
	i=0
	until listening "$port"; do
		i=$((i + 1))
		if [ $i -ge $((120 * f)) ] || ! kill -0 $pid 2>/dev/null; then
			echo "rdma-lat: node 1: $t -s $size not listening on port $port after $((i / 2)) s"
			cat "/tmp/$t-$size.out"
			kill $pid 2>/dev/null
			break
		fi
		sleep 0.5
	done
	$SYNC "$step" $((120 * f)) || { kill $pid 2>/dev/null; return 1; }
	$SYNC $((step + 1)) $((RAW_S * f + 120))
	i=0
	while kill -0 $pid 2>/dev/null && [ $i -lt 20 ]; do
		sleep 0.5
		i=$((i + 1))
	done
	if kill $pid 2>/dev/null; then
		echo "rdma-lat: node 1: $t -s $size still running 10 s after the client ended: stopped; rxe0: $(rxe_counters)"
	fi
	wait $pid || { echo "rdma-lat: node 1: $t -s $size failed"; cat "/tmp/$t-$size.out"; return 1; }
}

raw() {	# raw TEST SIZE PORT STEP
	t=$1 size=$2 port=$3 step=$4
	opts="-d rxe0 -x $gid -s $size -n $ITERS -F -p $port"
	if [ "$id" = 1 ]; then
		raw_server "$t" "$size" "$port" "$step" "$opts"
		return
	fi
	$SYNC "$step" $((120 * f)) || return 1
	echo "@@RAW $t $size"
	# shellcheck disable=SC2086
	timeout -k 10 $((RAW_S * f)) $t $opts "$server" 2>&1
	rc=$?
	[ $rc = 124 ] || [ $rc = 137 ] &&
		echo "rdma-lat: node 0: $t -s $size did not finish within $((RAW_S * f)) s (stopped); rxe0: $(rxe_counters)"
	[ $rc = 0 ] || echo "rdma-lat: node 0: $t -s $size to $server failed ($rc)"
	$SYNC $((step + 1)) $((120 * f))
	return $rc
}

if ! command -v ib_send_lat >/dev/null || ! command -v ib_read_lat >/dev/null; then
	echo "rdma-lat: no perftest in this image (make deps; vcluster's RDMA archive)"
	status=1
elif ! gid=$(gid_index); then
	echo "rdma-lat: rxe0 has no RoCE v2 IPv4 GID"
	status=1
else
	step=2000 port=18515
	for t in ib_send_lat ib_read_lat; do
		for size in $SIZES; do
			raw "$t" "$size" "$port" "$step" || status=1
			step=$((step + 2)) port=$((port + 1))
		done
	done
fi
# dsm over the same link: every sample one remote fault.
echo 0 > /sys/module/dsm/parameters/readahead_pages &&
	./fault_latency || status=1
# Again on pages of their own with every grant's page copied (rx_inplace
# off: what dsm_rdma did before it installed the page it received into,
# issue 14), after the line "@@COPY" for the host.
if [ "${RDMA_LAT_COPY:-1}" = 1 ]; then
	p=/sys/module/dsm/parameters/rx_inplace
	echo "@@COPY rx_inplace=0"
	if echo 0 > $p; then
		./fault_latency -o 64 || status=1
	else
		status=1
	fi
	echo 1 > $p
fi
exit $status

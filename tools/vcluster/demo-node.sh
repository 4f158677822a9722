#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# demo-node.sh - what `make demo` runs on every node of the cluster.
id=$DSM_NODE_ID
bench=/usr/lib/dsm/bench
echo "node $id of $DSM_NODES: Linux $(uname -r), dsm $(cat /sys/module/dsm/version) loaded, /dev/dsm $(ls -l /dev/dsm | awk '{print $5 $6}')"
if [ "$id" = 0 ]; then
	echo "--- dsmctl status, as node 0 sees the cluster:"
	dsmctl status
	echo "--- dsmctl node list:"
	dsmctl node list
	echo "--- dsmctl region list:"
	dsmctl region list
	echo "--- every node works through 40 steps and publishes its progress in"
	echo "    an atomic snapshot object in /dev/dsm (plain mmap, atomic"
	echo "    instructions); node 0 scans it and shows what it sees:"
fi
# 40 updates, 0.1 s of work before each; node 0 then checks that every
# scan any node made was linearizable.
"$bench/snapshot" -w 100000 40 || exit 1
if [ "$id" = 0 ]; then
	echo "--- what it took, as node 0 counts it (dsmctl stats):"
	dsmctl -j stats | jq -r 'to_entries[] | select(.key |
		test("^(fault_(read|write|mkwrite|retry|local|net|coalesced|stolen)|page_fetched|page_sent|inval_sent|inval_recv)$")) |
		"\(.key) \(.value)"' 2>/dev/null || dsmctl stats | head -20
fi

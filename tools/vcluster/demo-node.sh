#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# demo-node.sh - what `make demo` runs on every node of the cluster.
id=$DSM_NODE_ID
echo "node $id of $DSM_NODES: Linux $(uname -r), dsm $(cat /sys/module/dsm/version) loaded, /dev/dsm $(ls -l /dev/dsm | awk '{print $5 $6}')"
if command -v dsmctl >/dev/null; then
	if [ "$id" = 0 ]; then
		echo "--- dsmctl status, as node 0 sees the cluster:"
		dsmctl status
		echo "--- dsmctl node list:"
		dsmctl node list
		echo "--- dsmctl region list:"
		dsmctl region list
		echo "--- every node adds to one counter in /dev/dsm with atomic instructions:"
	fi
fi
./demo_counter || exit 1
if [ "$id" = 0 ]; then
	echo "--- what it took, as node 0 counts it (dsmctl stats):"
	dsmctl -j stats | jq -r 'to_entries[] | select(.key |
		test("^(fault_read|fault_write|page_fetched|page_sent|inval_sent|inval_recv|grant_hold)$")) |
		"\(.key) \(.value)"' 2>/dev/null || dsmctl stats | head -20
fi

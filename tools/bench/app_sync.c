// SPDX-License-Identifier: GPL-2.0
/*
 * app-sync - a barrier across the nodes of the virtual cluster, for shell
 * scripts (run-apps.sh): returns when every node has called it with the
 * same STEP. Plain TCP through node 0, independent of dsm.
 *
 *   app-sync STEP [TIMEOUT_S]      (TIMEOUT_S default 600)
 * Exit status 0, 1 on timeout or mismatch, 2 on bad arguments.
 */
#include "apps/sc_common.h"

int main(int argc, char **argv)
{
	unsigned long step, timeout = APP_SYNC_TIMEOUT;
	int id, nodes;

	if (argc < 2 || argc > 3 || app_arg(argv[1], 0, 1000000000, &step) ||
	    (argc == 3 && app_arg(argv[2], 1, 86400, &timeout))) {
		fprintf(stderr, "usage: app-sync STEP [TIMEOUT_S]\n");
		return 2;
	}
	/* The barrier's own bound, not the sc programs' (APP_MAX_NODES). */
	id = app_env("DSM_NODE_ID");
	nodes = app_env("DSM_NODES");
	if (id < 0 || nodes < 1 || nodes > DSM_SYNC_MAX_NODES || id >= nodes) {
		fprintf(stderr, "app-sync: DSM_NODE_ID and DSM_NODES must be set (0 <= id < nodes <= %d)\n",
			DSM_SYNC_MAX_NODES);
		return 2;
	}
	if (app_sync((unsigned int)step, (int)timeout)) {
		fprintf(stderr, "app-sync: node %d: step %lu: the nodes did not meet\n",
			id, step);
		return 1;
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * status.c - dsmctl status, dsmctl stats
 */
#include <stdio.h>
#include <string.h>

#include "dsmctl.h"

struct status {
	bool configured;
	bool fenced;
	uint8_t leaving;	/* enum dsm_leave_state */
	uint32_t nodes, up;
};

/*
 * The transport that carries pages: dsm.ko's module parameter (tcp, or
 * rdma with dsm_rdma.ko); nothing if it cannot be read.
 */
static void status_transport(void)
{
	char name[32] = "";
	FILE *f;

	f = fopen("/sys/module/dsm/parameters/transport", "r");
	if (!f)
		return;
	if (!fgets(name, sizeof(name), f))
		name[0] = '\0';
	fclose(f);
	name[strcspn(name, "\n")] = '\0';
	if (name[0])
		print_string("transport", "  transport %s", name);
}

/*
 * The home table (HOME_EPOCH, HOME_BUCKETS): its epoch and how many
 * buckets of pages each node is the home of ("home epoch 1 buckets
 * 0:280 1:280 2:280"); nothing before dsmd pushed one.
 */
static void status_home(struct nlattr **tb)
{
	struct nlattr *b = tb[DSM_A_HOME_BUCKETS];
	uint32_t counts[DSM_NODES_MAX] = { 0 };
	const uint8_t *node;
	char key[16];
	int i, len;

	if (!tb[DSM_A_HOME_EPOCH] || !b)
		return;
	node = nla_data(b);
	len = nla_len(b);
	for (i = 0; i < len; i++)
		if (node[i] < DSM_NODES_MAX)
			counts[node[i]]++;
	print_u64("home_epoch", "  home epoch %s",
		  dsm_nla_u64(tb[DSM_A_HOME_EPOCH], 0));
	print_string(NULL, "%s", " buckets");
	print_open_object("home_buckets");
	for (i = 0; i < DSM_NODES_MAX; i++) {
		if (!counts[i])
			continue;
		snprintf(key, sizeof(key), "%d", i);
		if (!print_is_json())
			printf(" %d:", i);
		print_u64(key, "%s", counts[i]);
	}
	print_close_object();
}

static int status_cb(uint8_t cmd, struct nlattr **tb, void *arg)
{
	struct status *st = arg;

	(void)cmd;
	st->configured = dsm_nla_u8(tb[DSM_A_CONFIGURED], 0);
	st->nodes = dsm_nla_u32(tb[DSM_A_NODE_COUNT], 0);
	st->up = dsm_nla_u32(tb[DSM_A_NODES_UP], 0);
	st->fenced = dsm_nla_u8(tb[DSM_A_FENCED], 0);
	st->leaving = dsm_nla_u8(tb[DSM_A_LEAVING], DSM_LEAVE_NONE);
	print_open_object(NULL);
	print_bool("configured", NULL, st->configured);
	if (st->configured) {
		print_string("cluster", "cluster %s",
			     dsm_nla_str(tb[DSM_A_CLUSTER_NAME], "?"));
		print_u64("local_node", "  node %s",
			  dsm_nla_u32(tb[DSM_A_LOCAL_NODE], 0));
	} else {
		print_string(NULL, "%s", "not configured (dsmd not started)");
	}
	print_u64("nodes_up", "  nodes %s", st->up);
	print_u64("nodes", "/%s up", st->nodes);
	print_u64("regions", "  regions %s",
		  dsm_nla_u32(tb[DSM_A_REGION_COUNT], 0));
	/* No quorum reachable: dsm memory here refuses every access. */
	if (st->fenced)
		print_string(NULL, "%s", "  fenced");
	print_bool("fenced", NULL, st->fenced);
	/*
	 * This node's graceful leave (node del while it is up, module
	 * version 16): its dsm memory is refused from the start.
	 */
	if (st->leaving != DSM_LEAVE_NONE)
		print_string(NULL, "  leaving: %s", dsm_leave_name(st->leaving));
	print_string("leaving", NULL, dsm_leave_name(st->leaving));
	status_transport();
	status_home(tb);
	print_u64("api_version", NULL, dsm_nla_u32(tb[DSM_A_API_VERSION], 0));
	print_bool("healthy", NULL, st->configured && st->up == st->nodes &&
		   !st->fenced && st->leaving == DSM_LEAVE_NONE);
	print_close_object();
	print_nl();
	return 0;
}

int do_status(int argc, char **argv)
{
	struct status st = {};
	struct nl_msg *msg;
	int ret;

	if (argc > 0 && matches(argv[0], "help")) {
		printf("usage: dsmctl status\n"
		       "exit status 0 when every node is up and this one is neither fenced\n"
		       "nor leaving, 5 otherwise\n");
		return DSMCTL_OK;
	}
	if (argc > 0)
		return dsmctl_usage("status", "'status' takes no arguments");
	msg = dsm_genl_msg(&genl, DSM_CMD_GET_STATUS, 0);
	if (!msg)
		return dsmctl_error("status", -ENOMEM);
	ret = dsm_genl_call(&genl, msg, status_cb, &st);
	if (ret)
		return dsmctl_error("status", ret);
	print_end();
	return st.configured && st.nodes && st.up == st.nodes && !st.fenced &&
	       st.leaving == DSM_LEAVE_NONE ? DSMCTL_OK : DSMCTL_DEGRADED;
}

static int stats_cb(uint8_t cmd, struct nlattr **tb, void *arg)
{
	const char *name = dsm_nla_str(tb[DSM_A_STAT_NAME], NULL);

	(void)cmd;
	(void)arg;
	if (!name)
		return 0;
	if (print_is_json()) {
		print_u64(name, NULL, dsm_nla_u64(tb[DSM_A_STAT_VALUE], 0));
	} else {
		printf("%-24s ", name);
		print_u64(NULL, "%s", dsm_nla_u64(tb[DSM_A_STAT_VALUE], 0));
		print_nl();
	}
	return 0;
}

int do_stats(int argc, char **argv)
{
	struct nl_msg *msg;
	int ret;

	if (argc > 0 && matches(argv[0], "help")) {
		printf("usage: dsmctl stats\n");
		return DSMCTL_OK;
	}
	if (argc > 0)
		return dsmctl_usage("stats", "'stats' takes no arguments");
	msg = dsm_genl_msg(&genl, DSM_CMD_STATS_GET, NLM_F_DUMP);
	if (!msg)
		return dsmctl_error("stats", -ENOMEM);
	print_open_object(NULL);
	ret = dsm_genl_call(&genl, msg, stats_cb, NULL);
	print_close_object();
	print_end();
	return ret ? dsmctl_error("stats", ret) : DSMCTL_OK;
}

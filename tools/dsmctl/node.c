// SPDX-License-Identifier: GPL-2.0
/*
 * node.c - dsmctl node { list | show ID }
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "dsmctl.h"

static void node_usage(void)
{
	printf("usage: dsmctl node { list | show ID }\n");
}

void print_node(struct nlattr **tb, const char *key)
{
	char addr[INET6_ADDRSTRLEN] = "?";

	if (tb[DSM_A_NODE_ADDR4] && nla_len(tb[DSM_A_NODE_ADDR4]) == 4)
		inet_ntop(AF_INET, nla_data(tb[DSM_A_NODE_ADDR4]), addr,
			  sizeof(addr));
	else if (tb[DSM_A_NODE_ADDR6] && nla_len(tb[DSM_A_NODE_ADDR6]) == 16)
		inet_ntop(AF_INET6, nla_data(tb[DSM_A_NODE_ADDR6]), addr,
			  sizeof(addr));
	print_open_object(key);
	print_u64("id", "node %s", dsm_nla_u32(tb[DSM_A_NODE_ID], 0));
	print_string("address", "  %s", addr);
	print_u64("port", " port %s", dsm_nla_u16(tb[DSM_A_NODE_PORT], 0));
	print_string("state", "  %s",
		     dsm_state_name(dsm_nla_u8(tb[DSM_A_NODE_STATE], 255)));
	print_string("reason", " (%s)",
		     dsm_reason_name(dsm_nla_u8(tb[DSM_A_NODE_REASON], 255)));
	print_u64("incarnation", "  incarnation %s",
		  dsm_nla_u64(tb[DSM_A_NODE_INCARNATION], 0));
	print_u64("changed", NULL, dsm_nla_u64(tb[DSM_A_NODE_CHANGED], 0));
	print_bool("local", "  local", !!tb[DSM_A_NODE_LOCAL]);
	/*
	 * The transport of the data connection to the node, while one is
	 * up (module version 7); "none" otherwise, and for this node.
	 */
	print_string("transport", tb[DSM_A_NODE_LOCAL] ? NULL : "  transport %s",
		     dsm_nla_str(tb[DSM_A_NODE_TRANSPORT], "none"));
	print_close_object();
	print_nl();
}

static int node_cb(uint8_t cmd, struct nlattr **tb, void *arg)
{
	(void)cmd;
	(void)arg;
	print_node(tb, NULL);
	return 0;
}

static int node_list(void)
{
	struct nl_msg *msg;
	int ret;

	msg = dsm_genl_msg(&genl, DSM_CMD_NODE_GET, NLM_F_DUMP);
	if (!msg)
		return dsmctl_error("node list", -ENOMEM);
	print_open_array(NULL);
	ret = dsm_genl_call(&genl, msg, node_cb, NULL);
	print_close_array();
	print_end();
	return ret ? dsmctl_error("node list", ret) : DSMCTL_OK;
}

static int node_show(const char *arg)
{
	struct nl_msg *msg;
	char what[64];
	uint32_t id;
	int ret;

	if (parse_u32(arg, DSM_NODES_MAX - 1, &id))
		return dsmctl_usage("node", "node id '%s' is not 0..%d", arg,
				    DSM_NODES_MAX - 1);
	msg = dsm_genl_msg(&genl, DSM_CMD_NODE_GET, 0);
	if (!msg || nla_put_u32(msg, DSM_A_NODE_ID, id))
		return dsmctl_error("node show", -ENOMEM);
	snprintf(what, sizeof(what), "node %u", id);
	ret = dsm_genl_call(&genl, msg, node_cb, NULL);
	if (ret)
		return dsmctl_error(what, ret);
	print_end();
	return DSMCTL_OK;
}

int do_node(int argc, char **argv)
{
	if (argc < 1 || matches(argv[0], "list"))
		return argc > 1 ? dsmctl_usage("node", "'node list' takes no arguments") :
		       node_list();
	if (matches(argv[0], "show")) {
		if (argc != 2)
			return dsmctl_usage("node", "'node show' needs one node id");
		return node_show(argv[1]);
	}
	if (matches(argv[0], "help")) {
		node_usage();
		return DSMCTL_OK;
	}
	return dsmctl_usage("node", "unknown node command '%s'", argv[0]);
}

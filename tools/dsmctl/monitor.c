// SPDX-License-Identifier: GPL-2.0
/*
 * monitor.c - dsmctl monitor: the current nodes and regions, then every
 * event as it happens, as `drbdsetup events2` does: nodes, links and
 * regions, and pages entering a region's hot table or newly judged
 * falsely shared (rate-limited by the kernel, Documentation/sharing.md). One line per event;
 * with -j one JSON object per line. Subscribing comes before the dump, so
 * no change is lost between the two (one may be shown twice).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dsmctl.h"

static void print_event(const char *event, uint8_t cmd, struct nlattr **tb)
{
	print_open_object(NULL);
	print_string("event", "%-15s ", event);
	if (cmd == DSM_CMD_REGION_CREATED || cmd == DSM_CMD_REGION_DELETED ||
	    cmd == DSM_CMD_REGION_GET) {
		print_bool("replica", NULL, !!tb[DSM_A_REPLICA]);
		print_region(tb, "region");
	} else if (cmd == DSM_CMD_PAGE_HOT ||
		   cmd == DSM_CMD_PAGE_FALSE_SHARING) {
		print_top_event(tb);
	} else if (cmd == DSM_CMD_LINK_DOWN) {
		/* Only the node: the kernel asks dsmd for a new connection. */
		print_open_object("node");
		print_u64("id", "node %s", dsm_nla_u32(tb[DSM_A_NODE_ID], 0));
		print_close_object();
		print_nl();
	} else {
		print_node(tb, "node");
	}
	print_close_object();
	print_end();
}

static int event_cb(uint8_t cmd, struct nlattr **tb, void *arg)
{
	const char *name;

	switch (cmd) {
	case DSM_CMD_NODE_UP:
		name = "node-up";
		break;
	case DSM_CMD_NODE_DOWN:
		name = "node-down";
		break;
	case DSM_CMD_LINK_DOWN:
		name = "link-down";
		break;
	case DSM_CMD_REGION_CREATED:
		name = "region-created";
		break;
	case DSM_CMD_REGION_DELETED:
		name = "region-deleted";
		break;
	case DSM_CMD_NODE_GET:
		name = "node-exists";
		break;
	case DSM_CMD_REGION_GET:
		name = "region-exists";
		break;
	case DSM_CMD_PAGE_HOT:
		name = "page-hot";
		break;
	case DSM_CMD_PAGE_FALSE_SHARING:
		name = "page-false-sharing";
		break;
	default:
		return 0;
	}
	(void)arg;
	print_event(name, cmd, tb);
	return 0;
}

int do_monitor(int argc, char **argv)
{
	struct dsm_genl ev;
	struct nl_msg *msg;
	int ret;

	if (argc > 0 && matches(argv[0], "help")) {
		printf("usage: dsmctl monitor\n"
		       "prints the nodes and regions, then every change, and\n"
		       "pages turning hot or falsely shared on this node\n");
		return DSMCTL_OK;
	}
	if (argc > 0)
		return dsmctl_usage("monitor", "'monitor' takes no arguments");
	/* One JSON object per line: pretty output would not be one line. */
	if (print_is_json())
		print_init(true, false);
	ret = dsm_genl_open(&ev);
	if (!ret)
		ret = dsm_genl_subscribe(&ev);
	if (ret)
		return dsmctl_error("monitor", ret);
	msg = dsm_genl_msg(&genl, DSM_CMD_NODE_GET, NLM_F_DUMP);
	ret = msg ? dsm_genl_call(&genl, msg, event_cb, NULL) : -ENOMEM;
	if (!ret) {
		msg = dsm_genl_msg(&genl, DSM_CMD_REGION_GET, NLM_F_DUMP);
		ret = msg ? dsm_genl_call(&genl, msg, event_cb, NULL) : -ENOMEM;
	}
	if (ret) {
		dsm_genl_close(&ev);
		return dsmctl_error("monitor", ret);
	}
	/* Until killed: SIGINT and SIGTERM end it with their default action. */
	for (;;) {
		ret = dsm_genl_recv_events(&ev, true, event_cb, NULL);
		if (ret == -ENOBUFS) {
			fprintf(stderr, "dsmctl: monitor: events were lost (socket overflow)\n");
			continue;
		}
		if (ret) {
			dsm_genl_close(&ev);
			return dsmctl_error("monitor", ret);
		}
	}
}

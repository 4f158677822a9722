// SPDX-License-Identifier: GPL-2.0
/*
 * node.c - dsmctl node { list | show ID | add ID ADDRESS [port P] | del ID }
 *
 * list and show read the kernel's membership; add and del change the
 * cluster's, everywhere: they ask this node's dsmd on its Unix socket
 * (DSM_CTL_SOCKET), which has the coordinator make the change
 * (Documentation/control-plane.md, "Runtime membership"). The del of a
 * node that is up is its graceful leave: the node first hands its pages
 * over, and dsmd answers when that ended.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "dsmctl.h"

static void node_usage(void)
{
	printf("usage: dsmctl node { list | show ID | add ID ADDRESS [port P] | del ID }\n"
	       "add and del change the membership of every node (run them on any member);\n"
	       "del of a node that is up first has it hand its pages over to the others\n"
	       "(this waits until that ended: a minute or more), then removes it, and\n"
	       "its dsmd exits\n");
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

	if (parse_node_id(arg, &id))
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

/*
 * One request line to dsmd, its answer "ERRNO text" printed. No timeout
 * here: dsmd answers every request (at worst ETIMEDOUT at its own
 * deadline, which for a live node's del is the leave's, a minute or more).
 */
static int node_change(const char *what, const char *req)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[512] = "", *text;
	size_t len = 0;
	ssize_t n;
	long err;
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", DSM_CTL_SOCKET);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "dsmctl: %s: cannot reach dsmd at %s: %s%s\n",
			what, DSM_CTL_SOCKET, strerror(errno),
			errno == EACCES ? " (run as root)" :
			"; is dsmd running?");
		if (fd >= 0)
			close(fd);
		return errno == EACCES ? DSMCTL_PERM : DSMCTL_FAIL;
	}
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		close(fd);
		return dsmctl_error(what, -EIO);
	}
	/* dsmd answers one line, then closes. */
	while (len < sizeof(buf) - 1 &&
	       (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	err = strtol(buf, &text, 10);
	if (text == buf || *text != ' ') {
		fprintf(stderr, "dsmctl: %s: no answer from dsmd\n", what);
		return DSMCTL_FAIL;
	}
	if (err) {
		fprintf(stderr, "dsmctl: %s: %s (%s)\n", what, text + 1,
			strerror((int)err));
		return DSMCTL_FAIL;
	}
	print_open_object(NULL);
	print_string("result", "%s", text + 1);
	print_close_object();
	print_nl();
	print_end();
	return DSMCTL_OK;
}

/* node add ID ADDRESS [port P] */
static int node_add(int argc, char **argv)
{
	struct in6_addr a6;
	char req[160], what[32], sport[16] = "";
	uint32_t id, port;

	if (argc != 3 && !(argc == 5 && matches(argv[3], "port")))
		return dsmctl_usage("node", "usage: node add ID ADDRESS [port P]");
	if (parse_node_id(argv[1], &id))
		return dsmctl_usage("node", "node id '%s' is not 0..%d",
				    argv[1], DSM_NODES_MAX - 1);
	if (inet_pton(AF_INET, argv[2], &a6) != 1 &&
	    inet_pton(AF_INET6, argv[2], &a6) != 1)
		return dsmctl_usage("node", "'%s' is not an IPv4 or IPv6 address",
				    argv[2]);
	if (argc == 5) {
		if (parse_u32(argv[4], DSM_PORT_MAX, &port) || !port)
			return dsmctl_usage("node", "port '%s' is not 1..%d",
					    argv[4], DSM_PORT_MAX);
		snprintf(sport, sizeof(sport), " %u", port);
	}
	/* Without a port, dsmd's default (dsm.conf(5)). */
	snprintf(req, sizeof(req), "add %u %s%s\n", id, argv[2], sport);
	snprintf(what, sizeof(what), "node add %u", id);
	return node_change(what, req);
}

static int node_del(int argc, char **argv)
{
	char req[32], what[32];
	uint32_t id;

	if (argc != 2)
		return dsmctl_usage("node", "'node del' needs one node id");
	if (parse_node_id(argv[1], &id))
		return dsmctl_usage("node", "node id '%s' is not 0..%d",
				    argv[1], DSM_NODES_MAX - 1);
	snprintf(req, sizeof(req), "del %u\n", id);
	snprintf(what, sizeof(what), "node del %u", id);
	return node_change(what, req);
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
	if (!strcmp(argv[0], "add"))
		return node_add(argc, argv);
	if (!strcmp(argv[0], "del"))
		return node_del(argc, argv);
	if (matches(argv[0], "help")) {
		node_usage();
		return DSMCTL_OK;
	}
	return dsmctl_usage("node", "unknown node command '%s'", argv[0]);
}

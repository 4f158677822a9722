// SPDX-License-Identifier: GPL-2.0
/*
 * home.c - dsmctl home bump: the local kernel's home table again, with
 * the next epoch (a test tool; dsmctl(8), Documentation/sc.md).
 *
 * dsmd owns the home table and pushes it to its kernel (HOME_SET). A
 * bump reads the kernel's table (GET_STATUS: HOME_EPOCH, HOME_BUCKETS)
 * and pushes the same buckets with epoch + 1 to this node's kernel only,
 * so that its peers' tables are older than its own: their page requests
 * get NACK ESTALE here until they are bumped too. No bucket moves.
 */
#include <stdio.h>
#include <string.h>

#include "dsmctl.h"

struct home {
	uint64_t epoch;
	uint8_t node[DSM_HOME_NR_BUCKETS];
	bool have;
};

static int home_cb(uint8_t cmd, struct nlattr **tb, void *arg)
{
	struct nlattr *b = tb[DSM_A_HOME_BUCKETS];
	struct home *h = arg;

	(void)cmd;
	if (!tb[DSM_A_HOME_EPOCH] || !b || nla_len(b) != sizeof(h->node))
		return 0;
	h->epoch = dsm_nla_u64(tb[DSM_A_HOME_EPOCH], 0);
	memcpy(h->node, nla_data(b), sizeof(h->node));
	h->have = true;
	return 0;
}

static int home_bump(void)
{
	struct home h = {};
	struct nl_msg *msg;
	int ret;

	msg = dsm_genl_msg(&genl, DSM_CMD_GET_STATUS, 0);
	if (!msg)
		return dsmctl_error("home bump", -ENOMEM);
	ret = dsm_genl_call(&genl, msg, home_cb, &h);
	if (ret)
		return dsmctl_error("home bump", ret);
	if (!h.have) {
		fprintf(stderr,
			"dsmctl: home bump: the kernel has no home table yet; start dsmd first\n");
		return DSMCTL_FAIL;
	}
	msg = dsm_genl_msg(&genl, DSM_CMD_HOME_SET, 0);
	if (!msg || nla_put_u64(msg, DSM_A_HOME_EPOCH, h.epoch + 1) ||
	    nla_put(msg, DSM_A_HOME_BUCKETS, sizeof(h.node), h.node)) {
		nlmsg_free(msg);
		return dsmctl_error("home bump", -ENOMEM);
	}
	ret = dsm_genl_call(&genl, msg, NULL, NULL);
	if (ret)
		return dsmctl_error("home bump", ret);
	print_open_object(NULL);
	print_u64("home_epoch", "home epoch %s", h.epoch + 1);
	print_close_object();
	print_nl();
	print_end();
	return DSMCTL_OK;
}

int do_home(int argc, char **argv)
{
	if (argc < 1 || matches(argv[0], "help")) {
		printf("usage: dsmctl home bump\n"
		       "the local kernel's home table again, epoch + 1 (a test tool: this node only)\n");
		return argc < 1 ? DSMCTL_USAGE : DSMCTL_OK;
	}
	if (!strcmp(argv[0], "bump") && argc == 1)
		return home_bump();
	return dsmctl_usage("home", "unknown command '%s'", argv[0]);
}

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

static int home_bump(void)
{
	uint8_t node[DSM_HOME_NR_BUCKETS];
	uint64_t epoch;
	int ret;

	ret = dsm_genl_home_get(&genl, &epoch, node);
	if (ret)
		return dsmctl_error("home bump", ret);
	if (!epoch) {
		fprintf(stderr,
			"dsmctl: home bump: the kernel has no home table yet; start dsmd first\n");
		return DSMCTL_FAIL;
	}
	ret = dsm_genl_home_set(&genl, epoch + 1, node);
	if (ret)
		return dsmctl_error("home bump", ret);
	print_open_object(NULL);
	print_u64("home_epoch", "home epoch %s", epoch + 1);
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

// SPDX-License-Identifier: GPL-2.0
/*
 * top.c - dsmctl region top NAME [-n N]: a region's hot pages and what
 * sampling found of their writers (REGION_TOP, Documentation/sharing.md);
 * dsmctl lock top [-n N]: the locks acquired most (LOCK_TOP). The local
 * node's view: each node reports what it saw.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsmctl.h"

static const char *const top_verdicts[] = {
	[DSM_SHARE_UNKNOWN]	= "unknown",
	[DSM_SHARE_FALSE]	= "false",
	[DSM_SHARE_TRUE]	= "true",
};

static int top_limit(const char *object, int argc, char **argv, long *limit);

/*
 * One TOP_PAGE nest as object @key: in text, a row of region top's table,
 * or with @labels (dsmctl monitor) the same words each after its name.
 */
static void top_page(struct nlattr *page, const char *key, bool labels)
{
	struct nlattr *tb[DSM_A_MAX + 1];
	char obuf[32];
	uint64_t writers;
	uint8_t v;

	if (nla_parse_nested(tb, DSM_A_MAX, page, NULL) < 0)
		return;
	writers = dsm_nla_nodes(tb[DSM_A_TOP_WRITERS], 0);
	v = dsm_nla_u8(tb[DSM_A_TOP_VERDICT], DSM_SHARE_UNKNOWN);
	if (v > DSM_SHARE_TRUE)
		v = DSM_SHARE_UNKNOWN;
	snprintf(obuf, sizeof(obuf), "0x%llx",
		 (unsigned long long)dsm_nla_u64(tb[DSM_A_TOP_OFFSET], 0));
	print_open_object(key);
	print_string(NULL, labels ? " page %s" : "%-12s", obuf);
	print_u64("offset", NULL, dsm_nla_u64(tb[DSM_A_TOP_OFFSET], 0));
	print_u64("score", labels ? " score %s" : " %8s",
		  dsm_nla_u64(tb[DSM_A_TOP_SCORE], 0));
	print_u64("transfers", labels ? " transfers %s" : " %9s",
		  dsm_nla_u64(tb[DSM_A_TOP_TRANSFERS], 0));
	print_u64("invalidations", labels ? " invals %s" : " %6s",
		  dsm_nla_u64(tb[DSM_A_TOP_INVALS], 0));
	print_u64("gains", labels ? " gains %s" : " %6s",
		  dsm_nla_u64(tb[DSM_A_TOP_GAINS], 0));
	print_node_list("writers", labels ? " writers %s" : " %-16s",
			writers);
	print_u64("writers_mask", NULL, writers);
	print_string("sharing", labels ? " sharing %s" : " %-7s",
		     top_verdicts[v]);
	print_u64("false_samples", labels ? " false %s" : " %6s",
		  dsm_nla_u64(tb[DSM_A_TOP_FALSE], 0));
	print_u64("true_samples", labels ? " true %s" : " %6s",
		  dsm_nla_u64(tb[DSM_A_TOP_TRUE], 0));
	print_u64("own_blocks", NULL, dsm_nla_u64(tb[DSM_A_TOP_OWN_BLOCKS], 0));
	print_u64("other_blocks", NULL,
		  dsm_nla_u64(tb[DSM_A_TOP_OTHER_BLOCKS], 0));
	print_close_object();
	if (!labels)
		print_nl();
}

/*
 * dsmctl monitor's PAGE_HOT and PAGE_FALSE_SHARING: the region, the node
 * and the page (its TOP_PAGE), on one line.
 */
void print_top_event(struct nlattr **tb)
{
	print_string("region", "region %s",
		     dsm_nla_str(tb[DSM_A_REGION_NAME], "?"));
	print_u64("node", " node %s", dsm_nla_u32(tb[DSM_A_LOCAL_NODE], 0));
	if (tb[DSM_A_TOP_PAGE])
		top_page(tb[DSM_A_TOP_PAGE], "page", true);
	print_nl();
}

static int top_cb(uint8_t cmd, struct nlattr **tb, void *arg)
{
	long limit = *(long *)arg, n = 0;
	struct nlattr *page;
	int rem;

	(void)cmd;
	print_string("region", "region %s",
		     dsm_nla_str(tb[DSM_A_REGION_NAME], "?"));
	print_string("model", " model %s",
		     dsm_model_name(dsm_nla_u8(tb[DSM_A_REGION_MODEL], 255)));
	print_u64("node", " as seen by node %s",
		  dsm_nla_u32(tb[DSM_A_LOCAL_NODE], 0));
	print_nl();
	if (!print_is_json())
		printf("%-12s %8s %9s %6s %6s %-16s %-7s %6s %6s\n", "offset",
		       "score", "transfers", "invals", "gains", "writers",
		       "sharing", "false", "true");
	print_open_array("pages");
	if (tb[DSM_A_TOP_PAGES])
		nla_for_each_nested(page, tb[DSM_A_TOP_PAGES], rem)
			if (n++ < limit)
				top_page(page, NULL, false);
	print_close_array();
	return 0;
}

/* dsmctl region top NAME [-n N] */
int region_top(int argc, char **argv)
{
	char what[DSM_NAME_MAX + 32];
	struct nl_msg *msg;
	long limit;
	int ret;

	if (argc != 1 && argc != 3)
		return dsmctl_usage("region", "'region top' needs a name, then maybe '-n N'");
	ret = top_limit("region", argc - 1, argv + 1, &limit);
	if (ret)
		return ret;
	if (!*argv[0] || strlen(argv[0]) >= DSM_NAME_MAX)
		return dsmctl_usage("region", "a region name has 1 to %d characters",
				    DSM_NAME_MAX - 1);
	snprintf(what, sizeof(what), "cannot read the hot pages of '%s'",
		 argv[0]);
	msg = dsm_genl_msg(&genl, DSM_CMD_REGION_TOP, 0);
	if (!msg || nla_put_string(msg, DSM_A_REGION_NAME, argv[0]))
		return dsmctl_error(what, -ENOMEM);
	print_open_object(NULL);
	ret = dsm_genl_call(&genl, msg, top_cb, &limit);
	print_close_object();
	if (ret)
		return dsmctl_error(what, ret);
	print_end();
	return DSMCTL_OK;
}

static void top_lock(struct nlattr *lock)
{
	struct nlattr *tb[DSM_A_MAX + 1];
	uint64_t n, wait;

	if (nla_parse_nested(tb, DSM_A_MAX, lock, NULL) < 0)
		return;
	n = dsm_nla_u64(tb[DSM_A_TOP_ACQUIRES], 0);
	wait = dsm_nla_u64(tb[DSM_A_TOP_WAIT_US], 0);
	print_open_object(NULL);
	print_u64("namespace", "%-10s", dsm_nla_u32(tb[DSM_A_TOP_LOCK_NS], 0));
	print_u64("id", " %10s", dsm_nla_u32(tb[DSM_A_LOCK_ID], 0));
	print_u64("acquisitions", " %12s", n);
	print_u64("remote", " %8s", dsm_nla_u64(tb[DSM_A_TOP_REMOTE], 0));
	print_u64("wait_us", " %12s", wait);
	print_u64(NULL, " %12s", n ? wait / n : 0);
	print_u64("wait_max_us", " %12s",
		  dsm_nla_u64(tb[DSM_A_TOP_WAIT_MAX_US], 0));
	print_close_object();
	print_nl();
}

static int lock_cb(uint8_t cmd, struct nlattr **tb, void *arg)
{
	long limit = *(long *)arg, n = 0;
	struct nlattr *lock;
	int rem;

	(void)cmd;
	print_u64("node", "locks acquired on node %s",
		  dsm_nla_u32(tb[DSM_A_LOCAL_NODE], 0));
	print_nl();
	if (!print_is_json())
		printf("%-10s %10s %12s %8s %12s %12s %12s\n", "namespace",
		       "id", "acquisitions", "remote", "wait_us", "mean_us",
		       "max_us");
	print_open_array("locks");
	if (tb[DSM_A_TOP_LOCKS])
		nla_for_each_nested(lock, tb[DSM_A_TOP_LOCKS], rem)
			if (n++ < limit)
				top_lock(lock);
	print_close_array();
	return 0;
}

/* -n N of a top command into *@limit: 0, or dsmctl_usage()'s code. */
static int top_limit(const char *object, int argc, char **argv, long *limit)
{
	char *end;

	*limit = DSM_TOP_MAX;
	if (!argc)
		return 0;
	if (argc != 2 || strcmp(argv[0], "-n"))
		return dsmctl_usage(object, "unknown argument '%s'", argv[0]);
	*limit = strtol(argv[1], &end, 10);
	if (*end || end == argv[1] || *limit < 1)
		return dsmctl_usage(object, "bad count '%s'", argv[1]);
	return 0;
}

/* dsmctl lock { top [-n N] } */
int do_lock(int argc, char **argv)
{
	struct nl_msg *msg;
	long limit;
	int ret;

	if (argc >= 1 && matches(argv[0], "help")) {
		printf("usage: dsmctl lock top [-n N]\n"
		       "the lrc locks processes of this node acquired most\n");
		return DSMCTL_OK;
	}
	if (argc < 1 || strcmp(argv[0], "top"))
		return dsmctl_usage("lock", "'lock' knows only 'top'");
	ret = top_limit("lock", argc - 1, argv + 1, &limit);
	if (ret)
		return ret;
	msg = dsm_genl_msg(&genl, DSM_CMD_LOCK_TOP, 0);
	if (!msg)
		return dsmctl_error("cannot read the hot locks", -ENOMEM);
	print_open_object(NULL);
	ret = dsm_genl_call(&genl, msg, lock_cb, &limit);
	print_close_object();
	if (ret)
		return dsmctl_error("cannot read the hot locks", ret);
	print_end();
	return DSMCTL_OK;
}

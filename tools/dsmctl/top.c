// SPDX-License-Identifier: GPL-2.0
/*
 * top.c - dsmctl region top NAME [-n N]: a region's hot pages and what
 * sampling found of their writers (REGION_TOP, Documentation/sharing.md).
 * The local node's view: each node reports what it saw.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsmctl.h"

static const char *const top_verdicts[] = {
	[DSM_SHARE_UNKNOWN]	= "unknown",
	[DSM_SHARE_FALSE]	= "false",
	[DSM_SHARE_TRUE]	= "true",
};

/* "0,2" for bits 0 and 2 into @buf; "-" for none. */
static const char *top_nodes(uint32_t bits, char *buf, size_t len)
{
	size_t pos = 0;
	unsigned int n;

	buf[0] = '\0';
	for (n = 0; n < DSM_NODES_MAX && pos + 4 < len; n++)
		if (bits & (1U << n))
			pos += snprintf(buf + pos, len - pos, "%s%u",
					pos ? "," : "", n);
	return pos ? buf : "-";
}

static void top_page(struct nlattr *page)
{
	struct nlattr *tb[DSM_A_MAX + 1];
	char obuf[32], wbuf[32];
	uint8_t v;

	if (nla_parse_nested(tb, DSM_A_MAX, page, NULL) < 0)
		return;
	v = dsm_nla_u8(tb[DSM_A_TOP_VERDICT], DSM_SHARE_UNKNOWN);
	if (v > DSM_SHARE_TRUE)
		v = DSM_SHARE_UNKNOWN;
	snprintf(obuf, sizeof(obuf), "0x%llx",
		 (unsigned long long)dsm_nla_u64(tb[DSM_A_TOP_OFFSET], 0));
	print_open_object(NULL);
	print_string(NULL, "%-12s", obuf);
	print_u64("offset", NULL, dsm_nla_u64(tb[DSM_A_TOP_OFFSET], 0));
	print_u64("score", " %8s", dsm_nla_u64(tb[DSM_A_TOP_SCORE], 0));
	print_u64("transfers", " %9s", dsm_nla_u64(tb[DSM_A_TOP_TRANSFERS], 0));
	print_u64("invalidations", " %6s", dsm_nla_u64(tb[DSM_A_TOP_INVALS], 0));
	print_u64("gains", " %6s", dsm_nla_u64(tb[DSM_A_TOP_GAINS], 0));
	print_string(NULL, " %-16s",
		     top_nodes(dsm_nla_u32(tb[DSM_A_TOP_WRITERS], 0), wbuf,
			       sizeof(wbuf)));
	print_u64("writers_mask", NULL, dsm_nla_u32(tb[DSM_A_TOP_WRITERS], 0));
	print_string("sharing", " %-7s", top_verdicts[v]);
	print_u64("false_samples", " %6s", dsm_nla_u64(tb[DSM_A_TOP_FALSE], 0));
	print_u64("true_samples", " %6s", dsm_nla_u64(tb[DSM_A_TOP_TRUE], 0));
	print_u64("own_blocks", NULL, dsm_nla_u64(tb[DSM_A_TOP_OWN_BLOCKS], 0));
	print_u64("other_blocks", NULL,
		  dsm_nla_u64(tb[DSM_A_TOP_OTHER_BLOCKS], 0));
	print_close_object();
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
				top_page(page);
	print_close_array();
	return 0;
}

/* dsmctl region top NAME [-n N] */
int region_top(int argc, char **argv)
{
	char what[DSM_NAME_MAX + 32];
	struct nl_msg *msg;
	long limit = DSM_TOP_MAX;
	char *end;
	int ret;

	if (argc != 1 && argc != 3)
		return dsmctl_usage("region", "'region top' needs a name, then maybe '-n N'");
	if (argc == 3) {
		if (strcmp(argv[1], "-n"))
			return dsmctl_usage("region", "unknown argument '%s'",
					    argv[1]);
		limit = strtol(argv[2], &end, 10);
		if (*end || end == argv[2] || limit < 1)
			return dsmctl_usage("region", "bad count '%s'", argv[2]);
	}
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

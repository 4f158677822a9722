// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_vcnet - the virtual cluster's partition control (vc-net,
 * Documentation/vcluster.md "Partitions"), which the partition tests of
 * issue 15 stand on: the switch drops packets between groups and carries
 * them again after a heal, and bad requests are refused with a reason
 * and change nothing.
 *
 * Node 0 drives and checks with ping; the others only stay up. It needs
 * no dsm and no sync between the nodes, so it runs last in its group
 * (3node-fail), where a cut that outlasts dsmd's dead timeout on a busy
 * host harms no later test.
 */
#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"
#include "dsm_test.h"
#include "dsm_shell.h"

#define VCNET_TRIES	10	/* pings that may be lost to a slow host */

static const char *vcnet_net(void)
{
	const char *net = getenv("VCLUSTER_NET");

	return net ? net : "10.213.0";
}

/* 0 if node @id answers a ping within @tries attempts of @secs each. */
static int vcnet_reach(int id, int tries, int secs)
{
	int i;

	for (i = 0; i < tries; i++)
		if (dsm_sh(NULL, 0, "ping -c 1 -W %d %s.%d > /dev/null",
			   secs, vcnet_net(), id + 1) == 0)
			return 0;
	return -1;
}

/* Run vc-net with @args; its output (or error) in @out. */
static int vcnet(char *out, size_t len, const char *args)
{
	return dsm_sh(out, len, "DSM_TEST_TIME_FACTOR=%d vc-net %s",
		      dsm_test_time_factor(), args);
}

#define VCNET_DRIVER_ONLY()						\
	do {								\
		if (dsm_sh(NULL, 0, "command -v vc-net") != 0)		\
			SKIP(return, "no vc-net: not a vcluster guest");\
		if (dsm_nodes_env() < 3)				\
			SKIP(return, "needs 3 nodes, have %d",		\
			     dsm_nodes_env());				\
		if (dsm_node_id_env() != 0)				\
			SKIP(return, "node 0 drives this test");	\
	} while (0)

TEST(bad_requests_change_nothing)
{
	char out[512];

	VCNET_DRIVER_ONLY();
	ASSERT_EQ(0, vcnet(out, sizeof(out), "show")) TH_LOG("%s", out);
	ASSERT_STREQ("0,1,2", out) TH_LOG("every node on one network at first");

	EXPECT_NE(0, vcnet(out, sizeof(out), "split 0,1 1"));
	EXPECT_NE(NULL, strstr(out, "node 1 is in two groups")) TH_LOG("%s", out);
	EXPECT_NE(0, vcnet(out, sizeof(out), "split 0 9"));
	EXPECT_NE(NULL, strstr(out, "no node 9")) TH_LOG("%s", out);
	EXPECT_NE(0, vcnet(out, sizeof(out), "split 0,x"));
	EXPECT_NE(0, vcnet(out, sizeof(out), "cut 2"));

	ASSERT_EQ(0, vcnet(out, sizeof(out), "show")) TH_LOG("%s", out);
	EXPECT_STREQ("0,1,2", out) TH_LOG("a refused request changed the grouping");
	EXPECT_EQ(0, vcnet_reach(2, VCNET_TRIES, 3)) TH_LOG("node 0 cannot reach node 2");
}

TEST(split_and_heal)
{
	char out[512];

	VCNET_DRIVER_ONLY();
	ASSERT_EQ(0, vcnet_reach(2, VCNET_TRIES, 3))
		TH_LOG("node 0 cannot reach node 2 before any split");

	ASSERT_EQ(0, vcnet(out, sizeof(out), "split 0,1 2")) TH_LOG("%s", out);
	EXPECT_STREQ("0,1 2", out);
	/* Inside the group: reachable; across: a ping gets no answer. */
	EXPECT_EQ(0, vcnet_reach(1, VCNET_TRIES, 3))
		TH_LOG("node 0 cannot reach node 1 in its own group");
	EXPECT_NE(0, vcnet_reach(2, 2, 2))
		TH_LOG("node 0 reached node 2 across the split");

	ASSERT_EQ(0, vcnet(out, sizeof(out), "heal")) TH_LOG("%s", out);
	EXPECT_STREQ("0,1,2", out);
	EXPECT_EQ(0, vcnet_reach(2, VCNET_TRIES, 3))
		TH_LOG("node 0 cannot reach node 2 after the heal");
}

TEST_HARNESS_MAIN

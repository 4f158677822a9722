// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_cluster - runs on every node of a multi-node virtual cluster at
 * once: the environment names this node, every node has a working
 * /dev/dsm, and the nodes can reach each other and synchronise (the
 * ground every multi-node test stands on).
 */
#include <fcntl.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "dsm_test.h"

/*
 * A fixture only for the timeouts: a test that syncs needs one above the
 * sync timeout, and TEST() has the harness's default (30 s).
 */
FIXTURE(cluster) {
	int unused;
};

FIXTURE_SETUP(cluster)
{
}

FIXTURE_TEARDOWN(cluster)
{
}

TEST(environment)
{
	int id = dsm_node_id_env(), n = dsm_nodes_env();

	ASSERT_LE(2, n) TH_LOG("multi-node test run with DSM_NODES=%d", n);
	ASSERT_LE(0, id);
	ASSERT_GT(n, id);
}

TEST(device_on_every_node)
{
	struct dsm_api api = { .api = DSM_API_VERSION };
	int fd;

	fd = open(DSM_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, ioctl(fd, DSM_IOC_API, &api));
	EXPECT_EQ(DSM_API_VERSION, api.api);
	close(fd);
}

TEST_F_TIMEOUT(cluster, sync_all_nodes, DSM_TEST_TIMEOUT(30))
{
	unsigned int step;

	for (step = 1; step <= 5; step++)
		dsm_test_sync(step);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_harness_child - not a test program of the run: dsm_harness runs it
 * on every node at once, on a sync port of its own, with a sync timeout
 * of CHILD_SYNC seconds and DSM_TEST_SLOW set (dsm_harness.h has the time
 * plan), and checks what its TAP output says. Its tests fail on purpose,
 * one way each, and the test after each must pass on every node:
 *
 * - slow_node2: node 2 sleeps past the sync timeout after the begin;
 * - fails_on_node1: node 1 fails an assertion after step 1;
 * - fails_before_begin: node 1 fails before the test's begin;
 * - slow_node0: node 0, the coordinator, sleeps past the sync timeout;
 * - hangs_on_node0: node 0 hangs until the harness kills it;
 * - after_*: three steps on every node.
 *
 * The begin is the first dsm_test_sync()'s (no dsm_test_begin()), so
 * that a node can fail before it.
 */
#include "kselftest_harness.h"
#include "dsm_test.h"
#include "dsm_harness.h"

FIXTURE(child) {
	int unused;
};

FIXTURE_SETUP(child)
{
}

FIXTURE_TEARDOWN(child)
{
}

static void three_steps(struct __test_metadata *_metadata)
{
	unsigned int step;

	for (step = 1; step <= 3; step++)
		dsm_test_sync(step);
}

/* node 2 sleeps after the begin (DSM_TEST_SLOW) */
TEST_F_TIMEOUT(child, slow_node2, CHILD_TIMEOUT)
{
	three_steps(_metadata);
}

TEST_F_TIMEOUT(child, after_slow_node2, CHILD_TIMEOUT)
{
	three_steps(_metadata);
}

TEST_F_TIMEOUT(child, fails_on_node1, CHILD_TIMEOUT)
{
	dsm_test_sync(1);
	if (dsm_node_id_env() == 1)
		ASSERT_TRUE(0) TH_LOG("node 1 fails here on purpose");
	dsm_test_sync(2);
}

TEST_F_TIMEOUT(child, after_fail, CHILD_TIMEOUT)
{
	three_steps(_metadata);
}

TEST_F_TIMEOUT(child, fails_before_begin, CHILD_TIMEOUT)
{
	if (dsm_node_id_env() == 1)
		ASSERT_TRUE(0) TH_LOG("node 1 fails before the begin on purpose");
	three_steps(_metadata);
}

TEST_F_TIMEOUT(child, after_fail_before_begin, CHILD_TIMEOUT)
{
	three_steps(_metadata);
}

/* node 0 sleeps after the begin (DSM_TEST_SLOW) */
TEST_F_TIMEOUT(child, slow_node0, CHILD_TIMEOUT)
{
	three_steps(_metadata);
}

TEST_F_TIMEOUT(child, after_slow_node0, CHILD_TIMEOUT)
{
	three_steps(_metadata);
}

TEST_F_TIMEOUT(child, hangs_on_node0, CHILD_HANG)
{
	dsm_test_sync(1);
	while (dsm_node_id_env() == 0)
		pause();		/* until the harness kills it */
	dsm_test_sync(2);
}

TEST_F_TIMEOUT(child, after_hang, CHILD_TIMEOUT)
{
	three_steps(_metadata);
}

TEST_HARNESS_MAIN

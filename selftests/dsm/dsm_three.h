/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_three.h - the start every three-node selftest of libdsm's calls
 * shares (dsm_lrc, dsm_lrc_api, dsm_lrc_limits, dsm_lrc_regions,
 * dsm_lrc_prefetch, dsm_sharing): which node this is and how many there
 * are, the test's start, dsm_init(); and the skip of a test run on
 * another number of nodes. Include after kselftest_harness.h.
 */
#ifndef _DSM_THREE_H
#define _DSM_THREE_H

#include <stdbool.h>
#include <string.h>

#include <dsm.h>

#include "dsm_test.h"

/*
 * dsm_three_setup - a fixture's setup: *@node and *@nodes from the
 * environment; on three nodes, the test's start (dsm_test_begin()) and
 * dsm_init(), whose failure fails the test. On any other number nothing
 * more: each test skips itself (NEED_3NODES()), as a SKIP in a fixture's
 * setup does not stop the test's body. Return: true on three nodes.
 */
#define dsm_three_setup(node, nodes)					\
	__dsm_three_setup(_metadata, node, nodes)

static inline bool __dsm_three_setup(struct __test_metadata *_metadata,
				     int *node, int *nodes)
{
	int ret;

	*node = dsm_node_id_env();
	*nodes = dsm_nodes_env();
	if (*node < 0 || *nodes != 3)
		return false;
	dsm_test_begin();
	ret = dsm_init();
	ASSERT_EQ(0, ret) TH_LOG("node %d: dsm_init: %s", *node,
				 strerror(-ret));
	return true;
}

/* In a test's body: skip it unless the file's node and nodes say three. */
#define NEED_3NODES() do {						\
		if (node < 0 || nodes != 3)				\
			SKIP(return, "needs DSM_NODE_ID and DSM_NODES=3"); \
	} while (0)

/*
 * libdsm's lock and barrier calls in a test of the 3-node programs, which
 * must succeed: a failure names this node (the test file's variable
 * @node) and the id.
 */
#define LOCK(l) ASSERT_EQ(0, dsm_lock_acquire(l)) \
	TH_LOG("node %d: acquire %d", node, l)
#define UNLOCK(l) ASSERT_EQ(0, dsm_lock_release(l)) \
	TH_LOG("node %d: release %d", node, l)
#define BARRIER(b) ASSERT_EQ(0, dsm_barrier(b)) \
	TH_LOG("node %d: barrier %d", node, b)

#endif /* _DSM_THREE_H */

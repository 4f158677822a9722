// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_lrc_regions - each region's locks and barriers are its own (API
 * version 5, Documentation/lrc.md "Lock and barrier namespaces"), across
 * the 3 nodes of the virtual cluster, through libdsm's region calls:
 *
 * - locks: while node 0 holds lock 5 of region A, node 1 takes lock 5 of
 *   region B and node 2 the cluster-wide lock 5 (root), each in a child
 *   bounded by NS_WAIT seconds: with one namespace (API version 4) they
 *   waited for node 0 and were killed. Then A's lock 5 carries node 0's
 *   write to node 1: it is one lock across nodes.
 * - barriers: every node writes its slot of B, arrives at B's barrier 5,
 *   writes its slot of A, arrives at A's barrier 5; after each, every
 *   node sees every slot (a barrier completes with the arrivals at its
 *   own (region, id) and passes their writes on).
 *
 * Node 0 creates the regions "regions-<test>a" and -b; the user
 * without write permission (EACCES) is dsm_perm's (one node).
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dsm.h>

#include "kselftest_harness.h"
#include "dsm_test.h"
#include "dsm_shell.h"
#include "dsm_region.h"

#define MAP_WAIT	dsm_test_secs(30)	/* s: region replication */
#define NS_ID		5	/* lock and barrier id in every namespace */
#define NS_WAIT		20	/* s: a free lock is granted within */
/* The regions of each test: "regions-<test>a" and "regions-<test>b". */
#define RA		ra
#define RB		rb

static char ra[DSM_NAME_MAX], rb[DSM_NAME_MAX];

static int node, nodes;

FIXTURE(regions) {
	volatile uint64_t *a, *b;
	size_t alen, blen;
};

FIXTURE_SETUP(regions)
{
	int ret;

	self->a = self->b = NULL;
	node = dsm_node_id_env();
	nodes = dsm_nodes_env();
	if (node < 0 || nodes != 3)
		return;		/* each test skips (NEED_3NODES) */
	dsm_test_begin();
	ret = dsm_init();
	ASSERT_EQ(0, ret) TH_LOG("node %d: dsm_init: %s", node, strerror(-ret));
}

FIXTURE_TEARDOWN(regions)
{
	if (self->a)
		munmap((void *)self->a, self->alen);
	if (self->b)
		munmap((void *)self->b, self->blen);
}

#define NEED_3NODES() do {						\
		if (node < 0 || nodes != 3)				\
			SKIP(return, "needs DSM_NODE_ID and DSM_NODES=3"); \
	} while (0)

/* The lock of take_once: region @ns_region, or cluster-wide if NULL. */
static const char *ns_region;

static int take_once(unsigned int lock)
{
	if (ns_region) {
		if (dsm_region_lock_acquire(ns_region, lock))
			return 1;
		return dsm_region_lock_release(ns_region, lock) ? 2 : 0;
	}
	if (dsm_lock_acquire(lock))
		return 1;
	return dsm_lock_release(lock) ? 2 : 0;
}

/*
 * Run take_once(@lock) in a child with its own dsm file: its exit status,
 * or -1 if it did not end within @secs seconds, times the time factor
 * (it is killed).
 */
static int in_child(unsigned int lock, int secs)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(dsm_init() ? 100 : take_once(lock));
	return dsm_wait_child(pid, secs);
}

static int map_both(struct __test_metadata *_metadata,
		    FIXTURE_DATA(regions) *self, const char *test,
		    unsigned int step)
{
	snprintf(ra, sizeof(ra), "regions-%sa", test);
	snprintf(rb, sizeof(rb), "regions-%sb", test);
	self->a = dsm_test_region(RA, "lrc", DSM_PAGE, step, MAP_WAIT,
				  &self->alen);
	if (!self->a)
		return -1;
	self->b = dsm_test_region(RB, "lrc", DSM_PAGE, step + 2, MAP_WAIT,
				  &self->blen);
	return self->b ? 0 : -1;
}

TEST_F_TIMEOUT(regions, locks, DSM_TEST_TIMEOUT(120))
{
	uint64_t v;
	int st;

	NEED_3NODES();
	ASSERT_EQ(0, map_both(_metadata, self, "l", 10));
	if (node == 0) {
		ASSERT_EQ(0, dsm_region_lock_acquire(RA, NS_ID));
		self->a[0] = 1;
	}
	dsm_test_sync(14);
	if (node == 1) {
		ns_region = RB;
		st = in_child(NS_ID, NS_WAIT);
		EXPECT_EQ(0, st) TH_LOG("node 1: lock %d of %s while node 0 holds %s's: %d (-1: not granted in %d s)",
					NS_ID, RB, RA, st, NS_WAIT);
	}
	if (node == 2) {
		ns_region = NULL;
		st = in_child(NS_ID, NS_WAIT);
		EXPECT_EQ(0, st) TH_LOG("node 2: cluster-wide lock %d while node 0 holds %s's: %d (-1: not granted in %d s)",
					NS_ID, RA, st, NS_WAIT);
	}
	dsm_test_sync(15);
	if (node == 0) {
		self->a[0] = 2;
		ASSERT_EQ(0, dsm_region_lock_release(RA, NS_ID));
	}
	dsm_test_sync(16);
	if (node == 1) {
		ASSERT_EQ(0, dsm_region_lock_acquire(RA, NS_ID));
		v = self->a[0];
		EXPECT_EQ(2, v) TH_LOG("node 1: %s offset 0 under its lock %d: expected 2, got %lu",
				       RA, NS_ID, (unsigned long)v);
		ASSERT_EQ(0, dsm_region_lock_release(RA, NS_ID));
	}
	dsm_test_sync(17);
}

TEST_F_TIMEOUT(regions, barriers, DSM_TEST_TIMEOUT(60))
{
	uint64_t v;
	int i;

	NEED_3NODES();
	ASSERT_EQ(0, map_both(_metadata, self, "b", 20));
	self->b[1 + node] = 10 + node;
	ASSERT_EQ(0, dsm_region_barrier(RB, NS_ID))
		TH_LOG("node %d: barrier %d of %s", node, NS_ID, RB);
	self->a[1 + node] = 20 + node;
	ASSERT_EQ(0, dsm_region_barrier(RA, NS_ID))
		TH_LOG("node %d: barrier %d of %s", node, NS_ID, RA);
	for (i = 0; i < 3; i++) {
		v = self->b[1 + i];
		EXPECT_EQ(10 + i, v) TH_LOG("node %d: %s offset %d after its barrier: expected %d, got %lu",
					    node, RB, 8 * (1 + i), 10 + i,
					    (unsigned long)v);
		v = self->a[1 + i];
		EXPECT_EQ(20 + i, v) TH_LOG("node %d: %s offset %d after its barrier: expected %d, got %lu",
					    node, RA, 8 * (1 + i), 20 + i,
					    (unsigned long)v);
	}
	dsm_test_sync(24);
}

TEST_HARNESS_MAIN

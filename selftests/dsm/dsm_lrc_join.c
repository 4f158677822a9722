// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_lrc_join.c - a node added at run time joins lrc at a collecting
 * barrier (issue 16 item 3; Documentation/lrc.md, "Joining at run time").
 * Group 3node-join, after dsm_join: nodes 0, 1 and 2 were the members,
 * and dsm_join added node 3 with `dsmctl node add` (every dsmd's managers
 * follow the table: node 3 is a member, joining lrc).
 *
 * 1. Nodes 0, 1 and 2 write their own page of the region and increment a
 *    counter under a lock, then meet at barriers: the barriers do not
 *    wait for node 3 (without the join rule they wait for it forever:
 *    it has no lrc state and runs nothing yet). Node 3's lock acquire is
 *    refused with ESTALE: it has not joined.
 * 2. Node 3 arrives at barrier JOIN_BARRIER (in a child, so that it can
 *    tell the others it is waiting); its arrival makes the barrier
 *    collect garbage, and the others arrive until one of their barriers
 *    did (lrc_gc_runs grew: their threshold is the default, so only the
 *    join makes one): node 3 joined there.
 * 3. Node 3 sees what the three wrote before it joined (fetched whole
 *    from them), then all four increment the counter under the lock and
 *    meet at barriers, and every node checks the exact totals, under the
 *    lock and after a barrier.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dsm.h>

#include "kselftest_harness.h"
#include "dsm_test.h"
#include "dsm_shell.h"
#include "dsm_region.h"

#define LJ_NODES	4	/* three members and node 3, added */
#define LJ_NEW		3
/* Lock 1: managed by node 1 with three members or four (1 mod n). */
#define LJ_LOCK		1
#define LJ_BARRIER	91
#define JOIN_BARRIER	92
#define LJ_K1		50	/* increments per old member before the join */
#define LJ_K2		50	/* per node after it */
#define LJ_TRIES	10	/* barriers the old members make at most */
#define LJ_SIZE		(8 * DSM_PAGE)
#define LJ_CNT		(4 * DSM_PAGE)	/* offset of the counter */

FIXTURE(lj) {
	void *map;
	size_t len;
};

FIXTURE_SETUP(lj)
{
	self->map = NULL;
}

FIXTURE_TEARDOWN(lj)
{
	if (self->map)
		munmap(self->map, self->len);
}

/* The byte node @n writes at @i of its own page before the join. */
static uint8_t lj_byte(int n, size_t i)
{
	return (uint8_t)(n * 37 + i * 7 + 1);
}

/* @k increments of the counter at @c under LJ_LOCK; 0 or an errno. */
static int lj_increments(volatile uint64_t *c, int k)
{
	int i, ret;

	for (i = 0; i < k; i++) {
		ret = dsm_lock_acquire(LJ_LOCK);
		if (ret)
			return ret;
		*c = *c + 1;
		ret = dsm_lock_release(LJ_LOCK);
		if (ret)
			return ret;
	}
	return 0;
}

TEST_F_TIMEOUT(lj, joins_at_collection, DSM_TEST_TIMEOUT(200))
{
	int node = dsm_node_id_env(), ret, tries = 0, st;
	long gc0, waits0;
	volatile uint64_t *c;
	uint64_t v;
	size_t i, bad;
	pid_t pid = -1;
	uint8_t *p;
	double t0;

	if (dsm_nodes_env() != LJ_NODES)
		SKIP(return, "needs 3 members and 1 spare (vcluster -n 3 --spare 1)");
	dsm_test_begin();
	ASSERT_EQ(0, dsm_init()) TH_LOG("node %d: dsm_init", node);
	/* dsm_join added node 3: every kernel knows it as a member. */
	t0 = dsm_now();
	while (dsm_sh(NULL, 0, "dsmctl -j status | jq -e '.home_buckets.\"3\" >= 1'") &&
	       dsm_now() - t0 < dsm_test_secs(60))
		usleep(100000);
	self->map = dsm_test_region("lrcjoin", "lrc", LJ_SIZE, 1,
				    dsm_test_secs(30), &self->len);
	ASSERT_NE(NULL, self->map);
	p = self->map;
	c = (volatile uint64_t *)(p + LJ_CNT);
	gc0 = dsm_counter("lrc_gc_runs");
	waits0 = dsm_counter("lrc_barrier_waits");
	ASSERT_LE(0, gc0);

	/* 1. The three old members, without node 3. */
	if (node != LJ_NEW) {
		for (i = 0; i < DSM_PAGE; i++)
			p[node * DSM_PAGE + i] = lj_byte(node, i);
		ASSERT_EQ(0, lj_increments(c, LJ_K1))
			TH_LOG("node %d: increments before the join", node);
		ASSERT_EQ(0, dsm_barrier(LJ_BARRIER))
			TH_LOG("node %d: a barrier waited for node 3, which has not joined", node);
		ASSERT_EQ(0, dsm_barrier(LJ_BARRIER));
		EXPECT_EQ(gc0, dsm_counter("lrc_gc_runs"))
			TH_LOG("node %d: a barrier without node 3 collected", node);
	} else {
		ret = dsm_lock_acquire(LJ_LOCK);
		EXPECT_EQ(-ESTALE, ret)
			TH_LOG("node 3: a lock before joining: %d (%s)", ret,
			       strerror(-ret));
		if (!ret)
			dsm_lock_release(LJ_LOCK);
	}
	dsm_test_sync(3);

	/* 2. Node 3 arrives; the others until their barrier collected. */
	if (node == LJ_NEW) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			/* libdsm: a child opens its own file. */
			_exit(dsm_init() || dsm_barrier(JOIN_BARRIER) ? 1 : 0);
		t0 = dsm_now();
		while (dsm_counter("lrc_barrier_waits") <= waits0 &&
		       dsm_now() - t0 < dsm_test_secs(60))
			usleep(20000);
		EXPECT_LT(waits0, dsm_counter("lrc_barrier_waits"))
			TH_LOG("node 3: its arrival did not start");
	}
	dsm_test_sync(4);
	if (node != LJ_NEW) {
		do {
			ASSERT_EQ(0, dsm_barrier(JOIN_BARRIER))
				TH_LOG("node %d: join barrier, try %d", node,
				       tries);
		} while (dsm_gc_retry(gc0, &tries, LJ_TRIES));
		EXPECT_LT(gc0, dsm_counter("lrc_gc_runs"))
			TH_LOG("node %d: %d barriers and none collected: node 3 never joined",
			       node, tries);
	} else {
		st = dsm_wait_child(pid, 120);
		ASSERT_EQ(0, st) TH_LOG("node 3: the join barrier failed");
		EXPECT_LT(gc0, dsm_counter("lrc_gc_runs"))
			TH_LOG("node 3: joined without a collection");
	}
	dsm_test_sync(5);

	/* 3. Node 3 sees the old members' writes; then all four count. */
	if (node == LJ_NEW) {
		for (bad = 0, i = 0; i < 3 * DSM_PAGE && !bad; i++)
			if (p[i] != lj_byte(i / DSM_PAGE, i % DSM_PAGE))
				bad = i + 1;
		EXPECT_EQ(0, bad) TH_LOG("node 3: offset %zu: %u, written %u before the join",
					 bad - 1, p[bad - 1],
					 lj_byte((bad - 1) / DSM_PAGE,
						 (bad - 1) % DSM_PAGE));
		EXPECT_EQ(3 * LJ_K1, *c) TH_LOG("node 3: counter %lu after joining",
					       (unsigned long)*c);
	}
	/* Before anyone counts on (node 3's copy would hold it). */
	dsm_test_sync(6);
	ASSERT_EQ(0, lj_increments(c, LJ_K2))
		TH_LOG("node %d: increments after the join", node);
	dsm_test_sync(7);
	ASSERT_EQ(0, dsm_lock_acquire(LJ_LOCK));
	v = *c;
	ASSERT_EQ(0, dsm_lock_release(LJ_LOCK));
	EXPECT_EQ(3 * LJ_K1 + LJ_NODES * LJ_K2, v)
		TH_LOG("node %d: counter under the lock: %lu", node,
		       (unsigned long)v);
	ASSERT_EQ(0, dsm_barrier(LJ_BARRIER))
		TH_LOG("node %d: barrier of all four", node);
	EXPECT_EQ(3 * LJ_K1 + LJ_NODES * LJ_K2, *c)
		TH_LOG("node %d: counter after the barrier: %lu", node,
		       (unsigned long)*c);
	/* Node 3's writes reach the others through a barrier too. */
	if (node == LJ_NEW)
		memset(p + LJ_NEW * DSM_PAGE, 0x5a, DSM_PAGE);
	ASSERT_EQ(0, dsm_barrier(LJ_BARRIER));
	for (bad = 0, i = 0; i < DSM_PAGE && !bad; i++)
		if (p[LJ_NEW * DSM_PAGE + i] != 0x5a)
			bad = i + 1;
	EXPECT_EQ(0, bad) TH_LOG("node %d: node 3's page, offset %zu", node,
				 bad - 1);
	dsm_test_sync(8);
}

TEST_HARNESS_MAIN

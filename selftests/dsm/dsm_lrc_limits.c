// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_lrc_limits - what lrc locks and barriers hold and how long they
 * wait, on 3 nodes, through libdsm (Documentation/lrc.md, "Barrier
 * epochs" and "Lock and barrier waits"):
 *
 * - many_barriers: hundreds of barriers, each with a new barrier id,
 *   then one id reused (dsmd's unit test mgr_barrier_test goes past
 *   its old MGR_BARRIERS_MAX; this one checks the kernels and dsmd
 *   together, at a size a TCG cluster runs in well under a minute):
 *   every barrier completes, the data written before each checkpoint is
 *   seen by all after it, and no node keeps barrier state afterwards
 *   (lrc_barriers_held is 0);
 * - many_barriers_gc: the same, fewer, with a garbage collection at
 *   every barrier (lrc_gc_threshold = 1 byte on every node): the GC_DONE
 *   rounds leave nothing behind either;
 * - killed_at_barrier: a process of node 0 waiting at a barrier is
 *   killed; the other nodes' arrivals complete that barrier (node 0's
 *   arrival counted), node 0 still learns its release, and the next
 *   barrier works on every node and shows what was written before; again
 *   with a garbage collection at the barrier, which node 0 then runs
 *   without the killed caller.
 *
 * Each test creates its own lrc region on node 0, "limits-<test>".
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <dsm.h>

#include "kselftest_harness.h"
#include "dsm_test.h"
#include "dsm_three.h"
#include "dsm_shell.h"
#include "dsm_region.h"

#define MAP_WAIT		dsm_test_secs(30)	/* s: region replication */
#define GC_PARAM		"/sys/module/dsm/parameters/lrc_gc_threshold"

/* many_barriers */
#define MB_BASE			1000000
#define MB_IDS			600
#define MB_CHECK_EVERY		50
/* many_barriers_gc */
#define MG_BASE			2000000
#define MG_IDS			300
#define MG_CHECK_EVERY		20
/* killed_at_barrier */
#define KB_ID			3000000
#define KB_WAIT			60.0	/* s: a state change here, at most */

static int node, nodes;

FIXTURE(limits) {
	char gc_saved[32];
	void *map;
	size_t len;
};

FIXTURE_SETUP(limits)
{
	self->map = NULL;
	self->gc_saved[0] = '\0';
	dsm_three_setup(&node, &nodes);
}

FIXTURE_TEARDOWN(limits)
{
	if (self->map)
		munmap(self->map, self->len);
	if (self->gc_saved[0])
		EXPECT_EQ(0, dsm_write_file(GC_PARAM, self->gc_saved));
}

/*
 * The lrc region limits-@tag of @size bytes, created by node 0 and mapped
 * on every node at syncs @step and @step + 1 (dsm_test_region()).
 */
static void *limits_region(struct __test_metadata *_metadata,
			   FIXTURE_DATA(limits) *self, const char *tag,
			   size_t size, unsigned int step)
{
	char name[DSM_NAME_MAX];

	snprintf(name, sizeof(name), "limits-%s", tag);
	self->map = dsm_test_region(name, "lrc", size, step, MAP_WAIT,
				    &self->len);
	return self->map;
}

/*
 * @n + 1 barriers: ids @base .. @base + @n - 1, then @base again. Every
 * @every barriers each node writes its slot of @slot first and checks
 * every slot after. Returns the barrier that saw a wrong slot, or -1.
 */
static int barriers(struct __test_metadata *_metadata,
		    volatile uint64_t *slot, unsigned int base, int n,
		    int every)
{
	int bad = -1;

	for (int k = 0; k <= n; k++) {
		unsigned int id = k < n ? base + k : base;
		int ret;

		if (k % every == 0)
			slot[node] = k + 1;
		ret = dsm_barrier(id);
		EXPECT_EQ(0, ret) TH_LOG("node %d: barrier %d of %d (id %u): %s",
					 node, k + 1, n + 1, id,
					 strerror(-ret));
		if (ret)
			return k;
		for (int i = 0; k % every == 0 && i < 3 && bad < 0; i++)
			if (slot[i] != (uint64_t)k + 1) {
				bad = k;
				TH_LOG("node %d: after barrier %d: node %d's slot "
				       "(offset %d): expected %d, got %lu", node,
				       k + 1, i, i * 8, k + 1,
				       (unsigned long)slot[i]);
			}
		dsm_test_progress(k + 1, n + 1, 500, "barriers");
	}
	return bad;
}

/*
 * MB_IDS barriers with a new id each, then one id again: every barrier
 * completes, and no node holds barrier state after them (the kernel once
 * kept an entry per id until unload). About 20 barriers a second on
 * three TCG nodes sharing two host cores: some 30 s; the bound is seven
 * times that, for a loaded host.
 */
TEST_F_TIMEOUT(limits, many_barriers, DSM_TEST_TIMEOUT(DSM_TEST_MAX_WORK))
{
	long waits0, waits, held;
	char *p;

	NEED_3NODES();
	p = limits_region(_metadata, self, "mb", DSM_PAGE, 10);
	ASSERT_NE(NULL, p);
	waits0 = dsm_counter("lrc_barrier_waits");
	ASSERT_LE(0, waits0) TH_LOG("node %d: no lrc_barrier_waits counter",
				    node);
	EXPECT_EQ(-1, barriers(_metadata, (volatile uint64_t *)p, MB_BASE,
			       MB_IDS, MB_CHECK_EVERY));
	held = dsm_counter("lrc_barriers_held");
	EXPECT_EQ(0, held) TH_LOG("node %d: lrc_barriers_held is %ld after "
				  "the barriers (-1: no such counter)", node,
				  held);
	waits = dsm_counter("lrc_barrier_waits");
	EXPECT_EQ(waits0 + MB_IDS + 1, waits)
		TH_LOG("node %d: lrc_barrier_waits %ld -> %ld", node, waits0,
		       waits);
	dsm_test_sync(12);
}

/*
 * A collection at every barrier (a GC_DONE round each): the same, with
 * MG_IDS new ids; lrc_gc_runs grew, and nothing is held after.
 */
TEST_F_TIMEOUT(limits, many_barriers_gc, DSM_TEST_TIMEOUT(DSM_TEST_MAX_WORK))
{
	long runs0, runs, held;
	char *p;
	int ret;

	NEED_3NODES();
	ret = dsm_read_file(GC_PARAM, self->gc_saved, sizeof(self->gc_saved));
	ASSERT_EQ(0, ret) TH_LOG("node %d: %s: %s", node, GC_PARAM,
				 strerror(-ret));
	ASSERT_EQ(0, dsm_write_file(GC_PARAM, "1"));
	p = limits_region(_metadata, self, "mg", DSM_PAGE, 20);
	ASSERT_NE(NULL, p);
	runs0 = dsm_counter("lrc_gc_runs");
	ASSERT_LE(0, runs0);
	EXPECT_EQ(-1, barriers(_metadata, (volatile uint64_t *)p, MG_BASE,
			       MG_IDS, MG_CHECK_EVERY));
	runs = dsm_counter("lrc_gc_runs");
	EXPECT_LT(runs0, runs) TH_LOG("node %d: no collection (lrc_gc_runs "
				      "%ld -> %ld)", node, runs0, runs);
	held = dsm_counter("lrc_barriers_held");
	EXPECT_EQ(0, held) TH_LOG("node %d: lrc_barriers_held is %ld after "
				  "the barriers (-1: no such counter)", node,
				  held);
	dsm_test_sync(22);
}

/* Wait up to KB_WAIT s for counter @name to be @want here; its value. */
static long stat_wait(const char *name, long want)
{
	double t0 = dsm_now();
	long v;

	while ((v = dsm_counter(name)) != want && dsm_now() - t0 < KB_WAIT)
		usleep(100000);
	return v;
}

/*
 * One round of killed_at_barrier at barrier @id, a value @v: node 1
 * writes @v into its slot; a child of node 0 arrives at @id and is
 * killed while it waits (its arrival is counted at the manager); nodes 1
 * and 2 then arrive and are released; node 0 learns that release
 * without its caller (lrc_barriers_held goes back to 0); then every node
 * passes barrier @id + 1 and node 0 sees @v.
 */
static void killed_round(struct __test_metadata *_metadata,
			 volatile uint64_t *slot, unsigned int id, uint64_t v,
			 int step)
{
	long held;
	pid_t pid;
	int st, ret;

	if (node == 1) {
		slot[1] = v;
		/* its interval ends at the next sync operation */
	}
	dsm_test_sync(step);
	if (node == 0) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0)
			_exit(dsm_init() ? 100 : -dsm_barrier(id));
		held = stat_wait("lrc_barriers_held", 1);
		if (held != 1) {
			TH_LOG("node 0: lrc_barriers_held is %ld, not 1: "
			       "waiting 3 s for the arrival instead", held);
			sleep(3);
		}
		ASSERT_EQ(0, kill(pid, SIGKILL));
		ASSERT_EQ(pid, waitpid(pid, &st, 0));
		EXPECT_TRUE(WIFSIGNALED(st)) TH_LOG("the barrier of the child "
						    "returned: status %#x", st);
	}
	dsm_test_sync(step + 1);
	if (node != 0) {
		ret = dsm_barrier(id);
		EXPECT_EQ(0, ret) TH_LOG("node %d: barrier %u: %s", node, id,
					 strerror(-ret));
	} else {
		held = stat_wait("lrc_barriers_held", 0);
		EXPECT_EQ(0, held) TH_LOG("node 0: lrc_barriers_held is %ld: "
					  "the killed arrival's release was "
					  "not learned", held);
	}
	dsm_test_sync(step + 2);
	ret = dsm_barrier(id + 1);
	EXPECT_EQ(0, ret) TH_LOG("node %d: barrier %u after the killed "
				 "arrival: %s", node, id + 1, strerror(-ret));
	EXPECT_EQ(v, slot[1]) TH_LOG("node %d: node 1's slot is %#lx, not "
				     "%#lx", node, (unsigned long)slot[1],
				     (unsigned long)v);
	dsm_test_sync(step + 3);
}

/*
 * A process killed while it waits at a barrier leaves its arrival at the
 * manager, where it counts: the node must still follow that barrier's
 * release, or its next barrier fails (it lacks the intervals the release
 * carried: EPROTO, for good). Twice: plain, and with a collection at the
 * barrier (every node over lrc_gc_threshold), which node 0 runs without
 * the killed caller, or the other two would wait for its GC_DONE.
 */
TEST_F_TIMEOUT(limits, killed_at_barrier, DSM_TEST_TIMEOUT(180))
{
	int ret;
	char *p;

	NEED_3NODES();
	p = limits_region(_metadata, self, "kb", DSM_PAGE, 30);
	ASSERT_NE(NULL, p);
	killed_round(_metadata, (volatile uint64_t *)p, KB_ID, 0x1111, 32);
	ret = dsm_read_file(GC_PARAM, self->gc_saved, sizeof(self->gc_saved));
	ASSERT_EQ(0, ret) TH_LOG("node %d: %s: %s", node, GC_PARAM,
				 strerror(-ret));
	ASSERT_EQ(0, dsm_write_file(GC_PARAM, "1"));
	killed_round(_metadata, (volatile uint64_t *)p, KB_ID + 10, 0x2222,
		     36);
}

TEST_HARNESS_MAIN

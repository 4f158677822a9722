// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_lrc - lazy release consistency (lrc regions, locks, barriers) across
 * the nodes of the virtual cluster, through libdsm (linked statically).
 * Written for 3 nodes; every node runs every test, in the same order, and
 * dsm_test_sync() (plain TCP, independent of dsm) orders their steps.
 *
 * - node_info: dsm_node_id() and dsm_nodes() agree with the environment;
 * - treadmarks: the example of the TreadMarks paper: what a lock carries
 *   (x, written under lock 1) and what it does not promise (y, written
 *   under lock 2 only);
 * - counter: a counter incremented K times by every node under one lock
 *   is 3K;
 * - false_sharing: the nodes write interleaved bytes of the same pages
 *   between barriers; every barrier merges them;
 * - causality: what node 0 wrote under lock 1 reaches node 2, which takes
 *   only lock 2, through node 1, which took both;
 * - own_write_kept: a node's write outlives an older diff of the same
 *   page that it applies after it;
 * - lock_mix: the nodes take four locks in random orders, each guarding
 *   words interleaved with the others' on the same two pages: no word
 *   ever goes back, no increment is lost;
 * - jacobi: an integer Jacobi stencil split across nodes with barriers
 *   equals the serial result;
 * - prefetch: a barrier's release fetches the pages a node was using,
 *   and only those (lrc_prefetches), none with lrc_prefetch_pages 0, and
 *   not again a page prefetched and not read since.
 * - gc_lazy (dsm_lrc_r0 only): a collection makes no diff nobody asks
 *   for: each node rewrites pages of its own three times and a page all
 *   share; the third barrier collects (lrc_gc_threshold 1 byte on every
 *   node around it) and makes at most GL_SHARED_MAX diffs per node, not
 *   one per own page and interval; what every node wrote reads right on
 *   every node afterwards (the own pages fetched whole from their
 *   writers, the shared one from the diffs asked for during the
 *   collection).
 *
 * Built three times: dsm_lrc, dsm_lrc_gc (-DLRC_GC_TINY: every node's
 * lrc_gc_threshold LRC_GC_TINY_BYTES, so that every barrier collects, and
 * each test checks that lrc_gc_runs grew), and dsm_lrc_r0 (-DLRC_R0:
 * regions with replicas 0, whose diffs are made only when needed: no
 * release makes them for a backup).
 *
 * Each test creates its own lrc region on node 0 (dsmctl region create,
 * replicated by dsmd), named "<prefix>-<test>", so that no test sees
 * another's pages, and uses its own lock and barrier ids. Every data
 * check reports the first mismatch: node, offset, expected, got.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <dsm.h>

#include "kselftest_harness.h"
#include "dsm_test.h"
#include "dsm_three.h"
#include "dsm_shell.h"
#include "dsm_region.h"

#if defined(LRC_GC_TINY)
#define PREFIX			"lrcgc"
#define MODEL			"lrc"
#elif defined(LRC_R0)
#define PREFIX			"lrcr0"
#define MODEL			"lrc replicas 0"
#else
#define PREFIX			"lrc"
#define MODEL			"lrc"
#endif
#define LRC_GC_TINY_BYTES	1
#define GC_PARAM		"/sys/module/dsm/parameters/lrc_gc_threshold"
#define MAP_WAIT		dsm_test_secs(30)	/* s: region replication */

/* treadmarks */
#define TM_L1			11
#define TM_L2			12
#define TM_BARRIER		11
/* counter */
#define CNT_LOCK		21
#define CNT_BARRIER		21
#define CNT_K			100
/* false_sharing */
#define FS_BARRIER		31
#define FS_ROUNDS		10
#define FS_SPAN			(3 * DSM_PAGE + 100)
#define FS_PAGES		4
/* causality */
#define CA_L1			41
#define CA_L2			42
#define CA_BARRIER		41
#define CA_BYTES		(2 * DSM_PAGE)
/* own_write_kept */
#define OW_L1			121	/* ids no other program uses */
#define OW_L2			122
#define OW_L3			123
#define OW_A			0	/* byte offsets in one page */
#define OW_B			2048
#define OW_C			3072
/* lock_mix */
#define MX_LOCK			131	/* .. MX_LOCK + MX_LOCKS - 1 */
#define MX_LOCKS		4
#define MX_SLOTS		8	/* words per lock, over both pages */
#define MX_STRIDE		256	/* words between a lock's slots */
#define MX_ROUNDS		90	/* critical sections per node */
#define MX_EVERY		15	/* rounds between barriers */
#define MX_HOLD_US		3000	/* in each critical section */
#define MX_BARRIER		131
/* jacobi */
#define JA_BARRIER		51
#define JA_ROWS			48
#define JA_COLS			200	/* 800-byte rows: node borders inside pages */
#define JA_ITERS		20
/* prefetch */
#define PF_BARRIER		91
#define PF_PARAM		"/sys/module/dsm/parameters/lrc_prefetch_pages"
/* gc_lazy */
#define GL_BARRIER		141
#define GL_OWN			16	/* pages each node alone writes */
#define GL_ROUNDS		3	/* the last one collects */
#define GL_SLICE		1024	/* bytes of the shared page per node */
#define GL_SHARED_MAX		4	/* diffs a collection may make here */

static int node, nodes;

FIXTURE(lrc) {
	struct timespec t0;
	char gc_saved[32];
	char pf_saved[32];	/* lrc_prefetch_pages to restore, or "" */
	long gc_runs;		/* lrc_gc_runs at the start, or -1 */
	void *map;
	size_t len;
};

FIXTURE_SETUP(lrc)
{
	clock_gettime(CLOCK_MONOTONIC, &self->t0);
	self->map = NULL;
	self->gc_saved[0] = '\0';
	self->pf_saved[0] = '\0';
	self->gc_runs = -1;
	if (!dsm_three_setup(&node, &nodes))
		return;		/* each test skips (NEED_3NODES) */
#ifdef LRC_GC_TINY
	char val[16];
	int ret;

	ret = dsm_read_file(GC_PARAM, self->gc_saved, sizeof(self->gc_saved));
	ASSERT_EQ(0, ret) TH_LOG("node %d: %s: %s", node, GC_PARAM,
				 strerror(-ret));
	snprintf(val, sizeof(val), "%d", LRC_GC_TINY_BYTES);
	ret = dsm_write_file(GC_PARAM, val);
	ASSERT_EQ(0, ret) TH_LOG("node %d: writing %s to %s: %s", node, val,
				 GC_PARAM, strerror(-ret));
	ASSERT_EQ(0, dsm_read_file(GC_PARAM, val, sizeof(val)));
	ASSERT_EQ(LRC_GC_TINY_BYTES, atol(val));
	self->gc_runs = dsm_counter("lrc_gc_runs");
	ASSERT_LE(0, self->gc_runs) TH_LOG("node %d: no lrc_gc_runs counter",
					   node);
#endif
}

FIXTURE_TEARDOWN(lrc)
{
	struct timespec t1;

	if (self->map)
		munmap(self->map, self->len);
	if (self->gc_saved[0])
		EXPECT_EQ(0, dsm_write_file(GC_PARAM, self->gc_saved));
	if (self->pf_saved[0])
		EXPECT_EQ(0, dsm_write_file(PF_PARAM, self->pf_saved));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	TH_LOG("node %d: took %.1f s", node, (t1.tv_sec - self->t0.tv_sec) +
	       (t1.tv_nsec - self->t0.tv_nsec) / 1e9);
}

/*
 * The lrc region PREFIX-@tag of @size bytes, created by node 0 and mapped
 * on every node at syncs @step and @step + 1 (dsm_test_region()).
 */
static void *lrc_region(struct __test_metadata *_metadata,
			FIXTURE_DATA(lrc) *self, const char *tag, size_t size,
			unsigned int step)
{
	char name[DSM_NAME_MAX];

	snprintf(name, sizeof(name), "%s-%s", PREFIX, tag);
	self->map = dsm_test_region(name, MODEL, size, step, MAP_WAIT,
				    &self->len);
	return self->map;
}

/*
 * In dsm_lrc_gc: the test's barriers must have collected garbage (the
 * lrc_gc_runs counter grew on this node). Nothing in dsm_lrc.
 */
static void expect_gc_ran(struct __test_metadata *_metadata,
			  FIXTURE_DATA(lrc) *self)
{
#ifdef LRC_GC_TINY
	long now = dsm_counter("lrc_gc_runs");

	EXPECT_LT(self->gc_runs, now)
		TH_LOG("node %d: no garbage collection (lrc_gc_runs %ld -> %ld)",
		       node, self->gc_runs, now);
#else
	(void)_metadata;
	(void)self;
#endif
}

TEST_F_TIMEOUT(lrc, node_info, DSM_TEST_TIMEOUT(60))
{
	NEED_3NODES();
	EXPECT_EQ(node, dsm_node_id());
	EXPECT_EQ(nodes, dsm_nodes());
	dsm_test_sync(1);
}

/*
 * The example of the TreadMarks paper (Keleher et al., 1994): x and y on
 * one page.
 *
 *   node 0: acquire(1) x = 1 release(1)
 *   node 1:                              acquire(1) x = 2 release(1)
 *   node 0:                                                      acquire(2) y = 1 release(2)
 *   node 2:                                                                                  acquire(1): x? y?
 *
 * Node 2 acquires lock 1 from node 1, the last releaser: it must see
 * x == 2, the last write under lock 1 (and node 1 must have seen x == 1).
 * y was written under lock 2 only, after node 1's release: neither node 1
 * nor node 2 has acquired lock 2, so lrc does not promise y to node 2. In
 * this implementation node 2 sees y == 0: node 1 never learned of node 0's
 * second interval, so node 1's grant did not carry it, and node 0's diff
 * of x (its first interval) was made before y was written. The test logs
 * what node 2 saw of y and accepts 0 or 1, nothing else
 * (Documentation/lrc.md). After a barrier everyone sees x == 2 and
 * y == 1; then a second round under lock 1 (after the collection, in
 * dsm_lrc_gc) must still carry x.
 */
TEST_F_TIMEOUT(lrc, treadmarks, DSM_TEST_TIMEOUT(60))
{
	volatile uint64_t *x, *y;
	uint64_t vx, vy;
	char *p;

	NEED_3NODES();
	p = lrc_region(_metadata, self, "tm", DSM_PAGE, 10);
	ASSERT_NE(NULL, p);
	x = (volatile uint64_t *)p;
	y = (volatile uint64_t *)(p + 2048);

	if (node == 0) {
		LOCK(TM_L1);
		*x = 1;
		UNLOCK(TM_L1);
	}
	dsm_test_sync(12);
	if (node == 1) {
		LOCK(TM_L1);
		vx = *x;
		EXPECT_EQ(1, vx) TH_LOG("node 1: x after acquire(1): "
					"offset 0, expected 1, got %lu",
					(unsigned long)vx);
		*x = 2;
		UNLOCK(TM_L1);
	}
	dsm_test_sync(13);
	if (node == 0) {
		LOCK(TM_L2);
		*y = 1;
		UNLOCK(TM_L2);
	}
	dsm_test_sync(14);
	if (node == 2) {
		LOCK(TM_L1);
		vx = *x;
		vy = *y;
		UNLOCK(TM_L1);
		EXPECT_EQ(2, vx) TH_LOG("node 2: x after acquire(1): "
					"offset 0, expected 2, got %lu",
					(unsigned long)vx);
		EXPECT_GE(1, vy) TH_LOG("node 2: y (offset 2048) is %lu: "
					"neither 0 nor 1", (unsigned long)vy);
		TH_LOG("node 2: after acquire(1): x = %lu, y = %lu (y is not "
		       "promised)", (unsigned long)vx, (unsigned long)vy);
	}
	dsm_test_sync(15);
	BARRIER(TM_BARRIER);
	vx = *x;
	vy = *y;
	EXPECT_EQ(2, vx) TH_LOG("node %d: x after the barrier: offset 0, "
				"expected 2, got %lu", node, (unsigned long)vx);
	EXPECT_EQ(1, vy) TH_LOG("node %d: y after the barrier: offset 2048, "
				"expected 1, got %lu", node, (unsigned long)vy);
	dsm_test_sync(16);
	/* Round two, after the barrier (a collection in dsm_lrc_gc). */
	if (node == 1) {
		LOCK(TM_L1);
		*x = 3;
		UNLOCK(TM_L1);
	}
	dsm_test_sync(17);
	if (node == 2) {
		LOCK(TM_L1);
		vx = *x;
		vy = *y;
		UNLOCK(TM_L1);
		EXPECT_EQ(3, vx) TH_LOG("node 2: x in round two: offset 0, "
					"expected 3, got %lu", (unsigned long)vx);
		EXPECT_EQ(1, vy) TH_LOG("node 2: y in round two: offset 2048, "
					"expected 1, got %lu", (unsigned long)vy);
	}
	dsm_test_sync(18);
	BARRIER(TM_BARRIER);
	expect_gc_ran(_metadata, self);
	dsm_test_sync(19);
}

/*
 * Every node increments one counter CNT_K times, each time under one
 * lock; whoever holds the lock must see every earlier increment (the
 * value never goes below what this node last wrote), and at the end the
 * counter is 3 * CNT_K on every node, under the lock and after a barrier.
 */
TEST_F_TIMEOUT(lrc, counter, DSM_TEST_TIMEOUT(180))
{
	volatile uint64_t *c;
	uint64_t mine = 0, v, bad_v = 0, bad_min = 0;
	int bad = -1;
	char *p;

	NEED_3NODES();
	p = lrc_region(_metadata, self, "cnt", 2 * DSM_PAGE, 20);
	ASSERT_NE(NULL, p);
	c = (volatile uint64_t *)(p + DSM_PAGE + 8);
	for (int k = 0; k < CNT_K; k++) {
		LOCK(CNT_LOCK);
		v = *c;
		if (v < mine && bad < 0) {
			bad = k;
			bad_v = v;
			bad_min = mine;
		}
		*c = v + 1;
		mine = v + 1;
		UNLOCK(CNT_LOCK);
		dsm_test_progress(k + 1, CNT_K, 100, "increments");
	}
	EXPECT_EQ(-1, bad) TH_LOG("node %d: increment %d read %lu under the "
				  "lock, below the %lu it wrote before", node,
				  bad, (unsigned long)bad_v,
				  (unsigned long)bad_min);
	dsm_test_sync(22);
	LOCK(CNT_LOCK);
	v = *c;
	UNLOCK(CNT_LOCK);
	EXPECT_EQ(3 * CNT_K, v) TH_LOG("node %d: counter under the lock: "
				       "offset %d, expected %d, got %lu", node,
				       DSM_PAGE + 8, 3 * CNT_K,
				       (unsigned long)v);
	BARRIER(CNT_BARRIER);
	v = *c;
	EXPECT_EQ(3 * CNT_K, v) TH_LOG("node %d: counter after the barrier: "
				       "offset %d, expected %d, got %lu", node,
				       DSM_PAGE + 8, 3 * CNT_K,
				       (unsigned long)v);
	expect_gc_ran(_metadata, self);
	dsm_test_sync(23);
}

static uint8_t fs_byte(int round, size_t b)
{
	return (uint8_t)(b * 7 + round * 13 + 1);
}

/*
 * Byte b of FS_SPAN bytes (3 pages and a bit of a fourth) is written by
 * node b % 3 only, with a new value every round; after each round's
 * barrier every node must see every byte of the round (the diffs of the
 * three writers of each page merged), and the rest of the region zero.
 */
TEST_F_TIMEOUT(lrc, false_sharing, DSM_TEST_TIMEOUT(60))
{
	volatile uint8_t *p;
	int rounds_bad = 0;

	NEED_3NODES();
	p = lrc_region(_metadata, self, "fs", FS_PAGES * DSM_PAGE, 30);
	ASSERT_NE(NULL, p);
	for (int r = 0; r < FS_ROUNDS; r++) {
		long bad = -1;

		for (size_t b = node; b < FS_SPAN; b += 3)
			p[b] = fs_byte(r, b);
		BARRIER(FS_BARRIER);
		for (size_t b = 0; b < FS_PAGES * DSM_PAGE && bad < 0; b++) {
			uint8_t want = b < FS_SPAN ? fs_byte(r, b) : 0;

			if (p[b] != want) {
				bad = (long)b;
				TH_LOG("node %d: round %d: first mismatch at "
				       "offset %zu (written by node %zu): "
				       "expected %u, got %u", node, r, b, b % 3,
				       want, p[b]);
			}
		}
		rounds_bad += bad >= 0;
		dsm_test_progress(r + 1, FS_ROUNDS, 5, "rounds");
	}
	EXPECT_EQ(0, rounds_bad) TH_LOG("node %d: %d of %d rounds wrong", node,
					rounds_bad, FS_ROUNDS);
	expect_gc_ran(_metadata, self);
	dsm_test_sync(32);
}

static uint8_t ca_byte(size_t i)
{
	return (uint8_t)((i * 131) ^ (i >> 8) ^ 0x5a);
}

/*
 * Transitive causality: node 0 writes two pages under lock 1; node 1
 * takes lock 1, then lock 2, and releases both without touching the data;
 * node 2 takes only lock 2 and must see node 0's data: node 1's grant of
 * lock 2 carries the interval it learned with lock 1.
 */
TEST_F_TIMEOUT(lrc, causality, DSM_TEST_TIMEOUT(60))
{
	volatile uint8_t *p;
	long bad = -1;

	NEED_3NODES();
	p = lrc_region(_metadata, self, "ca", 3 * DSM_PAGE, 40);
	ASSERT_NE(NULL, p);
	if (node == 0) {
		LOCK(CA_L1);
		for (size_t i = 0; i < CA_BYTES; i++)
			p[i] = ca_byte(i);
		UNLOCK(CA_L1);
	}
	dsm_test_sync(42);
	if (node == 1) {
		LOCK(CA_L1);
		LOCK(CA_L2);
		UNLOCK(CA_L2);
		UNLOCK(CA_L1);
	}
	dsm_test_sync(43);
	if (node == 2) {
		LOCK(CA_L2);
		for (size_t i = 0; i < CA_BYTES && bad < 0; i++)
			if (p[i] != ca_byte(i)) {
				bad = (long)i;
				TH_LOG("node 2: after acquire(2): first mismatch "
				       "at offset %zu: expected %u, got %u", i,
				       ca_byte(i), p[i]);
			}
		UNLOCK(CA_L2);
		EXPECT_EQ(-1, bad);
	}
	dsm_test_sync(44);
	BARRIER(CA_BARRIER);
	for (size_t i = 0; i < CA_BYTES && bad < 0; i++)
		if (p[i] != ca_byte(i)) {
			bad = (long)i;
			TH_LOG("node %d: after the barrier: first mismatch at "
			       "offset %zu: expected %u, got %u", node, i,
			       ca_byte(i), p[i]);
		}
	EXPECT_EQ(-1, bad);
	expect_gc_ran(_metadata, self);
	dsm_test_sync(45);
}

/*
 * An own write outlives another node's older diff of the same page:
 * node 1 writes A under lock 1 (its interval a), node 2 takes lock 1 (it
 * learns a, not yet touching the page), node 1 writes B under lock 2 and
 * C under lock 3 (intervals b and c), node 2 writes A (its fetch gets a's
 * diff) and releases, then takes lock 2 (it learns b and c) and must read
 * its own A, node 1's B and C; node 0 then takes lock 1 and must read the
 * same. Until 2026-12-06 a replicas 0 region served a's and b's changes
 * as one diff made when first asked for, which node 2 applied again for
 * b: node 1's old A over node 2's newer one (lrc.md, "Runs"). On
 * replicas 0 node 1's run grows over b and c: a's twin
 * is kept twice, and the run's diff, made when node 2 asks for a, is
 * served as a's (b's and c's empty: lrc.md "Runs"); with a backup each
 * release diffs its interval.
 */
TEST_F_TIMEOUT(lrc, own_write_kept, DSM_TEST_TIMEOUT(60))
{
	volatile uint8_t *p;

	NEED_3NODES();
	p = lrc_region(_metadata, self, "ow", DSM_PAGE, 100);
	ASSERT_NE(NULL, p);
	if (node == 1) {
		LOCK(OW_L1);
		p[OW_A] = 1;
		UNLOCK(OW_L1);
	}
	dsm_test_sync(102);
	if (node == 2)
		LOCK(OW_L1);
	dsm_test_sync(103);
	if (node == 1) {
		long kept = dsm_counter("lrc_twins_kept");

		LOCK(OW_L2);
		p[OW_B] = 1;
		UNLOCK(OW_L2);
		LOCK(OW_L3);
		p[OW_C] = 1;
		UNLOCK(OW_L3);
#ifdef LRC_R0
		/* the run's twin kept at b and c, nothing diffed yet */
		EXPECT_EQ(kept + 2, dsm_counter("lrc_twins_kept"));
#else
		/* each release diffs its interval for the backup */
		EXPECT_EQ(kept, dsm_counter("lrc_twins_kept"));
#endif
	}
	dsm_test_sync(104);
	if (node == 2) {
		p[OW_A] = 2;
		UNLOCK(OW_L1);
		LOCK(OW_L2);
		EXPECT_EQ(2, p[OW_A]) TH_LOG("node 2: its own write of A lost");
		EXPECT_EQ(1, p[OW_B]);
		EXPECT_EQ(1, p[OW_C]);
		UNLOCK(OW_L2);
	}
	dsm_test_sync(105);
	if (node == 0) {
		LOCK(OW_L1);
		EXPECT_EQ(2, p[OW_A]) TH_LOG("node 0: node 2's write of A lost");
		EXPECT_EQ(1, p[OW_B]);
		EXPECT_EQ(1, p[OW_C]);
		UNLOCK(OW_L1);
	}
	dsm_test_sync(106);
}

/* Word @k of lock @l's slots (lock_mix): interleaved with the others'. */
static size_t mx_word(int l, int k)
{
	return (size_t)k * MX_STRIDE + (size_t)l * 3;
}

/*
 * Each node takes MX_ROUNDS times one of MX_LOCKS locks, chosen by a
 * generator seeded with its id, and under it checks that the lock's
 * MX_SLOTS words are equal and not below what this node last wrote
 * there, then increments them all and holds the lock MX_HOLD_US (so that
 * requests for it arrive while it is held); a barrier every MX_EVERY
 * rounds (in dsm_lrc_gc they collect). Then every word of every lock is
 * the number of critical sections all nodes made under it (each node
 * puts its own counts after the data, read after a barrier). Locks hand
 * over in every order, pages carry the words of several locks, and a
 * node writes the same page in intervals in a row while others take the
 * locks of the earlier ones: the orders in which diffs must be made,
 * served and applied for lrc to be right (when a run's diff was served
 * again for the run's later intervals, lrc.md "Runs", a word went
 * back on replicas 0: "holds 57, this node wrote 59 last").
 */
TEST_F_TIMEOUT(lrc, lock_mix, DSM_TEST_TIMEOUT(180))
{
	uint32_t mine[MX_LOCKS] = { 0 }, made[MX_LOCKS] = { 0 }, v, want;
	unsigned int seed = 0x5eed0 + (unsigned int)node;
	volatile uint32_t *w, *counts;
	int r, l, k, n, bad = 0;

	NEED_3NODES();
	w = lrc_region(_metadata, self, "mix", 3 * DSM_PAGE, 110);
	ASSERT_NE(NULL, w);
	counts = w + 2 * DSM_PAGE / 4;
	for (r = 0; r < MX_ROUNDS; r++) {	/* on past a fault: the barriers */
		if (r && r % MX_EVERY == 0)
			BARRIER(MX_BARRIER);
		l = rand_r(&seed) % MX_LOCKS;
		LOCK(MX_LOCK + l);
		v = w[mx_word(l, 0)];
		for (k = 0; k < MX_SLOTS && !bad; k++)
			if (w[mx_word(l, k)] != v || v < mine[l]) {
				TH_LOG("node %d: round %d, lock %d: word %zu "
				       "holds %u, word %zu %u; this node wrote "
				       "%u last", node, r, MX_LOCK + l,
				       mx_word(l, 0), v, mx_word(l, k),
				       w[mx_word(l, k)], mine[l]);
				bad = 1;
				break;
			}
		for (k = 0; k < MX_SLOTS; k++)
			w[mx_word(l, k)] = v + 1;
		mine[l] = v + 1;
		made[l]++;
		usleep(MX_HOLD_US);
		UNLOCK(MX_LOCK + l);
		dsm_test_progress(r + 1, MX_ROUNDS, 30, "critical sections");
	}
	EXPECT_EQ(0, bad);
	for (l = 0; l < MX_LOCKS; l++)
		counts[node * MX_LOCKS + l] = made[l];
	BARRIER(MX_BARRIER + 1);
	for (l = 0; l < MX_LOCKS && !bad; l++) {
		want = 0;
		for (n = 0; n < 3; n++)
			want += counts[n * MX_LOCKS + l];
		for (k = 0; k < MX_SLOTS; k++)
			if (w[mx_word(l, k)] != want) {
				TH_LOG("node %d: after the barrier: lock %d's "
				       "word %zu holds %u, expected %u", node,
				       MX_LOCK + l, mx_word(l, k),
				       w[mx_word(l, k)], want);
				bad = 1;
				break;
			}
	}
	EXPECT_EQ(0, bad);
	expect_gc_ran(_metadata, self);
	dsm_test_sync(112);
}

static uint32_t ja_init(int i, int j)
{
	uint32_t h = (uint32_t)(i * JA_COLS + j) * 2654435761u;

	return (h ^ (h >> 15)) & 0xfffff;
}

/* One Jacobi step of row i (an interior row) from @src into @dst: the
 * same integer operations serially and on the nodes. */
static void ja_row(uint32_t (*dst)[JA_COLS], uint32_t (*src)[JA_COLS],
		   int i)
{
	for (int j = 1; j < JA_COLS - 1; j++)
		dst[i][j] = (src[i - 1][j] + src[i + 1][j] + src[i][j - 1] +
			     src[i][j + 1] + 4 * src[i][j]) / 8;
}

/*
 * Jacobi relaxation on a JA_ROWS x JA_COLS grid of integers (edges
 * fixed), two grids used in turn, rows split across the nodes (the
 * borders between nodes fall inside pages), a barrier after each
 * iteration; the result must equal the serial computation, on every node.
 */
TEST_F_TIMEOUT(lrc, jacobi, DSM_TEST_TIMEOUT(60))
{
	const size_t grid = sizeof(uint32_t) * JA_ROWS * JA_COLS;
	const size_t size = (2 * grid + DSM_PAGE - 1) & ~(size_t)(DSM_PAGE - 1);
	uint32_t (*g[2])[JA_COLS], (*s[2])[JA_COLS];
	int lo = node * JA_ROWS / 3, hi = (node + 1) * JA_ROWS / 3;
	long bad = -1;
	char *p;

	NEED_3NODES();
	p = lrc_region(_metadata, self, "jacobi", size, 50);
	ASSERT_NE(NULL, p);
	g[0] = (uint32_t (*)[JA_COLS])p;
	g[1] = (uint32_t (*)[JA_COLS])(p + grid);
	s[0] = calloc(1, grid);
	s[1] = calloc(1, grid);
	ASSERT_TRUE(s[0] && s[1]);

	/* My rows of both grids, edges included. */
	for (int i = lo; i < hi; i++)
		for (int j = 0; j < JA_COLS; j++)
			g[0][i][j] = g[1][i][j] = ja_init(i, j);
	BARRIER(JA_BARRIER);
	for (int t = 0; t < JA_ITERS; t++) {
		for (int i = lo; i < hi; i++)
			if (i > 0 && i < JA_ROWS - 1)
				ja_row(g[(t + 1) & 1], g[t & 1], i);
		BARRIER(JA_BARRIER);
		dsm_test_progress(t + 1, JA_ITERS, 5, "iterations");
	}

	/* Serially, here. */
	for (int i = 0; i < JA_ROWS; i++)
		for (int j = 0; j < JA_COLS; j++)
			s[0][i][j] = s[1][i][j] = ja_init(i, j);
	for (int t = 0; t < JA_ITERS; t++)
		for (int i = 1; i < JA_ROWS - 1; i++)
			ja_row(s[(t + 1) & 1], s[t & 1], i);

	for (int i = 0; i < JA_ROWS && bad < 0; i++)
		for (int j = 0; j < JA_COLS && bad < 0; j++) {
			uint32_t want = s[JA_ITERS & 1][i][j];
			uint32_t got = g[JA_ITERS & 1][i][j];

			if (got != want) {
				bad = (long)i * JA_COLS + j;
				TH_LOG("node %d: first mismatch at row %d col %d "
				       "(offset %zu, computed by node %d): "
				       "expected %u, got %u", node, i, j,
				       (JA_ITERS & 1) * grid + bad * 4,
				       i * 3 / JA_ROWS, want, got);
			}
		}
	EXPECT_EQ(-1, bad);
	free(s[0]);
	free(s[1]);
	expect_gc_ran(_metadata, self);
	dsm_test_sync(52);
}

/*
 * Node 0 writes both pages of @p with @v; a barrier, whose release must
 * have started @want prefetches here.
 */
static void pf_write(struct __test_metadata *_metadata, volatile uint32_t *p,
		     uint32_t v, long want)
{
	long before = dsm_counter("lrc_prefetches"), got;

	if (node == 0) {
		p[0] = v;
		p[DSM_PAGE / 4] = v;
	}
	BARRIER(PF_BARRIER);
	got = dsm_counter("lrc_prefetches") - before;
	EXPECT_EQ(want, got)
		TH_LOG("node %d: round %u: %ld prefetches started, %ld expected",
		       node, v, got, want);
}

/* Both pages of @p hold round @v's value. */
static void pf_read(struct __test_metadata *_metadata, volatile uint32_t *p,
		    uint32_t v)
{
	EXPECT_EQ(v, p[0]) TH_LOG("node %d: page 0 after round %u", node, v);
	EXPECT_EQ(v, p[DSM_PAGE / 4])
		TH_LOG("node %d: page 1 after round %u", node, v);
}

/* A round of @want prefetches here (pf_write()), then every node reads. */
static void pf_round(struct __test_metadata *_metadata, volatile uint32_t *p,
		     uint32_t v, long want)
{
	pf_write(_metadata, p, v, want);
	pf_read(_metadata, p, v);
}

/*
 * A round of @want prefetches here (pf_write()) that nobody reads; then
 * wait until those fetches applied their diffs (one per page:
 * lrc_diffs_applied; lrc_fetches misses those the backup here had), and
 * a barrier.
 */
static void pf_unread(struct __test_metadata *_metadata, volatile uint32_t *p,
		      uint32_t v, long want)
{
	long applied = dsm_counter("lrc_diffs_applied"), done;
	double t0;

	pf_write(_metadata, p, v, want);
	t0 = dsm_now();
	while ((done = dsm_counter("lrc_diffs_applied") - applied) < want &&
	       dsm_now() - t0 < MAP_WAIT)
		usleep(10000);
	EXPECT_LE(want, done)
		TH_LOG("node %d: round %u: %ld of %ld diffs applied after %d s",
		       node, v, done, want, MAP_WAIT);
	BARRIER(PF_BARRIER);
}

/*
 * Prefetch after a barrier (Documentation/lrc.md): node 0 writes pages 0
 * and 1, node 1 reads page 0 only, node 0 writes both again: that
 * barrier's release starts one prefetch on node 1 (page 0, in use there),
 * none on node 2 (never accessed either) or node 0 (its own writes). All
 * read both pages. Node 1 then sets lrc_prefetch_pages to 0 and node 0
 * writes again: node 2 prefetches both, node 1 none. With it back, node 0
 * writes again and nobody reads: nodes 1 and 2 prefetch both pages (read
 * in the round before), and once those fetches ended, the next round
 * prefetches nothing: a fetch is not an access. In dsm_lrc_gc every
 * release starts a collection, and such a release prefetches nothing.
 */
TEST_F_TIMEOUT(lrc, prefetch, DSM_TEST_TIMEOUT(120))
{
	volatile uint32_t *p;
	long in_use = 0, second = 0;

	NEED_3NODES();
	p = lrc_region(_metadata, self, "pf", 2 * DSM_PAGE, 90);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, dsm_read_file(PF_PARAM, self->pf_saved,
				   sizeof(self->pf_saved)))
		TH_LOG("node %d: no %s", node, PF_PARAM);
	ASSERT_LT(0, atol(self->pf_saved))
		TH_LOG("node %d: lrc_prefetch_pages is %s: the test needs prefetch on",
		       node, self->pf_saved);
#ifndef LRC_GC_TINY
	in_use = node == 1;
	second = node == 2 ? 2 : 0;
#endif
	if (node == 0) {
		p[0] = 1;
		p[DSM_PAGE / 4] = 1;
	}
	BARRIER(PF_BARRIER);
	if (node == 1)
		EXPECT_EQ(1, p[0]) TH_LOG("node 1: page 0 after round 1");
	BARRIER(PF_BARRIER);
	ASSERT_LE(0, dsm_counter("lrc_prefetches"))
		TH_LOG("node %d: no lrc_prefetches counter", node);
	pf_round(_metadata, p, 2, in_use);

	BARRIER(PF_BARRIER);
	if (node == 1)
		ASSERT_EQ(0, dsm_write_file(PF_PARAM, "0"));
	pf_round(_metadata, p, 3, second);

	BARRIER(PF_BARRIER);
	if (node == 1)
		ASSERT_EQ(0, dsm_write_file(PF_PARAM, self->pf_saved));
	pf_unread(_metadata, p, 4, second ? 2 : in_use * 2);
	pf_unread(_metadata, p, 5, 0);
	pf_read(_metadata, p, 5);
	expect_gc_ran(_metadata, self);
	dsm_test_sync(92);
}

#ifdef LRC_R0
static uint32_t gl_word(int round, int writer, size_t i)
{
	return (uint32_t)round << 24 ^ (uint32_t)writer << 20 ^
	       (uint32_t)(i * 2654435761u >> 12);
}

/* Node @writer's words of round @round in @p: own pages and shared slice. */
static long gl_check(struct __test_metadata *_metadata,
		     volatile uint32_t *p, int round, int writer, bool own)
{
	size_t first = own ? (1 + (size_t)writer * GL_OWN) * DSM_PAGE / 4 :
			     (size_t)writer * GL_SLICE / 4;
	size_t n = own ? GL_OWN * DSM_PAGE / 4 : GL_SLICE / 4;

	for (size_t i = 0; i < n; i++)
		if (p[first + i] != gl_word(round, writer, first + i)) {
			TH_LOG("node %d: round %d: first mismatch at offset %zu "
			       "(%s, written by node %d): expected %#x, got %#x",
			       node, round, (first + i) * 4,
			       own ? "its own pages" : "the shared page",
			       writer, gl_word(round, writer, first + i),
			       p[first + i]);
			return (long)(first + i) * 4;
		}
	return -1;
}

TEST_F_TIMEOUT(lrc, gc_lazy, DSM_TEST_TIMEOUT(120))
{
	const size_t own = (1 + (size_t)node * GL_OWN) * DSM_PAGE / 4;
	const size_t slice = (size_t)node * GL_SLICE / 4;
	long made = -1, runs = -1, bad = -1;
	volatile uint32_t *p;

	NEED_3NODES();
	p = lrc_region(_metadata, self, "gl", (1 + 3 * GL_OWN) * DSM_PAGE,
		       140);
	ASSERT_NE(NULL, p);
	for (int r = 1; r <= GL_ROUNDS; r++) {
		for (size_t i = 0; i < GL_SLICE / 4; i++)
			p[slice + i] = gl_word(r, node, slice + i);
		for (size_t i = 0; i < GL_OWN * DSM_PAGE / 4; i++)
			p[own + i] = gl_word(r, node, own + i);
		if (r == GL_ROUNDS) {
			ASSERT_EQ(0, dsm_read_file(GC_PARAM, self->gc_saved,
						   sizeof(self->gc_saved)))
				TH_LOG("node %d: no %s", node, GC_PARAM);
			ASSERT_EQ(0, dsm_write_file(GC_PARAM, "1"));
			made = dsm_counter("lrc_diffs_made");
			runs = dsm_counter("lrc_gc_runs");
			ASSERT_LE(0, made) TH_LOG("node %d: no lrc_diffs_made", node);
			ASSERT_LE(0, runs) TH_LOG("node %d: no lrc_gc_runs", node);
		}
		BARRIER(GL_BARRIER);
		for (int w = 0; w < 3 && bad < 0; w++)
			bad = gl_check(_metadata, p, r, w, false);
		ASSERT_EQ(-1, bad);
	}
	made = dsm_counter("lrc_diffs_made") - made;
	runs = dsm_counter("lrc_gc_runs") - runs;
	ASSERT_EQ(0, dsm_write_file(GC_PARAM, self->gc_saved));
	self->gc_saved[0] = '\0';
	TH_LOG("node %d: the collecting barrier: %ld collection(s), %ld diffs made",
	       node, runs, made);
	EXPECT_LT(0, runs) TH_LOG("node %d: the last barrier did not collect",
				  node);
	/* Eager diffs: GL_OWN pages, each with GL_ROUNDS own intervals. */
	EXPECT_GE(GL_SHARED_MAX, made)
		TH_LOG("node %d: the collection made %ld diffs, %d allowed",
		       node, made, GL_SHARED_MAX);
	for (int w = 0; w < 3 && bad < 0; w++)
		bad = gl_check(_metadata, p, GL_ROUNDS, w, true);
	EXPECT_EQ(-1, bad);
	dsm_test_sync(142);
}
#endif

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_lrc_prefetch - the prefetch after a lock grant (Documentation/lrc.md
 * "Prefetch after a lock grant") across the 3 nodes of the virtual
 * cluster, through libdsm. (The prefetch after a barrier is dsm_lrc's
 * test "prefetch", which also runs in dsm_lrc_gc.)
 *
 * - grant: node 0 writes pages 0, 1 and 2 of a region under lock GR_LOCK
 *   in every round; after it, node 1 and then node 2 take the lock. Node 1
 *   reads pages 0 and 1 in round 1, all three from round 2 on; node 2
 *   reads page 2 only. The grant of each acquire must have started a
 *   fetch of exactly the pages the node had accessed since its copy was
 *   last valid (lrc_prefetches): round 1 none anywhere (no page accessed
 *   yet), round 2 two on node 1 and one on node 2; in round 3 node 1 has
 *   lrc_prefetch_grants 0 (none there), node 2 one again. Node 0 never
 *   prefetches: it takes the grant back from node 2, which wrote nothing.
 *   Every read sees the round's value, and after round 2's acquire node
 *   1 waits for both pages' diffs to be applied before it reads (the
 *   prefetches brought them, not its reads).
 * - push: diffs pushed at a barrier arrival (Documentation/lrc.md "Pushed
 *   diffs"), on a region with replicas 0. In every round node 0 writes
 *   pages 0 and 1 and the first half of page 2, node 2 the second half
 *   of page 2, then a barrier; node 1 reads pages 0 and 2 in every round
 *   and page 1 in round 1 only, node 2 reads page 0; a barrier again.
 *   From round 2 on the writers push what their readers asked for
 *   before: nodes 1 and 2 take pushed diffs (lrc_push_used) instead of
 *   asking; node 1 refuses a push of page 1 once the two before it were
 *   not taken (the prefetch of round 2 took one), and node 0 stops
 *   pushing it there (lrc_push_stopped). Every read sees the round's
 *   words, both writers' halves of page 2 included.
 * - push_grant: a lock grant pushes first the diffs of the granting
 *   node's intervals the acquirer lacks, of the pages it read (replicas
 *   0), and after the grant the same diffs to the pages' other readers.
 *   In every round node 0 writes a page under a lock, then node 1 takes
 *   the lock and reads it, then node 2 (from node 1, which wrote
 *   nothing): from round 2 on, node 1's reads take the diff node 0
 *   pushed before its grant, node 2's the one node 0 pushed it after
 *   that grant, and neither asks for any.
 * - push_writers: two writers of one page that meet only at barriers
 *   (replicas 0, the prefetch on). In every round nodes 0 and 1 each
 *   write their half of a page, then a barrier. Learning the other's
 *   interval at the release, each pushes the other its own diff of the
 *   page, which nobody asked for yet, and leaves the page out of its
 *   prefetch (the other pushes likewise): round 2's write takes the
 *   other's diff of round 1 from its store (waiting for the push first),
 *   and from round 1's release to that write neither node sends a
 *   DIFF_REQ. Later rounds' diffs come with the arrivals (or are fetched
 *   when a release overtakes them). Both halves read the last round's.
 * - push_lock: a lock interval no grant hands over, and a page read less
 *   often than its writer releases (replicas 0, the prefetch off). In
 *   every round node 0 writes word 0 of a page, then a barrier, then
 *   word 1 under a lock nobody else takes, then a barrier again; node 1
 *   reads both words after the second barrier only. From round 2 on,
 *   node 0's first arrival pushes the first diff and its second arrival
 *   the lock interval's (the own intervals not pushed to every reader
 *   yet), and node 1 keeps the second although the first waits untaken
 *   (two untaken would stop the writer): node 1 waits for both pushes,
 *   reads, and sends no DIFF_REQ after round 1. Node 0 starts a round
 *   only once node 1 read the last (a TCP sync): a round ahead, its
 *   next push would find two untaken and be refused, rightly.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <dsm.h>

#include "kselftest_harness.h"
#include "dsm_test.h"
#include "dsm_three.h"
#include "dsm_shell.h"
#include "dsm_region.h"

#define GR_REGION		"lrcpf-grant"
#define GR_LOCK			101
#define GR_BARRIER		102
#define GR_PAGES		3
#define GR_ROUNDS		3
#define PG_PARAM	"/sys/module/dsm/parameters/lrc_prefetch_grants"
#define PF_PARAM	"/sys/module/dsm/parameters/lrc_prefetch_pages"
#define MAP_WAIT		dsm_test_secs(30)	/* s: region replication */

static int node, nodes;

FIXTURE(pf) {
	char pg_saved[8];	/* lrc_prefetch_grants to restore, or "" */
	char pf_saved[8];	/* lrc_prefetch_pages to restore, or "" */
	void *map;
	size_t len;
};

FIXTURE_SETUP(pf)
{
	self->map = NULL;
	self->pg_saved[0] = '\0';
	self->pf_saved[0] = '\0';
	dsm_three_setup(&node, &nodes);
}

FIXTURE_TEARDOWN(pf)
{
	if (self->map)
		munmap(self->map, self->len);
	if (self->pg_saved[0])
		EXPECT_EQ(0, dsm_write_file(PG_PARAM, self->pg_saved));
	if (self->pf_saved[0])
		EXPECT_EQ(0, dsm_write_file(PF_PARAM, self->pf_saved));
}

/* The prefetches node @node's grant of round @r must have started. */
static long gr_want(int r)
{
	if (node == 1)
		return r == 2 ? 2 : 0;
	if (node == 2)
		return r >= 2 ? 1 : 0;
	return 0;
}

/* Is page @pg read by this node in round @r? */
static int gr_reads(int r, int pg)
{
	if (node == 1)
		return r >= 2 || pg < 2;
	return node == 2 && pg == 2;
}

/* Wait until counter @name is @n above @base here (or MAP_WAIT). */
static long pf_wait_counter(const char *name, long base, long n)
{
	double t0 = dsm_now();
	long done;

	while ((done = dsm_counter(name) - base) < n &&
	       dsm_now() - t0 < MAP_WAIT)
		usleep(10000);
	return done;
}

TEST_F_TIMEOUT(pf, grant, DSM_TEST_TIMEOUT(120))
{
	volatile uint32_t *p;
	long before, got, applied;
	int r, pg, step = 3;

	NEED_3NODES();
	/* Syncs 1 and 2; the test's own from 3 on. */
	p = dsm_test_region(GR_REGION, "lrc", GR_PAGES * DSM_PAGE, 1,
			    MAP_WAIT, &self->len);
	ASSERT_NE(NULL, p);
	self->map = (void *)p;
	ASSERT_EQ(0, dsm_read_file(PG_PARAM, self->pg_saved,
				   sizeof(self->pg_saved)))
		TH_LOG("node %d: no %s", node, PG_PARAM);
	ASSERT_EQ('Y', self->pg_saved[0])
		TH_LOG("node %d: lrc_prefetch_grants is %s: the test needs it on",
		       node, self->pg_saved);
	{
		char pages[16] = "";

		ASSERT_EQ(0, dsm_read_file(PF_PARAM, pages, sizeof(pages)));
		ASSERT_LE(GR_PAGES, atoi(pages))
			TH_LOG("node %d: lrc_prefetch_pages is %s", node,
			       pages);
	}
	ASSERT_LE(0, dsm_counter("lrc_prefetches"))
		TH_LOG("node %d: no lrc_prefetches counter", node);
	/*
	 * Write notices are the cluster's, not a region's: what an earlier
	 * program's lrc region left for a node to learn (dsm_sharing's last
	 * lock intervals, say) would come with this test's first grants and
	 * prefetch that region's pages too. A barrier first teaches every
	 * node all of it.
	 */
	ASSERT_EQ(0, dsm_barrier(GR_BARRIER))
		TH_LOG("node %d: barrier %d", node, GR_BARRIER);
	for (r = 1; r <= GR_ROUNDS; r++) {
		if (node == 0) {
			LOCK(GR_LOCK);
			for (pg = 0; pg < GR_PAGES; pg++)
				p[pg * DSM_PAGE / 4] = r;
			UNLOCK(GR_LOCK);
		}
		if (node == 1 && r == 3)
			ASSERT_EQ(0, dsm_write_file(PG_PARAM, "0"));
		/* Node 1's acquire, then node 2's, each after the last. */
		for (int n = 1; n <= 2; n++) {
			dsm_test_sync(step++);
			if (node != n)
				continue;
			before = dsm_counter("lrc_prefetches");
			applied = dsm_counter("lrc_diffs_applied");
			LOCK(GR_LOCK);
			got = dsm_counter("lrc_prefetches") - before;
			EXPECT_EQ(gr_want(r), got)
				TH_LOG("node %d: round %d: %ld prefetches started at the grant, %ld expected",
				       node, r, got, gr_want(r));
			if (gr_want(r)) {
				got = pf_wait_counter("lrc_diffs_applied",
						      applied, gr_want(r));
				EXPECT_LE(gr_want(r), got)
					TH_LOG("node %d: round %d: %ld of %ld diffs applied after %d s",
					       node, r, got, gr_want(r),
					       MAP_WAIT);
			}
			for (pg = 0; pg < GR_PAGES; pg++)
				if (gr_reads(r, pg))
					EXPECT_EQ((uint32_t)r,
						  p[pg * DSM_PAGE / 4])
						TH_LOG("node %d: round %d: page %d",
						       node, r, pg);
			UNLOCK(GR_LOCK);
		}
		if (node == 1 && r == 3)
			ASSERT_EQ(0, dsm_write_file(PG_PARAM, self->pg_saved));
		dsm_test_sync(step++);
	}
	if (node == 0) {
		/* The token back from node 2, which wrote nothing. */
		before = dsm_counter("lrc_prefetches");
		LOCK(GR_LOCK);
		EXPECT_EQ(before, dsm_counter("lrc_prefetches"));
		UNLOCK(GR_LOCK);
	}
	dsm_test_sync(step++);
}

#define PU_REGION		"lrcpf-push"
#define PU_BARRIER		103
#define PU_ROUNDS		6
#define PU_PARAM		"/sys/module/dsm/parameters/lrc_push"
#define PU_WORDS		(DSM_PAGE / 4)

/* The word @i of page @pg in round @r, by its writer. */
static uint32_t pu_word(int r, int pg, int i)
{
	return (uint32_t)(r << 24 | pg << 16 | i);
}

/* This node's writes of round @r. */
static void pu_write(volatile uint32_t *p, int r)
{
	int pg, i;

	for (pg = 0; node == 0 && pg < 2; pg++)
		for (i = 0; i < PU_WORDS; i += 64)
			p[pg * PU_WORDS + i] = pu_word(r, pg, i);
	for (i = 0; i < PU_WORDS; i++)
		if ((node == 0 && i < PU_WORDS / 2) ||
		    (node == 2 && i >= PU_WORDS / 2))
			p[2 * PU_WORDS + i] = pu_word(r, 2, i);
}

/* Does this node read page @pg in round @r? */
static int pu_reads(int r, int pg)
{
	if (node == 1)
		return pg != 1 || r == 1;
	return node == 2 && pg == 0;
}

TEST_F_TIMEOUT(pf, push, DSM_TEST_TIMEOUT(180))
{
	long used, stopped, sent, reqs = 0;
	volatile uint32_t *p;
	char on[8] = "";
	int r, pg, i, bad;

	NEED_3NODES();
	/*
	 * Replicas 0: with a backup, node 1 (node 0's) would take node 0's
	 * diffs from its backup store, never ask, and never be pushed.
	 */
	p = dsm_test_region(PU_REGION, "lrc replicas 0", 3 * DSM_PAGE, 1,
			    MAP_WAIT, &self->len);
	ASSERT_NE(NULL, p);
	self->map = (void *)p;
	ASSERT_EQ(0, dsm_read_file(PU_PARAM, on, sizeof(on)))
		TH_LOG("node %d: no %s", node, PU_PARAM);
	ASSERT_EQ('Y', on[0])
		TH_LOG("node %d: lrc_push is %s: the test needs it on", node,
		       on);
	ASSERT_LE(0, dsm_counter("lrc_push_used"))
		TH_LOG("node %d: no lrc_push_used counter", node);
	/* What earlier programs left to learn, learned (as in grant). */
	ASSERT_EQ(0, dsm_barrier(PU_BARRIER));
	used = dsm_counter("lrc_push_used");
	stopped = dsm_counter("lrc_push_stopped");
	sent = dsm_counter("lrc_push_sent");
	for (r = 1; r <= PU_ROUNDS; r++) {
		if (r == 2)
			reqs = dsm_counter("lrc_diff_req_sent");
		pu_write(p, r);
		ASSERT_EQ(0, dsm_barrier(PU_BARRIER))
			TH_LOG("node %d: round %d: barrier", node, r);
		for (pg = 0, bad = 0; pg < 3; pg++) {
			if (!pu_reads(r, pg))
				continue;
			for (i = 0; i < PU_WORDS; i++) {
				if ((pg < 2 && i % 64) ||
				    p[pg * PU_WORDS + i] == pu_word(r, pg, i))
					continue;
				if (!bad++)
					TH_LOG("node %d: round %d: page %d word %d is %#x, %#x expected",
					       node, r, pg, i,
					       p[pg * PU_WORDS + i],
					       pu_word(r, pg, i));
			}
		}
		EXPECT_EQ(0, bad);
		ASSERT_EQ(0, dsm_barrier(PU_BARRIER))
			TH_LOG("node %d: round %d: second barrier", node, r);
	}
	used = dsm_counter("lrc_push_used") - used;
	stopped = dsm_counter("lrc_push_stopped") - stopped;
	sent = dsm_counter("lrc_push_sent") - sent;
	reqs = dsm_counter("lrc_diff_req_sent") - reqs;
	TH_LOG("node %d: %ld pushes sent, %ld pushed diffs used, %ld stopped, %ld DIFF_REQs after round 1",
	       node, sent, used, stopped, reqs);
	if (node == 0) {
		/* Rounds 2 on: to node 1 (pages 0, 2; 1 once) and node 2. */
		EXPECT_LE(2 * (PU_ROUNDS - 1), sent);
		EXPECT_LE(1, stopped)
			TH_LOG("node 0: page 1's pushes to node 1 never stopped");
	} else {
		/*
		 * A push that comes after the release is fetched as before;
		 * most come first: the arrival goes through dsmd after it.
		 */
		EXPECT_LE(PU_ROUNDS - 1, used)
			TH_LOG("node %d: %ld pushed diffs used in %d rounds",
			       node, used, PU_ROUNDS - 1);
	}
	dsm_test_sync(3);
}

#define PG_REGION		"lrcpf-pgrant"
#define PG_LOCK			104
#define PG_ROUNDS		5

/* Node 1 or 2 reads the page of round @r under PG_LOCK: wrong words. */
static int pg_read(struct __test_metadata *_metadata, volatile uint32_t *p,
		   int r)
{
	int i, bad = 0;

	for (i = 0; i < PU_WORDS; i += 16)
		if (p[i] != pu_word(r, 0, i) && !bad++)
			TH_LOG("node %d: round %d: word %d is %#x, %#x expected",
			       node, r, i, p[i], pu_word(r, 0, i));
	return bad;
}

TEST_F_TIMEOUT(pf, push_grant, DSM_TEST_TIMEOUT(120))
{
	long used = 0, reqs = 0;
	volatile uint32_t *p;
	int r, i, step = 3, bad = 0;

	NEED_3NODES();
	p = dsm_test_region(PG_REGION, "lrc replicas 0", DSM_PAGE, 1,
			    MAP_WAIT, &self->len);
	ASSERT_NE(NULL, p);
	self->map = (void *)p;
	ASSERT_LE(0, dsm_counter("lrc_push_used"))
		TH_LOG("node %d: no lrc_push_used counter", node);
	ASSERT_EQ(0, dsm_barrier(PU_BARRIER));
	for (r = 1; r <= PG_ROUNDS; r++) {
		if (node == 0) {
			LOCK(PG_LOCK);
			for (i = 0; i < PU_WORDS; i += 16)
				p[i] = pu_word(r, 0, i);
			UNLOCK(PG_LOCK);
		}
		/* Node 1, then node 2 (from node 1), read it under the lock. */
		for (i = 1; i <= 2; i++) {
			dsm_test_sync(step++);
			if (node != i)
				continue;
			if (r == 2) {
				used = dsm_counter("lrc_push_used");
				reqs = dsm_counter("lrc_diff_req_sent");
			}
			LOCK(PG_LOCK);
			bad += pg_read(_metadata, p, r);
			UNLOCK(PG_LOCK);
		}
		dsm_test_sync(step++);
	}
	EXPECT_EQ(0, bad);
	if (node != 0) {
		used = dsm_counter("lrc_push_used") - used;
		reqs = dsm_counter("lrc_diff_req_sent") - reqs;
		TH_LOG("node %d: rounds 2 to %d: %ld pushed diffs used, %ld DIFF_REQs",
		       node, PG_ROUNDS, used, reqs);
		/*
		 * Node 1: pushed on the grant's link before it, taken at the
		 * grant. Node 2: pushed after node 1's grant, long before node
		 * 2 learns the interval from node 1's.
		 */
		EXPECT_LE(PG_ROUNDS - 2, used);
		EXPECT_GE(1, reqs);
	}
	dsm_test_sync(step++);
}

/*
 * Map the one-page region @name (replicas 0) at @p and set every node's
 * lrc_prefetch_pages to @pf for the test (the teardown restores it).
 */
#define PF_PAGE(p, name, pf) do {					\
	(p) = dsm_test_region((name), "lrc replicas 0", DSM_PAGE, 1,	\
			      MAP_WAIT, &self->len);			\
	ASSERT_NE(NULL, (p));						\
	self->map = (void *)(p);					\
	ASSERT_EQ(0, dsm_read_file(PF_PARAM, self->pf_saved,		\
				   sizeof(self->pf_saved)));		\
	ASSERT_EQ(0, dsm_write_file(PF_PARAM, (pf)));			\
} while (0)

#define PW_REGION		"lrcpf-pwriters"
#define PW_BARRIER		105
#define PW_ROUNDS		4

TEST_F_TIMEOUT(pf, push_writers, DSM_TEST_TIMEOUT(180))
{
	long stored, used, reqs, got;
	volatile uint32_t *p;
	int r, i, w, bad = 0;

	NEED_3NODES();
	/* The prefetch on: it must not ask for what is pushed. */
	PF_PAGE(p, PW_REGION, "32");
	ASSERT_EQ(0, dsm_barrier(PW_BARRIER));
	stored = dsm_counter("lrc_push_stored");
	used = dsm_counter("lrc_push_used");
	reqs = dsm_counter("lrc_diff_req_sent");
	for (r = 1; r <= PW_ROUNDS; r++) {
		/*
		 * Round 2: the other's diff of round 1, which nobody asked
		 * for, comes only as the push its release made: wait for
		 * it. Later rounds' diffs come with the other's arrival (or
		 * are fetched when the release comes first, as in push).
		 */
		if (node < 2 && r == 2) {
			/* The other's, pushed in the background. */
			got = pf_wait_counter("lrc_push_stored", stored, 1);
			if (got < 1)
				TH_LOG("node %d: round 2: no pushed diff stored; fetching",
				       node);
		}
		for (i = 0; node < 2 && i < PU_WORDS / 2; i++)
			p[node * PU_WORDS / 2 + i] = pu_word(r, node, i);
		if (node < 2 && r == 2) {
			/* Round 1's release to round 2's write: no asking. */
			used = dsm_counter("lrc_push_used") - used;
			reqs = dsm_counter("lrc_diff_req_sent") - reqs;
		}
		ASSERT_EQ(0, dsm_barrier(PW_BARRIER))
			TH_LOG("node %d: round %d: barrier", node, r);
	}
	for (i = 0; node < 2 && i < PU_WORDS; i++) {
		w = i / (PU_WORDS / 2);
		if (p[i] != pu_word(PW_ROUNDS, w, i % (PU_WORDS / 2)) && !bad++)
			TH_LOG("node %d: word %d is %#x, %#x expected", node, i,
			       p[i], pu_word(PW_ROUNDS, w, i % (PU_WORDS / 2)));
	}
	EXPECT_EQ(0, bad);
	if (node < 2) {
		TH_LOG("node %d: round 1's release to round 2's write: %ld pushed diffs used, %ld DIFF_REQs",
		       node, used, reqs);
		/* The other's diff taken from the store; neither prefetched. */
		EXPECT_LE(1, used);
		EXPECT_EQ(0, reqs);
	}
	ASSERT_EQ(0, dsm_barrier(PW_BARRIER));
}

#define PL_REGION		"lrcpf-plock"
#define PL_LOCK			106
#define PL_BARRIER		107
#define PL_ROUNDS		4

TEST_F_TIMEOUT(pf, push_lock, DSM_TEST_TIMEOUT(180))
{
	long stored = 0, used = 0, reqs = 0, got;
	volatile uint32_t *p;
	int r, step = 3;

	NEED_3NODES();
	/*
	 * Syncs 1 and 2; the test's own from 3 on. The prefetch off: at
	 * the first release it would take the first push.
	 */
	PF_PAGE(p, PL_REGION, "0");
	ASSERT_EQ(0, dsm_barrier(PL_BARRIER));
	for (r = 1; r <= PL_ROUNDS; r++) {
		if (r == 2) {
			stored = dsm_counter("lrc_push_stored");
			used = dsm_counter("lrc_push_used");
			reqs = dsm_counter("lrc_diff_req_sent");
		}
		if (node == 0)
			p[0] = r;
		ASSERT_EQ(0, dsm_barrier(PL_BARRIER))
			TH_LOG("node %d: round %d: first barrier", node, r);
		if (node == 0) {
			LOCK(PL_LOCK);
			p[1] = r;
			UNLOCK(PL_LOCK);
		}
		ASSERT_EQ(0, dsm_barrier(PL_BARRIER))
			TH_LOG("node %d: round %d: second barrier", node, r);
		/* A release may overtake a push (as in push): wait for it. */
		if (node == 1 && r >= 2) {
			got = pf_wait_counter("lrc_push_stored", stored,
					      2L * (r - 1));
			if (got < 2L * (r - 1))
				TH_LOG("node 1: round %d: %ld of %ld pushed diffs stored; fetching",
				       r, got, 2L * (r - 1));
		}
		if (node == 1) {
			EXPECT_EQ((uint32_t)r, p[0])
				TH_LOG("node 1: round %d: word 0", r);
			EXPECT_EQ((uint32_t)r, p[1])
				TH_LOG("node 1: round %d: word 1 (the lock's)",
				       r);
		}
		/* Node 0 writes the next round's once node 1 read this one. */
		dsm_test_sync(step++);
	}
	if (node == 1) {
		used = dsm_counter("lrc_push_used") - used;
		reqs = dsm_counter("lrc_diff_req_sent") - reqs;
		TH_LOG("node 1: rounds 2 to %d: %ld pushed diffs used, %ld DIFF_REQs",
		       PL_ROUNDS, used, reqs);
		EXPECT_LE(2 * (PL_ROUNDS - 1), used);
		EXPECT_EQ(0, reqs);
	}
	ASSERT_EQ(0, dsm_barrier(PL_BARRIER));
}

TEST_HARNESS_MAIN

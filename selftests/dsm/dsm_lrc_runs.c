// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_lrc_runs - runs of own intervals (Documentation/lrc.md "Runs") on
 * regions with replicas 0, across the 3 nodes of the virtual cluster,
 * through libdsm: a page that only one node writes keeps the twin of its
 * first write for as long as nobody needs its changes, and one diff,
 * made when first asked for, serves every interval of the run.
 *
 * - one_writer: node 1 rewrites RN_PAGES pages in each of RN_ROUNDS
 *   barrier rounds that nobody else touches: it makes one twin per page
 *   (lrc_twins), keeps it at every later round's first write
 *   (lrc_twins_kept) and makes no diff. Then nodes 0 and 2 read the
 *   pages: they see the last round's words, and node 1 made one diff per
 *   page for them (its intervals but the first are served empty). Node 1
 *   writes the pages once more (a new run: a new twin per page) and
 *   nodes 0 and 2 read them again: the new words.
 * - cut_open: a request ends a run that reaches into the open interval.
 *   Node 1 writes byte A under lock 1, then, holding lock 2, byte B (its
 *   run grows: lrc_twins_kept). Node 2 takes lock 1 and reads A: node 1
 *   serves the run's diff (A, and B so far) and keeps the open interval's
 *   writes apart from then on (a copy of the page as its twin; the page
 *   write-protected). Node 1, still holding lock 2, writes C and B again
 *   and releases it; node 2, then node 0 take lock 2 (node 0 lock 1 too)
 *   and read A, the second B and C; node 2 wrote A under lock 1 before
 *   releasing it, and node 0 reads node 2's A, not node 1's older one.
 * - write_during_collection: no run grows past a barrier that collects
 *   (lrc.runs_off). Node 0 writes RC_PAGES pages (a run each), a
 *   barrier, then arrives at a collecting one (lrc_gc_threshold 1 byte
 *   on every node) while a second thread of it writes the pages again
 *   before the others arrive: those writes belong to the interval after
 *   the collection, and must not join the run it collects (a guest with
 *   panic_on_warn stops at the collection's WARN if they do). After one
 *   more barrier nodes 1 and 2 read both writes.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <dsm.h>

#include "kselftest_harness.h"
#include "dsm_test.h"
#include "dsm_three.h"
#include "dsm_shell.h"
#include "dsm_region.h"

#define RN_REGION		"lrcrun-one"
#define RN_BARRIER		161	/* ids no other program uses */
#define RN_PAGES		8
#define RN_ROUNDS		4
#define CO_REGION		"lrcrun-cut"
#define CO_L1			162
#define CO_L2			163
#define CO_BARRIER		162
#define CO_A			0	/* byte offsets in one page */
#define CO_B			1024
#define CO_C			3072
#define RC_REGION		"lrcrun-gc"
#define RC_BARRIER		164
#define RC_PAGES		4
#define RC_LATE_US		1000000	/* nodes 1 and 2 arrive this late */
#define RC_WRITE_US		300000	/* node 0's second thread writes then */
#define GC_PARAM		"/sys/module/dsm/parameters/lrc_gc_threshold"
#define MAP_WAIT		dsm_test_secs(30)	/* s: region replication */
#define MODEL			"lrc replicas 0"

static int node, nodes;

FIXTURE(run) {
	void *map;
	size_t len;
	char gc_saved[32];	/* lrc_gc_threshold to restore, or "" */
};

FIXTURE_SETUP(run)
{
	self->map = NULL;
	self->gc_saved[0] = '\0';
	dsm_three_setup(&node, &nodes);
}

FIXTURE_TEARDOWN(run)
{
	if (self->map)
		munmap(self->map, self->len);
	if (self->gc_saved[0])
		EXPECT_EQ(0, dsm_write_file(GC_PARAM, self->gc_saved));
}

/*
 * The region @name (MODEL) of @size bytes, created by node 0 and mapped
 * on every node at syncs @step and @step + 1 (dsm_test_region()).
 */
static void *run_region(struct __test_metadata *_metadata,
			FIXTURE_DATA(run) *self, const char *name, size_t size,
			unsigned int step)
{
	self->map = dsm_test_region(name, MODEL, size, step, MAP_WAIT,
				    &self->len);
	return self->map;
}

/* Word @i of one_writer's pages in round @r. */
static uint32_t rn_word(int r, size_t i)
{
	return (uint32_t)r << 24 ^ (uint32_t)(i * 2654435761u >> 8);
}

static void rn_write(volatile uint32_t *p, int r)
{
	for (size_t i = 0; i < RN_PAGES * DSM_PAGE / 4; i++)
		p[i] = rn_word(r, i);
}

/* The first word of @p not round @r's, as a byte offset, or -1. */
static long rn_check(struct __test_metadata *_metadata,
		     volatile uint32_t *p, int r)
{
	for (size_t i = 0; i < RN_PAGES * DSM_PAGE / 4; i++)
		if (p[i] != rn_word(r, i)) {
			TH_LOG("node %d: round %d: first mismatch at offset %zu: expected %#x, got %#x",
			       node, r, i * 4, rn_word(r, i), p[i]);
			return (long)i * 4;
		}
	return -1;
}

/* Counter @name, which must exist. */
#define COUNTER(v, name) do {						\
	(v) = dsm_counter(name);					\
	ASSERT_LE(0, (v)) TH_LOG("node %d: no counter %s", node, name);	\
} while (0)

TEST_F_TIMEOUT(run, one_writer, DSM_TEST_TIMEOUT(120))
{
	long twins = 0, kept = 0, made = 0, now;
	volatile uint32_t *p;
	int r;

	NEED_3NODES();
	/* Syncs 1 and 2; the test's own from 3 on. */
	p = run_region(_metadata, self, RN_REGION, RN_PAGES * DSM_PAGE, 1);
	ASSERT_NE(NULL, p);
	/* Every node learns what earlier programs left first. */
	BARRIER(RN_BARRIER);
	if (node == 1) {
		COUNTER(twins, "lrc_twins");
		COUNTER(kept, "lrc_twins_kept");
		COUNTER(made, "lrc_diffs_made");
	}
	for (r = 1; r <= RN_ROUNDS; r++) {
		if (node == 1)
			rn_write(p, r);
		BARRIER(RN_BARRIER);
	}
	if (node == 1) {
		COUNTER(now, "lrc_twins");
		EXPECT_EQ(RN_PAGES, now - twins)
			TH_LOG("node 1: %ld twins for %d pages written in %d rounds",
			       now - twins, RN_PAGES, RN_ROUNDS);
		COUNTER(now, "lrc_twins_kept");
		EXPECT_EQ(RN_PAGES * (RN_ROUNDS - 1), now - kept)
			TH_LOG("node 1: a twin kept %ld times", now - kept);
		COUNTER(now, "lrc_diffs_made");
		EXPECT_EQ(0, now - made)
			TH_LOG("node 1: %ld diffs made, nobody asked", now - made);
	}
	dsm_test_sync(3);
	if (node != 1)
		EXPECT_EQ(-1, rn_check(_metadata, p, RN_ROUNDS));
	dsm_test_sync(4);
	if (node == 1) {
		COUNTER(now, "lrc_diffs_made");
		EXPECT_EQ(RN_PAGES, now - made)
			TH_LOG("node 1: %ld diffs made for %d pages", now - made,
			       RN_PAGES);
		COUNTER(twins, "lrc_twins");
		rn_write(p, RN_ROUNDS + 1);
	}
	BARRIER(RN_BARRIER);
	if (node == 1) {
		COUNTER(now, "lrc_twins");
		EXPECT_EQ(RN_PAGES, now - twins)
			TH_LOG("node 1: %ld twins for the run after the reads",
			       now - twins);
	} else {
		EXPECT_EQ(-1, rn_check(_metadata, p, RN_ROUNDS + 1));
	}
	dsm_test_sync(5);
}

TEST_F_TIMEOUT(run, cut_open, DSM_TEST_TIMEOUT(120))
{
	volatile uint8_t *p;
	long kept = 0, now;

	NEED_3NODES();
	/* Syncs 11 and 12; the test's own from 13 on. */
	p = run_region(_metadata, self, CO_REGION, DSM_PAGE, 11);
	ASSERT_NE(NULL, p);
	BARRIER(CO_BARRIER);
	if (node == 1) {
		COUNTER(kept, "lrc_twins_kept");
		LOCK(CO_L1);
		p[CO_A] = 1;
		UNLOCK(CO_L1);
		LOCK(CO_L2);
		p[CO_B] = 1;
		COUNTER(now, "lrc_twins_kept");
		EXPECT_EQ(1, now - kept)
			TH_LOG("node 1: the run did not grow into lock 2's interval");
	}
	dsm_test_sync(13);
	if (node == 2) {
		LOCK(CO_L1);
		EXPECT_EQ(1, p[CO_A]) TH_LOG("node 2: A under lock 1");
		p[CO_A] = 3;
		UNLOCK(CO_L1);
	}
	dsm_test_sync(14);
	if (node == 1) {
		p[CO_C] = 1;
		p[CO_B] = 2;
		UNLOCK(CO_L2);
	}
	dsm_test_sync(15);
	if (node == 2) {
		LOCK(CO_L2);
		EXPECT_EQ(3, p[CO_A]) TH_LOG("node 2: its own A lost");
		EXPECT_EQ(2, p[CO_B]) TH_LOG("node 2: B written after the cut");
		EXPECT_EQ(1, p[CO_C]) TH_LOG("node 2: C written after the cut");
		UNLOCK(CO_L2);
	}
	dsm_test_sync(16);
	if (node == 0) {
		LOCK(CO_L1);
		LOCK(CO_L2);
		EXPECT_EQ(3, p[CO_A]) TH_LOG("node 0: node 2's A lost");
		EXPECT_EQ(2, p[CO_B]);
		EXPECT_EQ(1, p[CO_C]);
		UNLOCK(CO_L2);
		UNLOCK(CO_L1);
	}
	dsm_test_sync(17);
}

/* Word 1 of each page of write_during_collection's region: @v. */
static void rc_write(volatile uint32_t *p, uint32_t v)
{
	for (size_t pg = 0; pg < RC_PAGES; pg++)
		p[pg * DSM_PAGE / 4 + 1] = v;
}

static void *rc_writer(void *arg)
{
	usleep(RC_WRITE_US);
	rc_write(arg, 2);
	return NULL;
}

TEST_F_TIMEOUT(run, write_during_collection, DSM_TEST_TIMEOUT(120))
{
	volatile uint32_t *p;
	long runs = 0, now;
	pthread_t writer;

	NEED_3NODES();
	/* Syncs 21 and 22; the test's own from 23 on. */
	p = run_region(_metadata, self, RC_REGION, RC_PAGES * DSM_PAGE, 21);
	ASSERT_NE(NULL, p);
	BARRIER(RC_BARRIER);
	if (node == 0)
		for (size_t pg = 0; pg < RC_PAGES; pg++)
			p[pg * DSM_PAGE / 4] = 1;
	BARRIER(RC_BARRIER);
	ASSERT_EQ(0, dsm_read_file(GC_PARAM, self->gc_saved,
				   sizeof(self->gc_saved)))
		TH_LOG("node %d: no %s", node, GC_PARAM);
	ASSERT_EQ(0, dsm_write_file(GC_PARAM, "1"));
	COUNTER(runs, "lrc_gc_runs");
	dsm_test_sync(23);
	if (node == 0) {
		ASSERT_EQ(0, pthread_create(&writer, NULL, rc_writer,
					    (void *)p));
		BARRIER(RC_BARRIER);
		ASSERT_EQ(0, pthread_join(writer, NULL));
	} else {
		usleep(RC_LATE_US);
		BARRIER(RC_BARRIER);
	}
	ASSERT_EQ(0, dsm_write_file(GC_PARAM, self->gc_saved));
	self->gc_saved[0] = '\0';
	COUNTER(now, "lrc_gc_runs");
	EXPECT_LT(runs, now) TH_LOG("node %d: the barrier did not collect",
				    node);
	BARRIER(RC_BARRIER);
	for (size_t pg = 0; pg < RC_PAGES && node; pg++) {
		EXPECT_EQ(1, p[pg * DSM_PAGE / 4])
			TH_LOG("node %d: page %zu: the write before the collection",
			       node, pg);
		EXPECT_EQ(2, p[pg * DSM_PAGE / 4 + 1])
			TH_LOG("node %d: page %zu: the write during it", node,
			       pg);
	}
	dsm_test_sync(24);
}

TEST_HARNESS_MAIN

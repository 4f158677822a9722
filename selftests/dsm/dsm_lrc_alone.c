// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_lrc_alone - lrc on a cluster of one node (Documentation/lrc.md,
 * "One node: no twins, no diffs"). Run in the 1-node group.
 *
 * - no_twins_no_diffs: the only node writes AL_PAGES pages AL_ROUNDS
 *   times, odd rounds under a lock, every round ended by a barrier (one
 *   or two intervals per round, each with a first write of every page
 *   it writes). None makes a twin or a diff: the counters lrc_twins and
 *   lrc_diffs_made do not move, while lrc_intervals grows by at least
 *   one per round (the intervals did happen) and lrc_twins_skipped by
 *   at least AL_PAGES per round (every page's first write in each
 *   interval skipped its twin). Every byte reads back.
 *   Before the change, every first write made a twin and every next
 *   interval's first write a diff: 2 twins per page and round here.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <dsm.h>

#include "kselftest_harness.h"
#include "dsm_test.h"
#include "dsm_shell.h"
#include "dsm_region.h"

#define AL_REGION		"alone"
#define AL_LOCK			11
#define AL_BARRIER		11
#define AL_PAGES		16
#define AL_ROUNDS		20
#define AL_STRIDE		97	/* bytes between writes: every page */
#define MAP_WAIT		dsm_test_secs(30)	/* s: region creation */

FIXTURE(alone) {
	void *map;
	size_t len;
};

FIXTURE_SETUP(alone)
{
	int ret;

	self->map = NULL;
	if (dsm_node_id_env() != 0 || dsm_nodes_env() != 1)
		DSM_SETUP_SKIP("needs DSM_NODE_ID=0 and DSM_NODES=1");
	ret = dsm_init();
	ASSERT_EQ(0, ret) TH_LOG("dsm_init: %s", strerror(-ret));
}

FIXTURE_TEARDOWN(alone)
{
	if (self->map)
		munmap(self->map, self->len);
}

static uint8_t al_byte(int round, size_t b)
{
	return (uint8_t)(b * 5 + round * 11 + 3);
}

/* The value written last at @b in round @r: the last byte of each page
 * is the round's number (written after the lock), the others al_byte().
 */
static uint8_t al_want(int r, size_t b)
{
	return b % DSM_PAGE == DSM_PAGE - 1 ? (uint8_t)r : al_byte(r, b);
}

TEST_F_TIMEOUT(alone, no_twins_no_diffs, DSM_TEST_TIMEOUT(120))
{
	long twins, diffs, ivs, skipped, now;
	volatile uint8_t *p;
	long bad = -1;

	if (dsm_node_id_env() != 0 || dsm_nodes_env() != 1)
		SKIP(return, "needs DSM_NODE_ID=0 and DSM_NODES=1");
	p = dsm_test_region(AL_REGION, "lrc", AL_PAGES * DSM_PAGE, 1,
			    MAP_WAIT, &self->len);
	ASSERT_NE(NULL, p);
	self->map = (void *)p;
	twins = dsm_counter("lrc_twins");
	diffs = dsm_counter("lrc_diffs_made");
	ivs = dsm_counter("lrc_intervals");
	skipped = dsm_counter("lrc_twins_skipped");
	ASSERT_LE(0, twins) TH_LOG("no lrc_twins counter");
	ASSERT_LE(0, skipped) TH_LOG("no lrc_twins_skipped counter");
	ASSERT_LE(0, diffs) TH_LOG("no lrc_diffs_made counter");
	ASSERT_LE(0, ivs) TH_LOG("no lrc_intervals counter");
	for (int r = 0; r < AL_ROUNDS; r++) {
		if (r & 1)
			ASSERT_EQ(0, dsm_lock_acquire(AL_LOCK));
		for (size_t b = r % 7; b < AL_PAGES * DSM_PAGE; b += AL_STRIDE)
			p[b] = al_byte(r, b);
		if (r & 1)
			ASSERT_EQ(0, dsm_lock_release(AL_LOCK));
		for (size_t pg = 0; pg < AL_PAGES; pg++)
			p[pg * DSM_PAGE + DSM_PAGE - 1] = (uint8_t)r;
		ASSERT_EQ(0, dsm_barrier(AL_BARRIER));
		for (size_t b = r % 7; b < AL_PAGES * DSM_PAGE && bad < 0;
		     b += AL_STRIDE) {
			if (p[b] != al_want(r, b)) {
				bad = (long)b;
				TH_LOG("round %d: offset %zu: expected %u, got %u",
				       r, b, al_want(r, b), p[b]);
			}
		}
	}
	EXPECT_EQ(-1, bad);
	now = dsm_counter("lrc_twins");
	EXPECT_EQ(twins, now)
		TH_LOG("twins made on the only node: %ld -> %ld", twins, now);
	now = dsm_counter("lrc_diffs_made");
	EXPECT_EQ(diffs, now)
		TH_LOG("diffs made on the only node: %ld -> %ld", diffs, now);
	now = dsm_counter("lrc_intervals");
	EXPECT_LE(ivs + AL_ROUNDS, now)
		TH_LOG("intervals: %ld -> %ld in %d rounds", ivs, now,
		       AL_ROUNDS);
	TH_LOG("%d rounds: lrc_intervals %ld -> %ld, lrc_twins and lrc_diffs_made unchanged",
	       AL_ROUNDS, ivs, now);
	now = dsm_counter("lrc_twins_skipped");
	EXPECT_LE(skipped + AL_PAGES * AL_ROUNDS, now)
		TH_LOG("twins skipped: %ld -> %ld in %d rounds of %d pages",
		       skipped, now, AL_ROUNDS, AL_PAGES);
	TH_LOG("lrc_twins_skipped %ld -> %ld", skipped, now);
}

TEST_HARNESS_MAIN

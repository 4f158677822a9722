// SPDX-License-Identifier: GPL-2.0
/*
 * home_adapt_test.c - the coordinator's batch of adaptive home wishes
 * (home_adapt.c): merged per bucket, made into one table of the wishes
 * that hold, not while busy, at most once per HOME_ADAPT_INTERVAL_MS,
 * none when nothing moves.
 */
#include <errno.h>
#include <string.h>

#include "home_adapt.h"
#include "unit.h"

#define LIVE	0x7ULL		/* members 0, 1, 2, all live */

/* Epoch 5, members 0, 1, 2: bucket b homed on node b mod 3. */
static void table(struct dsm_home_table *t)
{
	unsigned int b;

	memset(t, 0, sizeof(*t));
	t->epoch = 5;
	t->members = LIVE;
	for (b = 0; b < DSM_HOME_BUCKETS; b++)
		t->node[b] = (uint8_t)(b % 3);
}

static void no_wish(uint8_t to[DSMC_HOME_BUCKETS])
{
	memset(to, DSMC_HOME_NO_WISH, DSMC_HOME_BUCKETS);
}

/* @next is @cur but for bucket @b1 on @n1 and @b2 on @n2 (-1: none). */
static bool only_moved(const struct dsm_home_table *next,
		       const struct dsm_home_table *cur, int b1, int n1,
		       int b2, int n2)
{
	struct dsm_home_table want = *cur;

	want.epoch = cur->epoch + 1;
	if (b1 >= 0)
		want.node[b1] = (uint8_t)n1;
	if (b2 >= 0)
		want.node[b2] = (uint8_t)n2;
	return next->epoch == want.epoch && next->members == want.members &&
	       !memcmp(next->node, want.node, sizeof(want.node));
}

/*
 * Two homes' batches, one table: only the wishes that hold move (the
 * bucket still at its wisher, to another live member).
 */
static void test_merge_make(void)
{
	struct dsm_home_table cur, next;
	uint8_t to[DSMC_HOME_BUCKETS];
	struct home_adapt a;
	uint32_t moved = 0;
	int ret;

	table(&cur);
	home_adapt_init(&a);
	no_wish(to);
	to[0] = 1;		/* node 0's bucket: holds */
	to[1] = 2;		/* node 1's bucket, not node 0's: dropped */
	to[6] = 5;		/* node 5 is no member: dropped */
	to[9] = 0;		/* to its own home: dropped */
	ok(home_adapt_merge(&a, 0, to) == 4 && a.pending == 4,
	   "home: node 0's four wishes merged");
	no_wish(to);
	to[4] = 0;		/* node 1's bucket: holds */
	ok(home_adapt_merge(&a, 1, to) == 1 && a.pending == 5,
	   "home: node 1's wish merged");
	ret = home_adapt_make(&a, &cur, LIVE, false, 10000, &next, &moved);
	ok(ret == 1 && moved == 2 && only_moved(&next, &cur, 0, 1, 4, 0),
	   "home: one table of epoch + 1 moves only the wishes that hold");
	ok(!a.pending && a.to[0] == DSMC_HOME_NO_WISH &&
	   a.st.tables == 1 && a.st.moved == 2,
	   "home: the wishes dropped once made, the table counted");
}

/* A later wish for a bucket replaces the earlier one. */
static void test_merge_replaces(void)
{
	struct dsm_home_table cur, next;
	uint8_t to[DSMC_HOME_BUCKETS];
	struct home_adapt a;
	uint32_t moved = 0;

	table(&cur);
	home_adapt_init(&a);
	no_wish(to);
	to[3] = 1;
	home_adapt_merge(&a, 0, to);
	to[3] = 2;
	home_adapt_merge(&a, 0, to);
	ok(a.pending == 1 &&
	   home_adapt_make(&a, &cur, LIVE, false, 10000, &next, &moved) == 1 &&
	   moved == 1 && only_moved(&next, &cur, 3, 2, -1, 0),
	   "home: a later wish for a bucket replaces the earlier one");
}

/* Bad batches change nothing. */
static void test_merge_bad(void)
{
	uint8_t to[DSMC_HOME_BUCKETS];
	struct home_adapt a;

	home_adapt_init(&a);
	no_wish(to);
	to[3] = 1;
	ok(home_adapt_merge(&a, DSM_NODES_MAX, to) == -EINVAL && !a.pending,
	   "home: wishes of a node id out of range refused");
	to[5] = DSM_NODES_MAX;
	ok(home_adapt_merge(&a, 0, to) == -EINVAL && !a.pending &&
	   a.to[3] == DSMC_HOME_NO_WISH,
	   "home: a batch with a bad wish byte refused whole");
}

/* A peer's MOVE (the codec checked it) is taken from its wisher only. */
static void test_request_check(void)
{
	struct dsmc_msg m = { .type = DSMC_MEMBERS };
	const char *why;

	m.memb.op = DSMC_MEMB_REQUEST;
	m.memb.change = DSMC_MEMB_MOVE;
	m.memb.node = 2;
	no_wish(m.memb.table);
	m.memb.table[5] = 0;
	ok(!home_adapt_request_check(&m, 2),
	   "home: a move request from its wisher taken");
	ok((why = home_adapt_request_check(&m, 1)) &&
	   strstr(why, "another node"),
	   "home: a move request from a node other than the wisher refused");
	m.memb.table[5] = DSM_NODES_MAX;
	ok((why = home_adapt_request_check(&m, 2)) && strstr(why, "wish"),
	   "home: a move request with a bad wish byte refused");
	m.memb.table[5] = 0;
	m.memb.change = DSMC_MEMB_DEL;
	ok(home_adapt_request_check(&m, 2) != NULL,
	   "home: a request other than a move is not one");
}

/* Nothing is made while another change runs; made after. */
static void test_busy(void)
{
	struct dsm_home_table cur, next;
	uint8_t to[DSMC_HOME_BUCKETS];
	struct home_adapt a;
	uint32_t moved = 7;

	table(&cur);
	home_adapt_init(&a);
	no_wish(to);
	to[0] = 2;
	home_adapt_merge(&a, 0, to);
	ok(!home_adapt_make(&a, &cur, LIVE, true, 10000, &next, &moved) &&
	   !moved && a.pending == 1 && !a.st.tables,
	   "home: no table while busy, the wishes kept");
	ok(home_adapt_make(&a, &cur, LIVE, false, 10001, &next, &moved) == 1 &&
	   moved == 1 && only_moved(&next, &cur, 0, 2, -1, 0),
	   "home: the table made once no longer busy");
}

/* At most one table per HOME_ADAPT_INTERVAL_MS. */
static void test_rate_limit(void)
{
	struct dsm_home_table cur, next;
	uint8_t to[DSMC_HOME_BUCKETS];
	struct home_adapt a;
	uint32_t moved = 0;
	int64_t t0 = 50000;

	table(&cur);
	home_adapt_init(&a);
	no_wish(to);
	to[0] = 1;
	home_adapt_merge(&a, 0, to);
	ok(home_adapt_make(&a, &cur, LIVE, false, t0, &next, &moved) == 1,
	   "home: rate limit: the first table made at once");
	cur = next;
	no_wish(to);
	to[3] = 1;
	home_adapt_merge(&a, 0, to);
	ok(!home_adapt_make(&a, &cur, LIVE, false,
			    t0 + HOME_ADAPT_INTERVAL_MS - 1, &next, &moved) &&
	   a.pending == 1 && a.st.tables == 1,
	   "home: rate limit: no second table within the interval");
	ok(home_adapt_make(&a, &cur, LIVE, false, t0 + HOME_ADAPT_INTERVAL_MS,
			   &next, &moved) == 1 && cur.epoch == 6 &&
	   only_moved(&next, &cur, 3, 1, -1, 0) && a.st.tables == 2,
	   "home: rate limit: the second table made after the interval");
}

/*
 * Wishes that no longer hold: the bucket moved away from its wisher
 * meanwhile, or its node is not live. Nothing moves: no table, and the
 * rate limit does not start.
 */
static void test_stale(void)
{
	struct dsm_home_table cur, next;
	uint8_t to[DSMC_HOME_BUCKETS];
	struct home_adapt a;
	uint32_t moved = 9;

	table(&cur);
	home_adapt_init(&a);
	no_wish(to);
	to[0] = 2;		/* counted while bucket 0 was node 0's */
	home_adapt_merge(&a, 0, to);
	cur.node[0] = 1;	/* a newer table gave it to node 1 */
	cur.epoch = 6;
	ok(!home_adapt_make(&a, &cur, LIVE, false, 10000, &next, &moved) &&
	   !moved && !a.pending && !a.st.tables && !a.made,
	   "home: a wish for a bucket no longer at its wisher dropped, no table");
	no_wish(to);
	to[3] = 2;
	home_adapt_merge(&a, 0, to);
	ok(!home_adapt_make(&a, &cur, LIVE & ~4ULL, false, 10000, &next,
			    &moved) && !moved && !a.pending && !a.st.tables,
	   "home: a wish to a member not live dropped, no table");
	home_adapt_merge(&a, 0, to);
	ok(home_adapt_make(&a, &cur, LIVE, false, 10001, &next, &moved) == 1 &&
	   only_moved(&next, &cur, 3, 2, -1, 0),
	   "home: a table made right after tables that moved nothing");
}

/* The last epoch: no table, the wishes dropped. */
static void test_last_epoch(void)
{
	struct dsm_home_table cur, next;
	uint8_t to[DSMC_HOME_BUCKETS];
	struct home_adapt a;
	uint32_t moved = 0;

	table(&cur);
	cur.epoch = DSM_HOME_EPOCH_MAX;
	home_adapt_init(&a);
	no_wish(to);
	to[0] = 1;
	home_adapt_merge(&a, 0, to);
	ok(home_adapt_make(&a, &cur, LIVE, false, 10000, &next, &moved) ==
	   -EOVERFLOW && !a.pending && !a.st.tables,
	   "home: no table past the last epoch, the wishes dropped");
}

void test_home_adapt(void)
{
	test_merge_make();
	test_merge_replaces();
	test_merge_bad();
	test_request_check();
	test_busy();
	test_rate_limit();
	test_stale();
	test_last_epoch();
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_home.h - the home table: which node is a page's home (sc).
 *
 * Page p is in bucket p mod DSM_HOME_BUCKETS (dsm_home_bucket()), and
 * the table names the home node of each bucket. dsmd owns the table:
 * it builds the first one from its configuration (dsm_home_init()),
 * derives the next one when the membership changes (dsm_home_next()) and
 * pushes it to the kernel over netlink, which checks it (dsm_home_check())
 * and keeps the one with the highest epoch. Both sides run this code, so
 * every node that has a table of epoch E has the same table.
 *
 * Pages are named on the wire by their number in the DSM space (file
 * offset / 4096, below DSM_MAX_PAGES): a region is a range of it, at its
 * offset in the space, which every node agrees on (the region word of the
 * lock and barrier messages is that offset / 4096 + 1). The bucket is
 * taken of this number, so it covers (region, page index in the region)
 * without a table per region: consecutive pages of a region are in
 * consecutive buckets, spread over the members as before the table.
 * The first table of n members gives bucket b to the (b mod n)-th member
 * in ascending id order; n divides DSM_HOME_BUCKETS for n <= 8, so page
 * p's first home is the (p mod n)-th member, as without a table.
 *
 * dsm_home_next() moves as little as it can: adding a node moves about
 * 1/n of the buckets, all to the new node, and nothing else; removing one
 * spreads its buckets over the others, and nothing else moves. Any other
 * change rebalances the same way: every member ends with
 * DSM_HOME_BUCKETS / n buckets or one more, and a member keeps its own
 * buckets up to that quota.
 */
#ifndef _DSM_HOME_H
#define _DSM_HOME_H

#include "dsm_core_env.h"
#include "dsm_limits.h"

static_assert(DSM_MAX_NODES <= 64, "a node set must fit a u64 mask");
static_assert(DSM_MAX_NODES <= 255, "a bucket's node must fit a u8");

/* A bucket no member serves: only while a table is being built. */
#define DSM_HOME_NONE	0xffU

/**
 * struct dsm_home_table - the home of every bucket, at one epoch.
 * @epoch:	version of the table, 1 .. DSM_HOME_EPOCH_MAX (it travels in
 *		every message header); a later table has a higher one.
 * @members:	bit i set: node i is a member; every bucket's node is one.
 * @node:	home node of bucket b is @node[b].
 */
struct dsm_home_table {
	u64 epoch;
	u64 members;
	u8 node[DSM_HOME_BUCKETS];
};

/* Why dsm_home_check() refused a table. */
enum dsm_home_bad {
	DSM_HOME_OK,
	DSM_HOME_BAD_EPOCH,	/* epoch 0 or above DSM_HOME_EPOCH_MAX */
	DSM_HOME_BAD_MEMBERS,	/* no member, or one >= DSM_MAX_NODES */
	DSM_HOME_BAD_NODE,	/* a bucket's node is not a member */
};

u32 dsm_home_bucket(u64 pgno);

static inline u32 dsm_home_node(const struct dsm_home_table *t, u64 pgno)
{
	return t->node[dsm_home_bucket(pgno)];
}

enum dsm_home_bad dsm_home_check(const struct dsm_home_table *t);
const char *dsm_home_bad_name(enum dsm_home_bad why);
int dsm_home_init(struct dsm_home_table *t, u64 members, u64 epoch);
int dsm_home_next(struct dsm_home_table *next,
		  const struct dsm_home_table *old, u64 members);
void dsm_home_counts(const struct dsm_home_table *t,
		     u32 counts[DSM_MAX_NODES]);

/*
 * Adaptive homes (dsm_home_adapt.c): a bucket whose pages one node keeps
 * taking write ownership of moves its home to that node.
 */

/* A streak saturates here; a wish needs one of 1 .. this. */
#define DSM_HOME_STREAK_MAX	255U

/**
 * struct dsm_home_streak - a home's count of one bucket's ownership changes.
 * @node:	the node that took ownership last; DSM_HOME_NONE: none, or
 *		the home itself.
 * @count:	how many times in a row it did (at most DSM_HOME_STREAK_MAX).
 */
struct dsm_home_streak {
	u8 node;
	u8 count;
};

bool dsm_home_streak_note(struct dsm_home_streak *s, u32 node, u32 home,
			  u32 after);
int dsm_home_wishes_check(const u8 to[DSM_HOME_BUCKETS], u32 *n);
int dsm_home_wishes_apply(struct dsm_home_table *next,
			  const struct dsm_home_table *old,
			  const u8 to[DSM_HOME_BUCKETS],
			  const u8 from[DSM_HOME_BUCKETS], u64 live,
			  u32 *moved);

#endif /* _DSM_HOME_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_home.c - the home table: a page's bucket, the first table of a
 * membership, the next one when the membership changes (dsm_home.h).
 */
#include "dsm_home.h"

/**
 * dsm_home_bucket() - the bucket of a page.
 * @pgno:	page number in the DSM space.
 *
 * @pgno mod DSM_HOME_BUCKETS: consecutive pages of a region are in
 * consecutive buckets, which the first table spreads round-robin over the
 * members, as the rule before the table did (dsm_home.h).
 *
 * Return: the bucket, < DSM_HOME_BUCKETS.
 */
u32 dsm_home_bucket(u64 pgno)
{
	return dsm_rem_u64(pgno, DSM_HOME_BUCKETS);
}

/**
 * dsm_home_check() - is @t a table the kernel may use?
 * @t:	the table, as received.
 *
 * Return: DSM_HOME_OK, or why not.
 */
enum dsm_home_bad dsm_home_check(const struct dsm_home_table *t)
{
	u32 b;

	if (!t->epoch || t->epoch > DSM_HOME_EPOCH_MAX)
		return DSM_HOME_BAD_EPOCH;
	if (!t->members || (t->members & ~DSM_ALL_NODES))
		return DSM_HOME_BAD_MEMBERS;
	for (b = 0; b < DSM_HOME_BUCKETS; b++)
		if (t->node[b] >= DSM_MAX_NODES ||
		    !(t->members >> t->node[b] & 1))
			return DSM_HOME_BAD_NODE;
	return DSM_HOME_OK;
}

const char *dsm_home_bad_name(enum dsm_home_bad why)
{
	switch (why) {
	case DSM_HOME_OK:
		return "ok";
	case DSM_HOME_BAD_EPOCH:
		return "epoch 0, or above DSM_HOME_EPOCH_MAX";
	case DSM_HOME_BAD_MEMBERS:
		return "no member, or a node id out of range";
	case DSM_HOME_BAD_NODE:
		return "a bucket's home is not a member";
	}
	return "?";
}

/**
 * dsm_home_counts() - buckets per node.
 * @t:		the table.
 * @counts:	filled: counts[i] is the number of buckets of node i.
 */
void dsm_home_counts(const struct dsm_home_table *t,
		     u32 counts[DSM_MAX_NODES])
{
	u32 b;

	memset(counts, 0, sizeof(counts[0]) * DSM_MAX_NODES);
	for (b = 0; b < DSM_HOME_BUCKETS; b++)
		if (t->node[b] < DSM_MAX_NODES)
			counts[t->node[b]]++;
}

/*
 * Each member's quota: DSM_HOME_BUCKETS / n, and one more for the
 * (DSM_HOME_BUCKETS mod n) members that hold the most buckets now (the
 * lower id first among equals), so that no member of a balanced table has
 * to give a bucket away when a node joins or leaves.
 */
static void home_quotas(u64 members, const u32 counts[DSM_MAX_NODES],
			u32 quota[DSM_MAX_NODES])
{
	u32 n = dsm_popcount64(members), base, extra, id, best;

	base = DSM_HOME_BUCKETS / n;
	extra = DSM_HOME_BUCKETS % n;
	for (id = 0; id < DSM_MAX_NODES; id++)
		quota[id] = members >> id & 1 ? base : 0;
	while (extra--) {
		best = DSM_MAX_NODES;
		for (id = 0; id < DSM_MAX_NODES; id++) {
			if (!(members >> id & 1) || quota[id] != base)
				continue;
			if (best == DSM_MAX_NODES || counts[id] > counts[best])
				best = id;
		}
		quota[best]++;	/* extra < n: a member at base is left */
	}
}

/* The next member after @id (cyclic) that has fewer than its quota. */
static u32 home_needy(u32 id, const u32 kept[DSM_MAX_NODES],
		      const u32 quota[DSM_MAX_NODES])
{
	u32 i;

	for (i = 0; i < DSM_MAX_NODES; i++, id = (id + 1) % DSM_MAX_NODES)
		if (kept[id] < quota[id])
			return id;
	return DSM_HOME_NONE;	/* not reached: free buckets == deficit */
}

/*
 * Bring @t to its quotas over @t->members: a member keeps its buckets up
 * to its quota (the lowest-numbered ones), and every other bucket (beyond
 * a quota, of a non-member, or DSM_HOME_NONE) goes to the members below
 * their quota, in turn by id, so that a leaving node's buckets spread.
 */
static void home_rebalance(struct dsm_home_table *t)
{
	u32 counts[DSM_MAX_NODES], quota[DSM_MAX_NODES];
	u32 kept[DSM_MAX_NODES] = { 0 };
	u32 b, id, next = 0;

	dsm_home_counts(t, counts);
	for (id = 0; id < DSM_MAX_NODES; id++)
		if (!(t->members >> id & 1))
			counts[id] = 0;
	home_quotas(t->members, counts, quota);
	for (b = 0; b < DSM_HOME_BUCKETS; b++) {
		id = t->node[b];
		if (id < DSM_MAX_NODES && kept[id] < quota[id])
			kept[id]++;
		else
			t->node[b] = DSM_HOME_NONE;
	}
	for (b = 0; b < DSM_HOME_BUCKETS; b++) {
		if (t->node[b] != DSM_HOME_NONE)
			continue;
		id = home_needy(next, kept, quota);
		t->node[b] = (u8)id;
		kept[id]++;
		next = (id + 1) % DSM_MAX_NODES;
	}
}

/**
 * dsm_home_init() - the first table of a membership.
 * @t:		filled.
 * @members:	bit i set: node i is a member.
 * @epoch:	the table's epoch, 1 .. DSM_HOME_EPOCH_MAX.
 *
 * Bucket b goes to the (b mod n)-th member in ascending id order.
 *
 * Return: 0, or -EINVAL for an empty membership, a node id at or above
 * DSM_MAX_NODES or an epoch out of range.
 */
int dsm_home_init(struct dsm_home_table *t, u64 members, u64 epoch)
{
	if (!members || (members & ~DSM_ALL_NODES) || !epoch ||
	    epoch > DSM_HOME_EPOCH_MAX)
		return -EINVAL;
	t->epoch = epoch;
	t->members = members;
	memset(t->node, DSM_HOME_NONE, sizeof(t->node));
	home_rebalance(t);
	return 0;
}

/**
 * dsm_home_next() - the table after a membership change.
 * @next:	filled; may not be @old.
 * @old:	the current table (dsm_home_check() passes).
 * @members:	the new membership.
 *
 * The epoch is @old's plus one. Every member keeps its buckets up to its
 * quota; see dsm_home.h for what moves.
 *
 * Return: 0, -EINVAL for a membership as dsm_home_init() refuses, or
 * -EOVERFLOW when @old's epoch is the last one (DSM_HOME_EPOCH_MAX).
 */
int dsm_home_next(struct dsm_home_table *next,
		  const struct dsm_home_table *old, u64 members)
{
	if (!members || (members & ~DSM_ALL_NODES))
		return -EINVAL;
	if (old->epoch >= DSM_HOME_EPOCH_MAX)
		return -EOVERFLOW;
	memcpy(next->node, old->node, sizeof(next->node));
	next->epoch = old->epoch + 1;
	next->members = members;
	home_rebalance(next);
	return 0;
}

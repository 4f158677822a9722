// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_home_adapt.c - adaptive homes (issue 17 item 4): when a home asks
 * for one of its buckets to move, and how a batch of such wishes becomes
 * the next home table (dsm_home.h, "Adaptive homes").
 *
 * A home counts, per bucket, the write ownership changes it confirms:
 * the node that took the bucket's pages last and how many times in a
 * row (dsm_home_streak_note()). Once one node other than the home took
 * them @after times in a row, the home wishes the bucket moved there;
 * an ownership change to any other node, or to the home itself, starts
 * the count again, so a bucket two nodes write in turn never moves (the
 * hysteresis). The kernel sends its wishes to dsmd in batches; the
 * coordinator's dsmd makes one table of every wish that still holds
 * (dsm_home_wishes_apply()) and pushes it as any other, and the kernels
 * move the buckets with HOME_XFER.
 */
#include "dsm_home.h"

/**
 * dsm_home_streak_note() - a home confirmed a write ownership change.
 * @s:		the bucket's streak, updated.
 * @node:	the node that took ownership.
 * @home:	this home's node id.
 * @after:	the streak that makes a wish; 0: never wish.
 *
 * Return: true if the bucket should move to @node: @node is not @home,
 * and it took ownership at least @after times in a row.
 */
bool dsm_home_streak_note(struct dsm_home_streak *s, u32 node, u32 home,
			  u32 after)
{
	if (node >= DSM_MAX_NODES || node == home) {
		s->node = DSM_HOME_NONE;
		s->count = 0;
		return false;
	}
	if (s->node == node) {
		if (s->count < DSM_HOME_STREAK_MAX)
			s->count++;
	} else {
		s->node = (u8)node;
		s->count = 1;
	}
	return after && s->count >= after;
}

/**
 * dsm_home_wishes_check() - is @to a batch of wishes a peer may send?
 * @to:	byte b: the node bucket b should move to, or DSM_HOME_NONE.
 * @n:	filled: how many buckets have a wish.
 *
 * Return: 0, or -EINVAL if a byte is neither DSM_HOME_NONE nor a node id
 * below DSM_MAX_NODES.
 */
int dsm_home_wishes_check(const u8 to[DSM_HOME_BUCKETS], u32 *n)
{
	u32 b;

	*n = 0;
	for (b = 0; b < DSM_HOME_BUCKETS; b++) {
		if (to[b] == DSM_HOME_NONE)
			continue;
		if (to[b] >= DSM_MAX_NODES)
			return -EINVAL;
		(*n)++;
	}
	return 0;
}

/**
 * dsm_home_wishes_apply() - the table that grants a batch of wishes.
 * @next:	filled; may not be @old.
 * @old:	the current table (dsm_home_check() passes).
 * @to:		byte b: where bucket b should move, or DSM_HOME_NONE.
 * @from:	byte b: the home that wished it (its node in the table it
 *		counted under).
 * @live:	the members that may take a bucket (up, not leaving).
 * @moved:	filled: the buckets that move.
 *
 * A wish holds if its bucket is still at the home that made it, and its
 * node is another member of @old in @live: a wish made under an older
 * table, or for a node since gone, is dropped. The epoch is @old's plus
 * one, the members @old's. Nothing moves but the buckets of the wishes
 * that hold; with none, @next is still made (@moved 0), and the caller
 * need not push it.
 *
 * Return: 0, or -EOVERFLOW when @old's epoch is the last one.
 */
int dsm_home_wishes_apply(struct dsm_home_table *next,
			  const struct dsm_home_table *old,
			  const u8 to[DSM_HOME_BUCKETS],
			  const u8 from[DSM_HOME_BUCKETS], u64 live,
			  u32 *moved)
{
	u64 may = old->members & live;
	u32 b;

	*moved = 0;
	if (old->epoch >= DSM_HOME_EPOCH_MAX)
		return -EOVERFLOW;
	memcpy(next->node, old->node, sizeof(next->node));
	next->epoch = old->epoch + 1;
	next->members = old->members;
	for (b = 0; b < DSM_HOME_BUCKETS; b++) {
		if (to[b] >= DSM_MAX_NODES || !(may >> to[b] & 1))
			continue;
		if (old->node[b] != from[b] || to[b] == from[b])
			continue;
		next->node[b] = to[b];
		(*moved)++;
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_members.c - the member that serves a key: a page's home, a lock's
 * or a barrier's manager, a writer's lrc backup.
 */
#include "dsm_members.h"

/**
 * dsm_member_rank() - the (@key mod n)-th of the n present members.
 * @present:	bit i set: node i is present. Bits at and above
 *		DSM_MAX_NODES are ignored.
 * @key:	page number, lock id, or 0 for the barrier manager.
 * @none:	what to return when no node is present.
 *
 * Members are counted over the present node ids in ascending order, from
 * 0: with nodes 1, 4 and 6 present, key 0 gives 1, key 1 gives 4, key 5
 * gives 6.
 *
 * Return: the node id, < DSM_MAX_NODES; @none if @present is empty.
 */
u32 dsm_member_rank(u64 present, u64 key, u32 none)
{
	u32 id, n, k;

	/* A page's home before the first table: per page, so no id loop. */
	present &= DSM_ALL_NODES;
	n = dsm_popcount64(present);
	if (!n)
		return none;
	for (k = dsm_rem_u64(key, n); k; k--)
		present &= present - 1;		/* drop the lowest member */
	/* The lowest member left is the k-th: count the zeros below it. */
	id = dsm_popcount64((present & (0ULL - present)) - 1);
	return id;
}

/**
 * dsm_barrier_waits_for() - the nodes a barrier waits for.
 * @members:	bit i set: node i is a member of the cluster.
 * @lost:	bit i set: node i was declared down since the cluster
 *		started. A node that came back is a new incarnation whose
 *		lrc calls fail with ESTALE: it stays lost for barriers.
 *
 * Return: the members not lost (bits below DSM_MAX_NODES only). A
 * garbage collection at such a barrier discards only what all of them
 * hold; a lost node's intervals that nobody fetched are lost anyway.
 */
u64 dsm_barrier_waits_for(u64 members, u64 lost)
{
	return members & ~lost & DSM_ALL_NODES;
}

/**
 * dsm_barrier_manager() - the manager of every barrier.
 * @members:	as dsm_barrier_waits_for().
 * @lost:	as dsm_barrier_waits_for().
 * @none:	what to return when every member is lost.
 *
 * The lowest member not lost. The kernel (the manager it sends an
 * arrival to, and whether that one died) and dsmd (where it routes an
 * arrival, and which arrivals it takes as manager) both use this rule, each
 * with its own @lost: dsmd marks a node lost before it tells its kernel
 * the node is down, so a kernel that arrives again after its manager was
 * declared down finds its dsmd routing to the new manager already
 * (Documentation/lrc.md, "Failures").
 *
 * Return: the node id, < DSM_MAX_NODES; @none if no member is left.
 */
u32 dsm_barrier_manager(u64 members, u64 lost, u32 none)
{
	return dsm_member_rank(dsm_barrier_waits_for(members, lost), 0, none);
}

/**
 * dsm_lock_manager() - the manager of a lock (Documentation/lrc.md,
 * "Locks", "Failures: lock managers").
 * @members:	as dsm_barrier_waits_for().
 * @lost:	as dsm_barrier_waits_for().
 * @key:	the lock's dsm_sync_key().
 * @none:	what to return when every member is lost.
 *
 * The (@key mod n)-th of the n members (dsm_member_rank() over @members,
 * lost or not); if that one is lost, the next member not lost after it in
 * id order, wrapping around (dsm_backup_of()). So a failure moves only
 * the locks the dead node managed, all to one node, its successor; the
 * other managers keep their state. The kernel (where it sends a request,
 * and which requests a node's death concerns) and dsmd (where it routes
 * one, which it takes as manager) use this rule, each with its own @lost:
 * dsmd marks a node lost before it tells its kernel the node is down.
 *
 * Return: the node id, < DSM_MAX_NODES; @none if no member is left.
 */
u32 dsm_lock_manager(u64 members, u64 lost, u64 key, u32 none)
{
	u64 live = dsm_barrier_waits_for(members, lost);
	u32 r = dsm_member_rank(members, key, DSM_MAX_NODES);

	if (r >= DSM_MAX_NODES || !live)
		return none;
	if (live >> r & 1)
		return r;
	return dsm_backup_of(r, live, none);
}

/**
 * dsm_barrier_complete() - may the barrier be released?
 * @arrived:	bit i set: node i's arrival is complete.
 * @members:	as dsm_barrier_waits_for().
 * @lost:	as dsm_barrier_waits_for().
 * @joining:	bit i set: node i was added since it last took part in a
 *		collecting barrier (dsm_members_added()): it is not waited
 *		for, but counts once it arrived (its arrival makes the
 *		episode collect: dsm_barrier_joined()).
 *
 * Return: true when every node the barrier waits for has arrived, and
 * there is at least one such node.
 */
bool dsm_barrier_complete(u64 arrived, u64 members, u64 lost, u64 joining)
{
	u64 want = dsm_barrier_waits_for(members, lost) & ~joining;

	return want && (arrived & want) == want;
}

/**
 * dsm_members_added() - the nodes a membership change added.
 * @old:	the members before the change (bit i: node i).
 * @now:	the members after it.
 *
 * Return: the nodes in @now and not in @old (bits below DSM_MAX_NODES).
 * They are joining (dsm_barrier_complete()) until dsm_barrier_joined()
 * names them.
 */
u64 dsm_members_added(u64 old, u64 now)
{
	return now & ~old & DSM_ALL_NODES;
}

/**
 * dsm_barrier_joined() - the joining nodes a release makes full members.
 * @arrived:	the nodes whose arrivals the release answers.
 * @joining:	as dsm_barrier_complete().
 * @gc:		the release collects garbage (every member's timestamps
 *		are then known up to the release's, so a node with none
 *		can start from it).
 *
 * A joining node holds no interval and no page of the others: it can
 * start only where everything older is discarded, at a collecting
 * barrier. Its arrival asks for one (the managers set the episode's gc),
 * so @gc is false only if it did not arrive.
 *
 * Return: the joining nodes that arrived, if @gc; else none.
 */
u64 dsm_barrier_joined(u64 arrived, u64 joining, bool gc)
{
	return gc ? arrived & joining & DSM_ALL_NODES : 0;
}

/**
 * dsm_backup_of() - the node that keeps the diffs of @writer's released
 * intervals (Documentation/lrc.md "Backed-up releases").
 * @writer:	the writing node, < DSM_MAX_NODES.
 * @live:	bit i set: node i is a member not lost (the writer's own bit
 *		and bits at and above DSM_MAX_NODES are ignored). The writer
 *		and, after its loss, every node that wants its diffs compute
 *		the same node from the same membership.
 * @none:	what to return when no other node is live.
 *
 * Return: the next live node after @writer in id order, wrapping around:
 * with nodes 0, 2 and 5 live, writer 2 gives 5, writer 5 gives 0, writer
 * 3 gives 5; @none if no node but the writer is live.
 */
u32 dsm_backup_of(u32 writer, u64 live, u32 none)
{
	u32 k, id;

	for (k = 1; k < DSM_MAX_NODES; k++) {
		id = (writer + k) % DSM_MAX_NODES;
		if (live >> id & 1)
			return id;
	}
	return none;
}

/**
 * dsm_quorum() - whether @reachable may change the membership of @members
 * (Documentation/sc.md "Failures and timeouts", issue 15 item 4).
 * @members:	bit i set: node i is a configured member. Bits at and above
 *		DSM_MAX_NODES are ignored.
 * @reachable:	bit i set: node i is up as seen from the deciding node,
 *		itself included. Only members count.
 *
 * A heartbeat cannot tell a dead node from one that is cut off, so only
 * a side of a partition that holds a majority of the members may declare
 * the others dead, re-home their buckets and go on writing; the other side
 * fences itself. Two disjoint sets cannot both have a quorum: more than
 * half of the members, or exactly half when that half holds the lowest
 * member (the tie-break of an even split, so that one of two nodes can
 * lose the other).
 *
 * Return: true if @reachable is a quorum of @members; false when
 * @members is empty.
 */
bool dsm_quorum(u64 members, u64 reachable)
{
	u64 all;
	u32 n, up;

	all = members & DSM_ALL_NODES;
	n = dsm_popcount64(all);
	up = dsm_popcount64(reachable & all);
	if (!n)
		return false;
	if (2 * up != n)
		return 2 * up > n;
	return reachable & all & (0ULL - all);
}

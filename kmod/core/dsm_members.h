/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_members.h - which member of the cluster serves a key.
 *
 * A page's home (the kernel's sc model) and a lock's or barrier's manager
 * (dsmd) are the (key mod n)-th of the n present members, counted over the
 * present node ids in ascending order. Every node must pick the same one
 * from the same membership, so the rule exists only here.
 *
 * Locks (Documentation/lrc.md "Failures: lock managers"): a lock whose
 * (key mod n)-th member is lost moves to the next member not lost after
 * it (dsm_lock_manager()).
 *
 * Barriers (Documentation/lrc.md "Barriers", "Failures"): the manager is
 * the lowest member not lost (dsm_barrier_manager()); it waits for the
 * members not lost, and the kernels' collections count on exactly those
 * having arrived.
 *
 * Joins (Documentation/lrc.md "Joining at run time"): a node the
 * membership gained (dsm_members_added()) is *joining* until the first
 * collecting barrier it arrives at: barriers do not wait for it, its
 * arrival makes its episode collect garbage, and at that release it
 * becomes a full member (dsm_barrier_joined()).
 */
#ifndef _DSM_MEMBERS_H
#define _DSM_MEMBERS_H

#include "dsm_core_env.h"
#include "dsm_limits.h"

/* A membership is a u64 bit mask: bit i is node i. */
static_assert(DSM_MAX_NODES <= 64, "a membership must fit a u64 mask");

/* DSM_ALL_NODES, the mask of every node id, is in dsm_limits.h. */

u32 dsm_member_rank(u64 present, u64 key, u32 none);

/*
 * The key of a lock or barrier: its namespace (the region word of
 * dsm_wire.h, 0 for the cluster-wide one) in the high half, its id in the
 * low half. One number per lock, the same on every node: the kernel's
 * lock table and dsmd's key on it, and lock L of namespace R is managed
 * by dsm_member_rank(present, dsm_sync_key(R, L), ...), so the
 * cluster-wide lock L keeps the manager of API version 3 (L mod n).
 */
static inline u64 dsm_sync_key(u32 region, u32 id)
{
	return (u64)region << 32 | id;
}

static inline u32 dsm_sync_key_region(u64 key)
{
	return (u32)(key >> 32);
}

static inline u32 dsm_sync_key_id(u64 key)
{
	return (u32)key;
}

u64 dsm_barrier_waits_for(u64 members, u64 lost);
u32 dsm_barrier_manager(u64 members, u64 lost, u32 none);
u32 dsm_lock_manager(u64 members, u64 lost, u64 key, u32 none);
u32 dsm_backup_of(u32 writer, u64 live, u32 none);
bool dsm_barrier_complete(u64 arrived, u64 members, u64 lost, u64 joining);
u64 dsm_members_added(u64 old, u64 now);
u64 dsm_barrier_joined(u64 arrived, u64 joining, bool gc);
bool dsm_quorum(u64 members, u64 reachable);

#endif /* _DSM_MEMBERS_H */

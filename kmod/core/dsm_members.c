// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_members.c - the member that serves a key: a page's home, a lock's
 * or a barrier's manager.
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
u32 dsm_member_rank(u32 present, u64 key, u32 none)
{
	u32 id, n = 0, k;

	for (id = 0; id < DSM_MAX_NODES; id++)
		n += present >> id & 1;
	if (!n)
		return none;
	k = dsm_rem_u64(key, n);
	for (id = 0; id < DSM_MAX_NODES; id++)
		if ((present >> id & 1) && !k--)
			return id;
	return none;	/* not reached: k < n */
}

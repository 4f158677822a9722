// SPDX-License-Identifier: GPL-2.0
/*
 * fence_rule.c - the partition decisions of fence.h: pure functions of
 * the membership and of what was heard when, unit-tested
 * (tests/fence_test.c); fence.c applies them.
 */
#include "dsm_core_env.h"
#include "dsm_members.h"
#include "fence.h"

uint64_t fence_members(unsigned int nr_nodes)
{
	if (nr_nodes >= 64)
		return UINT64_MAX;
	return (1ULL << nr_nodes) - 1;
}

uint64_t fence_reachable(const int64_t *heard, unsigned int nr_nodes,
			 int local, int64_t now, int64_t lease)
{
	uint64_t r = 0;
	unsigned int i;

	for (i = 0; i < nr_nodes && i < 64; i++) {
		if ((int)i == local)
			r |= 1ULL << i;
		else if (heard[i] > 0 && now - heard[i] <= lease)
			r |= 1ULL << i;
	}
	return r;
}

int fence_coordinator(uint64_t reachable, int local)
{
	return reachable ? __builtin_ctzll(reachable) : local;
}

bool fence_may_declare_down(uint64_t members, uint64_t reachable)
{
	return dsm_quorum(members, reachable);
}

enum fence_step fence_next(uint64_t members, uint64_t reachable,
			   bool fenced, bool had_quorum)
{
	bool q = dsm_quorum(members, reachable);

	if (fenced)
		return q ? FENCE_REJOIN : FENCE_STAY;
	return had_quorum && !q ? FENCE_FENCE : FENCE_STAY;
}

bool fence_hello_refused(uint64_t down_inc, uint64_t hello_inc)
{
	return down_inc && down_inc == hello_inc;
}

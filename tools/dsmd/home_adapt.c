// SPDX-License-Identifier: GPL-2.0
/*
 * home_adapt.c - the coordinator's batch of adaptive home wishes
 * (home_adapt.h): merged per bucket as they come, made into one table
 * with dsm_home_wishes_apply() (kmod/core/dsm_home_adapt.c) when no other
 * change runs, at most once per HOME_ADAPT_INTERVAL_MS. Pure code: no
 * I/O, no clock of its own (tests/home_adapt_test.c).
 */
#include <errno.h>
#include <string.h>

#include "home_adapt.h"

void home_adapt_clear(struct home_adapt *a)
{
	memset(a->to, DSMC_HOME_NO_WISH, sizeof(a->to));
	memset(a->from, DSMC_HOME_NO_WISH, sizeof(a->from));
	a->pending = 0;
}

void home_adapt_init(struct home_adapt *a)
{
	memset(a, 0, sizeof(*a));
	home_adapt_clear(a);
}

const char *home_adapt_request_check(const struct dsmc_msg *m, int from)
{
	uint32_t n;

	if (m->type != DSMC_MEMBERS || m->memb.op != DSMC_MEMB_REQUEST ||
	    m->memb.change != DSMC_MEMB_MOVE)
		return "not a move request";
	if (from < 0 || from >= DSM_NODES_MAX || m->memb.node != (uint32_t)from)
		return "wishes for another node's buckets";
	if (dsm_home_wishes_check(m->memb.table, &n))
		return "a bucket's wish is not a node id";
	return NULL;
}

int home_adapt_merge(struct home_adapt *a, uint32_t from,
		     const uint8_t to[DSMC_HOME_BUCKETS])
{
	uint32_t b, n;

	if (from >= DSM_NODES_MAX || dsm_home_wishes_check(to, &n))
		return -EINVAL;
	for (b = 0; b < DSMC_HOME_BUCKETS; b++) {
		if (to[b] == DSMC_HOME_NO_WISH)
			continue;
		if (a->to[b] == DSMC_HOME_NO_WISH)
			a->pending++;
		a->to[b] = to[b];
		a->from[b] = (uint8_t)from;
	}
	return (int)n;
}

bool home_adapt_due(const struct home_adapt *a, bool busy, int64_t now)
{
	return a->pending && !busy &&
	       !(a->made && now - a->last < HOME_ADAPT_INTERVAL_MS);
}

int home_adapt_make(struct home_adapt *a, const struct dsm_home_table *cur,
		    uint64_t live, bool busy, int64_t now,
		    struct dsm_home_table *next, uint32_t *moved)
{
	int ret;

	*moved = 0;
	if (!home_adapt_due(a, busy, now))
		return 0;
	ret = dsm_home_wishes_apply(next, cur, a->to, a->from, live, moved);
	home_adapt_clear(a);
	if (ret)
		return ret;
	if (!*moved)
		return 0;
	a->made = true;
	a->last = now;
	a->st.tables++;
	a->st.moved += *moved;
	return 1;
}

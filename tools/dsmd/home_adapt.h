/* SPDX-License-Identifier: GPL-2.0 */
/*
 * home_adapt.h - the coordinator's part of adaptive homes (issue 17 item
 * 4; Documentation/control-plane.md, "Adaptive homes"), with no I/O: the
 * wishes the homes sent, merged per bucket, and when they become the
 * next home table (home_adapt.c, unit-tested). memb_home.c feeds it
 * from the kernel's HOME_WANT and the peers' MEMBERS REQUEST MOVE, and
 * sends the tables it makes.
 */
#ifndef DSMD_HOME_ADAPT_H
#define DSMD_HOME_ADAPT_H

#include <stdbool.h>
#include <stdint.h>

#include "dsm_home.h"
#include "proto.h"

/* At most one table of wishes per this many ms (the rate limit). */
#define HOME_ADAPT_INTERVAL_MS	1000

/**
 * struct home_adapt_stats - what dsmd logs on its "home:" line.
 * @wishes:	bucket wishes that reached this dsmd: its kernel's, and as
 *		the coordinator its peers'.
 * @moved:	buckets the tables it made moved.
 * @tables:	tables of wishes it made (and sent).
 */
struct home_adapt_stats {
	uint64_t wishes;
	uint64_t moved;
	uint64_t tables;
};

/**
 * struct home_adapt - the coordinator's pending wishes.
 * @to:		byte b: where bucket b should move, or DSMC_HOME_NO_WISH.
 * @from:	byte b: the home that wished it (meaningless without @to).
 * @pending:	buckets with a wish in @to.
 * @made:	a table of wishes was made; @last is when.
 * @last:	ms (now_ms()) of the last table of wishes made.
 * @st:		counters.
 */
struct home_adapt {
	uint8_t to[DSMC_HOME_BUCKETS];
	uint8_t from[DSMC_HOME_BUCKETS];
	uint32_t pending;
	bool made;
	int64_t last;
	struct home_adapt_stats st;
};

void home_adapt_init(struct home_adapt *a);	/* no wish, nothing made */
void home_adapt_clear(struct home_adapt *a);	/* drop the wishes */

/*
 * Is MEMBERS REQUEST MOVE @m (the codec checked its fields) acceptable
 * from peer @from? NULL, or why not.
 */
const char *home_adapt_request_check(const struct dsmc_msg *m, int from);

/*
 * Merge home @from's wishes @to into @a: a later wish for a bucket
 * replaces the earlier one. The number of wishes in @to, or -EINVAL
 * (nothing merged) when @from is no node id or @to fails
 * dsm_home_wishes_check().
 */
int home_adapt_merge(struct home_adapt *a, uint32_t from,
		     const uint8_t to[DSMC_HOME_BUCKETS]);

/*
 * Is a table due at @now (ms)? Wishes pending, not @busy, and at least
 * HOME_ADAPT_INTERVAL_MS after the last table made: the conditions of
 * home_adapt_make(), for a caller that must fetch @cur first.
 */
bool home_adapt_due(const struct home_adapt *a, bool busy, int64_t now);

/*
 * The coordinator's decision at @now (ms): with wishes pending, not
 * @busy (another change in progress, or no quorum), and at least
 * HOME_ADAPT_INTERVAL_MS after the last table made, @next is @cur with
 * the wishes that hold (dsm_home_wishes_apply(), @live the members that
 * may take a bucket) and the wishes are dropped. Returns 1 when @next
 * moves @*moved > 0 buckets (counted; send it), 0 when there is nothing
 * to send (the wishes stay while @busy or too soon), or -EOVERFLOW
 * (the wishes dropped) at the last epoch.
 */
int home_adapt_make(struct home_adapt *a, const struct dsm_home_table *cur,
		    uint64_t live, bool busy, int64_t now,
		    struct dsm_home_table *next, uint32_t *moved);

#endif /* DSMD_HOME_ADAPT_H */

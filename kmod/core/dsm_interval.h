/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_interval.h - intervals and write notices for lazy release consistency.
 *
 * Each node's execution is cut into intervals by acquires and releases.
 * Interval (c, i) is the i-th interval (i >= 1) of creator node c; its
 * vector timestamp has entry c equal to i, and its write notices are the
 * pages c wrote during it.
 *
 * A node keeps every interval it knows of in a struct dsm_iset: one ring
 * (struct dsm_ilog) per creator, in caller-provided storage. Intervals of
 * one creator are always learned in index order (an acquirer receives
 * every interval it lacks, and a creator's interval i + 1 happened after
 * its interval i), so each log is a contiguous range of indices, trimmed
 * from the front by garbage collection.
 *
 * Nothing here locks: the caller serialises access to a set.
 */
#ifndef _DSM_INTERVAL_H
#define _DSM_INTERVAL_H

#include "dsm_core_env.h"
#include "dsm_limits.h"
#include "dsm_vt.h"

/**
 * struct dsm_interval - one interval record.
 * @creator:	node that executed the interval, < DSM_MAX_NODES.
 * @nr_notices:	number of write notices, <= DSM_WIRE_MAX_NOTICES.
 * @index:	the interval's index on its creator, >= 1.
 * @vt:		the interval's vector timestamp; vt.c[creator] == index.
 * @notices:	@nr_notices page numbers in strictly ascending order. The
 *		storage is the caller's and must outlive the record in any
 *		log; the core only reads it.
 */
struct dsm_interval {
	u16 creator;
	u16 nr_notices;
	u32 index;
	struct dsm_vt vt;
	const u64 *notices;
};

/**
 * struct dsm_ilog - intervals of one creator, a ring in caller storage.
 * @slot:	ring of @cap records.
 * @cap:	capacity of the ring.
 * @head:	slot holding interval @first.
 * @count:	records held: intervals @first .. @first + @count - 1.
 * @first:	index of the oldest record held, or of the next one to be
 *		added when @count is 0. Starts at 1; trimming advances it.
 */
struct dsm_ilog {
	struct dsm_interval *slot;
	u32 cap;
	u32 head;
	u32 count;
	u32 first;
};

/**
 * struct dsm_iset - every interval a node knows, one log per creator.
 * @nr_nodes:	nodes in the cluster, <= DSM_MAX_NODES.
 * @log:	@log[c] holds the intervals created by node c.
 */
struct dsm_iset {
	u32 nr_nodes;
	struct dsm_ilog log[DSM_MAX_NODES];
};

void dsm_ilog_init(struct dsm_ilog *log, struct dsm_interval *slots, u32 cap);
int dsm_ilog_add(struct dsm_ilog *log, const struct dsm_interval *iv);
const struct dsm_interval *dsm_ilog_find(const struct dsm_ilog *log,
					 u32 index);
u32 dsm_ilog_trim(struct dsm_ilog *log, u32 upto);
int dsm_ilog_move(struct dsm_ilog *log, struct dsm_interval *slots, u32 cap);
struct dsm_interval *dsm_ilog_at(const struct dsm_ilog *log, u32 i);

/* Smallest capacity interval storage grows to (dsm_iv_grow_cap()). */
#define DSM_IV_MIN_CAP	16
u32 dsm_iv_grow_cap(u32 cap);

/* Index of the newest interval in @log, 0 if none was ever added. */
static inline u32 dsm_ilog_last(const struct dsm_ilog *log)
{
	return log->first + log->count - 1;
}

int dsm_iset_init(struct dsm_iset *set, u32 nr_nodes,
		  struct dsm_interval *storage, u32 per_node);
int dsm_iset_add(struct dsm_iset *set, const struct dsm_interval *iv);
void dsm_iset_known(const struct dsm_iset *set, struct dsm_vt *vt);
int dsm_iset_missing(const struct dsm_iset *set, const struct dsm_vt *have,
		     const struct dsm_interval **out, u32 cap);

int dsm_interval_check(const struct dsm_interval *iv);
int dsm_interval_cmp(const struct dsm_interval *a,
		     const struct dsm_interval *b);
void dsm_interval_sort(const struct dsm_interval **v, u32 n);
bool dsm_interval_has_notice(const struct dsm_interval *iv, u64 page);

#endif /* _DSM_INTERVAL_H */

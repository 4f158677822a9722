/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_vt.h - vector timestamps for lazy release consistency.
 *
 * Entry i of a node's vector timestamp counts the intervals of node i whose
 * effects the node has seen; entry i of an interval's timestamp equals the
 * interval's index when i is its creator. Entries beyond @n read as zero,
 * so timestamps of different widths compare as if zero-extended.
 */
#ifndef _DSM_VT_H
#define _DSM_VT_H

#include "dsm_core_env.h"
#include "dsm_limits.h"

/**
 * struct dsm_vt - a vector timestamp.
 * @n:	entries in use, 0 .. DSM_MAX_NODES.
 * @c:	@c[i] is the number of intervals of node i covered; entries at and
 *	beyond @n must be zero (dsm_vt_init() and the decoder ensure it).
 */
struct dsm_vt {
	u32 n;
	u32 c[DSM_MAX_NODES];
};

/* Result of dsm_vt_compare(a, b). */
enum dsm_vt_order {
	DSM_VT_EQUAL,		/* a == b */
	DSM_VT_BEFORE,		/* a < b: a happened before b */
	DSM_VT_AFTER,		/* a > b: b happened before a */
	DSM_VT_CONCURRENT,	/* neither dominates */
};

/**
 * struct dsm_vt_range - intervals of one node that one timestamp lacks.
 * @node:	creator of the intervals.
 * @first:	first missing interval index (>= 1).
 * @last:	last missing interval index (>= @first).
 */
struct dsm_vt_range {
	u32 node;
	u32 first;
	u32 last;
};

static inline u32 dsm_vt_get(const struct dsm_vt *vt, u32 node)
{
	return node < vt->n && node < DSM_MAX_NODES ? vt->c[node] : 0;
}

/**
 * dsm_vt_width() - the significant width of @vt.
 * @vt:	the timestamp.
 *
 * The entries of @vt up to its last non-zero one are all it says: sent
 * with this width, it decodes to a timestamp that compares equal to @vt
 * (entries beyond read as zero). What the encoders send instead of @vt->n.
 *
 * Return: the index of the last non-zero entry plus one, at least 1 (also
 * for the zero timestamp, and for @vt->n == 0); at most DSM_MAX_NODES.
 */
static inline u32 dsm_vt_width(const struct dsm_vt *vt)
{
	u32 n = vt->n < DSM_MAX_NODES ? vt->n : DSM_MAX_NODES;

	while (n > 1 && !vt->c[n - 1])
		n--;
	return n ? n : 1;
}

int dsm_vt_init(struct dsm_vt *vt, u32 n);
enum dsm_vt_order dsm_vt_compare(const struct dsm_vt *a,
				 const struct dsm_vt *b);
bool dsm_vt_dominates(const struct dsm_vt *a, const struct dsm_vt *b);
void dsm_vt_merge(struct dsm_vt *dst, const struct dsm_vt *src);
int dsm_vt_inc(struct dsm_vt *vt, u32 node);
u64 dsm_vt_sum(const struct dsm_vt *vt);
u32 dsm_vt_missing(const struct dsm_vt *have, const struct dsm_vt *known,
		   struct dsm_vt_range out[DSM_MAX_NODES]);

#endif /* _DSM_VT_H */

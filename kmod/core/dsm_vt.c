// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_vt.c - vector timestamps: compare, merge, dominance, increment.
 *
 * All functions are total: any two timestamps compare, whatever their
 * widths (missing entries read as zero). None allocates or sleeps; callers
 * provide the locking for timestamps they share.
 */
#include "dsm_vt.h"

/**
 * dsm_vt_init() - set @vt to the zero timestamp of @n entries.
 * @vt:	timestamp to initialise.
 * @n:	number of nodes, at most DSM_MAX_NODES.
 *
 * Return: 0, or -EINVAL if @n is too large (@vt is then zero-width).
 */
int dsm_vt_init(struct dsm_vt *vt, u32 n)
{
	memset(vt, 0, sizeof(*vt));
	if (n > DSM_MAX_NODES)
		return -EINVAL;
	vt->n = n;
	return 0;
}

/* The wider of @a's and @b's widths (n), at most DSM_MAX_NODES. */
static u32 dsm_vt_span(const struct dsm_vt *a, const struct dsm_vt *b)
{
	u32 n = a->n > b->n ? a->n : b->n;

	return n > DSM_MAX_NODES ? DSM_MAX_NODES : n;
}

/**
 * dsm_vt_compare() - order two timestamps.
 * @a:	first timestamp.
 * @b:	second timestamp.
 *
 * Return: DSM_VT_EQUAL, DSM_VT_BEFORE (a < b), DSM_VT_AFTER (a > b) or
 * DSM_VT_CONCURRENT.
 */
enum dsm_vt_order dsm_vt_compare(const struct dsm_vt *a,
				 const struct dsm_vt *b)
{
	u32 i, n = dsm_vt_span(a, b);
	bool less = false, more = false;

	for (i = 0; i < n; i++) {
		u32 x = dsm_vt_get(a, i), y = dsm_vt_get(b, i);

		if (x < y)
			less = true;
		else if (x > y)
			more = true;
	}
	if (less && more)
		return DSM_VT_CONCURRENT;
	if (less)
		return DSM_VT_BEFORE;
	if (more)
		return DSM_VT_AFTER;
	return DSM_VT_EQUAL;
}

/**
 * dsm_vt_dominates() - whether @a covers everything @b covers.
 * @a:	candidate dominating timestamp.
 * @b:	candidate dominated timestamp.
 *
 * Return: true if a[i] >= b[i] for every i (also when they are equal).
 */
bool dsm_vt_dominates(const struct dsm_vt *a, const struct dsm_vt *b)
{
	u32 i, n = dsm_vt_span(a, b);

	for (i = 0; i < n; i++)
		if (dsm_vt_get(a, i) < dsm_vt_get(b, i))
			return false;
	return true;
}

/**
 * dsm_vt_merge() - @dst becomes the entry-wise maximum of @dst and @src.
 * @dst:	timestamp to update; it widens to @src's width if narrower.
 * @src:	timestamp to merge in.
 */
void dsm_vt_merge(struct dsm_vt *dst, const struct dsm_vt *src)
{
	u32 i, n = dsm_vt_span(dst, src);

	for (i = 0; i < n; i++) {
		u32 y = dsm_vt_get(src, i);

		if (dsm_vt_get(dst, i) < y)
			dst->c[i] = y;
	}
	dst->n = n;
}

/**
 * dsm_vt_inc() - start a new interval of @node: increment its entry.
 * @vt:		timestamp to update.
 * @node:	node whose entry is incremented, below @vt->n.
 *
 * Return: 0, -EINVAL if @node is out of range, or -EOVERFLOW if the entry
 * is already U32_MAX (@vt is unchanged on error).
 */
int dsm_vt_inc(struct dsm_vt *vt, u32 node)
{
	if (node >= vt->n || node >= DSM_MAX_NODES)
		return -EINVAL;
	if (vt->c[node] == U32_MAX)
		return -EOVERFLOW;
	vt->c[node]++;
	return 0;
}

/**
 * dsm_vt_sum() - sum of all entries.
 * @vt:	timestamp.
 *
 * If a happened before b, sum(a) < sum(b): the sum is the primary key of
 * the diff application order (see dsm_interval_cmp()).
 *
 * Return: the sum, which cannot overflow (at most DSM_MAX_NODES * U32_MAX).
 */
u64 dsm_vt_sum(const struct dsm_vt *vt)
{
	u64 s = 0;
	u32 i;

	for (i = 0; i < vt->n && i < DSM_MAX_NODES; i++)
		s += vt->c[i];
	return s;
}

/**
 * dsm_vt_missing() - which intervals a node with timestamp @have lacks from
 * a node with timestamp @known.
 * @have:	what the acquirer has seen.
 * @known:	what the releaser has seen.
 * @out:	one range per node that @have lacks, in node order.
 *
 * Return: the number of ranges written to @out (0 if @have dominates
 * @known).
 */
u32 dsm_vt_missing(const struct dsm_vt *have, const struct dsm_vt *known,
		   struct dsm_vt_range out[DSM_MAX_NODES])
{
	u32 i, k = 0, n = dsm_vt_span(have, known);

	for (i = 0; i < n; i++) {
		u32 h = dsm_vt_get(have, i), r = dsm_vt_get(known, i);

		if (r > h) {
			out[k].node = i;
			out[k].first = h + 1;
			out[k].last = r;
			k++;
		}
	}
	return k;
}

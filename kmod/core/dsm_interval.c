// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_interval.c - interval logs, missing-interval computation and the
 * order in which diffs are applied.
 */
#include "dsm_interval.h"

/**
 * dsm_interval_check() - validate an interval record.
 * @iv:	record to check.
 *
 * Return: 0 if @iv is well formed (creator and index in range, its own
 * timestamp entry equal to its index, notices ascending and below
 * DSM_MAX_PAGES), else -EINVAL.
 */
int dsm_interval_check(const struct dsm_interval *iv)
{
	u32 i;

	if (iv->creator >= DSM_MAX_NODES || iv->vt.n > DSM_MAX_NODES ||
	    iv->creator >= iv->vt.n || !iv->index ||
	    iv->vt.c[iv->creator] != iv->index ||
	    iv->nr_notices > DSM_WIRE_MAX_NOTICES ||
	    (iv->nr_notices && !iv->notices))
		return -EINVAL;
	for (i = 0; i < iv->nr_notices; i++) {
		if (iv->notices[i] >= DSM_MAX_PAGES)
			return -EINVAL;
		if (i && iv->notices[i] <= iv->notices[i - 1])
			return -EINVAL;
	}
	return 0;
}

/**
 * dsm_ilog_init() - make @log an empty log over @cap records at @slots.
 * @log:	log to initialise.
 * @slots:	storage for @cap records, owned by the caller.
 * @cap:	capacity; a log of capacity 0 accepts nothing.
 */
void dsm_ilog_init(struct dsm_ilog *log, struct dsm_interval *slots, u32 cap)
{
	log->slot = slots;
	log->cap = cap;
	log->head = 0;
	log->count = 0;
	log->first = 1;
}

/**
 * dsm_ilog_add() - append the next interval of the log's creator.
 * @log:	log of @iv's creator.
 * @iv:		record to copy in (the notices are referenced, not copied).
 *
 * Return: 0 if appended; 1 if the interval is already known (held, or
 * trimmed) and nothing changed; -ERANGE if it would leave a gap (its index
 * is beyond the next one); -ENOSPC if the log is full.
 */
int dsm_ilog_add(struct dsm_ilog *log, const struct dsm_interval *iv)
{
	u64 next = (u64)log->first + log->count;

	if (iv->index < next)
		return 1;
	if (iv->index > next)
		return -ERANGE;
	if (log->count >= log->cap)
		return -ENOSPC;
	log->slot[(log->head + log->count) % log->cap] = *iv;
	log->count++;
	return 0;
}

/**
 * dsm_ilog_find() - look up interval @index in @log.
 * @log:	log to search.
 * @index:	interval index.
 *
 * Return: the record, or NULL if it is not held (never added, or trimmed).
 */
const struct dsm_interval *dsm_ilog_find(const struct dsm_ilog *log,
					 u32 index)
{
	if (index < log->first || index - log->first >= log->count)
		return NULL;
	return &log->slot[(log->head + (index - log->first)) % log->cap];
}

/**
 * dsm_ilog_trim() - garbage-collect the records with index <= @upto.
 * @log:	log to trim.
 * @upto:	newest index to drop.
 *
 * The caller may release the notices of the dropped records afterwards
 * (look them up with dsm_ilog_find() before trimming).
 *
 * Return: the number of records dropped.
 */
u32 dsm_ilog_trim(struct dsm_ilog *log, u32 upto)
{
	u32 n;

	if (!log->count || upto < log->first)
		return 0;
	n = upto - log->first + 1;
	if (n > log->count)
		n = log->count;
	log->head = (log->head + n) % log->cap;
	log->count -= n;
	log->first += n;
	return n;
}

/**
 * dsm_iv_grow_cap() - how many records a full store of intervals grows to.
 * @cap:	its capacity now.
 *
 * The one growth rule of interval storage, the kernel's per-creator rings
 * and dsmd's staged arrivals alike: twice the capacity, at least
 * DSM_IV_MIN_CAP.
 *
 * Return: the new capacity, or 0 if it would not fit a u32 (the store
 * cannot grow).
 */
u32 dsm_iv_grow_cap(u32 cap)
{
	if (cap < DSM_IV_MIN_CAP / 2)
		return DSM_IV_MIN_CAP;
	if (cap > U32_MAX / 2)
		return 0;
	return cap * 2;
}

/**
 * dsm_ilog_move() - move @log's records into new storage.
 * @log:	the log (its old storage is the caller's to free after).
 * @slots:	storage for @cap records, owned by the caller.
 * @cap:	its capacity, at least @log->count.
 *
 * The records keep their order, oldest first at @slots[0]; indices and
 * notices are unchanged. Used to grow a full log.
 *
 * Return: 0, or -EINVAL if @cap cannot hold the records (nothing moved).
 */
int dsm_ilog_move(struct dsm_ilog *log, struct dsm_interval *slots, u32 cap)
{
	u32 i;

	if (cap < log->count || (log->count && !slots))
		return -EINVAL;
	for (i = 0; i < log->count; i++)
		slots[i] = log->slot[(log->head + i) % log->cap];
	log->slot = slots;
	log->cap = cap;
	log->head = 0;
	return 0;
}

/**
 * dsm_ilog_at() - the @i-th oldest record @log holds.
 * @log:	the log.
 * @i:		0 .. @log->count - 1.
 *
 * Return: the record, or NULL if @i is out of range.
 */
struct dsm_interval *dsm_ilog_at(const struct dsm_ilog *log, u32 i)
{
	if (i >= log->count)
		return NULL;
	return &log->slot[(log->head + i) % log->cap];
}

/**
 * dsm_iset_init() - make @set an empty set for @nr_nodes creators.
 * @set:	set to initialise.
 * @nr_nodes:	cluster size, 1 .. DSM_MAX_NODES.
 * @storage:	@nr_nodes * @per_node records, owned by the caller; creator
 *		c uses @storage[c * @per_node ...].
 * @per_node:	capacity of each creator's log.
 *
 * Return: 0, or -EINVAL if @nr_nodes is out of range.
 */
int dsm_iset_init(struct dsm_iset *set, u32 nr_nodes,
		  struct dsm_interval *storage, u32 per_node)
{
	u32 i;

	memset(set, 0, sizeof(*set));
	if (!nr_nodes || nr_nodes > DSM_MAX_NODES)
		return -EINVAL;
	set->nr_nodes = nr_nodes;
	for (i = 0; i < nr_nodes; i++)
		dsm_ilog_init(&set->log[i], storage + (size_t)i * per_node,
			      per_node);
	return 0;
}

/**
 * dsm_iset_add() - record an interval learned from a peer or created here.
 * @set:	set to update.
 * @iv:		record, checked with dsm_interval_check().
 *
 * Return: as dsm_ilog_add(), or -EINVAL if @iv is malformed or its creator
 * or timestamp width exceeds the set's cluster size.
 */
int dsm_iset_add(struct dsm_iset *set, const struct dsm_interval *iv)
{
	if (dsm_interval_check(iv) || iv->creator >= set->nr_nodes ||
	    iv->vt.n > set->nr_nodes)
		return -EINVAL;
	return dsm_ilog_add(&set->log[iv->creator], iv);
}

/**
 * dsm_iset_known() - the timestamp of everything @set holds or has held.
 * @set:	set to summarise.
 * @vt:		out: entry c is the newest interval index of creator c.
 */
void dsm_iset_known(const struct dsm_iset *set, struct dsm_vt *vt)
{
	u32 i;

	dsm_vt_init(vt, set->nr_nodes);
	for (i = 0; i < set->nr_nodes; i++)
		vt->c[i] = dsm_ilog_last(&set->log[i]);
}

/**
 * dsm_iset_missing() - the intervals an acquirer lacks.
 * @set:	the releaser's knowledge.
 * @have:	the acquirer's vector timestamp.
 * @out:	out: pointers to the records (into @set's storage), creator by
 *		creator in index order; dsm_interval_sort() orders them for
 *		diff application.
 * @cap:	capacity of @out.
 *
 * Every interval (c, i) with have[c] < i <= newest known index of c is
 * missing. Its write notices name the pages the acquirer must invalidate.
 *
 * Return: the number of records written to @out; -ENOSPC if more than
 * @cap are missing; -ENOENT if one of them was already trimmed, so the
 * acquirer cannot be brought up to date from intervals alone.
 */
int dsm_iset_missing(const struct dsm_iset *set, const struct dsm_vt *have,
		     const struct dsm_interval **out, u32 cap)
{
	u32 c, k = 0;

	for (c = 0; c < set->nr_nodes; c++) {
		const struct dsm_ilog *log = &set->log[c];
		u32 h = dsm_vt_get(have, c), last = dsm_ilog_last(log);
		u32 idx;

		if (h >= last)
			continue;
		if (h + 1 < log->first)
			return -ENOENT;
		if (last - h > cap - k)
			return -ENOSPC;
		for (idx = h + 1; idx - 1 < last; idx++)
			out[k++] = dsm_ilog_find(log, idx);
	}
	return k;
}

/**
 * dsm_interval_cmp() - the diff application order.
 * @a:	first record.
 * @b:	second record.
 *
 * A total order that extends happens-before: if a happened before b then
 * every entry of a's timestamp is <= b's and one is smaller, so the sum of
 * a's entries is smaller. Concurrent intervals with equal sums are ordered
 * by creator and then index, the same way on every node, so all nodes
 * apply concurrent diffs of a page in the same order.
 *
 * Return: negative if @a goes first, positive if @b goes first, 0 if they
 * are the same interval.
 */
int dsm_interval_cmp(const struct dsm_interval *a,
		     const struct dsm_interval *b)
{
	u64 sa = dsm_vt_sum(&a->vt), sb = dsm_vt_sum(&b->vt);

	if (sa != sb)
		return sa < sb ? -1 : 1;
	if (a->creator != b->creator)
		return a->creator < b->creator ? -1 : 1;
	if (a->index != b->index)
		return a->index < b->index ? -1 : 1;
	return 0;
}

static void dsm_interval_sift(const struct dsm_interval **v, u32 root, u32 n)
{
	for (;;) {
		u32 child = 2 * root + 1;
		const struct dsm_interval *t;

		if (child >= n)
			return;
		if (child + 1 < n && dsm_interval_cmp(v[child], v[child + 1]) < 0)
			child++;
		if (dsm_interval_cmp(v[root], v[child]) >= 0)
			return;
		t = v[root];
		v[root] = v[child];
		v[child] = t;
		root = child;
	}
}

/**
 * dsm_interval_sort() - sort records into diff application order.
 * @v:	array of records.
 * @n:	number of records.
 *
 * Heapsort by dsm_interval_cmp(): O(n log n), no recursion, no memory.
 */
void dsm_interval_sort(const struct dsm_interval **v, u32 n)
{
	u32 i;

	for (i = n / 2; i-- > 0;)
		dsm_interval_sift(v, i, n);
	for (i = n; i-- > 1;) {
		const struct dsm_interval *t = v[0];

		v[0] = v[i];
		v[i] = t;
		dsm_interval_sift(v, 0, i);
	}
}

/**
 * dsm_interval_has_notice() - whether @iv carries a write notice for @page.
 * @iv:		record with ascending notices.
 * @page:	page number.
 *
 * Return: true if @page is among @iv's notices (binary search).
 */
bool dsm_interval_has_notice(const struct dsm_interval *iv, u64 page)
{
	u32 lo = 0, hi = iv->nr_notices;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (iv->notices[mid] == page)
			return true;
		if (iv->notices[mid] < page)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

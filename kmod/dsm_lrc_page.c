// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_lrc_page.c - lrc per-page state (struct lrc_pg): its allocation,
 * the twin made at the first write of an interval, the diffs this node
 * makes of its own intervals, applying fetched diffs, the pending write
 * notices of other nodes, invalidation when notices arrive and write
 * protection when an interval ends.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": lrc: " fmt

#include <linux/highmem.h>
#include <linux/mmdebug.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/vmalloc.h>

#include "dsm_lrc.h"
#include "core/dsm_diff.h"

/*
 * The lrc state of @pg, made if need be. On a node that joined lrc at run
 * time (lrc.join_from) a new one is dropped: what the page holds is
 * fetched whole from a member (Documentation/lrc.md, "Joining at run
 * time"). Not published yet, so no lock is needed to set it.
 */
struct lrc_pg *lrc_pg_of(struct dsm_pg *pg)
{
	struct lrc_pg *lp = READ_ONCE(pg->lrc), *old;
	u64 from;

	if (lp)
		return lp;
	lp = kzalloc(sizeof(*lp), GFP_KERNEL);
	if (!lp)
		return NULL;
	INIT_LIST_HEAD(&lp->diffs);
	INIT_LIST_HEAD(&lp->kept);
	from = READ_ONCE(lrc.join_from);
	if (from) {
		lp->dropped = true;
		lp->copy_from = __ffs64(from);
	}
	old = cmpxchg(&pg->lrc, NULL, lp);
	if (old) {
		kfree(lp);
		return old;
	}
	return lp;
}

/* Under lrc.lock: does @lp's page hold every change it was told of? */
bool lrc_pg_valid_locked(const struct lrc_pg *lp)
{
	lockdep_assert_held(&lrc.lock);
	return !lp->nr_pending && !lp->dropped;
}

/**
 * lrc_join_next() - ask the next member for a page this node never had.
 * @lp:	a page whose whole copy its copy_from could not give.
 *
 * On a node that joined at run time, a dropped page's copy is asked of
 * the members of the join in id order (lrc.join_from): one that dropped
 * the page itself, has no copy or is lost is skipped for the next.
 *
 * Return: true if @lp's copy_from moved to a next member (try again).
 */
bool lrc_join_next(struct lrc_pg *lp)
{
	unsigned long from = READ_ONCE(lrc.join_from);
	bool moved = false;
	u32 id;

	if (!from || !lp)
		return false;
	mutex_lock(&lrc.lock);
	id = lp->copy_from + 1;
	for_each_set_bit_from(id, &from, DSM_MAX_NODES) {
		if (!lp->dropped)
			break;
		if (lrc_node_out(id))
			continue;
		lp->copy_from = id;
		moved = true;
		break;
	}
	mutex_unlock(&lrc.lock);
	return moved;
}

/* Folio locked: the stored diff of own interval @iv of @lp, or NULL. */
static struct lrc_diff *lrc_diff_find(struct lrc_pg *lp, u32 iv)
{
	struct lrc_diff *d;

	list_for_each_entry(d, &lp->diffs, list)
		if (d->iv == iv)
			return d;
	return NULL;
}

/*
 * Folio locked: store the diff of @from against @to as own interval
 * @iv's. Return: 0 or a negative errno (nothing stored).
 */
static int lrc_store_diff(struct lrc_pg *lp, const void *from, const void *to,
			  u32 iv)
{
	u64 start = ktime_get_ns();
	struct lrc_diff *d;
	void *buf;
	int len;

	buf = kmalloc(DSM_DIFF_MAX_SIZE, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	len = dsm_diff_create(from, to, buf, DSM_DIFF_MAX_SIZE);
	if (len < 0) {
		kfree(buf);
		return len;
	}
	d = kmalloc(struct_size(d, data, len), GFP_KERNEL);
	if (!d) {
		kfree(buf);
		return -ENOMEM;
	}
	d->iv = iv;
	d->len = len;
	memcpy(d->data, buf, len);
	kfree(buf);
	list_add(&d->list, &lp->diffs);
	dsm_stat_inc(DSM_STAT_LRC_DIFFS_MADE);
	dsm_stat_add(DSM_STAT_LRC_DIFF_BYTES_MADE, len);
	dsm_stat_add(DSM_STAT_LRC_DIFF_MAKE_NS, ktime_get_ns() - start);
	lrc_data_add((s64)len - DSM_PAGE_SIZE);
	return 0;
}

/*
 * A twin is a whole page from the page allocator, not a kmalloc(4096):
 * the kernels we run on zero every allocation (init_on_alloc=1, Debian's
 * default), and kmalloc-4k zeroes the object and, for a new slab, its
 * pages too: twice per twin while kept twins pile up, against once here.
 */
static void *lrc_twin_alloc(void)
{
	BUILD_BUG_ON(PAGE_SIZE != DSM_PAGE_SIZE);
	return (void *)__get_free_page(GFP_KERNEL);
}

/* Free twin or kept copy @t (lrc_twin_alloc()), or nothing if NULL. */
void lrc_twin_free(void *t)
{
	free_page((unsigned long)t);
}

/* Unlink kept twin @k and free it with its copy. */
static void lrc_kept_del(struct lrc_kept *k)
{
	list_del(&k->list);
	lrc_twin_free(k->copy);
	kfree(k);
}

/*
 * Folio locked: make the diffs of @lp's kept twins of intervals up to
 * @upto, oldest first (each against the next kept copy, the last against
 * the twin), store them and free the copies. Return: 0 or a negative
 * errno (the kept twins not diffed stay).
 */
static int lrc_make_kept_diffs(struct lrc_pg *lp, u32 upto)
{
	struct lrc_kept *k, *next;
	int ret;

	/* The last kept twin's end: kept twins come only with a twin. */
	if (WARN_ON_ONCE(!list_empty(&lp->kept) && !lp->twin))
		return -EINVAL;
	list_for_each_entry_safe(k, next, &lp->kept, list) {
		if (k->iv > upto)
			break;
		ret = lrc_store_diff(lp, k->copy,
				     list_is_last(&k->list, &lp->kept) ?
				     lp->twin : next->copy, k->iv);
		if (ret)
			return ret;
		lrc_kept_del(k);
	}
	return 0;
}

/*
 * Folio locked (or the page going away): free @lp's kept twins of
 * intervals up to @upto without diffing them. Return: the bytes freed.
 */
s64 lrc_kept_free(struct lrc_pg *lp, u32 upto)
{
	struct lrc_kept *k, *next;
	s64 freed = 0;

	list_for_each_entry_safe(k, next, &lp->kept, list) {
		if (k->iv > upto)
			break;
		lrc_kept_del(k);
		freed += DSM_PAGE_SIZE;
	}
	return freed;
}

/*
 * Folio locked, the page's twin closed and a copy of the page made for
 * the next: keep the twin for its interval's diff (struct lrc_kept),
 * which that copy ends, rather than diffing it now (or, short of memory,
 * diff it). Return: 0 or a negative errno (the twin stays).
 */
static int lrc_keep_twin(struct dsm_pg *pg, struct lrc_pg *lp)
{
	struct lrc_kept *k;

	k = kmalloc(sizeof(*k), GFP_KERNEL);
	if (!k)
		return lrc_make_diff(pg, lp);
	k->iv = lp->twin_iv;
	k->copy = lp->twin;
	list_add_tail(&k->list, &lp->kept);
	lp->twin = NULL;
	lp->twin_iv = 0;
	dsm_stat_inc(DSM_STAT_LRC_TWINS_KEPT);
	return 0;
}

/*
 * Folio locked: make the diff of @lp's twin (interval twin_iv) against
 * the page, store it and free the twin; the kept twins' diffs first,
 * whose end it is. Return: 0 or a negative errno (the twin stays).
 */
int lrc_make_diff(struct dsm_pg *pg, struct lrc_pg *lp)
{
	void *p;
	int ret;

	VM_WARN_ON_ONCE_FOLIO(!folio_test_locked(pg->folio), pg->folio);
	if (!lp->twin)
		return 0;
	ret = lrc_make_kept_diffs(lp, U32_MAX);
	if (ret)
		return ret;
	p = kmap_local_folio(pg->folio, 0);
	ret = lrc_store_diff(lp, lp->twin, p, lp->twin_iv);
	kunmap_local(p);
	if (ret)
		return ret;
	lrc_twin_free(lp->twin);
	lp->twin = NULL;
	lp->twin_iv = 0;
	return 0;
}

/*
 * Folio locked: the diff of own interval @iv of @pg, made now if it was
 * not (from its kept twin, or from the twin if it is @iv's and @iv is
 * closed), or NULL with *@err 0 (none: the page was not written in @iv
 * with a twin) or the errno of making it.
 */
struct lrc_diff *lrc_diff_get(struct dsm_pg *pg, struct lrc_pg *lp, u32 iv,
			      int *err)
{
	struct lrc_diff *d;

	VM_WARN_ON_ONCE_FOLIO(!folio_test_locked(pg->folio), pg->folio);
	*err = 0;
	d = lrc_diff_find(lp, iv);
	if (d)
		return d;
	if (lp->twin && lp->twin_iv == iv && lrc_iv_closed(iv))
		*err = lrc_make_diff(pg, lp);
	else if (lp->twin && iv < lp->twin_iv)
		*err = lrc_make_kept_diffs(lp, iv);	/* if kept */
	else
		return NULL;
	return *err ? NULL : lrc_diff_find(lp, iv);
}

/* Under lrc.lock: queue notice (@creator, @index) on @lp. */
int lrc_pend_locked(struct lrc_pg *lp, u16 creator, u32 index)
{
	struct lrc_notice *n;

	lockdep_assert_held(&lrc.lock);
	if (lp->nr_pending == lp->cap_pending) {
		u32 cap = max(4U, lp->cap_pending * 2);

		n = krealloc_array(lp->pending, cap, sizeof(*n), GFP_KERNEL);
		if (!n)
			return -ENOMEM;
		lp->pending = n;
		lp->cap_pending = cap;
	}
	lp->pending[lp->nr_pending].creator = creator;
	lp->pending[lp->nr_pending].index = index;
	lp->nr_pending++;
	lrc_data_add(sizeof(*n));
	return 0;
}

/*
 * Take @pg's copy away from the local mappings because notices arrived:
 * save the twin's changes first if its interval is closed. Return: true
 * if this node had accessed the copy since it was last made valid (the
 * page is in use here: dsm_lrc_prefetch.c).
 */
bool lrc_invalidate(struct dsm_pg *pg)
{
	struct lrc_pg *lp = pg->lrc;
	bool used;

	if (!lp || !dsm_pg_folio(pg))
		return false;
	folio_lock(pg->folio);
	if (lp->twin && lrc_iv_closed(lp->twin_iv))
		lrc_make_diff(pg, lp);
	used = lp->access != DSM_ACC_NONE;
	lp->access = DSM_ACC_NONE;
	dsm_pg_zap(pg);
	folio_unlock(pg->folio);
	return used;
}

/* The state of page @pgno, written in an interval that ended: read. */
static void lrc_wp_state(u64 pgno)
{
	struct dsm_pg *pg = dsm_pg_find(pgno);
	struct lrc_pg *lp = pg ? pg->lrc : NULL;

	if (!lp || !dsm_pg_folio(pg))
		return;
	folio_lock(pg->folio);
	if (lp->access == DSM_ACC_WRITE)
		lp->access = DSM_ACC_READ;
	folio_unlock(pg->folio);
}

/*
 * Write-protect the pages @pages[0..@nr) of an own interval that ended
 * (sorted here): each page's state first, then its frames, a run of
 * consecutive pages at a time (dsm_wrprotect_range()). A write through
 * an entry still writable in between belongs to the interval that
 * ended, as any write before its write protection does; a first write
 * of the next interval that maps a page anew in between is recorded,
 * and being write-protected again costs it one more .page_mkwrite,
 * which finds the page written.
 */
void lrc_write_protect(u64 *pages, u32 nr)
{
	u32 i, run;

	sort(pages, nr, sizeof(*pages), lrc_u64_cmp, NULL);
	for (i = 0; i < nr; i++)
		lrc_wp_state(pages[i]);
	for (run = 0, i = 1; i <= nr; i++) {
		if (i < nr && pages[i] == pages[i - 1] + 1)
			continue;
		dsm_wrprotect_range(pages[run], pages[i - 1] - pages[run] + 1);
		run = i;
	}
}

void lrc_wp_work_fn(struct work_struct *work)
{
	struct lrc_wp *wp;

	for (;;) {
		spin_lock(&lrc.wait_lock);
		wp = list_first_entry_or_null(&lrc.wp_list, struct lrc_wp,
					      list);
		if (wp)
			list_del(&wp->list);
		spin_unlock(&lrc.wait_lock);
		if (!wp)
			return;
		lrc_write_protect(wp->pages, wp->nr);
		kfree(wp);
	}
}

/* The order in which wants are applied: interval 0 first, then cmp. */
struct lrc_apply {
	const struct dsm_interval *iv;
	struct lrc_want *w;
};

static int lrc_apply_cmp(const void *a, const void *b)
{
	const struct lrc_apply *x = a, *y = b;

	if (!x->iv || !y->iv)
		return x->iv ? 1 : y->iv ? -1 : 0;
	return dsm_interval_cmp(x->iv, y->iv);
}

/*
 * Under lrc.lock, folio locked, @f applied to @pg: drop the notices of
 * the diffs applied and of those lost with their node (each once: the
 * notice goes; one log line per page and node); later ones stay pending.
 */
static void lrc_unpend_locked(struct dsm_pg *pg, struct lrc_pg *lp,
			      struct lrc_fetch *f)
{
	u32 i, j, lost = 0;

	lockdep_assert_held(&lrc.lock);
	for (i = 0; i < f->nr_wants; i++) {
		struct lrc_want *w = &f->wants[i];

		if (!w->iv) {
			lp->dropped = false;
			continue;
		}
		for (j = 0; j < lp->nr_pending; j++) {
			if (lp->pending[j].creator == w->node &&
			    lp->pending[j].index == w->iv) {
				lp->pending[j] = lp->pending[--lp->nr_pending];
				lrc_data_add(-(s64)sizeof(struct lrc_notice));
				lost += w->lost;
				break;
			}
		}
		/* Sorted by node: log once the last of a node's is seen. */
		if (lost && (i + 1 == f->nr_wants ||
			     f->wants[i + 1].node != w->node)) {
			dsm_stat_add(DSM_STAT_LRC_DIFFS_LOST, lost);
			pr_warn_ratelimited("page %llu: %u diffs of node %u lost (node down, never fetched here): the page holds the other writers' changes\n",
					    pg->pgno, lost, w->node);
			lost = 0;
		}
	}
}

/* Pairs of concurrent diffs compared per page fetch, at most. */
#define LRC_SHARE_SAMPLES	8

/*
 * Under lrc.lock: the @k diffs in @order were applied to page @pgno: count
 * them in its hot table, and compare the blocks of pairs of them written
 * concurrently (neither interval before the other) by different nodes:
 * disjoint blocks are false sharing (Documentation/sharing.md).
 */
static void lrc_apply_share(u64 pgno, const struct lrc_apply *order, u32 k)
{
	u32 i, j, samples = 0;
	u64 writers = 0;

	lockdep_assert_held(&lrc.lock);
	for (i = 0; i < k; i++)
		if (order[i].iv)
			writers |= BIT_ULL(order[i].w->node);
	dsm_hot_count(pgno, k, 0, writers);
	for (i = 1; i < k && samples < LRC_SHARE_SAMPLES; i++) {
		for (j = 0; j < i && samples < LRC_SHARE_SAMPLES; j++) {
			const struct lrc_apply *a = &order[j], *b = &order[i];

			if (!a->iv || !b->iv || a->w->node == b->w->node ||
			    dsm_vt_compare(&a->iv->vt, &b->iv->vt) !=
			    DSM_VT_CONCURRENT)
				continue;
			dsm_hot_concurrent(pgno, a->w->node,
					   dsm_diff_blocks(a->w->diff),
					   b->w->node,
					   dsm_diff_blocks(b->w->diff));
			samples++;
		}
	}
}

/*
 * Folio locked: apply the fetched diffs of @f to @pg in VT order, drop
 * their notices and those of diffs lost with their node. Return: 0 or a
 * negative errno.
 */
int lrc_apply(struct dsm_pg *pg, struct lrc_pg *lp,
	      struct lrc_fetch *f)
{
	struct lrc_apply *order;
	u32 i, k = 0;
	void *p;
	int ret = 0;

	VM_WARN_ON_ONCE_FOLIO(!folio_test_locked(pg->folio), pg->folio);
	order = kmalloc_array(max(f->nr_wants, 1U), sizeof(*order),
			      GFP_KERNEL);
	if (!order)
		return -ENOMEM;
	/*
	 * Own changes out of the twin first: it takes the others' now; an
	 * open twin takes them too, so the kept twins it ends go first.
	 */
	if (lp->twin && lrc_iv_closed(lp->twin_iv))
		ret = lrc_make_diff(pg, lp);
	else
		ret = lrc_make_kept_diffs(lp, U32_MAX);
	if (ret)
		goto out;
	mutex_lock(&lrc.lock);
	for (i = 0; i < f->nr_wants; i++) {
		struct lrc_want *w = &f->wants[i];

		if (w->lost)
			continue;
		order[k].w = w;
		order[k].iv = w->iv ? dsm_ilog_find(&lrc.iset.log[w->node],
						   w->iv) : NULL;
		if (w->iv && !order[k].iv) {
			ret = -ESTALE;
			goto unlock;
		}
		k++;
	}
	sort(order, k, sizeof(*order), lrc_apply_cmp, NULL);
	p = kmap_local_folio(pg->folio, 0);
	for (i = 0; i < k && !ret; i++) {
		struct lrc_want *w = order[i].w;

		if (!w->iv) {
			memset(p, 0, DSM_PAGE_SIZE);
			if (lp->twin)
				memset(lp->twin, 0, DSM_PAGE_SIZE);
		}
		ret = dsm_diff_apply(p, w->diff, w->len);
		/* The twin keeps only own changes against it. */
		if (!ret && lp->twin)
			ret = dsm_diff_apply(lp->twin, w->diff, w->len);
		if (ret)
			break;
		dsm_stat_inc(DSM_STAT_LRC_DIFFS_APPLIED);
		dsm_stat_add(DSM_STAT_LRC_DIFF_BYTES_APPLIED, w->len);
	}
	kunmap_local(p);
	if (!ret)
		lrc_apply_share(pg->pgno, order, k);
	if (!ret)
		lrc_unpend_locked(pg, lp, f);
unlock:
	mutex_unlock(&lrc.lock);
out:
	kfree(order);
	return ret;
}

/*
 * Under lrc.lock, folio locked: copy @pg to a new twin for interval
 * @open; a closed twin, if any, is kept for its diff, which the new one
 * ends (lrc_keep_twin(): one diff per interval, made when first needed;
 * a diff of several own intervals, applied by a node for a later one of
 * them, would put the earlier ones' bytes back over a newer write of
 * another node, Documentation/lrc.md "One diff per interval",
 * lrc.own_write_kept). Unless this node is the only member of the
 * cluster: then no node can ask for the interval's diff, nor send a diff
 * the twin would have to absorb (Documentation/lrc.md, "One node";
 * counted in lrc_twins_skipped), and what it keeps is made a diff now,
 * before writes that no twin sees. Return: 0 or a negative errno.
 */
static int lrc_twin_locked(struct dsm_pg *pg, struct lrc_pg *lp, u32 open)
{
	void *p, *twin;
	int ret;

	lockdep_assert_held(&lrc.lock);
	if (dsm_members_alone()) {
		ret = lrc_make_diff(pg, lp);
		if (!ret)
			dsm_stat_inc(DSM_STAT_LRC_TWINS_SKIPPED);
		return ret;
	}
	twin = lrc_twin_alloc();
	if (!twin)
		return -ENOMEM;
	p = kmap_local_folio(pg->folio, 0);
	dsm_twin_make(twin, p);
	kunmap_local(p);
	if (lp->twin) {
		ret = lrc_keep_twin(pg, lp);
		if (ret) {
			lrc_twin_free(twin);
			return ret;
		}
	}
	lp->twin = twin;
	lp->twin_iv = open;
	dsm_stat_inc(DSM_STAT_LRC_TWINS);
	lrc_data_add(DSM_PAGE_SIZE);
	return 0;
}

/*
 * Folio locked, page valid: record the first write of the open interval.
 * Return: 0 or a negative errno.
 */
int lrc_first_write(struct dsm_pg *pg, struct lrc_pg *lp)
{
	struct lrc_wp *wp = NULL;
	u32 open;
	int ret = 0;

	VM_WARN_ON_ONCE_FOLIO(!folio_test_locked(pg->folio), pg->folio);
	mutex_lock(&lrc.lock);
	/* A restarted node's writes before it joins are dropped there. */
	if (lrc_unjoined())
		goto out;
	open = lrc.vt.c[lrc_self()] + 1;
	if (lp->noted_iv == open)
		goto out;	/* already recorded in this interval */
	if (lrc.nr_open >= DSM_LRC_MAX_NOTICES) {
		wp = lrc_close_locked();
		if (IS_ERR(wp)) {
			ret = PTR_ERR(wp);
			wp = NULL;
			goto out;
		}
		open = lrc.vt.c[lrc_self()] + 1;
	}
	if (!lrc.open) {
		lrc.open = kvmalloc_array(DSM_LRC_MAX_NOTICES, sizeof(u64),
					  GFP_KERNEL);
		if (!lrc.open) {
			ret = -ENOMEM;
			goto out;
		}
	}
	ret = lrc_twin_locked(pg, lp, open);
	if (ret)
		goto out;
	lp->noted_iv = open;
	lp->written = true;
	lrc.open[lrc.nr_open++] = pg->pgno;
out:
	mutex_unlock(&lrc.lock);
	if (wp) {
		/* Other pages' folios: write-protect them from a worker. */
		spin_lock(&lrc.wait_lock);
		list_add_tail(&wp->list, &lrc.wp_list);
		spin_unlock(&lrc.wait_lock);
		schedule_work(&lrc.wp_work);
	}
	return ret;
}

/*
 * model->pg_reset: @pg's region was deleted (folio locked if it has a
 * frame; without one it has no twin and no diffs): forget its twin, own
 * diffs and pending notices, in place (handlers may hold @pg->lrc).
 * Intervals naming the page stay in the interval set: they are facts of
 * the past; a notice of theirs learned later is skipped, the region's
 * range being remembered (dsm_region_was_lrc()).
 */
void lrc_pg_reset(struct dsm_pg *pg)
{
	struct lrc_pg *lp = READ_ONCE(pg->lrc);
	struct lrc_diff *d, *t;
	s64 freed = 0;

	if (!lp)
		return;
	list_for_each_entry_safe(d, t, &lp->diffs, list) {
		freed += d->len;
		list_del(&d->list);
		kfree(d);
	}
	freed += lrc_kept_free(lp, U32_MAX);
	if (lp->twin)
		freed += DSM_PAGE_SIZE;
	lrc_twin_free(lp->twin);
	lp->twin = NULL;
	lp->access = DSM_ACC_NONE;
	WRITE_ONCE(lp->push_to, 0);
	mutex_lock(&lrc.lock);
	lp->twin_iv = 0;
	lp->noted_iv = 0;
	freed += (s64)lp->nr_pending * sizeof(struct lrc_notice);
	kfree(lp->pending);
	lp->pending = NULL;
	lp->nr_pending = 0;
	lp->cap_pending = 0;
	lp->dropped = false;
	lp->copy_from = 0;
	lp->written = false;
	mutex_unlock(&lrc.lock);
	lrc_data_add(-freed);
}

/**
 * lrc_pg_free() - free @pg's lrc state (the model's pg_free, at unload).
 * @pg:	the page.
 */
void lrc_pg_free(struct dsm_pg *pg)
{
	struct lrc_pg *lp = pg->lrc;
	struct lrc_diff *d, *t;

	if (!lp)
		return;
	list_for_each_entry_safe(d, t, &lp->diffs, list)
		kfree(d);
	lrc_kept_free(lp, U32_MAX);
	lrc_twin_free(lp->twin);
	kfree(lp->pending);
	kfree(lp);
	pg->lrc = NULL;
}

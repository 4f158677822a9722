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
 * The diff served for an own interval inside a run whose diff was made
 * (struct lrc_diff @upto): empty, that run's diff holds its changes.
 * Set up once by lrc_empty_init(); never on a page's list.
 */
static struct lrc_diff *lrc_empty;

int lrc_empty_init(void)
{
	const void *zero = page_address(ZERO_PAGE(0));
	int len;

	lrc_empty = kzalloc(struct_size(lrc_empty, data, DSM_DIFF_EMPTY_SIZE),
			    GFP_KERNEL);
	if (!lrc_empty)
		return -ENOMEM;
	len = dsm_diff_create(zero, zero, lrc_empty->data,
			      DSM_DIFF_EMPTY_SIZE);
	if (len < 0) {
		kfree(lrc_empty);
		lrc_empty = NULL;
		return len;
	}
	lrc_empty->len = len;
	INIT_LIST_HEAD(&lrc_empty->list);
	return 0;
}

void lrc_empty_exit(void)
{
	kfree(lrc_empty);
	lrc_empty = NULL;
}

/* Folio locked: is own interval @iv inside a run whose diff was made? */
static bool lrc_diff_covered(struct lrc_pg *lp, u32 iv)
{
	struct lrc_diff *d;

	list_for_each_entry(d, &lp->diffs, list)
		if (d->iv < iv && iv <= d->upto)
			return true;
	return false;
}

/*
 * Folio locked: store the diff of @from against @to as own interval
 * @iv's, holding the changes of own intervals @iv to @upto. Return: 0
 * or a negative errno (nothing stored).
 */
static int lrc_store_diff(struct lrc_pg *lp, const void *from, const void *to,
			  u32 iv, u32 upto)
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
	d->upto = max(iv, upto);
	d->len = len;
	memcpy(d->data, buf, len);
	kfree(buf);
	list_add(&d->list, &lp->diffs);
	dsm_stat_inc(DSM_STAT_LRC_DIFFS_MADE);
	dsm_stat_add(DSM_STAT_LRC_DIFF_BYTES_MADE, len);
	dsm_stat_add(DSM_STAT_LRC_DIFF_MAKE_NS, ktime_get_ns() - start);
	lrc_data_add(len);
	return 0;
}

/*
 * A twin is a whole page from the page allocator, not a kmalloc(4096):
 * the kernels we run on zero every allocation (init_on_alloc=1, Debian's
 * default), and kmalloc-4k zeroes the object and, for a new slab, its
 * pages too.
 */
static void *lrc_twin_alloc(void)
{
	BUILD_BUG_ON(PAGE_SIZE != DSM_PAGE_SIZE);
	return (void *)__get_free_page(GFP_KERNEL);
}

/* Free twin @t (lrc_twin_alloc()), or nothing if NULL. */
void lrc_twin_free(void *t)
{
	free_page((unsigned long)t);
}

/* The open interval of this node. */
static u32 lrc_open_iv(void)
{
	return READ_ONCE(lrc.vt.c[lrc_self()]) + 1;
}

/*
 * Folio locked: end @lp's run (Documentation/lrc.md "Runs"): store the
 * diff of its twin against the page as the diff of the run's first
 * interval (twin_iv), holding every closed own interval of the run; the
 * others of them are served empty (lrc_diff_covered()). If the open
 * interval @open wrote the page too, the twin becomes a copy of the page
 * now and starts the open interval's run: its writes from here on are
 * that run's, those before are in the diff just made. A twin of the open
 * interval alone is no run to end. The page is write-protected first if
 * it is writable, so that no write falls between the diff and the copy.
 * Return: 0 or a negative errno (the run goes on).
 */
static int lrc_cut(struct dsm_pg *pg, struct lrc_pg *lp, u32 open)
{
	u32 last;
	void *p;
	int ret;

	VM_WARN_ON_ONCE_FOLIO(!folio_test_locked(pg->folio), pg->folio);
	if (!lp->twin || lp->twin_iv >= open)
		return 0;
	if (lp->access == DSM_ACC_WRITE) {
		lp->access = DSM_ACC_READ;
		dsm_pg_wrprotect(pg);
	}
	last = min(lp->noted_iv, open - 1);
	p = kmap_local_folio(pg->folio, 0);
	ret = lrc_store_diff(lp, lp->twin, p, lp->twin_iv, last);
	if (!ret && lp->noted_iv == open) {
		memcpy(lp->twin, p, DSM_PAGE_SIZE);
		lp->twin_iv = open;
	}
	kunmap_local(p);
	if (ret || lp->twin_iv == open)
		return ret;
	lrc_twin_free(lp->twin);
	lp->twin = NULL;
	lp->twin_iv = 0;
	lrc_data_add(-(s64)DSM_PAGE_SIZE);
	return 0;
}

/*
 * Folio locked: make the diff of @lp's run of closed intervals, if any
 * (lrc_cut()), so that the page's own changes so far can be served and
 * nothing but own writes is in its twin. Return: 0 or a negative errno.
 */
int lrc_make_diff(struct dsm_pg *pg, struct lrc_pg *lp)
{
	return lrc_cut(pg, lp, lrc_open_iv());
}

/*
 * Folio locked: the diff of own interval @iv of @pg: the stored one, or
 * made now if @iv is in the page's run and closed (lrc_cut()), or the
 * empty diff for an interval inside a run whose diff holds its changes;
 * NULL with *@err 0 (none: the page was not written in @iv, or a
 * collection discarded it) or the errno of making it.
 */
struct lrc_diff *lrc_diff_get(struct dsm_pg *pg, struct lrc_pg *lp, u32 iv,
			      int *err)
{
	u32 open = lrc_open_iv();
	struct lrc_diff *d;

	VM_WARN_ON_ONCE_FOLIO(!folio_test_locked(pg->folio), pg->folio);
	*err = 0;
	d = lrc_diff_find(lp, iv);
	if (d)
		return d;
	if (lp->twin && lp->twin_iv <= iv && iv < open &&
	    iv <= lp->noted_iv) {
		*err = lrc_cut(pg, lp, open);
		if (*err)
			return NULL;
		d = lrc_diff_find(lp, iv);
		if (d)
			return d;
	}
	return lrc_diff_covered(lp, iv) ? lrc_empty : NULL;
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
 * end its run of closed own intervals first (lrc_make_diff()), so that
 * the others' diffs come after its changes. Return: true
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
	used = lp->access != DSM_ACC_NONE;
	lrc_make_diff(pg, lp);
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
 * (in the sorted order of its notices, lrc_close_locked()): each page's
 * state first, then its frames, a run of consecutive pages at a time
 * (dsm_wrprotect_range()). A write through
 * an entry still writable in between belongs to the interval that
 * ended, as any write before its write protection does; a first write
 * of the next interval that maps a page anew in between is recorded,
 * and being write-protected again costs it one more .page_mkwrite,
 * which finds the page written.
 */
void lrc_write_protect(u64 *pages, u32 nr)
{
	u32 i, run;

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
	 * Own changes out of the twin first (the run ends: the others'
	 * diffs come between it and later own writes); the twin of the
	 * open interval alone takes the others' diffs too.
	 */
	ret = lrc_make_diff(pg, lp);
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
 * May @pg's run grow into one more own interval (Documentation/lrc.md
 * "Runs")? Not in a region with a backup: each release makes its
 * intervals' diffs for the backup anyway. Not while a barrier of this
 * node may still collect (lrc.runs_off): a run that reached into the
 * interval after the collection's point would have nothing to tell that
 * interval's writes from the collected ones.
 */
static bool lrc_run_may_grow(struct dsm_pg *pg)
{
	return !READ_ONCE(lrc.runs_off) &&
	       !dsm_region_replicated(pg->pgno << PAGE_SHIFT);
}

/*
 * Under lrc.lock, folio locked: the first write of open interval @open
 * to @pg. A page whose twin's run may grow keeps that twin: its diff,
 * made when some node first needs it, holds this interval's writes too
 * (counted in lrc_twins_kept). Otherwise the run ends here (its diff
 * made now) and a new twin, a copy of the page, starts the next. Unless
 * this node is the only member of the cluster: then no node can ask for
 * the interval's diff, nor send a diff the twin would have to absorb
 * (Documentation/lrc.md, "One node"; counted in lrc_twins_skipped), and
 * a run it has is made a diff now, before writes that no twin sees.
 * Return: 0 or a negative errno.
 */
static int lrc_twin_locked(struct dsm_pg *pg, struct lrc_pg *lp, u32 open)
{
	void *p, *twin;
	int ret;

	lockdep_assert_held(&lrc.lock);
	if (dsm_members_alone()) {
		ret = lrc_cut(pg, lp, open);
		if (!ret)
			dsm_stat_inc(DSM_STAT_LRC_TWINS_SKIPPED);
		return ret;
	}
	if (lp->twin) {
		if (lrc_run_may_grow(pg)) {
			dsm_stat_inc(DSM_STAT_LRC_TWINS_KEPT);
			return 0;
		}
		ret = lrc_cut(pg, lp, open);
		if (ret)
			return ret;
	}
	twin = lrc_twin_alloc();
	if (!twin)
		return -ENOMEM;
	p = kmap_local_folio(pg->folio, 0);
	dsm_twin_make(twin, p);
	kunmap_local(p);
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
	lrc_twin_free(lp->twin);
	kfree(lp->pending);
	kfree(lp);
	pg->lrc = NULL;
}

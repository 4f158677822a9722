// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_lrc_gc.c - lrc garbage collection: when a barrier release asks for
 * it, make the pages this node wrote complete, agree with the others
 * (GC_DONE) and discard the intervals, diffs, twins and notices every node
 * has applied. Also the threshold above which a node asks for one.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": lrc: " fmt

#include <linux/completion.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "dsm_lrc.h"

static unsigned long lrc_gc_threshold = 64UL << 20;
module_param(lrc_gc_threshold, ulong, 0644);
MODULE_PARM_DESC(lrc_gc_threshold,
		 "lrc consistency data (intervals, twins, diffs, notices) in bytes above which a node asks for a garbage collection at the next barrier (default 64 MiB)");

/* Is the consistency data held here above lrc_gc_threshold? */
bool lrc_gc_wanted(void)
{
	return atomic64_read(&lrc.data_bytes) > READ_ONCE(lrc_gc_threshold);
}

/*
 * Garbage collection (Documentation/lrc.md "Garbage collection"), run by
 * the barrier call whose release carried MGR_F_GC, under bar_mutex:
 *
 * 1. validate: every page this node wrote since the last collection gets
 *    the diffs it lacks of the intervals up to the release's VT (gc_vt;
 *    every node knows all of them once the release is applied), and the
 *    twins of closed intervals become diffs;
 * 2. GC_DONE round through the barrier manager: when it answers, every
 *    node has validated, so nobody will ask for a diff up to gc_vt again;
 * 3. discard every interval, diff, twin and pending notice up to gc_vt.
 *    A page with such notices that this node did not write is dropped:
 *    its next miss fetches it whole from one of their writers (which
 *    validated it in step 1) as interval 0, then the later diffs.
 *
 * What is newer than gc_vt (a lock taken by another process of this node
 * meanwhile, an interval open now) is kept: the intervals set continues
 * from gc_vt + 1, and lrc_missing_locked() treats everything up to it as
 * applied.
 */

/* Rounds of step 1 at most (a round waits for every fetch it started). */
#define LRC_GC_TRIES		3

/* The lrc pages of this node at a collection. */
struct lrc_gc_pages {
	struct dsm_pg **pgs;
	u32 nr;
	u32 cap;
	int err;
};

/* dsm_mem_for_each() callback: collect the pages with lrc state. */
static void lrc_gc_collect(struct dsm_pg *pg, void *arg)
{
	struct lrc_gc_pages *g = arg;
	struct dsm_pg **p;
	u32 cap;

	if (g->err || !READ_ONCE(pg->lrc))
		return;
	if (g->nr == g->cap) {
		cap = max(64U, g->cap * 2);
		p = kvmalloc_array(cap, sizeof(*p), GFP_KERNEL);
		if (!p) {
			g->err = -ENOMEM;
			return;
		}
		if (g->nr)
			memcpy(p, g->pgs, g->nr * sizeof(*p));
		kvfree(g->pgs);
		g->pgs = p;
		g->cap = cap;
	}
	g->pgs[g->nr++] = pg;
}

/* Under lrc.lock: does @lp have a pending notice at or below @gvt? */
static bool lrc_gc_stale_locked(const struct lrc_pg *lp,
				const struct dsm_vt *gvt)
{
	u32 i;

	lockdep_assert_held(&lrc.lock);
	for (i = 0; i < lp->nr_pending; i++)
		if (lp->pending[i].index <=
		    dsm_vt_get(gvt, lp->pending[i].creator))
			return true;
	return false;
}

/**
 * lrc_keeper() - who keeps a valid copy of writer @c's pages.
 * @c:		the writer.
 * @live:	the live members (dsm_members_live()).
 * @replicated:	the page is in a region with backups.
 *
 * Its backup, dsm_backup_of() of @live, as the writer chose it and as a
 * fault asks it (lrc_want_backup()). At every collection it makes the
 * pages @c wrote valid too (step 1), so that a copy of them outlives the
 * writer; when @c is lost it is their copy_from in step 3, and after
 * (Documentation/lrc.md "Failures: pages and barriers"). Does not sleep.
 *
 * Return: that node; DSM_NODES_MAX if nobody keeps @c's diffs.
 */
u32 lrc_keeper(u32 c, u64 live, bool replicated)
{
	if (!replicated)
		return DSM_NODES_MAX;
	return dsm_backup_of(c, live, DSM_NODES_MAX);
}

/*
 * Under lrc.lock: does @lp have a pending notice at or below @gvt of a
 * writer whose pages this node keeps (lrc_keeper())?
 */
static bool lrc_gc_keeps_locked(const struct lrc_pg *lp,
				const struct dsm_vt *gvt, u64 live,
				bool replicated)
{
	const struct lrc_notice *n;
	u32 i;

	lockdep_assert_held(&lrc.lock);
	for (i = 0; i < lp->nr_pending; i++) {
		n = &lp->pending[i];
		if (n->index <= dsm_vt_get(gvt, n->creator) &&
		    lrc_keeper(n->creator, live, replicated) == lrc_self())
			return true;
	}
	return false;
}

/*
 * Step 1: make every page written here since the last collection hold
 * every change up to @gvt, and so every page written by a node whose
 * backup this is (lrc_keeper(): a lost writer cannot make its own valid,
 * and a live one's copy must outlive it); fetches run in parallel (one
 * request per page, through the fault machinery: a fault in flight is
 * joined). Return: 0 or a negative errno (-EINTR on a fatal signal).
 */
static int lrc_gc_validate(struct lrc_gc_pages *g, const struct dsm_vt *gvt)
{
	struct dsm_req **reqs;
	u32 i, n = 0, round;
	u64 live;
	int ret = 0, err;
	long left;

	reqs = kvmalloc_array(max(g->nr, 1U), sizeof(*reqs), GFP_KERNEL);
	if (!reqs)
		return -ENOMEM;
	live = dsm_members_live();
	for (round = 0; round < LRC_GC_TRIES && !ret; round++) {
		n = 0;
		for (i = 0; i < g->nr && !ret; i++) {
			struct dsm_pg *pg = g->pgs[i];
			struct lrc_pg *lp = pg->lrc;
			struct dsm_req *req = NULL;
			bool want, rep;

			/* Only notices need it (a region lookup: a mutex). */
			rep = READ_ONCE(lp->nr_pending) &&
			      dsm_region_replicated(pg->pgno << PAGE_SHIFT);
			mutex_lock(&lrc.lock);
			want = (lp->written &&
				(lp->dropped || lrc_gc_stale_locked(lp, gvt))) ||
			       lrc_gc_keeps_locked(lp, gvt, live, rep);
			mutex_unlock(&lrc.lock);
			if (!want)
				continue;
			err = lrc_access(pg, DSM_ACC_NONE, &req);
			if (!err) {
				folio_unlock(pg->folio);
				continue;
			}
			if (err == -EINPROGRESS) {
				/* The worker consumes one reference. */
				kref_get(&req->ref);
				dsm_req_start_async(req);
			} else if (err != -EAGAIN) {
				ret = err;
				break;
			}
			reqs[n++] = req;
		}
		for (i = 0; i < n; i++) {
			/* lrc_start() is bounded by the fault timeout. */
			left = wait_for_completion_killable_timeout(&reqs[i]->done,
								    2 * dsm_fault_timeout());
			err = left < 0 ? -EINTR : !left ? -ETIMEDOUT :
			      reqs[i]->err;
			if (err && !ret)
				ret = err;
			dsm_req_put(reqs[i]);
		}
		if (!n)
			break;
	}
	kvfree(reqs);
	if (!ret && n)
		ret = -EAGAIN;	/* still not valid after the last round */
	/*
	 * No diff is made here: the others' step 1 asks for the few it
	 * needs, made from the twins when asked (lrc_diff_get(), as for
	 * any DIFF_REQ); step 3 frees the rest undiffed.
	 */
	return ret;
}

/*
 * Step 2, under lrc.bar_mutex (lrc.bw is the barrier's): GC_DONE to the
 * barrier manager, wait for its answer. Every node is in this round right
 * after the release (no program is waited for), so the wait is bounded by
 * mgr_timeout_ms: -ETIMEDOUT, and the data is kept.
 */
static int lrc_gc_done(u32 id)
{
	u64 cookie = dsm_next_req_id();
	long left;
	int ret;

	lockdep_assert_held(&lrc.bar_mutex);
	lrc_bw_begin(cookie, id, dsm_members_barrier_mgr(), true);
	ret = dsm_nl_mgr_request(DSM_MGR_GC_DONE, cookie, id, 0, NULL, 0);
	if (!ret) {
		left = wait_for_completion_killable_timeout(&lrc.bw.done,
							    lrc_mgr_timeout());
		if (left < 0) {
			ret = -EINTR;
		} else if (!left) {
			dsm_stat_inc(DSM_STAT_LRC_MGR_TIMEOUTS);
			ret = -ETIMEDOUT;
		}
	}
	return lrc_bw_end(ret, NULL);
}

/* Under lrc.lock: drop the intervals up to @gvt. Return: bytes freed. */
static u64 lrc_gc_trim_locked(const struct dsm_vt *gvt)
{
	const struct dsm_interval *iv;
	u64 freed = 0;
	u32 c, upto;

	lockdep_assert_held(&lrc.lock);
	for (c = 0; c < LRC_NR_NODES; c++) {
		struct dsm_ilog *log = &lrc.iset.log[c];

		upto = dsm_vt_get(gvt, c);
		while (log->count && log->first <= upto) {
			iv = dsm_ilog_find(log, log->first);
			freed += sizeof(*iv) + iv->nr_notices * sizeof(u64);
			kfree(iv->notices);
			dsm_ilog_trim(log, log->first);
		}
		/* Never learned here: discarded all the same. */
		if (log->first <= upto)
			log->first = upto + 1;
	}
	dsm_vt_merge(&lrc.gc_vt, gvt);
	return freed;
}

/*
 * Step 3 found on @pg @nr notices of lost nodes, never applied here: their
 * diffs are lost (Documentation/lrc.md "Failures"). The page is dropped
 * for a copy_from that is up, or, with none, stays as it is.
 */
static void lrc_gc_lost(struct dsm_pg *pg, u32 nr)
{
	dsm_stat_add(DSM_STAT_LRC_DIFFS_LOST, nr);
	pr_warn_ratelimited("page %llu: %u diffs of a node down lost at a collection: the page holds the other writers' changes\n",
			    pg->pgno, nr);
}

/*
 * Under lrc.lock, step 3 for the pending notices of @lp up to @gvt: drop
 * them, adding their size to @freed and the lost node's ones nobody
 * stands in for to @lost. @rep: the page's region has backups. Return:
 * the node to fetch the page from when it is dropped, or -1. A lost node
 * is never that (the barrier did not wait for it): its backup is, which
 * validated the page in step 1. Without one (or if that is this node,
 * which could not) its diffs not fetched are lost.
 */
static int lrc_gc_notices_locked(struct lrc_pg *lp, const struct dsm_vt *gvt,
				 bool rep, u64 *freed, u32 *lost)
{
	u64 live = dsm_members_live();
	u32 i, k, keeper;
	int from = -1;

	lockdep_assert_held(&lrc.lock);
	for (i = k = 0; i < lp->nr_pending; i++) {
		struct lrc_notice *n = &lp->pending[i];

		if (n->index > dsm_vt_get(gvt, n->creator)) {
			lp->pending[k++] = *n;
			continue;
		}
		*freed += sizeof(*n);
		if (!lrc_iv_out(n->creator, n->index)) {
			from = n->creator;
			continue;
		}
		keeper = lrc_keeper(n->creator, live, rep);
		if (keeper < DSM_NODES_MAX && keeper != lrc_self())
			from = keeper;
		else
			(*lost)++;
	}
	lp->nr_pending = k;
	if (!k) {
		kfree(lp->pending);
		lp->pending = NULL;
		lp->cap_pending = 0;
	}
	return from;
}

/*
 * Step 3 for one page: drop its diffs, twin and pending notices up to
 * @gvt (lrc_gc_notices_locked()). Return: bytes freed.
 */
static u64 lrc_gc_page(struct dsm_pg *pg, const struct dsm_vt *gvt)
{
	u32 mine = dsm_vt_get(gvt, lrc_self());
	struct lrc_pg *lp = pg->lrc;
	/*
	 * Only notices need it; those up to @gvt were all queued before the
	 * collection, so one seen none of them here needs no lookup.
	 */
	bool rep = READ_ONCE(lp->nr_pending) &&
		   dsm_region_replicated(pg->pgno << PAGE_SHIFT);
	struct folio *folio = dsm_pg_folio(pg);
	struct lrc_diff *d, *t;
	bool drop = false;
	u64 freed = 0;
	u32 lost = 0;
	int from;

	if (folio)
		folio_lock(folio);
	list_for_each_entry_safe(d, t, &lp->diffs, list) {
		if (d->iv > mine)
			continue;
		list_del(&d->list);
		freed += d->len;
		kfree(d);
	}
	/*
	 * A run that began at or before the collection: its changes are in
	 * the page, valid, and everywhere: the twin is moot. No run grows
	 * past a barrier that may collect (lrc.runs_off): one that did
	 * mixes the next interval's writes with collected ones, and is
	 * kept as that interval's, so that no write is lost.
	 */
	if (lp->twin && lp->twin_iv <= mine) {
		if (WARN_ON_ONCE(lp->noted_iv > mine)) {
			lp->twin_iv = mine + 1;
		} else {
			lrc_twin_free(lp->twin);
			lp->twin = NULL;
			lp->twin_iv = 0;
			freed += DSM_PAGE_SIZE;
		}
	}
	mutex_lock(&lrc.lock);
	from = lrc_gc_notices_locked(lp, gvt, rep, &freed, &lost);
	if (from >= 0) {
		/*
		 * Not written here (or, after a race with step 1, written
		 * but with nothing of its own left to keep): the writer
		 * @from made its copy complete in step 1.
		 */
		if (!lp->written || !lp->twin) {
			lp->dropped = true;
			lp->copy_from = from;
			drop = true;
		} else {
			pr_warn_ratelimited("page %llu: written here and not valid at the collection\n",
					    pg->pgno);
		}
	}
	if (lost)
		lrc_gc_lost(pg, lost);
	/* Own data newer than the collection keeps it "written". */
	lp->written = lp->twin || !list_empty(&lp->diffs);
	mutex_unlock(&lrc.lock);
	if (folio) {
		if (drop) {
			lp->access = DSM_ACC_NONE;
			dsm_pg_zap(pg);
		}
		folio_unlock(folio);
	}
	return freed;
}

/**
 * lrc_join_vt_locked() - this node joins lrc at a collecting barrier.
 * @vt:	the release's timestamp (DSM_MGR_F_JOIN: it carries no interval).
 *
 * Under lrc.lock. A node added at run time knows no interval of the
 * others, and needs none: the collection of this barrier discards every
 * one up to @vt everywhere. Its timestamp becomes @vt, and the collection
 * makes it a member (lrc_gc_join()). A restarted node (its entry in @vt
 * above its own: the others knew its old incarnation) made no interval
 * (lrc_unjoined()) and goes on after that entry (dsm_lrc_rejoin.c).
 * Refused (-EPROTO) on a node that joined already, knows intervals of
 * others, or made intervals the members did not take (a restarted node
 * that wrote before it learned that it restarted).
 *
 * Return: 0 or -EPROTO.
 */
int lrc_join_vt_locked(const struct dsm_vt *vt)
{
	u32 self = lrc_self(), own = dsm_vt_get(&lrc.vt, self), k;

	lockdep_assert_held(&lrc.lock);
	for (k = 0; k < LRC_NR_NODES; k++)
		if (k != self && dsm_vt_get(&lrc.vt, k))
			break;
	if (READ_ONCE(lrc.join_from) || k < LRC_NR_NODES) {
		pr_warn("a release says this node joins lrc, but it took part before: refused\n");
		return -EPROTO;
	}
	if (own && own != dsm_vt_get(vt, self)) {
		pr_warn("a release says this node joins lrc after its interval %u, but it made %u the members did not take (it wrote before it learned that it restarted; reload dsm.ko): refused\n",
			dsm_vt_get(vt, self), own);
		return -EPROTO;
	}
	lrc_rejoin_floor_locked(dsm_vt_get(vt, self));
	lrc.join_pending = true;
	return 0;
}

/**
 * lrc_gc_rekeep() - a page a collection dropped to be copied from node @n
 * is asked of @n's backup instead.
 * @n:	a node lost here, back in lrc as a new incarnation.
 *
 * Such a page was to come from @n's old incarnation; its backup validated
 * it at that collection (lrc_keeper(), lrc_rekeep_locked(): before @n is
 * back, while it is still out). Without one (replicas 0) the page stays
 * so: the new incarnation has no copy (ESTALE) and the fault fails, as it
 * did while the node was down. Sleeps.
 */
void lrc_gc_rekeep(u32 n)
{
	struct lrc_gc_pages g = {};
	u64 live = dsm_members_live();
	u32 i, keeper, moved = 0;

	dsm_mem_for_each(lrc_gc_collect, &g);
	for (i = 0; i < g.nr; i++) {
		struct dsm_pg *pg = g.pgs[i];
		struct lrc_pg *lp = pg->lrc;

		if (!READ_ONCE(lp->dropped) || READ_ONCE(lp->copy_from) != n)
			continue;
		/* Outside lrc.lock: the region lookup takes a mutex. */
		keeper = lrc_keeper(n, live,
				    dsm_region_replicated(pg->pgno << PAGE_SHIFT));
		mutex_lock(&lrc.lock);
		moved += lrc_rekeep_locked(lp, pg->pgno, n, keeper);
		mutex_unlock(&lrc.lock);
	}
	kvfree(g.pgs);
	if (g.err)
		pr_warn("node %u is back: out of memory listing the pages to copy from its backup: some may fail\n",
			n);
	if (moved)
		pr_info("node %u is back: %u pages to copy from it before are asked of its backup\n",
			n, moved);
}

/*
 * The collection of the barrier where this node joined is over: from now
 * on every page it has or makes is fetched whole from a member of then
 * (lrc.join_from: lrc_pg_of(), lrc_join_next()), the ones it has now
 * dropped too. What this node wrote before it joined is not kept
 * (Documentation/lrc.md, "Joining at run time").
 */
static void lrc_gc_join(void)
{
	u64 from = lrc_live() & ~BIT_ULL(lrc_self());
	struct lrc_gc_pages g = {};
	struct lrc_pg *lp;
	u32 i;

	mutex_lock(&lrc.lock);
	lrc.join_pending = false;
	mutex_unlock(&lrc.lock);
	if (!from) {
		pr_warn("joined lrc with no other member up\n");
		return;
	}
	WRITE_ONCE(lrc.join_from, from);
	dsm_mem_for_each(lrc_gc_collect, &g);
	for (i = 0; i < g.nr; i++) {
		struct dsm_pg *pg = g.pgs[i];
		struct folio *folio = dsm_pg_folio(pg);

		lp = pg->lrc;
		if (folio)
			folio_lock(folio);
		mutex_lock(&lrc.lock);
		lp->dropped = true;
		lp->copy_from = __ffs64(from);
		mutex_unlock(&lrc.lock);
		if (folio) {
			lp->access = DSM_ACC_NONE;
			dsm_pg_zap(pg);
			folio_unlock(folio);
		}
	}
	kvfree(g.pgs);
	if (g.err)
		pr_warn("joining lrc: out of memory marking the pages: some may hold no copy\n");
	pr_info("joined lrc: pages are fetched from nodes %#llx\n", from);
}

/*
 * Under lrc.bar_mutex: a collecting barrier @id was released (its
 * intervals are applied, its VT is lrc.bar_vt). Return: 0, or why the
 * collection failed (the data is then kept here; the other nodes may have
 * discarded theirs, and a later miss that needs it fails with SIGBUS and
 * one log line).
 */
int lrc_gc(u32 id)
{
	struct lrc_gc_pages g = {};
	struct dsm_vt gvt;
	u64 freed = 0;
	bool join;
	int ret, err;
	u32 i;

	lockdep_assert_held(&lrc.bar_mutex);
	mutex_lock(&lrc.lock);
	gvt = lrc.bar_vt;
	mutex_unlock(&lrc.lock);
	dsm_mem_for_each(lrc_gc_collect, &g);
	ret = g.err;
	if (!ret)
		ret = lrc_gc_validate(&g, &gvt);
	if (ret && ret != -EINTR)
		pr_warn("barrier %u: garbage collection: cannot validate the pages written here (%d); data kept\n",
			id, ret);
	/* The others wait for every GC_DONE: send it after a failure too. */
	err = lrc_gc_done(id);
	if (err && !ret) {
		ret = err;
		if (err != -EINTR)
			pr_warn("barrier %u: garbage collection: GC_DONE failed (%d); data kept\n",
				id, err);
	}
	if (!ret) {
		mutex_lock(&lrc.lock);
		freed = lrc_gc_trim_locked(&gvt);
		mutex_unlock(&lrc.lock);
		for (i = 0; i < g.nr; i++)
			freed += lrc_gc_page(g.pgs[i], &gvt);
		/* Backups drop what the collection discards. */
		freed += lrc_backup_gc(&gvt);
		lrc_data_add(-(s64)freed);
		dsm_stat_inc(DSM_STAT_LRC_GC_RUNS);
		dsm_stat_add(DSM_STAT_LRC_GC_BYTES_FREED, freed);
		pr_debug("barrier %u: garbage collected, %llu bytes freed\n",
			 id, freed);
	}
	kvfree(g.pgs);
	mutex_lock(&lrc.lock);
	join = lrc.join_pending;
	mutex_unlock(&lrc.lock);
	/* Whether or not the collection worked: nothing here is a copy. */
	if (join)
		lrc_gc_join();
	return ret;
}

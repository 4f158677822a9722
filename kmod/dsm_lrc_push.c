// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_lrc_push.c - pushed diffs (Documentation/lrc.md "Pushed diffs",
 * wire version 14). lrc fetches lazily: a page a barrier's release
 * invalidated is fetched after the release, a round trip to each writer
 * while the program waits. An iterative program reads the same pages of
 * the same writers at every step, so the writer, which learns who reads
 * its pages from their DIFF_REQs, sends the diffs of the interval a
 * barrier arrival ends to those readers (DIFF_PUSH) before it arrives:
 * by the time the release makes the pages invalid the diffs are there,
 * and the reader's fetch takes them from its store without a message.
 * A lock grant likewise goes after the diffs of the granting node's
 * intervals the acquirer lacks, of the pages the acquirer reads, on the
 * same link: the acquirer's prefetch at the grant finds them. After the
 * grant, the intervals it handed over go to the pages' other readers
 * too (once each): they learn them with their next grant or barrier.
 *
 * Writer: struct lrc_pg @push_to holds the nodes whose DIFF_REQs for
 * the page's diffs it served (dsm_lrc_serve.c), until one of them
 * answers a push with NACK(ENOENT): it did not use the last ones.
 *
 * Reader: a store of the diffs pushed to it, by page, bounded by
 * lrc_push_max_kb; a fetch takes the diffs it wants from it
 * (lrc_push_take()); what nobody will take is dropped at the next
 * barrier (lrc_push_sweep()), with its writer's when the writer goes
 * down. A pushed diff is the writer's one diff of that interval, the
 * one it serves to a DIFF_REQ (it makes each once), so taking it is
 * the same as asking; a push is only a hint and may be dropped.
 *
 * Locking: push.send_mutex (one push at a time; the buffer, others_iv)
 * inside lrc.bar_mutex (a barrier's push; a grant's and the learned
 * pushes' work item hold no lock), outside the folio locks. push.lock
 * (the store) outside lrc.lock, never under a folio lock. push.jobs_lock
 * (a spinlock, the learned pushes' queue) innermost, nothing taken under
 * it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": lrc: " fmt

#include <linux/bsearch.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/vmalloc.h>

#include "dsm_lrc.h"

static bool lrc_push = true;
module_param(lrc_push, bool, 0644);
MODULE_PARM_DESC(lrc_push,
		 "at a barrier arrival and a lock grant, push the diffs of the intervals they hand over to the nodes that asked for those pages before (default Y)");

static unsigned int lrc_push_max_kb = 16384;
module_param(lrc_push_max_kb, uint, 0644);
MODULE_PARM_DESC(lrc_push_max_kb,
		 "Most memory kept of the diffs other nodes pushed here, KiB (default 16384); beyond, pushes are dropped and fetched when needed");

/*
 * A push for an interval this far beyond the writer's last one known
 * here is dropped: the store keeps only what a coming release can name.
 */
#define LRC_PUSH_AHEAD		4096

/*
 * A reader refuses a page's push once this many earlier pushes of it
 * from the same writer wait here untaken, their notices learned and
 * still pending (the page not read since): one is a page read less often
 * than its writer releases (water's forces: a barrier's interval and a
 * lock's, read once a step), two a page no longer read.
 */
#define LRC_PUSH_UNTAKEN	2

/* One diff pushed here: writer @w's interval @iv of the page. */
struct lrc_pushed {
	struct list_head list;
	u16 w;
	u32 iv;
	u32 len;
	u8 data[];
};

/**
 * struct lrc_push_state - both sides.
 * @send_mutex:	one push at a time on this node; guards @buf.
 * @buf:	the DIFF_PUSH being built, DSM_WIRE_MAX_MSG bytes, made at
 *		the first push and kept (as the backup's buffer).
 * @lock:	mutex over @pages and @bytes; outside lrc.lock.
 * @pages:	page number -> struct list_head of struct lrc_pushed.
 * @bytes:	bytes held in @pages (read without @lock: READ_ONCE).
 * @others_iv:	the latest own interval pushed to every reader at a
 *		grant (under @send_mutex).
 * @jobs_lock:	spinlock over @jobs; innermost.
 * @jobs:	struct lrc_push_job lists of own diffs other writers of the
 *		pages lack, for @learn_work.
 * @learn_work:	pushes them (lrc_push_learned()).
 */
static struct lrc_push_state {
	struct mutex send_mutex;	/* see above */
	u8 *buf;
	u32 others_iv;
	spinlock_t jobs_lock;		/* see above */
	struct list_head jobs;
	struct work_struct learn_work;
	struct mutex lock;		/* see above */
	struct xarray pages;
	u64 bytes;
} push;

/* ------------------------------------------------------------ writer */

/*
 * Folio locked: node @src asked for the diffs of @lp's page: push it the
 * next ones.
 */
void lrc_push_note(struct dsm_pg *pg, struct lrc_pg *lp, u32 src)
{
	VM_WARN_ON_ONCE_FOLIO(!folio_test_locked(pg->folio), pg->folio);
	if (src < DSM_NODES_MAX && src != lrc_self())
		WRITE_ONCE(lp->push_to, lp->push_to | BIT_ULL(src));
}

/* NACK of a DIFF_PUSH: its sender did not use the page's last push. */
void lrc_push_nack(const struct dsm_msg *m)
{
	struct dsm_pg *pg = dsm_pg_find(m->u.nack.arg);
	struct lrc_pg *lp = pg ? READ_ONCE(pg->lrc) : NULL;

	if (!lp || !dsm_pg_folio(pg))
		return;
	folio_lock(pg->folio);
	if (lp->push_to & BIT_ULL(m->hdr.src)) {
		WRITE_ONCE(lp->push_to, lp->push_to & ~BIT_ULL(m->hdr.src));
		dsm_stat_inc(DSM_STAT_LRC_PUSH_STOPPED);
	}
	folio_unlock(pg->folio);
}

/* lrc_iv_diffs() @want: pages @dst reads (@arg: their push_to masks). */
static bool lrc_push_want(const struct lrc_ivd *d, u32 i)
{
	const u64 *masks = d->arg;

	return masks[i] & BIT_ULL(d->dst);
}

/* lrc_iv_diffs() @send, under push.send_mutex: a DIFF_PUSH, not acked. */
static int lrc_push_send(const struct lrc_ivd *d, int len, u32 nr)
{
	lockdep_assert_held(&push.send_mutex);
	if (!dsm_msg_send_buf(d->dst, DSM_MSG_DIFF_PUSH, d->buf, len))
		dsm_stat_inc(DSM_STAT_LRC_PUSH_SENT);
	return 0;	/* the next message may go */
}

/*
 * Push the diffs of own closed interval @iv of pages @pages[0..@n) to the
 * nodes of @to, to each those whose @masks entry names it.
 */
static void lrc_push_masks(u32 iv, const u64 *pages, u32 n, const u64 *masks,
			   u64 to)
{
	u32 dst;

	to &= dsm_members_live() & ~BIT_ULL(lrc_self());
	if (!to)
		return;
	mutex_lock(&push.send_mutex);
	if (!push.buf)
		push.buf = kvmalloc(DSM_WIRE_MAX_MSG, GFP_KERNEL);
	for (dst = 0; push.buf && dst < DSM_NODES_MAX; dst++) {
		struct lrc_ivd d = {
			.type = DSM_MSG_DIFF_PUSH,
			.dst = dst,
			.iv = iv,
			.pages = pages,
			.n = n,
			.buf = push.buf,
			.want = lrc_push_want,
			.send = lrc_push_send,
			.arg = masks,
		};

		if (to & BIT_ULL(dst))
			lrc_iv_diffs(&d);
	}
	mutex_unlock(&push.send_mutex);
}

/*
 * Push the diffs of own closed interval @iv to the nodes of @only that
 * read its pages. Each page's diff is made now if it was not (the reader
 * would ask for it). Nothing waits for an answer: a push that is lost or
 * dropped costs its reader the fetch it would have made anyway.
 */
static void lrc_push_iv(u32 iv, u64 only)
{
	u64 *pages = NULL, *masks, all = 0;
	struct dsm_pg *pg;
	int n, i;

	if (!READ_ONCE(lrc_push) || dsm_members_alone())
		return;
	n = lrc_iv_pages(iv, &pages);
	if (n <= 0)
		return;
	masks = kcalloc(n, sizeof(*masks), GFP_KERNEL);
	if (!masks)
		goto out;
	/*
	 * Who reads each page: a hint, read without the folio lock (a
	 * barrier writes-protects hundreds of pages; most have no reader).
	 */
	for (i = 0; i < n; i++) {
		pg = dsm_pg_find(pages[i]);
		if (pg && pg->lrc)
			masks[i] = READ_ONCE(pg->lrc->push_to);
		all |= masks[i];
	}
	lrc_push_masks(iv, pages, n, masks, all & only);
out:
	kfree(masks);
	kfree(pages);
}

/*
 * A lock grant pushes the diffs of this many of the latest own intervals
 * the acquirer lacks, at most: a lock's holder reads what the last
 * releases wrote. A barrier arrival pushes as many to every reader.
 */
#define LRC_PUSH_GRANT_IVS	4

/* The first own interval a grant pushes: after @since, the latest ones. */
static u32 lrc_push_first(u32 since, u32 last)
{
	u32 first = last > LRC_PUSH_GRANT_IVS ? last - LRC_PUSH_GRANT_IVS + 1 : 1;

	return max(first, since + 1);
}

/*
 * Push the own intervals up to @last not pushed to every reader yet (the
 * latest four at most) to their pages' readers in @only; from now on
 * they count as pushed to every reader (push.others_iv).
 */
static void lrc_push_others(u32 last, u64 only)
{
	u32 iv;

	mutex_lock(&push.send_mutex);
	iv = lrc_push_first(push.others_iv, last);
	push.others_iv = max(push.others_iv, last);
	mutex_unlock(&push.send_mutex);
	for (; iv <= last; iv++)
		lrc_push_iv(iv, only);
}

/**
 * lrc_push_interval() - at a barrier arrival, push to the nodes that read
 * their pages the diffs of the own intervals up to @last not pushed to
 * every reader yet (the latest four at most).
 * @last:	this node's latest interval, the one the arrival ended if it
 *		wrote anything.
 *
 * Under lrc.bar_mutex, before the arrival is sent: the arrival and the
 * release go through dsmd, so the diffs are there before the release.
 * Besides the arrival's own interval, those are the lock intervals whose
 * lock this node did not grant since (a grant pushes its intervals to
 * every reader after it): their readers learn them at this release.
 */
void lrc_push_interval(u32 last)
{
	lockdep_assert_held(&lrc.bar_mutex);
	lrc_push_others(last, U64_MAX);
}

/**
 * lrc_push_grant() - push to lock acquirer @dst, before its grant, the
 * diffs of own intervals after @since it reads the pages of.
 * @dst:	the acquirer.
 * @since:	its count of this node's intervals (its timestamp's entry).
 *
 * With no lock held (the grant's sender). The grant goes on the same
 * link after them, so the acquirer's prefetch at the grant (lrc.md
 * "Prefetch after a lock grant") finds them.
 */
void lrc_push_grant(u32 dst, u32 since)
{
	u32 last = READ_ONCE(lrc.vt.c[lrc_self()]), iv;

	if (dst >= DSM_NODES_MAX || since >= last)
		return;
	/* Those an earlier grant pushed to every reader are there. */
	mutex_lock(&push.send_mutex);
	since = max(since, push.others_iv);
	mutex_unlock(&push.send_mutex);
	for (iv = lrc_push_first(since, last); iv <= last; iv++)
		lrc_push_iv(iv, BIT_ULL(dst));
}

/**
 * lrc_push_granted() - push to the other readers the own intervals a
 * grant to @dst just handed over.
 * @dst:	the acquirer (pushed to before the grant).
 * @last:	this node's latest interval when the grant was made.
 *
 * With no lock held, after the grant went. Each interval goes to every
 * reader once: the intervals after the last pushed so (the latest four
 * at most). A reader learns them with its next grant (from whoever holds
 * the lock then) or barrier, and its fetch finds them; one that does not
 * read the page before the next pushes refuses them (lrc_push_keep()).
 */
void lrc_push_granted(u32 dst, u32 last)
{
	if (dst >= DSM_NODES_MAX || !READ_ONCE(lrc_push))
		return;
	lrc_push_others(last, ~BIT_ULL(dst));
}

/*
 * Learning another node's interval that wrote a page this node wrote too,
 * concurrently (lrc's multiple writers: neither saw the other's), tells
 * this node that the other will need its diff of that page at its next
 * access, before anyone asked for it: pushed then, the first time (a
 * node that asked is pushed at the arrivals already). Most useful where
 * a page's writers meet only at barriers (isort's shared arrays).
 */

/* Own diffs other writers lack, found by one learning. */
struct lrc_push_job {
	struct list_head list;
	u32 nr;
	struct lrc_lpush *e;
};

/* The most noted by one learning; beyond, they are fetched as before. */
#define LRC_PUSH_LEARN_MAX	8192

/**
 * lrc_learn_writer_locked() - note the own diff of @pg that the writer
 * of @iv lacks.
 * @l:		the learning.
 * @pgno:	a page @iv wrote.
 * @lp:		its lrc state.
 * @iv:		another node's interval, being learned.
 *
 * Under lrc.lock. Noted when this node wrote @pgno in a closed interval
 * @iv's writer had not seen and is not pushing it the page already; a
 * hint: without memory nothing is noted.
 */
void lrc_learn_writer_locked(struct lrc_learn *l, u64 pgno,
			     const struct lrc_pg *lp,
			     const struct dsm_interval *iv)
{
	u32 own = lp->noted_iv, self = lrc_self();
	struct lrc_lpush *e;

	lockdep_assert_held(&lrc.lock);
	if (!READ_ONCE(lrc_push) || !own || own > dsm_vt_get(&lrc.vt, self) ||
	    dsm_vt_get(&iv->vt, self) >= own || iv->creator >= DSM_NODES_MAX ||
	    READ_ONCE(lp->push_to) & BIT_ULL(iv->creator))
		return;
	if (l->nr_push == l->cap_push) {
		u32 cap = max(64U, l->cap_push * 2);

		if (l->cap_push >= LRC_PUSH_LEARN_MAX)
			return;
		e = krealloc_array(l->push, cap, sizeof(*e), GFP_KERNEL);
		if (!e)
			return;
		l->push = e;
		l->cap_push = cap;
	}
	e = &l->push[l->nr_push++];
	e->pgno = pgno;
	e->iv = own;
	e->dst = iv->creator;
}

/**
 * lrc_learn_pushed_sort() - order a learning's notes by page, for
 * lrc_learn_pushed().
 * @l:		the learning, its lrc_learn_locked() done.
 */
void lrc_learn_pushed_sort(struct lrc_learn *l)
{
	BUILD_BUG_ON(offsetof(struct lrc_lpush, pgno) != 0);
	if (l->nr_push > 1)
		sort(l->push, l->nr_push, sizeof(*l->push), lrc_u64_cmp, NULL);
}

/**
 * lrc_learn_pushed() - is page @pgno one a concurrent writer pushes its
 * diff of here?
 * @l:		the learning, its notes sorted (lrc_learn_pushed_sort()).
 * @pgno:	a page it invalidated.
 *
 * The rule is the same on both sides: each writer of the page that
 * learns the other's interval pushes it its diff (or it was pushed at
 * the arrival, or the backup here keeps it), so the release's prefetch
 * leaves the page alone instead of asking first (and having the push
 * come late). Return: true if noted.
 */
bool lrc_learn_pushed(const struct lrc_learn *l, u64 pgno)
{
	return l->nr_push &&
	       bsearch(&pgno, l->push, l->nr_push, sizeof(*l->push),
		       lrc_u64_cmp);
}

/*
 * Push the noted diffs of own interval @iv (entries @e[0..@nr) with that
 * interval): each reader becomes one of the page's (push_to), so the
 * arrivals push it the next ones; a page some node asked for meanwhile
 * is left out (the reply, or an arrival, carries it), and so is this
 * node's backup for a page of a replicated region (its store has them).
 */
static void lrc_push_learned_iv(u32 iv, const struct lrc_lpush *e, u32 nr)
{
	u32 backup = lrc_keeper(lrc_self(), dsm_members_live(), true), i;
	u64 *pages = NULL, *masks, *at, to = 0;
	struct dsm_pg *pg;
	int n;

	n = lrc_iv_pages(iv, &pages);
	if (n <= 0)
		return;
	masks = kcalloc(n, sizeof(*masks), GFP_KERNEL);
	for (i = 0; masks && i < nr; i++) {
		if (e[i].iv != iv)
			continue;
		/* This node's backup keeps its diffs: it takes them there. */
		if (e[i].dst == backup &&
		    dsm_region_replicated(e[i].pgno << PAGE_SHIFT))
			continue;
		at = bsearch(&e[i].pgno, pages, n, sizeof(*pages),
			     lrc_u64_cmp);
		pg = at ? dsm_pg_find(e[i].pgno) : NULL;
		if (!pg || !READ_ONCE(pg->lrc) || !dsm_pg_folio(pg))
			continue;
		folio_lock(pg->folio);
		if (!(pg->lrc->push_to & BIT_ULL(e[i].dst))) {
			lrc_push_note(pg, pg->lrc, e[i].dst);
			masks[at - pages] |= BIT_ULL(e[i].dst);
			to |= BIT_ULL(e[i].dst);
		}
		folio_unlock(pg->folio);
	}
	if (masks)
		lrc_push_masks(iv, pages, n, masks, to);
	kfree(masks);
	kfree(pages);
}

/* push.learn_work: the jobs of lrc_push_learned(), oldest first. */
static void lrc_push_learn_fn(struct work_struct *work)
{
	struct lrc_push_job *job;
	u32 i, j;

	for (;;) {
		spin_lock(&push.jobs_lock);
		job = list_first_entry_or_null(&push.jobs,
					       struct lrc_push_job, list);
		if (job)
			list_del(&job->list);
		spin_unlock(&push.jobs_lock);
		if (!job)
			return;
		/* Each interval once (one, mostly: the barrier's). */
		for (i = 0; i < job->nr; i++) {
			for (j = 0; j < i; j++)
				if (job->e[j].iv == job->e[i].iv)
					break;
			if (j == i && !dsm_members_alone())
				lrc_push_learned_iv(job->e[i].iv, job->e,
						    job->nr);
		}
		kfree(job->e);
		kfree(job);
	}
}

/**
 * lrc_push_learned() - push in the background the own diffs a learning
 * found other writers lack (lrc_learn_writer_locked()).
 * @l:		the learning; its notes are taken.
 *
 * With no lock held (the learning's caller may be dsmd's netlink call or
 * a receive thread, which must not wait for the sends).
 */
void lrc_push_learned(struct lrc_learn *l)
{
	struct lrc_push_job *job;

	if (!l->nr_push)
		goto out;
	job = kmalloc(sizeof(*job), GFP_KERNEL);
	if (!job)
		goto out;
	job->e = l->push;
	job->nr = l->nr_push;
	l->push = NULL;
	spin_lock(&push.jobs_lock);
	list_add_tail(&job->list, &push.jobs);
	spin_unlock(&push.jobs_lock);
	queue_work(system_unbound_wq, &push.learn_work);
out:
	kfree(l->push);
	l->push = NULL;
	l->nr_push = 0;
	l->cap_push = 0;
}

/* ------------------------------------------------------------ reader */

/* Under push.lock: the diff of (@w, @iv) pushed for @head's page. */
static struct lrc_pushed *lrc_pushed_find(struct list_head *head, u16 w,
					  u32 iv)
{
	struct lrc_pushed *p;

	lockdep_assert_held(&push.lock);
	if (head)
		list_for_each_entry(p, head, list)
			if (p->w == w && p->iv == iv)
				return p;
	return NULL;
}

/* Under push.lock: unlink and free @p of page @pgno (list @head). */
static void lrc_pushed_del(u64 pgno, struct list_head *head,
			   struct lrc_pushed *p)
{
	lockdep_assert_held(&push.lock);
	list_del(&p->list);
	WRITE_ONCE(push.bytes, push.bytes - (sizeof(*p) + p->len));
	lrc_data_add(-(s64)(sizeof(*p) + p->len));
	kfree(p);
	lrc_xa_list_trim(&push.pages, pgno, head);
}

/* Under lrc.lock: is (@w, @iv) a notice of @lp waiting for its diff? */
static bool lrc_push_pending_locked(const struct lrc_pg *lp, u16 w, u32 iv)
{
	u32 i;

	lockdep_assert_held(&lrc.lock);
	for (i = 0; lp && i < lp->nr_pending; i++)
		if (lp->pending[i].creator == w && lp->pending[i].index == iv)
			return true;
	return false;
}

/*
 * Under push.lock and lrc.lock: may @p, pushed for page @pgno, still be
 * taken? Only while its interval is to come or its notice is pending.
 */
static bool lrc_pushed_live_locked(u64 pgno, const struct lrc_pushed *p)
{
	struct dsm_pg *pg;
	u32 known;

	lockdep_assert_held(&lrc.lock);
	if (lrc_iv_out(p->w, p->iv) || lrc_iv_discarded(p->w, p->iv))
		return false;
	known = dsm_ilog_last(&lrc.iset.log[p->w]);
	if (p->iv > known)
		return true;
	pg = dsm_pg_find(pgno);
	return pg && lrc_push_pending_locked(READ_ONCE(pg->lrc), p->w, p->iv);
}

/* Answer a push of page @pgno from @src: stop pushing it here. */
static void lrc_push_refuse(u32 src, u64 pgno)
{
	struct dsm_msg n = {
		.hdr.type = DSM_MSG_NACK,
		.hdr.dst = src,
		.u.nack.error = ENOENT,
		.u.nack.nacked_type = DSM_MSG_DIFF_PUSH,
		.u.nack.arg = pgno,
	};

	dsm_msg_send(&n);
}

/*
 * Under push.lock: keep the diff @md of (@w, @iv) for page @pgno, or
 * say why not: 1 (not used here: refuse it), 0 (kept, or late: its
 * notice was applied already), or a negative errno (dropped).
 */
static int lrc_push_keep(u16 w, u32 iv, u64 pgno, const struct dsm_msg_diff *md)
{
	struct list_head *head = xa_load(&push.pages, pgno);
	u64 max = (u64)READ_ONCE(lrc_push_max_kb) << 10;
	struct dsm_pg *pg = dsm_pg_find(pgno);
	u32 known, untaken = 0;
	struct lrc_pushed *p;
	bool late;

	lockdep_assert_held(&push.lock);
	/* Never used here (no lrc state): stop pushing it. */
	if (!pg || !READ_ONCE(pg->lrc))
		return 1;
	mutex_lock(&lrc.lock);
	known = dsm_ilog_last(&lrc.iset.log[w]);
	late = iv <= known && !lrc_push_pending_locked(pg->lrc, w, iv);
	/* Earlier pushes of the page from @w, named since, not taken. */
	if (head)
		list_for_each_entry(p, head, list)
			if (p->w == w && p->iv <= known && p->iv != iv &&
			    lrc_push_pending_locked(pg->lrc, w, p->iv))
				untaken++;
	mutex_unlock(&lrc.lock);
	if (untaken >= LRC_PUSH_UNTAKEN)
		return 1;
	if (late || lrc_pushed_find(head, w, iv)) {
		dsm_stat_inc(DSM_STAT_LRC_PUSH_UNUSED);
		return 0;
	}
	if (push.bytes + sizeof(*p) + md->len > max)
		return -ENOSPC;
	p = kmalloc(struct_size(p, data, md->len), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	head = lrc_xa_list(&push.pages, pgno);
	if (IS_ERR(head)) {
		kfree(p);
		return PTR_ERR(head);
	}
	p->w = w;
	p->iv = iv;
	p->len = md->len;
	memcpy(p->data, md->diff, md->len);
	list_add_tail(&p->list, head);
	WRITE_ONCE(push.bytes, push.bytes + sizeof(*p) + p->len);
	lrc_data_add(sizeof(*p) + p->len);
	dsm_stat_inc(DSM_STAT_LRC_PUSH_STORED);
	return 0;
}

/*
 * DIFF_PUSH: keep the diffs of the sender's interval for the fetches to
 * come. The sender is the writer (the transport checked the header's src
 * against the link). A lost writer's push, an interval a collection
 * discarded or too far ahead, and pages outside every lrc region are
 * dropped whole (one log line); a page this node did not use since the
 * last push is refused (NACK ENOENT), so that its writer stops.
 */
void lrc_recv_push(const struct dsm_msg *m)
{
	const struct dsm_msg_diff_backup *b = &m->u.diff_backup;
	u32 w = m->hdr.src, known, nr_refused = 0, i;
	struct dsm_msg_iter it;
	struct dsm_msg_diff md;
	const char *why = NULL;
	u64 pgno, *refused;
	int err = 0, ret;

	mutex_lock(&lrc.lock);
	known = dsm_ilog_last(&lrc.iset.log[w]);
	mutex_unlock(&lrc.lock);
	if (lrc_iv_out(w, b->interval))
		why = "its writer is out of lrc";
	else if (lrc_iv_discarded(w, b->interval))
		why = "a collection discarded its interval";
	else if (b->interval > known && b->interval - known > LRC_PUSH_AHEAD)
		why = "its interval is too far ahead";
	dsm_msg_iter_backup(b, &it);
	while (!why && dsm_msg_next_backup(&it, &md, &pgno))
		if (PTR_ERR_OR_ZERO(dsm_pg_get_peer(pgno, DSM_MODEL_LRC)))
			why = "a page is not of an lrc region here";
	if (why) {
		dsm_stat_inc(DSM_STAT_LRC_PUSH_REFUSED);
		pr_warn_ratelimited("diffs of interval %u pushed by node %u dropped: %s\n",
				    b->interval, w, why);
		return;
	}
	/*
	 * Half full: drop what no fetch will take first (a program that
	 * takes locks and no barrier would not sweep otherwise).
	 */
	if (READ_ONCE(push.bytes) > ((u64)READ_ONCE(lrc_push_max_kb) << 9))
		lrc_push_sweep();
	/* Refusals are sent once the store is unlocked (none without memory). */
	refused = kmalloc_array(b->nr_diffs, sizeof(*refused), GFP_KERNEL);
	dsm_msg_iter_backup(b, &it);
	mutex_lock(&push.lock);
	while (dsm_msg_next_backup(&it, &md, &pgno)) {
		ret = lrc_push_keep(w, b->interval, pgno, &md);
		if (ret == 1 && refused)
			refused[nr_refused++] = pgno;
		else if (ret < 0 && !err)
			err = ret;
	}
	mutex_unlock(&push.lock);
	for (i = 0; i < nr_refused; i++)
		lrc_push_refuse(w, refused[i]);
	kfree(refused);
	if (err) {
		dsm_stat_inc(DSM_STAT_LRC_PUSH_UNUSED);
		pr_warn_ratelimited("diffs of interval %u pushed by node %u: some not kept (%d; lrc_push_max_kb %u)\n",
				    b->interval, w, err, lrc_push_max_kb);
	}
}

/**
 * lrc_push_take() - take the diff of (@w, @iv) for page @pgno pushed here.
 * @w:		the writer.
 * @pgno:	the page.
 * @iv:		the interval.
 * @len:	out: the diff's size.
 *
 * Return: the kmalloc'd diff (the caller frees it), or NULL if none was
 * pushed (or no memory).
 */
void *lrc_push_take(u16 w, u64 pgno, u32 iv, u32 *len)
{
	struct list_head *head;
	struct lrc_pushed *p;
	void *d = NULL;

	mutex_lock(&push.lock);
	head = xa_load(&push.pages, pgno);
	p = lrc_pushed_find(head, w, iv);
	if (p) {
		d = kmemdup(p->data, p->len, GFP_KERNEL);
		*len = p->len;
		if (d)
			lrc_pushed_del(pgno, head, p);
	}
	mutex_unlock(&push.lock);
	if (d)
		dsm_stat_inc(DSM_STAT_LRC_PUSH_USED);
	return d;
}

/*
 * Drop the pushed diffs nobody will take (@all: every one; @w < nodes:
 * every one of writer @w): their notice was applied or dropped, a
 * collection discarded them, their writer or page is gone.
 */
static void lrc_push_drop(bool all, u32 w)
{
	struct lrc_pushed *p, *t;
	struct list_head *head;
	unsigned long pgno;
	u64 n = 0;

	mutex_lock(&push.lock);
	xa_for_each(&push.pages, pgno, head) {
		list_for_each_entry_safe(p, t, head, list) {
			bool live;

			if (!all && w >= DSM_NODES_MAX) {
				mutex_lock(&lrc.lock);
				live = lrc_pushed_live_locked(pgno, p);
				mutex_unlock(&lrc.lock);
			} else {
				live = !all && p->w != w;
			}
			if (live)
				continue;
			n++;
			/* The last one frees @head: leave the list then. */
			if (list_is_singular(head)) {
				lrc_pushed_del(pgno, head, p);
				break;
			}
			lrc_pushed_del(pgno, head, p);
		}
	}
	mutex_unlock(&push.lock);
	if (!all)
		dsm_stat_add(DSM_STAT_LRC_PUSH_UNUSED, n);
}

/* After a barrier (and its collection): drop what nobody will take. */
void lrc_push_sweep(void)
{
	lrc_push_drop(false, DSM_NODES_MAX);
}

/* Node @id went down: its pushes are dropped (its backup serves them). */
void lrc_push_node_down(u32 id)
{
	lrc_push_drop(false, id);
}

void lrc_push_init(void)
{
	mutex_init(&push.send_mutex);
	mutex_init(&push.lock);
	xa_init(&push.pages);
	spin_lock_init(&push.jobs_lock);
	INIT_LIST_HEAD(&push.jobs);
	INIT_WORK(&push.learn_work, lrc_push_learn_fn);
}

/* Stop the background pushes (dsm_lrc_stop()): before pages are freed. */
void lrc_push_stop(void)
{
	cancel_work_sync(&push.learn_work);
}

/* At unload: nothing runs. */
void lrc_push_exit(void)
{
	struct lrc_push_job *job, *t;

	list_for_each_entry_safe(job, t, &push.jobs, list) {
		kfree(job->e);
		kfree(job);
	}
	INIT_LIST_HEAD(&push.jobs);
	lrc_push_drop(true, 0);
	xa_destroy(&push.pages);
	kvfree(push.buf);
	push.buf = NULL;
}

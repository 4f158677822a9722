// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_lrc_fetch.c - the requester side of lrc faults: the fault handlers,
 * the fetch of the diffs an invalid page lacks (DIFF_REQs to their
 * creators, in parallel), the DIFF_REPLYs and NACKs that answer them, and
 * failing the fetches that wait on a node that went down.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": lrc: " fmt

#include <linux/completion.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "dsm_lrc.h"

/* Under lrc.wait_lock: fetch @req_id of page @pgno in flight, or NULL. */
static struct lrc_fetch *lrc_fetch_find(u64 req_id, u64 pgno)
{
	struct lrc_fetch *f;

	lockdep_assert_held(&lrc.wait_lock);
	f = xa_load(&lrc.fetches, dsm_req_key(req_id));
	return f && f->req_id == req_id && f->pgno == pgno ? f : NULL;
}

/* DIFF_REPLY: keep copies of the wanted diffs for the fetch. */
void lrc_recv_diff_reply(const struct dsm_msg *m)
{
	const struct dsm_msg_diff_reply *r = &m->u.diff_reply;
	struct lrc_want got[DSM_WIRE_MAX_DIFFS];
	struct dsm_msg_iter it;
	struct dsm_msg_diff d;
	struct lrc_fetch *f;
	u32 n = 0, i, j;
	bool bad = false;

	dsm_msg_iter_diffs(r, &it);
	while (dsm_msg_next_diff(&it, &d)) {
		got[n].node = d.node;
		got[n].iv = d.interval;
		got[n].len = d.len;
		got[n].diff = kmemdup(d.diff, d.len, GFP_KERNEL);
		if (!got[n].diff)
			bad = true;
		n++;
	}
	spin_lock(&lrc.wait_lock);
	f = lrc_fetch_find(m->hdr.req_id, r->page);
	if (!f || !(f->waiting_on & BIT_ULL(m->hdr.src)))
		bad = true;
	for (i = 0; i < n && !bad; i++) {
		for (j = 0; j < f->nr_wants; j++)
			if (f->wants[j].node == got[i].node &&
			    f->wants[j].iv == got[i].iv && !f->wants[j].diff)
				break;
		/* Only diffs asked of this node, each once. */
		if (j == f->nr_wants || f->wants[j].from != m->hdr.src)
			bad = true;
	}
	if (!bad) {
		for (i = 0; i < n; i++) {
			for (j = 0; j < f->nr_wants; j++)
				if (f->wants[j].node == got[i].node &&
				    f->wants[j].iv == got[i].iv)
					break;
			f->wants[j].diff = got[i].diff;
			f->wants[j].len = got[i].len;
			got[i].diff = NULL;
		}
		f->outstanding -= n;
		if (!f->outstanding)
			complete(&f->done);
	}
	spin_unlock(&lrc.wait_lock);
	if (bad)
		lrc_unexpected("DIFF_REPLY", m->hdr.src);
	for (i = 0; i < n; i++)
		kfree(got[i].diff);
}

void lrc_recv_nack(const struct dsm_msg *m)
{
	struct lrc_fetch *f;

	if (m->u.nack.nacked_type == DSM_MSG_DIFF_BACKUP) {
		lrc_backup_nack(m);
		return;
	}
	if (m->u.nack.nacked_type == DSM_MSG_LRC_REJOIN) {
		lrc_rejoin_nack(m);
		return;
	}
	if (m->u.nack.nacked_type == DSM_MSG_DIFF_PUSH) {
		lrc_push_nack(m);
		return;
	}
	/* Else, of what lrc sends on data connections, only DIFF_REQ. */
	if (m->u.nack.nacked_type != DSM_MSG_DIFF_REQ) {
		lrc_unexpected("NACK", m->hdr.src);
		return;
	}
	spin_lock(&lrc.wait_lock);
	f = lrc_fetch_find(m->hdr.req_id, m->u.nack.arg);
	if (f && (f->waiting_on & BIT_ULL(m->hdr.src))) {
		if (!f->err)
			f->err = dsm_wire_errno(m->u.nack.error);
		complete(&f->done);
	}
	spin_unlock(&lrc.wait_lock);
	if (!f)
		lrc_unexpected("NACK", m->hdr.src);
}

/* Node @id went down: fail the fetches waiting for its replies. */
void lrc_fail_fetches(u32 id)
{
	struct lrc_fetch *f;
	unsigned long i;

	spin_lock(&lrc.wait_lock);
	xa_for_each(&lrc.fetches, i, f) {
		if (!(f->waiting_on & BIT_ULL(id)))
			continue;
		if (!f->err)
			f->err = -EHOSTDOWN;
		complete(&f->done);
	}
	spin_unlock(&lrc.wait_lock);
}

static int lrc_want_cmp(const void *a, const void *b)
{
	const struct lrc_want *x = a, *y = b;

	if (x->node != y->node)
		return x->node < y->node ? -1 : 1;
	return x->iv < y->iv ? -1 : x->iv > y->iv;
}

/* Send the DIFF_REQs of @f, one or more per creator. */
static int lrc_fetch_send(struct lrc_fetch *f)
{
	struct dsm_msg_hdr h = {
		.version = DSM_WIRE_VERSION_MAX,
		.type = DSM_MSG_DIFF_REQ,
		.src = lrc_self(),
		.req_id = f->req_id,
		.epoch = dsm_home_epoch(),
	};
	u8 buf[DSM_WIRE_HDR_SIZE + 16 + 8 * DSM_WIRE_MAX_DIFFS];
	struct dsm_wire_enc e;
	u32 i = 0, k;
	int len, ret;

	while (i < f->nr_wants) {
		u16 node = f->wants[i].node, dst = f->wants[i].from;

		/* Lost, or the backup here had it: not asked. */
		if (f->wants[i].lost || f->wants[i].diff) {
			i++;
			continue;
		}

		/* Interval 0 is fetched from copy_from, stored as node. */
		for (k = 0; i + k < f->nr_wants && k < DSM_WIRE_MAX_DIFFS &&
		     f->wants[i + k].node == node &&
		     !f->wants[i + k].lost && !f->wants[i + k].diff; k++)
			;
		h.dst = dst;
		dsm_wire_enc_begin(&e, buf, sizeof(buf), &h);
		dsm_wire_enc_diff_req(&e, f->pgno);
		for (len = 0; len < k; len++)
			dsm_wire_enc_want(&e, node, f->wants[i + len].iv);
		len = dsm_wire_enc_end(&e);
		if (len < 0)
			return len;
		ret = lrc_wait_node(dst, dsm_fault_timeout());
		if (!ret)
			ret = dsm_msg_send_buf(dst, DSM_MSG_DIFF_REQ, buf, len);
		if (ret)
			return ret;
		dsm_stat_inc(DSM_STAT_LRC_DIFF_REQ_SENT);
		i += k;
	}
	return 0;
}

/*
 * @w's creator is lost: ask its backup (lrc_keeper(): dsm_backup_of() of
 * the live members, as the creator chose it, and the node a collection
 * counts on), or take the diff kept here if that is this node. Without a
 * backup (none live, or the page's region has replicas 0: lost, as it
 * was), or kept by none here, it stays lost.
 */
static void lrc_want_backup(u64 pgno, struct lrc_want *w)
{
	u32 b = lrc_keeper(w->node, dsm_members_live(),
			   dsm_region_replicated(pgno << PAGE_SHIFT));

	if (b >= DSM_NODES_MAX)
		return;
	if (b == lrc_self()) {
		w->diff = lrc_backup_copy(w->node, pgno, w->iv, &w->len,
					  false);
		w->lost = !w->diff;
		return;
	}
	w->from = b;
	w->lost = false;
}

/**
 * lrc_rekeep_locked() - a page a collection dropped for copy_from @from,
 * which is out of lrc now, is asked of @from's backup instead.
 * @lp:		the page's lrc state.
 * @pgno:	its number (for the log).
 * @from:	the copy_from the caller found, and @keeper computed for.
 * @keeper:	@from's backup (lrc_keeper()).
 *
 * Under lrc.lock. @from is out when this node had not declared it down
 * at the collection, it died since, or it is a new incarnation about to
 * be taken back (lrc_gc_rekeep()): a copy that a collection did not drop
 * holds every change up to it, so the backup has the page (it validated
 * it in that collection) or answers ESTALE, never a stale copy. Nothing
 * changes if copy_from is no longer @from.
 *
 * Return: whether copy_from moved.
 */
bool lrc_rekeep_locked(struct lrc_pg *lp, u64 pgno, u32 from, u32 keeper)
{
	lockdep_assert_held(&lrc.lock);
	if (!lp->dropped || lp->copy_from != from ||
	    keeper >= DSM_NODES_MAX || keeper == lrc_self() ||
	    !lrc_node_out(from))
		return false;
	pr_info_ratelimited("page %llu: node %u, its copy after a collection, is out of lrc: asking its backup, node %u\n",
			    pgno, from, keeper);
	lp->copy_from = keeper;
	return true;
}

/*
 * List in @f the diffs @lp lacks (interval 0 of copy_from if a collection
 * dropped the page), sorted by creator, and the nodes whose replies are
 * awaited. The diffs of a lost node (declared down) cannot be had: they
 * are asked of its backup, or, if none keeps them, listed as lost, asked
 * of nobody. Return: 0 or -ENOMEM.
 */
static int lrc_fetch_plan(struct lrc_fetch *f, struct lrc_pg *lp)
{
	u32 i, n, self = lrc_self(), asked = 0, keeper = DSM_NODES_MAX;
	u64 senders = 0;
	u32 from = READ_ONCE(lp->copy_from);

	/* Outside lrc.lock: the region lookup takes dsm_cluster.lock. */
	if (READ_ONCE(lp->dropped) && lrc_node_out(from))
		keeper = lrc_keeper(from, dsm_members_live(),
				    dsm_region_replicated(f->pgno << PAGE_SHIFT));
	mutex_lock(&lrc.lock);
	lrc_rekeep_locked(lp, f->pgno, from, keeper);
	n = lp->nr_pending + (lp->dropped ? 1 : 0);
	f->wants = kcalloc(max(n, 1U), sizeof(*f->wants), GFP_KERNEL);
	if (f->wants) {
		for (i = 0; i < lp->nr_pending; i++) {
			if (lp->pending[i].creator == self)
				continue;
			f->wants[f->nr_wants].node = lp->pending[i].creator;
			f->wants[f->nr_wants++].iv = lp->pending[i].index;
		}
		if (lp->dropped)
			f->wants[f->nr_wants++].node = lp->copy_from;
	}
	mutex_unlock(&lrc.lock);
	if (!f->wants)
		return -ENOMEM;
	sort(f->wants, f->nr_wants, sizeof(*f->wants), lrc_want_cmp, NULL);
	for (i = 0; i < f->nr_wants; i++) {
		struct lrc_want *w = &f->wants[i];

		/* The whole page of a dropped copy is never given up. */
		w->from = w->node;
		w->lost = w->iv && lrc_iv_out(w->node, w->iv);
		if (w->lost)
			lrc_want_backup(f->pgno, w);
		else if (w->iv)	/* kept as the writer's backup, or pushed? */
			w->diff = lrc_backup_copy(w->node, f->pgno, w->iv,
						  &w->len, true) ?:
				  lrc_push_take(w->node, f->pgno, w->iv,
						&w->len);
		if (w->lost || w->diff)
			continue;
		senders |= BIT_ULL(w->from);
		asked++;
	}
	/*
	 * Done when every diff is here, however the replies cut them: a
	 * reply counts for the diffs it brings, not for one message.
	 */
	f->outstanding = asked;
	f->waiting_on = senders;
	return 0;
}

/*
 * Make @f findable by its replies, send its DIFF_REQs and wait for every
 * reply, at most fault_timeout_ms (killable). Return: 0 or a negative
 * errno (a NACK's, -EHOSTDOWN, -ETIMEDOUT, -EINTR).
 */
static int lrc_fetch_wait(struct lrc_fetch *f)
{
	u64 start;
	long left;
	int ret;

	/*
	 * Inserted before wait_lock is taken, as the xarray may allocate
	 * (GFP_KERNEL). That is safe: @f is complete by now and the xarray
	 * publishes it with a release; the handlers that find it look it up
	 * and change it only under wait_lock, which is taken below before
	 * anything of it is read; and it is erased under wait_lock, so no
	 * handler holds it once it is gone. -EBUSY would be an id in use
	 * twice, which dsm_next_req_id() rules out; it fails the fetch.
	 */
	ret = xa_insert(&lrc.fetches, dsm_req_key(f->req_id), f, GFP_KERNEL);
	if (ret)
		return ret;
	start = ktime_get_ns();
	ret = lrc_fetch_send(f);
	if (!ret) {
		left = wait_for_completion_killable_timeout(&f->done,
							    dsm_fault_timeout());
		if (left < 0)
			ret = -EINTR;
		else if (!left)
			ret = -ETIMEDOUT;
		dsm_stat_inc(DSM_STAT_LRC_FETCHES);
		dsm_stat_add(DSM_STAT_LRC_FETCH_WAIT_US,
			     div_u64(ktime_get_ns() - start, NSEC_PER_USEC));
	}
	spin_lock(&lrc.wait_lock);
	xa_erase(&lrc.fetches, dsm_req_key(f->req_id));
	if (!ret)
		ret = f->err;
	if (!ret && f->outstanding)
		ret = -ETIMEDOUT;
	spin_unlock(&lrc.wait_lock);
	if (ret == -ETIMEDOUT)
		dsm_stat_inc(DSM_STAT_FAULT_TIMEOUT);
	return ret;
}

static void lrc_fetch_free(struct lrc_fetch *f)
{
	u32 i;

	for (i = 0; f->wants && i < f->nr_wants; i++)
		kfree(f->wants[i].diff);
	kfree(f->wants);
	kfree(f);
}

/*
 * Fetch the diffs @pg lacks (and the whole page if a collection dropped
 * it), with request id @req_id, and apply them. Return: 0 or a negative
 * errno; -ESTALE when a collection discarded what was asked for meanwhile,
 * or the page was reset (try again: the page's notices changed with it).
 */
static int lrc_fetch(struct dsm_pg *pg, u64 req_id)
{
	struct lrc_pg *lp = pg->lrc;
	struct lrc_fetch *f;
	int ret;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	init_completion(&f->done);
	f->req_id = req_id;
	f->pgno = pg->pgno;
	f->gen = READ_ONCE(pg->gen);
	ret = lrc_fetch_plan(f, lp);
	if (!ret && f->outstanding)
		ret = lrc_fetch_wait(f);
	if (!ret)
		ret = dsm_pg_frame(pg);
	if (!ret) {
		folio_lock(pg->folio);
		/*
		 * Reset meanwhile (its region deleted): the diffs are void,
		 * and the page's notices changed (it has none now): try again.
		 */
		ret = pg->gen == f->gen ? lrc_apply(pg, lp, f) : -ESTALE;
		folio_unlock(pg->folio);
	}
	lrc_fetch_free(f);
	return ret;
}

/* A fetch that met a collection is tried again, this many times at most. */
#define LRC_FETCH_TRIES		3

/* model->start: fetch the diffs @pg lacks, apply them, complete @req. */
void lrc_start(struct dsm_pg *pg, struct dsm_req *req)
{
	int ret, tries = 0, id = 0;

	/*
	 * Tried again after a collection (-ESTALE) or a writer going down
	 * (-EHOSTDOWN: the next plan gives its diffs up as lost). Any other
	 * error (a timeout, a signal) fails this access only.
	 */
	for (;;) {
		/* A new id: late replies to a try are not the next one's. */
		ret = lrc_fetch(pg, id ? dsm_next_req_id() : req->id);
		id++;
		/* Joined at run time: the next member may have the copy. */
		if ((ret == -ESTALE || ret == -ENOENT || ret == -EHOSTDOWN) &&
		    lrc_join_next(pg->lrc))
			continue;
		if ((ret == -ESTALE || ret == -EHOSTDOWN) &&
		    ++tries < LRC_FETCH_TRIES)
			continue;
		break;
	}
	dsm_req_complete(pg, req, ret);
}

/*
 * Make @pg valid for access @acc (DSM_ACC_READ or DSM_ACC_WRITE, which
 * the page's access right then allows; DSM_ACC_NONE: valid only, as a
 * prefetch or a collection wants it, which is not an access). Return: 0
 * with the folio locked, -EINPROGRESS (*@reqp made: start it), -EAGAIN
 * (*@reqp joined), or an errno.
 */
int lrc_access(struct dsm_pg *pg, u8 acc, struct dsm_req **reqp)
{
	struct dsm_req *new = NULL;
	struct lrc_pg *lp;
	bool valid;
	int ret;

	lp = lrc_pg_of(pg);
	if (!lp)
		return -ENOMEM;
	ret = dsm_pg_frame(pg);
	if (ret)
		return ret;
	folio_lock(pg->folio);
	mutex_lock(&lrc.lock);
	valid = lrc_pg_valid_locked(lp);
	mutex_unlock(&lrc.lock);
	if (valid) {
		if (acc == DSM_ACC_WRITE && lp->access < DSM_ACC_WRITE) {
			ret = lrc_first_write(pg, lp);
			if (ret) {
				folio_unlock(pg->folio);
				return ret;
			}
			lp->access = DSM_ACC_WRITE;
		} else if (lp->access < acc) {
			lp->access = acc;
		}
		return 0;
	}
	folio_unlock(pg->folio);
	new = dsm_req_alloc(pg, acc == DSM_ACC_WRITE ? DSM_ACC_WRITE :
			    DSM_ACC_READ, &dsm_lrc_ops);
	if (!new)
		return -ENOMEM;
	spin_lock(&pg->lock);
	ret = dsm_req_join_locked(pg, new, reqp);
	spin_unlock(&pg->lock);
	if (ret != -EINPROGRESS)
		dsm_req_put(new);	/* else the caller's reference is *reqp's */
	return ret;
}

int lrc_fault(struct dsm_pg *pg, struct dsm_req **req)
{
	return lrc_access(pg, DSM_ACC_READ, req);
}

int lrc_write_fault(struct dsm_pg *pg, struct dsm_req **req)
{
	return lrc_access(pg, DSM_ACC_WRITE, req);
}

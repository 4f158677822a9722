// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_sc_home.c - sc's home: the directory of the pages homed here (owner
 * and copyset), one transaction per page at a time with the others
 * queued (at most one per node), the invalidations before a write, the
 * forward to the owner, the CONFIRM that ends a transaction, and the
 * watchdog that ends one waiting too long. Documentation/sc.md.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sc: " fmt

#include <linux/bitops.h>
#include <linux/slab.h>

#include "dsm_sc.h"

/* Under pg->lock: forward the current transaction to the owner. */
static void sc_home_fwd_locked(struct dsm_pg *pg, struct sc_act *a)
{
	struct dsm_dir *d = &pg->sc->dir;

	lockdep_assert_held(&pg->lock);
	d->fwd_sent = true;
	a->fwd = true;
	a->fwd_to = d->owner;
	a->access = d->cur.access;
	a->requester = d->cur.node;
	a->req_id = d->cur.req_id;
	a->flags = 0;
	a->ver = ++d->ver;
	if (d->cur.access == DSM_ACCESS_WRITE &&
	    (d->owner == d->cur.node || (d->copyset & BIT_ULL(d->cur.node))))
		a->flags = DSM_PAGE_F_HAVE_COPY;
	/*
	 * A rebuilt entry's owner holding only a shadow frame serves it
	 * from that frame (sc_owner_fwd(), or the grant below when it is
	 * the requester); from then on it is an owner as any other.
	 */
	if (d->shadow)
		a->flags |= DSM_PAGE_F_SHADOW;
	d->shadow = false;
}

/* Under pg->lock: begin a transaction for @from's request. */
static void sc_home_begin_locked(struct dsm_pg *pg, u8 from, u8 access,
				 u64 req_id, struct sc_act *a)
{
	struct dsm_dir *d = &pg->sc->dir;

	lockdep_assert_held(&pg->lock);
	d->busy = true;
	d->fwd_sent = false;
	d->cur.node = from;
	d->cur.access = access;
	d->cur.req_id = req_id;
	d->acks = 0;
	d->since = jiffies;
	mod_delayed_work(system_wq, &pg->sc->expire, sc_home_patience());
	a->req_id = req_id;
	d->inval = 0;
	if (access == DSM_ACCESS_WRITE) {
		d->acks = d->copyset & ~BIT_ULL(from) & ~BIT_ULL(d->owner);
		d->inval = d->acks;
		a->inval = d->acks;
		a->new_owner = from;
		if (d->acks)
			dsm_hot_count(pg->pgno, 0, hweight64(d->acks), 0);
		if (d->acks)
			return;
	}
	sc_home_fwd_locked(pg, a);
}

/* Under pg->lock: the transaction ended; begin the next one queued. */
static void sc_home_next_locked(struct dsm_pg *pg, struct sc_act *a)
{
	struct dsm_dir *d = &pg->sc->dir;
	struct dsm_hreq *hr;

	lockdep_assert_held(&pg->lock);
	d->busy = false;
	if (d->awaiting)	/* served once its entry is installed */
		return;
	if (sc_xfer_moving_locked(pg)) {
		/* Its bucket is being handed over: the new home serves. */
		list_splice_tail_init(&d->queue, &a->nacks);
		a->nack_err = -ESTALE;
		sc_xfer_wake();
		return;
	}
	while (!list_empty(&d->queue)) {
		hr = list_first_entry(&d->queue, struct dsm_hreq, list);
		list_del(&hr->list);
		if (d->lost) {
			list_add_tail(&hr->list, &a->nacks);
			a->nack_err = -EHOSTDOWN;
			continue;
		}
		sc_home_begin_locked(pg, hr->node, hr->access, hr->req_id, a);
		kfree(hr);
		break;
	}
}

/**
 * sc_home_serve_locked() - serve @pg's queue, if no transaction runs.
 * @pg:	the page, homed here; pg->lock held.
 * @a:	what to send once unlocked.
 */
void sc_home_serve_locked(struct dsm_pg *pg, struct sc_act *a)
{
	lockdep_assert_held(&pg->lock);
	if (!pg->sc->dir.busy)
		sc_home_next_locked(pg, a);
}

/* Under pg->lock: the transaction in progress is confirmed; serve the next. */
static void sc_home_confirmed_locked(struct dsm_pg *pg, struct sc_act *a)
{
	struct dsm_dir *d = &pg->sc->dir;

	lockdep_assert_held(&pg->lock);
	if (d->cur.access == DSM_ACCESS_WRITE) {
		dsm_hot_count(pg->pgno, d->owner != d->cur.node, 0,
			      BIT_ULL(d->cur.node));
		dsm_sc_adapt_note(pg, d->cur.node);
		d->owner = d->cur.node;
		d->copyset = 0;
	} else if (d->cur.node != d->owner) {
		d->copyset |= BIT_ULL(d->cur.node);
	}
	sc_home_next_locked(pg, a);
}

/*
 * Under pg->lock: a transaction that waited longer than twice the fault
 * timeout for its CONFIRM or INVAL_ACKs (a message lost with a broken
 * connection, or a requester that dropped its grant without refusing
 * it) does not keep the page busy for ever. Missing INVAL_ACKs are asked
 * for again (an INVAL is harmless to repeat; skipping one would leave a
 * stale copy). A missing CONFIRM is taken as given: the grant was sent,
 * and the directory then says what a CONFIRM would have made it say, so
 * one that comes later changes nothing (its transaction is over).
 */
static void sc_home_expire_locked(struct dsm_pg *pg, struct sc_act *a)
{
	struct dsm_dir *d = &pg->sc->dir;

	lockdep_assert_held(&pg->lock);
	if (!d->busy || time_before(jiffies, d->since + sc_home_patience()))
		return;
	dsm_stat_inc(DSM_STAT_HOME_TXN_EXPIRED);
	if (!d->fwd_sent) {
		d->since = jiffies;
		a->inval = d->acks;
		a->new_owner = d->cur.node;
		a->req_id = d->cur.req_id;
		return;
	}
	pr_warn_ratelimited("page %llu: no CONFIRM from node %u: taken as confirmed\n",
			    pg->pgno, d->cur.node);
	sc_home_confirmed_locked(pg, a);
}

void sc_act_do(struct dsm_pg *pg, struct sc_act *a)
{
	struct dsm_hreq *hr, *tmp;
	struct dsm_msg m;
	unsigned long inval = a->inval;
	u32 id;

	for_each_set_bit(id, &inval, DSM_NODES_MAX) {
		memset(&m, 0, sizeof(m));
		m.hdr.type = DSM_MSG_INVAL;
		m.hdr.dst = id;
		m.hdr.req_id = a->req_id;	/* the ack must carry it */
		m.u.inval.page = pg->pgno;
		m.u.inval.new_owner = a->new_owner;
		dsm_stat_inc(DSM_STAT_INVAL_SENT);
		dsm_msg_send(&m);
	}
	if (a->fwd && a->fwd_to == a->requester) {
		/*
		 * The owner asks (an upgrade of its read-only copy): it has
		 * the data, the home grants without any.
		 */
		memset(&m, 0, sizeof(m));
		m.hdr.type = DSM_MSG_PAGE_GRANT;
		m.hdr.dst = a->requester;
		m.hdr.req_id = a->req_id;
		m.u.page_grant.page = pg->pgno;
		m.u.page_grant.access = a->access;
		m.u.page_grant.owner = a->requester;
		m.u.page_grant.ver = a->ver;
		if (a->flags & DSM_PAGE_F_SHADOW)
			m.u.page_grant.flags = DSM_GRANT_F_SHADOW;
		dsm_msg_send(&m);
	} else if (a->fwd) {
		memset(&m, 0, sizeof(m));
		m.hdr.type = DSM_MSG_PAGE_FWD;
		m.hdr.dst = a->fwd_to;
		m.hdr.req_id = a->req_id;
		m.u.page_fwd.page = pg->pgno;
		m.u.page_fwd.access = a->access;
		m.u.page_fwd.flags = a->flags;
		m.u.page_fwd.requester = a->requester;
		m.u.page_fwd.req_id = a->req_id;
		m.u.page_fwd.ver = a->ver;
		dsm_msg_send(&m);
	}
	list_for_each_entry_safe(hr, tmp, &a->nacks, list) {
		sc_send_nack(hr->node, hr->req_id, DSM_MSG_PAGE_REQ, pg->pgno,
			     a->nack_err);
		kfree(hr);
	}
	if (a->drop)
		sc_drop_send(pg, a);
}

/* sc_pg.expire: end the page's transaction if it waited too long. */
void sc_home_expire_fn(struct work_struct *work)
{
	struct sc_pg *sp = container_of(to_delayed_work(work), struct sc_pg,
					expire);
	struct dsm_pg *pg = sp->pg;
	struct sc_act a;

	sc_act_init(&a);
	spin_lock(&pg->lock);
	sc_home_expire_locked(pg, &a);
	if (sp->dir.busy)
		mod_delayed_work(system_wq, &sp->expire,
				 sp->dir.since + sc_home_patience() + 1 - jiffies);
	spin_unlock(&pg->lock);
	sc_act_do(pg, &a);
}

/*
 * Under pg->lock: does @from have a request queued at this home already?
 * A node has one request per page in flight (dsm_req_join_locked()), so a
 * second one queued is a peer's bug; refusing it bounds the queue to one
 * entry per node.
 */
static bool sc_home_queued_locked(struct dsm_pg *pg, u32 from)
{
	struct dsm_hreq *hr;

	lockdep_assert_held(&pg->lock);
	list_for_each_entry(hr, &pg->sc->dir.queue, list)
		if (hr->node == from)
			return true;
	return false;
}

/**
 * sc_home_adopt_locked() - @pg just became homed here by a new table.
 * @pg:	the page; pg->lock held.
 *
 * While its bucket's old home hands the directory over (dsm_sc_xfer.c),
 * the entry waits for it. Otherwise (no transfer: the first table, or
 * the old home was lost) the entry starts as a new page's would, the
 * copy this node holds, if any, being the page: owner here.
 */
void sc_home_adopt_locked(struct dsm_pg *pg)
{
	struct dsm_dir *d = &pg->sc->dir;
	u32 local = sc_local();

	lockdep_assert_held(&pg->lock);
	d->copyset = 0;
	d->lost = false;
	if (sc_xfer_pending(pg->pgno)) {
		d->awaiting = true;
		return;
	}
	d->awaiting = false;
	d->owner = local;
	if (dsm_members_lost(local))
		d->lost = true;
	else if (pg->access == DSM_ACC_NONE)
		pg->access = DSM_ACC_WRITE;
}

/*
 * Under pg->lock: @pg takes its home from the current table unless a
 * request of this node other than @req (NULL: none) is in flight (its
 * transaction runs at the home it went to), or its home is this node
 * (the entry is handed over by dsm_sc_xfer_out.c, which sets the new home).
 * The directory follows a bucket that moves (HOME_XFER), so a page with
 * a copy here moves too. Its home_epoch is the table's once its home is
 * the table's: a request addressed otherwise carries the older epoch,
 * and the home it reaches refuses it as stale.
 */
static void sc_home_take_locked(struct dsm_pg *pg, const struct dsm_req *req)
{
	u32 local = sc_local(), home;
	u64 epoch;

	lockdep_assert_held(&pg->lock);
	home = dsm_members_home(pg->pgno, &epoch);
	if (pg->home != local && pg->req == req && home != pg->home) {
		WRITE_ONCE(pg->home, home);
		dsm_stat_inc(DSM_STAT_HOME_MOVED);
		if (home == local)
			sc_home_adopt_locked(pg);
	}
	if (pg->home == home)
		WRITE_ONCE(pg->home_epoch, epoch);
}

/**
 * sc_home_refresh_locked() - take @pg's home from a newer home table.
 * @pg:	the page; pg->lock held.
 *
 * A page not homed here without a request in flight moves; its entry, if
 * it becomes homed here, waits for the old home's HOME_XFER
 * (sc_home_adopt_locked()). A page homed here moves when dsm_sc_xfer.c
 * has handed its entry over (Documentation/sc.md, "Moving a bucket").
 */
void sc_home_refresh_locked(struct dsm_pg *pg)
{
	lockdep_assert_held(&pg->lock);
	if (likely(pg->home_epoch == dsm_home_epoch()))
		return;
	sc_home_take_locked(pg, NULL);
}

/**
 * sc_home_readdress_locked() - address @req again, by the current table.
 * @pg:		the page; pg->lock held.
 * @req:	its request in flight, refused as stale by its home.
 *
 * As sc_home_refresh_locked(), the request itself not counting (it was
 * refused: no home holds it); then @req goes to @pg's home with the
 * epoch of the table that said so.
 */
void sc_home_readdress_locked(struct dsm_pg *pg, struct dsm_req *req)
{
	lockdep_assert_held(&pg->lock);
	sc_home_take_locked(pg, req);
	req->home = pg->home;
	req->epoch = pg->home_epoch;
}

/*
 * Under pg->lock: must a request queue (a transaction runs, or the entry
 * is still to come from the old home)?
 */
static bool sc_home_waits_locked(struct dsm_pg *pg)
{
	lockdep_assert_held(&pg->lock);
	return pg->sc->dir.busy || pg->sc->dir.awaiting;
}

/* Does the current table home @pg here, while @pg->home is still not? */
static bool sc_home_coming_here(struct dsm_pg *pg)
{
	u64 epoch;

	return dsm_members_home(pg->pgno, &epoch) == sc_local() &&
	       READ_ONCE(pg->home) != sc_local();
}

void sc_home_req(const struct dsm_msg *m)
{
	const struct dsm_msg_page_req *r = &m->u.page_req;
	u32 from = m->hdr.src;
	struct dsm_hreq *hr;
	struct dsm_pg *pg;
	struct sc_act a;
	int err = 0;

	if (!sc_home_epoch_ok(m))
		return;
	pg = dsm_pg_get_peer(r->page, DSM_MODEL_SC);
	if (!IS_ERR(pg)) {
		spin_lock(&pg->lock);
		sc_home_refresh_locked(pg);
		spin_unlock(&pg->lock);
	}
	if (IS_ERR(pg) || pg->home != sc_local()) {
		err = IS_ERR(pg) ? PTR_ERR(pg) : -EINVAL;
		/* Homed here by an older table: it moved, say so. */
		if (!IS_ERR(pg) && m->hdr.epoch < dsm_home_epoch())
			err = -ESTALE;
		/*
		 * Homed here by the current table, but this node's own
		 * request for the page is still in flight to the old home:
		 * the page moves here when it ends (sc_home_take_locked()).
		 * Ask again shortly, as for a request queued here.
		 */
		else if (!IS_ERR(pg) && sc_home_coming_here(pg))
			err = -EBUSY;
		else if (!IS_ERR(pg))
			sc_unexpected("PAGE_REQ (not its home)", r->page, from);
		sc_send_nack(from, m->hdr.req_id, DSM_MSG_PAGE_REQ, r->page,
			     err);
		return;
	}
	hr = kzalloc(sizeof(*hr), GFP_KERNEL);
	if (!hr) {
		sc_send_nack(from, m->hdr.req_id, DSM_MSG_PAGE_REQ, r->page,
			     -ENOMEM);
		return;
	}
	sc_act_init(&a);
	spin_lock(&pg->lock);
	sc_home_expire_locked(pg, &a);
	if (pg->sc->dir.lost) {
		err = -EHOSTDOWN;
	} else if (sc_xfer_moving_locked(pg)) {
		/*
		 * Its bucket is being handed over. A request of the table
		 * that moved it away goes to the new home (ESTALE); one of a
		 * table that moves it back here asks again shortly (EBUSY):
		 * the entry comes back once it has left.
		 */
		err = dsm_members_home(pg->pgno, NULL) == sc_local() ?
		      -EBUSY : -ESTALE;
	} else if (sc_home_waits_locked(pg) &&
		   sc_home_queued_locked(pg, from)) {
		dsm_stat_inc(DSM_STAT_RX_QUEUE_FULL);
		err = -EBUSY;
	} else if (sc_home_waits_locked(pg)) {
		hr->node = from;
		hr->access = r->access;
		hr->req_id = m->hdr.req_id;
		list_add_tail(&hr->list, &pg->sc->dir.queue);
		hr = NULL;
	} else {
		sc_home_begin_locked(pg, from, r->access, m->hdr.req_id, &a);
	}
	spin_unlock(&pg->lock);
	kfree(hr);
	if (err)
		sc_send_nack(from, m->hdr.req_id, DSM_MSG_PAGE_REQ, r->page,
			     err);
	/* Also what sc_home_expire_locked() decided. */
	sc_act_do(pg, &a);
}

void sc_home_ack(const struct dsm_msg *m)
{
	u64 pgno = m->u.inval_ack.page;
	u32 from = m->hdr.src;
	struct dsm_pg *pg = dsm_pg_find(pgno);
	struct sc_act a;

	if (!pg || pg->home != sc_local()) {
		sc_unexpected("INVAL_ACK", pgno, from);
		return;
	}
	sc_act_init(&a);
	spin_lock(&pg->lock);
	if (!pg->sc->dir.busy || !(pg->sc->dir.acks & BIT_ULL(from)) ||
	    pg->sc->dir.cur.req_id != m->hdr.req_id) {
		spin_unlock(&pg->lock);
		sc_unexpected("INVAL_ACK", pgno, from);
		return;
	}
	pg->sc->dir.acks &= ~BIT_ULL(from);
	pg->sc->dir.copyset &= ~BIT_ULL(from);
	if (!pg->sc->dir.acks && !pg->sc->dir.fwd_sent)
		sc_home_fwd_locked(pg, &a);
	spin_unlock(&pg->lock);
	sc_act_do(pg, &a);
}

void sc_home_confirm(const struct dsm_msg *m)
{
	const struct dsm_msg_confirm *c = &m->u.confirm;
	u32 from = m->hdr.src;
	struct dsm_pg *pg = dsm_pg_find(c->page);
	struct dsm_dir *d;
	struct sc_act a;

	if (!pg || pg->home != sc_local()) {
		sc_unexpected("CONFIRM", c->page, from);
		return;
	}
	sc_act_init(&a);
	spin_lock(&pg->lock);
	d = &pg->sc->dir;
	if (!d->busy || !d->fwd_sent || d->cur.node != from ||
	    d->cur.access != c->access || d->cur.req_id != m->hdr.req_id) {
		spin_unlock(&pg->lock);
		sc_unexpected("CONFIRM", c->page, from);
		return;
	}
	if (c->access == DSM_ACCESS_WRITE)
		sc_drop_plan_locked(pg, &a);
	sc_home_confirmed_locked(pg, &a);
	spin_unlock(&pg->lock);
	sc_act_do(pg, &a);
}

/*
 * Under pg->lock: the grant of the transaction in progress was refused
 * by its requester, which did not ask for it (a PAGE_REQ that a program
 * sent through debugfs, or one its node gave up before the grant came).
 * The requester installed nothing, so the directory stays as it was. A
 * read ends here: the owner kept its copy. A write made the owner give
 * its copy up, and only its frame still holds the page (the INVALs
 * removed the others): the home grants it back, read-only and without
 * data, as a transaction of the owner's with the same request id, which
 * the owner's CONFIRM ends. Nothing else is served meanwhile, so no
 * forward can reach the owner before the copy is its again.
 */
static void sc_home_refused_locked(struct dsm_pg *pg, struct sc_act *a)
{
	struct dsm_dir *d = &pg->sc->dir;

	lockdep_assert_held(&pg->lock);
	dsm_stat_inc(DSM_STAT_HOME_TXN_REFUSED);
	pr_info_ratelimited("page %llu: node %u refused the grant of its request: %s\n",
			    pg->pgno, d->cur.node,
			    d->cur.access == DSM_ACCESS_WRITE &&
			    d->owner != d->cur.node ?
			    "the copy goes back to its owner" : "nothing moved");
	if (d->cur.access == DSM_ACCESS_WRITE && d->owner != d->cur.node) {
		d->cur.node = d->owner;
		d->cur.access = DSM_ACCESS_READ;
		d->since = jiffies;
		mod_delayed_work(system_wq, &pg->sc->expire,
				 sc_home_patience());
		sc_home_fwd_locked(pg, a);
		return;
	}
	sc_home_next_locked(pg, a);
}

/*
 * Under pg->lock: is request @req_id @pg's transaction in progress, its
 * forward sent, to @from, the owner? What an owner's NACK of the forward
 * is taken for.
 */
static bool sc_home_fwd_now_locked(struct dsm_pg *pg, u32 from, u64 req_id)
{
	struct dsm_dir *d = &pg->sc->dir;

	lockdep_assert_held(&pg->lock);
	return d->busy && d->fwd_sent && d->cur.req_id == req_id &&
	       from == d->owner;
}

/**
 * sc_home_refused() - a refusal of a grant reached @pg's home.
 * @pg:		the page, homed here.
 * @from:	who says so.
 * @req_id:	the refused grant's request id.
 *
 * Taken only for the transaction in progress, once forwarded, and only
 * from the node that sent its grant: the owner (which passes its
 * requester's refusal on, sc_nack()), or the requester itself when it is
 * the owner and the home granted without data. Anyone else, or a
 * refusal of an older transaction, changes nothing.
 *
 * Return: true if taken.
 */
bool sc_home_refused(struct dsm_pg *pg, u32 from, u64 req_id)
{
	struct sc_act a;
	bool ok;

	sc_act_init(&a);
	spin_lock(&pg->lock);
	ok = sc_home_fwd_now_locked(pg, from, req_id);
	if (ok)
		sc_home_refused_locked(pg, &a);
	spin_unlock(&pg->lock);
	if (ok)
		sc_act_do(pg, &a);
	return ok;
}

/*
 * Under pg->lock, on @pg's home whose owner died: make a read copy's
 * holder the owner, if there is one. Read copies exist only while nobody
 * may write (a write invalidates them first), so each equals the dead
 * owner's page. Not while a write is in progress (its INVALs may have
 * dropped copies already). A read forwarded to the dead owner is
 * forwarded again, to the new one. Return: true if promoted.
 */
static bool sc_home_promote_locked(struct dsm_pg *pg, struct sc_act *a)
{
	struct dsm_dir *d = &pg->sc->dir;
	unsigned long copies = d->copyset;

	lockdep_assert_held(&pg->lock);
	if (!copies || (d->busy && d->cur.access == DSM_ACCESS_WRITE))
		return false;
	d->owner = __ffs(copies);
	d->copyset &= ~BIT_ULL(d->owner);
	pr_info_ratelimited("page %llu: its owner died; node %u, which holds a copy, owns it now\n",
			    pg->pgno, d->owner);
	if (d->busy && d->fwd_sent)
		sc_home_fwd_locked(pg, a);
	return true;
}

/*
 * Under pg->lock, on @pg's home whose owner died with no read copy left
 * (or whose write went to a node that died): the members are asked for
 * their frames of it (dsm_sc_rehome.c), and the newest one another node
 * saw becomes the page (Documentation/sc.md, "Shadows"). Requests queue
 * until then; if nobody alive has a frame of it, it is lost.
 */
static void sc_home_requery_locked(struct dsm_pg *pg)
{
	struct dsm_dir *d = &pg->sc->dir;

	lockdep_assert_held(&pg->lock);
	d->awaiting = true;
	d->requery = true;
	d->shadow = false;
	d->kept = 0;
	sc_rehome_requery(pg->pgno);
}

/**
 * sc_home_fwd_failed() - the owner did not serve @pg's forward.
 * @pg:		the page, homed here.
 * @from:	who says so.
 * @req_id:	the forwarded request's id.
 * @err:	why, the positive errno of the owner's NACK of PAGE_FWD:
 *		ESTALE, it did not take this node for the page's home (its
 *		table did not come in time, sc_from_home_wait()); EIO, it
 *		has no copy; another, it could not serve. The requester
 *		fails at its own timeout, or at once when told by the owner.
 *
 * Taken only for the transaction in progress, once forwarded, from the
 * owner it was forwarded to, not the requester. The owner gave nothing,
 * so nothing moved: the transaction ends with the directory as it was (a
 * write's INVALs only took the read copies). Else its expiry would take
 * the missing CONFIRM as given and name a requester owner that never got
 * the page. EIO: the entry names an owner without a copy: the members
 * are asked what they hold (sc_home_requery_locked()).
 *
 * Return: true if taken.
 */
bool sc_home_fwd_failed(struct dsm_pg *pg, u32 from, u64 req_id, u32 err)
{
	struct dsm_dir *d = &pg->sc->dir;
	struct sc_act a;
	bool ok;

	sc_act_init(&a);
	spin_lock(&pg->lock);
	ok = sc_home_fwd_now_locked(pg, from, req_id) && from != d->cur.node;
	if (ok) {
		dsm_stat_inc(DSM_STAT_HOME_FWD_FAILED);
		pr_info_ratelimited("page %llu: its owner, node %u, did not serve node %u's request (error %u): nothing moved\n",
				    pg->pgno, from, d->cur.node, err);
		if (err == EIO && !d->lost && !d->awaiting)
			sc_home_requery_locked(pg);
		sc_home_next_locked(pg, &a);
	}
	spin_unlock(&pg->lock);
	if (ok)
		sc_act_do(pg, &a);
	return ok;
}

/*
 * Under pg->lock, on @pg's home: node @dead is down. It leaves the
 * copyset and the queue; a page it owned is lost; a transaction waiting
 * on it ends or goes on without it. What to send goes into @a.
 */
void sc_home_node_down_locked(struct dsm_pg *pg, u32 dead, struct sc_act *a)
{
	struct dsm_dir *d = &pg->sc->dir;
	struct dsm_hreq *hr, *tmp;

	lockdep_assert_held(&pg->lock);
	d->copyset &= ~BIT_ULL(dead);
	if (d->owner == dead && !d->lost && !d->awaiting &&
	    sc_home_promote_locked(pg, a))
		dsm_stat_inc(DSM_STAT_PAGE_OWNER_PROMOTED);
	else if (d->owner == dead && !d->lost && !d->awaiting)
		sc_home_requery_locked(pg);
	list_for_each_entry_safe(hr, tmp, &d->queue, list) {
		if (hr->node == dead) {
			list_del(&hr->list);
			kfree(hr);
		}
	}
	if (d->busy && d->cur.node == dead) {
		/*
		 * A write forwarded to a dead node took the page: the
		 * owner that gave it up keeps its frame, the newest.
		 */
		if (d->cur.access == DSM_ACCESS_WRITE && d->fwd_sent &&
		    !d->lost && !d->awaiting)
			sc_home_requery_locked(pg);
		sc_home_next_locked(pg, a);
	} else if (d->busy && d->awaiting) {
		/* Served again once the entry is rebuilt. */
		hr = kzalloc(sizeof(*hr), GFP_ATOMIC);
		if (hr) {
			*hr = d->cur;
			list_add(&hr->list, &d->queue);
		}
		sc_home_next_locked(pg, a);
	} else if (d->busy && d->lost) {
		hr = kzalloc(sizeof(*hr), GFP_ATOMIC);
		if (hr) {
			*hr = d->cur;
			list_add_tail(&hr->list, &a->nacks);
		}
		sc_home_next_locked(pg, a);
	} else if (d->busy && (d->acks & BIT_ULL(dead))) {
		d->acks &= ~BIT_ULL(dead);
		if (!d->acks && !d->fwd_sent)
			sc_home_fwd_locked(pg, a);
	}
}

// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_sc.c - the sc consistency model: Ivy's single writer, many readers
 * per page, with a fixed home per page that keeps the directory.
 *
 * Roles (one node may hold several for one page):
 *  - requester: a node that faults. It sends PAGE_REQ to the home, gets
 *    PAGE_GRANT (from the owner), installs the page and sends CONFIRM.
 *  - home: page number modulo the number of nodes (dsm_members_home()).
 *    It keeps owner and copyset, serves one request per page at a time in
 *    arrival order (the others queue), invalidates every copy before a
 *    write (INVAL, INVAL_ACK) and forwards the request to the owner
 *    (PAGE_FWD). A transaction ends with the requester's CONFIRM.
 *  - owner: holds the up-to-date copy, writable or read-only. On PAGE_FWD
 *    it sends the page to the requester: for a read it keeps a read-only
 *    copy and stays owner, for a write it gives the page up.
 * A page starts owned, writable and zero at its home.
 *
 * Messages to this node itself are handled synchronously by
 * dsm_msg_send(), so the handlers below never hold a lock while sending:
 * they decide under dsm_pg.lock (struct sc_act) and act after.
 * Documentation/sc.md has the whole protocol, the failure rules and the
 * locking.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sc: " fmt

#include <linux/bitops.h>
#include <linux/delay.h>
#include <linux/highmem.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "dsm_internal.h"
#include "dsm_model.h"
#include "dsm_transport.h"

/* The model's ops table, defined at the end; requests point to it. */
static const struct dsm_model_ops dsm_sc_ops;

/**
 * struct dsm_hreq - a request queued at the home (directory side).
 * @list:	in dsm_dir.queue.
 * @node:	requester.
 * @access:	DSM_ACCESS_READ or DSM_ACCESS_WRITE.
 * @req_id:	the requester's request id.
 */
struct dsm_hreq {
	struct list_head list;
	u8 node;
	u8 access;
	u64 req_id;
};

/**
 * struct dsm_dir - directory entry of a page, kept by its home node.
 * @owner:	node holding the up-to-date copy (writable or not).
 * @copyset:	bit n: node n holds a read copy (the owner excluded).
 * @busy:	a transaction is in progress (@cur); others queue.
 * @fwd_sent:	@cur has been forwarded to the owner.
 * @lost:	the page cannot be obtained any more (its owner died).
 * @acks:	INVAL_ACKs still awaited for @cur.
 * @cur:	the transaction in progress, when @busy.
 * @queue:	struct dsm_hreq waiting, served in arrival order.
 *
 * All fields under dsm_pg.lock.
 */
struct dsm_dir {
	u8 owner;
	u8 copyset;
	bool busy;
	bool fwd_sent;
	bool lost;
	u8 acks;
	struct dsm_hreq cur;
	struct list_head queue;
};

/**
 * struct sc_pg - sc state of one page (dsm_pg.sc), made by sc_pg_init().
 * @dir:	the page's directory entry; meaningful only on its home.
 */
struct sc_pg {
	struct dsm_dir dir;
};

/**
 * struct sc_act - what a home handler decided, to do once unlocked.
 * @inval:	nodes to send INVAL to.
 * @new_owner:	INVAL's new owner.
 * @fwd:	send PAGE_FWD (to @fwd_to) for the current transaction.
 * @fwd_to:	the owner.
 * @access:	forwarded access.
 * @flags:	forwarded DSM_PAGE_F_*.
 * @requester:	forwarded requester.
 * @req_id:	its request id.
 * @nacks:	struct dsm_hreq to refuse (and free).
 * @nack_err:	with this errno.
 */
struct sc_act {
	u8 inval;
	u8 new_owner;
	bool fwd;
	u8 fwd_to;
	u8 access;
	u8 flags;
	u8 requester;
	u64 req_id;
	struct list_head nacks;
	int nack_err;
};

static void sc_act_init(struct sc_act *a)
{
	memset(a, 0, sizeof(*a));
	INIT_LIST_HEAD(&a->nacks);
}

/* How soon a request refused for want of a region is sent again. */
#define SC_NO_REGION_RETRY	msecs_to_jiffies(20)

static u32 sc_local(void)
{
	return dsm_transport_local();
}

static void sc_unexpected(const char *what, u64 pgno, u32 from)
{
	dsm_stat_inc(DSM_STAT_RX_UNEXPECTED);
	pr_warn_ratelimited("unexpected %s for page %llu from node %u: ignored\n",
			    what, pgno, from);
}

/*
 * Is @m from the home of page @pgno? INVAL and PAGE_FWD may come from
 * nobody else: a node that is not the page's home cannot make this node
 * drop or hand over its copy (issue 12, finding 3).
 */
static bool sc_from_home(const struct dsm_msg *m, u64 pgno, const char *what)
{
	struct dsm_pg *pg = dsm_pg_find(pgno);
	u32 home = pg ? pg->home : dsm_members_home(pgno);

	if (m->hdr.src == home)
		return true;
	dsm_stat_inc(DSM_STAT_RX_WRONG_SENDER);
	pr_warn_ratelimited("%s for page %llu from node %u, not its home (node %u): ignored\n",
			    what, pgno, m->hdr.src, home);
	return false;
}

static void sc_send_nack(u32 to, u64 req_id, u8 type, u64 pgno, int err)
{
	struct dsm_msg m = {
		.hdr.type = DSM_MSG_NACK,
		.hdr.dst = to,
		.hdr.req_id = req_id,
		.u.nack.error = -err,
		.u.nack.nacked_type = type,
		.u.nack.arg = pgno,
	};

	dsm_msg_send(&m);
}

/* Wait while a copy just granted here has not been used yet (bounded). */
static void sc_hold(struct dsm_pg *pg)
{
	u64 until = READ_ONCE(pg->hold_until), now;

	if (!until)
		return;
	now = ktime_get_ns();
	if (now < until) {
		u64 us = div_u64(until - now, NSEC_PER_USEC);

		dsm_stat_inc(DSM_STAT_GRANT_HOLD);
		usleep_range(us, us + 50);
	}
	WRITE_ONCE(pg->hold_until, 0);
}

/* ---------------------------------------------------------- home */

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
	if (d->cur.access == DSM_ACCESS_WRITE &&
	    (d->owner == d->cur.node || (d->copyset & BIT(d->cur.node))))
		a->flags = DSM_PAGE_F_HAVE_COPY;
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
	a->req_id = req_id;
	if (access == DSM_ACCESS_WRITE) {
		d->acks = d->copyset & ~BIT(from) & ~BIT(d->owner);
		a->inval = d->acks;
		a->new_owner = from;
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

static void sc_act_do(struct dsm_pg *pg, struct sc_act *a)
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
		dsm_msg_send(&m);
	}
	list_for_each_entry_safe(hr, tmp, &a->nacks, list) {
		sc_send_nack(hr->node, hr->req_id, DSM_MSG_PAGE_REQ, pg->pgno,
			     a->nack_err);
		kfree(hr);
	}
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

static void sc_home_req(const struct dsm_msg *m)
{
	const struct dsm_msg_page_req *r = &m->u.page_req;
	u32 from = m->hdr.src;
	struct dsm_hreq *hr;
	struct dsm_pg *pg;
	struct sc_act a;

	pg = dsm_pg_get_peer(r->page, DSM_MODEL_SC);
	if (IS_ERR(pg) || pg->home != sc_local()) {
		if (!IS_ERR(pg))
			sc_unexpected("PAGE_REQ (not its home)", r->page, from);
		sc_send_nack(from, m->hdr.req_id, DSM_MSG_PAGE_REQ, r->page,
			     IS_ERR(pg) ? PTR_ERR(pg) : -EINVAL);
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
	if (pg->sc->dir.lost) {
		spin_unlock(&pg->lock);
		kfree(hr);
		sc_send_nack(from, m->hdr.req_id, DSM_MSG_PAGE_REQ, r->page,
			     -EHOSTDOWN);
		return;
	}
	if (pg->sc->dir.busy && sc_home_queued_locked(pg, from)) {
		spin_unlock(&pg->lock);
		kfree(hr);
		dsm_stat_inc(DSM_STAT_RX_QUEUE_FULL);
		sc_send_nack(from, m->hdr.req_id, DSM_MSG_PAGE_REQ, r->page,
			     -EBUSY);
		return;
	}
	if (pg->sc->dir.busy) {
		hr->node = from;
		hr->access = r->access;
		hr->req_id = m->hdr.req_id;
		list_add_tail(&hr->list, &pg->sc->dir.queue);
		spin_unlock(&pg->lock);
		return;
	}
	sc_home_begin_locked(pg, from, r->access, m->hdr.req_id, &a);
	spin_unlock(&pg->lock);
	kfree(hr);
	sc_act_do(pg, &a);
}

static void sc_home_ack(const struct dsm_msg *m)
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
	if (!pg->sc->dir.busy || !(pg->sc->dir.acks & BIT(from)) ||
	    pg->sc->dir.cur.req_id != m->hdr.req_id) {
		spin_unlock(&pg->lock);
		sc_unexpected("INVAL_ACK", pgno, from);
		return;
	}
	pg->sc->dir.acks &= ~BIT(from);
	pg->sc->dir.copyset &= ~BIT(from);
	if (!pg->sc->dir.acks && !pg->sc->dir.fwd_sent)
		sc_home_fwd_locked(pg, &a);
	spin_unlock(&pg->lock);
	sc_act_do(pg, &a);
}

static void sc_home_confirm(const struct dsm_msg *m)
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
	if (c->access == DSM_ACCESS_WRITE) {
		d->owner = from;
		d->copyset = 0;
	} else if (from != d->owner) {
		d->copyset |= BIT(from);
	}
	sc_home_next_locked(pg, &a);
	spin_unlock(&pg->lock);
	sc_act_do(pg, &a);
}

/* ---------------------------------------------------------- owner */

static void sc_owner_fwd(const struct dsm_msg *m)
{
	const struct dsm_msg_page_fwd *f = &m->u.page_fwd;
	u32 local = sc_local();
	struct dsm_msg g = {
		.hdr.type = DSM_MSG_PAGE_GRANT,
		.hdr.dst = f->requester,
		.hdr.req_id = f->req_id,
		.u.page_grant.page = f->page,
		.u.page_grant.access = f->access,
	};
	void *data = NULL, *p;
	struct dsm_pg *pg;
	int err = 0;

	if (!sc_from_home(m, f->page, "PAGE_FWD"))
		return;
	pg = dsm_pg_get_peer(f->page, DSM_MODEL_SC);
	if (IS_ERR(pg)) {
		err = PTR_ERR(pg);
		goto nack;
	}
	if (f->requester != local &&
	    !(f->access == DSM_ACCESS_WRITE &&
	      (f->flags & DSM_PAGE_F_HAVE_COPY))) {
		data = kmalloc(DSM_PAGE_SIZE, GFP_KERNEL);
		if (!data) {
			err = -ENOMEM;
			goto nack;
		}
	}
	err = dsm_pg_frame(pg);
	if (err)
		goto nack;
	sc_hold(pg);
	folio_lock(pg->folio);
	if (pg->access == DSM_ACC_NONE) {
		folio_unlock(pg->folio);
		sc_unexpected("PAGE_FWD (no copy here)", f->page,
			      m->hdr.src);
		err = -EIO;
		goto nack;
	}
	if (f->requester != local) {
		/* Nobody may write the page while we copy it out. */
		if (f->access == DSM_ACCESS_WRITE)
			pg->access = DSM_ACC_NONE;
		else
			pg->access = DSM_ACC_READ;
		dsm_pg_zap(pg);
		if (data) {
			p = kmap_local_folio(pg->folio, 0);
			memcpy(data, p, DSM_PAGE_SIZE);
			kunmap_local(p);
		}
	}
	folio_unlock(pg->folio);
	g.u.page_grant.owner = f->access == DSM_ACCESS_WRITE ? f->requester :
							       local;
	g.u.page_grant.data = data;
	if (data)
		dsm_stat_inc(DSM_STAT_PAGE_SENT);
	dsm_msg_send(&g);
	kfree(data);
	return;
nack:
	kfree(data);
	sc_send_nack(f->requester, f->req_id, DSM_MSG_PAGE_FWD, f->page, err);
}

/* ---------------------------------------------------------- requester */

/* Find @pg's request with id @id and take a reference, or NULL. */
static struct dsm_req *sc_req_get(struct dsm_pg *pg, u64 id)
{
	struct dsm_req *req;

	spin_lock(&pg->lock);
	req = pg->req;
	if (req && req->id == id)
		kref_get(&req->ref);
	else
		req = NULL;
	spin_unlock(&pg->lock);
	return req;
}

static void sc_grant(const struct dsm_msg *m)
{
	const struct dsm_msg_page_grant *g = &m->u.page_grant;
	u32 local = sc_local();
	struct dsm_req *req;
	struct dsm_pg *pg;
	struct dsm_msg c;
	bool waiters;
	void *p;
	int err;

	pg = dsm_pg_find(g->page);
	req = pg ? sc_req_get(pg, m->hdr.req_id) : NULL;
	if (!req) {
		sc_unexpected("PAGE_GRANT", g->page, m->hdr.src);
		return;
	}
	err = -EPROTO;
	if (g->access < req->access ||
	    (g->access == DSM_ACCESS_WRITE && g->owner != local))
		goto out;
	err = dsm_pg_frame(pg);
	if (err)
		goto out;
	folio_lock(pg->folio);
	if (g->data) {
		p = kmap_local_folio(pg->folio, 0);
		memcpy(p, g->data, DSM_PAGE_SIZE);
		kunmap_local(p);
		dsm_stat_inc(DSM_STAT_PAGE_FETCHED);
	} else if (pg->access == DSM_ACC_NONE) {
		err = -EPROTO;
	}
	if (!err && g->access > pg->access)
		pg->access = g->access;
	folio_unlock(pg->folio);
out:
	if (err)
		pr_warn_ratelimited("bad grant for page %llu from node %u\n",
				    g->page, m->hdr.src);
	/* Keep the page for the local waiters a moment (see sc_hold()). */
	waiters = kref_read(&req->ref) > 2;
	if (!err && waiters)
		WRITE_ONCE(pg->hold_until, ktime_get_ns() + dsm_grant_hold_ns());
	dsm_req_complete(pg, req, err);
	dsm_req_put(req);
	if (err)
		return;
	memset(&c, 0, sizeof(c));
	c.hdr.type = DSM_MSG_CONFIRM;
	c.hdr.dst = pg->home;
	c.hdr.req_id = m->hdr.req_id;
	c.u.confirm.page = g->page;
	c.u.confirm.access = g->access;
	dsm_msg_send(&c);
}

static void sc_nack(const struct dsm_msg *m)
{
	const struct dsm_msg_nack *n = &m->u.nack;
	struct dsm_req *req;
	struct dsm_pg *pg;

	pg = dsm_pg_find(n->arg);
	req = pg ? sc_req_get(pg, m->hdr.req_id) : NULL;
	if (!req || (n->nacked_type != DSM_MSG_PAGE_REQ &&
		     n->nacked_type != DSM_MSG_PAGE_FWD)) {
		sc_unexpected("NACK", n->arg, m->hdr.src);
		if (req)
			dsm_req_put(req);
		return;
	}
	/*
	 * The home does not know the page's region yet: it was just made
	 * here and dsmd is still replicating it. Ask again shortly, until
	 * the waiter gives up (Documentation/sc.md "Regions").
	 */
	if (n->nacked_type == DSM_MSG_PAGE_REQ && n->error == ENXIO &&
	    m->hdr.src == req->home &&
	    dsm_req_start_later(pg, req, SC_NO_REGION_RETRY)) {
		dsm_req_put(req);
		return;
	}
	/* Only the protocol's errnos: a peer's EAGAIN must not mean "wait". */
	dsm_req_complete(pg, req, dsm_wire_errno(n->error));
	dsm_req_put(req);
}

static void sc_inval(const struct dsm_msg *m)
{
	const struct dsm_msg_inval *i = &m->u.inval;
	struct dsm_pg *pg = dsm_pg_find(i->page);
	struct dsm_msg a = {
		.hdr.type = DSM_MSG_INVAL_ACK,
		.hdr.dst = m->hdr.src,
		.hdr.req_id = m->hdr.req_id,
		.u.inval_ack.page = i->page,
	};

	dsm_stat_inc(DSM_STAT_INVAL_RECV);
	if (!sc_from_home(m, i->page, "INVAL"))
		return;
	if (pg && dsm_pg_folio(pg)) {
		sc_hold(pg);
		folio_lock(pg->folio);
		if (pg->access != DSM_ACC_NONE) {
			pg->access = DSM_ACC_NONE;
			dsm_pg_zap(pg);
		}
		folio_unlock(pg->folio);
	}
	dsm_msg_send(&a);
}

/* ---------------------------------------------------------- faults */

/*
 * Under pg->lock: may a fault wanting @want be served from the local copy?
 * Not a read while this node's own write upgrade of the page is in flight:
 * page_mkwrite started it and unmapped the page, and the write that
 * faulted may come back as a read fault (a locked read-modify-write does,
 * under QEMU's TCG). Served from the read-only copy it would take the
 * write-protect fault again, join the upgrade, unmap, and so on: a loop
 * that spins a CPU until the grant arrives. Waiting for the upgrade
 * costs a plain reader at most the upgrade's round trip.
 */
static bool sc_local_ok_locked(struct dsm_pg *pg, u8 want)
{
	lockdep_assert_held(&pg->lock);
	if (READ_ONCE(pg->access) < want)	/* changed under the folio lock */
		return false;
	return !(want == DSM_ACC_READ && pg->req && !pg->req->expired &&
		 pg->req->access == DSM_ACC_WRITE);
}

static int sc_access(struct dsm_pg *pg, u8 want, struct dsm_req **reqp)
{
	struct dsm_req *new = NULL;
	bool local;
	int ret;

again:
	if (READ_ONCE(pg->access) >= want) {
		spin_lock(&pg->lock);
		local = sc_local_ok_locked(pg, want);
		spin_unlock(&pg->lock);
	} else {
		local = false;
	}
	if (local) {
		ret = dsm_pg_frame(pg);
		if (ret)
			goto out;
		folio_lock(pg->folio);
		if (pg->access >= want) {
			WRITE_ONCE(pg->hold_until, 0);
			ret = 0;
			goto out;
		}
		folio_unlock(pg->folio);
	}
	if (!new) {
		new = dsm_req_alloc(pg, want, &dsm_sc_ops);
		if (!new)
			return -ENOMEM;
	}
	spin_lock(&pg->lock);
	if (sc_local_ok_locked(pg, want)) {
		spin_unlock(&pg->lock);
		goto again;
	}
	/* A page homed on a node that died is lost for good. */
	if (!dsm_pg_failing_locked(pg) && dsm_members_lost(pg->home))
		pg->fail_err = -EHOSTDOWN;
	new->home = pg->home;
	ret = dsm_req_join_locked(pg, new, reqp);
	spin_unlock(&pg->lock);
	if (ret == -EINPROGRESS)
		new = NULL;	/* the caller's reference is *reqp's now */
out:
	if (new)
		dsm_req_put(new);
	return ret;
}

static int sc_fault(struct dsm_pg *pg, struct dsm_req **req)
{
	return sc_access(pg, DSM_ACC_READ, req);
}

static int sc_write_fault(struct dsm_pg *pg, struct dsm_req **req)
{
	return sc_access(pg, DSM_ACC_WRITE, req);
}

static void sc_start(struct dsm_pg *pg, struct dsm_req *req)
{
	struct dsm_msg m = {
		.hdr.type = DSM_MSG_PAGE_REQ,
		.hdr.dst = req->home,
		.hdr.req_id = req->id,
		.u.page_req.page = req->pgno,
		.u.page_req.access = req->access,
	};
	int ret;

	if (req->access == DSM_ACCESS_WRITE &&
	    READ_ONCE(pg->access) >= DSM_ACC_READ)
		m.u.page_req.flags = DSM_PAGE_F_HAVE_COPY;
	ret = dsm_members_wait(req->home, dsm_fault_timeout());
	if (!ret)
		ret = dsm_msg_send(&m);
	if (ret)
		dsm_req_complete(pg, req, ret);
}

/* sc needs no synchronisation calls: every access is already ordered. */
static int sc_sync_nop(struct dsm_file *f, u32 id)
{
	return 0;
}

/* ---------------------------------------------------------- failures */

static void sc_pg_node_down(struct dsm_pg *pg, void *arg)
{
	u32 dead = *(u32 *)arg;
	struct dsm_req *req = NULL;
	struct dsm_dir *d = &pg->sc->dir;
	struct sc_act a;

	sc_act_init(&a);
	a.nack_err = -EHOSTDOWN;
	spin_lock(&pg->lock);
	if (pg->req && pg->req->home == dead) {
		req = pg->req;
		kref_get(&req->ref);
	}
	if (pg->home == sc_local()) {
		struct dsm_hreq *hr, *tmp;

		d->copyset &= ~BIT(dead);
		if (d->owner == dead && !d->lost) {
			d->lost = true;
			pr_warn_ratelimited("page %llu lost: its owner, node %u, is down\n",
					    pg->pgno, dead);
		}
		list_for_each_entry_safe(hr, tmp, &d->queue, list) {
			if (hr->node == dead) {
				list_del(&hr->list);
				kfree(hr);
			}
		}
		if (d->busy && d->cur.node == dead) {
			/* A write forwarded to a dead node took the page. */
			if (d->cur.access == DSM_ACCESS_WRITE && d->fwd_sent)
				d->lost = true;
			sc_home_next_locked(pg, &a);
		} else if (d->busy && d->lost) {
			hr = kzalloc(sizeof(*hr), GFP_ATOMIC);
			if (hr) {
				*hr = d->cur;
				list_add_tail(&hr->list, &a.nacks);
			}
			sc_home_next_locked(pg, &a);
		} else if (d->busy && (d->acks & BIT(dead))) {
			d->acks &= ~BIT(dead);
			if (!d->acks && !d->fwd_sent)
				sc_home_fwd_locked(pg, &a);
		}
	}
	spin_unlock(&pg->lock);
	if (req) {
		dsm_req_complete(pg, req, -EHOSTDOWN);
		dsm_req_put(req);
	}
	sc_act_do(pg, &a);
}

static void sc_node_down(u32 id)
{
	dsm_mem_for_each(sc_pg_node_down, &id);
}

static int sc_pg_init(struct dsm_pg *pg)
{
	u32 local = sc_local();
	struct sc_pg *sp;

	sp = kzalloc(sizeof(*sp), GFP_KERNEL);
	if (!sp)
		return -ENOMEM;
	INIT_LIST_HEAD(&sp->dir.queue);
	if (pg->home == local) {
		sp->dir.owner = local;
		pg->access = DSM_ACC_WRITE;
	}
	pg->sc = sp;
	return 0;
}

static void sc_pg_free(struct dsm_pg *pg)
{
	struct dsm_hreq *hr, *tmp;

	if (!pg->sc)
		return;
	list_for_each_entry_safe(hr, tmp, &pg->sc->dir.queue, list)
		kfree(hr);
	kfree(pg->sc);
	pg->sc = NULL;
}

/* The messages sc receives, by type (Documentation/sc.md). */
static const dsm_recv_fn sc_recv[DSM_MSG_TYPE_MAX + 1] = {
	[DSM_MSG_PAGE_REQ]	= sc_home_req,
	[DSM_MSG_PAGE_FWD]	= sc_owner_fwd,
	[DSM_MSG_PAGE_GRANT]	= sc_grant,
	[DSM_MSG_INVAL]		= sc_inval,
	[DSM_MSG_INVAL_ACK]	= sc_home_ack,
	[DSM_MSG_CONFIRM]	= sc_home_confirm,
	[DSM_MSG_NACK]		= sc_nack,
};

static const struct dsm_model_ops dsm_sc_ops = {
	.name		= "sc",
	.id		= DSM_MODEL_SC,
	.fault		= sc_fault,
	.write_fault	= sc_write_fault,
	.start		= sc_start,
	.acquire	= sc_sync_nop,
	.release	= sc_sync_nop,
	.barrier	= sc_sync_nop,
	.recv		= sc_recv,
	.node_down	= sc_node_down,
	.pg_init	= sc_pg_init,
	.pg_free	= sc_pg_free,
};

int dsm_sc_init(void)
{
	return dsm_model_register(&dsm_sc_ops);
}

void dsm_sc_exit(void)
{
	dsm_model_unregister(&dsm_sc_ops);
}

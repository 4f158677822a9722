// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_sc.c - the sc consistency model: Ivy's single writer, many readers
 * per page, with a fixed home per page that keeps the directory.
 *
 * Roles (one node may hold several for one page):
 *  - requester: a node that faults. It sends PAGE_REQ to the home, gets
 *    PAGE_GRANT (from the owner), installs the page and sends CONFIRM.
 *  - home: from the home table dsmd pushes (dsm_members_home(); page
 *    number modulo the number of nodes before the first table).
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

#include "core/dsm_diff.h"
#include "dsm_sc.h"

/* The model's ops table, defined at the end; requests point to it. */
static const struct dsm_model_ops dsm_sc_ops;

void sc_unexpected(const char *what, u64 pgno, u32 from)
{
	dsm_stat_inc(DSM_STAT_RX_UNEXPECTED);
	pr_warn_ratelimited("unexpected %s for page %llu from node %u: ignored\n",
			    what, pgno, from);
}

/* Is @node a home of page @pgno by what this node knows (sc_from_home())? */
static bool sc_home_known(u64 pgno, u32 node)
{
	struct dsm_pg *pg = dsm_pg_find(pgno);

	return node == dsm_members_home(pgno, NULL) ||
	       (pg && node == READ_ONCE(pg->home)) || dsm_home_was(pgno, node);
}

/*
 * Is @m from the home of page @pgno? INVAL and PAGE_FWD may come from
 * nobody else: a node that is not the page's home cannot make this node
 * drop or hand over its copy (issue 12, finding 3). While a bucket moves
 * (dsm_sc_xfer.c), its home is the one this node knows the page by, the
 * current table's (the new home), or one of the last tables' (an old
 * home draining its transactions: tables may come faster than that).
 * Does not sleep.
 */
bool sc_from_home(const struct dsm_msg *m, u64 pgno, const char *what)
{
	struct dsm_pg *pg;
	u32 home;

	if (sc_home_known(pgno, m->hdr.src))
		return true;
	pg = dsm_pg_find(pgno);
	home = pg ? READ_ONCE(pg->home) : dsm_members_home(pgno, NULL);
	dsm_stat_inc(DSM_STAT_RX_WRONG_SENDER);
	pr_warn_ratelimited("%s for page %llu from node %u, not its home (node %u): ignored\n",
			    what, pgno, m->hdr.src, home);
	return false;
}

/*
 * As sc_from_home(), for a transaction's INVAL and PAGE_FWD, which must
 * not be lost: a table reaches the nodes at different moments, and the
 * home a newer table gave the page to may begin transactions before this
 * node has that table. A message whose epoch says so waits for it, as a
 * PAGE_REQ of a newer epoch does (home_msg_held; at most fault_timeout_ms,
 * sc_epoch_catch_up()); then it is judged. Sleeps (receive context).
 */
bool sc_from_home_wait(const struct dsm_msg *m, u64 pgno, const char *what)
{
	if (!sc_home_known(pgno, m->hdr.src) &&
	    m->hdr.epoch > dsm_home_epoch()) {
		dsm_stat_inc(DSM_STAT_HOME_MSG_HELD);
		sc_epoch_catch_up(m->hdr.epoch);
	}
	return sc_from_home(m, pgno, what);
}

void sc_send_nack(u32 to, u64 req_id, u8 type, u64 pgno, int err)
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
void sc_hold(struct dsm_pg *pg)
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

/*
 * CONFIRM to @home: the home whose transaction the grant ended (the one
 * the request went to, which a moving bucket may have made another
 * than pg->home since).
 */
static void sc_send_confirm(struct dsm_pg *pg, u32 home, u64 req_id,
			    u8 access)
{
	struct dsm_msg c = {
		.hdr.type = DSM_MSG_CONFIRM,
		.hdr.dst = home,
		.hdr.req_id = req_id,
		.u.confirm.page = pg->pgno,
		.u.confirm.access = access,
	};

	dsm_msg_send(&c);
}

/*
 * Is @m the home giving this node back the copy it sent away with the
 * grant of request @given_id, which its requester refused
 * (sc_home_refused_locked())? Then the frame, untouched since, is the
 * page: take it read-only again, as its owner, and confirm.
 */
static bool sc_give_back(const struct dsm_msg *m, struct dsm_pg *pg)
{
	const struct dsm_msg_page_grant *g = &m->u.page_grant;
	struct folio *folio;
	bool ok;

	if (g->access != DSM_ACCESS_READ || g->data ||
	    g->owner != sc_local())
		return false;
	/* Never dropped before the transaction that gave it ended. */
	folio = dsm_pg_lock_frame(pg);
	if (!folio)
		return false;
	spin_lock(&pg->lock);
	ok = pg->sc->given_id == m->hdr.req_id &&
	     pg->sc->given_by == m->hdr.src;
	if (ok)
		pg->sc->given_id = 0;
	spin_unlock(&pg->lock);
	if (ok && pg->access < DSM_ACC_READ)
		pg->access = DSM_ACC_READ;
	folio_unlock(folio);
	if (!ok)
		return false;
	dsm_stat_inc(DSM_STAT_PAGE_GIVEN_BACK);
	sc_send_confirm(pg, m->hdr.src, m->hdr.req_id, DSM_ACCESS_READ);
	return true;
}

/*
 * A grant that matches no request of this node (Documentation/sc.md
 * "Grants nobody asked for"): installing it could make a copy the home
 * does not know of, and dropping it could lose the page (a write grant
 * carries the only copy left) and keeps the home's transaction waiting.
 * It is refused instead, to its sender, with NACK(PAGE_FWD) ENOENT: the
 * owner that sent it passes the refusal on to the home, which checks it
 * against its transaction and ends it, giving a write's copy back to
 * its owner. What is not current there changes nothing. Only a copy of
 * a grant that did complete a request here is not refused: its CONFIRM
 * may still be on its way, and the transaction is this node's.
 */
static void sc_grant_unasked(const struct dsm_msg *m, struct dsm_pg *pg)
{
	const struct dsm_msg_page_grant *g = &m->u.page_grant;
	bool dup = false;

	if (pg && sc_give_back(m, pg))
		return;
	if (pg) {
		spin_lock(&pg->lock);
		dup = pg->sc->done_id == m->hdr.req_id;
		spin_unlock(&pg->lock);
	}
	if (dup) {
		sc_unexpected("PAGE_GRANT (a copy)", g->page, m->hdr.src);
		return;
	}
	dsm_stat_inc(DSM_STAT_RX_UNEXPECTED);
	dsm_stat_inc(DSM_STAT_GRANT_REFUSED);
	pr_warn_ratelimited("PAGE_GRANT for page %llu from node %u answers no request of this node: refused\n",
			    g->page, m->hdr.src);
	sc_send_nack(m->hdr.src, m->hdr.req_id, DSM_MSG_PAGE_FWD, g->page,
		     -ENOENT);
}

/* Does grant @m answer @req as the requester asked? */
static bool sc_grant_fits(const struct dsm_msg *m, const struct dsm_req *req)
{
	const struct dsm_msg_page_grant *g = &m->u.page_grant;

	return g->access >= req->access &&
	       (g->access != DSM_ACCESS_WRITE || g->owner == sc_local());
}

/*
 * Put grant @m's page into @pg's frame, folio locked: @page (its page,
 * received into it) becomes the frame if @pg has none yet, else the data
 * is copied in. *@kept: @page is the frame now.
 */
static int sc_grant_install(const struct dsm_msg *m, struct dsm_pg *pg,
			    struct page *page, bool *kept)
{
	const struct dsm_msg_page_grant *g = &m->u.page_grant;
	struct folio *folio;
	void *p;

	/* A shadow is a frame this node has: never a new one of zeros. */
	if ((g->flags & DSM_GRANT_F_SHADOW) && !dsm_pg_folio(pg))
		return -EPROTO;
	*kept = page && dsm_pg_frame_adopt(pg, page) > 0;
	folio = dsm_pg_frame_lock(pg);
	if (IS_ERR(folio))
		return PTR_ERR(folio);
	/* (A frame adopted and dropped at once: never, a request is open.) */
	if (*kept) {
		dsm_stat_inc(DSM_STAT_PAGE_RX_INPLACE);
	} else if (g->data) {
		p = kmap_local_folio(folio, 0);
		/* What others wrote since this node last had the page. */
		if (dsm_hot_listed(g->page))
			dsm_hot_others(g->page, dsm_page_blocks(p, g->data));
		memcpy(p, g->data, DSM_PAGE_SIZE);
		kunmap_local(p);
		dsm_stat_inc(DSM_STAT_PAGE_RX_COPIED);
	} else if (pg->access == DSM_ACC_NONE &&
		   !(g->flags & DSM_GRANT_F_SHADOW)) {
		/* No data, and no copy here: only a shadow may be it. */
		folio_unlock(folio);
		return -EPROTO;
	}
	if (g->data)
		dsm_stat_inc(DSM_STAT_PAGE_FETCHED);
	return 0;
}

/*
 * PAGE_GRANT, its page in the message (@page NULL) or received into
 * @page (sc_rx_page()): every check is made here, whatever sc_rx_page()
 * found. Returns true if @page became the frame.
 */
static bool sc_grant_page(const struct dsm_msg *m, struct page *page)
{
	const struct dsm_msg_page_grant *g = &m->u.page_grant;
	bool waiters, kept = false;
	struct dsm_req *req;
	struct dsm_pg *pg;
	u32 home;
	int err;

	pg = dsm_pg_find(g->page);
	req = pg ? sc_req_get(pg, m->hdr.req_id) : NULL;
	if (!req) {
		sc_grant_unasked(m, pg);
		return false;
	}
	req->t_rx = ktime_get_ns();
	err = -EPROTO;
	if (!sc_grant_fits(m, req))
		goto out;
	err = sc_grant_install(m, pg, page, &kept);
	if (err)
		goto out;
	if (g->access > pg->access)
		pg->access = g->access;
	if (g->access == DSM_ACCESS_WRITE)
		sc_snap_take(pg);
	spin_lock(&pg->lock);
	/* The frame holds the page as of this transaction, not written. */
	pg->sc->ver = g->ver;
	pg->sc->sync = 0;
	pg->sc->dirty = false;
	if (g->data)
		pg->sc->stored = false;
	/*
	 * New content: its sender keeps a frame of it. Without data (an
	 * upgrade of this node's copy, or its shadow made the page) the
	 * frame's sharers and mark stay.
	 */
	if (g->data) {
		pg->sc->repush = false;
		pg->sc->peers = 0;
	}
	if (m->hdr.src != sc_local() && !(g->flags & DSM_GRANT_F_SHADOW))
		pg->sc->peers |= BIT_ULL(m->hdr.src);
	/* Its sender gave the page up and keeps the frame: msync's target. */
	if (g->access == DSM_ACCESS_WRITE && m->hdr.src != sc_local())
		pg->sc->shadow_at = m->hdr.src + 1;
	pg->sc->done_id = m->hdr.req_id;
	if (g->data)	/* the frame no longer holds what was given */
		pg->sc->given_id = 0;
	spin_unlock(&pg->lock);
	folio_unlock(pg->folio);
out:
	if (err)
		pr_warn_ratelimited("bad grant for page %llu from node %u\n",
				    g->page, m->hdr.src);
	/* Keep the page for the local waiters a moment (see sc_hold()). */
	waiters = kref_read(&req->ref) > 2;
	if (!err && waiters)
		WRITE_ONCE(pg->hold_until, ktime_get_ns() + dsm_grant_hold_ns());
	home = READ_ONCE(req->home);
	dsm_req_complete(pg, req, err);
	dsm_req_put(req);
	if (!err)
		sc_send_confirm(pg, home, m->hdr.req_id, g->access);
	return kept;
}

static void sc_grant(const struct dsm_msg *m)
{
	sc_grant_page(m, NULL);
}

/*
 * A grant's page is arriving (struct dsm_model_ops.rx_page): a page to
 * receive it into if it answers this node's request for a page that has
 * no frame yet (a first fetch, the common case), which sc_grant_page()
 * will then make the frame. Else NULL: the grant is read into the
 * transport's buffer and copied, or refused, as it always was.
 */
static struct page *sc_rx_page(const struct dsm_msg *m)
{
	struct folio *folio = NULL;
	struct dsm_req *req;
	struct dsm_pg *pg;

	if (m->hdr.type != DSM_MSG_PAGE_GRANT)
		return NULL;
	pg = dsm_pg_find(m->u.page_grant.page);
	if (!pg || dsm_pg_folio(pg))
		return NULL;
	req = sc_req_get(pg, m->hdr.req_id);
	if (!req)
		return NULL;
	if (sc_grant_fits(m, req))
		folio = folio_alloc(GFP_HIGHUSER | __GFP_NOWARN, 0);
	dsm_req_put(req);
	return folio ? folio_page(folio, 0) : NULL;
}

/*
 * A NACK of PAGE_FWD that answers no request of this node: a requester
 * refusing a grant it did not ask for (sc_grant_unasked()). At the owner
 * that sent the grant it is passed on, once, to the home that forwarded
 * the request (sc_pg.given_by); at the home, sc_home_refused() judges
 * it. Return: true if it was one.
 */
static bool sc_refusal(struct dsm_pg *pg, const struct dsm_msg *m)
{
	u64 id = m->hdr.req_id, live = dsm_members_live();
	bool relay;
	u32 home;

	spin_lock(&pg->lock);
	relay = pg->sc->given_id == id && pg->sc->given_to == m->hdr.src &&
		!pg->sc->relayed;
	home = pg->sc->given_by;
	if (relay) {
		pg->sc->relayed = true;
		/* It never had what this frame holds. */
		sc_shadow_peer_gone(pg, m->hdr.src, live);
	}
	spin_unlock(&pg->lock);
	if (relay) {
		sc_send_nack(home, id, DSM_MSG_PAGE_FWD, pg->pgno, -ENOENT);
		return true;
	}
	return pg->home == sc_local() && sc_home_refused(pg, m->hdr.src, id);
}

static void sc_nack(const struct dsm_msg *m)
{
	const struct dsm_msg_nack *n = &m->u.nack;
	struct dsm_req *req;
	struct dsm_pg *pg;

	if (n->nacked_type == DSM_MSG_SHADOW_PUSH) {
		if (!sc_shadow_nack(m))
			sc_unexpected("NACK", n->arg, m->hdr.src);
		return;
	}
	pg = dsm_pg_find(n->arg);
	req = pg ? sc_req_get(pg, m->hdr.req_id) : NULL;
	/*
	 * The owner did not serve this home's forward: the transaction ends
	 * (and this node's own request, if it was the requester, below).
	 */
	if (pg && n->nacked_type == DSM_MSG_PAGE_FWD && n->error != ENOENT &&
	    READ_ONCE(pg->home) == sc_local() &&
	    sc_home_fwd_failed(pg, m->hdr.src, m->hdr.req_id, n->error) &&
	    !req)
		return;
	if (!req && pg && n->nacked_type == DSM_MSG_PAGE_FWD &&
	    sc_refusal(pg, m))
		return;
	if (!req || (n->nacked_type != DSM_MSG_PAGE_REQ &&
		     n->nacked_type != DSM_MSG_PAGE_FWD)) {
		sc_unexpected("NACK", n->arg, m->hdr.src);
		if (req)
			dsm_req_put(req);
		return;
	}
	/* From its home: addressed by an older home table than the home's. */
	if (n->nacked_type == DSM_MSG_PAGE_REQ && n->error == ESTALE &&
	    m->hdr.src == req->home) {
		if (!sc_stale_nack(pg, req, m))
			dsm_req_complete(pg, req, -ESTALE);
		dsm_req_put(req);
		return;
	}
	/*
	 * Refusals for now, from the home: it does not know the page's
	 * region yet (ENXIO: it was just made here and dsmd is still
	 * replicating it), or it has another request of this node queued
	 * for the page (EBUSY: one this node gave up, whose grant it will
	 * refuse, or one a program sent through debugfs), which it serves
	 * soon. Ask again shortly, until the request is fault_timeout_ms
	 * old or its waiter gives up (Documentation/sc.md "The protocol").
	 */
	if (n->nacked_type == DSM_MSG_PAGE_REQ &&
	    (n->error == ENXIO || n->error == EBUSY) &&
	    m->hdr.src == req->home &&
	    time_before(jiffies, READ_ONCE(req->deadline)) &&
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
	struct folio *folio = NULL;
	struct dsm_msg a = {
		.hdr.type = DSM_MSG_INVAL_ACK,
		.hdr.dst = m->hdr.src,
		.hdr.req_id = m->hdr.req_id,
		.u.inval_ack.page = i->page,
	};

	dsm_stat_inc(DSM_STAT_INVAL_RECV);
	if (!sc_from_home_wait(m, i->page, "INVAL"))
		return;
	if (pg && dsm_pg_folio(pg)) {
		sc_hold(pg);
		folio = dsm_pg_lock_frame(pg);
	}
	if (folio) {
		if (pg->access != DSM_ACC_NONE) {
			pg->access = DSM_ACC_NONE;
			dsm_pg_zap(pg);
		}
		spin_lock(&pg->lock);
		pg->sc->given_id = 0;	/* the page is someone else's now */
		spin_unlock(&pg->lock);
		folio_unlock(folio);
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
	struct folio *folio;
	bool local;
	int ret;

again:
	if (READ_ONCE(pg->home_epoch) != dsm_home_epoch()) {
		spin_lock(&pg->lock);
		sc_home_refresh_locked(pg);
		spin_unlock(&pg->lock);
	}
	if (READ_ONCE(pg->access) >= want) {
		spin_lock(&pg->lock);
		local = sc_local_ok_locked(pg, want);
		spin_unlock(&pg->lock);
	} else {
		local = false;
	}
	if (local) {
		folio = dsm_pg_frame_lock(pg);
		if (IS_ERR(folio)) {
			ret = PTR_ERR(folio);
			goto out;
		}
		if (pg->access >= want) {
			WRITE_ONCE(pg->hold_until, 0);
			/* A write follows: msync pushes the page again. */
			if (want == DSM_ACC_WRITE && !pg->sc->dirty) {
				spin_lock(&pg->lock);
				pg->sc->dirty = true;
				spin_unlock(&pg->lock);
			}
			ret = 0;
			goto out;
		}
		folio_unlock(folio);
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
	new->home = pg->home;
	new->epoch = pg->home_epoch;
	/*
	 * A page homed on a node that died waits (fault_timeout_ms from
	 * the request's creation) for the table that re-homes it, and asks
	 * the new home (dsm_sc_rehome.c rebuilds its entry there).
	 */
	if (dsm_members_lost(pg->home))
		new->stale_epoch = sc_rehome_epoch(pg);
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
		.hdr.req_id = req->id,
		.u.page_req.page = req->pgno,
		.u.page_req.access = req->access,
	};
	int ret;

	if (!sc_stale_ready(pg, req))
		return;
	m.hdr.dst = req->home;
	m.hdr.epoch = req->epoch;	/* the table its home came from */
	if (req->access == DSM_ACCESS_WRITE &&
	    READ_ONCE(pg->access) >= DSM_ACC_READ)
		m.u.page_req.flags = DSM_PAGE_F_HAVE_COPY;
	ret = dsm_members_wait(req->home, dsm_fault_timeout());
	if (!ret)
		ret = dsm_msg_send(&m);
	if (!ret)
		req->t_sent = ktime_get_ns();
	if (ret)
		dsm_req_complete(pg, req, ret);
}

/* sc needs no synchronisation calls: every access is already ordered. */
static int sc_sync_nop(struct dsm_file *f, u64 key)
{
	return 0;
}

/* ---------------------------------------------------------- failures */

/*
 * The table that re-homes @pg (homed on a lost node): the current one if
 * it does already, else the next. Under pg->lock or not (a hint).
 */
u64 sc_rehome_epoch(struct dsm_pg *pg)
{
	u64 epoch;
	u32 home = dsm_members_home(pg->pgno, &epoch);

	return dsm_members_lost(home) ? epoch + 1 : max_t(u64, epoch, 1);
}

/*
 * A node declared down (sc_node_down()): @dead, and the live members
 * before, with it (where pushes went, sc_shadow_pg_node_down()).
 */
struct sc_down {
	u32 dead;
	u64 before;
};

static void sc_pg_node_down(struct dsm_pg *pg, void *arg)
{
	const struct sc_down *d = arg;
	u32 dead = d->dead;
	struct dsm_req *req = NULL;
	struct sc_act a;

	sc_act_init(&a);
	a.nack_err = -EHOSTDOWN;
	spin_lock(&pg->lock);
	/*
	 * A request in flight at the dead home goes again to the page's
	 * new home, once a table gives it one (sc_stale_ready()).
	 */
	if (pg->req && pg->req->home == dead) {
		req = pg->req;
		kref_get(&req->ref);
		req->stale_epoch = sc_rehome_epoch(pg);
	}
	if (pg->home == sc_local())
		sc_home_node_down_locked(pg, dead, &a);
	sc_shadow_pg_node_down(pg, dead, d->before);
	spin_unlock(&pg->lock);
	if (req) {
		if (!dsm_req_start_after(pg, req, 0))
			dsm_req_complete(pg, req, -EHOSTDOWN);
		dsm_req_put(req);
	}
	sc_act_do(pg, &a);
}

static void sc_node_down(u32 id)
{
	struct sc_down d = {
		.dead = id,
		.before = dsm_members_live() | BIT_ULL(id),
	};

	dsm_mem_for_each(sc_pg_node_down, &d);
	sc_xfer_node_down(id);
	sc_shadow_node_down(id);
}

static int sc_pg_init(struct dsm_pg *pg)
{
	u32 local = sc_local();
	struct sc_pg *sp;

	sp = kzalloc(sizeof(*sp), GFP_KERNEL);
	if (!sp)
		return -ENOMEM;
	INIT_LIST_HEAD(&sp->dir.queue);
	sp->pg = pg;
	INIT_DELAYED_WORK(&sp->expire, sc_home_expire_fn);
	if (pg->home == local && sc_xfer_pending(pg->pgno)) {
		sp->dir.awaiting = true;	/* the old home's entry comes */
	} else if (pg->home == local) {
		sp->dir.owner = local;
		/*
		 * Pages homed here are this node's to start with, unless a
		 * peer declared an earlier incarnation of this node lost
		 * (dsm_transport_hello_check()): then they are lost here
		 * as they are there, not pages of zeros (issue 12).
		 */
		if (dsm_members_lost(local))
			sp->dir.lost = true;
		else
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
	cancel_delayed_work_sync(&pg->sc->expire);
	list_for_each_entry_safe(hr, tmp, &pg->sc->dir.queue, list)
		kfree(hr);
	kfree(pg->sc->snap);
	kfree(pg->sc);
	pg->sc = NULL;
}

/*
 * model->pg_reset: @pg's region was deleted (folio locked if it has a
 * frame): the directory entry and the local right go back to what
 * sc_pg_init() made. Requests queued at the home are dropped; their
 * requesters' faults end at their timeout (the region is gone there too,
 * or about to be). In place: handlers may hold @pg->sc.
 */
static void sc_pg_reset(struct dsm_pg *pg)
{
	struct sc_pg *sp = pg->sc;
	struct dsm_hreq *hr, *tmp;
	u32 local = sc_local();
	void *snap;
	LIST_HEAD(queue);

	if (!sp)
		return;
	spin_lock(&pg->lock);
	list_splice_init(&sp->dir.queue, &queue);
	sp->dir.owner = pg->home == local ? local : 0;
	sp->dir.copyset = 0;
	sp->dir.busy = false;
	sp->dir.fwd_sent = false;
	sp->dir.lost = false;
	sp->dir.awaiting = false;
	sp->dir.requery = false;
	sp->dir.shadow = false;
	sp->dir.inval = 0;
	sp->dir.kept = 0;
	sp->dir.ver = 0;
	sp->ver = 0;
	sp->sync = 0;
	sp->stored = false;
	sp->drop_ver = 0;
	sp->dirty = false;
	sp->shadow_at = 0;
	sp->repush = false;
	sp->peers = 0;
	sp->dir.acks = 0;
	sp->dir.since = 0;
	memset(&sp->dir.cur, 0, sizeof(sp->dir.cur));
	pg->access = pg->home == local ? DSM_ACC_WRITE : DSM_ACC_NONE;
	snap = sp->snap;
	sp->snap = NULL;
	spin_unlock(&pg->lock);
	kfree(snap);
	cancel_delayed_work(&sp->expire);
	list_for_each_entry_safe(hr, tmp, &queue, list)
		kfree(hr);
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
	[DSM_MSG_HOME_XFER]	= sc_xfer_recv,
	[DSM_MSG_HOME_XFER_ACK]	= sc_xfer_ack,
	[DSM_MSG_DIR_QUERY]	= sc_rehome_query,
	[DSM_MSG_DIR_REPLY]	= sc_rehome_reply,
	[DSM_MSG_SHADOW_PUSH]	= sc_shadow_push_recv,
	[DSM_MSG_SHADOW_ACK]	= sc_shadow_ack_recv,
	[DSM_MSG_SHADOW_DROP]	= sc_shadow_drop_recv,
};

static const struct dsm_model_ops dsm_sc_ops = {
	.name		= "sc",
	.id		= DSM_MODEL_SC,
	.end_on_timeout	= true,	/* a late grant is refused: sc_grant_unasked() */
	.fault		= sc_fault,
	.write_fault	= sc_write_fault,
	.start		= sc_start,
	.acquire	= sc_sync_nop,
	.release	= sc_sync_nop,
	.barrier	= sc_sync_nop,
	.recv		= sc_recv,
	.rx_page	= sc_rx_page,
	.recv_page	= sc_grant_page,
	.node_down	= sc_node_down,
	.pg_init	= sc_pg_init,
	.pg_free	= sc_pg_free,
	.pg_reset	= sc_pg_reset,
	.msync		= sc_msync,
	.leave		= sc_leave,
};

int dsm_sc_init(void)
{
	int ret = dsm_model_register(&dsm_sc_ops);

	if (!ret) {
		sc_writeback_init();
		dsm_sc_adapt_init();
	}
	return ret;
}

/**
 * dsm_sc_stop() - stop sc's background work: the write-back, rebuilds,
 * hand-overs, shadow drops. Each keeps pages across sleeps (a push
 * waits for its ack, a drop for the frame's lock), so this comes before
 * dsm_mem_exit() frees the pages. Idempotent; sleeps.
 */
void dsm_sc_stop(void)
{
	sc_writeback_exit();
	sc_rehome_exit();
	dsm_sc_xfer_exit();
	sc_drop_exit();
}

/* After dsm_mem_exit(), which frees the pages' sc state through the ops. */
void dsm_sc_exit(void)
{
	dsm_sc_stop();
	dsm_model_unregister(&dsm_sc_ops);
}

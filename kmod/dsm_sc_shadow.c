// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_sc_shadow.c - what survives a node's death in sc (issue 15 item 3;
 * Documentation/sc.md, "Shadows and msync"): the frames' version tags,
 * and msync's push of an owner's pages to a shadow holder (SHADOW_PUSH,
 * SHADOW_ACK).
 *
 * A node keeps its frame of a page after it loses access to it (an
 * invalidation, or a write transfer that took the page away): unmapped,
 * a shadow. Each frame is tagged with the version of the transaction
 * that last gave it its content or took it away (the home counts them,
 * struct dsm_dir.ver; PAGE_FWD and PAGE_GRANT carry it), and with how
 * many times its owner pushed it since (sync). The frame with the
 * greatest tag of a page holds the newest content another node has
 * seen: when the page's owner dies and no read copy is left, the home
 * asks the members for their frames (dsm_sc_rehome.c) and makes that one
 * the page.
 *
 * msync(MS_SYNC) on an sc mapping (the file's fsync) pushes every page
 * in the range this node owns and wrote since its last push to a shadow
 * holder: the node that gave it the page (which kept its frame), else
 * the next live member; it returns once each is stored there. Writes
 * after the push are tracked again: the page is write-protected
 * (folio_mkclean()) so the next write goes through page_mkwrite, which
 * marks it written.
 *
 * Re-replication: when a node dies, a page this node owns whose other
 * copy was there, a read copy whose sharers (struct sc_pg.peers) all
 * died, and a shadow a rebuild asks about whose sharers all died are
 * marked to be pushed again (repush): the write-back pass or msync
 * pushes them, the copies with their own tags (wire version 11).
 *
 * A node that leaves the cluster (dsm_leave.c) pushes the same way
 * every page it has a copy of, written or not, and every tagged shadow
 * (sc_leave()): once it is gone, the members' next rebuild finds each of
 * its pages in another node's frame.
 *
 * Locking: sc_push.lock (a spinlock) protects the list of pushes in
 * flight; it nests inside nothing and nothing is taken under it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sc: " fmt

#include <linux/highmem.h>
#include <linux/pagemap.h>
#include <linux/rmap.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "dsm_sc.h"
#include "core/dsm_members.h"

/* How many pushes of one msync are in flight at most. */
#define SC_PUSH_WINDOW	32

/* The bytes of a SHADOW_PUSH. */
#define SC_PUSH_MSG	(DSM_WIRE_HDR_SIZE + sizeof(struct dsm_wire_shadow) + \
			 DSM_PAGE_SIZE)

/**
 * struct sc_push - one page pushed by msync, until its SHADOW_ACK.
 * @list:	in sc_push.list.
 * @req_id:	the SHADOW_PUSH's request id.
 * @pg:		the page.
 * @to:		the shadow holder it went to.
 * @ver:	the tag pushed,
 * @sync:	with this sync count.
 * @copy:	a read copy or a shadow, pushed with its own tag: a holder
 *		that has a copy of its own (EBUSY) has it already.
 * @repush:	it was marked for re-replication: marked again if the push
 *		fails.
 * @err:	-EINPROGRESS until answered; then 0 or why not.
 */
struct sc_push {
	struct list_head list;
	u64 req_id;
	struct dsm_pg *pg;
	u32 to;
	u32 ver;
	u16 sync;
	bool copy;
	bool repush;
	int err;
};

static struct {
	spinlock_t lock;	/* @list; innermost */
	struct list_head list;
	wait_queue_head_t wq;
} sc_push = {
	.lock = __SPIN_LOCK_UNLOCKED(sc_push.lock),
	.list = LIST_HEAD_INIT(sc_push.list),
	.wq = __WAIT_QUEUE_HEAD_INITIALIZER(sc_push.wq),
};

/**
 * sc_tag_newer() - is one frame's tag newer than another's?
 * @ver:	the first tag's version,
 * @sync:	and its sync count.
 * @than_ver:	the second tag's version,
 * @than_sync:	and its sync count.
 *
 * Versions only grow at a page's home (a rebuilt entry starts from the
 * greatest one the members report), so plain comparison orders them.
 */
bool sc_tag_newer(u32 ver, u16 sync, u32 than_ver, u16 than_sync)
{
	return ver > than_ver || (ver == than_ver && sync > than_sync);
}

/**
 * sc_tag_served() - this node serves its frame of @pg to another node.
 * @pg:		the page, folio locked, its access not changed yet.
 * @ver:	the transaction's version: the frame holds the page as of it.
 * @to:		the requester, who gets what the frame holds,
 * @write:	to write it (this frame becomes a shadow).
 */
void sc_tag_served(struct dsm_pg *pg, u32 ver, u32 to, bool write)
{
	spin_lock(&pg->lock);
	pg->sc->ver = ver;
	pg->sc->sync = 0;
	pg->sc->stored = false;
	/* Writable here until now: what the others had may be older. */
	if (write || pg->access == DSM_ACC_WRITE)
		pg->sc->peers = 0;
	pg->sc->peers |= BIT_ULL(to);
	spin_unlock(&pg->lock);
}

/* ------------------------------------------------ the shadow holder */

static void sc_shadow_send_ack(const struct dsm_msg *m)
{
	struct dsm_msg a = {
		.hdr.type = DSM_MSG_SHADOW_ACK,
		.hdr.dst = m->hdr.src,
		.hdr.req_id = m->hdr.req_id,
		.u.shadow.page = m->u.shadow.page,
		.u.shadow.ver = m->u.shadow.ver,
		.u.shadow.sync = m->u.shadow.sync,
	};

	dsm_msg_send(&a);
}

/*
 * Store pushed content in @pg's frame if it is newer than the frame's.
 * Return: 0 if the frame holds it (or newer) now, or why not.
 */
static int sc_shadow_store(struct dsm_pg *pg, const struct dsm_msg_shadow *s,
			   u32 from)
{
	struct folio *folio;
	bool newer;
	void *p;

	folio = dsm_pg_frame_lock(pg);
	if (IS_ERR(folio))
		return PTR_ERR(folio);
	spin_lock(&pg->lock);
	newer = sc_tag_newer(s->ver, s->sync, pg->sc->ver, pg->sc->sync);
	spin_unlock(&pg->lock);
	/*
	 * A copy with access here is the page as this node was granted it:
	 * the pusher gave it up since, and it is at least as new. Never
	 * overwrite it.
	 */
	if (newer && pg->access != DSM_ACC_NONE) {
		folio_unlock(folio);
		return -EBUSY;
	}
	if (newer) {
		p = kmap_local_folio(folio, 0);
		memcpy(p, s->data, DSM_PAGE_SIZE);
		kunmap_local(p);
		spin_lock(&pg->lock);
		pg->sc->ver = s->ver;
		pg->sc->sync = s->sync;
		/* The pusher has it; an older frame's mark is moot. */
		pg->sc->peers = BIT_ULL(from);
		pg->sc->repush = false;
		/* The home does not know of it: no SHADOW_DROP frees it. */
		pg->sc->stored = true;
		spin_unlock(&pg->lock);
		dsm_stat_inc(DSM_STAT_SHADOW_STORED);
	}
	folio_unlock(folio);
	return 0;
}

/**
 * sc_shadow_push_recv() - SHADOW_PUSH: an owner's msync stores its page here.
 * @m:	the push, decoded (every field in range, DSM_PAGE_SIZE of data).
 *
 * Taken from a live member only, for a page of an sc region known here;
 * stored only in a frame this node has no access to, and only if newer
 * than what the frame holds. Answered SHADOW_ACK once stored (or if the
 * frame is newer already), else NACK. Receive context; sleeps.
 */
void sc_shadow_push_recv(const struct dsm_msg *m)
{
	const struct dsm_msg_shadow *s = &m->u.shadow;
	struct dsm_pg *pg;
	int err;

	if (!(dsm_members_live() & BIT_ULL(m->hdr.src))) {
		sc_unexpected("SHADOW_PUSH (not a live member)", s->page,
			      m->hdr.src);
		return;
	}
	pg = dsm_pg_get_peer(s->page, DSM_MODEL_SC);
	err = IS_ERR(pg) ? PTR_ERR(pg) : sc_shadow_store(pg, s, m->hdr.src);
	if (err) {
		dsm_stat_inc(DSM_STAT_SHADOW_REFUSED);
		sc_send_nack(m->hdr.src, m->hdr.req_id, DSM_MSG_SHADOW_PUSH,
			     s->page, err);
		return;
	}
	sc_shadow_send_ack(m);
}

/* ------------------------------------------------ the owner's msync */

/*
 * End push @req_id of @page from @from with @err; false if there is none.
 * An ACK (@ack) must echo the push's tag: one that names another is not
 * the answer to this push (a peer's bug), and the push stays in flight.
 */
static bool sc_push_end(u64 req_id, u32 from, u64 page, int err,
			const struct dsm_msg_shadow *ack)
{
	struct sc_push *p;
	bool found = false;

	spin_lock(&sc_push.lock);
	list_for_each_entry(p, &sc_push.list, list) {
		if (p->req_id == req_id && p->to == from &&
		    p->pg->pgno == page && p->err == -EINPROGRESS &&
		    (!ack || (ack->ver == p->ver && ack->sync == p->sync))) {
			p->err = err;
			found = true;
			break;
		}
	}
	spin_unlock(&sc_push.lock);
	if (found)
		wake_up_all(&sc_push.wq);
	return found;
}

/* SHADOW_ACK: the shadow holder stored a push of this node's. */
void sc_shadow_ack_recv(const struct dsm_msg *m)
{
	if (!sc_push_end(m->hdr.req_id, m->hdr.src, m->u.shadow.page, 0,
			 &m->u.shadow))
		sc_unexpected("SHADOW_ACK", m->u.shadow.page, m->hdr.src);
}

/* A NACK of SHADOW_PUSH. Return: true if it answered a push in flight. */
bool sc_shadow_nack(const struct dsm_msg *m)
{
	int err = -(int)m->u.nack.error;

	return sc_push_end(m->hdr.req_id, m->hdr.src, m->u.nack.arg, err,
			   NULL);
}

/* Node @dead is down: its pushes in flight fail. */
void sc_shadow_node_down(u32 dead)
{
	struct sc_push *p;

	spin_lock(&sc_push.lock);
	list_for_each_entry(p, &sc_push.list, list)
		if (p->to == dead && p->err == -EINPROGRESS)
			p->err = -EHOSTDOWN;
	spin_unlock(&sc_push.lock);
	wake_up_all(&sc_push.wq);
}

/*
 * Where @pg's pushes go among @live: the node that kept its frame, else
 * the next live node after this one.
 */
static u32 sc_push_target_in(struct dsm_pg *pg, u64 live)
{
	u32 local = sc_local();
	u8 at = READ_ONCE(pg->sc->shadow_at);

	if (at && at - 1 != local && (live & BIT_ULL(at - 1)))
		return at - 1;
	return dsm_backup_of(local, live, DSM_NODES_MAX);
}

static u32 sc_push_target(struct dsm_pg *pg)
{
	return sc_push_target_in(pg, dsm_members_live());
}

/* Mark @pg's frame to be pushed again (re-replication). */
static void sc_repush_locked(struct dsm_pg *pg)
{
	lockdep_assert_held(&pg->lock);
	pg->sc->repush = true;
	dsm_stat_inc(DSM_STAT_SHADOW_REREPLICATED);
}

/*
 * Is @pg's frame a copy (a read copy, or a tagged frame without access)
 * not marked yet, whose sharers (struct sc_pg.peers) are all dead among
 * @live, so that it holds the only copy of what they saw? Under the lock.
 */
static bool sc_lone_copy_locked(struct dsm_pg *pg, u64 live)
{
	struct sc_pg *sp = pg->sc;
	u8 acc = READ_ONCE(pg->access);

	lockdep_assert_held(&pg->lock);
	return !sp->repush && acc != DSM_ACC_WRITE && READ_ONCE(pg->folio) &&
	       (acc == DSM_ACC_READ || sp->ver) && sp->peers &&
	       !(sp->peers & live);
}

/**
 * sc_shadow_pg_node_down() - re-replication of @pg after node @dead died.
 * @pg:		a page of this node's, under its lock.
 * @dead:	the node declared down.
 * @before:	the live members with @dead (one mask for the whole walk).
 *
 * A page this node owns had its other copy where its pushes went: the
 * frame of the node that gave it here (which kept it), or, once pushed
 * (@sync), the shadow holder msync and the write-back pushed it to. If
 * that node is @dead, this node's frame is the page's only copy now: it
 * is marked to be pushed again, written or not, by the next write-back
 * pass (or msync), to the holder a live membership gives (counter
 * shadow_rereplicated). A read copy or a tagged shadow is marked the
 * same way when @dead was among the nodes it shared its content with
 * (struct sc_pg.peers) and none of them lives: it is pushed with its own
 * tag. A rebuild's DIR_QUERY judges shadows too (sc_shadow_copy_alone()),
 * but may come before this node learns of the death (the new home's dsmd
 * told its kernel first): the query then finds the dead node still live
 * here, and only this walk marks the shadow.
 */
void sc_shadow_pg_node_down(struct dsm_pg *pg, u32 dead, u64 before)
{
	struct sc_pg *sp = pg->sc;
	u64 live = before & ~BIT_ULL(dead);

	lockdep_assert_held(&pg->lock);
	if (!sp || sp->repush)
		return;
	if (READ_ONCE(pg->access) != DSM_ACC_WRITE) {
		if ((sp->peers & BIT_ULL(dead)) && sc_lone_copy_locked(pg, live))
			sc_repush_locked(pg);
		return;
	}
	/* A page never given nor pushed had no other copy (a home's own). */
	if (!sp->sync && sp->shadow_at != dead + 1)
		return;
	if (sc_push_target_in(pg, before) != dead)
		return;
	sc_repush_locked(pg);
}

/**
 * sc_shadow_peer_gone() - node @peer turned out not to hold @pg's content.
 * @pg:		a page whose grant @peer refused (it came after its request
 *		ended), under its lock.
 * @peer:	the refuser: it installed nothing.
 * @live:	the live members.
 *
 * @peer leaves the frame's sharers. If the others are all dead (a node
 * died while the grant was on its way, and this node kept its copy
 * unmarked because @peer lived), the frame is the only copy of what
 * they saw: a read copy or a tagged shadow is marked to be pushed, as
 * at a node-down. A frame shared with nobody else stays unmarked: no
 * other node saw its content.
 */
void sc_shadow_peer_gone(struct dsm_pg *pg, u32 peer, u64 live)
{
	struct sc_pg *sp = pg->sc;

	lockdep_assert_held(&pg->lock);
	sp->peers &= ~BIT_ULL(peer);
	if (sc_lone_copy_locked(pg, live))
		sc_repush_locked(pg);
}

/**
 * sc_shadow_copy_alone() - a rebuild asks about @pg: is its shadow here
 * the only frame of its content?
 * @pg:		a page in a bucket a DIR_QUERY asks about, under its lock.
 * @live:	the live members.
 *
 * The rebuild may make this node's shadow the page (the newest frame of
 * it, when its owner and readers died): if every node this frame's
 * content was shared with (struct sc_pg.peers) is dead, it is the only
 * copy of that content, and is marked to be pushed with its own tag
 * (counter shadow_rereplicated), as a lone read copy is. A shadow a
 * newer frame elsewhere makes useless is pushed too (this node cannot
 * tell): the holder keeps the newer frame and acks.
 */
void sc_shadow_copy_alone(struct dsm_pg *pg, u64 live)
{
	lockdep_assert_held(&pg->lock);
	if (pg->sc && READ_ONCE(pg->access) == DSM_ACC_NONE &&
	    sc_lone_copy_locked(pg, live))
		sc_repush_locked(pg);
}

/*
 * Encode the SHADOW_PUSH of @p into @buf (SC_PUSH_MSG bytes), the page
 * copied from @data. Return: its length, or a negative errno.
 */
static int sc_push_encode(const struct sc_push *p, const void *data,
			  void *buf)
{
	struct dsm_msg_hdr h = {
		.version = DSM_WIRE_VERSION_MAX,
		.type = DSM_MSG_SHADOW_PUSH,
		.src = sc_local(),
		.dst = p->to,
		.req_id = p->req_id,
		.epoch = dsm_home_epoch(),
	};
	struct dsm_msg_shadow s = {
		.page = p->pg->pgno,
		.ver = p->ver,
		.sync = p->sync,
		.data = data,
	};
	struct dsm_wire_enc e;

	dsm_wire_enc_begin(&e, buf, SC_PUSH_MSG, &h);
	dsm_wire_enc_shadow(&e, DSM_MSG_SHADOW_PUSH, &s);
	return dsm_wire_enc_end(&e);
}

/*
 * Is @pg's frame one to push? msync: a page this node owns, written
 * since its last push, and any frame marked for re-replication. A leave
 * (@leave): also one written or not, a read copy, and every tagged
 * shadow. Under the folio lock, or as a hint without it.
 */
static bool sc_push_wanted(struct dsm_pg *pg, bool leave)
{
	u8 acc = READ_ONCE(pg->access);

	if (READ_ONCE(pg->sc->repush))
		return true;
	if (acc == DSM_ACC_WRITE)
		return leave || READ_ONCE(pg->sc->dirty);
	return leave && (acc == DSM_ACC_READ || READ_ONCE(pg->sc->ver) ||
			 READ_ONCE(pg->sc->sync));
}

/*
 * If @pg is to be pushed (sc_push_wanted()), take it for a push; a page
 * this node owns is write-protected (its next write marks it written
 * again) and its sync count bumped, so that its push is the newest frame
 * of the page; a copy keeps its tag. Its SHADOW_PUSH is encoded into
 * @buf straight from the frame, *@len its length (or a negative errno).
 * Return: the push (not listed yet), NULL if there is nothing to push,
 * or an ERR_PTR.
 */
static struct sc_push *sc_push_take(struct dsm_pg *pg, void *buf, int *len,
				    bool leave)
{
	struct folio *folio;
	struct sc_push *p;
	void *src;

	if (!dsm_pg_folio(pg) || !sc_push_wanted(pg, leave))
		return NULL;
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return ERR_PTR(-ENOMEM);
	folio = dsm_pg_lock_frame(pg);
	if (!folio || !sc_push_wanted(pg, leave)) {
		if (folio)
			folio_unlock(folio);
		kfree(p);
		return NULL;
	}
	p->copy = pg->access != DSM_ACC_WRITE;
	if (!p->copy)
		folio_mkclean(folio);
	spin_lock(&pg->lock);
	p->repush = pg->sc->repush;
	pg->sc->repush = false;
	if (!p->copy) {
		pg->sc->dirty = false;
		if (pg->sc->sync < U16_MAX)
			pg->sc->sync++;
	}
	/*
	 * An owner's push counts one more than its frame's tag, so it is
	 * the newest frame of the page. A copy goes with its own tag, maybe
	 * (v, 0) (wire version 11): every frame without access tagged
	 * (v, 0) holds what transaction v gave or took, the same content,
	 * so a holder that has (v, 0) already has it.
	 */
	p->ver = pg->sc->ver;
	p->sync = pg->sc->sync;
	spin_unlock(&pg->lock);
	p->pg = pg;
	p->err = -EINPROGRESS;
	p->req_id = dsm_next_req_id();
	p->to = sc_push_target(pg);
	src = kmap_local_folio(folio, 0);
	*len = sc_push_encode(p, src, buf);
	kunmap_local(src);
	folio_unlock(folio);
	return p;
}

/*
 * Wait for the @n pushes of @win (fault_timeout_ms at most, all told),
 * take them off the list and free them. A page whose push failed is
 * marked written again, so that the next msync tries again.
 * Counts the pages stored into *@stored.
 * Return: 0, or the first error.
 */
static int sc_push_wait(struct sc_push **win, u32 n, u64 *stored)
{
	unsigned long until = jiffies + dsm_fault_timeout();
	struct sc_push *p;
	int err = 0, e;
	u32 i;

	for (i = 0; i < n; i++)
		wait_event_timeout(sc_push.wq,
				   READ_ONCE(win[i]->err) != -EINPROGRESS,
				   time_after(until, jiffies) ?
				   until - jiffies : 1);
	spin_lock(&sc_push.lock);
	for (i = 0; i < n; i++)
		list_del(&win[i]->list);
	spin_unlock(&sc_push.lock);
	for (i = 0; i < n; i++) {
		p = win[i];
		e = p->err == -EINPROGRESS ? -ETIMEDOUT : p->err;
		if (e == -EBUSY && p->copy)
			e = 0;		/* the holder has a copy: it has it */
		spin_lock(&p->pg->lock);
		if (e && !p->copy)
			p->pg->sc->dirty = true;
		if (e && p->repush)
			p->pg->sc->repush = true;
		/* The holder has this content, if the frame still does. */
		if (!e && p->pg->sc->ver == p->ver)
			p->pg->sc->peers |= BIT_ULL(p->to);
		spin_unlock(&p->pg->lock);
		if (e) {
			dsm_stat_inc(DSM_STAT_SHADOW_PUSH_FAILED);
			pr_warn_ratelimited("push: page %llu not stored at node %u (%d)\n",
					    p->pg->pgno, p->to, e);
			if (!err)
				err = e;
		} else {
			dsm_stat_inc(DSM_STAT_SHADOW_PUSHED);
			(*stored)++;
		}
		kfree(p);
	}
	return err;
}

/* List @p and send it (@len bytes at @buf); a failure ends it at once. */
static void sc_push_start(struct sc_push *p, const void *buf, int len)
{
	int err;

	spin_lock(&sc_push.lock);
	list_add_tail(&p->list, &sc_push.list);
	spin_unlock(&sc_push.lock);
	err = len < 0 ? len : dsm_msg_send_buf(p->to, DSM_MSG_SHADOW_PUSH,
					       buf, len);
	if (err)
		sc_push_end(p->req_id, p->to, p->pg->pgno, err, NULL);
}

/**
 * struct sc_walk - the pushes of one msync or leave.
 * @win:	the pushes in flight (listed), @n of them,
 * @n:		at most SC_PUSH_WINDOW.
 * @leave:	a leave: every copy here is pushed, not only the written.
 * @buf:	SC_PUSH_MSG bytes to encode a push into.
 * @pages:	pushes stored so far.
 * @err:	the first error.
 */
struct sc_walk {
	struct sc_push *win[SC_PUSH_WINDOW];
	u32 n;
	bool leave;
	void *buf;
	u64 pages;
	int err;
};

/* Wait for the pushes of @w's window; the first error into @w->err. */
static void sc_walk_drain(struct sc_walk *w)
{
	int e = sc_push_wait(w->win, w->n, &w->pages);

	w->err = w->err ?: e;
	w->n = 0;
}

/* Push @pg, if it is one to push; the window drained once full. */
static void sc_walk_one(struct dsm_pg *pg, void *arg)
{
	struct sc_walk *w = arg;
	struct sc_push *p;
	int len;

	if (w->err || !pg->sc)
		return;
	p = sc_push_take(pg, w->buf, &len, w->leave);
	if (IS_ERR(p)) {
		w->err = PTR_ERR(p);
		return;
	}
	if (p) {
		sc_push_start(p, w->buf, len);
		w->win[w->n++] = p;
	}
	if (w->n == SC_PUSH_WINDOW)
		sc_walk_drain(w);
	if (!w->err && fatal_signal_pending(current))
		w->err = -EINTR;
	cond_resched();
}

/* Begin walk @w; false if there is nowhere to push to. */
static bool sc_walk_begin(struct sc_walk *w, bool leave)
{
	memset(w, 0, sizeof(*w));
	w->leave = leave;
	if (dsm_backup_of(sc_local(), dsm_members_live(), DSM_NODES_MAX) ==
	    DSM_NODES_MAX)
		return false;
	w->buf = kmalloc(SC_PUSH_MSG, GFP_KERNEL);
	if (!w->buf)
		w->err = -ENOMEM;
	return true;
}

/* End walk @w. Return: 0, -ENOMEM, -EINTR, or -EIO for any other. */
static int sc_walk_end(struct sc_walk *w)
{
	sc_walk_drain(w);
	kfree(w->buf);
	return w->err == -ENOMEM || w->err == -EINTR || !w->err ? w->err :
	       -EIO;
}

/**
 * sc_msync() - msync(MS_SYNC) of some pages of sc regions.
 * @first:	the first page,
 * @last:	and the last (each of an sc region, or none of this node's).
 *
 * Pushes each page of the range this node owns and wrote since its last
 * push to its shadow holder, at most SC_PUSH_WINDOW at a time, and
 * returns once all are stored. With no other live member there is
 * nowhere to push to: nothing is pushed. Sleeps.
 *
 * Return: 0, -EIO if a page could not be stored (its holder refused it,
 * died, or did not answer within fault_timeout_ms; logged; the page is
 * pushed again by the next msync), -ENOMEM, or -EINTR.
 */
int sc_msync(u64 first, u64 last)
{
	struct sc_walk w;
	struct dsm_pg *pg;
	u64 pgno;

	if (!sc_walk_begin(&w, false))
		return 0;
	for (pgno = first; pgno <= last && !w.err; pgno++) {
		pg = dsm_pg_find(pgno);
		if (pg)
			sc_walk_one(pg, &w);
	}
	return sc_walk_end(&w);
}

/**
 * sc_push_every() - push every page of this node's that is to be pushed.
 * @leave:	a leave (every copy), else as msync (written since pushed).
 * @pages:	out: how many were stored.
 *
 * As sc_msync(), over every page this node has state for. Sleeps.
 * Return: 0, -ENOLINK with no other live member, -EIO if a page was not
 * stored (logged), -ENOMEM.
 */
int sc_push_every(bool leave, u64 *pages)
{
	struct sc_walk w;
	int err;

	*pages = 0;
	if (!sc_walk_begin(&w, leave))
		return -ENOLINK;
	if (!w.err)
		dsm_mem_for_each(sc_walk_one, &w);
	err = sc_walk_end(&w);
	*pages = w.pages;
	return err;
}

/**
 * sc_leave() - this node leaves the cluster: the model op @leave.
 *
 * Local accesses are refused already (dsm_fence_leave()). Pushes every
 * page this node has a copy of (its own with their sync counts bumped,
 * so that each is the newest frame of its page; read copies with their
 * tags), and every tagged shadow (with its tag), to shadow holders, as
 * sc_msync() does, and returns once all are stored. The node goes on
 * serving its peers meanwhile: a page taken from it after its push is
 * the taker's, as always. Once it is declared gone, the homes rebuild
 * its pages from the members' frames (dsm_sc_rehome.c). Sleeps.
 *
 * Return: 0, -ENOLINK with no other live member, -EIO if a page was not
 * stored (logged; a call again pushes it again), -ENOMEM.
 */
int sc_leave(void)
{
	u64 pages;
	int err = sc_push_every(true, &pages);

	dsm_stat_add(DSM_STAT_LEAVE_PAGES, pages);
	pr_info("leave: %llu pages handed over%s\n", pages,
		err ? ", stopped on an error" : "");
	return err;
}

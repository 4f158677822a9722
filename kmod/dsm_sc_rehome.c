// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_sc_rehome.c - a lost home's buckets are rebuilt from the survivors
 * (issue 15 item 3; Documentation/sc.md, "Re-homing after a failure"):
 * DIR_QUERY and DIR_REPLY.
 *
 * When dsmd declares a node down it pushes a home table that gives the
 * node's buckets to the others. Their new home cannot get the directory
 * entries from the dead old home (HOME_XFER, dsm_sc_xfer.c); nor can it
 * get them from a live old home whose transfer does not come within
 * SC_XFER_PATIENCE. Either way (sc_xfer_due()) the work here asks every
 * live member of the table what it has of those buckets' pages: a
 * DIR_QUERY naming the buckets, answered by DIR_REPLYs of at most
 * DSM_WIRE_MAX_DIR entries (the last flagged LAST, even with none), each
 * entry a page, the member's access to it (none, read, write) and whether
 * it holds a frame for it ("held", even unmapped). Then, per page:
 *  - a writer is the owner;
 *  - otherwise the lowest reader is the owner, the others the copyset
 *    (read copies exist only while nobody may write: each equals the
 *    page as the dead owner last had it);
 *  - a page somebody alive held but nobody holds valid now is lost:
 *    its accesses fail (SIGBUS/EIO), counted in page_lost, logged;
 *  - a page nobody alive ever held starts as a new page
 *    (sc_xfer_rebuilt()).
 * A member that has not answered within fault_timeout_ms / 2 counts as
 * holding nothing (rehome_silent). A reply is taken only from a member
 * asked, for the query in flight (its request id and epoch), with every
 * page in a bucket asked; any other is refused whole (rehome_refused)
 * and its sender counts as silent. Once the answers are in (or the time
 * is up) the query is closed (later replies are refused), the entries
 * are computed under the rebuild's lock, and installed after it is
 * dropped: each page's queued requests are served as it is installed.
 *
 * Locking: sc_rh.lock (a mutex) is taken by the work and by DIR_REPLY's
 * handler (receive context, may sleep); pg->lock and sc_xfer.lock may be
 * taken under it, never the other way round. One rebuild at a time: the
 * work is the only one that opens a query.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sc: " fmt

#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include "dsm_sc.h"
#include "core/dsm_home.h"

/**
 * struct sc_rh_pg - what the members said of one page.
 * @writer:	1 + the node with write access, 0: none.
 * @readers:	nodes with read access.
 * @held:	nodes with a frame for it (valid or not).
 * @best:	1 + the node whose frame has the newest tag, 0: none yet
 *		(the lowest node of equal tags).
 * @ver:	that tag,
 * @sync:	and its sync count.
 * @maxver:	the greatest version anyone reported.
 */
struct sc_rh_pg {
	u8 writer;
	u8 best;
	u16 sync;
	u32 ver;
	u32 maxver;
	u64 readers;
	u64 held;
};

/**
 * struct sc_rh_ent - a rebuilt directory entry, to install.
 * @page:	the page.
 * @owner:	its owner.
 * @copyset:	its read copies, @owner excluded.
 * @lost:	nobody alive holds it valid, somebody held it.
 * @shadow:	@owner holds it only as a shadow frame, the newest.
 * @writer:	@owner has write access.
 * @ver:	the page's version from now on.
 */
struct sc_rh_ent {
	u64 page;
	u64 copyset;
	u32 ver;
	u8 owner;
	bool lost;
	bool shadow;
	bool writer;
};

/**
 * struct sc_rh_state - the rebuild in progress.
 * @lock:	protects @req_id .. @pages.
 * @req_id:	the DIR_QUERY in flight, 0: none (replies are refused).
 * @epoch:	its epoch.
 * @asked:	members asked whose LAST has not come.
 * @map:	the buckets of moves being rebuilt (sc_xfer_due()).
 * @rq:		the buckets of pages whose owner died, homed here, being
 *		asked for (struct dsm_dir.requery).
 * @ask:	@map and @rq: the buckets asked.
 * @pages:	pgno -> struct sc_rh_pg, what was said.
 * @snap:	the moves being rebuilt (the work's own, not locked).
 * @stopping:	unloading: no more rebuilds.
 */
struct sc_rh_state {
	struct mutex lock;	/* @req_id .. @pages; before pg->lock */
	u64 req_id;
	u64 epoch;
	u64 asked;
	DECLARE_BITMAP(map, DSM_HOME_BUCKETS);
	DECLARE_BITMAP(rq, DSM_HOME_BUCKETS);
	DECLARE_BITMAP(ask, DSM_HOME_BUCKETS);
	struct xarray pages;
	struct sc_xfer_move snap[DSM_HOME_BUCKETS];
	bool stopping;
};

static struct sc_rh_state sc_rh = {
	.lock = __MUTEX_INITIALIZER(sc_rh.lock),
	.pages = XARRAY_INIT(sc_rh.pages, 0),
};

/* Buckets with pages to ask for, set by homes (any context), atomic. */
static DECLARE_BITMAP(sc_rh_requery, DSM_HOME_BUCKETS);

static DECLARE_WAIT_QUEUE_HEAD(sc_rh_wq);
static void sc_rh_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(sc_rh_work, sc_rh_fn);

/* Rebuild now what is due (and look again later for what will be). */
void sc_rehome_kick(void)
{
	if (!READ_ONCE(sc_rh.stopping))
		mod_delayed_work(system_unbound_wq, &sc_rh_work, 0);
}

/**
 * sc_rehome_requery() - ask the members for the frames of page @pgno.
 * @pgno:	a page homed here, its entry awaiting (struct dsm_dir
 *		.requery). Any context.
 */
void sc_rehome_requery(u64 pgno)
{
	dsm_stat_inc(DSM_STAT_SHADOW_REQUERY);
	set_bit(dsm_home_bucket(pgno), sc_rh_requery);
	sc_rehome_kick();
}

/*
 * Record that node @node has @access (DSM_ACCESS_* or 0) of @page, and a
 * frame tagged (@ver, @sync) if @held.
 */
static int sc_rh_note(u64 page, u32 node, u8 access, bool held, u32 ver,
		      u16 sync)
{
	struct sc_rh_pg *p;

	lockdep_assert_held(&sc_rh.lock);
	p = xa_load(&sc_rh.pages, page);
	if (!p) {
		p = kzalloc(sizeof(*p), GFP_KERNEL);
		if (!p)
			return -ENOMEM;
		if (xa_err(xa_store(&sc_rh.pages, page, p, GFP_KERNEL))) {
			kfree(p);
			return -ENOMEM;
		}
	}
	if (access == DSM_ACCESS_WRITE && (!p->writer || p->writer > node + 1))
		p->writer = node + 1;
	else if (access == DSM_ACCESS_READ)
		p->readers |= BIT_ULL(node);
	if (held || access)
		p->held |= BIT_ULL(node);
	if (held && (!p->best || sc_tag_newer(ver, sync, p->ver, p->sync) ||
		     (ver == p->ver && sync == p->sync && node + 1 < p->best))) {
		p->best = node + 1;
		p->ver = ver;
		p->sync = sync;
	}
	p->maxver = max(p->maxver, ver);
	return 0;
}

/* ------------------------------------------------ a member answers */

/* The largest DIR_REPLY. */
#define SC_RH_MSG	(DSM_WIRE_HDR_SIZE + sizeof(struct dsm_wire_dir_reply) + \
			 DSM_WIRE_MAX_DIR * sizeof(struct dsm_wire_dir_entry))

/**
 * struct sc_rh_out - the DIR_REPLYs a member sends.
 * @dst:	the new home that asked.
 * @req_id:	its query.
 * @epoch:	the query's epoch.
 * @q:		the buckets asked.
 * @n:		entries gathered.
 * @err:	first send error (the rest is not sent).
 * @ent:	the entries of the next message.
 * @buf:	its encoding.
 */
struct sc_rh_out {
	u32 dst;
	u64 req_id;
	u64 epoch;
	const struct dsm_msg_dir_query *q;
	u32 n;
	int err;
	struct dsm_dir_entry ent[DSM_WIRE_MAX_DIR];
	u8 buf[SC_RH_MSG];
};

static void sc_rh_flush(struct sc_rh_out *o, u8 flags)
{
	struct dsm_msg_hdr h = {
		.version = DSM_WIRE_VERSION_MAX,
		.type = DSM_MSG_DIR_REPLY,
		.src = sc_local(),
		.dst = o->dst,
		.req_id = o->req_id,
		.epoch = dsm_home_epoch(),
	};
	struct dsm_wire_enc e;
	int len;
	u32 i;

	dsm_wire_enc_begin(&e, o->buf, sizeof(o->buf), &h);
	dsm_wire_enc_dir_reply(&e, o->epoch, flags);
	for (i = 0; i < o->n; i++)
		dsm_wire_enc_dir_entry(&e, &o->ent[i]);
	len = dsm_wire_enc_end(&e);
	if (len < 0 && !o->err)
		o->err = len;
	if (!o->err)
		o->err = dsm_msg_send_buf(o->dst, DSM_MSG_DIR_REPLY, o->buf,
					  len);
	o->n = 0;
}

/* What this node has of @pg, if its bucket was asked. Sleeps. */
static void sc_rh_gather(struct dsm_pg *pg, void *arg)
{
	struct sc_rh_out *o = arg;
	struct dsm_dir_entry *ent = &o->ent[o->n];
	u64 live;

	if (!pg->sc || !dsm_dir_query_has(o->q, dsm_home_bucket(pg->pgno)) ||
	    !dsm_pg_of_model(pg->pgno, DSM_MODEL_SC))
		return;
	live = dsm_members_live();
	spin_lock(&pg->lock);
	ent->page = pg->pgno;
	ent->access = READ_ONCE(pg->access);
	ent->flags = READ_ONCE(pg->folio) ? DSM_DIR_E_HELD : 0;
	ent->ver = pg->sc->ver;
	ent->sync = pg->sc->sync;
	sc_shadow_copy_alone(pg, live);
	spin_unlock(&pg->lock);
	if (!ent->access && !ent->flags)
		return;
	if (++o->n == DSM_WIRE_MAX_DIR)
		sc_rh_flush(o, 0);
}

/*
 * May @m be answered? From a live member of this node's table (waited
 * for, if the query's is newer), every bucket asked homed at the sender.
 */
static int sc_rh_query_check(const struct dsm_msg *m)
{
	const struct dsm_msg_dir_query *q = &m->u.dir_query;
	u32 from = m->hdr.src, b;
	u64 members;

	if (sc_epoch_catch_up(q->epoch))
		return -ESTALE;
	dsm_home_current(&members);
	if (!(members & BIT_ULL(from)) || dsm_members_lost(from))
		return -EPERM;
	for (b = 0; b < DSM_HOME_BUCKETS; b++)
		if (dsm_dir_query_has(q, b) && dsm_members_home(b, NULL) != from)
			return -EINVAL;
	return 0;
}

/**
 * sc_rehome_query() - DIR_QUERY: a new home asks what this node has.
 * @m:	the query, decoded (every field in range).
 *
 * Receive context; sleeps (waits for the query's table, if newer). A
 * query refused is not answered: the asker counts this node silent.
 */
void sc_rehome_query(const struct dsm_msg *m)
{
	struct sc_rh_out *o;
	int err;

	err = sc_rh_query_check(m);
	if (err) {
		dsm_stat_inc(DSM_STAT_REHOME_REFUSED);
		pr_warn_ratelimited("DIR_QUERY of home table %llu from node %u refused (%d): %s\n",
				    m->u.dir_query.epoch, m->hdr.src, err,
				    err == -ESTALE ? "no such home table here" :
				    err == -EPERM ? "not a live member" :
				    "not the home of every bucket asked");
		return;
	}
	o = kzalloc(sizeof(*o), GFP_KERNEL);
	if (!o)
		return;
	o->dst = m->hdr.src;
	o->req_id = m->hdr.req_id;
	o->epoch = m->u.dir_query.epoch;
	o->q = &m->u.dir_query;
	dsm_mem_for_each(sc_rh_gather, o);
	sc_rh_flush(o, DSM_DIR_F_LAST);
	if (o->err)
		pr_warn_ratelimited("answering node %u's DIR_QUERY failed (%d)\n",
				    o->dst, o->err);
	kfree(o);
}

/* ------------------------------------------------ the new home asks */

/* Is every page of @r in a bucket asked? Under sc_rh.lock. */
static bool sc_rh_reply_ok(const struct dsm_msg_dir_reply *r)
{
	struct dsm_dir_entry ent;
	struct dsm_msg_iter it;

	lockdep_assert_held(&sc_rh.lock);
	dsm_msg_iter_dir(r, &it);
	while (dsm_msg_next_dir(&it, &ent))
		if (!test_bit(dsm_home_bucket(ent.page), sc_rh.ask))
			return false;
	return true;
}

/**
 * sc_rehome_reply() - DIR_REPLY: a member says what it has.
 * @m:	the answer, decoded (every field in range).
 *
 * Taken only from a member asked by the query in flight; a refused one
 * makes its sender silent. Receive context; sleeps (sc_rh.lock).
 */
void sc_rehome_reply(const struct dsm_msg *m)
{
	const struct dsm_msg_dir_reply *r = &m->u.dir_reply;
	u32 from = m->hdr.src;
	struct dsm_dir_entry ent;
	struct dsm_msg_iter it;
	bool ok, asked;

	mutex_lock(&sc_rh.lock);
	asked = sc_rh.req_id && m->hdr.req_id == sc_rh.req_id &&
		(sc_rh.asked & BIT_ULL(from));
	ok = asked && r->epoch == sc_rh.epoch && sc_rh_reply_ok(r);
	if (ok) {
		dsm_msg_iter_dir(r, &it);
		while (dsm_msg_next_dir(&it, &ent))
			if (sc_rh_note(ent.page, from, ent.access,
				       ent.flags & DSM_DIR_E_HELD, ent.ver,
				       ent.sync))
				ok = false;	/* -ENOMEM: as if silent */
	}
	if (asked && (!ok || (r->flags & DSM_DIR_F_LAST)))
		sc_rh.asked &= ~BIT_ULL(from);
	mutex_unlock(&sc_rh.lock);
	if (!asked || !ok) {
		dsm_stat_inc(DSM_STAT_REHOME_REFUSED);
		pr_warn_ratelimited("DIR_REPLY from node %u refused: %s\n",
				    from, asked ? "a page of a bucket not asked, or another epoch" :
				    "no such query in flight to it (late?)");
	}
	wake_up_all(&sc_rh_wq);
}

/* This node's own part: what it has of the pages of the buckets asked. */
static void sc_rh_local(struct dsm_pg *pg, void *arg)
{
	u64 live;
	u8 access;
	bool held;
	u32 ver;
	u16 sync;

	if (!pg->sc || !test_bit(dsm_home_bucket(pg->pgno), sc_rh.ask) ||
	    !dsm_pg_of_model(pg->pgno, DSM_MODEL_SC))
		return;
	live = dsm_members_live();
	spin_lock(&pg->lock);
	access = READ_ONCE(pg->access);
	held = READ_ONCE(pg->folio);
	ver = pg->sc->ver;
	sync = pg->sc->sync;
	sc_shadow_copy_alone(pg, live);
	spin_unlock(&pg->lock);
	if (access || held)
		sc_rh_note(pg->pgno, sc_local(), access, held, ver, sync);
}

/* Send the query to every live member but this node; whom it asked. */
static u64 sc_rh_ask(void)
{
	struct dsm_msg_hdr h = {
		.version = DSM_WIRE_VERSION_MAX,
		.type = DSM_MSG_DIR_QUERY,
		.src = sc_local(),
	};
	u8 buf[DSM_WIRE_HDR_SIZE + sizeof(struct dsm_wire_dir_query)];
	struct dsm_msg_dir_query q = { };
	u64 members, asked = 0;
	struct dsm_wire_enc e;
	unsigned long m;
	u32 n;
	int len;

	h.epoch = dsm_home_current(&members);
	mutex_lock(&sc_rh.lock);
	sc_rh.req_id = dsm_next_req_id();
	sc_rh.epoch = h.epoch;
	h.req_id = sc_rh.req_id;
	q.epoch = h.epoch;
	for_each_set_bit(n, sc_rh.ask, DSM_HOME_BUCKETS)
		q.buckets[n / 8] |= BIT(n % 8);
	m = members & ~BIT_ULL(sc_local());
	for_each_set_bit(n, &m, DSM_NODES_MAX)
		if (!dsm_members_lost(n))
			asked |= BIT_ULL(n);
	sc_rh.asked = asked;
	mutex_unlock(&sc_rh.lock);
	m = asked;
	for_each_set_bit(n, &m, DSM_NODES_MAX) {
		h.dst = n;
		dsm_wire_enc_begin(&e, buf, sizeof(buf), &h);
		dsm_wire_enc_dir_query(&e, &q);
		len = dsm_wire_enc_end(&e);
		if (len < 0 || dsm_msg_send_buf(n, DSM_MSG_DIR_QUERY, buf, len)) {
			mutex_lock(&sc_rh.lock);
			sc_rh.asked &= ~BIT_ULL(n);
			mutex_unlock(&sc_rh.lock);
			dsm_stat_inc(DSM_STAT_REHOME_SILENT);
		}
	}
	return asked;
}

/* The entry of one page from what was said (sc_rh.lock held). */
static void sc_rh_decide(u64 page, const struct sc_rh_pg *p,
			 struct sc_rh_ent *e)
{
	e->page = page;
	e->lost = false;
	e->shadow = false;
	e->writer = p->writer;
	e->ver = p->maxver;
	if (p->writer) {
		e->owner = p->writer - 1;
		e->copyset = p->readers & ~BIT_ULL(e->owner);
	} else if (p->readers) {
		e->owner = __ffs64(p->readers);
		e->copyset = p->readers & ~BIT_ULL(e->owner);
	} else if (p->best && (p->ver || p->sync)) {
		/*
		 * The newest frame another node saw: a tag is given only by
		 * a transaction or a push, never to a frame of a page that
		 * stayed on one node.
		 */
		e->owner = p->best - 1;
		e->copyset = 0;
		e->shadow = true;
	} else {
		e->owner = sc_local();
		e->copyset = 0;
		e->lost = true;		/* p->held: somebody had it */
	}
}

/*
 * Close the query and turn what was said into entries (an array of
 * *@nr, to free). Return: NULL if there is none (or no memory: then the
 * pages start new, logged).
 */
static struct sc_rh_ent *sc_rh_close(u32 *nr)
{
	struct sc_rh_ent *ents = NULL;
	struct sc_rh_pg *p;
	unsigned long i;
	u32 n = 0, silent;

	mutex_lock(&sc_rh.lock);
	silent = hweight64(sc_rh.asked);
	sc_rh.req_id = 0;		/* late replies are refused */
	sc_rh.asked = 0;
	dsm_mem_for_each(sc_rh_local, NULL);
	xa_for_each(&sc_rh.pages, i, p)
		n++;
	if (n)
		ents = kvcalloc(n, sizeof(*ents), GFP_KERNEL);
	n = 0;
	xa_for_each(&sc_rh.pages, i, p) {
		if (ents)
			sc_rh_decide(i, p, &ents[n++]);
		xa_erase(&sc_rh.pages, i);
		kfree(p);
	}
	mutex_unlock(&sc_rh.lock);
	if (silent) {
		dsm_stat_add(DSM_STAT_REHOME_SILENT, silent);
		pr_warn("%u members did not answer a DIR_QUERY within fault_timeout_ms / 2: taken as holding nothing\n",
			silent);
	}
	if (!ents && n)
		pr_err("no memory for %u rebuilt directory entries: those pages start new\n",
		       n);
	*nr = n;
	return ents;
}

/*
 * Under pg->lock: is @pg's entry (bucket @b) still awaited by this
 * rebuild? Asked for after its owner died, or in a bucket moved here
 * whose move is still the one being rebuilt.
 */
static bool sc_rh_awaited_locked(struct dsm_pg *pg, u32 b)
{
	struct dsm_dir *d = &pg->sc->dir;
	u32 local = sc_local();

	lockdep_assert_held(&pg->lock);
	if (d->requery)
		return pg->home == local && d->awaiting &&
		       test_bit(b, sc_rh.rq);
	if (pg->home == local && !d->awaiting)
		return false;
	return test_bit(b, sc_rh.map) && sc_xfer_is_head(b, &sc_rh.snap[b]);
}

/*
 * Under pg->lock: drop the requests queued for @pg that the rebuilt entry
 * @e says are served already: a request whose grant the dead owner sent
 * before it died (its CONFIRM came while the entry was awaited, and was
 * refused), requeued when the owner died. Served again, it would wait for
 * a CONFIRM its requester does not send (its request is over).
 */
static void sc_rh_drop_served_locked(struct dsm_pg *pg,
				     const struct sc_rh_ent *e)
{
	struct dsm_hreq *hr, *tmp;

	lockdep_assert_held(&pg->lock);
	list_for_each_entry_safe(hr, tmp, &pg->sc->dir.queue, list) {
		if (hr->access == DSM_ACCESS_WRITE ?
		    !(e->writer && e->owner == hr->node) :
		    !(e->owner == hr->node || (e->copyset & BIT_ULL(hr->node))))
			continue;
		list_del(&hr->list);
		kfree(hr);
	}
}

/*
 * Install @e, if its page is still awaited here in a bucket being
 * rebuilt, and serve its queue. Return: 1 if installed.
 */
static u32 sc_rh_install(const struct sc_rh_ent *e)
{
	u32 local = sc_local(), b = dsm_home_bucket(e->page);
	struct dsm_pg *pg;
	struct dsm_dir *d;
	struct sc_act a;

	pg = dsm_pg_get_peer(e->page, DSM_MODEL_SC);
	if (IS_ERR(pg))
		return 0;
	sc_act_init(&a);
	spin_lock(&pg->lock);
	d = &pg->sc->dir;
	if (!sc_rh_awaited_locked(pg, b)) {
		spin_unlock(&pg->lock);
		return 0;
	}
	if (pg->home != local)
		dsm_stat_inc(DSM_STAT_HOME_MOVED);
	WRITE_ONCE(pg->home, local);
	if (!d->requery)
		WRITE_ONCE(pg->home_epoch, sc_rh.snap[b].epoch);
	d->owner = e->owner;
	d->copyset = e->copyset;
	d->lost = e->lost;
	d->shadow = e->shadow;
	d->kept = 0;	/* nobody knows which shadows are left */
	d->ver = max(d->ver, e->ver);
	d->awaiting = false;
	d->requery = false;
	if (!e->shadow && !e->lost)
		sc_rh_drop_served_locked(pg, e);
	sc_home_serve_locked(pg, &a);
	spin_unlock(&pg->lock);
	sc_act_do(pg, &a);
	if (e->shadow) {
		dsm_stat_inc(DSM_STAT_SHADOW_PROMOTED);
		pr_info_ratelimited("page %llu: no live copy; node %u's frame, the newest another node saw, is the page now\n",
				    e->page, e->owner);
	}
	if (e->lost) {
		dsm_stat_inc(DSM_STAT_PAGE_LOST);
		pr_warn_ratelimited("page %llu lost: its home or owner died and no live node holds a valid copy (some held one)\n",
				    e->page);
	}
	return 1;
}

/*
 * A page asked for whose owner died, that no member has a frame of: it
 * is lost (its owner had it alone). Its queued requests are refused.
 */
static void sc_rh_requery_rest(struct dsm_pg *pg, void *arg)
{
	struct dsm_dir *d;
	struct sc_act a;
	bool lost = false;

	if (!pg->sc || !test_bit(dsm_home_bucket(pg->pgno), sc_rh.rq))
		return;
	sc_act_init(&a);
	spin_lock(&pg->lock);
	d = &pg->sc->dir;
	if (pg->home == sc_local() && d->awaiting && d->requery) {
		d->awaiting = false;
		d->requery = false;
		d->lost = true;
		lost = true;
		sc_home_serve_locked(pg, &a);
	}
	spin_unlock(&pg->lock);
	sc_act_do(pg, &a);
	if (lost) {
		dsm_stat_inc(DSM_STAT_PAGE_LOST);
		pr_warn_ratelimited("page %llu lost: its owner died and no live node has a frame of it\n",
				    pg->pgno);
	}
}

/* Take the buckets to ask for now into sc_rh.rq. Return: how many. */
static u32 sc_rh_take_requery(void)
{
	u32 b, n = 0;

	bitmap_zero(sc_rh.rq, DSM_HOME_BUCKETS);
	for (b = 0; b < DSM_HOME_BUCKETS; b++) {
		if (test_and_clear_bit(b, sc_rh_requery)) {
			__set_bit(b, sc_rh.rq);
			n++;
		}
	}
	return n;
}

/* Rebuild the buckets due now; look again when the next is due. */
static void sc_rh_fn(struct work_struct *work)
{
	unsigned long next;
	struct sc_rh_ent *ents;
	u32 n, i, done = 0, buckets, nrq;
	u64 asked;

	mutex_lock(&sc_rh.lock);
	n = sc_xfer_due(sc_rh.map, sc_rh.snap, &next);
	nrq = sc_rh_take_requery();
	bitmap_or(sc_rh.ask, sc_rh.map, sc_rh.rq, DSM_HOME_BUCKETS);
	mutex_unlock(&sc_rh.lock);
	if (!n && !nrq) {
		if (next && !READ_ONCE(sc_rh.stopping))
			queue_delayed_work(system_unbound_wq, &sc_rh_work,
					   time_after(next, jiffies) ?
					   next - jiffies : 0);
		return;
	}
	asked = sc_rh_ask();
	wait_event_timeout(sc_rh_wq, !READ_ONCE(sc_rh.asked),
			   dsm_fault_timeout() / 2);
	ents = sc_rh_close(&n);
	for (i = 0; ents && i < n; i++)
		done += sc_rh_install(&ents[i]);
	kvfree(ents);
	if (nrq)
		dsm_mem_for_each(sc_rh_requery_rest, NULL);
	buckets = sc_xfer_rebuilt(sc_rh.map, sc_rh.snap);
	dsm_stat_add(DSM_STAT_REHOME_BUCKETS, buckets);
	dsm_stat_add(DSM_STAT_REHOME_PAGES, done);
	pr_info("%u buckets rebuilt, %u asked for pages whose owner died, from the answers of nodes %#llx: %u pages with an entry\n",
		buckets, nrq, asked, done);
	sc_rehome_kick();	/* what became due meanwhile */
}

/* At unload, before dsm_sc_xfer_exit(). */
void sc_rehome_exit(void)
{
	WRITE_ONCE(sc_rh.stopping, true);
	cancel_delayed_work_sync(&sc_rh_work);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_sc_xfer.c - a bucket moves to another home at run time (issue 15
 * item 2; Documentation/sc.md, "Moving a bucket"): HOME_XFER.
 *
 * When dsmd pushes a home table that moves buckets (dsm_home_table.c
 * calls dsm_sc_xfer_prepare() before the table is seen, and
 * dsm_sc_xfer_start() after):
 *  - the old home stops beginning transactions on the pages of those
 *    buckets (sc_xfer_moving_locked(): their requests, queued or new, get
 *    NACK ESTALE and go to the new home), waits for the transactions in
 *    progress to end (sc_xfer_drain(): one whose PAGE_FWD went out until
 *    it ends, others at most fault_timeout_ms / 2, their requesters then
 *    refused with ESTALE), then sends each new home the directory
 *    entries (owner, copyset, lost) of the pages it homed in those
 *    buckets, in HOME_XFERs of at most DSM_WIRE_MAX_XFER entries, the
 *    last one flagged LAST (even with no entry), and makes the new home
 *    the pages' home;
 *  - the new home marks the buckets as awaited (sc_xfer_pending()): their
 *    pages' requests queue at the directory, not served, until the entry
 *    is installed; a LAST message ends the old home's buckets (a page it
 *    sent nothing for was never used: it starts as a new page homed
 *    here). Each HOME_XFER is answered with HOME_XFER_ACK.
 * A bucket may move again before its previous transfer ended (tables
 * pushed back to back): each node keeps, per bucket, the moves that
 * concern it in the order of their tables (struct sc_xfer_bucket), and
 * does them in that order: a bucket awaited here is handed on only once
 * its entries came (or their wait ended), and one being handed over is
 * awaited back only once it left.
 * Checked: a HOME_XFER's sender must be the old home of the bucket of
 * every page it names for the table that moved it, the move this node
 * does now for that bucket; owners and copysets must be members. A
 * refused one installs nothing (home_xfer_refused, ACK with the errno).
 * If the old home is lost, or (alive) its transfer does not come within
 * SC_XFER_PATIENCE of the move becoming the bucket's move now, the new
 * home never starts the buckets empty: dsm_sc_rehome.c rebuilds their
 * entries from what the live members hold (DIR_QUERY; issue 15 item 3,
 * Documentation/sc.md "Re-homing after a failure").
 *
 * Locking: sc_xfer.lock (a spinlock) may be taken under pg->lock, never
 * the other way round. The out work is the only sender; the in side runs
 * in the receive context of the old home's connection.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sc: " fmt

#include <linux/slab.h>
#include <linux/wait.h>

#include "dsm_sc.h"
#include "core/dsm_home.h"

/*
 * How many moves of one bucket a node keeps pending: a bucket moved more
 * often than this before its transfers ended loses the moves beyond
 * (counted in home_xfer_empty, logged once).
 */
#define SC_XFER_QUEUE	8

/**
 * struct sc_xfer_bucket - the moves of one bucket still to do here, in
 * the order of their tables. The first is done now: awaited (its pages'
 * requests queue) or handed over (the out work); the others wait for it.
 * @head:	index in @m of the first.
 * @n:		how many.
 * @m:		a ring of them.
 */
struct sc_xfer_bucket {
	u8 head;
	u8 n;
	struct sc_xfer_move m[SC_XFER_QUEUE];
};

/**
 * struct sc_xfer_state - this node's transfers.
 * @lock:	protects the fields below but @snap.
 * @b:		per bucket, its moves still to do.
 * @sent_to:	nodes the out work sent HOME_XFERs to, whose ACKs are due.
 * @snap:	per bucket: 1 + the new home the out work hands it to now;
 *		the out work's own (not locked).
 */
struct sc_xfer_state {
	spinlock_t lock;	/* @b and @sent_to */
	struct sc_xfer_bucket b[DSM_HOME_BUCKETS];
	u64 sent_to;
	u8 snap[DSM_HOME_BUCKETS];
};

static struct sc_xfer_state sc_xfer = {
	.lock = __SPIN_LOCK_UNLOCKED(sc_xfer.lock),
};

#define SC_XFER_ANY	U32_MAX

static DECLARE_WAIT_QUEUE_HEAD(sc_xfer_wq);
static atomic_t sc_xfer_ends = ATOMIC_INIT(0);	/* sc_xfer_wake() calls */
static void sc_xfer_out_fn(struct work_struct *work);
static DECLARE_WORK(sc_xfer_out_work, sc_xfer_out_fn);
static void sc_xfer_retry_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(sc_xfer_retry, sc_xfer_retry_fn);

/* Bucket @b's move done now, NULL if none. Under sc_xfer.lock. */
static struct sc_xfer_move *sc_xfer_head(u32 b)
{
	struct sc_xfer_bucket *q = &sc_xfer.b[b];

	lockdep_assert_held(&sc_xfer.lock);
	return q->n ? &q->m[q->head] : NULL;
}

/* Queue a move of bucket @b. Under sc_xfer.lock. Return: false if full. */
static bool sc_xfer_push(u32 b, bool in, u32 peer, u64 epoch)
{
	struct sc_xfer_bucket *q = &sc_xfer.b[b];
	struct sc_xfer_move *mv;

	lockdep_assert_held(&sc_xfer.lock);
	if (q->n == SC_XFER_QUEUE)
		return false;
	mv = &q->m[(q->head + q->n) % SC_XFER_QUEUE];
	mv->epoch = epoch;
	mv->peer = peer;
	mv->in = in;
	mv->since = jiffies;	/* meaningful once it is the head */
	q->n++;
	return true;
}

/* Bucket @b's head move is done. Under sc_xfer.lock. */
static void sc_xfer_pop(u32 b)
{
	struct sc_xfer_bucket *q = &sc_xfer.b[b];

	lockdep_assert_held(&sc_xfer.lock);
	q->head = (q->head + 1) % SC_XFER_QUEUE;
	q->n--;
	if (q->n)	/* the next move's wait begins now */
		q->m[q->head].since = jiffies;
}

/* Is bucket @b awaited now (from @from: any if SC_XFER_ANY)? Locked. */
static bool sc_xfer_awaited(u32 b, u32 from, u64 epoch)
{
	struct sc_xfer_move *mv = sc_xfer_head(b);

	return mv && mv->in && (from == SC_XFER_ANY || mv->peer == from) &&
	       (!epoch || mv->epoch == epoch);
}

/**
 * sc_xfer_pending() - does this node await the entries of @pgno's bucket?
 * @pgno:	the page.
 *
 * Return: true while one of the bucket's moves still to do here brings
 * it here: now, or once it has been handed over (moved away and back).
 */
bool sc_xfer_pending(u64 pgno)
{
	struct sc_xfer_bucket *q;
	bool ret = false;
	u32 i;

	spin_lock(&sc_xfer.lock);
	q = &sc_xfer.b[dsm_home_bucket(pgno)];
	for (i = 0; i < q->n && !ret; i++)
		ret = q->m[(q->head + i) % SC_XFER_QUEUE].in;
	spin_unlock(&sc_xfer.lock);
	return ret;
}

/**
 * sc_xfer_moving_locked() - is @pg homed here, and being handed over?
 * @pg:	the page; pg->lock held.
 *
 * Return: true if this node still keeps its entry but the current table
 * gives its bucket to another node: no transaction may begin.
 */
bool sc_xfer_moving_locked(struct dsm_pg *pg)
{
	lockdep_assert_held(&pg->lock);
	return sc_xfer_moving(pg);
}

/*
 * As sc_xfer_moving_locked(), racy without pg->lock (a hint): the page
 * is homed here and its bucket's move now is its hand-over.
 */
bool sc_xfer_moving(struct dsm_pg *pg)
{
	struct sc_xfer_move *mv;
	bool ret;

	if (READ_ONCE(pg->home) != sc_local())
		return false;
	spin_lock(&sc_xfer.lock);
	mv = sc_xfer_head(dsm_home_bucket(pg->pgno));
	ret = mv && !mv->in;
	spin_unlock(&sc_xfer.lock);
	return ret;
}

/* A transaction on a moving page ended: the out work may go on. */
void sc_xfer_wake(void)
{
	atomic_inc(&sc_xfer_ends);
	wake_up_all(&sc_xfer_wq);
}

/**
 * dsm_sc_xfer_prepare() - a new home table is about to be seen.
 * @old:	the current table, NULL if none.
 * @new:	the new one.
 *
 * Under dsm_home_mutex, before @new is published: buckets @new moves
 * here are awaited from their old homes (a lost old home's are rebuilt
 * from the survivors by dsm_sc_rehome.c), and buckets it moves away are handed over
 * by the work dsm_sc_xfer_start() queues, each after the moves of the
 * bucket still pending here (sc_xfer_bucket).
 */
void dsm_sc_xfer_prepare(const struct dsm_home_table *old,
			 const struct dsm_home_table *new)
{
	u32 local = sc_local(), b, from, to, full = 0;
	bool in = false;

	if (!old)
		return;
	spin_lock(&sc_xfer.lock);
	for (b = 0; b < DSM_HOME_BUCKETS; b++) {
		from = old->node[b];
		to = new->node[b];
		if (from == to)
			continue;
		if (from == local) {
			full += !sc_xfer_push(b, false, to, new->epoch);
		} else if (to == local) {
			/* From a lost old home too: rebuilt (dsm_sc_rehome.c). */
			if (sc_xfer_push(b, true, from, new->epoch))
				in |= sc_xfer_awaited(b, from, new->epoch);
			else
				full++;
		}
	}
	spin_unlock(&sc_xfer.lock);
	if (full) {
		dsm_stat_add(DSM_STAT_HOME_XFER_EMPTY, full);
		pr_warn_once("home table %llu moves %u buckets that have %u moves pending here already: those moves are not done, their pages may start with new directory entries (logged once)\n",
			     new->epoch, full, SC_XFER_QUEUE);
	}
	if (in)
		sc_rehome_kick();
}

/* ------------------------------------------------ the old home */

/*
 * struct sc_xfer_batch - the out work's HOME_XFERs to one new home.
 * @dst:	the new home; SC_XFER_ANY while waiting for transactions.
 * @epoch:	the table that moved the buckets (@snap's).
 * @n:		entries gathered in @ent.
 * @busy:	pages counted busy by sc_xfer_busy().
 * @fwd:	of them, those whose PAGE_FWD (or grant) went out.
 * @err:	first send error (the rest is not sent).
 * @ent:	the entries of the next message.
 * @buf:	its encoding.
 */
#define SC_XFER_MSG	(DSM_WIRE_HDR_SIZE + sizeof(struct dsm_wire_home_xfer) + \
			 DSM_WIRE_MAX_XFER * sizeof(struct dsm_wire_xfer_entry))

struct sc_xfer_batch {
	u32 dst;
	u64 epoch;
	u32 n;
	u32 busy;
	u32 fwd;
	int err;
	struct dsm_xfer_entry ent[DSM_WIRE_MAX_XFER];
	u8 buf[SC_XFER_MSG];
};

/*
 * Is @pg an sc page in a bucket the out work hands to @x->dst? (The
 * pages of lrc regions have no directory.) Sleeps.
 */
static bool sc_xfer_mine(struct dsm_pg *pg, const struct sc_xfer_batch *x)
{
	u8 to = sc_xfer.snap[dsm_home_bucket(pg->pgno)];

	return pg->sc && to && (x->dst == SC_XFER_ANY || to == x->dst + 1) &&
	       dsm_pg_of_model(pg->pgno, DSM_MODEL_SC);
}

static void sc_xfer_count_busy(struct dsm_pg *pg, void *arg)
{
	struct sc_xfer_batch *x = arg;

	if (!sc_xfer_mine(pg, x))
		return;
	spin_lock(&pg->lock);
	if (pg->home == sc_local() && pg->sc->dir.busy) {
		x->busy++;
		x->fwd += pg->sc->dir.fwd_sent;
	}
	spin_unlock(&pg->lock);
}

/* How many pages moving away have a transaction in progress. */
static u32 sc_xfer_busy(struct sc_xfer_batch *x)
{
	x->busy = 0;
	x->fwd = 0;
	dsm_mem_for_each(sc_xfer_count_busy, x);
	return x->busy;
}

/* Send the entries gathered in @x; @flags: DSM_XFER_F_LAST or 0. */
static void sc_xfer_flush(struct sc_xfer_batch *x, u8 flags)
{
	struct dsm_msg_hdr h = {
		.version = DSM_WIRE_VERSION_MAX,
		.type = DSM_MSG_HOME_XFER,
		.src = sc_local(),
		.dst = x->dst,
		.req_id = dsm_next_req_id(),
		.epoch = dsm_home_epoch(),
	};
	struct dsm_wire_enc e;
	int len;
	u32 i;

	dsm_wire_enc_begin(&e, x->buf, sizeof(x->buf), &h);
	dsm_wire_enc_home_xfer(&e, x->epoch, flags);
	for (i = 0; i < x->n; i++)
		dsm_wire_enc_xfer_entry(&e, &x->ent[i]);
	len = dsm_wire_enc_end(&e);
	if (len < 0 && !x->err)
		x->err = len;
	if (!x->err)
		x->err = dsm_msg_send_buf(x->dst, DSM_MSG_HOME_XFER, x->buf,
					  len);
	if (!x->err)
		dsm_stat_add(DSM_STAT_HOME_XFER_ENTRIES, x->n);
	x->n = 0;
}

/*
 * Hand @pg's entry over to @x->dst, if it is homed here in a bucket that
 * moves there: gather it, refuse the requests queued (ESTALE: they go to
 * the new home), and make the new home the page's.
 */
static void sc_xfer_take(struct dsm_pg *pg, void *arg)
{
	struct sc_xfer_batch *x = arg;
	struct dsm_xfer_entry *ent = &x->ent[x->n];
	u64 orphan_id = 0;
	u32 orphan_to = 0;
	struct dsm_dir *d;
	struct sc_act a;

	if (!sc_xfer_mine(pg, x))
		return;
	sc_act_init(&a);
	spin_lock(&pg->lock);
	d = &pg->sc->dir;
	if (pg->home != sc_local()) {
		spin_unlock(&pg->lock);
		return;
	}
	/*
	 * Still awaited: it was never used while homed here (the old home
	 * sent nothing for it, or is to send it after a later move back).
	 * No entry: the new home starts it new, or it is awaited again.
	 */
	if (d->awaiting && !d->requery) {
		list_splice_tail_init(&d->queue, &a.nacks);
		a.nack_err = -ESTALE;
		d->awaiting = false;
		WRITE_ONCE(pg->home, x->dst);
		WRITE_ONCE(pg->home_epoch, x->epoch);
		spin_unlock(&pg->lock);
		sc_act_do(pg, &a);
		sc_stale_kick_pg(pg);
		return;
	}
	if (d->busy) {
		pr_warn_ratelimited("page %llu: its transaction did not end in time: handed over as it stands\n",
				    pg->pgno);
		/*
		 * Its owner was not asked yet (sc_xfer_drain() waits for a
		 * forwarded one): nothing moved, and its requester, told
		 * ESTALE, asks the new home.
		 */
		if (!d->fwd_sent) {
			orphan_to = d->cur.node;
			orphan_id = d->cur.req_id;
		}
	}
	ent->page = pg->pgno;
	ent->owner = d->owner;
	ent->copyset = d->copyset;
	ent->ver = d->ver;
	ent->flags = d->lost ? DSM_XFER_E_LOST :
		     d->shadow ? DSM_XFER_E_SHADOW : 0;
	/* Its owner died and its frames were still to be asked for. */
	if (d->requery)
		ent->flags = DSM_XFER_E_LOST;
	list_splice_tail_init(&d->queue, &a.nacks);
	a.nack_err = -ESTALE;
	memset(&d->cur, 0, sizeof(d->cur));
	d->owner = 0;
	d->copyset = 0;
	d->busy = false;
	d->fwd_sent = false;
	d->lost = false;
	d->shadow = false;
	d->kept = 0;
	d->awaiting = false;
	d->requery = false;
	d->acks = 0;
	WRITE_ONCE(pg->home, x->dst);
	WRITE_ONCE(pg->home_epoch, x->epoch);
	spin_unlock(&pg->lock);
	sc_act_do(pg, &a);
	if (orphan_id)
		sc_send_nack(orphan_to, orphan_id, DSM_MSG_PAGE_REQ, pg->pgno,
			     -ESTALE);
	sc_stale_kick_pg(pg);	/* this node's request goes to the new home */
	if (++x->n == DSM_WIRE_MAX_XFER)
		sc_xfer_flush(x, 0);
}

/*
 * Wait until no page moving away has a transaction in progress. One
 * whose owner was not asked yet (INVAL_ACKs awaited) is waited for at
 * most fault_timeout_ms / 2, then handed over as it stands: its entry
 * still says where the page is. One whose PAGE_FWD (or grant) went out
 * is waited for until it ends, by its CONFIRM, a refusal, or its expiry
 * (sc_home_expire_locked(), sc_home_patience() after its begin; the
 * slack of fault_timeout_ms / 2 is for the expiry's work): the grant's
 * CONFIRM comes here, to the home the request went to, so an entry
 * handed over before it would name as owner a node that gave its copy
 * away, or miss a read copy nobody would invalidate. (sc_xfer_busy()
 * sleeps: not a wait_event() condition; each transaction's end bumps
 * sc_xfer_ends.)
 */
static void sc_xfer_drain(struct sc_xfer_batch *x)
{
	unsigned long half = jiffies + dsm_fault_timeout() / 2;
	unsigned long end = half + sc_home_patience();
	bool waited = false;
	long left;
	int seen;

	x->dst = SC_XFER_ANY;
	for (;;) {
		seen = atomic_read(&sc_xfer_ends);
		if (!sc_xfer_busy(x))
			return;
		if (x->fwd && !waited && time_after_eq(jiffies, half)) {
			waited = true;
			dsm_stat_inc(DSM_STAT_HOME_XFER_WAITED);
		}
		left = (long)((waited ? end : half) - jiffies);
		if (left <= 0)
			break;
		wait_event_timeout(sc_xfer_wq,
				   atomic_read(&sc_xfer_ends) != seen, left);
	}
	pr_warn("home table %llu: %u transactions on buckets moving away did not end in time (%u of them forwarded)\n",
		x->epoch, x->busy, x->fwd);
}

/*
 * The buckets of the snapshot handed to @dst are gone from here: their
 * next moves may be done (a bucket awaited back from @dst is accepted
 * from now on, before the LAST reaches it). Return: how many.
 */
static u32 sc_xfer_done_out(const struct sc_xfer_batch *x, u32 dst)
{
	struct sc_xfer_move *mv;
	bool in = false;
	u32 b, moved = 0;

	spin_lock(&sc_xfer.lock);
	for (b = 0; b < DSM_HOME_BUCKETS; b++) {
		if (sc_xfer.snap[b] != dst + 1)
			continue;
		mv = sc_xfer_head(b);
		if (WARN_ON_ONCE(!mv || mv->in || mv->peer != dst ||
				 mv->epoch != x->epoch))
			continue;
		sc_xfer_pop(b);
		moved++;
		mv = sc_xfer_head(b);
		in |= mv && mv->in;
	}
	spin_unlock(&sc_xfer.lock);
	if (in)
		sc_rehome_kick();
	return moved;
}

/* Hand every bucket of the out work's snapshot to its new home. */
static void sc_xfer_hand_over(struct sc_xfer_batch *x, unsigned long nodes)
{
	u32 dst, moved;

	for_each_set_bit(dst, &nodes, DSM_NODES_MAX) {
		x->dst = dst;
		x->n = 0;
		x->err = 0;
		dsm_mem_for_each(sc_xfer_take, x);
		moved = sc_xfer_done_out(x, dst);
		sc_xfer_flush(x, DSM_XFER_F_LAST);
		if (x->err) {
			pr_warn("handing %u buckets of home table %llu over to node %u failed (%d): it begins them with new directory entries\n",
				moved, x->epoch, dst, x->err);
			continue;
		}
		dsm_stat_add(DSM_STAT_HOME_XFER_OUT, moved);
	}
}

/*
 * Snapshot the buckets to hand over now: those whose move now is a
 * hand-over, of the oldest table among them (a HOME_XFER names one).
 * Return: the new homes concerned; 0 if none.
 */
static unsigned long sc_xfer_ready(struct sc_xfer_batch *x)
{
	struct sc_xfer_move *mv;
	unsigned long nodes = 0;
	u64 epoch = U64_MAX;
	u32 b;

	spin_lock(&sc_xfer.lock);
	for (b = 0; b < DSM_HOME_BUCKETS; b++) {
		mv = sc_xfer_head(b);
		if (mv && !mv->in && mv->epoch < epoch)
			epoch = mv->epoch;
	}
	for (b = 0; b < DSM_HOME_BUCKETS; b++) {
		mv = sc_xfer_head(b);
		sc_xfer.snap[b] = 0;
		if (mv && !mv->in && mv->epoch == epoch) {
			sc_xfer.snap[b] = mv->peer + 1;
			nodes |= BIT(mv->peer);
		}
	}
	sc_xfer.sent_to |= nodes;
	spin_unlock(&sc_xfer.lock);
	x->epoch = epoch;
	return nodes;
}

/*
 * The buckets to hand over, table after table: wait (at most
 * fault_timeout_ms / 2) for their transactions in progress, then hand
 * them over.
 */
static void sc_xfer_out_fn(struct work_struct *work)
{
	struct sc_xfer_batch *x;
	unsigned long nodes;

	x = kzalloc(sizeof(*x), GFP_KERNEL);
	if (!x) {	/* the buckets wait: tried again in a second */
		queue_delayed_work(system_wq, &sc_xfer_retry, HZ);
		return;
	}
	while ((nodes = sc_xfer_ready(x))) {
		sc_xfer_drain(x);
		sc_xfer_hand_over(x, nodes);
	}
	kfree(x);
}

/**
 * sc_xfer_ack() - HOME_XFER_ACK: a new home answered a HOME_XFER.
 * @m:	the answer.
 *
 * Only counted and, if it refused, logged: what it refused it begins
 * with new entries when its wait ends.
 */
void sc_xfer_ack(const struct dsm_msg *m)
{
	const struct dsm_msg_home_xfer_ack *k = &m->u.home_xfer_ack;
	bool due;

	spin_lock(&sc_xfer.lock);
	due = sc_xfer.sent_to & BIT_ULL(m->hdr.src);
	spin_unlock(&sc_xfer.lock);
	if (!due) {
		sc_unexpected("HOME_XFER_ACK", 0, m->hdr.src);
		return;
	}
	if (k->error)
		pr_warn_ratelimited("node %u refused a HOME_XFER of home table %llu: %d\n",
				    m->hdr.src, k->epoch, -(int)k->error);
}

/* ------------------------------------------------ the new home */

/*
 * A page whose bucket's wait ended without its entry (the old home's LAST
 * named none, or no live member had anything of it): it starts new.
 */
static void sc_xfer_settle_pg(struct dsm_pg *pg, void *arg)
{
	struct sc_act a;

	if (!pg->sc || !READ_ONCE(pg->sc->dir.awaiting))
		return;
	sc_act_init(&a);
	spin_lock(&pg->lock);
	if (pg->sc->dir.awaiting && !sc_xfer_pending(pg->pgno)) {
		sc_home_adopt_locked(pg);
		sc_home_serve_locked(pg, &a);
	}
	spin_unlock(&pg->lock);
	sc_act_do(pg, &a);
}

/*
 * Bucket @b's move now is done: drop it, and note in @out and @in what
 * its next move, if any, needs.
 */
static void sc_xfer_done_locked(u32 b, bool *out, bool *in)
{
	struct sc_xfer_move *mv;

	lockdep_assert_held(&sc_xfer.lock);
	sc_xfer_pop(b);
	mv = sc_xfer_head(b);
	*out |= mv && !mv->in;
	*in |= mv && mv->in;
}

/*
 * After @n buckets' moves were done (sc_xfer_done_locked(), sc_xfer.lock
 * dropped): their pages settle, and their next moves start.
 */
static void sc_xfer_after_done(u32 n, bool out, bool in)
{
	if (n)
		dsm_mem_for_each(sc_xfer_settle_pg, NULL);
	if (out)
		queue_work(system_unbound_wq, &sc_xfer_out_work);
	if (in)
		sc_rehome_kick();
}

/*
 * End the wait for the buckets awaited now from @from for table @epoch
 * (its LAST came): their pages without an entry were never used at the
 * old home and start new, and their next moves may be done. Return: how
 * many buckets.
 */
static u32 sc_xfer_end(u32 from, u64 epoch)
{
	bool out = false, in = false;
	u32 b, n = 0;

	spin_lock(&sc_xfer.lock);
	for (b = 0; b < DSM_HOME_BUCKETS; b++) {
		if (!sc_xfer_awaited(b, from, epoch))
			continue;
		sc_xfer_done_locked(b, &out, &in);
		n++;
	}
	spin_unlock(&sc_xfer.lock);
	sc_xfer_after_done(n, out, in);
	return n;
}

/**
 * sc_xfer_due() - the buckets dsm_sc_rehome.c must rebuild now.
 * @map:	out: bit b set for bucket b (DSM_HOME_BUCKETS bits).
 * @snap:	out: per bucket set in @map, its move now (to check later
 *		that it is still the one: sc_xfer_is_head()).
 * @next:	out: jiffies when the next awaited bucket is due, 0: none.
 *
 * Due: a bucket awaited now whose old home is lost, or which waited
 * SC_XFER_PATIENCE since its move became the bucket's move now.
 *
 * Return: how many buckets are due.
 */
u32 sc_xfer_due(unsigned long *map, struct sc_xfer_move *snap,
		unsigned long *next)
{
	unsigned long patience = SC_XFER_PATIENCE, when;
	struct sc_xfer_move *mv;
	u32 b, n = 0;

	*next = 0;
	bitmap_zero(map, DSM_HOME_BUCKETS);
	spin_lock(&sc_xfer.lock);
	for (b = 0; b < DSM_HOME_BUCKETS; b++) {
		mv = sc_xfer_head(b);
		if (!mv || !mv->in)
			continue;
		when = mv->since + patience;
		if (dsm_members_lost(mv->peer) || time_after_eq(jiffies, when)) {
			__set_bit(b, map);
			snap[b] = *mv;
			n++;
		} else if (!*next || time_before(when, *next)) {
			*next = when ? when : 1;
		}
	}
	spin_unlock(&sc_xfer.lock);
	return n;
}

/* Is @mv still bucket @b's move now? */
bool sc_xfer_is_head(u32 b, const struct sc_xfer_move *mv)
{
	struct sc_xfer_move *h;
	bool ret;

	spin_lock(&sc_xfer.lock);
	h = sc_xfer_head(b);
	ret = h && h->in && h->peer == mv->peer && h->epoch == mv->epoch;
	spin_unlock(&sc_xfer.lock);
	return ret;
}

/**
 * sc_xfer_rebuilt() - dsm_sc_rehome.c rebuilt the buckets of @map.
 * @map:	the buckets (sc_xfer_due()'s).
 * @snap:	their moves then.
 *
 * Each bucket whose move now is still its snapshot's (no HOME_XFER LAST
 * ended it meanwhile) is done: its pages still awaited had nothing on any
 * live member and start new, and its next moves may be done.
 *
 * Return: how many buckets.
 */
u32 sc_xfer_rebuilt(const unsigned long *map, const struct sc_xfer_move *snap)
{
	struct sc_xfer_move *mv;
	bool out = false, in = false;
	u32 b, n = 0;

	spin_lock(&sc_xfer.lock);
	for_each_set_bit(b, map, DSM_HOME_BUCKETS) {
		mv = sc_xfer_head(b);
		if (!mv || !mv->in || mv->peer != snap[b].peer ||
		    mv->epoch != snap[b].epoch)
			continue;
		sc_xfer_done_locked(b, &out, &in);
		n++;
	}
	spin_unlock(&sc_xfer.lock);
	sc_xfer_after_done(n, out, in);
	return n;
}

/* sc's node_down: buckets awaited from @dead are rebuilt at once. */
void sc_xfer_node_down(u32 dead)
{
	sc_rehome_kick();
}

/*
 * May @m's sender hand over every page it names? It must be the old home
 * of each one's bucket for the table that moved it, awaited here now
 * (the bucket's move now); a LAST must end some awaited bucket of its;
 * owners and copysets must be members.
 */
static int sc_xfer_check(const struct dsm_msg *m)
{
	const struct dsm_msg_home_xfer *x = &m->u.home_xfer;
	struct dsm_xfer_entry ent;
	u64 members;
	struct dsm_msg_iter it;
	u32 from = m->hdr.src, b;
	int err = 0;

	dsm_home_current(&members);
	spin_lock(&sc_xfer.lock);
	if (x->flags & DSM_XFER_F_LAST) {
		for (b = 0; b < DSM_HOME_BUCKETS; b++)
			if (sc_xfer_awaited(b, from, x->epoch))
				break;
		if (b == DSM_HOME_BUCKETS)
			err = -EPERM;
	}
	dsm_msg_iter_xfer(x, &it);
	while (!err && dsm_msg_next_xfer(&it, &ent)) {
		b = dsm_home_bucket(ent.page);
		if (!sc_xfer_awaited(b, from, x->epoch))
			err = -EPERM;
		else if (!(members & BIT_ULL(ent.owner)) ||
			 (ent.copyset & ~members))
			err = -EINVAL;
	}
	spin_unlock(&sc_xfer.lock);
	return err;
}

/*
 * Install @ent, from the old home @from, moved here by table @epoch (the
 * page's home_epoch: a later table may move it on, and this node's own
 * request then goes as one of @epoch). Return: 1 if installed.
 */
static u32 sc_xfer_install(const struct dsm_xfer_entry *ent, u32 from,
			   u64 epoch)
{
	u32 local = sc_local();
	struct dsm_pg *pg;
	struct dsm_dir *d;
	struct sc_act a;

	pg = dsm_pg_get_peer(ent->page, DSM_MODEL_SC);
	if (IS_ERR(pg))		/* no sc region holds it here */
		return 0;
	sc_act_init(&a);
	spin_lock(&pg->lock);
	d = &pg->sc->dir;
	if (pg->home == local && !d->awaiting) {
		spin_unlock(&pg->lock);
		sc_unexpected("HOME_XFER (its entry is here already)",
			      ent->page, from);
		return 0;
	}
	if (pg->home != local)
		dsm_stat_inc(DSM_STAT_HOME_MOVED);
	WRITE_ONCE(pg->home, local);
	WRITE_ONCE(pg->home_epoch, epoch);
	d->owner = ent->owner;
	d->copyset = ent->copyset;
	d->lost = ent->flags & DSM_XFER_E_LOST;
	d->shadow = ent->flags & DSM_XFER_E_SHADOW;
	d->kept = 0;	/* not handed over: the old shadow stays */
	d->ver = max(d->ver, ent->ver);
	d->awaiting = false;
	d->requery = false;
	sc_home_serve_locked(pg, &a);
	spin_unlock(&pg->lock);
	sc_act_do(pg, &a);
	return 1;
}

static const char *sc_xfer_why(int err)
{
	if (err == -EPERM)
		return "not the old home of its buckets, or not awaited";
	if (err == -EINVAL)
		return "an owner or copy holder is not a member";
	return "no such home table here";
}

static void sc_xfer_send_ack(const struct dsm_msg *m, u32 done, int err)
{
	struct dsm_msg k = {
		.hdr.type = DSM_MSG_HOME_XFER_ACK,
		.hdr.dst = m->hdr.src,
		.hdr.req_id = m->hdr.req_id,
		.u.home_xfer_ack.epoch = m->u.home_xfer.epoch,
		.u.home_xfer_ack.nr_entries = done,
		.u.home_xfer_ack.flags = m->u.home_xfer.flags,
		.u.home_xfer_ack.error = -err,
	};

	dsm_msg_send(&k);
}

/**
 * sc_xfer_recv() - HOME_XFER: an old home hands directory entries over.
 * @m:	the message, decoded (every field in range).
 *
 * Receive context; sleeps (waits for the table it names, if newer).
 */
void sc_xfer_recv(const struct dsm_msg *m)
{
	const struct dsm_msg_home_xfer *x = &m->u.home_xfer;
	struct dsm_xfer_entry ent;
	struct dsm_msg_iter it;
	u32 done = 0;
	int err;

	/* A HOME_XFER of a table newer than this node's waits for it. */
	err = sc_epoch_catch_up(x->epoch);
	if (!err)
		err = sc_xfer_check(m);
	if (err) {
		dsm_stat_inc(DSM_STAT_HOME_XFER_REFUSED);
		pr_warn_ratelimited("HOME_XFER of home table %llu from node %u refused (%d): %s\n",
				    x->epoch, m->hdr.src, err, sc_xfer_why(err));
		sc_xfer_send_ack(m, 0, err);
		return;
	}
	dsm_msg_iter_xfer(x, &it);
	while (dsm_msg_next_xfer(&it, &ent))
		done += sc_xfer_install(&ent, m->hdr.src, x->epoch);
	dsm_stat_add(DSM_STAT_HOME_XFER_ENTRIES, done);
	if (x->flags & DSM_XFER_F_LAST)
		dsm_stat_add(DSM_STAT_HOME_XFER_IN,
			     sc_xfer_end(m->hdr.src, x->epoch));
	sc_xfer_send_ack(m, done, 0);
}

/*
 * After the new table is seen: hand over what it moved away; requests
 * waiting for a newer table look again.
 */
void dsm_sc_xfer_start(void)
{
	queue_work(system_unbound_wq, &sc_xfer_out_work);
	sc_stale_kick();
}

static void sc_xfer_retry_fn(struct work_struct *work)
{
	dsm_sc_xfer_start();
}

/* At unload, after the transports stopped. */
void dsm_sc_xfer_exit(void)
{
	cancel_delayed_work_sync(&sc_xfer_retry);
	cancel_work_sync(&sc_xfer_out_work);
}

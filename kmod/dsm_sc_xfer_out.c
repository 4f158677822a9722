// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_sc_xfer_out.c - a moving bucket's old home hands it over
 * (HOME_XFER out; Documentation/sc.md "Moving a bucket"): the out work
 * waits for the transactions in progress on the pages moving away
 * (sc_xfer_drain()), then sends each new home their directory entries
 * and makes it the pages' home. dsm_sc_xfer.c keeps each bucket's moves
 * and takes the entries in at the new home.
 *
 * Locking: as dsm_sc_xfer.c (sc_xfer.lock under pg->lock, never the
 * other way round); the out work is the only sender.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sc: " fmt

#include <linux/slab.h>
#include <linux/wait.h>

#include "dsm_sc_xfer.h"
#include "core/dsm_home.h"

static DECLARE_WAIT_QUEUE_HEAD(sc_xfer_wq);
static atomic_t sc_xfer_ends = ATOMIC_INIT(0);	/* sc_xfer_wake() calls */
static void sc_xfer_out_fn(struct work_struct *work);
static DECLARE_WORK(sc_xfer_out_work, sc_xfer_out_fn);
static void sc_xfer_retry_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(sc_xfer_retry, sc_xfer_retry_fn);

/* A transaction on a moving page ended: the out work may go on. */
void sc_xfer_wake(void)
{
	atomic_inc(&sc_xfer_ends);
	wake_up_all(&sc_xfer_wq);
}

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
 * The buckets to hand over, table after table: wait for their
 * transactions in progress (sc_xfer_drain()), then hand them over.
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

/* Buckets' moves were done: the out work looks for hand-overs due. */
void sc_xfer_out_kick(void)
{
	queue_work(system_unbound_wq, &sc_xfer_out_work);
}

/*
 * After the new table is seen: hand over what it moved away; requests
 * waiting for a newer table look again.
 */
void dsm_sc_xfer_start(void)
{
	sc_xfer_out_kick();
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

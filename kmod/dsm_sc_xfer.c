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
 *    the pages' home (dsm_sc_xfer_out.c, the out work);
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

#include "core/dsm_home.h"
#include "dsm_sc_xfer.h"

struct sc_xfer_state sc_xfer = {
	.lock = __SPIN_LOCK_UNLOCKED(sc_xfer.lock),
};

/* Bucket @b's move done now, NULL if none. Under sc_xfer.lock. */
struct sc_xfer_move *sc_xfer_head(u32 b)
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
void sc_xfer_pop(u32 b)
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
		sc_xfer_out_kick();
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

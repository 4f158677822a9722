// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_sc_drop.c - dropping the shadows a write made useless (issue 15
 * item 3; Documentation/sc.md, "Dropping shadows"; wire version 12).
 *
 * A node keeps its frame of a page after it loses access to it: a
 * shadow (dsm_sc_shadow.c). Without more, every node would keep every
 * page it ever held until unload. At the CONFIRM of a write, the home
 * knows who lost a copy to it: the old owner, which served the page and
 * whose frame is tagged with the write's version, and the readers the
 * write invalidated, whose frames hold the same content with older
 * tags. One of them is enough for what the writer started from to
 * survive the writer's death: the home keeps the old owner's (or, for
 * an upgrade of the owner's own copy, the lowest reader's), and tells
 * the others, and the node it kept at the previous write, to drop
 * theirs (SHADOW_DROP with the write's version). The design, with its
 * failure cases, is checked in kmod/dsm_sc.pml (DROP; model.md).
 *
 * A node drops its frame only if it still is such a shadow
 * (sc_drop_keep()): no access, no request of its own in flight, not
 * stored by a push (the home does not know of those), not marked for
 * re-replication, not a hot page this node wrote before it gave it up
 * (false-sharing detection compares the next grant with it), and tagged
 * (ver, 0) with ver older than the message's (so the transaction that
 * tagged it, and any grant this node gave in it, ended before the write
 * that sent the DROP began). Anything else keeps it: a late or
 * repeated DROP, or one from a home that has moved on, frees nothing
 * that holds newer content. Never answered.
 *
 * The receive handler only notes the page (struct sc_pg.drop_ver) and
 * queues it (a ring of SC_DROP_RING pages; a DROP finding it full is
 * ignored, counted); sc_drop.work frees the frames in process context
 * (dsm_pg_frame_drop()), checking that the page is in an sc region and
 * its gen unchanged since the DROP (no region deleted and made again
 * there meanwhile), since lrc pages' frames are never dropped.
 *
 * Locking: sc_drop.lock (a spinlock) protects the ring; it nests inside
 * nothing and nothing is taken under it. sc_pg.drop_ver is under
 * dsm_pg.lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sc: " fmt

#include <linux/slab.h>
#include <linux/workqueue.h>

#include "dsm_sc.h"

/* Pages waiting for sc_drop.work at most. */
#define SC_DROP_RING	1024

static void sc_drop_work(struct work_struct *work);

static struct {
	spinlock_t lock;	/* @ring, @head, @n; innermost */
	struct dsm_pg *ring[SC_DROP_RING];	/* valid until unload */
	u32 head;
	u32 n;
	struct work_struct work;
} sc_drop = {
	.lock = __SPIN_LOCK_UNLOCKED(sc_drop.lock),
	.work = __WORK_INITIALIZER(sc_drop.work, sc_drop_work),
};

/* ------------------------------------------------------- the home */

/**
 * sc_drop_plan_locked() - the CONFIRM of a write: which shadows go.
 * @pg:	the page, homed here; pg->lock held; @d->cur the write just
 *	confirmed, before the directory names its requester owner.
 * @a:	what to send once unlocked: @a->drop, @a->drop_ver.
 *
 * The nodes that lost a copy to the write hold shadows of what the
 * writer started from: the old owner (if it is not the writer: an
 * upgrade leaves it writing its own frame) and the readers it
 * invalidated. One is kept: the old owner's, whose frame the write's
 * PAGE_FWD tagged, else the lowest reader's. The rest, and the shadow
 * kept at the previous write (older than all of them), are dropped.
 * An upgrade that invalidated nobody leaves the previous shadow: it
 * is the only one of what the owner had before it wrote.
 */
void sc_drop_plan_locked(struct dsm_pg *pg, struct sc_act *a)
{
	struct dsm_dir *d = &pg->sc->dir;
	u32 cur = d->cur.node;
	u64 losers;
	u32 keep;

	lockdep_assert_held(&pg->lock);
	losers = d->inval & ~BIT_ULL(cur);
	d->inval = 0;
	if (d->owner != cur)
		losers |= BIT_ULL(d->owner);
	if (!losers)
		return;
	keep = d->owner != cur ? d->owner : __ffs64(losers);
	a->drop = losers & ~BIT_ULL(keep);
	if (d->kept && d->kept - 1 != keep && d->kept - 1 != cur)
		a->drop |= BIT_ULL(d->kept - 1);
	a->drop_ver = d->ver;
	d->kept = keep + 1;
}

/* Send what sc_drop_plan_locked() decided; no lock held. */
void sc_drop_send(struct dsm_pg *pg, const struct sc_act *a)
{
	unsigned long drop = a->drop;
	struct dsm_msg m;
	u32 id;

	for_each_set_bit(id, &drop, DSM_NODES_MAX) {
		memset(&m, 0, sizeof(m));
		m.hdr.type = DSM_MSG_SHADOW_DROP;
		m.hdr.dst = id;
		m.u.shadow.page = pg->pgno;
		m.u.shadow.ver = a->drop_ver;
		dsm_msg_send(&m);
	}
}

/* ------------------------------------------------ the frame's holder */

/* A queued drop that will not run (refused, or no room): the frame stays. */
static void sc_drop_unqueue(struct dsm_pg *pg)
{
	spin_lock(&pg->lock);
	pg->sc->drop_ver = 0;
	spin_unlock(&pg->lock);
	dsm_stat_inc(DSM_STAT_SHADOW_DROP_KEPT);
}

/*
 * Under pg->lock, the frame locked (dsm_pg_frame_drop()'s @keep): must
 * the frame stay? See the file's comment. A frame that goes takes its
 * tag and sharers with it: the page's next frame starts untagged.
 */
static bool sc_drop_keep(struct dsm_pg *pg)
{
	struct sc_pg *sp = pg->sc;
	u32 ver = sp->drop_ver;

	lockdep_assert_held(&pg->lock);
	sp->drop_ver = 0;
	/* Its region deleted since the DROP (gen is bumped under the lock). */
	if (READ_ONCE(pg->gen) != sp->drop_gen)
		return true;
	if (pg->access != DSM_ACC_NONE || pg->req || sp->stored ||
	    sp->repush || sp->sync || sp->snap ||
	    !sc_tag_newer(ver, 0, sp->ver, 0))
		return true;
	/*
	 * A hot page this node wrote before it gave it up: the next
	 * grant's data is compared with the frame to tell what the others
	 * wrote since (dsm_hot_others(), Documentation/sharing.md).
	 */
	if (dsm_hot_own_pending(pg->pgno))
		return true;
	/*
	 * A grant it gave (given_id) was of the transaction that tagged
	 * the frame, confirmed before the newer write that sent the DROP
	 * began: no refusal of it comes any more.
	 */
	sp->given_id = 0;
	sp->ver = 0;
	sp->peers = 0;
	sp->dirty = false;
	return false;
}

static void sc_drop_work(struct work_struct *work)
{
	struct dsm_pg *pg;
	bool more;

	for (;;) {
		spin_lock(&sc_drop.lock);
		more = sc_drop.n > 0;
		if (more) {
			pg = sc_drop.ring[sc_drop.head];
			sc_drop.head = (sc_drop.head + 1) % SC_DROP_RING;
			sc_drop.n--;
		}
		spin_unlock(&sc_drop.lock);
		if (!more)
			return;
		/*
		 * Not in an sc region: nothing to do. If it is, and its gen
		 * is still the DROP's under the folio lock (sc_drop_keep()),
		 * no region change came between: it is sc's to drop.
		 */
		if (!dsm_pg_of_model(pg->pgno, DSM_MODEL_SC) ||
		    !dsm_pg_frame_drop(pg, sc_drop_keep))
			sc_drop_unqueue(pg);
		cond_resched();
	}
}

/**
 * sc_shadow_drop_recv() - SHADOW_DROP: the home says this node's shadow of
 * a page is useless now.
 * @m:	the message, decoded (page in range, sync 0).
 *
 * Taken from the page's home only (sc_from_home()); a page without a
 * frame here has nothing to drop. The page is queued for sc_drop.work
 * once (a second DROP before it ran raises the version it checks
 * against). Receive context; does not sleep.
 */
void sc_shadow_drop_recv(const struct dsm_msg *m)
{
	const struct dsm_msg_shadow *s = &m->u.shadow;
	struct dsm_pg *pg;
	bool queue, full;

	if (!sc_from_home(m, s->page, "SHADOW_DROP"))
		return;
	pg = dsm_pg_find(s->page);
	if (!pg || !dsm_pg_folio(pg) || !s->ver)
		return;
	spin_lock(&pg->lock);
	queue = !pg->sc->drop_ver;
	if (queue || sc_tag_newer(s->ver, 0, pg->sc->drop_ver, 0))
		pg->sc->drop_ver = s->ver;
	pg->sc->drop_gen = READ_ONCE(pg->gen);
	spin_unlock(&pg->lock);
	if (!queue)
		return;
	spin_lock(&sc_drop.lock);
	full = sc_drop.n == SC_DROP_RING;
	if (!full) {
		sc_drop.ring[(sc_drop.head + sc_drop.n) % SC_DROP_RING] = pg;
		sc_drop.n++;
	}
	spin_unlock(&sc_drop.lock);
	if (full) {
		sc_drop_unqueue(pg);
		return;
	}
	queue_work(system_unbound_wq, &sc_drop.work);
}

/* Before the pages are freed: no drop runs or is queued after this. */
void sc_drop_exit(void)
{
	cancel_work_sync(&sc_drop.work);
	spin_lock(&sc_drop.lock);
	sc_drop.n = 0;
	spin_unlock(&sc_drop.lock);
}

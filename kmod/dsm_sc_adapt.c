// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_sc_adapt.c - adaptive homes (issue 17 item 4; Documentation/sc.md,
 * "Adaptive homes"). A home counts, at each write CONFIRM of a page of
 * one of its buckets, which node took write ownership through it
 * (dsm_home_streak_note()): a bucket one other node took
 * home_adapt_after times in a row is wished moved there; any other
 * writer, the home included, starts the count again, so a bucket two
 * nodes write in turn stays. A writer that keeps its page, unshared,
 * sends the home nothing and is not counted: moving the home would not
 * save it a message. The wishes of up to a second go to dsmd in
 * one HOME_WANT event; dsmd's coordinator makes the next home table of
 * them, and the buckets move as after a membership change
 * (dsm_sc_xfer.c). A bucket's count starts from zero when a table moves
 * it (dsm_sc_adapt_table()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sc: " fmt

#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>

#include "dsm_sc.h"
#include "core/dsm_home.h"

static unsigned int home_adapt_after = 8;

static int home_adapt_after_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, DSM_HOME_STREAK_MAX);
}

static const struct kernel_param_ops home_adapt_after_ops = {
	.set = home_adapt_after_set,
	.get = param_get_uint,
};

module_param_cb(home_adapt_after, &home_adapt_after_ops, &home_adapt_after,
		0644);
MODULE_PARM_DESC(home_adapt_after,
		 "Write ownership changes in a row to one other node that move a bucket's home there (sc; 1..255, 0: homes never move for this; default 8)");

/*
 * The streaks and wishes of the buckets homed here. @lock is a leaf
 * spinlock, taken under dsm_pg.lock (the CONFIRM) or alone; it guards
 * every field but @work.
 * @streak:	per bucket, who took its pages last and how often in a row.
 * @wish:	per bucket, the node it should move to, or DSM_HOME_NONE.
 * @queued:	@work is scheduled to send the wishes.
 * @off:	unloading: nothing is queued any more.
 */
static struct {
	spinlock_t lock;	/* see above */
	struct dsm_home_streak streak[DSM_HOME_BUCKETS];
	u8 wish[DSM_HOME_BUCKETS];
	bool queued;
	bool off;
	struct delayed_work work;
} dsm_adapt = {
	.lock = __SPIN_LOCK_UNLOCKED(dsm_adapt.lock),
};

/**
 * dsm_sc_adapt_note() - a write transaction on @pg was confirmed.
 * @pg:		the page, homed here; its lock held.
 * @owner:	the node that took write ownership (its new owner).
 */
void dsm_sc_adapt_note(struct dsm_pg *pg, u32 owner)
{
	u32 b = dsm_home_bucket(pg->pgno);
	u32 after = READ_ONCE(home_adapt_after);

	lockdep_assert_held(&pg->lock);
	spin_lock(&dsm_adapt.lock);
	if (dsm_home_streak_note(&dsm_adapt.streak[b], owner, sc_local(),
				 after) && !dsm_adapt.off) {
		dsm_adapt.wish[b] = (u8)owner;
		if (!dsm_adapt.queued) {
			dsm_adapt.queued = true;
			schedule_delayed_work(&dsm_adapt.work, HZ);
		}
	}
	spin_unlock(&dsm_adapt.lock);
}

/**
 * dsm_sc_adapt_table() - a new home table is about to be seen.
 * @old:	the table it replaces, or NULL.
 * @new:	the new table.
 *
 * A bucket that moves starts its count again (here or at its new home),
 * and a wish for it is dropped. Buckets that came here under a table of
 * the same members were moved for their users: counted in home_adapt_in.
 */
void dsm_sc_adapt_table(const struct dsm_home_table *old,
			const struct dsm_home_table *new)
{
	u32 b, in = 0;

	if (!old)
		return;
	spin_lock(&dsm_adapt.lock);
	for (b = 0; b < DSM_HOME_BUCKETS; b++) {
		if (old->node[b] == new->node[b])
			continue;
		dsm_adapt.streak[b].node = DSM_HOME_NONE;
		dsm_adapt.streak[b].count = 0;
		dsm_adapt.wish[b] = DSM_HOME_NONE;
		in += new->node[b] == sc_local();
	}
	spin_unlock(&dsm_adapt.lock);
	if (old->members == new->members && in)
		dsm_stat_add(DSM_STAT_HOME_ADAPT_IN, in);
}

/* HOME_WANT with the wishes @to (@n of them), counted under @epoch. */
static void dsm_adapt_send(const u8 *to, u32 n, u64 epoch)
{
	struct sk_buff *skb;
	void *hdr;

	skb = genlmsg_new(nla_total_size_64bit(sizeof(u64)) +
			  nla_total_size(DSM_HOME_BUCKETS), GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &dsm_genl_family, 0, DSM_CMD_HOME_WANT);
	if (!hdr ||
	    nla_put_u64_64bit(skb, DSM_A_HOME_EPOCH, epoch, DSM_A_PAD) ||
	    nla_put(skb, DSM_A_HOME_BUCKETS, DSM_HOME_BUCKETS, to)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	dsm_nl_event_send(skb);
	dsm_stat_add(DSM_STAT_HOME_ADAPT_WISHES, n);
}

/*
 * The work item: send the wishes made since it was queued, those of
 * buckets still homed here (page b is in bucket b).
 */
static void dsm_adapt_work_fn(struct work_struct *work)
{
	u32 b, n = 0, local = sc_local();
	u64 epoch = 0;
	u8 *to;

	to = kmalloc(DSM_HOME_BUCKETS, GFP_KERNEL);
	spin_lock(&dsm_adapt.lock);
	if (to)
		memcpy(to, dsm_adapt.wish, DSM_HOME_BUCKETS);
	memset(dsm_adapt.wish, DSM_HOME_NONE, sizeof(dsm_adapt.wish));
	dsm_adapt.queued = false;
	spin_unlock(&dsm_adapt.lock);
	if (!to)
		return;
	for (b = 0; b < DSM_HOME_BUCKETS; b++) {
		if (to[b] == DSM_HOME_NONE)
			continue;
		if (dsm_members_home(b, &epoch) != local || !epoch)
			to[b] = DSM_HOME_NONE;
		else
			n++;
	}
	if (n && dsm_nl_has_listeners())
		dsm_adapt_send(to, n, epoch);
	kfree(to);
}

/* Module load (dsm_sc_init()): no streak, no wish. */
void dsm_sc_adapt_init(void)
{
	u32 b;

	INIT_DELAYED_WORK(&dsm_adapt.work, dsm_adapt_work_fn);
	for (b = 0; b < DSM_HOME_BUCKETS; b++)
		dsm_adapt.streak[b].node = DSM_HOME_NONE;
	memset(dsm_adapt.wish, DSM_HOME_NONE, sizeof(dsm_adapt.wish));
}

/* Unload (dsm_nl_exit()): no more wishes, none pending. */
void dsm_sc_adapt_stop(void)
{
	spin_lock(&dsm_adapt.lock);
	dsm_adapt.off = true;
	spin_unlock(&dsm_adapt.lock);
	cancel_delayed_work_sync(&dsm_adapt.work);
}

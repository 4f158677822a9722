// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_hot.c - which pages of a region cost the most, and whether their
 * writers share them falsely (Documentation/sharing.md).
 *
 * Per region a table of DSM_TOP_MAX pages, fixed memory: a space-saving
 * top-N (Metwally et al.): an event for a page not listed takes the entry
 * with the lowest count and starts from that count, so a page that stays
 * hot is listed and its count overcounts by at most what it inherited.
 * The events are what this node sees (sc: as the page's home, the
 * ownership changes it confirms and the INVALs it sends; as any node, its
 * own write gains; lrc: diffs of other nodes applied here), and the
 * samples of writers' blocks: disjoint blocks are false sharing,
 * overlapping ones true sharing. REGION_TOP reads a table.
 *
 * Events (PAGE_HOT, PAGE_FALSE_SHARING on the "events" group): a page
 * that had DSM_SHARE_HOT_EVENTS events of its own in the table, and one
 * newly judged falsely shared, is announced once per stay in the table.
 * The hooks run in atomic context, so an event is a copy of the entry in
 * a queue of DSM_HOT_EV_QUEUE, sent by a work item; at most
 * DSM_SHARE_EVENTS_PER_SEC are queued a second. An event refused (rate,
 * full queue, no listener) leaves the page unannounced: its next event
 * tries again, so a monitor started late still hears of hot pages.
 *
 * Locking: dsm_hot.lock, a leaf spinlock among dsm's locks (only the
 * workqueue's own lock is taken inside it, by schedule_work()), taken
 * inside dsm_pg.lock, the folio lock and dsm_lrc.lock, and by netlink
 * and the event work under dsm_cluster.lock (dsm_internal.h's lock
 * order). Nothing here allocates or sleeps under it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>

#include "dsm_internal.h"
#include "core/dsm_diff.h"

/* Samples with a page gained this many times before (sc, dsm_hot_gain()). */
#define DSM_HOT_SAMPLE_MIN	2
/* Events waiting for the work item, at most. */
#define DSM_HOT_EV_QUEUE	DSM_SHARE_EVENTS_PER_SEC

/**
 * struct dsm_hot_ent - one listed page.
 * @pgno:	the page; meaningful when @score is not 0.
 * @score:	space-saving count of its events.
 * @xfers:	DSM_A_TOP_TRANSFERS.
 * @invals:	DSM_A_TOP_INVALS.
 * @gains:	DSM_A_TOP_GAINS.
 * @nfalse:	samples with disjoint writers.
 * @ntrue:	samples with overlapping writers.
 * @writers:	bit N: node N was seen writing.
 * @own:	blocks this node wrote, last sample (sc).
 * @others:	blocks other writers wrote, last sample.
 * @base:	@score when the page took the entry (inherited).
 * @hot_sent:	PAGE_HOT was queued for this stay in the table.
 * @false_sent:	PAGE_FALSE_SHARING was queued for this stay.
 */
struct dsm_hot_ent {
	u64 pgno;
	u64 score;
	u32 xfers;
	u32 invals;
	u32 gains;
	u32 nfalse;
	u32 ntrue;
	u64 writers;
	u64 own;
	u64 others;
	u64 base;
	bool hot_sent;
	bool false_sent;
};

/**
 * struct dsm_hot_tab - the table of one region.
 * @first:	its first page.
 * @end:	the page after its last; 0: the slot is free.
 * @ent:	the listed pages.
 */
struct dsm_hot_tab {
	u64 first;
	u64 end;
	struct dsm_hot_ent ent[DSM_TOP_MAX];
};

/**
 * struct dsm_hot_ev - a queued event.
 * @cmd:	DSM_CMD_PAGE_HOT or DSM_CMD_PAGE_FALSE_SHARING; 0: cancelled
 *		(its region was deleted).
 * @ent:	the page's entry when it was queued.
 */
struct dsm_hot_ev {
	u8 cmd;
	struct dsm_hot_ent ent;
};

static void dsm_hot_ev_work(struct work_struct *work);

/*
 * One table per region there can be, and the event queue (@ev_head, the
 * oldest, and @ev_len of @ev; @ev_window, the jiffies its second began,
 * with @ev_count events queued in it; @ev_off: unloading); every field
 * but @ev_work under @lock.
 */
static struct {
	spinlock_t lock;	/* see the top of this file */
	struct dsm_hot_tab tab[DSM_REGIONS_MAX];
	struct dsm_hot_ev ev[DSM_HOT_EV_QUEUE];
	unsigned int ev_head;
	unsigned int ev_len;
	unsigned long ev_window;
	unsigned int ev_count;
	bool ev_off;
	struct work_struct ev_work;
} dsm_hot = {
	.lock = __SPIN_LOCK_UNLOCKED(dsm_hot.lock),
	.ev_work = __WORK_INITIALIZER(dsm_hot.ev_work, dsm_hot_ev_work),
};

/* Under dsm_hot.lock: the table of the region holding @pgno, or NULL. */
static struct dsm_hot_tab *dsm_hot_tab_locked(u64 pgno)
{
	unsigned int i;

	lockdep_assert_held(&dsm_hot.lock);
	for (i = 0; i < DSM_REGIONS_MAX; i++)
		if (pgno >= dsm_hot.tab[i].first && pgno < dsm_hot.tab[i].end)
			return &dsm_hot.tab[i];
	return NULL;
}

/*
 * Under dsm_hot.lock: @pgno's entry; if it has none and @add, the entry
 * of the page with the lowest count, given to @pgno with that count.
 */
static struct dsm_hot_ent *dsm_hot_ent_locked(u64 pgno, bool add)
{
	struct dsm_hot_tab *t = dsm_hot_tab_locked(pgno);
	struct dsm_hot_ent *e, *min = NULL;
	u64 score;

	if (!t)
		return NULL;
	for (e = t->ent; e < t->ent + DSM_TOP_MAX; e++) {
		if (e->score && e->pgno == pgno)
			return e;
		if (!min || e->score < min->score)
			min = e;
	}
	if (!add)
		return NULL;
	if (min->score)
		dsm_stat_inc(DSM_STAT_HOT_REPLACED);
	score = min->score;
	memset(min, 0, sizeof(*min));
	min->pgno = pgno;
	min->score = score;
	min->base = score;
	return min;
}

static u8 dsm_hot_verdict(const struct dsm_hot_ent *e)
{
	if (!e->nfalse && !e->ntrue)
		return DSM_SHARE_UNKNOWN;
	return e->nfalse > e->ntrue ? DSM_SHARE_FALSE : DSM_SHARE_TRUE;
}

/*
 * Under dsm_hot.lock: queue event @cmd of @e for the work item, if
 * someone listens, the queue has room and this second's budget is not
 * spent. Return: true if it was queued.
 */
static bool dsm_hot_ev_queue_locked(u8 cmd, const struct dsm_hot_ent *e)
{
	struct dsm_hot_ev *ev;

	lockdep_assert_held(&dsm_hot.lock);
	if (dsm_hot.ev_off || !dsm_nl_has_listeners())
		return false;
	if (time_after(jiffies, dsm_hot.ev_window + HZ)) {
		dsm_hot.ev_window = jiffies;
		dsm_hot.ev_count = 0;
	}
	if (dsm_hot.ev_len == DSM_HOT_EV_QUEUE ||
	    dsm_hot.ev_count >= DSM_SHARE_EVENTS_PER_SEC) {
		dsm_stat_inc(DSM_STAT_SHARE_EVENTS_LIMITED);
		return false;
	}
	dsm_hot.ev_count++;
	ev = &dsm_hot.ev[(dsm_hot.ev_head + dsm_hot.ev_len++) %
			 DSM_HOT_EV_QUEUE];
	ev->cmd = cmd;
	ev->ent = *e;
	schedule_work(&dsm_hot.ev_work);
	dsm_stat_inc(DSM_STAT_SHARE_EVENTS);
	return true;
}

/* Under dsm_hot.lock: @e changed; the events it now calls for. */
static void dsm_hot_ev_check_locked(struct dsm_hot_ent *e)
{
	lockdep_assert_held(&dsm_hot.lock);
	if (!e->hot_sent && e->score - e->base >= DSM_SHARE_HOT_EVENTS)
		e->hot_sent = dsm_hot_ev_queue_locked(DSM_CMD_PAGE_HOT, e);
	if (!e->false_sent && dsm_hot_verdict(e) == DSM_SHARE_FALSE)
		e->false_sent =
			dsm_hot_ev_queue_locked(DSM_CMD_PAGE_FALSE_SHARING, e);
}

/**
 * dsm_hot_region_add() - a region was listed: give it a table.
 * @offset:	its first byte.
 * @size:	its bytes.
 *
 * Called under dsm_cluster.lock, which bounds the regions to
 * DSM_REGIONS_MAX, so a slot is free.
 */
void dsm_hot_region_add(u64 offset, u64 size)
{
	unsigned int i;

	lockdep_assert_held(&dsm_cluster.lock);
	spin_lock(&dsm_hot.lock);
	for (i = 0; i < DSM_REGIONS_MAX; i++) {
		struct dsm_hot_tab *t = &dsm_hot.tab[i];

		if (t->end)
			continue;
		memset(t, 0, sizeof(*t));
		t->first = offset >> PAGE_SHIFT;
		t->end = (offset + size) >> PAGE_SHIFT;
		break;
	}
	spin_unlock(&dsm_hot.lock);
}

/**
 * dsm_hot_region_del() - the region at @offset was taken out of the list.
 * @offset:	its first byte.
 */
void dsm_hot_region_del(u64 offset)
{
	struct dsm_hot_tab *t;
	unsigned int i;

	lockdep_assert_held(&dsm_cluster.lock);
	spin_lock(&dsm_hot.lock);
	t = dsm_hot_tab_locked(offset >> PAGE_SHIFT);
	for (i = 0; t && i < DSM_HOT_EV_QUEUE; i++)
		if (dsm_hot.ev[i].ent.pgno >= t->first &&
		    dsm_hot.ev[i].ent.pgno < t->end)
			dsm_hot.ev[i].cmd = 0;
	if (t)
		t->end = 0;
	spin_unlock(&dsm_hot.lock);
}

/**
 * dsm_hot_count() - count events of page @pgno.
 * @pgno:	the page.
 * @xfers:	ownership changes (sc home) or diffs applied (lrc).
 * @invals:	invalidations.
 * @writers:	bits of nodes seen writing it.
 */
void dsm_hot_count(u64 pgno, u32 xfers, u32 invals, u64 writers)
{
	struct dsm_hot_ent *e;

	if (!xfers && !invals)
		return;
	spin_lock(&dsm_hot.lock);
	e = dsm_hot_ent_locked(pgno, true);
	if (e) {
		e->score += xfers + invals;
		e->xfers += xfers;
		e->invals += invals;
		e->writers |= writers;
		dsm_hot_ev_check_locked(e);
	}
	spin_unlock(&dsm_hot.lock);
}

/**
 * dsm_hot_gain() - this node (sc) gained write ownership of @pgno.
 * @pgno:	the page.
 * @node:	this node.
 *
 * Return: true if the page is to be sampled: listed, and gained
 * DSM_HOT_SAMPLE_MIN times or more (a page written once is not shared).
 */
bool dsm_hot_gain(u64 pgno, u32 node)
{
	struct dsm_hot_ent *e;
	bool sample = false;

	spin_lock(&dsm_hot.lock);
	e = dsm_hot_ent_locked(pgno, true);
	if (e) {
		e->score++;
		e->gains++;
		e->writers |= BIT_ULL(node);
		sample = e->gains >= DSM_HOT_SAMPLE_MIN;
		dsm_hot_ev_check_locked(e);
	}
	spin_unlock(&dsm_hot.lock);
	return sample;
}

/**
 * dsm_hot_listed() - is @pgno in its region's table?
 * @pgno:	the page.
 *
 * Return: true if so (a hint: it may leave the table at once).
 */
bool dsm_hot_listed(u64 pgno)
{
	bool listed;

	spin_lock(&dsm_hot.lock);
	listed = dsm_hot_ent_locked(pgno, false);
	spin_unlock(&dsm_hot.lock);
	return listed;
}

/**
 * dsm_hot_own_pending() - sc: does a sample of @pgno wait for the next copy
 * of it to come in? This node wrote the page before it gave it up
 * (dsm_hot_own()): what the others wrote since is told by comparing the
 * next copy with this node's frame, so the frame must stay
 * (dsm_sc_drop.c).
 * @pgno:	the page.
 */
bool dsm_hot_own_pending(u64 pgno)
{
	struct dsm_hot_ent *e;
	bool pending;

	spin_lock(&dsm_hot.lock);
	e = dsm_hot_ent_locked(pgno, false);
	pending = e && e->own;
	spin_unlock(&dsm_hot.lock);
	return pending;
}

/* Under dsm_hot.lock: one sample of @e: writers' blocks @a and @b. */
static void dsm_hot_judge_locked(struct dsm_hot_ent *e, u64 a, u64 b)
{
	lockdep_assert_held(&dsm_hot.lock);
	dsm_stat_inc(DSM_STAT_SHARE_SAMPLES);
	if (a & b) {
		e->ntrue++;
		dsm_stat_inc(DSM_STAT_SHARE_TRUE);
	} else {
		e->nfalse++;
		dsm_stat_inc(DSM_STAT_SHARE_FALSE);
	}
}

/**
 * dsm_hot_own() - sc: this node gave up write ownership of @pgno having
 * written blocks @blocks since it gained it (a sample).
 * @pgno:	the page.
 * @blocks:	bits of the blocks (DSM_SHARE_BLOCK bytes) it changed.
 */
void dsm_hot_own(u64 pgno, u64 blocks)
{
	struct dsm_hot_ent *e;

	if (!blocks)
		return;
	spin_lock(&dsm_hot.lock);
	e = dsm_hot_ent_locked(pgno, false);
	if (e)
		e->own = blocks;
	spin_unlock(&dsm_hot.lock);
}

/**
 * dsm_hot_others() - sc: a copy of @pgno came in that differs from the
 * one this node last had in blocks @blocks: other nodes wrote them since.
 * @pgno:	the page.
 * @blocks:	bits of those blocks.
 *
 * Judged against what this node wrote last (dsm_hot_own()), if it did.
 */
void dsm_hot_others(u64 pgno, u64 blocks)
{
	struct dsm_hot_ent *e;

	if (!blocks)
		return;
	spin_lock(&dsm_hot.lock);
	e = dsm_hot_ent_locked(pgno, false);
	if (e) {
		e->others = blocks;
		if (e->own)
			dsm_hot_judge_locked(e, e->own, blocks);
		dsm_hot_ev_check_locked(e);
	}
	spin_unlock(&dsm_hot.lock);
}

/**
 * dsm_hot_concurrent() - lrc: concurrent diffs of nodes @na and @nb to
 * @pgno wrote blocks @a and @b.
 * @pgno:	the page.
 * @na:		one writer.
 * @a:		its blocks.
 * @nb:		the other, not @na.
 * @b:		its blocks.
 */
void dsm_hot_concurrent(u64 pgno, u32 na, u64 a, u32 nb, u64 b)
{
	struct dsm_hot_ent *e;

	if (!a || !b)
		return;
	spin_lock(&dsm_hot.lock);
	e = dsm_hot_ent_locked(pgno, true);
	if (e) {
		e->writers |= BIT_ULL(na) | BIT_ULL(nb);
		e->own = a;
		e->others = b;
		dsm_hot_judge_locked(e, a, b);
		dsm_hot_ev_check_locked(e);
	}
	spin_unlock(&dsm_hot.lock);
}

static int dsm_hot_cmp(const void *a, const void *b)
{
	const struct dsm_hot_ent *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return x->pgno < y->pgno ? -1 : x->pgno > y->pgno;
}

static int dsm_hot_put_ent(struct sk_buff *msg, const struct dsm_hot_ent *e,
			   u64 first)
{
	struct nlattr *nest = nla_nest_start(msg, DSM_A_TOP_PAGE);

	if (!nest ||
	    nla_put_u64_64bit(msg, DSM_A_TOP_OFFSET,
			      (e->pgno - first) << PAGE_SHIFT, DSM_A_PAD) ||
	    nla_put_u64_64bit(msg, DSM_A_TOP_SCORE, e->score, DSM_A_PAD) ||
	    nla_put_u64_64bit(msg, DSM_A_TOP_TRANSFERS, e->xfers, DSM_A_PAD) ||
	    nla_put_u64_64bit(msg, DSM_A_TOP_INVALS, e->invals, DSM_A_PAD) ||
	    nla_put_u64_64bit(msg, DSM_A_TOP_GAINS, e->gains, DSM_A_PAD) ||
	    nla_put_u64_64bit(msg, DSM_A_TOP_WRITERS, e->writers,
			      DSM_A_PAD) ||
	    nla_put_u64_64bit(msg, DSM_A_TOP_FALSE, e->nfalse, DSM_A_PAD) ||
	    nla_put_u64_64bit(msg, DSM_A_TOP_TRUE, e->ntrue, DSM_A_PAD) ||
	    nla_put_u8(msg, DSM_A_TOP_VERDICT, dsm_hot_verdict(e)) ||
	    nla_put_u64_64bit(msg, DSM_A_TOP_OWN_BLOCKS, e->own, DSM_A_PAD) ||
	    nla_put_u64_64bit(msg, DSM_A_TOP_OTHER_BLOCKS, e->others,
			      DSM_A_PAD))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/* Under dsm_cluster.lock: what REGION_TOP and the events say of @r. */
static int dsm_hot_put_region(struct sk_buff *msg, const struct dsm_region *r)
{
	lockdep_assert_held(&dsm_cluster.lock);
	if (nla_put_string(msg, DSM_A_REGION_NAME, r->name) ||
	    nla_put_u64_64bit(msg, DSM_A_REGION_OFFSET, r->offset,
			      DSM_A_PAD) ||
	    nla_put_u8(msg, DSM_A_REGION_MODEL, r->model) ||
	    nla_put_u32(msg, DSM_A_LOCAL_NODE, dsm_cluster.local))
		return -EMSGSIZE;
	return 0;
}

/*
 * Under dsm_cluster.lock: REGION_TOP's reply for region @r into @msg.
 * @ents: room for DSM_TOP_MAX entries, the table copied and sorted.
 */
static int dsm_hot_fill(struct sk_buff *msg, const struct dsm_region *r,
			struct dsm_hot_ent *ents)
{
	u64 first = r->offset >> PAGE_SHIFT;
	struct dsm_hot_tab *t;
	struct nlattr *nest;
	unsigned int i, n = 0;

	lockdep_assert_held(&dsm_cluster.lock);
	spin_lock(&dsm_hot.lock);
	t = dsm_hot_tab_locked(first);
	for (i = 0; t && i < DSM_TOP_MAX; i++)
		if (t->ent[i].score)
			ents[n++] = t->ent[i];
	spin_unlock(&dsm_hot.lock);
	sort(ents, n, sizeof(*ents), dsm_hot_cmp, NULL);
	if (dsm_hot_put_region(msg, r))
		return -EMSGSIZE;
	nest = nla_nest_start(msg, DSM_A_TOP_PAGES);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < n; i++)
		if (dsm_hot_put_ent(msg, &ents[i], first))
			return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/* REGION_TOP: do with REGION_NAME (uapi/linux/dsm.h). */
int dsm_nl_region_top(struct sk_buff *skb, struct genl_info *info)
{
	struct dsm_hot_ent *ents;
	struct dsm_region *r;
	struct sk_buff *msg;
	void *hdr;
	int ret = -ENOMEM;

	if (dsm_nl_missing_attr(info, DSM_A_REGION_NAME))
		return dsm_nl_ret(-EINVAL);
	ents = kmalloc_array(DSM_TOP_MAX, sizeof(*ents), GFP_KERNEL);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!ents || !msg)
		goto free;
	hdr = genlmsg_put_reply(msg, info, &dsm_genl_family, 0,
				DSM_CMD_REGION_TOP);
	ret = -EMSGSIZE;
	if (!hdr)
		goto free;
	mutex_lock(&dsm_cluster.lock);
	r = dsm_region_find(nla_data(info->attrs[DSM_A_REGION_NAME]));
	ret = r ? dsm_hot_fill(msg, r, ents) : -ENOENT;
	mutex_unlock(&dsm_cluster.lock);
	if (ret == -ENOENT)
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[DSM_A_REGION_NAME],
				    "no such region; 'dsmctl region list' shows them");
	if (ret)
		goto free;
	kfree(ents);
	genlmsg_end(msg, hdr);
	dsm_nl_ret(0);
	return genlmsg_reply(msg, info);
free:
	nlmsg_free(msg);
	kfree(ents);
	return dsm_nl_ret(ret);
}

/* ------------------------------------------------------------- events */

/* Under dsm_cluster.lock: send event @ev, if its region is still listed. */
static void dsm_hot_ev_send(const struct dsm_hot_ev *ev)
{
	struct dsm_region *r, *found = NULL;
	struct sk_buff *skb;
	void *hdr;

	lockdep_assert_held(&dsm_cluster.lock);
	list_for_each_entry(r, &dsm_cluster.regions, list)
		if (ev->ent.pgno >= r->offset >> PAGE_SHIFT &&
		    ev->ent.pgno < (r->offset + r->size) >> PAGE_SHIFT) {
			found = r;
			break;
		}
	if (!found || found->dead)
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &dsm_genl_family, 0, ev->cmd);
	if (!hdr || dsm_hot_put_region(skb, found) ||
	    dsm_hot_put_ent(skb, &ev->ent, found->offset >> PAGE_SHIFT)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	dsm_nl_event_send(skb);
}

/*
 * The work item: send the queued events, oldest first, under
 * dsm_cluster.lock as the other events are (dsm_nl.c).
 */
static void dsm_hot_ev_work(struct work_struct *work)
{
	struct dsm_hot_ev ev;

	mutex_lock(&dsm_cluster.lock);
	for (;;) {
		spin_lock(&dsm_hot.lock);
		if (!dsm_hot.ev_len || dsm_hot.ev_off) {
			spin_unlock(&dsm_hot.lock);
			break;
		}
		ev = dsm_hot.ev[dsm_hot.ev_head];
		dsm_hot.ev_head = (dsm_hot.ev_head + 1) % DSM_HOT_EV_QUEUE;
		dsm_hot.ev_len--;
		spin_unlock(&dsm_hot.lock);
		if (ev.cmd)
			dsm_hot_ev_send(&ev);
	}
	mutex_unlock(&dsm_cluster.lock);
}

/**
 * dsm_hot_ev_stop() - unload (dsm_nl_exit()): queue no more events and
 * wait for the work item, before the family is unregistered.
 */
void dsm_hot_ev_stop(void)
{
	spin_lock(&dsm_hot.lock);
	dsm_hot.ev_off = true;
	dsm_hot.ev_len = 0;
	spin_unlock(&dsm_hot.lock);
	cancel_work_sync(&dsm_hot.ev_work);
}

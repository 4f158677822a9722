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
 * Locking: dsm_hot.lock, a leaf spinlock (nothing is taken inside it),
 * taken inside dsm_pg.lock, the folio lock and dsm_lrc.lock, and by
 * netlink under dsm_cluster.lock (dsm_internal.h's lock order). Nothing
 * here allocates or sleeps under it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <net/genetlink.h>

#include "dsm_internal.h"
#include "core/dsm_diff.h"

/* Samples with a page gained this many times before (sc, dsm_hot_gain()). */
#define DSM_HOT_SAMPLE_MIN	2

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
 */
struct dsm_hot_ent {
	u64 pgno;
	u64 score;
	u32 xfers;
	u32 invals;
	u32 gains;
	u32 nfalse;
	u32 ntrue;
	u32 writers;
	u64 own;
	u64 others;
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

/* One table per region there can be; every field under @lock. */
static struct {
	spinlock_t lock;	/* see the top of this file */
	struct dsm_hot_tab tab[DSM_REGIONS_MAX];
} dsm_hot = {
	.lock = __SPIN_LOCK_UNLOCKED(dsm_hot.lock),
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
	return min;
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

	lockdep_assert_held(&dsm_cluster.lock);
	spin_lock(&dsm_hot.lock);
	t = dsm_hot_tab_locked(offset >> PAGE_SHIFT);
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
void dsm_hot_count(u64 pgno, u32 xfers, u32 invals, u32 writers)
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
		e->writers |= BIT(node);
		sample = e->gains >= DSM_HOT_SAMPLE_MIN;
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
		e->writers |= BIT(na) | BIT(nb);
		e->own = a;
		e->others = b;
		dsm_hot_judge_locked(e, a, b);
	}
	spin_unlock(&dsm_hot.lock);
}

static u8 dsm_hot_verdict(const struct dsm_hot_ent *e)
{
	if (!e->nfalse && !e->ntrue)
		return DSM_SHARE_UNKNOWN;
	return e->nfalse > e->ntrue ? DSM_SHARE_FALSE : DSM_SHARE_TRUE;
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
	    nla_put_u32(msg, DSM_A_TOP_WRITERS, e->writers) ||
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
	if (nla_put_string(msg, DSM_A_REGION_NAME, r->name) ||
	    nla_put_u64_64bit(msg, DSM_A_REGION_OFFSET, r->offset,
			      DSM_A_PAD) ||
	    nla_put_u8(msg, DSM_A_REGION_MODEL, r->model) ||
	    nla_put_u32(msg, DSM_A_LOCAL_NODE, dsm_cluster.local))
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

// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_lrc_pull.c - what an EOWNERDEAD acquirer learns (Documentation/lrc.md
 * "What an EOWNERDEAD acquirer sees", issue 16): a lock token re-created
 * because the node that had it died (or left with it free: "Leaving")
 * lacks the intervals that node's grant would have carried. Before such an
 * acquire returns, this node asks every other live node (IV_REQ, its
 * timestamp) for the intervals it lacks, and, as the backup of a lost
 * writer itself, learns that writer's intervals from its own store. Each
 * answers (IV_REPLY, as many as they need, MORE on all but the last) with
 * the intervals it has seen that the asker lacks, as a grant would, and a
 * lost writer's backup adds the intervals of that writer whose diffs it
 * keeps beyond what it has seen (lrc_backup_records()): every interval the
 * dead node released was backed up before anyone could learn it. The
 * asker learns them (write notices, invalidations), then merges the
 * timestamps; a read after the acquire fetches the lost writer's diffs
 * from its backup as for any lost writer.
 *
 * A record made from the backup's store has no timestamp of its own: it
 * gets the backup's (with the writer's entry set to its index). So it is
 * ordered after every interval the backup has seen, none of which can
 * follow it (the backup would have seen it then), and its pages are the
 * ones the backup keeps diffs of (not those of regions with replicas 0).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": lrc: " fmt

#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "dsm_lrc.h"

/**
 * struct lrc_pull - the IV_REQ round in progress (one at a time).
 * @mutex:	one round at a time on this node; taken with no other lock.
 * @lock:	spinlock over the fields below but @vt.
 * @active:	a round waits for its replies ...
 * @req_id:	... with this request id,
 * @waiting:	bit n: node n has not sent its last IV_REPLY yet.
 * @done:	completed when @waiting empties.
 * @vt:		the replies' timestamps merged; under lrc.lock.
 */
static struct lrc_pull {
	struct mutex mutex;	/* see above */
	spinlock_t lock;	/* see above */
	bool active;
	u64 req_id;
	u64 waiting;
	struct completion done;
	struct dsm_vt vt;
} pull;

/* An IV_REQ: the LOCK_GRANT body and an empty set with this node's VT. */
#define LRC_IV_REQ_MAX	(DSM_WIRE_HDR_SIZE + \
			 sizeof(struct dsm_wire_lock_grant) + \
			 sizeof(struct dsm_wire_ivset) + \
			 DSM_WIRE_VT_SIZE(LRC_NR_NODES))

/* ------------------------------------------------------------ asker */

/* Under pull.lock: node @id answered in full, or cannot any more. */
static void lrc_pull_done_locked(u32 id)
{
	lockdep_assert_held(&pull.lock);
	if (!pull.active || !(pull.waiting & BIT_ULL(id)))
		return;
	pull.waiting &= ~BIT_ULL(id);
	if (!pull.waiting)
		complete(&pull.done);
}

/* Node @id went down: the round waits for it no more. */
void lrc_pull_node_down(u32 id)
{
	if (id >= DSM_NODES_MAX)
		return;
	spin_lock(&pull.lock);
	lrc_pull_done_locked(id);
	spin_unlock(&pull.lock);
}

/*
 * Under lrc.lock: merge what was learned (@vt, the round's or the own
 * store's) into this node's timestamp: each entry up to @vt's and no
 * further than the intervals known here (a reply that did not come
 * leaves out what only it had). Return: the intervals now covered that
 * were not.
 */
static u64 lrc_pull_merge_locked(const struct dsm_vt *vt)
{
	u32 self = lrc_self(), k, want, known;
	u64 n = 0;

	lockdep_assert_held(&lrc.lock);
	for (k = 0; k < LRC_NR_NODES; k++) {
		if (k == self)
			continue;
		want = dsm_vt_get(vt, k);
		known = dsm_ilog_last(&lrc.iset.log[k]);
		want = min(want, known);
		if (want <= lrc.vt.c[k])
			continue;
		n += want - lrc.vt.c[k];
		WRITE_ONCE(lrc.vt.c[k], want);
	}
	return n;
}

/* Build the IV_REQ for lock @key, request @req_id, into @buf. */
static int lrc_pull_req(u8 *buf, u32 size, u64 key, u64 req_id)
{
	struct dsm_msg_hdr h = {
		.version = DSM_WIRE_VERSION_MAX,
		.type = DSM_MSG_IV_REQ,
		.src = lrc_self(),
		.dst = lrc_self() ? 0 : 1,	/* set per node when sent */
		.req_id = req_id,
		.epoch = dsm_home_epoch(),
	};
	struct dsm_wire_enc e;

	dsm_wire_enc_begin(&e, buf, size, &h);
	mutex_lock(&lrc.lock);
	dsm_wire_enc_lock_grant(&e, dsm_sync_key_region(key),
				dsm_sync_key_id(key), &lrc.vt);
	mutex_unlock(&lrc.lock);
	return dsm_wire_enc_end(&e);
}

/*
 * Under pull.mutex: send IV_REQ @buf (@len bytes, request @req_id) to
 * each node of @live and wait, bounded by fault_timeout_ms and killable,
 * for their last IV_REPLY. *@asked: the nodes it went to; *@err: -EINTR,
 * -ETIMEDOUT or 0. Return: the nodes that did not answer in full or
 * could not be asked (a node that goes down meanwhile is neither).
 */
static u64 lrc_pull_ask(u8 *buf, int len, u64 req_id, u64 live, u64 *asked,
			int *err)
{
	u64 silent = 0;
	__le16 d;
	long left;
	u32 n;

	spin_lock(&pull.lock);
	pull.active = true;
	pull.req_id = req_id;
	pull.waiting = live;
	reinit_completion(&pull.done);
	spin_unlock(&pull.lock);
	for (n = 0; n < DSM_NODES_MAX; n++) {
		if (!(live & BIT_ULL(n)))
			continue;
		d = cpu_to_le16(n);
		memcpy(buf + offsetof(struct dsm_wire_hdr, dst), &d, sizeof(d));
		if (dsm_msg_send_buf(n, DSM_MSG_IV_REQ, buf, len)) {
			spin_lock(&pull.lock);
			lrc_pull_done_locked(n);
			spin_unlock(&pull.lock);
			silent |= BIT_ULL(n);
		} else {
			*asked |= BIT_ULL(n);
		}
	}
	left = wait_for_completion_killable_timeout(&pull.done,
						    dsm_fault_timeout());
	*err = left < 0 ? -EINTR : left ? 0 : -ETIMEDOUT;
	spin_lock(&pull.lock);
	pull.active = false;
	silent |= pull.waiting;
	spin_unlock(&pull.lock);
	return silent;
}

static int lrc_pull_own_store(u64 key, struct dsm_vt *vt);

/**
 * lrc_recreated_pull() - before an acquire of lock @key whose token was
 * re-created returns, learn from every other live node the intervals
 * this node lacks, those of the node that had the token included (its
 * backup keeps them once it is lost).
 * @key:	the lock (for the messages and the log).
 * @owner_dead:	that node died (the acquire returns EOWNERDEAD whatever
 *		happens here); else it left with the token free
 *		(DSM_MGR_F_TOKEN_LEFT).
 *
 * Bounded by fault_timeout_ms and killable; a node that goes down or
 * does not answer leaves out only what it alone had (one log line).
 * Return: 0 if every node asked answered, else a negative errno.
 */
int lrc_recreated_pull(u64 key, bool owner_dead)
{
	const char *why = owner_dead ? "EOWNERDEAD" : "its last holder left";
	u64 live, asked = 0, silent = 0, req_id, learned;
	u8 buf[LRC_IV_REQ_MAX];
	int len, ret, err = 0;

	live = lrc_live() & ~BIT_ULL(lrc_self());
	mutex_lock(&pull.mutex);
	req_id = dsm_next_req_id();
	len = lrc_pull_req(buf, sizeof(buf), key, req_id);
	if (len < 0) {
		ret = len;
		goto out;
	}
	mutex_lock(&lrc.lock);
	dsm_vt_init(&pull.vt, LRC_NR_NODES);
	mutex_unlock(&lrc.lock);
	ret = lrc_pull_own_store(key, &pull.vt);
	if (live)
		silent = lrc_pull_ask(buf, len, req_id, live, &asked, &err);
	ret = ret ?: err;
	mutex_lock(&lrc.lock);
	learned = lrc_pull_merge_locked(&pull.vt);
	mutex_unlock(&lrc.lock);
	dsm_stat_add(DSM_STAT_LRC_OWNER_DEAD_IVS, learned);
	pr_info_ratelimited("lock %u:%u: %s: %llu intervals learned from nodes %#llx%s\n",
			    dsm_sync_key_region(key), dsm_sync_key_id(key),
			    why, learned, asked & ~silent,
			    silent ? " (some did not answer)" : "");
	if (!ret && silent)
		ret = -EHOSTDOWN;
out:
	mutex_unlock(&pull.mutex);
	if (ret)
		pr_warn_ratelimited("lock %u:%u: asking for the intervals of the node that had its token (%s): %d\n",
				    dsm_sync_key_region(key),
				    dsm_sync_key_id(key), why, ret);
	return ret;
}

/*
 * Learn the intervals of reply set @s and merge its timestamp into @vt
 * (the round's, which the round then merges into this node's). Takes
 * lrc.lock. Return: 0 or a negative errno.
 */
static int lrc_pull_learn(const struct dsm_msg_ivset *s, struct dsm_vt *vt)
{
	struct lrc_learn learn = {};
	int ret;

	mutex_lock(&lrc.lock);
	ret = lrc_learn_locked(s, &learn);
	if (!ret)
		dsm_vt_merge(vt, &s->vt);
	mutex_unlock(&lrc.lock);
	lrc_learn_finish(&learn, 0);
	return ret;
}

/* IV_REPLY: learn its intervals (the round merges the timestamps). */
void lrc_recv_iv_reply(const struct dsm_msg *m)
{
	u32 src = m->hdr.src;
	bool ok;
	int ret;

	spin_lock(&pull.lock);
	ok = pull.active && pull.req_id == m->hdr.req_id &&
	     src < DSM_NODES_MAX && (pull.waiting & BIT_ULL(src));
	spin_unlock(&pull.lock);
	if (!ok) {
		lrc_unexpected("IV_REPLY", src);
		return;
	}
	ret = lrc_pull_learn(&m->u.lock_grant.iv, &pull.vt);
	if (ret)
		pr_warn_ratelimited("intervals from node %u not learned: %d\n",
				    src, ret);
	if (ret || !(m->hdr.flags & DSM_WIRE_F_MORE)) {
		spin_lock(&pull.lock);
		if (pull.req_id == m->hdr.req_id)
			lrc_pull_done_locked(src);
		spin_unlock(&pull.lock);
	}
}

/* ------------------------------------------------------------ answerer */

static void lrc_records_free(struct dsm_interval *r, int n)
{
	int i;

	for (i = 0; i < n; i++)
		kfree(r[i].notices);
	kvfree(r);
}

/*
 * Under lrc.lock: the intervals to send for IV_REQ timestamp @have: the
 * ones seen here that it lacks (*@ivs, @n of them, creator by creator)
 * and, after each lost writer's, those of @rec[w] (@nrec[w]) beyond what
 * is seen here, each given this node's timestamp. Fills @vt with the
 * timestamp that dominates them all. Return: the records in *@out
 * (kvmalloc'd), or -ENOMEM.
 */
static int lrc_iv_answer_locked(const struct dsm_vt *have,
				const struct dsm_interval **ivs, int n,
				struct dsm_interval **rec, const int *nrec,
				struct dsm_vt *vt,
				const struct dsm_interval ***out)
{
	const struct dsm_interval **all;
	u32 c, from, total = n;
	int i = 0, k = 0, j;

	lockdep_assert_held(&lrc.lock);
	*vt = lrc.vt;
	for (c = 0; c < LRC_NR_NODES; c++)
		total += max(nrec[c], 0);
	all = kvmalloc_array(max(total, 1U), sizeof(*all), GFP_KERNEL);
	if (!all)
		return -ENOMEM;
	for (c = 0; c < LRC_NR_NODES; c++) {
		while (i < n && ivs[i]->creator == c)
			all[k++] = ivs[i++];
		from = max3(dsm_vt_get(have, c), lrc.vt.c[c], lrc.gc_vt.c[c]);
		for (j = 0; j < nrec[c]; j++) {
			if (rec[c][j].index <= from)
				continue;
			rec[c][j].vt = lrc.vt;
			rec[c][j].vt.c[c] = rec[c][j].index;
			vt->c[c] = rec[c][j].index;
			all[k++] = &rec[c][j];
		}
	}
	*out = all;
	return k;
}

/*
 * The IV_REPLYs answering timestamp @have of node @dst (request @req_id,
 * lock @key) onto @outs: the intervals seen here that it lacks and, as a
 * lost writer's backup, those of that writer kept here. Takes
 * bk.store_lock, then lrc.lock. Return: 0 or a negative errno.
 */
static int lrc_iv_answer(const struct dsm_vt *have, u32 dst, u64 req_id,
			 u64 key, struct list_head *outs)
{
	struct dsm_interval *rec[LRC_NR_NODES] = {};
	const struct dsm_interval **ivs = NULL, **all = NULL;
	u32 self = lrc_self(), w;
	int nrec[LRC_NR_NODES] = {};
	struct dsm_vt vt;
	int n, ret = 0;

	/* The store first: bk.store_lock is taken with no other lock. */
	for (w = 0; w < LRC_NR_NODES && !ret; w++) {
		if (w == self || !lrc_node_out(w))
			continue;
		nrec[w] = lrc_backup_records(w, dsm_vt_get(have, w), &rec[w]);
		if (nrec[w] < 0)
			ret = nrec[w];
	}
	mutex_lock(&lrc.lock);
	n = ret ? ret : lrc_missing_locked(have, &ivs);
	if (n >= 0)
		n = lrc_iv_answer_locked(have, ivs, n, rec, nrec, &vt, &all);
	if (n >= 0)
		ret = lrc_encode_vt_locked(DSM_MSG_IV_REPLY, dst, req_id, key,
					   0, &vt, all, n, DSM_WIRE_MAX_MSG,
					   outs);
	else
		ret = n;
	mutex_unlock(&lrc.lock);
	kvfree(all);
	kvfree(ivs);
	for (w = 0; w < LRC_NR_NODES; w++)
		if (nrec[w] > 0)
			lrc_records_free(rec[w], nrec[w]);
	return ret;
}

/*
 * IV_REQ: send the asker every interval it lacks that this node has seen
 * and, as a lost writer's backup, those of that writer kept here.
 */
void lrc_recv_iv_req(const struct dsm_msg *m)
{
	const struct dsm_msg_lock_grant *g = &m->u.lock_grant;
	u64 key = dsm_sync_key(g->region, g->lock_id);
	u32 src = m->hdr.src;
	struct lrc_out *o, *t;
	LIST_HEAD(outs);
	int ret;

	if (src == lrc_self() || lrc_node_out(src)) {
		lrc_unexpected("IV_REQ", src);
		return;
	}
	/* The kept ones as known here: one record each, everywhere. */
	lrc_learn_kept();
	ret = lrc_iv_answer(&g->iv.vt, src, m->hdr.req_id, key, &outs);
	if (ret) {
		/* The asker stops waiting for us at its bound. */
		lrc_out_free(&outs);
		pr_warn_ratelimited("cannot tell node %u the intervals it lacks: %d\n",
				    src, ret);
		return;
	}
	list_for_each_entry_safe(o, t, &outs, list) {
		if (!ret)
			ret = dsm_msg_send_buf(src, DSM_MSG_IV_REPLY, o->data,
					       o->len);
		list_del(&o->list);
		kvfree(o);
	}
}

/*
 * This node as a lost writer's backup learns that writer's intervals it
 * keeps beyond what it has seen, as from an IV_REPLY of its own, merging
 * their timestamp into @vt (under lrc.lock): in a round (pull.mutex held,
 * @vt the round's; the round asks only the others: without this, the
 * backup acquiring first would miss what the writer released last), and
 * in lrc_learn_kept(). Return: 0 or a negative errno.
 */
static int lrc_pull_own_store(u64 key, struct dsm_vt *vt)
{
	struct dsm_msg *msg;
	enum dsm_wire_reject rej;
	struct lrc_out *o;
	struct dsm_vt have;
	LIST_HEAD(outs);
	int ret;

	msg = kmalloc(sizeof(*msg), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&lrc.lock);
	have = lrc.vt;
	mutex_unlock(&lrc.lock);
	/* Addressed as to another node: the decoder refuses src == dst. */
	ret = lrc_iv_answer(&have, lrc_self() ? 0 : 1, 0, key, &outs);
	list_for_each_entry(o, &outs, list) {
		if (ret)
			break;
		if (dsm_wire_decode(o->data, o->len, msg, &rej)) {
			ret = -EPROTO;
			break;
		}
		ret = lrc_pull_learn(&msg->u.lock_grant.iv, vt);
	}
	lrc_out_free(&outs);
	kfree(msg);
	return ret;
}

/**
 * lrc_learn_kept() - learn the intervals of lost writers this node keeps
 * as their backup beyond what it has seen, before it arrives at a barrier
 * or answers an IV_REQ.
 *
 * So its arrival carries them, and the barrier makes what a lost writer
 * released and nobody learned known to all (a collection there discards
 * it, so that a restarted writer's new intervals, numbered after the
 * release's timestamp, never reuse an index of the old: dsm_lrc_rejoin.c).
 * And every node that learns such an interval gets this one record: the
 * kept diffs have no timestamp, each is given this node's, and two copies
 * with different ones would be refused by the barrier manager. Takes no
 * lock of the IV_REQ round (it runs where IV_REPLYs are handled).
 *
 * Return: 0 or a negative errno.
 */
int lrc_learn_kept(void)
{
	unsigned long kept = lrc_backup_writers() & ~BIT_ULL(lrc_self());
	struct dsm_vt vt;
	u64 learned;
	u32 w;
	int ret;

	/* Most barriers: no writer whose diffs are kept here is out. */
	for_each_set_bit(w, &kept, LRC_NR_NODES)
		if (lrc_node_out(w))
			break;
	if (w >= LRC_NR_NODES)
		return 0;
	dsm_vt_init(&vt, LRC_NR_NODES);
	ret = lrc_pull_own_store(0, &vt);
	mutex_lock(&lrc.lock);
	learned = lrc_pull_merge_locked(&vt);
	mutex_unlock(&lrc.lock);
	if (learned) {
		dsm_stat_add(DSM_STAT_LRC_KEPT_LEARNED, learned);
		pr_info_ratelimited("%llu intervals of lost writers kept here learned\n",
				    learned);
	}
	if (ret)
		pr_warn_ratelimited("learning the intervals of lost writers kept here: %d\n",
				    ret);
	return ret;
}

void lrc_pull_init(void)
{
	mutex_init(&pull.mutex);
	spin_lock_init(&pull.lock);
	init_completion(&pull.done);
	dsm_vt_init(&pull.vt, LRC_NR_NODES);
}

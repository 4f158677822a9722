// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_lrc_grant.c - lrc lock tokens on the move: serving a forward with
 * the LOCK_GRANTs that carry the token and the intervals the acquirer
 * lacks, sending them again while the link is down, and taking a grant
 * in (an asked one, or one that came after its acquire ended).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": lrc: " fmt

#include <linux/ktime.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "dsm_lrc.h"
/*
 * Under lrc.lock: give lock @l's token to @requester (request @req_id,
 * VT @vt): build the LOCK_GRANTs onto @outs. The token leaves.
 */
static int lrc_grant_locked(struct lrc_lock *l, u16 requester, u64 req_id,
			    const struct dsm_vt *vt, struct list_head *outs)
{
	const struct dsm_interval **ivs = NULL;
	int n, ret;

	lockdep_assert_held(&lrc.lock);
	n = lrc_missing_locked(vt, &ivs);
	if (n < 0) {
		pr_warn_ratelimited("lock %u:%u: cannot list the intervals node %u lacks: %d; granted without\n",
				    dsm_sync_key_region(l->key),
				    dsm_sync_key_id(l->key), requester, n);
		n = 0;
	}
	ret = lrc_encode_set_locked(DSM_MSG_LOCK_GRANT, requester, req_id,
				    l->key, 0, ivs, n, DSM_WIRE_MAX_MSG, outs);
	kvfree(ivs);
	/* Own intervals it lacks: their diffs go first (dsm_lrc_push.c). */
	if (!ret && !list_empty(outs))
		list_first_entry(outs, struct lrc_out, list)->since =
			dsm_vt_get(vt, lrc_self());
	l->token = false;
	lrc_lock_changed_locked(l);
	return ret;
}

/*
 * The token of lock @key could not reach node @dst, which is gone: it
 * comes back here, so that the lock is not lost for the others (the
 * acquirer's request failed with its node).
 */
static void lrc_token_back(u64 key)
{
	struct lrc_lock *l;

	mutex_lock(&lrc.lock);
	l = lrc_lock_get_locked(key);
	if (l && !l->token && !l->requesting && !l->holder) {
		l->token = true;
		lrc_lock_changed_locked(l);
	}
	mutex_unlock(&lrc.lock);
}

/*
 * Keep the LOCK_GRANTs on @outs that could not be sent to @dst, for
 * lrc.regrant_work to send again. Return: false if out of memory.
 */
static bool lrc_regrant_queue(u64 key, u32 dst, struct list_head *outs)
{
	struct lrc_regrant *rg = kmalloc(sizeof(*rg), GFP_KERNEL);

	if (!rg)
		return false;
	rg->key = key;
	rg->dst = dst;
	INIT_LIST_HEAD(&rg->outs);
	list_splice_init(outs, &rg->outs);
	spin_lock(&lrc.wait_lock);
	list_add_tail(&rg->list, &lrc.regrants);
	spin_unlock(&lrc.wait_lock);
	schedule_delayed_work(&lrc.regrant_work, HZ);
	return true;
}

/*
 * Send the LOCK_GRANTs of lock @key on @outs to @dst over the data
 * transport, in order; free them. The token has left this node: a grant
 * that cannot be sent (no connection now) is kept and sent again every
 * second (lrc.regrant_work) until it goes or @dst is declared down, so
 * that the acquirer, which waits for it without a time bound, gets it;
 * only then does the token come back here.
 */
void lrc_send_grant(u64 key, u32 dst, struct list_head *outs)
{
	u32 last = READ_ONCE(lrc.vt.c[lrc_self()]);
	struct lrc_out *o, *t;
	bool pushed = false;
	int ret = 0;

	/* The diffs the acquirer will read first: a grant sent again has none. */
	o = list_first_entry_or_null(outs, struct lrc_out, list);
	if (o && o->since != LRC_NO_PUSH) {
		lrc_push_grant(dst, o->since);
		o->since = LRC_NO_PUSH;
		pushed = true;
	}
	list_for_each_entry_safe(o, t, outs, list) {
		ret = dsm_msg_send_buf(dst, DSM_MSG_LOCK_GRANT, o->data,
				       o->len);
		if (ret)
			break;
		list_del(&o->list);
		kfree(o);
	}
	if (!ret) {
		/* Then to the pages' other readers, off the grant's path. */
		if (pushed)
			lrc_push_granted(dst, last);
		return;
	}
	if (!lrc_node_out(dst) && lrc_regrant_queue(key, dst, outs)) {
		pr_warn_ratelimited("lock %u:%u: grant to node %u not sent (%d): trying again\n",
				    dsm_sync_key_region(key),
				    dsm_sync_key_id(key), dst, ret);
		return;
	}
	lrc_out_free(outs);
	pr_warn_ratelimited("lock %u:%u: grant to node %u not sent (%d): the token stays here\n",
			    dsm_sync_key_region(key),
			    dsm_sync_key_id(key), dst, ret);
	lrc_token_back(key);
}

/*
 * End the first late-grant window at or after lock key *@start that is
 * over: forwards held for its grant get a re-created token. Return: false
 * if there was none; *@next (if *@any) is the end of the earliest window
 * still open that was seen.
 */
static bool lrc_late_expire_one(unsigned long *start, unsigned long *next,
				bool *any)
{
	struct lrc_lock *l;
	bool found = false;
	unsigned long i;
	LIST_HEAD(outs);
	u32 dst = 0;
	u64 key = 0;

	mutex_lock(&lrc.lock);
	xa_for_each_start(&lrc.locks, i, l, *start) {
		if (!l->late_req)
			continue;
		if (time_before(jiffies, l->late_until)) {
			if (!*any || time_before(l->late_until, *next))
				*next = l->late_until;
			*any = true;
			continue;
		}
		found = true;
		*start = i + 1;
		key = l->key;
		l->late_req = 0;
		lrc_recreate_locked(l);
		lrc_serve_fwd_locked(l, &dst, &outs);
		lrc_lock_put_locked(l);
		break;
	}
	mutex_unlock(&lrc.lock);
	if (!list_empty(&outs))
		lrc_send_grant(key, dst, &outs);
	return found;
}

/*
 * lrc.regrant_work: send the grants kept by lrc_send_grant() again, and
 * end the late-grant windows that are over (lrc_req_end_locked()).
 */
void lrc_regrant_work_fn(struct work_struct *work)
{
	struct lrc_regrant *rg, *t;
	unsigned long start = 0, next = 0;
	bool any = false;
	LIST_HEAD(todo);

	spin_lock(&lrc.wait_lock);
	list_splice_init(&lrc.regrants, &todo);
	spin_unlock(&lrc.wait_lock);
	list_for_each_entry_safe(rg, t, &todo, list) {
		list_del(&rg->list);
		lrc_send_grant(rg->key, rg->dst, &rg->outs);
		kfree(rg);
	}
	while (lrc_late_expire_one(&start, &next, &any))
		;
	if (any)
		schedule_delayed_work(&lrc.regrant_work,
				      max_t(long, (long)(next - jiffies), 0) + 1);
}

/* Under lrc.lock: serve the oldest forward of @l if the token is free. */
void lrc_serve_fwd_locked(struct lrc_lock *l, u32 *dst,
			  struct list_head *outs)
{
	struct lrc_fwd *f;

	lockdep_assert_held(&lrc.lock);
	if (!l->token || l->holder || l->reserved || list_empty(&l->fwds))
		return;
	f = list_first_entry(&l->fwds, struct lrc_fwd, list);
	list_del(&f->list);
	l->nr_fwds--;
	*dst = f->requester;
	if (lrc_grant_locked(l, f->requester, f->req_id, &f->vt, outs))
		pr_warn_ratelimited("cannot build the grant of lock %u:%u for node %u\n",
				    dsm_sync_key_region(l->key),
				    dsm_sync_key_id(l->key), f->requester);
	kfree(f);
}

/*
 * The token of @l arrived (grant, fresh token); under lrc.lock. A grant's
 * timestamp @vt is merged unless its intervals were refused (grant_err)
 * or it claims intervals this node does not have: then the token stays
 * here for the others, but the acquire that asked fails.
 */
void lrc_token_here_locked(struct lrc_lock *l, const struct dsm_vt *vt)
{
	int err;

	lockdep_assert_held(&lrc.lock);
	if (vt) {
		err = l->grant_err ?: lrc_vt_check_locked(vt);
		if (err) {
			pr_warn_ratelimited("lock %u:%u: grant refused: %d; the acquire fails\n",
					    dsm_sync_key_region(l->key),
					    dsm_sync_key_id(l->key), err);
			l->failed_req = l->req_id;
			l->failed_err = err;
		} else {
			dsm_vt_merge(&lrc.vt, vt);
		}
	}
	l->token = true;
	l->requesting = false;
	/* Our own acquire goes before the forwards queued meanwhile. */
	l->reserved = l->waiters > 0;
	lrc_lock_changed_locked(l);
}

/*
 * Under lrc.lock: the last fragment of a grant for @l->late_req, whose
 * wait is over, came from node @src; its intervals are learned. Merge its
 * timestamp (unless a check refused it: then, as for an asked grant, it
 * is not merged) and keep the token here, held by nobody, so that the
 * next forward passes the holder's writes on instead of re-creating the
 * token empty.
 */
static void lrc_late_grant_locked(struct lrc_lock *l, const struct dsm_vt *vt,
				  u32 src)
{
	int err;

	lockdep_assert_held(&lrc.lock);
	l->late_req = 0;
	err = l->late_err ?: lrc_vt_check_locked(vt);
	if (err) {
		pr_warn_ratelimited("lock %u:%u: grant from node %u after its acquire ended refused: %d\n",
				    dsm_sync_key_region(l->key),
				    dsm_sync_key_id(l->key), src, err);
	} else {
		dsm_vt_merge(&lrc.vt, vt);
		dsm_stat_inc(DSM_STAT_LRC_LATE_GRANTS);
		pr_info_ratelimited("lock %u:%u: grant from node %u came after its acquire ended: learned, the token stays here\n",
				    dsm_sync_key_region(l->key),
				    dsm_sync_key_id(l->key), src);
	}
	l->token = true;
	l->reserved = l->waiters > 0;
	lrc_lock_changed_locked(l);
}

enum { LRC_GRANT_NONE, LRC_GRANT_REQ, LRC_GRANT_LATE };

/*
 * Under lrc.lock: what a LOCK_GRANT from @src with req_id @req is for: the
 * request of @l out now, one that ended before its grant came (from a
 * live peer only), or nothing asked.
 */
static int lrc_grant_kind_locked(const struct lrc_lock *l, u64 req, u32 src)
{
	lockdep_assert_held(&lrc.lock);
	if (!l || !req)
		return LRC_GRANT_NONE;
	if (l->requesting && l->req_id == req)
		return LRC_GRANT_REQ;
	if (l->late_req == req && src != lrc_self() && !lrc_node_out(src))
		return LRC_GRANT_LATE;
	return LRC_GRANT_NONE;
}

/* Under lrc.lock: learn one fragment of a grant of @l (@late or not). */
static int lrc_grant_frag_locked(struct lrc_lock *l, bool late,
				 const struct dsm_msg_ivset *iv,
				 struct lrc_learn *learn)
{
	u32 *frags = late ? &l->late_frags : &l->grant_frags;
	int *err = late ? &l->late_err : &l->grant_err;
	int ret = 0;

	lockdep_assert_held(&lrc.lock);
	/* A grant is a bounded number of fragments: learn no more. */
	if (++*frags > LRC_MAX_GRANT_FRAGS)
		ret = -EMSGSIZE;
	else if (!*err)
		ret = lrc_learn_locked(iv, learn);
	if (ret && !*err)
		*err = ret;
	return ret;
}

/* LOCK_GRANT from the data transport. */
void lrc_recv_grant(const struct dsm_msg *m)
{
	const struct dsm_msg_lock_grant *g = &m->u.lock_grant;
	bool last = !(m->hdr.flags & DSM_WIRE_F_MORE);
	u32 src = m->hdr.src, dst = 0;
	u64 req = m->hdr.req_id, key = dsm_sync_key(g->region, g->lock_id);
	struct lrc_learn learn = {};
	struct lrc_lock *l;
	LIST_HEAD(outs);
	int ret, kind;
	bool ahead;

	mutex_lock(&lrc.lock);
	l = lrc_lock_find_locked(key);
	kind = lrc_grant_kind_locked(l, req, src);
	if (kind == LRC_GRANT_NONE) {
		mutex_unlock(&lrc.lock);
		lrc_unexpected("LOCK_GRANT", src);
		return;
	}
	ret = lrc_grant_frag_locked(l, kind == LRC_GRANT_LATE, &g->iv, &learn);
	/*
	 * Prefetch for an acquire waiting now whose grant is this one
	 * fragment (a later one could add notices), as a barrier's release.
	 */
	ahead = !ret && kind == LRC_GRANT_REQ && last && l->grant_frags == 1;
	mutex_unlock(&lrc.lock);
	if (ret)
		pr_warn_ratelimited("lock %u:%u: grant from node %u not applied: %d\n",
				    dsm_sync_key_region(key),
				    dsm_sync_key_id(key), src, ret);
	/* Invalidate before the acquire returns; prefetch what is in use. */
	lrc_learn_finish(&learn, ahead ? lrc_prefetch_grant_max() : 0);
	if (!last)
		return;
	mutex_lock(&lrc.lock);
	/* Found again: the request may have failed meanwhile (a late one). */
	l = lrc_lock_find_locked(key);
	kind = lrc_grant_kind_locked(l, req, src);
	if (kind == LRC_GRANT_REQ)
		lrc_token_here_locked(l, &g->iv.vt);
	else if (kind == LRC_GRANT_LATE)
		lrc_late_grant_locked(l, &g->iv.vt, src);
	if (kind != LRC_GRANT_NONE && !l->reserved)
		lrc_serve_fwd_locked(l, &dst, &outs);
	mutex_unlock(&lrc.lock);
	if (!list_empty(&outs))
		lrc_send_grant(key, dst, &outs);
}

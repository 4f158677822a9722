// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_lrc_lock.c - lrc locks: the lock table, acquire and release, the
 * acquire request to the lock's manager (through dsmd), the LOCK_FORWARDs
 * dsmd passes on, the LOCK_GRANTs that carry the token and the intervals
 * the acquirer lacks, and failing requests when nothing will answer.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": lrc: " fmt

#include <linux/ktime.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "dsm_lrc.h"

/* The lock table is an xarray indexed by the 64-bit dsm_sync_key(). */
static_assert(sizeof(unsigned long) >= sizeof(u64), "lock keys need 64-bit indices");

/* Under lrc.lock: lock @key's entry in the table, or NULL. */
static struct lrc_lock *lrc_lock_find_locked(u64 key)
{
	lockdep_assert_held(&lrc.lock);
	return xa_load(&lrc.locks, key);
}

/* Under lrc.lock: lock @key's entry, made if new; NULL if out of memory. */
static struct lrc_lock *lrc_lock_get_locked(u64 key)
{
	struct lrc_lock *l = lrc_lock_find_locked(key);

	lockdep_assert_held(&lrc.lock);
	if (l)
		return l;
	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return NULL;
	l->key = key;
	INIT_LIST_HEAD(&l->fwds);
	/* -ENOMEM; not -EBUSY: @key is not in the table, under lrc.lock. */
	if (xa_insert(&lrc.locks, key, l, GFP_KERNEL)) {
		kfree(l);
		return NULL;
	}
	dsm_stat_inc(DSM_STAT_LRC_LOCKS_HELD);
	return l;
}

/*
 * Under lrc.lock: free @l if it holds nothing worth keeping: no token, no
 * request out, no holder, no waiter, no forward. A later acquire or
 * forward makes a fresh entry, which is what a never-seen lock is. So the
 * table holds the locks whose token is here or in use, not every lock
 * ever taken. Nobody may use @l after this.
 */
static void lrc_lock_put_locked(struct lrc_lock *l)
{
	lockdep_assert_held(&lrc.lock);
	if (l->token || l->requesting || l->holder || l->waiters ||
	    l->reserved || l->late_req || !list_empty(&l->fwds))
		return;
	xa_erase(&lrc.locks, l->key);
	kfree(l);
	dsm_stat_add(DSM_STAT_LRC_LOCKS_HELD, -1ULL);
}

/* Under lrc.lock: @l changed; wake the acquirers to look again. */
static void lrc_lock_changed_locked(struct lrc_lock *l)
{
	lockdep_assert_held(&lrc.lock);
	WRITE_ONCE(l->gen, l->gen + 1);
	wake_up_all(&lrc.lock_wq);
}

static void lrc_serve_fwd_locked(struct lrc_lock *l, u32 *dst,
				 struct list_head *outs);

/*
 * Under lrc.lock: forwards wait on @l with no token here, no request out,
 * nothing holding the lock, and no grant awaited any more (our request
 * failed and its grant did not come): re-create the token, without the
 * intervals the lost one carried (lrc.md "Failures").
 */
static void lrc_recreate_locked(struct lrc_lock *l)
{
	lockdep_assert_held(&lrc.lock);
	if (l->token || l->requesting || l->holder || list_empty(&l->fwds))
		return;
	pr_warn_ratelimited("lock %u:%u: no grant came for our failed request: the token is re-created here, without the intervals it carried\n",
			    dsm_sync_key_region(l->key),
			    dsm_sync_key_id(l->key));
	dsm_stat_inc(DSM_STAT_LRC_TOKENS_RECREATED);
	l->token = true;
}

/*
 * Under lrc.lock: request @l->req_id ended without its token (@err: its
 * waiters fail). Its grant may still come: the manager may have forwarded
 * it to a holder that is alive. Until mgr_timeout_ms from now that grant
 * is accepted and kept here (lrc_late_grant_locked()), and a forward that
 * finds no token waits for it (lrc.regrant_work ends the window).
 */
static void lrc_req_end_locked(struct lrc_lock *l, int err)
{
	lockdep_assert_held(&lrc.lock);
	l->failed_req = l->req_id;
	l->failed_err = err;
	l->requesting = false;
	l->late_req = l->req_id;
	l->late_until = jiffies + lrc_mgr_timeout();
	/* Fragments of the grant that came already count. */
	l->late_frags = l->grant_frags;
	l->late_err = l->grant_err;
	lrc_lock_changed_locked(l);
	schedule_delayed_work(&lrc.regrant_work, lrc_mgr_timeout() + 1);
}

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
static void lrc_send_grant(u64 key, u32 dst, struct list_head *outs)
{
	struct lrc_out *o, *t;
	int ret = 0;

	list_for_each_entry_safe(o, t, outs, list) {
		ret = dsm_msg_send_buf(dst, DSM_MSG_LOCK_GRANT, o->data,
				       o->len);
		if (ret)
			break;
		list_del(&o->list);
		kfree(o);
	}
	if (!ret)
		return;
	if (!dsm_members_lost(dst) && lrc_regrant_queue(key, dst, outs)) {
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
static void lrc_serve_fwd_locked(struct lrc_lock *l, u32 *dst,
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

/* Start an acquire request for @l. Under lrc.lock; drops and retakes it. */
static int lrc_lock_request_locked(struct lrc_lock *l)
{
	struct dsm_msg_hdr h = {
		.version = DSM_WIRE_VERSION_MAX,
		.type = DSM_MSG_LOCK_REQ,
		.epoch = dsm_home_epoch(),
	};
	struct dsm_msg_lock_req b = {};
	struct dsm_wire_enc e;
	u8 buf[DSM_WIRE_HDR_SIZE + sizeof(struct dsm_wire_lock_req) +
	       DSM_WIRE_VT_SIZE(LRC_NR_NODES)];
	u64 req_id = dsm_next_req_id();
	u32 self = lrc_self(), mgr;
	int len, ret;

	lockdep_assert_held(&lrc.lock);
	/* The lock's manager: dsm_sync_key() (kmod/core/dsm_members.h). */
	mgr = dsm_members_rank(l->key);
	h.src = self;
	h.dst = lrc_mgr_dst(mgr);
	h.req_id = req_id;
	b.lock_id = dsm_sync_key_id(l->key);
	b.region = dsm_sync_key_region(l->key);
	b.requester = self;
	b.req_id = req_id;
	b.vt = lrc.vt;
	dsm_wire_enc_begin(&e, buf, sizeof(buf), &h);
	dsm_wire_enc_lock_req(&e, &b);
	len = dsm_wire_enc_end(&e);
	if (len < 0)
		return len;
	l->requesting = true;
	l->req_id = req_id;
	l->mgr = mgr;
	l->forwarded = false;
	l->deadline = jiffies + lrc_mgr_timeout();
	l->grant_err = 0;
	l->grant_frags = 0;
	mutex_unlock(&lrc.lock);
	ret = dsm_nl_mgr_request(DSM_MGR_LOCK_ACQUIRE, req_id,
				 dsm_sync_key_id(l->key), 0, buf,
				 len);
	mutex_lock(&lrc.lock);
	if (ret && l->requesting && l->req_id == req_id) {
		l->requesting = false;
		lrc_lock_changed_locked(l);
	}
	return ret;
}

/*
 * Under lrc.lock: request @l->req_id got no answer from the manager by
 * its deadline: it fails with -ETIMEDOUT (its waiters see failed_req).
 * A late answer finds no request (dsmd logs it); a late grant is
 * accepted and kept as after a failure (Documentation/lrc.md,
 * "Failures").
 */
static void lrc_lock_timeout_locked(struct lrc_lock *l)
{
	lockdep_assert_held(&lrc.lock);
	pr_warn_ratelimited("lock %u:%u: the manager did not answer within mgr_timeout_ms: the acquire fails\n",
			    dsm_sync_key_region(l->key),
			    dsm_sync_key_id(l->key));
	dsm_stat_inc(DSM_STAT_LRC_MGR_TIMEOUTS);
	lrc_req_end_locked(l, -ETIMEDOUT);
}

/*
 * Under lrc.lock, which it drops while waiting: wait for @l to change
 * (a waiter keeps @l in the table). A request the manager has not
 * answered yet is waited for until its deadline, then failed; once
 * forwarded, it waits for the holder without a time bound. Return: 0
 * (look again), or -EINTR on a fatal signal.
 */
static int lrc_lock_wait_locked(struct lrc_lock *l)
{
	bool bounded = l->requesting && !l->forwarded;
	u64 gen = l->gen, req = l->req_id;
	long left = 0;
	int ret;

	lockdep_assert_held(&lrc.lock);
	if (bounded)
		left = (long)(l->deadline - jiffies);
	mutex_unlock(&lrc.lock);
	if (!bounded)
		ret = wait_event_killable(lrc.lock_wq,
					  READ_ONCE(l->gen) != gen);
	else if (left > 0)
		ret = wait_event_killable_timeout(lrc.lock_wq,
						  READ_ONCE(l->gen) != gen,
						  left);
	else
		ret = 0;
	mutex_lock(&lrc.lock);
	if (ret < 0)
		return -EINTR;
	if (bounded && !ret && l->requesting && l->req_id == req &&
	    !l->forwarded && time_after_eq(jiffies, l->deadline))
		lrc_lock_timeout_locked(l);
	return 0;
}

int lrc_acquire(struct dsm_file *f, u64 key)
{
	u64 start = ktime_get_ns(), my_req = 0;
	bool remote = false;
	struct lrc_lock *l;
	LIST_HEAD(outs);
	u32 dst = 0;
	int ret;

	ret = dsm_cluster_ready();
	if (ret)
		return ret;
	ret = lrc_end_interval();
	if (!ret)	/* a grant of an idle token may carry it */
		ret = lrc_backup();
	if (ret)
		return ret;
	mutex_lock(&lrc.lock);
	l = lrc_lock_get_locked(key);
	if (!l) {
		ret = -ENOMEM;
		goto out;
	}
	if (l->holder == f) {
		ret = -EDEADLK;
		goto out;
	}
	/*
	 * Counted from here on: keeps @l in the table, and a token that
	 * comes while the request is being sent is reserved for us.
	 */
	l->waiters++;
	for (;;) {
		/* Our request failed, also when its token came (grant_err). */
		if (my_req && l->failed_req == my_req) {
			ret = l->failed_err ?: -EHOSTDOWN;
			break;
		}
		if (l->token && !l->holder &&
		    (list_empty(&l->fwds) || l->reserved)) {
			l->holder = f;
			l->reserved = false;
			ret = 0;
			break;
		}
		if (!l->token && !l->requesting) {
			remote = true;
			ret = lrc_lock_request_locked(l);
			if (ret)
				break;
			continue;
		}
		if (l->requesting)
			my_req = l->req_id;
		ret = lrc_lock_wait_locked(l);
		if (ret)
			break;
	}
	l->waiters--;
	if (ret && !l->waiters && l->reserved) {
		/* Nobody left to use the token that came for us. */
		l->reserved = false;
		lrc_serve_fwd_locked(l, &dst, &outs);
	}
out:
	if (l)
		lrc_lock_put_locked(l);
	mutex_unlock(&lrc.lock);
	if (!list_empty(&outs))
		lrc_send_grant(key, dst, &outs);
	if (!ret)
		dsm_hot_lock(key, remote, ktime_get_ns() - start);
	return ret;
}

int lrc_release(struct dsm_file *f, u64 key)
{
	struct lrc_lock *l;
	LIST_HEAD(outs);
	u32 dst = 0;
	int ret;

	mutex_lock(&lrc.lock);
	l = lrc_lock_find_locked(key);
	ret = l && l->holder == f ? 0 : -EPERM;
	mutex_unlock(&lrc.lock);
	if (ret)
		return ret;
	/* The grant must carry the interval the holder just ended. */
	ret = lrc_end_interval();
	if (ret)
		pr_warn_ratelimited("lock %u:%u: cannot end the interval: %d\n",
				    dsm_sync_key_region(key),
				    dsm_sync_key_id(key), ret);
	/* Backed up before anyone can learn it (lrc.md "Backed-up releases"). */
	lrc_backup();
	mutex_lock(&lrc.lock);
	/*
	 * Look the lock up again: with lrc.lock dropped, another release of
	 * it through this file (a second thread) may have freed the entry.
	 */
	l = lrc_lock_find_locked(key);
	if (!l || l->holder != f) {
		mutex_unlock(&lrc.lock);
		return -EPERM;
	}
	l->holder = NULL;
	lrc_serve_fwd_locked(l, &dst, &outs);
	lrc_lock_changed_locked(l);
	lrc_lock_put_locked(l);
	mutex_unlock(&lrc.lock);
	if (!list_empty(&outs))
		lrc_send_grant(key, dst, &outs);
	return 0;
}

/**
 * lrc_file_release() - release every lock open file @f holds (the
 * model's file_release).
 * @f:	the file being closed.
 */
void lrc_file_release(struct dsm_file *f)
{
	struct lrc_lock *l;
	unsigned long i;
	bool found;
	u64 key = 0;

	do {
		found = false;
		mutex_lock(&lrc.lock);
		xa_for_each(&lrc.locks, i, l) {
			if (l->holder == f) {
				key = l->key;
				found = true;
				break;
			}
		}
		mutex_unlock(&lrc.lock);
		if (found)
			lrc_release(f, key);
	} while (found);
}

/*
 * The token of @l arrived (grant, fresh token); under lrc.lock. A grant's
 * timestamp @vt is merged unless its intervals were refused (grant_err)
 * or it claims intervals this node does not have: then the token stays
 * here for the others, but the acquire that asked fails.
 */
static void lrc_token_here_locked(struct lrc_lock *l, const struct dsm_vt *vt)
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
	if (l->late_req == req && src != lrc_self() && !dsm_members_lost(src))
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

	mutex_lock(&lrc.lock);
	l = lrc_lock_find_locked(key);
	kind = lrc_grant_kind_locked(l, req, src);
	if (kind == LRC_GRANT_NONE) {
		mutex_unlock(&lrc.lock);
		lrc_unexpected("LOCK_GRANT", src);
		return;
	}
	ret = lrc_grant_frag_locked(l, kind == LRC_GRANT_LATE, &g->iv, &learn);
	mutex_unlock(&lrc.lock);
	if (ret)
		pr_warn_ratelimited("lock %u:%u: grant from node %u not applied: %d\n",
				    dsm_sync_key_region(key),
				    dsm_sync_key_id(key), src, ret);
	/* Invalidate before the acquire returns. */
	lrc_learn_finish(&learn);
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

/**
 * dsm_lrc_lock_forward() - LOCK_FORWARD from dsmd: grant lock @lock_id to
 * the requester in the LOCK_REQ at @p.
 * @lock_id:	DSM_A_LOCK_ID; the lock's namespace is the LOCK_REQ's
 *		region word (a lock is the pair, dsm_sync_key()).
 * @p:		DSM_A_MGR_PAYLOAD.
 * @len:	its length.
 * @extack:	for the reason of a refusal.
 *
 * Return: 0, or a negative errno (nothing changed).
 */
int dsm_lrc_lock_forward(u32 lock_id, const void *p, u32 len,
			 struct netlink_ext_ack *extack)
{
	struct lrc_fwd *f;
	struct lrc_lock *l;
	struct dsm_msg m;
	LIST_HEAD(outs);
	u32 dst = 0;
	int ret = 0;
	u64 key;

	if (dsm_wire_decode(p, len, &m, NULL) ||
	    m.hdr.type != DSM_MSG_LOCK_REQ) {
		NL_SET_ERR_MSG_MOD(extack, "payload is not a valid LOCK_REQ");
		return -EINVAL;
	}
	if (m.u.lock_req.lock_id != lock_id ||
	    m.u.lock_req.requester >= DSM_NODES_MAX ||
	    m.u.lock_req.req_id != m.hdr.req_id) {
		NL_SET_ERR_MSG_MOD(extack, "LOCK_REQ does not match LOCK_ID or its header");
		return -EINVAL;
	}
	key = dsm_sync_key(m.u.lock_req.region, lock_id);
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	f->requester = m.u.lock_req.requester;
	f->req_id = m.u.lock_req.req_id;
	f->vt = m.u.lock_req.vt;
	mutex_lock(&lrc.lock);
	l = lrc_lock_get_locked(key);
	if (!l) {
		ret = -ENOMEM;
		goto out;
	}
	if (f->requester == lrc_self()) {
		/* Our own request came back: the token is re-created here. */
		if (l->requesting && l->req_id == f->req_id)
			lrc_token_here_locked(l, NULL);
		goto out;
	}
	if (l->nr_fwds >= LRC_MAX_FWDS) {
		NL_SET_ERR_MSG_MOD(extack, "too many forwards queued on this lock");
		ret = -ENOSPC;
		goto out;
	}
	list_add_tail(&f->list, &l->fwds);
	l->nr_fwds++;
	f = NULL;
	/*
	 * No token and no request: our wait failed (its manager's node or
	 * our dsmd went away, or it timed out) or the token was lost.
	 * While the failed request's grant may still come, the forward
	 * waits for it (bounded: lrc.regrant_work); else nothing here holds
	 * the lock, so the token is re-created with what we know
	 * (Documentation/lrc.md "Failures").
	 */
	if (l->late_req && time_before(jiffies, l->late_until) &&
	    !l->token && !l->requesting && !l->holder)
		pr_info_ratelimited("lock %u:%u: forward for node %u waits for the grant of our failed request (at most mgr_timeout_ms)\n",
				    dsm_sync_key_region(key),
				    dsm_sync_key_id(key), m.u.lock_req.requester);
	else
		lrc_recreate_locked(l);
	lrc_serve_fwd_locked(l, &dst, &outs);
out:
	if (l)
		lrc_lock_put_locked(l);
	mutex_unlock(&lrc.lock);
	kfree(f);
	if (!list_empty(&outs))
		lrc_send_grant(key, dst, &outs);
	return ret;
}

/*
 * Under lrc.lock: dsmd answered request @cookie of @l with @err. After
 * EHOSTDOWN (the manager's dsmd unreachable) the manager may have
 * forwarded it already, so its grant may still come; after any other
 * error (refused, a forward dropped) no grant comes.
 */
static void lrc_lock_failed_locked(struct lrc_lock *l, u64 cookie, int err)
{
	lockdep_assert_held(&lrc.lock);
	if (err == -EHOSTDOWN) {
		lrc_req_end_locked(l, err);
		return;
	}
	l->failed_req = cookie;
	l->failed_err = err;
	l->requesting = false;
	lrc_lock_changed_locked(l);
}

/*
 * Under lrc.lock: the manager forwarded request @l->req_id, then found the
 * node it went to down before granting (dsmd's empty reply after
 * FORWARDED): the token is re-created here, and what that node wrote
 * under the lock and did not pass on is lost (lrc.md "Failures").
 */
static void lrc_fwd_lost_locked(struct lrc_lock *l)
{
	lockdep_assert_held(&lrc.lock);
	pr_warn_ratelimited("lock %u:%u: the node our request was forwarded to went down: the token is re-created here\n",
			    dsm_sync_key_region(l->key),
			    dsm_sync_key_id(l->key));
	dsm_stat_inc(DSM_STAT_LRC_TOKENS_RECREATED);
}

/*
 * A reply to a lock acquire request (cookie @cookie): an error, a fresh
 * token, or (@flags DSM_MGR_F_FORWARDED) the notice that the manager
 * forwarded it, which ends the wait's bound. A notice for a request that
 * is over (its grant came first) is accepted and does nothing.
 */
bool lrc_lock_reply(u64 cookie, u32 err, u32 flags)
{
	bool fwd = flags & DSM_MGR_F_FORWARDED;
	struct lrc_lock *l;
	bool found = fwd;
	unsigned long i;

	mutex_lock(&lrc.lock);
	xa_for_each(&lrc.locks, i, l) {
		if (!l->requesting || l->req_id != cookie)
			continue;
		found = true;
		if (fwd) {
			l->forwarded = true;
			lrc_lock_changed_locked(l);
		} else if (err) {
			/* dsmd bounds err to 1..4095 (netlink policy). */
			pr_warn_ratelimited("lock %u:%u: acquire request failed: %d (from dsmd)\n",
					    dsm_sync_key_region(l->key),
					    dsm_sync_key_id(l->key), -(int)err);
			lrc_lock_failed_locked(l, cookie, -(int)err);
			lrc_lock_put_locked(l);
		} else {
			if (l->forwarded)
				lrc_fwd_lost_locked(l);
			lrc_token_here_locked(l, NULL);
		}
		break;
	}
	mutex_unlock(&lrc.lock);
	return found;
}

/**
 * lrc_fail_lock_requests() - fail the lock requests in flight that
 * nothing will answer now, with -EHOSTDOWN.
 * @node:	a node declared down: the requests whose manager ran on it;
 *		or LRC_ALL_NODES (our dsmd gone): every request.
 *
 * A request forwarded to a node that goes down is not failed here: only
 * its manager knows where it went, and tells its dsmd, which answers it
 * with a fresh token (Documentation/lrc.md, "Failures"). The others wait
 * on. The grant of a failed request may still come (lrc_req_end_locked()).
 */
void lrc_fail_lock_requests(u32 node)
{
	struct lrc_lock *l;
	unsigned long i;

	mutex_lock(&lrc.lock);
	xa_for_each(&lrc.locks, i, l) {
		if (!l->requesting ||
		    (node != LRC_ALL_NODES && l->mgr != node))
			continue;
		lrc_req_end_locked(l, -EHOSTDOWN);
	}
	mutex_unlock(&lrc.lock);
}

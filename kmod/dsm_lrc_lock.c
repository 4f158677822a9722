// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_lrc_lock.c - lrc locks: the lock table, acquire and release, and
 * the acquire request to the lock's manager (through dsmd). The grants
 * that move the token are in dsm_lrc_grant.c, what dsmd answers in
 * dsm_lrc_lock_mgr.c.
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
struct lrc_lock *lrc_lock_find_locked(u64 key)
{
	lockdep_assert_held(&lrc.lock);
	return xa_load(&lrc.locks, key);
}

/* Under lrc.lock: lock @key's entry, made if new; NULL if out of memory. */
struct lrc_lock *lrc_lock_get_locked(u64 key)
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
void lrc_lock_put_locked(struct lrc_lock *l)
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
void lrc_lock_changed_locked(struct lrc_lock *l)
{
	lockdep_assert_held(&lrc.lock);
	WRITE_ONCE(l->gen, l->gen + 1);
	wake_up_all(&lrc.lock_wq);
}

/*
 * Under lrc.lock: forwards wait on @l with no token here, no request out,
 * nothing holding the lock, and no grant awaited any more (our request
 * failed and its grant did not come): re-create the token, without the
 * intervals the lost one carried (lrc.md "Failures").
 */
void lrc_recreate_locked(struct lrc_lock *l)
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
void lrc_req_end_locked(struct lrc_lock *l, int err)
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

/**
 * lrc_lock_req_encode() - a LOCK_REQ for lock @key (an acquire, or what
 * a kernel tells a new manager: dsm_lrc_lock_fo.c).
 * @key:	the lock's dsm_sync_key().
 * @requester:	the node asking.
 * @req_id:	its request id (0: none in flight, in a LOCK_STATE).
 * @vt:		the requester's timestamp.
 * @mgr:	the manager it goes to (header dst, "Manager payloads").
 * @buf:	LRC_LOCK_REQ_MAX bytes.
 *
 * Return: the length, or a negative errno.
 */
int lrc_lock_req_encode(u64 key, u32 requester, u64 req_id,
			const struct dsm_vt *vt, u32 mgr, u8 *buf)
{
	struct dsm_msg_hdr h = {
		.version = DSM_WIRE_VERSION_MAX,
		.type = DSM_MSG_LOCK_REQ,
		.epoch = dsm_home_epoch(),
		.src = lrc_self(),
		.dst = lrc_mgr_dst(mgr),
		.req_id = req_id,
	};
	struct dsm_msg_lock_req b = {
		.lock_id = dsm_sync_key_id(key),
		.region = dsm_sync_key_region(key),
		.requester = requester,
		.req_id = req_id,
		.vt = *vt,
	};
	struct dsm_wire_enc e;

	dsm_wire_enc_begin(&e, buf, LRC_LOCK_REQ_MAX, &h);
	dsm_wire_enc_lock_req(&e, &b);
	return dsm_wire_enc_end(&e);
}

/* Start an acquire request for @l. Under lrc.lock; drops and retakes it. */
static int lrc_lock_request_locked(struct lrc_lock *l)
{
	u8 buf[LRC_LOCK_REQ_MAX];
	u64 req_id = dsm_next_req_id();
	u32 mgr;
	int len, ret;

	lockdep_assert_held(&lrc.lock);
	/* The lock's manager: dsm_lock_manager() (kmod/core/dsm_members.c). */
	mgr = dsm_members_lock_mgr(l->key, 0);
	len = lrc_lock_req_encode(l->key, lrc_self(), req_id, &lrc.vt, mgr,
				  buf);
	if (len < 0)
		return len;
	l->requesting = true;
	l->req_id = req_id;
	l->mgr = mgr;
	l->mgr_down = false;
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

/*
 * Under lrc.lock: the acquire that just took @l: -EOWNERDEAD (once) if
 * its token was re-created after the node that had it died, like a
 * robust mutex whose owner died; the lock is held all the same. *@left:
 * re-created after that node left with it free (once): the acquire
 * learns the intervals it lacks before it returns (lrc_recreated_pull()).
 */
static int lrc_take_owner_dead_locked(struct lrc_lock *l, bool *left)
{
	lockdep_assert_held(&lrc.lock);
	*left = l->token_left && !l->owner_dead;
	l->token_left = false;
	if (*left)
		dsm_stat_inc(DSM_STAT_LRC_TOKEN_LEFT);
	if (!l->owner_dead)
		return 0;
	l->owner_dead = false;
	dsm_stat_inc(DSM_STAT_LRC_OWNER_DEAD);
	pr_info_ratelimited("lock %u:%u: its last holder's node died: acquired with EOWNERDEAD\n",
			    dsm_sync_key_region(l->key),
			    dsm_sync_key_id(l->key));
	return -EOWNERDEAD;
}

/*
 * The end of an acquire of @key that returns @ret: held with a re-created
 * token (-EOWNERDEAD, or 0 and @left), it first learns what the node that
 * had the token released (its backup keeps it) before the data is read.
 * Of one that left, all of it, else the caller hears that it may lack
 * some (-EOWNERDEAD). Sleeps (lrc.lock not held). Return: what the
 * acquire returns.
 */
static int lrc_acquired(u64 key, int ret, bool left)
{
	if (ret == -EOWNERDEAD)
		lrc_recreated_pull(key, true);
	else if (!ret && left && lrc_recreated_pull(key, false))
		ret = -EOWNERDEAD;
	return ret;
}

int lrc_acquire(struct dsm_file *f, u64 key)
{
	u64 start = ktime_get_ns(), my_req = 0;
	bool remote = false, left = false;
	struct lrc_lock *l;
	LIST_HEAD(outs);
	u32 dst = 0;
	int ret;

	ret = dsm_cluster_ready();
	if (ret)
		return ret;
	/* A leaving node gave its free tokens up (dsm_lrc_leave.c). */
	if (dsm_fence_leaving())
		return -EIO;
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
			/* Checked under lrc.lock, as lrc_leave() looks. */
			if (dsm_fence_leaving()) {
				ret = -EIO;
				break;
			}
			l->holder = f;
			l->reserved = false;
			ret = lrc_take_owner_dead_locked(l, &left);
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
	if (ret && ret != -EOWNERDEAD && !l->waiters && l->reserved) {
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
	ret = lrc_acquired(key, ret, left);
	if (!ret || ret == -EOWNERDEAD)
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

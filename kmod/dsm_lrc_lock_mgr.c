// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_lrc_lock_mgr.c - what dsmd says of lrc lock requests: the
 * LOCK_FORWARDs a manager sends this node as the lock's tail, the
 * replies to this node's own requests (fresh token, forwarded, failed),
 * and failing the requests nothing will answer (Documentation/lrc.md,
 * "Locks").
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": lrc: " fmt

#include <linux/ktime.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "dsm_lrc.h"
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
 * A reply to a lock acquire request (cookie @cookie): an error (with
 * DSM_MGR_F_MGR_DOWN: its manager is unreachable, the request waits to go
 * again to the next one: lrc_lock_mgr_down()), a fresh token (@flags
 * DSM_MGR_F_OWNER_DEAD: re-created because the node that had it died;
 * DSM_MGR_F_TOKEN_LEFT: because it left with the token free), or (@flags
 * DSM_MGR_F_FORWARDED) the notice that the manager forwarded it, which
 * ends the wait's bound. A notice for a request that is over (its grant
 * came first) is accepted and does nothing.
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
		} else if (err && (flags & DSM_MGR_F_MGR_DOWN)) {
			/* Sent again once the manager is declared down. */
			pr_info_ratelimited("lock %u:%u: manager node %u unreachable: waiting for it to be declared down (at most mgr_timeout_ms)\n",
					    dsm_sync_key_region(l->key),
					    dsm_sync_key_id(l->key), l->mgr);
			l->mgr_down = true;
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
			l->owner_dead = flags & DSM_MGR_F_OWNER_DEAD;
			l->token_left = flags & DSM_MGR_F_TOKEN_LEFT;
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

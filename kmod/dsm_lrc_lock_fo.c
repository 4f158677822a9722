// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_lrc_lock_fo.c - lock managers that fail over (Documentation/lrc.md,
 * "Failures: lock managers"). When node D is declared down, the locks D
 * managed move to the next member not lost after it (dsm_lock_manager()).
 * This node tells that new manager, through its dsmd, what it knows of
 * each of them (LOCK_STATE: the token is here, its request in flight and
 * whether it was forwarded, the forwards kept here), then that it is done
 * (LOCK_STATE with DSM_MGR_F_STATE_DONE), then sends again, with the same
 * id, its requests that were at D unanswered (dsmd said MGR_DOWN): the
 * new manager rebuilds each lock's tail from the survivors' states before
 * it answers any (tools/dsmd/mgr_lock_rb.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": lrc: " fmt

#include <linux/slab.h>

#include "dsm_lrc.h"

/* One MGR_REQUEST to send once lrc.lock is dropped. */
struct lrc_fo_msg {
	struct list_head list;
	u8 op;
	u32 id;
	u32 flags;
	u64 cookie;
	int len;
	u8 buf[LRC_LOCK_REQ_MAX];
};

/* Queue a LOCK_REQ payload of lock @key on @msgs (see lrc_lock_req_encode). */
int lrc_fo_add(struct list_head *msgs, u8 op, u64 key, u32 requester,
	       u64 req_id, const struct dsm_vt *vt, u32 flags, u32 mgr)
{
	struct lrc_fo_msg *m = kzalloc(sizeof(*m), GFP_KERNEL);
	int len;

	if (!m)
		return -ENOMEM;
	len = lrc_lock_req_encode(key, requester, req_id, vt, mgr, m->buf);
	if (len < 0) {
		kfree(m);
		return len;
	}
	m->op = op;
	m->id = dsm_sync_key_id(key);
	m->flags = flags;
	m->cookie = req_id;
	m->len = len;
	list_add_tail(&m->list, msgs);
	return 0;
}

/*
 * Under lrc.lock: what this node tells @mgr, the new manager of @l: one
 * LOCK_STATE for itself (the token, its request), one per forward kept
 * here (the forward's LOCK_REQ). Nothing if it holds nothing of @l.
 */
static int lrc_fo_report_locked(struct lrc_lock *l, u32 mgr,
				struct list_head *msgs)
{
	struct lrc_fwd *f;
	u32 flags = 0;
	int ret;

	lockdep_assert_held(&lrc.lock);
	if (!l->token && !l->requesting && list_empty(&l->fwds))
		return 0;
	if (l->token)
		flags |= DSM_MGR_F_HAS_TOKEN;
	if (l->requesting && l->forwarded)
		flags |= DSM_MGR_F_FORWARDED;
	ret = lrc_fo_add(msgs, DSM_MGR_LOCK_STATE, l->key, lrc_self(),
			 l->requesting ? l->req_id : 0, &lrc.vt, flags, mgr);
	list_for_each_entry(f, &l->fwds, list) {
		if (ret)
			break;
		ret = lrc_fo_add(msgs, DSM_MGR_LOCK_STATE, l->key, f->requester,
				 f->req_id, &f->vt, 0, mgr);
	}
	return ret;
}

/*
 * Under lrc.lock: the states of the locks @dead managed, on @msgs; their
 * requests dsmd could not deliver to @dead (@l->mgr_down) on @again, now
 * addressed to the new manager, with a new bound. Return: 0 or -ENOMEM.
 */
static int lrc_fo_collect_locked(u32 dead, struct list_head *msgs,
				 struct list_head *again)
{
	struct lrc_lock *l;
	unsigned long i;
	int ret = 0;
	u32 mgr;

	lockdep_assert_held(&lrc.lock);
	xa_for_each(&lrc.locks, i, l) {
		if (ret)
			break;
		if (dsm_members_lock_mgr(l->key, BIT_ULL(dead)) != dead)
			continue;
		mgr = dsm_members_lock_mgr(l->key, 0);
		ret = lrc_fo_report_locked(l, mgr, msgs);
		if (ret || !l->requesting || !l->mgr_down || l->mgr != dead)
			continue;
		ret = lrc_fo_add(again, DSM_MGR_LOCK_ACQUIRE, l->key,
				 lrc_self(), l->req_id, &lrc.vt, 0, mgr);
		l->mgr = mgr;
		l->mgr_down = false;
		l->deadline = jiffies + lrc_mgr_timeout();
		lrc_lock_changed_locked(l);
	}
	return ret;
}

/* Send @msgs to dsmd and free them; a request that cannot go ends. */
void lrc_fo_send(struct list_head *msgs)
{
	struct lrc_fo_msg *m, *tmp;
	struct lrc_lock *l;
	unsigned long i;
	int ret;

	list_for_each_entry_safe(m, tmp, msgs, list) {
		ret = dsm_nl_mgr_request(m->op, m->cookie, m->id, m->flags,
					 m->buf, m->len);
		if (m->op == DSM_MGR_LOCK_STATE)
			dsm_stat_inc(DSM_STAT_LRC_LOCK_STATES);
		else if (m->op == DSM_MGR_LOCK_RELEASE && ret)
			lrc_leave_reply(m->cookie, EHOSTDOWN);	/* not sent */
		else if (!ret)
			dsm_stat_inc(DSM_STAT_LRC_LOCK_RESENT);
		if (ret && m->op == DSM_MGR_LOCK_ACQUIRE) {
			mutex_lock(&lrc.lock);
			xa_for_each(&lrc.locks, i, l) {
				if (l->requesting && l->req_id == m->cookie) {
					lrc_req_end_locked(l, -EHOSTDOWN);
					break;
				}
			}
			mutex_unlock(&lrc.lock);
		}
		list_del(&m->list);
		kfree(m);
	}
}

void lrc_fo_free(struct list_head *msgs)
{
	struct lrc_fo_msg *m, *tmp;

	list_for_each_entry_safe(m, tmp, msgs, list) {
		list_del(&m->list);
		kfree(m);
	}
}

/**
 * lrc_lock_mgr_down() - node @dead was declared down: the locks it
 * managed move to the next manager (dsm_lock_manager()).
 * @dead:	the node.
 *
 * This node's dsmd routes to the new manager already (it marks a node
 * lost before it tells its kernel). Tell it the state of each lock @dead
 * managed, then DONE, then send again the requests that were at @dead
 * (same id: the new manager recognises one @dead had forwarded). A
 * request forwarded before @dead died waits on: the new manager finds it
 * in the states. Without memory for the states, DONE is not sent: the
 * new manager answers none of those locks, whose acquires then end with
 * ETIMEDOUT (mgr_timeout_ms), never with a second token. A node that
 * never came up is not lost: its locks stay with it, and the requests it
 * manages fail with EHOSTDOWN.
 */
void lrc_lock_mgr_down(u32 dead)
{
	LIST_HEAD(msgs);
	LIST_HEAD(again);
	int ret;

	if (!dsm_members_lost(dead)) {
		lrc_fail_lock_requests(dead);
		return;
	}
	mutex_lock(&lrc.lock);
	ret = lrc_fo_collect_locked(dead, &msgs, &again);
	mutex_unlock(&lrc.lock);
	if (ret) {
		pr_err("node %u down: cannot tell the new lock managers what this node holds (%d): their locks' acquires will time out\n",
		       dead, ret);
		lrc_fo_free(&msgs);
	} else {
		lrc_fo_send(&msgs);
		dsm_nl_mgr_request(DSM_MGR_LOCK_STATE, 0, dead,
				   DSM_MGR_F_STATE_DONE, NULL, 0);
	}
	lrc_fo_send(&again);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_lrc_leave.c - lrc's part of this node's graceful leave (issue 16
 * item 3; Documentation/lrc.md, "Leaving"; dsm_leave.c runs it).
 *
 * A node removed while up is lost to lrc like a dead one: what it
 * released survives through its backup, and a lock whose token it had
 * would be re-created for its next acquirer with EOWNERDEAD, although
 * nobody held it. So before the node goes, its kernel tells each such
 * lock's manager that the token is here, free, and never used here again
 * (MGR_REQUEST op LOCK_RELEASE): acquires are refused here from the start
 * of the leave (lrc_acquire(), checked under lrc.lock as this scan
 * runs), so a token free now stays free. A manager whose tail is still
 * this node forgets it and marks the lock (answer 0); its next acquirer
 * gets a fresh token flagged DSM_MGR_F_TOKEN_LEFT, learns the intervals
 * it lacks from every node up (lrc_recreated_pull(): this node while it
 * is, then its backup), and returns 0. A manager that forwarded a
 * request here since answers EBUSY: this node grants that forward as any
 * other (it serves its peers until it is removed). The leave waits for
 * the answers, at most mgr_timeout_ms, so that each mark is made before
 * dsmd reports the leave done and the node is removed; a notice not
 * answered by then leaves its lock as before (EOWNERDEAD for its next
 * acquirer once this node is removed).
 *
 * A lock this node manages itself is given up to its own dsmd, which
 * marks it and tells every member (dsmd protocol 10, mgr_lock_kept.c):
 * when the lock fails over after this node is gone, its next manager
 * marks it from that notice instead of owner dead.
 *
 * Not given up: a token held (its holder's critical section is cut off:
 * EOWNERDEAD is right), and one with a request, forward or mark of its
 * own.
 *
 * Locking: left.lock (a spinlock) guards the notices in flight; it is
 * taken alone. Only one leave runs at a time (dsm_leave.c's work).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": lrc: " fmt

#include <linux/slab.h>
#include <linux/wait.h>

#include "dsm_lrc.h"

/**
 * struct lrc_left - the notices of this node's leave in flight.
 * @lock:	guards the fields below.
 * @cookies:	each notice's MGR cookie, 0 once answered (@nr of them).
 * @nr:		notices sent; 0: no leave waits.
 * @open:	not answered yet.
 * @taken:	answered 0: the manager marked the lock.
 * @wq:		the leave waits here for @open to reach 0.
 */
static struct lrc_left {
	spinlock_t lock;	/* see above; taken alone */
	u64 *cookies;
	u32 nr;
	u32 open;
	u32 taken;
	wait_queue_head_t wq;
} left = {
	.lock = __SPIN_LOCK_UNLOCKED(left.lock),
	.wq = __WAIT_QUEUE_HEAD_INITIALIZER(left.wq),
};

/* Under lrc.lock: is @l's token here, free, with nothing else of it? */
static bool lrc_leave_gives_up(const struct lrc_lock *l)
{
	lockdep_assert_held(&lrc.lock);
	return l->token && !l->holder && !l->requesting && !l->reserved &&
	       !l->waiters && list_empty(&l->fwds) && !l->owner_dead &&
	       !l->token_left;
}

/**
 * lrc_leave_reply() - dsmd's answer to a LOCK_RELEASE of this leave.
 * @cookie:	its MGR cookie.
 * @err:	0: the manager marked the lock; else why not (EBUSY: a
 *		request was forwarded here since; EHOSTDOWN ...).
 *
 * Return: true if it was one (it is taken), false if no leave sent it.
 */
bool lrc_leave_reply(u64 cookie, u32 err)
{
	bool found = false, done = false;
	u32 i;

	if (!cookie)
		return false;
	spin_lock(&left.lock);
	for (i = 0; i < left.nr && !found; i++) {
		if (left.cookies[i] != cookie)
			continue;
		found = true;
		left.cookies[i] = 0;
		left.open--;
		left.taken += !err;
		done = !left.open;
	}
	spin_unlock(&left.lock);
	if (done)
		wake_up(&left.wq);
	return found;
}

/* Under lrc.lock: the notices onto @msgs, their cookies into @cookies. */
static int lrc_leave_collect_locked(struct list_head *msgs, u64 *cookies,
				    u32 max, u32 *n)
{
	u32 self = lrc_self();
	struct lrc_lock *l;
	unsigned long i;
	int ret = 0;

	lockdep_assert_held(&lrc.lock);
	xa_for_each(&lrc.locks, i, l) {
		if (!lrc_leave_gives_up(l))
			continue;
		if (*n == max)
			return -E2BIG;
		cookies[*n] = dsm_next_req_id();
		ret = lrc_fo_add(msgs, DSM_MGR_LOCK_RELEASE, l->key, self,
				 cookies[*n], &lrc.vt, 0,
				 dsm_members_lock_mgr(l->key, 0));
		if (ret)
			return ret;
		(*n)++;
	}
	return 0;
}

/**
 * lrc_leave() - the model op @leave: give this node's free tokens up.
 *
 * Local accesses and acquires are refused already (dsm_fence_leave()).
 * Sleeps, at most mgr_timeout_ms for the managers' answers. Return: 0,
 * or -ENOMEM (nothing sent; LEAVE again tries again).
 */
int lrc_leave(void)
{
	u32 n = 0, max, taken, open;
	LIST_HEAD(msgs);
	u64 *cookies;
	int ret;

	mutex_lock(&lrc.lock);
	max = xa_empty(&lrc.locks) ? 0 : LRC_LEAVE_MAX;
	mutex_unlock(&lrc.lock);
	if (!max)
		return 0;
	cookies = kcalloc(max, sizeof(*cookies), GFP_KERNEL);
	if (!cookies)
		return -ENOMEM;
	mutex_lock(&lrc.lock);
	ret = lrc_leave_collect_locked(&msgs, cookies, max, &n);
	mutex_unlock(&lrc.lock);
	if (ret == -E2BIG) {
		pr_warn("leave: more than %u free lock tokens here: the others' next acquirers get EOWNERDEAD\n",
			max);
		ret = 0;
	}
	if (ret || !n) {
		lrc_fo_free(&msgs);
		kfree(cookies);
		if (ret)
			pr_warn("leave: cannot give up this node's free lock tokens (%d)\n",
				ret);
		return ret;
	}
	spin_lock(&left.lock);
	left.cookies = cookies;
	left.nr = n;
	left.open = n;
	left.taken = 0;
	spin_unlock(&left.lock);
	lrc_fo_send(&msgs);
	wait_event_timeout(left.wq, !READ_ONCE(left.open), lrc_mgr_timeout());
	spin_lock(&left.lock);
	taken = left.taken;
	open = left.open;
	left.nr = 0;
	left.cookies = NULL;
	spin_unlock(&left.lock);
	kfree(cookies);
	dsm_stat_add(DSM_STAT_LRC_TOKENS_GIVEN_UP, taken);
	pr_info("leave: %u of %u free lock tokens given up to their managers%s\n",
		taken, n, open ? " (some did not answer in time)" : "");
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_lrc_barrier.c - lrc barriers: the arrival (BARRIER_ARRIVE with the
 * intervals since the last release, through dsmd to the barrier manager),
 * the wait for the release, learning its intervals, and starting the
 * garbage collection a release asks for.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": lrc: " fmt

#include <linux/completion.h>
#include <linux/ktime.h>
#include <linux/slab.h>

#include "dsm_lrc.h"

/*
 * Under lrc.bar_mutex: the arrival (or GC_DONE, @gc_round) @cookie at
 * barrier @id waits in lrc.bw from now on.
 */
void lrc_bw_begin(u64 cookie, u32 id, bool gc_round)
{
	lockdep_assert_held(&lrc.bar_mutex);
	spin_lock(&lrc.wait_lock);
	memset(&lrc.bw, 0, sizeof(lrc.bw));
	init_completion(&lrc.bw.done);
	lrc.bw.cookie = cookie;
	lrc.bw.id = id;
	lrc.bw.gc_round = gc_round;
	lrc.bw_active = true;
	spin_unlock(&lrc.wait_lock);
	dsm_stat_inc(DSM_STAT_LRC_BARRIERS_HELD);
}

/*
 * Under lrc.bar_mutex: the wait in lrc.bw is over (@ret: how it ended
 * for the waiter, 0 if answered). Return: @ret, else the answer's error;
 * *@gc: the release asked for a collection.
 */
int lrc_bw_end(int ret, bool *gc)
{
	lockdep_assert_held(&lrc.bar_mutex);
	spin_lock(&lrc.wait_lock);
	lrc.bw_active = false;
	if (!ret) {
		ret = lrc.bw.err;
		if (gc)
			*gc = lrc.bw.gc;
	}
	spin_unlock(&lrc.wait_lock);
	dsm_stat_add(DSM_STAT_LRC_BARRIERS_HELD, -1ULL);
	return ret;
}

/* Under lrc.lock: every interval newer than the last release's VT. */
static int lrc_since_release_locked(const struct dsm_interval ***out)
{
	lockdep_assert_held(&lrc.lock);
	return lrc_missing_locked(&lrc.bar_vt, out);
}

int lrc_barrier(struct dsm_file *f, u32 id)
{
	const struct dsm_interval **ivs = NULL;
	u64 start = ktime_get_ns(), cookie;
	struct lrc_out *o;
	LIST_HEAD(outs);
	bool gc = false;
	u32 flags;
	int n, ret;

	ret = dsm_cluster_ready();
	if (ret)
		return ret;
	if (mutex_lock_killable(&lrc.bar_mutex))
		return -EINTR;
	ret = lrc_end_interval();
	if (ret)
		goto unlock;
	cookie = dsm_next_req_id();
	mutex_lock(&lrc.lock);
	n = lrc_since_release_locked(&ivs);
	if (n >= 0) {
		u32 mgr = dsm_members_home(0);

		/*
		 * The lowest member manages barriers (home of page 0). Epoch
		 * 0: no barrier state outlives its episode, here or at the
		 * manager (Documentation/lrc.md, "Barrier epochs").
		 */
		ret = lrc_encode_set_locked(DSM_MSG_BARRIER_ARRIVE,
					    lrc_mgr_dst(mgr), cookie,
					    id, 0, ivs, n,
					    DSM_MGR_PAYLOAD_MAX, &outs);
		kvfree(ivs);
	} else {
		ret = n;
	}
	mutex_unlock(&lrc.lock);
	if (ret)
		goto out;
	flags = lrc_gc_wanted() ? DSM_MGR_F_GC_WANTED : 0;
	lrc_bw_begin(cookie, id, false);
	list_for_each_entry(o, &outs, list) {
		ret = dsm_nl_mgr_request(DSM_MGR_BARRIER, cookie, id,
					 o->flags | flags, o->data, o->len);
		if (ret)
			break;
	}
	if (!ret) {
		dsm_stat_inc(DSM_STAT_LRC_BARRIER_WAITS);
		if (wait_for_completion_killable(&lrc.bw.done))
			ret = -EINTR;
	}
	ret = lrc_bw_end(ret, &gc);
	if (!ret) {
		dsm_stat_add(DSM_STAT_LRC_BARRIER_WAIT_US,
			     div_u64(ktime_get_ns() - start, NSEC_PER_USEC));
		if (gc)
			ret = lrc_gc(id);
	}
out:
	lrc_out_free(&outs);
unlock:
	mutex_unlock(&lrc.bar_mutex);
	return ret;
}

/* Complete the barrier wait of @cookie (if still waiting). */
static bool lrc_bw_finish(u64 cookie, int err, bool gc)
{
	bool found;

	spin_lock(&lrc.wait_lock);
	found = lrc.bw_active && lrc.bw.cookie == cookie;
	if (found && !completion_done(&lrc.bw.done)) {
		lrc.bw.err = err;
		lrc.bw.gc = gc;
		complete(&lrc.bw.done);
	}
	spin_unlock(&lrc.wait_lock);
	return found;
}

/* A BARRIER_RELEASE fragment (or an error) for the waiting arrival. */
int lrc_barrier_reply(u64 cookie, u32 err, u32 flags, const void *p,
		      u32 len, struct netlink_ext_ack *extack)
{
	struct lrc_learn learn = {};
	bool found, gc_round = false;
	struct dsm_msg m;
	u32 id = 0;
	int ret;

	spin_lock(&lrc.wait_lock);
	found = lrc.bw_active && lrc.bw.cookie == cookie;
	if (found) {
		id = lrc.bw.id;
		gc_round = lrc.bw.gc_round;
	}
	spin_unlock(&lrc.wait_lock);
	if (!found)
		return -ENOENT;
	if (gc_round) {
		if (p || flags) {
			NL_SET_ERR_MSG_MOD(extack,
					   "a GC_DONE reply carries no payload and no flags");
			return -EINVAL;
		}
		lrc_bw_finish(cookie, err ? -(int)err : 0, false);
		return 0;
	}
	if (err) {
		lrc_bw_finish(cookie, -(int)err, false);
		return 0;
	}
	if (!p || dsm_wire_decode(p, len, &m, NULL) ||
	    m.hdr.type != DSM_MSG_BARRIER_RELEASE ||
	    m.u.barrier.barrier_id != id) {
		NL_SET_ERR_MSG_MOD(extack,
				   "payload is not a BARRIER_RELEASE of this barrier");
		return -EINVAL;
	}
	mutex_lock(&lrc.lock);
	ret = lrc_learn_locked(&m.u.barrier.iv, &learn);
	mutex_unlock(&lrc.lock);
	/* Invalidate before the barrier returns. */
	lrc_learn_finish(&learn);
	if (ret) {
		lrc_bw_finish(cookie, ret, false);
		return 0;
	}
	if (flags & DSM_MGR_F_MORE)
		return 0;
	mutex_lock(&lrc.lock);
	/* A timestamp claiming intervals nobody sent us is not merged. */
	ret = lrc_vt_check_locked(&m.u.barrier.iv.vt);
	if (!ret) {
		dsm_vt_merge(&lrc.vt, &m.u.barrier.iv.vt);
		lrc.bar_vt = m.u.barrier.iv.vt;
	}
	mutex_unlock(&lrc.lock);
	if (ret)
		lrc_bw_finish(cookie, ret, false);
	else
		lrc_bw_finish(cookie, 0, flags & DSM_MGR_F_GC);
	return 0;
}

/* Fail the barrier wait, if any, with -EHOSTDOWN. */
void lrc_fail_barrier(void)
{
	spin_lock(&lrc.wait_lock);
	if (lrc.bw_active && !completion_done(&lrc.bw.done)) {
		lrc.bw.err = -EHOSTDOWN;
		complete(&lrc.bw.done);
	}
	spin_unlock(&lrc.wait_lock);
}

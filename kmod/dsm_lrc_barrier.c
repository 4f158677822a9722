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

/* Under lrc.lock: barrier @id's epoch entry, made if new; NULL if no memory. */
static struct lrc_barrier *lrc_barrier_get_locked(u32 id)
{
	struct lrc_barrier *b;

	lockdep_assert_held(&lrc.lock);
	b = xa_load(&lrc.barriers, id);
	if (b)
		return b;
	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return NULL;
	b->id = id;
	/* -ENOMEM; not -EBUSY: @id is not in the table, under lrc.lock. */
	if (xa_insert(&lrc.barriers, id, b, GFP_KERNEL)) {
		kfree(b);
		return NULL;
	}
	return b;
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
	struct lrc_barrier *b;
	struct lrc_out *o;
	LIST_HEAD(outs);
	u32 flags, epoch = 0;
	bool gc = false;
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
	b = lrc_barrier_get_locked(id);
	n = b ? lrc_since_release_locked(&ivs) : -ENOMEM;
	if (n >= 0) {
		u32 mgr = dsm_members_home(0);

		/* The lowest member manages barriers (home of page 0). */
		ret = lrc_encode_set_locked(DSM_MSG_BARRIER_ARRIVE,
					    lrc_mgr_dst(mgr), cookie,
					    id, b->epoch, ivs, n,
					    DSM_MGR_PAYLOAD_MAX, &outs);
		kvfree(ivs);
	} else {
		ret = n;
	}
	mutex_unlock(&lrc.lock);
	if (ret)
		goto out;
	flags = lrc_gc_wanted() ? DSM_MGR_F_GC_WANTED : 0;
	spin_lock(&lrc.wait_lock);
	memset(&lrc.bw, 0, sizeof(lrc.bw));
	init_completion(&lrc.bw.done);
	lrc.bw.cookie = cookie;
	lrc.bw.id = id;
	lrc.bw_active = true;
	spin_unlock(&lrc.wait_lock);
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
	spin_lock(&lrc.wait_lock);
	lrc.bw_active = false;
	if (!ret) {
		ret = lrc.bw.err;
		gc = lrc.bw.gc;
		epoch = lrc.bw.epoch;
	}
	spin_unlock(&lrc.wait_lock);
	if (!ret) {
		mutex_lock(&lrc.lock);
		b->epoch = epoch + 1;
		mutex_unlock(&lrc.lock);
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
static bool lrc_bw_finish(u64 cookie, int err, bool gc, u32 epoch)
{
	bool found;

	spin_lock(&lrc.wait_lock);
	found = lrc.bw_active && lrc.bw.cookie == cookie;
	if (found && !completion_done(&lrc.bw.done)) {
		lrc.bw.err = err;
		lrc.bw.gc = gc;
		lrc.bw.epoch = epoch;
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
		lrc_bw_finish(cookie, err ? -(int)err : 0, false, 0);
		return 0;
	}
	if (err) {
		lrc_bw_finish(cookie, -(int)err, false, 0);
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
		lrc_bw_finish(cookie, ret, false, 0);
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
		lrc_bw_finish(cookie, ret, false, 0);
	else
		lrc_bw_finish(cookie, 0, flags & DSM_MGR_F_GC,
			      m.u.barrier.epoch);
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

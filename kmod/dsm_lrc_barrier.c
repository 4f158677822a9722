// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_lrc_barrier.c - lrc barriers: the arrival (BARRIER_ARRIVE with the
 * intervals since the last release, through dsmd to the barrier manager),
 * the wait for the release, learning its intervals, and starting the
 * garbage collection a release asks for; an arrival whose caller was
 * killed is still followed to its release (lrc.orphan).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": lrc: " fmt

#include <linux/completion.h>
#include <linux/ktime.h>
#include <linux/slab.h>

#include "dsm_lrc.h"

/*
 * Under lrc.bar_mutex: the arrival (or GC_DONE, @gc_round) @cookie at
 * barrier @key (dsm_sync_key()), sent to manager @mgr, waits in lrc.bw
 * from now on.
 */
void lrc_bw_begin(u64 cookie, u64 key, u32 mgr, bool gc_round)
{
	lockdep_assert_held(&lrc.bar_mutex);
	spin_lock(&lrc.wait_lock);
	memset(&lrc.bw, 0, sizeof(lrc.bw));
	init_completion(&lrc.bw.done);
	lrc.bw.cookie = cookie;
	lrc.bw.key = key;
	lrc.bw.gc_round = gc_round;
	lrc.bw.mgr = mgr;
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

/*
 * Under lrc.bar_mutex: the caller of the arrival waiting in lrc.bw leaves
 * before its release (a fatal signal). The arrival stays at the manager
 * until this node arrives again (the manager then drops it, dsmd's
 * supersede rule); until then its release may still come, and is learned
 * as if the caller were there (lrc.orphan), with the collection it may
 * ask for run by lrc.orphan_work. So the node's state follows every
 * barrier its arrivals counted for.
 */
static void lrc_bw_orphan(void)
{
	bool gc = false, drop = false;

	lockdep_assert_held(&lrc.bar_mutex);
	spin_lock(&lrc.wait_lock);
	lrc.bw_active = false;
	if (completion_done(&lrc.bw.done)) {
		/* Answered meanwhile: learned already, maybe a collection. */
		gc = !lrc.bw.err && lrc.bw.gc;
		if (gc) {
			lrc.orphan_gc = true;
			lrc.orphan_gc_id = dsm_sync_key_id(lrc.bw.key);
		}
		drop = true;
	} else {
		/* At most one: an older one's release cannot come now. */
		drop = lrc.orphan;
		lrc.orphan = true;
		lrc.orphan_cookie = lrc.bw.cookie;
		lrc.orphan_key = lrc.bw.key;
		lrc.orphan_mgr = lrc.bw.mgr;
	}
	spin_unlock(&lrc.wait_lock);
	if (drop)
		dsm_stat_add(DSM_STAT_LRC_BARRIERS_HELD, -1ULL);
	if (gc)
		schedule_work(&lrc.orphan_work);
}

/*
 * Under lrc.bar_mutex: run the collection the release of an orphaned
 * arrival asked for, if it is still to be done (before this node arrives
 * anywhere else: the others wait for its GC_DONE).
 */
static void lrc_orphan_gc(void)
{
	bool run;
	u32 id;

	lockdep_assert_held(&lrc.bar_mutex);
	spin_lock(&lrc.wait_lock);
	run = lrc.orphan_gc;
	id = lrc.orphan_gc_id;
	lrc.orphan_gc = false;
	spin_unlock(&lrc.wait_lock);
	if (run)
		lrc_gc(id);
}

/*
 * Under lrc.bar_mutex, a barrier call or an orphan's collection over:
 * runs may grow again unless an orphaned arrival may still collect (its
 * release not in, or its collection not run yet: lrc_orphan_gc()).
 */
static void lrc_runs_on(void)
{
	bool on;

	lockdep_assert_held(&lrc.bar_mutex);
	spin_lock(&lrc.wait_lock);
	on = !lrc.orphan && !lrc.orphan_gc;
	spin_unlock(&lrc.wait_lock);
	if (on)
		WRITE_ONCE(lrc.runs_off, false);
}

/* lrc.orphan_work: lrc_orphan_gc() when no barrier call comes first. */
void lrc_orphan_work_fn(struct work_struct *work)
{
	mutex_lock(&lrc.bar_mutex);
	lrc_orphan_gc();
	lrc_runs_on();
	mutex_unlock(&lrc.bar_mutex);
}

/*
 * Under lrc.bar_mutex: build the arrival at barrier @key (cookie @cookie)
 * for manager @mgr onto @outs: the intervals since the last release.
 */
static int lrc_arrival(u64 key, u32 mgr, u64 cookie, struct list_head *outs)
{
	const struct dsm_interval **ivs = NULL;
	int n, ret;

	lockdep_assert_held(&lrc.bar_mutex);
	mutex_lock(&lrc.lock);
	n = lrc_since_release_locked(&ivs);
	/*
	 * The lowest member not lost manages barriers. Epoch 0: no
	 * barrier state outlives its episode, here or at the manager
	 * (Documentation/lrc.md, "Barrier epochs").
	 */
	ret = n < 0 ? n : lrc_encode_set_locked(DSM_MSG_BARRIER_ARRIVE,
						lrc_mgr_dst(mgr), cookie, key,
						0, ivs, n, DSM_MGR_PAYLOAD_MAX,
						outs);
	mutex_unlock(&lrc.lock);
	kvfree(ivs);
	return ret;
}

/*
 * Under lrc.bar_mutex: arrive at barrier @key at manager @mgr and wait for
 * the release. Return: 0 or an error; *@gc: the release asks for a
 * collection; *@mgr_down: the error is -EHOSTDOWN because @mgr's node is
 * unreachable or was declared down (lrc.bw.mgr_down).
 */
static int lrc_arrive(u64 key, u32 mgr, bool *gc, bool *mgr_down)
{
	u64 cookie = dsm_next_req_id();
	struct lrc_out *o;
	LIST_HEAD(outs);
	u32 flags;
	int ret;

	*mgr_down = false;
	ret = lrc_arrival(key, mgr, cookie, &outs);
	if (ret)
		goto out;
	flags = lrc_gc_wanted() ? DSM_MGR_F_GC_WANTED : 0;
	lrc_bw_begin(cookie, key, mgr, false);
	list_for_each_entry(o, &outs, list) {
		ret = dsm_nl_mgr_request(DSM_MGR_BARRIER, cookie,
					 dsm_sync_key_id(key),
					 o->flags | flags, o->data, o->len);
		if (ret)
			break;
	}
	if (!ret) {
		dsm_stat_inc(DSM_STAT_LRC_BARRIER_WAITS);
		if (wait_for_completion_killable(&lrc.bw.done)) {
			lrc_bw_orphan();
			ret = -EINTR;
			goto out;
		}
	}
	ret = lrc_bw_end(ret, gc);
	spin_lock(&lrc.wait_lock);
	*mgr_down = ret == -EHOSTDOWN && lrc.bw.mgr_down;
	spin_unlock(&lrc.wait_lock);
out:
	lrc_out_free(&outs);
	return ret;
}

/*
 * Under lrc.bar_mutex: an arrival at manager @mgr failed because its node
 * is unreachable. Wait, at most mgr_timeout_ms, for @mgr to be declared
 * down (lrc_bar_node_down() wakes us). Return: true if it was: arrive
 * again, at the next manager (dsmd routes there already: it marks a node
 * lost before it tells this kernel the node is down).
 */
static bool lrc_bar_mgr_lost(u32 mgr)
{
	long left;

	if (mgr == lrc_self())
		return false;
	left = wait_event_killable_timeout(lrc.lock_wq, dsm_members_lost(mgr),
					   lrc_mgr_timeout());
	return left > 0;
}

/*
 * Barrier @key (dsm_sync_key()): the manager is the lowest member not lost
 * (dsm_barrier_manager()), whatever the namespace; the namespace keeps one
 * region's barrier 5 from completing another's. When the manager's node
 * dies, the arrival is made again at the next one, which completes the
 * barrier among the survivors (Documentation/lrc.md, "Failures"). A
 * collection (GC_DONE) is cluster-wide and names the barrier's id only.
 */
int lrc_barrier(struct dsm_file *f, u64 key)
{
	u64 start = ktime_get_ns();
	bool gc = false, mgr_down;
	u32 mgr, tries;
	int ret;

	ret = dsm_cluster_ready();
	if (ret)
		return ret;
	if (mutex_lock_killable(&lrc.bar_mutex))
		return -EINTR;
	lrc_orphan_gc();
	/* Until its collection, if any, is over: no run grows past it. */
	WRITE_ONCE(lrc.runs_off, true);
	ret = lrc_end_interval();
	/* Their readers get the intervals' diffs before the release. */
	if (!ret)
		lrc_push_interval(READ_ONCE(lrc.vt.c[lrc_self()]));
	if (!ret)
		ret = lrc_backup();
	/* A lost writer's releases kept here go to the others (pull.c). */
	if (!ret)
		ret = lrc_learn_kept();
	/* Each try follows one more manager declared down: bounded. */
	for (tries = 0; !ret; tries++) {
		mgr = dsm_members_barrier_mgr();
		ret = lrc_arrive(key, mgr, &gc, &mgr_down);
		if (!ret || !mgr_down || tries >= DSM_NODES_MAX ||
		    !lrc_bar_mgr_lost(mgr))
			break;
		pr_info_ratelimited("barrier %u:%u: manager node %u is down: arriving again, at node %u\n",
				    dsm_sync_key_region(key),
				    dsm_sync_key_id(key), mgr,
				    dsm_members_barrier_mgr());
		ret = 0;
	}
	if (!ret) {
		dsm_stat_add(DSM_STAT_LRC_BARRIER_WAIT_US,
			     div_u64(ktime_get_ns() - start, NSEC_PER_USEC));
		if (gc)
			ret = lrc_gc(dsm_sync_key_id(key));
		/* Pushed diffs this barrier made useless go. */
		lrc_push_sweep();
		/* A restarted node that joined here tells the members. */
		if (!ret)
			ret = lrc_restarted(true);
	}
	lrc_runs_on();
	mutex_unlock(&lrc.bar_mutex);
	return ret;
}

/*
 * Complete the barrier wait of @cookie: the caller's (lrc.bw), or an
 * orphaned arrival's (lrc.orphan, whose collection lrc.orphan_work then
 * runs). The answer to the node's newest arrival also ends the orphan's:
 * dsmd passes the manager's answers in order, so an older arrival's
 * release would have come first.
 */
static void lrc_bw_finish(u64 cookie, int err, bool gc, bool mgr_down)
{
	bool drop = false, run_gc = false;

	spin_lock(&lrc.wait_lock);
	if (lrc.bw_active && lrc.bw.cookie == cookie) {
		if (!completion_done(&lrc.bw.done)) {
			lrc.bw.err = err;
			lrc.bw.gc = gc;
			lrc.bw.mgr_down = mgr_down;
			complete(&lrc.bw.done);
		}
		drop = lrc.orphan && !lrc.bw.gc_round;
	} else if (lrc.orphan && lrc.orphan_cookie == cookie) {
		drop = true;
		/* A new arrival is out: its barrier waits for no GC_DONE. */
		run_gc = !err && gc && !lrc.bw_active;
		if (!err && gc && lrc.bw_active)
			pr_warn("barrier %u:%u: collection skipped here: the arrival was interrupted and this node arrived again\n",
				dsm_sync_key_region(lrc.orphan_key),
				dsm_sync_key_id(lrc.orphan_key));
		if (run_gc) {
			lrc.orphan_gc = true;
			lrc.orphan_gc_id = dsm_sync_key_id(lrc.orphan_key);
		}
	}
	if (drop)
		lrc.orphan = false;
	spin_unlock(&lrc.wait_lock);
	if (drop)
		dsm_stat_add(DSM_STAT_LRC_BARRIERS_HELD, -1ULL);
	if (run_gc)
		schedule_work(&lrc.orphan_work);
}

/* A BARRIER_RELEASE fragment (or an error) for an arrival (or orphan). */
int lrc_barrier_reply(u64 cookie, u32 err, u32 flags, const void *p,
		      u32 len, struct netlink_ext_ack *extack)
{
	struct lrc_learn learn = {};
	bool found, gc_round = false;
	struct dsm_msg m;
	u64 key = 0;
	int ret;

	spin_lock(&lrc.wait_lock);
	found = lrc.bw_active && lrc.bw.cookie == cookie;
	if (found) {
		key = lrc.bw.key;
		gc_round = lrc.bw.gc_round;
	} else if (lrc.orphan && lrc.orphan_cookie == cookie) {
		found = true;
		key = lrc.orphan_key;
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
		lrc_bw_finish(cookie, err ? -(int)err : 0, false, false);
		return 0;
	}
	if ((flags & ~(DSM_MGR_F_MORE | DSM_MGR_F_GC | DSM_MGR_F_JOIN) ||
	     (flags & DSM_MGR_F_JOIN && (flags & DSM_MGR_F_MORE ||
					 !(flags & DSM_MGR_F_GC)))) &&
	    (!err || flags != DSM_MGR_F_MGR_DOWN)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "a barrier reply has MORE and GC (JOIN with GC, alone), or MGR_DOWN alone on an error");
		return -EINVAL;
	}
	if (err) {
		lrc_bw_finish(cookie, -(int)err, false,
			      flags & DSM_MGR_F_MGR_DOWN);
		return 0;
	}
	if (!p || dsm_wire_decode(p, len, &m, NULL) ||
	    m.hdr.type != DSM_MSG_BARRIER_RELEASE ||
	    dsm_sync_key(m.u.barrier.region, m.u.barrier.barrier_id) != key) {
		NL_SET_ERR_MSG_MOD(extack,
				   "payload is not a BARRIER_RELEASE of this barrier");
		return -EINVAL;
	}
	mutex_lock(&lrc.lock);
	ret = lrc_learn_locked(&m.u.barrier.iv, &learn);
	mutex_unlock(&lrc.lock);
	/* Invalidate before the barrier returns; prefetch what is in use. */
	lrc_learn_finish(&learn, !ret && !(flags & LRC_NO_PREFETCH) ?
				 lrc_prefetch_max() : 0);
	if (ret) {
		lrc_bw_finish(cookie, ret, false, false);
		return 0;
	}
	if (flags & DSM_MGR_F_MORE)
		return 0;
	mutex_lock(&lrc.lock);
	/*
	 * A timestamp claiming intervals nobody sent us is not merged; but
	 * a node that joins here takes it (lrc_join_vt_locked()).
	 */
	if (flags & DSM_MGR_F_JOIN)
		ret = lrc_join_vt_locked(&m.u.barrier.iv.vt);
	else
		ret = lrc_vt_check_locked(&m.u.barrier.iv.vt);
	if (!ret) {
		dsm_vt_merge(&lrc.vt, &m.u.barrier.iv.vt);
		lrc.bar_vt = m.u.barrier.iv.vt;
	}
	mutex_unlock(&lrc.lock);
	if (ret)
		lrc_bw_finish(cookie, ret, false, false);
	else
		lrc_bw_finish(cookie, 0, flags & DSM_MGR_F_GC, false);
	return 0;
}

/*
 * Fail the barrier wait, if any, with -EHOSTDOWN; an orphaned arrival's
 * release will not come either.
 */
void lrc_fail_barrier(void)
{
	bool drop;

	spin_lock(&lrc.wait_lock);
	if (lrc.bw_active && !completion_done(&lrc.bw.done)) {
		lrc.bw.err = -EHOSTDOWN;
		complete(&lrc.bw.done);
	}
	drop = lrc.orphan;
	lrc.orphan = false;
	spin_unlock(&lrc.wait_lock);
	if (drop)
		dsm_stat_add(DSM_STAT_LRC_BARRIERS_HELD, -1ULL);
}

/**
 * lrc_bar_node_down() - node @id was declared down.
 * @id:	the node.
 *
 * If the barrier wait (or GC_DONE round) was at @id's manager, its
 * release will not come: the wait ends with -EHOSTDOWN, and an arrival
 * (not a GC_DONE) is made again at the next manager (lrc_barrier()). An
 * orphaned arrival at @id is dropped. Wakes every lrc_bar_mgr_lost().
 */
void lrc_bar_node_down(u32 id)
{
	bool drop = false;

	spin_lock(&lrc.wait_lock);
	if (lrc.bw_active && lrc.bw.mgr == id &&
	    !completion_done(&lrc.bw.done)) {
		lrc.bw.err = -EHOSTDOWN;
		lrc.bw.mgr_down = !lrc.bw.gc_round;
		complete(&lrc.bw.done);
	}
	if (lrc.orphan && lrc.orphan_mgr == id) {
		lrc.orphan = false;
		drop = true;
	}
	spin_unlock(&lrc.wait_lock);
	if (drop)
		dsm_stat_add(DSM_STAT_LRC_BARRIERS_HELD, -1ULL);
	wake_up_all(&lrc.lock_wq);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_lrc.c - the lrc consistency model: lazy release consistency with
 * multiple writers (TreadMarks), as Documentation/lrc.md specifies. This
 * file holds its node-wide state (lrc), setup and teardown, what happens
 * when a node or dsmd goes away, the dispatch of the messages from peers
 * and of the replies from dsmd, and the ops table; dsm_lrc.h lists the
 * other files, the state's structures and the lock order.
 *
 * Per page (struct lrc_pg, hung off struct dsm_pg): the access the local
 * mappings have, the twin and the interval it belongs to, the diffs this
 * node made of its own intervals, the pending write notices of other
 * nodes, and after a garbage collection the node to copy the page from.
 *
 * Node-wide (struct dsm_lrc): this node's VT, the write notices of the
 * open interval, every interval known (a core struct dsm_iset whose
 * per-creator rings grow as needed), the VT of the last barrier release,
 * the lock table and the waits for replies. Nothing is kept per barrier
 * id: a barrier's state is its one arrival in progress (lrc.bw).
 *
 * Faults (dsm_lrc_fetch.c): a page is valid when it has no pending notice
 * (and was not dropped by a collection); an access to an invalid page
 * starts a fetch (one per page, concurrent faults join it, as for sc): one
 * DIFF_REQ per creator of the pending notices, sent in parallel, waited
 * for at most fault_timeout_ms (killable), then the diffs are applied in
 * dsm_interval_cmp() order under the folio lock. The first write of an
 * interval makes the twin, or keeps the twin of the page's run of earlier
 * own intervals (Documentation/lrc.md "Runs": one diff for the run, made
 * when first needed), and records the notice (dsm_lrc_page.c). An
 * interval ends at a lock release, a barrier arrival or an acquire: its
 * pages are write-protected (so that the next write is recorded); diffs
 * are made lazily (dsm_lrc_serve.c). A barrier release with MGR_F_GC collects the
 * consistency data up to its VT (dsm_lrc_gc.c); a page dropped then is
 * refetched whole.
 *
 * Locks and barriers go through dsmd (MGR_REQUEST / MGR_REPLY /
 * LOCK_FORWARD over netlink, dsm_nl.c); grants and diffs travel over the
 * data transport. Replies and forwards from dsmd are decoded with the core
 * decoder and checked like any peer message.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": lrc: " fmt

#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "dsm_lrc.h"

/* This node's lrc state (struct dsm_lrc, dsm_lrc.h). */
struct dsm_lrc lrc;

static unsigned int mgr_timeout_ms = 120000;
module_param(mgr_timeout_ms, uint, 0644);
MODULE_PARM_DESC(mgr_timeout_ms,
		 "Longest wait for the lock or barrier manager (dsmd) where no program is waited for: a lock request until the manager answers or forwards it, a garbage collection's GC_DONE round; ms (1000..3600000; default 120000); then ETIMEDOUT");

/* mgr_timeout_ms in jiffies, clamped to its range. */
unsigned long lrc_mgr_timeout(void)
{
	return msecs_to_jiffies(clamp(READ_ONCE(mgr_timeout_ms), 1000U,
				      3600000U));
}

/* A message from node @from that nothing waits for: count it, log it. */
void lrc_unexpected(const char *what, u32 from)
{
	dsm_stat_inc(DSM_STAT_RX_UNEXPECTED);
	pr_warn_ratelimited("unexpected %s from node %u: ignored\n", what,
			    from);
}

/**
 * dsm_lrc_mgr_reply() - MGR_REPLY from dsmd.
 * @cookie:	DSM_A_MGR_COOKIE.
 * @err:	DSM_A_MGR_ERROR, a positive errno or 0.
 * @flags:	DSM_A_MGR_FLAGS.
 * @p:		DSM_A_MGR_PAYLOAD or NULL.
 * @len:	its length.
 * @extack:	for the reason of a refusal.
 *
 * Return: 0, or a negative errno (no request with that cookie, or a
 * payload that does not fit the request; nothing changed).
 */
int dsm_lrc_mgr_reply(u64 cookie, u32 err, u32 flags, const void *p, u32 len,
		      struct netlink_ext_ack *extack)
{
	int ret;

	/* Only the protocol's errnos reach waiters (and userspace). */
	err = -dsm_wire_errno(err);
	if (!(flags & DSM_MGR_F_FORWARDED)) {
		ret = lrc_barrier_reply(cookie, err, flags, p, len, extack);
		if (ret != -ENOENT)
			return ret;
	}
	if (p || (flags && flags != DSM_MGR_F_FORWARDED &&
		  flags != DSM_MGR_F_OWNER_DEAD &&
		  flags != DSM_MGR_F_TOKEN_LEFT &&
		  flags != DSM_MGR_F_MGR_DOWN) ||
	    (flags && err && flags != DSM_MGR_F_MGR_DOWN) ||
	    (flags == DSM_MGR_F_MGR_DOWN && err != EHOSTDOWN)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "a lock reply carries no payload, and no flag but FORWARDED, OWNER_DEAD or TOKEN_LEFT (one, without an error) or MGR_DOWN (with EHOSTDOWN)");
		return -EINVAL;
	}
	if (lrc_lock_reply(cookie, err, flags) ||
	    (!flags && lrc_leave_reply(cookie, err)))
		return 0;
	NL_SET_ERR_MSG_MOD(extack, "no request with this cookie is waiting");
	return -ENOENT;
}

/* ------------------------------------------------------------ failures */

static void lrc_fail_work_fn(struct work_struct *work)
{
	lrc_fail_lock_requests(LRC_ALL_NODES);
	lrc_fail_barrier();
}

/*
 * model->daemon_gone: dsmd exited, nothing will answer the requests in
 * flight; fail them (from a worker: the caller holds dsm_cluster.lock).
 */
static void lrc_daemon_gone(void)
{
	schedule_work(&lrc.fail_work);
}

/*
 * model->node_down: node @id is down; fail what waits for its answer. The
 * locks its dsmd managed move to the next manager, which this node tells
 * what it knows of them, and the requests at @id go again there
 * (lrc_lock_mgr_down(); a request forwarded to @id is answered by its
 * manager: lrc.md "Failures"). A barrier waits on: if @id managed
 * it, the arrival is made again at the next manager
 * (lrc_bar_node_down()), else the manager completes it among the others
 * (dsm_barrier_waits_for(), Documentation/lrc.md "Barriers"). A node
 * back in lrc as a new incarnation is out again (dsm_lrc_rejoin.c).
 */
static void lrc_node_down(u32 id)
{
	lrc_rejoin_node_down(id);
	lrc_fail_fetches(id);
	lrc_backup_node_down(id);
	lrc_push_node_down(id);
	lrc_pull_node_down(id);
	lrc_bar_node_down(id);
	lrc_lock_mgr_down(id);
	/* Grants kept for it: their tokens come back now. */
	mod_delayed_work(system_wq, &lrc.regrant_work, 0);
}

/* ------------------------------------------------------------ ops */

/*
 * A restarted node takes no lock before it joined lrc again at a barrier
 * and told the members (dsm_lrc_rejoin.c).
 */
static int lrc_acquire_op(struct dsm_file *f, u64 key)
{
	return lrc_restarted(false) ?: lrc_acquire(f, key);
}

static int lrc_barrier_op(struct dsm_file *f, u64 key)
{
	return lrc_restarted(true) ?: lrc_barrier(f, key);
}

/* The messages lrc receives on data connections, by type (lrc.md). */
static const dsm_recv_fn lrc_recv[DSM_MSG_TYPE_MAX + 1] = {
	[DSM_MSG_LOCK_GRANT]	= lrc_recv_grant,
	[DSM_MSG_DIFF_REQ]	= lrc_recv_diff_req,
	[DSM_MSG_DIFF_REPLY]	= lrc_recv_diff_reply,
	[DSM_MSG_NACK]		= lrc_recv_nack,
	[DSM_MSG_DIFF_BACKUP]	= lrc_recv_backup,
	[DSM_MSG_DIFF_BACKUP_ACK] = lrc_recv_backup_ack,
	[DSM_MSG_IV_REQ]	= lrc_recv_iv_req,
	[DSM_MSG_IV_REPLY]	= lrc_recv_iv_reply,
	[DSM_MSG_LRC_REJOIN]	= lrc_recv_rejoin,
	[DSM_MSG_LRC_REJOIN_ACK] = lrc_recv_rejoin_ack,
	[DSM_MSG_DIFF_PUSH]	= lrc_recv_push,
};

/*
 * No pg_init: a page's lrc state is made on its first use by lrc
 * (lrc_pg_of()), so that sc pages carry none.
 */
const struct dsm_model_ops dsm_lrc_ops = {
	.name		= "lrc",
	.id		= DSM_MODEL_LRC,
	.fault		= lrc_fault,
	.write_fault	= lrc_write_fault,
	.start		= lrc_start,
	.acquire	= lrc_acquire_op,
	.release	= lrc_release,
	.barrier	= lrc_barrier_op,
	.recv		= lrc_recv,
	.node_down	= lrc_node_down,
	.daemon_gone	= lrc_daemon_gone,
	.file_release	= lrc_file_release,
	.pg_free	= lrc_pg_free,
	.pg_reset	= lrc_pg_reset,
	.leave		= lrc_leave,
};

/* ------------------------------------------------------------ setup */

int dsm_lrc_init(void)
{
	int ret;

	mutex_init(&lrc.lock);
	mutex_init(&lrc.bar_mutex);
	spin_lock_init(&lrc.wait_lock);
	xa_init(&lrc.locks);
	xa_init(&lrc.fetches);
	INIT_LIST_HEAD(&lrc.wp_list);
	init_waitqueue_head(&lrc.lock_wq);
	INIT_WORK(&lrc.wp_work, lrc_wp_work_fn);
	INIT_WORK(&lrc.fail_work, lrc_fail_work_fn);
	INIT_LIST_HEAD(&lrc.regrants);
	INIT_DELAYED_WORK(&lrc.regrant_work, lrc_regrant_work_fn);
	INIT_WORK(&lrc.orphan_work, lrc_orphan_work_fn);
	lrc_backup_init();
	lrc_push_init();
	lrc_pull_init();
	lrc_rejoin_init();
	dsm_vt_init(&lrc.vt, LRC_NR_NODES);
	dsm_vt_init(&lrc.bar_vt, LRC_NR_NODES);
	dsm_vt_init(&lrc.gc_vt, LRC_NR_NODES);
	ret = lrc_empty_init();
	if (ret)
		return ret;
	ret = dsm_iset_init(&lrc.iset, LRC_NR_NODES, NULL, 0);
	if (!ret)
		ret = dsm_model_register(&dsm_lrc_ops);
	if (ret)
		lrc_empty_exit();
	return ret;
}

/*
 * Stop lrc's work items, which may use pages: before dsm_mem_exit()
 * frees them. Idempotent; sleeps.
 */
void dsm_lrc_stop(void)
{
	cancel_work_sync(&lrc.wp_work);
	cancel_work_sync(&lrc.fail_work);
	cancel_delayed_work_sync(&lrc.regrant_work);
	cancel_work_sync(&lrc.orphan_work);
	lrc_push_stop();
}

/* At unload: nothing is open or mapped, no handler runs. */
void dsm_lrc_exit(void)
{
	struct lrc_regrant *rg, *rt;
	struct lrc_lock *l;
	struct lrc_fwd *f, *ft;
	struct lrc_wp *wp, *wt;
	unsigned long id;
	u32 c, i;

	dsm_model_unregister(&dsm_lrc_ops);
	dsm_lrc_stop();
	list_for_each_entry_safe(wp, wt, &lrc.wp_list, list)
		kfree(wp);
	list_for_each_entry_safe(rg, rt, &lrc.regrants, list) {
		lrc_out_free(&rg->outs);
		kfree(rg);
	}
	xa_for_each(&lrc.locks, id, l) {
		list_for_each_entry_safe(f, ft, &l->fwds, list)
			kfree(f);
		kfree(l);
	}
	xa_destroy(&lrc.locks);
	for (c = 0; c < LRC_NR_NODES; c++) {
		struct dsm_ilog *log = &lrc.iset.log[c];

		for (i = 0; i < log->count; i++)
			kfree(dsm_ilog_at(log, i)->notices);
		kvfree(lrc.slots[c]);
	}
	kvfree(lrc.open);
	lrc_backup_exit();
	lrc_push_exit();
	lrc_empty_exit();
	/* Empty: each fetch erases itself before its caller returns. */
	xa_destroy(&lrc.fetches);
}

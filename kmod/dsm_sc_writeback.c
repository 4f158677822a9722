// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_sc_writeback.c - background write-back of sc pages (issue 15 item
 * 3; Documentation/sc.md "Shadows and msync"): what an owner can lose
 * when it dies is bounded even for programs that never call msync.
 *
 * Every writeback_ms (a module parameter, 5000 by default; 0 turns it
 * off), a work item pushes every page this node owns and wrote since its
 * last push to its shadow holder, exactly as msync(MS_SYNC) of everything
 * would (sc_push_every()): so a page written and then left alone is on
 * another node within about writeback_ms, and a rebuild after this
 * node's death finds it there (the push's tag is newer than every other
 * frame of the page). A page written continuously is pushed once per
 * period: each push write-protects it, and the next write marks it
 * written again. Counter shadow_written_back; a page that could not be
 * stored is logged and pushed again next time, as for msync. No pass
 * runs while this node is fenced or leaving (dsm_fence_closed()).
 *
 * Locking: none of its own; the pushes' (dsm_sc_shadow.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sc: " fmt

#include <linux/moduleparam.h>
#include <linux/workqueue.h>

#include "dsm_sc.h"

/*
 * A few seconds: what an owner can lose; each period costs at most one
 * push per page written in it. Its pushes give the holders frames, so a
 * later grant of such a page to the holder is copied into that frame, not
 * received in place (tests of the receive path turn it off).
 */
static unsigned int writeback_ms = 5000;

/* How often the work looks again while writeback_ms is 0. */
#define SC_WB_IDLE	msecs_to_jiffies(1000)

static void sc_wb_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(sc_wb_work, sc_wb_fn);

/*
 * Setting writeback_ms: once the write returns, no pass that began
 * before runs any more, so a page written after setting 0 is pushed by
 * msync only (tests rely on it).
 */
static int sc_wb_set(const char *val, const struct kernel_param *kp)
{
	int err = param_set_uint(val, kp);

	if (!err)
		flush_delayed_work(&sc_wb_work);
	return err;
}

static const struct kernel_param_ops sc_wb_ops = {
	.set = sc_wb_set,
	.get = param_get_uint,
};

module_param_cb(writeback_ms, &sc_wb_ops, &writeback_ms, 0644);
MODULE_PARM_DESC(writeback_ms,
		 "sc: push pages this node owns and wrote to a shadow holder this often (ms; 0: only msync does; at least 100)");

/* The delay until the next pass. */
static unsigned long sc_wb_period(void)
{
	unsigned int ms = READ_ONCE(writeback_ms);

	return ms ? msecs_to_jiffies(max(ms, 100U)) : SC_WB_IDLE;
}

static void sc_wb_fn(struct work_struct *work)
{
	u64 pages = 0;
	int err;

	if (READ_ONCE(writeback_ms) && !dsm_fence_closed()) {
		err = sc_push_every(false, &pages);
		dsm_stat_add(DSM_STAT_SHADOW_WRITTEN_BACK, pages);
		if (err && err != -ENOLINK)
			pr_warn_ratelimited("write-back: %llu pages pushed, then an error (%d); the rest go next time\n",
					    pages, err);
	}
	queue_delayed_work(system_unbound_wq, &sc_wb_work, sc_wb_period());
}

void sc_writeback_init(void)
{
	queue_delayed_work(system_unbound_wq, &sc_wb_work, sc_wb_period());
}

void sc_writeback_exit(void)
{
	cancel_delayed_work_sync(&sc_wb_work);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_leave.c - this node leaves the cluster gracefully (issue 15 item 2;
 * Documentation/control-plane.md "Runtime membership", Documentation/
 * sc.md "Leaving").
 *
 * `dsmctl node del ID` of a live node: the coordinator's dsmd asks that
 * node's dsmd to leave, and it sends LEAVE here, then again on each of
 * its ticks until the answer is not EINPROGRESS. The first LEAVE refuses
 * every access to dsm memory here from then on (dsm_fence_leave(): every
 * mapping zapped, SIGBUS and EIO) and starts a work item that runs each
 * model's leave: sc pushes every page this node has a copy of to a
 * shadow holder (sc_leave()). This node goes on serving its peers
 * meanwhile. Once LEAVE answers 0, dsmd tells the coordinator, which
 * removes the node as one that is down: every member's kernel takes it
 * down, a home whose page it owned asks the members for their frames,
 * its buckets are re-homed and rebuilt from the members' frames, and
 * each of its pages is found in the frame it pushed, the newest one.
 *
 * Locking: dsm_leave.lock (a mutex) orders LEAVE calls with each other
 * and with the end of the work item; dsm_cluster.lock is taken under it
 * (dsm_fence_leave()), never the other way round.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mutex.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>

#include "dsm_internal.h"
#include "dsm_model.h"
#include "dsm_transport.h"

/**
 * struct dsm_leave_ctl - this node's leave.
 * @lock:	orders the fields' changes (see the file's comment).
 * @state:	enum dsm_leave_state.
 * @err:	why the last hand-over stopped (DSM_LEAVE_FAILED).
 * @told:	@err was answered to a LEAVE: the next one starts again.
 * @work:	runs the hand-over (dsm_leave_fn()).
 */
struct dsm_leave_ctl {
	struct mutex lock;	/* the fields below; outside dsm_cluster.lock */
	u8 state;
	int err;
	bool told;
	struct work_struct work;
};

static void dsm_leave_fn(struct work_struct *work);

static struct dsm_leave_ctl dsm_leave = {
	.lock = __MUTEX_INITIALIZER(dsm_leave.lock),
	.work = __WORK_INITIALIZER(dsm_leave.work, dsm_leave_fn),
};

static void dsm_leave_fn(struct work_struct *work)
{
	int err = dsm_models_leave();

	mutex_lock(&dsm_leave.lock);
	dsm_leave.err = err;
	dsm_leave.told = false;
	WRITE_ONCE(dsm_leave.state, err ? DSM_LEAVE_FAILED : DSM_LEAVE_DONE);
	mutex_unlock(&dsm_leave.lock);
	if (err)
		pr_warn("leave: the hand-over of this node's pages stopped (%d); dsm memory stays refused here, LEAVE again tries again\n",
			err);
	else
		pr_info("leave: every page this node held is stored on another member; it may be removed\n");
}

/* Start (or go on with) this node's leave. Return: as LEAVE answers. */
static int dsm_leave_step(struct netlink_ext_ack *extack)
{
	u64 others = dsm_members_live() & ~BIT_ULL(dsm_transport_local());
	int ret = -EINPROGRESS;

	mutex_lock(&dsm_leave.lock);
	switch (dsm_leave.state) {
	case DSM_LEAVE_DONE:
		ret = 0;
		goto out;
	case DSM_LEAVE_RUNNING:
		goto out;
	case DSM_LEAVE_FAILED:
		if (!dsm_leave.told) {
			dsm_leave.told = true;
			NL_SET_ERR_MSG_MOD(extack,
					   "a page was not stored on another member; LEAVE again tries again");
			ret = dsm_leave.err;
			goto out;
		}
		break;
	}
	if (!others) {
		NL_SET_ERR_MSG_MOD(extack,
				   "no other live member to hand this node's pages to");
		ret = dsm_leave.state == DSM_LEAVE_NONE ? -ENOLINK : -EIO;
		goto out;
	}
	if (dsm_leave.state == DSM_LEAVE_NONE)
		pr_warn("leave: this node leaves the cluster: every access to dsm memory here fails from now on; handing its pages over\n");
	dsm_fence_leave();
	WRITE_ONCE(dsm_leave.state, DSM_LEAVE_RUNNING);
	queue_work(system_unbound_wq, &dsm_leave.work);
out:
	mutex_unlock(&dsm_leave.lock);
	return ret;
}

/**
 * dsm_nl_leave() - DSM_CMD_LEAVE: this node leaves the cluster.
 * @skb:	the request.
 * @info:	no attributes.
 *
 * Sleeps (not for the hand-over: that runs in a work item). Return:
 * -EINPROGRESS while the hand-over runs, 0 once it is done, its error
 * once if it stopped, -ENOLINK with no other live member, -ENOTCONN
 * before CLUSTER_SET; with an extack message.
 */
int dsm_nl_leave(struct sk_buff *skb, struct genl_info *info)
{
	int ret;

	if (!dsm_nl_configured(info))
		return dsm_nl_ret(-ENOTCONN);
	ret = dsm_leave_step(info->extack);
	if (ret == -EINPROGRESS) {	/* asked on each of dsmd's ticks */
		dsm_stat_inc(DSM_STAT_NL_REQUESTS);
		return ret;
	}
	return dsm_nl_ret(ret);
}

/* GET_STATUS's part: LEAVING. */
int dsm_nl_put_leave(struct sk_buff *msg)
{
	return nla_put_u8(msg, DSM_A_LEAVING, READ_ONCE(dsm_leave.state)) ?
	       -EMSGSIZE : 0;
}

/* Unload: LEAVE is gone already; wait for a hand-over that runs. */
void dsm_leave_exit(void)
{
	cancel_work_sync(&dsm_leave.work);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_fence.c - a node cut off from the majority fences itself (issue 15
 * item 4, Documentation/sc.md "Failures and timeouts").
 *
 * A heartbeat cannot tell a dead node from one that is cut off: the side
 * of a partition with a quorum of the members (dsm_quorum()) declares the
 * others down and goes on; dsmd on the other side, seeing no quorum for
 * half its dead timeout (before the majority can act), sends FENCE 1.
 * From then on every access to dsm memory here fails: every mapping is
 * zapped, so every access faults, and a fault, a read or a write of
 * /dev/dsm ends in SIGBUS or EIO (counter fenced_faults, one log line per
 * fence). No local write lands on a page this node owned, which the
 * majority may have handed to a shadow or a reader.
 *
 * When dsmd sees a quorum again it sends FENCE 0: this node rejoins as a
 * new incarnation, as a reload of dsm.ko would make it: every page's
 * local state is dropped (dsm_mem_teardown(): frames zeroed, each
 * model's state reset, requests in flight failed), a new incarnation is
 * drawn, and dsmd makes every connection again under it, so the majority
 * takes the node back as a restarted one (node_restart) and this node
 * takes the current state by normal faults. Programs keep what they see
 * honest: a file of /dev/dsm opened before the rejoin stays refused
 * (SIGBUS, EIO) until the program opens /dev/dsm again and maps anew, as
 * NFS answers a stale handle, so that no mapping silently changes from
 * the old history to the new one.
 *
 * A node that leaves the cluster (dsm_leave.c) refuses its own accesses
 * the same way, for good (@leaving): its pages are being handed over.
 *
 * Locking: dsm_cluster.lock orders FENCE requests with each other and
 * with the configuration; the data path reads @fenced and @gen with
 * READ_ONCE. A fault that got its page before the fence maps it under
 * the page's folio lock, and dsm_fence_zap() zaps each page under that
 * lock after setting @fenced, so every mapping is gone when FENCE 1
 * returns.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/random.h>
#include <net/genetlink.h>

#include "dsm_internal.h"
#include "dsm_members.h"
#include "dsm_model.h"

/**
 * struct dsm_fence_state - this node's fence.
 * @fenced:	no quorum: every access fails.
 * @leaving:	this node leaves the cluster: every access fails, for good.
 * @gen:	rejoins so far: a file opened at another is stale.
 * @logged:	the first refused access since the last change was logged.
 */
static struct dsm_fence_state {
	bool fenced;
	bool leaving;
	u32 gen;
	atomic_t logged;
} dsm_fence;

u32 dsm_fence_gen(void)
{
	return READ_ONCE(dsm_fence.gen);
}

/*
 * Is every local access refused (fenced, or leaving)? Then nothing here
 * writes, and what was written before is not pushed as news: a fenced
 * node's pages may have been handed to others by the majority, and a
 * leaving one hands its own over itself (dsm_leave.c).
 */
bool dsm_fence_closed(void)
{
	return READ_ONCE(dsm_fence.fenced) || READ_ONCE(dsm_fence.leaving);
}

/* Does this node leave the cluster (LEAVE, dsm_leave.c)? For good. */
bool dsm_fence_leaving(void)
{
	return READ_ONCE(dsm_fence.leaving);
}

/**
 * dsm_fence_refuses() - is an access through @file refused?
 * @file:	an open /dev/dsm.
 *
 * Refused while this node is fenced, and for a file opened before its
 * last rejoin. Counted, and logged once per fence or rejoin. Does not
 * sleep.
 */
bool dsm_fence_refuses(struct file *file)
{
	const struct dsm_file *df = file->private_data;
	bool fenced = READ_ONCE(dsm_fence.fenced);
	bool leaving = READ_ONCE(dsm_fence.leaving);

	if (likely(!fenced && !leaving &&
		   df->fence_gen == READ_ONCE(dsm_fence.gen)))
		return false;
	dsm_stat_inc(DSM_STAT_FENCED_FAULTS);
	if (!atomic_xchg(&dsm_fence.logged, 1))
		pr_warn("%s[%d]: dsm access refused (SIGBUS/EIO, counter fenced_faults): %s\n",
			current->comm, task_pid_nr(current), leaving ?
			"this node leaves the cluster (node del), its pages are handed over" :
			fenced ?
			"this node is fenced, it reaches no quorum of the members" :
			"its /dev/dsm was opened before this node rejoined as a new incarnation; open it again");
	return true;
}

/*
 * A fault refused (dsm_fence_refuses()) on @pg. With its folio locked
 * (@locked): checked again then, as dsm_fence_zap() zaps each page under
 * that lock after setting @fenced, and unlocked here when refused.
 */
bool dsm_fence_fault(struct vm_fault *vmf, struct dsm_pg *pg, bool locked)
{
	if (!dsm_fence_refuses(vmf->vma->vm_file))
		return false;
	if (locked)
		folio_unlock(pg->folio);
	return true;
}

static void dsm_fence_zap_one(struct dsm_pg *pg, void *arg)
{
	struct folio *folio = dsm_pg_lock_frame(pg);

	if (!folio)
		return;
	dsm_pg_zap(pg);
	folio_unlock(folio);
	cond_resched();
}

/* Every mapping of dsm memory here, gone. Sleeps; no lock held. */
static void dsm_fence_zap(void)
{
	unmap_mapping_range(dsm_mem_mapping(), 0, 0, 0);
	dsm_mem_for_each(dsm_fence_zap_one, NULL);
}

/* A new incarnation for this node, as CLUSTER_SET draws one. */
static void dsm_fence_new_incarnation(void)
{
	struct dsm_node *n = &dsm_cluster.nodes[dsm_cluster.local];
	u64 inc;

	lockdep_assert_held(&dsm_cluster.lock);
	do {
		inc = get_random_u64() & (BIT_ULL(53) - 1);
	} while (!inc || inc == dsm_cluster.incarnation);
	dsm_cluster.incarnation = inc;
	n->incarnation = inc;
	spin_lock(&dsm_members.lock);
	dsm_members.incarnation = inc;
	/*
	 * The majority declares the old incarnation lost (down, or a
	 * restart): so are the pages homed here, here too, at once rather
	 * than when a peer's PREV_LOST comes over a new data link.
	 */
	set_bit(dsm_cluster.local, &dsm_members.lost);
	spin_unlock(&dsm_members.lock);
	dsm_members_node_changed(dsm_cluster.local);
}

static int dsm_fence_on(struct netlink_ext_ack *extack)
{
	mutex_lock(&dsm_cluster.lock);
	if (READ_ONCE(dsm_fence.fenced)) {
		mutex_unlock(&dsm_cluster.lock);
		return 0;
	}
	WRITE_ONCE(dsm_fence.fenced, true);
	atomic_set(&dsm_fence.logged, 0);
	mutex_unlock(&dsm_cluster.lock);
	dsm_fence_zap();
	dsm_stat_inc(DSM_STAT_FENCES);
	pr_warn("fenced: no quorum of the members reachable; every access to dsm memory here fails until this node rejoins as a new incarnation\n");
	return 0;
}

static int dsm_fence_off(struct netlink_ext_ack *extack)
{
	u64 inc;

	mutex_lock(&dsm_cluster.lock);
	if (!READ_ONCE(dsm_fence.fenced)) {
		mutex_unlock(&dsm_cluster.lock);
		NL_SET_ERR_MSG_MOD(extack, "not fenced");
		return -EALREADY;
	}
	if (READ_ONCE(dsm_fence.leaving)) {
		/* A new incarnation would drop pages not handed over yet. */
		mutex_unlock(&dsm_cluster.lock);
		NL_SET_ERR_MSG_MOD(extack,
				   "this node leaves the cluster; it does not rejoin");
		return -EBUSY;
	}
	/* Files opened until now are of the old incarnation. */
	WRITE_ONCE(dsm_fence.gen, dsm_fence.gen + 1);
	dsm_fence_new_incarnation();
	inc = dsm_cluster.incarnation;
	mutex_unlock(&dsm_cluster.lock);
	/* Still fenced: nothing here touches a page while it is reset. */
	dsm_mem_teardown(0, DSM_SPACE_SIZE);
	mutex_lock(&dsm_cluster.lock);
	atomic_set(&dsm_fence.logged, 0);
	WRITE_ONCE(dsm_fence.fenced, false);
	mutex_unlock(&dsm_cluster.lock);
	dsm_stat_inc(DSM_STAT_FENCE_REJOINS);
	pr_warn("fence ended: rejoining as incarnation %llu, with every page's local state dropped; files of /dev/dsm opened before fail until opened again\n",
		inc);
	return 0;
}

/**
 * dsm_nl_fence() - DSM_CMD_FENCE: fence this node (FENCED 1), or end the
 * fence as a new incarnation (FENCED 0).
 * @skb:	the request.
 * @info:	FENCED.
 *
 * Sleeps. Return: 0; -ENOTCONN before CLUSTER_SET, -EALREADY to end a
 * fence that is not, -EINVAL without FENCED; with an extack message.
 */
int dsm_nl_fence(struct sk_buff *skb, struct genl_info *info)
{
	if (dsm_nl_missing_attr(info, DSM_A_FENCED))
		return dsm_nl_ret(-EINVAL);
	if (!dsm_nl_configured(info))
		return dsm_nl_ret(-ENOTCONN);
	if (nla_get_u8(info->attrs[DSM_A_FENCED]))
		return dsm_nl_ret(dsm_fence_on(info->extack));
	return dsm_nl_ret(dsm_fence_off(info->extack));
}

/**
 * dsm_fence_leave() - this node leaves the cluster (dsm_leave.c).
 *
 * Every access to dsm memory here fails from now on, as when fenced,
 * and is never allowed again (until dsm.ko is loaded again): every
 * mapping is zapped before this returns. Idempotent. Takes
 * dsm_cluster.lock (the caller must not hold it); sleeps.
 */
void dsm_fence_leave(void)
{
	mutex_lock(&dsm_cluster.lock);
	WRITE_ONCE(dsm_fence.leaving, true);
	atomic_set(&dsm_fence.logged, 0);
	mutex_unlock(&dsm_cluster.lock);
	dsm_fence_zap();
}

/* GET_STATUS's part: FENCED. */
int dsm_nl_put_fence(struct sk_buff *msg)
{
	return nla_put_u8(msg, DSM_A_FENCED, READ_ONCE(dsm_fence.fenced)) ?
	       -EMSGSIZE : 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_hot_lock.c - the locks processes of this node acquire most (lrc
 * locks; sc has none), for LOCK_TOP and `dsmctl lock top`: a space-saving
 * table of DSM_TOP_MAX locks by acquisitions, as dsm_hot.c keeps pages,
 * with how many were granted from elsewhere and how long they waited.
 * It also counts the lrc_lock_* counters. Documentation/sharing.md.
 *
 * Locking: dsm_hot_locks.lock, a leaf spinlock, taken with no other
 * lock held (after an acquire) and by netlink under genl_mutex.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <net/genetlink.h>

#include "dsm_internal.h"
#include "core/dsm_members.h"

/**
 * struct dsm_hot_lck - one listed lock.
 * @key:	dsm_sync_key(); meaningful when @acquires is not 0.
 * @acquires:	space-saving count of its acquisitions.
 * @remote:	of them, not local.
 * @wait_us:	their waits, in all.
 * @wait_max_us: the longest.
 */
struct dsm_hot_lck {
	u64 key;
	u64 acquires;
	u64 remote;
	u64 wait_us;
	u64 wait_max_us;
};

static struct {
	spinlock_t lock;	/* see the top of this file */
	struct dsm_hot_lck ent[DSM_TOP_MAX];
} dsm_hot_locks = {
	.lock = __SPIN_LOCK_UNLOCKED(dsm_hot_locks.lock),
};

/**
 * dsm_hot_lock() - a process here acquired lock @key.
 * @key:	dsm_sync_key() of the lock.
 * @remote:	it was granted through the manager or another node.
 * @wait_ns:	how long the acquire took.
 */
void dsm_hot_lock(u64 key, bool remote, u64 wait_ns)
{
	u64 us = div_u64(wait_ns, NSEC_PER_USEC), count;
	struct dsm_hot_lck *e, *min = NULL;

	dsm_stat_inc(remote ? DSM_STAT_LRC_LOCK_ACQUIRE_REMOTE :
			      DSM_STAT_LRC_LOCK_ACQUIRE_LOCAL);
	dsm_stat_add(DSM_STAT_LRC_LOCK_WAIT_US, us);
	spin_lock(&dsm_hot_locks.lock);
	for (e = dsm_hot_locks.ent; e < dsm_hot_locks.ent + DSM_TOP_MAX; e++) {
		if (e->acquires && e->key == key)
			break;
		if (!min || e->acquires < min->acquires)
			min = e;
	}
	if (e == dsm_hot_locks.ent + DSM_TOP_MAX) {
		e = min;
		count = e->acquires;
		memset(e, 0, sizeof(*e));
		e->key = key;
		e->acquires = count;
	}
	e->acquires++;
	e->remote += remote;
	e->wait_us += us;
	e->wait_max_us = max(e->wait_max_us, us);
	spin_unlock(&dsm_hot_locks.lock);
}

static int dsm_hot_lck_cmp(const void *a, const void *b)
{
	const struct dsm_hot_lck *x = a, *y = b;

	if (x->acquires != y->acquires)
		return x->acquires < y->acquires ? 1 : -1;
	return x->key < y->key ? -1 : x->key > y->key;
}

static int dsm_hot_lck_put(struct sk_buff *msg, const struct dsm_hot_lck *e)
{
	struct nlattr *nest = nla_nest_start(msg, DSM_A_TOP_LOCK);

	if (!nest ||
	    nla_put_u32(msg, DSM_A_LOCK_ID, dsm_sync_key_id(e->key)) ||
	    nla_put_u32(msg, DSM_A_TOP_LOCK_NS,
			dsm_sync_key_region(e->key)) ||
	    nla_put_u64_64bit(msg, DSM_A_TOP_ACQUIRES, e->acquires,
			      DSM_A_PAD) ||
	    nla_put_u64_64bit(msg, DSM_A_TOP_REMOTE, e->remote, DSM_A_PAD) ||
	    nla_put_u64_64bit(msg, DSM_A_TOP_WAIT_US, e->wait_us, DSM_A_PAD) ||
	    nla_put_u64_64bit(msg, DSM_A_TOP_WAIT_MAX_US, e->wait_max_us,
			      DSM_A_PAD))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/* LOCK_TOP into @msg; @ents: room for DSM_TOP_MAX entries. */
static int dsm_hot_lck_fill(struct sk_buff *msg, struct dsm_hot_lck *ents)
{
	struct nlattr *nest;
	unsigned int i, n = 0;
	u32 local;

	mutex_lock(&dsm_cluster.lock);
	local = dsm_cluster.local;
	mutex_unlock(&dsm_cluster.lock);
	spin_lock(&dsm_hot_locks.lock);
	for (i = 0; i < DSM_TOP_MAX; i++)
		if (dsm_hot_locks.ent[i].acquires)
			ents[n++] = dsm_hot_locks.ent[i];
	spin_unlock(&dsm_hot_locks.lock);
	sort(ents, n, sizeof(*ents), dsm_hot_lck_cmp, NULL);
	if (nla_put_u32(msg, DSM_A_LOCAL_NODE, local))
		return -EMSGSIZE;
	nest = nla_nest_start(msg, DSM_A_TOP_LOCKS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < n; i++)
		if (dsm_hot_lck_put(msg, &ents[i]))
			return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/* LOCK_TOP: do (uapi/linux/dsm.h). */
int dsm_nl_lock_top(struct sk_buff *skb, struct genl_info *info)
{
	struct dsm_hot_lck *ents;
	struct sk_buff *msg;
	void *hdr;
	int ret = -ENOMEM;

	ents = kmalloc_array(DSM_TOP_MAX, sizeof(*ents), GFP_KERNEL);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!ents || !msg)
		goto free;
	hdr = genlmsg_put_reply(msg, info, &dsm_genl_family, 0,
				DSM_CMD_LOCK_TOP);
	ret = hdr ? dsm_hot_lck_fill(msg, ents) : -EMSGSIZE;
	if (ret)
		goto free;
	kfree(ents);
	genlmsg_end(msg, hdr);
	dsm_nl_ret(0);
	return genlmsg_reply(msg, info);
free:
	nlmsg_free(msg);
	kfree(ents);
	return dsm_nl_ret(ret);
}

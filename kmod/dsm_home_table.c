// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_home_table.c - the home table in the kernel (kmod/core/dsm_home.h):
 * the one dsmd pushed last (DSM_CMD_HOME_SET), read under RCU by whoever
 * needs a page's home. Before the first push, a page's home is the rule
 * the first table keeps: the (pgno mod n)-th member (dsm_member_rank()).
 *
 * Locking: HOME_SET runs under genl_mutex and takes dsm_home_mutex to
 * replace the table; readers take rcu_read_lock() and copy what they need
 * out. The old table is freed after a grace period (kfree_rcu()). Who
 * waits for a newer table (dsm_home_wait(): a page request addressed by
 * a newer one, held) sleeps on dsm_home_wq, woken by every new table.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "dsm_internal.h"
#include "dsm_members.h"
#include "dsm_model.h"
#include "core/dsm_home.h"
#include "core/dsm_members.h"

static_assert(DSM_HOME_NR_BUCKETS == DSM_HOME_BUCKETS);
static_assert(DSM_NODES_MAX == DSM_MAX_NODES);

/*
 * How many tables before the current one name a bucket's old homes: each
 * may still send INVAL or PAGE_FWD for a transaction it drains
 * (dsm_sc_xfer.c), when tables come faster than the transfers end.
 */
#define DSM_HOME_HIST	8

/*
 * @prev: the home of each bucket in the DSM_HOME_HIST tables this one
 * replaced, the last one first (DSM_HOME_NONE: there was none).
 */
struct dsm_home {
	struct rcu_head rcu;
	struct dsm_home_table t;
	u8 prev[DSM_HOME_HIST][DSM_HOME_BUCKETS];
};

static struct dsm_home __rcu *dsm_home;
static DEFINE_MUTEX(dsm_home_mutex);
static DECLARE_WAIT_QUEUE_HEAD(dsm_home_wq);

/**
 * dsm_members_home() - the home of a page now.
 * @pgno:	page number in the DSM space.
 * @epoch:	set to the epoch of the table that said so (0: no table
 *		yet, the rule before the table), if not NULL.
 *
 * Until the membership is configured, a node is its own home. Takes
 * dsm_members.lock or the RCU read lock; does not sleep.
 *
 * Return: the node id.
 */
u32 dsm_members_home(u64 pgno, u64 *epoch)
{
	const struct dsm_home *h;
	u32 home = 0;
	u64 e = 0;

	rcu_read_lock();
	h = rcu_dereference(dsm_home);
	if (h) {
		home = dsm_home_node(&h->t, pgno);
		e = h->t.epoch;
	}
	rcu_read_unlock();
	if (epoch)
		*epoch = e;
	return e ? home : dsm_members_rank(pgno);
}

/**
 * dsm_home_current() - the epoch and members of the current table.
 * @members:	set to its members (0 before the first table), if not NULL.
 *
 * Return: its epoch, 0 before the first.
 */
u64 dsm_home_current(u64 *members)
{
	const struct dsm_home *h;
	u64 e;

	rcu_read_lock();
	h = rcu_dereference(dsm_home);
	e = h ? h->t.epoch : 0;
	if (members)
		*members = h ? h->t.members : 0;
	rcu_read_unlock();
	return e;
}

/* The epoch of the current table, 0 before the first. */
u64 dsm_home_epoch(void)
{
	return dsm_home_current(NULL);
}

/**
 * dsm_home_was() - was @node a page's home in one of the last tables?
 * @pgno:	page number in the DSM space.
 * @node:	the node.
 *
 * Return: true if one of the DSM_HOME_HIST tables before the current one
 * homed @pgno on @node.
 */
bool dsm_home_was(u64 pgno, u32 node)
{
	const struct dsm_home *h;
	u32 b = dsm_home_bucket(pgno), i;
	bool ret = false;

	rcu_read_lock();
	h = rcu_dereference(dsm_home);
	for (i = 0; h && i < DSM_HOME_HIST && !ret; i++)
		ret = h->prev[i][b] == node;
	rcu_read_unlock();
	return ret;
}

/**
 * dsm_home_wait() - wait until this node's home table has epoch @epoch.
 * @epoch:	the epoch wanted.
 * @timeout:	at most this many jiffies.
 *
 * Sleeps (not killable: for receive contexts, which no signal ends).
 *
 * Return: true if the current table's epoch is @epoch or later.
 */
bool dsm_home_wait(u64 epoch, unsigned long timeout)
{
	return wait_event_timeout(dsm_home_wq, dsm_home_epoch() >= epoch,
				  timeout) > 0;
}

/*
 * Replace the table by @nh unless it is older than the current one; the
 * same epoch is accepted only with the same table (a dsmd restarted over
 * a configured module pushes it again) and changes nothing.
 */
static int dsm_home_install(struct dsm_home *nh, struct netlink_ext_ack *extack)
{
	struct dsm_home *old;
	u32 i;

	mutex_lock(&dsm_home_mutex);
	old = rcu_dereference_protected(dsm_home,
					lockdep_is_held(&dsm_home_mutex));
	if (old && nh->t.epoch <= old->t.epoch) {
		bool same = nh->t.epoch == old->t.epoch &&
			    !memcmp(nh->t.node, old->t.node,
				    sizeof(nh->t.node));

		if (!same)
			pr_info("home table of epoch %llu refused: epoch %llu is current\n",
				nh->t.epoch, old->t.epoch);
		mutex_unlock(&dsm_home_mutex);
		kfree(nh);
		if (same)
			return 0;
		NL_SET_ERR_MSG_MOD(extack,
				   "HOME_EPOCH is not newer than the current home table's (dsmctl status shows it): stale table refused");
		return -ESTALE;
	}
	memset(nh->prev, DSM_HOME_NONE, sizeof(nh->prev));
	if (old) {
		memcpy(nh->prev[0], old->t.node, sizeof(nh->prev[0]));
		for (i = 1; i < DSM_HOME_HIST; i++)
			memcpy(nh->prev[i], old->prev[i - 1],
			       sizeof(nh->prev[i]));
	}
	/* Before the table is seen: its new buckets wait for their entries. */
	dsm_sc_xfer_prepare(old ? &old->t : NULL, &nh->t);
	dsm_sc_adapt_table(old ? &old->t : NULL, &nh->t);
	rcu_assign_pointer(dsm_home, nh);
	mutex_unlock(&dsm_home_mutex);
	if (old)
		kfree_rcu(old, rcu);
	dsm_stat_inc(DSM_STAT_HOME_TABLES);
	wake_up_all(&dsm_home_wq);
	dsm_sc_xfer_start();
	return 0;
}

/* Build the table HOME_SET carries; its nodes must be present members. */
static int dsm_home_from_attrs(struct genl_info *info, struct dsm_home *nh)
{
	struct nlattr **a = info->attrs;
	unsigned long present;
	enum dsm_home_bad why;

	if (!a[DSM_A_HOME_EPOCH] || !a[DSM_A_HOME_BUCKETS]) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "HOME_SET needs HOME_EPOCH and HOME_BUCKETS");
		return -EINVAL;
	}
	if (nla_len(a[DSM_A_HOME_BUCKETS]) != DSM_HOME_BUCKETS) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[DSM_A_HOME_BUCKETS],
				    "HOME_BUCKETS must have DSM_HOME_NR_BUCKETS bytes, one node id per bucket");
		return -EINVAL;
	}
	spin_lock(&dsm_members.lock);
	present = dsm_members.configured ? dsm_members.present : 0;
	spin_unlock(&dsm_members.lock);
	nh->t.epoch = nla_get_u64(a[DSM_A_HOME_EPOCH]);
	nh->t.members = present;
	nla_memcpy(nh->t.node, a[DSM_A_HOME_BUCKETS], sizeof(nh->t.node));
	why = dsm_home_check(&nh->t);
	if (why == DSM_HOME_OK)
		return 0;
	if (why == DSM_HOME_BAD_NODE)
		NL_SET_ERR_MSG_ATTR(info->extack, a[DSM_A_HOME_BUCKETS],
				    "a bucket's home is not a node of the membership");
	else if (why == DSM_HOME_BAD_EPOCH)
		NL_SET_ERR_MSG_ATTR(info->extack, a[DSM_A_HOME_EPOCH],
				    "HOME_EPOCH is 0");
	else
		NL_SET_ERR_MSG_MOD(info->extack,
				   "no membership yet: NODE_ADD the nodes first");
	return -EINVAL;
}

/**
 * dsm_nl_home_set() - DSM_CMD_HOME_SET: adopt dsmd's home table.
 * @skb:	the request.
 * @info:	HOME_EPOCH and HOME_BUCKETS.
 *
 * A refused table (wrong size, a node that is not a member, an epoch
 * older than the current one) changes nothing.
 *
 * Return: 0, -EINVAL, -ESTALE or -ENOMEM, with an extack message.
 */
int dsm_nl_home_set(struct sk_buff *skb, struct genl_info *info)
{
	struct dsm_home *nh;
	int ret;

	dsm_stat_inc(DSM_STAT_NL_REQUESTS);
	nh = kzalloc(sizeof(*nh), GFP_KERNEL);
	ret = nh ? dsm_home_from_attrs(info, nh) : -ENOMEM;
	if (!ret)
		return dsm_home_install(nh, info->extack);
	kfree(nh);
	dsm_stat_inc(DSM_STAT_NL_REJECTED);
	return ret;
}

/* GET_STATUS's part: HOME_EPOCH and HOME_BUCKETS, if there is a table. */
int dsm_nl_put_home(struct sk_buff *msg)
{
	const struct dsm_home *h;
	int ret = 0;

	rcu_read_lock();
	h = rcu_dereference(dsm_home);
	if (h)
		ret = nla_put_u64_64bit(msg, DSM_A_HOME_EPOCH, h->t.epoch,
					DSM_A_PAD) ||
		      nla_put(msg, DSM_A_HOME_BUCKETS, sizeof(h->t.node),
			      h->t.node);
	rcu_read_unlock();
	return ret ? -EMSGSIZE : 0;
}

/* At unload, after every user of the table is gone. */
void dsm_home_exit(void)
{
	struct dsm_home *h;

	h = rcu_dereference_protected(dsm_home, true);
	RCU_INIT_POINTER(dsm_home, NULL);
	kfree(h);
}

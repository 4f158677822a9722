// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_members.c - the membership as the data path sees it: which nodes
 * are in the cluster, up, dead or lost, the home of each page, and the
 * waits for a node to become reachable.
 *
 * The membership (dsm_cluster.c, configured by dsmd) is the source of
 * truth. dsm_cluster.c calls dsm_members_node_changed() under
 * dsm_cluster.lock whenever a node appears, changes address or state, or
 * goes away; that copies what the data path needs into dsm_members (its
 * own spinlock, so that the fault path never takes dsm_cluster.lock) and
 * queues the transport's sync work (dsm_transport.c), which tells the
 * transport which peers are wanted. A node declared dead fails every wait
 * on it, here and, from dsm_members.down_work, in every model.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/module.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "dsm_internal.h"
#include "dsm_members.h"
#include "dsm_model.h"
#include "core/dsm_auth.h"
#include "core/dsm_members.h"

struct dsm_members dsm_members;

u32 dsm_transport_local(void)
{
	return READ_ONCE(dsm_members.local);
}
EXPORT_SYMBOL_GPL(dsm_transport_local);

/*
 * The (key mod n)-th of the n members, counted over the present node ids
 * in ascending order (dsm_member_rank(), the rule dsmd also uses): a
 * page's home before the first home table (dsm_home_table.c). Until the
 * membership is configured, a node is its own.
 */
u32 dsm_members_rank(u64 key)
{
	unsigned long present;
	u32 local;

	spin_lock(&dsm_members.lock);
	present = dsm_members.present;
	local = dsm_members.local;
	spin_unlock(&dsm_members.lock);
	return dsm_member_rank(present, key, local);
}

/* Present and lost members and this node's id, at one moment. */
static u32 dsm_members_snap(u64 *present, u64 *lost)
{
	u32 local;

	spin_lock(&dsm_members.lock);
	*present = dsm_members.present;
	*lost = dsm_members.lost;
	local = dsm_members.local;
	spin_unlock(&dsm_members.lock);
	return local;
}

/*
 * The manager of every barrier: the lowest member not lost
 * (dsm_barrier_manager(), the rule dsmd also uses). Until the membership
 * is configured, a node is its own.
 */
u32 dsm_members_barrier_mgr(void)
{
	u64 present, lost;
	u32 local = dsm_members_snap(&present, &lost);

	return dsm_barrier_manager(present, lost, local);
}

/*
 * The manager of lock @key (dsm_lock_manager(), the rule dsmd also uses),
 * counting the nodes of @unlost as not lost: with BIT_ULL(d), the manager it
 * had before node d was lost. Until the membership is configured, a node
 * is its own. Does not sleep.
 */
u32 dsm_members_lock_mgr(u64 key, u64 unlost)
{
	u64 present, lost;
	u32 local = dsm_members_snap(&present, &lost);

	return dsm_lock_manager(present, lost & ~unlost, key, local);
}

/* Is node @id unusable: declared dead now or at some point before? */
bool dsm_members_lost(u32 id)
{
	bool lost;

	spin_lock(&dsm_members.lock);
	lost = id >= DSM_NODES_MAX || test_bit(id, &dsm_members.lost) ||
	       !test_bit(id, &dsm_members.present);
	spin_unlock(&dsm_members.lock);
	return lost;
}

/*
 * Is node @id a member not declared dead now (lost before or not)? Takes
 * dsm_members.lock; does not sleep.
 */
bool dsm_members_up(u32 id)
{
	bool up;

	spin_lock(&dsm_members.lock);
	up = id < DSM_NODES_MAX && test_bit(id, &dsm_members.present) &&
	     !test_bit(id, &dsm_members.down);
	spin_unlock(&dsm_members.lock);
	return up;
}

/*
 * Is this node the only member of the configured cluster (no other node
 * present, up or not)? Takes dsm_members.lock; does not sleep.
 */
bool dsm_members_alone(void)
{
	bool alone;

	spin_lock(&dsm_members.lock);
	alone = dsm_members.configured &&
		!(dsm_members.present & ~BIT(dsm_members.local));
	spin_unlock(&dsm_members.lock);
	return alone;
}

/*
 * The members present and not lost, as a mask (bit i: node i), this node
 * included: what dsm_backup_of() chooses among. Does not sleep.
 */
u64 dsm_members_live(void)
{
	u64 live;

	spin_lock(&dsm_members.lock);
	live = dsm_members.present & ~dsm_members.lost;
	spin_unlock(&dsm_members.lock);
	return live;
}

/*
 * May the wait for node @id end: it is this node, connected, or gone:
 * lost (or, for a new incarnation lrc took back, @back: declared dead
 * now, or no member)?
 */
static bool dsm_members_ready(u32 id, bool back)
{
	bool ready;

	spin_lock(&dsm_members.lock);
	ready = id == dsm_members.local ||
		test_bit(id, &dsm_members.connected) ||
		(back ? test_bit(id, &dsm_members.down) ||
			!test_bit(id, &dsm_members.present) :
			test_bit(id, &dsm_members.lost));
	spin_unlock(&dsm_members.lock);
	return ready;
}

static int dsm_members_wait_for(u32 id, unsigned long timeout, bool back)
{
	long ret;

	if (id >= DSM_NODES_MAX)
		return -EHOSTDOWN;
	ret = wait_event_killable_timeout(dsm_members.conn_wq,
					  dsm_members_ready(id, back), timeout);
	if (ret < 0)
		return -EINTR;
	if (back ? !dsm_members_up(id) : dsm_members_lost(id))
		return -EHOSTDOWN;
	return ret ? 0 : -ETIMEDOUT;
}

/**
 * dsm_members_wait() - wait until node @id can be sent to.
 * @id:		the node.
 * @timeout:	jiffies to wait at most.
 *
 * Return: 0 when connected (or @id is this node), -EHOSTDOWN if it was
 * declared dead, -ETIMEDOUT, or -EINTR on a fatal signal.
 */
int dsm_members_wait(u32 id, unsigned long timeout)
{
	return dsm_members_wait_for(id, timeout, false);
}

/**
 * dsm_members_wait_up() - dsm_members_wait() for a node that may have been
 * lost before: a new incarnation of it that lrc took back (dsm_lrc_rejoin.c).
 * @id:		the node.
 * @timeout:	jiffies to wait at most.
 *
 * Return: 0 when connected (or @id is this node), -EHOSTDOWN if it is
 * declared dead now or not a member, -ETIMEDOUT, or -EINTR.
 */
int dsm_members_wait_up(u32 id, unsigned long timeout)
{
	return dsm_members_wait_for(id, timeout, true);
}

/* ----------------------------------------------------- membership hooks */

static void dsm_node_addr(const struct dsm_node *n, u32 id,
			  struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (n->v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = n->addr6;
		s6->sin6_port = htons(n->port + 1);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = n->addr4;
		s4->sin_port = htons(n->port + 1);
	}
}

/**
 * dsm_members_node_changed() - the membership changed for node @id.
 * @id:	the node (added, removed, new address or state).
 *
 * Called by dsm_cluster.c with dsm_cluster.lock held, also for the local
 * node and when the cluster is configured. Does not sleep.
 */
void dsm_members_node_changed(u32 id)
{
	const struct dsm_node *n = &dsm_cluster.nodes[id];

	lockdep_assert_held(&dsm_cluster.lock);
	spin_lock(&dsm_members.lock);
	if (dsm_cluster.configured && !dsm_members.configured) {
		dsm_members.configured = true;
		dsm_members.local = dsm_cluster.local;
		dsm_members.cluster_id = dsm_cluster_id(dsm_cluster.name);
		dsm_members.incarnation = dsm_cluster.incarnation;
	}
	if (dsm_members.incarn[id] && dsm_members.incarn[id] != n->incarnation)
		set_bit(id, &dsm_members.reset);
	dsm_members.incarn[id] = n->incarnation;
	if (n->present) {
		set_bit(id, &dsm_members.present);
		dsm_members.peers[id].node = id;
		dsm_node_addr(n, id, &dsm_members.peers[id].addr);
		if (id == dsm_members.local && !dsm_members.started)
			dsm_members.local_addr = dsm_members.peers[id].addr;
	} else {
		clear_bit(id, &dsm_members.present);
	}
	if (n->present && n->state == DSM_NODE_STATE_DOWN)
		set_bit(id, &dsm_members.down);
	else
		clear_bit(id, &dsm_members.down);
	spin_unlock(&dsm_members.lock);
	queue_work(system_unbound_wq, &dsm_members.sync_work);
}

/**
 * dsm_members_node_down() - node @id was declared dead.
 * @id:		the node.
 * @was_up:	it was up at some point since this node joined.
 *
 * Called by dsm_cluster.c with dsm_cluster.lock held. Every wait on the
 * node fails at once: waiters for its connection are woken here, and the
 * models fail page requests in dsm_members.down_work, which runs next.
 * A node that never was up and never exchanged a protocol message with us
 * (dsmd gave up waiting for it at start, as a slow boot can make it do)
 * holds nothing of ours: it is not marked lost, and its pages are
 * obtainable once it comes up.
 */
void dsm_members_node_down(u32 id, bool was_up)
{
	lockdep_assert_held(&dsm_cluster.lock);
	if (id >= DSM_NODES_MAX)
		return;
	spin_lock(&dsm_members.lock);
	if (id != dsm_members.local &&
	    (was_up || test_bit(id, &dsm_members.contacted))) {
		set_bit(id, &dsm_members.lost);
		set_bit(id, &dsm_members.pending_down);
	}
	spin_unlock(&dsm_members.lock);
	wake_up_all(&dsm_members.conn_wq);
	queue_work(system_unbound_wq, &dsm_members.down_work);
}

static void dsm_members_down_work(struct work_struct *work)
{
	unsigned long pending;
	u32 id;

	spin_lock(&dsm_members.lock);
	pending = dsm_members.pending_down;
	dsm_members.pending_down = 0;
	spin_unlock(&dsm_members.lock);
	for_each_set_bit(id, &pending, DSM_NODES_MAX) {
		dsm_stat_inc(DSM_STAT_WAITERS_FAILED);
		dsm_models_node_down(id);
	}
}

/* Node @id may now hold pages or requests of ours (see @contacted). */
void dsm_members_contact(u32 id)
{
	if (id < DSM_NODES_MAX && !test_bit(id, &dsm_members.contacted))
		set_bit(id, &dsm_members.contacted);
}

void dsm_members_init(void)
{
	spin_lock_init(&dsm_members.lock);
	init_waitqueue_head(&dsm_members.conn_wq);
	INIT_WORK(&dsm_members.sync_work, dsm_transport_sync_work);
	INIT_WORK(&dsm_members.down_work, dsm_members_down_work);
}

/* After the transport is unregistered and nothing calls the hooks. */
void dsm_members_exit(void)
{
	cancel_work_sync(&dsm_members.sync_work);
	cancel_work_sync(&dsm_members.down_work);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_transport.c - the transport registry and the core's side of the
 * transport interface (dsm_transport.h): registering a transport,
 * applying the membership to it (which peers to keep connections to),
 * the connection events, and the check of a new connection's handshake
 * facts (dsm_transport_peer_check()).
 *
 * Sending and receiving protocol messages is dsm_msg.c's; the membership
 * is dsm_members.c's.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/highmem.h>
#include <linux/jump_label.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/srcu.h>
#include <linux/string.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "dsm_internal.h"
#include "dsm_members.h"
#include "dsm_transport.h"

/*
 * Serialises register, unregister and the sync work's use of
 * dsm_members.ops. Lock order: dsm_transport_mutex, then dsm_members.lock;
 * the transport's own locks are taken inside it (start, stop, connect,
 * close).
 */
static DEFINE_MUTEX(dsm_transport_mutex);

/*
 * Senders call the transport inside this SRCU read section; unregistering
 * waits for them, so a transport module may go once it has unregistered.
 */
DEFINE_STATIC_SRCU(dsm_transport_srcu);

/* The registered transports, under dsm_transport_mutex. */
#define DSM_TRANSPORTS_MAX	4
static const struct dsm_transport_ops *dsm_transports[DSM_TRANSPORTS_MAX];

/* Which registered transport carries the messages. */
static char dsm_transport_name[16] = "tcp";
module_param_string(transport, dsm_transport_name,
		    sizeof(dsm_transport_name), 0444);
MODULE_PARM_DESC(transport,
		 "name of the transport that carries messages (default tcp)");

void dsm_transport_sync_work(struct work_struct *work)
{
	const struct dsm_transport_ops *ops;
	struct dsm_transport_peer peer;
	struct sockaddr_storage addr;
	bool start = false;
	u32 id, local;
	int ret;

	mutex_lock(&dsm_transport_mutex);
	ops = dsm_members.ops;
	if (!ops)
		goto out;
	spin_lock(&dsm_members.lock);
	local = dsm_members.local;
	if (dsm_members.configured && !dsm_members.started &&
	    test_bit(local, &dsm_members.present)) {
		start = true;
		addr = dsm_members.local_addr;
	}
	spin_unlock(&dsm_members.lock);
	if (start) {
		ret = ops->start(local, &addr);
		if (ret) {
			pr_warn("transport %s cannot start on the data port: %d; pages on other nodes are unreachable\n",
				ops->name, ret);
			goto out;
		}
		spin_lock(&dsm_members.lock);
		dsm_members.started = true;
		spin_unlock(&dsm_members.lock);
		pr_info("transport %s: started as node %u\n", ops->name, local);
	}
	for (id = 0; id < DSM_NODES_MAX; id++) {
		bool want, had, reset;

		spin_lock(&dsm_members.lock);
		want = dsm_members.started && id != dsm_members.local &&
		       test_bit(id, &dsm_members.present) &&
		       !test_bit(id, &dsm_members.down);
		had = test_bit(id, &dsm_members.wanted);
		reset = test_and_clear_bit(id, &dsm_members.reset);
		peer = dsm_members.peers[id];
		if (want)
			set_bit(id, &dsm_members.wanted);
		else
			clear_bit(id, &dsm_members.wanted);
		spin_unlock(&dsm_members.lock);
		/* A connection to an old incarnation goes, even if wanted. */
		if (had && (reset || !want))
			ops->close(id);
		if (want)
			ops->connect(&peer);
	}
out:
	mutex_unlock(&dsm_transport_mutex);
}

/* ----------------------------------------------------- registration */

/* The registered transport named @name, or NULL. Under the mutex. */
static const struct dsm_transport_ops **dsm_transport_slot(const char *name)
{
	int i;

	lockdep_assert_held(&dsm_transport_mutex);
	for (i = 0; i < DSM_TRANSPORTS_MAX; i++)
		if (dsm_transports[i] && !strcmp(dsm_transports[i]->name, name))
			return &dsm_transports[i];
	return NULL;
}

/* Add @ops to the registry. Under the mutex. 0 or a negative errno. */
static int dsm_transport_add(const struct dsm_transport_ops *ops)
{
	const struct dsm_transport_ops **slot;

	lockdep_assert_held(&dsm_transport_mutex);
	/*
	 * @version comes first: of a transport built for another version
	 * nothing else may be read (not even its name).
	 */
	if (ops->version != DSM_TRANSPORT_VERSION) {
		pr_err("a transport implements interface version %u, this dsm.ko version %u: refused\n",
		       ops->version, DSM_TRANSPORT_VERSION);
		return -EPROTONOSUPPORT;
	}
	if (!ops->name || !ops->name[0] || !ops->start || !ops->stop ||
	    !ops->connect || !ops->close || !ops->send)
		return -EINVAL;
	if (dsm_transport_slot(ops->name))
		return -EEXIST;
	for (slot = dsm_transports; slot < dsm_transports + DSM_TRANSPORTS_MAX;
	     slot++)
		if (!*slot)
			break;
	if (slot == dsm_transports + DSM_TRANSPORTS_MAX)
		return -ENOSPC;
	*slot = ops;
	return 0;
}

/**
 * dsm_transport_register() - register transport @ops.
 * @ops:	the transport; must stay valid until unregistered.
 *		@ops->version must be DSM_TRANSPORT_VERSION.
 *
 * The transport named by the module parameter transport becomes the one
 * that carries this node's messages; another is only registered (found by
 * dsm_transport_find()). Process context.
 *
 * Return: 0; -EPROTONOSUPPORT if it implements another version of the
 * interface; -EINVAL if it lacks a name or an op; -EEXIST if a transport
 * of that name is registered; -ENOSPC if the registry is full.
 */
int dsm_transport_register(const struct dsm_transport_ops *ops)
{
	bool use = false;
	int ret;

	mutex_lock(&dsm_transport_mutex);
	ret = dsm_transport_add(ops);
	if (!ret && !dsm_members.ops && !strcmp(ops->name, dsm_transport_name)) {
		WRITE_ONCE(dsm_members.ops, ops);
		use = true;
	}
	mutex_unlock(&dsm_transport_mutex);
	if (use)
		queue_work(system_unbound_wq, &dsm_members.sync_work);
	return ret;
}
EXPORT_SYMBOL_GPL(dsm_transport_register);

/**
 * dsm_transport_check_chosen() - say so if the transport named by the
 * module parameter transport is not registered once dsm.ko's own are:
 * until a module registers it, no peer is reachable.
 */
void dsm_transport_check_chosen(void)
{
	mutex_lock(&dsm_transport_mutex);
	if (!dsm_members.ops)
		pr_warn("transport %s is not registered: no node is reachable until a module registers it (built in: tcp)\n",
			dsm_transport_name);
	mutex_unlock(&dsm_transport_mutex);
}

/**
 * dsm_transport_unregister() - remove transport @ops.
 * @ops:	a registered transport.
 *
 * If it carries this node's messages it is stopped (every connection
 * closed, no callback into the core after this returns) and every send
 * running in it has returned. Process context; sleeps.
 */
void dsm_transport_unregister(const struct dsm_transport_ops *ops)
{
	const struct dsm_transport_ops **slot;
	bool used = false;

	flush_work(&dsm_members.sync_work);
	mutex_lock(&dsm_transport_mutex);
	slot = dsm_transport_slot(ops->name);
	if (slot && *slot == ops)
		*slot = NULL;
	if (dsm_members.ops == ops) {
		used = true;
		WRITE_ONCE(dsm_members.ops, NULL);
		if (dsm_members.started)
			ops->stop();
		spin_lock(&dsm_members.lock);
		dsm_members.started = false;
		dsm_members.wanted = 0;
		dsm_members.connected = 0;
		spin_unlock(&dsm_members.lock);
	}
	mutex_unlock(&dsm_transport_mutex);
	/* No sender is inside @ops any more: its module may go. */
	if (used)
		synchronize_srcu(&dsm_transport_srcu);
	wake_up_all(&dsm_members.conn_wq);
}
EXPORT_SYMBOL_GPL(dsm_transport_unregister);

/**
 * dsm_transport_find() - the registered transport named @name.
 * @name:	its name.
 *
 * Takes a reference to its module, so that it stays registered until
 * dsm_transport_put() (its module cannot be unloaded meanwhile).
 * Process context.
 *
 * Return: the transport, or NULL if none of that name is registered or
 * its module is going away.
 */
const struct dsm_transport_ops *dsm_transport_find(const char *name)
{
	const struct dsm_transport_ops **slot, *ops = NULL;

	mutex_lock(&dsm_transport_mutex);
	slot = dsm_transport_slot(name);
	if (slot && try_module_get((*slot)->owner))
		ops = *slot;
	mutex_unlock(&dsm_transport_mutex);
	return ops;
}
EXPORT_SYMBOL_GPL(dsm_transport_find);

/**
 * dsm_transport_put() - drop the reference dsm_transport_find() took.
 * @ops:	what it returned.
 */
void dsm_transport_put(const struct dsm_transport_ops *ops)
{
	module_put(ops->owner);
}
EXPORT_SYMBOL_GPL(dsm_transport_put);

void dsm_transport_conn_up(u32 node)
{
	if (node >= DSM_NODES_MAX)
		return;
	spin_lock(&dsm_members.lock);
	set_bit(node, &dsm_members.connected);
	spin_unlock(&dsm_members.lock);
	dsm_stat_inc(DSM_STAT_CONN_UP);
	wake_up_all(&dsm_members.conn_wq);
}
EXPORT_SYMBOL_GPL(dsm_transport_conn_up);

void dsm_transport_conn_down(u32 node)
{
	if (node >= DSM_NODES_MAX)
		return;
	spin_lock(&dsm_members.lock);
	clear_bit(node, &dsm_members.connected);
	spin_unlock(&dsm_members.lock);
	dsm_stat_inc(DSM_STAT_CONN_DOWN);
}
EXPORT_SYMBOL_GPL(dsm_transport_conn_down);

/**
 * dsm_transport_park() - for a transport's kthread that is done: sleep
 * until kthread_stop(), so that the thread that stops it owns its exit
 * (and may free what it used). Process context.
 */
void dsm_transport_park(void)
{
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
}
EXPORT_SYMBOL_GPL(dsm_transport_park);

/**
 * dsm_transport_link_name() - the transport carrying the connection to
 * node @node, for NODE_GET.
 * @node:	a node id.
 *
 * Return: the transport's name (the module parameter, fixed while dsm.ko
 * is loaded) while a connection to @node is up, else NULL.
 */
const char *dsm_transport_link_name(u32 node)
{
	bool up;

	if (node >= DSM_NODES_MAX)
		return NULL;
	spin_lock(&dsm_members.lock);
	up = test_bit(node, &dsm_members.connected);
	spin_unlock(&dsm_members.lock);
	return up ? dsm_transport_name : NULL;
}

/**
 * dsm_transport_link_down() - the connection to wanted node @node broke,
 * or there is none: tell dsmd (event LINK_DOWN), which makes a new one.
 * @node:	the peer.
 *
 * For transports fed by @adopt. Sleeps (GFP_KERNEL); no dsm lock held.
 */
void dsm_transport_link_down(u32 node)
{
	if (node < DSM_NODES_MAX)
		dsm_nl_notify_link_down(node);
}
EXPORT_SYMBOL_GPL(dsm_transport_link_down);

/**
 * dsm_transport_adopt() - give the transport a socket dsmd connected.
 * @node:	a member other than this node.
 * @sock:	connected TCP socket, with the file reference of
 *		sockfd_lookup(); the transport owns it on success.
 * @keys:	the session keys, or NULL ('auth none').
 * @facts:	what dsmd's handshake established about the peer; checked
 *		here (dsm_transport_peer_check()) before the transport sees
 *		the socket.
 *
 * Called by the PEER_SOCKET handler. Return: 0, -ENOTCONN when no
 * transport has started, -EOPNOTSUPP when it connects by itself, what
 * dsm_transport_peer_check() refused, or what @adopt returned.
 */
int dsm_transport_adopt(u32 node, struct socket *sock,
			const struct dsm_transport_keys *keys,
			const struct dsm_transport_facts *facts)
{
	const struct dsm_transport_ops *ops;
	bool started;
	int ret;

	mutex_lock(&dsm_transport_mutex);
	ops = dsm_members.ops;
	spin_lock(&dsm_members.lock);
	started = dsm_members.started;
	spin_unlock(&dsm_members.lock);
	if (!ops || !started)
		ret = -ENOTCONN;
	else if (!ops->adopt)
		ret = -EOPNOTSUPP;
	else
		ret = dsm_transport_peer_check(node, facts);
	if (!ret)
		ret = ops->adopt(node, sock, keys, facts);
	mutex_unlock(&dsm_transport_mutex);
	return ret;
}

/**
 * dsm_transport_peek() - validate a received 32-byte header.
 * @hdr:	DSM_WIRE_HDR_SIZE bytes.
 * @len:	out: the message's total length (<= DSM_WIRE_MAX_MSG).
 *
 * A refusal is counted and logged. Return: 0 or a negative errno.
 */
int dsm_transport_peek(const void *hdr, u32 *len)
{
	enum dsm_wire_reject why = DSM_WIRE_OK;
	int ret;

	ret = dsm_wire_peek(hdr, DSM_WIRE_HDR_SIZE, len, &why);
	if (ret)
		dsm_msg_count_reject(U32_MAX, why);
	return ret;
}
EXPORT_SYMBOL_GPL(dsm_transport_peek);

/* ----------------------------------------------------- link facts */

/**
 * dsm_transport_peer_check() - check what the handshake of a new
 * connection to @node established, before it carries a message.
 * @node:	the peer, a member other than this node.
 * @f:		the facts (PEER_SOCKET's, or a transport's own handshake).
 *
 * The wire version must be one this node speaks, the peer wanted, and
 * the incarnation the one dsmd reported up for it: a node that restarted
 * is refused until this node has declared its earlier incarnation lost
 * (dsm_node_set_state()), so no message of the new one is taken for the
 * old one's; such a refusal is counted (hello_stale). A peer that
 * declared an earlier incarnation of this node lost says so (PREV_LOST):
 * pages homed here are then lost here too, as they are there. Takes
 * dsm_members.lock.
 *
 * Return: 0; -EPROTO (wire version), -EHOSTUNREACH (not wanted) or
 * -ESTALE (not the incarnation dsmd reported, yet).
 */
int dsm_transport_peer_check(u32 node, const struct dsm_transport_facts *f)
{
	bool wanted, match;
	u64 expect;

	if (node >= DSM_NODES_MAX || !f->incarnation ||
	    f->wire_version < DSM_WIRE_VERSION_MIN ||
	    f->wire_version > DSM_WIRE_VERSION_MAX ||
	    (f->flags & ~DSM_PEER_F_ALL))
		return -EPROTO;
	spin_lock(&dsm_members.lock);
	wanted = test_bit(node, &dsm_members.wanted);
	expect = dsm_members.incarn[node];
	match = wanted && expect == f->incarnation;
	if (match && (f->flags & DSM_PEER_F_PREV_LOST) &&
	    !test_and_set_bit(dsm_members.local, &dsm_members.lost))
		pr_warn("node %u declared this node's previous incarnation lost: pages homed here are lost\n",
			node);
	spin_unlock(&dsm_members.lock);
	if (!wanted)
		return -EHOSTUNREACH;
	if (!match) {
		dsm_stat_inc(DSM_STAT_HELLO_STALE);
		/* Before dsmd reported the node (expect 0) this is normal. */
		if (expect)
			pr_info_ratelimited("node %u: incarnation %llu on the data link, %llu reported up: refused until dsmd reports it\n",
					    node, f->incarnation, expect);
		return -ESTALE;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(dsm_transport_peer_check);

/*
 * Hand @tx to the transport that carries the messages. Sleeps. 0,
 * -ENOTCONN when there is none, or what its @send returned.
 */
static int dsm_transport_xmit(u32 dst, const struct dsm_tx_msg *tx)
{
	const struct dsm_transport_ops *ops;
	int idx, ret = -ENOTCONN;

	idx = srcu_read_lock(&dsm_transport_srcu);
	ops = READ_ONCE(dsm_members.ops);
	if (ops)
		ret = ops->send(dst, tx);
	srcu_read_unlock(&dsm_transport_srcu, idx);
	return ret;
}

/**
 * dsm_transport_send_raw() - hand an encoded message to the transport,
 * past fault injection (dsm_inject.c sends what its rules let through).
 * @dst:	a node other than this one.
 * @buf:	the message.
 * @len:	its length.
 *
 * Sleeps. Return: 0, -ENOTCONN when no transport is registered, or what
 * the transport's @send returned.
 */
int dsm_transport_send_raw(u32 dst, const void *buf, u32 len)
{
	struct dsm_tx_msg tx = { .hdr = buf, .hdr_len = len };

	return dsm_transport_xmit(dst, &tx);
}

/*
 * Fault injection works on whole messages in one buffer (it may keep a
 * copy to send later): give it one, the page copied in, when a rule is
 * written; without rules the message goes out as without injection (the
 * virtual cluster always loads dsm.ko with inject=1, and its benchmarks
 * must measure the path a real node takes).
 */
static int dsm_transport_inject_tx(u32 dst, const struct dsm_tx_msg *tx)
{
	u8 *buf;
	int ret;

	if (!dsm_inject_has_rules())
		return dsm_transport_xmit(dst, tx);
	if (!tx->page)
		return dsm_inject_send(dst, tx->hdr, tx->hdr_len);
	buf = kmalloc(tx->hdr_len + tx->len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, tx->hdr, tx->hdr_len);
	memcpy_from_page(buf + tx->hdr_len, tx->page, tx->off, tx->len);
	ret = dsm_inject_send(dst, buf, tx->hdr_len + tx->len);
	kfree(buf);
	return ret;
}

/**
 * dsm_transport_send() - hand a message to the transport.
 * @dst:	a node other than this one.
 * @tx:		the message: a buffer and maybe a page fragment (see struct
 *		dsm_tx_msg for who owns them and for how long).
 *
 * With fault injection on (module parameter inject), its rules may drop,
 * duplicate or delay the message first (dsm_inject_send()).
 *
 * Sleeps. Return: 0, -ENOTCONN when no transport is registered, or what
 * the transport's @send returned.
 */
int dsm_transport_send(u32 dst, const struct dsm_tx_msg *tx)
{
	if (static_branch_unlikely(&dsm_inject_key))
		return dsm_transport_inject_tx(dst, tx);
	return dsm_transport_xmit(dst, tx);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_transport.c - the core's side of the transport interface: which
 * peers to talk to, sending and receiving decoded messages, HELLO, and the
 * message counters.
 *
 * The membership (dsm_cluster.c, configured by dsmd) is the source of
 * peers. dsm_cluster.c calls dsm_transport_node_changed() under
 * dsm_cluster.lock whenever a node appears, changes address or state, or
 * goes away; that copies what the data path needs into dsm_members (its
 * own spinlock, so that the fault path never takes dsm_cluster.lock) and
 * queues dsm_members.sync_work, which starts the transport and tells it
 * which peers are wanted. A peer is wanted while it is in the membership
 * and not declared down.
 *
 * Messages to this node itself (a node is often the home or the owner of
 * a page it faults on) never reach a transport: dsm_msg_send() hands them
 * to the model's handler directly, in the caller's context.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "dsm_internal.h"
#include "dsm_model.h"
#include "dsm_transport.h"

/**
 * struct dsm_members - the membership as the data path sees it.
 * @lock:	protects every field below; taken inside dsm_cluster.lock
 *		(never the other way round), and by the fault path and
 *		message handlers. Nothing sleeps under it.
 * @configured:	@local and @cluster_id are valid.
 * @local:	this node's id.
 * @cluster_id:	64-bit hash of the cluster name; HELLO carries it.
 * @present:	bit n: node n is in the membership.
 * @down:	bit n: node n is declared dead now.
 * @lost:	bit n: node n was declared dead at some point since this
 *		node joined: pages homed there are unobtainable (sticky).
 *		Only a node that could hold pages of ours: one that was up
 *		or exchanged protocol messages with us (@contacted).
 * @contacted:	bit n: a protocol message (not HELLO) went to or came
 *		from node n since this node joined (set without the lock:
 *		set_bit() is atomic, and it is only ever set).
 * @wanted:	bit n: the transport has been asked to keep node n.
 * @connected:	bit n: a transport connection to node n is up.
 * @peers:	address of each node's data port.
 * @started:	the transport was started (@local_addr listened on).
 * @local_addr:	this node's data address.
 * @sync_work:	applies the above to the transport.
 * @down_work:	runs the models' node_down for the nodes in @pending_down.
 * @pending_down: nodes declared dead whose waiters are not yet failed.
 * @conn_wq:	woken when a connection comes up or a node goes down.
 * @ops:	the registered transport, or NULL. Changed only with no
 *		sync work running (register/unregister flush it).
 */
struct dsm_members {
	spinlock_t lock;	/* see @lock above */
	bool configured;
	u32 local;
	u64 cluster_id;
	unsigned long present;
	unsigned long down;
	unsigned long lost;
	unsigned long contacted;
	unsigned long wanted;
	unsigned long connected;
	struct dsm_transport_peer peers[DSM_NODES_MAX];
	bool started;
	struct sockaddr_storage local_addr;
	struct work_struct sync_work;
	struct work_struct down_work;
	unsigned long pending_down;
	wait_queue_head_t conn_wq;
	const struct dsm_transport_ops *ops;
};

static struct dsm_members dsm_members;

/* Serialises register, unregister and the sync work's use of ops. */
static DEFINE_MUTEX(dsm_transport_mutex);

static atomic64_t dsm_req_ids = ATOMIC64_INIT(0);

u64 dsm_next_req_id(void)
{
	return atomic64_inc_return(&dsm_req_ids);
}

u32 dsm_transport_local(void)
{
	return READ_ONCE(dsm_members.local);
}
EXPORT_SYMBOL_GPL(dsm_transport_local);

/* FNV-1a of the cluster name: the cluster id in HELLO (never 0). */
static u64 dsm_cluster_hash(const char *name)
{
	u64 h = 0xcbf29ce484222325ULL;

	while (*name) {
		h ^= (u8)*name++;
		h *= 0x100000001b3ULL;
	}
	return h ? h : 1;
}

/*
 * Home of a page: its page number modulo the number of nodes in the
 * membership, counted over the present node ids in ascending order. The
 * membership must be complete before the memory is used (see
 * Documentation/sc.md); until then a node is its own home.
 */
u32 dsm_members_home(u64 pgno)
{
	unsigned long present;
	unsigned int n, k;
	u32 id;

	spin_lock(&dsm_members.lock);
	present = dsm_members.present;
	id = dsm_members.local;
	spin_unlock(&dsm_members.lock);
	n = hweight_long(present);
	if (!n)
		return id;
	k = do_div(pgno, n);
	for_each_set_bit(id, &present, DSM_NODES_MAX)
		if (!k--)
			return id;
	return dsm_members.local;
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

static bool dsm_members_ready(u32 id)
{
	bool ready;

	spin_lock(&dsm_members.lock);
	ready = id == dsm_members.local ||
		test_bit(id, &dsm_members.connected) ||
		test_bit(id, &dsm_members.lost);
	spin_unlock(&dsm_members.lock);
	return ready;
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
	long ret;

	ret = wait_event_killable_timeout(dsm_members.conn_wq,
					  dsm_members_ready(id), timeout);
	if (ret < 0)
		return -EINTR;
	if (dsm_members_lost(id))
		return -EHOSTDOWN;
	return ret ? 0 : -ETIMEDOUT;
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
 * dsm_transport_node_changed() - the membership changed for node @id.
 * @id:	the node (added, removed, new address or state).
 *
 * Called by dsm_cluster.c with dsm_cluster.lock held, also for the local
 * node and when the cluster is configured. Does not sleep.
 */
void dsm_transport_node_changed(u32 id)
{
	const struct dsm_node *n = &dsm_cluster.nodes[id];

	lockdep_assert_held(&dsm_cluster.lock);
	spin_lock(&dsm_members.lock);
	if (dsm_cluster.configured && !dsm_members.configured) {
		dsm_members.configured = true;
		dsm_members.local = dsm_cluster.local;
		dsm_members.cluster_id = dsm_cluster_hash(dsm_cluster.name);
	}
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
 * dsm_transport_node_down() - node @id was declared dead.
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
void dsm_transport_node_down(u32 id, bool was_up)
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
		dsm_sc_ops.node_down(id);
		dsm_lrc_ops.node_down(id);
	}
}

static void dsm_members_sync_work(struct work_struct *work)
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
		pr_info("transport %s: node %u listening\n", ops->name, local);
	}
	for (id = 0; id < DSM_NODES_MAX; id++) {
		bool want, had;

		spin_lock(&dsm_members.lock);
		want = dsm_members.started && id != dsm_members.local &&
		       test_bit(id, &dsm_members.present) &&
		       !test_bit(id, &dsm_members.down);
		had = test_bit(id, &dsm_members.wanted);
		peer = dsm_members.peers[id];
		if (want)
			set_bit(id, &dsm_members.wanted);
		else
			clear_bit(id, &dsm_members.wanted);
		spin_unlock(&dsm_members.lock);
		if (want)
			ops->connect(&peer);
		else if (had)
			ops->close(id);
	}
out:
	mutex_unlock(&dsm_transport_mutex);
}

/* ----------------------------------------------------- registration */

/**
 * dsm_transport_register() - make @ops the transport of this node.
 * @ops:	the transport; must stay valid until unregistered.
 *
 * Return: 0, or -EBUSY if another transport is registered.
 */
int dsm_transport_register(const struct dsm_transport_ops *ops)
{
	int ret = 0;

	mutex_lock(&dsm_transport_mutex);
	if (dsm_members.ops)
		ret = -EBUSY;
	else
		dsm_members.ops = ops;
	mutex_unlock(&dsm_transport_mutex);
	if (!ret)
		queue_work(system_unbound_wq, &dsm_members.sync_work);
	return ret;
}
EXPORT_SYMBOL_GPL(dsm_transport_register);

/**
 * dsm_transport_unregister() - stop and remove transport @ops.
 * @ops:	the registered transport.
 *
 * Stops it (every connection closed, no callback after this returns).
 */
void dsm_transport_unregister(const struct dsm_transport_ops *ops)
{
	flush_work(&dsm_members.sync_work);
	mutex_lock(&dsm_transport_mutex);
	if (dsm_members.ops == ops) {
		if (dsm_members.started)
			ops->stop();
		dsm_members.ops = NULL;
		spin_lock(&dsm_members.lock);
		dsm_members.started = false;
		dsm_members.wanted = 0;
		dsm_members.connected = 0;
		spin_unlock(&dsm_members.lock);
	}
	mutex_unlock(&dsm_transport_mutex);
	wake_up_all(&dsm_members.conn_wq);
}
EXPORT_SYMBOL_GPL(dsm_transport_unregister);

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

/* ----------------------------------------------------- counters */

/* The counters by type and by reason follow the core's enums. */
static_assert(DSM_STAT_MSG_TX_NACK - DSM_STAT_MSG_TX_HELLO ==
	      DSM_MSG_NACK - DSM_MSG_HELLO);
static_assert(DSM_STAT_BYTES_TX_HELLO - DSM_STAT_MSG_TX_HELLO ==
	      DSM_MSG_NACK - DSM_MSG_HELLO + 1);
static_assert(DSM_STAT_MSG_RX_HELLO - DSM_STAT_MSG_TX_HELLO ==
	      2 * (DSM_MSG_NACK - DSM_MSG_HELLO + 1));
static_assert(DSM_STAT_BYTES_RX_NACK - DSM_STAT_MSG_RX_HELLO ==
	      2 * (DSM_MSG_NACK - DSM_MSG_HELLO) + 1);
static_assert(DSM_STAT_RX_REJECT_DIFF - DSM_STAT_RX_REJECT_SHORT ==
	      DSM_WIRE_R_DIFF - DSM_WIRE_R_SHORT);

static_assert(DSM_STAT_BYTES_RX_DIFF_REPLY - DSM_STAT_MSG_TX_LOCK_REQ ==
	      4 * (DSM_MSG_DIFF_REPLY - DSM_MSG_LOCK_REQ + 1) - 1);

static void dsm_count_msg(bool tx, u8 type, size_t len)
{
	const unsigned int nr = DSM_MSG_DIFF_REPLY - DSM_MSG_LOCK_REQ + 1;
	unsigned int i;

	if (type >= DSM_MSG_LOCK_REQ && type <= DSM_MSG_DIFF_REPLY) {
		i = type - DSM_MSG_LOCK_REQ + (tx ? 0 : 2 * nr);
		dsm_stat_inc(DSM_STAT_MSG_TX_LOCK_REQ + i);
		dsm_stat_add(DSM_STAT_MSG_TX_LOCK_REQ + nr + i, len);
		return;
	}
	if (type < DSM_MSG_HELLO || type > DSM_MSG_NACK) {
		dsm_stat_inc(tx ? DSM_STAT_MSG_TX_OTHER : DSM_STAT_MSG_RX_OTHER);
		return;
	}
	i = type - DSM_MSG_HELLO;
	if (tx) {
		dsm_stat_inc(DSM_STAT_MSG_TX_HELLO + i);
		dsm_stat_add(DSM_STAT_BYTES_TX_HELLO + i, len);
	} else {
		dsm_stat_inc(DSM_STAT_MSG_RX_HELLO + i);
		dsm_stat_add(DSM_STAT_BYTES_RX_HELLO + i, len);
	}
}

static void dsm_count_reject(u32 node, enum dsm_wire_reject why)
{
	dsm_stat_inc(DSM_STAT_RX_MALFORMED);
	if (why > DSM_WIRE_OK && why < DSM_WIRE_R_NR)
		dsm_stat_inc(DSM_STAT_RX_REJECT_SHORT + why - DSM_WIRE_R_SHORT);
	pr_warn_ratelimited("malformed message from node %u (%s): dropping the connection\n",
			    node, dsm_wire_reject_name(why));
}

/* ----------------------------------------------------- HELLO */

static void dsm_hello_body(struct dsm_msg_hello *b)
{
	memset(b, 0, sizeof(*b));
	spin_lock(&dsm_members.lock);
	b->cluster_id = dsm_members.cluster_id;
	b->node_id = dsm_members.local;
	spin_unlock(&dsm_members.lock);
	b->vers_min = DSM_WIRE_VERSION_MIN;
	b->vers_max = DSM_WIRE_VERSION_MAX;
	b->page_size = DSM_PAGE_SIZE;
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
		dsm_count_reject(U32_MAX, why);
	return ret;
}
EXPORT_SYMBOL_GPL(dsm_transport_peek);

/**
 * dsm_transport_hello_encode() - HELLO (or HELLO_REPLY) to node @peer.
 * @buf:	output, at least DSM_TRANSPORT_HELLO_SIZE bytes.
 * @size:	its size.
 * @peer:	the node it goes to.
 * @reply:	HELLO_REPLY (choosing the version) instead of HELLO.
 *
 * Return: the message length, or a negative errno.
 */
int dsm_transport_hello_encode(void *buf, size_t size, u32 peer, bool reply)
{
	struct dsm_msg_hdr h = {
		.version = DSM_WIRE_VERSION_HELLO,
		.type = reply ? DSM_MSG_HELLO_REPLY : DSM_MSG_HELLO,
		.dst = peer,
	};
	struct dsm_msg_hello b;
	struct dsm_wire_enc e;
	int len;

	dsm_hello_body(&b);
	h.src = b.node_id;
	if (reply)
		b.version = DSM_WIRE_VERSION_MAX;
	dsm_wire_enc_begin(&e, buf, size, &h);
	dsm_wire_enc_hello(&e, &b);
	len = dsm_wire_enc_end(&e);
	if (len > 0)
		dsm_count_msg(true, h.type, len);
	return len;
}
EXPORT_SYMBOL_GPL(dsm_transport_hello_encode);

/**
 * dsm_transport_nack_encode() - NACK of a HELLO, with errno @err.
 * @buf:	output, at least DSM_TRANSPORT_HELLO_SIZE bytes.
 * @size:	its size.
 * @peer:	the node it goes to.
 * @err:	positive errno.
 *
 * Return: the message length, or a negative errno.
 */
int dsm_transport_nack_encode(void *buf, size_t size, u32 peer, int err)
{
	struct dsm_msg_hdr h = {
		.version = DSM_WIRE_VERSION_HELLO,
		.type = DSM_MSG_NACK,
		.src = dsm_transport_local(),
		.dst = peer,
	};
	struct dsm_msg_nack b = {
		.error = err,
		.nacked_type = DSM_MSG_HELLO,
	};
	struct dsm_wire_enc e;

	dsm_wire_enc_begin(&e, buf, size, &h);
	dsm_wire_enc_nack(&e, &b);
	return dsm_wire_enc_end(&e);
}
EXPORT_SYMBOL_GPL(dsm_transport_nack_encode);

/**
 * dsm_transport_hello_check() - validate a received HELLO or HELLO_REPLY.
 * @buf:	the whole message.
 * @len:	its length.
 * @peer:	in: for a reply, the node we connected to; out: for a HELLO,
 *		the node that connected.
 * @reply:	expect HELLO_REPLY instead of HELLO.
 *
 * Checks the message, that it is addressed to this node, that the sender
 * is in the membership and wanted, and the version negotiation. A
 * malformed message is counted.
 *
 * Return: 0, or a negative errno whose opposite goes in a NACK (-EXDEV:
 * other cluster, -EINVAL: page size, -EPROTO: versions or bad message,
 * -EPERM: unknown or unwanted node; a NACK received gives its errno).
 */
int dsm_transport_hello_check(const void *buf, size_t len, u32 *peer,
			      bool reply)
{
	enum dsm_wire_reject why = DSM_WIRE_OK;
	struct dsm_msg_hello local;
	struct dsm_msg m;
	bool wanted;
	int ret;

	if (dsm_wire_decode(buf, len, &m, &why)) {
		dsm_count_reject(*peer, why);
		return -EPROTO;
	}
	dsm_count_msg(false, m.hdr.type, len);
	if (m.hdr.type == DSM_MSG_NACK)
		return -(int)m.u.nack.error;
	if (m.hdr.type != (reply ? DSM_MSG_HELLO_REPLY : DSM_MSG_HELLO) ||
	    m.hdr.dst != dsm_transport_local() ||
	    (reply && m.hdr.src != *peer)) {
		dsm_stat_inc(DSM_STAT_RX_UNEXPECTED);
		return -EPROTO;
	}
	dsm_hello_body(&local);
	ret = dsm_wire_negotiate(&local, &m.u.hello);
	if (ret < 0)
		return ret;
	if (reply && m.u.hello.version != ret)
		return -EPROTO;
	spin_lock(&dsm_members.lock);
	wanted = test_bit(m.hdr.src, &dsm_members.wanted);
	spin_unlock(&dsm_members.lock);
	if (!wanted)
		return -EPERM;
	*peer = m.hdr.src;
	return 0;
}
EXPORT_SYMBOL_GPL(dsm_transport_hello_check);

/* ----------------------------------------------------- messages */

/* Node @id may now hold pages or requests of ours (see @contacted). */
static void dsm_members_contact(u32 id)
{
	if (id < DSM_NODES_MAX && !test_bit(id, &dsm_members.contacted))
		set_bit(id, &dsm_members.contacted);
}

/**
 * dsm_transport_recv() - a message from node @node arrived.
 * @node:	the connection's peer.
 * @buf:	the whole message (owned by the transport).
 * @len:	its length, as announced by its header.
 *
 * Return: 0, or a negative errno if it was malformed or made no sense on
 * this connection (counted and logged): the transport drops the
 * connection.
 */
int dsm_transport_recv(u32 node, const void *buf, size_t len)
{
	enum dsm_wire_reject why = DSM_WIRE_OK;
	struct dsm_msg m;
	int ret;

	ret = dsm_wire_decode(buf, len, &m, &why);
	if (ret) {
		dsm_count_reject(node, why);
		return ret;
	}
	dsm_count_msg(false, m.hdr.type, len);
	if (m.hdr.src != node || m.hdr.dst != dsm_transport_local()) {
		dsm_count_reject(node, DSM_WIRE_R_NODE);
		return -EBADMSG;
	}
	if (m.hdr.type != DSM_MSG_HELLO && m.hdr.type != DSM_MSG_HELLO_REPLY)
		dsm_members_contact(node);
	switch (m.hdr.type) {
	case DSM_MSG_PAGE_REQ:
	case DSM_MSG_PAGE_FWD:
	case DSM_MSG_PAGE_GRANT:
	case DSM_MSG_INVAL:
	case DSM_MSG_INVAL_ACK:
	case DSM_MSG_CONFIRM:
		dsm_sc_ops.recv(&m);
		return 0;
	case DSM_MSG_NACK:
		if (m.u.nack.nacked_type == DSM_MSG_DIFF_REQ)
			dsm_lrc_ops.recv(&m);
		else
			dsm_sc_ops.recv(&m);
		return 0;
	case DSM_MSG_LOCK_GRANT:
	case DSM_MSG_DIFF_REQ:
	case DSM_MSG_DIFF_REPLY:
		dsm_lrc_ops.recv(&m);
		return 0;
	default:
		/*
		 * HELLO after the handshake; LOCK_REQ and BARRIER_* travel
		 * through dsmd, never on a data connection.
		 */
		dsm_stat_inc(DSM_STAT_RX_UNEXPECTED);
		pr_warn_ratelimited("unexpected %s from node %u: dropping the connection\n",
				    dsm_wire_type_name(m.hdr.type), node);
		return -EPROTO;
	}
}
EXPORT_SYMBOL_GPL(dsm_transport_recv);

/* Largest message the sc protocol sends: a grant with its page. */
#define DSM_SC_MSG_MAX	(DSM_WIRE_HDR_SIZE + \
			 sizeof(struct dsm_wire_page_grant) + DSM_PAGE_SIZE)

static int dsm_msg_encode(struct dsm_msg *m, void *buf, u32 size)
{
	struct dsm_wire_enc e;

	dsm_wire_enc_begin(&e, buf, size, &m->hdr);
	if (dsm_wire_enc_fixed(&e, m))
		return -EINVAL;
	return dsm_wire_enc_end(&e);
}

/**
 * dsm_msg_send() - send message @m to node @m->hdr.dst.
 * @m:	the message, decoded form; src and version are filled in here. A
 *	grant's data pointer must stay valid during the call.
 *
 * A message to this node is handled at once, in this context, by the
 * model's handler (so the caller must hold no lock the handler takes).
 * Sleeps. Return: 0, or a negative errno (the message was not sent; it is
 * counted and the protocol's timeouts or node-down handling recover).
 */
int dsm_msg_send(struct dsm_msg *m)
{
	const struct dsm_transport_ops *ops;
	u8 small[96];
	void *buf = small;
	int len, ret;

	m->hdr.src = dsm_transport_local();
	m->hdr.version = DSM_WIRE_VERSION_MAX;
	if (m->hdr.dst == m->hdr.src) {
		if (m->hdr.type == DSM_MSG_NACK &&
		    m->u.nack.nacked_type == DSM_MSG_DIFF_REQ)
			dsm_lrc_ops.recv(m);
		else
			dsm_sc_ops.recv(m);
		return 0;
	}
	if (m->hdr.type == DSM_MSG_PAGE_GRANT && m->u.page_grant.data) {
		buf = kmalloc(DSM_SC_MSG_MAX, GFP_KERNEL);
		if (!buf) {
			dsm_stat_inc(DSM_STAT_MSG_SEND_FAILED);
			return -ENOMEM;
		}
	}
	len = dsm_msg_encode(m, buf, buf == small ? sizeof(small) :
				     DSM_SC_MSG_MAX);
	if (len < 0) {
		ret = len;
		goto out;
	}
	dsm_members_contact(m->hdr.dst);
	/*
	 * ops is stable while a send can run: it is cleared only at
	 * unload, after every user of the page store is gone.
	 */
	ops = READ_ONCE(dsm_members.ops);
	ret = ops ? ops->send(m->hdr.dst, buf, len) : -ENOTCONN;
	if (!ret)
		dsm_count_msg(true, m->hdr.type, len);
out:
	if (ret) {
		dsm_stat_inc(DSM_STAT_MSG_SEND_FAILED);
		pr_warn_ratelimited("cannot send %s to node %u: %d\n",
				    dsm_wire_type_name(m->hdr.type),
				    m->hdr.dst, ret);
	}
	if (buf != small)
		kfree(buf);
	return ret;
}

/**
 * dsm_msg_send_buf() - send an encoded message to node @dst.
 * @dst:	a node other than this one.
 * @type:	the message's type, for the counters.
 * @buf:	the message, as dsm_wire_enc_end() made it.
 * @len:	its length.
 *
 * For messages with lists (lrc). Sleeps. Return: 0 or a negative errno
 * (counted and logged).
 */
int dsm_msg_send_buf(u32 dst, u8 type, const void *buf, u32 len)
{
	const struct dsm_transport_ops *ops;
	int ret;

	if (dst == dsm_transport_local() || dst >= DSM_NODES_MAX) {
		ret = -EINVAL;
	} else {
		dsm_members_contact(dst);
		/* See dsm_msg_send() on the stability of ops. */
		ops = READ_ONCE(dsm_members.ops);
		ret = ops ? ops->send(dst, buf, len) : -ENOTCONN;
	}
	if (!ret) {
		dsm_count_msg(true, type, len);
		return 0;
	}
	dsm_stat_inc(DSM_STAT_MSG_SEND_FAILED);
	pr_warn_ratelimited("cannot send %s to node %u: %d\n",
			    dsm_wire_type_name(type), dst, ret);
	return ret;
}

void dsm_transport_init(void)
{
	spin_lock_init(&dsm_members.lock);
	init_waitqueue_head(&dsm_members.conn_wq);
	INIT_WORK(&dsm_members.sync_work, dsm_members_sync_work);
	INIT_WORK(&dsm_members.down_work, dsm_members_down_work);
}

/* After the transport is unregistered and nothing calls the hooks. */
void dsm_transport_exit(void)
{
	cancel_work_sync(&dsm_members.sync_work);
	cancel_work_sync(&dsm_members.down_work);
}

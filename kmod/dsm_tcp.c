// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_tcp.c - the TCP transport (struct dsm_transport_ops "tcp").
 *
 * Built into dsm.ko, but used only through dsm_transport.h, as a
 * transport in another module would be.
 *
 * Connections: one TCP connection per pair of nodes, used in both
 * directions. This transport neither listens nor dials: dsmd connects
 * (the lower id dials the data port of the higher, dsmd port + 1),
 * authenticates the connection with the cluster key, exchanges the link
 * facts with the peer's dsmd and hands the socket over (PEER_SOCKET,
 * @adopt) with the session keys of that handshake and the facts, which
 * the core has checked (Documentation/protocol.md, "Connections"). An
 * adopted socket replaces the peer's older connection and is ready at
 * once: there is no second handshake, its first frames are protocol
 * messages (each dsmd reads its handshake exactly to its last frame, so
 * nothing of the kernel's reaches it). When a wanted peer's connection
 * breaks, or a wanted peer has none, dsm_transport_link_down() tells
 * dsmd, which makes a new one.
 *
 * Frames: with keys, every frame carries its tag right after its 32-byte
 * header, computed over the whole message (kmod/core/dsm_auth.h:
 * HMAC-SHA256 under the direction's session key, implicit sequence
 * numbers), sealed under the peer's tx_lock so that sequence
 * order is wire order (dsm_tcp_seal()) and checked by the receive thread
 * before anything else looks at the frame (dsm_tcp_open()); a frame whose
 * tag is wrong (modified, replayed, reordered) is counted
 * (auth_bad_frames) and drops the connection. Each direction has its own
 * HMAC transform (struct dsm_auth_kconn), so no lock is shared between
 * connections.
 *
 * Threads: each connection has a receive kthread that reads a 32-byte
 * header, validates it with dsm_transport_peek() (so no length is
 * trusted), reads the rest into the connection's buffer (DSM_WIRE_MAX_MSG
 * bytes, allocated once) after its tag, and hands it to
 * dsm_transport_recv(); any error or malformed message drops the
 * connection. A message that ends with a page (a grant) is read up to
 * its page, and the page goes where dsm_transport_rx_page() says: into a
 * fresh page that the core may install as the frame, then the tag is
 * checked over both and dsm_transport_recv_page() takes them
 * (dsm_transport.h, "Receiving into a page"). Installing and tearing
 * down run in each peer's work item on dsm_tcp.wq.
 *
 * Sending: senders serialise on the peer's tx_lock; dsm_tcp_xmit()
 * (dsm_tcp_io.c) puts the message on the socket, a page fragment without
 * copying it into a buffer of ours. A send blocks at most
 * DSM_TCP_SEND_TIMEOUT_MS (socket send timeout) per sendmsg(), after
 * which the connection is dropped.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": tcp: " fmt

#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <linux/workqueue.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "dsm_internal.h"
#include "dsm_tcp.h"
#include "dsm_transport.h"

#define DSM_TCP_SEND_TIMEOUT_MS		5000

/**
 * struct dsm_tcp_conn - one connection.
 * @sock:	the socket adopted from dsmd; its file reference is
 *		dropped by dsm_tcp_conn_free() only.
 * @rx:		receive thread; runs until kthread_stop().
 * @node:	peer node id.
 * @wire_version: the wire version agreed in dsmd's handshake.
 * @ready:	installed and reported up: senders may use it. Written
 *		under the peer's tx_lock.
 * @up:		dsm_transport_conn_up() was reported (receive thread only).
 * @mac:	frames carry tags under @tx and @rxl.
 * @tx:		what we send: key and next sequence. Under tx_lock.
 * @rxl:	what we receive. Receive thread only.
 * @tx_auth:	HMAC of @tx, under tx_lock.
 * @rx_auth:	HMAC of @rxl, receive thread only.
 * @tag:	a received tag, receive thread only.
 * @buf:	receive buffer, DSM_WIRE_MAX_MSG bytes, receive thread only.
 * @rx_page:	the page the message just read ended in (its first
 *		@rx_head bytes in @buf), or NULL. Receive thread only.
 * @rx_head:	see @rx_page.
 */
struct dsm_tcp_conn {
	struct socket *sock;
	struct task_struct *rx;
	u32 node;
	u32 wire_version;
	bool ready;
	bool up;
	bool mac;
	struct dsm_auth_link tx;
	struct dsm_auth_link rxl;
	struct dsm_auth_kconn tx_auth;
	struct dsm_auth_kconn rx_auth;
	u8 tag[DSM_AUTH_MAC_SIZE];
	u8 *buf;
	struct page *rx_page;
	u32 rx_head;
};

/**
 * struct dsm_tcp_peer - a peer and its connection.
 * @lock:	serialises installing and tearing down @conn (the work
 *		item). Never held by senders or the receive thread, so
 *		kthread_stop() of the receive thread under it cannot
 *		deadlock.
 * @tx_lock:	serialises senders; @conn is read under it for a send, and
 *		written under it (inside @lock).
 * @conn:	current connection, or NULL.
 * @state_lock:	protects @want, @broken and @pending (taken by the core's
 *		ops, the netlink handler and the receive thread).
 * @want:	the core wants this peer.
 * @broken:	@conn failed: the work item must replace it.
 * @pending:	a socket adopted but not installed yet (the work item
 *		installs it), or NULL.
 * @work:	installs, tears down, reports a missing link.
 */
struct dsm_tcp_peer {
	struct mutex lock;	/* see @lock above */
	struct mutex tx_lock;	/* see @tx_lock above */
	struct dsm_tcp_conn *conn;
	spinlock_t state_lock;	/* see @state_lock above */
	bool want;
	bool broken;
	struct dsm_tcp_conn *pending;
	struct work_struct work;
};

/**
 * struct dsm_tcp - the transport.
 * @local:	this node's id.
 * @wq:		the peers' work items.
 * @peers:	indexed by node id.
 */
static struct dsm_tcp {
	u32 local;
	struct workqueue_struct *wq;
	struct dsm_tcp_peer peers[DSM_NODES_MAX];
} dsm_tcp;

/* Sends time out; the receive thread waits as long as it takes. */
static void dsm_tcp_sock_setup(struct socket *sock)
{
	struct sock *sk = sock->sk;

	tcp_sock_set_nodelay(sk);
	lock_sock(sk);
	sk->sk_sndtimeo = msecs_to_jiffies(DSM_TCP_SEND_TIMEOUT_MS);
	sk->sk_rcvtimeo = MAX_SCHEDULE_TIMEOUT;
	sk->sk_allocation = GFP_NOFS;
	release_sock(sk);
}

/* Read exactly @len bytes. 0, or a negative errno (-ECONNRESET at EOF). */
static int dsm_tcp_recv_all(struct socket *sock, void *buf, size_t len)
{
	struct msghdr msg = { .msg_flags = MSG_WAITALL | MSG_NOSIGNAL };
	struct kvec iov;
	int ret;

	while (len) {
		iov.iov_base = buf;
		iov.iov_len = len;
		ret = kernel_recvmsg(sock, &msg, &iov, 1, len, msg.msg_flags);
		if (ret <= 0)
			return ret ? ret : -ECONNRESET;
		buf += ret;
		len -= ret;
	}
	return 0;
}

/* ------------------------------------------------------- frame tags */

/*
 * dsm_tcp_seal() - the tag of the next frame @c sends (@tx: a buffer and
 * maybe a page fragment) into @tag; 0 (and @*tag_len 0) without keys.
 * Under tx_lock, so that the sequence order is the order on the wire.
 */
static int dsm_tcp_seal(struct dsm_tcp_peer *p, struct dsm_tcp_conn *c,
			const struct dsm_tx_msg *tx, u8 *tag, size_t *tag_len)
{
	struct dsm_auth_vec v[2] = { { tx->hdr, tx->hdr_len } };
	u8 *kaddr = NULL;
	int ret;

	lockdep_assert_held(&p->tx_lock);
	*tag_len = 0;
	if (!c->mac)
		return 0;
	if (tx->page) {
		kaddr = kmap_local_page(tx->page);
		v[1].p = kaddr + tx->off;
		v[1].len = tx->len;
	}
	ret = dsm_auth_frame_seal_vec(&c->tx_auth.ops, &c->tx, v,
				      tx->page ? 2 : 1, tag);
	if (kaddr)
		kunmap_local(kaddr);
	if (ret)
		return ret;
	*tag_len = c->tx.tag_len;
	dsm_inject_corrupt(c->node, tx->hdr, tx->hdr_len, tag, *tag_len);
	return 0;
}

/*
 * dsm_tcp_open() - check the tag (@c->tag, read after the header) of the
 * frame just read (@len bytes in @c->buf, then the page @page if not
 * NULL): 0, or -EBADMSG (counted, logged once in a while) and the
 * connection is dropped. Nothing without keys.
 */
static int dsm_tcp_open(struct dsm_tcp_conn *c, u32 len, struct page *page)
{
	struct dsm_auth_vec v[2] = { { c->buf, len } };
	u8 *kaddr = NULL;
	int ret;

	if (!c->mac)
		return 0;
	if (page) {
		kaddr = kmap_local_page(page);
		v[1].p = kaddr;
		v[1].len = DSM_PAGE_SIZE;
	}
	ret = dsm_auth_frame_open_vec(&c->rx_auth.ops, &c->rxl, v,
				      page ? 2 : 1, c->tag);
	if (kaddr)
		kunmap_local(kaddr);
	if (ret) {
		dsm_stat_inc(DSM_STAT_AUTH_BAD_FRAMES);
		pr_warn_ratelimited("node %u: a frame failed authentication (modified, replayed or reordered); dropping the connection\n",
				    c->node);
	}
	return ret;
}

/* Send one frame (and its tag) on @c. Under tx_lock. */
static int dsm_tcp_send_frame(struct dsm_tcp_peer *p, struct dsm_tcp_conn *c,
			      const struct dsm_tx_msg *tx)
{
	u8 tag[DSM_AUTH_MAC_SIZE];
	size_t tag_len;
	int ret;

	lockdep_assert_held(&p->tx_lock);
	ret = dsm_tcp_seal(p, c, tx, tag, &tag_len);
	if (ret)
		return ret;
	ret = dsm_tcp_xmit(c->sock, tx, tag, tag_len);
	if (!ret && dsm_inject_replay(c->node, tag_len))
		ret = dsm_tcp_xmit(c->sock, tx, tag, tag_len);
	return ret;
}

/*
 * The rest of a message that ends with a page, @len bytes, after its
 * head (@c->rx_head bytes in @c->buf): into a page if the core gives one
 * (dsm_transport_rx_page(); then @c->rx_page), else into @c->buf. The
 * tag is checked over both before anything uses either.
 */
static int dsm_tcp_recv_tail(struct dsm_tcp_conn *c, u32 len)
{
	struct page *page;
	int ret;

	page = dsm_transport_rx_page(c->node, c->buf, c->rx_head);
	if (!page) {
		ret = dsm_tcp_recv_all(c->sock, c->buf + c->rx_head,
				       len - c->rx_head);
		return ret ? ret : dsm_tcp_open(c, len, NULL);
	}
	ret = dsm_tcp_recv_page(c->sock, page, len - c->rx_head);
	if (!ret)
		ret = dsm_tcp_open(c, c->rx_head, page);
	if (ret) {
		dsm_transport_rx_page_put(page);
		return ret;
	}
	c->rx_page = page;
	return 0;
}

/*
 * Read one message into @c->buf (at most @max bytes) and check its tag.
 * With @page_ok, a message that ends with a page may leave that in
 * @c->rx_page (its first @c->rx_head bytes in @c->buf): the caller owns
 * it then.
 */
static int dsm_tcp_recv_msg(struct dsm_tcp_conn *c, u32 max, u32 *len,
			    bool page_ok)
{
	int ret;

	c->rx_page = NULL;
	ret = dsm_tcp_recv_all(c->sock, c->buf, DSM_WIRE_HDR_SIZE);
	if (ret)
		return ret;
	ret = dsm_transport_peek(c->buf, len);
	if (ret)
		return ret;
	if (*len > max)
		return -EPROTO;
	/* The tag comes right after the header (dsm_tcp_xmit()). */
	if (c->mac) {
		ret = dsm_tcp_recv_all(c->sock, c->tag, c->rxl.tag_len);
		if (ret)
			return ret;
	}
	c->rx_head = page_ok ? dsm_transport_page_head(c->buf, *len) : 0;
	if (c->rx_head) {
		ret = dsm_tcp_recv_all(c->sock, c->buf + DSM_WIRE_HDR_SIZE,
				       c->rx_head - DSM_WIRE_HDR_SIZE);
		return ret ? ret : dsm_tcp_recv_tail(c, *len);
	}
	ret = dsm_tcp_recv_all(c->sock, c->buf + DSM_WIRE_HDR_SIZE,
			       *len - DSM_WIRE_HDR_SIZE);
	if (ret)
		return ret;
	return dsm_tcp_open(c, *len, NULL);
}

/* ------------------------------------------------------- receiving */

/* The receive thread of @c saw an error: have the work item replace it. */
static void dsm_tcp_conn_broken(struct dsm_tcp_conn *c)
{
	struct dsm_tcp_peer *p = &dsm_tcp.peers[c->node];

	spin_lock(&p->state_lock);
	p->broken = true;
	spin_unlock(&p->state_lock);
	queue_work(dsm_tcp.wq, &p->work);
}

/* Adopted with checked facts: senders may use @c at once. */
static void dsm_tcp_conn_ready(struct dsm_tcp_conn *c)
{
	struct dsm_tcp_peer *p = &dsm_tcp.peers[c->node];

	mutex_lock(&p->tx_lock);
	c->ready = true;
	mutex_unlock(&p->tx_lock);
	c->up = true;
	dsm_transport_conn_up(c->node);
	pr_info("connected to node %u (wire version %u%s)\n", c->node,
		c->wire_version, c->mac ? ", authenticated frames" : "");
}

static int dsm_tcp_rx_thread(void *arg)
{
	struct dsm_tcp_conn *c = arg;
	u32 len;
	int ret = 0;

	dsm_tcp_conn_ready(c);
	while (!ret && !kthread_should_stop()) {
		dsm_transport_rx_stall(c->node);
		ret = dsm_tcp_recv_msg(c, DSM_WIRE_MAX_MSG, &len, true);
		if (!ret && c->rx_page) {
			/* consumed, whatever happens */
			dsm_transport_rx_seen(c->node, c->buf, c->rx_head);
			ret = dsm_transport_recv_page(c->node, c->buf,
						      c->rx_head, c->rx_page);
			c->rx_page = NULL;
		} else if (!ret) {
			dsm_transport_rx_seen(c->node, c->buf, len);
			ret = dsm_transport_recv(c->node, c->buf, len);
		}
	}
	if (ret && !kthread_should_stop())
		pr_info("connection to node %u lost (%d)\n", c->node, ret);
	if (c->up)
		dsm_transport_conn_down(c->node);
	dsm_tcp_conn_broken(c);
	/* Stay until kthread_stop(), so that its caller owns our exit. */
	dsm_transport_park();
	return 0;
}

/* --------------------------------------------------- connections */

static void dsm_tcp_conn_free(struct dsm_tcp_conn *c)
{
	if (!c)
		return;
	if (c->sock)
		sockfd_put(c->sock);
	dsm_auth_kconn_free(&c->tx_auth);
	dsm_auth_kconn_free(&c->rx_auth);
	memzero_explicit(&c->tx, sizeof(c->tx));
	memzero_explicit(&c->rxl, sizeof(c->rxl));
	kvfree(c->buf);
	kfree(c);
}

/* Detach and destroy the current connection of @p. Under @p->lock. */
static void dsm_tcp_teardown(struct dsm_tcp_peer *p)
{
	struct dsm_tcp_conn *c = p->conn;

	lockdep_assert_held(&p->lock);
	if (!c)
		return;
	/* Wake the receive thread and any sender blocked on the socket. */
	kernel_sock_shutdown(c->sock, SHUT_RDWR);
	mutex_lock(&p->tx_lock);
	p->conn = NULL;
	mutex_unlock(&p->tx_lock);
	kthread_stop(c->rx);	/* it reported dsm_transport_conn_down() */
	dsm_tcp_conn_free(c);
}

/*
 * Make @c (adopted, not started) the connection of @p, replacing an
 * older one, and start its receive thread. Consumes @c.
 * Under @p->lock.
 */
static void dsm_tcp_install(struct dsm_tcp_peer *p, struct dsm_tcp_conn *c)
{
	lockdep_assert_held(&p->lock);
	dsm_tcp_teardown(p);
	c->rx = kthread_create(dsm_tcp_rx_thread, c, "dsm_rx/%u", c->node);
	if (IS_ERR(c->rx)) {
		pr_warn("node %u: no receive thread (%ld)\n", c->node,
			PTR_ERR(c->rx));
		dsm_tcp_conn_free(c);
		return;
	}
	spin_lock(&p->state_lock);
	p->broken = false;
	spin_unlock(&p->state_lock);
	mutex_lock(&p->tx_lock);
	p->conn = c;
	mutex_unlock(&p->tx_lock);
	wake_up_process(c->rx);
}

static void dsm_tcp_work(struct work_struct *work)
{
	struct dsm_tcp_peer *p = container_of(work, struct dsm_tcp_peer,
					      work);
	u32 node = p - dsm_tcp.peers;
	struct dsm_tcp_conn *pending;
	bool want, broken;

	mutex_lock(&p->lock);
	spin_lock(&p->state_lock);
	want = p->want;
	broken = p->broken;
	pending = p->pending;
	p->pending = NULL;
	p->broken = false;
	spin_unlock(&p->state_lock);
	if (!want) {
		dsm_tcp_conn_free(pending);
		dsm_tcp_teardown(p);
	} else if (pending) {
		dsm_tcp_install(p, pending);
	} else if (broken) {
		dsm_tcp_teardown(p);
		/* Its receive thread said so again before it stopped. */
		spin_lock(&p->state_lock);
		p->broken = false;
		spin_unlock(&p->state_lock);
	}
	/* Wanted and missing: dsmd makes a new connection. */
	if (want && !p->conn)
		dsm_transport_link_down(node);
	mutex_unlock(&p->lock);
}

/* ------------------------------------------------------------- ops */

/* A connection for @sock, with its keys; not started. */
static struct dsm_tcp_conn *dsm_tcp_conn_new(u32 node, struct socket *sock,
					     const struct dsm_transport_keys *k,
					     const struct dsm_transport_facts *f)
{
	struct dsm_tcp_conn *c;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return NULL;
	c->node = node;
	c->wire_version = f->wire_version;
	c->buf = kvmalloc(DSM_WIRE_MAX_MSG, GFP_KERNEL);
	if (!c->buf)
		goto fail;
	if (k) {
		if (dsm_auth_kconn_init(&c->tx_auth) ||
		    dsm_auth_kconn_init(&c->rx_auth))
			goto fail;
		c->mac = true;
		c->tx = k->tx;
		c->rxl = k->rx;
	}
	c->sock = sock;
	return c;
fail:
	dsm_tcp_conn_free(c);
	return NULL;
}

static int dsm_tcp_adopt(u32 node, struct socket *sock,
			 const struct dsm_transport_keys *keys,
			 const struct dsm_transport_facts *facts)
{
	struct dsm_tcp_conn *c, *old;
	struct dsm_tcp_peer *p;

	if (node >= DSM_NODES_MAX || node == dsm_tcp.local)
		return -EINVAL;
	p = &dsm_tcp.peers[node];
	c = dsm_tcp_conn_new(node, sock, keys, facts);
	if (!c)
		return -ENOMEM;
	dsm_tcp_sock_setup(sock);
	spin_lock(&p->state_lock);
	if (!p->want) {
		spin_unlock(&p->state_lock);
		c->sock = NULL;		/* still the caller's */
		dsm_tcp_conn_free(c);
		return -EHOSTUNREACH;
	}
	old = p->pending;
	p->pending = c;
	spin_unlock(&p->state_lock);
	dsm_tcp_conn_free(old);
	queue_work(dsm_tcp.wq, &p->work);
	return 0;
}

static int dsm_tcp_start(u32 local, const struct sockaddr_storage *addr)
{
	dsm_tcp.local = local;
	return 0;
}

static void dsm_tcp_stop(void)
{
	struct dsm_tcp_conn *pending;
	struct dsm_tcp_peer *p;
	u32 id;

	for (id = 0; id < DSM_NODES_MAX; id++) {
		p = &dsm_tcp.peers[id];
		spin_lock(&p->state_lock);
		p->want = false;
		spin_unlock(&p->state_lock);
		cancel_work_sync(&p->work);
		mutex_lock(&p->lock);
		dsm_tcp_teardown(p);
		mutex_unlock(&p->lock);
		spin_lock(&p->state_lock);
		pending = p->pending;
		p->pending = NULL;
		p->broken = false;
		spin_unlock(&p->state_lock);
		dsm_tcp_conn_free(pending);
	}
}

static void dsm_tcp_connect(const struct dsm_transport_peer *peer)
{
	struct dsm_tcp_peer *p;
	bool changed;

	if (peer->node >= DSM_NODES_MAX)
		return;
	p = &dsm_tcp.peers[peer->node];
	spin_lock(&p->state_lock);
	changed = !p->want;
	p->want = true;
	spin_unlock(&p->state_lock);
	if (changed)
		queue_work(dsm_tcp.wq, &p->work);
}

static void dsm_tcp_close(u32 node)
{
	struct dsm_tcp_peer *p;

	if (node >= DSM_NODES_MAX)
		return;
	p = &dsm_tcp.peers[node];
	spin_lock(&p->state_lock);
	p->want = false;
	/* Gone even if @connect comes before the work runs (a restart). */
	p->broken = true;
	spin_unlock(&p->state_lock);
	queue_work(dsm_tcp.wq, &p->work);
}

static int dsm_tcp_send(u32 node, const struct dsm_tx_msg *tx)
{
	struct dsm_tcp_peer *p;
	int ret = -ENOTCONN;

	if (node >= DSM_NODES_MAX)
		return -EINVAL;
	p = &dsm_tcp.peers[node];
	mutex_lock(&p->tx_lock);
	if (p->conn && p->conn->ready) {
		ret = dsm_tcp_send_frame(p, p->conn, tx);
		if (ret) {
			spin_lock(&p->state_lock);
			p->broken = true;
			spin_unlock(&p->state_lock);
			queue_work(dsm_tcp.wq, &p->work);
		}
	}
	mutex_unlock(&p->tx_lock);
	return ret;
}

static const struct dsm_transport_ops dsm_tcp_ops = {
	.version	= DSM_TRANSPORT_VERSION,
	.name		= "tcp",
	.owner		= THIS_MODULE,
	.start		= dsm_tcp_start,
	.stop		= dsm_tcp_stop,
	.connect	= dsm_tcp_connect,
	.close		= dsm_tcp_close,
	.adopt		= dsm_tcp_adopt,
	.send		= dsm_tcp_send,
};

int dsm_tcp_init(void)
{
	struct dsm_tcp_peer *p;
	int ret;
	u32 id;

	dsm_tcp.wq = alloc_workqueue("dsm_tcp", WQ_UNBOUND | WQ_MEM_RECLAIM,
				     0);
	if (!dsm_tcp.wq)
		return -ENOMEM;
	for (id = 0; id < DSM_NODES_MAX; id++) {
		p = &dsm_tcp.peers[id];
		mutex_init(&p->lock);
		mutex_init(&p->tx_lock);
		spin_lock_init(&p->state_lock);
		INIT_WORK(&p->work, dsm_tcp_work);
	}
	ret = dsm_transport_register(&dsm_tcp_ops);
	if (ret)
		destroy_workqueue(dsm_tcp.wq);
	return ret;
}

void dsm_tcp_exit(void)
{
	dsm_transport_unregister(&dsm_tcp_ops);
	destroy_workqueue(dsm_tcp.wq);
}

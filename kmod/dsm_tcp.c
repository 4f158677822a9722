// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_tcp.c - the TCP transport (struct dsm_transport_ops "tcp").
 *
 * Built into dsm.ko, but used only through dsm_transport.h, as a
 * transport in another module would be.
 *
 * Connections: one TCP connection per pair of nodes, used in both
 * directions. The node with the lower id connects to the data port of the
 * higher (dsmd port + 1), which accepts; the connecting node sends HELLO
 * and the accepting node answers HELLO_REPLY after checking it (same
 * cluster, page size, versions, a wanted node that may connect to it), or
 * NACK and closes. While the core wants a peer, a broken connection is
 * replaced: the connecting side retries with exponential backoff
 * (DSM_TCP_BACKOFF_MIN_MS doubling to DSM_TCP_BACKOFF_MAX_MS), the
 * accepting side takes the newest connection from a node, dropping an
 * older one.
 *
 * Threads: one listener kthread accepts connections and runs the
 * accepting side of the handshake (bounded by DSM_TCP_HELLO_TIMEOUT_MS).
 * Each connection has a receive kthread that reads a 32-byte header,
 * validates it with dsm_transport_peek() (so no length is trusted), reads
 * the rest into the connection's buffer (DSM_WIRE_MAX_MSG bytes, allocated
 * once) and hands it to dsm_transport_recv(); any error or malformed
 * message drops the connection. Connecting and tearing down run in each
 * peer's work item on dsm_tcp.wq.
 *
 * Sending: senders serialise on the peer's tx_lock; dsm_tcp_xmit()
 * (dsm_tcp_io.c) puts the message on the socket, a page fragment without
 * copying it into a buffer of ours. A send blocks at most
 * DSM_TCP_SEND_TIMEOUT_MS (socket send timeout) per sendmsg(), after
 * which the connection is dropped.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": tcp: " fmt

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

#define DSM_TCP_BACKOFF_MIN_MS		100
#define DSM_TCP_BACKOFF_MAX_MS		2000
#define DSM_TCP_CONNECT_TIMEOUT_MS	2000
#define DSM_TCP_HELLO_TIMEOUT_MS	2000
#define DSM_TCP_SEND_TIMEOUT_MS		5000

/**
 * struct dsm_tcp_conn - one established connection.
 * @sock:	the socket; released by dsm_tcp_conn_free() only.
 * @rx:		receive thread; runs until kthread_stop().
 * @node:	peer node id.
 * @buf:	receive buffer, DSM_WIRE_MAX_MSG bytes, used by @rx only.
 */
struct dsm_tcp_conn {
	struct socket *sock;
	struct task_struct *rx;
	u32 node;
	u8 *buf;
};

/**
 * struct dsm_tcp_peer - a peer and its connection.
 * @lock:	serialises installing and tearing down @conn (the work item
 *		and the listener). Never held by senders or the receive
 *		thread, so kthread_stop() of the receive thread under it
 *		cannot deadlock.
 * @tx_lock:	serialises senders; @conn is read under it for a send, and
 *		written under it (inside @lock).
 * @conn:	current connection, or NULL.
 * @state_lock:	protects @want, @addr and @broken (taken by the core's
 *		connect/close ops in atomic context and by the receive
 *		thread).
 * @want:	the core wants this peer.
 * @addr:	its data address.
 * @broken:	@conn failed: the work item must replace it.
 * @backoff_ms:	delay before the next connection attempt. Under @lock.
 * @work:	connects, reconnects, tears down.
 */
struct dsm_tcp_peer {
	struct mutex lock;	/* see @lock above */
	struct mutex tx_lock;	/* see @tx_lock above */
	struct dsm_tcp_conn *conn;
	spinlock_t state_lock;	/* see @state_lock above */
	bool want;
	struct sockaddr_storage addr;
	bool broken;
	unsigned int backoff_ms;
	struct delayed_work work;
};

/**
 * struct dsm_tcp - the transport.
 * @local:	this node's id.
 * @listen:	listening socket.
 * @listener:	accepting thread.
 * @wq:		the peers' work items.
 * @peers:	indexed by node id.
 */
static struct dsm_tcp {
	u32 local;
	struct socket *listen;
	struct task_struct *listener;
	struct workqueue_struct *wq;
	struct dsm_tcp_peer peers[DSM_NODES_MAX];
} dsm_tcp;

static void dsm_tcp_sock_setup(struct socket *sock, unsigned int rcv_ms)
{
	struct sock *sk = sock->sk;

	tcp_sock_set_nodelay(sk);
	lock_sock(sk);
	sk->sk_sndtimeo = msecs_to_jiffies(DSM_TCP_SEND_TIMEOUT_MS);
	sk->sk_rcvtimeo = rcv_ms ? msecs_to_jiffies(rcv_ms) :
				   MAX_SCHEDULE_TIMEOUT;
	sk->sk_allocation = GFP_NOFS;
	release_sock(sk);
}

static void dsm_tcp_set_rcvtimeo(struct socket *sock, unsigned int ms)
{
	lock_sock(sock->sk);
	sock->sk->sk_rcvtimeo = ms ? msecs_to_jiffies(ms) :
				     MAX_SCHEDULE_TIMEOUT;
	release_sock(sock->sk);
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

static int dsm_tcp_send_all(struct socket *sock, const void *buf, size_t len)
{
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
	struct kvec iov;
	int ret;

	while (len) {
		iov.iov_base = (void *)buf;
		iov.iov_len = len;
		ret = kernel_sendmsg(sock, &msg, &iov, 1, len);
		if (ret <= 0)
			return ret ? ret : -EIO;
		buf += ret;
		len -= ret;
	}
	return 0;
}

/* Read one whole message into @buf (DSM_WIRE_MAX_MSG bytes). */
static int dsm_tcp_recv_msg(struct socket *sock, u8 *buf, u32 *len)
{
	int ret;

	ret = dsm_tcp_recv_all(sock, buf, DSM_WIRE_HDR_SIZE);
	if (ret)
		return ret;
	ret = dsm_transport_peek(buf, len);
	if (ret)
		return ret;
	return dsm_tcp_recv_all(sock, buf + DSM_WIRE_HDR_SIZE,
				*len - DSM_WIRE_HDR_SIZE);
}

/* The receive thread of @c saw an error: have the work item replace it. */
static void dsm_tcp_conn_broken(struct dsm_tcp_conn *c)
{
	struct dsm_tcp_peer *p = &dsm_tcp.peers[c->node];

	spin_lock(&p->state_lock);
	p->broken = true;
	spin_unlock(&p->state_lock);
	mod_delayed_work(dsm_tcp.wq, &p->work, 0);
}

/*
 * Fault injection's stall (dsm_transport_rx_hold()): read nothing from
 * the peer for a while, so that its sends back up. Ends early at
 * kthread_stop().
 */
static void dsm_tcp_rx_hold(struct dsm_tcp_conn *c)
{
	long left;

	while ((left = dsm_transport_rx_hold(c->node)) > 0 &&
	       !kthread_should_stop())
		schedule_timeout_interruptible(min_t(long, left, HZ / 10));
}

static int dsm_tcp_rx_thread(void *arg)
{
	struct dsm_tcp_conn *c = arg;
	u32 len;
	int ret;

	while (!kthread_should_stop()) {
		dsm_tcp_rx_hold(c);
		ret = dsm_tcp_recv_msg(c->sock, c->buf, &len);
		if (!ret) {
			dsm_transport_rx_seen(c->node, c->buf, len);
			ret = dsm_transport_recv(c->node, c->buf, len);
		}
		if (ret) {
			if (!kthread_should_stop())
				pr_info("connection to node %u lost (%d)\n",
					c->node, ret);
			break;
		}
	}
	dsm_transport_conn_down(c->node);
	dsm_tcp_conn_broken(c);
	/* Stay until kthread_stop(), so that its caller owns our exit. */
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

static void dsm_tcp_conn_free(struct dsm_tcp_conn *c)
{
	if (c->sock)
		sock_release(c->sock);
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
 * Make @sock (handshake done) the connection to @node, replacing an older
 * one. Consumes @sock. Under @p->lock.
 */
static int dsm_tcp_install(struct dsm_tcp_peer *p, u32 node,
			   struct socket *sock)
{
	struct dsm_tcp_conn *c;

	lockdep_assert_held(&p->lock);
	dsm_tcp_teardown(p);
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		goto nomem;
	c->buf = kvmalloc(DSM_WIRE_MAX_MSG, GFP_KERNEL);
	if (!c->buf)
		goto nomem;
	c->sock = sock;
	c->node = node;
	dsm_tcp_set_rcvtimeo(sock, 0);
	c->rx = kthread_create(dsm_tcp_rx_thread, c, "dsm_rx/%u", node);
	if (IS_ERR(c->rx)) {
		int ret = PTR_ERR(c->rx);

		dsm_tcp_conn_free(c);
		return ret;
	}
	spin_lock(&p->state_lock);
	p->broken = false;
	spin_unlock(&p->state_lock);
	mutex_lock(&p->tx_lock);
	p->conn = c;
	mutex_unlock(&p->tx_lock);
	p->backoff_ms = DSM_TCP_BACKOFF_MIN_MS;
	dsm_transport_conn_up(node);
	wake_up_process(c->rx);
	pr_info("connected to node %u\n", node);
	return 0;
nomem:
	kfree(c);
	sock_release(sock);
	return -ENOMEM;
}

/* Connecting side: connect to @addr, HELLO, wait for HELLO_REPLY. */
static int dsm_tcp_dial(u32 node, const struct sockaddr_storage *addr,
			struct socket **out)
{
	u8 hello[DSM_TRANSPORT_HELLO_SIZE];
	struct socket *sock;
	u32 peer = node, mlen;
	int len, ret;

	ret = sock_create_kern(&init_net, addr->ss_family, SOCK_STREAM,
			       IPPROTO_TCP, &sock);
	if (ret)
		return ret;
	dsm_tcp_sock_setup(sock, DSM_TCP_HELLO_TIMEOUT_MS);
	/* A blocking connect is bounded by the send timeout. */
	lock_sock(sock->sk);
	sock->sk->sk_sndtimeo = msecs_to_jiffies(DSM_TCP_CONNECT_TIMEOUT_MS);
	release_sock(sock->sk);
	ret = kernel_connect(sock, (struct sockaddr *)addr,
			     addr->ss_family == AF_INET6 ?
			     sizeof(struct sockaddr_in6) :
			     sizeof(struct sockaddr_in), 0);
	if (ret)
		goto fail;
	dsm_tcp_sock_setup(sock, DSM_TCP_HELLO_TIMEOUT_MS);
	len = dsm_transport_hello_encode(hello, sizeof(hello), node, false);
	if (len < 0) {
		ret = len;
		goto fail;
	}
	ret = dsm_tcp_send_all(sock, hello, len);
	if (ret)
		goto fail;
	ret = dsm_tcp_recv_all(sock, hello, DSM_WIRE_HDR_SIZE);
	if (ret)
		goto fail;
	ret = dsm_transport_peek(hello, &mlen);
	if (ret)
		goto fail;
	if (mlen > sizeof(hello)) {
		ret = -EPROTO;
		goto fail;
	}
	ret = dsm_tcp_recv_all(sock, hello + DSM_WIRE_HDR_SIZE,
			       mlen - DSM_WIRE_HDR_SIZE);
	if (ret)
		goto fail;
	ret = dsm_transport_hello_check(hello, mlen, &peer, true);
	if (ret) {
		/* ESTALE: an incarnation not reported yet; counted, retried. */
		if (ret != -ESTALE)
			pr_warn_ratelimited("node %u refused the handshake: %d\n",
					    node, ret);
		goto fail;
	}
	*out = sock;
	return 0;
fail:
	sock_release(sock);
	return ret;
}

static void dsm_tcp_work(struct work_struct *work)
{
	struct dsm_tcp_peer *p = container_of(to_delayed_work(work),
					      struct dsm_tcp_peer, work);
	u32 node = p - dsm_tcp.peers;
	struct sockaddr_storage addr;
	struct socket *sock;
	bool want, broken;
	int ret;

	mutex_lock(&p->lock);
	spin_lock(&p->state_lock);
	want = p->want;
	broken = p->broken;
	addr = p->addr;
	spin_unlock(&p->state_lock);
	if (p->conn && (broken || !want))
		dsm_tcp_teardown(p);
	if (!want || p->conn || node < dsm_tcp.local)
		goto out;
	/* We connect to nodes with a higher id. */
	ret = dsm_tcp_dial(node, &addr, &sock);
	if (!ret)
		ret = dsm_tcp_install(p, node, sock);
	if (ret) {
		mod_delayed_work(dsm_tcp.wq, &p->work,
				 msecs_to_jiffies(p->backoff_ms));
		p->backoff_ms = min(p->backoff_ms * 2, DSM_TCP_BACKOFF_MAX_MS);
	}
out:
	mutex_unlock(&p->lock);
}

/* Accepting side of the handshake; consumes @sock. */
static void dsm_tcp_accept_one(struct socket *sock)
{
	u8 hello[DSM_TRANSPORT_HELLO_SIZE];
	struct dsm_tcp_peer *p;
	u32 node = U32_MAX, len;
	int ret, err, n;

	dsm_tcp_sock_setup(sock, DSM_TCP_HELLO_TIMEOUT_MS);
	ret = dsm_tcp_recv_all(sock, hello, DSM_WIRE_HDR_SIZE);
	if (ret)
		goto drop;
	ret = dsm_transport_peek(hello, &len);
	if (ret || len > sizeof(hello))
		goto drop;
	ret = dsm_tcp_recv_all(sock, hello + DSM_WIRE_HDR_SIZE,
			       len - DSM_WIRE_HDR_SIZE);
	if (ret)
		goto drop;
	err = dsm_transport_hello_check(hello, len, &node, false);
	/* Only nodes with a lower id connect to us. */
	if (!err && node >= dsm_tcp.local)
		err = -EPERM;
	if (err) {
		if (err != -ESTALE)
			pr_warn_ratelimited("refused a connection (node %d): %d\n",
					    node == U32_MAX ? -1 : (int)node,
					    err);
		if (node < DSM_NODES_MAX) {
			n = dsm_transport_nack_encode(hello, sizeof(hello),
						      node, -err);
			if (n > 0)
				dsm_tcp_send_all(sock, hello, n);
		}
		goto drop;
	}
	n = dsm_transport_hello_encode(hello, sizeof(hello), node, true);
	if (n < 0 || dsm_tcp_send_all(sock, hello, n))
		goto drop;
	p = &dsm_tcp.peers[node];
	mutex_lock(&p->lock);
	dsm_tcp_install(p, node, sock);
	mutex_unlock(&p->lock);
	return;
drop:
	sock_release(sock);
}

static int dsm_tcp_listen_thread(void *arg)
{
	struct socket *sock;
	int ret;

	while (!kthread_should_stop()) {
		ret = kernel_accept(dsm_tcp.listen, &sock, 0);
		if (ret) {
			if (kthread_should_stop())
				break;
			/* Transient (ENOMEM, aborted connection). */
			schedule_timeout_interruptible(HZ / 10);
			continue;
		}
		dsm_tcp_accept_one(sock);
	}
	return 0;
}

static int dsm_tcp_start(u32 local, const struct sockaddr_storage *addr)
{
	struct sockaddr_storage any;
	struct socket *sock;
	int ret;

	dsm_tcp.local = local;
	memset(&any, 0, sizeof(any));
	any.ss_family = addr->ss_family;
	if (addr->ss_family == AF_INET6)
		((struct sockaddr_in6 *)&any)->sin6_port =
			((const struct sockaddr_in6 *)addr)->sin6_port;
	else
		((struct sockaddr_in *)&any)->sin_port =
			((const struct sockaddr_in *)addr)->sin_port;
	ret = sock_create_kern(&init_net, addr->ss_family, SOCK_STREAM,
			       IPPROTO_TCP, &sock);
	if (ret)
		return ret;
	sock_set_reuseaddr(sock->sk);
	ret = kernel_bind(sock, (struct sockaddr *)&any,
			  addr->ss_family == AF_INET6 ?
			  sizeof(struct sockaddr_in6) :
			  sizeof(struct sockaddr_in));
	if (!ret)
		ret = kernel_listen(sock, DSM_NODES_MAX * 2);
	if (ret)
		goto fail;
	dsm_tcp.listen = sock;
	dsm_tcp.listener = kthread_run(dsm_tcp_listen_thread, NULL,
				       "dsm_listen");
	if (IS_ERR(dsm_tcp.listener)) {
		ret = PTR_ERR(dsm_tcp.listener);
		dsm_tcp.listener = NULL;
		dsm_tcp.listen = NULL;
		goto fail;
	}
	return 0;
fail:
	sock_release(sock);
	return ret;
}

static void dsm_tcp_stop(void)
{
	struct dsm_tcp_peer *p;
	u32 id;

	if (dsm_tcp.listener) {
		kernel_sock_shutdown(dsm_tcp.listen, SHUT_RDWR);
		kthread_stop(dsm_tcp.listener);
		dsm_tcp.listener = NULL;
	}
	if (dsm_tcp.listen) {
		sock_release(dsm_tcp.listen);
		dsm_tcp.listen = NULL;
	}
	for (id = 0; id < DSM_NODES_MAX; id++) {
		p = &dsm_tcp.peers[id];
		spin_lock(&p->state_lock);
		p->want = false;
		spin_unlock(&p->state_lock);
		cancel_delayed_work_sync(&p->work);
		mutex_lock(&p->lock);
		dsm_tcp_teardown(p);
		mutex_unlock(&p->lock);
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
	changed = !p->want || memcmp(&p->addr, &peer->addr, sizeof(p->addr));
	p->want = true;
	p->addr = peer->addr;
	spin_unlock(&p->state_lock);
	if (changed)
		mod_delayed_work(dsm_tcp.wq, &p->work, 0);
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
	mod_delayed_work(dsm_tcp.wq, &p->work, 0);
}

static int dsm_tcp_send(u32 node, const struct dsm_tx_msg *tx)
{
	struct dsm_tcp_peer *p;
	int ret = -ENOTCONN;

	if (node >= DSM_NODES_MAX)
		return -EINVAL;
	p = &dsm_tcp.peers[node];
	mutex_lock(&p->tx_lock);
	if (p->conn) {
		ret = dsm_tcp_xmit(p->conn->sock, tx);
		if (ret) {
			spin_lock(&p->state_lock);
			p->broken = true;
			spin_unlock(&p->state_lock);
			mod_delayed_work(dsm_tcp.wq, &p->work, 0);
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
		p->backoff_ms = DSM_TCP_BACKOFF_MIN_MS;
		INIT_DELAYED_WORK(&p->work, dsm_tcp_work);
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

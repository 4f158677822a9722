// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_rdma_main.c - the RDMA transport (struct dsm_transport_ops "rdma"),
 * a module of its own: dsm_rdma.ko links against dsm.ko and ib_core /
 * rdma_cm; dsm.ko never depends on them. Load dsm.ko with
 * transport=rdma, then this module.
 *
 * Connections are fed by @adopt as on TCP (dsm_tcp.c): dsmd dials,
 * authenticates and hands the socket over; this transport keeps the
 * socket (its closure ends the link), makes an RDMA RC connection next to
 * it (dsm_rdma_conn.c) and carries every message there (dsm_rdma_io.c).
 * The peers, their work items and the replacing of a broken connection
 * follow dsm_tcp.c: a broken or missing connection of a wanted peer is
 * reported with dsm_transport_link_down() and dsmd makes a new one.
 *
 * Devices: an ib_client's remove callback tears every connection down
 * (and the listener, when on that device) before rdma_cm waits for its
 * ids to go, so `rdma link del` does not hang; the listener is made again
 * every second while the transport runs, and links come back through
 * dsmd.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <net/sock.h>

#include "dsm_internal.h"
#include "dsm_rdma.h"

struct dsm_rdma dsm_rdma;

/* ------------------------------------------------------- addresses */

u16 dsm_rdma_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return 0;
}

void dsm_rdma_port_set(struct sockaddr_storage *ss, u16 port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

/* ------------------------------------------------------ connections */

/* @c failed: have its peer's work item replace it. Any context. */
void dsm_rdma_conn_broken(struct dsm_rdma_conn *c)
{
	struct dsm_rdma_peer *p = &dsm_rdma.peers[c->node];

	spin_lock_bh(&p->state_lock);
	p->broken = true;
	spin_unlock_bh(&p->state_lock);
	queue_work(dsm_rdma.wq, &p->work);
}

static void dsm_rdma_conn_free(struct dsm_rdma_conn *c)
{
	if (!c)
		return;
	if (c->sock)
		sockfd_put(c->sock);
	dsm_auth_kconn_free(&c->tx_auth);
	dsm_auth_kconn_free(&c->rx_auth);
	memzero_explicit(&c->txl, sizeof(c->txl));
	memzero_explicit(&c->rxl, sizeof(c->rxl));
	kvfree(c->buf);
	kfree(c);
}

/* Detach and destroy the connection of @p. Under @p->lock. */
static void dsm_rdma_teardown(struct dsm_rdma_peer *p)
{
	struct dsm_rdma_conn *c = p->conn;

	lockdep_assert_held(&p->lock);
	if (!c)
		return;
	/* Senders waiting for credits and both threads let go. */
	spin_lock_bh(&c->lock);
	c->dead = true;
	spin_unlock_bh(&c->lock);
	wake_up_all(&c->wq);
	kernel_sock_shutdown(c->sock, SHUT_RDWR);
	mutex_lock(&p->tx_lock);
	spin_lock_bh(&p->state_lock);
	p->conn = NULL;
	spin_unlock_bh(&p->state_lock);
	mutex_unlock(&p->tx_lock);
	kthread_stop(c->rx);	/* it reported dsm_transport_conn_down() */
	kthread_stop(c->watch);
	dsm_rdma_release(c);
	dsm_rdma_conn_free(c);
}

/* Make @c the connection of @p and start its threads. Under @p->lock. */
static void dsm_rdma_install(struct dsm_rdma_peer *p, struct dsm_rdma_conn *c)
{
	lockdep_assert_held(&p->lock);
	dsm_rdma_teardown(p);
	c->rx = kthread_create(dsm_rdma_rx_thread, c, "dsm_rrx/%u", c->node);
	if (IS_ERR(c->rx))
		goto fail;
	c->watch = kthread_create(dsm_rdma_watch_thread, c, "dsm_rw/%u",
				  c->node);
	if (IS_ERR(c->watch)) {
		kthread_stop(c->rx);
		goto fail;
	}
	mutex_lock(&p->tx_lock);
	spin_lock_bh(&p->state_lock);
	p->broken = false;
	p->conn = c;
	spin_unlock_bh(&p->state_lock);
	mutex_unlock(&p->tx_lock);
	wake_up_process(c->rx);
	wake_up_process(c->watch);
	return;
fail:
	pr_warn("node %u: no thread for the connection\n", c->node);
	dsm_rdma_conn_free(c);
}

static void dsm_rdma_work(struct work_struct *work)
{
	struct dsm_rdma_peer *p = container_of(work, struct dsm_rdma_peer,
					       work);
	u32 node = p - dsm_rdma.peers;
	struct dsm_rdma_conn *pending;
	bool want, broken;

	mutex_lock(&p->lock);
	spin_lock_bh(&p->state_lock);
	want = p->want;
	broken = p->broken;
	pending = p->pending;
	p->pending = NULL;
	p->broken = false;
	spin_unlock_bh(&p->state_lock);
	if (!want) {
		dsm_rdma_conn_free(pending);
		dsm_rdma_teardown(p);
	} else if (pending) {
		dsm_rdma_install(p, pending);
	} else if (broken) {
		dsm_rdma_teardown(p);
		spin_lock_bh(&p->state_lock);
		p->broken = false;
		spin_unlock_bh(&p->state_lock);
	}
	if (want && !p->conn)
		dsm_transport_link_down(node);
	mutex_unlock(&p->lock);
}

/* ------------------------------------------------------- listening */

/* Listen at the RDMA port. Under listen_lock. 0 or an errno. */
static int dsm_rdma_listen(bool quiet)
{
	struct sockaddr_storage a = dsm_rdma.local_addr;
	struct rdma_cm_id *id;
	int ret;

	lockdep_assert_held(&dsm_rdma.listen_lock);
	dsm_rdma_port_set(&a, dsm_rdma_port(&a) + DSM_RDMA_PORT_OFFSET);
	id = rdma_create_id(&init_net, dsm_rdma_cm_handler, NULL, RDMA_PS_TCP,
			    IB_QPT_RC);
	if (IS_ERR(id))
		return PTR_ERR(id);
	ret = rdma_bind_addr(id, (struct sockaddr *)&a);
	if (!ret)
		ret = rdma_listen(id, 16);
	if (ret) {
		rdma_destroy_id(id);
		if (!quiet)
			pr_err("cannot listen at %pISpc (%d): no RDMA device has this address? (e.g. rdma link add rxe0 type rxe netdev eth0)\n",
			       &a, ret);
		return ret;
	}
	dsm_rdma.listener = id;
	pr_info("listening at %pISpc\n", &a);
	return 0;
}

static void dsm_rdma_listen_work(struct work_struct *work)
{
	mutex_lock(&dsm_rdma.listen_lock);
	if (dsm_rdma.started && !dsm_rdma.listener && dsm_rdma_listen(true))
		queue_delayed_work(dsm_rdma.wq, &dsm_rdma.listen_work, HZ);
	mutex_unlock(&dsm_rdma.listen_lock);
}

/* ----------------------------------------------------------- devices */

static int dsm_rdma_add_one(struct ib_device *dev)
{
	return 0;
}

/*
 * A device goes away: every connection goes (those on other devices
 * too: simpler, and they come back through dsmd), and the listener if it
 * is on it. rdma_cm's own removal, which waits for its ids, runs after
 * ours (clients go in the reverse order of registration).
 */
static void dsm_rdma_remove_one(struct ib_device *dev, void *data)
{
	struct rdma_cm_id *id = NULL;
	struct dsm_rdma_peer *p;
	bool want;
	u32 n;

	mutex_lock(&dsm_rdma.listen_lock);
	if (dsm_rdma.listener && dsm_rdma.listener->device == dev) {
		id = dsm_rdma.listener;
		dsm_rdma.listener = NULL;
	}
	mutex_unlock(&dsm_rdma.listen_lock);
	if (id)
		rdma_destroy_id(id);
	pr_info("RDMA device %s goes away (removed, or dsm_rdma unloads): dropping the connections\n",
		dev_name(&dev->dev));
	for (n = 0; n < DSM_NODES_MAX; n++) {
		p = &dsm_rdma.peers[n];
		mutex_lock(&p->lock);
		dsm_rdma_teardown(p);
		spin_lock_bh(&p->state_lock);
		want = p->want;
		spin_unlock_bh(&p->state_lock);
		if (want)
			dsm_transport_link_down(n);
		mutex_unlock(&p->lock);
	}
	if (id)
		queue_delayed_work(dsm_rdma.wq, &dsm_rdma.listen_work, HZ);
}

static struct ib_client dsm_rdma_client = {
	.name	= "dsm_rdma",
	.add	= dsm_rdma_add_one,
	.remove	= dsm_rdma_remove_one,
};

/* ------------------------------------------------------------- ops */

static struct dsm_rdma_conn *dsm_rdma_conn_new(u32 node, struct socket *sock,
					       const struct dsm_transport_keys *k)
{
	struct dsm_rdma_conn *c;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return NULL;
	c->node = node;
	c->active = dsm_rdma.local < node;
	spin_lock_init(&c->lock);
	init_waitqueue_head(&c->wq);
	c->buf = kvmalloc(DSM_WIRE_MAX_MSG, GFP_KERNEL);
	if (!c->buf)
		goto fail;
	if (k) {
		if (dsm_auth_kconn_init(&c->tx_auth) ||
		    dsm_auth_kconn_init(&c->rx_auth))
			goto fail;
		c->mac = true;
		c->txl = k->tx;
		c->rxl = k->rx;
	}
	return c;
fail:
	dsm_rdma_conn_free(c);
	return NULL;
}

/*
 * @facts were checked by the core before this call (incarnations,
 * PREV_LOST); the RDMA connection speaks the wire version they name.
 */
static int dsm_rdma_adopt(u32 node, struct socket *sock,
			  const struct dsm_transport_keys *keys,
			  const struct dsm_transport_facts *facts)
{
	struct dsm_rdma_conn *c, *old;
	struct dsm_rdma_peer *p;

	if (node >= DSM_NODES_MAX || node == dsm_rdma.local)
		return -EINVAL;
	p = &dsm_rdma.peers[node];
	c = dsm_rdma_conn_new(node, sock, keys);
	if (!c)
		return -ENOMEM;
	lock_sock(sock->sk);
	sock->sk->sk_rcvtimeo = MAX_SCHEDULE_TIMEOUT;
	release_sock(sock->sk);
	spin_lock_bh(&p->state_lock);
	if (!p->want) {
		spin_unlock_bh(&p->state_lock);
		dsm_rdma_conn_free(c);
		return -EHOSTUNREACH;
	}
	c->dst = p->addr;
	dsm_rdma_port_set(&c->dst, dsm_rdma_port(&c->dst) +
			  DSM_RDMA_PORT_OFFSET);
	c->sock = sock;
	old = p->pending;
	p->pending = c;
	spin_unlock_bh(&p->state_lock);
	dsm_rdma_conn_free(old);
	queue_work(dsm_rdma.wq, &p->work);
	return 0;
}

static int dsm_rdma_start(u32 local, const struct sockaddr_storage *addr)
{
	int ret;

	mutex_lock(&dsm_rdma.listen_lock);
	dsm_rdma.local = local;
	dsm_rdma.local_addr = *addr;
	ret = dsm_rdma_listen(false);
	dsm_rdma.started = !ret;
	mutex_unlock(&dsm_rdma.listen_lock);
	return ret;
}

static void dsm_rdma_stop_peer(struct dsm_rdma_peer *p)
{
	struct dsm_rdma_conn *pending;

	spin_lock_bh(&p->state_lock);
	p->want = false;
	spin_unlock_bh(&p->state_lock);
	cancel_work_sync(&p->work);
	mutex_lock(&p->lock);
	dsm_rdma_teardown(p);
	mutex_unlock(&p->lock);
	spin_lock_bh(&p->state_lock);
	pending = p->pending;
	p->pending = NULL;
	p->broken = false;
	spin_unlock_bh(&p->state_lock);
	dsm_rdma_conn_free(pending);
}

static void dsm_rdma_stop(void)
{
	struct rdma_cm_id *id;
	u32 n;

	mutex_lock(&dsm_rdma.listen_lock);
	dsm_rdma.started = false;
	id = dsm_rdma.listener;
	dsm_rdma.listener = NULL;
	mutex_unlock(&dsm_rdma.listen_lock);
	cancel_delayed_work_sync(&dsm_rdma.listen_work);
	if (id)
		rdma_destroy_id(id);
	for (n = 0; n < DSM_NODES_MAX; n++)
		dsm_rdma_stop_peer(&dsm_rdma.peers[n]);
}

static void dsm_rdma_connect(const struct dsm_transport_peer *peer)
{
	struct dsm_rdma_peer *p;
	bool changed;

	if (peer->node >= DSM_NODES_MAX)
		return;
	p = &dsm_rdma.peers[peer->node];
	spin_lock_bh(&p->state_lock);
	changed = !p->want;
	p->want = true;
	p->addr = peer->addr;
	spin_unlock_bh(&p->state_lock);
	if (changed)
		queue_work(dsm_rdma.wq, &p->work);
}

static void dsm_rdma_close(u32 node)
{
	struct dsm_rdma_peer *p;

	if (node >= DSM_NODES_MAX)
		return;
	p = &dsm_rdma.peers[node];
	spin_lock_bh(&p->state_lock);
	p->want = false;
	p->broken = true;
	spin_unlock_bh(&p->state_lock);
	queue_work(dsm_rdma.wq, &p->work);
}

static int dsm_rdma_send(u32 node, const struct dsm_tx_msg *tx)
{
	struct dsm_rdma_peer *p;
	int ret = -ENOTCONN;

	if (node >= DSM_NODES_MAX)
		return -EINVAL;
	p = &dsm_rdma.peers[node];
	mutex_lock(&p->tx_lock);
	if (p->conn && p->conn->ready) {
		ret = dsm_rdma_send_msg(p->conn, tx);
		if (ret)
			dsm_rdma_fail(p->conn, "sending", ret);
	}
	mutex_unlock(&p->tx_lock);
	return ret;
}

static const struct dsm_transport_ops dsm_rdma_ops = {
	.version	= DSM_TRANSPORT_VERSION,
	.name		= "rdma",
	.owner		= THIS_MODULE,
	.start		= dsm_rdma_start,
	.stop		= dsm_rdma_stop,
	.connect	= dsm_rdma_connect,
	.close		= dsm_rdma_close,
	.adopt		= dsm_rdma_adopt,
	.send		= dsm_rdma_send,
};

static int __init dsm_rdma_init(void)
{
	struct dsm_rdma_peer *p;
	int ret;
	u32 n;

	BUILD_BUG_ON(sizeof(struct dsm_rdma_prefix) != 48);
	BUILD_BUG_ON(sizeof(struct dsm_rdma_cm_pd) > 56);
	dsm_rdma.wq = alloc_workqueue("dsm_rdma", WQ_UNBOUND | WQ_MEM_RECLAIM,
				      0);
	if (!dsm_rdma.wq)
		return -ENOMEM;
	mutex_init(&dsm_rdma.listen_lock);
	INIT_DELAYED_WORK(&dsm_rdma.listen_work, dsm_rdma_listen_work);
	for (n = 0; n < DSM_NODES_MAX; n++) {
		p = &dsm_rdma.peers[n];
		mutex_init(&p->lock);
		mutex_init(&p->tx_lock);
		spin_lock_init(&p->state_lock);
		INIT_WORK(&p->work, dsm_rdma_work);
	}
	ret = ib_register_client(&dsm_rdma_client);
	if (ret)
		goto out_wq;
	ret = dsm_transport_register(&dsm_rdma_ops);
	if (ret)
		goto out_client;
	return 0;
out_client:
	ib_unregister_client(&dsm_rdma_client);
out_wq:
	destroy_workqueue(dsm_rdma.wq);
	return ret;
}

static void __exit dsm_rdma_exit(void)
{
	dsm_transport_unregister(&dsm_rdma_ops);
	ib_unregister_client(&dsm_rdma_client);
	destroy_workqueue(dsm_rdma.wq);
}

module_init(dsm_rdma_init);
module_exit(dsm_rdma_exit);
MODULE_DESCRIPTION("dsm: RDMA transport (rdma_cm, RC queue pairs)");
MODULE_LICENSE("GPL");

// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_rdma_conn.c - making an RDMA connection and taking it down.
 *
 * A connection starts from the TCP socket dsmd authenticated and handed
 * over (@adopt): the lower id connects with rdma_cm to the higher's RDMA
 * port (its data port + DSM_RDMA_PORT_OFFSET), the higher listens there.
 * The request's private data (struct dsm_rdma_cm_pd) names both nodes
 * and carries the first frame tag of the session the socket's handshake
 * made, so the listener gives the request only to the connection whose
 * socket it adopted, with the same keys; a request it cannot match (its
 * peer's socket not adopted yet) is rejected and the connecting side
 * tries again every DSM_RDMA_RETRY_MS, for at most
 * DSM_RDMA_CONNECT_TIMEOUT_MS. The socket stays open and idle: the
 * connection's watch thread waits for it to close, which ends the link
 * as on TCP.
 *
 * All of that runs in the connection's receive thread, synchronously:
 * rdma_cm's callback (dsm_rdma_cm_handler()) only records the event
 * and wakes it. Resources (PD, CQ, QP, slots) are made by that thread and
 * freed by dsm_rdma_release() once the thread has stopped, or between
 * two tries by the thread itself.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kthread.h>
#include <linux/net.h>
#include <linux/sched.h>
#include <rdma/ib_cm.h>

#include "dsm_internal.h"
#include "dsm_rdma.h"

/* ---------------------------------------------------- rdma_cm events */

/*
 * Does @pd prove that its sender holds the keys of @c? Under the peer's
 * state_lock (HMAC over 16 bytes: no sleeping).
 */
static bool dsm_rdma_proof_ok(struct dsm_rdma_conn *c,
			      const struct dsm_rdma_cm_pd *pd, u32 tag_len)
{
	if (!c->mac)
		return !tag_len;
	if (tag_len != c->rxl.tag_len)
		return false;
	if (dsm_auth_frame_open(&c->rx_auth.ops, &c->rxl, (const u8 *)pd,
				DSM_RDMA_CM_PD_SIGNED, pd->tag)) {
		dsm_stat_inc(DSM_STAT_AUTH_BAD_FRAMES);
		pr_warn_ratelimited("node %u: an RDMA connect request failed authentication: refused\n",
				    c->node);
		return false;
	}
	return true;
}

/*
 * A connect request on the listener: give it to the connection of the
 * node it names if that one waits for it and the proof holds; else
 * reject it (a non-zero return has rdma_cm destroy @id).
 */
static int dsm_rdma_listen_req(struct rdma_cm_id *id, struct rdma_cm_event *ev)
{
	const struct dsm_rdma_cm_pd *pd = ev->param.conn.private_data;
	struct dsm_rdma_conn *c = NULL;
	struct dsm_rdma_peer *p;
	u32 from, tag_len;
	bool ok = false;

	if (!pd || ev->param.conn.private_data_len < sizeof(*pd) ||
	    le32_to_cpu(pd->magic) != DSM_RDMA_MAGIC)
		goto reject;
	from = le32_to_cpu(pd->from);
	tag_len = le32_to_cpu(pd->tag_len);
	if (from >= DSM_NODES_MAX || from >= dsm_rdma.local ||
	    le32_to_cpu(pd->to) != dsm_rdma.local ||
	    tag_len > DSM_AUTH_MAC_SIZE)
		goto reject;
	p = &dsm_rdma.peers[from];
	spin_lock_bh(&p->state_lock);
	c = p->conn;
	if (c && c->waiting && dsm_rdma_proof_ok(c, pd, tag_len)) {
		c->waiting = false;
		id->context = c;
		spin_lock(&c->lock);
		c->cm_id = id;
		c->cm_state = DSM_RDMA_CM_REQ;
		spin_unlock(&c->lock);
		ok = true;
	}
	spin_unlock_bh(&p->state_lock);
	/* @c stays: freeing it destroys @id, which waits for us. */
	if (ok) {
		wake_up_all(&c->wq);
		return 0;
	}
reject:
	rdma_reject(id, NULL, 0, IB_CM_REJ_CONSUMER_DEFINED);
	return -ECONNREFUSED;
}

/*
 * dsm_rdma_cm_handler() - rdma_cm's callback for the listener (context
 * NULL) and for every connection's id (context: the connection). Records
 * and wakes; returns 0 but for a request it rejects.
 */
int dsm_rdma_cm_handler(struct rdma_cm_id *id, struct rdma_cm_event *ev)
{
	struct dsm_rdma_conn *c = id->context;
	int state, was;

	if (ev->event == RDMA_CM_EVENT_CONNECT_REQUEST)
		return dsm_rdma_listen_req(id, ev);
	if (!c)		/* the listener: device removal is dsm_rdma_remove() */
		return 0;
	switch (ev->event) {
	case RDMA_CM_EVENT_ADDR_RESOLVED:
		state = DSM_RDMA_CM_ADDR;
		break;
	case RDMA_CM_EVENT_ROUTE_RESOLVED:
		state = DSM_RDMA_CM_ROUTE;
		break;
	case RDMA_CM_EVENT_ESTABLISHED:
		state = DSM_RDMA_CM_EST;
		break;
	case RDMA_CM_EVENT_TIMEWAIT_EXIT:
		return 0;
	default:
		state = DSM_RDMA_CM_FAIL;
		break;
	}
	spin_lock_bh(&c->lock);
	was = c->cm_state;
	if (was != DSM_RDMA_CM_FAIL)
		c->cm_state = state;
	if (state == DSM_RDMA_CM_EST)
		c->connected = true;
	spin_unlock_bh(&c->lock);
	wake_up_all(&c->wq);
	if (state == DSM_RDMA_CM_FAIL && was == DSM_RDMA_CM_EST)
		dsm_rdma_fail(c, rdma_event_msg(ev->event), ev->status);
	return 0;
}

/* Wait until rdma_cm says @want (0), or fails, or until @deadline. */
static int dsm_rdma_cm_wait(struct dsm_rdma_conn *c, int want,
			    unsigned long deadline)
{
	long left = max_t(long, (long)(deadline - jiffies), 1);
	bool stop;
	int state;

	wait_event_interruptible_timeout(c->wq,
					 READ_ONCE(c->cm_state) == want ||
					 READ_ONCE(c->cm_state) ==
					 DSM_RDMA_CM_FAIL ||
					 READ_ONCE(c->failed) ||
					 READ_ONCE(c->dead) ||
					 kthread_should_stop(), left);
	spin_lock_bh(&c->lock);
	state = c->cm_state;
	stop = c->failed || c->dead;
	spin_unlock_bh(&c->lock);
	if (stop || kthread_should_stop())
		return -ECONNRESET;
	if (state == want)
		return 0;
	return state == DSM_RDMA_CM_FAIL ? -ECONNREFUSED : -ETIMEDOUT;
}

/* ------------------------------------------------------- resources */

/* PD, CQ, QP and slots of @c's cm_id, and its receives posted. */
static int dsm_rdma_setup(struct dsm_rdma_conn *c)
{
	struct ib_device *dev = c->cm_id->device;
	struct ib_qp_init_attr qa = {};
	int i, ret;

	c->pd = ib_alloc_pd(dev, 0);
	if (IS_ERR(c->pd)) {
		ret = PTR_ERR(c->pd);
		c->pd = NULL;
		return ret;
	}
	c->cq = ib_alloc_cq(dev, c, DSM_RDMA_RX_SLOTS + DSM_RDMA_TX_SLOTS + 4,
			    0, IB_POLL_WORKQUEUE);
	if (IS_ERR(c->cq)) {
		ret = PTR_ERR(c->cq);
		c->cq = NULL;
		return ret;
	}
	qa.send_cq = c->cq;
	qa.recv_cq = c->cq;
	/* + the credit-only fragment, + ib_drain_qp()'s */
	qa.cap.max_send_wr = DSM_RDMA_TX_SLOTS + 2;
	qa.cap.max_recv_wr = DSM_RDMA_RX_SLOTS + 1;
	qa.cap.max_send_sge = 2;
	qa.cap.max_recv_sge = 2;
	qa.sq_sig_type = IB_SIGNAL_ALL_WR;
	qa.qp_type = IB_QPT_RC;
	ret = rdma_create_qp(c->cm_id, c->pd, &qa);
	if (ret)
		return ret;
	ret = dsm_rdma_slots_init(c);
	if (ret)
		return ret;
	spin_lock_bh(&c->lock);
	c->credits = DSM_RDMA_RX_SLOTS;
	c->returns = 0;
	spin_unlock_bh(&c->lock);
	c->rx_next = 0;
	for (i = 0; i < DSM_RDMA_RX_SLOTS; i++) {
		ret = dsm_rdma_post_recv(c, &c->rxs[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * dsm_rdma_release() - free what the receive thread made for @c, in
 * that thread (between two tries) or after it stopped. Sleeps.
 */
void dsm_rdma_release(struct dsm_rdma_conn *c)
{
	struct rdma_cm_id *id = c->cm_id;
	bool est;

	if (!id)
		return;
	spin_lock_bh(&c->lock);
	est = c->connected;
	spin_unlock_bh(&c->lock);
	if (id->qp) {
		rdma_disconnect(id);
		/* Completions of what was posted run before we go on. */
		if (est)
			ib_drain_qp(id->qp);
		rdma_destroy_qp(id);
	}
	if (c->cq)
		ib_free_cq(c->cq);
	c->cq = NULL;
	dsm_rdma_slots_free(c);
	if (c->pd)
		ib_dealloc_pd(c->pd);
	c->pd = NULL;
	rdma_destroy_id(id);
	c->cm_id = NULL;
}

/* ------------------------------------------------------- connecting */

/* The connect request's private data, its tag the session's first. */
static int dsm_rdma_make_proof(struct dsm_rdma_conn *c)
{
	struct dsm_rdma_cm_pd *pd = &c->proof;

	memset(pd, 0, sizeof(*pd));
	pd->magic = cpu_to_le32(DSM_RDMA_MAGIC);
	pd->from = cpu_to_le32(dsm_rdma.local);
	pd->to = cpu_to_le32(c->node);
	pd->tag_len = cpu_to_le32(c->mac ? c->txl.tag_len : 0);
	if (!c->mac)
		return 0;
	return dsm_auth_frame_seal(&c->tx_auth.ops, &c->txl, (const u8 *)pd,
				   DSM_RDMA_CM_PD_SIGNED, pd->tag);
}

static void dsm_rdma_conn_param(struct dsm_rdma_conn *c,
				struct rdma_conn_param *cp)
{
	memset(cp, 0, sizeof(*cp));
	cp->private_data = c->active ? &c->proof : NULL;
	cp->private_data_len = c->active ? sizeof(c->proof) : 0;
	cp->retry_count = 7;
	cp->rnr_retry_count = 7;	/* never give up on a full receiver */
}

/* One try of the connecting side. */
static int dsm_rdma_connect_once(struct dsm_rdma_conn *c,
				 unsigned long deadline)
{
	struct sockaddr_storage src = dsm_rdma.local_addr;
	struct rdma_conn_param cp;
	struct rdma_cm_id *id;
	int ret;

	id = rdma_create_id(&init_net, dsm_rdma_cm_handler, c, RDMA_PS_TCP,
			    IB_QPT_RC);
	if (IS_ERR(id))
		return PTR_ERR(id);
	c->cm_id = id;
	dsm_rdma_port_set(&src, 0);	/* any port */
	ret = rdma_resolve_addr(id, (struct sockaddr *)&src,
				(struct sockaddr *)&c->dst,
				DSM_RDMA_RESOLVE_MS);
	if (!ret)
		ret = dsm_rdma_cm_wait(c, DSM_RDMA_CM_ADDR, deadline);
	if (!ret)
		ret = rdma_resolve_route(id, DSM_RDMA_RESOLVE_MS);
	if (!ret)
		ret = dsm_rdma_cm_wait(c, DSM_RDMA_CM_ROUTE, deadline);
	if (!ret)
		ret = dsm_rdma_setup(c);
	if (!ret) {
		dsm_rdma_conn_param(c, &cp);
		ret = rdma_connect(id, &cp);
	}
	if (!ret)
		ret = dsm_rdma_cm_wait(c, DSM_RDMA_CM_EST, deadline);
	return ret;
}

/* The connecting side: try until @deadline (the peer may not be ready). */
static int dsm_rdma_connect_active(struct dsm_rdma_conn *c,
				   unsigned long deadline)
{
	int ret;

	ret = dsm_rdma_make_proof(c);
	if (ret)
		return ret;
	for (;;) {
		ret = dsm_rdma_connect_once(c, deadline);
		if (!ret || ret == -ECONNRESET || time_after(jiffies, deadline))
			return ret;
		dsm_rdma_release(c);
		spin_lock_bh(&c->lock);
		c->cm_state = DSM_RDMA_CM_NONE;
		spin_unlock_bh(&c->lock);
		wait_event_interruptible_timeout(c->wq, READ_ONCE(c->failed) ||
						 READ_ONCE(c->dead) ||
						 kthread_should_stop(),
						 msecs_to_jiffies(DSM_RDMA_RETRY_MS));
	}
}

/* The accepting side: wait for the request, then accept it. */
static int dsm_rdma_accept(struct dsm_rdma_conn *c, unsigned long deadline)
{
	struct dsm_rdma_peer *p = &dsm_rdma.peers[c->node];
	struct rdma_conn_param cp;
	int ret;

	spin_lock_bh(&p->state_lock);
	c->waiting = true;
	spin_unlock_bh(&p->state_lock);
	ret = dsm_rdma_cm_wait(c, DSM_RDMA_CM_REQ, deadline);
	spin_lock_bh(&p->state_lock);
	c->waiting = false;
	spin_unlock_bh(&p->state_lock);
	if (ret)
		return ret;
	ret = dsm_rdma_setup(c);
	if (ret)
		return ret;
	dsm_rdma_conn_param(c, &cp);
	rdma_lock_handler(c->cm_id);
	ret = rdma_accept(c->cm_id, &cp);
	rdma_unlock_handler(c->cm_id);
	if (!ret)
		ret = dsm_rdma_cm_wait(c, DSM_RDMA_CM_EST, deadline);
	return ret;
}

/*
 * dsm_rdma_establish() - make @c's RDMA connection (receive thread).
 * 0, or an errno (then the thread reports the failure).
 */
int dsm_rdma_establish(struct dsm_rdma_conn *c)
{
	unsigned long deadline = jiffies +
		msecs_to_jiffies(DSM_RDMA_CONNECT_TIMEOUT_MS);
	int ret;

	if (c->active)
		ret = dsm_rdma_connect_active(c, deadline);
	else
		ret = dsm_rdma_accept(c, deadline);
	if (ret && ret != -ECONNRESET)
		pr_warn("node %u: no RDMA connection (%s, %d)\n", c->node,
			c->active ? "connecting" : "waiting for its request",
			ret);
	return ret;
}

/* --------------------------------------------------------- watching */

/*
 * dsm_rdma_watch_thread() - wait for the adopted TCP socket to close
 * (or to carry a byte, which no peer sends): the link is then down.
 * Woken for good by teardown's socket shutdown and kthread_stop().
 */
int dsm_rdma_watch_thread(void *arg)
{
	struct dsm_rdma_conn *c = arg;
	struct msghdr msg = {};
	struct kvec iov;
	u8 byte;
	int ret;

	do {
		iov.iov_base = &byte;
		iov.iov_len = 1;
		ret = kernel_recvmsg(c->sock, &msg, &iov, 1, 1, 0);
	} while ((ret == -EAGAIN || ret == -EINTR) && !kthread_should_stop());
	if (!kthread_should_stop())
		dsm_rdma_fail(c, ret > 0 ? "a byte on dsmd's socket" :
			      "dsmd's socket closed", ret);
	dsm_transport_park();
	return 0;
}

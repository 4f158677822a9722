// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_rdma_io.c - frames of the RDMA transport: the slots, sending a
 * message (fragments, credits, tags), the completions, receiving a
 * message and the receive thread. The wire format and the credit rule
 * are described in dsm_rdma.h.
 *
 * Contexts: completions run on ib_core's workqueue (IB_POLL_WORKQUEUE);
 * they take the connection's lock with BH off, never sleep, and only
 * record, account credits and wake. Senders sleep (bounded by
 * DSM_RDMA_SEND_TIMEOUT_MS) under the peer's tx_lock, which also orders
 * the tags' sequence numbers as the fragments go out. Messages are
 * handed to the core (dsm_transport_recv(), or for a grant whose page
 * is installed as received dsm_transport_recv_page()) by the
 * connection's receive thread, one at a time, in order.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "dsm_internal.h"
#include "dsm_rdma.h"

/* ------------------------------------------------------------ slots */

static void dsm_rdma_recv_done(struct ib_cq *cq, struct ib_wc *wc);
static void dsm_rdma_send_done(struct ib_cq *cq, struct ib_wc *wc);

static int dsm_rdma_rx_init(struct dsm_rdma_conn *c, struct dsm_rdma_rx *r)
{
	struct ib_device *dev = c->cm_id->device;

	r->c = c;
	r->cqe.done = dsm_rdma_recv_done;
	r->head = kmalloc(DSM_RDMA_HEAD, GFP_KERNEL);
	r->page = alloc_page(GFP_KERNEL);
	if (!r->head || !r->page)
		return -ENOMEM;
	r->head_dma = ib_dma_map_single(dev, r->head, DSM_RDMA_HEAD,
					DMA_FROM_DEVICE);
	if (ib_dma_mapping_error(dev, r->head_dma)) {
		r->head_dma = 0;
		return -ENOMEM;
	}
	r->page_dma = ib_dma_map_page(dev, r->page, 0, PAGE_SIZE,
				      DMA_FROM_DEVICE);
	if (ib_dma_mapping_error(dev, r->page_dma)) {
		r->page_dma = 0;
		return -ENOMEM;
	}
	return 0;
}

static int dsm_rdma_tx_init(struct dsm_rdma_conn *c, struct dsm_rdma_tx *t,
			    size_t size)
{
	struct ib_device *dev = c->cm_id->device;

	t->c = c;
	t->cqe.done = dsm_rdma_send_done;
	t->buf = kzalloc(size, GFP_KERNEL);
	if (!t->buf)
		return -ENOMEM;
	t->buf_dma = ib_dma_map_single(dev, t->buf, size, DMA_TO_DEVICE);
	if (ib_dma_mapping_error(dev, t->buf_dma)) {
		t->buf_dma = 0;
		return -ENOMEM;
	}
	return 0;
}

/*
 * The slots of @c, for the device of its cm_id (receive thread, before
 * the QP is used). On error, dsm_rdma_slots_free() frees what was made.
 */
int dsm_rdma_slots_init(struct dsm_rdma_conn *c)
{
	int i, ret;

	for (i = 0; i < DSM_RDMA_RX_SLOTS; i++) {
		ret = dsm_rdma_rx_init(c, &c->rxs[i]);
		if (ret)
			return ret;
	}
	for (i = 0; i < DSM_RDMA_TX_SLOTS; i++) {
		ret = dsm_rdma_tx_init(c, &c->txs[i],
				       DSM_RDMA_HEAD + PAGE_SIZE);
		if (ret)
			return ret;
	}
	return dsm_rdma_tx_init(c, &c->cred, DSM_RDMA_PREFIX);
}

static void dsm_rdma_tx_free(struct ib_device *dev, struct dsm_rdma_tx *t,
			     size_t size)
{
	/* A send whose completion never ran (QP destroyed undrained). */
	if (t->page) {
		ib_dma_unmap_page(dev, t->page_dma, t->page_len,
				  DMA_TO_DEVICE);
		put_page(t->page);
		t->page = NULL;
	}
	if (t->buf_dma)
		ib_dma_unmap_single(dev, t->buf_dma, size, DMA_TO_DEVICE);
	kfree(t->buf);
	t->buf = NULL;
	t->buf_dma = 0;
}

/* Free the slots; the QP and CQ are gone (no completion runs). */
void dsm_rdma_slots_free(struct dsm_rdma_conn *c)
{
	struct ib_device *dev = c->cm_id->device;
	struct dsm_rdma_rx *r;
	int i;

	for (i = 0; i < DSM_RDMA_RX_SLOTS; i++) {
		r = &c->rxs[i];
		if (r->head_dma)
			ib_dma_unmap_single(dev, r->head_dma, DSM_RDMA_HEAD,
					    DMA_FROM_DEVICE);
		if (r->page_dma)
			ib_dma_unmap_page(dev, r->page_dma, PAGE_SIZE,
					  DMA_FROM_DEVICE);
		kfree(r->head);
		if (r->page)
			put_page(r->page);
		memset(r, 0, sizeof(*r));
	}
	for (i = 0; i < DSM_RDMA_TX_SLOTS; i++)
		dsm_rdma_tx_free(dev, &c->txs[i], DSM_RDMA_HEAD + PAGE_SIZE);
	dsm_rdma_tx_free(dev, &c->cred, DSM_RDMA_PREFIX);
}

/* Post receive slot @r: head buffer, then page. */
int dsm_rdma_post_recv(struct dsm_rdma_conn *c, struct dsm_rdma_rx *r)
{
	struct ib_device *dev = c->cm_id->device;
	u32 lkey = c->pd->local_dma_lkey;
	struct ib_sge sge[2] = {
		{ .addr = r->head_dma, .length = DSM_RDMA_HEAD, .lkey = lkey },
		{ .addr = r->page_dma, .length = PAGE_SIZE, .lkey = lkey },
	};
	struct ib_recv_wr wr = {
		.wr_cqe = &r->cqe, .sg_list = sge, .num_sge = 2,
	};

	ib_dma_sync_single_for_device(dev, r->head_dma, DSM_RDMA_HEAD,
				      DMA_FROM_DEVICE);
	ib_dma_sync_single_for_device(dev, r->page_dma, PAGE_SIZE,
				      DMA_FROM_DEVICE);
	return ib_post_recv(c->cm_id->qp, &wr, NULL);
}

/* --------------------------------------------------------- failures */

/*
 * dsm_rdma_fail() - @c cannot go on (@why, @err): wake everyone waiting
 * on it and, the first time and unless it is being torn down anyway,
 * have the peer's work item replace it. Any context.
 */
void dsm_rdma_fail(struct dsm_rdma_conn *c, const char *why, int err)
{
	bool first;

	spin_lock_bh(&c->lock);
	first = !c->failed && !c->dead;
	c->failed = true;
	spin_unlock_bh(&c->lock);
	wake_up_all(&c->wq);
	if (!first)
		return;
	pr_info("node %u: RDMA connection failed: %s (%d)\n", c->node, why,
		err);
	dsm_rdma_conn_broken(c);
}

/* ---------------------------------------------------------- sending */

static void dsm_rdma_send_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct dsm_rdma_tx *t = container_of(wc->wr_cqe, struct dsm_rdma_tx,
					      cqe);
	struct dsm_rdma_conn *c = t->c;

	if (t->page) {
		ib_dma_unmap_page(c->cm_id->device, t->page_dma, t->page_len,
				  DMA_TO_DEVICE);
		put_page(t->page);
		t->page = NULL;
	}
	spin_lock_bh(&c->lock);
	if (t == &c->cred)
		c->credit_busy = false;
	t->busy = false;
	spin_unlock_bh(&c->lock);
	wake_up_all(&c->wq);
	if (wc->status != IB_WC_SUCCESS)
		dsm_rdma_fail(c, ib_wc_status_msg(wc->status), -EIO);
	else if (t == &c->cred)
		dsm_rdma_credit_maybe(c);
}

static void dsm_rdma_prefix(struct dsm_rdma_prefix *pf, u8 flags, u32 credits,
			    u32 head_len, u32 page_len, u32 msg_len)
{
	memset(pf, 0, sizeof(*pf));
	pf->magic = cpu_to_le32(DSM_RDMA_MAGIC);
	pf->flags = flags;
	pf->credits = cpu_to_le16(credits);
	pf->head_len = cpu_to_le16(head_len);
	pf->page_len = cpu_to_le16(page_len);
	pf->msg_len = cpu_to_le32(msg_len);
}

/*
 * dsm_rdma_credit_maybe() - send the credit-only fragment if enough
 * credits are owed and it may go (it may take the last credit). Any
 * context but hard IRQ.
 */
void dsm_rdma_credit_maybe(struct dsm_rdma_conn *c)
{
	struct ib_sge sge = { .length = DSM_RDMA_PREFIX };
	struct ib_send_wr wr = {
		.wr_cqe = &c->cred.cqe, .sg_list = &sge, .num_sge = 1,
		.opcode = IB_WR_SEND, .send_flags = IB_SEND_SIGNALED,
	};
	int ret = 0;

	spin_lock_bh(&c->lock);
	if (c->dead || c->failed || c->cm_state != DSM_RDMA_CM_EST ||
	    c->credit_busy || !c->credits ||
	    c->returns < DSM_RDMA_CREDIT_BATCH) {
		spin_unlock_bh(&c->lock);
		return;
	}
	c->credits--;
	c->credit_busy = true;
	dsm_rdma_prefix((void *)c->cred.buf, DSM_RDMA_F_CREDIT |
			DSM_RDMA_F_LAST, c->returns, 0, 0, 0);
	c->returns = 0;
	ib_dma_sync_single_for_device(c->cm_id->device, c->cred.buf_dma,
				      DSM_RDMA_PREFIX, DMA_TO_DEVICE);
	sge.addr = c->cred.buf_dma;
	sge.lkey = c->pd->local_dma_lkey;
	ret = ib_post_send(c->cm_id->qp, &wr, NULL);
	if (ret)
		c->credit_busy = false;
	spin_unlock_bh(&c->lock);
	if (ret)
		dsm_rdma_fail(c, "posting credits", ret);
}

/*
 * A send slot and a credit for a data fragment (never the last credit),
 * with the credits owed to the peer in @*credits; NULL if none now.
 */
static struct dsm_rdma_tx *dsm_rdma_tx_get(struct dsm_rdma_conn *c,
					   u32 *credits, int *err)
{
	struct dsm_rdma_tx *t = NULL;
	int i;

	spin_lock_bh(&c->lock);
	*err = c->dead ? -ENOTCONN : c->failed ? -ECONNRESET : 0;
	if (!*err && c->credits > 1) {
		for (i = 0; i < DSM_RDMA_TX_SLOTS; i++) {
			if (!c->txs[i].busy) {
				t = &c->txs[i];
				t->busy = true;
				c->credits--;
				*credits = c->returns;
				c->returns = 0;
				break;
			}
		}
	}
	spin_unlock_bh(&c->lock);
	return t;
}

/* Might dsm_rdma_tx_get() give something now? (Unlocked peek.) */
static bool dsm_rdma_tx_can(struct dsm_rdma_conn *c)
{
	int i;

	if (READ_ONCE(c->dead) || READ_ONCE(c->failed))
		return true;
	if (READ_ONCE(c->credits) <= 1)
		return false;
	for (i = 0; i < DSM_RDMA_TX_SLOTS; i++)
		if (!READ_ONCE(c->txs[i].busy))
			return true;
	return false;
}

/* Wait (at most until @deadline) for what dsm_rdma_tx_get() gives. */
static struct dsm_rdma_tx *dsm_rdma_tx_wait(struct dsm_rdma_conn *c,
					    unsigned long deadline,
					    u32 *credits, int *err)
{
	struct dsm_rdma_tx *t;
	long left;

	for (;;) {
		t = dsm_rdma_tx_get(c, credits, err);
		if (t || *err)
			return t;
		left = (long)(deadline - jiffies);
		if (left <= 0) {
			*err = -ETIMEDOUT;
			return NULL;
		}
		wait_event_timeout(c->wq, dsm_rdma_tx_can(c), left);
	}
}

/* Post @t: @len bytes of its buffer, then @page_len of its page. */
static int dsm_rdma_post_send(struct dsm_rdma_conn *c, struct dsm_rdma_tx *t,
			      u32 len)
{
	struct ib_device *dev = c->cm_id->device;
	u32 lkey = c->pd->local_dma_lkey;
	struct ib_sge sge[2] = {
		{ .addr = t->buf_dma, .length = len, .lkey = lkey },
		{ .addr = t->page_dma, .length = t->page_len, .lkey = lkey },
	};
	struct ib_send_wr wr = {
		.wr_cqe = &t->cqe, .sg_list = sge, .num_sge = t->page ? 2 : 1,
		.opcode = IB_WR_SEND, .send_flags = IB_SEND_SIGNALED,
	};
	int ret;

	ib_dma_sync_single_for_device(dev, t->buf_dma, len, DMA_TO_DEVICE);
	ret = ib_post_send(c->cm_id->qp, &wr, NULL);
	if (ret) {
		if (t->page) {
			ib_dma_unmap_page(dev, t->page_dma, t->page_len,
					  DMA_TO_DEVICE);
			put_page(t->page);
			t->page = NULL;
		}
		spin_lock_bh(&c->lock);
		t->busy = false;
		spin_unlock_bh(&c->lock);
	}
	return ret;
}

/* The page fragment of @tx goes with @t without a copy. */
static int dsm_rdma_map_frag(struct dsm_rdma_conn *c, struct dsm_rdma_tx *t,
			     const struct dsm_tx_msg *tx)
{
	struct ib_device *dev = c->cm_id->device;

	t->page_dma = ib_dma_map_page(dev, tx->page, tx->off, tx->len,
				      DMA_TO_DEVICE);
	if (ib_dma_mapping_error(dev, t->page_dma))
		return -ENOMEM;
	get_page(tx->page);
	t->page = tx->page;
	t->page_len = tx->len;
	return 0;
}

/* Copy bytes [@off, @off + @n) of message @tx to @dst. */
static void dsm_rdma_copy_out(const struct dsm_tx_msg *tx, u32 off, u32 n,
			      u8 *dst)
{
	u32 k;
	u8 *kaddr;

	if (off < tx->hdr_len) {
		k = min(n, tx->hdr_len - off);
		memcpy(dst, (const u8 *)tx->hdr + off, k);
		dst += k;
		off += k;
		n -= k;
	}
	if (!n)
		return;
	kaddr = kmap_local_page(tx->page);
	memcpy(dst, kaddr + tx->off + off - tx->hdr_len, n);
	kunmap_local(kaddr);
}

/*
 * The tag of message @tx into @tag (@*tag_len bytes; 0 without keys).
 * Under the peer's tx_lock: sequence order is the order of messages.
 */
static int dsm_rdma_seal(struct dsm_rdma_conn *c, const struct dsm_tx_msg *tx,
			 u8 *tag, u32 *tag_len)
{
	struct dsm_auth_vec v[2] = { { tx->hdr, tx->hdr_len } };
	u8 *kaddr = NULL;
	int ret;

	*tag_len = 0;
	if (!c->mac)
		return 0;
	if (tx->page) {
		kaddr = kmap_local_page(tx->page);
		v[1].p = kaddr + tx->off;
		v[1].len = tx->len;
	}
	ret = dsm_auth_frame_seal_vec(&c->tx_auth.ops, &c->txl, v,
				      tx->page ? 2 : 1, tag);
	if (kaddr)
		kunmap_local(kaddr);
	if (ret)
		return ret;
	*tag_len = c->txl.tag_len;
	dsm_inject_corrupt(c->node, tx->hdr, tx->hdr_len, tag, *tag_len);
	return 0;
}

/*
 * The head of @tx if it goes as one fragment whose page lands in the
 * receiver's page (received into the page there): a page fragment, by
 * reference, after a header that fits the head; or a message in one
 * buffer that ends with a whole page (a grant that fault injection
 * sends), copied so. 0: cut into fragments.
 */
static u32 dsm_rdma_whole_head(const struct dsm_tx_msg *tx)
{
	u32 head;

	if (tx->page)
		return tx->hdr_len <= DSM_RDMA_HEAD_MAX ? tx->hdr_len : 0;
	head = dsm_transport_page_head(tx->hdr, tx->hdr_len);
	return head <= DSM_RDMA_HEAD_MAX ? head : 0;
}

/*
 * Post @tx's fragments on @c, the last with @tag (@tag_len bytes; none
 * if 0), waiting for credits until @deadline.
 */
static int dsm_rdma_send_frags(struct dsm_rdma_conn *c,
			       const struct dsm_tx_msg *tx, const u8 *tag,
			       u32 tag_len, unsigned long deadline)
{
	u32 total = tx->hdr_len + (tx->page ? tx->len : 0);
	u32 whole = dsm_rdma_whole_head(tx);
	u32 off = 0, n, head, credits;
	struct dsm_rdma_prefix *pf;
	struct dsm_rdma_tx *t;
	int ret = 0;

	do {
		t = dsm_rdma_tx_wait(c, deadline, &credits, &ret);
		if (!t)
			return ret;
		pf = (void *)t->buf;
		n = whole ? total : min_t(u32, total - off, DSM_RDMA_FRAG_MAX);
		head = whole ? whole : min_t(u32, n, DSM_RDMA_HEAD_MAX);
		dsm_rdma_prefix(pf, off + n == total ? DSM_RDMA_F_LAST : 0,
				credits, head, n - head, total);
		if (whole) {
			memcpy(t->buf + DSM_RDMA_PREFIX, tx->hdr, head);
			if (tx->page)
				ret = dsm_rdma_map_frag(c, t, tx);
			else	/* the page's bytes right after the head */
				memcpy(t->buf + DSM_RDMA_HEAD,
				       (const u8 *)tx->hdr + head, n - head);
		} else {
			dsm_rdma_copy_out(tx, off, n, t->buf + DSM_RDMA_PREFIX);
		}
		if (off + n == total && tag_len) {
			pf->tag_len = tag_len;
			memcpy(pf->tag, tag, tag_len);
		}
		if (!ret)
			ret = dsm_rdma_post_send(c, t, !whole ?
						 DSM_RDMA_PREFIX + n :
						 tx->page ? DSM_RDMA_HEAD :
						 DSM_RDMA_HEAD + n - head);
		if (ret)
			return ret;
		off += n;
	} while (off < total);
	return 0;
}

/*
 * dsm_rdma_send_msg() - send message @tx on @c, whole: 0, or an errno
 * (then @c must go: the peer may have part of it). Under the peer's
 * tx_lock; sleeps at most DSM_RDMA_SEND_TIMEOUT_MS for credits. Fault
 * injection's replay rule sends the same fragments, tag included, twice.
 */
int dsm_rdma_send_msg(struct dsm_rdma_conn *c, const struct dsm_tx_msg *tx)
{
	unsigned long deadline = jiffies +
		msecs_to_jiffies(DSM_RDMA_SEND_TIMEOUT_MS);
	u32 total = tx->hdr_len + (tx->page ? tx->len : 0);
	u8 tag[DSM_AUTH_MAC_SIZE];
	u32 tag_len;
	int ret;

	if (total > DSM_WIRE_MAX_MSG || tx->hdr_len < DSM_WIRE_HDR_SIZE)
		return -EMSGSIZE;
	ret = dsm_rdma_seal(c, tx, tag, &tag_len);
	if (ret)
		return ret;
	ret = dsm_rdma_send_frags(c, tx, tag, tag_len, deadline);
	if (!ret && dsm_inject_replay(c->node, tag_len))
		ret = dsm_rdma_send_frags(c, tx, tag, tag_len, deadline);
	return ret;
}

/* -------------------------------------------------------- receiving */

static void dsm_rdma_recv_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct dsm_rdma_rx *r = container_of(wc->wr_cqe, struct dsm_rdma_rx,
					     cqe);
	struct dsm_rdma_conn *c = r->c;
	const struct dsm_rdma_prefix *pf = (const void *)r->head;
	u32 credits = 0;
	bool bad;

	if (wc->status != IB_WC_SUCCESS) {
		dsm_rdma_fail(c, ib_wc_status_msg(wc->status), -EIO);
		return;
	}
	ib_dma_sync_single_for_cpu(c->cm_id->device, r->head_dma,
				   DSM_RDMA_HEAD, DMA_FROM_DEVICE);
	bad = wc->byte_len < DSM_RDMA_PREFIX ||
	      le32_to_cpu(pf->magic) != DSM_RDMA_MAGIC;
	if (!bad)
		credits = le16_to_cpu(pf->credits);
	spin_lock_bh(&c->lock);
	if (!bad && c->credits + credits > DSM_RDMA_RX_SLOTS)
		bad = true;
	if (!bad) {
		c->credits += credits;
		r->len = wc->byte_len;
		r->done = true;
	}
	spin_unlock_bh(&c->lock);
	if (bad) {
		dsm_rdma_fail(c, "malformed fragment", -EPROTO);
		return;
	}
	wake_up_all(&c->wq);
	dsm_rdma_credit_maybe(c);
}

/* Wait (at most @timeout jiffies) for the next receive slot. */
static struct dsm_rdma_rx *dsm_rdma_rx_wait(struct dsm_rdma_conn *c,
					    long timeout, int *err)
{
	struct dsm_rdma_rx *r = &c->rxs[c->rx_next];
	long left;

	left = wait_event_interruptible_timeout(c->wq, READ_ONCE(r->done) ||
						READ_ONCE(c->failed) ||
						READ_ONCE(c->dead) ||
						kthread_should_stop(),
						timeout);
	spin_lock_bh(&c->lock);
	*err = c->failed || c->dead ? -ECONNRESET : 0;
	if (!*err && !r->done)
		*err = left ? -EINTR : -ETIMEDOUT;
	spin_unlock_bh(&c->lock);
	return *err ? NULL : r;
}

/* Post @r again and owe the peer its credit. */
static int dsm_rdma_rx_again(struct dsm_rdma_conn *c, struct dsm_rdma_rx *r)
{
	int ret;

	spin_lock_bh(&c->lock);
	r->done = false;
	spin_unlock_bh(&c->lock);
	c->rx_next = (c->rx_next + 1) % DSM_RDMA_RX_SLOTS;
	ret = dsm_rdma_post_recv(c, r);
	if (ret)
		return ret;
	spin_lock_bh(&c->lock);
	c->returns++;
	spin_unlock_bh(&c->lock);
	dsm_rdma_credit_maybe(c);
	return 0;
}

/*
 * Take the payload of fragment @r into @c->buf at @*have; a message of
 * @*want bytes (0: the first fragment says, at most @max). Checks every
 * length. 1 when the message is complete, 0 for more, or an errno.
 */
static int dsm_rdma_rx_frag(struct dsm_rdma_conn *c, struct dsm_rdma_rx *r,
			    u32 max, u32 *have, u32 *want, u8 *tag)
{
	const struct dsm_rdma_prefix *pf = (const void *)r->head;
	u32 head = le16_to_cpu(pf->head_len), page = le16_to_cpu(pf->page_len);
	u32 msg = le32_to_cpu(pf->msg_len);
	u8 *kaddr;

	if (head > DSM_RDMA_HEAD_MAX || page > PAGE_SIZE ||
	    r->len != (page ? DSM_RDMA_HEAD + page : DSM_RDMA_PREFIX + head))
		return -EPROTO;
	if (pf->flags & DSM_RDMA_F_CREDIT)
		return head || page || msg ? -EPROTO : 0;
	if (!*want && (msg < DSM_WIRE_HDR_SIZE || msg > max))
		return -EPROTO;
	if ((*want && msg != *want) || *have + head + page > msg)
		return -EPROTO;
	*want = msg;
	memcpy(c->buf + *have, r->head + DSM_RDMA_PREFIX, head);
	*have += head;
	if (page) {
		ib_dma_sync_single_for_cpu(c->cm_id->device, r->page_dma,
					   PAGE_SIZE, DMA_FROM_DEVICE);
		kaddr = kmap_local_page(r->page);
		memcpy(c->buf + *have, kaddr, page);
		kunmap_local(kaddr);
		*have += page;
	}
	if (!(pf->flags & DSM_RDMA_F_LAST))
		return 0;
	if (*have != msg || pf->tag_len != (c->mac ? c->rxl.tag_len : 0))
		return -EPROTO;
	memcpy(tag, pf->tag, pf->tag_len);
	return 1;
}

/*
 * Check the tag of the message just received (@len bytes in @c->buf,
 * then @page if not NULL); counted and logged.
 */
static int dsm_rdma_open(struct dsm_rdma_conn *c, u32 len, struct page *page,
			 const u8 *tag)
{
	struct dsm_auth_vec v[2] = { { c->buf, len } };
	u8 *kaddr = NULL;
	int ret;

	if (!c->mac)
		return 0;
	if (page) {
		kaddr = kmap_local_page(page);
		v[1].p = kaddr;
		v[1].len = PAGE_SIZE;
	}
	ret = dsm_auth_frame_open_vec(&c->rx_auth.ops, &c->rxl, v,
				      page ? 2 : 1, tag);
	if (kaddr)
		kunmap_local(kaddr);
	if (ret) {
		dsm_stat_inc(DSM_STAT_AUTH_BAD_FRAMES);
		pr_warn_ratelimited("node %u: a frame failed authentication (modified, replayed or reordered); dropping the connection\n",
				    c->node);
	}
	return ret;
}

/*
 * Is fragment @r, the first of a message, a whole grant: its header and
 * fixed body in the head, its page the slot's page
 * (dsm_transport_page_head())? The head's length, else 0. Only a
 * fragment dsm_rdma_rx_frag() would accept.
 */
static u32 dsm_rdma_rx_grant(struct dsm_rdma_conn *c, struct dsm_rdma_rx *r)
{
	const struct dsm_rdma_prefix *pf = (const void *)r->head;
	const u8 *hdr = r->head + DSM_RDMA_PREFIX;
	u32 head = le16_to_cpu(pf->head_len), msg = le32_to_cpu(pf->msg_len);
	u32 hlen;

	if (pf->flags != DSM_RDMA_F_LAST ||
	    le16_to_cpu(pf->page_len) != PAGE_SIZE ||
	    head < DSM_WIRE_HDR_SIZE || head > DSM_RDMA_HEAD_MAX ||
	    msg != head + PAGE_SIZE || r->len != DSM_RDMA_HEAD + PAGE_SIZE ||
	    pf->tag_len != (c->mac ? c->rxl.tag_len : 0))
		return 0;
	if (dsm_transport_peek(hdr, &hlen) || hlen != msg)
		return 0;
	return dsm_transport_page_head(hdr, msg) == head ? head : 0;
}

/*
 * Grant fragment @r (its head @head bytes): its page goes to the core as
 * it is, no copy, if dsm_transport_rx_page() gives a fresh page, which
 * takes its place in the slot (the slots' pages are a pool refilled by
 * the core's allocation, in this thread, which may sleep). The head is
 * copied to @c->buf, the slot posted again, then the tag is checked over
 * head and page. Return: the page, the caller's to pass to
 * dsm_transport_recv_page(); NULL with *@err 0 when no page was given
 * (@r is untouched: take the copy path), or with an errno (the page
 * freed, @c must go).
 */
static struct page *dsm_rdma_rx_zero_copy(struct dsm_rdma_conn *c,
					  struct dsm_rdma_rx *r, u32 head,
					  int *err)
{
	const struct dsm_rdma_prefix *pf = (const void *)r->head;
	struct ib_device *dev = c->cm_id->device;
	u8 tag[DSM_AUTH_MAC_SIZE];
	struct page *fresh, *page;
	u64 dma;

	*err = 0;
	memcpy(c->buf, r->head + DSM_RDMA_PREFIX, head);
	fresh = dsm_transport_rx_page(c->node, c->buf, head);
	if (!fresh)
		return NULL;
	dma = ib_dma_map_page(dev, fresh, 0, PAGE_SIZE, DMA_FROM_DEVICE);
	if (ib_dma_mapping_error(dev, dma)) {
		dsm_transport_rx_page_put(fresh);
		return NULL;
	}
	memcpy(tag, pf->tag, pf->tag_len);	/* the head is posted again */
	ib_dma_unmap_page(dev, r->page_dma, PAGE_SIZE, DMA_FROM_DEVICE);
	page = r->page;
	r->page = fresh;
	r->page_dma = dma;
	*err = dsm_rdma_rx_again(c, r);
	if (!*err)
		*err = dsm_rdma_open(c, head, page, tag);
	if (*err) {
		dsm_transport_rx_page_put(page);
		return NULL;
	}
	dsm_stat_inc(DSM_STAT_RDMA_RX_PAGE_ZERO_COPY);
	return page;
}

/*
 * dsm_rdma_recv_msg() - the next message (at most @max bytes) into
 * @c->buf, checked: its length against its header's, its tag. Waits at
 * most @timeout jiffies for each fragment. A grant whose page came in a
 * slot's page may leave that page in *@page (NULL otherwise), its head's
 * *@len bytes in @c->buf: the caller owns it then. 0 or an errno.
 */
int dsm_rdma_recv_msg(struct dsm_rdma_conn *c, u32 max, long timeout,
		      u32 *len, struct page **page)
{
	u8 tag[DSM_AUTH_MAC_SIZE];
	u32 have = 0, want = 0, hlen;
	struct dsm_rdma_rx *r;
	int ret;

	*page = NULL;
	do {
		r = dsm_rdma_rx_wait(c, timeout, &ret);
		if (!r)
			return ret;
		hlen = want ? 0 : dsm_rdma_rx_grant(c, r);
		if (hlen) {
			*page = dsm_rdma_rx_zero_copy(c, r, hlen, &ret);
			if (*page || ret) {
				*len = hlen;
				return ret;
			}
			dsm_stat_inc(DSM_STAT_RDMA_RX_PAGE_COPIED);
		}
		ret = dsm_rdma_rx_frag(c, r, max, &have, &want, tag);
		if (ret >= 0) {
			int err = dsm_rdma_rx_again(c, r);

			if (err)
				return err;
		}
	} while (!ret);
	if (ret < 0)
		return ret;
	ret = dsm_transport_peek(c->buf, &hlen);
	if (ret)
		return ret;
	if (hlen != want)
		return -EPROTO;
	*len = want;
	return dsm_rdma_open(c, want, NULL, tag);
}

/* ------------------------------------------------------ the thread */

static void dsm_rdma_conn_ready(struct dsm_rdma_conn *c)
{
	struct dsm_rdma_peer *p = &dsm_rdma.peers[c->node];

	mutex_lock(&p->tx_lock);
	c->ready = true;
	mutex_unlock(&p->tx_lock);
	c->up = true;
	dsm_transport_conn_up(c->node);
	pr_info("connected to node %u over RDMA%s\n", c->node,
		c->mac ? " (authenticated frames)" : "");
}

/*
 * The receive thread of @c: makes the RDMA connection, then hands each
 * message to the core until the connection fails or
 * kthread_stop(); stays until kthread_stop() so that its caller owns its
 * exit.
 */
int dsm_rdma_rx_thread(void *arg)
{
	struct dsm_rdma_conn *c = arg;
	struct page *page;
	u32 len;
	int ret;

	ret = dsm_rdma_establish(c);
	if (!ret)
		dsm_rdma_conn_ready(c);
	while (!ret && !kthread_should_stop()) {
		dsm_transport_rx_stall(c->node);
		ret = dsm_rdma_recv_msg(c, DSM_WIRE_MAX_MSG,
					MAX_SCHEDULE_TIMEOUT, &len, &page);
		if (!ret && page) {
			/* consumed, whatever happens */
			dsm_transport_rx_seen(c->node, c->buf, len);
			ret = dsm_transport_recv_page(c->node, c->buf, len,
						      page);
		} else if (!ret) {
			dsm_transport_rx_seen(c->node, c->buf, len);
			ret = dsm_transport_recv(c->node, c->buf, len);
		}
	}
	if (c->up)
		dsm_transport_conn_down(c->node);
	if (ret && !kthread_should_stop())
		dsm_rdma_fail(c, "receiving", ret);
	dsm_transport_park();
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_msg.c - protocol messages: sending, receiving and dispatching them
 * to the model that owns their type, and counting them.
 *
 * Dispatch is driven by one table, dsm_msg_routes[], with one entry per
 * message type (as DRBD's command table and rxe's opcode table): the model
 * that owns the type, and where the type may travel. A message received
 * on a data connection is decoded and validated by the core decoder, then
 * its route says whether it may arrive there at all and which model's
 * handler table (struct dsm_model_ops.recv) takes it. A NACK belongs to
 * the model of the type it refuses.
 *
 * Messages to this node itself (a node is often the home or the owner of
 * a page it faults on) never reach a transport: dsm_msg_send() hands them
 * to the model's handler directly, in the caller's context.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/highmem.h>
#include <linux/moduleparam.h>
#include <linux/random.h>
#include <linux/timekeeping.h>
#include <linux/slab.h>

#include "dsm_internal.h"
#include "dsm_members.h"
#include "dsm_model.h"
#include "dsm_transport.h"

/* Where a message type may travel. */
enum dsm_msg_path {
	DSM_PATH_NONE,		/* not a type: never accepted */
	DSM_PATH_HELLO,		/* retired (HELLO): the decoder refuses it */
	DSM_PATH_DATA,		/* on data connections, and to this node */
	DSM_PATH_DSMD,		/* only inside dsmd's manager payloads */
};

/**
 * struct dsm_msg_route - what the core does with a received type.
 * @owner:	enum dsm_model of the model whose handler table has it;
 *		DSM_MSG_OWNER_NACKED: the owner of the type it refuses;
 *		DSM_MSG_OWNER_NONE: no model (the handshake's types).
 * @path:	enum dsm_msg_path: where it may arrive.
 *
 * The type's name and body layout are the core codec's
 * (dsm_wire_type_name(), dsm_wire_decode()).
 */
struct dsm_msg_route {
	u8 owner;
	u8 path;
};

#define DSM_MSG_OWNER_NONE	U8_MAX
#define DSM_MSG_OWNER_NACKED	(U8_MAX - 1)

static const struct dsm_msg_route dsm_msg_routes[DSM_MSG_TYPE_MAX + 1] = {
	[DSM_MSG_HELLO]		  = { DSM_MSG_OWNER_NONE, DSM_PATH_HELLO },
	[DSM_MSG_HELLO_REPLY]	  = { DSM_MSG_OWNER_NONE, DSM_PATH_HELLO },
	[DSM_MSG_PAGE_REQ]	  = { DSM_MODEL_SC, DSM_PATH_DATA },
	[DSM_MSG_PAGE_FWD]	  = { DSM_MODEL_SC, DSM_PATH_DATA },
	[DSM_MSG_PAGE_GRANT]	  = { DSM_MODEL_SC, DSM_PATH_DATA },
	[DSM_MSG_INVAL]		  = { DSM_MODEL_SC, DSM_PATH_DATA },
	[DSM_MSG_INVAL_ACK]	  = { DSM_MODEL_SC, DSM_PATH_DATA },
	[DSM_MSG_CONFIRM]	  = { DSM_MODEL_SC, DSM_PATH_DATA },
	[DSM_MSG_NACK]		  = { DSM_MSG_OWNER_NACKED, DSM_PATH_DATA },
	[DSM_MSG_LOCK_REQ]	  = { DSM_MODEL_LRC, DSM_PATH_DSMD },
	[DSM_MSG_LOCK_GRANT]	  = { DSM_MODEL_LRC, DSM_PATH_DATA },
	[DSM_MSG_BARRIER_ARRIVE]  = { DSM_MODEL_LRC, DSM_PATH_DSMD },
	[DSM_MSG_BARRIER_RELEASE] = { DSM_MODEL_LRC, DSM_PATH_DSMD },
	[DSM_MSG_DIFF_REQ]	  = { DSM_MODEL_LRC, DSM_PATH_DATA },
	[DSM_MSG_DIFF_REPLY]	  = { DSM_MODEL_LRC, DSM_PATH_DATA },
	[DSM_MSG_HOME_XFER]	  = { DSM_MODEL_SC, DSM_PATH_DATA },
	[DSM_MSG_HOME_XFER_ACK]	  = { DSM_MODEL_SC, DSM_PATH_DATA },
	[DSM_MSG_DIFF_BACKUP]	  = { DSM_MODEL_LRC, DSM_PATH_DATA },
	[DSM_MSG_DIFF_BACKUP_ACK] = { DSM_MODEL_LRC, DSM_PATH_DATA },
	[DSM_MSG_IV_REQ]	  = { DSM_MODEL_LRC, DSM_PATH_DATA },
	[DSM_MSG_IV_REPLY]	  = { DSM_MODEL_LRC, DSM_PATH_DATA },
	[DSM_MSG_DIR_QUERY]	  = { DSM_MODEL_SC, DSM_PATH_DATA },
	[DSM_MSG_DIR_REPLY]	  = { DSM_MODEL_SC, DSM_PATH_DATA },
	[DSM_MSG_SHADOW_PUSH]	  = { DSM_MODEL_SC, DSM_PATH_DATA },
	[DSM_MSG_SHADOW_ACK]	  = { DSM_MODEL_SC, DSM_PATH_DATA },
	[DSM_MSG_SHADOW_DROP]	  = { DSM_MODEL_SC, DSM_PATH_DATA },
	[DSM_MSG_LRC_REJOIN]	  = { DSM_MODEL_LRC, DSM_PATH_DATA },
	[DSM_MSG_LRC_REJOIN_ACK]  = { DSM_MODEL_LRC, DSM_PATH_DATA },
	[DSM_MSG_DIFF_PUSH]	  = { DSM_MODEL_LRC, DSM_PATH_DATA },
};

static atomic_t dsm_req_seq = ATOMIC_INIT(0);

/**
 * dsm_next_req_id() - a new request id.
 *
 * The low 32 bits are a sequence number, unique among the requests in
 * flight on this node (never 0): dsm_req_key() of an id is the index of
 * the tables of outstanding requests. The high 32 bits are random, so
 * that a node that was not sent a request cannot forge its reply: a reply
 * is matched on the whole id (issue 12, finding 3).
 *
 * Return: the id, never 0.
 */
u64 dsm_next_req_id(void)
{
	u32 seq;

	do {
		seq = (u32)atomic_inc_return(&dsm_req_seq);
	} while (!seq);
	return (u64)get_random_u32() << 32 | seq;
}

/* ----------------------------------------------------- counters */

/*
 * Messages and bytes by type and direction: four blocks of
 * DSM_MSG_TYPE_MAX counters from DSM_STAT_MSG_BY_TYPE, named by
 * dsm_stats.c after the type (msg_tx_<type>, bytes_tx_<type>,
 * msg_rx_<type>, bytes_rx_<type>).
 */
void dsm_msg_count(bool tx, u8 type, size_t len)
{
	unsigned int i = (tx ? 0 : 2) * DSM_MSG_TYPE_MAX + type - 1;

	if (!type || type > DSM_MSG_TYPE_MAX) {
		dsm_stat_inc(tx ? DSM_STAT_MSG_TX_OTHER : DSM_STAT_MSG_RX_OTHER);
		return;
	}
	dsm_stat_inc(DSM_STAT_MSG_BY_TYPE + i);
	dsm_stat_add(DSM_STAT_MSG_BY_TYPE + i + DSM_MSG_TYPE_MAX, len);
}

/* A message from @node refused by the decoder, for reason @why. */
void dsm_msg_count_reject(u32 node, enum dsm_wire_reject why)
{
	static_assert(DSM_STAT_RX_REJECT_DIFF - DSM_STAT_RX_REJECT_SHORT ==
		      DSM_WIRE_R_DIFF - DSM_WIRE_R_SHORT);

	dsm_stat_inc(DSM_STAT_RX_MALFORMED);
	if (why > DSM_WIRE_OK && why < DSM_WIRE_R_NR)
		dsm_stat_inc(DSM_STAT_RX_REJECT_SHORT + why - DSM_WIRE_R_SHORT);
	pr_warn_ratelimited("malformed message from node %u (%s): dropping the connection\n",
			    node, dsm_wire_reject_name(why));
}

/* ----------------------------------------------------- dispatch */

/*
 * The handler of @m's type in the model that owns it, or NULL when no
 * model takes it (counted and logged as unexpected).
 */
static dsm_recv_fn dsm_msg_handler(const struct dsm_msg *m)
{
	const struct dsm_model_ops *model;
	u8 owner = dsm_msg_routes[m->hdr.type].owner;

	if (owner == DSM_MSG_OWNER_NACKED) {
		u8 t = m->u.nack.nacked_type;

		owner = t && t <= DSM_MSG_TYPE_MAX &&
			dsm_msg_routes[t].path == DSM_PATH_DATA ?
			dsm_msg_routes[t].owner : DSM_MSG_OWNER_NONE;
	}
	model = dsm_model_get(owner);
	if (!model || !model->recv)
		return NULL;
	return model->recv[m->hdr.type];
}

/*
 * Hand @m, decoded and checked, to its model. A well-formed message no
 * model takes on a data connection (LOCK_REQ
 * and BARRIER_*, which travel through dsmd; a NACK of one of those) is
 * counted and ignored: the framing is intact, and dropping the
 * connection would lose the requests in flight on it, a peer's bug
 * failing this node's faults.
 */
static void dsm_msg_dispatch(const struct dsm_msg *m)
{
	dsm_recv_fn fn = NULL;

	if (m->hdr.type && m->hdr.type <= DSM_MSG_TYPE_MAX &&
	    dsm_msg_routes[m->hdr.type].path == DSM_PATH_DATA)
		fn = dsm_msg_handler(m);
	if (!fn) {
		dsm_stat_inc(DSM_STAT_RX_UNEXPECTED);
		pr_warn_ratelimited("unexpected %s from node %u: ignored\n",
				    dsm_wire_type_name(m->hdr.type), m->hdr.src);
		return;
	}
	fn(m);
}

/**
 * dsm_transport_recv() - a message from node @node arrived.
 * @node:	the connection's peer.
 * @buf:	the whole message (owned by the transport).
 * @len:	its length, as announced by its header.
 *
 * Return: 0, or a negative errno if it was malformed or not from the
 * connection's peer (counted and logged): the transport drops the
 * connection.
 */
int dsm_transport_recv(u32 node, const void *buf, size_t len)
{
	enum dsm_wire_reject why = DSM_WIRE_OK;
	struct dsm_msg m;
	int ret;

	ret = dsm_wire_decode(buf, len, &m, &why);
	if (ret) {
		dsm_msg_count_reject(node, why);
		return ret;
	}
	dsm_msg_count(false, m.hdr.type, len);
	if (m.hdr.src != node || m.hdr.dst != dsm_transport_local()) {
		dsm_msg_count_reject(node, DSM_WIRE_R_NODE);
		return -EBADMSG;
	}
	if (dsm_msg_routes[m.hdr.type].path == DSM_PATH_DATA)
		dsm_members_contact(node);
	if (m.hdr.type == DSM_MSG_PAGE_REQ) {
		/* What serving a page costs here (Documentation/sc.md). */
		u64 t = ktime_get_ns();

		dsm_msg_dispatch(&m);
		dsm_stat_inc(DSM_STAT_SERVE_PAGE_REQ);
		dsm_stat_add(DSM_STAT_SERVE_PAGE_REQ_NS, ktime_get_ns() - t);
		return 0;
	}
	dsm_msg_dispatch(&m);
	return 0;
}
EXPORT_SYMBOL_GPL(dsm_transport_recv);

/* ------------------------------------------- receiving into a page */

static bool rx_inplace = true;
module_param(rx_inplace, bool, 0644);
MODULE_PARM_DESC(rx_inplace,
		 "Receive a grant's page straight into the page that becomes its frame (default on; off: into the connection's buffer, then copied, for comparison)");

/**
 * dsm_transport_page_head() - does a message end with a whole page?
 * @hdr:	its header, accepted by dsm_transport_peek().
 * @len:	the length dsm_transport_peek() returned.
 *
 * Return: the bytes before the page (header and fixed body), to read
 * before dsm_transport_rx_page(), or 0: read it whole.
 */
u32 dsm_transport_page_head(const void *hdr, u32 len)
{
	return dsm_wire_page_head(hdr, len);
}
EXPORT_SYMBOL_GPL(dsm_transport_page_head);

/* The model that takes @m's page, or NULL. */
static const struct dsm_model_ops *dsm_msg_page_model(const struct dsm_msg *m)
{
	const struct dsm_model_ops *model;

	model = dsm_model_get(dsm_msg_routes[m->hdr.type].owner);
	return model && model->rx_page && model->recv_page ? model : NULL;
}

/**
 * dsm_transport_rx_page() - where to receive the page of a message.
 * @node:	the connection's peer.
 * @head:	the message's first @len bytes (dsm_transport_page_head()).
 * @len:	their number.
 *
 * Receive context; may sleep (allocates). Checks nothing for good: a
 * message refused here is read whole and refused by dsm_transport_recv().
 *
 * Return: a fresh page (the caller's reference) to read the message's
 * page into, then to pass to dsm_transport_recv_page(); or NULL: read
 * the whole message into the buffer and call dsm_transport_recv().
 */
struct page *dsm_transport_rx_page(u32 node, const void *head, u32 len)
{
	const struct dsm_model_ops *model;
	struct dsm_msg m;

	if (!READ_ONCE(rx_inplace) ||
	    dsm_wire_decode_ext(head, len, NULL, &m, NULL) ||
	    m.hdr.src != node || m.hdr.dst != dsm_transport_local())
		return NULL;
	model = dsm_msg_page_model(&m);
	return model ? model->rx_page(&m) : NULL;
}
EXPORT_SYMBOL_GPL(dsm_transport_rx_page);

/**
 * dsm_transport_rx_page_put() - free a page of dsm_transport_rx_page()
 * that will not reach dsm_transport_recv_page() (the connection failed
 * while it was read, or its frame's tag was wrong). Any context.
 * @page:	the page.
 */
void dsm_transport_rx_page_put(struct page *page)
{
	dsm_stat_inc(DSM_STAT_PAGE_RX_UNUSED);
	put_page(page);
}
EXPORT_SYMBOL_GPL(dsm_transport_rx_page_put);

/**
 * dsm_transport_recv_page() - dsm_transport_recv() of a message whose
 * page was received into @page.
 * @node:	the connection's peer.
 * @head:	the message's first @len bytes (owned by the transport).
 * @len:	their number; the page's DSM_PAGE_SIZE bytes follow them.
 * @page:	from dsm_transport_rx_page(), filled, its tag (if any)
 *		checked. Consumed: installed or freed, whatever happens.
 *
 * Return: as dsm_transport_recv().
 */
int dsm_transport_recv_page(u32 node, const void *head, u32 len,
			    struct page *page)
{
	enum dsm_wire_reject why = DSM_WIRE_OK;
	const struct dsm_model_ops *model;
	bool kept = false;
	struct dsm_msg m;
	int ret;

	ret = dsm_wire_decode_ext(head, len, NULL, &m, &why);
	if (ret) {
		dsm_msg_count_reject(node, why);
		goto out;
	}
	dsm_msg_count(false, m.hdr.type, m.hdr.len);
	if (m.hdr.src != node || m.hdr.dst != dsm_transport_local()) {
		dsm_msg_count_reject(node, DSM_WIRE_R_NODE);
		ret = -EBADMSG;
		goto out;
	}
	dsm_members_contact(node);
	model = dsm_msg_page_model(&m);
	if (model) {	/* never gone: the table is fixed while we run */
		m.u.page_grant.data = kmap_local_page(page);
		kept = model->recv_page(&m, page);
		kunmap_local(m.u.page_grant.data);
	}
out:
	if (!kept)
		dsm_transport_rx_page_put(page);
	return ret;
}
EXPORT_SYMBOL_GPL(dsm_transport_recv_page);

/* ----------------------------------------------------- sending */

static int dsm_msg_encode(struct dsm_msg *m, void *buf, u32 size)
{
	struct dsm_wire_enc e;

	dsm_wire_enc_begin(&e, buf, size, &m->hdr);
	if (dsm_wire_enc_fixed(&e, m))
		return -EINVAL;
	return dsm_wire_enc_end(&e);
}

/* Hand @tx to @dst's connection; count, or log why not. */
static int dsm_msg_xmit(u32 dst, u8 type, const struct dsm_tx_msg *tx)
{
	int ret;

	dsm_members_contact(dst);
	ret = dsm_transport_send(dst, tx);
	if (!ret) {
		dsm_msg_count(true, type, tx->hdr_len + tx->len);
		return 0;
	}
	dsm_stat_inc(DSM_STAT_MSG_SEND_FAILED);
	pr_warn_ratelimited("cannot send %s to node %u: %d\n",
			    dsm_wire_type_name(type), dst, ret);
	return ret;
}

/*
 * Fill in what every message sent from here carries; is it for us? The
 * epoch is this node's home table's, unless the sender set the one its
 * message depends on (sc's PAGE_REQ: the table its home came from).
 */
static bool dsm_msg_local(struct dsm_msg *m)
{
	m->hdr.src = dsm_transport_local();
	m->hdr.version = DSM_WIRE_VERSION_MAX;
	if (!m->hdr.epoch)
		m->hdr.epoch = dsm_home_epoch();
	return m->hdr.dst == m->hdr.src;
}

static int dsm_msg_enc_failed(const struct dsm_msg *m, int err)
{
	dsm_stat_inc(DSM_STAT_MSG_SEND_FAILED);
	pr_warn_ratelimited("cannot encode %s to node %u: %d\n",
			    dsm_wire_type_name(m->hdr.type), m->hdr.dst, err);
	return err;
}

/**
 * dsm_msg_send() - send message @m to node @m->hdr.dst.
 * @m:	the message, decoded form, without page data (a grant with its
 *	page goes through dsm_msg_send_page()); src, version and (if
 *	0) epoch are filled in here.
 *
 * A message to this node is handled at once, in this context, by the
 * model's handler (so the caller must hold no lock the handler takes).
 * Sleeps. Return: 0, or a negative errno (the message was not sent; it is
 * counted and the protocol's timeouts or node-down handling recover).
 */
int dsm_msg_send(struct dsm_msg *m)
{
	struct dsm_tx_msg tx = { };
	u8 buf[96];
	int len;

	if (dsm_msg_local(m)) {
		dsm_msg_dispatch(m);
		return 0;
	}
	len = dsm_msg_encode(m, buf, sizeof(buf));
	if (len < 0)
		return dsm_msg_enc_failed(m, len);
	tx.hdr = buf;
	tx.hdr_len = len;
	return dsm_msg_xmit(m->hdr.dst, m->hdr.type, &tx);
}

/**
 * dsm_msg_send_page() - send PAGE_GRANT @m with @page as its data.
 * @m:		the grant; its data pointer is not used. src, version
 *		and epoch are filled in here.
 * @page:	the page granted, DSM_PAGE_SIZE bytes, referenced by the
 *		caller until this returns.
 *
 * The page is not copied into a message: the transport sends the grant's
 * header and body, then the page from where it is, the same bytes on the
 * wire (dsm_wire_enc_page_grant_ext()). The transport may still read the
 * page after this returns (struct dsm_tx_msg): the caller must not change
 * it until the requester has it. To this node the grant is handled at
 * once, reading the page in place.
 *
 * Sleeps. Return: as dsm_msg_send().
 */
int dsm_msg_send_page(struct dsm_msg *m, struct page *page)
{
	struct dsm_tx_msg tx = { .page = page, .len = DSM_PAGE_SIZE };
	struct dsm_wire_enc e;
	u8 head[DSM_WIRE_HDR_SIZE + sizeof(struct dsm_wire_page_grant)];
	int len;

	if (WARN_ON_ONCE(m->hdr.type != DSM_MSG_PAGE_GRANT))
		return -EINVAL;
	if (dsm_msg_local(m)) {
		m->u.page_grant.data = kmap_local_page(page);
		m->u.page_grant.flags &= ~DSM_GRANT_F_NO_DATA;
		dsm_msg_dispatch(m);
		kunmap_local(m->u.page_grant.data);
		m->u.page_grant.data = NULL;
		return 0;
	}
	dsm_wire_enc_begin(&e, head, sizeof(head), &m->hdr);
	dsm_wire_enc_page_grant_ext(&e, &m->u.page_grant);
	len = dsm_wire_enc_end(&e);
	if (len < 0)
		return dsm_msg_enc_failed(m, len);
	tx.hdr = head;
	tx.hdr_len = len;
	return dsm_msg_xmit(m->hdr.dst, m->hdr.type, &tx);
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
	struct dsm_tx_msg tx = { .hdr = buf, .hdr_len = len };

	if (dst == dsm_transport_local() || dst >= DSM_NODES_MAX) {
		dsm_stat_inc(DSM_STAT_MSG_SEND_FAILED);
		pr_warn_ratelimited("cannot send %s to node %u: %d\n",
				    dsm_wire_type_name(type), dst, -EINVAL);
		return -EINVAL;
	}
	return dsm_msg_xmit(dst, type, &tx);
}

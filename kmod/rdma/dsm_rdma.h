/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_rdma.h - what the RDMA transport's files share: dsm_rdma_main.c
 * (the ops, peers, listener, device removal), dsm_rdma_conn.c (making
 * and tearing down a connection) and dsm_rdma_io.c (frames, credits,
 * completions, the receive thread).
 *
 * Wire format: every RDMA SEND is a fragment: a prefix (struct
 * dsm_rdma_prefix), then payload. A receive is posted as a head buffer
 * of DSM_RDMA_HEAD bytes followed by a page, so a fragment's bytes land
 * in the head, then the page. A message that has a page fragment and a
 * header that fits the head goes as one SEND of two pieces, the prefix
 * and header padded to DSM_RDMA_HEAD and the page fragment (not copied),
 * which lands at offset 0 of the receiver's page. Any other message is
 * cut into fragments of at most DSM_RDMA_FRAG_MAX payload bytes, copied.
 * A grant's page is installed as the page it landed in, not copied, when
 * the core gives a fresh page to take its place in the slot
 * (dsm_rdma_rx_zero_copy(); kmod/dsm_transport.h, "Receiving into a
 * page").
 * The last fragment of a message carries the message's tag (the frame
 * tag of kmod/core/dsm_auth.h over the message bytes, as TCP sends it).
 *
 * Credits: each side posts DSM_RDMA_RX_SLOTS receives before it
 * connects or accepts, so a sender starts with that many credits, one
 * per fragment. A receiver gives a slot back (credit) when it has
 * copied its bytes out and posted it again; credits ride in the prefix
 * of every fragment, or in a credit-only fragment when many are owed. A
 * data fragment never takes the last credit: it is kept for a
 * credit-only fragment, so the two sides can never both wait for
 * credits. Credits are applied when a fragment arrives, before its
 * message is authenticated (a forged credit can only make the sender
 * overrun the receiver, which the RC QP's RNR retry absorbs); frames are
 * authenticated as on TCP.
 */
#ifndef _DSM_RDMA_H
#define _DSM_RDMA_H

#include <linux/mutex.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <rdma/ib_verbs.h>
#include <rdma/rdma_cm.h>

#include <linux/dsm.h>

#include "dsm_transport.h"

/* The RDMA port of a node: its data port + this (dsmd port + 2). */
#define DSM_RDMA_PORT_OFFSET	1

#define DSM_RDMA_RX_SLOTS	64	/* receives posted per connection */
#define DSM_RDMA_TX_SLOTS	16	/* data fragments in flight */
#define DSM_RDMA_CREDIT_BATCH	(DSM_RDMA_RX_SLOTS / 4)
#define DSM_RDMA_HEAD		256	/* head buffer of a receive */

#define DSM_RDMA_SEND_TIMEOUT_MS	5000
/* Making the RDMA connection, retries included; TCG guests are slow. */
#define DSM_RDMA_CONNECT_TIMEOUT_MS	30000
#define DSM_RDMA_RETRY_MS		250
#define DSM_RDMA_RESOLVE_MS		5000

#define DSM_RDMA_MAGIC		0x64736d52	/* "dsmR" */
#define DSM_RDMA_F_LAST		0x01	/* last fragment of a message */
#define DSM_RDMA_F_CREDIT	0x02	/* credits only, no message */

/**
 * struct dsm_rdma_prefix - the start of every fragment (48 bytes).
 * @magic:	DSM_RDMA_MAGIC.
 * @flags:	DSM_RDMA_F_*.
 * @tag_len:	bytes of @tag (last fragment with keys), else 0.
 * @credits:	receive slots the sender posted again since it last said.
 * @head_len:	payload bytes in the head, after this prefix.
 * @page_len:	payload bytes in the page, at its offset 0.
 * @msg_len:	length of the whole message (0 for credits only).
 * @tag:	the message's tag.
 */
struct dsm_rdma_prefix {
	__le32 magic;
	u8 flags;
	u8 tag_len;
	__le16 credits;
	__le16 head_len;
	__le16 page_len;
	__le32 msg_len;
	u8 tag[DSM_AUTH_MAC_SIZE];
};

#define DSM_RDMA_PREFIX		((u32)sizeof(struct dsm_rdma_prefix))
#define DSM_RDMA_HEAD_MAX	(DSM_RDMA_HEAD - DSM_RDMA_PREFIX)
#define DSM_RDMA_FRAG_MAX	(DSM_RDMA_HEAD_MAX + PAGE_SIZE)

/**
 * struct dsm_rdma_cm_pd - the private data of the connect request.
 * @magic:	DSM_RDMA_MAGIC.
 * @from:	the connecting node (the lower id).
 * @to:		the node it connects to.
 * @tag_len:	bytes of @tag, 0 without keys.
 * @tag:	with keys: the first frame tag of the connecting node's
 *		session (sequence 0) over @magic, @from and @to, which
 *		proves it holds the key of the socket dsmd authenticated.
 *		The tag length is at most 32, the request carries 56 bytes.
 */
struct dsm_rdma_cm_pd {
	__le32 magic;
	__le32 from;
	__le32 to;
	__le32 tag_len;
	u8 tag[DSM_AUTH_MAC_SIZE];
};

#define DSM_RDMA_CM_PD_SIGNED	16	/* bytes the tag covers */

struct dsm_rdma_conn;

/**
 * struct dsm_rdma_rx - a receive slot: head buffer and page.
 * @cqe:	completion callback.
 * @c:		its connection.
 * @head:	DSM_RDMA_HEAD bytes, mapped from the device.
 * @page:	a page, mapped from the device; handed to the core when a
 *		grant's page landed in it, a fresh one taking its place.
 * @head_dma:	DMA address of @head.
 * @page_dma:	DMA address of @page.
 * @len:	bytes received (valid when @done).
 * @done:	received, not yet consumed. Under the connection's lock.
 */
struct dsm_rdma_rx {
	struct ib_cqe cqe;
	struct dsm_rdma_conn *c;
	u8 *head;
	struct page *page;
	u64 head_dma;
	u64 page_dma;
	u32 len;
	bool done;
};

/**
 * struct dsm_rdma_tx - a send slot.
 * @cqe:	completion callback.
 * @c:		its connection.
 * @buf:	prefix and payload (DSM_RDMA_HEAD + PAGE_SIZE bytes).
 * @buf_dma:	its DMA address.
 * @page:	a caller's page sent without a copy (a reference held), or
 *		NULL.
 * @page_dma:	its mapping.
 * @page_len:	bytes mapped.
 * @busy:	posted, not completed. Under the connection's lock.
 */
struct dsm_rdma_tx {
	struct ib_cqe cqe;
	struct dsm_rdma_conn *c;
	u8 *buf;
	u64 buf_dma;
	struct page *page;
	u64 page_dma;
	u32 page_len;
	bool busy;
};

/* What the connection manager told a connection (cm_state). */
enum {
	DSM_RDMA_CM_NONE,
	DSM_RDMA_CM_ADDR,	/* address resolved */
	DSM_RDMA_CM_ROUTE,	/* route resolved */
	DSM_RDMA_CM_REQ,	/* passive: a verified request claimed us */
	DSM_RDMA_CM_EST,	/* established */
	DSM_RDMA_CM_FAIL,	/* failed, rejected, disconnected */
};

/**
 * struct dsm_rdma_conn - one connection to a peer.
 * @node:	the peer.
 * @active:	this node connects (lower id); else it accepts.
 * @sock:	the TCP socket dsmd authenticated: kept, its closure is the
 *		link's; its file reference is dropped by dsm_rdma_conn_free().
 * @dst:	the peer's RDMA address (active side).
 * @rx:		receive thread: connects, then delivers messages.
 * @watch:	thread that waits for @sock to close.
 * @cm_id:	its rdma_cm id, or NULL. Set by the receive thread (active)
 *		or the listener (passive, under the peer's state_lock);
 *		destroyed by dsm_rdma_release() once both threads stopped.
 * @pd, @cq:	its verbs resources (receive thread, then teardown).
 * @lock:	protects @cm_state, @connected, @failed, @dead, @credits, @returns,
 *		@credit_busy, the slots' @busy and @done. Taken with BH off.
 * @wq:		everyone waiting for this connection waits here.
 * @waiting:	passive side waits for a request (listener, under the
 *		peer's state_lock).
 * @cm_state:	DSM_RDMA_CM_*.
 * @connected:	it was established once (then teardown drains the QP).
 * @failed:	an error: the connection must go.
 * @dead:	being torn down: nothing is posted any more.
 * @credits:	fragments this node may send.
 * @returns:	credits owed to the peer.
 * @credit_busy: the credit-only fragment is in flight.
 * @rx_next:	the receive slot that completes next (receive thread).
 * @ready:	connected: senders may use it (under the peer's tx_lock).
 * @up:		dsm_transport_conn_up() reported (receive thread).
 * @mac:	frames carry tags.
 * @txl, @rxl:	session state of each direction (tx: under tx_lock).
 * @tx_auth, @rx_auth: their HMAC transforms.
 * @proof:	the connect request's private data (active), made once.
 * @buf:	a message being received, DSM_WIRE_MAX_MSG bytes.
 * @rxs, @txs:	the slots; @cred: the credit-only fragment's slot.
 */
struct dsm_rdma_conn {
	u32 node;
	bool active;
	struct socket *sock;
	struct sockaddr_storage dst;
	struct task_struct *rx;
	struct task_struct *watch;
	struct rdma_cm_id *cm_id;
	struct ib_pd *pd;
	struct ib_cq *cq;
	spinlock_t lock;	/* see @lock above */
	wait_queue_head_t wq;
	bool waiting;
	int cm_state;
	bool connected;
	bool failed;
	bool dead;
	u32 credits;
	u32 returns;
	bool credit_busy;
	u32 rx_next;
	bool ready;
	bool up;
	bool mac;
	struct dsm_auth_link txl;
	struct dsm_auth_link rxl;
	struct dsm_auth_kconn tx_auth;
	struct dsm_auth_kconn rx_auth;
	struct dsm_rdma_cm_pd proof;
	u8 *buf;
	struct dsm_rdma_rx rxs[DSM_RDMA_RX_SLOTS];
	struct dsm_rdma_tx txs[DSM_RDMA_TX_SLOTS];
	struct dsm_rdma_tx cred;
};

/**
 * struct dsm_rdma_peer - a peer and its connection (as dsm_tcp_peer).
 * @lock:	serialises installing and tearing down @conn (work item,
 *		device removal); never taken by senders, threads or
 *		rdma_cm callbacks.
 * @tx_lock:	serialises senders; @conn is read under it for a send.
 * @conn:	current connection, or NULL; written under @lock, @tx_lock
 *		and @state_lock.
 * @state_lock:	protects @want, @broken, @pending, @addr (and @conn for
 *		the listener). Taken with BH off.
 * @want:	the core wants this peer.
 * @broken:	@conn failed: the work item must replace it.
 * @pending:	a connection adopted, not installed yet, or NULL.
 * @addr:	the peer's data address (from @connect).
 * @work:	installs, tears down, reports a missing link.
 */
struct dsm_rdma_peer {
	struct mutex lock;	/* see @lock above */
	struct mutex tx_lock;	/* see @tx_lock above */
	struct dsm_rdma_conn *conn;
	spinlock_t state_lock;	/* see @state_lock above */
	bool want;
	bool broken;
	struct dsm_rdma_conn *pending;
	struct sockaddr_storage addr;
	struct work_struct work;
};

/**
 * struct dsm_rdma - the transport.
 * @local:	this node's id.
 * @local_addr:	its data address (port: the data port).
 * @started:	between @start and @stop.
 * @wq:		the peers' work items, the listener's retries.
 * @listen_lock: protects @listener.
 * @listener:	the rdma_cm id listening at the RDMA port, or NULL.
 * @listen_work: makes @listener again (after a device went away).
 * @peers:	indexed by node id.
 */
struct dsm_rdma {
	u32 local;
	struct sockaddr_storage local_addr;
	bool started;
	struct workqueue_struct *wq;
	struct mutex listen_lock;	/* see @listen_lock above */
	struct rdma_cm_id *listener;
	struct delayed_work listen_work;
	struct dsm_rdma_peer peers[DSM_NODES_MAX];
};

extern struct dsm_rdma dsm_rdma;

/* dsm_rdma_main.c */
void dsm_rdma_conn_broken(struct dsm_rdma_conn *c);
u16 dsm_rdma_port(const struct sockaddr_storage *ss);
void dsm_rdma_port_set(struct sockaddr_storage *ss, u16 port);

/* dsm_rdma_conn.c */
int dsm_rdma_cm_handler(struct rdma_cm_id *id, struct rdma_cm_event *ev);
int dsm_rdma_establish(struct dsm_rdma_conn *c);
void dsm_rdma_release(struct dsm_rdma_conn *c);
int dsm_rdma_watch_thread(void *arg);

/* dsm_rdma_io.c */
void dsm_rdma_fail(struct dsm_rdma_conn *c, const char *why, int err);
int dsm_rdma_post_recv(struct dsm_rdma_conn *c, struct dsm_rdma_rx *r);
int dsm_rdma_send_msg(struct dsm_rdma_conn *c, const struct dsm_tx_msg *tx);
int dsm_rdma_recv_msg(struct dsm_rdma_conn *c, u32 max, long timeout,
		      u32 *len, struct page **page);
void dsm_rdma_credit_maybe(struct dsm_rdma_conn *c);
int dsm_rdma_slots_init(struct dsm_rdma_conn *c);
void dsm_rdma_slots_free(struct dsm_rdma_conn *c);
int dsm_rdma_rx_thread(void *arg);

#endif /* _DSM_RDMA_H */

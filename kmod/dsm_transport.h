/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_transport.h - the interface between dsm.ko's core and a transport.
 *
 * A transport carries the core's wire messages (core/dsm_wire.h) between
 * this node and its peers. TCP (dsm_tcp.c) is built into dsm.ko but goes
 * through this interface like any other; a transport in another module
 * (RDMA) registers with dsm_transport_register() and links against dsm.ko,
 * never the other way round: the core does not depend on any transport.
 *
 * Transports register by name (dsm_transport_register()); the one named
 * by the module parameter transport (default "tcp") carries the
 * messages.
 *
 * The core decides which peers to talk to (the membership that dsmd
 * configures over netlink) and tells the transport with @connect and
 * @close. A transport gets its connections one of two ways:
 *  - handed over: dsmd connects, authenticates and hands the connected
 *    socket to the kernel (PEER_SOCKET), which passes it to @adopt with
 *    the session keys and the peer's handshake facts. TCP works so, and
 *    makes no connection itself: when a wanted peer's connection breaks,
 *    or a wanted peer has none, it calls dsm_transport_link_down() and
 *    dsmd makes a new one.
 *  - by itself (a future RDMA transport without @adopt): it connects by
 *    a rule of its own, authenticates, learns the same facts from the
 *    peer and has the core check them (dsm_transport_peer_check()) before
 *    it carries a message, and reconnects while the peer is wanted.
 * Either way there is one handshake per connection, and it is not the
 * transport's messages: the facts it established (struct
 * dsm_transport_facts: the peer's incarnation, the wire version, whether
 * the peer declared an earlier incarnation of this node lost) are
 * checked by the core before the transport owns the connection, which is
 * then ready at once: its first frames are protocol messages. Every
 * connection that comes up or goes away is reported with
 * dsm_transport_conn_up() / dsm_transport_conn_down().
 */
#ifndef _DSM_TRANSPORT_H
#define _DSM_TRANSPORT_H

#include <linux/jump_label.h>
#include <linux/kthread.h>
#include <linux/minmax.h>
#include <linux/mm_types.h>
#include <linux/sched.h>
#include <linux/socket.h>
#include <linux/types.h>

/* DSM_WIRE_HDR_SIZE, DSM_WIRE_MAX_MSG: the framing every transport reads. */
#include "core/dsm_wire.h"
#include "core/dsm_auth.h"

struct module;
struct socket;
struct crypto_shash;

/**
 * struct dsm_transport_peer - where a peer is.
 * @node:	its node id.
 * @addr:	its data address: the address of its dsmd, with port
 *		(dsmd port + 1), see Documentation/sc.md.
 */
struct dsm_transport_peer {
	u32 node;
	struct sockaddr_storage addr;
};

/*
 * Version of this interface. A transport sets it in
 * struct dsm_transport_ops.version; dsm_transport_register() refuses any
 * other, so a transport module built against another dsm.ko fails to load
 * instead of calling through a different structure.
 *  1: send(node, buf, len) (unversioned).
 *  2: send(node, struct dsm_tx_msg *): a buffer and a page fragment;
 *     version field; registry by name.
 *  3: adopt() takes the peer's handshake facts; no HELLO on the link.
 *     Receiving into a page: dsm_transport_page_head(),
 *     dsm_transport_rx_page(), dsm_transport_recv_page() (issue 13).
 */
#define DSM_TRANSPORT_VERSION	3

/**
 * struct dsm_tx_msg - one message to send: a buffer, then a page fragment.
 * @hdr:	the message's first @hdr_len bytes (its header and, for a
 *		grant, its fixed body: dsm_wire_enc_page_grant_ext()).
 *		Owned by the caller; not used after @send returns.
 * @hdr_len:	their number, >= DSM_WIRE_HDR_SIZE.
 * @page:	the rest of the message, @len bytes at @off in @page, or
 *		NULL (then @off and @len are 0): the whole message is @hdr.
 *		The header's length field counts @hdr_len + @len.
 * @off:	offset in @page; @off + @len <= PAGE_SIZE.
 * @len:	bytes of @page.
 *
 * The wire carries @hdr then the fragment with nothing between them: the
 * bytes a peer reads are those of the message encoded into one buffer.
 * A transport that adds something to every frame (a MAC tag) covers both
 * pieces in one place, its function that turns a dsm_tx_msg into a send
 * (TCP: dsm_tcp_xmit() in dsm_tcp_io.c).
 */
struct dsm_tx_msg {
	const void *hdr;
	u32 hdr_len;
	struct page *page;
	u32 off;
	u32 len;
};

/**
 * struct dsm_transport_keys - the session keys of an authenticated link.
 * @tx:	what this node sends: key, sequence 0, tag length.
 * @rx:	what it receives.
 */
struct dsm_transport_keys {
	struct dsm_auth_link tx;
	struct dsm_auth_link rx;
};

/**
 * struct dsm_transport_facts - what the handshake of a connection
 * established about the peer (dsmd's data-link handshake, PEER_SOCKET).
 * @incarnation: the incarnation of the peer's module, not 0.
 * @wire_version: the wire version both speak (core/dsm_wire.h), within
 *		DSM_WIRE_VERSION_MIN..DSM_WIRE_VERSION_MAX.
 * @flags:	DSM_PEER_F_* (uapi/linux/dsm.h): PREV_LOST, the peer
 *		declared an earlier incarnation of this node lost.
 *
 * The page size is not here: the handshake refuses a peer whose page
 * size differs.
 */
struct dsm_transport_facts {
	u64 incarnation;
	u32 wire_version;
	u32 flags;
};

/**
 * struct dsm_transport_ops - a transport.
 * @version:	DSM_TRANSPORT_VERSION, the interface it was built for.
 * @name:	short name ("tcp"), unique among registered transports; the
 *		module parameter transport names the one dsm uses.
 * @owner:	module that implements it.
 * @start:	begin as node @local at @addr (the port is the local data
 *		port; a transport that connects by itself listens there).
 *		Called once, before any other op but @stop, in process
 *		context with no dsm lock held. 0 or errno.
 * @stop:	close every connection (and listener), stop every thread
 *		and work of the transport, and return when none runs any
 *		more. After @stop no callback into the core is made. A @send
 *		may still be running or start afterwards: it fails with
 *		-ENOTCONN.
 * @connect:	peer @p is wanted: keep a connection to it (one connecting
 *		by itself connects now or accepts it, and reconnects after a
 *		failure, with backoff; one fed by @adopt reports a missing
 *		connection with dsm_transport_link_down()). Repeating it
 *		with a new address replaces the old one. Called from the
 *		core's sync work under its transport mutex: it must not wait
 *		for the network; queue work instead.
 * @close:	peer @node is not wanted any more (down or removed): drop
 *		its connection and stop reconnecting. Same context as
 *		@connect. @close then @connect drops the connection and
 *		makes a new one (the peer restarted).
 * @adopt:	optional: make @sock, a connected socket that dsmd
 *		authenticated, the connection to wanted peer @node, dropping
 *		an older one; with @keys (NULL: 'auth none') every frame
 *		carries a tag (kmod/core/dsm_auth.h) and a frame whose tag is
 *		wrong drops the connection. @facts is what the handshake
 *		established (the core has checked it: dsm_transport_peer_
 *		check()); the transport may keep a copy, not the pointer.
 *		On 0 the transport owns @sock's file reference
 *		(sockfd_lookup()) and the connection is ready: the next bytes
 *		either side sends are protocol messages (no HELLO), and it
 *		reports dsm_transport_conn_up() once senders may use it; on
 *		error the caller keeps the socket. Called from the
 *		PEER_SOCKET handler (process context, genl_mutex and the
 *		core's transport mutex held): it must not wait for the
 *		network. -EHOSTUNREACH: @node is not wanted.
 * @send:	send message @msg to @node. Sleeps (process context, no
 *		spinlock held by the caller); bounded by the transport's
 *		send timeout. Returns 0 when the whole message was handed to
 *		the connection, -ENOTCONN when there is none, or another
 *		errno (the connection is then dropped: a peer never sees
 *		part of a message followed by another). Several senders may
 *		call it at once, for one peer or different ones; each
 *		message goes out whole, and messages of one sender to one
 *		peer arrive in order.
 *
 * @start and @stop exclude each other and every other op. @connect and
 * @close for one node are serialised by the caller; @send runs
 * concurrently with all of them. The core calls @send inside an SRCU read
 * section and waits for it after unregistering the transport, so a
 * transport module can go away once dsm_transport_unregister() returns.
 *
 * Buffers and pages. @msg and @msg->hdr belong to the caller and are not
 * used after @send returns. The caller holds a reference to @msg->page
 * until @send returns. The transport may keep using the page after that
 * (TCP with MSG_SPLICE_PAGES: the socket's buffers reference the page
 * until the peer acknowledges the bytes, and may send them again): it
 * then takes its own reference (get_page()) and drops it with put_page()
 * when done, from any context. So a page passed to @send must be a
 * refcounted page that may be referenced that way (sendpage_ok(); a
 * transport that cannot tell copies instead), and the caller must not
 * change the bytes of the fragment until the peer has them: the sc
 * protocol grants a page only after taking every local writer's access
 * away, and gives access back only after the grant's requester answered,
 * which it does after reading the page (see dsm_sc.c).
 *
 * Receiving: for every complete message the transport calls
 * dsm_transport_recv() (or dsm_transport_recv_page(), below) from a
 * context that may sleep (TCP: the connection's receive thread), one
 * message at a time per connection, in arrival order, after checking the
 * frame's tag if it has one. The buffer belongs to the transport and is
 * valid only during the call. A non-zero return means the message was
 * malformed (already counted and logged): the transport must drop the
 * connection.
 *
 * Receiving into a page: a message that ends with a whole page (a
 * PAGE_GRANT with data) may be received in two pieces, so that its page
 * lands in the page the model installs as the frame instead of being
 * copied out of the buffer. A transport that does it, for each message:
 *  1. reads the header and, when dsm_transport_page_head() says the
 *     message ends with a page, only the head (header and fixed body)
 *     it names;
 *  2. calls dsm_transport_rx_page() with the head: the core checks the
 *     sender, request id, page and state as the model's handler would
 *     and returns a fresh page, the transport's reference, or NULL: it
 *     reads the rest into its buffer and goes on as without this;
 *  3. reads the page into that page (TCP: a bvec, no buffer between),
 *     then checks the frame's tag over head and page, and only then
 *  4. calls dsm_transport_recv_page(), which consumes the page in every
 *     case: the handler runs all its checks again (the request may have
 *     ended meanwhile), makes the page the frame if the page has none
 *     yet (a first fault, the common case), else copies it into the
 *     frame (the page cache folio that mappings and lock-free readers
 *     may hold is never replaced), and frees what it did not keep.
 * On any error between 2 and 4 (a read, a wrong tag) the transport frees
 * the page with dsm_transport_rx_page_put() and drops the connection. Steps 2 and 4
 * may sleep (they allocate, take mutexes and may send a CONFIRM); the
 * order of messages is unchanged, since 2 to 4 happen in the receive
 * loop before the next message is read. A transport that never calls
 * dsm_transport_rx_page() is correct, only slower. RDMA, whose receives
 * are posted before the message is known, reverses 2 and 3: the page
 * has already landed in a receive slot's page; it puts the page of
 * dsm_transport_rx_page() into the slot instead and hands the received
 * one to dsm_transport_recv_page() (dsm_rdma_rx_zero_copy()).
 */
struct dsm_transport_ops {
	u32 version;
	const char *name;
	struct module *owner;
	int (*start)(u32 local, const struct sockaddr_storage *addr);
	void (*stop)(void);
	void (*connect)(const struct dsm_transport_peer *p);
	void (*close)(u32 node);
	int (*adopt)(u32 node, struct socket *sock,
		     const struct dsm_transport_keys *keys,
		     const struct dsm_transport_facts *facts);
	int (*send)(u32 node, const struct dsm_tx_msg *msg);
};

/*
 * Provided by the core for transports: dsm_transport.c (registry, facts),
 * dsm_msg.c (dsm_transport_recv()), dsm_members.c (dsm_transport_local()).
 */
int dsm_transport_register(const struct dsm_transport_ops *ops);
void dsm_transport_unregister(const struct dsm_transport_ops *ops);
const struct dsm_transport_ops *dsm_transport_find(const char *name);
void dsm_transport_put(const struct dsm_transport_ops *ops);
int dsm_transport_recv(u32 node, const void *buf, size_t len);
u32 dsm_transport_page_head(const void *hdr, u32 len);
struct page *dsm_transport_rx_page(u32 node, const void *head, u32 len);
int dsm_transport_recv_page(u32 node, const void *head, u32 len,
			    struct page *page);
void dsm_transport_rx_page_put(struct page *page);
void dsm_transport_conn_up(u32 node);
void dsm_transport_conn_down(u32 node);
void dsm_transport_link_down(u32 node);
int dsm_transport_peek(const void *hdr, u32 *len);
int dsm_transport_peer_check(u32 node, const struct dsm_transport_facts *f);
u32 dsm_transport_local(void);
void dsm_transport_park(void);

/*
 * Fault injection (dsm_inject.c, module parameter inject): a receive loop
 * calls dsm_transport_rx_hold() before it reads each message of @node's
 * connection and, while it returns more than 0, waits (at most that many
 * jiffies at a time, waking for its own stop), reading nothing: the
 * "stall" of a peer that does not read its socket. Off, it costs one
 * static branch.
 */
DECLARE_STATIC_KEY_FALSE(dsm_inject_key);
long dsm_inject_rx_stall(u32 node);
void dsm_inject_rx_seen(u32 node, const void *buf, size_t len);

static inline long dsm_transport_rx_hold(u32 node)
{
	if (static_branch_unlikely(&dsm_inject_key))
		return dsm_inject_rx_stall(node);
	return 0;
}

/*
 * That wait, for a receive thread (a kthread): read nothing from @node
 * while its stall lasts, so that its sends back up; ends early at
 * kthread_stop(). Sleeps.
 */
static inline void dsm_transport_rx_stall(u32 node)
{
	long left;

	while ((left = dsm_transport_rx_hold(node)) > 0 &&
	       !kthread_should_stop())
		schedule_timeout_interruptible(min_t(long, left, HZ / 10));
}

/*
 * And with each message read, before dsm_transport_recv(): fault
 * injection notes the request ids a member can see of the others.
 */
static inline void dsm_transport_rx_seen(u32 node, const void *buf,
					 size_t len)
{
	if (static_branch_unlikely(&dsm_inject_key))
		dsm_inject_rx_seen(node, buf, len);
}

/*
 * Fault injection's "corrupt" rule: a transport calls it with each tag
 * it has just sealed, under its send lock, and sends what it leaves.
 */
void dsm_inject_corrupt_tag(u32 node, u8 *tag, size_t tag_len);

static inline void dsm_inject_corrupt(u32 node, const void *buf, size_t len,
				      u8 *tag, size_t tag_len)
{
	if (static_branch_unlikely(&dsm_inject_key))
		dsm_inject_corrupt_tag(node, tag, tag_len);
}

/*
 * And its "replay" rule: after sending a frame with its tag, under the
 * same send lock, a transport sends the very same bytes again when this
 * says so: a captured frame played back on the link.
 */
bool dsm_inject_replay_frame(u32 node, size_t tag_len);

static inline bool dsm_inject_replay(u32 node, size_t tag_len)
{
	return static_branch_unlikely(&dsm_inject_key) &&
	       dsm_inject_replay_frame(node, tag_len);
}

/*
 * HMAC-SHA256 for one direction of one connection (dsm_auth.c): its own
 * transform, so connections share no lock; the caller serialises the
 * use of each. @ops is what kmod/core/dsm_auth.h's functions take.
 * @key and @klen: the key @tfm holds (@klen 0: none known), so that
 * the frames of a link, all under its one key, do not set it again:
 * keying hashes two blocks, as many as a small frame's tag.
 */
struct dsm_auth_kconn {
	struct crypto_shash *tfm;
	struct dsm_auth_ops ops;
	u8 key[DSM_AUTH_KEY_SIZE];
	u32 klen;
};

int dsm_auth_kconn_init(struct dsm_auth_kconn *a);
void dsm_auth_kconn_free(struct dsm_auth_kconn *a);

#endif /* _DSM_TRANSPORT_H */

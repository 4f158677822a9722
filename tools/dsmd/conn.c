// SPDX-License-Identifier: GPL-2.0
/*
 * conn.c - dsmd's control connections: a fixed table of slots, the
 * listening socket, non-blocking connect and accept, a bounded send
 * queue per connection (SENDQ_MAX: a peer that does not read is
 * dropped), and the receive buffer, whose whole frames go to
 * peer_message(). Once a connection's handshake is authenticated
 * (auth.c), every frame is followed by its tag: conn_send() seals,
 * conn_consume() checks before decoding, and a wrong tag drops the
 * connection. For every pair of nodes the one with the lower id
 * connects, from its own configured address, which the other checks: an
 * inbound connection from any other address is closed at once, and each
 * configured peer has at most one inbound handshake per kind (control,
 * data) going on, the newest (a live connection is replaced only by an
 * authenticated one, in peer_accept()). Data connections (datalink.c)
 * are read exactly to the end of their last handshake frame, so that
 * nothing meant for the kernel is read here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "auth_nettle.h"
#include "dsmd.h"

static void conn_auth_reset(struct conn *c);

void conn_close(int ci, const char *why)
{
	struct conn *c = &d.conns[ci];

	if (c->fd < 0)
		return;
	if (c->data) {
		logm(LOG_DEBUG, "node %d: data connection closed: %s",
		     c->peer >= 0 ? c->peer : c->from, why);
		data_closed(ci);
	} else if (c->peer >= 0) {
		logm(c->ready ? LOG_INFO : LOG_DEBUG,
		     "node %d: connection closed: %s", c->peer, why);
		if (d.peers[c->peer].conn == ci)
			d.peers[c->peer].conn = -1;
		/* Frames on it may be lost: the managers hear of it later. */
		if (c->ready)
			d.gone |= 1ULL << c->peer;
	} else {
		logm(LOG_DEBUG, "inbound connection closed: %s", why);
	}
	close(c->fd);
	c->fd = -1;
	c->peer = -1;
	c->ready = c->connecting = c->outbound = c->data = false;
	c->handoff = false;
	c->from = -1;
	conn_auth_reset(c);
	c->rlen = c->wlen = 0;
	free(c->wbuf);
	c->wbuf = NULL;
	c->wcap = 0;
}

/* No handshake state and no session keys left in a slot. */
static void conn_auth_reset(struct conn *c)
{
	c->hs_state = HS_HELLO;
	c->got_chal = false;
	c->mac = false;
	c->hello_inc = 0;
	c->wire = 0;
	memset(&c->link, 0, sizeof(c->link));
	memset(&c->peer_link, 0, sizeof(c->peer_link));
	memset(&c->hs, 0, sizeof(c->hs));
	memset(&c->tx, 0, sizeof(c->tx));
	memset(&c->rx, 0, sizeof(c->rx));
}

static int conn_alloc(int fd)
{
	int i;

	for (i = 0; i < MAX_CONNS; i++) {
		struct conn *c = &d.conns[i];

		if (c->fd >= 0)
			continue;
		c->fd = fd;
		c->peer = -1;
		c->from = -1;
		c->data = c->handoff = false;
		c->ready = c->connecting = c->outbound = false;
		c->version = DSMC_VERSION_HELLO;
		c->rlen = c->wlen = 0;
		c->started = now_ms();
		conn_auth_reset(c);
		return i;
	}
	return -1;
}

void conn_flush(int ci)
{
	struct conn *c = &d.conns[ci];
	ssize_t n;

	while (c->wlen) {
		n = send(c->fd, c->wbuf, c->wlen, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			conn_close(ci, strerror(errno));
			return;
		}
		memmove(c->wbuf, c->wbuf + n, c->wlen - n);
		c->wlen -= n;
	}
}

/* Room for one more frame in the send queue of @ci; 0 or -1 (closed). */
static int conn_reserve(int ci)
{
	struct conn *c = &d.conns[ci];
	size_t cap;
	uint8_t *p;

	if (c->wlen + CONN_FRAME_MAX > SENDQ_MAX) {
		conn_close(ci, "send queue full (peer not reading)");
		return -1;
	}
	if (c->wcap - c->wlen >= CONN_FRAME_MAX)
		return 0;
	cap = c->wcap ? 2 * c->wcap : 4 * CONN_FRAME_MAX;
	while (cap - c->wlen < CONN_FRAME_MAX)
		cap *= 2;
	p = realloc(c->wbuf, cap);
	if (!p) {
		conn_close(ci, "out of memory for the send queue");
		return -1;
	}
	c->wbuf = p;
	c->wcap = cap;
	return 0;
}

/*
 * Queue @m on connection @ci (with the connection's protocol version,
 * and its tag once the handshake is authenticated) and send what the
 * socket takes. Returns 0, or -1 if it was not queued (the connection is
 * not open, or was closed because its queue is full).
 */
int conn_send(int ci, const struct dsmc_msg *m)
{
	struct conn *c = &d.conns[ci];
	struct dsmc_msg v = *m;
	uint8_t *frame;
	int len;

	if (c->fd < 0 || c->connecting || conn_reserve(ci))
		return -1;
	if (v.type == DSMC_HELLO || v.type == DSMC_HELLO_ACK)
		v.version = DSMC_VERSION_HELLO;
	else if (v.type == DSMC_AUTH_CHALLENGE || v.type == DSMC_AUTH_RESPONSE)
		v.version = DSMC_VERSION_AUTH;
	else
		v.version = c->version;
	frame = c->wbuf + c->wlen;
	len = dsmc_encode(&v, frame, c->wcap - c->wlen);
	if (len < 0) {
		logm(LOG_ERR, "cannot encode %s", dsmc_type_name(m->type));
		return -1;
	}
	if (c->mac) {
		if (dsm_auth_frame_seal(&dsm_auth_nettle, &c->tx, frame, len,
					frame + len)) {
			conn_close(ci, "cannot tag a frame (sequence used up)");
			return -1;
		}
		len += c->tx.tag_len;
	}
	c->wlen += len;
	conn_flush(ci);
	return d.conns[ci].fd < 0 ? -1 : 0;
}

static void conn_bad(int ci, const char *why)
{
	struct conn *c = &d.conns[ci];

	if (c->peer >= 0) {
		d.peers[c->peer].bad_msgs++;
		logm(LOG_WARNING, "node %d: bad message: %s (%llu bad messages); dropping the connection",
		     c->peer, why,
		     (unsigned long long)d.peers[c->peer].bad_msgs);
	} else {
		logm(LOG_WARNING, "inbound connection: bad message: %s; dropping it",
		     why);
	}
	conn_close(ci, "bad message");
}

/*
 * Every whole frame at the start of @ci's receive buffer: its tag checked
 * (once the handshake is authenticated: a connection switches in the
 * middle of a buffer), decoded, handled. A MGR frame's payload is a view
 * into the buffer, so the bytes move only after every frame is handled.
 * Returns 0, or 1 if the connection was closed (or reused) meanwhile.
 */
static int conn_consume(int ci)
{
	struct conn *c = &d.conns[ci];
	const char *why = NULL;
	size_t off = 0, rlen;
	struct dsmc_msg m;
	int total, tag;

	for (;;) {
		total = dsmc_peek(c->rbuf + off, c->rlen - off, &why);
		tag = c->mac ? (int)c->rx.tag_len : 0;
		if (total < 0)
			break;
		if (!total || c->rlen - off < (size_t)(total + tag))
			goto done;
		if (c->mac && dsm_auth_frame_open(&dsm_auth_nettle, &c->rx,
						  c->rbuf + off, total,
						  c->rbuf + off + total)) {
			auth_bad_tag(ci);
			return 1;
		}
		if (dsmc_decode(c->rbuf + off, total, &m, &why))
			break;
		rlen = c->rlen;
		peer_message(ci, &m);
		/* Closed (and maybe reused: rlen reset) while handling @m. */
		if (c->fd < 0 || c->rlen != rlen)
			return 1;
		off += total + tag;
		/* What follows is the kernel's, if anything. */
		if (c->handoff)
			goto done;
	}
	conn_bad(ci, why);
	return 1;
done:
	memmove(c->rbuf, c->rbuf + off, c->rlen - off);
	c->rlen -= off;
	return 0;
}

/*
 * How much of @ci's next frame is still to come (a data connection reads
 * no further), or the room left in the buffer.
 */
static size_t conn_want(const struct conn *c)
{
	const char *why = NULL;
	int total;

	if (!c->data)
		return sizeof(c->rbuf) - c->rlen;
	if (c->rlen < DSMC_HDR_SIZE)
		return DSMC_HDR_SIZE - c->rlen;
	total = dsmc_peek(c->rbuf, c->rlen, &why);
	if (total <= 0)
		return 1;	/* conn_consume() judges it */
	total += c->mac ? (int)c->rx.tag_len : 0;
	return (size_t)total > c->rlen ? (size_t)total - c->rlen : 0;
}

void conn_read(int ci)
{
	struct conn *c = &d.conns[ci];
	ssize_t n;

	n = recv(c->fd, c->rbuf + c->rlen, conn_want(c), MSG_DONTWAIT);
	if (n == 0) {
		conn_close(ci, "closed by peer");
		return;
	}
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			conn_close(ci, strerror(errno));
		return;
	}
	c->rlen += n;
	if (!conn_consume(ci) && c->handoff)
		data_handoff(ci);
}

/* Node @id's address with @port (0: any). */
static socklen_t node_sockaddr(int id, struct sockaddr_storage *ss,
			       uint16_t port)
{
	struct dsmd_conf_node *n = &d.conf.nodes[id];

	memset(ss, 0, sizeof(*ss));
	if (n->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_addr = n->addr4;
		sin->sin_port = htons(port);
		return sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = n->addr6;
		sin6->sin6_port = htons(port);
		return sizeof(*sin6);
	}
}

static void sock_setup(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/*
 * Connect to node @id: its dsmd port, or with @data its data port (the
 * dsmd port + 1).
 */
void conn_connect(int id, bool data)
{
	uint16_t port = d.conf.nodes[id].port + (data ? 1 : 0);
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, ci;

	if (!data)
		d.peers[id].next_connect = now_ms() + d.conf.reconnect_ms;
	fd = socket(d.conf.nodes[id].family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sock_setup(fd);
	/* From our configured address, which the peer checks. */
	sl = node_sockaddr(d.conf.local, &ss, 0);
	if (d.conf.nodes[id].family == d.conf.nodes[d.conf.local].family &&
	    bind(fd, (struct sockaddr *)&ss, sl))
		logm(LOG_DEBUG, "bind for node %d: %s", id, strerror(errno));
	ci = conn_alloc(fd);
	if (ci < 0) {
		close(fd);
		return;
	}
	d.conns[ci].peer = id;
	d.conns[ci].outbound = true;
	d.conns[ci].connecting = true;
	d.conns[ci].data = data;
	if (data)
		d.peers[id].dconn = ci;
	else
		d.peers[id].conn = ci;
	sl = node_sockaddr(id, &ss, port);
	if (connect(fd, (struct sockaddr *)&ss, sl) && errno != EINPROGRESS) {
		conn_close(ci, strerror(errno));
		return;
	}
	logm(LOG_DEBUG, "node %d: connecting to %s port %u", id,
	     d.conf.nodes[id].addr, port);
}

void conn_connected(int ci)
{
	struct conn *c = &d.conns[ci];
	struct dsmc_msg m;
	socklen_t sl = sizeof(int);
	int err = 0;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &sl) || err) {
		conn_close(ci, strerror(err ? err : errno));
		return;
	}
	c->connecting = false;
	fence_seen(c->peer);	/* reachable, even if it refuses us */
	peer_fill_hello(&m, DSMC_HELLO);
	if (!conn_send(ci, &m))
		auth_hello_sent(ci);
}

/* The configured node with a lower id than ours at @ss, or -1. */
static int conn_node_at(const struct sockaddr_storage *ss)
{
	int id;

	for (id = 0; id < d.conf.local; id++) {
		const struct dsmd_conf_node *n = &d.conf.nodes[id];

		if (ss->ss_family != n->family)
			continue;
		if (n->family == AF_INET &&
		    ((const struct sockaddr_in *)ss)->sin_addr.s_addr ==
		    n->addr4.s_addr)
			return id;
		if (n->family == AF_INET6 &&
		    !memcmp(&((const struct sockaddr_in6 *)ss)->sin6_addr,
			    &n->addr6, sizeof(n->addr6)))
			return id;
	}
	return -1;
}

/*
 * A connection on @lfd (@data: the data port). Only from the address of
 * a configured node that connects to us (a lower id); one handshake per
 * node and kind: a newer one replaces an older one still in its
 * handshake, never a live connection.
 */
void conn_accept(int lfd, bool data)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd, from, ci, i;

	fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	from = conn_node_at(&ss);
	if (from < 0) {
		logm(LOG_DEBUG, "refused a %s connection: not from a node that connects to this one",
		     data ? "data" : "control");
		close(fd);
		return;
	}
	for (i = 0; i < MAX_CONNS; i++)
		if (d.conns[i].fd >= 0 && !d.conns[i].outbound &&
		    !d.conns[i].ready && d.conns[i].from == from &&
		    d.conns[i].data == data)
			conn_close(i, "a newer connection from the node");
	sock_setup(fd);
	ci = conn_alloc(fd);
	if (ci < 0) {
		logm(LOG_WARNING, "too many connections; refusing one");
		close(fd);
		return;
	}
	d.conns[ci].from = from;
	d.conns[ci].data = data;
}

/* Listen on our configured address, port @port: the fd, or -errno. */
int conn_listen_on(uint16_t port)
{
	struct sockaddr_storage ss;
	int one = 1, fd, err;
	socklen_t sl;

	fd = socket(d.conf.nodes[d.conf.local].family,
		    SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sl = node_sockaddr(d.conf.local, &ss, port);
	if (bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, 16)) {
		err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

int conn_listen(void)
{
	d.lfd = conn_listen_on(d.conf.nodes[d.conf.local].port);
	return d.lfd < 0 ? d.lfd : 0;
}

void conn_broadcast(const struct dsmc_msg *m)
{
	int i;

	for (i = 0; i < MAX_CONNS; i++)
		if (d.conns[i].fd >= 0 && d.conns[i].ready)
			conn_send(i, m);
}

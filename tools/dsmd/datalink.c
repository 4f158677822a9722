// SPDX-License-Identifier: GPL-2.0
/*
 * datalink.c - the data connections (Documentation/protocol.md,
 * "Connections"): dsmd makes them and the kernel uses them.
 *
 * For every pair of nodes the lower id dials the data port of the higher
 * (the dsmd port + 1), non-blocking, once the control connection is up,
 * and again with backoff (DATA_BACKOFF_MIN_MS doubling to reconnect-
 * interval) whenever the kernel says the link is missing (LINK_DOWN). The
 * higher id listens on the data port of its configured address only. A
 * data connection is a connection slot of a second kind (struct conn
 * @data): it runs the same handshake as a control connection (HELLO,
 * then with a cluster key the challenge-response of auth.c), under the
 * same total deadline (dead-timeout), and is read exactly to the end of
 * its last handshake frame. Its last frames are LINK_INFO, one each way
 * (protocol version 4; tagged under the session keys, sequence 0): what
 * each kernel says of itself (GET_STATUS: its incarnation, wire versions
 * and page size, and whether it declared an earlier incarnation of the
 * other lost). A page size or wire versions the two kernels cannot share
 * are refused here, with one line naming the peer and both values, and
 * the kernel never sees the socket. Otherwise dsmd hands the socket to
 * the kernel (PEER_SOCKET) with the session keys, the peer's facts and
 * the agreed wire version, and closes its own descriptor; the kernel
 * checks the incarnation against the one dsmd reported up, and the
 * connection carries protocol messages at once (no second handshake).
 * Each side sent its LINK_INFO before it read the other's, and hands
 * over only after reading it, so no kernel frame reaches this daemon.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dsmd.h"

#define DATA_BACKOFF_MIN_MS	100
/* A link that lived this long was fine: the next failure starts over. */
#define DATA_STABLE_MS		10000

int data_listen(void)
{
	d.dfd = conn_listen_on(d.conf.nodes[d.conf.local].port + 1);
	return d.dfd < 0 ? d.dfd : 0;
}

/* The next dial to @id after a failure: later, and later again. */
static void data_backoff(int id)
{
	struct peer *p = &d.peers[id];

	if (!p->data_backoff || now_ms() - p->data_since > DATA_STABLE_MS)
		p->data_backoff = DATA_BACKOFF_MIN_MS;
	p->next_data = now_ms() + p->data_backoff;
	p->data_backoff *= 2;
	if (p->data_backoff > d.conf.reconnect_ms)
		p->data_backoff = d.conf.reconnect_ms;
}

/* Dial the data connections we make (lower id) and are missing. */
void data_timers(void)
{
	int64_t now = now_ms();
	unsigned int id;

	for (id = d.conf.local + 1; id < d.conf.nr_nodes; id++) {
		struct peer *p = &d.peers[id];

		if (!d.conf.nodes[id].present || p->conn < 0 || !d.conns[p->conn].ready || p->dhanded ||
		    p->dconn >= 0 || now < p->next_data)
			continue;
		conn_connect(id, true);
	}
}

void data_closed(int ci)
{
	struct conn *c = &d.conns[ci];
	int id = c->peer;

	if (id < 0 || d.peers[id].dconn != ci)
		return;
	d.peers[id].dconn = -1;
	/* Failed before the handoff: dial again, later. */
	if (id > d.conf.local && !d.peers[id].dhanded)
		data_backoff(id);
}

/*
 * Data connection @ci is authenticated (or past HELLO with 'auth none'):
 * our LINK_INFO to the peer, then wait for its own (HS_LINK).
 */
void data_link_begin(int ci)
{
	struct conn *c = &d.conns[ci];
	struct dsmc_msg m = { .type = DSMC_LINK_INFO };
	int ret;

	if (c->version < DSMC_VERSION_LINK) {
		logm(LOG_WARNING, "node %d: data connection refused: its dsmd speaks protocol version %u, a data link needs %u (LINK_INFO); upgrade it",
		     c->peer, c->version, DSMC_VERSION_LINK);
		conn_close(ci, "peer too old for a data link");
		return;
	}
	ret = kernel_link_info(c->peer, &c->link);
	if (ret) {
		logm(LOG_WARNING, "node %d: data connection not made: cannot read this node's link facts from the kernel: %s",
		     c->peer, ret == -EPROTONOSUPPORT ?
		     "dsm.ko too old (netlink family below version 6)" :
		     ret == -ESTALE ? "its incarnation changed (reloaded?)" :
		     kerr(ret));
		conn_close(ci, "no link facts");
		return;
	}
	m.link = c->link;
	if (conn_send(ci, &m))
		return;
	c->hs_state = HS_LINK;
}

/*
 * The peer's LINK_INFO on data connection @ci: the last frame of the
 * handshake. Refused (one line, both values) if the two kernels cannot
 * share the link; else conn_read() hands the connection over.
 */
void data_link_info(int ci, const struct dsmc_link *l)
{
	struct conn *c = &d.conns[ci];
	char why[160];

	if ((int)l->node != c->peer) {
		snprintf(why, sizeof(why), "LINK_INFO of node %u", l->node);
	} else if (l->incarnation != c->hello_inc) {
		snprintf(why, sizeof(why),
			 "LINK_INFO incarnation %llu, HELLO said %llu",
			 (unsigned long long)l->incarnation,
			 (unsigned long long)c->hello_inc);
	} else if (!dsmc_link_agree(&c->link, l, &c->wire, why,
				    sizeof(why))) {
		c->peer_link = *l;
		c->handoff = true;	/* conn_read() hands it over */
		/* The peer lost our earlier incarnation: lrc is joined again. */
		if (l->flags & DSM_PEER_F_PREV_LOST)
			mgr_self_lost(&d.mgr);
		return;
	}
	logm(LOG_WARNING, "node %d: data connection refused: %s", c->peer,
	     why);
	conn_close(ci, "link facts refused");
}

/*
 * Are the facts our LINK_INFO told the peer of data connection @ci no
 * longer true? The peer's restart can be reported to the kernel while the
 * handshake runs (the new incarnation's control connection and this one
 * race): the kernel then declared the earlier incarnation lost, and the
 * LINK_INFO sent before said nothing of it. A kernel that takes the socket
 * has had the restart reported (PEER_SOCKET checks the incarnation), so
 * reading the facts again here, in the loop that reports restarts, finds
 * every such change. The connection is then made again with the facts of
 * now (closed: the lower id dials again), so the new incarnation learns
 * that its pages are lost before it serves one, on every link.
 */
static bool data_facts_changed(int ci)
{
	struct conn *c = &d.conns[ci];
	struct dsmc_link now;
	int ret;

	ret = kernel_link_info(c->peer, &now);
	if (!ret && now.incarnation == c->link.incarnation &&
	    now.flags == c->link.flags)
		return false;
	logm(LOG_INFO, "node %d: data connection made again: this node's link facts changed during its handshake (%s)",
	     c->peer, ret ? kerr(ret) : now.flags != c->link.flags ?
	     "the peer's earlier incarnation was declared lost" :
	     "this node's incarnation");
	conn_close(ci, "link facts changed");
	return true;
}

/*
 * The handshake of data connection @ci is done (LINK_INFO both ways):
 * the socket goes to the kernel, with the keys and the peer's facts.
 */
void data_handoff(int ci)
{
	struct conn *c = &d.conns[ci];
	struct peer *p = &d.peers[c->peer];
	int id = c->peer, ret;

	/* Our last frame is out, and nothing past the peer's was read. */
	conn_flush(ci);
	if (c->fd < 0)
		return;
	/* With keys, LINK_INFO was sequence 0 each way: the kernel's is 1. */
	if (c->wlen || c->rlen ||
	    (c->mac && (c->tx.seq != DSM_PEER_SEQ_FIRST ||
			c->rx.seq != DSM_PEER_SEQ_FIRST))) {
		conn_close(ci, "data connection not at a frame boundary");
		return;
	}
	if (data_facts_changed(ci))
		return;
	fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) & ~O_NONBLOCK);
	ret = kernel_peer_socket(id, c->fd, c->mac ? &c->tx : NULL,
				 c->mac ? &c->rx : NULL, &c->peer_link,
				 c->wire);
	if (ret) {
		/* ESTALE: its restart is not reported yet; it dials again. */
		logm(ret == -ESTALE ? LOG_DEBUG : LOG_WARNING,
		     "node %d: kernel refused the data connection: %s", id,
		     kerr(ret));
		conn_close(ci, "kernel refused it");
		return;
	}
	p->dhanded = true;
	p->data_since = now_ms();
	logm(LOG_DEBUG, "node %d: data connection handed to the kernel (wire version %u%s)",
	     id, c->wire, c->mac ? ", authenticated" : "");
	conn_close(ci, "handed to the kernel");
}

void data_link_down(int id)
{
	struct peer *p;

	if (id < 0 || (unsigned int)id >= d.conf.nr_nodes || id == d.conf.local ||
	    !d.conf.nodes[id].present)
		return;
	p = &d.peers[id];
	logm(LOG_DEBUG, "node %d: the kernel has no data connection%s", id,
	     id > d.conf.local ? "; dialling" : "; waiting for its dial");
	p->dhanded = false;
	if (id > d.conf.local && p->dconn < 0)
		data_backoff(id);
}

void data_forget(int id)
{
	struct peer *p = &d.peers[id];

	if (p->dconn >= 0)
		conn_close(p->dconn, "node down");
	p->dhanded = false;
	p->data_backoff = 0;
	p->next_data = 0;
}

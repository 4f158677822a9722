// SPDX-License-Identifier: GPL-2.0
/*
 * auth.c - dsmd's side of peer authentication (Documentation/
 * control-plane.md, "Peer authentication"): the cluster key, and the
 * challenge-response that follows HELLO when the configuration has
 * 'key PATH'. The rules (bodies, transcript, session keys, frame tags)
 * are kmod/core/dsm_auth.c's; HMAC-SHA256 is nettle's.
 *
 *   initiator                         responder
 *   HELLO, AUTH_CHALLENGE(nI)   ->    checks HELLO, then the challenge
 *                               <-    HELLO_ACK, AUTH_CHALLENGE(nR),
 *                                     AUTH_RESPONSE(MAC R_TO_I)
 *   checks HELLO_ACK, challenge,
 *   MAC; AUTH_RESPONSE(MAC I_TO_R) -> checks the MAC
 *   ready, frames tagged               ready, frames tagged
 *
 * The responder says nothing before it has the initiator's HELLO and
 * challenge, and a connection replaces a peer's live one only once it
 * is authenticated (peer_accept()). A handshake that does not finish
 * within dead-timeout is closed by the timers (dsmd.c).
 */
#include <stdio.h>
#include <string.h>

#include "auth_nettle.h"
#include "dsm_key.h"
#include "dsmd.h"

static const struct dsm_auth_ops *ops = &dsm_auth_nettle;

int auth_init(char *err, size_t errlen)
{
	const char *what;

	d.cluster_id = dsm_cluster_id(d.conf.cluster);
	d.auth = d.conf.auth == DSMD_AUTH_KEY;
	if (!d.auth)
		return 0;
	if (dsm_auth_selftest(ops, &what)) {
		snprintf(err, errlen,
			 "self-test of peer authentication failed: %s", what);
		return -1;
	}
	return dsm_key_load(d.conf.key_path, d.key, err, errlen);
}

void auth_log_mode(void)
{
	if (d.auth) {
		logm(LOG_INFO, "peers are authenticated with the cluster key %s",
		     d.conf.key_path);
		return;
	}
	logm(LOG_WARNING, "*** 'auth none': peers are NOT authenticated: anything that reaches port %u can join this cluster as a node. Use it only on a trusted network; see dsm.conf(5) ***",
	     d.conf.nodes[d.conf.local].port);
}

/* Refuse the handshake on @ci: count, log, close. */
static void auth_fail(int ci, const char *why)
{
	struct conn *c = &d.conns[ci];
	uint64_t n = ++d.peers[c->peer].auth_failed;

	logm(LOG_WARNING, "node %d: %s (%llu refused handshakes); closing the connection",
	     c->peer, why, (unsigned long long)n);
	conn_close(ci, "authentication failed");
}

void auth_bad_tag(int ci)
{
	struct conn *c = &d.conns[ci];
	uint64_t n = ++d.peers[c->peer].bad_tags;

	logm(LOG_WARNING, "node %d: a frame failed authentication (modified, replayed or reordered; %llu so far); dropping the connection",
	     c->peer, (unsigned long long)n);
	conn_close(ci, "frame failed authentication");
}

static void send_challenge(int ci, const uint8_t *nonce)
{
	struct dsmc_msg m = { .type = DSMC_AUTH_CHALLENGE };

	m.chal.from = d.conf.local;
	m.chal.to = d.conns[ci].peer;
	m.chal.cluster_id = d.cluster_id;
	memcpy(m.chal.nonce, nonce, DSM_AUTH_NONCE_SIZE);
	conn_send(ci, &m);
}

/* Our AUTH_RESPONSE on @ci, for direction @dir; 0 or -1 (closed). */
static int send_response(int ci, enum dsm_auth_dir dir)
{
	struct dsmc_msg m = { .type = DSMC_AUTH_RESPONSE };
	struct conn *c = &d.conns[ci];

	m.resp.from = d.conf.local;
	if (dsm_auth_response_mac(ops, d.key, &c->hs, dir, m.resp.mac)) {
		conn_close(ci, "cannot compute the handshake MAC");
		return -1;
	}
	return conn_send(ci, &m);
}

void auth_hello_sent(int ci)
{
	struct conn *c = &d.conns[ci];

	if (!d.auth || c->fd < 0)
		return;
	c->hs.cluster_id = d.cluster_id;
	c->hs.initiator = d.conf.local;
	c->hs.responder = c->peer;
	if (dsm_auth_random(c->hs.nonce_i, DSM_AUTH_NONCE_SIZE)) {
		conn_close(ci, "no random nonce");
		return;
	}
	send_challenge(ci, c->hs.nonce_i);
}

/*
 * The peer's challenge. The initiator keeps its nonce and waits for the
 * response; the responder answers with HELLO_ACK, its own challenge and
 * its response.
 */
static void auth_challenge(int ci, const struct dsm_auth_challenge *ch)
{
	struct conn *c = &d.conns[ci];
	struct dsmc_msg ack;

	if (c->got_chal)
		return auth_fail(ci, "second AUTH_CHALLENGE");
	if ((int)ch->from != c->peer || (int)ch->to != d.conf.local)
		return auth_fail(ci, "AUTH_CHALLENGE names other nodes");
	if (ch->cluster_id != d.cluster_id)
		return auth_fail(ci, "AUTH_CHALLENGE of another cluster");
	c->got_chal = true;
	if (c->outbound) {
		memcpy(c->hs.nonce_r, ch->nonce, DSM_AUTH_NONCE_SIZE);
		return;
	}
	c->hs.cluster_id = d.cluster_id;
	c->hs.initiator = c->peer;
	c->hs.responder = d.conf.local;
	memcpy(c->hs.nonce_i, ch->nonce, DSM_AUTH_NONCE_SIZE);
	if (dsm_auth_random(c->hs.nonce_r, DSM_AUTH_NONCE_SIZE)) {
		conn_close(ci, "no random nonce");
		return;
	}
	peer_fill_hello(&ack, DSMC_HELLO_ACK);
	if (conn_send(ci, &ack))
		return;
	send_challenge(ci, c->hs.nonce_r);
	if (c->fd >= 0)
		send_response(ci, DSM_AUTH_R_TO_I);
}

/* The peer's response: the proof that it holds the key. */
static void auth_response(int ci, const struct dsm_auth_response *r)
{
	struct conn *c = &d.conns[ci];
	enum dsm_auth_dir dir = c->outbound ? DSM_AUTH_R_TO_I :
				DSM_AUTH_I_TO_R;

	if (!c->got_chal || (int)r->from != c->peer)
		return auth_fail(ci, "AUTH_RESPONSE out of order");
	if (dsm_auth_response_check(ops, d.key, &c->hs, dir, r->mac))
		return auth_fail(ci, "authentication failed (different cluster key?)");
	if (c->outbound && send_response(ci, DSM_AUTH_I_TO_R))
		return;
	if (dsm_auth_session(ops, d.key, &c->hs, c->outbound,
			     DSM_AUTH_MAC_SIZE, &c->tx, &c->rx)) {
		conn_close(ci, "cannot derive the session keys");
		return;
	}
	c->mac = true;
	logm(LOG_DEBUG, "node %d: authenticated", c->peer);
	peer_accept(ci);
}

void auth_message(int ci, const struct dsmc_msg *m)
{
	if (m->type == DSMC_AUTH_CHALLENGE)
		auth_challenge(ci, &m->chal);
	else
		auth_response(ci, &m->resp);
}

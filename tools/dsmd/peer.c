// SPDX-License-Identifier: GPL-2.0
/*
 * peer.c - dsmd's peers: the handshake (HELLO, HELLO_ACK: cluster name,
 * node ids, the peer's address, protocol version, incarnation), peers
 * reported up and down to the kernel and the managers, the region table
 * replicated to them and from them, and the dispatch of what a peer
 * sends after the handshake.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "dsmd.h"

void peer_fill_hello(struct dsmc_msg *m, uint16_t type)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->version = DSMC_VERSION_HELLO;
	m->hello.node = d.conf.local;
	m->hello.version_min = DSMC_VERSION_PEER_MIN;
	m->hello.version_max = DSMC_VERSION_MAX;
	m->hello.incarnation = d.incarnation;
	m->hello.heartbeat_ms = d.conf.heartbeat_ms;
	m->hello.dead_ms = d.conf.dead_ms;
	snprintf(m->hello.cluster, sizeof(m->hello.cluster), "%s",
		 d.conf.cluster);
}

/*
 * The region's owner, group and mode go to peers of protocol version 3
 * (conn_send() encodes them only then); a module without them (family
 * version below 4) gets the defaults it would give itself.
 */
void peer_region_fill(struct dsmc_msg *m, struct nlattr **tb)
{
	m->type = DSMC_REGION_ADD;
	snprintf(m->region.name, sizeof(m->region.name), "%s",
		 dsm_nla_str(tb[DSM_A_REGION_NAME], ""));
	m->region.offset = dsm_nla_u64(tb[DSM_A_REGION_OFFSET], 0);
	m->region.size = dsm_nla_u64(tb[DSM_A_REGION_SIZE], 0);
	m->region.origin = dsm_nla_u32(tb[DSM_A_REGION_ORIGIN], 0);
	m->region.model = dsm_nla_u8(tb[DSM_A_REGION_MODEL], 0);
	m->region.replicas = dsm_nla_u8(tb[DSM_A_REGION_REPLICAS], 1);
	m->region.uid = dsm_nla_u32(tb[DSM_A_REGION_UID], 0);
	m->region.gid = tb[DSM_A_REGION_GID] ?
			dsm_nla_u32(tb[DSM_A_REGION_GID], 0) :
			kernel_default_gid();
	m->region.mode = dsm_nla_u16(tb[DSM_A_REGION_MODE],
				     DSM_REGION_MODE_DEFAULT);
}

/* Region sync: every region this node knows but "default", to @ci. */
static int sync_cb(uint8_t cmd, struct nlattr **tb, void *arg)
{
	int ci = *(int *)arg;
	struct dsmc_msg m = {};
	const char *name = dsm_nla_str(tb[DSM_A_REGION_NAME], NULL);

	(void)cmd;
	if (!name || !strcmp(name, DSM_DEFAULT_REGION_NAME))
		return 0;
	peer_region_fill(&m, tb);
	conn_send(ci, &m);
	return 0;
}

void peer_region_sync(int ci)
{
	struct nl_msg *msg;
	int ret;

	msg = dsm_genl_msg(&d.nl, DSM_CMD_REGION_GET, NLM_F_DUMP);
	if (!msg)
		return;
	ret = dsm_genl_call(&d.nl, msg, sync_cb, &ci);
	if (ret)
		logm(LOG_ERR, "cannot list regions for a sync: %s", kerr(ret));
}

static void peer_ready(int id, uint64_t inc, int ci)
{
	struct peer *p = &d.peers[id];
	int reason = DSM_REASON_JOINED;

	d.conns[ci].ready = true;
	d.conns[ci].peer = id;
	p->conn = ci;
	p->last_rx = now_ms();
	if (p->incarnation && p->incarnation != inc)
		reason = DSM_REASON_RESTARTED;
	/* A replaced connection is gone first; a restart is a down first. */
	mgrnl_flush_gone();
	if (reason == DSM_REASON_RESTARTED)
		mgr_peer_state(&d.mgr, id, MGR_PEER_DOWN);
	mgr_peer_state(&d.mgr, id, MGR_PEER_UP);
	if (p->kstate != DSM_NODE_STATE_UP || p->incarnation != inc) {
		p->incarnation = inc;
		if (!kernel_set_state(id, DSM_NODE_STATE_UP, reason, inc)) {
			p->kstate = DSM_NODE_STATE_UP;
			p->rehomed = false;	/* a next failure re-homes again */
			logm(LOG_INFO, "node %d up (%s, incarnation %llu)", id,
			     dsm_reason_name(reason), (unsigned long long)inc);
		}
	}
	peer_region_sync(ci);
	memb_peer_ready(ci);
}

void peer_down(int id, int reason)
{
	struct peer *p = &d.peers[id];

	if (p->conn >= 0)
		conn_close(p->conn, dsm_reason_name(reason));
	data_forget(id);
	mgrnl_flush_gone();
	mgr_peer_state(&d.mgr, id, MGR_PEER_DOWN);
	if (p->kstate == DSM_NODE_STATE_DOWN)
		return;
	/* Declared dead: this incarnation may not come back (fence.c). */
	if (reason == DSM_REASON_TIMEOUT)
		p->down_inc = p->incarnation;
	/* Once, even if the kernel refused: no retry storm. */
	kernel_set_state(id, DSM_NODE_STATE_DOWN, reason, 0);
	p->kstate = DSM_NODE_STATE_DOWN;
	logm(LOG_WARNING, "node %d down (%s)", id, dsm_reason_name(reason));
	/* A leave it was in fails (leave.c). */
	leave_peer_down(id);
	/* Declared dead: its buckets go to the others (membership.c). */
	if (reason == DSM_REASON_TIMEOUT)
		memb_node_failed(id);
}

/*
 * A HELLO or HELLO_ACK from the other side; 0 if it may join, -1 if not
 * (*@why says why), 1 if not and fence.c said why already.
 */
static int check_hello(int ci, const struct dsmc_msg *m, const char **why)
{
	struct conn *c = &d.conns[ci];
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct dsmd_conf_node *n;
	int id = m->hello.node;

	if (strcmp(m->hello.cluster, d.conf.cluster)) {
		*why = "other cluster name";
		return -1;
	}
	if (m->hello.version_max < DSMC_VERSION_PEER_MIN ||
	    m->hello.version_min > DSMC_VERSION_MAX) {
		*why = m->hello.version_max < DSMC_VERSION_NODES64 ?
		       "no common protocol version (its dsmd is from before 64 nodes, protocol 7; upgrade it)" :
		       "no common protocol version";
		return -1;
	}
	if (id < 0 || id >= DSM_NODES_MAX || !d.conf.nodes[id].present ||
	    id == d.conf.local) {
		*why = "node id not in this cluster's configuration";
		return -1;
	}
	if (c->outbound ? id != c->peer : id != c->from) {
		*why = "unexpected node id on this connection";
		return -1;
	}
	/* The peer's address must be the configured one. */
	n = &d.conf.nodes[id];
	if (getpeername(c->fd, (struct sockaddr *)&ss, &sl)) {
		*why = "getpeername failed";
		return -1;
	}
	if (ss.ss_family == AF_INET && n->family == AF_INET) {
		if (((struct sockaddr_in *)&ss)->sin_addr.s_addr !=
		    n->addr4.s_addr) {
			*why = "connection not from the node's address";
			return -1;
		}
	} else if (ss.ss_family == AF_INET6 && n->family == AF_INET6) {
		if (memcmp(&((struct sockaddr_in6 *)&ss)->sin6_addr,
			   &n->addr6, 16)) {
			*why = "connection not from the node's address";
			return -1;
		}
	} else {
		*why = "connection from another address family";
		return -1;
	}
	if (!fence_hello_check(id, m->hello.incarnation)) {
		*why = "declared down at this incarnation";
		return 1;
	}
	return 0;
}

static int region_replica(const struct dsmc_msg *m, int from)
{
	struct nl_msg *msg;
	int ret;

	if (m->type == DSMC_REGION_ADD) {
		msg = dsm_genl_msg(&d.nl, DSM_CMD_REGION_NEW, 0);
		if (!msg || nla_put_string(msg, DSM_A_REGION_NAME, m->region.name) ||
		    nla_put_u64(msg, DSM_A_REGION_SIZE, m->region.size) ||
		    nla_put_u8(msg, DSM_A_REGION_MODEL, m->region.model) ||
		    nla_put_u8(msg, DSM_A_REGION_REPLICAS,
			       m->region.replicas) ||
		    nla_put_u64(msg, DSM_A_REGION_OFFSET, m->region.offset) ||
		    nla_put_u32(msg, DSM_A_REGION_ORIGIN, m->region.origin) ||
		    nla_put_flag(msg, DSM_A_REPLICA))
			return -ENOMEM;
		/* From a peer of version 1 or 2: the kernel's defaults. */
		if (m->region.has_perm &&
		    (nla_put_u32(msg, DSM_A_REGION_UID, m->region.uid) ||
		     nla_put_u32(msg, DSM_A_REGION_GID, m->region.gid) ||
		     nla_put_u16(msg, DSM_A_REGION_MODE, m->region.mode)))
			return -ENOMEM;
	} else {
		msg = dsm_genl_msg(&d.nl, DSM_CMD_REGION_DEL, 0);
		if (!msg || nla_put_string(msg, DSM_A_REGION_NAME, m->region.name) ||
		    nla_put_u64(msg, DSM_A_REGION_OFFSET, m->region.offset) ||
		    nla_put_flag(msg, DSM_A_REPLICA))
			return -ENOMEM;
	}
	ret = dsm_genl_call(&d.nl, msg, NULL, NULL);
	if (!ret)
		logm(LOG_DEBUG, "node %d: region %s %s", from, m->region.name,
		     m->type == DSMC_REGION_ADD ? "replicated" : "deleted");
	else if (ret == -EEXIST || ret == -ENOENT)
		logm(LOG_DEBUG, "node %d: region %s: %s", from,
		     m->region.name, kerr(ret));
	else
		logm(LOG_WARNING, "node %d: region %s: kernel refused: %s",
		     from, m->region.name, kerr(ret));
	return ret;
}

void peer_accept(int ci)
{
	struct conn *c = &d.conns[ci];
	int id = c->peer;

	if (c->data) {
		data_link_begin(ci);	/* LINK_INFO, then the handoff */
		return;
	}
	/* The peer reconnected: its new, checked connection wins. */
	if (!c->outbound && d.peers[id].conn >= 0 && d.peers[id].conn != ci)
		conn_close(d.peers[id].conn, "replaced");
	peer_ready(id, c->hello_inc, ci);
}

/*
 * The handshake on @ci, before it is ready: HELLO (inbound) or HELLO_ACK
 * (outbound), then with a cluster key the challenge-response (auth.c).
 */
static void peer_handshake(int ci, const struct dsmc_msg *m)
{
	struct conn *c = &d.conns[ci];
	const char *why = NULL;
	struct dsmc_msg reply;
	int ret;

	if (c->hs_state == HS_AUTH && (m->type == DSMC_AUTH_CHALLENGE ||
				       m->type == DSMC_AUTH_RESPONSE)) {
		auth_message(ci, m);
		return;
	}
	if (c->hs_state == HS_LINK) {
		if (m->type == DSMC_LINK_INFO)
			data_link_info(ci, &m->link);
		else
			conn_close(ci, "LINK_INFO expected");
		return;
	}
	if (c->hs_state != HS_HELLO ||
	    m->type != (c->outbound ? DSMC_HELLO_ACK : DSMC_HELLO)) {
		if (d.auth && c->hs_state == HS_AUTH)
			logm(LOG_WARNING, "node %d: %s instead of authentication (has it 'auth none'?)",
			     c->peer, dsmc_type_name(m->type));
		conn_close(ci, "handshake expected");
		return;
	}
	ret = check_hello(ci, m, &why);
	if (ret) {
		if (ret < 0)
			logm(LOG_WARNING, "refusing node %u: %s",
			     m->hello.node, why);
		conn_close(ci, why);
		return;
	}
	c->peer = m->hello.node;
	c->hello_inc = m->hello.incarnation;
	c->version = m->hello.version_max < DSMC_VERSION_MAX ?
		     m->hello.version_max : DSMC_VERSION_MAX;
	if (d.auth) {
		if (c->version < DSMC_VERSION_AUTH) {
			logm(LOG_WARNING, "refusing node %d: its dsmd does not authenticate (protocol version %u); upgrade it",
			     c->peer, c->version);
			conn_close(ci, "peer cannot authenticate");
			return;
		}
		/* The responder answers once the challenge is here too. */
		c->hs_state = HS_AUTH;
		return;
	}
	if (!c->outbound) {
		peer_fill_hello(&reply, DSMC_HELLO_ACK);
		if (conn_send(ci, &reply))
			return;
	}
	peer_accept(ci);
}

/* Handle one decoded message on connection @ci. */
void peer_message(int ci, const struct dsmc_msg *m)
{
	struct conn *c = &d.conns[ci];
	int id;

	if (!c->ready) {
		peer_handshake(ci, m);
		return;
	}
	id = c->peer;
	d.peers[id].last_rx = now_ms();
	switch (m->type) {
	case DSMC_HEARTBEAT:
		break;
	case DSMC_REGION_ADD:
	case DSMC_REGION_DEL:
		region_replica(m, id);
		break;
	case DSMC_BYE:
		logm(LOG_INFO, "node %d says goodbye", id);
		peer_down(id, DSM_REASON_LEFT);
		break;
	case DSMC_MEMBERS:
		memb_message(id, m);
		break;
	case DSMC_MGR_REQ:
	case DSMC_MGR_REPLY:
	case DSMC_LOCK_FWD:
	case DSMC_LOCK_HANDOVER:
		if (m->version != c->version)
			goto bad;
		mgr_peer_frame(&d.mgr, id, m);
		break;
	default:
bad:
		d.peers[id].bad_msgs++;
		logm(LOG_WARNING, "node %d: unexpected %s after handshake (%llu bad messages)",
		     id, dsmc_type_name(m->type),
		     (unsigned long long)d.peers[id].bad_msgs);
		conn_close(ci, "protocol error");
	}
}

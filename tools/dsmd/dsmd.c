// SPDX-License-Identifier: GPL-2.0
/*
 * dsmd - the dsm daemon: membership, peer connections, heartbeats and
 * failure detection, region replication; later the lock and barrier
 * managers (Documentation/control-plane.md, dsmd(8)).
 *
 * One thread, one poll loop. For every pair of nodes the one with the
 * lower id connects to the other (the control connection); the handshake
 * (HELLO, HELLO_ACK) checks the cluster name and node ids and carries each
 * dsmd's incarnation, a random number per run, so a restarted node is
 * recognised. Both sides send a HEARTBEAT every heartbeat-interval; a
 * node from which nothing arrived for dead-timeout is declared down to the
 * kernel, which fails every wait on it. Peers are untrusted: a message the
 * decoder refuses is logged and counted, and the connection is dropped.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "dsm_genl.h"
#include "proto.h"

#define DSMD_VERSION	"0.1.0"
#define MAX_CONNS	(2 * DSM_NODES_MAX)
#define WBUF_SIZE	(64 * 1024)

/* Exit codes; documented in dsmd(8). */
enum {
	DSMD_EXIT_OK	= 0,
	DSMD_EXIT_CONF	= 1,	/* bad configuration */
	DSMD_EXIT_USAGE	= 2,	/* bad command line */
	DSMD_EXIT_KERN	= 3,	/* dsm.ko missing or refused the config */
	DSMD_EXIT_NET	= 4,	/* cannot listen */
};

/**
 * struct conn - a control connection, inbound or outbound.
 * @fd:		socket, -1 when the slot is free.
 * @peer:	node id; -1 for an inbound connection before its HELLO.
 * @outbound:	we connected (our id is the lower one).
 * @connecting:	non-blocking connect() in progress.
 * @ready:	handshake done.
 * @started:	when it was opened (ms), for the handshake timeout.
 */
struct conn {
	int fd;
	int peer;
	bool outbound;
	bool connecting;
	bool ready;
	int64_t started;
	size_t rlen;
	size_t wlen;
	uint8_t rbuf[DSMC_MSG_MAX];
	uint8_t wbuf[WBUF_SIZE];
};

/**
 * struct peer - what dsmd knows of another node.
 * @conn:	index of its connection in d.conns, or -1.
 * @incarnation: its dsmd's incarnation from the last handshake (0: none).
 * @kstate:	the state last reported to the kernel.
 * @last_rx:	when anything last arrived from it (ms).
 * @next_connect: when to try connecting next (ms; lower id connects).
 * @bad_msgs:	messages refused by the decoder.
 */
struct peer {
	int conn;
	uint64_t incarnation;
	int kstate;
	int64_t last_rx;
	int64_t next_connect;
	uint64_t bad_msgs;
};

static struct {
	struct dsmd_conf conf;
	const char *conf_path;
	struct dsm_genl nl;	/* requests to the kernel */
	struct dsm_genl ev;	/* the kernel's events */
	int lfd;
	uint64_t incarnation;
	struct conn conns[MAX_CONNS];
	struct peer peers[DSM_NODES_MAX];
	int64_t start;
	int64_t next_hb;
	uint64_t hb_seq;
	bool foreground;
	bool verbose;
} d;

static volatile sig_atomic_t stop_signal;

/* ---------------------------------------------------------------- log */

static void vlog(int prio, const char *fmt, va_list ap)
{
	struct timespec ts;
	struct tm tm;
	char buf[512];

	if (prio == LOG_DEBUG && !d.verbose)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (!d.foreground) {
		syslog(prio, "%s", buf);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	fprintf(stderr, "%02d:%02d:%02d.%03ld dsmd[%d]: %s%s\n", tm.tm_hour,
		tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, (int)getpid(),
		prio <= LOG_ERR ? "error: " : prio == LOG_WARNING ?
		"warning: " : "", buf);
}

static void logm(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void logm(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(prio, fmt, ap);
	va_end(ap);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------- kernel */

static const char *kerr(int err)
{
	return d.nl.errmsg[0] ? d.nl.errmsg : strerror(-err);
}

static int kernel_set_state(int id, int state, int reason, uint64_t inc)
{
	struct nl_msg *msg;
	int ret;

	msg = dsm_genl_msg(&d.nl, DSM_CMD_NODE_SET_STATE, 0);
	if (!msg || nla_put_u32(msg, DSM_A_NODE_ID, id) ||
	    nla_put_u8(msg, DSM_A_NODE_STATE, state) ||
	    nla_put_u8(msg, DSM_A_NODE_REASON, reason) ||
	    (inc && nla_put_u64(msg, DSM_A_NODE_INCARNATION, inc)))
		return -ENOMEM;
	ret = dsm_genl_call(&d.nl, msg, NULL, NULL);
	if (ret)
		logm(LOG_ERR, "kernel refused node %d %s: %s", id,
		     dsm_state_name(state), kerr(ret));
	return ret;
}

static int kernel_configure(void)
{
	struct dsmd_conf *c = &d.conf;
	struct nl_msg *msg;
	unsigned int i;
	int ret;

	msg = dsm_genl_msg(&d.nl, DSM_CMD_CLUSTER_SET, 0);
	if (!msg || nla_put_string(msg, DSM_A_CLUSTER_NAME, c->cluster) ||
	    nla_put_u32(msg, DSM_A_LOCAL_NODE, c->local))
		return -ENOMEM;
	ret = dsm_genl_call(&d.nl, msg, NULL, NULL);
	if (ret) {
		logm(LOG_ERR, "kernel refused cluster %s node %d: %s",
		     c->cluster, c->local, kerr(ret));
		return ret;
	}
	for (i = 0; i < c->nr_nodes; i++) {
		struct dsmd_conf_node *n = &c->nodes[i];

		msg = dsm_genl_msg(&d.nl, DSM_CMD_NODE_ADD, 0);
		if (!msg || nla_put_u32(msg, DSM_A_NODE_ID, i) ||
		    nla_put_u16(msg, DSM_A_NODE_PORT, n->port) ||
		    (n->family == AF_INET ?
		     nla_put(msg, DSM_A_NODE_ADDR4, 4, &n->addr4) :
		     nla_put(msg, DSM_A_NODE_ADDR6, 16, &n->addr6)))
			return -ENOMEM;
		ret = dsm_genl_call(&d.nl, msg, NULL, NULL);
		if (ret) {
			logm(LOG_ERR, "kernel refused node %u (%s port %u): %s",
			     i, n->addr, n->port, kerr(ret));
			return ret;
		}
	}
	return 0;
}

static int status_cb(uint8_t cmd, struct nlattr **tb, void *arg)
{
	(void)cmd;
	*(bool *)arg = dsm_nla_u8(tb[DSM_A_CONFIGURED], 0);
	return 0;
}

static int kernel_open(void)
{
	int ret;

	ret = dsm_genl_open(&d.nl);
	if (!ret)
		ret = dsm_genl_open(&d.ev);
	if (!ret)
		ret = dsm_genl_subscribe(&d.ev);
	if (ret) {
		dsm_genl_close(&d.ev);
		dsm_genl_close(&d.nl);
	}
	return ret;
}

/*
 * Once a second: is the kernel still configured? If dsm.ko was reloaded
 * (its family is new and empty), configure it again and report the peers
 * as dsmd knows them, so the module and dsmd never disagree for long.
 */
static void kernel_watch(void)
{
	static int64_t next;
	static bool warned;
	bool configured = false;
	struct nl_msg *msg;
	unsigned int id;
	int ret;

	if (now_ms() < next)
		return;
	next = now_ms() + 1000;
	ret = -ENOENT;
	if (d.nl.sk) {
		msg = dsm_genl_msg(&d.nl, DSM_CMD_GET_STATUS, 0);
		ret = msg ? dsm_genl_call(&d.nl, msg, status_cb, &configured) :
			    -ENOMEM;
	}
	if (!ret && configured)
		return;
	/*
	 * A reloaded module has a new family (and multicast group): reopen
	 * both sockets, so that the events subscription is the new one's.
	 */
	dsm_genl_close(&d.ev);
	dsm_genl_close(&d.nl);
	if (kernel_open()) {
		if (!warned)
			logm(LOG_ERR, "dsm.ko is gone; waiting for it to be loaded again");
		warned = true;
		return;
	}
	warned = false;
	logm(LOG_WARNING, "dsm.ko lost its configuration (reloaded?); configuring it again");
	if (kernel_configure())
		return;
	for (id = 0; id < d.conf.nr_nodes; id++) {
		struct peer *p = &d.peers[id];

		if ((int)id == d.conf.local)
			continue;
		if (p->kstate == DSM_NODE_STATE_UP)
			kernel_set_state(id, DSM_NODE_STATE_UP, DSM_REASON_JOINED,
					 p->incarnation);
		else if (p->kstate == DSM_NODE_STATE_DOWN)
			kernel_set_state(id, DSM_NODE_STATE_DOWN,
					 DSM_REASON_TIMEOUT, 0);
	}
}

/* ------------------------------------------------------- connections */

static void conn_close(int ci, const char *why)
{
	struct conn *c = &d.conns[ci];

	if (c->fd < 0)
		return;
	if (c->peer >= 0) {
		logm(c->ready ? LOG_INFO : LOG_DEBUG,
		     "node %d: connection closed: %s", c->peer, why);
		if (d.peers[c->peer].conn == ci)
			d.peers[c->peer].conn = -1;
	} else {
		logm(LOG_DEBUG, "inbound connection closed: %s", why);
	}
	close(c->fd);
	c->fd = -1;
	c->peer = -1;
	c->ready = c->connecting = c->outbound = false;
	c->rlen = c->wlen = 0;
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
		c->ready = c->connecting = c->outbound = false;
		c->rlen = c->wlen = 0;
		c->started = now_ms();
		return i;
	}
	return -1;
}

static void conn_flush(int ci)
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

static void conn_send(int ci, const struct dsmc_msg *m)
{
	struct conn *c = &d.conns[ci];
	int len;

	if (c->fd < 0 || c->connecting)
		return;
	if (c->wlen + DSMC_MSG_MAX > sizeof(c->wbuf)) {
		conn_close(ci, "send queue full (peer not reading)");
		return;
	}
	len = dsmc_encode(m, c->wbuf + c->wlen, sizeof(c->wbuf) - c->wlen);
	if (len < 0) {
		logm(LOG_ERR, "cannot encode %s", dsmc_type_name(m->type));
		return;
	}
	c->wlen += len;
	conn_flush(ci);
}

static void fill_hello(struct dsmc_msg *m, uint16_t type)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->version = DSMC_VERSION_MAX;
	m->hello.node = d.conf.local;
	m->hello.version_min = DSMC_VERSION_MIN;
	m->hello.version_max = DSMC_VERSION_MAX;
	m->hello.incarnation = d.incarnation;
	m->hello.heartbeat_ms = d.conf.heartbeat_ms;
	m->hello.dead_ms = d.conf.dead_ms;
	snprintf(m->hello.cluster, sizeof(m->hello.cluster), "%s",
		 d.conf.cluster);
}

/* Region sync: every region this node knows but "default", to @ci. */
static int sync_cb(uint8_t cmd, struct nlattr **tb, void *arg)
{
	int ci = *(int *)arg;
	struct dsmc_msg m = { .type = DSMC_REGION_ADD };
	const char *name = dsm_nla_str(tb[DSM_A_REGION_NAME], NULL);

	(void)cmd;
	if (!name || !strcmp(name, DSM_DEFAULT_REGION_NAME))
		return 0;
	snprintf(m.region.name, sizeof(m.region.name), "%s", name);
	m.region.offset = dsm_nla_u64(tb[DSM_A_REGION_OFFSET], 0);
	m.region.size = dsm_nla_u64(tb[DSM_A_REGION_SIZE], 0);
	m.region.origin = dsm_nla_u32(tb[DSM_A_REGION_ORIGIN], 0);
	m.region.model = dsm_nla_u8(tb[DSM_A_REGION_MODEL], 0);
	conn_send(ci, &m);
	return 0;
}

static void region_sync(int ci)
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
	if (p->kstate != DSM_NODE_STATE_UP || p->incarnation != inc) {
		p->incarnation = inc;
		if (!kernel_set_state(id, DSM_NODE_STATE_UP, reason, inc)) {
			p->kstate = DSM_NODE_STATE_UP;
			logm(LOG_INFO, "node %d up (%s, incarnation %llu)", id,
			     dsm_reason_name(reason), (unsigned long long)inc);
		}
	}
	region_sync(ci);
}

static void peer_down(int id, int reason)
{
	struct peer *p = &d.peers[id];

	if (p->conn >= 0)
		conn_close(p->conn, dsm_reason_name(reason));
	if (p->kstate == DSM_NODE_STATE_DOWN)
		return;
	/* Once, even if the kernel refused: no retry storm. */
	kernel_set_state(id, DSM_NODE_STATE_DOWN, reason, 0);
	p->kstate = DSM_NODE_STATE_DOWN;
	logm(LOG_WARNING, "node %d down (%s)", id, dsm_reason_name(reason));
}

/* A HELLO or HELLO_ACK from the other side; 0 if it may join. */
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
	if (m->hello.version_max < DSMC_VERSION_MIN ||
	    m->hello.version_min > DSMC_VERSION_MAX) {
		*why = "no common protocol version";
		return -1;
	}
	if ((unsigned int)id >= d.conf.nr_nodes || id == d.conf.local) {
		*why = "node id not in this cluster's configuration";
		return -1;
	}
	if (c->outbound ? id != c->peer : id > d.conf.local) {
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
		    nla_put_u64(msg, DSM_A_REGION_OFFSET, m->region.offset) ||
		    nla_put_u32(msg, DSM_A_REGION_ORIGIN, m->region.origin) ||
		    nla_put_flag(msg, DSM_A_REPLICA))
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

/* Handle one decoded message on connection @ci. */
static void conn_message(int ci, const struct dsmc_msg *m)
{
	struct conn *c = &d.conns[ci];
	const char *why = NULL;
	struct dsmc_msg reply;
	int id;

	if (!c->ready) {
		if (c->outbound ? m->type != DSMC_HELLO_ACK :
		    m->type != DSMC_HELLO) {
			conn_close(ci, "handshake expected");
			return;
		}
		if (check_hello(ci, m, &why)) {
			logm(LOG_WARNING, "refusing node %u: %s",
			     m->hello.node, why);
			conn_close(ci, why);
			return;
		}
		id = m->hello.node;
		if (!c->outbound) {
			/* The peer reconnected: its new connection wins. */
			if (d.peers[id].conn >= 0 && d.peers[id].conn != ci)
				conn_close(d.peers[id].conn, "replaced");
			fill_hello(&reply, DSMC_HELLO_ACK);
			conn_send(ci, &reply);
			if (c->fd < 0)
				return;
		}
		peer_ready(id, m->hello.incarnation, ci);
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
	default:
		d.peers[id].bad_msgs++;
		logm(LOG_WARNING, "node %d: unexpected %s after handshake (%llu bad messages)",
		     id, dsmc_type_name(m->type),
		     (unsigned long long)d.peers[id].bad_msgs);
		conn_close(ci, "protocol error");
	}
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

static void conn_read(int ci)
{
	struct conn *c = &d.conns[ci];
	struct dsmc_msg m;
	const char *why = NULL;
	ssize_t n;
	int total;

	n = recv(c->fd, c->rbuf + c->rlen, sizeof(c->rbuf) - c->rlen,
		 MSG_DONTWAIT);
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
	while (c->fd >= 0) {
		total = dsmc_peek(c->rbuf, c->rlen, &why);
		if (total < 0) {
			conn_bad(ci, why);
			return;
		}
		if (total == 0 || c->rlen < (size_t)total)
			return;
		if (dsmc_decode(c->rbuf, total, &m, &why)) {
			conn_bad(ci, why);
			return;
		}
		memmove(c->rbuf, c->rbuf + total, c->rlen - total);
		c->rlen -= total;
		conn_message(ci, &m);
	}
}

static socklen_t node_sockaddr(int id, struct sockaddr_storage *ss,
			       bool any_port)
{
	struct dsmd_conf_node *n = &d.conf.nodes[id];

	memset(ss, 0, sizeof(*ss));
	if (n->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_addr = n->addr4;
		sin->sin_port = any_port ? 0 : htons(n->port);
		return sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = n->addr6;
		sin6->sin6_port = any_port ? 0 : htons(n->port);
		return sizeof(*sin6);
	}
}

static void sock_setup(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static void peer_connect(int id)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, ci;

	d.peers[id].next_connect = now_ms() + d.conf.reconnect_ms;
	fd = socket(d.conf.nodes[id].family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sock_setup(fd);
	/* From our configured address, which the peer checks. */
	sl = node_sockaddr(d.conf.local, &ss, true);
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
	d.peers[id].conn = ci;
	sl = node_sockaddr(id, &ss, false);
	if (connect(fd, (struct sockaddr *)&ss, sl) && errno != EINPROGRESS) {
		conn_close(ci, strerror(errno));
		return;
	}
	logm(LOG_DEBUG, "node %d: connecting to %s port %u", id,
	     d.conf.nodes[id].addr, d.conf.nodes[id].port);
}

static void conn_connected(int ci)
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
	fill_hello(&m, DSMC_HELLO);
	conn_send(ci, &m);
}

static void do_accept(void)
{
	int fd = accept4(d.lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	sock_setup(fd);
	if (conn_alloc(fd) < 0) {
		logm(LOG_WARNING, "too many connections; refusing one");
		close(fd);
	}
}

static int do_listen(void)
{
	struct sockaddr_storage ss;
	int one = 1;
	socklen_t sl;

	d.lfd = socket(d.conf.nodes[d.conf.local].family,
		       SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (d.lfd < 0)
		return -errno;
	setsockopt(d.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sl = node_sockaddr(d.conf.local, &ss, false);
	if (bind(d.lfd, (struct sockaddr *)&ss, sl) || listen(d.lfd, 16))
		return -errno;
	return 0;
}

/* ------------------------------------------------------------ events */

static void broadcast(const struct dsmc_msg *m)
{
	int i;

	for (i = 0; i < MAX_CONNS; i++)
		if (d.conns[i].fd >= 0 && d.conns[i].ready)
			conn_send(i, m);
}

static int event_cb(uint8_t cmd, struct nlattr **tb, void *arg)
{
	const char *name = dsm_nla_str(tb[DSM_A_REGION_NAME], NULL);
	struct dsmc_msg m = {};

	(void)arg;
	if (cmd != DSM_CMD_REGION_CREATED && cmd != DSM_CMD_REGION_DELETED)
		return 0;
	/* Replicas came from a peer; the default region is everywhere. */
	if (!name || tb[DSM_A_REPLICA] ||
	    !strcmp(name, DSM_DEFAULT_REGION_NAME))
		return 0;
	m.type = cmd == DSM_CMD_REGION_CREATED ? DSMC_REGION_ADD :
		 DSMC_REGION_DEL;
	snprintf(m.region.name, sizeof(m.region.name), "%s", name);
	m.region.offset = dsm_nla_u64(tb[DSM_A_REGION_OFFSET], 0);
	m.region.size = dsm_nla_u64(tb[DSM_A_REGION_SIZE], 0);
	m.region.origin = dsm_nla_u32(tb[DSM_A_REGION_ORIGIN], 0);
	m.region.model = dsm_nla_u8(tb[DSM_A_REGION_MODEL], 0);
	logm(LOG_INFO, "region %s %s here; telling the peers", name,
	     cmd == DSM_CMD_REGION_CREATED ? "created" : "deleted");
	broadcast(&m);
	return 0;
}

static void do_events(void)
{
	int ret, i;

	ret = dsm_genl_recv_events(&d.ev, false, event_cb, NULL);
	if (ret == -ENOBUFS) {
		logm(LOG_WARNING, "kernel events were lost; resending every region");
		for (i = 0; i < MAX_CONNS; i++)
			if (d.conns[i].fd >= 0 && d.conns[i].ready)
				region_sync(i);
	} else if (ret) {
		logm(LOG_ERR, "reading kernel events: %s", d.ev.errmsg[0] ?
		     d.ev.errmsg : strerror(-ret));
	}
}

/* ------------------------------------------------------------- timers */

static void timers(void)
{
	int64_t now = now_ms();
	struct dsmc_msg m = {};
	unsigned int id;
	int i;

	for (id = 0; id < d.conf.nr_nodes; id++) {
		struct peer *p = &d.peers[id];

		if ((int)id == d.conf.local)
			continue;
		if (p->kstate == DSM_NODE_STATE_UP &&
		    now - p->last_rx > d.conf.dead_ms)
			peer_down(id, DSM_REASON_TIMEOUT);
		else if (p->kstate == DSM_NODE_STATE_UNKNOWN &&
			 now - d.start > d.conf.dead_ms)
			peer_down(id, DSM_REASON_UNREACHABLE);
		if (p->conn < 0 && (int)id > d.conf.local &&
		    now >= p->next_connect)
			peer_connect(id);
	}
	/* Handshakes (and connects) that take too long. */
	for (i = 0; i < MAX_CONNS; i++) {
		struct conn *c = &d.conns[i];

		if (c->fd >= 0 && !c->ready &&
		    now - c->started > d.conf.dead_ms)
			conn_close(i, c->connecting ? "connect timed out" :
				   "handshake timed out");
	}
	if (now >= d.next_hb) {
		d.next_hb = now + d.conf.heartbeat_ms;
		m.type = DSMC_HEARTBEAT;
		m.heartbeat.seq = ++d.hb_seq;
		broadcast(&m);
	}
}

/* --------------------------------------------------------------- main */

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void shutdown_peers(void)
{
	struct dsmc_msg m = { .type = DSMC_BYE };
	int i;

	m.bye.reason = DSM_REASON_LEFT;
	broadcast(&m);
	for (i = 0; i < MAX_CONNS; i++)
		conn_close(i, "dsmd stopping");
}

static int run(void)
{
	struct pollfd pfd[MAX_CONNS + 2];
	int idx[MAX_CONNS];
	int i, n, ret;

	while (!stop_signal) {
		timers();
		kernel_watch();
		n = 0;
		pfd[n++] = (struct pollfd){ .fd = d.lfd, .events = POLLIN };
		pfd[n++] = (struct pollfd){
			.fd = d.ev.sk ? nl_socket_get_fd(d.ev.sk) : -1,
			.events = POLLIN,
		};
		for (i = 0; i < MAX_CONNS; i++) {
			struct conn *c = &d.conns[i];

			if (c->fd < 0)
				continue;
			idx[n - 2] = i;
			pfd[n++] = (struct pollfd){
				.fd = c->fd,
				.events = c->connecting ? POLLOUT :
					  POLLIN | (c->wlen ? POLLOUT : 0),
			};
		}
		ret = poll(pfd, n, d.conf.heartbeat_ms / 4 + 1);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			logm(LOG_ERR, "poll: %s", strerror(errno));
			return DSMD_EXIT_NET;
		}
		if (pfd[0].revents & POLLIN)
			do_accept();
		if (pfd[1].revents & POLLIN)
			do_events();
		for (i = 2; i < n; i++) {
			int ci = idx[i - 2];
			struct conn *c = &d.conns[ci];

			if (c->fd != pfd[i].fd || !pfd[i].revents)
				continue;
			if (c->connecting) {
				conn_connected(ci);
				continue;
			}
			if (pfd[i].revents & POLLOUT)
				conn_flush(ci);
			if (c->fd >= 0 &&
			    pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
				conn_read(ci);
		}
	}
	logm(LOG_INFO, "signal %d: leaving the cluster", (int)stop_signal);
	shutdown_peers();
	return DSMD_EXIT_OK;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: dsmd [-f] [-v] [-c FILE] [-t]\n"
"  -f, --foreground   stay in the foreground, log to stderr\n"
"  -v, --verbose      log connections and replication too\n"
"  -c, --config FILE  configuration (default %s)\n"
"  -t, --test         check the configuration and exit\n"
"  -V, --version\n"
"See dsmd(8) and dsm.conf(5).\n", DSMD_CONF_PATH);
}

static uint64_t new_incarnation(void)
{
	uint64_t v = 0;
	struct timespec ts;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != sizeof(v)) {
		clock_gettime(CLOCK_REALTIME, &ts);
		v = (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
		v ^= (uint64_t)getpid() << 32;
	}
	/* Positive in JSON consumers that read it as a double or int64. */
	v &= (1ULL << 53) - 1;
	return v ? v : 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "config", required_argument, NULL, 'c' },
		{ "test", no_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sigaction sa = { .sa_handler = on_signal };
	bool test = false;
	char err[512];
	int c, ret, i;

	d.conf_path = DSMD_CONF_PATH;
	while ((c = getopt_long(argc, argv, "fvc:tVh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			d.foreground = true;
			break;
		case 'v':
			d.verbose = true;
			break;
		case 'c':
			d.conf_path = optarg;
			break;
		case 't':
			test = true;
			break;
		case 'V':
			printf("dsmd %s, protocol %d..%d, dsm family v%d\n",
			       DSMD_VERSION, DSMC_VERSION_MIN,
			       DSMC_VERSION_MAX, DSM_GENL_VERSION);
			return DSMD_EXIT_OK;
		case 'h':
			usage(stdout);
			return DSMD_EXIT_OK;
		default:
			usage(stderr);
			return DSMD_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return DSMD_EXIT_USAGE;
	}
	if (dsmd_conf_load(d.conf_path, &d.conf, err, sizeof(err))) {
		fprintf(stderr, "dsmd: %s\n", err);
		return DSMD_EXIT_CONF;
	}
	if (test) {
		printf("%s: ok: cluster %s, node %d of %u\n", d.conf_path,
		       d.conf.cluster, d.conf.local, d.conf.nr_nodes);
		return DSMD_EXIT_OK;
	}
	if (!d.foreground) {
		openlog("dsmd", LOG_PID, LOG_DAEMON);
		if (daemon(0, 0)) {
			perror("dsmd: daemon");
			return DSMD_EXIT_USAGE;
		}
	}
	for (i = 0; i < MAX_CONNS; i++)
		d.conns[i].fd = -1;
	for (i = 0; i < DSM_NODES_MAX; i++)
		d.peers[i].conn = -1;
	d.incarnation = new_incarnation();
	d.start = now_ms();

	ret = kernel_open();
	if (ret) {
		logm(LOG_ERR, "%s", ret == -ENOENT ?
		     "the dsm module is not loaded; load it with 'modprobe dsm'" :
		     "cannot open generic netlink");
		return DSMD_EXIT_KERN;
	}
	/* Subscribed before configuring: no region event is missed. */
	if (kernel_configure())
		return DSMD_EXIT_KERN;
	ret = do_listen();
	if (ret) {
		logm(LOG_ERR, "cannot listen on %s port %u: %s",
		     d.conf.nodes[d.conf.local].addr,
		     d.conf.nodes[d.conf.local].port, strerror(-ret));
		return DSMD_EXIT_NET;
	}
	logm(LOG_INFO, "cluster %s, node %d of %u, listening on %s port %u, incarnation %llu",
	     d.conf.cluster, d.conf.local, d.conf.nr_nodes,
	     d.conf.nodes[d.conf.local].addr, d.conf.nodes[d.conf.local].port,
	     (unsigned long long)d.incarnation);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	ret = run();
	dsm_genl_close(&d.ev);
	dsm_genl_close(&d.nl);
	close(d.lfd);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * dsmd - the dsm daemon: membership, peer connections, heartbeats and
 * failure detection, region replication, and the lock and barrier
 * managers (Documentation/control-plane.md, Documentation/lrc.md,
 * dsmd(8)).
 *
 * One thread, one poll loop. For every pair of nodes the one with the
 * lower id connects to the other (the control connection); the handshake
 * (HELLO, HELLO_ACK) checks the cluster name and node ids and carries each
 * dsmd's incarnation, a random number per run, so a restarted node is
 * recognised. Both sides send a HEARTBEAT every heartbeat-interval; a
 * node from which nothing arrived for dead-timeout is declared down to the
 * kernel, which fails every wait on it. Peers are untrusted: a message the
 * decoder refuses is logged and counted, and the connection is dropped.
 *
 * Three netlink sockets: d.nl for dsmd's own requests (node state,
 * regions, status), d.ev for the kernel's events, and d.mgrnl, the
 * daemon's registered port: it sends CLUSTER_SET, so the kernel unicasts
 * its MGR_REQUESTs to it, and it sends MGR_REPLY and LOCK_FORWARD (which
 * the kernel accepts only from that port) without waiting for acks.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/tcp.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
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
#include "mgr.h"
#include "proto.h"

#define DSMD_VERSION	"0.2.0"
#define MAX_CONNS	(2 * DSM_NODES_MAX)
/* Send queue of a connection; a peer that lets it fill is dropped. */
#define SENDQ_MAX	(16U << 20)
/* Receive buffer of the manager socket: bursts of 60 KB requests. */
#define MGRNL_RCVBUF	(4 << 20)
#define MGRNL_MSG_MAX	(DSM_MGR_PAYLOAD_MAX + 1024)
/* How often the managers' counters are logged at -v, when they changed. */
#define STATS_LOG_MS	10000

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
 * @version:	protocol version agreed in the handshake.
 * @started:	when it was opened (ms), for the handshake timeout.
 * @wbuf:	send queue, grown up to SENDQ_MAX, freed when closed.
 */
struct conn {
	int fd;
	int peer;
	bool outbound;
	bool connecting;
	bool ready;
	uint16_t version;
	int64_t started;
	size_t rlen;
	size_t wlen;
	size_t wcap;
	uint8_t *wbuf;
	uint8_t rbuf[DSMC_MSG_MAX];
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
	struct dsm_genl mgrnl;	/* the daemon's port: manager traffic */
	struct mgr mgr;		/* lock and barrier managers */
	uint32_t gone;		/* peers whose connection closed, for mgr */
	int64_t next_stats;
	struct mgr_stats logged;
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

/* ------------------------------------------ the manager socket (mgrnl) */

/* What the manager socket waits for during mgrnl_call(). */
static struct {
	bool waiting;
	bool done;
	uint32_t seq;
	int err;
} mgrnl_wait;

static int mgrnl_valid(struct nl_msg *msg, void *arg);

static int mgrnl_err(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	const char *ext = "";
	int len;

	(void)nla;
	(void)arg;
	/* The extended ack message, as dsm_genl.c reads it. */
	len = (int)nlh->nlmsg_len - NLMSG_HDRLEN - (int)sizeof(*e);
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) &&
	    (nlh->nlmsg_flags & NLM_F_CAPPED) && len > 0 &&
	    !nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)(e + 1), len,
		       NULL) && tb[NLMSGERR_ATTR_MSG])
		ext = dsm_nla_str(tb[NLMSGERR_ATTR_MSG], "");
	if (mgrnl_wait.waiting && e->msg.nlmsg_seq == mgrnl_wait.seq) {
		mgrnl_wait.done = true;
		mgrnl_wait.err = e->error;
		if (e->error)
			snprintf(d.mgrnl.errmsg, sizeof(d.mgrnl.errmsg), "%s",
				 ext);
		return NL_SKIP;
	}
	if (e->error) {
		d.mgr.st.errors++;
		logm(LOG_WARNING, "kernel refused a manager message: %s%s%s",
		     strerror(-e->error), ext[0] ? ": " : "", ext);
	}
	return NL_SKIP;
}

static int mgrnl_ack(struct nl_msg *msg, void *arg)
{
	(void)arg;
	if (mgrnl_wait.waiting &&
	    nlmsg_hdr(msg)->nlmsg_seq == mgrnl_wait.seq) {
		mgrnl_wait.done = true;
		mgrnl_wait.err = 0;
	}
	return NL_OK;
}

static int mgrnl_open(void)
{
	struct dsm_genl *g = &d.mgrnl;
	int size = MGRNL_RCVBUF, fd;
	struct nl_cb *cb;
	int ret;

	ret = dsm_genl_open(g);
	if (ret)
		return ret;
	fd = nl_socket_get_fd(g->sk);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	nl_socket_set_msg_buf_size(g->sk, 2 * MGRNL_MSG_MAX);
	nl_socket_disable_seq_check(g->sk);
	nl_socket_set_nonblocking(g->sk);
	cb = nl_socket_get_cb(g->sk);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, mgrnl_valid, NULL);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, mgrnl_ack, NULL);
	nl_cb_err(cb, NL_CB_CUSTOM, mgrnl_err, NULL);
	nl_cb_put(cb);
	return 0;
}

/* Process what is queued on the manager socket. */
static void mgrnl_recv(void)
{
	int ret;

	if (!d.mgrnl.sk)
		return;
	do {
		ret = nl_recvmsgs_default(d.mgrnl.sk);
	} while (ret >= 0);
	if (ret == -NLE_NOMEM)
		/* Our receive queue overflowed: requests were lost. */
		logm(LOG_ERR, "manager socket overflowed: kernel requests lost (the kernel times them out)");
	else if (ret != -NLE_AGAIN)
		logm(LOG_WARNING, "manager socket: %s", nl_geterror(ret));
}

/* Send @msg (consumed) on the manager socket; with @sync, wait for its ack. */
static int mgrnl_send(struct nl_msg *msg, bool sync)
{
	struct pollfd pfd;
	int64_t end;
	int ret;

	if (!d.mgrnl.sk) {
		nlmsg_free(msg);
		return -ENOENT;
	}
	if (sync)
		nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_ACK;
	ret = nl_send_auto(d.mgrnl.sk, msg);
	if (sync) {
		mgrnl_wait.waiting = true;
		mgrnl_wait.done = false;
		mgrnl_wait.seq = nlmsg_hdr(msg)->nlmsg_seq;
	}
	nlmsg_free(msg);
	if (ret < 0) {
		mgrnl_wait.waiting = false;
		return -EIO;
	}
	if (!sync)
		return 0;
	/* Manager requests that come meanwhile are handled, not lost. */
	end = now_ms() + 5000;
	pfd.fd = nl_socket_get_fd(d.mgrnl.sk);
	pfd.events = POLLIN;
	while (!mgrnl_wait.done && now_ms() < end) {
		if (poll(&pfd, 1, 100) > 0)
			mgrnl_recv();
	}
	mgrnl_wait.waiting = false;
	return mgrnl_wait.done ? mgrnl_wait.err : -ETIMEDOUT;
}

static struct nl_msg *mgrnl_msg(uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc_size(MGRNL_MSG_MAX);

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, d.mgrnl.family, 0, 0,
			 cmd, DSM_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* Hooks of the managers (struct mgr_ops). */

static void hook_kernel_reply(void *ctx, uint64_t cookie, uint32_t error,
			      uint32_t flags, const void *payload, size_t len)
{
	struct nl_msg *msg = mgrnl_msg(DSM_CMD_MGR_REPLY);

	(void)ctx;
	if (!msg || nla_put_u64(msg, DSM_A_MGR_COOKIE, cookie) ||
	    nla_put_u32(msg, DSM_A_MGR_ERROR, error) ||
	    nla_put_u32(msg, DSM_A_MGR_FLAGS, flags) ||
	    (len && nla_put(msg, DSM_A_MGR_PAYLOAD, len, payload))) {
		nlmsg_free(msg);
		logm(LOG_ERR, "cannot build MGR_REPLY for cookie %llu",
		     (unsigned long long)cookie);
		return;
	}
	if (mgrnl_send(msg, false))
		logm(LOG_WARNING, "cannot send MGR_REPLY for cookie %llu",
		     (unsigned long long)cookie);
}

static void hook_kernel_forward(void *ctx, uint32_t lock_id,
				const void *payload, size_t len)
{
	struct nl_msg *msg = mgrnl_msg(DSM_CMD_LOCK_FORWARD);

	(void)ctx;
	if (!msg || nla_put_u32(msg, DSM_A_LOCK_ID, lock_id) ||
	    nla_put(msg, DSM_A_MGR_PAYLOAD, len, payload)) {
		nlmsg_free(msg);
		logm(LOG_ERR, "cannot build LOCK_FORWARD for lock %u", lock_id);
		return;
	}
	if (mgrnl_send(msg, false))
		logm(LOG_WARNING, "cannot send LOCK_FORWARD for lock %u",
		     lock_id);
}

static int conn_send(int ci, const struct dsmc_msg *m);

/* A manager frame to @node's dsmd; 0 if queued. */
static int send_mgr_frame(int node, const struct dsmc_msg *m)
{
	int ci;

	if (node < 0 || node >= DSM_NODES_MAX)
		return -1;
	ci = d.peers[node].conn;
	if (ci < 0 || !d.conns[ci].ready ||
	    d.conns[ci].version < DSMC_VERSION_MGR)
		return -1;
	return conn_send(ci, m);
}

static int hook_send_request(void *ctx, int node, const struct mgr_req *r)
{
	struct dsmc_msg m = { .type = DSMC_MGR_REQ };

	(void)ctx;
	m.mgr.cookie = r->cookie;
	m.mgr.id = r->op == DSM_MGR_LOCK_ACQUIRE ? r->lock_id : r->barrier_id;
	m.mgr.flags = r->flags;
	m.mgr.op = r->op;
	m.mgr.frag = r->frag < 0 ? 0 : r->frag > 0xffff ? 0xffff : r->frag;
	m.mgr.payload = r->payload;
	m.mgr.len = r->len;
	return send_mgr_frame(node, &m);
}

static int hook_send_reply(void *ctx, int node, uint64_t cookie,
			   uint32_t error, uint32_t flags, const void *payload,
			   size_t len)
{
	struct dsmc_msg m = { .type = DSMC_MGR_REPLY };

	(void)ctx;
	m.mgr.cookie = cookie;
	m.mgr.error = error;
	m.mgr.flags = flags;
	m.mgr.payload = payload;
	m.mgr.len = len;
	return send_mgr_frame(node, &m);
}

static int hook_send_forward(void *ctx, int node, uint32_t lock_id,
			     int requester, uint64_t cookie,
			     const void *payload, size_t len)
{
	struct dsmc_msg m = { .type = DSMC_LOCK_FWD };

	(void)ctx;
	m.mgr.id = lock_id;
	m.mgr.requester = requester;
	m.mgr.cookie = cookie;
	m.mgr.payload = payload;
	m.mgr.len = len;
	return send_mgr_frame(node, &m);
}

static void hook_log(void *ctx, int prio, const char *msg)
{
	(void)ctx;
	logm(prio, "%s", msg);
}

/* An attribute of exactly @len bytes (or absent). */
static bool attr_ok(struct nlattr *a, int len)
{
	return !a || nla_len(a) == len;
}

/* A MGR_REQUEST of the kernel: check the attributes, give it to mgr. */
static void kernel_mgr_request(struct nlattr **tb)
{
	struct nlattr *pl = tb[DSM_A_MGR_PAYLOAD];
	struct mgr_req r = { .frag = -1 };
	const char *bad = NULL;

	if (!tb[DSM_A_MGR_COOKIE] || nla_len(tb[DSM_A_MGR_COOKIE]) != 8) {
		d.mgr.st.bad++;
		logm(LOG_WARNING, "kernel MGR_REQUEST without a valid cookie; dropped");
		return;
	}
	r.cookie = dsm_nla_u64(tb[DSM_A_MGR_COOKIE], 0);
	if (!tb[DSM_A_MGR_OP] || nla_len(tb[DSM_A_MGR_OP]) != 1)
		bad = "MGR_OP missing or not a u8";
	else if (!tb[DSM_A_MGR_FLAGS] || nla_len(tb[DSM_A_MGR_FLAGS]) != 4)
		bad = "MGR_FLAGS missing or not a u32";
	else if (!attr_ok(tb[DSM_A_LOCK_ID], 4) ||
		 !attr_ok(tb[DSM_A_BARRIER_ID], 4))
		bad = "LOCK_ID or BARRIER_ID not a u32";
	else if (pl && (nla_len(pl) < 1 || nla_len(pl) > DSM_MGR_PAYLOAD_MAX))
		bad = "MGR_PAYLOAD of a bad length";
	if (bad) {
		d.mgr.st.bad++;
		logm(LOG_WARNING, "kernel MGR_REQUEST (cookie %llu) refused: %s",
		     (unsigned long long)r.cookie, bad);
		hook_kernel_reply(NULL, r.cookie, EINVAL, 0, NULL, 0);
		return;
	}
	r.op = dsm_nla_u8(tb[DSM_A_MGR_OP], 0);
	r.flags = dsm_nla_u32(tb[DSM_A_MGR_FLAGS], 0);
	r.has_lock = tb[DSM_A_LOCK_ID];
	r.lock_id = dsm_nla_u32(tb[DSM_A_LOCK_ID], 0);
	r.has_barrier = tb[DSM_A_BARRIER_ID];
	r.barrier_id = dsm_nla_u32(tb[DSM_A_BARRIER_ID], 0);
	if (pl) {
		r.payload = nla_data(pl);
		r.len = nla_len(pl);
	}
	mgr_kernel_request(&d.mgr, &r);
}

static int mgrnl_valid(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct nlattr *tb[DSM_A_MAX + 1];

	(void)arg;
	if (genlmsg_parse(nlh, 0, tb, DSM_A_MAX, NULL) < 0) {
		logm(LOG_WARNING, "manager socket: unparsable message; dropped");
		return NL_SKIP;
	}
	if (gh->cmd == DSM_CMD_MGR_REQUEST)
		kernel_mgr_request(tb);
	return NL_OK;
}

static void mgr_log_stats(int prio)
{
	const struct mgr_stats *s = &d.mgr.st;

	logm(prio, "mgr: requests %llu local %llu remote, sent to managers %llu, lock fresh %llu forwarded %llu, forwards in %llu, barriers %llu, gc %llu, release fragments %llu, relayed %llu, refused %llu, hostdown %llu, errors %llu, locks %llu, outstanding %llu",
	     (unsigned long long)s->kernel_requests,
	     (unsigned long long)s->peer_requests,
	     (unsigned long long)s->sent_to_manager,
	     (unsigned long long)s->lock_fresh,
	     (unsigned long long)s->lock_forwarded,
	     (unsigned long long)s->forwards_delivered,
	     (unsigned long long)s->barriers_released,
	     (unsigned long long)s->gc_released,
	     (unsigned long long)s->release_fragments,
	     (unsigned long long)s->replies_relayed,
	     (unsigned long long)s->bad,
	     (unsigned long long)s->hostdown,
	     (unsigned long long)s->errors,
	     (unsigned long long)s->locks,
	     (unsigned long long)s->outstanding);
	d.logged = *s;
}

/* Tell the managers about connections closed since the last call. */
static void mgr_flush_gone(void)
{
	int id;

	for (id = 0; id < DSM_NODES_MAX; id++) {
		if (!(d.gone >> id & 1))
			continue;
		d.gone &= ~(1U << id);
		if (d.mgr.peer[id] == MGR_PEER_UP)
			mgr_peer_state(&d.mgr, id, MGR_PEER_GONE);
	}
}

static int kernel_configure(void)
{
	struct dsmd_conf *c = &d.conf;
	struct nl_msg *msg;
	unsigned int i;
	int ret;

	/* From the manager socket: its port is the one the kernel remembers. */
	msg = mgrnl_msg(DSM_CMD_CLUSTER_SET);
	if (!msg || nla_put_string(msg, DSM_A_CLUSTER_NAME, c->cluster) ||
	    nla_put_u32(msg, DSM_A_LOCAL_NODE, c->local)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	d.mgrnl.errmsg[0] = '\0';
	ret = mgrnl_send(msg, true);
	if (ret) {
		logm(LOG_ERR, "kernel refused cluster %s node %d: %s",
		     c->cluster, c->local, d.mgrnl.errmsg[0] ?
		     d.mgrnl.errmsg : strerror(-ret));
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
	if (!ret)
		ret = mgrnl_open();
	if (ret) {
		dsm_genl_close(&d.mgrnl);
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
	dsm_genl_close(&d.mgrnl);
	dsm_genl_close(&d.ev);
	dsm_genl_close(&d.nl);
	/* Whatever the old module asked the managers is void now. */
	mgr_kernel_reset(&d.mgr);
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
		/* Frames on it may be lost: the managers hear of it later. */
		if (c->ready)
			d.gone |= 1U << c->peer;
	} else {
		logm(LOG_DEBUG, "inbound connection closed: %s", why);
	}
	close(c->fd);
	c->fd = -1;
	c->peer = -1;
	c->ready = c->connecting = c->outbound = false;
	c->rlen = c->wlen = 0;
	free(c->wbuf);
	c->wbuf = NULL;
	c->wcap = 0;
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
		c->version = DSMC_VERSION_HELLO;
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

/*
 * Queue @m on connection @ci (with the connection's protocol version) and
 * send what the socket takes. Returns 0, or -1 if it was not queued (the
 * connection is not open, or was closed because its queue is full).
 */
static int conn_send(int ci, const struct dsmc_msg *m)
{
	struct conn *c = &d.conns[ci];
	struct dsmc_msg v = *m;
	size_t cap;
	uint8_t *p;
	int len;

	if (c->fd < 0 || c->connecting)
		return -1;
	if (c->wlen + DSMC_MSG_MAX > SENDQ_MAX) {
		conn_close(ci, "send queue full (peer not reading)");
		return -1;
	}
	if (c->wcap - c->wlen < DSMC_MSG_MAX) {
		cap = c->wcap ? 2 * c->wcap : 4 * DSMC_MSG_MAX;
		while (cap - c->wlen < DSMC_MSG_MAX)
			cap *= 2;
		p = realloc(c->wbuf, cap);
		if (!p) {
			conn_close(ci, "out of memory for the send queue");
			return -1;
		}
		c->wbuf = p;
		c->wcap = cap;
	}
	v.version = v.type == DSMC_HELLO || v.type == DSMC_HELLO_ACK ?
		    DSMC_VERSION_HELLO : c->version;
	len = dsmc_encode(&v, c->wbuf + c->wlen, c->wcap - c->wlen);
	if (len < 0) {
		logm(LOG_ERR, "cannot encode %s", dsmc_type_name(m->type));
		return -1;
	}
	c->wlen += len;
	conn_flush(ci);
	return d.conns[ci].fd < 0 ? -1 : 0;
}

static void fill_hello(struct dsmc_msg *m, uint16_t type)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->version = DSMC_VERSION_HELLO;
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
	/* A replaced connection is gone first; a restart is a down first. */
	mgr_flush_gone();
	if (reason == DSM_REASON_RESTARTED)
		mgr_peer_state(&d.mgr, id, MGR_PEER_DOWN);
	mgr_peer_state(&d.mgr, id, MGR_PEER_UP);
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
	mgr_flush_gone();
	mgr_peer_state(&d.mgr, id, MGR_PEER_DOWN);
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

/* A manager frame from peer @id (version and lengths checked). */
static void conn_mgr(int id, const struct dsmc_msg *m)
{
	struct mgr_req r = { .op = m->mgr.op, .flags = m->mgr.flags,
			     .cookie = m->mgr.cookie, .frag = m->mgr.frag,
			     .payload = m->mgr.payload, .len = m->mgr.len };

	switch (m->type) {
	case DSMC_MGR_REQ:
		if (r.op == DSM_MGR_LOCK_ACQUIRE ||
		    r.op == DSM_MGR_LOCK_RELEASE) {
			r.has_lock = true;
			r.lock_id = m->mgr.id;
		} else {
			r.has_barrier = true;
			r.barrier_id = m->mgr.id;
		}
		mgr_peer_request(&d.mgr, id, &r);
		break;
	case DSMC_MGR_REPLY:
		mgr_peer_reply(&d.mgr, id, m->mgr.cookie, m->mgr.error,
			       m->mgr.flags, m->mgr.payload, m->mgr.len);
		break;
	case DSMC_LOCK_FWD:
		mgr_peer_forward(&d.mgr, id, m->mgr.id, m->mgr.requester,
				 m->mgr.cookie, m->mgr.payload, m->mgr.len);
		break;
	}
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
		c->version = m->hello.version_max < DSMC_VERSION_MAX ?
			     m->hello.version_max : DSMC_VERSION_MAX;
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
	case DSMC_MGR_REQ:
	case DSMC_MGR_REPLY:
	case DSMC_LOCK_FWD:
		if (m->version != c->version)
			goto bad;
		conn_mgr(id, m);
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

/* One message read on connection *@ctx; non-zero if it was closed. */
static int conn_read_msg(void *ctx, const struct dsmc_msg *m)
{
	int ci = *(int *)ctx;
	size_t rlen = d.conns[ci].rlen;

	conn_message(ci, m);
	/* Closed (and maybe reused: rlen reset) while handling @m. */
	return d.conns[ci].fd < 0 || d.conns[ci].rlen != rlen;
}

static void conn_read(int ci)
{
	struct conn *c = &d.conns[ci];
	const char *why = NULL;
	ssize_t n;

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
	/*
	 * The frames' payloads are views into rbuf: dsmc_consume keeps the
	 * bytes in place until every frame of this read is handled.
	 */
	if (dsmc_consume(c->rbuf, &c->rlen, conn_read_msg, &ci, &why) < 0)
		conn_bad(ci, why);
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
	struct pollfd pfd[MAX_CONNS + 3];
	int idx[MAX_CONNS];
	int i, n, ret;

	while (!stop_signal) {
		timers();
		kernel_watch();
		mgr_flush_gone();
		if (d.verbose && now_ms() >= d.next_stats) {
			d.next_stats = now_ms() + STATS_LOG_MS;
			if (memcmp(&d.logged, &d.mgr.st, sizeof(d.logged)))
				mgr_log_stats(LOG_DEBUG);
		}
		n = 0;
		pfd[n++] = (struct pollfd){ .fd = d.lfd, .events = POLLIN };
		pfd[n++] = (struct pollfd){
			.fd = d.ev.sk ? nl_socket_get_fd(d.ev.sk) : -1,
			.events = POLLIN,
		};
		pfd[n++] = (struct pollfd){
			.fd = d.mgrnl.sk ? nl_socket_get_fd(d.mgrnl.sk) : -1,
			.events = POLLIN,
		};
		for (i = 0; i < MAX_CONNS; i++) {
			struct conn *c = &d.conns[i];

			if (c->fd < 0)
				continue;
			idx[n - 3] = i;
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
		if (pfd[2].revents & POLLIN)
			mgrnl_recv();
		for (i = 3; i < n; i++) {
			int ci = idx[i - 3];
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
	mgr_log_stats(LOG_INFO);
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
	{
		const struct mgr_ops ops = {
			.kernel_reply = hook_kernel_reply,
			.kernel_forward = hook_kernel_forward,
			.send_request = hook_send_request,
			.send_reply = hook_send_reply,
			.send_forward = hook_send_forward,
			.log = hook_log,
		};

		/* The membership: every configured node (ids 0 .. n-1). */
		if (mgr_init(&d.mgr, d.conf.local,
			     (uint32_t)((1ULL << d.conf.nr_nodes) - 1), &ops)) {
			logm(LOG_ERR, "cannot set up the managers");
			return DSMD_EXIT_CONF;
		}
	}

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
	dsm_genl_close(&d.mgrnl);
	dsm_genl_close(&d.ev);
	dsm_genl_close(&d.nl);
	mgr_fini(&d.mgr);
	close(d.lfd);
	return ret;
}

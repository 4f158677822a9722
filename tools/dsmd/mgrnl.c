// SPDX-License-Identifier: GPL-2.0
/*
 * mgrnl.c - the manager socket, and the hooks between the lock and
 * barrier managers (mgr.h) and the world.
 *
 * d.mgrnl is the daemon's registered port: it sends CLUSTER_SET, so the
 * kernel unicasts its MGR_REQUESTs to it, and it sends MGR_REPLY and
 * LOCK_FORWARD (which the kernel accepts only from that port) without
 * waiting for acks. The hooks of struct mgr_ops turn the managers'
 * answers into those messages and into MGR frames on the peer
 * connections (a peer's MGR frame goes to them by mgr_peer_frame()).
 */
#include <errno.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "dsmd.h"

/* Receive buffer of the manager socket: bursts of 60 KB requests. */
#define MGRNL_RCVBUF	(4 << 20)
#define MGRNL_MSG_MAX	(DSM_MGR_PAYLOAD_MAX + 1024)

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

int mgrnl_open(void)
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
void mgrnl_recv(void)
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
int mgrnl_send(struct nl_msg *msg, bool sync)
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

struct nl_msg *mgrnl_msg(uint8_t cmd)
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

/*
 * A manager frame to @node's dsmd, with our table's epoch (protocol 8;
 * a version-7 peer gets none); 0 if queued.
 */
static int send_mgr_frame(int node, struct dsmc_msg *m)
{
	int ci;

	if (node < 0 || node >= DSM_NODES_MAX)
		return -1;
	ci = d.peers[node].conn;
	if (ci < 0 || !d.conns[ci].ready ||
	    d.conns[ci].version < DSMC_VERSION_MGR)
		return -1;
	m->mgr.epoch = d.mgr.epoch;
	return conn_send(ci, m);
}

/* The protocol version of our connection to @node (0: none ready). */
static unsigned int peer_version(int node)
{
	int ci;

	if (node < 0 || node >= DSM_NODES_MAX)
		return 0;
	ci = d.peers[node].conn;
	return ci >= 0 && d.conns[ci].ready ? d.conns[ci].version : 0;
}

/*
 * A request to a manager. A token given up (LOCK_RELEASE) goes only to a
 * peer of protocol 9: to an older one it cannot go (the kernel hears
 * EHOSTDOWN), and the lock stays as before (its next acquirer gets
 * EOWNERDEAD once this node is gone).
 */
static int hook_send_request(void *ctx, int node, const struct mgr_req *r)
{
	struct dsmc_msg m = { .type = DSMC_MGR_REQ };

	(void)ctx;
	if (r->op == DSM_MGR_LOCK_RELEASE && (r->flags & MGR_F_KEPT) &&
	    peer_version(node) < DSMC_VERSION_KEPT) {
		logm(LOG_INFO, "lock %u:%u: node %d speaks protocol %u, without kept tokens: not told",
		     r->region, r->lock_id, node, peer_version(node));
		return -1;
	}
	if (r->op == DSM_MGR_LOCK_RELEASE &&
	    peer_version(node) < DSMC_VERSION_TOKEN_LEFT) {
		logm(LOG_INFO, "lock %u:%u: manager node %d speaks protocol %u, without tokens given up: not told",
		     r->region, r->lock_id, node, peer_version(node));
		return -1;
	}
	m.mgr.cookie = r->cookie;
	m.mgr.id = mgr_op_is_lock(r->op) ? r->lock_id : r->barrier_id;
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
	/* A fresh token whose holder left: as one whose holder died. */
	if (flags == DSM_MGR_F_TOKEN_LEFT &&
	    peer_version(node) < DSMC_VERSION_TOKEN_LEFT)
		flags = DSM_MGR_F_OWNER_DEAD;
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

/*
 * A lock's state to its new manager, or DONE. A peer of protocol 7 knows
 * no hand-over: the lock starts afresh there, as before version 8, and
 * this says it went (0) so that the manager forgets it.
 */
static int hook_send_handover(void *ctx, int node,
			      const struct mgr_handover *h)
{
	struct dsmc_msg m = { .type = DSMC_LOCK_HANDOVER };
	int ci;

	(void)ctx;
	if (node < 0 || node >= DSM_NODES_MAX)
		return -1;
	ci = d.peers[node].conn;
	if (ci < 0 || !d.conns[ci].ready)
		return -1;
	if (d.conns[ci].version < DSMC_VERSION_HANDOVER) {
		if (!(h->flags & MGR_HO_DONE))
			logm(LOG_INFO, "lock %u:%u: node %d speaks protocol %u, without hand-overs: the lock starts afresh there",
			     h->region, h->lock_id, node,
			     d.conns[ci].version);
		return 0;
	}
	m.ho = *h;
	if ((h->flags & MGR_HO_TOKEN_LEFT) &&
	    d.conns[ci].version < DSMC_VERSION_TOKEN_LEFT)
		m.ho.flags = (h->flags & ~MGR_HO_TOKEN_LEFT) |
			     MGR_HO_OWNER_DEAD;
	return conn_send(ci, &m);
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

/* The managers' counters in one line (-v: when they changed; at exit). */
void mgrnl_log_stats(int prio)
{
	const struct mgr_stats *s = &d.mgr.st;

	logm(prio, "mgr: requests %llu local %llu remote, sent to managers %llu, lock fresh %llu forwarded %llu fwd lost %llu, lock states %llu rebuilds %llu rebuilt %llu owner dead %llu, forwards in %llu, barriers %llu, gc %llu, release fragments %llu, relayed %llu, refused %llu, hostdown %llu, errors %llu, locks %llu, outstanding %llu, barriers open %llu, superseded %llu",
	     (unsigned long long)s->kernel_requests,
	     (unsigned long long)s->peer_requests,
	     (unsigned long long)s->sent_to_manager,
	     (unsigned long long)s->lock_fresh,
	     (unsigned long long)s->lock_forwarded,
	     (unsigned long long)s->lock_fwd_lost,
	     (unsigned long long)s->lock_states,
	     (unsigned long long)s->lock_rebuilds,
	     (unsigned long long)s->lock_rb_locks,
	     (unsigned long long)s->lock_rb_owner_dead,
	     (unsigned long long)s->forwards_delivered,
	     (unsigned long long)s->barriers_released,
	     (unsigned long long)s->gc_released,
	     (unsigned long long)s->release_fragments,
	     (unsigned long long)s->replies_relayed,
	     (unsigned long long)s->bad,
	     (unsigned long long)s->hostdown,
	     (unsigned long long)s->errors,
	     (unsigned long long)s->locks,
	     (unsigned long long)s->outstanding,
	     (unsigned long long)s->barriers,
	     (unsigned long long)s->superseded);
	logm(prio, "mgr: tokens given up by leaving nodes %llu (ignored %llu), of leaving managers kept %llu",
	     (unsigned long long)s->lock_left,
	     (unsigned long long)s->lock_left_ignored,
	     (unsigned long long)s->lock_kept);
	logm(prio, "mgr: hand-overs sent %llu taken %llu, acquires held %llu, lost with their sender %llu, moved %llu, rerouted %llu, frames kept early %llu",
	     (unsigned long long)s->ho_sent,
	     (unsigned long long)s->ho_taken,
	     (unsigned long long)s->ho_held,
	     (unsigned long long)s->ho_lost,
	     (unsigned long long)s->ho_moved,
	     (unsigned long long)s->ho_rerouted,
	     (unsigned long long)s->ho_early);
	d.logged = *s;
	memb_home_log_stats(prio);
}

/* Tell the managers about connections closed since the last call. */
void mgrnl_flush_gone(void)
{
	int id;

	for (id = 0; id < DSM_NODES_MAX; id++) {
		if (!(d.gone >> id & 1))
			continue;
		d.gone &= ~(1ULL << id);
		if (d.mgr.peer[id] == MGR_PEER_UP)
			mgr_peer_state(&d.mgr, id, MGR_PEER_GONE);
	}
}

/* Set up the managers with the hooks above. */
int mgrnl_mgr_init(void)
{
	const struct mgr_ops ops = {
		.kernel_reply = hook_kernel_reply,
		.kernel_forward = hook_kernel_forward,
		.send_request = hook_send_request,
		.send_reply = hook_send_reply,
		.send_forward = hook_send_forward,
		.send_handover = hook_send_handover,
		.log = hook_log,
	};

	int err;

	/*
	 * The membership: every configured node; a change at run time sets
	 * d.mgr.members (membership.c, mgr_members_set()). A node that waits
	 * to be added joins lrc at its first collecting barrier.
	 */
	err = mgr_init(&d.mgr, d.conf.local, memb_conf_mask(), &ops);
	if (!err && d.conf.join)
		d.mgr.added = 1ULL << d.conf.local;
	return err;
}

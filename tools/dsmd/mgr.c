// SPDX-License-Identifier: GPL-2.0
/*
 * mgr.c - what the lock and barrier managers of dsmd share: the manager
 * object, the router that takes the local kernel's requests to the
 * managing node, the answers, and what happens when a node goes away
 * (Documentation/lrc.md). The checks of every request are mgr_check.c;
 * the managers themselves mgr_lock.c and mgr_barrier.c.
 *
 * Everything that comes in is untrusted: the kernel's requests and the
 * peers' frames are checked field by field, payloads are decoded with the
 * protocol core's decoder (kmod/core/dsm_wire.c) before anything is
 * acted on, and a refusal is answered with an errno (EINVAL, EPROTO,
 * ENOSPC) and changes nothing else. No request waits forever here: a
 * manager going away (connection lost or node down) fails the requests
 * sent to it with EHOSTDOWN (a barrier arrival's and a lock acquire's with
 * MGR_F_MGR_DOWN: the kernel asks again at the next manager once that node
 * is declared down), and a member going down drops out of the waiting
 * barriers.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "dsm_members.h"
#include "mgr_internal.h"

/* Every node id the core takes is one the uapi has: both are 64. */
static_assert(DSM_MAX_NODES == DSM_NODES_MAX, "core and uapi node limits");
static_assert(!((MGR_F_FORWARDED | MGR_F_FWD_FAILED | MGR_F_FWD_LOST |
		 MGR_F_MOVED | MGR_F_KEPT) & DSM_MGR_F_ALL),
	      "frame-only flags apart from the kernel's");

void mgr_log(struct mgr *m, int prio, const char *fmt, ...)
{
	char buf[320];
	va_list ap;

	if (!m->ops.log)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	m->ops.log(m->ops.ctx, prio, buf);
}

const char *mgr_op_name(unsigned int op)
{
	static const char * const names[] = {
		[DSM_MGR_LOCK_ACQUIRE] = "lock acquire",
		[DSM_MGR_LOCK_RELEASE] = "lock release",
		[DSM_MGR_BARRIER] = "barrier",
		[DSM_MGR_GC_DONE] = "gc done",
		[DSM_MGR_LOCK_STATE] = "lock state",
	};

	return op <= DSM_MGR_OP_MAX ? names[op] : "unknown op";
}

/* ------------------------------------------------------------ routing */

/*
 * dsm_lock_manager(), the kernel's rule. m->lost changes in
 * mgr_peer_state(), before dsmd tells its kernel the node is down: a
 * kernel that asks again after its lock's manager went down is routed to
 * the next one.
 */
int mgr_lock_manager(const struct mgr *m, uint32_t region, uint32_t lock_id)
{
	u32 id = dsm_lock_manager(m->members, m->lost,
				  dsm_sync_key(region, lock_id),
				  DSM_MAX_NODES);

	return id < DSM_MAX_NODES ? (int)id : -1;
}

/*
 * The lowest member not lost (dsm_barrier_manager(), the kernel's rule).
 * m->lost changes in mgr_peer_state(), before dsmd tells its kernel the
 * node is down: a kernel that arrives again after its manager went down
 * is routed to the next one.
 */
int mgr_barrier_manager(const struct mgr *m)
{
	u32 id = dsm_barrier_manager(m->members, m->lost, DSM_MAX_NODES);

	return id < DSM_MAX_NODES ? (int)id : -1;
}

bool mgr_op_is_lock(unsigned int op)
{
	return op == DSM_MGR_LOCK_ACQUIRE || op == DSM_MGR_LOCK_STATE ||
	       op == DSM_MGR_LOCK_RELEASE;
}

/* A request nobody answers: a lock's state. */
static bool is_notice(const struct mgr_req *r)
{
	return r->op == DSM_MGR_LOCK_STATE;
}

/* The successor of dead node @dead: the new manager of its locks. */
static int successor(const struct mgr *m, uint32_t dead, uint64_t lost)
{
	u32 id;

	if (dead >= DSM_MAX_NODES)
		return -1;
	id = dsm_backup_of(dead, m->members & ~lost & ~(1ULL << dead),
			   DSM_MAX_NODES);

	return id < DSM_MAX_NODES ? (int)id : -1;
}

static int req_manager(const struct mgr *m, const struct mgr_req *r)
{
	if (r->op == DSM_MGR_LOCK_STATE && (r->flags & DSM_MGR_F_STATE_DONE))
		return successor(m, r->lock_id, m->lost);
	if (mgr_op_is_lock(r->op))
		return mgr_lock_manager(m, r->region, r->lock_id);
	return mgr_barrier_manager(m);
}

static uint32_t req_id(const struct mgr_req *r)
{
	return mgr_op_is_lock(r->op) ? r->lock_id : r->barrier_id;
}

/*
 * Does this node manage lock request @r, counting its manager here as
 * lost? A peer asks here once its node declared the manager down, which
 * ours may not have yet: the request is held (mgr_lock_rb.c) until ours
 * does too, and every survivor told what it knows.
 */
static bool manages_lock(const struct mgr *m, const struct mgr_req *r)
{
	u64 key = dsm_sync_key(r->region, r->lock_id);
	u32 cur;

	if (r->flags & DSM_MGR_F_STATE_DONE)
		return successor(m, r->lock_id, m->lost) == m->self;
	cur = dsm_lock_manager(m->members, m->lost, key, DSM_MAX_NODES);
	return cur < DSM_MAX_NODES &&
	       dsm_lock_manager(m->members, m->lost | 1ULL << cur, key,
				DSM_MAX_NODES) == (u32)m->self;
}

/*
 * Does this node manage @r of a peer? A peer arrives at a barrier here
 * once its node declared the managers before us down, which ours may not
 * have yet, nor even seen unreachable (a manager whose dsmd stopped keeps
 * its connections open until the heartbeats time out): as for a lock
 * (manages_lock()), a barrier (or GC_DONE) is taken by the lowest member
 * that is neither lost nor unreachable from here, counting its manager
 * here as gone. The episode still waits for the nodes not declared down
 * here until they are (mgr_bar_node_lost()).
 */
static bool manages(const struct mgr *m, const struct mgr_req *r)
{
	int i, cur = req_manager(m, r);
	uint64_t gone = 0;

	if (cur == m->self)
		return true;
	if (mgr_op_is_lock(r->op))
		return manages_lock(m, r);
	for (i = 0; i < DSM_MAX_NODES; i++)
		if (mgr_is_member(m, i) && !mgr_peer_up(m, i))
			gone |= 1ULL << i;
	if (cur >= 0 && cur < DSM_MAX_NODES)
		gone |= 1ULL << cur;
	return dsm_barrier_manager(m->members, m->lost | gone,
				   DSM_MAX_NODES) == (u32)m->self;
}

/*
 * The flags of an EHOSTDOWN for @r whose manager is unreachable: a
 * barrier arrival or lock acquire is made again at the next manager once
 * that one is declared down.
 */
static uint32_t mgr_down_flags(uint8_t op)
{
	return op == DSM_MGR_BARRIER || op == DSM_MGR_LOCK_ACQUIRE ?
	       DSM_MGR_F_MGR_DOWN : 0;
}

/* ------------------------------------------------------------ replies */

/* Answer request @cookie of @node (the local kernel, or a peer's dsmd). */
void mgr_reply(struct mgr *m, int node, uint64_t cookie, uint32_t error,
	       uint32_t flags, const void *payload, size_t len)
{
	if (error == EHOSTDOWN)
		m->st.hostdown++;
	else if (error)
		m->st.errors++;
	if (node == m->self) {
		m->ops.kernel_reply(m->ops.ctx, cookie, error, flags, payload,
				    len);
		return;
	}
	/* If this fails, the peer's dsmd fails the request when it notices. */
	if (m->ops.send_reply(m->ops.ctx, node, cookie, error, flags, payload,
			      len))
		mgr_log(m, LOG_DEBUG, "mgr: cannot answer node %d (cookie %llu): no connection",
			node, (unsigned long long)cookie);
}

/* A refused request: one log line, a counter, an error reply. */
void mgr_refuse(struct mgr *m, int node, uint64_t cookie, uint32_t error,
		const char *what)
{
	m->st.bad++;
	mgr_log(m, LOG_WARNING, "mgr: %s of node %d (cookie %llu) refused: %s",
		what, node, (unsigned long long)cookie, m->why);
	mgr_reply(m, node, cookie, error, 0, NULL, 0);
}

/* ---------------------------------------------------------- validation */

int mgr_why(struct mgr *m, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->why, sizeof(m->why), fmt, ap);
	va_end(ap);
	return err;
}

/* A checked request of @from for which this node is the manager. */
static void handle(struct mgr *m, int from, const struct mgr_req *r,
		   const struct dsm_msg *msg)
{
	switch (r->op) {
	case DSM_MGR_LOCK_ACQUIRE:
		mgr_lock_acquire(m, from, r);
		break;
	case DSM_MGR_BARRIER:
		mgr_bar_arrive(m, from, r, msg);
		break;
	case DSM_MGR_GC_DONE:
		mgr_bar_gc_done(m, from, r);
		break;
	case DSM_MGR_LOCK_STATE:
		m->st.lock_states++;
		mgr_lock_state(m, from, r, msg);
		break;
	case DSM_MGR_LOCK_RELEASE:
		mgr_lock_left(m, from, r);
		break;
	}
}

/*
 * A LOCK_STATE of the local kernel: to the lock's new manager, or to
 * ours; no reply, none is waited for (the kernel sends and forgets).
 */
static void kernel_notice(struct mgr *m, struct mgr_req *r,
			  const struct dsm_msg *msg)
{
	int node = req_manager(m, r);

	if (node == m->self) {
		handle(m, m->self, r, msg);
		return;
	}
	if (node < 0 || !mgr_peer_up(m, node) ||
	    m->ops.send_request(m->ops.ctx, node, r))
		mgr_log(m, LOG_WARNING, "mgr: %s of lock %u:%u: cannot reach its manager node %d",
			mgr_op_name(r->op), r->region, r->lock_id, node);
	else
		m->st.sent_to_manager++;
}

/* ----------------------------------------- requests of the local kernel */

struct mgr_out *mgr_out_find(const struct mgr *m, uint64_t cookie,
				struct mgr_out ***pprev)
{
	struct mgr_out **pp = (struct mgr_out **)&m->outs[mgr_hash32(cookie)];

	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->cookie == cookie)
			break;
	if (pprev)
		*pprev = pp;
	return *pp;
}

void mgr_out_del(struct mgr *m, uint64_t cookie)
{
	struct mgr_out **pp, *o = mgr_out_find(m, cookie, &pp);

	if (!o)
		return;
	*pp = o->next;
	free(o->payload);
	free(o);
	m->nr_outs--;
	m->st.outstanding = m->nr_outs;
}

/* Forget every local request (answering none). */
static void outs_free_all(struct mgr *m)
{
	uint32_t h;

	for (h = 0; h < MGR_HASH_SIZE; h++) {
		while (m->outs[h]) {
			struct mgr_out *o = m->outs[h];

			m->outs[h] = o->next;
			free(o->payload);
			free(o);
		}
	}
	m->nr_outs = 0;
	m->st.outstanding = 0;
}

static void kreply(struct mgr *m, uint64_t cookie, uint32_t error)
{
	mgr_reply(m, m->self, cookie, error, 0, NULL, 0);
}

/*
 * Answer the local kernel's request @r with @error (and @flags, without
 * @what). If more fragments of it are to come, remember the cookie as
 * failed so that they are dropped instead of starting a new arrival.
 */
static void kfail(struct mgr *m, const struct mgr_req *r, uint32_t error,
		  uint32_t flags, const char *what)
{
	struct mgr_out **pp, *o = mgr_out_find(m, r->cookie, &pp);

	if (what)
		mgr_refuse(m, m->self, r->cookie, error, what);
	else
		mgr_reply(m, m->self, r->cookie, error, flags, NULL, 0);
	if (!(r->flags & DSM_MGR_F_MORE)) {
		mgr_out_del(m, r->cookie);
		return;
	}
	if (!o) {
		o = calloc(1, sizeof(*o));
		if (!o)
			return;
		o->cookie = r->cookie;
		o->node = -1;
		*pp = o;
		m->nr_outs++;
		m->st.outstanding = m->nr_outs;
	}
	o->open = true;
	o->failed = true;
}

void mgr_kernel_request(struct mgr *m, const struct mgr_req *req)
{
	struct mgr_req rq = *req, *r = &rq, fr;
	struct mgr_out **pp, *o;
	struct dsm_msg msg;
	int node, err;

	m->st.kernel_requests++;
	o = mgr_out_find(m, r->cookie, &pp);
	if (o && o->failed) {
		/* The rest of a request already answered with an error. */
		if (!(r->flags & DSM_MGR_F_MORE))
			mgr_out_del(m, r->cookie);
		return;
	}
	err = mgr_check_req(m, m->self, r, &msg);
	if (err && is_notice(r)) {
		m->st.bad++;
		mgr_log(m, LOG_WARNING, "mgr: %s of our kernel refused: %s",
			mgr_op_name(r->op), m->why);
		return;
	}
	if (err) {
		kfail(m, r, err, 0, mgr_op_name(r->op));
		return;
	}
	if (is_notice(r)) {
		kernel_notice(m, r, &msg);
		return;
	}
	node = req_manager(m, r);
	if (node == m->self) {
		handle(m, m->self, r, &msg);
		return;
	}
	if (o && (!o->open || o->op != r->op || o->id != req_id(r) ||
		  o->node != node)) {
		mgr_why(m, 0, "cookie %llu already in use",
			(unsigned long long)r->cookie);
		m->st.bad++;
		mgr_log(m, LOG_WARNING, "mgr: %s refused: %s", mgr_op_name(r->op),
			m->why);
		return;	/* not answered: the cookie belongs to another */
	}
	if (!o) {
		if (!mgr_peer_up(m, node)) {
			mgr_log(m, LOG_DEBUG, "mgr: %s %u: manager node %d unreachable",
				mgr_op_name(r->op), req_id(r), node);
			kfail(m, r, EHOSTDOWN, mgr_down_flags(r->op), NULL);
			return;
		}
		if (m->nr_outs >= MGR_OUTSTANDING_MAX) {
			mgr_why(m, 0, "%d requests outstanding",
				MGR_OUTSTANDING_MAX);
			kfail(m, r, ENOSPC, 0, mgr_op_name(r->op));
			return;
		}
		o = calloc(1, sizeof(*o));
		if (!o) {
			kreply(m, r->cookie, ENOMEM);
			return;
		}
		o->cookie = r->cookie;
		o->node = node;
		o->op = r->op;
		o->id = req_id(r);
		*pp = o;
		m->nr_outs++;
		m->st.outstanding = m->nr_outs;
	}
	fr = *r;
	fr.frag = o->frag++;
	o->open = r->op == DSM_MGR_BARRIER && (r->flags & DSM_MGR_F_MORE);
	if (m->ops.send_request(m->ops.ctx, node, &fr)) {
		mgr_log(m, LOG_DEBUG, "mgr: %s %u: cannot reach manager node %d",
			mgr_op_name(r->op), req_id(r), node);
		kfail(m, r, EHOSTDOWN, mgr_down_flags(r->op), NULL);
		return;
	}
	m->st.sent_to_manager++;
}

/* -------------------------------------------------- frames from peers */

void mgr_peer_request(struct mgr *m, int from, const struct mgr_req *req)
{
	struct mgr_req rq = *req, *r = &rq;
	struct dsm_msg msg;
	int err;

	m->st.peer_requests++;
	if (from == m->self || !mgr_is_member(m, from)) {
		m->st.bad++;
		mgr_log(m, LOG_WARNING, "mgr: request from node %d, not a peer member; dropped",
			from);
		return;
	}
	/* A leaving manager's free token (mgr_lock_kept.c): no reply. */
	if (r->op == DSM_MGR_LOCK_RELEASE && (r->flags & MGR_F_KEPT)) {
		mgr_lock_kept(m, from, r);
		return;
	}
	err = mgr_check_req(m, from, r, &msg);
	/* From a peer whose table is newer or older (mgr_lock_ho.c). */
	if (!err && mgr_ho_request(m, from, r))
		return;
	if (!err && !manages(m, r))
		err = mgr_why(m, EINVAL, "node %d is not the manager of %s %u",
			      m->self, mgr_op_name(r->op), req_id(r));
	/* A token given up counts only at its manager by the same table. */
	if (!err && r->op == DSM_MGR_LOCK_RELEASE &&
	    (req_manager(m, r) != m->self || r->epoch != m->epoch))
		err = mgr_why(m, EINVAL, "lock release of lock %u at table %llu: not managed here at ours (%llu)",
			      r->lock_id, (unsigned long long)r->epoch,
			      (unsigned long long)m->epoch);
	if (!err && r->op == DSM_MGR_BARRIER && r->frag < 0)
		err = mgr_why(m, EINVAL, "bad fragment number");
	/*
	 * The requester's dsmd checked its kernel's request already: what
	 * fails here was damaged or forged on the way, a protocol error.
	 */
	if (err == EINVAL)
		err = EPROTO;
	if (err && is_notice(r)) {
		m->st.bad++;
		mgr_log(m, LOG_WARNING, "mgr: %s of node %d refused: %s",
			mgr_op_name(r->op), from, m->why);
		return;
	}
	if (err) {
		if (r->op == DSM_MGR_BARRIER && r->has_barrier)
			mgr_bar_refused(m, from, r);
		mgr_refuse(m, from, r->cookie, err, mgr_op_name(r->op));
		return;
	}
	handle(m, from, r, &msg);
}

/*
 * The tail @from dropped the forward of our kernel's request @cookie (@o,
 * if its FORWARDED notice has not come yet): fail the request, or the
 * acquire would wait for a grant that never comes.
 */
static void fwd_failed(struct mgr *m, int from, const struct mgr_out *o,
		       uint64_t cookie, uint32_t error, uint32_t flags,
		       size_t len)
{
	if (from == m->self || !mgr_is_member(m, from) || !error ||
	    error > DSM_WIRE_MAX_ERRNO || flags != MGR_F_FWD_FAILED || len ||
	    (o && o->op != DSM_MGR_LOCK_ACQUIRE)) {
		m->st.bad++;
		mgr_log(m, LOG_WARNING, "mgr: node %d: bad forward-failed notice for cookie %llu; dropped",
			from, (unsigned long long)cookie);
		return;
	}
	mgr_log(m, LOG_WARNING, "mgr: node %d dropped the forward of our lock request (cookie %llu): failing it with %s",
		from, (unsigned long long)cookie, strerror((int)error));
	if (o)
		mgr_out_del(m, cookie);
	m->st.errors++;
	m->ops.kernel_reply(m->ops.ctx, cookie, error, 0, NULL, 0);
}

/*
 * The manager @from says the node it forwarded our kernel's request
 * @cookie to is down (MGR_F_FWD_LOST): no grant will come, the kernel
 * re-creates the token (an empty reply, as for a fresh token, flagged
 * DSM_MGR_F_OWNER_DEAD: the acquire returns EOWNERDEAD). The kernel
 * ignores it if the request is over (its grant came).
 */
static void fwd_lost(struct mgr *m, int from, const struct mgr_out *o,
		     uint64_t cookie, uint32_t error, uint32_t flags,
		     size_t len)
{
	if (from == m->self || !mgr_is_member(m, from) || error ||
	    flags != MGR_F_FWD_LOST || len ||
	    (o && (o->op != DSM_MGR_LOCK_ACQUIRE || o->node != from))) {
		m->st.bad++;
		mgr_log(m, LOG_WARNING, "mgr: node %d: bad forward-lost notice for cookie %llu; dropped",
			from, (unsigned long long)cookie);
		return;
	}
	mgr_log(m, LOG_INFO, "mgr: node %d: our lock request (cookie %llu) was forwarded to a node now down: the token is re-created here",
		from, (unsigned long long)cookie);
	if (o)
		mgr_out_del(m, cookie);
	m->ops.kernel_reply(m->ops.ctx, cookie, 0, DSM_MGR_F_OWNER_DEAD, NULL,
			    0);
}

void mgr_peer_reply(struct mgr *m, int from, uint64_t cookie, uint32_t error,
		    uint32_t flags, const uint8_t *payload, size_t len,
		    uint64_t epoch)
{
	struct mgr_out *o = mgr_out_find(m, cookie, NULL);
	int err;

	if (flags & MGR_F_MOVED) {
		mgr_ho_moved(m, from, o, cookie, error, flags, payload, len,
			     epoch);
		return;
	}
	if (flags & MGR_F_FWD_FAILED) {
		fwd_failed(m, from, o, cookie, error, flags, len);
		return;
	}
	if (flags & MGR_F_FWD_LOST) {
		fwd_lost(m, from, o, cookie, error, flags, len);
		return;
	}
	if (!o || o->node != from || o->failed) {
		/* Late (we failed it already) or forged: nobody waits. */
		mgr_log(m, LOG_DEBUG, "mgr: node %d answered unknown cookie %llu; dropped",
			from, (unsigned long long)cookie);
		return;
	}
	if (flags & MGR_F_FORWARDED) {
		if (o->op != DSM_MGR_LOCK_ACQUIRE || error || len ||
		    flags != MGR_F_FORWARDED) {
			m->st.bad++;
			mgr_why(m, 0, "bad forwarded notice");
			goto bad;
		}
		/* The kernel's wait for the manager is over (lrc.md). */
		m->ops.kernel_reply(m->ops.ctx, cookie, 0, DSM_MGR_F_FORWARDED,
				    NULL, 0);
		mgr_out_del(m, cookie);
		return;
	}
	err = mgr_check_reply(m, o, error, flags, payload, len);
	if (err) {
		m->st.bad++;
		goto bad;
	}
	m->st.replies_relayed++;
	if ((flags & DSM_MGR_F_JOIN) && (m->added >> m->self & 1)) {
		m->added &= ~(1ULL << m->self);
		m->back |= m->lost & 1ULL << m->self;
		mgr_log(m, LOG_INFO, "mgr: this node joins lrc at barrier %u",
			o->id);
	}
	m->ops.kernel_reply(m->ops.ctx, cookie, error, flags, payload, len);
	if (error && o->open)
		o->failed = true;	/* swallow the kernel's other fragments */
	else if (error || !(flags & DSM_MGR_F_MORE))
		mgr_out_del(m, cookie);
	return;
bad:
	mgr_log(m, LOG_WARNING, "mgr: node %d: bad reply to cookie %llu: %s",
		from, (unsigned long long)cookie, m->why);
	kreply(m, cookie, EPROTO);
	if (o->open)
		o->failed = true;
	else
		mgr_out_del(m, cookie);
}

/* ------------------------------------------------------- membership */

/*
 * Fail every local request sent to @node; a barrier arrival's reply says
 * the manager is unreachable (MGR_F_MGR_DOWN).
 */
static void fail_outstanding(struct mgr *m, int node)
{
	uint32_t h;

	for (h = 0; h < MGR_HASH_SIZE; h++) {
		struct mgr_out **pp = &m->outs[h];

		while (*pp) {
			struct mgr_out *o = *pp;

			if (o->node != node || o->failed) {
				pp = &o->next;
				continue;
			}
			m->ops.kernel_reply(m->ops.ctx, o->cookie, EHOSTDOWN,
					    mgr_down_flags(o->op), NULL, 0);
			m->st.hostdown++;
			if (o->open) {
				o->failed = true;
				pp = &o->next;
				continue;
			}
			*pp = o->next;
			free(o->payload);	/* a parked acquire's */
			free(o);
			m->nr_outs--;
		}
	}
	m->st.outstanding = m->nr_outs;
}

/* Was @node up since mgr_init() (a node that never came up holds nothing)? */
static bool peer_was_up(const struct mgr *m, int node)
{
	return m->peer[node] == MGR_PEER_UP || m->peer[node] == MGR_PEER_GONE;
}

void mgr_peer_state(struct mgr *m, int node, enum mgr_peer st)
{
	if (node < 0 || node >= DSM_MAX_NODES || node == m->self)
		return;
	/*
	 * Down again (a restart reported after the node was declared
	 * down): nothing changes, and the rebuild of the locks it managed,
	 * done already, is not opened again (the kernels tell their lock
	 * states once, at the node's death).
	 */
	if (st == MGR_PEER_DOWN && m->peer[node] == MGR_PEER_DOWN)
		return;
	/*
	 * Lost for good (mgr_barrier.c) once declared down after it was up,
	 * as the kernel counts it (dsm_members_node_down()); a node that
	 * never came up holds nothing and is not.
	 */
	if (st == MGR_PEER_DOWN && peer_was_up(m, node))
		m->lost |= 1ULL << node;
	/*
	 * A lost node back as a new incarnation joins lrc again at its
	 * first collecting barrier, as an added node does; down again, it
	 * is out until it comes back once more.
	 */
	if (st == MGR_PEER_DOWN)
		m->back &= ~(1ULL << node);
	if (st == MGR_PEER_UP && m->peer[node] == MGR_PEER_DOWN &&
	    (m->lost >> node & 1) && !(m->added >> node & 1)) {
		m->added |= 1ULL << node;
		mgr_log(m, LOG_INFO, "mgr: node %d is back after it was lost: it joins lrc again at its first collecting barrier",
			node);
	}
	m->peer[node] = st;
	if (st == MGR_PEER_UP)
		mgr_ho_peer_state(m, node, st);
	if (st != MGR_PEER_GONE && st != MGR_PEER_DOWN)
		return;
	fail_outstanding(m, node);
	if (st == MGR_PEER_DOWN) {
		mgr_lock_clear_tail(m, node);
		mgr_lock_rb_node_down(m, node);
	}
	mgr_ho_peer_state(m, node, st);
	mgr_bar_node_lost(m, node, st == MGR_PEER_DOWN);
}

void mgr_self_lost(struct mgr *m)
{
	uint64_t self = 1ULL << m->self;

	if (m->lost & self)
		return;
	m->lost |= self;
	m->added |= self;
	mgr_log(m, LOG_INFO, "mgr: the peers declared an earlier incarnation of this node lost: it joins lrc again at its first collecting barrier");
}

void mgr_kernel_reset(struct mgr *m)
{
	outs_free_all(m);
	mgr_lock_clear_tail(m, m->self);
	mgr_bar_node_lost(m, m->self, false);
}

/* ------------------------------------------------------------ set-up */

int mgr_init(struct mgr *m, int self, uint64_t members,
	     const struct mgr_ops *ops)
{
	memset(m, 0, sizeof(*m));
	if (self < 0 || self >= DSM_MAX_NODES || !(members >> self & 1) ||
	    (members & ~DSM_ALL_NODES))
		return -EINVAL;
	m->self = self;
	m->members = members;
	m->payload_max = DSM_MGR_PAYLOAD_MAX;
	m->bar_bytes_max = MGR_BAR_BYTES_MAX;
	m->ops = *ops;
	return 0;
}

/*
 * Node @node leaves the members @old (lost then: @lost, which has it
 * unless its down comes after the new table, as on the coordinator of
 * its del): the locks it managed keep their dead manager
 * (mgr_lock_dead_mgr()) once it is no member.
 */
static void mgr_gone_add(struct mgr *m, int node, uint64_t old, uint64_t lost)
{
	if (m->nr_gone == MGR_GONE_MAX) {
		mgr_log(m, LOG_WARNING, "mgr: more than %d nodes removed: the locks node %d managed are forgotten (a first acquire of one gets no owner dead)",
			MGR_GONE_MAX, m->gone[0].node);
		memmove(m->gone, m->gone + 1,
			(MGR_GONE_MAX - 1) * sizeof(m->gone[0]));
		m->nr_gone--;
	}
	m->gone[m->nr_gone].node = node;
	m->gone[m->nr_gone].members = old;
	m->gone[m->nr_gone].lost = lost;
	m->nr_gone++;
}

/*
 * The nodes @members adds are joining (Documentation/lrc.md, "Joining at
 * run time"); a node removed is no longer. This node's own bit stays as
 * it is: a joining node first adopts the table from before its add. The
 * locks whose manager moves are handed over (mgr_lock_ho.c).
 */
void mgr_members_set(struct mgr *m, uint64_t members, uint64_t epoch)
{
	uint64_t self = 1ULL << m->self, old = m->members;
	int n;

	/* One that never came up holds nothing (as in mgr_peer_state()). */
	for (n = 0; n < DSM_MAX_NODES; n++)
		if ((old & ~members & ~self) >> n & 1 &&
		    ((m->lost >> n & 1) || peer_was_up(m, n)))
			mgr_gone_add(m, n, old, m->lost);
	m->added |= dsm_members_added(m->members, members) & ~self;
	m->added &= members | self;
	if (m->added)
		mgr_log(m, LOG_INFO, "mgr: members %#llx, joining lrc: %#llx",
			(unsigned long long)members,
			(unsigned long long)m->added);
	m->members = members;
	if (epoch > m->epoch)
		m->epoch = epoch;
	mgr_ho_changed(m, old);
}

void mgr_fini(struct mgr *m)
{
	mgr_ho_free_all(m);
	mgr_lock_free_all(m);
	mgr_bar_free_all(m);
	outs_free_all(m);
	mgr_lock_kept_free(m);
}


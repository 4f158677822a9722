// SPDX-License-Identifier: GPL-2.0
/*
 * mgr.c - what the lock and barrier managers of dsmd share: the manager
 * object, the router that takes the local kernel's requests to the
 * managing node, the checks of every request, the answers, and what
 * happens when a node goes away (Documentation/lrc.md). The managers
 * themselves are mgr_lock.c and mgr_barrier.c.
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

static const char *op_name(unsigned int op)
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

static bool is_lock_op(const struct mgr_req *r)
{
	return r->op == DSM_MGR_LOCK_ACQUIRE || r->op == DSM_MGR_LOCK_STATE;
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
	if (is_lock_op(r))
		return mgr_lock_manager(m, r->region, r->lock_id);
	return mgr_barrier_manager(m);
}

static uint32_t req_id(const struct mgr_req *r)
{
	return is_lock_op(r) ? r->lock_id : r->barrier_id;
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
	if (is_lock_op(r))
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

/* Decode @r's payload, which must be a core message of @type. */
int mgr_check_payload(struct mgr *m, const struct mgr_req *r, u8 type,
		      struct dsm_msg *msg)
{
	enum dsm_wire_reject rej;

	if (!r->len || !r->payload)
		return mgr_why(m, EINVAL, "%s without a payload",
			       op_name(r->op));
	if (r->len > DSM_MGR_PAYLOAD_MAX)
		return mgr_why(m, EINVAL, "payload of %zu bytes, more than %d",
			       r->len, DSM_MGR_PAYLOAD_MAX);
	if (dsm_wire_decode(r->payload, r->len, msg, &rej))
		return mgr_why(m, EINVAL, "payload is not a valid core message (%s)",
			       dsm_wire_reject_name(rej));
	if (msg->hdr.type != type)
		return mgr_why(m, EINVAL, "payload is %s, not %s",
			       dsm_wire_type_name(msg->hdr.type),
			       dsm_wire_type_name(type));
	return 0;
}

/*
 * A LOCK_STATE of @from (include/uapi/linux/dsm.h): DONE names a member
 * other than @from and carries nothing else; else a LOCK_REQ of @from's
 * own (flags HAS_TOKEN, FORWARDED with a request) or of a forward @from
 * keeps (no flag, a request of another member).
 */
static int check_state(struct mgr *m, int from, struct mgr_req *r,
		       struct dsm_msg *msg)
{
	const struct dsm_msg_lock_req *q = &msg->u.lock_req;
	int err;

	if (!r->has_lock || r->has_barrier)
		return mgr_why(m, EINVAL, "lock state needs LOCK_ID and no BARRIER_ID");
	if (r->flags & ~(DSM_MGR_F_HAS_TOKEN | DSM_MGR_F_FORWARDED |
			 DSM_MGR_F_STATE_DONE))
		return mgr_why(m, EINVAL, "flags %#x on a lock state", r->flags);
	if (r->flags & DSM_MGR_F_STATE_DONE) {
		if (r->flags != DSM_MGR_F_STATE_DONE || r->len ||
		    !mgr_is_member(m, (int)r->lock_id) ||
		    (int)r->lock_id == from)
			return mgr_why(m, EINVAL, "lock state done for node %u",
				       r->lock_id);
		return 0;
	}
	err = mgr_check_payload(m, r, DSM_MSG_LOCK_REQ, msg);
	if (err)
		return err;
	r->region = q->region;
	if (q->lock_id != r->lock_id)
		return mgr_why(m, EINVAL, "LOCK_REQ is for lock %u, not %u",
			       q->lock_id, r->lock_id);
	if (!mgr_is_member(m, q->requester) ||
	    (q->requester != from && (r->flags || !q->req_id)) ||
	    ((r->flags & DSM_MGR_F_FORWARDED) && !q->req_id))
		return mgr_why(m, EINVAL, "lock state of node %u (req_id %llu, flags %#x)",
			       q->requester, (unsigned long long)q->req_id,
			       r->flags);
	return 0;
}

/*
 * Check request @r of node @from before acting on it; set @r->region
 * from its payload. Return: 0, or the errno to answer with (m->why says
 * why).
 */
static int check_req(struct mgr *m, int from, struct mgr_req *r,
		     struct dsm_msg *msg)
{
	int err;

	if (!mgr_is_member(m, from))
		return mgr_why(m, EINVAL, "node %d is not a member", from);
	if (r->op > DSM_MGR_OP_MAX)
		return mgr_why(m, EINVAL, "unknown op %u", r->op);
	if (r->flags & ~DSM_MGR_F_ALL)
		return mgr_why(m, EINVAL, "unknown flags %#x", r->flags);
	switch (r->op) {
	case DSM_MGR_LOCK_ACQUIRE:
		if (!r->has_lock || r->has_barrier)
			return mgr_why(m, EINVAL, "lock acquire needs LOCK_ID and no BARRIER_ID");
		if (r->flags)
			return mgr_why(m, EINVAL, "flags %#x on a lock acquire",
				       r->flags);
		err = mgr_check_payload(m, r, DSM_MSG_LOCK_REQ, msg);
		if (err)
			return err;
		r->region = msg->u.lock_req.region;
		if (msg->u.lock_req.lock_id != r->lock_id)
			return mgr_why(m, EINVAL, "LOCK_REQ is for lock %u, not %u",
				       msg->u.lock_req.lock_id, r->lock_id);
		if (msg->u.lock_req.requester != from)
			return mgr_why(m, EINVAL, "LOCK_REQ names requester %u",
				       msg->u.lock_req.requester);
		if (msg->u.lock_req.req_id != r->cookie)
			return mgr_why(m, EINVAL, "LOCK_REQ req_id %llu is not the cookie",
				       (unsigned long long)msg->u.lock_req.req_id);
		/* Not before this node joined lrc (lrc.md "Joining"). */
		if (from == m->self && (m->added >> from & 1))
			return mgr_why(m, ESTALE, "this node joins lrc at its first collecting barrier");
		return 0;
	case DSM_MGR_LOCK_RELEASE:
		return mgr_why(m, EOPNOTSUPP, "a lock release never leaves the node");
	case DSM_MGR_LOCK_STATE:
		return check_state(m, from, r, msg);
	case DSM_MGR_BARRIER:
		if (!r->has_barrier || r->has_lock)
			return mgr_why(m, EINVAL, "barrier needs BARRIER_ID and no LOCK_ID");
		if (r->flags & ~(DSM_MGR_F_MORE | DSM_MGR_F_GC_WANTED))
			return mgr_why(m, EINVAL, "flags %#x on a barrier arrival",
				       r->flags);
		err = mgr_check_payload(m, r, DSM_MSG_BARRIER_ARRIVE, msg);
		if (err)
			return err;
		r->region = msg->u.barrier.region;
		if (msg->u.barrier.barrier_id != r->barrier_id)
			return mgr_why(m, EINVAL, "BARRIER_ARRIVE is for barrier %u, not %u",
				       msg->u.barrier.barrier_id, r->barrier_id);
		return 0;
	case DSM_MGR_GC_DONE:
		if (!r->has_barrier || r->has_lock)
			return mgr_why(m, EINVAL, "gc done needs BARRIER_ID and no LOCK_ID");
		if (r->flags)
			return mgr_why(m, EINVAL, "flags %#x on gc done",
				       r->flags);
		if (r->len)
			return mgr_why(m, EINVAL, "gc done with a payload");
		return 0;
	}
	return mgr_why(m, EINVAL, "unknown op %u", r->op);
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
	}
}

/*
 * A LOCK_STATE of the local kernel: to the new manager, or to ours; no
 * reply, none is waited for (the kernel sends and forgets).
 */
static void kernel_state(struct mgr *m, struct mgr_req *r,
			 const struct dsm_msg *msg)
{
	int node = req_manager(m, r);

	if (node == m->self) {
		handle(m, m->self, r, msg);
		return;
	}
	if (node < 0 || !mgr_peer_up(m, node) ||
	    m->ops.send_request(m->ops.ctx, node, r))
		mgr_log(m, LOG_WARNING, "mgr: lock state of lock %u:%u: cannot reach its new manager node %d",
			r->region, r->lock_id, node);
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
	err = check_req(m, m->self, r, &msg);
	if (err && r->op == DSM_MGR_LOCK_STATE) {
		m->st.bad++;
		mgr_log(m, LOG_WARNING, "mgr: lock state of our kernel refused: %s",
			m->why);
		return;
	}
	if (err) {
		kfail(m, r, err, 0, op_name(r->op));
		return;
	}
	if (r->op == DSM_MGR_LOCK_STATE) {
		kernel_state(m, r, &msg);
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
		mgr_log(m, LOG_WARNING, "mgr: %s refused: %s", op_name(r->op),
			m->why);
		return;	/* not answered: the cookie belongs to another */
	}
	if (!o) {
		if (!mgr_peer_up(m, node)) {
			mgr_log(m, LOG_DEBUG, "mgr: %s %u: manager node %d unreachable",
				op_name(r->op), req_id(r), node);
			kfail(m, r, EHOSTDOWN, mgr_down_flags(r->op), NULL);
			return;
		}
		if (m->nr_outs >= MGR_OUTSTANDING_MAX) {
			mgr_why(m, 0, "%d requests outstanding",
				MGR_OUTSTANDING_MAX);
			kfail(m, r, ENOSPC, 0, op_name(r->op));
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
			op_name(r->op), req_id(r), node);
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
	err = check_req(m, from, r, &msg);
	/* From a peer whose table is newer or older (mgr_lock_ho.c). */
	if (!err && mgr_ho_request(m, from, r))
		return;
	if (!err && !manages(m, r))
		err = mgr_why(m, EINVAL, "node %d is not the manager of %s %u",
			      m->self, op_name(r->op), req_id(r));
	if (!err && r->op == DSM_MGR_BARRIER && r->frag < 0)
		err = mgr_why(m, EINVAL, "bad fragment number");
	/*
	 * The requester's dsmd checked its kernel's request already: what
	 * fails here was damaged or forged on the way, a protocol error.
	 */
	if (err == EINVAL)
		err = EPROTO;
	if (err && r->op == DSM_MGR_LOCK_STATE) {
		m->st.bad++;
		mgr_log(m, LOG_WARNING, "mgr: lock state of node %d refused: %s",
			from, m->why);
		return;
	}
	if (err) {
		if (r->op == DSM_MGR_BARRIER && r->has_barrier)
			mgr_bar_refused(m, from, r);
		mgr_refuse(m, from, r->cookie, err, op_name(r->op));
		return;
	}
	handle(m, from, r, &msg);
}

/* Check a remote manager's reply to @o; 0 if it may go to the kernel. */
static int check_reply(struct mgr *m, const struct mgr_out *o, uint32_t error,
		       uint32_t flags, const uint8_t *payload, size_t len)
{
	enum dsm_wire_reject rej;
	struct dsm_msg msg;

	if (error > DSM_WIRE_MAX_ERRNO)
		return mgr_why(m, EPROTO, "error %u out of range", error);
	if (error || o->op != DSM_MGR_BARRIER) {
		/* A lock's fresh token may say its last holder died. */
		if (len || (flags && (error || o->op != DSM_MGR_LOCK_ACQUIRE ||
				      flags != DSM_MGR_F_OWNER_DEAD)))
			return mgr_why(m, EPROTO, "payload or flags %#x on a reply without data",
				       flags);
		return 0;
	}
	if (flags & ~(DSM_MGR_F_MORE | DSM_MGR_F_GC | DSM_MGR_F_JOIN) ||
	    ((flags & DSM_MGR_F_JOIN) && !(flags & DSM_MGR_F_GC)))
		return mgr_why(m, EPROTO, "flags %#x on a barrier release",
			       flags);
	if (!len || len > DSM_MGR_PAYLOAD_MAX)
		return mgr_why(m, EPROTO, "release payload of %zu bytes", len);
	if (dsm_wire_decode(payload, len, &msg, &rej))
		return mgr_why(m, EPROTO, "release is not a valid core message (%s)",
			       dsm_wire_reject_name(rej));
	if (msg.hdr.type != DSM_MSG_BARRIER_RELEASE ||
	    msg.u.barrier.barrier_id != o->id)
		return mgr_why(m, EPROTO, "release is %s for barrier %u",
			       dsm_wire_type_name(msg.hdr.type),
			       msg.u.barrier.barrier_id);
	return 0;
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
	err = check_reply(m, o, error, flags, payload, len);
	if (err) {
		m->st.bad++;
		goto bad;
	}
	m->st.replies_relayed++;
	if ((flags & DSM_MGR_F_JOIN) && (m->added >> m->self & 1)) {
		m->added &= ~(1ULL << m->self);
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

void mgr_peer_state(struct mgr *m, int node, enum mgr_peer st)
{
	if (node < 0 || node >= DSM_MAX_NODES || node == m->self)
		return;
	/*
	 * Lost for good (mgr_barrier.c) once declared down after it was up,
	 * as the kernel counts it (dsm_members_node_down()); a node that
	 * never came up holds nothing and is not.
	 */
	if (st == MGR_PEER_DOWN && (m->peer[node] == MGR_PEER_UP ||
				    m->peer[node] == MGR_PEER_GONE))
		m->lost |= 1ULL << node;
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
 * The nodes @members adds are joining (Documentation/lrc.md, "Joining at
 * run time"); a node removed is no longer. This node's own bit stays as
 * it is: a joining node first adopts the table from before its add. The
 * locks whose manager moves are handed over (mgr_lock_ho.c).
 */
void mgr_members_set(struct mgr *m, uint64_t members, uint64_t epoch)
{
	uint64_t self = 1ULL << m->self, old = m->members;

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
}


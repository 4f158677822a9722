// SPDX-License-Identifier: GPL-2.0
/*
 * mgr_check.c - the managers' checks of what comes in (mgr.c routes it):
 * a request of the local kernel or of a peer, field by field and its
 * payload through the protocol core's decoder, and a remote manager's
 * reply before it goes to the kernel. A check answers 0 or the errno to
 * refuse with, and says why in m->why; it changes nothing else (but
 * r->region, read from the payload).
 */
#include <errno.h>
#include <stdlib.h>

#include "mgr_internal.h"

/* Decode @r's payload, which must be a core message of @type. */
int mgr_check_payload(struct mgr *m, const struct mgr_req *r, u8 type,
		      struct dsm_msg *msg)
{
	enum dsm_wire_reject rej;

	if (!r->len || !r->payload)
		return mgr_why(m, EINVAL, "%s without a payload",
			       mgr_op_name(r->op));
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
 * What every lock op's request has: LOCK_ID and no BARRIER_ID, no flag
 * but @flags, and as its payload a LOCK_REQ of that lock (@r->region set
 * from it).
 */
static int check_lock_req(struct mgr *m, struct mgr_req *r, uint32_t flags,
			  struct dsm_msg *msg)
{
	int err;

	if (!r->has_lock || r->has_barrier)
		return mgr_why(m, EINVAL, "%s needs LOCK_ID and no BARRIER_ID",
			       mgr_op_name(r->op));
	if (r->flags & ~flags)
		return mgr_why(m, EINVAL, "flags %#x on a %s", r->flags,
			       mgr_op_name(r->op));
	err = mgr_check_payload(m, r, DSM_MSG_LOCK_REQ, msg);
	if (err)
		return err;
	r->region = msg->u.lock_req.region;
	if (msg->u.lock_req.lock_id != r->lock_id)
		return mgr_why(m, EINVAL, "LOCK_REQ is for lock %u, not %u",
			       msg->u.lock_req.lock_id, r->lock_id);
	return 0;
}

/* The LOCK_REQ of @r (checked) is @from's own, its req_id the cookie. */
static int check_own_req(struct mgr *m, int from, const struct mgr_req *r,
			 const struct dsm_msg *msg)
{
	if (msg->u.lock_req.requester != (uint32_t)from)
		return mgr_why(m, EINVAL, "LOCK_REQ names requester %u",
			       msg->u.lock_req.requester);
	if (msg->u.lock_req.req_id != r->cookie)
		return mgr_why(m, EINVAL, "LOCK_REQ req_id %llu is not the cookie",
			       (unsigned long long)msg->u.lock_req.req_id);
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

	if (r->flags & DSM_MGR_F_STATE_DONE) {
		if (r->flags != DSM_MGR_F_STATE_DONE || r->len ||
		    !r->has_lock || r->has_barrier ||
		    !mgr_is_member(m, (int)r->lock_id) ||
		    (int)r->lock_id == from)
			return mgr_why(m, EINVAL, "lock state done for node %u",
				       r->lock_id);
		return 0;
	}
	err = check_lock_req(m, r, DSM_MGR_F_HAS_TOKEN | DSM_MGR_F_FORWARDED,
			     msg);
	if (err)
		return err;
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
int mgr_check_req(struct mgr *m, int from, struct mgr_req *r,
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
		err = check_lock_req(m, r, 0, msg);
		if (!err)
			err = check_own_req(m, from, r, msg);
		if (err)
			return err;
		/* Not before this node joined lrc (lrc.md "Joining"). */
		if (from == m->self && (m->added >> from & 1))
			return mgr_why(m, ESTALE, "this node joins lrc at its first collecting barrier");
		return 0;
	case DSM_MGR_LOCK_RELEASE:
		/* A leaving node's own free token (family version 18). */
		if (!r->cookie)
			return mgr_why(m, EINVAL, "lock release without a cookie");
		err = check_lock_req(m, r, 0, msg);
		if (!err)
			err = check_own_req(m, from, r, msg);
		return err;
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

/* Check a remote manager's reply to @o; 0 if it may go to the kernel. */
int mgr_check_reply(struct mgr *m, const struct mgr_out *o, uint32_t error,
		       uint32_t flags, const uint8_t *payload, size_t len)
{
	enum dsm_wire_reject rej;
	struct dsm_msg msg;

	if (error > DSM_WIRE_MAX_ERRNO)
		return mgr_why(m, EPROTO, "error %u out of range", error);
	if (error || o->op != DSM_MGR_BARRIER) {
		/* A lock's fresh token may say its last holder died or left. */
		if (len || (flags && (error || o->op != DSM_MGR_LOCK_ACQUIRE ||
				      (flags != DSM_MGR_F_OWNER_DEAD &&
				       flags != DSM_MGR_F_TOKEN_LEFT))))
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

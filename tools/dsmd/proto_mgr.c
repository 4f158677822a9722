// SPDX-License-Identifier: GPL-2.0
/*
 * proto_mgr.c - the bodies of the managers' frames of the dsmd control
 * protocol (proto.h): MGR_REQ, MGR_REPLY and LOCK_FWD (version 2; the
 * sender's home table epoch from version 8 on) and LOCK_HANDOVER
 * (version 8). proto.c's type table calls them (proto_internal.h).
 */
#include <endian.h>

#include "dsm_limits.h"
#include "mgr.h"
#include "proto.h"
#include "proto_internal.h"

/*
 * From version 8 on, a manager frame's fixed part is a struct
 * dsmc_wire_*8: that of version 2, then the sender's home table epoch;
 * a frame of version 7 ends before it (the body is read only as far as
 * the version's fixed part, whose length dsmc_peek() checked).
 */
static bool has_epoch(const struct dsmc_msg *m)
{
	return m->version >= DSMC_VERSION_HANDOVER;
}

/* 0 (the sender has no table yet) .. DSM_HOME_EPOCH_MAX. */
static const char *mgr_epoch_check(const struct dsmc_msg *m)
{
	return m->mgr.epoch > DSM_HOME_EPOCH_MAX ?
	       "manager frame's epoch out of range" : NULL;
}

void dsmc_enc_mgr_req(const struct dsmc_msg *m, void *body)
{
	struct dsmc_wire_mgr_req8 *w8 = body;
	struct dsmc_wire_mgr_req *w = &w8->v2;

	w->cookie = htole64(m->mgr.cookie);
	w->id = htole32(m->mgr.id);
	w->flags = htole32(m->mgr.flags);
	w->op = m->mgr.op;
	w->frag = htole16(m->mgr.frag);
	if (has_epoch(m))
		w8->epoch = htole64(m->mgr.epoch);
}

const char *dsmc_dec_mgr_req(const void *body, uint32_t len,
			     struct dsmc_msg *m)
{
	const struct dsmc_wire_mgr_req8 *w8 = body;
	const struct dsmc_wire_mgr_req *w = &w8->v2;

	(void)len;
	m->mgr.cookie = le64toh(w->cookie);
	m->mgr.id = le32toh(w->id);
	m->mgr.flags = le32toh(w->flags);
	m->mgr.op = w->op;
	m->mgr.frag = le16toh(w->frag);
	if (has_epoch(m))
		m->mgr.epoch = le64toh(w8->epoch);
	if (w->reserved0 || w->reserved1)
		return "reserved field not zero";
	/* A leaving manager's free token (version 10): the flag alone. */
	if (m->mgr.flags == MGR_F_KEPT) {
		if (m->version < DSMC_VERSION_KEPT)
			return "flag not in this protocol version";
		if (m->mgr.op != DSM_MGR_LOCK_RELEASE)
			return "KEPT on another op than LOCK_RELEASE";
		return mgr_epoch_check(m);
	}
	if (m->mgr.op > DSM_MGR_OP_MAX ||
	    (m->mgr.flags & ~(DSM_MGR_F_MORE | DSM_MGR_F_GC_WANTED |
			      DSM_MGR_F_HAS_TOKEN | DSM_MGR_F_FORWARDED |
			      DSM_MGR_F_STATE_DONE)))
		return "bad manager op or flags";
	return mgr_epoch_check(m);
}

void dsmc_enc_mgr_reply(const struct dsmc_msg *m, void *body)
{
	struct dsmc_wire_mgr_reply8 *w8 = body;
	struct dsmc_wire_mgr_reply *w = &w8->v2;

	w->cookie = htole64(m->mgr.cookie);
	w->error = htole32(m->mgr.error);
	w->flags = htole32(m->mgr.flags);
	if (has_epoch(m))
		w8->epoch = htole64(m->mgr.epoch);
}

/*
 * MOVED (version 8): error 0, the request's LOCK_REQ as the payload, and
 * the epoch of the table by which the lock is managed elsewhere.
 */
static const char *dec_mgr_moved(const struct dsmc_msg *m)
{
	if (!has_epoch(m))
		return "flag not in this protocol version";
	if (m->mgr.error)
		return "moved reply with an error";
	if (!m->mgr.len)
		return "moved reply without the request";
	if (!m->mgr.epoch)
		return "moved reply without an epoch";
	return NULL;
}

const char *dsmc_dec_mgr_reply(const void *body, uint32_t len,
			       struct dsmc_msg *m)
{
	const struct dsmc_wire_mgr_reply8 *w8 = body;
	const struct dsmc_wire_mgr_reply *w = &w8->v2;
	const char *why;

	(void)len;
	m->mgr.cookie = le64toh(w->cookie);
	m->mgr.error = le32toh(w->error);
	m->mgr.flags = le32toh(w->flags);
	if (has_epoch(m))
		m->mgr.epoch = le64toh(w8->epoch);
	why = mgr_epoch_check(m);
	if (why)
		return why;
	/* The frame-only flags come alone; the others are the kernel's. */
	if (m->mgr.flags == MGR_F_MOVED)
		return dec_mgr_moved(m);
	if (m->mgr.flags == DSM_MGR_F_TOKEN_LEFT &&
	    m->version < DSMC_VERSION_TOKEN_LEFT)
		return "flag not in this protocol version";
	if (m->mgr.error > 4095 ||
	    (m->mgr.flags != MGR_F_FORWARDED &&
	     m->mgr.flags != MGR_F_FWD_FAILED &&
	     m->mgr.flags != MGR_F_FWD_LOST &&
	     m->mgr.flags != DSM_MGR_F_OWNER_DEAD &&
	     m->mgr.flags != DSM_MGR_F_TOKEN_LEFT &&
	     (m->mgr.flags & ~(DSM_MGR_F_MORE | DSM_MGR_F_GC |
			       DSM_MGR_F_JOIN))))
		return "bad manager error or flags";
	return NULL;
}

void dsmc_enc_lock_fwd(const struct dsmc_msg *m, void *body)
{
	struct dsmc_wire_lock_fwd8 *w8 = body;
	struct dsmc_wire_lock_fwd *w = &w8->v2;

	w->lock = htole32(m->mgr.id);
	w->requester = htole32(m->mgr.requester);
	w->cookie = htole64(m->mgr.cookie);
	if (has_epoch(m))
		w8->epoch = htole64(m->mgr.epoch);
}

const char *dsmc_dec_lock_fwd(const void *body, uint32_t len,
			      struct dsmc_msg *m)
{
	const struct dsmc_wire_lock_fwd8 *w8 = body;
	const struct dsmc_wire_lock_fwd *w = &w8->v2;

	(void)len;
	m->mgr.id = le32toh(w->lock);
	m->mgr.requester = le32toh(w->requester);
	m->mgr.cookie = le64toh(w->cookie);
	if (has_epoch(m))
		m->mgr.epoch = le64toh(w8->epoch);
	if (m->mgr.requester >= DSM_NODES_MAX)
		return "bad requester node id";
	if (!m->mgr.len)
		return "lock forward without a LOCK_REQ";
	return mgr_epoch_check(m);
}

/*
 * LOCK_HANDOVER: struct dsmc_wire_lock_handover, then @nr struct
 * dsmc_wire_ho_rec. The decoder checks what only the wire can get wrong
 * (reserved bytes, ids that do not fit struct mgr_handover, the body's
 * length), then ho_check(), which the encoder runs too.
 */

/* Record @r after one of node @prev (-1: the first). */
static const char *ho_rec_check(const struct mgr_ho_rec *r, int prev)
{
	if (r->node >= DSM_NODES_MAX)
		return "hand-over record's node out of range";
	if ((int)r->node <= prev)
		return "hand-over records not in ascending node order";
	if (r->fwd_to < -1 || r->fwd_to >= DSM_NODES_MAX)
		return "hand-over record's forward node out of range";
	if (r->fwd_to < 0 && r->fwd_cookie)
		return "hand-over record's cookie without a forward";
	return NULL;
}

static const char *ho_check(const struct mgr_handover *ho)
{
	const char *why;
	uint32_t i;

	if (!ho->epoch || ho->epoch > DSM_HOME_EPOCH_MAX)
		return "hand-over epoch out of range";
	if (ho->flags & ~(uint32_t)(MGR_HO_OWNER_DEAD | MGR_HO_DONE |
				    MGR_HO_TOKEN_LEFT))
		return "unknown hand-over flags";
	if ((ho->flags & MGR_HO_TOKEN_LEFT) &&
	    (ho->flags & MGR_HO_OWNER_DEAD || ho->tail != -1))
		return "hand-over left mark with a tail or owner dead";
	if (ho->tail < -1 || ho->tail >= DSM_NODES_MAX)
		return "hand-over tail out of range";
	if (ho->nr > DSM_NODES_MAX)
		return "too many hand-over records";
	if ((ho->flags & MGR_HO_DONE) &&
	    (ho->flags != MGR_HO_DONE || ho->region || ho->lock_id ||
	     ho->tail != -1 || ho->nr))
		return "hand-over DONE with a lock";
	for (i = 0; i < ho->nr; i++) {
		why = ho_rec_check(&ho->rec[i], i ? ho->rec[i - 1].node : -1);
		if (why)
			return why;
	}
	return NULL;
}

const char *dsmc_check_handover(const struct dsmc_msg *m)
{
	return ho_check(&m->ho);
}

/* dsmc_encode() ran dsmc_check_handover(): every value fits. */
void dsmc_enc_handover(const struct dsmc_msg *m, void *body)
{
	struct dsmc_wire_lock_handover *w = body;
	struct dsmc_wire_ho_rec *wr = (struct dsmc_wire_ho_rec *)(w + 1);
	const struct mgr_handover *ho = &m->ho;
	uint32_t i;

	w->epoch = htole64(ho->epoch);
	w->flags = htole32(ho->flags);
	w->region = htole32(ho->region);
	w->lock = htole32(ho->lock_id);
	w->tail = htole32(ho->tail < 0 ? DSMC_HO_TAIL_NONE :
			  (uint32_t)ho->tail);
	w->nr = htole16(ho->nr);
	for (i = 0; i < ho->nr; i++) {
		const struct mgr_ho_rec *r = &ho->rec[i];

		wr[i].node = r->node;
		wr[i].fwd_to = r->fwd_to < 0 ? DSMC_HO_FWD_NONE :
			       (uint8_t)r->fwd_to;
		wr[i].fwd_cookie = htole64(r->fwd_cookie);
		wr[i].last_cookie = htole64(r->last_cookie);
	}
}

/* A record's reserved bytes and forward node; ho_check() does the rest. */
static const char *dec_ho_rec(const struct dsmc_wire_ho_rec *w,
			      struct mgr_ho_rec *r)
{
	if (!all_zero(w->reserved, sizeof(w->reserved)))
		return "reserved field not zero";
	if (w->fwd_to != DSMC_HO_FWD_NONE && w->fwd_to >= DSM_NODES_MAX)
		return "hand-over record's forward node out of range";
	r->node = w->node;
	r->fwd_to = w->fwd_to == DSMC_HO_FWD_NONE ? -1 : (int8_t)w->fwd_to;
	r->fwd_cookie = le64toh(w->fwd_cookie);
	r->last_cookie = le64toh(w->last_cookie);
	return NULL;
}

const char *dsmc_dec_handover(const void *body, uint32_t len,
			      struct dsmc_msg *m)
{
	const struct dsmc_wire_lock_handover *w = body;
	const struct dsmc_wire_ho_rec *wr =
		(const struct dsmc_wire_ho_rec *)(w + 1);
	struct mgr_handover *ho = &m->ho;
	uint32_t tail = le32toh(w->tail), i;
	const char *why;

	ho->epoch = le64toh(w->epoch);
	ho->flags = le32toh(w->flags);
	ho->region = le32toh(w->region);
	ho->lock_id = le32toh(w->lock);
	ho->nr = le16toh(w->nr);
	if (!all_zero(w->reserved, sizeof(w->reserved)))
		return "reserved field not zero";
	if (tail != DSMC_HO_TAIL_NONE && tail >= DSM_NODES_MAX)
		return "hand-over tail out of range";
	ho->tail = tail == DSMC_HO_TAIL_NONE ? -1 : (int)tail;
	if (ho->nr > DSM_NODES_MAX)
		return "too many hand-over records";
	if (len != sizeof(*w) + ho->nr * sizeof(*wr))
		return "hand-over body length is not that of its records";
	for (i = 0; i < ho->nr; i++) {
		why = dec_ho_rec(&wr[i], &ho->rec[i]);
		if (why)
			return why;
	}
	return ho_check(ho);
}

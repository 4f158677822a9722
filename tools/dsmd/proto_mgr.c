// SPDX-License-Identifier: GPL-2.0
/*
 * proto_mgr.c - the bodies of the managers' frames of the dsmd control
 * protocol (proto.h): MGR_REQ, MGR_REPLY and LOCK_FWD (version 2).
 * proto.c's type table calls them (proto_internal.h).
 */
#include <endian.h>

#include "mgr.h"
#include "proto.h"
#include "proto_internal.h"

void dsmc_enc_mgr_req(const struct dsmc_msg *m, void *body)
{
	struct dsmc_wire_mgr_req *w = body;

	w->cookie = htole64(m->mgr.cookie);
	w->id = htole32(m->mgr.id);
	w->flags = htole32(m->mgr.flags);
	w->op = m->mgr.op;
	w->frag = htole16(m->mgr.frag);
}

const char *dsmc_dec_mgr_req(const void *body, uint32_t len,
			     struct dsmc_msg *m)
{
	const struct dsmc_wire_mgr_req *w = body;

	(void)len;
	m->mgr.cookie = le64toh(w->cookie);
	m->mgr.id = le32toh(w->id);
	m->mgr.flags = le32toh(w->flags);
	m->mgr.op = w->op;
	m->mgr.frag = le16toh(w->frag);
	if (w->reserved0 || w->reserved1)
		return "reserved field not zero";
	if (m->mgr.op > DSM_MGR_OP_MAX ||
	    (m->mgr.flags & ~(DSM_MGR_F_MORE | DSM_MGR_F_GC_WANTED |
			      DSM_MGR_F_HAS_TOKEN | DSM_MGR_F_FORWARDED |
			      DSM_MGR_F_STATE_DONE)))
		return "bad manager op or flags";
	return NULL;
}

void dsmc_enc_mgr_reply(const struct dsmc_msg *m, void *body)
{
	struct dsmc_wire_mgr_reply *w = body;

	w->cookie = htole64(m->mgr.cookie);
	w->error = htole32(m->mgr.error);
	w->flags = htole32(m->mgr.flags);
}

const char *dsmc_dec_mgr_reply(const void *body, uint32_t len,
			       struct dsmc_msg *m)
{
	const struct dsmc_wire_mgr_reply *w = body;

	(void)len;
	m->mgr.cookie = le64toh(w->cookie);
	m->mgr.error = le32toh(w->error);
	m->mgr.flags = le32toh(w->flags);
	/* The frame-only flags come alone; the others are the kernel's. */
	if (m->mgr.error > 4095 ||
	    (m->mgr.flags != MGR_F_FORWARDED &&
	     m->mgr.flags != MGR_F_FWD_FAILED &&
	     m->mgr.flags != MGR_F_FWD_LOST &&
	     m->mgr.flags != DSM_MGR_F_OWNER_DEAD &&
	     (m->mgr.flags & ~(DSM_MGR_F_MORE | DSM_MGR_F_GC |
			       DSM_MGR_F_JOIN))))
		return "bad manager error or flags";
	return NULL;
}

void dsmc_enc_lock_fwd(const struct dsmc_msg *m, void *body)
{
	struct dsmc_wire_lock_fwd *w = body;

	w->lock = htole32(m->mgr.id);
	w->requester = htole32(m->mgr.requester);
	w->cookie = htole64(m->mgr.cookie);
}

const char *dsmc_dec_lock_fwd(const void *body, uint32_t len,
			      struct dsmc_msg *m)
{
	const struct dsmc_wire_lock_fwd *w = body;

	(void)len;
	m->mgr.id = le32toh(w->lock);
	m->mgr.requester = le32toh(w->requester);
	m->mgr.cookie = le64toh(w->cookie);
	if (m->mgr.requester >= DSM_NODES_MAX)
		return "bad requester node id";
	if (!m->mgr.len)
		return "lock forward without a LOCK_REQ";
	return NULL;
}

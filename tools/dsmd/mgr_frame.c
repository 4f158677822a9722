// SPDX-License-Identifier: GPL-2.0
/*
 * mgr_frame.c - a peer's manager frame, decoded by the codec (proto.c),
 * given to the managers (mgr.h): what dsmd does with every MGR_REQ,
 * MGR_REPLY, LOCK_FWD and LOCK_HANDOVER a peer sends (mgrnl.c), and what
 * the managers' fuzz target (fuzz/fuzz_mgr.c) does with its hostile ones.
 */
#include "mgr.h"
#include "proto.h"

void mgr_peer_frame(struct mgr *mg, int from, const struct dsmc_msg *m)
{
	struct mgr_req r = { .op = m->mgr.op, .flags = m->mgr.flags,
			     .cookie = m->mgr.cookie, .frag = m->mgr.frag,
			     .epoch = m->mgr.epoch,
			     .payload = m->mgr.payload, .len = m->mgr.len };

	switch (m->type) {
	case DSMC_MGR_REQ:
		if (mgr_op_is_lock(r.op)) {
			r.has_lock = true;
			r.lock_id = m->mgr.id;
		} else {
			r.has_barrier = true;
			r.barrier_id = m->mgr.id;
		}
		mgr_peer_request(mg, from, &r);
		break;
	case DSMC_MGR_REPLY:
		mgr_peer_reply(mg, from, m->mgr.cookie, m->mgr.error,
			       m->mgr.flags, m->mgr.payload, m->mgr.len,
			       m->mgr.epoch);
		break;
	case DSMC_LOCK_FWD:
		mgr_peer_forward(mg, from, m->mgr.id, m->mgr.requester,
				 m->mgr.cookie, m->mgr.payload, m->mgr.len,
				 m->mgr.epoch);
		break;
	case DSMC_LOCK_HANDOVER:
		mgr_peer_handover(mg, from, &m->ho);
		break;
	}
}

// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_wire_rejoin.c - the bodies of LRC_REJOIN and LRC_REJOIN_ACK (wire
 * version 13): a node whose earlier incarnation its peers declared lost,
 * once it joined lrc again at a collecting barrier, tells every member
 * the interval index its new incarnation continues from; each member
 * answers with the ack, echoing it, or a NACK (issue 16 item 4,
 * Documentation/protocol.md). Decoded as hostile input, as the rest of
 * dsm_wire.c.
 */
#include "dsm_wire.h"

/**
 * dsm_wire_rd_rejoin() - check and decode the body of LRC_REJOIN or
 * LRC_REJOIN_ACK.
 * @p:		the body, after the header.
 * @left:	its bytes, at least the type's fixed part (the header check).
 * @m:		the message, its header decoded; out: its body.
 * @used:	out: bytes of the body taken (the caller refuses any left).
 *
 * Both: any floor (0 included), reserved zero, nothing after the body.
 * Whether the sender is a rejoined node, and an ack answers a rejoin in
 * flight with its floor, is the receiver's to judge.
 *
 * Return: DSM_WIRE_OK or the reason.
 */
enum dsm_wire_reject dsm_wire_rd_rejoin(const u8 *p, u32 left,
					struct dsm_msg *m, u32 *used)
{
	struct dsm_wire_rejoin w;

	*used = 0;
	if (left < sizeof(w))		/* the header check saw to it */
		return DSM_WIRE_R_BODY_LEN;
	memcpy(&w, p, sizeof(w));
	*used = sizeof(w);
	m->u.rejoin.floor = le32_to_cpu(w.floor);
	if (le32_to_cpu(w.reserved))
		return DSM_WIRE_R_RESERVED;
	return DSM_WIRE_OK;
}

/**
 * dsm_wire_enc_rejoin() - body of LRC_REJOIN or LRC_REJOIN_ACK (the
 * encoder's type; any other is an error).
 * @e:		the encoder (an ack's header req_id: the LRC_REJOIN's).
 * @floor:	the last interval index of the rejoined node's earlier
 *		incarnation, any value; an ack echoes the LRC_REJOIN's.
 */
void dsm_wire_enc_rejoin(struct dsm_wire_enc *e, u32 floor)
{
	struct dsm_wire_rejoin w;

	if (e->type != DSM_MSG_LRC_REJOIN &&
	    e->type != DSM_MSG_LRC_REJOIN_ACK) {
		if (!e->err)
			e->err = -EINVAL;
		return;
	}
	memset(&w, 0, sizeof(w));
	w.floor = cpu_to_le32(floor);
	dsm_wire_enc_raw_body(e, e->type, &w, sizeof(w), 0);
}

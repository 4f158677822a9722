// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_wire_shadow.c - the bodies of SHADOW_PUSH and SHADOW_ACK (wire
 * version 9): msync pushes an owner's page, with its version tag, to a
 * shadow holder, so that the page survives its owner; and of SHADOW_DROP
 * (version 12): a home tells a node its shadow of a page is useless now
 * (issue 15 item 3, Documentation/protocol.md). Decoded as hostile
 * input, as the rest of dsm_wire.c.
 */
#include "dsm_wire.h"

/**
 * dsm_wire_rd_shadow() - check and decode the body of SHADOW_PUSH,
 * SHADOW_ACK or SHADOW_DROP.
 * @p:		the body, after the header.
 * @left:	its bytes, at least the type's fixed part (the header check).
 * @m:		the message, its header decoded; out: its body.
 * @used:	out: bytes of the body taken (the caller refuses any left).
 *
 * All: a page below DSM_MAX_PAGES, any version, reserved zero. PUSH and
 * ACK: any sync count (a push of an owner's page counts at least 1; a
 * copy, from version 11, goes with its own tag, which may count 0);
 * DROP: sync 0 (it names a version, not a tag). PUSH: then exactly
 * DSM_PAGE_SIZE bytes of page data (@m's data points at them). ACK,
 * DROP: no data (@m's data is NULL).
 * Whether the sender may push the page, and an ack answers a push in
 * flight, is the receiver's to judge.
 *
 * Return: DSM_WIRE_OK or the reason.
 */
enum dsm_wire_reject dsm_wire_rd_shadow(const u8 *p, u32 left,
					struct dsm_msg *m, u32 *used)
{
	struct dsm_msg_shadow *b = &m->u.shadow;
	struct dsm_wire_shadow w;

	memcpy(&w, p, sizeof(w));	/* the header check saw the room */
	*used = sizeof(w);
	b->page = le64_to_cpu(w.page);
	b->ver = le32_to_cpu(w.ver);
	b->sync = le16_to_cpu(w.sync);
	b->data = NULL;
	if (le16_to_cpu(w.reserved))
		return DSM_WIRE_R_RESERVED;
	if (b->page >= DSM_MAX_PAGES)
		return DSM_WIRE_R_PAGE;
	if (m->hdr.type == DSM_MSG_SHADOW_DROP)
		return b->sync ? DSM_WIRE_R_FIELD : DSM_WIRE_OK;
	if (m->hdr.type == DSM_MSG_SHADOW_ACK)
		return DSM_WIRE_OK;
	if (left - sizeof(w) < DSM_PAGE_SIZE)
		return DSM_WIRE_R_BODY_LEN;
	b->data = p + sizeof(w);
	*used += DSM_PAGE_SIZE;
	return DSM_WIRE_OK;
}

/**
 * dsm_wire_enc_shadow() - body of SHADOW_PUSH, SHADOW_ACK or SHADOW_DROP.
 * @e:		the encoder.
 * @type:	DSM_MSG_SHADOW_PUSH, _ACK or _DROP, the encoder's.
 * @b:		the body. PUSH: the DSM_PAGE_SIZE bytes
 *		at @b->data are copied in (msync is not a hot path); a NULL
 *		@b->data is an error. ACK, DROP: @b->data is not read (a
 *		DROP's @b->sync must be 0: the decoder run by
 *		dsm_wire_enc_end() refuses anything else).
 */
void dsm_wire_enc_shadow(struct dsm_wire_enc *e, u8 type,
			 const struct dsm_msg_shadow *b)
{
	struct dsm_wire_shadow w;

	if (type != DSM_MSG_SHADOW_PUSH && type != DSM_MSG_SHADOW_ACK &&
	    type != DSM_MSG_SHADOW_DROP) {
		if (!e->err)
			e->err = -EINVAL;
		return;
	}
	memset(&w, 0, sizeof(w));
	w.page = cpu_to_le64(b->page);
	w.ver = cpu_to_le32(b->ver);
	w.sync = cpu_to_le16(b->sync);
	if (!dsm_wire_enc_raw_body(e, type, &w, sizeof(w), 0))
		return;
	if (type == DSM_MSG_SHADOW_PUSH)
		dsm_wire_enc_raw_bytes(e, b->data, DSM_PAGE_SIZE);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_wire_enc.c - the encoder of dsm messages.
 *
 * A message is built in place in the caller's buffer: the header, one
 * body, the entries of its list if the type has one. Errors are sticky and
 * reported once, by dsm_wire_enc_end(), which also runs the decoder over
 * the result so that nothing leaves this node that a peer would refuse.
 */
#include "dsm_wire.h"
#include "dsm_wire_wr.h"

/**
 * dsm_wire_enc_begin() - start encoding a message into @buf.
 * @e:		the encoder.
 * @buf:	output buffer.
 * @size:	its size; DSM_WIRE_MAX_MSG always suffices.
 * @h:		the header: @h->version (the link's), type, src,
 *		dst, req_id, epoch (<= DSM_HOME_EPOCH_MAX), and in
 *		@h->flags DSM_WIRE_F_MORE for a LOCK_GRANT or
 *		IV_REPLY that more follow (other flags are ignored: REPLY and the
 *		length are filled in).
 *
 * Then call the body function of the type, then the entry function for
 * each list entry if the type has a list, then dsm_wire_enc_end(). Errors
 * are sticky and reported by dsm_wire_enc_end().
 */
void dsm_wire_enc_begin(struct dsm_wire_enc *e, void *buf, u32 size,
			const struct dsm_msg_hdr *h)
{
	struct dsm_wire_hdr w;

	memset(e, 0, sizeof(*e));
	e->buf = buf;
	e->size = size > DSM_WIRE_MAX_MSG ? DSM_WIRE_MAX_MSG : size;
	e->type = h->type;
	if (!dsm_wire_type_ok(h->type)) {
		e->err = -EINVAL;
		return;
	}
	memset(&w, 0, sizeof(w));
	w.magic = cpu_to_le32(DSM_WIRE_MAGIC);
	w.version = cpu_to_le16(h->version);
	w.type = h->type;
	w.flags = dsm_wire_type_is_reply(h->type) ? DSM_WIRE_F_REPLY : 0;
	w.flags |= h->flags & DSM_WIRE_F_MORE;
	w.src = cpu_to_le16(h->src);
	w.dst = cpu_to_le16(h->dst);
	w.req_id = cpu_to_le64(h->req_id);
	w.epoch = cpu_to_le64(h->epoch);
	dsm_enc_put(e, &w, sizeof(w));
}

/**
 * dsm_wire_enc_page_req() - body of PAGE_REQ.
 * @e:	the encoder.
 * @b:	the body.
 */
void dsm_wire_enc_page_req(struct dsm_wire_enc *e,
			   const struct dsm_msg_page_req *b)
{
	struct dsm_wire_page_req w;

	if (!dsm_enc_body(e, DSM_MSG_PAGE_REQ, DSM_MSG_PAGE_REQ))
		return;
	memset(&w, 0, sizeof(w));
	w.page = cpu_to_le64(b->page);
	w.access = b->access;
	w.flags = b->flags;
	dsm_enc_put(e, &w, sizeof(w));
}

/**
 * dsm_wire_enc_page_fwd() - body of PAGE_FWD.
 * @e:	the encoder.
 * @b:	the body: the forwarded request, its requester and request id.
 */
void dsm_wire_enc_page_fwd(struct dsm_wire_enc *e,
			   const struct dsm_msg_page_fwd *b)
{
	struct dsm_wire_page_fwd w;

	if (!dsm_enc_body(e, DSM_MSG_PAGE_FWD, DSM_MSG_PAGE_FWD))
		return;
	memset(&w, 0, sizeof(w));
	w.page = cpu_to_le64(b->page);
	w.access = b->access;
	w.flags = b->flags;
	w.requester = cpu_to_le16(b->requester);
	w.ver = cpu_to_le32(b->ver);
	w.req_id = cpu_to_le64(b->req_id);
	dsm_enc_put(e, &w, sizeof(w));
}

/**
 * dsm_wire_enc_page_grant() - body of PAGE_GRANT.
 * @e:	the encoder.
 * @b:	the body; DSM_PAGE_SIZE bytes are copied from @b->data, or, if it
 *	is NULL, none are and DSM_GRANT_F_NO_DATA is set (which
 *	DSM_GRANT_F_SHADOW in @b->flags needs).
 */
void dsm_wire_enc_page_grant(struct dsm_wire_enc *e,
			     const struct dsm_msg_page_grant *b)
{
	struct dsm_wire_page_grant w;

	if (!dsm_enc_body(e, DSM_MSG_PAGE_GRANT, DSM_MSG_PAGE_GRANT))
		return;
	memset(&w, 0, sizeof(w));
	w.page = cpu_to_le64(b->page);
	w.access = b->access;
	w.flags = b->flags & ~DSM_GRANT_F_NO_DATA;
	if (!b->data)
		w.flags |= DSM_GRANT_F_NO_DATA;
	w.owner = cpu_to_le16(b->owner);
	w.ver = cpu_to_le32(b->ver);
	w.copyset = cpu_to_le64(b->copyset);
	dsm_enc_put(e, &w, sizeof(w));
	if (b->data)
		dsm_enc_put(e, b->data, DSM_PAGE_SIZE);
}

/**
 * dsm_wire_enc_page_grant_ext() - body of PAGE_GRANT with data, without
 * the data.
 * @e:	the encoder.
 * @b:	the body; @b->data is not read.
 *
 * The message announces DSM_PAGE_SIZE bytes of page data (no
 * DSM_GRANT_F_NO_DATA), but only its header and fixed body go in the
 * buffer: the sender sends the page right after them from where it is, so
 * that the bytes on the wire are those dsm_wire_enc_page_grant() would
 * have built with the page copied in. dsm_wire_enc_end() then returns the
 * bytes in the buffer; the message is DSM_PAGE_SIZE bytes longer.
 */
void dsm_wire_enc_page_grant_ext(struct dsm_wire_enc *e,
				 const struct dsm_msg_page_grant *b)
{
	struct dsm_msg_page_grant nd = *b;

	nd.data = NULL;
	nd.flags = b->flags & ~DSM_GRANT_F_NO_DATA;
	dsm_wire_enc_page_grant(e, &nd);
	if (e->err)
		return;
	/* Written with NO_DATA for an empty data pointer: announce it. */
	e->buf[e->pos - sizeof(struct dsm_wire_page_grant) +
	       offsetof(struct dsm_wire_page_grant, flags)] = nd.flags;
	e->ext = DSM_PAGE_SIZE;
}

/**
 * dsm_wire_enc_inval() - body of INVAL.
 * @e:	the encoder.
 * @b:	the body.
 */
void dsm_wire_enc_inval(struct dsm_wire_enc *e, const struct dsm_msg_inval *b)
{
	struct dsm_wire_inval w;

	if (!dsm_enc_body(e, DSM_MSG_INVAL, DSM_MSG_INVAL))
		return;
	memset(&w, 0, sizeof(w));
	w.page = cpu_to_le64(b->page);
	w.new_owner = cpu_to_le16(b->new_owner);
	dsm_enc_put(e, &w, sizeof(w));
}

/**
 * dsm_wire_enc_inval_ack() - body of INVAL_ACK.
 * @e:	the encoder.
 * @b:	the body.
 */
void dsm_wire_enc_inval_ack(struct dsm_wire_enc *e,
			    const struct dsm_msg_inval_ack *b)
{
	struct dsm_wire_inval_ack w;

	if (!dsm_enc_body(e, DSM_MSG_INVAL_ACK, DSM_MSG_INVAL_ACK))
		return;
	memset(&w, 0, sizeof(w));
	w.page = cpu_to_le64(b->page);
	dsm_enc_put(e, &w, sizeof(w));
}

/**
 * dsm_wire_enc_confirm() - body of CONFIRM.
 * @e:	the encoder.
 * @b:	the body.
 */
void dsm_wire_enc_confirm(struct dsm_wire_enc *e,
			  const struct dsm_msg_confirm *b)
{
	struct dsm_wire_confirm w;

	if (!dsm_enc_body(e, DSM_MSG_CONFIRM, DSM_MSG_CONFIRM))
		return;
	memset(&w, 0, sizeof(w));
	w.page = cpu_to_le64(b->page);
	w.access = b->access;
	dsm_enc_put(e, &w, sizeof(w));
}

/**
 * dsm_wire_enc_nack() - body of NACK.
 * @e:	the encoder.
 * @b:	the body; @b->error is a positive errno.
 */
void dsm_wire_enc_nack(struct dsm_wire_enc *e, const struct dsm_msg_nack *b)
{
	struct dsm_wire_nack w;

	if (!dsm_enc_body(e, DSM_MSG_NACK, DSM_MSG_NACK))
		return;
	memset(&w, 0, sizeof(w));
	w.error = cpu_to_le32(b->error);
	w.nacked_type = b->nacked_type;
	w.arg = cpu_to_le64(b->arg);
	dsm_enc_put(e, &w, sizeof(w));
}

/**
 * dsm_wire_enc_lock_req() - body of LOCK_REQ.
 * @e:	the encoder.
 * @b:	the body; the acquirer's timestamp (@b->vt.n 1 .. DSM_MAX_NODES) is
 *	sent with its significant width, dsm_vt_width().
 */
void dsm_wire_enc_lock_req(struct dsm_wire_enc *e,
			   const struct dsm_msg_lock_req *b)
{
	struct dsm_wire_lock_req w;
	u32 n = dsm_vt_width(&b->vt);

	if (!dsm_enc_body(e, DSM_MSG_LOCK_REQ, DSM_MSG_LOCK_REQ))
		return;
	memset(&w, 0, sizeof(w));
	w.lock_id = cpu_to_le32(b->lock_id);
	w.requester = cpu_to_le16(b->requester);
	w.nr_nodes = cpu_to_le16(n);
	w.req_id = cpu_to_le64(b->req_id);
	w.region = cpu_to_le32(b->region);
	dsm_enc_put(e, &w, sizeof(w));
	if (!b->vt.n || b->vt.n > DSM_MAX_NODES)
		dsm_enc_fail(e, -EINVAL);
	else
		dsm_enc_vt(e, &b->vt, n);
}

/**
 * dsm_wire_enc_home_xfer_ack() - body of HOME_XFER_ACK.
 * @e:	the encoder.
 * @b:	the body.
 */
static void dsm_wire_enc_home_xfer_ack(struct dsm_wire_enc *e,
				       const struct dsm_msg_home_xfer_ack *b)
{
	struct dsm_wire_home_xfer_ack w;

	if (!dsm_enc_body(e, DSM_MSG_HOME_XFER_ACK, DSM_MSG_HOME_XFER_ACK))
		return;
	memset(&w, 0, sizeof(w));
	w.epoch = cpu_to_le64(b->epoch);
	w.nr_entries = cpu_to_le16(b->nr_entries);
	w.flags = b->flags;
	w.error = cpu_to_le32(b->error);
	dsm_enc_put(e, &w, sizeof(w));
}

/**
 * dsm_wire_enc_home_xfer() - body of HOME_XFER; opens the list of entries.
 * @e:		the encoder.
 * @epoch:	the home table that moved the buckets.
 * @flags:	DSM_XFER_F_LAST in the last message of the transfer.
 */
void dsm_wire_enc_home_xfer(struct dsm_wire_enc *e, u64 epoch, u8 flags)
{
	struct dsm_wire_home_xfer w;

	if (!dsm_enc_body(e, DSM_MSG_HOME_XFER, DSM_MSG_HOME_XFER))
		return;
	memset(&w, 0, sizeof(w));
	w.epoch = cpu_to_le64(epoch);
	w.flags = flags;
	dsm_enc_put(e, &w, sizeof(w));
	dsm_enc_open_list(e, DSM_ENC_LIST_XFER, 8);
}

/**
 * dsm_wire_enc_xfer_entry() - append a page's directory entry.
 * @e:		the encoder, after dsm_wire_enc_home_xfer().
 * @ent:	the entry; entries go in ascending page order.
 */
void dsm_wire_enc_xfer_entry(struct dsm_wire_enc *e,
			     const struct dsm_xfer_entry *ent)
{
	struct dsm_wire_xfer_entry w;

	if (!dsm_enc_entry(e, DSM_ENC_LIST_XFER, DSM_WIRE_MAX_XFER))
		return;
	memset(&w, 0, sizeof(w));
	w.page = cpu_to_le64(ent->page);
	w.copyset = cpu_to_le64(ent->copyset);
	w.owner = cpu_to_le16(ent->owner);
	w.flags = ent->flags;
	w.ver = cpu_to_le32(ent->ver);
	dsm_enc_put(e, &w, sizeof(w));
}

/**
 * dsm_wire_enc_raw_body() - a body built by its type's own file.
 * @e:		the encoder, of type @type.
 * @type:	the message type.
 * @w:		the body's fixed part, wire order.
 * @n:		its bytes.
 * @count_off:	0: no list follows; else the le16 count of the list that
 *		follows is @count_off bytes back from the fixed part's end.
 *
 * Return: whether to go on.
 */
bool dsm_wire_enc_raw_body(struct dsm_wire_enc *e, u8 type, const void *w,
			   u32 n, u32 count_off)
{
	if (!dsm_enc_body(e, type, type))
		return false;
	dsm_enc_put(e, w, n);
	if (count_off)
		dsm_enc_open_list(e, DSM_ENC_LIST_RAW, count_off);
	return !e->err;
}

/* One entry (@n bytes at @w) of the list dsm_wire_enc_raw_body() opened. */
void dsm_wire_enc_raw_entry(struct dsm_wire_enc *e, u32 max, const void *w,
			    u32 n)
{
	if (dsm_enc_entry(e, DSM_ENC_LIST_RAW, max))
		dsm_enc_put(e, w, n);
}

/* @n bytes at @src after a body (a page); -EINVAL if @src is NULL. */
void dsm_wire_enc_raw_bytes(struct dsm_wire_enc *e, const void *src, u32 n)
{
	if (!src)
		dsm_enc_fail(e, -EINVAL);
	else
		dsm_enc_put(e, src, n);
}

/**
 * dsm_wire_enc_fixed() - body of any message whose body has no lists.
 * @e:	the encoder.
 * @m:	a message of one of the types PAGE_REQ, PAGE_FWD, PAGE_GRANT,
 *	INVAL, INVAL_ACK, CONFIRM, NACK, LOCK_REQ, HOME_XFER_ACK,
 *	DIFF_BACKUP_ACK, DIR_QUERY, SHADOW_PUSH, SHADOW_ACK, SHADOW_DROP,
 *	LRC_REJOIN, LRC_REJOIN_ACK; its header must be the one given to
 *	dsm_wire_enc_begin().
 *
 * Return: 0, or -EINVAL for a type whose body carries lists (intervals,
 * wants, diffs): those are built entry by entry by their own functions.
 */
int dsm_wire_enc_fixed(struct dsm_wire_enc *e, const struct dsm_msg *m)
{
	switch (m->hdr.type) {
	case DSM_MSG_PAGE_REQ:
		dsm_wire_enc_page_req(e, &m->u.page_req);
		return 0;
	case DSM_MSG_PAGE_FWD:
		dsm_wire_enc_page_fwd(e, &m->u.page_fwd);
		return 0;
	case DSM_MSG_PAGE_GRANT:
		dsm_wire_enc_page_grant(e, &m->u.page_grant);
		return 0;
	case DSM_MSG_INVAL:
		dsm_wire_enc_inval(e, &m->u.inval);
		return 0;
	case DSM_MSG_INVAL_ACK:
		dsm_wire_enc_inval_ack(e, &m->u.inval_ack);
		return 0;
	case DSM_MSG_CONFIRM:
		dsm_wire_enc_confirm(e, &m->u.confirm);
		return 0;
	case DSM_MSG_NACK:
		dsm_wire_enc_nack(e, &m->u.nack);
		return 0;
	case DSM_MSG_LOCK_REQ:
		dsm_wire_enc_lock_req(e, &m->u.lock_req);
		return 0;
	case DSM_MSG_HOME_XFER_ACK:
		dsm_wire_enc_home_xfer_ack(e, &m->u.home_xfer_ack);
		return 0;
	case DSM_MSG_DIFF_BACKUP_ACK:
		dsm_wire_enc_backup_ack(e, m->u.diff_backup.interval,
					m->u.diff_backup.nr_diffs);
		return 0;
	case DSM_MSG_DIR_QUERY:
		dsm_wire_enc_dir_query(e, &m->u.dir_query);
		return 0;
	case DSM_MSG_SHADOW_PUSH:
	case DSM_MSG_SHADOW_ACK:
	case DSM_MSG_SHADOW_DROP:
		dsm_wire_enc_shadow(e, m->hdr.type, &m->u.shadow);
		return 0;
	case DSM_MSG_LRC_REJOIN:
	case DSM_MSG_LRC_REJOIN_ACK:
		dsm_wire_enc_rejoin(e, m->u.rejoin.floor);
		return 0;
	default:
		return -EINVAL;
	}
}

/*
 * dsm_wire_enc_end() of a grant whose page is not in the buffer: the
 * length is the whole message's, and dsm_wire_decode_ext() checks the
 * header and body (the data itself is never checked).
 */
static int dsm_enc_end_ext(struct dsm_wire_enc *e)
{
	struct dsm_msg m;
	__le32 len;

	if (e->type != DSM_MSG_PAGE_GRANT || e->ext != DSM_PAGE_SIZE)
		return -EINVAL;
	len = cpu_to_le32(e->pos + e->ext);
	memcpy(e->buf + offsetof(struct dsm_wire_hdr, len), &len, sizeof(len));
	if (dsm_wire_decode_ext(e->buf, e->pos, NULL, &m, NULL))
		return -EINVAL;
	return e->pos;
}

/**
 * dsm_wire_enc_end() - finish a message.
 * @e:	the encoder.
 *
 * Fills in the length and the list count, then decodes the result: a
 * message this returns is one dsm_wire_decode() accepts.
 *
 * Return: the message length (for dsm_wire_enc_page_grant_ext(): the
 * bytes in the buffer, DSM_PAGE_SIZE less); -ENOSPC if the buffer was too
 * small; -EINVAL if the calls were out of order, a value was out of range,
 * or the message would be rejected by the decoder.
 */
int dsm_wire_enc_end(struct dsm_wire_enc *e)
{
	struct dsm_msg m;
	__le32 len;
	__le16 count;

	if (e->err)
		return e->err;
	if (!e->body)
		return -EINVAL;
	if (e->ext)
		return dsm_enc_end_ext(e);
	len = cpu_to_le32(e->pos);
	memcpy(e->buf + offsetof(struct dsm_wire_hdr, len), &len, sizeof(len));
	if (e->list != DSM_ENC_LIST_NONE) {
		count = cpu_to_le16(e->count);
		memcpy(e->buf + e->count_pos, &count, sizeof(count));
	}
	if (dsm_wire_decode(e->buf, e->pos, &m, NULL))
		return -EINVAL;
	return e->pos;
}

/**
 * dsm_wire_page_head() - where a received message's page begins.
 * @hdr:	its header, accepted by dsm_wire_peek().
 * @msg_len:	the length dsm_wire_peek() returned.
 *
 * A message whose last DSM_PAGE_SIZE bytes are a whole page (a PAGE_GRANT
 * with data) can be received in two pieces: its head into a buffer, the
 * page straight into a page (dsm_wire_decode_ext()).
 *
 * Return: the bytes of its head (header and fixed body), or 0 if the
 * message carries no page.
 */
u32 dsm_wire_page_head(const void *hdr, u32 msg_len)
{
	const u32 head = DSM_WIRE_HDR_SIZE + sizeof(struct dsm_wire_page_grant);
	u8 type = ((const u8 *)hdr)[offsetof(struct dsm_wire_hdr, type)];

	return type == DSM_MSG_PAGE_GRANT && msg_len == head + DSM_PAGE_SIZE ?
	       head : 0;
}

/**
 * dsm_msg_interval_copy() - turn a decoded record into a struct dsm_interval.
 * @iv:		the decoded record.
 * @out:	out: the record, with @out->notices == @notices.
 * @notices:	caller storage for @iv->nr_notices page numbers.
 */
void dsm_msg_interval_copy(const struct dsm_msg_interval *iv,
			   struct dsm_interval *out, u64 *notices)
{
	u32 i;

	out->creator = iv->creator;
	out->nr_notices = iv->nr_notices;
	out->index = iv->index;
	out->vt = iv->vt;
	for (i = 0; i < iv->nr_notices; i++)
		notices[i] = dsm_msg_notice(iv, i);
	out->notices = notices;
}

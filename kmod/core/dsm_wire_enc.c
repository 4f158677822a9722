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

enum {
	DSM_ENC_LIST_NONE,
	DSM_ENC_LIST_INTERVALS,
	DSM_ENC_LIST_WANTS,
	DSM_ENC_LIST_DIFFS,
	DSM_ENC_LIST_BACKUP,
	DSM_ENC_LIST_XFER,
	DSM_ENC_LIST_RAW,
};

static void dsm_enc_put(struct dsm_wire_enc *e, const void *src, u32 n)
{
	if (e->err)
		return;
	if (e->size - e->pos < n) {
		e->err = -ENOSPC;
		return;
	}
	memcpy(e->buf + e->pos, src, n);
	e->pos += n;
}

static void dsm_enc_zero(struct dsm_wire_enc *e, u32 n)
{
	if (e->err)
		return;
	if (e->size - e->pos < n) {
		e->err = -ENOSPC;
		return;
	}
	memset(e->buf + e->pos, 0, n);
	e->pos += n;
}

static void dsm_enc_vt(struct dsm_wire_enc *e, const struct dsm_vt *vt,
		       u32 n)
{
	__le32 v;
	u32 i;

	for (i = 0; i < n; i++) {
		v = cpu_to_le32(dsm_vt_get(vt, i));
		dsm_enc_put(e, &v, sizeof(v));
	}
	if (n & 1)
		dsm_enc_zero(e, 4);
}

/*
 * Start the body of type @t1 (or @t2); at most one body per message.
 * Return: whether to go on.
 */
static bool dsm_enc_body(struct dsm_wire_enc *e, u8 t1, u8 t2)
{
	if (e->err)
		return false;
	if (e->body || (e->type != t1 && e->type != t2)) {
		e->err = -EINVAL;
		return false;
	}
	e->body = true;
	return true;
}

static void dsm_enc_fail(struct dsm_wire_enc *e, int err)
{
	if (!e->err)
		e->err = err;
}

/*
 * Open a list of kind @list whose le16 count is @off bytes back from the
 * current end.
 */
static void dsm_enc_open_list(struct dsm_wire_enc *e, u8 list, u32 off)
{
	if (e->err)
		return;
	e->list = list;
	e->count_pos = e->pos - off;
	e->count = 0;
}

/* Whether one more entry may be added to an open list of kind @list. */
static bool dsm_enc_entry(struct dsm_wire_enc *e, u8 list, u32 max)
{
	if (e->err)
		return false;
	if (e->list != list || e->count >= max) {
		e->err = -EINVAL;
		return false;
	}
	e->count++;
	return true;
}

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

/*
 * Interval set header and the sender's timestamp; opens the list. The
 * set's width, that of every timestamp in it, is the significant width of
 * the sender's: the records it dominates have none wider.
 */
static void dsm_enc_ivset(struct dsm_wire_enc *e, const struct dsm_vt *vt)
{
	struct dsm_wire_ivset w;
	u32 n = dsm_vt_width(vt);

	if (!vt->n || vt->n > DSM_MAX_NODES) {
		dsm_enc_fail(e, -EINVAL);
		return;
	}
	memset(&w, 0, sizeof(w));
	w.nr_nodes = cpu_to_le16(n);
	dsm_enc_put(e, &w, sizeof(w));
	dsm_enc_open_list(e, DSM_ENC_LIST_INTERVALS, 6);
	e->nr_nodes = n;
	dsm_enc_vt(e, vt, n);
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

/**
 * dsm_wire_enc_lock_grant() - body of LOCK_GRANT, IV_REQ or IV_REPLY (the
 * encoder's type); opens the interval list (an IV_REQ adds none).
 * @e:		the encoder.
 * @region:	the lock's namespace (DSM_WIRE_REGION_MAX).
 * @lock_id:	the lock.
 * @vt:		the granter's timestamp; it must dominate every interval
 *		added with dsm_wire_enc_interval(). Sent, and every record
 *		with it, at its significant width (dsm_vt_width()).
 */
void dsm_wire_enc_lock_grant(struct dsm_wire_enc *e, u32 region, u32 lock_id,
			     const struct dsm_vt *vt)
{
	struct dsm_wire_lock_grant w;
	bool iv = e->type == DSM_MSG_IV_REQ || e->type == DSM_MSG_IV_REPLY;

	if (!dsm_enc_body(e, iv ? DSM_MSG_IV_REQ : DSM_MSG_LOCK_GRANT,
			  iv ? DSM_MSG_IV_REPLY : DSM_MSG_LOCK_GRANT))
		return;
	memset(&w, 0, sizeof(w));
	w.lock_id = cpu_to_le32(lock_id);
	w.region = cpu_to_le32(region);
	dsm_enc_put(e, &w, sizeof(w));
	dsm_enc_ivset(e, vt);
}

/**
 * dsm_wire_enc_barrier() - body of BARRIER_ARRIVE or BARRIER_RELEASE;
 * opens the interval list.
 * @e:		the encoder.
 * @region:	the barrier's namespace (DSM_WIRE_REGION_MAX).
 * @barrier_id:	the barrier.
 * @epoch:	how many times the barrier has completed before this one.
 * @vt:		the sender's timestamp, as for dsm_wire_enc_lock_grant().
 */
void dsm_wire_enc_barrier(struct dsm_wire_enc *e, u32 region, u32 barrier_id,
			  u32 epoch, const struct dsm_vt *vt)
{
	struct dsm_wire_barrier w;

	if (!dsm_enc_body(e, DSM_MSG_BARRIER_ARRIVE, DSM_MSG_BARRIER_RELEASE))
		return;
	memset(&w, 0, sizeof(w));
	w.region = cpu_to_le32(region);
	w.barrier_id = cpu_to_le32(barrier_id);
	w.epoch = cpu_to_le32(epoch);
	dsm_enc_put(e, &w, sizeof(w));
	dsm_enc_ivset(e, vt);
}

/**
 * dsm_wire_enc_interval() - append an interval record to the open list.
 * @e:	the encoder, after dsm_wire_enc_lock_grant() or _barrier().
 * @iv:	the record; records go in ascending (creator, index) order. Its
 *	timestamp is sent at the set's width: -EINVAL if its significant
 *	width is larger (its @iv->vt.n may be, with zeros beyond).
 */
void dsm_wire_enc_interval(struct dsm_wire_enc *e,
			   const struct dsm_interval *iv)
{
	struct dsm_wire_interval w;
	__le64 page;
	u32 i;

	if (!dsm_enc_entry(e, DSM_ENC_LIST_INTERVALS, DSM_WIRE_MAX_INTERVALS))
		return;
	if (iv->vt.n > DSM_MAX_NODES ||
	    dsm_vt_width(&iv->vt) > e->nr_nodes) {
		e->err = -EINVAL;
		return;
	}
	w.creator = cpu_to_le16(iv->creator);
	w.nr_notices = cpu_to_le16(iv->nr_notices);
	w.index = cpu_to_le32(iv->index);
	dsm_enc_put(e, &w, sizeof(w));
	dsm_enc_vt(e, &iv->vt, e->nr_nodes);
	for (i = 0; i < iv->nr_notices; i++) {
		page = cpu_to_le64(iv->notices[i]);
		dsm_enc_put(e, &page, sizeof(page));
	}
}

/**
 * dsm_wire_ivset_fit_len() - the next fragment of an interval set: its end.
 * @type:	DSM_MSG_LOCK_GRANT, DSM_MSG_IV_REPLY, DSM_MSG_BARRIER_ARRIVE
 *		or DSM_MSG_BARRIER_RELEASE: the message carrying the fragment.
 * @nr_nodes:	the set's width: dsm_vt_width() of the timestamp given
 *		to its body function (dsm_wire_enc_lock_grant() or
 *		_barrier()); every record's timestamp is sent with this
 *		width.
 * @ivs:	the records to send, in order.
 * @pos:	the first record of the fragment.
 * @end:	the end of the records, @pos <= @end < 2^31.
 * @budget:	largest message in bytes, header included; more than
 *		DSM_WIRE_MAX_MSG counts as DSM_WIRE_MAX_MSG.
 * @len:	out (if not NULL and the return is >= 0): the fragment's
 *		message length, as dsm_wire_enc_end() returns it; what a
 *		sender allocates (not DSM_WIRE_MAX_MSG: zeroed, 0.6 ms).
 *
 * A long set is sent as several messages. The next one carries records
 * @pos up to the returned end: as many as fit one message of @type within
 * @budget bytes and DSM_WIRE_MAX_INTERVALS records, so that each message
 * is one the encoder builds and a peer accepts.
 *
 * Return: the end of the fragment, > @pos if @pos < @end; @pos if @pos
 * == @end (a message with no records: the encoder says whether it fits
 * @budget); -EMSGSIZE if record @pos alone does not fit; -EINVAL if @type
 * carries no interval set, @nr_nodes is not 1 .. DSM_MAX_NODES, or @pos
 * or @end is out of range.
 */
int dsm_wire_ivset_fit_len(u8 type, u32 nr_nodes,
			   const struct dsm_interval *const *ivs, u32 pos,
			   u32 end, u32 budget, u32 *len)
{
	u64 size = DSM_WIRE_HDR_SIZE + sizeof(struct dsm_wire_ivset) +
		   DSM_WIRE_VT_SIZE(nr_nodes), rec;
	u32 j;

	switch (type) {
	case DSM_MSG_LOCK_GRANT:
	case DSM_MSG_IV_REPLY:
		size += sizeof(struct dsm_wire_lock_grant);
		break;
	case DSM_MSG_BARRIER_ARRIVE:
	case DSM_MSG_BARRIER_RELEASE:
		size += sizeof(struct dsm_wire_barrier);
		break;
	default:
		return -EINVAL;
	}
	if (!nr_nodes || nr_nodes > DSM_MAX_NODES || pos > end ||
	    end >= 1U << 31)
		return -EINVAL;
	if (budget > DSM_WIRE_MAX_MSG)
		budget = DSM_WIRE_MAX_MSG;
	for (j = pos; j < end && j - pos < DSM_WIRE_MAX_INTERVALS; j++) {
		rec = sizeof(struct dsm_wire_interval) +
		      DSM_WIRE_VT_SIZE(nr_nodes) + 8ULL * ivs[j]->nr_notices;
		if (size + rec > budget)
			break;
		size += rec;
	}
	if (j == pos && pos < end)
		return -EMSGSIZE;
	if (len)
		*len = size;
	return j;
}

/**
 * dsm_wire_enc_diff_req() - body of DIFF_REQ; opens the list of wants.
 * @e:		the encoder.
 * @page:	the page whose diffs are wanted.
 */
void dsm_wire_enc_diff_req(struct dsm_wire_enc *e, u64 page)
{
	struct dsm_wire_diff_req w;

	if (!dsm_enc_body(e, DSM_MSG_DIFF_REQ, DSM_MSG_DIFF_REQ))
		return;
	memset(&w, 0, sizeof(w));
	w.page = cpu_to_le64(page);
	dsm_enc_put(e, &w, sizeof(w));
	dsm_enc_open_list(e, DSM_ENC_LIST_WANTS, 8);
}

/**
 * dsm_wire_enc_want() - ask for the diff of interval (@node, @interval).
 * @e:		the encoder, after dsm_wire_enc_diff_req().
 * @node:	creator of the interval.
 * @interval:	its index; wants go in ascending (node, interval) order.
 */
void dsm_wire_enc_want(struct dsm_wire_enc *e, u16 node, u32 interval)
{
	struct dsm_wire_diff_id w;

	if (!dsm_enc_entry(e, DSM_ENC_LIST_WANTS, DSM_WIRE_MAX_DIFFS))
		return;
	memset(&w, 0, sizeof(w));
	w.node = cpu_to_le16(node);
	w.interval = cpu_to_le32(interval);
	dsm_enc_put(e, &w, sizeof(w));
}

/**
 * dsm_wire_enc_diff_reply() - body of DIFF_REPLY; opens the list of diffs.
 * @e:		the encoder.
 * @page:	the page the diffs apply to.
 */
void dsm_wire_enc_diff_reply(struct dsm_wire_enc *e, u64 page)
{
	struct dsm_wire_diff_reply w;

	if (!dsm_enc_body(e, DSM_MSG_DIFF_REPLY, DSM_MSG_DIFF_REPLY))
		return;
	memset(&w, 0, sizeof(w));
	w.page = cpu_to_le64(page);
	dsm_enc_put(e, &w, sizeof(w));
	dsm_enc_open_list(e, DSM_ENC_LIST_DIFFS, 8);
}

/**
 * dsm_wire_enc_diff() - append the diff of interval (@node, @interval).
 * @e:		the encoder, after dsm_wire_enc_diff_reply().
 * @node:	creator of the interval.
 * @interval:	its index; diffs go in ascending (node, interval) order.
 * @diff:	the diff, as made by dsm_diff_create().
 * @len:	its size.
 */
void dsm_wire_enc_diff(struct dsm_wire_enc *e, u16 node, u32 interval,
		       const void *diff, u32 len)
{
	struct dsm_wire_diff_id w;

	if (!dsm_enc_entry(e, DSM_ENC_LIST_DIFFS, DSM_WIRE_MAX_DIFFS))
		return;
	memset(&w, 0, sizeof(w));
	w.node = cpu_to_le16(node);
	w.interval = cpu_to_le32(interval);
	dsm_enc_put(e, &w, sizeof(w));
	dsm_enc_put(e, diff, len);
	dsm_enc_zero(e, -len & 7);
}

/**
 * dsm_wire_enc_diff_backup() - body of DIFF_BACKUP; opens its list.
 * @e:		the encoder (header src: the writer).
 * @interval:	the writer's interval whose diffs follow, >= 1.
 */
void dsm_wire_enc_diff_backup(struct dsm_wire_enc *e, u32 interval)
{
	struct dsm_wire_diff_backup w;

	if (!dsm_enc_body(e, DSM_MSG_DIFF_BACKUP, DSM_MSG_DIFF_BACKUP))
		return;
	memset(&w, 0, sizeof(w));
	w.interval = cpu_to_le32(interval);
	dsm_enc_put(e, &w, sizeof(w));
	dsm_enc_open_list(e, DSM_ENC_LIST_BACKUP, 4);
}

/**
 * dsm_wire_enc_backup_diff() - append the interval's diff of @page.
 * @e:		the encoder, after dsm_wire_enc_diff_backup().
 * @page:	the page; pages go in ascending order.
 * @diff:	the diff, as made by dsm_diff_create().
 * @len:	its size.
 */
void dsm_wire_enc_backup_diff(struct dsm_wire_enc *e, u64 page,
			      const void *diff, u32 len)
{
	__le64 w = cpu_to_le64(page);

	if (!dsm_enc_entry(e, DSM_ENC_LIST_BACKUP, DSM_WIRE_MAX_BACKUP_DIFFS))
		return;
	dsm_enc_put(e, &w, sizeof(w));
	dsm_enc_put(e, diff, len);
	dsm_enc_zero(e, -len & 7);
}

/**
 * dsm_wire_enc_backup_ack() - body of DIFF_BACKUP_ACK.
 * @e:		the encoder (header req_id: the DIFF_BACKUP's).
 * @interval:	the DIFF_BACKUP's interval.
 * @nr_diffs:	the diffs stored.
 */
void dsm_wire_enc_backup_ack(struct dsm_wire_enc *e, u32 interval,
			     u16 nr_diffs)
{
	struct dsm_wire_diff_backup w;

	if (!dsm_enc_body(e, DSM_MSG_DIFF_BACKUP_ACK, DSM_MSG_DIFF_BACKUP_ACK))
		return;
	memset(&w, 0, sizeof(w));
	w.interval = cpu_to_le32(interval);
	w.nr_diffs = cpu_to_le16(nr_diffs);
	dsm_enc_put(e, &w, sizeof(w));
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

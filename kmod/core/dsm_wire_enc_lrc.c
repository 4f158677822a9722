// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_wire_enc_lrc.c - the encoder's bodies and list entries of lrc's
 * messages: LOCK_GRANT, IV_REQ, IV_REPLY and BARRIER_* with their
 * interval sets, the diffs' requests and replies, and the backups'
 * (Documentation/protocol.md, Documentation/lrc.md). dsm_wire_enc.c
 * begins and ends every message.
 */
#include "dsm_wire.h"
#include "dsm_wire_wr.h"

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
 * dsm_wire_enc_diff_backup() - body of DIFF_BACKUP or DIFF_PUSH (the
 * encoder's type); opens its list.
 * @e:		the encoder (header src: the writer).
 * @interval:	the writer's interval whose diffs follow, >= 1.
 */
void dsm_wire_enc_diff_backup(struct dsm_wire_enc *e, u32 interval)
{
	struct dsm_wire_diff_backup w;

	if (!dsm_enc_body(e, DSM_MSG_DIFF_BACKUP, DSM_MSG_DIFF_PUSH))
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

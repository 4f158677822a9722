// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_wire_dir.c - the bodies of DIR_QUERY and DIR_REPLY (wire version
 * 8): the new home of buckets whose old home is lost asks every live
 * member what it has of their pages, to rebuild their directory entries
 * (Documentation/protocol.md, Documentation/sc.md "Re-homing after a
 * failure"). Decoded as hostile input, as the rest of dsm_wire.c.
 */
#include "dsm_wire.h"
#include "dsm_wire_rd.h"

#define DSM_DIR_ENTRY_SIZE	((u32)sizeof(struct dsm_wire_dir_entry))

static_assert(DSM_WIRE_DIR_MAP * 8 >= DSM_HOME_BUCKETS,
	      "a DIR_QUERY's map has a bit for every bucket");
static_assert(DSM_WIRE_DIR_MAP % 8 == 0,
	      "a DIR_QUERY's map is whole 64-bit words");

/**
 * dsm_dir_query_has() - does DIR_QUERY @q ask for bucket @bucket?
 * @q:		the decoded query.
 * @bucket:	a bucket number.
 *
 * Return: true if its bit is set (false for one out of range).
 */
bool dsm_dir_query_has(const struct dsm_msg_dir_query *q, u32 bucket)
{
	return bucket < DSM_HOME_BUCKETS &&
	       (q->buckets[bucket / 8] >> (bucket % 8) & 1);
}

static enum dsm_wire_reject dsm_wire_rd_dir_query(const u8 *p,
						  struct dsm_msg_dir_query *q,
						  u32 *used)
{
	struct dsm_wire_dir_query w;
	bool any = false;
	u32 i;

	memcpy(&w, p, sizeof(w));	/* the header check saw the room */
	*used = sizeof(w);
	q->epoch = le64_to_cpu(w.epoch);
	memcpy(q->buckets, w.buckets, sizeof(q->buckets));
	if (le64_to_cpu(w.reserved))
		return DSM_WIRE_R_RESERVED;
	if (!dsm_wire_home_epoch_ok(q->epoch))
		return DSM_WIRE_R_FIELD;
	for (i = 0; i < DSM_WIRE_DIR_MAP * 8; i++) {
		if (!(q->buckets[i / 8] >> (i % 8) & 1))
			continue;
		if (i >= DSM_HOME_BUCKETS)
			return DSM_WIRE_R_RESERVED;	/* padding bits */
		any = true;
	}
	return any ? DSM_WIRE_OK : DSM_WIRE_R_COUNT;
}

/*
 * Decode entry @p (16 bytes, present) into @ent; check what one can. Its
 * version tag (ver, sync; version 9) may be any value.
 */
static enum dsm_wire_reject dsm_wire_rd_dir_entry(const u8 *p,
						  struct dsm_dir_entry *ent)
{
	struct dsm_wire_dir_entry w;

	memcpy(&w, p, sizeof(w));
	ent->page = le64_to_cpu(w.page);
	ent->access = w.access;
	ent->flags = w.flags;
	ent->sync = le16_to_cpu(w.sync);
	ent->ver = le32_to_cpu(w.ver);
	if (ent->page >= DSM_MAX_PAGES)
		return DSM_WIRE_R_PAGE;
	if (ent->access && ent->access != DSM_ACCESS_READ &&
	    ent->access != DSM_ACCESS_WRITE)
		return DSM_WIRE_R_ACCESS;
	if (ent->flags & ~DSM_DIR_E_HELD)
		return DSM_WIRE_R_FIELD;
	if (!ent->access && !ent->flags)	/* says nothing */
		return DSM_WIRE_R_FIELD;
	return DSM_WIRE_OK;
}

static enum dsm_wire_reject dsm_wire_dir_page(const u8 *p, u64 *page)
{
	struct dsm_dir_entry ent;
	enum dsm_wire_reject why = dsm_wire_rd_dir_entry(p, &ent);

	*page = ent.page;
	return why;
}

static const struct dsm_rd_page_list dsm_wire_dir_list = {
	.max = DSM_WIRE_MAX_DIR,
	.esize = DSM_DIR_ENTRY_SIZE,
	.last = DSM_DIR_F_LAST,
	.rd_page = dsm_wire_dir_page,
};

/**
 * dsm_wire_rd_dir() - check and decode the body of DIR_QUERY or DIR_REPLY.
 * @p:		the body, after the header.
 * @left:	its bytes, at least the type's fixed part (the header check).
 * @m:		the message, its header decoded; out: its body.
 * @used:	out: bytes of the body taken (the caller refuses any left).
 *
 * DIR_QUERY: epoch 1 .. DSM_HOME_EPOCH_MAX, reserved zero, at least one
 * bucket asked and no bit at or above DSM_HOME_BUCKETS. DIR_REPLY: the
 * same epoch range, known flags, at most DSM_WIRE_MAX_DIR entries (none
 * only in the LAST message), each with a page below DSM_MAX_PAGES,
 * strictly ascending, an access of 0, READ or WRITE, known flags, not
 * both empty, any version tag. Whether the answer belongs to a query
 * in flight, and its pages to the buckets asked, is the receiver's to
 * judge (dsm_sc_rehome.c).
 *
 * Return: DSM_WIRE_OK or the reason.
 */
enum dsm_wire_reject dsm_wire_rd_dir(const u8 *p, u32 left,
				     struct dsm_msg *m, u32 *used)
{
	if (m->hdr.type == DSM_MSG_DIR_QUERY)
		return dsm_wire_rd_dir_query(p, &m->u.dir_query, used);
	return dsm_rd_page_list(p, left, &dsm_wire_dir_list,
				&m->u.dir_reply.epoch,
				&m->u.dir_reply.nr_entries,
				&m->u.dir_reply.flags, &m->u.dir_reply.p,
				used);
}

/**
 * dsm_msg_iter_dir() - start walking the entries of a decoded DIR_REPLY.
 * @r:	the decoded message's body.
 * @it:	the cursor to initialise.
 */
void dsm_msg_iter_dir(const struct dsm_msg_dir_reply *r,
		      struct dsm_msg_iter *it)
{
	it->p = r->p;
	it->left = (u32)r->nr_entries * DSM_DIR_ENTRY_SIZE;
	it->nr = r->nr_entries;
	it->nr_nodes = 0;
}

/**
 * dsm_msg_next_dir() - the next entry of a DIR_REPLY.
 * @it:		cursor from dsm_msg_iter_dir().
 * @ent:	out: the entry.
 *
 * Return: false when there are no more.
 */
bool dsm_msg_next_dir(struct dsm_msg_iter *it, struct dsm_dir_entry *ent)
{
	if (!it->nr || it->left < DSM_DIR_ENTRY_SIZE)
		return false;
	dsm_wire_rd_dir_entry(it->p, ent);
	it->p += DSM_DIR_ENTRY_SIZE;
	it->left -= DSM_DIR_ENTRY_SIZE;
	it->nr--;
	return true;
}

/**
 * dsm_wire_enc_dir_query() - body of DIR_QUERY.
 * @e:	the encoder.
 * @q:	the epoch and the buckets asked.
 */
void dsm_wire_enc_dir_query(struct dsm_wire_enc *e,
			    const struct dsm_msg_dir_query *q)
{
	struct dsm_wire_dir_query w;

	memset(&w, 0, sizeof(w));
	w.epoch = cpu_to_le64(q->epoch);
	memcpy(w.buckets, q->buckets, sizeof(w.buckets));
	dsm_wire_enc_raw_body(e, DSM_MSG_DIR_QUERY, &w, sizeof(w), 0);
}

/**
 * dsm_wire_enc_dir_reply() - body of DIR_REPLY; opens the list of entries.
 * @e:		the encoder.
 * @epoch:	the DIR_QUERY's epoch.
 * @flags:	DSM_DIR_F_LAST in the last answer to the query.
 */
void dsm_wire_enc_dir_reply(struct dsm_wire_enc *e, u64 epoch, u8 flags)
{
	struct dsm_wire_dir_reply w;

	memset(&w, 0, sizeof(w));
	w.epoch = cpu_to_le64(epoch);
	w.flags = flags;
	/* nr_entries is 8 bytes back from the fixed part's end */
	dsm_wire_enc_raw_body(e, DSM_MSG_DIR_REPLY, &w, sizeof(w), 8);
}

/**
 * dsm_wire_enc_dir_entry() - append what the sender has of a page.
 * @e:		the encoder, after dsm_wire_enc_dir_reply().
 * @ent:	the entry; entries go in ascending page order.
 */
void dsm_wire_enc_dir_entry(struct dsm_wire_enc *e,
			    const struct dsm_dir_entry *ent)
{
	struct dsm_wire_dir_entry w;

	memset(&w, 0, sizeof(w));
	w.page = cpu_to_le64(ent->page);
	w.access = ent->access;
	w.flags = ent->flags;
	w.sync = cpu_to_le16(ent->sync);
	w.ver = cpu_to_le32(ent->ver);
	dsm_wire_enc_raw_entry(e, DSM_WIRE_MAX_DIR, &w, sizeof(w));
}

// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_wire_xfer.c - the bodies of HOME_XFER and HOME_XFER_ACK (wire
 * version 6): a bucket's old home hands its directory entries to the new
 * home (Documentation/protocol.md, Documentation/sc.md "Moving a
 * bucket"). Decoded as hostile input, as the rest of dsm_wire.c.
 */
#include "dsm_wire.h"
#include "dsm_wire_rd.h"

#define DSM_XFER_ENTRY_SIZE	((u32)sizeof(struct dsm_wire_xfer_entry))

/* Decode entry @p (24 bytes, present) into @ent; check what one can. */
static enum dsm_wire_reject dsm_wire_rd_xfer_entry(const u8 *p,
						   struct dsm_xfer_entry *ent)
{
	struct dsm_wire_xfer_entry w;

	memcpy(&w, p, sizeof(w));
	ent->page = le64_to_cpu(w.page);
	ent->copyset = le64_to_cpu(w.copyset);
	ent->owner = le16_to_cpu(w.owner);
	ent->flags = w.flags;
	ent->ver = le32_to_cpu(w.ver);
	if (w.reserved0)
		return DSM_WIRE_R_RESERVED;
	if (ent->page >= DSM_MAX_PAGES)
		return DSM_WIRE_R_PAGE;
	if (ent->owner >= DSM_MAX_NODES ||
	    (ent->copyset & ~DSM_ALL_NODES) ||
	    (ent->copyset & (1ULL << ent->owner)))
		return DSM_WIRE_R_NODE;
	if ((ent->flags & ~(DSM_XFER_E_LOST | DSM_XFER_E_SHADOW)) ||
	    (ent->flags & DSM_XFER_E_LOST && ent->flags & DSM_XFER_E_SHADOW))
		return DSM_WIRE_R_FIELD;	/* lost: no frame anywhere */
	return DSM_WIRE_OK;
}

static_assert(sizeof(struct dsm_wire_home_xfer) ==
	      sizeof(struct dsm_wire_dir_reply),
	      "HOME_XFER's and DIR_REPLY's heads are one layout");

enum dsm_wire_reject dsm_rd_page_list(const u8 *p, u32 left,
				      const struct dsm_rd_page_list *d,
				      u64 *epoch, u16 *nr, u8 *flags,
				      const u8 **entries, u32 *used)
{
	struct dsm_wire_home_xfer w;	/* DIR_REPLY's head is the same */
	enum dsm_wire_reject why;
	u64 page, prev = 0;
	u32 i;

	memcpy(&w, p, sizeof(w));	/* the header check saw the room */
	*epoch = le64_to_cpu(w.epoch);
	*nr = le16_to_cpu(w.nr_entries);
	*flags = w.flags;
	*entries = p + sizeof(w);
	*used = sizeof(w);
	if (w.reserved0 || le32_to_cpu(w.reserved1))
		return DSM_WIRE_R_RESERVED;
	if (!dsm_wire_home_epoch_ok(*epoch))
		return DSM_WIRE_R_FIELD;
	if (*flags & ~d->last)
		return DSM_WIRE_R_FIELD;
	if (*nr > d->max || (!*nr && !(*flags & d->last)))
		return DSM_WIRE_R_COUNT;
	if (left - sizeof(w) < (u32)*nr * d->esize)
		return DSM_WIRE_R_BODY_LEN;
	for (i = 0; i < *nr; i++) {
		why = d->rd_page(*entries + i * d->esize, &page);
		if (why)
			return why;
		if (i && page <= prev)
			return DSM_WIRE_R_ORDER;
		prev = page;
	}
	*used += (u32)*nr * d->esize;
	return DSM_WIRE_OK;
}

static enum dsm_wire_reject dsm_wire_xfer_page(const u8 *p, u64 *page)
{
	struct dsm_xfer_entry ent;
	enum dsm_wire_reject why = dsm_wire_rd_xfer_entry(p, &ent);

	*page = ent.page;
	return why;
}

static const struct dsm_rd_page_list dsm_wire_xfer_list = {
	.max = DSM_WIRE_MAX_XFER,
	.esize = DSM_XFER_ENTRY_SIZE,
	.last = DSM_XFER_F_LAST,
	.rd_page = dsm_wire_xfer_page,
};

static enum dsm_wire_reject
dsm_wire_rd_home_xfer_ack(const u8 *p, struct dsm_msg_home_xfer_ack *b,
			  u32 *used)
{
	struct dsm_wire_home_xfer_ack w;

	memcpy(&w, p, sizeof(w));	/* the header check saw the room */
	*used = sizeof(w);
	b->epoch = le64_to_cpu(w.epoch);
	b->nr_entries = le16_to_cpu(w.nr_entries);
	b->flags = w.flags;
	b->error = le32_to_cpu(w.error);
	if (w.reserved0)
		return DSM_WIRE_R_RESERVED;
	if (!dsm_wire_home_epoch_ok(b->epoch) ||
	    (b->flags & ~DSM_XFER_F_LAST) || b->error > 4095)
		return DSM_WIRE_R_FIELD;
	if (b->nr_entries > DSM_WIRE_MAX_XFER)
		return DSM_WIRE_R_COUNT;
	return DSM_WIRE_OK;
}

/**
 * dsm_wire_rd_xfer() - check and decode the body of HOME_XFER or its ACK.
 * @p:		the body, after the header.
 * @left:	its bytes, at least the type's fixed part (the header check).
 * @m:		the message, its header decoded; out: its body.
 * @used:	out: bytes of the body taken (the caller refuses any left).
 *
 * HOME_XFER: epoch 1 .. DSM_HOME_EPOCH_MAX, known flags, at most
 * DSM_WIRE_MAX_XFER entries (none only in the LAST message), each with
 * a page below DSM_MAX_PAGES, strictly ascending, an owner below
 * DSM_MAX_NODES not in its copyset, a copyset of node ids below
 * DSM_MAX_NODES, known flags, not both LOST and SHADOW, any version,
 * reserved fields zero. Whether the sender may hand these pages over is
 * the receiver's to judge (dsm_sc_xfer.c).
 *
 * Return: DSM_WIRE_OK or the reason.
 */
enum dsm_wire_reject dsm_wire_rd_xfer(const u8 *p, u32 left,
				      struct dsm_msg *m, u32 *used)
{
	if (m->hdr.type == DSM_MSG_HOME_XFER)
		return dsm_rd_page_list(p, left, &dsm_wire_xfer_list,
					&m->u.home_xfer.epoch,
					&m->u.home_xfer.nr_entries,
					&m->u.home_xfer.flags,
					&m->u.home_xfer.p, used);
	return dsm_wire_rd_home_xfer_ack(p, &m->u.home_xfer_ack, used);
}

/**
 * dsm_msg_iter_xfer() - start walking the entries of a decoded HOME_XFER.
 * @x:	the decoded message's body.
 * @it:	the cursor to initialise.
 */
void dsm_msg_iter_xfer(const struct dsm_msg_home_xfer *x,
		       struct dsm_msg_iter *it)
{
	it->p = x->p;
	it->left = (u32)x->nr_entries * DSM_XFER_ENTRY_SIZE;
	it->nr = x->nr_entries;
	it->nr_nodes = 0;
}

/**
 * dsm_msg_next_xfer() - the next directory entry of a HOME_XFER.
 * @it:		cursor from dsm_msg_iter_xfer().
 * @ent:	out: the entry.
 *
 * Return: false when there are no more.
 */
bool dsm_msg_next_xfer(struct dsm_msg_iter *it, struct dsm_xfer_entry *ent)
{
	if (!it->nr || it->left < DSM_XFER_ENTRY_SIZE)
		return false;
	dsm_wire_rd_xfer_entry(it->p, ent);
	it->p += DSM_XFER_ENTRY_SIZE;
	it->left -= DSM_XFER_ENTRY_SIZE;
	it->nr--;
	return true;
}

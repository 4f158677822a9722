/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_wire_rd.h - private to the decoder (dsm_wire.c, dsm_wire_xfer.c,
 * dsm_wire_dir.c) and its iterators (dsm_wire_iter.c): a cursor over the
 * bytes of a message that remain, and the checks its parts share.
 */
#ifndef _DSM_WIRE_RD_H
#define _DSM_WIRE_RD_H

#include "dsm_wire.h"

struct dsm_rd {
	const u8 *p;
	u32 left;
	bool ext;	/* a grant's page is not in the buffer */
};

static inline bool dsm_rd_take(struct dsm_rd *r, void *dst, u32 n)
{
	if (n > r->left)
		return false;
	memcpy(dst, r->p, n);
	r->p += n;
	r->left -= n;
	return true;
}

static inline bool dsm_rd_skip(struct dsm_rd *r, u32 n)
{
	if (n > r->left)
		return false;
	r->p += n;
	r->left -= n;
	return true;
}

/* A timestamp of @n (1 .. DSM_MAX_NODES) entries and its padding. */
enum dsm_wire_reject dsm_rd_vt(struct dsm_rd *r, u32 n, struct dsm_vt *vt);

/* A home table's epoch as a message may carry it: 1 .. DSM_HOME_EPOCH_MAX. */
static inline bool dsm_wire_home_epoch_ok(u64 epoch)
{
	return epoch && epoch <= DSM_HOME_EPOCH_MAX;
}

/**
 * struct dsm_rd_page_list - a list of page entries: HOME_XFER's and
 * DIR_REPLY's bodies, which share their layout (an epoch, a count, flags
 * of which only LAST, reserved fields, then the entries).
 * @max:	entries a message may carry.
 * @esize:	bytes per entry.
 * @last:	the LAST flag, the only one; 0 entries only with it.
 * @rd_page:	check entry @p (@esize bytes, present) and give its page;
 *		pages must be strictly ascending.
 */
struct dsm_rd_page_list {
	u32 max;
	u32 esize;
	u8 last;
	enum dsm_wire_reject (*rd_page)(const u8 *p, u64 *page);
};

/*
 * Decode such a body at @p (@left bytes; its fixed part present): its
 * head into @epoch, @nr, @flags and @entries (the first entry), and check
 * every entry. @used: the bytes it takes.
 */
enum dsm_wire_reject dsm_rd_page_list(const u8 *p, u32 left,
				      const struct dsm_rd_page_list *d,
				      u64 *epoch, u16 *nr, u8 *flags,
				      const u8 **entries, u32 *used);

#endif /* _DSM_WIRE_RD_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_wire_rd.h - private to the decoder (dsm_wire.c) and its iterators
 * (dsm_wire_iter.c): a cursor over the bytes of a message that remain.
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

#endif /* _DSM_WIRE_RD_H */

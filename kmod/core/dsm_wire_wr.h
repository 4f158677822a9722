/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_wire_wr.h - the encoder's own helpers, shared by its files
 * (dsm_wire_enc.c: the header, sc's and the home tables' bodies, the end;
 * dsm_wire_enc_lrc.c: lrc's). Not for the encoder's callers: they use
 * the dsm_wire_enc_*() functions of dsm_wire.h.
 */
#ifndef _DSM_WIRE_WR_H
#define _DSM_WIRE_WR_H

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

static inline void dsm_enc_put(struct dsm_wire_enc *e, const void *src, u32 n)
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

static inline void dsm_enc_zero(struct dsm_wire_enc *e, u32 n)
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

static inline void dsm_enc_vt(struct dsm_wire_enc *e,
			      const struct dsm_vt *vt, u32 n)
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
static inline bool dsm_enc_body(struct dsm_wire_enc *e, u8 t1, u8 t2)
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

static inline void dsm_enc_fail(struct dsm_wire_enc *e, int err)
{
	if (!e->err)
		e->err = err;
}

/*
 * Open a list of kind @list whose le16 count is @off bytes back from the
 * current end.
 */
static inline void dsm_enc_open_list(struct dsm_wire_enc *e, u8 list, u32 off)
{
	if (e->err)
		return;
	e->list = list;
	e->count_pos = e->pos - off;
	e->count = 0;
}

/* Whether one more entry may be added to an open list of kind @list. */
static inline bool dsm_enc_entry(struct dsm_wire_enc *e, u8 list, u32 max)
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

#endif /* _DSM_WIRE_WR_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_sc_xfer.h - what dsm_sc_xfer.c (the moves of each bucket, the new
 * home's side) and dsm_sc_xfer_out.c (the old home's hand-over) share.
 * Documentation/sc.md "Moving a bucket".
 */
#ifndef _DSM_SC_XFER_H
#define _DSM_SC_XFER_H

#include "dsm_sc.h"

/*
 * How many moves of one bucket a node keeps pending: a bucket moved more
 * often than this before its transfers ended loses the moves beyond
 * (counted in home_xfer_empty, logged once).
 */
#define SC_XFER_QUEUE	8

/**
 * struct sc_xfer_bucket - the moves of one bucket still to do here, in
 * the order of their tables. The first is done now: awaited (its pages'
 * requests queue) or handed over (the out work); the others wait for it.
 * @head:	index in @m of the first.
 * @n:		how many.
 * @m:		a ring of them.
 */
struct sc_xfer_bucket {
	u8 head;
	u8 n;
	struct sc_xfer_move m[SC_XFER_QUEUE];
};

/**
 * struct sc_xfer_state - this node's transfers.
 * @lock:	protects the fields below but @snap.
 * @b:		per bucket, its moves still to do.
 * @sent_to:	nodes the out work sent HOME_XFERs to, whose ACKs are due.
 * @snap:	per bucket: 1 + the new home the out work hands it to now;
 *		the out work's own (not locked).
 */
struct sc_xfer_state {
	spinlock_t lock;	/* @b and @sent_to */
	struct sc_xfer_bucket b[DSM_HOME_BUCKETS];
	u64 sent_to;
	u8 snap[DSM_HOME_BUCKETS];
};

extern struct sc_xfer_state sc_xfer;

#define SC_XFER_ANY	U32_MAX

struct sc_xfer_move *sc_xfer_head(u32 b);
void sc_xfer_pop(u32 b);
void sc_xfer_out_kick(void);

#endif /* _DSM_SC_XFER_H */

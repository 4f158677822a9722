/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mgr_bar.h - the barrier manager's episodes, shared by its arrivals
 * (mgr_barrier.c) and its releases (mgr_bar_release.c).
 */
#ifndef DSMD_MGR_BAR_H
#define DSMD_MGR_BAR_H

#include "mgr_internal.h"

enum { MGR_KIND_BARRIER, MGR_KIND_GC };

/* Intervals with their notices; @bytes: what they count in bar_bytes. */
struct mgr_ivvec {
	struct dsm_interval *v;
	uint32_t n;
	uint32_t cap;
	size_t bytes;
};

/**
 * struct mgr_arrival - one node's arrival in an open episode.
 * @active:	fragments have come (or, for GC_DONE, the request).
 * @complete:	the last fragment came; the node waits for the release.
 * @next_frag:	number of the next fragment expected.
 * @staged:	the intervals of the fragments so far, ascending by
 *		(creator, index); merged into the episode when complete.
 * @bytes:	bytes of notices in @staged.
 */
struct mgr_arrival {
	bool active;
	bool complete;
	bool gc;
	uint64_t cookie;
	uint32_t epoch;
	int next_frag;
	struct dsm_vt vt;
	struct mgr_ivvec staged;
	uint64_t last_key;
	size_t bytes;
};

/**
 * struct mgr_bar - the open episode of a barrier (or the GC_DONE round of
 * a barrier); freed when it has no arrival left.
 * @epoch:	the epoch of the episode's first arrival, which every other
 *		arrival must carry too (the kernel sends 0: see
 *		Documentation/lrc.md, "Barrier epochs").
 * @epoch_set:	an arrival set @epoch.
 * @arrived:	bit i: node i's arrival is complete.
 * @merged:	per creator, the intervals of the complete arrivals,
 *		ascending by index, without duplicates.
 * @vt:		merged timestamp of the complete arrivals.
 * @gc:		an arrival asked for a collection.
 */
struct mgr_bar {
	struct mgr_bar *next;
	uint32_t region;
	uint32_t id;
	int kind;
	bool epoch_set;
	uint32_t epoch;
	uint64_t arrived;
	bool gc;
	struct mgr_arrival a[DSM_MAX_NODES];
	struct mgr_ivvec merged[DSM_MAX_NODES];
	struct dsm_vt vt;
};

/* Node @node was declared down: no barrier waits for it any more. */

/* Forget the open episode of @b; the epoch stays. */
void mgr_bar_episode_clear(struct mgr *m, struct mgr_bar *b);
/* Every node waited for arrived: send each its release, end the episode. */
void mgr_bar_release(struct mgr *m, struct mgr_bar *b);

#endif /* DSMD_MGR_BAR_H */

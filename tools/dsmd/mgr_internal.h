/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mgr_internal.h - what the files of the managers share (mgr.c,
 * mgr_lock.c, mgr_barrier.c). dsmd and the unit tests use mgr.h only.
 * Prototypes grouped by the file that defines them. Single-threaded, as
 * mgr.h says: nothing here takes a lock.
 */
#ifndef DSMD_MGR_INTERNAL_H
#define DSMD_MGR_INTERNAL_H

#include "mgr.h"
#include "dsm_wire.h"

static inline uint32_t mgr_hash32(uint64_t v)
{
	return (uint32_t)((v * 0x9e3779b97f4a7c15ULL) >> (64 - MGR_HASH_BITS));
}

static inline bool mgr_is_member(const struct mgr *m, int node)
{
	return node >= 0 && node < DSM_MAX_NODES && (m->members >> node & 1);
}

/* @node (a member) is this node or connected. */
static inline bool mgr_peer_up(const struct mgr *m, int node)
{
	return node == m->self || m->peer[node] == MGR_PEER_UP;
}

/* mgr.c */
void mgr_log(struct mgr *m, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Say why in m->why; returns @err. */
int mgr_why(struct mgr *m, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void mgr_reply(struct mgr *m, int node, uint64_t cookie, uint32_t error,
	       uint32_t flags, const void *payload, size_t len);
void mgr_refuse(struct mgr *m, int node, uint64_t cookie, uint32_t error,
		const char *what);
int mgr_check_payload(struct mgr *m, const struct mgr_req *r, u8 type,
		      struct dsm_msg *msg);

/* mgr_lock.c */
void mgr_lock_acquire(struct mgr *m, int from, const struct mgr_req *r);
void mgr_lock_clear_tail(struct mgr *m, int node);
void mgr_lock_free_all(struct mgr *m);

/* mgr_barrier.c */
void mgr_bar_arrive(struct mgr *m, int from, const struct mgr_req *r,
		    const struct dsm_msg *msg);
void mgr_bar_gc_done(struct mgr *m, int from, const struct mgr_req *r);
void mgr_bar_refused(struct mgr *m, int from, const struct mgr_req *r);
void mgr_bar_node_lost(struct mgr *m, int node, bool down);
void mgr_bar_free_all(struct mgr *m);

#endif /* DSMD_MGR_INTERNAL_H */

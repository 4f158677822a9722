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
const char *mgr_op_name(unsigned int op);

/* mgr_check.c */
int mgr_check_payload(struct mgr *m, const struct mgr_req *r, u8 type,
		      struct dsm_msg *msg);
int mgr_check_req(struct mgr *m, int from, struct mgr_req *r,
		  struct dsm_msg *msg);
struct mgr_out;
int mgr_check_reply(struct mgr *m, const struct mgr_out *o, uint32_t error,
		    uint32_t flags, const uint8_t *payload, size_t len);
struct mgr_out *mgr_out_find(const struct mgr *m, uint64_t cookie,
			     struct mgr_out ***pprev);
void mgr_out_del(struct mgr *m, uint64_t cookie);

/*
 * A lock with a tail, or with a request forwarded to a node whose failure
 * its requester must hear of: @fwd_to[r] is the node the last request of
 * node r was forwarded to (-1: none), with r's cookie @fwd_cookie[r].
 * When that node goes down before granting, no grant will come: the
 * manager tells r, whose kernel re-creates the token (lrc.md, "Failures").
 * A record whose grant already came is harmless: r's kernel has no
 * request with that cookie any more and ignores the notice. @owner_dead:
 * the tail's node died with the token (held or not); the next acquire
 * gets a fresh token flagged DSM_MGR_F_OWNER_DEAD, and its kernel returns
 * EOWNERDEAD (lrc.md, "Failures"); also set on a lock made here that a
 * dead node managed before (it may have had the token) and on a rebuilt
 * lock whose token no survivor has. @token_left: the tail's node gave
 * the token up, free, as it left (mgr_lock_left()); the next acquire
 * gets a fresh token flagged DSM_MGR_F_TOKEN_LEFT, whose kernel learns
 * the intervals it lacks and returns 0 (lrc.md, "Leaving").
 * @last_cookie[r]: r's last request
 * taken, so that one sent again after a failover is not taken twice.
 * @rb: the dead node whose locks are being rebuilt here, this one among
 * them (-1: none); @st, what the survivors told of it (mgr_lock_rb.c),
 * and the acquires held. @ho: the node whose hand-over of this lock may
 * still come (its manager before the membership changed; -1: none);
 * its acquires are held until it comes. @ho_to: the node this lock is
 * to be handed to, not reachable yet (-1: none) (mgr_lock_ho.c).
 */
struct mgr_lock {
	struct mgr_lock *next;
	uint32_t region;
	uint32_t id;
	int tail;
	bool owner_dead;
	bool token_left;
	int8_t fwd_to[DSM_MAX_NODES];
	uint64_t fwd_cookie[DSM_MAX_NODES];
	uint64_t last_cookie[DSM_MAX_NODES];
	int8_t rb;
	int8_t ho;
	int8_t ho_to;
	struct mgr_lock_st *st;
};

/**
 * struct mgr_out - a local kernel request sent to a remote manager.
 * @open:	more fragments of it are to come from the kernel.
 * @failed:	it was answered with an error while @open: drop the rest.
 * @frag:	fragments sent so far.
 * @park_epoch:	a lock acquire its manager answered MOVED at this table
 *		epoch, newer than ours: sent again once ours is (0: not
 *		parked), with its LOCK_REQ @payload (@len bytes, @region).
 */
struct mgr_out {
	struct mgr_out *next;
	uint64_t cookie;
	int node;
	uint8_t op;
	uint32_t id;
	bool open;
	bool failed;
	int frag;
	uint64_t park_epoch;
	uint32_t region;
	uint8_t *payload;
	size_t len;
};

/* mgr_lock.c */
struct mgr_lock *mgr_lock_find(const struct mgr *m, uint32_t region,
			       uint32_t id, struct mgr_lock ***pprev);
struct mgr_lock *mgr_lock_get(struct mgr *m, uint32_t region, uint32_t id,
			      int from, uint64_t cookie);
void mgr_lock_acquire(struct mgr *m, int from, const struct mgr_req *r);
void mgr_lock_left(struct mgr *m, int from, const struct mgr_req *r);
bool mgr_lock_kept_has(const struct mgr *m, int node, uint64_t key);
void mgr_lock_kept_send(struct mgr *m, const struct mgr_req *r);
void mgr_lock_kept(struct mgr *m, int from, const struct mgr_req *req);
void mgr_lock_kept_free(struct mgr *m);
int mgr_lock_forward(struct mgr *m, struct mgr_lock *l, int from,
		     uint64_t cookie, const uint8_t *payload, size_t len);
void mgr_forwarded(struct mgr *m, int from, uint64_t cookie);
void mgr_lock_del(struct mgr *m, struct mgr_lock *l);
bool mgr_lock_unused(const struct mgr_lock *l);

/* mgr_lock_rb.c */
int mgr_lock_rb_of(const struct mgr *m, uint32_t region, uint32_t id);
int mgr_lock_dead_mgr(const struct mgr *m, uint32_t region, uint32_t id);
bool mgr_lock_rb_hold(struct mgr *m, struct mgr_lock *l, int from,
		      const struct mgr_req *r);
bool mgr_lock_hold(struct mgr *m, struct mgr_lock *l, int from,
		   const struct mgr_req *r);
void mgr_lock_release_held(struct mgr *m, struct mgr_lock *l);
void mgr_lock_state(struct mgr *m, int from, const struct mgr_req *r,
		    const struct dsm_msg *msg);
void mgr_lock_rb_node_down(struct mgr *m, int node);
uint8_t *mgr_dup_payload(const uint8_t *p, size_t len);
void mgr_lock_rb_free(struct mgr_lock *l);
void mgr_lock_st_trim(struct mgr_lock *l);
void mgr_lock_rb_free_all(struct mgr *m);
void mgr_lock_clear_tail(struct mgr *m, int node);
void mgr_lock_free_all(struct mgr *m);

/* mgr_lock_ho.c */
int mgr_ho_from(const struct mgr *m, uint32_t region, uint32_t id);
void mgr_ho_changed(struct mgr *m, uint64_t old);
bool mgr_ho_hold(struct mgr *m, struct mgr_lock *l, int from,
		 const struct mgr_req *r);
bool mgr_ho_settle(struct mgr *m, struct mgr_lock *l);
bool mgr_ho_request(struct mgr *m, int from, const struct mgr_req *r);
bool mgr_ho_fwd_ok(const struct mgr *m, int from, uint32_t region,
		   uint32_t id, uint64_t epoch);
void mgr_ho_moved(struct mgr *m, int from, struct mgr_out *o,
		  uint64_t cookie, uint32_t error, uint32_t flags,
		  const uint8_t *payload, size_t len, uint64_t epoch);
void mgr_ho_peer_state(struct mgr *m, int node, enum mgr_peer st);
void mgr_ho_free_all(struct mgr *m);

/* mgr_barrier.c */
void mgr_bar_arrive(struct mgr *m, int from, const struct mgr_req *r,
		    const struct dsm_msg *msg);
void mgr_bar_gc_done(struct mgr *m, int from, const struct mgr_req *r);
void mgr_bar_refused(struct mgr *m, int from, const struct mgr_req *r);
void mgr_bar_node_lost(struct mgr *m, int node, bool down);
void mgr_bar_free_all(struct mgr *m);

#endif /* DSMD_MGR_INTERNAL_H */

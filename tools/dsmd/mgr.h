/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mgr.h - the lock and barrier managers of dsmd (Documentation/lrc.md,
 * "Locks", "Barriers", "Garbage collection"; Documentation/control-plane.md,
 * "Lock and barrier managers").
 *
 * The managers are pure logic: they never touch a socket. dsmd (or a unit
 * test) feeds them what arrives -- requests of the local kernel, frames of
 * peer dsmds, changes of peer state -- and they answer through the hooks
 * of struct mgr_ops. A hook is never called back into the manager: a hook
 * that cannot deliver just says so (send_* return non-zero) or, if it
 * loses a connection, dsmd reports that later with mgr_peer_state().
 *
 * Single-threaded: the caller serialises every call on one struct mgr.
 *
 * The code: mgr.c (the object, routing, checks, answers, node failures),
 * mgr_lock.c (the lock manager), mgr_lock_rb.c (a dead lock manager's
 * locks rebuilt on the next one), mgr_barrier.c (the barrier manager);
 * mgr_internal.h is what they share.
 */
#ifndef DSMD_MGR_H
#define DSMD_MGR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/dsm.h>

/* Locks with a tail in the lock table; a new lock beyond it: ENOSPC. */
#define MGR_LOCKS_MAX		65536
/*
 * Barrier episodes open at once (an entry lives only while arrivals
 * wait; a node has at most one open per kind, so 2 * DSM_NODES_MAX are
 * ever needed): a safety cap, beyond it ENOSPC.
 */
#define MGR_BARRIERS_MAX	4096
/* Requests of the local kernel waiting on a remote manager. */
#define MGR_OUTSTANDING_MAX	4096
/* One arrival (all its fragments): intervals and bytes of notices. */
#define MGR_ARRIVAL_IV_MAX	(1U << 20)
#define MGR_ARRIVAL_BYTES_MAX	(64U << 20)
/*
 * All barrier state of this manager together (staged arrivals and open
 * episodes, interval records and notices): an arrival beyond it is
 * refused with ENOSPC, so that no node makes dsmd hold 4096 barriers of
 * 64 MiB arrivals.
 */
#define MGR_BAR_BYTES_MAX	(256U << 20)

/*
 * Frame-only flag of a manager's reply to a peer dsmd (never given to a
 * kernel): the lock request was forwarded to the lock's tail, whose kernel
 * answers with LOCK_GRANT over the data connection; the requester's dsmd
 * forgets the request.
 */
#define MGR_F_FORWARDED		0x100
/*
 * Frame-only flag of a reply from a lock's tail to the requester's dsmd
 * (alone, with an error, never given to a kernel): the tail dropped the
 * forward of that request (a bad payload); the requester's dsmd gives the
 * error to its kernel although it forgot the cookie at FORWARDED.
 */
#define MGR_F_FWD_FAILED	0x200
/*
 * Frame-only flag of a manager's reply to a requester's dsmd (alone,
 * error 0, never given to a kernel): the node the request was forwarded
 * to is down, so no grant will come; the requester's dsmd gives its
 * kernel an empty MGR_REPLY (a fresh token: the kernel re-creates the
 * token) although it forgot the cookie at FORWARDED.
 */
#define MGR_F_FWD_LOST		0x400
/*
 * Frame-only flag of a manager's reply to a requester's dsmd (alone,
 * error 0, never given to a kernel, protocol version 8): the lock is not
 * managed here since table @epoch of the reply; the payload is the
 * request's LOCK_REQ, which the requester's dsmd sends again to the
 * manager its table names once its own table is that epoch or newer.
 */
#define MGR_F_MOVED		0x1000
/*
 * Frame-only flag of a MGR_REQ LOCK_RELEASE (alone, protocol version 10,
 * no reply): a notice from the lock's manager, which leaves, to every
 * member: the token was at it, free, and is never used there again; kept
 * for the lock's next manager (mgr_lock_kept.c).
 */
#define MGR_F_KEPT		0x4000

/*
 * A lock's manager moves when the membership changes (node add, node
 * del: dsm_lock_manager() is the key mod n over the members): the old
 * manager hands each moved lock's state to the new one, then says it is
 * done (Documentation/lrc.md, "Locks when the membership changes").
 * Flags of struct mgr_handover:
 * MGR_HO_OWNER_DEAD: the lock's owner_dead mark (its token was lost).
 * MGR_HO_DONE: alone, no lock: the sender handed over every lock it
 *	managed before it adopted table @epoch.
 * MGR_HO_TOKEN_LEFT: the lock's token_left mark (protocol version 9: its
 *	last holder left with it free; a peer of an older version gets
 *	MGR_HO_OWNER_DEAD instead).
 */
#define MGR_HO_OWNER_DEAD	0x1
#define MGR_HO_DONE		0x2
#define MGR_HO_TOKEN_LEFT	0x4

/*
 * One requester's record in a hand-over: where its last request was
 * forwarded (@fwd_to, -1: nowhere, with @fwd_cookie) and the cookie of
 * the last request taken (@last_cookie, 0: none).
 */
struct mgr_ho_rec {
	uint8_t node;
	int8_t fwd_to;
	uint64_t fwd_cookie;
	uint64_t last_cookie;
};

/**
 * struct mgr_handover - a lock's state from its old manager to its new
 * one (DSMC_LOCK_HANDOVER), or the old manager's DONE.
 * @epoch:	the home table epoch the sender adopted (1 ..
 *		DSM_HOME_EPOCH_MAX).
 * @flags:	MGR_HO_*.
 * @region, @lock_id: the lock (0, 0 for DONE).
 * @tail:	its tail (-1: none).
 * @nr:		records in @rec (0 .. DSM_MAX_NODES), ascending by node.
 */
struct mgr_handover {
	uint64_t epoch;
	uint32_t flags;
	uint32_t region;
	uint32_t lock_id;
	int tail;
	uint32_t nr;
	struct mgr_ho_rec rec[DSM_NODES_MAX];
};

/* A peer's state as dsmd sees it. */
enum mgr_peer {
	MGR_PEER_UNKNOWN,	/* never connected yet */
	MGR_PEER_UP,		/* handshake done, connection open */
	MGR_PEER_GONE,		/* connection lost, not declared down */
	MGR_PEER_DOWN,		/* declared down (timeout, goodbye) */
};

/**
 * struct mgr_req - one MGR_REQUEST (one fragment of it), from the local
 * kernel or from a peer dsmd.
 * @op:		enum dsm_mgr_op.
 * @flags:	DSM_MGR_F_* of the request.
 * @cookie:	the requesting kernel's cookie.
 * @has_lock:	@lock_id was given (netlink: LOCK_ID present).
 * @has_barrier: @barrier_id was given.
 * @region:	the namespace of the lock or barrier (the region word of
 *		kmod/core/dsm_wire.h, 0: cluster-wide), from the payload's
 *		LOCK_REQ or BARRIER_ARRIVE, set when the request is checked:
 *		a lock or barrier is the pair (@region, id).
 * @frag:	fragment number of a BARRIER arrival from a peer (0 first);
 *		-1 from the local kernel (netlink keeps the order).
 * @epoch:	the home table epoch of the peer that sent it (protocol
 *		version 8; 0: unknown, a version-7 peer or the local kernel).
 * @payload:	the core message, @len bytes (NULL if none).
 */
struct mgr_req {
	uint8_t op;
	uint32_t flags;
	uint64_t cookie;
	bool has_lock;
	bool has_barrier;
	uint32_t lock_id;
	uint32_t barrier_id;
	uint32_t region;
	int frag;
	uint64_t epoch;
	const uint8_t *payload;
	size_t len;
};

/*
 * The hooks. @ctx is mgr_ops.ctx. Payloads are only valid during the call.
 * kernel_reply: MGR_REPLY(cookie, error, flags, payload) to the local kernel.
 * kernel_forward: LOCK_FORWARD(lock, payload) to the local kernel.
 * send_request/_reply/_forward/_handover: a frame to node's dsmd; 0 if
 *	queued, non-zero if there is no usable connection. A forward
 *	carries the requester and its cookie besides the LOCK_REQ. Every
 *	frame carries mgr.epoch (dsmd fills it in).
 * log: one line, syslog priority.
 */
struct mgr_ops {
	void *ctx;
	void (*kernel_reply)(void *ctx, uint64_t cookie, uint32_t error,
			     uint32_t flags, const void *payload, size_t len);
	void (*kernel_forward)(void *ctx, uint32_t lock_id,
			       const void *payload, size_t len);
	int (*send_request)(void *ctx, int node, const struct mgr_req *r);
	int (*send_reply)(void *ctx, int node, uint64_t cookie, uint32_t error,
			  uint32_t flags, const void *payload, size_t len);
	int (*send_forward)(void *ctx, int node, uint32_t lock_id,
			    int requester, uint64_t cookie,
			    const void *payload, size_t len);
	int (*send_handover)(void *ctx, int node,
			     const struct mgr_handover *h);
	void (*log)(void *ctx, int prio, const char *msg);
};

/* Counters, logged by dsmd (-v) and at exit. */
struct mgr_stats {
	uint64_t kernel_requests;	/* MGR_REQUESTs of the local kernel */
	uint64_t peer_requests;		/* requests from peers, as manager */
	uint64_t sent_to_manager;	/* local requests sent to a peer */
	uint64_t lock_fresh;		/* lock answered directly (no tail) */
	uint64_t lock_forwarded;	/* lock forwarded to its tail */
	uint64_t lock_fwd_lost;		/* forwarded to a node now down */
	uint64_t lock_states;		/* LOCK_STATEs taken as new manager */
	uint64_t lock_rebuilds;		/* dead managers' locks rebuilt here */
	uint64_t lock_rb_locks;		/* ... locks they rebuilt */
	uint64_t lock_rb_owner_dead;	/* ... of them with the token lost */
	uint64_t lock_left;		/* tokens given up by a leaving node */
	uint64_t lock_left_ignored;	/* ... not its tail here: ignored */
	uint64_t lock_kept;		/* ... of a leaving manager, kept */
	uint64_t forwards_delivered;	/* LOCK_FORWARDs given to our kernel */
	uint64_t barriers_released;	/* barrier episodes completed */
	uint64_t gc_released;		/* GC_DONE rounds completed */
	uint64_t release_fragments;	/* BARRIER_RELEASE payloads sent */
	uint64_t replies_relayed;	/* peer managers' replies to our kernel */
	uint64_t bad;			/* malformed requests/frames refused */
	uint64_t hostdown;		/* requests failed with EHOSTDOWN */
	uint64_t errors;		/* other error replies */
	uint64_t locks;			/* locks in the table now */
	uint64_t outstanding;		/* local requests at a remote manager */
	uint64_t barriers;		/* barrier episodes open now */
	uint64_t superseded;		/* arrivals dropped for a newer one */
	uint64_t ho_sent;		/* locks handed to their new manager */
	uint64_t ho_taken;		/* locks taken over from the old one */
	uint64_t ho_held;		/* acquires held for a hand-over */
	uint64_t ho_lost;		/* hand-overs lost with their sender */
	uint64_t ho_moved;		/* requests answered MOVED */
	uint64_t ho_rerouted;		/* our requests sent again elsewhere */
	uint64_t ho_early;		/* frames held for a newer table */
};

struct mgr_lock;
struct mgr_bar;
struct mgr_out;
struct mgr_early;

/* Frames of peers with a newer table kept here; beyond, refused. */
#define MGR_EARLY_MAX		1024
/*
 * Locks passed on at one table epoch as they were handed over here (a
 * relay): beyond, a lock handed over at our epoch stays here.
 */
#define MGR_RELAY_MAX		1024
/*
 * Nodes removed from the members remembered with the placement they
 * managed locks under (mgr_lock_dead_mgr()); beyond, the oldest is
 * forgotten.
 */
#define MGR_GONE_MAX		16
/* Notices of free tokens of leaving managers kept (mgr_lock_kept.c). */
#define MGR_KEPT_MAX		4096

/* A leaving manager's free token: lock @key, node @node (mgr_lock_kept.c). */
struct mgr_kept {
	uint64_t key;
	int node;
};

/**
 * struct mgr_gone - a node removed from the members (node del).
 * @members:	the members it was removed from, itself included ...
 * @lost:	... and the nodes counted lost then: the locks it managed
 *		are those dsm_lock_manager() gives it with it not lost.
 * @node:	its id.
 */
struct mgr_gone {
	uint64_t members;
	uint64_t lost;
	int node;
};

#define MGR_HASH_BITS	10
#define MGR_HASH_SIZE	(1U << MGR_HASH_BITS)

/**
 * struct mgr - the managers and the request router of one dsmd.
 * @self:	this node's id.
 * @members:	bit i: node i is a member (configured).
 * @payload_max: largest MGR payload built (DSM_MGR_PAYLOAD_MAX; tests
 *		lower it to force fragmentation).
 * @bar_bytes:	bytes of barrier state held (see MGR_BAR_BYTES_MAX) ...
 * @bar_bytes_max: ... at most (MGR_BAR_BYTES_MAX; tests lower it).
 * @peer:	enum mgr_peer per node (@self is always up).
 * @lost:	bit i: node i was declared down since mgr_init(); barriers
 *		wait for the members not lost (dsm_barrier_waits_for()).
 * @added:	bit i: node i was added at run time (mgr_members_set(), or
 *		this node in join mode), or came back as a new incarnation
 *		after it was lost (mgr_peer_state(), mgr_self_lost()), and
 *		has not joined lrc yet: barriers do not wait for it, its
 *		arrival makes a collecting barrier where it joins
 *		(dsm_barrier_joined()), and this node's own lock acquires
 *		get ESTALE while its own bit is set.
 * @back:	bit i: node i is lost, and its new incarnation joined lrc
 *		again (issue 16 item 4; lrc.md "A restarted node"): barriers
 *		wait for it as for a member never lost, while every manager
 *		stays placed as if it were lost (@lost, the kernels' rule).
 *		Cleared when it goes down again.
 * @locks:	lock id -> tail, @nr_locks entries.
 * @bars:	(kind, barrier id) -> its open episode, @nr_bars entries.
 * @bar_skip:	per node, an arrival refused while more of its fragments
 *		were to come: they are dropped (bit n of @bar_skipping).
 * @outs:	cookie -> remote manager of a local request.
 * @rb_open:	bit d: the locks dead node d managed are managed here now,
 *		their state being rebuilt (mgr_lock_rb.c) ...
 * @rb_done:	... bit n of entry d: node n told all it knows of them.
 * @epoch:	the home table epoch adopted last (0: none yet).
 * @members_prev: the members before the last change of @members (0:
 *		none): the managers locks move from (mgr_lock_ho.c) ...
 * @ho_epoch:	... at the change to this epoch (0: none since start).
 * @ho_wait:	bit n: the locks node n managed before the change may
 *		still come: the acquires of those locks are held.
 * @ho_wait_old: ... of them, those that owe the DONE of a change before
 *		@ho_epoch (at @ho_epoch_prev or later): our DONE waits for
 *		theirs, as a lock they hand over late may have to go on.
 * @ho_done_sent: bit n: our DONE for @ho_epoch went to node n.
 * @early:	frames of peers whose table is newer than ours, in order,
 *		@nr_early of them (taken when ours is that new).
 * @gone:	nodes removed from the members, oldest first, @nr_gone of
 *		them: the locks they managed have no state anywhere unless a
 *		rebuild or hand-over made some (mgr_lock_dead_mgr()).
 * @kept:	notices of leaving managers' free tokens, @nr_kept of them
 *		(allocated at the first, at most MGR_KEPT_MAX).
 * @relayed:	locks this node passed on at table @relayed_epoch as it took
 *		them (a hand-over of our epoch whose manager by our table is
 *		another node), @nr_relayed of them: one that comes back
 *		stays (mgr_lock_ho.c).
 */
struct mgr {
	int self;
	uint64_t members;
	size_t payload_max;
	size_t bar_bytes;
	size_t bar_bytes_max;
	uint8_t peer[DSM_NODES_MAX];
	uint64_t lost;
	uint64_t added;
	uint64_t back;
	struct mgr_ops ops;
	struct mgr_stats st;
	struct mgr_lock *locks[MGR_HASH_SIZE];
	uint32_t nr_locks;
	struct mgr_bar *bars[MGR_HASH_SIZE];
	uint32_t nr_bars;
	uint64_t bar_skip[DSM_NODES_MAX];
	uint64_t bar_skipping;
	struct mgr_out *outs[MGR_HASH_SIZE];
	uint32_t nr_outs;
	uint64_t rb_open;
	uint64_t rb_done[DSM_NODES_MAX];
	uint64_t epoch;
	uint64_t members_prev;
	uint64_t ho_epoch;
	uint64_t ho_wait;
	uint64_t ho_wait_old;
	uint64_t ho_epoch_prev;
	uint64_t ho_done_sent;
	struct mgr_early *early;
	uint32_t nr_early;
	struct mgr_gone gone[MGR_GONE_MAX];
	uint32_t nr_gone;
	struct mgr_kept *kept;
	uint32_t nr_kept;
	struct {
		uint32_t region, id;
	} relayed[MGR_RELAY_MAX];
	uint32_t nr_relayed;
	uint64_t relayed_epoch;
	char why[160];
};

int mgr_init(struct mgr *m, int self, uint64_t members,
	     const struct mgr_ops *ops);
/*
 * The membership changed to @members with the home table of @epoch (a
 * table adopted): the locks whose manager moves are handed over.
 * @members without this node: it leaves; it hands every lock over.
 */
void mgr_members_set(struct mgr *m, uint64_t members, uint64_t epoch);
/* Free everything (membership reset, exit); answers nothing. */
void mgr_fini(struct mgr *m);

/*
 * The managing node of lock @lock_id of namespace @region (the member of
 * rank dsm_sync_key(region, id) mod n, up or not, or the next member not
 * lost after it if it is lost: dsm_lock_manager(), as the kernel
 * computes it), of every barrier (the lowest member not lost); -1: none.
 */
int mgr_lock_manager(const struct mgr *m, uint32_t region, uint32_t lock_id);
int mgr_barrier_manager(const struct mgr *m);
/* Is MGR op @op a lock's (its id a LOCK_ID), not a barrier's? */
bool mgr_op_is_lock(unsigned int op);

/* A MGR_REQUEST (fragment) of the local kernel. */
void mgr_kernel_request(struct mgr *m, const struct mgr_req *r);
/* The local kernel lost its state (module reloaded). */
void mgr_kernel_reset(struct mgr *m);
/*
 * The peers declared an earlier incarnation of this node lost (PREV_LOST,
 * or the kernel says so): it is placed as lost, and joins lrc again.
 */
void mgr_self_lost(struct mgr *m);

/* Frames from peer @from (authenticated by the handshake). */
void mgr_peer_request(struct mgr *m, int from, const struct mgr_req *r);
void mgr_peer_reply(struct mgr *m, int from, uint64_t cookie, uint32_t error,
		    uint32_t flags, const uint8_t *payload, size_t len,
		    uint64_t epoch);
void mgr_peer_forward(struct mgr *m, int from, uint32_t lock_id,
		      int requester, uint64_t cookie,
		      const uint8_t *payload, size_t len, uint64_t epoch);
void mgr_peer_handover(struct mgr *m, int from, const struct mgr_handover *h);
/* Any of those four as the codec decoded it (mgr_frame.c). */
struct dsmc_msg;
void mgr_peer_frame(struct mgr *m, int from, const struct dsmc_msg *msg);

/* Peer @node changed state (see enum mgr_peer). */
void mgr_peer_state(struct mgr *m, int node, enum mgr_peer st);

/* The tail of lock (@region, @lock_id) (-1: none); for tests and logs. */
int mgr_lock_tail(const struct mgr *m, uint32_t region, uint32_t lock_id);

#endif /* DSMD_MGR_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * mgr_lock_rb.c - a lock manager that fails over (Documentation/lrc.md,
 * "Failures: lock managers"): when node D is declared down, the locks it
 * managed move to the next member not lost after it
 * (dsm_lock_manager()), this node when it is that one. Their state is
 * rebuilt here from what the survivors' kernels say (LOCK_STATE): which
 * node has the token, which requests are in flight and which were
 * forwarded, which forwards each node keeps. Until every member not lost
 * has said it is done (DSM_MGR_F_STATE_DONE) and this node has declared D
 * down too, the acquires of those locks are held here, not answered; then
 * each lock's tail is the end of the chain of forwards from the token,
 * and the held acquires are taken in order.
 *
 * The chain: the token is on node T (or on its way along a forward T
 * keeps); T keeps the forward of the next requester, that one of the
 * next, and so on: the tail is the last. A forwarded request that is in
 * no survivor's forwards was forwarded to D, or its grant is on its way:
 * with a token among the survivors, it is forwarded again to the tail
 * (D only waited: its place in the queue is lost, not the request); with
 * none, D had the token: the first such request gets the token
 * re-created, flagged owner dead (EOWNERDEAD), and the others queue
 * behind it. With neither token nor forwarded request, the lock starts
 * again from no tail, and its next acquire is told owner dead: the token
 * was on D (D held it, or had released it and nobody asked since), or
 * the lock was never taken, which nobody can tell apart. So is the first
 * acquire of a lock of D's that no survivor spoke of (mgr_lock_get()).
 * The acquirer then learns from the survivors, D's backup among them,
 * what D released (the kernel's IV_REQ, Documentation/lrc.md).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "dsm_members.h"
#include "mgr_internal.h"

/* Acquires held per lock while it is rebuilt; beyond, EHOSTDOWN. */
#define MGR_RB_HELD_MAX	(2 * DSM_MAX_NODES)

/* An acquire held until the rebuild ends. */
struct mgr_held {
	int from;
	uint64_t cookie;
	uint8_t *payload;
	size_t len;
};

/**
 * struct mgr_lock_st - what the survivors said of a lock being rebuilt.
 * @token:	bit n: node n has the token.
 * @req:	bit n: node n has a request in flight, @cookie[n] ...
 * @fwded:	... that its manager forwarded; its LOCK_REQ @payload[n].
 * @next:	the requester whose forward node n keeps (-1: none) ...
 * @next_cookie: ... and its request.
 * @held:	acquires taken once the rebuild ends, in order.
 */
struct mgr_lock_st {
	uint64_t token;
	uint64_t req;
	uint64_t fwded;
	uint64_t cookie[DSM_MAX_NODES];
	uint8_t *payload[DSM_MAX_NODES];
	size_t len[DSM_MAX_NODES];
	int8_t next[DSM_MAX_NODES];
	uint64_t next_cookie[DSM_MAX_NODES];
	struct mgr_held held[MGR_RB_HELD_MAX];
	int nr_held;
};

static uint64_t lock_key(uint32_t region, uint32_t id)
{
	return dsm_sync_key(region, id);
}

/*
 * The node of @mask that manages lock (@region, @id) when it alone of
 * @mask is not counted lost (the lock's manager before it died); -1: none.
 */
static int mgr_lock_mgr_in(const struct mgr *m, uint64_t mask,
			   uint32_t region, uint32_t id)
{
	int d;

	for (d = 0; d < DSM_MAX_NODES; d++)
		if ((mask >> d & 1) &&
		    dsm_lock_manager(m->members, m->lost & ~(1ULL << d),
				     lock_key(region, id), DSM_MAX_NODES) ==
		    (u32)d)
			return d;
	return -1;
}

/*
 * The open rebuild lock (@region, @id) waits for: the dead node D that
 * managed it before (also if D is not declared down here yet); -1: none.
 */
int mgr_lock_rb_of(const struct mgr *m, uint32_t region, uint32_t id)
{
	return mgr_lock_mgr_in(m, m->rb_open, region, id);
}

/*
 * A lost node that managed lock (@region, @id) when it died (the one it
 * would be managed by with that node not lost), or a node removed from
 * the members that managed it then (its graceful leave, or the del of a
 * dead node: its state went with it, and no rebuild or hand-over made
 * any for this lock); -1: none.
 */
int mgr_lock_dead_mgr(const struct mgr *m, uint32_t region, uint32_t id)
{
	uint64_t key = lock_key(region, id);
	const struct mgr_gone *g;
	int d = mgr_lock_mgr_in(m, m->lost, region, id);
	uint32_t i;

	for (i = m->nr_gone; d < 0 && i > 0; i--) {
		g = &m->gone[i - 1];
		if (dsm_lock_manager(g->members, g->lost & ~(1ULL << g->node),
				     key, DSM_MAX_NODES) == (u32)g->node)
			d = g->node;
	}
	return d;
}

/* Open the rebuild of @dead's locks here (if it is not open). */
static void rb_open(struct mgr *m, int dead)
{
	if (m->rb_open >> dead & 1)
		return;
	m->rb_open |= 1ULL << dead;
	m->rb_done[dead] = 0;
	mgr_log(m, LOG_INFO, "mgr: the locks node %d managed are managed here now: rebuilding their state from the survivors'",
		dead);
}

/*
 * The rebuild lock (@region, @id) is part of: an open one, or the one of
 * the node that manages it now if this node is next (its peers declared
 * it down before we did). -1: none (this node manages it anyway).
 */
static int rb_for(struct mgr *m, uint32_t region, uint32_t id)
{
	int d = mgr_lock_rb_of(m, region, id);
	u32 cur;

	if (d >= 0)
		return d;
	cur = dsm_lock_manager(m->members, m->lost, lock_key(region, id),
			       DSM_MAX_NODES);
	if (cur >= DSM_MAX_NODES || (int)cur == m->self)
		return -1;
	rb_open(m, (int)cur);
	return (int)cur;
}

static struct mgr_lock_st *st_get(struct mgr_lock *l)
{
	if (!l->st) {
		l->st = calloc(1, sizeof(*l->st));
		if (l->st)
			memset(l->st->next, -1, sizeof(l->st->next));
	}
	return l->st;
}

/* A copy of @len bytes at @p (a 1-byte buffer for 0); NULL: no memory. */
uint8_t *mgr_dup_payload(const uint8_t *p, size_t len)
{
	uint8_t *c = malloc(len ? len : 1);

	if (c && len)
		memcpy(c, p, len);
	return c;
}

/*
 * Forget what the survivors said of @l (its rebuild is over); the
 * acquires held stay.
 */
static void mgr_lock_rb_reset(struct mgr_lock *l)
{
	struct mgr_lock_st *st = l->st;
	int i;

	if (!st)
		return;
	for (i = 0; i < DSM_MAX_NODES; i++) {
		free(st->payload[i]);
		st->payload[i] = NULL;
		st->len[i] = 0;
		st->cookie[i] = 0;
		st->next_cookie[i] = 0;
	}
	memset(st->next, -1, sizeof(st->next));
	st->token = 0;
	st->req = 0;
	st->fwded = 0;
}

/* Free @l's state if it holds nothing (no rebuild, no acquire held). */
void mgr_lock_st_trim(struct mgr_lock *l)
{
	if (l->st && l->rb < 0 && !l->st->nr_held)
		mgr_lock_rb_free(l);
}

void mgr_lock_rb_free(struct mgr_lock *l)
{
	int i;

	if (!l->st)
		return;
	mgr_lock_rb_reset(l);
	for (i = 0; i < l->st->nr_held; i++)
		free(l->st->held[i].payload);
	free(l->st);
	l->st = NULL;
}

/*
 * Hold the acquire @r of @l by @from until what @l waits for ends
 * (mgr_lock_release_held()); one that cannot be held fails with
 * EHOSTDOWN (ENOMEM). Return: true (it was held or answered).
 */
bool mgr_lock_hold(struct mgr *m, struct mgr_lock *l, int from,
		   const struct mgr_req *r)
{
	struct mgr_lock_st *st = st_get(l);
	struct mgr_held *h;

	if (!st || st->nr_held >= MGR_RB_HELD_MAX) {
		mgr_log(m, LOG_WARNING, "mgr: lock %u:%u: cannot hold node %d's acquire",
			l->region, l->id, from);
		mgr_reply(m, from, r->cookie, EHOSTDOWN, 0, NULL, 0);
		return true;
	}
	h = &st->held[st->nr_held];
	h->payload = mgr_dup_payload(r->payload, r->len);
	if (!h->payload) {
		mgr_reply(m, from, r->cookie, ENOMEM, 0, NULL, 0);
		return true;
	}
	h->from = from;
	h->cookie = r->cookie;
	h->len = r->len;
	st->nr_held++;
	return true;
}

/*
 * An acquire of @l by @from: held if @l waits for a rebuild (true), else
 * taken now (false).
 */
bool mgr_lock_rb_hold(struct mgr *m, struct mgr_lock *l, int from,
		      const struct mgr_req *r)
{
	if (l->rb < 0)
		l->rb = (int8_t)mgr_lock_rb_of(m, l->region, l->id);
	if (l->rb < 0)
		return false;
	mgr_log(m, LOG_INFO, "mgr: lock %u:%u: node %d's acquire (cookie %llu) waits for the rebuild after node %d's death",
		l->region, l->id, from, (unsigned long long)r->cookie, l->rb);
	return mgr_lock_hold(m, l, from, r);
}

/* Record what @from said of @l (checked: check_req()). */
static void st_record(struct mgr *m, struct mgr_lock *l, int from,
		      const struct mgr_req *r, const struct dsm_msg_lock_req *q)
{
	struct mgr_lock_st *st = st_get(l);
	int n = q->requester;

	if (!st) {
		mgr_log(m, LOG_ERR, "mgr: lock %u:%u: out of memory for node %d's state",
			l->region, l->id, from);
		return;
	}
	if (n != from) {
		/* A forward @from keeps; the first is next in the queue. */
		if (st->next[from] < 0) {
			st->next[from] = (int8_t)n;
			st->next_cookie[from] = q->req_id;
		}
		return;
	}
	if (r->flags & DSM_MGR_F_HAS_TOKEN)
		st->token |= 1ULL << from;
	if (!q->req_id)
		return;
	st->req |= 1ULL << from;
	st->cookie[from] = q->req_id;
	if (!(r->flags & DSM_MGR_F_FORWARDED) || st->payload[from])
		return;
	st->payload[from] = mgr_dup_payload(r->payload, r->len);
	if (st->payload[from]) {
		st->fwded |= 1ULL << from;
		st->len[from] = r->len;
	}
}

static void rb_try(struct mgr *m, int dead);

/* A LOCK_STATE of @from (checked: check_req()); no reply. */
void mgr_lock_state(struct mgr *m, int from, const struct mgr_req *r,
		    const struct dsm_msg *msg)
{
	struct mgr_lock *l;
	int d;

	if (r->flags & DSM_MGR_F_STATE_DONE) {
		d = (int)r->lock_id;
		rb_open(m, d);
		m->rb_done[d] |= 1ULL << from;
		rb_try(m, d);
		return;
	}
	d = rb_for(m, r->region, r->lock_id);
	if (d < 0) {
		mgr_log(m, LOG_INFO, "mgr: lock %u:%u: state of node %d after its rebuild; dropped",
			r->region, r->lock_id, from);
		return;
	}
	l = mgr_lock_get(m, r->region, r->lock_id, -1, 0);
	if (!l)
		return;
	l->rb = (int8_t)d;
	st_record(m, l, from, r, &msg->u.lock_req);
}

/* Follow the forwards from @n (live ones, each node once) to the last. */
static int walk(const struct mgr_lock_st *st, uint64_t live, int n,
		uint64_t *seen)
{
	int next;

	*seen |= 1ULL << n;
	for (;;) {
		next = st->next[n];
		if (next < 0 || !(live >> next & 1) || (*seen >> next & 1))
			return n;
		n = next;
		*seen |= 1ULL << n;
	}
}

/*
 * No survivor has the token: the request @head was forwarded to the dead
 * node (or its grant is on its way, which the re-created token makes
 * void): its token is re-created, flagged owner dead.
 */
static void head_owner_dead(struct mgr *m, struct mgr_lock *l, int head)
{
	uint64_t cookie = l->st->cookie[head];

	m->st.lock_fwd_lost++;
	mgr_log(m, LOG_INFO, "mgr: lock %u:%u: no survivor has the token: node %d's request gets it re-created (owner dead)",
		l->region, l->id, head);
	if (head == m->self)
		m->ops.kernel_reply(m->ops.ctx, cookie, 0,
				    DSM_MGR_F_OWNER_DEAD, NULL, 0);
	else
		mgr_reply(m, head, cookie, 0, MGR_F_FWD_LOST, NULL, 0);
}

/* The forwarded request of @r that no survivor keeps: queue it again. */
static void requeue(struct mgr *m, struct mgr_lock *l, uint64_t live, int r,
		    uint64_t *seen)
{
	struct mgr_lock_st *st = l->st;

	if (mgr_lock_forward(m, l, r, st->cookie[r], st->payload[r],
			     st->len[r])) {
		mgr_log(m, LOG_WARNING, "mgr: lock %u:%u: cannot forward node %d's request again: it fails",
			l->region, l->id, r);
		if (r == m->self)
			m->ops.kernel_reply(m->ops.ctx, st->cookie[r],
					    EHOSTDOWN, 0, NULL, 0);
		else
			mgr_reply(m, r, st->cookie[r], EHOSTDOWN,
				  MGR_F_FWD_FAILED, NULL, 0);
		return;
	}
	mgr_log(m, LOG_INFO, "mgr: lock %u:%u: node %d's request, forwarded to the dead node, queued again",
		l->region, l->id, r);
	l->tail = walk(st, live, r, seen);
}

/* Rebuild @l's tail and forwards from the survivors' states (@dead's lock). */
static void merge(struct mgr *m, struct mgr_lock *l, int dead)
{
	struct mgr_lock_st *st = l->st;
	uint64_t live = m->members & ~m->lost, seen = 0, in = 0;
	int n, head = -1;

	memset(l->fwd_to, -1, sizeof(l->fwd_to));
	l->tail = -1;
	l->owner_dead = false;
	l->token_left = false;	/* the survivors say where the token is */
	for (n = 0; n < DSM_MAX_NODES; n++) {
		if (!(live >> n & 1) || st->next[n] < 0 ||
		    !(live >> st->next[n] & 1))
			continue;
		in |= 1ULL << st->next[n];
		l->fwd_to[st->next[n]] = (int8_t)n;
		l->fwd_cookie[st->next[n]] = st->next_cookie[n];
	}
	for (n = 0; n < DSM_MAX_NODES && head < 0; n++)
		if ((st->token & live) >> n & 1 && !(in >> n & 1))
			head = n;
	for (n = 0; n < DSM_MAX_NODES && head < 0; n++)
		if ((st->token & live) >> n & 1)
			head = n;
	if (head < 0) {
		for (n = 0; n < DSM_MAX_NODES && head < 0; n++)
			if ((st->fwded & live) >> n & 1 && !(in >> n & 1))
				head = n;
		if (head >= 0)
			head_owner_dead(m, l, head);
	}
	if (head >= 0) {
		l->tail = walk(st, live, head, &seen);
	} else if (mgr_lock_kept_has(m, dead, lock_key(l->region, l->id))) {
		/* It left with the token free (mgr_lock_kept.c). */
		l->token_left = true;
	} else {
		/* The token was on the dead node, or the lock never taken. */
		l->owner_dead = true;
		m->st.lock_rb_owner_dead++;
	}
	for (n = 0; n < DSM_MAX_NODES; n++)
		if ((st->fwded & live) >> n & 1 && !(seen >> n & 1) &&
		    !(in >> n & 1))
			requeue(m, l, live, n, &seen);
	mgr_log(m, LOG_INFO, "mgr: lock %u:%u: rebuilt: tail node %d%s",
		l->region, l->id, l->tail,
		l->owner_dead ? ", owner dead" :
		l->token_left ? ", left free by its manager" : "");
}

/*
 * Take the acquires held for @l, in order (those of live nodes). They
 * are taken off @l first: one may be held again (the lock waits for
 * something else now) and is then on @l's list anew.
 */
void mgr_lock_release_held(struct mgr *m, struct mgr_lock *l)
{
	struct mgr_req r = {
		.op = DSM_MGR_LOCK_ACQUIRE, .has_lock = true,
		.lock_id = l->id, .region = l->region, .frag = -1,
	};
	struct mgr_held held[MGR_RB_HELD_MAX];
	int i, n;

	if (!l->st || !l->st->nr_held)
		return;
	n = l->st->nr_held;
	memcpy(held, l->st->held, (size_t)n * sizeof(held[0]));
	l->st->nr_held = 0;
	for (i = 0; i < n; i++) {
		if (!(m->lost >> held[i].from & 1)) {
			r.cookie = held[i].cookie;
			r.payload = held[i].payload;
			r.len = held[i].len;
			mgr_lock_acquire(m, held[i].from, &r);
		}
		free(held[i].payload);
	}
}

/*
 * The rebuild of @dead's locks ends when @dead is declared down here and
 * every member not lost (this node included) said it is done.
 */
static void rb_try(struct mgr *m, int dead)
{
	uint64_t need = m->members & ~m->lost;
	uint32_t h;
	struct mgr_lock *l, *next;

	if (!(m->rb_open >> dead & 1) || !(m->lost >> dead & 1) ||
	    (m->rb_done[dead] & need) != need)
		return;
	m->rb_open &= ~(1ULL << dead);
	m->st.lock_rebuilds++;
	mgr_log(m, LOG_INFO, "mgr: node %d's locks: every survivor told its state",
		dead);
	for (h = 0; h < MGR_HASH_SIZE; h++) {
		for (l = m->locks[h]; l; l = next) {
			next = l->next;
			if (l->rb != dead)
				continue;
			l->rb = -1;
			m->st.lock_rb_locks++;
			if (!st_get(l)) {
				/* No state: from no tail, owner dead. */
				l->tail = -1;
				l->owner_dead = true;
				m->st.lock_rb_owner_dead++;
				continue;
			}
			merge(m, l, dead);
			mgr_lock_rb_reset(l);
			mgr_lock_release_held(m, l);
			mgr_lock_st_trim(l);
			/* Handed over if its manager moved meanwhile. */
			mgr_ho_settle(m, l);
		}
	}
}

/*
 * @node was declared down here (m->lost has it, if it was up): if this
 * node is its successor, the rebuild of its locks opens; every open
 * rebuild waits for @node no more.
 */
void mgr_lock_rb_node_down(struct mgr *m, int node)
{
	int d;

	if ((m->lost >> node & 1) &&
	    dsm_backup_of((u32)node, m->members & ~m->lost, DSM_MAX_NODES) ==
	    (u32)m->self)
		rb_open(m, node);
	for (d = 0; d < DSM_MAX_NODES; d++)
		rb_try(m, d);
}

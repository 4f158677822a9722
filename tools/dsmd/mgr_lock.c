// SPDX-License-Identifier: GPL-2.0
/*
 * mgr_lock.c - the lock manager of dsmd (Documentation/lrc.md, "Locks").
 *
 * Lock L of namespace R (the region word of kmod/core/dsm_wire.h, 0 for
 * the cluster-wide one) is managed by the (dsm_sync_key(R, L) mod n)-th
 * member in ascending id order (for R = 0: L mod n), or when that one is
 * lost by the next member not lost (dsm_lock_manager(); the state moves
 * with it: mgr_lock_rb.c); the
 * manager keeps only the lock's tail (its last requester) and forwards
 * each acquire to it: the grant goes from the tail's kernel to the
 * requester's over the data connection. The tail's dsmd hands a forward
 * to its kernel after checking it (mgr_peer_forward). The log names a
 * lock region:id (the region word, 0 for the cluster-wide namespace), as
 * the kernel's does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "dsm_members.h"
#include "mgr_internal.h"

struct mgr_lock *mgr_lock_find(const struct mgr *m, uint32_t region,
			       uint32_t id, struct mgr_lock ***pprev)
{
	struct mgr_lock **pp = (struct mgr_lock **)
		&m->locks[mgr_hash32(dsm_sync_key(region, id))];

	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->id == id && (*pp)->region == region)
			break;
	if (pprev)
		*pprev = pp;
	return *pp;
}

/*
 * Lock (@region, @id), made if new (answering @from's request @cookie
 * with the error if it cannot be); NULL then.
 */
struct mgr_lock *mgr_lock_get(struct mgr *m, uint32_t region, uint32_t id,
			      int from, uint64_t cookie)
{
	struct mgr_lock **pp, *l = mgr_lock_find(m, region, id, &pp);
	int d;

	if (l)
		return l;
	if (m->nr_locks >= MGR_LOCKS_MAX) {
		mgr_why(m, 0, "lock table full (%d locks)", MGR_LOCKS_MAX);
		if (from >= 0)
			mgr_refuse(m, from, cookie, ENOSPC, "lock acquire");
		return NULL;
	}
	l = calloc(1, sizeof(*l));
	if (!l) {
		mgr_why(m, 0, "out of memory");
		if (from >= 0)
			mgr_refuse(m, from, cookie, ENOMEM, "lock acquire");
		return NULL;
	}
	l->id = id;
	l->region = region;
	l->tail = -1;
	l->rb = -1;
	l->ho_to = -1;
	/* Its old manager may still hand it over (mgr_lock_ho.c). */
	l->ho = (int8_t)mgr_ho_from(m, region, id);
	memset(l->fwd_to, -1, sizeof(l->fwd_to));
	/*
	 * New here, but a dead node managed it: that node may have had its
	 * token (held, or idle after its release), and nobody can tell.
	 */
	d = mgr_lock_dead_mgr(m, region, id);
	/* Unless that node left with the token free (mgr_lock_kept.c). */
	l->token_left = d >= 0 &&
			mgr_lock_kept_has(m, d, dsm_sync_key(region, id));
	l->owner_dead = d >= 0 && !l->token_left;
	*pp = l;
	m->nr_locks++;
	m->st.locks = m->nr_locks;
	return l;
}

int mgr_lock_tail(const struct mgr *m, uint32_t region, uint32_t lock_id)
{
	struct mgr_lock *l = mgr_lock_find(m, region, lock_id, NULL);

	return l ? l->tail : -1;
}

/*
 * The token of @l is (re)created at @from, which becomes the tail: the
 * reply says so, flagged DSM_MGR_F_OWNER_DEAD if the node that last had
 * the token died with it (now, @tail_down, or when its tail was cleared),
 * else DSM_MGR_F_TOKEN_LEFT if that node left with it free.
 */
static void fresh(struct mgr *m, struct mgr_lock *l, int from,
		  const struct mgr_req *r, bool tail_down)
{
	bool dead = l->owner_dead || tail_down;
	bool left = !dead && l->token_left;

	l->tail = from;
	l->owner_dead = false;
	l->token_left = false;
	m->st.lock_fresh++;
	if (dead)
		mgr_log(m, LOG_INFO, "mgr: lock %u:%u: its last holder's node died: to node %d, owner dead",
			r->region, r->lock_id, from);
	else if (left)
		mgr_log(m, LOG_INFO, "mgr: lock %u:%u: its last holder's node left it free: to node %d, which learns what it lacks",
			r->region, r->lock_id, from);
	else
		mgr_log(m, LOG_DEBUG, "mgr: lock %u:%u: free, to node %d",
			r->region, r->lock_id, from);
	mgr_reply(m, from, r->cookie, 0, dead ? DSM_MGR_F_OWNER_DEAD :
		  left ? DSM_MGR_F_TOKEN_LEFT : 0, NULL, 0);
}

/*
 * A LOCK_RELEASE of @from (checked): the token of the lock is at @from,
 * free, and never used there again (its node leaves: lrc.md "Leaving").
 * If @from is still the lock's tail and nothing rebuilds or hands the
 * lock over here, the tail is forgotten and the lock marked
 * (@token_left): its next acquirer gets a fresh token flagged
 * DSM_MGR_F_TOKEN_LEFT. Otherwise a request was forwarded to @from since
 * (which @from grants), or its state is not settled here: nothing
 * changes, and the lock stays as if @from had not said it. The answer:
 * 0 if marked, else EBUSY.
 */
void mgr_lock_left(struct mgr *m, int from, const struct mgr_req *r)
{
	struct mgr_lock *l = mgr_lock_find(m, r->region, r->lock_id, NULL);

	if (!l || l->tail != from || l->owner_dead || l->rb >= 0 ||
	    l->ho >= 0) {
		m->st.lock_left_ignored++;
		mgr_log(m, LOG_INFO, "mgr: lock %u:%u: node %d gives its token up, but is not its settled tail here (tail %d); ignored",
			r->region, r->lock_id, from, l ? l->tail : -1);
		mgr_reply(m, from, r->cookie, EBUSY, 0, NULL, 0);
		return;
	}
	l->tail = -1;
	l->token_left = true;
	m->st.lock_left++;
	mgr_log(m, LOG_INFO, "mgr: lock %u:%u: node %d leaves, its token free: the next acquirer learns what it lacks",
		r->region, r->lock_id, from);
	/* Our own: the mark would leave with us (mgr_lock_kept.c). */
	if (from == m->self)
		mgr_lock_kept_send(m, r);
	mgr_reply(m, from, r->cookie, 0, 0, NULL, 0);
}

/* An acquire by @from of a lock this node manages (checked). */
void mgr_lock_acquire(struct mgr *m, int from, const struct mgr_req *r)
{
	struct mgr_lock *l = mgr_lock_get(m, r->region, r->lock_id, from,
					  r->cookie);
	int tail;

	if (!l)
		return;
	/* Its state is being rebuilt after its manager died: later. */
	if (mgr_lock_rb_hold(m, l, from, r))
		return;
	/* Its old manager has not handed it over yet: later. */
	if (mgr_ho_hold(m, l, from, r))
		return;
	if (l->fwd_to[from] >= 0 && l->fwd_cookie[from] == r->cookie) {
		/* Sent again after a failover: it is in the queue already. */
		mgr_log(m, LOG_INFO, "mgr: lock %u:%u: node %d's request (cookie %llu) is queued at node %d already",
			r->region, r->lock_id, from,
			(unsigned long long)r->cookie, l->fwd_to[from]);
		mgr_forwarded(m, from, r->cookie);
		return;
	}
	if (l->last_cookie[from] == r->cookie && r->cookie) {
		mgr_log(m, LOG_INFO, "mgr: lock %u:%u: node %d's request (cookie %llu) answered already; dropped",
			r->region, r->lock_id, from,
			(unsigned long long)r->cookie);
		return;
	}
	l->last_cookie[from] = r->cookie;
	tail = l->tail;
	/* A new request of @from: its earlier one is over. */
	l->fwd_to[from] = -1;
	/*
	 * No tail, or its node is down: the token is (re)created at the
	 * requester. The requester itself as tail asked again because its
	 * kernel has no token (its wait failed): the same.
	 */
	if (tail < 0 || tail == from || m->peer[tail] == MGR_PEER_DOWN) {
		fresh(m, l, from, r, tail >= 0 && tail != from);
		return;
	}
	if (!mgr_peer_up(m, tail)) {
		mgr_log(m, LOG_INFO, "mgr: lock %u:%u: tail node %d unreachable; refusing node %d",
			r->region, r->lock_id, tail, from);
		mgr_reply(m, from, r->cookie, EHOSTDOWN, 0, NULL, 0);
		return;
	}
	if (mgr_lock_forward(m, l, from, r->cookie, r->payload, r->len)) {
		mgr_reply(m, from, r->cookie, EHOSTDOWN, 0, NULL, 0);
		return;
	}
	mgr_forwarded(m, from, r->cookie);
}

/*
 * Forward request @cookie of @from (its LOCK_REQ @payload) to the tail of
 * @l, a live node, and make @from the tail. Return: 0, or -1 if it cannot
 * be sent (nothing changed).
 */
int mgr_lock_forward(struct mgr *m, struct mgr_lock *l, int from,
		     uint64_t cookie, const uint8_t *payload, size_t len)
{
	int tail = l->tail;

	if (tail == m->self) {
		m->st.forwards_delivered++;
		m->ops.kernel_forward(m->ops.ctx, l->id, payload, len);
	} else if (m->ops.send_forward(m->ops.ctx, tail, l->id, from, cookie,
				       payload, len)) {
		return -1;
	}
	l->tail = from;
	l->fwd_to[from] = (int8_t)tail;
	l->fwd_cookie[from] = cookie;
	m->st.lock_forwarded++;
	mgr_log(m, LOG_DEBUG, "mgr: lock %u:%u: node %d forwarded to node %d",
		l->region, l->id, from, tail);
	return 0;
}

/*
 * The requester's dsmd forgets request @cookie of @from and tells its
 * kernel, whose wait for the manager is over: the tail grants it.
 */
void mgr_forwarded(struct mgr *m, int from, uint64_t cookie)
{
	if (from != m->self)
		mgr_reply(m, from, cookie, 0, MGR_F_FORWARDED, NULL, 0);
	else
		m->ops.kernel_reply(m->ops.ctx, cookie, 0,
				    DSM_MGR_F_FORWARDED, NULL, 0);
}

/*
 * Node @node is down: the requests of lock @l forwarded to it will get no
 * grant. Tell each requester (its dsmd forgot the cookie at FORWARDED, so
 * the reply is flagged MGR_F_FWD_LOST); its kernel re-creates the token.
 * The dead node's writes under the lock that it did not pass on are lost.
 */
static void fwd_lost(struct mgr *m, struct mgr_lock *l, int node)
{
	int r;

	l->fwd_to[node] = -1;	/* its own request: nobody waits for it */
	for (r = 0; r < DSM_MAX_NODES; r++) {
		if (l->fwd_to[r] != node)
			continue;
		l->fwd_to[r] = -1;
		m->st.lock_fwd_lost++;
		mgr_log(m, LOG_INFO, "mgr: lock %u:%u: node %d's request was forwarded to node %d, down: node %d re-creates the token",
			l->region, l->id, r, node, r);
		if (r == m->self)
			m->ops.kernel_reply(m->ops.ctx, l->fwd_cookie[r], 0,
					    DSM_MGR_F_OWNER_DEAD, NULL, 0);
		else
			mgr_reply(m, r, l->fwd_cookie[r], 0, MGR_F_FWD_LOST,
				  NULL, 0);
	}
}

/* @l records no forward. */
static bool no_fwds(const struct mgr_lock *l)
{
	int r;

	for (r = 0; r < DSM_MAX_NODES; r++)
		if (l->fwd_to[r] >= 0)
			return false;
	return true;
}

/* @l says nothing: no tail, no forward, no owner-dead or left mark. */
bool mgr_lock_unused(const struct mgr_lock *l)
{
	return l->tail < 0 && !l->owner_dead && !l->token_left && no_fwds(l);
}

/* Take @l out of the table and free it. */
void mgr_lock_del(struct mgr *m, struct mgr_lock *l)
{
	struct mgr_lock **pp;

	if (mgr_lock_find(m, l->region, l->id, &pp) != l)
		return;
	*pp = l->next;
	mgr_lock_rb_free(l);
	free(l);
	m->nr_locks--;
	m->st.locks = m->nr_locks;
}

/*
 * Node @node is down (or, @node == self, our kernel was reset): the
 * requests forwarded to it are told so (fwd_lost()), and the tails equal
 * to it cleared and marked owner dead (the next acquirer hears of it); a
 * lock with neither tail nor forward nor that mark is freed.
 */
void mgr_lock_clear_tail(struct mgr *m, int node)
{
	uint32_t h, n = 0;

	for (h = 0; h < MGR_HASH_SIZE; h++) {
		struct mgr_lock **pp = &m->locks[h];

		while (*pp) {
			struct mgr_lock *l = *pp;

			fwd_lost(m, l, node);
			if (l->tail == node) {
				l->tail = -1;
				l->owner_dead = true;
				n++;
			}
			if (mgr_lock_unused(l) && l->rb < 0 && l->ho < 0) {
				*pp = l->next;
				mgr_lock_rb_free(l);
				free(l);
				m->nr_locks--;
			} else {
				pp = &l->next;
			}
		}
	}
	m->st.locks = m->nr_locks;
	if (n)
		mgr_log(m, LOG_INFO, "mgr: node %d down: %u lock tails cleared",
			node, n);
}

void mgr_peer_forward(struct mgr *m, int from, uint32_t lock_id,
		      int requester, uint64_t cookie,
		      const uint8_t *payload, size_t len, uint64_t epoch)
{
	struct mgr_req r = {
		.op = DSM_MGR_LOCK_ACQUIRE, .has_lock = true,
		.lock_id = lock_id, .payload = payload, .len = len,
	};
	struct dsm_msg msg;
	int err;

	err = mgr_check_payload(m, &r, DSM_MSG_LOCK_REQ, &msg);
	if (!err && msg.u.lock_req.lock_id != lock_id)
		err = mgr_why(m, EINVAL, "LOCK_REQ is for lock %u",
			      msg.u.lock_req.lock_id);
	if (!err)
		r.region = msg.u.lock_req.region;
	if (!err && !mgr_ho_fwd_ok(m, from, r.region, lock_id, epoch))
		err = mgr_why(m, EINVAL, "node %d is not the manager of lock %u",
			      from, lock_id);
	if (!err && (!mgr_is_member(m, msg.u.lock_req.requester) ||
		     msg.u.lock_req.requester == m->self))
		err = mgr_why(m, EINVAL, "requester %u",
			      msg.u.lock_req.requester);
	if (!err && (msg.u.lock_req.requester != requester ||
		     msg.u.lock_req.req_id != cookie))
		err = mgr_why(m, EINVAL, "LOCK_REQ of node %u (req_id %llu) in the forward of node %d (cookie %llu)",
			      msg.u.lock_req.requester,
			      (unsigned long long)msg.u.lock_req.req_id,
			      requester, (unsigned long long)cookie);
	if (err) {
		m->st.bad++;
		if (!mgr_is_member(m, requester) ||
		    !mgr_ho_fwd_ok(m, from, r.region, lock_id, epoch)) {
			mgr_log(m, LOG_WARNING, "mgr: node %d: bad lock forward: %s; dropped",
				from, m->why);
			return;
		}
		/* The requester waits for a grant from us: fail it. */
		mgr_log(m, LOG_WARNING, "mgr: node %d: bad lock forward of lock %u for node %d (cookie %llu): %s; dropped, the requester gets EPROTO",
			from, lock_id, requester, (unsigned long long)cookie,
			m->why);
		if (requester == m->self) {
			m->st.errors++;
			m->ops.kernel_reply(m->ops.ctx, cookie, EPROTO, 0,
					    NULL, 0);
		} else {
			mgr_reply(m, requester, cookie, EPROTO,
				  MGR_F_FWD_FAILED, NULL, 0);
		}
		return;
	}
	m->st.forwards_delivered++;
	m->ops.kernel_forward(m->ops.ctx, lock_id, payload, len);
}

void mgr_lock_free_all(struct mgr *m)
{
	uint32_t h;

	for (h = 0; h < MGR_HASH_SIZE; h++) {
		while (m->locks[h]) {
			struct mgr_lock *l = m->locks[h];

			m->locks[h] = l->next;
			mgr_lock_rb_free(l);
			free(l);
		}
	}
	m->nr_locks = 0;
	m->st.locks = 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * mgr_lock_ho.c - locks whose manager moves when the membership changes
 * (Documentation/lrc.md, "Locks when the membership changes").
 *
 * A lock's manager is the (key mod n)-th member (dsm_lock_manager()), so
 * node add and node del move most locks. Each dsmd adopts the new table
 * on its own, in no set order, and a lock's state (its tail: the end of
 * the queue of requesters, the token's last holder) lives only in its
 * manager's table: a new manager that started from nothing would grant a
 * fresh token while the old token's holder still holds it. So:
 *
 *  - The old manager A, when it adopts the table of epoch E, hands each
 *    lock it no longer manages to the new manager B (LOCK_HANDOVER: the
 *    tail, the owner-dead mark, each requester's forward and last
 *    cookie) and forgets it; then it tells every member DONE(E): it has
 *    handed over everything it managed before E. A lock whose new manager
 *    it cannot reach yet (a node just added) is kept and handed over when
 *    that node comes up, and DONE to that node waits for it.
 *  - B, from adopting E until DONE(E) from every old member (@ho_wait),
 *    holds the acquires of a lock that another member managed before the
 *    change and that was not handed over yet (@l->ho): a hand-over or
 *    that member's DONE releases them, in order. An old member that goes
 *    away first (connection lost, declared down) ends the wait: its locks
 *    start again from no tail, marked owner dead (the next acquire gets
 *    EOWNERDEAD: the token may be anywhere), as when a manager dies.
 *  - Every manager frame carries the sender's table epoch (protocol 8).
 *    An acquire that reaches A from a requester whose table is older is
 *    answered MOVED with A's epoch and the request: the requester's dsmd
 *    sends it again to the manager its own table names once that table
 *    is at least as new (it parks the request meanwhile, the kernel's
 *    own deadline bounding the wait). A frame from a peer whose table is
 *    newer than ours (an acquire, a hand-over, a DONE) is kept until we
 *    adopt that table (@early), then taken as if it came then; a dsmd
 *    with no table yet (epoch 0: a node waiting to be added; dsmd's
 *    configured table has epoch 1) is older than every table. A forward
 *    from a newer table is taken from any member: we cannot check it.
 *
 * A peer of protocol 7 sends epoch 0 and gets no hand-over: with it,
 * locks move as before (fresh at the new manager). Rebuilds after a
 * failure (mgr_lock_rb.c) and hand-overs compose: a lock is handed over
 * only once its rebuild and its own hand-over wait are over.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "dsm_members.h"
#include "mgr_internal.h"

/**
 * struct mgr_early - a frame of a peer whose table is newer than ours.
 * @epoch:	the peer's table epoch: taken once ours is that new.
 * @r:		a request (@h NULL), its payload in @payload ...
 * @h:		... or a hand-over.
 */
struct mgr_early {
	struct mgr_early *next;
	int from;
	uint64_t epoch;
	struct mgr_req r;
	uint8_t *payload;
	struct mgr_handover *h;
};

static uint64_t bit(int n)
{
	return 1ULL << n;
}

/*
 * The node whose hand-over of lock (@region, @id) this node waits for:
 * its manager before the last change of the members, if that is another
 * node whose DONE has not come; -1: none.
 */
int mgr_ho_from(const struct mgr *m, uint32_t region, uint32_t id)
{
	u32 old;

	if (!m->ho_wait || !m->members_prev)
		return -1;
	old = dsm_lock_manager(m->members_prev, m->lost,
			       dsm_sync_key(region, id), DSM_MAX_NODES);
	if (old >= DSM_MAX_NODES || (int)old == m->self ||
	    !(m->ho_wait >> old & 1))
		return -1;
	return (int)old;
}

/*
 * An acquire of @l by @from: held while @l's old manager may still hand
 * it over (true), else taken now (false).
 */
bool mgr_ho_hold(struct mgr *m, struct mgr_lock *l, int from,
		 const struct mgr_req *r)
{
	if (l->ho < 0)
		return false;
	if (!(m->ho_wait >> l->ho & 1)) {
		l->ho = -1;
		return false;
	}
	m->st.ho_held++;
	mgr_log(m, LOG_INFO, "mgr: lock %u:%u: node %d's acquire (cookie %llu) waits for node %d to hand the lock over",
		l->region, l->id, from, (unsigned long long)r->cookie, l->ho);
	return mgr_lock_hold(m, l, from, r);
}

/* Send @l's state to node @to; 0, or non-zero if it cannot go. */
static int ho_send(struct mgr *m, struct mgr_lock *l, int to)
{
	struct mgr_handover h;
	int n;

	memset(&h, 0, sizeof(h));
	h.epoch = m->epoch;
	h.flags = l->owner_dead ? MGR_HO_OWNER_DEAD :
		  l->token_left && l->tail < 0 ? MGR_HO_TOKEN_LEFT : 0;
	h.region = l->region;
	h.lock_id = l->id;
	h.tail = l->tail;
	for (n = 0; n < DSM_MAX_NODES; n++) {
		if (l->fwd_to[n] < 0 && !l->last_cookie[n])
			continue;
		h.rec[h.nr].node = (uint8_t)n;
		h.rec[h.nr].fwd_to = l->fwd_to[n];
		h.rec[h.nr].fwd_cookie = l->fwd_to[n] >= 0 ?
					 l->fwd_cookie[n] : 0;
		h.rec[h.nr].last_cookie = l->last_cookie[n];
		h.nr++;
	}
	return m->ops.send_handover(m->ops.ctx, to, &h);
}

/*
 * Mark @l to go if a change of the members gave it another manager
 * (@l->ho_to); only such a lock is ever handed over: one this node took
 * as a failed manager's successor (mgr_lock_rb.c) stays.
 */
static void ho_mark(struct mgr *m, struct mgr_lock *l)
{
	int to = mgr_lock_manager(m, l->region, l->id);

	if (to != m->self && to >= 0)
		l->ho_to = (int8_t)to;
}

/*
 * @l, marked to go (ho_mark()), goes to its manager now, or stays marked
 * until that one is reachable. Not while its rebuild or its own
 * hand-over here is open. Return: true if @l was handed over (freed).
 */
bool mgr_ho_settle(struct mgr *m, struct mgr_lock *l)
{
	int to;

	if (l->ho_to < 0 || l->rb >= 0 || l->ho >= 0)
		return false;
	to = mgr_lock_manager(m, l->region, l->id);
	if (to == m->self || to < 0) {
		l->ho_to = -1;
		return false;
	}
	if (!mgr_peer_up(m, to) || ho_send(m, l, to)) {
		if (l->ho_to != to)
			mgr_log(m, LOG_INFO, "mgr: lock %u:%u: its new manager node %d is not reachable: handed over when it is",
				l->region, l->id, to);
		l->ho_to = (int8_t)to;
		return false;
	}
	mgr_log(m, LOG_DEBUG, "mgr: lock %u:%u: handed over to node %d (tail %d)",
		l->region, l->id, to, l->tail);
	m->st.ho_sent++;
	mgr_lock_del(m, l);
	return true;
}

/* Mark every lock (@mark) and settle those marked (mgr_ho_settle()). */
static void settle_all(struct mgr *m, bool mark)
{
	struct mgr_lock *l, *next;
	uint32_t h;

	for (h = 0; h < MGR_HASH_SIZE; h++) {
		for (l = m->locks[h]; l; l = next) {
			next = l->next;
			if (mark)
				ho_mark(m, l);
			mgr_ho_settle(m, l);
		}
	}
}

/*
 * The nodes our DONE must still wait for: those a lock of ours is still
 * to go to (not reachable yet, or waiting here for a rebuild or for its
 * own hand-over).
 */
static uint64_t done_blocked(const struct mgr *m)
{
	const struct mgr_lock *l;
	uint64_t blocked = 0;
	uint32_t h;

	for (h = 0; h < MGR_HASH_SIZE; h++)
		for (l = m->locks[h]; l; l = l->next)
			if (l->ho_to >= 0)
				blocked |= bit(l->ho_to);
	return blocked;
}

/*
 * Hand over what can go now, then say DONE for our last change to every
 * member reachable that has not heard it and has no lock still to come.
 */
static void ho_flush(struct mgr *m)
{
	struct mgr_handover done = {
		.flags = MGR_HO_DONE, .tail = -1,
	};
	uint64_t want, blocked;
	int n;

	if (!m->ho_epoch)
		return;
	settle_all(m, false);
	/* A lock of an earlier change may still come here and go on. */
	if (m->ho_wait_old)
		return;
	want = m->members & ~m->lost & ~bit(m->self) & ~m->ho_done_sent;
	if (!want)
		return;
	blocked = done_blocked(m);
	done.epoch = m->epoch;
	for (n = 0; n < DSM_MAX_NODES; n++) {
		if (!(want >> n & 1) || (blocked >> n & 1) ||
		    !mgr_peer_up(m, n))
			continue;
		if (!m->ops.send_handover(m->ops.ctx, n, &done))
			m->ho_done_sent |= bit(n);
	}
}

/* Take the acquires held for @l (its hand-over came, or never will). */
static void ho_release(struct mgr *m, struct mgr_lock *l)
{
	l->ho = -1;
	if (l->rb >= 0)
		return;		/* its rebuild takes them */
	mgr_lock_release_held(m, l);
	mgr_lock_st_trim(l);
	mgr_ho_settle(m, l);
}

/*
 * The wait for node @from's hand-overs is over: the locks still waiting
 * for one start from what they have, marked owner dead if @lost (the
 * node went away first: its token may be anywhere).
 */
static void ho_end_wait(struct mgr *m, int from, bool lost)
{
	struct mgr_lock *l, *next;
	uint32_t h, n = 0;

	m->ho_wait &= ~bit(from);
	m->ho_wait_old &= ~bit(from);
	for (h = 0; h < MGR_HASH_SIZE; h++) {
		for (l = m->locks[h]; l; l = next) {
			next = l->next;
			if (l->ho != from)
				continue;
			if (lost && l->tail < 0) {
				l->owner_dead = true;
				n++;
			}
			ho_release(m, l);
		}
	}
	if (lost)
		mgr_log(m, LOG_WARNING, "mgr: node %d went away before it handed its locks over: %u of them start again, owner dead",
			from, n);
}

/* The old manager's state @h (checked) of @l. */
static void ho_take(struct mgr *m, struct mgr_lock *l,
		    const struct mgr_handover *h)
{
	uint64_t live = m->members & ~m->lost;
	uint32_t i;

	memset(l->fwd_to, -1, sizeof(l->fwd_to));
	l->owner_dead = h->flags & MGR_HO_OWNER_DEAD;
	l->token_left = !l->owner_dead && (h->flags & MGR_HO_TOKEN_LEFT);
	l->tail = h->tail;
	if (l->tail >= 0 && (!(live >> l->tail & 1) ||
			     m->peer[l->tail] == MGR_PEER_DOWN)) {
		/* Its node left or died since: the token with it. */
		l->tail = -1;
		l->owner_dead = true;
	}
	for (i = 0; i < h->nr; i++) {
		const struct mgr_ho_rec *rec = &h->rec[i];

		if (rec->node >= DSM_MAX_NODES || !(live >> rec->node & 1))
			continue;
		l->last_cookie[rec->node] = rec->last_cookie;
		if (rec->fwd_to < 0 || !(live >> rec->fwd_to & 1))
			continue;
		l->fwd_to[rec->node] = rec->fwd_to;
		l->fwd_cookie[rec->node] = rec->fwd_cookie;
	}
}

/*
 * May @l, handed over here at our own epoch by @from, go on to the
 * manager our table names (if that is another node)? At one epoch every
 * table is the same, and then a lock goes on at most once: the sender
 * counted a node lost that we do not count yet (mgr_lock_manager()), and
 * that node is its manager by every view. Two tables of one epoch (two
 * coordinators at once, a known limit: membership.c) can name managers
 * in a ring, and a lock would go round forever: one that this node
 * passed on at this epoch before stays here the second time.
 */
static bool relay_first(struct mgr *m, const struct mgr_lock *l, int from)
{
	uint32_t i;

	if (mgr_lock_manager(m, l->region, l->id) == m->self)
		return true;
	if (m->relayed_epoch != m->epoch) {
		m->relayed_epoch = m->epoch;
		m->nr_relayed = 0;
	}
	for (i = 0; i < m->nr_relayed; i++)
		if (m->relayed[i].region == l->region &&
		    m->relayed[i].id == l->id)
			break;
	if (i == m->nr_relayed && i < MGR_RELAY_MAX) {
		m->relayed[i].region = l->region;
		m->relayed[i].id = l->id;
		m->nr_relayed++;
		return true;
	}
	m->st.bad++;
	mgr_log(m, LOG_WARNING, "mgr: lock %u:%u: handed over here again (by node %d) at table %llu, whose manager by ours is node %d: two tables of one epoch? it stays here",
		l->region, l->id, from, (unsigned long long)m->epoch,
		mgr_lock_manager(m, l->region, l->id));
	return false;
}

/* Lock state @h from @from (its epoch not newer than ours). */
static void ho_install(struct mgr *m, int from, const struct mgr_handover *h)
{
	struct mgr_lock *l = mgr_lock_find(m, h->region, h->lock_id, NULL);

	/* The codec checked it; a bug elsewhere must not index past. */
	if (h->nr > DSM_MAX_NODES || h->tail < -1 ||
	    h->tail >= DSM_MAX_NODES) {
		m->st.bad++;
		mgr_log(m, LOG_WARNING, "mgr: node %d: bad hand-over of lock %u:%u; dropped",
			from, h->region, h->lock_id);
		return;
	}
	if (l && l->ho != from && !mgr_lock_unused(l)) {
		m->st.bad++;
		mgr_log(m, LOG_WARNING, "mgr: lock %u:%u: node %d hands it over, but this node has its state already (tail %d); kept ours",
			h->region, h->lock_id, from, l->tail);
		return;
	}
	if (!l)
		l = mgr_lock_get(m, h->region, h->lock_id, -1, 0);
	if (!l) {
		mgr_log(m, LOG_ERR, "mgr: lock %u:%u: node %d's hand-over lost: %s",
			h->region, h->lock_id, from, m->why);
		return;
	}
	ho_take(m, l, h);
	/* Our table moved on since: it goes on to the manager it names. */
	if (h->epoch < m->epoch || relay_first(m, l, from))
		ho_mark(m, l);
	m->st.ho_taken++;
	mgr_log(m, LOG_DEBUG, "mgr: lock %u:%u: taken over from node %d (tail %d%s)",
		h->region, h->lock_id, from, l->tail,
		l->owner_dead ? ", owner dead" :
		l->token_left ? ", left free" : "");
	ho_release(m, l);
}

/* Keep a frame of @from for our table of @epoch; false: no room. */
static bool early_add(struct mgr *m, int from, uint64_t epoch,
		      const struct mgr_req *r, const struct mgr_handover *h)
{
	struct mgr_early *e, **pp;

	if (m->nr_early >= MGR_EARLY_MAX)
		return false;
	e = calloc(1, sizeof(*e));
	if (!e)
		return false;
	e->from = from;
	e->epoch = epoch;
	if (h) {
		e->h = malloc(sizeof(*h));
		if (!e->h) {
			free(e);
			return false;
		}
		*e->h = *h;
	} else {
		e->r = *r;
		e->payload = mgr_dup_payload(r->payload, r->len);
		if (!e->payload) {
			free(e);
			return false;
		}
		e->r.payload = r->len ? e->payload : NULL;
	}
	for (pp = &m->early; *pp; pp = &(*pp)->next)
		;
	*pp = e;
	m->nr_early++;
	m->st.ho_early++;
	return true;
}

static void early_free(struct mgr_early *e)
{
	free(e->payload);
	free(e->h);
	free(e);
}

/*
 * Take the kept frames whose epoch our table has reached (or of a node
 * gone, @gone >= 0: drop those), in the order they came.
 */
static void early_take(struct mgr *m, int gone)
{
	struct mgr_early *e, **pp = &m->early, *ready = NULL, **rt = &ready;

	while ((e = *pp)) {
		if (e->from != gone && e->epoch > m->epoch) {
			pp = &e->next;
			continue;
		}
		*pp = e->next;
		m->nr_early--;
		e->next = NULL;
		*rt = e;
		rt = &e->next;
	}
	while ((e = ready)) {
		ready = e->next;
		if (e->from != gone) {
			if (e->h)
				mgr_peer_handover(m, e->from, e->h);
			else
				mgr_peer_request(m, e->from, &e->r);
		}
		early_free(e);
	}
}

/*
 * A request @r of peer @from (checked) that this node may not take as it
 * is: one from a newer table is kept until ours is as new; a lock acquire
 * from an older table of a lock our table gives another manager is
 * answered MOVED. Return: true if it was taken care of here.
 */
bool mgr_ho_request(struct mgr *m, int from, const struct mgr_req *r)
{
	if (!r->epoch || r->op != DSM_MGR_LOCK_ACQUIRE)
		return false;
	/* No table of ours yet (epoch 0) is older than any. */
	if (r->epoch > m->epoch) {
		if (!early_add(m, from, r->epoch, r, NULL)) {
			mgr_log(m, LOG_WARNING, "mgr: node %d's acquire of lock %u:%u (table %llu, ours %llu): cannot keep it",
				from, r->region, r->lock_id,
				(unsigned long long)r->epoch,
				(unsigned long long)m->epoch);
			mgr_reply(m, from, r->cookie, EHOSTDOWN, 0, NULL, 0);
		}
		return true;
	}
	if (!m->epoch || r->epoch == m->epoch ||
	    mgr_lock_manager(m, r->region, r->lock_id) == m->self)
		return false;
	m->st.ho_moved++;
	mgr_log(m, LOG_DEBUG, "mgr: lock %u:%u: node %d (table %llu) asks here, its manager since table %llu is node %d: moved",
		r->region, r->lock_id, from, (unsigned long long)r->epoch,
		(unsigned long long)m->epoch,
		mgr_lock_manager(m, r->region, r->lock_id));
	mgr_reply(m, from, r->cookie, 0, MGR_F_MOVED, r->payload, r->len);
	return true;
}

/*
 * May node @from forward lock (@region, @id) to us, its table being of
 * @epoch? Its manager in our table; in the table before ours if @from's
 * is older; any member if @from's is newer (we cannot check it yet).
 */
bool mgr_ho_fwd_ok(const struct mgr *m, int from, uint32_t region,
		   uint32_t id, uint64_t epoch)
{
	if (mgr_lock_manager(m, region, id) == from)
		return true;
	if (!epoch || epoch == m->epoch)
		return false;
	if (epoch > m->epoch)
		return mgr_is_member(m, from);
	return m->members_prev &&
	       dsm_lock_manager(m->members_prev, m->lost,
				dsm_sync_key(region, id), DSM_MAX_NODES) ==
	       (u32)from;
}

/*
 * Send our kernel's request @o (LOCK_REQ @payload, lock of @region) to
 * the manager our table names. @payload may be @o->payload. That may be
 * the node that answered MOVED: by our view the lock's manager is lost
 * and it is the successor, by its own not yet. Our table is as new as
 * its now, so it takes the acquire as the successor's (mgr.c,
 * manages_lock()), or answers MOVED again only from a newer table still:
 * the epochs grow, so this ends (and the kernel's deadline bounds it).
 */
static void reroute(struct mgr *m, struct mgr_out *o, uint32_t region,
		    const uint8_t *payload, size_t len)
{
	struct mgr_req r = {
		.op = DSM_MGR_LOCK_ACQUIRE, .has_lock = true,
		.lock_id = o->id, .region = region, .cookie = o->cookie,
		.frag = -1, .payload = payload, .len = len,
	};
	uint64_t cookie = o->cookie;
	int node = mgr_lock_manager(m, region, o->id);

	m->st.ho_rerouted++;
	if (node == m->self) {
		mgr_lock_acquire(m, m->self, &r);
		mgr_out_del(m, cookie);
		return;
	}
	if (node < 0 || !mgr_peer_up(m, node) ||
	    m->ops.send_request(m->ops.ctx, node, &r)) {
		mgr_log(m, LOG_WARNING, "mgr: lock %u:%u: our acquire (cookie %llu) moved from node %d, cannot send it to node %d",
			region, o->id, (unsigned long long)cookie, o->node,
			node);
		mgr_reply(m, m->self, cookie, EHOSTDOWN, 0, NULL, 0);
		mgr_out_del(m, cookie);
		return;
	}
	mgr_log(m, LOG_DEBUG, "mgr: lock %u:%u: our acquire moved from node %d to node %d",
		region, o->id, o->node, node);
	o->node = node;
	o->park_epoch = 0;
	if (o->payload != payload)
		return;
	free(o->payload);
	o->payload = NULL;
	o->len = 0;
}

/* The MOVED reply of @from to our kernel's request @o, checked. */
static int moved_check(struct mgr *m, int from, const struct mgr_out *o,
		       uint32_t error, uint32_t flags, const uint8_t *payload,
		       size_t len, uint64_t epoch, struct dsm_msg *msg)
{
	struct mgr_req r = { .op = DSM_MGR_LOCK_ACQUIRE, .payload = payload,
			     .len = len };
	int err;

	if (!o || o->node != from || o->op != DSM_MGR_LOCK_ACQUIRE ||
	    o->failed || o->park_epoch)
		return mgr_why(m, EPROTO, "no acquire of ours waits there");
	if (error || flags != MGR_F_MOVED || !epoch ||
	    epoch > DSM_HOME_EPOCH_MAX)
		return mgr_why(m, EPROTO, "error %u, flags %#x, epoch %llu",
			       error, flags, (unsigned long long)epoch);
	err = mgr_check_payload(m, &r, DSM_MSG_LOCK_REQ, msg);
	if (err)
		return err;
	if (msg->u.lock_req.lock_id != o->id ||
	    msg->u.lock_req.requester != (u32)m->self ||
	    msg->u.lock_req.req_id != o->cookie)
		return mgr_why(m, EPROTO, "the LOCK_REQ is not our request");
	return 0;
}

void mgr_ho_moved(struct mgr *m, int from, struct mgr_out *o,
		  uint64_t cookie, uint32_t error, uint32_t flags,
		  const uint8_t *payload, size_t len, uint64_t epoch)
{
	struct dsm_msg msg;

	if (moved_check(m, from, o, error, flags, payload, len, epoch,
			&msg)) {
		m->st.bad++;
		mgr_log(m, LOG_WARNING, "mgr: node %d: bad moved notice for cookie %llu: %s; dropped",
			from, (unsigned long long)cookie, m->why);
		return;
	}
	if (epoch <= m->epoch) {
		reroute(m, o, msg.u.lock_req.region, payload, len);
		return;
	}
	o->payload = mgr_dup_payload(payload, len);
	if (!o->payload) {
		mgr_reply(m, m->self, cookie, ENOMEM, 0, NULL, 0);
		mgr_out_del(m, cookie);
		return;
	}
	o->len = len;
	o->region = msg.u.lock_req.region;
	o->park_epoch = epoch;
	mgr_log(m, LOG_INFO, "mgr: lock %u:%u: moved since table %llu (ours %llu): our acquire waits for that table",
		o->region, o->id, (unsigned long long)epoch,
		(unsigned long long)m->epoch);
}

/* Send again our parked requests whose table ours has reached. */
static void reroute_parked(struct mgr *m)
{
	struct mgr_out *o, *next;
	uint32_t h;

	for (h = 0; h < MGR_HASH_SIZE; h++) {
		for (o = m->outs[h]; o; o = next) {
			next = o->next;
			if (o->park_epoch && o->park_epoch <= m->epoch)
				reroute(m, o, o->region, o->payload, o->len);
		}
	}
}

/*
 * The members changed from @old (m->members and m->epoch are the new
 * ones): hand over what moved, wait for what comes, take what waited.
 */
void mgr_ho_changed(struct mgr *m, uint64_t old)
{
	if (old != m->members && m->epoch) {
		m->members_prev = old;
		m->ho_wait_old |= m->ho_wait;
		if (m->ho_wait_old)
			m->ho_epoch_prev = m->ho_epoch;
		m->ho_epoch = m->epoch;
		m->ho_done_sent = 0;
		/*
		 * The old members that stay send us their DONE (a node
		 * deleted is lost first; a node that is no member now
		 * waits for nobody: nobody sends it DONE).
		 */
		if (m->members >> m->self & 1)
			m->ho_wait |= old & m->members & ~m->lost &
				      ~bit(m->self);
		settle_all(m, true);
		mgr_log(m, LOG_INFO, "mgr: members %#llx at table %llu: the locks that move are handed over; those that come are waited for from nodes %#llx",
			(unsigned long long)m->members,
			(unsigned long long)m->epoch,
			(unsigned long long)m->ho_wait);
	}
	ho_flush(m);
	early_take(m, -1);
	reroute_parked(m);
}

void mgr_peer_handover(struct mgr *m, int from, const struct mgr_handover *h)
{
	if (from < 0 || from >= DSM_MAX_NODES || from == m->self ||
	    !((m->members | m->members_prev) >> from & 1)) {
		m->st.bad++;
		mgr_log(m, LOG_WARNING, "mgr: hand-over from node %d, not a member; dropped",
			from);
		return;
	}
	/*
	 * Kept also before our first table (epoch 0): a DONE taken then
	 * finds no wait and is lost, and the wait it ends, opened when we
	 * adopt that table, would hold acquires until the kernel's
	 * deadline.
	 */
	if (h->epoch > m->epoch) {
		if (!early_add(m, from, h->epoch, NULL, h))
			mgr_log(m, LOG_WARNING, "mgr: node %d's hand-over (table %llu, ours %llu): cannot keep it; dropped",
				from, (unsigned long long)h->epoch,
				(unsigned long long)m->epoch);
		return;
	}
	if (!(h->flags & MGR_HO_DONE)) {
		ho_install(m, from, h);
		ho_flush(m);
		return;
	}
	/*
	 * A DONE of a change before our last one says nothing of the last
	 * one, but ends what our own DONE waited for.
	 */
	if (h->epoch < m->ho_epoch) {
		if ((m->ho_wait_old >> from & 1) &&
		    h->epoch >= m->ho_epoch_prev) {
			m->ho_wait_old &= ~bit(from);
			ho_flush(m);
		}
		return;
	}
	m->ho_wait_old &= ~bit(from);
	if (!(m->ho_wait >> from & 1)) {
		ho_flush(m);
		return;
	}
	mgr_log(m, LOG_INFO, "mgr: node %d handed over every lock it managed before table %llu",
		from, (unsigned long long)h->epoch);
	ho_end_wait(m, from, false);
	ho_flush(m);
}

/*
 * Peer @node is up: what waited for it goes now. Gone or down: its
 * hand-overs and DONE will not come (those sent may be lost with the
 * connection), its kept frames are dropped, and ours are sent again when
 * it is back.
 */
void mgr_ho_peer_state(struct mgr *m, int node, enum mgr_peer st)
{
	if (st == MGR_PEER_GONE || st == MGR_PEER_DOWN) {
		m->ho_done_sent &= ~bit(node);
		if (m->ho_wait >> node & 1) {
			m->st.ho_lost++;
			ho_end_wait(m, node, true);
		}
		early_take(m, node);
	}
	ho_flush(m);
}

void mgr_ho_free_all(struct mgr *m)
{
	struct mgr_early *e;

	while ((e = m->early)) {
		m->early = e->next;
		early_free(e);
	}
	m->nr_early = 0;
}

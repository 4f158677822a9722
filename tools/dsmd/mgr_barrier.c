// SPDX-License-Identifier: GPL-2.0
/*
 * mgr_barrier.c - the barrier manager of dsmd (Documentation/lrc.md,
 * "Barriers", "Garbage collection").
 *
 * Barriers are managed by the lowest member not lost (mgr.c,
 * mgr_barrier_manager(): when it dies its waiters arrive again at the
 * next one, and nothing here outlives an episode); per barrier id the manager
 * keeps, only while an episode is open, the arrivals and the union of the
 * intervals they carried: the entry is freed once the release is sent (or
 * the episode fails), so a program may use any number of barrier ids. A
 * node has at most one arrival open (its kernel arrives at one barrier at
 * a time): a new arrival of a node supersedes its older one, which its
 * kernel gave up (a fatal signal, a timeout). So the open entries are at
 * most two per member (a barrier and a GC_DONE round), whatever a peer
 * sends. An arrival may come in fragments; each node's release is cut
 * into complete core messages.
 *
 * A barrier waits for the members not lost (dsm_barrier_waits_for(), the
 * rule the kernels' collections count on): a member declared down drops
 * out of the open episodes, which complete among the others, and out of
 * every later one until it is back as a new incarnation and joined lrc
 * again (mgr.back, below).
 *
 * A node added at run time (mgr.added) is not waited for; its arrival
 * makes a collecting barrier where it joins: a release with no interval
 * and DSM_MGR_F_JOIN (Documentation/lrc.md, "Joining at run time"). A
 * lost node back as a new incarnation is joining too (mgr_peer_state()):
 * what its arrival carries is not taken (its interval indices would
 * clash with its old incarnation's), and once it joined (mgr.back) the
 * barriers wait for it again (Documentation/lrc.md, "A restarted node").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "dsm_members.h"
#include "mgr_bar.h"

/* What one interval record counts in mgr.bar_bytes. */
static size_t iv_cost(const struct dsm_interval *iv)
{
	return sizeof(*iv) + 8U * iv->nr_notices;
}

/* Out of lrc: lost, and not back as a new incarnation that joined. */
static bool node_lost(const struct mgr *m, int node)
{
	return (m->lost & ~m->back) >> node & 1;
}

/* Lost and out, but back as a new incarnation that joins (mgr.added). */
static bool node_rejoining(const struct mgr *m, int node)
{
	return node_lost(m, node) && (m->added >> node & 1);
}

/*
 * A member declared down that never was up (dsmd gave up waiting for it
 * at start): not lost, so barriers need it, and are refused (EHOSTDOWN)
 * until it comes up.
 */
static bool member_absent(const struct mgr *m)
{
	int i;

	for (i = 0; i < DSM_MAX_NODES; i++)
		if (mgr_is_member(m, i) && i != m->self &&
		    m->peer[i] == MGR_PEER_DOWN && !node_lost(m, i))
			return true;
	return false;
}

/*
 * A node with this timestamp knows no interval of another node: it never
 * took part (what it made itself before it joined is its own).
 */
static bool vt_alone(const struct dsm_vt *vt, int node)
{
	u32 c;

	for (c = 0; c < DSM_MAX_NODES; c++)
		if ((int)c != node && dsm_vt_get(vt, c))
			return false;
	return true;
}

/* Every node the episode of @b waits for has arrived. */
static bool all_arrived(const struct mgr *m, const struct mgr_bar *b)
{
	return dsm_barrier_complete(b->arrived, m->members,
				    m->lost & ~m->back, m->added);
}

static void ivvec_free(struct mgr *m, struct mgr_ivvec *v)
{
	uint32_t i;

	m->bar_bytes -= v->bytes;
	for (i = 0; i < v->n; i++)
		free((void *)v->v[i].notices);
	free(v->v);
	memset(v, 0, sizeof(*v));
}

static int ivvec_reserve(struct mgr_ivvec *v)
{
	struct dsm_interval *p;
	uint32_t cap;

	if (v->n < v->cap)
		return 0;
	cap = dsm_iv_grow_cap(v->cap);	/* the kernel's rule too */
	if (!cap)
		return -ENOMEM;
	p = realloc(v->v, (size_t)cap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	v->v = p;
	v->cap = cap;
	return 0;
}

static void arrival_clear(struct mgr *m, struct mgr_arrival *a)
{
	ivvec_free(m, &a->staged);
	a->active = a->complete = a->gc = false;
	a->cookie = 0;
	a->next_frag = 0;
	a->last_key = 0;
	a->bytes = 0;
}

/* Forget the open episode; the epoch stays. */
void mgr_bar_episode_clear(struct mgr *m, struct mgr_bar *b)
{
	int i;

	for (i = 0; i < DSM_MAX_NODES; i++) {
		arrival_clear(m, &b->a[i]);
		ivvec_free(m, &b->merged[i]);
	}
	b->arrived = 0;
	b->gc = false;
	dsm_vt_init(&b->vt, 0);
}

/*
 * Barrier (@region, @id) (dsm_sync_key()); a collection round (GC_DONE,
 * no payload) is cluster-wide and has region 0.
 */
static struct mgr_bar **bar_slot(struct mgr *m, int kind, uint32_t region,
				 uint32_t id)
{
	struct mgr_bar **pp = &m->bars[mgr_hash32(dsm_sync_key(region, id) ^
						  (uint64_t)kind << 61)];

	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->id == id && (*pp)->region == region &&
		    (*pp)->kind == kind)
			break;
	return pp;
}

static struct mgr_bar *bar_get(struct mgr *m, int kind, uint32_t region,
			       uint32_t id, bool create)
{
	struct mgr_bar **pp = bar_slot(m, kind, region, id);
	struct mgr_bar *b = *pp;

	if (b || !create || m->nr_bars >= MGR_BARRIERS_MAX)
		return b;
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->id = id;
	b->region = region;
	b->kind = kind;
	*pp = b;
	m->nr_bars++;
	m->st.barriers = m->nr_bars;
	return b;
}

static bool bar_open(const struct mgr_bar *b)
{
	int i;

	for (i = 0; i < DSM_MAX_NODES; i++)
		if (b->a[i].active)
			return true;
	return false;
}

/* Free @b if its episode has no arrival left. Nobody may use @b after. */
static void bar_put(struct mgr *m, struct mgr_bar *b)
{
	struct mgr_bar **pp;

	if (!b || bar_open(b))
		return;
	pp = bar_slot(m, b->kind, b->region, b->id);
	if (*pp != b)
		return;
	mgr_bar_episode_clear(m, b);
	*pp = b->next;
	free(b);
	m->nr_bars--;
	m->st.barriers = m->nr_bars;
}

/* Drop the rest of @node's arrival @cookie, refused while it had MORE. */
static void skip_rest(struct mgr *m, int node, uint64_t cookie)
{
	m->bar_skip[node] = cookie;
	m->bar_skipping |= 1ULL << node;
}

/*
 * A fragment of @node's arrival @cookie that belongs to one refused
 * before: true if it is to be dropped. Any other arrival of the node ends
 * the skipping.
 */
static bool skipped(struct mgr *m, int node, const struct mgr_req *r)
{
	bool skip = (m->bar_skipping >> node & 1) &&
		    m->bar_skip[node] == r->cookie;

	if (!skip || !(r->flags & DSM_MGR_F_MORE))
		m->bar_skipping &= ~(1ULL << node);
	return skip;
}

/* Take @node's arrival out of @b's episode (answering nothing). */
static void arrival_drop(struct mgr *m, struct mgr_bar *b, int node)
{
	arrival_clear(m, &b->a[node]);
	b->arrived &= ~(1ULL << node);
}

/*
 * @node starts a new arrival @cookie of @kind: its kernel gave up any
 * other arrival it has open there (it has one at a time), which is
 * answered ESTALE (so that the requester's dsmd forgets it) and dropped
 * from its episode; the intervals it brought stay merged (they are facts
 * whoever carried them). So one node holds at most one open entry of a
 * kind, and an interrupted arrival never counts for a barrier the node
 * has left.
 */
static void supersede(struct mgr *m, int kind, int node, uint64_t cookie)
{
	uint32_t h;

	for (h = 0; h < MGR_HASH_SIZE; h++) {
		struct mgr_bar *b = m->bars[h], *next;

		for (; b; b = next) {
			struct mgr_arrival *a = &b->a[node];

			next = b->next;
			if (b->kind != kind || !a->active ||
			    a->cookie == cookie)
				continue;
			mgr_log(m, LOG_INFO, "mgr: barrier %u: node %d arrives again (cookie %llu): its arrival %llu is dropped",
				b->id, node, (unsigned long long)cookie,
				(unsigned long long)a->cookie);
			m->st.superseded++;
			mgr_reply(m, node, a->cookie, ESTALE, 0, NULL, 0);
			arrival_drop(m, b, node);
			bar_put(m, b);
		}
	}
}

/*
 * Drop @from's arrival @r after a refusal of one of its fragments (if it
 * is the one open in @b, which may be NULL), and the rest of its
 * fragments. The caller puts @b.
 */
static void arrival_refused(struct mgr *m, struct mgr_bar *b, int from,
			    const struct mgr_req *r)
{
	struct mgr_arrival *a = b ? &b->a[from] : NULL;

	if (a && a->active && !a->complete && a->cookie == r->cookie)
		arrival_drop(m, b, from);
	if (r->flags & DSM_MGR_F_MORE)
		skip_rest(m, from, r->cookie);
}

/* A peer's arrival @r was refused before it reached the manager logic. */
void mgr_bar_refused(struct mgr *m, int from, const struct mgr_req *r)
{
	struct mgr_bar *b = bar_get(m, MGR_KIND_BARRIER, r->region,
				    r->barrier_id, false);

	arrival_refused(m, b, from, r);
	bar_put(m, b);
}

/* Copy the intervals of one fragment into @a->staged. */
static int stage(struct mgr *m, struct mgr_arrival *a,
		 const struct dsm_msg_barrier *mb)
{
	struct dsm_msg_iter it;
	struct dsm_msg_interval iv;

	dsm_msg_iter_intervals(&mb->iv, &it);
	while (dsm_msg_next_interval(&it, &iv)) {
		uint64_t key = (uint64_t)iv.creator << 32 | iv.index;
		struct dsm_interval *d;
		u64 *notices = NULL;

		if (key <= a->last_key)
			return mgr_why(m, EPROTO, "intervals not ascending across fragments (%u, %u)",
				       iv.creator, iv.index);
		if (a->staged.n >= MGR_ARRIVAL_IV_MAX ||
		    a->bytes + 8U * iv.nr_notices > MGR_ARRIVAL_BYTES_MAX)
			return mgr_why(m, ENOSPC, "arrival larger than %u intervals or %u bytes",
				       MGR_ARRIVAL_IV_MAX, MGR_ARRIVAL_BYTES_MAX);
		if (m->bar_bytes + sizeof(*d) + 8U * iv.nr_notices >
		    m->bar_bytes_max)
			return mgr_why(m, ENOSPC, "barrier state would exceed %zu bytes",
				       m->bar_bytes_max);
		if (ivvec_reserve(&a->staged))
			return mgr_why(m, ENOMEM, "out of memory");
		if (iv.nr_notices) {
			notices = malloc(8U * iv.nr_notices);
			if (!notices)
				return mgr_why(m, ENOMEM, "out of memory");
		}
		d = &a->staged.v[a->staged.n++];
		dsm_msg_interval_copy(&iv, d, notices);
		a->bytes += 8U * iv.nr_notices;
		a->staged.bytes += iv_cost(d);
		m->bar_bytes += iv_cost(d);
		a->last_key = key;
	}
	return 0;
}

/* Position of interval @index in @v (sorted), or where it would go. */
static uint32_t ivvec_search(const struct mgr_ivvec *v, uint32_t index,
			     bool *found)
{
	uint32_t lo = 0, hi = v->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (v->v[mid].index == index) {
			*found = true;
			return mid;
		}
		if (v->v[mid].index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

static bool same_interval(const struct dsm_interval *a,
			  const struct dsm_interval *b)
{
	return a->nr_notices == b->nr_notices &&
	       dsm_vt_compare(&a->vt, &b->vt) == DSM_VT_EQUAL &&
	       (!a->nr_notices ||
		!memcmp(a->notices, b->notices, 8U * a->nr_notices));
}

/*
 * Merge a complete arrival into the episode: intervals already known are
 * skipped, but must be identical to what is known.
 */
static int merge(struct mgr *m, struct mgr_bar *b, struct mgr_arrival *a)
{
	uint32_t i, pos;
	bool found;

	for (i = 0; i < a->staged.n; i++) {
		const struct dsm_interval *iv = &a->staged.v[i];
		struct mgr_ivvec *v = &b->merged[iv->creator];

		pos = ivvec_search(v, iv->index, &found);
		if (found && !same_interval(&v->v[pos], iv))
			return mgr_why(m, EPROTO, "interval (%u, %u) differs from another node's copy",
				       iv->creator, iv->index);
	}
	for (i = 0; i < a->staged.n; i++) {
		struct dsm_interval *iv = &a->staged.v[i];
		struct mgr_ivvec *v = &b->merged[iv->creator];

		pos = ivvec_search(v, iv->index, &found);
		if (found)
			continue;
		if (ivvec_reserve(v))
			return mgr_why(m, ENOMEM, "out of memory");
		memmove(&v->v[pos + 1], &v->v[pos],
			(size_t)(v->n - pos) * sizeof(*v->v));
		v->v[pos] = *iv;
		v->n++;
		/* Counted by the episode now. */
		v->bytes += iv_cost(iv);
		a->staged.bytes -= iv_cost(iv);
		iv->notices = NULL;	/* owned by the episode now */
		iv->nr_notices = 0;
	}
	return 0;
}

/*
 * Take fragment @frag of the arrival @r of a node in: the first opens the
 * arrival (and sets the episode's epoch if it is the first), the next
 * ones must follow in order with the same epoch and timestamp. Returns 0,
 * or the errno to refuse it with (m->why says why).
 */
static int arrival_frag(struct mgr *m, struct mgr_bar *b,
			struct mgr_arrival *a, const struct mgr_req *r,
			const struct dsm_msg_barrier *mb, int frag)
{
	if (!frag) {
		if (a->active)	/* same cookie: see supersede() */
			return mgr_why(m, EPROTO, "second arrival at barrier %u epoch %u",
				       b->id, b->epoch);
		if (b->epoch_set && mb->epoch != b->epoch)
			return mgr_why(m, EPROTO, "barrier %u: epoch %u, expected %u",
				       b->id, mb->epoch, b->epoch);
		b->epoch = mb->epoch;
		b->epoch_set = true;
		a->active = true;
		a->cookie = r->cookie;
		a->epoch = mb->epoch;
		a->vt = mb->iv.vt;
		a->next_frag = 1;
		return 0;
	}
	if (!a->active || a->complete || a->cookie != r->cookie ||
	    frag != a->next_frag)
		return mgr_why(m, EPROTO, "barrier %u: unexpected fragment %d",
			       b->id, frag);
	if (mb->epoch != a->epoch ||
	    dsm_vt_compare(&mb->iv.vt, &a->vt) != DSM_VT_EQUAL)
		return mgr_why(m, EPROTO, "barrier %u: fragment %d has another epoch or timestamp",
			       b->id, frag);
	a->next_frag++;
	return 0;
}

/*
 * The last fragment of @from's arrival came: merge it into the episode,
 * and release the barrier when every member has arrived. Returns 0, or
 * the errno to refuse the arrival with.
 */
static int arrival_done(struct mgr *m, struct mgr_bar *b, int from)
{
	struct mgr_arrival *a = &b->a[from];
	int err;

	err = merge(m, b, a);
	if (err)
		return err;
	ivvec_free(m, &a->staged);
	a->complete = true;
	b->arrived |= 1ULL << from;
	if (!node_rejoining(m, from))
		dsm_vt_merge(&b->vt, &a->vt);
	b->gc |= a->gc;
	mgr_log(m, LOG_DEBUG, "mgr: barrier %u epoch %u: node %d arrived",
		b->id, b->epoch, from);
	if (all_arrived(m, b))
		mgr_bar_release(m, b);
	return 0;
}

/* The fragment number of @from's arrival @r (the local kernel's are not). */
static int frag_of(struct mgr *m, int from, const struct mgr_req *r)
{
	struct mgr_bar *b;

	if (r->frag >= 0)
		return r->frag;
	/* The local kernel's fragments are in order but not numbered. */
	b = bar_get(m, MGR_KIND_BARRIER, r->region, r->barrier_id, false);
	if (b && b->a[from].active && !b->a[from].complete &&
	    b->a[from].cookie == r->cookie)
		return b->a[from].next_frag;
	return 0;
}

/* A fragment of an arrival by @from at a barrier this node manages. */
void mgr_bar_arrive(struct mgr *m, int from, const struct mgr_req *r,
		    const struct dsm_msg *msg)
{
	const struct dsm_msg_barrier *mb = &msg->u.barrier;
	struct mgr_arrival *a;
	struct mgr_bar *b;
	int frag, err;

	if (skipped(m, from, r))
		return;		/* the rest of an arrival already refused */
	if (node_lost(m, from) && !node_rejoining(m, from)) {
		mgr_bar_refused(m, from, r);
		mgr_why(m, 0, "node %d was declared down: it takes part again once it is back as a new incarnation",
			from);
		mgr_refuse(m, from, r->cookie, ESTALE, "barrier arrival");
		return;
	}
	if (member_absent(m)) {
		mgr_bar_refused(m, from, r);
		mgr_reply(m, from, r->cookie, EHOSTDOWN, 0, NULL, 0);
		return;
	}
	frag = frag_of(m, from, r);
	if (!frag && (m->added >> from & 1) && !vt_alone(&mb->iv.vt, from)) {
		m->added &= ~(1ULL << from);
		m->back |= m->lost & 1ULL << from;
		mgr_log(m, LOG_INFO, "mgr: node %d joined lrc elsewhere",
			from);
	}
	if (!frag)
		supersede(m, MGR_KIND_BARRIER, from, r->cookie);
	b = bar_get(m, MGR_KIND_BARRIER, r->region, r->barrier_id, true);
	if (!b) {
		mgr_why(m, 0, "too many barriers (%d)", MGR_BARRIERS_MAX);
		mgr_refuse(m, from, r->cookie, ENOSPC, "barrier arrival");
		if (r->flags & DSM_MGR_F_MORE)
			skip_rest(m, from, r->cookie);
		return;
	}
	a = &b->a[from];
	err = arrival_frag(m, b, a, r, mb, frag);
	/* Its intervals are its new incarnation's: not taken (above). */
	if (!err && !node_rejoining(m, from))
		err = stage(m, a, mb);
	if (err)
		goto refused;
	if (r->flags & DSM_MGR_F_GC_WANTED || (m->added >> from & 1))
		a->gc = true;	/* a joining node joins at a collection */
	if (!(r->flags & DSM_MGR_F_MORE))
		err = arrival_done(m, b, from);
	if (err)
		goto refused;
	bar_put(m, b);	/* freed when released */
	return;
refused:
	arrival_refused(m, b, from, r);
	bar_put(m, b);
	mgr_refuse(m, from, r->cookie, err, "barrier arrival");
}

/* Every node waited for is done collecting: answer them all. */
static void gc_release(struct mgr *m, struct mgr_bar *b)
{
	int node;

	for (node = 0; node < DSM_MAX_NODES; node++)
		if (b->arrived >> node & 1)
			mgr_reply(m, node, b->a[node].cookie, 0, 0, NULL, 0);
	m->st.gc_released++;
	mgr_log(m, LOG_DEBUG, "mgr: barrier %u: garbage collected everywhere",
		b->id);
	mgr_bar_episode_clear(m, b);
}

void mgr_bar_gc_done(struct mgr *m, int from, const struct mgr_req *r)
{
	struct mgr_arrival *a;
	struct mgr_bar *b;

	if (node_lost(m, from)) {
		mgr_why(m, 0, "node %d was declared down and has not joined lrc again",
			from);
		mgr_refuse(m, from, r->cookie, ESTALE, "gc done");
		return;
	}
	if (member_absent(m)) {
		mgr_reply(m, from, r->cookie, EHOSTDOWN, 0, NULL, 0);
		return;
	}
	supersede(m, MGR_KIND_GC, from, r->cookie);
	b = bar_get(m, MGR_KIND_GC, 0, r->barrier_id, true);
	if (!b) {
		mgr_why(m, 0, "too many barriers (%d)", MGR_BARRIERS_MAX);
		mgr_refuse(m, from, r->cookie, ENOSPC, "gc done");
		return;
	}
	a = &b->a[from];
	if (a->active) {
		mgr_why(m, 0, "second gc done for barrier %u", b->id);
		mgr_refuse(m, from, r->cookie, EPROTO, "gc done");
		return;
	}
	a->active = a->complete = true;
	a->cookie = r->cookie;
	b->arrived |= 1ULL << from;
	if (!all_arrived(m, b))
		return;
	gc_release(m, b);
	bar_put(m, b);
}

/* @node, never up, is down: the episode of @b fails with EHOSTDOWN. */
static void episode_fail(struct mgr *m, struct mgr_bar *b, int node)
{
	int i;

	for (i = 0; i < DSM_MAX_NODES; i++) {
		struct mgr_arrival *a = &b->a[i];

		if (i == node || !a->active)
			continue;
		mgr_reply(m, i, a->cookie, EHOSTDOWN, 0, NULL, 0);
		if (!a->complete)	/* its other fragments are dropped */
			skip_rest(m, i, a->cookie);
	}
	mgr_log(m, LOG_INFO, "mgr: barrier %u: node %d down, waiters failed",
		b->id, node);
	mgr_bar_episode_clear(m, b);
}

/*
 * @node is down (lost already): the episode of @b no longer waits for it.
 * Its arrival goes (the intervals it brought stay merged: facts whoever
 * carried them), and the episode completes if everyone else is there.
 */
static void episode_lose(struct mgr *m, struct mgr_bar *b, int node)
{
	bool had = b->a[node].active;

	arrival_drop(m, b, node);
	if (!b->arrived)
		return;
	if (had || all_arrived(m, b))
		mgr_log(m, LOG_INFO, "mgr: barrier %u: node %d down, not waited for",
			b->id, node);
	if (!all_arrived(m, b))
		return;
	if (b->kind == MGR_KIND_GC)
		gc_release(m, b);
	else
		mgr_bar_release(m, b);
}

/*
 * @node is down: the open episodes go on without it (and complete when
 * every other node they wait for is there). @node is gone (or our kernel
 * lost its state): its arrivals are dropped without an answer -- its dsmd
 * fails them -- and the others wait on.
 */
void mgr_bar_node_lost(struct mgr *m, int node, bool down)
{
	struct mgr_bar *b, *next;
	uint32_t h;

	if (!down)
		m->bar_skipping &= ~(1ULL << node);
	for (h = 0; h < MGR_HASH_SIZE; h++) {
		for (b = m->bars[h]; b; b = next) {
			next = b->next;
			if (down && node_lost(m, node))
				episode_lose(m, b, node);
			else if (down)
				episode_fail(m, b, node);
			else
				arrival_drop(m, b, node);
			bar_put(m, b);
		}
	}
}

void mgr_bar_free_all(struct mgr *m)
{
	uint32_t h;

	for (h = 0; h < MGR_HASH_SIZE; h++) {
		while (m->bars[h]) {
			struct mgr_bar *b = m->bars[h];

			m->bars[h] = b->next;
			mgr_bar_episode_clear(m, b);
			free(b);
		}
	}
	m->nr_bars = 0;
	m->st.barriers = 0;
	m->bar_skipping = 0;
}

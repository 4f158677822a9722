// SPDX-License-Identifier: GPL-2.0
/*
 * mgr.c - the lock and barrier managers of dsmd, and the router that takes
 * the local kernel's requests to the managing node (Documentation/lrc.md).
 *
 * Lock L is managed by the (L mod n)-th member in ascending id order; the
 * manager keeps only the lock's tail (its last requester). Barriers are
 * managed by the lowest member; per barrier id the manager keeps the epoch
 * and, while an episode is open, the arrivals and the union of the
 * intervals they carried, which it forgets once the release is sent.
 *
 * Everything that comes in is untrusted: the kernel's requests and the
 * peers' frames are checked field by field, payloads are decoded with the
 * protocol core's decoder (kmod/core/dsm_wire.c) before anything is
 * acted on, and a refusal is answered with an errno (EINVAL, EPROTO,
 * ENOSPC) and changes nothing else. No request waits forever here: a
 * manager going away (connection lost or node down) fails the requests
 * sent to it with EHOSTDOWN, and a member going down fails every waiting
 * barrier arrival.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "mgr.h"
#include "dsm_wire.h"

static_assert(DSM_MAX_NODES == DSM_NODES_MAX, "core and uapi node limits");

enum { MGR_KIND_BARRIER, MGR_KIND_GC };

/* A lock with a tail. */
struct mgr_lock {
	struct mgr_lock *next;
	uint32_t id;
	int tail;
};

/* A growing array of interval records whose notices it owns. */
struct mgr_ivvec {
	struct dsm_interval *v;
	uint32_t n;
	uint32_t cap;
};

/**
 * struct mgr_arrival - one node's arrival in an open episode.
 * @active:	fragments have come (or, for GC_DONE, the request).
 * @complete:	the last fragment came; the node waits for the release.
 * @skipping:	the arrival @skip_cookie was refused while the node was
 *		still sending fragments: drop them until the last one.
 * @next_frag:	number of the next fragment expected.
 * @staged:	the intervals of the fragments so far, ascending by
 *		(creator, index); merged into the episode when complete.
 * @bytes:	bytes of notices in @staged.
 */
struct mgr_arrival {
	bool active;
	bool complete;
	bool skipping;
	bool gc;
	uint64_t cookie;
	uint64_t skip_cookie;
	uint32_t epoch;
	int next_frag;
	struct dsm_vt vt;
	struct mgr_ivvec staged;
	uint64_t last_key;
	size_t bytes;
};

/**
 * struct mgr_bar - a barrier (or the GC_DONE round of a barrier).
 * @epoch:	times it completed; the epoch every arrival must carry.
 * @epoch_set:	@epoch is known (else the first arrival sets it).
 * @arrived:	bit i: node i's arrival is complete.
 * @merged:	per creator, the intervals of the complete arrivals,
 *		ascending by index, without duplicates.
 * @vt:		merged timestamp of the complete arrivals.
 * @gc:		an arrival asked for a collection.
 */
struct mgr_bar {
	struct mgr_bar *next;
	uint32_t id;
	int kind;
	bool epoch_set;
	uint32_t epoch;
	uint32_t arrived;
	bool gc;
	struct mgr_arrival a[DSM_MAX_NODES];
	struct mgr_ivvec merged[DSM_MAX_NODES];
	struct dsm_vt vt;
};

/**
 * struct mgr_out - a local kernel request sent to a remote manager.
 * @open:	more fragments of it are to come from the kernel.
 * @failed:	it was answered with an error while @open: drop the rest.
 * @frag:	fragments sent so far.
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
};

static void mgr_log(struct mgr *m, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void mgr_log(struct mgr *m, int prio, const char *fmt, ...)
{
	char buf[320];
	va_list ap;

	if (!m->ops.log)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	m->ops.log(m->ops.ctx, prio, buf);
}

static const char *op_name(unsigned int op)
{
	static const char * const names[] = {
		[DSM_MGR_LOCK_ACQUIRE] = "lock acquire",
		[DSM_MGR_LOCK_RELEASE] = "lock release",
		[DSM_MGR_BARRIER] = "barrier",
		[DSM_MGR_GC_DONE] = "gc done",
	};

	return op <= DSM_MGR_OP_MAX ? names[op] : "unknown op";
}

static uint32_t hash32(uint64_t v)
{
	return (uint32_t)((v * 0x9e3779b97f4a7c15ULL) >> (64 - MGR_HASH_BITS));
}

static bool is_member(const struct mgr *m, int node)
{
	return node >= 0 && node < DSM_MAX_NODES && (m->members >> node & 1);
}

/* ------------------------------------------------------------ routing */

int mgr_lock_manager(const struct mgr *m, uint32_t lock_id)
{
	unsigned int n = __builtin_popcount(m->members), k, i;

	if (!n)
		return -1;
	k = lock_id % n;
	for (i = 0; i < DSM_MAX_NODES; i++)
		if (m->members >> i & 1 && !k--)
			return i;
	return -1;
}

int mgr_barrier_manager(const struct mgr *m)
{
	return m->members ? __builtin_ctz(m->members) : -1;
}

static int req_manager(const struct mgr *m, const struct mgr_req *r)
{
	if (r->op == DSM_MGR_LOCK_ACQUIRE)
		return mgr_lock_manager(m, r->lock_id);
	return mgr_barrier_manager(m);
}

static uint32_t req_id(const struct mgr_req *r)
{
	return r->op == DSM_MGR_LOCK_ACQUIRE ? r->lock_id : r->barrier_id;
}

static bool peer_up(const struct mgr *m, int node)
{
	return node == m->self || m->peer[node] == MGR_PEER_UP;
}

static bool member_down(const struct mgr *m)
{
	int i;

	for (i = 0; i < DSM_MAX_NODES; i++)
		if (is_member(m, i) && i != m->self &&
		    m->peer[i] == MGR_PEER_DOWN)
			return true;
	return false;
}

/* ------------------------------------------------------------ replies */

/* Answer request @cookie of @node (the local kernel, or a peer's dsmd). */
static void reply(struct mgr *m, int node, uint64_t cookie, uint32_t error,
		  uint32_t flags, const void *payload, size_t len)
{
	if (error == EHOSTDOWN)
		m->st.hostdown++;
	else if (error)
		m->st.errors++;
	if (node == m->self) {
		m->ops.kernel_reply(m->ops.ctx, cookie, error, flags, payload,
				    len);
		return;
	}
	/* If this fails, the peer's dsmd fails the request when it notices. */
	if (m->ops.send_reply(m->ops.ctx, node, cookie, error, flags, payload,
			      len))
		mgr_log(m, LOG_DEBUG, "mgr: cannot answer node %d (cookie %llu): no connection",
			node, (unsigned long long)cookie);
}

/* A refused request: one log line, a counter, an error reply. */
static void refuse(struct mgr *m, int node, uint64_t cookie, uint32_t error,
		   const char *what)
{
	m->st.bad++;
	mgr_log(m, LOG_WARNING, "mgr: %s of node %d (cookie %llu) refused: %s",
		what, node, (unsigned long long)cookie, m->why);
	reply(m, node, cookie, error, 0, NULL, 0);
}

/* ---------------------------------------------------------- validation */

static int why(struct mgr *m, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int why(struct mgr *m, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->why, sizeof(m->why), fmt, ap);
	va_end(ap);
	return err;
}

/* Decode @r's payload, which must be a core message of @type. */
static int check_payload(struct mgr *m, const struct mgr_req *r, u8 type,
			 struct dsm_msg *msg)
{
	enum dsm_wire_reject rej;

	if (!r->len || !r->payload)
		return why(m, EINVAL, "%s without a payload", op_name(r->op));
	if (r->len > DSM_MGR_PAYLOAD_MAX)
		return why(m, EINVAL, "payload of %zu bytes, more than %d",
			   r->len, DSM_MGR_PAYLOAD_MAX);
	if (dsm_wire_decode(r->payload, r->len, msg, &rej))
		return why(m, EINVAL, "payload is not a valid core message (%s)",
			   dsm_wire_reject_name(rej));
	if (msg->hdr.type != type)
		return why(m, EINVAL, "payload is %s, not %s",
			   dsm_wire_type_name(msg->hdr.type),
			   dsm_wire_type_name(type));
	return 0;
}

/*
 * Check request @r of node @from before acting on it. Return: 0, or the
 * errno to answer with (m->why says why).
 */
static int check_req(struct mgr *m, int from, const struct mgr_req *r,
		     struct dsm_msg *msg)
{
	int err;

	if (!is_member(m, from))
		return why(m, EINVAL, "node %d is not a member", from);
	if (r->op > DSM_MGR_OP_MAX)
		return why(m, EINVAL, "unknown op %u", r->op);
	if (r->flags & ~DSM_MGR_F_ALL)
		return why(m, EINVAL, "unknown flags %#x", r->flags);
	switch (r->op) {
	case DSM_MGR_LOCK_ACQUIRE:
		if (!r->has_lock || r->has_barrier)
			return why(m, EINVAL, "lock acquire needs LOCK_ID and no BARRIER_ID");
		if (r->flags)
			return why(m, EINVAL, "flags %#x on a lock acquire",
				   r->flags);
		err = check_payload(m, r, DSM_MSG_LOCK_REQ, msg);
		if (err)
			return err;
		if (msg->u.lock_req.lock_id != r->lock_id)
			return why(m, EINVAL, "LOCK_REQ is for lock %u, not %u",
				   msg->u.lock_req.lock_id, r->lock_id);
		if (msg->u.lock_req.requester != from)
			return why(m, EINVAL, "LOCK_REQ names requester %u",
				   msg->u.lock_req.requester);
		if (msg->u.lock_req.req_id != r->cookie)
			return why(m, EINVAL, "LOCK_REQ req_id %llu is not the cookie",
				   (unsigned long long)msg->u.lock_req.req_id);
		return 0;
	case DSM_MGR_LOCK_RELEASE:
		return why(m, EOPNOTSUPP, "a lock release never leaves the node");
	case DSM_MGR_BARRIER:
		if (!r->has_barrier || r->has_lock)
			return why(m, EINVAL, "barrier needs BARRIER_ID and no LOCK_ID");
		if (r->flags & ~(DSM_MGR_F_MORE | DSM_MGR_F_GC_WANTED))
			return why(m, EINVAL, "flags %#x on a barrier arrival",
				   r->flags);
		err = check_payload(m, r, DSM_MSG_BARRIER_ARRIVE, msg);
		if (err)
			return err;
		if (msg->u.barrier.barrier_id != r->barrier_id)
			return why(m, EINVAL, "BARRIER_ARRIVE is for barrier %u, not %u",
				   msg->u.barrier.barrier_id, r->barrier_id);
		return 0;
	case DSM_MGR_GC_DONE:
		if (!r->has_barrier || r->has_lock)
			return why(m, EINVAL, "gc done needs BARRIER_ID and no LOCK_ID");
		if (r->flags)
			return why(m, EINVAL, "flags %#x on gc done", r->flags);
		if (r->len)
			return why(m, EINVAL, "gc done with a payload");
		return 0;
	}
	return why(m, EINVAL, "unknown op %u", r->op);
}

/* -------------------------------------------------------------- locks */

static struct mgr_lock *lock_find(const struct mgr *m, uint32_t id,
				  struct mgr_lock ***pprev)
{
	struct mgr_lock **pp = (struct mgr_lock **)&m->locks[hash32(id)];

	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->id == id)
			break;
	if (pprev)
		*pprev = pp;
	return *pp;
}

int mgr_lock_tail(const struct mgr *m, uint32_t lock_id)
{
	struct mgr_lock *l = lock_find(m, lock_id, NULL);

	return l ? l->tail : -1;
}

static void handle_lock(struct mgr *m, int from, const struct mgr_req *r)
{
	struct mgr_lock **pp, *l = lock_find(m, r->lock_id, &pp);
	int tail;

	if (!l) {
		if (m->nr_locks >= MGR_LOCKS_MAX) {
			why(m, 0, "lock table full (%d locks)", MGR_LOCKS_MAX);
			refuse(m, from, r->cookie, ENOSPC, "lock acquire");
			return;
		}
		l = calloc(1, sizeof(*l));
		if (!l) {
			why(m, 0, "out of memory");
			refuse(m, from, r->cookie, ENOMEM, "lock acquire");
			return;
		}
		l->id = r->lock_id;
		l->tail = -1;
		*pp = l;
		m->nr_locks++;
		m->st.locks = m->nr_locks;
	}
	tail = l->tail;
	/*
	 * No tail, or its node is down: the token is (re)created at the
	 * requester. The requester itself as tail asked again because its
	 * kernel has no token (its wait failed): the same.
	 */
	if (tail < 0 || tail == from || m->peer[tail] == MGR_PEER_DOWN) {
		l->tail = from;
		m->st.lock_fresh++;
		mgr_log(m, LOG_DEBUG, "mgr: lock %u: free, to node %d",
			r->lock_id, from);
		reply(m, from, r->cookie, 0, 0, NULL, 0);
		return;
	}
	if (!peer_up(m, tail)) {
		mgr_log(m, LOG_INFO, "mgr: lock %u: tail node %d unreachable; refusing node %d",
			r->lock_id, tail, from);
		reply(m, from, r->cookie, EHOSTDOWN, 0, NULL, 0);
		return;
	}
	if (tail == m->self) {
		m->st.forwards_delivered++;
		m->ops.kernel_forward(m->ops.ctx, r->lock_id, r->payload,
				      r->len);
	} else if (m->ops.send_forward(m->ops.ctx, tail, r->lock_id, from,
				       r->cookie, r->payload, r->len)) {
		reply(m, from, r->cookie, EHOSTDOWN, 0, NULL, 0);
		return;
	}
	l->tail = from;
	m->st.lock_forwarded++;
	mgr_log(m, LOG_DEBUG, "mgr: lock %u: node %d forwarded to node %d",
		r->lock_id, from, tail);
	/* The requester's dsmd forgets the request; the tail grants it. */
	if (from != m->self)
		reply(m, from, r->cookie, 0, MGR_F_FORWARDED, NULL, 0);
}

static void locks_clear_tail(struct mgr *m, int node)
{
	uint32_t h, n = 0;

	for (h = 0; h < MGR_HASH_SIZE; h++) {
		struct mgr_lock **pp = &m->locks[h];

		while (*pp) {
			struct mgr_lock *l = *pp;

			if (l->tail == node) {
				*pp = l->next;
				free(l);
				m->nr_locks--;
				n++;
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

/* ----------------------------------------------------------- barriers */

static void ivvec_free(struct mgr_ivvec *v)
{
	uint32_t i;

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
	cap = v->cap ? 2 * v->cap : 16;
	p = realloc(v->v, (size_t)cap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	v->v = p;
	v->cap = cap;
	return 0;
}

static void arrival_clear(struct mgr_arrival *a)
{
	ivvec_free(&a->staged);
	a->active = a->complete = a->gc = false;
	a->cookie = 0;
	a->next_frag = 0;
	a->last_key = 0;
	a->bytes = 0;
}

/* Forget the open episode; the epoch stays. */
static void episode_clear(struct mgr_bar *b)
{
	int i;

	for (i = 0; i < DSM_MAX_NODES; i++) {
		arrival_clear(&b->a[i]);
		ivvec_free(&b->merged[i]);
	}
	b->arrived = 0;
	b->gc = false;
	dsm_vt_init(&b->vt, 0);
}

static struct mgr_bar *bar_get(struct mgr *m, int kind, uint32_t id,
			       bool create)
{
	struct mgr_bar **pp = &m->bars[hash32((uint64_t)kind << 32 | id)];
	struct mgr_bar *b;

	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->id == id && (*pp)->kind == kind)
			return *pp;
	if (!create || m->nr_bars >= MGR_BARRIERS_MAX)
		return NULL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->id = id;
	b->kind = kind;
	*pp = b;
	m->nr_bars++;
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

/* Drop @node's arrival after a refusal of one of its fragments. */
static void arrival_refused(struct mgr_arrival *a, const struct mgr_req *r)
{
	if (a->active && !a->complete && a->cookie == r->cookie)
		arrival_clear(a);
	if (r->flags & DSM_MGR_F_MORE) {
		a->skipping = true;
		a->skip_cookie = r->cookie;
	}
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
			return why(m, EPROTO, "intervals not ascending across fragments (%u, %u)",
				   iv.creator, iv.index);
		if (a->staged.n >= MGR_ARRIVAL_IV_MAX ||
		    a->bytes + 8U * iv.nr_notices > MGR_ARRIVAL_BYTES_MAX)
			return why(m, ENOSPC, "arrival larger than %u intervals or %u bytes",
				   MGR_ARRIVAL_IV_MAX, MGR_ARRIVAL_BYTES_MAX);
		if (ivvec_reserve(&a->staged))
			return why(m, ENOMEM, "out of memory");
		if (iv.nr_notices) {
			notices = malloc(8U * iv.nr_notices);
			if (!notices)
				return why(m, ENOMEM, "out of memory");
		}
		d = &a->staged.v[a->staged.n++];
		dsm_msg_interval_copy(&iv, d, notices);
		a->bytes += 8U * iv.nr_notices;
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
			return why(m, EPROTO, "interval (%u, %u) differs from another node's copy",
				   iv->creator, iv->index);
	}
	for (i = 0; i < a->staged.n; i++) {
		struct dsm_interval *iv = &a->staged.v[i];
		struct mgr_ivvec *v = &b->merged[iv->creator];

		pos = ivvec_search(v, iv->index, &found);
		if (found)
			continue;
		if (ivvec_reserve(v))
			return why(m, ENOMEM, "out of memory");
		memmove(&v->v[pos + 1], &v->v[pos],
			(size_t)(v->n - pos) * sizeof(*v->v));
		v->v[pos] = *iv;
		v->n++;
		iv->notices = NULL;	/* owned by the episode now */
		iv->nr_notices = 0;
	}
	return 0;
}

/* Bytes of interval @iv in a set of timestamp width @n. */
static size_t iv_wire_size(const struct dsm_interval *iv, u32 n)
{
	return sizeof(struct dsm_wire_interval) + DSM_WIRE_VT_SIZE(n) +
	       8U * iv->nr_notices;
}

/* The header of a payload the manager builds for @node's kernel. */
static void payload_hdr(const struct mgr *m, int node, u8 type, u64 req_id,
			struct dsm_msg_hdr *h)
{
	memset(h, 0, sizeof(*h));
	h->version = DSM_WIRE_VERSION_MAX;
	h->type = type;
	h->src = m->self;
	h->dst = node;
	/* The decoder wants src != dst: see lrc.md, "Manager payloads". */
	if (h->dst == h->src)
		h->dst = h->src ? 0 : 1;
	h->req_id = req_id;
}

/* Send @node the release with intervals @out[0 .. @k), in fragments. */
static void send_release(struct mgr *m, struct mgr_bar *b, int node,
			 const struct dsm_interval **out, u32 k, u8 *buf)
{
	uint32_t gc = b->gc ? DSM_MGR_F_GC : 0, pos = 0, n = b->vt.n, j;
	uint64_t cookie = b->a[node].cookie;
	struct dsm_wire_enc e;
	struct dsm_msg_hdr h;
	size_t size;
	int len;

	payload_hdr(m, node, DSM_MSG_BARRIER_RELEASE, cookie, &h);
	do {
		size = DSM_WIRE_HDR_SIZE + sizeof(struct dsm_wire_barrier) +
		       sizeof(struct dsm_wire_ivset) + DSM_WIRE_VT_SIZE(n);
		for (j = pos; j < k && j - pos < DSM_WIRE_MAX_INTERVALS; j++) {
			if (size + iv_wire_size(out[j], n) > m->payload_max)
				break;
			size += iv_wire_size(out[j], n);
		}
		if (j == pos && j < k) {
			mgr_log(m, LOG_ERR, "mgr: barrier %u: interval (%u, %u) does not fit one payload",
				b->id, out[j]->creator, out[j]->index);
			reply(m, node, cookie, EMSGSIZE, 0, NULL, 0);
			return;
		}
		dsm_wire_enc_begin(&e, buf, m->payload_max, &h);
		dsm_wire_enc_barrier(&e, b->id, b->epoch, &b->vt);
		for (; pos < j; pos++)
			dsm_wire_enc_interval(&e, out[pos]);
		len = dsm_wire_enc_end(&e);
		if (len < 0) {
			mgr_log(m, LOG_ERR, "mgr: barrier %u: cannot encode the release for node %d (%d)",
				b->id, node, len);
			reply(m, node, cookie, EPROTO, 0, NULL, 0);
			return;
		}
		m->st.release_fragments++;
		reply(m, node, cookie, 0, gc | (pos < k ? DSM_MGR_F_MORE : 0),
		      buf, len);
	} while (pos < k);
}

/* Every member arrived: send each the intervals it lacks. */
static void release(struct mgr *m, struct mgr_bar *b)
{
	struct dsm_interval *slots[DSM_MAX_NODES] = { NULL };
	const struct dsm_interval **out = NULL;
	struct dsm_iset set;
	uint32_t total = 0, c, i;
	u8 *buf = NULL;
	int node, k, err = 0;

	memset(&set, 0, sizeof(set));
	set.nr_nodes = DSM_MAX_NODES;
	for (c = 0; c < DSM_MAX_NODES && !err; c++) {
		struct mgr_ivvec *v = &b->merged[c];

		dsm_ilog_init(&set.log[c], NULL, 0);
		if (!v->n)
			continue;
		slots[c] = malloc((size_t)v->n * sizeof(*slots[c]));
		if (!slots[c]) {
			err = ENOMEM;
			break;
		}
		dsm_ilog_init(&set.log[c], slots[c], v->n);
		set.log[c].first = v->v[0].index;
		for (i = 0; i < v->n && !err; i++)
			if (dsm_iset_add(&set, &v->v[i])) {
				why(m, 0, "intervals of node %u have a gap before %u",
				    c, v->v[i].index);
				err = EPROTO;
			}
		total += v->n;
	}
	if (!err) {
		out = malloc((total ? total : 1) * sizeof(*out));
		buf = malloc(m->payload_max);
		if (!out || !buf)
			err = ENOMEM;
	}
	if (err) {
		if (err == ENOMEM)
			why(m, 0, "out of memory");
		mgr_log(m, LOG_ERR, "mgr: barrier %u epoch %u fails: %s",
			b->id, b->epoch, m->why);
	}
	for (node = 0; node < DSM_MAX_NODES; node++) {
		const struct mgr_arrival *a = &b->a[node];

		if (!is_member(m, node))
			continue;
		if (err) {
			reply(m, node, a->cookie, err, 0, NULL, 0);
			continue;
		}
		k = dsm_iset_missing(&set, &a->vt, out, total);
		for (c = 0; c < DSM_MAX_NODES && k >= 0; c++)
			if (dsm_vt_get(&b->vt, c) > dsm_vt_get(&a->vt, c) &&
			    dsm_ilog_last(&set.log[c]) < dsm_vt_get(&b->vt, c))
				k = -ENOENT;
		if (k < 0) {
			mgr_log(m, LOG_ERR, "mgr: barrier %u: node %d lacks intervals no arrival carried",
				b->id, node);
			reply(m, node, a->cookie, EPROTO, 0, NULL, 0);
			continue;
		}
		send_release(m, b, node, out, k, buf);
	}
	mgr_log(m, LOG_DEBUG, "mgr: barrier %u epoch %u released (%u intervals%s)",
		b->id, b->epoch, total, b->gc ? ", collect garbage" : "");
	if (!err) {
		m->st.barriers_released++;
		b->epoch++;
	}
	for (c = 0; c < DSM_MAX_NODES; c++)
		free(slots[c]);
	free(out);
	free(buf);
	episode_clear(b);
}

static void handle_arrive(struct mgr *m, int from, const struct mgr_req *r,
			  const struct dsm_msg *msg)
{
	const struct dsm_msg_barrier *mb = &msg->u.barrier;
	struct mgr_arrival *a;
	struct mgr_bar *b;
	int frag = r->frag, err;

	b = bar_get(m, MGR_KIND_BARRIER, r->barrier_id, true);
	if (!b) {
		why(m, 0, "too many barriers (%d)", MGR_BARRIERS_MAX);
		refuse(m, from, r->cookie, ENOSPC, "barrier arrival");
		return;
	}
	a = &b->a[from];
	if (a->skipping && a->skip_cookie == r->cookie) {
		/* The rest of an arrival already refused. */
		if (!(r->flags & DSM_MGR_F_MORE))
			a->skipping = false;
		return;
	}
	a->skipping = false;
	if (member_down(m)) {
		arrival_refused(a, r);
		reply(m, from, r->cookie, EHOSTDOWN, 0, NULL, 0);
		return;
	}
	if (frag < 0)
		frag = a->active && !a->complete && a->cookie == r->cookie ?
		       a->next_frag : 0;
	if (!frag) {
		if (a->active) {
			why(m, 0, "second arrival at barrier %u epoch %u",
			    b->id, b->epoch);
			err = EPROTO;
			goto refused;
		}
		if (b->epoch_set && mb->epoch != b->epoch) {
			why(m, 0, "barrier %u: epoch %u, expected %u", b->id,
			    mb->epoch, b->epoch);
			err = EPROTO;
			goto refused;
		}
		b->epoch = mb->epoch;
		b->epoch_set = true;
		a->active = true;
		a->cookie = r->cookie;
		a->epoch = mb->epoch;
		a->vt = mb->iv.vt;
		a->next_frag = 1;
	} else {
		if (!a->active || a->complete || a->cookie != r->cookie ||
		    frag != a->next_frag) {
			why(m, 0, "barrier %u: unexpected fragment %d", b->id,
			    frag);
			err = EPROTO;
			goto refused;
		}
		if (mb->epoch != a->epoch ||
		    dsm_vt_compare(&mb->iv.vt, &a->vt) != DSM_VT_EQUAL) {
			why(m, 0, "barrier %u: fragment %d has another epoch or timestamp",
			    b->id, frag);
			err = EPROTO;
			goto refused;
		}
		a->next_frag++;
	}
	err = stage(m, a, mb);
	if (err)
		goto refused;
	if (r->flags & DSM_MGR_F_GC_WANTED)
		a->gc = true;
	if (r->flags & DSM_MGR_F_MORE)
		return;
	err = merge(m, b, a);
	if (err)
		goto refused;
	ivvec_free(&a->staged);
	a->complete = true;
	b->arrived |= 1U << from;
	dsm_vt_merge(&b->vt, &a->vt);
	b->gc |= a->gc;
	mgr_log(m, LOG_DEBUG, "mgr: barrier %u epoch %u: node %d arrived",
		b->id, b->epoch, from);
	if (b->arrived == m->members)
		release(m, b);
	return;
refused:
	arrival_refused(a, r);
	refuse(m, from, r->cookie, err, "barrier arrival");
}

static void handle_gc_done(struct mgr *m, int from, const struct mgr_req *r)
{
	struct mgr_bar *b = bar_get(m, MGR_KIND_GC, r->barrier_id, true);
	struct mgr_arrival *a;
	int node;

	if (!b) {
		why(m, 0, "too many barriers (%d)", MGR_BARRIERS_MAX);
		refuse(m, from, r->cookie, ENOSPC, "gc done");
		return;
	}
	if (member_down(m)) {
		reply(m, from, r->cookie, EHOSTDOWN, 0, NULL, 0);
		return;
	}
	a = &b->a[from];
	if (a->active) {
		why(m, 0, "second gc done for barrier %u", b->id);
		refuse(m, from, r->cookie, EPROTO, "gc done");
		return;
	}
	a->active = a->complete = true;
	a->cookie = r->cookie;
	b->arrived |= 1U << from;
	if (b->arrived != m->members)
		return;
	for (node = 0; node < DSM_MAX_NODES; node++)
		if (is_member(m, node))
			reply(m, node, b->a[node].cookie, 0, 0, NULL, 0);
	m->st.gc_released++;
	mgr_log(m, LOG_DEBUG, "mgr: barrier %u: garbage collected everywhere",
		b->id);
	episode_clear(b);
}

/* A checked request of @from for which this node is the manager. */
static void handle(struct mgr *m, int from, const struct mgr_req *r,
		   const struct dsm_msg *msg)
{
	switch (r->op) {
	case DSM_MGR_LOCK_ACQUIRE:
		handle_lock(m, from, r);
		break;
	case DSM_MGR_BARRIER:
		handle_arrive(m, from, r, msg);
		break;
	case DSM_MGR_GC_DONE:
		handle_gc_done(m, from, r);
		break;
	}
}

/* ----------------------------------------- requests of the local kernel */

static struct mgr_out *out_find(const struct mgr *m, uint64_t cookie,
				struct mgr_out ***pprev)
{
	struct mgr_out **pp = (struct mgr_out **)&m->outs[hash32(cookie)];

	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->cookie == cookie)
			break;
	if (pprev)
		*pprev = pp;
	return *pp;
}

static void out_del(struct mgr *m, uint64_t cookie)
{
	struct mgr_out **pp, *o = out_find(m, cookie, &pp);

	if (!o)
		return;
	*pp = o->next;
	free(o);
	m->nr_outs--;
	m->st.outstanding = m->nr_outs;
}

static void kreply(struct mgr *m, uint64_t cookie, uint32_t error)
{
	reply(m, m->self, cookie, error, 0, NULL, 0);
}

/*
 * Answer the local kernel's request @r with @error. If more fragments of
 * it are to come, remember the cookie as failed so that they are dropped
 * instead of starting a new arrival.
 */
static void kfail(struct mgr *m, const struct mgr_req *r, uint32_t error,
		  const char *what)
{
	struct mgr_out **pp, *o = out_find(m, r->cookie, &pp);

	if (what)
		refuse(m, m->self, r->cookie, error, what);
	else
		kreply(m, r->cookie, error);
	if (!(r->flags & DSM_MGR_F_MORE)) {
		out_del(m, r->cookie);
		return;
	}
	if (!o) {
		o = calloc(1, sizeof(*o));
		if (!o)
			return;
		o->cookie = r->cookie;
		o->node = -1;
		*pp = o;
		m->nr_outs++;
		m->st.outstanding = m->nr_outs;
	}
	o->open = true;
	o->failed = true;
}

void mgr_kernel_request(struct mgr *m, const struct mgr_req *r)
{
	struct mgr_out **pp, *o;
	struct dsm_msg msg;
	struct mgr_req fr;
	int node, err;

	m->st.kernel_requests++;
	o = out_find(m, r->cookie, &pp);
	if (o && o->failed) {
		/* The rest of a request already answered with an error. */
		if (!(r->flags & DSM_MGR_F_MORE))
			out_del(m, r->cookie);
		return;
	}
	err = check_req(m, m->self, r, &msg);
	if (err) {
		kfail(m, r, err, op_name(r->op));
		return;
	}
	node = req_manager(m, r);
	if (node == m->self) {
		handle(m, m->self, r, &msg);
		return;
	}
	if (o && (!o->open || o->op != r->op || o->id != req_id(r) ||
		  o->node != node)) {
		why(m, 0, "cookie %llu already in use",
		    (unsigned long long)r->cookie);
		m->st.bad++;
		mgr_log(m, LOG_WARNING, "mgr: %s refused: %s", op_name(r->op),
			m->why);
		return;	/* not answered: the cookie belongs to another */
	}
	if (!o) {
		if (!peer_up(m, node)) {
			mgr_log(m, LOG_DEBUG, "mgr: %s %u: manager node %d unreachable",
				op_name(r->op), req_id(r), node);
			kfail(m, r, EHOSTDOWN, NULL);
			return;
		}
		if (m->nr_outs >= MGR_OUTSTANDING_MAX) {
			why(m, 0, "%d requests outstanding",
			    MGR_OUTSTANDING_MAX);
			kfail(m, r, ENOSPC, op_name(r->op));
			return;
		}
		o = calloc(1, sizeof(*o));
		if (!o) {
			kreply(m, r->cookie, ENOMEM);
			return;
		}
		o->cookie = r->cookie;
		o->node = node;
		o->op = r->op;
		o->id = req_id(r);
		*pp = o;
		m->nr_outs++;
		m->st.outstanding = m->nr_outs;
	}
	fr = *r;
	fr.frag = o->frag++;
	o->open = r->op == DSM_MGR_BARRIER && (r->flags & DSM_MGR_F_MORE);
	if (m->ops.send_request(m->ops.ctx, node, &fr)) {
		mgr_log(m, LOG_DEBUG, "mgr: %s %u: cannot reach manager node %d",
			op_name(r->op), req_id(r), node);
		kfail(m, r, EHOSTDOWN, NULL);
		return;
	}
	m->st.sent_to_manager++;
}

/* -------------------------------------------------- frames from peers */

void mgr_peer_request(struct mgr *m, int from, const struct mgr_req *r)
{
	struct dsm_msg msg;
	int err;

	m->st.peer_requests++;
	if (from == m->self || !is_member(m, from)) {
		m->st.bad++;
		mgr_log(m, LOG_WARNING, "mgr: request from node %d, not a peer member; dropped",
			from);
		return;
	}
	err = check_req(m, from, r, &msg);
	if (!err && req_manager(m, r) != m->self)
		err = why(m, EINVAL, "node %d is not the manager of %s %u",
			  m->self, op_name(r->op), req_id(r));
	if (!err && r->op == DSM_MGR_BARRIER && r->frag < 0)
		err = why(m, EINVAL, "bad fragment number");
	/*
	 * The requester's dsmd checked its kernel's request already: what
	 * fails here was damaged or forged on the way, a protocol error.
	 */
	if (err == EINVAL)
		err = EPROTO;
	if (err) {
		if (r->op == DSM_MGR_BARRIER && r->has_barrier) {
			struct mgr_bar *b = bar_get(m, MGR_KIND_BARRIER,
						    r->barrier_id, false);

			if (b)
				arrival_refused(&b->a[from], r);
		}
		refuse(m, from, r->cookie, err, op_name(r->op));
		return;
	}
	handle(m, from, r, &msg);
}

/* Check a remote manager's reply to @o; 0 if it may go to the kernel. */
static int check_reply(struct mgr *m, const struct mgr_out *o, uint32_t error,
		       uint32_t flags, const uint8_t *payload, size_t len)
{
	enum dsm_wire_reject rej;
	struct dsm_msg msg;

	if (error > DSM_WIRE_MAX_ERRNO)
		return why(m, EPROTO, "error %u out of range", error);
	if (error || o->op != DSM_MGR_BARRIER) {
		if (len || flags)
			return why(m, EPROTO, "payload or flags %#x on a reply without data",
				   flags);
		return 0;
	}
	if (flags & ~(DSM_MGR_F_MORE | DSM_MGR_F_GC))
		return why(m, EPROTO, "flags %#x on a barrier release", flags);
	if (!len || len > DSM_MGR_PAYLOAD_MAX)
		return why(m, EPROTO, "release payload of %zu bytes", len);
	if (dsm_wire_decode(payload, len, &msg, &rej))
		return why(m, EPROTO, "release is not a valid core message (%s)",
			   dsm_wire_reject_name(rej));
	if (msg.hdr.type != DSM_MSG_BARRIER_RELEASE ||
	    msg.u.barrier.barrier_id != o->id)
		return why(m, EPROTO, "release is %s for barrier %u",
			   dsm_wire_type_name(msg.hdr.type),
			   msg.u.barrier.barrier_id);
	return 0;
}

/*
 * The tail @from dropped the forward of our kernel's request @cookie (@o,
 * if its FORWARDED notice has not come yet): fail the request, or the
 * acquire would wait for a grant that never comes.
 */
static void fwd_failed(struct mgr *m, int from, const struct mgr_out *o,
		       uint64_t cookie, uint32_t error, uint32_t flags,
		       size_t len)
{
	if (from == m->self || !is_member(m, from) || !error ||
	    error > DSM_WIRE_MAX_ERRNO || flags != MGR_F_FWD_FAILED || len ||
	    (o && o->op != DSM_MGR_LOCK_ACQUIRE)) {
		m->st.bad++;
		mgr_log(m, LOG_WARNING, "mgr: node %d: bad forward-failed notice for cookie %llu; dropped",
			from, (unsigned long long)cookie);
		return;
	}
	mgr_log(m, LOG_WARNING, "mgr: node %d dropped the forward of our lock request (cookie %llu): failing it with %s",
		from, (unsigned long long)cookie, strerror((int)error));
	if (o)
		out_del(m, cookie);
	m->st.errors++;
	m->ops.kernel_reply(m->ops.ctx, cookie, error, 0, NULL, 0);
}

void mgr_peer_reply(struct mgr *m, int from, uint64_t cookie, uint32_t error,
		    uint32_t flags, const uint8_t *payload, size_t len)
{
	struct mgr_out *o = out_find(m, cookie, NULL);
	int err;

	if (flags & MGR_F_FWD_FAILED) {
		fwd_failed(m, from, o, cookie, error, flags, len);
		return;
	}
	if (!o || o->node != from || o->failed) {
		/* Late (we failed it already) or forged: nobody waits. */
		mgr_log(m, LOG_DEBUG, "mgr: node %d answered unknown cookie %llu; dropped",
			from, (unsigned long long)cookie);
		return;
	}
	if (flags & MGR_F_FORWARDED) {
		if (o->op != DSM_MGR_LOCK_ACQUIRE || error || len ||
		    flags != MGR_F_FORWARDED) {
			m->st.bad++;
			why(m, 0, "bad forwarded notice");
			goto bad;
		}
		out_del(m, cookie);
		return;
	}
	err = check_reply(m, o, error, flags, payload, len);
	if (err) {
		m->st.bad++;
		goto bad;
	}
	m->st.replies_relayed++;
	m->ops.kernel_reply(m->ops.ctx, cookie, error, flags, payload, len);
	if (error && o->open)
		o->failed = true;	/* swallow the kernel's other fragments */
	else if (error || !(flags & DSM_MGR_F_MORE))
		out_del(m, cookie);
	return;
bad:
	mgr_log(m, LOG_WARNING, "mgr: node %d: bad reply to cookie %llu: %s",
		from, (unsigned long long)cookie, m->why);
	kreply(m, cookie, EPROTO);
	if (o->open)
		o->failed = true;
	else
		out_del(m, cookie);
}

void mgr_peer_forward(struct mgr *m, int from, uint32_t lock_id,
		      int requester, uint64_t cookie,
		      const uint8_t *payload, size_t len)
{
	struct mgr_req r = {
		.op = DSM_MGR_LOCK_ACQUIRE, .has_lock = true,
		.lock_id = lock_id, .payload = payload, .len = len,
	};
	struct dsm_msg msg;
	int err;

	err = check_payload(m, &r, DSM_MSG_LOCK_REQ, &msg);
	if (!err && msg.u.lock_req.lock_id != lock_id)
		err = why(m, EINVAL, "LOCK_REQ is for lock %u",
			  msg.u.lock_req.lock_id);
	if (!err && mgr_lock_manager(m, lock_id) != from)
		err = why(m, EINVAL, "node %d is not the manager of lock %u",
			  from, lock_id);
	if (!err && (!is_member(m, msg.u.lock_req.requester) ||
		     msg.u.lock_req.requester == m->self))
		err = why(m, EINVAL, "requester %u", msg.u.lock_req.requester);
	if (!err && (msg.u.lock_req.requester != requester ||
		     msg.u.lock_req.req_id != cookie))
		err = why(m, EINVAL, "LOCK_REQ of node %u (req_id %llu) in the forward of node %d (cookie %llu)",
			  msg.u.lock_req.requester,
			  (unsigned long long)msg.u.lock_req.req_id,
			  requester, (unsigned long long)cookie);
	if (err) {
		m->st.bad++;
		if (!is_member(m, requester) ||
		    mgr_lock_manager(m, lock_id) != from) {
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
			reply(m, requester, cookie, EPROTO, MGR_F_FWD_FAILED,
			      NULL, 0);
		}
		return;
	}
	m->st.forwards_delivered++;
	m->ops.kernel_forward(m->ops.ctx, lock_id, payload, len);
}

/* ------------------------------------------------------- membership */

/* Fail every local request sent to @node. */
static void fail_outstanding(struct mgr *m, int node)
{
	uint32_t h;

	for (h = 0; h < MGR_HASH_SIZE; h++) {
		struct mgr_out **pp = &m->outs[h];

		while (*pp) {
			struct mgr_out *o = *pp;

			if (o->node != node || o->failed) {
				pp = &o->next;
				continue;
			}
			m->ops.kernel_reply(m->ops.ctx, o->cookie, EHOSTDOWN, 0,
					    NULL, 0);
			m->st.hostdown++;
			if (o->open) {
				o->failed = true;
				pp = &o->next;
				continue;
			}
			*pp = o->next;
			free(o);
			m->nr_outs--;
		}
	}
	m->st.outstanding = m->nr_outs;
}

/*
 * @node is down: every open episode fails (its waiters get EHOSTDOWN).
 * @node is gone (or our kernel lost its state): its arrivals are dropped
 * without an answer -- its dsmd fails them -- and the others wait on.
 */
static void barriers_node_lost(struct mgr *m, int node, bool down)
{
	uint32_t h;
	int i;

	for (h = 0; h < MGR_HASH_SIZE; h++) {
		struct mgr_bar *b;

		for (b = m->bars[h]; b; b = b->next) {
			if (!bar_open(b))
				continue;
			if (!down) {
				arrival_clear(&b->a[node]);
				b->a[node].skipping = false;
				b->arrived &= ~(1U << node);
				continue;
			}
			for (i = 0; i < DSM_MAX_NODES; i++) {
				struct mgr_arrival *a = &b->a[i];

				if (i == node || !a->active)
					continue;
				reply(m, i, a->cookie, EHOSTDOWN, 0, NULL, 0);
				if (!a->complete) {
					/* its other fragments are dropped */
					a->skipping = true;
					a->skip_cookie = a->cookie;
				}
			}
			mgr_log(m, LOG_INFO, "mgr: barrier %u: node %d down, waiters failed",
				b->id, node);
			episode_clear(b);
		}
	}
}

void mgr_peer_state(struct mgr *m, int node, enum mgr_peer st)
{
	if (node < 0 || node >= DSM_MAX_NODES || node == m->self)
		return;
	m->peer[node] = st;
	if (st != MGR_PEER_GONE && st != MGR_PEER_DOWN)
		return;
	fail_outstanding(m, node);
	if (st == MGR_PEER_DOWN)
		locks_clear_tail(m, node);
	barriers_node_lost(m, node, st == MGR_PEER_DOWN);
}

void mgr_kernel_reset(struct mgr *m)
{
	uint32_t h;

	for (h = 0; h < MGR_HASH_SIZE; h++) {
		while (m->outs[h]) {
			struct mgr_out *o = m->outs[h];

			m->outs[h] = o->next;
			free(o);
		}
	}
	m->nr_outs = 0;
	m->st.outstanding = 0;
	locks_clear_tail(m, m->self);
	barriers_node_lost(m, m->self, false);
}

/* ------------------------------------------------------------ set-up */

int mgr_init(struct mgr *m, int self, uint32_t members,
	     const struct mgr_ops *ops)
{
	memset(m, 0, sizeof(*m));
	if (self < 0 || self >= DSM_MAX_NODES || !(members >> self & 1) ||
	    members >> DSM_MAX_NODES)
		return -EINVAL;
	m->self = self;
	m->members = members;
	m->payload_max = DSM_MGR_PAYLOAD_MAX;
	m->ops = *ops;
	return 0;
}

void mgr_fini(struct mgr *m)
{
	uint32_t h;

	for (h = 0; h < MGR_HASH_SIZE; h++) {
		while (m->locks[h]) {
			struct mgr_lock *l = m->locks[h];

			m->locks[h] = l->next;
			free(l);
		}
		while (m->bars[h]) {
			struct mgr_bar *b = m->bars[h];

			m->bars[h] = b->next;
			episode_clear(b);
			free(b);
		}
		while (m->outs[h]) {
			struct mgr_out *o = m->outs[h];

			m->outs[h] = o->next;
			free(o);
		}
	}
	m->nr_locks = m->nr_bars = m->nr_outs = 0;
	m->st.locks = m->st.outstanding = 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * mgr_test.c - unit tests of the lock and barrier managers (mgr.c).
 *
 * A simulated cluster: one struct mgr per node, wired by hooks that
 * record what each node's kernel is given and queue the frames between
 * dsmds; pump() delivers the queue. No sockets.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgr.h"
#include "proto.h"
#include "dsm_wire.h"
#include "unit.h"

enum { EV_REPLY, EV_FORWARD };

struct ev {
	int kind;
	uint64_t cookie;
	uint32_t error;
	uint32_t flags;
	uint32_t lock;
	uint8_t *p;
	size_t len;
};

struct tnode {
	struct mgr m;
	struct ev *ev;
	int nev;
	int cap;
};

enum { FR_REQ, FR_REPLY, FR_FWD };

struct frame {
	int type;
	int from;
	int to;
	struct mgr_req r;
	uint64_t cookie;
	uint32_t error;
	uint32_t flags;
	uint32_t lock;
	int requester;
	uint8_t *p;
	size_t len;
};

static struct tnode tn[DSM_MAX_NODES];
static struct frame *q;
static int qhead, qlen, qcap;
static uint32_t cut;		/* bit i: sends to node i fail */
static int corrupt_fwd;		/* pump flips a byte of the next LOCK_FWD */
static int logs;

static int node_of(void *ctx)
{
	return (int)((struct tnode *)ctx - tn);
}

static uint8_t *dup_bytes(const void *p, size_t len)
{
	uint8_t *d = malloc(len ? len : 1);

	if (!d)
		abort();
	if (len)
		memcpy(d, p, len);
	return d;
}

static struct ev *ev_new(struct tnode *t)
{
	if (t->nev == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->ev = realloc(t->ev, t->cap * sizeof(*t->ev));
		if (!t->ev)
			abort();
	}
	memset(&t->ev[t->nev], 0, sizeof(t->ev[0]));
	return &t->ev[t->nev++];
}

static void h_kreply(void *ctx, uint64_t cookie, uint32_t error,
		     uint32_t flags, const void *payload, size_t len)
{
	struct ev *e = ev_new(ctx);

	e->kind = EV_REPLY;
	e->cookie = cookie;
	e->error = error;
	e->flags = flags;
	e->p = dup_bytes(payload, len);
	e->len = len;
}

static void h_kforward(void *ctx, uint32_t lock, const void *payload,
		       size_t len)
{
	struct ev *e = ev_new(ctx);

	e->kind = EV_FORWARD;
	e->lock = lock;
	e->p = dup_bytes(payload, len);
	e->len = len;
}

static struct frame *fr_new(int type, int from, int to)
{
	struct frame *f;

	if (qlen == qcap) {
		qcap = qcap ? 2 * qcap : 64;
		q = realloc(q, qcap * sizeof(*q));
		if (!q)
			abort();
	}
	f = &q[qlen++];
	memset(f, 0, sizeof(*f));
	f->type = type;
	f->from = from;
	f->to = to;
	return f;
}

static int h_req(void *ctx, int node, const struct mgr_req *r)
{
	struct frame *f;

	if (cut >> node & 1)
		return -1;
	f = fr_new(FR_REQ, node_of(ctx), node);
	f->r = *r;
	f->p = dup_bytes(r->payload, r->len);
	f->r.payload = r->len ? f->p : NULL;
	return 0;
}

static int h_reply(void *ctx, int node, uint64_t cookie, uint32_t error,
		   uint32_t flags, const void *payload, size_t len)
{
	struct frame *f;

	if (cut >> node & 1)
		return -1;
	f = fr_new(FR_REPLY, node_of(ctx), node);
	f->cookie = cookie;
	f->error = error;
	f->flags = flags;
	f->p = dup_bytes(payload, len);
	f->len = len;
	return 0;
}

static int h_fwd(void *ctx, int node, uint32_t lock, int requester,
		 uint64_t cookie, const void *payload, size_t len)
{
	struct frame *f;

	if (cut >> node & 1)
		return -1;
	f = fr_new(FR_FWD, node_of(ctx), node);
	f->lock = lock;
	f->requester = requester;
	f->cookie = cookie;
	f->p = dup_bytes(payload, len);
	f->len = len;
	return 0;
}

static void h_log(void *ctx, int prio, const char *msg)
{
	(void)prio;
	logs++;
	if (getenv("MGR_TEST_LOG"))
		printf("# [n%d] %s\n", node_of(ctx), msg);
}

/* Deliver every queued frame (and what they cause). */
static void pump(void)
{
	while (qhead < qlen) {
		struct frame f = q[qhead++];
		struct mgr *m = &tn[f.to].m;

		switch (f.type) {
		case FR_REQ:
			f.r.payload = f.r.len ? f.p : NULL;
			mgr_peer_request(m, f.from, &f.r);
			break;
		case FR_REPLY:
			mgr_peer_reply(m, f.from, f.cookie, f.error, f.flags,
				       f.p, f.len);
			break;
		case FR_FWD:
			if (corrupt_fwd && f.len) {
				f.p[0] ^= 0xff;
				corrupt_fwd = 0;
			}
			mgr_peer_forward(m, f.from, f.lock, f.requester,
					 f.cookie, f.p, f.len);
			break;
		}
		free(f.p);
	}
	qhead = qlen = 0;
}

/* Drop the queued frames (a lost connection). */
static void drop_queue(void)
{
	while (qhead < qlen)
		free(q[qhead++].p);
	qhead = qlen = 0;
}

static void clear_events(void)
{
	int i, j;

	for (i = 0; i < DSM_MAX_NODES; i++) {
		for (j = 0; j < tn[i].nev; j++)
			free(tn[i].ev[j].p);
		tn[i].nev = 0;
	}
}

static void teardown(void)
{
	int i;

	drop_queue();
	clear_events();
	for (i = 0; i < DSM_MAX_NODES; i++) {
		mgr_fini(&tn[i].m);
		free(tn[i].ev);
		memset(&tn[i], 0, sizeof(tn[i]));
	}
	cut = 0;
}

static void setup(uint32_t members, size_t payload_max)
{
	struct mgr_ops ops = {
		.kernel_reply = h_kreply, .kernel_forward = h_kforward,
		.send_request = h_req, .send_reply = h_reply,
		.send_forward = h_fwd, .log = h_log,
	};
	int i, j;

	teardown();
	for (i = 0; i < DSM_MAX_NODES; i++) {
		if (!(members >> i & 1))
			continue;
		ops.ctx = &tn[i];
		if (mgr_init(&tn[i].m, i, members, &ops))
			abort();
		if (payload_max)
			tn[i].m.payload_max = payload_max;
		for (j = 0; j < DSM_MAX_NODES; j++)
			if (j != i && members >> j & 1)
				mgr_peer_state(&tn[i].m, j, MGR_PEER_UP);
	}
}

/* ------------------------------------------------------- payloads */

static uint8_t pbuf[2 * DSM_MGR_PAYLOAD_MAX];

static void hdr(struct dsm_msg_hdr *h, int src, u8 type, uint64_t req_id)
{
	memset(h, 0, sizeof(*h));
	h->version = 1;
	h->type = type;
	h->src = src;
	h->dst = src ? 0 : 1;
	h->req_id = req_id;
}

static struct dsm_vt vt3(u32 a, u32 b, u32 c)
{
	struct dsm_vt v;

	dsm_vt_init(&v, 3);
	v.c[0] = a;
	v.c[1] = b;
	v.c[2] = c;
	return v;
}

static int lock_req(int from, uint32_t lock, int requester, uint64_t req_id)
{
	struct dsm_wire_enc e;
	struct dsm_msg m;

	hdr(&m.hdr, from, DSM_MSG_LOCK_REQ, req_id);
	m.u.lock_req.lock_id = lock;
	m.u.lock_req.requester = requester;
	m.u.lock_req.req_id = req_id;
	m.u.lock_req.vt = vt3(1, 2, 3);
	dsm_wire_enc_begin(&e, pbuf, sizeof(pbuf), &m.hdr);
	dsm_wire_enc_fixed(&e, &m);
	return dsm_wire_enc_end(&e);
}

static void kreq_lock_raw(int node, uint32_t attr_lock, uint64_t cookie,
			  int len, uint32_t flags)
{
	struct mgr_req r = {
		.op = DSM_MGR_LOCK_ACQUIRE, .cookie = cookie,
		.has_lock = true, .lock_id = attr_lock, .frag = -1,
		.payload = pbuf, .len = len, .flags = flags,
	};

	mgr_kernel_request(&tn[node].m, &r);
}

static void kreq_lock(int node, uint32_t lock, uint64_t cookie)
{
	kreq_lock_raw(node, lock, cookie, lock_req(node, lock, node, cookie),
		      0);
}

/* Interval records for the barrier tests; notices derived from the id. */
static u64 notes[DSM_MAX_NODES][64][4];

static struct dsm_interval mkiv(int creator, u32 index, struct dsm_vt vt)
{
	struct dsm_interval iv = {
		.creator = creator, .index = index, .vt = vt,
		.nr_notices = 1 + index % 3,
	};
	u32 i;

	iv.vt.c[creator] = index;
	for (i = 0; i < iv.nr_notices; i++)
		notes[creator][index][i] = 1000 * creator + 10 * index + i;
	iv.notices = notes[creator][index];
	return iv;
}

/*
 * Node @node arrives at barrier @id with @ivs (ascending), at most
 * @per_frag records per payload (MGR_F_MORE on all but the last).
 */
static void kreq_arrive(int node, uint32_t id, uint32_t epoch,
			struct dsm_vt vt, const struct dsm_interval *ivs,
			int nr, int per_frag, uint32_t flags, uint64_t cookie)
{
	int pos = 0;

	do {
		int end = pos + per_frag < nr ? pos + per_frag : nr;
		struct mgr_req r = {
			.op = DSM_MGR_BARRIER, .cookie = cookie,
			.has_barrier = true, .barrier_id = id, .frag = -1,
			.payload = pbuf, .flags = flags,
		};
		struct dsm_wire_enc e;
		struct dsm_msg_hdr h;
		int len;

		hdr(&h, node, DSM_MSG_BARRIER_ARRIVE, cookie);
		dsm_wire_enc_begin(&e, pbuf, sizeof(pbuf), &h);
		dsm_wire_enc_barrier(&e, id, epoch, &vt);
		for (; pos < end; pos++)
			dsm_wire_enc_interval(&e, &ivs[pos]);
		len = dsm_wire_enc_end(&e);
		if (len < 0)
			abort();
		r.len = len;
		if (pos < nr)
			r.flags |= DSM_MGR_F_MORE;
		mgr_kernel_request(&tn[node].m, &r);
	} while (pos < nr);
}

static void kreq_gc_done(int node, uint32_t id, uint64_t cookie)
{
	struct mgr_req r = {
		.op = DSM_MGR_GC_DONE, .cookie = cookie, .has_barrier = true,
		.barrier_id = id, .frag = -1,
	};

	mgr_kernel_request(&tn[node].m, &r);
}

/* Replies to @cookie on @node: count, and the first one's error. */
static int replies(int node, uint64_t cookie, uint32_t *error)
{
	int i, k = 0;

	for (i = 0; i < tn[node].nev; i++) {
		struct ev *e = &tn[node].ev[i];

		if (e->kind != EV_REPLY || e->cookie != cookie)
			continue;
		if (!k && error)
			*error = e->error;
		k++;
	}
	return k;
}

static int forwards(int node)
{
	int i, k = 0;

	for (i = 0; i < tn[node].nev; i++)
		k += tn[node].ev[i].kind == EV_FORWARD;
	return k;
}

/*
 * struct rel - a reassembled release: its intervals as "creator:index"
 * keys, whether every fragment was valid, and its flags.
 */
struct rel {
	int frags;
	int nr;
	u64 keys[256];
	bool valid;
	bool more_ok;		/* MORE on all but the last */
	bool all_gc;
	bool any_gc;
	struct dsm_vt vt;
	size_t max_len;
};

static struct rel release_of(int node, uint64_t cookie)
{
	struct rel r = { .valid = true, .more_ok = true, .all_gc = true };
	int i, last = -1;

	for (i = 0; i < tn[node].nev; i++) {
		struct ev *e = &tn[node].ev[i];
		struct dsm_msg_interval iv;
		struct dsm_msg_iter it;
		struct dsm_msg m;
		u32 k;

		if (e->kind != EV_REPLY || e->cookie != cookie)
			continue;
		if (last >= 0 && !(tn[node].ev[last].flags & DSM_MGR_F_MORE))
			r.more_ok = false;
		last = i;
		r.frags++;
		if (e->len > r.max_len)
			r.max_len = e->len;
		if (e->flags & DSM_MGR_F_GC)
			r.any_gc = true;
		else
			r.all_gc = false;
		if (e->error || dsm_wire_decode(e->p, e->len, &m, NULL) ||
		    m.hdr.type != DSM_MSG_BARRIER_RELEASE ||
		    m.hdr.req_id != cookie) {
			r.valid = false;
			continue;
		}
		r.vt = m.u.barrier.iv.vt;
		dsm_msg_iter_intervals(&m.u.barrier.iv, &it);
		while (dsm_msg_next_interval(&it, &iv) && r.nr < 256) {
			for (k = 0; k < iv.nr_notices; k++)
				if (dsm_msg_notice(&iv, k) !=
				    1000U * iv.creator + 10 * iv.index + k)
					r.valid = false;
			r.keys[r.nr++] = (u64)iv.creator << 32 | iv.index;
		}
	}
	if (last >= 0 && (tn[node].ev[last].flags & DSM_MGR_F_MORE))
		r.more_ok = false;
	return r;
}

/* @r holds exactly the intervals listed ("c:i" pairs, ascending). */
static bool rel_is(const struct rel *r, int nr, const int *ci)
{
	int i;

	if (!r->valid || r->nr != nr)
		return false;
	for (i = 0; i < nr; i++)
		if (r->keys[i] != ((u64)ci[2 * i] << 32 | (u32)ci[2 * i + 1]))
			return false;
	return true;
}

/* --------------------------------------------------------------- tests */

static void test_routing(void)
{
	struct mgr m;
	struct mgr_ops ops = { 0 };

	mgr_init(&m, 3, 0x5a, &ops);	/* members 1, 3, 4, 6 */
	ok(mgr_lock_manager(&m, 0) == 1 && mgr_lock_manager(&m, 1) == 3 &&
	   mgr_lock_manager(&m, 2) == 4 && mgr_lock_manager(&m, 3) == 6 &&
	   mgr_lock_manager(&m, 4) == 1 &&
	   mgr_lock_manager(&m, 0xffffffffU) == 6,
	   "mgr: lock managers over sparse ids 1,3,4,6");
	ok(mgr_barrier_manager(&m) == 1, "mgr: barrier manager is the lowest");
	mgr_init(&m, 5, 1U << 5, &ops);
	ok(mgr_lock_manager(&m, 12345) == 5 && mgr_barrier_manager(&m) == 5,
	   "mgr: a single member manages everything");
	ok(mgr_init(&m, 2, 0x3, &ops) == -EINVAL &&
	   mgr_init(&m, 0, 0x101, &ops) == -EINVAL,
	   "mgr: self must be a member, members below 8");
}

static void test_lock_chain(void)
{
	uint32_t err = 99;
	int len;

	/* Lock 5 over members 0, 1, 2: manager 5 % 3 = 2. */
	setup(0x7, 0);
	kreq_lock(0, 5, 100);
	pump();
	ok(replies(0, 100, &err) == 1 && err == 0 &&
	   tn[0].ev[0].len == 0 && mgr_lock_tail(&tn[2].m, 5) == 0,
	   "mgr: first acquire answered directly (fresh token)");
	ok(tn[0].m.st.outstanding == 0, "mgr: nothing left outstanding");
	clear_events();
	kreq_lock(1, 5, 200);
	len = lock_req(1, 5, 1, 200);
	pump();
	ok(forwards(0) == 1 && tn[0].ev[0].lock == 5 &&
	   tn[0].ev[0].len == (size_t)len &&
	   !memcmp(tn[0].ev[0].p, pbuf, len) && replies(1, 200, NULL) == 0,
	   "mgr: second acquire forwarded to the first (LOCK_REQ bytes)");
	ok(mgr_lock_tail(&tn[2].m, 5) == 1 && tn[1].m.st.outstanding == 0,
	   "mgr: tail moves; the requester's dsmd forgets the request");
	clear_events();
	kreq_lock(2, 5, 300);	/* the manager's own node */
	pump();
	ok(forwards(1) == 1 && forwards(0) == 0 && replies(2, 300, NULL) == 0 &&
	   mgr_lock_tail(&tn[2].m, 5) == 2,
	   "mgr: third acquire forwarded to the second");
	clear_events();
	kreq_lock(2, 5, 301);	/* the tail asks again: token lost */
	ok(replies(2, 301, &err) == 1 && err == 0,
	   "mgr: tail asking again gets a fresh token");
	ok(tn[2].m.st.lock_fresh == 2 && tn[2].m.st.lock_forwarded == 2,
	   "mgr: lock counters");
}

static void test_lock_down(void)
{
	uint32_t err = 0;

	setup(0x7, 0);
	kreq_lock(1, 5, 10);
	pump();
	ok(mgr_lock_tail(&tn[2].m, 5) == 1, "mgr: node 1 is tail");
	mgr_peer_state(&tn[2].m, 1, MGR_PEER_DOWN);
	ok(mgr_lock_tail(&tn[2].m, 5) == -1 && tn[2].m.st.locks == 0,
	   "mgr: node down clears its tails");
	clear_events();
	kreq_lock(0, 5, 11);
	pump();
	ok(replies(0, 11, &err) == 1 && err == 0 && forwards(1) == 0,
	   "mgr: next acquire gets a fresh token");

	/* The tail unreachable but not down: EHOSTDOWN, tail kept. */
	mgr_peer_state(&tn[2].m, 0, MGR_PEER_GONE);
	kreq_lock(1, 5, 12);
	pump();
	ok(replies(1, 12, &err) == 1 && err == EHOSTDOWN &&
	   mgr_lock_tail(&tn[2].m, 5) == 0,
	   "mgr: unreachable tail: EHOSTDOWN, tail kept");
	mgr_peer_state(&tn[2].m, 0, MGR_PEER_UP);

	/* A request whose manager is down is answered at once. */
	mgr_peer_state(&tn[0].m, 2, MGR_PEER_DOWN);
	kreq_lock(0, 5, 13);
	ok(replies(0, 13, &err) == 1 && err == EHOSTDOWN && qlen == 0,
	   "mgr: manager down: EHOSTDOWN at once");
	mgr_peer_state(&tn[0].m, 2, MGR_PEER_UP);

	/* Outstanding requests fail when their manager goes away. */
	kreq_lock(0, 8, 14);	/* lock 8: manager 2 */
	ok(tn[0].m.st.outstanding == 1 && replies(0, 14, NULL) == 0,
	   "mgr: request outstanding at its manager");
	drop_queue();
	mgr_peer_state(&tn[0].m, 2, MGR_PEER_GONE);
	ok(replies(0, 14, &err) == 1 && err == EHOSTDOWN &&
	   tn[0].m.st.outstanding == 0,
	   "mgr: manager connection lost: EHOSTDOWN");
	mgr_peer_state(&tn[0].m, 2, MGR_PEER_UP);
	cut = 1U << 2;
	kreq_lock(0, 8, 15);
	ok(replies(0, 15, &err) == 1 && err == EHOSTDOWN &&
	   tn[0].m.st.outstanding == 0, "mgr: send failure: EHOSTDOWN");
	cut = 0;
}

static void test_lock_bad(void)
{
	uint32_t err = 0;
	struct mgr_req r;
	int len;

	setup(0x7, 0);
	len = lock_req(0, 6, 0, 1);
	kreq_lock_raw(0, 7, 1, len, 0);
	ok(replies(0, 1, &err) == 1 && err == EINVAL && qlen == 0,
	   "mgr: LOCK_ID differing from the payload refused");
	len = lock_req(0, 6, 1, 2);
	kreq_lock_raw(0, 6, 2, len, 0);
	ok(replies(0, 2, &err) == 1 && err == EINVAL && qlen == 0,
	   "mgr: spoofed requester refused");
	len = lock_req(0, 6, 0, 3);
	kreq_lock_raw(0, 6, 4, len, 0);
	ok(replies(0, 4, &err) == 1 && err == EINVAL,
	   "mgr: req_id differing from the cookie refused");
	len = lock_req(0, 6, 0, 5);
	pbuf[0] ^= 1;
	kreq_lock_raw(0, 6, 5, len, 0);
	ok(replies(0, 5, &err) == 1 && err == EINVAL,
	   "mgr: bad core message refused");
	len = lock_req(0, 6, 0, 6);
	kreq_lock_raw(0, 6, 6, len - 1, 0);
	ok(replies(0, 6, &err) == 1 && err == EINVAL,
	   "mgr: truncated core message refused");
	kreq_lock_raw(0, 6, 7, DSM_MGR_PAYLOAD_MAX + 1, 0);
	ok(replies(0, 7, &err) == 1 && err == EINVAL,
	   "mgr: oversized payload refused");
	len = lock_req(0, 6, 0, 8);
	kreq_lock_raw(0, 6, 8, len, DSM_MGR_F_MORE);
	ok(replies(0, 8, &err) == 1 && err == EINVAL,
	   "mgr: flags on a lock acquire refused");
	kreq_lock_raw(0, 6, 9, 0, 0);
	ok(replies(0, 9, &err) == 1 && err == EINVAL,
	   "mgr: lock acquire without payload refused");
	memset(&r, 0, sizeof(r));
	r.op = DSM_MGR_LOCK_RELEASE;
	r.cookie = 10;
	r.has_lock = true;
	mgr_kernel_request(&tn[0].m, &r);
	r.op = 9;
	r.cookie = 11;
	mgr_kernel_request(&tn[0].m, &r);
	ok(replies(0, 10, &err) == 1 && err == EOPNOTSUPP &&
	   replies(0, 11, &err) == 1 && err == EINVAL,
	   "mgr: lock release and unknown ops refused");
	len = lock_req(0, 6, 0, 12);
	r = (struct mgr_req){ .op = DSM_MGR_LOCK_ACQUIRE, .cookie = 12,
			      .has_lock = true, .has_barrier = true,
			      .lock_id = 6, .payload = pbuf, .len = len };
	mgr_kernel_request(&tn[0].m, &r);
	ok(replies(0, 12, &err) == 1 && err == EINVAL,
	   "mgr: both LOCK_ID and BARRIER_ID refused");
	pump();
	ok(mgr_lock_tail(&tn[0].m, 6) == -1 && tn[0].m.st.bad == 11 &&
	   tn[0].m.st.locks == 0, "mgr: refusals change nothing");

	/* A peer sending a LOCK_REQ for another node (lock 6: manager 0). */
	len = lock_req(1, 6, 2, 20);
	r = (struct mgr_req){ .op = DSM_MGR_LOCK_ACQUIRE, .cookie = 20,
			      .has_lock = true, .lock_id = 6, .payload = pbuf,
			      .len = len, .frag = 0 };
	mgr_peer_request(&tn[0].m, 1, &r);
	ok(qlen == 1 && q[0].type == FR_REPLY && q[0].to == 1 &&
	   q[0].error == EPROTO && mgr_lock_tail(&tn[0].m, 6) == -1,
	   "mgr: peer spoofing a requester refused (EPROTO)");
	drop_queue();
	/* Lock 7 is managed by node 1: node 2 asking node 0 is refused. */
	len = lock_req(2, 7, 2, 21);
	r.cookie = 21;
	r.lock_id = 7;
	r.len = len;
	mgr_peer_request(&tn[0].m, 2, &r);
	ok(qlen == 1 && q[0].error == EPROTO, "mgr: wrong manager refused");
	drop_queue();
	/* A forward from a node that does not manage the lock. */
	len = lock_req(1, 7, 1, 22);
	mgr_peer_forward(&tn[0].m, 2, 7, 1, 22, pbuf, len);
	ok(forwards(0) == 0 && qlen == 0,
	   "mgr: forward from a non-manager dropped, nobody told");
	mgr_peer_forward(&tn[0].m, 1, 7, 1, 22, pbuf, len);
	ok(forwards(0) == 1, "mgr: forward from the manager delivered");
	/* A reply for a cookie nobody asked for. */
	clear_events();
	mgr_peer_reply(&tn[0].m, 2, 999, 0, 0, NULL, 0);
	ok(tn[0].nev == 0, "mgr: reply to an unknown cookie dropped");
}

/* The three-node barrier of the brief, optionally fragmented. */
static void barrier_three(size_t payload_max, int per_frag, bool gc)
{
	struct dsm_interval i0[2], i1[2], i2[3];
	struct rel r0, r1, r2;
	bool frag_ok;

	setup(0x7, payload_max);
	/* node 0: (0,1), (0,2); node 1 knows (0,1) and made (1,1). */
	i0[0] = mkiv(0, 1, vt3(0, 0, 0));
	i0[1] = mkiv(0, 2, vt3(1, 0, 0));
	i1[0] = i0[0];
	i1[1] = mkiv(1, 1, vt3(1, 0, 0));
	i2[0] = mkiv(2, 1, vt3(0, 0, 0));
	i2[1] = mkiv(2, 2, vt3(0, 0, 1));
	i2[2] = mkiv(2, 3, vt3(0, 0, 2));
	kreq_arrive(1, 4, 0, vt3(1, 1, 0), i1, 2, per_frag,
		    gc ? DSM_MGR_F_GC_WANTED : 0, 11);
	pump();
	kreq_arrive(0, 4, 0, vt3(2, 0, 0), i0, 2, per_frag, 0, 10);
	pump();
	ok(tn[0].nev == 0 && tn[1].nev == 0 && tn[2].nev == 0,
	   "mgr: barrier: nobody released before all arrived");
	kreq_arrive(2, 4, 0, vt3(0, 0, 3), i2, 3, per_frag, 0, 12);
	pump();
	r0 = release_of(0, 10);
	r1 = release_of(1, 11);
	r2 = release_of(2, 12);
	ok(rel_is(&r0, 4, (int[]){ 1, 1, 2, 1, 2, 2, 2, 3 }),
	   "mgr: barrier: node 0 gets exactly what it lacks");
	ok(rel_is(&r1, 4, (int[]){ 0, 2, 2, 1, 2, 2, 2, 3 }),
	   "mgr: barrier: node 1 gets exactly what it lacks");
	ok(rel_is(&r2, 3, (int[]){ 0, 1, 0, 2, 1, 1 }),
	   "mgr: barrier: node 2 gets exactly what it lacks");
	ok(dsm_vt_compare(&r0.vt, &(struct dsm_vt){ 3, { 2, 1, 3 } }) ==
	   DSM_VT_EQUAL && dsm_vt_compare(&r0.vt, &r2.vt) == DSM_VT_EQUAL,
	   "mgr: barrier: releases carry the merged timestamp");
	ok(r0.more_ok && r1.more_ok && r2.more_ok,
	   "mgr: barrier: MORE on all fragments but the last");
	if (payload_max) {
		frag_ok = r0.frags > 1 && r1.frags > 1 && r2.frags > 1 &&
			  r0.max_len <= payload_max &&
			  r1.max_len <= payload_max &&
			  r2.max_len <= payload_max;
		ok(frag_ok, "mgr: barrier: releases split at the payload cap");
	}
	ok(gc ? r0.all_gc && r1.all_gc && r2.all_gc :
	   !r0.any_gc && !r1.any_gc && !r2.any_gc,
	   gc ? "mgr: barrier: GC on every fragment when one wanted it" :
	   "mgr: barrier: no GC flag when nobody wanted it");
	ok(tn[0].m.st.barriers_released == 1 && tn[1].m.st.outstanding == 0 &&
	   tn[2].m.st.outstanding == 0, "mgr: barrier: counters");
}

static void test_barrier_epochs(void)
{
	struct dsm_interval iv = mkiv(0, 1, vt3(0, 0, 0));
	uint32_t err = 0;
	int i;

	setup(0x7, 0);
	for (i = 0; i < 3; i++)
		kreq_arrive(i, 1, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 30 + i);
	pump();
	ok(replies(0, 30, &err) == 1 && !err && replies(2, 32, NULL) == 1 &&
	   release_of(1, 31).nr == 0,
	   "mgr: empty barrier released to all");
	clear_events();
	kreq_arrive(1, 1, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 40);
	pump();
	ok(replies(1, 40, &err) == 1 && err == EPROTO,
	   "mgr: old epoch refused with EPROTO");
	kreq_arrive(1, 1, 1, vt3(0, 0, 0), NULL, 0, 8, 0, 41);
	kreq_arrive(1, 1, 1, vt3(0, 0, 0), NULL, 0, 8, 0, 42);
	pump();
	ok(replies(1, 41, NULL) == 0 && replies(1, 42, &err) == 1 &&
	   err == EPROTO, "mgr: second arrival in one episode refused");
	/* A bad fragment: the rest of that arrival is dropped. */
	kreq_arrive(0, 1, 1, vt3(1, 0, 0), &iv, 1, 8, DSM_MGR_F_MORE, 43);
	kreq_arrive(0, 1, 1, vt3(2, 0, 0), NULL, 0, 8, 0, 43);
	pump();
	ok(replies(0, 43, &err) == 1 && err == EPROTO,
	   "mgr: fragment with another timestamp refused");
	/* A member goes down: every waiter fails. */
	clear_events();
	mgr_peer_state(&tn[0].m, 2, MGR_PEER_DOWN);
	mgr_peer_state(&tn[1].m, 2, MGR_PEER_DOWN);
	pump();
	ok(replies(1, 41, &err) == 1 && err == EHOSTDOWN,
	   "mgr: member down fails waiting arrivals with EHOSTDOWN");
	kreq_arrive(0, 1, 1, vt3(0, 0, 0), NULL, 0, 8, 0, 44);
	pump();
	ok(replies(0, 44, &err) == 1 && err == EHOSTDOWN,
	   "mgr: arrival while a member is down: EHOSTDOWN at once");
}

static void test_barrier_bad(void)
{
	struct dsm_interval iv = mkiv(1, 1, vt3(0, 0, 0));
	struct mgr_req r = { .op = DSM_MGR_BARRIER, .cookie = 50,
			     .has_barrier = true, .barrier_id = 1,
			     .frag = -1 };
	uint32_t err = 0;
	int len;

	setup(0x7, 0);
	kreq_lock_raw(0, 0, 0, lock_req(0, 0, 0, 0), 0);	/* warm-up */
	clear_events();
	len = lock_req(0, 1, 0, 50);
	r.payload = pbuf;
	r.len = len;
	mgr_kernel_request(&tn[0].m, &r);
	ok(replies(0, 50, &err) == 1 && err == EINVAL,
	   "mgr: barrier with a LOCK_REQ payload refused");
	kreq_arrive(0, 2, 0, vt3(0, 1, 0), &iv, 1, 8, 0, 51);
	r.cookie = 52;
	r.barrier_id = 3;
	r.len = pbuf[8];	/* length of the ARRIVE just built */
	r.len = *(uint32_t *)(pbuf + 8);
	mgr_kernel_request(&tn[0].m, &r);
	ok(replies(0, 52, &err) == 1 && err == EINVAL,
	   "mgr: BARRIER_ID differing from the payload refused");
	r.cookie = 53;
	r.barrier_id = 2;
	r.flags = DSM_MGR_F_GC;
	mgr_kernel_request(&tn[0].m, &r);
	ok(replies(0, 53, &err) == 1 && err == EINVAL,
	   "mgr: GC flag on an arrival refused");
	kreq_gc_done(0, 2, 54);
	r = (struct mgr_req){ .op = DSM_MGR_GC_DONE, .cookie = 55,
			      .has_barrier = true, .barrier_id = 2,
			      .payload = pbuf, .len = 8 };
	mgr_kernel_request(&tn[0].m, &r);
	ok(replies(0, 55, &err) == 1 && err == EINVAL,
	   "mgr: gc done with a payload refused");
	pump();
}

static void test_gc_done(void)
{
	uint32_t err = 1;

	setup(0x7, 0);
	kreq_gc_done(1, 9, 61);
	kreq_gc_done(2, 9, 62);
	pump();
	ok(tn[1].nev == 0 && tn[2].nev == 0, "mgr: gc done waits for all");
	kreq_gc_done(2, 9, 63);
	pump();
	ok(replies(2, 63, &err) == 1 && err == EPROTO,
	   "mgr: second gc done refused");
	kreq_gc_done(0, 9, 60);
	pump();
	ok(replies(0, 60, &err) == 1 && !err && replies(1, 61, &err) == 1 &&
	   !err && tn[1].ev[0].len == 0 && replies(2, 62, &err) == 1 && !err,
	   "mgr: gc done answered to all when all arrived");
}

static void test_gone(void)
{
	uint32_t err = 0;

	/* Node 1 loses its connection to manager 0 mid-episode. */
	setup(0x7, 0);
	kreq_arrive(1, 3, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 71);
	pump();
	mgr_peer_state(&tn[1].m, 0, MGR_PEER_GONE);
	mgr_peer_state(&tn[0].m, 1, MGR_PEER_GONE);
	ok(replies(1, 71, &err) == 1 && err == EHOSTDOWN,
	   "mgr: lost manager connection fails the arrival");
	mgr_peer_state(&tn[1].m, 0, MGR_PEER_UP);
	mgr_peer_state(&tn[0].m, 1, MGR_PEER_UP);
	clear_events();
	kreq_arrive(1, 3, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 72);
	kreq_arrive(0, 3, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 70);
	kreq_arrive(2, 3, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 73);
	pump();
	ok(replies(1, 72, &err) == 1 && !err && replies(0, 70, NULL) == 1 &&
	   replies(2, 73, NULL) == 1 && replies(1, 71, NULL) == 0,
	   "mgr: the node arrives again after reconnecting");
	/* Our kernel reloaded: its outstanding requests are forgotten. */
	kreq_lock(0, 8, 80);
	mgr_kernel_reset(&tn[0].m);
	ok(tn[0].m.st.outstanding == 0, "mgr: kernel reset forgets requests");
	pump();
}

/* Peers' fragments out of order, and conflicting copies of an interval. */
static void test_barrier_peer(void)
{
	struct dsm_interval iv = mkiv(1, 1, vt3(0, 0, 0)), other;
	struct dsm_wire_enc e;
	struct dsm_msg_hdr h;
	struct mgr_req r = { .op = DSM_MGR_BARRIER, .cookie = 90,
			     .has_barrier = true, .barrier_id = 6,
			     .frag = 1, .payload = pbuf };
	uint32_t err = 0;

	setup(0x7, 0);
	hdr(&h, 1, DSM_MSG_BARRIER_ARRIVE, 90);
	dsm_wire_enc_begin(&e, pbuf, sizeof(pbuf), &h);
	dsm_wire_enc_barrier(&e, 6, 0, &iv.vt);
	dsm_wire_enc_interval(&e, &iv);
	r.len = dsm_wire_enc_end(&e);
	mgr_peer_request(&tn[0].m, 1, &r);
	ok(qlen == 1 && q[0].to == 1 && q[0].error == EPROTO,
	   "mgr: peer fragment 1 without fragment 0 refused");
	drop_queue();
	/* Node 2 sends (1, 1) with other notices than node 1 did. */
	kreq_arrive(1, 6, 0, vt3(0, 1, 0), &iv, 1, 8, 0, 91);
	pump();
	other = iv;
	other.nr_notices = 1;
	kreq_arrive(2, 6, 0, vt3(0, 1, 1), &other, 1, 8, 0, 92);
	pump();
	ok(replies(2, 92, &err) == 1 && err == EPROTO && replies(1, 91, NULL) == 0,
	   "mgr: conflicting copies of an interval refused");
}

/* The new dsmc frames. */
static void test_frames(void)
{
	static uint8_t buf[DSMC_MSG_MAX], pay[DSM_MGR_PAYLOAD_MAX + 1];
	struct dsmc_msg m = { .type = DSMC_MGR_REQ }, out;
	const char *why = NULL;
	int len;

	memset(pay, 0xab, sizeof(pay));
	m.mgr.op = DSM_MGR_BARRIER;
	m.mgr.flags = DSM_MGR_F_MORE;
	m.mgr.cookie = 0x1122334455667788ULL;
	m.mgr.id = 77;
	m.mgr.frag = 3;
	m.mgr.payload = pay;
	m.mgr.len = 1000;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(len == DSMC_HDR_SIZE + 24 + 1000 && dsmc_peek(buf, len, &why) == len &&
	   !dsmc_decode(buf, len, &out, &why) && out.mgr.op == DSM_MGR_BARRIER &&
	   out.mgr.cookie == m.mgr.cookie && out.mgr.id == 77 &&
	   out.mgr.frag == 3 && out.mgr.len == 1000 &&
	   !memcmp(out.mgr.payload, pay, 1000),
	   "proto: MGR_REQ round trip");
	m.mgr.len = DSM_MGR_PAYLOAD_MAX + 1;
	ok(dsmc_encode(&m, buf, sizeof(buf)) < 0,
	   "proto: oversized MGR payload not encoded");
	m.mgr.len = 10;
	len = dsmc_encode(&m, buf, sizeof(buf));
	buf[4] = 1;
	ok(dsmc_peek(buf, len, &why) < 0, "proto: MGR_REQ in version 1 refused");
	buf[4] = 2;
	buf[DSMC_HDR_SIZE + 16] = DSM_MGR_OP_MAX + 1;
	ok(dsmc_decode(buf, len, &out, &why) != 0, "proto: bad op refused");
	m = (struct dsmc_msg){ .type = DSMC_MGR_REPLY };
	m.mgr.cookie = 5;
	m.mgr.error = 4096;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(len > 0 && dsmc_decode(buf, len, &out, &why) != 0,
	   "proto: error above 4095 refused");
	m.mgr.error = EHOSTDOWN;
	m.mgr.flags = MGR_F_FORWARDED;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(!dsmc_decode(buf, len, &out, &why) && out.mgr.error == EHOSTDOWN &&
	   out.mgr.flags == MGR_F_FORWARDED && !out.mgr.len,
	   "proto: MGR_REPLY round trip");
	m.mgr.flags = 0x8000;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(dsmc_decode(buf, len, &out, &why) != 0,
	   "proto: unknown reply flag refused");
	m = (struct dsmc_msg){ .type = DSMC_LOCK_FWD };
	m.mgr.id = 9;
	ok(dsmc_encode(&m, buf, sizeof(buf)) < 0,
	   "proto: LOCK_FWD without payload not encoded");
	m.mgr.payload = pay;
	m.mgr.len = 48;
	m.mgr.requester = 2;
	m.mgr.cookie = 0x0102030405060708ULL;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(len == DSMC_HDR_SIZE + 16 + 48 &&
	   !dsmc_decode(buf, len, &out, &why) && out.mgr.id == 9 &&
	   out.mgr.requester == 2 && out.mgr.cookie == m.mgr.cookie &&
	   out.mgr.len == 48 && !memcmp(out.mgr.payload, pay, 48),
	   "proto: LOCK_FWD round trip (requester, cookie)");
	buf[DSMC_HDR_SIZE + 4] = DSM_NODES_MAX;
	ok(dsmc_decode(buf, len, &out, &why) != 0,
	   "proto: LOCK_FWD requester 8 refused");
	m = (struct dsmc_msg){ .type = DSMC_MGR_REPLY };
	m.mgr.cookie = 5;
	m.mgr.error = EPROTO;
	m.mgr.flags = MGR_F_FWD_FAILED;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(!dsmc_decode(buf, len, &out, &why) &&
	   out.mgr.flags == MGR_F_FWD_FAILED,
	   "proto: MGR_REPLY forward-failed flag accepted alone");
	m.mgr.flags = MGR_F_FWD_FAILED | MGR_F_FORWARDED;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(dsmc_decode(buf, len, &out, &why) != 0,
	   "proto: MGR_REPLY with both frame-only flags refused");
}

/*
 * A forward whose LOCK_REQ is damaged on the way to the tail: the tail
 * drops it, and the requester's kernel gets EPROTO instead of waiting
 * for a grant forever.
 */
static void test_fwd_corrupt(void)
{
	uint32_t err = 0;
	int len;

	/* Lock 5 over members 0, 1, 2: manager 2; node 0 becomes tail. */
	setup(0x7, 0);
	kreq_lock(0, 5, 100);
	pump();
	clear_events();
	kreq_lock(1, 5, 200);
	corrupt_fwd = 1;
	pump();
	ok(forwards(0) == 0 && tn[0].m.st.bad == 1,
	   "mgr: a damaged forward is not given to the tail's kernel");
	ok(replies(1, 200, &err) == 1 && err == EPROTO &&
	   tn[1].m.st.outstanding == 0,
	   "mgr: the requester's kernel gets EPROTO for its cookie");
	/* The forward's frame fields must agree with its LOCK_REQ. */
	clear_events();
	len = lock_req(2, 5, 1, 201);
	mgr_peer_forward(&tn[0].m, 2, 5, 1, 202, pbuf, len);
	ok(forwards(0) == 0 && qlen == 1 && q[0].type == FR_REPLY &&
	   q[0].to == 1 && q[0].cookie == 202 && q[0].error == EPROTO &&
	   q[0].flags == MGR_F_FWD_FAILED,
	   "mgr: a forward not matching its LOCK_REQ fails the frame's cookie");
	pump();
	ok(replies(1, 202, &err) == 1 && err == EPROTO && !tn[1].ev[0].flags,
	   "mgr: the failure reaches the kernel without the frame-only flag");
	/* A notice that is not a failure, or from ourselves, is dropped. */
	clear_events();
	mgr_peer_reply(&tn[1].m, 0, 203, 0, MGR_F_FWD_FAILED, NULL, 0);
	mgr_peer_reply(&tn[1].m, 1, 204, EPROTO, MGR_F_FWD_FAILED, NULL, 0);
	ok(tn[1].nev == 0, "mgr: bad forward-failed notices dropped");
	/* An intact forward still works after all this. */
	clear_events();
	kreq_lock(0, 5, 300);
	pump();
	ok(forwards(1) == 1 && replies(0, 300, NULL) == 0,
	   "mgr: the next forward is delivered");
}

void test_mgr(void)
{
	test_routing();
	test_lock_chain();
	test_lock_down();
	test_lock_bad();
	test_fwd_corrupt();
	barrier_three(0, 64, false);
	barrier_three(120, 1, true);
	test_barrier_epochs();
	test_barrier_bad();
	test_gc_done();
	test_barrier_peer();
	test_gone();
	test_frames();
	teardown();
	free(q);
	q = NULL;
	qcap = 0;
}

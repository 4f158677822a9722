// SPDX-License-Identifier: GPL-2.0
/*
 * mgr_sim.c - a simulated cluster for the unit tests of the managers
 * (mgr_lock_test.c, mgr_barrier_test.c).
 *
 * One struct mgr per node, wired by hooks that record what each node's
 * kernel is given and queue the frames between dsmds; pump() delivers
 * the queue. No sockets.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgr_sim.h"

struct tnode tn[DSM_MAX_NODES];
struct frame *q;
int qlen;
uint64_t cut;
int corrupt_fwd;
static int qhead, qcap;
/* The nodes setup() made (teardown() frees only those). */
static uint64_t sim_nodes;
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
	int i;

	e->kind = EV_REPLY;
	for (i = 0; i < DSM_MAX_NODES; i++)
		if (&tn[i] != ctx)
			e->others_queued += queued(i, FR_REPLY);
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
	f->epoch = tn[from].m.epoch;
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

static int h_ho(void *ctx, int node, const struct mgr_handover *h)
{
	struct frame *f;

	if (cut >> node & 1)
		return -1;
	f = fr_new(FR_HO, node_of(ctx), node);
	f->ho = *h;
	return 0;
}

static void h_log(void *ctx, int prio, const char *msg)
{
	(void)prio;
	logs++;
	if (getenv("MGR_TEST_LOG"))
		printf("# [n%d] %s\n", node_of(ctx), msg);
}

/*
 * Deliver at most @max queued frames (and what they cause); return how
 * many are still queued.
 */
int pump_max(int max)
{
	while (qhead < qlen && max-- > 0) {
		struct frame f = q[qhead++];
		struct mgr *m = &tn[f.to].m;

		switch (f.type) {
		case FR_REQ:
			f.r.payload = f.r.len ? f.p : NULL;
			f.r.epoch = f.epoch;
			mgr_peer_request(m, f.from, &f.r);
			break;
		case FR_REPLY:
			mgr_peer_reply(m, f.from, f.cookie, f.error, f.flags,
				       f.p, f.len, f.epoch);
			break;
		case FR_FWD:
			if (corrupt_fwd && f.len) {
				f.p[0] ^= 0xff;
				corrupt_fwd = 0;
			}
			mgr_peer_forward(m, f.from, f.lock, f.requester,
					 f.cookie, f.p, f.len, f.epoch);
			break;
		case FR_HO:
			mgr_peer_handover(m, f.from, &f.ho);
			break;
		}
		free(f.p);
	}
	if (qhead < qlen)
		return qlen - qhead;
	qhead = qlen = 0;
	return 0;
}

/* Deliver every queued frame (and what they cause). */
void pump(void)
{
	pump_max(INT_MAX);
}

int queued(int to, int type)
{
	int i, n = 0;

	for (i = qhead; i < qlen; i++)
		if (q[i].to == to && (type < 0 || q[i].type == type))
			n++;
	return n;
}

/* Drop the queued frames (a lost connection). */
void drop_queue(void)
{
	while (qhead < qlen)
		free(q[qhead++].p);
	qhead = qlen = 0;
}

void clear_events(void)
{
	int i, j;

	for (i = 0; i < DSM_MAX_NODES; i++) {
		if (!(sim_nodes >> i & 1))
			continue;
		for (j = 0; j < tn[i].nev; j++)
			free(tn[i].ev[j].p);
		tn[i].nev = 0;
	}
}

void teardown(void)
{
	int i;

	drop_queue();
	clear_events();
	for (i = 0; i < DSM_MAX_NODES; i++) {
		if (!(sim_nodes >> i & 1))
			continue;
		mgr_fini(&tn[i].m);
		free(tn[i].ev);
		memset(&tn[i], 0, sizeof(tn[i]));
	}
	sim_nodes = 0;
	cut = 0;
}

void setup(uint64_t members, size_t payload_max)
{
	struct mgr_ops ops = {
		.kernel_reply = h_kreply, .kernel_forward = h_kforward,
		.send_request = h_req, .send_reply = h_reply,
		.send_forward = h_fwd, .send_handover = h_ho, .log = h_log,
	};
	int i, j;

	teardown();
	sim_nodes = members;
	sim_region = 0;
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

uint8_t pbuf[2 * DSM_MGR_PAYLOAD_MAX];
uint32_t sim_region;

void hdr(struct dsm_msg_hdr *h, int src, u8 type, uint64_t req_id)
{
	memset(h, 0, sizeof(*h));
	h->version = DSM_WIRE_VERSION_MAX;
	h->type = type;
	h->src = src;
	h->dst = src ? 0 : 1;
	h->req_id = req_id;
}

struct dsm_vt vt3(u32 a, u32 b, u32 c)
{
	struct dsm_vt v;

	dsm_vt_init(&v, 3);
	v.c[0] = a;
	v.c[1] = b;
	v.c[2] = c;
	return v;
}

int lock_req(int from, uint32_t lock, int requester, uint64_t req_id)
{
	struct dsm_wire_enc e;
	struct dsm_msg m;

	memset(&m, 0, sizeof(m));
	hdr(&m.hdr, from, DSM_MSG_LOCK_REQ, req_id);
	m.u.lock_req.region = sim_region;
	m.u.lock_req.lock_id = lock;
	m.u.lock_req.requester = requester;
	m.u.lock_req.req_id = req_id;
	m.u.lock_req.vt = vt3(1, 2, 3);
	dsm_wire_enc_begin(&e, pbuf, sizeof(pbuf), &m.hdr);
	dsm_wire_enc_fixed(&e, &m);
	return dsm_wire_enc_end(&e);
}

void kreq_lock_raw(int node, uint32_t attr_lock, uint64_t cookie,
			  int len, uint32_t flags)
{
	struct mgr_req r = {
		.op = DSM_MGR_LOCK_ACQUIRE, .cookie = cookie,
		.has_lock = true, .lock_id = attr_lock, .frag = -1,
		.payload = pbuf, .len = len, .flags = flags,
	};

	mgr_kernel_request(&tn[node].m, &r);
}

void kreq_lock(int node, uint32_t lock, uint64_t cookie)
{
	kreq_lock_raw(node, lock, cookie, lock_req(node, lock, node, cookie),
		      0);
}

/* Node @node's kernel tells what it knows of lock @lock (LOCK_STATE). */
void kstate(int node, uint32_t lock, int requester, uint64_t req_id,
	    uint32_t flags)
{
	struct mgr_req r = {
		.op = DSM_MGR_LOCK_STATE, .has_lock = true, .lock_id = lock,
		.frag = -1, .flags = flags, .payload = pbuf,
		.len = (size_t)lock_req(node, lock, requester, req_id),
	};

	mgr_kernel_request(&tn[node].m, &r);
}

/*
 * Node @node's kernel gives the token of @lock up as it leaves: a
 * LOCK_RELEASE naming @requester, with flags @flags and @cookie.
 */
void kleft(int node, uint32_t lock, int requester, uint32_t flags,
	   uint64_t cookie)
{
	struct mgr_req r = {
		.op = DSM_MGR_LOCK_RELEASE, .has_lock = true, .lock_id = lock,
		.frag = -1, .flags = flags, .cookie = cookie, .payload = pbuf,
		.len = (size_t)lock_req(node, lock, requester, cookie),
	};

	mgr_kernel_request(&tn[node].m, &r);
}

/* Node @node's kernel is done telling the states of dead node @dead. */
void kstate_done(int node, int dead)
{
	struct mgr_req r = {
		.op = DSM_MGR_LOCK_STATE, .has_lock = true, .lock_id = dead,
		.frag = -1, .flags = DSM_MGR_F_STATE_DONE,
	};

	mgr_kernel_request(&tn[node].m, &r);
}

/* Interval records for the barrier tests; notices derived from the id. */
static u64 notes[DSM_MAX_NODES][64][4];

struct dsm_interval mkiv(int creator, u32 index, struct dsm_vt vt)
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
 * Node @node's BARRIER_ARRIVE at barrier @id (namespace sim_region) with
 * @nr records of @ivs, into pbuf: its length, or -1 if the core's
 * encoder refused it.
 */
int arrive_payload(int node, uint32_t id, uint32_t epoch,
		   const struct dsm_vt *vt, const struct dsm_interval *ivs,
		   int nr, uint64_t req_id)
{
	struct dsm_wire_enc e;
	struct dsm_msg_hdr h;
	int i;

	hdr(&h, node, DSM_MSG_BARRIER_ARRIVE, req_id);
	dsm_wire_enc_begin(&e, pbuf, sizeof(pbuf), &h);
	dsm_wire_enc_barrier(&e, sim_region, id, epoch, vt);
	for (i = 0; i < nr; i++)
		dsm_wire_enc_interval(&e, &ivs[i]);
	return dsm_wire_enc_end(&e);
}

/*
 * Node @node arrives at barrier @id with @ivs (ascending), at most
 * @per_frag records per payload (MGR_F_MORE on all but the last).
 * Return: 0, or -1 if the core's encoder refused a fragment (nothing of
 * it was given to the manager).
 */
int kreq_arrive(int node, uint32_t id, uint32_t epoch, struct dsm_vt vt,
		const struct dsm_interval *ivs, int nr, int per_frag,
		uint32_t flags, uint64_t cookie)
{
	int pos = 0;

	do {
		int end = pos + per_frag < nr ? pos + per_frag : nr;
		struct mgr_req r = {
			.op = DSM_MGR_BARRIER, .cookie = cookie,
			.has_barrier = true, .barrier_id = id, .frag = -1,
			.payload = pbuf, .flags = flags,
		};
		int len = arrive_payload(node, id, epoch, &vt, ivs + pos,
					 end - pos, cookie);

		if (len < 0)
			return -1;
		pos = end;
		r.len = len;
		if (pos < nr)
			r.flags |= DSM_MGR_F_MORE;
		mgr_kernel_request(&tn[node].m, &r);
	} while (pos < nr);
	return 0;
}

void kreq_gc_done(int node, uint32_t id, uint64_t cookie)
{
	struct mgr_req r = {
		.op = DSM_MGR_GC_DONE, .cookie = cookie, .has_barrier = true,
		.barrier_id = id, .frag = -1,
	};

	mgr_kernel_request(&tn[node].m, &r);
}

/*
 * Replies to @cookie on @node (not counting FORWARDED notices): count,
 * and the first one's error.
 */
int replies(int node, uint64_t cookie, uint32_t *error)
{
	int i, k = 0;

	for (i = 0; i < tn[node].nev; i++) {
		struct ev *e = &tn[node].ev[i];

		if (e->kind != EV_REPLY || e->cookie != cookie ||
		    e->flags == DSM_MGR_F_FORWARDED)
			continue;
		if (!k && error)
			*error = e->error;
		k++;
	}
	return k;
}

/* FORWARDED notices of @cookie given to @node's kernel (empty, no error). */
int forwarded(int node, uint64_t cookie)
{
	int i, k = 0;

	for (i = 0; i < tn[node].nev; i++) {
		struct ev *e = &tn[node].ev[i];

		k += e->kind == EV_REPLY && e->cookie == cookie &&
		     e->flags == DSM_MGR_F_FORWARDED && !e->error && !e->len;
	}
	return k;
}

/* The flags of the first reply to @cookie given to @node's kernel. */
uint32_t reply_flags(int node, uint64_t cookie)
{
	int i;

	for (i = 0; i < tn[node].nev; i++)
		if (tn[node].ev[i].kind == EV_REPLY &&
		    tn[node].ev[i].cookie == cookie)
			return tn[node].ev[i].flags;
	return ~0U;
}

int forwards(int node)
{
	int i, k = 0;

	for (i = 0; i < tn[node].nev; i++)
		k += tn[node].ev[i].kind == EV_FORWARD;
	return k;
}

struct rel release_of(int node, uint64_t cookie)
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
bool rel_is(const struct rel *r, int nr, const int *ci)
{
	int i;

	if (!r->valid || r->nr != nr)
		return false;
	for (i = 0; i < nr; i++)
		if (r->keys[i] != ((u64)ci[2 * i] << 32 | (u32)ci[2 * i + 1]))
			return false;
	return true;
}

/* Everything the simulation holds, freed (the last teardown()). */
void sim_free(void)
{
	teardown();
	free(q);
	q = NULL;
	qcap = 0;
}

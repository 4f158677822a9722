// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_mgr.c - libFuzzer target: dsmd's lock and barrier managers
 * (mgr*.c) in the simulated cluster of the unit tests (tests/mgr_sim.c),
 * four nodes, fed honest work and hostile frames in any order.
 *
 * The input is a program, one step after another, each an action byte
 * and its operands:
 *  - a kernel's lock acquire, barrier arrival (0 to 2 intervals, in one
 *    or two fragments), GC_DONE, or LOCK_STATE (a failover's report);
 *  - a peer's state as one node sees it (up, gone, declared down);
 *  - a home table adopted by one node (any members of the four, its
 *    epoch or the next ones): locks move and are handed over;
 *  - the frames between the dsmds delivered, or lost with a connection;
 *  - a hostile frame from any node id to a node: a MGR_REQ, MGR_REPLY,
 *    LOCK_FWD or LOCK_HANDOVER with every field from the input, its
 *    payload none, raw bytes, or a well-formed LOCK_REQ or arrival;
 *    encoded and decoded by the codec (proto.c) as a peer's bytes are,
 *    and given to the managers as dsmd gives them (mgr_peer_frame()).
 * Checked: no crash and no sanitizer report; each node's tables stay
 * within their bounds (locks, barriers, outstanding requests, frames
 * kept early, barrier bytes) after every step; and nothing leaks: every
 * input ends with mgr_fini() of every node, and LeakSanitizer reports
 * what was not freed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgr_internal.h"
#include "mgr_sim.h"
#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NODES	4
#define ALL	0xfULL
#define STEPS	512

struct input {
	const uint8_t *p;
	size_t left;
};

static uint64_t get(struct input *in, int bytes)
{
	uint64_t v = 0;

	while (bytes-- && in->left) {
		v = v << 8 | *in->p++;
		in->left--;
	}
	return v;
}

static void check_bounds(void)
{
	int i;

	for (i = 0; i < NODES; i++) {
		const struct mgr *m = &tn[i].m;

		if (m->nr_locks > MGR_LOCKS_MAX ||
		    m->nr_bars > MGR_BARRIERS_MAX ||
		    m->nr_outs > MGR_OUTSTANDING_MAX ||
		    m->nr_early > MGR_EARLY_MAX ||
		    m->bar_bytes > m->bar_bytes_max) {
			fprintf(stderr, "fuzz_mgr: node %d: locks %u, barriers %u, outstanding %u, early %u, barrier bytes %zu: over a bound\n",
				i, m->nr_locks, m->nr_bars, m->nr_outs,
				m->nr_early, m->bar_bytes);
			abort();
		}
	}
}

/* A kernel's barrier arrival at barrier @id, 0 to 2 intervals. */
static void arrive(struct input *in, int node)
{
	struct dsm_interval iv[2];
	uint32_t id = get(in, 1) % 3, ep = get(in, 1) % 4;
	int nr = get(in, 1) % 3, i;
	struct dsm_vt vt = vt3(get(in, 1) % 8, get(in, 1) % 8,
			       get(in, 1) % 8);

	for (i = 0; i < nr; i++)
		iv[i] = mkiv(get(in, 1) % 3, 1 + get(in, 1) % 8, vt);
	(void)kreq_arrive(node, id, ep, vt, iv, nr, 1 + get(in, 1) % 2,
			  get(in, 1) & DSM_MGR_F_GC, 1 + get(in, 1));
}

/* The payload of a hostile frame into pbuf: its length. */
static size_t payload(struct input *in, int from)
{
	size_t len;

	switch (get(in, 1) % 4) {
	case 1:
		len = get(in, 2) % 512;
		if (len > in->left)
			len = in->left;
		memcpy(pbuf, in->p, len);
		in->p += len;
		in->left -= len;
		return len;
	case 2: {
		int n = lock_req(from, get(in, 1) % 8, get(in, 1) % 70,
				 1 + get(in, 1));

		return n < 0 ? 0 : (size_t)n;
	}
	case 3: {
		struct dsm_vt vt = vt3(get(in, 1), get(in, 1), get(in, 1));
		uint64_t req_id = 1 + get(in, 1);
		uint32_t id = get(in, 1) % 3;
		int n = arrive_payload(from, id, get(in, 1) % 4, &vt, NULL, 0,
				       req_id);

		return n < 0 ? 0 : (size_t)n;
	}
	}
	return 0;
}

static void hostile_ho(struct input *in, struct dsmc_msg *m)
{
	uint32_t i;

	m->ho.epoch = get(in, 1);
	m->ho.flags = get(in, 1);
	m->ho.region = get(in, 1) % 2;
	m->ho.lock_id = get(in, 1) % 8;
	m->ho.tail = (int)(int8_t)get(in, 1);
	m->ho.nr = get(in, 1) % (DSM_NODES_MAX + 1);
	for (i = 0; i < m->ho.nr; i++) {
		m->ho.rec[i].node = get(in, 1);
		m->ho.rec[i].fwd_to = (int8_t)get(in, 1);
		m->ho.rec[i].fwd_cookie = get(in, 1);
		m->ho.rec[i].last_cookie = get(in, 1);
	}
}

/*
 * A frame from node @from to node @to, every field from the input: only
 * what the codec's decoder takes reaches the managers, as from a peer.
 */
static void hostile(struct input *in)
{
	static const uint16_t types[] = { DSMC_MGR_REQ, DSMC_MGR_REPLY,
					  DSMC_LOCK_FWD, DSMC_LOCK_HANDOVER };
	static uint8_t bytes[DSMC_MSG_MAX];
	int from = get(in, 1) % 6, to = get(in, 1) % NODES, len;
	struct dsmc_msg m, d;
	const char *why;

	memset(&m, 0, sizeof(m));
	m.type = types[get(in, 1) % 4];
	m.version = 7 + get(in, 1) % 2;
	if (m.type == DSMC_LOCK_HANDOVER) {
		m.version = DSMC_VERSION_MAX;
		hostile_ho(in, &m);
	} else {
		m.mgr.cookie = get(in, 1);
		m.mgr.id = get(in, 1) % 8;
		m.mgr.flags = get(in, 2);
		m.mgr.error = get(in, 1) % 2 ? 0 : get(in, 2);
		m.mgr.op = get(in, 1) % 8;
		m.mgr.frag = get(in, 1) % 4;
		m.mgr.requester = get(in, 1) % 70;
		m.mgr.epoch = m.version < 8 ? 0 : get(in, 1) % 5;
		m.mgr.len = payload(in, from);
		m.mgr.payload = m.mgr.len ? pbuf : NULL;
	}
	len = dsmc_encode(&m, bytes, sizeof(bytes));
	if (len < 0 || dsmc_decode(bytes, len, &d, &why))
		return;
	if (from != to)
		mgr_peer_frame(&tn[to].m, from, &d);
}

static void step(struct input *in)
{
	static const enum mgr_peer states[] = { MGR_PEER_UP, MGR_PEER_GONE,
						MGR_PEER_DOWN };
	int node = get(in, 1) % NODES;
	uint64_t members;

	switch (get(in, 1) % 10) {
	case 0:
		kreq_lock_raw(node, get(in, 1) % 8, 1 + get(in, 1),
			      lock_req(node, get(in, 1) % 8, node,
				       1 + get(in, 1)), 0);
		break;
	case 1:
		arrive(in, node);
		break;
	case 2:
		kreq_gc_done(node, get(in, 1) % 3, 1 + get(in, 1));
		break;
	case 3:
		if (get(in, 1) % 2)
			kstate(node, get(in, 1) % 8, get(in, 1) % NODES,
			       get(in, 1), get(in, 1) % 2 ?
			       DSM_MGR_F_HAS_TOKEN : DSM_MGR_F_FORWARDED);
		else
			kstate_done(node, get(in, 1) % NODES);
		break;
	case 4:
		mgr_peer_state(&tn[node].m, get(in, 1) % NODES,
			       states[get(in, 1) % 3]);
		break;
	case 5:
		members = get(in, 1) & ALL;
		if (members)
			mgr_members_set(&tn[node].m, members,
					tn[node].m.epoch + get(in, 1) % 3);
		break;
	case 6:
	case 7:
		pump();
		break;
	case 8:
		drop_queue();
		break;
	case 9:
		hostile(in);
		break;
	}
	clear_events();
	check_bounds();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { .p = data, .left = size };
	int i, n;

	setup(ALL, 0);
	cut = ~ALL;	/* no connection to a node id beyond the four */
	for (n = 0; n < NODES; n++)
		mgr_members_set(&tn[n].m, ALL & ~(get(&in, 1) & 0x8), 1);
	for (i = 0; i < STEPS && in.left; i++)
		step(&in);
	pump();
	check_bounds();
	sim_free();
	return 0;
}

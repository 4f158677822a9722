// SPDX-License-Identifier: GPL-2.0
/*
 * mgr_lock_test.c - unit tests of the lock manager (mgr_lock.c) and the
 * routing and checks it relies on (mgr.c), over the simulated cluster
 * of mgr_sim.c.
 */
#include <errno.h>
#include <string.h>

#include "mgr_sim.h"
#include "unit.h"

static void test_routing(void)
{
	struct mgr m;
	struct mgr_ops ops = { 0 };

	mgr_init(&m, 3, 0x5a, &ops);	/* members 1, 3, 4, 6 */
	ok(mgr_lock_manager(&m, 0, 0) == 1 && mgr_lock_manager(&m, 0, 1) == 3 &&
	   mgr_lock_manager(&m, 0, 2) == 4 && mgr_lock_manager(&m, 0, 3) == 6 &&
	   mgr_lock_manager(&m, 0, 4) == 1 &&
	   mgr_lock_manager(&m, 0, 0xffffffffU) == 6,
	   "mgr: lock managers over sparse ids 1,3,4,6");
	ok(mgr_barrier_manager(&m) == 1, "mgr: barrier manager is the lowest");
	mgr_init(&m, 5, 1U << 5, &ops);
	ok(mgr_lock_manager(&m, 0, 12345) == 5 && mgr_barrier_manager(&m) == 5,
	   "mgr: a single member manages everything");
	ok(mgr_init(&m, 2, 0x3, &ops) == -EINVAL &&
	   mgr_init(&m, DSM_MAX_NODES, 0x3, &ops) == -EINVAL,
	   "mgr: self must be a member, below DSM_MAX_NODES");
#if DSM_MAX_NODES < 64
	ok(mgr_init(&m, 0, 1 | 1ULL << DSM_MAX_NODES, &ops) == -EINVAL,
	   "mgr: members below DSM_MAX_NODES");
#else
	ok(!mgr_init(&m, 63, 1ULL << 63 | 1, &ops) && m.members >> 63 == 1 &&
	   mgr_barrier_manager(&m) == 0, "mgr: node 63 a member, 0 manages barriers");
#endif
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
	   tn[0].ev[0].len == 0 && mgr_lock_tail(&tn[2].m, 0, 5) == 0,
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
	ok(forwarded(1, 200) == 1,
	   "mgr: the requester's kernel is told its request was forwarded");
	ok(mgr_lock_tail(&tn[2].m, 0, 5) == 1 && tn[1].m.st.outstanding == 0,
	   "mgr: tail moves; the requester's dsmd forgets the request");
	clear_events();
	kreq_lock(2, 5, 300);	/* the manager's own node */
	pump();
	ok(forwards(1) == 1 && forwards(0) == 0 && replies(2, 300, NULL) == 0 &&
	   forwarded(2, 300) == 1 && mgr_lock_tail(&tn[2].m, 0, 5) == 2,
	   "mgr: third acquire forwarded to the second (the manager's kernel told)");
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
	ok(mgr_lock_tail(&tn[2].m, 0, 5) == 1, "mgr: node 1 is tail");
	mgr_peer_state(&tn[2].m, 1, MGR_PEER_DOWN);
	ok(mgr_lock_tail(&tn[2].m, 0, 5) == -1 && tn[2].m.st.locks == 1,
	   "mgr: node down clears its tails (the lock kept: its owner died)");
	clear_events();
	kreq_lock(0, 5, 11);
	pump();
	ok(replies(0, 11, &err) == 1 && err == 0 && forwards(1) == 0 &&
	   tn[0].nev == 1 && tn[0].ev[0].flags == DSM_MGR_F_OWNER_DEAD,
	   "mgr: next acquire gets a fresh token flagged OWNER_DEAD");
	clear_events();
	kreq_lock(2, 5, 16);
	pump();
	ok(forwards(0) == 1 && replies(2, 16, NULL) == 0 &&
	   forwarded(2, 16) == 1,
	   "mgr: owner dead is said once: the acquire after is forwarded");
	clear_events();
	kreq_lock(0, 5, 17);	/* node 0 the tail again, as below */
	pump();

	/* The tail unreachable but not down: EHOSTDOWN, tail kept. */
	mgr_peer_state(&tn[2].m, 0, MGR_PEER_GONE);
	kreq_lock(1, 5, 12);
	pump();
	ok(replies(1, 12, &err) == 1 && err == EHOSTDOWN &&
	   mgr_lock_tail(&tn[2].m, 0, 5) == 0,
	   "mgr: unreachable tail: EHOSTDOWN, tail kept");
	mgr_peer_state(&tn[2].m, 0, MGR_PEER_UP);

	/*
	 * A request whose manager is unreachable is answered at once, with
	 * MGR_F_MGR_DOWN: the kernel asks the next manager once that node
	 * is declared down (test_lock_failover()).
	 */
	mgr_peer_state(&tn[0].m, 2, MGR_PEER_GONE);
	kreq_lock(0, 5, 13);
	ok(replies(0, 13, &err) == 1 && err == EHOSTDOWN && qlen == 0 &&
	   reply_flags(0, 13) == DSM_MGR_F_MGR_DOWN,
	   "mgr: manager unreachable: EHOSTDOWN with MGR_DOWN at once");
	mgr_peer_state(&tn[0].m, 2, MGR_PEER_UP);

	/* Outstanding requests fail when their manager goes away. */
	kreq_lock(0, 8, 14);	/* lock 8: manager 2 */
	ok(tn[0].m.st.outstanding == 1 && replies(0, 14, NULL) == 0,
	   "mgr: request outstanding at its manager");
	drop_queue();
	mgr_peer_state(&tn[0].m, 2, MGR_PEER_GONE);
	ok(replies(0, 14, &err) == 1 && err == EHOSTDOWN &&
	   reply_flags(0, 14) == DSM_MGR_F_MGR_DOWN &&
	   tn[0].m.st.outstanding == 0,
	   "mgr: manager connection lost: EHOSTDOWN with MGR_DOWN");
	mgr_peer_state(&tn[0].m, 2, MGR_PEER_UP);
	cut = 1U << 2;
	kreq_lock(0, 8, 15);
	ok(replies(0, 15, &err) == 1 && err == EHOSTDOWN &&
	   tn[0].m.st.outstanding == 0, "mgr: send failure: EHOSTDOWN");
	cut = 0;
}

/* Node @dead is declared down on every other node, lowest first. */
static void declare_down(uint64_t members, int dead)
{
	int i;

	for (i = 0; i < DSM_MAX_NODES; i++)
		if (i != dead && (members >> i & 1))
			mgr_peer_state(&tn[i].m, dead, MGR_PEER_DOWN);
}

/*
 * Lock managers fail over (Documentation/lrc.md, "Failures: lock
 * managers"): over members 0..3, lock 4's manager is node 0; it dies and
 * node 1 takes over, rebuilding the tail from the survivors' states.
 */
static void test_lock_failover(void)
{
	uint32_t err = 99;

	/* Node 1 holds the token; node 2 waits (forwarded to node 1). */
	setup(0xf, 0);
	kreq_lock(1, 4, 10);
	kreq_lock(2, 4, 20);
	pump();
	ok(mgr_lock_tail(&tn[0].m, 0, 4) == 2 && forwards(1) == 1,
	   "mgr: failover: chain node 1 -> node 2 at manager 0");
	clear_events();
	/* Node 3 asks; node 0's dsmd is gone before it answers. */
	kreq_lock(3, 4, 30);
	drop_queue();
	mgr_peer_state(&tn[3].m, 0, MGR_PEER_GONE);
	ok(replies(3, 30, &err) == 1 && err == EHOSTDOWN &&
	   reply_flags(3, 30) == DSM_MGR_F_MGR_DOWN,
	   "mgr: failover: the waiter's dsmd says MGR_DOWN");
	declare_down(0xf, 0);
	ok(mgr_lock_manager(&tn[3].m, 0, 4) == 1 &&
	   mgr_lock_manager(&tn[2].m, 0, 5) == 1 &&
	   mgr_lock_manager(&tn[2].m, 0, 6) == 2,
	   "mgr: failover: node 0's locks go to node 1, the others stay");
	/* Node 3 asks again before the rebuild: held, not answered. */
	clear_events();
	kreq_lock(3, 4, 30);
	pump();
	ok(replies(3, 30, NULL) == 0 && forwards(2) == 0,
	   "mgr: failover: an acquire waits for the rebuild");
	kstate(1, 4, 1, 0, DSM_MGR_F_HAS_TOKEN);
	kstate(1, 4, 2, 20, 0);
	kstate_done(1, 0);
	kstate(2, 4, 2, 20, DSM_MGR_F_FORWARDED);
	kstate_done(2, 0);
	pump();
	ok(replies(3, 30, NULL) == 0,
	   "mgr: failover: still waiting for node 3's state");
	kstate(3, 4, 3, 30, 0);
	kstate_done(3, 0);
	pump();
	ok(mgr_lock_tail(&tn[1].m, 0, 4) == 3 && forwards(2) == 1 &&
	   forwarded(3, 30) == 1 && tn[1].m.st.lock_rebuilds == 1,
	   "mgr: failover: rebuilt (tail node 2), node 3 queued behind node 2");
	/*
	 * Node 0 restarts: reported down again, then up. Its locks stay at
	 * node 1, rebuilt once: an acquire is served at once.
	 */
	clear_events();
	mgr_peer_state(&tn[1].m, 0, MGR_PEER_DOWN);
	mgr_peer_state(&tn[1].m, 0, MGR_PEER_UP);
	kreq_lock(1, 8, 40);
	pump();
	ok(mgr_lock_manager(&tn[1].m, 0, 8) == 1 && tn[1].m.rb_open == 0 &&
	   replies(1, 40, &err) == 1 && !err,
	   "mgr: failover: the dead manager restarts: no second rebuild");
}

/* Lock failover when the token died with the manager: owner dead. */
static void test_lock_failover_dead(void)
{
	uint32_t err = 99;

	/* The dead manager also held the token, a request forwarded to it. */
	setup(0xf, 0);
	kreq_lock(0, 8, 1);	/* lock 8: manager node 0, token on node 0 */
	kreq_lock(2, 8, 21);	/* forwarded to node 0 */
	pump();
	clear_events();
	declare_down(0xf, 0);
	kstate(2, 8, 2, 21, DSM_MGR_F_FORWARDED);
	kstate_done(2, 0);
	kstate_done(3, 0);
	kstate_done(1, 0);
	pump();
	ok(tn[2].nev == 1 && tn[2].ev[0].cookie == 21 &&
	   tn[2].ev[0].flags == DSM_MGR_F_OWNER_DEAD &&
	   mgr_lock_tail(&tn[1].m, 0, 8) == 2,
	   "mgr: failover: the token died with the manager: owner dead");
	clear_events();
	kreq_lock(3, 8, 31);
	pump();
	ok(forwards(2) == 1 && forwarded(3, 31) == 1,
	   "mgr: failover: the acquire after it is forwarded");

	/* Nobody has the token, a waiter's request was lost: owner dead. */
	setup(0xf, 0);
	kreq_lock(0, 12, 2);
	pump();
	declare_down(0xf, 0);
	clear_events();
	kstate(3, 12, 3, 32, 0);
	kreq_lock(3, 12, 32);
	kstate_done(3, 0);
	kstate_done(2, 0);
	kstate_done(1, 0);
	pump();
	ok(replies(3, 32, &err) == 1 && !err && tn[3].nev == 1 &&
	   tn[3].ev[0].flags == DSM_MGR_F_OWNER_DEAD,
	   "mgr: failover: a lost request with no token anywhere: owner dead");

	/*
	 * The token died idle with its manager, nobody waiting: no survivor
	 * speaks of the lock, and its first acquire is told owner dead (the
	 * dead node may have held it); one the dead node did not manage is
	 * not.
	 */
	setup(0xf, 0);
	kreq_lock(0, 16, 3);	/* lock 16: manager node 0, token on node 0 */
	pump();
	declare_down(0xf, 0);
	kstate_done(3, 0);
	kstate_done(2, 0);
	kstate_done(1, 0);
	pump();
	clear_events();
	kreq_lock(2, 16, 22);
	pump();
	ok(replies(2, 22, &err) == 1 && !err && tn[2].nev == 1 &&
	   tn[2].ev[0].flags == DSM_MGR_F_OWNER_DEAD &&
	   mgr_lock_tail(&tn[1].m, 0, 16) == 2,
	   "mgr: failover: a lock of the dead manager nobody spoke of: owner dead");
	clear_events();
	kreq_lock(3, 16, 33);
	pump();
	ok(forwards(2) == 1 && forwarded(3, 33) == 1,
	   "mgr: failover: ... once: the acquire after it is forwarded");
	clear_events();
	kreq_lock(2, 17, 23);	/* manager node 1 all along */
	pump();
	ok(replies(2, 23, &err) == 1 && !err && tn[2].nev == 1 &&
	   tn[2].ev[0].flags == 0,
	   "mgr: failover: a new lock the dead node did not manage: no owner dead");
}

static void test_lock_bad(void)
{
	uint32_t err = 0;
	uint64_t bad;
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
	bad = tn[0].m.st.bad;
	mgr_kernel_request(&tn[0].m, &r);
	ok(replies(0, 10, &err) == 1 && err == EINVAL &&
	   tn[0].m.st.bad == bad + 1,
	   "mgr: lock release without its LOCK_REQ refused");
	r.op = 9;
	r.cookie = 11;
	mgr_kernel_request(&tn[0].m, &r);
	ok(replies(0, 11, &err) == 1 && err == EINVAL,
	   "mgr: unknown ops refused");
	len = lock_req(0, 6, 0, 12);
	r = (struct mgr_req){ .op = DSM_MGR_LOCK_ACQUIRE, .cookie = 12,
			      .has_lock = true, .has_barrier = true,
			      .lock_id = 6, .payload = pbuf, .len = len };
	mgr_kernel_request(&tn[0].m, &r);
	ok(replies(0, 12, &err) == 1 && err == EINVAL,
	   "mgr: both LOCK_ID and BARRIER_ID refused");
	pump();
	ok(mgr_lock_tail(&tn[0].m, 0, 6) == -1 && tn[0].m.st.bad == 11 &&
	   tn[0].m.st.locks == 0, "mgr: refusals change nothing");
}

/* Bad requests and frames from peers (after test_lock_bad()). */
static void test_lock_bad_peer(void)
{
	struct mgr_req r;
	int len;

	/* A peer sending a LOCK_REQ for another node (lock 6: manager 0). */
	len = lock_req(1, 6, 2, 20);
	r = (struct mgr_req){ .op = DSM_MGR_LOCK_ACQUIRE, .cookie = 20,
			      .has_lock = true, .lock_id = 6, .payload = pbuf,
			      .len = len, .frag = 0 };
	mgr_peer_request(&tn[0].m, 1, &r);
	ok(qlen == 1 && q[0].type == FR_REPLY && q[0].to == 1 &&
	   q[0].error == EPROTO && mgr_lock_tail(&tn[0].m, 0, 6) == -1,
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
	mgr_peer_forward(&tn[0].m, 2, 7, 1, 22, pbuf, len, 0);
	ok(forwards(0) == 0 && qlen == 0,
	   "mgr: forward from a non-manager dropped, nobody told");
	mgr_peer_forward(&tn[0].m, 1, 7, 1, 22, pbuf, len, 0);
	ok(forwards(0) == 1, "mgr: forward from the manager delivered");
	/* A reply for a cookie nobody asked for. */
	clear_events();
	mgr_peer_reply(&tn[0].m, 2, 999, 0, 0, NULL, 0, 0);
	ok(tn[0].nev == 0, "mgr: reply to an unknown cookie dropped");
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
	mgr_peer_forward(&tn[0].m, 2, 5, 1, 202, pbuf, len, 0);
	ok(forwards(0) == 0 && qlen == 1 && q[0].type == FR_REPLY &&
	   q[0].to == 1 && q[0].cookie == 202 && q[0].error == EPROTO &&
	   q[0].flags == MGR_F_FWD_FAILED,
	   "mgr: a forward not matching its LOCK_REQ fails the frame's cookie");
	pump();
	ok(replies(1, 202, &err) == 1 && err == EPROTO && !tn[1].ev[0].flags,
	   "mgr: the failure reaches the kernel without the frame-only flag");
	/* A notice that is not a failure, or from ourselves, is dropped. */
	clear_events();
	mgr_peer_reply(&tn[1].m, 0, 203, 0, MGR_F_FWD_FAILED, NULL, 0, 0);
	mgr_peer_reply(&tn[1].m, 1, 204, EPROTO, MGR_F_FWD_FAILED, NULL, 0, 0);
	ok(tn[1].nev == 0, "mgr: bad forward-failed notices dropped");
	/* An intact forward still works after all this. */
	clear_events();
	kreq_lock(0, 5, 300);
	pump();
	ok(forwards(1) == 1 && replies(0, 300, NULL) == 0,
	   "mgr: the next forward is delivered");
}

/* Node @node declared down on every other node's dsmd. */
static void down(int node, uint64_t members)
{
	int k;

	for (k = 0; k < DSM_MAX_NODES; k++)
		if (k != node && (members >> k & 1))
			mgr_peer_state(&tn[k].m, node, MGR_PEER_DOWN);
	pump();
}

/*
 * A node going down concerns only the requests forwarded to it: their
 * requesters are told (their kernels re-create the token); a bystander's
 * failure tells nobody anything (issue 12, finding 6).
 */
static void test_fwd_lost(void)
{
	uint32_t err = 99;

	/* Lock 5 over members 0, 1, 2, 3: manager 5 % 4 = node 1. */
	setup(0xf, 0);
	kreq_lock(0, 5, 100);
	pump();
	kreq_lock(2, 5, 200);
	pump();
	ok(forwards(0) == 1 && forwarded(2, 200) == 1 &&
	   mgr_lock_tail(&tn[1].m, 0, 5) == 2,
	   "mgr: node 2's request forwarded to node 0");
	clear_events();
	down(3, 0xf);
	ok(replies(2, 200, NULL) == 0 && tn[1].m.st.lock_fwd_lost == 0 &&
	   mgr_lock_tail(&tn[1].m, 0, 5) == 2,
	   "mgr: a bystander (node 3) down: node 2 is told nothing, tail kept");
	down(0, 0x7);
	ok(replies(2, 200, &err) == 1 && err == 0 && tn[2].nev == 1 &&
	   tn[2].ev[0].flags == DSM_MGR_F_OWNER_DEAD && tn[2].ev[0].len == 0,
	   "mgr: node 0 down before granting: node 2's kernel gets an empty reply flagged OWNER_DEAD (re-creates the token)");
	ok(tn[1].m.st.lock_fwd_lost == 1 && mgr_lock_tail(&tn[1].m, 0, 5) == 2,
	   "mgr: counted; node 2 stays tail");
	/* The manager's own kernel forwarded to a node that goes down. */
	clear_events();
	kreq_lock(1, 5, 300);
	pump();
	ok(forwards(2) == 1 && forwarded(1, 300) == 1 &&
	   mgr_lock_tail(&tn[1].m, 0, 5) == 1, "mgr: node 1 forwarded to node 2");
	down(2, 0x3);
	ok(replies(1, 300, &err) == 1 && err == 0 &&
	   tn[1].m.st.lock_fwd_lost == 2 && tn[1].nev > 0 &&
	   tn[1].ev[tn[1].nev - 1].cookie == 300 &&
	   tn[1].ev[tn[1].nev - 1].flags == DSM_MGR_F_OWNER_DEAD,
	   "mgr: the manager's own kernel told directly (OWNER_DEAD)");
	/* Told once: the record is gone. */
	clear_events();
	mgr_peer_state(&tn[1].m, 2, MGR_PEER_DOWN);
	ok(tn[1].nev == 0, "mgr: no second notice");
	/* Bad notices: from ourselves, with an error, with a payload. */
	setup(0x7, 0);
	mgr_peer_reply(&tn[2].m, 2, 400, 0, MGR_F_FWD_LOST, NULL, 0, 0);
	mgr_peer_reply(&tn[2].m, 1, 401, EPROTO, MGR_F_FWD_LOST, NULL, 0, 0);
	mgr_peer_reply(&tn[2].m, 1, 402, 0, MGR_F_FWD_LOST, pbuf, 8, 0);
	ok(tn[2].nev == 0 && tn[2].m.st.bad == 3,
	   "mgr: bad forward-lost notices dropped");
}

/*
 * Namespaces: lock 5 of region words 1 and 2 and of the cluster-wide
 * namespace are three locks, each at the manager dsm_sync_key() names
 * ((2^32 * region + 5) mod 3 over members 0, 1, 2: nodes 0, 1, 2).
 */
static void test_lock_regions(void)
{
	uint32_t err = 99;

	setup(0x7, 0);
	ok(mgr_lock_manager(&tn[0].m, 1, 5) == 0 &&
	   mgr_lock_manager(&tn[0].m, 2, 5) == 1 &&
	   mgr_lock_manager(&tn[0].m, 0, 5) == 2,
	   "mgr: regions: a lock's manager follows dsm_sync_key()");
	sim_region = 1;
	kreq_lock(0, 5, 100);
	pump();
	ok(replies(0, 100, &err) == 1 && err == 0 &&
	   mgr_lock_tail(&tn[0].m, 1, 5) == 0,
	   "mgr: regions: region 1's lock 5 taken by node 0");
	clear_events();
	sim_region = 2;
	err = 99;
	kreq_lock(1, 5, 200);
	pump();
	ok(replies(1, 200, &err) == 1 && err == 0 && forwards(0) == 0 &&
	   mgr_lock_tail(&tn[1].m, 2, 5) == 1 &&
	   mgr_lock_tail(&tn[0].m, 1, 5) == 0,
	   "mgr: regions: region 2's lock 5 is free although region 1's is taken");
	clear_events();
	sim_region = 0;
	err = 99;
	kreq_lock(2, 5, 300);
	pump();
	ok(replies(2, 300, &err) == 1 && err == 0 && forwards(0) == 0 &&
	   forwards(1) == 0 && mgr_lock_tail(&tn[2].m, 0, 5) == 2,
	   "mgr: regions: the cluster-wide lock 5 is a third lock");
	clear_events();
	sim_region = 1;
	kreq_lock(2, 5, 301);
	pump();
	ok(forwards(0) == 1 && tn[0].ev[0].lock == 5 && forwards(1) == 0 &&
	   forwarded(2, 301) == 1 && mgr_lock_tail(&tn[0].m, 1, 5) == 2,
	   "mgr: regions: region 1's lock 5 goes on to its holder only");
	ok(tn[0].m.st.locks == 1 && tn[1].m.st.locks == 1 &&
	   tn[2].m.st.locks == 1, "mgr: regions: one lock at each manager");
}

/*
 * 64 nodes (issue 15 item 5): over members 0, 40 and 63, lock k's
 * manager is member k mod 3: lock 2 is node 63's. Needs a core of 64
 * nodes (DSM_MAX_NODES); skipped with fewer.
 */
static void test_lock_high_ids(void)
{
#if DSM_MAX_NODES >= 64
	const uint64_t members = 1ULL << 63 | 1ULL << 40 | 1;
	uint32_t err = 99;

	setup(members, 0);
	ok(mgr_lock_manager(&tn[0].m, 0, 2) == 63 &&
	   mgr_lock_manager(&tn[63].m, 0, 1) == 40 &&
	   mgr_lock_manager(&tn[40].m, 0, 3) == 0,
	   "mgr: 64 nodes: locks spread over members 0, 40 and 63");
	kreq_lock(0, 2, 100);
	pump();
	ok(replies(0, 100, &err) == 1 && !err &&
	   mgr_lock_tail(&tn[63].m, 0, 2) == 0,
	   "mgr: 64 nodes: node 63 manages lock 2, a fresh token to node 0");
	clear_events();
	kreq_lock(40, 2, 200);
	pump();
	ok(forwards(0) == 1 && forwarded(40, 200) == 1 &&
	   mgr_lock_tail(&tn[63].m, 0, 2) == 40,
	   "mgr: 64 nodes: node 40's acquire forwarded by node 63 to node 0");
	clear_events();
	kreq_lock(63, 1, 300);
	pump();
	ok(replies(63, 300, &err) == 1 && !err &&
	   mgr_lock_tail(&tn[40].m, 0, 1) == 63,
	   "mgr: 64 nodes: node 63's acquire of lock 1 at node 40");
	declare_down(members, 63);
	ok(mgr_lock_manager(&tn[0].m, 0, 2) != 63 &&
	   mgr_lock_manager(&tn[0].m, 0, 2) ==
	   mgr_lock_manager(&tn[40].m, 0, 2) &&
	   tn[0].m.lost == 1ULL << 63 && tn[40].m.lost == 1ULL << 63,
	   "mgr: 64 nodes: node 63 lost (bit 63), its locks move on");
	teardown();
#else
	ok(1, "mgr: 64 nodes: locks of node 63 # SKIP DSM_MAX_NODES < 64");
#endif
}

/* @n's acquire of @lock (@cookie) gets a fresh token flagged TOKEN_LEFT. */
static bool take_left(int n, uint32_t lock, uint64_t cookie)
{
	uint32_t err = 99;

	kreq_lock(n, lock, cookie);
	pump();
	return replies(n, cookie, &err) == 1 && !err &&
	       reply_flags(n, cookie) == DSM_MGR_F_TOKEN_LEFT;
}

/*
 * A leaving node gives its free token up (LOCK_RELEASE): the manager
 * forgets it as tail only while it is (answer 0, else EBUSY), and the
 * next acquirer's fresh token says TOKEN_LEFT (its kernel learns what it
 * lacks, returns 0).
 */
static void test_lock_left(void)
{
	uint32_t err = 99;
	struct mgr_req r = {
		.op = DSM_MGR_LOCK_RELEASE, .has_lock = true, .lock_id = 6,
		.frag = -1, .cookie = 40, .payload = pbuf,
	};

	setup(0x7, 0);		/* lock 5: managed by node 2 */
	kreq_lock(1, 5, 10);
	pump();
	kleft(1, 5, 1, 0, 30);
	pump();
	ok(mgr_lock_tail(&tn[2].m, 0, 5) == -1 && tn[2].m.st.lock_left == 1 &&
	   tn[2].m.st.locks == 1,
	   "left: the leaver's free token forgets it as tail, the lock kept");
	ok(replies(1, 30, &err) == 1 && err == 0 &&
	   tn[1].m.st.outstanding == 0,
	   "left: the leaver's kernel hears 0 (marked)");
	clear_events();
	kreq_lock(0, 5, 11);
	pump();
	ok(replies(0, 11, &err) == 1 && err == 0 &&
	   reply_flags(0, 11) == DSM_MGR_F_TOKEN_LEFT && forwards(1) == 0 &&
	   mgr_lock_tail(&tn[2].m, 0, 5) == 0,
	   "left: the next acquirer gets a fresh token flagged TOKEN_LEFT");
	clear_events();
	kreq_lock(1, 5, 12);	/* forwarded to node 0: tail node 1 */
	pump();
	kleft(0, 5, 0, 0, 31);
	pump();
	ok(tn[2].m.st.lock_left_ignored == 1 &&
	   mgr_lock_tail(&tn[2].m, 0, 5) == 1 && forwards(0) == 1 &&
	   replies(0, 31, &err) == 1 && err == EBUSY,
	   "left: a token given up after a forward to it: EBUSY (it grants the forward)");
	/* The manager's own kernel, as tail. */
	clear_events();
	kreq_lock(2, 5, 13);
	pump();
	kleft(2, 5, 2, 0, 32);
	ok(mgr_lock_tail(&tn[2].m, 0, 5) == -1 && tn[2].m.st.lock_left == 2 &&
	   replies(2, 32, &err) == 1 && err == 0,
	   "left: the manager's own kernel answered directly");
	clear_events();
	ok(take_left(1, 5, 14) && mgr_lock_tail(&tn[2].m, 0, 5) == 1,
	   "left: and its next acquirer gets TOKEN_LEFT");
	kleft(1, 5, 1, 0, 33);
	pump();
	mgr_peer_state(&tn[2].m, 1, MGR_PEER_DOWN);
	clear_events();
	ok(take_left(0, 5, 15),
	   "left: the leaver declared down afterwards: still TOKEN_LEFT, no owner dead");
	/* Refused: flags, another node's token, a request id not the cookie. */
	kreq_lock(2, 6, 20);	/* lock 6: managed by node 0 */
	pump();
	clear_events();
	kleft(2, 6, 2, DSM_MGR_F_HAS_TOKEN, 34);
	kleft(2, 6, 1, 0, 35);
	kleft(2, 6, 2, 0, 0);
	pump();
	ok(replies(2, 34, &err) == 1 && err == EINVAL &&
	   replies(2, 35, &err) == 1 && err == EINVAL &&
	   tn[2].m.st.bad == 3 && queued(0, FR_REQ) == 0 &&
	   mgr_lock_tail(&tn[0].m, 0, 6) == 2 && tn[0].m.st.lock_left == 0,
	   "left: a release with flags, of another node's token or without a cookie, refused by the sender's dsmd");
	r.len = (size_t)lock_req(1, 6, 2, 40);
	mgr_peer_request(&tn[0].m, 1, &r);	/* names node 2 */
	r.len = (size_t)lock_req(2, 6, 2, 41);
	mgr_peer_request(&tn[0].m, 2, &r);	/* req_id not the cookie */
	r.len = (size_t)lock_req(2, 6, 2, 40);
	r.epoch = tn[0].m.epoch + 1;
	mgr_peer_request(&tn[0].m, 2, &r);	/* another table */
	r.len = (size_t)lock_req(2, 5, 2, 40);
	r.lock_id = 5;
	r.epoch = tn[1].m.epoch;
	mgr_peer_request(&tn[1].m, 2, &r);	/* not its manager */
	ok(tn[0].m.st.bad == 3 && tn[1].m.st.bad == 1 &&
	   mgr_lock_tail(&tn[0].m, 0, 6) == 2 && tn[0].m.st.lock_left == 0 &&
	   tn[1].m.st.lock_left == 0 && queued(1, FR_REPLY) == 1 &&
	   queued(2, FR_REPLY) == 3,
	   "left: a peer's release for another node, cookie, table or manager refused, answered");
	teardown();
}

/*
 * Node 3 of 0..3 is declared down and removed: in the coordinator's
 * order on node 0 (the table without it first), the peers' on nodes 1
 * and 2.
 */
static void remove_node3(void)
{
	int i;

	mgr_members_set(&tn[0].m, 0x7, 2);
	mgr_peer_state(&tn[0].m, 3, MGR_PEER_DOWN);
	for (i = 1; i < 3; i++) {
		mgr_peer_state(&tn[i].m, 3, MGR_PEER_DOWN);
		mgr_members_set(&tn[i].m, 0x7, 2);
	}
}

/*
 * A node removed from the members (node del: its graceful leave, or a
 * dead node deleted) takes the state of the locks it managed with it.
 * Over members 0..3, node 3 manages lock 7 and holds its token; it is
 * declared down and removed, in the coordinator's order on node 0 (the
 * table without it first) and the peers' on nodes 1 and 2. No survivor
 * speaks of lock 7, and node 1 manages it now: its first acquire gets
 * OWNER_DEAD (and learns what node 3 released), not a plain fresh token
 * that would skip node 3's intervals; a lock node 0 managed does not.
 */
static void test_lock_removed_mgr(void)
{
	uint32_t err = 99;
	int i;

	setup(0xf, 0);
	kreq_lock(3, 7, 1);	/* lock 7: manager node 3 of four */
	kreq_lock(0, 8, 2);	/* lock 8: manager node 0 of four */
	pump();
	ok(mgr_lock_manager(&tn[0].m, 0, 7) == 3 &&
	   mgr_lock_tail(&tn[3].m, 0, 7) == 3,
	   "removed: node 3 manages lock 7 and has its token");
	remove_node3();
	for (i = 0; i < 3; i++)
		kstate_done(i, 3);
	pump();
	clear_events();
	kreq_lock(1, 7, 11);
	pump();
	ok(mgr_lock_manager(&tn[1].m, 0, 7) == 1 &&
	   replies(1, 11, &err) == 1 && !err &&
	   reply_flags(1, 11) == DSM_MGR_F_OWNER_DEAD &&
	   tn[1].m.nr_gone == 1 && tn[1].m.gone[0].node == 3,
	   "removed: the first acquire of a lock the removed node managed: owner dead");
	clear_events();
	kreq_lock(2, 7, 21);
	pump();
	ok(forwards(1) == 1 && forwarded(2, 21) == 1,
	   "removed: ... once: the next acquire is forwarded to its holder");
	clear_events();
	kreq_lock(1, 8, 12);
	pump();
	ok(forwarded(1, 12) == 1 && forwards(0) == 1 &&
	   mgr_lock_tail(&tn[2].m, 0, 8) == 1,
	   "removed: a lock a survivor managed goes on from its tail");
	clear_events();
	kreq_lock(2, 9, 22);	/* lock 9: node 1 of four, node 0 of three */
	pump();
	ok(replies(2, 22, &err) == 1 && !err && reply_flags(2, 22) == 0,
	   "removed: a new lock a survivor managed: no owner dead");
	/* A node that never came up managed nothing: not remembered. */
	setup(0x7, 0);
	mgr_peer_state(&tn[0].m, 3, MGR_PEER_DOWN);
	mgr_members_set(&tn[0].m, 0xf, 2);
	mgr_members_set(&tn[0].m, 0x7, 3);
	ok(tn[0].m.nr_gone == 0,
	   "removed: a node deleted before it came up is not remembered");
	teardown();
}

/*
 * A leaving node's own locks (mgr_lock_kept.c): node 3 manages locks 7,
 * 11 and 15 of four members and has their tokens. Its kernel gives up
 * 7's and 15's (free); its dsmd marks them and tells every member, which
 * keep the notice. After node 3 is removed, lock 7's first acquire gets
 * TOKEN_LEFT, not OWNER_DEAD; lock 11's (held when node 3 left) still
 * OWNER_DEAD. A survivor whose acquire of lock 15 was in flight to node 3
 * when it went makes the rebuild find no token: left free, TOKEN_LEFT.
 */
static void test_lock_kept(void)
{
	uint32_t err = 99;
	struct mgr_req r = {
		.op = DSM_MGR_LOCK_RELEASE, .has_lock = true, .lock_id = 7,
		.frag = -1, .cookie = 50, .payload = pbuf,
		.flags = MGR_F_KEPT,
	};
	int i;

	setup(0xf, 0);
	kreq_lock(3, 7, 1);
	kreq_lock(3, 11, 2);
	kreq_lock(3, 15, 3);
	pump();
	clear_events();
	kleft(3, 7, 3, 0, 30);
	kleft(3, 15, 3, 0, 31);
	ok(replies(3, 30, &err) == 1 && !err && replies(3, 31, &err) == 1 &&
	   !err && queued(0, FR_REQ) == 2 && queued(1, FR_REQ) == 2 &&
	   queued(2, FR_REQ) == 2,
	   "kept: the leaving manager marks its own free tokens, tells every member");
	pump();
	for (i = 0; i < 3; i++)
		if (tn[i].m.nr_kept != 2 || tn[i].m.st.lock_kept != 2)
			break;
	ok(i == 3 && tn[3].m.nr_kept == 0,
	   "kept: each member keeps both notices");
	/* Refused: not the manager, other flags, another table. */
	r.len = (size_t)lock_req(1, 6, 1, 50);
	r.lock_id = 6;		/* managed by node 2 of four, not node 1 */
	mgr_peer_request(&tn[0].m, 1, &r);
	r.len = (size_t)lock_req(3, 19, 3, 50);
	r.lock_id = 19;
	r.flags = MGR_F_KEPT | DSM_MGR_F_HAS_TOKEN;
	mgr_peer_request(&tn[0].m, 3, &r);
	r.flags = MGR_F_KEPT;
	r.epoch = tn[0].m.epoch + 1;
	mgr_peer_request(&tn[0].m, 3, &r);
	r.epoch = tn[0].m.epoch;
	r.len = (size_t)lock_req(3, 19, 2, 50);	/* names node 2 */
	mgr_peer_request(&tn[0].m, 3, &r);
	ok(tn[0].m.nr_kept == 2 && tn[0].m.st.bad == 4 &&
	   queued(1, FR_REPLY) == 0 && queued(3, FR_REPLY) == 0,
	   "kept: a notice of another manager, flags, table or requester refused, not answered");
	/* Node 1's acquire of lock 15 reaches node 3 no more. */
	kreq_lock(1, 15, 41);
	drop_queue();
	remove_node3();
	kstate(1, 15, 1, 41, 0);
	for (i = 0; i < 3; i++)
		kstate_done(i, 3);
	pump();
	clear_events();
	kreq_lock(1, 15, 42);
	pump();
	ok(replies(1, 42, &err) == 1 && !err &&
	   reply_flags(1, 42) == DSM_MGR_F_TOKEN_LEFT,
	   "kept: rebuilt with no token anywhere: left free, TOKEN_LEFT");
	clear_events();
	ok(take_left(2, 7, 43),
	   "kept: a lock node 3 managed and left free, nobody spoke of: TOKEN_LEFT");
	clear_events();
	kreq_lock(1, 11, 44);
	pump();
	ok(replies(1, 44, &err) == 1 && !err &&
	   reply_flags(1, 44) == DSM_MGR_F_OWNER_DEAD,
	   "kept: one it held as it left: OWNER_DEAD");
	teardown();
}

void test_mgr_lock(void)
{
	test_lock_high_ids();
	test_routing();
	test_lock_chain();
	test_lock_regions();
	test_lock_down();
	test_lock_failover();
	test_lock_failover_dead();
	test_lock_bad();
	test_lock_bad_peer();
	test_fwd_corrupt();
	test_fwd_lost();
	test_lock_left();
	test_lock_removed_mgr();
	test_lock_kept();
}


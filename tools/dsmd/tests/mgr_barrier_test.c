// SPDX-License-Identifier: GPL-2.0
/*
 * mgr_barrier_test.c - unit tests of the barrier manager (mgr_barrier.c)
 * and of lost connections and kernel resets (mgr.c), over the simulated
 * cluster of mgr_sim.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mgr_sim.h"
#include "unit.h"

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
	/* Its own kernel learns the release after the others' are sent. */
	ok(tn[0].nev > 0 && tn[0].ev[0].cookie == 10 &&
	   tn[0].ev[0].others_queued == r1.frags + r2.frags,
	   "mgr: barrier: the manager's node released after the others");
	ok(tn[0].m.st.barriers_released == 1 && tn[1].m.st.outstanding == 0 &&
	   tn[2].m.st.outstanding == 0, "mgr: barrier: counters");
	ok(tn[0].m.bar_bytes == 0,
	   "mgr: barrier: no barrier state held after the release");
}

/*
 * The manager's barrier state has one budget over every barrier: node 1
 * opens barriers with arrivals until one is refused with ENOSPC; state
 * held never exceeds the budget, and the arrivers going down free it all.
 */
static void test_barrier_budget(void)
{
	struct dsm_interval iv[4];
	uint32_t err = 0, id, refused = 0;
	size_t most = 0;
	int i;

	setup(0xff, 0);
	tn[0].m.bar_bytes_max = 16 * sizeof(struct dsm_interval);
	for (i = 0; i < 4; i++)
		iv[i] = mkiv(1, i + 1, vt3(0, i, 0));
	/* Nodes 1 to 7, one arrival each (a node holds one at a time). */
	for (id = 1; id <= 7; id++) {
		kreq_arrive(id, 100 + id, 0, vt3(0, 4, 0), iv, 4, 8, 0,
			    200 + id);
		pump();
		if (tn[0].m.bar_bytes > most)
			most = tn[0].m.bar_bytes;
		if (replies(id, 200 + id, &err) == 1 && err == ENOSPC)
			refused++;
	}
	ok(refused > 0 && most <= tn[0].m.bar_bytes_max && most > 0,
	   "mgr: barrier: state beyond the budget refused with ENOSPC");
	for (id = 1; id <= 7; id++)
		mgr_peer_state(&tn[0].m, id, MGR_PEER_DOWN);
	pump();
	ok(tn[0].m.bar_bytes == 0 && tn[0].m.nr_bars == 0,
	   "mgr: barrier: members down free the open episodes' state");
}

static void test_barrier_epochs(void)
{
	struct dsm_interval iv = mkiv(0, 1, vt3(0, 0, 0));
	struct dsm_interval iv2 = mkiv(2, 1, vt3(0, 0, 0));
	uint32_t err = 0;
	struct rel r0, r2;
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
	kreq_arrive(2, 1, 1, vt3(0, 0, 0), NULL, 0, 8, 0, 39);
	pump();
	ok(replies(1, 40, NULL) == 0 && replies(2, 39, &err) == 1 &&
	   err == EPROTO,
	   "mgr: an arrival with another epoch than the episode's refused");
	kreq_arrive(1, 1, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 41);
	pump();
	ok(replies(1, 40, &err) == 1 && err == ESTALE &&
	   replies(1, 41, NULL) == 0,
	   "mgr: a new arrival of a node supersedes its old one");
	kreq_arrive(0, 1, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 42);
	kreq_arrive(0, 1, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 42);
	ok(replies(0, 42, &err) == 1 && err == EPROTO &&
	   replies(1, 41, NULL) == 0,
	   "mgr: the same arrival twice is refused");
	/* A bad fragment: the rest of that arrival is dropped. */
	kreq_arrive(0, 1, 0, vt3(1, 0, 0), &iv, 1, 8, DSM_MGR_F_MORE, 43);
	kreq_arrive(0, 1, 0, vt3(2, 0, 0), NULL, 0, 8, 0, 43);
	pump();
	ok(replies(0, 43, &err) == 1 && err == EPROTO,
	   "mgr: fragment with another timestamp refused");
	/* A member goes down: the barrier completes among the others. */
	clear_events();
	mgr_peer_state(&tn[0].m, 2, MGR_PEER_DOWN);
	mgr_peer_state(&tn[1].m, 2, MGR_PEER_DOWN);
	pump();
	ok(replies(1, 41, NULL) == 0 && tn[0].m.nr_bars == 1,
	   "mgr: member down: the waiting arrival waits for the others");
	kreq_arrive(0, 1, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 44);
	pump();
	ok(replies(1, 41, &err) == 1 && !err && replies(0, 44, &err) == 1 &&
	   !err, "mgr: member down: released among the members up");
	ok(tn[0].m.nr_bars == 0 && tn[0].m.st.barriers == 0,
	   "mgr: the episode is freed");
	/*
	 * It comes back as a new incarnation: it joins lrc again at a
	 * collecting barrier (issue 16 item 4), and what its arrival
	 * carries is not taken (its indices would clash with the old ones).
	 */
	clear_events();
	mgr_peer_state(&tn[0].m, 2, MGR_PEER_UP);
	mgr_peer_state(&tn[1].m, 2, MGR_PEER_UP);
	mgr_peer_state(&tn[2].m, 0, MGR_PEER_UP);
	mgr_self_lost(&tn[2].m);
	ok(tn[0].m.added == 0x4 && tn[1].m.added == 0x4 &&
	   tn[2].m.added == 0x4 && tn[2].m.lost == 0x4,
	   "mgr: rejoin: a lost node back is joining, on its own dsmd too");
	kreq_arrive(2, 1, 0, vt3(0, 0, 1), &iv2, 1, 8, 0, 46);
	pump();
	ok(replies(2, 46, NULL) == 0,
	   "mgr: rejoin: its arrival waits for the members");
	kreq_arrive(0, 1, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 45);
	kreq_arrive(1, 1, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 47);
	pump();
	r2 = release_of(2, 46);
	r0 = release_of(0, 45);
	ok(r2.valid && r2.nr == 0 && (reply_flags(2, 46) & DSM_MGR_F_JOIN) &&
	   (reply_flags(0, 45) & DSM_MGR_F_GC) &&
	   !(reply_flags(0, 45) & DSM_MGR_F_JOIN) &&
	   replies(1, 47, &err) == 1 && !err,
	   "mgr: rejoin: it joins at a collecting barrier");
	ok(r0.valid && r0.nr == 0 && dsm_vt_get(&r0.vt, 2) == 0 &&
	   dsm_vt_get(&r2.vt, 2) == 0,
	   "mgr: rejoin: what its arrival carried is not taken");
	ok(tn[0].m.back == 0x4 && tn[0].m.added == 0 &&
	   tn[2].m.back == 0x4 && tn[2].m.added == 0 &&
	   tn[0].m.lost == 0x4 && mgr_barrier_manager(&tn[2].m) == 0,
	   "mgr: rejoin: back on the manager and on its dsmd, placed as lost");
	/* The GC_DONE round waits for it; node 1 going down ends it. */
	clear_events();
	kreq_gc_done(0, 1, 48);
	pump();
	ok(replies(0, 48, NULL) == 0,
	   "mgr: rejoin: the GC_DONE round waits for the node back");
	kreq_gc_done(2, 1, 49);
	pump();
	mgr_peer_state(&tn[0].m, 1, MGR_PEER_DOWN);
	pump();
	ok(replies(0, 48, &err) == 1 && !err && replies(2, 49, &err) == 1 &&
	   !err && tn[0].m.nr_bars == 0,
	   "mgr: gc done: completes without a node gone down meanwhile");
	/* Down again: out until it is back once more. */
	clear_events();
	mgr_peer_state(&tn[0].m, 2, MGR_PEER_DOWN);
	kreq_arrive(2, 3, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 50);
	kreq_arrive(0, 3, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 51);
	pump();
	ok(tn[0].m.back == 0 && replies(2, 50, &err) == 1 && err == ESTALE &&
	   replies(0, 51, &err) == 1 && !err,
	   "mgr: an arrival of a node declared down and not back: ESTALE");
}

/*
 * A node dsmd gave up waiting for at start (down, never up) is not lost:
 * barriers are refused with EHOSTDOWN until it comes up, then need it.
 */
static void test_barrier_never_up(void)
{
	uint32_t err = 0;

	setup(0x7, 0);
	mgr_peer_state(&tn[0].m, 2, MGR_PEER_GONE);
	mgr_peer_state(&tn[0].m, 2, MGR_PEER_UNKNOWN);
	mgr_peer_state(&tn[0].m, 2, MGR_PEER_DOWN);
	ok(tn[0].m.lost == 0, "mgr: a node down before it was up is not lost");
	kreq_arrive(0, 5, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 50);
	pump();
	ok(replies(0, 50, &err) == 1 && err == EHOSTDOWN,
	   "mgr: arrival while a member never up is down: EHOSTDOWN");
}

/*
 * A program that names a new barrier id at each barrier, beyond
 * MGR_BARRIERS_MAX of them, and one that reuses an id: every barrier is
 * released, and the manager holds nothing once it is.
 */
static void test_barrier_many_ids(void)
{
	uint32_t id, err, bad = 0, most = 0, n = 2 * (MGR_BARRIERS_MAX + 100);
	uint64_t c = 1000;
	int i;

	setup(0x7, 0);
	for (id = 1; id <= n; id++) {
		uint32_t bid = id % 2 ? id : 7;	/* half of them: id 7 */

		for (i = 0; i < 3; i++)
			kreq_arrive(i, bid, 0, vt3(0, 0, 0), NULL, 0, 8, 0,
				    c + i);
		pump();
		if (tn[0].m.nr_bars > most)
			most = tn[0].m.nr_bars;
		for (i = 0; i < 3; i++) {
			err = 1;
			if (replies(i, c + i, &err) != 1 || err)
				bad++;
		}
		clear_events();
		c += 3;
	}
	printf("# %u barriers over %u ids: %u replies bad, at most %u entries\n",
	       n, n / 2 + 1, bad, most);
	ok(!bad, "mgr: more barrier ids than MGR_BARRIERS_MAX, all released");
	ok(most <= 1 && tn[0].m.nr_bars == 0 && tn[0].m.st.barriers == 0 &&
	   tn[0].m.bar_bytes == 0,
	   "mgr: one barrier entry at most, none after the releases");
	ok(tn[0].m.st.barriers_released == n,
	   "mgr: barriers_released counts every one");
}

/*
 * A peer arrives at 10000 barrier ids nobody else comes to: it holds one
 * entry at a time (each arrival supersedes its last), and the others'
 * barriers go on.
 */
static void test_barrier_hostile_ids(void)
{
	uint32_t id, err = 1, most = 0;

	setup(0x7, 0);
	for (id = 1; id <= 10000; id++) {
		kreq_arrive(1, 100000 + id, 0, vt3(0, 0, 0), NULL, 0, 8, 0,
			    5000 + id);
		pump();
		if (tn[0].m.nr_bars > most)
			most = tn[0].m.nr_bars;
	}
	printf("# a node's arrivals at 10000 ids: at most %u entries\n", most);
	ok(most == 1 && tn[0].m.st.superseded == 9999,
	   "mgr: a node's arrivals at many ids hold one entry");
	clear_events();
	kreq_arrive(0, 5, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 90);
	kreq_arrive(1, 5, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 91);
	kreq_arrive(2, 5, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 92);
	pump();
	ok(replies(0, 90, &err) == 1 && !err && replies(1, 91, NULL) == 1 &&
	   replies(2, 92, NULL) == 1 && replies(1, 15000, &err) == 1 &&
	   err == ESTALE && tn[0].m.nr_bars == 0,
	   "mgr: after them a barrier of all is released, nothing held");
}

/*
 * Node 1's kernel gave up its arrival at barrier 3 (a fatal signal) and
 * arrives there again with a new cookie: the old one is answered ESTALE
 * and does not count; the barrier is released to the new one once all
 * came. A GC_DONE round is superseded the same way.
 */
static void test_barrier_again(void)
{
	struct dsm_interval iv = mkiv(1, 1, vt3(0, 0, 0));
	uint32_t err = 0;
	struct rel r1, r2;

	setup(0x7, 0);
	kreq_arrive(1, 3, 0, vt3(0, 1, 0), &iv, 1, 8, 0, 71);
	kreq_arrive(0, 3, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 70);
	pump();
	kreq_arrive(1, 3, 0, vt3(0, 1, 0), &iv, 1, 8, 0, 72);
	pump();
	ok(replies(1, 71, &err) == 1 && err == ESTALE && tn[0].nev == 0,
	   "mgr: the abandoned arrival is answered ESTALE, nobody released");
	kreq_arrive(2, 3, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 73);
	pump();
	r1 = release_of(1, 72);
	r2 = release_of(2, 73);
	ok(replies(1, 72, &err) == 1 && !err && r1.nr == 0 &&
	   rel_is(&r2, 1, (int[]){ 1, 1 }) &&
	   replies(1, 71, NULL) == 1 && tn[0].m.nr_bars == 0,
	   "mgr: released to the new arrival, the old one not counted");
	clear_events();
	kreq_gc_done(1, 3, 81);
	kreq_gc_done(1, 4, 82);
	kreq_gc_done(0, 3, 80);
	kreq_gc_done(2, 3, 83);
	pump();
	ok(replies(1, 81, &err) == 1 && err == ESTALE && tn[0].nev == 0 &&
	   tn[0].m.nr_bars == 2,
	   "mgr: gc done: a newer one of a node supersedes its older");
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
	kreq_gc_done(0, 9, 60);
	kreq_gc_done(0, 9, 60);
	ok(replies(0, 60, &err) == 1 && err == EPROTO,
	   "mgr: second gc done refused");
	clear_events();
	kreq_gc_done(1, 9, 61);
	pump();
	ok(tn[0].nev == 0 && tn[1].nev == 0, "mgr: gc done waits for all");
	kreq_gc_done(2, 9, 62);
	pump();
	ok(replies(0, 60, &err) == 1 && !err && replies(1, 61, &err) == 1 &&
	   !err && tn[1].ev[0].len == 0 && replies(2, 62, &err) == 1 && !err,
	   "mgr: gc done answered to all when all arrived");
	clear_events();
	kreq_gc_done(1, 9, 65);
	kreq_gc_done(2, 9, 66);
	kreq_gc_done(2, 9, 67);	/* node 2's kernel gave 66 up */
	pump();
	ok(tn[1].nev == 0 && replies(2, 66, &err) == 1 && err == ESTALE &&
	   replies(2, 67, NULL) == 0,
	   "mgr: gc done: a newer one of a node supersedes its older");
	kreq_gc_done(0, 9, 68);
	pump();
	ok(replies(0, 68, &err) == 1 && !err && replies(1, 65, &err) == 1 &&
	   !err && replies(2, 67, &err) == 1 && !err,
	   "mgr: gc done: the round completes with the newer one");
	ok(tn[0].m.nr_bars == 0, "mgr: gc done: nothing held after the round");
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

/*
 * The barrier manager's dsmd stops (dsm_mgr_failover): its connections
 * stay open, so node 2 declares node 0 down before node 1 even sees it
 * unreachable, and arrives at node 1. Node 1 takes the arrival, counting
 * the manager as gone as a lock's next manager does (the CI of fb16ab9:
 * it was refused as a protocol error, and node 2's barrier failed with
 * EPROTO), and releases the barrier once it declared node 0 down too.
 */
static void test_barrier_mgr_stopped(void)
{
	uint32_t err = 0;

	setup(0x7, 0);
	cut |= 1U << 0;
	mgr_peer_state(&tn[2].m, 0, MGR_PEER_DOWN);
	ok(mgr_barrier_manager(&tn[2].m) == 1 &&
	   mgr_barrier_manager(&tn[1].m) == 0,
	   "mgr: manager stopped: only node 2 declared it down");
	kreq_arrive(2, 11, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 110);
	pump();
	ok(replies(2, 110, NULL) == 0 && tn[1].m.nr_bars == 1,
	   "mgr: the next manager takes an arrival while the manager looks up to it");
	mgr_peer_state(&tn[1].m, 0, MGR_PEER_DOWN);
	kreq_arrive(1, 11, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 111);
	pump();
	ok(replies(1, 111, &err) == 1 && !err && replies(2, 110, &err) == 1 &&
	   !err && tn[1].m.nr_bars == 0,
	   "mgr: and releases it among the survivors once node 0 is down there");
	/* A member that is not next in line still refuses. */
	setup(0xf, 0);
	cut |= 1U << 0;
	mgr_peer_state(&tn[3].m, 0, MGR_PEER_DOWN);
	mgr_peer_state(&tn[3].m, 1, MGR_PEER_DOWN);
	kreq_arrive(3, 12, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 112);
	pump();
	ok(replies(3, 112, &err) == 1 && err == EPROTO && tn[2].m.nr_bars == 0,
	   "mgr: an arrival two managers ahead of this node's view refused");
	pump();
}

/*
 * The barrier manager (node 0) dies while nodes 1 and 2 wait: their
 * dsmds fail the arrivals with EHOSTDOWN and MGR_F_MGR_DOWN, and their
 * kernels arrive again at node 1, the lowest member not lost, which takes
 * node 2's arrival before it declared node 0 down itself, and releases
 * the barrier among the survivors once it has.
 */
static void test_barrier_mgr_dies(void)
{
	uint32_t err = 0;

	setup(0x7, 0);
	kreq_arrive(1, 9, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 90);
	kreq_arrive(2, 9, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 91);
	pump();
	cut |= 1U << 0;
	mgr_peer_state(&tn[1].m, 0, MGR_PEER_GONE);
	mgr_peer_state(&tn[2].m, 0, MGR_PEER_DOWN);
	ok(replies(1, 90, &err) == 1 && err == EHOSTDOWN &&
	   reply_flags(1, 90) == DSM_MGR_F_MGR_DOWN &&
	   replies(2, 91, &err) == 1 && err == EHOSTDOWN &&
	   reply_flags(2, 91) == DSM_MGR_F_MGR_DOWN,
	   "mgr: barrier manager gone or down: arrivals fail with MGR_F_MGR_DOWN");
	ok(mgr_barrier_manager(&tn[2].m) == 1 &&
	   mgr_barrier_manager(&tn[1].m) == 0,
	   "mgr: the barrier manager moves on where node 0 is declared down");
	kreq_arrive(2, 9, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 92);
	pump();
	ok(replies(2, 92, NULL) == 0 && tn[1].m.nr_bars == 1,
	   "mgr: the next manager takes an arrival before it declared node 0 down");
	mgr_peer_state(&tn[1].m, 0, MGR_PEER_DOWN);
	ok(mgr_barrier_manager(&tn[1].m) == 1 && replies(2, 92, NULL) == 0,
	   "mgr: node 0 declared down: node 1 manages, waits for its own kernel");
	kreq_arrive(1, 9, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 93);
	pump();
	ok(replies(1, 93, &err) == 1 && !err && replies(2, 92, &err) == 1 &&
	   !err && tn[1].m.nr_bars == 0,
	   "mgr: the barrier completes among the survivors at the new manager");
	/* A lock of node 0 moves to node 1 too: held until rebuilt. */
	clear_events();
	kreq_lock(1, 3, 94);
	ok(replies(1, 94, NULL) == 0 && mgr_lock_manager(&tn[1].m, 0, 3) == 1,
	   "mgr: a lock whose manager is down moves to the next one, waits for its rebuild");
	cut = 0;
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
	dsm_wire_enc_barrier(&e, 0, 6, 0, &iv.vt);
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

/*
 * Releases are cut by the core's rule (dsm_wire_ivset_fit()): an interval
 * that fills the payload cap exactly goes out in one fragment; with the
 * cap one byte lower the nodes lacking it get EMSGSIZE, the others their
 * release.
 */
static void test_release_cap(void)
{
	/*
	 * (0, 1) has 2 notices, the merged timestamp is (1, 0, 0), sent at
	 * its significant width, 1: header 32, barrier 16, set 8, timestamp
	 * 8, then the record: 8, timestamp 8, notices 16. 96 bytes in all.
	 */
	struct dsm_interval iv = mkiv(0, 1, vt3(0, 0, 0));
	uint32_t e0 = 1, e1 = 0, e2 = 0;
	struct rel r1;

	setup(0x7, 96);
	kreq_arrive(0, 5, 0, vt3(1, 0, 0), &iv, 1, 8, 0, 100);
	kreq_arrive(1, 5, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 101);
	kreq_arrive(2, 5, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 102);
	pump();
	r1 = release_of(1, 101);
	ok(rel_is(&r1, 1, (int[]){ 0, 1 }) && r1.frags == 1 &&
	   r1.max_len == 96 && release_of(2, 102).nr == 1 &&
	   release_of(0, 100).nr == 0,
	   "mgr: barrier: an interval filling the payload cap fits");

	setup(0x7, 95);
	kreq_arrive(0, 5, 0, vt3(1, 0, 0), &iv, 1, 8, 0, 100);
	kreq_arrive(1, 5, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 101);
	kreq_arrive(2, 5, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 102);
	pump();
	ok(replies(1, 101, &e1) == 1 && e1 == EMSGSIZE &&
	   replies(2, 102, &e2) == 1 && e2 == EMSGSIZE &&
	   replies(0, 100, &e0) == 1 && !e0 && release_of(0, 100).nr == 0,
	   "mgr: barrier: an interval over the payload cap: EMSGSIZE");
}

/*
 * Namespaces: barrier 5 of region word 1 and of region word 2 are two
 * episodes; arrivals at one never complete the other.
 */
static void test_barrier_regions(void)
{
	uint32_t err = 99;

	setup(0x7, 0);
	sim_region = 1;
	kreq_arrive(0, 5, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 100);
	sim_region = 2;
	kreq_arrive(1, 5, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 101);
	kreq_arrive(2, 5, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 102);
	pump();
	ok(replies(0, 100, NULL) == 0 && replies(1, 101, NULL) == 0 &&
	   replies(2, 102, NULL) == 0 && tn[0].m.st.barriers == 2,
	   "mgr: regions: barrier 5 of two regions: two episodes, neither complete");
	/* Node 0 arrives again: its arrival in region 1 is superseded. */
	kreq_arrive(0, 5, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 103);
	pump();
	ok(replies(1, 101, &err) == 1 && err == 0 &&
	   replies(2, 102, NULL) == 1 && replies(0, 103, NULL) == 1 &&
	   replies(0, 100, &err) == 1 && err == ESTALE &&
	   tn[0].m.st.barriers == 0,
	   "mgr: regions: region 2's barrier 5 completes when all arrived there");
}

/*
 * Node 3 was added at run time (mgr.added on every dsmd): barriers go on
 * without it, its lock acquire is refused with ESTALE, and its arrival
 * makes a collecting barrier where it joins: its release has no interval
 * and DSM_MGR_F_JOIN, the GC_DONE round waits for it, and then it is a
 * member like the others.
 */
static void test_barrier_join(void)
{
	struct dsm_interval iv = mkiv(0, 1, vt3(0, 0, 0));
	uint32_t err = 1;
	struct rel r3;
	int i;

	setup(0xf, 0);
	for (i = 0; i < 4; i++)
		tn[i].m.added = 0x8;
	for (i = 0; i < 3; i++)
		kreq_arrive(i, 1, 0, vt3(1, 0, 0), &iv, 1, 8, 0, 10 + i);
	pump();
	ok(replies(0, 10, &err) == 1 && !err && replies(2, 12, NULL) == 1 &&
	   !(reply_flags(1, 11) & DSM_MGR_F_GC),
	   "mgr: join: a barrier does not wait for a joining node");
	kreq_lock(3, 5, 20);
	pump();
	ok(replies(3, 20, &err) == 1 && err == ESTALE,
	   "mgr: join: a joining node's lock acquire gets ESTALE");
	clear_events();
	kreq_arrive(3, 2, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 33);
	pump();
	ok(replies(3, 33, NULL) == 0,
	   "mgr: join: a joining node's arrival waits for the members");
	for (i = 0; i < 3; i++)
		kreq_arrive(i, 2, 0, vt3(1, 0, 0), NULL, 0, 8, 0, 30 + i);
	pump();
	r3 = release_of(3, 33);
	ok(r3.nr == 0 && (reply_flags(3, 33) & DSM_MGR_F_JOIN) &&
	   (reply_flags(3, 33) & DSM_MGR_F_GC) &&
	   dsm_vt_get(&r3.vt, 0) == 1,
	   "mgr: join: its release: the timestamp, no interval, JOIN and GC");
	ok((reply_flags(0, 30) & DSM_MGR_F_GC) &&
	   !(reply_flags(1, 31) & DSM_MGR_F_JOIN),
	   "mgr: join: the members collect, without JOIN");
	ok(tn[0].m.added == 0 && tn[3].m.added == 0,
	   "mgr: join: the manager and node 3's dsmd: joined");
	clear_events();
	for (i = 0; i < 3; i++)
		kreq_gc_done(i, 2, 40 + i);
	pump();
	ok(replies(0, 40, NULL) == 0,
	   "mgr: join: the GC_DONE round waits for the joined node");
	kreq_gc_done(3, 2, 43);
	pump();
	ok(replies(0, 40, NULL) == 1 && replies(3, 43, &err) == 1 && !err,
	   "mgr: join: the GC_DONE round ends with it");
	kreq_lock(3, 5, 50);
	pump();
	ok(replies(3, 50, &err) == 1 && !err,
	   "mgr: join: then its lock acquires are served");
}

/*
 * Node 2 joined lrc again at node 0's barrier; node 0 dies. Node 1, the
 * next manager, learns that node 2 is back from its first arrival there,
 * which knows intervals of others: no second join.
 */
static void test_barrier_rejoined_elsewhere(void)
{
	uint32_t err = 1, err2 = 1;
	int i;

	setup(0x7, 0);
	for (i = 0; i < 2; i++) {
		mgr_peer_state(&tn[i].m, 2, MGR_PEER_DOWN);
		mgr_peer_state(&tn[i].m, 2, MGR_PEER_UP);
	}
	ok(tn[1].m.added == 0x4 && tn[1].m.back == 0,
	   "mgr: rejoin: a node back after it was lost is joining");
	cut |= 1ULL << 0;
	mgr_peer_state(&tn[1].m, 0, MGR_PEER_DOWN);
	mgr_peer_state(&tn[2].m, 0, MGR_PEER_DOWN);
	kreq_arrive(2, 4, 0, vt3(3, 1, 2), NULL, 0, 8, 0, 60);
	pump();
	ok(tn[1].m.back == 0x4 && tn[1].m.added == 0 &&
	   replies(2, 60, NULL) == 0,
	   "mgr: rejoin: an arrival that knows others' intervals: it is back");
	kreq_arrive(1, 4, 0, vt3(3, 1, 2), NULL, 0, 8, 0, 61);
	pump();
	ok(replies(2, 60, &err) == 1 && !err && replies(1, 61, &err2) == 1 &&
	   !err2 && !(reply_flags(2, 60) & DSM_MGR_F_JOIN),
	   "mgr: rejoin: then released with the others, no second join");
	cut = 0;
	teardown();
}

/*
 * 64 nodes (issue 15 item 5): a barrier over members 0, 40 and 63 is
 * released when all three arrived; with node 0, its manager, declared
 * down it completes at node 40 with the arrivals of 40 and 63. Needs a
 * core of 64 nodes (DSM_MAX_NODES); skipped with fewer.
 */
static void test_barrier_high_ids(void)
{
#if DSM_MAX_NODES >= 64
	const uint64_t members = 1ULL << 63 | 1ULL << 40 | 1;
	uint32_t err = 99, err2 = 99;

	setup(members, 0);
	kreq_arrive(40, 7, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 40);
	kreq_arrive(63, 7, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 63);
	pump();
	ok(replies(40, 40, NULL) == 0 && replies(63, 63, NULL) == 0 &&
	   tn[0].m.nr_bars == 1,
	   "mgr: 64 nodes: nodes 40 and 63 arrived, the barrier waits for 0");
	kreq_arrive(0, 7, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 100);
	pump();
	ok(replies(0, 100, &err) == 1 && !err &&
	   replies(40, 40, &err) == 1 && !err &&
	   replies(63, 63, &err2) == 1 && !err2 && tn[0].m.nr_bars == 0,
	   "mgr: 64 nodes: released to nodes 0, 40 and 63");
	clear_events();
	cut |= 1ULL << 0;
	mgr_peer_state(&tn[40].m, 0, MGR_PEER_DOWN);
	mgr_peer_state(&tn[63].m, 0, MGR_PEER_DOWN);
	ok(mgr_barrier_manager(&tn[63].m) == 40,
	   "mgr: 64 nodes: node 0 down, node 40 manages barriers");
	kreq_arrive(63, 8, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 64);
	pump();
	ok(replies(63, 64, NULL) == 0,
	   "mgr: 64 nodes: node 63's arrival waits for node 40's");
	kreq_arrive(40, 8, 0, vt3(0, 0, 0), NULL, 0, 8, 0, 41);
	pump();
	err = err2 = 99;
	ok(replies(40, 41, &err) == 1 && !err &&
	   replies(63, 64, &err2) == 1 && !err2 && tn[40].m.nr_bars == 0,
	   "mgr: 64 nodes: arrivals of 40 and 63 complete the barrier");
	cut = 0;
	teardown();
#else
	ok(1, "mgr: 64 nodes: barrier of nodes 40 and 63 # SKIP DSM_MAX_NODES < 64");
#endif
}

void test_mgr_barrier(void)
{
	test_barrier_high_ids();
	test_barrier_join();
	test_barrier_rejoined_elsewhere();
	test_barrier_regions();
	barrier_three(0, 64, false);
	barrier_three(120, 1, true);
	test_release_cap();
	test_barrier_budget();
	test_barrier_epochs();
	test_barrier_never_up();
	test_barrier_many_ids();
	test_barrier_hostile_ids();
	test_barrier_again();
	test_barrier_bad();
	test_gc_done();
	test_barrier_peer();
	test_gone();
	test_barrier_mgr_dies();
	test_barrier_mgr_stopped();
}

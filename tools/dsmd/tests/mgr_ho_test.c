// SPDX-License-Identifier: GPL-2.0
/*
 * mgr_ho_test.c - unit tests of the lock hand-over when the membership
 * changes (mgr_lock_ho.c), over the simulated cluster of mgr_sim.c.
 *
 * Four simulated nodes; the table of epoch 1 has members 0, 1, 2, that
 * of epoch 2 adds node 3. Lock 4 is managed by node 1 (4 mod 3) at
 * epoch 1 and by node 0 (4 mod 4) at epoch 2; lock 8 by node 2, then by
 * node 0.
 */
#include <errno.h>
#include <string.h>

#include "mgr_sim.h"
#include "unit.h"

#define M3	0x7ULL
#define M4	0xfULL

/* Node @n adopts the table of @epoch with @members. */
static void adopt(int n, uint64_t members, uint64_t epoch)
{
	mgr_members_set(&tn[n].m, members, epoch);
}

/* The nodes of @mask adopt the table of epoch 2 (node 3 added). */
static void adopt2(uint64_t mask)
{
	int i;

	for (i = 0; i < 4; i++)
		if (mask >> i & 1)
			adopt(i, M4, 2);
}

/*
 * Four nodes at the table of epoch 1 (members 0, 1, 2), with the DONEs
 * of that first change delivered: nobody waits for a hand-over.
 */
static bool start3(void)
{
	int i;
	bool calm = true;

	setup(M4, 0);
	for (i = 0; i < 4; i++)
		adopt(i, M3, 1);
	pump();
	clear_events();
	for (i = 0; i < 3; i++)
		calm = calm && !tn[i].m.ho_wait && tn[i].m.epoch == 1;
	return calm;
}

/* Node @n acquires lock @lock, cookie @cookie; true if it got a token. */
static bool take(int n, uint32_t lock, uint64_t cookie)
{
	uint32_t err = 99;

	kreq_lock(n, lock, cookie);
	pump();
	return replies(n, cookie, &err) == 1 && err == 0;
}

static void test_ho_keeps_tail(void)
{
	ok(start3(), "ho: the first table leaves no wait behind");
	ok(take(2, 4, 100) && mgr_lock_tail(&tn[1].m, 0, 4) == 2,
	   "ho: node 2 holds lock 4, managed by node 1");
	clear_events();
	adopt2(0xf);
	pump();
	ok(tn[1].m.st.ho_sent == 1 && tn[0].m.st.ho_taken == 1 &&
	   mgr_lock_tail(&tn[0].m, 0, 4) == 2 &&
	   mgr_lock_tail(&tn[1].m, 0, 4) == -1,
	   "ho: node 1 hands lock 4 to node 0, tail node 2");
	ok(!tn[0].m.ho_wait && !tn[1].m.ho_wait && !tn[2].m.ho_wait &&
	   !tn[3].m.ho_wait, "ho: every DONE came");
	kreq_lock(1, 4, 200);
	pump();
	ok(forwards(2) == 1 && forwarded(1, 200) == 1 &&
	   replies(1, 200, NULL) == 0,
	   "ho: node 1's acquire is forwarded to the holder, no second token");
	ok(mgr_lock_tail(&tn[0].m, 0, 4) == 1, "ho: the tail is node 1 now");
}

static void test_ho_new_mgr_holds(void)
{
	ok(start3() && take(2, 4, 100), "ho: node 2 holds lock 4");
	clear_events();
	adopt2(0xd);
	pump();
	ok(tn[0].m.ho_wait == 0x2 && tn[1].m.epoch == 1,
	   "ho: node 0 waits for node 1, still at table 1");
	kreq_lock(0, 4, 300);
	pump();
	ok(replies(0, 300, NULL) == 0 && forwarded(0, 300) == 0 &&
	   forwards(2) == 0 && tn[0].m.st.ho_held == 1,
	   "ho: node 0's acquire of lock 4 is held");
	adopt2(0x2);
	pump();
	ok(forwards(2) == 1 && forwarded(0, 300) == 1 &&
	   replies(0, 300, NULL) == 0 && !tn[0].m.ho_wait,
	   "ho: the hand-over comes, the acquire is forwarded to the holder");
}

static void test_ho_requester_behind(void)
{
	ok(start3() && take(0, 4, 100), "ho: node 0 holds lock 4");
	clear_events();
	adopt2(0xb);
	pump();
	ok(tn[2].m.epoch == 1 && tn[2].m.nr_early > 0,
	   "ho: node 2 keeps the frames of table 2 it cannot take yet");
	kreq_lock(2, 4, 400);
	pump();
	ok(tn[1].m.st.ho_moved == 1 && tn[2].m.st.outstanding == 1 &&
	   replies(2, 400, NULL) == 0 && forwards(0) == 0,
	   "ho: node 1 answers MOVED, node 2 parks its acquire");
	adopt2(0x4);
	pump();
	ok(forwards(0) == 1 && forwarded(2, 400) == 1 &&
	   tn[2].m.st.ho_rerouted == 1 && tn[2].m.st.outstanding == 0,
	   "ho: at table 2, node 2 asks node 0, which forwards to the holder");
}

static void test_ho_new_mgr_behind(void)
{
	ok(start3() && take(2, 4, 100), "ho: node 2 holds lock 4");
	clear_events();
	adopt2(0xe);
	pump();
	kreq_lock(1, 4, 500);
	pump();
	ok(tn[0].m.epoch == 1 && tn[0].m.nr_early >= 2 &&
	   forwards(2) == 0 && replies(1, 500, NULL) == 0,
	   "ho: node 0, at table 1, keeps the hand-over and the acquire");
	adopt2(0x1);
	pump();
	ok(mgr_lock_tail(&tn[0].m, 0, 4) == 1 && forwards(2) == 1 &&
	   forwarded(1, 500) == 1 && !tn[0].m.nr_early,
	   "ho: at table 2 node 0 takes the lock over, then the acquire");
}

static void test_ho_old_mgr_dies(void)
{
	ok(start3() && take(2, 4, 100), "ho: node 2 holds lock 4");
	clear_events();
	adopt2(0xd);
	pump();
	kreq_lock(0, 4, 600);
	pump();
	ok(replies(0, 600, NULL) == 0, "ho: node 0's acquire is held");
	mgr_peer_state(&tn[0].m, 1, MGR_PEER_DOWN);
	ok(replies(0, 600, NULL) == 1 &&
	   reply_flags(0, 600) == DSM_MGR_F_OWNER_DEAD &&
	   tn[0].m.st.ho_lost == 1 && !tn[0].m.ho_wait,
	   "ho: node 1 dies before its hand-over: a token flagged owner dead");
}

static void test_ho_unused_lock(void)
{
	uint32_t err = 99;

	ok(start3(), "ho: three members");
	adopt2(0x1);
	kreq_lock(0, 8, 700);
	pump();
	ok(replies(0, 700, NULL) == 0 && tn[0].m.st.ho_held == 1,
	   "ho: an acquire of lock 8 (node 2's before) is held");
	adopt2(0xe);
	pump();
	ok(replies(0, 700, &err) == 1 && err == 0 &&
	   reply_flags(0, 700) == 0 && tn[2].m.st.ho_sent == 0,
	   "ho: node 2's DONE: lock 8 was never taken, a fresh token");
}

static void test_ho_unreachable(void)
{
	ok(start3() && take(2, 4, 100), "ho: node 2 holds lock 4");
	mgr_peer_state(&tn[1].m, 0, MGR_PEER_GONE);
	adopt2(0x2);
	pump();
	ok(tn[1].m.st.ho_sent == 0 && mgr_lock_tail(&tn[1].m, 0, 4) == 2 &&
	   !(tn[1].m.ho_done_sent & 1),
	   "ho: node 0 unreachable: node 1 keeps lock 4, no DONE to node 0");
	adopt2(0xd);
	mgr_peer_state(&tn[1].m, 0, MGR_PEER_UP);
	ok(queued(0, FR_HO) >= 2 && q[qlen - 1].type == FR_HO &&
	   q[qlen - 1].ho.flags == MGR_HO_DONE,
	   "ho: node 0 back: the lock goes, then DONE");
	pump();
	ok(mgr_lock_tail(&tn[0].m, 0, 4) == 2 && !tn[0].m.ho_wait,
	   "ho: node 0 has lock 4 with its tail");
}

static void test_ho_forward_epochs(void)
{
	int len;

	ok(start3(), "ho: three members");
	len = lock_req(0, 4, 1, 800);
	mgr_peer_forward(&tn[2].m, 0, 4, 1, 800, pbuf, len, 2);
	ok(forwards(2) == 1,
	   "ho: a forward from the manager of a newer table is taken");
	mgr_peer_forward(&tn[2].m, 0, 4, 1, 800, pbuf, len, 1);
	mgr_peer_forward(&tn[2].m, 0, 4, 1, 800, pbuf, len, 0);
	ok(forwards(2) == 1 && tn[2].m.st.bad == 2,
	   "ho: from a non-manager of the same table or of epoch 0: refused");
}

static void test_ho_bad(void)
{
	struct mgr_handover h = { .epoch = 1, .lock_id = 4, .tail = 0 };

	ok(start3() && take(2, 4, 100), "ho: node 1 manages lock 4, tail 2");
	mgr_peer_handover(&tn[1].m, 5, &h);
	ok(tn[1].m.st.bad == 1 && tn[1].m.st.ho_taken == 0,
	   "ho: a hand-over from a non-member is refused");
	mgr_peer_handover(&tn[1].m, 0, &h);
	ok(tn[1].m.st.bad == 2 && mgr_lock_tail(&tn[1].m, 0, 4) == 2,
	   "ho: a hand-over of a lock whose state is here: ours kept");
	h.lock_id = 9;
	h.tail = 64;
	mgr_peer_handover(&tn[1].m, 0, &h);
	ok(tn[1].m.st.bad == 3 && mgr_lock_tail(&tn[1].m, 0, 9) == -1,
	   "ho: a hand-over with tail 64 is refused");
}

/*
 * A lock taken as a failed manager's successor is not a moved lock:
 * node 0 declared node 1 down, node 2 (which still sees node 1) takes
 * node 0's acquire of lock 5 (node 1's at four members); later peer
 * events must not hand it to node 1.
 */
static void test_ho_successor_stays(void)
{
	uint32_t err = 99;

	ok(start3(), "ho: three members");
	adopt2(0xf);
	pump();
	clear_events();
	mgr_peer_state(&tn[0].m, 1, MGR_PEER_DOWN);
	kreq_lock(0, 5, 900);
	pump();
	ok(replies(0, 900, &err) == 1 && err == 0 &&
	   mgr_lock_tail(&tn[2].m, 0, 5) == 0,
	   "ho: node 2 serves lock 5 as node 1's successor");
	mgr_peer_state(&tn[2].m, 3, MGR_PEER_GONE);
	mgr_peer_state(&tn[2].m, 3, MGR_PEER_UP);
	pump();
	ok(tn[2].m.st.ho_sent == 0 && mgr_lock_tail(&tn[2].m, 0, 5) == 0,
	   "ho: peer events do not hand it to node 1");
}

/*
 * Two changes before the first is over: node 4 is added (table 3) while
 * node 1, lock 4's manager at table 1, has not adopted table 2 yet. Lock
 * 4 goes 1 -> 0 (4 mod 4) -> 4 (4 mod 5); node 0 must not tell node 4
 * DONE for table 3 before node 1's hand-over came and went on, or node
 * 4 would grant a second token.
 */
static void test_ho_two_changes(void)
{
	bool calm;
	int i;

	setup(0x1f, 0);
	for (i = 0; i < 5; i++)
		adopt(i, M3, 1);
	pump();
	clear_events();
	ok(take(2, 4, 100), "ho: two changes: node 2 holds lock 4");
	clear_events();
	for (i = 0; i < 5; i++) {
		if (i == 1)
			continue;
		adopt(i, M4, 2);
		adopt(i, 0x1f, 3);
	}
	pump();
	kreq_lock(3, 4, 1000);
	pump();
	ok(replies(3, 1000, NULL) == 0 && forwarded(3, 1000) == 0,
	   "ho: two changes: node 3's acquire waits at node 4");
	adopt(1, M4, 2);
	pump();
	ok(mgr_lock_tail(&tn[4].m, 0, 4) == 3 && forwards(2) == 1 &&
	   forwarded(3, 1000) == 1 && replies(3, 1000, NULL) == 0,
	   "ho: two changes: lock 4 reaches node 4 through node 0, queued behind node 2");
	adopt(1, 0x1f, 3);
	pump();
	for (i = 0, calm = true; i < 5; i++)
		calm = calm && !tn[i].m.ho_wait && !tn[i].m.ho_wait_old;
	ok(calm, "ho: two changes: every wait over");
}

/*
 * A requester whose table is older asks the node that is the lock's
 * manager by its view (the successor of a manager it declared down),
 * which has a newer table and does not see that manager down: MOVED.
 * At the newer table the requester's view names the same node: the
 * acquire goes there again (tables equal now: taken as the successor's),
 * not failed. Lock 12 is node 0's at three and at four members; node 2
 * declared node 0 down, so it asks node 1 both times.
 */
static void test_ho_moved_same_node(void)
{
	uint32_t err = 99;

	ok(start3(), "ho: three members");
	mgr_peer_state(&tn[2].m, 0, MGR_PEER_DOWN);
	adopt2(0x2);
	pump();
	clear_events();
	kreq_lock(2, 12, 1100);
	pump();
	ok(tn[1].m.st.ho_moved == 1 && replies(2, 1100, NULL) == 0 &&
	   tn[2].m.st.outstanding == 1,
	   "ho: same node: node 1 (table 2) answers MOVED, node 2 parks");
	adopt2(0xc);
	pump();
	ok(replies(2, 1100, NULL) == 0 && tn[2].m.st.outstanding == 1 &&
	   tn[2].m.st.ho_rerouted == 1 && tn[1].m.st.ho_moved == 1,
	   "ho: same node: at table 2 the acquire goes to node 1 again");
	mgr_peer_state(&tn[1].m, 0, MGR_PEER_DOWN);
	kstate(2, 12, 2, 1100, 0);
	kstate_done(1, 0);
	kstate_done(2, 0);
	kstate_done(3, 0);
	pump();
	ok(replies(2, 1100, &err) == 1 && err == 0 &&
	   reply_flags(2, 1100) == DSM_MGR_F_OWNER_DEAD &&
	   mgr_lock_tail(&tn[1].m, 0, 12) == 2,
	   "ho: same node: node 1 declares node 0 down, rebuilds, grants (owner dead: node 0 may have had it)");
}

/*
 * Two tables of one epoch (two coordinators, a known limit): node 1's
 * table 2 makes node 0 lock 4's manager, node 0's makes node 1. The
 * hand-over must not go to and fro for ever: it goes once each way and
 * stays at node 0, its tail kept.
 */
static void test_ho_two_tables(void)
{
	ok(start3() && take(2, 4, 100), "ho: two tables: node 2 holds lock 4");
	clear_events();
	adopt(0, M3, 2);
	adopt(1, M4, 2);
	ok(pump_max(1000) == 0 && tn[1].m.st.ho_sent == 2 &&
	   tn[0].m.st.ho_sent == 1 && tn[0].m.st.bad == 1 &&
	   mgr_lock_tail(&tn[0].m, 0, 4) == 2 &&
	   mgr_lock_tail(&tn[1].m, 0, 4) == -1,
	   "ho: two tables: lock 4 goes round once and stays at node 0");
	drop_queue();
}

/*
 * An acquire parked after MOVED whose old manager goes away fails like
 * any request sent there (EHOSTDOWN, MGR_DOWN: the kernel asks again),
 * and its kept LOCK_REQ is freed (the unit tests run under
 * LeakSanitizer; the managers' fuzzer found it leaked).
 */
static void test_ho_parked_gone(void)
{
	uint32_t err = 99;

	ok(start3() && take(0, 4, 100), "ho: parked, gone: node 0 holds lock 4");
	clear_events();
	adopt2(0xb);
	pump();
	kreq_lock(2, 4, 1200);
	pump();
	ok(tn[2].m.st.outstanding == 1 && replies(2, 1200, NULL) == 0,
	   "ho: parked, gone: node 2's acquire parked after MOVED");
	mgr_peer_state(&tn[2].m, 1, MGR_PEER_GONE);
	ok(replies(2, 1200, &err) == 1 && err == EHOSTDOWN &&
	   reply_flags(2, 1200) == DSM_MGR_F_MGR_DOWN &&
	   tn[2].m.st.outstanding == 0,
	   "ho: parked, gone: node 1 gone, the acquire fails with MGR_DOWN");
}

/*
 * As dsmd starts: the members have their configured table (epoch 1, no
 * change: nobody waits), the spare that waits to be added has none
 * (epoch 0). The first change's DONEs reach node 3 before it adopts a
 * table: node 0's (the coordinator's) and those of nodes 1 and 2, sent
 * as they adopt table 2. Each must be kept, or the wait it ends never
 * ends: lock 3, node 0's at three members and node 3's at four, must be
 * granted to node 3 at once (in the 3node-join group, node 3's acquire
 * of a lock it managed was held until the kernel's deadline). The
 * members at table 1 keep node 0's DONE of table 2 as well.
 */
static void test_ho_first_table(void)
{
	uint32_t err = 99;
	bool calm;
	int i;

	setup(M4, 0);
	for (i = 0; i < 3; i++)
		adopt(i, M3, 1);
	ok(take(2, 4, 100) && !tn[0].m.ho_wait && tn[3].m.epoch == 0,
	   "ho: first table: node 2 holds lock 4, node 3 has no table");
	clear_events();
	adopt(0, M4, 2);
	pump();
	adopt(1, M4, 2);
	adopt(2, M4, 2);
	pump();
	ok(tn[3].m.nr_early == 3 && tn[1].m.st.ho_early >= 1,
	   "ho: first table: the DONEs of table 2 are kept, also at epoch 0");
	adopt(3, M3, 1);
	adopt(3, M4, 2);
	pump();
	for (i = 0, calm = true; i < 4; i++)
		calm = calm && !tn[i].m.ho_wait && !tn[i].m.nr_early;
	ok(calm, "ho: first table: every wait over, nothing kept");
	ok(mgr_lock_tail(&tn[0].m, 0, 4) == 2,
	   "ho: first table: lock 4 reached node 0 with its tail");
	kreq_lock(3, 3, 1300);
	pump();
	ok(replies(3, 1300, &err) == 1 && err == 0 &&
	   tn[3].m.st.ho_held == 0,
	   "ho: first table: node 3's acquire of lock 3 is granted, not held");
}

/* A token given up by a leaving node: the mark goes with the lock. */
static void test_ho_token_left(void)
{
	ok(start3() && take(2, 4, 100), "ho: node 2 holds lock 4");
	kleft(2, 4, 2, 0, 150);
	pump();
	ok(mgr_lock_tail(&tn[1].m, 0, 4) == -1 && tn[1].m.st.lock_left == 1 &&
	   replies(2, 150, NULL) == 1,
	   "ho: node 2 gives lock 4's token up at node 1");
	clear_events();
	adopt2(0xf);
	pump();
	ok(tn[1].m.st.ho_sent == 1 && tn[0].m.st.ho_taken == 1,
	   "ho: the lock with only its mark is handed to node 0");
	kreq_lock(3, 4, 200);
	pump();
	ok(reply_flags(3, 200) == DSM_MGR_F_TOKEN_LEFT &&
	   mgr_lock_tail(&tn[0].m, 0, 4) == 3,
	   "ho: its next acquirer at the new manager gets TOKEN_LEFT");
}

void test_mgr_lock_ho(void)
{
	test_ho_keeps_tail();
	test_ho_new_mgr_holds();
	test_ho_requester_behind();
	test_ho_new_mgr_behind();
	test_ho_old_mgr_dies();
	test_ho_unused_lock();
	test_ho_unreachable();
	test_ho_forward_epochs();
	test_ho_bad();
	test_ho_successor_stays();
	test_ho_two_changes();
	test_ho_moved_same_node();
	test_ho_two_tables();
	test_ho_parked_gone();
	test_ho_token_left();
	test_ho_first_table();
	teardown();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_leave.c - a live node leaves a running cluster (issue 15 item 2,
 * "Done when" #2; group 3node-join, after dsm_join and dsm_lrc_join:
 * `vcluster run -n 3 --spare 1`, node 3 added by dsm_join, or here if
 * it is not a member yet).
 *
 * All four nodes run an sc workload (each increments its own word in
 * LEAVE_PAGES pages and checks that no node's word ever goes back, as
 * in dsm_join). Node 3 then stops its workload, writes how many rounds
 * it made into one more page, and node 1 (not the coordinator) runs
 * `dsmctl node del 3` while nodes 0, 1 and 2 go on: node 3 hands its
 * buckets and every page it holds over, and is removed. Afterwards:
 * node 3 refuses its own accesses (SIGBUS) and handed pages over
 * (leave_pages), its dsmd is gone, the others' kernels have three
 * members and no bucket on node 3, and at the end every page holds
 * exactly what each node counted, node 3's last round included: no
 * write lost, none seen going back.
 *
 * An application runs through the leave as well: dict (dsm_app.h) on
 * nodes 0, 1 and 2, writing and checking its map in rounds from before
 * the node del until the others' last workload rounds after it; it must
 * exit 0 with node 0's "verify=ok".
 *
 * And lrc (issue 16 item 3, Documentation/lrc.md "Leaving"): before the
 * node del, node 3 takes lock LV_LOCK, writes a page of lrc region
 * "lrcleave" and a counter under it, and releases it: the token stays
 * there, free. Node 3 gives it up as it leaves, so after the leave node
 * 0 (node 3's backup: it keeps node 3's diffs) takes the lock with 0,
 * not EOWNERDEAD, and reads node 3's writes, then nodes 1 and 2 do, and
 * each adds one to the counter: node 0 reads exactly three more.
 *
 * And a lock node 3 manages itself (LV_OWN): node 0 reads a page of
 * "lrcleave" (a copy kept), then node 3 writes it under LV_OWN and
 * releases. As it leaves, node 3 gives that token up to its own dsmd,
 * which tells every member (dsmd protocol 10). After the leave node 0
 * takes LV_OWN first (before LV_LOCK, whose acquire would teach it node
 * 3's intervals anyway), from its next manager: 0, not EOWNERDEAD
 * (lrc_token_left), and it reads node 3's write. Until 2026-12-05 that
 * manager granted a plain token once node 3 was no member, and node 0
 * kept its stale copy.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <dsm.h>

#include "kselftest_harness.h"
#include "dsm_test.h"
#include "dsm_app.h"
#include "dsm_counters.h"
#include "dsm_region.h"
#include "dsm_shell.h"
#include "dsm_sigbus.h"

/*
 * Pages 46080 .. 46143 (180 MiB of the default region, a range no other
 * program writes), and the page after them for node 3's round count.
 */
#define OFF_LEAVE	(180UL << 20)
#define LEAVE_PAGES	64
#define LEAVE_NODES	4	/* three members and the spare */
#define LEAVER		3	/* the node that leaves */
#define LEAVE_STEP	4	/* workload rounds between two steps */
#define OFF_RESULT	(OFF_LEAVE + LEAVE_PAGES * DSM_PAGE)

/* Lock 41: managed by node 1 of four members (41 mod 4), node 2 of three. */
#define LV_LOCK		41
/* Lock 43: managed by node 3 itself of four members, node 1 of three. */
#define LV_OWN		43
#define LV_OWN_WORD	0x1eaf0043ULL	/* node 3's write under LV_OWN */
#define LV_JOIN		93	/* barrier where node 3 joins lrc, if not yet */
#define LV_TRIES	10	/* barriers the others make for that at most */
/* Node 3's page, the counter, LV_OWN's page. */
#define LV_SIZE		(3 * DSM_PAGE)
#define LV_OWN_PAGE	(2 * DSM_PAGE)
#define LV_COUNT	1000	/* node 3's count */

/* Does `jq -e EXPR` hold of `dsmctl -j status` here within @secs? */
static bool status_within(const char *expr, double secs)
{
	double t0 = dsm_now();
	char out[256];

	do {
		if (!dsm_sh(out, sizeof(out), "dsmctl -j status | jq -e '%s'",
			    expr))
			return true;
		usleep(200000);
	} while (dsm_now() - t0 < dsm_test_secs(secs));
	return false;
}

/* On node 1: make node 3 a member if dsm_join did not. */
static void leaver_member(struct __test_metadata *_metadata)
{
	const char *net = getenv("VCLUSTER_NET") ? : "10.213.0";
	char out[1024];

	if (status_within(".home_buckets.\"3\" > 0", 0))
		return;
	TH_LOG("node 3 is not a member (dsm_join failed?): adding it");
	EXPECT_EQ(0, dsm_sh(out, sizeof(out), "dsmctl node add %d %s.%d",
			    LEAVER, net, LEAVER + 1))
		TH_LOG("node add: %s", out);
}

/* Node 3, after its leave: every access refused, its pages handed over. */
static void leaver_after(struct __test_metadata *_metadata)
{
	struct sigaction sa = { .sa_handler = dsm_sigbus_handler }, old;
	char out[256];
	uint8_t *p;

	EXPECT_LT(0, dsm_counter("leave_pages")) TH_LOG("node 3 handed no page over");
	EXPECT_LT(0, dsm_counter("lrc_tokens_given_up"))
		TH_LOG("node 3 gave no lock token up (it had lock %d's)", LV_LOCK);
	EXPECT_EQ(0, dsm_sh(out, sizeof(out),
			    "dsmctl -j status | jq -e '.leaving == \"done\"'"))
		TH_LOG("node 3's leave state: %s", out);
	p = dsm_map_space(OFF_LEAVE, DSM_PAGE);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, sigaction(SIGBUS, &sa, &old));
	EXPECT_EQ(SIGBUS, dsm_sigbus_read(p))
		TH_LOG("node 3 read dsm memory after it left");
	sigaction(SIGBUS, &old, NULL);
	munmap(p, DSM_PAGE);
}

/* Write node 3's round count @rounds into the result page. */
static int result_put(long rounds)
{
	volatile uint64_t *p = dsm_map_space(OFF_RESULT, DSM_PAGE);

	if (p == MAP_FAILED)
		return -1;
	p[0] = (uint64_t)rounds;
	munmap((void *)p, DSM_PAGE);
	return 0;
}

/* The result page's count, and node 3's word of the first page. */
static int result_get(uint64_t *rounds, uint64_t *word)
{
	volatile uint64_t *p = dsm_map_space(OFF_RESULT, DSM_PAGE);
	volatile uint64_t *w = dsm_map_space(OFF_LEAVE, DSM_PAGE);

	if (p == MAP_FAILED || w == MAP_FAILED)
		return -1;
	*rounds = p[0];
	*word = w[LEAVER];
	munmap((void *)p, DSM_PAGE);
	munmap((void *)w, DSM_PAGE);
	return 0;
}

/* The byte node 3 writes at @i of its lrc page. */
static uint8_t lv_byte(size_t i)
{
	return (uint8_t)(i * 13 + 5);
}

/*
 * Word 1 of the result page (sc): node 3 has not joined lrc (dsm_lrc_join
 * did not run before): it joins at barrier LV_JOIN, as there (sync @step
 * and @step + 1).
 */
static void lv_join(struct __test_metadata *_metadata, unsigned int step)
{
	volatile uint64_t *flag = dsm_map_space(OFF_RESULT, DSM_PAGE);
	int node = dsm_node_id_env(), ret, tries = 0;
	long gc0 = dsm_counter("lrc_gc_runs");
	pid_t pid;

	ASSERT_NE(MAP_FAILED, (void *)flag);
	if (node == LEAVER) {
		ret = dsm_lock_acquire(LV_LOCK);
		EXPECT_TRUE(!ret || ret == -ESTALE)
			TH_LOG("node 3: lock %d: %d (%s)", LV_LOCK, ret,
			       strerror(-ret));
		if (!ret)
			dsm_lock_release(LV_LOCK);
		flag[1] = ret == -ESTALE;
	}
	dsm_test_sync(step);
	if (flag[1]) {
		TH_LOG("node %d: node 3 has not joined lrc (dsm_lrc_join did not run): it joins at barrier %d",
		       node, LV_JOIN);
		if (node == LEAVER) {
			pid = fork();
			ASSERT_LE(0, pid);
			if (!pid)
				_exit(dsm_init() || dsm_barrier(LV_JOIN) ? 1 : 0);
			EXPECT_EQ(0, dsm_wait_child(pid, 120))
				TH_LOG("node 3: the join barrier failed");
		} else {
			do {
				ASSERT_EQ(0, dsm_barrier(LV_JOIN));
			} while (dsm_gc_retry(gc0, &tries, LV_TRIES));
		}
	}
	munmap((void *)flag, DSM_PAGE);
	dsm_test_sync(step + 1);
}

/* Node 3: write its page and the counter under LV_LOCK, and release. */
static void lv_write(struct __test_metadata *_metadata, uint8_t *p)
{
	size_t i;

	ASSERT_EQ(0, dsm_lock_acquire(LV_LOCK))
		TH_LOG("node 3: lock %d before its leave", LV_LOCK);
	for (i = 0; i < DSM_PAGE; i++)
		p[i] = lv_byte(i);
	*(volatile uint64_t *)(p + DSM_PAGE) = LV_COUNT;
	ASSERT_EQ(0, dsm_lock_release(LV_LOCK));
}

/* Node 3: write LV_OWN's page under LV_OWN, which it manages, and release. */
static void lv_own_write(struct __test_metadata *_metadata, uint8_t *p)
{
	ASSERT_EQ(0, dsm_lock_acquire(LV_OWN))
		TH_LOG("node 3: lock %d before its leave", LV_OWN);
	*(volatile uint64_t *)(p + LV_OWN_PAGE) = LV_OWN_WORD;
	ASSERT_EQ(0, dsm_lock_release(LV_OWN));
}

/*
 * Node 0, after node 3 left: LV_OWN, managed by node 3 until it left, is
 * taken with 0 (node 3 left its token free), and its page (a stale copy
 * here) reads node 3's write.
 */
static void lv_own_take(struct __test_metadata *_metadata, uint8_t *p)
{
	long od0 = dsm_counter("lrc_owner_dead");
	long tl0 = dsm_counter("lrc_token_left");
	uint64_t v;
	int ret;

	ret = dsm_lock_acquire(LV_OWN);
	v = *(volatile uint64_t *)(p + LV_OWN_PAGE);
	EXPECT_EQ(0, ret)
		TH_LOG("node 0: lock %d, which node 3 managed, after node 3 left: %d (%s; EOWNERDEAD: its dsmd's notice was not kept)",
		       LV_OWN, ret, strerror(-ret));
	EXPECT_EQ(LV_OWN_WORD, v)
		TH_LOG("node 0: node 3's write under lock %d: %#llx, expected %#llx",
		       LV_OWN, (unsigned long long)v,
		       (unsigned long long)LV_OWN_WORD);
	if (ret && ret != -EOWNERDEAD)
		return;
	EXPECT_EQ(od0, dsm_counter("lrc_owner_dead"));
	EXPECT_EQ(tl0 + 1, dsm_counter("lrc_token_left"));
	EXPECT_EQ(0, dsm_lock_release(LV_OWN));
}

/*
 * A node that stays, after node 3 left: LV_LOCK is taken with 0 (node 3
 * gave its free token up), node 3's page reads as written, and the
 * counter is @want (0: one or two more than node 3's count, as nodes 1
 * and 2 come in either order), then one more.
 */
static void lv_take(struct __test_metadata *_metadata, uint8_t *p,
		    uint64_t want)
{
	volatile uint64_t *c = (volatile uint64_t *)(p + DSM_PAGE);
	long od0 = dsm_counter("lrc_owner_dead");
	int node = dsm_node_id_env(), ret;
	size_t i, bad = 0;

	ret = dsm_lock_acquire(LV_LOCK);
	EXPECT_EQ(0, ret)
		TH_LOG("node %d: lock %d after node 3 left: %d (%s; EOWNERDEAD: node 3's free token died with it)",
		       node, LV_LOCK, ret, strerror(-ret));
	if (ret && ret != -EOWNERDEAD)
		return;
	for (i = 0; i < DSM_PAGE && !bad; i++)
		if (p[i] != lv_byte(i))
			bad = i + 1;
	EXPECT_EQ(0, bad) TH_LOG("node %d: node 3's page at %zu: %u, written %u",
				 node, bad - 1, p[bad - 1], lv_byte(bad - 1));
	EXPECT_TRUE(want ? *c == want :
		    *c > LV_COUNT && *c <= LV_COUNT + 2)
		TH_LOG("node %d: counter %llu under the lock", node,
		       (unsigned long long)*c);
	*c = *c + 1;
	EXPECT_EQ(0, dsm_lock_release(LV_LOCK));
	EXPECT_EQ(od0, dsm_counter("lrc_owner_dead"))
		TH_LOG("node %d: lrc_owner_dead moved", node);
}

FIXTURE(leave) {
	struct dsm_counters *sh;
	pid_t app;	/* dict, on nodes 0 .. 2 */
	void *lrc;	/* region lrcleave */
	size_t lrc_len;
};

FIXTURE_SETUP(leave)
{
	self->app = -1;
	self->lrc = NULL;
	self->sh = mmap(NULL, sizeof(*self->sh), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->sh);
}

FIXTURE_TEARDOWN(leave)
{
	dsm_app_kill(self->app);
	if (self->lrc)
		munmap(self->lrc, self->lrc_len);
	munmap(self->sh, sizeof(*self->sh));
}

TEST_F_TIMEOUT(leave, live_node_leaves_under_load, DSM_TEST_TIMEOUT(200))
{
	long in0 = dsm_counter("home_xfer_in") + dsm_counter("shadow_requery") +
		   dsm_counter("page_owner_promoted");
	struct dsm_counters *sh = self->sh;
	int node = dsm_node_id_env(), bad;
	uint64_t rounds3 = 0, word3 = 0;
	char out[1024];
	pid_t pid;
	double t0;

	if (dsm_nodes_env() != LEAVE_NODES)
		SKIP(return, "needs 3 members and 1 spare (vcluster -n 3 --spare 1)");
	dsm_test_begin();
	if (node != LEAVER) {
		dsm_app_begin(_metadata, node, LEAVER, &self->app);
	}
	if (node == 1)
		leaver_member(_metadata);
	dsm_test_sync(1);
	ASSERT_TRUE(status_within(".home_buckets.\"3\" > 0", 60))
		TH_LOG("node %d: node 3 homes nothing, not a member", node);
	pid = dsm_counters_start(sh, OFF_LEAVE, LEAVE_PAGES, LEAVE_NODES);
	ASSERT_LT(0, pid);
	EXPECT_TRUE(dsm_counters_reach(sh, LEAVE_STEP, 90))
		TH_LOG("node %d: %ld rounds before the leave", node, sh->rounds);
	dsm_test_sync(2);
	if (node == LEAVER) {
		sh->stop = 1;
		EXPECT_EQ(0, dsm_wait_child(pid, 30))
			TH_LOG("node 3: workload: word %d of page %d went back",
			       (sh->bad - 1) % 8, (sh->bad - 1) / 8);
		EXPECT_EQ(0, result_put(sh->rounds));
	}
	dsm_test_sync(3);
	ASSERT_EQ(0, dsm_init()) TH_LOG("node %d: dsm_init", node);
	self->lrc = dsm_test_region("lrcleave", "lrc", LV_SIZE, 4,
				    dsm_test_secs(30), &self->lrc_len);
	ASSERT_NE(NULL, self->lrc);
	lv_join(_metadata, 6);
	if (node == LEAVER)
		lv_write(_metadata, self->lrc);
	/* A copy of LV_OWN's page before node 3 writes it. */
	if (node == 0)
		EXPECT_EQ(0, *(volatile uint64_t *)((uint8_t *)self->lrc +
						    LV_OWN_PAGE));
	dsm_test_sync(8);
	if (node == LEAVER)
		lv_own_write(_metadata, self->lrc);
	dsm_test_sync(9);
	if (node == 1) {
		t0 = dsm_now();
		EXPECT_EQ(0, dsm_sh(out, sizeof(out), "dsmctl node del %d",
				    LEAVER))
			TH_LOG("node del of a live node: %s", out);
		TH_LOG("node del %d took %.1f s: %s", LEAVER, dsm_now() - t0,
		       out);
	}
	dsm_test_sync(10);
	/* Node 0, node 3's backup, first: it learns from its own store. */
	if (node == 0) {
		lv_own_take(_metadata, self->lrc);
		lv_take(_metadata, self->lrc, LV_COUNT);
	}
	dsm_test_sync(11);
	if (node == 1 || node == 2)
		lv_take(_metadata, self->lrc, 0);
	if (node == LEAVER) {
		leaver_after(_metadata);
	} else {
		EXPECT_TRUE(status_within(".nodes == 3 and (.home_buckets.\"3\" // 0) == 0",
					  60))
			TH_LOG("node %d: node 3 still a member 60 s after node del",
			       node);
		EXPECT_TRUE(dsm_counters_reach(sh, sh->rounds + LEAVE_STEP,
					       90))
			TH_LOG("node %d: %ld rounds after the leave", node,
			       sh->rounds);
		sh->stop = 1;
		EXPECT_EQ(0, dsm_wait_child(pid, 30))
			TH_LOG("node %d: workload: word %d of page %d went back",
			       node, (sh->bad - 1) % 8, (sh->bad - 1) / 8);
	}
	dsm_test_sync(12);
	if (node == 0) {
		ASSERT_EQ(0, dsm_lock_acquire(LV_LOCK));
		EXPECT_EQ(LV_COUNT + 3,
			  *(volatile uint64_t *)((uint8_t *)self->lrc + DSM_PAGE))
			TH_LOG("node 0: lrc counter after nodes 0, 1, 2 added one each");
		EXPECT_EQ(0, dsm_lock_release(LV_LOCK));
	}
	if (node != LEAVER) {
		/* dict ran through the leave: its rounds end now. */
		dsm_app_end(_metadata, node, &self->app, "leave");
		bad = dsm_counters_check(sh, OFF_LEAVE, LEAVE_PAGES,
					 LEAVE_NODES);
		EXPECT_EQ(-1, bad) TH_LOG("node %d: page %d, word %d is not the count (-2: no mapping)",
					  node, bad / 8, bad % 8);
		ASSERT_EQ(0, result_get(&rounds3, &word3));
		EXPECT_LE(LEAVE_STEP, rounds3) TH_LOG("node 3's count page: %llu",
						      (unsigned long long)rounds3);
		EXPECT_EQ(rounds3, word3)
			TH_LOG("node %d: node 3 made %llu rounds, its word says %llu",
			       node, (unsigned long long)rounds3,
			       (unsigned long long)word3);
		/* Its pages came here by hand-over, re-query or promotion. */
		TH_LOG("node %d: buckets in, pages re-queried or promoted: %ld",
		       node, dsm_counter("home_xfer_in") + dsm_counter("shadow_requery") +
		       dsm_counter("page_owner_promoted") - in0);
	}
	dsm_test_sync(13);
}

TEST_HARNESS_MAIN

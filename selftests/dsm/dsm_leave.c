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
 */
#include <signal.h>
#include <sys/mman.h>

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

	EXPECT_LT(0, dsm_stat("leave_pages")) TH_LOG("node 3 handed no page over");
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

FIXTURE(leave) {
	struct dsm_counters *sh;
	pid_t app;	/* dict, on nodes 0 .. 2 */
};

FIXTURE_SETUP(leave)
{
	self->app = -1;
	self->sh = mmap(NULL, sizeof(*self->sh), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->sh);
}

FIXTURE_TEARDOWN(leave)
{
	dsm_app_kill(self->app);
	munmap(self->sh, sizeof(*self->sh));
}

TEST_F_TIMEOUT(leave, live_node_leaves_under_load, DSM_TEST_TIMEOUT(200))
{
	long in0 = dsm_stat("home_xfer_in") + dsm_stat("shadow_requery") +
		   dsm_stat("page_owner_promoted");
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
	EXPECT_TRUE(dsm_counters_reach(sh, LEAVE_STEP, 60))
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
	if (node == 1) {
		t0 = dsm_now();
		EXPECT_EQ(0, dsm_sh(out, sizeof(out), "dsmctl node del %d",
				    LEAVER))
			TH_LOG("node del of a live node: %s", out);
		TH_LOG("node del %d took %.1f s: %s", LEAVER, dsm_now() - t0,
		       out);
	}
	dsm_test_sync(4);
	if (node == LEAVER) {
		leaver_after(_metadata);
	} else {
		EXPECT_TRUE(status_within(".nodes == 3 and (.home_buckets.\"3\" // 0) == 0",
					  60))
			TH_LOG("node %d: node 3 still a member 60 s after node del",
			       node);
		EXPECT_TRUE(dsm_counters_reach(sh, sh->rounds + LEAVE_STEP,
					       60))
			TH_LOG("node %d: %ld rounds after the leave", node,
			       sh->rounds);
		sh->stop = 1;
		EXPECT_EQ(0, dsm_wait_child(pid, 30))
			TH_LOG("node %d: workload: word %d of page %d went back",
			       node, (sh->bad - 1) % 8, (sh->bad - 1) / 8);
	}
	dsm_test_sync(5);
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
		       node, dsm_stat("home_xfer_in") + dsm_stat("shadow_requery") +
		       dsm_stat("page_owner_promoted") - in0);
	}
	dsm_test_sync(6);
}

TEST_HARNESS_MAIN

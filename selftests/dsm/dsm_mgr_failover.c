// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_mgr_failover - a barrier whose manager's node dies completes among
 * the survivors, and a lock whose holder's node dies holding it is taken
 * by the next acquirer with EOWNERDEAD (issue 16 item 2;
 * Documentation/lrc.md "Failures").
 *
 * The barrier manager is the lowest member not lost: node 0. Node 0's
 * dsmd, which hosts the manager, is stopped (SIGSTOP) while nodes 1 and 2
 * arrive at a barrier: they declare node 0 down after the dead timeout,
 * their dsmds fail the arrivals (EHOSTDOWN, MGR_F_MGR_DOWN), their kernels
 * arrive again at node 1, and the barrier completes there. Each survivor
 * wrote a page before arriving; after the barrier each reads the other's
 * write (the arrivals made again carry the intervals). A second barrier
 * among the survivors completes at node 1 from the start.
 *
 * Before its dsmd stops, node 0 takes lock LID (managed by node 1: LID mod
 * 3 = 1) and never releases it. Once node 0 is declared down, node 2's
 * acquire of LID gets EOWNERDEAD (and holds the lock: lrc_owner_dead
 * counts it), writes, releases; node 1's acquire then gets the lock
 * (0) and node 2's write.
 *
 * Lock managers fail over too (lrc.md "Failures: lock managers"): locks
 * LCHAIN, LDEAD and LRESEND are managed by node 0 (96, 99, 102 mod 3 =
 * 0). Before node 0's dsmd stops, node 1 takes LCHAIN (and writes under
 * it) and LRESEND, node 0 takes LDEAD; all hold on. Children of node 2
 * ask for LCHAIN and LDEAD, and node 0 forwards both (to node 1 and to
 * itself) before its dsmd stops; a third asks for LRESEND once it is
 * stopped (that request is sent again to the new manager if it is still
 * at node 0 when node 2 declares node 0 down). The survivors' kernels tell
 * node 1, node 0's successor, what they know of node 0's locks
 * (lrc_lock_states), and node 1 rebuilds them: LCHAIN's token is on node
 * 1 with node 2 queued behind, so node 2 is its tail, gets it when node 1
 * releases, with node 1's write, and passes it back to node 1 with its
 * own; nobody has LDEAD's token and node 2's request went to node 0, so
 * node 2 gets it re-created with EOWNERDEAD, writes, releases, and node 1
 * then takes it with node 2's write; LRESEND is granted by node 1.
 *
 * What the dead node released is not lost with it (lrc.md "What an
 * EOWNERDEAD acquirer sees"): before node 0 takes LID for good, it writes
 * LID_WORD under it and releases it (backed up at node 1, its backup),
 * and it writes REL_WORD under LREL (managed by node 0: 105 mod 3 = 0)
 * and releases it, keeping the idle token, which nobody asks for before
 * node 0 dies. Node 2's EOWNERDEAD acquire of LID sees LID_WORD; its
 * acquire of LREL, whose token and manager died together with no
 * survivor waiting, returns EOWNERDEAD too (the new manager cannot tell
 * whether node 0 held it) and sees REL_WORD. Node 0's released intervals
 * come from its backup, node 1, which learns them from its own store
 * (lrc_kept_learned) either before its failover barrier arrival, if node
 * 0 is declared down by then, or when node 2's first EOWNERDEAD acquire
 * asks it (node 2 then counts them in lrc_owner_dead_ivs); which comes
 * first is not controlled, so node 1 checks its counter. Node 1 then
 * gets LREL from node 2 with both words.
 *
 * Node 0's kernel and this program stay up (the test syncs go over plain
 * TCP, node 0 coordinating), so no reboot is needed; but node 0 stays lost
 * for the survivors: the only program of its group (3node-mgrfail).
 * Whether the survivors' arrivals reach node 0's stopped dsmd before its
 * peers notice is not controlled: either way they are made again.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dsm.h>

#include "kselftest_harness.h"
#include "dsm_region.h"

#define REGION		"mgrfail"
#define MANAGER		0		/* the lowest member: barrier manager */
#define BID		93		/* the barrier id */
#define LID		94		/* the lock id: manager 94 % 3 = node 1 */
#define LOCK_WORD	0x6f776e6572ULL	/* node 2's write under LID */
#define LCHAIN		96		/* managed by node 0, held by node 1 */
#define LDEAD		99		/* managed and held by node 0 */
#define LRESEND		102		/* managed by node 0, held by node 1 */
#define CHAIN2_WORD	0x636861696e32ULL /* node 2's write under LCHAIN */
#define CHAIN_WORD	0x636861696eULL	/* node 1's write under LCHAIN */
#define DEAD_WORD	0x64656164ULL	/* node 2's write under LDEAD */
#define LREL		105		/* managed by node 0, released there */
#define LID_WORD	0x6c69643000ULL	/* node 0's released write under LID */
#define REL_WORD	0x72656c30ULL	/* node 0's released write under LREL */
#define REL2_WORD	0x72656c32ULL	/* node 2's write under LREL */
#define NO_CHECK	(~0ULL)
#define NR_PAGES	3		/* page n: node n's word */
#define WORD(n)		(0x6d67720000ULL + (n))
#define WORDS		(DSM_PAGE / 8)
#define DEAD_TIMEOUT	10	/* dead-timeout in vcluster's dsm.conf */
/* Detecting node 0 down, then the arrival at node 1. */
#define FAILOVER_BOUND	dsm_test_secs(DEAD_TIMEOUT + 80)
#define BARRIER_BOUND	dsm_test_secs(40)	/* a barrier of live nodes */
#define DOWN_SHOWN	dsm_test_secs(20)	/* dsmctl says so, after it */
#define MAP_WAIT	dsm_test_secs(30)	/* region replication */
#define SENT_WAIT	dsm_test_secs(20)	/* a child's request reaches dsmd */

static int node;
/* lrc_owner_dead_ivs + lrc_kept_learned before node 0 dies */
static long ivs0;

/* Intervals of lost writers this node learned, either way. */
static long lost_ivs(void)
{
	return dsm_counter("lrc_owner_dead_ivs") +
	       dsm_counter("lrc_kept_learned");
}

static volatile uint64_t *page(void *map, int pg)
{
	return (volatile uint64_t *)((char *)map + (size_t)pg * DSM_PAGE);
}

/*
 * The first word of page @pg, read in a child (a lost page could be
 * SIGBUS). Returns 0, or the child's wait status (non-zero).
 */
static int read_word(void *map, int pg, uint64_t *v)
{
	int fds[2], status = 0;
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid == 0) {
		uint64_t w = page(map, pg)[0];

		close(fds[0]);
		_exit(write(fds[1], &w, sizeof(w)) == sizeof(w) ? 0 : 3);
	}
	close(fds[1]);
	if (pid < 0 || read(fds[0], v, sizeof(*v)) != sizeof(*v))
		status = -1;
	close(fds[0]);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

/*
 * Node 2: a child acquires lock @lid, wanting @want (0 or -EOWNERDEAD)
 * and, in word @w of page 0, @seen (NO_CHECK: anything); writes @write
 * there; releases.
 */
static pid_t lock_child(void *map, uint32_t lid, int want, int w,
			uint64_t seen, uint64_t write)
{
	double t0 = dsm_now();
	uint64_t v;
	pid_t pid;
	int ret;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		/* A file, and locks, of its own (dsm(3), fork). */
		ret = dsm_init();
		if (!ret)
			ret = dsm_lock_acquire(lid);
		v = page(map, 0)[w];
		if (ret != want || (seen != NO_CHECK && v != seen)) {
			printf("# node 2: lock %u: acquire %s after %.1f s (want %s), word %#llx (want %#llx)\n",
			       lid, strerror(-ret), dsm_now() - t0,
			       strerror(-want), (unsigned long long)v,
			       (unsigned long long)seen);
			fflush(stdout);
			_exit(1);
		}
		page(map, 0)[w] = write;
		ret = dsm_lock_release(lid);
		printf("# node 2: lock %u: %s after %.1f s, release: %s\n",
		       lid, strerror(-want), dsm_now() - t0, strerror(-ret));
		fflush(stdout);
		_exit(ret ? 2 : 0);
	}
	return pid;
}

/*
 * Node 2: wait (at most SENT_WAIT) until counter @name reaches @want,
 * which says that the children's requests got where they must be.
 */
static long stat_reaches(const char *name, long want, const char *what)
{
	double t0 = dsm_now();
	long v;

	while ((v = dsm_counter(name)) < want && dsm_now() - t0 < SENT_WAIT)
		usleep(20000);
	if (v < want)
		printf("# node 2: %s: %s %ld, not %ld, after %.0f s\n", what,
		       name, v, want, (double)SENT_WAIT);
	return v;
}

/*
 * Node 2: the exit status of child @pid (acquiring lock @lid), waited for
 * at most @bound seconds; -1 (and the child killed) if it still waits.
 */
static int child_status(pid_t pid, uint32_t lid, double bound)
{
	double t0 = dsm_now();
	int status = 0;

	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (dsm_now() - t0 > bound) {
			printf("# node 2: the acquire of lock %u still waits after %.0f s\n",
			       lid, bound);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		usleep(50000);
	}
	return status;
}

/* A barrier that completes within @bound seconds. */
#define bounded_barrier(what, bound) do {				\
	double __t0 = dsm_now(), __took;				\
	int __ret = dsm_barrier(BID);					\
									\
	__took = dsm_now() - __t0;					\
	ASSERT_EQ(0, __ret)						\
		TH_LOG("node %d: barrier %d (%s): %s after %.1f s",	\
		       node, BID, what, strerror(-__ret), __took);	\
	EXPECT_GE(bound, __took)					\
		TH_LOG("node %d: barrier %d (%s) took %.1f s, bound %.0f s", \
		       node, BID, what, __took, (double)(bound));	\
	TH_LOG("node %d: barrier %d (%s) took %.1f s", node, BID, what,	\
	       __took);							\
} while (0)

/* An acquire of LID that returns @want within @bound seconds. */
#define bounded_lock(want, bound) do {					\
	double __t0 = dsm_now(), __took;				\
	int __ret = dsm_lock_acquire(LID);				\
									\
	__took = dsm_now() - __t0;					\
	ASSERT_EQ(want, __ret)						\
		TH_LOG("node %d: acquiring lock %d: %s after %.1f s, expected %s", \
		       node, LID, strerror(-__ret), __took,		\
		       strerror(-(want)));				\
	EXPECT_GE(bound, __took)					\
		TH_LOG("node %d: acquiring lock %d took %.1f s, bound %.0f s", \
		       node, LID, __took, (double)(bound));		\
} while (0)

/*
 * Nodes 1 and 2, node 0 declared down while it held LID: node 2 gets it
 * with EOWNERDEAD, writes, releases; node 1 gets it and node 2's write.
 */
#define owner_dead(map) do {						\
	long __before = dsm_counter("lrc_owner_dead"), __after;		\
	uint64_t __v = 0;						\
	int __r;							\
									\
	if (node == 2) {						\
		bounded_lock(-EOWNERDEAD, BARRIER_BOUND);		\
		__v = page(map, 0)[5];					\
		EXPECT_EQ(LID_WORD, __v)				\
			TH_LOG("node 2: node 0's released write under lock %d: %#llx, expected %#llx", \
			       LID, (unsigned long long)__v,		\
			       (unsigned long long)LID_WORD);		\
		page(map, 0)[1] = LOCK_WORD;				\
		__r = dsm_lock_release(LID);				\
		EXPECT_EQ(0, __r) TH_LOG("node 2: releasing lock %d after EOWNERDEAD: %s", \
					 LID, strerror(-__r));		\
		__after = dsm_counter("lrc_owner_dead");		\
		EXPECT_EQ(__before + 1, __after)			\
			TH_LOG("node 2: lrc_owner_dead %ld, before %ld", \
			       __after, __before);			\
	}								\
	bounded_barrier("node 2 released the lock", BARRIER_BOUND);	\
	if (node == 1) {						\
		bounded_lock(0, BARRIER_BOUND);				\
		__v = page(map, 0)[1];					\
		EXPECT_EQ(LOCK_WORD, __v)				\
			TH_LOG("node 1: node 2's write under lock %d: %#llx, expected %#llx", \
			       LID, (unsigned long long)__v,		\
			       (unsigned long long)LOCK_WORD);		\
		__r = dsm_lock_release(LID);				\
		EXPECT_EQ(0, __r) TH_LOG("node 1: releasing lock %d: %s", \
					 LID, strerror(-__r));		\
		EXPECT_EQ(__before, dsm_counter("lrc_owner_dead"))	\
			TH_LOG("node 1: lrc_owner_dead moved");		\
	}								\
} while (0)

/*
 * Nodes 1 and 2: node 2 takes LREL, whose token died idle on node 0 with
 * its manager, with EOWNERDEAD and node 0's released write, writes,
 * releases; node 1 then gets it (0) with both writes.
 */
#define released_dead(map) do {						\
	double __t0 = dsm_now();					\
	uint64_t __v, __w;						\
	int __r;							\
									\
	if (node == 2) {						\
		__r = dsm_lock_acquire(LREL);				\
		__v = page(map, 0)[6];					\
		EXPECT_EQ(-EOWNERDEAD, __r)				\
			TH_LOG("node 2: acquiring lock %d: %s after %.1f s, expected EOWNERDEAD", \
			       LREL, strerror(-__r), dsm_now() - __t0);	\
		EXPECT_GE(BARRIER_BOUND, dsm_now() - __t0);		\
		EXPECT_EQ(REL_WORD, __v)				\
			TH_LOG("node 2: node 0's released write under lock %d: %#llx, expected %#llx", \
			       LREL, (unsigned long long)__v,		\
			       (unsigned long long)REL_WORD);		\
		TH_LOG("node 2: node 0's intervals pulled: %ld",	\
		       lost_ivs() - ivs0);				\
		page(map, 0)[7] = REL2_WORD;				\
		if (__r == 0 || __r == -EOWNERDEAD)			\
			EXPECT_EQ(0, dsm_lock_release(LREL));		\
	}								\
	bounded_barrier("node 2 released lock 105", BARRIER_BOUND);	\
	if (node == 1) {						\
		__t0 = dsm_now();					\
		__r = dsm_lock_acquire(LREL);				\
		__v = page(map, 0)[6];					\
		__w = page(map, 0)[7];					\
		EXPECT_EQ(0, __r) TH_LOG("node 1: acquiring lock %d: %s after %.1f s", \
					 LREL, strerror(-__r),		\
					 dsm_now() - __t0);		\
		EXPECT_GE(BARRIER_BOUND, dsm_now() - __t0);		\
		EXPECT_EQ(REL_WORD, __v)				\
			TH_LOG("node 1: node 0's write under lock %d: %#llx", \
			       LREL, (unsigned long long)__v);		\
		EXPECT_EQ(REL2_WORD, __w)				\
			TH_LOG("node 1: node 2's write under lock %d: %#llx", \
			       LREL, (unsigned long long)__w);		\
		if (!__r)						\
			EXPECT_EQ(0, dsm_lock_release(LREL));		\
		/* The backup learned node 0's released intervals. */	\
		EXPECT_LT(ivs0, lost_ivs())				\
			TH_LOG("node 1: lrc_kept_learned + lrc_owner_dead_ivs did not move from %ld", \
			       ivs0);					\
	}								\
} while (0)

/*
 * Nodes 1 and 2 after node 0's death: node 1 releases LCHAIN, node 2's
 * children end (LCHAIN granted with node 1's write; LDEAD with
 * EOWNERDEAD); then node 1 takes LDEAD with node 2's write. Counters:
 * node 2 told node 1 of both requests and sent both again, node 1 told
 * itself of LCHAIN's token.
 */
#define lock_failover(map) do {						\
	int __r;							\
	uint64_t __v;							\
									\
	if (node == 1) {						\
		__r = dsm_lock_release(LCHAIN);				\
		EXPECT_EQ(0, __r) TH_LOG("node 1: releasing lock %d: %s", \
					 LCHAIN, strerror(-__r));	\
		__r = dsm_lock_release(LRESEND);			\
		EXPECT_EQ(0, __r) TH_LOG("node 1: releasing lock %d: %s", \
					 LRESEND, strerror(-__r));	\
		EXPECT_LE(states + 2, dsm_counter("lrc_lock_states"))	\
			TH_LOG("node 1: lrc_lock_states %ld, before %ld", \
			       dsm_counter("lrc_lock_states"), states);	\
	}								\
	if (node == 2) {						\
		EXPECT_EQ(0, child_status(chain, LCHAIN, BARRIER_BOUND)) \
			TH_LOG("node 2: the LCHAIN child failed");	\
		EXPECT_EQ(0, child_status(dead, LDEAD, BARRIER_BOUND))	\
			TH_LOG("node 2: the LDEAD child failed");	\
		EXPECT_EQ(0, child_status(resend, LRESEND, BARRIER_BOUND)) \
			TH_LOG("node 2: the LRESEND child failed");	\
		EXPECT_LE(states + 2, dsm_counter("lrc_lock_states"))	\
			TH_LOG("node 2: lrc_lock_states %ld, before %ld", \
			       dsm_counter("lrc_lock_states"), states);	\
		TH_LOG("node 2: requests sent again to the new manager: %ld", \
		       dsm_counter("lrc_lock_resent") - resent);	\
	}								\
	bounded_barrier("node 2 has node 0's locks", BARRIER_BOUND);	\
	if (node == 1) {						\
		double __t0 = dsm_now();				\
									\
		__r = dsm_lock_acquire(LDEAD);				\
		__v = page(map, 0)[3];					\
		EXPECT_EQ(0, __r) TH_LOG("node 1: acquiring lock %d: %s after %.1f s", \
					 LDEAD, strerror(-__r),		\
					 dsm_now() - __t0);		\
		EXPECT_EQ(DEAD_WORD, __v)				\
			TH_LOG("node 1: node 2's write under lock %d: %#llx", \
			       LDEAD, (unsigned long long)__v);		\
		if (!__r)						\
			EXPECT_EQ(0, dsm_lock_release(LDEAD));		\
		/* The rebuilt tail is node 2: its write comes along. */ \
		__r = dsm_lock_acquire(LCHAIN);				\
		__v = page(map, 0)[2];					\
		EXPECT_EQ(0, __r) TH_LOG("node 1: acquiring lock %d: %s", \
					 LCHAIN, strerror(-__r));	\
		EXPECT_EQ(CHAIN2_WORD, __v)				\
			TH_LOG("node 1: node 2's write under lock %d: %#llx", \
			       LCHAIN, (unsigned long long)__v);	\
		if (!__r)						\
			EXPECT_EQ(0, dsm_lock_release(LCHAIN));		\
	}								\
} while (0)

FIXTURE(mgrfail) {
	int unused;
};

FIXTURE_SETUP(mgrfail)
{
	self->unused = 0;
}

FIXTURE_TEARDOWN(mgrfail)
{
}

/*
 * Node 0 waits for the survivors at syncs 5, 6, 7 and 8: each stretch of
 * theirs between two syncs (the failover barrier and the lock chain; the
 * barrier among them and EOWNERDEAD; LREL, three steps of BARRIER_BOUND)
 * stays well inside the sync timeout
 * in any run that keeps to its bounds; one wait for all of it did not.
 */
TEST_F_TIMEOUT(mgrfail, barrier_manager_dies,
	       DSM_TEST_TIMEOUT(DSM_TEST_MAX_WORK))
{
	pid_t chain = 0, dead = 0, resend = 0;
	long states = 0, resent = 0;
	char out[512];
	uint64_t v = 0;
	size_t len = 0;
	void *map;
	int ret, other;

	node = dsm_node_id_env();
	ASSERT_EQ(3, dsm_nodes_env()) TH_LOG("written for 3 nodes");
	ret = dsm_init();
	ASSERT_EQ(0, ret) TH_LOG("node %d: dsm_init: %s", node, strerror(-ret));
	dsm_test_begin();
	map = dsm_test_region(REGION, "lrc", (size_t)NR_PAGES * DSM_PAGE, 1,
			      MAP_WAIT, &len);
	ASSERT_NE(NULL, map);
	bounded_barrier("every node up", BARRIER_BOUND);
	if (node == MANAGER) {
		/* Released (and backed up), then taken again for good. */
		ret = dsm_lock_acquire(LID);
		ASSERT_EQ(0, ret) TH_LOG("node 0: acquiring lock %d: %s", LID,
					 strerror(-ret));
		page(map, 0)[5] = LID_WORD;
		ret = dsm_lock_release(LID);
		ASSERT_EQ(0, ret) TH_LOG("node 0: releasing lock %d: %s", LID,
					 strerror(-ret));
		ret = dsm_lock_acquire(LID);
		ASSERT_EQ(0, ret) TH_LOG("node 0: acquiring lock %d: %s", LID,
					 strerror(-ret));
		/* Its token stays here, idle, until node 0 dies. */
		ret = dsm_lock_acquire(LREL);
		ASSERT_EQ(0, ret) TH_LOG("node 0: acquiring lock %d: %s",
					 LREL, strerror(-ret));
		page(map, 0)[6] = REL_WORD;
		ret = dsm_lock_release(LREL);
		ASSERT_EQ(0, ret) TH_LOG("node 0: releasing lock %d: %s",
					 LREL, strerror(-ret));
		ret = dsm_lock_acquire(LDEAD);
		ASSERT_EQ(0, ret) TH_LOG("node 0: acquiring lock %d: %s",
					 LDEAD, strerror(-ret));
	}
	if (node == 1) {
		ret = dsm_lock_acquire(LCHAIN);
		ASSERT_EQ(0, ret) TH_LOG("node 1: acquiring lock %d: %s",
					 LCHAIN, strerror(-ret));
		page(map, 0)[2] = CHAIN_WORD;
		ret = dsm_lock_acquire(LRESEND);
		ASSERT_EQ(0, ret) TH_LOG("node 1: acquiring lock %d: %s",
					 LRESEND, strerror(-ret));
	}
	dsm_test_sync(3);
	ivs0 = lost_ivs();
	states = dsm_counter("lrc_lock_states");
	resent = dsm_counter("lrc_lock_resent");
	if (node == 2) {
		long replies = dsm_counter("mgr_replies");

		/* Forwarded by node 0 (MGR_F_FORWARDED) while it is up. */
		chain = lock_child(map, LCHAIN, 0, 2, CHAIN_WORD, CHAIN2_WORD);
		dead = lock_child(map, LDEAD, -EOWNERDEAD, 3, NO_CHECK,
				  DEAD_WORD);
		ASSERT_LT(0, chain);
		ASSERT_LT(0, dead);
		stat_reaches("mgr_replies", replies + 2, "LCHAIN, LDEAD forwarded");
	}
	dsm_test_sync(4);

	if (node == MANAGER) {
		/* The manager's dsmd stops answering: its peers declare it down. */
		ASSERT_EQ(0, dsm_sh(out, sizeof(out),
				    "kill -STOP \"$(cat /run/dsmd.pid)\""))
			TH_LOG("node 0: stopping dsmd: %s", out);
		dsm_test_sync(5);
		/*
		 * Until the survivors are done (plain TCP, not dsm), step by
		 * step: one sync for all they do would wait for the sum of
		 * their bounds, past the sync timeout.
		 */
		dsm_test_sync(6);
		dsm_test_sync(7);
		dsm_test_sync(8);
		dsm_sh(out, sizeof(out), "kill -CONT \"$(cat /run/dsmd.pid)\"");
		return;
	}
	dsm_test_sync(5);
	if (node == 2) {
		/* Most likely at node 0's stopped dsmd: sent again. */
		resend = lock_child(map, LRESEND, 0, 4, NO_CHECK, 1);
		ASSERT_LT(0, resend);
	}
	/* Nodes 1 and 2: a write, then the barrier whose manager dies. */
	page(map, node)[0] = WORD(node);
	bounded_barrier("its manager, node 0, dies", FAILOVER_BOUND);
	lock_failover(map);
	dsm_test_sync(6);
	EXPECT_LE(0, dsm_node_down_within(DOWN_SHOWN, MANAGER, out,
					  sizeof(out)))
		TH_LOG("node %d: node 0 not reported down: %s", node, out);
	other = 3 - node;
	ret = read_word(map, other, &v);
	EXPECT_EQ(0, ret) TH_LOG("node %d: reading node %d's page: wait status %#x",
				 node, other, ret);
	EXPECT_EQ(WORD(other), v)
		TH_LOG("node %d: node %d's write before the barrier: %#llx, expected %#llx",
		       node, other, (unsigned long long)v,
		       (unsigned long long)WORD(other));
	/* The next barrier goes to node 1 at once. */
	bounded_barrier("among the survivors", BARRIER_BOUND);
	owner_dead(map);
	dsm_test_sync(7);
	released_dead(map);
	munmap(map, len);
	dsm_test_sync(8);
}

TEST_HARNESS_MAIN

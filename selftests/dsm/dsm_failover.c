// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_failover - node failure and rejoin on a 3-node cluster: node 2 is
 * powered off by vc-restart; nodes 0 and 1 must report it dead within the
 * dead timeout (10 s in the virtual cluster's dsm.conf) and keep working
 * (regions still replicate between them); the host boots node 2 again
 * and it must rejoin as a new incarnation and receive the regions created
 * while it was away. A page homed on node 2 whose only valid copy was
 * node 2's (the survivors held older copies, invalidated) is found by
 * its new home as the survivors last saw it (their frames, shadows:
 * dsm_sc_rehome.c, Documentation/sc.md "Shadows and msync"): what node 2
 * wrote after, nobody saw, and it is gone; reads return at once with the
 * older bytes, while a page homed elsewhere keeps working, and a page
 * the dead node owned but another node held a read copy of is still
 * readable (issue 12).
 *
 * On its second life node 2 runs this program again with DSM_RESTARTED=1
 * (run_tests.sh runs only the tests listed in tests-restart), and only the
 * rejoin steps run. Must be the last program of the 3node group: node 2
 * leaves in the middle of it.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "dsm_test.h"
#include "dsm_shell.h"

/* vcluster's dsm.conf: 10 s times VCLUSTER_TIME_FACTOR (DSM_TEST_TIME_FACTOR) */
#define DEAD_TIMEOUT	dsm_test_secs(10.0)
/*
 * Measured from the barrier after which node 2 powers off, so it includes
 * the power-off itself, the heartbeat period and the polling of dsmctl,
 * all slow under TCG with three VMs on two host cores, and slower when
 * the host is busy (6 s of slack was exceeded twice then) or the kernel
 * slower (the debug kernel took 30.0 and 32.1 s, over 10 + 20): the bound
 * of the polling tells a detection from none, the log line says how long
 * it took. The time is not asserted: a poll that started inside the bound
 * can end well after it on a busy host (a run with the host at load 17
 * saw 44 s), and the reason "timeout" already says the dead timeout did
 * it. The slack is multiplied by DSM_TEST_TIME_FACTOR, as are the other
 * bounds below and the dead timeout vcluster configures.
 */
#define DETECT_SLACK	dsm_test_secs(20.0)
#define REBOOT_TIMEOUT	240	/* seconds for node 2 to boot again */
#define KEPT_WAIT	30	/* s: node 1 sees node 0's write */
#define REPL_WAIT	10	/* s: a region reaches the other survivor */
#define VICTIM		2

/*
 * Two pages of the default region: the home of page p is node p % 3.
 * LOST_OFF is homed on the victim, which writes it before dying, after
 * the others read it: no other node holds it valid; KEPT_OFF is homed on node 0 and owned by node
 * 1 when the victim dies.
 */
#define LOST_OFF	(200UL << 20)	/* page 51200: home 2 */
#define KEPT_OFF	(LOST_OFF + 4096)	/* page 51201: home 0 */
/* Homed on node 0, owned by the victim, read copy on node 1. */
#define COPY_OFF	(LOST_OFF + 4 * 4096)	/* page 51204: home 0 */
#define COPY_WORD	0xc0b1e5ULL
#define FAULT_SLACK	dsm_test_secs(10.0)	/* "at once", with TCG's slowness */

static volatile uint64_t *map_page(int fd, unsigned long off)
{
	void *p = mmap(NULL, DSM_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		       fd, off);

	return p == MAP_FAILED ? NULL : p;
}

/* Read *@p in a child; returns its wait status. */
static int read_in_child(volatile uint64_t *p)
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0)
		_exit(*p == 0xdead ? 0 : 1);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

static int restarted(void)
{
	const char *v = getenv("DSM_RESTARTED");

	return v && !strcmp(v, "1");
}

static int have_restart(void)
{
	return dsm_sh(NULL, 0, "command -v vc-restart") == 0;
}

FIXTURE(failover) {
	int unused;
};

FIXTURE_SETUP(failover)
{
}

FIXTURE_TEARDOWN(failover)
{
}

/*
 * The whole scenario is one test: its steps are ordered across nodes by
 * dsm_test_sync() and node 2 disappears in the middle. Node 2's reboot
 * under TCG takes tens of seconds, hence the timeout: more work than
 * DSM_TEST_TIMEOUT() allows, which only the last test may have (no test
 * after it waits for a node hung in it). Its second life
 * keeps the program's index (run_tests.sh), so that its sync 103 is at
 * the position of the others'.
 */
TEST_F_TIMEOUT(failover, node_dies_and_rejoins,
	       DSM_TEST_SYNC_TIMEOUT + REBOOT_TIMEOUT + 60)
{
	int id = dsm_node_id_env(), n = dsm_nodes_env();
	volatile uint64_t *lost, *kept;
	unsigned long long inc = 0;
	uint64_t word = 0, seen = 0;
	char out[4096];
	double t0, took;
	int fd, status;

	ASSERT_EQ(3, n) TH_LOG("written for 3 nodes");
	if (!have_restart())
		SKIP(return, "this vcluster has no vc-restart");

	if (restarted()) {
		/*
		 * Node 2 again, in the middle of the test: no begin (the
		 * others are past it); its sync 103 meets theirs.
		 */
		ASSERT_EQ(VICTIM, id);
		/* Back: every node up again, as seen from here. */
		took = dsm_sh_until(60, out, sizeof(out), "dsmctl status");
		ASSERT_LE(0, took) TH_LOG("not every node up: %s", out);
		/* The region created while this node was down came along. */
		EXPECT_LE(0, dsm_sh_until(10, out, sizeof(out),
					  "dsmctl -j region show survivor | jq -e "
					  "'.origin == 0'"))
			TH_LOG("region not synced on rejoin: %s", out);
		dsm_test_sync(103);
		return;
	}

	dsm_test_begin();
	ASSERT_EQ(0, dsm_sh(out, sizeof(out), "dsmctl -j node list | jq -e "
			    "'all(.[]; .state == \"up\")'")) TH_LOG("%s", out);
	ASSERT_EQ(0, dsm_sh(out, sizeof(out),
			    "dsmctl -j node show %d | jq -r .incarnation", VICTIM));
	inc = strtoull(out, NULL, 10);
	fd = open(DSM_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	lost = map_page(fd, LOST_OFF);
	kept = map_page(fd, KEPT_OFF);
	ASSERT_NE(NULL, lost);
	ASSERT_NE(NULL, kept);
	/*
	 * The survivors hold LOST_OFF first (a frame each), so that when
	 * its home and only valid copy dies they have seen it, and it is
	 * what they saw, not a new page (Documentation/sc.md "Re-homing
	 * after a failure", "Shadows and msync").
	 */
	if (id != VICTIM)
		seen = *lost;	/* whatever an earlier program left there */
	dsm_test_sync(98);
	if (id == VICTIM) {
		/*
		 * What nobody saw: the background write-back must not push
		 * it before the power-off (dsm_shadow tests the write-back).
		 */
		ASSERT_LE(0, dsm_writeback_set(0))
			TH_LOG("cannot turn write-back off");
		*lost = 0xdead;
		ASSERT_EQ((ssize_t)sizeof(word),
			  pwrite(fd, &(uint64_t){ COPY_WORD }, sizeof(word),
				 COPY_OFF));
	}
	if (id == 1)
		*kept = 1;
	dsm_test_sync(99);
	if (id == 1) {
		EXPECT_EQ((ssize_t)sizeof(word),
			  pread(fd, &word, sizeof(word), COPY_OFF));
		EXPECT_EQ(COPY_WORD, word);
	}
	dsm_test_sync(100);
	if (id == VICTIM) {
		/* Powers off at once; the host boots this node again. */
		dsm_sh(out, sizeof(out), "vc-restart");
		sleep(dsm_test_secs(600));
		ASSERT_TRUE(0) TH_LOG("vc-restart returned: %s", out);
	}

	/* Nodes 0 and 1: node 2 is declared dead within the timeout. */
	t0 = dsm_now();
	took = dsm_sh_until(DEAD_TIMEOUT + DETECT_SLACK + 5, out, sizeof(out),
			    "dsmctl -j node show %d | jq -e "
			    "'.state == \"down\" and .reason == \"timeout\"'",
			    VICTIM);
	ASSERT_LE(0, took) TH_LOG("node %d never reported down: %s", VICTIM, out);
	TH_LOG("node %d down after %.1fs", VICTIM, dsm_now() - t0);
	EXPECT_EQ(5, dsm_sh(out, sizeof(out), "dsmctl status"))
		TH_LOG("status must say degraded: %s", out);
	EXPECT_EQ(0, dsm_sh(out, sizeof(out), "dsmctl -j stats | jq -e "
			    "'.node_down >= 1'")) TH_LOG("%s", out);

	/*
	 * The page only the dead node held valid: as the survivors saw it
	 * last, not what the dead node wrote after (0xdead), and no hang.
	 */
	t0 = dsm_now();
	status = read_in_child(lost);
	took = dsm_now() - t0;
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1)
		TH_LOG("fault on a page held by a dead node: wait status %#x (0: read what nobody saw)",
		       status);
	EXPECT_GE(FAULT_SLACK, took);
	EXPECT_EQ((ssize_t)sizeof(word),
		  pread(fd, &word, sizeof(word), LOST_OFF))
		TH_LOG("pread of the dead node's page: %s", strerror(errno));
	EXPECT_EQ(seen, word);

	/*
	 * The dead node owned COPY_OFF, but node 1 holds a copy: its home
	 * (node 0) makes node 1 the owner, and both read the data.
	 */
	word = 0;
	EXPECT_EQ((ssize_t)sizeof(word),
		  pread(fd, &word, sizeof(word), COPY_OFF))
		TH_LOG("node %d: page with a surviving copy: %s", id,
		       strerror(errno));
	EXPECT_EQ(COPY_WORD, word);

	/*
	 * The rest of the memory keeps working: node 0 takes the page node 1
	 * owns and writes it; node 1 sees the write. (dsm_test_sync() needs
	 * every node, and node 2 is dead.)
	 */
	if (id == 0)
		*kept = 2;
	for (t0 = dsm_now(); *kept != 2 && dsm_now() - t0 <
	     dsm_test_secs(KEPT_WAIT);)
		usleep(10000);
	EXPECT_EQ(2, *kept);
	EXPECT_EQ((ssize_t)sizeof(word),
		  pread(fd, &word, sizeof(word), KEPT_OFF));
	EXPECT_EQ(2, word);
	munmap((void *)lost, DSM_PAGE);
	munmap((void *)kept, DSM_PAGE);
	close(fd);

	/* The control plane too: a region replicates between 0 and 1. */
	if (id == 0)
		EXPECT_EQ(0, dsm_sh(out, sizeof(out),
				    "dsmctl region create survivor size 1M"))
			TH_LOG("%s", out);
	EXPECT_LE(0, dsm_sh_until(dsm_test_secs(REPL_WAIT), out, sizeof(out),
				  "dsmctl region show survivor"))
		TH_LOG("%s", out);
	/*
	 * The survivors are up. Not "two nodes up": node 2 may already be
	 * back when a slow survivor gets here (its own down took 14.3 s on
	 * node 1 against 12.7 on node 0 in a clean-clone run over RDMA).
	 */
	EXPECT_EQ(0, dsm_sh(out, sizeof(out),
			    "dsmctl -j node list | jq -e '[.[] | select(.state == "
			    "\"up\") | .id] | index(0) != null and index(1) != null'"))
		TH_LOG("%s", out);

	/* Node 2 comes back as a new incarnation. */
	took = dsm_sh_until(dsm_test_secs(REBOOT_TIMEOUT), out, sizeof(out),
			    "dsmctl -j node show %d | jq -e '.state == \"up\" and "
			    ".incarnation != %llu'", VICTIM, inc);
	ASSERT_LE(0, took) TH_LOG("node %d did not rejoin: %s", VICTIM, out);
	dsm_test_sync(103);
	EXPECT_EQ(0, dsm_sh(out, sizeof(out), "dsmctl status")) TH_LOG("%s", out);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_reload - a node whose module is reloaded under a running dsmd is a
 * new node to everyone (issue 12, finding 5).
 *
 * Node 2 unloads and loads dsm.ko again while its dsmd keeps running (over
 * RDMA dsm_rdma.ko too, which depends on it); the dsmd configures the new
 * module, which draws a new incarnation. The old module's pages are gone
 * with it, and the new one, as home of every page homed on node 2, knows
 * nothing of who holds them: if its peers took it for the node they knew,
 * it would hand out zero-filled pages as their owner while another node
 * owns them (two owners: silent data loss).
 * Instead its peers must declare the old incarnation lost once, before
 * they take any message from the new one: a page homed on node 2 is then
 * an error (EIO) everywhere, node 2 included, never a page of zeros, and
 * the rest of the memory keeps working with the new node 2. Under lrc the
 * new node 2 gets ESTALE from locks while the others' locks go on, until
 * it joins lrc again at a barrier with them (a collection; issue 16 item
 * 4): then its locks work too.
 *
 * Written for 3 nodes; a group of its own (3node-reload), as it leaves
 * the pages homed on node 2 lost for the rest of the run.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dsm_test.h"
#include "dsm_shell.h"
#include "dsm_region.h"

#define VICTIM		2
#define MiB		(1UL << 20)
/* Pages of the default region; page p is homed on node p % 3. */
#define OFF_RELOAD	(208 * MiB)		/* page 53248: home 1 */
#define OFF_HOME2	(OFF_RELOAD + 4096)	/* home 2, owned by node 0 */
#define OFF_HOME0	(OFF_RELOAD + 2 * 4096)	/* home 0 */
#define WORD_HOME2	0xa2a2a2a2a2a2ULL
#define WORD_HOME0	0xb0b0b0b0b0b0ULL
#define WORD_NEW	0xb2b2b2b2b2b2ULL
#define RELOAD_LOCK	7
#define RELOAD_BARRIER	7
#define RELOAD_TRIES	10	/* the others' barriers until one collected */
/* Unload, load, reconfiguration by dsmd, handshakes: under TCG. */
#define RELOAD_WAIT	90

FIXTURE(reload) {
	int fd;
};

FIXTURE_SETUP(reload)
{
	self->fd = -1;
	if (dsm_node_id_env() < 0 || dsm_nodes_env() != 3)
		DSM_SETUP_SKIP("needs DSM_NODE_ID and DSM_NODES=3");
	dsm_test_begin();
	self->fd = open(DSM_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(reload)
{
	if (self->fd >= 0)
		close(self->fd);
}

static unsigned long long incarnation(int id)
{
	char out[256];

	if (dsm_sh(out, sizeof(out),
		   "dsmctl -j node show %d | jq -r .incarnation", id))
		return 0;
	return strtoull(out, NULL, 10);
}

/* A barrier on a file of its own (a child's), 0 or the errno. */
static int barrier_fd(void)
{
	struct dsm_sync s = { .id = RELOAD_BARRIER };
	int fd = open(DSM_DEV, O_RDWR | O_CLOEXEC), ret;

	if (fd < 0)
		return errno;
	ret = ioctl(fd, DSM_IOC_BARRIER, &s) ? errno : 0;
	close(fd);
	return ret;
}

/*
 * Node 2 arrives at a barrier (in a child, so that it can tell the others
 * it waits there), where it joins lrc again: the others arrive until one
 * of their barriers collected. Then its locks work.
 */
static void rejoin_lrc(struct __test_metadata *_metadata,
		       FIXTURE_DATA(reload) *self, int id)
{
	long gc0 = dsm_counter("lrc_gc_runs"), waits0 = dsm_counter("lrc_barrier_waits");
	struct dsm_sync s = { .id = RELOAD_LOCK };
	int tries = 0, st;
	pid_t pid = -1;
	double t0;

	if (id == VICTIM) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			_exit(barrier_fd() ? 1 : 0);
		t0 = dsm_now();
		while (dsm_counter("lrc_barrier_waits") <= waits0 &&
		       dsm_now() - t0 < dsm_test_secs(60))
			usleep(20000);
		EXPECT_LT(waits0, dsm_counter("lrc_barrier_waits"))
			TH_LOG("node 2: its arrival did not start");
	}
	dsm_test_sync(4);
	if (id != VICTIM) {
		do {
			st = barrier_fd();
			ASSERT_EQ(0, st)
				TH_LOG("node %d: barrier with node 2 joining, try %d: %s",
				       id, tries, strerror(st));
		} while (dsm_counter("lrc_gc_runs") == gc0 &&
			 ++tries < RELOAD_TRIES);
		EXPECT_LT(gc0, dsm_counter("lrc_gc_runs"))
			TH_LOG("node %d: %d barriers and none collected: node 2 never joined lrc again",
			       id, tries);
	} else {
		st = dsm_wait_child(pid, dsm_test_secs(120));
		ASSERT_EQ(0, st)
			TH_LOG("node 2: the barrier where it joins lrc again failed (status %#x)",
			       st);
		EXPECT_EQ(0, ioctl(self->fd, DSM_IOC_LOCK_ACQUIRE, &s))
			TH_LOG("node 2: acquire after it joined lrc again: %s",
			       strerror(errno));
		EXPECT_EQ(0, ioctl(self->fd, DSM_IOC_LOCK_RELEASE, &s))
			TH_LOG("node 2: release: %s", strerror(errno));
	}
	/* Node 2 told the others before its barrier returned. */
	dsm_test_sync(5);
	EXPECT_EQ(1, dsm_counter("lrc_rejoins"))
		TH_LOG("node %d: lrc_rejoins %ld, expected 1", id,
		       dsm_counter("lrc_rejoins"));
}

TEST_F_TIMEOUT(reload, module_reloaded_is_a_new_node,
	       DSM_TEST_TIMEOUT(2 * RELOAD_WAIT))
{
	int id = dsm_node_id_env(), ret;
	unsigned long long old = 0;
	char out[4096];
	uint64_t w;

	/* Node 0 owns a page homed on node 2; node 1 never held it. */
	if (id == 0) {
		ASSERT_EQ(0, dsm_put_word(self->fd, OFF_HOME2, WORD_HOME2));
		ASSERT_EQ(0, dsm_put_word(self->fd, OFF_HOME0, WORD_HOME0));
	}
	if (id != VICTIM) {
		old = incarnation(VICTIM);
		ASSERT_NE(0, old);
	}
	dsm_test_sync(1);

	if (id == VICTIM) {
		close(self->fd);
		self->fd = -1;
		/*
		 * Over RDMA dsm_rdma.ko links against dsm.ko: it goes first
		 * (its connections with it) and comes back after, and dsm.ko
		 * is loaded with the transport it had.
		 */
		ret = dsm_sh(out, sizeof(out),
			     "cd /sys/module/dsm/parameters && "
			     "f=$(cat fault_timeout_ms) m=$(cat mgr_timeout_ms) "
			     "h=$(cat home_adapt_after) "
			     "t=$(cat transport) && cd / && "
			     "x=/lib/modules/$(uname -r)/extra && "
			     "{ [ ! -d /sys/module/dsm_rdma ] || rmmod dsm_rdma; } && "
			     "rmmod dsm && "
			     "insmod $x/dsm.ko inject=1 transport=$t "
			     "fault_timeout_ms=$f mgr_timeout_ms=$m "
			     "home_adapt_after=$h && "
			     "{ [ $t != rdma ] || insmod $x/dsm_rdma.ko; }");
		ASSERT_EQ(0, ret) TH_LOG("node %d: reload: %s", id, out);
		/* dsmd notices within a second and configures it again. */
		ASSERT_LE(0, dsm_sh_until(RELOAD_WAIT, out, sizeof(out),
					  "dsmctl status"))
			TH_LOG("node %d: not every node up after the reload: %s",
			       id, out);
		self->fd = open(DSM_DEV, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, self->fd);
	}
	/* The others see node 2 up, as a new incarnation. */
	if (id != VICTIM) {
		EXPECT_LE(0, dsm_sh_until(RELOAD_WAIT, out, sizeof(out),
					  "dsmctl -j node show %d | jq -e '.state == \"up\" and .incarnation != %llu'",
					  VICTIM, old))
			TH_LOG("node %d: node %d not up as a new incarnation: %s",
			       id, VICTIM, out);
		EXPECT_EQ(0, dsm_sh(out, sizeof(out),
				    "dsmctl -j stats | jq -e '.node_restart >= 1'"))
			TH_LOG("node %d: restart not counted: %s", id, out);
	}
	dsm_test_sync(2);

	/*
	 * A page homed elsewhere works with the new node 2; reading it also
	 * makes node 2 connect to node 0, which tells it that its earlier
	 * incarnation was declared lost.
	 */
	ret = dsm_get_word(self->fd, OFF_HOME0, &w);
	EXPECT_EQ(0, ret) TH_LOG("node %d: page homed on node 0: %s", id,
				 strerror(-ret));
	EXPECT_EQ(WORD_HOME0, w);
	dsm_test_sync(3);

	/*
	 * lrc: the new node 2 takes no lock before it joined lrc again; the
	 * others' locks go on.
	 */
	if (id == VICTIM) {
		struct dsm_sync s = { .id = RELOAD_LOCK };

		EXPECT_EQ(-1, ioctl(self->fd, DSM_IOC_LOCK_ACQUIRE, &s));
		EXPECT_EQ(ESTALE, errno) TH_LOG("acquire: %s", strerror(errno));
	} else {
		struct dsm_sync s = { .id = RELOAD_LOCK };

		EXPECT_EQ(0, ioctl(self->fd, DSM_IOC_LOCK_ACQUIRE, &s))
			TH_LOG("node %d: acquire: %s", id, strerror(errno));
		EXPECT_EQ(0, ioctl(self->fd, DSM_IOC_LOCK_RELEASE, &s))
			TH_LOG("node %d: release: %s", id, strerror(errno));
	}
	rejoin_lrc(_metadata, self, id);
	/*
	 * The page homed on node 2: node 0 may still read its own copy;
	 * anyone else gets EIO, never the zeros of the new home.
	 */
	ret = dsm_get_word(self->fd, OFF_HOME2, &w);
	if (id == 0) {
		EXPECT_TRUE(ret == -EIO || (!ret && w == WORD_HOME2))
			TH_LOG("node 0: its own page: %s, word %#llx",
			       strerror(-ret), (unsigned long long)w);
	} else {
		EXPECT_EQ(-EIO, ret)
			TH_LOG("node %d: page homed on the reloaded node: %s, word %#llx%s",
			       id, ret ? strerror(-ret) : "read",
			       (unsigned long long)w,
			       !ret && !w ? " (zeros: the new home served it)" : "");
	}

	/* New data from the new node 2 reaches the others. */
	if (id == VICTIM)
		EXPECT_EQ(0, dsm_put_word(self->fd, OFF_HOME0, WORD_NEW));
	dsm_test_sync(6);
	ret = dsm_get_word(self->fd, OFF_HOME0, &w);
	EXPECT_EQ(0, ret) TH_LOG("node %d: %s", id, strerror(-ret));
	EXPECT_EQ(WORD_NEW, w) TH_LOG("node %d: word %#llx", id,
				      (unsigned long long)w);
	dsm_test_sync(7);
}

TEST_HARNESS_MAIN

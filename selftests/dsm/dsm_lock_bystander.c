// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_lock_bystander - a node that takes no part in a lock chain goes
 * down in the middle of it (issue 12, finding 6): the chain must not
 * notice.
 *
 * Nodes 0 and 1 pass lrc lock LOCK_ID back and forth, each adding one to
 * a counter of an lrc region under it per acquire, while node 2 (the
 * bystander: neither in the chain nor the lock's manager) powers off with
 * vc-restart. Node 2 being declared down must fail no acquire of the
 * survivors (once it failed every lock wait in flight with EHOSTDOWN, and
 * the grant already on its way to the waiter was then dropped, so the
 * token was re-created without the last holder's writes), and in the end
 * the counter must equal the survivors' increments: no write lost.
 *
 * The survivors tell each other how many increments they made through a
 * page of the sc default region homed on node 0, not through lrc. Node 2
 * boots again and runs nothing more (this program is not in
 * tests-restart); it must be the last program of its group (3node-reload):
 * node 2 leaves in the middle of it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dsm.h"
#include "dsm_test.h"
#include "dsm_shell.h"
#include "dsm_region.h"

#define BYSTANDER	2
#define LOCK_ID		3	/* manager: member 3 % 3, node 0 */
#define REGION		"bystander"
/* Page 55296 of the default (sc) region: home 55296 % 3 = node 0. */
#define COUNTS_OFF	(216UL << 20)
#define DONE_MAGIC	0xd0e5d0e5ULL
#define HOLD_US		20000	/* each holder keeps the lock 20 ms */
#define AFTER_DOWN	40	/* acquires per survivor once node 2 is down */
/*
 * From the power-off to node 2 reported down: the dead timeout (10 s in
 * vcluster's dsm.conf), the heartbeat period and dsmctl's polling, slow
 * under TCG (dsm_failover measures 10..32 s).
 */
#define DOWN_WAIT	90
#define CHECK_US	500000	/* between two looks at node 2's state */
#define DONE_WAIT	90	/* s: the other survivor ends its loop */
#define MAP_WAIT	30	/* s: the region reaches every node */

FIXTURE(bystander) {
	int fd;
	uint64_t *map;
	size_t len;
};

FIXTURE_SETUP(bystander)
{
	self->fd = -1;
	self->map = NULL;
	if (dsm_node_id_env() < 0 || dsm_nodes_env() != 3)
		DSM_SETUP_SKIP("needs DSM_NODE_ID and DSM_NODES=3");
	dsm_test_begin();
	self->fd = open(DSM_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(bystander)
{
	if (self->map)
		munmap(self->map, self->len);
	if (self->fd >= 0)
		close(self->fd);
}

static int have_restart(void)
{
	return dsm_sh(NULL, 0, "command -v vc-restart") == 0;
}

static int bystander_down(void)
{
	return dsm_sh(NULL, 0, "dsmctl -j node show %d | jq -e "
		      "'.state == \"down\"'", BYSTANDER) == 0;
}

/*
 * Node 2's state as a watcher process sees it (dsmctl is slow under TCG:
 * the chain itself must not stop to look, or no lock request would be in
 * flight when node 2 is declared down).
 */
struct watch {
	volatile int down;
	volatile double when;		/* dsm_now() when first seen down */
};

/* A child that polls node 2's state into @w until killed. */
static pid_t start_watcher(struct watch *w)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	for (;;) {
		if (!w->down && bystander_down()) {
			w->when = dsm_now();
			w->down = 1;
		}
		usleep(CHECK_US);
	}
}

/* What one survivor's loop did. */
struct chain {
	unsigned long incs;		/* acquires that added one */
	unsigned long incs_down;	/* of them, after node 2 was down */
	unsigned long fails;		/* acquires that failed */
	unsigned long first_fail_at;	/* iteration of the first failure */
	int first_err;			/* its errno */
	int first_fail_down;		/* node 2 was seen down then */
	double down_after;		/* s from the start to node 2 down */
};

/*
 * Survivor @id: acquire, add one, hold HOLD_US, release, until node 2
 * has been seen down and AFTER_DOWN more acquires are done, or node 2 is
 * not seen down within DOWN_WAIT. A failed acquire is counted and tried
 * again (the test then fails, but the count still says what was lost).
 */
static void run_chain(volatile uint64_t *counter, const struct watch *w,
		      struct chain *c)
{
	double t0 = dsm_now();
	int down = 0, ret;
	unsigned long it;

	memset(c, 0, sizeof(*c));
	c->down_after = -1;
	for (it = 0; c->fails < 100; it++) {
		if (!down && w->down) {
			down = 1;
			c->down_after = w->when - t0;
		} else if (!down && dsm_now() - t0 > dsm_test_secs(DOWN_WAIT)) {
			break;
		}
		if (down && c->incs_down >= AFTER_DOWN)
			break;
		ret = dsm_lock_acquire(LOCK_ID);
		if (ret) {
			if (!c->fails++) {
				c->first_fail_at = it;
				c->first_err = -ret;
				c->first_fail_down = down;
			}
			usleep(10000);
			continue;
		}
		(*counter)++;
		c->incs++;
		if (down)
			c->incs_down++;
		usleep(HOLD_US);
		ret = dsm_lock_release(LOCK_ID);
		if (ret && !c->fails++) {
			c->first_fail_at = it;
			c->first_err = -ret;
			c->first_fail_down = down;
		}
	}
}

/*
 * One test: its steps are ordered across nodes by dsm_test_sync() until
 * node 2 powers off; after that the two survivors meet through the sc
 * page (dsm_test_sync() needs every node).
 */
TEST_F_TIMEOUT(bystander, chain_survives_bystander_down,
	       DSM_TEST_TIMEOUT(DOWN_WAIT + DONE_WAIT + MAP_WAIT))
{
	int id = dsm_node_id_env(), other = !id, ret;
	uint64_t w = 0, other_incs = 0, total;
	volatile uint64_t *counter;
	struct watch *wp;
	struct chain c;
	char out[4096];
	pid_t watcher;
	double t0;

	if (!have_restart())
		SKIP(return, "this vcluster has no vc-restart");
	ASSERT_EQ(0, dsm_init()) TH_LOG("node %d: dsm_init", id);
	if (id == 0) {
		ret = dsm_sh(out, sizeof(out),
			     "dsmctl region create %s size 4K model lrc", REGION);
		ASSERT_EQ(0, ret) TH_LOG("node 0: region create: %s", out);
		ASSERT_EQ(0, dsm_put_word(self->fd, COUNTS_OFF, 0));
		ASSERT_EQ(0, dsm_put_word(self->fd, COUNTS_OFF + 8, 0));
		ASSERT_EQ(0, dsm_put_word(self->fd, COUNTS_OFF + 16, 0));
		ASSERT_EQ(0, dsm_put_word(self->fd, COUNTS_OFF + 24, 0));
	}
	dsm_test_sync(1);
	self->map = dsm_map_wait(REGION, &self->len, dsm_test_secs(MAP_WAIT));
	ASSERT_NE(NULL, self->map) TH_LOG("node %d: dsm_map(%s): %s", id,
					  REGION, strerror(errno));
	counter = self->map;
	dsm_test_sync(2);
	if (id == BYSTANDER) {
		/* Powers off at once; the host boots this node again. */
		dsm_sh(out, sizeof(out), "vc-restart");
		sleep(dsm_test_secs(600));
		ASSERT_TRUE(0) TH_LOG("node 2: vc-restart returned: %s", out);
	}

	/* Nodes 0 and 1: the chain, across node 2's failure. */
	wp = mmap(NULL, sizeof(*wp), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, wp);
	watcher = start_watcher(wp);
	ASSERT_LT(0, watcher) TH_LOG("node %d: fork: %s", id, strerror(errno));
	run_chain(counter, wp, &c);
	kill(watcher, SIGKILL);
	waitpid(watcher, NULL, 0);
	munmap(wp, sizeof(*wp));
	TH_LOG("node %d: %lu increments, %lu after node %d was seen down (%.1f s in), %lu failed acquires",
	       id, c.incs, c.incs_down, BYSTANDER, c.down_after, c.fails);
	EXPECT_LE(0, c.down_after)
		TH_LOG("node %d: node %d not reported down within %d s of its power-off",
		       id, BYSTANDER, dsm_test_secs(DOWN_WAIT));
	EXPECT_EQ(0, c.fails)
		TH_LOG("node %d: %lu lock operations failed, the first at iteration %lu with %s, node %d %s down then",
		       id, c.fails, c.first_fail_at, strerror(c.first_err),
		       BYSTANDER, c.first_fail_down ? "seen" : "not yet seen");

	/* Tell the other survivor how many; wait for its number. */
	ASSERT_EQ(0, dsm_put_word(self->fd, COUNTS_OFF + 16 * id, c.incs));
	ASSERT_EQ(0, dsm_put_word(self->fd, COUNTS_OFF + 16 * id + 8, DONE_MAGIC));
	for (t0 = dsm_now(); w != DONE_MAGIC; usleep(100000)) {
		ASSERT_EQ(0, dsm_get_word(self->fd, COUNTS_OFF + 16 * other + 8, &w))
			TH_LOG("node %d: reading node %d's count (sc page homed on node 0)",
			       id, other);
		ASSERT_GT(dsm_test_secs(DONE_WAIT), dsm_now() - t0)
			TH_LOG("node %d: node %d did not end its loop within %d s",
			       id, other, dsm_test_secs(DONE_WAIT));
	}
	ASSERT_EQ(0, dsm_get_word(self->fd, COUNTS_OFF + 16 * other, &other_incs));

	/* Under the lock, both survivors' increments are all there. */
	ret = dsm_lock_acquire(LOCK_ID);
	ASSERT_EQ(0, ret) TH_LOG("node %d: last acquire: %s", id,
				 strerror(-ret));
	total = *counter;
	EXPECT_EQ(0, dsm_lock_release(LOCK_ID));
	EXPECT_EQ(c.incs + other_incs, total)
		TH_LOG("node %d: counter %llu, but node %d added %lu and node %d %llu: %lld writes lost",
		       id, (unsigned long long)total, id, c.incs, other,
		       (unsigned long long)other_incs,
		       (long long)(c.incs + other_incs - total));
}

TEST_HARNESS_MAIN

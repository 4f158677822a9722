// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_lrc_regions - each region's locks and barriers are its own (API
 * version 5, Documentation/lrc.md "Lock and barrier namespaces"), across
 * the 3 nodes of the virtual cluster, through libdsm's region calls:
 *
 * - locks: while node 0 holds lock 5 of region A, node 1 takes lock 5 of
 *   region B and node 2 the cluster-wide lock 5 (root), each in a child
 *   bounded by NS_WAIT seconds: with one namespace (API version 4) they
 *   waited for node 0 and were killed. Then A's lock 5 carries node 0's
 *   write to node 1: it is one lock across nodes.
 * - barriers: every node writes its slot of B, arrives at B's barrier 5,
 *   writes its slot of A, arrives at A's barrier 5; after each, every
 *   node sees every slot (a barrier completes with the arrivals at its
 *   own (region, id) and passes their writes on).
 *
 * - release_race (issue 12, finding 2): node 0 holds a lock that node 1
 *   is waiting for (the manager's forward has reached node 0:
 *   lock_forwards grew), and two threads of node 0 release it through
 *   the same file at once, RR_ROUNDS times. Exactly one release may
 *   succeed, the other gets EPERM; node 1 then holds the lock and reads
 *   node 0's write made under it. lrc_release() used the lock's entry
 *   after dropping lrc.lock, which the other release and the forward
 *   could free meanwhile: a use-after-free that KASAN (make check-debug)
 *   reports and a stock kernel may not show.
 *
 * Node 0 creates the regions "regions-<test>a" and -b; the user
 * without write permission (EACCES) is dsm_perm's (one node).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dsm.h>

#include "kselftest_harness.h"
#include "dsm_test.h"
#include "dsm_three.h"
#include "dsm_shell.h"
#include "dsm_region.h"

#define MAP_WAIT	dsm_test_secs(30)	/* s: region replication */
#define NS_ID		5	/* lock and barrier id in every namespace */
#define NS_WAIT		20	/* s: a free lock is granted within */
/* The regions of each test: "regions-<test>a" and "regions-<test>b". */
#define RA		ra
#define RB		rb

static char ra[DSM_NAME_MAX], rb[DSM_NAME_MAX];

static int node, nodes;

FIXTURE(regions) {
	volatile uint64_t *a, *b;
	size_t alen, blen;
};

FIXTURE_SETUP(regions)
{
	self->a = self->b = NULL;
	dsm_three_setup(&node, &nodes);
}

FIXTURE_TEARDOWN(regions)
{
	if (self->a)
		munmap((void *)self->a, self->alen);
	if (self->b)
		munmap((void *)self->b, self->blen);
}

/* The lock of take_once: region @ns_region, or cluster-wide if NULL. */
static const char *ns_region;

static int take_once(unsigned int lock)
{
	if (ns_region) {
		if (dsm_region_lock_acquire(ns_region, lock))
			return 1;
		return dsm_region_lock_release(ns_region, lock) ? 2 : 0;
	}
	if (dsm_lock_acquire(lock))
		return 1;
	return dsm_lock_release(lock) ? 2 : 0;
}

/*
 * Run take_once(@lock) in a child with its own dsm file: its exit status,
 * or -1 if it did not end within @secs seconds, times the time factor
 * (it is killed).
 */
static int in_child(unsigned int lock, int secs)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(dsm_init() ? 100 : take_once(lock));
	return dsm_wait_child(pid, secs);
}

static int map_both(struct __test_metadata *_metadata,
		    FIXTURE_DATA(regions) *self, const char *test,
		    unsigned int step)
{
	snprintf(ra, sizeof(ra), "regions-%sa", test);
	snprintf(rb, sizeof(rb), "regions-%sb", test);
	self->a = dsm_test_region(RA, "lrc", DSM_PAGE, step, MAP_WAIT,
				  &self->alen);
	if (!self->a)
		return -1;
	self->b = dsm_test_region(RB, "lrc", DSM_PAGE, step + 2, MAP_WAIT,
				  &self->blen);
	return self->b ? 0 : -1;
}

TEST_F_TIMEOUT(regions, locks, DSM_TEST_TIMEOUT(120))
{
	uint64_t v;
	int st;

	NEED_3NODES();
	ASSERT_EQ(0, map_both(_metadata, self, "l", 10));
	if (node == 0) {
		ASSERT_EQ(0, dsm_region_lock_acquire(RA, NS_ID));
		self->a[0] = 1;
	}
	dsm_test_sync(14);
	if (node == 1) {
		ns_region = RB;
		st = in_child(NS_ID, NS_WAIT);
		EXPECT_EQ(0, st) TH_LOG("node 1: lock %d of %s while node 0 holds %s's: %d (-1: not granted in %d s)",
					NS_ID, RB, RA, st, NS_WAIT);
	}
	if (node == 2) {
		ns_region = NULL;
		st = in_child(NS_ID, NS_WAIT);
		EXPECT_EQ(0, st) TH_LOG("node 2: cluster-wide lock %d while node 0 holds %s's: %d (-1: not granted in %d s)",
					NS_ID, RA, st, NS_WAIT);
	}
	dsm_test_sync(15);
	if (node == 0) {
		self->a[0] = 2;
		ASSERT_EQ(0, dsm_region_lock_release(RA, NS_ID));
	}
	dsm_test_sync(16);
	if (node == 1) {
		ASSERT_EQ(0, dsm_region_lock_acquire(RA, NS_ID));
		v = self->a[0];
		EXPECT_EQ(2, v) TH_LOG("node 1: %s offset 0 under its lock %d: expected 2, got %lu",
				       RA, NS_ID, (unsigned long)v);
		ASSERT_EQ(0, dsm_region_lock_release(RA, NS_ID));
	}
	dsm_test_sync(17);
}

TEST_F_TIMEOUT(regions, barriers, DSM_TEST_TIMEOUT(60))
{
	uint64_t v;
	int i;

	NEED_3NODES();
	ASSERT_EQ(0, map_both(_metadata, self, "b", 20));
	self->b[1 + node] = 10 + node;
	ASSERT_EQ(0, dsm_region_barrier(RB, NS_ID))
		TH_LOG("node %d: barrier %d of %s", node, NS_ID, RB);
	self->a[1 + node] = 20 + node;
	ASSERT_EQ(0, dsm_region_barrier(RA, NS_ID))
		TH_LOG("node %d: barrier %d of %s", node, NS_ID, RA);
	for (i = 0; i < 3; i++) {
		v = self->b[1 + i];
		EXPECT_EQ(10 + i, v) TH_LOG("node %d: %s offset %d after its barrier: expected %d, got %lu",
					    node, RB, 8 * (1 + i), 10 + i,
					    (unsigned long)v);
		v = self->a[1 + i];
		EXPECT_EQ(20 + i, v) TH_LOG("node %d: %s offset %d after its barrier: expected %d, got %lu",
					    node, RA, 8 * (1 + i), 20 + i,
					    (unsigned long)v);
	}
	dsm_test_sync(24);
}

#define RR_LOCK		9001	/* cluster-wide: managed by node 9001 % 3 = 1 */
#define RR_ROUNDS	12
#define RR_WAIT		60	/* s: a forward or a grant comes within */

/* The two releasing threads of release_race and what they got. */
static struct {
	int fd;
	int ret[2];
	pthread_barrier_t go;
} rr;

static int rr_sync(int fd, unsigned long req)
{
	struct dsm_sync s = { .id = RR_LOCK };

	return ioctl(fd, req, &s) ? -errno : 0;
}

static void *rr_release(void *arg)
{
	long i = (long)arg;

	pthread_barrier_wait(&rr.go);
	rr.ret[i] = rr_sync(rr.fd, DSM_IOC_LOCK_RELEASE);
	return NULL;
}

/* Node 1's waiter: take the lock, check node 0's write of round @r. */
static int rr_waiter(volatile uint64_t *a, int r)
{
	int fd = open("/dev/dsm", O_RDWR | O_CLOEXEC), ret;

	if (fd < 0 || rr_sync(fd, DSM_IOC_LOCK_ACQUIRE))
		return 1;
	ret = a[0] == (uint64_t)(100 + r) ? 0 : 3;
	if (rr_sync(fd, DSM_IOC_LOCK_RELEASE))
		ret = 2;
	close(fd);
	return ret;
}

/* Node 0, round @r: wait for node 1's forward, then release twice. */
static void rr_double_release(struct __test_metadata *_metadata,
			      long forwards, int r)
{
	double t0 = dsm_now();
	pthread_t t[2];
	long i;

	while (dsm_counter("lock_forwards") <= forwards) {
		ASSERT_LT(dsm_now() - t0, dsm_test_secs(RR_WAIT))
			TH_LOG("node 0, round %d: node 1's request for lock %d was not forwarded here in %d s (lock_forwards still %ld)",
			       r, RR_LOCK, RR_WAIT, forwards);
		usleep(50000);
	}
	ASSERT_EQ(0, pthread_barrier_init(&rr.go, NULL, 2));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, rr_release,
					    (void *)i));
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&rr.go);
	EXPECT_TRUE((rr.ret[0] == 0 && rr.ret[1] == -EPERM) ||
		    (rr.ret[0] == -EPERM && rr.ret[1] == 0))
		TH_LOG("node 0, round %d: two releases of one hold returned %d and %d: expected one 0 and one %d (EPERM)",
		       r, rr.ret[0], rr.ret[1], -EPERM);
}

TEST_F_TIMEOUT(regions, release_race, DSM_TEST_TIMEOUT(180))
{
	long forwards = 0;
	pid_t pid = -1;
	int r, st;

	NEED_3NODES();
	ASSERT_EQ(0, map_both(_metadata, self, "r", 30));
	rr.fd = -1;
	if (node == 0) {
		rr.fd = open("/dev/dsm", O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, rr.fd);
	}
	for (r = 0; r < RR_ROUNDS; r++) {
		if (node == 0) {
			ASSERT_EQ(0, rr_sync(rr.fd, DSM_IOC_LOCK_ACQUIRE))
				TH_LOG("node 0, round %d: acquire lock %d",
				       r, RR_LOCK);
			self->a[0] = 100 + r;
			forwards = dsm_counter("lock_forwards");
			ASSERT_LE(0, forwards);
		}
		dsm_test_sync(40 + 3 * r);
		if (node == 1) {
			pid = fork();
			if (pid == 0)
				_exit(rr_waiter(self->a, r));
			ASSERT_LT(0, pid);
		}
		if (node == 0)
			rr_double_release(_metadata, forwards, r);
		if (node == 1) {
			st = dsm_wait_child(pid, RR_WAIT);
			ASSERT_EQ(0, st)
				TH_LOG("node 1, round %d: the waiter for lock %d ended with %d (1: acquire failed, 2: release failed, 3: node 0's write not seen, -1: no grant in %d s)",
				       r, RR_LOCK, st, RR_WAIT);
		}
		dsm_test_sync(41 + 3 * r);
		dsm_test_progress(r, RR_ROUNDS, 4, "rounds");
	}
	if (rr.fd >= 0)
		close(rr.fd);
	dsm_test_sync(40 + 3 * RR_ROUNDS);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_lrc_api - libdsm's lock and barrier calls as a program sees them,
 * on the 3 nodes of the virtual cluster (linked statically with libdsm):
 * what they refuse and what a process's end does. The consistency of the
 * data is dsm_lrc's (built three times: these tests need no region, so
 * they run once).
 *
 * - bad_args: the refusals and their errnos (EPERM, EDEADLK, ENOENT,
 *   EINVAL), and that a refused call changed nothing;
 * - release_on_close, local_waiter: locks of processes on one node.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dsm.h>

#include "kselftest_harness.h"
#include "dsm_test.h"
#include "dsm_three.h"
#include "dsm_shell.h"

#define PREFIX			"lrcapi"
#define BA_LOCK			61	/* + node: no node waits for another */
#define BA_BARRIER		61
#define BA_WAIT			3	/* s */
#define RC_LOCK			71	/* + node */
#define LW_LOCK			81	/* + node */
#define LW_HOLD_MS		1000

static int node, nodes;

FIXTURE(api) {
	int unused;
};

FIXTURE_SETUP(api)
{
	dsm_three_setup(&node, &nodes);
}

FIXTURE_TEARDOWN(api)
{
}

static int raw_sync(int fd, unsigned long req, __u32 id, __u32 flags,
		    __u64 reserved)
{
	struct dsm_sync s = { .id = id, .flags = flags, .reserved = reserved };

	return ioctl(fd, req, &s) ? errno : 0;
}

static void *acquire_thread(void *arg)
{
	return (void *)(long)dsm_lock_acquire(*(unsigned int *)arg);
}

/*
 * Refusals, each on every node with its own lock: release of a lock not
 * held (EPERM), a second acquire by the same process, also from another
 * thread (EDEADLK), dsm_map of an unknown region (NULL, ENOENT), unknown
 * flags (2; 1 is DSM_SYNC_F_REGION) or a reserved field without it in raw
 * ioctls (EINVAL), and each refused call
 * changed nothing: the lock is not held afterwards, a refused barrier
 * arrival was not counted.
 */
TEST_F_TIMEOUT(api, bad_args, DSM_TEST_TIMEOUT(60))
{
	unsigned int lock = BA_LOCK + node;
	struct dsm_api api = { .api = DSM_API_VERSION };
	struct dsm_region_info ri;
	struct dsm_node_info ni;
	pthread_t th;
	size_t len = 123;
	void *ret;
	double t0;
	int fd;

	NEED_3NODES();
	dsm_test_sync(60);
	EXPECT_EQ(-EPERM, dsm_lock_release(lock));
	ASSERT_EQ(0, dsm_lock_acquire(lock));
	EXPECT_EQ(-EDEADLK, dsm_lock_acquire(lock));
	ASSERT_EQ(0, pthread_create(&th, NULL, acquire_thread, &lock));
	ASSERT_EQ(0, pthread_join(th, &ret));
	EXPECT_EQ(-EDEADLK, (long)ret) TH_LOG("acquire from a second thread");
	EXPECT_EQ(0, dsm_lock_release(lock));
	EXPECT_EQ(-EPERM, dsm_lock_release(lock));

	errno = 0;
	EXPECT_EQ(NULL, dsm_map(PREFIX "-no-such-region", &len));
	EXPECT_EQ(ENOENT, errno);
	errno = 0;
	EXPECT_EQ(NULL, dsm_map("bad/name", &len));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(123, len);

	/* Raw ioctls on a file of its own. */
	fd = open(DSM_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, DSM_IOC_API, &api));
	ASSERT_LE(3, api.api);
	EXPECT_TRUE(api.features & DSM_FEATURE_MAP_LRC);
	EXPECT_EQ(EINVAL, raw_sync(fd, DSM_IOC_LOCK_ACQUIRE, lock, 2, 0));
	EXPECT_EQ(EINVAL, raw_sync(fd, DSM_IOC_LOCK_ACQUIRE, lock, 0, 1));
	EXPECT_EQ(EINVAL, raw_sync(fd, DSM_IOC_LOCK_ACQUIRE, lock, 0x80000000u,
				   1ULL << 63));
	/* the refused acquires took nothing */
	EXPECT_EQ(EPERM, raw_sync(fd, DSM_IOC_LOCK_RELEASE, lock, 0, 0));
	EXPECT_EQ(0, raw_sync(fd, DSM_IOC_LOCK_ACQUIRE, lock, 0, 0));
	EXPECT_EQ(EINVAL, raw_sync(fd, DSM_IOC_LOCK_RELEASE, lock, 2, 0));
	EXPECT_EQ(EINVAL, raw_sync(fd, DSM_IOC_LOCK_RELEASE, lock, 0, 1));
	/* the refused releases released nothing */
	EXPECT_EQ(EDEADLK, raw_sync(fd, DSM_IOC_LOCK_ACQUIRE, lock, 0, 0));
	EXPECT_EQ(0, raw_sync(fd, DSM_IOC_LOCK_RELEASE, lock, 0, 0));
	/* Refused arrivals of nodes 0 and 1 (see the end of the test). */
	if (node != 2) {
		EXPECT_EQ(EINVAL, raw_sync(fd, DSM_IOC_BARRIER, BA_BARRIER,
					   2, 0));
		EXPECT_EQ(EINVAL, raw_sync(fd, DSM_IOC_BARRIER, BA_BARRIER,
					   0, 1));
	}

	memset(&ri, 0, sizeof(ri));
	strcpy(ri.name, "default");
	ri.reserved = 1;
	EXPECT_EQ(-1, ioctl(fd, DSM_IOC_REGION_INFO, &ri));
	EXPECT_EQ(EINVAL, errno);
	memset(&ri, 'a', sizeof(ri.name));	/* no NUL */
	ri.reserved = 0;
	EXPECT_EQ(-1, ioctl(fd, DSM_IOC_REGION_INFO, &ri));
	EXPECT_EQ(EINVAL, errno);
	memset(&ri, 0, sizeof(ri));
	strcpy(ri.name, "a/b");
	EXPECT_EQ(-1, ioctl(fd, DSM_IOC_REGION_INFO, &ri));
	EXPECT_EQ(EINVAL, errno);
	memset(&ri, 0, sizeof(ri));
	strcpy(ri.name, "default");
	EXPECT_EQ(0, ioctl(fd, DSM_IOC_REGION_INFO, &ri));
	EXPECT_EQ(0, ri.offset);
	EXPECT_EQ(DSM_DEFAULT_REGION_SIZE, ri.size);
	EXPECT_EQ(DSM_MODEL_SC, ri.model);
	memset(&ni, 0, sizeof(ni));
	ni.reserved = 1;
	EXPECT_EQ(-1, ioctl(fd, DSM_IOC_NODE_INFO, &ni));
	EXPECT_EQ(EINVAL, errno);
	memset(&ni, 0, sizeof(ni));
	EXPECT_EQ(0, ioctl(fd, DSM_IOC_NODE_INFO, &ni));
	EXPECT_EQ(node, ni.node_id);
	EXPECT_EQ(3, ni.nr_nodes);
	EXPECT_EQ(3, ni.nr_up);
	close(fd);

	/*
	 * The refused barrier arrivals of nodes 0 and 1 were not counted:
	 * node 2 arrives at BA_BARRIER first and must wait for the others,
	 * who arrive BA_WAIT seconds later (had the refused arrivals
	 * counted, node 2's arrival would complete the barrier at once).
	 */
	dsm_test_sync(61);
	if (node != 2)
		sleep(BA_WAIT);
	t0 = dsm_now();
	BARRIER(BA_BARRIER);
	if (node == 2)
		EXPECT_LE(BA_WAIT - 0.5, dsm_now() - t0)
			TH_LOG("node 2 passed barrier %d after %.2f s, before "
			       "the others arrived: a refused arrival counted",
			       BA_BARRIER, dsm_now() - t0);
	dsm_test_sync(62);
}

/* Run @fn in a child with its own dsm file; its exit status, or -1 if it
 * did not end within @secs seconds, times DSM_TEST_TIME_FACTOR (it is
 * killed). */
static int in_child(int (*fn)(unsigned int), unsigned int arg, int secs)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(dsm_init() ? 100 : fn(arg));
	return dsm_wait_child(pid, secs);
}

static int take_and_exit(unsigned int lock)
{
	/* exit without release: closing the file releases it */
	return dsm_lock_acquire(lock) ? 1 : 0;
}

static int take_and_release(unsigned int lock)
{
	if (dsm_lock_acquire(lock))
		return 1;
	return dsm_lock_release(lock) ? 2 : 0;
}

/* A process that exits holding a lock releases it: another process on
 * the node, and then another node, can take it. */
TEST_F_TIMEOUT(api, release_on_close, DSM_TEST_TIMEOUT(60))
{
	unsigned int lock = RC_LOCK + node;
	int st;

	NEED_3NODES();
	dsm_test_sync(70);
	st = in_child(take_and_exit, lock, 20);
	EXPECT_EQ(0, st) TH_LOG("node %d: child taking lock %u: %d", node,
				lock, st);
	st = in_child(take_and_release, lock, 20);
	EXPECT_EQ(0, st) TH_LOG("node %d: lock %u not free after its holder "
				"exited (%d)", node, lock, st);
	dsm_test_sync(71);
	/* and the next node's lock, from here */
	lock = RC_LOCK + (node + 1) % 3;
	st = in_child(take_and_release, lock, 20);
	EXPECT_EQ(0, st) TH_LOG("node %d: lock %u of node %d: %d", node, lock,
				(node + 1) % 3, st);
	dsm_test_sync(72);
}

static int lw_pipe[2];

static int wait_for_lock(unsigned int lock)
{
	double t0;
	char c;

	/* the parent holds it once we read this byte */
	if (read(lw_pipe[0], &c, 1) != 1)
		return 3;
	t0 = dsm_now();
	if (dsm_lock_acquire(lock))
		return 1;
	if (dsm_now() - t0 < (LW_HOLD_MS - 200) / 1000.0)
		return 4;	/* granted while the parent held it */
	return dsm_lock_release(lock) ? 2 : 0;
}

/* Two processes of one node: the second waits until the first releases. */
TEST_F_TIMEOUT(api, local_waiter, DSM_TEST_TIMEOUT(60))
{
	unsigned int lock = LW_LOCK + node;
	int st;

	NEED_3NODES();
	dsm_test_sync(80);
	ASSERT_EQ(0, pipe(lw_pipe));
	ASSERT_EQ(0, dsm_lock_acquire(lock));
	if (fork() == 0) {
		dsm_init();
		_exit(wait_for_lock(lock));
	}
	ASSERT_EQ(1, write(lw_pipe[1], "x", 1));
	usleep(LW_HOLD_MS * 1000);
	EXPECT_EQ(0, dsm_lock_release(lock));
	ASSERT_LT(0, wait(&st));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
		TH_LOG("node %d: waiter status %#x (4: granted while held)",
		       node, st);
	close(lw_pipe[0]);
	close(lw_pipe[1]);
	dsm_test_sync(81);
}

TEST_HARNESS_MAIN

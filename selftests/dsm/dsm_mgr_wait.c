// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_mgr_wait - how lock and barrier waits end when dsmd, which hosts
 * the lock and barrier managers, stops answering or goes away
 * (Documentation/lrc.md, "Lock and barrier waits"). One node: its dsmd
 * manages every lock and barrier, so stopping it (SIGSTOP) is a manager
 * that does not answer, and killing it (SIGKILL) is the manager's dsmd
 * going away while this node waits.
 *
 * - lock_manager_silent: with dsmd stopped, a lock acquire fails with
 *   ETIMEDOUT after mgr_timeout_ms (set to 1 s here), not later; the
 *   manager's late answer changes nothing, and the lock works once dsmd
 *   answers again;
 * - barrier_dsmd_killed: with dsmd stopped, a barrier waits (a barrier
 *   has no time bound: it waits for the other members, who may be slow
 *   on purpose); killing dsmd ends the wait with EHOSTDOWN; a new dsmd
 *   takes over and barriers work again.
 *
 * Must run last in the 1-node group: it restarts dsmd (in a session of
 * its own, recorded in /run/dsmd.pid, where the virtual cluster's init
 * finds it at the end).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dsm.h>

#include "kselftest_harness.h"
#include "dsm_test.h"
#include "dsm_shell.h"

#define TIMEOUT_PARAM	"/sys/module/dsm/parameters/mgr_timeout_ms"
#define TIMEOUT_MS	"1000"
#define GIVE_UP		60.0	/* s: a wait that did not end by then hangs */
#define STILL_WAITING	3.0	/* s: three times mgr_timeout_ms */
#define LOCK_ID		7001
#define BARRIER_ID	7001

static pid_t dsmd_pid(void)
{
	char buf[32];

	if (dsm_read_file("/run/dsmd.pid", buf, sizeof(buf)))
		return -1;
	return atoi(buf) > 0 ? atoi(buf) : -1;
}

/* A lock acquire or barrier in a thread, so that the test can watch it. */
struct call {
	pthread_t th;
	int barrier;		/* else a lock acquire */
	unsigned int id;
	volatile int done;
	int ret;
};

static void *call_fn(void *arg)
{
	struct call *c = arg;

	c->ret = c->barrier ? dsm_barrier(c->id) : dsm_lock_acquire(c->id);
	__atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Wait up to @secs for @c to return; true if it did. */
static int call_wait(struct call *c, double secs)
{
	double t0 = dsm_now();

	while (!__atomic_load_n(&c->done, __ATOMIC_ACQUIRE)) {
		if (dsm_now() - t0 > secs)
			return 0;
		usleep(20000);
	}
	return 1;
}

FIXTURE(mgr) {
	char saved[32];
	pid_t dsmd;
	int stopped;
};

FIXTURE_SETUP(mgr)
{
	int ret;

	self->saved[0] = '\0';
	self->stopped = 0;
	self->dsmd = dsmd_pid();
	if (self->dsmd < 0)
		DSM_SETUP_SKIP("no dsmd to stop (/run/dsmd.pid)");
	ret = dsm_init();
	ASSERT_EQ(0, ret) TH_LOG("dsm_init: %s", strerror(-ret));
	/* Without it, the tests show how waits end on this kernel. */
	ret = dsm_read_file(TIMEOUT_PARAM, self->saved, sizeof(self->saved));
	if (ret)
		TH_LOG("%s: %s: this kernel has no such bound", TIMEOUT_PARAM,
		       strerror(-ret));
	else
		ASSERT_EQ(0, dsm_write_file(TIMEOUT_PARAM, TIMEOUT_MS));
}

FIXTURE_TEARDOWN(mgr)
{
	if (self->stopped)
		kill(self->dsmd, SIGCONT);
	if (self->saved[0])
		EXPECT_EQ(0, dsm_write_file(TIMEOUT_PARAM, self->saved));
}

/*
 * dsmd stopped: the acquire's request gets no answer; it fails with
 * ETIMEDOUT (after mgr_timeout_ms, 1 s) and counts in lrc_mgr_timeouts.
 * On a kernel without the bound it waits until dsmd is resumed, GIVE_UP
 * seconds later, and then succeeds: the test fails. Once dsmd runs
 * again, the lock can be taken and released.
 */
TEST_F_TIMEOUT(mgr, lock_manager_silent, 3 * GIVE_UP)
{
	struct call c = { .barrier = 0, .id = LOCK_ID };
	long before, after;
	int returned;
	double t0;

	if (self->dsmd < 0)
		return;
	before = dsm_counter("lrc_mgr_timeouts");
	ASSERT_EQ(0, kill(self->dsmd, SIGSTOP));
	self->stopped = 1;
	t0 = dsm_now();
	ASSERT_EQ(0, pthread_create(&c.th, NULL, call_fn, &c));
	returned = call_wait(&c, GIVE_UP);
	TH_LOG("acquire with dsmd stopped: %s after %.1f s",
	       returned ? "returned" : "still waiting", dsm_now() - t0);
	ASSERT_EQ(0, kill(self->dsmd, SIGCONT));
	self->stopped = 0;
	ASSERT_TRUE(call_wait(&c, GIVE_UP));
	pthread_join(c.th, NULL);
	EXPECT_TRUE(returned) TH_LOG("the acquire waited for a silent manager "
				     "until it answered");
	EXPECT_EQ(-ETIMEDOUT, c.ret) TH_LOG("acquire: %s", strerror(-c.ret));
	after = dsm_counter("lrc_mgr_timeouts");
	EXPECT_EQ(before + 1, after) TH_LOG("lrc_mgr_timeouts %ld -> %ld",
					    before, after);
	if (!c.ret)
		EXPECT_EQ(0, dsm_lock_release(LOCK_ID));
	/* dsmd answers again (its late answer to the old request is void). */
	EXPECT_EQ(0, dsm_lock_acquire(LOCK_ID));
	EXPECT_EQ(0, dsm_lock_release(LOCK_ID));
	EXPECT_EQ(0, dsm_lock_acquire(LOCK_ID + 3));
	EXPECT_EQ(0, dsm_lock_release(LOCK_ID + 3));
}

/*
 * Start a new dsmd as vcluster's init does (in a session of its own, so
 * that run_tests.sh does not kill it with this program); wait until it
 * configured the kernel and listens (its log says so).
 */
static int dsmd_restart(struct __test_metadata *_metadata)
{
	const char *log = "/tmp/dsmd-restarted.log";
	char out[512];
	double t0;
	int ret;

	ret = dsm_sh(out, sizeof(out),
		     "setsid dsmd -f -v > %s 2>&1 < /dev/null & "
		     "echo $! > /run/dsmd.pid", log);
	if (ret) {
		TH_LOG("starting dsmd: status %d: %s", ret, out);
		return -1;
	}
	t0 = dsm_now();
	while (dsm_sh(NULL, 0, "grep -q 'listening on' %s", log)) {
		if (dsm_now() - t0 > GIVE_UP) {
			dsm_sh(out, sizeof(out), "tail -n 5 %s", log);
			TH_LOG("the new dsmd did not configure the kernel "
			       "within %.0f s: %s", GIVE_UP, out);
			return -1;
		}
		usleep(200000);
	}
	return 0;
}

/*
 * dsmd stopped: a barrier waits, also well past mgr_timeout_ms (a barrier
 * waits for the other members without a time bound); dsmd killed: the
 * wait ends with EHOSTDOWN. A new dsmd takes over, and barriers and
 * locks work again.
 */
TEST_F_TIMEOUT(mgr, barrier_dsmd_killed, 3 * GIVE_UP)
{
	struct call c = { .barrier = 1, .id = BARRIER_ID };
	int waited;
	double t0;

	if (self->dsmd < 0)
		return;
	ASSERT_EQ(0, kill(self->dsmd, SIGSTOP));
	self->stopped = 1;
	ASSERT_EQ(0, pthread_create(&c.th, NULL, call_fn, &c));
	waited = !call_wait(&c, STILL_WAITING);
	EXPECT_TRUE(waited) TH_LOG("the barrier returned %s with dsmd only "
				   "stopped", strerror(-c.ret));
	t0 = dsm_now();
	ASSERT_EQ(0, kill(self->dsmd, SIGKILL));
	self->stopped = 0;
	ASSERT_TRUE(call_wait(&c, GIVE_UP))
		TH_LOG("the barrier still waits %.0f s after dsmd was killed",
		       GIVE_UP);
	pthread_join(c.th, NULL);
	TH_LOG("barrier: %s, %.1f s after dsmd was killed", strerror(-c.ret),
	       dsm_now() - t0);
	EXPECT_EQ(-EHOSTDOWN, c.ret);
	ASSERT_EQ(0, dsmd_restart(_metadata));
	EXPECT_EQ(0, dsm_barrier(BARRIER_ID));
	EXPECT_EQ(0, dsm_barrier(BARRIER_ID + 1));
	EXPECT_EQ(0, dsm_lock_acquire(LOCK_ID));
	EXPECT_EQ(0, dsm_lock_release(LOCK_ID));
}

TEST_HARNESS_MAIN

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_test.h - helpers shared by the dsm selftests.
 *
 * Multi-node tests run the same program on every node of the virtual
 * cluster at once; DSM_NODE_ID and DSM_NODES say who and how many.
 * dsm_test_sync(step) orders the steps of a test across nodes through
 * node 0 over plain TCP, independent of dsm (dsm_sync.h). Each sync names
 * its position in the run: the program's index in its group
 * (DSM_TEST_PROG_SEQ, from run_tests.sh), the test's index in the
 * program, and the step; so a node that fell behind, or went ahead after
 * a failure, fails only the test it is in and meets the others at the
 * next one, and the reason says where everyone was.
 *
 * In a TEST()/TEST_F() body (or a helper given _metadata):
 *
 *   dsm_test_begin();    every node at the start of this test; done by
 *                        the first dsm_test_sync() if not called before
 *   dsm_test_sync(step); every node at @step (1, 2, ...: increasing in a
 *                        test; a loop may repeat a step)
 *
 * Either ends the test like a failed ASSERT when the nodes do not meet,
 * after logging why ("node 2 never arrived at step 21 of
 * dsm_sc:sc.peterson (waited 240 s)"; "not run: ..." when the begin
 * failed).
 *
 * Timeouts nest. A test that syncs has the harness timeout
 * DSM_TEST_TIMEOUT(work): one sync timeout and @work seconds for its own
 * work, at most DSM_TEST_MAX_WORK. So a node that hangs in a test is
 * killed by its harness within a sync timeout and DSM_TEST_MAX_WORK,
 * while the others, who gave that test up after a sync timeout, wait for
 * it at the next test's begin for up to one more: a hang costs one test.
 * A program's timeout (settings) is above the sum of its tests'.
 *
 * Environment: DSM_TEST_TIME_FACTOR (a whole number from 1, default 1:
 * multiplies every bound in seconds of the tests, the harness's test
 * timeouts included, for slower kernels; dsm_test_secs()),
 * DSM_TEST_SYNC_TIMEOUT (seconds, at most the default 240, before the
 * factor), DSM_TEST_SYNC_PORT (default 7990), DSM_TEST_SLOW (make a test
 * slow on one node by hand: "program:fixture.test:node:seconds[,...]", a
 * sleep right after that test's begin, not scaled), DSM_TEST_PROG_SEQ and
 * DSM_TEST_PROG_TIMEOUT (set by run_tests.sh, the factor applied). See
 * Documentation/testing.md.
 */
#ifndef _DSM_TEST_H
#define _DSM_TEST_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/dsm.h>

#include "dsm_sync.h"

#define DSM_DEV			"/dev/dsm"
#define DSM_PAGE		4096
/* The last page of the DSM space, beyond any region tests create. */
#define DSM_FAR_OFFSET		((off_t)(DSM_SPACE_SIZE - DSM_PAGE))

#define DSM_TEST_SYNC_PORT	DSM_SYNC_PORT
#define DSM_TEST_SYNC_TIMEOUT	DSM_SYNC_TIMEOUT	/* seconds */
/*
 * A multi-node test's harness timeout: a sync's, and @work seconds, at
 * most DSM_TEST_MAX_WORK (checked at build time), so that a hung node is
 * killed before the others' wait for it at the next test's begin ends.
 * These are the bounds before DSM_TEST_TIME_FACTOR, which multiplies the
 * sync timeout and every test's timeout alike, so they nest as well.
 */
#define DSM_TEST_MAX_WORK	(DSM_TEST_SYNC_TIMEOUT - 30)
#define DSM_TEST_TIMEOUT(work)						\
	(DSM_TEST_SYNC_TIMEOUT + (work) +				\
	 0 * sizeof(char[(work) <= DSM_TEST_MAX_WORK ? 1 : -1]))
#define DSM_TEST_WHY		(DSM_SYNC_REASON + 64)

#ifdef __KSELFTEST_HARNESS_H

/*
 * Where this test process is. The harness forks a process per test and
 * never syncs itself, so each test starts from this initial state.
 */
struct dsm_test_state {
	struct __test_metadata *md;	/* the test this process runs */
	struct dsm_sync_pos pos;
	int begun;
	int lfd;			/* node 0: listener, for the test */
	double t0;			/* when the test first synced */
};

static struct dsm_test_state dsm_test_state __attribute__((unused)) = {
	.lfd = -1,
};

/* The factor the harness's test timeouts were multiplied by, or 0. */
static int dsm_test_scaled __attribute__((unused));


/* Has child @pid ended (without reaping it)? */
static inline bool dsm_child_ended(pid_t pid)
{
	siginfo_t si = { 0 };

	return waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT) ||
	       si.si_pid == pid;
}

/*
 * dsm_wait_child - the exit status of child @pid, or -1 if @pid < 0, if
 * it did not exit normally, or if it did not end within @secs seconds
 * times the time factor (it is then killed and reaped).
 */
static inline int dsm_wait_child(pid_t pid, int secs)
{
	double t0 = dsm_sync_now();
	int st;

	if (pid < 0)
		return -1;
	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (dsm_sync_now() - t0 > dsm_test_secs(secs)) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -1;
		}
		usleep(20000);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* DSM_TEST_SYNC_TIMEOUT (default and most 240 s) times the factor. */
static inline int dsm_test_sync_timeout(void)
{
	int t = dsm_test_env("DSM_TEST_SYNC_TIMEOUT");

	if (t <= 0 || t > DSM_TEST_SYNC_TIMEOUT)
		t = DSM_TEST_SYNC_TIMEOUT;
	return dsm_test_secs(t);
}

/*
 * The harness's test timeouts, times DSM_TEST_TIME_FACTOR. The harness
 * (kselftest_harness.h of 6.1, from Debian's linux-source) arms each
 * test's timeout in the parent process, from the test's metadata, when it
 * starts the test (alarm() in __wait_for_test()): a change in the test's
 * own process (a fixture's setup) would come too late and in the wrong
 * process. So they are scaled in main(), before
 * the first test: TEST_HARNESS_MAIN's main() calls test_harness_run(),
 * which becomes dsm_test_harness_run() below in every program that
 * includes this header after kselftest_harness.h. A bad factor is refused
 * here, before any test. dsm_test_check_timeouts() fails a test whose
 * timeouts were not scaled (a harness whose main() runs differently).
 * A test of a fixture with variants is in the lists once: scaled once.
 */
static inline int dsm_test_harness_run(int argc, char **argv)
{
	int factor = dsm_test_time_factor();
	struct __fixture_metadata *f;
	struct __test_metadata *t;

	for (f = __fixture_list; f; f = f->next)
		for (t = f->tests; t; t = t->next)
			t->timeout *= factor;
	dsm_test_scaled = factor;
	return (test_harness_run)(argc, argv);
}

#define test_harness_run(argc, argv)	dsm_test_harness_run(argc, argv)

/*
 * SKIP from a FIXTURE_SETUP. The harness of 6.1 goes on to the test's body
 * after a setup that returned with SKIP (it stops only on a failure), and
 * a body that finds no fixture crashes. A setup that skips leaves the way
 * a failed ASSERT does, by the harness's own jump: no body, no teardown,
 * the test reported as skipped with the reason.
 */
#define DSM_SETUP_SKIP(fmt, ...) \
	SKIP(longjmp(_metadata->env, 1), fmt, ##__VA_ARGS__)

static inline unsigned short dsm_test_sync_port(void)
{
	int p = dsm_test_env("DSM_TEST_SYNC_PORT");

	return p > 0 && p < 65536 ? p : DSM_TEST_SYNC_PORT;
}

/* Seconds since this test first synced. */
static inline double dsm_test_elapsed(void)
{
	return dsm_test_state.t0 ? dsm_sync_now() - dsm_test_state.t0 : 0;
}

/*
 * The index of test @md in the harness's run order (the loops of
 * test_harness_run(): fixtures, their variants, their tests), with its
 * fixture and variant. The harness counts the finished tests before it
 * forks each, so ksft_test_num() in a test's process is its index; that
 * finds the variant of a test run once per variant. If the lists do not
 * say so (another harness version), the first place of @md, or -1.
 */
static inline int dsm_test_index(struct __test_metadata *md,
				 const char **fixture, const char **variant)
{
	static struct __fixture_variant_metadata none = { .name = "" };
	int want = ksft_test_num(), pass, i;
	struct __fixture_variant_metadata *v;
	struct __fixture_metadata *f;
	struct __test_metadata *t;

	for (pass = 0; pass < 2; pass++) {
		i = 0;
		for (f = __fixture_list; f; f = f->next)
			for (v = f->variant ?: &none; v; v = v->next)
				for (t = f->tests; t; t = t->next, i++) {
					if (t != md || (!pass && i != want))
						continue;
					*fixture = f->name;
					*variant = v->name;
					return i;
				}
	}
	return -1;
}

/* The sum of the program's test timeouts, as the harness runs them. */
static inline int dsm_test_prog_budget(void)
{
	static struct __fixture_variant_metadata none = { .name = "" };
	struct __fixture_variant_metadata *v;
	struct __fixture_metadata *f;
	struct __test_metadata *t;
	int sum = 0;

	for (f = __fixture_list; f; f = f->next)
		for (v = f->variant ?: &none; v; v = v->next)
			for (t = f->tests; t; t = t->next)
				sum += t->timeout;
	return sum;
}

/*
 * The timeouts must nest: a test's own above its syncs', so that a sync
 * that fails says why before the harness kills the test; the program's
 * (run_tests.sh, settings) above the sum of its tests'.
 */
static inline int dsm_test_check_timeouts(struct __test_metadata *md,
					  char *why, size_t len)
{
	int prog = dsm_test_env("DSM_TEST_PROG_TIMEOUT");
	int sync = dsm_test_sync_timeout(), sum = dsm_test_prog_budget();

	if (dsm_test_scaled != dsm_test_time_factor()) {
		snprintf(why, len, "the harness's timeouts were not multiplied "
			 "by DSM_TEST_TIME_FACTOR (%d): main() did not call "
			 "test_harness_run()", dsm_test_time_factor());
		return -1;
	}
	if (md->timeout <= sync) {
		snprintf(why, len, "its timeout (%d s) is not above the sync "
			 "timeout (%d s): use DSM_TEST_TIMEOUT()", md->timeout,
			 sync);
		return -1;
	}
	if (prog > 0 && sum >= prog) {
		snprintf(why, len, "its program's tests may take %d s, the "
			 "program timeout (settings) is %d s", sum, prog);
		return -1;
	}
	return 0;
}

/* Set up the state of this test process at its first sync. */
static inline int dsm_test_enter(struct __test_metadata *md, char *why,
				 size_t len)
{
	struct dsm_test_state *s = &dsm_test_state;
	const char *fixture = "?", *variant = "";
	int prog = dsm_test_env("DSM_TEST_PROG_SEQ"), i;

	if (s->md == md)
		return 0;
	i = dsm_test_index(md, &fixture, &variant);
	if (i < 0) {
		snprintf(why, len, "test %s not found in the harness's lists",
			 md->name);
		return -1;
	}
	if (s->lfd >= 0)
		close(s->lfd);
	memset(s, 0, sizeof(*s));
	s->lfd = -1;
	s->md = md;
	s->t0 = dsm_sync_now();
	s->pos.prog = prog > 0 ? prog : 0;
	s->pos.test = i;
	snprintf(s->pos.name, sizeof(s->pos.name), "%s:%s%s%s.%s",
		 program_invocation_short_name, fixture, variant[0] ? "." : "",
		 variant, md->name);
	s->pos.hash = dsm_sync_hash(s->pos.name);
	return dsm_test_check_timeouts(md, why, len);
}

/*
 * DSM_TEST_SLOW="program:fixture.test:node:seconds[,...]": sleep right
 * after the begin of that test on that node, to make it slow by hand.
 */
static inline void dsm_test_slow(struct __test_metadata *_metadata)
{
	const char *env = getenv("DSM_TEST_SLOW");
	const char *name = dsm_test_state.pos.name;
	size_t n = strlen(name);
	char buf[512], *tok, *save;
	int node, secs;

	if (!env)
		return;
	snprintf(buf, sizeof(buf), "%s", env);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (strncmp(tok, name, n) ||
		    sscanf(tok + n, ":%d:%d", &node, &secs) != 2 ||
		    node != dsm_node_id_env() || secs <= 0)
			continue;
		TH_LOG("node %d: DSM_TEST_SLOW: sleeping %d s after the begin "
		       "of %s", node, secs, name);
		sleep(secs);
	}
}

/* Sync this test process at its position; a prefix for the reason. */
static inline int dsm_test_at(const char *prefix, char *why, size_t len)
{
	struct dsm_test_state *s = &dsm_test_state;
	char r[DSM_SYNC_REASON];

	if (!dsm_sync_at(dsm_test_sync_port(), &s->pos,
			 dsm_test_sync_timeout(), &s->lfd, r, sizeof(r)))
		return 0;
	snprintf(why, len, "node %d: %s: %s", dsm_node_id_env(), prefix, r);
	return -1;
}

static inline int __dsm_test_begin(struct __test_metadata *_metadata,
				   char *why, size_t len)
{
	const char *restarted = getenv("DSM_RESTARTED");
	char r[DSM_SYNC_REASON];

	if (dsm_test_enter(_metadata, r, sizeof(r))) {
		snprintf(why, len, "node %d: not run: %s", dsm_node_id_env(),
			 r);
		return -1;
	}
	if (dsm_test_state.begun)
		return 0;
	dsm_test_state.begun = 1;
	/* A node booted again by vc-restart joins its test in the middle. */
	if (restarted && !strcmp(restarted, "1"))
		return 0;
	dsm_test_state.pos.step = 0;
	if (dsm_test_at("not run", why, len))
		return -1;
	dsm_test_slow(_metadata);
	return 0;
}

static inline int __dsm_test_sync(struct __test_metadata *_metadata,
				  unsigned int step, char *why, size_t len)
{
	char prefix[64];

	if (!step) {
		snprintf(why, len, "step 0 is the begin's: number steps from 1");
		return -1;
	}
	if (__dsm_test_begin(_metadata, why, len))
		return -1;
	dsm_test_state.pos.step = step;
	snprintf(prefix, sizeof(prefix), "stopped at step %u", step);
	return dsm_test_at(prefix, why, len);
}

/* End the test like a failed ASSERT, saying why (at the caller's line). */
#define __DSM_TEST_CHECK(call) do {					\
	char __dsm_why[DSM_TEST_WHY];					\
									\
	if (call) {							\
		TH_LOG("%s", __dsm_why);				\
		_metadata->passed = 0;					\
		__bail(1, _metadata);					\
	}								\
} while (0)

#define dsm_test_begin()						\
	__DSM_TEST_CHECK(__dsm_test_begin(_metadata, __dsm_why,		\
					  sizeof(__dsm_why)))

#define dsm_test_sync(step)						\
	__DSM_TEST_CHECK(__dsm_test_sync(_metadata, (step), __dsm_why,	\
					 sizeof(__dsm_why)))

/*
 * In a long loop, log every @every iterations how far this node is, so
 * that a slow test can be told from a hung one:
 * "node 0: 100/300 iterations, 12.3 s" (seconds since the test's begin).
 */
#define dsm_test_progress(i, n, every, what) do {			\
	if ((every) > 0 && (i) > 0 && (i) % (every) == 0)		\
		TH_LOG("node %d: %d/%d %s, %.1f s", dsm_node_id_env(),	\
		       (int)(i), (int)(n), (what), dsm_test_elapsed());	\
} while (0)

#endif /* __KSELFTEST_HARNESS_H */

#endif /* _DSM_TEST_H */

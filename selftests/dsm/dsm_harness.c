// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_harness - the multi-node harness itself (dsm_test.h): a test that
 * is slow or fails on one node fails on every node, saying why, and costs
 * no other test.
 *
 * The failures happen in a child run, so that this program passes: on
 * every node at once it runs dsm_harness_child (on the sync port after its own,
 * so that the child's syncs never meet this program's, with a sync
 * timeout of CHILD_SYNC seconds, and DSM_TEST_SLOW making node 2, then
 * node 0, sleep CHILD_SLOW seconds after a test's begin; dsm_harness.h
 * has the time plan, all of it times DSM_TEST_TIME_FACTOR, which the
 * child inherits), and checks this node's share of the child's TAP
 * output: each failing test fails here with the reason this node must
 * give, and the test after it passes. A failure here says what the
 * child's test logged on this node: where this node and the others were.
 */
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "dsm_test.h"
#include "dsm_harness.h"

#define CHILD		"dsm_harness_child"
/* The child's sync port: the one after this program's (7991 by default). */
#define CHILD_PORT_AFTER	1
/*
 * s: the child run, at most (times the factor). It takes about 3 *
 * CHILD_SLOW and a few seconds of syncs: 140 s on 3 TCG nodes.
 */
#define CHILD_RUN_MAX	DSM_TEST_MAX_WORK
#define CHILD_OUT_MAX	(256 << 10)

#if 3 * CHILD_SLOW + 2 * CHILD_MARGIN > CHILD_RUN_MAX
#error "the child run may not fit in CHILD_RUN_MAX"
#endif

/*
 * What the child's test @test must show on node 0, 1 and 2: a pass, or a
 * failure with why[node] in its log ('?' stands for any one character).
 */
struct expect {
	const char *test;
	int ok;
	const char *why[3];
};

#define IN_CHILD(test)	CHILD ":child." test

static const struct expect expects[] = {
	{ "child.slow_node2", 0, {
		"stopped at step 1: node 2 never arrived at step 1 of "
		IN_CHILD("slow_node2"),
		"stopped at step 1: node 2 never arrived at step 1 of "
		IN_CHILD("slow_node2"),
		"stopped at step 1: node 0 is already at the begin of "
		IN_CHILD("after_slow_node2") } },
	{ "child.after_slow_node2", 1, { NULL } },
	/* node 2 hears of node 1 from node 0, or finds node 0 gone on */
	{ "child.fails_on_node1", 0, {
		"stopped at step 2: node 1 is already at the begin of "
		IN_CHILD("after_fail"),
		"node 1 fails here on purpose",
		"stopped at step 2: node ? is already at the begin of "
		IN_CHILD("after_fail") } },
	{ "child.after_fail", 1, { NULL } },
	{ "child.fails_before_begin", 0, {
		"not run: node 1 is already at the begin of "
		IN_CHILD("after_fail_before_begin"),
		"node 1 fails before the begin on purpose",
		"not run: node ? is already at the begin of "
		IN_CHILD("after_fail_before_begin") } },
	{ "child.after_fail_before_begin", 1, { NULL } },
	/* node 0 meets node 1 or node 2 first */
	{ "child.slow_node0", 0, {
		"stopped at step 1: node ? is already at the begin of "
		IN_CHILD("after_slow_node0"),
		"stopped at step 1: node 0 never came to step 1 of "
		IN_CHILD("slow_node0"),
		"stopped at step 1: node 0 never came to step 1 of "
		IN_CHILD("slow_node0") } },
	{ "child.after_slow_node0", 1, { NULL } },
	{ "child.hangs_on_node0", 0, {
		"hangs_on_node0: Test terminated by timeout",
		"stopped at step 2: node 0 never came to step 2 of "
		IN_CHILD("hangs_on_node0"),
		"stopped at step 2: node 0 never came to step 2 of "
		IN_CHILD("hangs_on_node0") } },
	{ "child.after_hang", 1, { NULL } },
};

FIXTURE(harness) {
	char *out;		/* the child run's output */
};

FIXTURE_SETUP(harness)
{
	dsm_test_begin();
}

FIXTURE_TEARDOWN(harness)
{
	free(self->out);
}

/* In the child process: run CHILD, from this program's directory. */
static void exec_child(int fd)
{
	char self[4096], path[4200], num[16], port[16], slow[256];
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		_exit(126);
	self[n] = '\0';
	snprintf(path, sizeof(path), "%s/%s", dirname(self), CHILD);
	dup2(fd, 1);
	dup2(fd, 2);
	snprintf(port, sizeof(port), "%d",
		 dsm_test_sync_port() + CHILD_PORT_AFTER);
	setenv("DSM_TEST_SYNC_PORT", port, 1);
	/* the child multiplies its sync timeout by the factor itself */
	snprintf(num, sizeof(num), "%d", CHILD_SYNC);
	setenv("DSM_TEST_SYNC_TIMEOUT", num, 1);
	setenv("DSM_TEST_PROG_SEQ", "0", 1);
	/* DSM_TEST_SLOW's sleeps are not scaled: the factor goes in here */
	snprintf(slow, sizeof(slow), "%s:child.slow_node2:2:%d,"
		 "%s:child.slow_node0:0:%d", CHILD, dsm_test_secs(CHILD_SLOW),
		 CHILD, dsm_test_secs(CHILD_SLOW));
	setenv("DSM_TEST_SLOW", slow, 1);
	execl(path, CHILD, (char *)NULL);
	_exit(127);
}

/*
 * Run the child; its output (NUL-terminated), wait status and wall time,
 * or NULL. At CHILD_RUN_MAX (times the factor) it is killed.
 */
static char *run_child(int *status, double *took)
{
	double t0 = dsm_sync_now();
	double deadline = t0 + dsm_test_secs(CHILD_RUN_MAX);
	char *out = calloc(1, CHILD_OUT_MAX);
	size_t got = 0;
	int p[2], ok;
	ssize_t n;
	pid_t pid;

	if (!out || pipe(p))
		return NULL;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		exec_child(p[1]);
	}
	close(p[1]);
	while (pid > 0 && got < CHILD_OUT_MAX - 1 &&
	       !dsm_sync_poll(p[0], POLLIN, deadline)) {
		n = read(p[0], out + got, CHILD_OUT_MAX - 1 - got);
		if (n <= 0)
			break;
		got += n;
	}
	close(p[0]);
	if (pid > 0)
		kill(pid, SIGKILL);	/* gone already, unless it hung */
	ok = pid > 0 && waitpid(pid, status, 0) == pid;
	*took = dsm_sync_now() - t0;
	if (!ok) {
		free(out);
		return NULL;
	}
	return out;
}

/*
 * In the child's output, test @test's lines: from its RUN line to its
 * result line (into @sec). Returns 1 if it passed, 0 if it failed, -1 if
 * it is not there.
 */
static int child_result(const char *out, const char *test, char *sec,
			size_t len)
{
	char run[128];
	const char *a, *line;
	size_t n;

	snprintf(run, sizeof(run), " %s ...\n", test);
	a = strstr(out, run);
	if (!a)
		return -1;
	for (line = a; (line = strchr(line, '\n')); ) {
		line++;
		if (!strncmp(line, "ok ", 3) || !strncmp(line, "not ok ", 7))
			break;
	}
	if (!line)
		return -1;
	n = line - a < (long)len - 1 ? (size_t)(line - a) : len - 1;
	memcpy(sec, a, n);
	sec[n] = '\0';
	return line[0] == 'o';
}

/* Does @s contain @pat, '?' in @pat matching any character? */
static int contains(const char *s, const char *pat)
{
	size_t i, n = strlen(pat);

	for (; *s; s++) {
		for (i = 0; i < n && s[i]; i++)
			if (pat[i] != '?' && pat[i] != s[i])
				break;
		if (i == n)
			return 1;
	}
	return 0;
}

/*
 * What test section @sec logged, the harness's RUN, OK and FAIL lines
 * left out, on one line into @buf: where this node and the others were
 * ("...:after_hang:node 1: not run: node 0 never came to the begin of
 * ... (waited 30 s) | # after_hang: Test failed at step #1").
 */
static const char *said(const char *sec, char *buf, size_t len)
{
	const char *line, *end, *w;
	size_t n = 0, l;

	buf[0] = '\0';
	for (line = sec; *line && n + 1 < len; line = *end ? end + 1 : end) {
		end = strchrnul(line, '\n');
		if (line[0] != '#')
			continue;
		for (w = line + 1; *w == ' '; w++)
			;
		if (!strncmp(w, "RUN ", 4) || !strncmp(w, "OK ", 3) ||
		    !strncmp(w, "FAIL ", 5))
			continue;
		l = end - line;
		n += snprintf(buf + n, len - n, "%s%.*s", n ? " | " : "",
			      (int)l, line);
	}
	return buf[0] ? buf : "nothing";
}

/* The last test the child began, from its output. */
static const char *last_run(const char *out, char *buf, size_t len)
{
	const char *a, *p = NULL;

	for (a = out; (a = strstr(a, " RUN ")); a++)
		p = a;
	if (!p || sscanf(p, " RUN %127s", buf) != 1 || len < 128)
		snprintf(buf, len, "none");
	return buf;
}

/* Log the child's output, one line at a time, for whoever reads ours. */
static void log_child(struct __test_metadata *_metadata, char *out)
{
	char *line, *save;

	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		TH_LOG("child| %s", line);
}

TEST_F_TIMEOUT(harness, independent_tests, DSM_TEST_TIMEOUT(CHILD_RUN_MAX))
{
	int node = dsm_node_id_env(), status = 0, ret;
	char sec[8192], buf[2048], last[128], *copy;
	double took = 0;
	size_t i;

	if (dsm_nodes_env() != 3)
		SKIP(return, "needs DSM_NODES=3");
	self->out = run_child(&status, &took);
	ASSERT_NE(NULL, self->out) TH_LOG("node %d: cannot run %s", node,
					  CHILD);
	copy = strdup(self->out);
	ASSERT_NE(NULL, copy);
	log_child(_metadata, copy);
	free(copy);
	TH_LOG("node %d: %s ran %.1f s (bound %d s)", node, CHILD, took,
	       dsm_test_secs(CHILD_RUN_MAX));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == KSFT_FAIL)
		TH_LOG("node %d: %s: wait status %#x, not a failed run%s%s",
		       node, CHILD, status, WIFSIGNALED(status) ?
		       ": killed at its bound in " : "", WIFSIGNALED(status) ?
		       last_run(self->out, last, sizeof(last)) : "");
	for (i = 0; i < ARRAY_SIZE(expects); i++) {
		const struct expect *e = &expects[i];

		ret = child_result(self->out, e->test, sec, sizeof(sec));
		EXPECT_EQ(e->ok, ret) TH_LOG("node %d: %s: %s, expected %s; "
					     "it said: %s", node, e->test,
					     ret < 0 ? "missing" : ret ?
					     "passed" : "failed", e->ok ?
					     "a pass" : "a failure", ret < 0 ?
					     "nothing" : said(sec, buf,
							      sizeof(buf)));
		if (!e->ok && ret == 0)
			EXPECT_TRUE(contains(sec, e->why[node]))
				TH_LOG("node %d: %s failed without \"%s\"; it "
				       "said: %s", node, e->test, e->why[node],
				       said(sec, buf, sizeof(buf)));
	}
	dsm_test_sync(1);
}

TEST_HARNESS_MAIN

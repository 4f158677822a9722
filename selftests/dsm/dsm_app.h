/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_app.h - one of the applications (tools/bench/apps) running on the
 * members while a test changes the cluster (dsm_join's node add,
 * dsm_leave's node del; issue 15 "Done when" #2): dict, the shared hash
 * map in the default sc region, with APP_UNTIL: after building and
 * verifying its map it writes and checks it in rounds until the test
 * creates the file APP_UNTIL names, then verifies again and exits 0 only
 * if every lookup found its value (node 0 prints "verify=ok"). Its
 * pages (128 MiB of the default region on) are no other program's.
 * Include it after kselftest_harness.h: dsm_app_begin() and
 * dsm_app_end() check with the harness's macros.
 */
#ifndef _DSM_APP_H
#define _DSM_APP_H

#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dsm_test.h"
#include "dsm_shell.h"

#define DSM_APP_DIR	"/usr/lib/dsm/bench"
#define DSM_APP_OUT	"/tmp/dsm-app.out"
#define DSM_APP_UNTIL	"/tmp/dsm-app.until"
/*
 * 16 keys per node and 16 shared: a map of one page (and its head) that
 * every node writes and reads each round, so that each round takes the
 * page from the others; 100 timed lookups per read phase.
 */
#define DSM_APP_ARGS	"-r 100 16"

/*
 * dsm_app_start - start dict in the background on this node, as one of
 * @nodes (nodes 0 .. @nodes - 1 run it, each calls this). Its output
 * goes to DSM_APP_OUT. Returns its pid, or -1.
 */
static inline pid_t dsm_app_start(int nodes)
{
	char n[16];
	pid_t pid;
	int fd;

	unlink(DSM_APP_UNTIL);
	fd = open(DSM_APP_OUT, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	pid = fork();
	if (pid) {
		close(fd);
		return pid;
	}
	snprintf(n, sizeof(n), "%d", nodes);
	if (dup2(fd, 1) < 0 || dup2(fd, 2) < 0 ||
	    setenv("DSM_NODES", n, 1) || setenv("APP_UNTIL", DSM_APP_UNTIL, 1))
		_exit(125);
	execl("/bin/sh", "sh", "-c", "exec " DSM_APP_DIR "/dict " DSM_APP_ARGS,
	      (char *)NULL);
	_exit(127);
}

/* Does DSM_APP_OUT (a few lines: dict prints about 1 KiB) hold @what? */
static inline bool dsm_app_said(const char *what)
{
	char buf[16384];

	return !dsm_read_file(DSM_APP_OUT, buf, sizeof(buf)) &&
	       strstr(buf, what);
}

/* Is child @pid still running (not exited, not reaped either)? */
static inline bool dsm_app_running(pid_t pid)
{
	return pid > 0 && !dsm_child_ended(pid);
}

/* End child @pid if it still runs (a test that failed before its end). */
static inline void dsm_app_kill(pid_t pid)
{
	if (pid > 0 && !kill(pid, SIGKILL))
		waitpid(pid, NULL, 0);
}

/*
 * dsm_app_rounds_within - has dict started its rounds (built and verified
 * its map) within @secs seconds times the time factor, and is it still
 * running?
 */
static inline bool dsm_app_rounds_within(pid_t pid, double secs)
{
	double t0 = dsm_sync_now();

	while (!dsm_app_said("rounds until")) {
		if (!dsm_app_running(pid) ||
		    dsm_sync_now() - t0 > dsm_test_secs(secs))
			return false;
		usleep(100000);
	}
	return dsm_app_running(pid);
}

/*
 * dsm_app_finish - end dict's rounds and wait for it (@secs seconds
 * times the time factor): its exit status (0: every lookup right, and
 * node 0 verified the map), or -1 (see dsm_wait_child()).
 */
static inline int dsm_app_finish(pid_t pid, int secs)
{
	int fd = open(DSM_APP_UNTIL, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd >= 0)
		close(fd);
	return dsm_wait_child(pid, secs);
}

/*
 * dict's output (its last 600 bytes), on one line ("|" between its
 * lines), for the test's log.
 */
static inline const char *dsm_app_tail(char *buf, size_t len)
{
	int fd = open(DSM_APP_OUT, O_RDONLY | O_CLOEXEC);
	off_t end;
	ssize_t n, i;

	buf[0] = 0;
	if (fd < 0)
		return buf;
	end = lseek(fd, 0, SEEK_END);
	n = end < 0 ? -1 : pread(fd, buf, len - 1,
				 end > (off_t)len - 1 ? end - (off_t)len + 1 : 0);
	close(fd);
	if (n <= 0)
		return buf;
	buf[n] = 0;
	for (i = 0; i < n; i++)
		if (buf[i] == '\n')
			buf[i] = '|';
	return n > 600 ? buf + n - 600 : buf;
}

/*
 * dsm_app_begin - start dict on this node, node @node of @nodes, and wait
 * until it runs its rounds; *@app: its pid (for dsm_app_end(), and for
 * the fixture's teardown to kill it if the test fails before the end).
 */
static inline void dsm_app_begin(struct __test_metadata *_metadata,
				 int node, int nodes, pid_t *app)
{
	char out[1024];

	*app = dsm_app_start(nodes);
	ASSERT_LT(0, *app);
	ASSERT_TRUE(dsm_app_rounds_within(*app, 120))
		TH_LOG("node %d: dict did not reach its rounds: %s", node,
		       dsm_app_tail(out, sizeof(out)));
	TH_LOG("node %d: dict's rounds at %.1f s", node, dsm_test_elapsed());
}

/*
 * dsm_app_end - dict ran through @what (the change the test made): it must
 * still be running; end its rounds, and it must exit 0 (and say
 * "verify=ok" on node 0). *@app is -1 afterwards.
 */
static inline void dsm_app_end(struct __test_metadata *_metadata, int node,
			       pid_t *app, const char *what)
{
	char out[1024];

	EXPECT_TRUE(dsm_app_running(*app))
		TH_LOG("node %d: dict ended during the %s: %s", node, what,
		       dsm_app_tail(out, sizeof(out)));
	EXPECT_EQ(0, dsm_app_finish(*app, 120))
		TH_LOG("node %d: dict failed: %s", node,
		       dsm_app_tail(out, sizeof(out)));
	*app = -1;
	TH_LOG("node %d: %s", node, dsm_app_tail(out, sizeof(out)));
	if (node == 0)
		EXPECT_TRUE(dsm_app_said("verify=ok"))
			TH_LOG("node 0: dict's result: %s",
			       dsm_app_tail(out, sizeof(out)));
}

#endif /* _DSM_APP_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_shell.h - run dsmctl, dsmd and jq from the selftests, as an
 * administrator would, and capture what they print; read the module's
 * counters.
 */
#ifndef _DSM_SHELL_H
#define _DSM_SHELL_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dsm_counter.h"

/*
 * dsm_sh - run a shell command line (printf format) with stderr joined to
 * stdout; its output, trimmed of trailing newlines, goes to @out. Returns
 * the exit status, or -1 if it could not run or was killed.
 */
static inline int dsm_sh(char *out, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline int dsm_sh(char *out, size_t len, const char *fmt, ...)
{
	char body[2048], cmd[2100];
	size_t n = 0;
	va_list ap;
	FILE *f;
	int st;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	/* Every command's stderr, also in a pipeline, goes to @out. */
	snprintf(cmd, sizeof(cmd), "{ %s\n} 2>&1", body);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	if (out && len) {
		n = fread(out, 1, len - 1, f);
		out[n] = '\0';
		while (n && out[n - 1] == '\n')
			out[--n] = '\0';
	}
	while (fgetc(f) != EOF)
		;
	st = pclose(f);
	if (st < 0 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static inline double dsm_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * dsm_monitor_start - start `dsmctl -j monitor` with its output in @log
 * (truncated). Returns its pid (the caller ends it: SIGTERM, waitpid()),
 * or -1 if fork() failed.
 */
static inline pid_t dsm_monitor_start(const char *log)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, 1);
		execlp("dsmctl", "dsmctl", "-j", "monitor", (char *)NULL);
		_exit(127);
	}
	return pid;
}

/*
 * dsm_sh_until - run the command line every 100 ms until it exits 0 or
 * @timeout seconds pass. Returns the seconds it took, or -1 on timeout
 * (@out then holds the last output).
 */
#define dsm_sh_until(timeout, out, len, ...) ({				\
	double __t0 = dsm_now(), __ret = -1;				\
									\
	for (;;) {							\
		if (dsm_sh(out, len, __VA_ARGS__) == 0) {		\
			__ret = dsm_now() - __t0;			\
			break;						\
		}							\
		if (dsm_now() - __t0 > (timeout))			\
			break;						\
		usleep(100000);						\
	}								\
	__ret;								\
})

/*
 * dsm_node_down_within - wait at most @timeout seconds for this node's
 * dsmd to report node @id down. Returns the seconds it took, or -1 on
 * timeout (@out then holds dsmctl's last output).
 */
static inline double dsm_node_down_within(double timeout, int id, char *out,
					  size_t len)
{
	return dsm_sh_until(timeout, out, len,
			    "dsmctl -j node show %d | jq -e '.state == \"down\"'",
			    id);
}

/*
 * dsm_gc_retry - after a barrier at which a node joins lrc (its arrival
 * makes the barrier collect garbage: Documentation/lrc.md, "Joining at
 * run time"): false once lrc_gc_runs moved from @gc0 (it joined) or
 * *@tries reached @max; else true, a second later, which gives the
 * joining node's arrival that long to reach the barrier's manager
 * before the next try. (The tries were that far apart while a counter
 * read cost a second.)
 */
static inline bool dsm_gc_retry(long gc0, int *tries, int max)
{
	if (dsm_counter("lrc_gc_runs") != gc0 || ++*tries >= max)
		return false;
	sleep(1);
	return true;
}

/*
 * dsm_read_file - the contents of a small file (a module parameter in
 * sysfs), trailing newlines trimmed, into @buf. Returns 0 or -errno.
 */
static inline int dsm_read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return 0;
}

/* dsm_write_file - write @val to @path (a sysfs file). 0 or -errno. */
static inline int dsm_write_file(const char *path, const char *val)
{
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	if (n < 0)
		return -errno;
	return n == (ssize_t)strlen(val) ? 0 : -EIO;
}

/* sc's background write-back period, a module parameter (sc.md). */
#define DSM_WRITEBACK_MS	"/sys/module/dsm/parameters/writeback_ms"

/*
 * dsm_writeback_set - set this node's write-back period to @ms (0: off;
 * a pass in progress ends before the write returns). Returns the period
 * it had, or -1 if the parameter cannot be read or written. A test whose
 * figures assume nobody else got a frame of the pages it writes (grants
 * received in place) turns it off, and sets the old value back at its end.
 */
static inline long dsm_writeback_set(long ms)
{
	char old[32], val[32];

	if (dsm_read_file(DSM_WRITEBACK_MS, old, sizeof(old)))
		return -1;
	snprintf(val, sizeof(val), "%ld", ms);
	if (dsm_write_file(DSM_WRITEBACK_MS, val))
		return -1;
	return atol(old);
}

#endif /* _DSM_SHELL_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sc_common.h - what the unmodified (sc) application programs share.
 *
 * These programs use dsm the way an unmodified program does: open
 * /dev/dsm, mmap the default sc region at offset 0 with MAP_SHARED, and
 * use ordinary loads, stores and atomic instructions. Nothing else of dsm.
 *
 * To start and end their phases together they use app_sync(), a barrier
 * over plain TCP through node 0 (independent of dsm, like the selftests'
 * dsm_test_sync(), but on its own port and with a timeout the caller
 * chooses, since a phase of a benchmark can be long under TCG).
 */
#ifndef _SC_COMMON_H
#define _SC_COMMON_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define APP_DEV		"/dev/dsm"
#define APP_PAGE	4096UL
#define APP_MAX_NODES	8
#define APP_SYNC_PORT	7993
#define APP_SYNC_TIMEOUT 600	/* seconds: a phase may be long under TCG */

/* Parse a decimal environment variable in [0, 1000]; -1 if absent/bad. */
static inline int app_env(const char *name)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (!v || !*v)
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n < 0 || n > 1000)
		return -1;
	return (int)n;
}

/*
 * Parse a positive decimal argument in [min, max]; returns 0 or -1.
 * Rejects signs, trailing characters and overflow.
 */
static inline int app_arg(const char *s, unsigned long min,
			  unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static inline double app_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* This node's id and the node count from vcluster's environment. */
static inline int app_nodes_env(int *id, int *nodes)
{
	*id = app_env("DSM_NODE_ID");
	*nodes = app_env("DSM_NODES");
	if (*id < 0 || *nodes < 1 || *nodes > APP_MAX_NODES || *id >= *nodes)
		return -1;
	return 0;
}

/*
 * Map @len bytes of the default sc region at @off (page aligned).
 * APP_DEV_OVERRIDE in the environment names another file to map instead
 * (a file in /dev/shm, for trying a program's logic on the build machine
 * with several processes; see Documentation/benchmarks.md).
 */
static inline void *app_map(off_t off, size_t len)
{
	const char *dev = getenv("APP_DEV_OVERRIDE");
	void *p;
	int fd;

	if (!dev || !*dev)
		dev = APP_DEV;
	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "open %s: %s\n", dev, strerror(errno));
		return NULL;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);
	close(fd);
	if (p == MAP_FAILED) {
		perror("mmap " APP_DEV);
		return NULL;
	}
	return p;
}

static inline int app_addr(int id, struct sockaddr_in *sa)
{
	const char *net = getenv("VCLUSTER_NET");
	char buf[64];

	if (!net)
		net = "10.213.0";
	snprintf(buf, sizeof(buf), "%s.%d", net, id + 1);
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons(APP_SYNC_PORT);
	return inet_pton(AF_INET, buf, &sa->sin_addr) == 1 ? 0 : -1;
}

static inline int app_poll(int fd, short ev, time_t deadline)
{
	struct pollfd p = { .fd = fd, .events = ev };
	time_t now = time(NULL);

	if (now >= deadline)
		return -1;
	return poll(&p, 1, (int)(deadline - now) * 1000) == 1 ? 0 : -1;
}

/*
 * app_sync - wait until every node has called app_sync(@step), at most
 * @timeout seconds. Node 0 accepts one connection per other node, checks
 * that each names the same step, and answers them all once all have come.
 * Returns 0, or -1 on timeout, a mismatched step or a network error.
 */
static inline int app_sync(unsigned int step, int timeout)
{
	int id, n, fds[APP_MAX_NODES], s, one = 1, ret = -1, got = 0, i;
	time_t deadline = time(NULL) + timeout;
	struct sockaddr_in sa;
	unsigned int msg;

	if (app_nodes_env(&id, &n) || app_addr(0, &sa))
		return -1;
	if (n == 1)
		return 0;
	if (id == 0) {
		s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0)
			return -1;
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		sa.sin_addr.s_addr = htonl(INADDR_ANY);
		if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) ||
		    listen(s, APP_MAX_NODES))
			goto out;
		while (got < n - 1) {
			if (app_poll(s, POLLIN, deadline))
				goto out;
			fds[got] = accept4(s, NULL, NULL, SOCK_CLOEXEC);
			if (fds[got] < 0)
				goto out;
			got++;
			if (app_poll(fds[got - 1], POLLIN, deadline) ||
			    read(fds[got - 1], &msg, sizeof(msg)) !=
			    sizeof(msg) || msg != step)
				goto out;
		}
		/* Refuse early comers of the next step before answering. */
		close(s);
		s = -1;
		ret = 0;
		for (i = 0; i < got; i++)
			if (write(fds[i], &step, sizeof(step)) != sizeof(step))
				ret = -1;
out:
		while (got > 0)
			close(fds[--got]);
		if (s >= 0)
			close(s);
		return ret;
	}
	for (;;) {
		s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0)
			return -1;
		if (!connect(s, (struct sockaddr *)&sa, sizeof(sa)))
			break;
		close(s);
		if (time(NULL) >= deadline)
			return -1;
		usleep(20000);
	}
	if (write(s, &step, sizeof(step)) == sizeof(step) &&
	    !app_poll(s, POLLIN, deadline) &&
	    read(s, &msg, sizeof(msg)) == sizeof(msg) && msg == step)
		ret = 0;
	close(s);
	return ret;
}

#endif /* _SC_COMMON_H */

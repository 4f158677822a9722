/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sc_common.h - what the unmodified (sc) application programs share.
 *
 * These programs use dsm the way an unmodified program does: open
 * /dev/dsm, mmap the default sc region at offset 0 with MAP_SHARED, and
 * use ordinary loads, stores and atomic instructions. Nothing else of dsm.
 *
 * To start and end their phases together they use app_sync(), a barrier
 * over plain TCP through node 0 (independent of dsm: dsm_sync_port() of
 * selftests/dsm/dsm_sync.h, as the selftests use, but on its own port and
 * with a timeout the caller chooses, since a phase of a benchmark can be
 * long under TCG).
 */
#ifndef _SC_COMMON_H
#define _SC_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "dsm_test.h"	/* dsm_sync_port() */

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

/*
 * Messages this node's kernel has sent so far: the sum of the msg_tx_*
 * counters `dsmctl -j stats` prints (an unprivileged query), or -1 if
 * they cannot be read (no dsmctl, as on the build machine).
 */
static inline long long app_msgs_sent(void)
{
	FILE *f = popen("dsmctl -j stats 2>/dev/null", "r");
	long long sum = 0, v;
	char buf[65536], *p;
	size_t n;
	int found = 0;

	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	if (pclose(f) != 0)
		return -1;
	for (p = buf; (p = strstr(p, "\"msg_tx_")); p++) {
		p = strchr(p, ':');
		if (!p || sscanf(p + 1, "%lld", &v) != 1)
			return -1;
		sum += v;
		found = 1;
	}
	return found ? sum : -1;
}

/*
 * app_sync - wait until every node has called app_sync(@step), at most
 * @timeout seconds, through node 0 (dsm_sync.h: a node at another step
 * fails at once, or makes node 0 give the step up). Returns 0, or -1
 * after printing why (a timeout says which node never arrived).
 */
static inline int app_sync(unsigned int step, int timeout)
{
	return dsm_sync_port(APP_SYNC_PORT, step, timeout);
}

#endif /* _SC_COMMON_H */

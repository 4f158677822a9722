/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_test.h - helpers shared by the dsm selftests.
 *
 * Multi-node tests run the same program on every node of the virtual
 * cluster at once; DSM_NODE_ID and DSM_NODES say who and how many.
 * dsm_test_sync() is a barrier over plain TCP, independent of dsm, for
 * ordering the steps of a test across nodes.
 */
#ifndef _DSM_TEST_H
#define _DSM_TEST_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/dsm.h>

#define DSM_DEV			"/dev/dsm"
#define DSM_PAGE		4096
/* The last page of the DSM space, beyond any region tests create. */
#define DSM_FAR_OFFSET		((off_t)(DSM_SPACE_SIZE - DSM_PAGE))

#define DSM_TEST_SYNC_PORT	7990
#define DSM_TEST_SYNC_TIMEOUT	60	/* seconds */

static inline int dsm_test_env(const char *name)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (!v || !*v)
		return -1;
	n = strtol(v, &end, 10);
	if (*end || n < 0 || n > 1000)
		return -1;
	return (int)n;
}

static inline int dsm_node_id_env(void)
{
	return dsm_test_env("DSM_NODE_ID");
}

static inline int dsm_nodes_env(void)
{
	return dsm_test_env("DSM_NODES");
}

/* IPv4 address of node @id on the virtual cluster's network. */
static inline int dsm_test_node_addr(int id, struct sockaddr_in *sa)
{
	const char *net = getenv("VCLUSTER_NET");
	char buf[64];

	if (!net)
		net = "10.213.0";
	snprintf(buf, sizeof(buf), "%s.%d", net, id + 1);
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons(DSM_TEST_SYNC_PORT);
	return inet_pton(AF_INET, buf, &sa->sin_addr) == 1 ? 0 : -1;
}

static inline int dsm_test_poll(int fd, short ev, time_t deadline)
{
	struct pollfd p = { .fd = fd, .events = ev };
	time_t now = time(NULL);

	if (now >= deadline)
		return -1;
	return poll(&p, 1, (int)(deadline - now) * 1000) == 1 ? 0 : -1;
}

/*
 * dsm_test_sync_port - wait until every node has called it with @step on
 * TCP @port, at most @timeout seconds. Node 0 collects one connection per
 * other node, checks they all name the same step, then answers them all.
 * Returns 0, or -1 on timeout, on a mismatched step or on a network
 * error. The benchmarks' app_sync() uses it on a port of their own.
 */
static inline int dsm_test_sync_port(unsigned short port, unsigned int step,
				     int timeout)
{
	int id = dsm_node_id_env(), n = dsm_nodes_env();
	time_t deadline = time(NULL) + timeout;
	struct sockaddr_in sa;
	unsigned int msg, i;
	int fds[16], s, one = 1, ret = -1;

	if (id < 0 || n < 1 || n > 16 || id >= n)
		return -1;
	if (n == 1)
		return 0;
	if (dsm_test_node_addr(0, &sa))
		return -1;
	sa.sin_port = htons(port);
	if (id == 0) {
		int got = 0;

		s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0)
			return -1;
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		sa.sin_addr.s_addr = htonl(INADDR_ANY);
		if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) ||
		    listen(s, 16))
			goto out_listen;
		while (got < n - 1) {
			if (dsm_test_poll(s, POLLIN, deadline))
				goto out_conns;
			fds[got] = accept4(s, NULL, NULL, SOCK_CLOEXEC);
			if (fds[got] < 0)
				goto out_conns;
			got++;
			if (dsm_test_poll(fds[got - 1], POLLIN, deadline) ||
			    read(fds[got - 1], &msg, sizeof(msg)) !=
			    sizeof(msg) || msg != step)
				goto out_conns;
		}
		/*
		 * Stop listening before answering, so that a node racing
		 * ahead to the next step is refused (and retries) instead of
		 * landing in this step's backlog.
		 */
		close(s);
		s = -1;
		ret = 0;
		for (i = 0; i < (unsigned int)got; i++)
			if (write(fds[i], &step, sizeof(step)) != sizeof(step))
				ret = -1;
out_conns:
		while (got > 0)
			close(fds[--got]);
out_listen:
		if (s >= 0)
			close(s);
		return ret;
	}
	/* Other nodes: connect to node 0, retrying until it listens. */
	for (;;) {
		s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0)
			return -1;
		if (!connect(s, (struct sockaddr *)&sa, sizeof(sa)))
			break;
		close(s);
		if (time(NULL) >= deadline)
			return -1;
		usleep(50000);
	}
	if (write(s, &step, sizeof(step)) == sizeof(step) &&
	    !dsm_test_poll(s, POLLIN, deadline) &&
	    read(s, &msg, sizeof(msg)) == sizeof(msg) && msg == step)
		ret = 0;
	close(s);
	return ret;
}

/* The selftests' barrier: dsm_test_sync_port() on DSM_TEST_SYNC_PORT. */
static inline int dsm_test_sync(unsigned int step)
{
	return dsm_test_sync_port(DSM_TEST_SYNC_PORT, step,
				  DSM_TEST_SYNC_TIMEOUT);
}

#endif /* _DSM_TEST_H */

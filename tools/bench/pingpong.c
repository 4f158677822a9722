// SPDX-License-Identifier: GPL-2.0
/*
 * pingpong.c - the TCP connection between nodes 0 and 1 and its round
 * trips, shared by fault_latency and lrc_sync (pingpong.h).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dsm_test.h"	/* dsm_test_node_addr() */
#include "pingpong.h"

/* Microseconds on the monotonic clock. */
double pp_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Read (@wr 0) or write (@wr 1) exactly @len bytes; -1 on error or EOF. */
int pp_full(int fd, void *buf, size_t len, int wr)
{
	char *p = buf;

	while (len) {
		ssize_t n = wr ? write(fd, p, len) : read(fd, p, len);

		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

/*
 * Connect node 0 to node 1: node 1 listens on @port, both meet at
 * @sync(@step), then node 0 connects and node 1 accepts. TCP_NODELAY is
 * set. Returns the socket, or -1 with errno set and *@what naming the
 * step that failed ("listen", "sync", "connect", "accept").
 */
int pp_pair(int node, unsigned short port, int (*sync)(unsigned int step),
	    unsigned int step, const char **what)
{
	struct sockaddr_in sa;
	int s, c, one = 1;

	dsm_test_node_addr(1, &sa);
	sa.sin_port = htons(port);
	if (node == 1) {
		*what = "listen";
		s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0)
			return -1;
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		sa.sin_addr.s_addr = htonl(INADDR_ANY);
		if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) ||
		    listen(s, 1)) {
			close(s);
			return -1;
		}
		*what = "sync";
		if (sync(step)) {
			close(s);
			return -1;
		}
		*what = "accept";
		c = accept(s, NULL, NULL);
		close(s);
	} else {
		*what = "sync";
		if (sync(step))
			return -1;
		*what = "connect";
		c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (c < 0)
			return -1;
		if (connect(c, (struct sockaddr *)&sa, sizeof(sa))) {
			close(c);
			return -1;
		}
	}
	if (c < 0)
		return -1;
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return c;
}

/*
 * One round trip of @len bytes over @c, from node 0 (node 1 echoes it
 * in its pp_rtt()): its time in *@us. Returns 0, or -1 with *@what.
 */
int pp_ping(int c, size_t len, double *us, const char **what)
{
	char buf[PP_MSG_MAX];
	double t;

	*what = "ping";
	if (len > sizeof(buf)) {
		*what = "size";
		errno = EINVAL;
		return -1;
	}
	memset(buf, 0x5a, len);
	t = pp_now_us();
	if (pp_full(c, buf, len, 1) || pp_full(c, buf, len, 0))
		return -1;
	*us = pp_now_us() - t;
	return 0;
}

/*
 * Round trips of @len bytes over @c: node 0 sends and waits for the echo,
 * node 1 echoes. After PP_WARMUP unmeasured ones, node 0 stores the
 * times of @n more in @v (microseconds; node 1 leaves @v alone). Returns
 * 0, or -1 with *@what "ping" (node 0) or "echo" (node 1) when the
 * connection failed, or "size" if @len > PP_MSG_MAX.
 */
int pp_rtt(int c, int node, size_t len, double *v, int n, const char **what)
{
	char buf[PP_MSG_MAX];
	double t;
	int i;

	if (len > sizeof(buf)) {
		*what = "size";
		errno = EINVAL;
		return -1;
	}
	*what = node == 1 ? "echo" : "ping";
	for (i = -PP_WARMUP; i < n; i++) {
		if (node != 1) {
			if (pp_ping(c, len, &t, what))
				return -1;
			if (i >= 0)
				v[i] = t;
		} else if (pp_full(c, buf, len, 0) || pp_full(c, buf, len, 1)) {
			return -1;
		}
	}
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_sync.h - a barrier across the nodes of the virtual cluster over
 * plain TCP, independent of dsm, for ordering the steps of multi-node
 * tests and benchmarks.
 *
 * Every call names a position: (program, test, step), compared in that
 * order, with a name ("dsm_sc:sc.peterson") for the messages and a hash
 * of the name as a sanity check. Node 0 coordinates: during each of its
 * own calls it takes one ARRIVE message per other node on the port.
 *
 *  - A node at node 0's position is counted (node 0 answers WAIT); once
 *    every node is counted, node 0 answers OK to all.
 *  - A node behind node 0's position gets FAIL at once ("node 0 is already
 *    at ..."): it missed a step that node 0 has passed or given up.
 *  - A node ahead of node 0's position skipped this step: node 0 gives the
 *    step up ("node 2 is already at ..."), answers FAIL with that reason
 *    to every node counted at it, and RETRY to the node ahead, which tries
 *    again until its own deadline (node 0 soon comes to its position).
 *  - At node 0's deadline the counted nodes get FAIL "node 2 never
 *    arrived at step 21 of dsm_sc:sc.peterson (waited 240 s)".
 *
 * A node other than 0 gives up at its own deadline, unless node 0 has
 * counted it: then it waits for node 0's verdict, which comes by node 0's
 * deadline. Every failure leaves a one-line reason for the caller.
 *
 * The selftests go through dsm_test.h (positions from the harness); the
 * benchmarks call dsm_sync_port() or dsm_sync(), at position (0, 0, step).
 */
#ifndef _DSM_SYNC_H
#define _DSM_SYNC_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DSM_SYNC_PORT		7990
#define DSM_SYNC_TIMEOUT	240	/* seconds, times dsm_test_time_factor() */
#define DSM_SYNC_IO_TIMEOUT	10	/* s: one message on a connection, too */
#define DSM_SYNC_MAX_NODES	16
#define DSM_SYNC_MAGIC		0x64736d32	/* "dsm2" */
#define DSM_SYNC_NAME		96
#define DSM_SYNC_REASON		320

enum dsm_sync_type {
	DSM_SYNC_ARRIVE = 1,	/* node -> 0: I am at this position */
	DSM_SYNC_WAIT,		/* 0 -> node: counted; wait for the verdict */
	DSM_SYNC_OK,		/* 0 -> node: every node is here */
	DSM_SYNC_FAIL,		/* 0 -> node: failed; the reason says why */
	DSM_SYNC_RETRY,		/* 0 -> node: you are ahead; try again */
};

struct dsm_sync_pos {
	uint32_t prog;		/* the program's index in its group */
	uint32_t test;		/* the test's index in the program */
	uint32_t step;		/* 0: the test's begin */
	uint32_t hash;		/* of name */
	char name[DSM_SYNC_NAME];	/* "dsm_sc:sc.peterson", or "" */
};

/* On the wire; integers in network byte order. */
struct dsm_sync_msg {
	uint32_t magic;
	uint32_t type;
	uint32_t node;
	uint32_t prog, test, step, hash;
	uint32_t reserved;
	char name[DSM_SYNC_NAME];
	char reason[DSM_SYNC_REASON];
};

static inline int dsm_test_env(const char *name)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (!v || !*v)
		return -1;
	n = strtol(v, &end, 10);
	if (*end || n < 0 || n > 100000)
		return -1;
	return (int)n;
}

/*
 * DSM_TEST_TIME_FACTOR: a whole number from 1 (the default) to
 * DSM_TEST_TIME_FACTOR_MAX that multiplies every wall-clock bound of the
 * selftests (sync timeouts, the harness's test timeouts, waits for
 * replication, detection or a child), for kernels slower than Debian's
 * (make check-debug sets it). Read here only; a bad value is refused,
 * saying why, with exit status 2 (test programs refuse it before their
 * first test: dsm_test.h).
 */
#define DSM_TEST_TIME_FACTOR_MAX	1000

static inline int dsm_test_time_factor(void)
{
	static int factor;
	const char *v;
	char *end;
	long n;

	if (factor)
		return factor;
	v = getenv("DSM_TEST_TIME_FACTOR");
	if (!v || !*v) {
		factor = 1;
		return factor;
	}
	errno = 0;
	n = strtol(v, &end, 10);
	if (*v < '1' || *v > '9' || *end || errno ||
	    n > DSM_TEST_TIME_FACTOR_MAX) {
		fprintf(stderr, "%s: DSM_TEST_TIME_FACTOR is a whole number "
			"from 1 to %d, not '%s'\n", program_invocation_short_name,
			DSM_TEST_TIME_FACTOR_MAX, v);
		exit(2);
	}
	factor = (int)n;
	return factor;
}

/* @s seconds of a bound, times DSM_TEST_TIME_FACTOR (int or double). */
#define dsm_test_secs(s)	((s) * dsm_test_time_factor())

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
	sa->sin_port = htons(DSM_SYNC_PORT);
	return inet_pton(AF_INET, buf, &sa->sin_addr) == 1 ? 0 : -1;
}

static inline double dsm_sync_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* FNV-1a */
static inline uint32_t dsm_sync_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* "step 21 of dsm_sc:sc.peterson", "the begin of ...", or "step 21". */
static inline const char *dsm_sync_where(const struct dsm_sync_pos *p,
					 char *buf, size_t len)
{
	if (!p->name[0])
		snprintf(buf, len, "step %u", p->step);
	else if (!p->step)
		snprintf(buf, len, "the begin of %s", p->name);
	else
		snprintf(buf, len, "step %u of %s", p->step, p->name);
	return buf;
}

static inline int dsm_sync_cmp(const struct dsm_sync_pos *a,
			       const struct dsm_sync_pos *b)
{
	if (a->prog != b->prog)
		return a->prog < b->prog ? -1 : 1;
	if (a->test != b->test)
		return a->test < b->test ? -1 : 1;
	if (a->step != b->step)
		return a->step < b->step ? -1 : 1;
	return 0;
}

/* Wait until @fd is ready for @ev, at most until @deadline: 0 or -1. */
static inline int dsm_sync_poll(int fd, short ev, double deadline)
{
	struct pollfd p = { .fd = fd, .events = ev };
	double left;
	int ret;

	for (;;) {
		left = deadline - dsm_sync_now();
		if (left <= 0)
			return -1;
		ret = poll(&p, 1, (int)(left * 1000) + 1);
		if (ret > 0)
			return 0;
		if (ret < 0 && errno != EINTR)
			return -1;
	}
}

static inline int dsm_sync_send(int fd, uint32_t type, int node,
				const struct dsm_sync_pos *p,
				const char *reason)
{
	struct dsm_sync_msg m = {
		.magic = htonl(DSM_SYNC_MAGIC), .type = htonl(type),
		.node = htonl(node), .prog = htonl(p->prog),
		.test = htonl(p->test), .step = htonl(p->step),
		.hash = htonl(p->hash),
	};
	double deadline = dsm_sync_now() + dsm_test_secs(DSM_SYNC_IO_TIMEOUT);
	size_t done = 0;
	ssize_t n;

	memcpy(m.name, p->name, sizeof(m.name));
	snprintf(m.reason, sizeof(m.reason), "%s", reason ? reason : "");
	while (done < sizeof(m)) {
		if (dsm_sync_poll(fd, POLLOUT, deadline))
			return -1;
		n = send(fd, (char *)&m + done, sizeof(m) - done,
			 MSG_NOSIGNAL);
		if (n < 0 && errno != EINTR && errno != EAGAIN)
			return -1;
		if (n > 0)
			done += n;
	}
	return 0;
}

/*
 * Read one message before @deadline. Returns 0, or -1 with errno
 * ETIMEDOUT at the deadline, 0 at end of file, else the error.
 */
static inline int dsm_sync_recv(int fd, struct dsm_sync_msg *m,
				double deadline)
{
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(*m)) {
		if (dsm_sync_poll(fd, POLLIN, deadline)) {
			errno = ETIMEDOUT;
			return -1;
		}
		n = recv(fd, (char *)m + got, sizeof(*m) - got, 0);
		if (n == 0)
			errno = 0;
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			return -1;
		if (n > 0)
			got += n;
	}
	m->magic = ntohl(m->magic);
	m->type = ntohl(m->type);
	m->node = ntohl(m->node);
	m->prog = ntohl(m->prog);
	m->test = ntohl(m->test);
	m->step = ntohl(m->step);
	m->hash = ntohl(m->hash);
	m->name[sizeof(m->name) - 1] = '\0';
	m->reason[sizeof(m->reason) - 1] = '\0';
	return 0;
}

static inline void dsm_sync_msg_pos(const struct dsm_sync_msg *m,
				    struct dsm_sync_pos *p)
{
	p->prog = m->prog;
	p->test = m->test;
	p->step = m->step;
	p->hash = m->hash;
	memcpy(p->name, m->name, sizeof(p->name));
}

/* ---------------------------------------------------------- node 0 */

static inline int dsm_sync_listen(unsigned short port)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET, .sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	int s, one = 1, err;

	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0)
		return -1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(s, 4 * DSM_SYNC_MAX_NODES)) {
		err = errno;
		close(s);
		errno = err;
		return -1;
	}
	return s;
}

/*
 * Listen, waiting while the port is taken: by the previous test's
 * process, which the harness (kselftest_harness.h of 6.1) may not have
 * waited for after killing it at its timeout (its waitpid() returns
 * EINTR after SIGALRM).
 */
static inline int dsm_sync_listen_retry(unsigned short port, int timeout)
{
	double deadline = dsm_sync_now() + timeout;
	int fd;

	while ((fd = dsm_sync_listen(port)) < 0 && errno == EADDRINUSE &&
	       dsm_sync_now() < deadline)
		usleep(50000);
	return fd;
}

/* Node 0 at one step: the nodes counted there, and why it failed. */
struct dsm_sync_lead {
	const struct dsm_sync_pos *pos;
	int nodes;
	int fd[DSM_SYNC_MAX_NODES];	/* counted nodes' connections, or -1 */
	char *why;
	size_t len;
};

/* Answer every counted node with @type (and @reason), and let them go. */
static inline void dsm_sync_verdict(struct dsm_sync_lead *l, uint32_t type,
				    const char *reason)
{
	int i;

	for (i = 1; i < l->nodes; i++) {
		if (l->fd[i] < 0)
			continue;
		dsm_sync_send(l->fd[i], type, 0, l->pos, reason);
		close(l->fd[i]);
		l->fd[i] = -1;
	}
}

static inline int dsm_sync_counted(const struct dsm_sync_lead *l)
{
	int i, n = 0;

	for (i = 1; i < l->nodes; i++)
		n += l->fd[i] >= 0;
	return n;
}

/*
 * Take one connection from the listener: count a node at this step,
 * answer a node behind it. Returns -1 (with the reason in l->why) when
 * this step must be given up: a node is ahead, or runs another test here.
 */
static inline int dsm_sync_take(struct dsm_sync_lead *l, int lfd,
				double deadline)
{
	char here[160], there[160], msg[DSM_SYNC_REASON];
	struct dsm_sync_msg m;
	struct dsm_sync_pos p;
	int fd, cmp;

	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return 0;
	if (deadline > dsm_sync_now() + dsm_test_secs(DSM_SYNC_IO_TIMEOUT))
		deadline = dsm_sync_now() + dsm_test_secs(DSM_SYNC_IO_TIMEOUT);
	if (dsm_sync_recv(fd, &m, deadline) || m.magic != DSM_SYNC_MAGIC ||
	    m.type != DSM_SYNC_ARRIVE || m.node < 1 ||
	    m.node >= (uint32_t)l->nodes) {
		close(fd);	/* not one of ours: ignore it */
		return 0;
	}
	dsm_sync_msg_pos(&m, &p);
	dsm_sync_where(l->pos, here, sizeof(here));
	dsm_sync_where(&p, there, sizeof(there));
	cmp = dsm_sync_cmp(&p, l->pos);
	if (cmp < 0) {
		snprintf(msg, sizeof(msg), "node 0 is already at %s", here);
		dsm_sync_send(fd, DSM_SYNC_FAIL, 0, l->pos, msg);
		close(fd);
		return 0;
	}
	if (cmp > 0) {
		snprintf(l->why, l->len, "node %u is already at %s", m.node,
			 there);
		snprintf(msg, sizeof(msg), "node 0 was at %s", here);
		dsm_sync_send(fd, DSM_SYNC_RETRY, 0, l->pos, msg);
		close(fd);
		return -1;
	}
	if (p.hash != l->pos->hash) {
		snprintf(l->why, l->len, "node %u runs %s where node 0 runs %s",
			 m.node, p.name, l->pos->name);
		dsm_sync_send(fd, DSM_SYNC_FAIL, 0, l->pos, l->why);
		close(fd);
		return -1;
	}
	if (l->fd[m.node] >= 0)		/* it came again: keep the new one */
		close(l->fd[m.node]);
	l->fd[m.node] = -1;
	if (dsm_sync_send(fd, DSM_SYNC_WAIT, 0, l->pos, NULL))
		close(fd);
	else
		l->fd[m.node] = fd;
	return 0;
}

/* "node 2 never arrived at step 21 of dsm_sc:sc.peterson (waited 240 s)" */
static inline void dsm_sync_missing(struct dsm_sync_lead *l, double waited)
{
	char who[128] = "", where[160];
	size_t n = 0;
	int i, missing = 0;

	for (i = 1; i < l->nodes && n < sizeof(who); i++) {
		if (l->fd[i] >= 0)
			continue;
		n += snprintf(who + n, sizeof(who) - n, "%s%d",
			      missing++ ? ", " : "", i);
	}
	snprintf(l->why, l->len, "node%s %s never arrived at %s (waited %.0f s)",
		 missing > 1 ? "s" : "", who,
		 dsm_sync_where(l->pos, where, sizeof(where)), waited);
}

/* A counted node's connection is readable: it is gone (gave up, died). */
static inline void dsm_sync_drop(struct dsm_sync_lead *l, int fd)
{
	int i;

	for (i = 1; i < l->nodes; i++) {
		if (l->fd[i] == fd) {
			close(fd);
			l->fd[i] = -1;
		}
	}
}

/* Node 0's side of a step, on listener @lfd. */
static inline int dsm_sync_lead(int lfd, int nodes,
				const struct dsm_sync_pos *pos, int timeout,
				char *why, size_t len)
{
	struct dsm_sync_lead l = { .pos = pos, .nodes = nodes, .why = why,
				   .len = len };
	double t0 = dsm_sync_now(), deadline = t0 + timeout, left;
	struct pollfd pfd[DSM_SYNC_MAX_NODES];
	int i, n;

	for (i = 0; i < DSM_SYNC_MAX_NODES; i++)
		l.fd[i] = -1;
	while (dsm_sync_counted(&l) < nodes - 1) {
		left = deadline - dsm_sync_now();
		if (left <= 0) {
			dsm_sync_missing(&l, dsm_sync_now() - t0);
			dsm_sync_verdict(&l, DSM_SYNC_FAIL, why);
			return -1;
		}
		n = 0;
		pfd[n++] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		for (i = 1; i < nodes; i++)
			if (l.fd[i] >= 0)
				pfd[n++] = (struct pollfd){ .fd = l.fd[i],
							    .events = POLLIN };
		if (poll(pfd, n, (int)(left * 1000) + 1) <= 0)
			continue;
		for (i = 1; i < n; i++)
			if (pfd[i].revents)
				dsm_sync_drop(&l, pfd[i].fd);
		if (pfd[0].revents && dsm_sync_take(&l, lfd, deadline)) {
			dsm_sync_verdict(&l, DSM_SYNC_FAIL, why);
			return -1;
		}
	}
	dsm_sync_verdict(&l, DSM_SYNC_OK, NULL);
	return 0;
}

/* ------------------------------------------------------ other nodes */

/* Connect to node 0's @port, before @deadline; the socket or -1. */
static inline int dsm_sync_connect(unsigned short port, double deadline)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(int);
	int s, err;

	if (dsm_test_node_addr(0, &sa))
		return -1;
	sa.sin_port = htons(port);
	while (dsm_sync_now() < deadline) {
		s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
			   0);
		if (s < 0)
			return -1;
		err = connect(s, (struct sockaddr *)&sa, sizeof(sa)) ? errno : 0;
		if (err == EINPROGRESS && !dsm_sync_poll(s, POLLOUT, deadline))
			getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &sl);
		if (!err)
			return s;
		close(s);
		usleep(50000);	/* node 0 does not listen (yet) */
	}
	return -1;
}

/*
 * What node 0 answered @m: 0 OK, -1 failed (reason in @why), 1 try again
 * (node 0 was elsewhere: its reason goes to @seen).
 */
static inline int dsm_sync_answer(int fd, struct dsm_sync_msg *m,
				  const struct dsm_sync_pos *pos, int timeout,
				  char *why, size_t len, char *seen)
{
	char where[160];

	if (m->magic != DSM_SYNC_MAGIC)
		return 1;
	if (m->type == DSM_SYNC_WAIT) {
		/* Counted: node 0's verdict comes by its own deadline. */
		if (dsm_sync_recv(fd, m, dsm_sync_now() + timeout +
				  dsm_test_secs(DSM_SYNC_IO_TIMEOUT))) {
			snprintf(why, len, "node 0 left %s without a verdict "
				 "(%s)", dsm_sync_where(pos, where, sizeof(where)),
				 errno == ETIMEDOUT ? "no answer" :
				 "its test ended");
			return -1;
		}
	}
	switch (m->type) {
	case DSM_SYNC_OK:
		return 0;
	case DSM_SYNC_FAIL:
		snprintf(why, len, "%s", m->reason);
		return -1;
	case DSM_SYNC_RETRY:
		snprintf(seen, DSM_SYNC_REASON, "%s", m->reason);
		usleep(100000);
		return 1;
	}
	return 1;
}

/* A node other than 0 at @pos. */
static inline int dsm_sync_follow(unsigned short port, int node,
				  const struct dsm_sync_pos *pos, int timeout,
				  char *why, size_t len)
{
	double t0 = dsm_sync_now(), deadline = t0 + timeout;
	char seen[DSM_SYNC_REASON] = "", where[160];
	struct dsm_sync_msg m;
	int fd, ret;

	while (dsm_sync_now() < deadline) {
		fd = dsm_sync_connect(port, deadline);
		if (fd < 0)
			break;
		if (dsm_sync_send(fd, DSM_SYNC_ARRIVE, node, pos, NULL) ||
		    dsm_sync_recv(fd, &m, deadline)) {
			/* Node 0's test ended without taking this one. */
			close(fd);
			usleep(50000);
			continue;
		}
		ret = dsm_sync_answer(fd, &m, pos, timeout, why, len, seen);
		close(fd);
		if (ret <= 0)
			return ret;
	}
	snprintf(why, len, "node 0 never came to %s (waited %.0f s%s%s)",
		 dsm_sync_where(pos, where, sizeof(where)), dsm_sync_now() - t0,
		 seen[0] ? "; " : "", seen);
	return -1;
}

/*
 * dsm_sync_at - wait until every node is at @pos, at most @timeout
 * seconds, through node 0's TCP @port. On node 0, *@lfd is the listener:
 * opened here if it is -1 and left open for the next call; NULL opens and
 * closes one per call. Returns 0, or -1 with the reason in @why.
 */
static inline int dsm_sync_at(unsigned short port,
			      const struct dsm_sync_pos *pos, int timeout,
			      int *lfd, char *why, size_t len)
{
	int id = dsm_node_id_env(), n = dsm_nodes_env(), fd, ret;

	if (id < 0 || n < 1 || n > DSM_SYNC_MAX_NODES || id >= n) {
		snprintf(why, len, "DSM_NODE_ID and DSM_NODES are not set");
		return -1;
	}
	if (n == 1)
		return 0;
	if (id)
		return dsm_sync_follow(port, id, pos, timeout, why, len);
	fd = lfd && *lfd >= 0 ? *lfd : dsm_sync_listen_retry(port, timeout);
	if (fd < 0) {
		snprintf(why, len, "node 0 cannot listen on port %u: %s", port,
			 strerror(errno));
		return -1;
	}
	ret = dsm_sync_lead(fd, n, pos, timeout, why, len);
	if (lfd)
		*lfd = fd;
	else
		close(fd);
	return ret;
}

/*
 * dsm_sync_port - the barrier outside the selftest harness (benchmarks):
 * position (0, 0, @step) on TCP @port, at most @timeout seconds. Returns
 * 0, or -1 after printing the reason on stderr.
 */
static inline int dsm_sync_port(unsigned short port, unsigned int step,
				int timeout)
{
	struct dsm_sync_pos pos = { .step = step, .hash = dsm_sync_hash("") };
	char why[DSM_SYNC_REASON];

	if (!dsm_sync_at(port, &pos, timeout, NULL, why, sizeof(why)))
		return 0;
	fprintf(stderr, "dsm_sync: node %d: step %u: %s\n", dsm_node_id_env(),
		step, why);
	return -1;
}

/*
 * dsm_sync_port() on the selftests' port with their timeout (times
 * DSM_TEST_TIME_FACTOR).
 */
static inline int dsm_sync(unsigned int step)
{
	return dsm_sync_port(DSM_SYNC_PORT, step,
			     dsm_test_secs(DSM_SYNC_TIMEOUT));
}

#endif /* _DSM_SYNC_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * mp.c - the message-passing layer of the baselines; see mp.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mp.h"

#define MP_CONNECT_S	120	/* rendezvous, times the time factor */
#define MP_RECV_S	1800	/* one receive, likewise */
#define MP_HDR		(2 * sizeof(uint32_t))

struct mp_fin {			/* MP_TAG_FINISH */
	uint32_t ok;
	uint32_t pad;
	uint64_t msgs, bytes, u;
	double d;
};

static int time_factor(void)
{
	const char *s = getenv("DSM_TEST_TIME_FACTOR");
	int f = s ? atoi(s) : 1;

	return f >= 1 && f <= 1000 ? f : 1;
}

void mp_usage(struct mp *m, const char *why)
{
	if (why)
		fprintf(stderr, "%s: %s\n", m->a.name, why);
	fprintf(stderr,
		"usage: %s [--local N | --conf FILE] [--port PORT] %s\n"
		"       %s --help\n", m->a.name, m->a.args, m->a.name);
	exit(2);
}

static void mp_help(struct mp *m)
{
	printf("usage: %s [--local N | --conf FILE] [--port PORT] %s\n\n%s\n\n"
	       "The message-passing baseline of the dsm program of the same\n"
	       "name: plain TCP between the nodes, no dsm. Runs on every node\n"
	       "at once, nodes from --conf (default /etc/dsm/dsm.conf), node i\n"
	       "listening at PORT + i (default %d); --local N forks N processes\n"
	       "on 127.0.0.1. Node 0 prints\n"
	       "  app=NAME nodes=N size=SIZE time_ms=T msgs=M bytes=B result=R verify=ok|FAIL\n"
	       "See Documentation/benchmarks.md.\n",
	       m->a.name, m->a.args, m->a.about, MP_PORT);
	exit(0);
}

static long number(struct mp *m, const char *s, long min, long max,
		   const char *what)
{
	char why[160];
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		snprintf(why, sizeof(why), "%s must be a number from %ld to %ld, not '%s'",
			 what, min, max, s);
		mp_usage(m, why);
	}
	return v;
}

void mp_args(struct mp *m, int argc, char **argv, int nmin, int nmax)
{
	static const struct option opts[] = {
		{ "local", required_argument, NULL, 'l' },
		{ "conf", required_argument, NULL, 'c' },
		{ "port", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	size_t l;
	int c, i;

	m->conf = "/etc/dsm/dsm.conf";
	m->port = MP_PORT;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			m->local = number(m, optarg, 1, APP_MAX_NODES, "--local");
			break;
		case 'c':
			m->conf = optarg;
			break;
		case 'p':
			m->port = number(m, optarg, 1, 65535 - APP_MAX_NODES,
					 "--port");
			break;
		case 'h':
			mp_help(m);
			break;
		default:
			mp_usage(m, "unknown option");
		}
	}
	m->a.argc = argc - optind;
	m->a.argv = argv + optind;
	if (m->a.argc < nmin || m->a.argc > nmax)
		mp_usage(m, "wrong number of arguments");
	/* SIZE of the summary line: the arguments joined by 'x' */
	snprintf(m->a.size, sizeof(m->a.size), "%s", m->a.argc ? m->a.argv[0] : "-");
	for (i = 1; i < m->a.argc; i++) {
		l = strlen(m->a.size);
		snprintf(m->a.size + l, sizeof(m->a.size) - l, "x%s", m->a.argv[i]);
	}
}

long mp_arg(struct mp *m, int i, const char *what, long min, long max)
{
	if (i >= m->a.argc)
		mp_usage(m, "missing argument");
	return number(m, m->a.argv[i], min, max, what);
}

/* ---- rendezvous ---------------------------------------------------------- */

/* The nodes of a dsm.conf: this node's id, every node's address. */
static void read_conf(struct mp *m, struct sockaddr_storage *addr)
{
	char line[512], key[32], id[16], host[128];
	unsigned int seen = 0;
	FILE *f = fopen(m->conf, "r");
	int n, node = -1;

	if (!f)
		app_die(&m->a, "cannot read %s: %s", m->conf, strerror(errno));
	m->a.nodes = 0;
	while (fgets(line, sizeof(line), f)) {
		n = sscanf(line, "%31s %15s %127s", key, id, host);
		if (n >= 2 && !strcmp(key, "node-id")) {
			node = number(m, id, 0, APP_MAX_NODES - 1, "node-id");
		} else if (n == 3 && !strcmp(key, "node")) {
			int i = number(m, id, 0, APP_MAX_NODES - 1, "a node id");
			struct sockaddr_in *v4 = (struct sockaddr_in *)&addr[i];
			struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&addr[i];

			/* numeric only, as dsmd: no resolver in a static program */
			if (inet_pton(AF_INET, host, &v4->sin_addr) == 1)
				v4->sin_family = AF_INET;
			else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1)
				v6->sin6_family = AF_INET6;
			else
				app_die(&m->a, "%s: node %d: '%s' is not an address",
					m->conf, i, host);
			seen |= 1u << i;
		}
	}
	fclose(f);
	while (seen & (1u << m->a.nodes))
		m->a.nodes++;
	if (!m->a.nodes || seen != (1u << m->a.nodes) - 1 || node < 0 ||
	    node >= m->a.nodes)
		app_die(&m->a, "%s: needs node-id and node lines with ids from 0 without gaps",
			m->conf);
	m->a.node = node;
}

static void set_port(struct sockaddr_storage *sa, int port)
{
	if (sa->ss_family == AF_INET6)
		((struct sockaddr_in6 *)sa)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)sa)->sin_port = htons(port);
}

static int get_port(const struct sockaddr_storage *sa)
{
	if (sa->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	return ntohs(((const struct sockaddr_in *)sa)->sin_port);
}

static const char *addr_str(const struct sockaddr_storage *sa, char *buf,
			    size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (sa->ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
			  host, sizeof(host));
	else
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
			  host, sizeof(host));
	snprintf(buf, len, "%s port %d", host, get_port(sa));
	return buf;
}

static int listen_on(struct mp *m, struct sockaddr_storage *sa)
{
	socklen_t len = sizeof(*sa);
	int one = 1, fd;
	char where[96];

	fd = socket(sa->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)sa, len) || listen(fd, APP_MAX_NODES) ||
	    getsockname(fd, (struct sockaddr *)sa, &len))
		app_die(&m->a, "cannot listen on %s: %s",
			addr_str(sa, where, sizeof(where)), strerror(errno));
	return fd;
}

static void tune(struct mp *m, int fd)
{
	int one = 1;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) ||
	    fcntl(fd, F_SETFL, O_NONBLOCK))
		app_die(&m->a, "cannot set up a socket: %s", strerror(errno));
}

/* Connect to node @to, retrying until the deadline; then say hello. */
static void dial(struct mp *m, int to, struct sockaddr_storage *sa,
		 double deadline)
{
	uint32_t me = m->a.node;
	char where[96];
	int fd;

	for (;;) {
		fd = socket(sa->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			app_die(&m->a, "socket: %s", strerror(errno));
		if (!connect(fd, (struct sockaddr *)sa, sizeof(*sa)))
			break;
		if (errno != ECONNREFUSED && errno != ETIMEDOUT &&
		    errno != EHOSTUNREACH && errno != ENETUNREACH)
			app_die(&m->a, "cannot connect to node %d at %s: %s", to,
				addr_str(sa, where, sizeof(where)), strerror(errno));
		close(fd);
		if (app_now_ms() > deadline)
			app_die(&m->a, "waited %d s for node %d to listen at %s; is it running?",
				MP_CONNECT_S * time_factor(), to,
				addr_str(sa, where, sizeof(where)));
		usleep(50000);
	}
	tune(m, fd);
	m->fd[to] = fd;
	mp_send(m, to, MP_TAG_HELLO, &me, sizeof(me));
}

/* Accept every higher node; each says who it is first. */
static void accept_all(struct mp *m, int lfd, double deadline)
{
	int left = m->a.nodes - 1 - m->a.node;
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	struct mp_xfer in = { .tag = MP_TAG_HELLO };
	uint32_t id;
	int fd;

	while (left > 0) {
		int ms = deadline - app_now_ms();

		if (ms <= 0 || poll(&p, 1, ms) == 0)
			app_die(&m->a, "waited %d s for %d higher node(s) to connect; are they running?",
				MP_CONNECT_S * time_factor(), left);
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		tune(m, fd);
		/* a slot of its own until it has said who it is */
		m->fd[m->a.node] = fd;
		in.peer = m->a.node;
		in.buf = &id;
		in.len = sizeof(id);
		in.done = 0;
		mp_exchange(m, NULL, 0, &in, 1);
		if (in.len != sizeof(id) || id <= (uint32_t)m->a.node ||
		    id >= (uint32_t)m->a.nodes || m->fd[id] >= 0)
			app_die(&m->a, "a connection said it was node %u: not a higher node still expected",
				id);
		m->fd[id] = fd;
		m->fd[m->a.node] = -1;
		left--;
	}
}

static void fork_local(struct mp *m, int *lfd)
{
	int i, st, worst = 0;
	pid_t pid;

	fflush(NULL);
	for (i = 0; i < m->a.nodes; i++) {
		pid = fork();
		if (pid < 0)
			app_die(&m->a, "--local: fork: %s", strerror(errno));
		if (pid == 0) {
			m->a.node = i;
			return;
		}
	}
	for (i = 0; i < m->a.nodes; i++)
		close(lfd[i]);
	while (wait(&st) > 0) {
		int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 1;

		if (!WIFEXITED(st))
			fprintf(stderr, "%s: --local: a node process died of signal %d\n",
				m->a.name, WTERMSIG(st));
		if (rc > worst)
			worst = rc;
	}
	exit(worst);
}

void mp_start(struct mp *m)
{
	struct sockaddr_storage addr[APP_MAX_NODES];
	int lfd[APP_MAX_NODES], i;
	double deadline;

	memset(addr, 0, sizeof(addr));
	for (i = 0; i < APP_MAX_NODES; i++)
		m->fd[i] = -1;
	if (m->local) {
		/* every listener first, on a port the kernel picks */
		m->a.nodes = m->local;
		for (i = 0; i < m->a.nodes; i++) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&addr[i];

			sin->sin_family = AF_INET;
			sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			lfd[i] = listen_on(m, &addr[i]);
		}
		fork_local(m, lfd);
		for (i = 0; i < m->a.nodes; i++)
			if (i != m->a.node)
				close(lfd[i]);
	} else {
		read_conf(m, addr);
		for (i = 0; i < m->a.nodes; i++)
			set_port(&addr[i], m->port + i);
		lfd[m->a.node] = listen_on(m, &addr[m->a.node]);
	}
	deadline = app_now_ms() + MP_CONNECT_S * 1000.0 * time_factor();
	for (i = 0; i < m->a.node; i++)
		dial(m, i, &addr[i], deadline);
	accept_all(m, lfd[m->a.node], deadline);
	close(lfd[m->a.node]);
}

/* ---- messages ------------------------------------------------------------ */

/* Write what the socket takes of @x; counts the message once, when done. */
static void out_step(struct mp *m, struct mp_xfer *x)
{
	struct iovec iov[2];
	size_t total = MP_HDR + x->len;
	int n = 0;
	ssize_t r;

	if (x->done < MP_HDR) {
		iov[n].iov_base = (char *)x->hdr + x->done;
		iov[n++].iov_len = MP_HDR - x->done;
	}
	if (x->len) {
		size_t off = x->done > MP_HDR ? x->done - MP_HDR : 0;

		iov[n].iov_base = (char *)x->buf + off;
		iov[n++].iov_len = x->len - off;
	}
	r = writev(m->fd[x->peer], iov, n);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r < 0)
		app_die(&m->a, "sending %zu bytes to node %d: %s", x->len,
			x->peer, strerror(errno));
	x->done += r;
	if (x->done == total) {
		m->msgs++;
		m->bytes += total;
	}
}

/* Read the header, then exactly the payload it announces. */
static void in_step(struct mp *m, struct mp_xfer *x)
{
	char *p = x->done < MP_HDR ? (char *)x->hdr + x->done :
		  (char *)x->buf + (x->done - MP_HDR);
	size_t want = x->done < MP_HDR ? MP_HDR - x->done :
		      MP_HDR + x->hdr[1] - x->done;
	ssize_t r = read(m->fd[x->peer], p, want);

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0)
		app_die(&m->a, "node %d %s while this node waited for a message (tag %u)",
			x->peer, r ? strerror(errno) : "closed the connection",
			x->tag);
	x->done += r;
	if (x->done == MP_HDR) {
		if ((x->tag != MP_TAG_ANY && x->hdr[0] != x->tag) ||
		    x->hdr[1] > x->len)
			app_die(&m->a, "node %d sent tag %u of %u bytes; expected tag %u of at most %zu",
				x->peer, x->hdr[0], x->hdr[1], x->tag, x->len);
	}
	if (x->done >= MP_HDR && x->done == MP_HDR + x->hdr[1]) {
		x->tag = x->hdr[0];
		x->len = x->hdr[1];
		x->done = SIZE_MAX;	/* complete */
	}
}

static int out_done(const struct mp_xfer *x)
{
	return x->done == MP_HDR + x->len;
}

void mp_exchange(struct mp *m, struct mp_xfer *out, int nout,
		 struct mp_xfer *in, int nin)
{
	struct pollfd p[2 * APP_MAX_NODES];
	struct mp_xfer *x[2 * APP_MAX_NODES];
	int ms = MP_RECV_S * 1000 * time_factor();
	int i, n;

	for (i = 0; i < nout; i++) {
		out[i].hdr[0] = out[i].tag;
		out[i].hdr[1] = out[i].len;
		out[i].done = 0;
	}
	for (i = 0; i < nin; i++)
		in[i].done = 0;
	for (;;) {
		n = 0;
		for (i = 0; i < nout; i++)
			if (!out_done(&out[i])) {
				p[n] = (struct pollfd){ m->fd[out[i].peer], POLLOUT, 0 };
				x[n++] = &out[i];
			}
		for (i = 0; i < nin; i++)
			if (in[i].done != SIZE_MAX) {
				p[n] = (struct pollfd){ m->fd[in[i].peer], POLLIN, 0 };
				x[n++] = &in[i];
			}
		if (!n)
			return;
		if (poll(p, n, ms) == 0)
			app_die(&m->a, "waited %d s for node %d (tag %u)",
				ms / 1000, x[0]->peer, x[0]->tag);
		for (i = 0; i < n; i++) {
			if (!p[i].revents)
				continue;
			if (p[i].events == POLLOUT)
				out_step(m, x[i]);
			else
				in_step(m, x[i]);
		}
	}
}

void mp_all_to_all(struct mp *m, uint32_t tag, void **ob, size_t *ol,
		   void **ib, size_t *il)
{
	struct mp_xfer out[APP_MAX_NODES], in[APP_MAX_NODES];
	int j, n = 0;

	for (j = 0; j < m->a.nodes; j++) {
		if (j == m->a.node)
			continue;
		out[n] = (struct mp_xfer){ .peer = j, .tag = tag, .buf = ob[j],
					   .len = ol[j] };
		in[n++] = (struct mp_xfer){ .peer = j, .tag = tag, .buf = ib[j],
					    .len = il[j] };
	}
	mp_exchange(m, out, n, in, n);
	for (n--; n >= 0; n--)
		il[in[n].peer] = in[n].len;
}

void mp_send(struct mp *m, int to, uint32_t tag, const void *buf, size_t len)
{
	struct mp_xfer x = { .peer = to, .tag = tag, .buf = (void *)buf,
			     .len = len };

	mp_exchange(m, &x, 1, NULL, 0);
}

void mp_recv(struct mp *m, int from, uint32_t tag, void *buf, size_t len)
{
	struct mp_xfer x = { .peer = from, .tag = tag, .buf = buf, .len = len };

	mp_exchange(m, NULL, 0, &x, 1);
	if (x.len != len)
		app_die(&m->a, "node %d sent %zu bytes with tag %u, expected %zu",
			from, x.len, tag, len);
}

int mp_recv_any(struct mp *m, unsigned int peers, void *buf, size_t len,
		uint32_t *tag, size_t *got)
{
	struct pollfd p[APP_MAX_NODES];
	struct mp_xfer x = { .tag = MP_TAG_ANY, .buf = buf, .len = len };
	int i;

	for (i = 0; i < m->a.nodes; i++)
		p[i] = (struct pollfd){ peers & (1u << i) ? m->fd[i] : -1,
					POLLIN, 0 };	/* -1: skipped */
	if (poll(p, m->a.nodes, MP_RECV_S * 1000 * time_factor()) <= 0)
		app_die(&m->a, "waited %d s for a message from any node",
			MP_RECV_S * time_factor());
	for (i = 0; !p[i].revents; i++)
		;
	x.peer = i;
	mp_exchange(m, NULL, 0, &x, 1);
	*tag = x.tag;
	*got = x.len;
	return i;
}

void mp_barrier(struct mp *m)
{
	struct mp_xfer x[APP_MAX_NODES];
	int i, n = 0;

	if (m->a.node) {
		mp_send(m, 0, MP_TAG_BARRIER, NULL, 0);
		mp_recv(m, 0, MP_TAG_BARRIER, NULL, 0);
		return;
	}
	for (i = 1; i < m->a.nodes; i++)
		x[n++] = (struct mp_xfer){ .peer = i, .tag = MP_TAG_BARRIER };
	mp_exchange(m, NULL, 0, x, n);
	mp_exchange(m, x, n, NULL, 0);
}

static void print_summary(struct mp *m, int all, enum mp_result kind,
			  uint64_t u, double d)
{
	char res[40];

	if (kind == MP_SUM_HEX)
		snprintf(res, sizeof(res), "%016" PRIx64, u);
	else if (kind == MP_SUM_INT)
		snprintf(res, sizeof(res), "%" PRIu64, u);
	else
		snprintf(res, sizeof(res), "%.9e", d);
	printf("app=%s nodes=%d size=%s time_ms=%.1f msgs=%" PRIu64 " bytes=%"
	       PRIu64 " result=%s verify=%s\n", m->a.name, m->a.nodes,
	       m->a.size, m->a.t1 - m->a.t0, m->msgs, m->bytes, res,
	       all ? "ok" : "FAIL");
}

void mp_finish(struct mp *m, int ok, enum mp_result kind, uint64_t u,
	       double d)
{
	struct mp_fin f = { .ok = ok, .u = u, .d = d };
	int i, all = ok;

	if (m->a.node) {
		/* this message counts itself */
		f.msgs = m->msgs + 1;
		f.bytes = m->bytes + MP_HDR + sizeof(f);
		mp_send(m, 0, MP_TAG_FINISH, &f, sizeof(f));
		fflush(stdout);
		exit(ok ? 0 : 1);
	}
	for (i = 1; i < m->a.nodes; i++) {
		mp_recv(m, i, MP_TAG_FINISH, &f, sizeof(f));
		if (!f.ok) {
			app_diff(&m->a, "node %d: verification failed", i);
			all = 0;
		}
		m->msgs += f.msgs;
		m->bytes += f.bytes;
		u += f.u;
		d += f.d;
	}
	print_summary(m, all, kind, u, d);
	fflush(stdout);
	exit(all ? 0 : 1);
}

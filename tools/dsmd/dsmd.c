// SPDX-License-Identifier: GPL-2.0
/*
 * dsmd - the dsm daemon: membership, peer connections, heartbeats and
 * failure detection, region replication, and the lock and barrier
 * managers (Documentation/control-plane.md, Documentation/lrc.md,
 * dsmd(8)).
 *
 * One thread, one poll loop (this file, with the timers, the signals and
 * main). For every pair of nodes the one with the lower id connects to
 * the other (the control connection); the handshake (HELLO, HELLO_ACK)
 * checks the cluster name and node ids and carries each dsmd's
 * incarnation, a random number per run, so a restarted node is
 * recognised. Both sides send a HEARTBEAT every heartbeat-interval; a
 * node from which nothing arrived for dead-timeout is declared down to
 * the kernel, which fails every wait on it. Peers are untrusted: a
 * message the decoder refuses is logged and counted, and the connection
 * is dropped.
 *
 * dsmd.h says which file does what and owns which state.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "dsmd.h"

#define DSMD_VERSION	"0.2.0"
/* How often the managers' counters are logged at -v, when they changed. */
#define STATS_LOG_MS	10000

/* Exit codes; documented in dsmd(8). */
enum {
	DSMD_EXIT_OK	= 0,
	DSMD_EXIT_CONF	= 1,	/* bad configuration */
	DSMD_EXIT_USAGE	= 2,	/* bad command line */
	DSMD_EXIT_KERN	= 3,	/* dsm.ko missing or refused the config */
	DSMD_EXIT_NET	= 4,	/* cannot listen */
};

struct dsmd d;

static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t reload_signal;
/* dsmd_stop(): this node left the cluster (leave.c, membership.c). */
static bool stop_asked;

/* ---------------------------------------------------------------- log */

static void vlog(int prio, const char *fmt, va_list ap)
{
	struct timespec ts;
	struct tm tm;
	char buf[512];

	if (prio == LOG_DEBUG && !d.verbose)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (!d.foreground) {
		syslog(prio, "%s", buf);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	fprintf(stderr, "%02d:%02d:%02d.%03ld dsmd[%d]: %s%s\n", tm.tm_hour,
		tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, (int)getpid(),
		prio <= LOG_ERR ? "error: " : prio == LOG_WARNING ?
		"warning: " : "", buf);
}

void logm(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(prio, fmt, ap);
	va_end(ap);
}

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The poll loop ends after the current round, and dsmd goes the way
 * SIGTERM takes: BYE to the peers, every connection closed, exit 0.
 */
void dsmd_stop(void)
{
	stop_asked = true;
}

/* ------------------------------------------------------------- timers */

static void timers(void)
{
	int64_t now = now_ms();
	struct dsmc_msg m = {};
	unsigned int id;
	int i;

	if (reload_signal) {
		reload_signal = 0;
		memb_reload();
	}
	for (id = 0; id < d.conf.nr_nodes; id++) {
		struct peer *p = &d.peers[id];

		if ((int)id == d.conf.local || !d.conf.nodes[id].present)
			continue;
		/* Only a side with a quorum declares a node dead. */
		if (p->kstate == DSM_NODE_STATE_UP &&
		    now - p->last_rx > d.conf.dead_ms) {
			if (fence_may_declare(id, now))
				peer_down(id, DSM_REASON_TIMEOUT);
		} else if (p->kstate == DSM_NODE_STATE_UNKNOWN &&
			 now - (p->added > d.start ? p->added : d.start) >
			 d.conf.dead_ms)
			peer_down(id, DSM_REASON_UNREACHABLE);
		if (p->conn < 0 && (int)id > d.conf.local &&
		    now >= p->next_connect)
			conn_connect(id, false);
	}
	data_timers();
	memb_timers();
	memb_client_timers();
	leave_timers();
	fence_timers(now);
	/* Handshakes (and connects) that take too long. */
	for (i = 0; i < MAX_CONNS; i++) {
		struct conn *c = &d.conns[i];

		if (c->fd >= 0 && !c->ready &&
		    now - c->started > d.conf.dead_ms)
			conn_close(i, c->connecting ? "connect timed out" :
				   "handshake timed out");
	}
	if (now >= d.next_hb) {
		d.next_hb = now + d.conf.heartbeat_ms;
		m.type = DSMC_HEARTBEAT;
		m.heartbeat.seq = ++d.hb_seq;
		conn_broadcast(&m);
	}
}

/* --------------------------------------------------------------- main */

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void on_hup(int sig)
{
	reload_signal = sig;
}

static void shutdown_peers(void)
{
	struct dsmc_msg m = { .type = DSMC_BYE };
	int i;

	if (stop_signal)
		logm(LOG_INFO, "signal %d: leaving the cluster",
		     (int)stop_signal);
	m.bye.reason = DSM_REASON_LEFT;
	conn_broadcast(&m);
	for (i = 0; i < MAX_CONNS; i++)
		conn_close(i, "dsmd stopping");
}

/* The poll loop's first POLL_FIXED descriptors, then the connections. */
#define POLL_FIXED	6

static void poll_fixed(struct pollfd *pfd)
{
	pfd[0] = (struct pollfd){ .fd = d.lfd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = d.dfd, .events = POLLIN };
	pfd[2] = (struct pollfd){
		.fd = d.ev.sk ? nl_socket_get_fd(d.ev.sk) : -1,
		.events = POLLIN,
	};
	pfd[3] = (struct pollfd){
		.fd = d.mgrnl.sk ? nl_socket_get_fd(d.mgrnl.sk) : -1,
		.events = POLLIN,
	};
	pfd[4] = (struct pollfd){ .fd = d.cfd, .events = POLLIN };
	/* A client waiting for its answer: its hang-up only. */
	pfd[5] = (struct pollfd){
		.fd = d.client,
		.events = d.client_cookie ? 0 : POLLIN,
	};
}

static int run(void)
{
	struct pollfd pfd[MAX_CONNS + POLL_FIXED];
	int idx[MAX_CONNS];
	int i, n, ret;

	while (!stop_signal && !stop_asked) {
		timers();
		kernel_watch();
		mgrnl_flush_gone();
		if (d.verbose && now_ms() >= d.next_stats) {
			d.next_stats = now_ms() + STATS_LOG_MS;
			if (memcmp(&d.logged, &d.mgr.st, sizeof(d.logged)) ||
			    memcmp(&d.home_logged, &d.adapt.st,
				   sizeof(d.home_logged)))
				mgrnl_log_stats(LOG_DEBUG);
		}
		poll_fixed(pfd);
		n = POLL_FIXED;
		for (i = 0; i < MAX_CONNS; i++) {
			struct conn *c = &d.conns[i];

			if (c->fd < 0)
				continue;
			idx[n - POLL_FIXED] = i;
			pfd[n++] = (struct pollfd){
				.fd = c->fd,
				.events = c->connecting ? POLLOUT :
					  POLLIN | (c->wlen ? POLLOUT : 0),
			};
		}
		ret = poll(pfd, n, d.conf.heartbeat_ms / 4 + 1);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			logm(LOG_ERR, "poll: %s", strerror(errno));
			return DSMD_EXIT_NET;
		}
		if (pfd[0].revents & POLLIN)
			conn_accept(d.lfd, false);
		if (pfd[1].revents & POLLIN)
			conn_accept(d.dfd, true);
		if (pfd[2].revents & POLLIN)
			kernel_events();
		if (pfd[3].revents & POLLIN)
			mgrnl_recv();
		if (pfd[4].revents & POLLIN)
			memb_accept();
		if (pfd[5].revents)
			memb_client_read();
		for (i = POLL_FIXED; i < n; i++) {
			int ci = idx[i - POLL_FIXED];
			struct conn *c = &d.conns[ci];

			if (c->fd != pfd[i].fd || !pfd[i].revents)
				continue;
			if (c->connecting) {
				conn_connected(ci);
				continue;
			}
			if (pfd[i].revents & POLLOUT)
				conn_flush(ci);
			if (c->fd >= 0 &&
			    pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
				conn_read(ci);
		}
	}
	shutdown_peers();
	mgrnl_log_stats(LOG_INFO);
	return DSMD_EXIT_OK;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: dsmd [-f] [-v] [-c FILE] [-t]\n"
"  -f, --foreground   stay in the foreground, log to stderr\n"
"  -v, --verbose      log connections and replication too\n"
"  -c, --config FILE  configuration (default %s)\n"
"  -t, --test         check the configuration and exit\n"
"  -V, --version\n"
"See dsmd(8) and dsm.conf(5).\n", DSMD_CONF_PATH);
}

static uint64_t new_incarnation(void)
{
	uint64_t v = 0;
	struct timespec ts;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != sizeof(v)) {
		clock_gettime(CLOCK_REALTIME, &ts);
		v = (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
		v ^= (uint64_t)getpid() << 32;
	}
	/* Positive in JSON consumers that read it as a double or int64. */
	v &= (1ULL << 53) - 1;
	return v ? v : 1;
}

/* The command line: -1 to go on, or the code to exit with at once. */
static int parse_args(int argc, char **argv, bool *test)
{
	static const struct option opts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "config", required_argument, NULL, 'c' },
		{ "test", no_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "fvc:tVh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			d.foreground = true;
			break;
		case 'v':
			d.verbose = true;
			break;
		case 'c':
			d.conf_path = optarg;
			break;
		case 't':
			*test = true;
			break;
		case 'V':
			/* The versions a peer may speak (proto.h). */
			printf("dsmd %s, protocol %d..%d, dsm family v%d\n",
			       DSMD_VERSION, DSMC_VERSION_PEER_MIN,
			       DSMC_VERSION_MAX, DSM_GENL_VERSION);
			return DSMD_EXIT_OK;
		case 'h':
			usage(stdout);
			return DSMD_EXIT_OK;
		default:
			usage(stderr);
			return DSMD_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return DSMD_EXIT_USAGE;
	}
	return -1;
}

/* Does directory @path hold anything? */
static bool dir_has_entries(const char *path)
{
	struct dirent *e;
	bool any = false;
	DIR *dir;

	dir = opendir(path);
	if (!dir)
		return false;
	while (!any && (e = readdir(dir)))
		any = e->d_name[0] != '.';
	closedir(dir);
	return any;
}

/* Read sysfs file @path's first line into @buf; "" if it cannot. */
static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (!f)
		return;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

/*
 * The transport dsm.conf names is the one dsm.ko was loaded with, and,
 * for rdma, its module and a device are there: 0, or -1 (logged).
 */
static int transport_check(void)
{
	const char *want = dsmd_transport_name(d.conf.transport);
	bool rdma = d.conf.transport == DSMD_TRANSPORT_RDMA;
	char have[32];

	read_line("/sys/module/dsm/parameters/transport", have, sizeof(have));
	if (have[0] && strcmp(have, want)) {
		logm(LOG_ERR, "dsm.conf says 'transport %s' but dsm.ko was loaded with transport=%s; reload it with 'modprobe dsm transport=%s'%s",
		     want, have, want, rdma ? ", then 'modprobe dsm_rdma'" : "");
		return -1;
	}
	if (!rdma)
		return 0;
	if (access("/sys/module/dsm_rdma", F_OK)) {
		logm(LOG_ERR, "transport rdma: the dsm_rdma module is not loaded; load it with 'modprobe dsm_rdma'");
		return -1;
	}
	if (!dir_has_entries("/sys/class/infiniband")) {
		logm(LOG_ERR, "transport rdma: no RDMA device (/sys/class/infiniband is empty); add one on the data interface, e.g. 'rdma link add rxe0 type rxe netdev eth0'");
		return -1;
	}
	return 0;
}

/* Open the kernel's family, configure it, listen: 0, or the exit code. */
static int start(void)
{
	int ret;

	ret = kernel_open();
	if (ret) {
		if (ret != -EPROTO)	/* else kernel_open() said why */
			logm(LOG_ERR, "%s", ret == -ENOENT ?
			     "the dsm module is not loaded; load it with 'modprobe dsm'" :
			     "cannot open generic netlink");
		return DSMD_EXIT_KERN;
	}
	if (transport_check())
		return DSMD_EXIT_KERN;
	/* Subscribed before configuring: no region event is missed. */
	if (kernel_configure())
		return DSMD_EXIT_KERN;
	ret = conn_listen();
	if (ret) {
		logm(LOG_ERR, "cannot listen on %s port %u: %s",
		     d.conf.nodes[d.conf.local].addr,
		     d.conf.nodes[d.conf.local].port, strerror(-ret));
		return DSMD_EXIT_NET;
	}
	ret = data_listen();
	if (ret) {
		logm(LOG_ERR, "cannot listen on %s port %u (the data port): %s",
		     d.conf.nodes[d.conf.local].addr,
		     d.conf.nodes[d.conf.local].port + 1, strerror(-ret));
		return DSMD_EXIT_NET;
	}
	/* Without it the cluster runs; only node add/del are missing. */
	ret = memb_listen();
	if (ret)
		logm(LOG_WARNING, "cannot listen on %s: %s; dsmctl node add and del will not work here",
		     DSMD_CTL_PATH, strerror(-ret));
	auth_log_mode();
	logm(LOG_INFO, "cluster %s, node %d of %u%s, transport %s, listening on %s port %u, incarnation %llu",
	     d.conf.cluster, d.conf.local, d.conf.nr_nodes,
	     d.conf.join ? " (waiting to be added)" : "",
	     dsmd_transport_name(d.conf.transport),
	     d.conf.nodes[d.conf.local].addr, d.conf.nodes[d.conf.local].port,
	     (unsigned long long)d.incarnation);
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	bool test = false;
	char err[512];
	int ret, i;

	d.conf_path = DSMD_CONF_PATH;
	ret = parse_args(argc, argv, &test);
	if (ret >= 0)
		return ret;
	if (dsmd_conf_load(d.conf_path, &d.conf, err, sizeof(err))) {
		fprintf(stderr, "dsmd: %s\n", err);
		return DSMD_EXIT_CONF;
	}
	if (auth_init(err, sizeof(err))) {
		fprintf(stderr, "dsmd: %s\n", err);
		return DSMD_EXIT_CONF;
	}
	if (test) {
		printf("%s: ok: cluster %s, node %d of %u, transport %s, %s%s\n",
		       d.conf_path, d.conf.cluster, d.conf.local,
		       d.conf.nr_nodes, dsmd_transport_name(d.conf.transport),
		       d.auth ? "cluster key " :
		       "NO peer authentication (auth none)",
		       d.auth ? d.conf.key_path : "");
		return DSMD_EXIT_OK;
	}
	if (!d.foreground) {
		openlog("dsmd", LOG_PID, LOG_DAEMON);
		if (daemon(0, 0)) {
			perror("dsmd: daemon");
			return DSMD_EXIT_USAGE;
		}
	}
	for (i = 0; i < MAX_CONNS; i++)
		d.conns[i].fd = -1;
	d.cfd = -1;
	d.client = -1;
	for (i = 0; i < DSM_NODES_MAX; i++) {
		d.peers[i].conn = -1;
		d.peers[i].dconn = -1;
	}
	d.incarnation = new_incarnation();
	d.start = now_ms();
	home_adapt_init(&d.adapt);
	if (mgrnl_mgr_init()) {
		logm(LOG_ERR, "cannot set up the managers");
		return DSMD_EXIT_CONF;
	}
	ret = start();
	if (ret)
		return ret;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	ret = run();
	dsm_genl_close(&d.mgrnl);
	dsm_genl_close(&d.ev);
	dsm_genl_close(&d.nl);
	mgr_fini(&d.mgr);
	close(d.lfd);
	close(d.dfd);
	close(d.cfd);
	unlink(DSMD_CTL_PATH);
	return ret;
}

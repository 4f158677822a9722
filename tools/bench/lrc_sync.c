// SPDX-License-Identifier: GPL-2.0
/*
 * lrc_sync - what lazy release consistency costs on the wire and in time:
 * bytes per barrier under false sharing, lock acquire latency, manager
 * messages per barrier. Run by scripts/bench-lrc.sh on every node of the
 * virtual cluster at once:
 *
 *   vcluster run -n 3 --copy build/bench/lrc_sync -- ./lrc_sync PHASE...
 *
 * Phases, run in the order given (every node must get the same list):
 *
 *   fs PAGES ROUNDS BYTES UNIT
 *	false sharing: for ROUNDS rounds every node writes BYTES bytes of
 *	each of PAGES pages of an lrc region, as BYTES/UNIT runs of UNIT
 *	bytes interleaved with the other nodes' runs (node i writes runs
 *	i, i + n, i + 2n, ...), then arrives at a barrier. Each round checks
 *	the other nodes' bytes of the previous round, and after the last
 *	barrier every byte of every page is checked.
 *   bar K [w]
 *	K barriers; with "w", each node writes 8 interleaved bytes of one
 *	shared page before each.
 *   lock M
 *	2 nodes only: the 4 KiB and 64-byte TCP round trips between the two
 *	guests (as fault_latency measures them); M local re-acquires of a
 *	lock whose token is on this node (node 0); M acquires of one lock
 *	passed back and forth between the nodes (every one remote).
 *
 * Every node prints its own counter deltas over each phase (from
 * `dsmctl -j stats` and eth0's statistics) as lines
 *	@lrc <case> <metric> <value>
 * which bench-lrc.sh sums over the nodes; figures only one node has
 * (latencies, times, the phase's parameters) are printed by node 0 only.
 * Exit status: 0, or 1 when a call failed, data was wrong or a counter
 * could not be read. Nothing here asserts a time.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dsm_test.h"	/* dsm_sync(): a TCP barrier, not dsm */
#include "pingpong.h"

#define REGION		"lrcbench"
#define REGION_SIZE	(4UL << 20)
#define REGION_WAIT	30		/* s: dsmd replicates the region */
#define PP_PORT		7993		/* TCP between the two lock nodes */
#define RTT_SAMPLES	200
#define MAX_SAMPLES	100000
#define MAX_STATS	512

/* Ids: each phase its own, so that no phase sees another's history. */
#define FS_BARRIER	10		/* + phase number */
#define BAR_BARRIER	200		/* + phase number */
#define LOCK_LOCAL	300
#define LOCK_PP		301

static int node, nodes, dsm_fd, failed;
static unsigned char *region;
static size_t region_pages, next_page;
static unsigned int phase_no;

/* ------------------------------------------------------------ helpers */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(const double *v, int n, int p)
{
	return n ? v[(n - 1) * p / 100] : 0;
}

static void fail(const char *fmt, const char *what, long v)
{
	fprintf(stderr, "lrc_sync: node %d: ", node);
	fprintf(stderr, fmt, what, v);
	fprintf(stderr, "\n");
	failed = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "lrc_sync: node %d: %s: %s\n", node, what,
		strerror(errno));
	exit(1);
}

static void sync_step(unsigned int step)
{
	if (dsm_sync(step)) {
		fprintf(stderr, "lrc_sync: node %d: sync %u failed\n", node,
			step);
		exit(1);
	}
}

/* One record for bench-lrc.sh: summed over nodes. */
static void out(const char *c, const char *metric, double v)
{
	printf("@lrc %s %s %.6g\n", c, metric, v);
}

/* A record only node 0 prints (not a per-node count). */
static void out0(const char *c, const char *metric, double v)
{
	if (node == 0)
		out(c, metric, v);
}

static int dsm_sync_call(unsigned long req, unsigned int id)
{
	struct dsm_sync s = { .id = id };

	return ioctl(dsm_fd, req, &s) ? -errno : 0;
}

static void must(int ret, const char *what, unsigned int id)
{
	if (ret) {
		fprintf(stderr, "lrc_sync: node %d: %s %u: %s\n", node, what,
			id, strerror(-ret));
		exit(1);
	}
}

static void barrier(unsigned int id)
{
	must(dsm_sync_call(DSM_IOC_BARRIER, id), "barrier", id);
}

static void lock_acquire(unsigned int id)
{
	must(dsm_sync_call(DSM_IOC_LOCK_ACQUIRE, id), "acquire lock", id);
}

static void lock_release(unsigned int id)
{
	must(dsm_sync_call(DSM_IOC_LOCK_RELEASE, id), "release lock", id);
}

/* ------------------------------------------------------------ counters */

struct snap {
	int nr;
	char name[MAX_STATS][DSM_NAME_MAX];
	unsigned long long val[MAX_STATS];
	unsigned long long nic_bytes, nic_packets;
	double t;
};

static unsigned long long read_ull(const char *path)
{
	unsigned long long v;
	FILE *f = fopen(path, "r");

	if (!f || fscanf(f, "%llu", &v) != 1) {
		fprintf(stderr, "lrc_sync: node %d: cannot read %s\n", node,
			path);
		exit(1);
	}
	fclose(f);
	return v;
}

/*
 * Every dsm counter of this node, from `dsmctl -j stats` (one JSON object
 * of "name":value pairs), and eth0's transmit counters: everything this
 * node put on the wire, dsmd's frames and TCP/IP headers included.
 */
static void snapshot(struct snap *s)
{
	char buf[65536], *p, *q;
	size_t len = 0, n;
	FILE *f;

	f = popen("dsmctl -j stats", "r");
	if (!f)
		die("popen dsmctl");
	while ((n = fread(buf + len, 1, sizeof(buf) - 1 - len, f)) > 0)
		len += n;
	if (pclose(f) != 0 || len == 0 || len == sizeof(buf) - 1) {
		fprintf(stderr, "lrc_sync: node %d: dsmctl -j stats failed\n",
			node);
		exit(1);
	}
	buf[len] = '\0';
	s->nr = 0;
	for (p = buf; (p = strchr(p, '"')) && s->nr < MAX_STATS; p = q) {
		q = strchr(p + 1, '"');
		if (!q || q - p - 1 >= DSM_NAME_MAX)
			break;
		memcpy(s->name[s->nr], p + 1, q - p - 1);
		s->name[s->nr][q - p - 1] = '\0';
		q++;
		while (*q == ' ' || *q == ':')
			q++;
		s->val[s->nr++] = strtoull(q, &q, 10);
	}
	if (s->nr < 10) {
		fprintf(stderr, "lrc_sync: node %d: no counters from dsmctl\n",
			node);
		exit(1);
	}
	s->nic_bytes = read_ull("/sys/class/net/eth0/statistics/tx_bytes");
	s->nic_packets = read_ull("/sys/class/net/eth0/statistics/tx_packets");
	s->t = pp_now_us();
}

static unsigned long long stat_of(const struct snap *s, const char *name)
{
	int i;

	for (i = 0; i < s->nr; i++)
		if (!strcmp(s->name[i], name))
			return s->val[i];
	fprintf(stderr, "lrc_sync: node %d: no counter %s\n", node, name);
	failed = 1;
	return 0;
}

static unsigned long long delta(const struct snap *a, const struct snap *b,
				const char *name)
{
	return stat_of(b, name) - stat_of(a, name);
}

/* Sum of the deltas of every counter whose name starts with @prefix. */
static unsigned long long delta_prefix(const struct snap *a,
				       const struct snap *b, const char *prefix)
{
	unsigned long long sum = 0;
	int i;

	for (i = 0; i < b->nr; i++)
		if (!strncmp(b->name[i], prefix, strlen(prefix)))
			sum += b->val[i] - stat_of(a, b->name[i]);
	return sum;
}

/* eth0 bytes per second with nothing but heartbeats, measured at start. */
static double idle_Bps, idle_pps;

static void measure_idle(void)
{
	struct snap a, b;

	snapshot(&a);
	usleep(2000000);
	snapshot(&b);
	idle_Bps = (b.nic_bytes - a.nic_bytes) / ((b.t - a.t) / 1e6);
	idle_pps = (b.nic_packets - a.nic_packets) / ((b.t - a.t) / 1e6);
}

/* The counters every phase reports, summed over nodes by the script. */
static void report_counters(const char *c, const struct snap *a,
			    const struct snap *b)
{
	static const char * const types[] = {
		"lock_req", "lock_grant", "diff_req", "diff_reply",
		"page_req", "page_grant", "page_fwd",
	};
	static const char * const lrc[] = {
		"lrc_intervals", "lrc_twins", "lrc_diffs_made",
		"lrc_diff_bytes_made", "lrc_diffs_applied",
		"lrc_diff_bytes_applied", "lrc_diff_req_sent",
		"lrc_lock_acquire_local", "lrc_lock_acquire_remote",
		"lrc_barrier_waits", "mgr_requests", "mgr_replies",
		"lock_forwards", "page_fetched", "fault_read", "fault_write",
	};
	double secs = (b->t - a->t) / 1e6;
	char m[64];
	unsigned int i;

	out(c, "kernel_tx_bytes", delta_prefix(a, b, "bytes_tx_"));
	out(c, "kernel_tx_msgs", delta_prefix(a, b, "msg_tx_"));
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		snprintf(m, sizeof(m), "msg_tx_%s", types[i]);
		out(c, m, delta(a, b, m));
		snprintf(m, sizeof(m), "bytes_tx_%s", types[i]);
		out(c, m, delta(a, b, m));
	}
	for (i = 0; i < sizeof(lrc) / sizeof(lrc[0]); i++)
		out(c, lrc[i], delta(a, b, lrc[i]));
	/*
	 * Manager frames between the dsmds: each request and reply of a
	 * node other than the barrier manager (node 0, the lowest member)
	 * crosses the wire once; node 0's go over netlink only.
	 */
	out(c, "mgr_wire_frames", node == 0 ? 0 :
	    delta(a, b, "mgr_requests") + delta(a, b, "mgr_replies"));
	out(c, "nic_tx_bytes", b->nic_bytes - a->nic_bytes);
	out(c, "nic_tx_packets", b->nic_packets - a->nic_packets);
	out(c, "nic_idle_bytes", idle_Bps * secs);
	out(c, "nic_idle_packets", idle_pps * secs);
	out0(c, "seconds", secs);
	out0(c, "nodes", nodes);
}

/* ------------------------------------------------------------ the region */

static void map_region(void)
{
	struct dsm_region_info ri;
	struct dsm_api api = { .api = DSM_API_VERSION };
	double t0;
	char cmd[128];

	dsm_fd = open(DSM_DEV, O_RDWR | O_CLOEXEC);
	if (dsm_fd < 0)
		die(DSM_DEV);
	if (ioctl(dsm_fd, DSM_IOC_API, &api))
		die("DSM_IOC_API");
	if (api.api < 3 || !(api.features & DSM_FEATURE_MAP_LRC)) {
		fprintf(stderr, "lrc_sync: the module has no lrc (API %u)\n",
			api.api);
		exit(1);
	}
	if (node == 0) {
		snprintf(cmd, sizeof(cmd),
			 "dsmctl region create %s size %luK model lrc",
			 REGION, REGION_SIZE >> 10);
		if (system(cmd)) {
			fprintf(stderr, "lrc_sync: %s failed\n", cmd);
			exit(1);
		}
	}
	sync_step(1);
	t0 = pp_now_us();
	for (;;) {
		memset(&ri, 0, sizeof(ri));
		strcpy(ri.name, REGION);
		if (!ioctl(dsm_fd, DSM_IOC_REGION_INFO, &ri))
			break;
		if (errno != ENOENT || pp_now_us() - t0 > REGION_WAIT * 1e6)
			die("DSM_IOC_REGION_INFO " REGION);
		usleep(100000);
	}
	if (ri.model != DSM_MODEL_LRC || ri.size < REGION_SIZE) {
		fprintf(stderr, "lrc_sync: region %s: model %u, %llu bytes\n",
			REGION, ri.model, (unsigned long long)ri.size);
		exit(1);
	}
	region = mmap(NULL, REGION_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		      dsm_fd, ri.offset);
	if (region == MAP_FAILED)
		die("mmap");
	region_pages = REGION_SIZE / DSM_PAGE;
	sync_step(2);
}

/* @n fresh pages of the region (never touched by an earlier phase). */
static unsigned char *take_pages(size_t n)
{
	unsigned char *p;

	if (next_page + n > region_pages) {
		fprintf(stderr, "lrc_sync: out of region pages\n");
		exit(2);
	}
	p = region + next_page * DSM_PAGE;
	next_page += n;
	return p;
}

/* ------------------------------------------------------------ fs */

/* The byte node @w writes at index @k of its runs in round @r (1-based). */
static unsigned char fs_val(unsigned int r, int w, size_t k)
{
	return (unsigned char)(r * 31 + w * 7 + k + 1);
}

/*
 * Check every byte of @page: run j of node w holds round @r's value (0
 * before round 1); bytes nobody writes are 0; node @skip's bytes (this
 * node, in a round it has written already) are not checked.
 */
static long fs_check(const unsigned char *page, unsigned int r, size_t runs,
		     size_t unit, int skip)
{
	size_t off, j;
	long bad = 0;

	for (off = 0; off < DSM_PAGE; off++) {
		size_t run = off / unit;
		int w = run % nodes;
		unsigned char want = 0;

		j = run / nodes;
		if (j < runs) {
			if (w == skip)
				continue;
			if (r)
				want = fs_val(r, w, j * unit + off % unit);
		}
		if (page[off] != want)
			bad++;
	}
	return bad;
}

static void phase_fs(char **argv)
{
	size_t pages = strtoul(argv[0], NULL, 0);
	unsigned int rounds = strtoul(argv[1], NULL, 0);
	size_t bytes = strtoul(argv[2], NULL, 0);
	size_t unit = strtoul(argv[3], NULL, 0);
	unsigned int bid = FS_BARRIER + phase_no;
	size_t runs, p, j, u;
	unsigned char *base;
	struct snap a, b;
	unsigned int r;
	long bad = 0;
	char c[64];

	if (!pages || !rounds || !unit || bytes % unit || !bytes ||
	    bytes * nodes > DSM_PAGE) {
		fprintf(stderr, "lrc_sync: fs %s %s %s %s: need BYTES a multiple of UNIT and BYTES * nodes <= %d\n",
			argv[0], argv[1], argv[2], argv[3], DSM_PAGE);
		exit(2);
	}
	runs = bytes / unit;
	base = take_pages(pages);
	snprintf(c, sizeof(c), "fs-b%zu-u%zu", bytes, unit);
	sync_step(100 + phase_no);
	snapshot(&a);
	for (r = 1; r <= rounds; r++) {
		for (p = 0; p < pages; p++) {
			unsigned char *pg = base + p * DSM_PAGE;

			for (j = 0; j < runs; j++)
				for (u = 0; u < unit; u++)
					pg[(j * nodes + node) * unit + u] =
						fs_val(r, node, j * unit + u);
			/* The write made the page valid: last round's bytes. */
			bad += fs_check(pg, r - 1, runs, unit, node);
		}
		barrier(bid);
	}
	for (p = 0; p < pages; p++)
		bad += fs_check(base + p * DSM_PAGE, rounds, runs, unit, -1);
	snapshot(&b);
	if (bad)
		fail("%s: %ld wrong bytes", c, bad);
	out(c, "bytes_written", (double)bytes * pages * rounds);
	out(c, "wrong_bytes", bad);
	out0(c, "barriers", rounds);
	out0(c, "pages", pages);
	out0(c, "bytes_per_node_page", bytes);
	out0(c, "unit", unit);
	report_counters(c, &a, &b);
}

/* ------------------------------------------------------------ bar */

static void phase_bar(char **argv, int writes)
{
	unsigned int k = strtoul(argv[0], NULL, 0), i;
	unsigned int bid = BAR_BARRIER + phase_no;
	volatile uint64_t *w = NULL;
	struct timespec t0, t1;
	struct snap a, b;
	long bad = 0;
	char c[64];
	int j;

	if (!k) {
		fprintf(stderr, "lrc_sync: bar: K must be > 0\n");
		exit(2);
	}
	if (writes)
		w = (volatile uint64_t *)take_pages(1);
	snprintf(c, sizeof(c), "bar-%s", writes ? "writes" : "empty");
	sync_step(100 + phase_no);
	snapshot(&a);
	for (i = 1; i <= k; i++) {
		if (writes) {
			/* The others' words of the previous barrier. */
			for (j = 0; j < nodes; j++)
				if (j != node &&
				    w[j] != (i == 1 ? 0 : (i - 1) * 8 + j))
					bad++;
			w[node] = i * 8 + node;
		}
		barrier(bid);
		/* From the first release: the nodes start at their own pace. */
		if (i == 1)
			clock_gettime(CLOCK_MONOTONIC, &t0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (writes)
		for (j = 0; j < nodes; j++)
			if (w[j] != k * 8 + j)
				bad++;
	snapshot(&b);
	if (bad)
		fail("%s: %ld wrong words", c, bad);
	out(c, "wrong_words", bad);
	out0(c, "barriers", k);
	/* Node 0's clock, from its first release to its last. */
	if (k > 1)
		out0(c, "us_per_barrier",
		     ((t1.tv_sec - t0.tv_sec) * 1e9 +
		      (t1.tv_nsec - t0.tv_nsec)) / 1e3 / (k - 1));
	report_counters(c, &a, &b);
}

/* ------------------------------------------------------------ lock */

/* Where pp_pair() meets the other node; sync_step() exits on failure. */
static int pair_sync(unsigned int step)
{
	sync_step(step);
	return 0;
}

/* The TCP connection between nodes 0 and 1 (node 1 listens). */
static int tcp_pair(void)
{
	const char *what;
	int c = pp_pair(node, PP_PORT, pair_sync, 100 + phase_no, &what);

	if (c < 0)
		die(what);
	return c;
}

/* Round trips of @len bytes, measured on node 0, node 1 echoes. */
static void rtt(int c, size_t len, const char *name)
{
	static double v[RTT_SAMPLES];
	const char *what;

	if (pp_rtt(c, node, len, v, RTT_SAMPLES, &what))
		die(what);
	if (node == 0) {
		char m[64];

		qsort(v, RTT_SAMPLES, sizeof(*v), cmp_double);
		snprintf(m, sizeof(m), "%s_median_us", name);
		out0("lock", m, pct(v, RTT_SAMPLES, 50));
		snprintf(m, sizeof(m), "%s_p90_us", name);
		out0("lock", m, pct(v, RTT_SAMPLES, 90));
	}
}

static void report_lat(const char *c, const char *name, double *v, int n)
{
	char m[64];

	qsort(v, n, sizeof(*v), cmp_double);
	snprintf(m, sizeof(m), "%s_median_us", name);
	out0(c, m, pct(v, n, 50));
	snprintf(m, sizeof(m), "%s_p90_us", name);
	out0(c, m, pct(v, n, 90));
	snprintf(m, sizeof(m), "%s_samples", name);
	out0(c, m, n);
}

static void phase_lock(char **argv)
{
	static double lat[MAX_SAMPLES], peer[MAX_SAMPLES / 2 + 1];
	int m = strtol(argv[0], NULL, 0), i, mine = 0, got;
	struct snap a, b;
	char tok = 't';
	int c;

	if (nodes != 2 || m < 2 || m > MAX_SAMPLES) {
		fprintf(stderr, "lrc_sync: lock: needs 2 nodes and 2 <= M <= %d\n",
			MAX_SAMPLES);
		exit(2);
	}
	c = tcp_pair();
	rtt(c, DSM_PAGE, "rtt_4k");
	rtt(c, 64, "rtt_64");

	/*
	 * Local: node 0 takes the lock once (fresh token from its manager),
	 * then re-acquires it @m times. Node 1 does nothing; both report
	 * their counters, which must not move.
	 */
	if (node == 0) {
		lock_acquire(LOCK_LOCAL);
		lock_release(LOCK_LOCAL);
	}
	sync_step(200 + phase_no);
	snapshot(&a);
	if (node == 0)
		for (i = 0; i < m; i++) {
			double t = pp_now_us();

			lock_acquire(LOCK_LOCAL);
			lat[i] = pp_now_us() - t;
			lock_release(LOCK_LOCAL);
		}
	sync_step(300 + phase_no);
	snapshot(&b);
	if (node == 0)
		report_lat("lock-local", "acquire", lat, m);
	out0("lock-local", "acquires", m);
	report_counters("lock-local", &a, &b);

	/*
	 * Remote: the token starts on node 0; acquire i is made by node
	 * (i + 1) % 2, after the other node released it and said so over
	 * TCP, so every acquire finds the token on the other node and
	 * nobody waits for a holder.
	 */
	if (node == 0) {
		lock_acquire(LOCK_PP);
		lock_release(LOCK_PP);
	}
	sync_step(400 + phase_no);
	snapshot(&a);
	for (i = 0; i < m; i++) {
		double t;

		if ((i + 1) % 2 != node)
			continue;
		if (i > 0 && pp_full(c, &tok, 1, 0))
			die("ping-pong read");
		t = pp_now_us();
		lock_acquire(LOCK_PP);
		lat[mine++] = pp_now_us() - t;
		lock_release(LOCK_PP);
		if (i + 1 < m && pp_full(c, &tok, 1, 1))
			die("ping-pong write");
	}
	sync_step(500 + phase_no);
	snapshot(&b);
	/* Node 1's samples go to node 0, which reports them all. */
	if (node == 1) {
		if (pp_full(c, &mine, sizeof(mine), 1) ||
		    pp_full(c, lat, mine * sizeof(double), 1))
			die("send samples");
	} else {
		if (pp_full(c, &got, sizeof(got), 0) || got < 0 ||
		    got > MAX_SAMPLES / 2 + 1 ||
		    pp_full(c, peer, got * sizeof(double), 0))
			die("receive samples");
		report_lat("lock-remote", "n0_acquire", lat, mine);
		report_lat("lock-remote", "n1_acquire", peer, got);
		memcpy(lat + mine, peer, got * sizeof(double));
		report_lat("lock-remote", "acquire", lat, mine + got);
	}
	out0("lock-remote", "acquires", m);
	report_counters("lock-remote", &a, &b);
	close(c);
}

/* ------------------------------------------------------------ main */

static void usage(void)
{
	fprintf(stderr,
		"usage: lrc_sync PHASE...\n"
		"  fs PAGES ROUNDS BYTES UNIT   false sharing between barriers\n"
		"  bar K [w]                    K barriers (w: with writes)\n"
		"  lock M                       lock latency, 2 nodes\n"
		"run on every node of the virtual cluster (DSM_NODE_ID, DSM_NODES)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int i;

	node = dsm_node_id_env();
	nodes = dsm_nodes_env();
	if (node < 0 || nodes < 1 || node >= nodes || nodes > DSM_NODES_MAX ||
	    argc < 2)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Check the whole list first: a bad one must not stop a run midway. */
	for (i = 1; i < argc; ) {
		if (!strcmp(argv[i], "fs") && argc - i > 4)
			i += 5;
		else if (!strcmp(argv[i], "bar") && argc - i > 1)
			i += 2 + (argc - i > 2 && !strcmp(argv[i + 2], "w"));
		else if (!strcmp(argv[i], "lock") && argc - i > 1)
			i += 2;
		else
			usage();
	}
	map_region();
	measure_idle();
	out("idle", "nic_tx_Bps", idle_Bps);
	out("idle", "nic_tx_pps", idle_pps);
	for (i = 1; i < argc; phase_no++) {
		if (!strcmp(argv[i], "fs")) {
			phase_fs(argv + i + 1);
			i += 5;
		} else if (!strcmp(argv[i], "bar")) {
			int w = argc - i > 2 && !strcmp(argv[i + 2], "w");

			phase_bar(argv + i + 1, w);
			i += 2 + w;
		} else {
			phase_lock(argv + i + 1);
			i += 2;
		}
	}
	sync_step(9999);
	munmap(region, REGION_SIZE);
	close(dsm_fd);
	return failed;
}

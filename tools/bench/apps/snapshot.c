// SPDX-License-Identifier: GPL-2.0
/*
 * snapshot - a bounded atomic snapshot object in dsm's default sc region,
 * used as a progress display, with a linearizability checker.
 *
 * Unmodified program: only open and mmap of /dev/dsm, ordinary loads,
 * stores and atomic instructions. Runs on every node at once.
 *
 * The object is the bounded single-writer snapshot of Afek, Attiya, Dolev,
 * Gafni, Merritt and Shavit ("Atomic snapshots of shared memory", JACM
 * 1993, figure 3): node i owns register r_i = (value, p[], toggle, view);
 * scanner i owns handshake bits q[i][]. A scan does a handshake, then a
 * double collect; if nobody moved it returns the second collect, and if
 * some node j moved twice during the scan it returns j's embedded view
 * (j then completed a whole update, embedded scan included, inside this
 * scan). An update sets its handshake bits to differ from the scanners'
 * bits, does an embedded scan and writes value, bits, view and a flipped
 * toggle in one atomic register write. No sequence numbers: every field
 * is bounded.
 *
 * A register of several words is made atomic by a seqlock (one writer,
 * readers retry while a write is in progress or raced with their copy):
 * that is the standard construction of an atomic multi-word single-writer
 * register from atomic words, and the only place a reader may repeat.
 *
 * The run: every node performs UPDATES updates of its own component with
 * its progress (1, 2, ... UPDATES), with WORK microseconds of local work
 * before each, and a scan every SCAN_EVERY updates; node 0 scans after
 * each of its updates, shows the progress it sees, prints the first scan
 * in which every node has reached 50%, and keeps scanning until every
 * node is done. Every operation is logged, in the node's own pages of the
 * region, with two tickets from a shared atomic counter (one taken before
 * the operation starts, one after it ends). After a final barrier node 0
 * reads every log and checks that the history is linearizable; see
 * check() and Documentation/benchmarks.md for the argument. With APP_BREAK=1
 * in the environment node 0 logs stale views on purpose, so that one can
 * see the checker fail.
 *
 *   snapshot [-q] [-w WORK_US] [-s SCAN_EVERY] UPDATES
 */
#include <getopt.h>

#include "sc_common.h"

#define APP		"snapshot"
/* Inside the default region, clear of the other programs' offsets. */
#define SNAP_OFF	(64UL << 20)
#define SNAP_SPAN	(64UL << 20)
#define MAX_UPDATES	20000UL
#define MAGIC		0x736e6170UL	/* "snap" */

/* Register r_i: written by node i only; one page, so nothing else moves. */
struct reg {
	uint64_t seq;			/* seqlock: odd while being written */
	uint32_t value;			/* progress: updates done */
	uint8_t p[APP_MAX_NODES];	/* handshake bits p[i][j] */
	uint8_t toggle;
	uint32_t view[APP_MAX_NODES];	/* the embedded scan's result */
};

struct reg_copy {
	uint32_t value;
	uint8_t p[APP_MAX_NODES];
	uint8_t toggle;
	uint32_t view[APP_MAX_NODES];
};

struct op_log {			/* one update: tickets around it */
	uint64_t begin, end;
};

struct scan_log {
	uint64_t begin, end;
	uint32_t view[APP_MAX_NODES];
};

/* Node i's log: its own pages; node 0 reads them after the run. */
struct log_head {
	uint64_t updates;	/* completed updates */
	uint64_t scans;		/* logged scans */
};

struct layout {
	uint64_t *head;		/* page 0: magic, nodes, updates (read
					 * after a barrier) */
	uint64_t *clock;		/* page 1: the ticket counter */
	struct reg *r[APP_MAX_NODES];	/* one page each */
	uint8_t *q[APP_MAX_NODES];	/* q[i][j]: one page per scanner */
	struct log_head *lh[APP_MAX_NODES];
	struct op_log *ul[APP_MAX_NODES];
	struct scan_log *sl[APP_MAX_NODES];
	unsigned long max_scans;
};

static int id, nodes;
static int break_check;	/* APP_BREAK=1: prove the checker can fail */
static struct layout L;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " APP " [-q] [-w WORK_US] [-s SCAN_EVERY] UPDATES\n"
		"  Every node updates its component of an atomic snapshot\n"
		"  UPDATES times (1..%lu) with its progress; node 0 shows the\n"
		"  progress and checks that every scan was linearizable.\n"
		"  -w WORK_US    local work before each update (default 0,\n"
		"                at most 1000000)\n"
		"  -s SCAN_EVERY a logged scan every SCAN_EVERY updates on\n"
		"                nodes other than 0 (default 4, 1..1000)\n"
		"  -q            no progress display, only the result lines\n"
		"Runs on every vcluster node at once (DSM_NODE_ID, DSM_NODES).\n",
		MAX_UPDATES);
}

static uint64_t tick(void)
{
	return __atomic_fetch_add(L.clock, 1, __ATOMIC_SEQ_CST);
}

static void reg_read(int j, struct reg_copy *c)
{
	struct reg *r = L.r[j];
	uint64_t s1, s2;
	int k;

	for (;;) {
		s1 = __atomic_load_n(&r->seq, __ATOMIC_ACQUIRE);
		if (s1 & 1) {
			__builtin_ia32_pause();
			continue;
		}
		c->value = __atomic_load_n(&r->value, __ATOMIC_RELAXED);
		c->toggle = __atomic_load_n(&r->toggle, __ATOMIC_RELAXED);
		for (k = 0; k < nodes; k++) {
			c->p[k] = __atomic_load_n(&r->p[k], __ATOMIC_RELAXED);
			c->view[k] = __atomic_load_n(&r->view[k],
						     __ATOMIC_RELAXED);
		}
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&r->seq, __ATOMIC_RELAXED);
		if (s1 == s2)
			return;
	}
}

static void reg_write(const struct reg_copy *c)
{
	struct reg *r = L.r[id];
	uint64_t s = __atomic_load_n(&r->seq, __ATOMIC_RELAXED);
	int k;

	__atomic_store_n(&r->seq, s + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&r->value, c->value, __ATOMIC_RELAXED);
	__atomic_store_n(&r->toggle, c->toggle, __ATOMIC_RELAXED);
	for (k = 0; k < nodes; k++) {
		__atomic_store_n(&r->p[k], c->p[k], __ATOMIC_RELAXED);
		__atomic_store_n(&r->view[k], c->view[k], __ATOMIC_RELAXED);
	}
	__atomic_store_n(&r->seq, s + 2, __ATOMIC_SEQ_CST);
}

/* scan_i: figure 3 of the paper, i = this node. */
static void scan(uint32_t *view)
{
	struct reg_copy a[APP_MAX_NODES], b[APP_MAX_NODES];
	int moved[APP_MAX_NODES] = { 0 }, j, quiet;
	uint8_t qv[APP_MAX_NODES];

	for (;;) {
		for (j = 0; j < nodes; j++) {	/* handshake */
			reg_read(j, &a[j]);
			qv[j] = a[j].p[id];
			__atomic_store_n(&L.q[id][j], qv[j], __ATOMIC_SEQ_CST);
		}
		for (j = 0; j < nodes; j++)
			reg_read(j, &a[j]);
		for (j = 0; j < nodes; j++)
			reg_read(j, &b[j]);
		quiet = 1;
		for (j = 0; j < nodes; j++)
			if (a[j].p[id] != qv[j] || b[j].p[id] != qv[j] ||
			    a[j].toggle != b[j].toggle)
				quiet = 0;
		if (quiet) {
			for (j = 0; j < nodes; j++)
				view[j] = b[j].value;
			return;
		}
		for (j = 0; j < nodes; j++) {
			if (a[j].p[id] == qv[j] && b[j].p[id] == qv[j] &&
			    a[j].toggle == b[j].toggle)
				continue;
			if (moved[j]) {		/* j moved twice: borrow */
				memcpy(view, b[j].view,
				       nodes * sizeof(*view));
				return;
			}
			moved[j] = 1;
		}
	}
}

static void update(uint32_t value)
{
	struct reg_copy c, old;
	int j;

	for (j = 0; j < nodes; j++)
		c.p[j] = !__atomic_load_n(&L.q[j][id], __ATOMIC_SEQ_CST);
	scan(c.view);
	reg_read(id, &old);	/* our own register: never torn */
	c.value = value;
	c.toggle = !old.toggle;
	reg_write(&c);
}

static void logged_update(uint32_t value)
{
	struct op_log *o = &L.ul[id][value - 1];

	o->begin = tick();
	update(value);
	o->end = tick();
	L.lh[id]->updates = value;
}

/* A logged scan; returns 0, or -1 when the log is full (not logged). */
static int logged_scan(uint32_t *view)
{
	struct scan_log *s;
	uint64_t n = L.lh[id]->scans;

	if (n >= L.max_scans)
		return -1;
	s = &L.sl[id][n];
	s->begin = tick();
	scan(view);
	/* Self-test of the checker: node 0 logs a stale view. */
	if (break_check && id == 0 && n >= 4)
		memcpy(view, L.sl[id][1].view, nodes * sizeof(*view));
	s->end = tick();
	memcpy(s->view, view, nodes * sizeof(*view));
	L.lh[id]->scans = n + 1;
	return 0;
}

static void work(unsigned long us)
{
	double end = app_now() + us / 1e6;
	volatile unsigned long x = 0;

	while (us && app_now() < end)
		x++;
}

static void show(const uint32_t *view, unsigned long total, double t0)
{
	int j, k, w;

	printf("%6.1fs ", app_now() - t0);
	for (j = 0; j < nodes; j++) {
		w = (int)(view[j] * 10 / total);
		printf(" n%d [", j);
		for (k = 0; k < 10; k++)
			putchar(k < w ? '#' : '.');
		printf("] %3lu%%", view[j] * 100 / total);
	}
	printf("\n");
	fflush(stdout);
}

static int all_at_least(const uint32_t *view, unsigned long v)
{
	int j;

	for (j = 0; j < nodes; j++)
		if (view[j] < v)
			return 0;
	return 1;
}

/* ---- the checker (node 0, after the run) -------------------------------- */

struct scan_ref {
	const struct scan_log *s;
	int node;
	unsigned long idx;
};

static int by_end(const void *a, const void *b)
{
	const struct scan_ref *x = a, *y = b;

	return x->s->end < y->s->end ? -1 : x->s->end > y->s->end;
}

static int by_begin(const void *a, const void *b)
{
	const struct scan_ref *x = a, *y = b;

	return x->s->begin < y->s->begin ? -1 : x->s->begin > y->s->begin;
}

static uint64_t view_sum(const uint32_t *v)
{
	uint64_t s = 0;
	int j;

	for (j = 0; j < nodes; j++)
		s += v[j];
	return s;
}

static int by_sum(const void *a, const void *b)
{
	uint64_t x = view_sum(((const struct scan_ref *)a)->s->view);
	uint64_t y = view_sum(((const struct scan_ref *)b)->s->view);

	return x < y ? -1 : x > y;
}

static int leq(const uint32_t *a, const uint32_t *b)
{
	int j;

	for (j = 0; j < nodes; j++)
		if (a[j] > b[j])
			return 0;
	return 1;
}

static void print_view(const char *what, const struct scan_ref *r)
{
	int j;

	printf("  %s: node %d scan %lu tickets [%llu, %llu] view", what,
	       r->node, r->idx, (unsigned long long)r->s->begin,
	       (unsigned long long)r->s->end);
	for (j = 0; j < nodes; j++)
		printf(" %u", r->s->view[j]);
	printf("\n");
}

/* Count a violation; print the first ten, with the scan concerned. */
static void __attribute__((format(printf, 3, 4)))
violation(unsigned long *bad, const struct scan_ref *r, const char *fmt, ...)
{
	va_list ap;

	if ((*bad)++ >= 10)
		return;
	if (r)
		print_view("scan", r);
	printf("  violation: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

/*
 * Number of updates of node @i that ended before ticket @t (updates of
 * one node are sequential, so their end tickets increase).
 */
static uint32_t ended_before(int i, uint64_t t, uint32_t nupd)
{
	uint32_t lo = 0, hi = nupd;	/* answer in [lo, hi] */

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo + 1) / 2;

		if (L.ul[i][mid - 1].end < t)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/*
 * check - is the logged history linearizable? A precedes B in real time
 * for certain when A's end ticket is below B's begin ticket. With
 * U(j,k) node j's k-th update (it writes k) and S[j] scan S's component
 * j, the history is linearizable iff
 *   (1) S[j] <= updates j made, and U(j,S[j]) began before S ended;
 *   (2) U(j,S[j]+1), if any, did not end before S began;
 *   (3) every two scans are comparable (componentwise <=);
 *   (4) S1 ended before S2 began  =>  S1 <= S2;
 *   (5) S contains U(j,b) and U(i,a) ended before U(j,b) began
 *       =>  S[i] >= a.
 * Necessity is plain; sufficiency: Documentation/benchmarks.md builds the
 * linearization. Returns the number of violations (printed, at most 10).
 */
static unsigned long check(unsigned long *nscans_out)
{
	uint32_t nupd[APP_MAX_NODES], maxv[APP_MAX_NODES] = { 0 };
	unsigned long nscans = 0, bad = 0, k, m, p;
	struct scan_ref *sr, *sb;
	int i, j;

	for (i = 0; i < nodes; i++) {
		nupd[i] = (uint32_t)L.lh[i]->updates;
		nscans += L.lh[i]->scans;
		for (k = 0; k < nupd[i]; k++)
			if (L.ul[i][k].begin >= L.ul[i][k].end ||
			    (k && L.ul[i][k - 1].end >= L.ul[i][k].begin))
				violation(&bad, NULL, "node %d update %lu: tickets out of order\n",
					  i, k + 1);
	}
	*nscans_out = nscans;
	sr = calloc(nscans ? nscans : 1, sizeof(*sr));
	if (!sr) {
		printf("  out of memory\n");
		return 1;
	}
	for (m = 0, i = 0; i < nodes; i++)
		for (k = 0; k < L.lh[i]->scans; k++, m++) {
			sr[m].s = &L.sl[i][k];
			sr[m].node = i;
			sr[m].idx = k;
		}
	for (m = 0; m < nscans; m++) {
		const struct scan_log *s = sr[m].s;

		for (j = 0; j < nodes; j++) {
			uint32_t v = s->view[j];

			if (v > nupd[j]) {		/* (1) */
				violation(&bad, &sr[m], "component %d = %u, but node %d made %u updates\n",
					  j, v, j, nupd[j]);
				continue;
			}
			if (v && L.ul[j][v - 1].begin >= s->end) {
				violation(&bad, &sr[m], "component %d = %u, an update that began after the scan ended\n",
					  j, v);
			}
			if (v < nupd[j] && L.ul[j][v].end < s->begin) {	/* (2) */
				violation(&bad, &sr[m], "component %d = %u, but update %u of node %d ended before the scan began\n",
					  j, v, v + 1, j);
			}
			if (!v)
				continue;
			for (i = 0; i < nodes; i++) {		/* (5) */
				uint32_t a = ended_before(i,
					L.ul[j][v - 1].begin, nupd[i]);

				if (s->view[i] < a) {
					violation(&bad, &sr[m], "it holds update %u of node %d but not update %u of node %d, which ended before that began\n",
						  v, j, a, i);
				}
			}
		}
	}
	/* (3): sorted by sum, a chain iff each neighbour pair is ordered. */
	qsort(sr, nscans, sizeof(*sr), by_sum);
	for (m = 1; m < nscans; m++)
		if (!leq(sr[m - 1].s->view, sr[m].s->view)) {
			if (bad < 10)
				print_view("scan", &sr[m - 1]);
			violation(&bad, &sr[m], "two scans are not comparable\n");
		}
	/*
	 * (4): sorted by end ticket, the scans that ended before S2 began are
	 * a prefix; all are <= S2 iff their componentwise maximum is.
	 */
	qsort(sr, nscans, sizeof(*sr), by_end);
	sb = calloc(nscans ? nscans : 1, sizeof(*sb));
	if (!sb) {
		free(sr);
		printf("  out of memory\n");
		return bad + 1;
	}
	memcpy(sb, sr, nscans * sizeof(*sb));
	qsort(sb, nscans, sizeof(*sb), by_begin);
	for (p = 0, m = 0; m < nscans; m++) {	/* S2 = sb[m], begin order */
		while (p < nscans && sr[p].s->end < sb[m].s->begin) {
			for (j = 0; j < nodes; j++)
				if (sr[p].s->view[j] > maxv[j])
					maxv[j] = sr[p].s->view[j];
			p++;
		}
		if (!leq(maxv, sb[m].s->view))
			violation(&bad, &sb[m], "a scan that ended before this one began saw more\n");
	}
	free(sb);
	free(sr);
	return bad;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long updates, work_us = 0, scan_every = 4, v;
	unsigned long logsz, nscans = 0, bad;
	uint32_t view[APP_MAX_NODES];
	int quiet = 0, c, j, half_seen = 0;
	double t0, t1, last = 0;
	char *base;

	while ((c = getopt_long(argc, argv, "qw:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quiet = 1;
			break;
		case 'w':
			if (app_arg(optarg, 0, 1000000, &work_us))
				goto bad_args;
			break;
		case 's':
			if (app_arg(optarg, 1, 1000, &scan_every))
				goto bad_args;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad_args;
		}
	}
	if (optind != argc - 1 ||
	    app_arg(argv[optind], 1, MAX_UPDATES, &updates))
		goto bad_args;
	break_check = app_env("APP_BREAK") == 1;
	if (app_nodes_env(&id, &nodes)) {
		fprintf(stderr, APP ": DSM_NODE_ID and DSM_NODES must be set (0 <= id < nodes <= %d)\n",
			APP_MAX_NODES);
		return 2;
	}

	/*
	 * Pages: 0 head, 1 clock, 2..9 registers, 10..17 handshake bits,
	 * then one log area per node: head page, updates, scans.
	 */
	L.max_scans = 2 * updates + 256;
	logsz = APP_PAGE + updates * sizeof(struct op_log) +
		L.max_scans * sizeof(struct scan_log);
	logsz = (logsz + APP_PAGE - 1) & ~(APP_PAGE - 1);
	if (18 * APP_PAGE + APP_MAX_NODES * logsz > SNAP_SPAN) {
		fprintf(stderr, APP ": internal: log does not fit\n");
		return 1;
	}
	base = app_map(SNAP_OFF, SNAP_SPAN);
	if (!base)
		return 1;
	L.head = (uint64_t *)base;
	L.clock = (uint64_t *)(base + APP_PAGE);
	for (j = 0; j < APP_MAX_NODES; j++) {
		char *lg = base + 18 * APP_PAGE + j * logsz;

		L.r[j] = (struct reg *)(base + (2 + j) * APP_PAGE);
		L.q[j] = (uint8_t *)(base + (10 + j) * APP_PAGE);
		L.lh[j] = (struct log_head *)lg;
		L.ul[j] = (struct op_log *)(lg + APP_PAGE);
		L.sl[j] = (struct scan_log *)(lg + APP_PAGE +
				updates * sizeof(struct op_log));
	}
	/* Each node resets what it owns: its register, bits and log head. */
	memset(L.r[id], 0, sizeof(struct reg));
	memset(L.q[id], 0, APP_MAX_NODES);
	memset(L.lh[id], 0, sizeof(struct log_head));
	if (id == 0) {
		*L.clock = 1;
		L.head[1] = nodes;
		L.head[2] = updates;
		L.head[0] = MAGIC;
	}
	if (app_sync(1, APP_SYNC_TIMEOUT)) {
		fprintf(stderr, APP ": node %d: the nodes did not meet (start)\n",
			id);
		return 1;
	}
	if (L.head[0] != MAGIC || L.head[1] != (uint64_t)nodes ||
	    L.head[2] != updates) {
		fprintf(stderr, APP ": node %d: node 0 runs other arguments (updates %llu, nodes %llu)\n",
			id, (unsigned long long)L.head[2],
			(unsigned long long)L.head[1]);
		return 1;
	}
	if (id == 0 && !quiet)
		printf("snapshot: %d nodes, %lu updates each; node 0's scans:\n",
		       nodes, updates);
	t0 = app_now();
	for (v = 1; v <= updates; v++) {
		work(work_us);
		logged_update((uint32_t)v);
		if (id != 0) {
			if (v % scan_every == 0 || v == updates)
				logged_scan(view);
			continue;
		}
		if (logged_scan(view))
			scan(view);	/* log full: still show progress */
		if (!quiet && (app_now() - last >= 1.0 || v == 1)) {
			last = app_now();
			show(view, updates, t0);
		}
		if (!half_seen && all_at_least(view, (updates + 1) / 2)) {
			half_seen = 1;
			printf("every node has reached 50%%:");
			for (j = 0; j < nodes; j++)
				printf(" n%d %u/%lu", j, view[j], updates);
			printf("\n");
			fflush(stdout);
		}
	}
	/* Node 0 keeps scanning until every node is done. */
	while (id == 0) {
		if (logged_scan(view))
			scan(view);
		if (!half_seen && all_at_least(view, (updates + 1) / 2)) {
			half_seen = 1;
			printf("every node has reached 50%%:");
			for (j = 0; j < nodes; j++)
				printf(" n%d %u/%lu", j, view[j], updates);
			printf("\n");
		}
		if (all_at_least(view, updates))
			break;
		if (!quiet && app_now() - last >= 1.0) {
			last = app_now();
			show(view, updates, t0);
		}
		usleep(20000);
	}
	if (app_sync(2, APP_SYNC_TIMEOUT)) {
		fprintf(stderr, APP ": node %d: the nodes did not meet (end)\n",
			id);
		return 1;
	}
	t1 = app_now();
	bad = 0;
	if (id == 0) {
		if (!quiet)
			show(view, updates, t0);
		bad = check(&nscans);
		if (!half_seen) {
			printf("  node 0 never saw every node at 50%%\n");
			bad++;
		}
		printf("snapshot: %lu scans and %lu updates checked: %s\n",
		       nscans, updates * nodes,
		       bad ? "NOT linearizable" : "linearizable");
		printf("app=" APP " nodes=%d size=%lu time_ms=%.0f verify=%s\n",
		       nodes, updates, (t1 - t0) * 1000, bad ? "FAIL" : "ok");
		fflush(stdout);
	}
	/* The logs stay readable until node 0 has checked them. */
	if (app_sync(3, APP_SYNC_TIMEOUT)) {
		fprintf(stderr, APP ": node %d: the nodes did not meet (check)\n",
			id);
		return 1;
	}
	return bad ? 1 : 0;

bad_args:
	usage(stderr);
	return 2;
}

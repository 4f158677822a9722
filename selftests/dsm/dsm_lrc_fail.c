// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_lrc_fail - an lrc computation survives a node powered off in its
 * middle (issue 12, finding 6; Documentation/lrc.md "Failures").
 *
 * Three nodes run a Jacobi-style iteration over an lrc region: node b owns
 * band b (one page in each of two buffers), and in iteration t computes
 * its band of buffer (t + 1) % 2 from its own band and its neighbours'
 * bands of buffer t % 2, then arrives at a barrier. In the last iteration
 * before it dies, node 2 also writes half of page X (node 1 writes the
 * other half) and all of page Y, which nobody reads while it is up. After
 * that barrier every node reads what it needs for the next iteration,
 * then node 2 powers off (vc-restart). Nodes 0 and 1:
 *
 * - wait until node 2 is declared down, then go on iterating with node
 *   2's band frozen at its last values: every barrier among the two
 *   completes (a node declared down is not waited for), within a bound;
 * - their bands hold exactly the serial result of that computation;
 * - node 0 never fetched node 2's writes of its band pages, X or Y, and
 *   node 1 never fetched X or Y: node 2 pushed the diffs of each interval
 *   it released to its backup, node 0 (the next live node after it,
 *   Documentation/lrc.md "Backed-up releases"), before its barrier
 *   arrival went on. So both survivors read node 2's released writes,
 *   correct: node 1's half of X and node 2's, all of Y, node 2's last
 *   band values; node 0 from the diffs it keeps, node 1 by asking node 0
 *   (lrc_backup_served moves on node 0). Nothing is lost: lrc_diffs_lost
 *   does not move.
 *
 * A second region, created with `replicas 0`, keeps today's behaviour
 * without backups: node 2 also writes half of its page X0 (node 1 the
 * other half) and all of Y0; nobody fetched them, node 2 pushed them to
 * nobody, so the survivors read node 1's half of X0 and zero elsewhere,
 * and lrc_diffs_lost counts the two diffs once on each survivor.
 *
 * Every node runs it with lrc_prefetch_pages 0 (restored at the end):
 * what it checks is what becomes of writes nobody fetched, and a
 * barrier's prefetch (Documentation/lrc.md) would fetch node 2's half of
 * X0 on node 1, which wrote the other half, before node 2 dies.
 *
 * Before that, in iteration 1, node 2 alone wrote page V, and that
 * iteration's barrier collected garbage with every node up: node 2's copy
 * of V was then the only valid one but for its backup's, node 0, which
 * makes its predecessor's pages valid at every collection. After node 2
 * is down both survivors read its V: node 0 its own copy, node 1, whose
 * copy_from for V is node 2, from node 0.
 *
 * Then the survivors collect garbage at a barrier with node 2 down (a tiny
 * lrc_gc_threshold): node 2 also wrote all of page Z and half of page W
 * (node 1 the other half), which nobody read before. Node 0, node 2's
 * backup, validates them at the collection from the diffs it keeps, and
 * is their copy_from for node 1: after the collection both survivors read
 * node 2's writes there, and nothing is counted lost (the collection does
 * not discard what node 2 released).
 *
 * After its last barrier, node 2 also writes page O under a lock and
 * releases it, which pushes the interval to its backup, node 0, and
 * nobody else: node 0 makes it known at its next barrier (what a backup
 * keeps of a lost writer beyond what it knew: lrc_kept_learned), and
 * both survivors read it.
 *
 * Node 2 comes back as a new incarnation (issue 16 item 4): the barriers
 * of nodes 0 and 1 complete without it until it arrives at one; then it
 * joins lrc again there (a collection; lrc_rejoins 1 on every node), and
 * reads the survivors' bands, fetched whole. Its new intervals go on
 * from the old ones' index: it writes pages Y and Y0 (replicas 0) again,
 * and after a barrier of the three the others read its new values (Y0's
 * asked of node 2 itself, which no backup keeps, and nothing counted
 * lost); then the three add to a counter under a lock, and each reads
 * the exact total.
 *
 * Written for 3 nodes; the last program of its group (node 2 restarts in
 * the middle); run again on the restarted node 2 (tests-restart), which
 * joins at step 103.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dsm.h>

#include "kselftest_harness.h"
#include "dsm_test.h"
#include "dsm_shell.h"

#define REGION		"lrcfail"
#define REGION0		"lrcfail0"	/* replicas 0 */
#define NR_PAGES0	2		/* X0, Y0 */
#define VICTIM		2
#define JB		91		/* the barrier id */
#define ITERS_ALL	4		/* iterations with all three nodes */
#define ITERS_TWO	6		/* then with nodes 0 and 1 */
#define WORDS		(DSM_PAGE / 8)
/* Pages of the region: buffer k, band b is page 3k + b; then X, Y. */
#define PG_X		6
#define PG_Y		7
#define PG_Z		8		/* node 2 only, read after a collection */
#define PG_W		9		/* nodes 1 and 2, the same */
#define PG_V		10		/* node 2 only, collected while up */
#define PG_R		11		/* a counter, after node 2 rejoined */
#define PG_O		12		/* node 2's last release, under O_LOCK */
#define NR_PAGES	13
#define ITER_V		1		/* V written, and collected, then */
#define X_WORD		0x5eed0001ULL
#define Y_WORD		0x5eed0002ULL
#define Z_WORD		0x5eed0003ULL
#define W_WORD		0x5eed0004ULL
#define V_WORD		0x5eed0005ULL
#define Q_WORD		0x5eed0006ULL	/* node 2's writes after it rejoined */
#define O_WORD		0x5eed0007ULL
#define O_LOCK		96		/* node 0 manages it */
/*
 * The counter's lock: node 0 manages it (a lock node 2 managed answers
 * its first acquire after node 2's death EOWNERDEAD: lrc.md "Limits").
 */
#define RJ_LOCK		93
#define RJ_INCS		5		/* each node's increments */
#define RJ_TRIES	10		/* barriers until one collected */
#define GC_PARAM	"/sys/module/dsm/parameters/lrc_gc_threshold"
#define PF_PARAM	"/sys/module/dsm/parameters/lrc_prefetch_pages"
#define DEAD_TIMEOUT	10	/* dead-timeout in vcluster's dsm.conf */
#define DETECT_WAIT	dsm_test_secs(DEAD_TIMEOUT + 25)
#define MAP_WAIT	dsm_test_secs(30)	/* region replication */
#define BARRIER_BOUND	dsm_test_secs(60)	/* one barrier of two nodes */
#define REBOOT_TIMEOUT	240			/* node 2 boots again */

static int node;

static volatile uint64_t *page(void *map, int pg)
{
	return (volatile uint64_t *)((char *)map + (size_t)pg * DSM_PAGE);
}

/* Band @b's new value from its own and its neighbours' values. */
static uint64_t step_value(uint64_t left, uint64_t own, uint64_t right,
			   int t)
{
	return own * 3 + left * 5 + right * 7 + (uint64_t)t + 1;
}

/*
 * The serial computation: @v[k][b] is the value of band b in buffer k
 * after iteration @upto - 1; band 2 is computed only while node 2 lives
 * (t < ITERS_ALL).
 */
static void serial(uint64_t v[2][3], int upto)
{
	int t, b;

	memset(v, 0, sizeof(uint64_t) * 6);
	for (t = 0; t < upto; t++) {
		uint64_t *cur = v[t % 2], *nxt = v[(t + 1) % 2];

		for (b = 0; b < 3; b++) {
			if (b == VICTIM && t >= ITERS_ALL)
				continue;
			nxt[b] = step_value(b ? cur[b - 1] : 11, cur[b],
					    b < 2 ? cur[b + 1] : 13, t);
		}
	}
}

/* Node @node's work in iteration @t: its band of the next buffer. */
static void iterate(void *map, int t, uint64_t left, uint64_t right)
{
	volatile uint64_t *cur = page(map, 3 * (t % 2) + node);
	volatile uint64_t *nxt = page(map, 3 * ((t + 1) % 2) + node);
	uint64_t v = step_value(left, cur[0], right, t);
	int i;

	for (i = 0; i < WORDS; i++)
		nxt[i] = v;
}

/* The neighbours' values in buffer @k (boundary words of their bands). */
static void neighbours(void *map, int k, uint64_t *left, uint64_t *right)
{
	*left = node ? page(map, 3 * k + node - 1)[WORDS - 1] : 11;
	*right = node < 2 ? page(map, 3 * k + node + 1)[0] : 13;
}

/*
 * Read page @pg in a child (a lost page could be SIGBUS), into @buf.
 * Returns 0, or the child's wait status (non-zero) if it failed.
 */
static int read_page(void *map, int pg, uint64_t *buf)
{
	int fds[2], status = 0;
	ssize_t n = 0, r;
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid == 0) {
		uint64_t tmp[WORDS];
		int i;

		close(fds[0]);
		for (i = 0; i < WORDS; i++)
			tmp[i] = page(map, pg)[i];
		_exit(write(fds[1], tmp, sizeof(tmp)) == sizeof(tmp) ? 0 : 3);
	}
	close(fds[1]);
	while (pid > 0 && n < DSM_PAGE &&
	       (r = read(fds[0], (char *)buf + n, DSM_PAGE - n)) > 0)
		n += r;
	close(fds[0]);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return status ? status : n == DSM_PAGE ? 0 : -1;
}

/* The first word of @buf not @lo (first half) or @hi: its index, or -1. */
static int mismatch(const uint64_t *buf, uint64_t lo, uint64_t hi)
{
	int i;

	for (i = 0; i < WORDS; i++)
		if (buf[i] != (i < WORDS / 2 ? lo : hi))
			return i;
	return -1;
}

static int restarted(void)
{
	const char *v = getenv("DSM_RESTARTED");

	return v && !strcmp(v, "1");
}

FIXTURE(lrcfail) {
	void *map, *map0;
	size_t len, len0;
	char gc_saved[32];	/* lrc_gc_threshold to restore, or "" */
	char pf_saved[32];	/* lrc_prefetch_pages to restore, or "" */
};

FIXTURE_SETUP(lrcfail)
{
	self->map = NULL;
	self->map0 = NULL;
	self->gc_saved[0] = '\0';
	self->pf_saved[0] = '\0';
}

FIXTURE_TEARDOWN(lrcfail)
{
	if (self->gc_saved[0])
		dsm_write_file(GC_PARAM, self->gc_saved);
	if (self->pf_saved[0])
		dsm_write_file(PF_PARAM, self->pf_saved);
	if (self->map)
		munmap(self->map, self->len);
	if (self->map0)
		munmap(self->map0, self->len0);
}

/*
 * Node 0 creates region @name of @pages pages with @replicas, every node
 * maps it (after sync point @sync). Returns the mapping or NULL after
 * logging why.
 */
static void *map_region(struct __test_metadata *_metadata, const char *name,
			int pages, int replicas, int sync, size_t *len)
{
	char out[512];
	double t0;
	void *p;

	if (node == 0 && dsm_sh(out, sizeof(out),
				"dsmctl region create %s size %dK model lrc replicas %d",
				name, pages * 4, replicas))
		TH_LOG("node 0: dsmctl region create %s: %s", name, out);
	dsm_test_sync(sync);
	t0 = dsm_now();
	while (!(p = dsm_map(name, len))) {
		if (errno != ENOENT || dsm_now() - t0 > MAP_WAIT) {
			TH_LOG("node %d: dsm_map(%s): %s", node, name,
			       strerror(errno));
			return NULL;
		}
		usleep(100000);
	}
	return p;
}

/*
 * Make the next barrier (which node @node arrives at with @on) collect
 * garbage: lrc_gc_threshold tiny, the old value kept in @saved; with !@on,
 * set it back. 0 or -errno.
 */
static int gc_tiny(char *saved, size_t len, bool on)
{
	int ret;

	if (!on) {
		ret = saved[0] ? dsm_write_file(GC_PARAM, saved) : 0;
		saved[0] = '\0';
		return ret;
	}
	ret = dsm_read_file(GC_PARAM, saved, len);
	return ret ?: dsm_write_file(GC_PARAM, "1");
}

/* A barrier of the survivors: completes, and within its bound. */
#define survivors_barrier(what, t) do {					\
	double __t0 = dsm_now(), __took;				\
	int __ret = dsm_barrier(JB);					\
									\
	__took = dsm_now() - __t0;					\
	ASSERT_EQ(0, __ret)						\
		TH_LOG("node %d: barrier %s %d, node %d down: %s (after %.1f s)", \
		       node, what, t, VICTIM, strerror(-__ret), __took); \
	EXPECT_GE(BARRIER_BOUND, __took)				\
		TH_LOG("node %d: barrier %s %d took %.1f s", node, what, \
		       t, __took);					\
} while (0)

/* The survivors' checks of one page: exact words, lo half and hi half. */
#define check_page(pg, lo, hi, what) check_page0(self->map, pg, lo, hi, what)
#define check_page0(map, pg, lo, hi, what) do {				\
	uint64_t __buf[WORDS];						\
	int __st = read_page((map), (pg), __buf), __i;			\
									\
	EXPECT_EQ(0, __st)						\
		TH_LOG("node %d: reading %s (page %d) after node %d went down: wait status %#x", \
		       node, what, (pg), VICTIM, __st);			\
	if (!__st) {							\
		__i = mismatch(__buf, (lo), (hi));			\
		EXPECT_EQ(-1, __i)					\
			TH_LOG("node %d: %s (page %d) word %d: %#llx, expected %#llx", \
			       node, what, (pg), __i,			\
			       (unsigned long long)__buf[__i < 0 ? 0 : __i], \
			       (unsigned long long)(__i < WORDS / 2 ? (lo) : (hi))); \
	}								\
} while (0)

/* Node 2, restarted: map region @name once it is replicated here. */
static void *map_again(const char *name, size_t *len)
{
	double t0 = dsm_now();
	void *p;

	while (!(p = dsm_map(name, len)) && errno == ENOENT &&
	       dsm_now() - t0 < MAP_WAIT)
		usleep(100000);
	return p;
}

/*
 * Node 2, restarted, joins lrc again at a barrier (a collection); then
 * its new writes reach the others, and a counter under a lock counts
 * every node's increments. @t: the survivors' iterations.
 */
static void rejoin(struct __test_metadata *_metadata,
		   FIXTURE_DATA(lrcfail) *self, int t)
{
	long gc0 = dsm_counter("lrc_gc_runs"), waits0, lost0 = 0;
	int tries = 0, i, st, ret, fin = t % 2;
	uint64_t v[2][3], got;
	pid_t pid = -1;
	double t0;

	if (node == VICTIM) {
		self->map = map_again(REGION, &self->len);
		ASSERT_NE(NULL, self->map)
			TH_LOG("node 2, restarted: dsm_map(%s): %s", REGION,
			       strerror(errno));
		self->map0 = map_again(REGION0, &self->len0);
		ASSERT_NE(NULL, self->map0)
			TH_LOG("node 2, restarted: dsm_map(%s): %s", REGION0,
			       strerror(errno));
		waits0 = dsm_counter("lrc_barrier_waits");
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)	/* libdsm: a child opens its own file */
			_exit(dsm_init() || dsm_barrier(JB) ? 1 : 0);
		t0 = dsm_now();
		while (dsm_counter("lrc_barrier_waits") <= waits0 &&
		       dsm_now() - t0 < dsm_test_secs(60))
			usleep(20000);
		EXPECT_LT(waits0, dsm_counter("lrc_barrier_waits"))
			TH_LOG("node 2, restarted: its arrival did not start");
	}
	dsm_test_sync(104);
	if (node != VICTIM) {
		lost0 = dsm_counter("lrc_diffs_lost");
		do {
			ret = dsm_barrier(JB);
			ASSERT_EQ(0, ret)
				TH_LOG("node %d: barrier with node 2 joining, try %d: %s",
				       node, tries, strerror(-ret));
		} while (dsm_gc_retry(gc0, &tries, RJ_TRIES));
		EXPECT_LT(gc0, dsm_counter("lrc_gc_runs"))
			TH_LOG("node %d: %d barriers and none collected: node 2 never joined lrc again",
			       node, tries);
	} else {
		st = dsm_wait_child(pid, dsm_test_secs(120));
		ASSERT_EQ(0, st)
			TH_LOG("node 2, restarted: the barrier where it joins lrc again failed (status %#x)",
			       st);
		/* The survivors' bands, fetched whole from them. */
		serial(v, t);
		check_page(3 * fin + 0, v[fin][0], v[fin][0],
			   "band 0, on node 2 after it rejoined");
		check_page(3 * fin + 1, v[fin][1], v[fin][1],
			   "band 1, on node 2 after it rejoined");
	}
	dsm_test_sync(105);
	EXPECT_EQ(1, dsm_counter("lrc_rejoins"))
		TH_LOG("node %d: lrc_rejoins %ld, expected 1 (node 2 back)",
		       node, dsm_counter("lrc_rejoins"));
	/* Node 2's new intervals: Y0 is kept by no backup, only by it. */
	if (node == VICTIM)
		for (i = 0; i < WORDS; i++) {
			page(self->map, PG_Y)[i] = Q_WORD;
			page(self->map0, 1)[i] = Q_WORD;
		}
	ret = dsm_barrier(JB);
	ASSERT_EQ(0, ret)
		TH_LOG("node %d: first barrier of the three after node 2 rejoined: %s",
		       node, strerror(-ret));
	check_page(PG_Y, Q_WORD, Q_WORD, "page Y, node 2's write after it rejoined");
	check_page0(self->map0, 1, Q_WORD, Q_WORD,
		    "page Y0 (replicas 0), node 2's write after it rejoined");
	if (node != VICTIM)
		EXPECT_EQ(lost0, dsm_counter("lrc_diffs_lost"))
			TH_LOG("node %d: lrc_diffs_lost %ld -> %ld after node 2 rejoined",
			       node, lost0, dsm_counter("lrc_diffs_lost"));
	/* A counter under a lock, its token passed to and from node 2. */
	for (i = 0; i < RJ_INCS; i++) {
		ret = dsm_lock_acquire(RJ_LOCK);
		ASSERT_EQ(0, ret)
			TH_LOG("node %d: acquire %d after node 2 rejoined: %s",
			       node, i, strerror(-ret));
		page(self->map, PG_R)[0]++;
		ASSERT_EQ(0, dsm_lock_release(RJ_LOCK));
	}
	dsm_test_sync(106);
	ASSERT_EQ(0, dsm_lock_acquire(RJ_LOCK));
	got = page(self->map, PG_R)[0];
	ASSERT_EQ(0, dsm_lock_release(RJ_LOCK));
	EXPECT_EQ(3 * RJ_INCS, got)
		TH_LOG("node %d: counter under the lock after node 2 rejoined: %llu",
		       node, (unsigned long long)got);
	dsm_test_sync(107);
}

/*
 * One test: node 2 disappears in its middle (only the last test of a
 * program may take longer than DSM_TEST_TIMEOUT() allows).
 */
TEST_F_TIMEOUT(lrcfail, jacobi_node_dies,
	       DSM_TEST_SYNC_TIMEOUT + REBOOT_TIMEOUT + 360)
{
	uint64_t left, right, v[2][3], want_x_hi, band2_0;
	void *map_x0;
	long lost0, lost1, gc0;
	size_t gcs = sizeof(self->gc_saved);
	char out[4096];
	unsigned long long inc;
	int t, ret, fin;

	node = dsm_node_id_env();
	ASSERT_EQ(3, dsm_nodes_env()) TH_LOG("written for 3 nodes");
	if (dsm_sh(NULL, 0, "command -v vc-restart"))
		SKIP(return, "this vcluster has no vc-restart");
	ret = dsm_init();
	ASSERT_EQ(0, ret) TH_LOG("node %d: dsm_init: %s", node, strerror(-ret));

	if (restarted()) {
		/* Node 2 again: a new incarnation, it joins lrc again. */
		ASSERT_EQ(VICTIM, node);
		EXPECT_LE(0, dsm_sh_until(dsm_test_secs(60), out, sizeof(out),
					  "dsmctl status")) TH_LOG("%s", out);
		dsm_test_sync(103);
		rejoin(_metadata, self, ITERS_ALL + ITERS_TWO);
		return;
	}

	dsm_test_begin();
	ASSERT_EQ(0, dsm_read_file(PF_PARAM, self->pf_saved,
				   sizeof(self->pf_saved)))
		TH_LOG("node %d: no %s", node, PF_PARAM);
	ASSERT_EQ(0, dsm_write_file(PF_PARAM, "0"));
	ASSERT_EQ(0, dsm_sh(out, sizeof(out),
			    "dsmctl -j node show %d | jq -r .incarnation", VICTIM));
	inc = strtoull(out, NULL, 10);
	self->map = map_region(_metadata, REGION, NR_PAGES, 1, 1, &self->len);
	ASSERT_NE(NULL, self->map);
	ASSERT_EQ((size_t)NR_PAGES * DSM_PAGE, self->len);
	self->map0 = map_region(_metadata, REGION0, NR_PAGES0, 0, 2,
				&self->len0);
	ASSERT_NE(NULL, self->map0);
	ASSERT_EQ(0, dsm_sh(out, sizeof(out),
			    "dsmctl -j region show %s | jq -e '.replicas == 0'",
			    REGION0))
		TH_LOG("node %d: region %s: %s", node, REGION0, out);
	dsm_test_sync(3);

	/* All three nodes. */
	for (t = 0; t < ITERS_ALL; t++) {
		neighbours(self->map, t % 2, &left, &right);
		iterate(self->map, t, left, right);
		if (t == ITER_V) {
			if (node == VICTIM)
				for (fin = 0; fin < WORDS; fin++)
					page(self->map, PG_V)[fin] = V_WORD;
			gc0 = dsm_counter("lrc_gc_runs");
			ASSERT_EQ(0, gc_tiny(self->gc_saved, gcs, true));
		}
		if (t == ITERS_ALL - 1 && node == 1)
			for (fin = 0; fin < WORDS / 2; fin++) {
				page(self->map, PG_X)[fin] = X_WORD;
				page(self->map0, 0)[fin] = X_WORD;
				page(self->map, PG_W)[fin] = W_WORD;
			}
		if (t == ITERS_ALL - 1 && node == VICTIM) {
			for (fin = WORDS / 2; fin < WORDS; fin++) {
				page(self->map, PG_X)[fin] = X_WORD + 1;
				page(self->map0, 0)[fin] = X_WORD + 1;
				page(self->map, PG_W)[fin] = W_WORD + 1;
			}
			for (fin = 0; fin < WORDS; fin++) {
				page(self->map, PG_Y)[fin] = Y_WORD;
				page(self->map0, 1)[fin] = Y_WORD;
				page(self->map, PG_Z)[fin] = Z_WORD;
			}
		}
		ret = dsm_barrier(JB);
		ASSERT_EQ(0, ret) TH_LOG("node %d: barrier %d, every node up: %s",
					 node, t, strerror(-ret));
		if (t == ITER_V) {
			ASSERT_EQ(0, gc_tiny(self->gc_saved, gcs, false));
			EXPECT_LT(gc0, dsm_counter("lrc_gc_runs"))
				TH_LOG("node %d: barrier %d collected nothing",
				       node, t);
		}
	}
	/* What the next iteration needs, read while node 2 is up. */
	neighbours(self->map, ITERS_ALL % 2, &left, &right);
	serial(v, ITERS_ALL);
	EXPECT_EQ(node ? v[ITERS_ALL % 2][node - 1] : 11, left)
		TH_LOG("node %d: left neighbour after %d iterations", node, t);
	EXPECT_EQ(node < 2 ? v[ITERS_ALL % 2][node + 1] : 13, right)
		TH_LOG("node %d: right neighbour after %d iterations", node, t);
	/*
	 * Node 2's last release: under a lock, after its last barrier, so
	 * that only its backup (node 0) has it when node 2 dies.
	 */
	if (node == VICTIM) {
		ret = dsm_lock_acquire(O_LOCK);
		ASSERT_EQ(0, ret) TH_LOG("node 2: acquire: %s", strerror(-ret));
		for (fin = 0; fin < WORDS; fin++)
			page(self->map, PG_O)[fin] = O_WORD;
		ret = dsm_lock_release(O_LOCK);
		ASSERT_EQ(0, ret) TH_LOG("node 2: release: %s", strerror(-ret));
	}
	dsm_test_sync(4);
	if (node == VICTIM) {
		/* Powers off at once; the host boots this node again. */
		dsm_sh(out, sizeof(out), "vc-restart");
		sleep(dsm_test_secs(600));
		ASSERT_TRUE(0) TH_LOG("vc-restart returned: %s", out);
	}

	/* Nodes 0 and 1: node 2 is declared down. */
	ASSERT_LE(0, dsm_node_down_within(DETECT_WAIT, VICTIM, out,
					  sizeof(out)))
		TH_LOG("node %d: node %d never reported down: %s", node,
		       VICTIM, out);
	lost0 = dsm_counter("lrc_diffs_lost");

	/* Go on without node 2: its band stays as it was. */
	for (t = ITERS_ALL; t < ITERS_ALL + ITERS_TWO; t++) {
		if (t > ITERS_ALL)
			neighbours(self->map, t % 2, &left, &right);
		iterate(self->map, t, left, right);
		survivors_barrier("iteration", t);
		dsm_test_progress(t, ITERS_ALL + ITERS_TWO, 2, "iterations");
	}

	/*
	 * Node 2's last release, which nobody acquired after it: node 0,
	 * its backup, made it known at its first barrier without node 2,
	 * so node 1 reads it too (and node 2, back, numbers its new
	 * intervals after it).
	 */
	check_page(PG_O, O_WORD, O_WORD, "page O, node 2's last release");
	if (node == 0)
		EXPECT_LE(1, dsm_counter("lrc_kept_learned"))
			TH_LOG("node 0: node 2's last release not learned from what it keeps");

	/* The bands of nodes 0 and 1, exactly the serial result. */
	serial(v, t);
	fin = t % 2;
	check_page(3 * fin + 0, v[fin][0], v[fin][0], "band 0");
	check_page(3 * fin + 1, v[fin][1], v[fin][1], "band 1");
	check_page(3 * (1 - fin) + 0, v[1 - fin][0], v[1 - fin][0],
		   "band 0, other buffer");
	check_page(3 * (1 - fin) + 1, v[1 - fin][1], v[1 - fin][1],
		   "band 1, other buffer");
	/*
	 * Pages node 2 wrote that this node never fetched: readable, with
	 * node 2's released writes, from its backup (node 0).
	 */
	want_x_hi = X_WORD + 1;
	check_page(PG_X, (uint64_t)X_WORD, want_x_hi, "page X");
	check_page(PG_Y, Y_WORD, Y_WORD, "page Y");
	band2_0 = v[0][VICTIM];
	check_page(0 + VICTIM, band2_0, band2_0, "node 2's band, buffer 0");
	band2_0 = v[1][VICTIM];
	check_page(3 + VICTIM, band2_0, band2_0, "node 2's band, buffer 1");
	/* Nothing lost; node 0, the backup, served node 2's diffs. */
	lost1 = dsm_counter("lrc_diffs_lost");
	EXPECT_LE(0, lost0) TH_LOG("node %d: no lrc_diffs_lost counter", node);
	EXPECT_EQ(lost0, lost1)
		TH_LOG("node %d: lrc_diffs_lost %ld -> %ld", node, lost0, lost1);
	if (node == 0)
		EXPECT_LT(0, dsm_counter("lrc_backup_served"))
			TH_LOG("node 0: node 2's backup served nothing");
	check_page(PG_V, V_WORD, V_WORD, "page V, collected while node 2 was up");
	check_page(PG_X, (uint64_t)X_WORD, want_x_hi, "page X, again");
	check_page(PG_Y, Y_WORD, Y_WORD, "page Y, again");
	/*
	 * Replicas 0: node 2's writes of X0 and Y0, never fetched, are lost
	 * (the survivors' data only), each of the two diffs counted once.
	 */
	map_x0 = self->map0;
	check_page0(map_x0, 0, (uint64_t)X_WORD, 0, "page X0 (replicas 0)");
	check_page0(map_x0, 1, 0, 0, "page Y0 (replicas 0)");
	lost1 = dsm_counter("lrc_diffs_lost");
	EXPECT_EQ(lost0 + 2, lost1)
		TH_LOG("node %d: replicas 0: lrc_diffs_lost %ld -> %ld", node,
		       lost0, lost1);
	check_page0(map_x0, 0, (uint64_t)X_WORD, 0, "page X0, again");
	EXPECT_EQ(lost1, dsm_counter("lrc_diffs_lost"))
		TH_LOG("node %d: lrc_diffs_lost moved at a second access", node);

	/*
	 * A collection with node 2 down keeps what it released: Z and W,
	 * read by nobody yet, come from its backup's validated copy.
	 */
	gc0 = dsm_counter("lrc_gc_runs");
	ASSERT_EQ(0, gc_tiny(self->gc_saved, gcs, true));
	survivors_barrier("collecting", t);
	EXPECT_EQ(0, gc_tiny(self->gc_saved, gcs, false));
	EXPECT_LT(gc0, dsm_counter("lrc_gc_runs"))
		TH_LOG("node %d: the barrier collected nothing", node);
	check_page(PG_Z, Z_WORD, Z_WORD, "page Z, after a collection");
	check_page(PG_W, (uint64_t)W_WORD, (uint64_t)W_WORD + 1,
		   "page W, after a collection");
	EXPECT_EQ(lost1, dsm_counter("lrc_diffs_lost"))
		TH_LOG("node %d: lrc_diffs_lost %ld -> %ld at a collection",
		       node, lost1, dsm_counter("lrc_diffs_lost"));

	/* Node 2 comes back as a new incarnation ... */
	ASSERT_LE(0, dsm_sh_until(dsm_test_secs(REBOOT_TIMEOUT), out, sizeof(out),
				  "dsmctl -j node show %d | jq -e '.state == \"up\" and "
				  ".incarnation != %llu'", VICTIM, inc))
		TH_LOG("node %d: node %d did not come back: %s", node, VICTIM,
		       out);
	/* ... which the survivors' barriers do not wait for ... */
	survivors_barrier("after node 2's restart", t);
	dsm_test_sync(103);
	/* ... until it arrives at one, and joins lrc again there. */
	rejoin(_metadata, self, ITERS_ALL + ITERS_TWO);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_sc - sequential consistency of the default sc region across the
 * nodes of the virtual cluster (written for 3 nodes): atomic increments,
 * message passing, Peterson's mutual exclusion, the store-buffering
 * litmus test, striped fills, dd and cmp through read/write, two local
 * processes and a remote one sharing a page, a process killed in the
 * middle of remote faults, grants' pages received straight into the
 * frame, and the shadows a write makes useless freed.
 *
 * Every node runs every test, in the same order; dsm_test_sync() orders
 * their steps. Each test uses its own range of the default region (see
 * the OFF_* below), so that one test's pages never disturb another's.
 * Pages are homed round-robin (page number modulo 3), so consecutive
 * pages exercise every home.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dsm_test.h"
#include "dsm_region.h"
#include "dsm_shell.h"

#define MiB		(1UL << 20)
#define OFF_COUNTER	(0 * MiB)
#define OFF_MP		(1 * MiB)
#define OFF_PETERSON	(2 * MiB)
#define OFF_SB		(3 * MiB)
#define OFF_SHARE	(5 * MiB)
#define OFF_KILL	(6 * MiB)
#define OFF_DD		(8 * MiB)
#define OFF_INPLACE	(10 * MiB)
#define OFF_DROP	(12 * MiB)
#define OFF_STRIPES	(64 * MiB)
#define STRIPE		(1 * MiB)

#define COUNTER_SECONDS	3
#define INCREMENTS	2000	/* per node, shared page */
#define MP_ROUNDS	20
#define MP_WORDS	256
#define PETERSON_ITERS	150	/* per node: every entry is contended */
#define SB_ROUNDS	40
#define DD_SIZE		(1 * MiB)
#define INPLACE_PAGES	24	/* per range: 8 homed on each node */
#define DROP_PAGES	24	/* 8 homed on each node */
#define DROP_ROUNDS	6

static int node, nodes;

static int setup(void)
{
	node = dsm_node_id_env();
	nodes = dsm_nodes_env();
	return node >= 0 && nodes == 3 ? 0 : -1;
}

#define SETUP_3NODES()							\
	do {								\
		if (setup())						\
			SKIP(return, "needs DSM_NODE_ID and DSM_NODES=3"); \
	} while (0)

/* Every test starts on every node together (dsm_test_begin()). */
FIXTURE(sc) {
	struct timespec t0;
};

FIXTURE_SETUP(sc)
{
	clock_gettime(CLOCK_MONOTONIC, &self->t0);
	dsm_test_begin();
}

/* How long each test took: remote faults cost milliseconds under TCG. */
FIXTURE_TEARDOWN(sc)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	TH_LOG("took %.1f s", (t1.tv_sec - self->t0.tv_sec) +
	       (t1.tv_nsec - self->t0.tv_nsec) / 1e9);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Spin waits give up after SPIN_LIMIT seconds (a sync's timeout, times
 * DSM_TEST_TIME_FACTOR): a node whose partner left the test (it failed,
 * or fell behind) must not spin until the harness kills it, which would
 * cost the next test too.
 */
#define SPIN_LIMIT	dsm_test_sync_timeout()

/* Wait until *@flag >= @v: 0, or -1 after SPIN_LIMIT seconds. */
static int wait_flag(uint64_t *flag, uint64_t v)
{
	double end = now_s() + SPIN_LIMIT;

	while (__atomic_load_n(flag, __ATOMIC_ACQUIRE) < v)
		if (now_s() > end)
			return -1;
	return 0;
}

/* Peterson's entry wait: 0, or -1 after SPIN_LIMIT seconds. */
static int peterson_wait(uint64_t *want, uint64_t *turn, int other)
{
	double end = now_s() + SPIN_LIMIT;

	while (__atomic_load_n(&want[other], __ATOMIC_SEQ_CST) &&
	       __atomic_load_n(turn, __ATOMIC_SEQ_CST) == (uint64_t)other)
		if (now_s() > end)
			return -1;
	return 0;
}

/*
 * Every node adds to one counter with lock xadd for COUNTER_SECONDS (so
 * that the nodes really take the page from each other), then publishes
 * how many it added; the counter must equal the sum.
 */
TEST_F_TIMEOUT(sc, atomic_counter, DSM_TEST_TIMEOUT(60))
{
	uint64_t *c, *done, mine = 0, sum = 0;
	double end;
	char *base;

	SETUP_3NODES();
	base = dsm_map_space(OFF_COUNTER, 2 * DSM_PAGE);
	ASSERT_NE(MAP_FAILED, base) TH_LOG("mmap: %s", strerror(errno));
	c = (uint64_t *)base;
	done = (uint64_t *)(base + DSM_PAGE);
	dsm_test_sync(1);
	end = now_s() + COUNTER_SECONDS;
	while (now_s() < end)
		for (int i = 0; i < 100; i++, mine++)
			__atomic_fetch_add(c, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&done[node], mine, __ATOMIC_SEQ_CST);
	dsm_test_sync(2);
	for (int n = 0; n < nodes; n++)
		sum += __atomic_load_n(&done[n], __ATOMIC_SEQ_CST);
	EXPECT_EQ(sum, __atomic_load_n(c, __ATOMIC_SEQ_CST));
	TH_LOG("%lu increments here, %lu in all", (unsigned long)mine,
	       (unsigned long)sum);
	dsm_test_sync(3);
	munmap(base, 2 * DSM_PAGE);
}

/*
 * Node 0 writes data, then a flag (on another page, with another home);
 * the others wait for the flag and must then see all the data.
 */
TEST_F_TIMEOUT(sc, message_passing, DSM_TEST_TIMEOUT(60))
{
	uint64_t *data, *flag;
	char *base;

	SETUP_3NODES();
	base = dsm_map_space(OFF_MP, 4 * DSM_PAGE);
	ASSERT_NE(MAP_FAILED, base);
	data = (uint64_t *)base;
	flag = (uint64_t *)(base + 2 * DSM_PAGE);
	dsm_test_sync(10);
	for (uint64_t r = 1; r <= MP_ROUNDS; r++) {
		if (node == 0) {
			for (int i = 0; i < MP_WORDS; i++)
				data[i] = r * 1000 + i;
			__atomic_store_n(flag, r, __ATOMIC_RELEASE);
		} else {
			ASSERT_EQ(0, wait_flag(flag, r))
				TH_LOG("node %d: round %lu: no flag from node 0 "
				       "in %d s", node, (unsigned long)r,
				       SPIN_LIMIT);
			int bad = -1;

			for (int i = 0; i < MP_WORDS && bad < 0; i++)
				if (data[i] != r * 1000 + i)
					bad = i;
			ASSERT_EQ(-1, bad) TH_LOG("round %lu: word %d stale",
						  (unsigned long)r, bad);
		}
		dsm_test_sync(11);
		dsm_test_progress(r, MP_ROUNDS, 5, "rounds");
	}
	munmap(base, 4 * DSM_PAGE);
}

/*
 * Peterson's algorithm between nodes 0 and 1 (seq_cst loads and stores,
 * as it needs on one x86 machine too) protects a plain counter; node 2
 * only watches (it is home to a third of the pages). Both nodes enter all
 * the time, so every entry is contended; a broken mutual exclusion loses
 * an increment. Each node logs the messages it sent and the faults that
 * needed the network per iteration (about 16 and 6 when this was
 * written: see Documentation/testing.md).
 */
TEST_F_TIMEOUT(sc, peterson, DSM_TEST_TIMEOUT(210))
{
	volatile uint64_t *counter;
	uint64_t *want, *turn;
	long msgs, net;
	char *base;

	SETUP_3NODES();
	base = dsm_map_space(OFF_PETERSON, 4 * DSM_PAGE);
	ASSERT_NE(MAP_FAILED, base);
	want = (uint64_t *)base;			/* want[0], want[1] */
	turn = (uint64_t *)(base + DSM_PAGE);
	counter = (volatile uint64_t *)(base + 2 * DSM_PAGE);
	msgs = dsm_counter_sum("msg_tx_");
	net = dsm_counter("fault_net");
	dsm_test_sync(20);
	if (node < 2) {
		int other = 1 - node;

		for (int i = 0; i < PETERSON_ITERS; i++) {
			__atomic_store_n(&want[node], 1, __ATOMIC_SEQ_CST);
			__atomic_store_n(turn, other, __ATOMIC_SEQ_CST);
			ASSERT_EQ(0, peterson_wait(want, turn, other))
				TH_LOG("node %d: iteration %d: node %d kept the "
				       "lock for %d s", node, i, other,
				       SPIN_LIMIT);
			*counter = *counter + 1;
			__atomic_store_n(&want[node], 0, __ATOMIC_SEQ_CST);
			dsm_test_progress(i + 1, PETERSON_ITERS, 100,
					  "iterations");
		}
	}
	if (node < 2 && msgs >= 0 && net >= 0)
		TH_LOG("node %d: %.1f messages sent and %.1f network faults per iteration",
		       node, (dsm_counter_sum("msg_tx_") - msgs) /
		       (double)PETERSON_ITERS,
		       (dsm_counter("fault_net") - net) /
		       (double)PETERSON_ITERS);
	dsm_test_sync(21);
	EXPECT_EQ(2 * PETERSON_ITERS, *counter);
	dsm_test_sync(22);
	munmap(base, 4 * DSM_PAGE);
}

/*
 * Store buffering: node 0 runs x = 1; r0 = y, node 1 runs y = 1; r1 = x,
 * with seq_cst accesses. r0 == r1 == 0 is forbidden. A fresh pair of
 * pages per round; the results go through a third page.
 */
TEST_F_TIMEOUT(sc, store_buffering, DSM_TEST_TIMEOUT(60))
{
	uint64_t *x, *y, *res;
	int both_zero = 0;
	char *base;

	SETUP_3NODES();
	base = dsm_map_space(OFF_SB, (2 * SB_ROUNDS + 1) * DSM_PAGE);
	ASSERT_NE(MAP_FAILED, base);
	res = (uint64_t *)(base + 2 * SB_ROUNDS * DSM_PAGE);
	for (int r = 0; r < SB_ROUNDS; r++) {
		x = (uint64_t *)(base + 2 * r * DSM_PAGE);
		y = (uint64_t *)(base + (2 * r + 1) * DSM_PAGE);
		dsm_test_sync(30);
		if (node == 0) {
			__atomic_store_n(x, 1, __ATOMIC_SEQ_CST);
			res[2 * r] = __atomic_load_n(y, __ATOMIC_SEQ_CST);
		} else if (node == 1) {
			__atomic_store_n(y, 1, __ATOMIC_SEQ_CST);
			res[2 * r + 1] = __atomic_load_n(x, __ATOMIC_SEQ_CST);
		}
		dsm_test_sync(31);
		if (node == 2 && !res[2 * r] && !res[2 * r + 1])
			both_zero++;
		dsm_test_progress(r + 1, SB_ROUNDS, 10, "rounds");
	}
	EXPECT_EQ(0, both_zero) TH_LOG("%d rounds saw r0 == r1 == 0", both_zero);
	dsm_test_sync(32);
	munmap(base, (2 * SB_ROUNDS + 1) * DSM_PAGE);
}

static uint64_t stripe_word(int owner, size_t i)
{
	return ((uint64_t)owner << 56) ^ (i * 0x9e3779b97f4a7c15ULL);
}

/*
 * Each node fills its 1 MiB stripe (256 pages: read-ahead, many
 * transactions in flight); every node checks every stripe.
 */
TEST_F_TIMEOUT(sc, stripes, DSM_TEST_TIMEOUT(210))
{
	size_t words = STRIPE / sizeof(uint64_t);
	uint64_t *base, *s;
	size_t bad = 0;

	SETUP_3NODES();
	base = dsm_map_space(OFF_STRIPES, nodes * STRIPE);
	ASSERT_NE(MAP_FAILED, base);
	dsm_test_sync(40);
	s = base + node * words;
	for (size_t i = 0; i < words; i++)
		s[i] = stripe_word(node, i);
	dsm_test_sync(41);
	for (int n = 0; n < nodes; n++) {
		s = base + ((node + n) % nodes) * words;
		for (size_t i = 0; i < words; i++)
			if (s[i] != stripe_word((node + n) % nodes, i) &&
			    !bad++)
				TH_LOG("stripe %d word %zu: %#lx", (node + n) % nodes,
				       i, (unsigned long)s[i]);
		dsm_test_progress(n + 1, nodes, 1, "stripes checked");
	}
	EXPECT_EQ(0, bad);
	dsm_test_sync(42);
	munmap(base, nodes * STRIPE);
}

/* The same pseudo-random file on every node. */
static int make_file(const char *path, size_t size)
{
	uint64_t x = 88172645463325252ULL;
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	for (size_t i = 0; i < size / sizeof(x); i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		fwrite(&x, sizeof(x), 1, f);
	}
	return fclose(f);
}

/* dd a file into /dev/dsm on node 0, cmp it on node 2 (and node 1). */
TEST_F_TIMEOUT(sc, dd_cmp, DSM_TEST_TIMEOUT(60))
{
	char cmd[512];

	SETUP_3NODES();
	ASSERT_EQ(0, make_file("/tmp/dsm_dd.bin", DD_SIZE));
	dsm_test_sync(50);
	if (node == 0) {
		snprintf(cmd, sizeof(cmd),
			 "dd if=/tmp/dsm_dd.bin of=%s bs=4096 seek=%lu conv=notrunc 2>/dev/null",
			 DSM_DEV, OFF_DD / 4096);
		ASSERT_EQ(0, system(cmd));
	}
	dsm_test_sync(51);
	snprintf(cmd, sizeof(cmd),
		 "dd if=%s bs=4096 skip=%lu count=%lu 2>/dev/null | cmp - /tmp/dsm_dd.bin",
		 DSM_DEV, OFF_DD / 4096, DD_SIZE / 4096);
	EXPECT_EQ(0, system(cmd));
	/* and the mapping agrees with read() */
	if (node == 2) {
		uint64_t *p = dsm_map_space(OFF_DD, DD_SIZE);
		uint64_t x = 88172645463325252ULL;

		ASSERT_NE(MAP_FAILED, p);
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		EXPECT_EQ(x, p[0]);
		munmap(p, DD_SIZE);
	}
	dsm_test_sync(52);
	unlink("/tmp/dsm_dd.bin");
}

/*
 * Two processes on node 0 (one local copy) and one on node 1 increment
 * one counter; node 0's child also sees its parent's plain store at once.
 */
TEST_F_TIMEOUT(sc, two_local_one_remote, DSM_TEST_TIMEOUT(60))
{
	uint64_t *c;
	int status;
	pid_t pid = -1;

	SETUP_3NODES();
	c = dsm_map_space(OFF_SHARE, DSM_PAGE);
	ASSERT_NE(MAP_FAILED, c);
	dsm_test_sync(60);
	if (node == 0) {
		pid = fork();
		ASSERT_LE(0, pid);
	}
	if (node < 2)
		for (int i = 0; i < INCREMENTS / 2; i++)
			__atomic_fetch_add(&c[0], 1, __ATOMIC_SEQ_CST);
	if (pid == 0) {
		__atomic_store_n(&c[1], 42, __ATOMIC_SEQ_CST);
		_exit(0);
	}
	if (pid > 0) {
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
		EXPECT_EQ(42, __atomic_load_n(&c[1], __ATOMIC_SEQ_CST));
	}
	dsm_test_sync(61);
	EXPECT_EQ(3 * (INCREMENTS / 2), __atomic_load_n(&c[0], __ATOMIC_SEQ_CST));
	dsm_test_sync(62);
	munmap(c, DSM_PAGE);
}

/*
 * A process killed while it faults on remote pages dies promptly and
 * leaves nothing stuck: the pages stay usable from its node and others.
 */
TEST_F_TIMEOUT(sc, killed_in_remote_fault, DSM_TEST_TIMEOUT(60))
{
	size_t len = 64 * DSM_PAGE;
	volatile uint64_t *p;
	int status;
	pid_t pid;

	SETUP_3NODES();
	p = dsm_map_space(OFF_KILL, len);
	ASSERT_NE(MAP_FAILED, p);
	dsm_test_sync(70);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Keep faulting: write every page, over and over. */
		for (uint64_t r = 1;; r++)
			for (size_t i = 0; i < len / 8; i += DSM_PAGE / 8)
				p[i] = r;
	}
	usleep(300000 + node * 70000);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	dsm_test_sync(71);
	/* Every page still works, from every node, in turn. */
	for (int n = 0; n < nodes; n++) {
		if (n == node)
			for (size_t i = 0; i < len / 8; i += DSM_PAGE / 8)
				p[i] = 1000 + n;
		dsm_test_sync(72 + n);
		for (size_t i = 0; i < len / 8; i += DSM_PAGE / 8)
			ASSERT_EQ(1000 + n, p[i]);
	}
	dsm_test_sync(79);
	munmap((void *)p, len);
}

/* The word of page @i, word @w, that node @n wrote in round @r. */
static uint64_t inplace_word(int n, int r, size_t i, size_t w)
{
	return (uint64_t)n << 56 | (uint64_t)r << 48 | i << 16 | w;
}

/* Does range @p hold @n's round @r everywhere? The first bad page, or -1. */
static long inplace_check(const volatile uint64_t *p, int n, int r)
{
	for (size_t i = 0; i < INPLACE_PAGES; i++)
		for (size_t w = 0; w < DSM_PAGE / 8; w += 61)
			if (p[i * DSM_PAGE / 8 + w] != inplace_word(n, r, i, w))
				return i;
	return -1;
}

/* Write round @r of this node into every page of range @p (every word). */
static void inplace_fill(volatile uint64_t *p, int r)
{
	for (size_t i = 0; i < INPLACE_PAGES; i++)
		for (size_t w = 0; w < DSM_PAGE / 8; w++)
			p[i * DSM_PAGE / 8 + w] = inplace_word(node, r, i, w);
}

/*
 * Grants received straight into the page that becomes the frame (issue
 * 13): node 0 fills two ranges of pages no node held before. Node 1
 * reads range A, node 2 writes range B (a write fault, no read first)
 * and node 0 reads B back. Every page a node fetches for the first time
 * from another node comes in place: page_rx_inplace grows by at least
 * the pages of a range not homed on the node (a home holds a frame of
 * its pages once it gave them to node 0, so its copies are copied in;
 * see Documentation/sc.md "Receiving a page"). The contents are checked
 * word by word, so a page installed before it was all read, or at the
 * wrong place, fails too. The background write-back is off on every
 * node meanwhile: its pushes would give other nodes frames of the pages
 * (then copied into, not received in place).
 */
TEST_F_TIMEOUT(sc, grant_received_in_place, DSM_TEST_TIMEOUT(50))
{
	size_t range = INPLACE_PAGES * DSM_PAGE, elsewhere = 0;
	long in0, cp0, in1, cp1, wb;
	volatile uint64_t *a, *b;
	char *base;

	SETUP_3NODES();
	base = dsm_map_space(OFF_INPLACE, 2 * range);
	ASSERT_NE(MAP_FAILED, base);
	a = (volatile uint64_t *)base;
	b = (volatile uint64_t *)(base + range);
	for (size_t i = 0; i < INPLACE_PAGES; i++)
		if ((OFF_INPLACE / DSM_PAGE + i) % nodes != (size_t)node)
			elsewhere++;
	wb = dsm_writeback_set(0);
	ASSERT_LE(0, wb) TH_LOG("node %d: cannot turn write-back off", node);
	in0 = dsm_counter("page_rx_inplace");
	cp0 = dsm_counter("page_rx_copied");
	ASSERT_LE(0, in0) TH_LOG("no page_rx_inplace counter in dsmctl stats");
	ASSERT_LE(0, cp0);
	dsm_test_sync(80);
	if (node == 0) {
		inplace_fill(a, 1);
		inplace_fill(b, 1);
	}
	dsm_test_sync(81);
	if (node == 1)
		EXPECT_EQ(-1, inplace_check(a, 0, 1))
			TH_LOG("node 1: a page of node 0's range A is wrong");
	if (node == 2)
		inplace_fill(b, 2);
	dsm_test_sync(82);
	if (node == 0)
		EXPECT_EQ(-1, inplace_check(b, 2, 2))
			TH_LOG("node 0: a page of node 2's range B is wrong");
	in1 = dsm_counter("page_rx_inplace");
	cp1 = dsm_counter("page_rx_copied");
	TH_LOG("node %d: %ld pages received in place, %ld copied", node,
	       in1 - in0, cp1 - cp0);
	if (node != 0)
		EXPECT_LE((long)elsewhere, in1 - in0)
			TH_LOG("node %d fetched %zu pages it never held from "
			       "other nodes, but only %ld came in place",
			       node, elsewhere, in1 - in0);
	dsm_test_sync(83);
	dsm_writeback_set(wb);
	munmap(base, 2 * range);
}

static uint64_t drop_word(int round, size_t i, size_t w)
{
	return ((uint64_t)(round + 1) << 48) ^ (i << 16) ^ w;
}

/* Write @round's words into every page, every @step-th word. */
static void drop_fill(volatile uint64_t *p, int round, size_t step)
{
	for (size_t i = 0; i < DROP_PAGES; i++)
		for (size_t w = 0; w < DSM_PAGE / 8; w += step)
			p[i * DSM_PAGE / 8 + w] = drop_word(round, i, w);
}

/* The index of the first page of @p not of @round, or -1. */
static long drop_check(const volatile uint64_t *p, int round)
{
	for (size_t i = 0; i < DROP_PAGES; i++)
		for (size_t w = 0; w < DSM_PAGE / 8; w += 61)
			if (p[i * DSM_PAGE / 8 + w] != drop_word(round, i, w))
				return (long)i;
	return -1;
}

/*
 * Wait (at most 60 s, scaled) until this node's frames_dropped is at
 * least @want; return the last value read (-1: no counter).
 */
static long drop_wait(long want)
{
	long v = dsm_counter("frames_dropped");
	double t0 = now_s();

	while (v >= 0 && v < want && now_s() - t0 < dsm_test_secs(60)) {
		usleep(100 * 1000);
		v = dsm_counter("frames_dropped");
	}
	return v;
}

/*
 * Shadows a write made useless are freed (issue 15 item 3; wire version
 * 12, SHADOW_DROP; Documentation/sc.md "Dropping shadows"). Node 0
 * writes 24 pages, nodes 1 and 2 read them; node 2 writes them: node 0,
 * the old owner, keeps its frames as the shadows of what node 2 started
 * from, and node 1, whose read copies are the same content, is told to
 * drop its frames: its frames_dropped grows by at least 24. Node 1
 * writes them next: node 2 keeps its frames, and node 0's, older now,
 * are dropped: its frames_dropped grows by 24. Then rounds in which each
 * node in turn writes every page and the others read them check that
 * pages whose frames were dropped are fetched again with the right
 * bytes. Write-back is off meanwhile: a push stores a frame the home
 * does not know of, which no SHADOW_DROP frees.
 */
TEST_F_TIMEOUT(sc, shadows_dropped, DSM_TEST_TIMEOUT(150))
{
	size_t len = DROP_PAGES * DSM_PAGE;
	volatile uint64_t *p;
	long d0, d1, wb;
	int r;

	SETUP_3NODES();
	p = dsm_map_space(OFF_DROP, len);
	ASSERT_NE(MAP_FAILED, (void *)p);
	wb = dsm_writeback_set(0);
	ASSERT_LE(0, wb) TH_LOG("node %d: cannot turn write-back off", node);
	d0 = dsm_counter("frames_dropped");
	ASSERT_LE(0, d0) TH_LOG("no frames_dropped counter in dsmctl stats");
	dsm_test_sync(90);
	if (node == 0)
		drop_fill(p, 0, 1);
	dsm_test_sync(91);
	if (node != 0)
		ASSERT_EQ(-1, drop_check(p, 0))
			TH_LOG("node %d: a page node 0 wrote reads wrong", node);
	dsm_test_sync(92);
	if (node == 2)
		drop_fill(p, 1, 1);
	dsm_test_sync(93);
	if (node == 1) {
		d1 = drop_wait(d0 + DROP_PAGES);
		EXPECT_LE(d0 + DROP_PAGES, d1)
			TH_LOG("node 1: its %d read copies of pages node 2 then "
			       "wrote should be dropped; frames_dropped went "
			       "from %ld to %ld in 60 s", DROP_PAGES, d0, d1);
	}
	dsm_test_sync(94);
	if (node == 1)
		drop_fill(p, 2, 1);
	dsm_test_sync(95);
	if (node == 0) {
		d1 = drop_wait(d0 + DROP_PAGES);
		EXPECT_LE(d0 + DROP_PAGES, d1)
			TH_LOG("node 0: its shadows of pages node 2 and then "
			       "node 1 wrote should be dropped; frames_dropped "
			       "went from %ld to %ld in 60 s", d0, d1);
	}
	for (r = 3; r < 3 + DROP_ROUNDS; r++) {
		dsm_test_sync(96);
		if (node == r % 3)
			drop_fill(p, r, 61);
		dsm_test_sync(97);
		EXPECT_EQ(-1, drop_check(p, r))
			TH_LOG("node %d, round %d: a page node %d wrote reads "
			       "wrong", node, r, r % 3);
	}
	d1 = dsm_counter("frames_dropped");
	TH_LOG("node %d: %ld frames dropped", node, d1 - d0);
	dsm_test_sync(98);
	dsm_writeback_set(wb);
	munmap((void *)p, len);
}

TEST_HARNESS_MAIN

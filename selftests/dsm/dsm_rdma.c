// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_rdma - what only the RDMA transport (dsm_rdma.ko) can get wrong.
 * Written for 3 nodes running with transport=rdma (vcluster --transport
 * rdma); on any other transport every test reports SKIP.
 *
 *  - zero_copy: node 1 writes pages of its own; node 0 reads them (a
 *    first fetch: no frame there yet), and each grant's page must be
 *    the page it came in, installed as node 0's frame without a copy
 *    (rdma_rx_page_zero_copy grows by one a page, rdma_rx_page_copied
 *    not at all), holding node 1's bytes. Node 1 writes them again and
 *    node 0 reads them again: now node 0 has frames, the data is copied
 *    into them (rdma_rx_page_copied grows) and is node 1's new bytes.
 *  - credits: node 2 stops taking node 0's messages (debugfs dsm/fault
 *    "stall 0 MS": its receive thread reposts no receive buffer, so it
 *    returns no credit) while node 0 faults on pages homed on node 2 in
 *    more threads than there are receive buffers. Node 0's sender must
 *    wait for credits with a bound (DSM_RDMA_SEND_TIMEOUT_MS), then drop
 *    the link: every access ends in data or SIGBUS within the fault
 *    timeout plus that bound, never a hang. After the stall the link
 *    comes back (dsmd reconnects) and a page of node 2 is served.
 *  - device_removal: node 1 deletes its soft-RoCE device (rdma link del
 *    rxe0) while node 0 faults on pages homed on node 1: likewise every
 *    access ends within its bound. Node 1 then adds rxe0 again and the
 *    link comes back. It runs last: it takes a device away.
 * The consoles are checked for kernel reports (hung tasks, warnings) by
 * vcluster, and its init unloads dsm_rdma.ko at the end of the run.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dsm_test.h"
#include "dsm_shell.h"
#include "dsm_sigbus.h"

#define MiB		(1UL << 20)
/* This program's part of the default region: no other program uses it. */
#define OFF_RDMA	(224 * MiB)
#define RDMA_LEN	(16 * MiB)
#define FAULT_FILE	"/sys/kernel/debug/dsm/fault"
#define PARAMS		"/sys/module/dsm/parameters"
/* dsm_rdma.ko's bound on a wait for credits (kmod/rdma/dsm_rdma.h). */
#define SEND_TIMEOUT_S	5.0
/* Receive buffers per connection (DSM_RDMA_RX_SLOTS) is 64: more. */
#define PROBERS		96
#define PROBE_STACK	(128 * 1024)
/* How long node 0 faults while the peer misbehaves. */
#define PROBE_S		25.0
/* The stall: longer than the probing, ended by node 2 after it. */
#define STALL_MS	60000

static int node;
static double fault_timeout_s = 5.0;
/* vcluster's dsm.conf: the dead timeout, 10 s (times the time factor). */
#define DEAD_TIMEOUT_S	10.0

FIXTURE(rdma) {
	int fd;
	uint8_t *map;
	char readahead[32];	/* node 0's, to restore */
	long writeback;		/* writeback_ms to restore, or -1 */
};

/*
 * Why this node cannot run the tests, or NULL. Checked by each test,
 * not by the setup: this harness runs a test whose setup SKIPped.
 */
static const char *rdma_unfit(void)
{
	char name[32];

	if (dsm_node_id_env() < 0 || dsm_nodes_env() != 3)
		return "needs DSM_NODE_ID and DSM_NODES=3";
	if (dsm_read_file(PARAMS "/transport", name, sizeof(name)) ||
	    strcmp(name, "rdma"))
		return "the cluster's transport is not rdma";
	return NULL;
}

FIXTURE_SETUP(rdma)
{
	char out[64];

	self->fd = -1;
	self->writeback = -1;
	node = dsm_node_id_env();
	if (rdma_unfit())
		return;
	if (!dsm_sh(out, sizeof(out), "cat %s/fault_timeout_ms", PARAMS))
		fault_timeout_s = atoi(out) / 1000.0;
	dsm_test_begin();
	self->fd = open(DSM_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	self->map = mmap(NULL, RDMA_LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
			 self->fd, OFF_RDMA);
	ASSERT_NE(MAP_FAILED, self->map);
}

FIXTURE_TEARDOWN(rdma)
{
	char out[64];

	if (self->readahead[0])
		dsm_sh(out, sizeof(out), "echo %s > %s/readahead_pages",
		       self->readahead, PARAMS);
	if (self->writeback >= 0)
		dsm_writeback_set(self->writeback);
	if (self->map && self->map != MAP_FAILED)
		munmap(self->map, RDMA_LEN);
	if (self->fd >= 0)
		close(self->fd);
}

/* Page @i of the pages of our range homed on node @home (3 nodes). */
static uint64_t page_of(int home, unsigned int i)
{
	uint64_t p = OFF_RDMA / DSM_PAGE;

	while (p % 3 != (uint64_t)home)
		p++;
	return (p + 3 * (uint64_t)i) * DSM_PAGE - OFF_RDMA;
}

/* Pages homed on one node: the first half probed, the rest fresh. */
#define HOME_PAGES	((RDMA_LEN / DSM_PAGE - 2) / 3)
#define PROBE_PAGES	(HOME_PAGES / 2)

struct probes {
	uint8_t *map;
	int home;
	volatile int stop;
	unsigned int next;
	unsigned long data, sigbus;
	double max_s;
	pthread_mutex_t lock;
};

/* Fault on pages of node @p->home, round and round, timing each. */
static void *prober(void *arg)
{
	struct probes *p = arg;
	unsigned int i;
	double t0, s;
	int sig;

	while (!p->stop) {
		i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED);
		t0 = dsm_now();
		sig = dsm_sigbus_read(p->map + page_of(p->home, i % PROBE_PAGES));
		s = dsm_now() - t0;
		pthread_mutex_lock(&p->lock);
		if (s > p->max_s)
			p->max_s = s;
		if (sig)
			p->sigbus++;
		else
			p->data++;
		pthread_mutex_unlock(&p->lock);
		/* A page that failed fails at once: do not spin on it. */
		if (sig)
			usleep(100000);
	}
	return NULL;
}

/*
 * Node 0: fault on pages homed on @home in PROBERS threads for PROBE_S
 * seconds; every access must end within the fault timeout plus a credit
 * wait, plus the dead timeout (a fault whose home stops answering waits
 * that long for it to be declared down: Documentation/sc.md "Failures
 * and timeouts"), and 10 s of slack for a loaded host; and some must
 * have failed (the link went) if @want_fail.
 */
static void probe_node(struct __test_metadata *_metadata, uint8_t *map,
		       int home, int want_fail)
{
	struct probes p = { .map = map, .home = home };
	struct sigaction sa = { .sa_handler = dsm_sigbus_handler };
	double bound = dsm_test_secs(fault_timeout_s + SEND_TIMEOUT_S +
				     DEAD_TIMEOUT_S + 10);
	pthread_t th[PROBERS];
	pthread_attr_t attr;
	int i, started = 0;

	pthread_mutex_init(&p.lock, NULL);
	sa.sa_flags = SA_NODEFER;
	ASSERT_EQ(0, sigaction(SIGBUS, &sa, NULL));
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, PROBE_STACK);
	for (i = 0; i < PROBERS; i++)
		if (!pthread_create(&th[i], &attr, prober, &p))
			started++;
		else
			break;
	sleep(PROBE_S);
	p.stop = 1;
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	signal(SIGBUS, SIG_DFL);
	TH_LOG("node 0: %d threads on node %d's pages: %lu served, %lu SIGBUS, longest access %.1f s (bound %.1f s)",
	       started, home, p.data, p.sigbus, p.max_s, bound);
	EXPECT_EQ(PROBERS, started);
	EXPECT_GE(bound, p.max_s);
	if (want_fail)
		EXPECT_LT(0, p.sigbus);
}

/*
 * Node 0: wait (at most 60 s) for the link to @home to be up again, then
 * read a page of @home never probed: it must be served.
 */
static void served_again(struct __test_metadata *_metadata, uint8_t *map,
			 int home)
{
	char out[1024];
	int sig;
	struct sigaction sa = { .sa_handler = dsm_sigbus_handler };

	EXPECT_EQ(0, dsm_sh(out, sizeof(out),
			    "i=0; until dsmctl -j node show %d | jq -e "
			    "'.transport == \"rdma\"' >/dev/null; do "
			    "i=$((i + 1)); [ $i -lt %d ] || { echo 'node 0: "
			    "no link to node %d after %d s'; dsmctl node list; "
			    "exit 1; }; sleep 0.1; done", home,
			    dsm_test_secs(600), home, dsm_test_secs(60)))
		TH_LOG("%s", out);
	sa.sa_flags = SA_NODEFER;
	ASSERT_EQ(0, sigaction(SIGBUS, &sa, NULL));
	sig = dsm_sigbus_read(map + page_of(home, PROBE_PAGES + 1));
	signal(SIGBUS, SIG_DFL);
	EXPECT_EQ(0, sig) TH_LOG("node 0: a fresh page of node %d after the link came back: SIGBUS",
				 home);
}

/* Node 0 without read-ahead: every request is a fault's own. */
static void no_readahead(struct __test_metadata *_metadata,
			 FIXTURE_DATA(rdma) *self)
{
	char out[64];

	ASSERT_EQ(0, dsm_read_file(PARAMS "/readahead_pages", self->readahead,
				   sizeof(self->readahead)));
	ASSERT_EQ(0, dsm_sh(out, sizeof(out), "echo 0 > %s/readahead_pages",
			    PARAMS)) TH_LOG("%s", out);
}

/* Pages of node 1 the zero_copy test reads: none another test touches. */
#define ZC_FIRST	(PROBE_PAGES + 8)
#define ZC_PAGES	32

/* Node 0: does every zero_copy page hold byte @round + its index? */
static unsigned int zc_wrong(const uint8_t *map, int round)
{
	unsigned int i, j, wrong = 0;
	const uint8_t *p;

	for (i = 0; i < ZC_PAGES; i++) {
		p = map + page_of(1, ZC_FIRST + i);
		for (j = 0; j < DSM_PAGE; j++)
			if (p[j] != (uint8_t)(round + i)) {
				wrong++;
				break;
			}
	}
	return wrong;
}

/* Node 1: fill the zero_copy pages for @round. */
static void zc_write(uint8_t *map, int round)
{
	unsigned int i;

	for (i = 0; i < ZC_PAGES; i++)
		memset(map + page_of(1, ZC_FIRST + i), round + i, DSM_PAGE);
}

/*
 * Node 0: read the zero_copy pages (node 1 wrote them for @round) and
 * check their bytes, and that every grant took the path @zero_copy says:
 * its page installed as received, or copied into a frame.
 */
static void zc_read(struct __test_metadata *_metadata, const uint8_t *map,
		    int round, int zero_copy)
{
	long zc0 = dsm_counter("rdma_rx_page_zero_copy");
	long cp0 = dsm_counter("rdma_rx_page_copied");
	long zc, cp;

	ASSERT_LE(0, zc0) TH_LOG("no rdma_rx_page_zero_copy counter");
	ASSERT_LE(0, cp0) TH_LOG("no rdma_rx_page_copied counter");
	EXPECT_EQ(0, zc_wrong(map, round))
		TH_LOG("node 0: pages fetched in round %d do not hold node 1's bytes",
		       round);
	zc = dsm_counter("rdma_rx_page_zero_copy") - zc0;
	cp = dsm_counter("rdma_rx_page_copied") - cp0;
	TH_LOG("node 0: %d %s: %ld pages installed as received, %ld copied",
	       ZC_PAGES, zero_copy ? "first fetches" : "fetches into frames",
	       zc, cp);
	EXPECT_LE(ZC_PAGES, zero_copy ? zc : cp);
	EXPECT_EQ(0, zero_copy ? cp : zc);
}

TEST_F_TIMEOUT(rdma, zero_copy, DSM_TEST_TIMEOUT(60))
{
	int i;

	if (rdma_unfit())
		SKIP(return, "%s", rdma_unfit());
	if (node == 0)
		no_readahead(_metadata, self);
	/* Node 1's write-back would give other nodes frames of its pages. */
	if (node == 1) {
		self->writeback = dsm_writeback_set(0);
		ASSERT_LE(0, self->writeback);
	}
	/* First fetches, then fetches into the frames node 0 holds. */
	for (i = 0; i < 2; i++) {
		if (node == 1)
			zc_write(self->map, 1 + 100 * i);
		dsm_test_sync(1 + 2 * i);
		if (node == 0)
			zc_read(_metadata, self->map, 1 + 100 * i, i == 0);
		dsm_test_sync(2 + 2 * i);
	}
}

TEST_F_TIMEOUT(rdma, credits, DSM_TEST_TIMEOUT(150))
{
	char out[256];
	long down0 = 0;

	if (rdma_unfit())
		SKIP(return, "%s", rdma_unfit());
	if (node == 0) {
		no_readahead(_metadata, self);
		down0 = dsm_counter("conn_down");
	}
	if (node == 2)
		ASSERT_EQ(0, dsm_sh(out, sizeof(out), "echo 'stall 0 %d' > %s",
				    STALL_MS, FAULT_FILE)) TH_LOG("%s", out);
	dsm_test_sync(1);
	if (node == 0) {
		probe_node(_metadata, self->map, 2, 1);
		EXPECT_LT(down0, dsm_counter("conn_down"))
			TH_LOG("node 0: no connection went down while node 2 returned no credit");
	}
	dsm_test_sync(2);
	if (node == 2)
		ASSERT_EQ(0, dsm_sh(out, sizeof(out), "echo 'stall 0 0' > %s",
				    FAULT_FILE)) TH_LOG("%s", out);
	dsm_test_sync(3);
	if (node == 0)
		served_again(_metadata, self->map, 2);
	dsm_test_sync(4);
}

/* Last: it takes node 1's device away (and gives it back). */
TEST_F_TIMEOUT(rdma, device_removal, DSM_TEST_TIMEOUT(150))
{
	char out[256];
	double t0;

	if (rdma_unfit())
		SKIP(return, "%s", rdma_unfit());
	if (node == 0)
		no_readahead(_metadata, self);
	dsm_test_sync(10);
	if (node == 0)
		probe_node(_metadata, self->map, 1, 0);
	if (node == 1) {
		/* While node 0 faults on node 1's pages. */
		sleep(PROBE_S / 3);
		t0 = dsm_now();
		EXPECT_EQ(0, dsm_sh(out, sizeof(out), "rdma link del rxe0"))
			TH_LOG("node 1: rdma link del rxe0: %s", out);
		TH_LOG("node 1: rdma link del rxe0 took %.1f s",
		       dsm_now() - t0);
		EXPECT_GE(dsm_test_secs(20), dsm_now() - t0);
	}
	dsm_test_sync(11);
	if (node == 1)
		ASSERT_EQ(0, dsm_sh(out, sizeof(out),
				    "rdma link add rxe0 type rxe netdev eth0"))
			TH_LOG("node 1: rdma link add rxe0: %s", out);
	dsm_test_sync(12);
	if (node == 0)
		served_again(_metadata, self->map, 1);
	dsm_test_sync(13);
}

TEST_HARNESS_MAIN

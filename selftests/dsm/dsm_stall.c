// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_stall - a peer that stops reading its socket (issue 12, finding 1).
 * Written for 3 nodes.
 *
 * Node 2 stops reading node 0's connection (debugfs dsm/fault "stall",
 * the module's inject=1) while node 0 faults on pages homed on node 2
 * through a mapping, in many threads at once, with no read-ahead (so
 * that every request is sent by the fault that waits for it): their
 * requests fill the socket buffers between the two, until a fault's send
 * blocks for the transport's send timeout and kernel_sendmsg() returns
 * -EAGAIN into sc_start(). Such a send error once came back to the
 * fault's retry as "wait for the request in flight" with no request
 * there: a NULL dereference. If the faults alone
 * do not fill the buffers in time, node 2 also asks node 0 for many
 * pages, whose grants fill them. Every access of node 0 meanwhile must end
 * in data or in a documented error (EIO, SIGBUS) within its bound, never
 * in a crash (the consoles are checked for kernel reports) or a hang.
 *
 * After the stall ends every page works again: node 0 reads the pages
 * it could not get, node 2 reads what node 0 wrote, and each writes
 * what the other reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dsm_test.h"
#include "dsm_shell.h"
#include "dsm_sigbus.h"

#define MiB		(1UL << 20)
/* This program's part of the default region: no other program uses it. */
#define OFF_BULK	(192 * MiB)	/* node 0 writes, node 2 reads */
#define BULK_PAGES	2048		/* up to OFF_PROBE */
#define OFF_PROBE	(200 * MiB)	/* node 0 faults during the stall */
#define PROBE_LEN	(16 * MiB)

#define FAULT_FILE	"/sys/kernel/debug/dsm/fault"
#define PARAMS		"/sys/module/dsm/parameters"
/* The TCP transport's socket send timeout (kmod/dsm_tcp.c). */
#define SEND_TIMEOUT_S	5.0

/*
 * Node 2's demand in phase 2: READERS threads, each reading CHUNK pages
 * at a time with the most read-ahead the module allows, so that up to
 * READERS * CHUNK grants (about 4 MiB) are asked for per fault_timeout_ms
 * (a read waits for its first page that long, then fails with EIO, and
 * the page may be asked again once its failure mark is gone). Sixteen
 * threads reading 9 pages each (8 read ahead, the default) asked for
 * about 1,300 grants in 45 s, which filled the buffers in most runs but
 * not all: how much they hold depends on how far TCP autotuning grew
 * them before (up to tcp_rmem[2] and tcp_wmem[2], several MiB each).
 */
#define READERS		32
#define READAHEAD	32	/* the module's most (dsm_req_readahead()) */
#define CHUNK		(1 + READAHEAD)
/*
 * Node 0's threads faulting on node 2's pages, each on one page at a
 * time, with no read-ahead: every request to node 2 is then sent by the
 * fault that waits for it, so the send that times out is a fault's own.
 */
#define PROBERS		400
#define PROBE_STACK	(128 * 1024)
/* The probe pages: every page of the probe range homed on node 2. */
#define PROBES		((PROBE_LEN / DSM_PAGE - 2) / 3)
#define CHECK_PAGES	64	/* pages per read in the checks */
/*
 * How long each phase waits for node 0's sends to node 2 to back up.
 * The faults' requests alone rarely fill the buffers (in make check runs
 * of 6.1 and 6.12, not in 7,200 requests over 90 s), and the faults go
 * on sending in phase 2, where node 0's grants fill them (and the faults'
 * own sends then time out too): phase 1 is kept short so that it does not
 * cost every run its wait (30 s until make check ran out of time).
 */
#define PHASE1_S	5.0
#define PHASE2_S	90.0	/* a bound: the wait ends when a send fails */
/* Node 2 renews its stall (at most 60 s each) this often. */
#define RESTALL_S	20

static int node, nodes;
static double fault_timeout_s = 5.0;

static uint64_t bulk_word(uint64_t i)
{
	return 0xb01c0000000ULL + i;
}

/* The offset of probe page @i: the @i-th page homed on node 2. */
static uint64_t probe_off(unsigned int i)
{
	uint64_t p = OFF_PROBE / DSM_PAGE;

	while (p % 3 != 2)
		p++;
	return (p + 3 * (uint64_t)i) * DSM_PAGE;
}

FIXTURE(stall) {
	int fd;
	uint8_t *bulk;
	uint8_t *probe;
	char readahead[32];	/* this node's, to restore */
};

FIXTURE_SETUP(stall)
{
	char out[64];

	node = dsm_node_id_env();
	nodes = dsm_nodes_env();
	if (node < 0 || nodes != 3)
		DSM_SETUP_SKIP("needs DSM_NODE_ID and DSM_NODES=3");
	if (!dsm_sh(out, sizeof(out), "cat %s/fault_timeout_ms", PARAMS))
		fault_timeout_s = atoi(out) / 1000.0;
	dsm_test_begin();
	self->fd = open(DSM_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	self->bulk = mmap(NULL, BULK_PAGES * DSM_PAGE, PROT_READ | PROT_WRITE,
			  MAP_SHARED, self->fd, OFF_BULK);
	ASSERT_NE(MAP_FAILED, self->bulk);
	self->probe = mmap(NULL, PROBE_LEN, PROT_READ | PROT_WRITE,
			   MAP_SHARED, self->fd, OFF_PROBE);
	ASSERT_NE(MAP_FAILED, self->probe);
}

FIXTURE_TEARDOWN(stall)
{
	char out[64];

	if (self->readahead[0])
		dsm_sh(out, sizeof(out), "echo %s > %s/readahead_pages",
		       self->readahead, PARAMS);
	if (self->probe && self->probe != MAP_FAILED)
		munmap(self->probe, PROBE_LEN);
	if (self->bulk && self->bulk != MAP_FAILED)
		munmap(self->bulk, BULK_PAGES * DSM_PAGE);
	if (self->fd >= 0)
		close(self->fd);
}

/* ------------------------------------------------- node 2: demand */

struct readers {
	FIXTURE_DATA(stall) *self;
	volatile int stop;
	pthread_t th[READERS];
	unsigned long reads, eio;
};

struct reader_arg {
	struct readers *r;
	unsigned int id;
};

/*
 * Each reader reads its slice of the bulk range, CHUNK pages at a time:
 * every read asks node 0 for up to CHUNK pages (its first and those read
 * ahead), which node 0 sends into the stalled connection. A read that
 * cannot get its page ends in EIO after fault_timeout_ms.
 */
static void *reader(void *arg)
{
	struct reader_arg *a = arg;
	struct readers *r = a->r;
	unsigned int id = a->id, slice = BULK_PAGES / READERS, at = 0;
	char buf[CHUNK * DSM_PAGE];
	ssize_t n;

	while (!r->stop) {
		off_t off = OFF_BULK + (off_t)(id * slice + at) * DSM_PAGE;

		n = pread(r->self->fd, buf, CHUNK * DSM_PAGE, off);
		__atomic_add_fetch(&r->reads, 1, __ATOMIC_RELAXED);
		if (n < 0) {
			__atomic_add_fetch(&r->eio, 1, __ATOMIC_RELAXED);
			usleep(100000);	/* a page that failed fails at once */
		}
		at = at + CHUNK < slice ? at + CHUNK : 0;
	}
	return NULL;
}

/* ------------------------------------------------- node 0: probes */

/* What node 0's accesses during the stall ended in. */
struct probes {
	FIXTURE_DATA(stall) *self;
	volatile int stop;
	unsigned int next;		/* next probe */
	unsigned long data, eio, sigbus, other;
	double max_s;			/* the longest access */
	char other_why[128];
	pthread_mutex_t lock;
};

static void probe_done(struct probes *p, double s, int how, int err)
{
	pthread_mutex_lock(&p->lock);
	if (s > p->max_s)
		p->max_s = s;
	if (how == 0)
		p->data++;
	else if (how == SIGBUS)
		p->sigbus++;
	else if (err == EIO)
		p->eio++;
	else if (!p->other++)
		snprintf(p->other_why, sizeof(p->other_why),
			 "read of a page homed on node 2: %s", strerror(err));
	pthread_mutex_unlock(&p->lock);
}

/*
 * Fault on pages homed on node 2 through the mapping, one after another,
 * round and round (a page whose request failed is asked again once its
 * failure mark is gone): each request goes into the stalled connection.
 */
static void *prober(void *arg)
{
	struct probes *p = arg;
	unsigned int i;
	double t0;
	int sig;

	while (!p->stop) {
		i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED) % PROBES;
		t0 = dsm_now();
		sig = dsm_sigbus_read(p->self->probe + probe_off(i) - OFF_PROBE);
		probe_done(p, dsm_now() - t0, sig, 0);
		/* A page that failed fails at once: do not spin on it. */
		if (sig)
			usleep(100000);
	}
	return NULL;
}

/* This node's data connections, as /proc/net/tcp shows them (port 7901). */
static void log_queues(struct __test_metadata *_metadata, const char *when)
{
	char out[512];

	dsm_sh(out, sizeof(out),
	       "awk '$2 ~ /:1EDD$/ || $3 ~ /:1EDD$/ { print $2, $3, $5 }' /proc/net/tcp | tr '\\n' ' '");
	TH_LOG("node %d: %s: connections (local remote tx_queue:rx_queue): %s",
	       node, when, out);
}

/*
 * Node 0: wait until its sends have failed more than @base times (the
 * stall backed them up until one timed out), at most @secs seconds.
 * Return: true if they did.
 */
static bool sends_failed(struct __test_metadata *_metadata, long base,
			 double secs)
{
	double end = dsm_now() + secs, next = dsm_now() + 15;

	while (dsm_counter("msg_send_failed") <= base && dsm_now() < end) {
		if (dsm_now() > next) {
			log_queues(_metadata, "waiting");
			next += 15;
		}
		usleep(200000);
	}
	return dsm_counter("msg_send_failed") > base;
}

/* Node 2: renew the stall until told to stop. */
struct restall {
	volatile int stop;
	pthread_t th;
};

static void *restaller(void *arg)
{
	struct restall *r = arg;
	char out[128];
	int i;

	while (!r->stop) {
		dsm_sh(out, sizeof(out), "echo 'stall 0 60000' > %s",
		       FAULT_FILE);
		for (i = 0; i < RESTALL_S * 10 && !r->stop; i++)
			usleep(100000);
	}
	return NULL;
}

/* ------------------------------------------------- the test */

/*
 * The longest an access may take while a peer does not read: its request
 * waits at most fault_timeout_ms, and sending it may wait for the sends
 * queued before it on the connection, each bounded by the send timeout,
 * until the first that times out drops the connection. Generous: this
 * is a bound, not a performance figure.
 */
static double access_bound(void)
{
	return 2 * fault_timeout_s + 4 * SEND_TIMEOUT_S;
}

TEST_F_TIMEOUT(stall, unread_socket, DSM_TEST_TIMEOUT(200))
{
	long failed = -1, down = -1, reqs = -1, conns = -1;
	struct readers rd = { .self = self };
	struct restall rs = { 0 };
	struct reader_arg ra[READERS];
	struct probes pr = { .self = self,
			     .lock = PTHREAD_MUTEX_INITIALIZER };
	bool by_faults = false, backed = false;
	static char buf[CHECK_PAGES * DSM_PAGE];
	static pthread_t pth[PROBERS];
	pthread_attr_t attr;
	char out[256];
	unsigned int probed;
	uint64_t end;
	uint64_t i, v;
	int k, bad;

	/* Node 0 owns every bulk page, with its own data. */
	if (node == 0) {
		for (i = 0; i < BULK_PAGES; i++)
			*(volatile uint64_t *)(self->bulk + i * DSM_PAGE) =
				bulk_word(i);
		ASSERT_EQ(0, dsm_sh(self->readahead, sizeof(self->readahead),
				    "cat %s/readahead_pages", PARAMS));
		ASSERT_EQ(0, dsm_sh(out, sizeof(out),
				    "echo 0 > %s/readahead_pages", PARAMS))
			TH_LOG("node 0: %s", out);
	}
	dsm_test_sync(1);

	/* Phase 1: node 2 stops reading; node 0 faults on its pages. */
	if (node == 2) {
		conns = dsm_counter("conn_up");
		ASSERT_EQ(0, dsm_sh(out, sizeof(out), "echo 'stall 0 60000' > %s",
				    FAULT_FILE))
			TH_LOG("node 2: cannot stall node 0's connection: %s",
			       out);
		ASSERT_EQ(0, pthread_create(&rs.th, NULL, restaller, &rs));
	}
	dsm_test_sync(2);
	if (node == 0) {
		failed = dsm_counter("msg_send_failed");
		down = dsm_counter("conn_down");
		reqs = dsm_counter("msg_tx_page_req");
		signal(SIGBUS, dsm_sigbus_handler);
		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, PROBE_STACK);
		for (k = 0; k < PROBERS; k++)
			ASSERT_EQ(0, pthread_create(&pth[k], &attr, prober,
						    &pr));
		by_faults = backed = sends_failed(_metadata, failed, PHASE1_S);
		log_queues(_metadata, "phase 1 over");
		TH_LOG("node 0: phase 1: %s after %ld requests sent",
		       by_faults ? "its faults' sends to node 2 timed out" :
		       "no send failed yet",
		       dsm_counter("msg_tx_page_req") - reqs);
	}
	dsm_test_sync(3);

	/*
	 * Phase 2, if node 0 did not make a new connection to node 2 (its
	 * sends did not time out): node 2 asks node 0 for many pages, and
	 * node 0's grants fill the buffers.
	 */
	if (node == 2 && dsm_counter("conn_up") <= conns) {
		TH_LOG("node 2: phase 2: asking node 0 for pages");
		reqs = dsm_counter("msg_tx_page_req");
		ASSERT_EQ(0, dsm_sh(self->readahead, sizeof(self->readahead),
				    "cat %s/readahead_pages", PARAMS));
		ASSERT_EQ(0, dsm_sh(out, sizeof(out),
				    "echo %d > %s/readahead_pages", READAHEAD,
				    PARAMS))
			TH_LOG("node 2: %s", out);
		for (k = 0; k < READERS; k++) {
			ra[k].r = &rd;
			ra[k].id = k;
			ASSERT_EQ(0, pthread_create(&rd.th[k], NULL, reader,
						    &ra[k]));
		}
	}
	if (node == 0) {
		if (!backed)
			backed = sends_failed(_metadata, failed, PHASE2_S);
		/* Go on a while: the stall backs up the next connection too. */
		if (backed)
			usleep(2 * SEND_TIMEOUT_S * 1e6);
		pr.stop = 1;
		for (k = 0; k < PROBERS; k++)
			pthread_join(pth[k], NULL);
		signal(SIGBUS, SIG_DFL);
		EXPECT_EQ(0, dsm_sh(out, sizeof(out),
				    "echo %s > %s/readahead_pages",
				    self->readahead, PARAMS));
		TH_LOG("node 0: %lu accesses to node 2's pages: %lu data, %lu EIO, %lu SIGBUS, %lu other; the longest %.1f s; sends failed %ld, connections down %ld",
		       pr.data + pr.eio + pr.sigbus + pr.other, pr.data,
		       pr.eio, pr.sigbus, pr.other, pr.max_s,
		       dsm_counter("msg_send_failed") - failed,
		       dsm_counter("conn_down") - down);
		EXPECT_TRUE(backed)
			TH_LOG("node 0: its sends to node 2 never timed out: the test did not test");
		EXPECT_EQ(0, pr.other) TH_LOG("node 0: %s", pr.other_why);
		EXPECT_GE(access_bound(), pr.max_s)
			TH_LOG("node 0: an access took %.1f s, above its bound %.1f s",
			       pr.max_s, access_bound());
	}
	dsm_test_sync(4);

	if (node == 2) {
		log_queues(_metadata, "stall over");
		rs.stop = 1;
		pthread_join(rs.th, NULL);
		rd.stop = 1;
		for (k = 0; rd.th[0] && k < READERS; k++)
			pthread_join(rd.th[k], NULL);
		EXPECT_EQ(0, dsm_sh(out, sizeof(out), "echo 'stall 0 0' > %s",
				    FAULT_FILE))
			TH_LOG("node 2: %s", out);
		if (rd.th[0]) {
			TH_LOG("node 2: %lu reads during the stall, %lu EIO, %ld page requests sent",
			       rd.reads, rd.eio,
			       dsm_counter("msg_tx_page_req") - reqs);
			EXPECT_EQ(0, dsm_sh(out, sizeof(out),
					    "echo %s > %s/readahead_pages",
					    self->readahead, PARAMS));
		}
	}
	dsm_test_sync(5);

	/*
	 * The stall is over. What failed marked its page for
	 * fault_timeout_ms, and a home ends a transaction whose grant was
	 * lost with a dropped connection after twice that: past both, the
	 * pages must work again, each access at the first try.
	 */
	usleep((2 * fault_timeout_s + 2) * 1e6);
	if (node == 0) {
		/* Every page up to the last probed, CHECK_PAGES at a time. */
		probed = pr.next < PROBES ? pr.next : PROBES;
		end = probe_off(probed) + DSM_PAGE;
		for (i = OFF_PROBE, bad = 0; i < end; i += sizeof(buf)) {
			ssize_t n = pread(self->fd, buf, sizeof(buf), i);

			if (n != sizeof(buf) && !bad++)
				TH_LOG("node 0: pages from offset %#llx: %s",
				       (unsigned long long)i,
				       n < 0 ? strerror(errno) :
				       "a short read: a page unreadable");
		}
		EXPECT_EQ(0, bad)
			TH_LOG("node 0: %d reads of %d pages unreadable after the stall (%u pages probed)",
			       bad, CHECK_PAGES, probed);
	}
	if (node == 2) {
		ssize_t n = 0;

		/* CHECK_PAGES at a time: a read fetches ahead within it. */
		for (i = 0, bad = 0; i < BULK_PAGES; i++) {
			if (i % CHECK_PAGES == 0)
				n = pread(self->fd, buf, sizeof(buf),
					  OFF_BULK + i * DSM_PAGE);
			if (n < (ssize_t)((i % CHECK_PAGES + 1) * DSM_PAGE)) {
				if (!bad++)
					TH_LOG("node 2: bulk page %llu: %s",
					       (unsigned long long)i,
					       n < 0 ? strerror(errno) :
					       "a short read");
				continue;
			}
			memcpy(&v, buf + i % CHECK_PAGES * DSM_PAGE, sizeof(v));
			if (v != bulk_word(i) && !bad++)
				TH_LOG("node 2: bulk page %llu holds %#llx, not %#llx",
				       (unsigned long long)i,
				       (unsigned long long)v,
				       (unsigned long long)bulk_word(i));
		}
		EXPECT_EQ(0, bad)
			TH_LOG("node 2: %d of %d bulk pages unreadable or wrong after the stall",
			       bad, BULK_PAGES);
		for (k = 0; k < 8; k++) {
			v = 0x2000 + k;
			EXPECT_EQ(sizeof(v),
				  pwrite(self->fd, &v, sizeof(v), probe_off(k)))
				TH_LOG("node 2: writing probe %d: %s", k,
				       strerror(errno));
		}
	}
	dsm_test_sync(6);
	if (node == 0) {
		for (k = 0; k < 8; k++) {
			EXPECT_EQ(sizeof(v),
				  pread(self->fd, &v, sizeof(v), probe_off(k)));
			EXPECT_EQ(0x2000 + k, v)
				TH_LOG("node 0: probe %d", k);
		}
		v = 0x0b0b;
		EXPECT_EQ(sizeof(v), pwrite(self->fd, &v, sizeof(v), OFF_BULK));
	}
	dsm_test_sync(7);
	if (node != 0) {
		EXPECT_EQ(sizeof(v), pread(self->fd, &v, sizeof(v), OFF_BULK));
		EXPECT_EQ(0x0b0b, v) TH_LOG("node %d: bulk page 0", node);
	}
	dsm_test_sync(8);
	TH_LOG("node %d: took %.1f s", node, dsm_test_elapsed());
}

TEST_HARNESS_MAIN

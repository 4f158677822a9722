// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_stall - a peer that stops reading its socket (issue 12, finding 1).
 * Written for 3 nodes.
 *
 * Node 2 stops reading node 0's connection (debugfs dsm/fault "stall",
 * the module's inject=1) and asks node 0 for many pages at once, so that
 * node 0's grants fill the socket buffers between them and node 0's
 * sends to node 2 block until the transport's send timeout, which
 * returns -EAGAIN from kernel_sendmsg(). Meanwhile node 0 faults on pages
 * homed on node 2 (through read() and through a mapping), whose requests
 * are sent into that connection: the send that times out may be one of
 * theirs (sc_start()). Each of those accesses must end in data or in a
 * documented error (EIO, SIGBUS) within its bound, never in a crash
 * (the consoles are checked for kernel reports) or a hang. A send error
 * once reached a fault as "wait for the request in flight" with no
 * request there (a NULL dereference).
 *
 * After the stall ends every node must use those pages again: node 2
 * reads what node 0 wrote, node 0 the pages it could not get, and each
 * writes what the other reads.
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

#define MiB		(1UL << 20)
/* This program's part of the default region: no other program uses it. */
#define OFF_BULK	(192 * MiB)	/* node 0 writes, node 2 reads */
#define BULK_PAGES	1024
#define OFF_PROBE	(200 * MiB)	/* node 0 faults during the stall */
#define PROBE_PAGES	768

#define FAULT_FILE	"/sys/kernel/debug/dsm/fault"
#define TIMEOUT_PARAM	"/sys/module/dsm/parameters/fault_timeout_ms"
/* The TCP transport's socket send timeout (kmod/dsm_tcp.c). */
#define SEND_TIMEOUT_S	5.0

#define READERS		16	/* node 2's threads asking for pages */
#define CHUNK		9	/* pages per read: 1 and 8 read ahead */
#define PROBERS		4	/* node 0's threads faulting on node 2's pages */
/* How long node 0 waits for its sends to node 2 to back up. */
#define BACKUP_WAIT_S	120.0

static int node, nodes;
static double fault_timeout_s = 5.0;

static uint64_t bulk_word(uint64_t i)
{
	return 0xb01c0000000ULL + i;
}

/* The page number of byte @off of the DSM space. */
static uint64_t pgno_of(uint64_t off)
{
	return off / DSM_PAGE;
}

/* The @i-th page of the probe range homed on node 2. */
static uint64_t probe_off(unsigned int i)
{
	uint64_t p = pgno_of(OFF_PROBE);

	while (p % 3 != 2)
		p++;
	return (p + 3 * (uint64_t)i) * DSM_PAGE;
}

FIXTURE(stall) {
	int fd;
	uint8_t *bulk;
	uint8_t *probe;
};

FIXTURE_SETUP(stall)
{
	char out[64];

	node = dsm_node_id_env();
	nodes = dsm_nodes_env();
	if (node < 0 || nodes != 3)
		SKIP(return, "needs DSM_NODE_ID and DSM_NODES=3");
	if (!dsm_sh(out, sizeof(out), "cat %s", TIMEOUT_PARAM))
		fault_timeout_s = atoi(out) / 1000.0;
	dsm_test_begin();
	self->fd = open(DSM_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	self->bulk = mmap(NULL, BULK_PAGES * DSM_PAGE, PROT_READ | PROT_WRITE,
			  MAP_SHARED, self->fd, OFF_BULK);
	ASSERT_NE(MAP_FAILED, self->bulk);
	self->probe = mmap(NULL, probe_off(PROBE_PAGES) - OFF_PROBE,
			   PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
			   OFF_PROBE);
	ASSERT_NE(MAP_FAILED, self->probe);
}

FIXTURE_TEARDOWN(stall)
{
	if (self->probe && self->probe != MAP_FAILED)
		munmap(self->probe, probe_off(PROBE_PAGES) - OFF_PROBE);
	if (self->bulk && self->bulk != MAP_FAILED)
		munmap(self->bulk, BULK_PAGES * DSM_PAGE);
	if (self->fd >= 0)
		close(self->fd);
}

/* The module counter @name on this node, or -1. */
static long stat_of(const char *name)
{
	char expr[96];

	snprintf(expr, sizeof(expr), ".%s", name);
	return dsm_stats_jq(expr);
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
	unsigned int next;		/* next probe page */
	unsigned long data, eio, sigbus, other;
	double max_s;			/* the longest access */
	char other_why[128];
	pthread_mutex_t lock;
};

static __thread sigjmp_buf probe_jmp;

static void on_bus(int sig)
{
	siglongjmp(probe_jmp, sig);
}

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
 * Fault on fresh pages homed on node 2, one after another, by read() and
 * by a mapping in turn: each request goes into the stalled connection.
 */
static void *prober(void *arg)
{
	struct probes *p = arg;
	uint64_t word;
	unsigned int i;
	double t0;
	ssize_t n;
	int sig;

	while (!p->stop) {
		i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED);
		if (i >= PROBE_PAGES)
			break;
		t0 = dsm_now();
		if (i & 1) {
			n = pread(p->self->fd, &word, sizeof(word),
				  probe_off(i));
			probe_done(p, dsm_now() - t0, n == sizeof(word) ? 0 : -1,
				   n < 0 ? errno : EIO);
			continue;
		}
		sig = sigsetjmp(probe_jmp, 1);
		if (!sig)
			word = *(volatile uint64_t *)(p->self->probe +
						      probe_off(i) - OFF_PROBE);
		probe_done(p, dsm_now() - t0, sig, 0);
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
	long failed = -1, down = -1;
	struct readers rd = { .self = self };
	struct reader_arg ra[READERS];
	struct probes pr = { .self = self,
			     .lock = PTHREAD_MUTEX_INITIALIZER };
	pthread_t pth[PROBERS];
	char out[256];
	uint64_t i, v;
	double end;
	int k, bad;

	/* Node 0 owns every bulk page, with its own data. */
	if (node == 0)
		for (i = 0; i < BULK_PAGES; i++)
			*(volatile uint64_t *)(self->bulk + i * DSM_PAGE) =
				bulk_word(i);
	dsm_test_sync(1);

	if (node == 2) {
		ASSERT_EQ(0, dsm_sh(out, sizeof(out), "echo 'stall 0 60000' > %s",
				    FAULT_FILE))
			TH_LOG("node 2: cannot stall node 0's connection: %s",
			       out);
		for (k = 0; k < READERS; k++) {
			ra[k].r = &rd;
			ra[k].id = k;
			ASSERT_EQ(0, pthread_create(&rd.th[k], NULL, reader,
						    &ra[k]));
		}
	}
	if (node == 0) {
		failed = stat_of("msg_send_failed");
		down = stat_of("conn_down");
	}
	dsm_test_sync(2);

	/*
	 * Node 0 faults on node 2's pages until its sends to node 2 have
	 * timed out (the stall backed them up), and a while after.
	 */
	if (node == 0) {
		signal(SIGBUS, on_bus);
		for (k = 0; k < PROBERS; k++)
			ASSERT_EQ(0, pthread_create(&pth[k], NULL, prober, &pr));
		end = dsm_now() + BACKUP_WAIT_S;
		while (stat_of("msg_send_failed") <= failed &&
		       dsm_now() < end)
			usleep(200000);
		bad = stat_of("msg_send_failed") <= failed;
		/* Go on a while: the stall backs up the next connection too. */
		if (!bad)
			usleep(2 * SEND_TIMEOUT_S * 1e6);
		pr.stop = 1;
		for (k = 0; k < PROBERS; k++)
			pthread_join(pth[k], NULL);
		signal(SIGBUS, SIG_DFL);
		TH_LOG("node 0: %lu accesses to node 2's pages: %lu data, %lu EIO, %lu SIGBUS, %lu other; the longest %.1f s; sends failed %ld, connections down %ld",
		       pr.data + pr.eio + pr.sigbus + pr.other, pr.data,
		       pr.eio, pr.sigbus, pr.other, pr.max_s,
		       stat_of("msg_send_failed") - failed,
		       stat_of("conn_down") - down);
		EXPECT_FALSE(bad)
			TH_LOG("node 0: its sends to node 2 did not back up within %.0f s: the test did not test",
			       BACKUP_WAIT_S);
		EXPECT_EQ(0, pr.other) TH_LOG("node 0: %s", pr.other_why);
		EXPECT_GE(access_bound(), pr.max_s)
			TH_LOG("node 0: an access took %.1f s, above its bound %.1f s",
			       pr.max_s, access_bound());
	}
	dsm_test_sync(3);

	if (node == 2) {
		rd.stop = 1;
		for (k = 0; k < READERS; k++)
			pthread_join(rd.th[k], NULL);
		EXPECT_EQ(0, dsm_sh(out, sizeof(out), "echo 'stall 0 0' > %s",
				    FAULT_FILE))
			TH_LOG("node 2: %s", out);
		TH_LOG("node 2: %lu reads during the stall, %lu EIO",
		       rd.reads, rd.eio);
	}
	dsm_test_sync(4);

	/*
	 * The stall is over. What failed marked its page for
	 * fault_timeout_ms, and a home ends a transaction whose grant was
	 * lost with a dropped connection after twice that: past both, the
	 * pages must work again, each access at the first try.
	 */
	usleep((2 * fault_timeout_s + 2) * 1e6);
	if (node == 2) {
		for (i = 0, bad = 0; i < BULK_PAGES; i++) {
			if (pread(self->fd, &v, sizeof(v),
				  OFF_BULK + i * DSM_PAGE) != sizeof(v)) {
				if (!bad++)
					TH_LOG("node 2: bulk page %llu: %s",
					       (unsigned long long)i,
					       strerror(errno));
			} else if (v != bulk_word(i) && !bad++) {
				TH_LOG("node 2: bulk page %llu holds %#llx, not %#llx",
				       (unsigned long long)i,
				       (unsigned long long)v,
				       (unsigned long long)bulk_word(i));
			}
		}
		EXPECT_EQ(0, bad)
			TH_LOG("node 2: %d of %d bulk pages unreadable or wrong after the stall",
			       bad, BULK_PAGES);
		for (i = 0; i < PROBE_PAGES; i += 64) {
			v = 0x2000 + i;
			EXPECT_EQ(sizeof(v),
				  pwrite(self->fd, &v, sizeof(v), probe_off(i)))
				TH_LOG("node 2: writing probe page %llu: %s",
				       (unsigned long long)i, strerror(errno));
		}
	}
	if (node == 0) {
		for (i = 0, bad = 0; i < PROBE_PAGES; i++)
			if (pread(self->fd, &v, sizeof(v), probe_off(i)) !=
			    sizeof(v) && !bad++)
				TH_LOG("node 0: probe page %llu: %s",
				       (unsigned long long)i, strerror(errno));
		EXPECT_EQ(0, bad)
			TH_LOG("node 0: %d of %d pages homed on node 2 unreadable after the stall",
			       bad, PROBE_PAGES);
	}
	dsm_test_sync(5);
	if (node == 0) {
		for (i = 0; i < PROBE_PAGES; i += 64) {
			EXPECT_EQ(sizeof(v),
				  pread(self->fd, &v, sizeof(v), probe_off(i)));
			EXPECT_EQ(0x2000 + i, v)
				TH_LOG("node 0: probe page %llu",
				       (unsigned long long)i);
		}
		v = 0x0b0b;
		EXPECT_EQ(sizeof(v), pwrite(self->fd, &v, sizeof(v), OFF_BULK));
	}
	dsm_test_sync(6);
	if (node != 0) {
		EXPECT_EQ(sizeof(v), pread(self->fd, &v, sizeof(v), OFF_BULK));
		EXPECT_EQ(0x0b0b, v) TH_LOG("node %d: bulk page 0", node);
	}
	dsm_test_sync(7);
}

TEST_HARNESS_MAIN

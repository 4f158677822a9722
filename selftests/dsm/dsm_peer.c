// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_peer - one wrong message from a peer changes nothing it should not
 * (issue 12): each test has node 1 send one kind of valid-looking but
 * wrong message through its own data connection (dsm_adversary send, the
 * module's inject=1 debugfs file), and checks on the target that it was
 * refused and counted, and on the others that no data was lost.
 *
 * Written for 3 nodes. Pages are homed round-robin (page number modulo 3);
 * each test uses its own pages of the default region, from OFF_PEER on,
 * which no other test program touches.
 */
#include <errno.h>
#include <fcntl.h>
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
#define OFF_PEER	(160 * MiB)	/* this program's part of the region */
#define PEER_LEN	(4 * MiB)
#define ADVERSARY	"/usr/lib/dsm/selftests/dsm_adversary"
#define DSM_FAULT_FILE	"/sys/kernel/debug/dsm/fault"
/* How long a target may take to handle what was sent to it. */
#define HANDLE_WAIT	dsm_test_secs(60.0)

static int node, nodes;

FIXTURE(peer) {
	uint8_t *map;
};

FIXTURE_SETUP(peer)
{
	int fd;

	node = dsm_node_id_env();
	nodes = dsm_nodes_env();
	if (node < 0 || nodes != 3)
		DSM_SETUP_SKIP("needs DSM_NODE_ID and DSM_NODES=3");
	dsm_test_begin();
	fd = open(DSM_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	self->map = mmap(NULL, PEER_LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
			 fd, OFF_PEER);
	close(fd);
	ASSERT_NE(MAP_FAILED, self->map);
}

FIXTURE_TEARDOWN(peer)
{
	if (self->map && self->map != MAP_FAILED)
		munmap(self->map, PEER_LEN);
}

/* Page number of the @i-th page of our range homed on node @home. */
static uint64_t peer_page(int i, int home)
{
	uint64_t first = OFF_PEER / DSM_PAGE, p = first + 3 * i;

	while (p % 3 != (uint64_t)home)
		p++;
	return p;
}

static uint64_t *peer_word(FIXTURE_DATA(peer) *self, uint64_t pgno)
{
	return (uint64_t *)(self->map + (pgno * DSM_PAGE - OFF_PEER));
}

/*
 * Wait until counter @name exceeds @base by @n: 0, or -1 on timeout (also
 * when the module has no such counter: @base and the reads are then -1,
 * and the test goes on, so that what it checks runs on any module).
 */
static int stat_wait(const char *name, long base, long n)
{
	double end = dsm_now() + HANDLE_WAIT;

	if (base < 0)
		base = 0;
	while (dsm_counter(name) < base + n) {
		if (dsm_now() > end)
			return -1;
		usleep(100000);
	}
	return 0;
}

static sigjmp_buf bus_jmp;

static void on_bus(int sig)
{
	siglongjmp(bus_jmp, sig);
}

/*
 * Read the first word of page @pgno into *@v, or with @write write *@v
 * there. Return: 0, or SIGBUS when the page could not be obtained (within
 * fault_timeout_ms: the bound on every fault).
 */
static int peer_access(FIXTURE_DATA(peer) *self, uint64_t pgno, bool write,
		       uint64_t *v)
{
	volatile uint64_t *w = peer_word(self, pgno);
	int sig;

	signal(SIGBUS, on_bus);
	sig = sigsetjmp(bus_jmp, 1);
	if (!sig) {
		if (write)
			*w = *v;
		else
			*v = *w;
	}
	signal(SIGBUS, SIG_DFL);
	return sig;
}

/* Run dsm_adversary with @args on this node; its exit status. */
static int adversary(char *out, size_t len, const char *args)
{
	return dsm_sh(out, len, ADVERSARY " %s", args);
}

/*
 * The reproduction: node 2 holds the only copy of a page homed on
 * node 0; node 1, not the home, sends node 2 an INVAL. Node 2 must keep
 * its copy (counting rx_wrong_sender), and node 0 must read the data.
 * Before the fix node 2 dropped the copy and node 0's read got SIGBUS.
 */
TEST_F_TIMEOUT(peer, inval_from_stranger, DSM_TEST_TIMEOUT(120))
{
	uint64_t pg = peer_page(0, 0), want = 0x1a7a1000 + pg;
	char out[512], args[128];
	long base = 0;

	if (node == 2) {
		*peer_word(self, pg) = want;
		base = dsm_counter("rx_wrong_sender");
	}
	dsm_test_sync(1);
	if (node == 1) {
		snprintf(args, sizeof(args),
			 "send INVAL --dst 2 --page %llu --new-owner 1",
			 (unsigned long long)pg);
		EXPECT_EQ(0, adversary(out, sizeof(out), args))
			TH_LOG("node 1: %s: %s", args, out);
	}
	if (node == 2)
		EXPECT_EQ(0, stat_wait("rx_wrong_sender", base, 1))
			TH_LOG("node 2: the INVAL from node 1 was not refused");
	dsm_test_sync(2);
	if (node == 0)
		EXPECT_EQ(want, *peer_word(self, pg))
			TH_LOG("node 0: page %llu lost its data",
			       (unsigned long long)pg);
	dsm_test_sync(3);
}

/*
 * Node 1, not the home, forwards to node 2 a write request for a page
 * node 2 owns. Node 2 must not hand its page to node 1; node 0 (the home)
 * must read the data.
 */
TEST_F_TIMEOUT(peer, fwd_from_stranger, DSM_TEST_TIMEOUT(120))
{
	uint64_t pg = peer_page(1, 0), want = 0xf0d0000 + pg;
	char out[512], args[160];
	long base = 0;

	if (node == 2) {
		*peer_word(self, pg) = want;
		base = dsm_counter("rx_wrong_sender");
	}
	dsm_test_sync(1);
	if (node == 1) {
		snprintf(args, sizeof(args),
			 "send PAGE_FWD --dst 2 --page %llu --access w "
			 "--requester 1 --req-id 4660",
			 (unsigned long long)pg);
		EXPECT_EQ(0, adversary(out, sizeof(out), args))
			TH_LOG("node 1: %s: %s", args, out);
	}
	if (node == 2) {
		EXPECT_EQ(0, stat_wait("rx_wrong_sender", base, 1))
			TH_LOG("node 2: the PAGE_FWD from node 1 was not refused");
		EXPECT_EQ(want, *peer_word(self, pg));
	}
	dsm_test_sync(2);
	if (node == 0)
		EXPECT_EQ(want, *peer_word(self, pg))
			TH_LOG("node 0: page %llu lost its data",
			       (unsigned long long)pg);
	dsm_test_sync(3);
}

/*
 * Node 1 asks node 2 for pages far outside every region (homed on node 2
 * by number). Node 2 must refuse each (rx_no_region) instead of making a
 * page and a frame for it.
 */
#define FAR_PAGES	16

TEST_F_TIMEOUT(peer, page_outside_regions, DSM_TEST_TIMEOUT(120))
{
	uint64_t far = (DSM_SPACE_SIZE / DSM_PAGE) - 1;
	char out[512], args[128];
	long base = 0;
	int i;

	while (far % 3 != 2)
		far--;
	if (node == 2) {
		base = dsm_counter("rx_no_region");
	}
	dsm_test_sync(1);
	for (i = 0; node == 1 && i < FAR_PAGES; i++) {
		snprintf(args, sizeof(args),
			 "send PAGE_REQ --dst 2 --page %llu --access %s",
			 (unsigned long long)(far - 3 * i), i & 1 ? "w" : "r");
		EXPECT_EQ(0, adversary(out, sizeof(out), args))
			TH_LOG("node 1: %s: %s", args, out);
	}
	if (node == 2)
		EXPECT_EQ(0, stat_wait("rx_no_region", base, FAR_PAGES))
			TH_LOG("node 2: rx_no_region %ld, was %ld, %d sent",
			       dsm_counter("rx_no_region"), base, FAR_PAGES);
	dsm_test_sync(2);
}

/*
 * A home queues at most one request per node and page: node 1 sends
 * three read requests for one page homed on node 2 (owned by node 0).
 * The first is served (its grant reaches node 1, which asked for
 * nothing and refuses it, but its refusals are dropped here: debugfs
 * dsm/fault "drop nack"), the second queues, the third is refused
 * (rx_queue_full). The first two transactions wait for CONFIRMs that
 * never come; twice fault_timeout_ms later the home ends each
 * (home_txn_expired), and node 0 can write the page again.
 */
TEST_F_TIMEOUT(peer, home_queue_bound, DSM_TEST_TIMEOUT(120))
{
	uint64_t pg = peer_page(2, 2);
	char out[512], args[160];
	long base = 0, expired = 0;
	int i;

	if (node == 0)
		*peer_word(self, pg) = 1;
	if (node == 2) {
		base = dsm_counter("rx_queue_full");
		expired = dsm_counter("home_txn_expired");
	}
	if (node == 1)
		EXPECT_EQ(0, dsm_sh(out, sizeof(out), "echo 'drop nack 1000' > %s",
				    DSM_FAULT_FILE))
			TH_LOG("node 1: %s", out);
	dsm_test_sync(1);
	for (i = 0; node == 1 && i < 3; i++) {
		snprintf(args, sizeof(args),
			 "send PAGE_REQ --dst 2 --page %llu --access r "
			 "--req-id %d", (unsigned long long)pg, 9000 + i);
		EXPECT_EQ(0, adversary(out, sizeof(out), args))
			TH_LOG("node 1: %s: %s", args, out);
	}
	if (node == 2)
		EXPECT_EQ(0, stat_wait("rx_queue_full", base, 1))
			TH_LOG("node 2: a third queued request was not refused");
	if (node == 2)
		EXPECT_EQ(0, stat_wait("home_txn_expired", expired, 2))
			TH_LOG("node 2: the unconfirmed transactions did not end");
	dsm_test_sync(2);
	if (node == 1)
		EXPECT_EQ(0, dsm_sh(out, sizeof(out), "echo clear > %s",
				    DSM_FAULT_FILE))
			TH_LOG("node 1: %s", out);
	if (node == 0) {
		*peer_word(self, pg) = 2;
		EXPECT_EQ(2, *peer_word(self, pg));
	}
	dsm_test_sync(3);
}

/*
 * Grants nobody asked for: node 1 sends the home of page @pg a PAGE_REQ
 * (access @access, "r" or "w") through debugfs, so that its kernel
 * receives a grant it has no request for. It used to drop it: the home
 * kept the page busy until its watchdog (twice fault_timeout_ms), so that
 * every other node's fault on it got SIGBUS, and a dropped write grant
 * took the page's only copy with it. Now it refuses the grant and the
 * home ends the transaction, giving a write's copy back to its owner.
 *
 * Before the request node @owner writes the page (it owns it then) and
 * node 2, if not the owner, reads it (a write's INVAL takes that copy,
 * so that the owner's is the only one). After it, nodes 0 and 2 read it
 * and write it in turn, and node 1 reads it: each access must get the
 * data (a fault that cannot, within fault_timeout_ms, gets SIGBUS).
 */
static void unasked_grant(struct __test_metadata *_metadata,
			  FIXTURE_DATA(peer) *self, uint64_t pg, int owner,
			  const char *access)
{
	uint64_t want = 0x9a47000000ULL + pg, v;
	long grants = 0, refused = -1, ended = -1;
	int home = pg % 3, sig;
	char out[512], args[160];

	if (node == owner) {
		v = want;
		EXPECT_EQ(0, peer_access(self, pg, true, &v))
			TH_LOG("node %d: writing page %llu", node,
			       (unsigned long long)pg);
	}
	dsm_test_sync(1);
	if (node == 2 && owner != 2) {
		EXPECT_EQ(0, peer_access(self, pg, false, &v));
		EXPECT_EQ(want, v);
	}
	if (node == 1) {
		grants = dsm_counter("msg_rx_page_grant");
		refused = dsm_counter("grant_refused");
	}
	if (node == home)
		ended = dsm_counter("home_txn_refused");
	dsm_test_sync(2);
	if (node == 1) {
		snprintf(args, sizeof(args),
			 "send PAGE_REQ --dst %d --page %llu --access %s "
			 "--req-id %llu", home, (unsigned long long)pg,
			 access, 0x5eed0000ULL + pg);
		EXPECT_EQ(0, adversary(out, sizeof(out), args))
			TH_LOG("node 1: %s: %s", args, out);
		EXPECT_EQ(0, stat_wait("msg_rx_page_grant", grants, 1))
			TH_LOG("node 1: no grant came for its PAGE_REQ");
		/* Counters this module may not have are not waited for. */
		if (refused >= 0)
			EXPECT_EQ(0, stat_wait("grant_refused", refused, 1))
				TH_LOG("node 1: the grant was not refused");
	}
	if (node == home && ended >= 0)
		EXPECT_EQ(0, stat_wait("home_txn_refused", ended, 1))
			TH_LOG("node %d: the refusal did not end the transaction",
			       node);
	dsm_test_sync(3);
	if (node != 1) {
		sig = peer_access(self, pg, false, &v);
		EXPECT_EQ(0, sig)
			TH_LOG("node %d: SIGBUS reading page %llu after node 1's unasked %s grant",
			       node, (unsigned long long)pg, access);
		if (!sig)
			EXPECT_EQ(want, v)
				TH_LOG("node %d: page %llu lost its data",
				       node, (unsigned long long)pg);
	}
	dsm_test_sync(4);
	if (node == 2) {
		v = want + 1;
		EXPECT_EQ(0, peer_access(self, pg, true, &v))
			TH_LOG("node 2: SIGBUS writing page %llu",
			       (unsigned long long)pg);
	}
	dsm_test_sync(5);
	if (node == 0) {
		EXPECT_EQ(0, peer_access(self, pg, false, &v))
			TH_LOG("node 0: SIGBUS reading page %llu",
			       (unsigned long long)pg);
		EXPECT_EQ(want + 1, v);
		v = want + 2;
		EXPECT_EQ(0, peer_access(self, pg, true, &v))
			TH_LOG("node 0: SIGBUS writing page %llu",
			       (unsigned long long)pg);
	}
	dsm_test_sync(6);
	if (node == 1) {
		EXPECT_EQ(0, peer_access(self, pg, false, &v))
			TH_LOG("node 1: SIGBUS reading page %llu",
			       (unsigned long long)pg);
		EXPECT_EQ(want + 2, v);
	}
	dsm_test_sync(7);
}

/* A write grant from the owner, node 0; the home is node 2. */
TEST_F_TIMEOUT(peer, unasked_write_grant, DSM_TEST_TIMEOUT(120))
{
	unasked_grant(_metadata, self, peer_page(3, 2), 0, "w");
}

/* A write grant from node 0, the page's home and owner. */
TEST_F_TIMEOUT(peer, unasked_write_grant_home, DSM_TEST_TIMEOUT(120))
{
	unasked_grant(_metadata, self, peer_page(4, 0), 0, "w");
}

/* A read grant from the owner, node 0; the home is node 2. */
TEST_F_TIMEOUT(peer, unasked_read_grant, DSM_TEST_TIMEOUT(120))
{
	unasked_grant(_metadata, self, peer_page(5, 2), 0, "r");
}

/*
 * Node 1 owns the page and asks for write access: the home, node 2,
 * grants it without data itself.
 */
TEST_F_TIMEOUT(peer, unasked_upgrade_grant, DSM_TEST_TIMEOUT(120))
{
	unasked_grant(_metadata, self, peer_page(6, 2), 1, "w");
}

TEST_HARNESS_MAIN

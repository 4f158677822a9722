// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_adapt - adaptive homes (issue 17 item 4; Documentation/sc.md,
 * "Adaptive homes"). Written for 3 nodes.
 *
 * With home_adapt_after = ADAPT_AFTER on every node (the guests load
 * dsm.ko with 0, static homes), node 1 writes page P, homed on node 0,
 * and node 2 reads it, ROUNDS times in turn: each of node 1's writes
 * goes through the home (it must invalidate node 2's copy), so the home
 * sees node 1 take the page's bucket again and again, wishes it moved
 * (HOME_WANT), and dsmd's coordinator makes a table that moves it: every
 * node's table ends with P's bucket on node 1. Meanwhile nodes 1 and 2
 * write page Q, homed on node 0 too, in turn (node 0 reading it between):
 * its bucket must stay on node 0 (the hysteresis). After the move, P's
 * data is intact on every node, and a write of node 1 after a read of
 * node 2 sends node 0 no page request at all.
 *
 * P and Q are in buckets of their own among this group's programs
 * (420 and 423; dsm_failover, after it, uses buckets 800 to 804).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dsm_test.h"
#include "dsm_nl_raw.h"
#include "dsm_home_tab.h"
#include "dsm_region.h"
#include "dsm_shell.h"

#define PG_P		(67UL * DSM_HOME_NR_BUCKETS + 420)	/* home 0 */
#define PG_Q		(PG_P + 3)				/* home 0 */
#define BUCKET_P	420
#define BUCKET_Q	423
#define ADAPT_AFTER	"4"
#define ROUNDS		10
/* How long every node waits for the move, before the time factor. */
#define MOVE_WAIT_S	60
#define PARAM		"/sys/module/dsm/parameters/home_adapt_after"

static int node, nodes;

FIXTURE(adapt) {
	struct nlr r;
	int fd;
	char saved[16];		/* home_adapt_after to put back */
	unsigned int step;
};

FIXTURE_SETUP(adapt)
{
	int ret;

	node = dsm_node_id_env();
	nodes = dsm_nodes_env();
	if (node < 0 || nodes != 3)
		DSM_SETUP_SKIP("needs DSM_NODE_ID and DSM_NODES=3");
	ret = nlr_open(&self->r);
	ASSERT_EQ(0, ret) TH_LOG("dsm genetlink family: %s", strerror(-ret));
	ASSERT_EQ(0, dsm_read_file(PARAM, self->saved, sizeof(self->saved)))
		TH_LOG("node %d: no %s: a module without adaptive homes",
		       node, PARAM);
	ASSERT_EQ(0, dsm_write_file(PARAM, ADAPT_AFTER));
	self->fd = open(DSM_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(adapt)
{
	if (self->saved[0])
		dsm_write_file(PARAM, self->saved);
	if (self->fd >= 0)
		close(self->fd);
	nlr_close(&self->r);
}

static uint64_t word_at(int fd, unsigned long pg)
{
	uint64_t v = 0;

	if (pread(fd, &v, sizeof(v), (off_t)pg * DSM_PAGE) != sizeof(v))
		return ~0ULL;
	return v;
}

static int word_put(int fd, unsigned long pg, uint64_t v)
{
	return pwrite(fd, &v, sizeof(v), (off_t)pg * DSM_PAGE) == sizeof(v) ?
	       0 : -1;
}

#define SYNC()	dsm_test_sync(++self->step)

TEST_F_TIMEOUT(adapt, one_writer_takes_the_home, DSM_TEST_TIMEOUT(150))
{
	struct home h;
	double end;
	long wishes = 0, in = 0, reqs = 0;
	uint64_t v;
	int r;

	dsm_test_begin();
	ASSERT_EQ(0, home_get(&self->r, &h));
	ASSERT_EQ(DSM_HOME_NR_BUCKETS, h.len)
		TH_LOG("node %d: no home table", node);
	ASSERT_EQ(0, h.node[BUCKET_P])
		TH_LOG("node %d: bucket %d is on node %d at the start, not 0 (run once per cluster)",
		       node, BUCKET_P, h.node[BUCKET_P]);
	ASSERT_EQ(0, h.node[BUCKET_Q]);
	if (node == 0)
		wishes = dsm_counter("home_adapt_wishes");
	if (node == 1)
		in = dsm_counter("home_adapt_in");
	SYNC();

	for (r = 1; r <= ROUNDS; r++) {
		/* P: node 1 writes, node 2 reads. Q: 1 and 2 write in turn. */
		if (node == 1)
			ASSERT_EQ(0, word_put(self->fd, PG_P, 0xa000 + r));
		if (node == 1 + (r & 1))
			ASSERT_EQ(0, word_put(self->fd, PG_Q, 0xb000 + r));
		SYNC();
		if (node == 2)
			ASSERT_EQ(0xa000 + r, word_at(self->fd, PG_P))
				TH_LOG("node 2: round %d: page P", r);
		if (node == 0)
			ASSERT_EQ(0xb000 + r, word_at(self->fd, PG_Q))
				TH_LOG("node 0: round %d: page Q", r);
		SYNC();
	}

	/* Every node's table moves P's bucket to node 1. */
	end = dsm_now() + MOVE_WAIT_S * dsm_test_time_factor();
	while (!home_get(&self->r, &h) && h.node[BUCKET_P] != 1 &&
	       dsm_now() < end)
		usleep(200000);
	ASSERT_EQ(1, h.node[BUCKET_P])
		TH_LOG("node %d: bucket %d still on node %d after %d s (epoch %llu); node 0 wished %ld moves",
		       node, BUCKET_P, h.node[BUCKET_P],
		       MOVE_WAIT_S * dsm_test_time_factor(),
		       (unsigned long long)h.epoch,
		       node == 0 ?
		       dsm_counter("home_adapt_wishes") - wishes : -1);
	EXPECT_EQ(0, h.node[BUCKET_Q])
		TH_LOG("node %d: bucket %d, written by nodes 1 and 2 in turn, moved to node %d",
		       node, BUCKET_Q, h.node[BUCKET_Q]);
	TH_LOG("node %d: bucket %d on node 1 at epoch %llu, %.1f s",
	       node, BUCKET_P, (unsigned long long)h.epoch,
	       dsm_test_elapsed());
	if (node == 0)
		EXPECT_LT(0, dsm_counter("home_adapt_wishes") - wishes);
	if (node == 1)
		EXPECT_LT(0, dsm_counter("home_adapt_in") - in);
	SYNC();

	/* The data moved with the home. */
	v = word_at(self->fd, PG_P);
	EXPECT_EQ(0xa000 + ROUNDS, v) TH_LOG("node %d: page P after the move",
					      node);
	v = word_at(self->fd, PG_Q);
	EXPECT_EQ(0xb000 + ROUNDS, v) TH_LOG("node %d: page Q after the move",
					      node);
	SYNC();

	/* From now on node 0 hears nothing of P. */
	if (node == 0)
		reqs = dsm_counter("msg_rx_page_req");
	SYNC();
	for (r = 1; r <= 3; r++) {
		if (node == 1)
			ASSERT_EQ(0, word_put(self->fd, PG_P, 0xc000 + r));
		SYNC();
		if (node == 2)
			ASSERT_EQ(0xc000 + r, word_at(self->fd, PG_P));
		SYNC();
	}
	if (node == 0)
		EXPECT_EQ(0, dsm_counter("msg_rx_page_req") - reqs)
			TH_LOG("node 0: page requests after P's home moved away");
	if (node == 0)
		EXPECT_EQ(0xc000 + 3, word_at(self->fd, PG_P));
	SYNC();
}

TEST_HARNESS_MAIN

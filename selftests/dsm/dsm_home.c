// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_home.c - the home table (issue 15, item 1), on each node of the
 * 3-node cluster: dsmd pushed the table of epoch 1 over the three nodes
 * (280 buckets each, bucket b on node b mod 3, so page p's home is still
 * p mod 3); HOME_SET refuses a table of the wrong size, one that names a
 * node outside the membership, epoch 0, and a stale epoch, each with a
 * message and changing nothing; pushing the current table again is
 * accepted and changes nothing either (a restarted dsmd does that).
 * dsmctl status shows the epoch and the buckets per node.
 *
 * The epoch on the wire (wire version 5), with `dsmctl home bump` making
 * one node's table newer than the others' (the same buckets): a page
 * request of an older epoch than its home's is refused (NACK ESTALE) and
 * goes again once the requester's table has the home's epoch, served
 * with the right data; a requester whose table never catches up gets
 * SIGBUS within fault_timeout_ms and one log line; a request of a newer
 * epoch than its home's is held until the home's table catches up, then
 * served. At the end every node has the same, bumped, epoch.
 *
 * Buckets move under load (HOME_XFER, wire version 6): every node runs
 * an sc workload (each increments its own word in MOVE_PAGES pages of
 * consecutive buckets, and checks that the others' words never go back)
 * while every node pushes, together, MOVE_ROUNDS tables that each move
 * those buckets to the next node (three rotations: back where they
 * were). At the end each page holds exactly what each node counted, and
 * every node handed buckets over and took some. Then the same with
 * BACK_PUSHES tables pushed back to back, each moving other buckets
 * again before the previous transfer ended: nothing refused, nothing
 * begun empty, no SIGBUS, every count right. A node's own request for a
 * page of a bucket it took and, before the entries came, gave on, which
 * its own home code refuses as stale, waits for the hand-over instead of
 * failing. A new home's forward to an owner whose table does not name
 * it yet is held there until that table comes, then served; a hand-over
 * of the bucket meanwhile waits for that transaction to end, so that the
 * entry handed over knows the read copy it made; one whose INVALs are
 * still out is handed over as it stands, and its requester, told so,
 * asks the new home. An owner that drops a forward whose sender it does
 * not know as the page's home tells that sender, whose transaction ends
 * with nothing moved. A HOME_XFER
 * from a node that is not the old home of its bucket is refused, and
 * changes nothing.
 */
#include <libgen.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "dsm_test.h"
#include "dsm_counters.h"
#include "dsm_nl_raw.h"
#include "dsm_home_tab.h"
#include "dsm_region.h"
#include "dsm_shell.h"
#include "dsm_sigbus.h"

/*
 * The epoch test's pages: page OFF_EPOCH / 4096 + k (46080 + k) is in
 * bucket (46080 + k) mod 840, homed on node k mod 3 by every table here.
 */
#define OFF_EPOCH	(180UL << 20)
#define PG_NACKED	1	/* home 1: node 0 is refused, then served */
#define PG_HELD		2	/* home 2: node 0's request waits there */
#define PG_STUCK	4	/* home 1: node 2 never catches up */
#define EPOCH_PAGES	8
#define EPOCH_WORD(k)	(0x45504f4348000000ULL | (k))	/* "EPOCH" */

/*
 * The moving test's pages: OFF_MOVE / 4096 = 62120 (73 * 840 + 800), in
 * bucket 800; its MOVE_PAGES pages are in buckets 800 .. 823. Word n of
 * each is node n's count of its rounds, so they must start at zero: a
 * range of the default region no other program of the group writes
 * (dsm_stall's probe pages cover 200 .. 216 MiB, dsm_rdma's 224 .. 240).
 */
#define OFF_MOVE	(62120UL * 4096)
#define MOVE_PAGES	24
#define MOVE_BUCKET0	800
#define MOVE_ROUNDS	3
#define MOVE_STEP	4	/* workload rounds between two tables */
/*
 * The back-to-back test's pages follow: buckets 824 .. 839, moved
 * BACK_PUSHES times in a row, each table pushed before the previous
 * transfer ended (two rotations: back where they were).
 */
#define OFF_BACK	(OFF_MOVE + MOVE_PAGES * DSM_PAGE)
#define BACK_PAGES	16
#define BACK_BUCKET0	(MOVE_BUCKET0 + MOVE_PAGES)
#define BACK_PUSHES	6
/*
 * The stale-loop test's page: epoch page LOOP_PAGE (46089, bucket 729),
 * which epoch_on_the_wire does not use.
 */
#define LOOP_PAGE	9
/* The held forward's page: epoch page HELD_PAGE (46090, bucket 730). */
#define HELD_PAGE	10
/* The waited hand-over's page: epoch page WAIT_PAGE (46091, bucket 731). */
#define WAIT_PAGE	11
#define WAIT_WORD	0x5741495445440000ULL	/* "WAITED" */
/* The unforwarded hand-over's page: epoch page INVAL_PAGE (46092, 732). */
#define INVAL_PAGE	12
#define INVAL_WORD	0x494e56414c000000ULL	/* "INVAL" */
/* The unserved forward's page: epoch page UNSERVED_PAGE (46093, 733). */
#define UNSERVED_PAGE	13
#define UNSERVED_FT	"4000"	/* fault_timeout_ms meanwhile */
#define FT_PARAM	"/sys/module/dsm/parameters/fault_timeout_ms"
/* A page of bucket 5 (home node 2, never moved), for the forgery. */
#define PG_FORGED	((OFF_MOVE + 45 * DSM_PAGE) / DSM_PAGE)

FIXTURE(home) {
	struct nlr r;
	struct home before;
	char ft_saved[16];	/* fault_timeout_ms to put back, "" if none */
};

FIXTURE_SETUP(home)
{
	int ret = nlr_open(&self->r);

	ASSERT_EQ(0, ret) TH_LOG("dsm genetlink family: %s", strerror(-ret));
	ASSERT_EQ(0, home_get(&self->r, &self->before));
}

FIXTURE_TEARDOWN(home)
{
	if (self->ft_saved[0])
		dsm_write_file(FT_PARAM, self->ft_saved);
	nlr_close(&self->r);
}

/* Push (@epoch, @node[0..@len)); expect -@err and, if refused, no change. */
static void push(struct __test_metadata *_metadata, FIXTURE_DATA(home) *self,
		 uint64_t epoch, const uint8_t *node, int len, int err)
{
	struct home after;
	int ret;

	nlr_start(&self->r, self->r.family, DSM_CMD_HOME_SET, 0);
	nlr_put_u64(&self->r, DSM_A_HOME_EPOCH, epoch);
	nlr_put(&self->r, DSM_A_HOME_BUCKETS, node, len);
	ret = nlr_call(&self->r, NULL, NULL);
	EXPECT_EQ(-err, ret) TH_LOG("epoch %llu, %d buckets: extack '%s'",
				    (unsigned long long)epoch, len,
				    self->r.extack);
	if (err)
		EXPECT_NE(0, strlen(self->r.extack))
			TH_LOG("refusal without an extack message");
	ASSERT_EQ(0, home_get(&self->r, &after));
	EXPECT_EQ(0, memcmp(&self->before, &after, sizeof(after)))
		TH_LOG("HOME_SET (epoch %llu) changed the table",
		       (unsigned long long)epoch);
}

/* dsmd's first table: epoch 1, bucket b on node b mod 3. */
TEST_F(home, first_table_is_page_mod_n)
{
	int b, counts[3] = { 0 };

	/* dsmd's is epoch 1; the epoch test below bumps it. */
	ASSERT_LE(1, self->before.epoch) TH_LOG("no home table from dsmd");
	ASSERT_EQ(DSM_HOME_NR_BUCKETS, self->before.len);
	for (b = 0; b < DSM_HOME_NR_BUCKETS; b++) {
		ASSERT_EQ(b % 3, self->before.node[b]) TH_LOG("bucket %d", b);
		counts[self->before.node[b]]++;
	}
	EXPECT_EQ(DSM_HOME_NR_BUCKETS / 3, counts[0]);
	EXPECT_EQ(counts[0], counts[1]);
	EXPECT_EQ(counts[0], counts[2]);
}

TEST_F(home, dsmctl_status_shows_it)
{
	unsigned long long e = self->before.epoch;
	char out[4096], want[64];

	ASSERT_EQ(0, dsm_sh(out, sizeof(out), "dsmctl status"))
		TH_LOG("%s", out);
	snprintf(want, sizeof(want), "home epoch %llu buckets 0:280 1:280 2:280",
		 e);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("dsmctl status: %s", out);
	EXPECT_EQ(0, dsm_sh(out, sizeof(out),
			    "dsmctl -j status | jq -e '.home_epoch == %llu and "
			    ".home_buckets == {\"0\": 280, \"1\": 280, \"2\": 280}'",
			    e))
		TH_LOG("dsmctl -j status: %s", out);
}

TEST_F(home, bad_tables_refused)
{
	uint8_t node[DSM_HOME_NR_BUCKETS + 1];
	uint64_t e = self->before.epoch;

	ASSERT_LE(1, e);
	memcpy(node, self->before.node, DSM_HOME_NR_BUCKETS);
	node[DSM_HOME_NR_BUCKETS] = 0;
	/* Wrong size: one bucket short, one too many (the policy: ERANGE). */
	push(_metadata, self, e + 1, node, DSM_HOME_NR_BUCKETS - 1, ERANGE);
	push(_metadata, self, e + 1, node, DSM_HOME_NR_BUCKETS + 1, ERANGE);
	/* A node that is not a member: 3 of 0..2, and one out of range. */
	node[17] = 3;
	push(_metadata, self, e + 1, node, DSM_HOME_NR_BUCKETS, EINVAL);
	node[17] = 255;
	push(_metadata, self, e + 1, node, DSM_HOME_NR_BUCKETS, EINVAL);
	/* Epoch 0. */
	node[17] = self->before.node[17];
	push(_metadata, self, 0, node, DSM_HOME_NR_BUCKETS, EINVAL);
	/* The current epoch with another (valid) table: stale. */
	node[17] = (self->before.node[17] + 1) % 3;
	push(_metadata, self, e, node, DSM_HOME_NR_BUCKETS, ESTALE);
	if (e > 1)
		push(_metadata, self, e - 1, node, DSM_HOME_NR_BUCKETS,
		     ESTALE);
	/* The current table again: accepted, nothing changes. */
	push(_metadata, self, e, self->before.node, DSM_HOME_NR_BUCKETS, 0);
}

/* The counter @name of /sys/kernel/debug/dsm/stats (no fork), or -1. */
static long stat_now(const char *name)
{
	char line[128], key[96];
	unsigned long long v;
	long ret = -1;
	FILE *f;

	f = fopen("/sys/kernel/debug/dsm/stats", "r");
	if (!f)
		return dsm_counter(name);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%95s %llu", key, &v) == 2 &&
		    !strcmp(key, name)) {
			ret = (long)v;
			break;
		}
	fclose(f);
	return ret;
}

/* fault_timeout_ms of this node's module, in seconds. */
static double fault_timeout_s(void)
{
	char buf[32];

	if (dsm_read_file(FT_PARAM, buf, sizeof(buf)))
		return 5.0;
	return atoi(buf) / 1000.0;
}

/* Child exit codes of read_page(). */
enum { READ_OK, READ_WRONG, READ_SIGBUS, READ_SIGBUS_LATE, READ_NO_MAP };

/*
 * In a child: read the first word of epoch page @k through a mapping:
 * READ_OK if it is EPOCH_WORD(k); READ_SIGBUS if the access gets SIGBUS
 * within @bound seconds, READ_SIGBUS_LATE after; each case said on
 * stderr with the time it took.
 */
static pid_t read_page(int k, double bound)
{
	pid_t pid = fork();
	uint64_t *p, w;
	double t0;
	int sig;

	if (pid)
		return pid;
	signal(SIGBUS, dsm_sigbus_handler);
	/* This page alone: no read-ahead of the others. */
	p = dsm_map_space(OFF_EPOCH + k * DSM_PAGE, DSM_PAGE);
	if (p == MAP_FAILED)
		_exit(READ_NO_MAP);
	t0 = dsm_now();
	sig = dsm_sigbus_read((const uint8_t *)p);
	if (sig) {
		fprintf(stderr, "node %d: page %d: SIGBUS after %.2f s (bound %.2f s)\n",
			dsm_node_id_env(), k, dsm_now() - t0, bound);
		_exit(dsm_now() - t0 <= bound ? READ_SIGBUS : READ_SIGBUS_LATE);
	}
	w = *(volatile uint64_t *)p;
	fprintf(stderr, "node %d: page %d: %#llx after %.2f s\n",
		dsm_node_id_env(), k, (unsigned long long)w, dsm_now() - t0);
	_exit(w == EPOCH_WORD(k) ? READ_OK : READ_WRONG);
}

/* The bucket of epoch page @k. */
static int epoch_bucket(int k)
{
	return (OFF_EPOCH / DSM_PAGE + k) % DSM_HOME_NR_BUCKETS;
}

/* Table @h's next: the same but bucket @b on node @to. */
static struct home next_table(const struct home *h, int b, int to)
{
	struct home t = *h;

	t.epoch++;
	t.node[b] = to;
	return t;
}

/* Write EPOCH_WORD(@k) into epoch page @k, through /dev/dsm. */
static void put_epoch_word(struct __test_metadata *_metadata, int k)
{
	int fd = open(DSM_DEV, O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, fd) TH_LOG("open %s: %s", DSM_DEV, strerror(errno));
	ASSERT_EQ(0, dsm_put_word(fd, OFF_EPOCH + k * DSM_PAGE,
				  EPOCH_WORD(k)));
	close(fd);
}

/*
 * fault_timeout_ms to @ms here; ft_restore() (or the fixture's teardown)
 * puts it back.
 */
static void ft_set(struct __test_metadata *_metadata,
		   FIXTURE_DATA(home) *self, const char *ms)
{
	ASSERT_EQ(0, dsm_read_file(FT_PARAM, self->ft_saved,
				   sizeof(self->ft_saved)));
	self->ft_saved[strcspn(self->ft_saved, "\n")] = 0;
	ASSERT_EQ(0, dsm_write_file(FT_PARAM, ms));
}

/* fault_timeout_ms to 30 s, so that no read of the test ends by its bound. */
static void ft_raise(struct __test_metadata *_metadata,
		     FIXTURE_DATA(home) *self)
{
	ft_set(_metadata, self, "30000");
}

static void ft_restore(struct __test_metadata *_metadata,
		       FIXTURE_DATA(home) *self)
{
	EXPECT_EQ(0, dsm_write_file(FT_PARAM, self->ft_saved));
	self->ft_saved[0] = 0;
}

/* Push table @h (its epoch and buckets) here. */
static int home_push(FIXTURE_DATA(home) *self, const struct home *h)
{
	nlr_start(&self->r, self->r.family, DSM_CMD_HOME_SET, 0);
	nlr_put_u64(&self->r, DSM_A_HOME_EPOCH, h->epoch);
	nlr_put(&self->r, DSM_A_HOME_BUCKETS, h->node, sizeof(h->node));
	return nlr_call(&self->r, NULL, NULL);
}

/*
 * Wait (at most @secs) until counter @name exceeds @base, or child @pid
 * (if > 0) ended. Return: true if the counter moved.
 */
static bool stat_moved(const char *name, long base, pid_t pid, double secs)
{
	double t0 = dsm_now();

	while (stat_now(name) <= base) {
		if ((pid > 0 && dsm_child_ended(pid)) || dsm_now() - t0 > secs)
			return false;
		usleep(5000);
	}
	return true;
}

/*
 * Wait (at most @secs) until counter @name exceeds @base, or child @pid
 * (if > 0), which waits for it, ended: then `dsmctl home bump` here.
 * Returns the bump's exit status, or -1 (logged) if the counter did not
 * move in time.
 */
static int bump_after(struct __test_metadata *_metadata, const char *name,
		      long base, pid_t pid, double secs)
{
	double t0 = dsm_now();
	char out[256];
	int ret;

	if (!stat_moved(name, base, pid, secs)) {
		TH_LOG("node %d: %s stayed at %ld for %.2f s while the reader waited",
		       dsm_node_id_env(), name, base, dsm_now() - t0);
		return -1;
	}
	ret = dsm_sh(out, sizeof(out), "dsmctl home bump");
	if (ret)
		TH_LOG("node %d: dsmctl home bump: status %d: %s",
		       dsm_node_id_env(), ret, out);
	return ret;
}

/* Log lines of the kernel saying page @k failed as stale. */
static int stale_lines(int k)
{
	char out[64];

	if (dsm_sh(out, sizeof(out),
		   "dmesg | grep -c 'page %lu (home node %d): stale' || true",
		   OFF_EPOCH / DSM_PAGE + k, k % 3))
		return -1;
	return atoi(out);
}

/*
 * Node 1 bumps its epoch; node 0, refused as stale reading a page homed
 * on node 1, bumps its own once refused and is served; node 2, never
 * bumped, gets SIGBUS reading another; node 0 then reads a page homed
 * on node 2, whose table is older: held there until node 2 bumps.
 */
TEST_F_TIMEOUT(home, epoch_on_the_wire, DSM_TEST_TIMEOUT(90))
{
	int node = dsm_node_id_env(), k;
	uint64_t e = self->before.epoch;
	double ft = fault_timeout_s();
	long base, base2;
	struct home now;
	char out[256];
	pid_t pid;

	dsm_test_begin();
	/* Each home writes its pages (homed here: no message). */
	for (k = 0; k < EPOCH_PAGES; k++)
		if (k % 3 == node)
			put_epoch_word(_metadata, k);
	dsm_test_sync(1);
	if (node == 1)
		ASSERT_EQ(0, dsm_sh(out, sizeof(out), "dsmctl home bump"))
			TH_LOG("dsmctl home bump: %s", out);
	base = stat_now(node == 1 ? "home_stale_nacks" : "home_stale_retries");
	base2 = stat_now("msg_rx_nack");
	ASSERT_LE(0, base);
	dsm_test_sync(2);
	/* Node 0 (epoch e) reads a page of node 1 (e + 1). */
	if (node == 0) {
		pid = read_page(PG_NACKED, ft);
		EXPECT_EQ(0, bump_after(_metadata, "msg_rx_nack", base2, pid,
					ft));
		EXPECT_EQ(READ_OK, dsm_wait_child(pid, 60))
			TH_LOG("node 0, refused as stale, was not served");
		EXPECT_LT(base, stat_now("home_stale_retries"));
	}
	dsm_test_sync(3);
	if (node == 1)
		EXPECT_LT(base, stat_now("home_stale_nacks"))
			TH_LOG("node 1 refused no request as stale");
	base = stat_now("home_held");
	base2 = stat_now("home_stale_failed");
	/* Node 2 (epoch e) reads a page of node 1 (e + 1), never bumped. */
	if (node == 2) {
		pid = read_page(PG_STUCK, ft + dsm_test_secs(2));
		EXPECT_EQ(READ_SIGBUS, dsm_wait_child(pid, 60))
			TH_LOG("a node whose table stays old must get SIGBUS within fault_timeout_ms");
		EXPECT_EQ(1, stale_lines(PG_STUCK))
			TH_LOG("one log line for the stale access");
		EXPECT_LT(base2, stat_now("home_stale_failed"));
	}
	dsm_test_sync(4);
	/* Node 0 (e + 1) reads a page of node 2 (e): held there. */
	if (node == 0) {
		pid = read_page(PG_HELD, ft);
		EXPECT_EQ(READ_OK, dsm_wait_child(pid, 60))
			TH_LOG("node 0's request held by node 2 was not served");
	} else if (node == 2) {
		EXPECT_EQ(0, bump_after(_metadata, "home_held", base, 0, ft));
	}
	dsm_test_sync(5);
	ASSERT_EQ(0, home_get(&self->r, &now));
	EXPECT_EQ(e + 1, now.epoch) TH_LOG("node %d", node);
	EXPECT_EQ(0, memcmp(self->before.node, now.node, sizeof(now.node)))
		TH_LOG("node %d: a bump moved buckets", node);
	EXPECT_EQ(0, stat_now("home_held_dropped")) TH_LOG("node %d", node);
}

/* Shared between the moving test and its workload child. */
/* Push the current table with the moving test's buckets rotated. */
static int move_push(FIXTURE_DATA(home) *self, uint64_t *epoch)
{
	struct home h;
	int b, ret;

	ret = home_get(&self->r, &h);
	if (ret)
		return ret;
	for (b = MOVE_BUCKET0; b < MOVE_BUCKET0 + MOVE_PAGES; b++)
		h.node[b] = (h.node[b] + 1) % 3;
	*epoch = ++h.epoch;
	return home_push(self, &h);
}

TEST_F_TIMEOUT(home, buckets_move_under_load, DSM_TEST_TIMEOUT(150))
{
	int node = dsm_node_id_env(), r, bad;
	long out0 = stat_now("home_xfer_out"), in0 = stat_now("home_xfer_in");
	long refused0 = stat_now("home_xfer_refused");
	long empty0 = stat_now("home_xfer_empty");
	long entries0 = stat_now("home_xfer_entries");
	struct dsm_counters *sh;
	uint64_t epoch = 0;
	struct home now;
	double t0;
	pid_t pid;

	dsm_test_begin();
	ASSERT_LE(0, out0);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	pid = dsm_counters_start(sh, OFF_MOVE, MOVE_PAGES, 3);
	ASSERT_LT(0, pid);
	for (r = 0; r < MOVE_ROUNDS; r++) {
		/* Let the workload go on under this table first. */
		t0 = dsm_now();
		while (sh->rounds < (r + 1) * MOVE_STEP &&
		       !dsm_child_ended(pid) &&
		       dsm_now() - t0 < dsm_test_secs(60))
			usleep(10000);
		EXPECT_LE((r + 1) * MOVE_STEP, sh->rounds)
			TH_LOG("node %d: the workload did %ld rounds in %.1f s under table %d (wanted %d)",
			       node, sh->rounds, dsm_now() - t0, r,
			       (r + 1) * MOVE_STEP);
		dsm_test_sync(10 + 2 * r);
		EXPECT_EQ(0, move_push(self, &epoch))
			TH_LOG("node %d: HOME_SET: '%s'", node, self->r.extack);
		dsm_test_sync(11 + 2 * r);
	}
	/* A few rounds under the last table (the first one again). */
	t0 = dsm_now();
	while (sh->rounds < (MOVE_ROUNDS + 1) * MOVE_STEP &&
	       !dsm_child_ended(pid) && dsm_now() - t0 < dsm_test_secs(60))
		usleep(10000);
	sh->stop = 1;
	EXPECT_EQ(0, dsm_wait_child(pid, 120))
		TH_LOG("node %d: workload: word %d of page %d went back",
		       node, (sh->bad - 1) % 8, (sh->bad - 1) / 8);
	dsm_test_sync(20);
	/* Every page: this node's word is its count, the others' agree. */
	bad = dsm_counters_check(sh, OFF_MOVE, MOVE_PAGES, 3);
	EXPECT_EQ(-1, bad) TH_LOG("node %d: page %d, word %d is not the count (-2: no mapping)",
				  node, bad / 8, bad % 8);
	ASSERT_EQ(0, home_get(&self->r, &now));
	EXPECT_EQ(epoch, now.epoch);
	EXPECT_EQ(0, memcmp(self->before.node, now.node, sizeof(now.node)))
		TH_LOG("node %d: three rotations are not the first table", node);
	EXPECT_LT(out0, stat_now("home_xfer_out")) TH_LOG("node %d", node);
	EXPECT_LT(in0, stat_now("home_xfer_in")) TH_LOG("node %d", node);
	/* Each node homed pages in use, and took some: entries both ways. */
	EXPECT_LT(entries0, stat_now("home_xfer_entries"))
		TH_LOG("node %d", node);
	EXPECT_EQ(refused0, stat_now("home_xfer_refused"));
	EXPECT_EQ(empty0, stat_now("home_xfer_empty"));
	dsm_test_sync(21);
}

/*
 * Every node pushes BACK_PUSHES tables in a row, each moving buckets
 * BACK_BUCKET0 .. + BACK_PAGES to the next node, without waiting for
 * the transfers (a bucket is handed over again while it is still
 * awaited from its previous home, or still draining there), while the
 * workload reads and writes their pages on every node.
 */
TEST_F_TIMEOUT(home, buckets_move_back_to_back, DSM_TEST_TIMEOUT(150))
{
	int node = dsm_node_id_env(), i, b, bad;
	long refused0 = stat_now("home_xfer_refused");
	long empty0 = stat_now("home_xfer_empty");
	long in0 = stat_now("home_xfer_in");
	long failed0 = stat_now("home_stale_failed");
	struct dsm_counters *sh;
	struct home start, h, now;
	long rounds;
	double t0;
	pid_t pid;

	dsm_test_begin();
	ASSERT_LE(0, refused0);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	pid = dsm_counters_start(sh, OFF_BACK, BACK_PAGES, 3);
	ASSERT_LT(0, pid);
	t0 = dsm_now();
	while (sh->rounds < MOVE_STEP && !dsm_child_ended(pid) &&
	       dsm_now() - t0 < dsm_test_secs(60))
		usleep(10000);
	EXPECT_LE(MOVE_STEP, sh->rounds)
		TH_LOG("node %d: the workload did %ld rounds in %.1f s",
		       node, sh->rounds, dsm_now() - t0);
	dsm_test_sync(1);
	ASSERT_EQ(0, home_get(&self->r, &start));
	h = start;
	t0 = dsm_now();
	for (i = 1; i <= BACK_PUSHES; i++) {
		for (b = BACK_BUCKET0; b < BACK_BUCKET0 + BACK_PAGES; b++)
			h.node[b] = (start.node[b] + i) % 3;
		h.epoch = start.epoch + i;
		EXPECT_EQ(0, home_push(self, &h))
			TH_LOG("node %d: HOME_SET of epoch %llu: '%s'", node,
			       (unsigned long long)start.epoch + i,
			       self->r.extack);
	}
	TH_LOG("node %d: %d tables pushed in %.3f s", node, BACK_PUSHES,
	       dsm_now() - t0);
	/* The workload goes on through the transfers, and after them. */
	rounds = sh->rounds;
	t0 = dsm_now();
	while (sh->rounds < rounds + 2 * MOVE_STEP &&
	       !dsm_child_ended(pid) &&
	       dsm_now() - t0 < dsm_test_secs(60))
		usleep(10000);
	sh->stop = 1;
	EXPECT_EQ(0, dsm_wait_child(pid, 120))
		TH_LOG("node %d: workload: %s word %d of page %d went back",
		       node, sh->bad ? "" : "killed (SIGBUS: dmesg says why),",
		       (sh->bad - 1) % 8, (sh->bad - 1) / 8);
	EXPECT_LE(rounds + 2 * MOVE_STEP, sh->rounds)
		TH_LOG("node %d: the workload did %ld rounds after the pushes in %.1f s",
		       node, sh->rounds - rounds, dsm_now() - t0);
	dsm_test_sync(2);
	bad = dsm_counters_check(sh, OFF_BACK, BACK_PAGES, 3);
	EXPECT_EQ(-1, bad) TH_LOG("node %d: page %d, word %d is not the count (-2: no mapping)",
				  node, bad / 8, bad % 8);
	ASSERT_EQ(0, home_get(&self->r, &now));
	EXPECT_EQ(start.epoch + BACK_PUSHES, now.epoch);
	EXPECT_EQ(0, memcmp(start.node, now.node, sizeof(now.node)))
		TH_LOG("node %d: two rotations are not the table before", node);
	EXPECT_LT(in0, stat_now("home_xfer_in")) TH_LOG("node %d", node);
	EXPECT_EQ(refused0, stat_now("home_xfer_refused"))
		TH_LOG("node %d refused HOME_XFERs (dmesg says which)", node);
	EXPECT_EQ(empty0, stat_now("home_xfer_empty"))
		TH_LOG("node %d began buckets empty", node);
	EXPECT_EQ(failed0, stat_now("home_stale_failed"))
		TH_LOG("node %d gave a stale request up", node);
	dsm_test_sync(3);
}

/*
 * A node's own request for a page of a bucket it was given (table E+1)
 * and, before the old home's entries came, gave on (E+2), as tables
 * pushed back to back do. The node keeps the page homed here, by E+1,
 * until it has handed it over, so its own home code refuses the request
 * as stale (E+2 is newer). The request must wait for the hand-over,
 * asking again now and then; it used to go again at once, by the same
 * E+1, and end in SIGBUS after four refusals in a few milliseconds
 * (buckets_move_back_to_back under load, in make check).
 * X homes the page before; R takes it at E+1 (node Q's read waits there
 * for X's entries) and gives it to Q at E+2; X and Q see E+1 and E+2
 * only once R's own read has been refused. fault_timeout_ms is raised
 * to 30 s meanwhile, so that no read here ends by its bound.
 */
TEST_F_TIMEOUT(home, own_request_refused_as_stale, DSM_TEST_TIMEOUT(150))
{
	int node = dsm_node_id_env(), k = LOOP_PAGE, x, r, q, b;
	long failed0 = stat_now("home_stale_failed"), base;
	struct home start, t1, t2, now;
	pid_t pid = -1;

	dsm_test_begin();
	ASSERT_EQ(0, home_get(&self->r, &start));
	b = epoch_bucket(k);
	x = start.node[b];
	r = (x + 1) % 3;
	q = (x + 2) % 3;
	t1 = next_table(&start, b, r);
	t2 = next_table(&t1, b, q);
	ft_raise(_metadata, self);
	if (node == x)
		put_epoch_word(_metadata, k);
	dsm_test_sync(1);
	if (node == r || node == q)
		ASSERT_EQ(0, home_push(self, &t1)) TH_LOG("node %d: E+1", node);
	base = stat_now("msg_rx_page_req");
	dsm_test_sync(2);
	if (node == q) {
		/* Waits at R until X's entries come. */
		pid = read_page(k, 60);
	} else if (node == r) {
		EXPECT_TRUE(stat_moved("msg_rx_page_req", base, 0,
				       dsm_test_secs(30)))
			TH_LOG("node %d: node %d's request did not come", node,
			       q);
		ASSERT_EQ(0, home_push(self, &t2)) TH_LOG("node %d: E+2", node);
		base = stat_now("home_stale_retries");
		pid = read_page(k, 60);
		EXPECT_TRUE(stat_moved("home_stale_retries", base + 1, pid,
				       dsm_test_secs(30)))
			TH_LOG("node %d: its own read was not refused as stale and retried (or it ended)",
			       node);
	}
	dsm_test_sync(3);
	if (node == x)
		EXPECT_EQ(0, home_push(self, &t1)) TH_LOG("node %d: E+1", node);
	if (node == x || node == q)
		EXPECT_EQ(0, home_push(self, &t2)) TH_LOG("node %d: E+2", node);
	if (node != x)
		EXPECT_EQ(READ_OK, dsm_wait_child(pid, 90))
			TH_LOG("node %d (%s) did not read the page X=%d wrote (dmesg says why)",
			       node, node == r ? "R, refused by itself" : "Q",
			       x);
	EXPECT_EQ(failed0, stat_now("home_stale_failed"))
		TH_LOG("node %d gave a stale request up", node);
	dsm_test_sync(4);
	/* Back to the table before, at E+3; X reads the page home again. */
	start.epoch += 3;
	EXPECT_EQ(0, home_push(self, &start)) TH_LOG("node %d: E+3", node);
	dsm_test_sync(5);
	if (node == x)
		EXPECT_EQ(READ_OK, dsm_wait_child(read_page(k, 60), 90))
			TH_LOG("node %d: the page after it came home", node);
	ASSERT_EQ(0, home_get(&self->r, &now));
	EXPECT_EQ(start.epoch, now.epoch) TH_LOG("node %d", node);
	ft_restore(_metadata, self);
	dsm_test_sync(6);
}

/*
 * The tests whose epoch page's bucket moves while one node's table lags:
 * H homes it by @start, @t1 (E+1) moves it to R, @t2 (E+2) back to H; W
 * is the third node, whose table lags.
 */
struct lag {
	int h, r, w, b;
	struct home start, t1, t2;
};

/* @l for epoch page @k, from this node's table now. */
static void lag_roles(struct __test_metadata *_metadata,
		      FIXTURE_DATA(home) *self, int k, struct lag *l)
{
	ASSERT_EQ(0, home_get(&self->r, &l->start));
	l->b = epoch_bucket(k);
	l->h = l->start.node[l->b];
	l->r = (l->h + 1) % 3;
	l->w = (l->h + 2) % 3;
	l->t1 = next_table(&l->start, l->b, l->r);
	l->t2 = next_table(&l->t1, l->b, l->h);
}

/*
 * Every node has table @t now; fault_timeout_ms back; the nodes meet at
 * @step.
 */
static void lag_end(struct __test_metadata *_metadata,
		    FIXTURE_DATA(home) *self, const struct home *t, int step)
{
	struct home now;

	ASSERT_EQ(0, home_get(&self->r, &now));
	EXPECT_EQ(t->epoch, now.epoch) TH_LOG("node %d", dsm_node_id_env());
	ft_restore(_metadata, self);
	dsm_test_sync(step);
}

/*
 * A table reaches the nodes at different moments: the new home of a
 * bucket may forward a request to an owner whose table does not name it
 * yet. H homes the page before, W writes it (its owner), H and R push
 * E+1 (the bucket to R), W not yet; R reads the page: R's forward to W
 * carries E+1, and W holds it (home_msg_held) until W's table has E+1,
 * then serves it. W used to ignore it ("not its home"): R's read ended
 * in SIGBUS (buckets_move_back_to_back with tables pushed a little
 * apart, which also makes the transfer end "as it stands").
 * fault_timeout_ms is raised to 30 s meanwhile, so that neither R's read
 * nor W's hold ends by its bound before W pushes.
 */
TEST_F_TIMEOUT(home, fwd_from_newer_home_held, DSM_TEST_TIMEOUT(120))
{
	int node = dsm_node_id_env(), k = HELD_PAGE;
	long base = stat_now("home_msg_held");
	struct lag l;
	pid_t pid = -1;

	dsm_test_begin();
	ASSERT_LE(0, base) TH_LOG("node %d: no home_msg_held counter", node);
	lag_roles(_metadata, self, k, &l);
	ft_raise(_metadata, self);
	if (node == l.w)
		put_epoch_word(_metadata, k);
	dsm_test_sync(1);
	if (node != l.w)
		ASSERT_EQ(0, home_push(self, &l.t1)) TH_LOG("node %d: E+1", node);
	dsm_test_sync(2);
	if (node == l.r) {
		pid = read_page(k, 60);
		EXPECT_EQ(READ_OK, dsm_wait_child(pid, 90))
			TH_LOG("node %d (R) did not read the page node %d (W) wrote (dmesg says why)",
			       node, l.w);
	} else if (node == l.w) {
		EXPECT_TRUE(stat_moved("home_msg_held", base, 0,
				       dsm_test_secs(30)))
			TH_LOG("node %d (W): node %d's forward was not held for its table",
			       node, l.r);
		EXPECT_EQ(0, home_push(self, &l.t1)) TH_LOG("node %d: E+1", node);
	}
	dsm_test_sync(3);
	lag_end(_metadata, self, &l.t1, 4);
}

/*
 * A bucket handed over while a transaction forwarded to the owner is in
 * progress: the entry must say what that transaction made. H homes the
 * page, W writes it; H and R push E+1 (the bucket to R), W not; R reads
 * the page, and its forward is held at W (as in fwd_from_newer_home_held).
 * Then H and R push E+2 (the bucket back to H): R's hand-over waits past
 * fault_timeout_ms / 2 for its forwarded read (home_xfer_waited) instead
 * of handing the entry over as it stood (owner W, no copies: R's CONFIRM
 * then came to R, no longer the home, and H never knew of R's copy). W
 * pushes E+1 and E+2 and serves the read; R hands the entry over; W
 * writes the page again (its upgrade at H must invalidate R's copy) and
 * R must read what W wrote. fault_timeout_ms is 30 s meanwhile.
 */
TEST_F_TIMEOUT(home, handover_waits_for_forwarded, DSM_TEST_TIMEOUT(150))
{
	int node = dsm_node_id_env(), k = WAIT_PAGE, fd;
	long held = stat_now("home_msg_held");
	long waited = stat_now("home_xfer_waited");
	long out = stat_now("home_xfer_out");
	struct lag l;
	uint64_t word = 0;
	pid_t pid = -1;

	dsm_test_begin();
	ASSERT_LE(0, waited) TH_LOG("node %d: no home_xfer_waited counter",
				    node);
	lag_roles(_metadata, self, k, &l);
	ft_raise(_metadata, self);
	if (node == l.w)
		put_epoch_word(_metadata, k);
	dsm_test_sync(1);
	if (node != l.w)
		ASSERT_EQ(0, home_push(self, &l.t1)) TH_LOG("node %d: E+1", node);
	dsm_test_sync(2);
	if (node == l.r)
		pid = read_page(k, 60);
	if (node == l.w)
		EXPECT_TRUE(stat_moved("home_msg_held", held, 0,
				       dsm_test_secs(30)))
			TH_LOG("node %d (W): node %d's forward was not held for its table",
			       node, l.r);
	dsm_test_sync(3);
	if (node != l.w)
		EXPECT_EQ(0, home_push(self, &l.t2)) TH_LOG("node %d: E+2", node);
	if (node == l.r) {
		EXPECT_TRUE(stat_moved("home_xfer_waited", waited, pid,
				       fault_timeout_s() / 2 +
				       dsm_test_secs(20)))
			TH_LOG("node %d (R): its hand-over did not wait for the forwarded read (home_xfer_out %ld -> %ld)",
			       node, out, stat_now("home_xfer_out"));
		EXPECT_EQ(out, stat_now("home_xfer_out"))
			TH_LOG("node %d (R): bucket %d handed over while its read was forwarded",
			       node, l.b);
	}
	dsm_test_sync(4);
	if (node == l.w) {
		EXPECT_EQ(0, home_push(self, &l.t1)) TH_LOG("node %d: E+1", node);
		EXPECT_EQ(0, home_push(self, &l.t2)) TH_LOG("node %d: E+2", node);
	}
	if (node == l.r) {
		EXPECT_EQ(READ_OK, dsm_wait_child(pid, 90))
			TH_LOG("node %d (R) did not read the page node %d (W) wrote (dmesg says why)",
			       node, l.w);
		EXPECT_TRUE(stat_moved("home_xfer_out", out, 0,
				       dsm_test_secs(30)))
			TH_LOG("node %d (R): bucket %d not handed over after the read",
			       node, l.b);
	}
	dsm_test_sync(5);
	fd = open(DSM_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("open %s: %s", DSM_DEV, strerror(errno));
	if (node == l.w)
		EXPECT_EQ(0, dsm_put_word(fd, OFF_EPOCH + k * DSM_PAGE,
					  WAIT_WORD));
	dsm_test_sync(6);
	if (node == l.r) {
		EXPECT_EQ(0, dsm_get_word(fd, OFF_EPOCH + k * DSM_PAGE, &word));
		EXPECT_EQ(WAIT_WORD, word)
			TH_LOG("node %d (R) read %#llx after node %d (W) wrote %#llx: its copy was not invalidated",
			       node, (unsigned long long)word, l.w,
			       (unsigned long long)WAIT_WORD);
	}
	close(fd);
	lag_end(_metadata, self, &l.t2, 7);
}

/* In a child: write @w at the start of epoch page @k: exit 0 if done. */
static pid_t write_page(int k, uint64_t w)
{
	pid_t pid = fork();
	double t0;
	int fd, ret;

	if (pid)
		return pid;
	fd = open(DSM_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		_exit(2);
	t0 = dsm_now();
	ret = dsm_put_word(fd, OFF_EPOCH + k * DSM_PAGE, w);
	fprintf(stderr, "node %d: page %d: write %s after %.2f s\n",
		dsm_node_id_env(), k, ret ? strerror(-ret) : "done",
		dsm_now() - t0);
	_exit(ret ? 1 : 0);
}

/*
 * A bucket handed over while a transaction waits for its INVAL_ACKs (its
 * owner not asked yet): the entry goes as it stands, and the requester
 * is told to ask the new home (NACK ESTALE). H writes the page, W reads
 * it (a copy); H and R push E+1 (the bucket to R), W not; H writes again:
 * R's INVAL to W is held there (W's table does not name R yet). H and R
 * push E+2 (the bucket back to H): R waits fault_timeout_ms / 2, hands
 * the entry over as it stands and refuses H's request, which H then
 * serves itself, W's table naming H. H's write used to wait for a grant
 * nobody would send, until fault_timeout_ms (EIO). W then reads what H
 * wrote. fault_timeout_ms is 30 s meanwhile.
 */
TEST_F_TIMEOUT(home, unforwarded_handover_retried, DSM_TEST_TIMEOUT(150))
{
	int node = dsm_node_id_env(), k = INVAL_PAGE, fd;
	long held = stat_now("home_msg_held");
	long out = stat_now("home_xfer_out");
	long retries = stat_now("home_stale_retries");
	struct lag l;
	uint64_t word = 0;
	pid_t pid = -1;

	dsm_test_begin();
	lag_roles(_metadata, self, k, &l);
	ft_raise(_metadata, self);
	if (node == l.h)
		put_epoch_word(_metadata, k);
	dsm_test_sync(1);
	if (node == l.w)
		EXPECT_EQ(READ_OK, dsm_wait_child(read_page(k, 60), 90))
			TH_LOG("node %d (W): the page node %d (H) wrote", node,
			       l.h);
	dsm_test_sync(2);
	if (node != l.w)
		ASSERT_EQ(0, home_push(self, &l.t1)) TH_LOG("node %d: E+1", node);
	dsm_test_sync(3);
	if (node == l.h)
		pid = write_page(k, INVAL_WORD);
	if (node == l.w)
		EXPECT_TRUE(stat_moved("home_msg_held", held, 0,
				       dsm_test_secs(30)))
			TH_LOG("node %d (W): node %d's INVAL was not held for its table",
			       node, l.r);
	dsm_test_sync(4);
	if (node != l.w)
		EXPECT_EQ(0, home_push(self, &l.t2)) TH_LOG("node %d: E+2", node);
	if (node == l.h) {
		EXPECT_EQ(0, dsm_wait_child(pid, 90))
			TH_LOG("node %d (H): its write did not end well (dmesg says why)",
			       node);
		EXPECT_LT(retries, stat_now("home_stale_retries"))
			TH_LOG("node %d (H): its request was not sent again",
			       node);
	}
	if (node == l.r)
		EXPECT_TRUE(stat_moved("home_xfer_out", out, 0,
				       fault_timeout_s() / 2 +
				       dsm_test_secs(30)))
			TH_LOG("node %d (R): bucket %d not handed over", node,
			       l.b);
	dsm_test_sync(5);
	if (node == l.w) {
		EXPECT_EQ(0, home_push(self, &l.t1)) TH_LOG("node %d: E+1", node);
		EXPECT_EQ(0, home_push(self, &l.t2)) TH_LOG("node %d: E+2", node);
		fd = open(DSM_DEV, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, fd) TH_LOG("open %s: %s", DSM_DEV, strerror(errno));
		EXPECT_EQ(0, dsm_get_word(fd, OFF_EPOCH + k * DSM_PAGE, &word));
		EXPECT_EQ(INVAL_WORD, word)
			TH_LOG("node %d (W) read %#llx after node %d (H) wrote %#llx",
			       node, (unsigned long long)word, l.h,
			       (unsigned long long)INVAL_WORD);
		close(fd);
	}
	lag_end(_metadata, self, &l.t2, 6);
}

/*
 * An owner that does not serve a forward tells its home, whose
 * transaction ends with nothing moved. W owns the page; H and R push E+1
 * (the bucket to R), W never does while R writes: R's forward waits at
 * W for that table, fault_timeout_ms (4 s here), then is dropped, and W
 * answers R NACK ESTALE. R's write fails (no answer in time) and R ends
 * its transaction (home_fwd_failed): W is still the owner. R's
 * transaction used to wait for its expiry, take the missing CONFIRM as
 * given and name R the owner of a page it never got: H's read then
 * failed ("no copy here"). W pushes E+1 once R's write ended; H and R
 * (once its failed write no longer fails the page's accesses) read what
 * W wrote.
 */
TEST_F_TIMEOUT(home, unserved_forward_moves_nothing, DSM_TEST_TIMEOUT(120))
{
	int node = dsm_node_id_env(), k = UNSERVED_PAGE;
	long wrong = stat_now("rx_wrong_sender");
	long failed = stat_now("home_fwd_failed");
	struct lag l;
	pid_t pid;

	dsm_test_begin();
	ASSERT_LE(0, failed) TH_LOG("node %d: no home_fwd_failed counter",
				    node);
	lag_roles(_metadata, self, k, &l);
	ft_set(_metadata, self, UNSERVED_FT);
	if (node == l.w)
		put_epoch_word(_metadata, k);
	dsm_test_sync(1);
	if (node != l.w)
		ASSERT_EQ(0, home_push(self, &l.t1)) TH_LOG("node %d: E+1", node);
	dsm_test_sync(2);
	if (node == l.r) {
		pid = write_page(k, ~EPOCH_WORD(k));
		EXPECT_EQ(1, dsm_wait_child(pid, 60))
			TH_LOG("node %d (R): its write was served or hung", node);
		EXPECT_TRUE(stat_moved("home_fwd_failed", failed, 0,
				       dsm_test_secs(30)))
			TH_LOG("node %d (R): its transaction did not end when W dropped its forward",
			       node);
	}
	if (node == l.w)
		EXPECT_TRUE(stat_moved("rx_wrong_sender", wrong, 0,
				       dsm_test_secs(30)))
			TH_LOG("node %d (W): node %d's forward was not dropped",
			       node, l.r);
	dsm_test_sync(3);
	if (node == l.w)
		EXPECT_EQ(0, home_push(self, &l.t1)) TH_LOG("node %d: E+1", node);
	/* A failed access fails the page's next ones for fault_timeout_ms. */
	if (node == l.r)
		usleep((fault_timeout_s() + 0.5) * 1e6);
	dsm_test_sync(4);
	if (node != l.w)
		EXPECT_EQ(READ_OK, dsm_wait_child(read_page(k, 60), 90))
			TH_LOG("node %d (%s) did not read what node %d (W) wrote (dmesg says why)",
			       node, node == l.r ? "R" : "H", l.w);
	lag_end(_metadata, self, &l.t1, 5);
}

/*
 * Node 1 sends node 2 a HOME_XFER for a page of a bucket that node 2
 * homes in every table (no transfer awaited): refused, counted, and the
 * page is served as before.
 */
TEST_F_TIMEOUT(home, home_xfer_from_wrong_node, DSM_TEST_TIMEOUT(60))
{
	int node = dsm_node_id_env(), fd, n;
	long base = stat_now("home_xfer_refused");
	char self_path[512], out[512];
	uint64_t w = 0;
	double t0;

	dsm_test_begin();
	ASSERT_EQ(2, (int)(PG_FORGED % 3));
	if (node == 2) {
		fd = open(DSM_DEV, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, dsm_put_word(fd, PG_FORGED * DSM_PAGE,
					  0x464f524745ULL));
		close(fd);
	}
	dsm_test_sync(1);
	if (node == 1) {
		n = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);
		ASSERT_LT(0, n);
		self_path[n] = '\0';
		EXPECT_EQ(0, dsm_sh(out, sizeof(out),
				    "%s/dsm_adversary send home_xfer --dst 2 --page %lu --owner 1 --epoch %llu",
				    dirname(self_path), PG_FORGED,
				    (unsigned long long)self->before.epoch))
			TH_LOG("dsm_adversary: %s", out);
	}
	if (node == 2) {
		t0 = dsm_now();
		while (stat_now("home_xfer_refused") <= base &&
		       dsm_now() - t0 < dsm_test_secs(20))
			usleep(10000);
		EXPECT_LT(base, stat_now("home_xfer_refused"))
			TH_LOG("node 2 waited %.1f s for node 1's forged HOME_XFER to be refused",
			       dsm_now() - t0);
	}
	dsm_test_sync(2);
	if (node == 0) {
		fd = open(DSM_DEV, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, fd);
		EXPECT_EQ(0, dsm_get_word(fd, PG_FORGED * DSM_PAGE, &w));
		EXPECT_EQ(0x464f524745ULL, w) TH_LOG("the page's owner changed");
		close(fd);
	}
	dsm_test_sync(3);
}

TEST_HARNESS_MAIN

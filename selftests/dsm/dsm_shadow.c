// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_shadow - what another node has seen, and what was msync'ed,
 * survives a node's death in sc (issue 15 item 3; Documentation/sc.md
 * "Shadows and msync"), on a 3-node cluster, while writes go on.
 *
 * Three sets of consecutive pages of the default (sc) region, so spread
 * over every home:
 *  - SYNCED: node 2 writes pattern A on each, msync(MS_SYNC)s them, then
 *    writes pattern B on each without msync. After node 2's death the
 *    survivors must read A: every msync'ed byte survives (B, that nobody
 *    saw, may not).
 *  - TAKEN: node 0 writes pattern C on each, then node 2 writes pattern
 *    D on each (taking them from node 0, which keeps its frame as a
 *    shadow). After node 2's death the survivors must read C, the page
 *    as another node last saw it.
 *  - WRITTEN: node 2 writes pattern E on each, never msync'ed, and
 *    waits until the background write-back (writeback_ms, 1 s here)
 *    pushed them; then turns write-back off for the sets above. After
 *    node 2's death the survivors must read E.
 *  - BUSY: nodes 0 and 1 write their own word of each page in a loop
 *    from before node 2 powers off until after the survivors' checks
 *    (the pages move between them through homes, a third of them on the
 *    dying node). Afterwards each finds its last value in every page.
 * No access may fail (SIGBUS, EIO) or read other bytes. No time is
 * asserted: an access only has to return.
 *
 * Against a module without shadows, msync fails (EINVAL: no fsync), and
 * the SYNCED and TAKEN pages homed or owned on node 2 are lost.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "dsm_test.h"
#include "dsm_region.h"
#include "dsm_shell.h"

/* vcluster's dsm.conf: 10 s times VCLUSTER_TIME_FACTOR (DSM_TEST_TIME_FACTOR) */
#define DEAD_TIMEOUT	dsm_test_secs(10.0)
#define DETECT_SLACK	dsm_test_secs(30.0)
#define VICTIM		2
#define NODES		3
#define NPAGES		24		/* per set: 8 on each home */
#define NBUSY		12
#define SYNCED_OFF	(160UL << 20)	/* page 40960 of the default region */
#define TAKEN_OFF	(SYNCED_OFF + NPAGES * DSM_PAGE)
#define BUSY_OFF	(TAKEN_OFF + NPAGES * DSM_PAGE)
#define SET_LEN		(NPAGES * DSM_PAGE)
#define WRITTEN_OFF	(BUSY_OFF + NBUSY * DSM_PAGE)
enum { PAT_A = 1, PAT_B, PAT_C, PAT_D, PAT_E };

static uint8_t pattern(int pat, int k, int j)
{
	return (uint8_t)(pat * 59 + k * 31 + j * 7 + 1);
}

static void fill(uint8_t *p, int pat)
{
	int k, j;

	for (k = 0; k < NPAGES; k++)
		for (j = 0; j < DSM_PAGE; j++)
			p[k * DSM_PAGE + j] = pattern(pat, k, j);
}

/*
 * Check page @k of the set at @off against @pat in a child (a SIGBUS
 * ends it, not the test). Return: 0 if every byte is right; else the
 * child's wait status, 1 for wrong bytes, 3 if it holds pattern @other.
 */
static int check_page(int fd, unsigned long off, int k, int pat, int other)
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0) {
		volatile uint8_t *p = mmap(NULL, DSM_PAGE, PROT_READ,
					   MAP_SHARED, fd, off + k * DSM_PAGE);
		int j;

		if (p == MAP_FAILED)
			_exit(2);
		for (j = 0; j < DSM_PAGE; j++)
			if (p[j] != pattern(pat, k, j))
				_exit(p[j] == pattern(other, k, j) ? 3 : 1);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

static const char *why(int status)
{
	if (status == 1 << 8)
		return "other bytes";
	if (status == 3 << 8)
		return "the bytes nobody saw";
	if (WIFSIGNALED(status))
		return strsignal(WTERMSIG(status));
	return "could not map or wait";
}

/*
 * What the writer of the BUSY pages shares with its parent (anonymous
 * shared memory): the last value it wrote in each page, and when to stop.
 */
struct busy {
	volatile uint64_t last[NBUSY];
	volatile uint64_t rounds;
	volatile int stop;
};

/* Node @id's writer: its own word of each BUSY page, round after round. */
static void busy_writer(int fd, int id, struct busy *b)
{
	volatile uint64_t *p = mmap(NULL, NBUSY * DSM_PAGE,
				    PROT_READ | PROT_WRITE, MAP_SHARED, fd,
				    BUSY_OFF);
	uint64_t r;
	int k;

	if (p == MAP_FAILED)
		_exit(2);
	for (r = 1; !b->stop; r++) {
		for (k = 0; k < NBUSY && !b->stop; k++) {
			p[k * DSM_PAGE / 8 + id] = r;
			b->last[k] = r;
		}
		b->rounds = r;
	}
	_exit(0);
}

FIXTURE(shadow) {
	int unused;
};

FIXTURE_SETUP(shadow)
{
}

FIXTURE_TEARDOWN(shadow)
{
}

/* The sets checked after the failure: what each must read, not read. */
static const struct {
	const char *name;
	unsigned long off;
	int pat, other;
} sets[] = {
	{ "msync'ed", SYNCED_OFF, PAT_A, PAT_B },
	{ "taken", TAKEN_OFF, PAT_C, PAT_D },
	{ "written back", WRITTEN_OFF, PAT_E, PAT_A },
};

/* Every SYNCED and TAKEN page, every byte: how many are wrong. */
static int check_sets(struct __test_metadata *_metadata, int fd, int id)
{
	unsigned int s;
	int k, st, bad = 0;

	for (k = 0; k < NPAGES; k++) {
		for (s = 0; s < sizeof(sets) / sizeof(sets[0]); s++) {
			st = check_page(fd, sets[s].off, k, sets[s].pat,
					sets[s].other);
			if (!st)
				continue;
			bad++;
			TH_LOG("node %d: %s page %d (page %lu): %s", id,
			       sets[s].name, k,
			       (sets[s].off + k * DSM_PAGE) / DSM_PAGE, why(st));
		}
	}
	return bad;
}

/*
 * On node 2: write pattern E on the WRITTEN set with write-back every
 * second, and wait until it pushed them all; then turn it off.
 */
static void written_back(struct __test_metadata *_metadata, int fd)
{
	uint8_t *m = mmap(NULL, SET_LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
			  fd, WRITTEN_OFF);
	long before = dsm_stat("shadow_written_back"), now = before, wb;
	double t0;

	ASSERT_NE(MAP_FAILED, m);
	ASSERT_LE(0, before);
	/* On by default (a few seconds; 1 s here to keep the test short). */
	wb = dsm_writeback_set(1000);
	ASSERT_LT(0, wb) TH_LOG("write-back is off (%ld) by default", wb);
	fill(m, PAT_E);
	t0 = dsm_now();
	while (now < before + NPAGES && dsm_now() - t0 < dsm_test_secs(60)) {
		usleep(200000);
		now = dsm_stat("shadow_written_back");
	}
	EXPECT_LE(before + NPAGES, now)
		TH_LOG("write-back pushed %ld of the %d pages written in %.0f s",
		       now - before, NPAGES, dsm_now() - t0);
	/* What node 2 writes from now on, only msync pushes. */
	ASSERT_EQ(1000, dsm_writeback_set(0));
	munmap(m, SET_LEN);
}

/*
 * One test: its steps are ordered across nodes by dsm_test_sync() and
 * node 2 disappears in the middle (the only program of its group).
 */
TEST_F_TIMEOUT(shadow, seen_and_synced_pages_survive,
	       DSM_TEST_SYNC_TIMEOUT + 400)
{
	int id = dsm_node_id_env(), n = dsm_nodes_env();
	struct busy *b = NULL;
	int fd, k, bad, status;
	pid_t writer = -1;
	uint64_t word;
	char out[4096];
	uint8_t *set;
	double took;

	ASSERT_EQ(NODES, n) TH_LOG("written for 3 nodes");
	if (dsm_sh(NULL, 0, "command -v vc-poweroff"))
		SKIP(return, "this vcluster has no vc-poweroff");

	dsm_test_begin();
	fd = open(DSM_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	set = malloc(SET_LEN);
	ASSERT_NE(NULL, set);
	if (id == 0) {
		fill(set, PAT_C);
		ASSERT_EQ(SET_LEN, pwrite(fd, set, SET_LEN, TAKEN_OFF))
			TH_LOG("TAKEN: %s", strerror(errno));
	}
	dsm_test_sync(1);
	if (id == VICTIM) {
		uint8_t *m = mmap(NULL, SET_LEN, PROT_READ | PROT_WRITE,
				  MAP_SHARED, fd, SYNCED_OFF);

		ASSERT_NE(MAP_FAILED, m);
		written_back(_metadata, fd);
		fill(m, PAT_A);
		ASSERT_EQ(0, msync(m, SET_LEN, MS_SYNC))
			TH_LOG("msync: %s", strerror(errno));
		ASSERT_EQ(0, dsm_sh(out, sizeof(out), "dsmctl -j stats | jq -e "
				    "'.shadow_pushed >= %d'", NPAGES))
			TH_LOG("msync pushed fewer than %d pages: %s", NPAGES,
			       out);
		/* Written after the msync, seen by nobody. */
		fill(m, PAT_B);
		fill(set, PAT_D);
		ASSERT_EQ(SET_LEN, pwrite(fd, set, SET_LEN, TAKEN_OFF))
			TH_LOG("TAKEN: %s", strerror(errno));
	} else {
		b = mmap(NULL, sizeof(*b), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, b);
		writer = fork();
		ASSERT_LE(0, writer);
		if (writer == 0)
			busy_writer(fd, id, b);
	}
	dsm_test_sync(2);
	if (id == VICTIM) {
		/* Powers off at once and for good. */
		dsm_sh(out, sizeof(out), "vc-poweroff 0");
		sleep(dsm_test_secs(600));
		ASSERT_TRUE(0) TH_LOG("vc-poweroff returned: %s", out);
	}

	took = dsm_node_down_within(DEAD_TIMEOUT + DETECT_SLACK, VICTIM, out,
				    sizeof(out));
	ASSERT_LE(0, took) TH_LOG("node %d never reported down: %s", VICTIM, out);
	TH_LOG("node %d: node %d down; my writer at round %llu", id, VICTIM,
	       (unsigned long long)b->rounds);

	bad = check_sets(_metadata, fd, id);
	EXPECT_EQ(0, bad)
		TH_LOG("node %d: %d of %d pages not as another node saw them",
		       id, bad, 3 * NPAGES);
	EXPECT_EQ(0, dsm_sh(out, sizeof(out), "dsmctl -j stats | jq -e "
			    "'.shadow_promoted >= 1'"))
		TH_LOG("node %d made no shadow a page: %s", id, out);

	/* The writer went on through the failure; stop it, check its words. */
	b->stop = 1;
	ASSERT_EQ(writer, waitpid(writer, &status, 0));
	EXPECT_EQ(0, status) TH_LOG("node %d's writer: wait status %#x", id,
				    status);
	TH_LOG("node %d: writer stopped at round %llu", id,
	       (unsigned long long)b->rounds);
	for (k = 0; k < NBUSY; k++) {
		word = 0;
		EXPECT_EQ((ssize_t)sizeof(word),
			  pread(fd, &word, sizeof(word),
				BUSY_OFF + k * DSM_PAGE + id * 8))
			TH_LOG("busy page %d: %s", k, strerror(errno));
		EXPECT_EQ(b->last[k], word)
			TH_LOG("node %d: busy page %d holds %llu, wrote %llu last",
			       id, k, (unsigned long long)word,
			       (unsigned long long)b->last[k]);
	}
	free(set);
	close(fd);
}

TEST_HARNESS_MAIN

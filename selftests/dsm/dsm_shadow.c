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
 *  - REREP: node 1 writes pattern F on each and msyncs them: the pages
 *    homed on nodes 1 and 2 go to node 2 (node 1's shadow holder, or the
 *    home that gave them and kept its frame). Node 2's death leaves them
 *    with one copy, node 1's, which marks them to be pushed again
 *    (re-replication, counter shadow_rereplicated) to node 0. Then a
 *    second failure: node 0 deletes node 2 from the membership and cuts
 *    node 1 off (vc-net; node 0 keeps the quorum of two, node 1 fences
 *    itself), and must read F on every page from what node 1 pushed it.
 *  - LONEREAD: node 2 writes pattern G on each (write-back off there),
 *    node 1 reads them: node 1's read copy and node 2's are the only
 *    frames of G. Node 2's death leaves node 1's the only one, which
 *    node 1 marks to be pushed with its own tag. After the second
 *    failure node 0 must read G.
 *  - LONESHADOW: node 1 writes pattern H on each (write-back off there),
 *    then node 2 takes them and writes I. Node 2's death makes node 1's
 *    shadow the page (H); the rebuild's DIR_QUERY finds it the only
 *    frame of H, and node 1 marks it to be pushed. After the second
 *    failure node 0 must read H.
 *  - WAIT: one page homed on node 0: node 0 writes a word, node 2 takes
 *    the page and writes another. Half a second after node 2 powers
 *    off, node 0 reads it: its own home forwards the request to node 2,
 *    dead but not declared down yet, so the read outlasts
 *    fault_timeout_ms; it must wait on (the failover wait, up to the
 *    dead timeout), not fail then, and return one of the two words
 *    (node 2's if node 2 served it before dying, else node 0's frame,
 *    which the rebuild makes the page). If dsmd takes longer than that
 *    to declare node 2 down, the read may fail (EIO), but only after
 *    the fault timeout and the dead timeout both.
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
#define REREP_OFF	(WRITTEN_OFF + SET_LEN)
#define LONEREAD_OFF	(REREP_OFF + SET_LEN)
#define LONESHADOW_OFF	(LONEREAD_OFF + SET_LEN)
#define FLAG_OFF	(LONESHADOW_OFF + SET_LEN)	/* node 1: re-pushed */
/* WAIT: the first page after FLAG_OFF homed on node 0 (page p: p % 3). */
#define WAIT_OFF	(FLAG_OFF + DSM_PAGE * \
			 (1 + (3 - (FLAG_OFF / DSM_PAGE + 1) % 3) % 3))
#define WAIT_C		0xc1c1c1c1c1c1c1c1ULL	/* node 0's word */
#define WAIT_D		0xd2d2d2d2d2d2d2d2ULL	/* node 2's, after */
#define REREP_WRITER	1
enum { PAT_A = 1, PAT_B, PAT_C, PAT_D, PAT_E, PAT_F, PAT_G, PAT_H, PAT_I };

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

/* A set of pages checked after a failure: what it must read, not read. */
struct set {
	const char *name;
	unsigned long off;
	int pat, other;
};

/* The sets checked after node 2's failure. */
static const struct set sets[] = {
	{ "msync'ed", SYNCED_OFF, PAT_A, PAT_B },
	{ "taken", TAKEN_OFF, PAT_C, PAT_D },
	{ "written back", WRITTEN_OFF, PAT_E, PAT_A },
};

/* The sets node 0 reads after node 1's failure. */
static const struct set rerep_sets[] = {
	{ "REREP (msync'ed)", REREP_OFF, PAT_F, PAT_E },
	{ "LONEREAD (a lone read copy)", LONEREAD_OFF, PAT_G, PAT_A },
	{ "LONESHADOW (a lone shadow)", LONESHADOW_OFF, PAT_H, PAT_I },
};

/* Every SYNCED and TAKEN page, every byte: how many are wrong. */
/*
 * Node 0 reads the WAIT page, homed here and owned by node 2, while node
 * 2 is dead and not declared down yet (see the top).
 */
static void wait_read(struct __test_metadata *_metadata, int fd)
{
	double fault_s, t0, dt;
	uint64_t w = 0;
	char out[64];
	int err;

	ASSERT_EQ(0, dsm_sh(out, sizeof(out),
			    "cat /sys/module/dsm/parameters/fault_timeout_ms"))
		TH_LOG("no fault_timeout_ms");
	fault_s = atof(out) / 1000;
	usleep(500 * 1000);	/* node 2 powers off meanwhile */
	t0 = dsm_now();
	err = dsm_get_word(fd, WAIT_OFF, &w);
	dt = dsm_now() - t0;
	TH_LOG("node 0: read of its own page node 2 owned: %s after %.1f s "
	       "(fault timeout %.1f s, dead timeout %.1f s)",
	       err ? strerror(-err) : "returned", dt, fault_s, DEAD_TIMEOUT);
	if (err) {
		EXPECT_LE(0.9 * (fault_s + DEAD_TIMEOUT), dt)
			TH_LOG("the read failed (%s) before waiting for node 2 "
			       "to be declared down: a request to this node's "
			       "own home was not extended", strerror(-err));
	} else {
		EXPECT_TRUE(w == WAIT_C || w == WAIT_D)
			TH_LOG("node 0 read %#llx, neither its word nor node "
			       "2's", (unsigned long long)w);
	}
}

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
	long before = dsm_counter("shadow_written_back"), now = before, wb;
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
		now = dsm_counter("shadow_written_back");
	}
	EXPECT_LE(before + NPAGES, now)
		TH_LOG("write-back pushed %ld of the %d pages written in %.0f s",
		       now - before, NPAGES, dsm_now() - t0);
	/* What node 2 writes from now on, only msync pushes. */
	ASSERT_EQ(1000, dsm_writeback_set(0));
	munmap(m, SET_LEN);
}

/* REREP pages whose other copy node 2 held: those homed on 1 and 2. */
static int rerep_on_victim(void)
{
	int k, n = 0;

	for (k = 0; k < NPAGES; k++)
		if ((REREP_OFF / DSM_PAGE + k) % NODES != 0)
			n++;
	return n;
}

/* Node 1, before node 2's death: REREP written and msync'ed. */
static void rerep_write(struct __test_metadata *_metadata, int fd)
{
	uint8_t *m = mmap(NULL, SET_LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
			  fd, REREP_OFF);

	ASSERT_NE(MAP_FAILED, m);
	fill(m, PAT_F);
	ASSERT_EQ(0, msync(m, SET_LEN, MS_SYNC))
		TH_LOG("REREP msync: %s", strerror(errno));
	munmap(m, SET_LEN);
}

/* Write pattern @pat on the set at @off with pwrite. */
static void write_set(struct __test_metadata *_metadata, int fd,
		      unsigned long off, int pat)
{
	uint8_t *set = malloc(SET_LEN);

	ASSERT_NE(NULL, set);
	fill(set, pat);
	ASSERT_EQ(SET_LEN, pwrite(fd, set, SET_LEN, off))
		TH_LOG("pwrite of pattern %d at %lu: %s", pat, off,
		       strerror(errno));
	free(set);
}

/* Node 1, before node 2's death: read LONEREAD (pattern G) once. */
static void loneread_read(struct __test_metadata *_metadata, int fd)
{
	uint8_t *set = malloc(SET_LEN), *want = malloc(SET_LEN);

	ASSERT_NE(NULL, set);
	ASSERT_NE(NULL, want);
	fill(want, PAT_G);
	ASSERT_EQ(SET_LEN, pread(fd, set, SET_LEN, LONEREAD_OFF))
		TH_LOG("LONEREAD: %s", strerror(errno));
	EXPECT_EQ(0, memcmp(set, want, SET_LEN))
		TH_LOG("LONEREAD did not read as node 2 wrote it");
	free(want);
	free(set);
}

/*
 * Node 1, after node 2's death: it marked the pages node 2 held the
 * other copy of (REREP, LONEREAD), and a rebuild asked about its lone
 * shadows (LONESHADOW) and found them marked; msync (or the write-back,
 * within writeback_ms) pushes them to node 0, msync returning once
 * stored. Then it tells node 0, and waits to be cut off (fenced) and
 * healed.
 */
static void rerep_pushed(struct __test_metadata *_metadata, int fd,
			 long marked0, long fences0)
{
	long want = marked0 + rerep_on_victim() + 2 * NPAGES;
	double end = dsm_now() + dsm_test_secs(120), took;
	long marked = dsm_counter("shadow_rereplicated");
	char out[4096];
	uint8_t *m;

	while (marked >= 0 && marked < want && dsm_now() < end) {
		usleep(200000);
		marked = dsm_counter("shadow_rereplicated");
	}
	EXPECT_LE(want, marked)
		TH_LOG("node 1 marked %ld pages to push again within 120 s; node 2 held the other copy of %d, and %d read copies and %d shadows were left alone",
		       marked - marked0, rerep_on_victim(), NPAGES, NPAGES);
	m = mmap(NULL, 3 * SET_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 REREP_OFF);
	ASSERT_NE(MAP_FAILED, m);
	EXPECT_EQ(0, msync(m, 3 * SET_LEN, MS_SYNC))
		TH_LOG("REREP, LONEREAD and LONESHADOW msync after node 2's death: %s",
		       strerror(errno));
	munmap(m, 3 * SET_LEN);
	ASSERT_EQ(0, dsm_put_word(fd, FLAG_OFF, 1));
	took = dsm_sh_until(DEAD_TIMEOUT + DETECT_SLACK + dsm_test_secs(120),
			    out, sizeof(out),
			    "dsmctl -j stats | jq -e '.fences > %ld'", fences0);
	EXPECT_LE(0, took) TH_LOG("node 1 was never fenced: %s", out);
	took = dsm_sh_until(dsm_test_secs(240), out, sizeof(out),
			    "dsmctl -j status | jq -e '.fenced == false'");
	EXPECT_LE(0, took) TH_LOG("node 1 never rejoined after the heal: %s",
				  out);
}

/*
 * Node 0: once node 1 pushed REREP again, node 2 leaves the membership
 * and node 1 is cut off: node 0, alone with the quorum of two, declares
 * node 1 down and must read F on every REREP page (from node 1's pushes).
 */
static void rerep_second_failure(struct __test_metadata *_metadata, int fd)
{
	int factor = dsm_test_time_factor(), k, st, bad = 0;
	double end = dsm_now() + dsm_test_secs(300), took;
	char out[4096];
	uint64_t w = 0;

	while (!dsm_get_word(fd, FLAG_OFF, &w) && w != 1 && dsm_now() < end)
		usleep(200000);
	ASSERT_EQ(1, w) TH_LOG("node 1 did not push its lone pages within 300 s");
	ASSERT_EQ(0, dsm_sh(out, sizeof(out), "dsmctl node del %d", VICTIM))
		TH_LOG("node del %d: %s", VICTIM, out);
	ASSERT_EQ(0, dsm_sh(out, sizeof(out),
			    "DSM_TEST_TIME_FACTOR=%d vc-net split 0 %d",
			    factor, REREP_WRITER)) TH_LOG("vc-net: %s", out);
	took = dsm_node_down_within(DEAD_TIMEOUT + DETECT_SLACK, REREP_WRITER,
				    out, sizeof(out));
	EXPECT_LE(0, took) TH_LOG("node 1 cut off, never declared down: %s",
				  out);
	for (k = 0; took >= 0 && k < 3 * NPAGES; k++) {
		st = check_page(fd, rerep_sets[k / NPAGES].off, k % NPAGES,
				rerep_sets[k / NPAGES].pat,
				rerep_sets[k / NPAGES].other);
		if (!st)
			continue;
		bad++;
		TH_LOG("node 0: %s page %d (page %lu, home %lu): %s",
		       rerep_sets[k / NPAGES].name, k % NPAGES,
		       rerep_sets[k / NPAGES].off / DSM_PAGE + k % NPAGES,
		       (rerep_sets[k / NPAGES].off / DSM_PAGE + k % NPAGES) %
		       NODES, why(st));
	}
	EXPECT_EQ(0, bad) TH_LOG("%d of %d pages node 1 had alone lost after node 2's and node 1's failures",
				 bad, 3 * NPAGES);
	EXPECT_EQ(0, dsm_sh(out, sizeof(out),
			    "DSM_TEST_TIME_FACTOR=%d vc-net heal", factor))
		TH_LOG("vc-net heal: %s", out);
}

/*
 * One test: its steps are ordered across nodes by dsm_test_sync() and
 * node 2 disappears in the middle (the only program of its group).
 */
TEST_F_TIMEOUT(shadow, seen_and_synced_pages_survive,
	       DSM_TEST_SYNC_TIMEOUT + 500)
{
	int id = dsm_node_id_env(), n = dsm_nodes_env();
	struct busy *b = NULL;
	long marked0 = 0, fences0 = 0, wb1 = -1;
	int fd, k, bad, status;
	pid_t writer = -1;
	uint64_t word;
	char out[4096];
	double took;

	ASSERT_EQ(NODES, n) TH_LOG("written for 3 nodes");
	if (dsm_sh(NULL, 0, "command -v vc-poweroff"))
		SKIP(return, "this vcluster has no vc-poweroff");

	dsm_test_begin();
	fd = open(DSM_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	if (id == 0) {
		write_set(_metadata, fd, TAKEN_OFF, PAT_C);
		ASSERT_EQ(0, dsm_put_word(fd, WAIT_OFF, WAIT_C));
	}
	if (id == REREP_WRITER) {
		/* Only node 2 may get a frame of H: msync pushes it later. */
		wb1 = dsm_writeback_set(0);
		ASSERT_LE(0, wb1) TH_LOG("no writeback_ms");
		write_set(_metadata, fd, LONESHADOW_OFF, PAT_H);
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
		write_set(_metadata, fd, TAKEN_OFF, PAT_D);
		ASSERT_EQ(0, dsm_put_word(fd, WAIT_OFF, WAIT_D));
		write_set(_metadata, fd, LONEREAD_OFF, PAT_G);
		write_set(_metadata, fd, LONESHADOW_OFF, PAT_I);
	} else {
		if (id == REREP_WRITER) {
			marked0 = dsm_counter("shadow_rereplicated");
			fences0 = dsm_counter("fences");
			ASSERT_LE(0, marked0)
				TH_LOG("no counter shadow_rereplicated");
			ASSERT_LE(0, fences0);
			rerep_write(_metadata, fd);
		}
		b = mmap(NULL, sizeof(*b), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, b);
		writer = fork();
		ASSERT_LE(0, writer);
		if (writer == 0)
			busy_writer(fd, id, b);
	}
	dsm_test_sync(2);
	if (id == REREP_WRITER)
		loneread_read(_metadata, fd);
	dsm_test_sync(3);
	if (id == VICTIM) {
		/* Powers off at once and for good. */
		dsm_sh(out, sizeof(out), "vc-poweroff 0");
		sleep(dsm_test_secs(600));
		ASSERT_TRUE(0) TH_LOG("vc-poweroff returned: %s", out);
	}
	if (id == 0)
		wait_read(_metadata, fd);

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
	/* A second failure after re-replication. */
	if (id == REREP_WRITER) {
		rerep_pushed(_metadata, fd, marked0, fences0);
		EXPECT_EQ(0, dsm_writeback_set(wb1));
	} else {
		rerep_second_failure(_metadata, fd);
	}
	close(fd);
}

TEST_HARNESS_MAIN

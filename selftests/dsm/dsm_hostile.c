// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_hostile - a hostile member of the cluster must not crash, wedge or
 * corrupt the others (issue 12). Written for 3 nodes.
 *
 * For ATTACK_S seconds node 1 runs dsm_adversary against nodes 0 and 2:
 * well-formed but wrong messages of the kinds in KINDS, seeded, through
 * its own data connections (debugfs dsm/send; the module is loaded with
 * inject=1 in the virtual cluster), aimed at the targets' stripes, the
 * fresh pages, the lrc region and its lock. Meanwhile every node, node 1
 * too, runs two verifying workloads, each in a process of its own:
 *
 *  - sc: each node writes its stripe of STRIPE_PAGES pages of the
 *    default region, round after round, every word naming its node, its
 *    round and its index, and reads the other nodes' stripes: every word
 *    must be one its writer wrote (node, index), and never older than a
 *    round already seen there (coherence);
 *  - lrc: a counter in an lrc region, incremented under a lock; the
 *    value under the lock never goes below what this node wrote.
 *
 * After the attack every node must still fault pages (its final stripe
 * written and every stripe read back exactly, and a fresh page homed on
 * each node) and take the lock (the counter then equals the sum of every
 * node's increments); the targets' counters must show that they refused
 * the messages (rx_unexpected grew) and that the decoder took every one
 * (rx_malformed did not grow).
 *
 * Each failure says which node was doing what ("node 2: sc workload:
 * killed by SIGBUS while: round 7: reading page 3 of node 0's stripe").
 *
 * KINDS lists the kinds the kernel survives (every kind since flood was
 * fixed; a new kind joins it once the kernel survives it). To try others:
 *   vcluster run -n 3 -- env DSM_HOSTILE_KINDS=flood,silent \
 *	/usr/lib/dsm/selftests/run_tests.sh 3node dsm_hostile
 * (DSM_HOSTILE_KINDS: a list, "all", or "none": the workloads alone;
 * DSM_HOSTILE_SEED: another seed; DSM_HOSTILE_SKIP_TYPES: message types
 * the adversary leaves out, see its --skip-types.)
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <dsm.h>

#include "kselftest_harness.h"
#include "dsm_test.h"
#include "dsm_shell.h"
#include "dsm_region.h"

/*
 * The kinds of wrong messages the kernel survives (see above): all of
 * them. flood, PAGE_REQs whose grants the adversary's node never asked
 * for, joined last: its kernel refuses those grants and the homes end
 * the transactions at once, giving a write's copy back to its owner
 * (Documentation/sc.md "Grants nobody asked for"); before, each kept its
 * page busy until the home's watchdog, longer than the workloads'
 * faults wait, and a dropped write grant lost the page.
 */
#define KINDS		"wrong-sender,stale-reply,nack-errno,inflated-vt," \
			"huge-page,flood,more-flood,silent"
#define SEED		"1207"
#define ATTACK_S	30
#define RATE		"50"
#define ADVERSARY	1		/* the hostile node; 0 and 2 are targets */
#define TARGETS		"0,2"

/*
 * sc: three stripes at 168 MiB in the default region (page 43008 on),
 * past dsm_peer's pages (160 to 164 MiB), whose writes would look like
 * corruption here.
 */
#define OFF_HOSTILE	(168UL << 20)
#define STRIPE_PAGES	16
#define WORDS		(DSM_PAGE / 8)
#define STRIPE_WORDS	(STRIPE_PAGES * WORDS)
#define FRESH_OFF	(OFF_HOSTILE + 3 * STRIPE_PAGES * DSM_PAGE)
#define FINAL_ROUND	0xfffffff0U
#define SC_PAUSE_US	100000

/* lrc: a counter, and each node's increments, under one lock. */
#define LRC_REGION	"hostile-lrc"
#define LRC_SIZE	(2 * DSM_PAGE)
#define LOCK		0
#define LOCKS		"2"		/* the adversary aims at locks 0, 1 */
#define LRC_PAUSE_US	20000
/* Bounds in seconds, times DSM_TEST_TIME_FACTOR. */
#define MAP_WAIT	dsm_test_secs(30)	/* region replication */
#define WORKER_SLACK	dsm_test_secs(60)	/* after the attack, a worker */
#define STEP_TIMEOUT	dsm_test_secs(40)	/* each check after the attack */

static int node, nodes;

/* What a worker process is doing, in memory shared with the test. */
struct work {
	char phase[160];	/* now */
	double since;		/* when the phase began */
	char why[320];		/* the first failure */
	int failed;
	unsigned long count;	/* rounds or increments done */
	uint64_t lrc[4];	/* the lrc check: counter, then each slot */
};

struct shared {
	struct work sc, lrc, check;
};

static void work_phase(struct work *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void work_fail(struct work *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void work_phase(struct work *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->phase, sizeof(w->phase), fmt, ap);
	va_end(ap);
	w->since = dsm_now();
}

static void work_fail(struct work *w, const char *fmt, ...)
{
	va_list ap;

	if (w->failed++)
		return;
	va_start(ap, fmt);
	vsnprintf(w->why, sizeof(w->why), fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------- sc */

static uint64_t sc_word(int n, uint32_t round, size_t i)
{
	return (uint64_t)n << 56 | (uint64_t)round << 24 | i;
}

static uint64_t sc_pgno(int n, size_t i)
{
	return OFF_HOSTILE / DSM_PAGE + n * STRIPE_PAGES + i / WORDS;
}

/*
 * Word @i of node @n's stripe read @v: is it one @n wrote, not older
 * than @last (updated)? With @exact, it must be of round @exact.
 */
static void sc_check(struct work *w, int n, size_t i, uint64_t v,
		     uint32_t *last, uint32_t exact)
{
	uint32_t round = v >> 24 & 0xffffffffU;
	const char *bad = NULL;

	if (!v && !*last && !exact)
		return;		/* not written yet */
	if (v >> 56 != (uint64_t)n || (v & 0xffffff) != i || !round)
		bad = "not a word that node wrote there";
	else if (round < *last)
		bad = "older than a round already read there";
	else if (exact && round != exact)
		bad = "not its final value";
	if (bad)
		work_fail(w, "page %lu (home %lu) word %zu of node %d's stripe: %#llx: %s (round %u seen before)",
			  (unsigned long)sc_pgno(n, i),
			  (unsigned long)(sc_pgno(n, i) % 3), i % WORDS, n,
			  (unsigned long long)v, bad, *last);
	else
		*last = round;
}

static void sc_write(uint64_t *base, uint32_t round)
{
	uint64_t *s = base + node * STRIPE_WORDS;
	size_t i;

	for (i = 0; i < STRIPE_WORDS; i++)
		s[i] = sc_word(node, round, i);
}

static void sc_read(struct work *w, uint64_t *base, uint32_t round,
		    uint32_t last[][STRIPE_WORDS], uint32_t exact)
{
	int k, n;
	size_t i;

	for (k = exact ? 0 : 1; k < nodes && !w->failed; k++) {
		n = (node + k) % nodes;
		for (i = 0; i < STRIPE_WORDS && !w->failed; i++) {
			if (i % WORDS == 0)
				work_phase(w, "round %u: reading page %zu of node %d's stripe",
					   round, i / WORDS, n);
			sc_check(w, n, i, base[n * STRIPE_WORDS + i],
				 &last[n][i], exact);
		}
	}
}

/* The sc workload until @end: a process of its own. */
static void sc_worker(struct work *w, double end)
{
	static uint32_t last[3][STRIPE_WORDS];
	uint64_t *base;
	uint32_t round;

	base = dsm_map_space(OFF_HOSTILE, 3 * STRIPE_PAGES * DSM_PAGE);
	if (base == MAP_FAILED) {
		work_fail(w, "mmap: %s", strerror(errno));
		_exit(1);
	}
	for (round = 1; dsm_now() < end && !w->failed; round++) {
		work_phase(w, "round %u: writing its own stripe", round);
		sc_write(base, round);
		sc_read(w, base, round, last, 0);
		w->count = round;
		usleep(SC_PAUSE_US);
	}
	_exit(w->failed ? 1 : 0);
}

/* ---------------------------------------------------------- lrc */

static volatile uint64_t *lrc_map(struct work *w)
{
	size_t len;
	void *p;
	int ret;

	ret = dsm_init();
	if (ret) {
		work_fail(w, "dsm_init: %s", strerror(-ret));
		return NULL;
	}
	p = dsm_map_wait(LRC_REGION, &len, MAP_WAIT);
	if (!p)
		work_fail(w, "dsm_map(%s): %s", LRC_REGION, strerror(errno));
	return p;
}

/* The lrc workload until @end: a process of its own. */
static void lrc_worker(struct work *w, double end)
{
	volatile uint64_t *c = lrc_map(w), *slots;
	uint64_t v, mine = 0;
	unsigned long k;
	int ret;

	if (!c)
		_exit(1);
	slots = c + WORDS;
	for (k = 1; dsm_now() < end && !w->failed; k++) {
		work_phase(w, "increment %lu: acquiring lock %d", k, LOCK);
		ret = dsm_lock_acquire(LOCK);
		if (ret) {
			work_fail(w, "increment %lu: acquire: %s", k,
				  strerror(-ret));
			break;
		}
		work_phase(w, "increment %lu: under lock %d", k, LOCK);
		v = *c;
		if (v < mine)
			work_fail(w, "increment %lu: the counter is %llu under the lock, below the %llu this node wrote",
				  k, (unsigned long long)v,
				  (unsigned long long)mine);
		*c = v + 1;
		mine = v + 1;
		slots[node] = k;
		work_phase(w, "increment %lu: releasing lock %d", k, LOCK);
		ret = dsm_lock_release(LOCK);
		if (ret) {
			work_fail(w, "increment %lu: release: %s", k,
				  strerror(-ret));
			break;
		}
		w->count = k;
		usleep(LRC_PAUSE_US);
	}
	_exit(w->failed ? 1 : 0);
}

/* ---------------------------------------------------------- checks */

/* The final stripe of this node (step 1) or every check of reads (2). */
static void check_sc(struct work *w, int step)
{
	static uint32_t last[3][STRIPE_WORDS];
	volatile uint64_t *fresh;
	uint64_t *base;
	int n;

	base = dsm_map_space(OFF_HOSTILE, 3 * STRIPE_PAGES * DSM_PAGE);
	fresh = dsm_map_space(FRESH_OFF, 3 * DSM_PAGE);
	if (base == MAP_FAILED || fresh == MAP_FAILED) {
		work_fail(w, "mmap: %s", strerror(errno));
		_exit(1);
	}
	if (step == 1) {
		work_phase(w, "writing its final stripe");
		sc_write(base, FINAL_ROUND);
		_exit(0);
	}
	sc_read(w, base, FINAL_ROUND, last, FINAL_ROUND);
	for (n = 0; n < 3 && !w->failed; n++) {
		/* pages FRESH_OFF / 4096 + n: never used, homes 0, 1, 2 */
		work_phase(w, "reading fresh page %lu",
			   (unsigned long)(FRESH_OFF / DSM_PAGE + n));
		if (fresh[n * WORDS] != 0)
			work_fail(w, "fresh page %lu is not zero",
				  (unsigned long)(FRESH_OFF / DSM_PAGE + n));
	}
	_exit(w->failed ? 1 : 0);
}

/* Take the lock once more, and read the counter and every slot. */
static void check_lrc(struct work *w)
{
	volatile uint64_t *c = lrc_map(w);
	int ret, n;

	if (!c)
		_exit(1);
	work_phase(w, "acquiring lock %d after the attack", LOCK);
	ret = dsm_lock_acquire(LOCK);
	if (ret) {
		work_fail(w, "acquire after the attack: %s", strerror(-ret));
		_exit(1);
	}
	w->lrc[0] = c[0];
	for (n = 0; n < 3; n++)
		w->lrc[1 + n] = c[WORDS + n];
	work_phase(w, "releasing lock %d after the attack", LOCK);
	ret = dsm_lock_release(LOCK);
	if (ret)
		work_fail(w, "release after the attack: %s", strerror(-ret));
	_exit(w->failed ? 1 : 0);
}

/* ---------------------------------------------------------- processes */

static pid_t start(struct work *w, void (*fn)(struct work *, double),
		   double end)
{
	pid_t pid;

	memset(w, 0, sizeof(*w));
	work_phase(w, "starting");
	pid = fork();
	if (pid == 0)
		fn(w, end);
	return pid;
}

/*
 * Wait for @pid until @deadline, then kill it. Returns 0 if it exited 0,
 * else -1 with what happened, and where, in @why.
 */
static int finish(pid_t pid, struct work *w, double deadline, char *why,
		  size_t len)
{
	int status = 0, stuck = 0;
	pid_t got;

	if (pid < 0) {
		snprintf(why, len, "fork: %s", strerror(errno));
		return -1;
	}
	while ((got = waitpid(pid, &status, WNOHANG)) == 0) {
		if (dsm_now() > deadline && !stuck) {
			stuck = 1;
			snprintf(why, len, "stuck for %.0f s while: %s",
				 dsm_now() - w->since, w->phase);
			kill(pid, SIGKILL);
		}
		usleep(50000);
	}
	if (stuck)
		return -1;
	if (got == pid && WIFEXITED(status) && !WEXITSTATUS(status))
		return 0;
	if (got == pid && WIFSIGNALED(status))
		snprintf(why, len, "killed by signal %d (%s) while: %s",
			 WTERMSIG(status), strsignal(WTERMSIG(status)),
			 w->phase);
	else
		snprintf(why, len, "%s (while: %s)",
			 w->failed ? w->why : "failed", w->phase);
	return -1;
}

/* Run one check in a child, at most STEP_TIMEOUT seconds. */
static int check_in_child(struct shared *sh, void (*fn)(struct work *, int),
			  int arg, char *why, size_t len)
{
	pid_t pid;

	memset(&sh->check, 0, sizeof(sh->check));
	work_phase(&sh->check, "starting");
	pid = fork();
	if (pid == 0)
		fn(&sh->check, arg);
	return finish(pid, &sh->check, dsm_now() + STEP_TIMEOUT, why, len);
}

static void check_lrc_arg(struct work *w, int arg)
{
	(void)arg;
	check_lrc(w);
}

/* Start dsm_adversary (next to this program), output to @out. */
static pid_t start_adversary(const char *out)
{
	char self[4096], path[4200], secs[16], pages[128];
	char *kinds = getenv("DSM_HOSTILE_KINDS");
	char *seed = getenv("DSM_HOSTILE_SEED");
	char *skip = getenv("DSM_HOSTILE_SKIP_TYPES");
	char *argv[24] = {
		"dsm_adversary", "run", "--duration", secs, "--rate", RATE,
		"--dst", TARGETS, "--pages", pages, "--locks", LOCKS,
	};
	int i = 12;
	struct dsm_region_info ri = { .name = LRC_REGION };
	ssize_t n;
	pid_t pid;
	int fd;

	fd = open(DSM_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, DSM_IOC_REGION_INFO, &ri))
		ri.offset = 0;
	if (fd >= 0)
		close(fd);
	/*
	 * The stripes of the targets (node 1 owns its own: a forged grant
	 * for one would be the owner's word), the fresh pages, the lrc
	 * region.
	 */
	n = snprintf(pages, sizeof(pages), "%lu:%d,%lu:%d",
		     OFF_HOSTILE / DSM_PAGE, STRIPE_PAGES,
		     OFF_HOSTILE / DSM_PAGE + 2 * STRIPE_PAGES,
		     STRIPE_PAGES + 3);
	if (ri.offset)
		snprintf(pages + n, sizeof(pages) - n, ",%llu:%d",
			 (unsigned long long)(ri.offset / DSM_PAGE),
			 LRC_SIZE / DSM_PAGE);
	snprintf(secs, sizeof(secs), "%d", ATTACK_S);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return -1;
	self[n] = '\0';
	snprintf(path, sizeof(path), "%s/dsm_adversary", dirname(self));
	pid = fork();
	if (pid)
		return pid;
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		_exit(126);
	dup2(fd, 1);
	dup2(fd, 2);
	argv[i++] = "--seed";
	argv[i++] = seed ? seed : SEED;
	if (!kinds || strcmp(kinds, "all")) {
		argv[i++] = "--kinds";
		argv[i++] = kinds ? kinds : KINDS;
	}
	if (skip) {
		argv[i++] = "--skip-types";
		argv[i++] = skip;
	}
	argv[i] = NULL;
	execv(path, argv);
	_exit(127);
}

/* Wait for the adversary; its report, line by line, into the log. */
static int finish_adversary(struct __test_metadata *_metadata, pid_t pid,
			    const char *out, double deadline)
{
	unsigned long sent = 0, failed = 0;
	int status = -1, waited = 0;
	char line[256];
	FILE *f;

	while (pid > 0 && waitpid(pid, &status, WNOHANG) == 0) {
		if (dsm_now() > deadline && waited++ == 0)
			kill(pid, SIGTERM);
		else if (waited > 100)
			kill(pid, SIGKILL);
		usleep(50000);
	}
	f = fopen(out, "r");
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		TH_LOG("node %d: adversary| %s", node, line);
		sscanf(line, "total sent=%lu failed=%lu", &sent, &failed);
	}
	if (f)
		fclose(f);
	if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) || !sent) {
		TH_LOG("node %d: dsm_adversary did not run (status %#x, %lu sent)",
		       node, status, sent);
		return -1;
	}
	return 0;
}

FIXTURE(hostile) {
	struct shared *sh;
	struct timespec t0;
};

FIXTURE_SETUP(hostile)
{
	clock_gettime(CLOCK_MONOTONIC, &self->t0);
	node = dsm_node_id_env();
	nodes = dsm_nodes_env();
	self->sh = mmap(NULL, sizeof(*self->sh), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->sh);
	if (node < 0 || nodes != 3)
		return;		/* the test skips */
	dsm_test_begin();
}

FIXTURE_TEARDOWN(hostile)
{
	struct timespec t1;

	munmap(self->sh, sizeof(*self->sh));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	TH_LOG("node %d: took %.1f s", node, (t1.tv_sec - self->t0.tv_sec) +
	       (t1.tv_nsec - self->t0.tv_nsec) / 1e9);
}

/* DSM_HOSTILE_KINDS=none: the workloads without the adversary. */
static int no_adversary(void)
{
	const char *kinds = getenv("DSM_HOSTILE_KINDS");

	return kinds && !strcmp(kinds, "none");
}

/* Does the adversary send messages (kind silent alone sends none)? */
static int sends_messages(void)
{
	const char *kinds = getenv("DSM_HOSTILE_KINDS");

	if (!kinds)
		kinds = KINDS;
	return strcmp(kinds, "none") && strcmp(kinds, "silent");
}

/* The workloads and, on node 1, the adversary; then their verdicts. */
static void under_attack(struct __test_metadata *_metadata,
			 struct shared *sh)
{
	const char *out = "/tmp/dsm_hostile.adversary";
	double end = dsm_now() + ATTACK_S;
	pid_t sc, lrc, adv = 0;
	char why[512];

	if (node == ADVERSARY && !no_adversary())
		adv = start_adversary(out);
	sc = start(&sh->sc, sc_worker, end);
	lrc = start(&sh->lrc, lrc_worker, end);
	EXPECT_EQ(0, finish(sc, &sh->sc, end + WORKER_SLACK, why,
			    sizeof(why)))
		TH_LOG("node %d: sc workload: %s", node, why);
	EXPECT_EQ(0, finish(lrc, &sh->lrc, end + WORKER_SLACK, why,
			    sizeof(why)))
		TH_LOG("node %d: lrc workload: %s", node, why);
	TH_LOG("node %d: under attack: %lu sc rounds, %lu lrc increments",
	       node, sh->sc.count, sh->lrc.count);
	if (node == ADVERSARY && !no_adversary())
		EXPECT_EQ(0, finish_adversary(_metadata, adv, out,
					      end + WORKER_SLACK));
}

/*
 * Every node works on, node 1 attacks nodes 0 and 2; afterwards the data
 * is right, pages and locks still work, and the targets refused the
 * messages.
 */
TEST_F_TIMEOUT(hostile, member_attacks, DSM_TEST_TIMEOUT(200))
{
	long unexp0, malf0, unexp, malf;
	uint64_t sum = 0;
	char why[512], out[256];
	int n;

	if (node < 0 || nodes != 3)
		SKIP(return, "needs DSM_NODE_ID and DSM_NODES=3");
	if (node == 0 && dsm_sh(out, sizeof(out),
				"dsmctl region create %s size %dK model lrc",
				LRC_REGION, LRC_SIZE >> 10))
		TH_LOG("node 0: dsmctl region create %s: %s", LRC_REGION, out);
	dsm_test_sync(1);
	/* The region reaches every node before the attack starts. */
	ASSERT_LE(0, dsm_sh_until(MAP_WAIT, out, sizeof(out),
				  "dsmctl region show %s", LRC_REGION))
		TH_LOG("node %d: no region %s: %s", node, LRC_REGION, out);
	unexp0 = dsm_counter("rx_unexpected");
	malf0 = dsm_counter("rx_malformed");
	dsm_test_sync(2);

	under_attack(_metadata, self->sh);
	dsm_test_sync(3);

	/* Pages and locks still work, and hold what was written. */
	EXPECT_EQ(0, check_in_child(self->sh, check_sc, 1, why, sizeof(why)))
		TH_LOG("node %d: after the attack, sc: %s", node, why);
	dsm_test_sync(4);
	EXPECT_EQ(0, check_in_child(self->sh, check_sc, 2, why, sizeof(why)))
		TH_LOG("node %d: after the attack, sc: %s", node, why);
	EXPECT_EQ(0, check_in_child(self->sh, check_lrc_arg, 0, why,
				    sizeof(why)))
		TH_LOG("node %d: after the attack, lrc: %s", node, why);
	for (n = 0; n < 3; n++)
		sum += self->sh->check.lrc[1 + n];
	EXPECT_EQ(sum, self->sh->check.lrc[0])
		TH_LOG("node %d: the counter is %llu, the nodes' increments add up to %llu (%llu, %llu, %llu)",
		       node, (unsigned long long)self->sh->check.lrc[0],
		       (unsigned long long)sum,
		       (unsigned long long)self->sh->check.lrc[1],
		       (unsigned long long)self->sh->check.lrc[2],
		       (unsigned long long)self->sh->check.lrc[3]);
	EXPECT_EQ(self->sh->lrc.count, self->sh->check.lrc[1 + node])
		TH_LOG("node %d: %lu increments made here, %llu recorded",
		       node, self->sh->lrc.count,
		       (unsigned long long)self->sh->check.lrc[1 + node]);

	/* The targets refused what they were sent; the decoder took all. */
	unexp = dsm_counter("rx_unexpected");
	malf = dsm_counter("rx_malformed");
	TH_LOG("node %d: rx_unexpected %ld -> %ld, rx_malformed %ld -> %ld",
	       node, unexp0, unexp, malf0, malf);
	if (node != ADVERSARY && sends_messages()) {
		EXPECT_LT(unexp0, unexp)
			TH_LOG("node %d: refused no message of node %d",
			       node, ADVERSARY);
		EXPECT_EQ(malf0, malf)
			TH_LOG("node %d: the decoder refused messages", node);
	}
	dsm_test_sync(5);
}

TEST_HARNESS_MAIN

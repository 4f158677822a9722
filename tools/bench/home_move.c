// SPDX-License-Identifier: GPL-2.0
/*
 * home_move - what an adaptive home move saves (issue 17 item 4;
 * Documentation/sc.md "Adaptive homes", Documentation/benchmarks.md).
 *
 * Runs on 3 nodes of the virtual cluster at once:
 *
 *   vcluster run -n 3 --copy build/bench/home_move -- ./home_move
 *
 * Page P is homed on node 0. In each round node 1 writes P and node 2
 * reads it, so that every write of node 1 goes through P's home (it must
 * invalidate node 2's copy) and every read of node 2 too.
 * 1. static: ROUNDS rounds with home_adapt_after 0 on every node.
 * 2. the move: home_adapt_after ADAPT_AFTER, MOVE_ROUNDS rounds and
 *    MOVE_WAIT_S seconds; then every node's table must have P's bucket
 *    on node 1 (else the program fails).
 * 3. moved: ROUNDS rounds again, P now homed on its writer.
 * Each node prints the dsm messages it sent in phases 1 and 3 (the sum
 * of its msg_tx_* counters; the barriers between the steps are the
 * test harness's TCP, not dsm's). Figures to read, never asserted; bench.sh sums the nodes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dsm_test.h"
#include "dsm_nl_raw.h"
#include "dsm_home_tab.h"

#define PG_P		(70UL * DSM_HOME_NR_BUCKETS + 420)	/* home 0 */
#define BUCKET_P	420
#define ROUNDS		50
#define MOVE_ROUNDS	30
#define MOVE_WAIT_S	4
#define ADAPT_AFTER	"4"
#define PARAM		"/sys/module/dsm/parameters/home_adapt_after"

static unsigned int step;

static void die(const char *what)
{
	fprintf(stderr, "home_move: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void sync_all(void)
{
	if (dsm_sync(++step))
		die("sync");
}

/* The dsm messages this node sent: the sum of its msg_tx_* counters. */
static long long msgs_sent(void)
{
	FILE *f = fopen("/sys/kernel/debug/dsm/stats", "r");
	long long sum = 0, x;
	char key[64];

	if (!f)
		die("debugfs dsm/stats");
	while (fscanf(f, "%63s %lld", key, &x) == 2)
		if (!strncmp(key, "msg_tx_", 7))
			sum += x;
	fclose(f);
	return sum;
}

static void set_param(const char *val)
{
	int fd = open(PARAM, O_WRONLY);

	if (fd < 0 || write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		die(PARAM);
	close(fd);
}

/* P's home in this node's table, or -1. */
static int home_of_p(struct nlr *r)
{
	struct home h;

	if (home_get(r, &h) || h.len != DSM_HOME_NR_BUCKETS)
		return -1;
	return h.node[BUCKET_P];
}

/* One round: node 1 writes @v into P, node 2 reads it back. */
static void round_once(int id, int fd, uint64_t v)
{
	uint64_t got = 0;

	if (id == 1 && pwrite(fd, &v, sizeof(v), PG_P * DSM_PAGE) != sizeof(v))
		die("write P");
	sync_all();
	if (id == 2) {
		if (pread(fd, &got, sizeof(got), PG_P * DSM_PAGE) != sizeof(got))
			die("read P");
		if (got != v) {
			fprintf(stderr, "home_move: node 2 read %#llx, not %#llx\n",
				(unsigned long long)got, (unsigned long long)v);
			exit(1);
		}
	}
	sync_all();
}

/* @rounds rounds from @v0, and the messages this node sent in them. */
static long long phase(int id, int fd, uint64_t v0, int rounds)
{
	long long m0 = msgs_sent();
	int k;

	for (k = 0; k < rounds; k++)
		round_once(id, fd, v0 + k);
	return msgs_sent() - m0;
}

int main(void)
{
	const char *e = getenv("DSM_NODE_ID");
	int id = e ? atoi(e) : -1, fd, k, home;
	long long before, after;
	struct nlr r;

	if (id < 0 || id > 2)
		return fprintf(stderr, "run on 3 nodes (DSM_NODE_ID)\n"), 2;
	if (nlr_open(&r))
		die("dsm genetlink family");
	fd = open(DSM_DEV, O_RDWR);
	if (fd < 0)
		die("open /dev/dsm");
	set_param("0");
	if (home_of_p(&r) != 0) {
		fprintf(stderr, "home_move: P's bucket is not on node 0 at the start\n");
		return 1;
	}
	sync_all();

	before = phase(id, fd, 0x1000, ROUNDS);
	printf("home_move: static node %d msgs %lld rounds %d\n", id, before,
	       ROUNDS);
	fflush(stdout);

	set_param(ADAPT_AFTER);
	sync_all();
	for (k = 0; k < MOVE_ROUNDS; k++)
		round_once(id, fd, 0x2000 + k);
	sleep(MOVE_WAIT_S);	/* the wish, the table, the transfer */
	sync_all();
	home = home_of_p(&r);
	if (home != 1) {
		fprintf(stderr, "home_move: node %d: P's bucket on node %d, not 1, after %d rounds and %d s\n",
			id, home, MOVE_ROUNDS, MOVE_WAIT_S);
		return 1;
	}
	sync_all();

	after = phase(id, fd, 0x3000, ROUNDS);
	printf("home_move: moved node %d msgs %lld rounds %d\n", id, after,
	       ROUNDS);
	if (id == 0)
		printf("home_move: P's bucket moved to node 1 within %d rounds and %d s with home_adapt_after %s\n",
		       MOVE_ROUNDS, MOVE_WAIT_S, ADAPT_AFTER);
	set_param("0");
	nlr_close(&r);
	return 0;
}
